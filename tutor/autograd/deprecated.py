"""HIPS autograd's oldest way of giving a primitive its derivatives, kept so old code runs.

Before ``defvjp(fun, ...)``, a primitive registered its own VJPs with methods:
``fun.defgrad(maker, argnum)``, ``fun.defvjp(vjp, argnum)`` (with ``vjp(g, ans, vs, gvs,
*args)``, the spaces of the argument and of ``g`` passed in) and ``fun.defvjp_is_zero(argnums)``.
HIPS still accepts them, with a warning, on primitives made by ``autograd.primitive`` and
``autograd.core.primitive``; :func:`primitive` here gives ours the same methods. Each call
warns and registers the VJP the modern way.
"""

import warnings

from .core import defvjp, vspace
from .tracer import primitive as _primitive

__all__ = ["primitive"]


def _warn(method):
    warnings.warn(f"fun.{method}(...) is deprecated (in HIPS autograd too): register VJPs with "
                  f"defvjp(fun, ...) from tutor.autograd.extend", FutureWarning, stacklevel=3)


def primitive(f_raw):
    """:func:`tracer.primitive`, plus the old methods ``defgrad``, ``defvjp`` and ``defvjp_is_zero``."""
    fun = _primitive(f_raw)

    def defgrad(vjpmaker, argnum=0):
        """The modern maker ``lambda ans, *args: lambda g: ...``, for one argument."""
        _warn("defgrad")
        defvjp(fun, vjpmaker, argnums=(argnum,))

    def old_defvjp(vjp, argnum=0):
        """``vjp(g, ans, vs, gvs, *args, **kwargs)``: the old signature, spaces included."""
        _warn("defvjp")

        def maker(ans, *args, **kwargs):
            return lambda g: vjp(g, ans, vspace(args[argnum]), vspace(g), *args, **kwargs)
        defvjp(fun, maker, argnums=(argnum,))

    def defvjp_is_zero(argnums=(0,)):
        """No gradient flows to these arguments."""
        _warn("defvjp_is_zero")
        defvjp(fun, *[None] * len(argnums), argnums=argnums)

    fun.defgrad, fun.defvjp, fun.defvjp_is_zero = defgrad, old_defvjp, defvjp_is_zero
    return fun
