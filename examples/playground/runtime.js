// Where the playground loads the Lumen package from: `../../pkg/index.js` (what the README's
// main command, `lumen build --target wasm`, writes at the repository root), or the
// same-origin URL in the page's `?pkg=` query parameter (the tests point it at their build).

/** The package entry loaded when the page has no `?pkg=`. */
export const DEFAULT_PKG = '../../pkg/index.js';

/**
 * The URL of the package entry for a page at `pageUrl`: `?pkg=` resolved against the page,
 * else {@link DEFAULT_PKG}. Throws for another origin (a link must not make the page run a
 * foreign script).
 */
export function packageUrl(pageUrl) {
  const page = new URL(pageUrl);
  const wanted = page.searchParams.get('pkg') || DEFAULT_PKG;
  const url = new URL(wanted, page);
  if (url.origin !== page.origin) {
    throw new Error(`?pkg= must name a file of this site (${page.origin}), not ${url.origin}`);
  }
  return url.href;
}

/** Imports the package (its `.wasm` loads on import); rejects with why it could not. */
export async function loadLumen(pageUrl) {
  const url = packageUrl(pageUrl);
  try {
    return await import(url);
  } catch (e) {
    throw new Error(
      `could not load the Lumen package from ${url} (${e?.message ?? e}); build it with ` +
        '`cargo run --release -p lumen-cli -- build --target wasm --release` at the repository root',
    );
  }
}
