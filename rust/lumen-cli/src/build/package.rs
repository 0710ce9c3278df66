//! Assembling the output directory: the npm `package.json` and README next to the `.wasm`
//! and JS glue, file sizes for the summary, and the atomic replacement of the old output.

use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};

/// One output file and its sizes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSize {
    /// Path relative to the output directory.
    pub path: String,
    /// Bytes.
    pub bytes: u64,
    /// Bytes after gzip -9.
    pub gzip_bytes: u64,
}

/// The npm package name for a wasm-pack target.
pub fn package_name(target: &str, vm_only: bool) -> String {
    if vm_only {
        format!("lumen-wasm-vm-{target}")
    } else {
        format!("lumen-wasm-{target}")
    }
}

/// The `package.json` of a wasm-pack target's output (`web`, `nodejs`, `bundler`).
pub fn package_json(target: &str, name: &str, version: &str, license: Option<&str>) -> Value {
    let files = json!([
        "lumen_wasm_bg.wasm",
        "lumen_wasm.js",
        "lumen_wasm.d.ts",
        "lumen_wasm_bg.wasm.d.ts",
        "lumen_wasm_bg.js",
        "README.md"
    ]);
    let mut pkg = json!({
        "name": name,
        "version": version,
        "description": "The Lumen language toolchain (compiler and VM) in WebAssembly: check, compile and run Lumen programs with JavaScript tools.",
        "license": license.unwrap_or("MIT OR Apache-2.0"),
        "keywords": ["lumen", "webassembly", "wasm", "interpreter", "agents"],
        "files": files,
        "types": "lumen_wasm.d.ts",
        "sideEffects": false,
    });
    let extra = match target {
        // CommonJS: the glue reads the .wasm with fs at require time.
        "nodejs" => json!({
            "type": "commonjs",
            "main": "lumen_wasm.js",
            "exports": { ".": { "types": "./lumen_wasm.d.ts", "default": "./lumen_wasm.js" },
                         "./lumen_wasm_bg.wasm": "./lumen_wasm_bg.wasm" },
            "engines": { "node": ">=18" },
        }),
        // ES module with an init() default export that fetches the .wasm.
        "web" => json!({
            "type": "module",
            "main": "lumen_wasm.js",
            "module": "lumen_wasm.js",
            "exports": { ".": { "types": "./lumen_wasm.d.ts", "default": "./lumen_wasm.js" },
                         "./lumen_wasm_bg.wasm": "./lumen_wasm_bg.wasm" },
        }),
        // ES module importing the .wasm as a module: the bundler instantiates it. The glue
        // does run code on import (instantiation), which bundlers must keep.
        _ => json!({
            "type": "module",
            "main": "lumen_wasm.js",
            "module": "lumen_wasm.js",
            "exports": { ".": { "types": "./lumen_wasm.d.ts", "default": "./lumen_wasm.js" },
                         "./lumen_wasm_bg.wasm": "./lumen_wasm_bg.wasm" },
            "sideEffects": ["./lumen_wasm.js", "./snippets/*"],
        }),
    };
    if let (Value::Object(p), Value::Object(e)) = (&mut pkg, extra) {
        for (k, v) in e {
            p.insert(k, v);
        }
    }
    pkg
}

/// The README of a package.
pub fn readme(name: &str, target: &str, version: &str) -> String {
    let load = match target {
        "nodejs" => format!("const {{ run, check, compile, version }} = require('{name}');"),
        "web" => format!(
            "import init, {{ run, check, compile, version }} from '{name}';\nawait init(); // fetches lumen_wasm_bg.wasm"
        ),
        _ => format!("import {{ run, check, compile, version }} from '{name}';"),
    };
    format!(
        "# {name} {version}\n\nThe Lumen toolchain compiled to WebAssembly (wasm-pack target `{target}`).\n\n\
```js\n{load}\nconst {{ display, output }} = await run(source, {{\n  filename: 'app.lm.md',\n  tools: {{ 'http.get': async ({{ url }}) => (await fetch(url)).json() }},\n}});\n```\n\n\
API: `version()`, `check(source, filename?)`, `compile(source, filename?)`, \
`run(sourceOrBytes, options?)` and `LumenError`; see `lumen_wasm.d.ts`.\n\
Built by `lumen build --target wasm`.\n"
    )
}

