//! `cargo xtask test-wasm [--release] [--no-build] [--node-only]`: tests the WebAssembly
//! builds with real engines. In order:
//!
//! 1. Node.js ≥ 20 and npm must be installed (scripts/test-all.sh installs them with apt);
//! 2. unless `--no-build`: the one JavaScript package `pkg/` ([`crate::wasm_packages`]);
//! 3. Wasmtime 48.0.8 (`cargo install wasmtime-cli --locked` with [`WASMTIME_FEATURES`]
//!    when `wasmtime --version` is another or none, or `wasmtime serve --help` or `wasmtime
//!    compile --help` fails; built at opt-level 1 (see [`wasmtime_install`]), never a
//!    prebuilt download);
//! 4. unless `--no-build` or `LUMEN_WASI` is set: the WASI command module
//!    `pkg-wasi/lumen.wasm` and the `wasi:http` component `pkg-wasi-http/lumen.wasm`;
//!    unless `--no-build` or `LUMEN_PROGRAM_PKG` is set: the program package
//!    `pkg-program/` of `tests/wasm/types/app.lm.md` (`lumen build --target wasm app.lm.md`);
//!    unless `--no-build` or `LUMEN_PROGRAM_COMPONENT` is set: the same program as a
//!    component, `pkg-component/app.wasm` (`--wasm-target component`), for
//!    `tests/wasm/node/component.test.mjs` (which builds it itself with `LUMEN_BIN` when
//!    neither is there);
//!    unless `--no-build` or `LUMEN_EDGE_WORKER` is set: the Cloudflare worker
//!    `pkg-edge-worker/` of `examples/edge_api.lm.md` (`--wasm-target worker`), and unless
//!    `LUMEN_EDGE_HTTP` is set its `wasi:http` component `pkg-edge-http/edge_api.wasm`
//!    (`--wasm-target http`);
//! 5. the test dependencies of `tests/wasm` (`npm ci` when `node_modules` was not installed
//!    from exactly this lockfile; playwright-core never downloads a browser), and unless
//!    `--node-only` those of the browser playground `examples/playground/` (its pinned
//!    CodeMirror packages, the same way) for `tests/wasm/browser/playground.test.mjs`;
//! 6. unless `--node-only`: Chromium at `CHROMIUM_PATH` (default `/usr/bin/chromium`;
//!    scripts/test-all.sh installs Debian's with apt);
//! 7. the inputs of `tests/wasm/node/wasi_app.test.mjs` and `typed_exports.test.mjs`, unless
//!    set: `LUMEN_WASI_APP_RUNTIME` (`cargo build -p lumen-wasi-app --target
//!    wasm32-wasip1`), `LUMEN_EMBED` and `LUMEN_JSGEN` (the `embed` and `gen` examples the
//!    dev `lumen`'s build compiled); `LUMEN_BIN`, a native `lumen` the tests compare
//!    `compile()` with and run programs with: the dev `lumen` when unset;
//! 8. the Python host test `tests/python/` (issue 12 item 4): a venv at
//!    `<target dir>/python-venv` with `tests/python/requirements.txt` installed by pip (again
//!    only when that file changed; an install that fails fails the run), then
//!    `python -m unittest discover -s tests/python` with `LUMEN_BIN`;
//! 9. `node --test --test-concurrency=N` (N: the cores, at least 2) on `tests/wasm/node/` (with `jco.test.mjs`: `pkg-wasi-http/lumen.wasm`
//!    through `jco transpile` and `@bytecodealliance/preview2-shim`, both from step 5) and
//!    the host tests of the packed runtime and program packages (`tests/wasm/hosts/`: Node,
//!    publint/attw, workerd, Deno), and unless `--node-only` `tests/wasm/browser/` and the
//!    browser host tests.
//!
//! `--release` builds the packages in release mode. `LUMEN_PKG` names another build to test
//! in place of `pkg/` (with `--no-build`); `LUMEN_WASI`
//! another `lumen.wasm` in place of `pkg-wasi/lumen.wasm`. Every `lumen build` is run by
//! the dev `lumen`, built once with the selection of `cargo test --workspace`
//! ([`crate::dev_lumen`]), so nothing — binaryen's C++ above all — is compiled twice.

