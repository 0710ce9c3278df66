//! `lumen build --target wasm app.lm.md` (issue 11 item 1): a program with a compile error
//! gets the diagnostics of `lumen check`, exit 1 and no output; a rebuild after only the
//! program changed takes the runtime from the cache and runs no cargo build and no wasm
//! tool build (a logging `cargo` wrapper and fakes of the wasm tools that only answer
//! `--version`, which the toolchain check and the runtime cache key need, prove it).
#![cfg(feature = "build")]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn lumen() -> Command {
    Command::cargo_bin("lumen").expect("the lumen binary")
}

/// `lumen build --target wasm ARGS --manifest-path <this workspace>` in `dir`.
fn build_in(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = lumen();
    cmd.current_dir(dir)
        .args(["build", "--target", "wasm"])
        .args(args)
        .arg("--manifest-path")
        .arg(root().join("Cargo.toml"));
    cmd
}

const GOOD: &str = "# App\n\n```lumen\nrecord Point\n  x: Int\n  y: Int\nend\n\npub cell shift(p: Point, dx: Int) -> Point\n  Point(x: p.x + dx, y: p.y)\nend\n```\n";

const BAD: &str =
    "# App\n\n```lumen\npub cell main() -> Int\n  \"not an int\"\nend\n\npub cell other() -> Int\n  nope\nend\n```\n";

/// Entries of `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read_dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name != ".lumen-build")
        .collect();
    v.sort();
    v
}

#[test]
fn issue11_item1_a_compile_error_exits_1_with_the_check_diagnostics_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("app.lm.md"), BAD).expect("write");
    let old = dir.path().join("out");
    std::fs::create_dir(&old).expect("mkdir");
    std::fs::write(old.join("old.txt"), "previous build").expect("write");

    let check = lumen()
        .current_dir(dir.path())
        .args(["check", "app.lm.md"])
        .output()
        .expect("lumen check");
    assert_eq!(check.status.code(), Some(1));
    let check_err = String::from_utf8_lossy(&check.stderr).into_owned();
    // Everything `lumen check` prints but its summary line.
    let diagnostics: String = check_err
        .lines()
        .filter(|l| !l.starts_with("checked "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(diagnostics.contains("E0"), "{check_err}");

    let build = build_in(dir.path(), &["app.lm.md", "--out-dir", "out"])
        .output()
        .expect("lumen build");
    let build_err = String::from_utf8_lossy(&build.stderr).into_owned();
    assert_eq!(build.status.code(), Some(1), "{build_err}");
    assert!(
        build_err.contains(diagnostics.trim_end()),
        "build:\n{build_err}\ncheck:\n{check_err}"
    );
    assert!(build_err.contains("nothing was written"), "{build_err}");
    // The old output is untouched and nothing else appeared.
    assert_eq!(listing(&old), ["old.txt"]);
    assert_eq!(
        std::fs::read_to_string(old.join("old.txt")).expect("read"),
        "previous build"
    );
    assert_eq!(listing(dir.path()), ["app.lm.md", "out"]);
}

#[test]
fn issue11_newuser_item3_a_misfenced_program_warns_and_building_it_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let md = GOOD.replace("```lumen", "```lm");
    std::fs::write(dir.path().join("app.lm.md"), md).expect("write");
    let check = lumen()
        .current_dir(dir.path())
        .args(["check", "app.lm.md"])
        .output()
        .expect("lumen check");
    let check_err = String::from_utf8_lossy(&check.stderr).into_owned();
    assert_eq!(check.status.code(), Some(0), "{check_err}");
    assert!(check_err.contains("W0004"), "{check_err}");
    assert!(
        check_err.contains("found ```lm: did you mean ```lumen?"),
        "{check_err}"
    );
    assert!(check_err.contains("app.lm.md:3:1"), "{check_err}");
    for target in ["js", "worker", "component"] {
        let build = build_in(
            dir.path(),
            &["--wasm-target", target, "app.lm.md", "--out-dir", "out"],
        )
        .output()
        .expect("lumen build");
        let build_err = String::from_utf8_lossy(&build.stderr).into_owned();
        assert_eq!(build.status.code(), Some(2), "{target}: {build_err}");
        assert!(build_err.contains("W0004"), "{target}: {build_err}");
        assert!(
            build_err.contains("`app.lm.md` exports no cell (it has no ```lumen code block"),
            "{target}: {build_err}"
        );
        assert!(build_err.contains("nothing was written"), "{build_err}");
        assert_eq!(listing(dir.path()), ["app.lm.md"], "{target}");
    }
    // A WASI app runs `main`: a program without one is refused the same way.
    let build = build_in(
        dir.path(),
        &["--wasm-target", "wasi", "app.lm.md", "--out-dir", "out"],
    )
    .output()
    .expect("lumen build");
    let build_err = String::from_utf8_lossy(&build.stderr).into_owned();
    assert_eq!(build.status.code(), Some(2), "wasi: {build_err}");
    assert!(
        build_err.contains(
            "`app.lm.md` has no `cell main` for the WASI app to run (it has no ```lumen code block"
        ),
        "wasi: {build_err}"
    );
    assert_eq!(listing(dir.path()), ["app.lm.md"], "wasi");
}

