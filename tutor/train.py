"""A tiny network learning, one iteration at a time: data, network, losses, gradient descent.

The dashboard's Train tab shows a small multilayer perceptron learning to separate two
classes of points in the plane, and lets the learner step inside any iteration. Everything
it shows is computed here, with :mod:`tutor.autograd`; nothing here draws.

    >>> training = Training(dataset="moons", loss="logistic", learning_rate=0.3)
    >>> training.loss                                     # doctest: +SKIP
    0.6931...
    >>> training.step(); training.iteration
    1
    >>> rec = training.example_recording(7)    # example 7's loss, recorded step by step

**The network** maps a point ``x`` (2 numbers) to a *score* ``s``: two hidden layers of
tanh units, then a weighted sum, ``s = tanh(tanh(x @ W1 + b1) @ W2 + b2) @ W3 + b3`` for
``2 → 4 → 4 → 1``. ``s > 0`` says class +1, ``s < 0`` class −1; ``s = 0`` is the decision
boundary.

**The loss** of one example with label ``y`` (−1 or +1) is a function of its score; the
learner picks one. Each is written through the *margin* ``m = y · s`` (positive when the
example is on its right side) or the error ``s − y``:

- logistic: ``log(1 + exp(−m))``, never zero, smaller the surer the right answer;
- hinge: ``max(0, 1 − m)``, zero once an example is right by a margin of 1;
- squared error: ``(s − y)**2``, the distance from the label.

**One iteration** of plain (batch) gradient descent: the loss of the whole data set is the
*mean* of the examples' losses, so its gradient is the mean of the examples' gradients; every
parameter takes a step against it, ``w ← w − η · ḡ_w``. Iteration ``t`` starts from the
parameters after ``t`` updates (``t = 0``: as initialised from the seed), so the loss shown
at iteration ``t`` is the loss *before* its update. The same seed and settings give the
same numbers every time: :class:`Training` keeps every iteration's parameters, so the
learner can go back to any of them, and :meth:`Training.reset` starts again from the seed.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy

import tutor.autograd.numpy as np
from tutor.autograd import value_and_grad
from tutor.record import record

__all__ = ["DATASETS", "LOSSES", "NETWORKS", "LEARNING_RATES", "Loss", "Training",
           "Iteration", "Stopped", "Diverged", "MOST_ITERATIONS", "make_data", "init_params", "parameter_names", "scores",
           "example_loss", "batch_loss"]

POINTS = 60                  # examples in every data set (half of each class)


# ------------------------------------------------------------------------------- data

def _moons(rng, n):
    """Two interleaving half circles."""
    half = n // 2
    angles = rng.uniform(0, math.pi, size=n)
    upper = numpy.stack([numpy.cos(angles[:half]), numpy.sin(angles[:half])], axis=1)
    lower = numpy.stack([1 - numpy.cos(angles[half:]), 0.5 - numpy.sin(angles[half:])], axis=1)
    points = numpy.concatenate([upper, lower]) + rng.normal(0, 0.1, size=(n, 2))
    points = (points - [0.5, 0.25]) / 1.1
    return points, numpy.r_[numpy.ones(half), -numpy.ones(n - half)]


def _circles(rng, n):
    """A ring around a disc."""
    half = n // 2
    angles = rng.uniform(0, 2 * math.pi, size=n)
    radii = numpy.r_[rng.uniform(0, 0.45, size=half), rng.uniform(0.8, 1.1, size=n - half)]
    points = numpy.stack([radii * numpy.cos(angles), radii * numpy.sin(angles)], axis=1)
    return points, numpy.r_[numpy.ones(half), -numpy.ones(n - half)]


def _xor(rng, n):
    """Four squares, opposite corners alike: no straight line separates the classes."""
    points = rng.uniform(0.1, 1.0, size=(n, 2)) * rng.choice([-1.0, 1.0], size=(n, 2))
    return points, numpy.sign(points[:, 0] * points[:, 1])


def _line(rng, n):
    """Two classes on either side of a straight line."""
    points = rng.uniform(-1, 1, size=(n, 2))
    side = points[:, 1] - 0.5 * points[:, 0] - 0.1
    points[:, 1] += 0.12 * numpy.sign(side)          # a gap along the line
    return points, numpy.sign(side)


# name -> (what the menu says, how the points are made)
DATASETS = {
    "moons": ("two moons", _moons),
    "circles": ("a ring around a disc", _circles),
    "xor": ("XOR: opposite corners alike", _xor),
    "line": ("split by a straight line", _line),
}


def make_data(dataset="moons", seed=0, points=POINTS):
    """``(X, y)``: ``points`` examples of ``dataset``, ``X`` of shape ``(points, 2)``, labels
    ``y`` of −1.0 and +1.0. The same ``seed`` gives the same points."""
    if dataset not in DATASETS:
        raise ValueError(f"no data set called {dataset!r}: choose one of {', '.join(DATASETS)}")
    rng = numpy.random.default_rng((seed, 0))
    inputs, labels = DATASETS[dataset][1](rng, points)
    inputs = numpy.ascontiguousarray(inputs, dtype=float)
    inputs.flags.writeable = False
    labels = numpy.asarray(labels, dtype=float)
    labels.flags.writeable = False
    return inputs, labels


# ---------------------------------------------------------------------------- network

# name -> the sizes of the hidden layers
NETWORKS = {"2 → 4 → 4 → 1": (4, 4), "2 → 8 → 1": (8,), "2 → 3 → 1": (3,)}


def parameter_names(hidden=(4, 4)):
    """``('W1', 'b1', 'W2', 'b2', 'W3', 'b3')`` for two hidden layers: a weight matrix and a
    bias per layer, the last layer's a vector and a number (it makes one score)."""
    return tuple(f"{kind}{layer}" for layer in range(1, len(hidden) + 2) for kind in "Wb")


