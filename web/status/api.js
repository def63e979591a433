// The founder's API client: the only module that sees the token or calls fetch.
//
// The token arrives in the URL fragment (#t=...), which never reaches a server. It is taken
// out of the address bar at once and kept for this tab only (sessionStorage, so a reload
// keeps the page open; never localStorage, never a query string), and sent as
// `Authorization: Bearer`. A 401 forgets it.

const TOKEN_KEY = "start-a-group.status-token";
const TIMEOUT_MS = 20000;

let token = null;

function store() {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage refused (privacy settings): the token lives in memory only
  }
}

// Takes a token from the fragment if there is one (and wipes the fragment), else the one
// kept for this tab. Returns whether there is a token.
export function adoptToken() {
  const match = /(?:^#|&)t=([^&]+)/.exec(window.location.hash);
  if (match) {
    token = decodeURIComponent(match[1]);
    history.replaceState(history.state, "", window.location.pathname);
    const kept = store();
    if (kept) kept.setItem(TOKEN_KEY, token);
  } else if (!token) {
    const kept = store();
    token = kept ? kept.getItem(TOKEN_KEY) : null;
  }
  return Boolean(token);
}

export function forgetToken() {
  token = null;
  const kept = store();
  if (kept) kept.removeItem(TOKEN_KEY);
}

export function hasToken() {
  return Boolean(token);
}

const apiBase = (() => {
  const meta = document.querySelector('meta[name="api-base"]');
  return ((meta && meta.getAttribute("content")) || "").trim().replace(/\/+$/, "");
})();

// What went wrong with a request: `status` 0 when the server was not reached, and the
// RFC 9457 problem when it sent one (`errors`: [{field, message}] for validation).
export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }

  get fieldErrors() {
    return Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }
}

// Sends one request; resolves to the JSON body (or null), rejects with ApiError. A 401
// forgets the token and calls `onUnauthorized` (set by the page) before rejecting.
export async function request(method, path, body, { auth = true } = {}) {
  const headers = { Accept: "application/json, application/problem+json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (auth && token) headers.Authorization = `Bearer ${token}`;
  const controller = new AbortController();
  const timer = window.setTimeout(() => controller.abort(), TIMEOUT_MS);
  let response;
  try {
    response = await fetch(apiBase + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
      signal: controller.signal,
    });
  } catch {
    throw new ApiError(0, null);
  } finally {
    window.clearTimeout(timer);
  }
  let data = null;
  const type = response.headers.get("Content-Type") || "";
  if (response.status !== 204 && type.includes("json")) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  }
  if (response.ok) return data;
  if (response.status === 401 && auth) {
    forgetToken();
    if (typeof request.onUnauthorized === "function") request.onUnauthorized();
  }
  throw new ApiError(response.status, data);
}

export const api = {
  status: () => request("GET", "/status"),
  addMember: (member) => request("POST", "/status/members", member),
  reportActivity: (activity) => request("POST", "/status/activities", activity),
  correctContact: (changes) => request("PATCH", "/status/contact", changes),
  stopEmails: () => request("POST", "/status/unsubscribe"),
  withdraw: (note) => request("POST", "/status/withdraw", note ? { note } : {}),
  erase: () => request("DELETE", "/status"),
  emailMyLink: (email) => request("POST", "/status/link", { email }, { auth: false }),
};
