"""Containers: grad with respect to lists, tuples, dicts and nests of them.

The gradient of a function of a container has the container's structure, entry by entry:
the property tests below draw random nests of arrays, differentiate a function that reads
every entry, and compare each entry of the gradient with the formula and with finite
differences. Then: the traced constructors (list, tuple, dict), isinstance, second
derivatives through containers, forward mode, and functions that return containers.
"""

import numpy as onp
import pytest
from hypothesis import given, settings, strategies as st

import tutor.autograd.numpy as np
from tutor.autograd import dict as traced_dict
from tutor.autograd import grad, hessian, isinstance as traced_isinstance, make_jvp, make_vjp
from tutor.autograd import list as traced_list
from tutor.autograd import tuple as traced_tuple
from tutor.autograd.builtins import SequenceBox, container_take
from tutor.autograd.core import vspace
from tutor.autograd.test_util import check_grads

# ----------------------------------------------------------- random nests of arrays

shapes = st.sampled_from([(), (2,), (3,), (2, 2)])
arrays = st.builds(lambda shape, seed: onp.random.default_rng(seed).standard_normal(shape),
                   shapes, st.integers(0, 2 ** 16))
numbers = st.floats(-2.0, 2.0)                      # Python floats are entries too
nests = st.recursive(
    st.one_of(arrays, numbers),
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=3),
        st.lists(children, min_size=1, max_size=3).map(tuple),
        st.dictionaries(st.sampled_from("abcd"), children, min_size=1, max_size=3)),
    max_leaves=6)


def entries(nest):
    """The arrays of a nest, in order (dicts by sorted key), reading through Boxes."""
    if traced_isinstance(nest, dict):
        return [leaf for key in sorted(nest.keys()) for leaf in entries(nest[key])]
    if traced_isinstance(nest, (list, tuple)):
        return [leaf for i in range(len(nest)) for leaf in entries(nest[i])]
    return [nest]


def weighted_sines(nest):
    """A scalar reading every entry: Σₖ (k + 1) · Σ sin(entryₖ)."""
    return sum((k + 1.0) * np.sum(np.sin(leaf)) for k, leaf in enumerate(entries(nest)))


