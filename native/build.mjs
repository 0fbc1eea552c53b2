#!/usr/bin/env node
// Builds the rigl_native addon (native/binding.gyp) with node-gyp. Runs at `npm install` / `npm ci`
// (package.json "install") and by hand with `npm run build:native`.
//
// A failed build never fails the install: the trainer then selects the next backend (wasm) and
// records why native was skipped. The outcome is written to native/build/status.json, which the
// backend loader (trainers/backends/native/addon.ts) quotes when the addon is missing.
//
// Offline machines: node-gyp downloads Node's headers unless told where they are; when the running
// Node has them installed next to it (<prefix>/include/node/node_api.h: Debian's nodejs, the
// official tarballs), they are used and nothing is downloaded.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const buildDir = path.join(here, 'build');
const statusFile = path.join(buildDir, 'status.json');
const strict = process.argv.includes('--strict');

function writeStatus(status) {
  fs.mkdirSync(buildDir, { recursive: true });
  fs.writeFileSync(statusFile, `${JSON.stringify({ ...status, node: process.version, at: new Date().toISOString() }, null, 2)}\n`);
}

function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  candidates.push(path.join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  try {
    const require = createRequire(import.meta.url);
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed as a package; npm's own copy above is the usual one
  }
  return candidates.find((c) => fs.existsSync(c)) ?? null;
}

function localNodeDir() {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : null;
}

function fail(reason, log = '') {
  writeStatus({ ok: false, reason, log: log.slice(-4000) });
  const message = `rigl-harness: the native CPU kernels were not built (${reason}); training will use the next backend (wasm). Details: ${path.relative(process.cwd(), statusFile)}`;
  if (strict) {
    console.error(message);
    process.exit(1);
  }
  console.warn(message);
  process.exit(0);
}

if (process.env.RIGL_NATIVE_SKIP_BUILD === '1') fail('RIGL_NATIVE_SKIP_BUILD=1');
const nodeGyp = findNodeGyp();
if (nodeGyp === null) fail('node-gyp not found (it ships with npm; set npm_config_node_gyp to its node-gyp.js)');
const args = [nodeGyp, 'rebuild', '--directory', here, `--jobs=${process.env.RIGL_NATIVE_BUILD_JOBS ?? 'max'}`];
const nodeDir = localNodeDir();
if (nodeDir !== null) args.push(`--nodedir=${nodeDir}`);
console.error(`rigl-harness: building the native CPU kernels (node-gyp${nodeDir !== null ? `, headers from ${nodeDir}` : ''})...`);
const started = Date.now();
const result = spawnSync(process.execPath, args, { cwd: here, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const log = `${result.stdout ?? ''}\n${result.stderr ?? ''}`;
if (result.error) fail(`node-gyp did not start: ${result.error.message}`, log);
if (result.status !== 0) {
  const firstError = log.split('\n').find((l) => /error/i.test(l) && !/gyp ERR! (stack|cwd|node|command|System|not ok)/.test(l));
  fail(`node-gyp exited with ${result.status}${firstError ? `: ${firstError.trim()}` : ''}`, log);
}
writeStatus({ ok: true, seconds: Math.round((Date.now() - started) / 100) / 10, nodeDir });
console.error(`rigl-harness: native CPU kernels built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
