"""``python -m tutor.report HOMES_OR_FILES... --out DIR``: see :mod:`tutor.report`."""

import sys

from . import main

sys.exit(main())
