// The organizer console: a router over the History API (every view has its own URL),
// the page's frame, and sign-in. Views live in views/*.js.
import { whenUnauthorized } from "./api.js";
import {
  BASE,
  authConfig,
  currentSession,
  finishCognitoSignIn,
  localAccounts,
  localSignIn,
  rememberReturn,
  forgetSession,
  signOutEverywhere,
  startCognitoSignIn,
  takeReturn,
} from "./auth.js";
import { Component, html, render } from "./lib.js";
import { saveDrafts } from "./drafts.js";
import { focusSoon } from "./ui.js";
import { GroupPage } from "./views/group.js";
import { Inbox } from "./views/inbox.js";
import { Reports } from "./views/reports.js";
import { ROLE_NAMES } from "./words.js";

export function navigate(path, { replace = false } = {}) {
  history[replace ? "replaceState" : "pushState"](null, "", path);
  draw(true);
}

function route(pathname) {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : "";
  let m;
  if (rest === "" || rest === "index.html") return { view: "inbox" };
  if (rest === "sign-in") return { view: "sign-in" };
  if (rest === "callback") return { view: "callback" };
  if (rest === "reports") return { view: "reports" };
  if ((m = rest.match(/^groups\/([^/]+)$/))) return { view: "group", id: decodeURIComponent(m[1]) };
  return { view: "not-found" };
}

function toSignIn() {
  if (route(location.pathname).view === "sign-in") return;
  saveDrafts();
  rememberReturn(location.pathname + location.search);
  forgetSession(); // not signOut: the drafts and the way back are for after the sign-in
  navigate(BASE + "sign-in", { replace: true });
}
whenUnauthorized(toSignIn);

// ------------------------------------------------------------------ sign-in

class SignIn extends Component {
  state = { config: null, accounts: null, error: "" };

  async componentDidMount() {
    const config = await authConfig();
    this.setState({ config });
    if (config.mode === "local") {
      try {
        this.setState({ accounts: await localAccounts() });
      } catch (err) {
        this.setState({ error: err.message });
      }
    }
  }

  async signInAs(email) {
    try {
      await localSignIn(email);
      navigate(takeReturn(), { replace: true });
    } catch (err) {
      this.setState({ error: err.message });
      focusSoon("#sign-in-error");
    }
  }

  render(_props, { config, accounts, error }) {
    return html`<h1 tabindex="-1">Sign in</h1>
      ${error && html`<p class="error-summary" id="sign-in-error" role="alert" tabindex="-1">${error}</p>`}
      ${!config
        ? html`<p>Loading…</p>`
        : config.mode === "cognito"
          ? html`<p>Organizers sign in with the email address they were invited with. If this is your
                first time, you will set your password there.</p>
              <button type="button" class="primary" onClick=${() => startCognitoSignIn(config)}>Sign in</button>`
          : html`<p class="local-note">Local stack: choose a seeded account. This sign-in exists only on
                your machine (<code>make dev</code>), never in AWS.</p>
              ${accounts
                ? html`<ul class="accounts">
                    ${accounts.map(
                      (a) => html`<li>
                        <button type="button" class="account" onClick=${() => this.signInAs(a.email)}>
                          <span class="account-name">${a.name || a.email}</span>
                          <span class="account-meta">${ROLE_NAMES[a.role] || a.role}${a.states?.length ? " · " + a.states.join(", ") : ""}</span>
                        </button>
                      </li>`,
                    )}
                  </ul>`
                : !error && html`<p>Loading accounts…</p>`}`}`;
  }
}

class Callback extends Component {
  state = { error: "" };

  async componentDidMount() {
    try {
      const config = await authConfig();
      await finishCognitoSignIn(config, location.search);
      navigate(takeReturn(), { replace: true });
    } catch (err) {
      this.setState({ error: err.message });
    }
  }

  render(_p, { error }) {
    return html`<h1 tabindex="-1">Signing in</h1>
      ${error
        ? html`<p class="error-summary" role="alert">${error}</p>
            <p><a href=${BASE + "sign-in"}>Sign in again</a></p>`
        : html`<p role="status">One moment…</p>`}`;
  }
}

// ------------------------------------------------------------------ frame

function Header({ session, view }) {
  const link = (href, text, current) =>
    html`<a href=${href} aria-current=${current ? "page" : undefined}>${text}</a>`;
  return html`<header class="top">
    <a class="skip" href="#main">Skip to content</a>
    <div class="top-row">
      <a class="brand" href=${BASE}>Start a Group <span>Organizers</span></a>
      ${session &&
      html`<nav aria-label="Console">
        ${link(BASE, "Inbox", view === "inbox")} ${link(BASE + "reports", "Reports", view === "reports")}
        <button type="button" class="link" onClick=${async () => { if (!(await signOutEverywhere())) navigate(BASE + "sign-in"); }}>
          Sign out<span class="visually-hidden"> ${session.email}</span>
        </button>
      </nav>`}
    </div>
    ${session &&
    html`<p class="whoami">${session.name || session.email} · ${ROLE_NAMES[session.role] || "no role"}</p>`}
  </header>`;
}

function App() {
  const where = route(location.pathname);
  let session = currentSession();
  if (!session && where.view !== "sign-in" && where.view !== "callback") {
    rememberReturn(location.pathname + location.search);
    history.replaceState(null, "", BASE + "sign-in");
    return App();
  }
  let body;
  switch (where.view) {
    case "sign-in":
      body = html`<${SignIn} />`;
      break;
    case "callback":
      body = html`<${Callback} />`;
      break;
    case "inbox":
      body = html`<${Inbox} key=${"inbox" + location.search} session=${session} navigate=${navigate} />`;
      break;
    case "group":
      body = html`<${GroupPage} key=${"group-" + where.id} id=${where.id} session=${session} />`;
      break;
    case "reports":
      body = html`<${Reports} session=${session} />`;
      break;
    default:
      body = html`<h1 tabindex="-1">Page not found</h1><p><a href=${BASE}>Go to the inbox</a></p>`;
  }
  return html`<${Header} session=${where.view === "sign-in" || where.view === "callback" ? null : session} view=${where.view} />
    <main id="main">${body}</main>`;
}

const root = document.getElementById("app");

function draw(moved) {
  render(html`<${App} />`, root);
  if (moved) {
    window.scrollTo(0, 0);
    focusSoon("main h1");
  }
}

// Links inside the console change the view without a page load (and keep the session).
document.addEventListener("click", (event) => {
  const a = event.target.closest && event.target.closest("a[href]");
  if (!a || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
  if (a.target || a.hasAttribute("download")) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !url.pathname.startsWith(BASE) || url.hash) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
});
window.addEventListener("popstate", () => draw(true));
root.textContent = "";
draw(false);
