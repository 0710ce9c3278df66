//! Tests of the session core: conformance programs, fuel slicing, tool suspension, grants,
//! modules and error kinds.

use super::*;
use lumen_runtime::echo::EchoUpper;
use lumen_runtime::provider::{CallContext, ToolProvider};
use serde_json::json;
use std::path::{Path, PathBuf};

/// What a host run produced: printed lines, then the display or the error.
struct Ran {
    output: Vec<String>,
    result: Result<(Value, String), LumenErrorData>,
    yields: usize,
    calls: Vec<ToolCall>,
}

/// Drives a session to the end, answering `echo.upper` (and `fail.*` with an error).
fn drive(mut session: Session, slice: u64) -> Ran {
    let mut yields = 0;
    let mut calls = Vec::new();
    let result = loop {
        match session.step(slice) {
            Step::Done { value, display } => break Ok((value, display)),
            Step::Error(e) => break Err(e),
            Step::Yield => yields += 1,
            Step::ToolCall(call) => {
                calls.push(call.clone());
                if call.name.starts_with("fail.") {
                    session.resume_err("the service is down");
                } else {
                    match EchoUpper.call(&call.args.to_json(), &CallContext::default()) {
                        Ok(v) => session.resume_ok(v),
                        Err(e) => session.resume_err(&e.message),
                    }
                }
            }
        }
    };
    Ran {
        output: session.output(),
        result,
        yields,
        calls,
    }
}

fn run_with(input: Input, options: RunOptions) -> Ran {
    match Session::new(input, options) {
        Ok(s) => drive(s, 1_000_000),
        Err(e) => Ran {
            output: Vec::new(),
            result: Err(e),
            yields: 0,
            calls: Vec::new(),
        },
    }
}

fn run_src(src: &str) -> Ran {
    run_with(
        Input::Source(src.to_string()),
        RunOptions {
            tools: vec!["echo.upper".into(), "fail.always".into()],
            ..RunOptions::default()
        },
    )
}

fn err(r: &Ran) -> &LumenErrorData {
    match &r.result {
        Err(e) => e,
        Ok((_, d)) => panic!("expected an error, got value {d}"),
    }
}

fn display(r: &Ran) -> &str {
    match &r.result {
        Ok((_, d)) => d,
        Err(e) => panic!("unexpected error: {}", e.rendered),
    }
}

fn conformance_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance")
}

#[test]
fn every_conformance_program_matches_its_expected_output() {
    let mut seen = 0;
    let mut entries: Vec<PathBuf> = std::fs::read_dir(conformance_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        let Some(stem) = file
            .strip_suffix(".lm.md")
            .or_else(|| file.strip_suffix(".lm"))
        else {
            continue;
        };
        seen += 1;
        let src = std::fs::read_to_string(&path).unwrap();
        let ran = run_with(
            Input::Source(src),
            RunOptions {
                filename: Some(file.clone()),
                tools: vec!["echo.upper".into()],
                ..RunOptions::default()
            },
        );
        let mut stdout: String = ran.output.iter().map(|l| format!("{l}\n")).collect();
        if let Ok((_, d)) = &ran.result {
            if !d.is_empty() {
                stdout.push_str(d);
                stdout.push('\n');
            }
        }
        let out_path = conformance_dir().join(format!("{stem}.out"));
        let err_path = conformance_dir().join(format!("{stem}.err"));
        let expected_out = std::fs::read_to_string(&out_path).unwrap_or_default();
        assert_eq!(stdout, expected_out, "stdout of {file}");
        if let Ok(fragments) = std::fs::read_to_string(&err_path) {
            let e = err(&ran);
            for frag in fragments.lines().filter(|l| !l.is_empty()) {
                assert!(
                    e.rendered.contains(frag),
                    "{file}: `{frag}` not in:\n{}",
                    e.rendered
                );
            }
        } else {
            assert!(ran.result.is_ok(), "{file} failed: {:?}", ran.result.err());
        }
    }
    assert!(seen >= 12, "only {seen} conformance programs found");
}

const LOOP: &str = "cell main() -> Int\n  let mut total = 0\n  for i in range(0, 200000)\n    total = total + i\n  end\n  total\nend\n";

