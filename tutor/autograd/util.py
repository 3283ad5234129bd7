"""Small helpers with HIPS autograd's names (``autograd.util``).

``func(f)`` is ``f`` itself. HIPS's examples write ``defvjp(func(RKHSFun.__call__), ...)`` to
say "the function behind this method", which in Python 3 is the method's own function.
"""

import warnings

__all__ = ["func", "subval", "subvals", "quick_grad_check"]


def func(f):
    """``f``: the plain function behind a method looked up on its class."""
    return f


def subvals(x, replacements):
    """The tuple ``x`` with ``x[i]`` replaced by ``v`` for each ``(i, v)`` in ``replacements``."""
    entries = list(x)
    for index, value in replacements:
        entries[index] = value
    return tuple(entries)


def subval(x, index, value):
    """The tuple ``x`` with ``x[index]`` replaced by ``value``."""
    return subvals(x, [(index, value)])


def quick_grad_check(fun, arg0, extra_args=(), kwargs={}, verbose=True, eps=1e-4, rtol=1e-4,
                     atol=1e-6, rs=None):
    """Deprecated (HIPS autograd too): use ``tutor.autograd.test_util.check_grads``.

    Checks the reverse-mode gradient of ``fun(arg0, *extra_args, **kwargs)`` with respect to
    ``arg0`` against finite differences, to first order.
    """
    warnings.warn("quick_grad_check is deprecated: use check_grads(fun, modes=['rev'], "
                  "order=1)(x) from tutor.autograd.test_util", FutureWarning, stacklevel=2)
    from .test_util import check_grads
    check_grads(lambda x: fun(x, *extra_args, **kwargs), modes=["rev"], order=1)(arg0)
