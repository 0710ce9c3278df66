//! Issue 10 item 1: input controls recursion depth in every pass (parser, resolver, checker,
//! lowering, the AST's `Drop`), so every kind of chain and nesting is bounded by the parser's
//! depth limit (E0103). Each deep input is compiled on a thread with a 1 MiB stack (the wasm
//! default) in whatever profile the tests are built in (debug by default): a regression
//! overflows that stack and fails the test instead of passing by luck on a big main stack.

use lumen_compiler::parser::MAX_DEPTH;
use lumen_compiler::{check, compile, CompileOptions, Diagnostic, ModuleLoader, NoImports};
use lumen_vm::{Outcome, Vm, VmConfig};
use std::cell::RefCell;
use std::rc::Rc;

const STACK: usize = 1024 * 1024;
const DEEP: usize = 20_000;

/// Runs `f` on a thread with a 1 MiB stack; `None` when the thread died (stack overflow
/// aborts the whole process, which fails the test run too).
fn small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("the compiler thread panicked")
}

/// A program whose `main` holds `body` (indented by two spaces on its first line).
fn program(body: &str) -> String {
    format!(
        "record R\n  a: Int\nend\n\ncell f(x: Int) -> Int\n  x\nend\n\ncell main()\n  {body}\nend\n"
    )
}

/// The deep inputs, by name: `(name, program with about DEEP links or levels)`.
fn deep_inputs(n: usize) -> Vec<(&'static str, String)> {
    let r = |s: &str, k: usize| s.repeat(k);
    let mut v = Vec::new();
    // One binary operator of every precedence level (loosest first).
    for (name, first, op) in [
        ("coalesce ??", "1", " ?? 1"),
        ("or", "false", " or false"),
        ("and", "true", " and true"),
        ("comparison ==", "1", " == 1"),
        ("pipe |>", "-1", " |> abs()"),
        ("concat ++", "\"a\"", " ++ \"a\""),
        ("range ..", "1", " .. 1"),
        ("add +", "1", " + 1"),
        ("sub -", "1", " - 1"),
        ("mul *", "1", " * 1"),
        ("div //", "1", " // 1"),
        ("mod %", "1", " % 1"),
        ("pow ** (right-associative)", "1", " ** 1"),
    ] {
        v.push((name, program(&format!("print({first}{})", r(op, n)))));
    }
    v.push((
        "is",
        program(&format!("let x = 1\n  print(x{})", r(" is Int", n))),
    ));
    v.push((
        "field .a",
        program(&format!("let x = R(a: 1)\n  print(x{})", r(".a", n))),
    ));
    v.push(("call f(1)(1)", program(&format!("print(f{})", r("(1)", n)))));
    v.push((
        "index x[0][0]",
        program(&format!("let x = [1]\n  print(x{})", r("[0]", n))),
    ));
    v.push((
        "try x? ?",
        program(&format!("let x = ok(1)\n  print(x{})", r(" ?", n))),
    ));
    v.push(("unary - - -", program(&format!("print({}1)", r("- ", n)))));
    v.push(("not not", program(&format!("print({}true)", r("not ", n)))));
    v.push((
        "parentheses",
        program(&format!("print({}1{})", r("(", n), r(")", n))),
    ));
    v.push((
        "list brackets",
        program(&format!("print({}1{})", r("[", n), r("]", n))),
    ));
    v.push((
        "map braces",
        program(&format!("print({}1{})", r("{1: ", n), r("}", n))),
    ));
    v.push((
        "call arguments f(f(f(1)))",
        program(&format!("print({}1{})", r("f(", n), r(")", n))),
    ));
    v.push((
        "lambdas fn() => fn() => ...",
        program(&format!("let g = {}1\n  print(1)", r("fn() => ", n))),
    ));
    v.push((
        "block lambdas",
        program(&format!(
            "let g = {}1\n{}  print(1)",
            r("fn()\n", n),
            r("end\n", n)
        )),
    ));
    v.push((
        "if-then-else expressions",
        program(&format!(
            "print({}1{})",
            r("if true then ", n),
            r(" else 2", n)
        )),
    ));
    v.push((
        "nested types list[list[...]]",
        program(&format!(
            "let x: {}Int{} = []\n  print(x)",
            r("list[", n),
            r("]", n)
        )),
    ));
    v.push((
        "optional types Int? ? ?",
        program(&format!("let x: Int{} = null\n  print(x)", r(" ?", n))),
    ));
    v.push((
        "fn types",
        program(&format!(
            "let x: {}Int = null\n  print(x)",
            r("fn() -> ", n)
        )),
    ));
    v.push((
        "tuple patterns",
        program(&format!("let {}y{} = 1\n  print(y)", r("(", n), r(",)", n))),
    ));
    v.push((
        "list patterns",
        program(&format!(
            "match [1]\n    {}y{} -> print(y)\n    _ -> print(0)\n  end",
            r("[", n),
            r("]", n)
        )),
    ));
    v.push((
        "variant patterns",
        program(&format!(
            "match ok(1)\n    {}y{} -> print(1)\n    _ -> print(0)\n  end",
            r("ok(", n),
            r(")", n)
        )),
    ));
    v.push((
        "interpolation",
        program(&format!("print({}1{})", r("\"{", n), r("}\"", n))),
    ));
    v.push((
        "interpolated chain",
        program(&format!("print(\"{{1{}}}\")", r(" + 1", n))),
    ));
    v.push((
        "comprehensions",
        program(&format!("print({}1{})", r("[", n), r(" for i in [1]]", n))),
    ));
    v.push((
        "nested if blocks",
        program(&format!("{}print(1)\n{}", r("if true\n", n), r("end\n", n))),
    ));
    v.push((
        "nested while blocks",
        program(&format!(
            "{}print(1)\n{}",
            r("while false\n", n),
            r("end\n", n)
        )),
    ));
    v.push((
        "nested for blocks",
        program(&format!(
            "{}print(1)\n{}",
            r("for i in [1]\n", n),
            r("end\n", n)
        )),
    ));
    v.push((
        "nested match arms",
        program(&format!(
            "{}print(1)\n{}",
            r("match 1\n _ ->\n", n),
            r("end\n end\n", n)
        )),
    ));
    v.push((
        "nested when arms",
        program(&format!(
            "{}print(1)\n{}",
            r("when\n _ ->\n", n),
            r("end\n end\n", n)
        )),
    ));
    v
}

