"""Finding and reading every learner's progress: databases under homes, or exported files.

Two kinds of file hold a learner's progress:

* the progress database a learner's tutor writes (``progress.sqlite``; on the hub, at
  ``<homes>/<name>/.local/share/autograd-tutor/progress.sqlite``; on one Voila server
  shared by a class, one ``learners/<name>.sqlite`` per learner who typed a name);
* the JSON a learner exported for the teacher (``export_progress()`` or the Progress tab's
  download), whose ``"format"`` is ``"autograd-tutor-progress"``.

Both are read through one shape, the export document: a database is turned into one by the
exercise store's own ``export_json``. The store is never pointed at a learner's file itself:
each database (with its write-ahead log) is first copied into a temporary folder, its
attempts are read from the copy, checked, and written into a fresh database of the store's
own making, which the store then exports. So reading a class never changes or adds a file in
a learner's home, never waits on their locks, and a damaged file is reported, not repaired or
moved, here.

**A learner's file is data, never code, and its cost is bounded.** Any learner can put any
file in their home, so every file is read as if it were hostile:

* A database's schema is read as rows of ``sqlite_master`` and compared with the store's
  own; a database with anything else in it (a view, a trigger, a generated column, a
  changed table) is not read at all, since SQLite would compute those expressions while
  reading (a 12 KB file with a generated column could make it build gigabytes). Strings
  and blobs SQLite makes are capped at 1 MB, and a time limit stops any statement.
* At most :data:`LARGEST_DATABASE` bytes of database, :data:`LARGEST_EXPORT` bytes of
  export, :data:`MOST_ATTEMPTS` attempts and lesson numbers up to :data:`LAST_LESSON` are
  read from one learner; every number and text is checked for its type and range (no
  ``NaN``, ``Infinity``, ``"abc"`` as a lesson, ``null`` as a list, nesting beyond JSON's
  depth).
* Whatever fails becomes the learner's ``problem`` ("progress.json unreadable: ..."), a
  note on their row; the rest of the class is reported.
* Folders are walked without following symbolic links.
"""

import json
import math
import os
import sqlite3
import tempfile
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from ..exercises import LESSON_TITLES, catalog
from ..exercises import store as store_module
from ..exercises.store import LessonProgress, ProgressStore

DATABASE_NAME = "progress.sqlite"
EXPORT_FORMAT = "autograd-tutor-progress"
COURSE_MARKER = "app.ipynb"        # every learner's home on the hub holds a copy of it
NAMED_LEARNERS = "learners"        # one Voila server's named learners: learners/<name>.sqlite
LARGEST_EXPORT = 5 * 2**20         # bytes; an export is a few kB, anything bigger is not one
LARGEST_DATABASE = 32 * 2**20      # bytes of a database and its log; a learner's is ~100 kB
MOST_ATTEMPTS = 20_000             # attempts read from one learner (a course takes hundreds)
LAST_LESSON = 99                   # lessons are numbered 1..99 (lessons/NN_topic.ipynb)
MOST_PER_LESSON = 1_000            # exercises counted in one lesson
LONGEST_TEXT = 200                 # characters of an exercise id, a title or a time
LARGEST_SQL_VALUE = 2**20          # bytes of any string or blob SQLite makes while reading
SECONDS_PER_FILE = 10.0            # time SQLite may spend on one learner's database
EXPORT_SNIFF = 4096                # bytes read to tell an export from another JSON file


