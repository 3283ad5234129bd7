"""How the tutor writes values: one rule for each thing (tutor.notation)."""

import math

import numpy
import pytest

from tutor.notation import (SMALL_ARRAY, edge_label, heat, is_small, number_text, shape_text,
                            typed_text, unknown_lines, value_lines, value_text)


@pytest.mark.parametrize("value, text", [
    (2.0, "2.0"), (math.log(2), "0.6931"), (2, "2"), (-0.5, "-0.5"), (1e-7, "1e-07"),
    (numpy.float64(4.0), "4.0"), (numpy.array(1.5), "1.5"), (True, "True"),
    (float("nan"), "nan"), (numpy.zeros((0,)), "[]"), (-0.0, "0.0"), (None, "None"),
    ((1.0, 2), "(1.0, 2)"), ([0.5], "[0.5]"), ({"W": 1.0}, "{'W': 1.0}"),
])
def test_value_text(value, text):
    assert value_text(value) == text


def test_small_arrays_are_written_out_and_big_ones_by_shape_and_range():
    assert value_text(numpy.arange(4.0)) == "[0.0, 1.0, 2.0, 3.0]"
    assert value_text(numpy.eye(2)) == "[[1.0, 0.0], [0.0, 1.0]]"
    assert value_text(numpy.array([-0.0])) == "[0.0]"
    assert value_text(numpy.arange(12.0).reshape(3, 4)).count(",") == 11     # 12: small
    assert value_text(numpy.full((3, 5), 0.41)) == "3×5 array (min 0.41, max 0.41)"
    assert is_small(numpy.ones(SMALL_ARRAY)) and not is_small(numpy.ones(SMALL_ARRAY + 1))
    assert not is_small(numpy.ones((1, 2, 2))) and not is_small(2.0)


def test_answers_and_typed_numbers():
    assert number_text(4.0) == "4" and number_text(numpy.float64(-2.0)) == "-2"
    assert number_text(0.1 + 0.2) == "0.3" and number_text(float("nan")) == "nan"
    assert typed_text(-0.0) == "0" and typed_text(0.5) == "0.5"
    assert typed_text(numpy.array([[1.0, 2.0], [3.0, 0.25]])) == "[[1, 2], [3, 0.25]]"


def test_typed_text_of_numbers_that_are_not_finite():
    assert [typed_text(number) for number in (math.nan, math.inf, -math.inf)] == [
        "nan", "inf", "-inf"]
    assert typed_text(numpy.array([1.0, numpy.nan, -numpy.inf])) == "[1, nan, -inf]"


def test_shapes_are_written_with_a_times_sign():
    assert (shape_text((2, 3)), shape_text((3,)), shape_text(())) == ("2×3", "3", "scalar")


def test_a_node_shows_every_element_of_a_small_array_rows_as_rows():
    assert value_lines("v3", 2.0) == ["v3 = 2.0"]
    assert value_lines("v1", numpy.array([1.0, 2.5, -0.0])) == ["v1 (3) = [1.0, 2.5, 0.0]"]
    assert value_lines("ḡ", numpy.array([[0.2162, 0.4323], [0.03238, 0.06477]])) == [
        "ḡ (2×2) =", "[0.2162, 0.4323]", "[0.03238, 0.06477]"]
    long = value_lines("x", numpy.arange(12.0))
    assert long == ["x (12) = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0,", " 6.0, 7.0, 8.0, 9.0, 10.0, 11.0]"]
    assert value_lines("W", numpy.arange(16.0).reshape(4, 4)) == ["W: 4×4", "min 0.0, max 15.0"]
    assert unknown_lines("v3", numpy.ones((2, 3))) == ["v3 (2×3) = ?"]
    assert unknown_lines("v3", 1.0) == ["v3 = ?"]


def test_a_heatmap_is_at_most_16_by_16_from_minus_10_to_10():
    grid = heat(numpy.arange(-20.0, 20.0).reshape(40, 1) * numpy.ones((1, 30)))
    assert (grid["rows"], grid["columns"]) == (16, 16)
    assert len(grid["cells"]) == 256 and min(grid["cells"]) >= -10 and max(grid["cells"]) == 10
    assert heat(numpy.array([[1.0, -2.0]]))["cells"] == [5, -10]
    assert heat(3.0) is None and heat(numpy.zeros(0)) is None


def test_an_edge_is_labelled_by_value_or_by_shape_never_by_size():
    assert edge_label(0.5403) == "+0.5403" and edge_label(-2.0) == "-2.0"
    assert edge_label(numpy.array([-0.9333, -1.933, -2.933])) == "3-vector"
    assert edge_label(numpy.ones((2, 2))) == "2×2 matrix"
    assert edge_label(numpy.ones(3), ("rows", (2, 3), (3,))) == "Σ rows → 3-vector"
    assert edge_label(numpy.ones(()), ("all elements", (3,), ())) == "Σ all elements → number"
