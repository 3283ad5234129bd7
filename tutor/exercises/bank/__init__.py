"""The exercises, one module per lesson (``lesson01`` ... ``lesson15``).

Each module defines ``EXERCISES``, a list of :class:`~tutor.exercises.model.Exercise`.
Solutions are ordinary functions written the way a learner would write them, so that
"Show solution" can print their source.
"""

LESSON_MODULES = tuple(f"lesson{number:02d}" for number in range(1, 16))
