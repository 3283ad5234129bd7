"""ipywidgets for exercises: a check box for notebooks, the Practice tab, a progress view.

:class:`CheckWidget`
    Under an exercise cell: **Check** runs the check and shows the result, **Hint** reveals
    the hints one stage at a time, **Show solution** becomes available after three failed
    attempts. Question exercises also get an answer box and **New question**.
:class:`PracticePanel`
    The dashboard's Practice tab: number, choice and expression questions drawn from random
    functions. It never runs learner code. After an answer about a recorded function it
    calls ``on_reveal(recording, k)`` so a stepper can show the step that held the answer.
:class:`ProgressView`
    Exercises passed per lesson, with a JSON export for a teacher.

Every control carries a ``tutor-exercise-...`` CSS class so browser tests can find it.
"""

import base64
import html
import inspect

import ipywidgets as widgets

from . import LESSON_TITLES, ask, catalog, check, get
from .checking import DEFAULT_TIME_LIMIT, reveal
from .markup import inline_html, markdown_html

SOLUTION_AFTER = 3     # failed attempts before the solution is offered


def _user_namespace():
    try:
        from IPython import get_ipython
    except ImportError:     # pragma: no cover
        return {}
    shell = get_ipython()
    return shell.user_ns if shell is not None else {}


def _button(description, css, **kwargs):
    button = widgets.Button(description=description, **kwargs)
    button.add_class(css)
    return button


