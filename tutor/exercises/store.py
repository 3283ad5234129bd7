"""Progress: every attempt, kept in a SQLite file per learner.

The file lives under the user's data directory (``$XDG_DATA_HOME`` or ``~/.local/share``,
then ``autograd-tutor/progress.sqlite``); the environment variable ``TUTOR_PROGRESS_DB``
names another file. One table, ``attempts``, gets one row per checked answer: the exercise
id, its lesson, whether it passed, and the time.

Several notebooks may write at once: the database runs in WAL mode with a generous busy
timeout, and every write is one short transaction, so nothing is lost. If the file is not a
readable SQLite database, it is renamed ``<name>.corrupt-<timestamp>`` (the bytes as they
were), every attempt SQLite can still read from it is copied into a readable
``<name>.recovered-<timestamp>`` and into the fresh store that follows, and a warning says
so; the learner keeps working.

A writer also notices when its file changes under it: deleted, replaced by another file,
or truncated (a SQLite file never shrinks). It then says so, names the file, and writes the
attempts it can still reach (through its open connection, and the ones this process
recorded) into the file now at that path, so nothing it saved is lost without a word.
Every message of the store names the file it is about.
"""

import contextlib
import json
import os
import sqlite3
import threading
import time
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ENV_VAR = "TUTOR_PROGRESS_DB"
BUSY_TIMEOUT_SECONDS = 30.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id          INTEGER PRIMARY KEY,
    exercise_id TEXT    NOT NULL,
    lesson      INTEGER NOT NULL,
    passed      INTEGER NOT NULL,
    time        REAL    NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_by_exercise ON attempts (exercise_id);
"""

_NOTICES = {}           # file -> the message about setting a corrupt file aside
_JOURNAL = {}           # file -> attempts this process recorded there (to write again)


class CorruptProgressWarning(UserWarning):
    """The progress file could not be read and was set aside."""


class ChangedUnderUsWarning(CorruptProgressWarning):
    """The progress file was deleted, replaced or truncated while in use."""


class ProgressStoreError(OSError):
    """The progress file could not be used; the message names it."""


def default_path():
    """``$XDG_DATA_HOME/autograd-tutor/progress.sqlite`` (``~/.local/share`` by default)."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local",
                                                           "share")
    return Path(base) / "autograd-tutor" / "progress.sqlite"


def store_path():
    """The file in use: ``$TUTOR_PROGRESS_DB`` if set, else :func:`default_path`."""
    override = os.environ.get(ENV_VAR)
    return Path(override).expanduser() if override else default_path()


@dataclass(frozen=True)
class Attempt:
    exercise_id: str
    lesson: int
    passed: bool
    time: float

    def as_dict(self):
        return {"exercise_id": self.exercise_id, "lesson": self.lesson, "passed": self.passed,
                "time": _iso(self.time)}


@dataclass(frozen=True)
class LessonProgress:
    lesson: int
    title: str
    passed: int
    attempted: int
    total: int


@dataclass(frozen=True)
class Progress:
    """What the store holds: attempts and passes per exercise, and a summary per lesson."""

    path: str
    attempts: dict = field(default_factory=dict)
    passes: dict = field(default_factory=dict)
    lessons: dict = field(default_factory=dict)
    notice: str = ""

    @property
    def passed(self):
        """Ids of the exercises passed at least once."""
        return frozenset(exercise_id for exercise_id, count in self.passes.items() if count)

    def __repr__(self):
        passed, attempts = len(self.passed), sum(self.attempts.values())
        lines = [f"Progress ({passed} exercise{'s' * (passed != 1)} passed, "
                 f"{attempts} attempt{'s' * (attempts != 1)})"]
        width = max((len(item.title) for item in self.lessons.values()), default=0)
        for item in self.lessons.values():
            lines.append(f"  lesson {item.lesson:2d} {item.title:{width}s} {item.passed}/{item.total}")
        return "\n".join(lines)

    def _repr_html_(self):
        rows = "".join(f"<tr><td>{item.lesson}</td><td>{item.title}</td>"
                       f"<td>{item.passed} / {item.total}</td></tr>"
                       for item in self.lessons.values())
        return (f"<table class='tutor-progress'><tr><th>Lesson</th><th></th><th>Passed</th></tr>"
                f"{rows}</table>")


