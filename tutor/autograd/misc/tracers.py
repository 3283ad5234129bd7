"""``const_graph``: trace once, then replay the recorded graph.

When a function always runs the same operations, only on different numbers (no ``if`` on the
values, no loops whose length depends on them), tracing it again on every call repeats work.
``const_graph(fun)`` traces it on the first call and keeps the graph of Nodes; later calls
feed new inputs through the same primitives, in the recorded order, without running
``fun``'s Python code again. Anything that did not depend on the inputs is kept as it was.
"""

from ..core import toposort
from ..tracer import Node, trace

__all__ = ["const_graph"]


def const_graph(fun, *args, **kwargs):
    """``fun`` with ``args``/``kwargs`` fixed (a partial), traced once and then replayed.

    The new positional arguments of each call come after ``args``; only they are traced.
    The function must not branch on its inputs' values: its graph is taken to be constant.
    """
    recorded = {}

    def replayed(*new_args):
        if not recorded:
            recorded.update(_record(fun, args, kwargs, new_args))
            return recorded["value"]
        return _replay(recorded, new_args)
    return replayed


def _record(fun, args, kwargs, new_args):
    roots = tuple(Node.new_root(value) for value in new_args)      # one input Node per argument
    value, end_node = trace(roots, lambda boxes: fun(*args, *boxes, **kwargs), tuple(new_args))
    traced = end_node is not None
    nodes = list(reversed(toposort(end_node))) if traced else []
    return {"roots": roots, "nodes": nodes, "value": value, "traced": traced}


def _replay(recorded, new_args):
    if not recorded["traced"]:
        return recorded["value"]
    values = dict(zip(recorded["roots"], new_args))
    for node in recorded["nodes"]:
        if not node.parents:
            continue
        node_args = list(node.args)
        for argnum, parent in zip(node.parent_argnums, node.parents):
            node_args[argnum] = values[parent]
        values[node] = node.fun(*node_args, **node.kwargs)
    return values[recorded["nodes"][-1]]
