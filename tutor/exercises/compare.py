"""Comparing a learner's result with the expected one, and saying what differs.

The checks run in the order a learner's mistakes usually happen: nothing returned (``None``),
the wrong kind of thing (a list, a string, a function), the wrong shape, NaN, and only then
numbers that differ. Each gets its own sentence; the first one that applies is reported.
"""

import numbers

import numpy as np

from .model import Mismatch


def summarize(value, width=60):
    """A short text for a value in feedback: ``0.5403``, ``array([1., 2.])``, ``(0.5, 2.0)``."""
    if value is None or isinstance(value, (bool, str)):
        text = repr(value)
    elif isinstance(value, numbers.Number) and not isinstance(value, np.ndarray):
        text = _number(value)
    elif isinstance(value, np.ndarray):
        if value.ndim == 0:
            text = _number(value.item())
        elif value.size <= 8 and value.dtype != object:
            body = np.array2string(value, precision=4, separator=", ", suppress_small=True)
            text = f"array({' '.join(body.split())})"
        else:
            flat = ", ".join(_number(item) for item in value.ravel()[:3])
            text = f"array of shape {value.shape} [{flat}, ...]"
    elif isinstance(value, (tuple, list)):
        inner = ", ".join(summarize(item, width) for item in value[:6])
        inner += ", ..." if len(value) > 6 else ""
        text = f"({inner}{',' if len(value) == 1 else ''})" if isinstance(value, tuple) \
            else f"[{inner}]"
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{summarize(key)}: {summarize(item)}"
                               for key, item in list(value.items())[:6]) + "}"
    elif callable(value) and hasattr(value, "__name__"):
        text = f"function {value.__name__}"
    else:
        text = repr(value)
    return text if len(text) <= width else text[:width - 1] + "…"


def _number(value):
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Complex) and not isinstance(value, numbers.Real):
        return f"{value:.4g}"
    return f"{float(value):.4g}"


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
    """
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
        mismatch = compare_values(expected_item, got_item, rtol, atol)
        if mismatch is not None:
            return Mismatch(mismatch.problem, f"item [{index}]: {mismatch.message}")
    return None


def _compare_dicts(expected, got, rtol, atol):
    if not isinstance(got, dict):
        return Mismatch("type", f"expected a dict, got {kind_of(got)}")
    for key, expected_item in expected.items():
        if key not in got:
            return Mismatch("value", f"the key {summarize(key)} is missing")
        mismatch = compare_values(expected_item, got[key], rtol, atol)
        if mismatch is not None:
            return Mismatch(mismatch.problem, f"[{summarize(key)}]: {mismatch.message}")
    return None


def _compare_numbers(expected, got, rtol, atol):
    expected_array = np.asarray(expected, dtype=float)
    if isinstance(got, np.generic):
        got = got.item() if got.dtype.kind != "b" else got
    if not is_numeric(got):
        wanted = ("a number" if expected_array.ndim == 0
                  else f"a numpy array of shape {expected_array.shape}")
        return Mismatch("type", f"expected {wanted}, got {kind_of(got)}")
    got_array = np.asarray(got, dtype=float)
    if got_array.shape != expected_array.shape:
        if expected_array.ndim == 0:
            return Mismatch("shape", f"wrong shape: expected a single number, got an array of "
                                     f"shape {got_array.shape}")
        return Mismatch("shape", f"wrong shape: expected shape {expected_array.shape}, "
                                 f"got shape {got_array.shape}")
    got_nan = np.isnan(got_array) & ~np.isnan(expected_array)
    if got_nan.any():
        where = "" if got_array.ndim == 0 else f" (at index {_index(got_nan)})"
        return Mismatch("nan", f"your result contains NaN (not a number){where}. NaN comes from "
                               f"0/0, inf - inf, or log/sqrt of a negative number, and spreads "
                               f"through everything computed from it.")
    close = np.isclose(got_array, expected_array, rtol=rtol, atol=atol, equal_nan=True)
    if not close.all():
        if got_array.ndim == 0:
            return Mismatch("value", f"expected {summarize(expected)}, got {summarize(got)}")
        index = _index(~close)
        return Mismatch("value", f"at index {index}: expected "
                                 f"{_number(expected_array[index])}, got "
                                 f"{_number(got_array[index])} (expected {summarize(expected)},"
                                 f" got {summarize(got)})")
    return None


def _index(mask):
    return tuple(int(i) for i in np.argwhere(mask)[0])
