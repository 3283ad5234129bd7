"""``import tutor.autograd.numpy as np``: numpy, traceable.

The whole numpy namespace is here (constants, dtypes, ``np.random``, ``np.linalg``); functions
record Nodes when given Boxes, and about a hundred of them have VJPs registered in
``numpy_vjps.py`` and ``linalg.py``.
"""

import numpy.random as random

from . import numpy_boxes, numpy_vjps, operators  # operators last: it rebinds Box arithmetic
from . import linalg, fft
from .numpy_wrapper import *  # noqa: F401,F403
from .numpy_vjps import array, asarray, concatenate, stack, hstack, vstack, column_stack  # noqa: F401
from .numpy_wrapper import abs, divide, row_stack  # noqa: F401  (aliases set by numpy_vjps)
