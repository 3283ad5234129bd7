"""tools/hips_compat.py's own pieces, without the network: rewriting imports, reading counts."""

import importlib.util
import pathlib

import pytest

SCRIPT = pathlib.Path(__file__).resolve().parent.parent / "tools" / "hips_compat.py"


@pytest.fixture(scope="module")
def compat():
    spec = importlib.util.spec_from_file_location("hips_compat", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_only_imports_of_autograd_are_rewritten(compat):
    source = ("import autograd.numpy as np\n"
              "from autograd import grad\n"
              "    from autograd.core import vspace\n"
              "import autograd_extra\n"
              "x = 'autograd stays in strings'  # and comments: autograd\n")
    assert compat.rewrite_imports(source) == (
        "import tutor.autograd.numpy as np\n"
        "from tutor.autograd import grad\n"
        "    from tutor.autograd.core import vspace\n"
        "import autograd_extra\n"
        "x = 'autograd stays in strings'  # and comments: autograd\n")


def test_the_counts_come_from_pytests_summary_line(compat):
    output = "....F\nFAILED test_x.py::test_y - boom\n2 failed, 511 passed, 13 skipped, 1 error in 9.1s\n"
    assert compat.parse_counts(output) == {"passed": 511, "failed": 2, "errors": 1, "skipped": 13}
    assert compat.parse_counts("no tests ran") == {"passed": 0, "failed": 0, "errors": 0,
                                                    "skipped": 0}
