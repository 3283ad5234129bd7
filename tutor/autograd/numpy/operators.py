"""Fast primitives behind a Box's arithmetic operators.

``x * y`` on Boxes could call the ufunc ``np.multiply``, but a ufunc call on two scalars costs
about a microsecond, while Python's ``operator.mul`` on numpy scalars or arrays gives the same
result (numpy's own rules: broadcasting, inf, nan) in a fraction of that. Scalar code is
mostly operators, so this is where per-operation overhead is won.

Each operator primitive is a *twin* of its ufunc primitive: it shares the ufunc's VJP and JVP
tables and teaching metadata (the very same dicts), so there is still one registration per
operation, in ``numpy_vjps.py``, and the graph shows ``×`` either way.
"""

import operator

from ..tracer import primitive
from . import numpy_wrapper as anp
from .numpy_boxes import ArrayBox


def operator_twin(ufunc_primitive, python_operator):
    """A primitive computing ``python_operator`` that shares ``ufunc_primitive``'s VJPs."""
    twin = primitive(python_operator)
    twin.__name__ = ufunc_primitive.__name__
    twin.vjps = ufunc_primitive.vjps
    twin.jvps = ufunc_primitive.jvps
    twin.formulas = ufunc_primitive.formulas
    twin.jvp_formulas = ufunc_primitive.jvp_formulas
    twin.symbol = ufunc_primitive.symbol
    return twin


add = operator_twin(anp.add, operator.add)
subtract = operator_twin(anp.subtract, operator.sub)
multiply = operator_twin(anp.multiply, operator.mul)
true_divide = operator_twin(anp.true_divide, operator.truediv)
power = operator_twin(anp.power, operator.pow)
negative = operator_twin(anp.negative, operator.neg)

for _name, _twin in (("add", add), ("sub", subtract), ("mul", multiply),
                     ("truediv", true_divide), ("pow", power)):
    setattr(ArrayBox, f"__{_name}__", _twin)           # x + y is add(x, y): no call in between
    setattr(ArrayBox, f"__r{_name}__", lambda self, other, _twin=_twin: _twin(other, self))
ArrayBox.__neg__ = negative
