"""Gradients with respect to containers: tutor.autograd against HIPS autograd, in one process.

The workload is the MLP of ``core_overhead.py`` (2-64-64-1, tanh, batch 32, mean squared
error), with its parameters held the way HIPS autograd's examples hold them: a list of
``(W, b)`` tuples, and a dict ``{"W0": ..., "b0": ..., ...}``. Each gradient returns the same
structure. Prints microseconds per gradient (best of several repeats, the libraries timed in
alternation) and the ratio tutor / HIPS (below 1: tutor is faster).

Run: ``python benchmarks/containers.py`` (needs the ``bench`` extra: ``pip install autograd``).
"""

import time

import autograd
import autograd.numpy as hnp
import numpy as onp

import tutor.autograd
import tutor.autograd.numpy as tnp

SIZES = [(2, 64), (64, 64), (64, 1)]
REPEATS, CALLS = 7, 20


def as_list(rng):
    return [(0.1 * rng.standard_normal(size), 0.1 * rng.standard_normal(size[1]))
            for size in SIZES]


def as_dict(rng):
    layers = as_list(rng)
    return {f"{name}{i}": value for i, layer in enumerate(layers)
            for name, value in zip("Wb", layer)}


def loss_of_list(np, inputs, targets):
    def loss(params):
        hidden = inputs
        for W, b in params[:-1]:
            hidden = np.tanh(hidden @ W + b)
        W, b = params[-1]
        return np.mean((hidden @ W + b - targets) ** 2)
    return loss


def loss_of_dict(np, inputs, targets):
    def loss(params):
        hidden = inputs
        for i in range(len(SIZES) - 1):
            hidden = np.tanh(hidden @ params[f"W{i}"] + params[f"b{i}"])
        last = len(SIZES) - 1
        return np.mean((hidden @ params[f"W{last}"] + params[f"b{last}"] - targets) ** 2)
    return loss


def best_time(fun, params):
    """Microseconds per call: the best of REPEATS batches of CALLS calls."""
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        for _ in range(CALLS):
            fun(params)
        best = min(best, (time.perf_counter() - start) / CALLS)
    return best * 1e6


def main():
    rng = onp.random.default_rng(0)
    inputs, targets = rng.standard_normal((32, 2)), rng.standard_normal((32, 1))
    for label, make_params, make_loss in [("list of (W, b)", as_list, loss_of_list),
                                          ("dict of W, b", as_dict, loss_of_dict)]:
        params = make_params(rng)
        ours = tutor.autograd.grad(make_loss(tnp, inputs, targets))
        theirs = autograd.grad(make_loss(hnp, inputs, targets))
        ours(params), theirs(params)                         # warm up
        times_ours, times_theirs = [], []
        for _ in range(3):                                   # in alternation
            times_ours.append(best_time(ours, params))
            times_theirs.append(best_time(theirs, params))
        t_ours, t_theirs = min(times_ours), min(times_theirs)
        print(f"{label:15s} tutor {t_ours:7.0f} us   HIPS {t_theirs:7.0f} us   "
              f"ratio {t_ours / t_theirs:.2f}")


if __name__ == "__main__":
    main()
