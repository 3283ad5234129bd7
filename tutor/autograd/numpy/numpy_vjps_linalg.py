"""The VJP table, part 2: products and the other linear-algebra functions of numpy's top level.

Every product here is *linear* in each argument, so its VJP is again a product: the adjoint
``g`` of ``x @ y`` reaches ``x`` as ``g @ yᵀ``. The general rule behind all of them is the one
:func:`einsum` uses: contract ``g`` with all the *other* operands, keeping this operand's
indices. And being linear in each argument, each product's JVP is the product itself with the
tangent in that argument's place (``"same"``): ``ẋ @ y`` and ``x @ ẏ``. ``np.linalg`` (inv, det, solve, norm, ...) lives in ``linalg.py``.
"""

import string

import numpy as _np

from ..core import defvjp, defvjp_argnum
from ..tracer import primitive
from ..forward import def_linear, defjvp
from . import numpy_wrapper as anp
from .numpy_vjps import _shape, unbroadcast


def _T(x):
    """Transpose of the last two axes (a batch of matrices stays a batch)."""
    return anp.swapaxes(x, -1, -2)


# ------------------------------------------------------------------------ matmul


def _matrices_vjp(argnum, x, y):
    """ans = x @ y for two matrices: x receives g @ yᵀ, y receives xᵀ @ g."""
    return (lambda g: g @ y.T) if argnum == 0 else (lambda g: x.T @ g)


def _matmul_vjp(argnum):
    """ans = x @ y, batched over leading axes; a 1-d x (or y) acts as a row (or column)."""
    def maker(ans, x, y):
        if len(_shape(x)) == 2 and len(_shape(y)) == 2:     # two matrices: the common case
            return _matrices_vjp(argnum, x, y)

        def vjp(g):
            x2 = anp.expand_dims(x, 0) if anp.ndim(x) == 1 else x       # (k,) -> (1, k)
            y2 = anp.expand_dims(y, 1) if anp.ndim(y) == 1 else y       # (k,) -> (k, 1)
            if anp.ndim(y) == 1:
                g = anp.expand_dims(g, -1)
            if anp.ndim(x) == 1:
                g = anp.expand_dims(g, -2)
            if argnum == 0:
                adjoint = anp.matmul(g, _T(y2))
                return unbroadcast(x, anp.squeeze(adjoint, -2) if anp.ndim(x) == 1 else adjoint)
            adjoint = anp.matmul(_T(x2), g)
            return unbroadcast(y, anp.squeeze(adjoint, -1) if anp.ndim(y) == 1 else adjoint)
        return vjp
    return maker


defvjp(anp.matmul, _matmul_vjp(0), _matmul_vjp(1), symbol="@", formulas=("g @ yᵀ", "xᵀ @ g"))
defjvp(anp.matmul, "same", "same", formulas=("ẋ @ y", "x @ ẏ"))

# ------------------------------------------------------------ tensordot and its relatives
#
# tensordot(x, y, axes=(xs, ys)) multiplies x and y and sums over the paired axes xs[i] <-> ys[i].
# Its output's axes are x's free (unpaired) axes followed by y's free axes. dot and inner are
# tensordots with particular axes, so they share these VJPs.


def _tensordot_axes(axes, x_ndim):
    """numpy's ``axes`` argument (an int n, or a pair of axis lists) as two lists of ints."""
    if isinstance(axes, (int, _np.integer)):
        return list(range(x_ndim - axes, x_ndim)), list(range(axes))
    x_axes, y_axes = axes
    x_axes = [x_axes] if isinstance(x_axes, (int, _np.integer)) else list(x_axes)
    y_axes = [y_axes] if isinstance(y_axes, (int, _np.integer)) else list(y_axes)
    return x_axes, y_axes


