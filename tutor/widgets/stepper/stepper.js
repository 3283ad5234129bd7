// The stepper: one recording's story, drawn and stepped in the browser.
//
// render({model, el}) is all a page needs (anywidget's protocol): `model` holds the traits
// of tutor.widgets.stepper.StepperView (story, k, playing, speed, pinned, mark) and offers
// get/set/on/off/save_changes; a page without Jupyter can pass a small object that does
// the same. Every step happens here: the buttons, the slider, Play, the keys and clicks
// on the graph move k at once and tell the model afterwards; nothing waits for Python.

import { GraphDrawing, escapeMarkup } from "./graph.js";
import { METRICS } from "./geometry.js";
import { Inspector, cardMarkup } from "./inspector.js";
import {
  changedBetween, clampStep, jumpFor, neighbour, prepare, resultText, statusText, wordsAt,
} from "./story.js";
import {
  LIMITS, boxHeight, bringIntoView, fitView, panBy, pinch, showsAll, zoomAt,
} from "./viewport.js";

const MONO = '"DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, monospace';
const STEP_KEYS = new Set(["ArrowRight", "ArrowLeft", "Home", "End", " "]);
const ZOOM_KEYS = { "+": 1.25, "=": 1.25, "-": 0.8, "_": 0.8 };
const ARROWS = new Set(["ArrowRight", "ArrowLeft", "ArrowUp", "ArrowDown"]);
const SEND_EVERY_MS = 300;       // steps reach Python in batches, at most this often
const views = new Set();         // every stepper on the page, for keys pressed on the page
let made = 0;

function isTextField(node) {
  if (!node || node.nodeType !== 1) return false;
  if (node.isContentEditable) return true;
  const tag = node.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag !== "INPUT") return false;
  const type = (node.getAttribute("type") || "text").toLowerCase();
  return !["button", "checkbox", "radio", "range", "submit", "reset"].includes(type);
}

function skeleton(id) {
  return `
<div class="tutor-stepper">
  <div class="tutor-controls">
    <button type="button" class="tutor-reset" title="back to the start (Home)">◀◀ Reset</button>
    <button type="button" class="tutor-step-back" title="undo one step (←)">◀ Back</button>
    <button type="button" class="tutor-step-forward" title="take one step (→)">Step ▶</button>
    <button type="button" class="tutor-to-end" title="jump to the end (End)">End ▶▶</button>
    <button type="button" class="tutor-play" aria-pressed="false" title="play or pause (Space)">▶ Play</button>
    <label class="tutor-speed">steps/s <input type="range" min="1" max="10" step="1"><output></output></label>
    <span class="tutor-status">no recording</span>
  </div>
  <label class="tutor-slider"><span>step k</span><input type="range" min="0" max="0" step="1" value="0"><span class="tutor-mark-tick" hidden></span></label>
</div>
<div class="tutor-gradient"></div>
<div class="tutor-main">
  <div class="tutor-graph-box">
    <div class="tutor-graph-tools">
      <button type="button" class="tutor-zoom-out" aria-label="zoom out (−)" title="zoom out (−)">−</button>
      <button type="button" class="tutor-zoom-fit" title="show the whole graph">Fit</button>
      <button type="button" class="tutor-zoom-in" aria-label="zoom in (+)" title="zoom in (+)">+</button>
      <span class="tutor-zoom-level"></span>
      <span class="tutor-graph-note">drag to move, wheel or + − to zoom; click a node to follow it</span>
    </div>
    <ul class="tutor-legend"></ul>
    <div class="tutor-graph-frame">
      <svg class="tutor-graph" role="group" aria-roledescription="computation graph"
           aria-label="computation graph" aria-describedby="${id}-description"></svg>
    </div>
    <div class="tutor-node-card" id="${id}-card" role="tooltip" hidden></div>
    <p class="tutor-sr-only" id="${id}-description"></p>
  </div>
  <div class="tutor-inspector">
    <div class="tutor-step"></div>
    <div class="tutor-pinned" hidden>
      <div class="tutor-pinned-head"><b>Pinned</b>
        <button type="button" class="tutor-unpin" title="stop following this node (Escape)">unpin</button></div>
      <div class="tutor-pinned-card"></div>
    </div>
    <div class="tutor-listing" tabindex="0" role="region" aria-label="listing of both passes"></div>
    <div class="tutor-table" id="${id}-table" tabindex="0" role="region" aria-label="values of every node"></div>
  </div>
</div>
<div class="tutor-live tutor-sr-only" role="status" aria-live="polite" aria-atomic="true"></div>`;
}

