"""``fixed_point``: differentiate the result of an iteration without differentiating the loop.

Many answers are found by iterating until nothing changes: ``x ← f(a)(x)`` stops at ``x*``
with ``x* = f(a)(x*)``. Tracing every iteration would record a long graph whose early steps
hardly matter. The identity itself is enough: differentiating ``x* = f(a)(x*)`` gives
``dx* = ∂ₓf · dx* + ∂ₐf · da``. So the adjoint ``w`` of ``x*`` solves ``w = ḡ + (∂ₓf)ᵀ w``,
another fixed point, found by iterating too, and ``ā = (∂ₐf)ᵀ w``. Only the last point is
needed, never the path to it (this is the implicit function theorem).

    sqrt_2 = fixed_point(lambda a: lambda x: 0.5 * (x + a / x), 2.0, 1.0, distance, 1e-10)
"""

from ..core import defvjp, vspace
from ..differential_operators import make_jvp, make_vjp
from ..forward import defjvp
from ..tracer import primitive
from ..builtins import tuple as traced_tuple

__all__ = ["fixed_point"]


@primitive
def fixed_point(f, a, x0, distance, tol):
    """Iterate ``x ← f(a)(x)`` from ``x0`` until ``distance(x, previous x) ≤ tol``; return x."""
    step = f(a)
    previous, x = x0, step(x0)
    while distance(x, previous) > tol:
        previous, x = x, step(x)
    return x


def _adjoint_step(params):
    """One step of ``w ← ḡ + (∂ₓf)ᵀ w`` at the fixed point; ``params = (f, a, x*, ḡ)`` so that
    everything it depends on is an argument of ``fixed_point`` (and gets differentiated)."""
    f, a, x_star, g = params
    vjp_x, _ = make_vjp(f(a))(x_star)
    space = vspace(x_star)
    return lambda w: space.add(g, vjp_x(w))


def _fixed_point_vjp(ans, f, a, x0, distance, tol):
    vjp_a, _ = make_vjp(lambda a: f(a)(ans))(a)

    def vjp(g):
        w = fixed_point(lambda params: _adjoint_step((f,) + tuple(params)),
                        traced_tuple((a, ans, g)), vspace(x0).zeros(), distance, tol)
        return vjp_a(w)
    return vjp


def _tangent_step(params):
    """One step of ``ẋ ← ∂ₐf · ȧ + ∂ₓf · ẋ``; ``params = (f, ∂ₐf · ȧ, a, x*)``."""
    f, along_a, a, x_star = params
    return lambda tangent: along_a + make_jvp(f(a))(x_star)(tangent)[1]


def _fixed_point_jvp(g, ans, f, a, x0, distance, tol):
    """The tangent solves ``ẋ = ∂ₓf · ẋ + ∂ₐf · ȧ``: a fixed point too, iterated the same way."""
    _, along_a = make_jvp(lambda a: f(a)(ans))(a)(g)
    return fixed_point(lambda params: _tangent_step((f,) + tuple(params)),
                       traced_tuple((along_a, a, ans)), vspace(ans).zeros(), distance, tol)


defvjp(fixed_point, None, _fixed_point_vjp, None, None, None, symbol="fix",
       formulas=("", "(∂ₐf)ᵀ w, where w = g + (∂ₓf)ᵀ w"))
defjvp(fixed_point, None, _fixed_point_jvp, None, None, None,
       formulas=("", "ẋ solving ẋ = ∂ₓf · ẋ + ∂ₐf · ȧ"))
