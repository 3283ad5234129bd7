"""The course as a learner meets it: where the lessons are, and what the notebooks show.

These tests read the lesson notebooks and the catalog without running a kernel.
"""

from tutor.app import build_app, lessons_note


def test_the_dashboard_says_where_the_lessons_are():
    standalone = lessons_note({})
    assert "make lessons" in standalone
    hub = lessons_note({"JUPYTERHUB_SERVICE_PREFIX": "/user/ann/"})
    assert 'href="/user/ann/lab/tree/lessons/01_what_are_we_finding.ipynb"' in hub
    intro = build_app().children[0].value
    assert "tutor-lessons-note" in intro
