//! `lumen build --target wasm --wasm-target worker app.lm.md` (issue 12 item 2): usage
//! errors for a program without `pub cell handle(req: Request) -> Response` (exit 2,
//! nothing written), compile errors (exit 1, nothing written), and the files of a worker:
//! `worker.js`, `tools.js` (the program's `<stem>.tools.js` when there is one),
//! `wrangler.toml`, `config.capnp`, README and the program package under `app/`, with the
//! runtime from the cache on a rebuild. `tests/wasm/hosts/edge_worker.test.mjs` serves one.
#![cfg(feature = "build")]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const HANDLER: &str = "# Api\n\n```lumen\nimport std.http: Request, Response\n\npub cell handle(req: Request) -> Response\n  Response(status: 200, body: req.path)\nend\n```\n";

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

/// `lumen build --target wasm --wasm-target worker [program] --out-dir out` in `dir`.
fn build(dir: &Path, program: Option<&str>, extra: &[&str]) -> std::process::Output {
    let mut cmd = Command::cargo_bin("lumen").expect("the lumen binary");
    cmd.current_dir(dir)
        .args(["build", "--target", "wasm", "--wasm-target", "worker"])
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

#[test]
fn issue12_item2_a_worker_needs_a_program_with_the_handle_cell() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    // No program at all.
    let o = build(d, None, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--wasm-target worker builds a program"),
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
            "private.lm.md",
            "```lumen\nimport std.http: Request, Response\ncell handle(req: Request) -> Response\n  Response(status: 200)\nend\ncell main() -> Int\n  1\nend\n```\n",
            "exported cells: main",
        ),
        (
            "wrong.lm.md",
            "```lumen\nimport std.http: Request, Response\npub cell handle(req: Request, n: Int) -> Response\n  Response(status: n)\nend\n```\n",
            "is `handle(req: Request, n: Int) -> Response`",
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
        assert!(
            err.contains("import std.http: Request, Response"),
            "{file}: {err}"
        );
        assert!(!d.join("out").exists(), "{file}: nothing is written");
    }
    let mut files = listing(d);
    files.retain(|f| !f.ends_with(".lm.md"));
    assert!(files.is_empty(), "only the programs are there: {files:?}");
}

#[test]
fn issue12_item2_a_compile_error_exits_1_and_keeps_the_old_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(
        d.join("api.lm.md"),
        "```lumen\nimport std.http: Request, Response\npub cell handle(req: Request) -> Response\n  Response(status: \"200\")\nend\n```\n",
    )
    .expect("write");
    std::fs::create_dir(d.join("out")).expect("mkdir");
    std::fs::write(d.join("out/old.txt"), "previous").expect("write");
    let o = build(d, Some("api.lm.md"), &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("E0300") && err.contains("api.lm.md:4"),
        "{err}"
    );
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(listing(&d.join("out")), ["old.txt"]);
}

#[test]
fn issue12_item2_the_worker_directory_holds_the_worker_its_configs_and_the_program_package() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(d.join("my_api.lm.md"), HANDLER).expect("write");
    let o = build(d, Some("my_api.lm.md"), &["--message-format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = d.join("out");
    assert_eq!(
        listing(&out),
        [
            "README.md",
            "app",
            "config.capnp",
            "tools.js",
            "worker.js",
            "wrangler.toml"
        ]
    );
    for f in [
        "app/package.json",
        "app/index.workerd.js",
        "app/index.d.ts",
        "app/runtime/index.workerd.js",
        "app/runtime/lumen_loader.js",
        "app/runtime/lumen_wasm.js",
        "app/runtime/lumen_wasm_bg.wasm",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let worker = std::fs::read_to_string(out.join("worker.js")).expect("worker.js");
    assert!(worker.contains("import { handle, LumenError } from './app/index.workerd.js';"));
    assert!(worker.contains("`my_api.lm.md`"), "the program is named");
    assert!(
        worker.contains("export default {") && worker.contains("async fetch(request, env, ctx)")
    );
    let index = std::fs::read_to_string(out.join("app/index.workerd.js")).expect("entry");
    assert!(
        index.contains("handle"),
        "the program package exports handle"
    );
    let wrangler = std::fs::read_to_string(out.join("wrangler.toml")).expect("wrangler.toml");
    assert!(wrangler.contains("name = \"my-api\"") && wrangler.contains("main = \"worker.js\""));
    let capnp = std::fs::read_to_string(out.join("config.capnp")).expect("config.capnp");
    assert!(capnp.contains("(name = \"worker.js\", esModule = embed \"worker.js\")"));
    assert!(capnp.contains("wasm = embed \"app/runtime/lumen_wasm_bg.wasm\""));
    assert!(std::fs::read_to_string(out.join("tools.js"))
        .expect("tools.js")
        .contains("export default function tools(env, ctx)"));

    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON summary");
    assert_eq!(summary["status"], "built");
    assert_eq!(summary["target"], "worker");
    assert_eq!(summary["package"], "my-api");
    assert_eq!(summary["wasm"]["path"], "app/runtime/lumen_wasm_bg.wasm");

    // With `my_api.tools.js` beside the program, that is tools.js; a rebuild takes the
    // runtime from the cache (no Rust compiled).
    let tools = "export default (env) => ({ 'kv.get': async ({ key }) => key });\n";
    std::fs::write(d.join("my_api.tools.js"), tools).expect("write");
    let o = build(d, Some("my_api.lm.md"), &["--message-format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(out.join("tools.js")).expect("tools.js"),
        tools
    );
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON summary");
    let steps: Vec<&str> = summary["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert!(steps.contains(&"cache"), "{steps:?}");
    assert!(
        !steps.iter().any(|s| *s == "cargo" || *s == "wasm-pack"),
        "{steps:?}"
    );
    eprintln!("program-only worker rebuild: {} ms", summary["elapsed_ms"]);
}

#[test]
fn issue12_item2_tools_the_worker_does_not_provide_are_named_in_a_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let src = HANDLER.replace(
        "import std.http: Request, Response\n",
        "import std.http: Request, Response\nuse tool kv.get as Get\nuse tool http.get as Fetch\n",
    );
    std::fs::write(d.join("api.lm.md"), src).expect("write");
    let o = build(d, Some("api.lm.md"), &[]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("warning: the worker provides only http.get and http.post; kv.get fail"),
        "{err}"
    );
    assert!(err.contains("`api.tools.js`"), "{err}");
}
