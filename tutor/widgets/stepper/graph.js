// The computation graph as SVG: drawn once per story, then changed a few elements per step.
//
// A node is a <g class="tutor-node"> (focusable, named for screen readers) holding its box,
// its heading, its lines of text and, for a big array, a heatmap. An edge is a path from
// its parent to its child; the edges a step uses are drawn again on top, coloured, with
// the step's contribution written in the space between columns before the child.

import { METRICS, edgeGeometry, heatColour, layoutGrid, portCounts, spreadLabels }
  from "./geometry.js";
import { lookAt, nodeLabel } from "./story.js";

const EDGE_KINDS = ["edge", "forward", "tangent", "backward"];
const CHUNK = 6;        // columns per block: blocks out of sight are not drawn at all

/** Text made safe inside HTML or SVG markup. */
export function escapeMarkup(text) {
  return String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;",
                                                   '"': "&quot;" })[c]);
}

/** The rects of a heatmap, {rows, columns, cells}, drawn in a width × height area at (x, y). */
export function heatMarkup(heat, x, y, width, height) {
  const cellWidth = width / heat.columns;
  const cellHeight = height / heat.rows;
  let markup = "";
  heat.cells.forEach((level, index) => {
    const row = Math.floor(index / heat.columns);
    const column = index % heat.columns;
    markup += `<rect x="${(x + column * cellWidth).toFixed(1)}" y="${(y + row * cellHeight).toFixed(1)}"`
      + ` width="${(cellWidth + 0.05).toFixed(2)}" height="${(cellHeight + 0.05).toFixed(2)}"`
      + ` fill="${heatColour(level)}"/>`;
  });
  return `<g class="tutor-heat">${markup}</g>`;
}

export class GraphDrawing {
  constructor(svg, prefix) {
    this.svg = svg;
    this.prefix = prefix;          // makes the markers' ids unique on a page of several
    this.prepared = null;
    this.shown = [];               // per node: the look drawn now (see lookAt)
  }

  /** Draw a new story as it looks at step k (for one of the same structure, reuse every
   *  element). */
  draw(prepared, metrics = METRICS, k = 0) {
    const same = this.prepared && this.prepared.story.structure === prepared.story.structure;
    this.prepared = prepared;
    this.metrics = metrics;
    this.grid = layoutGrid(prepared, metrics);
    const { story } = prepared;
    const ports = portCounts(story);
    this.edges = story.edges.map((edge) => edgeGeometry(this.grid, story, edge, ports));
    // a same-structure story reuses the elements: `shown` keeps the status each wears, so
    // that showing the new story's step takes the old one off, but not its texts: the new
    // story's values are other numbers under the same indices, so every text is rewritten
    // (markup() refills `shown` for a new drawing)
    this.shown = same ? this.shown.map((look) => look && { status: look.status, texts: null })
      : [];
    this.highlighted = null;
    this.flags = new Map();
    this.svg.setAttribute("width", Math.ceil(this.grid.width));
    this.svg.setAttribute("height", Math.ceil(this.grid.height));
    if (same) {
      this.place();
    } else {
      this.svg.innerHTML = this.markup(k);
      this.nodeElements = [];
      for (const element of this.svg.querySelectorAll(".tutor-node")) {
        this.nodeElements[Number(element.dataset.node)] = element;
      }
      this.edgeElements = [];
      for (const element of this.svg.querySelectorAll(".tutor-edges path")) {
        this.edgeElements[Number(element.dataset.edge)] = element;
      }
      this.highlights = this.svg.querySelector(".tutor-highlights");
      this.chunks = [...this.svg.querySelectorAll("[data-chunk]")];
      this.shownChunks = null;
    }
  }

  /** Draw only the blocks of columns that can be seen (a thousand nodes out of sight cost
   *  the browser as much to paint as the ones in sight); `columns` is [first, last]. */
  showColumns([first, last]) {
    const low = Math.floor(first / CHUNK) - 1;
    const high = Math.floor(last / CHUNK) + 1;
    const key = `${low} ${high}`;
    if (this.shownChunks === key) return;
    this.shownChunks = key;
    for (const chunk of this.chunks) {
      const number = Number(chunk.dataset.chunk);
      const display = number < 0 || (number >= low && number <= high) ? "" : "none";
      if (chunk.style.display !== display) chunk.style.display = display;
    }
  }