def _tensordot_adjoint_x(g, y, x_axes, y_axes, x_ndim, y_ndim):
    """Contract ``g`` with ``y`` over y's free axes, then put the axes back in x's order."""
    x_axes = [a % x_ndim for a in x_axes]
    y_axes = [a % y_ndim for a in y_axes]
    x_free = [a for a in range(x_ndim) if a not in x_axes]
    y_free = [a for a in range(y_ndim) if a not in y_axes]
    adjoint = anp.tensordot(g, y, (list(range(len(x_free), len(x_free) + len(y_free))), y_free))
    # adjoint's axes: x_free, then y's paired axes in increasing order, i.e. their x partners
    came_from = x_free + [x_axes[y_axes.index(a)] for a in sorted(y_axes)]
    return anp.transpose(adjoint, tuple(_np.argsort(came_from)))


def _tensordot_adjoint_y(g, x, x_axes, y_axes, x_ndim, y_ndim):
    """Contract ``x`` with ``g`` over x's free axes, then put the axes back in y's order."""
    x_axes = [a % x_ndim for a in x_axes]
    y_axes = [a % y_ndim for a in y_axes]
    x_free = [a for a in range(x_ndim) if a not in x_axes]
    y_free = [a for a in range(y_ndim) if a not in y_axes]
    adjoint = anp.tensordot(x, g, (x_free, list(range(len(x_free)))))
    came_from = [y_axes[x_axes.index(a)] for a in sorted(x_axes)] + y_free
    return anp.transpose(adjoint, tuple(_np.argsort(came_from)))


def _contraction_vjps(axes_of):
    """VJP makers for ``fun(x, y)`` = tensordot(x, y, axes_of(x_ndim, y_ndim))."""
    def maker_x(ans, x, y, *args, **kwargs):
        x_axes, y_axes = axes_of(anp.ndim(x), anp.ndim(y), *args, **kwargs)
        return lambda g: _tensordot_adjoint_x(g, y, x_axes, y_axes, anp.ndim(x), anp.ndim(y))

    def maker_y(ans, x, y, *args, **kwargs):
        x_axes, y_axes = axes_of(anp.ndim(x), anp.ndim(y), *args, **kwargs)
        return lambda g: _tensordot_adjoint_y(g, x, x_axes, y_axes, anp.ndim(x), anp.ndim(y))
    return maker_x, maker_y


def _dot_axes(x_ndim, y_ndim):
    """dot pairs x's last axis with y's second-to-last (its only, if y is 1-d); scalars: none."""
    if x_ndim == 0 or y_ndim == 0:
        return [], []
    return [x_ndim - 1], [max(y_ndim - 2, 0)]


def _inner_axes(x_ndim, y_ndim):
    """inner pairs the last axes; with a scalar it is a plain product."""
    if x_ndim == 0 or y_ndim == 0:
        return [], []
    return [x_ndim - 1], [y_ndim - 1]


def _given_axes(x_ndim, y_ndim, axes=2):
    return _tensordot_axes(axes, x_ndim)


defvjp(anp.tensordot, *_contraction_vjps(_given_axes), symbol="⊗·",
       formulas=("g contracted with y over y's free axes",
                 "x contracted with g over x's free axes"))
defjvp(anp.tensordot, "same", "same", formulas=("ẋ ⊗· y", "x ⊗· ẏ"))
def _dot_vjps():
    """dot is matmul for vectors and matrices (the common, fast case), a tensordot beyond."""
    general = _contraction_vjps(_dot_axes)
    matmul = (_matmul_vjp(0), _matmul_vjp(1))

    def other(ans, x, y, argnum):
        x_ndim, y_ndim = len(_shape(x)), len(_shape(y))
        if 1 <= x_ndim <= 2 and 1 <= y_ndim <= 2:
            return matmul[argnum](ans, x, y)
        return general[argnum](ans, x, y)

    def vjp_x(g, ans, x, y):                # two matrices, the usual case, decided at once
        if type(x) is type(y) is _np.ndarray and x.ndim == y.ndim == 2:
            return g @ y.T
        return other(ans, x, y, 0)(g)

    def vjp_y(g, ans, x, y):
        if type(x) is type(y) is _np.ndarray and x.ndim == y.ndim == 2:
            return x.T @ g
        return other(ans, x, y, 1)(g)
    return vjp_x, vjp_y


