"""One training iteration as a stepper story: an example's loss, then the weights' updates.

:func:`tutor.widgets.story.story_of` turns the example's recorded loss into the stepper's
JSON: the forward pass at the iteration's parameters, then the backward pass, VJP by VJP,
down to every parameter's adjoint ``ḡ_w``. :func:`iteration_story` adds what makes it an
iteration of gradient descent: an *update* pass (``counts.update`` steps, see
``stepper/story.js``), one step per parameter, ``w ← w − η · ḡ_w``, where ``ḡ_w`` is the
batch gradient, the mean of every example's adjoint of ``w`` (this example's is one of
them). A step of the update pass gives the parameter's node its new value; its adjoint
stays the example's.
"""

from ..notation import ADJOINT, value_lines, value_text
from .story import _entry, story_of
from .words import HEADING, STATUS, status_text

__all__ = ["iteration_story", "update_status", "UPDATE_STATUS", "UPDATE_HEADING"]

UPDATE_STATUS = "update {i}/{n}"
UPDATE_HEADING = "Update step {i} of {n}."


def _number(value):
    return value_text(value) if value_text(value)[0] != "-" else f"({value_text(value)})"


def _update_line(name, old, mean, new, rate):
    """``b3 ← b3 − η · mean ḡ_b3 = 0.1 − 0.3 · (−0.2) = 0.16``: names, then numbers (these
    spelled out for a single number only; an array gets its result)."""
    names = f"{name} ← {name} − η · mean {ADJOINT}_{name} = "
    if getattr(new, "ndim", 0):
        return [names, value_text(new)]
    return [names, f"{value_text(old)} − {rate:g} · {_number(mean)}", " = ", value_text(new)]


def update_status(iteration, k):
    """The stepper's status line at step ``k`` of ``iteration``'s story: ``forward 3/12``,
    ``backward 2/17`` or ``update 1/6``."""
    steps = iteration.recording.steps
    if k <= steps:
        return status_text(iteration.recording, k)
    return UPDATE_STATUS.format(i=k - steps, n=len(iteration.names))


def iteration_story(iteration):
    """The story (plain data, :mod:`tutor.widgets.story`'s contract) of ``iteration``, an
    :class:`tutor.train.Iteration`: its example's loss stepped through, then one update
    step per parameter."""
    recording = iteration.recording
    story = story_of(recording)
    position = {node["id"]: index for index, node in enumerate(story["nodes"])}
    last_look = {index: node["look"] for index, node in enumerate(story["nodes"])}
    for step in story["steps"][1:]:
        for node, *look in step["looks"]:
            last_look[node] = look
    examples, rate = iteration.examples, iteration.learning_rate
    first = len(story["steps"])
    names = iteration.names
    story["listing"][-1:-1] = [{"text": f"update ({len(names)} steps): every parameter moves "
                                        f"against the batch gradient, the mean of the "
                                        f"{examples} examples' {ADJOINT}, with η = {rate:g}:"}]
    for number, name in enumerate(names):
        node_id = recording.inputs[name]
        node = position[node_id]
        old, new = iteration.params[name], iteration.updated[name]
        mean, own = iteration.batch_gradient[name], recording.gradients[name]
        story["values"].append(_entry(value_lines(node_id, new), new))
        status, _, *derivative = last_look[node]
        notes = []
        if number == 0:
            notes.append(f"The batch gradient is the mean of the {examples} examples' "
                         f"gradients: this example's {ADJOINT}_{name} is one of the "
                         f"{examples} terms averaged, so it moves {name} by a "
                         f"{examples}th of η times its own adjoint.")
        if number == len(names) - 1:
            notes.append(f"Done: every parameter has taken its step. Iteration "
                         f"{iteration.number + 1} starts from these values.")
        story["steps"].append({
            "sentence": f"{name} moves against the batch gradient: {name} ← {name} − η · "
                        f"mean {ADJOINT}_{name}, with η = {rate:g} and mean {ADJOINT}_{name} "
                        f"= {value_text(mean)} (this example's own {ADJOINT}_{name} is "
                        f"{value_text(own)}); {name} is now {value_text(new)}.",
            **({"notes": notes} if notes else {}),
            "line": _update_line(name, old, mean, new, rate),
            "node": node,
            "edges": [],
            "looks": [[node, status, len(story["values"]) - 1, *derivative]],
        })
        story["listing"].insert(-1, {"step": first + number})
    total = len(story["steps"]) - 1
    story["counts"]["update"] = len(names)
    story["templates"] = {**story["templates"],
                          "status": {**STATUS, "update": UPDATE_STATUS},
                          "heading": {**HEADING, "update": UPDATE_HEADING},
                          "width": len(str(total))}
    story["title"] = f"example {iteration.example}'s loss, iteration {iteration.number}"
    story["result"] = {
        "parts": [f"example {iteration.example}'s loss = ", value_text(recording.value),
                  f"   batch loss (the mean of {examples}) = ", value_text(iteration.batch_loss)],
        "known": [len(recording.forward), len(recording.forward)],
        "pending": f"(step on: the backward pass, then every parameter's update with "
                   f"η = {rate:g})"}
    return story
