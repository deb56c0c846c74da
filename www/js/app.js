// app.js - the dashboard shell: navigation, the capture and time-range
// scope, the capture bar, the theme, and the router that mounts one page
// module at a time from the URL hash. While a capture runs, the current
// page refreshes every LIVE_MS (polling; each page updates in place).

import { h, $, $$ } from './dom.js';
import { apiGet, isAbort } from './api.js';
import { parseHash, resolveScope } from './state.js';
import { StatusBar } from './statusbar.js';
import { ScopeBar } from './scope.js';

const STATUS_MS = 1500;
const LIVE_MS = 2000;
const HEALTH_MS = 10000;
const CAPTURES_MS = 15000;

const PAGES = {
  dashboard: { title: 'Dashboard', load: () => import('./pages/dashboard.js') },
  packets: { title: 'Packets', load: () => import('./pages/packets.js') },
  flows: { title: 'Flows', load: () => import('./pages/flows.js') },
  flow: { title: 'Flow', nav: 'flows', load: () => import('./pages/flow.js') },
  analytics: { title: 'Analytics', load: () => import('./pages/analytics.js') },
  hosts: { title: 'Hosts', load: () => import('./pages/hosts.js') },
  host: { title: 'Host', nav: 'hosts', load: () => import('./pages/host.js') },
  upload: { title: 'Upload', load: () => import('./pages/upload.js') },
};

const app = {
  status: null, // last /api/capture-status answer
  captures: [], // newest first, for the selector
  liveId: null, // the running live capture, else the newest live one
  capturing: false,
};

let current = null; // {name, arg, instance}
let mountSeq = 0;

// --- theme ---------------------------------------------------------------------

const THEMES = ['auto', 'light', 'dark'];
function currentTheme() {
  return document.documentElement.getAttribute('data-theme') || 'auto';
}
function applyTheme(t) {
  if (t === 'auto') document.documentElement.removeAttribute('data-theme');
  else document.documentElement.setAttribute('data-theme', t);
  try {
    if (t === 'auto') localStorage.removeItem('ps-theme');
    else localStorage.setItem('ps-theme', t);
  } catch {
    /* storage disabled */
  }
  const btn = $('#theme-toggle');
  btn.textContent = { auto: '◐ Auto', light: '☀ Light', dark: '☾ Dark' }[t];
  btn.setAttribute('aria-label', `Colour theme: ${t} (change)`);
  window.dispatchEvent(new Event('themechange'));
}

// --- errors ----------------------------------------------------------------------

function showBanner(msg) {
  const b = $('#error-banner');
  b.hidden = !msg;
  b.textContent = msg || '';
}

// --- context for pages -----------------------------------------------------------

function context() {
  const { page, arg, params } = parseHash();
  const { scope, problem } = resolveScope(params, app.liveId);
  // Refresh on its own only when the view can change: a capture is running
  // and the view covers it (all captures, the live one, or that capture)
  // and the time range is open-ended.
  const runningIds = new Set((app.status && app.status.live_captures || []).map((c) => String(c.id)));
  const coversLive = !params.capture || params.capture === 'live' || runningIds.has(params.capture);
  const live = app.capturing && coversLive && !params.to;
  return { page, arg, params, scope, problem, live, app };
}

function pageName(page) {
  return PAGES[page] ? page : null;
}

