"""``np.fft``, traceable: the Fourier transforms, whose VJPs and JVPs are in
``numpy_vjps_fft.py`` (each transform's adjoint is, in essence, the same transform again)."""

import numpy.fft as _fft

from .numpy_wrapper import wrap_namespace

__all__ = wrap_namespace(_fft.__dict__, globals())
