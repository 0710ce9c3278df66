//! `lumen build --target wasm`: argument errors, workspace discovery, missing and failing
//! tools (fakes on a PATH of our own: the only fakes here, to simulate faults), and a real
//! release build that npm packs, installs and Node imports, then hits the cache.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn manifest() -> PathBuf {
    root().join("Cargo.toml")
}

fn lumen() -> Command {
    Command::cargo_bin("lumen").expect("the lumen binary")
}

/// The wasm-bindgen version Cargo.lock pins (a fake wasm-bindgen must report it).
fn locked_wasm_bindgen() -> String {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).expect("Cargo.lock");
    let mut lines = lock.lines();
    while let Some(l) = lines.next() {
        if l == "name = \"wasm-bindgen\"" {
            if let Some(v) = lines.next() {
                return v
                    .trim_start_matches("version = \"")
                    .trim_end_matches('"')
                    .to_string();
            }
        }
    }
    panic!("wasm-bindgen is not in Cargo.lock")
}

/// `lumen build --target wasm --no-install [extra] --manifest-path <ours>` run in `dir`
/// with `path` as the whole PATH.
fn bare_build(dir: &Path, path: &Path, extra: &[&str]) -> Command {
    let mut cmd = lumen();
    cmd.current_dir(dir)
        .env("PATH", path)
        .args(["build", "--target", "wasm", "--no-install"])
        .args(extra)
        .arg("--manifest-path")
        .arg(manifest());
    cmd
}

/// A folder for PATH holding links to the real cargo, rustc and rustup, and nothing else.
fn bare_path_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = std::env::var_os("PATH").unwrap_or_default();
    for tool in ["cargo", "rustc", "rustup"] {
        if let Some(real) = std::env::split_paths(&path)
            .map(|d| d.join(tool))
            .find(|p| p.is_file())
        {
            std::os::unix::fs::symlink(real, dir.path().join(tool)).expect("symlink");
        }
    }
    dir
}

fn write_script(dir: &Path, name: &str, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).expect("write script");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[test]
fn target_is_required_and_checked() {
    lumen()
        .arg("build")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--target"));
    lumen()
        .args(["build", "--target", "native"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid value 'native'"));
    lumen()
        .args(["build", "--target", "wasm", "--wasm-target", "deno"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("possible values: js, wasi"));
    lumen()
        .args(["build", "--target", "wasm", "--quiet", "--verbose"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be used with"));
    lumen()
        .args(["build", "--target", "wasm", "--profile", "tiny"])
        .assert()
        .code(2);
}

#[test]
fn outside_a_workspace_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    // Without the fallback to the checkout this `lumen` was built from.
    let lumen = || {
        let mut c = lumen();
        c.env("LUMEN_SOURCE", "");
        c
    };
    lumen()
        .current_dir(dir.path())
        .args(["build", "--target", "wasm"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not in a Lumen workspace"));
    assert!(!dir.path().join("pkg").exists());

    // A Cargo workspace that is not Lumen's.
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"other\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/lib.rs"), "").unwrap();
    lumen()
        .current_dir(dir.path())
        .args(["build", "--target", "wasm"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("has no `lumen-wasm` crate"));

    lumen()
        .current_dir(dir.path())
        .args([
            "build",
            "--target",
            "wasm",
            "--manifest-path",
            "nope/Cargo.toml",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such manifest"));
}

#[test]
fn missing_wasm_pack_with_no_install_names_the_command() {
    let bin = bare_path_dir();
    let out = tempfile::tempdir().unwrap();
    bare_build(out.path(), bin.path(), &[])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("wasm-pack is not installed"))
        .stderr(predicate::str::contains(
            "install it with: cargo install wasm-pack --version 0.15.1 --locked",
        ));
    assert!(!out.path().join("pkg").exists());
}

#[test]
fn too_old_wasm_pack_with_no_install_is_refused() {
    let bin = bare_path_dir();
    write_script(bin.path(), "wasm-pack", "echo 'wasm-pack 0.10.3'");
    let out = tempfile::tempdir().unwrap();
    bare_build(out.path(), bin.path(), &[])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("wasm-pack 0.10.3 at"))
        .stderr(predicate::str::contains("is older than 0.13.0"));
}

#[test]
fn wrong_wasm_bindgen_with_no_install_names_the_version() {
    let bin = bare_path_dir();
    write_script(bin.path(), "wasm-pack", "echo 'wasm-pack 0.15.1'");
    write_script(bin.path(), "wasm-bindgen", "echo 'wasm-bindgen 0.1.0'");
    let out = tempfile::tempdir().unwrap();
    let want = locked_wasm_bindgen();
    bare_build(out.path(), bin.path(), &[])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "does not match the wasm-bindgen {want}"
        )))
        .stderr(predicate::str::contains(format!(
            "cargo install wasm-bindgen-cli --version {want} --locked"
        )));
}

/// A PATH whose wasm-pack prints some output and fails.
fn failing_wasm_pack() -> tempfile::TempDir {
    let bin = bare_path_dir();
    write_script(
        bin.path(),
        "wasm-pack",
        // A version no real install has: the runtime cache (keyed by the tool versions)
        // then has no entry, so the build does run this wasm-pack.
        "if [ \"$1\" = --version ]; then echo 'wasm-pack 0.15.99'; exit 0; fi\n\
         echo 'Compiling lumen-wasm (fake)'\n\
         echo 'error: the fake wasm-pack failed on purpose' >&2\n\
         exit 1",
    );
    write_script(
        bin.path(),
        "wasm-bindgen",
        &format!("echo 'wasm-bindgen {}'", locked_wasm_bindgen()),
    );
    bin
}

#[test]
fn failing_wasm_pack_leaves_the_previous_pkg_untouched() {
    let bin = failing_wasm_pack();
    let work = tempfile::tempdir().unwrap();
    let pkg = work.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("lumen_wasm_bg.wasm"), b"previous build").unwrap();
    bare_build(work.path(), bin.path(), &[])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("wasm-pack failed (exit status 1)"))
        .stderr(predicate::str::contains(
            "the fake wasm-pack failed on purpose",
        ))
        .stderr(predicate::str::contains("Compiling lumen-wasm (fake)"))
        // not a terminal: the step list is plain lines
        .stderr(predicate::str::contains(
            "[1/5] finding the Lumen workspace",
        ))
        .stderr(predicate::str::contains(
            "[4/5] compiling lumen-wasm (wasm-pack, js)",
        ));
    assert_eq!(
        std::fs::read(pkg.join("lumen_wasm_bg.wasm")).unwrap(),
        b"previous build"
    );
    let leftovers: Vec<_> = std::fs::read_dir(work.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(leftovers, ["pkg"], "no temporary directories are left");
}

#[test]
fn failure_summary_in_json() {
    let bin = failing_wasm_pack();
    let work = tempfile::tempdir().unwrap();
    let out = bare_build(
        work.path(),
        bin.path(),
        &[
            "--wasm-target",
            "nodejs",
            "--quiet",
            "--message-format",
            "json",
        ],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "one JSON line: {stdout}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["status"], "failed");
    assert_eq!(v["target"], "js", "nodejs is an alias of js");
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("wasm-pack failed"));
    assert!(v["error"]["output"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l.as_str().unwrap().contains("failed on purpose")));
    let names: Vec<_> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        ["workspace", "toolchain", "fingerprint", "wasm-pack"]
    );
}

