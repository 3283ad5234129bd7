"""A teacher's class report: every learner's progress, lesson by lesson, in one table.

From the command line (``make report`` runs the first)::

    python -m tutor.report .hub/homes --out class-report     # the hub's learners' homes
    python -m tutor.report exports/ --out class-report       # a folder of exported files
    python -m tutor.report ~/.local/share/autograd-tutor/learners   # one Voila server's class

It finds every progress database (``progress.sqlite``) and every exported progress file
(the JSON from ``tutor.exercises.export_progress()`` or the Progress tab's download) under
the folders or files it is given, and writes, into ``--out``:

* ``class-progress.csv``: one row per learner and lesson (passed, attempted, total, last
  activity);
* ``class-progress.png``: the class's share of exercises passed and attempted, per lesson;
* ``class-progress.html``: the learners × lessons table with that plot, to open in a browser.

From Python::

    from tutor.report import read_class, write_report
    progress = read_class(".hub/homes")        # a ClassProgress: .learners, .lessons, .notes
    write_report(progress, "class-report")

Reading never changes a learner's file (see :mod:`.reading`); a file that cannot be read
becomes a note on its learner's row, and the rest of the class is reported.
"""

from .reading import ClassProgress, Learner, read_class
from .writing import lesson_shares, write_report

__all__ = ["read_class", "write_report", "lesson_shares", "ClassProgress", "Learner",
           "main"]


def main(argv=None):
    """The command line: read the places given, write the report, say where it went."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m tutor.report",
        description="Write a class's progress (learners × lessons) as CSV, HTML and a plot.")
    parser.add_argument("places", nargs="+", metavar="HOMES_OR_FILES",
                        help="the hub's homes folder, a folder of exported progress files, "
                             "or single files")
    parser.add_argument("--out", default="class-report",
                        help="folder for the report (default: class-report)")
    options = parser.parse_args(argv)
    progress = read_class(*options.places)
    if not progress.learners:
        print(f"No learner's progress found in {', '.join(options.places)}.")
        for note in progress.notes:
            print(f"  {note}")
        return 1
    csv_path, plot_path, html_path = write_report(progress, options.out)
    unreadable = [learner.name for learner in progress.learners if learner.problem]
    print(f"{len(progress.learners)} learners, {sum(l.passed for l in progress.learners)} "
          f"exercises passed in all.")
    if unreadable:
        print(f"Could not fully read: {', '.join(unreadable)} (see the page).")
    for note in progress.notes:
        print(f"  {note}")
    print(f"Wrote {csv_path}, {plot_path} and {html_path}")
    return 0
