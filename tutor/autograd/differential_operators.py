"""The differential operators: ``grad`` and its relatives, built on ``make_vjp`` (reverse
mode) and ``make_jvp`` (forward mode).

Each is written for a function of one input and lifted to ``op(f, argnum)`` by
``unary_to_nary``. ``grad(f)(x)`` is the whole story in three lines: trace ``f`` at ``x``,
check the output is a scalar, and pull the seed adjoint 1.0 back to ``x``.
"""

import numpy as _np

from . import numpy as np
from .core import make_vjp as _make_vjp, vspace
from .forward import make_jvp as _make_jvp
from .tracer import getval
from .wrap_util import unary_to_nary

__all__ = ["grad", "value_and_grad", "elementwise_grad", "jacobian", "hessian", "deriv",
           "make_vjp", "make_jvp", "make_hvp", "hessian_tensor_product",
           "hessian_vector_product", "tensor_jacobian_product", "vector_jacobian_product",
           "make_ggnvp", "grad_and_aux", "holomorphic_grad", "grad_named", "multigrad_dict"]


def require_scalar(ans, name):
    """Refuse a non-scalar (or complex) output, pointing to the operator that fits it."""
    value = getval(ans)
    if type(value) is _np.float64:
        return                                  # the usual case, decided at once
    if _np.result_type(value).kind in "biu":
        raise TypeError(
            f"{name} requires a function with a float output, but it returned {value!r} "
            f"({type(value).__name__}): integers and booleans have no derivative.\nIf the "
            f"output really is a constant, return it as a float (e.g. 3.0): its gradient is 0.")
    if _np.size(value) != 1:
        raise TypeError(
            f"{name} requires a function with a scalar output, but it returned an array of "
            f"shape {_np.shape(value)}.\nFor an elementwise function use elementwise_grad (the "
            f"sum of the rows of the Jacobian); for the full matrix of derivatives use jacobian.")
    if _np.iscomplexobj(value):
        raise TypeError(f"{name} requires a real output, but it returned a complex value; "
                        f"use holomorphic_grad for complex functions.")


def _seed(ans):
    """The output's own adjoint, ∂f/∂f = 1, shaped like the output."""
    return _np.float64(1.0) if type(ans) is _np.float64 else vspace(ans).ones()


@unary_to_nary
def make_vjp(fun, x):
    """``make_vjp(f, argnum)(*args)`` returns ``(vjp, f(*args))``; ``vjp(g)`` pulls ``g`` back."""
    return _make_vjp(fun, x)


@unary_to_nary
def grad(fun, x):
    """
    Returns a function which computes the gradient of the scalar function ``fun`` with
    respect to argument ``argnum``.

    ``grad(f, argnum=1)`` is a *function* with the same arguments as ``f``: calling it at a
    point gives ∂f/∂(argument 1) there, a value of the same shape as that argument.
    """
    vjp, ans = _make_vjp(fun, x)
    require_scalar(ans, "grad")
    return vjp(_seed(ans))


@unary_to_nary
def value_and_grad(fun, x):
    """Like ``grad``, but returns ``(f(x), gradient)`` from the same single trace."""
    vjp, ans = _make_vjp(fun, x)
    require_scalar(ans, "value_and_grad")
    return ans, vjp(_seed(ans))


@unary_to_nary
def grad_and_aux(fun, x):
    """For ``fun`` returning ``(loss, aux)``: returns ``(gradient of loss, aux)``."""
    aux = {}

    def loss_only(x):
        loss, aux["value"] = fun(x)
        return loss

    vjp, ans = _make_vjp(loss_only, x)
    require_scalar(ans, "grad_and_aux")
    return vjp(_seed(ans)), getval(aux["value"])


@unary_to_nary
def elementwise_grad(fun, x):
    """The sum of the Jacobian's rows: for elementwise ``fun`` the derivative of each entry."""
    vjp, ans = _make_vjp(fun, x)
    return vjp(_seed(ans))


@unary_to_nary
def deriv(fun, x):
    """The derivative of ``fun`` along a direction of all ones, by forward mode.

    For a function of one number that is the ordinary derivative f′(x), whatever the shape of
    the output; for an elementwise function of an array, the derivative of each entry.
    """
    return _make_jvp(fun, x)(vspace(x).ones())[1]