defvjp(anp.dot,       *_dot_vjps(), symbol="·", formulas=("g · yᵀ", "xᵀ · g"), direct=True)
defjvp(anp.dot,       "same", "same", formulas=("ẋ · y", "x · ẏ"))
defvjp(anp.inner,     *_contraction_vjps(_inner_axes), symbol="inner",
       formulas=("g · y", "gᵀ · x"))
defjvp(anp.inner,     "same", "same", formulas=("inner(ẋ, y)", "inner(x, ẏ)"))
defvjp(anp.outer,
       lambda ans, x, y: lambda g: anp.reshape(anp.dot(g, anp.ravel(y)), _shape(x)),
       lambda ans, x, y: lambda g: anp.reshape(anp.dot(anp.ravel(x), g), _shape(y)),
       symbol="⊗", formulas=("g · y", "gᵀ · x"))
defjvp(anp.outer,     "same", "same", formulas=("ẋ ⊗ y", "x ⊗ ẏ"))
defvjp(anp.vdot,
       lambda ans, x, y: lambda g: anp.reshape(g * anp.ravel(y), _shape(x)),
       lambda ans, x, y: lambda g: anp.reshape(g * anp.ravel(x), _shape(y)),
       symbol="·", formulas=("g · y", "g · x"))
defjvp(anp.vdot,      "same", "same", formulas=("vdot(ẋ, y)", "vdot(x, ẏ)"))
# cross(x, y) takes its vectors along axisa of x and axisb of y, and puts them along axisc of
# the output (``axis`` sets all three). x's adjoint is y × g, read along y's and g's axes and
# written along x's; y's adjoint is g × x likewise.
def _cross_vjp(argnum):
    def maker(ans, x, y, axisa=-1, axisb=-1, axisc=-1, axis=None):
        if axis is not None:
            axisa = axisb = axisc = axis
        if argnum == 0:
            return lambda g: unbroadcast(x, anp.cross(y, g, axisa=axisb, axisb=axisc, axisc=axisa))
        return lambda g: unbroadcast(y, anp.cross(g, x, axisa=axisc, axisb=axisa, axisc=axisb))
    return maker


defvjp(anp.cross, _cross_vjp(0), _cross_vjp(1), symbol="×", formulas=("y × g", "g × x"))
defjvp(anp.cross,     "same", "same", formulas=("ẋ × y", "x × ẏ"))


# kron(x, y) is made of blocks x[i, j] · y: viewing g with axes (x0, y0, x1, y1, ...), x's
# adjoint contracts g with y over the y axes, and y's contracts it with x over the x axes.
def _kron_vjp(argnum):
    def maker(ans, x, y):
        ndim = max(anp.ndim(x), anp.ndim(y))
        x_shape = (1,) * (ndim - anp.ndim(x)) + _shape(x)
        y_shape = (1,) * (ndim - anp.ndim(y)) + _shape(y)
        interleaved = tuple(size for pair in zip(x_shape, y_shape) for size in pair)

        def vjp(g):
            blocks = anp.reshape(g, interleaved)
            if argnum == 0:
                adjoint = anp.tensordot(blocks, anp.reshape(y, y_shape),
                                        (list(range(1, 2 * ndim, 2)), list(range(ndim))))
                return anp.reshape(adjoint, _shape(x))
            adjoint = anp.tensordot(blocks, anp.reshape(x, x_shape),
                                    (list(range(0, 2 * ndim, 2)), list(range(ndim))))
            return anp.reshape(adjoint, _shape(y))
        return vjp
    return maker


defvjp(anp.kron, _kron_vjp(0), _kron_vjp(1), symbol="⊗",
       formulas=("Σ over each block of g · y", "Σ over the blocks of g · x[i, j]"))
defjvp(anp.kron, "same", "same", formulas=("kron(ẋ, y)", "kron(x, ẏ)"))

