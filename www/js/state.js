// state.js - the view lives in the URL hash, so every view can be bookmarked
// and shared: "#/flows?capture=13&range=1h&host=10.0.0.0/8&sort=bytes".
// Global scope parameters (capture, range, from, to) are kept when moving
// between pages; page parameters (filters, sort, cursor) are not.

export const GLOBAL_KEYS = ['capture', 'range', 'from', 'to'];

/** Relative ranges offered by the picker, in seconds. */
export const RANGES = {
  '5m': 300, '15m': 900, '1h': 3600, '6h': 21600, '24h': 86400, '7d': 604800, '30d': 2592000,
};

export function parseHash(hash = window.location.hash) {
  const raw = hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const params = {};
  for (const [k, v] of new URLSearchParams(q < 0 ? '' : raw.slice(q + 1))) params[k] = v;
  const parts = path.split('/');
  const page = parts[0] || 'dashboard';
  const arg = parts.length > 1 ? decodeURIComponent(parts.slice(1).join('/')) : null;
  return { page, arg, params };
}

export function buildHash(page, arg, params) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v === null || v === undefined || v === '') continue;
    qs.set(k, String(v));
  }
  const s = qs.toString();
  const path = arg ? `${page}/${encodeURIComponent(arg)}` : page;
  return `#/${path}${s ? '?' + s : ''}`;
}

/** The global part of a params object. */
export function globalParams(params) {
  const out = {};
  for (const k of GLOBAL_KEYS) if (params[k]) out[k] = params[k];
  return out;
}

/** A link to another page that keeps the current capture and time range. */
export function linkTo(page, arg = null, extra = {}) {
  const cur = parseHash();
  return buildHash(page, arg, { ...globalParams(cur.params), ...extra });
}

/** Changes the URL; the router reacts through hashchange. */
export function navigate(page, arg, params, { replace = false } = {}) {
  const hash = buildHash(page, arg, params);
  if (hash === window.location.hash) return false;
  if (replace) {
    history.replaceState(null, '', hash);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    window.location.hash = hash;
  }
  return true;
}

/** Merges a patch into the current params (null deletes a key). */
export function patchParams(patch, opts) {
  const cur = parseHash();
  const params = { ...cur.params };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || v === undefined || v === '') delete params[k];
    else params[k] = String(v);
  }
  return navigate(cur.page, cur.arg, params, opts);
}

/**
 * The capture and time range for API calls: {capture, from, to} with
 * relative ranges turned into absolute times now, and capture=live
 * resolved to the running (or latest) live capture id given by liveId.
 * Returns {scope, problem} where problem explains an unresolvable choice.
 */
export function resolveScope(params, liveId) {
  const scope = {};
  let problem = null;
  if (params.capture === 'live') {
    if (liveId) scope.capture = liveId;
    else problem = 'No live capture yet — start one from the capture bar above.';
  } else if (params.capture && /^[1-9][0-9]{0,18}$/.test(params.capture)) {
    scope.capture = params.capture;
  }
  if (params.range && RANGES[params.range]) {
    scope.from = new Date(Date.now() - RANGES[params.range] * 1000).toISOString();
  } else {
    if (params.from) scope.from = params.from;
    if (params.to) scope.to = params.to;
  }
  return { scope, problem };
}

/** Keeps only the keys listed (API endpoints reject unknown parameters). */
export function pick(obj, keys) {
  const out = {};
  for (const k of keys) if (obj[k] !== undefined && obj[k] !== null && obj[k] !== '') out[k] = obj[k];
  return out;
}
