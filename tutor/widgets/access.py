"""Keyboard stepping and names for screen readers: the dashboard without a mouse or a screen.

:class:`StepKeys` is a small invisible widget placed inside a player (or the dashboard's
Explore tab). In the browser it does three things no ipywidgets control does by itself:

- **Keys.** With focus anywhere inside its area except a text box or a dropdown, → and ←
  step forward and back, Home and End jump to the start and the end, Space plays and
  pauses. On a slider the arrows keep their own meaning (they move that slider). The page
  sends only the name of the key; the kernel decides what it means (:meth:`StepKeys.press`),
  so nothing typed in the page is ever run.
- **Words.** A live region (``role="status"``) reads out :attr:`description`, the current
  step in a sentence (:func:`~tutor.widgets.alt_text.graph_description`), and the graph's
  picture carries the same sentence as its alternative text.
- **Names.** Controls that ipywidgets draws without an accessible name (the Play widget's
  icon buttons, slider handles, dropdowns, scrollable boxes) get one, taken from their
  visible label, so a screen reader says "Play" or "step k", not "button". A visible focus
  ring shows where the keyboard is.

It is built on ``anywidget``, whose front-end module is installed with the Python package,
so it works the same in Voila, JupyterLab and the classic notebook.
"""

import anywidget
import traitlets

__all__ = ["StepKeys", "KEY_SCOPE", "SR_ONLY_CSS"]

KEY_SCOPE = "tutor-keys-scope"      # CSS class of the element whose keys a StepKeys hears

SR_ONLY_CSS = ("position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;"
               "clip:rect(0,0,0,0);white-space:nowrap;border:0")

_CSS = """
.tutor-app :focus-visible, .tutor-keys-scope :focus-visible,
.tutor-app .jupyter-widgets input.widget-input:focus-visible,
.tutor-app .jupyter-widgets textarea:focus-visible,
.tutor-keys-scope .jupyter-widgets input.widget-input:focus-visible {
  outline: 3px solid #1a4fd6 !important; outline-offset: 2px;
}
.tutor-sr-only { %s }
.tutor-app .widget-readout, .tutor-keys-scope .widget-readout { color: #212121; }
.tutor-app .lm-TabBar-tab, .tutor-app .lm-TabBar-tabLabel { color: #333333 !important; }
""" % SR_ONLY_CSS

