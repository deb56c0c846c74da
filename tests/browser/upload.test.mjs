// upload.test.mjs - the upload flow end to end in the browser: pick a
// shared capture file, see the validation result, upload it with a progress
// bar, follow the analysis job until the daemon's worker is done, follow the
// link to the resulting capture and see its numbers and flows. Also: a file
// that is not a capture is refused before any upload.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  SHARED, launch, guardedPage, api, apiFetch, cleanupAccounts, shot, openRoute, waitList, firstCells, artifactDir, PHONE,
} from './lib.mjs';

const PCAP = 'ndpi__1kxun.pcap';
let browser;
let capId = null;

before(async () => { browser = await launch(); });
after(async () => {
  if (browser) await browser.close();
  if (capId) await apiFetch(`/api/captures/${capId}`, { method: 'DELETE' }).catch(() => {});
  await cleanupAccounts();
});

test(`upload ${PCAP}: validate, upload progress, job done, link to the capture`, { timeout: 240000 }, async () => {
  const g = await guardedPage(browser);
  const { page } = g;
  await openRoute(page, '#/upload');
  await page.setInputFiles('#upload-file', join(SHARED, 'pcaps', PCAP));
  await page.waitForSelector('#validation-ok', { timeout: 20000 });
  const v = await page.textContent('#validation-ok');
  assert.match(v, /Valid pcap file/);
  assert.match(v, /EN10MB/);
  assert.equal(await page.$eval('#upload-start', (b) => b.disabled), false, 'upload enabled after validation');
  await shot(page, 'upload-validated-1440x900');
  await page.click('#upload-start');
  await page.waitForFunction(() => /[?&]job=\d+/.test(location.hash), null, { timeout: 60000 });
  const jobId = Number(/job=(\d+)/.exec(page.url())[1]);
  // the upload bar reaches 100 %
  await page.waitForFunction(() => document.querySelector('#upload-progress [role=progressbar]').getAttribute('aria-valuenow') === '100');
  // the job is followed until done (the daemon's job workers analyse it)
  await page.waitForSelector('#job-done, #job-failed', { timeout: 180000 });
  assert.equal(await page.$('#job-failed'), null, `job failed: ${await page.textContent('#upload-result')}`);
  assert.equal(await page.$eval('#job-progress [role=progressbar]', (e) => e.getAttribute('aria-valuenow')), '100');
  const job = await api(`/api/jobs/${jobId}`);
  assert.equal(job.state, 'done');
  capId = job.capture_id;
  assert.ok(capId, 'the job names its capture');
  await shot(page, 'upload-done-1440x900');
  // the jobs table lists it as done
  await page.waitForFunction((id) => Array.from(document.querySelectorAll('#jobs-table tbody tr'))
    .some((tr) => tr.cells[0].textContent.trim() === `#${id}` && tr.textContent.includes('done')), jobId);
  // the link leads to the capture's dashboard with its numbers
  await page.click('#job-capture-link');
  await page.waitForFunction((id) => location.hash.startsWith('#/dashboard') && location.hash.includes(`capture=${id}`), capId);
  await page.waitForSelector('#stat-packets:not([data-value=""])');
  const stats = await api(`/api/stats?capture=${capId}`);
  assert.equal(await page.$eval('#stat-packets', (e) => Number(e.dataset.value)), stats.packets);
  assert.equal(stats.packets, 1723, `${PCAP} holds 1723 packets`);
  // and its flows
  await openRoute(page, `#/flows?capture=${capId}`);
  await waitList(page, 'flows-table');
  const flows = await api(`/api/flows?capture=${capId}&limit=100`);
  assert.deepEqual(await firstCells(page, 'flows-table'), flows.items.map((f) => f.uid));
  assert.deepEqual(g.problems(), []);
  await g.context.close();
});

test('a file that is not a capture is refused before upload', async () => {
  const g = await guardedPage(browser, { viewport: PHONE });
  g.expectHttpError(/\/api\/validate-pcap/);
  const { page } = g;
  const bogus = join(artifactDir(), 'not-a-capture.pcap');
  writeFileSync(bogus, 'this is a text file, not a pcap\n'.repeat(10));
  await openRoute(page, '#/upload');
  await page.setInputFiles('#upload-file', bogus);
  await page.waitForSelector('#validation-error', { timeout: 20000 });
  assert.match(await page.textContent('#validation-error'), /Not a capture/);
  assert.equal(await page.$eval('#upload-start', (b) => b.disabled), true, 'upload stays disabled');
  await shot(page, 'upload-refused-390x844');
  assert.deepEqual(g.problems().filter((p) => !/Failed to load resource/.test(p)), []);
  await g.context.close();
});
