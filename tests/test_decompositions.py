"""np.linalg's decompositions (eigh, eig, svd, pinv): VJPs and JVPs against finite differences.

Each is checked in forward and reverse mode to second order, on a single matrix and on a
stack, with inputs whose eigenvalues (singular values) are well apart, since at a tie the
eigenvectors have no derivative. Where the decomposition is only defined up to a sign or a
phase (complex eigenvectors), the check goes through a quantity that does not depend on it.
A few identities a learner can check by hand come first.
"""

import numpy as onp
import pytest
from complex_checks import complex_gradient_by_finite_differences

import tutor.autograd.numpy as np
from tutor.autograd import grad, make_jvp, make_vjp
from tutor.autograd import tuple as traced_tuple
from tutor.autograd.numpy.numpy_vjps_decompositions import PRIMITIVES
from tutor.autograd.test_util import check_grads


def randn(*shape, seed=0):
    return onp.random.default_rng(seed).standard_normal(shape)


def symmetric(n, batch=(), seed=0):
    a = randn(*batch, n, n, seed=seed)
    return a + onp.swapaxes(a, -1, -2) + onp.diag(onp.arange(n) * 3.0)   # eigenvalues apart


def check(fun, *args, order=2):
    check_grads(fun, modes=["fwd", "rev"], order=order)(*args)


# ------------------------------------------------------------------------ identities

def test_the_eigenvalues_sum_to_the_trace_so_their_gradient_is_the_identity():
    a = symmetric(4)
    assert onp.allclose(grad(lambda a: np.sum(np.linalg.eigh(a)[0]))(a), onp.eye(4))


def test_the_gradient_of_an_eigenvalue_is_its_eigenvector_squared():
    a = symmetric(3)
    w, v = onp.linalg.eigh(a)
    top = grad(lambda a: np.linalg.eigh(a)[0][-1])(a)
    # eigh reads the lower triangle: the off-diagonal entries there count twice.
    expected = onp.outer(v[:, -1], v[:, -1])
    assert onp.allclose(top, onp.tril(2 * expected, -1) + onp.diag(onp.diag(expected)))


def test_the_gradient_of_the_largest_singular_value_is_u1_v1t():
    a = randn(4, 3)
    u, s, vh = onp.linalg.svd(a)
    assert onp.allclose(grad(lambda a: np.linalg.svd(a, compute_uv=False)[0])(a),
                        onp.outer(u[:, 0], vh[0]))


def test_the_pseudo_inverse_of_an_invertible_matrix_differentiates_like_the_inverse():
    a = symmetric(3)
    direction = randn(3, 3, seed=1)
    _, pinv_tangent = make_jvp(np.linalg.pinv)(a)(direction)
    _, inv_tangent = make_jvp(np.linalg.inv)(a)(direction)
    assert onp.allclose(pinv_tangent, inv_tangent)


def test_decompositions_return_tuples_that_unpack_inside_a_trace():
    def f(a):
        w, v = np.linalg.eigh(a)
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        return np.sum(w) + np.sum(s) + np.sum(v[:, 0] ** 2) + np.sum(u[0] * vh[0])
    check(f, symmetric(3), order=1)


# ------------------------------------------------------------------------------ eigh

@pytest.mark.parametrize("UPLO", ["L", "U"])
def test_eigh(UPLO):
    check(lambda a: np.linalg.eigh(a, UPLO), symmetric(4))
    check(lambda a: np.linalg.eigh(a, UPLO), symmetric(3, batch=(2,)))
    check(lambda a: np.linalg.eigh(a, UPLO)[0], randn(3, 3))    # not symmetric: one triangle


def test_eigh_of_a_hermitian_matrix():
    a = symmetric(3) + 1j * (randn(3, 3, seed=1) - randn(3, 3, seed=1).T)
    check(lambda a: np.linalg.eigh(a)[0], a)
    check(lambda a: np.abs(np.linalg.eigh(a)[1]), a)             # free of each vector's phase


