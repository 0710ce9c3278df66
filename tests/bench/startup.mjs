// Issue 13 point 6: start-up of the hello program (examples/hello.lm.md) — a benchmark, not a
// test. Measures the time from the `import` of a package to the program's first result
// (load + compile + instantiate the runtime, then compile or decode the program and run it),
// on fresh starts only:
//
//   node      a fresh `node` process per sample; inside it `performance.now()` from before
//             the dynamic `import()` to the resolved result; "whole" is the process's wall
//             time, from spawn to exit, as the parent sees it;
//   chromium  Debian's Chromium (tests/wasm/lib/browser.mjs: playwright-core, a fresh
//             profile) launched per sample, a new page with the cache disabled, the package
//             served on 127.0.0.1 (tests/wasm/lib/server.mjs) and mapped by an import map as
//             in the host tests; `performance.now()` from before the dynamic `import()` to
//             the result; "whole" is the page's `performance.now()` at the result, i.e.
//             from the start of the navigation.
//
// for two packages:
//
//   runtime   pkg/, the one npm package (`cargo xtask wasm-packages --release`): the
//             toolchain; the result is `run(source)` of the program's text;
//   program   the PROGRAM package of examples/hello.lm.md (`lumen build --target wasm
//             --release examples/hello.lm.md --out-dir pkg-startup`): the VM-only runtime
//             and the program's LIR; the result is `main()`;
//   (none)    the host's floor: the same process or page with no import at all.
//
// Every sample's printed lines are checked against examples/hello.out. Each (host, package)
// gets W untimed warm-up starts first (default 1; they warm the OS file cache, nothing the
// timed starts could reuse: every start is a new process and, in Chromium, a new profile).
// Prints a Markdown table (median, min, max ms of N starts; default 10), the load average and
// the versions; `--json FILE` also writes every sample.
//
//   node tests/bench/startup.mjs [--runs N] [--warmup W] [--only node|chromium] [--json FILE]
//
// Inputs: $LUMEN_PKG (default pkg/), $LUMEN_STARTUP_PKG (default pkg-startup/), $CHROMIUM_PATH
// (default /usr/bin/chromium), playwright-core from tests/wasm/node_modules (`npm ci` there).
// `cargo xtask bench-startup` builds both packages, installs the npm dependencies and runs this.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { median, summary, table } from './startup_stats.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const option = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
};
const RUNS = Number(option('--runs', '10'));
const WARMUP = Number(option('--warmup', '1'));
const ONLY = option('--only', '');
const JSON_OUT = option('--json', '');
if (!(Number.isInteger(RUNS) && RUNS > 0) || !(Number.isInteger(WARMUP) && WARMUP >= 0)) {
  console.error('usage: node tests/bench/startup.mjs [--runs N] [--warmup W] [--only node|chromium] [--json FILE]');
  process.exit(2);
}

const PROGRAM = join(ROOT, 'examples', 'hello.lm.md');
const SOURCE = readFileSync(PROGRAM, 'utf8');
const EXPECTED = readFileSync(join(ROOT, 'examples', 'hello.out'), 'utf8').trimEnd().split('\n');
const TIMEOUT = 120_000;

/** The packages measured: where they are, their npm names, how to get the first result. */
function packages() {
  const found = [
    { key: 'runtime', dir: resolve(process.env.LUMEN_PKG ?? join(ROOT, 'pkg')), build: 'cargo xtask wasm-packages --release' },
    {
      key: 'program',
      dir: resolve(process.env.LUMEN_STARTUP_PKG ?? join(ROOT, 'pkg-startup')),
      build: 'lumen build --target wasm --release examples/hello.lm.md --out-dir pkg-startup',
    },
  ];
  for (const p of found) {
    const manifest = join(p.dir, 'package.json');
    if (!existsSync(manifest)) throw new Error(`${manifest} is missing: build it with \`${p.build}\``);
    p.name = JSON.parse(readFileSync(manifest, 'utf8')).name;
  }
  return found;
}

/**
 * The code that takes one sample, the same text in Node and in the page: `imp` imports the
 * package, `kind` says how to get its first result. It sets `sample` to
 * `{ms, whole, lines}` (whole: `performance.now()` at the result, from the host's time origin).
 */
function sampleCode(kind, spec) {
  if (kind === 'none') return 'const t0 = performance.now(); const lines = [];';
  const call =
    kind === 'runtime'
      ? `const r = await m.run(source, { filename: 'hello.lm.md' }); const lines = [...r.output];`
      : `const lines = []; await m.main({ onPrint: (l) => lines.push(l) });`;
  return `const source = ${JSON.stringify(SOURCE)};
const t0 = performance.now();
const m = await import(${JSON.stringify(spec)});
${call}`;
}
const FINISH = 'const t1 = performance.now(); const sample = { ms: t1 - t0, whole: t1, lines };';

/** A scratch folder with `node_modules/<name>` linked to each package, as an install would. */
function scratch(pkgs) {
  const dir = mkdtempSync(join(tmpdir(), 'lumen-startup-'));
  mkdirSync(join(dir, 'node_modules'));
  for (const p of pkgs) symlinkSync(p.dir, join(dir, 'node_modules', p.name), 'dir');
  return dir;
}

function checkLines(where, lines) {
  if (JSON.stringify(lines) !== JSON.stringify(EXPECTED)) {
    throw new Error(`${where}: printed ${JSON.stringify(lines)}, expected ${JSON.stringify(EXPECTED)}`);
  }
}

