// auth.test.mjs - logging in and what each role sees: the login form for
// anonymous visitors (a wrong password is refused with a message, the
// right one opens the page that was asked for), a viewer sees no capture
// controls, deletes, upload or exports, an operator sees Start/Stop, an
// admin creates a user and a token on the admin page and sees them listed,
// a user changes their own password, and logout returns to the login form
// with the API answering 401 afterwards.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, launch, guardedPage, api, account, cleanupAccounts, readCapture, apiFetch, shot, openRoute, waitList,
  horizontalOverflow, RUN_ID, PHONE,
} from './lib.mjs';

const PCAP = 'zeek__wikipedia.pcap';
let browser;
let cap;

before(async () => {
  cap = readCapture(PCAP);
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (cap) await apiFetch(`/api/captures/${cap}`, { method: 'DELETE' }).catch(() => {});
  await cleanupAccounts();
});

/** Chrome logs every 4xx fetch as a console error; tests that expect them drop those lines. */
function problemsBesidesExpected(g) {
  return g.problems().filter((p) => !/^console error: Failed to load resource: the server responded with a status of (401|403)/.test(p));
}

async function loginForm(page, name, password) {
  await page.fill('#login-name', name);
  await page.fill('#login-password', password);
  await page.click('#login-submit');
}

test('anonymous: the login form, a wrong password is refused, then the wanted page opens', async () => {
  const g = await guardedPage(browser, { as: null });
  const { page } = g;
  g.expectHttpError(/\/api\/(session|login)$/);
  const viewer = account('viewer');
  await page.goto(`${BASE}/#/flows?capture=${cap}`);
  await page.waitForSelector('#login-form');
  // nothing of the app is shown or asked for before login
  assert.equal(await page.isVisible('#nav'), false, 'nav hidden');
  assert.equal(await page.isVisible('#capture-bar'), false, 'capture bar hidden');
  assert.equal(await page.$('#flows-table'), null, 'no page behind the form');
  await loginForm(page, viewer.name, 'not-the-password');
  await page.waitForSelector('#login-error:not([hidden])');
  assert.match(await page.textContent('#login-error'), /Wrong user name or password/);
  assert.equal(await page.$eval('#login-password', (e) => e.value), '', 'the password field is emptied');
  await shot(page, 'login-refused-1440x900');
  // the right password opens the page that was asked for
  await loginForm(page, viewer.name, viewer.password);
  await waitList(page, 'flows-table');
  assert.match(page.url(), new RegExp(`#/flows\\?capture=${cap}`));
  assert.equal(await page.textContent('#user-name'), viewer.name);
  assert.equal(await page.textContent('#user-role'), 'viewer');
  assert.deepEqual(problemsBesidesExpected(g), []);
  await g.context.close();
});

test('viewer: no Start/Stop, no delete, no upload, no export buttons', async () => {
  const g = await guardedPage(browser, { as: 'viewer' });
  const { page } = g;
  await openRoute(page, `#/dashboard?capture=${cap}`);
  await page.waitForSelector('#stat-packets:not([data-value=""])');
  await page.waitForSelector('#top-talkers tbody tr td a');
  await page.waitForSelector('#capture-state');
  assert.equal(await page.$('#capture-start'), null, 'no Start');
  assert.equal(await page.$('#capture-stop'), null, 'no Stop');
  assert.equal(await page.$('#capture-interface'), null, 'no interface choice');
  assert.equal(await page.isVisible('#nav a[data-page="upload"]'), false, 'no Upload in the nav');
  assert.equal(await page.isVisible('#nav a[data-page="admin"]'), false, 'no Admin in the nav');
  assert.equal(await page.$$eval('.export', (l) => l.length), 0, 'no export buttons on the dashboard');
  await shot(page, 'viewer-dashboard-1440x900');
  for (const hash of [`#/flows?capture=${cap}`, `#/packets?capture=${cap}`, `#/hosts?capture=${cap}`]) {
    await openRoute(page, hash);
    await page.waitForSelector('.list-view table tbody tr');
    await page.waitForFunction(() => !document.querySelector('.list-view.loading'));
    assert.equal(await page.$$eval('.export', (l) => l.length), 0, `no export buttons on ${hash}`);
  }
  await openRoute(page, `#/analytics?capture=${cap}&tab=traffic`);
  await page.waitForSelector('#ports-table tbody tr');
  assert.equal(await page.$$eval('.export', (l) => l.length), 0, 'no export buttons on analytics');
  // typing the upload URL shows a refusal, not the upload form or delete buttons
  await openRoute(page, '#/upload');
  await page.waitForSelector('#forbidden');
  assert.match(await page.textContent('#forbidden'), /Your role viewer cannot use this page: it needs analyst/);
  assert.equal(await page.$('#upload-file'), null, 'no file input');
  assert.equal(await page.$$eval('[data-delete]', (l) => l.length), 0, 'no delete buttons');
  // the account page works for every role
  await page.click('#account-link');
  await page.waitForSelector('#password-form');
  assert.equal(await page.textContent('#account-name'), account('viewer').name);
  assert.deepEqual(g.problems(), []);
  await g.context.close();
});

