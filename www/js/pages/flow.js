// pages/flow.js - one flow (#/flow/<uid>?capture=N): its conn.log record,
// its packets as a ladder (direction, relative time, flags, summary), and
// the DNS, HTTP and TLS events and alerts that belong to it.

import { h, setChildren } from '../dom.js';
import { apiGet } from '../api.js';
import { formatBytes, formatCount, formatDuration, parseTs } from '../format.js';
import { linkTo } from '../state.js';
import { panel, timeEl, hostLink, endpointEl, badge, severityBadge, muted, ccEl, bytesEl } from '../ui/common.js';
import { DataTable, clientExport, exportLinks } from '../ui/table.js';
import { CONN_STATES, explainHistory } from '../zeek.js';
import { connStateEl } from './flows.js';
import { Rounds } from './util.js';

function kv(pairs) {
  return h('dl', { class: 'kv' }, pairs.filter(Boolean).map(([k, v]) => [h('dt', null, k),
    h('dd', null, v === null || v === undefined || v === '' ? muted('—') : v)]));
}

export const DNS_COLUMNS = [
  { key: 'ts', label: 'Time', render: (d) => timeEl(d.ts) },
  { key: 'client', label: 'Client', render: (d) => hostLink(d.orig_h) },
  { key: 'server', label: 'Server', render: (d) => hostLink(d.resp_h) },
  { key: 'query', label: 'Query', className: 'wrap', render: (d) => d.query || '' },
  { key: 'qtype', label: 'Type', render: (d) => d.qtype_name || d.qtype },
  { key: 'rcode', label: 'rcode', render: (d) => (d.rcode_name ? badge(d.rcode_name, d.rcode_name === 'NOERROR' ? 'good' : 'bad') : muted('no reply')) },
  { key: 'answers', label: 'Answers', className: 'wrap', render: (d) => (d.answers || []).join(', ') },
  { key: 'rtt', label: 'RTT', num: true, render: (d) => (d.rtt === null ? '' : formatDuration(d.rtt)) },
];

export const HTTP_COLUMNS = [
  { key: 'ts', label: 'Time', render: (x) => timeEl(x.ts) },
  { key: 'client', label: 'Client', render: (x) => hostLink(x.orig_h) },
  { key: 'method', label: 'Method', render: (x) => x.method || '' },
  { key: 'host', label: 'Host', render: (x) => x.host || '' },
  { key: 'uri', label: 'URI', className: 'wrap', render: (x) => (x.uri && x.uri.length > 160 ? `${x.uri.slice(0, 160)}…` : x.uri || '') },
  { key: 'status', label: 'Status', render: (x) => (x.status_code ? badge(`${x.status_code} ${x.status_msg || ''}`.trim(), x.status_code >= 400 ? 'bad' : x.status_code >= 300 ? 'warn' : 'good') : '') },
  { key: 'resp', label: 'Resp. body', num: true, render: (x) => (x.response_body_len === null ? '' : bytesEl(x.response_body_len)) },
  { key: 'mime', label: 'MIME', render: (x) => (x.resp_mime_types || []).join(', ') },
  { key: 'ua', label: 'User agent', className: 'wrap', render: (x) => x.user_agent || '' },
];

export const TLS_COLUMNS = [
  { key: 'ts', label: 'Time', render: (t) => timeEl(t.ts) },
  { key: 'client', label: 'Client', render: (t) => hostLink(t.orig_h) },
  { key: 'server', label: 'Server', render: (t) => endpointEl(t.resp_h, t.resp_p) },
  { key: 'sni', label: 'SNI', render: (t) => t.server_name || '' },
  { key: 'version', label: 'Version', render: (t) => t.version || '' },
  { key: 'alpn', label: 'ALPN', render: (t) => (t.alpn || []).join(', ') },
  { key: 'cipher', label: 'Cipher', render: (t) => t.cipher || '' },
  { key: 'ja4', label: 'JA4', render: (t) => (t.ja4 ? h('span', { class: 'mono' }, t.ja4) : '') },
  { key: 'est', label: 'Established', render: (t) => (t.established === null ? '' : t.established ? badge('yes', 'good') : badge('no', 'warn')) },
];

