"""``np.linalg``, traceable, with VJPs for inv, det, slogdet, solve, norm and cholesky.

The VJPs of matrix functions come from differentiating the defining identity. For the inverse,
``A · A⁻¹ = I`` gives ``dA · A⁻¹ + A · d(A⁻¹) = 0``, so ``d(A⁻¹) = −A⁻¹ · dA · A⁻¹``, and the
adjoint flows back as ``−A⁻ᵀ · g · A⁻ᵀ``. Everything works on stacks of matrices too (the last
two axes are the matrix), which is why transposes are written ``_T(x)``.
"""

from collections import namedtuple
from functools import reduce

import numpy as _np
import numpy.linalg as _linalg

from ..core import defvjp
from ..forward import defjvp
from ..tracer import getval, isbox, primitive
from . import numpy_wrapper as anp
from .numpy_vjps import _shape, unbroadcast
from .numpy_wrapper import wrap_namespace

__all__ = wrap_namespace(_linalg.__dict__, globals())


def _T(x):
    """Transpose of the last two axes (a batch of matrices stays a batch)."""
    return anp.swapaxes(x, -1, -2)


# HIPS autograd's linalg module names these two helpers ``T`` and ``_dot``, and its tests use
# them: the transpose above, and the matrix product of stacks of matrices.
T = _T


def _dot(a, b):
    """``a @ b`` for stacks of matrices (``einsum("...ij,...jk->...ik")``)."""
    return anp.matmul(a, b)


def _as_matrix(v):
    """Give a batch of numbers two trailing axes of length 1, to scale a batch of matrices."""
    return anp.expand_dims(anp.expand_dims(v, -1), -1)


def _trace_of_product(a, b):
    """tr(a · b) for each matrix of a batch, without forming the product."""
    return anp.sum(_T(a) * b, axis=(-2, -1))


# ------------------------------------------------------------ inverse and determinants

defvjp(inv, lambda ans, x: lambda g: -anp.matmul(anp.matmul(_T(ans), g), _T(ans)),
       symbol="A⁻¹", formulas="−ansᵀ · g · ansᵀ")
defjvp(inv, lambda g, ans, x: -anp.matmul(anp.matmul(ans, g), ans), formulas="−ans · ẋ · ans")
defvjp(det, lambda ans, x: lambda g: _as_matrix(g * ans) * _T(inv(x)),
       formulas="g · ans · x⁻ᵀ")
defjvp(det, lambda g, ans, x: ans * _trace_of_product(inv(x), g), formulas="ans · tr(x⁻¹ · ẋ)")


@primitive
def logabsdet(x):
    """log |det x|, the differentiable half of ``slogdet`` (the sign has no derivative)."""
    return _linalg.slogdet(x)[1]


defvjp(logabsdet, lambda ans, x: lambda g: _as_matrix(g) * _T(inv(x)),
       symbol="log|det|", formulas="g · x⁻ᵀ")
defjvp(logabsdet, lambda g, ans, x: _trace_of_product(inv(x), g), formulas="tr(x⁻¹ · ẋ)")

SlogdetResult = namedtuple("SlogdetResult", "sign logabsdet")


def slogdet(a):
    """``(sign, log|det a|)`` like numpy's; the log-determinant is traced, the sign is plain."""
    if not isbox(a):
        return _linalg.slogdet(a)
    return SlogdetResult(_linalg.slogdet(getval(a))[0], logabsdet(a))


slogdet.primitive = logabsdet

# ------------------------------------------------------------------------------ solve
#
# ans = x⁻¹ y. Then y's adjoint is x⁻ᵀ g (a solve with the transpose), and x's adjoint is
# −(x⁻ᵀ g) · ansᵀ. numpy treats y as a vector only when it is 1-d.


def _solve_vjp_x(ans, x, y):
    def vjp(g):
        g_y = solve(_T(x), g)
        if anp.ndim(y) == 1:
            return unbroadcast(x, -anp.expand_dims(g_y, -1) * anp.expand_dims(ans, -2))
        return unbroadcast(x, -anp.matmul(g_y, _T(ans)))
    return vjp


defvjp(solve, _solve_vjp_x, lambda ans, x, y: lambda g: unbroadcast(y, solve(_T(x), g)),
       formulas=("−(x⁻ᵀ · g) · ansᵀ", "x⁻ᵀ · g"))
defjvp(solve, lambda g, ans, x, y: -solve(x, anp.matmul(g, ans)), lambda g, ans, x, y: solve(x, g),
       formulas=("−x⁻¹ · ẋ · ans", "x⁻¹ · ẏ"))

