"""The notebooks: every lesson and the dashboard's ``app.ipynb`` run top to bottom, as shipped.

A learner opens a lesson in a fresh kernel and runs every cell before writing a single line.
That must work: no cell may raise, and the exercise cells, still holding their stubs, must
answer "not done yet" when checked instead of failing. These tests check exactly that:

* each notebook is executed with ``nbclient`` in a fresh ``python3`` kernel that runs *this*
  interpreter (the project's virtualenv), from the notebook's own folder, with the progress
  store pointed at a temporary file so that a test run never touches a learner's progress;
* the lessons are committed clean (no outputs), are in teaching order, and each ends with a
  summary and has at least two exercises of its own lesson from the catalog;
* every exercise stub, checked as shipped, fails with "not done yet" feedback.

The executing tests are marked ``notebooks`` (``pytest -m "not notebooks"`` skips them).
"""

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

import tutor.exercises as ex

REPO = Path(__file__).resolve().parent.parent
LESSONS = sorted((REPO / "lessons").glob("[0-9][0-9]_*.ipynb"))
APP = REPO / "app.ipynb"
CELL_TIMEOUT = 120          # seconds for any one cell
KERNEL_NAME = "python3"

SHOW = re.compile(r'^ex\.get\("(?P<id>[^"]+)"\)$')
CHECK = re.compile(r'^ex\.CheckWidget\("(?P<id>[^"]+)"\)$')


def lesson_number(path):
    return int(path.name[:2])


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    """A ``python3`` kernelspec that starts this very interpreter, and a scratch progress file.

    The spec goes first on ``JUPYTER_PATH``, so it wins over any ``python3`` kernel installed
    for the user or the system (which might be another Python without the project in it).
    The kernel inherits this process's environment, ``TUTOR_PROGRESS_DB`` included.
    """
    root = tmp_path_factory.mktemp("jupyter")
    spec_dir = root / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (autograd-tutor tests)",
        "language": "python",
    }))
    patch = pytest.MonkeyPatch()
    patch.setenv("JUPYTER_PATH", str(root))
    patch.setenv("TUTOR_PROGRESS_DB", str(root / "progress.sqlite"))
    patch.setenv("TUTOR_MYGRAD_DIR", str(root / "mygrad"))     # never the learner's mygrad.py
    patch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    yield root
    patch.undo()


def execute(notebook, folder):
    """Run ``notebook`` top to bottom in a fresh kernel started in ``folder``; return it."""
    from nbclient import NotebookClient
    client = NotebookClient(notebook, kernel_name=KERNEL_NAME, timeout=CELL_TIMEOUT,
                            allow_errors=True, resources={"metadata": {"path": str(folder)}})
    client.execute()
    return notebook


def problems(notebook, stderr_allowed):
    """Error outputs (and, unless allowed, anything written to stderr), one line each."""
    found = []
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                found.append(f"cell {index} ({cell.get('id')}): {output.ename}: {output.evalue}")
            elif (output.output_type == "stream" and output.name == "stderr"
                  and not stderr_allowed):
                found.append(f"cell {index} ({cell.get('id')}) wrote to stderr: "
                             f"{output.text.strip()[:300]}")
    return found


def code_sources(path):
    notebook = nbformat.read(path, as_version=4)
    return [cell.source.strip() for cell in notebook.cells if cell.cell_type == "code"]


# ------------------------------------------------------------------ executing them


@pytest.mark.notebooks
def test_the_kernel_runs_this_interpreter(kernel_env):
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell(
        "import os, sys\nprint(sys.prefix)\nprint(os.environ['TUTOR_PROGRESS_DB'])"))
    execute(notebook, REPO)
    printed = notebook.cells[0].outputs[0].text.splitlines()
    assert printed == [sys.prefix, str(kernel_env / "progress.sqlite")]


@pytest.mark.notebooks
@pytest.mark.parametrize("path", LESSONS, ids=[path.stem for path in LESSONS])
def test_lesson_runs_top_to_bottom(path, kernel_env):
    notebook = execute(nbformat.read(path, as_version=4), path.parent)
    assert problems(notebook, stderr_allowed=False) == []


