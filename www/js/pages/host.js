// pages/host.js - one address (#/host/<ip>): its traffic over time, peers,
// ports as client and server, names seen for it (DNS, TLS SNI, HTTP Host),
// country, and the alerts that name it.

import { h, setChildren } from '../dom.js';
import { apiGet } from '../api.js';
import { formatBytes, formatCount, parseTs } from '../format.js';
import { linkTo, pick } from '../state.js';
import { panel, statCard, timeEl, hostLink, bytesEl, badge, countryName } from '../ui/common.js';
import { DataTable, clientExport, exportLinks } from '../ui/table.js';
import { TimeChart } from '../ui/charts.js';
import { ALERT_COLUMNS } from './flow.js';
import { pageHead, Rounds, zoomTo } from './util.js';

const FLOW_SAMPLE = 1000;

/** Buckets flows (start time, frame bytes) into at most ~120 columns. */
function flowSeries(flows) {
  if (flows.length === 0) return [[], [], []];
  const ts = flows.map((f) => parseTs(f.ts) / 1000);
  const min = Math.min(...ts);
  const max = Math.max(...ts);
  const steps = [1, 5, 10, 30, 60, 300, 600, 1800, 3600, 10800, 21600, 43200, 86400, 604800];
  const step = steps.find((s) => (max - min) / s <= 120) || 2592000;
  const start = Math.floor(min / step) * step;
  // at least three columns, so one busy second still has an x range
  const n = Math.max(3, Math.floor((max - start) / step) + 2);
  const xs = Array.from({ length: n }, (_, i) => start + (i - 1) * step);
  const bytes = new Array(n).fill(0);
  const count = new Array(n).fill(0);
  flows.forEach((f, i) => {
    const k = Math.floor((ts[i] - start) / step) + 1;
    bytes[k] += (f.orig_l2_bytes || 0) + (f.resp_l2_bytes || 0);
    count[k] += 1;
  });
  return [xs, bytes, count];
}

