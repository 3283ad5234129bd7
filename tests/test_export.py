"""The GIF export: a title and a result frame, bounded in frames, pixels and bytes, made in the
background with a progress bar and a Cancel button while the dashboard keeps stepping."""

import base64
import io
import re
import threading
import time

import numpy
import numpy as np
import pytest
from PIL import Image

from tutor.app import build_app
from tutor.expression import parse
from tutor.record import record
from tutor.widgets.export import LIMITS, ExportPanel, gif_bytes, gif_steps, title_lines
from tutor.widgets.state import StepState
from tutor.widgets.common import ErrorArea

CHAIN = "*".join(["x"] + ["2"] * 74)   # x*2*2*…*2: 74 products, 148 steps


@pytest.fixture(scope="module")
def chain():
    return record(parse(CHAIN), 1.01)


def frames_of(data):
    with Image.open(io.BytesIO(data)) as gif:
        frames = []
        for index in range(gif.n_frames):
            gif.seek(index)
            frames.append(np.asarray(gif.convert("L")))
        return frames


def test_the_title_names_the_function_and_the_point():
    rec = record(parse("log(x**2) + y**2 + x*y"), 1.0, 2.0)
    assert title_lines(rec, "log(x**2) + y**2 + x*y") == ("f(x, y) = log(x**2) + y**2 + x*y",
                                                         "at x = 1, y = 2")
    assert title_lines(rec) == ("f(x, y)", "at x = 1, y = 2")


def test_the_first_and_last_frames_are_text_not_the_graph():
    rec = record(parse("x*y + sin(x)"), 0.5, 2.0)
    frames = frames_of(gif_bytes(rec, title="x*y + sin(x)"))
    title, first_graph, last_graph, result = frames[0], frames[1], frames[-2], frames[-1]
    assert title.shape == first_graph.shape == result.shape
    # Text frames are white with a little dark ink; graph frames have coloured boxes.
    for text in (title, result):
        assert (text > 250).mean() > 0.9
        assert (text < 100).any()
    assert not np.array_equal(result, last_graph) and not np.array_equal(title, result)


def test_a_long_chain_is_bounded_in_frames_pixels_bytes_and_time(chain):
    assert chain.steps > 140
    start = time.process_time()        # CPU time: other work on the machine does not count
    data = gif_bytes(chain)
    seconds = time.process_time() - start
    assert len(data) <= LIMITS["bytes"]
    with Image.open(io.BytesIO(data)) as gif:
        assert gif.n_frames <= LIMITS["frames"] + 2
        width, height = gif.size
        assert width * height <= LIMITS["pixels"]
    assert seconds < 90, f"{seconds:.0f} s of CPU"  # was 140 s for an 8 MB GIF


def test_thinned_steps_keep_the_first_and_the_last(chain):
    steps = gif_steps(chain, max_frames=10)
    assert len(steps) == 10
    assert steps[0] == len(chain.forward) and steps[-1] == chain.steps
    assert steps == sorted(set(steps))


def test_past_the_byte_limit_the_export_says_so_instead_of_growing():
    rec = record(parse("x*y + sin(x)"), 0.5, 2.0)
    tiny = dict(LIMITS, bytes=2_000)
    with pytest.raises(ValueError, match="limit is 1 KB"):
        gif_bytes(rec, limits=tiny)


def test_export_runs_in_the_background_and_the_dashboard_keeps_stepping():
    app = build_app(expression=CHAIN, values="x=1.01")
    panel = app.export
    assert panel.start()
    assert panel.busy and panel.button.disabled and not panel.cancel.disabled
    assert panel.start() is False                      # a second click while busy: nothing
    # Stepping while the GIF is being made answers at once.
    slowest = 0.0
    for _ in range(5):
        begin = time.perf_counter()
        app.stepper.forward()
        slowest = max(slowest, time.perf_counter() - begin)
    assert app.state.k == 5
    assert slowest < 2.0, f"a step took {slowest:.2f} s while exporting"
    data = panel.wait(timeout=120)
    assert data is not None and data[:6] == b"GIF89a"
    assert not panel.busy and not panel.button.disabled and panel.cancel.disabled
    assert panel.progress.value == panel.progress.max
    assert re.search(r'href="data:image/gif;base64,', panel.link.value)
    assert len(panel.link.value) < 1.4 * LIMITS["bytes"]


def test_cancel_stops_the_export_and_offers_nothing(chain):
    state = StepState(chain)
    panel = ExportPanel(state, ErrorArea())
    seen = threading.Event()
    panel.progress.observe(lambda change: change["new"] >= 2 and seen.set(), "value")
    panel.start()
    assert seen.wait(60), "no progress within a minute"
    panel.cancel.click()
    assert panel.wait(timeout=30) is None
    assert not panel.busy
    assert panel.link.value == "GIF cancelled."
    assert panel.progress.value < panel.progress.max


def test_the_link_carries_the_gif_and_a_described_preview():
    app = build_app()
    data = app.export.export(timeout=120)
    match = re.search(r'href="data:image/gif;base64,([^"]+)"', app.export.link.value)
    assert base64.b64decode(match.group(1)) == data
    alt = re.search(r'<img alt="([^"]+)"', app.export.link.value).group(1)
    assert "log(x**2) + y**2 + x*y" in alt and "∂f/∂x = 4" in alt


def test_the_graph_frames_are_drawn_from_the_layout_and_the_look_of_each_step():
    from tutor.graph import look_at
    from tutor.widgets.palette import STATUS_COLOURS
    from tutor.widgets.picture import GraphPicture
    rec = record(parse("x*y + sin(x)"), 0.5, 2.0)
    picture = GraphPicture(rec)
    frames = [numpy.asarray(picture.frame(k)) for k in (0, rec.steps, 3)]
    assert frames[0].shape == frames[2].shape and not numpy.array_equal(frames[0], frames[2])
    looks = look_at(rec, 3).nodes
    current = next(node for node, look in looks.items() if look.status == "current")
    assert picture.patches[current].get_facecolor()[:3] == pytest.approx(
        tuple(int(STATUS_COLOURS["current"][i:i + 2], 16) / 255 for i in (1, 3, 5)))
    picture.frame(rec.steps)
    assert "ḡ = " in picture.bodies[rec.inputs["x"]].get_text()      # at the end: x's adjoint


def test_a_forward_mode_gif_says_so_and_ends_on_the_tangent():
    from tutor.widgets.export import result_lines
    rec = record(parse("log(x**2) + y**2 + x*y"), 1.0, 2.0, mode="forward")
    assert result_lines(rec) == ["f = 6", "ẋ_f = 4: the derivative of f along the inputs' "
                                          "tangents"]
    with Image.open(io.BytesIO(gif_bytes(rec))) as gif:
        assert gif.n_frames == 1 + rec.steps + 1 + 1          # title, k = 0..6, result
