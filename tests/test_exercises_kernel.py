"""Exercises inside a real Jupyter kernel, as a learner uses them in a lesson notebook.

An endless loop in an exercise cell is stopped by the time limit and the kernel keeps
running the next cells, and so does an answer calling ``os._exit`` or switching the alarm
off before a long C loop (the checker runs it in a forked child); the check widget finds the learner's latest definition in the
notebook; an exception points at the learner's cell, not at the tutor's code.
"""

import json
import sys

import nbformat
import pytest

pytestmark = pytest.mark.notebooks

KERNEL_NAME = "python3"

CELLS = [
    "import numpy as np\nimport tutor.exercises as ex",
    # An endless loop: stopped, reported, and the kernel stays usable.
    "def vjp_sin(ans, x):\n    while True:\n        pass",
    "looped = ex.check('l05-vjp-sin', vjp_sin, time_limit=1)\n"
    "assert looped.problem == 'timeout', looped\nprint(looped.message)",
    # A learner's bug: the traceback shows this cell's line, and nothing from tutor.
    "def vjp_sin(ans, x):\n    return lambda g: g * np.cos(x) / undefined_name",
    "raised = ex.check('l05-vjp-sin', vjp_sin)\n"
    "assert raised.problem == 'exception', raised\n"
    "assert 'undefined_name' in raised.details and '/tutor/' not in raised.details\n"
    "raised",
    # The widget looks up the newest vjp_sin among the notebook's variables.
    "def vjp_sin(ans, x):\n    return lambda g: g * np.cos(x)",
    "widget = ex.CheckWidget('l05-vjp-sin')\nresult = widget.check()\n"
    "assert result.passed, result\nwidget",
    # Escapes the old in-process limit could not stop: the kernel survives them all.
    "import os, signal\n"
    "def vjp_sin(ans, x):\n    os._exit(0)\n"
    "ended = ex.check('l05-vjp-sin', vjp_sin)\n"
    "assert ended.problem == 'exception' and 'ended the process' in ended.message, ended",
    "def vjp_sin(ans, x):\n    signal.setitimer(signal.ITIMER_REAL, 0)\n"
    "    sum(range(3 * 10**8))\n"
    "import time\nstart = time.monotonic()\n"
    "slow = ex.check('l05-vjp-sin', vjp_sin, time_limit=0.5)\n"
    "assert slow.problem == 'timeout' and time.monotonic() - start < 4, slow",
    "print('kernel alive', sorted(ex.progress().passed))",
]


@pytest.fixture
def kernel_env(tmp_path, monkeypatch):
    """A ``python3`` kernelspec running this interpreter; progress in a scratch file."""
    spec_dir = tmp_path / "jupyter" / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (exercise tests)", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("TUTOR_PROGRESS_DB", str(tmp_path / "progress.sqlite"))
    return tmp_path


def test_exercises_in_a_live_kernel(kernel_env):
    from nbclient import NotebookClient
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)
                                               for source in CELLS])
    NotebookClient(notebook, kernel_name=KERNEL_NAME, timeout=120, allow_errors=True,
                   resources={"metadata": {"path": str(kernel_env)}}).execute()
    errors = [f"cell {index}: {output.ename}: {output.evalue}"
              for index, cell in enumerate(notebook.cells)
              for output in cell.outputs if output.output_type == "error"]
    assert errors == []
    last = "".join(output.get("text", "") for output in notebook.cells[-1].outputs)
    assert "kernel alive ['l05-vjp-sin']" in last
    shown = notebook.cells[4].outputs[0]["data"]
    assert "tutor-exercise-result" in shown["text/html"]
    assert "application/vnd.jupyter.widget-view+json" in notebook.cells[6].outputs[0]["data"]
