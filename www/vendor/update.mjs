#!/usr/bin/env node
// update.mjs - copies the dashboard's third-party files from node_modules
// (installed from the npm registry with the lockfile: `npm ci`) into
// www/vendor/<package>/, each with its LICENSE, and writes MANIFEST.json
// (package, version, license, files, sha256). The copies are committed so
// the dashboard works offline and deploy/local.sh never needs npm.
//
//   npm ci && npm run vendor          refresh www/vendor/ after a version bump
//   npm run vendor:check              exit 1 when www/vendor/ differs from node_modules

import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const VENDOR = dirname(fileURLToPath(import.meta.url));
const REPO = join(VENDOR, '..', '..');
const MODULES = join(REPO, 'node_modules');

// package -> files the page loads (paths inside the package)
const FILES = {
  uplot: ['dist/uPlot.esm.js', 'dist/uPlot.min.css'],
  'd3-array': ['dist/d3-array.min.js'],
  'd3-geo': ['dist/d3-geo.min.js'],
  'topojson-client': ['dist/topojson-client.min.js'],
  'world-atlas': ['countries-110m.json'],
  'i18n-iso-countries': ['codes.json'],
};
const LICENSE_NAMES = ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'license'];

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');
const check = process.argv.includes('--check');
const problems = [];
const manifest = { generated_by: 'www/vendor/update.mjs', packages: {} };

for (const [pkg, files] of Object.entries(FILES)) {
  const pdir = join(MODULES, pkg);
  if (!existsSync(join(pdir, 'package.json'))) {
    console.error(`vendor: ${pkg} is not installed; run \`npm ci\` at the repository top first`);
    process.exit(2);
  }
  const meta = JSON.parse(readFileSync(join(pdir, 'package.json'), 'utf8'));
  const license = LICENSE_NAMES.map((n) => join(pdir, n)).find((p) => existsSync(p));
  if (!license) problems.push(`${pkg}: no license file in the package`);
  const entry = { version: meta.version, license: meta.license, files: {} };
  const pairs = files.map((f) => [join(pdir, f), f.split('/').pop()]);
  if (license) pairs.push([license, 'LICENSE']);
  for (const [src, name] of pairs) {
    const dst = join(VENDOR, pkg, name);
    const buf = readFileSync(src);
    entry.files[name] = sha256(buf);
    if (check) {
      if (!existsSync(dst) || sha256(readFileSync(dst)) !== entry.files[name]) problems.push(`${pkg}/${name} differs from node_modules (${meta.version})`);
    } else {
      mkdirSync(dirname(dst), { recursive: true });
      copyFileSync(src, dst);
    }
  }
  manifest.packages[pkg] = entry;
}

const text = `${JSON.stringify(manifest, null, 2)}\n`;
const mpath = join(VENDOR, 'MANIFEST.json');
if (check) {
  if (!existsSync(mpath) || readFileSync(mpath, 'utf8') !== text) problems.push('MANIFEST.json is out of date');
  if (problems.length) {
    for (const p of problems) console.error(`vendor check: ${p}`);
    console.error('vendor check: run `npm ci && npm run vendor` and commit www/vendor/');
    process.exit(1);
  }
  console.log(`vendor check: ${Object.keys(FILES).length} packages match node_modules`);
} else {
  writeFileSync(mpath, text);
  for (const p of problems) console.error(`vendor: warning: ${p}`);
  console.log(`vendor: copied ${Object.keys(FILES).length} packages into ${VENDOR}`);
}