/** Width of one character of the node text, and of an edge label, in this page's font. */
function measureFont(metrics) {
  const context = document.createElement("canvas").getContext("2d");
  if (!context) return metrics;
  context.font = `12px ${MONO}`;
  const char = context.measureText("0123456789").width / 10;
  context.font = `bold 11px ${MONO}`;
  const labelChar = context.measureText("0123456789").width / 10;
  return { ...metrics, char: char || metrics.char, labelChar: labelChar || metrics.labelChar };
}

class Stepper {
  constructor(model, el) {
    this.model = model;
    this.el = el;
    this.id = `tutor-stepper-${++made}`;
    el.classList.add("tutor-stepper-view");
    el.style.setProperty("--tutor-mono", MONO);
    el.innerHTML = skeleton(this.id);
    const find = (selector) => el.querySelector(selector);
    this.parts = {
      reset: find(".tutor-reset"), back: find(".tutor-step-back"),
      forward: find(".tutor-step-forward"), end: find(".tutor-to-end"), play: find(".tutor-play"),
      speed: find(".tutor-speed input"), speedText: find(".tutor-speed output"),
      status: find(".tutor-status"), slider: find(".tutor-slider input"),
      tick: find(".tutor-mark-tick"), result: find(".tutor-gradient"),
      box: find(".tutor-graph-box"), frame: find(".tutor-graph-frame"), svg: find(".tutor-graph"),
      legend: find(".tutor-legend"), zoom: find(".tutor-zoom-level"),
      card: find(".tutor-node-card"), description: find(`#${this.id}-description`),
      pinnedBox: find(".tutor-pinned"), pinnedCard: find(".tutor-pinned-card"),
      live: find(".tutor-live"),
    };
    this.drawing = new GraphDrawing(this.parts.svg, this.id);
    this.inspector = new Inspector(find(".tutor-inspector"));
    this.metrics = METRICS;
    this.prepared = null;
    this.k = 0;
    this.timer = null;
    this.pinned = null;
    this.view = { scale: 1, x: 0, y: 0 };
    this.fitted = true;           // the view follows the box's width until the learner zooms
    this.listeners = [];
    this.wire();
    this.loadStory();
    views.add(this);
    const named = () => {                 // once the page has put the stepper in its place
      if (this.el.isConnected) this.nameRegions();
      else this.naming = setTimeout(named, 100);
    };
    named();
  }

  // -- the model ------------------------------------------------------------------------

  listen(target, name, handler, options) {
    target.addEventListener(name, handler, options);
    this.listeners.push(() => target.removeEventListener(name, handler, options));
  }

  watch(name, handler) {
    this.model.on(`change:${name}`, handler);
    this.listeners.push(() => this.model.off(`change:${name}`, handler));
  }

  /** Set traits of the model and send them to Python: at once, or (`soon`) with the next
   *  batch, a few a second (a learner stepping quickly costs the kernel next to nothing). */
  tell(values, soon = false) {
    for (const [name, value] of Object.entries(values)) this.model.set(name, value);
    if (!soon) {
      clearTimeout(this.sending);
      this.sending = null;
      this.model.save_changes();
    } else if (!this.sending) {
      this.sending = setTimeout(() => {
        this.sending = null;
        this.model.save_changes();
      }, SEND_EVERY_MS);
    }
  }

