"""The server guards' small parts, without a server: the websocket seats, the log's folding
of repeated records, the allowed host names and the traceback's one line."""

import logging

from tutor.server.connection import plain_error, without_paths
from tutor.server.hosts import allowed_names, host_allowed
from tutor.server.quiet_log import RepeatsFolded
from tutor.server.sockets import WebsocketCounts


def test_seats_are_capped_per_kernel_and_per_address_and_given_back():
    counts = WebsocketCounts()
    assert [counts.take("k1", "10.0.0.1", 2, 3) for _ in range(2)] == [None, None]
    assert "this kernel already has 2" in counts.take("k1", "10.0.0.1", 2, 3)
    assert counts.take("k2", "10.0.0.1", 2, 3) is None
    assert "your address already has 3" in counts.take("k2", "10.0.0.1", 2, 3)
    assert counts.take("k2", "10.0.0.2", 2, 3) is None       # another address
    counts.give_back("k1", "10.0.0.1")                        # a tab closed: a seat again
    assert counts.take("k1", "10.0.0.1", 2, 3) is None
    for kernel, address in [("k1", "10.0.0.1"), ("k1", "10.0.0.1"), ("k2", "10.0.0.1"),
                            ("k2", "10.0.0.2")]:
        counts.give_back(kernel, address)
    assert not counts.by_kernel and not counts.by_address
    assert counts.take("k3", "x", 0, 0) is None               # 0: no cap


def record(message, level=logging.ERROR, error=None):
    made = logging.LogRecord("tornado.application", level, __file__, 1, message, ("cb",),
                             (type(error), error, None) if error else None)
    return made


def test_a_flood_of_one_error_is_folded_into_a_count_and_others_still_show():
    now = [0.0]
    folding = RepeatsFolded(every=10, burst=3, clock=lambda: now[0])
    too_many = OSError(24, "Too many open files")
    passed = [folding.filter(record("Exception in callback %r", error=too_many))
              for _ in range(1000)]
    assert passed.count(True) == 3
    assert folding.filter(record("Exception in callback %r", error=OSError(5, "I/O")))
    assert folding.filter(record("something else happened"))
    assert all(folding.filter(record("Kernel started: %s", logging.INFO)) for _ in range(50))
    now[0] = 11.0
    later = record("Exception in callback %r", error=too_many)
    assert folding.filter(later)
    assert "logged 997 more times" in later.getMessage()


def test_names_the_server_answers_to():
    names = allowed_names("127.0.0.1", ["tutor.school.org"])
    for host in ("127.0.0.1", "::1", "[::1]", "192.168.1.20", "localhost", "LOCALHOST.",
                 "app.localhost", "tutor.school.org"):
        assert host_allowed(host, names), host
    for host in ("evil.example", "localhost.evil.example", "127.0.0.1.nip.io"):
        assert not host_allowed(host, names), host
    assert "tutor.local" in allowed_names("tutor.local")      # the name it listens on


def test_an_error_reaches_the_page_as_one_line_without_paths():
    content = {"ename": "TraitError", "evalue": "bad value in /srv/course/app.py",
               "traceback": ["File /usr/lib/python3/site-packages/traitlets.py:22", "..."]}
    shown = plain_error(content)
    assert shown["traceback"] == ["TraitError: bad value in …"]
    assert without_paths(r"C:\Users\ana\venv\x.py said no") == "… said no"
    assert without_paths("1/2 and x/y stay") == "1/2 and x/y stay"