class ProgressStore:
    """The SQLite file of one learner. Cheap to create; each operation opens and closes it."""

    def __init__(self, path=None):
        self.path = Path(path) if path is not None else store_path()

    @property
    def notice(self):
        """The message about a corrupt file set aside in this session ('' if none)."""
        return _NOTICES.get(os.path.abspath(self.path), "")

    # ------------------------------------------------------------------ writing

    def record_attempt(self, exercise_id, lesson, passed, when=None):
        """Add one attempt, in its own transaction."""
        when = time.time() if when is None else when
        row = (str(exercise_id), int(lesson), int(bool(passed)), float(when))
        with self._connect() as connection:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("INSERT INTO attempts (exercise_id, lesson, passed, time) "
                               "VALUES (?, ?, ?, ?)", row)
            connection.execute("COMMIT")
        _JOURNAL.setdefault(os.path.abspath(self.path), []).append(row)
        _note_size(os.path.abspath(self.path))

    def problem(self):
        """Why attempts cannot be saved here, naming the file ('' when they can)."""
        try:
            with self._connect() as connection:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("ROLLBACK")
        except Exception as error:      # noqa: BLE001 - reported, never raised
            return str(error) if str(self.path) in str(error) else \
                f"the progress file {self.path} cannot be written ({error})"
        return ""

    # ------------------------------------------------------------------ reading

    def attempts(self):
        """Every attempt, oldest first."""
        with self._connect() as connection:
            rows = connection.execute("SELECT exercise_id, lesson, passed, time FROM attempts "
                                      "ORDER BY time, id").fetchall()
        return [Attempt(exercise_id, lesson, bool(passed), moment)
                for exercise_id, lesson, passed, moment in rows]

    def summary(self, exercises=(), lesson_titles=None):
        """A :class:`Progress`; ``exercises`` (the catalog) gives the per-lesson totals."""
        attempts, passes = {}, {}
        for attempt in self.attempts():
            attempts[attempt.exercise_id] = attempts.get(attempt.exercise_id, 0) + 1
            passes[attempt.exercise_id] = passes.get(attempt.exercise_id, 0) + attempt.passed
        lessons = {}
        for exercise in exercises:
            item = lessons.get(exercise.lesson) or LessonProgress(
                exercise.lesson, (lesson_titles or {}).get(exercise.lesson, ""), 0, 0, 0)
            lessons[exercise.lesson] = LessonProgress(
                item.lesson, item.title,
                item.passed + (passes.get(exercise.id, 0) > 0),
                item.attempted + (exercise.id in attempts),
                item.total + 1)
        return Progress(str(self.path), attempts, passes, dict(sorted(lessons.items())),
                        self.notice)

    def export_json(self, exercises=(), lesson_titles=None):
        """Everything a teacher needs, as JSON text: per exercise and every attempt."""
        progress = self.summary(exercises, lesson_titles)
        rows = self.attempts()
        first_pass = {}
        for attempt in rows:
            if attempt.passed and attempt.exercise_id not in first_pass:
                first_pass[attempt.exercise_id] = _iso(attempt.time)
        document = {
            "format": "autograd-tutor-progress",
            "version": 1,
            "exported_at": _iso(time.time()),
            "passed": len(progress.passed),
            "total": len(exercises),
            "lessons": [vars(item) for item in progress.lessons.values()],
            "exercises": [{"id": exercise.id, "lesson": exercise.lesson, "kind": exercise.kind,
                           "title": exercise.title,
                           "attempts": progress.attempts.get(exercise.id, 0),
                           "passes": progress.passes.get(exercise.id, 0),
                           "passed": exercise.id in progress.passed,
                           "first_passed_at": first_pass.get(exercise.id)}
                          for exercise in exercises],
            "attempts": [attempt.as_dict() for attempt in rows],
        }
        return json.dumps(document, indent=2, ensure_ascii=False)

    # ---------------------------------------------------------------- the file

    @contextlib.contextmanager
    def _connect(self):
        """The open connection to this file, opening (and verifying) it on first use.

        One connection per process is kept open: closing the last connection of a WAL
        database checkpoints it, which would make every attempt slow. It is reopened when
        another file is used, after a fork, or when the file changed under it (deleted,
        replaced, truncated): then the attempts it can still reach are written again.
        Errors are raised as :class:`ProgressStoreError`, naming the file.
        """
        key = os.path.abspath(self.path)
        with _CONNECTION_LOCK:
            try:
                connection, changed, old = _cached_connection(key)
                if connection is None:
                    reachable = _reachable(key, old) if changed else set()
                    connection = self._open_checked(changed)
                    _remember_connection(key, connection)
                    if changed:
                        self._write_again(connection, changed, reachable)
                else:
                    _note_size(key)
            except (sqlite3.Error, OSError) as error:
                if isinstance(error, ProgressStoreError):
                    raise
                raise ProgressStoreError(f"the progress file {self.path} could not be "
                                         f"opened: {error}") from error
            try:
                yield connection
            except sqlite3.DatabaseError as error:
                _forget_connection()
                raise ProgressStoreError(f"the progress file {self.path}: {error}") from error

    def _open_checked(self, changed):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if changed and changed.startswith("truncated"):
            self._set_aside(f"it was {changed}")
        elif changed == "deleted":
            self._drop_orphans()
        elif changed and changed.startswith("replaced"):
            self._drop_orphans(only_inode=_OLD_WAL.get("inode"))
        try:
            return self._open()
        except sqlite3.DatabaseError as error:
            if isinstance(error, sqlite3.OperationalError):
                raise
            self._set_aside(error)
            return self._open()

    def _open(self):
        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS,
                                     isolation_level=None, check_same_thread=False)
        try:
            connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
            _retry_locked(lambda: connection.execute("PRAGMA journal_mode = WAL").fetchall())
            # In WAL mode NORMAL is still safe against a crashed kernel; it skips an fsync
            # per attempt (only a power cut could lose the very last attempts).
            connection.execute("PRAGMA synchronous = NORMAL")
            verdict = connection.execute("PRAGMA quick_check").fetchone()[0]
            if verdict != "ok":
                raise sqlite3.DatabaseError(f"integrity check failed: {verdict}")
            _retry_locked(lambda: connection.executescript(_SCHEMA))
            return connection
        except BaseException:
            connection.close()
            raise

    def _drop_orphans(self, only_inode=None):
        """The file was deleted (or replaced) but its ``-wal``/``-shm`` are still there: they
        belong to the old file (whose attempts we have read), and must not be replayed into
        the new one. With ``only_inode``, only a ``-wal`` that is still the one we used."""
        wal = self.path.with_name(self.path.name + "-wal")
        with _file_lock(self.path):
            if only_inode is None and self.path.exists():
                return                                  # another process started afresh
            if only_inode is not None and _stat(str(wal))[0] != only_inode:
                return                                  # the WAL is the new file's own
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            for suffix in ("-wal", "-shm"):
                companion = self.path.with_name(self.path.name + suffix)
                if companion.exists():
                    os.replace(companion, self.path.with_name(
                        f"{self.path.name}.orphan-{stamp}{suffix}"))

    def _write_again(self, connection, changed, reachable):
        """After the file changed under us: put back every attempt we can still reach."""
        key = os.path.abspath(self.path)
        written = _insert_missing(connection, reachable)
        _note_size(key)
        message = (f"Your progress file {self.path} was {changed} while in use. "
                   f"{written} attempts this session could still reach were written to it "
                   f"again; attempts saved only in the old file by other sessions may be "
                   f"missing.")
        _NOTICES[key] = message
        warnings.warn(message, ChangedUnderUsWarning, stacklevel=6)

    def _set_aside(self, error):
        """Move the unreadable file (and its WAL companions) aside, copy what SQLite can
        still read into a readable ``.recovered-`` file and into the fresh store, and warn."""
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        _forget_connection()
        with _file_lock(self.path):
            if not self.path.exists():
                return
            truncated = "truncated" in str(error)
            if self._healthy() and (not truncated or
                                    self.path.stat().st_size >= _SMALLEST_DATABASE):
                return                                  # another process fixed it
            aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
            number = 1
            while aside.exists():
                aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{number}")
                number += 1
            os.replace(self.path, aside)
            for suffix in ("-wal", "-shm"):
                companion = self.path.with_name(self.path.name + suffix)
                if companion.exists():
                    os.replace(companion, aside.with_name(aside.name + suffix))
            rows = _rows_of_file(aside)
            recovered = aside.with_name(aside.name.replace(".corrupt-", ".recovered-"))
            _write_rows(recovered, rows)
            fresh = self._open()
            try:
                _insert_missing(fresh, rows)
            finally:
                fresh.close()
        _NOTICES[os.path.abspath(self.path)] = (
            f"Your progress file {self.path} could not be read ({error}). It was moved aside to "
            f"{aside.name}; the {len(rows)} attempts SQLite could still read from it are in "
            f"{recovered.name} and were carried over into a fresh {self.path.name}.")
        warnings.warn(self.notice, CorruptProgressWarning, stacklevel=5)

    def _healthy(self):
        try:
            connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS)
            try:
                return connection.execute("PRAGMA quick_check").fetchone()[0] == "ok"
            finally:
                connection.close()
        except sqlite3.DatabaseError as error:
            return isinstance(error, sqlite3.OperationalError)


