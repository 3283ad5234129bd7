"""The dashboard: the explorer and the stepper on one page, plus practice and progress.

``app.ipynb`` only does ``from tutor.app import main; main()``, and Voila serves it (``make
app``). Everything is built here so that the dashboard can also be driven from Python, as
the tests do:

    app = build_app()                      # the seed's f at x=1, y=2
    app.stepper.to_end()                   # what End does in the page
    app.stepper.status                     # 'backward 9/9'
    app.explorer.wrt.value = "y"           # records again: ∂f/∂y
    app.explorer.expression.value = "x*x + sin(x)"   # what pressing Enter in the box does

How the parts talk: the explorer makes a Recording and loads it into one shared
:class:`~tutor.widgets.state.StepState`; the stepper (drawn and stepped in the browser)
gets it once as a story and steps it in the page, telling the state where the learner is.
A problem with what was typed goes to the error area and leaves the previous recording
where it was.

The Practice and Progress tabs come from :mod:`tutor.exercises`. They are built the first
time their tab is opened (so the page opens fast), and if building one fails, the tab says
so and the rest of the dashboard carries on.
"""

import html
import logging
import os

import ipywidgets as widgets

from .widgets import ErrorArea, ExportPanel, Explorer, RecordingPlayer, StepState, guarded
from .widgets.access import KEY_SCOPE, AccessibleNames
from .widgets.cost import CostPanel
from .widgets.explorer import EXAMPLES, SEED

__all__ = ["build_app", "main", "TutorApp"]

log = logging.getLogger("tutor.app")

INTRO = """
<div style="margin:0 0 4px 0">
<span style="font-size:1.4em;font-weight:bold">Autograd tutor</span>
<span style="color:#555">&nbsp; automatic differentiation, reverse and forward mode, one step at a time.</span>
<div style="color:#555">Type a function of any variables and press Enter. Step forward through
the forward pass (one operation per step), then through the backward pass: each step applies
one vector-Jacobian product and sends an adjoint ḡ back along one edge. In forward mode
(the mode menu) each step carries a tangent ẋ beside the value instead.</div>
</div>
"""


FIRST_LESSON = "lessons/01_what_are_we_finding.ipynb"


def lessons_note(environ=None):
    """One line saying where the lesson notebooks are (the exercises where you write code).

    Under JupyterHub (``JUPYTERHUB_SERVICE_PREFIX`` is set) it links to lesson 1 in the
    learner's own server, in JupyterLab; standalone it names the command, ``make lessons``.
    """
    environ = os.environ if environ is None else environ
    prefix = environ.get("JUPYTERHUB_SERVICE_PREFIX")
    if prefix:
        href = html.escape(f"{prefix.rstrip('/')}/lab/tree/{FIRST_LESSON}", quote=True)
        return (f'<div class="tutor-lessons-note">Write autograd yourself in the lessons: '
                f'<a href="{href}" target="_blank">open lesson 1</a> (your own copy).</div>')
    return ('<div class="tutor-lessons-note">Write autograd yourself in the lessons: run '
            '<code>make lessons</code> in the project folder (JupyterLab opens lesson 1).</div>')


