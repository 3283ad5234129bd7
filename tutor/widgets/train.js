// The Train tab's view: controls, the decision boundary over the points, the loss curve,
// the network's weights and updates, and every parameter's numbers.
//
// render({model, el}) draws what Python sends (traits of tutor.widgets.train.TrainView:
// data, frame, numbers, example, k) and sets the pace while playing: it asks for one
// iteration ({do: "step", playing: true}), waits for the answer ({did: "step"}), and asks for
// the next no sooner than 1/speed s after the last, so the kernel never gets more work than
// the page can show, and Pause acts at once (the page stops asking). The functions exported
// above render() are pure, and tested in Node (tests/js/train.test.mjs).

const SVG = "http://www.w3.org/2000/svg";
export const COLOURS = { positive: [33, 102, 172], negative: [214, 96, 77] };  // class +1 / −1
const VIEW = 300;                    // the boundary picture's size, in pixels
const SPEEDS = [1, 3, 10, 30];       // iterations a second the page asks for, at most
const IN_FLIGHT = 2;                 // iterations asked for and not answered yet, at most: the
                                     // kernel computes the next while the page draws the last

/** The colour of a score level (−100 .. 100, 100·tanh(score)): white at 0, blue towards
 *  +100, orange towards −100, pale enough for the points to show on it. */
export function shade(level) {
  const strength = Math.min(1, Math.abs(level) / 100) * 0.55;
  const colour = level >= 0 ? COLOURS.positive : COLOURS.negative;
  return colour.map((channel) => Math.round(255 + (channel - 255) * strength));
}

/**
 * The decision boundary: where the scores on a size × size grid (row 0 on top) change
 * sign, as line segments [[x1, y1], [x2, y2]] in grid units (column, row), found square by
 * square (marching squares) and placed by linear interpolation along each square's sides.
 */
export function contour(levels, size) {
  const at = (row, column) => levels[row * size + column];
  const segments = [];
  const cross = (a, b, pa, pb) => {
    const t = a / (a - b);
    return [pa[0] + t * (pb[0] - pa[0]), pa[1] + t * (pb[1] - pa[1])];
  };
  for (let row = 0; row + 1 < size; row++) {
    for (let column = 0; column + 1 < size; column++) {
      const corners = [[column, row], [column + 1, row], [column + 1, row + 1], [column, row + 1]];
      const values = corners.map(([c, r]) => at(r, c));
      const points = [];
      for (let side = 0; side < 4; side++) {
        const a = values[side];
        const b = values[(side + 1) % 4];
        if ((a >= 0) !== (b >= 0)) points.push(cross(a, b, corners[side], corners[(side + 1) % 4]));
      }
      if (points.length === 2) segments.push(points);
      else if (points.length === 4) {               // a saddle: pair the crossings by the centre
        const centre = values.reduce((sum, value) => sum + value, 0);
        if ((centre >= 0) === (values[0] >= 0)) segments.push([points[0], points[3]], [points[1], points[2]]);
        else segments.push([points[0], points[1]], [points[2], points[3]]);
      }
    }
  }
  return segments;
}

/** Where a point of the plane lands in a picture of `pixels` × `pixels` showing bounds
 *  [xMin, xMax, yMin, yMax] (y grows upwards in the plane, downwards on the screen). */
export function toPixels([x, y], bounds, pixels) {
  const [xMin, xMax, yMin, yMax] = bounds;
  return [((x - xMin) / (xMax - xMin)) * pixels, ((yMax - y) / (yMax - yMin)) * pixels];
}

/** The loss curve as an SVG path through [[iteration, loss], ...] (a null loss breaks the
 *  line), scaled to width × height with the iterations 0 .. last and the losses 0 .. top. */
export function curvePath(curve, width, height) {
  const last = Math.max(1, curve.length ? curve[curve.length - 1][0] : 1);
  const finite = curve.map(([, loss]) => loss).filter((loss) => loss !== null && Number.isFinite(loss));
  const top = Math.max(1e-12, ...finite) * 1.05;
  let path = "";
  let pen = "M";
  for (const [t, loss] of curve) {
    if (loss === null || !Number.isFinite(loss)) {
      pen = "M";
      continue;
    }
    path += `${pen}${((t / last) * width).toFixed(1)},${(height - (loss / top) * height).toFixed(1)}`;
    pen = "L";
  }
  return { path, top, last };
}

