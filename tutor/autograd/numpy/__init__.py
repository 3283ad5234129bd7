"""``import tutor.autograd.numpy as np``: numpy, traceable.

The whole numpy namespace is here (constants, dtypes, ``np.random``, ``np.linalg``, ``np.fft``);
functions record Nodes when given Boxes. The VJP table is split by topic:

* ``numpy_vjps.py``: arithmetic, elementwise functions, reductions;
* ``numpy_vjps_axes.py``: running along an axis (cumsum, cumprod, diff, gradient, linspace);
* ``numpy_vjps_linalg.py``: dot, matmul, tensordot, einsum, trace, ...;
* ``numpy_vjps_shapes.py``: reshaping, joining, indexing;
* ``numpy_vjps_sequences.py``: functions returning lists (``split``...) or taking lists of
  Boxes (``mean([x, y])``, ``np.r_[x, y]``);
* ``linalg.py``: ``np.linalg`` (inv, det, slogdet, solve, norm, cholesky);
* ``numpy_vjps_fft.py``: ``np.fft`` (fft, ifft, rfft, irfft and their 2-d and n-d versions);
* ``numpy_vjps_decompositions.py``: ``np.linalg.eigh``, ``eig``, ``svd`` and ``pinv``;
* ``numpy_boxes.py``: ``ArrayBox``, the Box of numbers and arrays, with their operators and
  methods (``x + y``, ``x.T``, ``x.sum()``); ``operators.py`` then gives the arithmetic
  operators faster twins sharing the same VJPs;
* ``numpy_vspaces.py``: the vector spaces of numbers and arrays, real and complex.

``numpy_vjps`` is imported first: it gives numpy's aliases (``abs``/``absolute``...) a single
primitive before anything else picks them up.
"""

from . import numpy_vjps, numpy_vjps_axes, numpy_vjps_linalg, numpy_vjps_shapes
from . import numpy_vjps_sequences
from . import numpy_boxes, operators  # operators last: it rebinds Box arithmetic
from . import numpy_vspaces  # noqa: F401
from . import linalg, fft, random
from . import numpy_vjps_fft  # noqa: F401  (the VJPs and JVPs of np.fft)
from . import numpy_vjps_decompositions  # noqa: F401  (eigh, eig, svd, pinv)
from .numpy_wrapper import *  # noqa: F401,F403
from .numpy_vjps import average, ptp  # noqa: F401
from .numpy_vjps_shapes import (  # noqa: F401
    append, array, asarray, concatenate, concat, stack, hstack, vstack, dstack, column_stack,
    row_stack, atleast_1d, atleast_2d, atleast_3d)
from .numpy_vjps_sequences import (  # noqa: F401
    split, array_split, hsplit, vsplit, dsplit, mean, std, var, r_, c_)

# np.linalg.norm([x, y]) of a list holding Boxes, like np.mean([x, y]).
linalg.norm = numpy_vjps_sequences.accepting_lists(linalg.norm)
