// One group: who the founder is, where the group stands against its gate, everything that
// happened, and every step an organizer takes with it. Each write sends If-Match with the
// ETag the page was given; a 412 says so and offers a reload instead of overwriting.
import { Problem, api } from "../api.js";
import { BASE } from "../auth.js";
import { restoreDrafts } from "../drafts.js";
import { Component, html } from "../lib.js";
import { ErrorSummary, Field, focusSoon, formValues, gateText, shortDate, today } from "../ui.js";
import { ACTIVITY_KINDS, CLOSE_REASONS, ROLE_NAMES, STAGE_NAMES, STEP_TEXTS, STEP_TITLES } from "../words.js";

const STAFF = new Set(["admins", "field_organizers"]);
const STAFF_STAGES = new Set(["get_chartered", "develop_plan"]); // moves out of these: staff only
const WRITABLE_KINDS = Object.entries(ACTIVITY_KINDS);
const LABELS = {
  name: "Name",
  email: "Email",
  role: "Role",
  kind: "What happened",
  date: "Date",
  notes: "Notes",
  case_id: "Case",
  reason: "Reason",
  note: "Note",
  organizer_id: "New organizer",
  case_campaign: "Campaign on the case",
  national_campaigns: "National campaigns",
  growth_goal: "Growth goal",
  partners: "Partner organizations",
};

// The follow-up emails of the scheduled runs (DESIGN §5), as the timeline names them.
const FOLLOW_UPS = {
  first_contact_reminder: "Email: first-contact reminder to the organizer",
  first_contact_escalation: "Email: first contact escalated to the Field Organizer",
  close_no_response: "Closed for no response; the founder was told how to reopen",
  stalled_nudge: "Email: stalled-group nudge to the organizer and the founder",
  charter_eligible: "Email: ready-to-charter notice to the Field Organizer",
};

const list = (text) =>
  (text || "")
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);

export class GroupPage extends Component {
  state = {
    group: null,
    etag: null,
    problem: null, // the page's own: not found, no access
    forms: {}, // form id → Problem of its last refused submit
    resets: {}, // form id → a counter that empties the form after it succeeded
    notice: "",
    editing: null, // "member:<id>" or "activity:<id>"
    organizers: null,
    nearby: null, // GET /groups/{id}/nearby: the groups near this one
    nearbyFailed: false,
  };

  componentDidMount() {
    this.load().then(() => Promise.all([this.loadOrganizers(), this.loadNearby()]));
  }

  /** The chartered and forming groups near this one (after the group itself is on screen). */
  async loadNearby(radius = 25) {
    if (!this.state.group) return;
    try {
      const { data } = await api.get(this.path("/nearby"), { radius_mi: String(radius) });
      this.setState({ nearby: data, nearbyFailed: false });
    } catch (problem) {
      if (problem.status !== 401) this.setState({ nearbyFailed: true });
    }
  }

  /** The state's organizers (the public directory): names for ids, and whom to reassign to. */
  async loadOrganizers() {
    const g = this.state.group;
    if (!g || this.state.organizers) return;
    try {
      const base = document.querySelector('meta[name="api-base"]')?.content || "";
      const r = await fetch(`${base}/organizers?state=${encodeURIComponent(g.state)}`, { headers: { Accept: "application/json" } });
      this.setState({ organizers: r.ok ? await r.json() : [] });
    } catch {
      this.setState({ organizers: [] });
    }
  }

  who(id) {
    const found = (this.state.organizers || []).find((o) => o.organizer_id === id);
    return found ? found.name : id;
  }

  componentDidUpdate() {
    if (this.state.group) restoreDrafts();
  }

  async load() {
    try {
      const { data, etag } = await api.get(`/groups/${encodeURIComponent(this.props.id)}`);
      // "group-data": the group is on screen (bench/console.py measures it).
      this.setState({ group: data, etag: etag || `"${data.version}"`, problem: null }, () =>
        performance.mark("group-data"),
      );
    } catch (problem) {
      if (problem.status !== 401) this.setState({ problem });
    }
  }

  get staff() {
    return STAFF.has(this.props.session.role);
  }

