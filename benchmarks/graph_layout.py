"""How long it takes to record a big computation, turn it into a graph and lay it out.

Targets (issue 3): a 1,000-node recording records and lays out in under 1 s; a 10,000-node
one in under 10 s. Two kinds of computation, each at both sizes:

- chain: ``z = sin(z) * y + z * 0.5`` repeated, so every step fans out (``z`` is used twice)
  and the input ``y`` feeds every step (long edges from the first column to all the others);
- random DAG: each new value combines one or two of the last eight values with a random
  operation (sin, ×, +, tanh of a difference), from a fixed seed.

Each is also recorded in forward mode (``mode="forward"``: tangents pushed along with the
values through the core's ``forward_pass``, issue 10), at 1,000 nodes, against the same 1 s.

Prints, for each, the number of nodes, the seconds spent in ``record``, ``to_networkx`` and
``layered_layout`` (wall-clock, best of a few repeats: the least noisy figure on a shared
machine), their total, the CPU time of that same run (on a busy machine wall-clock time also
counts the time other processes had the CPU), and whether the total is under the target.

Run: ``python benchmarks/graph_layout.py``
"""

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import tutor.autograd.numpy as np  # noqa: E402
from tutor.graph import count_crossings, layered_layout, to_networkx  # noqa: E402
from tutor.record import record  # noqa: E402

TARGETS = {1_000: 1.0, 10_000: 10.0}


def chain(x, y, steps):
    z = x
    for _ in range(steps):
        z = np.sin(z) * y + z * 0.5
    return z


def random_dag(x, y, steps, seed=0):
    rng = random.Random(seed)
    values = [x, y]
    for _ in range(steps):
        a = values[-1 - rng.randrange(min(8, len(values)))]
        b = values[-1 - rng.randrange(min(8, len(values)))]
        kind = rng.randrange(4)
        if kind == 0:
            values.append(np.sin(a) * 0.9)
        elif kind == 1:
            values.append(a * b * 0.5)
        elif kind == 2:
            values.append(a + b * 0.5)
        else:
            values.append(np.tanh(a - b))
    return values[-1]


def steps_for(fun, nodes):
    """How many steps of ``fun`` give (about) ``nodes`` nodes in the recording."""
    probe = len(record(fun, 0.3, 0.7, steps=100).nodes)
    return max(1, round(100 * nodes / probe))


def measure(fun, steps, repeats, mode="reverse"):
    best = cpu = None
    for _ in range(repeats):
        cpu_started = time.process_time()
        started = time.perf_counter()
        rec = record(fun, 0.3, 0.7, steps=steps, mode=mode)
        recorded = time.perf_counter()
        graph = to_networkx(rec)
        built = time.perf_counter()
        layout = layered_layout(graph)
        laid_out = time.perf_counter()
        times = (recorded - started, built - recorded, laid_out - built)
        if best is None or sum(times) < sum(best):
            best, cpu = times, time.process_time() - cpu_started
    return rec, graph, layout, best, cpu


def main():
    print("seconds (wall-clock) to record, build the graph and lay it out")
    print(f"{'workload':<12}{'nodes':>8}{'record':>9}{'graph':>8}{'layout':>9}{'total':>8}"
          f"{'cpu':>8}{'target':>8}  under target")
    all_ok = True
    workloads = [(name, fun, nodes, target, "reverse") for name, fun in
                 (("chain", chain), ("random DAG", random_dag))
                 for nodes, target in TARGETS.items()]
    workloads += [(f"{name}, fwd", fun, 1_000, TARGETS[1_000], "forward") for name, fun in
                  (("chain", chain), ("DAG", random_dag))]
    for name, fun, nodes, target, mode in workloads:
        rec, graph, layout, (t_record, t_graph, t_layout), cpu = measure(
            fun, steps_for(fun, nodes), repeats=3 if nodes <= 1_000 else 2, mode=mode)
        total = t_record + t_graph + t_layout
        ok = total < target
        all_ok &= ok
        print(f"{name:<12}{len(rec.nodes):>8}{t_record:>9.3f}{t_graph:>8.3f}"
              f"{t_layout:>9.3f}{total:>8.3f}{cpu:>8.3f}{target:>8.1f}  "
              f"{'yes' if ok else 'NO'}")
        if nodes <= 1_000:
            print(f"{'':<12}{'':>8}  crossings drawn: {count_crossings(graph, layout)}")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