class Unreadable(Exception):
    """A learner's file that cannot be reported; the message says why, for their row."""


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
    readers = {"database": read_database, "export": read_export}
    for name, (path, kind) in sorted(found.items()):
        if kind == "home":
            learners.append(Learner(name, str(path), _empty_lessons()))
            continue
        try:
            learners.append(readers[kind](path, name))
        except Exception as error:      # noqa: BLE001 - a last resort: one file, one note
            learners.append(_unreadable(name, Path(path), Unreadable(
                f"{type(error).__name__}: {str(error)[:120]}")))
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
    try:
        if not _is_database(path):
            raise Unreadable("not a progress database (the file is not SQLite)")
        _check_size(path, LARGEST_DATABASE, "-wal")
        with tempfile.TemporaryDirectory(prefix="tutor-report-") as folder:
            snapshot = Path(folder) / DATABASE_NAME
            healthy = _snapshot(path, snapshot)
            rows, skipped = _attempt_rows(snapshot)
            fresh = Path(folder) / "checked.sqlite"
            store_module._write_rows(fresh, rows)
            text = ProgressStore(fresh).export_json(catalog(), LESSON_TITLES)
        learner = learner_from_export(json.loads(text), name, str(path))
    except Unreadable as problem:
        return _unreadable(name, path, problem)
    except OSError as error:                  # it went away, or is not ours to read
        return _unreadable(name, path, Unreadable(f"it cannot be read ({error.strerror})"))
    damage = [] if healthy else ["the progress database is damaged; what SQLite could still "
                                 "read is shown"]
    if skipped:
        damage.append(f"{skipped} attempts that were not attempts the tutor writes were left out")
    return replace(learner, problem="; ".join(damage)) if damage else learner


def read_export(path, name):
    """A :class:`Learner` from a JSON file written by ``export_progress``."""
    path = Path(path)
    try:
        _check_size(path, LARGEST_EXPORT)
        document = _load_json(path)
        if not _is_export(document):
            raise Unreadable(f"not an autograd-tutor progress export (no \"format\": "
                             f"\"{EXPORT_FORMAT}\")")
        return learner_from_export(document, name, str(path))
    except Unreadable as problem:
        return _unreadable(name, path, problem)


def learner_from_export(document, name, source):
    """A :class:`Learner` from an export document (the store's ``export_json``, version 1).

    Raises :class:`Unreadable`, naming the first part that is not what an export holds.
    """
    last = {}
    for index, attempt in enumerate(_items(document, "attempts", MOST_ATTEMPTS)):
        where = f"attempts[{index}]"
        lesson = _whole(attempt.get("lesson", 0), f"{where}.lesson", LAST_LESSON)
        moment = _moment(attempt.get("time"), f"{where}.time")
        if moment is not None and (lesson not in last or moment > last[lesson]):
            last[lesson] = moment
    lessons = {}
    for index, item in enumerate(_items(document, "lessons", LAST_LESSON)):
        where = f"lessons[{index}]"
        number = _whole(item.get("lesson"), f"{where}.lesson", LAST_LESSON)
        total = _whole(item.get("total", 0), f"{where}.total", MOST_PER_LESSON)
        lessons[number] = LessonProgress(
            number, _text(item.get("title", ""), f"{where}.title"),
            _whole(item.get("passed", 0), f"{where}.passed", total),
            _whole(item.get("attempted", 0), f"{where}.attempted", total), total)
    return Learner(name, source, dict(sorted(lessons.items())), dict(sorted(last.items())))


# ------------------------------------------------------------------ checking what was read

def _unreadable(name, path, problem):
    return Learner(name, str(path), _empty_lessons(), problem=f"{path.name} unreadable: {problem}")


def _check_size(path, largest, *companions):
    """Raise :class:`Unreadable` if ``path`` (with its ``companions``) is over ``largest`` bytes."""
    size = 0
    for suffix in ("", *companions):
        try:
            size += path.with_name(path.name + suffix).stat().st_size
        except FileNotFoundError:
            continue
        except OSError as error:
            raise Unreadable(f"it cannot be read ({error.strerror})") from None
    if size > largest:
        raise Unreadable(f"{size / 2**20:.1f} MB, more than the {largest / 2**20:.0f} MB a "
                         f"progress file may be")


def _load_json(path):
    def not_a_number(word):
        raise Unreadable(f"{word} is not a number a progress file holds")
    try:
        return json.loads(path.read_text(encoding="utf-8"), parse_constant=not_a_number)
    except RecursionError:
        raise Unreadable("it is nested deeper than a progress file ever is") from None
    except (OSError, ValueError) as error:
        raise Unreadable(f"not JSON ({str(error)[:120]})") from None


def _items(document, key, most):
    """The list ``document[key]`` of objects (none if absent), at most ``most`` of them."""
    items = document.get(key, [])
    if not isinstance(items, list):
        raise Unreadable(f"{key} is {_shown(items)}, not a list")
    if len(items) > most:
        raise Unreadable(f"it has {len(items)} {key}; at most {most} are read")
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise Unreadable(f"{key}[{index}] is {_shown(item)}, not an object")
    return items


