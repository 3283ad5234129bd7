"""Export the backward pass as an animated GIF, from Python or with a button in the dashboard.

    from tutor.widgets.export import backward_gif
    backward_gif(recording, "backward.gif", fps=2)

The GIF opens with a title frame (the function and where it is evaluated), then shows the
graph at the end of the forward pass and one frame per backward step, and closes on a frame
with the result (f and its gradient). The graph frames are drawn by
:class:`~tutor.widgets.picture.GraphPicture` from the same layout and per-step look as the
page's stepper, with a caption line under the graph; Pillow writes the GIF.

**Bounded.** A GIF lives inside the page as a ``data:`` link, and a long chain such as
``x*x*…*x`` has hundreds of steps, so every GIF is kept within :data:`LIMITS`: at most
``frames`` graph frames (when there are more steps, the GIF shows evenly spaced ones, always
the first and the last, and says so), at most ``pixels`` per frame (a bigger picture is drawn
at a lower resolution), at most ``bytes`` in all (past that, fewer frames are tried once,
then the export gives up with a message).

**In the background.** :class:`ExportPanel` makes the GIF in a thread, with a progress bar
and a Cancel button, so the dashboard keeps stepping while it works.

**As a web page.** Beside the GIF, "Export as web page" gives the recording as one HTML file
that steps in any browser with no server (:mod:`tutor.export`): the same page as
``python -m tutor.export``, opening at the step the learner is at.
"""

import base64
import io
import math
import os
import threading
from types import MappingProxyType

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from ..export.page import file_name, page_html, title_lines
from ..notation import number_text
from .common import escape, guarded, log
from .palette import TEXT
from .picture import DPI, GraphPicture, GraphTooBig
from .story import story_json

__all__ = ["backward_gif", "gif_bytes", "ExportPanel", "ExportCancelled", "GifTooBig",
           "LIMITS", "gif_steps", "title_lines", "result_lines"]

LIMITS = MappingProxyType({
    "frames": 48,            # graph frames (the title and result frames come on top)
    "pixels": 800_000,       # per frame: about 1100 x 730
    "bytes": 3_000_000,      # the whole GIF
})
MIN_DPI = 30                 # below this the labels cannot be read


class ExportCancelled(Exception):
    """The learner pressed Cancel (or ``cancelled()`` became true) while the GIF was made."""


class GifTooBig(ValueError):
    """Even with fewer frames the GIF would be bigger than ``LIMITS["bytes"]``."""


def gif_steps(recording, include_forward=False, max_frames=None):
    """The steps ``k`` the GIF shows: the end of the forward pass (or 0 with
    ``include_forward``) and every step after it, thinned evenly to at most ``max_frames``
    (the first and the last always kept)."""
    # a forward-mode recording has no backward pass: its forward steps (with tangents) are it
    first = 0 if include_forward or _forward_mode(recording) else len(recording.forward)
    steps = list(range(first, recording.steps + 1))
    limit = LIMITS["frames"] if max_frames is None else max_frames
    if len(steps) <= limit:
        return steps
    picks = np.linspace(0, len(steps) - 1, max(2, limit)).round().astype(int)
    return [steps[i] for i in dict.fromkeys(picks.tolist())]


def _forward_mode(recording):
    return getattr(recording, "mode", "reverse") == "forward"


def result_lines(recording):
    """The last frame's lines: f's value, then each gradient (in forward mode, the output's
    tangent: the derivative along the inputs' tangents)."""
    lines = [f"f = {number_text(recording.value)}"]
    if _forward_mode(recording):
        return lines + [f"ẋ_f = {number_text(recording.gradient)}: the derivative of f along "
                        f"the inputs' tangents"]
    lines += [f"∂f/∂{name} = {number_text(value)}"
              for name, value in recording.gradients.items()]
    return lines


