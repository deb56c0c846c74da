// lib.mjs - shared helpers of the browser tests: Debian's Chromium driven
// by playwright-core against the real stack (deploy/local.sh) through nginx.
//
// Every page gets guards that the tests assert on at the end:
//   - console errors and uncaught page errors,
//   - failed requests and HTTP >= 400 answers (unless a test expects them),
//   - any request to an origin other than the stack's: it is aborted and
//     recorded (the dashboard must work offline, no CDN).
// Screenshots go to PS_ARTIFACTS (default: a new temp dir, printed).
//
// Accounts: every API route but /api/health and /api/login needs
// credentials. Each test process makes its own users, one per role, named
// bt<pid><time>-<role> with known passwords (webapi --set-user), and one
// admin API token for the tests' own requests (api(), apiFetch()).
// guardedPage() logs its browser context in (operator unless told);
// cleanupAccounts() deletes the users and revokes the token at the end.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO = process.env.PS_REPO || resolve(HERE, '..', '..');
export const SHARED = process.env.PS_SHARED || resolve(REPO, '..', 'shared');
export const BIN = process.env.PS_BIN || join(REPO, 'build', 'bin');
export const BASE = (process.env.PS_BASE_URL || '').replace(/\/$/, '');
export const CHROMIUM = process.env.PS_CHROMIUM || '/usr/bin/chromium';

export const DESKTOP = { width: 1440, height: 900 };
export const PHONE = { width: 390, height: 844 };
export const NARROW = { width: 375, height: 812 };
export const WIDE = { width: 1920, height: 1080 };

// --- accounts ------------------------------------------------------------------

/** Unique per test process, so runs side by side and reruns never collide. */
export const RUN_ID = `bt${process.pid}${Date.now().toString(36).slice(-4)}`;
const accounts = new Map(); // role -> {name, password}
let bearer = null;

/** Runs `webapi --db $PACKETSIGHT_WEB_DB ARGS`, stdin from input; returns stdout. */
export function webapiCli(args, input = '') {
  const db = process.env.PACKETSIGHT_WEB_DB;
  if (!db) throw new Error('PACKETSIGHT_WEB_DB is unset (eval "$(deploy/local.sh env)")');
  return execFileSync(join(BIN, 'webapi'), ['--db', db, ...args], {
    input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'],
  }).trim();
}

/** Creates (once per process) or resets a user with a known password: {name, password, role}. */
export function account(role, suffix = '') {
  const key = `${role}${suffix}`;
  if (!accounts.has(key)) {
    const name = `${RUN_ID}-${key}`;
    const password = `pw-${randomBytes(12).toString('hex')}`;
    webapiCli(['--set-user', name, '--role', role, '--password-stdin'], `${password}\n`);
    accounts.set(key, { name, password, role });
  }
  return accounts.get(key);
}

function token() {
  if (!bearer) bearer = webapiCli(['--create-token', `${RUN_ID}-tests`, '--role', 'admin', '--expires-days', '1']);
  if (!/^pst_/.test(bearer)) throw new Error(`webapi --create-token printed ${JSON.stringify(bearer)}`);
  return bearer;
}

/** fetch() of the API with the tests' admin token (no cookie, so no CSRF token needed). */
export function apiFetch(path, { method = 'GET', body, headers = {} } = {}) {
  const h = { Accept: 'application/json', Authorization: `Bearer ${token()}`, ...headers };
  if (body !== undefined && typeof body !== 'string') {
    h['Content-Type'] = 'application/json';
    body = JSON.stringify(body);
  }
  return fetch(`${BASE}${path}`, { method, body, headers: h });
}

/** Logs a browser context in as role (its cookie jar gets the session); returns the login answer. */
export async function loginContext(context, role) {
  const a = account(role);
  let res;
  // webapi may be restarting (nginx answers 502 for a few seconds): wait for it.
  for (let i = 0; i < 20; i++) {
    res = await context.request.post(`${BASE}/api/login`, { data: { name: a.name, password: a.password } });
    if (![502, 503, 504].includes(res.status())) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  if (res.status() !== 200) throw new Error(`login as ${a.name}: HTTP ${res.status()} ${await res.text()}`);
  return res.json();
}

/** Deletes this process's users and revokes its token (call in after()). */
export async function cleanupAccounts() {
  if (!bearer && accounts.size === 0) return; // apiFetch makes the token when only users exist
  try {
    const r = await apiFetch(`/api/users?q=${encodeURIComponent(RUN_ID)}&limit=200`);
    const list = r.ok ? (await r.json()).items : [];
    for (const u of list) if (u.name.startsWith(`${RUN_ID}-`)) await apiFetch(`/api/users/${u.id}`, { method: 'DELETE' });
    const t = await apiFetch(`/api/tokens?q=${encodeURIComponent(RUN_ID)}&state=active&limit=200`);
    const mine = t.ok ? (await t.json()).items.filter((x) => x.name.startsWith(RUN_ID)) : [];
    // our own token last: the requests above need it
    mine.sort((a, b) => (a.name === `${RUN_ID}-tests`) - (b.name === `${RUN_ID}-tests`));
    for (const x of mine) await apiFetch(`/api/tokens/${x.id}`, { method: 'DELETE' });
  } finally {
    bearer = null;
    accounts.clear();
  }
}

let artifacts = process.env.PS_ARTIFACTS || null;
export function artifactDir() {
  if (!artifacts) artifacts = mkdtempSync(join(tmpdir(), 'packetsight-browser-'));
  mkdirSync(artifacts, { recursive: true });
  return artifacts;
}

export async function launch() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (deploy/install-deps.sh)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage'],
  });
}