fn codes(diags: &[Diagnostic]) -> Vec<&'static str> {
    diags.iter().map(|d| d.code).collect()
}

#[test]
fn issue10_item1_every_deep_chain_and_nesting_is_e0103_in_a_1mib_stack() {
    for (name, src) in deep_inputs(DEEP) {
        let what = name.to_string();
        let (checked, compiled) = small_stack(move || {
            let options = CompileOptions::default();
            let checked = check("deep.lm", src.as_bytes(), &NoImports, &options);
            let compiled = compile("deep.lm", src.as_bytes(), &NoImports, &options)
                .err()
                .unwrap_or_default();
            (checked, compiled)
        });
        for (stage, diags) in [("check", &checked), ("compile", &compiled)] {
            let deep = diags.iter().find(|d| d.code == "E0103");
            let Some(d) = deep else {
                panic!("{what}: {stage} gave no E0103: {:?}", codes(diags));
            };
            assert!(d.line >= 1 && d.column >= 1, "{what}: unlocated {d:?}");
            assert_eq!(d.file, "deep.lm", "{what}");
            assert!(d.message.contains("too deep"), "{what}: {}", d.message);
            assert!(
                diags.iter().all(|d| d.code != "E0999"),
                "{what}: internal error in {stage}: {diags:?}"
            );
        }
    }
}

#[test]
fn issue10_item1_depth_error_points_at_where_the_limit_is_crossed() {
    let chain = vec!["1"; DEEP].join(" + ");
    let src = program(&format!("print({chain})"));
    let diags = small_stack(move || {
        check(
            "deep.lm",
            src.as_bytes(),
            &NoImports,
            &CompileOptions::default(),
        )
    });
    assert_eq!(codes(&diags), vec!["E0103"]);
    // `cell main()` is on line 9; the chain on line 10, cut off after about MAX_DEPTH terms
    // (each `1 + ` is four columns).
    let d = &diags[0];
    assert_eq!(d.line, 10);
    let col = d.column as usize;
    assert!(
        col > 4 * (MAX_DEPTH - 8) && col < 4 * (MAX_DEPTH + 8),
        "column {col}"
    );
}

