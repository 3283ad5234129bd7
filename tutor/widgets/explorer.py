"""The explorer: where a learner types a function, its values, and what to differentiate by.

Text goes through :mod:`tutor.expression` (a whitelist parser: nothing typed is ever run as
Python), the values box through :func:`tutor.expression.parse_values`, and the pair through
:func:`tutor.record.record`. :func:`make_recording` does those three steps and turns every
way they can fail into an :class:`InputProblem` with a message for the learner:

- the expression is refused (a syntax error, ``__import__('os')``, an unknown function);
- the values box is malformed (``x=abc``) or names a variable the expression lacks;
- the numbers are outside a function's domain: ``log(x)`` at ``x = -1`` is nan, and a graph
  full of nan teaches nothing, so the message says where it first appeared
  (``log of a negative number gives nan at v1 = log(v0), where v0 = -1.0``).

- the shapes do not fit (``W @ x: W is 2×2 but x has 3 elements; the inner sizes must
  match``), or an array is bigger than the size bounds allow.

The :class:`Explorer` widget shows the message and keeps the previous recording on screen,
with a line saying which function and values it shows.

:data:`EXAMPLES` is the menu of functions worth stepping through, each with the one thing
it teaches.
"""

import html
import re
import warnings
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np

from ..expression import ExpressionError, ShapeError, parse, parse_values
from ..notation import ADJOINT, TANGENT, is_small, shape_text, typed_text, value_text
from ..record import element_name, record
from .common import MEMORY_MESSAGE, escape, guarded
from .cost import element_names
from .textbox import TextBox

__all__ = ["Explorer", "Example", "EXAMPLES", "SEED", "MODES", "make_recording",
           "InputProblem", "unit", "values_summary"]

SEED = "log(x**2) + y**2 + x*y"


@dataclass(frozen=True)
class Example:
    """A menu entry: the text to load and the lesson it carries."""
    title: str
    expression: str
    values: str
    wrt: str
    lesson: str


