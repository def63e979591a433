// Building blocks of the founder's page: elements, fields with their hint and error, and
// the GOV.UK-style error summary. Text from the server or the user is only ever set with
// textContent: it never becomes markup.

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = String(value);
    else if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// A form whose controls are named after the API's fields; `t` gives the page's words.
// Each control's id is `<prefix>-<field>`, so an error can link to it.
export class Form {
  constructor(prefix, t) {
    this.prefix = prefix;
    this.t = t;
    this.summary = el("div", { class: "error-summary", id: `${prefix}-errors`, tabindex: "-1" });
    this.fields = new Map(); // field -> {control, error, wrapper}
  }

  id(field) {
    return `${this.prefix}-${field}`;
  }

  #errorNode(field) {
    return el("p", { class: "field-error status-field-error", id: `${this.id(field)}-error` });
  }

  #label(text, required) {
    return [text, " ", el("span", { class: required ? "req-mark" : "opt-mark", text: this.t(required ? "required" : "optional") })];
  }

  // A text input, email, tel, date or textarea.
  input(field, { label, hint, required = false, type = "text", value = "", multiline = false, ...attrs }) {
    const id = this.id(field);
    const described = [hint ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(" ");
    const error = this.#errorNode(field);
    const control = multiline
      ? el("textarea", { id, name: field, rows: 5, "aria-describedby": described, ...attrs })
      : el("input", { id, name: field, type, "aria-describedby": described, ...attrs });
    control.value = value ?? "";
    const wrapper = el(
      "div",
      { class: "field" },
      el("label", { for: id }, this.#label(label, required)),
      hint ? el("p", { class: "hint", id: `${id}-hint`, text: hint }) : null,
      error,
      control,
    );
    this.fields.set(field, { control, error, wrapper });
    return wrapper;
  }

  // Radios in a fieldset whose legend asks the question; the first radio takes the focus
  // when the field is refused.
  radios(field, { legend, options, required = true }) {
    const id = this.id(field);
    const error = this.#errorNode(field);
    const items = options.map((option, index) => {
      const radioId = index === 0 ? id : `${id}-${option.value}`;
      const hintId = option.hint ? `${radioId}-hint` : null;
      return el(
        "div",
        { class: "radio" },
        el("input", { type: "radio", id: radioId, name: field, value: option.value, "aria-describedby": hintId }),
        el("label", { for: radioId, text: option.label }),
        option.hint ? el("p", { class: "hint", id: hintId, text: option.hint }) : null,
      );
    });
    const wrapper = el(
      "div",
      { class: "field" },
      el(
        "fieldset",
        { "aria-describedby": `${id}-error` },
        el("legend", { class: "question" }, this.#label(legend, required)),
        error,
        el("div", { class: "radios" }, items),
      ),
    );
    this.fields.set(field, { control: wrapper.querySelector("input"), error, wrapper, radios: true });
    return wrapper;
  }

  checkbox(field, { label }) {
    const id = this.id(field);
    const error = this.#errorNode(field);
    const control = el("input", { type: "checkbox", id, name: field, value: "true", "aria-describedby": `${id}-error` });
    const wrapper = el("div", { class: "field" }, error, el("div", { class: "check" }, control, el("label", { for: id, text: label })));
    this.fields.set(field, { control, error, wrapper });
    return wrapper;
  }

  value(field) {
    const entry = this.fields.get(field);
    if (!entry) return undefined;
    if (entry.radios) {
      const chosen = entry.wrapper.querySelector("input:checked");
      return chosen ? chosen.value : "";
    }
    if (entry.control.type === "checkbox") return entry.control.checked;
    return entry.control.value.trim();
  }

  clearErrors() {
    this.summary.replaceChildren();
    for (const { error, wrapper } of this.fields.values()) {
      error.replaceChildren();
      wrapper.classList.remove("has-error");
      for (const input of wrapper.querySelectorAll("input, textarea, select")) input.removeAttribute("aria-invalid");
    }
  }

  // errors: [{field, message}] with whole sentences. Each goes beside its field (when the
  // form has it) and into the summary, which takes the focus.
  showErrors(errors) {
    this.clearErrors();
    const list = el("ul", { class: "error-list" });
    for (const { field, message } of errors) {
      const entry = this.fields.get(field);
      if (entry && !entry.error.textContent) {
        entry.error.append(el("span", { class: "visually-hidden", text: `${this.t("error.prefix")} ` }), message);
        entry.wrapper.classList.add("has-error");
        for (const input of entry.wrapper.querySelectorAll("input, textarea, select")) input.setAttribute("aria-invalid", "true");
      }
      const target = entry ? entry.control : null;
      list.append(
        el("li", {}, target
          ? el("a", {
              href: `#${target.id}`,
              text: message,
              onclick: (event) => {
                event.preventDefault(); // the fragment names views: focus the field instead
                target.focus();
                target.scrollIntoView({ block: "center" });
              },
            })
          : message),
      );
    }
    this.summary.append(el("h2", { text: this.t("error.summary") }), list);
    this.summary.setAttribute("role", "alert");
    this.summary.focus();
  }
}

export function busy(button, on) {
  button.disabled = on;
  if (on) button.setAttribute("aria-busy", "true");
  else button.removeAttribute("aria-busy");
}
