"""Helpers around the core, as in HIPS autograd's ``autograd.misc``.

* :func:`flatten`: any nest of lists, tuples, dicts and arrays as one flat vector, and back
  (``flatten_func``: a function of such a nest as a function of the vector);
* ``optimizers``: ``sgd``, ``rmsprop`` and ``adam``, which accept such nests of parameters;
* :func:`const_graph`: trace a function once, then replay the recorded graph on new inputs;
* ``fixed_points.fixed_point``: the result of an iteration, differentiated through its
  defining identity instead of through the loop.
"""

from .flatten import flatten, flatten_func  # noqa: F401
from .tracers import const_graph  # noqa: F401
from . import fixed_points, optimizers  # noqa: F401

__all__ = ["flatten", "flatten_func", "const_graph", "optimizers", "fixed_points"]
