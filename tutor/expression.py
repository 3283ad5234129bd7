"""Turn text a user typed, such as ``log(x**2) + y**2 + x*y``, into a function: safely.

The dashboard lets anyone type a function. Handing that text to ``eval`` would let them run
*any* Python, e.g. ``__import__('os').system(...)``. So the text is never run as Python.
Instead :func:`parse` goes through four steps:

1. **Check the raw text.** At most :data:`MAX_LENGTH` characters, printable characters only,
   brackets nested at most :data:`MAX_PAREN_DEPTH` deep.
2. **Parse it** with :func:`ast.parse`. Parsing only *reads* the text into a syntax tree;
   nothing in it runs.
3. **Walk the tree against a whitelist.** Only a few kinds of node are accepted: numbers,
   names, the operators ``+ - * / ** @``, unary ``-`` and ``+``, calls of the functions
   listed in :data:`FUNCTIONS` and :data:`CONVENIENCES` (with the keyword arguments listed
   in :data:`KEYWORDS`, such as ``sum(x, axis=0)``), indexing with whole numbers and slices
   (``x[0]``, ``W[:, 1]``), and a comparison as the condition of ``where``. Anything else
   (attributes, strings, lambdas, ...) is refused with an :class:`ExpressionError` that
   quotes the offending part and gives its column. Listing what is *allowed* rather than
   what is dangerous is the point: a construct nobody thought about is refused, not run.
   The walk also bounds the size of the tree, its depth and the number of variables.
4. **Translate** the accepted nodes into our own tiny tree: :class:`Number`,
   :class:`Variable`, :class:`Negate`, :class:`Binary`, :class:`Call` and :class:`Index`.
   Evaluating an :class:`Expression` walks that tiny tree and nothing
   else, so the evaluator cannot do anything the whitelist did not allow.

**Arrays.** Variables may be arrays (the values box takes ``x=[1, 2, 3], W=[[1, 2], [3, 4]]``).
Every value is bounded, at most :data:`MAX_ELEMENTS` elements each and
:data:`MAX_TOTAL_ELEMENTS` for all the values one evaluation computes, so no expression
can fill the server's memory. A result's size is worked out from its operands' shapes
*before* it is computed (``outer`` of two 1000-element vectors, or a column times a row, is
refused without making its million numbers), and the tree has at most :data:`MAX_NODES`
parts, so the worst expression the box accepts costs a few megabytes and milliseconds,
however its recording is then stepped (``tests/test_expression_cost.py`` measures it). When shapes do not fit (``W @ x`` with a 2×2 ``W`` and 3
numbers in ``x``) evaluation raises a :class:`ShapeError` that says so in the learner's
terms, naming the parts as they were typed, never a numpy traceback.

Two details keep arithmetic from hanging the server. Every number is a float from the
start, so Python's unbounded integers never appear. And parts without variables are
computed once, at parse time, in floats (``2*pi`` becomes ``6.283...``); a part that comes
out infinite or NaN, such as ``9**9**9``, is refused. (This changes nothing a learner would
see in a trace: autograd does not record operations on plain constants either.)

Evaluation looks the functions up on ``tutor.autograd.numpy``, so ``grad`` can trace an
Expression like any other function, and applies ``+ - * / ** @`` and indexing with Python's operators on the
operand objects, which Boxes overload.
"""

import ast
import importlib
import inspect
import math
import operator
import warnings
from dataclasses import dataclass, field

import numpy

from .shapes import describe, shape_of, shape_text

__all__ = ["parse", "parse_values", "Expression", "ExpressionError", "ShapeError", "FUNCTIONS",
           "CONVENIENCES", "CONSTANTS", "KEYWORDS", "MAX_ELEMENTS", "MAX_TOTAL_ELEMENTS"]

MAX_LENGTH = 500        # characters of an expression
MAX_VALUES_LENGTH = 5000  # characters of a values box (arrays take room)
MAX_PAREN_DEPTH = 30    # brackets inside brackets, checked before ast.parse sees the text
MAX_DEPTH = 100         # levels of the syntax tree (a + b + c + ... nests one level per +)
MAX_NODES = 150         # nodes in the syntax tree
MAX_VARIABLES = 26
MAX_ELEMENTS = 1000     # numbers in one value (an input, or any result computed from them)
MAX_TOTAL_ELEMENTS = 100_000   # numbers in all the values of one evaluation together
MAX_INDEX = 1_000_000   # largest whole number accepted as an index or an axis
DEFAULT_VALUE = 1.0     # what parse_values gives a variable the text does not mention

