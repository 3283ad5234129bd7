"""tutor.autograd.misc: flatten, the optimizers, const_graph.

flatten must be a faithful round trip and traceable both ways; the optimizers must train a
small model written the way HIPS autograd's examples write it (a list of (W, b) layers, a
``callback``); const_graph must replay a recorded graph without running Python again.
"""

import numpy as onp
import pytest

import tutor.autograd.numpy as np
from tutor.autograd import grad, make_vjp
from tutor.autograd.extend import primitive
from tutor.autograd.misc import const_graph, flatten
from tutor.autograd.misc.optimizers import adam, rmsprop, sgd
from tutor.autograd.test_util import check_grads


def randn(*shape, seed=0):
    return onp.random.default_rng(seed).standard_normal(shape)


# ------------------------------------------------------------------------ flatten

def test_flatten_lays_entries_out_in_order_and_unflatten_rebuilds_them():
    value = (1.0, randn(2, 3), [randn(1, 4), {"y": randn(4, 2), "x": 2.0}], ())
    vector, unflatten = flatten(value)
    assert vector.shape == (1 + 6 + 4 + 1 + 8,)
    assert vector[0] == 1.0 and vector[11] == 2.0            # dicts go by sorted key: x first
    rebuilt = unflatten(vector)
    assert isinstance(rebuilt, tuple) and isinstance(rebuilt[2], list)
    assert rebuilt[3] == () and onp.all(flatten(rebuilt)[0] == vector)
    assert onp.allclose(rebuilt[2][1]["y"], value[2][1]["y"])


def test_flatten_of_numbers_and_complex_values():
    numbers = (1.0, 2.0, [3.0, {"x": 2.0, "y": 4.0}])
    vector, unflatten = flatten(numbers)
    assert vector.tolist() == [1.0, 2.0, 3.0, 2.0, 4.0] and unflatten(vector) == numbers
    vector, unflatten = flatten(1 + 1j)
    assert unflatten(vector) == 1 + 1j


def test_flatten_and_unflatten_are_traced():
    def total(x, y):
        vector, _ = flatten([x, {"y": y}])
        return np.sum(vector ** 2)
    assert grad(total)(1.0, 2.0) == pytest.approx(2.0)
    assert onp.allclose(grad(total, 1)(1.0, onp.array([1.0, 3.0])), [2.0, 6.0])
    _, unflatten = flatten({"W": randn(2, 2), "b": randn(2)})
    check_grads(lambda v: np.sum(np.tanh(unflatten(v)["W"]) @ unflatten(v)["b"]),
                modes=["fwd", "rev"], order=2)(randn(6, seed=1))


def test_flatten_func_makes_a_function_of_a_nest_a_function_of_a_vector():
    from tutor.autograd.misc import flatten_func
    params = {"W": randn(2, 2), "b": randn(2, seed=1)}
    objective = lambda params, scale: scale * np.sum(np.tanh(params["W"]) + params["b"])
    flat_objective, unflatten, flat_params = flatten_func(objective, params)
    assert flat_params.shape == (6,)
    assert flat_objective(flat_params, 2.0) == pytest.approx(objective(params, 2.0))
    gradient = unflatten(grad(flat_objective)(flat_params, 2.0))
    assert onp.allclose(gradient["W"], grad(objective)(params, 2.0)["W"])


def test_the_vjp_of_unflatten_is_flatten():
    value = [randn(3), (2.5, randn(2, 2))]
    vector, unflatten = flatten(value)
    vjp, _ = make_vjp(unflatten)(vector)
    assert onp.allclose(vjp(value), vector)


# --------------------------------------------------------------------- optimizers

def init_params(sizes, seed=0):
    rng = onp.random.default_rng(seed)
    return [(0.5 * rng.standard_normal((m, n)), 0.1 * rng.standard_normal(n))
            for m, n in zip(sizes[:-1], sizes[1:])]


def predict(params, inputs):
    for W, b in params:
        outputs = inputs @ W + b
        inputs = np.tanh(outputs)
    return outputs


inputs = onp.linspace(-2, 2, 40).reshape(-1, 1)
targets = onp.sin(inputs)


def loss(params, iteration=0):
    return np.mean((predict(params, inputs) - targets) ** 2)


