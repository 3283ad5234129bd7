"""``np.linalg``, traceable, with VJPs for inv, det, slogdet, solve, norm and cholesky."""

import numpy.linalg as _linalg

from .numpy_wrapper import wrap_namespace

__all__ = wrap_namespace(_linalg.__dict__, globals())
