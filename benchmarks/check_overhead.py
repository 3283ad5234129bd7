"""What running a learner's code in a forked child costs a check.

The checker forks a child per check (see ``tutor/exercises/sandbox.py``), so that a learner's
endless C loop, ``os._exit`` or memory hog cannot escape the time limit or take the kernel
down. This script times the same checks both ways in one process, in alternation (the
least noisy comparison on a shared machine):

- *in child*: the default (``checking.ISOLATE = True``);
- *in process*: the old path, kept for platforms without ``fork``.

For three exercises (a VJP on 30 random inputs, ``toposort`` on 30 random graphs, and
``numerical_grad`` on 25 random functions) it prints milliseconds per check, best of several
repeats, the ratio child / in-process, and the difference: the per-check overhead of
forking. It also forks once from a process holding a large array, since the cost of
``fork`` grows with the memory the kernel holds.

Run: ``python benchmarks/check_overhead.py``.
"""

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import tutor.exercises as ex                                 # noqa: E402
from exercise_helpers import solution_copy                   # noqa: E402
from tutor.exercises import checking                         # noqa: E402

EXERCISES = ("l05-vjp-sin", "l06-toposort", "l01-numerical-grad")
REPEATS = 7
CHECKS = 5


def time_checks(exercise_id, answer, isolate):
    checking.ISOLATE = isolate
    start = time.perf_counter()
    for seed in range(CHECKS):
        result = ex.check(exercise_id, answer, seed=seed, record=False)
        assert result.passed, result
    return (time.perf_counter() - start) / CHECKS * 1000


def compare(label):
    print(f"\n{label}")
    print(f"{'exercise':22s} {'in child':>10s} {'in process':>11s} {'ratio':>7s} "
          f"{'overhead':>9s}")
    for exercise_id in EXERCISES:
        answer = solution_copy(ex.get(exercise_id))
        child, process = [], []
        for _ in range(REPEATS):                 # alternate: both see the same machine load
            child.append(time_checks(exercise_id, answer, True))
            process.append(time_checks(exercise_id, answer, False))
        best_child, best_process = min(child), min(process)
        print(f"{exercise_id:22s} {best_child:8.1f}ms {best_process:9.1f}ms "
              f"{best_child / best_process:7.2f} {best_child - best_process:7.1f}ms")
    checking.ISOLATE = True


def main():
    import os
    print(f"load average: {os.getloadavg()[0]:.2f}")
    compare("a small process (the kernel after importing tutor)")
    ballast = np.ones((512, 1024, 128))          # 512 MiB held by the "kernel"
    ballast[::1024] = 2.0
    compare(f"the same process holding {ballast.nbytes >> 20} MiB more")
    del ballast


if __name__ == "__main__":
    main()