  loadStory() {
    const started = performance.now();
    const text = this.model.get("story");
    this.stop();
    if (!text) {
      this.prepared = null;
      this.parts.status.textContent = "no recording";
      this.updateButtons();
      return;
    }
    const story = JSON.parse(text);
    if (!this.metricsMeasured) {
      this.metrics = measureFont(METRICS);
      this.metricsMeasured = true;
    }
    const same = this.prepared && this.prepared.story.structure === story.structure;
    this.prepared = prepare(story);
    for (const [name, value] of Object.entries(story.palette)) {
      this.el.style.setProperty(name, value);
    }
    this.el.dataset.mode = story.mode;
    // `step` says "story:k": Python sends it with every story; the model's k may still be a
    // step of the story before, not yet sent (Python puts that right, see
    // StepperView.current).
    const [storyOf, stepOf] = String(this.model.get("step") || "").split(":").map(Number);
    const own = storyOf === this.model.get("story_id");
    this.k = clampStep(this.prepared, own ? stepOf : this.model.get("k"));
    this.drawing.draw(this.prepared, this.metrics, this.k);
    this.inspector.build(this.prepared);
    this.parts.legend.innerHTML = story.legend.map(([name, words]) =>
      `<li><svg width="22" height="12" aria-hidden="true" class="tutor-swatch tutor-swatch-${name}">`
      + `<rect x="1" y="1" width="20" height="10" rx="2"/><line x1="1" y1="6" x2="21" y2="6"/>`
      + `</svg>${escapeMarkup(words)}</li>`).join("");
    this.parts.slider.max = this.prepared.steps;
    this.pinned = this.nodeNamed(this.model.get("pinned"));
    this.render(null);
    // A story of the same structure keeps the learner's zoom; a fitted view fits again,
    // since other numbers can make the boxes wider (the output node went out of the box).
    if (!same) this.fit();
    else if (this.fitted) this.fit(true);
    this.showMark();
    // how long a story took to draw, for benchmarks/dashboard_latency.py
    performance.measure("tutor-stepper: story drawn", { start: started, end: performance.now() });
  }

  nodeNamed(id) {
    if (!this.prepared || !id) return null;
    const index = this.prepared.story.nodes.findIndex((node) => node.id === id);
    return index >= 0 ? index : null;
  }

  // -- stepping ---------------------------------------------------------------------------

  /** Move to step k: redraw what changed, then tell the model (unless it told us). */
  go(k, tell = true) {
    if (!this.prepared) return;
    k = clampStep(this.prepared, k);
    if (k === this.k) return;
    const changed = changedBetween(this.prepared, this.k, k);
    this.k = k;
    this.render(changed);
    // `step` says which story this k is a step of: a step sent just before Python loaded
    // another recording must not be taken as a step of the new one
    if (tell) this.tell({ k, step: `${this.model.get("story_id")}:${k}` }, true);
  }

  /** Several steppers on one page (a lesson) must not have regions of the same name: the
   *  second one's listing is "listing of both passes (2)". */
  nameRegions() {
    if (this.named || !this.el.isConnected) return;
    this.named = true;
    const place = [...document.querySelectorAll(".tutor-stepper-view")].indexOf(this.el) + 1;
    if (place <= 1) return;
    for (const region of this.el.querySelectorAll('[role="region"], .tutor-graph')) {
      region.setAttribute("aria-label", `${region.getAttribute("aria-label")} (${place})`);
    }
  }

  render(changed) {
    const { prepared, k, parts } = this;
    this.nameRegions();
    const status = statusText(prepared, k);
    parts.status.textContent = status;
    parts.slider.value = String(k);
    parts.slider.setAttribute("aria-valuetext", status);
    const result = resultText(prepared, k);
    parts.result.textContent = result.text;
    parts.result.classList.toggle("tutor-gradient-done", result.done);
    this.drawing.show(k, changed);
    this.inspector.show(k, this.pinned);
    const words = wordsAt(prepared, k);
    parts.description.textContent = words.spoken;
    if (!this.timer) parts.live.textContent = words.spoken;   // quiet while playing
    this.updateButtons();
    this.updatePinned();
    this.updateFocusable();
    if (this.cardNode !== undefined && this.cardNode !== null) this.showCard(this.cardNode);
    if (k > 0) this.follow(prepared.story.steps[k]);
  }

  updateButtons() {
    const k = this.k;
    const steps = this.prepared ? this.prepared.steps : 0;
    const { reset, back, forward, end, play, slider } = this.parts;
    reset.disabled = back.disabled = k <= 0;
    forward.disabled = end.disabled = k >= steps;
    play.disabled = steps === 0;
    slider.disabled = steps === 0;
  }

