// pages/analytics.js - deeper views in tabs (#/analytics?tab=...):
// traffic (protocols over time, services, server ports), geo (world map by
// country), DNS (top queries, NXDOMAIN), HTTP (hosts, status codes), TLS
// (SNI, versions) and security (alerts by kind and severity, linked to the
// flows behind them). Each tab also has the full, filterable event list.

import { h, setChildren } from '../dom.js';
import { apiGet } from '../api.js';
import { formatBucket, formatBytes, formatCount } from '../format.js';
import { linkTo, pick } from '../state.js';
import { panel, bytesEl, countryName, isCountryCode, ccEl, severityBadge } from '../ui/common.js';
import { DataTable, ListView, clientExport } from '../ui/table.js';
import { TimeChart, timelineColumns, barList, palette } from '../ui/charts.js';
import { worldMap } from '../ui/map.js';
import { TRANSPORTS } from '../zeek.js';
import { DNS_COLUMNS, HTTP_COLUMNS, TLS_COLUMNS, ALERT_COLUMNS } from './flow.js';
import { pageHead, Rounds, zoomTo, urlSelect } from './util.js';

const TABS = [
  ['traffic', 'Traffic'], ['geo', 'Geo'], ['dns', 'DNS'], ['http', 'HTTP'], ['tls', 'TLS'], ['security', 'Security'],
];
const SAMPLE = 1000;
const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'];

/** Counts rows by key(row) -> [{key, n, extra}] sorted by n desc. */
function countBy(rows, keyFn, limit = 15) {
  const m = new Map();
  for (const r of rows) {
    const k = keyFn(r);
    if (k === null || k === undefined || k === '') continue;
    m.set(k, (m.get(k) || 0) + 1);
  }
  return Array.from(m, ([key, n]) => ({ key, n })).sort((a, b) => b.n - a.n || String(a.key).localeCompare(String(b.key))).slice(0, limit);
}

function sampleNote(page) {
  const n = (page.items || []).length;
  if (page.next_cursor) return `from the latest ${formatCount(n)} events`;
  return n === 1 ? 'from the only event' : `from all ${formatCount(n)} events`;
}

export default function mount(root, ctx0) {
  let ctx = ctx0;
  let tab = null;
  let inst = null;
  const head = pageHead('Analytics', ctx);
  const tabsEl = h('nav', { class: 'tabs', 'aria-label': 'Analytics sections' });
  const body = h('div', { class: 'tab-body' });
  root.append(head.el, tabsEl, body);

  function renderTabs() {
    setChildren(tabsEl, TABS.map(([k, label]) => h('a', {
      href: linkTo('analytics', null, { tab: k }), 'aria-current': k === tab ? 'page' : null, dataset: { tab: k },
    }, label)));
  }

  function show() {
    const want = TABS.some(([k]) => k === ctx.params.tab) ? ctx.params.tab : 'traffic';
    if (want !== tab) {
      if (inst) inst.destroy();
      tab = want;
      renderTabs();
      body.replaceChildren();
      inst = ({ traffic: trafficTab, geo: geoTab, dns: dnsTab, http: httpTab, tls: tlsTab, security: securityTab })[tab](body, ctx);
    } else {
      inst.update(ctx);
    }
  }
  show();
  return {
    update(c) { ctx = c; head.update(c); show(); },
    refresh(c) { ctx = c; return inst.refresh ? inst.refresh(c) : Promise.resolve(); },
    destroy() { if (inst) inst.destroy(); },
  };
}

// --- traffic ---------------------------------------------------------------------------

