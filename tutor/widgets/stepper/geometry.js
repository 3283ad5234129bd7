// Where everything goes, in pixels: node boxes on the layout's grid, edge curves, labels.
//
// Pure functions of the story and a few text metrics (the width of one character of the
// monospace font, the height of a line), so tests/js can check them in Node. Every box is
// as big as the largest text its node shows at any step, so stepping never moves a box.

export const METRICS = {
  char: 7.2,          // width of one character of the node text (measured in the page)
  line: 15,           // height of one line of node text
  title: 18,          // height of a box's heading line
  padX: 8, padY: 5,   // space inside a box
  minWidth: 56,       // narrowest box
  heat: 34,           // height of a heatmap under a big array's lines
  columnGap: 72,      // narrowest space between columns (labels get more when they need it)
  rowGap: 16,         // space between rows
  routeRow: 22,       // height of a row only edges pass through
  labelChar: 6.6,     // width of one character of an edge label
  labelHeight: 18,
  labelHeat: 22,      // width of the small heatmap beside an array's label
  margin: 12,         // around the whole drawing
};

function linesOf(entry) {
  return entry ? entry.lines : [];
}

/** The size of node's box: room for its heading and for its texts at every step. */
export function boxSize(prepared, node, metrics = METRICS) {
  const { story } = prepared;
  const info = story.nodes[node];
  let lines = 1;
  let chars = info.title.length;
  let heats = 0;
  for (const [, value, derivative] of prepared.nodes[node].looks) {
    const entries = [story.values[value], derivative === undefined ? null : story.values[derivative]];
    const texts = entries.flatMap(linesOf);
    lines = Math.max(lines, texts.length);
    for (const text of texts) chars = Math.max(chars, text.length);
    heats = Math.max(heats, entries.filter((entry) => entry && entry.heat).length);
  }
  return {
    width: Math.max(metrics.minWidth, Math.ceil(chars * metrics.char) + 2 * metrics.padX),
    height: 2 * metrics.padY + metrics.title + lines * metrics.line + heats * (metrics.heat + 4),
  };
}

/** The widest edge label of the story, in pixels (the space between columns holds it). */
export function widestLabel(story, metrics = METRICS) {
  let widest = 0;
  for (const entry of story.values) {
    if (entry.label === undefined) continue;
    const width = entry.label.length * metrics.labelChar + 12
      + (entry.heat ? metrics.labelHeat + 4 : 0);
    widest = Math.max(widest, width);
  }
  return widest;
}

function sums(sizes, gap, start) {
  const at = [];
  let position = start;
  for (const size of sizes) {
    at.push(position);
    position += size + gap;
  }
  return { at, end: position - gap };
}

/**
 * The grid in pixels: columns as wide as their widest box, rows as tall as their tallest
 * (a row only edges pass through is low), each box centred in its cell. Returns
 * { boxes: [{x, y, width, height}], columns: {at, width}, rows: {at, height}, width, height,
 *   gap } where at/width/height are per column or row.
 */
export function layoutGrid(prepared, metrics = METRICS) {
  const { story } = prepared;
  const sizes = story.nodes.map((_, node) => boxSize(prepared, node, metrics));
  const columnWidth = new Array(story.grid.columns).fill(metrics.minWidth);
  const rowHeight = new Array(story.grid.rows).fill(metrics.routeRow);
  story.nodes.forEach((info, node) => {
    columnWidth[info.column] = Math.max(columnWidth[info.column], sizes[node].width);
    rowHeight[info.row] = Math.max(rowHeight[info.row], sizes[node].height);
  });
  const gap = Math.max(metrics.columnGap, Math.ceil(widestLabel(story, metrics)) + 8);
  const columns = sums(columnWidth, gap, metrics.margin);
  const rows = sums(rowHeight, metrics.rowGap, metrics.margin);
  const boxes = story.nodes.map((info, node) => ({
    x: columns.at[info.column] + (columnWidth[info.column] - sizes[node].width) / 2,
    y: rows.at[info.row] + (rowHeight[info.row] - sizes[node].height) / 2,
    width: sizes[node].width,
    height: sizes[node].height,
  }));
  return {
    boxes,
    columns: { at: columns.at, width: columnWidth },
    rows: { at: rows.at, height: rowHeight },
    width: columns.end + metrics.margin,
    height: rows.end + metrics.margin,
    gap,
  };
}

/** How many edges arrive at each node (its ports). */
export function portCounts(story) {
  const counts = new Array(story.nodes.length).fill(0);
  for (const [, to] of story.edges) counts[to] += 1;
  return counts;
}

function round(number) {
  return Math.round(number * 10) / 10;
}

/**
 * An edge as an SVG path: from the parent's right side to its port on the child's left
 * side (argument 0 highest), through the free slots of its route, level in each column it
 * crosses and S-shaped between. Returns { d, label: {x, y} } where label is the middle of
 * the last space between columns before the child: where the step's contribution is
 * written, never over a box.
 */
export function edgeGeometry(grid, story, edge, ports) {
  const [from, to, port, route = []] = edge;
  const source = grid.boxes[from];
  const target = grid.boxes[to];
  const count = ports[to];
  const offset = count > 1 ? (port / (count - 1) - 0.5) * 0.5 : 0;
  const points = [{ x: source.x + source.width, y: source.y + source.height / 2 }];
  for (const [column, row] of route) {
    const y = grid.rows.at[row] + grid.rows.height[row] / 2;
    points.push({ x: grid.columns.at[column], y });
    points.push({ x: grid.columns.at[column] + grid.columns.width[column], y });
  }
  const end = { x: target.x, y: target.y + target.height * (0.5 + offset) };
  points.push(end);
  let d = `M${round(points[0].x)},${round(points[0].y)}`;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    if (i % 2 === 0 && a.y === b.y && i < points.length - 1) {
      d += `L${round(b.x)},${round(b.y)}`;          // straight through a column's free slot
    } else {
      const reach = (b.x - a.x) / 2;
      d += `C${round(a.x + reach)},${round(a.y)} ${round(b.x - reach)},${round(b.y)} `
        + `${round(b.x)},${round(b.y)}`;
    }
  }
  const before = points[points.length - 2];
  return { d, label: { x: (before.x + end.x) / 2, y: (before.y + end.y) / 2 } };
}

/** Move labels (each {y, height}) down where they would overlap, keeping their order. */
export function spreadLabels(labels, gap = 2) {
  const order = labels.map((label, index) => index).sort((a, b) => labels[a].y - labels[b].y);
  const placed = labels.map((label) => ({ ...label }));
  let bottom = -Infinity;
  for (const index of order) {
    const label = placed[index];
    const top = Math.max(label.y - label.height / 2, bottom + gap);
    label.y = top + label.height / 2;
    bottom = top + label.height;
  }
  return placed;
}

const NEGATIVE = [33, 102, 172];
const ZERO = [247, 247, 247];
const POSITIVE = [178, 24, 43];

/** The colour of a heatmap cell, -10 (most negative: blue) through 0 (white) to 10 (red). */
export function heatColour(level) {
  const t = Math.max(-1, Math.min(1, level / 10));
  const far = t < 0 ? NEGATIVE : POSITIVE;
  const mix = ZERO.map((channel, i) => Math.round(channel + (far[i] - channel) * Math.abs(t)));
  return `rgb(${mix.join(",")})`;
}
