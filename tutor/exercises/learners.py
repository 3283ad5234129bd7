"""Whose progress is it? One learner per page of a shared dashboard, never mixed.

In a notebook the kernel is the learner's own, and so is the progress file
(:func:`~.store.store_path`). A dashboard is different: one Voila server runs a kernel per
open page, all as the same user, so one file for everybody would show learner A's passes
to learner B. So the dashboard's Practice and Progress tabs keep progress per *learner*:

* when the server belongs to one learner (``TUTOR_PROGRESS_DB`` is set, or JupyterHub
  started it: ``JUPYTERHUB_USER``), or the tabs are not served by Voila at all (a notebook
  in the learner's own JupyterLab), that learner's file, as in the notebooks;
* otherwise (a Voila server for a class) progress is kept **for this page only** until the learner types a name (or
  the page was opened with ``?learner=NAME``, a link a teacher can hand out); from then
  on it goes to ``learners/<name>.sqlite`` beside the usual file, and what the page had
  is carried over. Another page, without that name, sees none of it.

This keeps honest learners apart; it is not a login (anyone may type any name).

**Names in every script.** A name may be written in any script (Мария, 李伟, José, नमस्ते);
two names are the same learner only when they are the same text (after Unicode's canonical
normalisation, NFC, so that an "é" typed as one character or as "e" plus an accent is one
name). The file name is a readable *slug* of the name (its letters and digits, lower case,
compatibility-normalised: ｋｉｍ reads "kim", ß reads "ss") followed by a short hash of the
exact name, so names with the same slug (José and Josè, Ana and ana, ｋｉｍ and kim) still
get files of their own. A name that already is its own slug (``ana``, ``ana-lima``,
``мария``) keeps the plain file name ``ana.sqlite``, as before; a hashed name always has
``--`` in it, which a plain slug never has, so the two kinds cannot meet.
"""

import atexit
import hashlib
import os
import shutil
import tempfile
import threading
import unicodedata
import urllib.parse
from pathlib import Path

from .store import ENV_VAR, ProgressStore, default_path

MAX_NAME_LENGTH = 40      # characters of a name, as typed (after NFC)
SLUG_LENGTH = 40          # characters of the readable part of a file name
NAME_PUNCTUATION = frozenset(" .'-_")
NAME_RULE = f"Type a name of letters, digits, spaces, . ' - or _ (at most {MAX_NAME_LENGTH})."


def one_learner_server():
    """True when this server belongs to one learner (their own file is used)."""
    return bool(os.environ.get(ENV_VAR) or os.environ.get("JUPYTERHUB_USER"))


def under_voila():
    """True in a kernel Voila started (it sets ``VOILA_KERNEL_ID`` and ``VOILA_PREHEAT``)."""
    return bool(os.environ.get("VOILA_KERNEL_ID") or os.environ.get("VOILA_PREHEAT")
                or os.environ.get("SERVER_SOFTWARE", "").startswith("voila"))


def learners_dir():
    """``<data dir>/autograd-tutor/learners``: one progress file per named learner."""
    return default_path().parent / "learners"


def exact_name(name):
    """The name as the learner typed it, without surrounding spaces, in Unicode's NFC form."""
    return unicodedata.normalize("NFC", name.strip())


def _word_character(character):
    """Letters, digits and the marks that combine with them (accents, Devanagari vowels)."""
    return unicodedata.category(character)[0] in "LNM"


def is_name(name):
    """True for a learner's name: letters, digits and the marks on them, spaces and
    ``. ' - _``, starting with a letter, a digit or ``_``; at most :data:`MAX_NAME_LENGTH`
    characters. So no slash, no NUL, no control character, no name made of dots."""
    if not isinstance(name, str):
        return False
    name = exact_name(name)
    return (0 < len(name) <= MAX_NAME_LENGTH
            and (unicodedata.category(name[0])[0] in "LN" or name[0] == "_")
            and all(_word_character(c) or c in NAME_PUNCTUATION for c in name))