use crate::wasm_packages;
use crate::Failure;
use lumen_build_plan::WasmTarget;
use sha2::{Digest, Sha256};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The test program of `tests/wasm/hosts/program_*.test.mjs`, built as a program package.
const PROGRAM: &str = "tests/wasm/types/app.lm.md";

/// Where that program package is built (`LUMEN_PROGRAM_PKG` overrides it, with no build).
const PROGRAM_PKG: &str = "pkg-program";

/// Where [`PROGRAM`] is built as a component for `tests/wasm/node/component.test.mjs`
/// (`lumen build --target wasm --wasm-target component`; the test gets
/// `LUMEN_PROGRAM_COMPONENT`, which, when already set, replaces the build).
const COMPONENT_PKG: &str = "pkg-component";

/// The HTTP handler of `tests/wasm/hosts/edge_worker.test.mjs`, built as a Cloudflare worker.
const EDGE_PROGRAM: &str = "examples/edge_api.lm.md";

/// Where that worker is built (`LUMEN_EDGE_WORKER` overrides it, with no build).
const EDGE_WORKER: &str = "pkg-edge-worker";

/// Where the same handler is built as a `wasi:http/proxy` component for
/// `tests/wasm/hosts/edge_http.test.mjs` (`LUMEN_EDGE_HTTP` names the `.wasm`, with no
/// build).
const EDGE_HTTP: &str = "pkg-edge-http";

/// The Wasmtime the WASI tests run under.
pub const WASMTIME_VERSION: &str = "48.0.8";

/// The wasmtime-cli features installed: what the tests use (`wasmtime run`, `--dir`,
/// `-S http` on a component, `wasmtime serve` for the `wasi:http/proxy` component of
/// `edge_http.test.mjs`; 48.0.8's `serve` does not compile without `component-model-async`
/// and does not start without `pooling-allocator`; `compile`, so that the tests compile a
/// module once and run it precompiled instead of having Cranelift compile a 20 MB debug
/// `lumen.wasm` afresh for every one of hundreds of runs)
/// and no more — no winch, pulley, wizer, `wast`,
/// wasi-nn/tls/keyvalue/config, GC or debugger support, which are most of a default build.
pub const WASMTIME_FEATURES: &str = "run,serve,compile,component-model-async,pooling-allocator,cranelift,wasi-http,component-model,backtrace,\
parallel-compilation,logging,demangle,clap/default,clap/wrap_help";

/// The oldest Node.js major version the tests support.
const NODE_MAJOR: u32 = 20;

/// Parsed options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// `--release`.
    pub release: bool,
    /// Build the packages (false: `--no-build`).
    pub build: bool,
    /// Run the browser tests (false: `--node-only`).
    pub browser: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            release: false,
            build: true,
            browser: true,
        }
    }
}

/// Parses the arguments after `test-wasm`.
pub fn parse_args(args: &[String]) -> Result<Options, Failure> {
    let mut o = Options::default();
    for a in args {
        match a.as_str() {
            "--release" => o.release = true,
            "--no-build" => o.build = false,
            "--node-only" => o.browser = false,
            other => {
                return Err(Failure::Usage(format!(
                    "test-wasm: unknown argument `{other}`"
                )))
            }
        }
    }
    Ok(o)
}

fn step(title: &str) {
    println!("\n==> {title}");
}

/// A non-empty environment variable.
fn env_var(name: &str) -> Option<OsString> {
    std::env::var_os(name).filter(|v| !v.is_empty())
}

/// The major version in `node --version` output (`v20.19.2`).
pub fn node_major(version: &str) -> Option<u32> {
    version
        .trim()
        .trim_start_matches('v')
        .split('.')
        .next()?
        .parse()
        .ok()
}

/// Whether `wasmtime --version` output names `want` (`wasmtime 48.0.8 (...)`).
pub fn wasmtime_matches(version_output: &str, want: &str) -> bool {
    version_output.split_whitespace().any(|w| w == want)
}

