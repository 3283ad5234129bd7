"""The computation graph, drawn with matplotlib and updated in place, one step at a time.

:class:`GraphDrawing` draws a :class:`~tutor.record.Recording` once: a box per node (its
operation, value and adjoint), a curve per edge, a legend. Moving to another step changes
only what that step changed: a few boxes' colours and numbers, and the highlighted edge.

Why so careful? Stepping must feel instant (a click should update the page within about
100 ms), and drawing text is what costs: matplotlib needs a millisecond or more per line of
text, so redrawing every label of a 60-node graph on each step would take a few hundred
milliseconds. So the drawing works like an old video game's sprites:

1. Once per recording, everything that never changes (edges, arrowheads, legend) is drawn
   into an Agg canvas and its pixels are kept as the *background*.
2. The nodes (a matplotlib patch each) and the highlight are drawn on top. The drawing
   remembers how each node looks (its colour and text) and which pixels each one covers.
3. To show step ``k``, it works out how every node should look at ``k`` and compares. Only
   the rectangles that must change are copied back from the background (which erases
   them), and only what lies inside them is drawn again, in the same order as a full
   drawing, so the picture is identical to one drawn from scratch.
4. Node texts are not laid out again each time: :class:`TextStamps` rasterises each
   distinct text once and afterwards blends the stored pixels in.

Edges are drawn from the parent's right side to a port on the child's left (argument 0
highest); an edge that skips columns is routed through the gaps between the boxes of the
columns it crosses.

:class:`GraphView` shows the canvas in the dashboard as a stack of PNG strips and re-sends
only the strips a step changed. The GIF export (:mod:`tutor.widgets.export`) reuses the same
drawing.

**Big graphs.** Up to about 60 nodes the drawing fits a normal screen. For more, boxes and
fonts shrink down to 72 % of their normal size; beyond that the picture simply gets bigger
and :class:`GraphView` shows it in a scrollable box, with a note saying so. Labels never
shrink below about 6 points and nodes never overlap, so a big graph is a large picture to
scroll, never a hairball.
"""

import math
import struct
import zlib

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch, Patch, PathPatch
from matplotlib.colors import to_rgb
from matplotlib.transforms import Bbox, TransformedBbox
from PIL import Image

from ..graph import layered_layout, to_networkx
from ..notation import TANGENT
SMALL_ARRAY = 6
from ..shapes import shape_text
from .common import ADJOINT, short_value

__all__ = ["GraphDrawing", "GraphView", "GraphTooBig", "STATUS_COLOURS", "STATUS_LABELS",
           "STATUS_BORDERS",
           "node_value_lines"]

# What a node's fill colour says about it at the current step.
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
    "adjoint": f"has an adjoint {ADJOINT}",
    "current": "current step",
    "receiving": "receives an adjoint",
    "tangent": f"value and tangent {TANGENT} known",
}
# The current node and the node receiving an adjoint also differ by their border (colour,
# width, style), so that no two states differ by fill colour alone.
STATUS_BORDERS = {
    "current": ("#212121", 2.4, "solid"),
    "receiving": ("#212121", 2.4, (0, (3, 1.6))),
}
# Which statuses the legend shows, by the recording's mode.
MODE_STATUSES = {"reverse": ("pending", "computed", "adjoint", "current", "receiving"),
                 "forward": ("pending", "tangent", "current")}
FORWARD_EDGE = "#ef6c00"      # edges a forward step reads
TANGENT_EDGE = "#5e35b1"      # forward mode: the tangent terms flowing into a node
BACKWARD_EDGE = "#c2185b"     # the edge an adjoint contribution travels back along
EDGE = "#9e9e9e"
TEXT = "#212121"
# Border (colour, width, style) by kind of node.
BORDERS = {
    "input": ("#1565c0", 2.0, "solid"),
    "constant": ("#9e9e9e", 1.0, (0, (2, 2))),
    "operation": ("#616161", 1.0, "solid"),
    "output": ("#b71c1c", 2.0, "solid"),
}

# Geometry in inches at full size (scale 1). The axes' data units *are* inches, so shapes are
# never stretched.
BOX_WIDTH, BOX_HEIGHT = 1.25, 0.64
COLUMN_PITCH, ROW_PITCH = 1.8, 0.86
MARGIN = 0.15
TITLE_SIZE, BODY_SIZE = 9.5, 7.8          # font sizes in points
MAX_WIDTH, MAX_HEIGHT = 13.0, 6.6         # inches before the picture needs scrolling
MIN_WIDTH = 6.6                           # room for the legend
MIN_SCALE = 0.72                          # smallest shrink factor (fonts stay >= 5.6 pt)
CAPTION_HEIGHT = 0.5                      # room for two lines of caption
DPI = 96
MAX_PIXELS = 16_000, 30_000_000           # longest side, and area, of a picture we draw


class GraphTooBig(ValueError):
    """The recording's picture would be too big to draw (see :data:`MAX_PIXELS`)."""