test('operator: Start/Stop, capture deletes and exports are offered; no admin page', async () => {
  const g = await guardedPage(browser, { as: 'operator' });
  const { page } = g;
  await openRoute(page, `#/dashboard?capture=${cap}`);
  await page.waitForSelector('#capture-start', { state: 'attached' });
  await page.waitForSelector('#capture-stop', { state: 'attached' });
  assert.equal(await page.isVisible('#capture-start'), true, 'Start visible');
  assert.equal(await page.isVisible('#nav a[data-page="upload"]'), true, 'Upload in the nav');
  assert.equal(await page.isVisible('#nav a[data-page="admin"]'), false, 'no Admin in the nav');
  await openRoute(page, '#/upload');
  await waitList(page, 'captures-table');
  await page.waitForSelector(`#captures-table [data-delete="${cap}"]`);
  await openRoute(page, `#/flows?capture=${cap}`);
  await waitList(page, 'flows-table');
  await page.waitForSelector('.list-view .export[data-format="csv"]');
  await shot(page, 'operator-flows-1440x900');
  assert.deepEqual(g.problems(), []);
  await g.context.close();
});

test('admin: create a user and a token on the admin page; both are listed', async () => {
  const g = await guardedPage(browser, { as: 'admin' });
  const { page } = g;
  await openRoute(page, '#/dashboard');
  await page.click('#nav a[data-page="admin"]');
  await waitList(page, 'users-table');
  await waitList(page, 'audit-table');
  // a user with a generated password
  const name = `${RUN_ID}-made`;
  await page.fill('#user-new-name', name);
  await page.selectOption('#user-new-role', 'analyst');
  await page.click('#user-create-submit');
  await page.waitForSelector('#new-user-password');
  const generated = (await page.textContent('#new-user-password')).trim();
  assert.ok(generated.length >= 10, `a generated password is shown (${generated.length} characters)`);
  await page.waitForFunction((n) => Array.from(document.querySelectorAll('#users-table tbody tr'))
    .some((tr) => tr.textContent.includes(n)), name);
  const users = await api(`/api/users?q=${encodeURIComponent(name)}`);
  assert.equal(users.items.length, 1);
  assert.equal(users.items[0].role, 'analyst');
  // the generated password works
  const probe = await fetch(`${BASE}/api/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name, password: generated }),
  });
  assert.equal(probe.status, 200, 'login with the generated password');
  // the role select changes the role
  await page.selectOption(`#users-table select[data-user-role="${name}"]`, 'operator');
  await page.waitForSelector('#user-result .result-box.good');
  assert.equal((await api(`/api/users?q=${encodeURIComponent(name)}`)).items[0].role, 'operator');
  // a token, shown once with a copy button
  const tname = `${RUN_ID}-script`;
  await page.fill('#token-new-name', tname);
  await page.selectOption('#token-new-role', 'viewer');
  await page.fill('#token-new-days', '7');
  await page.click('#token-create-submit');
  await page.waitForSelector('#new-token');
  const tok = (await page.textContent('#new-token')).trim();
  assert.match(tok, /^pst_/);
  assert.ok(await page.isVisible('#token-result button[data-copy="new-token"]'), 'a copy button');
  await page.waitForFunction((n) => Array.from(document.querySelectorAll('#tokens-table tbody tr'))
    .some((tr) => tr.textContent.includes(n) && tr.textContent.includes('active')), tname);
  const works = await fetch(`${BASE}/api/stats`, { headers: { Authorization: `Bearer ${tok}` } });
  assert.equal(works.status, 200, 'the new token works');
  await shot(page, 'admin-1440x900');
  // revoke it from the list
  page.once('dialog', (d) => d.accept());
  await page.click(`#tokens-table button[data-revoke="${tname}"]`);
  await page.waitForFunction((n) => Array.from(document.querySelectorAll('#tokens-table tbody tr'))
    .some((tr) => tr.textContent.includes(n) && tr.textContent.includes('revoked')), tname);
  const refused = await fetch(`${BASE}/api/stats`, { headers: { Authorization: `Bearer ${tok}` } });
  assert.equal(refused.status, 401, 'a revoked token is refused');
  // the audit log lists the creation, newest first
  await page.reload();
  await waitList(page, 'audit-table');
  const actions = await page.$$eval('#audit-table tbody tr', (trs) => trs.map((tr) => tr.cells[4].textContent));
  assert.ok(actions.some((a) => /POST \/api\/tokens/.test(a)), `token creation audited: ${actions.slice(0, 8)}`);
  // at phone width the admin page does not overflow
  await page.setViewportSize(PHONE);
  assert.ok(await horizontalOverflow(page) <= 0, 'admin page overflows at 390 px');
  await shot(page, 'admin-390x844');
  assert.deepEqual(g.problems(), []);
  await g.context.close();
});

test('change password on the account page, then log out: login form, API answers 401', async () => {
  const g = await guardedPage(browser, { as: null });
  const { page } = g;
  g.expectHttpError(/\/api\/session$/);
  g.expectHttpError(/\/api\/flows\?limit=1$/);
  const user = account('analyst', '-pw');
  await page.goto(`${BASE}/#/account`);
  await page.waitForSelector('#login-form');
  await loginForm(page, user.name, user.password);
  await page.waitForSelector('#password-form');
  const fresh = `${user.password}-new`;
  await page.fill('#pw-current', user.password);
  await page.fill('#pw-new', fresh);
  await page.fill('#pw-confirm', fresh);
  await page.click('#pw-submit');
  await page.waitForSelector('#pw-message.good');
  await shot(page, 'account-1440x900');
  // log out
  await page.click('#logout');
  await page.waitForSelector('#login-form');
  assert.match(await page.textContent('#login'), /logged out/);
  assert.equal(await page.isVisible('#nav'), false, 'nav hidden after logout');
  const status = await page.evaluate(async () => (await fetch('/api/session', { headers: { Accept: 'application/json' } })).status);
  assert.equal(status, 401, 'the API answers 401 after logout');
  const listStatus = await page.evaluate(async () => (await fetch('/api/flows?limit=1')).status);
  assert.equal(listStatus, 401);
  // the new password logs in again
  await loginForm(page, user.name, fresh);
  await page.waitForSelector('#password-form');
  assert.equal(await page.textContent('#user-name'), user.name);
  assert.deepEqual(problemsBesidesExpected(g), []);
  await g.context.close();
});

test('a session ended elsewhere brings back the login form', async () => {
  const g = await guardedPage(browser, { as: 'viewer' });
  const { page } = g;
  g.expectHttpError(/\/api\//);
  await openRoute(page, `#/hosts?capture=${cap}`);
  await waitList(page, 'hosts-table');
  // end every session of the viewer from the outside: an admin resets the user
  const viewer = account('viewer');
  const u = (await api(`/api/users?q=${encodeURIComponent(viewer.name)}`)).items[0];
  const r = await apiFetch(`/api/users/${u.id}`, { method: 'PATCH', body: { password: viewer.password } });
  assert.equal(r.status, 200, 'password reset ends the sessions');
  // the next request (the capture bar polls every 1.5 s) answers 401
  await page.waitForSelector('#login-form', { timeout: 15000 });
  assert.match(await page.textContent('#login'), /session has ended/);
  await loginForm(page, viewer.name, viewer.password);
  await waitList(page, 'hosts-table');
  assert.deepEqual(problemsBesidesExpected(g).filter((p) => !/^HTTP error: 401/.test(p)), []);
  await g.context.close();
});