#[test]
fn fuel_slices_yield_then_complete() {
    let session = Session::new(Input::Source(LOOP.into()), RunOptions::default()).unwrap();
    let ran = drive(session, 10_000);
    assert!(ran.yields > 5, "yields: {}", ran.yields);
    assert_eq!(display(&ran), "19999900000");
    // A big slice needs no yield at all.
    let session = Session::new(Input::Source(LOOP.into()), RunOptions::default()).unwrap();
    let ran = drive(session, u64::MAX);
    assert_eq!(ran.yields, 0);
    assert_eq!(display(&ran), "19999900000");
}

#[test]
fn fuel_budget_is_a_limit_error_across_slices() {
    let options = RunOptions {
        fuel: Some(50_000),
        ..RunOptions::default()
    };
    let session = Session::new(Input::Source(LOOP.into()), options).unwrap();
    let ran = drive(session, 10_000);
    let e = err(&ran);
    assert_eq!(e.code, "E0910");
    assert_eq!(e.kind, ErrorKind::Limit);
    assert!(e.message.contains("50000"), "{}", e.message);
    assert!(ran.yields >= 3, "yields: {}", ran.yields);
    // Enough fuel: the same program finishes.
    let options = RunOptions {
        fuel: Some(100_000_000),
        ..RunOptions::default()
    };
    let session = Session::new(Input::Source(LOOP.into()), options).unwrap();
    assert_eq!(display(&drive(session, 10_000)), "19999900000");
}

const TOOLS: &str = "use tool echo.upper as Shout\n\ncell main() -> String\n  print(\"before\")\n  let r = Shout(text: \"hi\")\n  print(\"after\")\n  r[\"text\"]\nend\n";

