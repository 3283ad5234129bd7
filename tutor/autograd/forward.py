"""Forward mode: tangents pushed from the inputs to the output.

Reverse mode asks "how does the output change when each *input* moves?" and answers it for
all inputs at once, walking the graph backwards with adjoints. Forward mode asks the
transposed question, "how does the output change when the input moves in *one direction*
``v``?", and answers it walking the graph forwards, in the order the computation ran.

Every value ``x`` of the computation gets a **tangent** ``ẋ``: how fast ``x`` moves when the
input moves along ``v``. The input's tangent is ``v`` itself. A primitive's tangent follows
from its arguments' tangents by its **Jacobian-vector product** (JVP): for ``ans = sin(x)``,
``ans`` moves at ``ẋ · cos(x)``; for ``ans = x · y``, at ``ẋ · y + x · ẏ`` (one term per
argument that moves, added up). The output's tangent is the directional derivative ``J v``.

One forward pass gives one column-combination ``J v`` of the Jacobian, where one backward
pass gives one row-combination ``uᵀ J``. So forward mode wins for functions with few inputs
and many outputs, reverse mode for many inputs and few outputs (a loss).

How it is done here: :func:`make_jvp` traces ``fun`` exactly as reverse mode does (the same
Nodes, see ``tracer.py``), then :func:`forward_pass` visits the Nodes parents-first and
applies each primitive's JVP. The trace is reused for every direction ``v`` you ask about.
(A forward mode can also compute tangents *during* the trace and keep no graph at all; we
keep the graph because the tutor shows it, and because one trace then serves many ``v``.)

JVPs are registered next to the VJPs, one line per primitive, with :func:`defjvp`:

    defjvp(sin, lambda g, ans, x: g * cos(x), formulas=("ẋ · cos(x)",))

Inside a JVP, ``g`` is the tangent of *that* argument (HIPS autograd's convention), ``ans`` the
primitive's output and ``x, y, ...`` its arguments. JVPs are written with the wrapped numpy,
like VJPs, so that they can be differentiated in turn: ``make_jvp`` of a ``grad`` (forward
over reverse) and ``grad`` of a ``make_jvp`` (reverse over forward) both work.
"""

from collections import namedtuple

import numpy as _np

from .core import (VSpace, add_adjoints, is_numeric, read_info, toposort, traceable,
                   zeros_like)
from .tracer import getval, new_roots, trace

__all__ = ["defjvp", "defjvp_argnum", "defjvp_argnums", "def_linear", "jvp_info", "JVPInfo",
           "make_jvp", "forward_pass", "MissingJVPError"]


# --------------------------------------------------------------------------- JVP registry

JVPInfo = namedtuple("JVPInfo", "name symbol formulas")
JVPInfo.__doc__ = """What a learner reads about a primitive in forward mode: its name, the
symbol drawn in the graph and one tangent formula per argnum, written in that argument's
tangent (``ẋ`` for argnum 0, ``ẏ`` for argnum 1), the arguments and the output ``ans``."""

TANGENT_NAMES = ("ẋ", "ẏ", "ż")


def defjvp(fun, *jvpfuns, argnums=None, symbol=None, formulas=None):
    """Register the JVPs of primitive ``fun``, one function per argument position.

    A JVP has the shape ``lambda g, ans, x, y: ...``: given the tangent ``g`` of this argument,
    the output and the arguments, it returns this argument's share of the output's tangent
    (shaped like ``ans``). Two shortcuts:

    * ``None``: no tangent flows from that argument (a condition, an index);
    * ``"same"``: ``fun`` is linear in that argument, so its JVP is ``fun`` itself applied to
      the tangent in that argument's place (``sum``, ``reshape``, ``x[i]``, and each factor of
      ``x * y`` or ``x @ y``).

    ``formulas`` are the tangent formulas as text, e.g. ``("ẋ · y", "x · ẏ")`` for multiply;
    ``"same"`` entries without one get ``name(ẋ)``-style text. ``symbol`` is the graph label
    (usually already given by ``defvjp``).

        defjvp(sin, lambda g, ans, x: g * cos(x), formulas=("ẋ · cos(x)",))
    """
    argnums = range(len(jvpfuns)) if argnums is None else argnums
    formulas = (formulas,) if isinstance(formulas, str) else tuple(formulas or ())
    for position, (argnum, jvpfun) in enumerate(zip(argnums, jvpfuns)):
        formula = formulas[position] if position < len(formulas) else ""
        if isinstance(jvpfun, str) and jvpfun == "same":
            jvpfun = _same_as_fun(fun, argnum)
            formula = formula or _same_formula(fun, argnum)
        fun.jvps[argnum] = jvpfun if jvpfun is not None else _no_tangent
        if formula:
            fun.jvp_formulas[argnum] = formula
    if symbol is not None:
        fun.symbol = symbol