function trafficTab(root, ctx0) {
  let ctx = ctx0;
  const rounds = new Rounds();
  const metric = () => (ctx.params.metric === 'bytes' ? 'bytes' : 'packets');
  const makeChart = () => new TimeChart({
    series: ['tcp', 'udp', 'icmp', 'other'].map((p) => ({ label: p.toUpperCase(), unit: metric() === 'bytes' ? 'bytes' : 'count' })),
    height: 260, onZoom: zoomTo, ariaLabel: 'Protocols over time',
  });
  let chart = makeChart();
  let chartMetric = metric();
  const metricSel = urlSelect('metric', [['packets', 'packets'], ['bytes', 'bytes']], metric(), 'measure');
  const overTime = panel('Protocols over time', { actions: [metricSel] });
  overTime.body.append(chart.el, h('p', { class: 'chart-hint' }, 'Drag across the chart to zoom.'));
  const services = panel('Services');
  let portRows = [];
  const portsBy = urlSelect('by', [['bytes', 'by bytes'], ['packets', 'by packets'], ['flows', 'by flows']], ctx.params.by || 'bytes', 'rank ports');
  const portTransport = urlSelect('transport', [['', 'all transports'], ...TRANSPORTS.slice(0, 4).map((t) => [t, t])], ctx.params.transport || '', 'transport');
  const portsT = new DataTable([
    { key: 'port', label: 'Port', render: (r) => h('a', { class: 'mono', href: linkTo('flows', null, { port: String(r.port), transport: r.proto }) }, `${r.port}/${r.proto}`) },
    { key: 'service', label: 'IANA service', render: (r) => r.service || '' },
    { key: 'flows', label: 'Flows', num: true, render: (r) => formatCount(r.flows) },
    { key: 'packets', label: 'Packets', num: true, render: (r) => formatCount(r.packets) },
    { key: 'bytes', label: 'Bytes', num: true, render: (r) => bytesEl(r.bytes) },
  ], { caption: 'Server ports', id: 'ports-table', emptyText: 'No server ports in this scope.' });
  const ports = panel('Server ports', { actions: [portTransport, portsBy, clientExport('ports', () => portRows)] });
  ports.body.append(portsT.el);
  root.append(h('div', { class: 'grid' }, h('div', { class: 'span-12' }, overTime.el),
    h('div', { class: 'span-5' }, services.el), h('div', { class: 'span-7' }, ports.el)));

  async function load() {
    const base = pick(ctx.scope, ['capture', 'from', 'to']);
    if (chartMetric !== metric()) {
      chart.destroy();
      chart = makeChart();
      chartMetric = metric();
      overTime.body.replaceChildren(chart.el, h('p', { class: 'chart-hint' }, 'Drag across the chart to zoom.'));
    }
    await rounds.run(async (signal) => {
      const [tl, pd, pa] = await Promise.allSettled([
        apiGet('/api/traffic-timeline', base, { signal }),
        apiGet('/api/protocol-distribution', base, { signal }),
        apiGet('/api/port-analysis', { ...base, by: ctx.params.by || 'bytes', transport: ctx.params.transport || '', limit: 50 }, { signal }),
      ]);
      if (signal.aborted) return;
      if (tl.status === 'fulfilled') {
        overTime.clearStatus();
        const m = metric();
        chart.setData(timelineColumns(tl.value, ['tcp', 'udp', 'icmp', 'other'].map((p) => `${p}_${m}`)));
        overTime.setSubtitle(`${formatBucket(tl.value.bucket_s)} buckets`);
        if (!tl.value.points.length) overTime.setEmpty('No traffic in this scope.');
      } else overTime.setError(tl.reason.message);
      if (pd.status === 'fulfilled') {
        services.clearStatus();
        const svc = pd.value.services || [];
        setChildren(services.body, barList(svc.slice(0, 20).map((s) => ({
          label: h('a', { href: linkTo('flows', null, s.service !== '-' ? { app: s.service } : { transport: s.proto }) }, `${s.service === '-' ? '(none)' : s.service}/${s.proto}`),
          value: s.bytes, text: `${formatBytes(s.bytes)} · ${formatCount(s.flows)} flows`,
        })), { emptyText: 'No flows in this scope.' }));
        services.actionsEl.replaceChildren(clientExport('services', () => svc));
      } else services.setError(pd.reason.message);
      if (pa.status === 'fulfilled') {
        ports.clearStatus();
        portRows = pa.value.ports || [];
        portsT.setRows(portRows);
      } else ports.setError(pa.reason.message);
    });
  }
  load();
  return {
    update(c) { ctx = c; portsBy.value = c.params.by || 'bytes'; portTransport.value = c.params.transport || ''; metricSel.value = metric(); load(); },
    refresh(c) { ctx = c; return load(); },
    destroy() { rounds.abort(); chart.destroy(); },
  };
}

