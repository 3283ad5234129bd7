"""What you need to add your own primitive: wrap a function, then register its VJPs.

    from tutor.autograd.extend import primitive, defvjp

    @primitive
    def logsumexp(x):
        ...

    defvjp(logsumexp, lambda ans, x: lambda g: g * np.exp(x - ans),
           symbol="lse", formulas=("g · exp(x − ans)",))
"""

from .core import defvjp, defvjp_argnum, vjp_info, vspace, VJPInfo, MissingVJPError  # noqa: F401
from .tracer import Box, Node, primitive, notrace_primitive, isbox, getval  # noqa: F401

__all__ = ["primitive", "notrace_primitive", "defvjp", "defvjp_argnum", "vjp_info", "VJPInfo",
           "vspace", "Box", "Node", "isbox", "getval", "MissingVJPError"]