def test_eigh_of_the_eigenvalues_only_tolerates_repeated_eigenvalues():
    assert onp.allclose(grad(lambda a: np.sum(np.linalg.eigh(a)[0] ** 2))(onp.eye(3)),
                        2 * onp.eye(3))


# ------------------------------------------------------------------------------- eig

def test_eig_of_a_matrix_with_real_eigenvalues():
    a = onp.triu(randn(4, 4)) + onp.diag([1.0, 3.0, 5.0, 7.0]) + 0.1 * randn(4, 4, seed=1)
    check(lambda a: np.abs(np.linalg.eig(a)[0]), a)
    check(lambda a: np.abs(np.linalg.eig(a)[1]), a)


def test_eig_of_a_complex_matrix_and_a_stack():
    a = randn(3, 3) + 1j * randn(3, 3, seed=1)
    check(lambda a: np.linalg.eig(a)[0], a)
    check(lambda a: np.abs(np.linalg.eig(a)[1]), a)
    check(lambda a: np.abs(np.linalg.eig(a)[0]), randn(2, 3, 3, seed=2))


# ------------------------------------------------------------------------------- svd

@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (3, 3), (2, 4, 3), (2, 3, 4)])
def test_svd(shape):
    a = randn(*shape)
    check(lambda a: np.linalg.svd(a, full_matrices=False), a)


@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (2, 3, 3)])
def test_svd_singular_values_only(shape):
    check(lambda a: np.linalg.svd(a, compute_uv=False), randn(*shape))


@pytest.mark.parametrize("shape", [(4, 3), (3, 4)])
def test_svd_of_a_complex_matrix(shape):
    a = randn(*shape) + 1j * randn(*shape, seed=1)
    check(lambda a: np.linalg.svd(a, compute_uv=False), a)
    u_s_vh = lambda a: np.linalg.svd(a, full_matrices=False)
    check(lambda a: traced_tuple((np.abs(u_s_vh(a)[0]), u_s_vh(a)[1], np.abs(u_s_vh(a)[2]))), a)


def test_svd_with_full_matrices_of_a_non_square_matrix_says_why_it_has_no_derivative():
    with pytest.raises(NotImplementedError, match="full_matrices=False"):
        grad(lambda a: np.sum(np.linalg.svd(a)[0]))(randn(4, 3))


# ------------------------------------------------------------------------------ pinv

@pytest.mark.parametrize("shape", [(4, 2), (2, 4), (3, 3), (2, 4, 3)])
def test_pinv(shape):
    check(np.linalg.pinv, randn(*shape))


@pytest.mark.parametrize("shape", [(3, 2), (2, 3), (3, 3)])
def test_pinv_of_a_complex_matrix_moved_along_real_and_imaginary_parts(shape):
    a = randn(*shape) + 1j * randn(*shape, seed=1)
    weights = randn(*shape[::-1], seed=2) + 1j * randn(*shape[::-1], seed=3)
    loss = lambda a: np.sum(np.real(np.linalg.pinv(a) * weights))
    assert onp.allclose(grad(loss)(a), complex_gradient_by_finite_differences(loss, a), atol=1e-6)
    direction = randn(*shape, seed=4) + 1j * randn(*shape, seed=5)
    _, tangent = make_jvp(np.linalg.pinv)(a)(direction)
    eps = 1e-6
    expected = (onp.linalg.pinv(a + eps * direction) - onp.linalg.pinv(a - eps * direction)) / (2 * eps)
    assert onp.allclose(tangent, expected, atol=1e-6)


def _hermitian(n, seed=0):
    part = randn(n, n, seed=seed) + 1j * randn(n, n, seed=seed + 1)
    return part + part.conj().T + onp.diag(onp.arange(n) * 3.0)


