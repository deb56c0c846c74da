// auth.js - who is logged in and what their role allows (webapi/API.md,
// "Accounts and roles"). The session itself is an HttpOnly cookie the page
// never sees; here we keep what /api/login and /api/session tell us: the
// user, the role and the CSRF token (handed to api.js). The UI hides what
// the role cannot do; webapi enforces it anyway.

import { apiGet, apiPostJson, setCsrfToken, ApiError } from './api.js';

/** Least to most; each role can do everything the ones before it can. */
export const ROLES = ['viewer', 'analyst', 'operator', 'admin'];

/** What each role adds, for the account page and the admin page. */
export const ROLE_TEXT = {
  viewer: 'sees every page, list and detail',
  analyst: 'also exports lists and uploads capture files',
  operator: 'also starts and stops captures, deletes captures, edits rules and indicators',
  admin: 'also manages users, API tokens and reads the audit log',
};

let session = null; // {user: {id, name, role}, role, csrf_token, expires_at}

function remember(s) {
  session = s && s.user ? { user: s.user, role: s.role || s.user.role, expires_at: s.expires_at || null } : null;
  setCsrfToken(session ? s.csrf_token : null);
  window.dispatchEvent(new CustomEvent('ps-session'));
  return session;
}

export const currentSession = () => session;

export function roleRank(role) {
  return ROLES.indexOf(role);
}

/** True when the logged-in role is `need` or above. */
export function can(need) {
  return !!session && roleRank(session.role) >= roleRank(need);
}

/** Asks webapi who we are: the session, or null when not logged in (401). */
export async function loadSession() {
  try {
    return remember(await apiGet('/api/session'));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return remember(null);
    throw err;
  }
}

/** Logs in; rejects with the ApiError (401 wrong name/password, 429 locked, with retryAfter). */
export async function login(name, password) {
  return remember(await apiPostJson('/api/login', { name, password }));
}

/** Ends the session on the server (best effort) and forgets it here. */
export async function logout() {
  try {
    await apiPostJson('/api/logout', {});
  } finally {
    remember(null);
  }
}

/** Forgets the session without asking the server (it already answered 401). */
export function forgetSession() {
  if (session) remember(null);
}

export function changePassword(currentPassword, newPassword) {
  return apiPostJson('/api/password', { current_password: currentPassword, new_password: newPassword });
}

/** Byte length as webapi counts it (UTF-8), for the 10..256 rule. */
export function utf8Length(s) {
  return new TextEncoder().encode(s).length;
}

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;
