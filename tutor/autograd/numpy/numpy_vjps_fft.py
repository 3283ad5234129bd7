"""The VJP table, part 5: the discrete Fourier transforms of ``np.fft``.

A DFT is *linear*: ``fft(x) = F x`` for the matrix ``F[k, j] = exp(−2πi·jk/n)``. So its JVP is
the transform itself applied to the tangent (``fft(ẋ)``), and its VJP is the transposed
matrix applied to the adjoint. ``F`` is symmetric (``F[k, j] = F[j, k]``), so the transpose of
``fft`` is ``fft`` again, the transpose of ``ifft`` is ``ifft``, and the same holds for the
n-dimensional versions and for every ``norm`` (a norm only scales ``F`` by a number).

Three details make up the rest:

* ``n`` / ``s`` pad the input with zeros or cut it to the requested length before
  transforming. The transpose of padding is cutting and vice versa, so the adjoint is brought
  back to the input's shape (:func:`_fit`).
* ``rfft`` keeps only the first ``n//2 + 1`` outputs of ``fft`` (the rest mirror them for a
  real input): its transpose pads ``g`` with zeros to length ``n`` and applies ``fft``.
* ``irfft`` reads only the first ``n//2 + 1`` inputs and acts as if the others were their
  mirror images, so each input in the middle is used twice: its adjoint is ``rfft(g)``, the
  middle entries doubled, scaled like the inverse transform, and conjugated (the inverse
  transform turns the other way round the circle: ``exp(+2πi·jk/n)``).

Adjoints of real inputs are real (the imaginary part is dropped), as everywhere in the table.
``fftshift`` and ``ifftshift`` only move entries: each one's VJP is the other.
"""

import math

import numpy as _np

from ..core import defvjp
from ..forward import defjvp
from . import fft as anp_fft
from . import numpy_wrapper as anp
from .numpy_vjps import _match_complex, _shape


def _fit(g, shape, axes):
    """Cut or zero-pad ``g`` along ``axes`` to the lengths ``shape`` has there."""
    for axis in axes:
        have, want = _shape(g)[axis], shape[axis]
        if have > want:
            index = [slice(None)] * len(shape)
            index[axis] = slice(0, want)
            g = g[tuple(index)]
        elif have < want:
            widths = [(0, 0)] * len(shape)
            widths[axis] = (0, want - have)
            g = anp.pad(g, widths)
    return g


def _axes_of(transform, x, s, axes):
    """The axes an n-dimensional transform works on, as non-negative ints (numpy's rules:
    given ``axes``; else the last ``len(s)``; else the last two for the *2 transforms and all
    of them for the *n ones)."""
    ndim = anp.ndim(x)
    if axes is None:
        if s is not None:
            count = len(s)
        else:
            count = 2 if transform.__name__.endswith("2") else ndim
        axes = range(ndim - count, ndim)
    return tuple(axis % ndim for axis in axes)


def _inverse_scale(norm, size):
    """The factor an inverse transform of ``size`` points multiplies by, for each ``norm``."""
    return {None: 1.0 / size, "backward": 1.0 / size, "ortho": 1.0 / math.sqrt(size),
            "forward": 1.0}[norm]


# ------------------------------------------------------- complex-to-complex transforms

def _same_transform_vjp(transform, one_axis):
    """VJP maker for fft/ifft (``one_axis``) and fft2/ifft2/fftn/ifftn: the same transform of
    ``g``, fitted back to the input's shape."""
    if one_axis:
        def maker(ans, x, n=None, axis=-1, norm=None):
            axes = (axis % anp.ndim(x),)
            return lambda g: _match_complex(x, _fit(transform(g, axis=axis, norm=norm),
                                                    _shape(x), axes))
    else:
        def maker(ans, x, s=None, axes=None, norm=None):
            axes = _axes_of(transform, x, s, axes)
            return lambda g: _match_complex(x, _fit(transform(g, axes=axes, norm=norm),
                                                    _shape(x), axes))
    return maker


for _name in ("fft", "ifft"):
    _transform = getattr(anp_fft, _name)
    defvjp(_transform, _same_transform_vjp(_transform, one_axis=True), symbol=_name,
           formulas=(f"{_name}(g), cut or padded back to x's length",))
    defjvp(_transform, "same", formulas=(f"{_name}(ẋ)",))
for _name in ("fft2", "ifft2", "fftn", "ifftn"):
    _transform = getattr(anp_fft, _name)
    defvjp(_transform, _same_transform_vjp(_transform, one_axis=False), symbol=_name,
           formulas=(f"{_name}(g), cut or padded back to x's shape",))
    defjvp(_transform, "same", formulas=(f"{_name}(ẋ)",))


# ------------------------------------------------------------------ real transforms

