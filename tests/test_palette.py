"""The graph's colours for every learner: readable text, and node states that stay apart
without colour and for the common colour-vision deficiencies.

Colour-vision deficiencies are simulated with the matrices of Machado, Oliveira and Fernandes
(2009) at full severity, applied to linear RGB; distances are CIE76 ΔE in CIELAB (about 2.3
is the smallest difference most people notice).
"""

import itertools

import numpy as np
import pytest
from matplotlib.colors import to_rgb

from tutor.expression import parse
from tutor.graph import look_at
from tutor.notation import ADJOINT
from tutor.record import record
from tutor.widgets import story_of
from tutor.widgets.palette import (EDGE_COLOURS, KIND_BORDERS, MODE_STATUSES, STATUS_BORDERS,
                                   STATUS_COLOURS, TEXT, css_variables)

SIMULATIONS = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                   [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                   [0.004733, 0.691367, 0.303900]],
}
# The states that appear together in one recording's picture.
MODES = MODE_STATUSES


def linear(colour):
    channels = np.array(to_rgb(colour))
    return np.where(channels <= 0.04045, channels / 12.92, ((channels + 0.055) / 1.055) ** 2.4)


def luminance(colour):
    red, green, blue = linear(colour)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(a, b):
    """WCAG's contrast ratio of two colours (1 to 21)."""
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def lab(rgb_linear):
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ rgb_linear
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > 0.008856, np.cbrt(t), 7.787 * t + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def seen_as(colour, deficiency):
    matrix = np.eye(3) if deficiency == "normal" else np.array(SIMULATIONS[deficiency])
    return lab(np.clip(matrix @ linear(colour), 0, 1))


@pytest.mark.parametrize("status", sorted(STATUS_COLOURS))
def test_node_text_is_readable_on_every_state_colour(status):
    assert contrast(TEXT, STATUS_COLOURS[status]) >= 4.5


@pytest.mark.parametrize("kind", ["backward", "tangent"])
def test_the_contribution_label_is_readable_on_white(kind):
    assert contrast(EDGE_COLOURS[kind], "#ffffff") >= 4.5


def test_every_colour_reaches_the_page_as_a_css_property():
    variables = css_variables()
    assert variables["--tutor-fill-current"] == STATUS_COLOURS["current"]
    assert variables["--tutor-dash-receiving"] != variables["--tutor-dash-current"] == "none"
    assert variables["--tutor-edge-backward"] == EDGE_COLOURS["backward"]
    rec = record(parse("x*y"), 1.0, 2.0)
    assert story_of(rec)["palette"] == variables


@pytest.mark.parametrize("deficiency", ["normal", *SIMULATIONS])
def test_states_shown_together_stay_apart_for_colour_vision_deficiencies(deficiency):
    for mode, statuses in MODES.items():
        for a, b in itertools.combinations(statuses, 2):
            distance = np.linalg.norm(seen_as(STATUS_COLOURS[a], deficiency)
                                      - seen_as(STATUS_COLOURS[b], deficiency))
            assert distance >= 5, f"{mode}: {a} and {b} look alike with {deficiency}"


def test_every_state_also_shows_without_colour():
    """Pending nodes read ``= ?``, nodes with an adjoint have a ḡ line, and the current and
    the receiving node have borders of their own: no two states differ only in colour."""
    rec = record(parse("log(x**2) + y**2 + x*y"), 1.0, 2.0)
    told = story_of(rec)
    seen = {}
    for k in range(rec.steps + 1):
        for node_id, node in look_at(rec, k).nodes.items():
            lines = ([f"{node_id} = ?"] if not node.known else [f"{node_id} = value"]) + (
                [f"{ADJOINT} = ..."] if node.derivative is not None else [])
            seen.setdefault(node.status, []).append("\n".join(lines))
    assert all(body.endswith("= ?") for body in seen["pending"])
    assert all(ADJOINT not in body and "?" not in body for body in seen["computed"])
    assert all(ADJOINT in body for body in seen["adjoint"])
    assert set(seen) == {"pending", "computed", "adjoint", "current", "receiving"}
    pending = [entry for entry in told["values"] if entry.get("text") == "?"]
    assert pending and all(entry["lines"][0].endswith("= ?") for entry in pending)
    borders = {**KIND_BORDERS, **STATUS_BORDERS}
    assert borders["current"][1:] != borders["receiving"][1:]       # width or dashes differ
    for kind in KIND_BORDERS:                   # the two marked states stand out from every kind
        assert borders[kind][1:] not in (borders["current"][1:], borders["receiving"][1:])