/// The first line a program prints for `args`, if it runs and succeeds.
pub(crate) fn output_of(program: &OsString, args: &[&str], path: &OsString) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .env("PATH", path)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// PATH with `$CARGO_HOME/bin` (where `cargo install` puts wasmtime and twiggy) first.
pub(crate) fn path_with_cargo_bin() -> OsString {
    let cargo_home = env_var("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env_var("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"));
    let mut dirs = vec![cargo_home.join("bin")];
    if let Some(old) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&old));
    }
    std::env::join_paths(dirs).unwrap_or_else(|_| std::env::var_os("PATH").unwrap_or_default())
}

/// The digest `node_modules/.lumen-lock-sum` holds when it was installed from these files.
pub fn lock_sum(files: &[&Path]) -> Result<String, String> {
    let mut h = Sha256::new();
    for f in files {
        let bytes = std::fs::read(f).map_err(|e| format!("cannot read {}: {e}", f.display()))?;
        h.update(f.to_string_lossy().as_bytes());
        h.update(b"\0");
        h.update(Sha256::digest(&bytes));
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Checks that `node` (version ≥ [`NODE_MAJOR`]) and `npm` are on `path`.
pub(crate) fn check_node(path: &OsString) -> Result<(), String> {
    let node = output_of(&"node".into(), &["--version"], path);
    let npm = output_of(&"npm".into(), &["--version"], path);
    let (Some(node), Some(_)) = (node, npm) else {
        return Err(
            "Node.js and npm are needed: install them (scripts/test-all.sh does: \
                    apt-get install nodejs npm)"
                .to_string(),
        );
    };
    match node_major(&node) {
        Some(major) if major >= NODE_MAJOR => {
            println!("node {node}");
            Ok(())
        }
        _ => Err(format!(
            "node {node} is too old: the tests need Node.js {NODE_MAJOR} or newer"
        )),
    }
}

/// Installs what `cargo test --workspace` runs real wasm in, before it runs: Wasmtime
/// (`rust/lumen-cli/tests/build_wasi_app.rs` runs the apps it builds). `cargo xtask ci`
/// calls it as its own step; [`run`] checks it again (a no-op once installed).
pub fn ensure_engines() -> Result<(), String> {
    ensure_wasmtime(&path_with_cargo_bin())
}

/// The `wasmtime` subcommands the tests use beyond `run`; an install of the right version
/// without one of them (built with fewer features) is reinstalled.
const WASMTIME_COMMANDS: [&str; 2] = ["serve", "compile"];

/// Whether the `wasmtime` on `path` has every command of [`WASMTIME_COMMANDS`] (`wasmtime
/// CMD --help` succeeds).
fn wasmtime_has_commands(path: &OsString) -> bool {
    WASMTIME_COMMANDS.iter().all(|cmd| {
        Command::new("wasmtime")
            .args([cmd, "--help"])
            .env("PATH", path)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// The `cargo install` of [`WASMTIME_VERSION`] with [`WASMTIME_FEATURES`]: built from
/// crates.io, no prebuilt binary. At LLVM opt-level 1 (Cranelift compiled that way took
/// 6.4 s of CPU instead of 4.7 s to compile the 20 MB debug `lumen.wasm`, once per test
/// process, while the install needs much less CPU).
fn wasmtime_install() -> Command {
    let mut cmd = Command::new(crate::cargo());
    cmd.args([
        "install",
        "wasmtime-cli",
        "--version",
        WASMTIME_VERSION,
        "--locked",
        "--no-default-features",
        "--features",
        WASMTIME_FEATURES,
        "--force",
    ]);
    // A test tool, not a product: LLVM at opt-level 1 builds it in much less time, and the
    // code it compiles (Cranelift's output) is the same. The tests compile each module
    // once (`wasmtime compile`), so a slower Cranelift costs little.
    cmd.env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1");
    cmd
}

/// Whether the `wasmtime` on `path` is [`WASMTIME_VERSION`] with [`WASMTIME_COMMANDS`].
fn wasmtime_ready(path: &OsString) -> bool {
    let have = output_of(&"wasmtime".into(), &["--version"], path).unwrap_or_default();
    wasmtime_matches(&have, WASMTIME_VERSION) && wasmtime_has_commands(path)
}

fn ensure_wasmtime(path: &OsString) -> Result<(), String> {
    if !wasmtime_ready(path) {
        crate::run(&mut wasmtime_install())?;
    }
    let now = output_of(&"wasmtime".into(), &["--version"], path).unwrap_or_default();
    if !wasmtime_ready(path) {
        return Err(format!(
            "wasmtime {WASMTIME_VERSION} with `wasmtime {}` is not on PATH after the install (found: {now:?})",
            WASMTIME_COMMANDS.join("`, `wasmtime ")
        ));
    }
    println!("{now}");
    Ok(())
}

/// A Wasmtime install running in the background while other steps run (`cargo xtask ci`
/// starts it first, so that its long compile fills the cores the steps before it leave idle).
pub struct BackgroundInstall {
    child: std::process::Child,
    log: PathBuf,
}

/// Starts the Wasmtime install in the background when [`ensure_engines`] would have to
/// install it; `None` when it is already there. Its output goes to `log`.
pub fn start_engines_install(log: &Path) -> Result<Option<BackgroundInstall>, String> {
    if wasmtime_ready(&path_with_cargo_bin()) {
        return Ok(None);
    }
    if let Some(dir) = log.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let file =
        std::fs::File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
    let err = file
        .try_clone()
        .map_err(|e| format!("cannot open {} twice: {e}", log.display()))?;
    let child = wasmtime_install()
        .stdout(file)
        .stderr(err)
        .stdin(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start cargo install wasmtime-cli: {e}"))?;
    Ok(Some(BackgroundInstall {
        child,
        log: log.to_path_buf(),
    }))
}

impl BackgroundInstall {
    /// The install's log file.
    pub fn log(&self) -> &Path {
        &self.log
    }

    /// Waits for the install to end, then checks the engines as [`ensure_engines`] does. A
    /// failed install is an error quoting the end of its log.
    pub fn finish(mut self) -> Result<(), String> {
        let status = self
            .child
            .wait()
            .map_err(|e| format!("waiting for cargo install wasmtime-cli: {e}"))?;
        if !status.success() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(30).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            return Err(format!(
                "cargo install wasmtime-cli failed ({status}); the end of {}:\n{}",
                self.log.display(),
                tail.join("\n")
            ));
        }
        ensure_engines()
    }
}

/// Installs the npm dependencies of `tests/wasm` (`npm ci`) unless `node_modules` was
/// installed from exactly the current lockfile.
pub(crate) fn ensure_node_modules(path: &OsString) -> Result<(), String> {
    npm_ci(&crate::root().join("tests/wasm"), "playwright-core", path)
}

/// The browser playground (`examples/playground/`), whose page loads its editor from its own
/// `node_modules` (`tests/wasm/browser/playground.test.mjs` opens it).
pub const PLAYGROUND: &str = "examples/playground";

/// Installs the playground's npm dependencies (the pinned CodeMirror packages) the same way.
fn ensure_playground_modules(path: &OsString) -> Result<(), String> {
    npm_ci(&crate::root().join(PLAYGROUND), "codemirror", path)
}

/// `npm ci` in `dir` unless its `node_modules` holds `marker` and was installed from exactly
/// the current `package-lock.json` and `package.json` (the digest in
/// `node_modules/.lumen-lock-sum`, written after a successful install).
fn npm_ci(dir: &Path, marker: &str, path: &OsString) -> Result<(), String> {
    let sum = lock_sum(&[&dir.join("package-lock.json"), &dir.join("package.json")])?;
    let stamp = dir.join("node_modules/.lumen-lock-sum");
    let current = std::fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == sum)
        && dir.join("node_modules").join(marker).is_dir();
    if current {
        println!("{}/node_modules is up to date", dir.display());
        return Ok(());
    }
    // playwright-core never downloads a browser by itself; the variable makes that explicit.
    crate::run(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(dir)
            .env("PATH", path)
            .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"),
    )?;
    std::fs::write(&stamp, format!("{sum}\n"))
        .map_err(|e| format!("cannot write {}: {e}", stamp.display()))
}

/// `lumen build --target wasm [--wasm-target TARGET] PROGRAM --out-dir OUT [--release]` by
/// the dev `lumen`, from the workspace root, under its own step header.
fn build_program(
    target: Option<&str>,
    program: &str,
    out: &str,
    release: bool,
) -> Result<(), String> {
    let lumen = crate::dev_lumen()?;
    crate::lumen_build::clear_unmarked(std::path::Path::new(out))?;
    let flag = target
        .map(|t| format!(" --wasm-target {t}"))
        .unwrap_or_default();
    step(&format!(
        "lumen build --target wasm{flag} {program} -> {out}/"
    ));
    let mut cmd = Command::new(&lumen);
    cmd.args(["build", "--target", "wasm"]);
    if let Some(t) = target {
        cmd.args(["--wasm-target", t]);
    }
    cmd.args([program, "--out-dir", out])
        .current_dir(crate::root());
    if release {
        cmd.arg("--release");
    }
    crate::run(&mut cmd)
}

/// Runs the steps.
pub fn run(o: &Options) -> Result<(), String> {
    let path = path_with_cargo_bin();
    step("node.js");
    check_node(&path)?;

    if o.build {
        step(&format!(
            "packages (cargo xtask wasm-packages{})",
            if o.release { " --release" } else { "" }
        ));
        wasm_packages::run(&wasm_packages::Options {
            release: o.release,
            vm_only: false,
        })?;
    }

    step("wasmtime (the WASI tests run lumen.wasm in it)");
    ensure_wasmtime(&path)?;

    if o.build && env_var("LUMEN_WASI").is_none() {
        let lumen = crate::dev_lumen()?;
        step("WASI command module (lumen build --wasm-target wasi -> pkg-wasi/lumen.wasm)");
        wasm_packages::build_one(
            &lumen,
            WasmTarget::Wasi,
            &wasm_packages::out_dir(WasmTarget::Wasi, false),
            o.release,
            false,
        )?;
        step("WASI component with wasi:http (--wasm-target wasi-http -> pkg-wasi-http/lumen.wasm)");
        wasm_packages::build_one(
            &lumen,
            WasmTarget::WasiHttp,
            &wasm_packages::out_dir(WasmTarget::WasiHttp, false),
            o.release,
            false,
        )?;
    }
    if o.build && env_var("LUMEN_PROGRAM_PKG").is_none() {
        build_program(None, PROGRAM, PROGRAM_PKG, o.release)?;
    }
    let mut program_component = None;
    if o.build && env_var("LUMEN_PROGRAM_COMPONENT").is_none() {
        build_program(Some("component"), PROGRAM, COMPONENT_PKG, o.release)?;
        program_component = Some(crate::root().join(COMPONENT_PKG).join("app.wasm"));
    }
    for (var, target, out) in [
        ("LUMEN_EDGE_WORKER", "worker", EDGE_WORKER),
        ("LUMEN_EDGE_HTTP", "http", EDGE_HTTP),
    ] {
        if o.build && env_var(var).is_none() {
            build_program(Some(target), EDGE_PROGRAM, out, o.release)?;
        }
    }
    let pkg = crate::root().join(
        env_var("LUMEN_PKG")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(wasm_packages::out_dir(WasmTarget::Js, false))),
    );
    if !pkg.join("index.js").is_file() {
        return Err(format!(
            "{}/index.js is missing: run cargo xtask wasm-packages",
            pkg.display()
        ));
    }

    step("npm dependencies (tests/wasm)");
    ensure_node_modules(&path)?;
    if o.browser {
        step("npm dependencies (examples/playground, for browser/playground.test.mjs)");
        ensure_playground_modules(&path)?;
    }

    let mut env: Vec<(&str, OsString)> = vec![("PATH", path.clone())];
    if let Some(wasm) = program_component {
        println!("LUMEN_PROGRAM_COMPONENT={}", wasm.display());
        env.push(("LUMEN_PROGRAM_COMPONENT", wasm.into_os_string()));
    }
    if o.browser {
        step("chromium");
        let chromium = env_var("CHROMIUM_PATH").unwrap_or_else(|| "/usr/bin/chromium".into());
        match output_of(&chromium, &["--version"], &path) {
            Some(v) => println!("{v}"),
            None if Path::new(&chromium).is_file() => {}
            None => {
                return Err(format!(
                    "no Chromium at {} (set CHROMIUM_PATH, or install Debian's: \
                     scripts/test-all.sh does; --node-only skips the browser tests)",
                    Path::new(&chromium).display()
                ))
            }
        }
        env.push(("CHROMIUM_PATH", chromium));
    }

    if env_var("LUMEN_WASI_APP_RUNTIME").is_none() {
        step("WASI app runtime (cargo build -p lumen-wasi-app --target wasm32-wasip1)");
        let runtime = wasi_app_runtime(o.release)?;
        println!("LUMEN_WASI_APP_RUNTIME={}", runtime.display());
        env.push(("LUMEN_WASI_APP_RUNTIME", runtime.into_os_string()));
    }
    // The embedder and the typed-module generator are examples: the dev `lumen`'s
    // `cargo build --workspace --all-targets` built them.
    for (var, example) in [("LUMEN_EMBED", "embed"), ("LUMEN_JSGEN", "gen")] {
        if env_var(var).is_none() {
            crate::dev_lumen()?;
            let exe = example_path(example);
            if !exe.is_file() {
                return Err(format!(
                    "{} is missing (cargo build --workspace --all-targets did not build it)",
                    exe.display()
                ));
            }
            println!("{var}={}", exe.display());
            env.push((var, exe.into_os_string()));
        }
    }

    if env_var("LUMEN_BIN").is_none() {
        step("native lumen (to compare compile() with lumen emit)");
        let lumen = crate::dev_lumen()?;
        if !lumen.is_file() {
            return Err(format!(
                "{} is missing (cargo build of lumen did not build it)",
                lumen.display()
            ));
        }
        println!("LUMEN_BIN={}", lumen.display());
        env.push(("LUMEN_BIN", lumen.into_os_string()));
    }

    step("python host test (tests/python, wasmtime-py)");
    python_tests(&env, o.release)?;

    step("tests");
    let mut cmd = Command::new("node");
    cmd.arg("--test")
        .arg(format!("--test-concurrency={}", test_concurrency()))
        .args(test_paths(o.browser))
        .current_dir(crate::root());
    for (k, v) in env {
        cmd.env(k, v);
    }
    crate::run(&mut cmd)
}

/// How many test files `node --test` runs at once: one per core, at least two. Node 20's
/// default is one less than the cores, which on a 2-core CI machine runs the files one by
/// one while most of them wait on a child process (Wasmtime, Chromium, a `lumen build`).
fn test_concurrency() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .max(2)
}

/// The Python host test of program components (issue 12 item 4).
const PYTHON_TESTS: &str = "tests/python";

/// `python -m unittest discover -s tests/python` in the venv of [`python_venv`], with the
/// variables in `env` (`LUMEN_BIN` among them) and `LUMEN_BUILD_RELEASE=1` for `--release`.
fn python_tests(env: &[(&str, OsString)], release: bool) -> Result<(), String> {
    let path = env
        .iter()
        .find(|(k, _)| *k == "PATH")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let python = python_venv(&path)?;
    let mut cmd = Command::new(python);
    cmd.args(["-m", "unittest", "discover", "-v", "-s", PYTHON_TESTS])
        .current_dir(crate::root());
    for (k, v) in env {
        cmd.env(k, v);
    }
    if release {
        cmd.env("LUMEN_BUILD_RELEASE", "1");
    }
    crate::run(&mut cmd)
}

/// The Python of `<target dir>/python-venv` (made with `$PYTHON`, default `python3`), with
/// `tests/python/requirements.txt` installed: pip runs when the venv's stamp does not hold
/// that file's digest.
fn python_venv(path: &OsString) -> Result<PathBuf, String> {
    let venv = crate::target_dir().join("python-venv");
    let python = if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    };
    let requirements = crate::root().join(PYTHON_TESTS).join("requirements.txt");
    let sum = lock_sum(&[&requirements])?;
    let stamp = venv.join(".lumen-requirements-sum");
    if !python.is_file() {
        let system = env_var("PYTHON").unwrap_or_else(|| "python3".into());
        crate::run(
            Command::new(&system)
                .args(["-m", "venv"])
                .arg(&venv)
                .env("PATH", path),
        )
        .map_err(|e| {
            format!("{e}: the Python host test needs Python 3.9+ with venv (set PYTHON)")
        })?;
    }
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == sum) {
        println!("{} is up to date", venv.display());
        return Ok(python);
    }
    crate::run(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-input",
                "-r",
            ])
            .arg(&requirements)
            .env("PATH", path),
    )?;
    std::fs::write(&stamp, format!("{sum}\n"))
        .map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
    Ok(python)
}