EXAMPLES = (
    Example("The seed's f: log(x**2) + y**2 + x*y", SEED, "x=1, y=2", "x",
            "x reaches f along two paths (through log and through x*y): its adjoint gets a "
            "contribution from each, and ∂f/∂x = 2/x + y = 4."),
    Example("Operator precedence: (a*b) + c - d", "(a*b) + c - d", "a=4, b=5, c=2, d=4", "a",
            "The numbers of (4*5) + 2 - 4 as variables: the graph multiplies first, then adds, "
            "then subtracts, the order Python reads it in. ∂f/∂a = b = 5."),
    Example("A neuron: tanh(w*x + b)", "tanh(w*x + b)", "w=0.5, x=2, b=-0.3", "w",
            "The building block of neural networks. The adjoint is scaled by tanh's slope "
            "at its input, 1 - tanh(w*x + b)**2, then by x: "
            "∂f/∂w = (1 - tanh(w*x + b)**2) * x."),
    Example("Fan-out: x*x + sin(x)", "x*x + sin(x)", "x=1.5", "x",
            "x is used three times (twice by ×, once by sin): three contributions arrive at "
            "ḡ_x and add up to 2x + cos(x)."),
    Example("Softplus: log(1 + exp(x))", "log(1 + exp(x))", "x=0.5", "x",
            "A smooth ReLU. Its derivative is the sigmoid: the chain of exp, + and log "
            "multiplies out to exp(x) / (1 + exp(x))."),
    Example("Sigmoid: 1/(1 + exp(-x))", "1/(1 + exp(-x))", "x=0", "x",
            "The divide's VJP for its denominator is -g*x/y**2: a negative adjoint travels "
            "back, and two sign flips later ∂f/∂x = σ(1 - σ) = 0.25 at 0."),
    Example("Product of three: x*y*z", "x*y*z", "x=2, y=3, z=4", "y",
            "Each factor's derivative is the product of the others: ∂f/∂y = x·z = 8."),
    Example("Difference of squares: (x + y) * (x - y)", "(x + y) * (x - y)", "x=3, y=2", "x",
            "Equal to x**2 - y**2: x flows through both factors, and the two contributions add "
            "up to 2x = 6."),
    Example("Chain rule: sin(cos(exp(x)))", "sin(cos(exp(x)))", "x=0.5", "x",
            "A chain: each backward step multiplies the adjoint by one local derivative."),
    Example("ReLU switched off: relu(w*x + b)", "relu(w*x + b)", "w=1, x=-2, b=0.5", "w",
            "relu(v) is max(v, 0): it keeps positive numbers and turns negative ones into 0. "
            "Its input is negative here, so its VJP passes back 0: no gradient reaches w "
            "(a 'dead' unit)."),
    Example("Squared error: (w*x - t)**2", "(w*x - t)**2", "w=0.8, x=2, t=1", "w",
            "The loss of a one-weight model: ∂f/∂w = 2(wx - t)·x, the step gradient "
            "descent would take."),
    Example("A tiny network (3 neurons)",
            "a1*tanh(w1*x + b1) + a2*tanh(w2*x + b2) + a3*tanh(w3*x + b3)",
            "x=0.5, w1=1, b1=0, a1=1, w2=-2, b2=0.5, a2=0.5, w3=0.5, b3=-1, a3=-1", "w1",
            "x fans out to three neurons; the gradient for one weight only flows back along "
            "its own neuron."),
    Example("Taylor series of exp (about 60 nodes)",
            "1 + x + x**2/2 + x**3/6 + x**4/24 + x**5/120 + x**6/720 + x**7/5040 "
            "+ x**8/40320 + x**9/362880 + x**10/3628800 + x**11/39916800 "
            "+ x**12/479001600",
            "x=1", "x",
            "A big graph: x feeds twelve terms and receives twelve contributions. The "
            "derivative of the series is the series again, so ∂f/∂x is close to f ≈ e."),
    Example("A linear layer with tanh: sum(tanh(W @ x + b))", "sum(tanh(W @ x + b))",
            "W=[[0.5, -1], [2, 0.3]], x=[1, 2], b=[0.1, -0.2]", "W",
            "Arrays: W @ x multiplies a 2×2 matrix by 2 numbers, b is added element by "
            "element, tanh acts on each element and sum makes one number. Every adjoint has "
            "the shape of its node: ḡ_W is 2×2, ḡ_W = ḡ_(W@x) @ xᵀ, each row's adjoint times x."),
    Example("Mean squared error: mean((w*x + b - t)**2)", "mean((w*x + b - t)**2)",
            "w=0.5, b=0.1, x=[1, 2, 3], t=[2, 4, 6]", "w",
            "A loss over three data points. w and b are numbers, x and t arrays: w*x stretches "
            "(broadcasts) w over the three elements, so w's adjoint is a sum over them, a Σ "
            "you can watch in the backward step that reaches w."),
)


class InputProblem(ValueError):
    """What a learner typed cannot be recorded; the message says why and what to do."""


# What each primitive needs of its argument, for saying why a value became nan or inf.
def _domain_reason(step):
    name = step.primitive
    try:
        args = [float(np.asarray(arg)) for arg in step.args]
    except (TypeError, ValueError):
        args = []
    value = np.asarray(step.value)
    bad = "nan" if np.isnan(value).any() else ("-inf" if (value == -np.inf).any() else "inf")
    x = args[0] if args else None
    y = args[1] if len(args) > 1 else None
    if x is not None:
        if name in ("log", "log2", "log10"):
            if x < 0:
                return f"{name} of a negative number gives nan"
            if x == 0:
                return f"{name} of 0 gives -inf"
        if name == "log1p" and x <= -1:
            return f"log1p of a number at or below -1 gives {bad}"
        if name == "sqrt" and x < 0:
            return "the square root of a negative number gives nan"
        if name in ("arcsin", "arccos") and abs(x) > 1:
            return f"{name} of a number outside [-1, 1] gives nan"
        if name == "arccosh" and x < 1:
            return "arccosh of a number below 1 gives nan"
        if name == "arctanh" and abs(x) >= 1:
            return f"arctanh of a number outside (-1, 1) gives {bad}"
        if name == "reciprocal" and x == 0:
            return "1/0 gives inf"
        if name in ("divide", "true_divide") and y == 0:
            return "0/0 gives nan" if x == 0 else f"division by zero gives {bad}"
        if name == "power" and y is not None:
            if x < 0 and y != round(y):
                return "a negative number to a fractional power gives nan"
            if x == 0 and y < 0:
                return "0 to a negative power gives inf"
    if bad != "nan":
        return f"{step.symbol} overflows to {bad} (the number is too large for a float)"
    return f"{step.symbol} gives nan"


