//! The one npm package of the JavaScript targets (`--wasm-target js`): the same installed
//! package works in Node.js (`import` and `require`), browsers with or without a bundler,
//! Web Workers, Deno and Cloudflare workerd, with the `.wasm` shipped once.
//!
//! Layout of the package (see `docs/WASM_DEPLOYMENT.md`):
//! - `lumen_wasm_bg.wasm`: the runtime, once.
//! - `lumen_wasm.js`: wasm-bindgen's `web` glue (ES module), `lumen_wasm.cjs`: its `nodejs`
//!   glue (CommonJS) for the same `.wasm` (checked byte for byte).
//! - `lumen_loader.js`: loads the runtime once and guards every API function
//!   ([`LOADER`]); `index.js` (browsers, workers, Deno, bundlers: `new URL(…,
//!   import.meta.url)` and top-level await), `index.node.js` (Node `import`: `fs`),
//!   `index.workerd.js` (the `.wasm` imported as a `WebAssembly.Module`), `index.cjs`
//!   (Node `require`), `index.inline.js` (bundlers without asset handling, esbuild: the
//!   runtime inlined as base64 in `lumen_wasm_inline.js`).
//! - `index.d.ts` / `index.d.cts`: the API's types for ES modules and CommonJS.
//!
//! The entries and types are generated from what the glue exports, so the full and the
//! VM-only runtime (no `check`/`compile`) get exactly their own API.

use serde_json::{json, Value};
use std::path::Path;

/// The shared loader (`lumen_loader.js`) before the wrappers are filled in.
const LOADER: &str = include_str!("lumen_loader.js");
/// `index.js`: browsers, Web Workers, Deno, bundlers.
const ENTRY_BROWSER: &str = include_str!("index.js");
/// `index.node.js`: Node.js `import`.
const ENTRY_NODE: &str = include_str!("index.node.js");
/// `index.workerd.js`: Cloudflare workerd.
const ENTRY_WORKERD: &str = include_str!("index.workerd.js");
/// `index.cjs`: Node.js `require`.
const ENTRY_CJS: &str = include_str!("index.cjs");
/// `index.inline.js`: bundlers that do not copy `new URL(…, import.meta.url)` assets.
const ENTRY_INLINE: &str = include_str!("index.inline.js");

/// The module `index.inline.js` imports: the runtime's bytes as base64 and their decoder.
const INLINE_MODULE: &str = r#"// The Lumen runtime (lumen_wasm_bg.wasm) inlined as base64, for index.inline.js.
const BASE64 = '/*@BASE64@*/';