  speed() {
    return Math.max(1, Math.min(10, Number(this.model.get("speed")) || 2));
  }

  play() {
    if (!this.prepared || this.timer) return;
    if (this.k >= this.prepared.steps) this.go(0);
    this.timer = setInterval(() => {
      if (this.k >= this.prepared.steps) this.stop();
      else this.go(this.k + 1);
    }, 1000 / this.speed());
    this.showPlaying();
  }

  stop() {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
    this.showPlaying();
    if (this.prepared) this.parts.live.textContent = wordsAt(this.prepared, this.k).spoken;
  }

  showPlaying() {
    const playing = Boolean(this.timer);
    const { play } = this.parts;
    play.textContent = playing ? "⏸ Pause" : "▶ Play";
    play.setAttribute("aria-pressed", String(playing));
    if (Boolean(this.model.get("playing")) !== playing) this.tell({ playing });
  }

  togglePlay() {
    if (this.timer) this.stop();
    else this.play();
  }

  /** A move made by hand (a button, a key, the slider, a click) stops Play first. */
  move(k) {
    this.stop();
    this.go(k);
  }

  // -- the graph's view -------------------------------------------------------------------

  content() {
    return { width: this.drawing.grid.width, height: this.drawing.grid.height };
  }

  boxSize() {
    return { width: this.parts.frame.clientWidth, height: this.parts.frame.clientHeight };
  }

  /** Fit the drawing to the box's width; `keepHeight` (the page resized) leaves the box as
   *  tall as it is, so what is under it does not jump. */
  fit(keepHeight = false) {
    if (!this.prepared) return;
    const width = this.parts.frame.clientWidth || 800;
    this.view = fitView(this.content(), width);
    const height = boxHeight(this.content(), this.view.scale);
    const shown = this.parts.frame.clientHeight;
    if (!keepHeight || !shown || height > shown) this.parts.frame.style.height = `${height}px`;
    else this.view.y = Math.max(0, (shown - this.content().height * this.view.scale) / 2);
    this.fitted = true;
    this.applyView();
    if (this.k > 0) this.follow(this.prepared.story.steps[this.k]);
  }

  applyView() {
    const { scale, x, y } = this.view;
    // The whole drawing moves as one picture (the browser's compositor pans and zooms it
    // without painting a thousand nodes again).
    this.parts.svg.style.transform =
      `translate(${x.toFixed(1)}px, ${y.toFixed(1)}px) scale(${scale.toFixed(4)})`;
    const width = this.parts.frame.clientWidth || 800;
    this.drawing.showColumns(this.drawing.columnsIn(-x / scale, (width - x) / scale));
    this.parts.zoom.textContent = `${Math.round(scale * 100)} %`;
    this.parts.svg.classList.toggle("tutor-graph-whole",
                                    showsAll(this.view, this.content(), this.boxSize()));
    if (this.cardNode !== undefined && this.cardNode !== null) this.placeCard(this.cardNode);
  }

  zoom(factor, point) {
    const box = this.boxSize();
    this.view = zoomAt(this.view, factor, point || { x: box.width / 2, y: box.height / 2 });
    this.fitted = false;
    this.applyView();
  }

  /** Keep the step in sight: its node, and the node receiving too when both fit in the box
   *  (a value used far away, such as an input, is not worth swinging the view across). */
  follow(step) {
    const boxes = this.drawing.grid.boxes;
    const node = boxes[step.node];
    if (step.parent !== undefined) {
      const parent = boxes[step.parent];
      const both = {
        x: Math.min(node.x, parent.x), y: Math.min(node.y, parent.y),
        width: Math.max(node.x + node.width, parent.x + parent.width) - Math.min(node.x, parent.x),
        height: Math.max(node.y + node.height, parent.y + parent.height) - Math.min(node.y, parent.y),
      };
      const box = this.boxSize();
      if (both.width * this.view.scale <= box.width && both.height * this.view.scale <= box.height) {
        this.bringIntoView([both]);
        return;
      }
    }
    this.bringIntoView([node]);
  }

