// tutor/export/boot.js in Node: the model a page keeps for each stepper, and what a page's
// address and data- attributes say (run by tests/test_export_html.py).
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  PageModel, bootSteppers, linkSteps, stepFromAddress, traitsOf,
} from "../../tutor/export/boot.js";

test("the model tells a trait's handlers about a change, once, and only on a change", () => {
  const model = new PageModel({ k: 0 });
  const seen = [];
  const handler = () => seen.push(model.get("k"));
  model.on("change:k", handler);
  model.set("k", 3);
  model.set("k", 3);                    // no change, no call
  model.set("speed", 5);                // another trait's handlers only
  assert.deepEqual(seen, [3]);
  model.off("change:k", handler);
  model.set("k", 4);
  assert.deepEqual(seen, [3]);
  assert.equal(model.get("k"), 4);
  model.save_changes();                 // there is nowhere to save to: nothing happens
});

test("a handler may remove itself while the change is being told", () => {
  const model = new PageModel({ k: 0 });
  const calls = [];
  const once = () => { calls.push("once"); model.off("change:k", once); };
  model.on("change:k", once);
  model.on("change:k", () => calls.push("always"));
  model.set("k", 1);
  model.set("k", 2);
  assert.deepEqual(calls, ["once", "always", "always"]);
});

test("the address asks for a step with #k=N, and for none otherwise", () => {
  assert.equal(stepFromAddress("#k=7"), 7);
  assert.equal(stepFromAddress("#a=1&k=12"), 12);
  assert.equal(stepFromAddress("#k=0"), 0);
  for (const hash of ["", "#", "#k=", "#k=-1", "#k=two", "#kk=3", "#k=3x"]) {
    assert.equal(stepFromAddress(hash), null, hash);
  }
});

test("a stepper's traits come from its data- attributes, the address's step first", () => {
  const story = '{"version":1}';
  assert.deepEqual(traitsOf(story, { k: "5", speed: "4", pinned: "v3", mark: '{"k":2}' }), {
    story, k: 5, story_id: 1, playing: false, speed: 4, pinned: "v3", mark: { k: 2 },
  });
  const plain = traitsOf(story, {});
  assert.equal(plain.k, 0);
  assert.equal(plain.speed, 2);
  assert.deepEqual(plain.mark, {});
  assert.equal(traitsOf(story, { k: "5" }, 9).k, 9);
});

test("every stepper place of a page is rendered with its own model", () => {
  const place = (text, dataset) => ({
    dataset,
    textContent: "<the story>",
    querySelector: () => ({ textContent: text }),
  });
  const places = [place('{"a":1}', { k: "2" }), place('{"b":2}', {})];
  const page = { querySelectorAll: () => places, location: { hash: "#k=9" } };
  const rendered = [];
  const models = bootSteppers(page, ({ model, el }) => rendered.push([model, el]));
  assert.equal(models.length, 2);
  assert.deepEqual(rendered.map(([model]) => model.get("story")), ['{"a":1}', '{"b":2}']);
  // with two steppers, #k=9 is not for either of them
  assert.deepEqual(models.map((model) => model.get("k")), [2, 0]);
  assert.equal(places[0].textContent, "");
  const alone = bootSteppers({ querySelectorAll: () => [place("{}", { k: "1" })],
                               location: { hash: "#k=9" } }, () => {});
  assert.equal(alone[0].get("k"), 9);
});

test("linked steppers step together, and a stepper of no group alone", () => {
  const place = (dataset) => ({ dataset, textContent: "", querySelector: () => null });
  const page = { querySelectorAll: () => [place({ link: "1" }), place({}), place({ link: "1" })],
                 location: { hash: "" } };
  const [mine, alone, reference] = bootSteppers(page, () => {});
  mine.set("k", 4);
  assert.deepEqual([mine, alone, reference].map((model) => model.get("k")), [4, 0, 4]);
  reference.set("k", 2);
  assert.deepEqual([mine, alone, reference].map((model) => model.get("k")), [2, 0, 2]);
  alone.set("k", 7);
  assert.equal(mine.get("k"), 2);
  const [a, b, c] = [0, 1, 2].map(() => new PageModel({ k: 0 }));
  linkSteps([[a, b, c]]);
  c.set("k", 3);
  assert.deepEqual([a, b, c].map((model) => model.get("k")), [3, 3, 3]);
});
