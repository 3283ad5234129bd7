"""The class report against files a careless or hostile learner leaves (issue 22, item 4).

One learner's file must never stop the teacher's report: each bad file becomes a note on its
own row and everyone else is reported. What one file may cost is bounded (bytes, rows,
lessons, time), the schema of a learner's database is read as data and never run, and no
cell of the CSV can start a spreadsheet formula.

The two resource bombs run ``python -m tutor.report`` in a child process with an address-space
limit and a timeout, so that a regression fails the test instead of taking the machine's
memory; the child reports its own peak memory.
"""

import csv
import json
import math
import sqlite3
import subprocess
import sys
import time

import pytest

import tutor.exercises as ex
from tutor.exercises.store import ProgressStore
from tutor.report import main, read_class, write_report
from voila_server import REPO

CHILD_MEMORY_MB = 1500      # the address space a report child may map at most


@pytest.fixture
def good_export(tmp_path):
    """A real export: one pass in lesson 5, one wrong try in lesson 6."""
    store = ProgressStore(tmp_path / "source.sqlite")
    store.record_attempt("l05-vjp-sin", 5, True)
    store.record_attempt("l06-toposort", 6, False)
    return json.loads(store.export_json(ex.catalog(), ex.LESSON_TITLES))


def spoiled(document, change):
    document = json.loads(json.dumps(document))
    change(document)
    return json.dumps(document)      # NaN and Infinity are written as JSON's NaN, Infinity


def set_first_lesson(**fields):
    return lambda document: document["lessons"][0].update(fields)


DEEP = 100_000

BAD_EXPORTS = {
    "lessons-null": lambda d: d.update(lessons=None),
    "lesson-abc": set_first_lesson(lesson="abc"),
    "lesson-nan": set_first_lesson(lesson=math.nan),
    "passed-infinity": set_first_lesson(passed=math.inf),
    "attempts-a-number": lambda d: d.update(attempts=7),
    "an-attempt-a-string": lambda d: d["attempts"].append("yesterday"),
    "title-a-list": set_first_lesson(title=["x"] * 3),
    "more-passed-than-exist": set_first_lesson(passed=10**9),
}


def test_every_bad_export_is_a_note_on_its_row_and_the_others_are_reported(
        good_export, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "alice.json").write_text(json.dumps(good_export))
    for name, change in BAD_EXPORTS.items():
        (folder / f"{name}.json").write_text(spoiled(good_export, change))
    (folder / "deep.json").write_text(
        '{"format": "autograd-tutor-progress", "lessons": ' + "[" * DEEP + "]" * DEEP + "}")

    progress = read_class(folder)

    by_name = {learner.name: learner for learner in progress.learners}
    assert set(by_name) == {"alice", "deep", *BAD_EXPORTS}
    assert by_name["alice"].problem == "" and by_name["alice"].passed == 1
    for name in ["deep", *BAD_EXPORTS]:
        learner = by_name[name]
        assert learner.problem.startswith(f"{name}.json unreadable: "), learner.problem
        assert learner.passed == 0
    assert "nested" in by_name["deep"].problem
    assert "Infinity" in by_name["passed-infinity"].problem
    out = tmp_path / "report"
    assert main([str(folder), "--out", str(out)]) == 0
    page = (out / "class-progress.html").read_text(encoding="utf-8")
    assert "lessons-null.json unreadable" in page


def test_naive_and_aware_times_in_one_file_are_read_as_utc(good_export, tmp_path):
    attempt = dict(good_export["attempts"][0])
    good_export["attempts"] = [{**attempt, "time": "2026-03-02T09:15:04"},
                               {**attempt, "time": "2026-03-02T10:15:04+00:00"},
                               {**attempt, "lesson": 6, "time": "2026-03-01T08:00:00"}]
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(good_export))

    learner = read_class(path).learners[0]

    assert learner.problem == ""
    assert learner.last_activity.isoformat() == "2026-03-02T10:15:04+00:00"
    assert learner.last_seen[6].isoformat() == "2026-03-01T08:00:00+00:00"
    write_report(read_class(path), tmp_path / "report")


