import assert from "node:assert/strict";
import { test } from "node:test";

import { escapeMarkup, heatMarkup } from "../../tutor/widgets/stepper/graph.js";
import { cardMarkup, stepMarkup } from "../../tutor/widgets/stepper/inspector.js";
import { prepare } from "../../tutor/widgets/stepper/story.js";
import { STORIES } from "./stories.mjs";

test("text is escaped before it becomes markup", () => {
  assert.equal(escapeMarkup('a<b & "c">'), "a&lt;b &amp; &quot;c&quot;&gt;");
});

test("a heatmap is one rect per cell", () => {
  const markup = heatMarkup({ rows: 2, columns: 3, cells: [-10, 0, 10, 1, 2, 3] }, 0, 0, 30, 20);
  assert.equal((markup.match(/<rect /g) || []).length, 6);
  assert.match(markup, /fill="rgb\(33,102,172\)"/);
});

test("a node's card shows every element of a small array's value and adjoint", () => {
  const layer = prepare(STORIES.layer);
  const W = layer.story.nodes.findIndex((node) => node.id === "v0");
  const card = cardMarkup(layer, W, layer.steps);
  for (const row of ["[0.5, -1.0]", "[2.0, 0.3]", "ḡ (2×2) ="]) assert.ok(card.includes(row), row);
  assert.match(card, /after step \d+/);
  const rows = prepare(STORIES.rows);
  const big = rows.story.nodes.findIndex((node) => node.id === "v1");
  const bigCard = cardMarkup(rows, big, rows.steps);
  assert.match(bigCard, /v1: 5×3/);
  assert.match(bigCard, /min 0\.0, max 14\.0/);
  assert.match(bigCard, /<svg class="tutor-card-heat"/);
});

test("the step's words: bold heading first, then the sentence, the line and the notes", () => {
  const rows = prepare(STORIES.rows);
  for (let k = rows.forward + 1; k <= rows.steps; k++) {
    assert.match(stepMarkup(rows, k), /^<p><b>Backward step \d+ of \d+\.<\/b> /);
  }
  const broadcast = rows.story.steps.findIndex((step) => (step.notes || []).some(
    (note) => note.includes("stretched (broadcast)")));
  assert.ok(broadcast > 0);
});

test("a long listing shows the lines around the current one and says how many are left out", async () => {
  const { listingMarkup } = await import("../../tutor/widgets/stepper/inspector.js");
  const seed = prepare(STORIES.seed);
  const lineOfStep = new Map();
  seed.story.listing.forEach((entry, index) => {
    if (entry.step !== undefined) lineOfStep.set(entry.step, index);
  });
  const whole = listingMarkup(seed, lineOfStep, 9);
  assert.equal(whole.length, seed.story.listing.length);
  const part = listingMarkup(seed, lineOfStep, 9, 6).join("");
  assert.match(part, /⋯ \d+ lines above/);
  assert.match(part, /⋯ \d+ lines below/);
  assert.match(part, /class="tutor-line-current">▶ \[ 9\]/);
});

test("a window around the current line stays put while the line is well inside it", async () => {
  const { around } = await import("../../tutor/widgets/stepper/inspector.js");
  assert.deepEqual(around(50, 1000, 80), [10, 90]);
  assert.deepEqual(around(51, 1000, 80, 10), [10, 90]);            // kept
  assert.deepEqual(around(75, 1000, 80, 10), [35, 115]);           // near its end: moved
  assert.deepEqual(around(5, 30, 80, 0), [0, 30]);                 // shorter than a window
});