/** Where the neurons of a network with `layers` units per layer sit in width × height. */
export function neuronPlaces(layers, width, height) {
  return layers.map((units, layer) => {
    const x = ((layer + 0.5) / layers.length) * width;
    return Array.from({ length: units }, (_, unit) => [x, ((unit + 0.5) / units) * height]);
  });
}

/** A connection's look for a number among numbers whose largest size is `largest`:
 *  thickness from 0.5 to 6 pixels, blue when positive, orange when negative. */
export function strokeOf(value, largest) {
  const size = largest > 0 ? Math.min(1, Math.abs(value) / largest) : 0;
  const colour = value >= 0 ? COLOURS.positive : COLOURS.negative;
  return { width: 0.5 + 5.5 * size, colour: `rgb(${colour.join(",")})`, opacity: 0.35 + 0.65 * size };
}

/** The weight of the connection from unit `from` of layer `layer` to unit `to` of the
 *  next: W{layer+1}[from, to], or W{last}[from] for the one output unit. */
export function weightOf(weights, layers, layer, from, to) {
  const values = weights[`W${layer + 1}`];
  return layer + 2 === layers.length ? values[from] : values[from * layers[layer + 1] + to];
}

/** How long to wait before asking for the next iteration: none if the last one took at
 *  least 1/speed s, else the rest of that time. */
export function nextDelay(askedAt, now, speed) {
  return Math.max(0, askedAt + 1000 / Math.max(1, speed) - now);
}

/** A numbers-table row at step k: the example's adjoint and the new value show once the
 *  stepper has reached the step that makes them, "?" before. */
export function rowAt(row, k) {
  return { ...row, own: k >= row.ownAt ? row.own : "?", after: k >= row.afterAt ? row.after : "?" };
}

// -- the page ---------------------------------------------------------------------------

function escapeMarkup(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;",
                                                     '"': "&quot;", "'": "&#39;" }[c]));
}

function skeleton(speeds) {
  return `
<div class="tutor-train-controls">
  <button type="button" class="tutor-train-play" aria-pressed="false">▶ Play training</button>
  <button type="button" class="tutor-train-step"
          title="one iteration of gradient descent">Step: one iteration</button>
  <button type="button" class="tutor-train-reset"
          title="back to iteration 0, the weights the seed gives">↺ Reset to the seed</button>
  <label class="tutor-train-speed">at most <select>${speeds.map((speed) =>
    `<option value="${speed}">${speed}</option>`).join("")}</select> iterations/s</label>
  <span class="tutor-train-readout">iteration <b class="tutor-train-iteration">0</b>
    · loss <b class="tutor-train-loss">?</b> · <span class="tutor-train-right"></span></span>
</div>
<label class="tutor-train-scrub"><span>iterations taken</span>
  <input type="range" min="0" max="0" step="1" value="0"></label>
<div class="tutor-train-pictures">
  <figure class="tutor-train-plane">
    <div class="tutor-train-frame">
      <canvas width="${VIEW}" height="${VIEW}" aria-hidden="true"></canvas>
      <svg class="tutor-train-points" viewBox="0 0 ${VIEW} ${VIEW}" role="group"
           aria-label="the examples over the decision boundary"></svg>
    </div>
    <figcaption>The data and the decision boundary (score 0, black line): blue where the
      network says class +1 (circles), orange where it says −1 (squares); a ring marks an
      example on the wrong side. Click a point to see its graph.</figcaption>
  </figure>
  <figure class="tutor-train-curve">
    <svg viewBox="0 0 360 170" role="img" aria-label="loss curve"></svg>
    <figcaption>The loss of every iteration (the mean over the batch); the line marks the
      iteration shown.</figcaption>
  </figure>
  <figure class="tutor-train-network">
    <div class="tutor-train-nets">
      <svg class="tutor-train-weights" viewBox="0 0 240 170" role="img"
           aria-label="weights"></svg>
      <svg class="tutor-train-updates" viewBox="0 0 240 170" role="img"
           aria-label="updates"></svg>
    </div>
    <figcaption>Left, every weight w; right, its update −η · mean ḡ_w at this iteration
      (the gradient, reversed and scaled). Thickness is size (each picture scaled to its
      largest), blue positive, orange negative; a unit's fill is its bias.</figcaption>
  </figure>
</div>
<div class="tutor-train-example">
  <label>example <input type="number" class="tutor-train-example-number" min="0" step="1"></label>
  <span class="tutor-train-example-words"></span>
</div>
<p class="tutor-train-mean"></p>
<details class="tutor-train-numbers">
  <summary>Every parameter's numbers at this iteration (12 digits, to check by hand)</summary>
  <div class="tutor-train-table" tabindex="0" role="region"
       aria-label="every parameter's numbers"></div>
</details>
<div class="tutor-sr-only tutor-train-live" role="status" aria-live="polite" aria-atomic="true"></div>`;
}

