//! `lumen build --target wasm --debug-info` (issue 14 item 3): a debug build of the runtime
//! keeps DWARF (`.debug_info`, `.debug_line`, ...) and the names section, so that Chrome
//! DevTools (C/C++ DevTools Support) and `wasmtime run -D debug-info` with gdb or lldb show
//! the Rust sources of the VM. Real builds with the real tools: wasm-pack and wasm-bindgen
//! for `js`, cargo for `wasi`, Node.js and Wasmtime to run them (`cargo xtask test-wasm`
//! installs Wasmtime). The release build's lack of DWARF is checked in `tests/build.rs`.

use std::path::Path;

#[path = "support/tools.rs"]
mod tools;
use tools::{lumen, manifest, wasmtime};

/// `lumen build --target wasm --debug-info --wasm-target TARGET --out-dir OUT` in `dir`;
/// asserts success and returns the JSON summary.
fn build_debug_info(dir: &Path, target: &str, out: &str) -> serde_json::Value {
    let built = lumen()
        .current_dir(dir)
        .args(["build", "--target", "wasm", "--debug-info", "--wasm-target"])
        .args([
            target,
            "--out-dir",
            out,
            "--message-format",
            "json",
            "--quiet",
        ])
        .arg("--manifest-path")
        .arg(manifest())
        .timeout(std::time::Duration::from_secs(3000))
        .output()
        .expect("lumen runs");
    let stdout = String::from_utf8_lossy(&built.stdout).into_owned();
    assert!(
        built.status.success(),
        "the {target} --debug-info build failed: {stdout}\n{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let summary: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(summary["status"], "built", "{summary}");
    summary
}

/// The custom sections of a core module, name and contents, read with wasmparser (which
/// also checks the module's structure on the way).
fn custom_sections(wasm: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let wasmparser::Payload::CustomSection(c) = payload.expect("a well-formed module") {
            out.push((c.name().to_string(), c.data().to_vec()));
        }
    }
    out
}

/// Asserts that `wasm` has DWARF for the VM's Rust sources and a names section naming the
/// VM's functions, and validates it.
fn assert_debug_info(wasm: &[u8], what: &str) {
    wasmparser::Validator::new()
        .validate_all(wasm)
        .unwrap_or_else(|e| panic!("{what} does not validate: {e}"));
    let sections = custom_sections(wasm);
    let names: Vec<&str> = sections.iter().map(|(n, _)| n.as_str()).collect();
    for want in [".debug_info", ".debug_line", ".debug_abbrev", "name"] {
        assert!(names.contains(&want), "{what} has no {want}: {names:?}");
    }
    let has = |section: &str, text: &str| {
        sections.iter().any(|(n, data)| {
            n.starts_with(section) && data.windows(text.len()).any(|w| w == text.as_bytes())
        })
    };
    // The VM's sources are among those the line tables name (relative to the workspace,
    // the compilation directory), and the VM's functions are in the names section.
    for text in ["rust/lumen-vm/src", "dispatch.rs"] {
        assert!(
            has(".debug_", text),
            "{what}: the DWARF does not name {text}"
        );
    }
    assert!(
        has("name", "lumen_vm"),
        "{what}: the names section names no lumen_vm function"
    );
}

#[test]
fn issue14_item3_a_wasi_debug_info_build_keeps_dwarf_and_runs_under_wasmtime_with_debug_info() {
    let work = tempfile::tempdir().unwrap();
    let summary = build_debug_info(work.path(), "wasi", "pkg-wasi-debug");
    assert_eq!(summary["wasm"]["path"], "lumen.wasm");
    let wasm_path = work.path().join("pkg-wasi-debug/lumen.wasm");
    let wasm = std::fs::read(&wasm_path).unwrap();
    assert_debug_info(&wasm, "the wasi --debug-info lumen.wasm");

    // Wasmtime compiles the module with its DWARF translated for native debuggers
    // (`-D debug-info`, what gdb and lldb read) and runs a program with it.
    std::fs::write(
        work.path().join("app.lm.md"),
        "# App\n\n```lumen\ncell twice(n: Int) -> Int\n  n * 2\nend\n\ncell main() -> Int\n  let x = twice(21)\n  print(\"debugging {x}\")\n  x\nend\n```\n",
    )
    .unwrap();
    let run = std::process::Command::new(wasmtime())
        .current_dir(work.path())
        .args(["run", "-D", "debug-info", "--dir", "."])
        .arg(&wasm_path)
        .args(["run", "app.lm.md"])
        .output()
        .expect("wasmtime runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "wasmtime -D debug-info failed ({}):\n{stdout}\n{}",
        run.status,
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(stdout, "debugging 42\n42\n");
}

#[test]
fn issue14_item3_a_js_debug_info_package_keeps_dwarf_in_both_glues_and_runs_in_node() {
    let work = tempfile::tempdir().unwrap();
    build_debug_info(work.path(), "js", "pkg-debug");
    let pkg = work.path().join("pkg-debug");
    let wasm = std::fs::read(pkg.join("lumen_wasm_bg.wasm")).unwrap();
    assert_debug_info(&wasm, "the js --debug-info lumen_wasm_bg.wasm");

    // Both glues (ESM for browsers, CommonJS for `require`) load the DWARF-carrying module.
    let script = "const l = require(process.argv[1]);\
        l.run('cell main() -> Int\\n  print(\"hi\")\\n  return 40 + 2\\nend\\n')\
         .then(r => console.log(JSON.stringify({d: r.display, o: r.output})));";
    let out = std::process::Command::new("node")
        .args(["-e", script])
        .arg(&pkg)
        .output()
        .expect("node runs (scripts/test-all.sh installs Node.js)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).unwrap();
    assert_eq!(r["d"], "42");
    assert_eq!(r["o"][0], "hi");
}

#[test]
fn issue14_item3_debug_info_is_refused_for_programs_whose_runtime_is_rewritten() {
    let work = tempfile::tempdir().unwrap();
    std::fs::write(
        work.path().join("app.lm.md"),
        "```lumen\ncell main() -> Int\n  1\nend\n```\n",
    )
    .unwrap();
    for target in ["wasi", "component", "http"] {
        let out = lumen()
            .current_dir(work.path())
            .args(["build", "--target", "wasm", "--debug-info", "--wasm-target"])
            .args([target, "app.lm.md", "--out-dir", "dist"])
            .arg("--manifest-path")
            .arg(manifest())
            .output()
            .expect("lumen runs");
        assert_eq!(out.status.code(), Some(2), "{target}: a usage error");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("--debug-info is not available"),
            "{target}: {stderr}"
        );
        assert!(
            !work.path().join("dist").exists(),
            "{target}: nothing built"
        );
    }
}