  /** Runs one write after those already asked for (each sends the ETag the one before it
   * left: quick clicks are not mistaken for someone else's change); on success reloads the
   * group and says `done`; on refusal keeps the problem for the form's summary (and moves
   * focus there). */
  write(formId, call, done) {
    this.writes = (this.writes || Promise.resolve()).then(() => this.writeNow(formId, call, done));
    return this.writes;
  }

  async writeNow(formId, call, done) {
    const forms = { ...this.state.forms, [formId]: null };
    this.setState({ forms, notice: "" });
    try {
      const result = await call(this.state.etag);
      await this.load();
      const resets = { ...this.state.resets, [formId]: (this.state.resets[formId] || 0) + 1 };
      const notice = typeof done === "function" ? done(result) : done;
      this.setState({ resets, notice, editing: null, forms: {} }); // what was refused before has changed
      focusSoon("#group-notice");
      return true;
    } catch (problem) {
      if (!(problem instanceof Problem)) throw problem;
      if (problem.status === 401) return false;
      this.setState({ forms: { ...this.state.forms, [formId]: problem } });
      focusSoon(`#${formId}-summary`);
      return false;
    }
  }

  path(suffix = "") {
    return `/groups/${encodeURIComponent(this.props.id)}${suffix}`;
  }

  submit(formId, makeCall, done) {
    return (event) => {
      event.preventDefault();
      const values = formValues(event.currentTarget);
      this.write(formId, (etag) => makeCall(values, etag), done);
    };
  }

  logActivity(kind, done) {
    const formId = kind === "conversation" ? "quick-conversation" : "quick-attempt";
    return this.write(formId, (etag) => api.post(this.path("/activities"), { kind, date: today() }, etag), done);
  }

  move(formId, body, done) {
    return this.write(formId, (etag) => api.post(this.path("/stage"), body, etag), done);
  }

  // ------------------------------------------------------------------ pieces

  formProps(id) {
    return { id, key: `${id}-${this.state.resets[id] || 0}`, "data-draft": "", noValidate: true };
  }

  fieldError(formId, name) {
    return this.state.forms[formId]?.fields[name];
  }

  summary(formId) {
    return html`<${ErrorSummary} form=${formId} problem=${this.state.forms[formId]} labels=${LABELS} />`;
  }

  Founder(g) {
    const f = g.founder || {};
    const inquiries = g.inquiries || [];
    const first = inquiries.find((i) => !i.unverified) || inquiries[0];
    const message = first?.message;
    const later = inquiries.filter((i) => i !== first && i.message);
    const routing = g.routing || {};
    const organizer = g.organizer?.name || g.organizer_name || (g.organizer_id ? this.who(g.organizer_id) : "the national inbox");
    return html`<section aria-labelledby="founder-h">
      <h2 id="founder-h">Founder</h2>
      <dl class="facts">
        <dt>Name</dt><dd>${f.name || g.founder_name}</dd>
        ${f.email && html`<dt>Email</dt><dd><a href=${"mailto:" + f.email}>${f.email}</a></dd>`}
        ${f.phone && html`<dt>Phone</dt><dd><a href=${"tel:" + f.phone}>${f.phone}</a></dd>`}
        <dt>Place</dt><dd>${g.city}, ${g.state} ${g.zip || ""}</dd>
        ${g.language && html`<dt>Language</dt><dd>${g.language === "es" ? "Spanish" : "English"}</dd>`}
        <dt>Organizer</dt><dd>${organizer}</dd>
        <dt>Why routed here</dt><dd>${routing.note || routing.reason || "—"}</dd>
      </dl>
      ${message && html`<h3>Their message</h3><blockquote class="message">${message}</blockquote>`}
      ${later.map(
        (i) => html`<h3>Sent again from their address, ${shortDate(i.received_at)}${i.unverified ? " (not verified)" : ""}</h3>
          <blockquote class="message">${i.message}</blockquote>`,
      )}
    </section>`;
  }