@pytest.mark.parametrize("title", ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1",
                                   "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_no_cell_of_the_csv_starts_a_formula(good_export, tmp_path, title):
    good_export["lessons"].append({"lesson": 42, "title": title, "passed": 0,
                                   "attempted": 0, "total": 1})
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / f"{title[:2].strip() or 'x'}learner.json").write_text(json.dumps(good_export))

    csv_path, _, _ = write_report(read_class(folder), tmp_path / "report")

    with open(csv_path, newline="", encoding="utf-8") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    assert any(title.strip() in cell for cell in cells)            # the title is kept, as text
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


# ------------------------------------------------------------------ resource bombs

REPORT_IN_A_BOX = """
import atexit, resource, runpy, sys
limit = {limit}
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
def peak():
    with open("/proc/self/status") as status:
        kib = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    print("PEAK_KIB", kib)
atexit.register(peak)
sys.argv = ["tutor.report", *{arguments!r}]
runpy.run_module("tutor.report", run_name="__main__")
"""


def run_report(arguments, out, timeout=90):
    """``python -m tutor.report ARGUMENTS --out OUT`` in a child limited to
    ``CHILD_MEMORY_MB`` of address space: (exit code, printed text, peak MiB, seconds).

    The peak is the child's own high-water mark (``VmHWM``), read by the child as it exits:
    the ``ru_maxrss`` of a child forked from this large process would count this one too.
    """
    code = REPORT_IN_A_BOX.format(limit=CHILD_MEMORY_MB * 2**20,
                                  arguments=[*map(str, arguments), "--out", str(out)])
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=timeout)
    printed = done.stdout + done.stderr
    peaks = [int(line.split()[1]) for line in printed.splitlines() if line.startswith("PEAK_KIB")]
    return done.returncode, printed, (peaks[-1] / 1024 if peaks else float("inf")), \
        time.monotonic() - start


def generated_column_bomb(path):
    """A 12 KB database whose every read of ``exercise_id`` builds a 400 MB string."""
    connection = sqlite3.connect(path)
    connection.executescript("""
        CREATE TABLE attempts (
            id          INTEGER PRIMARY KEY,
            seed        TEXT    NOT NULL,
            exercise_id TEXT    GENERATED ALWAYS AS
                                (substr(hex(zeroblob(200000000)) || seed, 1, 12)) VIRTUAL,
            lesson      INTEGER NOT NULL,
            passed      INTEGER NOT NULL,
            time        REAL    NOT NULL
        );
        INSERT INTO attempts (seed, lesson, passed, time) VALUES ('a', 5, 1, 1.7e9);
        INSERT INTO attempts (seed, lesson, passed, time) VALUES ('b', 5, 1, 1.7e9);
    """)
    connection.commit()
    connection.close()


def test_a_database_whose_schema_computes_a_bomb_is_refused_unread(good_export, tmp_path):
    homes = tmp_path / "homes"
    bomb = homes / "mallory" / ".local" / "share" / "autograd-tutor" / "progress.sqlite"
    bomb.parent.mkdir(parents=True)
    generated_column_bomb(bomb)
    (homes / "alice.json").write_text(json.dumps(good_export))
    assert bomb.stat().st_size < 20_000

    code, printed, peak, seconds = run_report([homes], tmp_path / "report")

    assert code == 0, printed
    assert peak < 300, f"the report peaked at {peak:.0f} MiB"
    rows = (tmp_path / "report" / "class-progress.csv").read_text(encoding="utf-8")
    assert "mallory" in rows and "alice" in rows
    page = (tmp_path / "report" / "class-progress.html").read_text(encoding="utf-8")
    assert "not the tutor" in page


def test_an_export_of_sixty_thousand_lessons_costs_little(good_export, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    good_export["lessons"] = [{"lesson": number, "title": f"lesson {number}", "passed": 0,
                               "attempted": 0, "total": 1} for number in range(1, 60_001)]
    (folder / "mallory.json").write_text(json.dumps(good_export))
    (folder / "alice.json").write_text(json.dumps({**good_export, "lessons": []}))
    assert (folder / "mallory.json").stat().st_size < 5 * 2**20

    code, printed, peak, seconds = run_report([folder], tmp_path / "report")

    assert code == 0, printed
    assert peak < 300 and seconds < 45, (peak, seconds)
    page = (tmp_path / "report" / "class-progress.html").read_text(encoding="utf-8")
    assert "mallory.json unreadable" in page and "60000 lessons" in page