# The functions a user may call: typed name -> (name in tutor.autograd.numpy, number of arguments).
FUNCTIONS = {
    "sin": ("sin", 1),          "arcsin": ("arcsin", 1),      "sinh": ("sinh", 1),
    "cos": ("cos", 1),          "arccos": ("arccos", 1),      "cosh": ("cosh", 1),
    "tan": ("tan", 1),          "arctan": ("arctan", 1),      "tanh": ("tanh", 1),
    "arcsinh": ("arcsinh", 1),  "arccosh": ("arccosh", 1),    "arctanh": ("arctanh", 1),
    "exp": ("exp", 1),          "expm1": ("expm1", 1),
    "log": ("log", 1),          "log2": ("log2", 1),          "log10": ("log10", 1),
    "log1p": ("log1p", 1),
    "sqrt": ("sqrt", 1),        "square": ("square", 1),      "reciprocal": ("reciprocal", 1),
    "abs": ("absolute", 1),     "absolute": ("absolute", 1),  "sign": ("sign", 1),
    "maximum": ("maximum", 2),  "minimum": ("minimum", 2),
    "arctan2": ("arctan2", 2),  "hypot": ("hypot", 2),        "logaddexp": ("logaddexp", 2),
    # arrays: reductions, products, rearranging, choosing
    "sum": ("sum", 1),          "mean": ("mean", 1),          "prod": ("prod", 1),
    "max": ("max", 1),          "min": ("min", 1),
    "dot": ("dot", 2),          "outer": ("outer", 2),        "transpose": ("transpose", 1),
    "where": ("where", 3),
}

# The keyword arguments a function accepts (all others take none): sum(x, axis=0).
KEYWORDS = {name: ("axis", "keepdims") for name in ("sum", "mean", "prod", "max", "min")}

# Named constants: numbers, not variables.
CONSTANTS = {"pi": math.pi, "e": math.e}

# Names that look like numbers but are not finite ones: refused, never read as variables.
_NOT_FINITE = {"nan": "not a number (NaN)", "inf": "infinity", "infinity": "infinity"}


# --- the tiny tree that evaluation walks --------------------------------------------------
# ``text`` is the part of the typed text a node came from, for messages; it takes no part
# in comparing trees.

@dataclass(frozen=True)
class Number:
    """A constant, always a finite Python float."""
    value: float


@dataclass(frozen=True)
class Variable:
    """A variable; its value is supplied when the Expression is called."""
    name: str


@dataclass(frozen=True)
class Negate:
    """Unary minus: ``-operand``."""
    operand: object
    text: str = field(default="", compare=False)


@dataclass(frozen=True)
class Binary:
    """``left op right`` with op one of ``+ - * / ** @``, or, only ever as where's condition,
    a comparison ``< <= > >= == !=``."""
    op: str
    left: object
    right: object
    text: str = field(default="", compare=False)


@dataclass(frozen=True)
class Call:
    """``function(*args, **keywords)``: function is an attribute name of the numpy namespace,
    ``keywords`` a tuple of (name, plain value) pairs such as ``(("axis", 0),)``."""
    function: str
    args: tuple
    keywords: tuple = ()
    text: str = field(default="", compare=False)


@dataclass(frozen=True)
class Index:
    """``operand[index]``; ``index`` is a plain int, slice, or tuple of them."""
    operand: object
    index: object
    text: str = field(default="", compare=False)


# Conveniences: functions that are rewritten, at parse time, into the primitives above, so
# a trace shows the primitives (sigmoid shows up as negative, exp, add and divide).
CONVENIENCES = {
    "sigmoid": lambda x: Binary("/", Number(1.0),
                                Binary("+", Number(1.0), Call("exp", (Negate(x),)))),
    "softplus": lambda x: Call("logaddexp", (Number(0.0), x)),    # log(1 + exp(x)), stably
    "relu": lambda x: Call("maximum", (x, Number(0.0))),
}

_OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul,
              "/": operator.truediv, "**": operator.pow, "@": operator.matmul,
              "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
              "==": operator.eq, "!=": operator.ne}
_OPERATION_WORDS = {"+": "addition", "-": "subtraction", "*": "multiplication",
                    "/": "division", "**": "power"}


def _apply(op, left, right):
    """``left op right``, using the operand objects' own operators (Boxes overload them).

    Two plain Python floats are the one exception: Python raises ZeroDivisionError for
    ``1.0 / 0.0``, OverflowError for ``10.0 ** 400`` and returns a complex number for
    ``(-8.0) ** (1/3)``. Numpy gives ``inf``, ``inf`` and ``nan``, as it does whenever a Box or
    an array is involved, so plain floats go through numpy too and every path agrees.
    """
    if type(left) is float and type(right) is float:
        return float(_OPERATORS[op](numpy.float64(left), right))
    return _OPERATORS[op](left, right)


def _too_many_elements(node, size):
    return ShapeError(f"{_text(node)} would have {size} elements; at most {MAX_ELEMENTS} are "
                      f"allowed in one value. Use smaller arrays")


class _Budget:
    """How many more numbers one evaluation may compute (see :data:`MAX_TOTAL_ELEMENTS`)."""

    def __init__(self):
        self.left = MAX_TOTAL_ELEMENTS

    def spend(self, node, value):
        size = int(numpy.prod(shape_of(value)))
        if size > MAX_ELEMENTS:
            raise _too_many_elements(node, size)
        self.left -= size
        if self.left < 0:
            raise ShapeError(f"the values of this expression add up to more than "
                             f"{MAX_TOTAL_ELEMENTS} numbers; use smaller arrays")
        return value


