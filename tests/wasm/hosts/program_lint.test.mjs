// Issue 11 items 2 and 7: publint and @arethetypeswrong/cli on the packed PROGRAM package
// (program.mjs) report no error, no warning and no suggestion (lint.mjs).

import { test } from 'node:test';
import { pack, run, PROGRAM_PKG } from './program.mjs';
import { assertAttwClean, assertPublintClean } from './lint.mjs';

test('issue 11 item 7: publint reports nothing on the program package', () =>
  assertPublintClean(run, PROGRAM_PKG));

test('issue 11 item 7: attw --pack finds no problem in the program package in any resolution mode', () =>
  assertAttwClean(run, pack));
