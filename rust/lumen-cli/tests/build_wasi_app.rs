//! `lumen build --target wasm --wasm-target wasi app.lm.md` (issue 11 items 0, 1 and 5): a
//! program as one WASI app, embedded into the cached VM-only runtime. Real builds: the
//! first one compiles the runtime (once per target dir and runtime version), later ones
//! reuse it; the apps run under Wasmtime (which must be installed: `cargo xtask test-wasm`
//! installs it).

use std::path::Path;

#[path = "support/tools.rs"]
mod tools;
use tools::{lumen, manifest, wasmtime};

const APP: &str = "# Greeter\n\n```lumen\nuse tool fs.write as WriteFile\ngrant WriteFile path \"out\"\n\ncell main(name: String, times: Int) -> String\n  for i in 0..times\n    print(\"hi {name} #{i}\")\n  end\n  WriteFile(path: \"out/\" ++ name ++ \".txt\", text: upper(name))\n  upper(name)\nend\n```\n";

/// `lumen build --target wasm --wasm-target wasi PROGRAM --out-dir dist` in `dir`, JSON
/// summary; returns (exit code, summary or null, stderr).
fn build(dir: &Path, program: &str) -> (Option<i32>, serde_json::Value, String) {
    let out = lumen()
        .current_dir(dir)
        .args([
            "build",
            "--target",
            "wasm",
            "--wasm-target",
            "wasi",
            program,
        ])
        .args(["--out-dir", "dist", "--message-format", "json", "--quiet"])
        .arg("--manifest-path")
        .arg(manifest())
        .timeout(std::time::Duration::from_secs(1800))
        .output()
        .expect("lumen runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let summary = serde_json::from_str(stdout.trim()).unwrap_or(serde_json::Value::Null);
    (
        out.status.code(),
        summary,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// How many custom sections named `name` the core modules inside the component `wasm` have.
fn core_custom_sections(wasm: &[u8], name: &str) -> usize {
    use wasmparser::Payload;
    // Whether each module or component being read is a core module, innermost last.
    let mut core = Vec::new();
    let mut found = 0;
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload.expect("the component parses") {
            Payload::Version { encoding, .. } => {
                core.push(encoding == wasmparser::Encoding::Module)
            }
            Payload::End(_) => {
                core.pop();
            }
            Payload::CustomSection(section)
                if section.name() == name && core.last() == Some(&true) =>
            {
                found += 1
            }
            _ => {}
        }
    }
    found
}

fn step_names(summary: &serde_json::Value) -> Vec<String> {
    summary["steps"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn issue11_item1_a_program_builds_into_one_wasi_app_and_a_program_only_rebuild_runs_no_cargo() {
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("app.lm.md"), APP).unwrap();
    std::fs::create_dir_all(work.path().join("out")).unwrap();
    let (code, first, stderr) = build(work.path(), "app.lm.md");
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(first["status"], "built");
    assert_eq!(first["program"], "app.lm.md");
    assert_eq!(first["vm_only"], true, "the app runtime has no compiler");
    assert_eq!(first["wasm"]["path"], "app.wasm");
    let app = work.path().join("dist/app.wasm");
    assert_eq!(
        std::fs::metadata(&app).unwrap().len(),
        first["wasm"]["bytes"].as_u64().unwrap()
    );
    let names: Vec<_> = std::fs::read_dir(work.path().join("dist"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != ".lumen-build")
        .collect();
    assert_eq!(names, ["app.wasm"], "only the app, no temporary files");

    // The app runs under Wasmtime like `lumen run app.lm.md -- ARGS`.
    let run = std::process::Command::new(wasmtime())
        .current_dir(work.path())
        .args(["run", "--dir", ".", "dist/app.wasm", "ada", "2"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        "hi ada #0\nhi ada #1\nADA\n",
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(run.status.success());
    assert_eq!(
        std::fs::read_to_string(work.path().join("out/ada.txt")).unwrap(),
        "ADA"
    );

    // Only the program changes: the runtime comes from the cache and no cargo runs (how
    // quick that is, is `cargo xtask bench-build`'s to measure, not a test's).
    std::fs::write(
        work.path().join("app.lm.md"),
        APP.replace("hi {name}", "hello {name}"),
    )
    .unwrap();
    {
        let (code, again, stderr) = build(work.path(), "app.lm.md");
        assert_eq!(code, Some(0), "{stderr}");
        let steps = step_names(&again);
        assert!(steps.contains(&"cache".to_string()), "{steps:?}");
        assert!(
            !steps.iter().any(|s| s == "cargo" || s == "wasm-pack"),
            "no Rust compilation when only the program changed: {steps:?}"
        );
        eprintln!("program-only rebuild: {} ms", again["elapsed_ms"]);
    }
    let run = std::process::Command::new(wasmtime())
        .current_dir(work.path())
        .args(["run", "--dir", ".", "dist/app.wasm", "bo", "1"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&run.stdout), "hello bo #0\nBO\n");
}

#[test]
fn issue11_item1_a_program_with_errors_gives_lumen_check_diagnostics_and_writes_nothing() {
    let work = tempfile::tempdir().unwrap();
    std::fs::write(
        work.path().join("bad.lm"),
        "cell main() -> Int\n  return \"x\"\nend\n",
    )
    .unwrap();
    let (code, summary, stderr) = build(work.path(), "bad.lm");
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(summary["status"], "failed");
    assert_eq!(
        step_names(&summary),
        ["compile"],
        "no cargo, no workspace step"
    );
    let check = lumen()
        .current_dir(work.path())
        .args(["check", "bad.lm"])
        .output()
        .unwrap();
    let check_err = String::from_utf8_lossy(&check.stderr);
    let diagnostic: String = check_err
        .lines()
        .take_while(|l| !l.starts_with("checked "))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(diagnostic.contains("error[E0300]"), "{check_err}");
    assert!(
        stderr.contains(diagnostic.trim_end()),
        "build:\n{stderr}\ncheck:\n{check_err}"
    );
    assert!(!work.path().join("dist").exists(), "nothing is written");
}

#[test]
fn issue11_item1_program_builds_are_for_js_wasi_and_component_only_for_now() {
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("app.lm.md"), APP).unwrap();
    let out = lumen()
        .current_dir(work.path())
        .args([
            "build",
            "--target",
            "wasm",
            "--wasm-target",
            "wasi-http",
            "app.lm.md",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("only `js`, `wasi`, `worker`, `component` and `http`"));
    assert!(!work.path().join("pkg").exists());
    // `--name` is the npm package's; a WASI app is named after its program.
    let out = lumen()
        .current_dir(work.path())
        .args([
            "build",
            "--target",
            "wasm",
            "--wasm-target",
            "wasi",
            "app.lm.md",
        ])
        .args(["--name", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--name names the npm package"));
    assert!(!work.path().join("pkg").exists());
}

/// The release `wasi:http` component (binaryen optimises its core modules one by one,
/// rust/lumen-cli/src/build/optimize.rs) still validates and runs a program under Wasmtime.
/// `cargo xtask wasm-size` measures this same build (same runtime cache entry).
#[test]
fn release_wasi_http_component_is_optimised_and_runs_under_wasmtime() {
    let work = tempfile::tempdir().unwrap();
    let out = lumen()
        .current_dir(work.path())
        .args(["build", "--target", "wasm", "--release"])
        .args(["--wasm-target", "wasi-http", "--out-dir", "pkg"])
        .args(["--message-format", "json", "--quiet", "--manifest-path"])
        .arg(manifest())
        .timeout(std::time::Duration::from_secs(3000))
        .output()
        .expect("lumen runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    let steps = step_names(&summary);
    // binaryen runs when the runtime is built; a later build of the same runtime (this
    // test run again on a warm target dir) copies the optimised files from the cache.
    assert!(
        steps.iter().any(|s| s == "wasm-opt" || s == "cache"),
        "{steps:?}"
    );
    let wasm = std::fs::read(work.path().join("pkg/lumen.wasm")).unwrap();
    assert!(wasmparser::Parser::is_component(&wasm));
    // Either way the core modules went through binaryen: rustc gives every core module a
    // `producers` section, `--strip-producers` removes it (the component keeps its own).
    assert_eq!(
        core_custom_sections(&wasm, "producers"),
        0,
        "a core module was not optimised ({steps:?})"
    );
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(&wasm)
        .expect("the optimised component validates");

    std::fs::write(
        work.path().join("hi.lm.md"),
        "```lumen\ncell main() -> Int\n  print(\"hi \" ++ to_string(6 * 7))\n  42\nend\n```\n",
    )
    .unwrap();
    let run = std::process::Command::new(wasmtime())
        .current_dir(work.path())
        .args([
            "run",
            "-S",
            "http",
            "--dir",
            ".",
            "pkg/lumen.wasm",
            "run",
            "hi.lm.md",
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        "hi 42\n42\n",
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(run.status.success());
}

/// Copies `tests/traces` (the stack-trace fixtures) into `to`.
fn copy_traces(to: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/traces");
    for name in ["app.lm.md", "deep.lm", "lib/checks.lm"] {
        let dest = to.join(name);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(from.join(name), dest).unwrap();
    }
}

#[test]
fn issue14_a_wasi_app_prints_the_lumen_stack_trace_as_lumen_run_does() {
    let work = tempfile::tempdir().unwrap();
    copy_traces(work.path());
    let expected = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/traces");
    for (program, wasm, stderr) in [
        ("app.lm.md", "dist/app.wasm", "app.stderr"),
        ("deep.lm", "dist/deep.wasm", "deep.stderr"),
    ] {
        let (code, _, err) = build(work.path(), program);
        assert_eq!(code, Some(0), "{err}");
        let run = std::process::Command::new(wasmtime())
            .current_dir(work.path())
            .args(["run", wasm])
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(1), "{program}");
        assert_eq!(
            String::from_utf8_lossy(&run.stderr),
            std::fs::read_to_string(expected.join(stderr)).unwrap(),
            "{program}: the WASI app's trace is native `lumen run`'s"
        );
    }
}
