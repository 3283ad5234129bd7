"""Your autograd, kept from lesson to lesson in a file of your own, ``mygrad.py``.

The pieces you write in lessons 4-7 are one autograd. Once a piece passes its check, keep
it; later lessons load them all together::

    from tutor.mygrad import keep, load
    keep(toposort)            # lesson 6: copies your function's source into mygrad.py
    mine = load()             # lesson 7: your pieces, joined by the course's glue
    mine.grad(lambda x: mine.sin(x) * x)(0.5)
    capstone(mine)            # lesson 7: the verdict on your whole autograd

Lesson 11's forward-mode rules (``jvp_sin``, ``jvp_multiply``, ``jvp_divide``) are kept in
the same file; lesson 15 loads them to derive reverse mode from forward mode.

``mygrad.py`` lives in the folder named by ``TUTOR_MYGRAD_DIR``, else the current folder
(the lessons' folder when you started them with ``make lessons``). It is yours: plain
Python you can read and edit. ``load`` checks every piece in it again; a piece that is
missing or does not pass is replaced by the course's version, and ``load`` says so, naming
the lesson where you write it. The glue that joins the pieces (Node, Box, the VJP table, the
VJPs you were not asked to write, ``make_vjp``) is :mod:`tutor.mygrad_course`.

Where the course's version stands in for yours, it is a *stand-in*: a small function that
calls the course's code without showing it, so that ``toposort??`` in a notebook does not
print the solution of an exercise you have not done yet. It keeps your attempt, though:
``compare(f, 0.5)`` runs your pieces *as they are* (those failing their checks too) beside
``tutor.autograd`` and shows the first step where they part, and the piece it lives in
(:mod:`tutor.mygrad_compare`).
"""

import importlib.util
import inspect
import os
import textwrap
import types
from pathlib import Path

FILE_NAME = "mygrad.py"

# name -> (lesson, exercise id): the pieces of autograd a learner writes, in teaching order.
PIECES = {
    "primitive": (4, "l04-primitive"),
    "vjp_sin": (5, "l05-vjp-sin"),
    "vjp_divide_y": (5, "l05-vjp-divide-y"),
    "unbroadcast": (5, "l05-unbroadcast"),
    "toposort": (6, "l06-toposort"),
    "backward_pass": (6, "l06-backward-pass"),
    "grad": (7, "l07-grad"),
}
# Lesson 11's forward-mode rules: kept beside the autograd, not part of it.
FORWARD_RULES = {
    "jvp_sin": (11, "l11-jvp-sin"),
    "jvp_multiply": (11, "l11-jvp-multiply"),
    "jvp_divide": (11, "l11-jvp-divide"),
}
KEPT = {**PIECES, **FORWARD_RULES}
MARK = "# ---- yours: "
HEADER = '''"""My autograd: the pieces I wrote in the lessons, kept by tutor.mygrad.keep.

Load it with `tutor.mygrad.load()`: it joins these pieces with the course's glue (Node, Box,
the VJP table, make_vjp) into one autograd, and says which pieces are still the course's.
"""

import numpy as np
'''


def folder():
    """Where ``mygrad.py`` is kept: ``TUTOR_MYGRAD_DIR``, else the current folder."""
    return Path(os.environ.get("TUTOR_MYGRAD_DIR") or os.getcwd())


def path():
    return folder() / FILE_NAME


def _sections(text):
    """``{name: source}`` of the pieces kept in a ``mygrad.py`` text."""
    sections, name, lines = {}, None, []
    for line in text.splitlines():
        if line.startswith(MARK):
            if name:
                sections[name] = "\n".join(lines).strip() + "\n"
            name, lines = line[len(MARK):].split(" ")[0], []
        elif name:
            lines.append(line)
    if name:
        sections[name] = "\n".join(lines).strip() + "\n"
    return sections


def _file_text(sections):
    """The text of a ``mygrad.py`` holding ``sections``, in teaching order."""
    parts = [HEADER]
    for piece, (lesson, exercise_id) in KEPT.items():
        if piece in sections:
            parts.append(f"\n{MARK}{piece} (lesson {lesson}, {exercise_id}) ----\n"
                         f"{sections[piece]}")
    return "\n".join(parts)


def _read_sections():
    target = path()
    return _sections(target.read_text(encoding="utf-8")) if target.exists() else {}


def kept():
    """The names of the pieces kept in ``mygrad.py`` so far, in teaching order."""
    found = _read_sections()
    return [name for name in KEPT if name in found]