/// Compiles and runs `src` on a 1 MiB stack; returns its printed output.
fn run_small_stack(src: String) -> Result<String, Vec<&'static str>> {
    small_stack(move || {
        let out = compile(
            "ok.lm",
            src.as_bytes(),
            &NoImports,
            &CompileOptions::default(),
        )
        .map_err(|d| codes(&d))?;
        let printed = Rc::new(RefCell::new(String::new()));
        let sink = printed.clone();
        let mut vm = Vm::new(Rc::new(out.module), VmConfig::default()).map_err(|_| vec!["vm"])?;
        vm.set_output(Box::new(move |s| {
            sink.borrow_mut().push_str(s);
            sink.borrow_mut().push('\n');
        }));
        vm.start("main", Vec::new()).map_err(|_| vec!["start"])?;
        match vm.run() {
            Outcome::Finished(_) => Ok(printed.borrow().clone()),
            _ => Err(vec!["run"]),
        }
    })
}

#[test]
fn issue10_item1_chains_and_nesting_just_under_the_limit_compile_and_run() {
    // The tree of a chain of k terms is k levels deep; `main`'s body and `print(...)` take
    // a few levels of their own.
    let k = MAX_DEPTH - 8;
    let r = |s: &str, n: usize| s.repeat(n);
    let cases = [
        (
            program(&format!("print(1{})", r(" + 1", k - 1))),
            format!("{k}\n"),
        ),
        (
            program(&format!("print(\"\"{})", r(" ++ \"a\"", k - 1))),
            format!("{}\n", "a".repeat(k - 1)),
        ),
        (
            program(&format!("print(-1{})", r(" |> abs()", k - 1))),
            "1\n".to_string(),
        ),
        (
            program(&format!("let x = R(a: 7)\n  print(x{})", r(".a", 1))),
            "7\n".to_string(),
        ),
        (
            program(&format!("let x = [3]\n  print(x{})", r("[0]", 1))),
            "3\n".to_string(),
        ),
        (
            program(&format!("print(true{})", r(" and true", k - 1))),
            "true\n".to_string(),
        ),
        (
            program(&format!("print({}5)", r("- ", k - 1))),
            format!("{}\n", if (k - 1).is_multiple_of(2) { 5 } else { -5 }),
        ),
        (
            program(&format!(
                "print({}2{})",
                r("f(", k / 2 - 2),
                r(")", k / 2 - 2)
            )),
            "2\n".to_string(),
        ),
        (
            program(&format!(
                "{}print(9)\n{}",
                r("if true\n", k / 3 - 2),
                r("end\n", k / 3 - 2)
            )),
            "9\n".to_string(),
        ),
    ];
    for (src, want) in cases {
        let got = run_small_stack(src.clone());
        assert_eq!(got.as_deref(), Ok(want.as_str()), "{src}");
    }
}

/// A loader where module `m<i>` imports `m<i+1>`, forever.
struct EndlessImports;

impl ModuleLoader for EndlessImports {
    fn load(&self, _importer: &str, path: &[String]) -> Result<(String, Vec<u8>), String> {
        let name = path.join(".");
        let i: usize = name.trim_start_matches('m').parse().map_err(|_| "bad")?;
        let text = format!("import m{}: *\n\ncell c{i}() -> Int\n  {i}\nend\n", i + 1);
        Ok((format!("m{i}.lm"), text.into_bytes()))
    }
}

#[test]
fn issue10_item1_endless_import_chain_is_e0103_in_a_1mib_stack() {
    let diags = small_stack(|| {
        let src = "import m0: *\n\ncell main()\n  print(1)\nend\n";
        check(
            "root.lm",
            src.as_bytes(),
            &EndlessImports,
            &CompileOptions::default(),
        )
    });
    let deep: Vec<&Diagnostic> = diags.iter().filter(|d| d.code == "E0103").collect();
    assert_eq!(deep.len(), 1, "{diags:?}");
    assert!(deep[0].message.contains("chain of imports"), "{deep:?}");
    assert!(deep[0].line >= 1 && !deep[0].file.is_empty());
}

#[test]
fn issue10_item1_long_flat_if_else_chains_match_arms_and_blocks_run_on_a_1mib_stack() {
    // `else if` branches, `match`/`when` arms, statements and list items are lists in the
    // tree, not nesting: 20,000 of them compile (and run) without any depth error.
    let n = DEEP;
    let mut elif = String::from("let x = 19999\n  if x == 0\n    print(0)\n");
    let mut arms = String::from("match 19998\n");
    let mut when = String::from("let y = 19997\n  when\n");
    for i in 1..n {
        elif.push_str(&format!("  else if x == {i}\n    print({i})\n"));
        arms.push_str(&format!("    {i} -> print({i})\n"));
        when.push_str(&format!("    y == {i} -> print({i})\n"));
    }
    elif.push_str("  end");
    arms.push_str("    _ -> print(0)\n  end");
    when.push_str("    _ -> print(0)\n  end");
    let list = format!("print(len([{}1]))", "1, ".repeat(n - 1));
    let stmts = "let mut t = 0\n  ".to_string() + &"t += 1\n  ".repeat(n) + "print(t)";
    for (body, want) in [
        (elif, "19999\n"),
        (arms, "19998\n"),
        (when, "19997\n"),
        (list, "20000\n"),
        (stmts, "20000\n"),
    ] {
        let src = program(&body);
        let got = run_small_stack(src);
        assert_eq!(got.as_deref(), Ok(want), "{}", &body[..60]);
    }
}

