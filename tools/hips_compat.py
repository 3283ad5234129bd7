"""Run HIPS autograd's own test suite against tutor.autograd and print the counts.

``tutor.autograd`` promises that code written for HIPS autograd runs with only the import
changed. The strongest check of that promise is HIPS's own tests, so this script:

1. downloads HIPS autograd's source distribution from PyPI with pip, into a temporary
   directory (nothing of HIPS's is stored in this repository);
2. copies its ``tests/`` folder (every ``test_*.py`` except ``test_scipy.py``, which needs
   scipy wrappers we do not provide, plus the helpers ``conftest.py`` and ``numpy_utils.py``),
   rewriting ``autograd`` to ``tutor.autograd`` in the imports;
3. runs them with pytest in a subprocess and prints passed / failed / errors / skipped, and
   each failing test with the reason it fails here on purpose (``KNOWN_DIFFERENCES``).

It exits with status 1 when fewer than ``MINIMUM_PASSED`` tests pass or a test fails that is
not a known difference. (The skipped ones need xarray, which neither side installs.)

    python tools/hips_compat.py              # the summary
    python tools/hips_compat.py --failures   # also one line per failing test
    python tools/hips_compat.py -k test_fft  # pass extra arguments on to pytest

It lives in ``tools/``, not ``tests/``: it measures rather than asserts, and it is
run with ``make compat``, not as part of ``make test``.
"""

import argparse
import pathlib
import re
import subprocess
import sys
import tarfile
import tempfile

VERSION = "1.9.1"
HELPERS = ("conftest.py", "numpy_utils.py")
SKIPPED_FILES = ("test_scipy.py",)
REPOSITORY = pathlib.Path(__file__).resolve().parent.parent
MINIMUM_PASSED = 525

# The tests of HIPS's suite that fail here on purpose, each with its reason.
KNOWN_DIFFERENCES = {
    "test_fft.py::test_rfftn_odd_not_implemented":
        "HIPS refuses the derivative of rfftn with an odd last axis (NotImplementedError); "
        "tutor.autograd gives it (tests/test_fft.py checks it against finite differences)",
    "test_numpy.py::test_plain_numpy_reductions_on_box":
        "a deliberate refusal: plain numpy's functions on a Box (numpy.sum(x), numpy.sin(x)) "
        "raise a TypeError naming the traced function to use, all of them alike "
        "(tests/test_boxes.py); HIPS lets numpy's reductions through",
}

# ``import autograd.numpy as np``, ``from autograd.core import ...``, ``from autograd import``:
# the module name ``autograd`` at the start of an import, and nowhere else.
_IMPORT = re.compile(r"^(\s*)(from|import)(\s+)autograd\b", re.MULTILINE)


def rewrite_imports(source):
    """HIPS's test source with its imports of ``autograd`` pointing at ``tutor.autograd``."""
    return _IMPORT.sub(r"\1\2\3tutor.autograd", source)


def download_sdist(folder):
    """Fetch HIPS autograd's sdist with pip into ``folder`` and return the archive's path."""
    completed = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                                "--no-binary", ":all:", f"autograd=={VERSION}",
                                "--dest", str(folder)])
    if completed.returncode != 0:
        raise SystemExit(f"pip could not download autograd {VERSION}'s sdist from PyPI (see its "
                         f"message above): this script needs the network, once per run.")
    archives = sorted(folder.glob("autograd-*.tar.gz"))
    if not archives:
        raise SystemExit(f"pip did not produce an sdist of autograd {VERSION} in {folder}")
    return archives[0]


def extract_tests(archive, destination):
    """Copy the suite's test files and helpers out of the archive, imports rewritten."""
    destination.mkdir()
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            path = pathlib.PurePosixPath(member.name)
            if len(path.parts) != 3 or path.parts[1] != "tests" or not member.isfile():
                continue
            name = path.name
            wanted = name in HELPERS or (name.startswith("test_") and name.endswith(".py")
                                         and name not in SKIPPED_FILES)
            if wanted:
                source = tar.extractfile(member).read().decode("utf-8")
                (destination / name).write_text(rewrite_imports(source), encoding="utf-8")
    return sorted(p.name for p in destination.glob("test_*.py"))


