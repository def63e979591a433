// The founder's page: their group (stage, gate, organizer, people, timeline) and what they
// can do on their own time. Views live in the fragment (#add-member, #report, #details,
// #emails, #withdraw, #erase), so a reload or the Back button lands on the same view; the token
// arrives as #t=<token> and is taken out of the address bar at once (api.js).

import { api, adoptToken, forgetToken, request } from "./api.js";
import { Form, busy, el } from "./forms.js";
import { pickLanguage, text } from "./strings.js";

const STEPS = ["learn_more", "organize_core", "step_up_activism", "get_chartered", "develop_plan"];
const FOUNDER_KINDS = ["meeting", "letter_writing", "event", "recruitment"];
// What each stage's gate asks for, in the order shown, for a server that lists only
// what is unmet (DESIGN: next_gate.unmet); met items are then the others.
const GATE_KEYS = {
  learn_more: ["conversation"],
  organize_core: ["core_members"],
  step_up_activism: ["meetings", "meeting_span_days", "letter_writing", "events", "members"],
  get_chartered: ["case_id"],
  develop_plan: ["plan"],
};
const VIEWS = new Set(["", "add-member", "report", "details", "emails", "withdraw", "erase"]);

const main = document.getElementById("main");
let lang = pickLanguage();
const t = (id, values) => text(lang, id, values);

const state = {
  group: null, // the last GET /status
  flash: null, // a confirmation shown once, on the next view
  expired: false, // the last token was refused
};

// ------------------------------------------------------------------ helpers

function setLanguage(code) {
  lang = pickLanguage(code);
  document.documentElement.lang = lang;
  for (const node of document.querySelectorAll("[data-text]")) node.textContent = t(node.dataset.text);
}

function stageName(stage) {
  return t(`stage.name.${stage}`);
}

function stepTitle(stage) {
  const n = STEPS.indexOf(stage) + 1;
  return n > 0 ? t("stage.step", { n, name: stageName(stage) }) : stageName(stage);
}

function formatDate(value) {
  if (!value) return "";
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const when = new Date(dateOnly ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(when.getTime())) return value;
  return new Intl.DateTimeFormat(lang, { dateStyle: "long", ...(dateOnly ? { timeZone: "UTC" } : {}) }).format(when);
}

function today() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

function byFounder(item) {
  return [item.reported_by, item.added_by, item.logged_by].includes("founder");
}

// The founder's own details, whatever the response calls them.
function founderOf(group) {
  const f = group.founder || group.contact || {};
  return {
    name: f.name ?? group.founder_name ?? "",
    phone: f.phone ?? group.founder_phone ?? "",
    city: f.city ?? group.city ?? "",
  };
}

function hotlineLink() {
  return el("a", { href: "tel:+18662734466", text: t("hotline.text") });
}

function heading(textId, values) {
  const h1 = el("h1", { id: "heading", tabindex: "-1", text: t(textId, values) });
  document.title = `${h1.textContent} – ${t("page.title")}`;
  return h1;
}

function backLink() {
  return el("p", { class: "back" }, el("a", { href: "#", text: t("back"), onclick: goHomeClick }));
}

function goHomeClick(event) {
  event.preventDefault();
  go("");
}

function flashNotice() {
  if (!state.flash) return null;
  const notice = el("div", { class: "result status-flash", role: "status" }, el("p", { text: state.flash }));
  state.flash = null;
  return notice;
}

function show(...nodes) {
  main.replaceChildren(...nodes.flat().filter(Boolean));
  // A confirmation or notice shown with a new view is read with its heading, which takes
  // the focus (a live region added with the page is not announced by every screen reader).
  const h1 = document.getElementById("heading");
  const notice = main.querySelector(".result, .notice");
  if (h1 && notice) {
    notice.id = "announce";
    h1.setAttribute("aria-describedby", "announce");
  }
}

function focusHeading() {
  const h1 = document.getElementById("heading");
  if (h1) h1.focus();
}

// Moves to a view (pushing it on the history) and focuses its heading.
function go(view) {
  const url = view ? `${location.pathname}#${view}` : location.pathname;
  history.pushState(null, "", url);
  route({ focus: true });
}

