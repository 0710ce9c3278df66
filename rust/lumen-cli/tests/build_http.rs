//! `lumen build --target wasm --wasm-target http app.lm.md` (issue 12 item 2): the same
//! handler check and usage errors as `--wasm-target worker` (exit 2, nothing written),
//! compile errors (exit 1), and the one file written: `DIR/<name>.wasm`, a valid
//! `wasi:http/proxy` component (it exports `wasi:http/incoming-handler` and imports
//! nothing beyond the proxy world), rebuilt from the runtime cache with no Rust compiled
//! when only the program changed. `tests/wasm/hosts/edge_http.test.mjs` serves one with
//! `wasmtime serve`.
#![cfg(feature = "build")]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const HANDLER: &str = "# Api\n\n```lumen\nimport std.http: Request, Response\n\npub cell handle(req: Request) -> Response\n  Response(status: 200, body: req.path)\nend\n```\n";

/// `lumen build --target wasm --wasm-target http [program] --out-dir out` in `dir`.
fn build(dir: &Path, program: Option<&str>, extra: &[&str]) -> std::process::Output {
    let mut cmd = Command::cargo_bin("lumen").expect("the lumen binary");
    cmd.current_dir(dir)
        .args(["build", "--target", "wasm", "--wasm-target", "http"])
        .args(program)
        .args(["--out-dir", "out"])
        .args(extra)
        .arg("--manifest-path")
        .arg(root().join("Cargo.toml"));
    cmd.output().expect("lumen build")
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The names of a component's top-level imports and exports (instances and functions).
fn component_interface(wasm: &[u8]) -> (Vec<String>, Vec<String>) {
    assert!(wasmparser::Parser::is_component(wasm), "not a component");
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(wasm)
        .expect("a valid component");
    let (mut imports, mut exports) = (Vec::new(), Vec::new());
    let mut depth = 0usize;
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload.expect("parses") {
            wasmparser::Payload::ModuleSection { .. }
            | wasmparser::Payload::ComponentSection { .. } => depth += 1,
            wasmparser::Payload::End(_) => depth = depth.saturating_sub(1),
            wasmparser::Payload::ComponentImportSection(s) if depth == 0 => {
                for i in s {
                    imports.push(i.expect("an import").name.0.to_string());
                }
            }
            wasmparser::Payload::ComponentExportSection(s) if depth == 0 => {
                for e in s {
                    exports.push(e.expect("an export").name.0.to_string());
                }
            }
            _ => {}
        }
    }
    (imports, exports)
}

#[test]
fn issue12_item2_an_http_component_needs_a_program_with_the_handle_cell() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let o = build(d, None, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--wasm-target http builds a program"),
        "{}",
        stderr(&o)
    );
    let cases = [
        (
            "none.lm.md",
            "```lumen\npub cell main() -> Int\n  1\nend\n```\n",
            "`none.lm.md` has no `pub cell handle(req: Request) -> Response`",
        ),
        (
            "wrong.lm.md",
            "```lumen\nimport std.http: Request, Response\npub cell handle(req: Request, n: Int) -> Response\n  Response(status: n)\nend\n```\n",
            "is `handle(req: Request, n: Int) -> Response`; an HTTP component needs",
        ),
        (
            "own.lm.md",
            "```lumen\nrecord Request\n  path: String\nend\nrecord Response\n  status: Int\nend\npub cell handle(req: Request) -> Response\n  Response(status: 200)\nend\n```\n",
            "`Request` in `own.lm.md` is not the `Request` of `std.http`",
        ),
    ];
    for (file, src, message) in cases {
        std::fs::write(d.join(file), src).expect("write");
        let o = build(d, Some(file), &[]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{file}: {err}");
        assert!(err.contains(message), "{file}: {err}");
        assert!(!d.join("out").exists(), "{file}: nothing is written");
    }
    // A compile error: exit 1, nothing written.
    std::fs::write(
        d.join("bad.lm.md"),
        "```lumen\nimport std.http: Request, Response\npub cell handle(req: Request) -> Response\n  Response(status: \"200\")\nend\n```\n",
    )
    .expect("write");
    let o = build(d, Some("bad.lm.md"), &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("E0300"), "{}", stderr(&o));
    assert!(!d.join("out").exists());
}

#[test]
fn issue12_item2_the_http_build_writes_one_proxy_component_and_rebuilds_without_rust() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(d.join("my_api.lm.md"), HANDLER).expect("write");
    let o = build(d, Some("my_api.lm.md"), &["--message-format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = d.join("out");
    let files: Vec<String> = std::fs::read_dir(&out)
        .expect("out")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name != ".lumen-build")
        .collect();
    assert_eq!(files, ["my_api.wasm"]);
    let wasm = std::fs::read(out.join("my_api.wasm")).expect("the component");
    let (imports, exports) = component_interface(&wasm);
    assert!(
        exports
            .iter()
            .any(|e| e.starts_with("wasi:http/incoming-handler@0.2")),
        "{exports:?}"
    );
    for i in &imports {
        let allowed = [
            "wasi:http/",
            "wasi:io/",
            "wasi:clocks/",
            "wasi:random/",
            "wasi:cli/stdout",
            "wasi:cli/stderr",
            "wasi:cli/stdin",
        ];
        assert!(
            allowed.iter().any(|a| i.starts_with(a)),
            "{i} is not in the wasi:http/proxy world: {imports:?}"
        );
    }
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON summary");
    assert_eq!(summary["status"], "built");
    assert_eq!(summary["target"], "http");
    assert_eq!(summary["wasm"]["path"], "my_api.wasm");

    // Only the program changes: the runtime comes from the cache, no Rust is compiled.
    std::fs::write(
        d.join("my_api.lm.md"),
        HANDLER.replace("body: req.path", "body: \"changed\""),
    )
    .expect("write");
    let o = build(d, Some("my_api.lm.md"), &["--message-format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON summary");
    let steps: Vec<&str> = summary["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert!(steps.contains(&"cache"), "{steps:?}");
    assert!(!steps.contains(&"cargo"), "{steps:?}");
    assert_ne!(
        std::fs::read(out.join("my_api.wasm")).expect("the component"),
        wasm,
        "the new program is in it"
    );
    eprintln!("program-only http rebuild: {} ms", summary["elapsed_ms"]);
}
