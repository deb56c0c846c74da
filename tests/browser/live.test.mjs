// live.test.mjs - start and stop a capture from the capture bar on the
// loopback interface while the test makes HTTP traffic to the stack: the
// live numbers in the bar rise, and the dashboard scoped to the live
// capture updates on its own (no reload), then Stop ends the capture.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, launch, guardedPage, api, apiFetch, cleanupAccounts, shot, openRoute,
} from './lib.mjs';

let browser;
let liveCapture = null;
const port = new URL(BASE).port || '80';

before(async () => { browser = await launch(); });
after(async () => {
  // Never leave a capture running, whatever happened.
  await apiFetch('/api/stop-capture', { method: 'POST', body: { interface: 'lo' } }).catch(() => {});
  if (browser) await browser.close();
  if (liveCapture) {
    // the capture row is finished a moment after the stop
    for (let i = 0; i < 20; i++) {
      const r = await apiFetch(`/api/captures/${liveCapture}`, { method: 'DELETE' }).catch(() => null);
      if (!r || r.status !== 409) break;
      await new Promise((res) => setTimeout(res, 500));
    }
  }
  await cleanupAccounts();
});

/** Makes loopback traffic for ms milliseconds (bounded, local only). */
async function traffic(ms) {
  const until = Date.now() + ms;
  let n = 0;
  while (Date.now() < until && n < 2000) {
    await fetch(`${BASE}/api/health`).then((r) => r.arrayBuffer()).catch(() => {});
    n += 1;
    await new Promise((res) => setTimeout(res, 20));
  }
  return n;
}

test('start on lo from the capture bar, live numbers rise, stop', { timeout: 120000 }, async () => {
  const st = await api('/api/capture-status');
  const sensor = (st.sensors || [])[0];
  assert.ok(sensor, 'a sensor is running (captured daemon)');
  assert.ok(sensor.heartbeat_age_s < 60, `the sensor heartbeat is fresh (${sensor.heartbeat_age_s} s)`);
  if (sensor.capturing) {
    // someone else's capture: stop it so the bar starts from idle
    await apiFetch('/api/stop-capture', { method: 'POST', body: {} });
    for (let i = 0; i < 40 && (await api('/api/capture-status')).sensors[0].capturing; i++) await new Promise((r) => setTimeout(r, 250));
  }
  const g = await guardedPage(browser);
  const { page } = g;
  await openRoute(page, '#/dashboard?capture=live');
  await page.waitForSelector('#capture-interface option[value="lo"]', { state: 'attached' });
  await page.selectOption('#capture-interface', 'lo');
  await page.fill('#capture-filter', `tcp port ${port}`);
  await page.click('#capture-start');
  await page.waitForFunction(() => /Capture started/.test(document.querySelector('#capture-message').textContent)
    || /refused|failed/i.test(document.querySelector('#capture-message').textContent), null, { timeout: 30000 });
  const msg = await page.textContent('#capture-message');
  assert.match(msg, /Capture started on lo/, msg);
  liveCapture = Number((/capture #(\d+)/.exec(msg) || [])[1]) || null;
  await page.waitForSelector('#capture-bar.capturing', { timeout: 15000 });
  await page.waitForSelector('#live-packets', { state: 'visible' });
  const first = await page.$eval('#live-packets', (e) => Number(e.dataset.value || 0));
  const traf = traffic(9000);
  // the bar's live numbers rise
  await page.waitForFunction((n) => Number(document.querySelector('#live-packets').dataset.value || 0) > n, first, { timeout: 30000 });
  // the dashboard scoped to the live capture refreshes itself
  await page.waitForSelector('#stat-packets:not([data-value=""])', { timeout: 15000 });
  const dash1 = await page.$eval('#stat-packets', (e) => Number(e.dataset.value));
  await page.waitForFunction((n) => Number(document.querySelector('#stat-packets').dataset.value) > n, dash1, { timeout: 30000 });
  const scroll = await page.evaluate(() => { window.scrollTo(0, 300); return window.scrollY; });
  await traf;
  await page.waitForTimeout(2500);
  assert.equal(await page.evaluate(() => window.scrollY), scroll, 'live refresh keeps the scroll position');
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, 'live-capturing-1440x900');
  const rate = await page.textContent('#live-pps');
  assert.match(rate, /pps/, `a packet rate is shown (${rate})`);
  // stop
  await page.click('#capture-stop');
  await page.waitForFunction(() => /Capture stopped/.test(document.querySelector('#capture-message').textContent), null, { timeout: 30000 });
  await page.waitForSelector('#capture-bar:not(.capturing)', { timeout: 15000 });
  assert.match(await page.textContent('#capture-state'), /idle/);
  assert.deepEqual(g.problems(), []);
  await g.context.close();
});