_ESM = r"""
const KEYS = new Set(["ArrowRight", "ArrowLeft", "Home", "End", " "]);
const PLAY_NAMES = ["Play or pause (Space)", "Stop: back to the start", "Repeat"];

function isTextField(node) {
  if (!node || node.nodeType !== 1) return false;
  if (node.isContentEditable) return true;
  const tag = node.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag !== "INPUT") return false;
  const type = (node.getAttribute("type") || "text").toLowerCase();
  return !["button", "checkbox", "radio", "range", "submit", "reset"].includes(type);
}

function visibleText(node) {
  return node ? (node.textContent || "").replace(/\s+/g, " ").trim() : "";
}

function labelOf(control) {
  const widget = control.closest(".widget-inline-hbox, .widget-box, .jupyter-widgets");
  const label = widget && widget.querySelector(".widget-label");
  const text = visibleText(label);
  if (text) return text;
  const titled = control.closest("[title]");
  return titled ? titled.getAttribute("title") : "";
}

// Give names to what ipywidgets leaves unnamed, inside ``root``.
function nameControls(root, description) {
  root.querySelectorAll(".widget-play").forEach((play) => {
    play.querySelectorAll("button").forEach((button, index) => {
      if (!button.getAttribute("aria-label")) {
        button.setAttribute("aria-label", PLAY_NAMES[index] || "Play control");
      }
    });
  });
  root.querySelectorAll("button").forEach((button) => {
    if (!button.getAttribute("aria-label") && !visibleText(button)) {
      const name = button.getAttribute("title") || labelOf(button);
      if (name) button.setAttribute("aria-label", name);
    }
  });
  root.querySelectorAll('[role="slider"], select, input, textarea').forEach((control) => {
    if (control.getAttribute("aria-label") || control.getAttribute("aria-labelledby")) return;
    const label = control.id && root.querySelector(`label[for="${CSS.escape(control.id)}"]`);
    if (label && label.offsetParent !== null && visibleText(label)) return;
    let name = labelOf(control) || control.getAttribute("placeholder") || "";
    if (!name && control.tagName === "SELECT" && control.options.length) {
      name = control.options[0].text.replace(/…$/, "");     // a prompt such as "Examples…"
    }
    if (name) control.setAttribute("aria-label", name);
  });
  // One landmark around the dashboard, so a screen reader can jump to it.
  if (root.classList.contains("tutor-app") && !document.querySelector('main, [role="main"]')) {
    root.setAttribute("role", "main");
  }
  // What the GIF export says ("making the GIF…", "GIF cancelled.") is read out when it
  // changes; its progress bar is announced as one.
  root.querySelectorAll(".tutor-export-link").forEach((area) => {
    if (!area.hasAttribute("role")) {
      area.setAttribute("role", "status");
      area.setAttribute("aria-live", "polite");
    }
  });
  root.querySelectorAll(".tutor-export-progress .progress").forEach((bar) => {
    if (!bar.hasAttribute("role")) {
      bar.setAttribute("role", "progressbar");
      bar.setAttribute("aria-label", "GIF frames made");
    }
  });
  root.querySelectorAll(".tutor-graph-box").forEach((box) => {
    if (!box.hasAttribute("tabindex")) {
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", "computation graph");
    }
  });
  describeGraph(root, description);
  uniqueRegionNames();
}

// Several players on one page (a lesson) must not have regions of the same name: the
// second "computation graph" becomes "computation graph (2)".
function uniqueRegionNames() {
  const seen = new Map();
  document.querySelectorAll('.tutor-keys-scope [role="region"][aria-label], '
                            + '.tutor-app [role="region"][aria-label]').forEach((region) => {
    const base = region.dataset.tutorLabel || region.getAttribute("aria-label");
    region.dataset.tutorLabel = base;
    const count = (seen.get(base) || 0) + 1;
    seen.set(base, count);
    const label = count === 1 ? base : `${base} (${count})`;
    if (region.getAttribute("aria-label") !== label) region.setAttribute("aria-label", label);
  });
}

function describeGraph(root, description) {
  // The step slider reads as the status ("backward 3/9"), not as a bare number.
  root.querySelectorAll(".tutor-stepper").forEach((stepper) => {
    const status = visibleText(stepper.querySelector(".tutor-status"));
    const handle = stepper.querySelector('.tutor-slider [role="slider"]');
    if (handle && status) handle.setAttribute("aria-valuetext", status);
  });
  root.querySelectorAll(".tutor-graph").forEach((graph) => {
    graph.querySelectorAll("img").forEach((image, index) => {
      // One picture cut into strips: the first strip says what the whole picture shows.
      const alt = index === 0 ? description : "";
      if (image.getAttribute("alt") !== alt) image.setAttribute("alt", alt);
    });
  });
}

function render({ model, el }) {
  el.classList.add("tutor-keys");
  const live = document.createElement("div");
  live.className = "tutor-live tutor-sr-only";
  live.setAttribute("role", "status");
  live.setAttribute("aria-live", "polite");
  live.setAttribute("aria-atomic", "true");
  el.appendChild(live);

  const scope = () => el.closest(".tutor-keys-scope") || el.parentElement;
  const namesRoot = () => el.closest(".tutor-app") || scope();

  const showDescription = () => {
    const text = model.get("description");
    if (!model.get("quiet")) live.textContent = text;    // while playing, no flood of words
    const root = namesRoot();
    if (root) describeGraph(root, text);
  };
  model.on("change:description", showDescription);
  model.on("change:quiet", showDescription);           // paused: say where it stopped
  showDescription();

  let pending = false;
  const observer = new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      const root = namesRoot();
      if (root) nameControls(root, model.get("description"));
    });
  });
  const attach = () => {
    const root = namesRoot();
    if (!el.isConnected || !root) { setTimeout(attach, 100); return; }
    nameControls(root, model.get("description"));
    observer.observe(root, { childList: true, subtree: true });
  };
  attach();

  function soleScope(root) {
    const shown = [...document.querySelectorAll(".tutor-keys-scope")]
      .filter((node) => node.offsetParent !== null);
    return shown.length === 1 && shown[0] === root;
  }

  function onKey(event) {
    if (event.altKey || event.ctrlKey || event.metaKey || !KEYS.has(event.key)) return;
    const root = scope();
    if (!root || root.offsetParent === null) return;        // e.g. another tab is shown
    const target = event.target;
    const onPage = target === document.body || target === document.documentElement;
    if (!(root.contains(target) || (onPage && soleScope(root)))) return;
    if (isTextField(target)) return;
    if (event.key !== " " && target.closest) {
      if (target.closest(".tutor-speed")) return;            // a slider of its own
      if ((event.key === "ArrowRight" || event.key === "ArrowLeft")
          && target.closest('[role="slider"]')) return;      // the step slider steps already
    }
    event.preventDefault();
    if (!(event.repeat && event.key === " ")) model.send({ key: event.key });
  }
  // Space on a focused button would also press it (on key-up): stop that, Space is Play.
  function onKeyUp(event) {
    if (event.key === " " && !isTextField(event.target) && scope()
        && scope().contains(event.target)) event.preventDefault();
  }
  document.addEventListener("keydown", onKey);
  document.addEventListener("keyup", onKeyUp);
  return () => {
    document.removeEventListener("keydown", onKey);
    document.removeEventListener("keyup", onKeyUp);
    observer.disconnect();
  };
}
export default { render };
"""


