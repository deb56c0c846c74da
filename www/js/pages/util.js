// pages/util.js - helpers the page modules share: a description of the
// current scope, a loader that cancels the previous round of requests, and
// the page header.

import { h } from '../dom.js';
import { formatLocal } from '../format.js';
import { RANGES, patchParams } from '../state.js';
import { isAbort } from '../api.js';

const RANGE_TEXT = {
  '5m': 'last 5 minutes', '15m': 'last 15 minutes', '1h': 'last hour', '6h': 'last 6 hours',
  '24h': 'last 24 hours', '7d': 'last 7 days', '30d': 'last 30 days',
};

/** "capture #13 (ndpi__1kxun.pcap) · last hour" */
export function scopeText(ctx) {
  const p = ctx.params;
  let cap = 'all captures';
  if (p.capture === 'live') cap = ctx.scope.capture ? `live capture #${ctx.scope.capture}` : 'live capture';
  else if (ctx.scope.capture) {
    const c = (ctx.app.captures || []).find((x) => String(x.id) === String(ctx.scope.capture));
    cap = c ? `capture #${c.id} (${c.kind === 'live' ? `live ${c.interface || c.source}` : c.source})` : `capture #${ctx.scope.capture}`;
  }
  let range = 'all time';
  if (p.range && RANGES[p.range]) range = RANGE_TEXT[p.range];
  else if (p.from || p.to) range = `${p.from ? formatLocal(p.from) : 'start'} – ${p.to ? formatLocal(p.to) : 'now'}`;
  return `${cap} · ${range}`;
}

export function hasRange(ctx) {
  return !!(ctx.scope.from || ctx.scope.to);
}

export function pageHead(title, ctx, ...extra) {
  const sub = h('span', { class: 'sub scope-text' }, scopeText(ctx));
  const el = h('div', { class: 'page-head' }, h('h1', null, title), sub, extra);
  return { el, update: (c) => { sub.textContent = scopeText(c); } };
}

/**
 * Runs one round of requests for a page; starting a new round aborts the
 * previous one. run(fn) calls fn(signal) and swallows aborts.
 */
export class Rounds {
  constructor() { this.ctl = null; }

  async run(fn) {
    if (this.ctl) this.ctl.abort();
    const ctl = new AbortController();
    this.ctl = ctl;
    try {
      return await fn(ctl.signal);
    } catch (err) {
      if (isAbort(err) || ctl.signal.aborted) return undefined;
      throw err;
    } finally {
      if (this.ctl === ctl) this.ctl = null;
    }
  }

  abort() {
    if (this.ctl) this.ctl.abort();
  }
}

/** Runs a promise-returning fn and shows its failure in a panel. */
export async function into(panelObj, fn) {
  try {
    const r = await fn();
    panelObj.clearStatus();
    return r;
  } catch (err) {
    if (isAbort(err)) return undefined;
    panelObj.setError(err.message);
    return undefined;
  }
}

/** Zoom handler for time charts: sets an absolute range in the URL. */
export function zoomTo(fromMs, toMs) {
  if (!(toMs > fromMs)) return;
  patchParams({ range: null, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), cursor: null });
}

/** Widens the current absolute range around its middle (x2). */
export function zoomOut(ctx) {
  const f = Date.parse(ctx.scope.from || '');
  const t = Date.parse(ctx.scope.to || '') || Date.now();
  if (!Number.isFinite(f)) return;
  const half = t - f;
  zoomTo(f - half / 2, t + half / 2);
}

/** A select whose value lives in the URL under key. */
export function urlSelect(key, options, value, label) {
  const sel = h('select', { 'aria-label': label, dataset: { param: key } },
    options.map(([v, t]) => h('option', { value: v }, t)));
  sel.value = value;
  sel.addEventListener('change', () => patchParams({ [key]: sel.value }));
  return sel;
}