def defjvp_argnum(fun, jvpfun, formulas=None):
    """Register one JVP for every argument position: ``jvpfun(argnum, g, ans, args, kwargs)``.

    For primitives taking any number of arguments, such as ``concatenate`` or ``einsum``.
    """
    fun.jvp_argnum = jvpfun
    for argnum, formula in enumerate((formulas,) if isinstance(formulas, str) else formulas or ()):
        fun.jvp_formulas[argnum] = formula


def defjvp_argnums(fun, jvpmaker):
    """HIPS's most general form: ``jvpmaker(argnums, gs, ans, args, kwargs)`` returns the output's
    tangent from the tangents ``gs`` of all the arguments in ``argnums`` at once.

    The forward pass here adds up one argument's share at a time, so it is called with one.
    """
    defjvp_argnum(fun, lambda argnum, g, ans, args, kwargs:
                  jvpmaker((argnum,), (g,), ans, args, kwargs))


def def_linear(fun, formulas=None):
    """Declare ``fun`` linear in each argument (``multiply``, ``dot``, ``einsum``...): its JVP for
    an argument is ``fun`` with that argument replaced by its tangent."""
    def jvp(argnum, g, ans, args, kwargs):
        return fun(*args[:argnum], g, *args[argnum + 1:], **kwargs)
    defjvp_argnum(fun, jvp, formulas)


def _same_as_fun(fun, argnum):
    def jvp(g, ans, *args, **kwargs):
        return fun(*args[:argnum], g, *args[argnum + 1:], **kwargs)
    return jvp


def _same_formula(fun, argnum):
    """``sum(ẋ)``, ``multiply(x, ẏ)``: the function applied with the tangent in its place."""
    arguments = ["x", "y", "z"][:argnum] + [TANGENT_NAMES[min(argnum, 2)]]
    return f"{fun.__name__}({', '.join(arguments)})"


def _no_tangent(g, ans, *args, **kwargs):
    """The JVP of an argument that does not move the output: no contribution at all."""
    return None


def jvp_info(fun):
    """The forward-mode teaching metadata of primitive ``fun`` (see :class:`JVPInfo`)."""
    return read_info(JVPInfo, fun, getattr(fun, "jvp_formulas", {}))


class MissingJVPError(NotImplementedError):
    """Raised when the forward pass reaches a primitive with no JVP for an argument."""


def _jvp(node, argnum):
    fun = node.fun
    jvpfun = fun.jvps.get(argnum)
    if jvpfun is not None:
        return jvpfun
    if fun.jvp_argnum is not None:
        return lambda g, ans, *args, **kwargs: fun.jvp_argnum(argnum, g, ans, args, kwargs)
    name = fun.__name__
    raise MissingJVPError(
        f"No JVP is registered for '{name}' with respect to argument {argnum}, so forward mode "
        f"cannot push a tangent through it.\nEither use reverse mode (grad, make_vjp), or "
        f"register one:\n    from tutor.autograd.extend import defjvp\n"
        f"    defjvp({name}, " + ", ".join(
            ["None"] * argnum + ["lambda g, ans, *args: ...  # your JVP"]) + ")")


# ------------------------------------------------------------------------ forward pass

