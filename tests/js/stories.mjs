// Stories (the stepper's JSON) for the tests, made by tutor.widgets.story in Python.
//
// pytest (tests/test_stepper_js.py) writes them to a file and passes its path in
// TUTOR_STORIES; run alone (`node --test tests/js`), this asks Python for them
// (TUTOR_PYTHON, or python3 on the PATH, with the repository on its path).

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const REPOSITORY = join(here, "..", "..");

function fromPython() {
  const python = process.env.TUTOR_PYTHON || "python3";
  const script = "import sys; sys.path.insert(0, 'tests'); import stepper_stories; "
    + "print(stepper_stories.all_json())";
  return execFileSync(python, ["-c", script], { cwd: REPOSITORY, encoding: "utf-8",
                                                maxBuffer: 64 << 20 });
}

const text = process.env.TUTOR_STORIES ? readFileSync(process.env.TUTOR_STORIES, "utf-8")
  : fromPython();
export const STORIES = JSON.parse(text);
