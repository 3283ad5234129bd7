// A one-line text box whose text Python may change, but never while the learner is in it.
//
// ipywidgets' Text puts a value Python sends into the box at once, even while the learner
// types there: a value filled in for a new variable lands in the middle of what is being
// typed ("a=1, b=1, c=1=2, b=3, c=4"). This box holds such a value back while it has the
// focus, and drops it once the learner types (what they type is newer: Enter sends it).
// Enter sends the text, or, when the text is what Python already has, asks Python to
// submit it again; leaving the box after typing sends the text too.

/**
 * What the box does when Python sends `incoming` while it shows `shown`: the text to show
 * now and the value held back for when the learner leaves the box (null: none).
 * `focused`: the box has the focus; `typed`: the learner typed since the box last agreed
 * with Python.
 */
export function arrive({ shown, incoming, focused, typed }) {
  if (incoming === shown) return { show: shown, held: null };
  if (!focused) return { show: incoming, held: null };
  return { show: shown, held: typed ? null : incoming };
}

let boxes = 0;

function render({ model, el }) {
  // marked by an attribute, not a class: the page's own classes (tutor-values) name the box
  el.dataset.tutorTextbox = "";
  const id = `tutor-textbox-${++boxes}`;
  const label = document.createElement("label");
  label.htmlFor = id;
  const input = document.createElement("input");
  input.type = "text";
  input.id = id;
  input.spellcheck = false;
  input.autocomplete = "off";
  el.append(label, input);

  let typed = false;
  let held = null;
  const look = () => {
    label.textContent = model.get("description");
    label.hidden = !model.get("description");
    input.placeholder = model.get("placeholder");
    input.disabled = model.get("disabled");
  };
  const send = () => {
    typed = false;
    held = null;
    if (input.value === model.get("value")) return false;
    model.set("value", input.value);
    model.save_changes();
    return true;
  };
  const onValue = () => {
    const now = arrive({ shown: input.value, incoming: model.get("value"),
                         focused: document.activeElement === input, typed });
    if (now.show !== input.value) input.value = now.show;
    held = now.held;
  };
  const onInput = () => {
    typed = true;
    held = null;
  };
  const onKey = (event) => {
    if (event.key !== "Enter" || event.isComposing) return;
    event.preventDefault();
    if (!send()) model.send({ event: "submit" });
  };
  const onChange = () => send();
  const onBlur = () => {
    if (held !== null && !typed) input.value = held;
    held = null;
  };

  input.value = model.get("value");
  look();
  input.addEventListener("input", onInput);
  input.addEventListener("keydown", onKey);
  input.addEventListener("change", onChange);
  input.addEventListener("blur", onBlur);
  model.on("change:value", onValue);
  model.on("change:description change:placeholder change:disabled", look);
  return () => {
    model.off("change:value", onValue);
    model.off("change:description change:placeholder change:disabled", look);
  };
}

export default { render };
