// The differential check's wasm half (issue 10): every program recorded natively by
// `lumen-fuzz differential` (`cargo xtask fuzz --differential K`) runs through the lumen-wasm
// Node package with the same fuel and the same fake tools, and must give the same printed
// lines, the same display of main's value and the same error code.
//
//   node tests/wasm/differential.mjs --programs FILE.json [--pkg DIR]
//
// FILE.json: [{name, source, fuel, output: [lines], display, error: "E09xx" | null}].
// The fake tools are those of rust/lumen-fuzz/src/exec.rs (FAKE_TOOLS): each returns its
// argument object; grants are checked by the package before a tool is called, as natively.
// Exit status: 0 all equal, 1 a difference (each is printed with its program), 2 usage.

import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const FAKE_TOOLS = [
  'echo.upper',
  'kv.get',
  'fs.read',
  'fs.write',
  'fs.list',
  'http.get',
  'http.post',
  'env.get',
  'time.now',
];

function usage(message) {
  console.error(`differential: ${message}\nusage: node tests/wasm/differential.mjs --programs FILE.json [--pkg DIR]`);
  process.exit(2);
}

function parseArgs(argv) {
  const out = { programs: null, pkg: process.env.LUMEN_PKG_NODE ?? process.env.LUMEN_PKG ?? 'pkg' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--programs') out.programs = value();
    else if (a === '--pkg') out.pkg = value();
    else usage(`unknown argument ${a}`);
  }
  if (out.programs === null) usage('--programs is required');
  return out;
}

function loadPackage(dir) {
  const entry = join(resolve(dir), 'index.cjs');
  if (!existsSync(entry)) usage(`${entry} is missing: build the Node package first`);
  return createRequire(import.meta.url)(entry);
}

/** Runs one program in the package: {output, display, error}. */
async function runWasm(lumen, program) {
  const printed = [];
  const tools = Object.fromEntries(FAKE_TOOLS.map((name) => [name, (args) => args]));
  try {
    const result = await lumen.run(program.source, {
      filename: 'main.lm',
      fuel: program.fuel,
      tools,
      onPrint: (line) => printed.push(line),
    });
    return { output: printed, display: result.display ?? '', error: null };
  } catch (e) {
    return { output: printed, display: '', error: e?.code ?? `thrown: ${e}` };
  }
}

function differences(native, wasm) {
  const out = [];
  if (native.error !== wasm.error) out.push(`error code: native ${native.error}, wasm ${wasm.error}`);
  if (native.display !== wasm.display) {
    out.push(`display: native ${JSON.stringify(native.display)}, wasm ${JSON.stringify(wasm.display)}`);
  }
  const n = native.output.length;
  const w = wasm.output.length;
  for (let i = 0; i < Math.max(n, w); i++) {
    if (native.output[i] !== wasm.output[i]) {
      out.push(
        `output line ${i + 1}: native ${JSON.stringify(native.output[i])}, wasm ${JSON.stringify(wasm.output[i])}` +
          (n !== w ? ` (native ${n} lines, wasm ${w})` : ''),
      );
      break;
    }
  }
  return out;
}

const args = parseArgs(process.argv.slice(2));
const lumen = loadPackage(args.pkg);
const programs = JSON.parse(readFileSync(args.programs, 'utf8'));
let failed = 0;
for (const program of programs) {
  const wasm = await runWasm(lumen, program);
  const diff = differences(program, wasm);
  if (diff.length > 0) {
    failed += 1;
    console.error(`--- ${program.name}: native and wasm differ\n  ${diff.join('\n  ')}\n${program.source}`);
  }
}
console.log(`differential: ${programs.length - failed} of ${programs.length} programs agree (native vs ${args.pkg})`);
process.exit(failed === 0 ? 0 : 1);
