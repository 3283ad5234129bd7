"""What the worst expression the dashboard accepts may cost a kernel (issue 22, item 6).

The issue's case was a 340-character product of 48 factors on two 1,000-element vectors.
Each input below is the worst of its kind that the expression box and the values box
accept (150 parts, 30 brackets deep, 1,000 numbers a value, 5,000 characters of values); it
is parsed and recorded, in both modes, as the dashboard does (``make_recording``), and its
own cost is measured: the memory it allocates at its peak (``tracemalloc``, which sees
numpy's arrays too) and the CPU time it takes. The bound for the whole kernel is 250 MB
and 2 s; a dashboard kernel holds ~120 MB before any input, so one input may take 100 MB.
"""

import time
import tracemalloc

import pytest

from tutor.expression import MAX_ELEMENTS, ShapeError, parse
from tutor.widgets.explorer import InputProblem, make_recording

MOST_MB = 100
MOST_SECONDS = 2.0

VECTORS = "x=[" + ",".join(["1"] * 1000) + "], y=[" + ",".join(["2"] * 1000) + "]"
VECTOR = "x=[" + ",".join(["1"] * 1000) + "]"
MATRIX = "W=[" + ",".join("[" + ",".join(["0.03"] * 31) + "]" for _ in range(31)) + "]"
ROW = "W=[[" + ",".join(["1"] * 1000) + "]]"

WORST = {
    "the issue's 48 factors": (
        "sum(" + "*".join("sin(x)" if i % 2 else "cos(y)" for i in range(48)) + ")", VECTORS),
    "74 factors, every part used": ("sum(" + "*".join(["x"] * 74) + ")", VECTOR),
    "60 products of 31x31 matrices": ("sum(" + "@".join(["W"] * 60) + ")", MATRIX),
    "29 functions deep": ("sum(" + "tanh(" * 29 + "x" + ")" * 29 + ")", VECTOR),
    "36 sums of products": ("sum(" + "+".join(["x*y"] * 36) + ")", VECTORS),
    "14 choices": ("sum(" + "+".join(["where(x<y, x, y)"] * 14) + ")", VECTORS),
}


def cost(action):
    """(peak MiB allocated, CPU seconds) of ``action()``; what it raises is raised."""
    tracemalloc.start()
    start = time.process_time()
    try:
        action()
    finally:
        seconds = time.process_time() - start
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return peak, seconds


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("name", list(WORST))
def test_the_worst_accepted_inputs_record_within_the_bound(name, mode):
    text, values = WORST[name]
    assert len(text) <= 500 and len(values) <= 5000      # both boxes accept them
    make_recording(text, values, mode=mode)               # once, so imports are not counted
    peak, seconds = cost(lambda: make_recording(text, values, mode=mode))
    assert peak < MOST_MB, f"{name}: {peak:.0f} MiB at the peak"
    assert seconds < MOST_SECONDS, f"{name}: {seconds:.2f} s of CPU"


@pytest.mark.parametrize("text, values", [
    ("sum(outer(x, x))", VECTOR),                  # a million numbers
    ("sum(transpose(W) @ W)", ROW),                # a column times a row: the same
    ("sum(dot(transpose(W), W))", ROW),
])
def test_a_product_too_big_is_refused_before_it_is_computed(text, values):
    def refused():
        with pytest.raises(InputProblem, match=f"at most {MAX_ELEMENTS} are allowed"):
            make_recording(text, values)

    refused()
    peak, _ = cost(refused)
    assert peak < 2, f"{peak:.1f} MiB: the million numbers were made before the refusal"


def test_the_size_of_a_product_is_known_from_the_shapes_alone():
    import numpy as np
    expression = parse("W @ x")
    with pytest.raises(ShapeError, match="would have 1000000 elements"):
        expression(np.ones((1000, 1)), np.ones((1, 1000)))
    assert expression(np.ones((2, 3)), np.ones(3)).shape == (2,)
