"""How fast the Train tab trains while drawing, and how quickly it answers, in headless Chromium.

Run from anywhere:  .venv/bin/python benchmarks/train_live.py  [--seconds 10] [--clicks 30]

Measured on the dashboard (``app.ipynb``, its Train tab) beside the *floor*: the Voila page
with one button and one label (``benchmarks/minimal_voila.ipynb``, measured as
``benchmarks/dashboard_latency.py`` measures it), whose click goes to the kernel and back.

* **Iterations a second while drawing**: Play for ``--seconds``; every iteration is computed
  in the kernel (batch gradient, the chosen example recorded, its story) and drawn in the
  page (boundary, loss curve, weights and updates, the stepper's graph). Also how many
  painted frames a second show a new iteration (when two arrive together only the second is
  painted), the median time between two of them, as a multiple of the floor's click to
  paint, and how many of the example's graphs the stepper drew a second (the page asks for
  the graph only once the last one is drawn).
* **Pause**: from the click on Pause to the last iteration that still arrives (the page
  stops asking at once; the at most two iterations already asked for are drawn), over
  ``--pauses`` pauses, each after 1.5 s of play.
* **One iteration** (the Step button, paused): click to the new iteration counter, and to
  the next painted frame; beside the floor's click.
* **A step inside a paused iteration** (the stepper's Step ▶, which needs no kernel): click
  to the new status, and to the painted frame; beside the floor's click.

Targets (issue 26): at least 10 iterations a second; Pause acts within 200 ms. Times are
read inside the page with ``performance.now()`` (a ``MutationObserver`` notices the change).
The load average is printed: the machine is shared, and every number moves with it.
"""

import argparse
import os
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from dashboard_latency import (  # noqa: E402  (the floor page and the in-page step timer)
    CHROMIUM, CHROMIUM_ARGS, DASHBOARD, FLOOR, STEP, Voila, open_page, step_times,
    summary, wait_idle)
from train_page import (  # noqa: E402  (tests/: the Train tab seen from inside the page)
    PRESS_PLAY, STEPPER, WAIT, WATCH, changes, quiet)

ITERATIONS_TARGET = 10.0     # iterations a second, at least
PAUSE_TARGET_MS = 200.0
def open_train(page):
    page.locator(".lm-TabBar-tab", has_text="Train").click()
    page.wait_for_function(
        "() => (document.querySelector('.tutor-train-iteration') || {}).textContent === '0'")
    page.wait_for_function(
        f"() => (document.querySelector('{STEPPER} .tutor-status') || {{}}).textContent"
        " === 'update 6/6'")
    page.evaluate(WATCH)


def measure_play(page, seconds):
    """(iterations a second, painted frames a second showing a new iteration, median ms
    between two such frames, graphs the stepper drew a second)."""
    page.evaluate(WATCH)
    page.evaluate("() => performance.clearMeasures('tutor-stepper: story drawn')")
    started = page.evaluate(PRESS_PLAY)
    page.evaluate(WAIT, seconds * 1000)
    page.evaluate(PRESS_PLAY)
    end = started + seconds * 1000
    seen = [t for t, _ in changes(page) if t <= end]
    painted = [t for t, _ in page.evaluate("window.__painted") if started < t <= end]
    graphs = page.evaluate(
        "end => performance.getEntriesByName('tutor-stepper: story drawn')"
        ".filter(entry => entry.startTime <= end).length", end)
    quiet(page)
    gaps = [b - a for a, b in zip(painted, painted[1:])]
    return (len(seen) / seconds, len(painted) / seconds, statistics.median(gaps),
            graphs / seconds)


def measure_pauses(page, pauses):
    """ms from each click on Pause to the last iteration drawn after it."""
    latencies = []
    for _ in range(pauses):
        page.evaluate(PRESS_PLAY)
        page.evaluate(WAIT, 1500)
        page.evaluate(WATCH)
        pressed = page.evaluate(PRESS_PLAY)
        quiet(page)
        late = [t - pressed for t, _ in changes(page)]
        latencies.append(max(late, default=0.0))
    return latencies


