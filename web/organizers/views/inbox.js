// The inbox: "Mine" (groups routed to me) and "My states", what waits first. Tab, state and
// stage are in the URL (nothing personal); the search text stays in this tab's memory and
// goes only to the API.
import { api } from "../api.js";
import { BASE } from "../auth.js";
import { Component, html } from "../lib.js";
import { ErrorSummary, daysSince, focusSoon, plural } from "../ui.js";
import {
  FIRST_CONTACT_ESCALATION_DAYS,
  FIRST_CONTACT_REMINDER_DAYS,
  FORWARD,
  STAGE_NAMES,
  STALLED_DAYS,
  STEP_TITLES,
} from "../words.js";

const SEARCH = "sag.inbox-search";
const PAGE_SIZE = 25;
const US_STATES =
  "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP".split(
    " ",
  );

/** What waits on the organizer for this group, and how urgent it is (lower first): the
 * API's `waits` (computed with the follow-up rules), in words. */
export function waiting(item, now = Date.now()) {
  const w = item.waits;
  if (!w) return waitingWithoutSummary(item, now);
  const next = FORWARD[FORWARD.indexOf(item.stage) + 1];
  const age = w.days_since_inquiry ?? daysSince(item.created_at, now);
  if (w.first_contact === "escalated")
    return { rank: 0, tone: "late", text: `First contact overdue: ${plural(age, "day")} (escalated)` };
  if (w.first_contact === "overdue") return { rank: 1, tone: "late", text: `First contact overdue: ${plural(age, "day")}` };
  if (w.gate_met && next) return { rank: 2, tone: "ready", text: `Gate met: ready for ${STAGE_NAMES[next]}` };
  if (w.stalled) return { rank: 3, tone: "late", text: `Stalled: no activity for ${plural(w.days_quiet ?? 0, "day")}` };
  if (w.first_contact === "due")
    return { rank: 4, tone: "new", text: age === 0 ? "New inquiry today" : `New inquiry, ${plural(age, "day")} old` };
  if (item.stage === "active") return { rank: 6, tone: "done", text: "Active" };
  if (item.stage === "closed") return { rank: 6, tone: "done", text: "Closed" };
  const inStage = w.days_in_stage ? ` for ${plural(w.days_in_stage, "day")}` : w.days_in_stage === 0 ? " since today" : "";
  return { rank: 5, tone: "", text: `In ${STAGE_NAMES[item.stage] || item.stage}${inStage}` };
}

/** The same from the dates alone (an item without `waits`). */
function waitingWithoutSummary(item, now) {
  const age = daysSince(item.created_at, now);
  if (item.stage === "learn_more") {
    if (age >= FIRST_CONTACT_ESCALATION_DAYS)
      return { rank: 0, tone: "late", text: `First contact overdue: ${plural(age, "day")} (escalated)` };
    if (age >= FIRST_CONTACT_REMINDER_DAYS)
      return { rank: 1, tone: "late", text: `First contact overdue: ${plural(age, "day")}` };
    return { rank: 4, tone: "new", text: age === 0 ? "New inquiry today" : `New inquiry, ${plural(age, "day")} old` };
  }
  if (item.stage === "organize_core" || item.stage === "step_up_activism") {
    const quiet = daysSince(item.updated_at, now);
    if (quiet >= STALLED_DAYS) return { rank: 3, tone: "late", text: `Stalled: no activity for ${plural(quiet, "day")}` };
  }
  if (item.stage === "active" || item.stage === "closed")
    return { rank: 6, tone: "done", text: STAGE_NAMES[item.stage] };
  return { rank: 5, tone: "", text: `In ${STAGE_NAMES[item.stage] || item.stage}` };
}

export function byWhatWaits(items, now = Date.now()) {
  return items
    .map((item) => ({ item, wait: waiting(item, now) }))
    .sort((a, b) => a.wait.rank - b.wait.rank || Date.parse(a.item.created_at) - Date.parse(b.item.created_at));
}

export class Inbox extends Component {
  constructor(props) {
    super(props);
    const params = new URLSearchParams(location.search);
    this.state = {
      // Admins have no groups of their own: their inbox opens on every state.
      tab: params.get("view") === "states" || (props.session.role === "admins" && params.get("view") !== "mine") ? "states" : "mine",
      stateCode: params.get("state") || "",
      stage: params.get("stage") || "",
      q: sessionStorage.getItem(SEARCH) || "",
      items: null,
      tokens: [null], // the next_token of each page seen so far: Previous goes back one
      page: 0,
      nextToken: null,
      problem: null,
      loading: true,
    };
  }

  componentDidMount() {
    this.load(0);
  }

