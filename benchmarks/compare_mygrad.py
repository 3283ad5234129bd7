"""What stepping your own autograd beside the reference costs: ``tutor.mygrad.compare``.

A comparison records the reference (``tutor.record.record``, the baseline here) and, in the
checker's forked child, runs and watches the learner's autograd, then walks both. This script
times, in alternation and best of several repeats, for three functions (lesson 1's
``log(x**2) + y**2 + x*y``, a chain of 40 operations, and lesson 8's squared error of a
linear model on 50 rows, in that lesson's own autograd):

- ``record``: the reference's Recording alone;
- ``compare``: the whole comparison (child, recordings, walk);
- ``view``: the two steppers built for a notebook (both stories written).

and prints milliseconds and the ratio compare / record.

Run: ``python benchmarks/compare_mygrad.py``.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import numpy as np

os.environ.setdefault("TUTOR_MYGRAD_DIR", tempfile.mkdtemp())
os.environ.setdefault("TUTOR_PROGRESS_DB", os.path.join(tempfile.mkdtemp(), "p.sqlite"))

import tutor.autograd.numpy as tnp                           # noqa: E402
import tutor.exercises as ex                                 # noqa: E402
from tutor import mygrad                                     # noqa: E402
from tutor.mygrad_compare import reference_function          # noqa: E402
from tutor.record import record                              # noqa: E402

REPEATS = 5
LESSON_8 = Path(__file__).resolve().parent.parent / "lessons" / "08_arrays.ipynb"


def lesson_8():
    """Lesson 8's autograd (its first cells, the reference's answers), and its loss."""
    cells = {cell.get("id"): cell.source
             for cell in nbformat.read(LESSON_8, as_version=4).cells}
    answers = "\n".join(ex.get(exercise_id).solution_source
                        for exercise_id in ("l08-vjp-sum", "l08-vjp-matmul-x"))
    namespace = {"__name__": "__main__"}
    source = "\n".join(["import inspect\nimport numpy as np", cells["l08-04"], answers,
                        cells["l08-08"], cells["l08-12"],
                        "X = np.random.default_rng(0).normal(size=(50, 3))",
                        "y = X @ np.array([1.0, -2.0, 0.5])",
                        "def loss(w, b):\n    return array_sum((X @ w + b - y) ** 2)"])
    exec(compile(source, "<lesson 8>", "exec"), namespace)   # noqa: S102 (the course's cells)
    return namespace


def chain(x):
    for _ in range(20):
        x = tnp.sin(x) * 1.1
    return x


def best(run):
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return 1000 * min(times)


def main():
    sections = {name: ex.get(exercise_id).solution_source
                for name, (_, exercise_id) in mygrad.PIECES.items()}
    mygrad.path().write_text(mygrad._file_text(sections), encoding="utf-8")
    namespace = lesson_8()
    cases = {
        "lesson 1's f": (lambda x, y: tnp.log(x**2) + y**2 + x*y, (1.0, 2.0), {}),
        "a chain of 40": (chain, (0.3,), {}),
        "lesson 8, 50 rows": (namespace["loss"], (np.zeros(3), 0.5),
                              {"argnum": 1, "autograd": namespace}),
    }
    mygrad.compare(*cases["lesson 1's f"][:1], 1.0, 2.0)          # imports, once
    print(f"load average {os.getloadavg()[0]:.1f}; best of {REPEATS}, ms")
    print(f"{'function':20} {'record':>8} {'compare':>8} {'view':>8} {'compare/record':>15}")
    for label, (f, args, options) in cases.items():
        argnum = options.get("argnum", 0)
        on_library = reference_function(f)            # lesson 8's loss, on tnp's sum
        reference = best(lambda: record(on_library, *args, argnum=argnum))
        comparing = best(lambda: mygrad.compare(f, *args, **options))
        comparison = mygrad.compare(f, *args, **options)
        assert comparison.agree, comparison
        view = best(lambda: comparison.view())
        print(f"{label:20} {reference:8.1f} {comparing:8.1f} {view:8.1f} "
              f"{comparing / reference:15.1f}")


if __name__ == "__main__":
    sys.exit(main())