  bringIntoView(nodes) {
    let view = this.view;
    for (const node of nodes) {         // node positions, or rectangles of the drawing
      const rect = typeof node === "number" ? this.drawing.grid.boxes[node] : node;
      view = bringIntoView(view, rect, this.boxSize());
    }
    if (view.x !== this.view.x || view.y !== this.view.y) {
      this.view = view;
      this.applyView();
    }
  }

  // -- nodes: focus, cards, pins, marks ---------------------------------------------------

  /** Exactly one node takes Tab (the pinned one, or the step's): the arrow keys go on. */
  updateFocusable() {
    const { story } = this.prepared;
    const focused = this.drawing.nodeOf(document.activeElement);
    const node = focused ?? this.pinned ?? (this.k > 0 ? story.steps[this.k].node : 0);
    if (this.focusable === node) return;
    if (this.focusable !== undefined && this.drawing.nodeElements[this.focusable]) {
      this.drawing.nodeElements[this.focusable].setAttribute("tabindex", "-1");
    }
    if (this.drawing.nodeElements[node]) {
      this.drawing.nodeElements[node].setAttribute("tabindex", "0");
    }
    this.focusable = node;
  }

  showCard(node) {
    this.cardNode = node;
    const { card } = this.parts;
    card.innerHTML = cardMarkup(this.prepared, node, this.k);
    card.hidden = false;
    this.placeCard(node);
  }

  placeCard(node) {
    const { card, frame, box } = this.parts;
    const rect = this.drawing.grid.boxes[node];
    const { scale, x, y } = this.view;
    const frameTop = frame.getBoundingClientRect().top - box.getBoundingClientRect().top;
    let left = x + (rect.x + rect.width) * scale + 8;
    if (left + card.offsetWidth > box.clientWidth) {
      left = Math.max(0, x + rect.x * scale - card.offsetWidth - 8);
    }
    card.style.left = `${left}px`;
    card.style.top = `${Math.max(0, frameTop + y + rect.y * scale)}px`;
  }

  hideCard() {
    this.cardNode = null;
    this.parts.card.hidden = true;
  }

  /** Click (or Enter) on a node: pin it in the inspector and go to the next step that
   *  computes it or adds to its adjoint. */
  choose(node) {
    this.pin(node);
    const k = jumpFor(this.prepared, node, this.k);
    if (k !== null) this.move(k);
  }

  pin(node, tell = true) {
    const previous = this.pinned;
    this.pinned = node;
    this.drawing.flag("tutor-node-pinned", node);
    this.inspector.show(this.k, node);
    this.updatePinned();
    if (tell) this.tell({ pinned: node === null ? "" : this.prepared.story.nodes[node].id });
  }

  updatePinned() {
    const { pinnedBox, pinnedCard } = this.parts;
    pinnedBox.hidden = this.pinned === null;
    if (this.pinned !== null) pinnedCard.innerHTML = cardMarkup(this.prepared, this.pinned, this.k);
  }

  showMark() {
    const mark = this.model.get("mark") || {};
    const { tick } = this.parts;
    const node = this.nodeNamed(mark.node);
    if (this.prepared) this.drawing.flag("tutor-node-marked", node);
    const marked = this.prepared && Number.isInteger(mark.k) && this.prepared.steps > 0;
    tick.hidden = !marked;
    if (marked) {
      tick.style.left = `${(100 * clampStep(this.prepared, mark.k)) / this.prepared.steps}%`;
      tick.title = mark.note || `step ${mark.k}`;
    }
  }

  // -- events ----------------------------------------------------------------------------

