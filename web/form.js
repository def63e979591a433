// Start a Group: the public inquiry form.
//
// Plain ES2020, no dependencies. Light client-side checks mirror the server's rules, but
// the server (POST /inquiries, RFC 9457 problems) has the last word and its messages are
// shown next to the fields. Text from the server or the user is only ever set with
// textContent: it never becomes markup.
"use strict";

(() => {
  const HOTLINE_LETTERS = "866-A-REGION";
  const HOTLINE = "866-273-4466";
  const HOTLINE_TEL = "tel:+18662734466";
  const MAX_MESSAGE = 2000;
  const REQUEST_TIMEOUT_MS = 20000;
  const ZIP_RE = /^[0-9]{5}(-[0-9]{4})?$/;
  const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

  // Field names as sent to and reported by the server, in form order.
  const FIELDS = ["name", "email", "phone", "city", "state", "zip", "message", "consent"];
  // N_ marks words that are translated where they are shown (scripts/i18n.py extracts them).
  const N_ = (message) => message;
  const LABELS = {
    name: N_("Name"),
    email: N_("Email"),
    phone: N_("Phone"),
    city: N_("City"),
    state: N_("State"),
    zip: N_("ZIP code"),
    message: N_("Message"),
    consent: N_("Consent"),
    join_group: N_("The group you chose"),
  };
  const ROLE_TITLES = {
    area_coordinator: N_("Area Coordinator"),
    field_organizer: N_("Field Organizer"),
  };
  const LANGUAGES = ["en", "es"];
  const NEARBY_RADIUS_MI = 25;

  // ---------------------------------------------------------------- languages
  //
  // English is written in the page and here; other languages come from i18n/<lang>.json,
  // generated from the gettext catalogue web/i18n/<lang>.po (scripts/i18n.py). The English
  // text is the key; a missing translation shows the English.
  let language = "en";
  let catalogue = {};

  function t(message, vars) {
    let text = (language !== "en" && catalogue[message]) || message;
    if (vars) {
      for (const [key, value] of Object.entries(vars)) text = text.split(`{${key}}`).join(String(value));
    }
    return text;
  }

  function browserLanguage() {
    const wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"];
    for (const tag of wanted) {
      const base = String(tag || "").toLowerCase().split("-")[0];
      if (LANGUAGES.includes(base)) return base;
    }
    return "en";
  }

  const form = document.getElementById("inquiry-form");
  if (!form) return;
  const submitButton = document.getElementById("submit");
  const summary = document.getElementById("form-errors");
  const result = document.getElementById("result");
  const messageInput = document.getElementById("message");
  const messageCount = document.getElementById("message-count");
  const messageCountLive = document.getElementById("message-count-live");
  const stateSelect = document.getElementById("state");
  const organizersBox = document.getElementById("state-organizers");
  const organizersList = document.getElementById("state-organizers-list");

  const apiBase = (() => {
    const meta = document.querySelector('meta[name="api-base"]');
    const value = meta ? (meta.getAttribute("content") || "").trim() : "";
    return value.replace(/\/+$/, "");
  })();

  const nearbyBox = document.getElementById("nearby");
  const nearbyChoices = document.getElementById("nearby-choices");
  const languageButtons = Array.from(document.querySelectorAll("button[data-language]"));

  function translateStatic() {
    for (const node of document.querySelectorAll("[data-i18n]")) {
      if (!node.dataset.msgid) node.dataset.msgid = node.textContent.replace(/\s+/g, " ").trim();
      node.textContent = t(node.dataset.msgid);
    }
    for (const node of document.querySelectorAll("[data-i18n-label]")) {
      if (!node.dataset.msgid) node.dataset.msgid = node.getAttribute("label");
      node.setAttribute("label", t(node.dataset.msgid));
    }
    document.documentElement.lang = language;
    for (const button of languageButtons) {
      button.setAttribute("aria-pressed", button.dataset.language === language ? "true" : "false");
    }
  }

  async function useLanguage(wanted) {
    const chosen = LANGUAGES.includes(wanted) ? wanted : "en";
    let loaded = {};
    if (chosen !== "en") {
      try {
        const response = await fetch(`i18n/${chosen}.json`, { headers: { Accept: "application/json" } });
        if (!response.ok) throw new Error(`status ${response.status}`);
        loaded = await response.json();
      } catch (_err) {
        return; // the page stays in the language it has
      }
    }
    language = chosen;
    catalogue = loaded;
    translateStatic();
    submitLabel();
    if (typeof updateCount === "function" && messageInput) updateCount();
    if (lastNearby) showNearby(lastNearby);
    if (stateSelect && stateSelect.value) loadOrganizers(stateSelect.value);
  }

  for (const button of languageButtons) {
    button.addEventListener("click", () => useLanguage(button.dataset.language));
  }

  const input = (field) => document.getElementById(field);
  const errorBox = (field) => document.getElementById(`${field}-error`);

  // ---------------------------------------------------------------- small DOM helpers

  function el(tag, text, attrs) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (attrs) {
      for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
    }
    return node;
  }

  function hotlineLink() {
    return el("a", `${HOTLINE_LETTERS} (${HOTLINE})`, { href: HOTLINE_TEL });
  }

  function sentence(text) {
    const t = String(text).trim();
    return /[.!?]$/.test(t) ? t : `${t}.`;
  }

  // Server messages are phrased to follow the field name ("is required", "must be ...").
  function fieldMessage(field, message) {
    const text = String(message || "is not valid").trim();
    if (/^[a-z]/.test(text)) return sentence(`${(LABELS[field] ? t(LABELS[field]) : t("Your inquiry"))} ${t(text)}`);
    return sentence(text);
  }

  // ---------------------------------------------------------------- field errors

  function setFieldError(field, message) {
    const control = input(field);
    const box = errorBox(field);
    if (!control || !box) return false;
    box.textContent = message;
    control.setAttribute("aria-invalid", "true");
    const wrapper = control.closest(".field");
    if (wrapper) wrapper.classList.add("has-error");
    return true;
  }

  function clearFieldError(field) {
    const control = input(field);
    const box = errorBox(field);
    if (box) box.textContent = "";
    if (control) {
      control.removeAttribute("aria-invalid");
      const wrapper = control.closest(".field");
      if (wrapper) wrapper.classList.remove("has-error");
    }
  }

  let summaryTimer = null;

  function clearSummary() {
    window.clearTimeout(summaryTimer);
    summary.replaceChildren();
  }

  function clearAllErrors() {
    FIELDS.forEach(clearFieldError);
    clearSummary();
  }

  function focusField(field) {
    const control = input(field);
    if (!control) return;
    control.focus();
    if (typeof control.scrollIntoView === "function") {
      control.scrollIntoView({ block: "center" });
    }
  }

  // ---------------------------------------------------------------- summary (role=alert)

  // parts: an array of strings and nodes, shown as one paragraph each (strings) or as is.
  function showSummary(heading, parts, options = {}) {
    clearSummary();
    // Filled a moment later so that a repeated, identical problem is announced again.
    summaryTimer = window.setTimeout(() => {
      summary.appendChild(el("h3", heading));
      for (const part of parts) {
        summary.appendChild(typeof part === "string" ? el("p", part) : part);
      }
      if (options.focus) {
        summary.focus();
        if (typeof summary.scrollIntoView === "function") summary.scrollIntoView({ block: "start" });
      }
    }, 50);
  }

  function paragraphWithHotline(before, after = ".") {
    const p = el("p", before);
    p.appendChild(hotlineLink());
    p.appendChild(document.createTextNode(after));
    return p;
  }

  function fieldErrorList(items) {
    const list = el("ul");
    for (const { field, text } of items) {
      const li = el("li");
      if (input(field)) {
        const link = el("a", text, { href: `#${field}` });
        link.addEventListener("click", (event) => {
          event.preventDefault();
          focusField(field);
        });
        li.appendChild(link);
      } else {
        li.textContent = text;
      }
      list.appendChild(li);
    }
    return list;
  }

  // Field problems: message next to each field, a linked list at the top, focus on the first.
  function showFieldErrors(unordered) {
    const rank = (field) => (FIELDS.includes(field) ? FIELDS.indexOf(field) : FIELDS.length);
    const items = [...unordered].sort((a, b) => rank(a.field) - rank(b.field));
    const shown = [];
    const other = [];
    for (const item of items) {
      if (FIELDS.includes(item.field) && setFieldError(item.field, item.text)) shown.push(item);
      else other.push(item);
    }
    const count = items.length;
    const heading =
      count === 1 ? t("There is a problem with your inquiry") : t("There are {count} problems with your inquiry", { count });
    showSummary(heading, [fieldErrorList(items)], { focus: shown.length === 0 });
    if (shown.length) {
      const first = FIELDS.find((f) => shown.some((item) => item.field === f));
      focusField(first);
    }
  }

  // ---------------------------------------------------------------- client-side checks

  function value(field) {
    const control = input(field);
    if (!control) return "";
    if (control.type === "checkbox") return control.checked;
    return control.value;
  }

  function checkField(field) {
    const v = value(field);
    switch (field) {
      case "name":
        return v.trim() ? null : t("Enter your name.");
      case "email":
        if (!v.trim()) return t("Enter your email address.");
        return EMAIL_RE.test(v.trim()) ? null : t("Enter an email address like name@example.org.");
      case "phone":
        // Optional; whether it is a real number is for the server (libphonenumber) to say.
        return null;
      case "city":
        return v.trim() ? null : t("Enter your city or town.");
      case "state":
        return v ? null : t("Choose your state or territory.");
      case "zip":
        if (!v.trim()) return t("Enter your ZIP code.");
        return ZIP_RE.test(v.trim()) ? null : t("Enter a ZIP code like 12345 or a ZIP+4 like 12345-6789.");
      case "message":
        return v.length <= MAX_MESSAGE
          ? null
          : t("Shorten your message to {max} characters or fewer (it has {length}).", { max: MAX_MESSAGE, length: v.length });
      case "consent":
        return v ? null : t("Check the box to agree that an organizer may contact you.");
      default:
        return null;
    }
  }

  function checkAll() {
    const items = [];
    for (const field of FIELDS) {
      const text = checkField(field);
      if (text) items.push({ field, text });
    }
    return items;
  }

  // Once a field shows an error, fixing it clears the error as the person types.
  for (const field of FIELDS) {
    const control = input(field);
    if (!control) continue;
    const recheck = () => {
      if (control.getAttribute("aria-invalid") !== "true") return;
      if (!checkField(field)) clearFieldError(field);
    };
    control.addEventListener(control.type === "checkbox" || control.tagName === "SELECT" ? "change" : "input", recheck);
  }

  // ---------------------------------------------------------------- message counter

  let liveTimer = null;

  function updateCount() {
    const used = messageInput.value.length;
    const left = MAX_MESSAGE - used;
    messageCount.textContent = t("{used} of {max} characters used", { used, max: MAX_MESSAGE });
    messageCount.classList.toggle("near-limit", left <= 100);
    // Screen readers hear the count after a pause in typing, not on every key.
    window.clearTimeout(liveTimer);
    liveTimer = window.setTimeout(() => {
      messageCountLive.textContent = left <= 100 ? t("{left} characters left", { left: Math.max(left, 0) }) : "";
    }, 800);
  }

  if (messageInput && messageCount && messageCountLive) {
    messageInput.addEventListener("input", updateCount);
    updateCount();
  }

  // ---------------------------------------------------------------- organizers in the state

  let organizersRequest = null;

  function roleTitle(role) {
    if (ROLE_TITLES[role]) return t(ROLE_TITLES[role]);
    return String(role || "")
      .split("_")
      .filter(Boolean)
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join(" ");
  }

  function hideOrganizers() {
    organizersList.replaceChildren();
    organizersBox.hidden = true;
  }

  async function loadOrganizers(state) {
    if (organizersRequest) organizersRequest.abort();
    if (!state) {
      hideOrganizers();
      return;
    }
    const controller = new AbortController();
    organizersRequest = controller;
    try {
      const response = await fetch(`${apiBase}/organizers?state=${encodeURIComponent(state)}`, {
        headers: { Accept: "application/json" },
        signal: controller.signal,
      });
      if (!response.ok) throw new Error(`status ${response.status}`);
      const organizers = await response.json();
      if (controller !== organizersRequest) return;
      if (!Array.isArray(organizers)) throw new Error("not a list");
      organizersList.replaceChildren();
      if (organizers.length === 0) {
        organizersList.appendChild(
          el("li", t("No local organizer is listed yet: our national organizing team will help you."))
        );
      }
      for (const organizer of organizers) {
        if (!organizer || typeof organizer.name !== "string") continue;
        const li = el("li");
        li.appendChild(el("span", organizer.name, { class: "name" }));
        const title = roleTitle(organizer.role);
        if (title) li.appendChild(el("span", `, ${title}`, { class: "role" }));
        organizersList.appendChild(li);
      }
      organizersBox.hidden = false;
    } catch (_err) {
      // The directory is a courtesy: any failure just leaves it out.
      if (controller === organizersRequest) hideOrganizers();
    }
  }

  if (stateSelect && organizersBox && organizersList) {
    stateSelect.addEventListener("change", () => loadOrganizers(stateSelect.value));
    if (stateSelect.value) loadOrganizers(stateSelect.value);
  }

  // ---------------------------------------------------------------- groups near the ZIP

  let nearbyRequest = null;
  let lastNearby = null;
  let nearbyZip = "";

  function chosenGroup() {
    const picked = nearbyBox && !nearbyBox.hidden ? form.querySelector('input[name="join_group"]:checked') : null;
    return picked && picked.value ? Number(picked.value) : null;
  }

  // Joining passes the person's name and email to the group's founder, so the consent says so;
  // a tick given to the other text does not carry over.
  const CONSENT_TEXTS = {
    start: N_("I agree that an organizer may contact me about starting a group."),
    join: N_("I agree that an organizer may contact me, and that the group's founder receives my name and email to welcome me."),
  };
  const consentText = document.getElementById("consent-text");
  const consentBox = document.getElementById("consent");

  function submitLabel() {
    const joining = Boolean(chosenGroup());
    submitButton.textContent = joining ? t("Ask to join this group") : t("Send my inquiry");
    const msgid = CONSENT_TEXTS[joining ? "join" : "start"];
    if (consentText.dataset.msgid && consentText.dataset.msgid !== msgid) consentBox.checked = false;
    consentText.dataset.msgid = msgid;
    consentText.textContent = t(msgid);
  }

  function miles(distance) {
    const rounded = distance < 10 ? Math.round(distance * 10) / 10 : Math.round(distance);
    return rounded === 1 ? t("1 mile") : t("{miles} miles", { miles: rounded });
  }

  function choice(value, text, checked) {
    const id = value ? `join-${value}` : "join-none";
    const row = el("div", null, { class: "check choice" });
    const radio = el("input", null, { id, type: "radio", name: "join_group", value });
    radio.checked = checked;
    radio.addEventListener("change", submitLabel);
    row.appendChild(radio);
    row.appendChild(el("label", text, { for: id }));
    return row;
  }

  function showNearby(groups) {
    lastNearby = groups;
    const before = chosenGroup();
    nearbyChoices.replaceChildren();
    if (!groups.length) {
      nearbyBox.hidden = true;
      submitLabel();
      return;
    }
    for (const group of groups) {
      const vars = { number: group.group_number, name: group.name, city: group.city, miles: miles(group.distance_mi) };
      const text =
        group.name === group.city
          ? t("Join group {number}, {city}, {miles} away", vars)
          : t("Join group {number}, {name} ({city}), {miles} away", vars);
      nearbyChoices.appendChild(choice(String(group.group_number), text, before === group.group_number));
    }
    nearbyChoices.appendChild(choice("", t("Start a new group"), !before));
    nearbyBox.hidden = false;
    submitLabel();
  }

  async function loadNearby() {
    const zip = value("zip").trim();
    if (!ZIP_RE.test(zip) || zip.slice(0, 5) === nearbyZip) return;
    nearbyZip = zip.slice(0, 5);
    if (nearbyRequest) nearbyRequest.abort();
    const controller = new AbortController();
    nearbyRequest = controller;
    try {
      const response = await fetch(
        `${apiBase}/groups/nearby?zip=${encodeURIComponent(nearbyZip)}&radius_mi=${NEARBY_RADIUS_MI}`,
        { headers: { Accept: "application/json" }, signal: controller.signal }
      );
      if (!response.ok) throw new Error(`status ${response.status}`);
      const groups = await response.json();
      if (controller !== nearbyRequest) return;
      if (!Array.isArray(groups)) throw new Error("not a list");
      showNearby(groups.filter((g) => g && Number.isInteger(g.group_number)).slice(0, 5));
    } catch (_err) {
      // A courtesy, like the organizers list: without it the form starts a new group.
      if (controller === nearbyRequest) showNearby([]);
    }
  }

  if (nearbyBox && nearbyChoices) {
    input("zip").addEventListener("change", loadNearby);
    input("zip").addEventListener("input", () => {
      if (ZIP_RE.test(value("zip").trim())) loadNearby();
    });
  }

  // ---------------------------------------------------------------- submitting

  let sending = false;

  function setBusy(busy) {
    sending = busy;
    submitButton.disabled = busy;
    if (busy) {
      submitButton.setAttribute("aria-busy", "true");
      submitButton.dataset.label = submitButton.textContent;
      submitButton.textContent = t("Sending…");
    } else {
      submitButton.removeAttribute("aria-busy");
      if (submitButton.dataset.label) submitButton.textContent = submitButton.dataset.label;
    }
    form.setAttribute("aria-busy", busy ? "true" : "false");
  }

  function payload() {
    const optional = (field) => {
      const v = value(field);
      return v.trim() ? v : null;
    };
    return {
      name: value("name"),
      email: value("email"),
      phone: optional("phone"),
      city: value("city"),
      state: value("state"),
      zip: value("zip").trim(),
      message: optional("message"),
      consent: value("consent") === true,
      language,
      join_group: chosenGroup(),
      website: value("website"),
    };
  }

  async function readProblem(response) {
    try {
      const text = await response.text();
      if (!text) return null;
      const body = JSON.parse(text);
      return body && typeof body === "object" ? body : null;
    } catch (_err) {
      return null;
    }
  }

  function retryAfterText(response) {
    const header = response.headers.get("Retry-After");
    const seconds = header && /^\d+$/.test(header.trim()) ? Number(header.trim()) : null;
    if (seconds === null) return "later";
    if (seconds < 90) return "in a minute or two";
    const minutes = Math.ceil(seconds / 60);
    if (minutes < 90) return `in about ${minutes} minutes`;
    return `in about ${Math.ceil(minutes / 60)} hours`;
  }

  function showProblem(response, problem) {
    const status = response.status;
    const detail = problem && typeof problem.detail === "string" ? problem.detail : "";

    if (status === 422 && problem && Array.isArray(problem.errors) && problem.errors.length) {
      const items = problem.errors
        .filter((e) => e && typeof e === "object")
        .map((e) => {
          const field = typeof e.field === "string" ? e.field : "";
          return { field, text: fieldMessage(field, e.message) };
        });
      showFieldErrors(items);
      return;
    }

    let heading;
    const parts = [];
    if (status === 429) {
      heading = t("Too many inquiries at once");
      parts.push(
        paragraphWithHotline(
          `We've received several inquiries from your connection in a short time. Please try again ${retryAfterText(
            response
          )}, or call `
        )
      );
    } else if (status === 413) {
      heading = t("Your inquiry is too long");
      parts.push(t("Please shorten your message and send it again."));
      parts.push(paragraphWithHotline(t("If the problem continues, call ")));
    } else if (status === 400 || status === 415 || status === 422) {
      heading = t("We couldn't read your inquiry");
      if (detail) parts.push(sentence(detail));
      parts.push(paragraphWithHotline(t("Please reload the page and try again, or call ")));
    } else if (status >= 500) {
      heading = t("Something went wrong on our side");
      parts.push(paragraphWithHotline(t("Your inquiry was not saved. Please try again in a few minutes, or call ")));
    } else {
      heading = (problem && typeof problem.title === "string" && problem.title) || t("Your inquiry was not sent");
      if (detail) parts.push(sentence(detail));
      parts.push(paragraphWithHotline(t("Please try again, or call ")));
    }
    showSummary(heading, parts, { focus: true });
  }

  function showNetworkFailure() {
    showSummary(
      t("We couldn't reach our server"),
      [paragraphWithHotline(t("Your inquiry was not sent. Check your connection and try again later, or call "))],
      { focus: true }
    );
  }

  function showSuccess(body, joining) {
    const duplicate = body.duplicate === true;
    const organizer = body.organizer && typeof body.organizer === "object" ? body.organizer : null;

    document.getElementById("result-heading").textContent = duplicate
      ? t("We already have your inquiry")
      : joining
        ? t("Thank you! We've passed on your request")
        : t("Thank you! We've received your inquiry");

    const dup = document.getElementById("result-duplicate");
    if (duplicate) {
      dup.textContent = t(
        "You've already told us you'd like to start a group, so we haven't created a second one. We have your details and will be in touch."
      );
      dup.hidden = false;
    } else {
      dup.textContent = "";
      dup.hidden = true;
    }

    const who = document.getElementById("result-organizer");
    who.replaceChildren();
    if (organizer && typeof organizer.name === "string" && organizer.name) {
      who.appendChild(document.createTextNode(t("Your organizer is") + " "));
      who.appendChild(el("strong", organizer.name));
      const title = roleTitle(organizer.role);
      if (title) who.appendChild(document.createTextNode(`, ${title}`));
      who.appendChild(document.createTextNode(t(", who will contact you soon.")));
    } else {
      who.textContent = t("Our national organizing team will contact you soon.");
    }

    const next = document.getElementById("result-next-step");
    next.textContent = typeof body.next_step === "string" && body.next_step ? body.next_step : "";
    if (!next.textContent && joining) {
      next.textContent = t("Your organizer will put you in touch with local group #{number} about joining it.", {
        number: joining,
      });
    }
    if (!next.textContent) {
      next.textContent = t(
        "An organizer will set up an informal conversation with you about starting a group (step 1: Learn More)."
      );
    }

    const reference = document.getElementById("result-reference");
    reference.textContent =
      typeof body.inquiry_id === "string" && body.inquiry_id ? t("Reference: {id}", { id: body.inquiry_id }) : "";

    clearSummary();
    form.hidden = true;
    result.hidden = false;
    result.focus();
    if (typeof result.scrollIntoView === "function") result.scrollIntoView({ block: "start" });
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (sending) return;
    clearAllErrors();

    const problems = checkAll();
    if (problems.length) {
      showFieldErrors(problems);
      return;
    }

    setBusy(true);
    const sent = payload();
    const controller = new AbortController();
    const timer = window.setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    let response;
    try {
      response = await fetch(`${apiBase}/inquiries`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json, application/problem+json" },
        body: JSON.stringify(sent),
        signal: controller.signal,
      });
    } catch (_err) {
      window.clearTimeout(timer);
      setBusy(false);
      showNetworkFailure();
      return;
    }

    try {
      const body = await readProblem(response);
      window.clearTimeout(timer);
      setBusy(false);
      if (response.ok && body) {
        showSuccess(body, sent.join_group);
      } else {
        showProblem(response, body);
      }
    } catch (_err) {
      window.clearTimeout(timer);
      setBusy(false);
      showNetworkFailure();
    }
  });

  const initial = browserLanguage();
  if (initial !== "en") useLanguage(initial);
})();
