"""tutor.autograd.checkpoint: the same derivatives from a shorter tape.

``checkpoint(f)`` records one Node where ``f`` would record many, and recomputes ``f``'s
trace when a derivative needs it. These tests say what that promises: the same values, the
same derivatives in both modes and at second order, and fewer Nodes kept.
"""

import numpy as onp
import pytest
from hypothesis import given, settings, strategies as st

import tutor.autograd as autograd
import tutor.autograd.numpy as np
from tutor.autograd import checkpoint, grad, make_jvp, nodes_kept
from tutor.autograd.test_util import check_grads


def sines(x, length=10):
    """A chain of ``length`` steps: each one sin and one multiply."""
    for _ in range(length):
        x = np.sin(x) * 1.1
    return x


def chain_in_segments(x, length, every):
    """``length`` steps of :func:`sines`, every ``every`` of them one checkpoint."""
    done = 0
    while done < length:
        size = min(every, length - done)
        x = checkpoint(lambda value, size=size: sines(value, size))(x)
        done += size
    return x


def test_checkpoint_is_exported_with_nodes_kept():
    assert autograd.checkpoint is checkpoint and callable(checkpoint)
    assert "nodes_kept" in autograd.__all__


def test_the_values_are_the_same():
    x = onp.linspace(-1.0, 1.0, 5)
    assert onp.allclose(checkpoint(sines)(x), sines(x))


def test_a_checkpointed_chain_keeps_one_node_for_the_whole_call():
    assert nodes_kept(sines, 0.3) == 1 + 2 * 10              # the input, sin and × per step
    assert nodes_kept(checkpoint(sines), 0.3) == 2           # the input and the one call


@pytest.mark.parametrize("length, every", [(12, 3), (30, 5), (10, 4), (7, 7)])
def test_segments_keep_one_node_each(length, every):
    segments = -(-length // every)
    assert nodes_kept(chain_in_segments, 0.4, length, every) == 1 + segments
    assert nodes_kept(chain_in_segments, 0.4, length, every) < nodes_kept(sines, 0.4, length)


def test_nodes_kept_of_a_function_that_ignores_its_input_is_zero():
    assert nodes_kept(lambda x: 3.0, 1.0) == 0


def test_nodes_kept_counts_with_respect_to_the_chosen_argument():
    def f(x, y):
        return np.sin(x) * y
    assert nodes_kept(f, 1.0, 2.0, argnum=0) == 3             # x, sin(x), product
    assert nodes_kept(f, 1.0, 2.0, argnum=1) == 2             # y, product


def test_reverse_and_forward_derivatives_are_the_same_to_second_order():
    check_grads(checkpoint(sines), modes=("fwd", "rev"), order=2)(onp.array([0.3, -0.7, 1.1]))
    check_grads(lambda x: chain_in_segments(x, 9, 4), modes=("fwd", "rev"), order=2)(0.6)


def test_grad_and_make_jvp_agree_with_the_plain_function():
    x = 0.8
    assert grad(checkpoint(sines))(x) == pytest.approx(grad(sines)(x))
    assert make_jvp(checkpoint(sines))(x)(2.0)[1] == pytest.approx(make_jvp(sines)(x)(2.0)[1])


def test_each_argument_of_a_checkpointed_call_is_differentiated():
    def block(x, y, scale=2.0):
        return np.sum(np.tanh(x * y) * scale)
    x, y = onp.array([0.2, -0.4]), onp.array([1.5, 0.5])
    for argnum in (0, 1):
        plain = grad(block, argnum)(x, y, scale=3.0)
        kept = grad(checkpoint(block), argnum)(x, y, scale=3.0)
        assert onp.allclose(plain, kept)


def test_the_backward_pass_runs_the_function_again():
    calls = []

    def counted(x):
        calls.append(1)
        return np.sin(x) ** 2

    f = checkpoint(counted)
    grad(f)(0.5)
    assert len(calls) == 2                                    # forward, then recomputed


@settings(max_examples=25, deadline=None)
@given(length=st.integers(1, 25), every=st.integers(1, 8), x=st.floats(-2, 2))
def test_any_segmentation_gives_the_plain_gradient(length, every, x):
    plain = grad(sines)(x, length)
    kept = grad(chain_in_segments)(x, length, every)
    assert kept == pytest.approx(plain, rel=1e-9, abs=1e-12)
