"""``python -m tutor.export EXPRESSION --values ... --out page.html``: one recording as a web page.

What is typed goes through the dashboard's own reading of its boxes
(:func:`tutor.widgets.explorer.make_recording`: the expression parser, never ``eval``), so
a typo, an unknown function, shapes that do not fit or a value too big get the dashboard's
message, exit status 2, and no file is written.
"""

import argparse
import sys

from ..widgets.common import MEMORY_MESSAGE
from ..widgets.explorer import InputProblem, gradient_warning, make_recording
from .page import page_html, write_page

USAGE_EXAMPLE = ('python -m tutor.export "log(x**2) + y**2 + x*y" --values "x=1, y=2" '
                 '--wrt x --out seed.html')
REFUSED = 2              # the exit status for input that cannot be recorded


def parser():
    parser = argparse.ArgumentParser(
        prog="python -m tutor.export",
        description="Record a function as the dashboard does and write one self-contained web "
                    "page that steps through it: no server, no network, opens from a file.",
        epilog=f"example: {USAGE_EXAMPLE}   An expression starting with '-' goes last, "
               f"after --: ... --out page.html -- '-x + y'")
    parser.add_argument("expression", help="the function, e.g. 'log(x**2) + y**2 + x*y'")
    parser.add_argument("--values", default="",
                        help="the point, e.g. 'x=1, y=2' or 'W=[[1, 2], [3, 4]], x=[1, 2]'; "
                             "a variable not given is 1")
    parser.add_argument("--wrt", help="the variable to differentiate by (default: the first)")
    parser.add_argument("--mode", choices=("reverse", "forward"), default="reverse",
                        help="reverse: forward pass then backward pass (default); forward: "
                             "tangents")
    parser.add_argument("--out", required=True, help="the HTML file to write")
    parser.add_argument("--embed", action="store_true",
                        help="the stepper alone, with no heading or notes: for an <iframe>")
    parser.add_argument("--step", type=int, default=0, metavar="K",
                        help="the step the page opens at (default 0, the start)")
    return parser


def refuse(message):
    print(f"error: {message}", file=sys.stderr)
    return REFUSED


def main(argv=None):
    options = parser().parse_args(argv)
    try:
        recording, expression, _ = make_recording(options.expression, options.values,
                                                  options.wrt, mode=options.mode)
    except InputProblem as problem:
        return refuse(str(problem))
    except MemoryError:
        return refuse(MEMORY_MESSAGE)
    variables = list(expression.variables)
    if options.wrt is not None and options.wrt not in variables:
        return refuse(f"--wrt {options.wrt}: f has no variable {options.wrt} (its variables: "
                      f"{', '.join(variables)}).")
    if not 0 <= options.step <= recording.steps:
        return refuse(f"--step {options.step}: this recording's steps are 0 to "
                      f"{recording.steps}.")
    warning = gradient_warning(recording)
    if warning:
        print(warning, file=sys.stderr)
    text = page_html(recording, options.expression.strip(), k=options.step,
                     embed=options.embed)
    try:
        write_page(options.out, text)
    except OSError as error:
        print(f"error: cannot write {options.out}: {error.strerror or error}", file=sys.stderr)
        return 1
    size = len(text.encode("utf-8"))
    print(f"wrote {options.out} ({size // 1024} kB): {recording.steps} steps of "
          f"{recording.function_name}({', '.join(variables)}); open it in any browser, "
          f"offline too.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
