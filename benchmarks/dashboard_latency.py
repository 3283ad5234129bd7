"""How quickly the dashboard answers a learner, measured in headless Chromium.

Run from anywhere:  .venv/bin/python benchmarks/dashboard_latency.py  [--clicks 30] [--opens 3]

Each number is measured on the dashboard (``app.ipynb``) and, where it applies, on the
*floor*: a Voila page holding only one button and one label
(``benchmarks/minimal_voila.ipynb``), whose click goes to the kernel and back. Whatever the
floor costs no Voila page that asks its kernel can beat; the stepper does not ask its kernel
at all (issue 19), so its steps can be faster than the floor.

* **Page open to usable stepper**: from navigation start to the moment the
  ``tutor-step-forward`` button is enabled and ``tutor-status`` shows text. *Cold* opens use
  a fresh browser profile (nothing cached, a learner's first visit); *warm* opens revisit in
  the same profile. Before each open we wait until Voila's pool of preheated kernels is full
  again, as it is when a learner arrives at a server that has been up for a while. One cold
  open without kernel preheating shows what the pool saves.
* **Step**: from the click on ``tutor-step-forward`` (or the → key) to ``tutor-status``
  showing new text, and then to the next frame the browser paints (the floor: to its label's
  new text, then the next frame), printed beside the floor's and as a ratio to it. Median
  and 90th percentile over ``--clicks`` clicks, for the seed's ``f``, a 60-node graph, the
  menu's linear layer in both modes, the seed's f in forward mode, and a 1,000-node
  recording (``benchmarks/thousand_nodes.ipynb``: 1,002 nodes, 2,000 steps) in its forward
  and its backward pass.
* **First render of the 1,000-node recording**: the stepper's own measure (reading the
  story, drawing every node and edge, the listing and the table) to the next painted frame;
  the size of the story's JSON; and its page's open (the kernel records it and sends it).

Targets (issue 19): step median at most 16 ms (one frame at 60 Hz) everywhere; the 1,000-node
recording drawn in at most 1 s from a JSON of at most 1 MB; page open at most 1.2 times the
floor's.

Times are read inside the page with ``performance.now()``: a ``MutationObserver`` notices the
change, so Playwright's own round trips are not counted.
"""

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
for folder in (REPO, REPO / "tests"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
from voila_server import (  # noqa: E402  (tests/ holds the Voila helpers the tests use too)
    CHROMIUM, CHROMIUM_ARGS, start_voila, stop_process_tree)

DASHBOARD = "app.ipynb"
FLOOR = "benchmarks/minimal_voila.ipynb"
SEED = ("log(x**2) + y**2 + x*y", "x=1, y=2")
STEP_TARGET_MS = 16.0                 # one frame at 60 Hz
OPEN_RATIO = 1.2                      # page open, dashboard / floor
RENDER_TARGET_MS = 1000.0             # first render of the 1,000-node recording
JSON_TARGET_BYTES = 1_000_000
BIG = "benchmarks/thousand_nodes.ipynb"
# the menu's array example, and both modes
LINEAR_LAYER = ("sum(tanh(W @ x + b))", "W=[[0.5, -1], [2, 0.3]], x=[1, 2], b=[0.1, -0.2]")
MODE_LABELS = {"reverse": "reverse (backward pass)", "forward": "forward (tangents)"}
TIMEOUT_MS = 60_000


# --------------------------------------------------------------------------------------
# Voila, started the way `make app` starts it (from the repository root, reading voila.json)
# --------------------------------------------------------------------------------------

class Voila:
    """``python -m voila <notebook>`` on a free port, as a context manager.

    ``pool_fills()`` counts the log lines saying the preheated kernel pool is full again;
    ``wait_pool_full(after)`` waits for that count to pass ``after``.
    """

    def __init__(self, notebook, extra_args=()):
        self.notebook = notebook
        self.extra_args = list(extra_args)
        self.log_path = Path(tempfile.mkdtemp(prefix="voila-bench-")) / "voila.log"

    def __enter__(self):
        server = start_voila(self.notebook, self.log_path, self.extra_args)
        self.process, self.url = server.process, server.url
        return self

    def __exit__(self, *exc):
        stop_process_tree(self.process)

    def log(self):
        return self.log_path.read_text(errors="replace")

    def pool_fills(self):
        return len(re.findall(r"Kernel pool of .* is filled", self.log()))

    def wait_pool_full(self, after, timeout=120):
        """Wait until the preheated pool has been refilled more than ``after`` times."""
        deadline = time.monotonic() + timeout
        while self.pool_fills() <= after:
            if time.monotonic() > deadline:
                raise RuntimeError("the preheated kernel pool did not refill in time")
            time.sleep(0.1)


# --------------------------------------------------------------------------------------
# In-page measurements (JavaScript run by Playwright)
# --------------------------------------------------------------------------------------

# Installed before any page script runs: records when the stepper first becomes usable.
USABLE_OBSERVER = """
(() => {
  const usable = () => {
    const button = document.querySelector('.tutor-step-forward');
    const status = document.querySelector('.tutor-status');
    return button && !button.disabled && status && status.innerText.trim().length > 0;
  };
  const watch = () => {
    const observer = new MutationObserver(() => {
      if (window.__usableAt === undefined && usable()) {
        window.__usableAt = performance.now();
        observer.disconnect();
      }
    });
    observer.observe(document, {subtree: true, childList: true, attributes: true,
                                characterData: true});
  };
  watch();
})();
"""

# One click (or key press), timed inside the page. Resolves with [ms until the status text
# changed, ms until the next frame was painted after that].
STEP = """
async ({button, key, status, timeoutMs}) => {
  const text = () => (document.querySelector(status) || {}).innerText;
  const oldText = text();
  const changed = new Promise((resolve, reject) => {
    const observer = new MutationObserver(() => {
      if (text() === oldText) return;
      observer.disconnect();
      resolve(performance.now());
    });
    observer.observe(document.body, {subtree: true, childList: true, attributes: true,
                                     characterData: true});
    setTimeout(() => { observer.disconnect(); reject(new Error('no change after click')); },
               timeoutMs);
  });
  const started = performance.now();
  if (key) {   // a key press with the focus on the page, as a keyboard user steps
    document.body.dispatchEvent(new KeyboardEvent('keydown', {key, bubbles: true}));
  } else {
    document.querySelector(button).click();
  }
  const shown = await changed;
  await new Promise(frame => requestAnimationFrame(() => setTimeout(frame, 0)));
  return [shown - started, performance.now() - started];
}
"""

# Installed before any page script runs: when the stepper measures how long it took to draw
# a story, note when the next frame is painted after it.
RENDER_OBSERVER = """
(() => {
  const measure = performance.measure.bind(performance);
  performance.measure = (name, ...rest) => {
    const entry = measure(name, ...rest);
    if (name === 'tutor-stepper: story drawn' && window.__drawn === undefined) {
      window.__drawn = entry.duration;
      requestAnimationFrame(() => setTimeout(() => {
        window.__painted = performance.now() - entry.startTime;
      }, 0));
    }
    return entry;
  };
})();
"""


def open_page(context, url):
    """Open ``url`` in ``context``; return (page, ms from navigation start to usable stepper)."""
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.add_init_script(USABLE_OBSERVER)
    page.goto(url, wait_until="commit")
    page.wait_for_function("window.__usableAt !== undefined", timeout=TIMEOUT_MS)
    return page, page.evaluate("window.__usableAt")


def wait_idle(page, status_selector=".tutor-status", quiet_ms=300):
    """Wait until the status text has not changed for ``quiet_ms`` (the page settled)."""
    page.wait_for_function(
        """([selector, quiet]) => {
             const now = performance.now();
             const text = (document.querySelector(selector) || {}).innerText;
             if (window.__lastText !== text) { window.__lastText = text; window.__since = now; }
             return now - window.__since >= quiet;
           }""", arg=[status_selector, quiet_ms], polling=50)


def enter_text(page, css_class, text):
    """Type ``text`` into the text box with CSS class ``css_class`` and press Enter."""
    box = page.locator(f".{css_class} input, .{css_class} textarea").first
    box.fill(text)
    box.press("Enter")


def recording_of(expression, values, mode="reverse"):
    """The recording the dashboard makes of ``expression`` (to know what its page shows)."""
    from tutor.widgets.explorer import make_recording
    return make_recording(expression, values, mode=mode)[0]


def wait_for_recording(page, recording):
    """Wait until the stepper shows ``recording`` from its start."""
    page.wait_for_function(
        """([status, steps]) => document.querySelector('.tutor-status').textContent === status
             && document.querySelector('.tutor-slider input').max === String(steps)""",
        arg=[f"forward 0/{len(recording.forward)}", recording.steps])
    wait_idle(page)


def set_expression(page, expression, values, mode="reverse"):
    """Type an expression and its values into the dashboard; wait for the new recording."""
    current = [page.locator(f".{name} input").first.input_value()
               for name in ("tutor-expression", "tutor-values")]
    if current == [expression, values]:
        return                                    # already showing it
    enter_text(page, "tutor-values", values)
    enter_text(page, "tutor-expression", expression)
    wait_for_recording(page, recording_of(expression, values, mode))
    error = page.locator(".tutor-error").first.inner_text().strip()
    if error:
        raise RuntimeError(f"the dashboard rejected {expression!r}: {error}")


def set_mode(page, mode, expression, values):
    """Choose ``mode`` in the mode control (``tutor-mode``); wait for the new recording."""
    page.locator(".tutor-mode select").select_option(label=MODE_LABELS[mode])
    wait_for_recording(page, recording_of(expression, values, mode))


def forward_enabled(page):
    return page.evaluate("!document.querySelector('.tutor-step-forward').disabled")


def step_times(page, clicks, key=None, start=None):
    """Click step-forward ``clicks`` times; return ``[(to status, to painted frame), ...]`` in
    ms. With ``key`` (e.g. ``"ArrowRight"``), press that key instead of clicking.

    When the recording reaches its end (the forward button is disabled), ``tutor-reset``
    (or, with ``start``, the slider moved to step ``start``) starts it over; that move is not
    timed.
    """
    times = []
    arg = {"button": ".tutor-step-forward", "key": key, "status": ".tutor-status",
           "timeoutMs": 10_000}
    while len(times) < clicks:
        if not forward_enabled(page):
            if start is None:
                page.click(".tutor-reset")
            else:
                scrub(page, start)
            page.wait_for_function(
                "!document.querySelector('.tutor-step-forward').disabled")
            wait_idle(page)
        times.append(tuple(page.evaluate(STEP, arg)))
        page.wait_for_timeout(50)  # a learner does not click faster than the page answers
    return times


def scrub(page, k):
    """Move the step slider to ``k``, as a drag does."""
    page.locator(".tutor-slider input").evaluate(
        "(slider, k) => { slider.value = String(k);"
        " slider.dispatchEvent(new Event('input', {bubbles: true})); }", k)


def sixty_node_expression(target=60):
    """An expression in x and y whose recorded graph has exactly ``target`` nodes.

    Built from a few kinds of terms (so the layout has several layers and fan-out), then
    topped up with ``+ x`` (one node each) to land on ``target``. Node counts come from
    ``tutor.record``, the same recording the dashboard draws.
    """
    from tutor.expression import parse
    from tutor.record import record

    def count(text):
        expression = parse(text)
        return len(record(expression, *[1.0] * len(expression.variables)).nodes)

    terms = ["sin(x)*cos(y)", "exp(-x*y)", "log(x**2 + y**2)", "tanh(x - y)", "x*y*x",
             "sqrt(x**2 + 1)", "cos(x*y)/y"]
    text, index = "x*y", 0
    while True:
        candidate = f"{text} + {terms[index % len(terms)]}"
        if count(candidate) > target:
            break
        text, index = candidate, index + 1
    while count(text) < target:
        text += " + x"
    if count(text) != target:
        raise RuntimeError(f"could not build a {target}-node expression")
    return text


# --------------------------------------------------------------------------------------
# The runs
# --------------------------------------------------------------------------------------

def median(values):
    return statistics.median(values)


def p90(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def summary(times):
    """(median, 90th percentile) to the new status, and the same to the painted frame."""
    shown, painted = zip(*times)
    return {"shown": (median(shown), p90(shown)), "painted": (median(painted), p90(painted))}


def measure_opens(browser, server, opens):
    """Cold and warm page-open times (ms), each open after the kernel pool is full again."""
    cold, warm = [], []
    for _ in range(opens):
        fills = server.pool_fills()
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page, ms = open_page(context, server.url)
        cold.append(ms)
        page.close()
        server.wait_pool_full(fills)
        fills = server.pool_fills()
        page, ms = open_page(context, server.url)  # same profile: scripts are cached
        warm.append(ms)
        context.close()
        server.wait_pool_full(fills)
    return cold, warm


def opened(browser, server, opens, results):
    """Measure the page's opens into ``results``; then open it once more to step in.
    Returns (context, page)."""
    server.wait_pool_full(0)
    results["open cold"], results["open warm"] = map(median, measure_opens(browser, server,
                                                                           opens))
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page, _ = open_page(context, server.url)
    wait_idle(page)
    return context, page


def run_floor(browser, clicks, opens):
    results = {}
    with Voila(FLOOR) as server:
        context, page = opened(browser, server, opens, results)
        results["step"] = summary(step_times(page, clicks))
        context.close()
    return results


def run_dashboard(browser, clicks, opens):
    results = {}
    with Voila(DASHBOARD) as server:
        context, page = opened(browser, server, opens, results)
        seed = ("log(x**2) + y**2 + x*y", "x=1, y=2")
        set_expression(page, *seed)
        results["seed f"] = summary(step_times(page, clicks))
        results["seed f, → key"] = summary(step_times(page, clicks, key="ArrowRight"))
        set_expression(page, sixty_node_expression(), "x=0.7, y=1.3")
        results["60-node graph"] = summary(step_times(page, clicks))
        set_expression(page, *LINEAR_LAYER)
        results["linear layer"] = summary(step_times(page, clicks))
        set_mode(page, "forward", *LINEAR_LAYER)
        results["linear layer, forward"] = summary(step_times(page, clicks))
        set_expression(page, *seed, mode="forward")
        results["seed f, forward"] = summary(step_times(page, clicks))
        context.close()
    with Voila(DASHBOARD, ["--VoilaConfiguration.preheat_kernel=False"]) as server:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        _, results["open cold, no preheat"] = open_page(context, server.url)
        context.close()
    return results


def run_big(browser, clicks):
    """The 1,000-node recording: its first render, and steps in both passes."""
    results = {}
    with Voila(BIG) as server:
        server.wait_pool_full(0)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.add_init_script(RENDER_OBSERVER)
        page, results["open"] = open_page(context, server.url)
        page.wait_for_function("window.__painted !== undefined")
        results["drawn"] = page.evaluate("window.__drawn")
        results["painted"] = page.evaluate("window.__painted")
        wait_idle(page)
        results["1,000 nodes, forward pass"] = summary(step_times(page, clicks))
        scrub(page, 1000)
        wait_idle(page)
        results["1,000 nodes, backward pass"] = summary(step_times(page, clicks, start=1000))
        context.close()
    return results


def thousand_node_json_bytes():
    """The size of the story the 1,000-node notebook sends (the same recording)."""
    import nbformat

    from tutor.widgets.story import story_json
    notebook = nbformat.read(REPO / BIG, as_version=4)
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"][0]
    namespace = {}
    exec(code, namespace)                # noqa: S102 (this repository's own notebook)
    recording = namespace["recording"]
    return len(recording.nodes), len(story_json(recording).encode("utf-8"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=30, help="timed clicks per measure")
    parser.add_argument("--opens", type=int, default=3, help="page opens (cold and warm)")
    options = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing (apt-get install chromium); this benchmark never "
                 "downloads a browser")
    from playwright.sync_api import sync_playwright

    options.load_before = os.getloadavg()[0]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            floor = run_floor(browser, options.clicks, options.opens)
            board = run_dashboard(browser, options.clicks, options.opens)
            big = run_big(browser, options.clicks)
        finally:
            browser.close()
    report(floor, board, big, thousand_node_json_bytes(), options)


def verdict(ok):
    return "ok" if ok else "OVER TARGET"


def report(floor, board, big, json_size, options):
    print(f"Dashboard latency in headless Chromium ({os.cpu_count()} CPUs, load average "
          f"{options.load_before:.1f} before and {os.getloadavg()[0]:.1f} after; "
          f"{options.clicks} clicks, {options.opens} opens; medians, ms)")
    print(f"{'page open to a usable stepper':<34}{'dashboard':>10}{'floor':>8}{'ratio':>7}"
          f"{'target':>8}  verdict")
    for name in ("open cold", "open warm", "open cold, no preheat"):
        base = floor.get(name, floor["open cold"])
        ratio = board[name] / base
        target = "" if "preheat" in name else f"{OPEN_RATIO:>7.1f}x"
        print(f"{name:<34}{board[name]:>10.0f}{base:>8.0f}{ratio:>7.2f}{target:>8}  "
              + ("" if "preheat" in name else verdict(ratio <= OPEN_RATIO)))
    floor_shown, floor_painted = floor["step"]["shown"][0], floor["step"]["painted"][0]
    print(f"\n{'one step (click to new status)':<34}{'status':>10}{'floor':>8}{'ratio':>7}"
          f"{'painted':>9}{'p90':>7}{'target':>8}  verdict")
    steps = {**{name: board[name] for name in ("seed f", "seed f, → key", "60-node graph",
                                               "linear layer", "linear layer, forward",
                                               "seed f, forward")},
             **{name: big[name] for name in ("1,000 nodes, forward pass",
                                             "1,000 nodes, backward pass")}}
    for name, measured in steps.items():
        shown, painted = measured["shown"][0], measured["painted"][0]
        print(f"{name:<34}{shown:>10.1f}{floor_shown:>8.1f}{shown / floor_shown:>7.2f}"
              f"{painted:>9.1f}{measured['painted'][1]:>7.1f}{STEP_TARGET_MS:>8.0f}  "
              f"{verdict(painted <= STEP_TARGET_MS)}")
    print(f"  (ratio: status / the floor's round trip to its new label; painted: to the next "
          f"painted frame, its median and p90, the floor's {floor_painted:.1f} ms; the target "
          f"is on the painted median)")
    nodes, size = json_size
    print(f"\n1,000-node recording ({nodes} nodes): story drawn in {big['drawn']:.0f} ms, "
          f"painted {big['painted']:.0f} ms after it arrived (target {RENDER_TARGET_MS:.0f}): "
          f"{verdict(big['painted'] <= RENDER_TARGET_MS)}; its JSON {size / 1e6:.3f} MB "
          f"(target {JSON_TARGET_BYTES / 1e6:.0f} MB): {verdict(size <= JSON_TARGET_BYTES)}; "
          f"its page usable {big['open']:.0f} ms after navigation (the kernel records it too)")


if __name__ == "__main__":
    main()
