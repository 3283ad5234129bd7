"""Gradients of real losses of complex inputs, by finite differences along 1 and i.

``check_grads`` moves inputs along real directions only, so it cannot see a wrong imaginary
part of a complex input's gradient. These checks move each entry along both.
"""

import numpy as onp


def complex_gradient_by_finite_differences(loss, z, eps=1e-6):
    """∂L/∂Re z − i·∂L/∂Im z, entry by entry: the gradient of a real loss of a complex input,
    in HIPS autograd's convention (grad of Re(c·z) is c)."""
    result = onp.zeros(z.shape, complex)
    for index in onp.ndindex(z.shape):
        step = onp.zeros(z.shape, complex)
        step[index] = eps
        along_real = (loss(z + step) - loss(z - step)) / (2 * eps)
        along_imaginary = (loss(z + 1j * step) - loss(z - 1j * step)) / (2 * eps)
        result[index] = along_real - 1j * along_imaginary
    return result