def _whole(value, where, most):
    """``value`` if it is a whole number from 0 to ``most``, else :class:`Unreadable`."""
    if type(value) is not int or not 0 <= value <= most:
        raise Unreadable(f"{where} is {_shown(value)}, not a whole number from 0 to {most}")
    return value


def _text(value, where):
    if not isinstance(value, str) or len(value) > LONGEST_TEXT:
        raise Unreadable(f"{where} is {_shown(value)}, not a text of at most "
                         f"{LONGEST_TEXT} characters")
    return value


def _shown(value):
    """A value, short, for a note: ``'abc'``, ``Infinity``, ``a list``."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, (list, dict)):
        return f"a {'list' if isinstance(value, list) else 'object'}"
    return repr(value)[:40]


def _moment(text, where="a time"):
    """An ISO 8601 time as an aware datetime; a time without a zone is taken as UTC."""
    if text is None or text == "":
        return None
    try:
        moment = datetime.fromisoformat(_text(text, where))
    except ValueError:
        raise Unreadable(f"{where} is {_shown(text)}, not a time") from None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


# ------------------------------------------------------------------ finding the files

def _progress_files(place, notes):
    """(learner name, path, kind) for each progress file, or empty home, in ``place``."""
    if place.is_file():
        kind = "database" if _is_database(place) else "export"
        name = place.parent.name if place.name == DATABASE_NAME else place.stem
        yield name, place, kind
        return
    homes_with_progress = set()
    for path in _files_under(place):
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
        if home.is_dir() and not home.is_symlink() and (home / COURSE_MARKER).exists() \
                and home.name not in homes_with_progress:
            yield home.name, home, "home"


def _files_under(place):
    """Every regular file under ``place``, in order, never following a symbolic link (a
    learner's link to another home, or to ``/``, is not their progress)."""
    found = []
    for folder, subfolders, files in os.walk(place, followlinks=False):
        subfolders[:] = [sub for sub in subfolders if sub != ".ipynb_checkpoints"]
        for file in files:
            path = Path(folder, file)
            if not path.is_symlink() and path.is_file():
                found.append(path)
    return sorted(found)


def _learner_name(place, path):
    """The folder under ``place`` that holds ``path``; a file at the top is named by itself.

    A hidden folder (``.local``) means ``place`` is one learner's own home: its name.
    """
    relative = path.relative_to(place)
    if len(relative.parts) == 1:
        return path.stem
    return place.resolve().name if relative.parts[0].startswith(".") else relative.parts[0]


def _looks_like_export(path):
    """True if the start of a JSON file names the export format (the export writes it first;
    the file is read whole, and checked, only once it is the learner's)."""
    try:
        with open(path, "rb") as handle:
            return f'"{EXPORT_FORMAT}"'.encode() in handle.read(EXPORT_SNIFF)
    except OSError:
        return False


def _is_export(document):
    return isinstance(document, dict) and document.get("format") == EXPORT_FORMAT


def _is_database(path):
    try:
        with open(path, "rb") as handle:
            return handle.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


# ------------------------------------------------------------------ reading a database

_LAYOUT_QUERY = "SELECT type, name, tbl_name, sql FROM sqlite_master"
_ROWS_QUERY = "SELECT exercise_id, lesson, passed, time FROM attempts ORDER BY id LIMIT ?"


def _tutor_layout():
    """The rows of ``sqlite_master`` in a database the store made: its tables and index."""
    connection = sqlite3.connect(":memory:")
    try:
        connection.executescript(store_module._SCHEMA)
        return frozenset(connection.execute(_LAYOUT_QUERY).fetchall())
    finally:
        connection.close()


def _connect(path, deadline):
    """A connection to our copy that stops any statement past ``deadline`` and makes no
    string or blob over :data:`LARGEST_SQL_VALUE` bytes."""
    connection = sqlite3.connect(path)
    if hasattr(connection, "setlimit"):                 # Python 3.11+
        connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, LARGEST_SQL_VALUE)
    connection.set_progress_handler(lambda: time.monotonic() > deadline, 1000)
    return connection


