"""Specification of tutor.graph: a Recording as a networkx graph, its layered layout, and
how every node and edge looks at each step."""

import networkx as nx
import numpy
import pytest

import tutor.autograd.numpy as np
from tutor.graph import (Layout, count_crossings, count_overlaps, layered_layout, layers,
                         look_at, look_changes, to_networkx)
from tutor.record import record


def f(x, y):
    return np.log(x**2) + y**2 + x*y


@pytest.fixture
def rec():
    return record(f, 1.0, 2.0)


# ------------------------------------------------------------------------------- graph

def test_nodes_carry_kind_primitive_symbol_value_label(rec):
    graph = to_networkx(rec)
    assert list(graph.nodes) == list(rec.nodes)
    assert graph.nodes["v0"]["kind"] == "input" and graph.nodes["v0"]["label"] == "x"
    assert graph.nodes["v2"]["kind"] == "constant" and graph.nodes["v2"]["value"] == 2
    product = graph.nodes["v8"]
    assert (product["kind"], product["primitive"], product["symbol"], product["value"]) == (
        "operation", "multiply", "×", 2.0)
    assert graph.nodes["v9"]["kind"] == "output" and graph.nodes["v9"]["text"] == "6.0"
    assert graph.graph["inputs"] == ("v0", "v1") and graph.graph["output"] == "v9"


def test_edges_point_forward_and_carry_argnum_and_vjp_formula(rec):
    graph = to_networkx(rec)
    assert graph.edges["v0", "v8"]["argnum"] == 0
    assert graph.edges["v0", "v8"]["formula"] == "g · y"
    assert graph.edges["v1", "v8"]["argnum"] == 1
    assert graph.edges["v1", "v8"]["formula"] == "g · x"
    assert graph.edges["v3", "v4"]["formula"] == "g / x"
    assert graph.edges["v2", "v3"]["formula"] == ""          # constants take no adjoint
    assert nx.is_directed_acyclic_graph(graph)
    assert graph.number_of_edges() == sum(len(info.parents) for info in rec.nodes.values())


def test_a_parent_used_twice_is_one_edge_with_both_argnums():
    graph = to_networkx(record(lambda x: x * x, 3.0))
    assert graph.number_of_edges() == 1
    edge = graph.edges["v0", "v1"]
    assert edge["argnums"] == (0, 1) and edge["formulas"] == ("g · y", "g · x")


@pytest.mark.parametrize("k", [0, 4, 6, 9, 15])
def test_the_look_at_step_k_follows_the_state(rec, k):
    look = look_at(rec, k)
    state = rec.state_at(k)
    for node_id, node in look.nodes.items():
        assert node.known == (node_id in state.values)
        assert node.derivative is state.adjoints.get(node_id)
    step = state.step
    used = sorted((edge.parent, edge.child) for edge in look.edges)
    statuses = {node_id: node.status for node_id, node in look.nodes.items()}
    if step is None:
        assert used == [] and "current" not in statuses.values()
    elif step.phase == "forward":
        assert used == sorted((p, step.node) for p in step.parents)
        assert statuses[step.node] == "current"
    else:
        assert used == [(step.parent, step.node)]
        assert statuses[step.node] == "current" and statuses[step.parent] == "receiving"
        assert look.edges[0].value is step.contribution


