// pages/hosts.js - every address seen in flows, with its traffic as client
// and as server; a row leads to the host's own page.

import { h } from '../dom.js';
import { formatCount } from '../format.js';
import { linkTo } from '../state.js';
import { timeEl, bytesEl, panel, ccEl } from '../ui/common.js';
import { ListView } from '../ui/table.js';
import { TRANSPORTS, CONN_STATES } from '../zeek.js';
import { pageHead } from './util.js';

export default function mount(root, ctx0) {
  let ctx = ctx0;
  const head = pageHead('Hosts', ctx);
  const list = new ListView({
    endpoint: '/api/hosts',
    name: 'hosts',
    tableId: 'hosts-table',
    caption: 'Hosts',
    filters: [
      { key: 'q', label: 'Address contains', placeholder: '192.168.', width: 'wide' },
      { key: 'host', label: 'In network (CIDR)', placeholder: '10.0.0.0/8' },
      { key: 'port', label: 'Port', type: 'number', min: 0, max: 65535, width: 'narrow' },
      { key: 'transport', label: 'Transport', type: 'select', options: [['', 'any'], ...TRANSPORTS.map((t) => [t, t])] },
      { key: 'app', label: 'Service', width: 'narrow', placeholder: 'dns' },
      { key: 'conn_state', label: 'conn_state', type: 'select', options: [['', 'any'], ...Object.keys(CONN_STATES).map((k) => [k, k])] },
    ],
    apiFilters: ['q', 'host', 'port', 'transport', 'app', 'conn_state'],
    sorts: ['bytes', 'packets', 'flows', 'host', 'last_ts'],
    defaultSort: 'bytes',
    pageSize: 100,
    rowKey: (r) => r.host,
    emptyText: 'No hosts match.',
    columns: [
      { key: 'host', label: 'Host', sort: 'host', render: (r) => h('a', { href: linkTo('host', r.host), class: 'mono' }, r.host) },
      { key: 'cc', label: 'Country', render: (r) => ccEl(r.cc) },
      { key: 'bytes', label: 'Bytes', num: true, sort: 'bytes', render: (r) => bytesEl(r.bytes) },
      { key: 'packets', label: 'Packets', num: true, sort: 'packets', render: (r) => formatCount(r.packets) },
      { key: 'flows', label: 'Flows', num: true, sort: 'flows', render: (r) => formatCount(r.flows) },
      { key: 'orig_flows', label: 'As client', num: true, render: (r) => formatCount(r.orig_flows) },
      { key: 'resp_flows', label: 'As server', num: true, render: (r) => formatCount(r.resp_flows) },
      { key: 'sent', label: 'Sent', num: true, render: (r) => bytesEl(r.sent_bytes) },
      { key: 'recv', label: 'Received', num: true, render: (r) => bytesEl(r.recv_bytes) },
      { key: 'first_ts', label: 'First seen', render: (r) => timeEl(r.first_ts) },
      { key: 'last_ts', label: 'Last seen', sort: 'last_ts', render: (r) => timeEl(r.last_ts) },
    ],
  });
  list.table.wrap.classList.add('tall');
  const main = panel('Hosts');
  main.body.append(list.el);
  root.append(head.el, main.el);
  list.update(ctx.params, ctx.scope, ctx.problem);
  return {
    update(c) { ctx = c; head.update(c); list.update(c.params, c.scope, c.problem); },
    refresh() { return list.refresh(); },
    destroy() { list.destroy(); },
  };
}
