//! `lumen build --target wasm`: the Lumen runtime as an npm-ready package (or a WASI
//! command module), reproducibly and offline.
//!
//! What is built for a target is decided once, by [`lumen_build_plan::Plan::for_target`];
//! this module executes the plan. Steps: find the workspace (`cargo metadata`) → check and
//! fix the toolchain → compare the input fingerprint (up to date? stop) → compile (the plan's
//! tool: wasm-pack, or cargo for WASI) into a temporary directory next to the output, or copy
//! the same runtime from the runtime cache (`cache.rs`) → binaryen (when the plan says so) →
//! assemble the package → swap it into place → record the fingerprint. A failure at any
//! step leaves the previous output untouched.

mod bindgen;
mod cache;
mod component;
mod fingerprint;
mod handler;
mod http;
mod npm;
mod optimize;
mod package;
mod process;
mod program;
mod report;
mod toolchain;
mod wasi_app;
mod worker;
mod workspace;

use crate::Failure;
use clap::{Args, ValueEnum};
use lumen_build_plan::{
    FileEntry, Options, Package, Plan, Profile, RuntimeKey, Status, StepEntry, Summary,
    SummaryError, Tool, ToolVersions, WasmTarget,
};
use package::FileSize;
use report::{Reporter, Verbosity};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// What `lumen build` produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// The Lumen runtime as WebAssembly.
    Wasm,
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
    /// A program (`app.lm.md`) to build with the cached VM-only runtime: one typed npm
    /// package in DIR (`--wasm-target js`), one WASI app `DIR/<name>.wasm`
    /// (`--wasm-target wasi`), a Cloudflare worker (`--wasm-target worker`), one component
    /// `DIR/<name>.wasm` with its world `DIR/<name>.wit` (`--wasm-target component`), or
    /// one `wasi:http/proxy` component `DIR/<name>.wasm` (`--wasm-target http`); without
    /// it, the runtime package is built.
    pub program: Option<PathBuf>,
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
    /// A build for debuggers: the Rust code compiled with full debug info, its DWARF and
    /// the names section kept (Chrome DevTools' C/C++ DevTools Support (DWARF) extension,
    /// `wasmtime run -D debug-info` with gdb or lldb); release builds skip binaryen. Not for
    /// `wasi`, `component` or `http` programs (embedding rewrites the runtime's code).
    #[arg(long)]
    pub debug_info: bool,
    /// Keep only the names section, the code as without it (`cargo xtask wasm-size --why`).
    #[arg(long, hide = true)]
    pub keep_names: bool,
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
    /// The program package's npm name (default: the program's file stem).
    #[arg(long, requires = "program")]
    pub name: Option<String>,
}

impl BuildArgs {
    /// The options the plan depends on.
    fn options(&self) -> Options {
        Options {
            release: self.release,
            profile: self.profile,
            vm_only: self.vm_only,
            debug_info: self.debug_info,
            keep_names: self.keep_names,
        }
    }
}

/// A failed build: the message, the tail of the failing tool's output, whether it is the
/// user's to fix (exit 2) or a failed build (exit 1), and whether the message is already on
/// standard error (compile diagnostics).
struct BuildError {
    message: String,
    output: Vec<String>,
    usage: bool,
    printed: bool,
}

impl BuildError {
    fn usage(message: impl Into<String>) -> BuildError {
        BuildError {
            message: message.into(),
            output: Vec::new(),
            usage: true,
            printed: false,
        }
    }
    fn failed(message: impl Into<String>, output: Vec<String>) -> BuildError {
        BuildError {
            message: message.into(),
            output,
            usage: false,
            printed: false,
        }
    }
}

/// The outcome the summary reports.
struct Built {
    status: Status,
    out_dir: PathBuf,
    package: Option<String>,
    version: String,
    files: Vec<FileSize>,
    wasm_file: String,
    tools: toolchain::Tools,
}