class TrainPage {
  constructor(model, el) {
    this.model = model;
    this.el = el;
    el.classList.add("tutor-train-view");
    el.innerHTML = skeleton(SPEEDS);
    const find = (selector) => el.querySelector(selector);
    this.parts = {
      play: find(".tutor-train-play"), step: find(".tutor-train-step"),
      reset: find(".tutor-train-reset"), speed: find(".tutor-train-speed select"),
      iteration: find(".tutor-train-iteration"), loss: find(".tutor-train-loss"),
      right: find(".tutor-train-right"), scrub: find(".tutor-train-scrub input"),
      canvas: find("canvas"), points: find(".tutor-train-points"),
      curve: find(".tutor-train-curve svg"), weights: find(".tutor-train-weights"),
      updates: find(".tutor-train-updates"), number: find(".tutor-train-example-number"),
      exampleWords: find(".tutor-train-example-words"), mean: find(".tutor-train-mean"),
      table: find(".tutor-train-table"), live: find(".tutor-train-live"),
      details: find(".tutor-train-numbers"),
    };
    this.playing = false;
    this.ticket = 0;                // the last iteration asked for while playing
    this.answeredTicket = 0;        // the last of them whose frame has been drawn
    this.graphTicket = 0;           // the last of them that asked for the example's graph too
    this.askedAt = 0;
    this.timer = null;
    this.visible = true;
    this.listeners = [];
    this.wire();
    this.drawData();
    this.drawFrame();
    this.drawNumbers();
  }

  listen(target, name, handler) {
    target.addEventListener(name, handler);
    this.listeners.push(() => target.removeEventListener(name, handler));
  }

  watch(name, handler) {
    this.model.on(`change:${name}`, handler);
    this.listeners.push(() => this.model.off(`change:${name}`, handler));
  }

  /** Send Python a request; it carries the stepper's step k as the page has it now (the
   *  stepper tells Python its steps in batches), so a new iteration opens at that step. */
  ask(message) {
    this.model.send({ ...message, k: Number(this.model.get("k")) || 0 });
  }

  // -- playing ----------------------------------------------------------------------------

  play() {
    if (this.playing) return;
    this.playing = true;
    this.showPlaying();
    this.askNext(0);
  }

  /** Stop asking for iterations; then (unless Python refused one) ask for the current
   *  iteration again, in case it came without its graph. */
  pause(refused = false) {
    if (!this.playing) return;
    this.playing = false;
    clearTimeout(this.timer);
    this.timer = null;
    this.showPlaying();
    if (!refused) this.ask({ do: "show" });
  }

