"""What you need to extend autograd: your own primitives, your own kinds of trace, your own
kinds of value. The names are HIPS autograd's ``autograd.extend``.

**A primitive** is a function autograd does not look inside; you tell it the derivatives.
Wrap the function, then register its VJPs (and its JVPs, for forward mode):

    from tutor.autograd.extend import primitive, defvjp, defjvp

    @primitive
    def logsumexp(x):
        ...

    defvjp(logsumexp, lambda ans, x: lambda g: g * np.exp(x - ans),
           symbol="lse", formulas=("g · exp(x − ans)",))
    defjvp(logsumexp, lambda g, ans, x: np.sum(g * np.exp(x - ans)),
           formulas=("Σ ẋ · exp(x − ans)",))

``defvjp_argnum`` and ``defjvp_argnum`` take one function for every argument position;
``defvjp_argnums`` and ``defjvp_argnums`` one for all of them at once; ``def_linear`` says a
function is linear in each argument. ``notrace_primitive`` wraps a function whose output has
no derivative (a trace does not continue through it); ``register_notrace(NodeClass, fun)``
does that for the traces of one kind of Node only.

**A kind of trace** is a subclass of :class:`Node`: ``trace(MyNode.new_root(x), f, x)``
makes every Node of the trace with ``MyNode(value, fun, args, kwargs, parent_argnums,
parents)``, so ``MyNode`` sees each primitive application (see ``tracer.py``).

**A kind of value** (a polynomial, a function in a Hilbert space) needs a Box that looks
like it inside a trace and a vector space for its derivatives:

    class PolyBox(Box, Poly): ...            # Box first: it holds the value and the Node
    PolyBox.register(Poly)

    class PolySpace(VSpace):
        def __init__(self, value): self.degree = value.degree
        def zeros(self): ...
        def _add(self, p, q): ...                # and ones, randn, standard_basis,
        def _scalar_mul(self, p, a): ...         # _inner_prod
    PolySpace.register(Poly)
"""

from .core import (  # noqa: F401
    MissingVJPError, VJPInfo, VSpace, defvjp, defvjp_argnum, defvjp_argnums, vjp_info, vspace)
from .forward import (  # noqa: F401
    JVPInfo, MissingJVPError, def_linear, defjvp, defjvp_argnum, defjvp_argnums, jvp_info)
from .tracer import (  # noqa: F401
    Box, Node, getval, isbox, notrace_primitive, primitive, register_notrace)

__all__ = ["primitive", "notrace_primitive", "register_notrace", "defvjp", "defvjp_argnum",
           "defvjp_argnums", "vjp_info", "VJPInfo", "defjvp", "defjvp_argnum", "defjvp_argnums",
           "def_linear", "jvp_info", "JVPInfo", "vspace", "VSpace", "Box", "Node", "isbox",
           "getval", "MissingVJPError", "MissingJVPError"]