def _evaluate(node, values, namespace, budget=None):
    """The value of a tiny-tree ``node``, given ``values`` (name -> value) for its variables.

    With a ``budget``, every result is counted against the size bounds. An operation on
    values of shapes that do not fit raises :class:`ShapeError`, in the learner's terms.
    """
    def walk(part):
        return _evaluate(part, values, namespace, budget)

    match node:
        case Number(value):
            return value
        case Variable(name):
            return values[name]
        case Negate(operand):
            result = -walk(operand)
        case Binary(op, left, right):
            operands = walk(left), walk(right)
            _check_before(node, op, (left, right), operands)
            result = _computed(node, (left, right), operands,
                               lambda: _apply(op, *operands))
        case Call(function, args, keywords):
            arguments = [walk(arg) for arg in args]
            _check_before(node, function, args, arguments)
            result = _computed(node, args, arguments, lambda: getattr(namespace, function)(
                *arguments, **dict(keywords)))
        case Index(operand, index):
            value = walk(operand)
            result = _computed(node, (operand,), (value,), lambda: value[index])
        case _:
            raise TypeError(f"not a node of an Expression tree: {node!r}")
    return result if budget is None else budget.spend(node, result)


def _check_before(node, op, parts, operands):
    """Refuse, before computing it, an operation whose result would be too big (``where`` of
    three vectors can make a cube, ``outer`` of two 1000-element vectors a million numbers),
    or an elementwise one whose operands do not broadcast together."""
    shapes = [shape_of(operand) for operand in operands]
    if op in _PRODUCTS:
        result = _product_shape(op, *shapes)
        if result is not None and int(numpy.prod(result)) > MAX_ELEMENTS:
            raise _too_many_elements(node, int(numpy.prod(result)))
        return
    if len(shapes) < 2 or all(shape == () for shape in shapes):
        return
    try:
        result = numpy.broadcast_shapes(*shapes)
    except ValueError:
        left, right = 0, 1
        pairs = [(i, j) for i in range(len(shapes)) for j in range(i + 1, len(shapes))]
        for i, j in pairs:
            try:
                numpy.broadcast_shapes(shapes[i], shapes[j])
            except ValueError:
                left, right = i, j
                break
        word = _OPERATION_WORDS.get(op, f"{op}")
        raise ShapeError(
            f"{_text(node)}: {describe(_text(parts[left]), shapes[left])} but "
            f"{describe(_text(parts[right]), shapes[right])}; an elementwise {word} needs "
            f"the same shape on both sides (or a size of 1, which is stretched to fit)") from None
    size = int(numpy.prod(result))
    if size > MAX_ELEMENTS:
        raise ShapeError(f"{_text(node)} would be {shape_text(result)}: {size} elements; at "
                         f"most {MAX_ELEMENTS} are allowed in one value. Use smaller arrays")


_PRODUCTS = ("@", "dot", "outer")


def _product_shape(op, left, right):
    """The shape ``left @ right``, ``dot(left, right)`` or ``outer(left, right)`` would have,
    worked out from the shapes alone (numpy's rules); None when the shapes do not fit, which
    the computation itself then reports."""
    if op == "outer":
        return (int(numpy.prod(left)), int(numpy.prod(right)))
    if not left or not right:                   # a number: dot multiplies, @ refuses
        return None if op == "@" else numpy.broadcast_shapes(left, right)
    if op == "dot" and max(len(left), len(right)) > 2:
        # dot pairs left's last axis with right's second-to-last (or its only one)
        return left[:-1] + (right[:-2] + right[-1:] if len(right) > 1 else ())
    rows = left if len(left) > 1 else (1,) + left          # a vector is one row ...
    columns = right if len(right) > 1 else right + (1,)    # ... or one column
    try:
        batch = numpy.broadcast_shapes(rows[:-2], columns[:-2])
    except ValueError:
        return None
    return (batch + (rows[-2:-1] if len(left) > 1 else ())
            + (columns[-1:] if len(right) > 1 else ()))


def _computed(node, parts, operands, compute):
    """``compute()``, with numpy's complaints about shapes turned into a :class:`ShapeError`."""
    try:
        return compute()
    except ExpressionError:
        raise
    except (ValueError, IndexError, TypeError) as error:
        raise ShapeError(_shape_message(node, parts, operands, error)) from None