def _exercise_for(function):
    """The function exercise whose answer is named like ``function`` (``vjp_sum`` ...)."""
    from tutor.exercises import catalog
    name = getattr(function, "__name__", "")
    for exercise in catalog(kind="function"):
        if exercise.spec.name == name:
            return exercise
    raise ValueError(f"no exercise asks for a function named {name!r}")


# ------------------------------------------------------------------ the course's stand-ins

def stand_in(exercise_id, namespace, attempt=None):
    """The course's answer to ``exercise_id``, standing in for the learner's until theirs
    passes: it looks names up in ``namespace`` (so the course's ``backward_pass`` calls the
    learner's ``toposort``), and it does not show its code: ``inspect.getsource`` and ``??``
    find only the few lines below, never the exercise's solution. ``attempt``, the learner's
    version it replaces, is kept on it (``.attempt``): :func:`compare` runs that one."""
    from tutor.exercises import get
    from tutor.exercises.model import reference_of
    reference = reference_of(get(exercise_id))
    course = types.FunctionType(reference.__code__, namespace, reference.__name__,
                                reference.__defaults__, reference.__closure__)

    def course_version(*args, **kwargs):
        """The course's version, standing in until yours passes its check. Its code is the
        exercise's solution, so it is not shown here: write yours, or press Show solution
        under the exercise when you are stuck."""
        return course(*args, **kwargs)

    course_version.__name__ = reference.__name__
    course_version.__qualname__ = f"{reference.__name__} (the course's, standing in)"
    course_version.__signature__ = inspect.signature(reference)
    course_version.course_stand_in = exercise_id      # the checker refuses it as an answer
    course_version.attempt = attempt
    return course_version


def use(function):
    """Yours when it passes its exercise's check, else the course's version; says which.

    For the pieces that are not kept in ``mygrad.py`` (lesson 8's ``vjp_sum``, lesson 10's
    ``sgd_step`` ...): ``vjp_sum = use(vjp_sum)`` right after the exercise, so that the cells
    below run whether or not yours is done.
    """
    import tutor.exercises as ex
    exercise = _exercise_for(function)
    result = ex.check(exercise.id, function, record=False)
    name = exercise.spec.name
    if result.passed:
        print(f"The cells below use your {name}.")
        return function
    print(f"Your {name} does not pass {exercise.id} yet ({result.message.splitlines()[0]})\n"
          f"The cells below use the course's {name} until it does; then run this cell again.")
    return stand_in(exercise.id, getattr(function, "__globals__", {}), function)


# ----------------------------------------------------------------------------- keeping

def keep(function, *, check=True):
    """Keep ``function`` in ``mygrad.py`` if it passes its check; return the one to use now.

    ``toposort = keep(toposort)`` after an exercise: when yours passes, its source is copied
    into ``mygrad.py`` (replacing an older version) and yours is returned; when it does not
    (or is still the stub), nothing is kept and the course's version is returned, so the
    cells below still run. Either way a sentence says which.

    ``mygrad.py`` keeps the function alone, not the notebook around it, so before writing
    it ``keep`` also checks the copy that later lessons will load: a piece that calls a
    helper of the notebook, or a module the file does not import, is not kept, and the
    sentence says why. ``check=False`` keeps it without checking (``load`` checks it again
    anyway).
    """
    name = getattr(function, "__name__", "")
    if name not in KEPT:
        raise ValueError(f"{name or function!r} is not one of the pieces kept in {FILE_NAME}: "
                         f"{', '.join(KEPT)}")
    lesson, exercise_id = KEPT[name]
    if check:
        import tutor.exercises as ex
        result = ex.check(exercise_id, function, record=False)
        if not result.passed:
            print(f"Not kept: your {name} does not pass {exercise_id} yet "
                  f"({result.message.splitlines()[0]})\nThe cells below use the course's "
                  f"{name} until yours passes; then run this cell again.")
            return stand_in(exercise_id, getattr(function, "__globals__", {}), function)
    try:
        source = textwrap.dedent(inspect.getsource(function)).strip() + "\n"
    except (OSError, TypeError):
        print(f"Not kept: Python cannot find the source of {name} (define it with "
              f"`def {name}(...)` in a cell, run the cell, then keep it). The cells below "
              f"use yours all the same.")
        return function
    sections = _read_sections()
    sections[name] = source
    text = _file_text(sections)
    if check:
        alone = _kept_copy_fails(name, text)
        if alone:
            print(f"Not kept: your {name} passes here, but not as {FILE_NAME} would hold it, "
                  f"on its own ({alone}).\n{FILE_NAME} keeps only the function itself: define "
                  f"any helper it needs inside it (and import what it uses there), then keep "
                  f"it again. The cells below use yours; later lessons will use the course's "
                  f"until it is kept.")
            return function
    target = path()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"Kept your {name} in {target.name}: the cells below, and later lessons, use it.")
    return function


