// pages/packets.js - the packet table: filters (host or CIDR, port,
// transport, application, text in the summary, flow uid), keyset paging,
// and a detail pane with the decoded layers of the selected packet plus
// its flow and that flow's application events.

import { h, setChildren } from '../dom.js';
import { apiGet } from '../api.js';
import { formatCount, formatLocal, formatUtcTitle, formatBytes, formatDuration } from '../format.js';
import { patchParams, linkTo } from '../state.js';
import { timeEl, endpointEl, hostLink, flowLink, badge, panel, muted } from '../ui/common.js';
import { ListView } from '../ui/table.js';
import { TRANSPORTS, explainTcpFlags, CONN_STATES, connStateClass, explainHistory } from '../zeek.js';
import { pageHead, Rounds } from './util.js';

const ETHERTYPE_NAME = (p) => {
  if (p.proto === 'arp') return 'ARP';
  const a = p.src || p.dst || '';
  if (!a) return 'other';
  return a.includes(':') ? 'IPv6' : 'IPv4';
};

function kv(pairs) {
  return h('dl', { class: 'kv' }, pairs.filter(Boolean).map(([k, v]) => [h('dt', null, k),
    h('dd', null, v === null || v === undefined || v === '' ? muted('—') : v)]));
}

function layer(title, pairs, open = true) {
  return h('details', { class: 'layer', open }, h('summary', null, title), kv(pairs));
}

export const PACKET_FILTERS = [
  { key: 'host', label: 'Host or CIDR', placeholder: '10.0.0.0/8', inputmode: 'text' },
  { key: 'port', label: 'Port', type: 'number', min: 0, max: 65535, width: 'narrow', placeholder: '443' },
  { key: 'transport', label: 'Transport', type: 'select', options: [['', 'any'], ...TRANSPORTS.map((t) => [t, t])] },
  { key: 'app', label: 'Application', placeholder: 'dns, http, ssl…', width: 'narrow' },
  { key: 'q', label: 'Text in summary', placeholder: 'seq=, GET, …', width: 'wide' },
  { key: 'uid', label: 'Flow uid', placeholder: 'C…', width: 'narrow' },
];

