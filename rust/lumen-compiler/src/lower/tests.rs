//! Tests of lowering: instruction shapes of the performance patterns, and end-to-end
//! runs (parse → resolve → lower → VM) of small programs, the conformance programs and
//! the benchmark programs, comparing printed output.

use super::lower;
use crate::diagnostic::Diagnostic;
use crate::resolve::{self, SourceFile};
use crate::span::LineIndex;
use crate::{parser, NoImports};
use lumen_vm::lir::{self, BinOp, FailKind, Function, Instr, Module};
use lumen_vm::{Outcome, RuntimeError, Value, Vm, VmConfig};
use std::cell::RefCell;
use std::rc::Rc;

fn source_file(name: &str, bytes: &[u8]) -> (SourceFile, Vec<Diagnostic>) {
    let (ast, _code, diags) = parser::parse_file(name, bytes);
    let text = String::from_utf8_lossy(bytes).into_owned();
    (
        SourceFile {
            name: name.to_string(),
            index: LineIndex::new(&text),
            text,
            ast,
        },
        diags,
    )
}

/// Parses, resolves and lowers one file.
fn compile_named(name: &str, src: &str) -> Result<Module, Vec<Diagnostic>> {
    let (root, mut diags) = source_file(name, src.as_bytes());
    if !diags.is_empty() {
        return Err(diags);
    }
    let prog = resolve::resolve(root, &NoImports, &source_file, &mut diags);
    if !diags.is_empty() {
        return Err(diags);
    }
    lower(&prog)
}

fn compile(src: &str) -> Module {
    match compile_named("test.lm", src) {
        Ok(m) => m,
        Err(d) => panic!("compile failed: {d:#?}"),
    }
}

fn func<'m>(m: &'m Module, name: &str) -> &'m Function {
    match m.functions.iter().find(|f| f.name == name) {
        Some(f) => f,
        None => panic!("no function {name}"),
    }
}

/// What a run printed, and how it ended. Tool calls to `echo.upper` are answered with
/// `{"text": upper(text)}`; `max_calls` grants are enforced here.
struct Run {
    out: String,
    result: Result<Value, RuntimeError>,
    tool_calls: Vec<lumen_vm::ToolRequest>,
}

fn run_module(m: Module, cell: &str) -> Run {
    let out = Rc::new(RefCell::new(String::new()));
    let sink = out.clone();
    let mut vm = match Vm::new(Rc::new(m), VmConfig::default()) {
        Ok(vm) => vm,
        Err(e) => {
            return Run {
                out: String::new(),
                result: Err(e),
                tool_calls: Vec::new(),
            }
        }
    };
    vm.set_output(Box::new(move |s: &str| {
        let mut o = sink.borrow_mut();
        o.push_str(s);
        o.push('\n');
    }));
    let mut tool_calls = Vec::new();
    let result = match vm.start(cell, Vec::new()) {
        Err(e) => Err(e),
        Ok(()) => loop {
            match vm.run() {
                Outcome::Finished(v) => break Ok(v),
                Outcome::Error(e) => break Err(e),
                Outcome::OutOfFuel => break Ok(Value::Null),
                Outcome::ToolCall(req) => {
                    let limit = req
                        .grants
                        .iter()
                        .find(|(k, _)| k == "max_calls")
                        .and_then(|(_, v)| v.as_u64());
                    let calls = tool_calls.len() as u64 + 1;
                    let text = req.args.string("text").unwrap_or_default().to_uppercase();
                    let alias = req.alias.clone();
                    tool_calls.push(req);
                    if limit.is_some_and(|l| calls > l) {
                        let msg = format!("grant max_calls of `{alias}` exceeded");
                        vm.resume_err("E0907", msg);
                    } else {
                        vm.resume_ok(serde_json::json!({ "text": text }));
                    }
                }
            }
        },
    };
    let out = out.borrow().clone();
    Run {
        out,
        result,
        tool_calls,
    }
}

fn run(src: &str) -> Run {
    run_module(compile(src), "main")
}

/// Output of `main` followed by its value when it is not null (like `lumen run`).
fn run_output(src: &str) -> String {
    let r = run(src);
    match r.result {
        Ok(Value::Null) => r.out,
        Ok(v) => format!("{}{}\n", r.out, v.to_display()),
        Err(e) => panic!("run failed: {e}\noutput so far:\n{}", r.out),
    }
}

// ---------------------------------------------------------------- instruction shapes