  /** Ask for the next iteration after `delay` ms, if still playing and not already
   *  waiting for IN_FLIGHT of them (an iteration counts as answered once its frame, which
   *  names the request it answers, has been drawn). */
  askNext(delay) {
    if (this.timer !== null || this.ticket - this.answeredTicket >= IN_FLIGHT) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.playing) return;
      if (!this.visible) {                     // the tab was left: stop training
        this.pause();
        return;
      }
      this.ticket += 1;
      this.askedAt = performance.now();
      // the graph costs the most to draw: ask for it only once the last one asked for is drawn
      const graph = this.answeredTicket >= this.graphTicket;
      if (graph) this.graphTicket = this.ticket;
      this.ask({ do: "step", playing: true, ticket: this.ticket, graph });
      this.askNext(this.delay());
    }, delay);
  }

  delay() {
    return nextDelay(this.askedAt, performance.now(), Number(this.model.get("speed")) || 30);
  }

  /** A frame drawn: if it answers an iteration asked for while playing, ask for the next. */
  answered(ticket) {
    if (!ticket || ticket <= this.answeredTicket) return;
    this.answeredTicket = Math.min(ticket, this.ticket);
    if (this.playing) this.askNext(this.delay());
  }

  /** Python's answer to a request: only a refusal matters here (the loss is no longer a
   *  number, or something failed): stop playing. */
  refused(message) {
    if (!message || !message.stop) return;
    this.answeredTicket = this.ticket;
    this.pause(true);
  }

  showPlaying() {
    const { play } = this.parts;
    // While training plays, the stepper below gets a new iteration many times a second: its
    // live region would read every one of them out; it speaks again once paused.
    const tab = this.el.closest(".tutor-train");
    const stepperLive = tab && tab.querySelector(".tutor-stepper-view .tutor-live");
    if (stepperLive) stepperLive.setAttribute("aria-live", this.playing ? "off" : "polite");
    play.textContent = this.playing ? "⏸ Pause training" : "▶ Play training";
    play.setAttribute("aria-pressed", String(this.playing));
    if (Boolean(this.model.get("playing")) !== this.playing) {
      this.model.set("playing", this.playing);
      this.model.save_changes();
    }
    if (!this.playing) this.parts.live.textContent = this.readout();
  }

  readout() {
    const frame = this.model.get("frame") || {};
    return `Iteration ${frame.iteration ?? 0}, loss ${frame.loss ?? "?"}.`;
  }

  // -- drawing ----------------------------------------------------------------------------

  drawData() {
    const data = this.model.get("data") || {};
    const { points: svg, number } = this.parts;
    if (!data.points) return;
    number.max = String(data.points.length - 1);
    const marks = data.points.map((point, index) => {
      const [x, y] = toPixels(point, data.bounds, VIEW);
      const kind = data.labels[index] > 0 ? "positive" : "negative";
      const shape = kind === "positive"
        ? `<circle class="tutor-train-mark" cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="5"/>`
        : `<rect class="tutor-train-mark" x="${(x - 4.5).toFixed(1)}" y="${(y - 4.5).toFixed(1)}"`
          + ` width="9" height="9"/>`;
      return `<g class="tutor-train-point tutor-train-${kind}" data-example="${index}"`
        + `><title>example ${index}, class ${kind === "positive" ? "+1" : "−1"}</title>`
        + `<circle class="tutor-train-ring" cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="9"/>${shape}</g>`;
    }).join("");
    svg.innerHTML = `<path class="tutor-train-boundary" d=""/>${marks}`;
    this.markExample();
  }

  drawFrame() {
    const frame = this.model.get("frame") || {};
    const data = this.model.get("data") || {};
    if (frame.iteration === undefined || !data.points) return;
    const { parts } = this;
    parts.iteration.textContent = String(frame.iteration);
    parts.loss.textContent = frame.loss;
    parts.right.textContent = frame.right;
    parts.scrub.max = String(frame.latest);
    parts.scrub.value = String(frame.iteration);
    parts.scrub.setAttribute("aria-valuetext", `iteration ${frame.iteration} of ${frame.latest} taken`);
    parts.exampleWords.textContent = frame.example;
    parts.mean.textContent = frame.mean;
    this.drawPlane(frame, data);
    this.drawCurve(frame);
    this.drawNetwork(parts.weights, frame.weights, data, "weights");
    this.drawNetwork(parts.updates, frame.updates, data, "updates");
    this.answered(frame.ticket);
  }

  drawPlane(frame, data) {
    const size = data.size;
    const context = this.parts.canvas.getContext && this.parts.canvas.getContext("2d");
    if (context) {
      if (!this.cells) this.cells = document.createElement("canvas");
      this.cells.width = this.cells.height = size;
      const small = this.cells.getContext("2d");
      const image = small.createImageData(size, size);
      frame.grid.forEach((level, index) => {
        const [r, g, b] = shade(level);
        image.data.set([r, g, b, 255], index * 4);
      });
      small.putImageData(image, 0, 0);
      context.imageSmoothingEnabled = true;
      // cell centres sit at the grid's points: stretch so that they land on them
      const cell = VIEW / (size - 1);
      context.drawImage(this.cells, -cell / 2, -cell / 2, VIEW + cell, VIEW + cell);
    }
    const scale = VIEW / (size - 1);
    const path = contour(frame.grid, size).map(([[x1, y1], [x2, y2]]) =>
      `M${(x1 * scale).toFixed(1)},${(y1 * scale).toFixed(1)}L${(x2 * scale).toFixed(1)},${(y2 * scale).toFixed(1)}`).join("");
    const boundary = this.parts.points.querySelector(".tutor-train-boundary");
    if (boundary) boundary.setAttribute("d", path);
    const wrong = new Set(frame.wrong);
    for (const point of this.parts.points.querySelectorAll(".tutor-train-point")) {
      point.classList.toggle("tutor-train-wrong", wrong.has(Number(point.dataset.example)));
    }
  }

  drawCurve(frame) {
    const width = 320;
    const height = 130;
    const { path, top, last } = curvePath(frame.curve, width, height);
    const x = (Math.min(frame.iteration, last) / last) * width;
    this.parts.curve.setAttribute("aria-label",
      `loss curve: from ${frame.curve.length ? frame.curve[0][1] : "?"} at iteration 0 to `
      + `${frame.loss} at iteration ${frame.iteration}`);
    this.parts.curve.innerHTML = `<g transform="translate(34,10)">
      <line class="tutor-train-axis" x1="0" y1="${height}" x2="${width}" y2="${height}"/>
      <line class="tutor-train-axis" x1="0" y1="0" x2="0" y2="${height}"/>
      <text class="tutor-train-tick" x="-4" y="8" text-anchor="end">${top.toPrecision(2)}</text>
      <text class="tutor-train-tick" x="-4" y="${height}" text-anchor="end">0</text>
      <text class="tutor-train-tick" x="${width}" y="${height + 14}" text-anchor="end">iteration ${last}</text>
      <text class="tutor-train-tick" x="0" y="${height + 14}">0</text>
      <line class="tutor-train-now" x1="${x.toFixed(1)}" y1="0" x2="${x.toFixed(1)}" y2="${height}"/>
      <path class="tutor-train-loss-line" d="${path}"/></g>`;
  }

  drawNetwork(svg, values, data, what) {
    if (!values) return;
    const layers = data.layers;
    const places = neuronPlaces(layers, 240, 170);
    const all = Object.values(values).flat();
    const largest = Math.max(0, ...all.map(Math.abs));
    let lines = "";
    for (let layer = 0; layer + 1 < layers.length; layer++) {
      places[layer].forEach(([x1, y1], from) => {
        places[layer + 1].forEach(([x2, y2], to) => {
          const value = weightOf(values, layers, layer, from, to);
          const look = strokeOf(value, largest);
          lines += `<line x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}"`
            + ` stroke="${look.colour}" stroke-width="${look.width.toFixed(2)}" stroke-opacity="${look.opacity.toFixed(2)}"/>`;
        });
      });
    }
    let units = "";
    places.forEach((column, layer) => column.forEach(([x, y], unit) => {
      let fill = "#ffffff";
      if (layer > 0) {
        const biases = values[`b${layer}`];
        const bias = Array.isArray(biases) ? biases[unit] : biases;
        const [r, g, b] = shade(largest > 0 ? (100 * bias) / largest : 0);
        fill = `rgb(${r},${g},${b})`;
      }
      units += `<circle class="tutor-train-unit" cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="7" fill="${fill}"/>`;
    }));
    svg.innerHTML = lines + units;
    svg.setAttribute("aria-label", what === "weights"
      ? `the network's weights: the largest is ${largest.toPrecision(3)} in size`
      : `this iteration's updates −η · mean ḡ: the largest is ${largest.toPrecision(3)} in size`);
  }

  markExample() {
    const example = this.model.get("example");
    this.parts.number.value = String(example);
    for (const point of this.parts.points.querySelectorAll(".tutor-train-point")) {
      point.classList.toggle("tutor-train-chosen", Number(point.dataset.example) === example);
    }
  }

  /** The numbers table, drawn only while it is open (it has a row per number). */
  drawNumbers() {
    if (!this.parts.details.open) return;
    const rows = this.model.get("numbers") || [];
    const k = Number(this.model.get("k")) || 0;
    const cells = rows.map((row) => rowAt(row, k));
    this.parts.table.innerHTML = `<table><thead><tr><th scope="col">parameter</th>`
      + `<th scope="col">w</th><th scope="col">ḡ_w of this example</th>`
      + `<th scope="col">mean ḡ_w over the batch</th><th scope="col">update −η · mean ḡ_w</th>`
      + `<th scope="col">w after the update</th></tr></thead><tbody>`
      + cells.map((row) => `<tr data-name="${escapeMarkup(row.name)}"><th scope="row">${escapeMarkup(row.name)}</th>`
        + ["w", "own", "mean", "change", "after"].map((key) =>
          `<td class="tutor-train-${key}">${escapeMarkup(row[key])}</td>`).join("") + "</tr>").join("")
      + "</tbody></table>";
  }

  // -- events -----------------------------------------------------------------------------

  wire() {
    const { parts, model } = this;
    this.listen(parts.play, "click", () => (this.playing ? this.pause() : this.play()));
    this.listen(parts.step, "click", () => {
      this.pause();
      this.ask({ do: "step" });
    });
    this.listen(parts.reset, "click", () => {
      this.pause();
      this.ask({ do: "reset" });
    });
    parts.speed.value = String(model.get("speed"));
    this.listen(parts.speed, "change", () => {
      model.set("speed", Number(parts.speed.value));
      model.save_changes();
    });
    this.listen(parts.scrub, "input", () => {
      this.pause();
      this.ask({ do: "go", iteration: Number(parts.scrub.value) });
    });
    this.listen(parts.number, "change", () => {
      const example = Math.round(Number(parts.number.value));
      if (Number.isFinite(example)) this.ask({ do: "choose", example });
    });
    this.listen(parts.points, "click", (event) => {
      const point = event.target.closest && event.target.closest(".tutor-train-point");
      if (point) this.ask({ do: "choose", example: Number(point.dataset.example) });
    });
    this.listen(parts.details, "toggle", () => this.drawNumbers());
    this.watch("data", () => this.drawData());
    this.watch("frame", () => this.drawFrame());
    this.watch("numbers", () => this.drawNumbers());
    this.watch("k", () => this.drawNumbers());
    this.watch("example", () => this.markExample());
    this.watch("speed", () => { parts.speed.value = String(model.get("speed")); });
    this.watch("playing", () => {
      if (!model.get("playing")) this.pause();
    });
    // a tab left is not displayed: its size drops to 0 (told without forcing a layout)
    this.seeing = new ResizeObserver((entries) => {
      for (const entry of entries) this.visible = entry.contentRect.width > 0;
    });
    this.seeing.observe(this.el);
    this.listeners.push(() => this.seeing.disconnect());
    const onMessage = (message) => this.refused(message);
    model.on("msg:custom", onMessage);
    this.listeners.push(() => model.off("msg:custom", onMessage));
  }

  destroy() {
    clearTimeout(this.timer);
    this.playing = false;
    for (const remove of this.listeners) remove();
  }
}

export function render({ model, el }) {
  const page = new TrainPage(model, el);
  return () => page.destroy();
}

export default { render };
