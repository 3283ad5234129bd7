"""A tiny network learning (tutor.train) and the Train tab driven from Python (issue 26).

The numbers first: data sets made from a seed, the network's scores, the batch gradient as
the mean of the examples' gradients (and each example's recorded adjoints equal to ``grad``
and to finite differences), gradient descent lowering the loss, the same numbers again after
a reset. Then an iteration as a stepper story, ending with one update step per parameter.
Then the tab itself, its buttons, slider and points pressed from Python as the page does.
"""

import json
import math

import numpy
import pytest

from tutor.autograd import grad
from tutor.notation import number_text, value_text
from tutor.train import (DATASETS, LOSSES, NETWORKS, Diverged, Stopped, Training, batch_loss,
                         example_loss, init_params, make_data, parameter_names, scores)
from tutor.widgets.train import TrainPanel
from tutor.widgets.train_story import iteration_story, update_status


@pytest.fixture(scope="module")
def trained():
    """The tab's default training after 5 iterations."""
    training = Training()
    for _ in range(5):
        training.step()
    return training


# ------------------------------------------------------------------------------ data

@pytest.mark.parametrize("dataset", DATASETS)
def test_each_data_set_is_a_few_dozen_labelled_points_and_the_seed_decides_them(dataset):
    inputs, labels = make_data(dataset, seed=3)
    assert inputs.shape == (60, 2) and labels.shape == (60,)
    assert set(labels.tolist()) == {-1.0, 1.0}
    assert 15 <= numpy.sum(labels > 0) <= 45
    again, _ = make_data(dataset, seed=3)
    other, _ = make_data(dataset, seed=4)
    assert numpy.array_equal(inputs, again) and not numpy.array_equal(inputs, other)
    assert numpy.all(numpy.abs(inputs) < 2)


def test_an_unknown_data_set_or_loss_is_refused_by_name():
    with pytest.raises(ValueError, match="moons"):
        make_data("spirals")
    with pytest.raises(ValueError, match="hinge"):
        Training(loss="cross-entropy")
    with pytest.raises(ValueError, match="positive"):
        Training(learning_rate=-1)


# --------------------------------------------------------------------------- network

@pytest.mark.parametrize("hidden", NETWORKS.values())
def test_the_network_scores_one_point_or_a_batch_alike(hidden):
    params = init_params(hidden, seed=0)
    assert tuple(params) == parameter_names(hidden)
    assert params["W1"].shape == (2, hidden[0])
    assert numpy.shape(params[f"W{len(hidden) + 1}"]) == (hidden[-1],)
    batch = make_data("moons")[0][:5]
    together = scores(params, batch)
    one_by_one = [scores(params, point) for point in batch]
    assert together.shape == (5,) and numpy.ndim(one_by_one[0]) == 0
    assert numpy.allclose(together, one_by_one, rtol=0, atol=1e-14)


# ---------------------------------------------------------------------------- losses

@pytest.mark.parametrize("loss", LOSSES)
def test_the_batch_gradient_is_the_mean_of_the_examples_gradients(loss, trained):
    training = Training(loss=loss)
    training.step()
    recordings = [training.example_recording(i) for i in range(len(training.labels))]
    for name in training.names:
        mean = sum(rec.gradients[name] for rec in recordings) / len(recordings)
        assert numpy.allclose(mean, training.gradient[name], rtol=0, atol=1e-12), name
    assert math.isclose(numpy.mean([rec.value for rec in recordings]), training.loss,
                        abs_tol=1e-12)


@pytest.mark.parametrize("loss", LOSSES)
def test_an_examples_recorded_adjoints_are_grad_and_finite_differences(loss):
    training = Training(loss=loss, dataset="xor")
    for _ in range(3):
        training.step()
    example = 11
    rec = training.example_recording(example)
    function = example_loss(loss, training.inputs[example], training.labels[example],
                            training.names)
    params = [training.params[name] for name in training.names]
    assert list(rec.inputs) == list(training.names)        # the graph's inputs: W1, b1, ...
    for argnum, name in enumerate(training.names):
        exact = grad(function, argnum)(*params)
        assert numpy.allclose(rec.gradients[name], exact, rtol=0, atol=1e-12)
        flat = numpy.array(params[argnum], dtype=float).ravel()
        for index in range(flat.size):                      # central differences
            def moved(step, index=index):
                changed = flat.copy()
                changed[index] += step
                args = list(params)
                args[argnum] = changed.reshape(numpy.shape(params[argnum]))
                return function(*args)
            numeric = (moved(1e-6) - moved(-1e-6)) / 2e-6
            assert math.isclose(numpy.ravel(exact)[index], numeric, abs_tol=1e-6), name


