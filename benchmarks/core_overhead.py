"""tutor.autograd against HIPS autograd, side by side in one process.

Three workloads, each differentiated with both libraries' ``grad``:

- scalar recurrence: 1,000 steps of ``x = sin(x) * 0.9 + 0.1 * x * x`` (5 primitives a step),
  which measures the per-operation overhead of tracing and the backward pass;
- MLP: a 2-64-64-1 tanh network, batch 32, parameters in one flat vector (slicing, reshape,
  matmul, broadcasting), mean squared error;
- the seed's ``f(x, y) = log(x**2) + y**2 + x*y``.

Prints microseconds per gradient (best of several repeats, the libraries timed in
alternation: the least noisy statistic on a shared machine) and the ratio tutor / HIPS (below
1 means tutor is faster; the targets: at most 0.2 on the scalar recurrence, 0.6 on the MLP,
0.8 everywhere).

Two more lines per workload:

- *floor*, for the MLP: the same gradient written by hand in plain numpy (the forward pass,
  then backpropagation with the transposed matrices), which no autograd can beat; printed as
  the ratio tutor / hand-written (target at most 2.5) and HIPS / hand-written;
- *forward*: one forward-mode JVP (``make_jvp``, a directional derivative along a random
  direction) with each library, beside the reverse-mode gradient.

Where the MLP's time goes above the floor: numpy does about the same arithmetic either way
(the same matrix products, sums and tanh slopes); what tutor adds is Python's cost per
recorded operation, about 1 µs to trace each of its ~20 primitives and under 1 µs for each of
the ~25 VJP applications (the busiest VJPs are registered ``direct=True``, so no closure is
built per step), plus joining the slices' adjoints into the parameter vector (``Scattered``
in ``numpy_vjps_shapes.py``). Timings on a shared machine vary by tens of percent from run to
run: run it several times.

Run: ``python benchmarks/core_overhead.py`` (needs the ``bench`` extra: ``pip install autograd``).
"""

import sys
import time

import autograd
import autograd.numpy as hnp
import numpy as onp

import tutor.autograd
import tutor.autograd.numpy as tnp

STEPS = 1000
SIZES = [(2, 64), (64, 64), (64, 1)]


def scalar_recurrence(np):
    def f(x):
        for _ in range(STEPS):
            x = np.sin(x) * 0.9 + 0.1 * x * x
        return x
    return f, (0.5,), 5 * STEPS


def mlp_problem():
    """The MLP's layer shapes, a flat parameter vector and one batch: the same for every library."""
    shapes = [(m * n, (m, n), n) for m, n in SIZES]
    rng = onp.random.default_rng(0)
    n_params = sum(size + n for size, _, n in shapes)
    params = rng.standard_normal(n_params) * 0.3
    return shapes, params, rng.standard_normal((32, 2)), rng.standard_normal((32, 1))


def mlp(np):
    shapes, params, inputs, targets = mlp_problem()

    def loss(params):
        h, start = inputs, 0
        for i, (size, shape, n) in enumerate(shapes):
            W = np.reshape(params[start:start + size], shape)
            b = params[start + size:start + size + n]
            start += size + n
            h = np.dot(h, W) + b
            if i < len(shapes) - 1:
                h = np.tanh(h)
        return np.mean((h - targets) ** 2)
    return loss, (params,), None


def mlp_by_hand():
    """The MLP's loss gradient, backpropagated by hand: the floor for any autograd."""
    shapes, params, inputs, targets = mlp_problem()

    def gradient(params):
        layers, start = [], 0
        for size, shape, n in shapes:
            layers.append((start, params[start:start + size].reshape(shape),
                           params[start + size:start + size + n]))
            start += size + n
        activations = [inputs]
        for i, (_, W, b) in enumerate(layers):
            h = activations[-1] @ W + b
            activations.append(onp.tanh(h) if i < len(layers) - 1 else h)
        out = activations[-1]
        adjoint = 2.0 * (out - targets) / out.size
        result = onp.empty_like(params)
        for i in reversed(range(len(layers))):
            start, W, b = layers[i]
            if i < len(layers) - 1:
                adjoint = adjoint * (1.0 - activations[i + 1] ** 2)
            result[start:start + W.size] = (activations[i].T @ adjoint).ravel()
            result[start + W.size:start + W.size + b.size] = adjoint.sum(axis=0)
            adjoint = adjoint @ W.T
        return result
    return gradient, (params,)