class CheckWidget(widgets.VBox):
    """Check an exercise from a notebook.

    ``get_answer`` is a function of no arguments returning the answer at the moment Check is
    pressed, e.g. ``lambda: vjp_sin``; by default the function named in the exercise (say
    ``vjp_sin``) is looked up among the notebook's variables, so redefining it and pressing
    Check again just works. ``store`` is the progress store (or a function returning it, asked
    at each check); by default the learner's file. Question exercises read the answer from their own input box and
    take a few tries (see :data:`~.checking.TRIES`): a wrong answer brings a hint, and the
    answer comes out after a pass, the last try, or **Show solution**; then **New question**.

    What the buttons may do is decided here, in the kernel, not by the page: a click that
    arrives for a button the page shows disabled does nothing (see :meth:`press`).
    ``on_answer(question)`` is called whenever a question's answer is out.
    """

    def __init__(self, exercise_id, get_answer=None, *, seed=None, show_prompt=None,
                 time_limit=DEFAULT_TIME_LIMIT, record=True, on_result=None, on_answer=None,
                 store=None):
        self.exercise = get(exercise_id)
        self.get_answer = get_answer
        self.seed = seed
        self.time_limit = time_limit
        self.record = record
        self.store = store
        self.on_result = on_result
        self.on_answer = on_answer
        self.failures = 0
        self.hints_shown = 0
        self.question = None
        self.last_result = None
        self.allowed = {"check": True, "hint": True, "solution": False, "next": True}

        exercise = self.exercise
        header = widgets.HTML(f"<b>{html.escape(exercise.title)}</b> "
                              f"<span style='color:#555'>· {html.escape(lesson_words(exercise))}"
                              f"</span>")
        header.add_class("tutor-exercise-title")
        if show_prompt is None:
            show_prompt = exercise.kind != "function"
        self.prompt = widgets.HTML(markdown_html(exercise.prompt) if show_prompt else "")
        self.prompt.add_class("tutor-exercise-prompt")
        self.question_view = widgets.HTML()
        self.question_view.add_class("tutor-exercise-question")
        self.answer_input = self._make_input()
        self.check_button = _button("Check", "tutor-exercise-check", button_style="primary",
                                    icon="check")
        self.hint_button = _button("Hint", "tutor-exercise-hint", icon="lightbulb-o")
        self.solution_button = _button("Show solution", "tutor-exercise-solution",
                                       disabled=True,
                                       tooltip=f"Offered after {SOLUTION_AFTER} failed attempts")
        self.next_button = _button("New question", "tutor-exercise-next", icon="refresh")
        self.feedback = widgets.HTML()
        self.feedback.add_class("tutor-exercise-feedback")
        self.hint_view = widgets.HTML()
        self.hint_view.add_class("tutor-exercise-hints")
        self.solution_view = widgets.HTML()
        self.solution_view.add_class("tutor-exercise-solution-text")

        self.check_button.on_click(lambda _: self.press("check"))
        self.hint_button.on_click(lambda _: self.press("hint"))
        self.solution_button.on_click(lambda _: self.press("solution"))
        self.next_button.on_click(lambda _: self.press("next"))

        buttons = [self.check_button, self.hint_button, self.solution_button]
        if exercise.kind != "function":
            buttons.insert(1, self.next_button)
            if not exercise.fresh:          # the same question each time: start it again
                self.next_button.description = "Start again"
        rows = [header, self.prompt, self.question_view]
        if self.answer_input is not None:
            rows.append(self.answer_input)
        rows += [widgets.HBox(buttons), self.feedback, self.hint_view, self.solution_view]
        super().__init__(rows)
        self.add_class("tutor-exercise")
        if exercise.kind != "function":
            self.new_question()

    # ------------------------------------------------------------------ parts

    def _make_input(self):
        kind = self.exercise.kind
        if kind == "function":
            return None
        if kind == "choice":
            answer = widgets.RadioButtons(options=[], value=None,
                                          layout=widgets.Layout(width="auto"))
        else:
            placeholder = "a number, e.g. 2.5 or -1/4" if kind == "number" else "e.g. 2*x + y"
            answer = widgets.Text(placeholder=placeholder, description="Answer:",
                                  continuous_update=False)
        answer.add_class("tutor-exercise-answer")
        return answer

    def _buttons(self):
        return {"check": self.check_button, "hint": self.hint_button,
                "solution": self.solution_button, "next": self.next_button}

    def allow(self, action, allowed):
        """Let ``action`` ("check", "hint", "solution", "next") happen or not; the button's
        ``disabled`` shows it, but :meth:`press` decides by this kernel-side state."""
        self.allowed[action] = bool(allowed)
        self._buttons()[action].disabled = not allowed

    def press(self, action):
        """What a click on a button does: nothing when the kernel does not allow it now
        (whatever the page said about the button), else the action. Returns its result."""
        if not self.allowed.get(action):
            return None
        act = {"check": self.check, "hint": self.show_hint, "solution": self.show_solution,
               "next": self.new_question}[action]
        return act()

    @property
    def _asks(self):
        return self.exercise.kind != "function"

    def new_question(self):
        """Draw a fresh question and reset the answer box, the hints and the solution."""
        seed = self.seed
        if seed is not None:
            self.seed = seed + 1            # reproducible, yet different each time
        self.question = ask(self.exercise.id, seed=seed)
        self.question_view.value = markdown_html(self.question.text)
        if self.exercise.kind == "choice":
            self.answer_input.options = list(self.question.options)
            self.answer_input.value = None
        else:
            self.answer_input.value = ""
        self.answer_input.disabled = False
        self.allow("check", True)
        self.allow("solution", True)
        self.solution_button.button_style = ""
        self.solution_button.tooltip = "Show the answer (this question is then used up)"
        self.hints_shown = 0
        self.hint_view.value = ""
        self.hint_button.description = "Hint"
        self.allow("hint", True)
        self.next_button.button_style = ""
        self.feedback.value = ""
        self.solution_view.value = ""
        from .model import secret_of
        if not self.exercise.fresh and secret_of(self.question).answer_seen:
            self.feedback.value = (
                "<div class='tutor-exercise-notice' style='color:#6d4c00'>This is the same "
                "question as before, and its answer has been shown: answering it again is "
                "good practice, but it is not counted as passed.</div>")

    def _answer(self):
        """The answer as it stands now: the input's value, or the learner's function."""
        if self._asks:
            return self.answer_input.value
        if self.get_answer is None:
            name = self.exercise.spec.name
            namespace = _user_namespace()
            if name not in namespace:
                raise LookupError(f"Define `{name}` in a cell above and run that cell, "
                                  f"then press Check.")
            return namespace[name]
        if _needs_arguments(self.get_answer):   # the function itself was passed
            return _user_namespace().get(getattr(self.get_answer, "__name__", ""),
                                         self.get_answer)
        return self.get_answer()

    # ---------------------------------------------------------------- actions

    def check(self):
        """What the Check button does; returns the :class:`Result` (or None)."""
        try:
            answer = self._answer()
        except Exception as error:
            self.feedback.value = (f"<div class='tutor-exercise-result'><b>Nothing to check "
                                   f"yet.</b> {html.escape(str(error))}</div>")
            return None
        store = self.store() if callable(self.store) else self.store
        result = check(self.exercise.id, answer, self.question, time_limit=self.time_limit,
                       record=self.record, store=store)
        self.last_result = result
        self.feedback.value = result.html(heading="")
        readable = not (result.problem in ("invalid", "unfinished")
                        or (self._asks and result.problem in ("none", "type")))
        if not result.passed and readable:
            self.failures += 1
            if not self._asks and self.failures >= SOLUTION_AFTER and \
                    not self.allowed["solution"]:
                self.allow("solution", True)
                self.solution_button.button_style = "warning"
                self.solution_button.tooltip = "Stuck? Have a look."
        if self._asks and result.revealed:
            self._answer_out()
        elif self._asks and result.tries_left:
            self._hint_up_to(self.exercise, self.failures_on_question())
        if self.on_result is not None:
            self.on_result(result, self.question)
        return result

    def failures_on_question(self):
        """Wrong answers given to the current question."""
        from .model import secret_of
        return secret_of(self.question).tries if self.question is not None else 0

    def _hint_up_to(self, exercise, stage):
        while self.hints_shown < min(stage, len(exercise.hints)):
            self.show_hint()

    def _answer_out(self):
        """The question's answer is out: it is used up; offer the next one."""
        self.answer_input.disabled = True
        self.allow("check", False)
        self.allow("solution", False)
        self.allow("hint", False)
        self.next_button.button_style = "info"
        if self.on_answer is not None:
            self.on_answer(self.question)

    def show_hint(self):
        """Reveal one more hint (all hints so far stay visible)."""
        hints = self.exercise.hints
        self.hints_shown = min(self.hints_shown + 1, len(hints))
        items = "".join(f"<li>{markdown_html(text)}</li>" for text in hints[:self.hints_shown])
        self.hint_view.value = f"<ol class='tutor-exercise-hint-list'>{items}</ol>"
        if self.hints_shown == len(hints):
            self.allow("hint", False)
        self.hint_button.description = f"Hint ({self.hints_shown}/{len(hints)})"

    def show_solution(self):
        """Show the reference solution; for a question, its answer (the question is then
        used up: New question draws the next)."""
        if self._asks:
            text = reveal(self.exercise, self.question)
            self._answer_out()
            body = "".join(f"<p style='margin:4px 0'>{inline_html(paragraph)}</p>"
                           for paragraph in text.split("\n\n"))
        else:
            body = (f"<pre style='white-space:pre-wrap'>"
                    f"{html.escape(self.exercise.solution_source)}</pre>")
        self.solution_view.value = (f"<div class='tutor-exercise-solution-box'><b>Solution</b>"
                                    f"{body}</div>")


