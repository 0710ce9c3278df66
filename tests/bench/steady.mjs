// Steady state of lumen-wasm in Node (issue 13 point 4): the first and the second `run(source)`
// of the same program in one Node process, against native `lumen run`.
//
//   node tests/bench/steady.mjs [--runs N] [--pkg DIR] [--lumen PATH] [PROGRAM.lm ...]
//
// For each program (default: every `tests/bench/programs/*.lm`) and each of N samples
// (default 5), a fresh `node` process imports the runtime package (`--pkg`, default `pkg`,
// the output of `lumen build --target wasm --release`), then times `await run(source)` twice
// with `performance.now()`: "first" is what `../shared/bench/run.py` reports (compile of the
// Lumen source and run, V8 still tiering up the interpreter loop), "second" the same call
// again in the same process (V8's optimised code in place). Native is the whole `lumen run
// FILE` process (`--lumen`, default `target/release/lumen`), as run.py times it. Each column
// is the best of N; both runs must print the same result as native.

import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');

function parseArgs(argv) {
  const opts = { runs: 5, pkg: join(ROOT, 'pkg'), lumen: join(ROOT, 'target', 'release', 'lumen'), files: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--runs') opts.runs = Number.parseInt(value(), 10);
    else if (a === '--pkg') opts.pkg = resolve(value());
    else if (a === '--lumen') opts.lumen = resolve(value());
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else opts.files.push(resolve(a));
  }
  if (!(opts.runs >= 1)) throw new Error('--runs must be a positive integer');
  if (opts.files.length === 0) {
    const dir = join(HERE, 'programs');
    opts.files = readdirSync(dir)
      .filter((f) => f.endsWith('.lm'))
      .sort()
      .map((f) => join(dir, f));
  }
  return opts;
}

// Runs in the child: two timed `run(source)` calls; prints "first second result".
const CHILD = `
const l = require(process.argv[1]);
const src = require('fs').readFileSync(process.argv[2], 'utf8');
const show = (r) => r.display ?? JSON.stringify(r.value);
(async () => {
  let t0 = performance.now(); const a = await l.run(src); const first = performance.now() - t0;
  t0 = performance.now(); const b = await l.run(src); const second = performance.now() - t0;
  if (show(a) !== show(b)) throw new Error('the two runs differ: ' + show(a) + ' / ' + show(b));
  console.log(first / 1000 + ' ' + second / 1000 + ' ' + show(a));
})().catch((e) => { console.error(e); process.exit(1); });
`;

function wasmSample(pkg, file) {
  const p = spawnSync(process.execPath, ['--no-warnings', '-e', CHILD, pkg, file], { encoding: 'utf8' });
  if (p.status !== 0) throw new Error(`node on ${file}: ${(p.stderr || p.stdout).trim().slice(-400)}`);
  const [first, second, ...rest] = p.stdout.trim().split('\n').at(-1).split(' ');
  return { first: Number(first), second: Number(second), out: rest.join(' ') };
}

function nativeSample(lumen, file) {
  const t0 = performance.now();
  const p = spawnSync(lumen, ['run', basename(file)], { cwd: dirname(file), encoding: 'utf8' });
  const secs = (performance.now() - t0) / 1000;
  if (p.status !== 0) throw new Error(`${lumen} run ${file}: ${(p.stderr || p.stdout).trim().slice(-400)}`);
  return { secs, out: p.stdout.trim().split('\n').at(-1) ?? '' };
}

const opts = parseArgs(process.argv.slice(2));
const rows = [];
for (const file of opts.files) {
  let native = Infinity, first = Infinity, second = Infinity, want = null;
  for (let i = 0; i < opts.runs; i++) {
    const n = nativeSample(opts.lumen, file);
    const w = wasmSample(opts.pkg, file);
    want ??= n.out;
    if (n.out !== want || w.out !== want) {
      throw new Error(`${basename(file)}: native printed ${n.out}, wasm ${w.out}, expected ${want}`);
    }
    native = Math.min(native, n.secs);
    first = Math.min(first, w.first);
    second = Math.min(second, w.second);
  }
  rows.push({ name: basename(file).replace(/\.lm(\.md)?$/, ''), native, first, second });
}

const s = (x) => `${x.toFixed(3)} s`;
const r = (x) => x.toFixed(2);
console.log(`best of ${opts.runs}; pkg ${opts.pkg}; native ${opts.lumen}\n`);
console.log('| program | native | wasm first run() | wasm second run() | first / native | second / native |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const row of rows) {
  console.log(`| ${row.name} | ${s(row.native)} | ${s(row.first)} | ${s(row.second)} | ${r(row.first / row.native)} | ${r(row.second / row.native)} |`);
}
const geo = (f) => Math.exp(rows.reduce((acc, row) => acc + Math.log(f(row)), 0) / rows.length);
console.log(`| geomean | | | | ${r(geo((x) => x.first / x.native))} | ${r(geo((x) => x.second / x.native))} |`);