def _shape_message(node, parts, operands, error):
    shapes = [shape_of(operand) for operand in operands]
    names = [_text(part) for part in parts]
    text = _text(node)
    if isinstance(node, Index):
        if not shapes[0]:
            return f"{text}: {names[0]} is a number, which has no elements to index"
        return (f"{text}: {describe(names[0], shapes[0])}, so the index is out of range "
                f"(the first element is [0], the last [{shapes[0][0] - 1}]; along each axis "
                f"an index must be less than its size)")
    matrix_product = (isinstance(node, Binary) and node.op == "@") or (
        isinstance(node, Call) and node.function in ("dot",))
    if matrix_product:
        if any(not shape for shape in shapes):
            scalar = names[shapes.index(())]
            return (f"{text}: {scalar} is a number; a matrix product needs a vector or a "
                    f"matrix on each side (to multiply by a number, use *)")
        return (f"{text}: {describe(names[0], shapes[0])} but {describe(names[1], shapes[1])}"
                f"; the inner sizes must match")
    if isinstance(node, Call) and "axis" in dict(node.keywords):
        axis = dict(node.keywords)["axis"]
        ndim = len(shapes[0])
        return (f"{text}: {describe(names[0], shapes[0])}, so it has {ndim} "
                f"ax{'is' if ndim == 1 else 'es'} (numbered from 0); axis={axis} is not one "
                f"of them")
    detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    operands_text = ", ".join(describe(name, shape) for name, shape in zip(names, shapes))
    return f"{text} cannot be computed ({operands_text}): {detail}"


def _text(node):
    """How the learner typed ``node`` (for messages)."""
    if isinstance(node, Variable):
        return node.name
    if isinstance(node, Number):
        value = node.value
        return str(int(value)) if value == int(value) and abs(value) < 1e15 else repr(value)
    return getattr(node, "text", "") or "the value"


# --- errors -------------------------------------------------------------------------------

class ExpressionError(ValueError):
    """Text that :func:`parse` or :func:`parse_values` refuses.

    The message says what is wrong, quotes the offending part and gives its column (counted
    in characters from the start of the text, 1 for the first), e.g.
    ``attribute access is not allowed: "x.__class__" (column 3)``, and where it helps, what is
    allowed instead. The pieces are kept as attributes: ``reason``, ``part``, ``column``, ``hint``.
    """

    def __init__(self, reason, part=None, column=None, hint=None):
        self.reason, self.part, self.column, self.hint = reason, part, column, hint
        message = reason
        if part:
            shown = part if len(part) <= 60 else part[:57] + "..."
            message += f': "{shown}"'
        if column is not None:
            message += f" (column {column})"
        if hint:
            message += f". {hint}"
        super().__init__(message)


class ShapeError(ExpressionError):
    """Values whose shapes do not fit the expression (found while evaluating it), e.g.
    ``W @ x: W is 2×2 but x has 3 elements; the inner sizes must match``; or a value
    bigger than the size bounds allow."""


_ALLOWED = ("Allowed are numbers, variables, pi, e, + - * / ** @, parentheses, calls of "
            "functions such as sin(x) or sum(x, axis=0), and indexing such as x[0]")
_FUNCTION_LIST = "Functions: " + ", ".join(sorted([*FUNCTIONS, *CONVENIENCES]))
_INDEX_HINT = "Indices are whole numbers and slices: x[0], x[-1], x[1:3], W[0, 1], W[:, 0]"

# What to say about each kind of syntax-tree node that is not on the whitelist.
_REFUSED = {
    ast.Attribute: "attribute access is not allowed",
    ast.Slice: "slices are not allowed",
    ast.Lambda: "lambda functions are not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.BoolOp: "boolean operators (and, or) are not allowed",
    ast.Compare: "comparisons are not allowed",
    ast.IfExp: "conditional expressions (... if ... else ...) are not allowed",
    ast.NamedExpr: "assignment expressions (:=) are not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.FormattedValue: "f-strings are not allowed",
    ast.List: "lists are not allowed",
    ast.Tuple: "tuples are not allowed",
    ast.Set: "sets are not allowed",
    ast.Dict: "dicts are not allowed",
    ast.Starred: "starred expressions (*x) are not allowed",
    ast.Await: "await is not allowed",
    ast.Yield: "yield is not allowed",
    ast.YieldFrom: "yield is not allowed",
}
_REFUSED_HINTS = {
    ast.Compare: "A comparison can only be the condition of where, e.g. where(x > 0, x, 0)",
    ast.List: "Arrays are typed in the values box, e.g. x=[1, 2, 3]",
}
_BINARY_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
                     ast.MatMult: "@"}
_COMPARE_OPERATORS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==",
                      ast.NotEq: "!="}
_REFUSED_OPERATORS = {ast.FloorDiv: "//", ast.Mod: "%", ast.LShift: "<<",
                      ast.RShift: ">>", ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&",
                      ast.Invert: "~", ast.Not: "not"}
_OPERATOR_HINT = ("Allowed operators are + - * / ** @ and unary - (for powers use **, "
                  "not ^)")
_NOT_NUMBERS = {str: "strings are", bytes: "bytes are", complex: "complex numbers are",
                bool: "True and False are", type(None): "None is", type(...): "... is"}
_STATEMENTS = {ast.Assign: "assignments", ast.AugAssign: "assignments",
               ast.AnnAssign: "assignments", ast.Import: "imports", ast.ImportFrom: "imports"}


# --- parsing: text -> checked syntax tree -> tiny tree -------------------------------------

