"""How quickly the dashboard answers a learner, measured in headless Chromium.

Run from anywhere:  .venv/bin/python benchmarks/dashboard_latency.py  [--clicks 30] [--opens 3]

Three numbers, each measured on the dashboard (``app.ipynb``) and on the *floor*: a Voila
page holding only one button and one label (``benchmarks/minimal_voila.ipynb``). Whatever
the floor costs (Voila's JavaScript, the widget messages to the kernel and back, the browser
redrawing) no Voila dashboard can beat, so each dashboard number is also given as a ratio to
the floor's.

* **Page open to usable stepper**: from navigation start to the moment the
  ``tutor-step-forward`` button is enabled and ``tutor-status`` shows text. *Cold* opens use
  a fresh browser profile (nothing cached, a learner's first visit); *warm* opens revisit in
  the same profile (Voila's JavaScript is in the browser cache). Before each open we wait
  until Voila's pool of preheated kernels is full again, as it is when a learner arrives at
  a server that has been up for a while. One cold open without kernel preheating shows what
  the pool saves.
* **Step**: from the click on ``tutor-step-forward`` to ``tutor-status`` showing new text
  *and* the ``tutor-graph`` showing a new picture, decoded and ready to paint (the
  floor: to the label's new text). Median and 90th percentile over ``--clicks`` clicks, for
  the seed's ``f`` and for an expression whose graph has 60 nodes. The seed's ``f`` is also
  stepped with the → key (a keyboard user: the key goes to the kernel as a message of the
  dashboard's ``StepKeys`` widget, then the same redraw).

Targets (from the issue): step median at most 100 ms for the seed's f and 150 ms for the
60-node graph; page open at most 4 s. Issue 10 adds the menu's linear layer
(``sum(tanh(W @ x + b))`` on a 2×2 matrix, at most 150 ms) in reverse and forward mode, and
the seed's f in forward mode (at most 100 ms).

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
TARGETS_MS = {"step, seed f": 100.0, "step, 60-node graph": 150.0, "open": 4000.0,
              "step, seed f, forward": 100.0, "step, linear layer": 150.0,
              "step, linear layer, forward": 150.0}
# issue 10: the menu's array example, and both modes
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

# One click, timed inside the page. Resolves with the milliseconds from the click until the
# status text changed and (when there is a graph) the graph's pictures changed and are
# decoded. The graph (CSS class tutor-graph) holds one or more <img>; a step re-sends only
# the ones whose pixels changed, so "the graph changed" means any picture's src changed.
STEP = """
async ({button, key, status, graph, timeoutMs}) => {
  const text = () => (document.querySelector(status) || {}).innerText;
  const images = () => graph ? [...document.querySelectorAll(graph + ' img, img' + graph)] : [];
  const pictures = () => images().map(image => image.src).join(' ');
  const oldText = text();
  const oldPictures = pictures();
  const changed = new Promise((resolve, reject) => {
    const check = () => {
      if (text() === oldText) return;
      if (graph && pictures() === oldPictures) return;
      observer.disconnect();
      resolve(performance.now());
    };
    const observer = new MutationObserver(check);
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
  let finished = await changed;
  if (graph) {
    // decode() fails if the picture is replaced meanwhile (the widget frees the old one);
    // then try again on the next frame with whatever the image shows now.
    const decoded = async (image) => {
      for (let attempt = 0; attempt < 100; attempt++) {
        if (!image.src) return;
        try { await image.decode(); return; } catch (error) {
          await new Promise(next => requestAnimationFrame(next));
        }
      }
      throw new Error('a graph picture never decoded');
    };
    await Promise.all(images().map(decoded));
    finished = performance.now();
  }
  return finished - started;
}
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


def set_expression(page, expression, values):
    """Type an expression and its values into the dashboard; wait for the new recording."""
    pictures = "[...document.querySelectorAll('.tutor-graph img')].map(i => i.src).join(' ')"
    old = page.evaluate(pictures)
    current = [page.locator(f".{name} input").first.input_value()
               for name in ("tutor-expression", "tutor-values")]
    if current == [expression, values]:
        return                                    # already showing it
    enter_text(page, "tutor-expression", expression)
    enter_text(page, "tutor-values", values)
    page.wait_for_function(f"old => ({pictures}) !== old", arg=old)
    wait_idle(page)
    error = page.locator(".tutor-error").first.inner_text().strip()
    if error:
        raise RuntimeError(f"the dashboard rejected {expression!r}: {error}")


def set_mode(page, mode):
    """Choose ``mode`` in the mode control (``tutor-mode``); wait for the new recording."""
    pictures = "[...document.querySelectorAll('.tutor-graph img')].map(i => i.src).join(' ')"
    old = page.evaluate(pictures)
    page.locator(".tutor-mode select").select_option(label=MODE_LABELS[mode])
    page.wait_for_function(f"old => ({pictures}) !== old", arg=old)
    wait_idle(page)


def forward_enabled(page):
    return page.evaluate("!document.querySelector('.tutor-step-forward').disabled")


def step_times(page, clicks, graph, key=None):
    """Click step-forward ``clicks`` times; return the latency of each click in ms.

    With ``key`` (e.g. ``"ArrowRight"``), press that key instead of clicking.

    When the recording reaches its end (the forward button is disabled), ``tutor-reset``
    starts it over; that click is not timed.
    """
    times = []
    arg = {"button": ".tutor-step-forward", "key": key, "status": ".tutor-status",
           "graph": ".tutor-graph" if graph else None, "timeoutMs": 10_000}
    while len(times) < clicks:
        if not forward_enabled(page):
            page.click(".tutor-reset")
            page.wait_for_function(
                "!document.querySelector('.tutor-step-forward').disabled")
            wait_idle(page)
        times.append(page.evaluate(STEP, arg))
        page.wait_for_timeout(50)  # a learner does not click faster than the page answers
    return times


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


def run(notebook, browser, clicks, opens, dashboard):
    results = {}
    with Voila(notebook) as server:
        server.wait_pool_full(0)
        cold, warm = measure_opens(browser, server, opens)
        results["open cold"], results["open warm"] = median(cold), median(warm)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page, _ = open_page(context, server.url)
        wait_idle(page)
        if dashboard:
            set_expression(page, *SEED)
            seed = step_times(page, clicks, graph=True)
            results["step, seed f"] = (median(seed), p90(seed))
            keys = step_times(page, clicks, graph=True, key="ArrowRight")
            results["step by → key, seed f"] = (median(keys), p90(keys))
            set_expression(page, sixty_node_expression(), "x=0.7, y=1.3")
            big = step_times(page, clicks, graph=True)
            results["step, 60-node graph"] = (median(big), p90(big))
            set_expression(page, *LINEAR_LAYER)
            layer = step_times(page, clicks, graph=True)
            results["step, linear layer"] = (median(layer), p90(layer))
            set_mode(page, "forward")
            layer = step_times(page, clicks, graph=True)
            results["step, linear layer, forward"] = (median(layer), p90(layer))
            set_expression(page, *SEED)
            seed = step_times(page, clicks, graph=True)
            results["step, seed f, forward"] = (median(seed), p90(seed))
        else:
            floor = step_times(page, clicks, graph=False)
            results["step"] = (median(floor), p90(floor))
        context.close()
    with Voila(notebook, ["--VoilaConfiguration.preheat_kernel=False"]) as server:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        _, results["open cold, no preheat"] = open_page(context, server.url)
        context.close()
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=30, help="timed clicks per expression")
    parser.add_argument("--opens", type=int, default=3, help="page opens (cold and warm)")
    parser.add_argument("--floor-only", action="store_true",
                        help="measure only the floor page (prints its numbers)")
    options = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing (apt-get install chromium); this benchmark never "
                 "downloads a browser")
    if not options.floor_only and not (REPO / DASHBOARD).exists():
        sys.exit(f"{DASHBOARD} is missing: nothing to measure")
    from playwright.sync_api import sync_playwright

    options.load_before = os.getloadavg()[0]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            floor = run(FLOOR, browser, options.clicks, options.opens, dashboard=False)
            if options.floor_only:
                print({name: value for name, value in floor.items()})
                return
            board = run(DASHBOARD, browser, options.clicks, options.opens, dashboard=True)
        finally:
            browser.close()
    report(floor, board, options)