// A server problem as sentences for the error summary, attached to fields by name.
function problemErrors(err, form) {
  if (err.status === 0) return [{ field: null, message: t("error.network") }];
  if (err.status === 429) return [{ field: null, message: t("error.rate") }];
  if (err.status >= 500) return [{ field: null, message: t("error.server") }];
  const fieldErrors = err.fieldErrors.map(({ field, message }) => {
    const name = String(field || "").split(".").pop();
    const said = String(message || "").trim();
    const label = t(`field.${name}`);
    const sentence = /^[a-z]/.test(said) && label !== `field.${name}` ? t("error.field", { label, message: said }) : said;
    return { field: form.fields.has(name) ? name : null, message: /[.!?]$/.test(sentence) ? sentence : `${sentence}.` };
  });
  if (fieldErrors.length) return fieldErrors;
  const detail = err.problem.detail || err.problem.title || t("error.server");
  return [{ field: null, message: err.status === 409 ? t("error.closed", { detail }) : detail }];
}

// Wires a form's submit: `check` returns client-side errors (or []), `send` calls the API.
function onSubmit(formNode, form, button, { check, send }) {
  formNode.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (button.disabled) return;
    const refused = check();
    if (refused.length) {
      form.showErrors(refused);
      return;
    }
    busy(button, true);
    try {
      await send();
    } catch (err) {
      if (err.status === 401) return; // the page has moved to "Email me my link"
      form.showErrors(problemErrors(err, form));
    } finally {
      busy(button, false);
    }
  });
}

async function refreshThenHome(message) {
  state.flash = message;
  try {
    state.group = await api.status();
  } catch (err) {
    if (err.status === 401) return;
  }
  go("");
}

// ------------------------------------------------------------------ views

function viewLoading() {
  show(el("h1", { id: "heading", tabindex: "-1", text: t("loading") }));
}

function viewLink() {
  const form = new Form("link", t);
  const button = el("button", { type: "submit", class: "button", text: t("link.submit") });
  const formNode = el(
    "form",
    { novalidate: true },
    form.input("email", {
      label: t("link.email"),
      hint: t("link.email.hint"),
      required: true,
      type: "email",
      autocomplete: "email",
      spellcheck: "false",
      maxlength: 254,
    }),
    el("div", { class: "actions" }, button),
  );
  onSubmit(formNode, form, button, {
    check: () => {
      const email = form.value("email");
      if (!email) return [{ field: "email", message: t("link.email.missing") }];
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return [{ field: "email", message: t("link.email.invalid") }];
      return [];
    },
    send: async () => {
      await api.emailMyLink(form.value("email"));
      viewLinkSent();
      focusHeading();
    },
  });
  show(
    heading("link.heading"),
    state.expired ? el("div", { class: "notice", role: "status" }, el("p", { text: t("link.expired") })) : null,
    el("p", { text: t("link.intro") }),
    form.summary,
    formNode,
    el("p", {}, el("a", { href: "/", text: t("link.start") })),
  );
}

function viewLinkSent() {
  show(
    heading("link.sent.heading"),
    el("div", { class: "result", role: "status" }, el("p", { text: t("link.sent.body") })),
    el("p", {}, el("a", { href: "#", text: t("link.sent.again"), onclick: (e) => (e.preventDefault(), viewLink(), focusHeading()) })),
  );
}

function gateItems(gate, stage) {
  if (!gate) return [];
  const parse = (item) => {
    if (typeof item !== "string") {
      const need = item.need ?? item.min ?? /at least (\d+)/.exec(item.asks || "")?.[1];
      return { ...item, key: item.key || item.name, need: need === undefined ? null : Number(need) };
    }
    const [key, rest = ""] = item.split(/:\s*/, 2);
    const have = /have (\d+)/.exec(rest);
    const need = /at least (\d+)/.exec(rest);
    return { key, asks: rest.split(";")[0], have: have ? Number(have[1]) : null, need: need ? Number(need[1]) : null };
  };
  const listed = gate.checklist || gate.requirements || gate.items;
  if (Array.isArray(listed)) return listed.map((r) => ({ ...parse(r), met: Boolean(r.met) }));
  const unmet = (Array.isArray(gate.unmet) ? gate.unmet : []).map((u) => ({ ...parse(u), met: false }));
  const met = (Array.isArray(gate.met) ? gate.met : []).map((m) => ({ ...parse(m), met: true }));
  if (Array.isArray(gate.met)) return [...met, ...unmet];
  const missing = new Set(unmet.map((u) => u.key));
  const done = (GATE_KEYS[stage] || []).filter((key) => !missing.has(key)).map((key) => ({ key, met: true }));
  return [...done, ...unmet];
}