/** The runtime's bytes. */
export function wasmBytes() {
  if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(BASE64);
  const text = atob(BASE64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}
"#;

/// `lumen_wasm_inline.js` for `wasm`: the bytes as base64 and their decoder.
pub fn inline_module(wasm: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(wasm);
    INLINE_MODULE.replace("/*@BASE64@*/", &b64)
}

/// The declarations appended to the glue's API types in `index.d.ts` / `index.d.cts`.
const INIT_TYPES: &str = r#"
/** Where `init` loads the runtime from: a URL, a fetch Response, the bytes, or a compiled module. */
export type InitInput = string | URL | Response | ArrayBuffer | ArrayBufferView | WebAssembly.Module;

/**
 * Loads the runtime. Not needed in the usual case: importing the package loads
 * `lumen_wasm_bg.wasm` from next to it. Call it to load the runtime from elsewhere, or after
 * the automatic load failed (the API functions then throw why). Resolves at once when the
 * runtime is already loaded.
 */
export function init(source?: InitInput | Promise<InitInput>): Promise<void>;
"#;

/// A digest of the package templates (part of the build fingerprint: a new CLI with other
/// templates rebuilds the package).
pub fn templates_digest() -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for t in [
        LOADER,
        ENTRY_BROWSER,
        ENTRY_NODE,
        ENTRY_WORKERD,
        ENTRY_CJS,
        ENTRY_INLINE,
        INLINE_MODULE,
        INIT_TYPES,
    ] {
        for b in t.bytes().chain([0]) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// The deprecated `--wasm-target` alias (`web`, `nodejs`, `bundler`) among `args`, if any:
/// clap maps each to `js`, so the command line is the only place that still tells.
pub fn deprecated_alias<I: IntoIterator<Item = String>>(args: I) -> Option<String> {
    let mut args = args.into_iter();
    while let Some(a) = args.next() {
        let value = if a == "--wasm-target" {
            args.next()
        } else {
            a.strip_prefix("--wasm-target=").map(str::to_string)
        };
        if let Some(v) =
            value.filter(|v| lumen_build_plan::WasmTarget::deprecated_alias(v).is_some())
        {
            return Some(v);
        }
    }
    None
}

/// The npm package name.
pub fn package_name(vm_only: bool) -> &'static str {
    if vm_only {
        "lumen-wasm-vm"
    } else {
        "lumen-wasm"
    }
}

/// What the glue exports: functions (and whether they return a promise) and classes.
#[derive(Debug, Default, PartialEq, Eq)]
struct Api {
    functions: Vec<(String, bool)>,
    classes: Vec<String>,
}

impl Api {
    /// Every exported name, `init` first.
    fn names(&self) -> Vec<String> {
        let mut names = vec!["init".to_string()];
        names.extend(self.classes.iter().cloned());
        names.extend(self.functions.iter().map(|(n, _)| n.clone()));
        names
    }
}

fn ident_after<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = line.strip_prefix(prefix)?;
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

/// The exports of wasm-bindgen's `web` glue; a function is async when its declaration in
/// the glue's `.d.ts` returns a `Promise`.
fn api(glue_js: &str, glue_dts: &str) -> Api {
    let mut api = Api::default();
    for line in glue_js.lines() {
        if let Some(name) = ident_after(line, "export function ") {
            let decl = format!("export function {name}(");
            let is_async = glue_dts
                .lines()
                .any(|l| l.starts_with(&decl) && l.contains("): Promise<"));
            api.functions.push((name.to_string(), is_async));
        } else if let Some(name) = ident_after(line, "export class ") {
            api.classes.push(name.to_string());
        }
    }
    api
}

/// The guarded wrappers `lumen_loader.js` exports.
fn wrappers(api: &Api) -> String {
    let mut out = String::new();
    for class in &api.classes {
        out.push_str(&format!("export {{ {class} }} from './lumen_wasm.js';\n"));
    }
    for (name, is_async) in &api.functions {
        if *is_async {
            out.push_str(&format!(
                "\nexport async function {name}(...args) {{\n  if (!loaded && pending) await pending.catch(() => {{}});\n  ready();\n  return glue.{name}(...args);\n}}\n"
            ));
        } else {
            out.push_str(&format!(
                "\nexport function {name}(...args) {{\n  ready();\n  return glue.{name}(...args);\n}}\n"
            ));
        }
    }
    out
}

/// The API types: the glue's declarations without wasm-bindgen's own init functions, plus
/// [`INIT_TYPES`].
fn types(glue_dts: &str) -> Result<String, String> {
    let cut = glue_dts
        .find("\nexport type InitInput")
        .ok_or("the wasm-bindgen glue's .d.ts has no InitInput (not the `web` target?)")?;
    // `[Symbol.dispose]` needs TypeScript's `esnext.disposable` lib: under `--strict` with an
    // ES2022 lib it is an error in the user's build, so the declaration is left out (the
    // method still exists at run time where the engine has `Symbol.dispose`).
    let api: String = glue_dts[..cut]
        .trim_end()
        .lines()
        .filter(|l| l.trim() != "[Symbol.dispose](): void;")
        .map(|l| format!("{l}\n"))
        .collect();
    Ok(format!("{api}{INIT_TYPES}"))
}

/// The `package.json`: `exports` conditions with `types` first in every object, `files`
/// exactly the files of the package (`files`, sorted).
pub fn package_json(name: &str, version: &str, license: &str, files: &[String]) -> Value {
    let esm = |entry: &str| json!({ "types": "./index.d.ts", "default": entry });
    let cjs = json!({ "types": "./index.d.cts", "default": "./index.cjs" });
    json!({
        "name": name,
        "version": version,
        "description": "The Lumen language runtime in WebAssembly: check, compile and run Lumen programs with JavaScript tools, in Node.js, browsers, bundlers, Web Workers, Deno and Cloudflare workerd.",
        "license": license,
        "keywords": ["lumen", "webassembly", "wasm", "interpreter", "agents"],
        "type": "module",
        "main": "./index.cjs",
        "types": "./index.d.cts",
        "exports": {
            ".": {
                "workerd": esm("./index.workerd.js"),
                "deno": esm("./index.js"),
                "node": { "import": esm("./index.node.js"), "require": cjs.clone() },
                // Bundlers that emit `new URL('./lumen_wasm_bg.wasm', import.meta.url)` as
                // an asset: webpack 5 (`webpack`) and Vite (`development` / `production`).
                "webpack": esm("./index.js"),
                "development": esm("./index.js"),
                "production": esm("./index.js"),
                // Every other bundler (esbuild, Rollup, Parcel, Bun, CDN builds): the
                // runtime inlined, so the bundle needs nothing next to it.
                "browser": esm("./index.inline.js"),
                "import": esm("./index.js"),
                "require": cjs,
                "default": esm("./index.js"),
            },
            "./package.json": "./package.json",
        },
        "files": files,
        // The entries load the runtime on import; the loader and the glue are pure.
        "sideEffects": ["./index.js", "./index.node.js", "./index.workerd.js", "./index.inline.js", "./index.cjs"],
        "engines": { "node": ">=20" },
    })
}

/// The package README.
pub fn readme(name: &str, version: &str, vm_only: bool) -> String {
    let (what, api, example) = if vm_only {
        (
            "The Lumen VM compiled to WebAssembly: runs precompiled binary LIR (`lumen emit -o app.lmb`); no compiler.",
            "`version()`, `run(bytes, options?)`, `init(source?)` and `LumenError`",
            "const bytes = new Uint8Array(await (await fetch('app.lmb')).arrayBuffer());\nconst { display, output } = await run(bytes, {\n  tools: { 'http.get': async ({ url }) => (await fetch(url)).json() },\n});",
        )
    } else {
        (
            "The Lumen toolchain (compiler and VM) compiled to WebAssembly.",
            "`version()`, `check(source, filename?)`, `compile(source, filename?)`, `run(sourceOrBytes, options?)`, `init(source?)` and `LumenError`",
            "const { display, output } = await run(source, {\n  filename: 'app.lm.md',\n  tools: { 'http.get': async ({ url }) => (await fetch(url)).json() },\n});",
        )
    };
    format!(
        "# {name} {version}\n\n{what}\n\nOne package for every JavaScript host: Node.js ≥ 20 (`import` and `require`), \
browsers with no bundler (`<script type=\"module\">`, an import map or a CDN URL), Vite, webpack 5, \
esbuild, Web Workers, Deno and Cloudflare workerd.\n\n\
```js\nimport {{ run }} from '{name}';   // or: const {{ run }} = require('{name}');\n{example}\n```\n\n\
No `init()` call is needed: importing the package loads `lumen_wasm_bg.wasm` from next to its \
entry (top-level await in the ES module entries; synchronously in Node.js and workerd). Vite and \
webpack emit the `.wasm` as an asset; other bundlers (esbuild, Rollup, Parcel, Bun) get the \
`browser` entry with the runtime inlined, so their bundle needs nothing next to it. \
`await init(url | bytes | WebAssembly.Module)` loads the runtime from elsewhere.\n\n\
API: {api}; see `index.d.ts`. Built by `lumen build --target wasm`.\n"
    )
}

/// Writes the entries, the loader, the types, `package.json` and `README.md` into `staged`
/// (which holds wasm-pack's `web` output and `lumen_wasm.cjs`), and removes the glue's own
/// type files.
pub fn assemble(
    staged: &Path,
    name: &str,
    version: &str,
    license: &str,
    vm_only: bool,
) -> Result<(), String> {
    let read = |f: &str| {
        std::fs::read_to_string(staged.join(f))
            .map_err(|e| format!("cannot read {}: {e}", staged.join(f).display()))
    };
    let glue_js = read("lumen_wasm.js")?;
    let glue_dts = read("lumen_wasm.d.ts")?;
    let api = api(&glue_js, &glue_dts);
    if !api.functions.iter().any(|(n, _)| n == "run") {
        return Err("the wasm-bindgen glue exports no `run`".into());
    }
    // The glue's self-types comment points at a file the package does not ship.
    let glue_js: String = glue_js
        .lines()
        .filter(|l| !l.starts_with("/* @ts-self-types="))
        .map(|l| format!("{l}\n"))
        .collect();
    let exports = api.names().join(", ");
    let cjs_exports: String = api
        .names()
        .iter()
        .filter(|n| *n != "init")
        .map(|n| format!("exports.{n} = lumen.{n};\n"))
        .collect();
    let dts = types(&glue_dts)?;
    let write = |f: &str, text: &str| super::package::write(&staged.join(f), text);
    write("lumen_wasm.js", &glue_js)?;
    write(
        "lumen_loader.js",
        &LOADER.replace("/*@WRAPPERS@*/\n", &wrappers(&api)),
    )?;
    write(
        "index.js",
        &ENTRY_BROWSER.replace("/*@EXPORTS@*/", &exports),
    )?;
    write(
        "index.node.js",
        &ENTRY_NODE.replace("/*@EXPORTS@*/", &exports),
    )?;
    write(
        "index.workerd.js",
        &ENTRY_WORKERD.replace("/*@EXPORTS@*/", &exports),
    )?;
    write(
        "index.inline.js",
        &ENTRY_INLINE.replace("/*@EXPORTS@*/", &exports),
    )?;
    let wasm = std::fs::read(staged.join("lumen_wasm_bg.wasm")).map_err(|e| {
        format!(
            "cannot read {}: {e}",
            staged.join("lumen_wasm_bg.wasm").display()
        )
    })?;
    write("lumen_wasm_inline.js", &inline_module(&wasm))?;
    write(
        "index.cjs",
        &ENTRY_CJS.replace("/*@CJS_EXPORTS@*/\n", &cjs_exports),
    )?;
    write("index.d.ts", &dts)?;
    write("index.d.cts", &dts)?;
    write("README.md", &readme(name, version, vm_only))?;
    for f in ["lumen_wasm.d.ts", "lumen_wasm_bg.wasm.d.ts"] {
        let _ = std::fs::remove_file(staged.join(f));
    }
    let mut files: Vec<String> = std::fs::read_dir(staged)
        .map_err(|e| format!("cannot read {}: {e}", staged.display()))?
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|f| f != "package.json")
        .collect();
    files.sort();
    let pkg = package_json(name, version, license, &files);
    let text = serde_json::to_string_pretty(&pkg).unwrap_or_default() + "\n";
    write("package.json", &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GLUE_JS: &str = "/* @ts-self-types=\"./lumen_wasm.d.ts\" */\nexport class LumenError {\n}\nexport function check(source, filename) {\n}\nexport function run(source, options) {\n}\nexport function version() {\n}\nexport function __lumenTestFault(kind) {\n}\nfunction __wbg_get_imports() {}\n";
    const GLUE_DTS: &str = "export class LumenError {\n    free(): void;\n    [Symbol.dispose](): void;\n}\nexport function check(source: string, filename?: string): Diagnostic[];\nexport function run(source: string | Uint8Array, options?: RunOptions): Promise<RunResult>;\nexport function version(): string;\n\nexport type InitInput = RequestInfo;\nexport function initSync(m: any): any;\n";

    #[test]
    fn issue11_item2_old_target_names_are_reported_as_deprecated() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            deprecated_alias(args(&["lumen", "build", "--wasm-target", "nodejs"])).as_deref(),
            Some("nodejs")
        );
        assert_eq!(
            deprecated_alias(args(&["lumen", "--wasm-target=web"])).as_deref(),
            Some("web")
        );
        assert_eq!(
            deprecated_alias(args(&["lumen", "--wasm-target", "js"])),
            None
        );
        assert_eq!(deprecated_alias(args(&["lumen", "--wasm-target"])), None);
    }

    #[test]
    fn issue11_item2_the_api_is_read_from_the_glue() {
        let a = api(GLUE_JS, GLUE_DTS);
        assert_eq!(a.classes, ["LumenError"]);
        assert_eq!(
            a.functions,
            [
                ("check".to_string(), false),
                ("run".to_string(), true),
                ("version".to_string(), false),
                ("__lumenTestFault".to_string(), false)
            ]
        );
        assert_eq!(a.names()[0], "init");
        let w = wrappers(&a);
        assert!(w.contains("export async function run(...args)"));
        assert!(w.contains("export function check(...args) {\n  ready();"));
        assert!(w.contains("export { LumenError } from './lumen_wasm.js';"));
    }

    #[test]
    fn issue11_item2_types_drop_the_glue_init_and_declare_init() {
        let t = types(GLUE_DTS).unwrap();
        assert!(!t.contains("initSync") && !t.contains("RequestInfo"));
        assert!(!t.contains("Symbol.dispose") && t.contains("free(): void;"));
        assert!(t.contains("export function init(source?: InitInput"));
        assert!(t.contains("export function run("));
        assert!(types("export function run(): void;\n").is_err());
    }

    #[test]
    fn issue11_item2_exports_put_types_first_in_every_object() {
        let files = vec!["index.js".to_string(), "lumen_wasm_bg.wasm".to_string()];
        let p = package_json("lumen-wasm", "1.2.3", "MIT", &files);
        let text = serde_json::to_string(&p).unwrap();
        // Every object with a `types` key starts with it.
        for (i, _) in text.match_indices("\"types\"") {
            let before = text[..i].trim_end();
            assert!(
                before.ends_with('{') || i < text.find("\"exports\"").unwrap(),
                "types is not first at {i}: {text}"
            );
        }
        let dot = &p["exports"]["."];
        let keys: Vec<&String> = dot.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "workerd",
                "deno",
                "node",
                "webpack",
                "development",
                "production",
                "browser",
                "import",
                "require",
                "default"
            ]
        );
        assert_eq!(dot["browser"]["default"], "./index.inline.js");
        assert_eq!(dot["production"]["default"], "./index.js");
        assert_eq!(dot["node"]["require"]["default"], "./index.cjs");
        assert_eq!(dot["node"]["require"]["types"], "./index.d.cts");
        assert_eq!(dot["workerd"]["default"], "./index.workerd.js");
        assert_eq!(p["files"], json!(files));
        assert_eq!(p["type"], "module");
        assert_eq!(package_name(true), "lumen-wasm-vm");
    }

    #[test]
    fn issue11_item2_assemble_writes_every_entry_and_lists_only_real_files() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("lumen_wasm.js"), GLUE_JS).unwrap();
        std::fs::write(d.join("lumen_wasm.d.ts"), GLUE_DTS).unwrap();
        std::fs::write(d.join("lumen_wasm_bg.wasm.d.ts"), "x").unwrap();
        std::fs::write(d.join("lumen_wasm_bg.wasm"), b"\0asm").unwrap();
        std::fs::write(d.join("lumen_wasm.cjs"), "").unwrap();
        assemble(d, "lumen-wasm", "0.1.0", "MIT", false).unwrap();
        let pkg: Value =
            serde_json::from_str(&std::fs::read_to_string(d.join("package.json")).unwrap())
                .unwrap();
        for f in pkg["files"].as_array().unwrap() {
            assert!(
                d.join(f.as_str().unwrap()).is_file(),
                "{f} is listed but missing"
            );
        }
        assert!(!d.join("lumen_wasm.d.ts").exists());
        let index = std::fs::read_to_string(d.join("index.js")).unwrap();
        assert!(index.contains("export { init, LumenError, check, run, version, __lumenTestFault } from './lumen_loader.js';"));
        let cjs = std::fs::read_to_string(d.join("index.cjs")).unwrap();
        assert!(cjs.contains("exports.run = lumen.run;\n"));
        let inline = std::fs::read_to_string(d.join("index.inline.js")).unwrap();
        assert!(inline.contains("from './lumen_wasm_inline.js'"));
        assert!(inline.contains("export { init, LumenError, check, run, version, __lumenTestFault } from './lumen_loader.js';"));
        // "\0asm" in base64.
        assert!(std::fs::read_to_string(d.join("lumen_wasm_inline.js"))
            .unwrap()
            .contains("const BASE64 = 'AGFzbQ==';"));
        assert!(!std::fs::read_to_string(d.join("lumen_wasm.js"))
            .unwrap()
            .contains("ts-self-types"));
        assert!(std::fs::read_to_string(d.join("README.md"))
            .unwrap()
            .contains("import { run } from 'lumen-wasm'"));
    }
}