def init_params(hidden=(4, 4), seed=0):
    """The starting parameters, by name: weights drawn from a normal distribution scaled by
    ``1/√(inputs)`` (so the tanh units start in their steep middle), biases zero."""
    rng = numpy.random.default_rng((seed, 1))
    sizes = (2, *hidden)
    params = {}
    for layer, (n_in, n_out) in enumerate(zip(sizes, (*hidden, None)), start=1):
        shape = (n_in, n_out) if n_out else (n_in,)
        params[f"W{layer}"] = rng.normal(0, 1, size=shape) / math.sqrt(n_in)
        params[f"b{layer}"] = numpy.zeros(n_out) if n_out else 0.0
    return params


def scores(params, x):
    """The network's score(s): ``x`` is one point (2 numbers) or a batch (``n × 2``)."""
    layers = len(params) // 2
    for layer in range(1, layers):
        x = np.tanh(x @ params[f"W{layer}"] + params[f"b{layer}"])
    return x @ params[f"W{layers}"] + params[f"b{layers}"]


# ----------------------------------------------------------------------------- losses

@dataclass(frozen=True)
class Loss:
    """A loss of one example: its ``formula`` in words and ``of(s, y)`` on scores and labels
    (elementwise, so the same function serves one example and a batch)."""

    name: str
    formula: str
    of: Any


LOSSES = {
    "logistic": Loss("logistic", "log(1 + exp(−y · s))",
                     lambda s, y: np.log(1 + np.exp(-(y * s)))),
    "hinge": Loss("hinge", "max(0, 1 − y · s)",
                  lambda s, y: np.maximum(1 - y * s, 0.0)),
    "mse": Loss("squared error", "(s − y)**2",
                lambda s, y: (s - y) ** 2),
}


def example_loss(loss, x, y, names=parameter_names()):
    """The loss of one example ``(x, y)`` as a function of the parameters, taken in the
    order ``names`` (:func:`parameter_names`) and called by those names, so that
    :func:`tutor.record.record` names the graph's inputs ``W1``, ``b1``, ... The point and
    its label are constants of it."""
    of = LOSSES[loss].of

    def loss_of(*params):
        return of(scores(dict(zip(names, params)), x), y)

    loss_of.__name__ = "loss"
    loss_of.__signature__ = inspect.Signature(
        [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD) for name in names])
    return loss_of


def batch_loss(params, loss, inputs, labels):
    """The data set's loss: the mean of the examples' losses."""
    return np.mean(LOSSES[loss].of(scores(params, inputs), labels))


# -------------------------------------------------------------------------- training

LEARNING_RATES = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
MOST_ITERATIONS = 10_000     # iterations kept (about 2.6 kB each), the most one training takes


