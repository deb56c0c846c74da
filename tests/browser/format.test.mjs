// format.test.mjs - the dashboard's pure helpers (www/js/format.js,
// www/js/state.js parsing) under node: numbers and times for people.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatBytes, formatBitRate, formatPacketRate, formatCount, formatDuration, formatBucket, formatUtcTitle,
  formatTimestamp, captureFromSearch, formatEndpoint, toIso,
} from '../../www/js/format.js';

test('bytes in SI units', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(999), '999 B');
  assert.equal(formatBytes(1000), '1.0 kB');
  assert.equal(formatBytes(2527774), '2.5 MB');
  assert.equal(formatBytes(1.2e9), '1.2 GB');
  assert.equal(formatBytes(999960), '1.0 MB', 'no "1000.0 kB"');
  assert.equal(formatBytes(null), '—');
  assert.equal(formatBytes(-1), '—');
});

test('rates', () => {
  assert.equal(formatPacketRate(3400), '3.4 kpps');
  assert.equal(formatPacketRate(2.5), '2.5 pps');
  assert.equal(formatBitRate(1250000), '10.0 Mbit/s');
  assert.equal(formatBitRate(null), '—');
});

test('durations, buckets, counts', () => {
  assert.equal(formatDuration(0.000123), '123 µs');
  assert.equal(formatDuration(0.59437), '594.4 ms');
  assert.equal(formatDuration(1.5), '1.50 s');
  assert.equal(formatDuration(3700), '1 h 1 min');
  assert.equal(formatBucket(604800), '1 week');
  assert.equal(formatBucket(300), '5 min');
  assert.equal(formatBucket(7), '7 s');
  assert.equal(formatCount(NaN), '—');
});

test('timestamps: UTC on hover keeps the microseconds', () => {
  assert.equal(formatTimestamp('2025-11-24T16:00:00.000123Z'), '2025-11-24 16:00:00');
  assert.equal(formatUtcTitle('2025-11-24T16:00:00.000123Z'), '2025-11-24 16:00:00.000123 UTC');
  assert.equal(toIso(Date.UTC(2025, 10, 24, 16)), '2025-11-24T16:00:00Z');
});

test('capture ids and endpoints', () => {
  assert.equal(captureFromSearch('?capture=12'), '12');
  assert.equal(captureFromSearch('?capture=0'), null);
  assert.equal(captureFromSearch('?capture=1;DROP'), null);
  assert.equal(formatEndpoint('10.0.0.1', 443), '10.0.0.1:443');
  assert.equal(formatEndpoint('2001:db8::1', 53), '[2001:db8::1]:53');
});
