// Zoom and pan: which part of the drawing the graph's box shows, as {scale, x, y}
// (a point p of the drawing appears at x + scale * p.x, y + scale * p.y in the box).
//
// Pure functions; the stepper keeps one such view and calls them on wheel, pinch, drag,
// the zoom buttons and keys, and on every step (so the current node stays in sight).

export const LIMITS = {
  readable: 0.55,   // fitting a drawing too big to show whole starts it at this scale
  whole: 0.4,       // but one that shows whole at this scale or more is shown whole
  largest: 1.25,    // nor blows a small graph up beyond this
  smallest: 0.08,   // zooming out by hand may go down to this (the whole of a big graph)
  most: 3,          // zooming in by hand goes up to this
  tallest: 620,     // the box is at most this tall (a taller drawing is panned)
  lowest: 140,      // and at least this tall
};

function clamp(value, low, high) {
  return Math.max(low, Math.min(high, value));
}

/** How tall the graph's box is for a drawing of content.height at this scale. */
export function boxHeight(content, scale, limits = LIMITS) {
  return Math.round(clamp(content.height * scale, limits.lowest, limits.tallest));
}

/**
 * The view that fits the drawing to the box's width (and to the tallest box), centred.
 * A small graph in a narrow box (the seed's on a phone) shrinks down to the `whole` scale
 * so that all of it shows, its output too; a drawing that would need less than that (a
 * 1,000-node graph) is not made a hairball: it starts at the readable scale at its left, top.
 */
export function fitView(content, width, limits = LIMITS) {
  const fits = Math.min(width / content.width, limits.tallest / content.height);
  const scale = clamp(fits, fits >= limits.whole ? limits.whole : limits.readable,
                      limits.largest);
  const height = boxHeight(content, scale, limits);
  return {
    scale,
    x: Math.max(0, (width - content.width * scale) / 2),
    y: Math.max(0, (height - content.height * scale) / 2),
  };
}

/** Does the whole drawing show in a box of this size? */
export function showsAll(view, content, box) {
  return view.x >= -0.5 && view.y >= -0.5
    && view.x + content.width * view.scale <= box.width + 0.5
    && view.y + content.height * view.scale <= box.height + 0.5;
}

/** The view zoomed by factor about a point of the box (the point stays where it is). */
export function zoomAt(view, factor, point, limits = LIMITS) {
  const scale = clamp(view.scale * factor, limits.smallest, limits.most);
  const ratio = scale / view.scale;
  return { scale, x: point.x - (point.x - view.x) * ratio, y: point.y - (point.y - view.y) * ratio };
}

/** The view moved by (dx, dy) pixels of the box, keeping some of the drawing in it. */
export function panBy(view, dx, dy, content, box) {
  const keep = 60;
  const width = content.width * view.scale;
  const height = content.height * view.scale;
  return {
    scale: view.scale,
    x: clamp(view.x + dx, Math.min(0, keep - width), Math.max(0, box.width - keep)),
    y: clamp(view.y + dy, Math.min(0, keep - height), Math.max(0, box.height - keep)),
  };
}

/** The view moved so that a rectangle of the drawing shows in the box: one already in sight
 *  stays put; one out of sight comes to the middle of the box along the axis it was out
 *  (so that stepping along a long chain moves the view once every half box, not every step). */
export function bringIntoView(view, rect, box) {
  let { x, y } = view;
  const left = x + rect.x * view.scale;
  const right = x + (rect.x + rect.width) * view.scale;
  const top = y + rect.y * view.scale;
  const bottom = y + (rect.y + rect.height) * view.scale;
  if (left < 0 || right > box.width) x += box.width / 2 - (left + right) / 2;
  if (top < 0 || bottom > box.height) y += box.height / 2 - (top + bottom) / 2;
  return { scale: view.scale, x, y };
}

/** The distance between two pointers (for a pinch) and their middle. */
export function pinch(a, b) {
  return { distance: Math.hypot(a.x - b.x, a.y - b.y), middle: { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 } };
}
