//! End-to-end tests of the `lumen` command: exit codes, `check` formats, `emit` and binary
//! LIR, arguments, imports, limits and tools.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

fn lumen() -> Command {
    let mut cmd = Command::cargo_bin("lumen").expect("the lumen binary is built");
    cmd.timeout(std::time::Duration::from_secs(60));
    cmd
}

/// Writes `files` (name, text) into a fresh directory.
fn project(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, text).expect("write");
    }
    dir
}

fn path(dir: &TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

const HELLO: &str = "cell main()\n  print(\"hello\")\n  print(1 + 2)\nend\n";
const VALUE: &str = "cell main() -> Int\n  print(\"first\")\n  40 + 2\nend\n";
const TYPE_ERROR: &str = "cell main() -> Int\n  let x: Int = \"text\"\n  x\nend\n";

#[test]
fn version_and_help() {
    lumen()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::contains(env!("CARGO_PKG_VERSION")));
    lumen()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("run").and(predicate::str::contains("check")));
}

#[test]
fn issue11_newuser_item4_help_names_every_command() {
    let out = lumen().arg("--help").output().expect("lumen runs");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("run, check, emit, build"), "{help}");
}

#[test]
fn usage_errors_exit_2() {
    lumen().assert().code(2);
    lumen()
        .args(["run", "--bogus-flag", "x.lm"])
        .assert()
        .code(2);
    lumen().args(["frobnicate"]).assert().code(2);
    lumen()
        .args(["check", "--format", "xml", "x.lm"])
        .assert()
        .code(2);
}

#[test]
fn missing_file_exits_2() {
    let dir = project(&[]);
    for sub in ["run", "check", "emit"] {
        lumen()
            .arg(sub)
            .arg(path(&dir, "nope.lm"))
            .assert()
            .code(2)
            .stderr(predicate::str::contains("nope.lm"));
    }
}

#[test]
fn run_prints_output_then_value() {
    let dir = project(&[("hello.lm", HELLO), ("value.lm", VALUE)]);
    lumen()
        .arg("run")
        .arg(path(&dir, "hello.lm"))
        .assert()
        .success()
        .stdout("hello\n3\n");
    lumen()
        .arg("run")
        .arg(path(&dir, "value.lm"))
        .assert()
        .success()
        .stdout("first\n42\n");
}

#[test]
fn run_markdown_program() {
    let md =
        "# Title\n\nProse.\n\n```lumen\ncell main() -> String\n  \"from markdown\"\nend\n```\n";
    let dir = project(&[("prog.lm.md", md)]);
    lumen()
        .arg("run")
        .arg(path(&dir, "prog.lm.md"))
        .assert()
        .success()
        .stdout("from markdown\n");
}