class Stopped(ValueError):
    """The training cannot take another iteration (the message says why)."""


class Diverged(Stopped):
    """The loss stopped being a finite number: the steps were too big."""


def _frozen(params):
    for value in params.values():
        if isinstance(value, numpy.ndarray):
            value.flags.writeable = False
    return MappingProxyType(params)


@dataclass(frozen=True, eq=False)
class Iteration:
    """One iteration seen through one example: everything the Train tab shows of it.

    ``number`` is the iteration (its parameters ``params`` are those after ``number``
    updates), ``example`` the example's index, ``point`` and ``label`` the example itself,
    ``recording`` its loss recorded step by step at ``params`` (its ``gradients`` are this
    example's adjoints ``ḡ_w``), ``batch_loss`` and ``batch_gradient`` the mean over all
    ``examples``, ``learning_rate`` η, ``updated`` the parameters after the update
    ``w ← w − η · batch_gradient[w]``, and ``names`` the parameters' names, in order.
    """

    number: int
    example: int
    point: Any
    label: float
    recording: Any
    params: Any
    batch_loss: float
    batch_gradient: Any
    learning_rate: float
    updated: Any
    examples: int
    names: tuple


class Training:
    """A network trained by plain gradient descent on a toy data set, every iteration kept.

    ``dataset`` (a key of :data:`DATASETS`), ``loss`` (of :data:`LOSSES`), ``hidden``
    (hidden layer sizes, e.g. ``(4, 4)``), ``learning_rate`` η and ``seed`` (the points and
    the starting weights) say everything: the same five give the same numbers.

    ``iteration`` is where the learner is, ``params``, ``loss`` and ``gradient`` belong to
    it (the gradient is the batch's, the mean of the examples'), ``losses`` holds the loss
    of every iteration computed so far (``losses[t]``, also past ``iteration`` after
    :meth:`go` back). :meth:`step` takes one iteration, :meth:`go` moves to one already
    taken, :meth:`reset` starts again from the seed.
    """

    def __init__(self, dataset="moons", loss="logistic", hidden=(4, 4), learning_rate=0.3,
                 seed=0, points=POINTS):
        if loss not in LOSSES:
            raise ValueError(f"no loss called {loss!r}: choose one of {', '.join(LOSSES)}")
        self.dataset, self.loss_name, self.hidden = dataset, loss, tuple(hidden)
        self.seed, self.points = seed, points
        self.inputs, self.labels = make_data(dataset, seed, points)
        self.names = parameter_names(self.hidden)
        self._learning_rate = self._checked_rate(learning_rate)
        self._value_and_grad = value_and_grad(
            lambda params: batch_loss(params, loss, self.inputs, self.labels))
        self.reset()

    # -- where we are -----------------------------------------------------------------

    def reset(self):
        """Start again from the seed's parameters, at iteration 0 (every later one is
        forgotten, and recomputed as the learner steps again)."""
        self._params = [_frozen(init_params(self.hidden, self.seed))]
        self._computed = []            # per iteration: (loss, batch gradient)
        self.iteration = 0
        self._compute(0)

    @property
    def latest(self):
        """The last iteration whose parameters are known."""
        return len(self._params) - 1

    @property
    def params(self):
        return self._params[self.iteration]

    @property
    def loss(self):
        """The batch loss at :attr:`iteration` (before its update)."""
        return self._computed[self.iteration][0]

    @property
    def gradient(self):
        """The batch gradient at :attr:`iteration`: parameter name -> mean of ``ḡ_w``."""
        return self._computed[self.iteration][1]

    @property
    def losses(self):
        return [loss for loss, _ in self._computed]

    @property
    def learning_rate(self):
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, rate):
        """A new η applies from the current iteration on: later iterations, taken with the
        old one, are forgotten."""
        rate = self._checked_rate(rate)
        if rate != self._learning_rate:
            self._learning_rate = rate
            del self._params[self.iteration + 1:]
            del self._computed[self.iteration + 1:]

    @staticmethod
    def _checked_rate(rate):
        rate = float(rate)
        if not (math.isfinite(rate) and rate > 0):
            raise ValueError(f"the learning rate must be a positive number, not {rate}")
        return rate

    def _compute(self, t):
        with numpy.errstate(all="ignore"):
            loss, gradient = self._value_and_grad(dict(self._params[t]))
        self._computed.append((float(loss), _frozen(gradient)))

    def updated(self, t=None):
        """The parameters after iteration ``t``'s update (default: the current one):
        ``w − η · ḡ_w`` for every parameter."""
        t = self.iteration if t is None else t
        params, gradient = self._params[t], self._computed[t][1]
        with numpy.errstate(all="ignore"):
            return _frozen({name: params[name] - self._learning_rate * gradient[name]
                            for name in self.names})

    # -- moving -----------------------------------------------------------------------

    def step(self):
        """Take one iteration: to the next one kept, or a new one computed.

        Raises :class:`Diverged` (and stays put) if the loss is no longer a finite number,
        :class:`Stopped` after :data:`MOST_ITERATIONS`.
        """
        if self.iteration >= MOST_ITERATIONS:
            raise Stopped(f"{MOST_ITERATIONS:,} iterations: that is as many as this tab keeps. "
                          f"Reset to start again, or go back to an earlier iteration.")
        if not math.isfinite(self.loss):
            raise Diverged(f"the loss is {self.loss} at iteration {self.iteration}: the steps "
                           f"were too big for η = {self._learning_rate:g}. Lower the learning "
                           f"rate, or go back to an earlier iteration.")
        if self.iteration == self.latest:
            self._params.append(self.updated())
            self._compute(self.iteration + 1)
        self.iteration += 1

    def go(self, t):
        """Go to iteration ``t``, one already taken (``0 .. latest``)."""
        t = int(t)
        if not 0 <= t <= self.latest:
            raise IndexError(f"iteration {t} has not been taken: choose 0 to {self.latest}")
        self.iteration = t

    # -- one example --------------------------------------------------------------------

    def example_recording(self, example, t=None):
        """Example ``example``'s loss at iteration ``t`` (default: the current one),
        recorded: forward pass, backward pass down to every parameter's adjoint."""
        t = self.iteration if t is None else t
        params = self._params[t]
        function = example_loss(self.loss_name, self.inputs[example],
                                float(self.labels[example]), self.names)
        with numpy.errstate(all="ignore"):
            return record(function, *(params[name] for name in self.names),
                          argnum=tuple(range(len(self.names))))

    def at(self, example, t=None):
        """Iteration ``t`` (default: the current one) seen through ``example``: an
        :class:`Iteration`."""
        t = self.iteration if t is None else t
        if not 0 <= example < len(self.labels):
            raise IndexError(f"there is no example {example}: choose 0 to "
                             f"{len(self.labels) - 1}")
        loss, gradient = self._computed[t]
        return Iteration(number=t, example=example, point=self.inputs[example],
                         label=float(self.labels[example]),
                         recording=self.example_recording(example, t),
                         params=self._params[t], batch_loss=loss, batch_gradient=gradient,
                         learning_rate=self._learning_rate, updated=self.updated(t),
                         examples=len(self.labels), names=self.names)

    # -- pictures' numbers --------------------------------------------------------------

    def bounds(self, margin=0.25):
        """``(x_min, x_max, y_min, y_max)``: a square around the points, with a margin."""
        low = self.inputs.min(axis=0) - margin
        high = self.inputs.max(axis=0) + margin
        middle, half = (low + high) / 2, float(max(high - low)) / 2
        return (middle[0] - half, middle[0] + half, middle[1] - half, middle[1] + half)

    def boundary(self, resolution=32, t=None):
        """The scores on a ``resolution × resolution`` grid over :meth:`bounds` (row 0 at
        the top, the largest y): where they change sign is the decision boundary."""
        t = self.iteration if t is None else t
        x_min, x_max, y_min, y_max = self.bounds()
        xs = numpy.linspace(x_min, x_max, resolution)
        ys = numpy.linspace(y_max, y_min, resolution)
        grid = numpy.stack(numpy.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
        with numpy.errstate(all="ignore"):
            return numpy.asarray(scores(dict(self._params[t]), grid)).reshape(
                resolution, resolution)

    def predictions(self, t=None):
        """Every example's score at iteration ``t``."""
        t = self.iteration if t is None else t
        with numpy.errstate(all="ignore"):
            return numpy.asarray(scores(dict(self._params[t]), self.inputs))
