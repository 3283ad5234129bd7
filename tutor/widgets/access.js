// Names for the dashboard's ipywidgets controls, for screen readers.
//
// ipywidgets draws some controls without an accessible name (icon buttons, dropdowns,
// progress bars, text boxes whose label is not tied to them). This module gives each one
// the name its visible label shows, inside the dashboard (.tutor-app), and again whenever
// the dashboard changes. The stepper (tutor/widgets/stepper) names its own controls.

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

/** Give names to what ipywidgets leaves unnamed, inside root (but not in a stepper). */
export function nameControls(root) {
  const own = (node) => !node.closest(".tutor-stepper-view");
  root.querySelectorAll("button").forEach((button) => {
    if (own(button) && !button.getAttribute("aria-label") && !visibleText(button)) {
      const name = button.getAttribute("title") || labelOf(button);
      if (name) button.setAttribute("aria-label", name);
    }
  });
  root.querySelectorAll('[role="slider"], select, input, textarea').forEach((control) => {
    if (!own(control)) return;
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
  // What the exports say ("making the GIF…", "GIF cancelled.", the web page's link) is
  // read out when it changes; the GIF's progress bar is announced as one.
  root.querySelectorAll(".tutor-export-link, .tutor-export-html-link").forEach((area) => {
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
}

function render({ el }) {
  el.classList.add("tutor-names");
  let pending = false;
  const root = () => el.closest(".tutor-app") || el.parentElement;
  const observer = new MutationObserver((mutations) => {
    // the stepper changes its own elements at every step: nothing there needs a name
    if (pending || mutations.every((m) => m.target.closest && m.target.closest(".tutor-stepper-view"))) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      if (root()) nameControls(root());
    });
  });
  let waiting = null;
  const attach = () => {
    if (!el.isConnected || !root()) {
      waiting = setTimeout(attach, 100);
      return;
    }
    nameControls(root());
    observer.observe(root(), { childList: true, subtree: true });
  };
  attach();
  return () => {
    clearTimeout(waiting);
    observer.disconnect();
  };
}

export default { render };