def lesson_words(exercise):
    """``Lesson 6: The backward pass``: how a learner knows where an exercise belongs."""
    return f"Lesson {exercise.lesson}: {LESSON_TITLES.get(exercise.lesson, '')}".rstrip(": ")


def _needs_arguments(function):
    try:
        inspect.signature(function).bind()
        return False
    except TypeError:
        return True
    except ValueError:      # no signature available (a builtin): call it
        return False


class LearnerBox(widgets.VBox):
    """Who is practising: a name box on a shared server, and where progress goes.

    On a server of one learner (JupyterHub, or ``TUTOR_PROGRESS_DB`` set) it only says
    where progress is saved. ``on_change()`` is called after a new name is taken.
    """

    def __init__(self, learner, on_change=None):
        self.learner = learner
        self.on_change = on_change
        self.status = widgets.HTML()
        self.status.add_class("tutor-learner-status")
        self.name_input = widgets.Text(placeholder="your name", description="Your name:",
                                       continuous_update=False,
                                       layout=widgets.Layout(width="320px"))
        self.name_input.add_class("tutor-learner-name")
        self.use_button = _button("Use this name", "tutor-learner-use",
                                  layout=widgets.Layout(width="auto"))
        self.use_button.on_click(lambda _: self.use())
        self.name_input.observe(lambda change: self.use(), names="value")
        rows = [self.status]
        if learner.shared:
            rows.insert(0, widgets.HBox([self.name_input, self.use_button]))
        super().__init__(rows)
        self.add_class("tutor-learner")
        self.refresh()

    def use(self):
        """Take the typed name; say so (or say what is wrong with it)."""
        name = self.name_input.value.strip()
        if not name or name == self.learner.name:
            return
        try:
            self.learner.use_name(name)
        except Exception as error:      # a bad name, or a store that cannot be written
            self.status.value = f"<span class='tutor-learner-error'>{html.escape(str(error))}</span>"
            return
        self.refresh()
        if self.on_change is not None:
            self.on_change()

    def refresh(self):
        """Say where progress goes now, and whether it can be saved at all."""
        if self.learner.name and self.name_input.value != self.learner.name:
            self.name_input.value = self.learner.name
        store = self.learner.store
        problem = store.problem()
        text = html.escape(self.learner.status())
        if problem:
            text = (f"<span class='tutor-store-unwritable' style='color:#b71c1c'><b>Nothing is "
                    f"being saved:</b> {html.escape(problem)}</span>")
        elif store.notice:              # the file was set aside or changed under us
            text += (f"<div class='tutor-store-notice' style='color:#6d4c00'>"
                     f"{html.escape(store.notice)}</div>")
        self.status.value = f"<div style='color:#444'>{text}</div>"


