// pages.test.mjs - every page of the dashboard against a capture loaded
// from the shared corpus with `captured --read`: the numbers shown equal the
// API's and the database's, filters and paging change the tables and the
// URL reproduces the view, export links return CSV/JSON, the packet detail
// shows the layers, no console errors, no failed requests, nothing fetched
// from another origin, no horizontal overflow on a phone. Screenshots of
// every page at 1440x900 and 390x844 (and 375/1920 for the dashboard).
// The browser is logged in as an operator (lib.mjs guardedPage).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, launch, guardedPage, api, apiFetch, cleanupAccounts, sql, readCapture, shot, openRoute, horizontalOverflow, waitList, firstCells,
  DESKTOP, PHONE, NARROW, WIDE, artifactDir,
} from './lib.mjs';

const PCAP = 'zeek__wikipedia.pcap';
let browser;
let cap;
let stats;

before(async () => {
  cap = readCapture(PCAP);
  stats = await api(`/api/stats?capture=${cap}`);
  browser = await launch();
  console.log(`# capture ${cap} (${PCAP}): ${stats.packets} packets, ${stats.flows} flows; screenshots in ${artifactDir()}`);
});

after(async () => {
  if (browser) await browser.close();
  // Leave the database as we found it.
  if (cap) await apiFetch(`/api/captures/${cap}`, { method: 'DELETE' }).catch(() => {});
  await cleanupAccounts();
});

function assertClean(g, what) {
  assert.deepEqual(g.problems(), [], `${what}: problems`);
}

test('dashboard totals equal /api/stats and the captures table', async () => {
  const g = await guardedPage(browser);
  const { page } = g;
  await openRoute(page, `#/dashboard?capture=${cap}`);
  await page.waitForFunction(() => document.querySelector('#stat-packets').dataset.value !== '');
  const shown = await page.$eval('#stat-packets', (e) => Number(e.dataset.value));
  assert.equal(shown, stats.packets, 'packets card vs /api/stats');
  const dbPackets = sql(`SELECT packets FROM captures WHERE id = ${cap}`);
  if (dbPackets !== null) assert.equal(shown, Number(dbPackets), 'packets card vs SQL');
  assert.equal(await page.$eval('#stat-flows', (e) => Number(e.dataset.value)), stats.flows, 'flows card');
  assert.equal(await page.$eval('#stat-hosts', (e) => Number(e.dataset.value)), stats.hosts, 'hosts card');
  assert.equal(await page.$eval('#stat-bytes', (e) => Number(e.dataset.value)), stats.bytes, 'bytes card');
  // the text is for people: "136", "25.3 kB"
  assert.match(await page.$eval('#stat-bytes', (e) => e.textContent), /^\d+(\.\d)? (B|kB|MB|GB)$/);
  // top talkers: the first row is the API's first talker
  const tt = await api(`/api/top-talkers?capture=${cap}&limit=10`);
  await page.waitForSelector('#top-talkers tbody tr td a');
  assert.equal((await firstCells(page, 'top-talkers'))[0], tt.talkers[0].host, 'top talker');
  // the timeline drew a chart
  await page.waitForSelector('.timeline .uplot canvas');
  // times in the browser's zone, UTC on hover
  const title = await page.$eval('#stat-span time', (e) => e.getAttribute('title'));
  assert.match(title, /UTC$/);
  assert.equal(await page.$eval('#nav a[aria-current="page"]', (e) => e.dataset.page), 'dashboard');
  await shot(page, 'dashboard-1440x900');
  assertClean(g, 'dashboard');
  await g.context.close();
});

