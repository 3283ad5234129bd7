"""The stepper's colours and borders: one palette for the page and for the GIF.

A node's fill says its status at the step shown (see :data:`tutor.graph.STATUSES`); the
current node and the node receiving an adjoint also have borders of their own, so that no
two states differ by colour alone. Node kinds (input, constant, operation, output) are told
apart by their borders. ``tests/test_palette.py`` checks the contrast of text on every fill
and that the states shown together stay apart for the common colour-vision deficiencies.

The page gets the palette as CSS custom properties (:func:`css_variables`, sent with the
recording), so ``stepper.css`` holds no colour of its own.
"""

__all__ = ["STATUS_COLOURS", "STATUS_LABELS", "STATUS_BORDERS", "KIND_BORDERS",
           "MODE_STATUSES", "EDGE_COLOURS", "TEXT", "css_variables"]

STATUS_COLOURS = {
    "pending": "#eeeeee",     # not computed yet
    "computed": "#cfe2ff",    # value known
    "adjoint": "#c8ecc4",     # adjoint received (so far)
    "current": "#ffb74d",     # the step just taken computed it / applies its VJP
    "receiving": "#f48fb1",   # the step just taken added to its adjoint
    "tangent": "#d1c4e9",     # forward mode: value and tangent known
}
STATUS_LABELS = {
    "pending": "not computed yet",
    "computed": "value computed",
    "adjoint": "has an adjoint ḡ",
    "current": "current step",
    "receiving": "receives an adjoint",
    "tangent": "value and tangent ẋ known",
}
# (colour, width in pixels, "solid" or "dashed")
STATUS_BORDERS = {
    "current": ("#212121", 2.5, "solid"),
    "receiving": ("#212121", 2.5, "dashed"),
}
KIND_BORDERS = {
    "input": ("#1565c0", 2.0, "solid"),
    "constant": ("#757575", 1.0, "dashed"),
    "operation": ("#616161", 1.0, "solid"),
    "output": ("#b71c1c", 2.0, "solid"),
}
# Which statuses a recording of each mode shows (and its legend lists; forward mode shows
# "computed" on its constants only, so a recording without constants leaves it out).
MODE_STATUSES = {"reverse": ("pending", "computed", "adjoint", "current", "receiving"),
                 "forward": ("pending", "computed", "tangent", "current")}
EDGE_COLOURS = {
    "edge": "#9e9e9e",        # every edge
    "forward": "#ef6c00",     # the edges a forward step reads
    "tangent": "#5e35b1",     # forward mode: the tangent terms flowing into a node
    "backward": "#c2185b",    # the edge an adjoint contribution travels back along
}
TEXT = "#212121"
DASH = "5 3"                  # how a dashed border is drawn (SVG stroke-dasharray)


def css_variables():
    """The palette as CSS custom properties: ``--tutor-fill-current``,
    ``--tutor-stroke-input``, ``--tutor-width-input``, ``--tutor-dash-receiving``,
    ``--tutor-edge-backward``, ``--tutor-text``."""
    variables = {f"--tutor-fill-{status}": colour for status, colour in STATUS_COLOURS.items()}
    for name, (colour, width, style) in {**KIND_BORDERS, **STATUS_BORDERS}.items():
        variables[f"--tutor-stroke-{name}"] = colour
        variables[f"--tutor-width-{name}"] = f"{width}px"
        variables[f"--tutor-dash-{name}"] = DASH if style == "dashed" else "none"
    variables.update({f"--tutor-edge-{name}": colour for name, colour in EDGE_COLOURS.items()})
    variables["--tutor-text"] = TEXT
    return variables