def test_the_losses_say_what_they_compute():
    s, y = numpy.array([2.0, -0.5]), numpy.array([1.0, 1.0])
    assert numpy.allclose(LOSSES["logistic"].of(s, y), numpy.log1p(numpy.exp(-s)))
    assert numpy.allclose(LOSSES["hinge"].of(s, y), [0.0, 1.5])
    assert numpy.allclose(LOSSES["mse"].of(s, y), [1.0, 2.25])


# -------------------------------------------------------------------------- training

@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("loss", LOSSES)
def test_gradient_descent_lowers_the_loss(dataset, loss):
    training = Training(dataset=dataset, loss=loss)
    for _ in range(100):
        training.step()
    assert training.iteration == 100 and len(training.losses) == 101
    assert training.loss < 0.6 * training.losses[0]
    assert numpy.mean(numpy.sign(training.predictions()) == training.labels) >= 0.8


def test_an_iteration_steps_against_the_batch_gradient(trained):
    t = trained.iteration
    after = trained.updated()
    for name in trained.names:
        assert numpy.allclose(after[name], trained.params[name]
                              - trained.learning_rate * trained.gradient[name], rtol=0, atol=0)
    loss = batch_loss(dict(after), trained.loss_name, trained.inputs, trained.labels)
    trained.step()
    assert trained.iteration == t + 1
    assert trained.loss == pytest.approx(float(loss), abs=1e-15)
    trained.go(t)


def test_reset_and_replay_give_the_same_numbers_from_the_same_seed():
    first = Training(dataset="circles", loss="hinge", learning_rate=1.0, seed=7)
    for _ in range(12):
        first.step()
    losses = first.losses
    first.reset()
    assert first.iteration == 0 and first.latest == 0
    for _ in range(12):
        first.step()
    assert first.losses == losses                   # exactly: the same arithmetic
    assert Training(dataset="circles", loss="hinge", learning_rate=1.0, seed=7).loss == losses[0]
    assert Training(dataset="circles", loss="hinge", learning_rate=1.0, seed=8).loss != losses[0]


def test_going_back_keeps_the_iterations_taken_and_a_new_rate_forgets_the_later_ones():
    training = Training()
    for _ in range(6):
        training.step()
    training.go(2)
    assert (training.iteration, training.latest) == (2, 6)
    params = dict(training.params)
    training.step()                                   # replayed, not recomputed
    assert training.iteration == 3 and training.latest == 6
    with pytest.raises(IndexError, match="0 to 6"):
        training.go(7)
    training.go(2)
    training.learning_rate = 0.03
    assert training.latest == 2 and dict(training.params) == params
    training.step()
    assert training.latest == 3


def test_a_loss_that_is_no_longer_a_number_stops_the_training_and_says_why():
    training = Training(learning_rate=1e6)
    with pytest.raises(Diverged, match="too big"):
        for _ in range(20):
            training.step()
    stuck = training.iteration
    with pytest.raises(Diverged):
        training.step()
    assert training.iteration == stuck and not math.isfinite(training.loss)


def test_a_training_stops_at_the_most_iterations_it_keeps(monkeypatch):
    monkeypatch.setattr("tutor.train.MOST_ITERATIONS", 3)
    training = Training()
    for _ in range(3):
        training.step()
    with pytest.raises(Stopped, match="as many as this tab keeps"):
        training.step()
    training.go(1)
    training.step()                                  # going over kept ones is fine
    assert training.iteration == 2


def test_the_boundary_is_the_scores_over_a_square_around_the_points(trained):
    grid = trained.boundary(8)
    x_min, x_max, y_min, y_max = trained.bounds()
    assert grid.shape == (8, 8)
    assert x_max - x_min == pytest.approx(y_max - y_min)
    assert grid[0, 0] == pytest.approx(float(scores(dict(trained.params),
                                                    numpy.array([x_min, y_max]))))
    assert numpy.all(trained.inputs > [x_min, y_min]) and numpy.all(trained.inputs < [x_max, y_max])