async function route() {
  const ctx = context();
  const name = pageName(ctx.page);
  const spec = PAGES[name];
  for (const a of $$('#nav a')) {
    const on = a.dataset.page === (spec ? spec.nav || name : '');
    if (on) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  scopeBar.sync();
  const view = $('#view');
  if (!spec) {
    if (current) current.instance.destroy();
    current = null;
    view.replaceChildren(h('section', { class: 'panel' }, h('h1', null, 'Page not found'),
      h('p', null, `There is no page “${ctx.page}”. `, h('a', { href: '#/dashboard' }, 'Go to the dashboard'), '.')));
    document.title = 'Not found — PacketSight';
    return;
  }
  document.title = `${ctx.arg ? `${ctx.arg} — ` : ''}${spec.title} — PacketSight`;
  if (current && current.name === name && current.arg === ctx.arg) {
    current.instance.update(ctx);
    return;
  }
  const seq = ++mountSeq;
  if (current) current.instance.destroy();
  current = null;
  let mod;
  try {
    mod = await spec.load();
  } catch (err) {
    view.replaceChildren(h('p', { class: 'panel-status error', role: 'alert' }, `This page could not be loaded: ${err.message}`));
    return;
  }
  if (seq !== mountSeq) return;
  const root = h('div', { class: `page page-${name}` });
  view.replaceChildren(root);
  const instance = mod.default(root, ctx);
  current = { name, arg: ctx.arg, instance };
  view.dataset.page = name;
}

// --- polling -----------------------------------------------------------------------

let liveTimer = null;
let liveBusy = false;

async function liveTick() {
  clearTimeout(liveTimer);
  liveTimer = null;
  if (document.hidden) return;
  const ctx = context();
  if (current && ctx.live && !liveBusy && current.instance.refresh) {
    liveBusy = true;
    try {
      await current.instance.refresh(ctx);
    } catch (err) {
      if (!isAbort(err)) console.warn('live refresh', err);
    } finally {
      liveBusy = false;
    }
  }
  if (app.capturing) liveTimer = setTimeout(liveTick, LIVE_MS);
}

async function loadCaptures() {
  try {
    const r = await apiGet('/api/captures', { limit: 200, sort: 'id', order: 'desc' });
    app.captures = r.items || [];
    const live = app.captures.filter((c) => c.kind === 'live');
    const running = (app.status && app.status.live_captures) || [];
    app.liveId = running.length ? String(running[0].id) : (live.length ? String(live[0].id) : null);
    scopeBar.setCaptures(app.captures);
  } catch (err) {
    if (!isAbort(err)) showBanner(`Captures list: ${err.message}`);
  }
}

let statusTimer = null;
async function statusTick() {
  clearTimeout(statusTimer);
  await statusBar.poll();
  statusTimer = setTimeout(statusTick, document.hidden ? 10000 : STATUS_MS);
}

function onStatus(st) {
  const was = app.capturing;
  const prevLive = app.liveId;
  app.status = st;
  const running = st && Array.isArray(st.live_captures) ? st.live_captures : [];
  app.capturing = !!(st && (st.sensors || []).some((s) => s.capturing)) || running.length > 0;
  if (running.length) app.liveId = String(running[0].id);
  if (was !== app.capturing || (running.length && prevLive !== app.liveId)) {
    // a capture began or ended: the selector and the page should know.
    loadCaptures().then(() => {
      const ctx = context();
      if (current) current.instance.update(ctx);
    });
  }
  document.body.classList.toggle('is-live', app.capturing);
  window.dispatchEvent(new CustomEvent('ps-status'));
  if (app.capturing && !liveTimer) liveTimer = setTimeout(liveTick, LIVE_MS);
}

async function healthTick() {
  const pill = $('#status-pill');
  try {
    const hres = await fetch('/api/health', { cache: 'no-store', headers: { Accept: 'application/json' } });
    let body = null;
    try { body = await hres.json(); } catch { body = null; }
    if (body && body.status === 'ok') {
      pill.className = 'pill pill-ok';
      pill.textContent = 'healthy';
      pill.title = `database connected · schema ${body.schema_version}`;
      showBanner('');
    } else if (body && 'database' in body) {
      pill.className = 'pill pill-bad';
      pill.textContent = body.database ? 'degraded' : 'database down';
      pill.title = body.error || '';
      showBanner(`PacketSight is degraded: ${body.error || body.status}${body.detail ? ` — ${body.detail}` : ''}`);
    } else {
      pill.className = 'pill pill-bad';
      pill.textContent = 'API unreachable';
      showBanner(`The API does not answer (HTTP ${hres.status}). Is webapi running?`);
    }
  } catch {
    pill.className = 'pill pill-bad';
    pill.textContent = 'offline';
    showBanner('Cannot reach the PacketSight server.');
  }
  setTimeout(healthTick, HEALTH_MS);
}

// --- boot ------------------------------------------------------------------------------

const statusBar = new StatusBar($('#capture-bar'), { onChange: onStatus });
const scopeBar = new ScopeBar($('#scope-bar'));

$('#theme-toggle').addEventListener('click', () => {
  const t = THEMES[(THEMES.indexOf(currentTheme()) + 1) % THEMES.length];
  applyTheme(t);
});
applyTheme(currentTheme());

window.addEventListener('hashchange', () => route());
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) {
    statusTick();
    if (app.capturing) liveTick();
  }
});
// Keyboard: "/" focuses the first filter of the page.
document.addEventListener('keydown', (ev) => {
  if (ev.key === '/' && !ev.ctrlKey && !ev.metaKey && !/^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement.tagName)) {
    const f = $('#view form.filters input, #view form.filters select');
    if (f) {
      ev.preventDefault();
      f.focus();
    }
  }
});

(async () => {
  await Promise.all([statusTick(), loadCaptures()]);
  if (!window.location.hash) history.replaceState(null, '', '#/dashboard');
  await route();
  healthTick();
  setInterval(loadCaptures, CAPTURES_MS);
})();

