"""What checkpointing costs in time, and what it saves in Nodes kept.

``tutor.autograd.checkpoint`` records a function as one Node and recomputes its trace when
the backward pass reaches it. For chains of L steps (``sin`` on an array of 1,000 numbers),
cut into segments of about √L steps, this script prints:

- the Nodes the tape keeps (``nodes_kept``) plain and checkpointed, and the peak while one
  segment is recomputed (segments + one segment's Nodes);
- the time of one gradient plain and checkpointed, best of several runs taken in
  alternation in this process, and their ratio. The recomputation is one more forward pass,
  so the ratio should stay below about 2 whatever L is.

Run: ``python benchmarks/checkpoint.py``.
"""

import math
import time

import numpy as np

import tutor.autograd.numpy as tnp
from tutor.autograd import checkpoint, grad, nodes_kept

LENGTHS = (100, 400, 1600)
REPEATS = 5
SIZE = 1000


def sines(x, length):
    for _ in range(length):
        x = tnp.sin(x)
    return x


def segmented(length, every):
    """The chain of ``length`` sines, every ``every`` of them one checkpoint."""
    sizes = [min(every, length - start) for start in range(0, length, every)]
    segments = [checkpoint(lambda x, size=size: sines(x, size)) for size in sizes]

    def run(x):
        for segment in segments:
            x = segment(x)
        return x
    return run, max(sizes)


def best_of_alternating(first, second, repeats=REPEATS):
    """Best times of ``first()`` and ``second()``, run one after the other ``repeats`` times."""
    best = [math.inf, math.inf]
    for _ in range(repeats):
        for index, run in enumerate((first, second)):
            start = time.perf_counter()
            run()
            best[index] = min(best[index], time.perf_counter() - start)
    return best


def main():
    x = np.linspace(-1.0, 1.0, SIZE)
    print(f"chains of sin on {SIZE} numbers; segments of about √L steps")
    print(f"{'L':>6} {'plain Nodes':>12} {'checkpointed':>13} {'peak':>6} "
          f"{'plain ms':>9} {'checkpointed ms':>16} {'ratio':>6}")
    for length in LENGTHS:
        run, every = segmented(length, math.isqrt(length))
        plain_nodes = nodes_kept(sines, x, length)
        kept = nodes_kept(run, x)
        peak = kept + nodes_kept(sines, x, every)
        plain_loss = lambda x: tnp.sum(sines(x, length))            # noqa: E731
        kept_loss = lambda x: tnp.sum(run(x))                       # noqa: E731
        assert np.allclose(grad(plain_loss)(x), grad(kept_loss)(x))
        plain_time, kept_time = best_of_alternating(lambda: grad(plain_loss)(x),
                                                    lambda: grad(kept_loss)(x))
        print(f"{length:>6} {plain_nodes:>12} {kept:>13} {peak:>6} {plain_time * 1e3:>9.1f} "
              f"{kept_time * 1e3:>16.1f} {kept_time / plain_time:>6.2f}")


if __name__ == "__main__":
    main()