  query(page) {
    const { tab, stateCode, stage, q, tokens } = this.state;
    return {
      organizer: tab === "mine" ? "me" : undefined,
      state: stateCode || undefined,
      stage: stage || undefined,
      q: q || undefined,
      limit: PAGE_SIZE,
      next_token: tokens[page] || undefined,
    };
  }

  async load(page) {
    this.setState({ loading: true, problem: null });
    try {
      const { data } = await api.get("/groups", this.query(page));
      const tokens = this.state.tokens.slice(0, page + 1);
      if (data.next_token) tokens[page + 1] = data.next_token;
      // "inbox-data": the first page is on screen (bench/console.py measures it).
      this.setState({ items: data.items, nextToken: data.next_token, tokens, page, loading: false }, () =>
        performance.mark("inbox-data"),
      );
    } catch (problem) {
      this.setState({ problem, loading: false, items: [] });
    }
  }

  /** Tab, state and stage go into the URL (a reload or Back lands on the same list). */
  setFilters(patch) {
    const next = { ...this.state, ...patch };
    const params = new URLSearchParams();
    params.set("view", next.tab);
    if (next.stateCode) params.set("state", next.stateCode);
    if (next.stage) params.set("stage", next.stage);
    const search = params.toString();
    this.props.navigate(BASE + (search ? "?" + search : ""));
  }

  onSearch(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const q = form.elements.q.value.trim();
    if (q) sessionStorage.setItem(SEARCH, q);
    else sessionStorage.removeItem(SEARCH);
    const { stateCode, stage } = this.state;
    const wantState = form.elements.state.value;
    const wantStage = form.elements.stage.value;
    if (wantState !== stateCode || wantStage !== stage) {
      this.setFilters({ stateCode: wantState, stage: wantStage });
      return;
    }
    this.setState({ q, tokens: [null] }, () => this.load(0));
  }

  render(_props, { tab, stateCode, stage, q, items, page, nextToken, problem, loading }) {
    const tabLink = (which, text) =>
      html`<a href=${BASE + "?view=" + which} class="tab" aria-current=${tab === which ? "page" : undefined}>${text}</a>`;
    const rows = items ? byWhatWaits(items) : [];
    return html`<h1 tabindex="-1">Inbox</h1>
      <nav class="tabs" aria-label="Whose groups">${tabLink("mine", "Mine")}${tabLink("states", "My states")}</nav>
      <form class="filters" role="search" aria-label="Find groups" onSubmit=${(e) => this.onSearch(e)}>
        <div class="field">
          <label for="inbox-q">Founder name, email or city</label>
          <input id="inbox-q" name="q" type="search" defaultValue=${q} autocomplete="off" />
        </div>
        <div class="field">
          <label for="inbox-state">State</label>
          <select id="inbox-state" name="state">
            <option value="">All my states</option>
            ${US_STATES.map((s) => html`<option value=${s} selected=${s === stateCode}>${s}</option>`)}
          </select>
        </div>
        <div class="field">
          <label for="inbox-stage">Stage</label>
          <select id="inbox-stage" name="stage">
            <option value="">Every stage</option>
            ${Object.entries(STAGE_NAMES).map(([v, t]) => html`<option value=${v} selected=${v === stage}>${t}</option>`)}
          </select>
        </div>
        <button type="submit" class="secondary">Search</button>
      </form>
      <${ErrorSummary} form="inbox" problem=${problem} />
      <p class="count" role="status">
        ${loading ? "Loading…" : `${plural(rows.length, "group")}${page || nextToken ? ` on page ${page + 1}` : ""}${q ? " matching your search" : ""}`}
      </p>
      <ol class="inbox">
        ${rows.map(
          ({ item, wait }) => html`<li class=${"card wait-" + (wait.tone || "none")}>
            <a class="card-title" href=${BASE + "groups/" + encodeURIComponent(item.group_id)}>${item.founder_name || "Group " + (item.group_number ?? "")}</a>
            <p class="card-wait"><span class="badge">${wait.text}</span></p>
            <p class="card-meta">${item.city}, ${item.state} · ${STEP_TITLES[item.stage] || item.stage}${item.group_number ? ` · Group ${item.group_number}` : ""}</p>
          </li>`,
        )}
      </ol>
      ${!loading && rows.length === 0 && !problem
        ? html`<p>${tab === "mine" ? "Nothing routed to you here." : "No groups here."}</p>`
        : null}
      ${(page > 0 || nextToken) &&
      html`<nav class="pager" aria-label="Pages">
        <button type="button" class="secondary" disabled=${page === 0} onClick=${() => { this.load(page - 1); focusSoon("main h1"); }}>Previous page</button>
        <button type="button" class="secondary" disabled=${!nextToken} onClick=${() => { this.load(page + 1); focusSoon("main h1"); }}>Next page</button>
      </nav>`}`;
  }
}