#[test]
fn counter_increment_is_add_imm_in_place() {
    let m = compile(
        "cell main() -> Int\n  let mut total = 0\n  let mut i = 0\n  while i < 10\n    total = total + i % 7\n    i = i + 1\n  end\n  total\nend\n",
    );
    let f = func(&m, "main");
    // Registers: 0, 1 hold the hoisted literals 10 and 7; total is 2, i is 3.
    assert!(
        f.code.contains(&Instr::AddImm {
            dst: 3,
            a: 3,
            imm: 1
        }),
        "{:?}",
        f.code
    );
    // In place on `total`; both operands are Ints, so the typed instruction.
    assert!(f.code.iter().any(|i| matches!(
        i,
        Instr::IntBinary {
            op: BinOp::Add,
            dst: 2,
            a: 2,
            ..
        }
    )));
    // Loop literals are hoisted: no load inside the loop body.
    let loads = f
        .code
        .iter()
        .filter(|i| matches!(i, Instr::LoadInt { .. } | Instr::LoadConst { .. }))
        .count();
    assert_eq!(loads, 4, "{:?}", f.code);
    assert!(!f.code.iter().any(|i| matches!(i, Instr::Move { .. })));
}

#[test]
fn append_to_own_list_is_push() {
    let m = compile(
        "cell main() -> list[Int]\n  let mut xs = []\n  for i in 0..3\n    xs = append(xs, i * 2)\n  end\n  xs\nend\n",
    );
    let f = func(&m, "main");
    // Register 0 holds the hoisted literal 2; xs is register 1.
    assert!(
        f.code
            .iter()
            .any(|i| matches!(i, Instr::Push { list: 1, .. })),
        "{:?}",
        f.code
    );
    assert!(!f
        .code
        .iter()
        .any(|i| matches!(i, Instr::CallBuiltin { .. })));
}

#[test]
fn string_append_chain_is_in_place() {
    let m = compile(
        "cell main() -> String\n  let mut s = \"\"\n  let mut i = 0\n  while i < 3\n    s = s + to_string(i) + \"ab\"\n    i += 1\n  end\n  s\nend\n",
    );
    let f = func(&m, "main");
    let in_place = f
        .code
        .iter()
        .filter(|i| {
            matches!(
                i,
                Instr::Binary {
                    op: BinOp::Add,
                    dst: 2,
                    a: 2,
                    ..
                }
            )
        })
        .count();
    assert_eq!(in_place, 2, "{:?}", f.code);
    assert_eq!(run_output("cell main() -> String\n  let mut s = \"x\"\n  for i in 0..3\n    s = s + to_string(i) + \"-\"\n  end\n  s\nend\n"), "x0-1-2-\n");
}

#[test]
fn conditions_jump_directly() {
    let m = compile("cell f(n: Int) -> Int\n  if n < 2\n    return n\n  end\n  n\nend\n");
    let f = func(&m, "f");
    assert!(f
        .code
        .iter()
        .any(|i| matches!(i, Instr::JumpIfFalse { .. })));
    assert!(!f.code.iter().any(|i| matches!(i, Instr::LoadBool { .. })));
}

#[test]
fn call_arguments_use_a_window_at_the_stack_top() {
    let m = compile(
        "cell fib(n: Int) -> Int\n  if n < 2\n    return n\n  end\n  return fib(n - 1) + fib(n - 2)\nend\n",
    );
    let f = func(&m, "fib");
    // The argument is computed straight into the window, and the result lands there.
    assert!(
        f.code.contains(&Instr::AddImm {
            dst: 1,
            a: 0,
            imm: -1
        }),
        "{:?}",
        f.code
    );
    assert!(f.code.contains(&Instr::Call {
        dst: 1,
        func: 0,
        args: 1,
        argc: 1
    }));
    assert!(f.code.contains(&Instr::Call {
        dst: 2,
        func: 0,
        args: 2,
        argc: 1
    }));
    assert!(f.code.contains(&Instr::IntBinary {
        op: BinOp::Add,
        dst: 1,
        a: 1,
        b: 2
    }));
    assert_eq!(f.num_regs, 3);
    assert_eq!(f.positions.len(), f.code.len());
}

#[test]
fn map_with_lambda_literal_is_inlined() {
    let m =
        compile("cell main() -> list[Int]\n  map([1, 2, 3], fn(x: Int) -> Int => x * 10)\nend\n");
    let f = func(&m, "main");
    assert!(!f.code.iter().any(|i| matches!(i, Instr::CallValue { .. })));
    assert_eq!(m.functions.len(), 1, "the inlined lambda needs no function");
    assert_eq!(
        run_output(
            "cell main() -> list[Int]\n  map([1, 2, 3], fn(x: Int) -> Int => x * 10)\nend\n"
        ),
        "[10, 20, 30]\n"
    );
}

