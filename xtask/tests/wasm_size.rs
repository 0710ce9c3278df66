//! `cargo xtask wasm-size` end to end, with a FAKE `lumen` (a shell script given through
//! `LUMEN_BIN`): it tests xtask's own logic (arguments, JSON summary, measuring, budgets,
//! `--check`, `--record`), not the real WebAssembly build.
#![cfg(unix)]

use assert_cmd::Command;
use predicates::prelude::*;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Serialises the tests: writing an executable while another thread forks can make `exec`
/// fail with "text file busy".
static LOCK: Mutex<()> = Mutex::new(());

/// A fake `lumen build`: logs its arguments, writes 4 KiB of noise as the .wasm into
/// `--out-dir` and prints a valid one-line JSON summary.
const FAKE_OK: &str = r#"#!/bin/sh
echo "$*" >> "$(dirname "$0")/calls.log"
out=""; target=""; vm=false
while [ $# -gt 0 ]; do
  case "$1" in
    --out-dir) out="$2"; shift ;;
    --wasm-target) target="$2"; shift ;;
    --vm-only) vm=true ;;
  esac
  shift
done
mkdir -p "$out"
head -c 4096 /dev/urandom > "$out/lumen_wasm_bg.wasm"
echo "progress goes to stderr" >&2
printf '{"status":"built","target":"%s","release":true,"profile":"size","vm_only":%s,"out_dir":"%s","package":"lumen-wasm-%s","version":"0.1.0","elapsed_ms":5,"wasm":{"path":"lumen_wasm_bg.wasm","bytes":4096,"gzip_bytes":4119},"files":[],"steps":[],"tools":{}}\n' "$target" "$vm" "$out" "$target"
"#;

/// A fake `lumen build` that fails the way the contract says: exit 1, a `failed` summary.
const FAKE_FAIL: &str = r#"#!/bin/sh
echo "compiling..." >&2
printf '{"status":"failed","target":"js","release":true,"profile":"size","vm_only":false,"out_dir":"/nowhere","elapsed_ms":3,"steps":[],"error":{"message":"wasm-pack failed (exit status 1)","output":["error: linking with rust-lld failed"]}}\n'
exit 1
"#;

const BUDGETS: &str = r#"# test budgets
[[artifact]]
name = "js"    # the full build
target = "js"
budget_gzip = BUDGET
[artifact.recorded]
raw = 4000
gzip = 4200

[[artifact]]
name = "vm-js"
target = "js"
vm_only = true
budget_gzip = BUDGET

[[artifact]]
name = "wasi"
target = "wasi"
budget_gzip = BUDGET
"#;

struct Setup {
    dir: tempfile::TempDir,
    lumen: PathBuf,
    budgets: PathBuf,
}

fn setup(script: &str, budget: u64) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let lumen = dir.path().join("fake-lumen");
    std::fs::write(&lumen, script).unwrap();
    std::fs::set_permissions(&lumen, std::fs::Permissions::from_mode(0o755)).unwrap();
    let budgets = dir.path().join("budgets.toml");
    std::fs::write(&budgets, BUDGETS.replace("BUDGET", &budget.to_string())).unwrap();
    Setup {
        dir,
        lumen,
        budgets,
    }
}

fn xtask(setup: &Setup, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.arg("wasm-size")
        .args(args)
        .arg("--budgets")
        .arg(&setup.budgets)
        .env("LUMEN_BIN", &setup.lumen)
        .env("CARGO_TARGET_DIR", setup.dir.path().join("target"));
    cmd
}

fn calls(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("calls.log")).unwrap_or_default()
}

#[test]
fn check_fails_when_over_budget() {
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let s = setup(FAKE_OK, 1000);
    xtask(&s, &["--check", "--target", "js"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("OVER"))
        .stdout(predicate::str::contains("1,000"))
        .stderr(predicate::str::contains("over budget"))
        .stderr(predicate::str::contains("js is over budget"))
        .stderr(predicate::str::contains("vm-js is over budget"));
    // `--target js` selects both artifacts with that target, not wasi; each with the
    // contract's arguments and its own out dir under the target dir.
    let log = calls(s.dir.path());
    let target = s.dir.path().join("target").join("wasm-size");
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(
        lines,
        [
            format!(
                "build --target wasm --release --wasm-target js --out-dir {} --message-format json --quiet",
                target.join("js").display()
            ),
            format!(
                "build --target wasm --release --wasm-target js --vm-only --out-dir {} --message-format json --quiet",
                target.join("vm-js").display()
            ),
        ]
    );
}

#[test]
fn check_passes_within_a_generous_budget() {
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let s = setup(FAKE_OK, 1_000_000);
    xtask(&s, &["--check", "--target", "js"])
        .assert()
        .success()
        .stdout(predicate::str::contains("4,096"))
        .stdout(predicate::str::contains("1,000,000"))
        .stdout(predicate::str::contains("+96")) // raw 4,096 against the recorded 4,000
        .stdout(predicate::str::contains("new")) // vm-js has nothing recorded
        .stdout(predicate::str::contains(
            "wasm-size check passed: 2 artifact(s)",
        ))
        .stdout(predicate::str::contains("OVER").not());
}

#[test]
fn without_check_over_budget_only_warns() {
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let s = setup(FAKE_OK, 1000);
    xtask(&s, &["--target", "wasi"])
        .assert()
        .success()
        .stdout(predicate::str::contains("wasi is over budget"));
    assert_eq!(calls(s.dir.path()).lines().count(), 1);
}

#[test]
fn a_failed_build_fails_the_check_with_its_message() {
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let s = setup(FAKE_FAIL, 1_000_000);
    xtask(&s, &["--check"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "build failed: wasm-pack failed (exit status 1)",
        ))
        .stdout(predicate::str::contains(
            "error: linking with rust-lld failed",
        ))
        .stderr(predicate::str::contains(
            "wasi: build failed: wasm-pack failed (exit status 1)",
        ))
        .stderr(predicate::str::contains(
            "js: build failed: wasm-pack failed",
        ));
}

#[test]
fn record_rewrites_the_budgets_file() {
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let s = setup(FAKE_OK, 1_000_000);
    xtask(&s, &["--record", "--target", "vm-js"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "recorded the sizes of 1 artifact(s)",
        ));
    let text = std::fs::read_to_string(&s.budgets).unwrap();
    assert!(text.starts_with("# test budgets\n"), "{text}");
    assert!(text.contains("name = \"js\"    # the full build"), "{text}");
    // The js artifact was not built: its numbers stay.
    assert!(text.contains("raw = 4000\ngzip = 4200\n"), "{text}");
    // vm-js got a recorded table with the fake's 4,096 raw bytes.
    assert!(text.contains("[artifact.recorded]\nraw = 4096\n"), "{text}");
    assert!(!text.contains(".tmp"));
}

#[test]
fn usage_errors_exit_with_2() {
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let s = setup(FAKE_OK, 1000);
    xtask(&s, &["--target", "deno"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown --target `deno`"));
    xtask(&s, &["--frobnicate"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown argument `--frobnicate`"));
    assert_eq!(calls(s.dir.path()), "", "nothing was built");
}

#[test]
fn a_broken_budgets_file_is_an_error() {
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let s = setup(FAKE_OK, 1000);
    std::fs::write(&s.budgets, "[[artifact]]\nname = \"web\"\n").unwrap();
    xtask(&s, &["--check"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("budgets.toml"))
        .stderr(predicate::str::contains("`target` (a string) is missing"));
}