_CONNECTION_LOCK = threading.RLock()
_CONNECTION = {}        # "key", "pid", "inode", "size", "wal_inode", "connection" kept open
_OLD_WAL = {}           # "inode": the -wal of the file that just changed under us
_SMALLEST_DATABASE = 512   # bytes: a SQLite file holds at least one page once created
_ROW_QUERY = "SELECT exercise_id, lesson, passed, time FROM attempts ORDER BY id"


def _stat(key):
    try:
        result = os.stat(key)
        return result.st_ino, result.st_size
    except OSError:
        return None, None


def _cached_connection(key):
    """``(connection, changed, old)``: the kept connection if still good; else None, what
    changed under it (or None), and the old connection (to read what it still holds)."""
    if _CONNECTION.get("key") == key and _CONNECTION.get("pid") == os.getpid():
        inode, size = _stat(key)
        if inode is None:
            changed = "deleted"
        elif inode != _CONNECTION.get("inode"):
            changed = "replaced by another file"
        elif size < _CONNECTION.get("size", 0) or size < _SMALLEST_DATABASE:
            changed = f"truncated (from {_CONNECTION['size']} to {size} bytes)"
        else:
            return _CONNECTION["connection"], None, None
        old = _CONNECTION.pop("connection", None)
        _OLD_WAL["inode"] = _CONNECTION.get("wal_inode")
        _CONNECTION.clear()
        return None, changed, old
    _forget_connection()
    return None, None, None


