import assert from "node:assert/strict";
import { test } from "node:test";

import {
  METRICS, boxSize, edgeGeometry, heatColour, layoutGrid, portCounts, spreadLabels,
} from "../../tutor/widgets/stepper/geometry.js";
import { prepare } from "../../tutor/widgets/stepper/story.js";
import { STORIES } from "./stories.mjs";

const overlap = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width
  && a.y < b.y + b.height && b.y < a.y + a.height;

test("boxes hold their longest text at any step and never overlap", () => {
  for (const name of Object.keys(STORIES)) {
    const prepared = prepare(STORIES[name]);
    const grid = layoutGrid(prepared);
    grid.boxes.forEach((box, node) => {
      assert.ok(box.x >= 0 && box.y >= 0 && box.x + box.width <= grid.width
                && box.y + box.height <= grid.height, `${name} node ${node} outside`);
      for (const other of grid.boxes.slice(node + 1)) assert.ok(!overlap(box, other), name);
    });
  }
  const layer = prepare(STORIES.layer);
  const W = layer.story.nodes.findIndex((node) => node.id === "v0");
  const size = boxSize(layer, W);
  // "v0 (2×2) =", two rows, "ḡ (2×2) =", two rows: six lines under the heading
  assert.equal(size.height, 2 * METRICS.padY + METRICS.title + 6 * METRICS.line);
  const rows = prepare(STORIES.rows);
  const big = rows.story.nodes.findIndex((node) => node.id === "v1");       // 5×3: a heatmap
  assert.ok(boxSize(rows, big).height > 2 * METRICS.padY + METRICS.title + 4 * METRICS.line);
});

test("edges leave the parent's right side, reach the child's left, labels sit between columns", () => {
  for (const name of Object.keys(STORIES)) {
    const { story } = prepare(STORIES[name]);
    const prepared = prepare(story);
    const grid = layoutGrid(prepared);
    const ports = portCounts(story);
    for (const edge of story.edges) {
      const [from, to] = edge;
      const { d, label } = edgeGeometry(grid, story, edge, ports);
      const numbers = d.match(/-?\d+(\.\d+)?/g).map(Number);
      const source = grid.boxes[from];
      const target = grid.boxes[to];
      assert.ok(Math.abs(numbers[0] - (source.x + source.width)) < 0.11, name);
      assert.ok(Math.abs(numbers[numbers.length - 2] - target.x) < 0.11, name);
      const column = story.nodes[to].column;
      const gapLeft = grid.columns.at[column - 1] + grid.columns.width[column - 1];
      assert.ok(label.x > gapLeft && label.x < grid.columns.at[column], `${name}: label in gap`);
      for (const box of grid.boxes) {
        const inside = label.x > box.x && label.x < box.x + box.width
          && label.y > box.y && label.y < box.y + box.height;
        assert.ok(!inside, `${name}: a label over a box`);
      }
    }
    assert.ok(grid.gap >= METRICS.columnGap);
  }
});

test("labels that would overlap are moved apart, keeping their order", () => {
  const placed = spreadLabels([{ y: 10, height: 18 }, { y: 5, height: 18 }, { y: 40, height: 18 }]);
  assert.deepEqual(placed.map((label) => label.y), [25, 5, 45]);
});

test("heatmap colours run from blue through white to red", () => {
  assert.equal(heatColour(-10), "rgb(33,102,172)");
  assert.equal(heatColour(0), "rgb(247,247,247)");
  assert.equal(heatColour(10), "rgb(178,24,43)");
  assert.equal(heatColour(30), heatColour(10));
});