def test_statuses_follow_the_steps(rec):
    start = {node_id: node.status for node_id, node in look_at(rec, 0).nodes.items()}
    assert start["v0"] == "computed" and start["v2"] == "computed"    # inputs and constants
    assert start["v3"] == "pending"                                    # x**2 comes later
    nine = look_at(rec, 9).nodes                                       # v8 = x*y sends to x
    assert (nine["v8"].status, nine["v0"].status, nine["v9"].status) == (
        "current", "receiving", "adjoint")
    assert nine["v0"].derivative == 2.0 and nine["v3"].status == "computed"
    forward = record(f, 1.0, 2.0, mode="forward")
    five = look_at(forward, 5)
    assert five.nodes["v8"].status == "current" and five.nodes["v3"].status == "tangent"
    assert [(edge.kind, float(edge.value)) for edge in five.edges] == [("tangent", 2.0),
                                                                        ("tangent", 0.0)]


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_replaying_the_changes_gives_the_look_at_every_step(mode):
    rec = record(lambda x, y: x * x + np.sin(x * y), 0.5, 2.0, mode=mode)
    looks = dict(look_at(rec, 0).nodes)
    for k, changed in enumerate(look_changes(rec), start=1):
        assert changed, f"step {k} changed nothing"
        looks.update(changed)
        expected = look_at(rec, k).nodes
        for node_id, node in expected.items():
            assert node.status == looks[node_id].status, (k, node_id)
            assert node.value is looks[node_id].value and node.known == looks[node_id].known
            assert node.derivative is looks[node_id].derivative, (k, node_id)


# ------------------------------------------------------------------------------ layout

PLANAR = {
    "fan-out": (lambda x: x * x + np.sin(x), (0.5,)),
    "shared input": (lambda x: np.exp(np.sin(x) * np.cos(x)) + np.tanh(x**3) * x, (1.0,)),
    "tree": (lambda x, y, z: np.sin(x) * np.cos(y) + np.exp(z), (1.0, 2.0, 3.0)),
    "layer": (lambda W, b, x: np.sum(np.tanh(W @ x + b) ** 2),
              (numpy.ones((3, 3)), numpy.ones(3), numpy.ones(3))),
    "chain": (lambda x: _chain(x, 12), (0.3,)),
}


def _chain(x, n):
    for _ in range(n):
        x = np.sin(x) + x * 0.5
    return x


def _drawn(fun, args):
    graph = to_networkx(record(fun, *args))
    return graph, layered_layout(graph)


def test_a_layout_is_integer_columns_rows_and_routes(rec):
    layout = layered_layout(to_networkx(rec))
    assert isinstance(layout, Layout) and (layout.width, layout.height) == (5, 4)
    assert all(isinstance(value, int) for value in [*layout.columns.values(),
                                                    *layout.rows.values()])
    # the two long edges pass through free slots of the columns between their ends
    assert set(layout.routes) == {("v6", "v7"), ("v8", "v9")}
    taken = set(layout.positions.values())
    for (parent, child), points in layout.routes.items():
        assert [column for column, _ in points] == list(
            range(layout.columns[parent] + 1, layout.columns[child]))
        assert not taken & set(points)


@pytest.mark.parametrize("name", sorted(PLANAR))
def test_known_graphs_draw_without_crossings(name):
    graph, pos = _drawn(*PLANAR[name])
    assert count_crossings(graph, pos) == 0
    assert count_overlaps(graph, pos) == 0


def test_seed_f_draws_with_the_fewest_crossings_possible(rec):
    """One crossing, and no drawing with the inputs left and the output right has fewer.

    The cycle x → x² → log → (+) ← y² ← y → x·y ← x holds the output's two parents,
    (+) and x·y. The output, rightmost, lies outside the cycle, so its two edges close
    one of the cycle's halves (the one through x or the one through y) off from the outer
    face, unless they cross something. But x and y are both leftmost, so both must be on
    the outer face.
    """
    graph = to_networkx(rec)
    layout = layered_layout(graph)
    assert count_crossings(graph, layout) == 1
    assert count_overlaps(graph, layout) == 0


def test_inputs_left_output_right_edges_left_to_right(rec):
    graph = to_networkx(rec)
    column = layered_layout(graph).columns
    assert set(column) == set(graph.nodes)
    assert column["v0"] == column["v1"] == 0
    assert column["v9"] == max(column.values())
    for parent, child in graph.edges:
        assert column[parent] < column[child]
    assert column["v2"] == column["v3"] - 1          # a constant sits just before its use


def test_nodes_in_a_column_take_a_row_each():
    graph, layout = _drawn(*PLANAR["layer"])
    by_column = {}
    for column, row in layout.positions.values():
        by_column.setdefault(column, []).append(row)
    for rows in by_column.values():
        assert len(set(rows)) == len(rows)


