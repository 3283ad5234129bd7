// The inspector beside the graph: the step in words, a node's card, the listing of both
// passes, and the table of every node's value and adjoint (or tangent).
//
// Built once per story; each step changes the few lines and rows that differ, and scrolls
// the listing and the table (never the page) to the current line.

import { escapeMarkup, heatMarkup } from "./graph.js";
import { changedAt, listingLine, lookAt, shownText, wordsAt } from "./story.js";

/** The step's words and line as HTML: bold heading, sentence, the line, the notes. */
export function stepMarkup(prepared, k) {
  const words = wordsAt(prepared, k);
  const step = prepared.story.steps[k];
  let markup = `<p><b>${escapeMarkup(words.heading)}</b> ${escapeMarkup(words.sentence)}</p>`;
  if (step.line) {
    markup += `<div class="tutor-step-line"><code>${escapeMarkup(shownText(step.line, true))}</code></div>`;
  }
  if (step.tangent) {
    markup += `<div class="tutor-step-line">and its tangent, through the JVP: `
      + `<code>${escapeMarkup(shownText(step.tangent, true))}</code></div>`;
  }
  for (const note of words.notes) markup += `<p class="tutor-step-note">${escapeMarkup(note)}</p>`;
  return markup;
}

function valueMarkup(entry, title) {
  let markup = `<div class="tutor-card-lines">${entry.lines.map(escapeMarkup).join("\n")}</div>`;
  if (entry.heat) {
    const width = Math.min(160, 12 * entry.heat.columns);
    const height = Math.min(120, 12 * entry.heat.rows);
    markup += `<svg class="tutor-card-heat" width="${width}" height="${height}" role="img"`
      + ` aria-label="heatmap of ${escapeMarkup(title)}: blue negative, white 0, red positive">`
      + `${heatMarkup(entry.heat, 0, 0, width, height)}</svg>`;
  }
  return markup;
}

/** A node's card: what it computes, its whole value and adjoint (or tangent), and when. */
export function cardMarkup(prepared, node, k) {
  const { story } = prepared;
  const info = story.nodes[node];
  const look = lookAt(prepared, node, k);
  let markup = `<div class="tutor-card-title"><b>${escapeMarkup(info.id)}</b> = `
    + `${escapeMarkup(info.computes)}`
    + (info.expression ? ` <span class="tutor-card-words">(${escapeMarkup(info.expression)})</span>` : "")
    + `</div>`;
  markup += valueMarkup(look.value, `${info.id}'s value`);
  if (look.derivative) {
    markup += valueMarkup(look.derivative, `${info.id}'s ${story.derivative}`);
    const since = changedAt(prepared, node, k);
    if (since > 0) markup += `<div class="tutor-card-when">after step ${since}</div>`;
  } else if (info.kind !== "constant" && look.value.text !== "?") {
    markup += `<div class="tutor-card-when">no ${escapeMarkup(story.derivative)} yet</div>`;
  }
  return markup;
}

export class Inspector {
  constructor(element) {
    this.element = element;
    this.step = element.querySelector(".tutor-step");
    this.listing = element.querySelector(".tutor-listing");
    this.table = element.querySelector(".tutor-table");
  }

  /** Build the listing and the table for a new story. */
  build(prepared) {
    this.prepared = prepared;
    const { story } = prepared;
    this.listing.innerHTML = story.listing.map(() => "<div></div>").join("");
    this.lines = [...this.listing.children];
    this.lineOfStep = new Map();
    story.listing.forEach((entry, index) => {
      if (entry.step !== undefined) this.lineOfStep.set(entry.step, index);
    });
    this.results = story.listing.map((entry, index) => (entry.parts ? index : -1))
      .filter((index) => index >= 0);
    const rows = story.nodes.map((info, node) =>
      `<tr data-node="${node}"><th scope="row"></th><td>${escapeMarkup(info.computes)}</td>`
      + `<td></td><td></td></tr>`).join("");
    this.table.innerHTML = `<table><caption class="tutor-sr-only"></caption><thead><tr>`
      + `<th scope="col">node</th><th scope="col">computes</th><th scope="col">value</th>`
      + `<th scope="col">${escapeMarkup(story.derivative)}</th></tr></thead>`
      + `<tbody>${rows}</tbody></table>`;
    this.caption = this.table.querySelector("caption");
    this.rows = [...this.table.querySelectorAll("tbody tr")];
    this.shownLines = [];
    this.k = null;
  }

  /** Show step k; `nodes` are the nodes whose row may have changed since the last step shown
   *  (all when omitted). */
  show(k, nodes, pinned) {
    const { story } = this.prepared;
    this.step.innerHTML = stepMarkup(this.prepared, k);
    const lines = this.k === null ? this.lines.keys() : this.linesBetween(this.k, k);
    for (const index of lines) {
      const { text, when } = listingLine(this.prepared, story.listing[index], k);
      const line = this.lines[index];
      if (this.shownLines[index] === text + when) continue;
      this.shownLines[index] = text + when;
      line.textContent = text;
      line.className = when === "past" ? "" : `tutor-line-${when}`;
    }
    for (const node of nodes || story.nodes.keys()) this.showRow(node, k, pinned);
    this.caption.textContent = `Every node's value and ${story.derivative} after step ${k}`
      + " (▶ the current node, + the node receiving an adjoint)";
    this.k = k;
    const current = this.lineOfStep.get(k);
    if (current !== undefined) scrollWithin(this.listing, this.lines[current]);
    if (k > 0) scrollWithin(this.table, this.rows[story.steps[k].node]);
  }

  linesBetween(a, b) {
    const indices = new Set(this.results);
    const [low, high] = a < b ? [a, b] : [b, a];
    for (let k = Math.max(1, low); k <= high; k++) {
      const index = this.lineOfStep.get(k);
      if (index !== undefined) indices.add(index);
    }
    return indices;
  }

  showRow(node, k, pinned) {
    const { story } = this.prepared;
    const row = this.rows[node];
    const look = lookAt(this.prepared, node, k);
    const mark = { current: "▶ ", receiving: "+ " }[look.status] || "";
    const cells = row.children;
    cells[0].textContent = mark + story.nodes[node].id;
    cells[2].textContent = look.value.text;
    cells[3].textContent = story.nodes[node].kind === "constant" ? "—"
      : (look.derivative ? look.derivative.text : "");
    row.className = (look.status === "current" || look.status === "receiving")
      ? `tutor-row-${look.status}` : "";
    if (node === pinned) row.classList.add("tutor-row-pinned");
  }

  /** Mark the pinned node's row (after a click on the graph). */
  pin(node, previous, k) {
    if (previous !== null && previous !== undefined && this.rows[previous]) {
      this.showRow(previous, k, node);
    }
    if (node !== null && node !== undefined && this.rows[node]) {
      this.showRow(node, k, node);
      scrollWithin(this.table, this.rows[node]);
    }
  }
}

/** Scroll a box so that one of its children shows, without scrolling anything else. */
export function scrollWithin(box, child) {
  if (!child || box.clientHeight === 0) return;
  const top = child.getBoundingClientRect().top - box.getBoundingClientRect().top
    + box.scrollTop;
  const bottom = top + child.getBoundingClientRect().height;
  if (top < box.scrollTop) box.scrollTop = Math.max(0, top - 8);
  else if (bottom > box.scrollTop + box.clientHeight) {
    box.scrollTop = bottom - box.clientHeight + 8;
  }
}
