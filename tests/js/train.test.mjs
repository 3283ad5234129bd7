// The Train tab's pure functions (tutor/widgets/train.js), and a training iteration's story
// stepped by the stepper's story.js: its update pass counts and names its own steps.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";

import { prepare, statusText, wordsAt } from "../../tutor/widgets/stepper/story.js";
import {
  contour, curvePath, nextDelay, neuronPlaces, rowAt, shade, strokeOf, toPixels, weightOf,
} from "../../tutor/widgets/train.js";
import { REPOSITORY } from "./stories.mjs";

function iterationStory() {
  const script = "import json; from tutor.train import Training; "
    + "from tutor.widgets.train_story import iteration_story; "
    + "t = Training(); t.step(); print(json.dumps(iteration_story(t.at(3))))";
  return JSON.parse(execFileSync(process.env.TUTOR_PYTHON || "python3", ["-c", script],
                                 { cwd: REPOSITORY, encoding: "utf-8", maxBuffer: 16 << 20 }));
}

test("a training iteration's story ends with its update pass, counted on its own", () => {
  const prepared = prepare(iterationStory());
  const { forward, backward, update } = prepared.story.counts;
  assert.equal(update, 6);
  assert.equal(prepared.steps, forward + backward + update);
  assert.equal(statusText(prepared, forward + backward), `backward ${backward}/${backward}`);
  assert.equal(statusText(prepared, forward + backward + 1), "update 1/6");
  assert.equal(statusText(prepared, prepared.steps), "update 6/6");
  const words = wordsAt(prepared, prepared.steps);
  assert.equal(words.heading, "Update step 6 of 6.");
  assert.match(words.sentence, /^b3 moves against the batch gradient: b3 ← b3 − η · mean ḡ_b3/);
});

test("the boundary runs between scores of opposite signs, placed by interpolation", () => {
  // a 3 × 3 grid, row 0 on top: negative on the left column, positive on the right
  const segments = contour([-1, 1, 3, -1, 1, 3, -1, 1, 3], 3);
  assert.equal(segments.length, 2);
  for (const segment of segments) {
    for (const [x] of segment) assert.equal(x, 0.5);      // halfway between −1 and 1
  }
  assert.deepEqual(contour([1, 2, 3, 4], 2), []);         // all one side: no boundary
  assert.equal(contour([1, -1, -1, 1], 2).length, 2);     // a saddle: two pieces
});

test("points land in the picture with y growing upwards", () => {
  assert.deepEqual(toPixels([0, 0], [-1, 1, -1, 1], 300), [150, 150]);
  assert.deepEqual(toPixels([-1, 1], [-1, 1, -1, 1], 300), [0, 0]);
  assert.deepEqual(toPixels([1, -1], [-1, 1, -1, 1], 300), [300, 300]);
});

test("the loss curve scales to its largest loss and breaks where a loss is not a number", () => {
  const { path, top, last } = curvePath([[0, 2], [5, 1], [10, 0.5]], 100, 50);
  assert.equal(last, 10);
  assert.ok(Math.abs(top - 2.1) < 1e-12);
  assert.equal(path.split("L").length, 3);
  assert.ok(path.startsWith("M0.0,"));
  const broken = curvePath([[0, 2], [1, null], [2, 1]], 100, 50).path;
  assert.equal(broken.split("M").length - 1, 2);
});

test("the network's pictures: units in columns, weights by size and sign", () => {
  const places = neuronPlaces([2, 4, 4, 1], 240, 160);
  assert.deepEqual(places.map((column) => column.length), [2, 4, 4, 1]);
  assert.deepEqual(places[3][0], [210, 80]);
  const thick = strokeOf(-2, 2);
  const thin = strokeOf(0.1, 2);
  assert.ok(thick.width > thin.width && thick.colour !== thin.colour);
  assert.equal(strokeOf(0, 0).width, 0.5);
  // W1 is 2 × 4, stored row by row as Python's ravel gives it; the last layer a vector
  const weights = { W1: [0, 1, 2, 3, 4, 5, 6, 7], W3: [10, 11, 12, 13] };
  assert.equal(weightOf(weights, [2, 4, 4, 1], 0, 1, 2), 6);     // W1[1, 2]
  assert.equal(weightOf(weights, [2, 4, 4, 1], 2, 3, 0), 13);    // W3[3]
  const [r, g, b] = shade(0);
  assert.deepEqual([r, g, b], [255, 255, 255]);
  assert.ok(shade(100)[2] > shade(100)[0] && shade(-100)[0] > shade(-100)[2]);
});

test("the page asks again no sooner than 1/speed s after the last time", () => {
  assert.equal(nextDelay(1000, 1010, 10), 90);
  assert.equal(nextDelay(1000, 1200, 10), 0);
  assert.ok(Math.abs(nextDelay(0, 0, 30) - 1000 / 30) < 1e-9);
});

test("the numbers table shows what the stepper has reached, ? before", () => {
  const row = { name: "b3", own: "0.5", ownAt: 20, after: "0.1", afterAt: 30 };
  assert.deepEqual([rowAt(row, 19).own, rowAt(row, 20).own], ["?", "0.5"]);
  assert.deepEqual([rowAt(row, 29).after, rowAt(row, 30).after], ["?", "0.1"]);
});
