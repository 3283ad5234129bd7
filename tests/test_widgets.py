"""The dashboard's views, one at a time, driven from Python: each shows (recording, k)."""

import io
import json

import numpy as np
import pytest
from PIL import Image

from tutor.expression import parse
from tutor.notation import ADJOINT
from tutor.record import record
from tutor.widgets import (EXAMPLES, ErrorArea, Explorer, RecordingPlayer, StepperView,
                           StepState, backward_gif, gif_bytes, guarded, make_recording,
                           status_text, story_of)
from tutor.widgets.explorer import InputProblem, SEED
from tutor.widgets.picture import GraphPicture, GraphTooBig

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


# ---------------------------------------------------------------------- the stepper view

def test_the_view_gets_the_story_once_and_python_can_move_k(seed):
    view = StepperView(seed)
    sent = json.loads(view.story)
    assert sent == json.loads(json.dumps(story_of(seed), ensure_ascii=False))
    assert (view.k, view.status, view.steps) == (0, "forward 0/6", 15)
    view.forward()
    assert (view.k, view.status) == (1, "forward 1/6")
    view.go(8)
    assert view.status == "backward 2/9"
    view.back()
    assert view.k == 7
    view.to_end()
    assert view.status == "backward 9/9"
    view.go(10_000)                                   # clamped, as the page clamps
    assert view.k == seed.steps
    view.reset()
    assert view.k == 0
    view.speed = 50
    assert view.speed == 10
    assert "tutor-stepper-view" in view._dom_classes


def test_a_player_keeps_its_state_and_the_page_in_step(seed):
    player = RecordingPlayer(seed, k=3)
    assert player.state.k == player.view.k == 3 and player.stepper is player.view
    player.view.k = 9                                 # the page stepped: the state follows
    assert player.state.k == 9
    player.state.go(2)                                # Python moved the state: the page too
    assert player.view.k == 2
    short = record_text("sin(x)", 1.0)
    story_before = player.view.story
    player.state.load(short)
    assert player.view.recording is short and player.view.story != story_before
    assert (player.view.k, player.view.status) == (0, "forward 0/1")
    assert "tutor-player" in player._dom_classes and player.error in player.children


def test_a_new_recording_unpins_and_stops_playing(seed):
    view = StepperView(seed)
    view.pinned, view.playing = "v3", True
    view.show(record_text("x*y", 1.0, 2.0), k=2)
    assert (view.pinned, view.playing, view.k) == ("", False, 2)


def test_a_picture_of_a_graph_too_big_to_draw_says_so():
    import tutor.autograd.numpy as anp

    def chain(x):
        for _ in range(1500):
            x = anp.sin(x)
        return x

    with pytest.raises(GraphTooBig, match="too big to draw"):
        GraphPicture(record(chain, 0.5))


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
        assert gif.size == GraphPicture(seed).size
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
    from tutor.widgets import step_text
    sentence = step_text(recording, len(recording.forward))
    assert f"{relu.id} (relu((w · x) + b)) = 0.0" in sentence and "constant" not in sentence
    assert "max" not in step_text(recording, len(recording.forward) + 1)
    assert story_of(recording)["nodes"][-1]["title"].startswith("relu")
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
    told = story_of(recording)
    boxes = {}                                    # node id -> every body its box shows
    for node in told["nodes"]:
        boxes[node["id"]] = [node["look"]]
    for step in told["steps"][1:]:
        for position, *look in step["looks"]:
            boxes[told["nodes"][position]["id"]].append(look)
    for node_id, looks in boxes.items():
        shape = np.shape(recording.nodes[node_id].value)
        for _, value, *derivative in looks:
            lines = told["values"][value]["lines"]
            if shape:
                size = "×".join(map(str, shape))
                assert lines[0].startswith((f"{node_id} ({size})", f"{node_id}: {size}"))
                for entry in derivative:              # an adjoint has its node's shape
                    assert told["values"][entry]["lines"][0].startswith(
                        (f"{ADJOINT} ({size})", f"{ADJOINT}: {size}"))
            else:
                assert "(" not in lines[0], lines
    x = told["nodes"][0]
    assert told["values"][x["look"][1]]["lines"] == ["v0 (3) = [1.0, 2.0, 3.0]"]


def test_a_step_the_page_made_in_the_recording_before_is_not_taken_for_one_of_the_new(seed):
    """The page steps while the kernel is busy; by the time its message arrives, Python has
    loaded another recording. The step belongs to the old story: the page is put right."""
    player = RecordingPlayer(seed)
    old = player.view.story_id
    player.view.set_state({"k": 5, "step": f"{old}:5"})               # the page stepped
    assert player.state.k == 5
    player.state.load(record_text("x*y*y", 1.0, 2.0))                 # Python moved on
    assert player.view.step == f"{player.view.story_id}:0"
    player.view.set_state({"k": 8, "step": f"{old}:8"})               # a late message
    assert player.state.k == 0                        # not taken for a step of the new one
    player.view.set_state({"k": 3, "step": f"{player.view.story_id}:3"})   # the next step
    assert player.state.k == 3
