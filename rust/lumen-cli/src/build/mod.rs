//! `lumen build --target wasm`: the Lumen runtime as an npm-ready package (or a WASI
//! command module), reproducibly and offline.
//!
//! Steps: find the workspace (`cargo metadata`) → check and fix the toolchain → compare the
//! input fingerprint (up to date? stop) → compile (wasm-pack, or cargo for WASI) into a
//! temporary directory next to the output → binaryen (release) → assemble the package →
//! swap it into place → record the fingerprint. A failure at any step leaves the previous
//! output untouched.

mod fingerprint;
mod npm;
mod optimize;
mod package;
mod process;
mod program;
mod report;
mod toolchain;
mod workspace;

use crate::Failure;
use clap::{Args, ValueEnum};
use package::FileSize;
use report::{Reporter, Verbosity};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// What `lumen build` produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// The Lumen runtime as WebAssembly.
    Wasm,
}

/// The host the WebAssembly package is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WasmTarget {
    /// One npm package for every JavaScript host: Node.js (`import` and `require`),
    /// browsers, bundlers, Web Workers, Deno and workerd. `web`, `nodejs` and `bundler` are
    /// deprecated aliases.
    #[value(alias = "web", alias = "nodejs", alias = "bundler")]
    Js,
    /// A WASI command module (`wasm32-wasip1`) for Wasmtime and `node:wasi`.
    Wasi,
    /// A WASI component (`wasm32-wasip2`) whose HTTP tools use `wasi:http`
    /// (`wasmtime run -S http`).
    WasiHttp,
}

impl WasmTarget {
    fn name(self) -> &'static str {
        match self {
            WasmTarget::Js => "js",
            WasmTarget::Wasi => "wasi",
            WasmTarget::WasiHttp => "wasi-http",
        }
    }
}

/// What a release build optimises for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    /// Smallest download: cargo `opt-level = "z"` (the VM at 3), binaryen `-Oz`.
    Size,
    /// Fastest code: cargo `opt-level = 3`, binaryen `-O3`.
    Speed,
}

/// How the result is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MessageFormat {
    /// Progress and a summary table on standard error.
    Human,
    /// One JSON object on standard output at the end (progress still on standard error).
    Json,
}

/// Arguments of `lumen build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// What to build (only `wasm`).
    #[arg(long, value_enum)]
    pub target: Target,
    /// Optimised build (cargo profile `wasm-release` or `wasm-speed`, then binaryen).
    #[arg(long)]
    pub release: bool,
    /// The host of the package.
    #[arg(long, value_enum, default_value = "js")]
    pub wasm_target: WasmTarget,
    /// Output directory (replaced as a whole when the build succeeds).
    #[arg(long, default_value = "pkg")]
    pub out_dir: PathBuf,
    /// Optimise for size or speed (release builds).
    #[arg(long, value_enum, default_value = "size")]
    pub profile: Profile,
    /// Keep the names section (function names in stack traces and profilers).
    #[arg(long)]
    pub debug_info: bool,
    /// Only the VM: runs precompiled binary LIR, no compiler (smaller).
    #[arg(long)]
    pub vm_only: bool,
    /// Do not install missing tools; fail with the command that would.
    #[arg(long)]
    pub no_install: bool,
    /// The workspace's Cargo.toml (default: found from the current directory).
    #[arg(long)]
    pub manifest_path: Option<PathBuf>,
    /// Only errors (and the JSON line).
    #[arg(long, short, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Tool output and versions too.
    #[arg(long, short)]
    pub verbose: bool,
    /// Summary format.
    #[arg(long, value_enum, default_value = "human")]
    pub message_format: MessageFormat,
    /// A program (`app.lm.md`): build it as one typed npm package with the VM-only runtime
    /// (see `build/program.rs`). Without it, the runtime package is built.
    pub program: Option<PathBuf>,
    /// The program package's npm name (default: the program's file stem).
    #[arg(long, requires = "program")]
    pub name: Option<String>,
}

/// A failed build: the message, the tail of the failing tool's output, and whether it is
/// the user's to fix (exit 2) or a failed build (exit 1).
struct BuildError {
    message: String,
    output: Vec<String>,
    usage: bool,
}

impl BuildError {
    fn usage(message: impl Into<String>) -> BuildError {
        BuildError {
            message: message.into(),
            output: Vec::new(),
            usage: true,
        }
    }
    fn failed(message: impl Into<String>, output: Vec<String>) -> BuildError {
        BuildError {
            message: message.into(),
            output,
            usage: false,
        }
    }
}

