"""np.fft: every transform's VJP and JVP agree with finite differences, to second order.

Each transform is checked on a vector, a matrix and a stack of matrices, with ``n``/``s``
shorter and longer than the input (cutting and zero-padding), along other axes, and with each
``norm``. Inputs of the inverse real transforms are spectra of real signals (as they are in
practice), and outputs that are complex are compared through their real and imaginary parts.
"""

import numpy as onp
import pytest
from complex_checks import complex_gradient_by_finite_differences

import tutor.autograd.numpy as np
from tutor.autograd import grad, make_jvp
from tutor.autograd.numpy.numpy_vjps_fft import PRIMITIVES
from tutor.autograd.test_util import check_grads

NORMS = [None, "ortho", "forward"]


def randn(*shape, seed=0):
    return onp.random.default_rng(seed).standard_normal(shape)


def check(fun, *args):
    check_grads(fun, modes=["fwd", "rev"], order=2)(*args)


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("name", ["fft", "ifft"])
def test_complex_transforms_along_one_axis(name, norm):
    transform = getattr(np.fft, name)
    check(lambda x: transform(x, norm=norm), randn(5))
    check(lambda x: transform(x, norm=norm), randn(3, 4) + 1j * randn(3, 4, seed=1))
    check(lambda x: transform(x, 3, axis=0, norm=norm), randn(5, 2))     # cut to 3
    check(lambda x: transform(x, 7, norm=norm), randn(2, 4))             # padded to 7


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("name", ["fft2", "ifft2", "fftn", "ifftn"])
def test_complex_transforms_along_several_axes(name, norm):
    transform = getattr(np.fft, name)
    check(lambda x: transform(x, norm=norm), randn(3, 4))
    check(lambda x: transform(x, norm=norm), randn(2, 3, 4) + 1j * randn(2, 3, 4, seed=1))
    check(lambda x: transform(x, s=(2, 5), axes=(0, 2), norm=norm), randn(3, 2, 4))


@pytest.mark.parametrize("norm", NORMS)
def test_rfft(norm):
    check(lambda x: np.fft.rfft(x, norm=norm), randn(6))
    check(lambda x: np.fft.rfft(x, norm=norm), randn(7))
    check(lambda x: np.fft.rfft(x, 4, axis=0, norm=norm), randn(6, 2))
    check(lambda x: np.fft.rfft(x, 9, norm=norm), randn(2, 5))


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("name", ["rfft2", "rfftn"])
def test_rfft_along_several_axes(name, norm):
    transform = getattr(np.fft, name)
    check(lambda x: transform(x, norm=norm), randn(4, 6))
    check(lambda x: transform(x, norm=norm), randn(3, 5))
    check(lambda x: transform(x, s=(3, 4), axes=(0, 2), norm=norm), randn(4, 2, 5))


@pytest.mark.parametrize("norm", NORMS)
def test_irfft(norm):
    for length in (6, 7):                                   # even and odd output lengths
        spectrum = onp.fft.rfft(randn(length))
        check(lambda x: np.fft.irfft(x, length, norm=norm), spectrum)
    check(lambda x: np.fft.irfft(x, norm=norm), onp.fft.rfft(randn(3, 8), axis=0))
    check(lambda x: np.fft.irfft(x, 4, axis=0, norm=norm), onp.fft.rfft(randn(8, 2), axis=0))


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("name", ["irfft2", "irfftn"])
def test_irfft_along_several_axes(name, norm):
    transform = getattr(np.fft, name)
    spectrum = onp.fft.rfft2(randn(4, 6))
    check(lambda x: transform(x, s=(4, 6), axes=(0, 1), norm=norm), spectrum)
    check(lambda x: transform(x, s=(4, 5), axes=(0, 1), norm=norm), onp.fft.rfft2(randn(4, 5)))
    check(lambda x: transform(x, axes=(0, 2), norm=norm), onp.fft.rfftn(randn(2, 3, 4), axes=(0, 2)))


@pytest.mark.parametrize("name", ["fftshift", "ifftshift"])
def test_shifts(name):
    shift = getattr(np.fft, name)
    check(shift, randn(5))
    check(lambda x: shift(x, axes=0), randn(3, 4))
    check(lambda x: shift(x, axes=(0, 1)), randn(3, 4))


def test_the_vjp_of_fft_is_fft_and_the_jvp_is_fft_of_the_tangent():
    x, g = randn(4), randn(4, seed=1)
    loss = lambda x: np.sum(np.real(np.fft.fft(x)) * g)
    assert onp.allclose(grad(loss)(x), onp.real(onp.fft.fft(g)))
    value, tangent = make_jvp(np.fft.fft)(x)(g)
    assert onp.allclose(tangent, onp.fft.fft(g))


def test_a_signal_can_be_fitted_through_its_spectrum():
    """A small use: recover a signal from the magnitude of its low frequencies."""
    target = onp.abs(onp.fft.rfft(onp.sin(onp.linspace(0, 6, 16))))
    loss = lambda x: np.sum((np.abs(np.fft.rfft(x)) - target) ** 2)
    x = randn(16) * 0.1
    start = loss(x)
    for _ in range(200):
        x = x - 0.01 * grad(loss)(x)
    assert loss(x) < 0.05 * start


def test_every_fft_primitive_is_covered():
    names = {fun.__name__ for fun in PRIMITIVES}
    assert names == {"fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2",
                     "irfft2", "rfftn", "irfftn", "fftshift", "ifftshift"}
    for fun in PRIMITIVES:
        assert fun.vjps and fun.jvps and fun.formulas and fun.jvp_formulas, fun.__name__


@pytest.mark.parametrize("fun", [
    lambda z: np.fft.irfft(z, 6), lambda z: np.fft.irfft(z, 5, norm="ortho"),
    lambda z: np.fft.irfftn(z, s=(3, 6), axes=(0, 1)), lambda z: np.real(np.fft.fft(z)) * 2.0,
    lambda z: np.imag(np.fft.ifft2(z)), lambda z: np.real(np.fft.fftshift(z))])
def test_complex_inputs_get_the_gradient_along_real_and_imaginary_parts(fun):
    """check_grads moves inputs along real directions only; this also moves them along i."""
    z = onp.fft.rfft(randn(3, 6), axis=-1)[:, :4]
    weights = randn(*onp.shape(fun(z)), seed=3)
    loss = lambda z: np.sum(fun(z) * weights)
    assert onp.allclose(grad(loss)(z), complex_gradient_by_finite_differences(loss, z),
                        atol=1e-6)
