//! `lumen build --target wasm --wasm-target component app.lm.md` (issue 12 item 1): a
//! program as one WebAssembly component with its WIT world, built from the cached
//! component runtime. Real builds (the first compiles the runtime once per target dir) and
//! a real engine: the components run under the Wasmtime CLI (`cargo xtask test-wasm`
//! installs it), `main` through `wasi:cli/run`, the typed exports through `--invoke` with
//! WAVE values.

use std::path::Path;

#[path = "support/tools.rs"]
mod tools;
use tools::{lumen, manifest, wasmtime};

/// A program without tools: records, enums, lists, maps, optionals, results, tuples,
/// bools, Json, seventeen parameters, an error, and `main`.
const SHAPES: &str = r#"# Shapes

```lumen
record Point
  x: Int
  y: Float
end

enum Shape
  Circle(radius: Float)
  Rect(w: Float, h: Float)
  Square(Float)
  Empty
end

# Moves a point by `dx`.
pub cell shift(p: Point, dx: Int) -> Point
  print("shifting by {dx}")
  Point(x: p.x + dx, y: p.y)
end

pub cell area(s: Shape) -> Float
  match s
    Circle(radius: r) -> 3.0 * r * r
    Rect(w: w, h: h) -> w * h
    Square(a) -> a * a
    Empty -> 0.0
  end
end

pub cell shapes(n: Int) -> list[Shape]
  [Circle(radius: n * 1.0), Square(2.0), Empty]
end

pub cell divide(a: Int, b: Int) -> result[Int, String]
  if b == 0 then err("division by zero") else ok(a // b)
end

pub cell total(xs: list[Int], weights: map[String, Float], label: String?) -> String
  let mut s = 0.0
  for x in xs
    s = s + x
  end
  for k in keys(weights)
    s = s + (weights[k] ?? 0.0)
  end
  "{label ?? "total"}: {s}"
end

pub cell first(xs: list[String]) -> String?
  if len(xs) == 0 then null else xs[0]
end

pub cell fail(n: Int) -> Int
  10 // n
end

pub cell flip(b: Bool, t: tuple[Int, String]) -> tuple[String, Bool]
  match t
    (n, s) -> ("{s}{n}", not b)
  end
end

pub cell echo(j: Json) -> Json
  j
end

# Seventeen flat parameters: passed in memory (more than 16).
pub cell sum17(a: Int, b: Int, c: Int, d: Int, e: Int, f: Int, g: Int, h: Int, i: Int, j: Int, k: Int, l: Int, m: Int, n: Int, o: Int, p: Int, q: Int) -> Int
  a + b + c + d + e + f + g + h + i + j + k + l + m + n + o + p + q
end

cell main(name: String, times: Int) -> String
  for i in 0..times
    print("hi {name} #{i}")
  end
  upper(name)
end
```
"#;

