"""Turn text a user typed, such as ``log(x**2) + y**2 + x*y``, into a function: safely.

The dashboard lets anyone type a function. Handing that text to ``eval`` would let them run
*any* Python, e.g. ``__import__('os').system(...)``. So the text is never run as Python.
Instead :func:`parse` goes through four steps:

1. **Check the raw text.** At most :data:`MAX_LENGTH` characters, printable characters only,
   brackets nested at most :data:`MAX_PAREN_DEPTH` deep.
2. **Parse it** with :func:`ast.parse`. Parsing only *reads* the text into a syntax tree;
   nothing in it runs.
3. **Walk the tree against a whitelist.** Only a few kinds of node are accepted: numbers,
   names, the operators ``+ - * / **``, unary ``-`` and ``+``, and calls of the functions
   listed in :data:`FUNCTIONS` and :data:`CONVENIENCES`. Anything else (attributes,
   subscripts, strings, lambdas, comparisons, ...) is refused with an :class:`ExpressionError`
   that quotes the offending part and gives its column. Listing what is *allowed* rather
   than what is dangerous is the point: a construct nobody thought about is refused, not run.
   The walk also bounds the size of the tree, its depth and the number of variables.
4. **Translate** the accepted nodes into our own tiny tree with five kinds of node:
   :class:`Number`, :class:`Variable`, :class:`Negate`, :class:`Binary` and :class:`Call`.
   Evaluating an :class:`Expression` walks that tiny tree and nothing else, so the evaluator
   cannot do anything the whitelist did not allow.

Two details keep arithmetic from hanging the server. Every number is a float from the
start, so Python's unbounded integers never appear. And parts without variables are
computed once, at parse time, in floats (``2*pi`` becomes ``6.283...``); a part that comes
out infinite or NaN, such as ``9**9**9``, is refused. (This changes nothing a learner would
see in a trace: autograd does not record operations on plain constants either.)

Evaluation looks the functions up on ``tutor.autograd.numpy``, so ``grad`` can trace an
Expression like any other function, and applies ``+ - * / **`` with Python's operators on the
operand objects, which Boxes overload.
"""

import ast
import importlib
import inspect
import math
import operator
import warnings
from dataclasses import dataclass

import numpy

__all__ = ["parse", "parse_values", "Expression", "ExpressionError", "FUNCTIONS",
           "CONVENIENCES", "CONSTANTS"]

MAX_LENGTH = 500        # characters of text
MAX_PAREN_DEPTH = 30    # brackets inside brackets, checked before ast.parse sees the text
MAX_DEPTH = 100         # levels of the syntax tree (a + b + c + ... nests one level per +)
MAX_NODES = 150         # nodes in the syntax tree
MAX_VARIABLES = 26
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
}

# Named constants: numbers, not variables.
CONSTANTS = {"pi": math.pi, "e": math.e}


# --- the tiny tree that evaluation walks --------------------------------------------------

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


@dataclass(frozen=True)
class Binary:
    """``left op right`` with op one of ``+ - * / **``."""
    op: str
    left: object
    right: object


@dataclass(frozen=True)
class Call:
    """``function(*args)``, where function is an attribute name of the numpy namespace."""
    function: str
    args: tuple


# Conveniences: functions that are rewritten, at parse time, into the primitives above, so
# a trace shows the primitives (sigmoid shows up as negative, exp, add and divide).
CONVENIENCES = {
    "sigmoid": lambda x: Binary("/", Number(1.0),
                                Binary("+", Number(1.0), Call("exp", (Negate(x),)))),
    "softplus": lambda x: Call("logaddexp", (Number(0.0), x)),    # log(1 + exp(x)), stably
    "relu": lambda x: Call("maximum", (x, Number(0.0))),
}

_OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul,
              "/": operator.truediv, "**": operator.pow}


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


def _evaluate(node, values, namespace):
    """The value of a tiny-tree ``node``, given ``values`` (name -> value) for its variables."""
    match node:
        case Number(value):
            return value
        case Variable(name):
            return values[name]
        case Negate(operand):
            return -_evaluate(operand, values, namespace)
        case Binary(op, left, right):
            return _apply(op, _evaluate(left, values, namespace),
                          _evaluate(right, values, namespace))
        case Call(function, args):
            arguments = [_evaluate(arg, values, namespace) for arg in args]
            return getattr(namespace, function)(*arguments)
    raise TypeError(f"not a node of an Expression tree: {node!r}")


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


_ALLOWED = ("Allowed are numbers, variables, pi, e, + - * / **, parentheses and calls of "
            "functions such as sin(x)")
_FUNCTION_LIST = "Functions: " + ", ".join(sorted([*FUNCTIONS, *CONVENIENCES]))