/// The outcome the summary reports.
struct Built {
    status: &'static str,
    out_dir: PathBuf,
    package: Option<String>,
    version: String,
    files: Vec<FileSize>,
    wasm_file: String,
    tools: toolchain::Tools,
}

/// Runs `lumen build`.
pub fn run(a: &BuildArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let verbosity = if a.quiet {
        Verbosity::Quiet
    } else if a.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    let steps = if a.program.is_some() {
        3
    } else if optimizes(a) {
        6
    } else {
        5
    };
    let reporter = Reporter::new(verbosity, steps);
    let result = build(a, &reporter);
    let step_times = reporter.steps();
    let elapsed = started.elapsed();
    let steps_json: Vec<_> = step_times
        .iter()
        .map(|s| json!({"name": s.name, "elapsed_ms": s.elapsed.as_millis() as u64}))
        .collect();
    let mut summary = json!({
        "target": a.wasm_target.name(),
        "release": a.release,
        "profile": match a.profile { Profile::Size => "size", Profile::Speed => "speed" },
        // A program package always carries the VM-only runtime.
        "vm_only": a.vm_only || a.program.is_some(),
        "program": a.program.as_ref().map(|p| p.display().to_string()),
        "elapsed_ms": elapsed.as_millis() as u64,
        "steps": steps_json,
    });
    match result {
        Ok(b) => {
            let wasm = b.files.iter().find(|f| f.path == b.wasm_file);
            let extra = json!({
                "status": b.status,
                "out_dir": b.out_dir.display().to_string(),
                "package": b.package,
                "version": b.version,
                "wasm": wasm.map(|w| json!({"path": w.path, "bytes": w.bytes, "gzip_bytes": w.gzip_bytes})),
                "files": b.files.iter().map(|f| json!({"path": f.path, "bytes": f.bytes, "gzip_bytes": f.gzip_bytes})).collect::<Vec<_>>(),
                "tools": {
                    "rustc": b.tools.rustc,
                    "wasm_pack": b.tools.wasm_pack.as_ref().map(|t| t.1.clone()),
                    "wasm_bindgen": b.tools.wasm_bindgen.as_ref().map(|t| t.1.clone()),
                },
            });
            merge(&mut summary, extra);
            match a.message_format {
                MessageFormat::Json => println!("{summary}"),
                MessageFormat::Human if verbosity != Verbosity::Quiet => {
                    if b.status == "up-to-date" {
                        eprintln!(
                            "{} is up to date ({})",
                            b.out_dir.display(),
                            report::seconds(elapsed)
                        );
                    } else {
                        eprint!(
                            "{}",
                            report::human_summary(
                                &b.out_dir.display().to_string(),
                                &b.files,
                                elapsed
                            )
                        );
                    }
                }
                MessageFormat::Human => {}
            }
            Ok(())
        }
        Err(e) => {
            if a.message_format == MessageFormat::Json {
                merge(
                    &mut summary,
                    json!({"status": "failed", "error": {"message": e.message, "output": e.output}}),
                );
                println!("{summary}");
            }
            eprintln!("error: {}", e.message);
            if !e.output.is_empty() {
                eprintln!("last lines of its output:");
                for l in &e.output {
                    eprintln!("  | {l}");
                }
            }
            Err(if e.usage {
                Failure::ReportedIo
            } else {
                Failure::Reported
            })
        }
    }
}

fn merge(into: &mut serde_json::Value, from: serde_json::Value) {
    if let (serde_json::Value::Object(a), serde_json::Value::Object(b)) = (into, from) {
        for (k, v) in b {
            a.insert(k, v);
        }
    }
}