#[test]
fn tool_calls_suspend_and_resume() {
    let mut s = Session::new(
        Input::Source(TOOLS.into()),
        RunOptions {
            tools: vec!["echo.upper".into()],
            ..RunOptions::default()
        },
    )
    .unwrap();
    let Step::ToolCall(call) = s.step(1_000_000) else {
        panic!("expected a tool call")
    };
    assert_eq!(call.name, "echo.upper");
    assert_eq!(call.alias, "Shout");
    assert_eq!(call.args.to_json(), json!({"text": "hi"}));
    assert_eq!(call.line, 5);
    assert_eq!(s.take_new_output(), vec!["before".to_string()]);
    // Stepping before answering is refused.
    assert!(matches!(s.step(10), Step::Error(_)));
    s.resume_ok(json!({"text": "HELLO"}));
    match s.step(1_000_000) {
        Step::Done { display, .. } => assert_eq!(display, "HELLO"),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(s.take_new_output(), vec!["after".to_string()]);
    assert_eq!(s.output(), vec!["before".to_string(), "after".to_string()]);
    assert!(s.take_new_output().is_empty());
}

#[test]
fn tool_failure_is_e0906_with_the_host_message() {
    let src = TOOLS.replace("echo.upper", "fail.always");
    let ran = run_src(&src);
    let e = err(&ran);
    assert_eq!(e.code, "E0906");
    assert_eq!(e.kind, ErrorKind::Tool);
    assert!(e.message.contains("the service is down"), "{}", e.message);
    assert!(e.message.contains("Shout"), "{}", e.message);
    assert_eq!(e.line, Some(5));
    assert_eq!(e.file.as_deref(), Some("main.lm"));
    assert!(e.rendered.starts_with("error[E0906]: "), "{}", e.rendered);
    assert_eq!(e.column, Some(11));
    assert!(
        e.rendered.ends_with("\n  --> main.lm:5:11 (in main)"),
        "{}",
        e.rendered
    );
    assert_eq!(ran.output, vec!["before".to_string()]);
}

#[test]
fn unprovided_tool_is_e0908_listing_the_provided_ones() {
    let src = TOOLS.replace("echo.upper", "web.search");
    let ran = run_src(&src);
    let e = err(&ran);
    assert_eq!(e.code, "E0908");
    assert_eq!(e.kind, ErrorKind::Tool);
    assert!(e.message.contains("web.search"), "{}", e.message);
    assert!(
        e.message.contains("echo.upper, fail.always"),
        "{}",
        e.message
    );
    assert!(ran.calls.is_empty());
}

#[test]
fn denied_grants_never_reach_the_host() {
    let src = "use tool net.fetch as Fetch\ngrant Fetch domain \"api.example.com\"\n\ncell main() -> Json\n  Fetch(url: \"https://api.example.com@evil.com/x\")\nend\n";
    let ran = run_with(
        Input::Source(src.into()),
        RunOptions {
            tools: vec!["net.fetch".into()],
            ..RunOptions::default()
        },
    );
    let e = err(&ran);
    assert_eq!(e.code, "E0907");
    assert_eq!(e.kind, ErrorKind::Grant);
    assert!(e.message.contains("evil.com"), "{}", e.message);
    assert!(ran.calls.is_empty(), "a denied call reached the host");
    // The allowed host goes through.
    let ok = src.replace("api.example.com@evil.com", "api.example.com");
    let ran = run_with(
        Input::Source(ok),
        RunOptions {
            tools: vec!["net.fetch".into()],
            ..RunOptions::default()
        },
    );
    assert_eq!(ran.calls.len(), 1);
    // The echo answer ("text" missing) is a tool failure, not a grant error.
    assert_eq!(err(&ran).code, "E0906");
}

/// Item 6 of issue 10: a JS host that provides a standard tool gets the same required-grant
/// checks as the native CLI: no `path`/`domain` grant, no call.
#[test]
fn issue10_item6_standard_tools_without_their_required_grant_never_reach_the_host() {
    let cases = [
        ("fs.read", "path: \"/etc/shadow\"", "`path` grant"),
        ("fs.write", "path: \"/tmp/x\", text: \"x\"", "`path` grant"),
        ("fs.list", "path: \"/\"", "`path` grant"),
        (
            "http.get",
            "url: \"http://169.254.169.254/latest/meta-data\"",
            "`domain` grant",
        ),
        (
            "http.post",
            "url: \"http://169.254.169.254/\", body: \"x\"",
            "`domain` grant",
        ),
    ];
    for (tool, args, why) in cases {
        let src = format!("use tool {tool} as T\n\ncell main() -> Json\n  T({args})\nend\n");
        let ran = run_with(
            Input::Source(src),
            RunOptions {
                tools: vec![tool.into()],
                ..RunOptions::default()
            },
        );
        let e = err(&ran);
        assert_eq!(e.code, "E0907", "{tool}: {}", e.message);
        assert_eq!(e.kind, ErrorKind::Grant, "{tool}");
        assert!(e.message.contains(why), "{tool}: {}", e.message);
        assert!(
            ran.calls.is_empty(),
            "{tool}: an ungranted call reached the host"
        );
    }
    // With the grant, the call reaches the host.
    let src = "use tool fs.read as T\ngrant T path \"/data\"\n\ncell main() -> Json\n  T(path: \"/data/a.txt\")\nend\n";
    let ran = run_with(
        Input::Source(src.into()),
        RunOptions {
            tools: vec!["fs.read".into()],
            ..RunOptions::default()
        },
    );
    assert_eq!(ran.calls.len(), 1);
}

#[test]
fn max_calls_is_enforced_before_the_host() {
    let src = "use tool echo.upper as Shout\ngrant Shout max_calls 1\n\ncell main() -> String\n  Shout(text: \"a\")\n  Shout(text: \"b\")[\"text\"]\nend\n";
    let ran = run_src(src);
    assert_eq!(err(&ran).code, "E0907");
    assert_eq!(ran.calls.len(), 1);
}

#[test]
fn modules_map_serves_imports() {
    let mut modules = BTreeMap::new();
    modules.insert(
        "util.math".to_string(),
        "cell square(x: Int) -> Int\n  x * x\nend\n".to_string(),
    );
    let src = "import util.math: square\n\ncell main() -> Int\n  square(7)\nend\n";
    let ran = run_with(
        Input::Source(src.into()),
        RunOptions {
            modules: modules.clone(),
            ..RunOptions::default()
        },
    );
    assert_eq!(display(&ran), "49");
    let missing = "import util.other: square\n\ncell main() -> Int\n  square(7)\nend\n";
    let ran = run_with(
        Input::Source(missing.into()),
        RunOptions {
            modules,
            ..RunOptions::default()
        },
    );
    let e = err(&ran);
    assert_eq!(e.kind, ErrorKind::Compile);
    assert_eq!(e.code, "E0203");
    assert!(e.message.contains("util.other"), "{}", e.message);
}

#[test]
fn compile_errors_are_rendered_like_the_cli() {
    let ran = run_src("cell main()\n  let x = 1 + * 2\nend\n");
    let e = err(&ran);
    assert_eq!(e.kind, ErrorKind::Compile);
    assert_eq!(e.code, "E0100");
    assert_eq!(e.file.as_deref(), Some("main.lm"));
    assert_eq!(e.line, Some(2));
    assert_eq!(e.diagnostics.len(), 1);
    assert_eq!(e.diagnostics[0].column, 15);
    assert_eq!(e.diagnostics[0].severity(), "error");
    assert_eq!(
        e.rendered,
        "error[E0100]: expected expression, found `*`\n  --> main.lm:2:15\n  |\n2 |   let x = 1 + * 2\n  |               ^\n\nerror: could not compile `main.lm` (1 error)"
    );
}

#[test]
fn runtime_errors_have_kinds_and_locations() {
    let ran = run_src("cell main() -> Int\n  let z = 0\n  10 / z\nend\n");
    let e = err(&ran);
    assert_eq!((e.kind, e.code.as_str()), (ErrorKind::Runtime, "E0902"));
    assert_eq!(e.line, Some(3));
    let deep = "cell d(n: Int) -> Int\n  d(n + 1) + 1\nend\ncell main() -> Int\n  d(0)\nend\n";
    let ran = run_with(
        Input::Source(deep.into()),
        RunOptions {
            max_depth: 100,
            ..RunOptions::default()
        },
    );
    let e = err(&ran);
    assert_eq!((e.kind, e.code.as_str()), (ErrorKind::Limit, "E0909"));
    assert!(
        e.rendered
            .contains("\n  --> main.lm:2:3 (in d)\n  = at d (main.lm:2:3)\n"),
        "{}",
        e.rendered
    );
    // 100 frames: 99 of `d` (the innermost failed to call), then `main` at its call.
    assert_eq!(e.frames.len(), 100);
    assert_eq!(e.frames[99].cell, "main");
    assert_eq!((e.frames[99].line, e.frames[99].column), (5, 3));
    assert!(
        e.rendered.ends_with("\n  = at main (main.lm:5:3)"),
        "{}",
        e.rendered
    );
    assert_eq!(
        e.stack("LumenError: x\n    at run (index.js:1:1)"),
        e.stack("Error: x\n    at run (index.js:1:1)"),
        "V8's header is dropped whichever name it was captured under"
    );
    assert!(e.stack("Error: x\n    at run (index.js:1:1)").contains(
        "\n    at d (main.lm:2:3)\n    \u{2026} 87 more frames\n    at d (main.lm:2:3)\n    at d (main.lm:2:3)\n    at main (main.lm:5:3)\n    at run (index.js:1:1)"
    ));
}

#[test]
fn entry_cell_and_arguments() {
    let src = "cell add(a: Int, b: Float) -> Float\n  a + b\nend\n";
    let ran = run_with(
        Input::Source(src.into()),
        RunOptions {
            cell: "add".into(),
            args: vec![json!(2), json!(3)],
            ..RunOptions::default()
        },
    );
    assert_eq!(display(&ran), "5.0");
    let ran = run_with(
        Input::Source(src.into()),
        RunOptions {
            cell: "add".into(),
            args: vec![json!("x"), json!(3)],
            ..RunOptions::default()
        },
    );
    let e = err(&ran);
    assert_eq!((e.kind, e.code.as_str()), (ErrorKind::Runtime, "E0913"));
    assert!(e.message.contains("`a: Int`"), "{}", e.message);
    let ran = run_src(src);
    let e = err(&ran);
    assert_eq!((e.kind, e.code.as_str()), (ErrorKind::Compile, "E0311"));
    assert_eq!(
        e.rendered,
        "error[E0311]: no cell named `main` to run (cells: add)\n  --> main.lm"
    );
}

#[test]
fn binary_lir_runs_the_same() {
    let bytes = compile(TOOLS, None).unwrap();
    assert!(bytes.starts_with(lumen_vm::binary::MAGIC));
    let ran = run_with(
        Input::Binary(bytes.clone()),
        RunOptions {
            tools: vec!["echo.upper".into()],
            ..RunOptions::default()
        },
    );
    assert_eq!(display(&ran), "HI");
    assert_eq!(ran.output, vec!["before".to_string(), "after".to_string()]);
    let ran = run_with(
        Input::Binary(bytes),
        RunOptions {
            cell: "nope".into(),
            ..RunOptions::default()
        },
    );
    assert_eq!(err(&ran).code, "E0913");
    let ran = run_with(Input::Binary(b"LMB\0junk".to_vec()), RunOptions::default());
    let e = err(&ran);
    assert_eq!(e.code, "E0912");
    assert!(e.rendered.ends_with("\n  --> main.lmb"), "{}", e.rendered);
    let e = compile("cell main(\n", Some("bad.lm")).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Compile);
    assert!(e.rendered.contains("bad.lm:"), "{}", e.rendered);
}