# ---------------------------------------------------------------------------- cholesky
#
# L = cholesky(A) with A = L Lᵀ. Differentiating, dA = dL Lᵀ + L dLᵀ; solving for the adjoint
# gives Ā = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹, where Φ keeps the lower triangle and halves the diagonal. A is
# symmetric, so the adjoint is made symmetric too.


def _cholesky_vjp(ans, x, upper=False):
    lower = _T(ans) if upper else ans

    def vjp(g):
        g = _T(g) if upper else g
        inner = anp.tril(anp.matmul(_T(lower), g))
        phi = inner - 0.5 * _diagonal_part(inner)
        left = solve(_T(lower), phi)                          # L⁻ᵀ Φ
        adjoint = _T(solve(_T(lower), _T(left)))              # L⁻ᵀ Φ L⁻¹
        return 0.5 * (adjoint + _T(adjoint))
    return vjp


def _diagonal_part(x):
    return x * _np.eye(_shape(x)[-1])


def _cholesky_jvp(g, ans, x, upper=False):
    """dL = L · Φ(L⁻¹ dA L⁻ᵀ): differentiate A = L Lᵀ, with A's tangent made symmetric."""
    lower = _T(ans) if upper else ans
    g = 0.5 * (g + _T(g))
    inner = _T(solve(lower, _T(solve(lower, g))))            # L⁻¹ ẋ L⁻ᵀ
    phi = anp.tril(inner) - 0.5 * _diagonal_part(inner)
    tangent = anp.matmul(lower, phi)
    return _T(tangent) if upper else tangent


defvjp(cholesky, _cholesky_vjp, symbol="chol", formulas="sym(L⁻ᵀ · Φ(Lᵀ · g) · L⁻¹)")
defjvp(cholesky, _cholesky_jvp, formulas="L · Φ(L⁻¹ · ẋ · L⁻ᵀ)")

# -------------------------------------------------------------------------------- norm
#
# Vector norms ‖x‖_p = (Σ |x|^p)^(1/p) have gradient sign(x) · |x|^(p−1) / ‖x‖^(p−1), i.e.
# x / ‖x‖ for p = 2. Matrix norms (axis a pair, or a 2-d x with ord given) are handled by kind.


def _norm_slope(ans, x, ord=None, axis=None, keepdims=False):
    """The gradient of the norm with respect to ``x`` (shaped like ``x``), and the axes it
    reduced. The VJP scales it by ``g``; the JVP contracts it with the tangent ``ẋ``.

    For complex ``x`` the slope of ``|x|`` is ``conj(x) / |x|`` (the gradient convention of
    ``grad(lambda z: abs(z)**2)(z) == 2 conj(z)``); it is written with ``x`` itself rather than
    ``sign(x)``, whose derivative is 0, so that second derivatives come out right.
    """
    ndim = anp.ndim(x)
    if axis is None:
        matrix = ndim == 2 and ord is not None
        axes = tuple(range(ndim))
    else:
        axes = tuple(a % ndim for a in ((axis,) if _np.ndim(axis) == 0 else axis))
        matrix = len(axes) == 2
    kept = tuple(1 if i in axes else size for i, size in enumerate(_shape(x)))
    norm = anp.reshape(ans, kept)                     # broadcastable against x
    complex_x = _np.iscomplexobj(getval(x))
    if matrix:
        slope = _matrix_norm_gradient(x, norm, ord, axes)
    elif ord is None or ord == 2:
        slope = (anp.conj(x) if complex_x else x) / norm
    elif ord == 1:
        slope = anp.conj(x) / anp.abs(x) if complex_x else anp.sign(x)
    elif ord in (_np.inf, -_np.inf):
        winners = anp.abs(x) == norm
        direction = anp.conj(x) / anp.abs(x) if complex_x else anp.sign(x)
        slope = direction * winners / _np.sum(winners, axis=axes, keepdims=True)
    elif ord == 0:
        slope = anp.zeros_like(x)
    elif complex_x:
        slope = anp.conj(x) * anp.abs(x) ** (ord - 2) / norm ** (ord - 1)
    else:
        slope = anp.sign(x) * anp.abs(x) ** (ord - 1) / norm ** (ord - 1)
    return slope, axes, kept


def _norm_vjp(ans, x, *args, **kwargs):
    slope, axes, kept = _norm_slope(ans, x, *args, **kwargs)
    return lambda g: anp.reshape(g, kept) * slope


def _norm_jvp(g, ans, x, *args, **kwargs):
    slope, axes, kept = _norm_slope(ans, x, *args, **kwargs)
    tangent = anp.reshape(anp.sum(slope * g, axis=axes), _shape(ans))
    return anp.real(tangent) if _np.iscomplexobj(getval(tangent)) else tangent


