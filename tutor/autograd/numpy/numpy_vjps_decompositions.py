"""The VJP table, part 6: matrix decompositions, ``eigh``, ``eig``, ``svd`` and ``pinv``.

A decomposition returns several arrays at once (``w, v = eigh(A)``), so each is one primitive
returning a *tuple*, traced as a whole (a ``SequenceBox``, see ``builtins.py``); its VJP
receives a tuple of adjoints, one per output, and its JVP returns a tuple of tangents.

The formulas come from differentiating the defining identities. For a symmetric ``A = V W Vᵀ``
(``W`` the diagonal of eigenvalues, ``V`` orthogonal) one gets ``dW = diag(Vᵀ dA V)`` and
``dV = V (F ∘ (Vᵀ dA V))`` with ``F[i, j] = 1 / (w_j − w_i)`` off the diagonal and 0 on it:
an eigenvector turns towards the others the faster, the closer their eigenvalues are.
Transposing that map gives the VJP. Repeated eigenvalues (or singular values) make ``F``
infinite: the eigenvectors are then not unique and have no derivative.

Conventions as everywhere in the table: the last two axes are the matrix (stacks work), a
complex input's adjoint follows HIPS autograd's convention (``grad`` of ``Re(c·z)`` is ``c``),
and a real input gets a real adjoint. Only ``full_matrices=False`` SVDs are differentiable.
``eigvalsh``, ``eigvals`` and ``svdvals`` of a Box take their values from these.
"""

import numpy as _np
import numpy.linalg as _linalg

from .. import builtins
from ..core import defvjp
from ..forward import defjvp
from ..tracer import getval, isbox, primitive
from . import linalg
from . import numpy_wrapper as anp
from .numpy_vjps import _match_complex


def _T(x):
    return anp.swapaxes(x, -1, -2)


def _H(x):
    """Conjugate transpose of the last two axes."""
    return anp.conj(_T(x))


def _diagonal_matrix(d):
    """A (stack of) diagonal matrices with ``d`` (..., n) on the diagonal."""
    n = _np.shape(getval(d))[-1]
    return anp.expand_dims(d, -2) * _np.eye(n)


def _diagonal(x):
    return anp.diagonal(x, 0, -2, -1)


def _gap_factors(values):
    """``F[i, j] = 1 / (values_j − values_i)`` off the diagonal, 0 on it."""
    n = _np.shape(getval(values))[-1]
    gaps = anp.expand_dims(values, -2) - anp.expand_dims(values, -1)
    return (1.0 - _np.eye(n)) / (gaps + _np.eye(n))


def _tuple(*parts):
    """A tuple of outputs (or tangents), traced when its parts are Boxes."""
    return builtins.make_sequence(tuple, *parts)


# ------------------------------------------------------------------------------ eigh

@primitive
def eigh(a, UPLO="L"):
    """``np.linalg.eigh``: ``(w, v)`` for a symmetric (Hermitian) ``a``, of which only the
    lower (``UPLO="L"``) or upper (``"U"``) triangle is read."""
    w, v = _linalg.eigh(a, UPLO)
    return (w, v)


def _triangle_read(n, UPLO):
    """The strict triangle eigh reads (its mirror image is taken to be the same numbers)."""
    return _np.tril(_np.ones((n, n)), -1) if UPLO == "L" else _np.triu(_np.ones((n, n)), 1)


def _eigh_vjp(ans, a, UPLO="L"):
    w, v = ans
    n = _np.shape(getval(w))[-1]

    def vjp(g):
        g_w, g_v = g
        inner = _diagonal_matrix(g_w)
        if _np.any(getval(g_v)):                # skipped when only eigenvalues are used:
            inner = inner + _gap_factors(w) * anp.matmul(_T(v), g_v)   # no 1/0 for ties
        full = anp.matmul(anp.matmul(anp.conj(v), inner), _T(v))
        # eigh saw one triangle and the diagonal: the mirrored entry's adjoint lands there too.
        triangle = _triangle_read(n, UPLO)
        adjoint = anp.real(full) * _np.eye(n) + (full + _H(full)) * triangle
        return _match_complex(a, adjoint)
    return vjp


def _eigh_jvp(g, ans, a, UPLO="L"):
    w, v = ans
    n = _np.shape(getval(w))[-1]
    triangle = _triangle_read(n, UPLO)
    seen = g * triangle
    symmetric = seen + _H(seen) + anp.real(g) * _np.eye(n)       # the matrix eigh worked on
    rotated = anp.matmul(anp.matmul(_H(v), symmetric), v)        # Vᴴ dA V
    return _tuple(anp.real(_diagonal(rotated)), anp.matmul(v, _gap_factors(w) * rotated))


defvjp(eigh, _eigh_vjp, symbol="eigh",
       formulas=("V (diag(g_w) + F ∘ (Vᵀ g_V)) Vᵀ, folded onto the triangle read",))
