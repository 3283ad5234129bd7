"""Random computation graphs built from :class:`kit.Node`, for the graph exercises.

A graph has a few leaves and some operation Nodes, each using one or two earlier Nodes (the
same one twice, as in ``x * x``, on purpose: that is fan-out). Some Nodes are not reachable
from the end Node, so an answer that returns "every Node I know of" fails. Names are handed
out in a shuffled order, so sorting by name is no shortcut to a topological order.
"""

import numpy as np

from .kit import Node


IN_PLACE = ("an adjoint was added to in place (`+=`). A step may hand back the very array it "
            "was given (add's VJP passes g on unchanged, and so does the transpose of a sum), "
            "so `+=` on one adjoint changes another's too. Add with `a + b`, which makes a new "
            "array.")


class LinearVJP:
    """A Node's ``vjp`` for checking: ``g -> (c0 * g, c1 * g, ...)``, counting its calls.

    Linear maps are enough to tell a correct backward pass from a wrong one, and the call
    count shows whether a Node passed its adjoint on more than once. A coefficient of 1
    hands back ``g`` itself, not a copy, as the VJP of ``add`` does: a backward pass that
    adds into an adjoint in place (``+=``) then changes another Node's adjoint too, and the
    check sees it.
    """

    def __init__(self, coefficients):
        self.coefficients = tuple(coefficients)
        self.calls = 0

    def __call__(self, g):
        self.calls += 1
        return tuple(g if coefficient == 1.0 else coefficient * g
                     for coefficient in self.coefficients)

    def __repr__(self):
        return f"LinearVJP{self.coefficients}"


def random_graph(rng, with_vjps=False):
    """``(end_node, nodes)``: a random graph; ``nodes`` in creation order."""
    leaf_count = int(rng.integers(1, 4))
    op_count = int(rng.integers(1, 9))
    names = [f"v{i}" for i in rng.permutation(leaf_count + op_count)]
    nodes = [Node(float(rng.integers(-3, 4)), None, (), None, names[i])
             for i in range(leaf_count)]
    for index in range(leaf_count, leaf_count + op_count):
        arity = 1 if rng.random() < 0.3 else 2
        parents = tuple(_pick_parent(rng, nodes) for _ in range(arity))
        if arity == 2 and rng.random() < 0.15:
            parents = (parents[0], parents[0])      # x * x: one parent, two edges
        vjp = None
        if with_vjps:
            vjp = LinearVJP(float(rng.integers(-4, 5)) / 2 or 1.0 for _ in parents)
        nodes.append(Node(float(rng.integers(-3, 4)), "op", parents, vjp, names[index]))
    return nodes[-1], nodes


def _pick_parent(rng, nodes):
    """Mostly recent Nodes (long chains), sometimes old ones (fan-out)."""
    if rng.random() < 0.6:
        return nodes[-1 - int(rng.integers(0, min(3, len(nodes))))]
    return nodes[int(rng.integers(0, len(nodes)))]


def reachable(end_node):
    """Every Node ``end_node`` depends on, itself included (a set, by identity)."""
    seen = {end_node}
    stack = [end_node]
    while stack:
        for parent in stack.pop().parents:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


def describe_graph(end_node, nodes):
    """``v4 = op(v1, v2); v1 = op(v0); ... (end: v4)`` for feedback."""
    parts = [f"{node.name} = op({', '.join(parent.name for parent in node.parents)})"
             for node in nodes if node.parents]
    leaves = [node.name for node in nodes if not node.parents]
    return f"{'; '.join(parts)}; leaves {', '.join(leaves)}; end node {end_node.name}"


def reference_adjoints(g, end_node):
    """The adjoint of every reachable Node: ``{node: adjoint}``, summed over all paths.

    Kept independent of any learner-facing code: count each Node's children, then pass a
    Node's adjoint on only once all of its children have contributed.
    """
    children = {node: 0 for node in reachable(end_node)}
    for node in children:
        for parent in node.parents:
            children[parent] += 1
    adjoints = {end_node: g}
    ready = [end_node]
    while ready:
        node = ready.pop()
        if not node.parents:
            continue
        for parent, contribution in zip(node.parents, node.vjp.coefficients):
            share = contribution * adjoints[node]
            adjoints[parent] = share if parent not in adjoints else adjoints[parent] + share
            children[parent] -= 1
            if children[parent] == 0:
                ready.append(parent)
    return adjoints


def reused_sum_graph(rng, x_twice_first=True):
    """``out = (x + y) + x`` (or ``x + (x + y)``): every VJP passes its adjoint on as it is,
    and ``x`` is reached twice. With an array seed this is where an in-place ``+=`` in the
    backward pass shows: it changes the seed, and with it ``y``'s adjoint."""
    names = [f"v{i}" for i in rng.permutation(4)]
    x = Node(float(rng.integers(-3, 4)), None, (), None, names[0])
    y = Node(float(rng.integers(-3, 4)), None, (), None, names[1])
    inner = Node(x.value + y.value, "op", (x, y), LinearVJP((1.0, 1.0)), names[2])
    parents = (inner, x) if x_twice_first else (x, inner)
    out = Node(inner.value + x.value, "op", parents, LinearVJP((1.0, 1.0)), names[3])
    return out, [x, y, inner, out]


def random_adjoint_seed(rng):
    """A scalar seed, or sometimes an array one (the contract does not care which)."""
    if rng.random() < 0.7:
        return float(rng.integers(1, 4))
    return np.round(rng.normal(size=int(rng.integers(2, 4))), 2)


def topological(end_node):
    """Reachable Nodes, each before its parents (the end Node first): the reference order."""
    order, visited = [], set()
    stack = [(end_node, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))
            stack.extend((parent, False) for parent in node.parents if parent not in visited)
    return order[::-1]
