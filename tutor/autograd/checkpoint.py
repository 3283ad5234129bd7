"""Checkpointing: keep less of the tape, and compute part of it again when it is needed.

Reverse mode keeps every Node of the forward pass until the backward pass has used it: the
tape grows with the length of the computation. A chain of a million operations keeps a
million Nodes (and the arrays they point at) alive at once.

``checkpoint(f)`` trades memory for time. It returns a function that computes the same
values as ``f``, but as **one** primitive: the Nodes made inside ``f`` are dropped as soon
as its value is known, and only the call itself is recorded. When the backward pass reaches
that call, its VJP runs ``f`` again on the same arguments, this time traced, and pulls the
adjoint back through the fresh trace; then that trace is dropped too. In forward mode its
JVP does the same with tangents. The cost: ``f``'s forward pass runs twice.

A chain of L steps cut into segments of s steps, each wrapped in ``checkpoint``, keeps about
L / s Nodes during the forward pass, plus the s Nodes of the one segment being recomputed
during the backward pass: L / s + s at most, smallest when s is about √L.

    >>> import tutor.autograd.numpy as np
    >>> from tutor.autograd import checkpoint, grad
    >>> def ten_sines(x):
    ...     for _ in range(10):
    ...         x = np.sin(x)
    ...     return x
    >>> nodes_kept(ten_sines, 0.5), nodes_kept(checkpoint(ten_sines), 0.5)
    (11, 2)
    >>> bool(np.allclose(grad(ten_sines)(0.5), grad(checkpoint(ten_sines))(0.5)))
    True
"""

from .core import defvjp_argnum, make_vjp, toposort, traceable
from .forward import defjvp_argnum, make_jvp
from .tracer import primitive, trace

__all__ = ["checkpoint", "nodes_kept"]


def _one_argument(fun, argnum, args, kwargs):
    """``fun`` as a function of its argument number ``argnum``, the others held fixed."""
    def of_one(value):
        return fun(*args[:argnum], value, *args[argnum + 1:], **kwargs)
    return of_one


def checkpoint(fun):
    """``fun`` computed as one primitive whose derivatives recompute it (see the module).

    The result takes the same arguments as ``fun`` and gives the same values; its VJP and
    its JVP trace ``fun`` again, with respect to the argument that needs it.
    """
    name = getattr(fun, "__name__", "checkpointed")

    @primitive
    def checkpointed(*args, **kwargs):
        return fun(*args, **kwargs)          # raw values in: nothing inside is recorded

    def vjp_maker(argnum, ans, args, kwargs):
        def vjp(g):
            pull_back, _ = make_vjp(_one_argument(fun, argnum, args, kwargs),
                                    traceable(args[argnum]))
            return pull_back(g)
        return vjp

    def jvp(argnum, tangent, ans, args, kwargs):
        push_forward = make_jvp(_one_argument(fun, argnum, args, kwargs),
                                traceable(args[argnum]))
        return push_forward(tangent)[1]

    defvjp_argnum(checkpointed, vjp_maker, symbol=f"checkpoint({name})",
                  formulas=(f"ḡ pulled back through {name}, recomputed",))
    defjvp_argnum(checkpointed, jvp, formulas=(f"ẋ pushed through {name}, recomputed",))
    checkpointed.__name__ = f"checkpointed_{name}"
    checkpointed.__doc__ = f"{name}, checkpointed: its trace is rebuilt when a derivative " \
                           f"needs it.\n\n{fun.__doc__ or ''}"
    return checkpointed


def nodes_kept(fun, *args, argnum=0, **kwargs):
    """How many Nodes the tape of ``fun(*args)`` keeps for the backward pass.

    The trace is made with respect to argument ``argnum``; the count is every Node the output
    depends on, the input's included (0 when the output does not depend on the input at
    all). This is what reverse mode holds in memory between the forward and the backward
    pass.
    """
    _, _, end_node = trace(_one_argument(fun, argnum, args, kwargs), traceable(args[argnum]))
    if end_node is None:
        return 0
    return sum(1 for _ in toposort(end_node))