def _rfft_vjp(ans, x, n=None, axis=-1, norm=None):
    axis = axis % anp.ndim(x)
    length = _shape(x)[axis] if n is None else n
    full = list(_shape(ans))
    full[axis] = length

    def vjp(g):
        spectrum = _fit(g, tuple(full), (axis,))          # the mirrored half was dropped: 0
        return _match_complex(x, _fit(anp_fft.fft(spectrum, axis=axis, norm=norm),
                                      _shape(x), (axis,)))
    return vjp


def _rfftn_vjp(ans, x, s=None, axes=None, norm=None):
    axes = _axes_of(anp_fft.rfftn, x, s, axes)
    full = list(_shape(ans))
    full[axes[-1]] = _shape(x)[axes[-1]] if s is None else s[-1]

    def vjp(g):
        spectrum = _fit(g, tuple(full), (axes[-1],))
        return _match_complex(x, _fit(anp_fft.fftn(spectrum, axes=axes, norm=norm),
                                      _shape(x), axes))
    return vjp


def _rfft2_vjp(ans, x, s=None, axes=(-2, -1), norm=None):
    return _rfftn_vjp(ans, x, s, axes, norm)


def _mirror_weights(length, kept, axis, ndim):
    """1 for the first input of irfft (and the last when ``length`` is even), 2 for those in
    between, which stand for themselves and their mirror image; shaped to broadcast."""
    weights = _np.full(kept, 2.0)
    weights[0] = 1.0
    if length % 2 == 0:
        weights[-1] = 1.0
    shape = [1] * ndim
    shape[axis] = kept
    return weights.reshape(shape)


def _irfft_vjp(ans, x, n=None, axis=-1, norm=None):
    axis = axis % anp.ndim(x)
    length = _shape(ans)[axis]
    kept = length // 2 + 1
    weights = _mirror_weights(length, kept, axis, anp.ndim(x)) * _inverse_scale(norm, length)
    return lambda g: _fit(anp.conj(anp_fft.rfft(g, axis=axis)) * weights, _shape(x), (axis,))


def _irfftn_vjp(ans, x, s=None, axes=None, norm=None):
    axes = _axes_of(anp_fft.irfftn, x, s, axes)
    lengths = [_shape(ans)[axis] for axis in axes]
    kept = lengths[-1] // 2 + 1
    weights = (_mirror_weights(lengths[-1], kept, axes[-1], anp.ndim(x))
               * _inverse_scale(norm, int(_np.prod(lengths))))
    return lambda g: _fit(anp.conj(anp_fft.rfftn(g, axes=axes)) * weights, _shape(x), axes)


def _irfft2_vjp(ans, x, s=None, axes=(-2, -1), norm=None):
    return _irfftn_vjp(ans, x, s, axes, norm)


defvjp(anp_fft.rfft, _rfft_vjp, symbol="rfft",
       formulas=("fft(g padded with zeros to n), real part",))
defvjp(anp_fft.rfft2, _rfft2_vjp, symbol="rfft2",
       formulas=("fft2(g padded with zeros), real part",))
defvjp(anp_fft.rfftn, _rfftn_vjp, symbol="rfftn",
       formulas=("fftn(g padded with zeros), real part",))
defvjp(anp_fft.irfft, _irfft_vjp, symbol="irfft",
       formulas=("conj(rfft(g)) · w / n (w = 2 for the mirrored entries, else 1)",))
defvjp(anp_fft.irfft2, _irfft2_vjp, symbol="irfft2",
       formulas=("conj(rfft2(g)) · w / N (w = 2 for the mirrored entries, else 1)",))
defvjp(anp_fft.irfftn, _irfftn_vjp, symbol="irfftn",
       formulas=("conj(rfftn(g)) · w / N (w = 2 for the mirrored entries, else 1)",))
for _name in ("rfft", "rfft2", "rfftn", "irfft", "irfft2", "irfftn"):
    defjvp(getattr(anp_fft, _name), "same", formulas=(f"{_name}(ẋ)",))

# ------------------------------------------------------------------------- shifting

defvjp(anp_fft.fftshift, lambda ans, x, axes=None: lambda g: anp_fft.ifftshift(g, axes),
       symbol="shift", formulas=("ifftshift(g)",))
defvjp(anp_fft.ifftshift, lambda ans, x, axes=None: lambda g: anp_fft.fftshift(g, axes),
       symbol="unshift", formulas=("fftshift(g)",))
defjvp(anp_fft.fftshift, "same", formulas=("fftshift(ẋ)",))
defjvp(anp_fft.ifftshift, "same", formulas=("ifftshift(ẋ)",))

PRIMITIVES = tuple(getattr(anp_fft, name) for name in (
    "fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2",
    "rfftn", "irfftn", "fftshift", "ifftshift"))
