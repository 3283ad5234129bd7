"""The class report, on progress files written by real checks.

Each learner's answers go through ``tutor.exercises.check`` exactly as in a notebook or the
dashboard, with ``TUTOR_PROGRESS_DB`` pointed at a file in that learner's home (as the hub
sets it), so the report reads what the tutor really writes.
"""

import csv
import html.parser
import json

import numpy as np
import pytest

import tutor.exercises as ex
from tutor.report import lesson_shares, main, read_class, write_report
from tutor.exercises.learners import learners_dir
from tutor.report.reading import DATABASE_NAME, NAMED_LEARNERS

PROGRESS = (".local", "share", "autograd-tutor", DATABASE_NAME)   # where the hub puts it
LESSON_COUNT = len({exercise.lesson for exercise in ex.catalog()})   # lessons with exercises


def vjp_sin(ans, x):
    return lambda g: g * np.cos(x)


def as_learner(monkeypatch, homes, name):
    """Point the progress store at ``name``'s home, as the hub does; the database's path."""
    home = homes / name
    home.mkdir(parents=True, exist_ok=True)
    (home / "app.ipynb").write_text("{}")       # every home on the hub has the dashboard
    path = home.joinpath(*PROGRESS)
    monkeypatch.setenv("TUTOR_PROGRESS_DB", str(path))
    return path


@pytest.fixture
def homes(tmp_path, monkeypatch):
    """Three learners' homes: alice passed two exercises (one after a wrong try), bob got
    one question wrong, carol has logged in and done nothing yet."""
    homes = tmp_path / "homes"
    # the questions drawn here must not stay pending for the tests that come after
    monkeypatch.setattr(ex, "_pending", dict(ex._pending))
    as_learner(monkeypatch, homes, "alice")
    ex.ask("l01-expr-dfdx")
    assert not ex.check("l01-expr-dfdx", "2*x").passed
    assert ex.check("l01-expr-dfdx", "2/x + y").passed
    assert ex.check("l05-vjp-sin", vjp_sin).passed

    as_learner(monkeypatch, homes, "bob")
    ex.ask("l06-number-next-adjoint", seed=3)
    assert not ex.check("l06-number-next-adjoint", 12345.0).passed

    as_learner(monkeypatch, homes, "carol")
    monkeypatch.delenv("TUTOR_PROGRESS_DB")
    return homes


def test_every_learner_is_read_with_passes_and_attempts_per_lesson(homes):
    progress = read_class(homes)

    assert [learner.name for learner in progress.learners] == ["alice", "bob", "carol"]
    alice, bob, carol = progress.learners
    assert (alice.lessons[1].passed, alice.lessons[1].attempted) == (1, 1)
    assert (alice.lessons[5].passed, alice.lessons[5].attempted) == (1, 1)
    assert alice.passed == 2
    assert (bob.lessons[6].passed, bob.lessons[6].attempted) == (0, 1)
    assert carol.passed == 0 and all(item.attempted == 0 for item in carol.lessons.values())
    assert 1 in alice.last_seen and 5 in alice.last_seen and 2 not in alice.last_seen
    assert bob.last_activity is not None and carol.last_activity is None
    totals = {exercise.lesson: 0 for exercise in ex.catalog()}
    for exercise in ex.catalog():
        totals[exercise.lesson] += 1
    for learner in progress.learners:
        assert {lesson: item.total for lesson, item in learner.lessons.items()} == totals
        assert learner.problem == ""
    assert progress.notes == []
    assert set(progress.lessons) == set(totals)    # a lesson without exercises has no column