@pytest.mark.parametrize("name, loss, matrix", [
    ("eigh values", lambda a: np.sum(np.linalg.eigh(a)[0] * onp.arange(1.0, 4.0)), _hermitian(3)),
    ("eigh vectors", lambda a: np.sum(np.abs(np.linalg.eigh(a)[1]) * onp.arange(9.0).reshape(3, 3)),
     _hermitian(3)),
    ("eig values", lambda a: np.sum(np.real(np.linalg.eig(a)[0] * (1 + 2j))),
     randn(3, 3) + 1j * randn(3, 3, seed=1)),
    ("singular values", lambda a: np.sum(np.linalg.svd(a, compute_uv=False) * onp.array([2.0, 1.0])),
     randn(3, 2) + 1j * randn(3, 2, seed=1)),
    ("singular vectors", lambda a: np.sum(np.abs(np.linalg.svd(a, full_matrices=False)[0]) ** 2
                                          * onp.arange(6.0).reshape(3, 2)),
     randn(3, 2) + 1j * randn(3, 2, seed=1)),
])
def test_complex_matrices_moved_along_real_and_imaginary_parts(name, loss, matrix):
    assert onp.allclose(grad(loss)(matrix), complex_gradient_by_finite_differences(loss, matrix),
                        atol=1e-5), name


def test_pinv_of_a_rank_deficient_product_keeps_its_rank():
    check(lambda x: np.linalg.pinv(x.T @ x), randn(2, 4))


def test_every_decomposition_has_its_teaching_metadata():
    for fun in PRIMITIVES:
        assert fun.vjps and fun.jvps and fun.formulas and fun.jvp_formulas, fun.__name__


def test_slogdet_returns_a_pair_that_unpacks_and_can_be_returned():
    a = symmetric(3)
    sign, logdet = np.linalg.slogdet(a)
    vjp, (sign, logdet) = make_vjp(np.linalg.slogdet)(a)
    assert onp.allclose(vjp((0.0, 1.0)), onp.linalg.inv(a).T)
    check(lambda a: np.linalg.slogdet(a)[1], a)


def test_eigvalsh_eigvals_and_svdvals_differentiate_like_the_full_decompositions():
    a = symmetric(3)
    assert onp.allclose(grad(lambda a: np.sum(np.linalg.eigvalsh(a) ** 2))(a),
                        grad(lambda a: np.sum(np.linalg.eigh(a)[0] ** 2))(a))
    check(lambda a: np.abs(np.linalg.eigvals(a)), a + onp.triu(randn(3, 3, seed=2), 1))
    if hasattr(onp.linalg, "svdvals"):
        check(np.linalg.svdvals, randn(4, 3))
    assert onp.allclose(np.linalg.eigvalsh(a), onp.linalg.eigvalsh(a))   # plain: numpy's


@pytest.mark.parametrize("name, fun, matrix", [
    ("eigh values", lambda a, np: np.linalg.eigh(a)[0], _hermitian(3)),
    ("eigh vectors", lambda a, np: np.abs(np.linalg.eigh(a)[1]), _hermitian(3)),
    ("eig values", lambda a, np: np.linalg.eig(a)[0], randn(3, 3) + 1j * randn(3, 3, seed=1)),
    ("eig vectors", lambda a, np: np.abs(np.linalg.eig(a)[1]), randn(3, 3) + 1j * randn(3, 3, seed=1)),
    ("singular values", lambda a, np: np.linalg.svd(a, compute_uv=False),
     randn(3, 2) + 1j * randn(3, 2, seed=1)),
    ("singular vectors", lambda a, np: np.abs(np.linalg.svd(a, full_matrices=False)[2]),
     randn(3, 2) + 1j * randn(3, 2, seed=1)),
])
def test_complex_tangents_agree_with_finite_differences(name, fun, matrix):
    direction = randn(*matrix.shape, seed=7) + 1j * randn(*matrix.shape, seed=8)
    _, tangent = make_jvp(lambda a: fun(a, np))(matrix)(direction)
    eps = 1e-6
    expected = (fun(matrix + eps * direction, onp) - fun(matrix - eps * direction, onp)) / (2 * eps)
    assert onp.allclose(tangent, expected, atol=1e-5), name
