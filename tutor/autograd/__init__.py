"""tutor.autograd: reverse- and forward-mode automatic differentiation, written to be read.

The public names mirror HIPS autograd's, so code written for it runs with only the import
changed. Read the core in this order: ``tracer.py`` (Boxes and Nodes record a trace),
``core.py`` (VJPs, the backward pass and vector spaces), ``forward.py`` (JVPs and the forward
pass with tangents), ``differential_operators.py`` (grad, make_jvp and friends). ``numpy/``
holds the wrapped numpy, its table of VJPs and JVPs, and the Box and the vector spaces of
arrays. ``extend.py`` gathers what you need to add primitives, kinds of trace and kinds of
value of your own.
"""

from .differential_operators import (  # noqa: F401
    grad, value_and_grad, elementwise_grad, jacobian, hessian, deriv, make_vjp, make_jvp,
    make_hvp, hessian_tensor_product, hessian_vector_product, tensor_jacobian_product,
    vector_jacobian_product, make_ggnvp, grad_and_aux, holomorphic_grad, grad_named,
    multigrad_dict)
from .checkpoint import checkpoint, nodes_kept  # noqa: F401
from .core import primitive  # noqa: F401  (with HIPS's deprecated methods)
# Containers, as in HIPS autograd: ``from tutor.autograd import list, dict, isinstance``. They
# are left out of __all__ so that ``import *`` never shadows Python's own list or dict.
from .builtins import list, tuple, dict, isinstance, type  # noqa: F401,E402
from . import builtins  # noqa: F401,E402

__all__ = ["grad", "value_and_grad", "elementwise_grad", "jacobian", "hessian", "deriv",
           "make_vjp", "make_jvp", "make_hvp", "hessian_tensor_product",
           "hessian_vector_product", "tensor_jacobian_product", "vector_jacobian_product",
           "make_ggnvp", "grad_and_aux", "checkpoint", "nodes_kept", "holomorphic_grad",
           "grad_named", "multigrad_dict", "primitive"]