def _finite(value):
    try:
        return bool(np.all(np.isfinite(np.asarray(value, dtype=float))))
    except (TypeError, ValueError):
        return True


MODES = (("reverse (backward pass)", "reverse"), ("forward (tangents)", "forward"))


def unit(shape, index):
    """The unit vector (or matrix) of ``shape`` that is 1 at flat ``index`` and 0 elsewhere;
    the number 1.0 for a number (shape ``()``)."""
    if not shape:
        return 1.0
    array = np.zeros(shape)
    array.flat[index] = 1.0
    return array


def make_recording(expression_text, values_text, wrt=None, also_known=(), mode="reverse",
                   direction=0):
    """Record ``expression_text`` at ``values_text``, differentiating by ``wrt``.

    Returns ``(recording, expression, values)``: the :class:`~tutor.record.Recording`, the
    parsed :class:`~tutor.expression.Expression` and the dict of values used. ``wrt`` may be
    None or a name the expression lacks: then its first variable is used. Names in
    ``also_known`` may appear in the values box and are ignored (the variables of the
    previous expression, so that editing the expression does not make the values box
    wrong). ``mode`` is ``"reverse"`` (a backward pass) or ``"forward"`` (tangents pushed
    along with the values). ``direction`` picks the unit vector a pass starts from, by its
    flat index: in forward mode the element of ``wrt`` whose tangent is 1 (``x[1]`` for
    1); in reverse mode, when f gives several numbers, the output whose adjoint is 1 (the
    seed ḡ = e₁ pulls back ``f[1]``: row 1 of the Jacobian). An index out of range is 0.
    Raises
    :class:`InputProblem` with a message for the learner, or ``MemoryError`` when recording
    needs more memory than the kernel may use.
    """
    try:
        expression = parse(expression_text)
    except ExpressionError as error:
        raise InputProblem(f"The expression cannot be used: {error}") from None
    variables = list(expression.variables)
    if not variables:
        raise InputProblem("The expression has no variable, so there is nothing to "
                           "differentiate. Use at least one name, e.g. x*5 + 2 - 4.")
    known = variables + [name for name in also_known if name not in variables]
    try:
        values = parse_values(values_text, known)
    except ExpressionError as error:
        raise InputProblem(f"The values cannot be read: {error}") from None
    values = {name: values[name] for name in variables}
    if wrt not in variables:
        wrt = variables[0]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        arguments = [values[name] for name in variables]
        argnum = variables.index(wrt)
        try:
            if mode == "forward":
                shape = np.shape(values[wrt])
                recording = record(expression, *arguments, argnum=argnum, mode=mode,
                                   tangent=unit(shape, _within(direction, shape)))
            else:
                shape = np.shape(expression(*arguments))
                seed = unit(shape, _within(direction, shape)) if shape else None
                recording = record(expression, *arguments, argnum=argnum, seed=seed)
        except ShapeError as error:
            raise InputProblem(f"The shapes do not fit: {error}.") from None
        except MemoryError:
            raise                         # the caller says it in plain words
        except Exception as error:        # noqa: BLE001 (any failure becomes a message)
            raise InputProblem(f"This cannot be differentiated here: "
                               f"{type(error).__name__}: {error}") from None
    for step in recording.forward:
        if not _finite(step.value):
            where = step.line.rsplit(" = ", 1)[0]
            operands = [step.args[argnum] for argnum in step.argnums]
            inputs = ", ".join(f"{parent} = {value_text(value)}"
                               for parent, value in zip(step.parents, operands))
            raise InputProblem(
                f"{_domain_reason(step)} at {where}" + (f", where {inputs}" if inputs else "")
                + ". The previous graph is still shown; try other values.")
    return recording, expression, values


def _within(index, shape):
    """``index`` if it is a flat index of an array of ``shape``, else 0."""
    return index if isinstance(index, int) and 0 <= index < int(np.prod(shape)) else 0


