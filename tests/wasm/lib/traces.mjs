// The stack-trace fixtures of tests/traces (issue 14), as every JavaScript host test uses
// them: the sources, the run options that give `app.lm.md` its import, and what native
// `lumen run` prints for each (`tests/traces/*.stderr`, without the final newline, which is
// what `LumenError.rendered` holds).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lumen.mjs';

/** The fixtures folder. */
export const TRACES = join(ROOT, 'tests', 'traces');

const read = (name) => readFileSync(join(TRACES, name), 'utf8');

/** `tests/traces/NAME` without its final newline. */
export const expectedText = (name) => read(name).replace(/\n$/, '');

/** `app.lm.md`'s source and the `run` options that name it and provide its import. */
export function appRun() {
  return {
    source: read('app.lm.md'),
    options: { filename: 'app.lm.md', modules: { 'lib.checks': read('lib/checks.lm') } },
  };
}

/** `deep.lm`'s source. */
export const deepSource = () => read('deep.lm');

/** The frames of `app.lm.md`'s error, innermost first. */
export const APP_FRAMES = [
  { cell: 'pick', file: 'lib/checks.lm', line: 3, column: 3 },
  { cell: 'middle', file: 'app.lm.md', line: 11, column: 19 },
  { cell: 'main', file: 'app.lm.md', line: 17, column: 3 },
];

/** The first lines of `app.lm.md`'s `LumenError.stack`: the Lumen frames, then JS ones. */
export const APP_STACK_HEAD = [
  'LumenError: index 7 out of range for list of length 3',
  '    at pick (lib/checks.lm:3:3)',
  '    at middle (app.lm.md:11:19)',
  '    at main (app.lm.md:17:3)',
].join('\n');