# ------------------------------------------------------------------------------ einsum
#
# einsum("ij,jk->ik", x, y) names each axis with a letter; letters missing from the output are
# summed over. The adjoint of one operand is again an einsum: g (with the output's letters)
# times all the other operands, keeping this operand's letters. Two details: a letter only this
# operand has (summed away inside it, like "ij->i") is brought back by a vector of ones, and a
# repeated letter (a diagonal, like "ii->i") is brought back by an identity matrix.


def _einsum_spec(args):
    """(input subscripts, output subscripts, argnums of the operands) for an einsum call.

    Handles both call styles (``"ij,jk->ik", x, y`` and ``x, [0, 1], y, [1, 2]``), implicit
    output (no ``->``) and ``...``, by rewriting everything with explicit letters.
    """
    if isinstance(args[0], str):
        subscripts = args[0].replace(" ", "")
        argnums = list(range(1, len(args)))
    else:
        letters = string.ascii_letters
        argnums = list(range(0, len(args) - 1, 2))
        lists = [args[i + 1] for i in argnums]
        spell = lambda sublist: "".join("..." if s is Ellipsis else letters[s] for s in sublist)
        subscripts = ",".join(spell(s) for s in lists)
        if len(args) % 2:
            subscripts += "->" + spell(args[-1])
    inputs, arrow, output = subscripts.partition("->")
    inputs = inputs.split(",")
    ndims = [anp.ndim(args[i]) for i in argnums]
    unused = [c for c in string.ascii_letters if c not in subscripts]
    broadcast = max([n - (len(s) - 3) for s, n in zip(inputs, ndims) if "..." in s] or [0])
    pool = "".join(unused[:broadcast])
    inputs = [s.replace("...", pool[broadcast - (n - (len(s) - 3)):]) if "..." in s else s
              for s, n in zip(inputs, ndims)]
    if arrow:
        output = output.replace("...", pool)
    else:
        counts = {c: "".join(inputs).count(c) for c in "".join(inputs)}
        output = pool + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in pool))
    return inputs, output, argnums


def _einsum_vjp(argnum, ans, args, kwargs):
    inputs, output, argnums = _einsum_spec(args)
    if argnum not in argnums:
        raise ValueError("einsum's subscripts are not differentiable")
    k = argnums.index(argnum)
    operand = args[argnum]
    mine = inputs[k]
    others = [(s, args[i]) for j, (s, i) in enumerate(zip(inputs, argnums)) if j != k]
    elsewhere = set(output).union(*[s for s, _ in others])
    sizes = dict(zip(mine, _shape(operand)))
    spare = iter(c for c in string.ascii_letters if c not in "".join(inputs) + output)
    target, extras, seen = "", [], set()
    for letter in mine:
        if letter in seen:                      # repeated letter: a diagonal, via an identity
            fresh = next(spare)
            extras.append((letter + fresh, _np.eye(sizes[letter])))
            target += fresh
        else:
            seen.add(letter)
            target += letter
            if letter not in elsewhere:         # summed inside this operand only: ones
                extras.append((letter, _np.ones(sizes[letter])))

    def vjp(g):
        subs = [output] + [s for s, _ in others] + [s for s, _ in extras]
        values = [g] + [v for _, v in others] + [v for _, v in extras]
        adjoint = anp.einsum(",".join(subs) + "->" + target, *values)
        return unbroadcast(operand, adjoint)
    return vjp


defvjp_argnum(anp.einsum, _einsum_vjp, symbol="einsum",
              formulas=("",) + ("einsum of g with the other operands, to this operand's "
                                "indices",) * 16)
def_linear(anp.einsum, formulas=("",) + ("einsum with ẋ in this operand's place",) * 16)

# ------------------------------------------------------------- traces, diagonals, triangles


