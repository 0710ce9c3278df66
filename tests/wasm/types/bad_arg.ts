// Misuse: a String where the cell takes an Int. Expected: error TS2345.
import { shift } from './app.mjs';
import type { Tools } from './app.mjs';

declare const tools: Tools;
export const moved = shift({ x: 1, y: 2.5 }, 'ten', { tools });
