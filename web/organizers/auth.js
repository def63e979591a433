// Who is signed in, and how they sign in. The ID token lives in sessionStorage only (gone
// with the tab; never localStorage). Locally the dev-only /_local/login issues it; in AWS,
// Cognito's managed login does (authorization code + PKCE, config.json written by
// `make deploy`).

const SESSION = "sag.session";
const PKCE = "sag.pkce";
const RETURN_TO = "sag.return-to";
export const BASE = "/organizers/";

function b64urlDecode(text) {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  return decodeURIComponent(
    Array.from(atob(padded), (c) => "%" + c.charCodeAt(0).toString(16).padStart(2, "0")).join(""),
  );
}

function b64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

export function claimsOf(token) {
  try {
    return JSON.parse(b64urlDecode(token.split(".")[1]));
  } catch {
    return null;
  }
}

export function sessionFrom(token) {
  const claims = claimsOf(token);
  if (!claims) return null;
  const groups = claims["cognito:groups"] || [];
  const role = ["admins", "field_organizers", "area_coordinators"].find((g) => groups.includes(g)) || null;
  return { token, email: claims.email || "", name: claims.name || "", role, exp: claims.exp || 0 };
}

export function currentSession() {
  const raw = sessionStorage.getItem(SESSION);
  if (!raw) return null;
  try {
    const session = JSON.parse(raw);
    if (!session.token || session.exp * 1000 <= Date.now()) return null;
    return session;
  } catch {
    return null;
  }
}

export function saveToken(token) {
  const session = sessionFrom(token);
  if (!session) throw new Error("The sign-in answered with a token that cannot be read.");
  sessionStorage.setItem(SESSION, JSON.stringify(session));
  return session;
}

/** The session only (a token that expired: drafts and the way back are kept for the sign-in). */
export function forgetSession() {
  sessionStorage.removeItem(SESSION);
}

/** Signing out: everything the console kept in this tab goes (session, sign-in verifier,
 * way back, drafts, inbox search: every "sag." entry), as the next person may use it. */
export function signOut() {
  const ours = [];
  for (let i = 0; i < sessionStorage.length; i++) {
    const key = sessionStorage.key(i);
    if (key && key.startsWith("sag.")) ours.push(key);
  }
  ours.forEach((key) => sessionStorage.removeItem(key));
}

/** Signing out on purpose: in AWS, out of the managed login too (a shared computer must
 * not sign the next person in), and back to the console's sign-in page. */
export async function signOutEverywhere() {
  signOut();
  const config = await authConfig();
  if (config.mode !== "cognito") return false;
  const query = new URLSearchParams({ client_id: config.client_id, logout_uri: location.origin + BASE + "sign-in" });
  location.assign(config.domain.replace(/\/$/, "") + "/logout?" + query);
  return true;
}

/** Where to go back to after signing in: a path of the console (never another site). */
export function rememberReturn(path) {
  if (path.startsWith(BASE) && !path.startsWith(BASE + "sign-in") && !path.startsWith(BASE + "callback")) {
    sessionStorage.setItem(RETURN_TO, path);
  }
}

export function takeReturn() {
  const path = sessionStorage.getItem(RETURN_TO);
  sessionStorage.removeItem(RETURN_TO);
  return path && path.startsWith(BASE) ? path : BASE;
}

// ------------------------------------------------------------------ where tokens come from

let configPromise = null;

/** {mode: "local"} on the local stack; {mode: "cognito", domain, client_id} in AWS. */
export function authConfig() {
  if (!configPromise) {
    configPromise = fetch(BASE + "config.json", { headers: { Accept: "application/json" } })
      .then(async (r) => {
        const body = r.ok ? await r.json() : null;
        return body && body.auth === "cognito" ? { mode: "cognito", ...body } : { mode: "local" };
      })
      .catch(() => ({ mode: "local" }));
  }
  return configPromise;
}

export async function localAccounts() {
  const r = await fetch("/_local/accounts", { headers: { Accept: "application/json" } });
  if (!r.ok) throw new Error("The local stack did not list its accounts.");
  return r.json();
}

export async function localSignIn(email) {
  const r = await fetch("/_local/login", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ email }),
  });
  if (!r.ok) throw new Error("The local stack refused this sign-in.");
  return saveToken((await r.json()).token);
}

function callbackUrl() {
  return location.origin + BASE + "callback";
}

/** Off to Cognito's managed login, with a fresh PKCE verifier and state kept for the way back. */
export async function startCognitoSignIn(config) {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PKCE, JSON.stringify({ verifier, state }));
  const query = new URLSearchParams({
    response_type: "code",
    client_id: config.client_id,
    redirect_uri: callbackUrl(),
    scope: "openid email profile",
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  location.assign(config.domain.replace(/\/$/, "") + "/oauth2/authorize?" + query);
}

/** Back from Cognito with ?code&state: trade the code (and the verifier) for tokens. */
export async function finishCognitoSignIn(config, search) {
  const params = new URLSearchParams(search);
  const kept = JSON.parse(sessionStorage.getItem(PKCE) || "null");
  sessionStorage.removeItem(PKCE);
  if (params.get("error")) throw new Error("The sign-in was not completed: " + params.get("error"));
  if (!kept || !params.get("code") || params.get("state") !== kept.state) {
    throw new Error("This sign-in answer does not belong to this tab. Sign in again.");
  }
  const r = await fetch(config.domain.replace(/\/$/, "") + "/oauth2/token", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: config.client_id,
      code: params.get("code"),
      redirect_uri: callbackUrl(),
      code_verifier: kept.verifier,
    }),
  });
  if (!r.ok) throw new Error("The sign-in service refused the code. Sign in again.");
  return saveToken((await r.json()).id_token);
}
