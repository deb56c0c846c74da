// ui/map.js - a world map of traffic by country: Natural Earth 1:110m
// borders (world-atlas TopoJSON) drawn as SVG paths by d3-geo, shaded in
// five steps by bytes. ISO alpha-2 codes from the API are matched to the
// atlas's numeric ids with i18n-iso-countries' code table. d3 and topojson
// ship as UMD builds, so they are loaded once as classic scripts (same
// origin, CSP script-src 'self').

import { h, svg } from '../dom.js';
import { formatBytes, formatCount } from '../format.js';
import { countryName, isCountryCode } from './common.js';

const VENDOR = new URL('../../vendor/', import.meta.url).href;
let libsPromise = null;

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.async = false;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(s);
  });
}

async function fetchJson(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not load ${url} (HTTP ${res.status})`);
  return res.json();
}

/** Loads d3-geo, topojson-client, the atlas and the code table once. */
function loadLibs() {
  if (!libsPromise) {
    libsPromise = (async () => {
      if (!window.d3 || !window.d3.geoPath) {
        await loadScript(`${VENDOR}d3-array/d3-array.min.js`);
        await loadScript(`${VENDOR}d3-geo/d3-geo.min.js`);
      }
      if (!window.topojson) await loadScript(`${VENDOR}topojson-client/topojson-client.min.js`);
      const [atlas, codes] = await Promise.all([
        fetchJson(`${VENDOR}world-atlas/countries-110m.json`),
        fetchJson(`${VENDOR}i18n-iso-countries/codes.json`),
      ]);
      const numToA2 = new Map(codes.map(([a2, , num]) => [String(num).padStart(3, '0'), a2]));
      const features = window.topojson.feature(atlas, atlas.objects.countries).features
        .filter((f) => f.properties && f.properties.name !== 'Antarctica');
      for (const f of features) f.properties.a2 = numToA2.get(String(f.id).padStart(3, '0')) || null;
      const borders = window.topojson.mesh(atlas, atlas.objects.countries, (a, b) => a !== b);
      return { d3: window.d3, features, borders };
    })();
    libsPromise.catch(() => { libsPromise = null; });
  }
  return libsPromise;
}

/**
 * Draws the map into a new element. countries: [{cc, bytes, hosts, flows,
 * packets}] from /api/geo-analysis. Entries that are not countries
 * (PRIVATE, unknown, ...) are left for the table beside the map.
 * Returns {el, ready: Promise}.
 */
export function worldMap(countries, { onSelect = null } = {}) {
  const el = h('div', { class: 'world-map' }, h('p', { class: 'muted' }, 'Loading map…'));
  const ready = loadLibs().then(({ d3, features, borders }) => {
    const byCc = new Map();
    for (const c of countries) if (isCountryCode(c.cc)) byCc.set(c.cc, c);
    const max = Math.max(1, ...Array.from(byCc.values(), (c) => c.bytes || 0));
    const W = 960;
    const H = 470;
    const projection = d3.geoNaturalEarth1().fitExtent([[4, 4], [W - 4, H - 4]], { type: 'Sphere' });
    const path = d3.geoPath(projection);
    const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'map-svg', role: 'img', 'aria-label': 'World map of traffic by country' });
    root.append(svg('path', { d: path({ type: 'Sphere' }), class: 'map-sphere' }));
    for (const f of features) {
      const c = f.properties.a2 ? byCc.get(f.properties.a2) : null;
      // log scale: a few large countries should not wash out the rest.
      const step = c ? Math.min(5, 1 + Math.floor((Math.log1p(c.bytes) / Math.log1p(max)) * 4.999)) : 0;
      const name = c ? countryName(c.cc) : f.properties.name;
      const p = svg('path', {
        d: path(f), class: `map-country q${step}`, dataset: null,
        'data-cc': f.properties.a2 || '', tabindex: c ? '0' : null,
        'aria-label': c ? `${name}: ${formatBytes(c.bytes)}, ${formatCount(c.hosts)} hosts` : null,
      });
      p.append(svg('title', null, c
        ? `${name} — ${formatBytes(c.bytes)}, ${formatCount(c.packets)} packets, ${formatCount(c.flows)} flows, ${formatCount(c.hosts)} hosts`
        : `${name} — no traffic`));
      if (c && onSelect) {
        p.addEventListener('click', () => onSelect(c));
        p.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') onSelect(c); });
      }
      root.append(p);
    }
    root.append(svg('path', { d: path(borders), class: 'map-borders' }));
    const legend = h('div', { class: 'map-legend', 'aria-hidden': 'true' },
      h('span', null, 'less'), [1, 2, 3, 4, 5].map((q) => h('span', { class: `map-key q${q}` })), h('span', null, 'more'),
      h('span', { class: 'muted' }, ` (bytes, log scale; max ${formatBytes(max)})`));
    el.replaceChildren(root, legend);
    return byCc.size;
  }).catch((err) => {
    el.replaceChildren(h('p', { class: 'panel-status error', role: 'alert' }, `The map could not be drawn: ${err.message}`));
    throw err;
  });
  return { el, ready };
}