@unary_to_nary
def jacobian(fun, x):
    """The Jacobian: shape ``f(x).shape + x.shape``, one VJP per output entry."""
    vjp, ans = _make_vjp(fun, x)
    out_shape = _np.shape(getval(ans))
    in_shape = _np.shape(getval(x))
    rows = []
    for index in range(int(_np.prod(out_shape))):
        seed = _np.zeros(int(_np.prod(out_shape)))
        seed[index] = 1.0
        rows.append(vjp(seed.reshape(out_shape)))
    return np.reshape(np.stack(rows), out_shape + in_shape)


def hessian(fun, argnum=0):
    """The matrix of second derivatives: the Jacobian of the gradient."""
    return jacobian(jacobian(fun, argnum), argnum)


@unary_to_nary
def make_hvp(fun, x):
    """Returns ``(hvp, grad)``: ``hvp(v)`` is the Hessian of scalar ``fun`` at ``x`` times ``v``."""
    return _make_vjp(grad(fun), x)


def hessian_tensor_product(fun, argnum=0):
    """Returns ``htp(*args, vector)``: the Hessian of scalar ``fun`` times ``vector``.

    The trick: the Hessian-vector product is the gradient of (gradient · vector), so it costs
    two passes, never the whole Hessian.
    """
    fun_grad = grad(fun, argnum)

    def gradient_dot_vector(*args, **kwargs):
        args, vector = args[:-1], args[-1]
        return np.tensordot(fun_grad(*args, **kwargs), vector, np.ndim(vector))
    return grad(gradient_dot_vector, argnum)


hessian_vector_product = hessian_tensor_product


def tensor_jacobian_product(fun, argnum=0):
    """Returns ``tjp(*args, vector)``: ``vector`` (shaped like ``fun``'s output) times its Jacobian."""
    def vector_dot_fun(*args, **kwargs):
        args, vector = args[:-1], args[-1]
        return np.tensordot(vector, fun(*args, **kwargs), np.ndim(vector))
    return jacobian(vector_dot_fun, argnum)


vector_jacobian_product = tensor_jacobian_product


def make_ggnvp(f, g=None, f_argnum=0):
    """The generalised Gauss-Newton product of the loss ``g(f(x))``: ``Jᵀ H J v``.

    ``make_ggnvp(f, g, f_argnum)(*args)`` returns ``ggnvp(v)``, where ``J`` is the Jacobian of
    ``f`` with respect to argument ``f_argnum`` and ``H`` the Hessian of ``g`` at ``f(x)``. With
    ``g`` omitted it is half the squared norm over the last axis (``H = I``), giving ``Jᵀ J v``.
    Three passes, no matrix: forward mode for ``J v``, reverse over reverse for ``H (J v)``,
    reverse for ``Jᵀ (H J v)``.
    """
    g = g or (lambda y: 0.5 * np.sum(y ** 2, axis=-1))

    @unary_to_nary
    def ggnvp_at(f, x):
        f_jvp = _make_jvp(f, x)
        f_vjp, f_x = _make_vjp(f, x)
        g_hvp, _ = _make_vjp(grad(g), f_x)

        def ggnvp(v):
            return f_vjp(g_hvp(f_jvp(v)[1]))
        return ggnvp
    return ggnvp_at(f, f_argnum)


@unary_to_nary
def make_jvp(fun, x):
    """``make_jvp(f, argnum)(*args)`` returns ``jvp``; ``jvp(v)`` is ``(f(*args), J v)``.

    Forward mode: ``v`` is a direction shaped like the argument, and ``J v`` is how fast the
    output moves when that argument moves along ``v`` (see ``forward.py``).
    """
    return _make_jvp(fun, x)


@unary_to_nary
def holomorphic_grad(fun, x):
    """f′(z) of a holomorphic (complex-differentiable) function: ``z**2`` at 1+1j gives 2+2j.

    The gradient of the real part: for holomorphic ``f`` the Cauchy-Riemann equations make it
    the complex derivative itself.
    """
    vjp, ans = _make_vjp(lambda z: np.real(fun(z)), x)
    return vjp(_seed(ans))


def grad_named(fun, argname):
    """``grad`` with the argument given by name: ``grad_named(f, "y")`` is ``grad(f, "y")``."""
    return grad(fun, argname)


def multigrad_dict(fun):
    """Gradient with respect to every positional argument, as a dict name -> gradient."""
    import inspect
    names = [p.name for p in inspect.signature(fun).parameters.values()]

    def gradients(*args, **kwargs):
        bound = inspect.signature(fun).bind(*args, **kwargs)
        present = [name for name in names if name in bound.arguments]
        values = grad(fun, tuple(present))(*args, **kwargs)
        return dict(zip(present, values))
    return gradients