test('dashboard zoom: a time range in the URL changes the totals to that range', async () => {
  const g = await guardedPage(browser);
  const { page } = g;
  const from = new Date(Date.parse(stats.first_ts)).toISOString();
  const to = new Date(Date.parse(stats.first_ts) + 2000).toISOString();
  await openRoute(page, `#/dashboard?capture=${cap}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
  await page.waitForFunction(() => document.querySelector('#stat-packets').dataset.value !== '');
  const tl = await api(`/api/traffic-timeline?capture=${cap}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
  const want = tl.points.reduce((s, p) => s + p.packets, 0);
  assert.equal(await page.$eval('#stat-packets', (e) => Number(e.dataset.value)), want, 'packets in range');
  assert.ok(want < stats.packets, 'the range holds fewer packets than the whole capture');
  // the picker shows the custom range; Reset returns to all time
  assert.equal(await page.$eval('#scope-range', (e) => e.value), 'custom');
  await page.click('#timeline-reset');
  await page.waitForFunction(() => !location.hash.includes('from='));
  await page.waitForFunction((n) => document.querySelector('#stat-packets').dataset.value === String(n), stats.packets);
  assertClean(g, 'dashboard zoom');
  await g.context.close();
});

test('flows: filter, sort and URL reproduce the view; export returns CSV', async () => {
  const g = await guardedPage(browser);
  const { page } = g;
  await openRoute(page, `#/flows?capture=${cap}`);
  await waitList(page, 'flows-table');
  const all = await api(`/api/flows?capture=${cap}&limit=100`);
  assert.equal((await firstCells(page, 'flows-table')).length, all.items.length, 'rows shown');
  // filter: transport udp
  await page.selectOption('#f-transport', 'udp');
  await page.waitForFunction(() => location.hash.includes('transport=udp'));
  await waitList(page, 'flows-table');
  const udp = await api(`/api/flows?capture=${cap}&transport=udp&limit=100`);
  const protos = await firstCells(page, 'flows-table', 4);
  assert.equal(protos.length, udp.items.length, 'udp rows');
  assert.ok(protos.length > 0 && protos.length < all.items.length, 'the filter changed the table');
  assert.ok(protos.every((p) => p === 'udp'), 'every row is udp');
  // sort by bytes via the header
  await page.click('#flows-table th button[data-sort="bytes"]');
  await page.waitForFunction(() => location.hash.includes('sort=bytes'));
  await waitList(page, 'flows-table');
  const sorted = await api(`/api/flows?capture=${cap}&transport=udp&sort=bytes&order=desc&limit=100`);
  assert.equal((await firstCells(page, 'flows-table'))[0], sorted.items[0].uid, 'largest flow first');
  // the URL reproduces the view in a fresh page
  const url = page.url();
  const g2 = await guardedPage(browser);
  await g2.page.goto(url);
  await waitList(g2.page, 'flows-table');
  assert.deepEqual(await firstCells(g2.page, 'flows-table'), sorted.items.map((f) => f.uid), 'bookmark reproduces the rows');
  assert.equal(await g2.page.$eval('#f-transport', (e) => e.value), 'udp');
  assertClean(g2, 'flows bookmark');
  await g2.context.close();
  // export: the CSV link is the whole filtered result
  const href = await page.$eval('.list-view .export[data-format="csv"]', (a) => a.getAttribute('href'));
  assert.match(href, /^\/api\/flows\?/);
  assert.match(href, /transport=udp/);
  assert.match(href, /format=csv/);
  const res = await apiFetch(href);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/csv/);
  const lines = (await res.text()).trim().split(/\r?\n/);
  assert.match(lines[0], /^capture_id,ts,uid,/);
  assert.equal(lines.length - 1, udp.items.length, 'CSV rows');
  const jhref = await page.$eval('.list-view .export[data-format="json"]', (a) => a.getAttribute('href'));
  const jres = await apiFetch(jhref);
  assert.equal((await jres.json()).length, udp.items.length, 'JSON export rows');
  // a flow row leads to its detail page with its packets
  await page.click('#flows-table tbody tr:first-child td:first-child a');
  await page.waitForSelector('#flow-packets tbody tr');
  await shot(page, 'flow-detail-1440x900');
  assertClean(g, 'flows');
  await g.context.close();
});