class TextStamps:
    """Text drawn once, then stamped wherever it is needed: a cache of coverage masks.

    Drawing text is the slow part of matplotlib (glyph layout and rasterising: about a
    millisecond a line), and a node's texts come back again and again: its title never
    changes, and its value line stays the same while its colour changes. So each distinct
    text (with its font) is drawn once, onto a small transparent canvas of its own. How
    opaque each pixel came out is the text's *coverage* ``a`` (0 where the text is not, 1 in
    the middle of a stroke). Stamping the text onto a coloured box is then a blend of two
    arrays, ``pixel = box · (1 - a) + ink · a``: what Agg does when it draws text, without
    the layout and rasterising.

    ``TextStamps.shared(dpi)`` is one cache per resolution, shared by every drawing, so
    ``+``, ``×`` or ``v3 = 1.0`` are rasterised once per session.
    """

    LIMIT = 20_000                 # masks kept before the cache starts afresh
    _shared = {}

    @classmethod
    def shared(cls, dpi):
        if dpi not in cls._shared:
            cls._shared[dpi] = cls(dpi)
        return cls._shared[dpi]

    def __init__(self, dpi, ink=TEXT):
        self.figure = Figure(figsize=(3.2, 1.2), dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        self.text = self.figure.text(0.5, 0.5, "", ha="center", color="black")
        width, height = self.canvas.get_width_height()
        self.anchor = (height - 0.5 * height, 0.5 * width)      # (row, column) of (0.5, 0.5)
        self.ink = np.array(to_rgb(ink), dtype=np.float32) * 255
        self.masks = {}

    def mask(self, string, font):
        """``(coverage, row offset, column offset)`` of ``string`` relative to its anchor."""
        key = (string, font)
        found = self.masks.get(key)
        if found is not None:
            return found
        size, weight, va, linespacing = font
        self.text.set(text=string, fontsize=size, fontweight=weight, va=va,
                      linespacing=linespacing)
        renderer = self.canvas.get_renderer()
        renderer.clear()                                  # transparent
        self.text.draw(renderer)
        coverage = np.asarray(renderer.buffer_rgba())[..., 3]
        rows, columns = np.nonzero(coverage)
        if len(rows) == 0:
            found = (np.zeros((0, 0, 1), dtype=np.float32), 0, 0)
        else:
            top, left = rows.min(), columns.min()
            crop = coverage[top:rows.max() + 1, left:columns.max() + 1]
            found = ((crop[..., None] / np.float32(255)).astype(np.float32),
                     int(top - self.anchor[0]), int(left - self.anchor[1]))
        if len(self.masks) >= self.LIMIT:
            self.masks.clear()
        self.masks[key] = found
        return found

    def stamp(self, pixels, string, font, anchor, clip):
        """Blend ``string`` into ``pixels`` with its anchor at ``anchor`` (row, column),
        inside the rectangle ``clip`` (row0, row1, col0, col1)."""
        coverage, row_offset, column_offset = self.mask(string, font)
        top = int(round(anchor[0])) + row_offset
        left = int(round(anchor[1])) + column_offset
        row0, row1 = max(top, clip[0]), min(top + coverage.shape[0], clip[1])
        col0, col1 = max(left, clip[2]), min(left + coverage.shape[1], clip[3])
        if row0 >= row1 or col0 >= col1:
            return
        alpha = coverage[row0 - top:row1 - top, col0 - left:col1 - left]
        region = pixels[row0:row1, col0:col1, :3]
        region[...] = (region * (1 - alpha) + self.ink * alpha + 0.5).astype(np.uint8)


HEATMAP_HEIGHT = 0.42                     # inches a big array's heatmap adds to the boxes


def _is_big_array(value):
    """An array too big to write out in a node (drawn as its shape and a heatmap)."""
    return (isinstance(value, np.ndarray) and value.ndim > 0 and not _is_small_array(value)
            and value.dtype.kind in "biuf")


def _is_small_array(value):
    """Up to :data:`~tutor.record.SMALL_ARRAY` numbers in a row, or a matrix up to 3×3:
    written out element by element in its node."""
    value = np.asarray(value)
    return value.ndim == 1 and value.size <= SMALL_ARRAY or (
        value.ndim == 2 and value.shape[0] <= 3 and value.shape[1] <= 3)


def _element_text(number):
    text = f"{float(number):.3g}"
    return "0" if text in ("0", "-0") else text


def node_value_lines(name, value):
    """The lines a node's box shows for one value (its own, its adjoint or its tangent).

    ``v3 = 2.0`` for a number; every array says its shape: ``v3 (3) = [1, 2, 3]`` for a
    short vector; for a small matrix, ``v3 (2×2) =`` and then one line per row; for a bigger
    array its shape and mean (and the box adds a heatmap). An adjoint (``name`` ``ḡ``) or
    tangent (``ẋ``) always has the shape of its node, so it is written the same way, under
    the value.
    """
    if not isinstance(value, np.ndarray) or value.ndim == 0:
        return [f"{name} = {short_value(value)}"]
    if value.dtype.kind not in "biuf" or value.size == 0:
        return [f"{name} = {shape_text(value.shape)}"]
    if _is_small_array(value):
        if value.ndim == 1:
            return [f"{name} ({shape_text(value.shape)}) = "
                    f"[{', '.join(_element_text(v) for v in value)}]"]
        rows = ["[" + ", ".join(_element_text(v) for v in row) + "]" for row in value]
        return [f"{name} ({shape_text(value.shape)}) ="] + rows
    return [f"{name}: {shape_text(value.shape)}, mean {float(np.mean(value)):.2g}"]


def _unknown_line(node_id, value):
    """A node whose value is not known yet: ``v3 = ?``, with its shape when it will be an
    array (``v3 (2×3) = ?``): the shape follows from the inputs', the numbers are to come."""
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return f"{node_id} ({shape_text(value.shape)}) = ?"
    return f"{node_id} = ?"


def edge_text(value):
    """What an edge's label says a step sent along it: ``0.5403``, ``[1, 2, 3]`` (a small
    array, element by element, when short enough), ``2×3`` (a bigger one: its shape)."""
    if isinstance(value, np.ndarray) and value.ndim > 0:
        if _is_small_array(value) and value.ndim == 1:
            text = "[" + ", ".join(_element_text(v) for v in value) + "]"
            if len(text) <= 18:
                return text
        return shape_text(value.shape)
    return short_value(value, 14)


class GraphDrawing:
    """A matplotlib drawing of ``recording`` that can show any step ``k`` quickly.

    ``show(k)`` updates the canvas in place; ``png()`` returns its pixels as PNG bytes and
    ``rgba()`` as an array (height x width x 4). After each ``show``, ``changed`` lists the
    pixel rectangles it redrew, as (first row, last row + 1, first column, last column + 1).
    ``caption=True`` adds a line of text under the graph with the current step (the GIF
    export uses it; the dashboard has the inspector). ``k`` is the step shown, None before
    the first ``show``; ``size`` is the picture's (width, height) in pixels.
    """

    def __init__(self, recording, *, caption=False, dpi=DPI):
        self.recording = recording
        self.dpi = dpi
        self.k = None
        self._ids = list(recording.nodes)
        self._caption_height = CAPTION_HEIGHT if caption else 0.0
        self._place_nodes()
        self._build_figure()
        self._build_edges()
        self._build_nodes()
        self._build_highlight()
        self._build_caption(caption)
        self._looks = None            # how each node looks on the canvas now
        self._shown_highlight = None  # which highlight is on the canvas now
        self._shown_caption = None

    # -- geometry ---------------------------------------------------------------------

    def _place_nodes(self):
        """Turn the layered layout's (column, place) into centres in inches."""
        positions = {node: (float(column), -float(row)) for node, (column, row)
                     in layered_layout(to_networkx(self.recording)).positions.items()}
        columns = sorted({round(x, 6) for x, _ in positions.values()})
        column_of = {x: i for i, x in enumerate(columns)}
        by_column = {}
        for x, y in positions.values():
            by_column.setdefault(round(x, 6), []).append(y)
        gaps = [b - a for ys in by_column.values() for a, b in zip(sorted(ys), sorted(ys)[1:])
                if b - a > 1e-9]
        unit = min(gaps) if gaps else 1.0
        ys = [y for _, y in positions.values()]
        top = max(ys) if ys else 0.0
        rows = {node: (top - y) / unit for node, (_, y) in positions.items()}
        n_columns = len(columns) or 1
        n_rows = (max(rows.values()) + 1) if rows else 1

        grow_x, grow_y = self._box_growth()
        column_pitch, row_pitch = COLUMN_PITCH + grow_x, ROW_PITCH + grow_y
        full_width = (n_columns - 1) * column_pitch + BOX_WIDTH + grow_x + 2 * MARGIN
        full_height = (n_rows - 1) * row_pitch + BOX_HEIGHT + grow_y + 2 * MARGIN
        scale = min(1.0, MAX_WIDTH / full_width, MAX_HEIGHT / full_height)
        self.scale = scale = max(scale, MIN_SCALE)
        self.box_width = (BOX_WIDTH + grow_x) * scale
        self.box_height = (BOX_HEIGHT + grow_y) * scale
        content_width = (n_columns - 1) * column_pitch * scale + self.box_width
        content_height = (n_rows - 1) * row_pitch * scale + self.box_height
        self.width = max(MIN_WIDTH, content_width + 2 * MARGIN)
        self._legend_columns = 5 if self.width >= 8.2 else 3
        legend_rows = math.ceil(6 / self._legend_columns)
        self._header_height = 0.2 * legend_rows + 0.12
        self.height = (content_height + 2 * MARGIN + self._header_height
                       + self._caption_height)
        longest, area = MAX_PIXELS
        pixels = self.width * self.dpi, self.height * self.dpi
        if max(pixels) > longest or pixels[0] * pixels[1] > area:
            raise GraphTooBig(
                f"this graph has {len(self._ids)} nodes in {n_columns} columns: its picture "
                f"would be {pixels[0]:.0f} x {pixels[1]:.0f} pixels, too big to draw")
        left = (self.width - content_width) / 2 + self.box_width / 2
        top_y = self.height - self._header_height - MARGIN - self.box_height / 2
        self.centres, self.column = {}, {}
        for node in self._ids:
            x, _ = positions[node]
            self.column[node] = column_of[round(x, 6)]
            self.centres[node] = (left + column_of[round(x, 6)] * column_pitch * scale,
                                  top_y - rows[node] * row_pitch * scale)

    def _box_growth(self):
        """How much wider and taller (inches at full size) than a scalar node's box the
        boxes must be for this recording's arrays: room for the elements of small arrays
        (value and adjoint or tangent, row by row) and for the heatmap of big ones."""
        self._heatmapped = {node_id for node_id, info in self.recording.nodes.items()
                            if _is_big_array(info.value)}
        lines, chars = 2, 14
        for node_id, info in self.recording.nodes.items():
            value_lines = node_value_lines(node_id, info.value)
            derivative_lines = node_value_lines(ADJOINT, info.value)
            lines = max(lines, len(value_lines) + len(derivative_lines))
            chars = max(chars, *(len(line) for line in value_lines + derivative_lines))
        grow_x = max(0.0, chars * 0.056 + 0.16 - BOX_WIDTH)
        grow_y = (lines - 2) * BODY_SIZE * 1.15 / 72 + (HEATMAP_HEIGHT if self._heatmapped
                                                         else 0.0)
        return grow_x, grow_y

    def _build_figure(self):
        self.figure = Figure(figsize=(self.width, self.height), dpi=self.dpi,
                             facecolor="white")
        self.canvas = FigureCanvasAgg(self.figure)
        self.size = self.canvas.get_width_height()      # pixels: (width, height)
        ax = self.axes = self.figure.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, self.width)
        ax.set_ylim(0, self.height)
        ax.set_axis_off()
        mode = getattr(self.recording, "mode", "reverse")
        handles = [Patch(facecolor=STATUS_COLOURS[s],
                         edgecolor=STATUS_BORDERS.get(s, ("#616161",))[0],
                         linewidth=STATUS_BORDERS.get(s, (None, 1.0))[1] * 0.6,
                         linestyle=STATUS_BORDERS.get(s, (None, None, "solid"))[2],
                         label=STATUS_LABELS[s]) for s in MODE_STATUSES[mode]]
        if mode == "forward":
            handles.append(Line2D([], [], color=TANGENT_EDGE, lw=2.2,
                                  label=f"tangent terms flowing in (ẋ_parent's share)"))
        else:
            handles.append(Line2D([], [], color=BACKWARD_EDGE, lw=2.2,
                                  label="adjoint flowing back (+ contribution)"))
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 1.0),
                  ncol=self._legend_columns, frameon=False, fontsize=7.5,
                  handlelength=1.3, columnspacing=1.1, borderaxespad=0.25)

    def _curve(self, start, end, samples=16):
        """Points of a smooth S-curve from ``start`` to ``end``, leaving and arriving level."""
        (x0, y0), (x3, y3) = start, end
        reach = max(0.35 * abs(x3 - x0), 0.15)
        t = np.linspace(0.0, 1.0, samples)[:, None]
        p0, p1 = np.array([x0, y0]), np.array([x0 + reach, y0])
        p2, p3 = np.array([x3 - reach, y3]), np.array([x3, y3])
        return ((1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * p1
                + 3 * (1 - t) * t ** 2 * p2 + t ** 3 * p3)

    def _route(self, start, end, first_column, last_column):
        """A curve from ``start`` to ``end`` that passes *between* the boxes of the columns it
        crosses (columns ``first_column + 1 .. last_column - 1``).

        In each column crossed, the curve's height is where a straight line would be, unless
        that is inside a box: then it moves to the nearer gap just above or below. The curve
        is then a chain of S-shaped pieces through those points, level at each of them, so
        it runs horizontally through the gaps. (The layout reserves these gaps: it counts a
        long edge as a chain of invisible nodes when ordering the columns.)
        """
        points = [start]
        margin = 0.05 * self.scale
        for column in range(first_column + 1, last_column):
            x = self._column_x[column]
            fraction = (x - start[0]) / (end[0] - start[0])
            y = start[1] + fraction * (end[1] - start[1])
            for centre_y in self._column_ys.get(column, ()):
                low = centre_y - self.box_height / 2 - margin
                high = centre_y + self.box_height / 2 + margin
                if low < y < high:
                    y = low if y - low < high - y else high
                    break
            points.append((x, y))
        points.append(end)
        pieces = [self._curve(a, b, 12 if len(points) > 2 else 16)
                  for a, b in zip(points, points[1:])]
        return np.vstack([pieces[0]] + [piece[1:] for piece in pieces[1:]])

    def _build_edges(self):
        """One curve per (parent, child, argument): from the parent's right side to a port on
        the child's left side (argument 0 highest), ending in an arrowhead."""
        self.head_length = 0.1 * self.scale
        self.head_half_width = 0.05 * self.scale
        self._column_x, self._column_ys = {}, {}
        for node, (x, y) in self.centres.items():
            self._column_x[self.column[node]] = x
            self._column_ys.setdefault(self.column[node], []).append(y)
        self.edges = {}         # (child, argnum) -> (parent, curve points, arrowhead)
        self._incoming = {}     # child -> [(child, argnum), ...]
        for child, info in self.recording.nodes.items():
            count = len(info.parents)
            cx, cy = self.centres[child]
            for position, (parent, argnum) in enumerate(zip(info.parents, info.argnums)):
                offset = 0.0 if count == 1 else (0.5 - position / (count - 1)) * 0.5
                px, py = self.centres[parent]
                tip = (cx - self.box_width / 2, cy + offset * self.box_height)
                base = (tip[0] - self.head_length, tip[1])
                curve = self._route((px + self.box_width / 2, py), base,
                                    self.column[parent], self.column[child])
                head = np.array([tip, (base[0], base[1] + self.head_half_width),
                                 (base[0], base[1] - self.head_half_width)])
                self.edges[child, argnum] = (parent, curve, head)
                self._incoming.setdefault(child, []).append((child, argnum))
        curves = [curve for _, curve, _ in self.edges.values()]
        heads = [head for _, _, head in self.edges.values()]
        self.axes.add_collection(LineCollection(curves, colors=EDGE, linewidths=1.0, zorder=1))
        self.axes.add_collection(PolyCollection(heads, facecolors=EDGE, edgecolors="none",
                                                zorder=1))

    def _title(self, node_id):
        info = self.recording.nodes[node_id]
        label = info.label if len(info.label) <= 14 else info.label[:13] + "…"
        return f"{label}   → f" if node_id == self.recording.output else label

    def _build_nodes(self):
        """A box per node (a matplotlib patch, recoloured per step) and where its two texts
        go: the title (operation, input name or constant) and the body (value, adjoint)."""
        self.patches, self._text_anchors, self._clips = {}, {}, {}
        self.heatmaps = {}
        self.stamps = TextStamps.shared(self.dpi)
        self._title_font = (TITLE_SIZE * self.scale, "bold", "center", 1.0)
        self._body_font = (BODY_SIZE * self.scale, "normal", "top", 1.15)
        to_pixels = self.axes.transData.transform
        height = self.size[1]
        for node_id in self._ids:
            info = self.recording.nodes[node_id]
            cx, cy = self.centres[node_id]
            w, h = self.box_width, self.box_height
            colour, width, style = BORDERS.get(info.kind, BORDERS["operation"])
            shape = FancyBboxPatch((cx - w / 2, cy - h / 2), w, h,
                                   boxstyle=f"round,pad=0,rounding_size={0.08 * self.scale}")
            # A plain PathPatch with the rounded outline computed once draws faster than a
            # FancyBboxPatch, which recomputes its outline on every draw.
            patch = PathPatch(shape.get_path(), facecolor=STATUS_COLOURS["pending"],
                              edgecolor=colour, linewidth=width, linestyle=style, zorder=2)
            self.axes.add_patch(patch)
            self.patches[node_id] = patch
            top = cy + h / 2
            (title_x, title_y), (body_x, body_y) = to_pixels(
                [(cx, top - 0.23 * BOX_HEIGHT * self.scale),
                 (cx, top - 0.42 * BOX_HEIGHT * self.scale)])
            if node_id in self._heatmapped:
                self._add_heatmap(node_id, cx, cy, w, h)
            self._text_anchors[node_id] = ((height - title_y, title_x), (height - body_y, body_x))
            self._clips[node_id] = self._pixel_rect(cx - w / 2, cy - h / 2, cx + w / 2,
                                                    cy + h / 2, pad=-1)

    def _add_heatmap(self, node_id, cx, cy, w, h):
        """A small picture of a big array's elements at the bottom of its box: blue for
        negative, red for positive, white for 0 (a matrix as it is, a vector as one row)."""
        value = np.asarray(self.recording.nodes[node_id].value, dtype=float)
        picture = value.reshape(1, -1) if value.ndim == 1 else value.reshape(
            value.shape[0], -1)
        limit = float(np.max(np.abs(picture))) or 1.0
        pad = 0.08 * self.scale
        bottom = cy - h / 2 + pad
        image = self.axes.imshow(picture, cmap="RdBu_r", vmin=-limit, vmax=limit,
                                 extent=(cx - w / 2 + pad, cx + w / 2 - pad, bottom,
                                         bottom + (HEATMAP_HEIGHT - 0.1) * self.scale),
                                 aspect="auto", interpolation="nearest", zorder=3)
        self.axes.set_xlim(0, self.width)         # imshow moves the limits: put them back
        self.axes.set_ylim(0, self.height)
        self.heatmaps[node_id] = image

    def _build_highlight(self):
        self.highlight_lines = LineCollection([], linewidths=2.4, zorder=4,
                                              capstyle="round")
        self.highlight_heads = PolyCollection([], edgecolors="none", zorder=4)
        # one label per edge a step can use at once (a forward-mode step labels each
        # incoming edge with its tangent term; where() has three)
        self.highlight_labels = [self.axes.text(
            0, 0, "", ha="center", va="center", fontsize=BODY_SIZE * self.scale,
            color=BACKWARD_EDGE, fontweight="bold", zorder=5,
            bbox=dict(boxstyle="round,pad=0.2", facecolor="white", edgecolor=BACKWARD_EDGE,
                      linewidth=0.8)) for _ in range(3)]
        self.highlight_label = self.highlight_labels[0]
        self.axes.add_collection(self.highlight_lines)
        self.axes.add_collection(self.highlight_heads)

    def _build_caption(self, caption):
        self.caption = None
        if caption:
            self.caption = self.axes.text(MARGIN, self._caption_height / 2, "", ha="left",
                                          va="center", fontsize=8.5, color=TEXT,
                                          linespacing=1.3, zorder=5)
            self.caption.set_clip_box(TransformedBbox(
                Bbox.from_extents(0, 0, self.width, self._caption_height),
                self.axes.transData))

    # -- what step k looks like ---------------------------------------------------------

    def looks_at(self, state):
        """``{node id: (status, body text)}`` for a :class:`~tutor.record.State`."""
        step = state.step
        current = receiving = None
        if step is not None:
            current = step.node
            if step.phase == "backward":
                receiving = step.parent
        looks = {}
        for node_id in self._ids:
            if node_id == receiving:
                status = "receiving"
            elif node_id == current:
                status = "current"
            elif node_id in state.adjoints:
                status = "adjoint"
            elif node_id in state.tangents:
                status = "tangent"
            elif node_id in state.values:
                status = "computed"
            else:
                status = "pending"
            if node_id in state.values:
                lines = node_value_lines(node_id, state.values[node_id])
            else:
                lines = [_unknown_line(node_id, self.recording.nodes[node_id].value)]
            if node_id in state.adjoints:
                lines += node_value_lines(ADJOINT, state.adjoints[node_id])
            elif node_id in state.tangents:
                lines += node_value_lines(TANGENT, state.tangents[node_id])
            looks[node_id] = (status, "\n".join(lines))
        return looks

    def _highlight_at(self, state):
        """Which highlight step ``k`` shows: the edges a forward step read, or the one edge a
        backward step sent a contribution along (with that contribution as a label)."""
        step = state.step
        if step is None:
            return None
        if step.phase == "forward" and step.tangent is not None:
            terms = tuple((argnum, edge_text(term))
                          for argnum, term in zip(step.tangent_argnums, step.contributions)
                          if term is not None)
            return ("tangent", step.node, terms)
        if step.phase == "forward":
            return ("forward", step.node)
        return ("backward", step.node, step.argnum, edge_text(step.contribution))

    def caption_at(self, state):
        """The caption line for a state: ``backward 3/5:  ḡ_v0 += ...``, in two lines (split
        before the new adjoint) when one would not fit the picture's width."""
        step = state.step
        rec = self.recording
        if step is None:
            return "start: the inputs are known; the forward pass comes next"
        if step.phase == "forward":
            text = f"forward {step.index}/{len(rec.forward)}:  {step.line}"
        else:
            text = f"backward {step.index - len(rec.forward)}/{len(rec.backward)}:  {step.line}"
        fits = int((self.width - 2 * MARGIN) / 0.072)      # characters at 8.5 points
        if len(text) > fits and "  →  " in text:
            first, rest = text.split("  →  ", 1)
            text = f"{first}\n    →  {rest}"
        return text

    # -- pixels -----------------------------------------------------------------------------

    def _pixel_rect(self, x0, y0, x1, y1, pad=3):
        """Data (inch) extents -> (row0, row1, col0, col1) of the canvas array, padded."""
        (a, b), (c, d) = self.axes.transData.transform([(x0, y0), (x1, y1)])
        height, width = self.size[1], self.size[0]
        col0, col1 = sorted((a, c))
        low, high = sorted((b, d))
        return (max(0, int(math.floor(height - high)) - pad),
                min(height, int(math.ceil(height - low)) + pad),
                max(0, int(math.floor(col0)) - pad),
                min(width, int(math.ceil(col1)) + pad))

    def _node_rects(self):
        w, h = self.box_width, self.box_height
        return np.array([self._pixel_rect(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
                         for cx, cy in (self.centres[node] for node in self._ids)])

    def _apply_highlight(self, highlight):
        """Set the highlight artists for ``highlight`` and return the pixel rectangles they
        cover (small pieces along each curve, so a long edge does not cover half the graph)."""
        lines, heads, colour, labels = [], [], FORWARD_EDGE, []    # labels: (text, where)
        if highlight is not None and highlight[0] == "forward":
            for key in self._incoming.get(highlight[1], ()):
                _, curve, head = self.edges[key]
                lines.append(curve)
                heads.append(head)
        elif highlight is not None and highlight[0] == "tangent":
            _, child, terms = highlight
            colour = TANGENT_EDGE
            for key in self._incoming.get(child, ()):
                _, curve, head = self.edges[key]
                lines.append(curve)
                heads.append(head)
            for argnum, text in terms[:len(self.highlight_labels)]:
                if (child, argnum) in self.edges:
                    curve = self.edges[child, argnum][1]
                    labels.append((text, curve[len(curve) // 2]))
        elif highlight is not None:
            _, child, argnum, label = highlight
            colour = BACKWARD_EDGE
            if (child, argnum) in self.edges:
                _, curve, _ = self.edges[child, argnum]
                start = curve[0]
                # The adjoint flows from child to parent: the arrowhead points at the parent.
                heads.append(np.array([start, (start[0] + self.head_length,
                                               start[1] + self.head_half_width),
                                       (start[0] + self.head_length,
                                        start[1] - self.head_half_width)]))
                lines.append(curve)
                middle = curve[len(curve) // 2]
                labels.append((label if label.startswith("-") else "+" + label, middle))
        self.highlight_lines.set_segments(lines)
        self.highlight_lines.set_color(colour)
        self.highlight_heads.set_verts(heads)
        self.highlight_heads.set_facecolor(colour)
        for i, artist in enumerate(self.highlight_labels):
            text, where = labels[i] if i < len(labels) else ("", (0, 0))
            artist.set_text(text)
            artist.set_position(where)
            artist.set_color(colour)
            artist.get_bbox_patch().set_edgecolor(colour)
        rects = []
        for curve in lines:
            for start in range(0, len(curve) - 1, 3):
                piece = curve[start:start + 4]
                rects.append(self._pixel_rect(piece[:, 0].min(), piece[:, 1].min(),
                                              piece[:, 0].max(), piece[:, 1].max(), pad=4))
        for head in heads:
            rects.append(self._pixel_rect(head[:, 0].min(), head[:, 1].min(),
                                          head[:, 0].max(), head[:, 1].max(), pad=3))
        renderer = self.canvas.get_renderer()
        for artist in self.highlight_labels[:len(labels)]:
            box = artist.get_window_extent(renderer)
            artist.update_bbox_position_size(renderer)
            patch = artist.get_bbox_patch()
            if patch is not None:
                box = Bbox.union([box, patch.get_window_extent(renderer)])
            height = self.size[1]
            rects.append((max(0, int(height - box.y1) - 3), min(height, int(height - box.y0) + 3),
                          max(0, int(box.x0) - 3), min(self.size[0], int(box.x1) + 3)))
        return rects

    def _apply_look(self, node_id, look):
        status, body = look
        patch = self.patches[node_id]
        patch.set_facecolor(STATUS_COLOURS[status])
        kind = self.recording.nodes[node_id].kind
        colour, width, style = STATUS_BORDERS.get(status) or BORDERS.get(kind,
                                                                         BORDERS["operation"])
        patch.set_edgecolor(colour)
        patch.set_linewidth(width)
        patch.set_linestyle(style)

    def _draw_node(self, node_id):
        self.axes.draw_artist(self.patches[node_id])
        if node_id in self.heatmaps and self._looks_drawing[node_id][0] != "pending":
            self.axes.draw_artist(self.heatmaps[node_id])
        (title_at, body_at), clip = self._text_anchors[node_id], self._clips[node_id]
        self.stamps.stamp(self._pixels, self._title(node_id), self._title_font, title_at, clip)
        self.stamps.stamp(self._pixels, self._looks_drawing[node_id][1], self._body_font,
                          body_at, clip)

    def _draw_highlight(self):
        self.axes.draw_artist(self.highlight_lines)
        self.axes.draw_artist(self.highlight_heads)
        for artist in self.highlight_labels:
            if artist.get_text():
                self.axes.draw_artist(artist)

    def _dynamic_artists(self):
        artists = [self.highlight_lines, self.highlight_heads, *self.highlight_labels]
        artists += self.patches.values()
        artists += self.heatmaps.values()
        if self.caption is not None:
            artists.append(self.caption)
        return artists

    def _full_draw(self, looks, highlight, caption):
        """Draw the background once, keep its pixels, then draw every node on top."""
        for artist in self._dynamic_artists():
            artist.set_visible(False)
        self.canvas.draw()
        self._background = np.array(self.canvas.buffer_rgba(), copy=True)
        self._pixels = np.asarray(self.canvas.buffer_rgba())
        for artist in self._dynamic_artists():
            artist.set_visible(True)
        self._rects = self._node_rects()
        self._looks_drawing = looks
        for node_id in self._ids:
            self._apply_look(node_id, looks[node_id])
            self._draw_node(node_id)
        self._highlight_rects = self._apply_highlight(highlight)
        self._draw_highlight()
        if self.caption is not None:
            self.caption.set_text(caption)
            self.axes.draw_artist(self.caption)
        self._looks, self._shown_highlight, self._shown_caption = looks, highlight, caption
        self.changed = [(0, self.size[1], 0, self.size[0])]

    def show(self, k):
        """Make the canvas show step ``k``, redrawing only what differs from what it shows."""
        state = self.recording.state_at(k)
        looks = self.looks_at(state)
        highlight = self._highlight_at(state)
        caption = self.caption_at(state) if self.caption is not None else None
        self.k = state.k
        if self._looks is None:
            self._full_draw(looks, highlight, caption)
            return

        redraw = np.zeros(len(self._ids), dtype=bool)
        for i, node_id in enumerate(self._ids):
            if looks[node_id] != self._looks[node_id]:
                redraw[i] = True
                self._apply_look(node_id, looks[node_id])
        dirty = [tuple(rect) for rect in self._rects[redraw]]
        redraw_highlight = highlight != self._shown_highlight
        if redraw_highlight:
            dirty += self._highlight_rects
            self._highlight_rects = self._apply_highlight(highlight)
            dirty += self._highlight_rects
        # Whatever overlaps an erased rectangle must be drawn again, and erased whole first
        # (drawing over a half-erased artist would darken its anti-aliased edges).
        while dirty:
            rects = np.array(dirty)
            hits = self._overlaps(self._rects, rects) & ~redraw
            grew = bool(hits.any())
            if grew:
                redraw |= hits
                dirty += [tuple(rect) for rect in self._rects[hits]]
                rects = np.array(dirty)
            if not redraw_highlight and self._highlight_rects and self._overlaps(
                    np.array(self._highlight_rects), rects).any():
                redraw_highlight = grew = True
                dirty += self._highlight_rects
            if not grew:
                break
        for row0, row1, col0, col1 in dirty:
            self._pixels[row0:row1, col0:col1] = self._background[row0:row1, col0:col1]
        self.changed = list(dirty)
        self._looks_drawing = looks
        for i in np.flatnonzero(redraw):
            self._draw_node(self._ids[i])
        if redraw_highlight:
            self._draw_highlight()
        if self.caption is not None and caption != self._shown_caption:
            row0 = self.size[1] - int(math.ceil(self._caption_height * self.dpi))
            self._pixels[row0:] = self._background[row0:]
            self.changed.append((row0, self.size[1], 0, self.size[0]))
            self.caption.set_text(caption)
            self.axes.draw_artist(self.caption)
        self._looks, self._shown_highlight, self._shown_caption = looks, highlight, caption

    @staticmethod
    def _overlaps(rects, others):
        """For each of ``rects`` (n x 4 rows, cols), does it overlap any of ``others``?"""
        if len(rects) == 0 or len(others) == 0:
            return np.zeros(len(rects), dtype=bool)
        a, b = rects[:, None, :], others[None, :, :]
        return ((a[..., 0] < b[..., 1]) & (b[..., 0] < a[..., 1])
                & (a[..., 2] < b[..., 3]) & (b[..., 2] < a[..., 3])).any(axis=1)

    def rgba(self):
        """The canvas pixels, height x width x 4 (RGBA, uint8); call ``show`` first."""
        if self._looks is None:
            self.show(0)
        return self._pixels

    def image(self):
        """The canvas as a Pillow RGB image (a copy)."""
        return Image.fromarray(self.rgba()[..., :3])

    def png(self, k=None):
        """PNG bytes of step ``k`` (default: the step shown now)."""
        if k is not None:
            self.show(k)
        return encode_png(self.rgba())


def png_rows(pixels):
    """The rows of a PNG image of ``pixels`` (height x width x 3 or 4, uint8), unfiltered:
    each row is a 0 byte (the filter "none") followed by the row's RGB bytes."""
    height, width = pixels.shape[:2]
    rows = np.zeros((height, 1 + 3 * width), dtype=np.uint8)
    rows[:, 1:].reshape(height, width, 3)[...] = pixels[..., :3]
    return rows


def encode_png(pixels=None, rows=None):
    """PNG bytes of an RGB(A) uint8 array (height x width x 3 or 4), written directly.

    A PNG file is a signature and three chunks: ``IHDR`` (size and pixel format), ``IDAT``
    (the rows, each prefixed with a filter byte, zlib-compressed) and ``IEND``. Pillow would
    try five filters on every row to squeeze out a few more bytes; for a drawing that is
    mostly flat colour, no filter and fast compression give nearly the same size in a third
    of the time, and time is what a step is short of. Pass ``rows`` (from :func:`png_rows`)
    instead of ``pixels`` to skip building them.
    """
    if rows is None:
        rows = png_rows(pixels)
    height, width = rows.shape[0], (rows.shape[1] - 1) // 3

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)   # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows, 1)) + chunk(b"IEND", b""))


class GraphView(widgets.VBox):
    """The graph in the dashboard: a :class:`GraphDrawing` shown as a stack of image strips.

    ``render(recording, k)`` shows step ``k`` of ``recording`` (making a new drawing when the
    recording is new); ``show(k)`` moves within the current one; ``png()`` gives the whole
    picture as PNG bytes.

    The picture is cut into horizontal strips of :attr:`STRIP_HEIGHT` pixels, each an
    ``ipywidgets.Image`` (CSS class ``tutor-graph-strip``), stacked without gaps in a box with
    the CSS class ``tutor-graph``. A step re-encodes and sends only the strips it changed:
    compressing a big graph's whole picture takes tens of milliseconds, a strip or two a few.
    The stack sits in a scrollable box (``tutor-graph-box``); ``note`` says when the graph is
    bigger than that box.
    """

    STRIP_HEIGHT = 80
    FIT_MIN = 0.6           # the picture shrinks to fit the page down to 60 % of its size

    def __init__(self, **kwargs):
        self.strips = []
        self.canvas = widgets.VBox(layout=widgets.Layout(width="100%", margin="0"))
        self.canvas.add_class("tutor-graph")
        self.scroller = widgets.Box(
            [self.canvas], layout=widgets.Layout(overflow="auto", max_width="100%",
                                                 max_height="700px", border="1px solid #ddd",
                                                 margin="0"))
        self.scroller.add_class("tutor-graph-box")
        self.note = widgets.HTML()
        self.note.add_class("tutor-graph-note")
        super().__init__([self.scroller, self.note], **kwargs)
        self.recording = None
        self.drawing = None
        self.k = None

    def render(self, recording, k):
        if recording is None:
            return
        if recording is not self.recording:
            try:
                drawing = GraphDrawing(recording)
            except GraphTooBig as reason:
                self.recording, self.drawing = recording, None
                self.canvas.children = ()
                self.note.value = (f"<b>No picture:</b> {reason}. The inspector's listing and "
                                   f"table show every step.")
                return
            # Only a drawing that was made replaces the one shown (a MemoryError above
            # leaves the previous graph as it was).
            self.recording, self.drawing = recording, drawing
            self._make_strips()
            nodes = len(recording.nodes)
            big = self.drawing.width > MAX_WIDTH * 1.05 or self.drawing.height > 7.2
            self.note.value = (f'<span style="color:#555">{nodes} nodes: the graph is bigger '
                               f'than the box; scroll to see all of it.</span>' if big else "")
            self.k = None
        self.show(k)

    def _make_strips(self):
        width, height = self.drawing.size
        count = max(1, math.ceil(height / self.STRIP_HEIGHT))
        while len(self.strips) < count:
            strip = widgets.Image(format="png", layout=widgets.Layout(
                width="100%", height="auto", max_width="100%", margin="0", padding="0",
                flex="0 0 auto"))
            strip.add_class("tutor-graph-strip")
            self.strips.append(strip)
        self.bands = []
        for i in range(count):
            top = i * self.STRIP_HEIGHT
            bottom = min(height, top + self.STRIP_HEIGHT)
            self.bands.append((top, bottom))
        # The strips take the width the page gives them, up to the picture's own: on a
        # narrow page the whole picture shrinks (down to FIT_MIN of its size; below that it
        # scrolls), so the output node is never cut off.
        self.canvas.layout.max_width = f"{width}px"
        self.canvas.layout.min_width = f"{math.ceil(width * self.FIT_MIN)}px"
        self.canvas.children = tuple(self.strips[:count])

    def show(self, k):
        """Move to step ``k``, sending only the strips whose pixels changed."""
        if self.drawing is None:
            self.k = k
            return
        first = self.k is None
        self.drawing.show(k)
        self.k = self.drawing.k
        pixels = self.drawing.rgba()
        if first:
            self._rows = png_rows(pixels)        # the PNG rows of the whole picture, kept
            changed = [(0, self.drawing.size[1], 0, self.drawing.size[0])]
        else:
            changed = self.drawing.changed
            for row0, row1, col0, col1 in changed:
                self._rows[row0:row1, 1 + 3 * col0:1 + 3 * col1].reshape(
                    row1 - row0, col1 - col0, 3)[...] = pixels[row0:row1, col0:col1, :3]
        for strip, (top, bottom) in zip(self.strips, self.bands):
            if any(row0 < bottom and top < row1 for row0, row1, _, _ in changed):
                png = encode_png(rows=self._rows[top:bottom])
                if strip.value != png:
                    strip.value = png

    def png(self):
        """The whole picture now shown, as PNG bytes (None before anything is shown)."""
        return None if self.drawing is None else self.drawing.png()