class _Parser:
    """One parse of ``text``. ``offset`` shifts reported columns (for a part of a longer text);
    with ``allow_variables=False`` any name other than a constant is refused; with
    ``literal=True`` (a value in the values box) the text may be a nested list of numbers,
    and the parse returns nested Python lists of :class:`Number`."""

    def __init__(self, text, offset=0, allow_variables=True, literal=False,
                 max_length=MAX_LENGTH):
        self.text = text
        self.offset = offset
        self.allow_variables = allow_variables
        self.literal = literal
        self.max_length = max_length
        self.max_nodes = 4 * MAX_ELEMENTS + MAX_NODES if literal else MAX_NODES
        self.variables = {}      # name -> None; a dict keeps the order of first appearance
        self.node_count = 0

    def parse(self):
        """Return the tiny tree of ``self.text`` or raise ExpressionError."""
        self._check_text()
        # Python reads leading spaces as an (unexpected) indent: drop them, shift the columns.
        stripped = self.text.lstrip()
        self.offset += len(self.text) - len(stripped)
        self.text = stripped
        self.lines = stripped.splitlines(keepends=True) or [""]
        self.line_starts = [0]
        for line in self.lines:
            self.line_starts.append(self.line_starts[-1] + len(line))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")   # e.g. SyntaxWarning for "1if 1 else 2"
                module = ast.parse(self.text, mode="exec")
        except SyntaxError as error:
            raise self._syntax_error(error) from None
        except (RecursionError, MemoryError):
            raise ExpressionError("the expression is too deeply nested to read") from None
        except ValueError as error:
            raise ExpressionError(f"the text cannot be read ({error})") from None
        if not module.body:
            raise ExpressionError("the expression is empty", hint="Type e.g. sin(x) * y")
        statement = module.body[0]
        if len(module.body) > 1:
            self._refuse("only one expression is allowed", module.body[1],
                         "Type a single expression such as sin(x) * y")
        if not isinstance(statement, ast.Expr):
            what = _STATEMENTS.get(type(statement), "statements")
            self._refuse(f"{what} are not allowed", statement,
                         "Type a single expression such as sin(x) * y")
        if self.literal and isinstance(statement.value, ast.List):
            return self._list(statement.value, 1)
        return self._visit(statement.value, 1)

    def _check_text(self):
        if len(self.text) > self.max_length:
            raise ExpressionError(f"the text is too long ({len(self.text)} characters; "
                                  f"at most {self.max_length})")
        depth = 0
        for index, char in enumerate(self.text):
            if not (char.isprintable() or char in "\t\n\r"):
                raise ExpressionError(f"unexpected character {char!r}",
                                      column=self.offset + index + 1)
            if char in "([{":
                depth += 1
                if depth > MAX_PAREN_DEPTH:
                    raise ExpressionError(f"brackets are nested too deeply (more than "
                                          f"{MAX_PAREN_DEPTH} levels)",
                                          column=self.offset + index + 1)
            elif char in ")]}":
                depth -= 1

    def _syntax_error(self, error):
        line, start, end = error.lineno, max(error.offset or 1, 1), error.end_offset
        if not line or line > len(self.lines):
            return ExpressionError(f"syntax error ({error.msg})")
        text_of_line = self.lines[line - 1]
        if not end or end <= start or (error.end_lineno or line) != line:
            end = start + 1
        part = text_of_line[start - 1:end - 1].strip()
        column = self.offset + self.line_starts[line - 1] + start
        return ExpressionError(f"syntax error ({error.msg})", part, column)

    def _column(self, node):
        """1-based column of ``node``, counted in characters from the start of the text
        (the syntax tree counts UTF-8 bytes from the start of the line)."""
        line = self.lines[node.lineno - 1]
        before = line.encode("utf-8")[:node.col_offset].decode("utf-8", "replace")
        return self.offset + self.line_starts[node.lineno - 1] + len(before) + 1

    def _source(self, node):
        return ast.get_source_segment(self.text, node) or ""

    def _refuse(self, reason, node, hint=None):
        raise ExpressionError(reason, self._source(node), self._column(node), hint)

    def _count(self, node, depth):
        if depth > MAX_DEPTH:
            self._refuse(f"the expression is nested too deeply (more than {MAX_DEPTH} levels)",
                         node)
        self.node_count += 1
        if self.node_count > self.max_nodes:
            self._refuse(f"the expression is too big (more than {self.max_nodes} parts)", node)

    def _visit(self, node, depth):
        self._count(node, depth)
        if isinstance(node, ast.Constant):
            return self._number(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.UnaryOp):
            return self._unary(node, depth)
        if isinstance(node, ast.BinOp):
            return self._binary(node, depth)
        if isinstance(node, ast.Call):
            return self._call(node, depth)
        if isinstance(node, ast.Subscript):
            return self._subscript(node, depth)
        self._refuse(_REFUSED.get(type(node), f"{type(node).__name__} is not allowed"), node,
                     _REFUSED_HINTS.get(type(node), _ALLOWED))

    def _list(self, node, depth):
        """A values-box array: nested lists of numbers, as nested Python lists of Numbers."""
        self._count(node, depth)
        if not node.elts:
            self._refuse("an array needs at least one number", node, "E.g. x=[1, 2, 3]")
        return [self._list(item, depth + 1) if isinstance(item, ast.List)
                else self._visit(item, depth + 1) for item in node.elts]

    def _number(self, node):
        value = node.value
        kind = type(value)
        if kind not in (int, float):
            self._refuse(f"{_NOT_NUMBERS.get(kind, kind.__name__ + ' is')} not allowed", node,
                         _ALLOWED)
        try:
            value = float(value)          # ints become floats: no big-integer arithmetic
        except OverflowError:
            value = math.inf
        if not math.isfinite(value):
            self._refuse("this number is too large", node)
        return Number(value)

    def _check_name(self, node):
        name = node.id
        if not self._source(node).isascii():
            self._refuse("names must use ASCII letters, digits and _", node)
        if name.startswith("_"):
            self._refuse("names starting with _ are not allowed", node)
        return name

    def _name(self, node):
        name = self._check_name(node)
        if name in FUNCTIONS or name in CONVENIENCES:
            self._refuse(f"{name} is a function", node, f"Call it with parentheses: {name}(x)")
        if name in CONSTANTS:
            return Number(CONSTANTS[name])
        if name.lower() in _NOT_FINITE:
            self._refuse(f"{name} would mean {_NOT_FINITE[name.lower()]}, not a finite number, "
                         f"so it cannot be used (not even as a variable's name)", node,
                         "Type finite numbers, and give variables other names")
        if not self.allow_variables:
            self._refuse("a value must be a number", node, "Constants pi and e are allowed")
        if name not in self.variables and len(self.variables) == MAX_VARIABLES:
            self._refuse(f"too many variables (at most {MAX_VARIABLES})", node)
        self.variables.setdefault(name)
        return Variable(name)

    def _unary(self, node, depth):
        if isinstance(node.op, ast.USub):
            operand = self._visit(node.operand, depth + 1)
            return self._fold(Negate(operand, self._source(node)), [operand], node)
        if isinstance(node.op, ast.UAdd):
            return self._visit(node.operand, depth + 1)
        symbol = _REFUSED_OPERATORS.get(type(node.op), type(node.op).__name__)
        self._refuse(f"the operator {symbol} is not allowed", node, _OPERATOR_HINT)

    def _binary(self, node, depth):
        op = _BINARY_OPERATORS.get(type(node.op))
        if op is None:
            symbol = _REFUSED_OPERATORS.get(type(node.op), type(node.op).__name__)
            self._refuse(f"the operator {symbol} is not allowed", node, _OPERATOR_HINT)
        left = self._visit(node.left, depth + 1)
        right = self._visit(node.right, depth + 1)
        if op == "@" and (isinstance(left, Number) or isinstance(right, Number)):
            self._refuse("@ multiplies matrices and vectors, not numbers", node,
                         "To multiply by a number, use *")
        return self._fold(Binary(op, left, right, self._source(node)), [left, right], node)

    def _condition(self, node, depth):
        """where's first argument: a single comparison, or any expression."""
        if not isinstance(node, ast.Compare):
            return self._visit(node, depth)
        self._count(node, depth)
        if len(node.ops) != 1:
            self._refuse("only one comparison at a time is allowed", node,
                         "Write a < x instead of a < x < b")
        op = _COMPARE_OPERATORS.get(type(node.ops[0]))
        if op is None:
            self._refuse("only < <= > >= == != can compare here", node)
        left = self._visit(node.left, depth + 1)
        right = self._visit(node.comparators[0], depth + 1)
        return self._fold(Binary(op, left, right, self._source(node)), [left, right], node)

    def _call(self, node, depth):
        if not isinstance(node.func, ast.Name):
            if type(node.func) in _REFUSED:
                self._visit(node.func, depth + 1)      # refuses it with its own message
            self._refuse("only listed functions can be called, by name", node, _FUNCTION_LIST)
        name = self._check_name(node.func)
        if name not in FUNCTIONS and name not in CONVENIENCES:
            reason = (f"{name} is a constant, not a function" if name in CONSTANTS else
                      "unknown function")
            self._refuse(reason, node.func, _FUNCTION_LIST)
        keywords = tuple(self._keyword(name, keyword) for keyword in node.keywords)
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                self._refuse("starred arguments (*args) are not allowed", arg)
        arity = FUNCTIONS[name][1] if name in FUNCTIONS else 1
        if len(node.args) != arity:
            plural = "argument" if arity == 1 else "arguments"
            hint = None
            if name in ("max", "min") and len(node.args) == 2:
                hint = f"For the {'larger' if name == 'max' else 'smaller'} of two values use " \
                       f"{'maximum' if name == 'max' else 'minimum'}(x, y)"
            self._refuse(f"{name} takes {arity} {plural}, not {len(node.args)}", node, hint)
        args = [self._condition(arg, depth + 1) if name == "where" and i == 0
                else self._visit(arg, depth + 1) for i, arg in enumerate(node.args)]
        if name in CONVENIENCES:
            built = CONVENIENCES[name](*args)
            if isinstance(built, Call):
                built = Call(built.function, built.args, built.keywords, self._source(node))
        else:
            built = Call(FUNCTIONS[name][0], tuple(args), keywords, self._source(node))
        return self._fold(built, args, node)

    def _keyword(self, name, keyword):
        allowed = KEYWORDS.get(name, ())
        if keyword.arg is None or not allowed:
            self._refuse("keyword arguments are not allowed", keyword,
                         f"Give the arguments of {name} by position")
        if keyword.arg not in allowed:
            self._refuse(f"{name} has no keyword argument {keyword.arg}", keyword,
                         f"{name} takes {' and '.join(allowed)}, e.g. {name}(x, axis=0)")
        value = keyword.value
        if keyword.arg == "keepdims":
            if not (isinstance(value, ast.Constant) and type(value.value) is bool):
                self._refuse("keepdims must be True or False", keyword)
            return ("keepdims", value.value)
        if isinstance(value, ast.Constant) and value.value is None:
            return ("axis", None)
        if isinstance(value, ast.Tuple):
            if not value.elts or len(value.elts) > 8:
                self._refuse("axis takes one to eight axes", keyword)
            return ("axis", tuple(self._whole_number(item) for item in value.elts))
        return ("axis", self._whole_number(value))

    def _whole_number(self, node):
        """A literal whole number such as 0 or -1 (for an index or an axis)."""
        sign = 1
        inner = node
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            sign, inner = -1, node.operand
        if not (isinstance(inner, ast.Constant) and type(inner.value) is int):
            self._refuse("an index or axis must be a whole number such as 0 or -1", node,
                         _INDEX_HINT)
        if abs(inner.value) > MAX_INDEX:
            self._refuse("this index is too large", node)
        return sign * inner.value

    def _index_part(self, node):
        if isinstance(node, ast.Slice):
            parts = [None if part is None else self._whole_number(part)
                     for part in (node.lower, node.upper, node.step)]
            if parts[2] == 0:
                self._refuse("a slice's step cannot be 0", node, _INDEX_HINT)
            return slice(*parts)
        return self._whole_number(node)

    def _subscript(self, node, depth):
        operand = self._visit(node.value, depth + 1)
        if isinstance(operand, Number):
            self._refuse("a number has no elements to index", node, _INDEX_HINT)
        index = node.slice
        if isinstance(index, ast.Tuple):
            if not index.elts or len(index.elts) > 8:
                self._refuse("an index takes one to eight positions", node, _INDEX_HINT)
            index = tuple(self._index_part(part) for part in index.elts)
        else:
            index = self._index_part(index)
        return Index(operand, index, self._source(node))

    def _fold(self, built, children, node):
        """If ``built`` has only constants below it, compute it now and return a Number."""
        if not all(isinstance(child, Number) for child in children):
            return built
        try:
            with numpy.errstate(all="ignore"):
                value = _evaluate(built, {}, numpy)
        except (ValueError, TypeError, IndexError, ArithmeticError) as error:
            self._refuse(f"this constant part cannot be computed ({error})", node)
        if numpy.ndim(value) != 0:          # outer(2, 3) is a 1×1 array: not one number
            return built
        value = float(value)
        if not math.isfinite(value):
            self._refuse(f"this constant part works out to {value}, not a finite number", node)
        return Number(value)