def _matrix_norm_gradient(x, norm, ord, axes):
    """The gradient of a matrix norm, conjugated at the end for complex ``x``."""
    rows, cols = axes
    if ord in (None, "fro"):
        slope = x / norm
    elif ord in (2, -2, "nuc"):
        slope = anp.moveaxis(_singular_vector_product(anp.moveaxis(x, axes, (-2, -1)), ord),
                             (-2, -1), axes)
    else:   # 1 / -1: the largest / smallest column sum of |x|; inf / -inf: the same with rows.
        summed_axis = rows if ord in (1, -1) else cols
        sums = anp.sum(anp.abs(x), axis=summed_axis, keepdims=True)
        winners = sums == norm
        direction = x / anp.abs(x) if _np.iscomplexobj(getval(x)) else anp.sign(x)
        slope = direction * winners / _np.sum(winners, axis=axes, keepdims=True)
    return anp.conj(slope) if _np.iscomplexobj(getval(x)) else slope


def _singular_vector_product(x, which):
    """U_k V_kᴴ for the singular vectors of the largest (``which=2``), smallest (``-2``) or all
    (``"nuc"``) singular values of the matrices in ``x``: the gradient of those matrix norms.

    Written with the traced ``svd`` (``numpy_vjps_decompositions.py``), so that the norms can
    be differentiated twice: the second derivative flows through svd's own VJP and JVP.
    """
    u, s, vh = svd(x, full_matrices=False)
    if which == "nuc":
        return anp.matmul(u, vh)
    k = 0 if which == 2 else _np.shape(getval(s))[-1] - 1     # singular values: largest first
    return anp.matmul(u[..., :, k:k + 1], vh[..., k:k + 1, :])


defvjp(norm, _norm_vjp, symbol="‖x‖", formulas="g · x / ans (ord 2; others by kind)")
defjvp(norm, _norm_jvp, formulas="Σ ẋ · x / ans (ord 2; others by kind)")

# ---------------------------------------------------------------------------- products


def multi_dot(arrays, *, out=None):
    """``np.linalg.multi_dot``: with Boxes, a chain of traced ``dot``s."""
    if not any(isbox(a) for a in arrays):
        return _linalg.multi_dot(arrays, out=out)
    return reduce(anp.dot, arrays)


# ----------------------------------------------------------- the array-API spellings
#
# numpy 2 added np.linalg.matmul, .vecdot, .vector_norm, ... as functions of their own. With
# Boxes they are spelled with the traced functions above; plain values still go to numpy.


def _traced_spelling(name, traced):
    original = getattr(_linalg, name, None)
    if original is None:                                # numpy < 2
        return

    def spelling(*args, **kwargs):
        if any(isbox(arg) for arg in args):
            return traced(*args, **kwargs)
        return original(*args, **kwargs)
    spelling.__name__ = name
    spelling.__doc__ = original.__doc__
    globals()[name] = spelling


def _vector_norm(x, *, axis=None, keepdims=False, ord=2):
    if axis is None and not keepdims:
        return norm(anp.ravel(x), ord)
    if axis is None:
        axis = tuple(range(anp.ndim(x)))
    if isinstance(axis, tuple) and len(axis) > 1:       # several axes act as one long vector
        moved = anp.moveaxis(x, axis, tuple(range(-len(axis), 0)))
        flat = anp.reshape(moved, _shape(moved)[:anp.ndim(x) - len(axis)] + (-1,))
        result = norm(flat, ord, axis=-1)
        if keepdims:
            kept = tuple(1 if i in [a % anp.ndim(x) for a in axis] else n
                         for i, n in enumerate(_shape(x)))
            result = anp.reshape(result, kept)
        return result
    return norm(x, ord, axis=axis, keepdims=keepdims)


_traced_spelling("matmul", lambda x1, x2: anp.matmul(x1, x2))
_traced_spelling("tensordot", lambda x1, x2, *, axes=2: anp.tensordot(x1, x2, axes))
_traced_spelling("outer", lambda x1, x2: anp.outer(x1, x2))
_traced_spelling("cross", lambda x1, x2, *, axis=-1: anp.cross(x1, x2, axis=axis))
_traced_spelling("vecdot", lambda x1, x2, *, axis=-1: anp.sum(anp.conj(x1) * x2, axis=axis))
_traced_spelling("trace", lambda x, *, offset=0, dtype=None:
                 anp.trace(x, offset, axis1=-2, axis2=-1))
_traced_spelling("diagonal", lambda x, *, offset=0: anp.diagonal(x, offset, axis1=-2, axis2=-1))
_traced_spelling("matrix_transpose", lambda x: anp.swapaxes(x, -1, -2))
_traced_spelling("matrix_norm", lambda x, *, keepdims=False, ord="fro":
                 norm(x, ord, axis=(-2, -1), keepdims=keepdims))
_traced_spelling("vector_norm", _vector_norm)
