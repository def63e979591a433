// Nothing typed is lost to an expired session: what the page's forms hold is kept in
// sessionStorage (this tab only) on the way to sign-in and put back on the way in.
const DRAFTS = "sag.drafts";

// ------------------------------------------------------------------ drafts: nothing typed is lost

/** Keeps what is typed in the page's forms (sessionStorage, this tab only) before a sign-in. */
export function saveDrafts() {
  const drafts = {};
  for (const form of document.querySelectorAll("form[data-draft]")) {
    const values = {};
    for (const el of form.elements) {
      if (el.name && el.type !== "hidden" && el.type !== "submit" && el.value) values[el.name] = el.value;
    }
    if (Object.keys(values).length) drafts[form.id] = values;
  }
  if (Object.keys(drafts).length) {
    sessionStorage.setItem(DRAFTS, JSON.stringify({ path: location.pathname, drafts }));
  }
}

/** Puts kept drafts back into their forms once the page that had them shows them again. */
export function restoreDrafts() {
  const raw = sessionStorage.getItem(DRAFTS);
  if (!raw) return;
  const { path, drafts } = JSON.parse(raw);
  if (path !== location.pathname) return;
  for (const [formId, values] of Object.entries(drafts)) {
    const form = document.getElementById(formId);
    if (!form) continue;
    for (const [name, value] of Object.entries(values)) {
      const el = form.elements.namedItem(name);
      if (el) el.value = value;
    }
    delete drafts[formId];
  }
  if (Object.keys(drafts).length) sessionStorage.setItem(DRAFTS, JSON.stringify({ path, drafts }));
  else sessionStorage.removeItem(DRAFTS);
}

