"""HIPS autograd 1.9.1's own examples, run against tutor.autograd with only their imports
rewritten, print what they print under HIPS autograd.

The examples come from HIPS's source distribution, fetched with pip at run time as
``tools/hips_compat.py`` fetches its tests (nothing of HIPS is stored here; without the
network the test is skipped). Each example runs twice in a fresh folder, once under the
sdist's own ``autograd`` package and once under ``tutor.autograd``, with numpy's random seed
set to 0 first. Their printed text must match: words exactly, numbers to 1e-9 relative (the
two libraries may round the last digit differently), ``dot_graph.py``'s node names (Python
object ids) up to renaming. The pictures they save must show the same curves.

These are the examples that need neither scipy nor a download: among them ``print_trace.py``
and ``dot_graph.py`` (a Node subclass and ``trace(start_node, f, x)``) and ``rkhs.py`` (a new
kind of value with its own Box and VSpace).
"""

import ast
import importlib.util
import os
import pathlib
import re
import subprocess
import sys

import numpy as onp
import pytest

REPO = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = ["print_trace.py", "dot_graph.py", "rkhs.py", "define_gradient.py", "fixed_points.py",
            "logistic_regression.py", "sinusoid.py", "tanh.py"]
SEEDED_RUN = ("import runpy, sys, numpy; numpy.random.seed(0); sys.argv = [sys.argv[1]]; "
              "runpy.run_path(sys.argv[0], run_name='__main__')")


@pytest.fixture(scope="module")
def hips(tmp_path_factory):
    """Folders of HIPS 1.9.1's sdist: ``package`` (its autograd), ``examples`` as they are,
    ``rewritten`` (the examples importing tutor.autograd)."""
    spec = importlib.util.spec_from_file_location("hips_compat", REPO / "tools" / "hips_compat.py")
    compat = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(compat)
    workspace = tmp_path_factory.mktemp("hips")
    try:
        archive = compat.download_sdist(workspace)
    except SystemExit as error:                     # no network, no PyPI
        pytest.skip(f"HIPS autograd's sdist could not be fetched: {error}")
    package = compat.extract_folder(archive, "autograd", workspace / "package").parent
    examples = compat.extract_folder(archive, "examples", workspace / "hips")
    rewritten = compat.extract_folder(archive, "examples", workspace / "ours", rewrite=True)
    return {"package": package, "examples": examples, "rewritten": rewritten}


def needs_scipy_or_a_download(path):
    """Does the example (or an example it imports) import scipy or fetch data?"""
    imported = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    for name in imported:
        parts = name.split(".")
        if "scipy" in parts or parts[0] in ("data", "data_mnist", "urllib", "requests"):
            return True
        local = path.parent / f"{parts[0]}.py"
        if local.exists() and local != path and needs_scipy_or_a_download(local):
            return True
    return False


def test_every_example_without_scipy_or_a_download_is_run_here(hips):
    runnable = {path.name for path in hips["examples"].glob("*.py")
                if path.name != "__init__.py" and not needs_scipy_or_a_download(path)}
    assert runnable == set(EXAMPLES)


def run_both(hips, name, tmp_path):
    """Start the example under HIPS and under tutor.autograd at once; return both results."""
    runs = {"hips": (hips["examples"], [hips["package"], hips["examples"]]),
            "ours": (hips["rewritten"], [REPO, hips["rewritten"]])}
    processes, results = {}, {}
    try:
        for side, (folder, path) in runs.items():
            cwd = tmp_path / side
            cwd.mkdir()
            env = dict(os.environ, MPLBACKEND="Agg",
                       PYTHONPATH=os.pathsep.join(str(entry) for entry in path))
            processes[side] = subprocess.Popen(
                [sys.executable, "-c", SEEDED_RUN, str(folder / name)], cwd=cwd, env=env,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for side, process in processes.items():
            stdout, stderr = process.communicate(timeout=300)
            assert process.returncode == 0, f"{name} under {side}:\n{stderr}"
            results[side] = (stdout, tmp_path / side)
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()
    return results["hips"], results["ours"]


NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def same_text(expected, actual):
    """Equal, but for numbers within 1e-9 relative and renamed node ids (node_<id>)."""
    expected, actual = (renumber_nodes(text) for text in (expected, actual))
    if NUMBER.split(expected) != NUMBER.split(actual):
        return False
    return all(onp.isclose(float(a), float(b), rtol=1e-9, atol=1e-12)
               for a, b in zip(NUMBER.findall(expected), NUMBER.findall(actual), strict=True))


def renumber_nodes(text):
    ids = {}
    return re.sub(r"node_\d+", lambda match: f"node{ids.setdefault(match.group(), len(ids))}",
                  text)


@pytest.mark.parametrize("name", EXAMPLES)
def test_an_example_prints_what_it_prints_under_hips(hips, name, tmp_path):
    (expected, hips_folder), (actual, our_folder) = run_both(hips, name, tmp_path)
    assert same_text(expected, actual), f"{name}:\n--- HIPS\n{expected}\n--- ours\n{actual}"
    pictures = sorted(path.name for path in hips_folder.glob("*.png"))
    assert pictures == sorted(path.name for path in our_folder.glob("*.png"))
    assert expected.strip() or pictures, f"{name} showed nothing under HIPS"
    import matplotlib.image
    for picture in pictures:
        theirs = matplotlib.image.imread(hips_folder / picture)
        ours = matplotlib.image.imread(our_folder / picture)
        assert theirs.shape == ours.shape and onp.abs(theirs - ours).mean() < 1e-3, picture


def test_the_comparison_itself():
    assert same_text('node_17 -> node_4;\nnode_4 [label="0.5"]', 'node_9 -> node_2;\nnode_2 [label="0.5"]')
    assert not same_text("node_1 -> node_2", "node_1 -> node_1")
    assert same_text("x = 0.3535533905932738", "x = 0.35355339059327373")
    assert not same_text("x = 0.35355", "x = 0.35356") and not same_text("add(A,A)", "add(A, A)")