#[test]
fn check_lists_errors_and_warnings_and_markdown_is_detected() {
    assert!(check("cell main() -> Int\n  1\nend\n", None).is_empty());
    let diags = check("cell main() -> Int\n  \"s\"\nend\n", Some("x.lm"));
    assert!(!diags.is_empty());
    assert_eq!(diags[0].file, "x.lm");
    assert!(diags[0].is_error);
    let md = "# Title\n\n```lumen\ncell main() -> Int\n  oops\nend\n```\n";
    let diags = check(md, None);
    assert_eq!(diags[0].file, "main.lm.md");
    assert_eq!(diags[0].line, 5);
    assert_eq!(root_name(md, None), "main.lm.md");
    assert_eq!(root_name("cell main()\nend\n", None), "main.lm");
    assert_eq!(root_name("x", Some("a.lm.md")), "a.lm.md");
}

#[test]
fn null_values_display_as_nothing_and_kinds_map_codes() {
    let ran = run_src("cell main()\n  print(\"x\")\nend\n");
    assert_eq!(display(&ran), "");
    assert_eq!(ran.output, vec!["x".to_string()]);
    assert_eq!(ErrorKind::of_runtime_code("E0914"), ErrorKind::Limit);
    assert_eq!(ErrorKind::of_runtime_code("E0900"), ErrorKind::Runtime);
    assert_eq!(ErrorKind::Grant.as_str(), "grant");
}