def _kept_copy_fails(name, text):
    """Why the copy of piece ``name`` in the ``mygrad.py`` text ``text`` does not pass its
    check when run from that file alone, beside the course's other pieces ("" if it does)."""
    import tutor.exercises as ex
    namespace = {}
    error = _run_file(text, namespace)
    if error:
        return error
    for other in KEPT:
        if other != name:
            namespace[other] = stand_in(KEPT[other][1], namespace)
    _add_lesson3_classes(namespace)
    if name == "grad":
        _add_glue(namespace)
    result = ex.check(KEPT[name][1], namespace[name], record=False)
    return "" if result.passed else result.message.splitlines()[0]


# ----------------------------------------------------------------------------- loading

def _run_file(text, namespace):
    """Run a ``mygrad.py`` text in ``namespace``; the error in words, or ""."""
    namespace.setdefault("np", __import__("numpy"))
    try:
        # The learner's own file, run in the learner's own kernel (as `%run mygrad.py`).
        exec(compile(text, str(path()), "exec"), namespace)  # noqa: S102
    except Exception as error:            # a file that does not even run: say so
        return f"{FILE_NAME} could not be run: {error!r}"
    return ""


def _add_lesson3_classes(namespace):
    """Pieces are checked the way their exercises hand them Nodes and Boxes (lesson 3's
    classes); the glue then puts in the Box whose operators call the primitives."""
    from tutor.exercises.kit import Box, Node
    namespace.update(Box=Box, Node=Node)


def _add_glue(namespace):
    glue = importlib.util.find_spec("tutor.mygrad_course")
    # The glue's own compiled code (a file of this package, never text a user typed), run
    # in the same namespace so that its names and yours are one.
    exec(glue.loader.get_code(glue.name), namespace)  # noqa: S102


def _checked(name, piece):
    """"" when ``piece`` passes the exercise of ``name``, else why not, in words."""
    import tutor.exercises as ex
    exercise_id = KEPT[name][1]
    result = ex.check(exercise_id, piece, record=False)
    if result.passed:
        return ""
    why = f"yours does not pass {exercise_id}: {result.message}"
    if "NameError" in result.message:
        why += (f" ({FILE_NAME} keeps only the function itself: define any helper it needs "
                f"inside it, then keep it again)")
    return why


def load(into=None, *, quiet=False):
    """Your autograd: the pieces in ``mygrad.py`` that pass their checks, the course's
    versions of the others, and the glue of :mod:`tutor.mygrad_course`, in one namespace.

    Returns a module with ``yours`` (the pieces that are yours), ``missing`` (the others,
    with why: not kept yet, or not passing) and ``report()``, which says it in words (printed
    unless ``quiet``). Lesson 11's forward-mode rules come along too, in the same way
    (``rules_yours``, ``rules_missing``). With ``into`` (a notebook's ``globals()``) the
    namespace *is* the notebook's: the cells below use your ``Box``, ``sin``, ``make_vjp``,
    ``grad``, and a piece you redefine in a cell is the one the others call from then on.
    """
    target = path()
    namespace = {} if into is None else into
    namespace.update(np=__import__("numpy"), __mygrad_file__=str(target))
    load_error = _run_file(target.read_text(encoding="utf-8"), namespace) \
        if target.exists() else ""
    in_file = set(kept())
    own = {name: namespace[name] for name in KEPT
           if name in in_file and callable(namespace.get(name))}
    missing = {name: f"not kept yet (write it in lesson {lesson}, then keep({name}))"
               for name, (lesson, _) in KEPT.items() if name not in own}
    for name in missing:
        namespace[name] = stand_in(KEPT[name][1], namespace)
    _add_lesson3_classes(namespace)
    for name in [name for name in own if name != "grad"]:
        why = _checked(name, own[name])
        if why:
            missing[name] = why
            namespace[name] = stand_in(KEPT[name][1], namespace, own[name])
    _add_glue(namespace)
    if "grad" in own:
        why = _checked("grad", own["grad"])
        if why:
            missing["grad"] = why
            namespace["grad"] = stand_in(KEPT["grad"][1], namespace, own["grad"])
    module = types.ModuleType("mygrad", "Your autograd (see tutor.mygrad).")
    module.__dict__.update({name: value for name, value in namespace.items()
                            if not name.startswith("__")})
    module.__file__ = str(target)
    module.namespace = namespace          # where the pieces look each other up
    module.yours = [name for name in PIECES if name not in missing]
    module.missing = {name: why for name, why in missing.items() if name in PIECES}
    module.rules_yours = [name for name in FORWARD_RULES if name not in missing]
    module.rules_missing = {name: why for name, why in missing.items() if name in FORWARD_RULES}
    module.load_error = load_error
    module.report = lambda: _report(module)
    if not quiet:
        print(module.report())
    return module


