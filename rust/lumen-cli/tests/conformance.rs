//! Golden tests: `lumen run` on every program in `tests/conformance/`, `tests/programs/`,
//! `tests/bench/programs/` (whose expectations live in `tests/bench/expected/`) and
//! `examples/`.
//!
//! For a program `NAME.lm` or `NAME.lm.md`:
//! - `NAME.out` — standard output must equal it exactly (absent: empty output);
//! - `NAME.err` — the run must exit with status 1 and standard error must contain every
//!   non-empty line of it; without `NAME.err` the exit status must be 0;
//! - `NAME.args` (optional) — whitespace-separated arguments passed after `--`.
//!
//! A program with neither `.out` nor `.err` is a helper module imported by others and is not
//! run. Programs run with the program's directory as working directory and the bare file
//! name, as a user would type it. All failures are reported together, each with its name.
//!
//! `BLESS=1 cargo test -p lumen-cli --test conformance` rewrites the expected files of the
//! programs that fail (`.out` with the new standard output; `.err` with the `error[…]` and
//! `-->` lines of the new standard error, or removed when the run now succeeds) — except in
//! `tests/conformance/`, a verbatim copy of `../shared/conformance/` that is never blessed.
//! A run that crashed, timed out or hit an internal error is never blessed.

#[path = "support/bless.rs"]
mod bless;

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The repository root (`rust/lumen-cli/../..`).
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("..")
}

/// `NAME` of `NAME.lm` / `NAME.lm.md`, or `None` for other files.
fn stem(file_name: &str) -> Option<&str> {
    file_name
        .strip_suffix(".lm.md")
        .or_else(|| file_name.strip_suffix(".lm"))
}

/// Every program in `dir`, sorted by file name.
fn programs(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| stem(n).is_some())
        .collect();
    names.sort();
    names
}

fn read_opt(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// What a blessed `.err` holds: the trimmed header and location lines of `stderr`.
fn err_fragments(stderr: &str) -> String {
    stderr
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("error[") || l.starts_with("warning[") || l.starts_with("--> "))
        .map(|l| format!("{}\n", l.trim_start_matches("--> ")))
        .collect()
}

/// Rewrites the expected files of `name` in `expected` for a run that ended with `status`
/// (0 or 1), `stdout` and `stderr`.
fn bless_program(
    expected: &Path,
    name: &str,
    status: i32,
    stdout: &str,
    stderr: &str,
) -> Result<(), String> {
    let out_path = expected.join(format!("{name}.out"));
    let err_path = expected.join(format!("{name}.err"));
    let want_out = read_opt(&out_path).unwrap_or_default();
    if want_out != stdout {
        let keep = !(stdout.is_empty() && status == 1);
        bless::write(&out_path, keep.then_some(stdout))?;
    } else if status == 0 && !out_path.exists() {
        // Neither `.out` nor `.err` would make it a helper module.
        bless::write(&out_path, Some(""))?;
    }
    if status == 0 {
        return bless::write(&err_path, None);
    }
    let fragments_hold = read_opt(&err_path).is_some_and(|err| {
        err.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .all(|f| stderr.contains(f))
    });
    if fragments_hold {
        return Ok(());
    }
    bless::write(&err_path, Some(&err_fragments(stderr)))
}