fn entry(f: &FileSize) -> FileEntry {
    FileEntry {
        path: PathBuf::from(&f.path),
        bytes: Some(f.bytes),
        gzip_bytes: Some(f.gzip_bytes),
    }
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
    let plan = match &a.program {
        None => Plan::for_target(a.wasm_target, &a.options()),
        Some(_) => Plan::for_program(a.wasm_target, &a.options()),
    };
    let steps = plan.as_ref().map(Plan::steps).unwrap_or(1);
    let reporter = Reporter::new(verbosity, steps);
    let result = match (&plan, &a.program) {
        (Ok(plan), None) => build(a, plan, &reporter),
        (Ok(plan), Some(program)) => match plan.package {
            Package::NpmProgram => program::build(a, plan, program, &reporter),
            Package::Worker => worker::build(a, plan, program, &reporter),
            Package::Component => component::build(a, plan, program, &reporter),
            Package::Http => http::build(a, plan, program, &reporter),
            _ => wasi_app::build(a, plan, program, &reporter),
        },
        (Err(e), _) => Err(BuildError::usage(e.to_string())),
    };
    let elapsed = started.elapsed();
    let mut summary = Summary::new(Status::Failed);
    summary.target = Some(a.wasm_target);
    summary.release = a.release;
    summary.profile = Some(a.profile);
    summary.vm_only = plan.as_ref().map_or(a.vm_only, |p| p.options.vm_only);
    summary.program = a.program.clone();
    summary.elapsed_ms = Some(elapsed.as_millis() as u64);
    summary.steps = reporter
        .steps()
        .iter()
        .map(|s| StepEntry {
            name: s.name.clone(),
            elapsed_ms: s.elapsed.as_millis() as u64,
        })
        .collect();
    match result {
        Ok(b) => {
            summary.status = b.status;
            summary.out_dir = Some(b.out_dir.clone());
            summary.package = b.package.clone();
            summary.version = Some(b.version.clone());
            summary.wasm = b.files.iter().find(|f| f.path == b.wasm_file).map(entry);
            summary.files = b.files.iter().map(entry).collect();
            summary.tools = Some(ToolVersions {
                rustc: Some(b.tools.rustc.clone()),
                wasm_pack: b.tools.wasm_pack.as_ref().map(|t| t.1.clone()),
                wasm_bindgen: b.tools.wasm_bindgen.as_ref().map(|t| t.1.clone()),
            });
            match a.message_format {
                MessageFormat::Json => print_json(&summary),
                MessageFormat::Human if verbosity != Verbosity::Quiet => {
                    if b.status == Status::UpToDate {
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
                summary.error = Some(SummaryError {
                    message: e.message.clone(),
                    output: e.output.clone(),
                });
                print_json(&summary);
            }
            if !e.printed {
                eprintln!(
                    "{}",
                    lumen_report::runtime::host_error(&e.message, crate::render::stderr_painter())
                );
            }
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

fn print_json(summary: &Summary) {
    match serde_json::to_string(summary) {
        Ok(line) => println!("{line}"),
        Err(e) => eprintln!(
            "{}",
            lumen_report::runtime::host_error(
                &format!("cannot write the JSON summary: {e}"),
                crate::render::stderr_painter()
            )
        ),
    }
}

/// The workspace, the checked toolchain and the runtime cache key of a plan: what every
/// build finds out before it compiles anything.
struct Prepared {
    ws: workspace::Workspace,
    tools: toolchain::Tools,
    /// The runtime cache key (also the input fingerprint of the output directory).
    key: String,
}

/// Steps 1–3 up to the cache key: workspace, toolchain, source fingerprint. `out_dir`
/// must not be (or hold) the workspace.
fn prepare(
    a: &BuildArgs,
    plan: &Plan,
    out_dir: Option<&Path>,
    r: &Reporter,
) -> Result<Prepared, BuildError> {
    if let Some(old) = npm::deprecated_alias(std::env::args()) {
        r.notice(&format!(
            "--wasm-target {old} is deprecated: it builds the one package for every JavaScript host (--wasm-target js)"
        ));
    }
    r.start("workspace", "finding the Lumen workspace");
    let cargo = toolchain::cargo_path();
    let ws = workspace::locate(a.manifest_path.as_deref(), &cargo).map_err(BuildError::usage)?;
    r.detail(&format!("workspace {}", ws.root.display()));
    if let Some(out_dir) = out_dir.filter(|d| *d == ws.root || ws.root.starts_with(d)) {
        return Err(BuildError::usage(format!(
            "--out-dir {} would replace the workspace itself",
            out_dir.display()
        )));
    }

    r.start("toolchain", "checking the toolchain");
    let notice = |m: &str| r.notice(m);
    let echo = |l: &str| r.detail(l);
    let tools = toolchain::check(&toolchain::Check {
        install: !a.no_install,
        rust_target: plan.compile.rust_target,
        needs_wasm_pack: plan.compile.needs_wasm_pack(),
        wasm_bindgen_version: ws.wasm_bindgen.as_deref(),
        notice: &notice,
        echo: &echo,
    })
    .map_err(|e| BuildError {
        message: e.message,
        output: e.output,
        usage: e.needs_user,
        printed: false,
    })?;
    r.detail(&format!("rustc {}", tools.rustc));
    if let Some((p, v)) = &tools.wasm_pack {
        r.detail(&format!("wasm-pack {v} ({})", p.display()));
    }
    if let Some((p, v)) = &tools.wasm_bindgen {
        r.detail(&format!("wasm-bindgen {v} ({})", p.display()));
    }

    r.start("fingerprint", "comparing with the last build");
    let extra = [ws.root.join("Cargo.toml"), ws.root.join("Cargo.lock")];
    let sources = fingerprint::inputs(&ws.root, &ws.source_dirs(plan.compile.krate), &extra, &[]);
    let tool_versions = [
        ("wasm-pack", tools.wasm_pack.as_ref().map(|t| t.1.as_str())),
        (
            "wasm-bindgen",
            tools.wasm_bindgen.as_ref().map(|t| t.1.as_str()),
        ),
    ];
    let key = cache::key(&RuntimeKey {
        runtime_version: &ws.version,
        plan,
        rustc: &tools.rustc,
        tools: &tool_versions,
        sources: &sources,
    });
    Ok(Prepared { ws, tools, key })
}

fn build(a: &BuildArgs, plan: &Plan, r: &Reporter) -> Result<Built, BuildError> {
    let Target::Wasm = a.target;
    let cwd = std::env::current_dir()
        .map_err(|e| BuildError::usage(format!("cannot read the current directory: {e}")))?;
    let out_dir = cwd.join(&a.out_dir);
    let Prepared { ws, tools, key } = prepare(a, plan, Some(&out_dir), r)?;

    let record = fingerprint::record_path(&ws.target_dir, &out_dir);
    let package = match plan.package {
        Package::Npm => Some(npm::package_name(plan.options.vm_only).to_string()),
        Package::WasiReadme { .. }
        | Package::Embed
        | Package::NpmProgram
        | Package::Worker
        | Package::Component
        | Package::Http => None,
    };
    // The output directory depends on the runtime and on the package templates (a CLI with
    // other npm templates repackages the same cached runtime).
    let inputs = match plan.package {
        Package::Npm => format!("{key} npm-templates={:016x}", npm::templates_digest()),
        Package::WasiReadme { .. }
        | Package::Embed
        | Package::NpmProgram
        | Package::Worker
        | Package::Component
        | Package::Http => key.clone(),
    };
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
                status: Status::UpToDate,
                out_dir,
                package,
                version: ws.version.clone(),
                files,
                wasm_file: plan.wasm_file.to_string(),
                tools,
            });
        }
    }

    let scratch = scratch_next_to(&out_dir, &cwd)?;
    let staged = scratch.path().join("pkg");
    let built = runtime(plan, &ws, &tools, &key, &staged, scratch.path(), r)?;
    if built != staged {
        cache::restore(&built, &staged).map_err(|e| BuildError::failed(e, Vec::new()))?;
    }

    r.start("package", &format!("assembling {}", out_dir.display()));
    match plan.package {
        Package::Npm => {
            let name = package.clone().unwrap_or_default();
            npm::assemble(
                &staged,
                &name,
                &ws.version,
                "MIT OR Apache-2.0",
                plan.options.vm_only,
            )
            .map_err(|e| BuildError::failed(e, Vec::new()))?;
        }
        Package::WasiReadme { http } => {
            package::write(&staged.join("README.md"), &wasi_readme(&ws.version, http))
                .map_err(BuildError::usage)?;
        }
        Package::Embed
        | Package::NpmProgram
        | Package::Worker
        | Package::Component
        | Package::Http => {
            return Err(BuildError::usage(
                "this runtime is a template for a program: name the program to build",
            ))
        }
    }
    let out_digest = fingerprint::output(&staged);
    package::replace_dir(&staged, &out_dir, scratch.path()).map_err(BuildError::usage)?;
    if let Some(d) = out_digest {
        fingerprint::store(&record, &inputs, &d);
    }
    let files = package::sizes(&out_dir).map_err(BuildError::usage)?;
    Ok(Built {
        status: Status::Built,
        out_dir,
        package,
        version: ws.version.clone(),
        files,
        wasm_file: plan.wasm_file.to_string(),
        tools,
    })
}

/// A temporary directory in the parent of `out_dir` (same file system: the final move is a
/// rename).
fn scratch_next_to(out_dir: &Path, cwd: &Path) -> Result<tempfile::TempDir, BuildError> {
    let parent = out_dir.parent().unwrap_or(cwd).to_path_buf();
    std::fs::create_dir_all(&parent)
        .map_err(|e| BuildError::usage(format!("cannot create {}: {e}", parent.display())))?;
    tempfile::Builder::new()
        .prefix(".lumen-build-")
        .tempdir_in(&parent)
        .map_err(|e| {
            BuildError::usage(format!(
                "cannot create a temporary directory in {}: {e}",
                parent.display()
            ))
        })
}

/// The runtime of `plan`, compiled and post-processed: the runtime cache's entry when `key`
/// is there, else built into `staged` by the plan's tool and binaryen (and then stored in
/// the cache). Returns the directory holding it (the entry or `staged`).
fn runtime(
    plan: &Plan,
    ws: &workspace::Workspace,
    tools: &toolchain::Tools,
    key: &str,
    staged: &Path,
    scratch: &Path,
    r: &Reporter,
) -> Result<PathBuf, BuildError> {
    if let Some(entry) = cache::lookup(&ws.target_dir, key, plan.wasm_file) {
        r.start(
            "cache",
            &format!("reusing the cached runtime ({})", entry.display()),
        );
        return Ok(entry);
    }
    match plan.compile.tool {
        Tool::WasmPack { cjs_glue, .. } => {
            r.start(
                "wasm-pack",
                &format!(
                    "compiling {} (wasm-pack, {})",
                    plan.compile.krate, plan.target
                ),
            );
            compile_wasm_pack(plan, ws, tools, staged, r)?;
            if cjs_glue || plan.compile.debug_info {
                bindgen_glue(plan, ws, tools, scratch, staged)?;
            }
        }
        Tool::Cargo { bin: name } | Tool::CargoLib { lib: name } => {
            r.start(
                "cargo",
                &format!("compiling {name} for {} (cargo)", plan.compile.rust_target),
            );
            compile_cargo(plan, ws, tools, staged, r)?;
        }
    }
    if let Some(step) = plan.optimize {
        r.start(
            "wasm-opt",
            &format!("optimising with binaryen {}", step.flag()),
        );
        let wasm = staged.join(plan.wasm_file);
        let tmp = scratch.join("opt.wasm");
        optimize::optimize(&wasm, &tmp, step).map_err(|e| BuildError::failed(e, Vec::new()))?;
        std::fs::rename(&tmp, &wasm).map_err(|e| {
            BuildError::failed(
                format!("cannot replace {}: {e}", wasm.display()),
                Vec::new(),
            )
        })?;
    }
    cache::store(&ws.target_dir, key, staged);
    Ok(staged.to_path_buf())
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
    plan: &Plan,
    ws: &workspace::Workspace,
    tools: &toolchain::Tools,
    staged: &Path,
    r: &Reporter,
) -> Result<(), BuildError> {
    let Tool::WasmPack {
        target, out_name, ..
    } = plan.compile.tool
    else {
        return Err(BuildError::usage("the plan does not use wasm-pack"));
    };
    let Some((wasm_pack, _)) = &tools.wasm_pack else {
        return Err(BuildError::usage("wasm-pack is missing"));
    };
    let mut cmd = Command::new(wasm_pack);
    cmd.current_dir(&ws.root)
        .arg("build")
        .arg(&ws.wasm_crate)
        .args(["--target", target])
        .arg("--out-dir")
        .arg(staged)
        .args(["--out-name", out_name, "--no-opt"])
        .envs(plan.compile.cargo_env());
    match plan.compile.cargo_profile {
        None => cmd.arg("--dev"),
        Some(p) => cmd.args(["--profile", p]),
    };
    let mut cargo_args: Vec<String> = Vec::new();
    if !plan.compile.default_features {
        cargo_args.push("--no-default-features".into());
    }
    if !plan.compile.features.is_empty() {
        cargo_args.push("--features".into());
        cargo_args.push(plan.compile.features.join(","));
    }
    if !cargo_args.is_empty() {
        cmd.arg("--").args(&cargo_args);
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
    if !staged.join(plan.wasm_file).is_file() {
        return Err(BuildError::failed(
            format!("wasm-pack succeeded but wrote no {}", plan.wasm_file),
            tail,
        ));
    }
    // wasm-pack's own package.json / README / .gitignore are replaced by ours.
    for f in [".gitignore", "package.json", "README.md", "LICENSE"] {
        let _ = std::fs::remove_file(staged.join(f));
    }
    Ok(())
}

/// The wasm-bindgen runs after wasm-pack (`bindgen.rs`): for a `--debug-info` build the web
/// glue again with `--keep-debug` (wasm-pack dropped the DWARF), and the CommonJS glue
/// (`<out_name>.cjs`) when the plan asks for it.
fn bindgen_glue(
    plan: &Plan,
    ws: &workspace::Workspace,
    tools: &toolchain::Tools,
    scratch: &Path,
    staged: &Path,
) -> Result<(), BuildError> {
    let Tool::WasmPack {
        out_name, cjs_glue, ..
    } = plan.compile.tool
    else {
        return Err(BuildError::usage("the plan does not use wasm-pack"));
    };
    let Some((bindgen, _)) = &tools.wasm_bindgen else {
        return Err(BuildError::usage("wasm-bindgen is missing"));
    };
    let raw = ws
        .target_dir
        .join(plan.compile.rust_target)
        .join(plan.compile.profile_dir())
        .join(format!("{}.wasm", plan.compile.krate.replace('-', "_")));
    let b = bindgen::Bindgen {
        bindgen,
        raw: &raw,
        debug: plan.compile.cargo_profile.is_none(),
        keep_debug: plan.compile.debug_info,
        out_name,
    };
    let failed = |(message, output)| BuildError::failed(message, output);
    if plan.compile.debug_info {
        b.web_glue(scratch, staged).map_err(failed)?;
    }
    if cjs_glue {
        b.node_glue(scratch, staged).map_err(failed)?;
    }
    Ok(())
}

/// `cargo build` of the plan's binary for its rust target, copied to
/// `staged/<wasm_file>`.
fn compile_cargo(
    plan: &Plan,
    ws: &workspace::Workspace,
    tools: &toolchain::Tools,
    staged: &Path,
    r: &Reporter,
) -> Result<(), BuildError> {
    let c = &plan.compile;
    // A binary (`--bin`), or a cdylib (`--lib`); either way `<name>.wasm`.
    let (kind, bin) = match c.tool {
        Tool::Cargo { bin } => ("--bin", bin),
        Tool::CargoLib { lib } => ("--lib", lib),
        Tool::WasmPack { .. } => return Err(BuildError::usage("the plan does not use cargo")),
    };
    if !ws.has_package(c.krate) {
        return Err(BuildError::usage(format!(
            "the workspace has no {} crate",
            c.krate
        )));
    }
    let mut cmd = Command::new(&tools.cargo);
    cmd.current_dir(&ws.root)
        .args(["build", "-p", c.krate, kind])
        .envs(c.cargo_env());
    if kind == "--bin" {
        cmd.arg(bin);
    }
    cmd.args(["--target", c.rust_target, "--color", "never"]);
    if !c.default_features {
        cmd.arg("--no-default-features");
    }
    if !c.features.is_empty() {
        cmd.arg("--features").arg(c.features.join(","));
    }
    if let Some(p) = c.cargo_profile {
        cmd.args(["--profile", p]);
    }
    let tail = run_tool(
        &mut cmd,
        &format!("cargo build for {}", c.rust_target),
        ws,
        r,
    )?;
    let built = ws
        .target_dir
        .join(c.rust_target)
        .join(c.profile_dir())
        .join(format!("{bin}.wasm"));
    std::fs::create_dir_all(staged)
        .map_err(|e| BuildError::usage(format!("cannot create {}: {e}", staged.display())))?;
    std::fs::copy(&built, staged.join(plan.wasm_file))
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