function gateLine(item) {
  const { need, have } = item;
  const id = `gate.${item.key}`;
  const label = t(id) !== id ? t(id) : item.asks || item.key;
  if (have === undefined || have === null || need === undefined || need === null) return label;
  const count = t(item.key === "meeting_span_days" ? "gate.count.days" : "gate.count", { have, need });
  return `${label}: ${count}`;
}

function gateSection(group) {
  const gate = group.next_gate;
  if (!gate || !gate.to || group.stage === "closed") return null;
  const items = gateItems(gate, group.stage);
  const list = el(
    "ul",
    { class: "checklist" },
    items.map((item) =>
      el(
        "li",
        { class: item.met ? "met" : "unmet" },
        el("span", { class: "mark", "aria-hidden": "true", text: item.met ? "✓" : "" }),
        el("span", {}, el("span", { class: "gate-state", text: `${t(item.met ? "gate.met" : "gate.unmet")}: ` }), gateLine(item)),
      ),
    ),
  );
  const allMet = items.length > 0 && items.every((i) => i.met);
  const who = t(`gate.who.${group.stage}`);
  return el(
    "section",
    { class: "panel", "aria-labelledby": "gate-heading" },
    el("h2", { id: "gate-heading", text: t("gate.heading", { next: stepTitle(gate.to) }) }),
    list,
    allMet ? el("p", { text: t("gate.all_met") }) : null,
    who !== `gate.who.${group.stage}` ? el("p", { class: "hint", text: who }) : null,
  );
}

function organizerSection(group) {
  const o = group.organizer;
  const body = o
    ? [
        el("p", {}, el("strong", { text: o.name }), o.role ? `, ${t(`organizer.role.${o.role}`)}` : ""),
        o.email ? el("p", {}, el("a", { href: `mailto:${o.email}`, text: o.email })) : null,
        o.phone ? el("p", {}, el("a", { href: `tel:${o.phone}`, text: o.phone })) : null,
      ]
    : [el("p", { text: t("organizer.none") }), el("p", {}, hotlineLink())];
  return el("section", { "aria-labelledby": "organizer-heading" }, el("h2", { id: "organizer-heading", text: t("organizer.heading") }), body);
}

function peopleSection(group) {
  const members = Array.isArray(group.members) ? group.members : [];
  const core = members.filter((m) => m.role === "core");
  const others = members.filter((m) => m.role !== "core");
  const you = founderOf(group).name;
  const list = (people) => el("ul", { class: "people" }, people.map((p) => el("li", { text: p.name })));
  const counts = group.counts || group.next_gate?.counts || { core_members: core.length + 1, members: members.length + 1 };
  return el(
    "section",
    { "aria-labelledby": "people-heading" },
    el("h2", { id: "people-heading", text: t("people.heading") }),
    el("h3", { text: t("people.core") }),
    el("ul", { class: "people" }, el("li", { text: t("people.you", { name: you }) }), core.map((p) => el("li", { text: p.name }))),
    el("h3", { text: t("people.members") }),
    others.length ? list(others) : el("p", { text: t("people.none") }),
    el("p", { class: "hint", text: t("people.counts", { core: counts.core_members, members: counts.members }) }),
  );
}

function timelineEntries(group) {
  const entries = [];
  if (group.created_at && !(group.history || []).some((h) => !h.from_stage)) {
    entries.push({ when: group.created_at, what: t("timeline.created") });
  }
  for (const h of group.history || []) {
    let what;
    if (!h.from_stage) what = t("timeline.created");
    else if (h.to_stage === "closed") what = [t("timeline.closed"), h.reason ? ` – ${t(`closed.reason.${h.reason}`)}` : ""].join("");
    else if (h.from_stage === "closed") what = t("timeline.reopened");
    else if (h.to_stage === "active") what = t("timeline.moved.active");
    else what = t("timeline.moved", { n: STEPS.indexOf(h.to_stage) + 1, name: stageName(h.to_stage) });
    entries.push({ when: h.at, what });
  }
  for (const a of group.activities || []) {
    entries.push({
      when: a.date,
      what: t(`kind.${a.kind}`),
      notes: a.notes,
      by: t(byFounder(a) ? "timeline.by_you" : "timeline.by_organizer"),
    });
  }
  for (const m of group.members || []) {
    entries.push({
      when: m.added_at,
      what: t(m.role === "core" ? "timeline.member.core" : "timeline.member.member", { name: m.name }),
      by: t(byFounder(m) ? "timeline.by_you" : "timeline.by_organizer"),
    });
  }
  // Newest first. A day without a time (an activity's date) sorts after that day's timed
  // entries: what the group did on the day it was created came after the form.
  const key = (e) => (/^\d{4}-\d{2}-\d{2}$/.test(e.when || "") ? `${e.when}T99` : String(e.when || ""));
  return entries.sort((a, b) => key(b).localeCompare(key(a)));
}

