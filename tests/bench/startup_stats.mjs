// The numbers and the Markdown table of tests/bench/startup.mjs: median, min and max of each
// (host, package)'s samples, in milliseconds.

/** The median of `xs` (the mean of the middle two for an even count); NaN when empty. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** `{median, min, max}` of one column of samples (`null` entries left out). */
function stats(xs) {
  const v = xs.filter((x) => x !== null && x !== undefined);
  return v.length ? { median: median(v), min: Math.min(...v), max: Math.max(...v) } : null;
}

/** The statistics of samples `{ms, whole}`: import → result and the whole start. */
export function summary(samples) {
  return { ms: stats(samples.map((s) => s.ms)), whole: stats(samples.map((s) => s.whole)) };
}

const cells = (s) => (s ? [s.median, s.min, s.max].map((x) => x.toFixed(1)) : ['–', '–', '–']);

/** The Markdown table of rows `{host, package, samples}`. */
export function table(rows) {
  const lines = [
    '| host | package | import → result ms: median | min | max | whole ms: median | min | max |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const s = summary(r.samples);
    lines.push(`| ${r.host} | ${r.package} | ${[...cells(s.ms), ...cells(s.whole)].join(' | ')} |`);
  }
  return lines.join('\n');
}