# --------------------------------------------------------------------- the story

def test_an_iteration_story_ends_with_one_update_step_per_parameter(trained):
    iteration = trained.at(3)
    rec = iteration.recording
    story = iteration_story(iteration)
    n = rec.steps
    assert story["counts"] == {"forward": len(rec.forward), "backward": len(rec.backward),
                               "update": 6}
    assert len(story["steps"]) == n + 7
    json.dumps(story)                                   # plain data
    nodes = [node["id"] for node in story["nodes"]]
    for number, name in enumerate(trained.names):
        step = story["steps"][n + 1 + number]
        assert step["node"] == nodes.index(rec.inputs[name])
        assert step["sentence"].startswith(f"{name} moves against the batch gradient")
        assert story["values"][step["looks"][0][2]]["text"] == value_text(iteration.updated[name])
        assert "".join(step["line"]).startswith(f"{name} ← {name} − η · mean ḡ_{name} = ")
    last = story["steps"][-1]
    b3 = iteration.params["b3"] - trained.learning_rate * trained.gradient["b3"]
    assert last["line"][-1] == value_text(b3)
    assert "mean of the 60 examples' gradients" in story["steps"][n + 1]["notes"][0]
    assert story["listing"][-1]["parts"][0] == "result: f = "   # the recording's own result
    assert [entry.get("step") for entry in story["listing"][-7:-1]] == list(range(n + 1, n + 7))
    assert update_status(iteration, n) == f"backward {len(rec.backward)}/{len(rec.backward)}"
    assert update_status(iteration, n + 2) == "update 2/6"
    assert story["templates"]["heading"]["update"] == "Update step {i} of {n}."


# ----------------------------------------------------------------------- the tab

@pytest.fixture
def panel():
    panel = TrainPanel()
    panel.sent = []
    panel.view.send = panel.sent.append       # what the page would receive
    return panel


def press(panel, **message):
    """What the page sends when a button is pressed, a point clicked, the slider moved."""
    panel.view._handle_custom_msg(message, [])
    return panel.sent[-1]


def test_the_tab_opens_at_iteration_0_with_the_graph_at_the_end_of_it(panel):
    frame = panel.view.frame
    assert frame["iteration"] == 0 and frame["loss"] == number_text(panel.training.loss)
    assert panel.stepper.k == panel.stepper.steps == panel.iteration.recording.steps + 6
    assert panel.stepper.status == "update 6/6"
    assert len(frame["grid"]) == 32 * 32 and all(-100 <= level <= 100 for level in frame["grid"])
    assert "mean of the examples' gradients" in frame["mean"] and "(1/60)" in frame["mean"]
    assert len(panel.view.numbers) == 2 * 4 + 4 + 4 * 4 + 4 + 4 + 1
    assert "tutor-train" in panel._dom_classes


def test_play_asks_for_one_iteration_at_a_time_and_each_is_answered(panel):
    for expected in (1, 2, 3):
        answer = press(panel, do="step", playing=True, ticket=expected + 10)
        assert answer == {"did": "step", "stop": False}
        assert panel.view.frame["iteration"] == expected
        assert panel.view.frame["ticket"] == expected + 10      # the frame answers it
        assert panel.stepper.k == panel.stepper.steps        # playing: the end of it
    assert [point[0] for point in panel.view.frame["curve"]] == [0, 1, 2, 3]


def test_a_busy_page_skips_the_graph_and_gets_it_again_once_paused(panel):
    press(panel, do="step", playing=True, ticket=1)
    story = panel.stepper.story
    press(panel, do="step", playing=True, ticket=2, graph=False)
    assert panel.view.frame["iteration"] == 2 and panel.view.frame["ticket"] == 2
    assert panel.stepper.story == story and panel.iteration.number == 1
    assert "example 0's loss alone, at iteration 1" in panel.view.frame["mean"]
    press(panel, do="show")                                 # what Pause asks
    assert panel.iteration.number == 2 and panel.stepper.k == panel.stepper.steps
    assert json.loads(panel.stepper.story)["title"] == "example 0's loss, iteration 2"
    assert "at iteration 2" in panel.view.frame["mean"]