function timelineSection(group) {
  const entries = timelineEntries(group);
  return el(
    "section",
    { "aria-labelledby": "timeline-heading" },
    el("h2", { id: "timeline-heading", text: t("timeline.heading") }),
    entries.length
      ? el(
          "ol",
          { class: "timeline" },
          entries.map((e) =>
            el(
              "li",
              {},
              el("time", { datetime: e.when || "", text: formatDate(e.when) }),
              el("p", { class: "what", text: e.what }),
              e.notes ? el("p", { class: "notes", text: e.notes }) : null,
              e.by ? el("p", { class: "by", text: e.by }) : null,
            ),
          ),
        )
      : el("p", { text: t("timeline.empty") }),
  );
}

function viewHome() {
  const group = state.group;
  const closed = group.stage === "closed";
  const founder = founderOf(group);
  const stageWords = t(`stage.words.${group.stage}`);
  show(
    heading("home.heading"),
    flashNotice(),
    founder.city || group.state ? el("p", { class: "lede", text: [founder.city, group.state].filter(Boolean).join(", ") }) : null,
    el(
      "section",
      { class: "panel stage", "aria-labelledby": "stage-heading" },
      el("h2", { id: "stage-heading", text: t("stage.heading") }),
      el("p", { class: "stage-step" }, el("strong", { text: stepTitle(group.stage) })),
      el("p", { text: stageWords !== `stage.words.${group.stage}` ? stageWords : group.stage_meaning || "" }),
      closed && group.closed_reason ? el("p", { text: t(`closed.reason.${group.closed_reason}`) }) : null,
      group.group_number ? el("p", { text: t("group.number", { number: group.group_number }) }) : null,
    ),
    gateSection(group),
    organizerSection(group),
    closed
      ? null
      : el(
          "section",
          { "aria-labelledby": "actions-heading" },
          el("h2", { id: "actions-heading", text: t("actions.heading") }),
          el(
            "ul",
            { class: "action-list" },
            el("li", {}, el("a", { href: "#add-member", text: t("actions.add_member") })),
            el("li", {}, el("a", { href: "#report", text: t("actions.report") })),
            el("li", {}, el("a", { href: "#details", text: t("actions.details") })),
          ),
        ),
    peopleSection(group),
    timelineSection(group),
    el(
      "section",
      { class: "leave", "aria-labelledby": "leave-heading" },
      el("h2", { id: "leave-heading", text: t("leave.heading") }),
      group.emails_stopped ? el("p", { text: t("leave.emails.stopped") }) : null,
      el(
        "ul",
        { class: "action-list quiet" },
        closed || !("emails_stopped" in group) || group.emails_stopped
          ? null
          : el("li", {}, el("a", { href: "#emails", text: t("leave.emails") })),
        closed ? null : el("li", {}, el("a", { href: "#withdraw", text: t("leave.withdraw") })),
        el("li", {}, el("a", { href: "#erase", text: t("leave.erase") })),
      ),
    ),
  );
}