fn build(a: &BuildArgs, r: &Reporter) -> Result<Built, BuildError> {
    if let Some(p) = &a.program {
        return program::build(a, p, r);
    }
    let Target::Wasm = a.target;
    let wasi = matches!(a.wasm_target, WasmTarget::Wasi | WasmTarget::WasiHttp);
    if wasi && a.vm_only {
        return Err(BuildError::usage(
            "--vm-only is for the JavaScript packages; the WASI build is the whole `lumen` command",
        ));
    }
    let cwd = std::env::current_dir()
        .map_err(|e| BuildError::usage(format!("cannot read the current directory: {e}")))?;
    let out_dir = cwd.join(&a.out_dir);

    if let Some(old) = npm::deprecated_alias(std::env::args()) {
        r.notice(&format!(
            "--wasm-target {old} is deprecated: it builds the one package for every JavaScript host (--wasm-target js)"
        ));
    }
    r.start("workspace", "finding the Lumen workspace");
    let cargo = toolchain::cargo_path();
    let ws = workspace::locate(a.manifest_path.as_deref(), &cargo).map_err(BuildError::usage)?;
    r.detail(&format!("workspace {}", ws.root.display()));
    if out_dir == ws.root || ws.root.starts_with(&out_dir) {
        return Err(BuildError::usage(format!(
            "--out-dir {} would replace the workspace itself",
            out_dir.display()
        )));
    }

    r.start("toolchain", "checking the toolchain");
    let rust_target = wasi_rust_target(a.wasm_target).unwrap_or("wasm32-unknown-unknown");
    let notice = |m: &str| r.notice(m);
    let echo = |l: &str| r.detail(l);
    let tools = toolchain::check(&toolchain::Check {
        install: !a.no_install,
        rust_target,
        needs_wasm_pack: !wasi,
        wasm_bindgen_version: ws.wasm_bindgen.as_deref(),
        notice: &notice,
        echo: &echo,
    })
    .map_err(|e| BuildError {
        message: e.message,
        output: e.output,
        usage: e.needs_user,
    })?;
    r.detail(&format!("rustc {}", tools.rustc));
    if let Some((p, v)) = &tools.wasm_pack {
        r.detail(&format!("wasm-pack {v} ({})", p.display()));
    }
    if let Some((p, v)) = &tools.wasm_bindgen {
        r.detail(&format!("wasm-bindgen {v} ({})", p.display()));
    }

    r.start("fingerprint", "comparing with the last build");
    let settings = vec![
        format!("lumen-build 2 target={}", a.wasm_target.name()),
        format!("npm-templates={:016x}", npm::templates_digest()),
        format!(
            "release={} profile={:?} debug_info={} vm_only={}",
            a.release, a.profile, a.debug_info, a.vm_only
        ),
        format!("rustc={}", tools.rustc),
        format!("wasm-pack={:?}", tools.wasm_pack.as_ref().map(|t| &t.1)),
        format!(
            "wasm-bindgen={:?}",
            tools.wasm_bindgen.as_ref().map(|t| &t.1)
        ),
    ];
    let extra = [ws.root.join("Cargo.toml"), ws.root.join("Cargo.lock")];
    let inputs = fingerprint::inputs(&ws.root, &ws.source_dirs, &extra, &settings);
    let record = fingerprint::record_path(&ws.target_dir, &out_dir);
    let wasm_file = if wasi {
        "lumen.wasm".to_string()
    } else {
        "lumen_wasm_bg.wasm".to_string()
    };
    let package = (!wasi).then(|| npm::package_name(a.vm_only).to_string());
    let previous = fingerprint::load(&record);
    let current_output = fingerprint::output(&out_dir);
    r.detail(&match (&previous, &current_output) {
        (None, _) => "no record of an earlier build into this directory".to_string(),
        (Some(_), None) => "the output directory is missing or empty".to_string(),
        (Some((i, _)), Some(_)) if *i != inputs => "the inputs changed".to_string(),
        (Some((_, o)), Some(c)) if o != c => "the output was modified".to_string(),
        _ => "inputs and output unchanged".to_string(),
    });
    if let (Some((old_in, old_out)), Some(now_out)) = (previous, current_output) {
        if old_in == inputs && old_out == now_out {
            let files = package::sizes(&out_dir).map_err(BuildError::usage)?;
            return Ok(Built {
                status: "up-to-date",
                out_dir,
                package,
                version: ws.version.clone(),
                files,
                wasm_file,
                tools,
            });
        }
    }

    let parent = out_dir.parent().unwrap_or(&cwd).to_path_buf();
    std::fs::create_dir_all(&parent)
        .map_err(|e| BuildError::usage(format!("cannot create {}: {e}", parent.display())))?;
    let scratch = tempfile::Builder::new()
        .prefix(".lumen-build-")
        .tempdir_in(&parent)
        .map_err(|e| {
            BuildError::usage(format!(
                "cannot create a temporary directory in {}: {e}",
                parent.display()
            ))
        })?;
    let staged = scratch.path().join("pkg");

    if wasi {
        r.start(
            "cargo",
            &format!("compiling lumen for {rust_target} (cargo)"),
        );
        compile_wasi(a, &ws, &tools, &staged, r)?;
    } else {
        r.start(
            "wasm-pack",
            &format!("compiling lumen-wasm (wasm-pack, {})", a.wasm_target.name()),
        );
        compile_wasm_pack(a, &ws, &tools, &staged, r)?;
        node_glue(a, &ws, &tools, scratch.path(), &staged)?;
    }

    if optimizes(a) {
        let level = match a.profile {
            Profile::Size => optimize::Level::Size,
            Profile::Speed => optimize::Level::Speed,
        };
        r.start(
            "wasm-opt",
            match level {
                optimize::Level::Size => "optimising with binaryen -Oz",
                optimize::Level::Speed => "optimising with binaryen -O3",
            },
        );
        let wasm = staged.join(&wasm_file);
        let tmp = scratch.path().join("opt.wasm");
        optimize::optimize(&wasm, &tmp, level, a.debug_info)
            .map_err(|e| BuildError::failed(e, Vec::new()))?;
        std::fs::rename(&tmp, &wasm).map_err(|e| {
            BuildError::failed(
                format!("cannot replace {}: {e}", wasm.display()),
                Vec::new(),
            )
        })?;
    }

    r.start("package", &format!("assembling {}", out_dir.display()));
    if let Some(name) = &package {
        npm::assemble(&staged, name, &ws.version, "MIT OR Apache-2.0", a.vm_only)
            .map_err(|e| BuildError::failed(e, Vec::new()))?;
    } else {
        package::write(
            &staged.join("README.md"),
            &wasi_readme(&ws.version, a.wasm_target == WasmTarget::WasiHttp),
        )
        .map_err(BuildError::usage)?;
    }
    let out_digest = fingerprint::output(&staged);
    package::replace_dir(&staged, &out_dir, scratch.path()).map_err(BuildError::usage)?;
    if let Some(d) = out_digest {
        fingerprint::store(&record, &inputs, &d);
    }
    let files = package::sizes(&out_dir).map_err(BuildError::usage)?;
    Ok(Built {
        status: "built",
        out_dir,
        package,
        version: ws.version.clone(),
        files,
        wasm_file,
        tools,
    })
}