def test_the_report_is_a_csv_a_plot_and_an_html_page(homes, tmp_path):
    progress = read_class(homes)
    csv_path, plot_path, html_path = write_report(progress, tmp_path / "report")

    with open(csv_path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3 * LESSON_COUNT
    alice_1 = next(row for row in rows if row["learner"] == "alice" and row["lesson"] == "1")
    assert (alice_1["passed"], alice_1["attempted"]) == ("1", "1")
    assert alice_1["last_activity"].endswith("+00:00")
    carol_1 = next(row for row in rows if row["learner"] == "carol" and row["lesson"] == "1")
    assert (carol_1["passed"], carol_1["attempted"], carol_1["last_activity"]) == ("0", "0", "")

    assert plot_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = html_path.read_text(encoding="utf-8")
    html.parser.HTMLParser().feed(page)
    for name in ("alice", "bob", "carol"):
        assert f">{name}<" in page
    assert "data:image/png;base64," in page
    assert page.count("<tr>") == 1 + 3       # the header and one row per learner


def test_the_plot_shows_the_share_of_the_class_per_lesson(homes):
    shares = lesson_shares(read_class(homes))
    lesson_1 = sum(1 for exercise in ex.catalog() if exercise.lesson == 1)
    assert shares[1] == pytest.approx((1 / (3 * lesson_1), 1 / (3 * lesson_1)))
    assert shares[6][0] == 0 and shares[6][1] > 0
    assert shares[2] == (0.0, 0.0)


def test_a_folder_of_exported_files_reads_the_same_as_the_databases(homes, tmp_path,
                                                                   monkeypatch):
    exports = tmp_path / "exports"
    exports.mkdir()
    for name in ("alice", "bob"):
        monkeypatch.setenv("TUTOR_PROGRESS_DB", str(homes.joinpath(name, *PROGRESS)))
        ex.export_progress(exports / f"{name}.json")
    (exports / "notes.json").write_text(json.dumps({"not": "progress"}))   # ignored

    from_exports = read_class(exports)
    from_databases = read_class(homes)
    assert [learner.name for learner in from_exports.learners] == ["alice", "bob"]
    for exported, live in zip(from_exports.learners, from_databases.learners):
        assert exported.lessons == live.lessons
        assert exported.last_seen == live.last_seen


def test_reading_never_changes_a_learners_files(homes):
    home = homes / "alice"
    before = {path: (path.stat().st_mtime_ns, path.read_bytes())
              for path in home.rglob("*") if path.is_file()}
    read_class(homes)
    after = {path: (path.stat().st_mtime_ns, path.read_bytes())
             for path in home.rglob("*") if path.is_file()}
    assert after == before


def test_a_damaged_database_is_a_note_on_its_row_and_the_class_is_still_reported(homes):
    broken = homes.joinpath("dave", *PROGRESS)
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"this is not a database at all" * 100)

    progress = read_class(homes)

    names = [learner.name for learner in progress.learners]
    assert names == ["alice", "bob", "carol", "dave"]
    dave = progress.learners[3]
    assert dave.problem and dave.passed == 0
    assert progress.learners[0].passed == 2
    assert broken.read_bytes() == b"this is not a database at all" * 100   # left as it was


def test_a_learner_with_a_database_and_an_export_is_read_from_the_database(homes,
                                                                           monkeypatch):
    monkeypatch.setenv("TUTOR_PROGRESS_DB", str(homes.joinpath("alice", *PROGRESS)))
    ex.export_progress(homes / "alice" / "alice-progress.json")
    progress = read_class(homes)
    alice = progress.learners[0]
    assert alice.source.endswith(DATABASE_NAME)
    assert len(progress.notes) == 1 and "alice-progress.json" in progress.notes[0]


def test_the_command_line_writes_the_report_and_says_where(homes, tmp_path, capsys):
    out = tmp_path / "class-report"
    assert main([str(homes), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "3 learners" in printed
    assert sorted(path.name for path in out.iterdir()) == [
        "class-progress.csv", "class-progress.html", "class-progress.png"]


def test_the_command_line_says_so_when_it_finds_nobody(tmp_path, capsys):
    assert main([str(tmp_path / "nobody-here"), "--out", str(tmp_path / "out")]) == 1
    printed = capsys.readouterr().out
    assert "No learner's progress found" in printed and "no such file" in printed
    assert not (tmp_path / "out").exists()


def test_an_attempt_still_in_the_log_of_a_learners_open_database_is_read(homes, monkeypatch):
    path = as_learner(monkeypatch, homes, "erin")
    ex.ask("l01-expr-dfdx")
    assert ex.check("l01-expr-dfdx", "2/x + y").passed     # the store keeps its file open
    assert path.with_name(path.name + "-wal").exists()

    erin = read_class(homes).learners[-1]
    assert erin.name == "erin" and erin.lessons[1].passed == 1


def test_the_named_learners_of_one_voila_server_are_read_from_its_learners_folder(
        tmp_path, monkeypatch):
    learners = tmp_path / "autograd-tutor" / "learners"   # as tutor.exercises.learners keeps it
    monkeypatch.setattr(ex, "_pending", dict(ex._pending))
    for slug, answer in (("ana-lima", "2/x + y"), ("ben", "x")):
        monkeypatch.setenv("TUTOR_PROGRESS_DB", str(learners / f"{slug}.sqlite"))
        ex.ask("l01-expr-dfdx")
        ex.check("l01-expr-dfdx", answer)

    progress = read_class(tmp_path / "autograd-tutor")
    assert [learner.name for learner in progress.learners] == ["ana-lima", "ben"]
    assert learners_dir().name == NAMED_LEARNERS          # where the dashboard puts them
    assert [learner.lessons[1].passed for learner in progress.learners] == [1, 0]
    assert [learner.lessons[1].attempted for learner in progress.learners] == [1, 1]
