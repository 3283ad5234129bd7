"""The dashboard's views, one at a time: each is a function of (recording, k)."""

import io

import numpy as np
import pytest
from PIL import Image

from tutor.expression import parse
from tutor.record import ADJOINT, record
from tutor.widgets import (EXAMPLES, ErrorArea, Explorer, GradientView, GraphDrawing, GraphView,
                           Inspector, StepState, Stepper, backward_gif, gif_bytes, guarded,
                           make_recording, status_text)
from tutor.widgets.common import number_text, short_value
from tutor.widgets.explorer import InputProblem, SEED
from tutor.widgets.graph_view import GraphTooBig, encode_png

TAYLOR = next(example for example in EXAMPLES if example.title.startswith("Taylor"))


def record_text(text, *values, argnum=0):
    return record(parse(text), *values, argnum=argnum)


@pytest.fixture(scope="module")
def seed():
    """The seed's f at x=1, y=2: 6 forward steps, 9 backward steps, ∂f/∂x = 4."""
    return record_text(SEED, 1.0, 2.0)


@pytest.fixture(scope="module")
def fan_out():
    return record_text("x*x + sin(x)", 1.5)


@pytest.fixture(scope="module")
def big():
    recording, _, _ = make_recording(TAYLOR.expression, TAYLOR.values, TAYLOR.wrt)
    return recording


def decode(png):
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


# --------------------------------------------------------------------------- the state

def test_state_clamps_k_and_notifies_only_on_change(seed):
    state = StepState()
    seen = []
    state.observe(lambda s: seen.append(s.k))
    state.load(seed)
    state.go(3)
    state.go(3)
    state.go(-5)
    state.go(10_000)
    state.back()
    state.reset()
    state.forward()
    assert seen == [0, 3, 0, seed.steps, seed.steps - 1, 0, 1]


def test_state_without_recording_stays_at_zero():
    state = StepState()
    state.forward()
    state.to_end()
    assert (state.k, state.steps) == (0, 0)


# ------------------------------------------------------------------------- text helpers

def test_status_counts_each_pass_separately(seed):
    assert (len(seed.forward), len(seed.backward)) == (6, 9)
    assert status_text(seed, 0) == "forward 0/6"
    assert status_text(seed, 1) == "forward 1/6"
    assert status_text(seed, 6) == "forward 6/6"
    assert status_text(seed, 7) == "backward 1/9"
    assert status_text(seed, 15) == "backward 9/9"


def test_numbers_are_written_as_a_learner_would():
    assert number_text(4.0) == "4"
    assert number_text(np.float64(-2.0)) == "-2"
    assert number_text(0.1 + 0.2) == "0.3"
    assert number_text(float("nan")) == "nan"
    assert short_value(np.ones((3, 3))) == "3x3 μ=1"
    assert len(short_value(np.arange(10.0 ** 6, 10.0 ** 6 + 2).reshape(1, 2) * 1e9)) <= 12


def test_guarded_callbacks_turn_exceptions_into_one_line():
    area = ErrorArea()

    @guarded(area, "testing")
    def broken(_):
        raise RuntimeError("boom\nsecond line of a long story")

    broken(None)                                  # does not raise
    assert area.message == "Something went wrong while testing: RuntimeError: boom"
    assert "tutor-error" in area._dom_classes
    area.clear()
    assert area.message == "" and area.value == ""


# ---------------------------------------------------------------------------- the graph

def test_node_colours_follow_the_steps(seed):
    drawing = GraphDrawing(seed)
    start = drawing.looks_at(seed.state_at(0))
    assert start["v0"][0] == "computed"            # inputs are known from the start
    assert start["v2"][0] == "computed"            # so are constants
    assert start["v3"][0] == "pending"             # x**2 is not computed yet
    first = drawing.looks_at(seed.state_at(1))
    assert first["v3"] == ("current", "v3 = 1.0")
    step = seed.step(9)                            # v8 = x*y sends g·y to x
    looks = drawing.looks_at(seed.state_at(9))
    assert (step.node, step.parent) == ("v8", "v0")
    assert looks["v8"][0] == "current"
    assert looks["v0"] == ("receiving", "v0 = 1.0\nḡ = 2.0")
    assert looks["v9"][0] == "adjoint"             # the output got its seed adjoint
    assert looks["v3"][0] == "computed"            # computed, no adjoint yet