#[test]
fn benchmark_programs_match_their_expected_results() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/bench");
    let Ok(entries) = std::fs::read_dir(dir.join("programs")) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "lm") {
            continue;
        }
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let Ok(expected) = std::fs::read_to_string(dir.join(format!("expected/{stem}.out"))) else {
            continue;
        };
        let ran = run_with(
            Input::Source(std::fs::read_to_string(&path).unwrap()),
            RunOptions::default(),
        );
        let mut stdout: String = ran.output.iter().map(|l| format!("{l}\n")).collect();
        let d = display(&ran);
        if !d.is_empty() {
            stdout.push_str(d);
            stdout.push('\n');
        }
        assert_eq!(stdout, expected, "{stem}");
    }
}

/// Issue 10 item 7: a tool call carries its grants and the smallest `timeout_ms` (the JS
/// host bounds the promise with it), and a timed-out call is an E0906 tool error that says so.
#[test]
fn issue10_item7_tool_call_carries_grants_and_timeout() {
    let src = "use tool echo.upper as Shout\ngrant Shout timeout_ms 500\ngrant Shout timeout_ms 200\ngrant Shout max_calls 3\n\ncell main() -> String\n  Shout(text: \"a\")[\"text\"]\nend\n";
    let mut s = Session::new(
        Input::Source(src.into()),
        RunOptions {
            tools: vec!["echo.upper".into()],
            ..RunOptions::default()
        },
    )
    .unwrap();
    let Step::ToolCall(call) = s.step(1_000_000) else {
        panic!("expected a tool call")
    };
    assert_eq!(call.timeout_ms, Some(200));
    assert_eq!(
        call.grants,
        vec![
            ("timeout_ms".to_string(), json!(500)),
            ("timeout_ms".to_string(), json!(200)),
            ("max_calls".to_string(), json!(3)),
        ]
    );
    s.resume_timeout(200);
    let Step::Error(e) = s.step(1_000_000) else {
        panic!("expected an error")
    };
    assert_eq!((e.kind, e.code.as_str()), (ErrorKind::Tool, "E0906"));
    assert!(
        e.message.contains("timed out after 200 ms"),
        "{}",
        e.message
    );
    assert!(e.message.contains("Shout"), "{}", e.message);
}