def _reachable(key, old):
    """The attempts this process can still reach after its file changed: the ones it
    recorded, and whatever its old connection can still read."""
    rows = set(_JOURNAL.get(key, ()))
    if old is not None:
        rows.update(_readable_rows(old))
        with contextlib.suppress(sqlite3.Error):
            old.close()
    return rows


def _remember_connection(key, connection):
    inode, size = _stat(key)
    _CONNECTION.update(key=key, pid=os.getpid(), inode=inode, size=size or 0,
                       connection=connection, wal_inode=_stat(key + "-wal")[0])


def _note_size(key):
    """Remember how big our file is (it never shrinks) and which ``-wal`` goes with it."""
    if _CONNECTION.get("key") == key:
        inode, size = _stat(key)
        if inode == _CONNECTION.get("inode") and size is not None:
            _CONNECTION["size"] = max(size, _CONNECTION.get("size", 0))
            _CONNECTION["wal_inode"] = _stat(key + "-wal")[0]


def _forget_connection():
    connection = _CONNECTION.pop("connection", None)
    if connection is not None and _CONNECTION.get("pid") == os.getpid():
        with contextlib.suppress(sqlite3.Error):
            connection.close()
    _CONNECTION.clear()


def _readable_rows(connection):
    """Every attempt row ``connection`` can still read (from both ends if a page is bad)."""
    rows = []
    for query in (_ROW_QUERY, _ROW_QUERY + " DESC"):
        try:
            for row in connection.execute(query):
                rows.append(tuple(row))
        except sqlite3.Error:
            continue
        else:
            break
    return set(rows)


def _rows_of_file(path):
    try:
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS)
    except sqlite3.Error:
        return set()
    try:
        return _readable_rows(connection)
    finally:
        connection.close()


def _write_rows(path, rows):
    """A readable SQLite file at ``path`` holding ``rows`` (the recovered attempts)."""
    connection = sqlite3.connect(path)
    try:
        connection.executescript(_SCHEMA)
        connection.executemany("INSERT INTO attempts (exercise_id, lesson, passed, time) "
                               "VALUES (?, ?, ?, ?)", sorted(rows, key=lambda row: row[3]))
        connection.commit()
    finally:
        connection.close()


def _insert_missing(connection, rows):
    """Insert the attempts of ``rows`` that ``connection``'s file lacks; return how many.

    What the file holds is read inside the write transaction, so two processes putting
    back the same attempts at once do not both insert them."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        present = set()
        for row in connection.execute(_ROW_QUERY):
            present.add(tuple(row))
        missing = sorted((row for row in rows if tuple(row) not in present),
                         key=lambda row: row[3])
        connection.executemany("INSERT INTO attempts (exercise_id, lesson, passed, time) "
                               "VALUES (?, ?, ?, ?)", missing)
        connection.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            connection.execute("ROLLBACK")
        raise
    return len(missing)


def _retry_locked(action, attempts=100):
    """Run ``action``, waiting out "database is locked" (e.g. two processes creating the
    file at the same moment)."""
    for attempt in range(attempts):
        try:
            return action()
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == attempts - 1:
                raise
            time.sleep(0.05)


@contextlib.contextmanager
def _file_lock(path):
    """An exclusive lock between processes (POSIX); without fcntl, no lock."""
    try:
        import fcntl
    except ImportError:         # pragma: no cover - Windows
        yield
        return
    with open(path.with_name(path.name + ".lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _iso(moment):
    return datetime.fromtimestamp(moment, timezone.utc).isoformat(timespec="seconds")