def _check_layout(connection):
    """Raise :class:`Unreadable` unless the database holds exactly the store's tables.

    ``sqlite_master`` is read as rows of text; nothing in it runs. A view, a trigger or a
    generated column would run while the attempts are read, so any object the store does
    not make means the file is not read at all.
    """
    found = set(connection.execute(_LAYOUT_QUERY).fetchall())
    tutor = _tutor_layout()
    strange = sorted(found - tutor)
    if strange:
        named = ", ".join(f"{kind} {name!r}" for kind, name, *_ in strange[:3])
        raise Unreadable(f"its tables are not the tutor's ({named}{', ...' * (len(strange) > 3)}"
                         f"), so nothing in it was run or read")
    if not any(kind == "table" for kind, *_ in found):
        raise Unreadable("it has no attempts table")


def _sqlite_says(error, deadline):
    if time.monotonic() > deadline:
        return Unreadable(f"reading it took longer than {SECONDS_PER_FILE:.0f} s")
    return Unreadable(f"SQLite cannot read it ({str(error)[:120]})")


def _snapshot(source, target, tries=3):
    """Copy the database ``source`` and its write-ahead log to ``target``; True if healthy.

    Plain file copies, because opening a learner's database, even read-only, makes SQLite
    create its ``-shm`` and ``-wal`` files beside it, owned by whoever runs the report. The
    log's frames carry checksums, so a copy taken while the learner writes holds every
    attempt committed before it; if a copy still fails SQLite's check (a checkpoint ran
    meanwhile), it is taken again. The layout is checked before SQLite's own check, which
    would compute a generated column too.
    """
    for attempt in range(tries):
        for suffix in ("", "-wal"):
            copy = target.with_name(target.name + suffix)
            try:
                _copy_at_most(source.with_name(source.name + suffix), copy, LARGEST_DATABASE)
            except FileNotFoundError:
                copy.unlink(missing_ok=True)
        deadline = time.monotonic() + SECONDS_PER_FILE
        try:
            connection = _connect(target, deadline)
            try:
                _check_layout(connection)
                if connection.execute("PRAGMA quick_check").fetchone()[0] == "ok":
                    return True
            finally:
                connection.close()
        except sqlite3.DatabaseError as error:
            if time.monotonic() > deadline or attempt == tries - 1:
                raise _sqlite_says(error, deadline) from None
        time.sleep(0.2)
    return False


def _copy_at_most(source, target, most):
    """Copy ``source`` to ``target``; a file that grew past ``most`` bytes meanwhile is refused."""
    with open(source, "rb") as reading, open(target, "wb") as writing:
        while chunk := reading.read(2**20):
            writing.write(chunk)
            if writing.tell() > most:
                raise Unreadable(f"it grew past {most / 2**20:.0f} MB while it was read")


def _attempt_rows(snapshot):
    """The attempts of our copy as checked ``(exercise id, lesson, passed, time)`` rows, and
    how many rows were left out as not being attempts the tutor writes."""
    deadline = time.monotonic() + SECONDS_PER_FILE
    connection = _connect(snapshot, deadline)
    try:
        found = connection.execute(_ROWS_QUERY, (MOST_ATTEMPTS + 1,)).fetchall()
    except sqlite3.DatabaseError as error:
        raise _sqlite_says(error, deadline) from None
    finally:
        connection.close()
    if len(found) > MOST_ATTEMPTS:
        raise Unreadable(f"it holds more than {MOST_ATTEMPTS} attempts")
    rows = [row for row in found if _is_attempt(*row)]
    return rows, len(found) - len(rows)


def _is_attempt(exercise_id, lesson, passed, moment):
    return (isinstance(exercise_id, str) and 0 < len(exercise_id) <= LONGEST_TEXT
            and type(lesson) is int and 0 <= lesson <= LAST_LESSON and passed in (0, 1)
            and type(moment) in (int, float) and 0 <= moment < 1e11)


def _empty_lessons():
    totals = {}
    for exercise in catalog():
        totals[exercise.lesson] = totals.get(exercise.lesson, 0) + 1
    return {lesson: LessonProgress(lesson, LESSON_TITLES.get(lesson, ""), 0, 0, total)
            for lesson, total in sorted(totals.items())}