export default function mount(root, ctx0) {
  let ctx = ctx0;
  const ip = ctx.arg;
  const rounds = new Rounds();
  const head = pageHead('Host', ctx);
  head.el.querySelector('h1').append(' ', h('span', { class: 'mono', id: 'host-ip' }, ip));
  const links = h('div', { class: 'panel-actions' },
    h('a', { class: 'btn btn-small', href: linkTo('flows', null, { host: ip }) }, 'Flows'),
    h('a', { class: 'btn btn-small', href: linkTo('packets', null, { host: ip }) }, 'Packets'),
    h('a', { class: 'btn btn-small', href: linkTo('analytics', null, { tab: 'dns', host: ip }) }, 'DNS'));
  head.el.append(links);

  const cards = {
    bytes: statCard('host-bytes', 'Bytes'),
    packets: statCard('host-packets', 'Packets'),
    flows: statCard('host-flows', 'Flows'),
    sent: statCard('host-sent', 'Sent'),
    recv: statCard('host-recv', 'Received'),
    cc: statCard('host-cc', 'Country', { text: true }),
  };
  const overview = panel('Overview');
  const seen = h('p', { class: 'muted' });
  overview.body.append(h('div', { class: 'cards' }, Object.values(cards).map((c) => c.el)), seen);

  const chart = new TimeChart({
    series: [{ label: 'Bytes', unit: 'bytes', fill: true }, { label: 'Flows started', unit: 'count' }],
    height: 200, onZoom: zoomTo, stepped: true, ariaLabel: 'Traffic of this host over time',
  });
  const timeline = panel('Traffic over time');
  timeline.body.append(chart.el);

  let data = null;
  const peersT = new DataTable([
    { key: 'host', label: 'Peer', render: (r) => hostLink(r.host) },
    { key: 'bytes', label: 'Bytes', num: true, render: (r) => bytesEl(r.bytes) },
    { key: 'packets', label: 'Packets', num: true, render: (r) => formatCount(r.packets) },
    { key: 'flows', label: 'Flows', num: true, render: (r) => h('a', { href: linkTo('flows', null, { host: r.host, q: '' }) }, formatCount(r.flows)) },
  ], { caption: 'Peers', id: 'host-peers', emptyText: 'No peers.' });
  const portsT = new DataTable([
    { key: 'role', label: 'Role', render: (r) => badge(r.role === 'server' ? 'serves' : 'uses', r.role === 'server' ? 'warn' : '') },
    { key: 'port', label: 'Port', render: (r) => h('a', { class: 'mono', href: linkTo('flows', null, { host: ip, port: String(r.port), transport: r.proto }) }, `${r.port}/${r.proto}`) },
    { key: 'service', label: 'Service', render: (r) => r.service || '' },
    { key: 'flows', label: 'Flows', num: true, render: (r) => formatCount(r.flows) },
    { key: 'bytes', label: 'Bytes', num: true, render: (r) => bytesEl(r.bytes) },
  ], { caption: 'Ports', id: 'host-ports', emptyText: 'No ports.' });
  const alertsT = new DataTable(ALERT_COLUMNS, { caption: 'Alerts', emptyText: 'No alert names this host.' });
  const peersP = panel('Peers', { actions: [clientExport(`host-${ip}-peers`, () => data && data.peers)] });
  const portsP = panel('Ports', { actions: [clientExport(`host-${ip}-ports`, () => data && data.ports)] });
  const namesP = panel('Names seen', { actions: [clientExport(`host-${ip}-names`, () => data && data.names)] });
  const alertsP = panel('Alerts');
  peersP.body.append(peersT.el);
  portsP.body.append(portsT.el);
  alertsP.body.append(alertsT.el);

  root.append(head.el, overview.el, h('div', { class: 'grid' },
    h('div', { class: 'span-12' }, timeline.el),
    h('div', { class: 'span-5' }, peersP.el), h('div', { class: 'span-4' }, portsP.el), h('div', { class: 'span-3' }, namesP.el),
    h('div', { class: 'span-12' }, alertsP.el)));

  function render(d, flows) {
    data = d;
    const t = d.traffic || {};
    cards.bytes.set(t.bytes, formatBytes(t.bytes), `${formatCount(t.bytes)} bytes`);
    cards.packets.set(t.packets, formatCount(t.packets));
    cards.flows.set(t.flows, formatCount(t.flows), null, `${formatCount(t.orig_flows)} as client · ${formatCount(t.resp_flows)} as server`);
    cards.sent.set(t.sent_bytes, formatBytes(t.sent_bytes), `${formatCount(t.sent_bytes)} bytes`);
    cards.recv.set(t.recv_bytes, formatBytes(t.recv_bytes), `${formatCount(t.recv_bytes)} bytes`);
    cards.cc.set(d.cc, d.cc ? countryName(d.cc) : 'Unknown', null, d.cc || 'no geolocation');
    setChildren(seen, 'First seen ', timeEl(t.first_ts), ', last seen ', timeEl(t.last_ts), '.');
    peersT.setRows(d.peers || []);
    portsT.setRows(d.ports || []);
    alertsT.setRows(d.alerts || []);
    alertsP.setSubtitle(String((d.alerts || []).length));
    const names = d.names || [];
    setChildren(namesP.body, names.length
      ? h('ul', { class: 'plain-list', id: 'host-names' }, names.map((n) => h('li', null, badge(n.source), ' ', h('span', { class: 'mono' }, n.name))))
      : h('p', { class: 'muted' }, 'No DNS answer, TLS SNI or HTTP Host names this address.'));
    if (flows) {
      chart.setData(flowSeries(flows.items));
      timeline.setSubtitle(flows.next_cursor ? `from its latest ${formatCount(FLOW_SAMPLE)} flows (by start time)` : `from its ${formatCount(flows.items.length)} flows (by start time)`);
      if (!flows.items.length) timeline.setEmpty('No flows of this host in this time range.');
    }
  }

  async function load(quiet) {
    if (!quiet) overview.setLoading(true);
    await rounds.run(async (signal) => {
      const capOnly = pick(ctx.scope, ['capture']);
      const [d, flows] = await Promise.allSettled([
        apiGet(`/api/hosts/${encodeURIComponent(ip)}`, capOnly, { signal }),
        apiGet('/api/flows', { ...pick(ctx.scope, ['capture', 'from', 'to']), host: ip, limit: FLOW_SAMPLE, sort: 'ts' }, { signal }),
      ]);
      if (signal.aborted) return;
      overview.setLoading(false);
      if (d.status === 'rejected') {
        const e = d.reason;
        overview.setError(e.status === 404 ? `${ip} appears in no flow${ctx.scope.capture ? ` of capture #${ctx.scope.capture}` : ''}.` : e.message);
        return;
      }
      overview.clearStatus();
      timeline.clearStatus();
      if (flows.status === 'rejected') timeline.setError(flows.reason.message);
      render(d.value, flows.status === 'fulfilled' ? flows.value : null);
      timeline.actionsEl.replaceChildren(exportLinks('/api/flows', { ...pick(ctx.scope, ['capture', 'from', 'to']), host: ip }, 'flows of this host'));
    });
  }
  load(false);
  return {
    update(c) { ctx = c; head.update(c); load(false); },
    refresh(c) { ctx = c; return load(true); },
    destroy() { rounds.abort(); chart.destroy(); },
  };
}