  Gate(g) {
    const gate = g.next_gate || {};
    const to = gate.to;
    const reqs = Array.isArray(gate.requirements) ? gate.requirements : null;
    return html`<div class="gate">
      <h3>${to ? `To move to ${STEP_TITLES[to]}` : "No further step"}</h3>
      ${to &&
      html`<ul class="checklist">
        ${reqs
          ? reqs.map(
              (r) => html`<li class=${r.met ? "met" : "unmet"}>
                <span class="mark" aria-hidden="true">${r.met ? "✓" : "✗"}</span>
                <span class="visually-hidden">${r.met ? "Done: " : "Not yet: "}</span>${gateText(r)}
              </li>`,
            )
          : gate.unmet?.length
            ? gate.unmet.map(
                (u) => html`<li class="unmet"><span class="mark" aria-hidden="true">✗</span><span class="visually-hidden">Not yet: </span>${gateText(u)}</li>`,
              )
            : html`<li class="met"><span class="mark" aria-hidden="true">✓</span>${g.stage === "closed" ? "Reopening returns the group to the stage it left." : "Everything this step asks for is done."}</li>`}
      </ul>`}
    </div>`;
  }

  Steps(g) {
    const stage = g.stage;
    const to = g.next_gate?.to;
    const staffOnly = STAFF_STAGES.has(stage);
    const actions = [];
    if (stage === "learn_more") {
      actions.push(html`<div class="quick" id="quick-conversation-box">
        <button type="button" class="primary" onClick=${() => this.logActivity("conversation", "Today's conversation is logged.")}>Log today's conversation</button>
        <button type="button" class="secondary" onClick=${() => this.logActivity("contact_attempt", "The attempt is recorded: tried, no answer.")}>Tried, no answer</button>
        ${this.summary("quick-conversation")}${this.summary("quick-attempt")}
      </div>`);
    }
    if (stage === "get_chartered") {
      actions.push(
        this.staff
          ? html`<form ...${this.formProps("charter")} class="panel" onSubmit=${this.submit(
              "charter",
              (v, etag) => api.post(this.path("/stage"), { to: "develop_plan", case_id: v.case_id || undefined, note: v.note || undefined }, etag),
              (r) => `Chartered: local group number ${r.data.group_number}.`,
            )}>
              <h3>Charter the group</h3>
              ${this.summary("charter")}
              <${Field} form="charter" name="case_id" optional label="Individual case offered" hint="The case the group takes on. It can also be set later." error=${this.fieldError("charter", "case_id")} />
              <${Field} form="charter" name="note" optional label="Note" type="textarea" error=${this.fieldError("charter", "note")} />
              <button type="submit" class="primary">Charter the group</button>
            </form>`
          : html`<p class="hint">A Field Organizer charters the group and gives it its number.</p>`,
      );
    } else if (stage === "develop_plan" || stage === "active") {
      if (this.staff) actions.push(this.PlanForm(g));
      else actions.push(html`<p class="hint">A Field Organizer records the plan with the group.</p>`);
    }
    if (to && stage !== "closed" && stage !== "get_chartered" && (!staffOnly || this.staff)) {
      actions.push(html`<div class="move" id="move-box">
        <button type="button" class=${g.next_gate?.met ? "primary" : "secondary"} onClick=${() => this.move("move", { to }, `Moved to ${STEP_TITLES[to]}.`)}>
          Move to ${STEP_TITLES[to]}
        </button>
        ${this.summary("move")}
      </div>`);
    }
    if (stage === "closed" && to) {
      actions.push(html`<div class="move">
        <button type="button" class="primary" onClick=${() => this.move("reopen", { to }, `Reopened at ${STEP_TITLES[to]}.`)}>Reopen at ${STEP_TITLES[to]}</button>
        ${this.summary("reopen")}
      </div>`);
    }
    return actions;
  }