# What to say about each kind of syntax-tree node that is not on the whitelist.
_REFUSED = {
    ast.Attribute: "attribute access is not allowed",
    ast.Subscript: "subscripts (indexing with [ ]) are not allowed",
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
_BINARY_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_REFUSED_OPERATORS = {ast.MatMult: "@", ast.FloorDiv: "//", ast.Mod: "%", ast.LShift: "<<",
                      ast.RShift: ">>", ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&",
                      ast.Invert: "~", ast.Not: "not"}
_OPERATOR_HINT = "Allowed operators are + - * / ** and unary - (for powers use **, not ^)"
_NOT_NUMBERS = {str: "strings are", bytes: "bytes are", complex: "complex numbers are",
                bool: "True and False are", type(None): "None is", type(...): "... is"}
_STATEMENTS = {ast.Assign: "assignments", ast.AugAssign: "assignments",
               ast.AnnAssign: "assignments", ast.Import: "imports", ast.ImportFrom: "imports"}


# --- parsing: text -> checked syntax tree -> tiny tree -------------------------------------

class _Parser:
    """One parse of ``text``. ``offset`` shifts reported columns (for a part of a longer text);
    with ``allow_variables=False`` any name other than a constant is refused."""

    def __init__(self, text, offset=0, allow_variables=True):
        self.text = text
        self.offset = offset
        self.allow_variables = allow_variables
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
        return self._visit(statement.value, 1)

    def _check_text(self):
        if len(self.text) > MAX_LENGTH:
            raise ExpressionError(f"the text is too long ({len(self.text)} characters; "
                                  f"at most {MAX_LENGTH})")
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

    def _refuse(self, reason, node, hint=None):
        part = ast.get_source_segment(self.text, node)
        raise ExpressionError(reason, part, self._column(node), hint)

    def _visit(self, node, depth):
        if depth > MAX_DEPTH:
            self._refuse(f"the expression is nested too deeply (more than {MAX_DEPTH} levels)",
                         node)
        self.node_count += 1
        if self.node_count > MAX_NODES:
            self._refuse(f"the expression is too big (more than {MAX_NODES} parts)", node)
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
        self._refuse(_REFUSED.get(type(node), f"{type(node).__name__} is not allowed"), node,
                     _ALLOWED)

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
        if not ast.get_source_segment(self.text, node).isascii():
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
        if not self.allow_variables:
            self._refuse("a value must be a number", node, "Constants pi and e are allowed")
        if name not in self.variables and len(self.variables) == MAX_VARIABLES:
            self._refuse(f"too many variables (at most {MAX_VARIABLES})", node)
        self.variables.setdefault(name)
        return Variable(name)

    def _unary(self, node, depth):
        if isinstance(node.op, ast.USub):
            operand = self._visit(node.operand, depth + 1)
            return self._fold(Negate(operand), [operand], node)
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
        return self._fold(Binary(op, left, right), [left, right], node)

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
        for keyword in node.keywords:
            self._refuse("keyword arguments are not allowed", keyword,
                         f"Give the arguments of {name} by position")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                self._refuse("starred arguments (*args) are not allowed", arg)
        arity = FUNCTIONS[name][1] if name in FUNCTIONS else 1
        if len(node.args) != arity:
            plural = "argument" if arity == 1 else "arguments"
            self._refuse(f"{name} takes {arity} {plural}, not {len(node.args)}", node)
        args = [self._visit(arg, depth + 1) for arg in node.args]
        if name in CONVENIENCES:
            built = CONVENIENCES[name](*args)
        else:
            built = Call(FUNCTIONS[name][0], tuple(args))
        return self._fold(built, args, node)

    def _fold(self, built, children, node):
        """If ``built`` has only constants below it, compute it now and return a Number."""
        if not all(isinstance(child, Number) for child in children):
            return built
        with numpy.errstate(all="ignore"):
            value = float(_evaluate(built, {}, numpy))
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
    from ``tutor.autograd.numpy``, so the call can be traced and differentiated.
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
        by default; plain ``numpy`` works too. Integer values are turned into floats first.
        """
        missing = [name for name in self.variables if name not in values]
        unknown = [name for name in values if name not in self.variables]
        if missing or unknown:
            raise TypeError(f"{self!r} takes ({', '.join(self.variables)}): "
                            f"missing {missing}, unknown {unknown}")
        if namespace is None:
            namespace = importlib.import_module("tutor.autograd.numpy")
        values = {name: float(value) if isinstance(value, (int, numpy.integer)) else value
                  for name, value in values.items()}
        return _evaluate(self._tree, values, namespace)

    def __repr__(self):
        return f"Expression({self.text!r})"


def parse(text):
    """Read ``text`` into an :class:`Expression`, or raise :class:`ExpressionError`."""
    return Expression(text)


def parse_values(text, variables):
    """Read a values box such as ``x=1, y=-2e-3`` into ``{"x": 1.0, "y": -0.002}``.

    Entries are ``name = value``, separated by commas, semicolons or new lines; spaces do
    not matter and empty entries are skipped. A value is a number, or arithmetic on numbers
    and the constants ``pi`` and ``e`` (``-1.5``, ``2*pi``, ``sqrt(2)``), read by the same
    checked parser as :func:`parse`. The result has a float for every name in ``variables``;
    names the text does not mention get :data:`DEFAULT_VALUE` (1.0). Raises ExpressionError
    for a malformed entry, a name not in ``variables``, or a name given twice.
    """
    if not isinstance(text, str):
        raise TypeError(f"values must be given as a str, not {type(text).__name__}")
    variables = list(variables)
    _Parser(text)._check_text()
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
        tree = _Parser(value_part, offset=start + len(name_part) + 1,
                       allow_variables=False).parse()
        result[name] = tree.value        # no variables, so the tree folded to one Number
    return {name: result.get(name, DEFAULT_VALUE) for name in variables}


def _split_entries(text):
    """Yield (start index, entry) for the pieces of ``text`` between separators that are not
    inside brackets (so ``maximum(1, 2)`` stays one piece)."""
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