function viewAddMember() {
  const form = new Form("member", t);
  const button = el("button", { type: "submit", class: "button", text: t("member.submit") });
  const formNode = el(
    "form",
    { novalidate: true },
    form.input("name", { label: t("member.name"), required: true, autocomplete: "off", maxlength: 200 }),
    form.input("email", { label: t("member.email"), hint: t("member.email.hint"), type: "email", autocomplete: "off", spellcheck: "false", maxlength: 254 }),
    form.radios("role", {
      legend: t("member.role"),
      options: [
        { value: "core", label: t("member.role.core"), hint: t("member.role.core.hint") },
        { value: "member", label: t("member.role.member"), hint: t("member.role.member.hint") },
      ],
    }),
    el("div", { class: "actions" }, button),
  );
  onSubmit(formNode, form, button, {
    check: () => [
      ...(form.value("name") ? [] : [{ field: "name", message: t("member.name.missing") }]),
      ...(form.value("role") ? [] : [{ field: "role", message: t("member.role.missing") }]),
    ],
    send: async () => {
      const member = { name: form.value("name"), role: form.value("role") };
      if (form.value("email")) member.email = form.value("email");
      await api.addMember(member);
      await refreshThenHome(t(member.role === "core" ? "member.done.core" : "member.done.member", { name: member.name }));
    },
  });
  show(backLink(), heading("member.heading"), el("p", { text: t("member.intro") }), form.summary, formNode);
}

function viewReport() {
  const form = new Form("activity", t);
  const button = el("button", { type: "submit", class: "button", text: t("report.submit") });
  const formNode = el(
    "form",
    { novalidate: true },
    form.radios("kind", {
      legend: t("report.kind"),
      options: FOUNDER_KINDS.map((kind) => ({ value: kind, label: t(`report.kind.${kind}`) })),
    }),
    form.input("date", { label: t("report.date"), hint: t("report.date.hint"), required: true, type: "date", value: today(), max: today() }),
    form.input("notes", { label: t("report.notes"), hint: t("report.notes.hint"), multiline: true, maxlength: 2000 }),
    el("div", { class: "actions" }, button),
  );
  onSubmit(formNode, form, button, {
    check: () => [
      ...(form.value("kind") ? [] : [{ field: "kind", message: t("report.kind.missing") }]),
      ...(form.value("date") ? [] : [{ field: "date", message: t("report.date.missing") }]),
    ],
    send: async () => {
      const activity = { kind: form.value("kind"), date: form.value("date") };
      if (form.value("notes")) activity.notes = form.value("notes");
      await api.reportActivity(activity);
      await refreshThenHome(t("report.done", { kind: t(`kind.${activity.kind}`), date: formatDate(activity.date) }));
    },
  });
  show(backLink(), heading("report.heading"), form.summary, formNode);
}

function viewDetails() {
  const now = founderOf(state.group);
  const form = new Form("contact", t);
  const button = el("button", { type: "submit", class: "button", text: t("details.submit") });
  const formNode = el(
    "form",
    { novalidate: true },
    form.input("name", { label: t("details.name"), required: true, value: now.name, autocomplete: "name", maxlength: 200 }),
    form.input("phone", { label: t("details.phone"), hint: t("details.phone.hint"), type: "tel", value: now.phone, autocomplete: "tel", maxlength: 40 }),
    form.input("city", { label: t("details.city"), required: true, value: now.city, autocomplete: "address-level2", maxlength: 200 }),
    el("p", { class: "hint", text: t("details.email") }),
    el("div", { class: "actions" }, button),
  );
  onSubmit(formNode, form, button, {
    check: () => [
      ...(form.value("name") ? [] : [{ field: "name", message: t("details.name.missing") }]),
      ...(form.value("city") ? [] : [{ field: "city", message: t("details.city.missing") }]),
    ],
    send: async () => {
      const changes = {};
      for (const field of ["name", "phone", "city"]) {
        if (form.value(field) !== (now[field] || "")) changes[field] = form.value(field);
      }
      if (Object.keys(changes).length === 0) {
        state.flash = t("details.unchanged");
        go("");
        return;
      }
      await api.correctContact(changes);
      await refreshThenHome(t("details.done"));
    },
  });
  show(backLink(), heading("details.heading"), form.summary, formNode);
}

function viewEmails() {
  const form = new Form("emails", t);
  const button = el("button", { type: "submit", class: "button", text: t("emails.submit") });
  const formNode = el(
    "form",
    { novalidate: true },
    el("div", { class: "actions" }, button, el("a", { href: "#", class: "button-link", text: t("emails.cancel"), onclick: goHomeClick })),
  );
  onSubmit(formNode, form, button, {
    check: () => [],
    send: async () => {
      await api.stopEmails();
      await refreshThenHome(t("emails.done"));
    },
  });
  show(backLink(), heading("emails.heading"), el("p", { text: t("emails.body") }), form.summary, formNode);
}

