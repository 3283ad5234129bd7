"""Learners' names on a shared dashboard server, in every script (issue 22, item 5).

Each name a learner types keeps their progress in a file of its own under ``learners/``.
The file names used to keep only ``[a-z0-9]``: Мария, Иван and 李伟 all became
``learner.sqlite`` (Иван saw Мария's pass) and José and Josè both ``jos.sqlite``.
"""

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.exercises.learners import Learner, file_name, is_name, learners_dir, name_from_query
from tutor.exercises.store import ProgressStore

THE_ISSUES_NAMES = ["Мария", "Иван", "李伟", "王芳", "ｋｉｍ", "ß", "___", "१२३", "José", "Josè"]


@pytest.fixture
def shared_server(tmp_path, monkeypatch):
    """A dashboard server of many learners: no progress file named, no JupyterHub."""
    for name in ("TUTOR_PROGRESS_DB", "JUPYTERHUB_USER", "QUERY_STRING"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VOILA_KERNEL_ID", "a-kernel-of-a-class-server")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "data" / "autograd-tutor" / "learners"


def test_the_issues_names_get_distinct_readable_files():
    names = THE_ISSUES_NAMES + ["kim", "ss", "jose", "ana", "Ana", "learner"]
    files = [file_name(name) for name in names]
    assert len(set(files)) == len(names), dict(zip(names, files))
    assert file_name("Мария").startswith("мария--") and file_name("ｋｉｍ").startswith("kim--")
    assert file_name("ß").startswith("ss--") and file_name("José").startswith("josé--")
    assert file_name("李伟") == "李伟.sqlite" and file_name("१२३") == "१२३.sqlite"   # own slugs


def test_plain_names_keep_the_files_they_had():
    assert file_name("ana") == "ana.sqlite"
    assert file_name("ana-lima") == "ana-lima.sqlite"
    assert file_name("  ana ") == "ana.sqlite"               # spaces around are not the name


def test_the_same_name_typed_two_ways_is_one_learner():
    composed, decomposed = "Jos\u00e9", "Jose\u0301"           # é as one character, or e + ´
    assert composed != decomposed and is_name(decomposed)
    assert file_name(composed) == file_name(decomposed)


@pytest.mark.parametrize("trick", [
    "../../etc", "../secret", "/etc/passwd", "a/b", "a\\b", "a\0b", ".", "..", ".hidden",
    "%2e%2e%2fsecret", "%252e%252e", "ｋ／ｉ", "a\nb", "-rf", "x" * 41, "", "   "])
def test_path_tricks_are_not_names(trick):
    assert not is_name(trick)
    assert name_from_query("learner=" + trick) is None


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40))
def test_any_accepted_name_stays_in_the_learners_folder_and_distinct_names_stay_apart(
        first, second):
    for name in (first, second):
        if is_name(name):
            stem = file_name(name)
            assert "/" not in stem and "\\" not in stem and "\0" not in stem
            assert not stem.startswith(".") and len(stem.encode("utf-8")) < 255
            folder = learners_dir()
            assert (folder / stem).resolve().parent == folder.resolve()
    if is_name(first) and is_name(second):
        same = unicodedata.normalize("NFC", first.strip()) == \
            unicodedata.normalize("NFC", second.strip())
        assert (file_name(first) == file_name(second)) == same


def test_ivan_never_sees_marias_pass(shared_server):
    maria = Learner(name="Мария")
    maria.store.record_attempt("l01-partials", 1, True)
    ivan = Learner(name="Иван")
    assert ivan.store.path != maria.store.path
    assert ivan.store.attempts() == []
    assert [attempt.passed for attempt in Learner(name="Мария").store.attempts()] == [True]
    assert "Saving progress as Иван" in ivan.status()
    databases = {path.name for path in shared_server.glob("*.sqlite")}
    assert databases == {file_name("Мария"), file_name("Иван")}


def test_a_learner_named_ana_still_finds_ana_sqlite(shared_server):
    ProgressStore(shared_server / "ana.sqlite").record_attempt("l01-partials", 1, True)
    assert len(Learner(name="ana").store.attempts()) == 1
    assert Learner(name="Ana").store.attempts() == []     # another name, another learner


def test_a_teachers_link_may_name_a_learner_in_any_script(shared_server, monkeypatch):
    monkeypatch.setenv("QUERY_STRING", "learner=%D0%9C%D0%B0%D1%80%D0%B8%D1%8F")   # Мария
    assert Learner().name == "Мария"
