"""What you need to add your own primitive: wrap a function, then register its VJPs (and
its JVPs, for forward mode).

    from tutor.autograd.extend import primitive, defvjp, defjvp

    @primitive
    def logsumexp(x):
        ...

    defvjp(logsumexp, lambda ans, x: lambda g: g * np.exp(x - ans),
           symbol="lse", formulas=("g · exp(x − ans)",))
    defjvp(logsumexp, lambda g, ans, x: np.sum(g * np.exp(x - ans)),
           formulas=("Σ ẋ · exp(x − ans)",))
"""

from .core import defvjp, defvjp_argnum, vjp_info, vspace, VJPInfo, MissingVJPError  # noqa: F401
from .forward import (defjvp, defjvp_argnum, def_linear, jvp_info, JVPInfo,  # noqa: F401
                      MissingJVPError)
from .tracer import Box, Node, primitive, notrace_primitive, isbox, getval  # noqa: F401

__all__ = ["primitive", "notrace_primitive", "defvjp", "defvjp_argnum", "vjp_info", "VJPInfo",
           "defjvp", "defjvp_argnum", "def_linear", "jvp_info", "JVPInfo", "vspace", "Box", "Node",
           "isbox", "getval", "MissingVJPError", "MissingJVPError"]
