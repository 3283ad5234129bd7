"""The small Node and Box classes the exercises of lessons 3-6 talk about.

The real ones live in :mod:`tutor.autograd.tracer`; these are the bare minimum a learner
builds first, so that an exercise can say exactly what it hands over and what it expects
back. A lesson may import them (``from tutor.exercises.kit import Node, Box``) or define its
own with the same attributes: the checker only looks at the attributes.

``Node(value, fun, parents, vjp=None, name=None)``
    ``value``    the number (or array) the operation produced;
    ``fun``      which operation made it (a name such as ``"mul"``, or the raw function);
    ``parents``  the Nodes of its inputs, in argument order (a leaf has none);
    ``vjp``      ``g -> tuple`` of contributions, one per parent, in the same order;
    ``name``     a label for printing (``"v3"``).

``Box(value, node)``
    wraps a value being traced together with its Node.
"""

from .compare import summarize


class Node:
    """One recorded operation in a computation graph (see the module docstring)."""

    def __init__(self, value, fun=None, parents=(), vjp=None, name=None):
        self.value = value
        self.fun = fun
        self.parents = tuple(parents)
        self.vjp = vjp
        self.name = name

    def __repr__(self):
        label = self.name or getattr(self.fun, "__name__", self.fun) or "leaf"
        return f"Node({label} = {summarize(self.value)})"


class Box:
    """A value being traced, and the Node that records where it came from."""

    def __init__(self, value, node):
        self.value = value
        self.node = node

    def __repr__(self):
        return f"Box({summarize(self.value)}, {self.node!r})"
