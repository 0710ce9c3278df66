//! `lumen build --target wasm --wasm-target component app.lm.md`: one program as one
//! WebAssembly component (`DIR/app.wasm`) and its WIT world (`DIR/app.wit`), issue 12
//! item 1.
//!
//! Steps: compile the program (its errors are `lumen check`'s diagnostics; exit 1, nothing
//! written, no cargo) → its world (`lumen_wit::world`: the exported cells as typed WIT
//! exports, the tools as imports; a type WIT cannot express is an error naming it) →
//! workspace, toolchain and fingerprint, as for any runtime → the component runtime (a
//! `wasm32-wasip1` cdylib, `rust/lumen-component-runtime`) from the runtime cache, or
//! built once by the same steps and stored there → `lumen_componentize::componentize`:
//! the program blob embedded, the canonical-ABI glue generated, the component encoded with
//! wit-component and the WASI reactor adapter, validated → both files written atomically.
//! When only the program changed, no Rust is compiled.

use super::wasi_app::{ensure_dir, readable};
use super::{prepare, runtime, BuildArgs, BuildError, Built, Prepared, Reporter};
use lumen_build_plan::{Plan, Status};
use std::io::Write;
use std::path::Path;

/// The WIT package and world names of a program: `lumen:<stem>` and `<stem>`, the file
/// stem in kebab-case (`my_app.lm.md` → `lumen:my-app`, world `my-app`); `app` when
/// nothing of it is usable.
pub(super) fn wit_names(stem: &str) -> (String, String) {
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut prev_lower = false;
    for c in stem.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && prev_lower && !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            word.push(c.to_ascii_lowercase());
        } else {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            prev_lower = false;
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    // Each WIT word starts with a letter (`2d` is not a word): fold such words into the
    // one before, or drop them at the start.
    let mut out: Vec<String> = Vec::new();
    for w in words {
        if w.starts_with(|c: char| c.is_ascii_digit()) {
            if let Some(last) = out.last_mut() {
                last.push_str(&w);
            }
        } else {
            out.push(w);
        }
    }
    let name = if out.is_empty() {
        "app".to_string()
    } else {
        out.join("-")
    };
    (format!("lumen:{name}"), name)
}

