"""``import tutor.autograd.numpy.random as npr``: numpy's random module, as a submodule.

HIPS autograd's examples and tests import it this way. Random draws are *inputs* to a
computation, not operations on the values being differentiated, so nothing here needs a VJP;
the functions are wrapped like the rest of numpy only so that a Box passed in (a mean, a
scale) gives a clear message instead of disappearing silently.
"""

import numpy.random as _random

from .numpy_wrapper import wrap_namespace

__all__ = wrap_namespace(_random.__dict__, globals())
