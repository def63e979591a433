// Small pieces every view uses: fields with their errors, the error summary, dates.
import { html } from "./lib.js";

export const DAY_MS = 86_400_000;

export function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

export function daysSince(iso, now = Date.now()) {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : Math.max(0, Math.floor((now - t) / DAY_MS));
}

export function shortDate(iso) {
  if (!iso) return "";
  const t = Date.parse(iso.length === 10 ? iso + "T12:00:00" : iso);
  if (Number.isNaN(t)) return iso;
  return new Date(t).toLocaleDateString("en-US", { year: "numeric", month: "short", day: "numeric" });
}

export function plural(n, one, many = one + "s") {
  return `${n} ${n === 1 ? one : many}`;
}

/** Moves focus to the first element matching `selector` once the DOM has it. */
export function focusSoon(selector) {
  requestAnimationFrame(() => {
    const el = document.querySelector(selector);
    if (el) el.focus();
  });
}

/** The values of a form, trimmed strings, by field name. */
export function formValues(form) {
  const out = {};
  for (const [k, v] of new FormData(form).entries()) out[k] = typeof v === "string" ? v.trim() : v;
  return out;
}

/**
 * A labelled control with its hint and error. `form` prefixes ids so one page can hold
 * several forms with the same field names.
 */
export function Field({ form, name, label, type = "text", hint, error, value, options, required, optional, ...rest }) {
  const id = `${form}-${name}`;
  const describedBy = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
  const common = {
    id,
    name,
    "aria-describedby": describedBy,
    "aria-invalid": error ? "true" : undefined,
    required,
    ...rest,
  };
  let control;
  // Uncontrolled: defaultValue, never value (Preact would put `value` back on every render,
  // over what the person typed or what a kept draft restored).
  if (type === "select") {
    control = html`<select ...${common}>
      ${options.map(([v, text]) => html`<option value=${v} selected=${v === value}>${text}</option>`)}
    </select>`;
  } else if (type === "textarea") {
    control = html`<textarea ...${common} rows="3" defaultValue=${value || ""}></textarea>`;
  } else {
    control = html`<input type=${type} ...${common} defaultValue=${value ?? ""} />`;
  }
  return html`<div class=${"field" + (error ? " field-error" : "")}>
    <label for=${id}>${label}${optional ? html` <span class="optional">(optional)</span>` : ""}</label>
    ${hint && html`<p class="hint" id=${`${id}-hint`}>${hint}</p>`}
    ${error && html`<p class="error" id=${`${id}-error`}><span class="visually-hidden">Error: </span>${error}</p>`}
    ${control}
  </div>`;
}

/** GOV.UK-style summary of what a refused submit got wrong, each linking to its field. */
export function ErrorSummary({ form, problem, labels = {} }) {
  if (!problem) return null;
  const fields = problem.fields;
  const names = Object.keys(fields);
  return html`<div class="error-summary" id=${`${form}-summary`} role="alert" tabindex="-1">
    <h3>${problem.stale ? "This group changed" : names.length ? "There is a problem" : problem.title || "Not done"}</h3>
    ${names.length
      ? html`<ul>
          ${names.map(
            (n) => html`<li><a href=${`#${form}-${n}`} onClick=${(e) => jumpTo(e, `${form}-${n}`)}>${labels[n] || n}: ${fields[n]}</a></li>`,
          )}
        </ul>`
      : html`<p>${problem.message}</p>`}
    ${problem.unmet.length
      ? html`<p>Still unmet:</p>
          <ul class="unmet">
            ${problem.unmet.map((u) => html`<li>${gateText(u)}</li>`)}
          </ul>`
      : null}
    ${problem.stale ? html`<button type="button" class="secondary" onClick=${() => location.reload()}>Reload</button>` : null}
  </div>`;
}

function jumpTo(event, id) {
  const el = document.getElementById(id);
  if (el) {
    event.preventDefault();
    el.focus();
  }
}

/** An unmet requirement as the API words it ("core_members: at least 3 core members (...); have 2"),
 * or an object {key, asks, have, need}, as a line a person reads: "2 of 3 core members (...)". */
export function gateText(u) {
  if (u && typeof u === "object") {
    const asks = u.asks || u.key || "";
    return u.have != null && u.need != null ? `${u.have} of ${u.need}: ${asks}` : asks;
  }
  const text = String(u);
  const m = text.match(/^[a-z_]+:\s*(.*?)(?:;\s*have (\d+))?$/);
  if (!m) return text;
  const [, asks, have] = m;
  const need = asks.match(/at least (\d+)/);
  if (have != null && need) return `${have} of ${need[1]}: ${asks.replace(/^at least \d+ /, "")}`;
  return asks;
}
