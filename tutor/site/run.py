"""Running a lesson notebook top to bottom for the site, as a learner's first visit would.

Each lesson runs in a fresh kernel of *this* interpreter (a kernel spec made for the run,
so another ``python3`` installed on the machine is never used), from the lessons' folder,
with the exercise stubs as shipped: the learner's progress file and ``mygrad.py`` are
scratch copies in a temporary folder, so building the site never reads or changes a
learner's work, and what the pages show is the course's own pieces. nbclient keeps the
widgets' state in the notebook's metadata, which is what :mod:`.widgets` turns into pages.

Paths of the scratch folder and of the lessons' folder never reach a page: they are taken
out of every output.
"""

import json
import os
import sys
import tempfile
from pathlib import Path
from unittest import mock

import nbformat

__all__ = ["run_lesson", "CELL_TIMEOUT"]

CELL_TIMEOUT = 300          # seconds for one cell (lesson 13 measures; a busy machine is slow)
KERNEL = "tutor-site"


def _kernel_spec(folder):
    """A kernel spec named ``tutor-site`` under ``folder`` that starts this interpreter."""
    spec = Path(folder) / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python (autograd-tutor site)", "language": "python"}))


def _without_paths(text, paths):
    for path in paths:
        text = text.replace(json.dumps(path + os.sep)[1:-1], "").replace(
            json.dumps(path)[1:-1], ".")
    return text


def run_lesson(path, timeout=CELL_TIMEOUT):
    """Execute the notebook at ``path`` in a fresh kernel; return the executed notebook (its
    widget state in ``metadata.widgets``), with no path of this machine in its outputs."""
    from nbclient import NotebookClient

    path = Path(path).resolve()
    notebook = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="tutor-site-") as scratch:
        _kernel_spec(scratch)
        # the kernel inherits these; os.environ is as it was afterwards
        with mock.patch.dict(os.environ, {
                "JUPYTER_PATH": scratch,
                "TUTOR_PROGRESS_DB": os.path.join(scratch, "progress.sqlite"),
                "TUTOR_MYGRAD_DIR": scratch,
                "MPLBACKEND": "module://matplotlib_inline.backend_inline"}):
            NotebookClient(notebook, kernel_name=KERNEL, timeout=timeout, allow_errors=True,
                           store_widget_state=True,
                           resources={"metadata": {"path": str(path.parent)}}).execute()
        text = _without_paths(nbformat.writes(notebook),
                              [scratch, os.path.realpath(scratch), str(path.parent),
                               str(path.parent.parent)])
    return nbformat.reads(text, as_version=4)
