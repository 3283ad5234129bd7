"""The stepper's JavaScript, tested in Node (``node --test tests/js``) and joined as anywidget
loads it. The stories the tests read are made here, by tutor.widgets.story."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import stepper_stories
from tutor.widgets.stepper import MODULES, module_text

HERE = Path(__file__).parent
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")


def test_the_pure_modules_pass_their_node_tests(tmp_path):
    stories = tmp_path / "stories.json"
    stories.write_text(stepper_stories.all_json(), encoding="utf-8")
    tests = sorted(str(path) for path in (HERE / "js").glob("*.test.mjs"))
    result = subprocess.run([NODE, "--test", *tests], capture_output=True, text=True,
                            timeout=300, env={"TUTOR_STORIES": str(stories),
                                              "TUTOR_PYTHON": sys.executable, "PATH": ""})
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]


def test_the_joined_module_is_one_valid_module_exporting_render(tmp_path):
    joined = tmp_path / "stepper.mjs"
    joined.write_text(module_text(), encoding="utf-8")
    script = (f"import('{joined.as_uri()}').then(m => console.log(typeof m.default.render, "
              f"typeof m.render))")
    result = subprocess.run([NODE, "--input-type=module", "-e", script], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["function", "function"]
    assert all(f"// ---- {name}" in module_text() for name in MODULES)
