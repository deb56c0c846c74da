// format.js - pure display helpers for the dashboard (no DOM), so they can be
// unit-tested under node: `node --input-type=module -e "import('./format.js')"`.

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** 987654 -> "964.5 KiB"; IEC units (1024), one decimal above bytes. */
export function formatBytes(n) {
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return '—';
  let unit = 0;
  let v = n;
  while (v >= 1024 && unit < BYTE_UNITS.length - 1) {
    v /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${v} B`;
  // 1023.96 KiB would print as "1024.0 KiB": step up instead.
  if (v.toFixed(1) === '1024.0' && unit < BYTE_UNITS.length - 1) {
    v /= 1024;
    unit += 1;
  }
  return `${v.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

const countFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

/** 1234567 -> "1,234,567" (in the browser's locale). */
export function formatCount(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '—';
  return countFormat.format(n);
}

/** Seconds -> "7 s", "2 min 17 s", "3 h 5 min", "2 d 4 h"; null -> "—". */
export function formatAge(seconds) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return '—';
  if (seconds < 0) return 'in the future (clock skew)';
  const s = Math.floor(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** "2024-05-01T10:00:00.000000Z" -> "2024-05-01 10:00:00"; null -> "—". */
export function formatTimestamp(iso) {
  if (typeof iso !== 'string' || iso.length < 19) return '—';
  return iso.slice(0, 10) + ' ' + iso.slice(11, 19);
}

/** A positive integer capture id from a page query string, or null. */
export function captureFromSearch(search) {
  const v = new URLSearchParams(search).get('capture');
  return v !== null && /^[1-9][0-9]{0,18}$/.test(v) ? v : null;
}