/// Whether binaryen runs: release builds, except the `wasi-http` component (binaryen
/// optimises core modules, not components; its core module is built with the release
/// profile's own optimisation).
fn optimizes(a: &BuildArgs) -> bool {
    a.release && a.wasm_target != WasmTarget::WasiHttp
}

/// The Rust target of the WASI builds (`None` for the wasm-bindgen ones).
fn wasi_rust_target(t: WasmTarget) -> Option<&'static str> {
    match t {
        WasmTarget::Wasi => Some("wasm32-wasip1"),
        WasmTarget::WasiHttp => Some("wasm32-wasip2"),
        _ => None,
    }
}

/// The cargo profile of a build.
fn cargo_profile(a: &BuildArgs) -> Option<&'static str> {
    match (a.release, a.profile) {
        (false, _) => None,
        (true, Profile::Size) => Some("wasm-release"),
        (true, Profile::Speed) => Some("wasm-speed"),
    }
}

/// Runs a compile step's tool in the workspace's target dir (output streamed with
/// `--verbose`); a failure becomes a build error carrying the tool's last lines, success
/// returns them.
fn run_tool(
    cmd: &mut Command,
    what: &str,
    ws: &workspace::Workspace,
    r: &Reporter,
) -> Result<Vec<String>, BuildError> {
    cmd.env("CARGO_TARGET_DIR", &ws.target_dir);
    let echo = |l: &str| r.detail(l);
    let done = process::run_streaming(cmd, &echo).map_err(BuildError::usage)?;
    if done.success {
        Ok(done.tail)
    } else {
        Err(BuildError::failed(
            format!("{what} failed ({})", done.status),
            done.tail,
        ))
    }
}