// --- geo ---------------------------------------------------------------------------------

function geoTab(root, ctx0) {
  let ctx = ctx0;
  const rounds = new Rounds();
  let rows = [];
  const mapP = panel('Traffic by country', { subtitle: 'hosts’ countries from flows.orig_cc / resp_cc' });
  const table = new DataTable([
    { key: 'cc', label: 'Country', render: (r) => h('span', null, ccEl(r.cc), isCountryCode(r.cc) ? ` ${countryName(r.cc)}` : '') },
    { key: 'hosts', label: 'Hosts', num: true, render: (r) => formatCount(r.hosts) },
    { key: 'flows', label: 'Flows', num: true, render: (r) => formatCount(r.flows) },
    { key: 'packets', label: 'Packets', num: true, render: (r) => formatCount(r.packets) },
    { key: 'bytes', label: 'Bytes', num: true, render: (r) => bytesEl(r.bytes) },
  ], { caption: 'Countries', id: 'countries-table', emptyText: 'No flows in this scope.', rowKey: (r) => r.cc });
  const tableP = panel('Countries', { actions: [clientExport('countries', () => rows)] });
  tableP.body.append(table.el);
  root.append(h('div', { class: 'grid' }, h('div', { class: 'span-8' }, mapP.el), h('div', { class: 'span-4' }, tableP.el)));
  let sig = null;

  async function load() {
    await rounds.run(async (signal) => {
      let geo;
      try {
        geo = await apiGet('/api/geo-analysis', { ...pick(ctx.scope, ['capture', 'from', 'to']), limit: 300 }, { signal });
      } catch (err) {
        if (signal.aborted) return;
        mapP.setError(err.message);
        return;
      }
      rows = geo.countries || [];
      table.setRows(rows);
      const s = JSON.stringify(rows);
      if (s === sig) return;
      sig = s;
      const mapped = rows.filter((r) => isCountryCode(r.cc));
      const other = rows.filter((r) => !isCountryCode(r.cc));
      const { el, ready } = worldMap(rows, { onSelect: (c) => table.select(c.cc, { notify: false }) });
      mapP.body.replaceChildren(el);
      mapP.clearStatus();
      if (rows.length === 0) mapP.setEmpty('No flows in this scope.');
      else if (mapped.length === 0) {
        mapP.setEmpty(`No host in this scope has a country yet: ${other.map((o) => `${countryName(o.cc)} (${formatCount(o.hosts)} hosts)`).join(', ')}. Geolocation fills orig_cc/resp_cc when a GeoIP database is configured.`);
      } else if (other.length) {
        mapP.setSubtitle(`not on the map: ${other.map((o) => `${countryName(o.cc)} ${formatBytes(o.bytes)}`).join(' · ')}`);
      }
      ready.catch(() => {});
    });
  }
  load();
  return {
    update(c) { ctx = c; load(); },
    refresh(c) { ctx = c; return load(); },
    destroy() { rounds.abort(); },
  };
}

// --- event tabs (DNS, HTTP, TLS, security) share one shape --------------------------------

/**
 * summaries: async (base, signal) -> [panel elements] drawn above the list.
 */
