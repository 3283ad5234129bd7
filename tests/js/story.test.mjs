import assert from "node:assert/strict";
import { test } from "node:test";

import {
  changedBetween, clampStep, fill, jumpFor, listingLine, lookAt, neighbour, nodeLabel, prepare,
  resultText, shownText, statusText, wordsAt,
} from "../../tutor/widgets/stepper/story.js";
import { STORIES } from "./stories.mjs";

const seed = prepare(STORIES.seed);
const id = (prepared, name) => prepared.story.nodes.findIndex((node) => node.id === name);

test("the status and the heading count each pass on its own", () => {
  assert.equal(statusText(seed, 0), "forward 0/6");
  assert.equal(statusText(seed, 6), "forward 6/6");
  assert.equal(statusText(seed, 7), "backward 1/9");
  assert.equal(wordsAt(seed, 8).heading, "Backward step 2 of 9.");
  assert.equal(fill("a {x} b {y}", { x: 1 }), "a 1 b {y}");
});

test("every step's words start with its heading, broadcast steps included", () => {
  for (const name of ["seed", "rows", "layer", "layer forward"]) {
    const prepared = prepare(STORIES[name]);
    for (let k = 0; k <= prepared.steps; k++) {
      const words = wordsAt(prepared, k);
      assert.match(words.spoken, /^(Start|Forward step \d+ of \d+|Backward step \d+ of \d+)\. /);
      assert.ok(words.spoken.startsWith(words.heading), `${name} ${k}`);
    }
  }
});

test("a node's look follows the steps: values, adjoints, the current and receiving nodes", () => {
  const [x, v3, v8, v9] = ["v0", "v3", "v8", "v9"].map((name) => id(seed, name));
  assert.equal(lookAt(seed, x, 0).status, "computed");
  assert.deepEqual(lookAt(seed, v3, 0).value.lines, ["v3 = ?"]);
  assert.equal(lookAt(seed, v3, 1).status, "current");
  assert.deepEqual(lookAt(seed, v3, 1).value.lines, ["v3 = 1.0"]);
  assert.equal(lookAt(seed, v3, 2).status, "computed");
  const nine = [x, v8, v9].map((node) => lookAt(seed, node, 9));   // v8 = x*y sends to x
  assert.deepEqual(nine.map((look) => look.status), ["receiving", "current", "adjoint"]);
  assert.deepEqual(nine[0].derivative.lines, ["ḡ = 2.0"]);
  assert.equal(lookAt(seed, x, 15).derivative.text, "4.0");
  assert.equal(lookAt(seed, x, 8).derivative, null);
});

test("between any two steps, the nodes said to change are all that change", () => {
  for (const name of ["seed", "fan-out", "layer forward"]) {
    const prepared = prepare(STORIES[name]);
    for (let a = 0; a <= prepared.steps; a++) {
      for (let b = 0; b <= prepared.steps; b += 3) {
        const changed = changedBetween(prepared, a, b);
        prepared.story.nodes.forEach((_, node) => {
          const before = lookAt(prepared, node, a);
          const after = lookAt(prepared, node, b);
          if (before.status !== after.status || before.texts !== after.texts) {
            assert.ok(changed.has(node), `${name}: node ${node} from ${a} to ${b}`);
          }
        });
      }
    }
  }
});

test("lines show their names before the step and their numbers from it on", () => {
  assert.equal(shownText(["v3 = v1 × v2 = ", "2.0"], false), "v3 = v1 × v2 = ?");
  assert.equal(shownText(["a += b", "", "  →  a = ", "1.0"], false), "a += b  →  a = ?");
  assert.equal(shownText(["f = ", "6", ";  g = ", "4"], [true, false]), "f = 6;  g = ?");
  const lines = (k) => seed.story.listing.map((entry) => listingLine(seed, entry, k));
  const start = lines(0);
  for (const line of start.filter((line) => line.when === "future")) {
    assert.doesNotMatch(line.text.replace(/^.*?\]/, ""), /\d\.\d/, line.text);
  }
  assert.ok(start.some((line) => line.text === "result: f = ?;  ∂f/∂x = ?, ∂f/∂y = ?"));
  const nine = lines(9).find((line) => line.when === "current");
  assert.equal(nine.text, "▶ [ 9] v8 → v0:  ḡ_v0 += ḡ_v8 · v1 = 1.0 · 2.0 = 2.0  →  ḡ_v0 = 0 + 2.0 = 2.0");
  const end = lines(15);
  assert.ok(end.every((line) => !line.text.includes("?")));
  assert.ok(end.some((line) => line.text === "result: f = 6.0;  ∂f/∂x = 4.0, ∂f/∂y = 5.0"));
});

test("the answer line fills in f after the forward pass and ∂f at the end", () => {
  assert.equal(resultText(seed, 3).text, "f = ?   ∂f/∂x = ?   (step to the end of the backward pass)");
  assert.equal(resultText(seed, 6).text, "f = 6   ∂f/∂x = ?   (step to the end of the backward pass)");
  assert.deepEqual(resultText(seed, 15), { text: "f = 6   ∂f/∂x = 4", done: true });
});

test("clicking a node goes round the steps that compute it or add to its adjoint", () => {
  const x = id(seed, "v0");
  assert.equal(jumpFor(seed, x, 0), 9);
  assert.equal(jumpFor(seed, x, 9), 15);
  assert.equal(jumpFor(seed, x, 15), 9);
  assert.equal(jumpFor(seed, id(seed, "v2"), 3), null);          // a constant: no step
  assert.equal(clampStep(seed, 99), 15);
  assert.equal(clampStep(seed, -1), 0);
});

test("a node's name for a screen reader has its value and its adjoint", () => {
  const v8 = id(seed, "v8");
  assert.equal(nodeLabel(seed, v8, 0), "v8 = v0 × v1 = not computed yet");
  assert.equal(nodeLabel(seed, v8, 9), "v8 = v0 × v1 = 2.0; adjoint ḡ 1.0 after step 8; "
    + "the current step's node");
  const forward = prepare(STORIES["seed forward"]);
  assert.match(nodeLabel(forward, id(forward, "v8"), 6), /= 2\.0; tangent ẋ 2\.0 after step 5$/);
});

test("the arrow keys move between nodes on the grid", () => {
  const { story } = seed;
  for (const [node] of story.nodes.entries()) {
    for (const key of ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"]) {
      const next = neighbour(story, node, key);
      const [a, b] = [story.nodes[node], story.nodes[next]];
      if (next === node) continue;
      if (key === "ArrowUp") assert.ok(b.column === a.column && b.row < a.row);
      if (key === "ArrowDown") assert.ok(b.column === a.column && b.row > a.row);
      if (key === "ArrowRight") assert.ok(b.column > a.column);
      if (key === "ArrowLeft") assert.ok(b.column < a.column);
    }
  }
  const output = id(seed, "v9");
  assert.equal(neighbour(story, output, "ArrowRight"), output);
});
