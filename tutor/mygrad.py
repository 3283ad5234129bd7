"""Your autograd, kept from lesson to lesson in a file of your own, ``mygrad.py``.

The pieces you write in lessons 4-7 are one autograd. Once a piece passes its check, keep
it; later lessons load them all together::

    from tutor.mygrad import keep, load
    keep(toposort)            # lesson 6: copies your function's source into mygrad.py
    mine = load()             # lesson 7: your pieces, joined by the course's glue
    mine.grad(lambda x: mine.sin(x) * x)(0.5)

``mygrad.py`` lives in the folder named by ``TUTOR_MYGRAD_DIR``, else the current folder
(the lessons' folder when you started them with ``make lessons``). It is yours: plain
Python you can read and edit. ``load`` checks every piece in it again; a piece that is
missing or does not pass is replaced by the course's version, and ``load`` says so, naming
the lesson where you write it. The glue that joins the pieces (Node, Box, the VJP table, the
VJPs you were not asked to write, ``make_vjp``) is :mod:`tutor.mygrad_course`.
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


def kept():
    """The names of the pieces kept in ``mygrad.py`` so far, in teaching order."""
    target = path()
    found = _sections(target.read_text(encoding="utf-8")) if target.exists() else {}
    return [name for name in PIECES if name in found]


def _exercise_for(function):
    """The function exercise whose answer is named like ``function`` (``vjp_sum`` ...)."""
    from tutor.exercises import catalog
    name = getattr(function, "__name__", "")
    for exercise in catalog(kind="function"):
        if exercise.spec.name == name:
            return exercise
    raise ValueError(f"no exercise asks for a function named {name!r}")


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
    from tutor.exercises.model import reference_of
    reference = reference_of(exercise)
    return types.FunctionType(reference.__code__, getattr(function, "__globals__", {}),
                              reference.__name__, reference.__defaults__,
                              reference.__closure__)


def keep(function, *, check=True):
    """Keep ``function`` in ``mygrad.py`` if it passes its check; return the one to use now.

    ``toposort = keep(toposort)`` after an exercise: when yours passes, its source is copied
    into ``mygrad.py`` (replacing an older version) and yours is returned; when it does not
    (or is still the stub), nothing is kept and the course's version is returned, so the
    cells below still run. Either way a sentence says which. ``check=False`` keeps it
    without checking (``load`` checks it again anyway).
    """
    name = getattr(function, "__name__", "")
    if name not in PIECES:
        raise ValueError(f"{name or function!r} is not one of the pieces kept in {FILE_NAME}: "
                         f"{', '.join(PIECES)}")
    lesson, exercise_id = PIECES[name]
    if check:
        import tutor.exercises as ex
        result = ex.check(exercise_id, function, record=False)
        if not result.passed:
            print(f"Not kept: your {name} does not pass {exercise_id} yet "
                  f"({result.message.splitlines()[0]})\nThe cells below use the course's "
                  f"{name} until yours passes; then run this cell again.")
            return _course_version(getattr(function, "__globals__", {}), name)
    try:
        source = textwrap.dedent(inspect.getsource(function)).strip() + "\n"
    except (OSError, TypeError):
        print(f"Not kept: Python cannot find the source of {name} (define it with "
              f"`def {name}(...)` in a cell, run the cell, then keep it). The cells below "
              f"use yours all the same.")
        return function
    target = path()
    sections = _sections(target.read_text(encoding="utf-8")) if target.exists() else {}
    sections[name] = source
    parts = [HEADER]
    for piece, (piece_lesson, piece_id) in PIECES.items():
        if piece in sections:
            parts.append(f"\n{MARK}{piece} (lesson {piece_lesson}, {piece_id}) ----\n"
                         f"{sections[piece]}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(parts), encoding="utf-8")
    print(f"Kept your {name} in {target.name}: the cells below, and later lessons, use it.")
    return function


def _course_version(namespace, name):
    """The course's reference for piece ``name``, made to look up names in ``namespace``, so
    it calls *your* other pieces (the course's ``backward_pass`` calls your ``toposort``)."""
    from tutor.exercises import get
    from tutor.exercises.model import reference_of
    reference = reference_of(get(PIECES[name][1]))
    return types.FunctionType(reference.__code__, namespace, reference.__name__,
                              reference.__defaults__, reference.__closure__)


def load(into=None, *, quiet=False):
    """Your autograd: the pieces in ``mygrad.py`` that pass their checks, the course's
    versions of the others, and the glue of :mod:`tutor.mygrad_course`, in one namespace.

    Returns a module with ``yours`` (the pieces that are yours), ``missing`` (the others,
    with why: not kept yet, or not passing) and ``report()``, which says it in words (printed
    unless ``quiet``). With ``into`` (a notebook's ``globals()``) the namespace *is* the
    notebook's: the cells below use your ``Box``, ``sin``, ``make_vjp``, ``grad``, and a
    piece you redefine in a cell is the one the others call from then on.
    """
    import tutor.exercises as ex
    from tutor.exercises.kit import Box, Node
    target = path()
    namespace = {} if into is None else into
    namespace.update(np=__import__("numpy"), __mygrad_file__=str(target))
    load_error = None
    if target.exists():
        try:
            # The learner's own file, run in the learner's own kernel (as `%run mygrad.py`).
            exec(compile(target.read_text(encoding="utf-8"), str(target), "exec"),  # noqa: S102
                 namespace)
        except Exception as error:            # a file that does not even run: say so
            load_error = f"{target.name} could not be run: {error!r}"
    in_file = set(kept())
    own = {name: namespace[name] for name in PIECES
           if name in in_file and callable(namespace.get(name))}
    missing = {name: f"not kept yet (write it in lesson {lesson}, then keep({name}))"
               for name, (lesson, _) in PIECES.items() if name not in own}
    for name in missing:
        namespace[name] = _course_version(namespace, name)
    # Your pieces are checked the way their exercises hand them Nodes and Boxes (lesson 3's
    # classes); the glue then puts in the Box whose operators call the primitives.
    namespace.update(Box=Box, Node=Node)
    for name in [name for name in own if name != "grad"]:
        result = ex.check(PIECES[name][1], own[name], record=False)
        if not result.passed:
            missing[name] = f"yours does not pass {PIECES[name][1]}: {result.message}"
            if "NameError" in result.message:
                missing[name] += (f" ({FILE_NAME} keeps only the function itself: define any "
                                  f"helper it needs inside it, then keep it again)")
            namespace[name] = _course_version(namespace, name)
    glue = importlib.util.find_spec("tutor.mygrad_course")
    # The glue's own compiled code (a file of this package, never text a user typed), run
    # in the same namespace so that its names and yours are one.
    exec(glue.loader.get_code(glue.name), namespace)  # noqa: S102
    if "grad" in own:
        result = ex.check("l07-grad", own["grad"], record=False)
        if not result.passed:
            missing["grad"] = f"yours does not pass l07-grad: {result.message}"
            namespace["grad"] = _course_version(namespace, "grad")
    module = types.ModuleType("mygrad", "Your autograd (see tutor.mygrad).")
    module.__dict__.update({name: value for name, value in namespace.items()
                            if not name.startswith("__")})
    module.__file__ = str(target)
    module.yours = [name for name in PIECES if name not in missing]
    module.missing = missing
    module.load_error = load_error
    module.report = lambda: _report(module)
    if not quiet:
        print(module.report())
    return module


def adopt(my_autograd, names, namespace, *, course_otherwise=False):
    """Your pieces ``names`` (those of them that are yours in ``my_autograd``), re-made to
    look their names up in ``namespace``: your code, unchanged, calling a notebook's own
    functions (lesson 9's leveled ``make_vjp``, say). With ``course_otherwise``, a piece that
    is not yours yet comes as the course's version instead. Returns ``{name: function}``."""
    adopted = {}
    for name in names:
        if name in my_autograd.yours:
            piece = getattr(my_autograd, name)
            adopted[name] = types.FunctionType(piece.__code__, namespace, name,
                                               piece.__defaults__)
        elif course_otherwise:
            adopted[name] = _course_version(namespace, name)
    return adopted


def _report(module):
    lines = [f"Your autograd ({module.__file__}):"]
    for name, (lesson, _) in PIECES.items():
        if name in module.yours:
            lines.append(f"  {name:14} yours (lesson {lesson})")
        else:
            lines.append(f"  {name:14} the course's: {module.missing[name]}")
    if module.load_error:
        lines.append(module.load_error)
    return "\n".join(lines)


def whole(module):
    """True when every piece of ``module`` (from :func:`load`) is the learner's own."""
    return not module.missing