/// Builds `program` as a component with `plan` (a [`Plan::for_program`] plan for
/// `component`).
pub(super) fn build(
    a: &BuildArgs,
    plan: &Plan,
    program: &Path,
    r: &Reporter,
) -> Result<Built, BuildError> {
    if a.name.is_some() {
        return Err(BuildError::usage(
            "--name names the npm package of a program (--wasm-target js); a component is named after its program",
        ));
    }
    let cwd = std::env::current_dir()
        .map_err(|e| BuildError::usage(format!("cannot read the current directory: {e}")))?;
    let out_dir = cwd.join(&a.out_dir);
    let wasm_name = Plan::app_file_name(program);
    let stem = wasm_name
        .strip_suffix(".wasm")
        .unwrap_or(&wasm_name)
        .to_string();
    let wit_name = format!("{stem}.wit");

    r.start("compile", &format!("compiling {}", program.display()));
    let compiled = super::program::compile(program)?;
    let (package, world_name) = wit_names(&stem);
    // `main` is `wasi:cli/run` whenever the program has one, exported cell or not.
    let has_main = lumen_vm::binary::decode(&compiled.lir)
        .map(|m| m.functions.iter().any(|f| f.exported && f.name == "main"))
        .unwrap_or(false);
    let world = lumen_wit::world_with_main(
        &compiled.iface,
        &lumen_wit::Options {
            package,
            world: world_name,
        },
        has_main,
    )
    .map_err(|errors| {
        let list: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        BuildError::failed(
            format!(
                "`{}` cannot be a component ({}); nothing was written",
                program.display(),
                list.join("; ")
            ),
            Vec::new(),
        )
    })?;
    let (exports, imports, cli_run) = world.blob_sigs.clone();
    let blob = lumen_cabi::ProgramBlob {
        exports,
        imports,
        cli_run,
        lir: compiled.lir,
    };

    let Prepared { ws, tools, key } = prepare(a, plan, None, r)?;
    // A runtime that is not cached yet is built in a scratch directory in the target dir
    // (and stored in the cache); a cached one is read where it is.
    let scratch = tempfile::Builder::new()
        .prefix(".lumen-runtime-")
        .tempdir_in(ensure_dir(&ws.target_dir)?)
        .map_err(|e| {
            BuildError::usage(format!(
                "cannot create a temporary directory in {}: {e}",
                ws.target_dir.display()
            ))
        })?;
    let dir = runtime(
        plan,
        &ws,
        &tools,
        &key,
        &scratch.path().join("runtime"),
        scratch.path(),
        r,
    )?;
    let runtime_path = dir.join(plan.wasm_file);
    let runtime_bytes = std::fs::read(&runtime_path).map_err(|e| {
        BuildError::failed(
            format!("cannot read the runtime {}: {e}", runtime_path.display()),
            Vec::new(),
        )
    })?;

    r.start(
        "componentize",
        &format!("building the component into {}", out_dir.display()),
    );
    let component =
        lumen_componentize::componentize(&runtime_bytes, &world.wit, &world.world, &blob)
            .map_err(|e| BuildError::failed(e.to_string(), Vec::new()))?;
    ensure_dir(&out_dir)?;
    write_both(
        &out_dir,
        [
            (wasm_name.as_str(), component.as_slice()),
            (wit_name.as_str(), world.wit.as_bytes()),
        ],
    )?;
    let file = |name: &str, bytes: &[u8]| super::package::FileSize {
        path: name.to_string(),
        bytes: bytes.len() as u64,
        gzip_bytes: super::package::gzip_size(bytes),
    };
    let files = vec![
        file(&wasm_name, &component),
        file(&wit_name, world.wit.as_bytes()),
    ];
    Ok(Built {
        status: Status::Built,
        out_dir,
        package: None,
        version: ws.version.clone(),
        files,
        wasm_file: wasm_name,
        tools,
    })
}

/// Writes the files into `dir` through temporary files there, renamed only once both are
/// written: on an error neither file is replaced (an already renamed one is removed).
fn write_both(dir: &Path, files: [(&str, &[u8]); 2]) -> Result<(), BuildError> {
    let fail = |name: &str, e: &dyn std::fmt::Display| {
        BuildError::usage(format!("cannot write {}: {e}", dir.join(name).display()))
    };
    let mut staged = Vec::new();
    for (name, bytes) in files {
        let mut tmp = tempfile::Builder::new()
            .prefix(".lumen-component-")
            .tempfile_in(dir)
            .map_err(|e| fail(name, &e))?;
        tmp.write_all(bytes).map_err(|e| fail(name, &e))?;
        tmp.as_file().sync_all().map_err(|e| fail(name, &e))?;
        staged.push((name, tmp));
    }
    let mut done: Vec<std::path::PathBuf> = Vec::new();
    for (name, tmp) in staged {
        let path = dir.join(name);
        if let Err(e) = tmp.persist(&path) {
            for p in &done {
                let _ = std::fs::remove_file(p);
            }
            return Err(fail(name, &e.error));
        }
        readable(&path);
        done.push(path);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::wit_names;

    #[test]
    fn issue12_item1_wit_names_come_from_the_file_stem() {
        for (stem, pkg, world) in [
            ("app", "lumen:app", "app"),
            ("my_app", "lumen:my-app", "my-app"),
            ("MyApp", "lumen:my-app", "my-app"),
            ("edge api.v2", "lumen:edge-api-v2", "edge-api-v2"),
            ("2d_shapes", "lumen:shapes", "shapes"),
            ("___", "lumen:app", "app"),
            ("types", "lumen:types", "types"),
        ] {
            assert_eq!(
                wit_names(stem),
                (pkg.to_string(), world.to_string()),
                "{stem}"
            );
        }
    }
}