#[test]
fn constraint_failure_reports_the_call_line() {
    let m = compile(
        "record Account\n  owner: String\n  balance: Int where balance >= 0\nend\n\ncell main() -> Int\n  let a = Account(owner: \"ann\", balance: 1)\n  let b = Account(owner: \"bob\",\n    balance: -5)\n  b.balance\nend\n",
    );
    let f = func(&m, "main");
    let at = f
        .code
        .iter()
        .enumerate()
        .filter(|(_, i)| {
            matches!(
                i,
                Instr::Fail {
                    kind: FailKind::Constraint,
                    ..
                }
            )
        })
        .map(|(k, _)| f.positions[k].line)
        .collect::<Vec<_>>();
    assert_eq!(at, vec![7, 8]);
    let r = run_module(m, "main");
    let e = r.result.err().map(|e| (e.code, e.line, e.message));
    assert_eq!(
        e,
        Some((
            "E0904",
            8,
            "constraint failed: Account.balance (balance >= 0)".to_string()
        ))
    );
}

#[test]
fn module_layout() {
    let m = compile(
        "const LIMIT = 10\nconst TWICE = LIMIT * 2\nuse tool http.get as Fetch\ngrant Fetch domain \"*.example.com\"\nrecord P\n  x: Int\nend\nenum E\n  A(Int)\n  B\nend\ncell main(n: Int, xs: list[String]) -> Int\n  let f = fn(y: Int) -> Int => y + n\n  f(TWICE)\nend\n",
    );
    assert_eq!(m.version, lir::LIR_VERSION);
    assert_eq!(m.files, vec!["test.lm".to_string()]);
    let main = func(&m, "main");
    assert!(main.exported);
    assert_eq!(main.params, vec!["n".to_string(), "xs".to_string()]);
    assert_eq!(
        main.param_types,
        vec!["Int".to_string(), "list[String]".to_string()]
    );
    let lambda = func(&m, "<lambda:13>");
    assert_eq!(
        (lambda.arity, lambda.captures, lambda.exported),
        (1, 1, false)
    );
    assert_eq!(m.globals, 2);
    assert!(m.init.is_some());
    assert_eq!(m.tools.len(), 1);
    assert_eq!(m.tools[0].name, "http.get");
    assert_eq!(
        m.tools[0].grants,
        vec![("domain".to_string(), serde_json::json!("*.example.com"))]
    );
    assert_eq!(m.types.len(), 2);
    assert_eq!(m.variants.len(), 2);
    assert!(lumen_vm::validate::validate(&m).is_ok());
}

#[test]
fn unknown_names_are_internal_diagnostics_not_panics() {
    let d = compile_named("t.lm", "cell main() -> Int\n  nope(1) + zed\nend\n").err();
    let codes: Vec<&str> = d.unwrap_or_default().iter().map(|d| d.code).collect();
    assert_eq!(codes, vec!["E0999"]);
}

// ---------------------------------------------------------------- end to end

#[test]
fn arithmetic_and_control_flow() {
    let src = r#"
cell classify(n: Int) -> String
  when
    n < 0 -> "neg"
    n == 0 -> "zero"
    _ -> "pos"
  end
end

cell main() -> Null
  let mut acc = 0
  for i in 1..=4
    acc += i
  end
  print(acc)
  let mut k = 0
  loop
    k += 1
    if k > 3
      break
    end
  end
  print(k, classify(-1), classify(0), classify(5))
  let v = if acc > 5 then "big" else "small"
  print(v)
  let mut n = 0
  while n < 10 and not (n == 4)
    n += 1
  end
  print(n)
  print(null ?? 3, 4 ?? 5)
  print(3 in [1, 2, 3], "b" in "abc")
  return null
end
"#;
    assert_eq!(
        run_output(src),
        "10\n4 neg zero pos\nbig\n4\n3 4\ntrue true\n"
    );
}

#[test]
fn patterns_and_results() {
    let src = r#"
enum Shape
  Circle(radius: Int)
  Rect(w: Int, h: Int)
  Empty
end

cell area(s: Shape) -> Int
  match s
    Circle(radius: r) -> 3 * r * r
    Rect(w, h) if w == h -> w * w
    Rect(w, h) -> w * h
    Empty -> 0
  end
end

cell half(n: Int) -> result[Int, String]
  if n % 2 == 0
    return ok(n / 2)
  end
  err("odd {n}")
end

cell quarter(n: Int) -> result[Int, String]
  let h = half(n)?
  half(h)
end

cell main() -> Null
  print(area(Circle(radius: 2)), area(Rect(3, 3)), area(Rect(w: 2, h: 5)), area(Empty))
  print(quarter(8), quarter(6))
  let (a, b) = (1, "one")
  print(a, b)
  match [1, 2, 3]
    [x, ...rest] -> print(x, rest)
  end
  match (1, "x")
    (1, s) -> print("one", s)
    _ -> print("other")
  end
  let t = 7
  print(match t
    1 | 2 -> "small"
    3..=9 -> "mid"
    _ -> "big"
  end)
  print(Circle(radius: 1) is Shape, 3 is Int | String, "s" is Int)
  return null
end
"#;
    assert_eq!(
        run_output(src),
        "12 9 10 0\nok(2) err(\"odd 3\")\n1 one\n1 [2, 3]\none x\nmid\ntrue true false\n"
    );
}

