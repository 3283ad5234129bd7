"""A learner's home on a hub: their own copy of the course, and where their progress goes.

Every learner's single-user server starts in that learner's home, and Voila serves
``app.ipynb`` from there, so the home must hold the course: the dashboard and the lesson
notebooks. Copies, not links: a learner who edits a lesson edits their own copy, and the
teacher's files (and the other learners') stay as they were.

Copying is careful with what is already there: a file the learner already has is never
overwritten (their work is theirs), and a notebook added to the course later still reaches
homes made before it. So it is safe to run on every start of a server:

* on one machine, ``jupyterhub_config.py`` calls :func:`prepare_home` before each spawn;
* on Kubernetes, the single-user image runs this file as a post-start hook::

      python learner_home.py HOME [COURSE]

Progress goes to :func:`progress_db_path` in the home; the hub sets ``TUTOR_PROGRESS_DB``
to it, so the exercise store (``tutor/exercises/store.py``) writes there, and the class
report (``python -m tutor.report``) finds it there.
"""

import shutil
import sys
from pathlib import Path

COURSE = Path(__file__).resolve().parent.parent.parent   # the repository (or the image's copy)
COURSE_FILES = ("app.ipynb", "lessons")                  # what every learner gets a copy of
PROGRESS_DB = Path(".local", "share", "autograd-tutor", "progress.sqlite")


def progress_db_path(home):
    """The learner's progress database: the store's usual place, inside their home."""
    return Path(home) / PROGRESS_DB


def prepare_home(home, course=COURSE):
    """Copy the course's ``COURSE_FILES`` into ``home``, keeping whatever is already there.

    Returns the paths copied this time (relative to ``home``), so a caller can log them.
    Notebook checkpoints and caches in the course folder are not copied.
    """
    home, course = Path(home), Path(course)
    home.mkdir(parents=True, exist_ok=True)
    progress_db_path(home).parent.mkdir(parents=True, exist_ok=True)
    copied = []
    for name in COURSE_FILES:
        source = course / name
        sources = [source] if source.is_file() else sorted(source.rglob("*"))
        for item in sources:
            if not item.is_file() or _skipped(item.relative_to(course)):
                continue
            relative = item.relative_to(course)
            target = home / relative
            if target.exists():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(item, target)
            copied.append(relative)
    return copied


def _skipped(relative):
    return any(part.startswith(".") or part == "__pycache__" for part in relative.parts)


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: python learner_home.py HOME [COURSE]")
    done = prepare_home(*sys.argv[1:])
    print(f"copied {len(done)} course files into {sys.argv[1]}")