test('packets: keyset paging, filters, detail pane with layers', async () => {
  const g = await guardedPage(browser);
  const { page } = g;
  await openRoute(page, `#/packets?capture=${cap}`);
  await waitList(page, 'packets-table');
  const p1 = await api(`/api/packets?capture=${cap}&limit=100`);
  assert.ok(p1.next_cursor, `capture ${cap} has more than one page of packets`);
  const p2 = await api(`/api/packets?capture=${cap}&limit=100&cursor=${encodeURIComponent(p1.next_cursor)}`);
  assert.deepEqual(await firstCells(page, 'packets-table'), p1.items.map((p) => String(p.frame)), 'page 1');
  await page.click('button[data-page="next"]');
  await page.waitForFunction(() => location.hash.includes('cursor='));
  await page.waitForFunction((f) => document.querySelector('#packets-table tbody tr td')?.textContent.trim() === f, String(p2.items[0].frame));
  assert.deepEqual(await firstCells(page, 'packets-table'), p2.items.map((p) => String(p.frame)), 'page 2');
  await page.click('button[data-page="prev"]');
  await page.waitForFunction((f) => document.querySelector('#packets-table tbody tr td')?.textContent.trim() === f, String(p1.items[0].frame));
  // filter by port 53 (DNS)
  await page.fill('#f-port', '53');
  await page.press('#f-port', 'Enter');
  await page.waitForFunction(() => location.hash.includes('port=53'));
  await waitList(page, 'packets-table');
  const dns = await api(`/api/packets?capture=${cap}&port=53&limit=100`);
  assert.deepEqual(await firstCells(page, 'packets-table'), dns.items.map((p) => String(p.frame)), 'port 53 rows');
  // detail pane
  await page.click('#packets-table tbody tr:first-child .row-btn');
  await page.waitForSelector('#packet-layers');
  const layers = await page.$$eval('#packet-layers summary', (s) => s.map((x) => x.textContent));
  assert.match(layers[0], new RegExp(`^Frame ${dns.items[0].frame}:`));
  assert.ok(layers.some((l) => /^UDP|^TCP/.test(l)), `a transport layer in ${layers}`);
  assert.ok(layers.some((l) => /^IPv[46]/.test(l)), 'a network layer');
  await page.waitForSelector('.flow-box .kv');
  assert.match(page.url(), /sel=\d+%3A\d+|sel=\d+:\d+/);
  // keyboard: ArrowDown in the table selects the next packet
  await page.focus('#packets-table');
  await page.keyboard.press('ArrowDown');
  await page.waitForFunction((f) => document.querySelector('#packet-layers summary')?.textContent.startsWith(`Frame ${f}:`), dns.items[1].frame);
  await shot(page, 'packets-detail-1440x900');
  assertClean(g, 'packets');
  await g.context.close();
});

test('analytics tabs, hosts and a host page show the API numbers', async () => {
  const g = await guardedPage(browser);
  const { page } = g;
  for (const tab of ['traffic', 'geo', 'dns', 'http', 'tls', 'security']) {
    await openRoute(page, `#/analytics?capture=${cap}&tab=${tab}`);
    await page.waitForSelector(`.tabs a[data-tab="${tab}"][aria-current="page"]`);
    if (tab === 'traffic') {
      await page.waitForSelector('#ports-table tbody tr');
      const pa = await api(`/api/port-analysis?capture=${cap}&limit=50`);
      assert.equal((await firstCells(page, 'ports-table'))[0], `${pa.ports[0].port}/${pa.ports[0].proto}`);
    }
    if (tab === 'geo') {
      await page.waitForSelector('#countries-table tbody tr');
      await page.waitForSelector('.world-map svg, .world-map .panel-status, .panel-status.empty');
    }
    if (tab === 'dns') {
      await waitList(page, 'dns-table');
      const d = await api(`/api/dns?capture=${cap}&limit=100`);
      assert.equal((await firstCells(page, 'dns-table', 3)).length, d.items.length);
    }
    if (tab === 'http') {
      await waitList(page, 'http-table');
      const x = await api(`/api/http?capture=${cap}&limit=100`);
      assert.equal((await firstCells(page, 'http-table')).length, Math.max(1, x.items.length));
    }
    await page.waitForLoadState('networkidle');
    await shot(page, `analytics-${tab}-1440x900`);
  }
  await openRoute(page, `#/hosts?capture=${cap}`);
  await waitList(page, 'hosts-table');
  const hosts = await api(`/api/hosts?capture=${cap}&limit=100`);
  assert.deepEqual(await firstCells(page, 'hosts-table'), hosts.items.map((x) => x.host));
  await shot(page, 'hosts-1440x900');
  const ip = hosts.items[0].host;
  await page.click('#hosts-table tbody tr:first-child a');
  await page.waitForSelector('#host-bytes:not([data-value=""])');
  const hd = await api(`/api/hosts/${encodeURIComponent(ip)}?capture=${cap}`);
  assert.equal(await page.$eval('#host-bytes', (e) => Number(e.dataset.value)), hd.traffic.bytes);
  await page.waitForSelector('#host-peers tbody tr');
  await shot(page, 'host-1440x900');
  assertClean(g, 'analytics/hosts');
  await g.context.close();
});

