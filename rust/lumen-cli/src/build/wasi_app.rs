//! `lumen build --target wasm --wasm-target wasi app.lm.md`: one program as one WASI app.
//!
//! The program is compiled first (its errors are `lumen check`'s diagnostics; exit 1 and
//! nothing is written, no cargo runs). Then the plan's runtime — the VM-only WASI template
//! `lumen-wasi-app` — comes from the runtime cache, or is built once by the same steps as
//! any runtime and stored there; `lumen_embed::embed` puts the program's binary LIR into a
//! copy, which is validated and written atomically as `DIR/<name>.wasm`. When only the
//! program changed, no Rust is compiled.

use super::{prepare, runtime, BuildArgs, BuildError, Built, Prepared, Reporter};
use crate::Failure;
use lumen_build_plan::{Plan, Status};
use std::path::Path;

/// Builds `program` with `plan` (a [`Plan::for_program`] plan).
pub(super) fn build(
    a: &BuildArgs,
    plan: &Plan,
    program: &Path,
    r: &Reporter,
) -> Result<Built, BuildError> {
    if a.name.is_some() {
        return Err(BuildError::usage(
            "--name names the npm package of a program (--wasm-target js); a WASI app is named after its program",
        ));
    }
    let cwd = std::env::current_dir()
        .map_err(|e| BuildError::usage(format!("cannot read the current directory: {e}")))?;
    let out_dir = cwd.join(&a.out_dir);
    let app_name = Plan::app_file_name(program);

    r.start("compile", &format!("compiling {}", program.display()));
    let module = crate::program::load(program).map_err(|f| match f {
        Failure::Usage(m) | Failure::Io(m) => BuildError::usage(m),
        Failure::Reported | Failure::ReportedIo => BuildError {
            message: format!("could not compile `{}`", program.display()),
            output: Vec::new(),
            usage: false,
            printed: true,
        },
    })?;
    // The app runs `main`: without one it could only fail (E0311) when started.
    if !module
        .functions
        .iter()
        .any(|f| f.exported && f.name == "main")
    {
        let name = crate::program::file_name(program);
        let hint = std::fs::read(program)
            .ok()
            .filter(|b| {
                lumen_compiler::source::no_lumen_block(&name, &String::from_utf8_lossy(b)).is_some()
            })
            .map_or("", |_| {
                " (it has no ```lumen code block: see warning W0004)"
            });
        return Err(BuildError::usage(format!(
            "`{name}` has no `cell main` for the WASI app to run{hint}; nothing was written"
        )));
    }
    let lir = lumen_vm::binary::encode(&module);

    let (Prepared { ws, tools, .. }, runtime_bytes) = cached_runtime(a, plan, r)?;

    r.start("embed", &format!("embedding into {}", out_dir.display()));
    let app = lumen_embed::embed(&runtime_bytes, &lir)
        .map_err(|e| BuildError::failed(e.to_string(), Vec::new()))?;
    ensure_dir(&out_dir)?;
    let out = out_dir.join(&app_name);
    crate::emit::write_atomic(&out, &app).map_err(|f| match f {
        Failure::Usage(m) | Failure::Io(m) => BuildError::usage(m),
        _ => BuildError::usage(format!("cannot write {}", out.display())),
    })?;
    readable(&out);
    let files = vec![super::package::FileSize {
        path: app_name.clone(),
        bytes: app.len() as u64,
        gzip_bytes: super::package::gzip_size(&app),
    }];
    Ok(Built {
        status: Status::Built,
        out_dir,
        package: None,
        version: ws.version.clone(),
        files,
        wasm_file: app_name,
        tools,
    })
}

pub(super) fn ensure_dir(dir: &Path) -> Result<&Path, BuildError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| BuildError::usage(format!("cannot create {}: {e}", dir.display())))?;
    Ok(dir)
}

/// Makes the app readable by everyone, like a file the compiler writes (the atomic write's
/// temporary file is private). Best effort.
pub(super) fn readable(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644));
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// The prepared build and the bytes of the plan's prebuilt runtime module
/// (`plan.wasm_file`): from the runtime cache, or built by the plan (in a scratch directory
/// in the target dir) and stored there first.
/// The runtimes that programs are embedded into (the WASI app, the component) share it.
pub(super) fn cached_runtime(
    a: &BuildArgs,
    plan: &Plan,
    r: &Reporter,
) -> Result<(Prepared, Vec<u8>), BuildError> {
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
    let bytes = std::fs::read(&runtime_path).map_err(|e| {
        BuildError::failed(
            format!("cannot read the runtime {}: {e}", runtime_path.display()),
            Vec::new(),
        )
    })?;
    Ok((Prepared { ws, tools, key }, bytes))
}
