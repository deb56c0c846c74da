// format.js - pure display helpers (no DOM), so they can be tested under
// node: `node --input-type=module -e "import('./www/js/format.js')"`.
// Sizes use SI units (1 kB = 1000 B), as Wireshark and the issue do.

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];

function scaled(n, base, units, digits = 1) {
  let unit = 0;
  let v = n;
  while (Math.abs(v) >= base && unit < units.length - 1) {
    v /= base;
    unit += 1;
  }
  if (unit === 0) return `${Math.round(v)} ${units[0]}`.trim();
  // 999.96 kB would print as "1000.0 kB": step up instead.
  if (Number(v.toFixed(digits)) >= base && unit < units.length - 1) {
    v /= base;
    unit += 1;
  }
  return `${v.toFixed(digits)} ${units[unit]}`;
}

const isNum = (n) => typeof n === 'number' && Number.isFinite(n);

/** 987654 -> "987.7 kB"; null -> "—". */
export function formatBytes(n) {
  if (!isNum(n) || n < 0) return '—';
  return scaled(n, 1000, BYTE_UNITS);
}

/** Bytes per second as bits: 1250000 -> "10.0 Mbit/s". */
export function formatBitRate(bytesPerSec) {
  if (!isNum(bytesPerSec) || bytesPerSec < 0) return '—';
  return scaled(bytesPerSec * 8, 1000, ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'Tbit/s']);
}

/** Packets per second: 3400 -> "3.4 kpps". */
export function formatPacketRate(pps) {
  if (!isNum(pps) || pps < 0) return '—';
  if (pps < 10) return `${pps.toFixed(1)} pps`;
  return scaled(pps, 1000, ['pps', 'kpps', 'Mpps', 'Gpps']);
}

const countFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

/** 1234567 -> "1,234,567" (in the browser's locale). */
export function formatCount(n) {
  if (!isNum(n)) return '—';
  return countFormat.format(n);
}

/** 1234567 -> "1.2 M" for axes and tight spots. */
export function formatCompact(n) {
  if (!isNum(n)) return '—';
  if (Math.abs(n) < 1000) return String(Math.round(n * 100) / 100);
  return scaled(n, 1000, ['', 'k', 'M', 'G', 'T']).replace(' ', '\u202f');
}

/** 0.4567 -> "45.7 %". */
export function formatPercent(f, digits = 1) {
  if (!isNum(f)) return '—';
  return `${(f * 100).toFixed(digits)} %`;
}

/** Seconds -> "7 s", "2 min 17 s", "3 h 5 min", "2 d 4 h"; null -> "—". */
export function formatAge(seconds) {
  if (!isNum(seconds)) return '—';
  if (seconds < 0) return 'in the future (clock skew)';
  const s = Math.floor(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** A flow duration: 0.000123 -> "123 µs", 1.5 -> "1.50 s", 4000 -> "1 h 6 min". */
export function formatDuration(seconds) {
  if (!isNum(seconds)) return '—';
  if (seconds < 0.001) return `${Math.round(seconds * 1e6)} µs`;
  if (seconds < 1) return `${(seconds * 1000).toFixed(1)} ms`;
  if (seconds < 60) return `${seconds.toFixed(2)} s`;
  return formatAge(seconds);
}

/** "2024-05-01T10:00:00.000000Z" -> "2024-05-01 10:00:00" (UTC); null -> "—". */
export function formatTimestamp(iso) {
  if (typeof iso !== 'string' || iso.length < 19) return '—';
  return iso.slice(0, 10) + ' ' + iso.slice(11, 19);
}

/** Epoch milliseconds of an API timestamp (µs precision is cut to ms). */
export function parseTs(iso) {
  if (typeof iso !== 'string') return NaN;
  return Date.parse(iso);
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

/**
 * An API timestamp in the browser's time zone: "2024-05-01 12:00:00" and,
 * with withFraction, the sub-second digits the API gave ("…:00.123456").
 */
export function formatLocal(iso, withFraction = false) {
  const ms = parseTs(iso);
  if (!Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  let s = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} `
    + `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  if (withFraction) {
    const m = /\.(\d+)/.exec(iso);
    if (m) s += `.${m[1]}`;
  }
  return s;
}

/** The UTC rendering shown on hover: "2024-05-01 10:00:00.123456 UTC". */
export function formatUtcTitle(iso) {
  if (typeof iso !== 'string' || iso.length < 19) return '';
  const m = /\.(\d+)/.exec(iso);
  return `${formatTimestamp(iso)}${m ? '.' + m[1] : ''} UTC`;
}

/** A Date to the value of an <input type="datetime-local"> (local time). */
export function toDatetimeLocal(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T`
    + `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Epoch ms -> ISO 8601 UTC with no milliseconds when they are zero. */
export function toIso(ms) {
  const s = new Date(ms).toISOString();
  return s.endsWith('.000Z') ? s.slice(0, 19) + 'Z' : s;
}

/** A positive integer capture id from a page query string, or null. */
export function captureFromSearch(search) {
  const v = new URLSearchParams(search).get('capture');
  return v !== null && /^[1-9][0-9]{0,18}$/.test(v) ? v : null;
}

/** "10.0.0.1", 443 -> "10.0.0.1:443"; IPv6 in brackets. */
export function formatEndpoint(addr, port) {
  if (!addr) return '—';
  if (port === null || port === undefined) return addr;
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/** A bucket width in seconds for people: 60 -> "1 min", 604800 -> "1 week". */
export function formatBucket(s) {
  if (!isNum(s)) return '—';
  const units = [[604800, 'week'], [86400, 'day'], [3600, 'h'], [60, 'min'], [1, 's']];
  for (const [n, u] of units) {
    if (s >= n && s % n === 0) {
      const k = s / n;
      return u === 'week' || u === 'day' ? `${k} ${u}${k === 1 ? '' : 's'}` : `${k} ${u}`;
    }
  }
  return `${s} s`;
}