  PlanForm(g) {
    const plan = g.plan || {};
    return html`<form ...${this.formProps("plan")} class="panel" onSubmit=${this.submit(
      "plan",
      (v, etag) =>
        api.put(
          this.path("/plan"),
          {
            case_campaign: v.case_campaign,
            national_campaigns: list(v.national_campaigns),
            growth_goal: /^\d+$/.test(v.growth_goal) ? Number(v.growth_goal) : v.growth_goal,
            partners: list(v.partners),
            case_id: v.case_id && v.case_id !== g.case_id ? v.case_id : undefined,
          },
          etag,
        ),
      "The plan is recorded.",
    )}>
      <h3>${g.plan ? "The plan" : "Record the plan"}</h3>
      ${this.summary("plan")}
      <${Field} form="plan" name="case_id" optional label="Individual case" hint=${g.case_id ? "The case the group campaigns on." : "No case yet: offer one now, or later."} value=${g.case_id} error=${this.fieldError("plan", "case_id")} />
      <${Field} form="plan" name="case_campaign" type="textarea" label="Campaign on the case" value=${plan.case_campaign} required error=${this.fieldError("plan", "case_campaign")} />
      <${Field} form="plan" name="national_campaigns" optional label="National campaigns" hint="Separate them with commas." value=${(plan.national_campaigns || []).join(", ")} error=${this.fieldError("plan", "national_campaigns")} />
      <${Field} form="plan" name="growth_goal" type="number" inputmode="numeric" min="1" label="Growth goal (members)" value=${plan.growth_goal} required error=${this.fieldError("plan", "growth_goal")} />
      <${Field} form="plan" name="partners" optional label="Partner organizations" hint="Separate them with commas." value=${(plan.partners || []).join(", ")} error=${this.fieldError("plan", "partners")} />
      <button type="submit" class=${g.plan ? "secondary" : "primary"}>${g.plan ? "Update the plan" : "Record the plan"}</button>
    </form>`;
  }

  Members(g) {
    const members = g.members || [];
    return html`<section aria-labelledby="members-h">
      <h2 id="members-h">Members</h2>
      <p>${g.counts ? `${g.counts.core_members} core, ${g.counts.members} in all, the founder included.` : ""}</p>
      <ul class="members">
        <li><span>${g.founder?.name || g.founder_name}</span> <span class="tag">founder, core</span></li>
        ${members.map((m) =>
          this.state.editing === "member:" + m.member_id
            ? html`<li>${this.MemberForm(g, m)}</li>`
            : html`<li>
                <span>${m.name}</span> <span class="tag">${m.role === "core" ? "core" : "member"}</span>
                ${m.email && html` <a href=${"mailto:" + m.email}>${m.email}</a>`}
                <span class="row-actions">
                  <button type="button" class="link" onClick=${() => this.setState({ editing: "member:" + m.member_id })}>Correct<span class="visually-hidden"> ${m.name}</span></button>
                  <button type="button" class="link danger" onClick=${() => this.removeMember(m)}>Remove<span class="visually-hidden"> ${m.name}</span></button>
                </span>
              </li>`,
        )}
      </ul>
      ${this.summary("member-remove")}
      ${g.stage !== "closed" && this.MemberForm(g, null)}
    </section>`;
  }

  MemberForm(_g, member) {
    const id = member ? "member-edit" : "member-add";
    const call = (v, etag) => {
      const body = { name: v.name, email: v.email || (member ? null : undefined), role: v.role };
      return member
        ? api.patch(this.path(`/members/${encodeURIComponent(member.member_id)}`), body, etag)
        : api.post(this.path("/members"), body, etag);
    };
    return html`<form ...${this.formProps(id)} class="panel" onSubmit=${this.submit(id, call, member ? "The member is corrected." : "The member is added.")}>
      <h3>${member ? `Correct ${member.name}` : "Add a member"}</h3>
      ${this.summary(id)}
      <${Field} form=${id} name="name" label="Name" value=${member?.name} required autocomplete="off" error=${this.fieldError(id, "name")} />
      <${Field} form=${id} name="email" optional type="email" label="Email" value=${member?.email} autocomplete="off" error=${this.fieldError(id, "email")} />
      <${Field} form=${id} name="role" type="select" label="Role" value=${member?.role || "core"} options=${[["core", "Core member"], ["member", "Member"]]} error=${this.fieldError(id, "role")} />
      <div class="buttons">
        <button type="submit" class="primary">${member ? "Save" : "Add member"}</button>
        ${member && html`<button type="button" class="secondary" onClick=${() => this.setState({ editing: null })}>Cancel</button>`}
      </div>
    </form>`;
  }

