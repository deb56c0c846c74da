// ui/charts.js - time series with uPlot (drag across a chart to zoom into
// that time range; the page turns it into from/to in the URL), and plain
// HTML bar lists for distributions (readable, accessible, no library).

import uPlot from '../../vendor/uplot/uPlot.esm.js';
import { h } from '../dom.js';
import { formatCompact, formatBytes, formatCount, parseTs } from '../format.js';

export function cssVar(name, fallback) {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

/** The chart palette, read from CSS so the themes decide. */
export function palette() {
  return [1, 2, 3, 4, 5, 6].map((i) => cssVar(`--chart-${i}`, '#1f6feb'));
}

/**
 * Time points from /api/traffic-timeline as uPlot columns, with empty
 * buckets filled with zeros (the API lists only buckets with traffic) when
 * the range holds a sane number of buckets.
 * fields: names of point properties, one series each.
 */
export function timelineColumns(tl, fields) {
  const pts = tl.points || [];
  const step = tl.bucket_s || 1;
  const byTs = new Map(pts.map((p) => [Math.round(parseTs(p.ts) / 1000), p]));
  let xs = Array.from(byTs.keys()).sort((a, b) => a - b);
  if (xs.length > 0) {
    const start = Math.floor(xs[0] / step) * step;
    const end = xs[xs.length - 1];
    if ((end - start) / step <= 3000) {
      xs = [];
      for (let t = start; t <= end; t += step) xs.push(t);
    }
  }
  // A single bucket gives uPlot no x range: pad with empty neighbours.
  if (xs.length === 1) xs = [xs[0] - step, xs[0], xs[0] + step];
  const cols = [xs];
  for (const f of fields) cols.push(xs.map((t) => (byTs.has(t) ? byTs.get(t)[f] ?? 0 : 0)));
  return cols;
}

/**
 * A uPlot time chart that sizes itself to its container.
 * series: [{label, field, unit: 'bytes'|'count', axis: 0|1, fill: bool}]
 * onZoom(fromMs, toMs) is called after a drag selection.
 */
export class TimeChart {
  constructor({ series, height = 240, onZoom = null, stepped = false, ariaLabel = 'time chart' }) {
    this.seriesSpec = series;
    this.height = height;
    this.onZoom = onZoom;
    this.stepped = stepped;
    this.data = null;
    this.plot = null;
    this.holder = h('div', { class: 'chart', role: 'img', 'aria-label': ariaLabel });
    this.el = this.holder;
    this.resizeObs = new ResizeObserver(() => this.resize());
    this.resizeObs.observe(this.holder);
    this.onTheme = () => this.rebuild();
    window.addEventListener('themechange', this.onTheme);
  }

  width() {
    return Math.max(200, Math.floor(this.holder.clientWidth || 600));
  }

  options() {
    const colors = palette();
    const axisStroke = cssVar('--muted', '#666');
    const grid = cssVar('--grid', 'rgba(128,128,128,.15)');
    const fmtFor = (unit) => (unit === 'bytes' ? formatBytes : formatCount);
    const axisFmt = (unit) => (unit === 'bytes'
      ? (u, vals) => vals.map((v) => (v === null ? '' : formatBytes(v).replace('.0 ', ' ')))
      : (u, vals) => vals.map((v) => (v === null ? '' : formatCompact(v))));
    const scaleKeys = [...new Set(this.seriesSpec.map((s) => s.unit))];
    const series = [{}];
    this.seriesSpec.forEach((s, i) => {
      const color = s.color || colors[i % colors.length];
      series.push({
        label: s.label,
        scale: s.unit,
        stroke: color,
        width: 1.5,
        fill: s.fill ? `${color}33` : undefined,
        points: { show: false },
        paths: this.stepped ? uPlot.paths.stepped({ align: 1 }) : undefined,
        value: (u, v) => (v === null || v === undefined ? '—' : fmtFor(s.unit)(v)),
      });
    });
    const axes = [{ stroke: axisStroke, space: 90, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } }];
    scaleKeys.forEach((unit, i) => {
      axes.push({
        scale: unit, side: i === 0 ? 3 : 1, stroke: axisStroke, size: 64,
        grid: { show: i === 0, stroke: grid, width: 1 }, ticks: { stroke: grid },
        values: axisFmt(unit),
      });
    });
    const scales = { x: { time: true } };
    for (const k of scaleKeys) scales[k] = { range: (u, min, max) => [0, max > 0 ? max * 1.08 : 1] };
    return {
      width: this.width(),
      height: this.height,
      series,
      axes,
      scales,
      legend: { live: true },
      cursor: { drag: { x: !!this.onZoom, y: false, setScale: false } },
      select: { show: !!this.onZoom },
      hooks: {
        setSelect: [(u) => {
          if (!this.onZoom || u.select.width < 4) return;
          const a = u.posToVal(u.select.left, 'x');
          const b = u.posToVal(u.select.left + u.select.width, 'x');
          u.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
          this.onZoom(Math.floor(a * 1000), Math.ceil(b * 1000));
        }],
      },
    };
  }

  rebuild() {
    if (this.plot) {
      this.plot.destroy();
      this.plot = null;
    }
    if (this.data) this.plot = new uPlot(this.options(), this.data, this.holder);
  }

  /** columns: [xs(seconds), ys...] */
  setData(columns) {
    const sig = JSON.stringify(columns);
    if (sig === this.sig) return;
    this.sig = sig;
    this.data = columns;
    if (!this.plot) this.rebuild();
    else this.plot.setData(columns, true);
  }

  resize() {
    if (this.plot) {
      const w = this.width();
      if (Math.abs(w - this.plot.width) > 2) this.plot.setSize({ width: w, height: this.height });
    }
  }

  destroy() {
    this.resizeObs.disconnect();
    window.removeEventListener('themechange', this.onTheme);
    if (this.plot) this.plot.destroy();
  }
}