/** One fresh `node` process running `script`; resolves to `{ms, whole, lines, wall}`. */
function nodeSample(script) {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', fail);
    child.on('close', (code) => {
      const wall = performance.now() - t0;
      if (code !== 0) return fail(new Error(`node ${script} exited with ${code}: ${err.trim()}`));
      try {
        done({ ...JSON.parse(out.trim().split('\n').pop()), wall });
      } catch (e) {
        fail(new Error(`node ${script} printed no sample (${e.message}): ${out}${err}`));
      }
    });
  });
}

async function measureNode(dir, kind, pkg) {
  const script = join(dir, `node-${kind}.mjs`);
  // No `await` at the top before t0: the script's own module load is not part of the time.
  writeFileSync(
    script,
    `${sampleCode(kind, pkg?.name)}\n${FINISH}\nconsole.log(JSON.stringify(sample));\n`,
  );
  const samples = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const s = await nodeSample(script);
    if (kind !== 'none') checkLines(`node, ${kind} package`, s.lines);
    if (i >= WARMUP) samples.push({ ms: kind === 'none' ? null : s.ms, whole: s.wall });
  }
  return samples;
}

/** The page of one package: an import map (as the host tests use) and the sample code. */
function page(kind, pkg) {
  const map = pkg ? `{"imports": {"${pkg.name}": "/node_modules/${pkg.name}/index.js"}}` : '{"imports": {}}';
  return `<!doctype html><html><head><script type="importmap">${map}</script></head><body>
<script type="module">
try {
${sampleCode(kind, pkg?.name)}
${FINISH}
window.__startup = sample;
} catch (e) {
window.__startup = { error: String((e && e.stack) || e) };
}
</script></body></html>\n`;
}

async function measureChromium(dir, kind, pkg, origin, launchChromium) {
  writeFileSync(join(dir, `${kind}.html`), page(kind, pkg));
  const samples = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const browser = await launchChromium(TIMEOUT);
    try {
      const tab = await browser.context.newPage();
      tab.setDefaultTimeout(TIMEOUT);
      const problems = [];
      tab.on('pageerror', (e) => problems.push(e.message));
      const cdp = await browser.context.newCDPSession(tab);
      await cdp.send('Network.enable');
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
      await tab.goto(`${origin}/${kind}.html`);
      await tab.waitForFunction(() => window.__startup !== undefined);
      const s = await tab.evaluate(() => window.__startup);
      if (s.error || problems.length) throw new Error(`chromium, ${kind}: ${s.error ?? problems.join('; ')}`);
      if (kind !== 'none') checkLines(`chromium, ${kind} package`, s.lines);
      if (i >= WARMUP) samples.push({ ms: kind === 'none' ? null : s.ms, whole: s.whole });
    } finally {
      await browser.close();
    }
  }
  return samples;
}

/** Raw and gzip -9 bytes of the package's runtime `.wasm`. */
function wasmSize(pkg) {
  for (const rel of ['lumen_wasm_bg.wasm', join('runtime', 'lumen_wasm_bg.wasm')]) {
    const f = join(pkg.dir, rel);
    if (existsSync(f)) {
      const bytes = readFileSync(f);
      return { file: rel, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
    }
  }
  return null;
}

async function main() {
  const pkgs = packages();
  const dir = scratch(pkgs);
  const rows = [];
  const hosts = ['node', 'chromium'].filter((h) => !ONLY || h === ONLY);
  let chromiumVersion = '';
  try {
    for (const host of hosts) {
      let server;
      let launchChromium;
      if (host === 'chromium') {
        let CHROMIUM;
        ({ launchChromium, CHROMIUM } = await import('../wasm/lib/browser.mjs'));
        const { serve } = await import('../wasm/lib/server.mjs');
        const mounts = Object.fromEntries(pkgs.map((p) => [`/node_modules/${p.name}/`, p.dir]));
        server = await serve(dir, mounts);
        try {
          chromiumVersion = execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).trim();
        } catch {
          chromiumVersion = CHROMIUM;
        }
      }
      try {
        for (const [kind, pkg] of [['none', null], ...pkgs.map((p) => [p.key, p])]) {
          const samples =
            host === 'node'
              ? await measureNode(dir, kind, pkg)
              : await measureChromium(dir, kind, pkg, server.origin, launchChromium);
          rows.push({ host, package: pkg ? `${kind} (${pkg.name})` : '(none)', samples });
          const last = rows[rows.length - 1];
          console.error(`${host} ${last.package}: median ${median(samples.map((s) => s.ms ?? s.whole)).toFixed(1)} ms`);
        }
      } finally {
        await server?.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const [l1, l5, l15] = loadavg().map((x) => x.toFixed(2));
  console.log(
    `hello start-up: ${RUNS} fresh starts each (after ${WARMUP} warm-up), node ${process.version}` +
      `${chromiumVersion ? `, ${chromiumVersion}` : ''}; load average ${l1} ${l5} ${l15}\n`,
  );
  console.log(table(rows));
  console.log(
    '\nwhole: node = the process from spawn to exit; chromium = from the start of the navigation to the result.',
  );
  for (const p of pkgs) {
    const size = wasmSize(p);
    if (size) console.log(`${p.key} (${p.name}): ${size.file} ${size.raw} bytes, ${size.gzip} gzip -9`);
  }
  if (JSON_OUT) {
    writeFileSync(JSON_OUT, JSON.stringify({ runs: RUNS, warmup: WARMUP, load: loadavg(), rows: rows.map((r) => ({ ...r, summary: summary(r.samples) })) }, null, 1));
  }
}

main().catch((e) => {
  console.error(String((e && e.stack) || e));
  process.exit(1);
});
