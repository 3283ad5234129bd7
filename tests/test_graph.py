"""Specification of tutor.graph: a Recording as a networkx graph, and its layered layout."""

import networkx as nx
import numpy
import pytest

import tutor.autograd.numpy as np
from tutor.graph import (attach_state, count_crossings, count_overlaps, layered_layout, layers,
                         to_networkx)
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
def test_state_at_k_attached(rec, k):
    graph = to_networkx(rec, k=k)
    state = rec.state_at(k)
    for node_id, attributes in graph.nodes(data=True):
        assert attributes["known"] == (node_id in state.values)
        assert attributes["adjoint"] == state.adjoints.get(node_id)
    assert graph.graph["k"] == k and graph.graph["phase"] == state.phase
    active = [edge for edge in graph.edges if graph.edges[edge]["active"]]
    if state.step is None:
        assert active == [] and not any(graph.nodes[n]["current"] for n in graph)
    elif state.step.phase == "forward":
        assert sorted(active) == sorted((p, state.step.node) for p in state.step.parents)
        assert graph.nodes[state.step.node]["current"]
    else:
        assert active == [(state.step.parent, state.step.node)]
        assert graph.nodes[state.step.parent]["current"]


def test_attach_state_updates_in_place(rec):
    graph = to_networkx(rec)
    assert attach_state(graph, rec, rec.steps) is graph
    assert graph.nodes["v0"]["adjoint"] == 4.0 and graph.nodes["v1"]["adjoint"] == 5.0
    attach_state(graph, rec, 0)
    assert graph.nodes["v0"]["adjoint"] is None and not graph.nodes["v3"]["known"]


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
    pos = layered_layout(graph)
    assert count_crossings(graph, pos) == 1
    assert count_overlaps(graph, pos) == 0


def test_inputs_left_output_right_edges_left_to_right(rec):
    graph = to_networkx(rec)
    pos = layered_layout(graph)
    assert set(pos) == set(graph.nodes)
    assert pos["v0"][0] == pos["v1"][0] == 0.0
    assert pos["v9"][0] == max(x for x, _ in pos.values())
    for parent, child in graph.edges:
        assert pos[parent][0] < pos[child][0]
    assert pos["v2"][0] == pos["v3"][0] - 1          # a constant sits just before its use


def test_nodes_in_a_column_keep_at_least_unit_gaps():
    graph, pos = _drawn(*PLANAR["layer"])
    by_column = {}
    for x, y in pos.values():
        by_column.setdefault(x, []).append(y)
    for heights in by_column.values():
        heights.sort()
        assert all(b - a >= 1 - 1e-9 for a, b in zip(heights, heights[1:]))


def test_layout_is_deterministic(rec):
    first = layered_layout(to_networkx(rec))
    assert layered_layout(to_networkx(rec)) == first
    assert layered_layout(to_networkx(record(f, 1.0, 2.0))) == first


def test_unstraightened_columns_are_spread_evenly(rec):
    # slots 1 apart, centred on 0; a long edge passing through a column keeps a slot free
    pos = layered_layout(to_networkx(rec), straighten=False)
    by_column = {}
    for x, y in pos.values():
        by_column.setdefault(x, []).append(y)
    assert sorted(by_column[0.0]) == [-1.5, -0.5, 0.5, 1.5]      # x, y and two constants
    assert sorted(by_column[1.0]) == [-1.0, 0.0, 1.0]
    for heights in by_column.values():
        assert all((2 * y) % 1 == 0 for y in heights)
    assert pos["v9"] == (4.0, 0.0)


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
    pos = layered_layout(graph)
    assert [pos[n][0] for n in "abcde"] == [0.0, 0.0, 1.0, 1.0, 2.0]
    assert count_crossings(graph, pos) == 0
    assert layered_layout(nx.DiGraph()) == {}
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
    pos = layered_layout(graph)
    assert count_crossings(graph, pos) == 0


def test_a_thousand_node_recording_lays_out_completely():
    rec = record(lambda x, y: _chain(x, 180) * y, 0.3, 0.7)
    graph = to_networkx(rec)
    assert graph.number_of_nodes() > 700
    pos = layered_layout(graph)
    assert set(pos) == set(graph.nodes)
    assert all(pos[parent][0] < pos[child][0] for parent, child in graph.edges)
    assert pos[rec.output][0] == max(x for x, _ in pos.values())


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
