// api.js - every request to webapi goes through here: query strings built
// from explicit parameter lists (webapi rejects unknown parameters), JSON
// answers, and failures turned into one human sentence (ApiError.message).
// Credentials: the session cookie (HttpOnly, same origin) travels by itself;
// every state change also carries the session's CSRF token, kept only in
// memory here (setCsrfToken). A 401 anywhere calls the handler set with
// onAuthRequired (the app shows the login form).

const DEFAULT_TIMEOUT_MS = 20000;
const CSRF_ERROR = 'csrf token missing or wrong';

let csrfToken = null;
let authRequiredHandler = null;

/** Remembers the session's CSRF token (from /api/login or /api/session); null forgets it. */
export function setCsrfToken(token) {
  csrfToken = typeof token === 'string' && token ? token : null;
}

/** Headers a state-changing request needs besides the cookie (XHR uploads use it too). */
export function csrfHeaders() {
  return csrfToken ? { 'X-CSRF-Token': csrfToken } : {};
}

/** fn(apiError) is called on every 401 answer except a failed login itself. */
export function onAuthRequired(fn) {
  authRequiredHandler = fn;
}

/** For requests made outside apiJson (XHR uploads): tells the app about a 401. */
export function reportAuthRequired(err) {
  if (authRequiredHandler) authRequiredHandler(err);
}

const isStateChange = (method) => !/^(GET|HEAD)$/i.test(method);

export class ApiError extends Error {
  /** status 0 means no answer (network, timeout, nginx down); retryAfter in seconds or null. */
  constructor(message, { status = 0, body = null, url = '', retryAfter = null } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
    this.url = url;
    this.retryAfter = retryAfter;
  }
}

/** '/api/flows', {capture: 3, host: ''} -> '/api/flows?capture=3' (empty values dropped). */
export function apiUrl(path, params = {}) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v === null || v === undefined || v === '') continue;
    qs.set(k, String(v));
  }
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

/**
 * "needs role analyst; this account has role viewer" -> "Your role viewer
 * cannot do this: it needs analyst or above." (null when not a role refusal).
 */
export function forbiddenMessage(body) {
  if (!body || body.error !== 'forbidden' || typeof body.detail !== 'string') return null;
  const m = /needs role (\w+); this (\w+) has role (\w+)/.exec(body.detail);
  if (!m) return `Your role cannot do this: ${body.detail}.`;
  return `Your role ${m[3]} cannot do this: it needs ${m[1]} or above.`;
}

/** One sentence for a failed answer (also used by the XHR upload). */
export function describe(status, body, path) {
  const what = path.replace(/^\/api\//, '').replace(/\?.*$/, '');
  if (status === 403 && forbiddenMessage(body)) return forbiddenMessage(body);
  if (status === 401 && body && body.error === 'authentication required') return 'You are not logged in (or your session has ended).';
  if (body && typeof body.error === 'string') {
    const detail = typeof body.detail === 'string' && body.detail !== body.error ? ` — ${body.detail}` : '';
    return `${body.error}${detail}`;
  }
  if (status === 502 || status === 504) return `The API (${what}) is not answering: webapi may be down (HTTP ${status}).`;
  if (status === 503) return `The database is unavailable right now (HTTP 503); retrying.`;
  return `The API answered HTTP ${status} for ${what}.`;
}

/**
 * GET/POST JSON. Resolves to the parsed body; rejects with ApiError
 * (aborts reject with the AbortError itself so callers can ignore them).
 * A state change refused for a stale CSRF token is retried once after
 * /api/session hands out the current one.
 */
export async function apiJson(path, opts = {}) {
  try {
    return await apiJsonOnce(path, opts);
  } catch (err) {
    const stale = err instanceof ApiError && err.status === 403 && err.body && err.body.error === CSRF_ERROR;
    if (!stale || !isStateChange(opts.method || 'GET')) throw err;
    const s = await apiJsonOnce('/api/session', { signal: opts.signal });
    setCsrfToken(s.csrf_token);
    return apiJsonOnce(path, opts);
  }
}

async function apiJsonOnce(path, { method = 'GET', body, headers = {}, signal, timeout = DEFAULT_TIMEOUT_MS } = {}) {
  const ctl = new AbortController();
  const onAbort = () => ctl.abort(signal.reason);
  if (signal) {
    if (signal.aborted) ctl.abort(signal.reason);
    else signal.addEventListener('abort', onAbort, { once: true });
  }
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; ctl.abort(); }, timeout);
  let res;
  try {
    res = await fetch(path, {
      method,
      body,
      cache: 'no-store',
      headers: { Accept: 'application/json', ...(isStateChange(method) ? csrfHeaders() : {}), ...headers },
      signal: ctl.signal,
    });
  } catch (err) {
    if (signal && signal.aborted) throw err;
    if (timedOut) throw new ApiError(`No answer from the API within ${timeout / 1000} s.`, { url: path });
    throw new ApiError('Cannot reach the PacketSight API (network error).', { url: path });
  } finally {
    clearTimeout(timer);
    if (signal) signal.removeEventListener('abort', onAbort);
  }
  let parsed = null;
  try {
    parsed = await res.json();
  } catch {
    parsed = null; // nginx error pages are HTML
  }
  if (!res.ok) {
    const retry = Number.parseInt(res.headers.get('Retry-After') || '', 10);
    const err = new ApiError(describe(res.status, parsed, path), {
      status: res.status, body: parsed, url: path, retryAfter: Number.isFinite(retry) ? retry : null,
    });
    if (res.status === 401 && !path.startsWith('/api/login') && authRequiredHandler) authRequiredHandler(err);
    throw err;
  }
  if (parsed === null) throw new ApiError(`The API answered ${path} with something that is not JSON.`, { status: res.status, url: path });
  return parsed;
}

export const apiGet = (path, params, opts) => apiJson(apiUrl(path, params), opts);

export function apiPostJson(path, obj, opts = {}) {
  return apiJson(path, {
    ...opts,
    method: 'POST',
    body: JSON.stringify(obj),
    headers: { 'Content-Type': 'application/json' },
  });
}

export function isAbort(err) {
  return err && (err.name === 'AbortError' || (err instanceof DOMException && err.code === 20));
}