/// `lumen build --target wasm --wasm-target component PROGRAM --out-dir dist` in `dir`,
/// JSON summary; returns (exit code, summary or null, stderr).
fn build(dir: &Path, program: &str) -> (Option<i32>, serde_json::Value, String) {
    let out = lumen()
        .current_dir(dir)
        .args([
            "build",
            "--target",
            "wasm",
            "--wasm-target",
            "component",
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

fn dir_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|name| name != ".lumen-build")
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// A work directory with `app.lm.md` = `source`, built; returns it.
fn built(source: &str) -> tempfile::TempDir {
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("app.lm.md"), source).unwrap();
    let (code, summary, stderr) = build(work.path(), "app.lm.md");
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(summary["status"], "built");
    work
}

/// Validates `wasm` as a component (component-model features on) and returns the names
/// of its instance and function imports (not the type imports of world-level types).
fn component_imports(wasm: &[u8]) -> Vec<String> {
    assert!(wasmparser::Parser::is_component(wasm), "not a component");
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(wasm)
        .expect("a valid component");
    let mut names = Vec::new();
    let mut depth = 0usize;
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload.expect("parses") {
            wasmparser::Payload::ModuleSection { .. }
            | wasmparser::Payload::ComponentSection { .. } => depth += 1,
            wasmparser::Payload::End(_) => depth = depth.saturating_sub(1),
            wasmparser::Payload::ComponentImportSection(s) if depth == 0 => {
                for i in s {
                    let i = i.expect("an import");
                    if !matches!(i.ty, wasmparser::ComponentTypeRef::Type(_)) {
                        names.push(i.name.0.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    names
}

/// `wasmtime run ARGS` in `dir`: (exit code, stdout, stderr).
fn wasmtime_run(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = std::process::Command::new(wasmtime())
        .current_dir(dir)
        .arg("run")
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("wasmtime runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `wasmtime run --invoke CALL dist/app.wasm`: its standard output, asserting success.
fn invoke(dir: &Path, call: &str) -> String {
    let (code, out, err) = wasmtime_run(dir, &["--invoke", call, "dist/app.wasm"]);
    assert_eq!(code, Some(0), "{call}: {err}");
    out
}

#[test]
fn issue12_item1_a_program_builds_into_a_valid_component_and_its_wit() {
    let work = built(SHAPES);
    assert_eq!(
        dir_names(&work.path().join("dist")),
        ["app.wasm", "app.wit"]
    );
    let wasm = std::fs::read(work.path().join("dist/app.wasm")).unwrap();
    let imports = component_imports(&wasm);
    // No tools: only what the WASI adapter needs.
    assert!(
        imports.iter().all(|i| i.starts_with("wasi:")),
        "{imports:?}"
    );
    let wit = std::fs::read_to_string(work.path().join("dist/app.wit")).unwrap();
    for line in [
        "package lumen:app;",
        "world app {",
        "    /// Moves a point by `dx`.\n    export shift: func(p: point, dx: s64) -> result<point, lumen-error>;",
        "export area: func(s: shape) -> result<f64, lumen-error>;",
        "export total: func(xs: list<s64>, weights: list<tuple<string, f64>>, label: option<string>) -> result<string, lumen-error>;",
        "export wasi:cli/run@0.2.0;",
    ] {
        assert!(wit.contains(line), "{line} in\n{wit}");
    }
}

#[test]
fn issue12_item1_main_runs_as_wasi_cli_run_like_lumen_run() {
    let work = built(SHAPES);
    let (code, out, err) = wasmtime_run(work.path(), &["dist/app.wasm", "ada", "2"]);
    assert_eq!(code, Some(0), "{err}");
    let native = lumen()
        .current_dir(work.path())
        .args(["run", "app.lm.md", "--", "ada", "2"])
        .output()
        .unwrap();
    assert!(native.status.success());
    assert_eq!(out, String::from_utf8_lossy(&native.stdout));
    assert_eq!(out, "hi ada #0\nhi ada #1\nADA\n");
    // Bad arguments: E0913 and status 1, as `lumen run`.
    let (code, _, err) = wasmtime_run(work.path(), &["dist/app.wasm", "ada", "two"]);
    assert_ne!(code, Some(0));
    assert!(err.contains("error[E0913]"), "{err}");
    assert!(err.contains("`times: Int`"), "{err}");
}

#[test]
fn issue12_item1_typed_exports_take_and_return_records_enums_lists_options_and_results() {
    let work = built(SHAPES);
    let dir = work.path();
    // A record argument and result; the cell's `print` goes to standard output first.
    assert_eq!(
        invoke(dir, "shift({x: 1, y: 2.5}, 3)"),
        "shifting by 3\nok({x: 4, y: 2.5})\n"
    );
    // Enums (WIT variants): named, positional and payload-less cases.
    assert_eq!(invoke(dir, "area(circle({radius: 2.0}))"), "ok(12)\n");
    assert_eq!(invoke(dir, "area(rect({w: 2.0, h: 4.5}))"), "ok(9)\n");
    assert_eq!(invoke(dir, "area(square(3.0))"), "ok(9)\n");
    assert_eq!(invoke(dir, "area(empty)"), "ok(0)\n");
    assert_eq!(
        invoke(dir, "shapes(3)"),
        "ok([circle({radius: 3}), square(2), empty])\n"
    );
    // A cell's own `result[T, E]` inside the error wrapper.
    assert_eq!(invoke(dir, "divide(7, 2)"), "ok(ok(3))\n");
    assert_eq!(
        invoke(dir, "divide(7, 0)"),
        "ok(err(\"division by zero\"))\n"
    );
    // Lists, maps (list<tuple<string, V>>) and options, both ways.
    assert_eq!(
        invoke(
            dir,
            r#"total([1, 2], [("a", 0.5), ("b", 1.0)], some("sum"))"#
        ),
        "ok(\"sum: 4.5\")\n"
    );
    assert_eq!(invoke(dir, "total([], [], none)"), "ok(\"total: 0.0\")\n");
    assert_eq!(invoke(dir, r#"first(["x", "y"])"#), "ok(some(\"x\"))\n");
    assert_eq!(invoke(dir, "first([])"), "ok(none)\n");
    // Tuples and bools; Json as JSON text; more than 16 flat parameters (in memory).
    assert_eq!(
        invoke(dir, r#"flip(true, (3, "x"))"#),
        "ok((\"x3\", false))\n"
    );
    assert_eq!(
        invoke(dir, r#"echo("{\"a\": [1, 2]}")"#),
        "ok(\"{\\\"a\\\":[1,2]}\")\n"
    );
    assert_eq!(
        invoke(
            dir,
            "sum17(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17)"
        ),
        "ok(153)\n"
    );
    // An argument the cell's type rejects: the error value E0913 naming the parameter.
    let out = invoke(dir, r#"echo("not json")"#);
    assert!(
        out.starts_with("err({code: \"E0913\", message: \""),
        "{out}"
    );
    assert!(out.contains("`j`"), "{out}");
}

#[test]
fn issue12_item1_a_main_only_program_exports_main_both_ways() {
    let work = built(
        "# M\n\n```lumen\ncell main(n: Int) -> Int\n  print(\"n is {n}\")\n  n * 2\nend\n```\n",
    );
    let wit = std::fs::read_to_string(work.path().join("dist/app.wit")).unwrap();
    assert!(
        wit.contains("export main: func(n: s64) -> result<s64, lumen-error>;"),
        "{wit}"
    );
    assert!(wit.contains("export wasi:cli/run@0.2.0;"), "{wit}");
    assert_eq!(invoke(work.path(), "main(4)"), "n is 4\nok(8)\n");
    let (code, out, err) = wasmtime_run(work.path(), &["dist/app.wasm", "21"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "n is 21\n42\n");
}

#[test]
fn issue12_item1_a_run_time_error_in_a_cell_is_a_lumen_error_value() {
    let work = built(SHAPES);
    // The call succeeds (no trap): its result is `err(lumen-error)`.
    let out = invoke(work.path(), "fail(0)");
    assert!(
        out.starts_with(
            "err({code: \"E0902\", message: \"division by zero\", trace: [\"fail (app.lm.md:"
        ),
        "{out}"
    );
    assert!(out.ends_with(")\"]})\n"), "{out}");
    // The same export works with a good argument.
    assert_eq!(invoke(work.path(), "fail(5)"), "ok(2)\n");
    // `main` as `wasi:cli/run` still prints the error and exits 1.
    let (code, _, err) = wasmtime_run(work.path(), &["dist/app.wasm", "x", "nope"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("error[E0913]"), "{err}");
}

#[test]
fn issue12_item1_a_program_with_tools_imports_them_and_still_validates() {
    let work = tempfile::tempdir().unwrap();
    let types = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/wasm/types/app.lm.md");
    std::fs::copy(types, work.path().join("app.lm.md")).unwrap();
    let (code, _, stderr) = build(work.path(), "app.lm.md");
    assert_eq!(code, Some(0), "{stderr}");
    let wasm = std::fs::read(work.path().join("dist/app.wasm")).unwrap();
    let imports = component_imports(&wasm);
    // The typed tool `llm.chat` and the generic `host.call` of the untyped `text.shout`.
    assert!(imports.contains(&"llm".to_string()), "{imports:?}");
    assert!(imports.contains(&"host".to_string()), "{imports:?}");
    let wit = std::fs::read_to_string(work.path().join("dist/app.wit")).unwrap();
    assert!(
        wit.contains("chat: func(prompt: string, max-tokens: s64) -> string;"),
        "{wit}"
    );
    assert!(
        wit.contains("call: func(name: string, args: string) -> result<string, string>;"),
        "{wit}"
    );
}

#[test]
fn issue12_item1_a_program_only_rebuild_compiles_no_rust() {
    let work = built(SHAPES);
    std::fs::write(
        work.path().join("app.lm.md"),
        SHAPES.replace("hi {name}", "hello {name}"),
    )
    .unwrap();
    {
        let (code, again, stderr) = build(work.path(), "app.lm.md");
        assert_eq!(code, Some(0), "{stderr}");
        let steps = step_names(&again);
        assert!(steps.contains(&"cache".to_string()), "{steps:?}");
        assert!(steps.contains(&"componentize".to_string()), "{steps:?}");
        assert!(
            !steps.iter().any(|s| s == "cargo" || s == "wasm-pack"),
            "no Rust compilation when only the program changed: {steps:?}"
        );
        assert_eq!(again["wasm"]["path"], "app.wasm");
        eprintln!("program-only component rebuild: {} ms", again["elapsed_ms"]);
    }
    let (code, out, err) = wasmtime_run(work.path(), &["dist/app.wasm", "bo", "1"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "hello bo #0\nBO\n");
}

#[test]
fn issue12_item1_a_program_wit_cannot_express_is_an_error_and_nothing_is_written() {
    let work = tempfile::tempdir().unwrap();
    let source = "# F\n\n```lumen\npub cell apply(f: fn(Int) -> Int) -> Int\n  f(1)\nend\n```\n";
    std::fs::write(work.path().join("app.lm.md"), source).unwrap();
    let (code, summary, stderr) = build(work.path(), "app.lm.md");
    assert_eq!(code, Some(1), "{stderr}");
    let message = summary["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("cannot be a component"), "{message}");
    assert!(message.contains("apply"), "{message}");
    assert!(message.contains("nothing was written"), "{message}");
    assert!(!work.path().join("dist/app.wasm").exists());
    assert!(!work.path().join("dist/app.wit").exists());
    // A compile error: `lumen check`'s diagnostics, nothing written.
    std::fs::write(
        work.path().join("app.lm.md"),
        "```lumen\ncell main() -> Int\n  nope\nend\n```\n",
    )
    .unwrap();
    let (code, _, stderr) = build(work.path(), "app.lm.md");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("E0200"), "{stderr}");
    assert!(dir_names(&work.path().join("dist")).is_empty());
    // `--wasm-target component` needs a program.
    let out = lumen()
        .current_dir(work.path())
        .args(["build", "--target", "wasm", "--wasm-target", "component"])
        .arg("--manifest-path")
        .arg(manifest())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("name the program"));
}