#[test]
fn compile_error_exits_1_with_location_and_caret() {
    let dir = project(&[("bad.lm", TYPE_ERROR)]);
    lumen()
        .current_dir(dir.path())
        .args(["run", "bad.lm"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            predicate::str::contains("error[E0")
                .and(predicate::str::contains("bad.lm:2:"))
                .and(predicate::str::contains("^")),
        );
}

#[test]
fn runtime_error_exits_1_with_code_and_line() {
    let src = "cell main()\n  print(\"before\")\n  halt(\"boom\")\nend\n";
    let dir = project(&[("halt.lm", src)]);
    lumen()
        .current_dir(dir.path())
        .args(["run", "halt.lm"])
        .assert()
        .code(1)
        .stdout("before\n")
        .stderr(
            predicate::str::contains("error[E0905]")
                .and(predicate::str::contains("boom"))
                .and(predicate::str::contains("--> halt.lm:3")),
        );
}

#[test]
fn check_human_format() {
    let dir = project(&[("bad.lm", TYPE_ERROR), ("good.lm", HELLO)]);
    lumen()
        .current_dir(dir.path())
        .args(["check", "good.lm"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "checked 1 file: 0 errors, 0 warnings",
        ));
    lumen()
        .current_dir(dir.path())
        .args(["check", "good.lm", "bad.lm"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("error[E0")
                .and(predicate::str::contains("--> bad.lm:2:"))
                .and(predicate::str::contains("let x: Int = \"text\""))
                .and(predicate::str::contains("^"))
                .and(predicate::str::contains("checked 2 files: 1 error")),
        );
}

#[test]
fn check_json_format() {
    let two_errors = "cell main()\n  let a: Int = \"s\"\n  undefined_name(1)\nend\n";
    let dir = project(&[
        ("bad.lm", TYPE_ERROR),
        ("two.lm", two_errors),
        ("good.lm", HELLO),
    ]);
    let out = lumen()
        .current_dir(dir.path())
        .args(["check", "--format", "json", "bad.lm", "good.lm", "two.lm"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    let items = value.as_array().expect("an array");
    assert!(items.len() >= 3, "{value}");
    for item in items {
        let obj = item.as_object().expect("objects");
        let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["code", "column", "file", "line", "message", "severity"],
            "{item}"
        );
        assert!(obj["code"]
            .as_str()
            .is_some_and(|c| c.starts_with('E') || c.starts_with('W')));
        assert!(obj["line"].as_u64().is_some_and(|l| l >= 1));
        assert!(obj["column"].as_u64().is_some_and(|c| c >= 1));
        assert!(matches!(
            obj["severity"].as_str(),
            Some("error" | "warning")
        ));
    }
    let files: Vec<&str> = items.iter().filter_map(|i| i["file"].as_str()).collect();
    assert!(
        files.contains(&"bad.lm") && files.contains(&"two.lm"),
        "{files:?}"
    );
    let two: Vec<u64> = items
        .iter()
        .filter(|i| i["file"] == "two.lm")
        .filter_map(|i| i["line"].as_u64())
        .collect();
    assert_eq!(two, [2, 3], "both errors of two.lm are reported");

    let ok = lumen()
        .current_dir(dir.path())
        .args(["check", "--format", "json", "good.lm"])
        .output()
        .expect("runs");
    assert_eq!(ok.status.code(), Some(0));
    let value: serde_json::Value = serde_json::from_slice(&ok.stdout).expect("JSON");
    assert_eq!(value, serde_json::json!([]));
}

#[test]
fn check_warns_about_unknown_tools() {
    let src = "use tool nope.missing as Nope\n\ncell main()\n  print(1)\nend\n";
    let dir = project(&[("w.lm", src)]);
    let out = lumen()
        .current_dir(dir.path())
        .args(["check", "--format", "json", "w.lm"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(value[0]["code"], "W0001", "{value}");
    assert_eq!(value[0]["severity"], "warning");
}

#[test]
fn emit_json_and_binary_round_trip() {
    let dir = project(&[("value.lm", VALUE)]);
    let src = path(&dir, "value.lm");
    let json = lumen().arg("emit").arg(&src).output().expect("runs");
    assert!(json.status.success());
    let lir: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON LIR");
    assert!(lir["functions"].is_array(), "{lir}");

    let lmb = path(&dir, "value.lmb");
    lumen()
        .arg("emit")
        .arg(&src)
        .args(["--format", "binary", "-o"])
        .arg(&lmb)
        .assert()
        .success()
        .stdout("");
    let bytes = std::fs::read(&lmb).expect("written");
    assert!(bytes.starts_with(b"LMB\0"));
    lumen()
        .arg("run")
        .arg(&lmb)
        .assert()
        .success()
        .stdout("first\n42\n");

    // The magic decides, not the extension.
    let renamed = path(&dir, "program.bin");
    std::fs::copy(&lmb, &renamed).expect("copy");
    lumen()
        .arg("run")
        .arg(&renamed)
        .assert()
        .success()
        .stdout("first\n42\n");

    // Binary to a pipe is allowed; it is the same bytes.
    let piped = lumen()
        .arg("emit")
        .arg(&src)
        .args(["--format", "binary"])
        .output()
        .expect("runs");
    assert!(piped.status.success());
    assert_eq!(piped.stdout, bytes);

    // Binary LIR back to JSON.
    let back = lumen().arg("emit").arg(&lmb).output().expect("runs");
    assert_eq!(back.stdout, json.stdout);

    // Without --format, `-o *.lmb` means binary and any other name JSON.
    let implied = path(&dir, "implied.lmb");
    lumen()
        .arg("emit")
        .arg(&src)
        .arg("-o")
        .arg(&implied)
        .assert()
        .success();
    assert_eq!(std::fs::read(&implied).expect("written"), bytes);
    let implied_json = path(&dir, "implied.json");
    lumen()
        .arg("emit")
        .arg(&src)
        .arg("-o")
        .arg(&implied_json)
        .assert()
        .success();
    assert_eq!(std::fs::read(&implied_json).expect("written"), json.stdout);
}

#[test]
fn emit_json_to_file_and_failed_emit_leaves_nothing() {
    let dir = project(&[("value.lm", VALUE), ("bad.lm", TYPE_ERROR)]);
    let out = path(&dir, "out.json");
    lumen()
        .arg("emit")
        .arg(path(&dir, "value.lm"))
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).expect("written");
    assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok());

    let failed = path(&dir, "bad.lmb");
    lumen()
        .arg("emit")
        .arg(path(&dir, "bad.lm"))
        .args(["--format", "binary", "-o"])
        .arg(&failed)
        .assert()
        .code(1);
    assert!(!failed.exists());

    let nowhere = path(&dir, "missing/dir/x.lmb");
    lumen()
        .arg("emit")
        .arg(path(&dir, "value.lm"))
        .args(["--format", "binary", "-o"])
        .arg(&nowhere)
        .assert()
        .code(2);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".lumen-emit-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

fn assert_clean_failure(file: &Path) {
    let out = lumen().arg("run").arg(file).output().expect("runs");
    let code = out.status.code();
    assert!(matches!(code, Some(1) | Some(2)), "exit {code:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("internal error"), "{stderr}");
    assert!(stderr.contains("error"), "{stderr}");
}

#[test]
fn corrupted_binary_is_a_clean_error() {
    let dir = project(&[("value.lm", VALUE)]);
    let lmb = path(&dir, "value.lmb");
    lumen()
        .arg("emit")
        .arg(path(&dir, "value.lm"))
        .args(["--format", "binary", "-o"])
        .arg(&lmb)
        .assert()
        .success();
    let bytes = std::fs::read(&lmb).expect("read");

    let truncated = path(&dir, "truncated.lmb");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).expect("write");
    assert_clean_failure(&truncated);

    let only_magic = path(&dir, "magic.lmb");
    std::fs::write(&only_magic, b"LMB\0").expect("write");
    assert_clean_failure(&only_magic);

    // Flip every byte after the magic, one file at a time would be slow: flip a spread.
    for (i, step) in [(4usize, 7usize), (9, 13), (17, 5)].iter().enumerate() {
        let mut broken = bytes.clone();
        let mut k = step.0;
        while k < broken.len() {
            broken[k] ^= 0xA5;
            k += step.1;
        }
        let f = path(&dir, &format!("broken{i}.lmb"));
        std::fs::write(&f, &broken).expect("write");
        let out = lumen().arg("run").arg(&f).output().expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("panicked") && !stderr.contains("internal error"),
            "{stderr}"
        );
        assert_ne!(out.status.code(), Some(3));
    }
}

#[test]
fn unknown_cell_is_an_error() {
    let dir = project(&[("hello.lm", HELLO)]);
    lumen()
        .arg("run")
        .arg(path(&dir, "hello.lm"))
        .args(["--cell", "nothere"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            predicate::str::contains("E0311")
                .and(predicate::str::contains("nothere"))
                .and(predicate::str::contains("main"))
                .and(predicate::str::contains("hello.lm")),
        );
}

#[test]
fn other_cell_and_arguments_reach_the_program() {
    let src = "cell main(n: Int, name: String, ratio: Float, loud: Bool)\n  print(\"{name} {n * 2} {ratio} {loud}\")\nend\n\ncell all(args: list[String]) -> Int\n  len(args)\nend\n";
    let dir = project(&[("args.lm", src)]);
    lumen()
        .arg("run")
        .arg(path(&dir, "args.lm"))
        .args(["--", "21", "ann", "2", "true"])
        .assert()
        .success()
        .stdout("ann 42 2.0 true\n");
    lumen()
        .arg("run")
        .arg(path(&dir, "args.lm"))
        .args(["--cell", "all", "--", "a", "b", "--c"])
        .assert()
        .success()
        .stdout("3\n");
    lumen()
        .arg("run")
        .arg(path(&dir, "args.lm"))
        .args(["--", "x", "ann", "2", "true"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("E0913").and(predicate::str::contains("n: Int")));
    lumen()
        .arg("run")
        .arg(path(&dir, "args.lm"))
        .args(["--", "1"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("takes 4 arguments"));
}

#[test]
fn imports_between_files() {
    let lib = "cell double(x: Int) -> Int\n  x * 2\nend\n";
    let util =
        "# Utilities\n\n```lumen\ncell greet(name: String) -> String\n  \"hi {name}\"\nend\n```\n";
    let main = "import lib: double\nimport tools.util: greet\n\ncell main()\n  print(double(21))\n  print(greet(\"bo\"))\nend\n";
    let dir = project(&[
        ("lib.lm", lib),
        ("tools/util.lm.md", util),
        ("main.lm", main),
    ]);
    lumen()
        .arg("run")
        .arg(path(&dir, "main.lm"))
        .assert()
        .success()
        .stdout("42\nhi bo\n");
    // Relative to the importing file, not the working directory.
    lumen()
        .current_dir(path(&dir, "tools"))
        .args(["run", "../main.lm"])
        .assert()
        .success()
        .stdout("42\nhi bo\n");
}

#[test]
fn import_errors() {
    let a = "import b: fb\n\ncell fa() -> Int\n  1\nend\n\ncell main()\n  print(fb())\nend\n";
    let b = "import a: fa\n\ncell fb() -> Int\n  fa()\nend\n";
    let missing = "import nowhere: x\n\ncell main()\n  print(1)\nend\n";
    let dir = project(&[("a.lm", a), ("b.lm", b), ("missing.lm", missing)]);
    lumen()
        .current_dir(dir.path())
        .args(["run", "a.lm"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("E0204"));
    lumen()
        .current_dir(dir.path())
        .args(["check", "./a.lm"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("E0204"));
    lumen()
        .current_dir(dir.path())
        .args(["run", "missing.lm"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("E0203").and(predicate::str::contains("nowhere")));
}

#[test]
fn fuel_and_depth_limits() {
    let spin = "cell main()\n  let mut i = 0\n  while true\n    i += 1\n  end\nend\n";
    let deep =
        "cell down(n: Int) -> Int\n  down(n + 1) + 1\nend\n\ncell main() -> Int\n  down(0)\nend\n";
    let dir = project(&[("spin.lm", spin), ("deep.lm", deep)]);
    lumen()
        .arg("run")
        .arg(path(&dir, "spin.lm"))
        .args(["--fuel", "10000"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("E0910"));
    lumen()
        .current_dir(dir.path())
        .args(["run", "deep.lm", "--max-depth", "50"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("E0909").and(predicate::str::contains("deep.lm:2")));
    lumen()
        .current_dir(dir.path())
        .args(["run", "deep.lm"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("E0909"));
}

#[test]
fn tools_and_grants() {
    let echo = "use tool echo.upper as Shout\n\ncell main() -> Json\n  Shout(text: \"hey\")[\"text\"]\nend\n";
    let ungranted =
        "use tool fs.read as Read\n\ncell main()\n  print(Read(path: \"secret.txt\"))\nend\n";
    let granted = "use tool fs.read as Read\ngrant Read path \"data\"\n\ncell main()\n  print(Read(path: \"data/note.txt\")[\"text\"])\n  print(Read(path: \"data/../secret.txt\"))\nend\n";
    let dir = project(&[
        ("echo.lm", echo),
        ("ungranted.lm", ungranted),
        ("granted.lm", granted),
        ("secret.txt", "s3cret"),
        ("data/note.txt", "a note"),
    ]);
    lumen()
        .current_dir(dir.path())
        .args(["run", "echo.lm"])
        .assert()
        .success()
        .stdout("HEY\n");
    lumen()
        .current_dir(dir.path())
        .args(["run", "ungranted.lm"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            predicate::str::contains(
                "error[E0907]: tool Read (fs.read): this tool requires a `path` grant",
            )
            .and(predicate::str::contains("ungranted.lm:4")),
        );
    lumen()
        .current_dir(dir.path())
        .args(["run", "granted.lm"])
        .assert()
        .code(1)
        .stdout("a note\n")
        .stderr(
            predicate::str::contains(
                "error[E0907]: tool Read (fs.read): grant path denies `data/../secret.txt` (allowed: data)",
            )
            .and(predicate::str::contains("granted.lm:6"))
                .and(predicate::str::contains("s3cret").not()),
        );
}

#[test]
fn unknown_tool_lists_the_provided_ones() {
    let src = "use tool nope.missing as Nope\n\ncell main()\n  print(Nope(x: 1))\nend\n";
    let dir = project(&[("t.lm", src)]);
    lumen()
        .current_dir(dir.path())
        .args(["run", "t.lm"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("W0001")
                .and(predicate::str::contains("E0908"))
                .and(predicate::str::contains("nope.missing"))
                .and(predicate::str::contains("echo.upper")),
        );
}

#[test]
fn invalid_utf8_source_is_a_diagnostic() {
    let dir = project(&[]);
    let f = path(&dir, "bin.lm");
    std::fs::write(&f, [b'c', 0xff, 0xfe, b'\n']).expect("write");
    lumen()
        .arg("check")
        .arg(&f)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("E0001"));
}
