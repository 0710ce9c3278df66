//! `lumen build --target wasm --wasm-target http app.lm.md`: a program with
//! `pub cell handle(req: Request) -> Response` (`import std.http: Request, Response`) as
//! one `wasi:http/proxy` component `DIR/<name>.wasm` (issue 12 item 2), which `wasmtime
//! serve`, Spin, Fastly Compute and wasmCloud run.
//!
//! Steps: compile the program (its errors are `lumen check`'s diagnostics; exit 1, nothing
//! written, no cargo) and check its handler as the worker does ([`super::handler`]; a usage
//! error, exit 2) → workspace, toolchain and fingerprint, as for any runtime → the HTTP
//! runtime (a `wasm32-wasip1` cdylib, `rust/lumen-http-runtime`) from the runtime cache, or
//! built once by the same steps and stored there → [`componentize`]: the program's binary
//! LIR embedded behind the runtime's `lumen:program` imports (`lumen_embed::embed`), the
//! module encoded as a component with wit-component and the WASI preview1 *proxy*
//! adapter, validated → written atomically. When only the program changed, no Rust is
//! compiled.

use super::wasi_app::{ensure_dir, readable};
use super::{BuildArgs, BuildError, Built, Prepared, Reporter};
use crate::Failure;
use lumen_build_plan::{Plan, Status};
use std::path::Path;

/// The component of the program `lir`: `runtime` (the core module of lumen-http-runtime,
/// which carries its `wasi:http/proxy` world as component metadata) with the program
/// embedded, componentized with the WASI proxy adapter (Wasmtime 48's) and validated.
pub(super) fn componentize(runtime: &[u8], lir: &[u8]) -> Result<Vec<u8>, String> {
    let core = lumen_embed::embed(runtime, lir).map_err(|e| e.to_string())?;
    wit_component::ComponentEncoder::default()
        .module(&core)
        .and_then(|enc| {
            enc.adapter(
                wasi_preview1_component_adapter_provider::WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME,
                wasi_preview1_component_adapter_provider::WASI_SNAPSHOT_PREVIEW1_PROXY_ADAPTER,
            )
        })
        .and_then(|enc| enc.validate(true).encode())
        .map_err(|e| {
            format!(
                "internal error: building the wasi:http component: {}",
                format!("{e:#}")
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        })
}

/// Builds `program` as a `wasi:http/proxy` component with `plan` (a [`Plan::for_program`]
/// plan for `http`).
pub(super) fn build(
    a: &BuildArgs,
    plan: &Plan,
    program: &Path,
    r: &Reporter,
) -> Result<Built, BuildError> {
    if a.name.is_some() {
        return Err(BuildError::usage(
            "--name names the npm package of a program (--wasm-target js); an HTTP component is named after its program",
        ));
    }
    let cwd = std::env::current_dir()
        .map_err(|e| BuildError::usage(format!("cannot read the current directory: {e}")))?;
    let out_dir = cwd.join(&a.out_dir);
    let wasm_name = Plan::app_file_name(program);
    let filename = program
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();

    r.start("compile", &format!("compiling {}", program.display()));
    let compiled = super::program::compile(program)?;
    super::handler::check(&compiled.iface, &filename, "an HTTP component")
        .map_err(BuildError::usage)?;
    let missing = super::handler::tools_without_provider(&compiled.iface);
    if !missing.is_empty() {
        r.notice(&format!(
            "warning: the HTTP component provides only http.get and http.post; {} {} with E0908",
            missing.join(", "),
            if missing.len() == 1 { "fails" } else { "fail" },
        ));
    }

    let (Prepared { ws, tools, .. }, runtime_bytes) = super::wasi_app::cached_runtime(a, plan, r)?;

    r.start(
        "componentize",
        &format!(
            "building the wasi:http component into {}",
            out_dir.display()
        ),
    );
    let component = componentize(&runtime_bytes, &compiled.lir)
        .map_err(|e| BuildError::failed(e, Vec::new()))?;
    ensure_dir(&out_dir)?;
    let out = out_dir.join(&wasm_name);
    crate::emit::write_atomic(&out, &component).map_err(|f| match f {
        Failure::Usage(m) | Failure::Io(m) => BuildError::usage(m),
        _ => BuildError::usage(format!("cannot write {}", out.display())),
    })?;
    readable(&out);
    let files = vec![super::package::FileSize {
        path: wasm_name.clone(),
        bytes: component.len() as u64,
        gzip_bytes: super::package::gzip_size(&component),
    }];
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
