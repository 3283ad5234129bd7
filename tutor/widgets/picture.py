"""The graph at a step as a picture (matplotlib), for the GIF export.

The page draws a recording as SVG in the browser (:mod:`tutor.widgets.stepper`); a GIF is
a file, so its frames are drawn here, from the same two things: the layout of
:func:`tutor.graph.layered_layout` (columns, rows, routes) and the per-step look of
:func:`tutor.graph.look_at` (each node's status, value and adjoint or tangent, the edges
the step uses), written by :mod:`tutor.notation` and coloured by :mod:`.palette`.

    picture = GraphPicture(recording)
    picture.frame(7)              # a Pillow image of step 7, with its caption under it

Each box is as big as the largest text its node shows at any step, so nothing moves from
frame to frame.
"""

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Patch
from PIL import Image

from ..graph import layered_layout, look_at, look_changes, step_edges, to_networkx
from ..notation import ADJOINT, TANGENT, edge_label, heat, is_small, unknown_lines, value_lines
from .palette import (EDGE_COLOURS, KIND_BORDERS, MODE_STATUSES, STATUS_BORDERS,
                      STATUS_COLOURS, STATUS_LABELS, TEXT)
from .words import status_text

__all__ = ["GraphPicture", "GraphTooBig", "DPI"]

DPI = 96
FONT = 7.5                       # points, node text (monospace)
CHAR, LINE = 0.6 * FONT / 72, 1.3 * FONT / 72       # inches per character and per line
TITLE = 0.17                     # inches for a box's heading line
PAD = 0.06
HEAT = 0.32                      # inches for a heatmap under a big array's lines
COLUMN_GAP, ROW_GAP, MARGIN = 0.5, 0.12, 0.15
ROUTE_ROW = 0.12                 # inches for a row only edges pass through
LEGEND, CAPTION = 0.4, 0.46      # inches above and under the graph
MAX_PIXELS = 16_000, 30_000_000  # longest side, and area, of a picture we draw
SAMPLES = 12                     # points per curve piece


class GraphTooBig(ValueError):
    """The recording's picture would be too big to draw."""


def _node_texts(recording, symbol):
    """node id -> every list of body lines it shows at some step, and whether a heatmap."""
    start = look_at(recording, 0, highlight=False).nodes
    seen = {node_id: [look] for node_id, look in start.items()}
    for changed in look_changes(recording, highlight=False):
        for node_id, look in changed.items():
            seen[node_id].append(look)
    texts = {}
    for node_id, looks in seen.items():
        info = recording.nodes[node_id]
        bodies, heats = [], 0
        for look in looks:
            body = _body(node_id, info.value, look, symbol)
            bodies.append(body)
            heats = max(heats, sum(1 for value in (look.value, look.derivative)
                                   if _heat_of(value) is not None))
        texts[node_id] = (bodies, heats)
    return texts


def _body(node_id, template, look, symbol):
    lines = value_lines(node_id, look.value) if look.known else unknown_lines(node_id, template)
    if look.derivative is not None:
        lines += value_lines(symbol, look.derivative)
    return lines


def _heat_of(value):
    return None if value is None or is_small(value) else heat(value)