def timed_clicks(page, button, status, clicks, before=None):
    """STEP (dashboard_latency's in-page timer) on ``button``, ``clicks`` times."""
    times = []
    for _ in range(clicks):
        if before:
            before()
        times.append(tuple(page.evaluate(STEP, {"button": button, "key": None,
                                                "status": status, "timeoutMs": 20_000})))
        page.wait_for_timeout(50)
    return times


def run(browser, seconds, clicks, pauses):
    results = {}
    with Voila(FLOOR) as server:
        server.wait_pool_full(0)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page, _ = open_page(context, server.url)
        wait_idle(page)
        results["floor"] = summary(step_times(page, clicks))
        context.close()
    with Voila(DASHBOARD) as server:
        server.wait_pool_full(0)
        fills = server.pool_fills()
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page, _ = open_page(context, server.url)
        wait_idle(page)
        open_train(page)
        server.wait_pool_full(fills)     # the kernel Voila starts in this page's place
        results["one iteration"] = summary(timed_clicks(
            page, ".tutor-train-step", ".tutor-train-iteration", clicks))
        (results["iterations/s"], results["painted/s"], results["between frames"],
         results["graphs/s"]) = measure_play(page, seconds)
        results["pause"] = measure_pauses(page, pauses)

        def from_the_start():
            if page.evaluate(f"document.querySelector('{STEPPER} .tutor-step-forward')"
                             ".disabled"):
                page.locator(f"{STEPPER} .tutor-reset").click()
                page.wait_for_function(f"!document.querySelector('{STEPPER} "
                                       ".tutor-step-forward').disabled")
        results["stepper step"] = summary(timed_clicks(
            page, f"{STEPPER} .tutor-step-forward", f"{STEPPER} .tutor-status", clicks,
            before=from_the_start))
        context.close()
    return results


def report(results):
    floor = results["floor"]["shown"][0]
    floor_painted = results["floor"]["painted"][0]
    rate = results["iterations/s"]
    pause = results["pause"]
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on "
          f"{os.cpu_count()} CPUs\n")
    print(f"floor (one button, one label): click to label {floor:.1f} ms, to painted frame "
          f"{floor_painted:.1f} ms (median)\n")
    print(f"playing, while drawing: {rate:.1f} iterations/s (target ≥ "
          f"{ITERATIONS_TARGET:g}: {'met' if rate >= ITERATIONS_TARGET else 'NOT met'}); "
          f"{results['painted/s']:.1f} painted frames/s show a new one, median "
          f"{results['between frames']:.1f} ms apart = "
          f"{results['between frames'] / floor_painted:.1f} × the floor's click to paint; "
          f"the stepper drew {results['graphs/s']:.1f} of the example's graphs a second")
    middle = statistics.median(pause)
    print(f"pause: the page stops asking at once; the last iteration already asked for is "
          f"drawn {middle:.0f} ms after the click (median of {len(pause)}: target ≤ "
          f"{PAUSE_TARGET_MS:g} {'met' if middle <= PAUSE_TARGET_MS else 'NOT met'}; worst "
          f"{max(pause):.0f} ms)")
    for name in ("one iteration", "stepper step"):
        (shown, shown90), (painted, painted90) = (results[name]["shown"],
                                                  results[name]["painted"])
        print(f"{name:14}: {shown:6.1f} ms to the new text (p90 {shown90:.1f}), {painted:6.1f} ms "
              f"to the painted frame (p90 {painted90:.1f}); {shown / floor:.2f} × the floor")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to play")
    parser.add_argument("--clicks", type=int, default=30, help="clicks per latency measure")
    parser.add_argument("--pauses", type=int, default=5, help="pauses to time")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} is missing (Debian: apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            report(run(browser, args.seconds, args.clicks, args.pauses))
        finally:
            browser.close()


if __name__ == "__main__":
    main()