def _diagonal_adjoint(g, shape, offset, axis1, axis2):
    """Place ``g`` (..., d) on the ``offset`` diagonal of zeros of ``shape`` (over axis1, axis2).

    With 0/1 matrices P (picking the row) and Q (picking the column) of each diagonal entry,
    the result is Pᵀ · diag(g) · Q, which stays differentiable in ``g``.
    """
    ndim = len(shape)
    axis1, axis2 = axis1 % ndim, axis2 % ndim
    rows, cols = shape[axis1], shape[axis2]
    length = _shape(g)[-1]
    pick_row = _np.eye(length, rows, k=max(-offset, 0))
    pick_col = _np.eye(length, cols, k=max(offset, 0))
    matrices = anp.matmul(pick_row.T * anp.expand_dims(g, -2), pick_col)
    return anp.moveaxis(matrices, (-2, -1), (axis1, axis2))


def _trace_vjp(ans, x, offset=0, axis1=0, axis2=1, *args, **kwargs):
    shape = _shape(x)
    ndim = len(shape)
    axis1, axis2 = axis1 % ndim, axis2 % ndim
    identity = _np.eye(shape[axis1], shape[axis2], k=offset)

    def vjp(g):
        matrices = anp.expand_dims(anp.expand_dims(g, -1), -1) * identity
        return anp.moveaxis(matrices, (-2, -1), (axis1, axis2))
    return vjp


def _diag_vjp(ans, x, k=0):
    if anp.ndim(x) == 1:                        # diag built a matrix: read its diagonal back
        return lambda g: anp.diagonal(g, k)
    return lambda g: _diagonal_adjoint(g, _shape(x), k, 0, 1)


@primitive
def make_diagonal(D, offset=0, axis1=0, axis2=1):
    """The reverse of ``np.diagonal`` (HIPS autograd's addition to numpy): an array with ``D``'s
    last axis on the ``offset`` diagonal of the plane (``axis1``, ``axis2``), zeros elsewhere.

    ``make_diagonal(np.array([1, 2]))`` is ``[[1, 0], [0, 2]]``; a stack of vectors gives a
    stack of diagonal matrices, and ``np.diagonal(make_diagonal(D, k, a1, a2), k, a1, a2)``
    is ``D`` again.
    """
    D = _np.asarray(D)
    length = D.shape[-1]
    size = length + abs(offset)
    result = _np.zeros(D.shape[:-1] + (size, size), dtype=_np.result_type(D, _np.float64))
    positions = _np.arange(length)
    result[..., positions + max(-offset, 0), positions + max(offset, 0)] = D
    return _np.moveaxis(result, (-2, -1), (axis1, axis2))


anp.make_diagonal = make_diagonal
anp.__all__.append("make_diagonal")

defvjp(anp.trace,    _trace_vjp, symbol="tr", formulas="g · I")
defjvp(anp.trace,    "same", formulas="tr(ẋ)")
defvjp(anp.diagonal, lambda ans, x, offset=0, axis1=0, axis2=1:
                     lambda g: _diagonal_adjoint(g, _shape(x), offset, axis1, axis2),
       symbol="diag", formulas="g on the diagonal, 0 elsewhere")
defjvp(anp.diagonal, "same", formulas="the diagonal of ẋ")
defvjp(make_diagonal, lambda ans, D, offset=0, axis1=0, axis2=1:
                      lambda g: anp.diagonal(g, offset, axis1, axis2),
       symbol="diag", formulas="the diagonal of g")
defjvp(make_diagonal, "same", formulas="ẋ on the diagonal")
defvjp(anp.diag,     _diag_vjp, symbol="diag", formulas="the diagonal part of g")
defjvp(anp.diag,     "same", formulas="diag(ẋ)")
defvjp(anp.triu,     lambda ans, x, k=0: lambda g: anp.triu(g, k), formulas="triu(g)")
defjvp(anp.triu,     "same", formulas="triu(ẋ)")
defvjp(anp.tril,     lambda ans, x, k=0: lambda g: anp.tril(g, k), formulas="tril(g)")
defjvp(anp.tril,     "same", formulas="tril(ẋ)")
