// Issue 11 item 2: publint and @arethetypeswrong/cli on the packed runtime package report no
// error, no warning and no suggestion (lint.mjs).

import { test } from 'node:test';
import { pack, run, PKG } from './pack.mjs';
import { assertAttwClean, assertPublintClean } from './lint.mjs';

test('issue 11 item 2: publint reports nothing on the package', () => assertPublintClean(run, PKG));

test('issue 11 item 2: attw --pack finds no problem in any resolution mode', () =>
  assertAttwClean(run, pack));