def seed(np):
    def f(x, y):
        return np.log(x ** 2) + y ** 2 + x * y
    return f, (1.0, 2.0), 6


def interleaved_times(gradients, repeats, number):
    """Best seconds per call for each gradient function, timed in alternation.

    Timing the two libraries turn about, repeat after repeat, exposes both to the same
    moments of a noisy machine; the best of the repeats is the least disturbed run.
    """
    best = {label: float("inf") for label in gradients}
    for _ in range(repeats):
        for label, (g, args) in gradients.items():
            start = time.perf_counter()
            for _ in range(number):
                g(*args)
            best[label] = min(best[label], (time.perf_counter() - start) / number)
    return best


def one_jvp(make_jvp, f, args):
    """A function computing one JVP of ``f`` at ``args``, along a fixed random direction."""
    x = args[0]
    direction = onp.random.default_rng(1).standard_normal(onp.shape(x))
    direction = direction if onp.ndim(x) else float(direction)
    return lambda *args: make_jvp(f)(*args)(direction)[1]


TARGETS = {"scalar recurrence (1000 steps)": 0.2, "MLP 2-64-64-1 tanh, batch 32": 0.6}


def main():
    workloads = [("scalar recurrence (1000 steps)", scalar_recurrence, 9, 2),
                 ("MLP 2-64-64-1 tanh, batch 32", mlp, 15, 20),
                 ("seed f(x, y) at (1, 2)", seed, 15, 1000)]
    print(f"{'workload':34} {'HIPS µs':>10} {'tutor µs':>10} {'tutor/HIPS':>11}  target")
    failures = []
    for name, make, repeats, number in workloads:
        results, gradients, jvps = {}, {}, {}
        for label, lib, np in (("hips", autograd, hnp), ("tutor", tutor.autograd, tnp)):
            f, args, _ = make(np)
            gradients[label] = (lib.grad(f), args)
            results[label] = onp.asarray(gradients[label][0](*args))
            jvps[label] = (one_jvp(lib.make_jvp, f, args), args)
            results[label + " jvp"] = onp.asarray(jvps[label][0](*args))
        assert onp.allclose(results["hips"], results["tutor"]), f"{name}: gradients differ"
        assert onp.allclose(results["hips jvp"], results["tutor jvp"]), f"{name}: JVPs differ"
        if make is mlp:
            gradients["hand"] = mlp_by_hand()
            assert onp.allclose(gradients["hand"][0](*args), results["tutor"]), "hand-written MLP"
        times = interleaved_times(gradients, repeats, number)
        ratio = times["tutor"] / times["hips"]
        target = TARGETS.get(name, 0.8)
        if ratio > target:
            failures.append(name)
        print(f"{name:34} {times['hips'] * 1e6:10.1f} {times['tutor'] * 1e6:10.1f} {ratio:11.2f}"
              f"  <= {target}")
        _, _, ops = make(tnp)
        if ops:
            print(f"{'':34} {times['hips'] * 1e6 / ops:10.2f} {times['tutor'] * 1e6 / ops:10.2f}"
                  f"   (µs per operation)")
        if "hand" in times:
            floor = times["tutor"] / times["hand"]
            if floor > 2.5:
                failures.append(name + " (floor)")
            print(f"{'  floor: by hand in numpy':34} {times['hand'] * 1e6:10.1f} µs;"
                  f" tutor/hand {floor:.2f} (<= 2.5), HIPS/hand {times['hips'] / times['hand']:.2f}")
        forward = interleaved_times(jvps, repeats, number)
        print(f"{'  forward mode, one JVP':34} {forward['hips'] * 1e6:10.1f}"
              f" {forward['tutor'] * 1e6:10.1f} {forward['tutor'] / forward['hips']:11.2f}")
    print("all targets met" if not failures else f"targets missed: {', '.join(failures)}")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