#[test]
fn issue11_item1_a_binary_lir_or_a_bad_name_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("app.lmb"), b"LMB\0xx").expect("write");
    std::fs::write(dir.path().join("app.lm.md"), GOOD).expect("write");
    let out = lumen()
        .current_dir(dir.path())
        .args(["build", "--target", "wasm", "app.lmb", "--out-dir", "out"])
        .output()
        .expect("lumen build");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("binary LIR"));
    let out = lumen()
        .current_dir(dir.path())
        .args([
            "build",
            "--target",
            "wasm",
            "app.lm.md",
            "--name",
            "Bad Name",
        ])
        .output()
        .expect("lumen build");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a valid npm package name"));
    assert_eq!(listing(dir.path()), ["app.lm.md", "app.lmb"]);
}

#[test]
fn issue11_item1_an_out_dir_holding_the_program_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("src")).expect("mkdir");
    std::fs::write(dir.path().join("src/app.lm.md"), GOOD).expect("write");
    for out in [".", "src", ".."] {
        let o = lumen()
            .current_dir(dir.path())
            .args([
                "build",
                "--target",
                "wasm",
                "src/app.lm.md",
                "--out-dir",
                out,
            ])
            .output()
            .expect("lumen build");
        assert_eq!(o.status.code(), Some(2), "--out-dir {out}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("would replace"),
            "--out-dir {out}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    assert_eq!(listing(dir.path()), ["src"]);
    assert_eq!(listing(&dir.path().join("src")), ["app.lm.md"]);
}

/// `name` in a folder of PATH.
fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The real cargo.
fn real_cargo() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::var_os("CARGO")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .or_else(|| {
            std::env::split_paths(&path)
                .map(|d| d.join("cargo"))
                .find(|p| p.is_file())
        })
        .expect("cargo")
}