  wire() {
    const { parts, model } = this;
    const click = (button, action) => this.listen(button, "click", () => {
      if (this.prepared) action();
    });
    click(parts.reset, () => this.move(0));
    click(parts.back, () => this.move(this.k - 1));
    click(parts.forward, () => this.move(this.k + 1));
    click(parts.end, () => this.move(this.prepared.steps));
    click(parts.play, () => this.togglePlay());
    this.listen(parts.slider, "input", () => this.move(Number(parts.slider.value)));
    parts.speed.value = String(this.speed());
    parts.speedText.textContent = String(this.speed());
    this.listen(parts.speed, "input", () => this.tell({ speed: Number(parts.speed.value) }));
    this.watch("speed", () => {
      parts.speed.value = String(this.speed());
      parts.speedText.textContent = String(this.speed());
      if (this.timer) {
        this.stop();
        this.play();
      }
    });
    this.watch("story", () => this.loadStory());
    this.watch("k", () => this.go(model.get("k"), false));
    this.watch("playing", () => (model.get("playing") ? this.play() : this.stop()));
    this.watch("pinned", () => {
      const node = this.nodeNamed(model.get("pinned"));
      if (node !== this.pinned && this.prepared) this.pin(node, false);
    });
    this.watch("mark", () => this.showMark());

    const tools = (selector, action) => click(this.el.querySelector(selector), action);
    tools(".tutor-zoom-in", () => this.zoom(1.25));
    tools(".tutor-zoom-out", () => this.zoom(0.8));
    tools(".tutor-zoom-fit", () => this.fit());
    this.listen(this.el.querySelector(".tutor-unpin"), "click", () => this.pin(null));
    this.wireGraph();
    // Keys pressed inside the stepper are answered here, first (on the window, as the key
    // goes down to the page), and go no further: JupyterLab would take an arrow on a button
    // as a move between cells, and Notebook 7 takes keys on their way down, before they
    // reach the stepper at all. Keys pressed elsewhere in its area (or on the page, when it
    // is the only stepper) reach the document.
    this.listen(window, "keydown", (event) => {
      if (this.el.contains(event.target) && this.onKey(event)) event.stopPropagation();
    }, true);
    this.listen(document, "keydown", (event) => this.onKey(event));
    // Before the learner does anything else on the page (the export button, a text box),
    // the steps not yet sent go to Python, so it reads the step they are at. A press on the
    // stepper itself, or a key it steps or zooms by, is more stepping: it joins the batch
    // (flushing on it would send every click of a learner stepping by hand).
    const flush = () => {
      if (this.sending) this.tell({});
    };
    this.listen(document, "pointerdown", (event) => {
      if (!this.el.contains(event.target)) flush();
    }, true);
    this.listen(document, "keydown", (event) => {
      if (!STEP_KEYS.has(event.key) && !(event.key in ZOOM_KEYS) && !ARROWS.has(event.key)) flush();
    }, true);
    this.listen(document, "keyup", (event) => {
      if (event.key === " " && !isTextField(event.target) && this.scope().contains(event.target)) {
        event.preventDefault();              // Space plays; it does not press a focused button
      }
    });
    let width = 0;
    this.resizing = new ResizeObserver(() => {
      const now = this.parts.frame.clientWidth;
      if (now !== width) {
        width = now;
        if (this.fitted) this.fit(true);
        else this.applyView();
      }
    });
    this.resizing.observe(this.parts.frame);
  }

