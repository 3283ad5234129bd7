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

export const LISTING_WINDOW = 80;     // listing lines shown around the current one
export const TABLE_WINDOW = 60;       // table rows shown around the current node

/** The listing at step k, one markup string per line: the lines around the current one
 *  (all of them for a short listing), each marked past, current or future, and how many
 *  are left out. */
export function listingMarkup(prepared, lineOfStep, k, size = LISTING_WINDOW, kept) {
  const { listing } = prepared.story;
  const centre = lineOfStep.get(k) ?? (k > 0 ? listing.length - 1 : 0);
  const [first, last] = around(centre, listing.length, size, kept);
  const lines = first > 0 ? [`<div class="tutor-line-note">⋯ ${first} lines above</div>`] : [];
  for (let index = first; index < last; index++) {
    const { text, when } = listingLine(prepared, listing[index], k);
    lines.push(`<div${when === "past" ? "" : ` class="tutor-line-${when}"`}>${escapeMarkup(text)}</div>`);
  }
  if (last < listing.length) {
    lines.push(`<div class="tutor-line-note">⋯ ${listing.length - last} lines below</div>`);
  }
  lines.first = first;
  return lines;
}

/** The window of `size` items around `centre` among `count`: [first, last). A window
 *  starting at `kept` stays where it is while `centre` is well inside it (so that stepping
 *  rewrites a line or two, not the whole window). */
export function around(centre, count, size, kept) {
  const edge = Math.floor(size / 5);
  if (kept !== undefined && kept >= 0 && centre >= kept + edge && centre < kept + size - edge
      && kept <= Math.max(0, count - size)) {
    return [kept, Math.min(count, kept + size)];
  }
  const first = Math.max(0, Math.min(centre - (size >> 1), count - size));
  return [first, Math.min(count, first + size)];
}

/** The table's rows at step k, one markup string per row: every node's value and adjoint
 *  (or tangent), the rows around the current node for a big graph; ▶ marks the current
 *  node, + the node receiving. */
export function rowsMarkup(prepared, k, pinned, size = TABLE_WINDOW, kept) {
  const { story } = prepared;
  const centre = pinned ?? (k > 0 ? story.steps[k].node : 0);
  const [first, last] = around(centre, story.nodes.length, size, kept);
  const rows = first > 0 ? [`<div class="tutor-line-note">⋯ ${first} nodes above</div>`] : [];
  for (let node = first; node < last; node++) {
    const info = story.nodes[node];
    const look = lookAt(prepared, node, k);
    const kind = look.status === "current" || look.status === "receiving" ? look.status : "";
    const mark = { current: "▶ ", receiving: "+ " }[look.status] || "";
    const derivative = info.kind === "constant" ? "—" : (look.derivative ? look.derivative.text : "");
    const classes = [kind && `tutor-row-${kind}`, node === pinned && "tutor-row-pinned"]
      .filter(Boolean).join(" ");
    rows.push(`<div role="row" data-node="${node}"${classes ? ` class="${classes}"` : ""}>`
      + `<span role="rowheader">${mark}${escapeMarkup(info.id)}</span>`
      + `<span role="cell">${escapeMarkup(info.computes)}</span>`
      + `<span role="cell">${escapeMarkup(look.value.text)}</span>`
      + `<span role="cell">${escapeMarkup(derivative)}</span></div>`);
  }
  if (last < story.nodes.length) {
    rows.push(`<div class="tutor-line-note">⋯ ${story.nodes.length - last} nodes below</div>`);
  }
  rows.first = first;
  return rows;
}

/** Make a box's children read `items` (markup, one per child), rewriting only those that
 *  changed since `shown` (what the box was last given). Returns `items`. */
export function patch(box, items, shown) {
  if (!shown || shown.length !== items.length || shown[0] !== items[0]
      || box.children.length !== items.length) {
    box.innerHTML = items.join("");
    return items;
  }
  items.forEach((item, index) => {
    if (item !== shown[index]) box.children[index].outerHTML = item;
  });
  return items;
}

export class Inspector {
  constructor(element) {
    this.element = element;
    this.step = element.querySelector(".tutor-step");
    this.listing = element.querySelector(".tutor-listing");
    this.table = element.querySelector(".tutor-table");
  }

  /** Build the table's frame for a new story (its header, its caption). */
  build(prepared) {
    this.prepared = prepared;
    const { story } = prepared;
    this.lineOfStep = new Map();
    story.listing.forEach((entry, index) => {
      if (entry.step !== undefined) this.lineOfStep.set(entry.step, index);
    });
    this.table.innerHTML = `<div role="table" aria-describedby="${this.table.id}-caption">`
      + `<p class="tutor-sr-only" id="${this.table.id}-caption"></p>`
      + `<div role="rowgroup"><div role="row" class="tutor-table-head">`
      + `<span role="columnheader">node</span><span role="columnheader">computes</span>`
      + `<span role="columnheader">value</span>`
      + `<span role="columnheader">${escapeMarkup(story.derivative)}</span></div></div>`
      + `<div role="rowgroup" class="tutor-table-rows"></div></div>`;
    this.caption = this.table.querySelector(`#${this.table.id}-caption`);
    this.rows = this.table.querySelector(".tutor-table-rows");
    this.listing.innerHTML = "";
    this.shownLines = this.shownRows = null;
  }

  /** Show step k (the node `pinned`, if any, marked in the table). Only the lines and rows
   *  around the current ones are in the page: a step rewrites them at little cost. */
  show(k, pinned) {
    const { story } = this.prepared;
    this.step.innerHTML = stepMarkup(this.prepared, k);
    this.shownLines = patch(this.listing, listingMarkup(
      this.prepared, this.lineOfStep, k, LISTING_WINDOW, this.shownLines?.first), this.shownLines);
    this.shownRows = patch(this.rows, rowsMarkup(
      this.prepared, k, pinned, TABLE_WINDOW, this.shownRows?.first), this.shownRows);
    this.caption.textContent = `Every node's value and ${story.derivative} after step ${k}`
      + " (▶ the current node, + the node receiving an adjoint)";
    scrollWithin(this.listing, this.listing.querySelector(".tutor-line-current"));
    const row = pinned ?? (k > 0 ? story.steps[k].node : null);
    if (row !== null) scrollWithin(this.table, this.rows.querySelector(`[data-node="${row}"]`));
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