  /** The columns a stretch of the drawing (x from left to right) shows, [first, last]. */
  columnsIn(left, right) {
    const { at, width } = this.grid.columns;
    let first = at.length;
    let last = -1;
    at.forEach((x, column) => {
      if (x + width[column] >= left && x <= right) {
        first = Math.min(first, column);
        last = Math.max(last, column);
      }
    });
    return [first, last];
  }

  /** The whole drawing at step k as markup (one parse is far quicker than a thousand).
   *  Nodes and short edges go in blocks of CHUNK columns (by the child's column); an edge
   *  longer than a block is always drawn (block -1). */
  markup(k) {
    const { story } = this.prepared;
    const markers = EDGE_KINDS.map((kind) =>
      `<marker id="${this.prefix}-${kind}" class="tutor-arrow tutor-arrow-${kind}" viewBox="0 0 10 10"`
      + ` refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">`
      + `<path d="M0,0L10,5L0,10z"/></marker>`).join("");
    const edgeBlocks = new Map();
    story.edges.forEach(([from, to], index) => {
      const [a, b] = [Math.floor(story.nodes[from].column / CHUNK),
                      Math.floor(story.nodes[to].column / CHUNK)];
      const block = b - a > 1 ? -1 : b;
      if (!edgeBlocks.has(block)) edgeBlocks.set(block, []);
      edgeBlocks.get(block).push(`<path class="tutor-edge" data-edge="${index}"`
        + ` d="${this.edges[index].d}" marker-end="url(#${this.prefix}-edge)"/>`);
    });
    const nodeBlocks = new Map();
    story.nodes.forEach((info, node) => {
      const block = Math.floor(info.column / CHUNK);
      if (!nodeBlocks.has(block)) nodeBlocks.set(block, []);
      nodeBlocks.get(block).push(this.nodeMarkup(node, k));
    });
    const blocks = (map) => [...map].map(([block, items]) =>
      `<g data-chunk="${block}">${items.join("")}</g>`).join("");
    return `<defs>${markers}</defs><g class="tutor-edges">${blocks(edgeBlocks)}</g>`
      + `<g class="tutor-nodes">${blocks(nodeBlocks)}</g><g class="tutor-highlights"></g>`;
  }

  /** One node at step k as markup: its box, heading, lines of text and heatmaps. */
  nodeMarkup(node, k) {
    const info = this.prepared.story.nodes[node];
    const box = this.grid.boxes[node];
    const kind = info.kind || "operation";
    const look = lookAt(this.prepared, node, k);
    this.shown[node] = look;
    const [body, heats] = this.texts(node, look);
    return `<g class="tutor-node tutor-kind-${kind} tutor-status-${look.status}"`
      + ` data-node="${node}" tabindex="-1" role="button"`
      + ` aria-label="${escapeMarkup(nodeLabel(this.prepared, node, k))}"`
      + ` transform="translate(${box.x.toFixed(1)},${box.y.toFixed(1)})">`
      + `<rect class="tutor-node-ring" x="-5" y="-5" width="${box.width + 10}"`
      + ` height="${box.height + 10}" rx="9"/>`
      + `<rect class="tutor-node-box" width="${box.width}" height="${box.height}" rx="6"/>`
      + `<text class="tutor-node-title" x="${box.width / 2}" y="${this.metrics.padY + 13}"`
      + ` text-anchor="middle">${escapeMarkup(info.title)}</text>`
      + `<text class="tutor-node-body">${body}</text><g class="tutor-node-heats">${heats}</g></g>`;
  }

  /** Put the elements of a same-structure story where its (new) geometry says. */
  place() {
    this.nodeElements.forEach((element, node) => {
      const box = this.grid.boxes[node];
      element.setAttribute("transform", `translate(${box.x.toFixed(1)},${box.y.toFixed(1)})`);
      const [ring, rect, title] = element.children;
      ring.setAttribute("width", box.width + 10);
      ring.setAttribute("height", box.height + 10);
      rect.setAttribute("width", box.width);
      rect.setAttribute("height", box.height);
      title.setAttribute("x", box.width / 2);
    });
    this.edgeElements.forEach((element, index) => element.setAttribute("d", this.edges[index].d));
  }

