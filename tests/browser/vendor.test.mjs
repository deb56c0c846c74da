// vendor.test.mjs - www/vendor/ holds exactly the files of the npm packages
// locked in package-lock.json (www/vendor/update.mjs --check), each with its
// license, and the page references no other origin.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = process.env.PS_REPO || resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const WWW = join(REPO, 'www');

test('www/vendor matches node_modules (the lockfile versions)', () => {
  const out = execFileSync(process.execPath, [join(WWW, 'vendor', 'update.mjs'), '--check'], { encoding: 'utf8' });
  assert.match(out, /match node_modules/);
});

test('every vendored package carries its license', () => {
  const manifest = JSON.parse(readFileSync(join(WWW, 'vendor', 'MANIFEST.json'), 'utf8'));
  for (const [pkg, entry] of Object.entries(manifest.packages)) {
    assert.ok(existsSync(join(WWW, 'vendor', pkg, 'LICENSE')), `${pkg}/LICENSE`);
    assert.ok(entry.license, `${pkg} license field`);
  }
});

function walk(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

test('our pages and scripts load nothing from another origin, no inline script or handlers', () => {
  const ours = walk(WWW).filter((p) => !p.includes(`${join(WWW, 'vendor')}`) && /\.(html|js|css)$/.test(p));
  for (const f of ours) {
    const text = readFileSync(f, 'utf8');
    assert.doesNotMatch(text, /(src|href)\s*=\s*["']?(https?:)?\/\//i, `${f}: external URL`);
    assert.doesNotMatch(text, /@import\s+url\(\s*["']?https?:/i, `${f}: external CSS`);
    assert.doesNotMatch(text, /\binnerHTML\b|\bouterHTML\b|insertAdjacentHTML|document\.write|\beval\(|new Function\(/, `${f}: HTML from strings or eval`);
    if (f.endsWith('.html')) {
      assert.doesNotMatch(text, /<script(?![^>]*\bsrc=)[^>]*>/i, `${f}: inline <script>`);
      assert.doesNotMatch(text, /\son[a-z]+\s*=/i, `${f}: inline event handler`);
      assert.doesNotMatch(text, /\sstyle\s*=/i, `${f}: style attribute`);
      assert.match(text, /Content-Security-Policy/, `${f}: CSP meta`);
    }
  }
});
