"""The Train tab seen from inside the page: shared by tests/test_browser_train.py and
benchmarks/train_live.py.

``WATCH`` notes, from the moment it runs, every change of the iteration counter with its
time (``window.__changes``) and which iteration each painted frame shows
(``window.__painted``: an animation-frame callback runs just before each paint).
``PRESS_PLAY`` clicks Play (or Pause) and returns when, in the page's clock.
"""

STEPPER = ".tutor-train .tutor-stepper-view"     # the Train tab's stepper

WATCH = """
() => {
  const counter = document.querySelector('.tutor-train-iteration');
  window.__changes = [];
  let shown = counter.textContent;
  if (window.__watching) window.__watching.disconnect();
  window.__watching = new MutationObserver(() => {
    if (counter.textContent === shown) return;
    shown = counter.textContent;
    window.__changes.push([performance.now(), Number(shown)]);
  });
  window.__watching.observe(counter, {childList: true, characterData: true, subtree: true});
  window.__painted = [];
  const frame = () => {
    const last = window.__painted[window.__painted.length - 1];
    if (!last || last[1] !== counter.textContent) {
      window.__painted.push([performance.now(), counter.textContent]);
    }
    window.__painting = requestAnimationFrame(frame);
  };
  cancelAnimationFrame(window.__painting);
  window.__painting = requestAnimationFrame(frame);
}
"""
PRESS_PLAY = """
() => { window.__pressedAt = performance.now();
        document.querySelector('.tutor-train-play').click(); return window.__pressedAt; }
"""
WAIT = "ms => new Promise(resolve => setTimeout(resolve, ms))"


def changes(page):
    """``[[time, iteration], ...]``: the counter's changes since ``WATCH`` ran."""
    return page.evaluate("window.__changes")


def quiet(page, ms=1000):
    """Wait until the counter has not changed for ``ms``."""
    while True:
        seen = len(changes(page))
        page.evaluate(WAIT, ms)
        if len(changes(page)) == seen:
            return