# --- the public API -----------------------------------------------------------------------

class Expression:
    """A function of named variables, read from text: ``f = Expression("x * y + sin(x)")``.

    ``f.text`` is the text as typed. ``f.variables`` is the tuple of variable names in order
    of first appearance, reading left to right (``"y * x + x"`` gives ``("y", "x")``); ``pi``
    and ``e`` are constants and function names are not variables.

    Call it with one value per variable, by position in ``f.variables`` order or by name:
    ``f(2.0, 3.0)`` or ``f(x=2.0, y=3.0)``. ``inspect.signature(f)`` shows those names, so
    ``grad(f, argnum=1)`` and the recorder treat it like a ``def f(x, y)``. Functions come
    from ``tutor.autograd.numpy``, so the call can be traced and differentiated. A value may
    be an array (a list is turned into a float array); shapes that do not fit raise a
    :class:`ShapeError` naming the parts as typed.
    """

    def __init__(self, text):
        if not isinstance(text, str):
            raise TypeError(f"an expression must be given as a str, not {type(text).__name__}")
        parser = _Parser(text)
        self._tree = parser.parse()
        self.text = text
        self.variables = tuple(parser.variables)
        self.__name__ = self.__qualname__ = "f"
        self.__signature__ = inspect.Signature(
            [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD)
             for name in self.variables])

    def __call__(self, /, *args, **kwargs):
        try:
            bound = self.__signature__.bind(*args, **kwargs)
        except TypeError as error:
            raise TypeError(f"{self!r} takes ({', '.join(self.variables)}): {error}") from None
        return self.evaluate(bound.arguments)

    def evaluate(self, values, namespace=None):
        """The value for ``values``, a dict with exactly one entry per variable.

        ``namespace`` is the module the functions are looked up on, ``tutor.autograd.numpy``
        by default; plain ``numpy`` works too. Integer values (and integer arrays, and
        lists) are turned into floats first. Every value, given or computed, is held to the
        size bounds (:data:`MAX_ELEMENTS`, :data:`MAX_TOTAL_ELEMENTS`).
        """
        missing = [name for name in self.variables if name not in values]
        unknown = [name for name in values if name not in self.variables]
        if missing or unknown:
            raise TypeError(f"{self!r} takes ({', '.join(self.variables)}): "
                            f"missing {missing}, unknown {unknown}")
        if namespace is None:
            namespace = importlib.import_module("tutor.autograd.numpy")
        budget = _Budget()
        values = {name: budget.spend(Variable(name), _as_float(value))
                  for name, value in values.items()}
        return _evaluate(self._tree, values, namespace, budget)

    def __repr__(self):
        return f"Expression({self.text!r})"