/// The VM-only WASI runtime `tests/wasm/node/wasi_app.test.mjs` embeds programs into,
/// built with cargo (`wasm-release` with `release`) — the same cargo build a program's
/// `lumen build --wasm-target wasi` runs, so it is compiled once.
fn wasi_app_runtime(release: bool) -> Result<PathBuf, String> {
    let mut cmd = Command::new(crate::cargo());
    cmd.current_dir(crate::root()).args([
        "build",
        "--quiet",
        "-p",
        "lumen-wasi-app",
        "--target",
        "wasm32-wasip1",
    ]);
    if release {
        cmd.args(["--profile", "wasm-release"]);
    }
    crate::run(&mut cmd)?;
    let profile = if release { "wasm-release" } else { "debug" };
    let wasm = crate::target_dir()
        .join("wasm32-wasip1")
        .join(profile)
        .join("lumen-wasi-app.wasm");
    if wasm.is_file() {
        Ok(wasm)
    } else {
        Err(format!("cargo build did not produce {}", wasm.display()))
    }
}

/// `<target dir>/debug/examples/<name>`.
fn example_path(name: &str) -> PathBuf {
    crate::target_dir()
        .join("debug")
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// What `node --test` runs: the Node tests and the host tests of the packed package, plus
/// the browser ones with `browser`.
pub fn test_paths(browser: bool) -> Vec<&'static str> {
    let mut paths = vec![
        "tests/wasm/node/",
        "tests/wasm/hosts/node.test.mjs",
        "tests/wasm/hosts/lint.test.mjs",
        "tests/wasm/hosts/workerd.test.mjs",
        "tests/wasm/hosts/deno.test.mjs",
        "tests/wasm/hosts/program_node.test.mjs",
        "tests/wasm/hosts/program_lint.test.mjs",
        "tests/wasm/hosts/program_workerd.test.mjs",
        "tests/wasm/hosts/program_deno.test.mjs",
        "tests/wasm/hosts/edge_worker.test.mjs",
        "tests/wasm/hosts/edge_http.test.mjs",
    ];
    if browser {
        paths.extend([
            "tests/wasm/browser/",
            "tests/wasm/hosts/browser.test.mjs",
            "tests/wasm/hosts/program_browser.test.mjs",
        ]);
    }
    paths
}

