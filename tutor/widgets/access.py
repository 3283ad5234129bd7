"""Names and focus rings for the dashboard's own ipywidgets controls, for every learner.

The stepper (:mod:`tutor.widgets.stepper`) steps with the keyboard, names its controls and
nodes, and says each step in a live region by itself. The rest of the dashboard is made of
ipywidgets controls, some of which ipywidgets draws without an accessible name (icon
buttons, dropdowns, progress bars): :class:`AccessibleNames`, a small invisible widget
placed in the dashboard, gives each the name its visible label shows, and its CSS draws a
visible focus ring on every control and darkens text ipywidgets draws too light.

``KEY_SCOPE`` is the CSS class of an area whose keys step the stepper inside it (a lesson's
player, the dashboard's Explore tab); ``SR_ONLY_CSS`` hides text from the eye but not from
a screen reader (a table's caption).
"""

import anywidget

from .common import asset

__all__ = ["AccessibleNames", "KEY_SCOPE", "SR_ONLY_CSS"]

KEY_SCOPE = "tutor-keys-scope"      # CSS class of the element whose keys a stepper hears

SR_ONLY_CSS = ("position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;"
               "clip:rect(0,0,0,0);white-space:nowrap;border:0")


class AccessibleNames(anywidget.AnyWidget):
    """Invisible: names the unnamed controls of the dashboard it is placed in."""

    _esm = asset("access.js")
    _css = asset("access.css")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.add_class("tutor-names")
        self.layout.width = self.layout.height = "0px"
        self.layout.overflow = "hidden"
        self.layout.margin = "0"