/// wasm-pack into `staged`, keeping only what the package ships.
fn compile_wasm_pack(
    a: &BuildArgs,
    ws: &workspace::Workspace,
    tools: &toolchain::Tools,
    staged: &Path,
    r: &Reporter,
) -> Result<(), BuildError> {
    let Some((wasm_pack, _)) = &tools.wasm_pack else {
        return Err(BuildError::usage("wasm-pack is missing"));
    };
    let mut cmd = Command::new(wasm_pack);
    cmd.current_dir(&ws.root)
        .arg("build")
        .arg(&ws.wasm_crate)
        .args(["--target", "web"])
        .arg("--out-dir")
        .arg(staged)
        .args(["--out-name", "lumen_wasm", "--no-opt"]);
    match cargo_profile(a) {
        None => cmd.arg("--dev"),
        Some(p) => cmd.args(["--profile", p]),
    };
    if a.vm_only {
        cmd.args(["--", "--no-default-features"]);
    }
    // wasm-pack looks for wasm-bindgen on PATH: put the checked one first.
    if let Some((bindgen, _)) = &tools.wasm_bindgen {
        if let Some(dir) = bindgen.parent() {
            let mut paths = vec![dir.to_path_buf()];
            if let Some(old) = std::env::var_os("PATH") {
                paths.extend(std::env::split_paths(&old));
            }
            if let Ok(joined) = std::env::join_paths(paths) {
                cmd.env("PATH", joined);
            }
        }
    }
    let tail = run_tool(&mut cmd, "wasm-pack", ws, r)?;
    if !staged.join("lumen_wasm_bg.wasm").is_file() {
        return Err(BuildError::failed(
            "wasm-pack succeeded but wrote no lumen_wasm_bg.wasm",
            tail,
        ));
    }
    // wasm-pack's own package.json / README / .gitignore are replaced by ours.
    for f in [".gitignore", "package.json", "README.md", "LICENSE"] {
        let _ = std::fs::remove_file(staged.join(f));
    }
    Ok(())
}

/// The CommonJS glue of the npm package (`lumen_wasm.cjs`): wasm-bindgen `--target nodejs`
/// on the cargo output wasm-pack just compiled.
fn node_glue(
    a: &BuildArgs,
    ws: &workspace::Workspace,
    tools: &toolchain::Tools,
    scratch: &Path,
    staged: &Path,
) -> Result<(), BuildError> {
    let Some((bindgen, _)) = &tools.wasm_bindgen else {
        return Err(BuildError::usage("wasm-bindgen is missing"));
    };
    let raw = ws
        .target_dir
        .join("wasm32-unknown-unknown")
        .join(cargo_profile(a).unwrap_or("debug"))
        .join("lumen_wasm.wasm");
    npm::node_glue(bindgen, &raw, !a.release, scratch, staged)
        .map_err(|(message, output)| BuildError::failed(message, output))
}

/// `cargo build` of the `lumen` command for `wasm32-wasip1`, copied to `staged/lumen.wasm`.
fn compile_wasi(
    a: &BuildArgs,
    ws: &workspace::Workspace,
    tools: &toolchain::Tools,
    staged: &Path,
    r: &Reporter,
) -> Result<(), BuildError> {
    if ws.cli_crate.is_none() {
        return Err(BuildError::usage("the workspace has no lumen-cli crate"));
    }
    let target = wasi_rust_target(a.wasm_target).unwrap_or("wasm32-wasip1");
    let features = if a.wasm_target == WasmTarget::WasiHttp {
        "wasi-http"
    } else {
        "wasi-tools"
    };
    let mut cmd = Command::new(&tools.cargo);
    cmd.current_dir(&ws.root).args([
        "build",
        "-p",
        "lumen-cli",
        "--bin",
        "lumen",
        "--target",
        target,
        "--no-default-features",
        "--features",
        features,
        "--color",
        "never",
    ]);
    let dir = match cargo_profile(a) {
        None => "debug",
        Some(p) => {
            cmd.args(["--profile", p]);
            p
        }
    };
    let tail = run_tool(&mut cmd, &format!("cargo build for {target}"), ws, r)?;
    let built = ws.target_dir.join(target).join(dir).join("lumen.wasm");
    std::fs::create_dir_all(staged)
        .map_err(|e| BuildError::usage(format!("cannot create {}: {e}", staged.display())))?;
    std::fs::copy(&built, staged.join("lumen.wasm"))
        .map_err(|e| BuildError::failed(format!("cannot copy {}: {e}", built.display()), tail))?;
    Ok(())
}

fn wasi_readme(version: &str, http: bool) -> String {
    let (target, run, tools) = if http {
        (
            "wasm32-wasip2",
            "wasmtime run -S http --dir . lumen.wasm run app.lm.md",
            "files (preopened directories), environment, clock, and HTTP through wasi:http",
        )
    } else {
        (
            "wasm32-wasip1",
            "wasmtime run --dir . lumen.wasm run app.lm.md",
            "files (preopened directories), environment and clock; HTTP is not available",
        )
    };
    format!(
        "# lumen {version} for WASI\n\n`lumen.wasm` is the `lumen` command built for `{target}`:\n\n\
```sh\n{run}\n```\n\nIt runs and checks programs like the native `lumen`. Tools: {tools} \
(docs/WASM_DEPLOYMENT.md).\n"
    )
}