  removeMember(m) {
    if (!window.confirm(`Remove ${m.name} from the group?`)) return;
    this.write("member-remove", (etag) => api.delete(this.path(`/members/${encodeURIComponent(m.member_id)}`), etag), `${m.name} is removed.`);
  }

  removeActivity(a) {
    if (!window.confirm(`Remove the ${ACTIVITY_KINDS[a.kind] || a.kind} of ${shortDate(a.date)}?`)) return;
    this.write("activity-remove", (etag) => api.delete(this.path(`/activities/${encodeURIComponent(a.activity_id)}`), etag), "The activity is removed.");
  }

  ActivityForm(activity) {
    const id = activity ? "activity-edit" : "activity-add";
    const call = (v, etag) => {
      const body = { kind: v.kind, date: v.date, notes: v.notes || (activity ? null : undefined) };
      return activity
        ? api.patch(this.path(`/activities/${encodeURIComponent(activity.activity_id)}`), body, etag)
        : api.post(this.path("/activities"), body, etag);
    };
    return html`<form ...${this.formProps(id)} class="panel" onSubmit=${this.submit(id, call, activity ? "The activity is corrected." : "The activity is logged.")}>
      <h3>${activity ? "Correct the activity" : "Log an activity"}</h3>
      ${this.summary(id)}
      <${Field} form=${id} name="kind" type="select" label="What happened" value=${activity?.kind || "meeting"} options=${WRITABLE_KINDS} error=${this.fieldError(id, "kind")} />
      <${Field} form=${id} name="date" type="date" label="Date" value=${activity?.date || today()} required error=${this.fieldError(id, "date")} />
      <${Field} form=${id} name="notes" optional type="textarea" label="Notes" value=${activity?.notes} error=${this.fieldError(id, "notes")} />
      <div class="buttons">
        <button type="submit" class="primary">${activity ? "Save" : "Log activity"}</button>
        ${activity && html`<button type="button" class="secondary" onClick=${() => this.setState({ editing: null })}>Cancel</button>`}
      </div>
    </form>`;
  }

  Timeline(g) {
    const entries = [];
    const fieldsOf = (h) => (h.fields?.length ? ` (${h.fields.join(", ")})` : "");
    for (const h of g.history || []) {
      let text;
      if (h.change === "reassigned") {
        text = `Reassigned from ${this.who(h.from_organizer_id) || "the national inbox"} to ${this.who(h.to_organizer_id)}`;
      } else if (h.change === "member_corrected") {
        text = "A member was corrected" + fieldsOf(h);
      } else if (h.change === "member_removed") {
        text = "A member was removed";
      } else if (h.change === "activity_corrected") {
        text = "An activity was corrected" + fieldsOf(h);
      } else if (h.change === "activity_removed") {
        text = "An activity was removed";
      } else if (h.to_stage && h.from_stage && h.to_stage !== h.from_stage) {
        text =
          h.to_stage === "closed"
            ? `Closed (${CLOSE_REASONS[h.reason] || h.reason || "no reason"})`
            : h.from_stage === "closed"
              ? `Reopened at ${STAGE_NAMES[h.to_stage]}`
              : `Moved to ${STAGE_NAMES[h.to_stage]}`;
        if (h.group_number != null) text += ` · group number ${h.group_number}`;
        if (h.case_id) text += ` · case ${h.case_id}`;
      } else {
        text = h.what || h.kind || "Changed";
      }
      entries.push({ at: h.at, sortAt: h.at, key: "h" + h.version + h.at, text, by: this.who(h.by), note: h.note, type: "history" });
    }
    for (const m of g.members || []) {
      entries.push({ at: m.added_at, key: "m" + m.member_id, text: `${m.name} joined as ${m.role === "core" ? "a core member" : "a member"}`, by: this.who(m.added_by), type: "member" });
    }
    for (const a of g.activities || []) {
      // Dated by the day it happened; a same-day entry sits where it was logged among the others.
      const sameDay = a.logged_at && a.logged_at.slice(0, 10) === a.date;
      entries.push({ at: a.date, sortAt: sameDay ? a.logged_at : a.date + "T12:00:00Z", key: "a" + a.activity_id, text: ACTIVITY_KINDS[a.kind] || a.kind, by: a.reported_by === "founder" ? "the founder" : this.who(a.logged_by), note: a.notes, type: "activity", activity: a });
    }
    for (const f of g.follow_ups || []) {
      entries.push({ at: f.at, sortAt: f.at, key: "f" + f.action + f.at, text: FOLLOW_UPS[f.action] || `Email: ${f.action}`, type: "email" });
    }
    const when = (e) => Date.parse(e.sortAt || e.at) || 0;
    entries.sort((a, b) => when(b) - when(a));
    return html`<section aria-labelledby="timeline-h">
      <h2 id="timeline-h">Timeline</h2>
      ${this.summary("activity-remove")}
      ${g.stage !== "closed" && this.ActivityForm(null)}
      <ol class="timeline">
        ${entries.map((e) =>
          e.activity && this.state.editing === "activity:" + e.activity.activity_id
            ? html`<li key=${e.key}>${this.ActivityForm(e.activity)}</li>`
            : html`<li key=${e.key} class=${"t-" + e.type}>
                <p><strong>${e.text}</strong> <time datetime=${e.at}>${shortDate(e.at)}</time>${e.by ? html` <span class="by">by ${e.by}</span>` : null}</p>
                ${e.note && html`<p class="note">${e.note}</p>`}
                ${e.activity &&
                g.stage !== "closed" &&
                html`<p class="row-actions">
                  <button type="button" class="link" onClick=${() => this.setState({ editing: "activity:" + e.activity.activity_id })}>Correct<span class="visually-hidden"> ${e.text} of ${shortDate(e.at)}</span></button>
                  <button type="button" class="link danger" onClick=${() => this.removeActivity(e.activity)}>Remove<span class="visually-hidden"> ${e.text} of ${shortDate(e.at)}</span></button>
                </p>`}
              </li>`,
        )}
      </ol>
    </section>`;
  }

