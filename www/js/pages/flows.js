// pages/flows.js - the connection table (Zeek conn.log fields): filters,
// sorting by start, bytes, packets and duration, conn_state and history
// with their meanings on hover; a row opens the flow's detail page.

import { h } from '../dom.js';
import { formatCount, formatDuration } from '../format.js';
import { linkTo } from '../state.js';
import { timeEl, endpointEl, badge, bytesEl, panel, ccEl } from '../ui/common.js';
import { ListView } from '../ui/table.js';
import { TRANSPORTS, CONN_STATES, connStateClass, explainHistory } from '../zeek.js';
import { pageHead } from './util.js';

export function connStateEl(s) {
  if (!s) return '';
  return h('span', { title: `${s}: ${CONN_STATES[s] || 'unknown state'}` }, badge(s, connStateClass(s)));
}

export function historyEl(hist) {
  if (!hist) return '';
  return h('span', { class: 'mono', title: explainHistory(hist) }, hist);
}

export const FLOW_COLUMNS = [
  { key: 'uid', label: 'uid', render: (f) => h('a', { href: linkTo('flow', f.uid, f.capture_id ? { capture: String(f.capture_id) } : {}), class: 'mono' }, f.uid) },
  { key: 'ts', label: 'Start', sort: 'ts', render: (f) => timeEl(f.ts) },
  { key: 'orig', label: 'Originator', render: (f) => endpointEl(f.orig_h, f.orig_p) },
  { key: 'resp', label: 'Responder', render: (f) => endpointEl(f.resp_h, f.resp_p) },
  { key: 'proto', label: 'Proto', render: (f) => f.proto },
  { key: 'service', label: 'Service', render: (f) => f.service || '' },
  { key: 'duration', label: 'Duration', num: true, sort: 'duration', render: (f) => formatDuration(f.duration) },
  { key: 'bytes', label: 'Bytes', num: true, sort: 'bytes', render: (f) => bytesEl((f.orig_l2_bytes || 0) + (f.resp_l2_bytes || 0)) },
  { key: 'packets', label: 'Packets', num: true, sort: 'packets', render: (f) => formatCount((f.orig_pkts || 0) + (f.resp_pkts || 0)) },
  { key: 'conn_state', label: 'State', render: (f) => connStateEl(f.conn_state) },
  { key: 'history', label: 'History', render: (f) => historyEl(f.history) },
  { key: 'cc', label: 'Countries', render: (f) => (f.orig_cc || f.resp_cc ? h('span', null, ccEl(f.orig_cc), ' → ', ccEl(f.resp_cc)) : '') },
];

export const FLOW_FILTERS = [
  { key: 'host', label: 'Host or CIDR', placeholder: '192.168.0.0/16' },
  { key: 'port', label: 'Port', type: 'number', min: 0, max: 65535, width: 'narrow', placeholder: '53' },
  { key: 'transport', label: 'Transport', type: 'select', options: [['', 'any'], ...TRANSPORTS.map((t) => [t, t])] },
  { key: 'app', label: 'Service', placeholder: 'dns, http, ssl…', width: 'narrow' },
  {
    key: 'conn_state', label: 'conn_state', type: 'select',
    options: [['', 'any'], ...Object.entries(CONN_STATES).map(([k, v]) => [k, `${k} — ${v.length > 38 ? `${v.slice(0, 36)}…` : v}`])],
  },
  { key: 'q', label: 'uid, community_id, history', placeholder: 'text', width: 'wide' },
];

export default function mount(root, ctx0) {
  let ctx = ctx0;
  const head = pageHead('Flows', ctx);
  const list = new ListView({
    endpoint: '/api/flows',
    name: 'flows',
    tableId: 'flows-table',
    caption: 'Flows',
    filters: FLOW_FILTERS,
    apiFilters: ['host', 'port', 'transport', 'app', 'conn_state', 'q'],
    sorts: ['ts', 'bytes', 'packets', 'duration'],
    defaultSort: 'ts',
    pageSize: 100,
    rowKey: (f) => `${f.capture_id}:${f.uid}`,
    emptyText: 'No flows match. Clear the filters or pick another capture or time range.',
    columns: FLOW_COLUMNS,
  });
  list.table.wrap.classList.add('tall');
  const main = panel('Flows', { subtitle: 'Zeek conn.log fields; hover a state or history for its meaning' });
  main.body.append(list.el);
  root.append(head.el, main.el);
  list.update(ctx.params, ctx.scope, ctx.problem);
  return {
    update(c) {
      ctx = c;
      head.update(c);
      list.update(c.params, c.scope, c.problem);
    },
    refresh() {
      return list.refresh();
    },
    destroy() {
      list.destroy();
    },
  };
}
