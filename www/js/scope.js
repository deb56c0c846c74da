// scope.js - the capture selector (all / live / each capture) and the time
// range picker shown on every page. Both only write the URL; pages read
// the URL. Relative ranges ("last 1 h") are re-evaluated at every refresh,
// absolute ones (custom, or a zoom on a chart) stay put.

import { h, setChildren } from './dom.js';
import { formatCount, formatLocal, toDatetimeLocal, toIso } from './format.js';
import { parseHash, patchParams, RANGES } from './state.js';

const RANGE_LABELS = {
  '5m': 'Last 5 minutes', '15m': 'Last 15 minutes', '1h': 'Last hour', '6h': 'Last 6 hours',
  '24h': 'Last 24 hours', '7d': 'Last 7 days', '30d': 'Last 30 days',
};

export function captureLabel(c) {
  if (c.kind === 'live') {
    return `#${c.id} live ${c.interface || c.source || ''}${c.status === 'running' ? ' (running)' : ''} · ${formatLocal(c.started_at)}`;
  }
  return `#${c.id} ${c.source || 'file'} · ${formatCount(c.packets)} pkts${c.status !== 'done' ? ` (${c.status})` : ''}`;
}

export class ScopeBar {
  constructor(root) {
    this.root = root;
    this.captures = [];
    this.capture = h('select', { id: 'scope-capture', 'aria-label': 'capture' });
    this.range = h('select', { id: 'scope-range', 'aria-label': 'time range' },
      h('option', { value: '' }, 'All time'),
      Object.keys(RANGES).map((k) => h('option', { value: k }, RANGE_LABELS[k])),
      h('option', { value: 'custom' }, 'Custom range…'));
    this.from = h('input', { id: 'scope-from', type: 'datetime-local', step: '1', 'aria-label': 'from (local time)' });
    this.to = h('input', { id: 'scope-to', type: 'datetime-local', step: '1', 'aria-label': 'to (local time)' });
    this.custom = h('form', { class: 'scope-custom', hidden: true, onsubmit: (ev) => { ev.preventDefault(); this.applyCustom(); } },
      h('label', { class: 'field-inline' }, h('span', null, 'from'), this.from),
      h('label', { class: 'field-inline' }, h('span', null, 'to'), this.to),
      h('button', { type: 'submit', class: 'btn btn-small' }, 'Apply'),
      h('button', { type: 'button', class: 'btn btn-small', id: 'scope-clear', onclick: () => patchParams({ from: null, to: null, range: null }) }, 'All time'));
    this.capture.addEventListener('change', () => patchParams({ capture: this.capture.value || null, cursor: null }));
    this.range.addEventListener('change', () => {
      const v = this.range.value;
      if (v === 'custom') {
        this.custom.hidden = false;
        if (!this.from.value) this.from.value = toDatetimeLocal(Date.now() - 3600000);
        this.from.focus();
        return;
      }
      patchParams({ range: v || null, from: null, to: null });
    });
    setChildren(root,
      h('label', { class: 'field-inline' }, h('span', null, 'Capture'), this.capture),
      h('label', { class: 'field-inline' }, h('span', null, 'Time'), this.range),
      this.custom);
    this.setCaptures([]);
  }

  applyCustom() {
    const f = this.from.value ? Date.parse(this.from.value) : NaN;
    const t = this.to.value ? Date.parse(this.to.value) : NaN;
    if (Number.isFinite(f) && Number.isFinite(t) && t <= f) {
      this.to.setCustomValidity('"to" must be after "from"');
      this.to.reportValidity();
      return;
    }
    this.to.setCustomValidity('');
    patchParams({
      range: null,
      from: Number.isFinite(f) ? toIso(f) : null,
      to: Number.isFinite(t) ? toIso(t) : null,
    });
  }

  setCaptures(list) {
    this.captures = list;
    this.sync();
  }

  /** Reflects the URL in the controls (after any navigation). */
  sync() {
    const { params } = parseHash();
    const cur = params.capture || '';
    const live = this.captures.filter((c) => c.kind === 'live');
    const files = this.captures.filter((c) => c.kind !== 'live');
    const known = new Set(this.captures.map((c) => String(c.id)));
    const sig = JSON.stringify([cur, this.captures.map((c) => [c.id, c.status, c.packets])]);
    if (sig !== this.sig) {
      this.sig = sig;
      setChildren(this.capture,
        h('option', { value: '' }, 'All captures'),
        h('option', { value: 'live' }, 'Live (current capture)'),
        cur && cur !== 'live' && !known.has(cur) ? h('option', { value: cur }, `#${cur}`) : null,
        live.length ? h('optgroup', { label: 'Live sessions' }, live.map((c) => h('option', { value: String(c.id) }, captureLabel(c)))) : null,
        files.length ? h('optgroup', { label: 'Uploaded / read files' }, files.map((c) => h('option', { value: String(c.id) }, captureLabel(c)))) : null);
    }
    this.capture.value = cur;
    if (params.range && RANGES[params.range]) {
      this.range.value = params.range;
      this.custom.hidden = true;
    } else if (params.from || params.to) {
      this.range.value = 'custom';
      this.custom.hidden = false;
      const f = Date.parse(params.from || '');
      const t = Date.parse(params.to || '');
      if (document.activeElement !== this.from) this.from.value = Number.isFinite(f) ? toDatetimeLocal(f) : '';
      if (document.activeElement !== this.to) this.to.value = Number.isFinite(t) ? toDatetimeLocal(t) : '';
    } else if (this.range.value !== 'custom' || this.custom.hidden) {
      this.range.value = '';
      this.custom.hidden = true;
    }
  }
}
