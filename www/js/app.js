// app.js - the PacketSight dashboard shell: polls /api/stats and /api/health
// every REFRESH_MS and fills the cards. Values are written with textContent
// only; each stat element also carries the raw number in data-value.

import {
  formatBytes, formatCount, formatAge, formatTimestamp, captureFromSearch,
} from './format.js';

const REFRESH_MS = 5000;
const FETCH_TIMEOUT_MS = 4000;
/* A heartbeat older than this marks the daemon as stale. */
const HEARTBEAT_STALE_S = 60;

const $ = (id) => document.getElementById(id);
const capture = captureFromSearch(window.location.search);

async function fetchJson(url) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), FETCH_TIMEOUT_MS);
  try {
    const res = await fetch(url, {
      cache: 'no-store',
      headers: { Accept: 'application/json' },
      signal: ctl.signal,
    });
    let body = null;
    try {
      body = await res.json();
    } catch {
      body = null; // nginx error pages are HTML
    }
    return { ok: res.ok, status: res.status, body };
  } finally {
    clearTimeout(timer);
  }
}

function setStat(id, raw, text) {
  const el = $(id);
  el.dataset.value = raw === null || raw === undefined ? '' : String(raw);
  el.textContent = text;
}

function renderStats(stats) {
  setStat('stat-packets', stats.packets, formatCount(stats.packets));
  setStat('stat-bytes', stats.bytes, formatBytes(stats.bytes));
  $('stat-bytes').title = `${formatCount(stats.bytes)} bytes`;
  setStat('stat-flows', stats.flows, formatCount(stats.flows));
  setStat('stat-hosts', stats.hosts, formatCount(stats.hosts));
  setStat('stat-captures', stats.captures, formatCount(stats.captures));
  $('stat-span').textContent = stats.first_ts
    ? `${formatTimestamp(stats.first_ts)} – ${formatTimestamp(stats.last_ts)} UTC`
    : '—';
}

function renderSensors(sensors) {
  const body = $('health-sensors');
  const rows = sensors.map((s) => {
    const tr = document.createElement('tr');
    for (const text of [s.name, formatTimestamp(s.last_seen), formatAge(s.age_s)]) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    if (typeof s.age_s === 'number' && s.age_s > HEARTBEAT_STALE_S) tr.classList.add('stale');
    return tr;
  });
  if (rows.length === 0) {
    const tr = document.createElement('tr');
    const td = document.createElement('td');
    td.colSpan = 3;
    td.className = 'muted';
    td.textContent = 'no sensor has reported yet';
    tr.append(td);
    rows.push(tr);
  }
  body.replaceChildren(...rows);
}

function renderHealth(h) {
  const db = $('health-database');
  db.dataset.value = String(h.database);
  db.textContent = h.database ? 'connected' : 'unavailable';
  db.className = h.database ? 'good' : 'bad';

  const schema = $('health-schema');
  schema.dataset.value = h.schema_version === null ? '' : String(h.schema_version);
  schema.textContent = h.schema_version === null
    ? `unknown (expected ${h.expected_schema_version})`
    : `${h.schema_version} (expected ${h.expected_schema_version})`;
  schema.className = h.schema_version === h.expected_schema_version ? 'good' : 'bad';

  const hb = $('health-heartbeat');
  const age = h.daemon_heartbeat_age_s;
  hb.dataset.value = age === null ? '' : String(age);
  if (!h.database) hb.textContent = 'unknown';
  else hb.textContent = age === null ? 'no sensor' : `${formatAge(age)} ago`;
  hb.className = age === null || age > HEARTBEAT_STALE_S ? 'warn' : 'good';

  renderSensors(Array.isArray(h.sensors) ? h.sensors : []);
}

function setStatus(kind, text) {
  const pill = $('status-pill');
  pill.className = `pill pill-${kind}`;
  pill.textContent = text;
}

function showError(message) {
  const banner = $('error-banner');
  banner.hidden = !message;
  banner.textContent = message || '';
}

async function refresh() {
  const statsUrl = capture ? `/api/stats?capture=${encodeURIComponent(capture)}` : '/api/stats';
  const [stats, health] = await Promise.allSettled([fetchJson(statsUrl), fetchJson('/api/health')]);
  const problems = [];

  if (stats.status === 'fulfilled' && stats.value.ok && stats.value.body) {
    renderStats(stats.value.body);
  } else {
    const v = stats.status === 'fulfilled' ? stats.value : null;
    problems.push(`stats: ${v ? (v.body && v.body.error) || `HTTP ${v.status}` : 'no answer'}`);
  }

  if (health.status === 'fulfilled' && health.value.body && 'database' in health.value.body) {
    const h = health.value.body;
    renderHealth(h);
    if (h.status === 'ok') setStatus('ok', 'healthy');
    else setStatus('bad', h.database ? 'degraded' : 'database down');
    if (h.error) problems.push(`health: ${h.error}`);
  } else {
    setStatus('bad', 'API unreachable');
    problems.push('health: no answer from the API');
  }

  showError(problems.join(' · '));
  $('updated-at').textContent = new Date().toLocaleTimeString();
}

let timer = null;
let running = false;

async function tick() {
  clearTimeout(timer);
  if (running) return; // the running refresh reschedules itself
  running = true;
  try {
    await refresh();
  } finally {
    running = false;
    // Schedule after completion so slow answers never pile up; pause while hidden.
    if (!document.hidden) timer = setTimeout(tick, REFRESH_MS);
  }
}

document.addEventListener('visibilitychange', () => {
  if (!document.hidden) tick();
  else clearTimeout(timer);
});

if (capture) $('totals-scope').textContent = `capture ${capture}`;
tick();