  Nearby(g) {
    const n = this.state.nearby;
    const miles = (d) => `${d.toFixed(1)} ${d === 1 ? "mile" : "miles"}`;
    const link = (id, text) => html`<a href=${BASE + "groups/" + encodeURIComponent(id)}>${text}</a>`;
    let body;
    if (this.state.nearbyFailed) body = html`<p role="alert">The groups nearby did not load. Reload the page to try again.</p>`;
    else if (!n) body = html`<p role="status">Loading the groups nearby…</p>`;
    else if (!n.located) body = html`<p>This group's ZIP code (${g.zip}) is not one we can place on the map.</p>`;
    else {
      const chartered = n.chartered.map(
        (c) => html`<li key=${c.group_id}>
          ${link(c.group_id, `Group ${c.group_number}, ${c.name}`)}${c.name !== c.city ? ` (${c.city})` : ""}, ${c.state}
          <span class="distance">${miles(c.distance_mi)} away</span>
        </li>`,
      );
      const forming = n.forming.map(
        (f) => html`<li key=${f.group_id}>
          ${link(f.group_id, `Forming group in ${f.city}`)}, ${f.state}: ${STAGE_NAMES[f.stage] || f.stage}
          <span class="distance">${miles(f.distance_mi)} away</span>
        </li>`,
      );
      body = html`<p aria-live="polite">Within ${n.radius_mi} miles of ${g.stage === "develop_plan" || g.stage === "active" ? "where this group meets" : `ZIP ${g.zip}`}.
        ${g.group_number == null && n.chartered.length ? " The founder might join one of the chartered groups instead of starting a new one." : ""}</p>
        <h3 id="nearby-chartered-h">Chartered groups</h3>
        ${chartered.length ? html`<ul class="nearby" aria-labelledby="nearby-chartered-h">${chartered}</ul>` : html`<p>None within ${n.radius_mi} miles.</p>`}
        <h3 id="nearby-forming-h">Forming groups in ${g.state}</h3>
        ${forming.length ? html`<ul class="nearby" aria-labelledby="nearby-forming-h">${forming}</ul>` : html`<p>None within ${n.radius_mi} miles.</p>`}
        ${n.radius_mi < 100 &&
        html`<p><button type="button" class="link" onClick=${() => this.loadNearby(n.radius_mi < 50 ? 50 : 100)}>Look within ${n.radius_mi < 50 ? 50 : 100} miles</button></p>`}`;
    }
    return html`<section aria-labelledby="nearby-h" aria-busy=${!n && !this.state.nearbyFailed ? "true" : "false"}>
      <h2 id="nearby-h">Groups nearby</h2>
      ${body}
    </section>`;
  }

