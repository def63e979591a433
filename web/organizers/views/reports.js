// Reports: the pipeline per state and stage (an SVG funnel and the same numbers as a table),
// the medians the API computes, and the groups CSV.
import { api, request } from "../api.js";
import { Component, html } from "../lib.js";
import { ErrorSummary, plural } from "../ui.js";
import { FORWARD, STAGE_NAMES } from "../words.js";

function Funnel({ totals }) {
  const max = Math.max(1, ...FORWARD.map((s) => totals[s] || 0));
  const rowH = 34;
  const width = 360;
  const labelW = 128;
  const barSpace = width - labelW - 36;
  const height = FORWARD.length * rowH + 8;
  return html`<svg class="funnel" viewBox=${`0 0 ${width} ${height}`} role="img" aria-labelledby="funnel-title funnel-desc">
    <title id="funnel-title">Pipeline funnel</title>
    <desc id="funnel-desc">${FORWARD.map((s) => `${STAGE_NAMES[s]}: ${totals[s] || 0}`).join("; ")}</desc>
    ${FORWARD.map((s, i) => {
      const n = totals[s] || 0;
      const w = Math.max(n ? 4 : 0, Math.round((n / max) * barSpace));
      const y = i * rowH + 4;
      const x = labelW + (barSpace - w) / 2;
      return html`<g data-stage=${s}>
        <text x="0" y=${y + rowH / 2 + 1} class="funnel-label">${STAGE_NAMES[s]}</text>
        <rect x=${x} y=${y + 4} width=${w} height=${rowH - 12} rx="4" class=${"funnel-bar bar-" + i} />
        <text x=${width - 4} y=${y + rowH / 2 + 1} text-anchor="end" class="funnel-count">${n}</text>
      </g>`;
    })}
  </svg>`;
}

/** "12 days (8 groups)" from the API's {median_days, groups}; a dash without groups. */
function days(t) {
  const n = t?.median_days;
  if (n == null) return "—";
  return `${Number(n).toFixed(n % 1 ? 1 : 0)} days (${plural(t.groups ?? 0, "group")})`;
}

export class Reports extends Component {
  state = { report: null, problem: null, csvProblem: null, downloading: false };

  async componentDidMount() {
    try {
      const { data } = await api.get("/reports/pipeline");
      this.setState({ report: data });
    } catch (problem) {
      this.setState({ problem });
    }
  }

  async downloadCsv() {
    this.setState({ downloading: true, csvProblem: null });
    try {
      const { response } = await request("GET", "/reports/groups.csv", { accept: "text/csv" });
      const blob = await response.blob();
      const url = URL.createObjectURL(blob);
      const a = document.createElement("a");
      a.href = url;
      a.download = `groups-${new Date().toISOString().slice(0, 10)}.csv`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (csvProblem) {
      this.setState({ csvProblem });
    }
    this.setState({ downloading: false });
  }

  render(_p, { report, problem, csvProblem, downloading }) {
    if (problem) return html`<h1 tabindex="-1">Reports</h1><${ErrorSummary} form="reports" problem=${problem} />`;
    if (!report) return html`<h1 tabindex="-1">Reports</h1><p role="status">Loading…</p>`;
    const stages = report.stages || [...FORWARD, "closed"];
    const timing = report.timing || {};
    const firstContact = timing.first_contact || {};
    const inStage = timing.days_in_stage || {};
    return html`<h1 tabindex="-1">Reports</h1>
      <section aria-labelledby="pipeline-h">
        <h2 id="pipeline-h">Pipeline</h2>
        <p>${plural(report.total, "group")} in your states, ${report.totals.closed || 0} of them closed.</p>
        <${Funnel} totals=${report.totals} />
        <div class="table-wrap" tabindex="0" role="region" aria-labelledby="pipeline-table-caption">
          <table class="pipeline">
            <caption id="pipeline-table-caption">Groups per state and stage</caption>
            <thead><tr><th scope="col">State</th>${stages.map((s) => html`<th scope="col">${STAGE_NAMES[s] || s}</th>`)}<th scope="col">Total</th></tr></thead>
            <tbody>
              ${report.rows.map(
                (r) => html`<tr><th scope="row">${r.state}</th>${stages.map((s) => html`<td>${r.counts[s] || 0}</td>`)}<td>${r.total}</td></tr>`,
              )}
            </tbody>
            <tfoot><tr><th scope="row">Total</th>${stages.map((s) => html`<td>${report.totals[s] || 0}</td>`)}<td>${report.total}</td></tr></tfoot>
          </table>
        </div>
      </section>
      <section aria-labelledby="medians-h">
        <h2 id="medians-h">How long things take (medians)</h2>
        <dl class="facts">
          <dt>From inquiry to first contact</dt><dd>${days(firstContact)}</dd>
          ${FORWARD.filter((s) => s !== "active").map((s) => html`<dt>In ${STAGE_NAMES[s]} (groups there now)</dt><dd>${days(inStage[s])}</dd>`)}
        </dl>
      </section>
      <section aria-labelledby="csv-h">
        <h2 id="csv-h">Every group as a spreadsheet</h2>
        <p>One row per group in your states: stage, days in stage, organizer, founder, city, state, created.</p>
        <${ErrorSummary} form="csv" problem=${csvProblem} />
        <button type="button" class="secondary" disabled=${downloading} onClick=${() => this.downloadCsv()}>
          ${downloading ? "Preparing…" : "Download groups (CSV)"}
        </button>
      </section>`;
  }
}