def same_structure(a, b):
    if isinstance(a, dict):
        return isinstance(b, dict) and set(a) == set(b) and all(
            same_structure(a[key], b[key]) for key in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(
            same_structure(x, y) for x, y in zip(a, b))
    return onp.shape(a) == onp.shape(b)


@settings(max_examples=40, deadline=None)
@given(nests)
def test_the_gradient_has_the_structure_of_the_input_and_the_right_entries(nest):
    gradient = grad(weighted_sines)(nest)
    assert same_structure(nest, gradient)
    for k, (leaf, leaf_gradient) in enumerate(zip(entries(nest), entries(gradient))):
        assert onp.allclose(leaf_gradient, (k + 1.0) * onp.cos(leaf))


@settings(max_examples=15, deadline=None)
@given(nests)
def test_gradients_of_nests_agree_with_finite_differences_in_both_modes(nest):
    check_grads(weighted_sines, modes=["fwd", "rev"], order=2)(nest)


@settings(max_examples=25, deadline=None)
@given(nests)
def test_a_nest_is_a_vector_space(nest):
    space = vspace(nest)
    x, y = space.randn(), space.randn()
    assert same_structure(nest, space.zeros()) and same_structure(nest, space.add(x, y))
    assert onp.isclose(space.inner_prod(space.add(x, y), x),
                       space.inner_prod(x, x) + space.inner_prod(y, x))
    assert onp.isclose(space.inner_prod(space.scalar_mul(x, 3.0), y), 3 * space.inner_prod(x, y))
    assert len(list(space.standard_basis())) == space.size
    assert sum(space.inner_prod(unit, x) ** 2 for unit in space.standard_basis()) == \
        pytest.approx(space.inner_prod(x, x))


# ------------------------------------------------------- a network's parameters

def relu_net(params, inputs):
    for W, b in params[:-1]:
        inputs = np.tanh(inputs @ W + b)
    W, b = params[-1]
    return inputs @ W + b


def test_grad_of_a_list_of_weight_bias_tuples_has_that_structure():
    rng = onp.random.default_rng(0)
    params = [(rng.standard_normal((3, 4)), rng.standard_normal(4)),
              (rng.standard_normal((4, 1)), rng.standard_normal(1))]
    inputs, targets = rng.standard_normal((5, 3)), rng.standard_normal((5, 1))
    loss = lambda params: np.mean((relu_net(params, inputs) - targets) ** 2)
    gradient = grad(loss)(params)
    assert isinstance(gradient, list) and all(isinstance(layer, tuple) for layer in gradient)
    assert [g.shape for layer in gradient for g in layer] == [(3, 4), (4,), (4, 1), (1,)]
    check_grads(loss, modes=["fwd", "rev"], order=1)(params)


def test_grad_of_a_dict_of_parameters_is_a_dict_with_zeros_for_unused_keys():
    params = {"W1": onp.ones((2, 2)), "b1": onp.array([0.5, -0.5]), "unused": onp.ones(3)}
    loss = lambda p: np.sum(np.tanh(p["W1"] @ onp.array([1.0, 2.0]) + p["b1"]))
    gradient = grad(loss)(params)
    assert set(gradient) == {"W1", "b1", "unused"}
    assert onp.all(gradient["unused"] == 0) and gradient["unused"].shape == (3,)
    check_grads(loss, modes=["fwd", "rev"], order=2)(params)


def test_dict_methods_inside_a_trace():
    def f(d):
        total = d.get("missing", 0.0)
        for key, value in d.items():
            total = total + np.sum(value ** 2)
        for value in d.values():
            total = total + np.sum(value)
        assert "a" in d and len(d) == 2 and sorted(d) == ["a", "b"]
        return total
    d = {"a": onp.array([1.0, 2.0]), "b": 3.0}
    gradient = grad(f)(d)
    assert onp.allclose(gradient["a"], 2 * d["a"] + 1) and gradient["b"] == pytest.approx(7.0)


# ------------------------------------------------------------- traced constructors

def test_list_tuple_and_dict_build_traced_containers_from_boxes():
    def f(x):
        pair = traced_tuple((x, x ** 2))
        listed = traced_list([x, 3.0 * x])
        named = traced_dict(first=pair[1], second=listed[1])
        assert traced_isinstance(pair, tuple) and traced_isinstance(listed, traced_list)
        assert traced_isinstance(named, dict)
        return named["first"] + named["second"]
    assert grad(f)(2.0) == pytest.approx(2 * 2.0 + 3.0)
    check_grads(f, modes=["fwd", "rev"], order=2)(1.5)


def test_without_boxes_the_constructors_are_the_builtins():
    assert traced_list((1, 2)) == [1, 2] and type(traced_list((1, 2))) is list
    assert traced_tuple([1]) == (1,) and traced_dict(a=1) == {"a": 1}
    assert traced_dict() == {} and traced_dict([("k", 2)]) == {"k": 2}


def test_slices_concatenation_and_unpacking_of_a_traced_list():
    def f(values):
        head, *rest = values
        joined = values[1:] + [head]
        return head * joined[-1] + np.sum(np.array(rest)) * len(joined)
    gradient = grad(f)([1.0, 2.0, 3.0])
    assert gradient == pytest.approx([2.0 + 0.0, 3.0, 3.0])


def test_a_function_returning_a_container_has_a_container_adjoint():
    def f(x):
        return traced_list([np.sin(x), traced_dict(square=x ** 2)])
    vjp, value = make_vjp(f)(0.5)
    assert vjp([1.0, {"square": 0.0}]) == pytest.approx(onp.cos(0.5))
    assert vjp([0.0, {"square": 1.0}]) == pytest.approx(1.0)
    _, tangent = make_jvp(f)(0.5)(1.0)
    assert tangent[0] == pytest.approx(onp.cos(0.5)) and tangent[1]["square"] == pytest.approx(1.0)


def test_second_derivatives_through_containers():
    def inner(pair):
        return pair[0] * pair[1] ** 2
    def outer(x):
        return np.sum(np.array(grad(inner)(traced_tuple((x, 2.0 * x)))))
    # grad(inner) at (x, 2x) is (4x², 4x²), so outer(x) = 8x² and outer'(x) = 16x.
    assert grad(outer)(1.5) == pytest.approx(24.0)
    assert hessian(lambda v: inner([v[0], v[1]]))(onp.array([1.0, 2.0])) == pytest.approx(
        onp.array([[0.0, 4.0], [4.0, 2.0]]))


def test_container_take_is_the_recorded_primitive():
    seen = []
    def f(values):
        seen.append(type(values))
        return values[0] * 2.0
    grad(f)([1.0, 2.0])
    assert seen == [SequenceBox] and container_take.vjps and container_take.jvps


def test_a_plain_tuple_or_dict_of_boxes_returned_by_a_function_is_traced_whole():
    vjp, value = make_vjp(lambda x: (x, {"square": x ** 2}))(3.0)
    assert value == (3.0, {"square": 9.0})
    assert vjp((1.0, {"square": 1.0})) == pytest.approx(1.0 + 6.0)
    _, tangent = make_jvp(lambda x: [np.sin(x), x])(0.0)(1.0)
    assert tangent == pytest.approx([1.0, 1.0])
    check_grads(lambda x: (np.sin(x), [x * 2.0]), modes=["fwd", "rev"], order=2)(0.3)


# --------------------------------------------------- numpy functions of lists of Boxes

def test_reductions_and_norms_of_lists_holding_boxes():
    assert grad(lambda x: np.mean([x, x + 2.0]))(0.0) == pytest.approx(1.0)
    assert grad(lambda x: np.std((x, 3.0 * x)))(1.0) == pytest.approx(1.0)
    assert grad(lambda x: np.var([x, 3.0 * x]))(1.0) == pytest.approx(2.0)
    assert grad(lambda x: np.linalg.norm([x, x + 2.0]))(0.0) == pytest.approx(1.0)
    check_grads(lambda x, y: np.mean([x, y * x, np.sin(y)], axis=0),
                modes=["fwd", "rev"], order=2)(onp.array([0.5, 1.0]), onp.array([2.0, -1.0]))


def test_stack_concatenate_and_array_of_a_traced_list():
    def f(values):
        stacked = np.stack(values)
        joined = np.concatenate(values)
        return np.sum(stacked ** 2) + np.sum(joined) + np.sum(np.array(values)[1])
    values = [onp.array([1.0, 2.0]), onp.array([3.0, 4.0])]
    gradient = grad(f)(values)
    assert onp.allclose(gradient[0], 2 * values[0] + 1) and onp.allclose(gradient[1],
                                                                         2 * values[1] + 2)


def test_r_and_c_glue_boxes_constants_and_ranges():
    constant = onp.array([5.0, 6.0])
    def f(x):
        return np.r_[x, constant, 1:3, x[0]]
    value = f(onp.array([1.0, 2.0]))
    assert value.tolist() == [1.0, 2.0, 5.0, 6.0, 1.0, 2.0, 1.0]
    check_grads(f, modes=["fwd", "rev"], order=2)(onp.array([1.0, 2.0]))
    columns = lambda x: np.c_[x, constant, 2.0 * x]
    assert columns(onp.array([1.0, 2.0])).shape == (2, 3)
    check_grads(columns, modes=["fwd", "rev"], order=2)(onp.array([1.0, 2.0]))
    assert onp.r_[1:3, 7].tolist() == np.r_[1:3, 7].tolist()       # without Boxes: numpy's


def test_split_returns_a_traced_list_whose_pieces_differentiate():
    def f(x):
        top, bottom = np.split(x, 2)
        left, right = np.hsplit(x, [1])
        return np.sum(top * bottom) + np.sum(left) * np.sum(right ** 2)
    x = onp.arange(1.0, 9.0).reshape(4, 2)
    check_grads(f, modes=["fwd", "rev"], order=2)(x)
    pieces = lambda x: np.array_split(x, 3)
    vjp, value = make_vjp(pieces)(onp.arange(5.0))
    assert [len(piece) for piece in value] == [2, 2, 1]
    assert vjp([onp.ones(2), onp.zeros(2), 2 * onp.ones(1)]).tolist() == [1, 1, 0, 0, 2]


def test_changing_a_container_being_differentiated_says_what_to_do_instead():
    with pytest.raises(TypeError, match=r"(?s)list being differentiated.*params \+ \[value\]"):
        grad(lambda params: params.append(1.0) or params[0])([1.0])
    with pytest.raises(TypeError, match=r"(?s)dict being differentiated.*dict\(params"):
        grad(lambda params: params.update(b=2.0) or params["a"])({"a": 1.0})

    def assign(params):
        params["a"] = 2.0
    with pytest.raises(TypeError, match="item assignment"):
        grad(assign)({"a": 1.0})