/// Runs one program; `Err` describes how it failed. With `bless`, a failing program's
/// expected files are rewritten instead (see the module documentation).
fn check_program(dir: &Path, expected: &Path, file: &str, bless: bool) -> Result<bool, String> {
    let name = stem(file).unwrap_or(file);
    let expected_out = read_opt(&expected.join(format!("{name}.out")));
    let expected_err = read_opt(&expected.join(format!("{name}.err")));
    if expected_out.is_none() && expected_err.is_none() {
        return Ok(false);
    }
    let args: Vec<String> = read_opt(&expected.join(format!("{name}.args")))
        .map(|s| s.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    let mut cmd = Command::cargo_bin("lumen").map_err(|e| format!("no lumen binary: {e}"))?;
    cmd.current_dir(dir)
        .arg("run")
        .arg(file)
        .timeout(Duration::from_secs(300));
    if !args.is_empty() {
        cmd.arg("--").args(&args);
    }
    let output = cmd.output().map_err(|e| format!("cannot run lumen: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let mut problems = Vec::new();
    let want_status = if expected_err.is_some() { 1 } else { 0 };
    match output.status.code() {
        Some(code) if code == want_status => {}
        other => problems.push(format!("exit status {other:?}, expected {want_status}")),
    }
    let want_out = expected_out.unwrap_or_default();
    if stdout != want_out {
        problems.push(format!(
            "stdout differs\n--- expected\n{want_out}--- actual\n{stdout}---"
        ));
    }
    if let Some(err) = expected_err {
        for fragment in err.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if !stderr.contains(fragment) {
                problems.push(format!("stderr lacks `{fragment}`"));
            }
        }
    }
    let broken = stderr.contains("internal error") || stderr.contains("panicked");
    if broken {
        problems.push("the run hit an internal error".to_string());
    }
    if problems.is_empty() {
        Ok(true)
    } else if let (true, false, Some(status @ (0 | 1))) = (bless, broken, output.status.code()) {
        bless_program(expected, name, status, &stdout, &stderr)?;
        eprintln!("blessed {name}: {}", problems.join("; "));
        Ok(true)
    } else {
        Err(format!("{}\n--- stderr\n{stderr}---", problems.join("\n")))
    }
}

/// Runs every program of `<folder>` (expectations in `<expected>`), both relative to the
/// repository root; panics with all failures at once. `blessable`: `BLESS=1` may rewrite
/// the expected files.
fn run_folder(folder: &str, expected: &str, require_programs: bool, blessable: bool) {
    let bless = blessable && bless::blessing();
    let dir = repo_root().join(folder);
    let expected_dir = repo_root().join(expected);
    let files = programs(&dir);
    if require_programs {
        assert!(!files.is_empty(), "no programs found in {}", dir.display());
    }
    let mut failures = Vec::new();
    let mut ran = 0;
    for file in &files {
        match check_program(&dir, &expected_dir, file, bless) {
            Ok(true) => ran += 1,
            Ok(false) => eprintln!("{folder}/{file}: no .out or .err, treated as a helper module"),
            Err(why) => {
                ran += 1;
                failures.push(format!("=== {folder}/{file}\n{why}"));
            }
        }
    }
    eprintln!("{folder}: ran {ran} programs, {} failed", failures.len());
    let hint = if blessable {
        bless::hint("conformance")
    } else {
        format!("{folder} is a verbatim copy of ../shared/conformance/: never bless it, fix Lumen or re-copy it")
    };
    assert!(
        failures.is_empty(),
        "{} of {ran} programs in {folder} failed: {}\n{hint}\n\n{}",
        failures.len(),
        failures
            .iter()
            .filter_map(|f| f.lines().next())
            .map(|l| l.trim_start_matches("=== "))
            .collect::<Vec<_>>()
            .join(", "),
        failures.join("\n\n")
    );
}

#[test]
fn conformance_programs() {
    run_folder("tests/conformance", "tests/conformance", true, false);
}

#[test]
fn project_programs() {
    run_folder("tests/programs", "tests/programs", false, true);
}

#[test]
fn benchmark_programs() {
    run_folder("tests/bench/programs", "tests/bench/expected", false, true);
}

#[test]
fn examples() {
    run_folder("examples", "examples", false, true);
}

#[test]
fn stems() {
    assert_eq!(stem("a.lm"), Some("a"));
    assert_eq!(stem("a.lm.md"), Some("a"));
    assert_eq!(stem("a.out"), None);
    assert_eq!(stem("README.md"), None);
}

#[test]
fn harness_detects_failures() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let write = |name: &str, text: &str| std::fs::write(d.join(name), text).expect("write");
    write("good.lm", "cell main()\n  print(\"hi\")\nend\n");
    write("good.out", "hi\n");
    write("wrong_out.lm", "cell main()\n  print(\"hi\")\nend\n");
    write("wrong_out.out", "bye\n");
    write("fails.lm", "cell main()\n  halt(\"boom\")\nend\n");
    write("fails.out", "");
    write(
        "missing_fragment.lm",
        "cell main()\n  halt(\"boom\")\nend\n",
    );
    write("missing_fragment.err", "boom\nnot in stderr\n");
    write(
        "args.lm",
        "cell main(a: Int, b: Int) -> Int\n  a + b\nend\n",
    );
    write("args.args", "2 40\n");
    write("args.out", "42\n");
    write("helper.lm", "cell h() -> Int\n  1\nend\n");

    assert_eq!(check_program(d, d, "good.lm", false), Ok(true));
    assert_eq!(check_program(d, d, "args.lm", false), Ok(true));
    assert_eq!(check_program(d, d, "helper.lm", false), Ok(false));
    let e = check_program(d, d, "wrong_out.lm", false).expect_err("stdout differs");
    assert!(e.contains("stdout differs"), "{e}");
    let e = check_program(d, d, "fails.lm", false).expect_err("exit status");
    assert!(e.contains("exit status Some(1), expected 0"), "{e}");
    let e = check_program(d, d, "missing_fragment.lm", false).expect_err("fragment");
    assert!(e.contains("stderr lacks `not in stderr`"), "{e}");
    assert!(!e.contains("lacks `boom`"), "{e}");
}

#[test]
fn bless_rewrites_only_what_differs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let write = |name: &str, text: &str| std::fs::write(d.join(name), text).expect("write");
    let read = |name: &str| std::fs::read_to_string(d.join(name)).ok();
    write("out.lm", "cell main()\n  print(\"new\")\nend\n");
    write("out.out", "old\n");
    write(
        "now_fails.lm",
        "cell main()\n  print(\"a\")\n  halt(\"boom\")\nend\n",
    );
    write("now_fails.out", "a\n");
    write("stale_err.lm", "cell main()\n  halt(\"boom\")\nend\n");
    write("stale_err.err", "E0905\nnot in stderr\n");
    write("kept_err.lm", "cell main()\n  halt(\"boom\")\nend\n");
    write("kept_err.err", "boom\n");
    write("now_passes.lm", "cell main()\n  print(\"ok\")\nend\n");
    write("now_passes.err", "E0905\n");
    write("compile.lm", "cell main()\n  let x: Int = \"s\"\nend\n");
    write("compile.out", "stale\n");

    // Without bless nothing is written.
    assert!(check_program(d, d, "out.lm", false).is_err());
    assert_eq!(read("out.out").as_deref(), Some("old\n"));

    for file in [
        "out.lm",
        "now_fails.lm",
        "stale_err.lm",
        "kept_err.lm",
        "now_passes.lm",
        "compile.lm",
    ] {
        assert_eq!(check_program(d, d, file, true), Ok(true), "{file}");
        // Blessed files pass as they are.
        assert_eq!(check_program(d, d, file, false), Ok(true), "{file}");
    }
    assert_eq!(read("out.out").as_deref(), Some("new\n"));
    assert_eq!(read("now_fails.out").as_deref(), Some("a\n"));
    assert_eq!(
        read("now_fails.err").as_deref(),
        Some("error[E0905]: boom\nnow_fails.lm:3:3 (in main)\n")
    );
    assert_eq!(
        read("stale_err.err").as_deref(),
        Some("error[E0905]: boom\nstale_err.lm:2:3 (in main)\n")
    );
    assert_eq!(read("kept_err.err").as_deref(), Some("boom\n"));
    assert_eq!(read("now_passes.err"), None);
    assert_eq!(read("now_passes.out").as_deref(), Some("ok\n"));
    assert_eq!(read("compile.out"), None);
    let err = read("compile.err").unwrap_or_default();
    assert!(err.starts_with("error[E0300]: "), "{err}");
    assert!(err.contains("\ncompile.lm:2:16\n"), "{err}");
}

#[test]
fn bless_needs_exactly_bless_1() {
    use std::ffi::OsStr;
    assert!(bless::is_bless(Some(OsStr::new("1"))));
    for other in ["0", "", "yes", "true", "11"] {
        assert!(!bless::is_bless(Some(OsStr::new(other))), "{other}");
    }
    assert!(!bless::is_bless(None));
    assert!(
        bless::hint("conformance").contains("BLESS=1 cargo test -p lumen-cli --test conformance")
    );
}
