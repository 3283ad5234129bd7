"""From unary operators to ``grad(f, argnum)``.

The differential operators are easiest to write for a function of one input: ``grad(f)(x)``.
:func:`unary_to_nary` lifts such an operator to functions of many arguments: the argument at
position ``argnum`` becomes the ``x`` being differentiated and the others are held fixed.

Learners call functions both ways, ``dfdx(1, 2)`` and ``dfdx(x=13, y=4)``, so an ``argnum``
may point at an argument passed by keyword: the function's signature tells us which keyword
argument position ``argnum`` is. ``argnum`` may also be a tuple (several inputs at once) or a
parameter name.
"""

import inspect
from functools import wraps

__all__ = ["unary_to_nary", "wraps", "ArgnumError"]


class ArgnumError(TypeError):
    """``argnum`` names no argument of the call."""


def unary_to_nary(unary_operator):
    """Turn ``op(fun, x, *op_args)`` into ``nary_op(fun, argnum=0, *op_args)(*args, **kwargs)``."""

    @wraps(unary_operator)
    def nary_operator(fun, argnum=0, *nary_op_args, **nary_op_kwargs):
        locate = _Locator(fun, argnum)

        @wraps(fun)
        def nary_f(*args, **kwargs):
            if argnum == 0 and len(args) == 1 and not kwargs:      # grad(f)(x): nothing to place
                return unary_operator(fun, args[0], *nary_op_args, **nary_op_kwargs)
            places = locate(args, kwargs)

            def unary_f(x):
                new_args, new_kwargs = list(args), dict(kwargs)
                for (where, key), value in zip(places, x if locate.many else (x,)):
                    if where == "args":
                        new_args[key] = value
                    else:
                        new_kwargs[key] = value
                return fun(*new_args, **new_kwargs)

            unary_f.__name__ = getattr(fun, "__name__", "f")
            values = [args[key] if where == "args" else kwargs[key] for where, key in places]
            x = tuple(values) if locate.many else values[0]
            return unary_operator(unary_f, x, *nary_op_args, **nary_op_kwargs)

        # Named for what it computes (as HIPS autograd names it): grad_of_f_wrt_argnum_1.
        # It keeps f's signature (functools.wraps), so keyword calls and nesting still work.
        operator, name = unary_operator.__name__, getattr(fun, "__name__", "f")
        nary_f.__name__ = nary_f.__qualname__ = f"{operator}_of_{name}_wrt_argnum_{argnum}"
        nary_f.__doc__ = (f"    {operator} of function {name} with respect to argument number "
                          f"{argnum}. Takes the same arguments as {name} but returns the "
                          f"{operator}.\n")
        return nary_f

    return nary_operator


class _Locator:
    """Finds where the argument(s) named by ``argnum`` sit in a given call."""

    def __init__(self, fun, argnum):
        self.fun = fun
        self.many = isinstance(argnum, (tuple, list))
        self.argnums = tuple(argnum) if self.many else (argnum,)
        for a in self.argnums:
            if not isinstance(a, (int, str)) or isinstance(a, bool):
                raise ArgnumError(f"argnum must be an int, a parameter name or a tuple of them, "
                                  f"not {a!r}")
        self._names = None

    def names(self):
        """The function's positional parameter names (looked up once, only when needed)."""
        if self._names is None:
            try:
                parameters = inspect.signature(self.fun).parameters.values()
            except (TypeError, ValueError):
                parameters = ()
            self._names = [p.name for p in parameters
                           if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        return self._names

    def __call__(self, args, kwargs):
        return [self._place(a, args, kwargs) for a in self.argnums]

    def _place(self, argnum, args, kwargs):
        if isinstance(argnum, int) and -len(args) <= argnum < len(args):
            return ("args", argnum % len(args) if argnum < 0 else argnum)
        names = self.names()
        if isinstance(argnum, str):
            name = argnum
            if name not in names and name not in kwargs:
                raise ArgnumError(f"argnum={name!r} names no parameter of "
                                  f"{_describe(self.fun, names)}.")
            position = names.index(name) if name in names else None
        else:
            position = argnum
            name = names[argnum] if 0 <= argnum < len(names) else None
        if position is not None and position < len(args):
            return ("args", position)
        if name is not None and name in kwargs:
            return ("kwargs", name)
        passed = len(args) + len(kwargs)
        if name is None:
            raise ArgnumError(
                f"argnum={argnum} is out of range: {_describe(self.fun, names)} and this call "
                f"passed {passed} argument(s). Use an argnum from 0 to {max(len(names), passed) - 1}.")
        raise ArgnumError(
            f"argnum={argnum} refers to parameter '{name}' of {_describe(self.fun, names)}, "
            f"but this call did not pass '{name}'. Pass it by position or as {name}=...")


def _describe(fun, names):
    fname = getattr(fun, "__name__", "the function")
    return f"{fname}({', '.join(names)})" if names else f"{fname}"