/// Writes `text` to `path`.
pub fn write(path: &Path, text: &str) -> Result<(), String> {
    let mut f =
        std::fs::File::create(path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    f.write_all(text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Gzip -9 size of `bytes`.
pub fn gzip_size(bytes: &[u8]) -> u64 {
    use flate2::{write::GzEncoder, Compression};
    let mut enc = GzEncoder::new(Vec::new(), Compression::best());
    if enc.write_all(bytes).is_err() {
        return 0;
    }
    enc.finish().map(|v| v.len() as u64).unwrap_or(0)
}

/// Every file under `dir` with its sizes, sorted by path.
pub fn sizes(dir: &Path) -> Result<Vec<FileSize>, String> {
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<FileSize>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            walk(root, &path, out)?;
        } else {
            let bytes =
                std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            out.push(FileSize {
                path: path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/"),
                bytes: bytes.len() as u64,
                gzip_bytes: gzip_size(&bytes),
            });
        }
    }
    Ok(())
}

/// Replaces `out_dir` by `staged` (a directory on the same file system). The old output is
/// moved aside into `scratch` first and deleted only after the new one is in place, so a
/// failure at any point leaves a complete directory at `out_dir` or restores the old one.
pub fn replace_dir(staged: &Path, out_dir: &Path, scratch: &Path) -> Result<(), String> {
    let aside: Option<PathBuf> = if out_dir.exists() {
        let aside = scratch.join("previous");
        std::fs::rename(out_dir, &aside)
            .map_err(|e| format!("cannot move the previous {} aside: {e}", out_dir.display()))?;
        Some(aside)
    } else {
        None
    };
    if let Err(e) = std::fs::rename(staged, out_dir) {
        if let Some(aside) = &aside {
            let _ = std::fs::rename(aside, out_dir);
        }
        return Err(format!(
            "cannot move the new output to {}: {e}",
            out_dir.display()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_json_has_what_npm_and_bundlers_need() {
        for target in ["web", "nodejs", "bundler"] {
            let name = package_name(target, false);
            let p = package_json(target, &name, "1.2.3", None);
            assert_eq!(p["name"], name.as_str());
            assert_eq!(p["version"], "1.2.3");
            assert_eq!(p["main"], "lumen_wasm.js");
            assert_eq!(p["types"], "lumen_wasm.d.ts");
            assert!(p["exports"]["."]["default"].is_string());
            assert!(p["files"].as_array().unwrap().len() >= 3);
            assert!(p.get("sideEffects").is_some());
        }
        assert_eq!(
            package_json("nodejs", "x", "1.0.0", None)["type"],
            "commonjs"
        );
        assert_eq!(package_json("web", "x", "1.0.0", None)["type"], "module");
        assert_eq!(
            package_json("web", "x", "1.0.0", None)["sideEffects"],
            false
        );
        assert_eq!(package_name("web", true), "lumen-wasm-vm-web");
    }

    #[test]
    fn replace_dir_swaps_and_sizes_list_files() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("pkg");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("old.txt"), "old").unwrap();
        let scratch = dir.path().join("scratch");
        std::fs::create_dir_all(scratch.join("new")).unwrap();
        std::fs::write(scratch.join("new/a.wasm"), vec![7u8; 1000]).unwrap();
        replace_dir(&scratch.join("new"), &out, &scratch).unwrap();
        let s = sizes(&out).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].path, "a.wasm");
        assert_eq!(s[0].bytes, 1000);
        assert!(s[0].gzip_bytes > 0 && s[0].gzip_bytes < 100);
        assert!(scratch.join("previous/old.txt").is_file());
    }

    #[test]
    fn readme_names_the_package() {
        let r = readme("lumen-wasm-web", "web", "0.1.0");
        assert!(r.contains("await init()"));
        assert!(r.contains("lumen-wasm-web"));
    }
}