@pytest.mark.parametrize("name", ["seed", "fan_out"])
def test_updating_in_place_draws_exactly_what_a_fresh_drawing_draws(name, request):
    recording = request.getfixturevalue(name)
    drawing = GraphDrawing(recording)
    order = list(range(recording.steps + 1)) + [3, recording.steps, 0, 7, 2]
    for k in order:
        drawing.show(k)
        fresh = GraphDrawing(recording)
        fresh.show(k)
        assert np.array_equal(drawing.rgba(), fresh.rgba()), f"step {k} differs"


def test_a_step_redraws_only_a_small_part_of_a_big_graph(big):
    drawing = GraphDrawing(big)
    drawing.show(0)
    height, width = drawing.rgba().shape[:2]
    drawing.show(1)
    redrawn = sum((r1 - r0) * (c1 - c0) for r0, r1, c0, c1 in drawing.changed)
    assert 0 < redrawn < 0.1 * height * width


def test_png_encoding_round_trips():
    pixels = np.random.default_rng(0).integers(0, 256, (7, 5, 4), dtype=np.uint8)
    image = decode(encode_png(pixels))
    assert image.mode == "RGB" and image.size == (5, 7)
    assert np.array_equal(np.asarray(image), pixels[..., :3])


def test_graph_view_stacks_strips_into_the_whole_picture(seed):
    view = GraphView()
    view.render(seed, 0)
    width, height = view.drawing.size
    strips = [decode(strip.value) for strip in view.canvas.children]
    assert all(strip.size[0] == width for strip in strips)
    assert sum(strip.size[1] for strip in strips) == height
    assert "tutor-graph" in view.canvas._dom_classes
    whole = np.vstack([np.asarray(strip) for strip in strips])
    assert np.array_equal(whole, np.asarray(decode(view.png())))


def test_graph_view_changes_its_picture_when_stepping(seed):
    view = GraphView()
    view.render(seed, 0)
    pictures = [view.png()]
    for k in (1, 2, 7, 8):
        before = [strip.value for strip in view.canvas.children]
        view.show(k)
        after = [strip.value for strip in view.canvas.children]
        assert before != after, f"step {k} changed no strip"
        pictures.append(view.png())
    assert len(set(pictures)) == len(pictures)
    view.show(0)
    assert view.png() == pictures[0]                 # back at the start: the same picture


