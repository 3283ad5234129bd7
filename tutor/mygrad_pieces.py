"""The learner's pieces as code, for :func:`tutor.mygrad.compare`: whose each is, where its
code runs, and the formula it computes.

A piece is one of the functions a learner writes (``vjp_sin``, ``toposort``, ``jvp`` ...).
In a notebook it may be the learner's own, a lesson's stub still raising "not done yet", or
a course stand-in that ``keep``, ``use`` or ``load`` put in its place, which keeps the
learner's attempt (:func:`own_piece` finds it). The comparison runs the attempt, names a
piece by the code running when something went wrong (:func:`piece_codes`), and writes the
learner's formula in the recording's letters (``g · sin(x)``, :func:`formula_of`), read
from their source, never run.
"""

import ast
import inspect
import textwrap
import types

from . import mygrad

# Pieces checked call by call in the parent (against the exercise's reference, on the very
# values the learner's piece was given): a "vjp_" maker is curried, maker(...)(g).
CHECKED_CALLS = ("vjp_sin", "vjp_divide_y", "unbroadcast", "vjp_sum", "vjp_matmul_x",
                 "jvp_sin", "jvp_multiply", "jvp_divide")
# Every piece a learner writes that compare may use: names -> whose check.
PIECES = dict(mygrad.KEPT, vjp_sum=(8, "l08-vjp-sum"), vjp_matmul_x=(8, "l08-vjp-matmul-x"),
              jvp=(11, "l11-jvp"))
REVERSE_PIECES = (*mygrad.PIECES, "vjp_sum", "vjp_matmul_x")     # whose each is, said
FORWARD_PIECES = (*mygrad.FORWARD_RULES, "jvp")
# The letters of the recording's formulas, for a piece's parameters, in order (the inner
# function of a VJP maker takes g).
LETTERS = {"vjp_sin": ("ans", "x"), "vjp_divide_y": ("ans", "x", "y"),
           "jvp_sin": ("x", "ẋ"), "jvp_multiply": ("x", "ẋ", "y", "ẏ"),
           "jvp_divide": ("x", "ẋ", "y", "ẏ")}
STUB = "not done yet"                                   # what a lesson's stub raises


def is_stub(function):
    """Is ``function`` a lesson's stub, still raising "not done yet"?"""
    code = getattr(function, "__code__", None)
    return code is not None and STUB in code.co_consts


def own_piece(value):
    """The learner's version of a piece: the function itself, or the attempt a course
    stand-in keeps (what ``keep``, ``use`` and ``load`` replaced); None for a stub or when
    there is none."""
    attempt = getattr(value, "attempt", None) if getattr(value, "course_stand_in", None) \
        else value
    if not isinstance(attempt, types.FunctionType) or is_stub(attempt):
        return None
    return attempt


def whose(name, value, notebook_is_yours):
    """Whose piece ``value`` is, in words: ``yours``, ``yours (it does not pass l05-vjp-sin
    yet)``, ``the course's``, ``this notebook's``."""
    exercise_id = PIECES[name][1]
    if getattr(value, "course_stand_in", None):
        if own_piece(value) is not None:
            return f"yours (it does not pass {exercise_id} yet)"
        return "the course's"
    code = getattr(value, "__code__", None)
    if code is not None and code.co_filename == str(mygrad.path()):
        return "yours"
    return "yours" if notebook_is_yours else "this notebook's"


def _moved(function, namespace):
    """``function``'s code, looking its names up in ``namespace``."""
    return types.FunctionType(function.__code__, namespace, function.__name__,
                              function.__defaults__, function.__closure__)


def codes_of(function):
    """The code of ``function`` and all the code nested in it (its lambdas, inner defs)."""
    stack = [getattr(function, "__code__", None)]
    while stack:
        code = stack.pop()
        if code is not None:
            yield code
            stack.extend(c for c in code.co_consts if isinstance(c, types.CodeType))


def piece_codes(namespace, f):
    """code object -> the piece it belongs to, for the learner's pieces (nested code too: the
    lambda a VJP maker returns), and ``"f"`` for the code of ``f``."""
    found = {code: "f" for code in codes_of(f)}
    for name in PIECES:
        found.update((code, name) for code in codes_of(own_piece(namespace.get(name))))
    return found


def innermost_piece(error, codes):
    """The piece (or ``f``) whose code was running deepest when ``error`` was raised, or
    None."""
    piece, trace = None, error.__traceback__
    while trace is not None:
        piece = codes.get(trace.tb_frame.f_code, piece)
        trace = trace.tb_next
    return piece


def names_read(function):
    """Every global name ``function`` (and the code nested in it) reads."""
    return {name for code in codes_of(function) for name in code.co_names}


def formula_of(piece, name):
    """The learner's formula, in the recording's letters: ``g · sin(x)`` for a ``vjp_sin``
    returning ``lambda g: g * np.sin(x)``; None when the piece is not one line of that form
    (or its source cannot be found)."""
    try:
        return _formula(piece, name) if name in LETTERS else None
    except Exception:                       # noqa: BLE001 - no source, odd code: no formula
        return None


def _formula(piece, name):
    tree = ast.parse(textwrap.dedent(inspect.getsource(piece)))
    function = tree.body[0] if tree.body else None
    if not isinstance(function, ast.FunctionDef) or len(function.body) != 1 or \
            not isinstance(function.body[0], ast.Return) or function.body[0].value is None:
        return None
    letters = dict(zip((argument.arg for argument in function.args.args), LETTERS[name]))
    expression = function.body[0].value
    if name.startswith("vjp_"):
        if not isinstance(expression, ast.Lambda) or len(expression.args.args) != 1:
            return None
        letters[expression.args.args[0].arg] = "g"
        expression = expression.body

    class Letters(ast.NodeTransformer):
        def visit_Name(self, node):
            return ast.copy_location(ast.Name(letters.get(node.id, node.id), node.ctx), node)

        def visit_Attribute(self, node):            # np.cos(x) reads cos(x)
            if isinstance(node.value, ast.Name) and node.value.id in ("np", "numpy"):
                return ast.copy_location(ast.Name(node.attr, ast.Load()), node)
            return self.generic_visit(node)

    text = ast.unparse(Letters().visit(expression)).replace(" ** ", "**")
    return text.replace("**", "\0").replace("*", "·").replace("\0", "**")


def called_as(piece, name):
    """``your vjp_sum(ans, x)(g)``: a piece named with its own parameters (the ones without
    a default), in the letters of the recording's formulas where it has some."""
    try:
        names = [parameter.name for parameter in inspect.signature(piece).parameters.values()
                 if parameter.default is parameter.empty]
    except (TypeError, ValueError):
        names = []
    letters = list(LETTERS.get(name, names))
    text = f"your {name}({', '.join(letters[:len(names)] + names[len(letters):])})"
    return text + "(g)" if name.startswith("vjp_") else text
