// Starting the stepper in a page with no Jupyter: a web page exported by tutor.export, or a
// page of the course's static site.
//
// The stepper's module (tutor/widgets/stepper) renders with anywidget's protocol,
// render({model, el}), and asks the model only for get, set, on, off and save_changes. In
// a page, PageModel plays that part: it holds the traits in a plain object, tells the
// stepper's handlers about a change, and keeps nothing anywhere else (there is no kernel
// to save to). Each stepper's place in the page is an element with the class
// tutor-page-stepper holding its story as JSON in a <script type="application/json">;
// bootSteppers finds them all and renders each one. Steppers whose k Python had linked
// (ipywidgets.jslink: the learner's autograd beside the reference) carry the same
// data-link and step together here too.
//
// tutor/export/page.py puts this file after the stepper's module in the page's one
// <script type="module">, inside a block of its own, with render in scope.

/** The traits of tutor.widgets.stepper.StepperView, kept in the page. */
export class PageModel {
  constructor(values) {
    this.values = { ...values };
    this.handlers = new Map();
  }

  get(name) {
    return this.values[name];
  }

  set(name, value) {
    if (Object.is(this.values[name], value)) return;
    this.values[name] = value;
    for (const handler of [...(this.handlers.get(`change:${name}`) || [])]) handler();
  }

  on(event, handler) {
    if (!this.handlers.has(event)) this.handlers.set(event, []);
    this.handlers.get(event).push(handler);
  }

  off(event, handler) {
    const list = this.handlers.get(event) || [];
    this.handlers.set(event, handler ? list.filter((known) => known !== handler) : []);
  }

  save_changes() {}     // nowhere to send them: the page is all there is
}

/** The step a page's address asks for, as in seed.html#k=7; null when it asks for none. */
export function stepFromAddress(hash) {
  const found = /(?:^#|&)k=(\d+)(?:&|$)/.exec(hash || "");
  return found ? Number(found[1]) : null;
}

/** A stepper's traits, read from its place in the page: the story's text and the data-
 *  attributes page.py wrote (data-k, data-speed, data-pinned, data-mark). */
export function traitsOf(storyText, dataset, addressStep = null) {
  const number = (text, fallback) => {
    const value = Number(text);
    return text !== undefined && text !== "" && Number.isFinite(value) ? value : fallback;
  };
  return {
    story: storyText,
    k: addressStep ?? number(dataset.k, 0),
    story_id: 1,
    playing: false,
    speed: number(dataset.speed, 2),
    pinned: dataset.pinned || "",
    mark: dataset.mark ? JSON.parse(dataset.mark) : {},
  };
}

/** Models in the same group step together: a step of one is a step of the others. */
export function linkSteps(groups) {
  for (const models of groups) {
    for (const model of models) {
      model.on("change:k", () => {
        for (const other of models) other.set("k", model.get("k"));
      });
    }
  }
}

/** Render every stepper of the page; returns their models (in page order). */
export function bootSteppers(page, render) {
  const places = [...page.querySelectorAll(".tutor-page-stepper")];
  // #k=7 in the address is for a page showing one recording (a lesson has several)
  const addressStep = places.length === 1 ? stepFromAddress(page.location.hash) : null;
  const groups = new Map();
  const models = places.map((place) => {
    const source = place.querySelector('script[type="application/json"]');
    const model = new PageModel(traitsOf(source ? source.textContent : "", place.dataset,
                                         addressStep));
    if (place.dataset.link) {
      if (!groups.has(place.dataset.link)) groups.set(place.dataset.link, []);
      groups.get(place.dataset.link).push(model);
    }
    place.textContent = "";
    render({ model, el: place });
    return model;
  });
  linkSteps(groups.values());
  return models;
}