#[test]
fn issue11_item1_a_program_only_rebuild_runs_no_cargo_build() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(d.join("app.lm.md"), GOOD).expect("write");
    let build = |cargo: Option<&Path>, path: Option<&str>| {
        let mut cmd = build_in(
            d,
            &["app.lm.md", "--out-dir", "pkg", "--message-format", "json"],
        );
        if let Some(c) = cargo {
            cmd.env("CARGO", c);
        }
        if let Some(p) = path {
            cmd.env("PATH", p);
        }
        cmd.output().expect("lumen build")
    };
    // First build: the runtime is built into the cache when it is not there yet.
    let first = build(None, None);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let index = std::fs::read_to_string(d.join("pkg/index.js")).expect("index.js");
    assert!(index.contains("shift") && !index.contains("scale"));

    // Only the program changes.
    std::fs::write(
        d.join("app.lm.md"),
        GOOD.replace("```\n", "\npub cell scale(p: Point, k: Int) -> Point\n  Point(x: p.x * k, y: p.y * k)\nend\n```\n"),
    )
    .expect("write");
    // A cargo that logs its subcommands; wasm tools that fail.
    let fakes = d.join("fakes");
    std::fs::create_dir(&fakes).expect("mkdir");
    let log = d.join("cargo.log");
    let wrapper = fakes.join("cargo");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho \"$1\" >> '{}'\nexec '{}' \"$@\"\n",
            log.display(),
            real_cargo().display()
        ),
    )
    .expect("write");
    for tool in ["wasm-pack", "wasm-bindgen", "wasm-opt"] {
        // `--version` is answered by the real tool (its version is part of the runtime
        // cache key); anything else fails loudly.
        let version = match on_path(tool) {
            Some(real) => format!(
                "if [ \"$1\" = --version ]; then exec '{}' \"$@\"; fi\n",
                real.display()
            ),
            None => String::new(),
        };
        std::fs::write(
            fakes.join(tool),
            format!("#!/bin/sh\n{version}echo ran >&2\nexit 99\n"),
        )
        .expect("write");
    }
    for f in listing(&fakes) {
        std::fs::set_permissions(fakes.join(f), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
    }
    let path = format!(
        "{}:{}",
        fakes.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let second = build(Some(&wrapper), Some(&path));
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(second.status.success(), "{stderr}");
    let summary: serde_json::Value =
        serde_json::from_slice(&second.stdout).expect("the JSON summary");
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        logged.lines().all(|l| l == "metadata"),
        "cargo ran more than `cargo metadata`: {logged}"
    );
    assert!(!stderr.contains("ran"), "a wasm tool ran: {stderr}");
    assert_eq!(summary["status"], "built");
    let steps: Vec<&str> = summary["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert!(
        steps.contains(&"cache"),
        "the runtime came from the cache: {steps:?}"
    );
    assert!(
        !steps.iter().any(|s| *s == "cargo" || *s == "wasm-pack"),
        "no Rust compilation when only the program changed: {steps:?}"
    );
    assert_eq!(summary["vm_only"], true);
    assert_eq!(summary["program"], "app.lm.md");
    assert_eq!(summary["package"], "app");
    assert_eq!(summary["wasm"]["path"], "runtime/lumen_wasm_bg.wasm");
    let index = std::fs::read_to_string(d.join("pkg/index.js")).expect("index.js");
    assert!(index.contains("scale"), "the new cell is exported");
    // How quick the rebuild is, is `cargo xtask bench-build`'s to measure, not a test's.
    eprintln!("program-only rebuild: {} ms", summary["elapsed_ms"]);

    // A folder the user made is not an earlier build's output: refused (exit 2), kept.
    let mine = d.join("mine");
    std::fs::create_dir(&mine).expect("mkdir");
    std::fs::write(mine.join("important.txt"), "keep me").expect("write");
    let refused = build_in(d, &["app.lm.md", "--out-dir", "mine"])
        .output()
        .expect("lumen build");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("is not the output of a lumen build"),
        "{stderr}"
    );
    assert_eq!(listing(&mine), ["important.txt"]);
    assert_eq!(
        std::fs::read_to_string(mine.join("important.txt")).expect("read"),
        "keep me"
    );
}

#[test]
fn issue11_newuser_lumen_build_works_in_a_project_outside_the_lumen_checkout() {
    // A user's own folder, no Cargo.toml anywhere above it: the runtime's sources come from
    // `$LUMEN_SOURCE` (by default the checkout this `lumen` was built from).
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("app.lm.md"), GOOD).expect("write");
    let out = lumen()
        .current_dir(dir.path())
        .env("LUMEN_SOURCE", root())
        .args(["build", "--target", "wasm", "app.lm.md", "--out-dir", "pkg"])
        .timeout(std::time::Duration::from_secs(1800))
        .output()
        .expect("lumen build");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(dir.path().join("pkg/index.d.ts").is_file(), "{stderr}");

    // With the fallback switched off the error says how to point at a checkout.
    let off = lumen()
        .current_dir(dir.path())
        .env("LUMEN_SOURCE", "")
        .args([
            "build",
            "--target",
            "wasm",
            "app.lm.md",
            "--out-dir",
            "pkg2",
        ])
        .output()
        .expect("lumen build");
    assert_eq!(off.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&off.stderr).contains("set LUMEN_SOURCE"));
    assert!(!dir.path().join("pkg2").exists());
}
