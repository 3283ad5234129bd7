"""Gradient-descent optimizers with HIPS autograd's signatures: ``sgd``, ``rmsprop``, ``adam``.

Each takes ``gradient(params, iteration)``, the starting ``params`` and an optional
``callback(params, iteration, gradient)`` called once per step (to print the loss, say), and
returns the parameters after ``num_iters`` steps. ``params`` may be any nest of lists,
tuples, dicts and arrays (a network's ``[(W1, b1), (W2, b2)]``): the optimizers work on the
flat vector of :func:`~tutor.autograd.misc.flatten` and hand ``gradient`` and ``callback``
the nested form.

    from tutor.autograd import grad
    from tutor.autograd.misc.optimizers import adam

    trained = adam(grad(lambda params, i: loss(params)), init_params, num_iters=500)

The update rules, with ``x`` the flat parameters and ``g`` their gradient at step ``i``:

* sgd with momentum: ``v ← mass·v − (1 − mass)·g``, then ``x ← x + step_size·v``;
* rmsprop: ``r ← γ·r + (1 − γ)·g²``, then ``x ← x − step_size·g / (√r + ε)``;
* adam: running means ``m ← b1·m + (1 − b1)·g`` and ``v ← b2·v + (1 − b2)·g²``, corrected
  for starting at 0 (``m̂ = m / (1 − b1^(i+1))``, ``v̂ = v / (1 − b2^(i+1))``), then
  ``x ← x − step_size·m̂ / (√v̂ + ε)``.
"""

from functools import wraps

import numpy as _np

from .flatten import flatten

__all__ = ["sgd", "rmsprop", "adam", "unflatten_optimizer"]


def unflatten_optimizer(optimize):
    """Let an optimizer written for flat vectors take and return nested parameters."""
    @wraps(optimize)
    def nested_optimize(gradient, params, callback=None, *args, **kwargs):
        flat_params, unflatten = flatten(params)

        def flat_gradient(x, iteration):
            return flatten(gradient(unflatten(x), iteration))[0]

        def flat_callback(x, iteration, g):
            return callback(unflatten(x), iteration, unflatten(g))

        flat_result = optimize(flat_gradient, _np.asarray(flat_params, dtype=float),
                               flat_callback if callback else None, *args, **kwargs)
        return unflatten(flat_result)
    return nested_optimize


@unflatten_optimizer
def sgd(grad, x, callback=None, num_iters=200, step_size=0.1, mass=0.9):
    """Stochastic gradient descent with momentum ``mass`` (0 gives plain gradient descent)."""
    velocity = _np.zeros(len(x))
    for i in range(num_iters):
        g = grad(x, i)
        if callback:
            callback(x, i, g)
        velocity = mass * velocity - (1.0 - mass) * g
        x = x + step_size * velocity
    return x


@unflatten_optimizer
def rmsprop(grad, x, callback=None, num_iters=100, step_size=0.1, gamma=0.9, eps=10**-8):
    """Gradient steps divided by a running root-mean-square of recent gradients."""
    mean_square = _np.ones(len(x))
    for i in range(num_iters):
        g = grad(x, i)
        if callback:
            callback(x, i, g)
        mean_square = mean_square * gamma + g ** 2 * (1 - gamma)
        x = x - step_size * g / (_np.sqrt(mean_square) + eps)
    return x


@unflatten_optimizer
def adam(grad, x, callback=None, num_iters=100, step_size=0.001, b1=0.9, b2=0.999, eps=10**-8):
    """Adam (Kingma and Ba, 2015): momentum and RMS scaling, both corrected for their start."""
    m = _np.zeros(len(x))
    v = _np.zeros(len(x))
    for i in range(num_iters):
        g = grad(x, i)
        if callback:
            callback(x, i, g)
        m = (1 - b1) * g + b1 * m
        v = (1 - b2) * g ** 2 + b2 * v
        m_hat = m / (1 - b1 ** (i + 1))
        v_hat = v / (1 - b2 ** (i + 1))
        x = x - step_size * m_hat / (_np.sqrt(v_hat) + eps)
    return x