class StepKeys(anywidget.AnyWidget):
    """Keyboard stepping, a live region and accessible names for one stepper.

    ``description`` is the sentence the live region reads and the graph's alternative
    text; the player sets it on every step. While Play runs, ``quiet`` is true and the live
    region waits (ten sentences a second would drown a screen reader); on pause it reads
    where the story stopped. ``press(key)`` does what a key press in the
    page does (``"ArrowRight"``, ``"ArrowLeft"``, ``"Home"``, ``"End"``, ``" "``); any
    other key is ignored. ``last_key`` is the last key acted on.
    """

    _esm = _ESM
    _css = _CSS
    description = traitlets.Unicode("").tag(sync=True)
    quiet = traitlets.Bool(False).tag(sync=True)

    def __init__(self, stepper, **kwargs):
        super().__init__(**kwargs)
        self.stepper = stepper
        self.last_key = None
        self.add_class("tutor-keys")
        self.layout.width = self.layout.height = "0px"
        self.layout.overflow = "hidden"
        self.layout.margin = "0"
        self.on_msg(self._on_message)
        stepper.play.observe(self._playing, "playing")

    def _playing(self, change):
        self.quiet = bool(change["new"])

    def _on_message(self, _widget, content, _buffers):
        if isinstance(content, dict) and isinstance(content.get("key"), str):
            self.press(content["key"])

    def press(self, key):
        """Act on one key, as the stepper's buttons would; return True if it meant anything."""
        stepper = self.stepper
        state = stepper.state
        moves = {"ArrowRight": state.forward, "ArrowLeft": state.back, "Home": state.reset,
                 "End": state.to_end}
        if key in moves:
            self.last_key = key
            stepper.move(moves[key])
            return True
        if key == " ":
            self.last_key = key
            stepper.toggle_play()
            return True
        return False