def text_frame(size, dpi, lines, heading=None):
    """A white frame of ``size`` (width, height) pixels with ``heading`` and ``lines``
    centred on it, in the graph's font and ink."""
    width, height = size
    figure = Figure(figsize=(width / dpi, height / dpi), dpi=dpi, facecolor="white")
    canvas = FigureCanvasAgg(figure)
    scale = min(1.0, width / (6.5 * dpi))        # shrink the text for a narrow picture
    rows = ([heading] if heading else []) + list(lines)
    gap = 1.0 / (len(rows) + 1)
    for i, row in enumerate(rows):
        size_pt = (15 if heading and i == 0 else 12) * scale * dpi / DPI
        figure.text(0.5, 1 - gap * (i + 1), row, ha="center", va="center", color=TEXT,
                    fontsize=size_pt, fontweight="bold" if heading and i == 0 else "normal",
                    wrap=True)
    canvas.draw()
    return Image.fromarray(np.asarray(canvas.buffer_rgba())[..., :3].copy())


def _picture_for_gif(recording, max_pixels):
    """A picture of the graph whose frames have at most ``max_pixels`` pixels."""
    probe = GraphPicture(recording, dpi=MIN_DPI)                   # learn the size in inches
    dpi = min(DPI, math.sqrt(max_pixels / (probe.width * probe.height)))
    if dpi < MIN_DPI:
        raise GraphTooBig(f"this graph has {len(recording.nodes)} nodes: even a GIF at low "
                          f"resolution would be {probe.width * MIN_DPI:.0f} x "
                          f"{probe.height * MIN_DPI:.0f} pixels a frame, too big")
    return probe if dpi <= MIN_DPI else GraphPicture(recording, dpi=int(dpi))


def _frames(recording, steps, title, progress, cancelled, max_pixels):
    """Yield the GIF's frames one at a time (so Pillow can start on them), reporting
    ``progress(done, total)`` and stopping with :class:`ExportCancelled` when asked."""
    picture = _picture_for_gif(recording, max_pixels)
    total = len(steps) + 2
    shown = len(steps) - 1                      # steps after the first frame's
    taken = recording.steps - steps[0]
    passes = ("the forward pass with tangents" if _forward_mode(recording)
              else "the backward pass" if steps[0] else "both passes")
    note = (f"{passes}: {shown} of its {taken} steps, evenly spaced" if shown < taken
            else f"{passes}, step by step ({taken} steps)")
    heading, point = title_lines(recording, title)
    yield text_frame(picture.size, picture.dpi, [point, note], heading=heading)
    for done, k in enumerate(steps, start=1):
        if cancelled():
            raise ExportCancelled("cancelled")
        yield picture.frame(k)
        progress(done, total)
    yield text_frame(picture.size, picture.dpi, result_lines(recording), heading="Result")
    progress(total, total)


def _encode(recording, steps, fps, hold, title, progress, cancelled, max_pixels):
    frames = _frames(recording, steps, title, progress, cancelled, max_pixels)
    first = next(frames)
    frame_time = int(1000 / fps)
    # title, graph frames, result: the title and the result stay up longer
    durations = [frame_time * (1 + hold)] + [frame_time] * len(steps) + [frame_time * (1 + hold)]
    out = io.BytesIO()
    first.save(out, format="GIF", save_all=True, append_images=frames, duration=durations,
               loop=0)
    return out.getvalue()


def _never():
    return False


