"""Finding and reading every learner's progress: databases under homes, or exported files.

Two kinds of file hold a learner's progress:

* the progress database a learner's tutor writes (``progress.sqlite``; on the hub, at
  ``<homes>/<name>/.local/share/autograd-tutor/progress.sqlite``; on one Voila server
  shared by a class, one ``learners/<name>.sqlite`` per learner who typed a name);
* the JSON a learner exported for the teacher (``export_progress()`` or the Progress tab's
  download), whose ``"format"`` is ``"autograd-tutor-progress"``.

Both are read through one shape, the export document: a database is turned into one by the
exercise store's own ``export_json``. The store is never pointed at a learner's file itself:
each database (with its write-ahead log) is first copied into a temporary folder and read
there. So reading a class never changes or adds a file in a learner's home, never waits on
their locks, and a damaged file is reported, not repaired or moved, here.
"""

import json
import shutil
import sqlite3
import tempfile
import time
import warnings
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from ..exercises import LESSON_TITLES, catalog
from ..exercises.store import LessonProgress, ProgressStore

DATABASE_NAME = "progress.sqlite"
EXPORT_FORMAT = "autograd-tutor-progress"
COURSE_MARKER = "app.ipynb"        # every learner's home on the hub holds a copy of it
NAMED_LEARNERS = "learners"        # one Voila server's named learners: learners/<name>.sqlite
LARGEST_EXPORT = 5 * 2**20         # bytes; an export is a few kB, anything bigger is not one


@dataclass(frozen=True)
class Learner:
    """One learner: ``lessons`` maps each lesson to the store's :class:`LessonProgress`
    (passed, attempted, total), ``last_seen`` each lesson tried to its last attempt's time;
    ``problem`` says what could not be read, if anything."""

    name: str
    source: str
    lessons: dict = field(default_factory=dict)
    last_seen: dict = field(default_factory=dict)
    problem: str = ""

    @property
    def last_activity(self):
        return max(self.last_seen.values(), default=None)

    @property
    def passed(self):
        return sum(item.passed for item in self.lessons.values())


@dataclass(frozen=True)
class ClassProgress:
    """Every learner found, the lessons (number -> title), and notes on what was skipped."""

    learners: list
    lessons: dict
    notes: list = field(default_factory=list)


def read_class(*places):
    """Read every learner found in ``places`` (folders or files) into a :class:`ClassProgress`.

    A folder is searched at any depth. A learner is named by the folder directly under the
    one given (their home, on the hub); an exported file given or found at the top of a
    folder is named by its file name (``alice.json`` is alice). A home with no progress yet
    is listed with none. When one learner has both a database and an export, the database
    (the live record) is used and the export is noted as skipped.
    """
    found = {}          # name -> (path, kind)
    notes = []
    for place in map(Path, places):
        if not place.exists():
            notes.append(f"{place}: no such file or folder")
            continue
        for name, path, kind in _progress_files(place, notes):
            if name in found:
                kept, _ = found[name]
                if kind == "database" and found[name][1] != "database":
                    notes.append(f"{name}: {kept} skipped, the database {path} is used")
                    found[name] = (path, kind)
                else:
                    notes.append(f"{name}: {path} skipped, {kept} is used")
                continue
            found[name] = (path, kind)
    learners = []
    for name, (path, kind) in sorted(found.items()):
        if kind == "home":
            learners.append(Learner(name, str(path), _empty_lessons()))
        elif kind == "database":
            learners.append(read_database(path, name))
        else:
            learners.append(read_export(path, name))
    # The lessons that have exercises: today's catalog's, and any an older export counted.
    lessons = {lesson: item.title for lesson, item in _empty_lessons().items()}
    for learner in learners:
        for item in learner.lessons.values():
            if item.total:
                lessons.setdefault(item.lesson, item.title)
    return ClassProgress(learners, dict(sorted(lessons.items())), notes)


def read_database(path, name):
    """A :class:`Learner` from a progress database, read from a copy of it."""
    path = Path(path)
    if not _is_database(path):
        return Learner(name, str(path), _empty_lessons(), problem=
                       "not a progress database (the file is not SQLite)")
    with tempfile.TemporaryDirectory(prefix="tutor-report-") as folder:
        snapshot = Path(folder) / DATABASE_NAME
        healthy = _snapshot(path, snapshot)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                text = ProgressStore(snapshot).export_json(catalog(), LESSON_TITLES)
            except Exception as error:     # noqa: BLE001 (one bad file must not stop a report)
                return Learner(name, str(path), _empty_lessons(), problem=
                               f"the progress database could not be read ({error})")
    learner = learner_from_export(json.loads(text), name, str(path))
    if caught or not healthy:
        learner = replace(learner, problem="the progress database is damaged; what SQLite "
                                           "could still read is shown")
    return learner