def slug(name):
    """The readable part of a learner's file name: ``"Ana Lima"`` -> ``"ana-lima"``,
    ``"ｋｉｍ"`` -> ``"kim"``, ``"Мария"`` -> ``"мария"``, ``"___"`` -> ``"learner"``."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    words = "".join(c if _word_character(c) else " " for c in folded).split()
    return "-".join(words)[:SLUG_LENGTH].strip("-") or "learner"


def file_name(name):
    """The learner's file: ``"ana"`` -> ``"ana.sqlite"``, ``"Ana Lima"`` ->
    ``"ana-lima--<hash>.sqlite"`` (see the module's docstring). Distinct names, distinct
    files; only letters, digits, marks and ``-`` ever reach the file system."""
    exact = exact_name(name)
    readable = slug(exact)
    if exact == readable:
        return f"{readable}.sqlite"
    digest = hashlib.sha256(exact.encode("utf-8")).hexdigest()[:10]
    return f"{readable}--{digest}.sqlite"


def name_from_query(query=None):
    """The ``learner`` of a page's query string (``?learner=ana``), or None."""
    query = page_query() if query is None else query
    names = urllib.parse.parse_qs(query).get("learner")
    return exact_name(names[0]) if names and is_name(names[0]) else None


def page_query(timeout=5.0):
    """The query string of the page this kernel serves ('' outside Voila).

    Voila puts it in ``QUERY_STRING``; a preheated kernel (started before anyone asked for
    the page) only gets it on request, from Voila's own ``voila/query`` socket on this
    machine, which :func:`voila.utils.wait_for_request` reads. We ask once, in the
    background, and give up after ``timeout`` seconds rather than hold up the tab.
    """
    if "QUERY_STRING" not in os.environ and os.environ.get("VOILA_PREHEAT") == "True":
        try:
            from voila.utils import wait_for_request
        except ImportError:                 # pragma: no cover - Voila is a dependency
            return ""
        asking = threading.Thread(target=wait_for_request, daemon=True)
        asking.start()
        asking.join(timeout)
    return os.environ.get("QUERY_STRING", "")


class Learner:
    """The learner using this page: a ``name`` (None while unnamed) and their ``store``."""

    def __init__(self, name=None):
        self.name = None
        self._page_dir = None
        self.shared = under_voila() and not one_learner_server()
        if self.shared:
            self._page_dir = tempfile.mkdtemp(prefix="autograd-tutor-page-")
            atexit.register(shutil.rmtree, self._page_dir, True)
            self._store = ProgressStore(Path(self._page_dir) / "this-page.sqlite")
            name = name or name_from_query()
            if name:
                self.use_name(name)

    @property
    def store(self):
        """The :class:`ProgressStore` this learner's attempts go to now."""
        return self._store if self.shared else ProgressStore()

    def use_name(self, name):
        """Keep progress under ``name`` from now on (carrying over this page's attempts).

        Returns a sentence for the learner; raises ``ValueError`` for a name that is not one.
        """
        if not self.shared:
            return "Progress is saved in your own file."
        if not is_name(name or ""):
            raise ValueError(NAME_RULE)
        name = exact_name(name)
        store = ProgressStore(learners_dir() / file_name(name))
        for attempt in self.store.attempts():
            store.record_attempt(attempt.exercise_id, attempt.lesson, attempt.passed,
                                 when=attempt.time)
        self._store, self.name = store, name
        return self.status()

    def status(self):
        """Where this learner's progress goes, in a sentence."""
        if not self.shared:
            return f"Saving your progress in {self.store.path}."
        if self.name is None:
            return ("Progress is kept for this page only. Type your name to keep it (on this "
                    "server, progress is kept per name).")
        return f"Saving progress as {self.name} (in {self.store.path.name})."


_THIS_PAGE = None


def this_page_learner():
    """The learner of this kernel's page (one kernel per page: one learner per kernel)."""
    global _THIS_PAGE
    if _THIS_PAGE is None:
        _THIS_PAGE = Learner()
    return _THIS_PAGE
