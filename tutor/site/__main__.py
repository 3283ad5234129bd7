"""``python -m tutor.site [--out site] [--hub URL]``: the course as a static site (``make site``)."""

import argparse
import os
import sys

from .build import SIZE_LIMIT, SiteError, build_site


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m tutor.site",
        description="Run every lesson and write the course as static web pages, with live "
                    "steppers and no server: open site/index.html, or copy site/ to any web "
                    "host.")
    parser.add_argument("--out", default="site", help="the folder to write (default: site)")
    parser.add_argument("--lessons", default="lessons",
                        help="the lesson notebooks' folder (default: lessons)")
    parser.add_argument("--hub", help="your class's JupyterHub address, e.g. "
                                      "https://hub.example.edu: exercises link to the lesson "
                                      "there")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                        help="lessons run at once (default: 2, or 1 on one CPU)")
    options = parser.parse_args(argv)
    try:
        built = build_site(options.out, options.lessons, hub=options.hub, jobs=options.jobs)
    except SiteError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    megabytes = built.size / 1024 / 1024
    print(f"wrote {options.out}/: {len(built.pages)} pages, {built.steppers} live steppers, "
          f"{megabytes:.1f} MB, in {built.seconds:.0f} s; open "
          f"{os.path.join(options.out, 'index.html')}")
    for lesson, errors in built.problems.items():
        print(f"warning: {lesson}: {errors} cell(s) raised; their tracebacks are on its page",
              file=sys.stderr)
    if built.size > SIZE_LIMIT:
        print(f"warning: the site is {megabytes:.1f} MB, over {SIZE_LIMIT // 2**20} MB",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