#[test]
fn issue10_item1_types_grown_one_line_at_a_time_are_e0103_in_a_1mib_stack() {
    // A flat program whose types nest deeper on every line: `let x1 = [x0]`, `(x0, 1)`.
    for wrap in ["[X]", "(X, 1)", "{1: X}", "ok(X)"] {
        let mut body = String::from("let x0 = 1\n");
        for i in 1..DEEP {
            let value = wrap.replace('X', &format!("x{}", i - 1));
            body.push_str(&format!("  let x{i} = {value}\n"));
        }
        body.push_str("  print(1)");
        let src = program(&body);
        let diags = small_stack(move || {
            check(
                "grow.lm",
                src.as_bytes(),
                &NoImports,
                &CompileOptions::default(),
            )
        });
        let deep: Vec<&Diagnostic> = diags.iter().filter(|d| d.code == "E0103").collect();
        assert!(
            !deep.is_empty(),
            "{wrap}: {:?}",
            &codes(&diags)[..diags.len().min(5)]
        );
        assert!(
            deep[0].message.contains("type"),
            "{wrap}: {}",
            deep[0].message
        );
        // The first one is where the type passes the limit (`main` starts on line 9).
        assert_eq!(deep[0].line, 10 + 100, "{wrap}");
    }
}

#[test]
fn issue10_item1_long_chains_of_consts_and_cells_compile_on_a_1mib_stack() {
    // `const K0 = K1 + 1`, `const K1 = K2 + 1`, ...: inferring and ordering the consts does
    // not recurse once per const.
    let n = DEEP;
    let mut src = String::from("cell main()\n  print(K0)\nend\n");
    for i in 0..n {
        src.push_str(&format!("const K{i} = K{} + 1\n", i + 1));
    }
    src.push_str(&format!("const K{n} = 0\n"));
    assert_eq!(run_small_stack(src).as_deref(), Ok("20000\n"));
    // Cells calling the next one: checked one at a time, whatever the call chain.
    let mut src = String::from("cell main()\n  print(1)\nend\n");
    for i in 0..n {
        src.push_str(&format!("cell c{i}() -> Int\n  c{}()\nend\n", i + 1));
    }
    src.push_str(&format!("cell c{n}() -> Int\n  1\nend\n"));
    assert_eq!(run_small_stack(src).as_deref(), Ok("1\n"));
}

#[test]
fn issue10_item1_wide_patterns_and_record_default_chains_on_a_1mib_stack() {
    // Exhaustiveness over a 20,000-item tuple pattern: all-wildcard columns are skipped in a
    // loop, constructor splits are bounded.
    for item in ["_, ", "true, "] {
        let body = format!(
            "let t = ({}true)\n  match t\n    ({}true) -> print(1)\n    ({}false) -> print(2)\n    _ -> print(3)\n  end",
            "true, ".repeat(DEEP),
            item.repeat(DEEP),
            item.repeat(DEEP)
        );
        let src = program(&body);
        let diags = small_stack(move || {
            check(
                "wide.lm",
                src.as_bytes(),
                &NoImports,
                &CompileOptions::default(),
            )
        });
        assert!(diags.iter().all(|d| !d.is_error()), "{:?}", codes(&diags));
    }
    // Record defaults that construct the next record: inlined by lowering, which stops at
    // its nesting limit with E0103 (not an internal error).
    let mut src = String::from("cell main()\n  print(R0().x)\nend\n");
    for i in 0..2000 {
        src.push_str(&format!(
            "record R{i}\n  x: Int = 1\n  next: R{} = R{}()\nend\n",
            i + 1,
            i + 1
        ));
    }
    src.push_str("record R2000\n  x: Int = 1\nend\n");
    let diags = small_stack(move || {
        compile(
            "defaults.lm",
            src.as_bytes(),
            &NoImports,
            &CompileOptions::default(),
        )
        .err()
        .unwrap_or_default()
    });
    assert_eq!(codes(&diags), vec!["E0103"]);
}
