"""Writing a class's progress: a CSV table, a plot, and an HTML page with both.

``class-progress.csv``
    One row per learner and lesson: ``learner, lesson, title, passed, attempted, total,
    last_activity`` (ISO 8601, UTC; empty when the learner has not tried that lesson yet)
    and ``note`` (why a learner's file could not be read, if it could not).
    A spreadsheet's pivot table turns it into any view a teacher wants. Names and titles
    come from learners' files, so a cell that would start with ``= + - @`` (or a tab or a
    carriage return) gets a leading ``'``: a spreadsheet shows it as text, never runs it as
    a formula.
``class-progress.png``
    Per lesson, the share of the class's exercises passed, and the share attempted.
``class-progress.html``
    Learners × lessons (passed of total in each cell, attempted beside it, the cell's
    shade the share passed), each learner's last activity, the plot, and notes on any file
    that could not be read. One self-contained page: the plot is embedded in it.
"""

import base64
import csv
import html
import io
from datetime import timezone
from pathlib import Path

CSV_NAME = "class-progress.csv"
PLOT_NAME = "class-progress.png"
HTML_NAME = "class-progress.html"
CSV_COLUMNS = ("learner", "lesson", "title", "passed", "attempted", "total", "last_activity",
               "note")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write_report(progress, out):
    """Write the CSV, the plot and the HTML page for ``progress`` into folder ``out``.

    Returns the three paths (csv, png, html).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    csv_path, plot_path, html_path = out / CSV_NAME, out / PLOT_NAME, out / HTML_NAME
    write_csv(progress, csv_path)
    picture = plot_png(progress)
    plot_path.write_bytes(picture)
    html_path.write_text(page_html(progress, picture), encoding="utf-8")
    return csv_path, plot_path, html_path


def write_csv(progress, path):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for learner in progress.learners:
            for item in learner.lessons.values():
                title = progress.lessons.get(item.lesson, item.title)
                writer.writerow([_cell(learner.name), item.lesson, _cell(title), item.passed,
                                 item.attempted, item.total,
                                 _iso(learner.last_seen.get(item.lesson)),
                                 _cell(learner.problem)])


def _cell(text):
    """Text for a CSV cell that no spreadsheet will take for a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def lesson_shares(progress):
    """{lesson: (share passed, share attempted)} over the whole class, each in [0, 1].

    A share is exercises passed (attempted) summed over the learners, divided by the
    lesson's exercises times the number of learners.
    """
    shares = {}
    for lesson in progress.lessons:
        items = [learner.lessons[lesson] for learner in progress.learners
                 if lesson in learner.lessons]
        possible = sum(item.total for item in items)
        if possible:
            shares[lesson] = (sum(item.passed for item in items) / possible,
                              sum(item.attempted for item in items) / possible)
        else:
            shares[lesson] = (0.0, 0.0)
    return shares


def plot_png(progress):
    """The class's progress per lesson as a bar chart, PNG bytes (matplotlib, no pyplot)."""
    from matplotlib.figure import Figure

    shares = lesson_shares(progress)
    lessons = list(shares)
    figure = Figure(figsize=(max(5.0, 0.6 * len(lessons) + 2), 3.4), dpi=100)
    axes = figure.add_subplot()
    attempted = [100 * shares[lesson][1] for lesson in lessons]
    passed = [100 * shares[lesson][0] for lesson in lessons]
    axes.bar(lessons, attempted, color="#bbdefb", label="attempted")
    axes.bar(lessons, passed, color="#1565c0", label="passed")
    axes.set_xticks(lessons)
    axes.set_xlabel("lesson")
    axes.set_ylabel("% of the class's exercises")
    axes.set_ylim(0, 100)
    axes.set_title(f"Class progress per lesson ({len(progress.learners)} learners)")
    axes.legend(loc="upper right", frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def page_html(progress, picture):
    """The HTML page: the learners × lessons table, the plot (embedded), the notes."""
    lessons = progress.lessons
    header = "".join(f"<th title='{html.escape(title)}'>{lesson}</th>"
                     for lesson, title in lessons.items())
    rows = []
    for learner in progress.learners:
        cells = []
        for lesson in lessons:
            item = learner.lessons.get(lesson)
            if item is None or not item.total:
                cells.append("<td class='none'>–</td>")
                continue
            share = item.passed / item.total
            when = _short(learner.last_seen.get(lesson)) or "not tried yet"
            cells.append(f"<td style='background:{_shade(share)}' title='last activity: {when}'>"
                         f"{item.passed}/{item.total}<small> ({item.attempted} tried)</small></td>")
        problem = (f"<div class='problem'>{html.escape(learner.problem)}</div>"
                   if learner.problem else "")
        rows.append(f"<tr><th class='name' title='{html.escape(learner.source)}'>"
                    f"{html.escape(learner.name)}{problem}</th>{''.join(cells)}"
                    f"<td>{learner.passed}</td><td>{_short(learner.last_activity) or '–'}</td></tr>")
    legend = "".join(f"<li><b>{lesson}</b> {html.escape(title)}</li>"
                     for lesson, title in lessons.items())
    notes = "".join(f"<li>{html.escape(note)}</li>" for note in progress.notes)
    image = base64.b64encode(picture).decode("ascii")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Class progress</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; color: #212121; }}
table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #bdbdbd; padding: 4px 8px; text-align: center;
          white-space: nowrap; }}
ul.lessons {{ list-style: none; padding-left: 0; }}
th.name {{ text-align: left; }}
td.none {{ color: #757575; }}
small {{ color: #424242; }}
.problem {{ color: #b71c1c; font-weight: normal; font-size: 0.85em; }}
</style></head><body>
<h1>Class progress</h1>
<p>{len(progress.learners)} learners. Each cell: exercises passed of the lesson's total, and how
many were tried; hover for the last activity (UTC). Darker is further.</p>
<table class="tutor-class-report">
<tr><th>learner</th>{header}<th>passed</th><th>last activity (UTC)</th></tr>
{''.join(rows)}
</table>
<p><img src="data:image/png;base64,{image}"
 alt="Bar chart: per lesson, the share of the class's exercises attempted and passed."></p>
<h2>Lessons</h2><ul class="lessons">{legend}</ul>
{f'<h2>Notes</h2><ul class="notes">{notes}</ul>' if notes else ''}
</body></html>
"""


def _shade(share):
    """A blue from white (nothing passed) to a mid blue (all passed); text stays readable."""
    low, high = (255, 255, 255), (100, 165, 230)
    red, green, blue = (round(a + (b - a) * share) for a, b in zip(low, high))
    return f"rgb({red},{green},{blue})"


def _utc(moment):
    return moment.astimezone(timezone.utc) if moment.tzinfo is not None else moment


def _iso(moment):
    """For the CSV: ISO 8601 to the second, UTC (e.g. 2026-03-02T09:15:04+00:00)."""
    return "" if moment is None else _utc(moment).isoformat(timespec="seconds")


def _short(moment):
    """For the page: to the minute, UTC."""
    return "" if moment is None else _utc(moment).strftime("%Y-%m-%d %H:%M")
