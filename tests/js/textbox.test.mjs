// The text box's rule (tutor/widgets/textbox.js): a text Python sends never lands in the
// box while the learner is in it; it waits for them to leave, unless they typed meanwhile.

import assert from "node:assert/strict";
import { test } from "node:test";

import { arrive } from "../../tutor/widgets/textbox.js";

test("a box without the focus shows what Python sends at once", () => {
  assert.deepEqual(arrive({ shown: "x=1", incoming: "x=1, y=1", focused: false, typed: false }),
                   { show: "x=1, y=1", held: null });
});

test("a box with the focus keeps its text and holds Python's until the learner leaves", () => {
  assert.deepEqual(arrive({ shown: "a=1", incoming: "a=1, b=1", focused: true, typed: false }),
                   { show: "a=1", held: "a=1, b=1" });
});

test("once the learner has typed, Python's text is dropped: theirs is newer", () => {
  assert.deepEqual(arrive({ shown: "a=2, b=3", incoming: "a=1, b=1, c=1", focused: true,
                            typed: true }),
                   { show: "a=2, b=3", held: null });
});

test("the same text changes nothing, focused or not", () => {
  for (const focused of [true, false]) {
    assert.deepEqual(arrive({ shown: "x=1", incoming: "x=1", focused, typed: true }),
                     { show: "x=1", held: null });
  }
});
