"""A page with no Jupyter that shows the stepper: its module, its CSS, a story, and a small
model object in place of anywidget's (get, set, on, off, save_changes).

The stepper must render this way (a lesson exported as a web page does the same); the
browser tests use it to check the widget without a kernel.
"""

import json

from tutor.widgets.stepper import css_text, module_text
from tutor.widgets.story import story_json

SHIM = """
class Model {
  constructor(values) { this.values = values; this.handlers = {}; this.saved = []; }
  get(name) { return this.values[name]; }
  set(name, value) {
    if (this.values[name] === value) return;
    this.values[name] = value;
    (this.handlers["change:" + name] || []).forEach((handler) => handler());
  }
  on(name, handler) { (this.handlers[name] = this.handlers[name] || []).push(handler); }
  off(name, handler) {
    this.handlers[name] = (this.handlers[name] || []).filter((h) => h !== handler);
  }
  save_changes() { this.saved.push({ ...this.values }); }
}
"""


def page_html(recording, k=0, width=None):
    """The HTML of a page showing ``recording`` at step ``k``; ``window.model`` is its model."""
    values = {"story": story_json(recording), "k": k, "story_id": 1, "step": f"1:{k}",
              "playing": False, "speed": 2, "pinned": "", "mark": {}}
    style = f"max-width:{width}px;" if width else ""
    module = module_text().replace("</script", "<\\/script")
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>stepper</title><style>{css_text()}</style></head><body>
<main><div id="stepper" class="tutor-keys-scope" style="{style}"></div></main>
<script type="module">
{SHIM}
const url = URL.createObjectURL(new Blob([document.getElementById("module").textContent],
                                         {{type: "text/javascript"}}));
const stepper = await import(url);
window.model = new Model({json.dumps(values)});
window.renderedAt = performance.now();
stepper.default.render({{model: window.model, el: document.getElementById("stepper")}});
window.renderedIn = performance.now() - window.renderedAt;
</script>
<script type="text/plain" id="module">{module}</script>
</body></html>"""
