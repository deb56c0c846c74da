// ui/common.js - small building blocks shared by the pages: panels with a
// visible error/empty state, stat cards, timestamps with UTC on hover,
// links to hosts and flows, country labels, badges.

import { h, setChildren } from '../dom.js';
import { formatLocal, formatUtcTitle, formatCount, formatBytes } from '../format.js';
import { linkTo } from '../state.js';

let panelSeq = 0;

/**
 * A titled section. status messages (error, empty, loading) show above the
 * body so a failed refresh never leaves a blank chart without a word.
 */
export function panel(title, { actions = [], className = '', subtitle = null } = {}) {
  panelSeq += 1;
  const hid = `panel-title-${panelSeq}`;
  const titleEl = h('h2', { id: hid }, title);
  const sub = h('span', { class: 'panel-sub' }, subtitle || '');
  const actionsEl = h('div', { class: 'panel-actions' }, actions);
  const status = h('div', { class: 'panel-status', hidden: true });
  const body = h('div', { class: 'panel-body' });
  const el = h('section', { class: `panel ${className}`.trim(), 'aria-labelledby': hid },
    h('header', { class: 'panel-head' }, h('div', { class: 'panel-titles' }, titleEl, sub), actionsEl),
    status, body);
  const setStatus = (kind, msg, ...extra) => {
    if (!msg) {
      status.hidden = true;
      status.replaceChildren();
      el.classList.remove('has-error');
      return;
    }
    status.hidden = false;
    status.className = `panel-status ${kind}`;
    status.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    setChildren(status, msg, ...extra);
    el.classList.toggle('has-error', kind === 'error');
  };
  return {
    el, body, titleEl, actionsEl,
    setSubtitle: (s) => { sub.textContent = s || ''; },
    setError: (msg) => setStatus('error', msg),
    setEmpty: (msg, ...extra) => setStatus('empty', msg, ...extra),
    setLoading: (on) => el.classList.toggle('loading', !!on),
    clearStatus: () => setStatus(null, null),
  };
}

/** A number card; data-value keeps the raw number for tests and copy. */
export function statCard(id, label, { text = false } = {}) {
  const value = h('p', { id, class: text ? 'value value-text' : 'value', 'data-value': '' }, '—');
  const sub = h('p', { class: 'card-sub' });
  const el = h('article', { class: 'card' }, h('h3', null, label), value, sub);
  return {
    el,
    set(raw, text, title = null, subText = null) {
      value.dataset.value = raw === null || raw === undefined ? '' : String(raw);
      value.textContent = text;
      if (title) value.title = title;
      else value.removeAttribute('title');
      sub.textContent = subText || '';
    },
  };
}

/** <time> in the browser's zone, the UTC time (with µs) on hover. */
export function timeEl(iso, withFraction = false) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  return h('time', { datetime: iso, title: formatUtcTitle(iso) }, formatLocal(iso, withFraction));
}

export function hostLink(ip) {
  if (!ip) return h('span', { class: 'muted' }, '—');
  return h('a', { href: linkTo('host', ip), class: 'mono host-link' }, ip);
}

export function flowLink(uid, capture = null) {
  if (!uid) return h('span', { class: 'muted' }, '—');
  const extra = capture ? { capture } : {};
  return h('a', { href: linkTo('flow', uid, extra), class: 'mono' }, uid);
}

/** An endpoint "host:port" with the host as a link. */
export function endpointEl(ip, port) {
  const a = hostLink(ip);
  if (port === null || port === undefined) return a;
  return h('span', { class: 'endpoint mono' }, a, h('span', { class: 'port' }, `:${port}`));
}

const SPECIAL_CC = {
  PRIVATE: 'Private network', MULTICAST: 'Multicast', LINKLOCAL: 'Link-local',
  BROADCAST: 'Broadcast', RESERVED: 'Reserved', LOOPBACK: 'Loopback',
  UNKNOWN: 'Unknown', '--': 'Unknown', XX: 'Unknown',
};
let regionNames = null;
try {
  regionNames = new Intl.DisplayNames(undefined, { type: 'region' });
} catch {
  regionNames = null;
}

/** True for a real ISO 3166-1 alpha-2 code (not PRIVATE, unknown, ...). */
export const isCountryCode = (cc) => typeof cc === 'string' && /^[A-Z]{2}$/.test(cc) && cc !== 'XX';

/** "DE" -> "Germany"; "PRIVATE" -> "Private network"; null -> "Unknown". */
export function countryName(cc) {
  if (!cc) return 'Unknown';
  const up = String(cc).toUpperCase();
  if (SPECIAL_CC[up]) return SPECIAL_CC[up];
  if (isCountryCode(up) && regionNames) {
    try {
      return regionNames.of(up) || up;
    } catch {
      return up;
    }
  }
  return cc;
}

export function ccEl(cc) {
  if (!cc) return h('span', { class: 'muted', title: 'no geolocation' }, '—');
  const special = !isCountryCode(String(cc).toUpperCase());
  return h('span', { class: special ? 'cc cc-special' : 'cc', title: countryName(cc) },
    special ? String(cc).toLowerCase() : cc);
}

export function badge(text, kind = '') {
  return h('span', { class: `badge ${kind}`.trim() }, text);
}

export function severityBadge(sev) {
  return badge(sev || '—', `sev sev-${sev || 'none'}`);
}

/** A right-aligned number cell content with the exact value on hover. */
export function bytesEl(n) {
  return h('span', { title: `${formatCount(n)} bytes` }, formatBytes(n));
}

export function muted(text) {
  return h('span', { class: 'muted' }, text);
}

/** An empty-state sentence with an optional action link. */
export function emptyState(text, href = null, linkText = null) {
  return h('div', { class: 'empty-state' }, h('p', null, text),
    href ? h('a', { href, class: 'btn' }, linkText) : null);
}
