"""Lesson 10: training a small model: a mean-squared-error gradient and an SGD step.

The model is linear: ``predict(w, b, x) = x @ w + b`` with ``x`` of shape ``(n, d)``, ``w``
of shape ``(d,)`` and a number ``b``; the loss is ``mean((predict(w, b, x) - y)**2)``.
"""

from functools import partial

import numpy as np

from tutor.notation import number_text

from ..model import Case, Exercise, FunctionSpec, Question, drawn_answer
from ..specs import cases, judge_with_mistakes, text_of

LESSON = 10


# ------------------------------------------------------------------------ mse_grad

def mse_grad(w, b, x, y):
    from tutor.autograd import grad
    import tutor.autograd.numpy as anp

    def loss(w, b):
        return anp.mean((anp.dot(x, w) + b - y) ** 2)

    return grad(loss, 0)(w, b), grad(loss, 1)(w, b)


def _mse_case(rng, index):
    n, d = int(rng.integers(2, 7)), int(rng.integers(1, 5))
    w = np.round(rng.uniform(-2, 2, size=d), 2)
    b = round(float(rng.uniform(-1, 1)), 2)
    x = np.round(rng.uniform(-2, 2, size=(n, d)), 2)
    y = np.round(rng.uniform(-3, 3, size=n), 2)
    return Case((w, b, x, y), text=f"x of shape {x.shape}, {text_of(w=w, b=b, x=x, y=y)}")


def _mse_reference(case):
    w, b, x, y = case.args
    residual = x @ w + b - y
    return 2 * x.T @ residual / len(y), float(2 * np.mean(residual))


MSE_GRAD = Exercise(
    id="l10-mse-grad", lesson=LESSON, kind="function",
    title="The gradient of a mean squared error",
    prompt=(
        "A linear model predicts `x @ w + b` for inputs `x` of shape `(n, d)`, weights `w` "
        "of shape `(d,)` and a number `b`. Its loss on targets `y` (shape `(n,)`) is "
        "`mean((x @ w + b - y)**2)`.\n\n"
        "Write `mse_grad(w, b, x, y)` returning the tuple `(dloss/dw, dloss/db)`: an array "
        "shaped like `w` and a number. Use automatic differentiation (`grad` with "
        "`tutor.autograd.numpy`, or your own), or work it out by hand."),
    hints=(
        "Write the loss as a function of `w` and `b` only, with `x` and `y` fixed.",
        "`grad` takes `argnum`, the position of the argument to differentiate with "
        "respect to.",
        "The idea: the loss is one function of w and b, with x and y fixed; its two partial "
        "derivatives are the answer, from autodiff or from the chain rule through the "
        "residual.",
    ),
    solution=mse_grad,
    spec=FunctionSpec("mse_grad", "mse_grad(w, b, x, y)", cases(20, _mse_case),
                      reference=_mse_reference),
)


# ------------------------------------------------------------------------ sgd_step

def sgd_step(params, grads, learning_rate):
    return [param - learning_rate * gradient for param, gradient in zip(params, grads)]


def _sgd_case(rng, index):
    params, grads = [], []
    for _ in range(int(rng.integers(1, 4))):
        shape = tuple(int(size) for size in rng.integers(1, 4, size=int(rng.integers(0, 3))))
        param = np.round(rng.uniform(-2, 2, size=shape), 2)
        gradient = np.round(rng.uniform(-2, 2, size=shape), 2)
        params.append(float(param) if shape == () else param)
        grads.append(float(gradient) if shape == () else gradient)
    rate = float(rng.choice([0.5, 0.1, 0.05, 0.01]))
    return Case((params, grads, rate), text=text_of(params=params, grads=grads,
                                                     learning_rate=rate))


SGD_STEP = Exercise(
    id="l10-sgd-step", lesson=LESSON, kind="function",
    title="One step of gradient descent",
    prompt=(
        "Write `sgd_step(params, grads, learning_rate)`: `params` is a list of parameters "
        "(numbers or arrays) and `grads` the list of their gradients, in the same order. "
        "Return the list of updated parameters, each moved a step of size `learning_rate` "
        "**against** its gradient."),
    hints=(
        "The gradient points uphill; the loss decreases in the opposite direction.",
        "Pair each parameter with its gradient (`zip` walks two lists side by side).",
        "Each new parameter is the old one moved `learning_rate` times its gradient, downhill; "
        "return a list in the same order.",
    ),
    solution=sgd_step,
    spec=FunctionSpec("sgd_step", "sgd_step(params, grads, learning_rate)",
                      cases(25, _sgd_case), judge=judge_with_mistakes(
                          (lambda params, grads, rate: [param + rate * gradient for param, gradient
                                                        in zip(params, grads)],
                           "You stepped uphill: the gradient points to where the loss grows, "
                           "and descent goes against it."),
                          (lambda params, grads, rate: [param - gradient for param, gradient
                                                        in zip(params, grads)],
                           "The step is the gradient times the learning rate."))),
)


# ------------------------------------------------------------ number: one SGD step

def _sgd_question(exercise_id, rng):
    w = float(rng.choice([0.0, 0.5, 1.0, 2.0]))
    x = float(rng.integers(1, 4))
    target = float(rng.integers(-3, 7))
    rate = float(rng.choice([0.1, 0.05, 0.01]))
    gradient = 2 * (w * x - target) * x
    new_w = w - rate * gradient
    text = (f"A one-weight model predicts `w * x`. With w = {number_text(w)}, one example "
            f"x = {number_text(x)} with target {number_text(target)}, the loss "
            f"`(w*x - target)**2` and learning rate {number_text(rate)}: what "
            f"is **w after one SGD step**?")
    slips = ((w + rate * gradient, "steps uphill: the gradient points to where the loss "
                                   "grows, and a step of gradient descent goes against it."),
             (gradient, "is the gradient dloss/dw; the question asks for w after the step."),
             (-rate * gradient, "is the change in w; add it to the old w."),
             (w - rate * 2 * (w * x - target), "leaves out the chain rule's factor x: the "
                                               "inside w*x - target changes at rate x."))
    return Question(exercise_id, text, new_w,
                    explanation=f"dloss/dw = 2·(w·x - target)·x = {number_text(gradient)}; "
                                f"w - {number_text(rate)}·{number_text(gradient)} = "
                                f"{number_text(new_w)}.",
                    slips=slips)


SGD_NUMBER = Exercise(
    id="l10-number-sgd", lesson=LESSON, kind="number",
    title="One SGD step by hand",
    prompt="Compute one gradient-descent update of a single weight.",
    hints=(
        "First the gradient: `d/dw (w*x - t)**2 = 2*(w*x - t)*x`.",
        "Then the update: `w_new = w - learning_rate * gradient`.",
    ),
    solution=drawn_answer, make_question=partial(_sgd_question, "l10-number-sgd"),
)

EXERCISES = [MSE_GRAD, SGD_STEP, SGD_NUMBER]
