// pages/dashboard.js - the overview an analyst keeps open: totals, the
// traffic timeline (drag to zoom), protocol mix, top talkers, top ports and
// services, and recent activity, for the selected capture and time range.

import { h, setChildren } from '../dom.js';
import { apiGet } from '../api.js';
import { formatBucket, formatBytes, formatCount, formatLocal, formatUtcTitle, parseTs } from '../format.js';
import { pick, linkTo, patchParams } from '../state.js';
import {
  panel, statCard, timeEl, hostLink, flowLink, bytesEl, badge, severityBadge, emptyState,
} from '../ui/common.js';
import { TimeChart, timelineColumns, barList, shareBar } from '../ui/charts.js';
import { liveSurplus } from '../statusbar.js';
import { DataTable, clientExport } from '../ui/table.js';
import { pageHead, Rounds, hasRange, zoomTo, zoomOut, urlSelect } from './util.js';

const BY = [['bytes', 'by bytes'], ['packets', 'by packets'], ['flows', 'by flows']];

export default function mount(root, ctx0) {
  let ctx = ctx0;
  const rounds = new Rounds();
  const head = pageHead('Dashboard', ctx);

  // --- totals
  const cards = {
    packets: statCard('stat-packets', 'Packets'),
    bytes: statCard('stat-bytes', 'Bytes'),
    flows: statCard('stat-flows', 'Flows'),
    hosts: statCard('stat-hosts', 'Hosts'),
    alerts: statCard('stat-alerts', 'Alerts'),
    captures: statCard('stat-captures', 'Captures'),
  };
  const totals = panel('Totals', { className: 'totals' });
  const span = h('p', { class: 'muted', id: 'stat-span' });
  totals.body.append(h('div', { class: 'cards' }, Object.values(cards).map((c) => c.el)), span);

  // --- timeline
  const chart = new TimeChart({
    series: [
      { label: 'Packets', unit: 'count', field: 'packets' },
      { label: 'Bytes', unit: 'bytes', field: 'bytes', fill: true },
    ],
    height: 250,
    onZoom: zoomTo,
    ariaLabel: 'Traffic over time: packets and bytes',
  });
  const zoomOutBtn = h('button', { type: 'button', class: 'btn btn-small', onclick: () => zoomOut(ctx) }, 'Zoom out');
  const resetBtn = h('button', { type: 'button', class: 'btn btn-small', id: 'timeline-reset', onclick: () => patchParams({ from: null, to: null, range: null }) }, 'Reset zoom');
  const timeline = panel('Traffic over time', { actions: [zoomOutBtn, resetBtn], className: 'timeline' });
  timeline.body.append(chart.el, h('p', { class: 'chart-hint' }, 'Drag across the chart to zoom into a time range; the range goes into the URL.'));

  // --- protocol mix
  const protocols = panel('Protocol mix');
  // --- talkers
  const talkersBy = urlSelect('talkers', BY, ctx.params.talkers || 'bytes', 'rank top talkers');
  let talkerRows = [];
  const talkersTable = new DataTable([
    { key: 'host', label: 'Host', render: (r) => hostLink(r.host) },
    { key: 'bytes', label: 'Bytes', num: true, render: (r) => bytesEl(r.bytes) },
    { key: 'packets', label: 'Packets', num: true, render: (r) => formatCount(r.packets) },
    { key: 'flows', label: 'Flows', num: true, render: (r) => formatCount(r.flows) },
  ], { caption: 'Top talkers', id: 'top-talkers', emptyText: 'No hosts in this scope.' });
  const talkers = panel('Top talkers', { actions: [talkersBy, clientExport('top-talkers', () => talkerRows)] });
  talkers.body.append(talkersTable.el);

  // --- ports
  let portRows = [];
  const portsBy = urlSelect('ports', BY, ctx.params.ports || 'bytes', 'rank ports');
  const portsTable = new DataTable([
    { key: 'port', label: 'Port', render: (r) => h('a', { href: linkTo('flows', null, { port: String(r.port), transport: r.proto }), class: 'mono' }, `${r.port}/${r.proto}`) },
    { key: 'service', label: 'Service', render: (r) => r.service || '' },
    { key: 'bytes', label: 'Bytes', num: true, render: (r) => bytesEl(r.bytes) },
    { key: 'flows', label: 'Flows', num: true, render: (r) => formatCount(r.flows) },
  ], { caption: 'Top server ports', id: 'top-ports', emptyText: 'No server ports in this scope.' });
  const ports = panel('Top ports & services', { actions: [portsBy, clientExport('top-ports', () => portRows)] });
  ports.body.append(portsTable.el);

  // --- recent
  const recent = panel('Recent activity');

  const grid = h('div', { class: 'grid' },
    h('div', { class: 'span-12' }, timeline.el),
    h('div', { class: 'span-4' }, protocols.el),
    h('div', { class: 'span-4' }, talkers.el),
    h('div', { class: 'span-4' }, ports.el),
    h('div', { class: 'span-12' }, recent.el));
  const emptyBox = h('div', { hidden: true });
  root.append(head.el, emptyBox, totals.el, grid);

  let lastTotals = null;
  // A new heartbeat brings new live counts: redraw the totals right away.
  const onStatus = () => { if (lastTotals && ctx.live) renderTotals(...lastTotals); };
  window.addEventListener('ps-status', onStatus);

  function renderTotals(stats, tl, geo, alerts) {
    lastTotals = [stats, tl, geo, alerts];
    const ranged = hasRange(ctx);
    if (!ranged) {
      // A running capture's row is filled in when it ends: add what the
      // sensor has counted so far.
      const extra = liveSurplus(ctx.app.status, ctx.scope.capture || null);
      const pk = stats.packets + extra.packets;
      const by = stats.bytes + extra.bytes;
      const note = extra.packets ? 'live, counting' : null;
      cards.packets.set(pk, formatCount(pk), null, note);
      cards.bytes.set(by, formatBytes(by), `${formatCount(by)} bytes`, note);
      cards.flows.set(stats.flows, formatCount(stats.flows));
      cards.hosts.set(stats.hosts, formatCount(stats.hosts));
    } else {
      // /api/stats has no time range: count the buckets and flows in range.
      const pts = (tl && tl.points) || [];
      const sum = (f) => pts.reduce((s, p) => s + (p[f] || 0), 0);
      const pk = sum('packets');
      const by = sum('bytes');
      const fl = sum('new_flows');
      cards.packets.set(pk, formatCount(pk), null, 'in the time range');
      cards.bytes.set(by, formatBytes(by), `${formatCount(by)} bytes`, 'in the time range');
      cards.flows.set(fl, formatCount(fl), null, 'started in the range');
      if (geo) {
        const hs = (geo.countries || []).reduce((s, c) => s + (c.hosts || 0), 0);
        cards.hosts.set(hs, formatCount(hs), null, 'seen in the range');
      } else {
        cards.hosts.set(null, '—');
      }
    }
    if (alerts) {
      const n = alerts.items.length;
      const more = !!alerts.next_cursor;
      cards.alerts.set(n, `${formatCount(n)}${more ? '+' : ''}`, null, n ? 'see Analytics › Security' : 'no findings');
    }
    cards.captures.set(stats.captures, formatCount(stats.captures), null, ctx.scope.capture ? 'selected' : 'in the database');
    if (stats.first_ts) {
      setChildren(span, 'Data from ', timeEl(stats.first_ts), ' to ', timeEl(stats.last_ts),
        ' (your time zone; hover for UTC)');
    } else {
      span.textContent = '';
    }
  }

  function renderProtocols(pd) {
    const t = pd.transports || [];
    const fam = pd.families || {};
    const svc = (pd.services || []).slice(0, 8);
    setChildren(protocols.body,
      h('h3', { class: 'sr-only' }, 'Transports'),
      shareBar(t.map((x) => ({ label: x.proto.toUpperCase(), value: x.packets })), { unit: formatCount }),
      h('p', { class: 'muted', id: 'protocol-families' },
        `IPv4 ${formatCount(fam.ipv4)} · IPv6 ${formatCount(fam.ipv6)} · ARP ${formatCount(fam.arp)} packets`),
      h('h3', { class: 'minor' }, 'Services by bytes'),
      barList(svc.map((s) => ({
        label: h('a', { href: linkTo('flows', null, s.service && s.service !== '-' ? { app: s.service } : { transport: s.proto }) },
          s.service === '-' ? `(none) ${s.proto}` : s.service),
        value: s.bytes,
        text: formatBytes(s.bytes),
        title: `${s.service} over ${s.proto}: ${formatCount(s.flows)} flows, ${formatCount(s.packets)} packets, ${formatCount(s.bytes)} bytes`,
      })), { emptyText: 'No flows in this scope.' }));
  }

  function feedItem(kind, ts, what, extra = null) {
    return { kind, ts, what, extra };
  }

  function renderRecent(ra) {
    const items = [];
    for (const a of ra.alerts || []) {
      items.push(feedItem('alert', a.last_seen || a.ts, [severityBadge(a.severity), ' ', h('strong', null, a.kind), ' ', a.summary || '',
        a.evidence && a.evidence.length ? [' ', flowLink(a.evidence[0], a.capture_id)] : null]));
    }
    for (const d of ra.dns || []) {
      items.push(feedItem('dns', d.ts, [hostLink(d.orig_h), ' asked ', h('strong', null, d.query || '(none)'), ` ${d.qtype_name || ''} → `,
        d.rcode_name === 'NOERROR' ? (d.answers || []).slice(0, 2).join(', ') || 'no answer' : h('span', { class: 'bad' }, d.rcode_name || 'no reply')]));
    }
    for (const x of ra.http || []) {
      items.push(feedItem('http', x.ts, [hostLink(x.orig_h), ` ${x.method || ''} `, h('strong', null, x.host || x.resp_h), h('span', { class: 'muted' }, (x.uri || '').slice(0, 60)),
        x.status_code ? [' → ', badge(String(x.status_code), x.status_code >= 400 ? 'bad' : 'good')] : null]));
    }
    for (const t of ra.tls || []) {
      items.push(feedItem('tls', t.ts, [hostLink(t.orig_h), ' → ', h('strong', null, t.server_name || t.resp_h), ` ${t.version || ''}`,
        t.established === false ? h('span', { class: 'warn' }, ' (not established)') : null]));
    }
    for (const c of ra.captures || []) {
      items.push(feedItem('capture', c.started_at, [h('a', { href: linkTo('dashboard', null, { capture: String(c.id) }) }, `capture #${c.id}`),
        ` ${c.kind === 'live' ? `live on ${c.interface || c.source}` : c.source} · ${c.status} · ${formatCount(c.packets)} packets`]));
    }
    for (const j of ra.jobs || []) {
      items.push(feedItem('job', j.finished_at || j.started_at || j.created_at, [`upload job #${j.id} `, h('strong', null, j.file_name || ''), ` · ${j.state}`,
        j.capture_id ? [' → ', h('a', { href: linkTo('dashboard', null, { capture: String(j.capture_id) }) }, `capture #${j.capture_id}`)] : null,
        j.error ? h('span', { class: 'bad' }, ` ${j.error}`) : null]));
    }
    items.sort((a, b) => (parseTs(b.ts) || 0) - (parseTs(a.ts) || 0));
    const list = items.slice(0, 24);
    if (list.length === 0) {
      setChildren(recent.body, h('p', { class: 'muted' }, 'Nothing yet in this capture.'));
      return;
    }
    const sig = JSON.stringify(list.map((i) => [i.kind, i.ts]));
    if (sig === recent.sig) return;
    recent.sig = sig;
    setChildren(recent.body, h('ul', { class: 'feed', id: 'recent-feed' }, list.map((i) => h('li', null,
      badge(i.kind, i.kind === 'alert' ? 'bad' : ''),
      h('span', { class: 'what' }, i.what),
      i.ts ? h('time', { datetime: i.ts, title: formatUtcTitle(i.ts) }, formatLocal(i.ts)) : h('span')))));
  }

  async function load(quiet) {
    if (ctx.problem) {
      rounds.abort();
      emptyBox.hidden = false;
      setChildren(emptyBox, emptyState(ctx.problem));
      return;
    }
    const scope = ctx.scope;
    const base = pick(scope, ['capture', 'from', 'to']);
    const capOnly = pick(scope, ['capture']);
    if (!quiet) [totals, timeline, protocols, talkers, ports, recent].forEach((p) => p.setLoading(true));
    await rounds.run(async (signal) => {
      const o = { signal };
      const req = {
        stats: apiGet('/api/stats', capOnly, o),
        tl: apiGet('/api/traffic-timeline', base, o),
        pd: apiGet('/api/protocol-distribution', base, o),
        tt: apiGet('/api/top-talkers', { ...base, by: ctx.params.talkers || 'bytes', limit: 10 }, o),
        pa: apiGet('/api/port-analysis', { ...base, by: ctx.params.ports || 'bytes', limit: 10 }, o),
        ra: apiGet('/api/recent-activity', { ...capOnly, limit: 8 }, o),
        al: apiGet('/api/alerts', { ...base, limit: 1000 }, o),
        geo: hasRange(ctx) ? apiGet('/api/geo-analysis', { ...base, limit: 300 }, o) : Promise.resolve(null),
      };
      const keys = Object.keys(req);
      const res = await Promise.allSettled(Object.values(req));
      if (signal.aborted) return;
      const r = {};
      const err = {};
      keys.forEach((k, i) => {
        if (res[i].status === 'fulfilled') r[k] = res[i].value;
        else err[k] = res[i].reason;
      });
      for (const e of Object.values(err)) if (e && e.name === 'AbortError') return;

      [totals, timeline, protocols, talkers, ports, recent].forEach((p) => { p.setLoading(false); p.clearStatus(); });

      if (r.stats && r.stats.captures === 0 && !ctx.scope.capture) {
        emptyBox.hidden = false;
        setChildren(emptyBox, emptyState('No captures yet — upload a file or start a capture from the bar above.', linkTo('upload'), 'Upload a capture'));
      } else {
        emptyBox.hidden = true;
      }
      if (r.stats) renderTotals(r.stats, r.tl, r.geo, r.al);
      else totals.setError(`Totals: ${err.stats.message}`);
      if (err.al) totals.setError(`Alerts: ${err.al.message}`);

      if (r.tl) {
        const cols = timelineColumns(r.tl, ['packets', 'bytes']);
        chart.setData(cols);
        timeline.setSubtitle(r.tl.points.length ? `${formatBucket(r.tl.bucket_s)} buckets` : '');
        const running = (ctx.app.status && ctx.app.status.live_captures || []).some((c) => String(c.id) === String(ctx.scope.capture));
        if (r.tl.points.length === 0) {
          timeline.setEmpty(hasRange(ctx) ? 'No traffic in this time range. Pick another range or “All time”.'
            : running ? 'The sensor writes the traffic timeline of a running capture when it ends; the live counts are in the capture bar above.'
              : 'No traffic recorded in this scope yet.');
        }
      } else timeline.setError(`Timeline: ${err.tl.message}`);
      resetBtn.disabled = !hasRange(ctx);
      zoomOutBtn.disabled = !(ctx.params.from);

      if (r.pd) renderProtocols(r.pd);
      else protocols.setError(`Protocol mix: ${err.pd.message}`);

      if (r.tt) {
        talkerRows = r.tt.talkers || [];
        talkersTable.setRows(talkerRows);
      } else talkers.setError(`Top talkers: ${err.tt.message}`);

      if (r.pa) {
        portRows = r.pa.ports || [];
        portsTable.setRows(portRows);
      } else ports.setError(`Ports: ${err.pa.message}`);

      if (r.ra) renderRecent(r.ra);
      else recent.setError(`Recent activity: ${err.ra.message}`);
    });
  }

  load(false);

  return {
    update(c) {
      ctx = c;
      head.update(c);
      talkersBy.value = c.params.talkers || 'bytes';
      portsBy.value = c.params.ports || 'bytes';
      load(false);
    },
    refresh(c) {
      ctx = c;
      return load(true);
    },
    destroy() {
      rounds.abort();
      chart.destroy();
      window.removeEventListener('ps-status', onStatus);
    },
  };
}