function eventTab(root, ctx0, { listSpec, summaries }) {
  let ctx = ctx0;
  const rounds = new Rounds();
  const summaryBox = h('div', { class: 'grid' });
  const list = new ListView(listSpec);
  list.table.wrap.classList.add('tall');
  const listP = panel(listSpec.title);
  listP.body.append(list.el);
  root.append(summaryBox, listP.el);

  async function loadSummaries() {
    await rounds.run(async (signal) => {
      const base = pick(ctx.scope, ['capture', 'from', 'to']);
      const panels = await summaries(base, signal, ctx);
      if (signal.aborted || !panels) return;
      // Replace panel bodies in place when the layout exists (no flicker).
      if (summaryBox.childElementCount === panels.length) {
        panels.forEach((p, i) => {
          const old = summaryBox.children[i].firstElementChild;
          if (old && old.dataset.sig === p.dataset.sig) return;
          summaryBox.children[i].replaceChildren(p);
        });
      } else {
        summaryBox.replaceChildren(...panels.map((p) => h('div', { class: p.dataset.span || 'span-6' }, p)));
      }
    });
  }
  if (ctx.problem) list.update(ctx.params, ctx.scope, ctx.problem);
  else {
    list.update(ctx.params, ctx.scope);
    loadSummaries();
  }
  return {
    update(c) {
      const scopeChanged = JSON.stringify(c.scope) !== JSON.stringify(ctx.scope);
      ctx = c;
      list.update(c.params, c.scope, c.problem);
      if (scopeChanged && !c.problem) loadSummaries();
    },
    refresh(c) { ctx = c; return Promise.all([list.refresh(), loadSummaries()]); },
    destroy() { rounds.abort(); list.destroy(); },
  };
}

/** A panel element with a bar list of counted keys. */
function countPanel(title, counts, { link = null, note = '', span = 'span-6', exportName, emptyText = 'Nothing in this scope.' } = {}) {
  const p = panel(title, { subtitle: note, actions: [clientExport(exportName, () => counts.map((c) => ({ value: c.key, count: c.n })))] });
  p.body.append(barList(counts.map((c) => ({
    label: link ? h('a', { href: link(c.key) }, String(c.key)) : String(c.key),
    value: c.n, text: formatCount(c.n),
  })), { emptyText }));
  p.el.dataset.span = span;
  p.el.dataset.sig = JSON.stringify([title, counts, note]);
  return p.el;
}

function dnsTab(root, ctx) {
  return eventTab(root, ctx, {
    listSpec: {
      title: 'DNS queries', endpoint: '/api/dns', name: 'dns', tableId: 'dns-table', caption: 'DNS',
      filters: [
        { key: 'q', label: 'Query name contains', placeholder: 'example.com', width: 'wide' },
        { key: 'qtype', label: 'Type', type: 'select', options: [['', 'any'], ...['A', 'AAAA', 'CNAME', 'MX', 'NS', 'PTR', 'SOA', 'SRV', 'TXT', 'HTTPS', 'ANY'].map((t) => [t, t])] },
        { key: 'rcode', label: 'rcode', type: 'select', options: [['', 'any'], ...['NOERROR', 'NXDOMAIN', 'SERVFAIL', 'REFUSED', 'FORMERR', 'NOTIMP'].map((t) => [t, t])] },
        { key: 'host', label: 'Client/server', placeholder: '10.0.0.1' },
      ],
      apiFilters: ['q', 'qtype', 'rcode', 'host'],
      sorts: ['ts', 'rtt'], defaultSort: 'ts', pageSize: 100,
      rowKey: (d) => `${d.capture_id}:${d.uid}:${d.trans_id}:${d.ts}`,
      columns: [...DNS_COLUMNS, { key: 'uid', label: 'Flow', render: (d) => h('a', { class: 'mono', href: linkTo('flow', d.uid, { capture: String(d.capture_id) }) }, d.uid) }],
      emptyText: 'No DNS matches.',
    },
    summaries: async (base, signal) => {
      const [all, nx] = await Promise.all([
        apiGet('/api/dns', { ...base, limit: SAMPLE }, { signal }),
        apiGet('/api/dns', { ...base, rcode: 'NXDOMAIN', limit: SAMPLE }, { signal }),
      ]);
      const q = (name) => linkTo('analytics', null, { tab: 'dns', q: name });
      return [
        countPanel('Top queries', countBy(all.items, (d) => d.query), { link: q, note: sampleNote(all), exportName: 'dns-top-queries', span: 'span-4' }),
        countPanel('NXDOMAIN names', countBy(nx.items, (d) => d.query), { link: (n) => linkTo('analytics', null, { tab: 'dns', q: n, rcode: 'NXDOMAIN' }), note: sampleNote(nx), exportName: 'dns-nxdomain', span: 'span-4', emptyText: 'No NXDOMAIN answers in this scope.' }),
        countPanel('Answer codes and types', [...countBy(all.items, (d) => d.rcode_name || 'no reply', 6), ...countBy(all.items, (d) => (d.qtype_name ? `type ${d.qtype_name}` : null), 8)], { note: sampleNote(all), exportName: 'dns-rcodes', span: 'span-4' }),
      ];
    },
  });
}