/// Issue 10 item 7: cancelling a session ends it with E0915 (kind `cancelled`), also while a
/// tool call is pending, and the session reports itself finished afterwards.
#[test]
fn issue10_item7_cancel_is_e0915_and_finishes_the_session() {
    let mut s = Session::new(
        Input::Source(TOOLS.into()),
        RunOptions {
            tools: vec!["echo.upper".into()],
            ..RunOptions::default()
        },
    )
    .unwrap();
    assert!(matches!(s.step(1_000_000), Step::ToolCall(_)));
    let e = s.cancel(Some("user pressed stop\nnow"));
    assert_eq!((e.kind, e.code.as_str()), (ErrorKind::Cancelled, "E0915"));
    assert_eq!(e.message, "the run was cancelled: user pressed stop now");
    // Located where the run stopped: at the pending tool call.
    assert_eq!(
        e.rendered,
        format!("error[E0915]: {}\n  --> main.lm:5:11 (in main)", e.message)
    );
    assert_eq!((e.frames.len(), e.line, e.column), (1, Some(5), Some(11)));
    assert!(matches!(s.step(1_000), Step::Error(_)));
    assert_eq!(ErrorKind::of_runtime_code("E0915"), ErrorKind::Cancelled);
    assert_eq!(
        LumenErrorData::cancelled(None).message,
        "the run was cancelled"
    );
}

/// Issue 10 item 4: the error of a trapped call is kind `internal`, code E0999, one line,
/// naming the engine's message and saying that the package recovered.
#[test]
fn issue10_item4_internal_error_names_the_trap_and_the_recovery() {
    let e = LumenErrorData::internal("RuntimeError: memory access\nout of bounds");
    assert_eq!((e.kind, e.code.as_str()), (ErrorKind::Internal, "E0999"));
    assert_eq!(e.kind.as_str(), "internal");
    assert!(!e.message.contains('\n'));
    assert!(
        e.message.contains("memory access out of bounds"),
        "{}",
        e.message
    );
    assert!(e.message.contains("reset"), "{}", e.message);
    assert!(e.rendered.starts_with("error[E0999]: "), "{}", e.rendered);
    assert_eq!(ErrorKind::of_runtime_code("E0999"), ErrorKind::Internal);
}

/// The deep-value program of the issue 10 item 5 JS tests (`x = [x]` in a loop) compiles
/// and runs; the JS tests run it 10,000 and 200,000 deep.
#[test]
fn issue10_item5_deep_value_program_runs() {
    let src = "cell main(n: Int) -> Json\n  let mut x: Json = []\n  for i in 0..n\n    x = [x]\n  end\n  x\nend\n";
    let r = run_with(
        Input::Source(src.into()),
        RunOptions {
            args: vec![json!(3)],
            ..RunOptions::default()
        },
    );
    assert_eq!(display(&r), "[[[[]]]]");
}

#[test]
fn issue11_item4_wasm_host_checks_typed_tool_results_like_every_host() {
    // The wasm host resumes the VM with the JS tool's JSON result; the same VM check as on
    // the native runtime runs before the program sees it.
    let typed = "record Shout\n  text: String\nend\n\
                 use tool echo.upper as Upper(text: String = \"dflt\") -> Shout\n\n\
                 cell main() -> String\n  print(\"before\")\n  Upper().text ++ Upper(\"x\").text\nend\n";
    let ran = run_src(typed);
    assert_eq!(display(&ran), "DFLTX");
    assert_eq!(
        ran.calls.first().map(|c| c.args.to_json()),
        Some(json!({"text": "dflt"}))
    );

    let wrong = typed.replace("-> Shout", "-> list[Shout]");
    let wrong = wrong.replace("Upper().text ++ Upper(\"x\").text", "Upper()[0].text");
    let ran = run_src(&wrong);
    let e = err(&ran);
    assert_eq!(e.code, "E0906");
    assert_eq!(e.kind, ErrorKind::Tool);
    assert_eq!(
        e.message,
        "tool echo.upper returned an object, expected list[Shout]"
    );
    assert_eq!(e.line, Some(8));
    assert_eq!(ran.output, vec!["before".to_string()]);
}

