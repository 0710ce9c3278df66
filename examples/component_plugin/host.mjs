// A Node.js host for plugin.lm.md's component, through jco (see README.md):
//
//   lumen build --target wasm --wasm-target component plugin.lm.md --out-dir out
//   npx jco transpile out/plugin.wasm -o out/js --instantiation async
//   node host.mjs out/js
//
// The host supplies the plugin's one tool, `kb.lookup` (its product catalogue), as a JS
// function, and WASI through @bytecodealliance/preview2-shim; then it checks four
// invoices and prints the plugin's verdicts.

import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';

const dir = resolve(process.argv[2] ?? 'out/js');

/** The host's product catalogue. WIT `s64` is a JS BigInt; record fields are camelCase. */
const CATALOGUE = new Map([
  ['PEN-01', { name: 'Ballpoint pen', priceCents: 120n, maxQuantity: 500n }],
  ['PAD-A4', { name: 'A4 notepad', priceCents: 350n, maxQuantity: 100n }],
  ['INK-BK', { name: 'Black ink cartridge', priceCents: 1999n, maxQuantity: 10n }],
]);

let lookups = 0;
const tools = {
  kb: {
    // use tool kb.lookup as Lookup(sku: String) -> Product?   (option<product>: undefined = none)
    lookup(sku) {
      lookups++;
      return CATALOGUE.get(sku);
    },
  },
};

const { instantiate } = await import(pathToFileURL(join(dir, 'plugin.js')).href);
const plugin = await instantiate(
  async (core) => WebAssembly.compile(await readFile(join(dir, core))),
  { ...new WASIShim().getImportObject(), ...tools },
);

const line = (sku, quantity, unitCents) => ({ sku, quantity: BigInt(quantity), unitCents: BigInt(unitCents) });
const INVOICES = [
  { id: 'INV-1001', customer: 'Ada', lines: [line('PEN-01', 10, 120), line('PAD-A4', 4, 350)], totalCents: 2600n },
  { id: 'INV-1002', customer: 'Grace', lines: [line('INK-BK', 12, 1899), line('TAPE-9', 1, 250), line('PEN-01', 0, 120)], totalCents: 23000n },
  { id: 'INV-1003', customer: 'Edsger', lines: [], totalCents: 0n },
  { id: 'INV-1004', customer: 'Barbara', lines: Array.from({ length: 9 }, () => line('PEN-01', 1, 120)), totalCents: 1080n },
];

for (const invoice of INVOICES) {
  try {
    // result<result<report, string>, lumen-error>: the plugin's own result is {tag, val};
    // a Lumen run-time error is a thrown ComponentError whose payload is the lumen-error.
    const verdict = plugin.check(invoice);
    if (verdict.tag === 'err') {
      console.log(`${invoice.id}: rejected: ${verdict.val}`);
      continue;
    }
    const report = verdict.val;
    const problems = report.problems.length === 0 ? 'no problems' : `${report.problems.length} problem(s)`;
    console.log(`${report.invoice}: lines add up to ${report.computedCents} cents, ${problems}`);
    for (const p of report.problems) console.log(`  - ${p}`);
  } catch (e) {
    if (e?.constructor?.name !== 'ComponentError') throw e;
    console.log(`${invoice.id}: lumen error ${e.payload.code}: ${e.payload.message}`);
  }
}
console.log(`catalogue look-ups: ${lookups}`);