def _learner(learner):
    if learner is None:
        from .learners import this_page_learner
        learner = this_page_learner()
    return learner


class PracticePanel(widgets.VBox):
    """The Practice tab: pick a kind of question, answer it, draw the next one.

    Only ``number``, ``choice`` and ``expression`` exercises are offered, so nothing typed
    here is ever run as code. A question takes a few tries (with a hint after a wrong
    answer); once its answer is out (a pass, the last try, or Show solution)
    ``on_reveal(recording, k)`` is called for a question about a recorded function, with the
    step index whose state shows the answer, and New question draws the next one.
    Attempts go to ``learner``'s store (by default this page's learner, see
    :mod:`.learners`).
    """

    DEFAULT = "l06-number-next-adjoint"

    def __init__(self, exercise_ids=None, *, seed=None, on_reveal=None, record=True,
                 learner=None):
        if exercise_ids is None:
            exercise_ids = [exercise.id for exercise in catalog() if exercise.kind != "function"]
        exercises = [get(exercise_id) for exercise_id in exercise_ids]
        if any(exercise.kind == "function" for exercise in exercises):
            raise ValueError("the Practice panel never runs code: function exercises belong "
                             "in the notebooks")
        self.seed = seed
        self.on_reveal = on_reveal
        self.record = record
        self.learner = _learner(learner)
        self.learner_box = LearnerBox(self.learner)
        options = [(f"Lesson {exercise.lesson}: {exercise.title}", exercise.id)
                   for exercise in exercises]
        first = self.DEFAULT if self.DEFAULT in exercise_ids else exercise_ids[0]
        self.chooser = widgets.Dropdown(options=options, value=first, description="Practice:",
                                        layout=widgets.Layout(width="max-content"))
        self.chooser.add_class("tutor-practice-chooser")
        self.reveal_view = widgets.HTML()
        self.reveal_view.add_class("tutor-practice-reveal")
        self.check_widget = None
        super().__init__([self.learner_box, self.chooser])
        self.add_class("tutor-practice")
        self.chooser.observe(lambda change: self._show(change["new"]), names="value")
        self._show(first)

    def _show(self, exercise_id):
        self.check_widget = CheckWidget(exercise_id, seed=self.seed, show_prompt=True,
                                        record=self.record, on_result=self._after_check,
                                        on_answer=self._answer_out,
                                        store=lambda: self.learner.store)
        self.reveal_view.value = ""
        # the sentence about the Explore tab goes with the question it was about
        self.check_widget.next_button.on_click(lambda _: setattr(self.reveal_view, "value", ""))
        self.children = [self.learner_box, self.chooser, self.check_widget, self.reveal_view]

    def _after_check(self, result, question):
        self.learner_box.refresh()      # a name typed in the Progress tab, a store gone bad

    def _answer_out(self, question):
        from .model import secret_of
        recording = secret_of(question).recording
        if recording is None or question.reveal_step is None:
            return
        if self.on_reveal is None:
            return
        self.reveal_view.value = ("<div>The <b>Explore</b> tab now shows this function, at "
                                  f"step {question.reveal_step} of {recording.steps}: the "
                                  "step that holds the answer.</div>")
        self.on_reveal(recording, question.reveal_step)


