// app.js - the dashboard shell: navigation, the capture and time-range
// scope, the capture bar, the theme, and the router that mounts one page
// module at a time from the URL hash. While a capture runs, the current
// page refreshes every LIVE_MS (polling; each page updates in place).
// Nothing but /api/health is asked before someone is logged in: without a
// session the login form replaces the page (login.js), and any later 401
// brings it back. Pages and controls the role cannot use are not shown.

import { h, $, $$ } from './dom.js';
import { apiGet, isAbort, onAuthRequired } from './api.js';
import { can, currentSession, loadSession, logout, forgetSession } from './auth.js';
import { renderLogin } from './login.js';
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
  upload: { title: 'Upload', need: 'analyst', load: () => import('./pages/upload.js') },
  account: { title: 'Account', load: () => import('./pages/account.js') },
  admin: { title: 'Admin', need: 'admin', load: () => import('./pages/admin.js') },
};

// Nav links shown only to these roles and above.
const NAV_NEEDS = { upload: 'analyst', admin: 'admin' };

const app = {
  status: null, // last /api/capture-status answer
  captures: [], // newest first, for the selector
  liveId: null, // the running live capture, else the newest live one
  capturing: false,
};

let current = null; // {name, arg, instance}
let mountSeq = 0;
let loggedIn = false;
let loginView = null; // the login form while shown

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

function unmount() {
  mountSeq += 1;
  if (current) current.instance.destroy();
  current = null;
}

async function route() {
  if (!loggedIn) return; // the login form stays; the hash is the page wanted after login
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
  if (spec.need && !can(spec.need)) {
    unmount();
    const s = currentSession();
    view.dataset.page = name;
    view.replaceChildren(h('section', { class: 'panel', id: 'forbidden' }, h('h1', null, spec.title),
      h('p', { class: 'panel-status error', role: 'alert' },
        `Your role ${s ? s.role : '—'} cannot use this page: it needs ${spec.need} or above.`),
      h('p', null, 'An administrator can change your role. ', h('a', { href: '#/dashboard' }, 'Go to the dashboard'), '.')));
    return;
  }
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
  if (document.hidden || !loggedIn) return;
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
  if (!loggedIn) return;
  try {
    const r = await apiGet('/api/captures', { limit: 200, sort: 'id', order: 'desc' });
    app.captures = r.items || [];
    const live = app.captures.filter((c) => c.kind === 'live');
    const running = (app.status && app.status.live_captures) || [];
    app.liveId = running.length ? String(running[0].id) : (live.length ? String(live[0].id) : null);
    scopeBar.setCaptures(app.captures);
  } catch (err) {
    if (!isAbort(err) && loggedIn) showBanner(`Captures list: ${err.message}`);
  }
}

let statusTimer = null;
async function statusTick() {
  clearTimeout(statusTimer);
  statusTimer = null;
  if (!loggedIn) return;
  await statusBar.poll();
  if (loggedIn) statusTimer = setTimeout(statusTick, document.hidden ? 10000 : STATUS_MS);
}

function onStatus(st) {
  if (!loggedIn) return;
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

// --- session ---------------------------------------------------------------------------

let capturesTimer = null;

/** The header's account part and the nav entries follow the role. */
function showAccount() {
  const s = currentSession();
  $('#user-name').textContent = s ? s.user.name : '';
  $('#user-role').textContent = s ? s.role : '';
  $('#account-link').title = s ? `Logged in as ${s.user.name} (${s.role}) — account and password` : '';
  for (const a of $$('#nav a')) {
    const need = NAV_NEEDS[a.dataset.page];
    a.hidden = !!need && !can(need);
  }
}

/** After a login (or a session found at start): the app with the role's controls. */
async function startSession() {
  if (loginView) loginView.destroy();
  loginView = null;
  loggedIn = true;
  document.body.classList.remove('logged-out');
  showAccount();
  statusBar.setControls(can('operator'));
  if (!window.location.hash) history.replaceState(null, '', '#/dashboard');
  $('#view').replaceChildren(h('p', { class: 'muted boot-note' }, 'Loading PacketSight…'));
  await Promise.all([statusTick(), loadCaptures()]);
  await route();
  clearInterval(capturesTimer);
  capturesTimer = setInterval(loadCaptures, CAPTURES_MS);
}

/** Stops everything that asks the API and shows the login form. */
function showLogin(note = '') {
  loggedIn = false;
  forgetSession();
  unmount();
  clearTimeout(statusTimer);
  clearTimeout(liveTimer);
  clearInterval(capturesTimer);
  statusTimer = liveTimer = capturesTimer = null;
  app.status = null;
  app.capturing = false;
  document.body.classList.remove('is-live');
  document.body.classList.add('logged-out');
  statusBar.setControls(false);
  showAccount();
  showBanner('');
  document.title = 'Log in — PacketSight';
  const view = $('#view');
  view.dataset.page = 'login';
  if (loginView) loginView.destroy();
  loginView = renderLogin(view, { note, onLoggedIn: () => startSession() });
}

onAuthRequired(() => {
  if (loggedIn) showLogin('Your session has ended: log in again.');
});

$('#logout').addEventListener('click', async () => {
  const btn = $('#logout');
  btn.disabled = true;
  try {
    await logout();
  } catch (err) {
    if (!isAbort(err)) console.warn('logout', err);
  } finally {
    btn.disabled = false;
  }
  showLogin('You have logged out.');
});

(async () => {
  healthTick();
  if (!window.location.hash) history.replaceState(null, '', '#/dashboard');
  for (let attempt = 0; ; attempt++) {
    try {
      const s = await loadSession();
      if (s) await startSession();
      else showLogin();
      return;
    } catch (err) {
      // webapi down or restarting: say so and ask again.
      $('#view').replaceChildren(h('p', { class: 'panel-status error', role: 'alert' },
        `Cannot check the login: ${err.message} Retrying…`));
      await new Promise((res) => setTimeout(res, Math.min(10000, 1000 * (attempt + 1))));
    }
  }
})();