def gradient_warning(recording):
    """A note when the values are fine but an adjoint or tangent is inf or nan (e.g. sqrt at
    0), or None."""
    for step in recording.backward:
        if not _finite(step.after):
            return (f"Note: an adjoint is not finite here ({step.line}). The derivative does "
                    f"not exist or is infinite at these values.")
    for step in recording.forward:
        if getattr(step, "tangent", None) is not None and not _finite(step.tangent):
            return (f"Note: a tangent is not finite here ({step.tangent_line}). The derivative "
                    f"does not exist or is infinite at these values.")
    return None


# What a convenience function is drawn as, for the line saying what is shown.
_DRAWN_AS = {
    "relu": "relu(v) is max(v, 0): it keeps positive numbers and turns negative ones into "
            "0, and its VJP passes the adjoint back only where v ≥ 0 ([v ≥ 0.0] in its "
            "formula)",
    "sigmoid": "sigmoid(v) is drawn as the operations it is made of, 1 / (1 + exp(−v))",
    "softplus": "softplus(v) is drawn as logaddexp(0.0, v) = log(1 + exp(v))",
}


class Explorer(widgets.VBox):
    """Expression, values, ∂f/∂ choice and mode, plus the examples menu.

    Parts (each with its CSS class): ``expression`` (``tutor-expression``), ``values``
    (``tutor-values``, e.g. ``x=1, y=2`` or ``x=[1, 2], W=[[1, 2], [3, 4]]``; a variable not
    mentioned is 1, and the page says so), ``wrt`` (``tutor-wrt``), ``mode`` (``tutor-mode``:
    ``"reverse"`` or ``"forward"``), ``direction`` (``tutor-direction``, the menu "pass":
    which output a reverse pass pulls back, ``f[1]``, or which element of ``wrt`` a forward
    pass moves, ``x[1]``; shown when there is a choice), ``examples`` (``tutor-examples``),
    ``trace`` (``tutor-record``, a button doing what Enter does), ``note``
    (``tutor-example-note``: the example's lesson) and ``shown`` (``tutor-shown``: the
    function and values the graph shows, which after a refused edit are the last ones that
    worked).

    Pressing Enter in either box (the boxes send their value on Enter or on leaving the box,
    not while typing, and Python never rewrites a box the learner is in: see
    :mod:`.textbox`), changing ``wrt``, ``mode`` or ``direction`` or choosing an example
    records again; so does ``submit()`` from Python. ``show_recording`` shows a recording
    made elsewhere (a Practice question's) in the boxes, ``show_pass`` a pass of the
    Jacobian. Each new recording is passed to the callbacks registered with
    ``on_recording``; a problem goes to the error area instead, and the last good
    ``recording`` stays, together with the function and values it was made from
    (``shown_expression``, ``shown_values``). What was typed stays in the boxes, so nothing
    is lost.
    """

    def __init__(self, error_area, expression=SEED, values="x=1, y=2", wrt=None,
                 mode="reverse", **kwargs):
        self.error_area = error_area
        self.recording = None
        self.variables = ()
        self.shown_expression = self.shown_values = None
        self.function = self.arguments = None      # the Expression and values recorded
        self._callbacks = []
        self._quiet = False
        guard = guarded(error_area, "recording")

        self.examples = widgets.Dropdown(
            options=[("Examples…", "")] + [(example.title, example.title)
                                           for example in EXAMPLES],
            value="", layout=widgets.Layout(width="auto"))
        self.examples.add_class("tutor-examples")
        # TextBox, not ipywidgets' Text: a value filled in here never lands in the middle of
        # what the learner is typing (see tutor/widgets/textbox.py)
        self.expression = TextBox(
            value=expression, description="f =",
            placeholder="e.g. log(x**2) + y**2 + x*y, then Enter",
            layout=widgets.Layout(flex="1 1 320px", min_width="240px"))
        self.expression.add_class("tutor-expression")
        self.values = TextBox(
            value=values, description="at", placeholder="x=1, y=2",
            layout=widgets.Layout(flex="1 1 200px", min_width="160px"))
        self.values.add_class("tutor-values")
        self.wrt = widgets.Dropdown(options=[], description="∂f/∂",
                                    layout=widgets.Layout(width="110px"),
                                    style={"description_width": "34px"})
        self.wrt.add_class("tutor-wrt")
        self.mode = widgets.Dropdown(options=MODES, value=mode, description="mode",
                                     layout=widgets.Layout(width="250px"),
                                     style={"description_width": "40px"})
        self.mode.add_class("tutor-mode")
        # which unit vector a pass starts from: in reverse mode on a function with several
        # outputs, the output pulled back (its row of the Jacobian); in forward mode on an
        # array input, the element whose tangent is 1 (its column). Hidden when there is
        # one choice only. (One name for both modes, "pass": a control's accessible name is
        # given once; the options say "pull back f[1]" or "ẋ = 1 on x[1]".)
        self.direction = widgets.Dropdown(options=[("f", 0)], value=0, description="pass",
                                          layout=widgets.Layout(width="200px",
                                                                display="none"),
                                          style={"description_width": "32px"})
        self.direction.add_class("tutor-direction")
        self._initial_wrt = wrt
        self.trace = widgets.Button(description="Trace ↵", tooltip="record f at these values",
                                    layout=widgets.Layout(width="auto"))
        self.trace.add_class("tutor-record")
        self.note = widgets.HTML()
        self.note.add_class("tutor-example-note")
        self.shown = widgets.HTML()
        self.shown.add_class("tutor-shown")

        self.expression.observe(guard(self._expression_edited), "value")
        self.values.observe(guard(self._edited), "value")
        self.wrt.observe(guard(self._edited), "value")
        self.mode.observe(guard(self._edited), "value")
        self.direction.observe(guard(self._edited), "value")
        self.expression.on_submit(guard(lambda _: self._expression_edited(None)))
        self.values.on_submit(guard(lambda _: self.submit()))
        self.examples.observe(guard(self._example_chosen), "value")
        self.trace.on_click(guard(lambda _: self.submit()))

        row = widgets.HBox([self.expression, self.values, self.wrt, self.mode,
                            self.direction, self.trace],
                           layout=widgets.Layout(flex_flow="row wrap", align_items="center"))
        menu = widgets.HBox([widgets.HTML("<b>Try:</b>&nbsp;"), self.examples, self.note],
                            layout=widgets.Layout(align_items="center"))
        super().__init__([row, menu, self.shown], **kwargs)
        self.add_class("tutor-explorer")

    def on_recording(self, callback):
        """Call ``callback(recording)`` with every new recording."""
        self._callbacks.append(callback)
        return callback

    # -- events ---------------------------------------------------------------------------

    def _edited(self, change):
        if not self._quiet:
            self.submit()

    def _expression_edited(self, change):
        if self._quiet:
            return
        self._set_quietly(self.examples, "")
        self.note.value = ""
        self.submit(direction=0)                  # a new function: its first row or column

    def _example_chosen(self, change):
        if not self._quiet and change["new"]:
            self.load_example(change["new"])

    def _set_quietly(self, control, value, options=None):
        self._quiet = True
        try:
            if options is not None:
                control.options = options
            control.value = value
        finally:
            self._quiet = False

    # -- actions --------------------------------------------------------------------------

    def load_example(self, title):
        """Put example ``title`` (see :data:`EXAMPLES`) in the boxes and record it."""
        example = next(example for example in EXAMPLES if example.title == title)
        self._quiet = True
        try:
            self.examples.value = example.title
            self.expression.value = example.expression
            self.values.value = example.values
            self._initial_wrt = example.wrt
        finally:
            self._quiet = False
        recording = self.submit(wrt=example.wrt)
        if recording is not None:
            self.note.value = (f'<span style="color:#444">'
                               f'{html.escape(example.lesson, quote=False)}</span>')
        return recording

    def show_recording(self, recording):
        """Show ``recording``, made elsewhere (a Practice question's), as if it had been typed:
        the boxes, menus and ``shown`` line switch to its function and values, and the
        recording stays the one given (its steps are the question's). Returns False when its
        function is not one the boxes can write (then only the note says where it is from).
        The callbacks are not called: the caller shows the recording at its step."""
        try:
            expression = parse(recording.function_text or "")
        except ExpressionError:
            expression = None
        if expression is None or set(expression.variables) != set(recording.arguments):
            self.note.value = ('<span style="color:#444">The graph shows the function of the '
                               'Practice tab; press Enter in a box to go back to yours.</span>')
            return False
        variables = tuple(expression.variables)
        values = {name: recording.arguments[name] for name in variables}
        values_text = ", ".join(f"{name}={typed_text(value)}" for name, value in values.items())
        self._set_quietly(self.examples, "")
        self._set_quietly(self.expression, expression.text)
        self._set_quietly(self.values, values_text)
        self._set_quietly(self.mode, recording.mode)
        self._set_quietly(self.wrt, recording.wrt, options=list(variables))
        self._show_direction(recording)
        self.variables, self.recording = variables, recording
        self.shown_expression, self.shown_values = expression.text, values_text
        self.function, self.arguments = expression, values
        self.error_area.clear()
        self._say_what_is_shown(refused=False)
        note = "The function of the Practice tab, at the step that holds the answer."
        operations = self._operations(expression, values)
        if operations is not None and operations != len(recording.forward):
            note += (" Its program computes a repeated part once, so its graph is smaller than "
                     "the formula's: press Enter in a box to trace the formula as written.")
        self.note.value = f'<span style="color:#444">{html.escape(note, quote=False)}</span>'
        return True

    @staticmethod
    def _operations(expression, values):
        """How many operations tracing ``expression`` at ``values`` records (None: it fails)."""
        try:
            with np.errstate(all="ignore"):
                return len(record(expression, *values.values()).forward)
        except Exception:                 # noqa: BLE001 (only a count for a note)
            return None

    def show_pass(self, index):
        """Record pass ``index`` of the Jacobian in the current mode (the cost panel's "One
        more pass"): reverse mode pulls back output ``index`` (row ``index``); forward
        mode pushes the tangent 1 on input number ``index``, counting every variable's
        numbers in order (column ``index``). The menus show the pass chosen."""
        if self.mode.value == "reverse" or not self.arguments:
            return self.submit(direction=index)
        for name in self.variables:
            size = int(np.size(self.arguments[name]))
            if index < size:
                return self.submit(wrt=name, direction=index)
            index -= size
        return None

    def submit(self, wrt=None, direction=None):
        """Record what the boxes say. Returns the new recording, or None after a problem
        (shown in the error area; the previous recording, function and values stay shown,
        and the ``shown`` line says which they are). ``wrt`` and ``direction`` (see
        :func:`make_recording`) default to what the menus say."""
        wanted = wrt or self.wrt.value or self._initial_wrt
        if direction is None:      # a forward pass's element belongs to the variable
            same = self.mode.value == "reverse" or wanted == self.wrt.value
            direction = self.direction.value if same else 0
        try:
            recording, expression, values = make_recording(
                self.expression.value, self.values.value, wanted, also_known=self.variables,
                mode=self.mode.value, direction=direction)
        except InputProblem as problem:
            return self._refuse(str(problem))
        except MemoryError:
            return self._refuse(f"{MEMORY_MESSAGE} The previous graph is still shown.")
        kept = self._snapshot()
        variables = tuple(expression.variables)
        mentioned = set(re.findall(r"([A-Za-z_]\w*)\s*=", self.values.value))
        defaulted = [name for name in variables if name not in mentioned]
        if mentioned != set(variables):
            # New variables get their default, old ones disappear: show what was used.
            text = ", ".join(f"{name}={typed_text(values[name])}" for name in variables)
            self._set_quietly(self.values, text)
        wrt_name = recording.wrt
        if tuple(self.wrt.options) != variables or self.wrt.value != wrt_name:
            self._set_quietly(self.wrt, wrt_name, options=list(variables))
        picked = self._show_direction(recording)
        self.variables = variables
        self.recording = recording
        self.shown_expression, self.shown_values = self.expression.value, self.values.value
        self.function, self.arguments = expression, values
        notes = []
        if defaulted:
            notes.append("; ".join(f"{name} had no value: using {name} = "
                                   f"{typed_text(values[name])}" for name in defaulted)
                         + " (change it in the values box).")
        if picked:
            notes.append(picked)
        warning = gradient_warning(recording)
        if warning:
            notes.append(warning)
        if notes:
            self.error_area.show("\n".join(notes), kind="warning")
        else:
            self.error_area.clear()
        self._say_what_is_shown(refused=False)
        if not self._tell(recording) and kept[0] is not None:
            # Drawing it needed more memory than the kernel may use: back to the last
            # graph that worked, with its function and values, and say so.
            self._restore(kept)
            self._tell(self.recording)
            return self._refuse(f"{MEMORY_MESSAGE} The previous graph is still shown.")
        return recording

    def _show_direction(self, recording):
        """Set the ``direction`` menu to the choices of ``recording`` (hidden when there is
        one), showing the one it used. Returns a note when reverse mode picked the output
        of a new function with several outputs (the learner chose none yet), else None."""
        forward = recording.mode == "forward"
        vector = np.asarray(recording.tangents[recording.wrt] if forward else recording.seed)
        used = int(np.flatnonzero(vector)[0]) if vector.ndim else 0
        name, words = (recording.wrt, f"{TANGENT} = 1 on ") if forward else ("f", "pull back ")
        options = [(words + label, i) for i, label in enumerate(element_names(name, vector.shape))]
        new = self.direction.options != tuple(options)
        self._set_quietly(self.direction, used, options=options if new else None)
        self.direction.layout.display = None if len(options) > 1 else "none"
        if forward or len(options) == 1 or not (
                new or self.expression.value != self.shown_expression):
            return None
        return (f"f gives {vector.size} numbers (shape {shape_text(vector.shape)}), but a "
                f"backward pass starts from one number: this one pulls back "
                f"{element_name('f', vector)}, from the seed {ADJOINT} = {value_text(vector)}, "
                f"and gives row {used} of the Jacobian. Choose another output in the menu "
                f"\"pass\", or forward mode, which pushes a tangent to every output.")

    def _refuse(self, message):
        """Say why the boxes' input is not shown, and that the last good one still is."""
        self.error_area.show(message)
        self._say_what_is_shown(refused=True)
        return None

    def _tell(self, recording):
        """Pass ``recording`` to every callback; False if one ran out of memory (itself, or
        inside a guarded callback of its own, which leaves the error in the error area)."""
        self.error_area.failure = None
        try:
            for callback in list(self._callbacks):
                callback(recording)
        except MemoryError:
            return False
        return not isinstance(self.error_area.failure, MemoryError)

    def _snapshot(self):
        """What :meth:`_restore` needs to go back to the recording shown now."""
        return (self.recording, self.variables, self.shown_expression, self.shown_values,
                self.function, self.arguments, tuple(self.wrt.options), self.wrt.value,
                self.values.value)

    def _restore(self, kept):
        (self.recording, self.variables, self.shown_expression, self.shown_values,
         self.function, self.arguments, options, wrt, typed) = kept
        self._set_quietly(self.wrt, wrt, options=list(options))
        self._set_quietly(self.values, typed)

    def _say_what_is_shown(self, refused):
        """The ``shown`` line: which function, at which values and in which mode, the graph
        shows; after a refused edit, that these are the last ones that worked."""
        if self.recording is None:
            self.shown.value = ""
            return
        recording = self.recording
        if recording.mode == "forward":
            what = f"∂f/∂{recording.derivative_name}, forward mode"
        else:
            what = f"∂{recording.output_name}/∂{recording.wrt}, reverse mode"
        text = (f"Shown: f = {self.shown_expression} at {values_summary(self.arguments)}, "
                f"{what}.")
        extras = [explanation for name, explanation in _DRAWN_AS.items()
                  if re.search(rf"\b{name}\s*\(", self.shown_expression or "")]
        if extras:
            text += " " + "; ".join(extras) + "."
        style = "color:#444"
        if refused:
            text = ("Your last edit was refused (see the message below), so the graph still "
                    "shows the last input that worked. " + text)
            style = "color:#6d4c00;font-weight:bold"
        self.shown.value = f'<div style="{style}">{escape(text)}</div>'


def values_summary(values):
    """The values as one short line: ``x=1, y=2``, small arrays written out (``x=[1, 2]``),
    bigger ones by shape and range (``W: 30×30 array (min -1.0, max 4.0)``)."""
    return ", ".join(f"{name}={typed_text(value)}" if is_small(value) or np.ndim(value) == 0
                     else f"{name}: {value_text(value)}" for name, value in values.items())