defjvp(eigh, _eigh_jvp, formulas=("(diag(Vᵀ ẋ V), V (F ∘ (Vᵀ ẋ V)))",))


# ------------------------------------------------------------------------------- eig

@primitive
def eig(a):
    """``np.linalg.eig``: ``(w, v)``, eigenvalues and unit-length eigenvectors (columns)."""
    w, v = _linalg.eig(a)
    return (w, v)


def _eig_vjp(ans, a):
    w, v = ans
    n = _np.shape(getval(w))[-1]

    def vjp(g):
        g_w, g_v = g
        factors = _gap_factors(w)
        vt_gv = anp.matmul(_T(v), g_v)
        # The eigenvectors are scaled to length 1; that constraint removes their part along
        # themselves: the second term.
        keep_length = anp.matmul(anp.matmul(_T(v), anp.conj(v)), anp.real(vt_gv) * _np.eye(n))
        inner = _diagonal_matrix(g_w) + factors * vt_gv - factors * keep_length
        adjoint = anp.matmul(anp.matmul(linalg.inv(_T(v)), inner), _T(v))
        return _match_complex(a, adjoint)
    return vjp


def _eig_jvp(g, ans, a):
    w, v = ans
    rotated = anp.matmul(anp.matmul(linalg.inv(v), g), v)        # V⁻¹ dA V
    dv = anp.matmul(v, _gap_factors(w) * rotated)
    dv = dv - v * anp.expand_dims(anp.real(anp.sum(anp.conj(v) * dv, axis=-2)), -2)
    return _tuple(_diagonal(rotated), dv)


defvjp(eig, _eig_vjp, symbol="eig",
       formulas=("V⁻ᵀ (diag(g_w) + F ∘ (Vᵀ g_V) − length term) Vᵀ",))
defjvp(eig, _eig_jvp, formulas=("(diag(V⁻¹ ẋ V), V (F ∘ (V⁻¹ ẋ V)), kept at unit length)",))


# ------------------------------------------------------------------------------- svd

@primitive
def _svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    result = _linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv,
                         hermitian=hermitian)
    return tuple(result) if compute_uv else result


def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """``np.linalg.svd``: ``(u, s, vh)`` with ``a = u · diag(s) · vh``, or ``s`` alone."""
    return _svd(a, full_matrices, compute_uv, hermitian)


svd.primitive = _svd
_svd.__name__ = "svd"


def _svd_vjp(ans, a, full_matrices=True, compute_uv=True, hermitian=False):
    if not compute_uv:                  # ā = U diag(s̄) Vᵀ, with U and V computed here
        u, _, vh = _svd(a, False)
        return lambda g: _match_complex(a, anp.matmul(anp.conj(u) * anp.expand_dims(g, -2),
                                                      anp.conj(vh)))
    if full_matrices and _np.shape(getval(a))[-1] != _np.shape(getval(a))[-2]:
        raise NotImplementedError(
            "The derivative of svd(a, full_matrices=True) of a non-square a is not defined "
            "(the extra singular vectors are arbitrary): use full_matrices=False.")
    u, s, vh = ans
    v = _H(vh)
    m, n = _np.shape(getval(a))[-2:]

    def vjp(g):
        g_u, g_s, g_vh = g
        g_v = _H(g_vh)
        squares = _gap_factors(s ** 2)
        ut_gu = anp.matmul(_T(u), g_u)
        vt_gv = anp.matmul(_T(v), g_v)
        inner = (squares * (ut_gu - _H(ut_gu))) * anp.expand_dims(s, -2)
        inner = inner + _diagonal_matrix(g_s)
        inner = inner + anp.expand_dims(s, -1) * (squares * (vt_gv - _H(vt_gv)))
        if anp.iscomplexobj(u):
            inner = inner + 1j * _diagonal_matrix(anp.imag(_diagonal(ut_gu)) / s)
        adjoint = anp.matmul(anp.matmul(anp.conj(u), inner), _T(v))
        # The parts of g_U and g_V outside the spans of U and V (a non-square a).
        if m > n:
            outside_u = _np.eye(m) - anp.matmul(u, _H(u))
            adjoint = adjoint + _T(anp.matmul(anp.matmul(v / anp.expand_dims(s, -2), _T(g_u)),
                                              outside_u))
        elif m < n:
            outside_v = _np.eye(n) - anp.matmul(v, _H(v))
            adjoint = adjoint + anp.conj(anp.matmul(anp.matmul(u / anp.expand_dims(s, -2),
                                                               _T(g_v)), outside_v))
        return _match_complex(a, adjoint)
    return vjp