test('every page at phone width: no horizontal overflow, no errors; screenshots', async () => {
  const routes = {
    dashboard: `#/dashboard?capture=${cap}`,
    packets: `#/packets?capture=${cap}`,
    flows: `#/flows?capture=${cap}`,
    analytics: `#/analytics?capture=${cap}&tab=geo`,
    hosts: `#/hosts?capture=${cap}`,
    upload: '#/upload',
  };
  for (const [vpName, vp] of [['390x844', PHONE], ['375x812', NARROW]]) {
    const g = await guardedPage(browser, { viewport: vp });
    for (const [name, hash] of Object.entries(routes)) {
      await openRoute(g.page, hash);
      await g.page.waitForTimeout(300);
      assert.ok(await horizontalOverflow(g.page) <= 0, `${name} at ${vpName} overflows horizontally by ${await horizontalOverflow(g.page)} px`);
      if (vpName === '390x844') await shot(g.page, `${name}-390x844`);
    }
    assertClean(g, `phone ${vpName}`);
    await g.context.close();
  }
  for (const [name, hash] of Object.entries(routes)) {
    if (name === 'dashboard') continue;
    const g = await guardedPage(browser);
    await openRoute(g.page, hash);
    await shot(g.page, `${name}-1440x900`);
    assertClean(g, name);
    await g.context.close();
  }
  const wide = await guardedPage(browser, { viewport: WIDE, colorScheme: 'dark' });
  await openRoute(wide.page, `#/dashboard?capture=${cap}`);
  assert.ok(await horizontalOverflow(wide.page) <= 0, 'dashboard at 1920 overflows');
  await shot(wide.page, 'dashboard-1920x1080-dark');
  assertClean(wide, 'wide');
  await wide.context.close();
});

test('theme toggle, keyboard reach, empty and error states', async () => {
  const g = await guardedPage(browser);
  const { page } = g;
  await openRoute(page, `#/dashboard?capture=${cap}`);
  // theme: auto -> light -> dark, remembered across a reload
  await page.click('#theme-toggle');
  await page.click('#theme-toggle');
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  await page.reload();
  await page.waitForSelector('#stat-packets');
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.notEqual(bg, 'rgb(244, 246, 249)', 'dark background');
  await shot(page, 'dashboard-1440x900-dark');
  // keyboard: Tab from the top reaches the skip link, then the nav links
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip-link');
  const reached = [];
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press('Tab');
    reached.push(await page.evaluate(() => document.activeElement.dataset.page || document.activeElement.id || document.activeElement.tagName));
  }
  assert.ok(reached.includes('flows') && reached.includes('upload'), `nav reachable by Tab: ${reached}`);
  // an unknown capture shows a human message, not a blank page
  g.expectHttpError(/\/api\/(stats|traffic-timeline|protocol-distribution|top-talkers|port-analysis|recent-activity|alerts|flows|geo-analysis)\?/);
  await openRoute(page, '#/flows?capture=999999999');
  await page.waitForSelector('#flows-table tbody tr');
  await page.waitForFunction(() => !document.querySelector('.list-view.loading'));
  const msg = await page.$eval('#flows-table tbody', (e) => e.textContent);
  assert.match(msg, /No flows match/);
  await openRoute(page, '#/nowhere');
  assert.match(await page.textContent('#view'), /Page not found/);
  // a flow uid that does not exist
  g.expectHttpError(/\/api\/flows\/CXXXXXXXXXXX/);
  await openRoute(page, '#/flow/CXXXXXXXXXXX');
  await page.waitForSelector('.panel-status.error');
  assert.match(await page.textContent('.panel-status.error'), /No flow has uid/);
  await page.evaluate(() => localStorage.removeItem('ps-theme'));
  assert.deepEqual(g.problems().filter((p) => !/^console error: Failed to load resource/.test(p)), [], 'problems');
  await g.context.close();
});
