"""The adjoint of a sliced vector (``Scattered``): pieces written out into one array.

When a vector's slices cover it exactly once (a flat parameter vector cut into a network's
weights and biases), the pieces are joined end to end instead of added into zeros. Both ways
must give the same gradient as finite differences, whatever the slices look like.
"""

import numpy as onp
import pytest
from hypothesis import given, settings, strategies as st

import tutor.autograd.numpy as np
from tutor.autograd import grad
from tutor.autograd.numpy.numpy_vjps_shapes import Scattered
from tutor.autograd.test_util import check_grads


def weighted_slices(bounds):
    """A function of a vector summing its slices ``x[a:b]``, each with its own weights."""
    def f(x):
        total = 0.0
        for k, (start, stop) in enumerate(bounds):
            piece = x[start:stop]
            total = total + np.sum(np.sin(piece) * (k + 1.0))
        return total
    return f


def expected_gradient(x, bounds):
    gradient = onp.zeros_like(x)
    for k, (start, stop) in enumerate(bounds):
        gradient[start:stop] += onp.cos(x[start:stop]) * (k + 1.0)
    return gradient


@pytest.mark.parametrize("bounds", [
    [(0, 3), (3, 7), (7, 10)],              # covers the vector once: joined end to end
    [(7, 10), (0, 3), (3, 7)],              # the same, arriving in another order
    [(0, 10)],                              # one slice, the whole vector
    [(0, 3), (5, 10)],                      # a gap: added into zeros
    [(0, 6), (4, 10)],                      # an overlap: positions 4, 5 get two adjoints
    [(0, 5), (5, 5), (5, 10)],              # an empty slice in between
    [(-10, -4), (-4, None)],                # negative and open bounds
])
def test_slices_of_a_vector_get_their_adjoints(bounds):
    x = onp.linspace(-1.0, 2.0, 10)
    onp.testing.assert_allclose(grad(weighted_slices(bounds))(x), expected_gradient(x, bounds))
    check_grads(weighted_slices(bounds), modes=["rev"], order=1)(x)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(-12, 12), st.integers(-12, 12)), min_size=1, max_size=5))
def test_any_slices_match_adding_into_zeros(bounds):
    x = onp.linspace(0.5, 1.5, 9)
    onp.testing.assert_allclose(grad(weighted_slices(bounds))(x), expected_gradient(x, bounds))


def test_joining_keeps_a_complex_piece_complex():
    pieces = Scattered([(slice(0, 2), onp.array([1.0, 2.0]))], (4,)).add(
        Scattered([(slice(2, 4), onp.array([1j, 2.0]))], (4,)))
    onp.testing.assert_array_equal(pieces.written_out(), [1.0, 2.0, 1j, 2.0])


def test_strided_slices_are_added_into_zeros():
    pieces = Scattered([(slice(0, 4, 2), onp.array([1.0, 2.0]))], (4,)).add(
        Scattered([(slice(1, 4, 2), onp.array([3.0, 4.0]))], (4,)))
    onp.testing.assert_array_equal(pieces.written_out(), [1.0, 3.0, 2.0, 4.0])
