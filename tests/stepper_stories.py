"""The recordings the stepper's JavaScript tests read (tests/js), as stories (JSON)."""

import json

import numpy

from tutor.expression import parse
from tutor.record import record
from tutor.widgets.story import story_of

SEED = "log(x**2) + y**2 + x*y"


def recordings():
    seed = parse(SEED)
    layer = parse("sum(tanh(W @ x + b))")
    layer_values = (numpy.array([[0.5, -1.0], [2.0, 0.3]]), numpy.array([1.0, 2.0]),
                    numpy.array([0.1, -0.2]))
    rows = parse("sum(x * W)")
    return {
        "seed": record(seed, 1.0, 2.0),
        "seed forward": record(seed, 1.0, 2.0, mode="forward"),
        "layer": record(layer, *layer_values),
        "layer forward": record(layer, *layer_values, mode="forward"),
        "rows": record(rows, numpy.array([1.0, 2.0, 3.0]), numpy.arange(15.0).reshape(5, 3)),
        "fan-out": record(parse("x*x + sin(x)"), 1.5),
    }


def all_json():
    return json.dumps({name: story_of(rec) for name, rec in recordings().items()},
                      ensure_ascii=False)
