// Reading a story (the JSON of tutor/widgets/story.py) at any step k.
//
// Pure functions, no DOM: the stepper calls them on every step, and tests/js runs them in
// Node. Python wrote every text; here we only choose which one shows at step k.

/** The story made ready for stepping: per node, the steps at which its look changes. */
export function prepare(story) {
  const nodes = story.nodes.map((node) => ({ steps: [0], looks: [node.look], involved: [] }));
  story.steps.forEach((step, k) => {
    if (k === 0) return;
    for (const [node, ...look] of step.looks) {
      nodes[node].steps.push(k);
      nodes[node].looks.push(look);
    }
    nodes[step.node].involved.push(k);
    if (step.parent !== undefined) nodes[step.parent].involved.push(k);
  });
  return {
    story,
    nodes,
    steps: story.counts.forward + story.counts.backward + (story.counts.update || 0),
    forward: story.counts.forward,
    backward: story.counts.backward,
  };
}

/** The last index i with sorted[i] <= k (sorted starts with 0, so there is one). */
export function lastAtOrBefore(sorted, k) {
  let low = 0;
  let high = sorted.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (sorted[middle] <= k) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** A node's look at step k, [status index, value, derivative?], before the step's highlight. */
export function baseLook(prepared, node, k) {
  const history = prepared.nodes[node];
  return history.looks[lastAtOrBefore(history.steps, k)];
}

/**
 * A node's look at step k: its status word, its value and its derivative (entries of
 * story.values, the derivative null while none is known). The step just taken marks its
 * own nodes: a backward step's parent is "receiving", the step's node "current".
 */
export function lookAt(prepared, node, k) {
  const [status, value, derivative] = baseLook(prepared, node, k);
  const { story } = prepared;
  const step = k > 0 ? story.steps[k] : null;
  let word = story.statuses[status];
  if (step && step.parent === node) word = "receiving";
  else if (step && step.node === node) word = "current";
  return {
    status: word,
    value: story.values[value],
    derivative: derivative === undefined ? null : story.values[derivative],
    texts: `${value} ${derivative ?? ""}`,       // which texts: equal texts, equal keys
  };
}

/** Nodes whose look may differ between steps a and b (their own changes, and the nodes the
 *  two steps highlight). */
export function changedBetween(prepared, a, b) {
  const { story } = prepared;
  const changed = new Set();
  const [low, high] = a < b ? [a, b] : [b, a];
  for (let k = low + 1; k <= high; k++) {
    for (const [node] of story.steps[k].looks) changed.add(node);
  }
  for (const k of [a, b]) {
    if (k > 0) {
      changed.add(story.steps[k].node);
      if (story.steps[k].parent !== undefined) changed.add(story.steps[k].parent);
    }
  }
  return changed;
}

/** Fill a template such as "Backward step {i} of {n}." */
export function fill(template, fields) {
  return template.replace(/\{(\w+)\}/g, (whole, name) =>
    (name in fields ? String(fields[name]) : whole));
}

// A training iteration's story (tutor/widgets/train_story.py) ends with an "update" pass:
// counts.update steps after the backward pass, each one weight's w ← w − η · ḡ_w.
function passOf(prepared, k) {
  const { forward, backward } = prepared;
  if (k <= 0) return ["start", { i: 0, n: forward }];
  if (k <= forward) return ["forward", { i: k, n: forward }];
  if (k <= forward + backward) return ["backward", { i: k - forward, n: backward }];
  return ["update", { i: k - forward - backward, n: prepared.steps - forward - backward }];
}

/** "forward 3/6", "backward 2/9". */
export function statusText(prepared, k) {
  const [pass, fields] = passOf(prepared, k);
  return fill(prepared.story.templates.status[pass], fields);
}

/** "Start.", "Forward step 3 of 6.", "Backward step 2 of 9." */
export function headingText(prepared, k) {
  const [pass, fields] = passOf(prepared, k);
  return fill(prepared.story.templates.heading[pass], fields);
}

/** The words of step k: heading, sentence, notes, and all of them as one text (what a
 *  screen reader hears, and the graph's description). */
export function wordsAt(prepared, k) {
  const step = prepared.story.steps[k];
  const heading = headingText(prepared, k);
  const notes = step.notes || [];
  return { heading, sentence: step.sentence, notes,
           spoken: [heading, step.sentence, ...notes].join(" ") };
}

/**
 * A line given as parts, names and numbers by turns (parts 0, 2, ... names; 1, 3, ...
 * numbers). known: true/false for every number, or an array saying it per number.
 */
export function shownText(parts, known) {
  return parts.map((part, index) => {
    if (index % 2 === 0) return part;
    const isKnown = Array.isArray(known) ? known[(index - 1) >> 1] : known;
    return isKnown ? part : (part ? "?" : "");
  }).join("");
}

/** A step's listing line (and tangent) as parts. */
export function stepParts(step) {
  if (!step.tangent) return step.line;
  const [first, ...rest] = step.tangent;
  return [...step.line, ";   " + first, ...rest];
}

/** Where the listing's step lines start: "[ 3] ", "[ 9] v8 → v0:  ". */
export function listingPrefix(prepared, k) {
  const { story } = prepared;
  const step = story.steps[k];
  const pass = step.parent === undefined ? "forward" : "backward";
  return fill(story.templates.listing[pass], {
    k: String(k).padStart(story.templates.width),
    node: story.nodes[step.node].id,
    parent: step.parent === undefined ? "" : story.nodes[step.parent].id,
  });
}

/** One listing entry at step k: its text and whether it is "past", "current" or "future". */
export function listingLine(prepared, entry, k) {
  if (entry.text !== undefined) return { text: entry.text, when: "past" };
  if (entry.parts !== undefined) {
    const known = entry.known.map((step) => k >= step);
    return { text: shownText(entry.parts, known),
             when: known.every(Boolean) ? "past" : "future" };
  }
  const step = prepared.story.steps[entry.step];
  const when = entry.step === k ? "current" : (entry.step < k ? "past" : "future");
  const mark = when === "current" ? "▶ " : "  ";
  return { text: mark + listingPrefix(prepared, entry.step)
                 + shownText(stepParts(step), entry.step <= k) + (entry.suffix || ""),
           when };
}

/** The answer line at step k, and whether it is complete. */
export function resultText(prepared, k) {
  const { result } = prepared.story;
  const known = result.known.map((step) => k >= step);
  const done = k >= prepared.steps;
  return { text: shownText(result.parts, known) + (done ? "" : "   " + result.pending), done };
}

/** Which step a click on a node jumps to: the next step after k that computes it or adds
 *  to its adjoint, else its first such step (so clicking again goes round them); null for
 *  a node no step touches (an input or a constant before the backward pass). */
export function jumpFor(prepared, node, k) {
  const involved = prepared.nodes[node].involved;
  if (!involved.length) return null;
  return involved.find((step) => step > k) ?? involved[0];
}

/** Clamp a step into 0 .. steps. */
export function clampStep(prepared, k) {
  return Math.max(0, Math.min(prepared.steps, Math.round(Number(k) || 0)));
}

/** The step at which a node's look last changed, at step k (0: it has not changed). */
export function changedAt(prepared, node, k) {
  const history = prepared.nodes[node];
  return history.steps[lastAtOrBefore(history.steps, k)];
}

/** "v3 = v1 × v2 = 2.0; adjoint ḡ 4.0 after step 7": how a screen reader names a node at
 *  step k (the step named is the one that gave it what it shows). */
export function nodeLabel(prepared, node, k) {
  const { story } = prepared;
  const info = story.nodes[node];
  const look = lookAt(prepared, node, k);
  const value = look.value.text === "?" ? "not computed yet" : look.value.text;
  let label = `${info.id} = ${info.computes} = ${value}`;
  if (look.derivative) {
    const since = changedAt(prepared, node, k);
    label += `; ${story.derivative} ${look.derivative.text}`
      + (since > 0 ? ` after step ${since}` : "");
  }
  if (look.status === "current") label += "; the current step's node";
  if (look.status === "receiving") label += "; receiving an adjoint now";
  return label;
}

/**
 * The node an arrow key moves to from node: "ArrowUp"/"ArrowDown" within its column,
 * "ArrowLeft"/"ArrowRight" to the nearest row of the next column that has nodes. Returns
 * node itself when there is nowhere to go.
 */
export function neighbour(story, node, key) {
  const here = story.nodes[node];
  let best = node;
  let bestScore = Infinity;
  story.nodes.forEach((other, index) => {
    if (index === node) return;
    const dc = other.column - here.column;
    const dr = other.row - here.row;
    let score = Infinity;
    if (key === "ArrowUp" && dc === 0 && dr < 0) score = -dr;
    if (key === "ArrowDown" && dc === 0 && dr > 0) score = dr;
    if (key === "ArrowRight" && dc > 0) score = dc * 1000 + Math.abs(dr);
    if (key === "ArrowLeft" && dc < 0) score = -dc * 1000 + Math.abs(dr);
    if (score < bestScore) {
      bestScore = score;
      best = index;
    }
  });
  return best;
}