class GraphPicture:
    """A recording's graph, drawn at any step by :meth:`frame` (see the module doc)."""

    def __init__(self, recording, dpi=DPI):
        self.recording = recording
        self.dpi = dpi
        self.symbol = TANGENT if recording.mode == "forward" else ADJOINT
        self._place()
        pixels = self.width * dpi, self.height * dpi
        if max(pixels) > MAX_PIXELS[0] or pixels[0] * pixels[1] > MAX_PIXELS[1]:
            raise GraphTooBig(f"this graph has {len(recording.nodes)} nodes: its picture "
                              f"would be {pixels[0]:.0f} x {pixels[1]:.0f} pixels, too big "
                              f"to draw")
        self.figure = Figure(figsize=(self.width, self.height), dpi=dpi, facecolor="white")
        self.canvas = FigureCanvasAgg(self.figure)
        self.size = self.canvas.get_width_height()
        self.axes = self.figure.add_axes((0, 0, 1, 1))
        self.axes.set_xlim(0, self.width)
        self.axes.set_ylim(self.height, 0)        # y down, as the grid's rows go
        self.axes.set_axis_off()
        self._draw_legend()
        self._draw_edges()
        self._draw_nodes()
        self.highlight = LineCollection([], linewidths=2.4, zorder=4)
        self.axes.add_collection(self.highlight)
        self.labels = []
        self.caption = self.axes.text(MARGIN, self.height - CAPTION / 2, "", va="center",
                                      fontsize=8, color=TEXT, linespacing=1.3)

    # -- where things go -----------------------------------------------------------------

    def _place(self):
        recording = self.recording
        layout = layered_layout(to_networkx(recording))
        self.texts = _node_texts(recording, self.symbol)
        sizes = {}
        for node_id, (bodies, heats) in self.texts.items():
            chars = max([len(recording.nodes[node_id].label)]
                        + [len(line) for body in bodies for line in body])
            lines = max(len(body) for body in bodies)
            sizes[node_id] = (max(0.7, chars * CHAR + 2 * PAD),
                              2 * PAD + TITLE + lines * LINE + heats * (HEAT + 0.04))
        widths = [0.7] * layout.width
        heights = [ROUTE_ROW] * layout.height
        for node_id, (width, height) in sizes.items():
            column, row = layout.columns[node_id], layout.rows[node_id]
            widths[column] = max(widths[column], width)
            heights[row] = max(heights[row], height)
        labels = [len(edge_label(edge.value, edge.broadcast))
                  for k in range(1, recording.steps + 1)
                  for edge in step_edges(recording, recording.step(k)) if edge.value is not None]
        gap = max([COLUMN_GAP] + [chars * CHAR + 0.25 for chars in labels])
        self.column_at = list(np.cumsum([MARGIN] + [w + gap for w in widths[:-1]]))
        self.row_at = list(np.cumsum([MARGIN + LEGEND] + [h + ROW_GAP for h in heights[:-1]]))
        self.column_width, self.row_height = widths, heights
        self.width = max(5.5, self.column_at[-1] + widths[-1] + MARGIN)
        self.height = self.row_at[-1] + heights[-1] + MARGIN + CAPTION
        self.boxes = {}
        for node_id, (width, height) in sizes.items():
            column, row = layout.columns[node_id], layout.rows[node_id]
            self.boxes[node_id] = (self.column_at[column] + (widths[column] - width) / 2,
                                   self.row_at[row] + (heights[row] - height) / 2,
                                   width, height)
        self.layout = layout

    def _curve(self, parent, child, port, ports):
        """Points of the edge from parent to child's port, through its route's free slots."""
        x, y, width, height = self.boxes[parent]
        points = [(x + width, y + height / 2)]
        for column, row in self.layout.routes.get((parent, child), ()):
            middle = self.row_at[row] + self.row_height[row] / 2
            points += [(self.column_at[column], middle),
                       (self.column_at[column] + self.column_width[column], middle)]
        x, y, width, height = self.boxes[child]
        offset = (port / (ports - 1) - 0.5) * 0.5 if ports > 1 else 0.0
        points.append((x, y + height * (0.5 + offset)))
        t = np.linspace(0, 1, SAMPLES)[:, None]
        pieces = [np.array(points[:1])]
        for (x0, y0), (x1, y1) in zip(points, points[1:]):
            reach = (x1 - x0) / 2
            p0, p1 = np.array([x0, y0]), np.array([x0 + reach, y0])
            p2, p3 = np.array([x1 - reach, y1]), np.array([x1, y1])
            pieces.append(((1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * p1
                           + 3 * (1 - t) * t ** 2 * p2 + t ** 3 * p3)[1:])
        return np.vstack(pieces), points[-2]

    # -- drawing once --------------------------------------------------------------------

    def _draw_legend(self):
        mode = self.recording.mode
        handles = [Patch(facecolor=STATUS_COLOURS[status], edgecolor="#616161",
                         label=STATUS_LABELS[status]) for status in MODE_STATUSES[mode]]
        columns = len(handles) if self.width >= 7 else 3
        self.axes.legend(handles=handles, loc="upper center", ncol=columns, frameon=False,
                         fontsize=7, handlelength=1.2, columnspacing=1.0,
                         bbox_to_anchor=(0.5, 1.0))

    def _draw_edges(self):
        self.curves = {}
        curves, heads = [], []
        for child, info in self.recording.nodes.items():
            for port, (parent, argnum) in enumerate(zip(info.parents, info.argnums)):
                curve, before = self._curve(parent, child, port, len(info.parents))
                self.curves[parent, child, argnum] = (curve, before)
                curves.append(curve)
                heads.append(self._head(curve[-1], 1))
        self.axes.add_collection(LineCollection(curves, colors=EDGE_COLOURS["edge"],
                                                linewidths=0.9, zorder=1))
        self.axes.add_collection(PolyCollection(heads, facecolors=EDGE_COLOURS["edge"],
                                                edgecolors="none", zorder=1))

    @staticmethod
    def _head(tip, direction):
        """An arrowhead with its tip at ``tip``, pointing right (1) or left (-1)."""
        x, y = tip
        return [(x, y), (x - 0.08 * direction, y - 0.035), (x - 0.08 * direction, y + 0.035)]

    def _draw_nodes(self):
        self.patches, self.bodies, self.heats = {}, {}, {}
        for node_id, info in self.recording.nodes.items():
            x, y, width, height = self.boxes[node_id]
            patch = FancyBboxPatch((x, y), width, height, boxstyle="round,pad=0,rounding_size=0.05",
                                   linewidth=1.0, zorder=2)
            self.axes.add_patch(patch)
            self.patches[node_id] = patch
            title = info.label + ("  → f" if node_id == self.recording.output else "")
            self.axes.text(x + width / 2, y + PAD + TITLE / 2, title, ha="center", va="center",
                           fontsize=FONT + 0.5, fontweight="bold", family="monospace",
                           color=TEXT, zorder=3)
            self.bodies[node_id] = self.axes.text(x + PAD, y + PAD + TITLE, "", va="top",
                                                  fontsize=FONT, family="monospace",
                                                  color=TEXT, linespacing=1.3, zorder=3)
            self.heats[node_id] = []

    # -- one step ------------------------------------------------------------------------

    def frame(self, k):
        """A Pillow RGB image of the graph after ``k`` steps, with its caption."""
        look = look_at(self.recording, k)
        for node_id, node in look.nodes.items():
            self._show_node(node_id, node)
        self._show_edges(look.edges)
        self.caption.set_text(self.caption_at(k))
        self.canvas.draw()
        return Image.fromarray(np.asarray(self.canvas.buffer_rgba())[..., :3].copy())

    def _show_node(self, node_id, node):
        info = self.recording.nodes[node_id]
        patch = self.patches[node_id]
        patch.set_facecolor(STATUS_COLOURS[node.status])
        colour, width, style = STATUS_BORDERS.get(node.status) or KIND_BORDERS[info.kind]
        patch.set_edgecolor(colour)
        patch.set_linewidth(width * 0.75)
        patch.set_linestyle("--" if style == "dashed" else "-")
        body = _body(node_id, info.value, node, self.symbol)
        self.bodies[node_id].set_text("\n".join(body))
        for image in self.heats[node_id]:
            image.remove()
        self.heats[node_id] = []
        x, y, width, height = self.boxes[node_id]
        top = y + PAD + TITLE + len(body) * LINE + 0.02
        for value in (node.value, node.derivative):
            picture = _heat_of(value)
            if picture is None:
                continue
            cells = np.array(picture["cells"]).reshape(picture["rows"], picture["columns"])
            self.heats[node_id].append(self.axes.imshow(
                cells, cmap="RdBu_r", vmin=-10, vmax=10, interpolation="nearest",
                extent=(x + PAD, x + width - PAD, top + HEAT, top), aspect="auto", zorder=3))
            top += HEAT + 0.04
        self.axes.set_xlim(0, self.width)               # imshow moves the limits: put them back
        self.axes.set_ylim(self.height, 0)

    def _show_edges(self, edges):
        for label in self.labels:
            label.remove()
        self.labels = []
        lines, colour = [], EDGE_COLOURS["edge"]
        for edge in edges:
            curve, before = self.curves[edge.parent, edge.child, edge.argnum]
            lines.append(curve)
            colour = EDGE_COLOURS[edge.kind]
            if edge.value is not None:
                end = curve[-1]
                self.labels.append(self.axes.text(
                    (before[0] + end[0]) / 2, (before[1] + end[1]) / 2 + 0.12 * len(self.labels),
                    edge_label(edge.value, edge.broadcast), ha="center", va="center",
                    fontsize=FONT, fontweight="bold", family="monospace", color=colour, zorder=5,
                    bbox=dict(boxstyle="round,pad=0.2", facecolor="white", edgecolor=colour,
                              linewidth=0.8)))
        self.highlight.set_segments(lines)
        self.highlight.set_color(colour)

    def caption_at(self, k):
        """``backward 3/9:  ḡ_v0 += ...``, split before the new adjoint when too long."""
        if k <= 0:
            return "start: the inputs are known; the forward pass comes next"
        text = f"{status_text(self.recording, k)}:  {self.recording.step(k).line}"
        fits = int((self.width - 2 * MARGIN) / 0.068)
        if len(text) > fits and "  →  " in text:
            first, rest = text.split("  →  ", 1)
            text = f"{first}\n    →  {rest}"
        return text