def test_a_single_step_keeps_the_stepper_where_the_learner_was(panel):
    panel.stepper.k = 20
    press(panel, do="step")
    assert panel.view.frame["iteration"] == 1 and panel.stepper.k == 20
    press(panel, do="step", k=12)                 # the page's k (Python's may lag behind)
    assert panel.view.frame["iteration"] == 2 and panel.stepper.k == 12
    press(panel, do="choose", example=3, k=14)
    assert panel.stepper.k == 14
    panel.stepper.k = panel.stepper.steps - 1               # inside the update pass
    assert panel.stepper.k == panel.stepper.steps - 1       # (not clamped to the backward's)
    assert panel.stepper.status == "update 5/6"


def test_the_numbers_table_has_this_examples_adjoint_and_the_update(panel):
    press(panel, do="choose", example=9)
    iteration = panel.iteration
    row = next(row for row in panel.view.numbers if row["name"] == "W2[1,3]")
    own = grad(example_loss("logistic", iteration.point, iteration.label, iteration.names),
               2)(*[iteration.params[name] for name in iteration.names])
    assert abs(float(row["own"]) - own[1, 3]) < 1e-9
    assert abs(float(row["mean"]) - iteration.batch_gradient["W2"][1, 3]) < 1e-9
    assert abs(float(row["after"]) - iteration.updated["W2"][1, 3]) < 1e-9
    assert row["afterAt"] == iteration.recording.steps + 3
    backward = [step.index for step in iteration.recording.backward
                if step.parent == iteration.recording.inputs["W2"]]
    assert row["ownAt"] == max(backward)


def test_reset_and_the_slider_replay_the_same_numbers(panel):
    for _ in range(10):
        press(panel, do="step", playing=True)
    ten = panel.view.frame["loss"]
    press(panel, do="reset")
    assert panel.view.frame["iteration"] == 0 and panel.view.frame["latest"] == 0
    for _ in range(10):
        press(panel, do="step")
    assert panel.view.frame["loss"] == ten
    press(panel, do="go", iteration=4)
    assert panel.view.frame["iteration"] == 4 and panel.view.frame["latest"] == 10
    assert panel.view.frame["loss"] == number_text(panel.training.losses[4])


def test_clicking_a_point_shows_that_examples_graph(panel):
    press(panel, do="choose", example=42)
    assert panel.view.example == 42 and panel.iteration.example == 42
    assert panel.view.frame["example"].startswith("Example 42: the point (")
    assert json.loads(panel.stepper.story)["title"] == "example 42's loss, iteration 0"
    answer = press(panel, do="choose", example=60)
    assert answer["stop"] and panel.error.message == "there is no example 60: choose 0 to 59"
    assert panel.view.example == 42                      # nothing lost


def test_the_menus_start_a_new_training_and_the_rate_applies_from_now_on(panel):
    for _ in range(3):
        press(panel, do="step")
    panel.rate.value = 1.0
    assert panel.training.learning_rate == 1.0 and panel.view.frame["iteration"] == 3
    assert panel.view.frame["rate"] == "1"
    panel.dataset.value = "xor"
    assert panel.training.dataset == "xor" and panel.view.frame["iteration"] == 0
    assert panel.training.learning_rate == 1.0
    panel.network.value = "2 → 8 → 1"
    assert panel.view.data["layers"] == [2, 8, 1]
    assert list(panel.iteration.recording.inputs) == ["W1", "b1", "W2", "b2"]
    assert panel.stepper.status == "update 4/4"
    panel.loss.value = "mse"
    assert "(s − y)**2" in panel.loss.label


def test_a_diverging_training_stops_playing_and_says_why(panel):
    panel.training.learning_rate = 1e6
    panel.view.playing = True
    answers = [press(panel, do="step", playing=True) for _ in range(20)]
    assert any(answer["stop"] for answer in answers)
    assert panel.view.playing is False
    assert "too big" in panel.error.message and panel.error.kind == "warning"
    assert panel.view.frame["loss"] in ("inf", "nan")


def test_an_unexpected_failure_is_one_line_and_the_tab_carries_on(panel, monkeypatch):
    def broken():
        raise RuntimeError("the disk is on fire")
    monkeypatch.setattr(panel.training, "step", broken)
    answer = press(panel, do="step", playing=True)
    assert answer["stop"]                                  # the page stops asking
    assert panel.error.message == ("Something went wrong while training: RuntimeError: the "
                                   "disk is on fire")
    monkeypatch.undo()
    press(panel, do="step")
    assert panel.view.frame["iteration"] == 1