function viewWithdraw() {
  const form = new Form("withdraw", t);
  const button = el("button", { type: "submit", class: "button", text: t("withdraw.submit") });
  const formNode = el(
    "form",
    { novalidate: true },
    form.input("note", { label: t("withdraw.note"), multiline: true, maxlength: 2000 }),
    el("div", { class: "actions" }, button, el("a", { href: "#", class: "button-link", text: t("withdraw.cancel"), onclick: goHomeClick })),
  );
  onSubmit(formNode, form, button, {
    check: () => [],
    send: async () => {
      await api.withdraw(form.value("note"));
      // The link still opens the page: it shows the group closed and offers erasure.
      await refreshThenHome(t("withdraw.done"));
    },
  });
  show(
    backLink(),
    heading("withdraw.heading"),
    el("p", { text: t("withdraw.body") }),
    el("p", {}, el("a", { href: "#erase", text: t("withdraw.erase_instead") })),
    form.summary,
    formNode,
  );
}

function viewErase() {
  const form = new Form("erase", t);
  const button = el("button", { type: "submit", class: "button button-danger", text: t("erase.submit") });
  const formNode = el(
    "form",
    { novalidate: true },
    form.checkbox("confirm", { label: t("erase.confirm") }),
    el("div", { class: "actions" }, button, el("a", { href: "#", class: "button-link", text: t("erase.cancel"), onclick: goHomeClick })),
  );
  onSubmit(formNode, form, button, {
    check: () => (form.value("confirm") ? [] : [{ field: "confirm", message: t("erase.confirm.missing") }]),
    send: async () => {
      await api.erase();
      forgetToken();
      state.group = null;
      history.replaceState(null, "", location.pathname);
      show(
        heading("erased.heading"),
        el("div", { class: "result", role: "status" }, el("p", { text: t("erased.body") })),
        el("p", {}, el("a", { href: "/", text: t("erased.again") })),
      );
      focusHeading();
    },
  });
  show(
    backLink(),
    heading("erase.heading"),
    el("p", { text: t("erase.body") }),
    el("div", { class: "warning-text" }, el("strong", { text: t("erase.warning") })),
    form.summary,
    formNode,
  );
}

const RENDER = {
  "": viewHome,
  "add-member": viewAddMember,
  report: viewReport,
  details: viewDetails,
  emails: viewEmails,
  withdraw: viewWithdraw,
  erase: viewErase,
};

// ------------------------------------------------------------------ routing

async function route({ focus }) {
  routed = location.href;
  if (/(?:^#|&)t=/.test(location.hash)) {
    state.group = null; // a new link: maybe another group
    state.expired = false;
  }
  const signedIn = adoptToken();
  routed = location.href; // without the token, which adoptToken took out
  if (!signedIn) {
    viewLink();
    if (focus) focusHeading();
    return;
  }
  let view = location.hash.slice(1);
  if (!VIEWS.has(view)) view = "";
  if (!state.group) {
    viewLoading();
    try {
      state.group = await api.status();
    } catch (err) {
      if (err.status === 401) return; // onUnauthorized shows the link form
      show(heading("home.heading"), el("div", { class: "error-summary", role: "alert" }, el("p", { text: problemErrors(err, new Form("x", t))[0].message })));
      return;
    }
    setLanguage(state.group.language);
  }
  if (state.group.stage === "closed" && ["add-member", "report", "details", "emails", "withdraw"].includes(view)) view = "";
  RENDER[view]();
  if (focus) focusHeading();
}

request.onUnauthorized = () => {
  state.expired = true;
  state.group = null;
  if (location.hash) history.replaceState(null, "", location.pathname);
  viewLink();
  focusHeading();
};

// Back and Forward: a change of fragment fires both events, a pushed entry only popstate.
let routed = null;
function onHistory() {
  if (location.href !== routed) route({ focus: true });
}
window.addEventListener("hashchange", onHistory);
window.addEventListener("popstate", onHistory);

// The skip link must not touch the fragment (it names views): it focuses the heading.
document.querySelector(".skip-link")?.addEventListener("click", (event) => {
  event.preventDefault();
  focusHeading();
});

setLanguage();
route({ focus: false });