  /** Show step k: redraw the nodes in `nodes` (all of them when omitted) and the step's edges. */
  show(k, nodes) {
    const { story } = this.prepared;
    const which = nodes || story.nodes.keys();
    for (const node of which) this.showNode(node, k);
    this.showEdges(k);
  }

  /** A node's lines of text (tspans) and heatmaps for a look, as markup. */
  texts(node, look) {
    const { padX, padY, title, line, heat } = this.metrics;
    const lines = [...look.value.lines, ...(look.derivative ? look.derivative.lines : [])];
    const body = lines.map((text, index) =>
      `<tspan x="${padX}" y="${padY + title + (index + 1) * line - 4}">${escapeMarkup(text)}</tspan>`)
      .join("");
    const width = this.grid.boxes[node].width - 2 * padX;
    let y = padY + title + lines.length * line + 2;
    let heats = "";
    for (const entry of [look.value, look.derivative]) {
      if (entry && entry.heat) {
        heats += heatMarkup(entry.heat, padX, y, width, heat);
        y += heat + 4;
      }
    }
    return [body, heats];
  }

  showNode(node, k) {
    const look = lookAt(this.prepared, node, k);
    const element = this.nodeElements[node];
    const before = this.shown[node];
    if (before && before.status === look.status && before.texts === look.texts) return;
    element.setAttribute("aria-label", nodeLabel(this.prepared, node, k));
    if (before) element.classList.remove(`tutor-status-${before.status}`);
    element.classList.add(`tutor-status-${look.status}`);
    this.shown[node] = look;
    if (before && before.texts === look.texts) return;              // only the status changed
    const [body, heats] = this.texts(node, look);
    element.children[3].innerHTML = body;
    element.children[4].innerHTML = heats;
  }

  /** The edges step k uses, coloured, with its contribution as a label. */
  showEdges(k) {
    if (this.highlighted === k) return;
    this.highlighted = k;
    const { story } = this.prepared;
    const step = k > 0 ? story.steps[k] : null;
    if (!step) {
      this.highlights.innerHTML = "";
      return;
    }
    const kind = step.parent !== undefined ? "backward"
      : (story.mode === "forward" ? "tangent" : "forward");
    let paths = "";
    const labels = [];
    for (const [edge, label] of step.edges) {
      const marker = kind === "backward" ? "marker-start" : "marker-end";
      paths += `<path class="tutor-edge tutor-edge-${kind}" d="${this.edges[edge].d}"`
        + ` ${marker}="url(#${this.prefix}-${kind})"/>`;
      if (label !== undefined) {
        const entry = story.values[label];
        const width = entry.label.length * this.metrics.labelChar + 12
          + (entry.heat ? this.metrics.labelHeat + 4 : 0);
        labels.push({ ...this.edges[edge].label, width, height: this.metrics.labelHeight, entry });
      }
    }
    const labelMarkup = spreadLabels(labels).map((label) => {
      const x = label.x - label.width / 2;
      const y = label.y - label.height / 2;
      const textWidth = label.entry.label.length * this.metrics.labelChar;
      let markup = `<g class="tutor-edge-label tutor-edge-label-${kind}">`
        + `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${label.width.toFixed(1)}"`
        + ` height="${label.height}" rx="4"/>`
        + `<text x="${(x + 6).toFixed(1)}" y="${(y + label.height - 5).toFixed(1)}">`
        + `${escapeMarkup(label.entry.label)}</text>`;
      if (label.entry.heat) {
        markup += heatMarkup(label.entry.heat, x + 10 + textWidth, y + 3,
                             this.metrics.labelHeat, label.height - 6);
      }
      return markup + "</g>";
    }).join("");
    this.highlights.innerHTML = paths + labelMarkup;
  }

  /** Set or clear a CSS class on one node (pinned, marked), remembering which has it. */
  flag(name, node) {
    const before = this.flags.get(name);
    if (before !== undefined && this.nodeElements[before]) {
      this.nodeElements[before].classList.remove(name);
    }
    if (node !== null && node !== undefined && this.nodeElements[node]) {
      this.nodeElements[node].classList.add(name);
      this.flags.set(name, node);
    } else {
      this.flags.delete(name);
    }
  }

  /** The node element a DOM event happened in, as its position, or null. */
  nodeOf(target) {
    const element = target && target.closest ? target.closest(".tutor-node") : null;
    return element && this.svg.contains(element) ? Number(element.dataset.node) : null;
  }
}