/// The names of the custom sections of a WebAssembly binary.
fn custom_sections(wasm: &[u8]) -> Vec<String> {
    fn leb(bytes: &[u8], at: &mut usize) -> usize {
        let (mut value, mut shift) = (0usize, 0);
        while let Some(&b) = bytes.get(*at) {
            *at += 1;
            value |= ((b & 0x7f) as usize) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                break;
            }
        }
        value
    }
    assert_eq!(&wasm[..4], b"\0asm");
    let mut at = 8;
    let mut names = Vec::new();
    while at < wasm.len() {
        let id = wasm[at];
        at += 1;
        let size = leb(wasm, &mut at);
        let end = at + size;
        if id == 0 {
            let mut p = at;
            let len = leb(wasm, &mut p);
            names.push(String::from_utf8_lossy(&wasm[p..p + len]).into_owned());
        }
        at = end;
    }
    names
}

/// The module without its custom sections (the code and everything else, byte for byte).
fn without_custom_sections(wasm: &[u8]) -> Vec<u8> {
    let mut out = wasm[..8].to_vec();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        let payload = payload.expect("a well-formed module");
        if let Some((id, range)) = payload.as_section() {
            if id != 0 {
                out.push(id);
                let mut len = range.len();
                loop {
                    let byte = (len & 0x7f) as u8;
                    len >>= 7;
                    out.push(if len == 0 { byte } else { byte | 0x80 });
                    if len == 0 {
                        break;
                    }
                }
                out.extend_from_slice(&wasm[range]);
            }
        }
    }
    out
}

