"""``np.fft``, traceable (no VJPs registered yet: differentiating through it says so)."""

import numpy.fft as _fft

from .numpy_wrapper import wrap_namespace

__all__ = wrap_namespace(_fft.__dict__, globals())