def _as_float(value):
    if isinstance(value, (int, numpy.integer)) and not isinstance(value, (bool, numpy.bool_)):
        return float(value)
    if isinstance(value, list) or (isinstance(value, numpy.ndarray)
                                   and value.dtype.kind in "iu"):
        return numpy.asarray(value, dtype=float)
    return value


def parse(text):
    """Read ``text`` into an :class:`Expression`, or raise :class:`ExpressionError`."""
    return Expression(text)


def parse_values(text, variables):
    """Read a values box such as ``x=1, y=-2e-3, w=[1, 2]`` into ``{"x": 1.0, ...}``.

    Entries are ``name = value``, separated by commas, semicolons or new lines; spaces do
    not matter and empty entries are skipped. A value is a number, or arithmetic on numbers
    and the constants ``pi`` and ``e`` (``-1.5``, ``2*pi``, ``sqrt(2)``), read by the same
    checked parser as :func:`parse`, or an array of such numbers written as a list
    (``[1, 2, 3]``) or a list of equally long lists (``[[1, 2], [3, 4]]``, a 2×2 matrix), at
    most :data:`MAX_ELEMENTS` numbers. The result has a float (or a float array) for every
    name in ``variables``; names the text does not mention get :data:`DEFAULT_VALUE` (1.0).
    Raises ExpressionError for a malformed entry, a name not in ``variables``, or a name
    given twice.
    """
    if not isinstance(text, str):
        raise TypeError(f"values must be given as a str, not {type(text).__name__}")
    variables = list(variables)
    _Parser(text, max_length=MAX_VALUES_LENGTH)._check_text()
    result = {}
    for start, entry in _split_entries(text):
        if not entry.strip():
            continue
        if "=" not in entry:
            raise ExpressionError("expected name = value", entry.strip(),
                                  start + len(entry) - len(entry.lstrip()) + 1,
                                  "Separate entries with commas, e.g. x=1, y=2")
        name_part, value_part = entry.split("=", 1)
        name = name_part.strip()
        column = start + len(name_part) - len(name_part.lstrip()) + 1
        if not name.isidentifier() or not name.isascii():
            raise ExpressionError("expected a variable name before =", name or "=", column)
        if name not in variables:
            known = ", ".join(variables) if variables else "none"
            raise ExpressionError("unknown variable", name, column, f"The variables are {known}")
        if name in result:
            raise ExpressionError("this variable is given twice", name, column)
        if not value_part.strip():
            raise ExpressionError("a value is missing after =", name, column, f"E.g. {name}=1")
        tree = _Parser(value_part, offset=start + len(name_part) + 1, allow_variables=False,
                       literal=True, max_length=MAX_VALUES_LENGTH).parse()
        result[name] = _array_of(tree, name, column) if isinstance(tree, list) else tree.value
    return {name: result.get(name, DEFAULT_VALUE) for name in variables}