export default function mount(root, ctx0) {
  let ctx = ctx0;
  const head = pageHead('Packets', ctx);
  const detailRounds = new Rounds();
  const detail = panel('Packet detail', { className: 'detail-pane' });
  detail.body.append(h('p', { class: 'muted' }, 'Select a packet to see its layers. Keyboard: focus the table and use ↑/↓.'));
  detail.el.id = 'packet-detail';

  const pkKey = (p) => `${p.capture_id}:${p.frame}`;
  const list = new ListView({
    endpoint: '/api/packets',
    name: 'packets',
    tableId: 'packets-table',
    caption: 'Packets',
    filters: PACKET_FILTERS,
    apiFilters: ['host', 'port', 'transport', 'app', 'q', 'uid'],
    sorts: ['ts', 'length'],
    defaultSort: 'ts',
    pageSize: 100,
    rowKey: pkKey,
    emptyText: 'No packets match. Clear the filters or pick another capture or time range.',
    onSelect: (p) => {
      showDetail(p);
      if (ctx.params.sel !== pkKey(p)) patchParams({ sel: pkKey(p) }, { replace: true });
    },
    onLoad: (rows) => {
      const sel = ctx.params.sel;
      if (sel && rows.some((r) => pkKey(r) === sel) && list.table.selectedKey !== sel) list.table.select(sel);
    },
    columns: [
      { key: 'frame', label: 'No.', num: true, render: (p) => h('button', { type: 'button', class: 'row-btn', title: 'show layers', onclick: () => list.table.select(pkKey(p)) }, String(p.frame)) },
      { key: 'ts', label: 'Time', sort: 'ts', render: (p) => timeEl(p.ts, true) },
      { key: 'src', label: 'Source', render: (p) => endpointEl(p.src, p.sport) },
      { key: 'dst', label: 'Destination', render: (p) => endpointEl(p.dst, p.dport) },
      { key: 'proto', label: 'Proto', render: (p) => p.proto },
      { key: 'length', label: 'Length', num: true, sort: 'length', render: (p) => formatCount(p.length) },
      { key: 'app', label: 'App', render: (p) => p.app || '' },
      { key: 'info', label: 'Info', className: 'info', render: (p) => (p.info ? h('span', { title: p.info }, p.info) : '') },
    ],
  });
  list.table.wrap.classList.add('tall');
  list.table.wrap.addEventListener('keydown', (ev) => {
    if (ev.key === 'ArrowDown' || ev.key === 'j') { ev.preventDefault(); list.table.move(1); }
    if (ev.key === 'ArrowUp' || ev.key === 'k') { ev.preventDefault(); list.table.move(-1); }
  });

  const main = panel('Packets', { className: 'packets-list' });
  main.body.append(list.el);
  root.append(head.el, h('div', { class: 'split' }, main.el, detail.el));

  function showDetail(p) {
    const ipv = ETHERTYPE_NAME(p);
    const truncated = p.caplen < p.length;
    const layers = h('div', { class: 'layers', id: 'packet-layers' },
      layer(`Frame ${p.frame}: ${formatCount(p.length)} bytes on wire, ${formatCount(p.caplen)} captured`, [
        ['Capture', h('a', { href: linkTo('dashboard', null, { capture: String(p.capture_id) }) }, `#${p.capture_id}`)],
        ['Arrival (local)', formatLocal(p.ts, true)],
        ['Arrival (UTC)', formatUtcTitle(p.ts)],
        ['Frame length', `${formatCount(p.length)} bytes`],
        ['Captured length', h('span', { class: truncated ? 'warn' : null }, `${formatCount(p.caplen)} bytes${truncated ? ' (truncated by the snap length)' : ''}`)],
      ]),
      layer(`Link: ${p.vlan !== null && p.vlan !== undefined ? `802.1Q VLAN ${p.vlan}` : 'no VLAN tag'}`, [
        ['VLAN', p.vlan ?? 'none'],
      ], false),
      p.proto === 'arp'
        ? layer('ARP', [['Sender', p.src], ['Target', p.dst]])
        : layer(`${ipv}, Src: ${p.src || '?'}, Dst: ${p.dst || '?'}`, [
          ['Source', hostLink(p.src)],
          ['Destination', hostLink(p.dst)],
          [ipv === 'IPv6' ? 'Hop limit' : 'Time to live', p.ttl],
        ]),
      (p.proto === 'tcp' || p.proto === 'udp')
        ? layer(`${p.proto.toUpperCase()}, Src Port: ${p.sport}, Dst Port: ${p.dport}${p.tcp_flags ? `, Flags: [${p.tcp_flags}]` : ''}`, [
          ['Source port', p.sport],
          ['Destination port', p.dport],
          p.proto === 'tcp' ? ['Flags', p.tcp_flags ? `${p.tcp_flags} (${explainTcpFlags(p.tcp_flags)})` : 'none'] : null,
        ])
        : layer(`Transport: ${p.proto || 'other'}`, [['Protocol', p.proto], ['Ports', p.sport !== null ? `${p.sport} → ${p.dport}` : null]]),
      layer(`Application: ${p.app || 'not identified'}`, [
        ['Protocol', p.app || null],
        ['Summary', p.info ? h('code', null, p.info) : null],
      ]));
    const flowBox = h('div', { class: 'flow-box' }, p.uid ? h('p', { class: 'muted' }, 'Loading the flow…') : h('p', { class: 'muted' }, 'This packet belongs to no flow.'));
    setChildren(detail.body, layers, h('h3', { class: 'minor' }, 'Flow'), flowBox);
    detail.clearStatus();
    if (!p.uid) return;
    detailRounds.run(async (signal) => {
      let f;
      try {
        f = await apiGet(`/api/flows/${encodeURIComponent(p.uid)}`, { capture: p.capture_id }, { signal });
      } catch (err) {
        if (signal.aborted) return;
        setChildren(flowBox, h('p', { class: 'panel-status error' }, `Flow ${p.uid}: ${err.message}`));
        return;
      }
      const fl = f.flow;
      const ev = [];
      for (const d of f.dns || []) ev.push(['DNS', `${d.query} ${d.qtype_name || ''} → ${d.rcode_name || ''} ${(d.answers || []).slice(0, 3).join(', ')}`]);
      for (const x of f.http || []) ev.push(['HTTP', `${x.method || ''} ${x.host || ''}${x.uri || ''} → ${x.status_code ?? ''} ${x.status_msg || ''}`]);
      for (const t of f.tls || []) ev.push(['TLS', `${t.version || ''} SNI ${t.server_name || '—'}${t.alpn ? ` ALPN ${t.alpn.join(',')}` : ''}`]);
      for (const a of f.alerts || []) ev.push(['Alert', `${a.severity}: ${a.summary}`]);
      setChildren(flowBox, kv([
        ['uid', flowLink(fl.uid, fl.capture_id)],
        ['Connection', h('span', { class: 'mono' }, `${fl.orig_h}:${fl.orig_p ?? ''} → ${fl.resp_h}:${fl.resp_p ?? ''} ${fl.proto}`)],
        ['Service', fl.service || null],
        ['conn_state', fl.conn_state ? h('span', { title: CONN_STATES[fl.conn_state] || '' }, badge(fl.conn_state, connStateClass(fl.conn_state)), ` ${CONN_STATES[fl.conn_state] || ''}`) : null],
        ['history', fl.history ? h('span', { class: 'mono', title: explainHistory(fl.history) }, fl.history) : null],
        ['Duration', formatDuration(fl.duration)],
        ['Packets', `${formatCount(fl.orig_pkts)} → / ← ${formatCount(fl.resp_pkts)}`],
        ['Bytes (payload)', `${formatBytes(fl.orig_bytes)} → / ← ${formatBytes(fl.resp_bytes)}`],
      ]), ev.length ? h('ul', { class: 'plain-list' }, ev.slice(0, 12).map(([k, v]) => h('li', null, badge(k), ' ', v))) : null);
    });
  }

  list.update(ctx.params, ctx.scope, ctx.problem);

  return {
    update(c) {
      ctx = c;
      head.update(c);
      list.update(c.params, c.scope, c.problem);
    },
    refresh(c) {
      ctx = c;
      return list.refresh();
    },
    destroy() {
      list.destroy();
      detailRounds.abort();
    },
  };
}