@pytest.mark.notebooks
def test_app_notebook_runs_top_to_bottom(kernel_env):
    assert APP.exists(), "app.ipynb (the dashboard) is missing"
    notebook = execute(nbformat.read(APP, as_version=4), REPO)
    assert problems(notebook, stderr_allowed=True) == []
    assert any(output.output_type == "display_data"
               for cell in notebook.cells for output in cell.get("outputs", [])), \
        "app.ipynb showed nothing"


# ------------------------------------------------------------ what the lessons hold


def test_there_are_at_least_ten_lessons_numbered_in_teaching_order():
    numbers = [lesson_number(path) for path in LESSONS]
    assert numbers == list(range(1, len(numbers) + 1))
    assert len(numbers) >= 10


@pytest.mark.parametrize("path", LESSONS, ids=[path.stem for path in LESSONS])
def test_lesson_is_committed_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


@pytest.mark.parametrize("path", LESSONS, ids=[path.stem for path in LESSONS])
def test_lesson_has_a_title_a_summary_and_two_exercises_of_its_own(path):
    notebook = nbformat.read(path, as_version=4)
    markdown = [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]
    assert markdown[0].startswith(f"# Lesson {lesson_number(path)} ")
    assert markdown[-1].startswith("## Summary")
    checked = [CHECK.match(source).group("id") for source in code_sources(path)
               if CHECK.match(source)]
    assert len(checked) >= 2
    for exercise_id in checked:
        assert ex.get(exercise_id).lesson == lesson_number(path), exercise_id


def stubs(path):
    """``(exercise id, stub source)`` for each code exercise: the cell between the prompt
    (``ex.get(id)``) and the check widget (``ex.CheckWidget(id)``)."""
    sources = code_sources(path)
    found = []
    for index in range(len(sources) - 2):
        shown, checked = SHOW.match(sources[index]), CHECK.match(sources[index + 2])
        if shown and checked and shown.group("id") == checked.group("id"):
            found.append((shown.group("id"), sources[index + 1]))
    return found


ALL_STUBS = [(path, exercise_id, source) for path in LESSONS
             for exercise_id, source in stubs(path)]


def test_every_code_exercise_has_a_prompt_a_stub_and_a_check():
    checked_code = {CHECK.match(source).group("id")
                    for path in LESSONS for source in code_sources(path)
                    if CHECK.match(source) and ex.get(CHECK.match(source).group("id")).kind
                    == "function"}
    assert checked_code == {exercise_id for _, exercise_id, _ in ALL_STUBS}


@pytest.mark.parametrize("path, exercise_id, source", ALL_STUBS,
                         ids=[exercise_id for _, exercise_id, _ in ALL_STUBS])
def test_an_unfilled_exercise_says_not_done_yet(path, exercise_id, source):
    exercise = ex.get(exercise_id)
    namespace = {}
    exec(compile(source, f"<{path.name}: stub of {exercise_id}>", "exec"), namespace)
    answer = namespace[exercise.spec.name]
    result = ex.check(exercise_id, answer, record=False)
    assert not result.passed
    assert "not done yet" in result.message.lower()


# ------------------------------------------- with the stubs filled by the reference solutions


def filled(path):
    """Lesson ``path`` with every stub replaced by its exercise's reference solution, and
    after each one a cell printing that solution's check, as a learner who got it right."""
    notebook = nbformat.read(path, as_version=4)
    stub_sources = {source: exercise_id for exercise_id, source in stubs(path)}
    cells = []
    for cell in notebook.cells:
        exercise_id = stub_sources.get(cell.source.strip()) if cell.cell_type == "code" else None
        if exercise_id is None:
            cells.append(cell)
            continue
        exercise = ex.get(exercise_id)
        cell.source = exercise.solution_source
        cells.append(cell)
        cells.append(nbformat.v4.new_code_cell(
            f"print('CHECK', {exercise_id!r}, "
            f"ex.check({exercise_id!r}, {exercise.spec.name}, record=False).passed)"))
    notebook.cells = cells
    return notebook


def printed(notebook):
    """What the cells printed, and the plain text of what they returned."""
    return "\n".join(output.get("text", "") or output.get("data", {}).get("text/plain", "")
                     for cell in notebook.cells for output in cell.get("outputs", [])
                     if output.output_type in ("stream", "execute_result"))


