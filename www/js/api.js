// api.js - every request to webapi goes through here: query strings built
// from explicit parameter lists (webapi rejects unknown parameters), JSON
// answers, and failures turned into one human sentence (ApiError.message).

const DEFAULT_TIMEOUT_MS = 20000;

export class ApiError extends Error {
  /** status 0 means no answer (network, timeout, nginx down). */
  constructor(message, { status = 0, body = null, url = '' } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
    this.url = url;
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

function describe(status, body, path) {
  const what = path.replace(/^\/api\//, '').replace(/\?.*$/, '');
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
 */
export async function apiJson(path, { method = 'GET', body, headers = {}, signal, timeout = DEFAULT_TIMEOUT_MS } = {}) {
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
      headers: { Accept: 'application/json', ...headers },
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
  if (!res.ok) throw new ApiError(describe(res.status, parsed, path), { status: res.status, body: parsed, url: path });
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