/**
 * A new page with the guards installed. opts: {viewport, colorScheme, as}:
 * as is the role to log in with (default operator), null for nobody.
 * Returns {page, context, problems(), expectHttpError(regex)}.
 */
export async function guardedPage(browser, { viewport = DESKTOP, colorScheme = 'light', as = 'operator' } = {}) {
  const context = await browser.newContext({ viewport, colorScheme, acceptDownloads: true });
  if (as) await loginContext(context, as);
  const page = await context.newPage();
  const base = new URL(BASE);
  const issues = { console: [], pageErrors: [], failed: [], http: [], foreign: [] };
  const allowedHttp = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    const local = url.origin === base.origin || url.protocol === 'data:' || url.protocol === 'blob:';
    if (!local) {
      issues.foreign.push(route.request().url());
      return route.abort('blockedbyclient');
    }
    return route.continue();
  });
  page.on('console', (m) => { if (m.type() === 'error') issues.console.push(m.text()); });
  page.on('pageerror', (e) => issues.pageErrors.push(String(e && e.message)));
  page.on('requestfailed', (r) => {
    const why = r.failure() ? r.failure().errorText : '?';
    // Navigations away and superseded fetches are aborted on purpose.
    if (/ERR_ABORTED|NS_BINDING_ABORTED/.test(why)) return;
    issues.failed.push(`${r.method()} ${r.url()}: ${why}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !allowedHttp.some((re) => re.test(r.url()))) issues.http.push(`${r.status()} ${r.request().method()} ${r.url()}`);
  });
  return {
    page,
    context,
    issues,
    expectHttpError(re) { allowedHttp.push(re); },
    /** Everything that went wrong so far, as lines (empty when clean). */
    problems() {
      return [
        ...issues.console.map((t) => `console error: ${t}`),
        ...issues.pageErrors.map((t) => `page error: ${t}`),
        ...issues.failed.map((t) => `failed request: ${t}`),
        ...issues.http.map((t) => `HTTP error: ${t}`),
        ...issues.foreign.map((t) => `request to another origin: ${t}`),
      ];
    },
  };
}

/** GET a JSON document from the API (through nginx) with the tests' token. */
export async function api(path) {
  let res;
  for (let i = 0; i < 20; i++) { // a webapi restart answers 502 for a few seconds
    res = await apiFetch(path);
    if (![502, 503, 504].includes(res.status)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

/** One value from SQL as the read-only analyst (psql), or null without a connection. */
export function sql(query) {
  const conn = process.env.PACKETSIGHT_ANALYST_DB || process.env.PACKETSIGHT_DB;
  if (!conn) return null;
  return execFileSync('psql', ['-XAtq', '-d', conn, '-c', query], { encoding: 'utf8' }).trim();
}

/** Loads a shared capture with `captured --read`; returns its capture id. */
export function readCapture(name) {
  const file = join(SHARED, 'pcaps', name);
  const out = execFileSync(join(BIN, 'captured'), ['--read', file], {
    encoding: 'utf8', env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const m = /capture_id=(\d+)/.exec(out);
  if (!m) throw new Error(`captured --read ${file}: no capture_id in ${JSON.stringify(out)}`);
  return Number(m[1]);
}

/** Full-page screenshot into the artifact dir; returns the path. */
export async function shot(page, name) {
  const file = join(artifactDir(), `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Opens a dashboard route ("#/flows?capture=3") and waits for the app to settle. */
export async function openRoute(page, hash, { settle = 'networkidle' } = {}) {
  await page.goto(`${BASE}/${hash}`);
  await page.waitForLoadState(settle).catch(() => {});
  await page.waitForFunction(() => !document.querySelector('#view .boot-note'), null, { timeout: 15000 });
}

/** document width beyond the viewport (0 when nothing overflows). */
export function horizontalOverflow(page) {
  return page.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth);
}

/** Waits until the list's loading class is gone and the table has rows. */
export async function waitList(page, tableId) {
  await page.waitForSelector(`#${tableId} tbody tr`, { timeout: 15000 });
  await page.waitForFunction(() => !document.querySelector('.list-view.loading'), null, { timeout: 15000 });
}

/** The text of the first cell of each body row. */
export function firstCells(page, tableId, col = 0) {
  return page.$$eval(`#${tableId} tbody tr:not(.empty-row)`, (trs, c) => trs.map((tr) => tr.cells[c].textContent.trim()), col);
}