def test_a_sixty_node_graph_renders_readably(big):
    assert len(big.nodes) >= 55
    view = GraphView()
    view.render(big, 0)
    view.show(big.steps)
    drawing = view.drawing
    assert drawing.scale >= 0.72                    # labels never shrink below ~6 pt
    boxes = [(x - drawing.box_width / 2, y - drawing.box_height / 2,
              x + drawing.box_width / 2, y + drawing.box_height / 2)
             for x, y in drawing.centres.values()]
    for i, a in enumerate(boxes):                   # no two nodes overlap
        for b in boxes[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
    assert "scroll" in view.note.value


def test_a_graph_too_big_to_draw_says_so_and_steps_on():
    import tutor.autograd.numpy as anp

    def chain(x):
        for _ in range(400):
            x = anp.sin(x)
        return x

    recording = record(chain, 0.5)
    with pytest.raises(GraphTooBig, match="too big to draw"):
        GraphDrawing(recording)
    view = GraphView()
    view.render(recording, 0)
    view.show(3)
    assert "No picture" in view.note.value and view.png() is None
    assert view.canvas.children == ()


# ------------------------------------------------------------------------ the inspector

def test_inspector_marks_the_current_line_and_fills_in_numbers(seed):
    inspector = Inspector()
    inspector.render(seed, 9)
    assert "Backward step 3 of 9" in inspector.step_html
    assert "ḡ_v0 += ḡ_v8 · v1 = 1.0 · 2.0 = 2.0" in inspector.step_html
    marked = [line for line in inspector.listing_html.split("</div>") if "▶" in line]
    assert len(marked) == 1 and "[ 9]" in marked[0]
    assert inspector.table_html.count("<tr") == 1 + len(seed.nodes)
    assert inspector.value == inspector.step_html + inspector.listing_html + inspector.table_html
    inspector.show(0)
    assert "Start" in inspector.step_html and "▶" not in inspector.listing_html


def test_inspector_says_when_contributions_add_up(seed):
    accumulating = next(step for step in seed.backward if step.accumulates)
    inspector = Inspector()
    inspector.render(seed, accumulating.index)
    assert "contributions add up" in inspector.step_html


def test_gradient_appears_when_the_backward_pass_is_complete(seed):
    view = GradientView()
    view.render(seed, seed.steps - 1)
    assert "∂f/∂x = ?" in view.text
    view.render(seed, seed.steps)
    assert "∂f/∂x = 4" in view.value and view.text == "f = 6   ∂f/∂x = 4"
    by_y = record_text(SEED, 1.0, 2.0, argnum=1)
    view.render(by_y, by_y.steps)
    assert "∂f/∂y = 5" in view.text


# ----------------------------------------------------------------------- the stepper

def test_stepper_buttons_and_slider_move_the_state(seed):
    state, area = StepState(), ErrorArea()
    stepper = Stepper(state, area)
    state.load(seed)
    assert stepper.status.value == "forward 0/6" and stepper.slider.max == seed.steps
    stepper.forward.click()
    assert (state.k, stepper.status.value, stepper.slider.value) == (1, "forward 1/6", 1)
    stepper.slider.value = 8
    assert stepper.status.value == "backward 2/9"
    stepper.back.click()
    assert state.k == 7
    stepper.to_end.click()
    assert stepper.status.value == "backward 9/9" and stepper.forward.disabled
    stepper.slider.value = 4                       # a tick of Play moves the slider
    assert state.k == 4
    stepper.reset.click()
    assert state.k == 0 and stepper.back.disabled
    stepper.speed.value = 5
    assert stepper.play.interval == 200
    assert area.message == ""


def test_loading_a_shorter_recording_keeps_the_controls_in_range(seed):
    state = StepState()
    stepper = Stepper(state, ErrorArea())
    state.load(seed, k=seed.steps)
    short = record_text("sin(x)", 1.0)
    state.load(short)
    assert (state.k, stepper.slider.max, stepper.slider.value) == (0, short.steps, 0)


# ---------------------------------------------------------------------- the explorer

@pytest.mark.parametrize("text, values, message", [
    ("log(x**2 +", "x=1", "syntax error"),
    ("__import__('os')", "", "names starting with _ are not allowed"),
    ("foo(x)", "x=1", "unknown function"),
    ("x.real", "x=1", "attribute access is not allowed"),
    ("x*y", "x=abc", "The values cannot be read: a value must be a number"),
    ("x*y", "x=1, z=2", "unknown variable"),
    ("4*5 + 2", "", "no variable"),
    ("log(x)", "x=-1", "log of a negative number gives nan at v1 = log(v0), where v0 = -1.0"),
    ("sqrt(x) + 1", "x=-4", "square root of a negative number gives nan"),
    ("x / y", "x=1, y=0", "division by zero gives inf"),
    ("exp(x)", "x=1000", "overflows to inf"),
])
def test_bad_input_is_refused_with_a_message(text, values, message):
    with pytest.raises(InputProblem, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("*", r"\*")):
        make_recording(text, values)


def test_new_variables_get_defaults_and_wrt_falls_back_to_the_first():
    recording, expression, values = make_recording("x*y + z", "y=3", wrt="w")
    assert values == {"x": 1.0, "y": 3.0, "z": 1.0}
    assert recording.wrt == "x"


def test_explorer_keeps_the_last_good_recording_and_says_what_went_wrong():
    area = ErrorArea()
    explorer = Explorer(area)
    received = []
    explorer.on_recording(received.append)
    good = explorer.submit()
    assert good is not None and received == [good] and area.message == ""
    explorer.expression.value = "log(x"                 # what pressing Enter sends
    assert "syntax error" in area.message
    assert explorer.recording is good and received == [good]
    explorer.expression.value = "x*z"                   # y is gone, z is new: it is said
    assert area.message == "z had no value: using z = 1 (change it in the values box)."
    assert area.kind == "warning"
    assert explorer.values.value == "x=1, z=1"
    assert explorer.wrt.options == ("x", "z")
    explorer.wrt.value = "z"
    assert explorer.recording.wrt == "z" and len(received) == 3


def test_every_example_loads_and_teaches_what_it_says():
    area = ErrorArea()
    explorer = Explorer(area)
    for example in EXAMPLES:
        explorer.examples.value = example.title
        recording = explorer.recording
        assert area.message == "", example.title
        assert recording.wrt == example.wrt
        assert explorer.expression.value == example.expression
        assert np.all(np.isfinite(recording.gradient)), example.title
        assert example.lesson in explorer.note.value
    gradients = {example.title.split(":")[0]: make_recording(
        example.expression, example.values, example.wrt)[0].gradient for example in EXAMPLES}
    assert gradients["The seed's f"] == pytest.approx(4.0)
    assert gradients["Operator precedence"] == pytest.approx(5.0)
    assert gradients["Product of three"] == pytest.approx(8.0)
    assert gradients["Difference of squares"] == pytest.approx(6.0)
    assert gradients["Sigmoid"] == pytest.approx(0.25)
    assert gradients["ReLU switched off"] == 0.0
    assert gradients["Taylor series of exp (about 60 nodes)"] == pytest.approx(np.e, rel=1e-7)


def test_an_infinite_derivative_is_shown_with_a_warning():
    area = ErrorArea()
    explorer = Explorer(area, expression="sqrt(x)", values="x=0")
    recording = explorer.submit()
    assert recording is not None and recording.gradient == np.inf
    assert area.kind == "warning" and "not finite" in area.message


# ------------------------------------------------------------------------------ export

def test_backward_gif_has_a_title_one_frame_per_backward_step_and_the_result(seed, tmp_path):
    path = backward_gif(seed, tmp_path / "backward.gif", fps=4, hold=2)
    with open(path, "rb") as file:
        assert file.read(6) == b"GIF89a"
    with Image.open(path) as gif:
        assert gif.n_frames == 1 + len(seed.backward) + 1 + 1     # title, graph frames, result
        assert gif.size == GraphDrawing(seed, caption=True).size
        assert gif.info["duration"] == 250 * 3          # the title stays up longer
        gif.seek(1)
        assert gif.info["duration"] == 250
        gif.seek(gif.n_frames - 1)
        assert gif.info["duration"] == 250 * 3          # and so does the result


def test_gif_bytes_of_both_passes(fan_out):
    data = gif_bytes(fan_out, include_forward=True)
    with Image.open(io.BytesIO(data)) as gif:
        assert gif.n_frames == fan_out.steps + 1 + 2


# ------------------------------------------------------------ what a node says about itself

def test_relu_is_drawn_as_relu_of_its_one_input():
    recording, _, _ = make_recording("relu(w*x + b)", "w=1, x=-2, b=0.5", "w")
    relu = recording.nodes[recording.output]
    assert (relu.label, relu.symbol, relu.primitive) == ("relu", "relu", "maximum")
    assert len(relu.parents) == 1                         # no constant 0.0 beside it
    assert not [info for info in recording.nodes.values() if info.kind == "constant"]
    step = recording.forward[-1]
    assert step.line == f"{relu.id} = relu({relu.parents[0]}) = 0.0"
    assert f"ḡ_{relu.id} · [{relu.parents[0]} ≥ 0.0]" in recording.backward[0].line
    from tutor.widgets.alt_text import graph_description
    sentence = graph_description(recording, len(recording.forward))
    assert f"{relu.id} (relu((w · x) + b)) = 0.0" in sentence and "constant" not in sentence
    assert "max" not in graph_description(recording, len(recording.forward) + 1)
    drawing = GraphDrawing(recording)
    assert drawing._title(relu.id).startswith("relu")
    # relu of a vector, in both modes: the gradient is the one maximum(x, 0) has
    for mode in ("reverse", "forward"):
        vector, _, _ = make_recording("sum(relu(x))", "x=[1, -2, 3]", "x", mode=mode)
        assert [info.label for info in vector.nodes.values()] == ["x", "relu", "Σ"]
        if mode == "reverse":
            assert np.array_equal(vector.gradient, [1.0, 0.0, 1.0])


def test_a_maximum_of_two_variables_stays_a_max_node():
    recording, _, _ = make_recording("maximum(x, y)", "x=1, y=0", "x")
    assert recording.nodes[recording.output].label == "max"
    assert len(recording.nodes[recording.output].parents) == 2


def test_every_array_node_states_its_shape():
    recording, _, _ = make_recording("sum(x * y) + mean(W @ x)",
                                     "x=[1, 2, 3], y=[0.5, 1, 2], W=[[1, 0, 1], [0, 1, 0]]",
                                     "x")
    drawing = GraphDrawing(recording)
    for k in (0, len(recording.forward), recording.steps):
        looks = drawing.looks_at(recording.state_at(k))
        for node_id, info in recording.nodes.items():
            shape = np.shape(info.value)
            body = looks[node_id][1]
            if shape:
                size = "×".join(map(str, shape))
                assert f"{node_id} ({size})" in body or f"{node_id}: {size}" in body, body
                for line in body.splitlines():
                    if line.startswith(ADJOINT):          # an adjoint has its node's shape
                        assert line.startswith((f"{ADJOINT} ({size})", f"{ADJOINT}: {size}"))
            else:
                assert "(" not in body.splitlines()[0], (k, body)
    end = drawing.looks_at(recording.state_at(recording.steps))
    assert end[recording.inputs["x"]][1].splitlines()[0] == "v0 (3) = [1, 2, 3]"
    assert "v2 (2×3) =" in end[recording.inputs["W"]][1]