/// Entry point of `cargo xtask test-wasm`.
pub fn command(args: &[String]) -> Result<(), Failure> {
    run(&parse_args(args)?).map_err(Failure::Failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_parse() {
        assert_eq!(parse_args(&[]).unwrap(), Options::default());
        let o = parse_args(&[
            "--release".into(),
            "--no-build".into(),
            "--node-only".into(),
        ])
        .unwrap();
        assert_eq!(
            o,
            Options {
                release: true,
                build: false,
                browser: false
            }
        );
        assert!(matches!(
            parse_args(&["--browser".into()]),
            Err(Failure::Usage(m)) if m.contains("--browser")
        ));
    }

    #[test]
    fn issue12_item3_the_jco_tests_run_without_a_browser() {
        for jco in [
            "tests/wasm/node/jco.test.mjs",
            "tests/wasm/node/component.test.mjs",
        ] {
            assert!(crate::root().join(jco).is_file(), "{jco} is missing");
            assert!(
                test_paths(false).iter().any(|p| jco.starts_with(p)),
                "{jco} is not run"
            );
        }
    }

    #[test]
    fn issue12_item4_the_python_host_test_is_run_with_pinned_requirements() {
        let dir = crate::root().join(PYTHON_TESTS);
        assert!(dir.join("test_components.py").is_file());
        let req = std::fs::read_to_string(dir.join("requirements.txt")).unwrap();
        let pins: Vec<&str> = req
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        assert!(pins.iter().any(|l| l.starts_with("wasmtime==")), "{pins:?}");
        assert!(pins.iter().all(|l| l.contains("==")), "unpinned: {pins:?}");
    }

    #[test]
    fn issue11_item2_the_host_tests_run_and_the_browser_ones_only_with_a_browser() {
        let node = test_paths(false);
        assert!(node.contains(&"tests/wasm/node/"));
        assert!(node.contains(&"tests/wasm/hosts/node.test.mjs"));
        assert!(node.contains(&"tests/wasm/hosts/program_node.test.mjs"));
        assert!(node.iter().all(|p| !p.contains("browser")));
        let all = test_paths(true);
        assert!(all.contains(&"tests/wasm/browser/"));
        assert!(all.contains(&"tests/wasm/hosts/browser.test.mjs"));
        // Every test file under tests/wasm/hosts/ is run.
        let hosts = crate::root().join("tests/wasm/hosts");
        for e in std::fs::read_dir(hosts).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            if name.ends_with(".test.mjs") {
                let path = format!("tests/wasm/hosts/{name}");
                assert!(all.contains(&path.as_str()), "{path} is not run");
            }
        }
    }

    #[test]
    fn issue14_point4_the_playground_is_tested_with_pinned_dependencies() {
        let dir = crate::root().join(PLAYGROUND);
        for f in [
            "index.html",
            "playground.js",
            "package-lock.json",
            "README.md",
        ] {
            assert!(dir.join(f).is_file(), "{PLAYGROUND}/{f} is missing");
        }
        let manifest: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("package.json")).unwrap())
                .unwrap();
        let deps = manifest["dependencies"].as_object().expect("dependencies");
        assert!(deps.contains_key("codemirror") && deps.contains_key("@codemirror/lint"));
        for (name, version) in deps {
            let v = version.as_str().unwrap_or_default();
            assert!(
                !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.'),
                "{name} is not pinned: {v:?}"
            );
        }
        let test = "tests/wasm/browser/playground.test.mjs";
        assert!(crate::root().join(test).is_file());
        assert!(test_paths(true).iter().any(|p| test.starts_with(p)));
        assert!(!test_paths(false).iter().any(|p| test.starts_with(p)));
    }

    #[test]
    fn npm_ci_is_skipped_when_node_modules_matches_the_lockfile() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("package.json"), "{}").unwrap();
        std::fs::write(d.join("package-lock.json"), "{}").unwrap();
        std::fs::create_dir_all(d.join("node_modules/codemirror")).unwrap();
        let sum = lock_sum(&[&d.join("package-lock.json"), &d.join("package.json")]).unwrap();
        std::fs::write(d.join("node_modules/.lumen-lock-sum"), format!("{sum}\n")).unwrap();
        // No npm on this PATH: the up-to-date folder must not need it.
        let no_npm = OsString::from(d.join("no-such-bin"));
        npm_ci(d, "codemirror", &no_npm).unwrap();
        // A changed lockfile (or a missing marker package) means an install: here it fails.
        std::fs::write(d.join("package-lock.json"), "{ }").unwrap();
        assert!(npm_ci(d, "codemirror", &no_npm).is_err());
        std::fs::write(d.join("package-lock.json"), "{}").unwrap();
        assert!(npm_ci(d, "playwright-core", &no_npm).is_err());
    }

    #[test]
    fn versions() {
        assert_eq!(node_major("v20.19.2\n"), Some(20));
        assert_eq!(node_major("v18.0.0"), Some(18));
        assert_eq!(node_major("garbage"), None);
        assert!(wasmtime_matches(
            "wasmtime 48.0.8 (abc 2025-01-01)",
            "48.0.8"
        ));
        assert!(!wasmtime_matches("wasmtime 48.0.80", "48.0.8"));
        assert!(!wasmtime_matches("", "48.0.8"));
    }

    #[test]
    fn lock_sum_tracks_the_files() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("package-lock.json");
        std::fs::write(&a, "{}").unwrap();
        let one = lock_sum(&[&a]).unwrap();
        assert_eq!(one, lock_sum(&[&a]).unwrap());
        std::fs::write(&a, "{ }").unwrap();
        assert_ne!(one, lock_sum(&[&a]).unwrap());
        assert!(lock_sum(&[&dir.path().join("missing")]).is_err());
    }
}
