// The one way the console talks to the API: adds the token, sends If-Match from the ETag
// it was given, and turns answers that are not 2xx into a Problem the views can show:
// field errors beside their fields, a 412 as "someone else changed this", a 401 as a trip
// back to sign-in that returns to the same page.

import { currentSession } from "./auth.js";

export const API_BASE = (document.querySelector('meta[name="api-base"]')?.getAttribute("content") || "")
  .trim()
  .replace(/\/+$/, "");

export class Problem extends Error {
  constructor(status, body) {
    super((body && (body.detail || body.title)) || `The server answered ${status}.`);
    this.status = status;
    this.body = body || {};
    this.title = this.body.title || "";
    this.errors = Array.isArray(this.body.errors) ? this.body.errors : [];
    this.unmet = Array.isArray(this.body.unmet) ? this.body.unmet : [];
    if (status === 412) {
      this.message = "Someone else changed this group since you opened it. Reload to see their change, then try again.";
    } else if (status === 403) {
      this.message = this.body.detail || "This group is outside your states.";
    } else if (status === 0) {
      this.message = "The server could not be reached. Check the connection and try again.";
    }
  }

  get stale() {
    return this.status === 412;
  }

  /** {field: message} of a validation problem. */
  get fields() {
    const out = {};
    for (const e of this.errors) if (e && e.field) out[e.field] = out[e.field] || e.message;
    return out;
  }
}

let onUnauthorized = () => {};
/** What to do on a 401: the app sends the person to sign in, remembering where they were. */
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

/**
 * request("GET", "/groups", {query, body, etag}) → {status, data, etag, response}.
 * `etag` is sent as If-Match. Throws Problem.
 */
export async function request(method, path, { query, body, etag, accept } = {}) {
  const session = currentSession();
  if (!session) {
    onUnauthorized();
    throw new Problem(401, { title: "Signed out", detail: "Your session has ended: sign in again." });
  }
  const headers = { Accept: accept || "application/json", Authorization: "Bearer " + session.token };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (etag) headers["If-Match"] = etag;
  let url = API_BASE + path;
  if (query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
    if ([...q].length) url += "?" + q;
  }
  let response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new Problem(0, null);
  }
  const type = response.headers.get("Content-Type") || "";
  if (!response.ok) {
    const problem = type.includes("json") ? await response.json().catch(() => null) : null;
    if (response.status === 401) onUnauthorized();
    throw new Problem(response.status, problem);
  }
  const data = response.status === 204 ? null : type.includes("json") ? await response.json() : response;
  return { status: response.status, data, etag: response.headers.get("ETag"), response };
}

export const api = {
  get: (path, query) => request("GET", path, { query }),
  post: (path, body, etag) => request("POST", path, { body, etag }),
  put: (path, body, etag) => request("PUT", path, { body, etag }),
  patch: (path, body, etag) => request("PATCH", path, { body, etag }),
  delete: (path, etag) => request("DELETE", path, { etag }),
};