def adopt(my_autograd, names, namespace, *, course_otherwise=False):
    """Your pieces ``names`` (those of them that are yours in ``my_autograd``), re-made to
    look their names up in ``namespace``: your code, unchanged, calling a notebook's own
    functions (lesson 9's leveled ``make_vjp``, say). With ``course_otherwise``, a piece that
    is not yours yet comes as the course's stand-in instead. Returns ``{name: function}``."""
    adopted = {}
    for name in names:
        if name in my_autograd.yours or name in my_autograd.rules_yours:
            piece = getattr(my_autograd, name)
            adopted[name] = types.FunctionType(piece.__code__, namespace, name,
                                               piece.__defaults__)
        elif course_otherwise:
            adopted[name] = stand_in(KEPT[name][1], namespace)
    return adopted


def _report(module):
    lines = [f"Your autograd ({module.__file__}):"]
    for name, (lesson, _) in PIECES.items():
        if name in module.yours:
            lines.append(f"  {name:14} yours (lesson {lesson})")
        else:
            lines.append(f"  {name:14} the course's: {module.missing[name]}")
    if module.rules_yours or any(not why.startswith("not kept")
                                 for why in module.rules_missing.values()):
        lines.append("Your forward-mode rules (lesson 11):")
        for name in FORWARD_RULES:
            if name in module.rules_yours:
                lines.append(f"  {name:14} yours")
            else:
                lines.append(f"  {name:14} the course's: {module.rules_missing[name]}")
    if module.load_error:
        lines.append(module.load_error)
    return "\n".join(lines)


def whole(module):
    """True when every piece of ``module``'s autograd (from :func:`load`) is the learner's."""
    return not module.missing


# ---------------------------------------------------------------------------- capstone

def capstone(my_autograd=None):
    """Lesson 7's verdict on your whole autograd, as a check result.

    It passes only when every piece (lessons 4-7) is yours *and* your ``grad``, joined with
    them by the course's glue, is right on random functions built from your own primitives
    (``l07-grad``'s check). A piece that ``load`` had to replace (not kept, or kept but not
    passing) fails the verdict by name, with the reason. A failing verdict comes with a
    :func:`compare` of your autograd as it is (your failing pieces included) on the first
    function where it parts from the reference: the two steppers side by side, that step
    marked, the piece to fix named.
    """
    import numpy as np
    from tutor.exercises.model import Result
    import tutor.exercises as ex
    from .mygrad_search import failing_case, search
    from .mygrad_view import Verdict
    module = my_autograd if my_autograd is not None else load(quiet=True)
    heading = "your whole autograd"
    if module.missing:
        lines = [f"  {name} (lesson {PIECES[name][0]}): {why}"
                 for name, why in module.missing.items()]
        result = Result(heading, False, "Not yet all yours: the course's version stands in "
                        "for " + ("this piece" if len(lines) == 1 else "these pieces") + ":\n"
                        + "\n".join(lines) + "\nFix each in its lesson, keep it, then run "
                        "this cell again.", problem="unfinished")
        if not any(getattr(module.namespace.get(name), "attempt", None) is not None
                   for name in module.missing):
            return result               # nothing of theirs failing to show: only missing
        first = []
    else:
        seed = int(np.random.default_rng().integers(2 ** 32))     # fresh cases each time
        checked = ex.check("l07-grad", module.grad, record=False, seed=seed)
        message = ("Every piece is yours, and together they differentiate random functions "
                   "exactly: " if checked.passed else "Every piece is yours, but together: ")
        result = Result(heading, checked.passed, message + checked.message,
                        problem=checked.problem, input=checked.input, details=checked.details)
        if result.passed:
            return result
        first = [case for case in [failing_case(seed, checked.input)] if case is not None]
    comparison = search(module, first=first)
    if comparison is None:
        return result
    return Verdict(**{**vars(result), "message": result.message + "\nYour autograd as it is, "
                      "beside the reference: " + comparison.difference.sentence},
                   comparison=comparison)


# ---------------------------------------------------------------------------- compare

def compare(f, *args, argnum=0, autograd=None, **options):
    """Your autograd and ``tutor.autograd`` step by step on ``f(*args)``, with the first step
    where they part and the piece of yours it lives in. Displayed in a notebook, the two
    steppers side by side. See :func:`tutor.mygrad_compare.compare` for the options."""
    from .mygrad_compare import compare as comparison
    return comparison(f, *args, argnum=argnum, autograd=autograd, **options)