export const ALERT_COLUMNS = [
  { key: 'ts', label: 'Last seen', render: (a) => timeEl(a.last_seen || a.ts) },
  { key: 'severity', label: 'Severity', render: (a) => severityBadge(a.severity) },
  { key: 'kind', label: 'Kind', render: (a) => a.kind },
  { key: 'src', label: 'Source', render: (a) => hostLink(a.src) },
  { key: 'dst', label: 'Target', render: (a) => (a.dst ? hostLink(a.dst) : '') },
  { key: 'summary', label: 'Summary', className: 'wrap', render: (a) => a.summary || '' },
  { key: 'count', label: 'Count', num: true, render: (a) => formatCount(a.count) },
  {
    key: 'evidence', label: 'Flows', render: (a) => h('span', null, (a.evidence || []).slice(0, 3).map((u, i) => [i ? ' ' : '',
      h('a', { href: linkTo('flow', u, { capture: String(a.capture_id) }), class: 'mono' }, u)]),
    (a.evidence || []).length > 3 ? muted(` +${a.evidence.length - 3}`) : null),
  },
];

export default function mount(root, ctx0) {
  let ctx = ctx0;
  const rounds = new Rounds();
  const title = h('h1', null, 'Flow ', h('span', { class: 'mono' }, ctx.arg));
  const conn = h('div', { class: 'flow-head' });
  const summary = panel('Connection');
  const packetsP = panel('Packets');
  const dnsP = panel('DNS');
  const httpP = panel('HTTP');
  const tlsP = panel('TLS');
  const alertsP = panel('Alerts');
  root.append(h('div', { class: 'page-head' }, title), conn,
    h('div', { class: 'grid' }, h('div', { class: 'span-12' }, summary.el), h('div', { class: 'span-12' }, packetsP.el),
      h('div', { class: 'span-12' }, alertsP.el), h('div', { class: 'span-12' }, dnsP.el),
      h('div', { class: 'span-12' }, httpP.el), h('div', { class: 'span-12' }, tlsP.el)));

  let data = null;
  const t0 = () => parseTs(data.flow.ts);
  const pktTable = new DataTable([
    { key: 'frame', label: 'No.', num: true, render: (p) => h('a', { href: linkTo('packets', null, { capture: String(p.capture_id), uid: p.uid, sel: `${p.capture_id}:${p.frame}` }) }, String(p.frame)) },
    { key: 'rel', label: 'Δt', num: true, title: 'time since the first packet of the flow', render: (p) => `+${((parseTs(p.ts) - t0()) / 1000).toFixed(3)} s` },
    {
      key: 'dir', label: 'Dir', render: (p) => (p.src === data.flow.orig_h && (p.sport ?? null) === (data.flow.orig_p ?? null)
        ? h('span', { class: 'dir-out', title: 'originator → responder' }, '→')
        : h('span', { class: 'dir-in', title: 'responder → originator' }, '←')),
    },
    { key: 'length', label: 'Length', num: true, render: (p) => formatCount(p.length) },
    { key: 'flags', label: 'Flags', render: (p) => (p.tcp_flags ? h('span', { class: 'mono' }, p.tcp_flags) : '') },
    { key: 'ttl', label: 'TTL', num: true, render: (p) => p.ttl },
    { key: 'info', label: 'Info', className: 'info', render: (p) => p.info || '' },
  ], { caption: 'Packets of the flow', id: 'flow-packets', emptyText: 'No packet rows were stored for this flow (packet policy).' });
  pktTable.wrap.classList.add('tall');
  const tables = {
    dns: new DataTable(DNS_COLUMNS, { caption: 'DNS', emptyText: 'No DNS in this flow.' }),
    http: new DataTable(HTTP_COLUMNS, { caption: 'HTTP', emptyText: 'No HTTP in this flow.' }),
    tls: new DataTable(TLS_COLUMNS, { caption: 'TLS', emptyText: 'No TLS in this flow.' }),
    alerts: new DataTable(ALERT_COLUMNS, { caption: 'Alerts', emptyText: 'No alert points at this flow.' }),
  };
  packetsP.body.append(pktTable.el);
  dnsP.body.append(tables.dns.el);
  httpP.body.append(tables.http.el);
  tlsP.body.append(tables.tls.el);
  alertsP.body.append(tables.alerts.el);
  dnsP.actionsEl.append(clientExport(`flow-${ctx.arg}-dns`, () => data && data.dns));
  httpP.actionsEl.append(clientExport(`flow-${ctx.arg}-http`, () => data && data.http));
  tlsP.actionsEl.append(clientExport(`flow-${ctx.arg}-tls`, () => data && data.tls));
  alertsP.actionsEl.append(clientExport(`flow-${ctx.arg}-alerts`, () => data && data.alerts));

  function render(d) {
    data = d;
    const f = d.flow;
    setChildren(conn, endpointEl(f.orig_h, f.orig_p), h('span', { class: 'arrow' }, '→'), endpointEl(f.resp_h, f.resp_p),
      badge(f.proto), f.service ? badge(f.service) : null, connStateEl(f.conn_state));
    const totalBytes = (f.orig_l2_bytes || 0) + (f.resp_l2_bytes || 0);
    setChildren(summary.body, h('div', { class: 'grid' },
      h('div', { class: 'span-6' }, kv([
        ['Start', timeEl(f.ts, true)],
        ['Duration', formatDuration(f.duration)],
        ['Capture', h('a', { href: linkTo('dashboard', null, { capture: String(f.capture_id) }) }, `#${f.capture_id}`)],
        ['uid', h('span', { class: 'mono' }, f.uid)],
        ['community_id', h('span', { class: 'mono' }, f.community_id || '—')],
        ['Service', f.service || null],
        ['conn_state', f.conn_state ? h('span', null, connStateEl(f.conn_state), ` ${CONN_STATES[f.conn_state] || ''}`) : null],
        ['history', f.history ? h('span', null, h('span', { class: 'mono' }, f.history), h('pre', { class: 'history-explain muted' }, explainHistory(f.history))) : null],
        ['End reason', f.end_reason || null],
      ])),
      h('div', { class: 'span-6' }, kv([
        ['Originator', h('span', null, endpointEl(f.orig_h, f.orig_p), ' ', ccEl(f.orig_cc))],
        ['Responder', h('span', null, endpointEl(f.resp_h, f.resp_p), ' ', ccEl(f.resp_cc))],
        ['Packets', `${formatCount(f.orig_pkts)} sent → · ← ${formatCount(f.resp_pkts)} received`],
        ['Payload bytes', `${formatBytes(f.orig_bytes)} → · ← ${formatBytes(f.resp_bytes)}`],
        ['IP bytes', `${formatBytes(f.orig_ip_bytes)} → · ← ${formatBytes(f.resp_ip_bytes)}`],
        ['Frame bytes', h('span', { title: `${formatCount(totalBytes)} bytes` }, `${formatBytes(f.orig_l2_bytes)} → · ← ${formatBytes(f.resp_l2_bytes)}`)],
        ['Handshake RTT', f.rtt !== null ? `${formatDuration(f.rtt)} (orig ${formatDuration(f.rtt_orig)}, resp ${formatDuration(f.rtt_resp)})` : null],
        ['VLAN', f.vlan],
        ['ICMP errors', f.icmp_errors ? formatCount(f.icmp_errors) : '0'],
      ]))));
    packetsP.setSubtitle(`${formatCount(d.packets.length)}${d.packets_truncated ? ' (first 1000)' : ''}`);
    const from = f.ts;
    const to = new Date(parseTs(f.ts) + Math.ceil(((f.duration || 0) + 1) * 1000)).toISOString();
    packetsP.actionsEl.replaceChildren(
      h('a', { class: 'btn btn-small', href: linkTo('packets', null, { capture: String(f.capture_id), uid: f.uid }) }, 'Open in Packets'),
      exportLinks('/api/packets', { capture: f.capture_id, uid: f.uid, from, to, sort: 'ts', order: 'asc' }, 'packets of this flow'));
    pktTable.setRows(d.packets);
    for (const k of ['dns', 'http', 'tls', 'alerts']) tables[k].setRows(d[k] || []);
    dnsP.setSubtitle(String((d.dns || []).length));
    httpP.setSubtitle(String((d.http || []).length));
    tlsP.setSubtitle(String((d.tls || []).length));
    alertsP.setSubtitle(String((d.alerts || []).length));
    // Keep empty event sections short: hide those that have nothing.
    dnsP.el.hidden = !(d.dns || []).length && f.service !== 'dns';
    httpP.el.hidden = !(d.http || []).length && f.service !== 'http';
    tlsP.el.hidden = !(d.tls || []).length && f.service !== 'ssl';
  }

  async function load(quiet) {
    if (!quiet) summary.setLoading(true);
    await rounds.run(async (signal) => {
      try {
        const d = await apiGet(`/api/flows/${encodeURIComponent(ctx.arg)}`, ctx.scope.capture ? { capture: ctx.scope.capture } : {}, { signal });
        summary.clearStatus();
        render(d);
      } catch (err) {
        if (signal.aborted) return;
        summary.setError(err.status === 404 ? `No flow has uid ${ctx.arg}${ctx.scope.capture ? ` in capture #${ctx.scope.capture}` : ''}.` : err.message);
      } finally {
        summary.setLoading(false);
      }
    });
  }
  load(false);
  return {
    update(c) { ctx = c; load(false); },
    refresh(c) { ctx = c; return load(true); },
    destroy() { rounds.abort(); },
  };
}