def gif_bytes(recording, fps=2, hold=3, include_forward=False, title=None,
              progress=None, cancelled=None, limits=LIMITS):
    """The GIF of the backward pass of ``recording`` (see the module docstring), as bytes.

    ``hold``: how many frame-times longer the title and result frames stay up.
    ``include_forward=True`` starts from step 0, showing both passes. ``title``: the
    function as the learner wrote it (``log(x**2) + y**2``); by default its name.
    ``progress(done, total)`` is called after each frame; when ``cancelled()`` becomes
    true, :class:`ExportCancelled` is raised. ``limits`` bounds frames, pixels and bytes.
    """
    progress = progress or (lambda done, total: None)
    cancelled = cancelled or _never
    steps = gif_steps(recording, include_forward, limits["frames"])
    data = _encode(recording, steps, fps, hold, title, progress, cancelled, limits["pixels"])
    if len(data) > limits["bytes"]:                   # once more, with half the frames
        steps = gif_steps(recording, include_forward, max(2, len(steps) // 2))
        data = _encode(recording, steps, fps, hold, title, progress, cancelled,
                       limits["pixels"] // 2)
        if len(data) > limits["bytes"]:
            raise GifTooBig(f"even with {len(steps)} frames the GIF would take "
                            f"{len(data) // 1024} KB (the limit is "
                            f"{limits['bytes'] // 1024} KB)")
    return data


def backward_gif(recording, path, fps=2, **options):
    """Write the GIF of :func:`gif_bytes` to ``path`` and return ``path``."""
    data = gif_bytes(recording, fps=fps, **options)
    with open(os.fspath(path), "wb") as file:
        file.write(data)
    return path


class ExportPanel(widgets.VBox):
    """Make the GIF of the current recording in the background, then offer it as a link.

    Parts: ``button`` (CSS class ``tutor-export-gif``) starts; ``cancel``
    (``tutor-export-cancel``) stops; ``progress`` (``tutor-export-progress``) counts the
    frames; ``link`` (``tutor-export-link``) holds the download link (a ``data:`` URL, so it
    works under Voila, where the kernel's files are not served) or what went wrong.
    ``start()`` does what a click does; ``wait()`` waits for the thread; ``export()`` does
    both and returns the bytes (or None). ``title()`` gives the function's text for the
    title frame (the dashboard passes the explorer's).

    ``page_button`` (``tutor-export-html``, "Export as web page") puts a download link for
    the recording's web page in ``page_link`` (``tutor-export-html-link``); ``export_page()``
    does what a click does and returns the page's HTML (or None).
    """

    PREVIEW_LIMIT = 1_500_000    # bytes; bigger GIFs get a link but no preview

    def __init__(self, state, error_area, fps=2, title=None, limits=LIMITS, **kwargs):
        self.state = state
        self.fps = fps
        self.title = title or (lambda recording: None)
        self.limits = limits
        self.button = widgets.Button(description="Export steps as GIF",
                                     icon="download", layout=widgets.Layout(width="auto"),
                                     tooltip="an animated GIF: the function, the graph step "
                                             "by step, the result")
        self.button.add_class("tutor-export-gif")
        self.cancel = widgets.Button(description="Cancel", disabled=True,
                                     layout=widgets.Layout(width="auto", display="none"),
                                     tooltip="stop making the GIF")
        self.cancel.add_class("tutor-export-cancel")
        self.progress = widgets.IntProgress(value=0, min=0, max=1, description="GIF frames",
                                            style={"description_width": "initial"},
                                            layout=widgets.Layout(display="none"))
        self.progress.add_class("tutor-export-progress")
        self.link = widgets.HTML()
        self.link.add_class("tutor-export-link")
        self.page_button = widgets.Button(description="Export as web page", icon="code",
                                          layout=widgets.Layout(width="auto"),
                                          tooltip="one HTML file that steps through this "
                                                  "recording in any browser, offline")
        self.page_button.add_class("tutor-export-html")
        self.page_link = widgets.HTML()
        self.page_link.add_class("tutor-export-html-link")
        self._page_of = None         # the recording page_link offers, its story and step
        self._page_story = self._page_k = None
        self.data = None
        self.error = None
        self._gif_of = None          # the recording the GIF (being) made shows
        self._thread = None
        self._stop = threading.Event()
        guard = guarded(error_area, "making the GIF")
        self.button.on_click(guard(lambda _: self.start()))
        self.cancel.on_click(guard(lambda _: self.stop()))
        self.page_button.on_click(guard(lambda _: self.export_page()))
        state.observe(self._follow_page)
        state.observe(self._forget_gif)
        row = widgets.HBox([self.button, self.page_button, self.cancel, self.progress],
                           layout=widgets.Layout(align_items="center", flex_flow="row wrap"))
        super().__init__([row, self.link, self.page_link], **kwargs)
        self.add_class("tutor-export")

    @property
    def busy(self):
        """Is a GIF being made right now?"""
        return self._thread is not None and self._thread.is_alive()

    def start(self):
        """Start making the GIF of the recording shown now (nothing if one is being made)."""
        recording = self.state.recording
        if recording is None:
            self.link.value = "Nothing to export yet."
            return False
        if self.busy:
            return False
        self._stop.clear()
        self.data = self.error = None
        self.button.disabled = True
        self.cancel.disabled = False
        self.cancel.layout.display = self.progress.layout.display = None
        self.progress.value, self.progress.max = 0, len(
            gif_steps(recording, max_frames=self.limits["frames"])) + 2
        self.link.value = "making the GIF… (you can keep stepping)"
        self._gif_of = recording
        title = self.title(recording)
        self._thread = threading.Thread(target=self._make, args=(recording, title),
                                        name="tutor-gif", daemon=True)
        self._thread.start()
        return True

    def stop(self):
        """Cancel the GIF being made (it stops after the frame it is drawing)."""
        self._stop.set()

    def wait(self, timeout=None):
        """Wait until the GIF is made (or cancelled); return the bytes or None."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.data

    def export(self, timeout=None):
        """Make the GIF and wait for it: the bytes, or None (the link says why)."""
        self.start()
        return self.wait(timeout)

    def export_page(self):
        """Offer the recording shown now as a web page, opening at the step shown now; return
        the page's HTML (None when there is nothing to export). While the link is shown it
        follows the learner's step (the page tells Python its step a moment after stepping:
        a click on the button may arrive first)."""
        recording = self.state.recording
        if recording is None:
            self.page_link.value = "Nothing to export yet."
            return None
        self._page_of, self._page_story = recording, story_json(recording)
        return self._offer_page(self.state.k)

    def _offer_page(self, k):
        recording = self._page_of
        text = page_html(recording, self.title(recording), k=k, story=self._page_story)
        data = text.encode("utf-8")
        encoded = base64.b64encode(data).decode("ascii")
        name = file_name(recording)
        where = f"opens at step {k}; Home goes to the start" if k else "opens at the start"
        self._page_k = k
        self.page_link.value = (
            f'<a download="{escape(name)}" href="data:text/html;charset=utf-8;base64,'
            f'{encoded}">⬇ {escape(name)}</a> <span style="color:#595959">({len(data) // 1024}'
            f' KB, {where}: one file that steps through it in any browser, with no server '
            f'and offline)</span>')
        return text

    def _follow_page(self, state):
        """Another step: the page offered opens there. A new recording: the page offered is
        of the one before, so it goes."""
        if self._page_of is None:
            return
        if state.recording is not self._page_of:
            self._page_of = self._page_story = self._page_k = None
            self.page_link.value = ""
        elif state.k != self._page_k:
            self._offer_page(state.k)

    def _forget_gif(self, state):
        """A new recording: the GIF offered (or being made) shows the one before, so it goes
        (and its making stops) rather than stay under the new function."""
        if self._gif_of is None or state.recording is self._gif_of:
            return
        self._gif_of = self.data = None
        self.stop()
        self.link.value = ""

    def _progress(self, done, total):
        self.progress.max = max(total, 1)
        self.progress.value = min(done, total)

    def _make(self, recording, title):
        try:
            data = gif_bytes(recording, fps=self.fps, title=title, progress=self._progress,
                             cancelled=self._stop.is_set, limits=self.limits)
        except ExportCancelled:
            self.link.value = "GIF cancelled." if self._gif_of is recording else ""
        except (GraphTooBig, GifTooBig) as reason:
            self.error = str(reason)
            self.link.value = f"No GIF: {escape(str(reason))}."
        except Exception as error:      # noqa: BLE001 (a thread's error must reach the page)
            log.exception("error while making the GIF")
            self.error = f"{type(error).__name__}: {error}"
            self.link.value = f"No GIF: something went wrong ({escape(self.error)})."
        else:
            if self._gif_of is recording:
                self.data = data
                self.link.value = self._link_html(recording, data)
        finally:
            self.button.disabled = False
            self.cancel.disabled = True
            self.cancel.layout.display = self.progress.layout.display = "none"

    def _link_html(self, recording, data):
        encoded = base64.b64encode(data).decode("ascii")
        name = f"backward-{recording.function_name}.gif"
        frames = len(gif_steps(recording, max_frames=self.limits["frames"])) + 2
        html = (f'<a download="{escape(name)}" href="data:image/gif;base64,{encoded}">'
                f'⬇ {escape(name)}</a> <span style="color:#595959">(about {frames} frames, '
                f'{len(data) // 1024} KB)</span>')
        if len(data) <= self.PREVIEW_LIMIT:
            heading, point = title_lines(recording, self.title(recording))
            html += (f'<br><img alt="the steps of {escape(heading)} {escape(point)}, '
                     f'animated, ending on {escape("; ".join(result_lines(recording)))}" '
                     f'style="max-width:100%;border:1px solid #ddd" '
                     f'src="data:image/gif;base64,{encoded}">')
        return html