/// `cell` of `TYPED_ARGS` run from source and from its binary LIR with JSON `args`: the
/// display, or the error's code and message. Both paths must agree.
fn typed_call(cell: &str, args: Vec<serde_json::Value>) -> Result<String, (String, String)> {
    let lmb = compile(TYPED_ARGS, Some("typed.lm")).expect("TYPED_ARGS compiles");
    let mut outcomes = Vec::new();
    for input in [Input::Source(TYPED_ARGS.into()), Input::Binary(lmb)] {
        let r = run_with(
            input,
            RunOptions {
                filename: Some("typed.lm".into()),
                cell: cell.into(),
                args: args.clone(),
                ..RunOptions::default()
            },
        );
        outcomes.push(match r.result {
            Ok((_, d)) => Ok(d),
            Err(e) => Err((e.code, e.message)),
        });
    }
    assert_eq!(outcomes[0], outcomes[1], "source and binary LIR differ");
    outcomes.swap_remove(0)
}

const TYPED_ARGS: &str = "record Point
  x: Int
  y: Float
end

enum Shape
  Circle(radius: Float)
  Pair(Int, Int)
  Empty
end

cell moved(p: Point, dx: Int) -> Point
  Point(x: p.x + dx, y: p.y)
end

cell shape(s: Shape) -> Shape
  s
end

cell unwrap(r: result[list[Point], String]) -> Int
  match r
    ok(ps) -> len(ps)
    err(_) -> -1
  end
end

cell maybe(p: Point?) -> Bool
  p == null
end
";

#[test]
fn issue11_item3_records_enums_and_results_arrive_typed() {
    assert_eq!(
        typed_call("moved", vec![json!({"x": 1, "y": 2}), json!(3)]).as_deref(),
        Ok("Point(x: 4, y: 2.0)")
    );
    assert_eq!(
        typed_call("shape", vec![json!({"Circle": {"radius": 1}})]).as_deref(),
        Ok("Circle(radius: 1.0)")
    );
    assert_eq!(
        typed_call("shape", vec![json!({"Pair": [1, 2]})]).as_deref(),
        Ok("Pair(1, 2)")
    );
    assert_eq!(
        typed_call("shape", vec![json!("Empty")]).as_deref(),
        Ok("Empty")
    );
    assert_eq!(
        typed_call("unwrap", vec![json!({"ok": [{"x": 1, "y": 1.5}]})]).as_deref(),
        Ok("1")
    );
    assert_eq!(
        typed_call("unwrap", vec![json!({"err": "no"})]).as_deref(),
        Ok("-1")
    );
    assert_eq!(
        typed_call("maybe", vec![json!(null)]).as_deref(),
        Ok("true")
    );
}

#[test]
fn issue11_item3_arguments_that_do_not_fit_name_the_parameter() {
    let cases = [
        (
            "moved",
            vec![json!({"x": 1, "y": 2}), json!("ten")],
            "argument 2 (`dx: Int`) of cell `moved`: expected Int, got a string (\"ten\")",
        ),
        (
            "moved",
            vec![json!({"x": 1}), json!(1)],
            "argument 1 (`p: Point`) of cell `moved`: expected Point, got an object without field `y`",
        ),
        (
            "shape",
            vec![json!({"Square": [1]})],
            "argument 1 (`s: Shape`) of cell `shape`: expected Shape, got an object with key \"Square\"",
        ),
        (
            "shape",
            vec![json!("Circle")],
            "argument 1 (`s: Shape`) of cell `shape`: expected Shape, got a string (\"Circle\") (a variant that needs a payload)",
        ),
        (
            "unwrap",
            vec![json!({"ok": [{"x": 1, "y": "a"}]})],
            "argument 1 (`r: result[list[Point], String]`) of cell `unwrap`: expected Float at `$.ok[0].y`, got a string (\"a\")",
        ),
        (
            "unwrap",
            vec![json!({"value": 1})],
            "argument 1 (`r: result[list[Point], String]`) of cell `unwrap`: expected result[list[Point], String], got an object without an `ok` or `err` key",
        ),
    ];
    for (cell, args, message) in cases {
        let got = typed_call(cell, args);
        assert_eq!(got, Err(("E0913".to_string(), message.to_string())));
    }
}
