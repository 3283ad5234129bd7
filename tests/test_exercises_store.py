"""The progress store: a SQLite file per learner that survives restarts, concurrent
notebooks and corruption."""

import json
import subprocess
import sys
import textwrap
import time
import warnings

import pytest

import tutor.exercises as ex
from exercise_helpers import solution_copy
from tutor.exercises.store import (CorruptProgressWarning, ProgressStore, default_path,
                                   store_path)


@pytest.fixture(autouse=True)
def progress_file(tmp_path, monkeypatch):
    path = tmp_path / "progress.sqlite"
    monkeypatch.setenv("TUTOR_PROGRESS_DB", str(path))
    return path


def run_python(code, path, wait=True):
    """Run ``code`` in a fresh Python process using the progress file ``path``."""
    command = [sys.executable, "-c", textwrap.dedent(code)]
    env = {"TUTOR_PROGRESS_DB": str(path), "PATH": "", "PYTHONPATH": ":".join(sys.path)}
    if wait:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def test_the_file_is_chosen_by_environment_variable_or_data_directory(monkeypatch, tmp_path,
                                                                      progress_file):
    assert store_path() == progress_file
    monkeypatch.delenv("TUTOR_PROGRESS_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_path() == tmp_path / "data" / "autograd-tutor" / "progress.sqlite"
    assert store_path() == default_path()
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_path().parts[-4:] == (".local", "share", "autograd-tutor", "progress.sqlite")


def test_checks_are_recorded_as_attempts_and_passes(progress_file):
    solution = solution_copy(ex.get("l05-vjp-sin"))
    assert ex.check("l05-vjp-sin", lambda ans, x: lambda g: g).passed is False
    assert ex.check("l05-vjp-sin", solution).passed
    ex.check("l06-toposort", lambda end_node: [end_node])
    state = ex.progress()
    assert state.attempts == {"l05-vjp-sin": 2, "l06-toposort": 1}
    assert state.passes == {"l05-vjp-sin": 1, "l06-toposort": 0}
    assert state.passed == {"l05-vjp-sin"}
    assert state.lessons[5].passed == 1
    assert state.lessons[5].total == len(ex.catalog(lesson=5))
    assert state.lessons[6].attempted == 1 and state.lessons[6].passed == 0
    assert progress_file.exists()


def test_unreadable_answers_and_record_false_are_not_recorded():
    ex.check("l05-vjp-sin", solution_copy(ex.get("l05-vjp-sin")), record=False)
    question = ex.ask("l02-number-precedence", seed=1)
    ex.check("l02-number-precedence", "", question)          # nothing typed: not an attempt
    ex.check("l02-number-precedence", "twelve", question)    # not a number: not an attempt
    assert ex.progress().attempts == {}


def test_progress_persists_across_processes(progress_file):
    run_python("""
        import tutor.exercises as ex
        from exercise_helpers import solution_copy
        ex.check("l05-vjp-sin", solution_copy(ex.get("l05-vjp-sin")))
    """, progress_file)
    assert ex.progress().passed == {"l05-vjp-sin"}
    ex.check("l06-toposort", solution_copy(ex.get("l06-toposort")))
    output = run_python("""
        import tutor.exercises as ex
        print(sorted(ex.progress().passed))
    """, progress_file)
    assert output.strip() == "['l05-vjp-sin', 'l06-toposort']"


def test_two_processes_writing_at_once_lose_nothing(progress_file):
    writes = 500
    go = progress_file.with_name("go")
    writer = f"""
        import os, time
        from tutor.exercises.store import ProgressStore
        while not os.path.exists({str(go)!r}):
            time.sleep(0.005)
        store = ProgressStore()
        for index in range({writes}):
            store.record_attempt("EXERCISE", 6, index % 2 == 0)
    """
    processes = [run_python(writer.replace("EXERCISE", name), progress_file, wait=False)
                 for name in ("l06-toposort", "l06-backward-pass")]
    go.touch()
    for process in processes:
        _, errors = process.communicate(timeout=300)
        assert process.returncode == 0, errors
    state = ProgressStore().summary(ex.catalog())
    assert state.attempts == {"l06-toposort": writes, "l06-backward-pass": writes}
    assert state.passes == {"l06-toposort": writes // 2, "l06-backward-pass": writes // 2}


def test_a_corrupt_file_is_set_aside_and_a_fresh_store_started(progress_file):
    garbage = b"this is not a database, it was damaged somehow " * 50
    progress_file.write_bytes(garbage)
    with pytest.warns(CorruptProgressWarning, match="moved aside"):
        result = ex.check("l05-vjp-sin", solution_copy(ex.get("l05-vjp-sin")))
    assert result.passed                                  # the learner keeps working
    aside = list(progress_file.parent.glob("progress.sqlite.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == garbage
    state = ex.progress()
    assert state.passed == {"l05-vjp-sin"}
    assert "could not be read" in state.notice and aside[0].name in state.notice


def test_a_damaged_database_page_is_detected_too(progress_file):
    store = ProgressStore(progress_file)
    for index in range(200):
        store.record_attempt(f"l05-exercise-{index}", 5, True)
    # Checkpoint the WAL into the file, then damage the table's pages.
    import sqlite3
    connection = sqlite3.connect(progress_file)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    data = bytearray(progress_file.read_bytes())
    for offset in range(4096 + 100, len(data), 7):
        data[offset] = 0xFF
    progress_file.write_bytes(bytes(data))
    from tutor.exercises import store as store_module
    store_module._forget_connection()                   # a new session opens the file
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        attempts = ProgressStore(progress_file).attempts()
    assert attempts == []
    assert any(issubclass(item.category, CorruptProgressWarning) for item in caught)


def test_export_progress_is_json_for_a_teacher(tmp_path):
    ex.check("l05-vjp-sin", solution_copy(ex.get("l05-vjp-sin")))
    ex.check("l05-vjp-sin", solution_copy(ex.get("l05-vjp-sin")))
    target = tmp_path / "export.json"
    text = ex.export_progress(target)
    document = json.loads(text)
    assert json.loads(target.read_text()) == document
    assert document["format"] == "autograd-tutor-progress"
    assert document["passed"] == 1 and document["total"] == len(ex.catalog())
    by_id = {item["id"]: item for item in document["exercises"]}
    assert by_id["l05-vjp-sin"]["attempts"] == 2 and by_id["l05-vjp-sin"]["passed"]
    assert by_id["l05-vjp-sin"]["first_passed_at"]
    assert by_id["l06-toposort"] == {**by_id["l06-toposort"], "attempts": 0, "passed": False}
    assert [attempt["exercise_id"] for attempt in document["attempts"]] == ["l05-vjp-sin"] * 2
    assert [item["lesson"] for item in document["lessons"]] == sorted({e.lesson for e in ex.catalog()})


def test_attempt_times_are_kept_in_order(progress_file):
    store = ProgressStore(progress_file)
    store.record_attempt("l01-partials", 1, False, when=time.time() - 60)
    store.record_attempt("l01-partials", 1, True)
    attempts = store.attempts()
    assert [attempt.passed for attempt in attempts] == [False, True]
    assert attempts[0].time < attempts[1].time