  Manage(g) {
    const parts = [];
    if (g.stage !== "closed") {
      parts.push(html`<details class="panel">
        <summary>Close this group</summary>
        <form ...${this.formProps("close")} onSubmit=${this.submit(
          "close",
          (v, etag) => api.post(this.path("/stage"), { to: "closed", reason: v.reason, note: v.note || undefined }, etag),
          "The group is closed.",
        )}>
          ${this.summary("close")}
          <${Field} form="close" name="reason" type="select" label="Reason" options=${[["", "Choose a reason"], ...Object.entries(CLOSE_REASONS)]} value="" required error=${this.fieldError("close", "reason")} />
          <${Field} form="close" name="note" optional type="textarea" label="Note" error=${this.fieldError("close", "note")} />
          <button type="submit" class="danger">Close the group</button>
        </form>
      </details>`);
    }
    if (this.staff) {
      const options = (this.state.organizers || [])
        .filter((o) => o.organizer_id !== g.organizer_id)
        .map((o) => [o.organizer_id, `${o.name} (${ROLE_NAMES[o.role] || o.role})`]);
      parts.push(html`<details class="panel">
        <summary>Reassign to another organizer</summary>
        <form ...${this.formProps("reassign")} onSubmit=${this.submit(
          "reassign",
          (v, etag) => api.put(this.path("/organizer"), { organizer_id: v.organizer_id, note: v.note || undefined }, etag),
          "The group is reassigned; both organizers are told.",
        )}>
          ${this.summary("reassign")}
          ${this.state.organizers
            ? html`<${Field} form="reassign" name="organizer_id" type="select" label=${`New organizer (covers ${g.state})`} options=${[["", "Choose an organizer"], ...options]} value="" required error=${this.fieldError("reassign", "organizer_id")} />`
            : html`<p>Loading organizers…</p>`}
          <${Field} form="reassign" name="note" optional type="textarea" label="Note" error=${this.fieldError("reassign", "note")} />
          <button type="submit" class="primary">Reassign</button>
        </form>
      </details>`);
    }
    return parts.length ? html`<section aria-labelledby="manage-h"><h2 id="manage-h">Manage</h2>${parts}</section>` : null;
  }

  render(_props, { group: g, problem, notice }) {
    if (problem) {
      const noAccess = problem.status === 403;
      return html`<h1 tabindex="-1">${noAccess ? "Not in your states" : problem.status === 404 ? "No such group" : "The group did not load"}</h1>
        <p role="alert">${noAccess ? "This group is in a state you do not cover. Ask its state's organizers or an admin." : problem.message}</p>
        <p><a href=${BASE}>Back to the inbox</a></p>`;
    }
    if (!g) return html`<h1 tabindex="-1">Group</h1><p role="status">Loading…</p>`;
    return html`<p class="back"><a href=${BASE}>← Inbox</a></p>
      <h1 tabindex="-1">${g.founder?.name || g.founder_name}${g.group_number != null ? html` <span class="number">· Group ${g.group_number}</span>` : null}</h1>
      <p class="subtitle">${g.city}, ${g.state} · <strong>${STEP_TITLES[g.stage]}</strong>${g.closed_reason ? ` (${CLOSE_REASONS[g.closed_reason] || g.closed_reason})` : ""}</p>
      <div id="group-notice" class=${notice ? "notice" : "visually-hidden"} role="status" tabindex="-1">${notice}</div>
      <section aria-labelledby="stage-h" class="stage">
        <h2 id="stage-h">${STEP_TITLES[g.stage]}</h2>
        <p class="seed">${STEP_TEXTS[g.stage]}</p>
        ${this.Gate(g)} ${this.Steps(g)}
      </section>
      ${this.Founder(g)} ${this.Nearby(g)} ${this.Members(g)} ${this.Timeline(g)} ${this.Manage(g)}`;
  }
}