def extract_folder(archive, folder, destination, rewrite=False):
    """Copy the sdist's ``folder`` (``autograd``, ``examples``...) into ``destination``, keeping
    its layout; with ``rewrite``, Python files get their imports pointed at tutor.autograd.
    Returns ``destination / folder``."""
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            path = pathlib.PurePosixPath(member.name)
            if len(path.parts) < 3 or path.parts[1] != folder or not member.isfile():
                continue
            target = destination.joinpath(*path.parts[1:])
            target.parent.mkdir(parents=True, exist_ok=True)
            data = tar.extractfile(member).read()
            if rewrite and path.suffix == ".py":
                data = rewrite_imports(data.decode("utf-8")).encode("utf-8")
            target.write_bytes(data)
    return destination / folder


def run_pytest(tests, extra_args):
    """Run pytest on the rewritten tests; return (its summary counts, its full output)."""
    command = [sys.executable, "-m", "pytest", "-q", "-rfE", "--no-header",
               "-p", "no:cacheprovider",
               "--rootdir", str(tests), "-o", "addopts=", "--timeout=300",
               "--continue-on-collection-errors", *extra_args, str(tests)]
    completed = subprocess.run(command, cwd=tests, capture_output=True, text=True,
                               env=_environment())
    output = completed.stdout + completed.stderr
    return parse_counts(output), output


def _environment():
    import os
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPOSITORY), env.get("PYTHONPATH")]))
    return env


def parse_counts(output):
    """pytest's last line, e.g. '3 failed, 500 passed, 13 skipped in 20s', as a dict."""
    counts = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0}
    summary = [line for line in output.splitlines()
               if re.search(r"\d+ (passed|failed|error)", line)]
    if summary:
        for number, word in re.findall(r"(\d+) (passed|failed|errors?|skipped)", summary[-1]):
            counts["errors" if word.startswith("error") else word] += int(number)
    return counts


def failing_tests(output):
    """(test id, pytest's one-line message) for each FAILED or ERROR line of pytest's output."""
    failures = []
    for line in output.splitlines():
        if line.startswith(("FAILED ", "ERROR ")):
            test, _, message = line.split(" ", 1)[1].partition(" - ")
            failures.append((test, message))
    return failures


def verdict(counts, failures):
    """The lines explaining each failure, and whether the run is acceptable."""
    lines, unexpected = [], 0
    for test, message in failures:
        reason = KNOWN_DIFFERENCES.get(test)
        if reason is None:
            unexpected += 1
            lines.append(f"  UNEXPECTED {test}: {message}")
        else:
            lines.append(f"  known difference {test}: {reason}")
    enough = counts["passed"] >= MINIMUM_PASSED
    if not enough:
        lines.append(f"  fewer than {MINIMUM_PASSED} tests passed")
    return lines, enough and not unexpected


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--failures", action="store_true",
                        help="also print pytest's message for each failing test")
    parser.add_argument("--keep", action="store_true", help="print the temp folder, keep it")
    args, extra = parser.parse_known_args(argv)
    workspace = pathlib.Path(tempfile.mkdtemp(prefix="hips-compat-"))
    try:
        archive = download_sdist(workspace)
        tests = workspace / "tests"
        files = extract_tests(archive, tests)
        print(f"HIPS autograd {VERSION}: {len(files)} test files (all but "
              f"{', '.join(SKIPPED_FILES)}), imports rewritten to tutor.autograd")
        counts, output = run_pytest(tests, extra)
        failures = failing_tests(output.replace(str(tests) + "/", ""))
        if args.failures:
            for test, message in failures:
                print(f"  FAILED {test} - {message}")
        print("passed {passed}, failed {failed}, errors {errors}, skipped {skipped}"
              .format(**counts))
        lines, acceptable = verdict(counts, failures)
        print("\n".join(lines))
        return 0 if acceptable else 1
    finally:
        if args.keep:
            print(f"kept {workspace}")
        else:
            import shutil
            shutil.rmtree(workspace, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