def _svd_jvp(g, ans, a, full_matrices=True, compute_uv=True, hermitian=False):
    if not compute_uv:
        u, _, vh = _svd(a, False)
        return anp.real(_diagonal(anp.matmul(anp.matmul(_H(u), g), _H(vh))))
    u, s, vh = ans
    v = _H(vh)
    m, n = _np.shape(getval(a))[-2:]
    rotated = anp.matmul(anp.matmul(_H(u), g), v)                 # Uᴴ dA V
    squares = _gap_factors(s ** 2)
    s_row, s_column = anp.expand_dims(s, -2), anp.expand_dims(s, -1)
    du = anp.matmul(u, squares * (rotated * s_row + s_column * _H(rotated)))
    dv = anp.matmul(v, squares * (s_column * rotated + _H(rotated) * s_row))
    if anp.iscomplexobj(rotated):       # the phase U and V turn by together
        du = du + u * (1j * anp.imag(_diagonal(rotated)) / s)[..., None, :]
    if m > n:
        du = du + anp.matmul(_np.eye(m) - anp.matmul(u, _H(u)), anp.matmul(g, v)) / s_row
    elif m < n:
        dv = dv + anp.matmul(_np.eye(n) - anp.matmul(v, _H(v)), anp.matmul(_H(g), u)) / s_row
    return _tuple(du, anp.real(_diagonal(rotated)), _H(dv))


defvjp(_svd, _svd_vjp, symbol="svd",
       formulas=("U (F ∘ (Uᵀg_U − g_Uᵀ U)) S + diag(g_s) + S (F ∘ (Vᵀg_V − g_Vᵀ V))) Vᵀ + ...",))
defjvp(_svd, _svd_jvp, formulas=("with P = Uᵀ ẋ V: (U (F ∘ (P S + S Pᵀ)) + …, diag(P), "
                                   "(V (F ∘ (S P + Pᵀ S)) + …)ᵀ)",))


# ------------------------------------------------------------------------------ pinv

# X = A⁺ (Golub and Pereyra): dX = −X dA X + X Xᴴ dAᴴ (I − A X) + (I − X A) dAᴴ Xᴴ X. The
# last two terms move with conj(dA), so for complex A the VJP conjugates their transposes.

def _pinv_jvp(g, ans, a, *args, **kwargs):
    m, n = _np.shape(getval(a))[-2:]
    x = ans
    return (-anp.matmul(anp.matmul(x, g), x)
            + anp.matmul(anp.matmul(anp.matmul(x, _H(x)), _H(g)), _np.eye(m) - anp.matmul(a, x))
            + anp.matmul(anp.matmul(_np.eye(n) - anp.matmul(x, a), _H(g)), anp.matmul(_H(x), x)))


def _pinv_vjp(ans, a, *args, **kwargs):
    m, n = _np.shape(getval(a))[-2:]
    x = ans

    def vjp(g):
        along_conj = (anp.matmul(anp.matmul(_np.eye(m) - anp.matmul(a, x), _T(g)),
                                 anp.matmul(x, _H(x)))
                      + anp.matmul(anp.matmul(anp.matmul(_H(x), x), _T(g)),
                                   _np.eye(n) - anp.matmul(x, a)))
        return _match_complex(a, -anp.matmul(anp.matmul(_T(x), g), _T(x)) + anp.conj(along_conj))
    return vjp


defvjp(linalg.pinv, _pinv_vjp, symbol="A⁺",
       formulas=("−A⁺ᵀ g A⁺ᵀ + conj((I − A A⁺) gᵀ A⁺A⁺ᴴ + A⁺ᴴA⁺ gᵀ (I − A⁺A))",))
defjvp(linalg.pinv, _pinv_jvp, formulas=("−A⁺ ẋ A⁺ + A⁺A⁺ᴴ ẋᴴ (I − A A⁺) + (I − A⁺A) ẋᴴ A⁺ᴴA⁺",))

# np.linalg.eigh, .eig and .svd are these tuple-returning primitives.
linalg.eigh, linalg.eig, linalg.svd = eigh, eig, svd


# ----------------------------------------------------- eigenvalues or singular values only

def _values_only(name, values):
    """``np.linalg.<name>`` that, given a Box, takes the values from the decomposition above
    (so it has a derivative); given plain numbers, it is numpy's own."""
    original = getattr(_linalg, name, None)
    if original is None:                                        # svdvals: numpy >= 2
        return

    def only_values(a, *args, **kwargs):
        if isbox(a):
            return values(a, *args, **kwargs)
        return original(a, *args, **kwargs)
    only_values.__name__ = name
    only_values.__doc__ = original.__doc__
    setattr(linalg, name, only_values)


_values_only("eigvalsh", lambda a, UPLO="L": eigh(a, UPLO)[0])
_values_only("eigvals", lambda a: eig(a)[0])
_values_only("svdvals", lambda a: _svd(a, False, False))

PRIMITIVES = (eigh, eig, _svd, linalg.pinv)