def read_export(path, name):
    """A :class:`Learner` from a JSON file written by ``export_progress``."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return Learner(name, str(path), _empty_lessons(), problem=f"could not be read ({error})")
    if not _is_export(document):
        return Learner(name, str(path), _empty_lessons(), problem=
                       f"not an autograd-tutor progress export (no \"format\": "
                       f"\"{EXPORT_FORMAT}\")")
    return learner_from_export(document, name, str(path))


def learner_from_export(document, name, source):
    """A :class:`Learner` from an export document (the store's ``export_json``, version 1)."""
    last = {}
    for attempt in document.get("attempts", []):
        moment = _moment(attempt.get("time"))
        lesson = int(attempt.get("lesson", 0))
        if moment is not None and (lesson not in last or moment > last[lesson]):
            last[lesson] = moment
    lessons = {}
    for item in document.get("lessons", []):
        number = int(item["lesson"])
        lessons[number] = LessonProgress(number, str(item.get("title", "")),
                                         int(item.get("passed", 0)),
                                         int(item.get("attempted", 0)),
                                         int(item.get("total", 0)))
    return Learner(name, source, dict(sorted(lessons.items())), dict(sorted(last.items())))


# ------------------------------------------------------------------ finding the files

def _progress_files(place, notes):
    """(learner name, path, kind) for each progress file, or empty home, in ``place``."""
    if place.is_file():
        kind = "database" if _is_database(place) else "export"
        name = place.parent.name if place.name == DATABASE_NAME else place.stem
        yield name, place, kind
        return
    homes_with_progress = set()
    for path in sorted(place.rglob("*")):
        if not path.is_file() or ".ipynb_checkpoints" in path.parts:
            continue
        name = _learner_name(place, path)
        if path.parent.name == NAMED_LEARNERS and path.suffix == ".sqlite":
            yield path.stem, path, "database"       # a learner named on a shared dashboard
        elif path.name == DATABASE_NAME:
            homes_with_progress.add(name)
            yield name, path, "database"
        elif path.suffix == ".json" and _looks_like_export(path):
            homes_with_progress.add(name)
            yield name, path, "export"
    for home in sorted(place.iterdir()):
        if home.is_dir() and (home / COURSE_MARKER).exists() \
                and home.name not in homes_with_progress:
            yield home.name, home, "home"


def _learner_name(place, path):
    """The folder under ``place`` that holds ``path``; a file at the top is named by itself.

    A hidden folder (``.local``) means ``place`` is one learner's own home: its name.
    """
    relative = path.relative_to(place)
    if len(relative.parts) == 1:
        return path.stem
    return place.resolve().name if relative.parts[0].startswith(".") else relative.parts[0]


def _looks_like_export(path):
    try:
        if path.stat().st_size > LARGEST_EXPORT:
            return False
        return _is_export(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return False


def _is_export(document):
    return isinstance(document, dict) and document.get("format") == EXPORT_FORMAT


def _is_database(path):
    try:
        with open(path, "rb") as handle:
            return handle.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def _snapshot(source, target, tries=3):
    """Copy the database ``source`` and its write-ahead log to ``target``; True if healthy.

    Plain file copies, because opening a learner's database, even read-only, makes SQLite
    create its ``-shm`` and ``-wal`` files beside it, owned by whoever runs the report. The
    log's frames carry checksums, so a copy taken while the learner writes holds every
    attempt committed before it; if a copy still fails SQLite's check (a checkpoint ran
    meanwhile), it is taken again.
    """
    for attempt in range(tries):
        for suffix in ("", "-wal"):
            copy = target.with_name(target.name + suffix)
            try:
                shutil.copyfile(source.with_name(source.name + suffix), copy)
            except FileNotFoundError:
                copy.unlink(missing_ok=True)
        if _quick_check(target):
            return True
        time.sleep(0.2)
    return False


def _quick_check(path):
    try:
        connection = sqlite3.connect(path)
        try:
            return connection.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        finally:
            connection.close()
    except sqlite3.DatabaseError:
        return False


def _empty_lessons():
    totals = {}
    for exercise in catalog():
        totals[exercise.lesson] = totals.get(exercise.lesson, 0) + 1
    return {lesson: LessonProgress(lesson, LESSON_TITLES.get(lesson, ""), 0, 0, total)
            for lesson, total in sorted(totals.items())}


def _moment(text):
    try:
        return datetime.fromisoformat(text) if text else None
    except (TypeError, ValueError):
        return None