def _array_of(rows, name, column):
    """Nested lists of Numbers -> a float array, checking that every row is as long."""
    def shape(item):
        if not isinstance(item, list):
            return ()
        shapes = {shape(part) for part in item}
        if len(shapes) != 1:
            raise ExpressionError(f"the rows of {name} have different lengths (or mix numbers "
                                  f"and lists)", name, column,
                                  "Every row of a matrix needs as many numbers, e.g. "
                                  "[[1, 2], [3, 4]]")
        return (len(item),) + shapes.pop()

    size = shape(rows)
    count = int(numpy.prod(size))
    if count > MAX_ELEMENTS:
        raise ExpressionError(f"{name} has {count} numbers; at most {MAX_ELEMENTS} are allowed "
                              f"in one value", name, column)

    def numbers(item):
        return [numbers(part) for part in item] if isinstance(item, list) else item.value
    return numpy.array(numbers(rows), dtype=float)


def _split_entries(text):
    """Yield (start index, entry) for the pieces of ``text`` between separators that are not
    inside brackets (so ``maximum(1, 2)`` and ``[1, 2]`` stay one piece)."""
    depth, start = 0, 0
    for index, char in enumerate(text):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char in ",;\n\r" and depth <= 0:
            yield start, text[start:index]
            start = index + 1
    yield start, text[start:]