/**
 * A horizontal bar list. items: [{label: Node|string, value: number,
 * text: string, title?}], ordered as given; widths relative to the largest.
 */
export function barList(items, { emptyText = 'No data.', className = '', multi = false } = {}) {
  if (!items.length) return h('p', { class: 'muted empty-inline' }, emptyText);
  const max = Math.max(...items.map((i) => i.value || 0), 1);
  const colors = palette();
  return h('ol', { class: `bars ${className}`.trim() }, items.map((it, i) => {
    const fill = h('span', { class: 'bar-fill' });
    fill.style.width = `${Math.max(0.5, ((it.value || 0) / max) * 100).toFixed(2)}%`;
    fill.style.background = it.color || (multi ? colors[i % colors.length] : colors[0]);
    return h('li', { title: it.title || null },
      h('span', { class: 'bar-label' }, it.label),
      h('span', { class: 'bar-track', 'aria-hidden': 'true' }, fill),
      h('span', { class: 'bar-value' }, it.text));
  }));
}

/** A one-line stacked share bar with a legend (e.g. TCP/UDP/ICMP/other). */
export function shareBar(parts, { unit = formatCount } = {}) {
  const total = parts.reduce((s, p) => s + (p.value || 0), 0);
  const colors = palette();
  const bar = h('div', { class: 'share-bar', role: 'img', 'aria-label': parts.map((p) => `${p.label} ${p.value}`).join(', ') });
  const legend = h('ul', { class: 'share-legend' });
  parts.forEach((p, i) => {
    const color = p.color || colors[i % colors.length];
    if (total > 0 && p.value > 0) {
      const seg = h('span', { class: 'share-seg', title: `${p.label}: ${unit(p.value)}` });
      seg.style.width = `${(p.value / total) * 100}%`;
      seg.style.background = color;
      bar.append(seg);
    }
    const sw = h('span', { class: 'swatch', 'aria-hidden': 'true' });
    sw.style.background = color;
    legend.append(h('li', null, sw, `${p.label} `, h('strong', null, unit(p.value)),
      total > 0 ? h('span', { class: 'muted' }, ` ${((p.value / total) * 100).toFixed(1)} %`) : null));
  });
  return h('div', { class: 'share' }, bar, legend);
}