# Lessons 1-10 build the learner's autograd (kept in mygrad.py); later ones use tutor.autograd.
BUILDING_LESSONS = [path for path in LESSONS if lesson_number(path) <= 10]
LATER_LESSONS = [path for path in LESSONS if lesson_number(path) > 10]


@pytest.mark.notebooks
def test_with_the_stubs_filled_every_lesson_uses_the_learners_pieces(kernel_env):
    """Lessons in order, sharing one mygrad.py: each filled stub passes its check in its own
    notebook, is kept (or used) by the cells below as the prose says, and lesson 7's
    capstone passes on the learner's whole autograd; lesson 10 then trains with it."""
    outputs = {}
    for path in BUILDING_LESSONS:
        notebook = execute(filled(path), path.parent)
        assert problems(notebook, stderr_allowed=False) == [], path.name
        outputs[lesson_number(path)] = printed(notebook)
    for number, text in outputs.items():
        checks = re.findall(r"^CHECK (\S+) (True|False)$", text, re.MULTILINE)
        assert checks, number
        for exercise_id, passed in checks:
            assert passed == "True", (number, exercise_id, text[-2000:])
        assert "Not kept" not in text and "does not pass" not in text, (number, text[-2000:])
    for name in ("primitive", "vjp_sin", "vjp_divide_y", "unbroadcast", "toposort",
                 "backward_pass", "grad"):
        assert f"Kept your {name} in mygrad.py" in "\n".join(outputs.values()), name
    capstone = outputs[7]          # issue 20.2: the verdict is on the learner's whole autograd
    assert "your whole autograd: ✔ passed" in capstone, capstone[-2000:]
    assert "the course's" not in capstone.split("Your autograd")[-1]
    assert "The cells below use your vjp_sum." in outputs[8]
    assert "The cells below use your partials." in outputs[1]
    assert "The cells below use your ancestors." in outputs[3]
    assert "The cells below use your newton_step." in outputs[9]
    assert "The cells below use your sgd_step." in outputs[10]
    assert "Training with YOUR autograd" in outputs[10]
    assert "primitive: yours (lesson 4)" in outputs[5]
    assert "yours here: unbroadcast, toposort, backward_pass | the course's (above): none" \
        in outputs[8]
    # Lesson 1's prose: the best central step is near 1e-5 (about 10 digits), one-sided 1e-8.
    best = re.search(r"central difference: ε ≈ (\S+), error (\S+); for the one-sided: "
                     r"ε ≈ (\S+), error (\S+)$", outputs[1], re.MULTILINE)
    central_step, central_error, one_step, one_error = map(float, best.groups())
    assert 1e-6 <= central_step <= 1e-4 and central_error < 1e-9
    assert 1e-9 <= one_step <= 1e-7 and 1e-9 < one_error < 1e-7
    assert "yours here: toposort, backward_pass, grad | the course's (above): none" in outputs[9]


@pytest.mark.notebooks
@pytest.mark.parametrize("path", LATER_LESSONS, ids=[path.stem for path in LATER_LESSONS])
def test_a_later_lesson_with_its_stubs_filled_passes_its_own_checks(path, kernel_env):
    notebook = execute(filled(path), path.parent)
    assert problems(notebook, stderr_allowed=False) == []
    text = printed(notebook)
    checks = re.findall(r"^CHECK (\S+) (True|False)$", text, re.MULTILINE)
    assert all(passed == "True" for _, passed in checks), checks
    code = [exercise for exercise in ex.catalog(lesson=lesson_number(path))
            if exercise.kind == "function"]
    assert sorted(exercise_id for exercise_id, _ in checks) == sorted(e.id for e in code)
    for exercise in code:       # use(...) or keep(...) after each check takes the learner's
        name = exercise.spec.name
        assert f"The cells below use your {name}." in text or \
            f"Kept your {name} in mygrad.py" in text, exercise.id


def test_no_cell_defines_a_stubs_function_before_the_learner_has_written_it():
    for path in LESSONS:
        sources = code_sources(path)
        for exercise_id, stub in stubs(path):
            name = ex.get(exercise_id).spec.name
            before = sources[:sources.index(stub)]
            defining = re.compile(rf"^(def {name}\(|{name}\s*=)", re.MULTILINE)
            for source in before:
                assert not defining.search(source), \
                    f"{path.name}: a cell above the stub of {exercise_id} defines {name}"