def report(floor, board, options):
    print(f"Dashboard latency in headless Chromium ({os.cpu_count()} CPUs, load average "
          f"{options.load_before:.1f} before and {os.getloadavg()[0]:.1f} after; "
          f"{options.clicks} clicks, {options.opens} opens; medians, ms)")
    print(f"{'measure':<28}{'dashboard':>11}{'floor':>9}{'ratio':>8}{'target':>9}  verdict")
    rows = [("open cold", "open cold", "open"), ("open warm", "open warm", "open"),
            ("open cold, no preheat", "open cold, no preheat", None),
            ("step, seed f", "step", "step, seed f"),
            ("step by → key, seed f", "step", "step, seed f"),
            ("step, 60-node graph", "step", "step, 60-node graph"),
            ("step, seed f, forward", "step", "step, seed f, forward"),
            ("step, linear layer", "step", "step, linear layer"),
            ("step, linear layer, forward", "step", "step, linear layer, forward")]
    for name, floor_key, target_key in rows:
        value = board[name][0] if isinstance(board[name], tuple) else board[name]
        base = floor[floor_key][0] if isinstance(floor[floor_key], tuple) else floor[floor_key]
        target = TARGETS_MS.get(target_key)
        verdict = "" if target is None else ("ok" if value <= target else "OVER TARGET")
        target_text = f"{target:>9.0f}" if target else f"{'':>9}"
        print(f"{name:<28}{value:>11.0f}{base:>9.0f}{value / base:>8.2f}{target_text}  {verdict}")
    for name in ("step, seed f", "step by → key, seed f", "step, 60-node graph",
                 "step, seed f, forward", "step, linear layer", "step, linear layer, forward"):
        print(f"  {name}: 90th percentile {board[name][1]:.0f} ms "
              f"(floor {floor['step'][1]:.0f} ms)")


if __name__ == "__main__":
    main()
