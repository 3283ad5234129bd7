"""The progress store when its file is damaged under running writers: nothing lost silently.

The issue's scenarios, with two writer processes in the middle of their work: the file is
truncated to 0 bytes, or deleted. The writers notice, say so naming the file, and every
attempt they made ends up in the file; what is set aside can be read.
"""

import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from tutor.exercises import store as store_module
from tutor.exercises.store import (ChangedUnderUsWarning, ProgressStore, ProgressStoreError)

WRITES = 150        # per writer and half


@pytest.fixture
def progress_file(tmp_path, monkeypatch):
    path = tmp_path / "progress.sqlite"
    monkeypatch.setenv("TUTOR_PROGRESS_DB", str(path))
    store_module._forget_connection()
    yield path
    store_module._forget_connection()


WRITER = """
    import os, sys, time, warnings
    warnings.simplefilter("always")
    from tutor.exercises.store import ProgressStore
    folder = {folder!r}
    store = ProgressStore()
    for index in range({writes}):
        store.record_attempt({name!r}, 6, index % 2 == 0)
    open(os.path.join(folder, "half-" + {name!r}), "w").close()
    while not os.path.exists(os.path.join(folder, "resume")):
        time.sleep(0.01)
    for index in range({writes}):
        store.record_attempt({name!r}, 6, index % 2 == 0)
    print("saved", 2 * {writes})
"""


def start_writers(path, names=("l06-toposort", "l06-backward-pass")):
    env = {"TUTOR_PROGRESS_DB": str(path), "PATH": "", "PYTHONPATH": ":".join(sys.path)}
    return [subprocess.Popen([sys.executable, "-c", textwrap.dedent(WRITER.format(
        folder=str(path.parent), writes=WRITES, name=name))], env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True) for name in names]


def wait_for_halves(path, names=("l06-toposort", "l06-backward-pass"), timeout=120):
    deadline = time.monotonic() + timeout
    while not all((path.parent / f"half-{name}").exists() for name in names):
        assert time.monotonic() < deadline, "the writers did not get half-way"
        time.sleep(0.02)


def finish(path, writers):
    (path.parent / "resume").touch()
    outputs = []
    for writer in writers:
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
        outputs.append((out, err))
    return outputs


def count_rows(path):
    connection = sqlite3.connect(path)
    try:
        return dict(connection.execute(
            "SELECT exercise_id, COUNT(*) FROM attempts GROUP BY exercise_id").fetchall())
    finally:
        connection.close()


def test_truncating_the_file_under_two_writers_loses_none_of_their_attempts(progress_file):
    writers = start_writers(progress_file)
    wait_for_halves(progress_file)
    connection = sqlite3.connect(progress_file)             # everything into the main file
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    with open(progress_file, "r+b") as handle:               # what the issue did
        handle.truncate(0)
    outputs = finish(progress_file, writers)
    for out, err in outputs:
        assert f"saved {2 * WRITES}" in out
        assert str(progress_file) in err                         # each writer said so
        # The second writer may find the file already moved aside, or already replaced.
        assert any(word in err for word in ("truncated", "replaced", "deleted"))
    assert any("truncated" in err for _, err in outputs)
    assert count_rows(progress_file) == {"l06-toposort": 2 * WRITES,
                                         "l06-backward-pass": 2 * WRITES}
    for recovered in progress_file.parent.glob("progress.sqlite.recovered-*"):
        count_rows(recovered)                                # what was set aside is readable


def test_deleting_the_file_under_two_writers_loses_none_of_their_attempts(progress_file):
    writers = start_writers(progress_file)
    wait_for_halves(progress_file)
    progress_file.unlink()
    outputs = finish(progress_file, writers)
    said = [err for _, err in outputs if str(progress_file) in err and
            ("deleted" in err or "replaced" in err)]
    assert len(said) == 2                                    # both noticed, naming the file
    assert count_rows(progress_file) == {"l06-toposort": 2 * WRITES,
                                         "l06-backward-pass": 2 * WRITES}


def test_a_file_replaced_under_a_writer_gets_its_attempts_back(progress_file, tmp_path):
    store = ProgressStore(progress_file)
    for index in range(20):
        store.record_attempt("l05-vjp-sin", 5, True)
    other = tmp_path / "other.sqlite"
    ProgressStore(other).record_attempt("l01-partials", 1, False)
    store_module._forget_connection()
    store.record_attempt("l05-vjp-sin", 5, True)             # reopen our file
    other.replace(progress_file)                              # someone copies another file in
    with pytest.warns(ChangedUnderUsWarning, match="replaced"):
        store.record_attempt("l05-vjp-sin", 5, False)
    assert count_rows(progress_file) == {"l05-vjp-sin": 22, "l01-partials": 1}
    assert str(progress_file) in store.notice


def test_what_is_set_aside_is_readable_and_carried_over(progress_file):
    store = ProgressStore(progress_file)
    for index in range(300):
        store.record_attempt(f"l05-exercise-{index % 7}", 5, True)
    store_module._forget_connection()
    connection = sqlite3.connect(progress_file)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    data = bytearray(progress_file.read_bytes())
    data[-3000:] = b"\xff" * 3000                            # damage the last pages
    progress_file.write_bytes(bytes(data))
    store_module._JOURNAL.clear()                            # a new session: no memory of them
    with pytest.warns(UserWarning) as caught:
        attempts = ProgressStore(progress_file).attempts()
    message = str(caught[0].message)
    assert str(progress_file) in message
    recovered, = progress_file.parent.glob("progress.sqlite.recovered-*")
    kept = sum(count_rows(recovered).values())
    assert 0 < kept <= 300 and len(attempts) == kept        # readable, and carried over
    assert f"the {kept} attempts" in message


def test_an_unwritable_store_is_said_in_the_practice_tab(tmp_path, monkeypatch):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    monkeypatch.setenv("TUTOR_PROGRESS_DB", str(blocked / "progress.sqlite"))
    store_module._forget_connection()
    problem = ProgressStore().problem()
    assert str(blocked / "progress.sqlite") in problem
    from tutor.exercises.learners import Learner
    from tutor.exercises.widgets import PracticePanel
    panel = PracticePanel(seed=0, learner=Learner())
    status = panel.learner_box.status.value
    assert "Nothing is being saved" in status and "progress.sqlite" in status
    widget = panel.check_widget
    widget.answer_input.value = "12345"
    with pytest.warns(RuntimeWarning):
        widget.check_button.click()
    assert "Not saved" in widget.feedback.value and "progress.sqlite" in widget.feedback.value


def test_store_errors_name_the_file(tmp_path):
    folder = tmp_path / "plain-file"
    folder.write_text("x")
    store = ProgressStore(folder / "progress.sqlite")
    with pytest.raises(ProgressStoreError, match="plain-file"):
        store.record_attempt("l01-partials", 1, True)


def test_the_practice_tab_says_when_the_file_changed_under_it(progress_file):
    from tutor.exercises.learners import Learner
    from tutor.exercises.widgets import PracticePanel
    panel = PracticePanel(seed=0, learner=Learner())
    widget = panel.check_widget
    widget.answer_input.value = "12345"
    widget.check_button.click()                              # an attempt: the file exists
    progress_file.unlink()
    widget.answer_input.value = "12346"
    with pytest.warns(ChangedUnderUsWarning):
        widget.check_button.click()
    status = panel.learner_box.status.value
    assert "was deleted while in use" in status and str(progress_file) in status
    assert count_rows(progress_file) == {"l06-number-next-adjoint": 2}