function httpTab(root, ctx) {
  return eventTab(root, ctx, {
    listSpec: {
      title: 'HTTP requests', endpoint: '/api/http', name: 'http', tableId: 'http-table', caption: 'HTTP',
      filters: [
        { key: 'q', label: 'Host header or URI contains', placeholder: 'example.com', width: 'wide' },
        { key: 'method', label: 'Method', type: 'select', options: [['', 'any'], ...['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'CONNECT', 'PATCH'].map((t) => [t, t])] },
        { key: 'status_code', label: 'Status', type: 'number', min: 100, max: 999, width: 'narrow', placeholder: '404' },
        { key: 'host', label: 'Client/server', placeholder: '10.0.0.1' },
      ],
      apiFilters: ['q', 'method', 'status_code', 'host'],
      sorts: ['ts', 'status_code', 'response_body_len'], defaultSort: 'ts', pageSize: 100,
      rowKey: (x) => `${x.capture_id}:${x.uid}:${x.trans_depth}`,
      columns: [...HTTP_COLUMNS, { key: 'uid', label: 'Flow', render: (x) => h('a', { class: 'mono', href: linkTo('flow', x.uid, { capture: String(x.capture_id) }) }, x.uid) }],
      emptyText: 'No HTTP matches.',
    },
    summaries: async (base, signal) => {
      const all = await apiGet('/api/http', { ...base, limit: SAMPLE }, { signal });
      return [
        countPanel('Top hosts', countBy(all.items, (x) => x.host || x.resp_h), { link: (v) => linkTo('analytics', null, { tab: 'http', q: v }), note: sampleNote(all), exportName: 'http-hosts', span: 'span-4' }),
        countPanel('Status codes', countBy(all.items, (x) => (x.status_code ? `${x.status_code} ${x.status_msg || ''}`.trim() : 'no response')), { link: (v) => (/^\d+/.test(v) ? linkTo('analytics', null, { tab: 'http', status_code: v.split(' ')[0] }) : '#'), note: sampleNote(all), exportName: 'http-status', span: 'span-4' }),
        countPanel('Methods and user agents', [...countBy(all.items, (x) => x.method, 5), ...countBy(all.items, (x) => x.user_agent, 6)], { note: sampleNote(all), exportName: 'http-methods-agents', span: 'span-4' }),
      ];
    },
  });
}

function tlsTab(root, ctx) {
  return eventTab(root, ctx, {
    listSpec: {
      title: 'TLS and QUIC handshakes', endpoint: '/api/tls', name: 'tls', tableId: 'tls-table', caption: 'TLS',
      filters: [
        { key: 'q', label: 'SNI contains', placeholder: 'example.com', width: 'wide' },
        { key: 'version', label: 'Version', type: 'select', options: [['', 'any'], ...['TLSv13', 'TLSv12', 'TLSv11', 'TLSv10', 'SSLv3'].map((t) => [t, t])] },
        { key: 'host', label: 'Client/server', placeholder: '10.0.0.1' },
      ],
      apiFilters: ['q', 'version', 'host'],
      sorts: ['ts', 'server_name'], defaultSort: 'ts', pageSize: 100,
      rowKey: (t) => `${t.capture_id}:${t.uid}:${t.ts}`,
      columns: [...TLS_COLUMNS, { key: 'uid', label: 'Flow', render: (t) => h('a', { class: 'mono', href: linkTo('flow', t.uid, { capture: String(t.capture_id) }) }, t.uid) }],
      emptyText: 'No TLS matches.',
    },
    summaries: async (base, signal) => {
      const all = await apiGet('/api/tls', { ...base, limit: SAMPLE }, { signal });
      return [
        countPanel('Top server names (SNI)', countBy(all.items, (t) => t.server_name || '(no SNI)'), { link: (v) => linkTo('analytics', null, { tab: 'tls', q: v === '(no SNI)' ? '' : v }), note: sampleNote(all), exportName: 'tls-sni', span: 'span-4' }),
        countPanel('Versions', countBy(all.items, (t) => t.version || 'unknown'), { link: (v) => linkTo('analytics', null, { tab: 'tls', version: v }), note: sampleNote(all), exportName: 'tls-versions', span: 'span-4' }),
        countPanel('ALPN and transport', [...countBy(all.items, (t) => (t.alpn && t.alpn.length ? t.alpn.join(',') : '(no ALPN)'), 6), ...countBy(all.items, (t) => `over ${t.transport || 'tcp'}`, 3)], { note: sampleNote(all), exportName: 'tls-alpn', span: 'span-4' }),
      ];
    },
  });
}

function securityTab(root, ctx) {
  return eventTab(root, ctx, {
    listSpec: {
      title: 'Alerts', endpoint: '/api/alerts', name: 'alerts', tableId: 'alerts-table', caption: 'Alerts',
      filters: [
        { key: 'kind', label: 'Kind', placeholder: 'syn_scan', width: 'narrow' },
        { key: 'severity', label: 'Severity at least', type: 'select', options: [['', 'any'], ...SEVERITIES.map((s) => [s, s])] },
        { key: 'q', label: 'Summary contains', width: 'wide' },
        { key: 'host', label: 'Source/target', placeholder: '10.0.0.1' },
      ],
      apiFilters: ['kind', 'severity', 'q', 'host'],
      sorts: ['ts', 'severity', 'count'], defaultSort: 'ts', pageSize: 100,
      rowKey: (a) => String(a.id),
      columns: ALERT_COLUMNS,
      emptyText: 'No alerts match — no detector fired in this scope.',
    },
    summaries: async (base, signal) => {
      const all = await apiGet('/api/alerts', { ...base, limit: SAMPLE }, { signal });
      const sevCounts = countBy(all.items, (a) => a.severity, 10);
      sevCounts.sort((a, b) => SEVERITIES.indexOf(b.key) - SEVERITIES.indexOf(a.key));
      const colors = palette();
      const sevP = panel('By severity', { subtitle: sampleNote(all), actions: [clientExport('alerts-severity', () => sevCounts.map((c) => ({ severity: c.key, count: c.n })))] });
      sevP.body.append(barList(sevCounts.map((c) => ({
        label: h('a', { href: linkTo('analytics', null, { tab: 'security', severity: c.key }) }, severityBadge(c.key)),
        value: c.n, text: formatCount(c.n),
        color: { critical: 'var(--bad)', high: 'var(--bad)', medium: 'var(--warn)', low: colors[0], info: 'var(--muted)' }[c.key],
      })), { emptyText: 'No alerts in this scope.' }));
      sevP.el.dataset.span = 'span-4';
      sevP.el.dataset.sig = JSON.stringify(['sev', sevCounts]);
      const hosts = countBy(all.items, (a) => a.src, 10);
      return [
        countPanel('By kind', countBy(all.items, (a) => a.kind), { link: (v) => linkTo('analytics', null, { tab: 'security', kind: v }), note: sampleNote(all), exportName: 'alerts-kind', span: 'span-4', emptyText: 'No alerts in this scope.' }),
        sevP.el,
        countPanel('Sources', hosts, { link: (v) => linkTo('host', v), note: sampleNote(all), exportName: 'alerts-sources', span: 'span-4', emptyText: 'No alerts in this scope.' }),
      ];
    },
  });
}