#[test]
fn closures_capture_by_value_and_higher_order_functions() {
    let src = r#"
cell double(x: Int) -> Int
  x * 2
end

cell main() -> Null
  let mut n = 1
  let add = fn(x: Int) -> Int => x + n
  n = 100
  print(add(1))
  let xs = [3, 1, 2]
  print(map(xs, double), map(xs, add))
  print(filter(xs, fn(x: Int) -> Bool => x > 1))
  print(reduce(xs, fn(a: Int, b: Int) -> Int => a + b, 0))
  print(any(xs, fn(x: Int) -> Bool => x == 2), all(xs, fn(x: Int) -> Bool => x > 1))
  print(find(xs, fn(x: Int) -> Bool => x < 3), find(xs, fn(x: Int) -> Bool => x > 5))
  print(sort_by(xs, fn(x: Int) -> Int => 0 - x))
  print([x * x for x in xs if x != 1])
  let f = add
  print(xs |> map(f))
  return null
end
"#;
    assert_eq!(
        run_output(src),
        "2\n[6, 2, 4] [4, 2, 3]\n[3, 2]\n6\ntrue false\n1 null\n[3, 2, 1]\n[9, 4]\n[4, 2, 3]\n"
    );
}

#[test]
fn records_maps_and_in_place_updates() {
    let src = r#"
record Point
  x: Int
  y: Int = 0
end

cell main() -> Null
  let mut p = Point(x: 1)
  p.y = 5
  p.x += 10
  print(p)
  let mut m = {"a": 1}
  m["b"] = 2
  m["a"] += 5
  print(m, m["zz"])
  let mut grid = [[0, 0], [0, 0]]
  grid[1][0] = 7
  print(grid)
  let s = "n={p.x}, list={[1, 2]}"
  print(s)
  for (k, v) in m
    print(k, v)
  end
  for c in "hé"
    print(c)
  end
  print(p?.x, null?.x)
  return null
end
"#;
    assert_eq!(
        run_output(src),
        "Point(x: 11, y: 5)\n{\"a\": 6, \"b\": 2} null\n[[0, 0], [7, 0]]\nn=11, list=[1, 2]\na 6\nb 2\nh\né\n11 null\n"
    );
}

#[test]
fn consts_and_defaults() {
    let src = r#"
const BASE = 10
const SCALE = BASE * 3

cell scaled(x: Int, by: Int = 2) -> Int
  x * by
end

cell main() -> Int
  print(scaled(3), scaled(3, by: SCALE), scaled(by: 1, x: 4))
  BASE + SCALE
end
"#;
    assert_eq!(run_output(src), "6 90 4\n40\n");
}

#[test]
fn runtime_error_lines_point_at_the_expression() {
    let r = run("cell main() -> Int\n  let xs = [1]\n  let y = 2\n  xs[y]\nend\n");
    assert_eq!(
        r.result.err().map(|e| (e.code, e.line, e.column)),
        Some(("E0903", 4, 3))
    );
    let r = run("cell main() -> Null\n  halt(\"stop here\")\nend\n");
    assert_eq!(
        r.result
            .err()
            .map(|e| (e.code, e.line, e.column, e.message)),
        Some(("E0905", 2, 3, "stop here".to_string()))
    );
    // The column of the failing expression, not of its statement.
    let r = run("cell main() -> Int\n  let d = 0\n  return 1 + 10 / d\nend\n");
    assert_eq!(
        r.result.err().map(|e| (e.code, e.line, e.column)),
        Some(("E0902", 3, 14))
    );
}

#[test]
fn runtime_errors_carry_the_lumen_call_stack() {
    let src = "cell pick(xs: list[Int], i: Int) -> Int\n  xs[i]\nend\n\ncell middle(n: Int) -> Int\n  let xs = [1, 2]\n  return 1 + pick(xs, n)\nend\n\ncell main() -> Int\n  middle(5)\nend\n";
    let e = run(src).result.expect_err("index out of range");
    let frames: Vec<(&str, u32, u32)> = e
        .frames
        .iter()
        .map(|f| (f.cell.as_str(), f.line, f.column))
        .collect();
    assert_eq!(frames, [("pick", 2, 3), ("middle", 7, 14), ("main", 11, 3)]);
    assert!(e
        .frames
        .iter()
        .all(|f| f.file == e.file && !f.file.is_empty()));
}

