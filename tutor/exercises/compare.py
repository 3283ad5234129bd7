"""Comparing a learner's result with the expected one, and saying what differs.

The checks run in the order a learner's mistakes usually happen: nothing returned (``None``),
the wrong kind of thing (a list, a string, a function), the wrong shape, NaN, and only then
numbers that differ. Each gets its own sentence; the first one that applies is reported.
"""

import numbers

import numpy as np

from tutor.notation import value_text

from .model import Mismatch

# Our own references, taken at import: a learner who patches ``numpy.isclose`` (or this
# module's ``compare_values``) in their notebook does not change a verdict.
_isclose = np.isclose
_isnan = np.isnan
_asarray = np.asarray
_argwhere = np.argwhere


def safe_text(value):
    """``repr(value)``, or a plain description when the value's own ``repr`` fails."""
    try:
        text = repr(value)
        return str.__str__(text) if isinstance(text, str) else f"a {type(value).__name__}"
    except Exception:           # noqa: BLE001 - a learner's broken __repr__
        return f"a {type(value).__name__} (its repr() failed)"


def summarize(value, width=60):
    """A short text for a value in feedback, written as everywhere in the tutor
    (:func:`tutor.notation.value_text`): ``0.5403``, ``[1.0, 2.0]``, ``10×10 array (min 0.0,
    max 1.0)``, ``(0.5, 2.0)``; a function by its name. Cut to ``width`` characters.

    Never raises: a value whose ``repr`` or ``float`` fails is described by its type.
    """
    try:
        if callable(value) and hasattr(value, "__name__") and not isinstance(value, type):
            text = f"function {value.__name__}"
        else:
            text = value_text(value)
    except Exception:           # noqa: BLE001 - e.g. a numbers.Real without __float__
        text = safe_text(value)
    return text if len(text) <= width else text[:width - 1] + "…"


def kind_of(value):
    """How a learner would name the type: ``a list``, ``a string``, ``a function``."""
    names = {list: "a list", tuple: "a tuple", str: "a string", dict: "a dict", bool: "a bool",
             set: "a set"}
    for cls, name in names.items():
        if isinstance(value, cls):
            return name
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, numbers.Number):
        return "a number"
    if callable(value):
        return "a function"
    return f"a {type(value).__name__}"


def is_numeric(value):
    """True for real numbers and numeric numpy arrays (not bools, strings or objects)."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, numbers.Real):
        return True
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "iuf"
    return False


def compare_values(expected, got, rtol=1e-6, atol=1e-8):
    """None when ``got`` matches ``expected``, else a :class:`Mismatch` saying how not.

    Numbers and arrays are compared with a tolerance (``numpy.allclose``); a scalar may be a
    Python float, a numpy scalar or a 0-d array. Tuples and lists are compared item by item.
    A value that differs is shown with as many digits as it takes to see the difference,
    with the error and the tolerance it was allowed.
    """
    return _compare(expected, got, rtol, atol)


def _compare(expected, got, rtol, atol):
    if got is None and expected is not None:
        return Mismatch("none", "returned None. Did you forget a `return` statement?")
    if isinstance(expected, (tuple, list)):
        return _compare_sequences(expected, got, rtol, atol)
    if isinstance(expected, dict):
        return _compare_dicts(expected, got, rtol, atol)
    if is_numeric(expected) or isinstance(expected, np.ndarray):
        return _compare_numbers(expected, got, rtol, atol)
    if got != expected:
        return Mismatch("value", f"expected {summarize(expected)}, got {summarize(got)}")
    return None


def _compare_sequences(expected, got, rtol, atol):
    wanted = "a tuple" if isinstance(expected, tuple) else "a list"
    if not isinstance(got, (tuple, list)):
        return Mismatch("type", f"expected {wanted} of {len(expected)} values, "
                                f"got {kind_of(got)}")
    if len(got) != len(expected):
        return Mismatch("shape", f"expected {len(expected)} values, got {len(got)}")
    for index, (expected_item, got_item) in enumerate(zip(expected, got)):
        mismatch = _compare(expected_item, got_item, rtol, atol)
        if mismatch is not None:
            return Mismatch(mismatch.problem, f"item [{index}]: {mismatch.message}")
    return None


def _compare_dicts(expected, got, rtol, atol):
    if not isinstance(got, dict):
        return Mismatch("type", f"expected a dict, got {kind_of(got)}")
    for key, expected_item in expected.items():
        if key not in got:
            return Mismatch("value", f"the key {summarize(key)} is missing")
        mismatch = _compare(expected_item, got[key], rtol, atol)
        if mismatch is not None:
            return Mismatch(mismatch.problem, f"[{summarize(key)}]: {mismatch.message}")
    return None


def _compare_numbers(expected, got, rtol, atol):
    expected_array = _asarray(expected, dtype=float)
    if isinstance(got, np.generic):
        got = got.item() if got.dtype.kind != "b" else got
    if not is_numeric(got):
        wanted = ("a number" if expected_array.ndim == 0
                  else f"a numpy array of shape {expected_array.shape}")
        return Mismatch("type", f"expected {wanted}, got {kind_of(got)}")
    try:
        got_array = _asarray(got, dtype=float)
    except (TypeError, ValueError) as error:     # a numbers.Real that is no float
        return Mismatch("type", f"expected a number, got {kind_of(got)} that cannot be "
                                f"turned into a float ({type(error).__name__})")
    if got_array.shape != expected_array.shape:
        if expected_array.ndim == 0:
            return Mismatch("shape", f"wrong shape: expected a single number, got an array of "
                                     f"shape {got_array.shape}")
        return Mismatch("shape", f"wrong shape: expected shape {expected_array.shape}, "
                                 f"got shape {got_array.shape}")
    got_nan = _isnan(got_array) & ~_isnan(expected_array)
    if got_nan.any():
        where = "" if got_array.ndim == 0 else f" (at index {_index(got_nan)})"
        return Mismatch("nan", f"your result contains NaN (not a number){where}. NaN comes from "
                               f"0/0, inf - inf, or log/sqrt of a negative number, and spreads "
                               f"through everything computed from it.")
    close = _isclose(got_array, expected_array, rtol=rtol, atol=atol, equal_nan=True)
    if not close.all():
        if got_array.ndim == 0:
            return Mismatch("value", difference_text(float(expected_array), float(got_array),
                                                     rtol, atol))
        index = _index(~close)
        return Mismatch("value", f"at index {index}: "
                                 + difference_text(float(expected_array[index]),
                                                   float(got_array[index]), rtol, atol)
                                 + f" (expected {summarize(expected)}, got {summarize(got)})")
    return None


def distinct_digits(expected, got):
    """``("3.1554", "3.1552")``: both numbers with the fewest digits (at least 4) that show
    they differ."""
    for digits in range(4, 18):
        left, right = f"{expected:.{digits}g}", f"{got:.{digits}g}"
        if left != right:
            return left, right
    return repr(expected), repr(got)


def difference_text(expected, got, rtol, atol):
    """``expected 3.1554, got 3.1552 (off by 2e-04; allowed: 3.2e-06)``."""
    left, right = distinct_digits(expected, got)
    allowed = atol + rtol * abs(expected)
    error = abs(got - expected)
    return f"expected {left}, got {right} (off by {error:.2g}; allowed: {allowed:.2g})"


def _index(mask):
    return tuple(int(i) for i in _argwhere(mask)[0])