class ProgressView(widgets.VBox):
    """Exercises passed per lesson, from the learner's progress store.

    Each lesson's row says where its exercises are: question exercises in the Practice
    tab, code exercises in the lesson's notebook.
    """

    def __init__(self, learner=None):
        self.learner = _learner(learner)
        self.rows = {}
        self.notice = widgets.HTML()
        self.notice.add_class("tutor-progress-notice")
        self.learner_box = LearnerBox(self.learner, on_change=self.refresh)
        self.refresh_button = _button("Refresh", "tutor-progress-refresh", icon="refresh")
        self.export_button = _button("Export for teacher (JSON)", "tutor-progress-export",
                                     icon="download", layout=widgets.Layout(width="auto"))
        self.download = widgets.HTML()
        self.download.add_class("tutor-progress-download")
        self.refresh_button.on_click(lambda _: self.refresh())
        self.export_button.on_click(lambda _: self.export())
        table = []
        for lesson, title in LESSON_TITLES.items():
            bar = widgets.IntProgress(value=0, min=0, max=1,
                                      layout=widgets.Layout(width="180px"))
            label = widgets.Label(layout=widgets.Layout(width="110px"))
            where = widgets.HTML(where_they_are(lesson))
            where.add_class("tutor-progress-where")
            # HTML, not Label: a long title wraps onto a second line instead of being cut
            name = widgets.HTML(html.escape(f"{lesson}. {title}"),
                                layout=widgets.Layout(width="260px", min_width="0",
                                                      flex="0 0 260px"))
            name.add_class("tutor-progress-title")
            row = widgets.HBox([name, bar, label, where])
            row.add_class("tutor-progress-lesson")
            self.rows[lesson] = (bar, label)
            table.append(row)
        super().__init__([self.learner_box, self.notice, *table,
                          widgets.HBox([self.refresh_button, self.export_button]),
                          self.download])
        self.add_class("tutor-progress")
        self.refresh()

    def refresh(self):
        """Read the store again and update the bars."""
        self.learner_box.refresh()
        try:
            state = self.learner.store.summary(catalog(), LESSON_TITLES)
        except Exception as error:  # an unreadable store must not break the dashboard
            self.notice.value = f"<b>Progress could not be read:</b> {html.escape(str(error))}"
            return None
        for lesson, (bar, label) in self.rows.items():
            item = state.lessons.get(lesson)
            total = item.total if item else 0
            passed = item.passed if item else 0
            bar.max = max(total, 1)
            bar.value = passed
            bar.bar_style = "success" if total and passed == total else ""
            label.value = f"{passed} / {total} passed"
        self.notice.value = (f"<div class='tutor-progress-error'>{html.escape(state.notice)}</div>"
                             if state.notice else "")
        return state

    def export(self):
        """Offer the progress as a JSON file to download; returns the JSON text."""
        text = self.learner.store.export_json(catalog(), LESSON_TITLES)
        data = base64.b64encode(text.encode("utf-8")).decode("ascii")
        self.download.value = (f"<a download='autograd-tutor-progress.json' "
                               f"href='data:application/json;base64,{data}'>"
                               f"Download autograd-tutor-progress.json</a>")
        return text


def where_they_are(lesson):
    """``2 in Practice, 2 in lesson 1's notebook``: where a lesson's exercises are done."""
    exercises = catalog(lesson=lesson)
    code = sum(exercise.kind == "function" for exercise in exercises)
    asked = len(exercises) - code
    parts = []
    if asked:
        parts.append(f"{asked} in Practice")
    if code:
        parts.append(f"{code} in lesson {lesson}'s notebook")
    return f"<span style='color:#555'>{', '.join(parts)}</span>"