fn npm_available() -> bool {
    std::process::Command::new("npm")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn run_ok(cmd: &mut std::process::Command) -> String {
    let out = cmd.output().expect("command starts");
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The real thing: a release build for Node.js (installing wasm-pack and wasm-bindgen-cli
/// from crates.io when missing), `npm pack`, `npm install` of the tarball into a scratch
/// project, `require` and `run` in Node; then the same build again is a cache hit.
#[test]
fn release_build_packs_installs_and_runs_in_node_then_hits_the_cache() {
    assert!(
        npm_available(),
        "npm is not installed: this test needs Node.js and npm (scripts/test-all.sh installs them)"
    );
    let work = tempfile::tempdir().unwrap();
    let args = [
        "build",
        "--target",
        "wasm",
        "--release",
        "--wasm-target",
        "js",
        "--out-dir",
        "pkg",
        "--message-format",
        "json",
    ];
    let out = lumen()
        .current_dir(work.path())
        .args(args)
        .arg("--manifest-path")
        .arg(manifest())
        .timeout(std::time::Duration::from_secs(3000))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "build failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(v["status"], "built");
    assert_eq!(v["package"], "lumen-wasm");
    let wasm_bytes = v["wasm"]["bytes"].as_u64().unwrap();
    assert!(wasm_bytes > 10_000);
    let pkg = work.path().join("pkg");
    let on_disk = std::fs::metadata(pkg.join("lumen_wasm_bg.wasm"))
        .unwrap()
        .len();
    assert_eq!(on_disk, wasm_bytes);
    // The release module is stripped: no names, producers or DWARF sections (issue 14
    // item 3: only --debug-info keeps DWARF, tests/build_debug_info.rs).
    let wasm = std::fs::read(pkg.join("lumen_wasm_bg.wasm")).unwrap();
    let custom = custom_sections(&wasm);
    assert!(
        !custom
            .iter()
            .any(|n| n == "name" || n == "producers" || n.starts_with(".debug_")),
        "{custom:?}"
    );

    // npm accepts the package; a scratch project installs the tarball and Node runs it.
    let packed = run_ok(
        std::process::Command::new("npm")
            .current_dir(&pkg)
            .args(["pack", "--json", "--pack-destination"])
            .arg(work.path()),
    );
    let packed: serde_json::Value = serde_json::from_str(&packed).unwrap();
    let tarball = work.path().join(
        packed[0]["filename"]
            .as_str()
            .unwrap()
            .trim_start_matches("./"),
    );
    assert!(tarball.is_file(), "{}", tarball.display());
    let app = work.path().join("app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(app.join("package.json"), r#"{"name":"app","private":true}"#).unwrap();
    run_ok(
        std::process::Command::new("npm")
            .current_dir(&app)
            .args(["install", "--no-audit", "--no-fund", "--offline"])
            .arg(&tarball),
    );
    let script = "const l = require('lumen-wasm');\
        l.run('cell main() -> Int\\n  print(\"hi from \" + \"wasm\")\\n  return 40 + 2\\nend\\n')\
         .then(r => console.log(JSON.stringify({v: l.version(), d: r.display, o: r.output})));";
    let printed = run_ok(
        std::process::Command::new("node")
            .current_dir(&app)
            .args(["-e", script]),
    );
    let r: serde_json::Value = serde_json::from_str(printed.trim()).unwrap();
    assert_eq!(r["d"], "42");
    assert_eq!(r["o"][0], "hi from wasm");
    assert_eq!(r["v"], env!("CARGO_PKG_VERSION"));

    // Nothing changed: the second build is a cache hit and leaves the files alone.
    let again = lumen()
        .current_dir(work.path())
        .args(args)
        .arg("--verbose")
        .arg("--manifest-path")
        .arg(manifest())
        .output()
        .unwrap();
    assert!(again.status.success());
    let v2: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&again.stdout).trim()).unwrap();
    assert_eq!(
        v2["status"],
        "up-to-date",
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(v2["wasm"]["bytes"].as_u64(), Some(wasm_bytes));

    // The hidden --keep-names (`cargo xtask wasm-size --why`) keeps the names section and
    // nothing else: the same code, no DWARF.
    let debug = lumen()
        .current_dir(work.path())
        .args(&args[..6])
        .args(["--out-dir", "pkg-debug", "--keep-names", "--quiet"])
        .arg("--manifest-path")
        .arg(manifest())
        .timeout(std::time::Duration::from_secs(3000))
        .output()
        .unwrap();
    assert!(
        debug.status.success(),
        "{}",
        String::from_utf8_lossy(&debug.stderr)
    );
    let debug_wasm = std::fs::read(work.path().join("pkg-debug/lumen_wasm_bg.wasm")).unwrap();
    let named = custom_sections(&debug_wasm);
    assert!(named.iter().any(|n| n == "name"), "{named:?}");
    assert!(!named.iter().any(|n| n.starts_with(".debug_")), "{named:?}");
    assert_eq!(
        without_custom_sections(&debug_wasm),
        without_custom_sections(&wasm),
        "the named copy holds the release code"
    );

    // The human form says so too.
    let human = lumen()
        .current_dir(work.path())
        .args(&args[..8])
        .arg("--manifest-path")
        .arg(manifest())
        .output()
        .unwrap();
    assert!(human.status.success());
    assert!(String::from_utf8_lossy(&human.stderr).contains("is up to date"));
}