@pytest.mark.parametrize("optimizer, settings", [
    (adam, dict(step_size=0.05, num_iters=400)),
    (rmsprop, dict(step_size=0.01, num_iters=400)),
    (sgd, dict(step_size=0.5, num_iters=400)),
])
def test_each_optimizer_trains_a_small_network_with_a_callback(optimizer, settings):
    params = init_params([1, 8, 1])
    seen = []

    def callback(params, iteration, gradient):
        assert isinstance(params, list) and isinstance(gradient[0], tuple)
        seen.append(iteration)

    trained = optimizer(grad(loss), params, callback=callback, **settings)
    assert seen == list(range(settings["num_iters"]))
    assert isinstance(trained, list) and trained[0][0].shape == (1, 8)
    assert loss(trained) < 0.25 * loss(params)


def test_adam_takes_steps_of_about_step_size_at_first():
    gradient = lambda x, i: onp.array([1e-3, 1e3])
    after_one = adam(gradient, onp.zeros(2), num_iters=1, step_size=0.1)
    assert onp.allclose(after_one, [-0.1, -0.1], rtol=1e-4)


def test_sgd_without_momentum_is_gradient_descent():
    after = sgd(lambda x, i: 2 * x, onp.array([1.0]), num_iters=3, step_size=0.25, mass=0.0)
    assert after == pytest.approx([0.125])


def test_optimizers_take_dict_parameters():
    trained = adam(grad(lambda p, i: np.sum((p["w"] - 3.0) ** 2)), {"w": onp.zeros(2)},
                   num_iters=500, step_size=0.1)
    assert onp.allclose(trained["w"], 3.0, atol=1e-2)


# --------------------------------------------------------------------- const_graph

def test_const_graph_records_once_and_replays():
    calls = []

    @primitive
    def noted(value, name):
        calls.append(name)
        return value

    def f(x, y, z):
        return noted(x, "x") * 2.0 + noted(y, "y") * noted(z, "z")

    fast = const_graph(f, 1.0, z=3.0)
    assert fast(2.0) == f(1.0, 2.0, 3.0)
    calls.clear()
    assert fast(5.0) == pytest.approx(f(1.0, 5.0, 3.0))
    assert calls == ["y", "x", "y", "z"]    # replay: only the step that depends on y, then f


def test_const_graph_replays_a_gradient_computation():
    def slope(x, y):
        return grad(lambda x: np.sin(x) + x * 2.0)(x * y)
    fast = const_graph(slope)
    for x, y in [(0.0, 0.0), (1.0, 0.5), (2.0, 1.5)]:
        assert fast(x, y) == pytest.approx(slope(x, y))


# ----------------------------------------------------------------- primitive_vjps

def test_primitive_vjps_takes_a_vjp_away_and_puts_it_back():
    from tutor.autograd.core import MissingVJPError, primitive_vjps
    assert np.sin in primitive_vjps and np.iscomplex not in primitive_vjps
    table = primitive_vjps.pop(np.sin)
    try:
        with pytest.raises(MissingVJPError, match="sin"):
            grad(np.sin)(1.0)
    finally:
        primitive_vjps[np.sin] = table
    assert grad(np.sin)(0.0) == 1.0
    assert primitive_vjps.pop(np.iscomplex, None) is None


# ------------------------------------------------------------------- fixed_point

def test_fixed_point_is_differentiated_through_its_identity_in_both_modes():
    from tutor.autograd.misc.fixed_points import fixed_point

    def sqrt(a):
        newton_step = lambda a: lambda x: 0.5 * (x + a / x)
        return fixed_point(newton_step, a, 1.0, lambda x, y: np.abs(x - y), 1e-12)

    assert sqrt(2.0) == pytest.approx(onp.sqrt(2.0))
    assert grad(sqrt)(2.0) == pytest.approx(0.5 / onp.sqrt(2.0))
    assert grad(grad(sqrt))(2.0) == pytest.approx(-0.25 * 2.0 ** -1.5)
    check_grads(sqrt, modes=["fwd", "rev"], order=2)(3.0)


def test_const_graph_takes_a_list_argument():
    fast = const_graph(lambda pair: pair[0] * np.sin(pair[1]))
    assert fast([2.0, 0.5]) == pytest.approx(2.0 * onp.sin(0.5))
    assert fast([3.0, 1.0]) == pytest.approx(3.0 * onp.sin(1.0))