// ---------------------------------------------------------------- conformance and benchmarks

fn repo_root() -> std::path::PathBuf {
    let here = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .nth(2)
        .map(|p| p.to_path_buf())
        .unwrap_or(here)
}

#[test]
fn conformance_programs_print_the_expected_output() {
    let dir = repo_root().join("tests/conformance");
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (the conformance copy is missing)", dir.display()));
    let mut names: Vec<_> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            let n = p.to_string_lossy();
            n.ends_with(".lm") || n.ends_with(".lm.md")
        })
        .collect();
    names.sort();
    let mut failures = Vec::new();
    let mut ran = 0;
    for path in names {
        let file = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let stem = file
            .trim_end_matches(".md")
            .trim_end_matches(".lm")
            .to_string();
        let src = std::fs::read_to_string(&path).unwrap_or_default();
        let expected_out = std::fs::read_to_string(dir.join(format!("{stem}.out"))).ok();
        let expected_err = std::fs::read_to_string(dir.join(format!("{stem}.err"))).ok();
        let module = match compile_named(&file, &src) {
            Ok(m) => m,
            Err(d) => {
                // Programs with compile errors are the parser's and checker's business,
                // but lowering must not be the stage that rejects a valid program.
                if expected_out.is_some() || expected_err.is_none() {
                    failures.push(format!("{file}: compile failed: {d:?}"));
                }
                continue;
            }
        };
        ran += 1;
        let r = run_module(module, "main");
        let mut out = r.out.clone();
        let mut err_text = String::new();
        match &r.result {
            Ok(Value::Null) => {}
            Ok(v) => {
                out.push_str(&v.to_display());
                out.push('\n');
            }
            Err(e) => err_text = format!("{e}"),
        }
        if let Some(exp) = &expected_out {
            if out != *exp {
                failures.push(format!("{file}: output\n{out}\nexpected\n{exp}"));
            }
        }
        if let Some(exp) = &expected_err {
            for frag in exp.lines().filter(|l| !l.trim().is_empty()) {
                // The CLI adds the file name; the VM error carries line and message.
                let frag_ok = err_text.contains(frag)
                    || frag.rsplit_once(':').is_some_and(|(f, l)| {
                        file.starts_with(f) && err_text.contains(&format!(":{l}"))
                    });
                if !frag_ok {
                    failures.push(format!("{file}: error {err_text:?} lacks {frag:?}"));
                }
            }
        }
    }
    assert!(ran >= 8, "only {ran} conformance programs ran");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn benchmark_programs_print_the_expected_result() {
    let dir = repo_root().join("tests/bench");
    let entries = std::fs::read_dir(dir.join("programs")).expect("tests/bench/programs is listed");
    let mut failures = Vec::new();
    let mut ran = 0;
    for e in entries.filter_map(|e| e.ok()) {
        let path = e.path();
        if path.extension().and_then(|x| x.to_str()) != Some("lm") {
            continue;
        }
        let stem = path
            .file_stem()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Ok(expected) = std::fs::read_to_string(dir.join(format!("expected/{stem}.out"))) else {
            failures.push(format!("{stem}: no tests/bench/expected/{stem}.out"));
            continue;
        };
        let src = std::fs::read_to_string(&path).unwrap_or_default();
        let module = match compile_named(&format!("{stem}.lm"), &src) {
            Ok(m) => m,
            Err(d) => {
                failures.push(format!("{stem}: {d:?}"));
                continue;
            }
        };
        ran += 1;
        let r = run_module(module, "main");
        let got = match r.result {
            Ok(v) => format!("{}{}\n", r.out, v.to_display()),
            Err(e) => format!("{}error: {e}\n", r.out),
        };
        if got != expected {
            failures.push(format!("{stem}: got {got:?}, expected {expected:?}"));
        }
    }
    assert!(ran >= 7, "only {ran} benchmark programs ran");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn tool_calls_send_named_arguments_and_grants() {
    let r = run(
        "use tool echo.upper as Shout\ngrant Shout max_calls 5\ncell main() -> Null\n  let who = \"x\"\n  print(Shout(text: \"hi {who}\")[\"text\"])\n  return null\nend\n",
    );
    assert_eq!(r.out, "HI X\n");
    assert_eq!(r.tool_calls.len(), 1);
    assert_eq!(
        r.tool_calls[0].args.to_json(),
        serde_json::json!({"text": "hi x"})
    );
    assert_eq!(
        r.tool_calls[0].grants,
        vec![("max_calls".to_string(), serde_json::json!(5))]
    );
    assert_eq!(r.tool_calls[0].line, 5);
}

#[test]
fn shared_benchmark_programs_compile_to_valid_lir() {
    let dir = std::path::Path::new("/work/shared/bench/programs");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut failures = Vec::new();
    for e in entries.filter_map(|e| e.ok()) {
        let path = e.path();
        if path.extension().and_then(|x| x.to_str()) != Some("lm") {
            continue;
        }
        let src = std::fs::read_to_string(&path).unwrap_or_default();
        let name = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        match compile_named(&name, &src) {
            Ok(m) => {
                if let Err(e) = lumen_vm::validate::validate(&m) {
                    failures.push(format!("{name}: invalid LIR: {e}"));
                }
            }
            Err(d) => failures.push(format!("{name}: {d:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn assignments_that_read_their_target() {
    let src = r#"
cell main() -> Null
  let mut x = 1
  x = if x > 0 then x + 10 else x
  print(x)
  let mut b = true
  b = false or b
  print(b)
  let mut s = "a"
  s = "{s}-{s}"
  print(s)
  let mut v: Int? = null
  v = v ?? 5
  print(v)
  let mut xs = [1, 2]
  xs = xs ++ xs
  xs = [x for x in xs if x > 1]
  print(xs)
  let mut n = 3
  n = match n
    3 -> n * 2
    _ -> 0
  end
  print(n)
  let y = 1
  if true
    let y = y + 1
    print(y)
  end
  print(y)
  return null
end
"#;
    assert_eq!(run_output(src), "11\ntrue\na-a\n5\n[2, 2]\n6\n2\n1\n");
}

#[test]
fn loops_with_break_continue_filters_and_closures() {
    let src = r#"
cell main() -> Null
  let mut fs = []
  for i in 0..5 if i % 2 == 0
    fs = append(fs, fn() -> Int => i * 10)
  end
  print(map(fs, fn(f: fn() -> Int) -> Int => f()))
  let mut out = []
  for x in [1, 2, 3, 4, 5, 6]
    if x == 2
      continue
    end
    if x == 5
      break
    end
    out = append(out, x)
  end
  print(out)
  let mut total = 0
  for i in 1..=3
    for j in range(i)
      total += j
    end
  end
  print(total)
  print([k for (k, _v) in {"a": 1, "b": 2}], [i * i for i in 1..4])
  let mut w = 0
  while true
    w += 1
    if w >= 3
      break
    end
  end
  print(w)
  return null
end
"#;
    assert_eq!(
        run_output(src),
        "[0, 20, 40]\n[1, 3, 4]\n4\n[\"a\", \"b\"] [1, 4, 9]\n3\n"
    );
}

#[test]
fn match_guards_or_patterns_and_named_fields() {
    let src = r#"
enum Msg
  Move(dx: Int, dy: Int)
  Say(String)
  Quit
end

cell show(m: Msg) -> String
  match m
    Move(dy: 0, dx: d) | Move(dx: 0, dy: d) -> "line {d}"
    Move(dx, dy) if dx == dy -> "diag {dx}"
    Move(_, _) -> "move"
    Say("hi") -> "greeting"
    Say(text) -> "say {text}"
    Quit -> "quit"
  end
end

cell main() -> Null
  print(show(Move(dx: 3, dy: 0)), show(Move(dx: 0, dy: 4)), show(Move(dx: 2, dy: 2)))
  print(show(Move(dx: 1, dy: 2)), show(Say("hi")), show(Say("yo")), show(Quit))
  let r: result[Int, String] = err("bad")
  match r
    ok(v) -> print(v)
    err(e) if e == "bad" -> print("bad!")
    err(_) -> print("other")
  end
  match [1, 2, 3, 4]
    [a, b] -> print("two")
    [a, _, ...rest] -> print(a, rest)
  end
  return null
end
"#;
    assert_eq!(
        run_output(src),
        "line 3 line 4 diag 2\nmove greeting say yo quit\nbad!\n1 [3, 4]\n"
    );
}

#[test]
fn nested_updates_and_optional_chains() {
    let src = r#"
record Inner
  n: Int
end

record Outer
  inner: Inner
  tags: list[String]
end

cell main() -> Null
  let mut o = Outer(inner: Inner(n: 1), tags: ["a"])
  o.inner.n = 5
  o.tags[0] = "z"
  o.inner.n += 1
  print(o)
  let mut m = {"a": {"b": 1}}
  m["a"]["b"] = 2
  print(m)
  let j = parse_json("\{\"x\": \{\"y\": 3\}\}")
  print(j?.x?.y, j?.nope?.y)
  return null
end
"#;
    assert_eq!(
        run_output(src),
        "Outer(inner: Inner(n: 6), tags: [\"z\"])\n{\"a\": {\"b\": 2}}\n3 null\n"
    );
}

/// A loader serving in-memory modules.
struct MemLoader(Vec<(&'static str, &'static str)>);

impl crate::ModuleLoader for MemLoader {
    fn load(&self, _importer: &str, path: &[String]) -> Result<(String, Vec<u8>), String> {
        let name = format!("{}.lm", path.join("/"));
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(n, s)| (n.to_string(), s.as_bytes().to_vec()))
            .ok_or_else(|| format!("no module {name}"))
    }
}

#[test]
fn imported_cells_records_and_consts() {
    let lib = "const K = 7\nrecord Box\n  v: Int where v < 100\nend\ncell boxed(x: Int, extra: Int = K) -> Box\n  Box(v: x + extra)\nend\n";
    let main = "import util: boxed, Box, K\ncell main() -> Int\n  let b = boxed(1)\n  print(b, K)\n  b.v\nend\n";
    let (root, mut diags) = source_file("main.lm", main.as_bytes());
    let prog = resolve::resolve(
        root,
        &MemLoader(vec![("util.lm", lib)]),
        &source_file,
        &mut diags,
    );
    assert!(diags.is_empty(), "{diags:?}");
    let m = match lower(&prog) {
        Ok(m) => m,
        Err(d) => panic!("{d:?}"),
    };
    assert_eq!(m.files, vec!["main.lm".to_string(), "util.lm".to_string()]);
    assert_eq!(func(&m, "boxed").file, 1);
    let r = run_module(m, "main");
    assert_eq!(r.out, "Box(v: 8) 7\n");
    assert_eq!(r.result.ok().map(|v| v.to_display()), Some("8".to_string()));
}

#[test]
fn lowering_never_panics_on_odd_programs() {
    // Programs the checker would reject: lowering must answer with diagnostics or a
    // module, never a panic.
    let odd = [
        "cell main()\n  break\nend\n",
        "cell main()\n  let x = Nope(1)\nend\n",
        "enum E\n  A(Int)\nend\ncell main()\n  let a = A\n  E(1)\nend\n",
        "cell main()\n  print(map([1]))\nend\n",
        "cell main()\n  3 = 4\nend\n",
        "record R\n  x: Int\nend\ncell main()\n  R(y: 1)\nend\n",
        "cell f(a: Int)\n  a\nend\ncell main()\n  f(1, 2, 3)\n  f(b: 2)\nend\n",
        "cell main()\n  match 1\n  end\n  let [a, b] = [1]\n  print(len)\nend\n",
        "use tool t.x as T\ncell main()\n  T(1)\nend\n",
        "cell main()\n  let x = 1\n  x.y.z = 3\n  undefined[0] = 1\nend\n",
    ];
    for src in odd {
        let r = std::panic::catch_unwind(|| compile_named("odd.lm", src));
        assert!(r.is_ok(), "lowering panicked on {src:?}");
    }
}

#[test]
fn deep_operator_chains_are_a_diagnostic_not_a_stack_overflow() {
    let ok_chain = vec!["1"; 120].join(" + ");
    let src = format!("cell main() -> Int\n  {ok_chain}\nend\n");
    assert_eq!(run_output(&src), "120\n");
    let long = vec!["1"; 5000].join(" + ");
    let src = format!("cell main() -> Int\n  {long}\nend\n");
    // Run on a thread with a small stack, like the test harness's default.
    let h = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let (root, mut diags) = source_file("deep.lm", src.as_bytes());
            // The parser cuts the chain off at its depth limit; lowering what is left (even
            // though the driver never would) stays within the stack too.
            let prog = resolve::resolve(root, &NoImports, &source_file, &mut diags);
            let _ = lower(&prog);
            diags.iter().map(|d| d.code).collect::<Vec<&str>>()
        });
    let codes = h.ok().and_then(|h| h.join().ok()).unwrap_or_default();
    assert_eq!(codes, vec!["E0103"]);
}

#[test]
fn register_pressure_stays_low_in_long_functions() {
    let mut src = String::from("cell main() -> Int\n  let mut t = 0\n");
    for i in 0..200 {
        src.push_str(&format!("  t = t + {i} * 2 + len([1, 2, 3])\n"));
    }
    src.push_str("  t\nend\n");
    let m = compile(&src);
    assert!(
        func(&m, "main").num_regs < 10,
        "{}",
        func(&m, "main").num_regs
    );
}

#[test]
fn issue11_item4_typed_tool_arguments_keep_evaluation_order_and_send_every_parameter() {
    let r = run(
        "use tool echo.upper as Two(a: String, b: String = \"dflt\", c: list[Int] = [1, -2]) -> Json\n\
         cell side(s: String) -> String\n  print(s)\n  s\nend\n\
         cell main()\n  Two(b: side(\"first\"), a: side(\"second\"))\n  Two(side(\"p\"))\nend\n",
    );
    assert!(r.result.is_ok(), "{:?}", r.result.err());
    assert_eq!(
        r.out, "first\nsecond\np\n",
        "arguments run in the order written"
    );
    let args: Vec<String> = r
        .tool_calls
        .iter()
        .map(|c| c.args.to_json().to_string())
        .collect();
    assert_eq!(
        args,
        [
            r#"{"a":"second","b":"first","c":[1,-2]}"#,
            r#"{"a":"p","b":"dflt","c":[1,-2]}"#
        ],
        "keys in declaration order, defaults filled in"
    );
}

#[test]
fn issue11_item4_a_tool_result_type_too_deep_for_the_vm_is_e0103() {
    let ty = format!("{}Int{}", "list[".repeat(120), "]".repeat(120));
    let src = format!("use tool a.b as B() -> {ty}\ncell main()\n  print(B())\nend\n");
    let out = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || compile_named("deep.lm", &src).map(|_| ()))
        .map(|h| h.join());
    let Ok(Ok(Err(diags))) = out else {
        panic!("expected diagnostics at a 1 MiB stack, got {out:?}");
    };
    assert!(
        diags.iter().any(|d| d.code == "E0103" && d.line == 1),
        "{diags:#?}"
    );
}

#[test]
fn proven_int_and_float_operands_give_typed_instructions() {
    let m = compile(
        "cell f(a: Float, b: Float, n: Int, k: Int, x: Int | Float) -> Float\n  let c = a * b + a\n  let m = n % k\n  let y = x * a\n  c\nend\ncell g() -> Float\n  let mut p = 1.0\n  let q = p * p\n  q\nend\n",
    );
    let f = func(&m, "f");
    let typed = |op, a, b| {
        f.code.iter().any(|i| matches!(*i, Instr::FloatBinary { op: o, a: x, b: y, .. } if o == op && x == a && y == b))
    };
    // Registers: the parameters a, b, n, k, x are 0..=4.
    assert!(typed(BinOp::Mul, 0, 1), "{:?}", f.code);
    assert!(f.code.iter().any(|i| matches!(
        *i,
        Instr::FloatBinary {
            op: BinOp::Add,
            b: 0,
            ..
        }
    )));
    assert!(f.code.iter().any(|i| matches!(
        *i,
        Instr::IntBinary {
            op: BinOp::Mod,
            a: 2,
            b: 3,
            ..
        }
    )));
    // An Int | Float operand stays generic.
    assert!(f.code.iter().any(|i| matches!(
        *i,
        Instr::Binary {
            op: BinOp::Mul,
            a: 4,
            b: 0,
            ..
        }
    )));
    let g = func(&m, "g");
    eprintln!("{:?}", g.code);
    assert!(
        g.code
            .iter()
            .any(|i| matches!(*i, Instr::FloatBinary { op: BinOp::Mul, .. })),
        "{:?}",
        g.code
    );
}

#[test]
fn record_field_reads_carry_their_slot() {
    let m = compile(
        "record P\n  a: Int\n  b: Int\nend\ncell f(p: P, j: Json) -> Int\n  let x = j.b\n  p.b + p.a\nend\n",
    );
    let f = func(&m, "f");
    let slot_of = |name: &str| {
        let id = m.names.iter().position(|n| n == name).expect("a name") as u16;
        f.code.iter().find_map(|i| match *i {
            Instr::GetFieldSlot { name, slot, .. } if name == id => Some(slot),
            _ => None,
        })
    };
    assert_eq!(
        (slot_of("a"), slot_of("b")),
        (Some(0), Some(1)),
        "{:?}",
        f.code
    );
    // The Json read stays a plain GetField.
    assert!(f
        .code
        .iter()
        .any(|i| matches!(i, Instr::GetField { obj: 1, .. })));
    let src = "record P\n  a: Int\n  b: Int\nend\ncell main() -> Int\n  let p = P(a: 3, b: 4)\n  p.b * 10 + p.a\nend\n";
    assert_eq!(run_output(src), "43\n");
}
