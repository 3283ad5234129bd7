"""Which term of a typed derivative is off: comparing a formula with the answer term by term.

A derivative of a sum is the sum of the terms' derivatives. So when a learner's
``2*x + 3*sin(3*x)`` is wrong for ``f = x**2 + sin(3*x)``, we can split both into their
top-level terms (``+`` and ``-`` outside any parentheses), differentiate each term of ``f`` on
its own, and pair up the learner's terms with those derivatives at the question's random
points. What is left unpaired is where the mistake is: "your term ``3*sin(3*x)`` is off: it
should be the derivative of ``sin(3*x)``". When the terms cannot be paired (the learner
combined them, say), nothing is claimed.

Everything here goes through :func:`tutor.expression.parse`: no typed text is ever run.
"""

import ast

import numpy as np

from .model import secret_of


def split_terms(text):
    """``"2*x - sin(x)"`` -> ``["2*x", "-sin(x)"]``: the top-level terms, signs attached."""
    source = text.strip()
    try:
        tree = ast.parse(source, mode="eval").body
    except SyntaxError:
        return [text]
    terms = []

    def walk(node, sign):
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
            walk(node.left, sign)
            walk(node.right, sign if isinstance(node.op, ast.Add) else -sign)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            walk(node.operand, -sign)
        else:
            body = ast.get_source_segment(source, node) or ast.unparse(node)
            if sign < 0:
                simple = isinstance(node, (ast.Name, ast.Call, ast.Constant)) or (
                    isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Div,
                                                                         ast.Pow)))
                body = f"-{body}" if simple else f"-({body})"
            terms.append(body)

    walk(tree, 1)
    return terms


def _values(text, points):
    """The term's values at ``points`` (an array), or None if it cannot be evaluated."""
    from tutor.expression import parse
    try:
        term = parse(text)
        with np.errstate(all="ignore"):
            values = [float(np.asarray(term(**{name: point[name] for name in term.variables}))
                            .reshape(())) for point in points]
    except Exception:               # noqa: BLE001 - a term we cannot read: no claim
        return None
    return np.array(values)


def _same(left, right):
    return left is not None and right is not None and bool(
        np.allclose(left, right, rtol=1e-6, atol=1e-8))


def term_feedback(question, answer):
    """A sentence naming the term that is off, or ``""`` when it cannot be found.

    Uses the parts of ``f`` the question keeps (``secret.parts``: each term of ``f`` with
    the derivative of that term alone, as a function of a point, and for a second
    derivative also the term's first derivative, to recognise a term differentiated once
    only). ``secret.order`` says which derivative was asked for.
    """
    secret = secret_of(question)
    parts = getattr(secret, "parts", ())
    if not parts:
        return ""
    which = "derivative" if secret.order == 1 else "second derivative"
    points = question.points
    wanted, firsts = [], {}
    for f_term, derivative, first in parts:
        try:
            values = np.array([derivative(point) for point in points])
            if first is not None:
                firsts[f_term] = np.array([first(point) for point in points])
        except Exception:           # noqa: BLE001
            return ""
        if not np.allclose(values, 0.0):
            wanted.append((f_term, values))
    typed = [(term, _values(term, points)) for term in split_terms(answer)]
    if any(values is None for _, values in typed):
        return ""
    typed = [(term, values) for term, values in typed if not np.allclose(values, 0.0)]
    unmatched_typed = list(typed)
    unmatched_wanted = []
    for f_term, values in wanted:
        match = next((item for item in unmatched_typed if _same(item[1], values)), None)
        if match is None:
            unmatched_wanted.append(f_term)
        else:
            unmatched_typed.remove(match)
    extra = [term for term, _ in unmatched_typed]
    if not extra and not unmatched_wanted:
        return ""
    if len(extra) == 1 and len(unmatched_wanted) == 1:
        typed_values = next(values for term, values in unmatched_typed if term == extra[0])
        if _same(typed_values, firsts.get(unmatched_wanted[0])):
            return (f"Your term `{extra[0]}` is the first derivative of "
                    f"`{unmatched_wanted[0]}`; the {which} differentiates it once more.")
        return (f"Your term `{extra[0]}` is off: it should be the {which} of "
                f"`{unmatched_wanted[0]}`.")
    sentences = []
    if unmatched_wanted:
        sentences.append(f"Look again at the {which} of " +
                         ", ".join(f"`{term}`" for term in unmatched_wanted) +
                         (": no term of yours matches it." if len(unmatched_wanted) == 1
                          else ": no term of yours matches them."))
    if extra:
        sentences.append("Your " + ("term " if len(extra) == 1 else "terms ") +
                         ", ".join(f"`{term}`" for term in extra) +
                         " match" + ("es" if len(extra) == 1 else "") +
                         f" no term of the {which}.")
    return " ".join(sentences)


def term_parts(f_text, wrt="x", order=1):
    """``[(term, derivative_of_term, first_derivative_or_None)]`` for each top-level term of
    ``f_text``: the ``order``-th derivative of the term alone, and (for ``order`` 2) its first
    derivative, the usual half-way slip."""
    from .practice import derivative_reference
    from tutor.expression import parse
    parts = []
    for term in split_terms(f_text):
        if wrt not in parse(term).variables:
            parts.append((term, lambda point: 0.0, None))
        else:
            first = derivative_reference(term, wrt, 1) if order > 1 else None
            parts.append((term, derivative_reference(term, wrt, order), first))
    return tuple(parts)