  wireGraph() {
    const { svg, frame } = this.parts;
    const pointers = new Map();
    let dragged = false;
    let start = null;
    const at = (event) => {
      const rect = frame.getBoundingClientRect();
      return { x: event.clientX - rect.left, y: event.clientY - rect.top };
    };
    this.listen(frame, "wheel", (event) => {
      if (!this.prepared) return;
      event.preventDefault();
      this.zoom(Math.exp(-event.deltaY * 0.0015), at(event));
    }, { passive: false });
    this.listen(frame, "pointerdown", (event) => {
      if (event.button !== 0 || !this.prepared) return;
      pointers.set(event.pointerId, at(event));
      dragged = false;
      start = { view: this.view, point: at(event),
                pinch: pointers.size === 2 ? pinch(...pointers.values()) : null };
    });
    this.listen(frame, "pointermove", (event) => {
      if (!pointers.has(event.pointerId) || !start) return;
      pointers.set(event.pointerId, at(event));
      if (pointers.size === 2 && start.pinch) {
        const now = pinch(...pointers.values());
        this.view = zoomAt(start.view, now.distance / start.pinch.distance, start.pinch.middle);
      } else {
        const point = at(event);
        const dx = point.x - start.point.x;
        const dy = point.y - start.point.y;
        if (!dragged && Math.hypot(dx, dy) < 4) return;
        if (!dragged) frame.setPointerCapture(event.pointerId);
        dragged = true;
        this.view = panBy(start.view, dx, dy, this.content(), this.boxSize());
      }
      this.fitted = false;
      this.applyView();
    });
    const release = (event) => {
      pointers.delete(event.pointerId);
      if (pointers.size === 0) start = null;
    };
    this.listen(frame, "pointerup", release);
    this.listen(frame, "pointercancel", release);
    this.listen(svg, "click", (event) => {
      if (dragged) {
        dragged = false;
        return;
      }
      const node = this.drawing.nodeOf(event.target);
      if (node !== null) this.choose(node);
    });
    this.listen(svg, "pointerover", (event) => {
      const node = this.drawing.nodeOf(event.target);
      if (node !== null && node !== this.cardNode) this.showCard(node);
    });
    this.listen(svg, "pointerout", (event) => {
      const leaving = this.drawing.nodeOf(event.target);
      const entering = this.drawing.nodeOf(event.relatedTarget);
      if (leaving !== null && entering !== leaving
          && this.drawing.nodeOf(document.activeElement) !== leaving) this.hideCard();
    });
    this.listen(svg, "focusin", (event) => {
      const node = this.drawing.nodeOf(event.target);
      if (node === null) return;
      this.showCard(node);
      event.target.closest(".tutor-node").setAttribute("aria-describedby", `${this.id}-card`);
      this.updateFocusable();
      this.bringIntoView([node]);
    });
    this.listen(svg, "focusout", (event) => {
      const element = event.target.closest && event.target.closest(".tutor-node");
      if (element) element.removeAttribute("aria-describedby");
      this.hideCard();
    });
  }

  scope() {
    return this.el.closest(".tutor-keys-scope") || this.el;
  }

  /** Act on a key press; true if it meant something here (then it is not the page's). */
  onKey(event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey
        || !this.prepared) return false;
    const { key, target } = event;
    const zoom = ZOOM_KEYS[key];
    const onNode = this.drawing.nodeOf(target);
    if (!STEP_KEYS.has(key) && zoom === undefined && key !== "Enter" && key !== "Escape"
        && !(onNode !== null && ARROWS.has(key))) return false;
    const scope = this.scope();
    if (scope.offsetParent === null && scope !== document.body) return false;  // hidden tab
    const onPage = target === document.body || target === document.documentElement;
    const visible = [...views].filter((view) => view.el.offsetParent !== null);
    if (!(scope.contains(target) || (onPage && visible.length === 1 && visible[0] === this))) {
      return false;
    }
    if (isTextField(target)) return false;
    if (onNode !== null && (ARROWS.has(key) || key === "Enter")) {
      event.preventDefault();
      if (key === "Enter") this.choose(onNode);
      else {
        const next = neighbour(this.prepared.story, onNode, key);
        this.bringIntoView([next]);                 // (a block out of sight is not drawn)
        this.drawing.nodeElements[next].focus();
      }
      return true;
    }
    if (key === "Enter") return false;                 // Enter presses what has the focus
    if (key === "Escape") {
      if (this.pinned === null) return false;
      this.pin(null);
      return true;
    }
    if (key !== " " && target.closest) {
      if (target.closest(".tutor-speed")) return false;   // a slider of its own
      if (target === this.parts.slider) return false;     // it steps by itself (input event)
    }
    event.preventDefault();
    if (zoom !== undefined) this.zoom(zoom);
    else if (key === " ") {
      if (!event.repeat) this.togglePlay();
    } else if (key === "ArrowRight") this.move(this.k + 1);
    else if (key === "ArrowLeft") this.move(this.k - 1);
    else if (key === "Home") this.move(0);
    else if (key === "End") this.move(this.prepared.steps);
    return true;
  }

  destroy() {
    clearTimeout(this.naming);
    clearTimeout(this.sending);
    this.stop();
    for (const remove of this.listeners) remove();
    this.resizing.disconnect();
    views.delete(this);
  }
}

export function render({ model, el }) {
  const stepper = new Stepper(model, el);
  return () => stepper.destroy();
}

export default { render };