class TutorApp(widgets.VBox):
    """The whole dashboard, a widget with its parts as attributes.

    ``state`` (the shared recording and step), ``explorer``, ``player`` (its ``stepper`` is
    the :class:`~tutor.widgets.stepper.StepperView`, also an attribute of the app),
    ``error`` (the error area), ``cost`` (which mode, and what it costs), ``export`` (the GIF
    panel), ``names`` (accessible names for the ipywidgets controls) and ``tabs`` (Explore,
    Practice, Progress, Train). The keys step the stepper anywhere in the Explore tab.
    ``practice``, ``progress`` and ``train`` (the :class:`~tutor.widgets.train.TrainPanel`)
    are None until their tab has been opened (or :meth:`open_tab` called).
    """

    TAB_TITLES = ("Explore", "Practice", "Progress", "Train")

    def __init__(self, expression=SEED, values="x=1, y=2", wrt=None, **kwargs):
        self.state = StepState()
        self.error = ErrorArea()
        self.explorer = Explorer(self.error, expression=expression, values=values, wrt=wrt)
        self.player = RecordingPlayer(state=self.state, error=self.error, key_scope=False)
        self.stepper = self.player.stepper
        self.names = AccessibleNames()
        self.export = ExportPanel(self.state, self.error, title=self._function_text)
        self.practice = None
        self.progress = None
        self.train = None
        self.explorer.on_recording(self.state.load)
        # "which mode, and what it costs": forward and reverse compared on this function;
        # each pass of the Jacobian is recorded by the explorer and stepped on the graph
        self.cost = CostPanel(self.error, state=self.state, step_pass=self.explorer.show_pass)
        self.explorer.on_recording(lambda recording: self.cost.show(
            recording, self.explorer.function, self.explorer.arguments))

        explore = widgets.VBox([self.explorer, self.error, self.player, self.cost,
                                self.export, self.names])
        explore.add_class("tutor-explore")
        explore.add_class(KEY_SCOPE)         # the arrow keys step anywhere in the tab
        self._placeholders = [widgets.HTML("Opening…") for _ in self.TAB_TITLES[1:]]
        self.tabs = widgets.Tab([explore, *self._placeholders])
        self.tabs.titles = self.TAB_TITLES
        self.tabs.add_class("tutor-tabs")
        self.tabs.observe(guarded(self.error, "opening the tab")(
            lambda change: self.open_tab(change["new"])), "selected_index")
        super().__init__([widgets.HTML(INTRO + lessons_note()), self.tabs], **kwargs)
        self.add_class("tutor-app")

        if self.explorer.submit() is None:     # the text given was refused: show the seed
            message = self.error.message
            self.explorer.load_example(EXAMPLES[0].title)
            self.error.show(f"{message}\nShowing the seed's f instead.")

    def open_tab(self, index):
        """Select tab ``index`` (0 Explore, 1 Practice, 2 Progress, 3 Train), building it if
        needed."""
        if index is None:
            return
        if index == 1 and self.practice is None:
            self.practice = self._build("Practice", self._make_practice, index)
        elif index == 2 and self.progress is None:
            self.progress = self._build("Progress", self._make_progress, index)
        elif index == 2 and self.progress is not None and hasattr(self.progress, "refresh"):
            self.progress.refresh()
        elif index == 1 and self.practice is not None and hasattr(self.practice, "learner_box"):
            self.practice.learner_box.refresh()     # a name taken in Progress meanwhile
        elif index == 3 and self.train is None:
            self.train = self._build("Train", self._make_train, index)
        if self.tabs.selected_index != index:
            self.tabs.selected_index = index

    def _build(self, name, make, index):
        try:
            panel = make()
        except Exception as error:       # noqa: BLE001 (a broken tab must not break the page)
            log.exception("could not build the %s tab", name)
            panel = widgets.HTML(f"<p>The {name} tab is not available: "
                                 f"{html.escape(type(error).__name__)}: "
                                 f"{html.escape(str(error))}</p>")
        children = list(self.tabs.children)
        children[index] = panel
        selected = self.tabs.selected_index
        self.tabs.children = children
        self.tabs.titles = self.TAB_TITLES
        self.tabs.selected_index = selected
        return panel

    def _make_practice(self):
        from .exercises.widgets import PracticePanel
        return PracticePanel(on_reveal=self._reveal)

    def _make_train(self):
        from .widgets.train import TrainPanel
        return TrainPanel()

    def _make_progress(self):
        from .exercises.widgets import ProgressView
        return ProgressView()

    def _function_text(self, recording):
        """The function as the learner typed it, for the GIF's title (None when the recording
        shown did not come from the explorer, e.g. after a practice answer)."""
        if recording is not self.explorer.recording:
            return None
        return getattr(self.explorer, "shown_expression", None) or self.explorer.expression.value

    def _reveal(self, recording, k):
        """After a practice answer: the Explore tab shows the question's function, its boxes,
        menus, Shown line and cost panel too, and its stepper the step with the answer."""
        if self.explorer.show_recording(recording):
            self.cost.show(recording, self.explorer.function, self.explorer.arguments)
        else:
            self.cost.show(recording)            # counted; no passes of a function not typed
        self.state.load(recording, k)


def build_app(expression=SEED, values="x=1, y=2", wrt=None):
    """The dashboard as a widget (a :class:`TutorApp`), showing ``expression`` at ``values``."""
    return TutorApp(expression=expression, values=values, wrt=wrt)


def main(**options):
    """Build the dashboard and display it: what ``app.ipynb`` runs.

    Returns None, so that a cell ending in ``main()`` does not display the dashboard twice;
    use :func:`build_app` to get hold of the widget. (While the kernel builds it, Voila shows
    its own "executing" spinner.)
    """
    from IPython.display import display
    display(build_app(**options))