def forward_pass(start_tangents, end_node, observer=None):
    """Push tangents from the input Nodes to ``end_node``; return the dict Node -> tangent.

    ``start_tangents`` maps each input Node (a root of the trace) to its tangent. Nodes are
    visited parents-first (the reverse of :func:`core.toposort`'s order), so every parent's
    tangent is known when a Node needs it. A Node's tangent is the sum, over its traced
    arguments, of each argument's JVP applied to that argument's tangent; a Node none of
    whose arguments passes a tangent on (``sign(x)``) gets a zero tangent.

    ``observer``, if given, is called once per primitive application (never for the inputs,
    whose tangents you chose) as ``observer(node, tangents_in, contributions, tangent)``:

    * ``node``: the Node; ``node.fun`` is the primitive, ``node.args``/``node.kwargs`` its
      argument values, ``node.value`` its output, ``node.parents`` the Nodes of its traced
      arguments (link to them by identity) at positions ``node.parent_argnums``;
    * ``tangents_in``: the tangents of ``node.parents``, in the same order;
    * ``contributions``: each parent's share of the output tangent (its JVP applied to its
      tangent), in the same order; None where that argument passes no tangent on;
    * ``tangent``: the output's tangent, the sum of the contributions.

    The recorder uses it to show forward steps with tangents; it does not change what is
    computed.
    """
    tangents = dict(start_tangents)
    for node in reversed(list(toposort(end_node))):
        if not node.parents:
            continue
        tangents_in = [tangents[parent] for parent in node.parents]
        contributions = []
        tangent = None
        jvps = node.fun.jvps
        for argnum, tangent_in in zip(node.parent_argnums, tangents_in):
            jvp = jvps.get(argnum) or _jvp(node, argnum)      # the usual case looked up here
            contribution = jvp(tangent_in, node.value, *node.args, **node.kwargs)
            contributions.append(contribution)
            if contribution is not None:
                tangent = contribution if tangent is None else add_adjoints(tangent, contribution)
        if tangent is None:
            tangent = zeros_like(node.value)
        tangents[node] = tangent
        if observer is not None:
            observer(node, tuple(tangents_in), tuple(contributions), tangent)
    return tangents


# -------------------------------------------------------------------------- make_jvp

def make_jvp(fun, x):
    """Trace ``fun(x)`` once and return ``jvp``: ``jvp(v)`` is ``(fun(x), J v)``.

    ``v`` is a direction in input space: shaped like ``x`` (a tuple of such when ``x`` is a
    tuple of inputs). This is the unary form; the public ``tutor.autograd.make_jvp`` takes an
    ``argnum`` like ``grad`` does: ``make_jvp(f, argnum)(*args)(v)``.
    """
    traced_x = traceable(x)
    start_node = new_roots(traced_x)
    end_value, end_node = trace(start_node, fun, traced_x)

    def jvp(vector):
        _check_direction(x, vector)
        if end_node is None:
            return end_value, zeros_like(end_value)
        if isinstance(start_node, tuple):
            seeds = dict(zip(start_node, vector))
        else:
            seeds = {start_node: vector}
        return end_value, forward_pass(seeds, end_node)[end_node]
    return jvp


def _check_direction(x, vector):
    if isinstance(x, tuple):
        if not isinstance(vector, (tuple, list)) or len(vector) != len(x):
            raise ValueError(f"make_jvp with {len(x)} inputs needs a tuple of {len(x)} tangent "
                             f"vectors, one shaped like each input.")
        for xi, vi in zip(x, vector):
            _check_direction(xi, vi)
        return
    if not is_numeric(getval(x)):
        return                          # a container, or a value type with a space of its own
    x_shape, v_shape = _np.shape(getval(x)), _np.shape(getval(vector))
    if x_shape != v_shape:
        raise ValueError(f"The tangent vector must have the shape of the input: the input has "
                         f"shape {x_shape}, the vector shape {v_shape}.")


# ------------------------------------------------ the vector-space operations' JVPs

def _identity_jvp(g, ans, *args, **kwargs):
    return g


# Adding passes tangents on unchanged; a · x and ⟨x, y⟩ are linear in each of x, y and a, and
# taking the covector is linear: "same". (Their VJPs are in core.py; argument 0 is the space.)
defjvp(VSpace.add, None, _identity_jvp, _identity_jvp, formulas=("", "ẏ", "ż"))
defjvp(VSpace.mut_add, None, _identity_jvp, _identity_jvp, formulas=("", "ẏ", "ż"))
defjvp(VSpace.scalar_mul, None, "same", "same")
defjvp(VSpace.inner_prod, None, "same", "same")
defjvp(VSpace.covector, None, "same")
