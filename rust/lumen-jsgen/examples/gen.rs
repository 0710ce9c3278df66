//! Compiles a Lumen program and writes its typed entry module:
//!
//! ```text
//! cargo run -p lumen-jsgen --example gen -- app.lm.md OUT_DIR [--stem app]
//!     [--runtime ./lumen_wasm.js] [--runtime-cjs ./lumen_wasm.cjs]
//!     [--runtime-types SPEC] [--runtime-cjs-types SPEC]
//! ```
//!
//! Writes `OUT_DIR/<stem>.mjs`, `<stem>.cjs`, `<stem>.d.mts`, `<stem>.d.cts` (`.mjs` and
//! `.d.mts` mean the same in any package, whatever its `"type"`) and `<stem>.lmb`. Used by
//! `tests/wasm/node/typed_exports.test.mjs`; `lumen build` is the real user of
//! `lumen_jsgen::generate`. The program may not import modules here.

use lumen_compiler::{CompileOptions, NoImports};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mut positional = Vec::new();
    let mut opts = lumen_jsgen::Options::default();
    let mut stem = "app".to_string();
    while let Some(a) = args.next() {
        let mut value = |flag: &str| args.next().ok_or(format!("{flag} needs a value"));
        match a.as_str() {
            "--stem" => stem = value("--stem")?,
            "--runtime" => opts.runtime = value("--runtime")?,
            "--runtime-cjs" => opts.runtime_cjs = value("--runtime-cjs")?,
            "--runtime-types" => opts.runtime_types = Some(value("--runtime-types")?),
            "--runtime-cjs-types" => opts.runtime_cjs_types = Some(value("--runtime-cjs-types")?),
            _ => positional.push(a),
        }
    }
    let [source, out] = positional.as_slice() else {
        return Err(
            "usage: gen PROGRAM OUT_DIR [--stem S] [--runtime SPEC] [--runtime-cjs SPEC]".into(),
        );
    };
    let path = Path::new(source);
    let text = std::fs::read(path).map_err(|e| format!("{source}: {e}"))?;
    let name = path
        .file_name()
        .map_or(source.clone(), |n| n.to_string_lossy().into_owned());
    opts.filename = name.clone();
    let copts = CompileOptions::default();
    let render = |diags: Vec<lumen_compiler::Diagnostic>| {
        diags
            .iter()
            .filter(|d| d.is_error())
            .map(|d| {
                format!(
                    "{}:{}:{}: {}: {}",
                    d.file, d.line, d.column, d.code, d.message
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let iface = lumen_compiler::interface_of(&name, &text, &NoImports, &copts).map_err(render)?;
    let module = lumen_compiler::compile(&name, &text, &NoImports, &copts)
        .map_err(render)?
        .module;
    let lir = lumen_vm::binary::encode(&module);
    let g = lumen_jsgen::generate(&iface, &lir, &opts);
    for w in &g.warnings {
        eprintln!("gen: warning: {w}");
    }
    let out = PathBuf::from(out);
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let files = [
        (format!("{stem}.mjs"), g.js.as_bytes()),
        (format!("{stem}.cjs"), g.cjs.as_bytes()),
        (format!("{stem}.d.mts"), g.dts.as_bytes()),
        (format!("{stem}.d.cts"), g.dcts.as_bytes()),
        (format!("{stem}.lmb"), lir.as_slice()),
    ];
    for (file, bytes) in files {
        let p = out.join(file);
        std::fs::write(&p, bytes).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    Ok(())
}
