"""autograd-tutor: learn reverse-mode automatic differentiation by stepping through it and by building it.

    tutor.autograd     the from-scratch core (HIPS-autograd-compatible names)
    tutor.record       one grad call captured as forward and backward steps
    tutor.graph        a Recording as a networkx graph, with a layered layout
    tutor.expression   typed text -> a safe function (no eval)
    tutor.widgets      ipywidgets views of a Recording
    tutor.exercises    exercises, checking, hints and progress
    tutor.app          the Voila dashboard
"""

__version__ = "0.1.0"