def test_layout_is_deterministic(rec):
    first = layered_layout(to_networkx(rec))
    assert layered_layout(to_networkx(rec)) == first
    assert layered_layout(to_networkx(record(f, 1.0, 2.0))) == first


def test_unstraightened_columns_are_spread_evenly(rec):
    # one row each, centred; a long edge passing through a column keeps a row free
    layout = layered_layout(to_networkx(rec), straighten=False)
    by_column = {}
    for column, row in layout.positions.values():
        by_column.setdefault(column, []).append(row)
    assert sorted(by_column[0]) == [0, 1, 2, 3]                  # x, y and two constants
    assert sorted(by_column[1]) == [1, 2, 3]
    assert layout.positions["v9"] == (4, 2)


def test_layers_put_constants_just_before_their_consumer_and_lonely_output_last():
    graph = to_networkx(record(lambda x: np.sin(x) * 3.0 + 1.0, 0.5))
    column = layers(graph)
    for node, attributes in graph.nodes(data=True):
        if attributes["kind"] == "constant":
            (consumer,) = graph.successors(node)
            assert column[node] == column[consumer] - 1
    constant_output = to_networkx(record(lambda x, y: 3.0, 1.0, 2.0))
    column = layers(constant_output)
    assert column["v2"] == 1 and column["v0"] == column["v1"] == 0


def test_layout_of_plain_networkx_graphs():
    graph = nx.DiGraph([("a", "c"), ("b", "c"), ("a", "d"), ("c", "e"), ("d", "e")])
    layout = layered_layout(graph)
    assert [layout.columns[n] for n in "abcde"] == [0, 0, 1, 1, 2]
    assert count_crossings(graph, layout) == 0
    assert layered_layout(nx.DiGraph()) == Layout({}, {}, {})
    with pytest.raises(ValueError, match="cycles"):
        layered_layout(nx.DiGraph([("a", "b"), ("b", "a")]))


def test_crossing_reduction_untangles_a_scrambled_ladder():
    # two chains a0→a1→..., b0→b1→..., inserted so the naive order alternates them wrongly
    graph = nx.DiGraph()
    for i in range(6):
        graph.add_edge(f"a{i}", f"a{i + 1}")
        graph.add_edge(f"b{i}", f"b{i + 1}")
        if i % 2:
            graph.add_edge(f"a{i}", f"b{i + 1}")
    graph = nx.DiGraph(sorted(graph.edges, key=lambda edge: edge[1][::-1]))
    assert count_crossings(graph, layered_layout(graph)) == 0


def test_a_thousand_node_recording_lays_out_completely():
    rec = record(lambda x, y: _chain(x, 180) * y, 0.3, 0.7)
    graph = to_networkx(rec)
    assert graph.number_of_nodes() > 700
    column = layered_layout(graph).columns
    assert set(column) == set(graph.nodes)
    assert all(column[parent] < column[child] for parent, child in graph.edges)
    assert column[rec.output] == max(column.values())


# ----------------------------------------------------------------------- count_crossings

def test_count_crossings_on_hand_made_drawings():
    graph = nx.DiGraph([("a", "d"), ("b", "c")])
    assert count_crossings(graph, {"a": (0, 1), "b": (0, 0), "c": (1, 1), "d": (1, 0)}) == 1
    assert count_crossings(graph, {"a": (0, 1), "b": (0, 0), "c": (1, 0), "d": (1, 1)}) == 0
    shared = nx.DiGraph([("a", "c"), ("b", "c")])      # meeting at an end is not crossing
    assert count_crossings(shared, {"a": (0, 1), "b": (0, -1), "c": (1, 0)}) == 0


def test_count_overlaps_finds_an_edge_through_a_node():
    graph = nx.DiGraph([("a", "b")])
    graph.add_node("m")
    assert count_overlaps(graph, {"a": (0, 0), "b": (2, 0), "m": (1, 0)}) == 1
    assert count_overlaps(graph, {"a": (0, 0), "b": (2, 0), "m": (1, 1)}) == 0
