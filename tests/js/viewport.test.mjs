import assert from "node:assert/strict";
import { test } from "node:test";

import {
  LIMITS, boxHeight, bringIntoView, fitView, panBy, pinch, showsAll, zoomAt,
} from "../../tutor/widgets/stepper/viewport.js";

test("a graph that fits is fitted to the width and centred", () => {
  const content = { width: 800, height: 300 };
  const view = fitView(content, 700);
  assert.equal(view.scale, 700 / 800);
  assert.equal(view.x, 0);
  assert.ok(showsAll(view, content, { width: 700, height: boxHeight(content, view.scale) }));
  const small = fitView({ width: 200, height: 100 }, 700);
  assert.equal(small.scale, LIMITS.largest);            // never blown up further
  assert.equal(small.x, (700 - 200 * LIMITS.largest) / 2);
});

test("a small graph in a narrow box shrinks below the readable scale to show whole", () => {
  const content = { width: 674, height: 290 };          // the seed's graph on a 390 px phone
  const view = fitView(content, 368);
  assert.ok(view.scale < LIMITS.readable && view.scale >= LIMITS.whole);
  assert.ok(showsAll(view, content, { width: 368, height: boxHeight(content, view.scale) }));
  const wider = { width: 368 / LIMITS.whole + 1, height: 290 };    // whole would be too small
  assert.equal(fitView(wider, 368).scale, LIMITS.readable);
});

test("a huge graph starts readable, not as a hairball", () => {
  const content = { width: 30000, height: 2000 };
  const view = fitView(content, 1000);
  assert.equal(view.scale, LIMITS.readable);
  assert.equal(boxHeight(content, view.scale), LIMITS.tallest);
  assert.ok(!showsAll(view, content, { width: 1000, height: LIMITS.tallest }));
});

test("zooming keeps the point under the pointer where it is", () => {
  const view = { scale: 1, x: 10, y: 20 };
  const zoomed = zoomAt(view, 2, { x: 110, y: 70 });
  const before = { x: (110 - view.x) / view.scale, y: (70 - view.y) / view.scale };
  assert.equal(zoomed.x + before.x * zoomed.scale, 110);
  assert.equal(zoomed.y + before.y * zoomed.scale, 70);
  assert.equal(zoomAt(view, 1000, { x: 0, y: 0 }).scale, LIMITS.most);
  assert.equal(zoomAt(view, 0.0001, { x: 0, y: 0 }).scale, LIMITS.smallest);
});

test("panning keeps some of the drawing in the box", () => {
  const content = { width: 1000, height: 500 };
  const box = { width: 400, height: 300 };
  const far = panBy({ scale: 1, x: 0, y: 0 }, -5000, -5000, content, box);
  assert.equal(far.x, 60 - 1000);
  assert.equal(far.y, 60 - 500);
  assert.deepEqual(panBy({ scale: 1, x: 0, y: 0 }, 5000, 0, content, box).x, 400 - 60);
});

test("a node out of sight is brought to the middle of the box; one in sight stays put", () => {
  const box = { width: 400, height: 300 };
  const view = { scale: 1, x: 0, y: 0 };
  const moved = bringIntoView(view, { x: 900, y: 20, width: 100, height: 40 }, box);
  assert.equal(moved.x + 950 * moved.scale, 200);
  assert.equal(moved.y, 0);                             // in sight vertically: not moved
  assert.deepEqual(bringIntoView(view, { x: 50, y: 50, width: 50, height: 50 }, box), view);
  assert.deepEqual(bringIntoView(view, { x: 2, y: 2, width: 50, height: 50 }, box), view);
  assert.equal(pinch({ x: 0, y: 0 }, { x: 3, y: 4 }).distance, 5);
});
