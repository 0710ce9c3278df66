//! Parser tests: every conformance and benchmark program, precedence, desugaring,
//! patterns, markdown positions, error reporting and robustness on garbage input.

use super::{parse, parse_file, MAX_DEPTH};
use crate::ast::*;
use crate::diagnostic::{codes, Diagnostic};
use std::path::PathBuf;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn parse_ok(src: &str) -> Module {
    let (m, diags) = parse(src);
    assert!(
        diags.is_empty(),
        "unexpected diagnostics for {src:?}: {diags:#?}"
    );
    m
}

fn errors(src: &str) -> Vec<Diagnostic> {
    parse(src).1
}

/// Whether the module declares a cell named `name`.
fn has_cell(m: &Module, name: &str) -> bool {
    m.items
        .iter()
        .any(|i| matches!(i, Item::Cell(c) if c.name.name == name))
}

/// The body of the first cell.
fn body(m: &Module) -> &Block {
    for item in &m.items {
        if let Item::Cell(c) = item {
            return &c.body;
        }
    }
    panic!("no cell in module");
}

/// Parses `src` as the only statement of a cell and returns it.
fn stmt(src: &str) -> Stmt {
    let m = parse_ok(&format!("cell t()\n{src}\nend\n"));
    let b = body(&m);
    assert_eq!(b.stmts.len(), 1, "expected one statement in {src:?}");
    b.stmts[0].clone()
}

/// Parses an expression and prints it as an S-expression.
fn sx(src: &str) -> String {
    match stmt(src).kind {
        StmtKind::Expr(e) => show(&e),
        other => panic!("not an expression statement: {other:?}"),
    }
}

/// Asserts that each source expression prints as the expected S-expression.
fn assert_sx(cases: &[(&str, &str)]) {
    for (src, want) in cases {
        assert_eq!(sx(src), *want, "parsing {src:?}");
    }
}

fn show_block(b: &Block) -> String {
    let parts: Vec<String> = b
        .stmts
        .iter()
        .map(|s| match &s.kind {
            StmtKind::Expr(e) => show(e),
            StmtKind::Return(Some(e)) => format!("(return {})", show(e)),
            StmtKind::Return(None) => "(return)".to_string(),
            StmtKind::Break => "break".to_string(),
            StmtKind::Let { pattern, value, .. } => {
                format!("(let {} {})", show_pat(pattern), show(value))
            }
            StmtKind::Continue => "continue".to_string(),
            StmtKind::Assign { target, op, value } => {
                format!(
                    "(set{} {} {})",
                    op.map(|o| format!("{o:?}")).unwrap_or_default(),
                    show(target),
                    show(value)
                )
            }
            other => format!("{other:?}"),
        })
        .collect();
    format!("{{{}}}", parts.join("; "))
}

fn show_ty(t: &TypeExpr) -> String {
    match t {
        TypeExpr::Named { name, args, .. } => {
            if args.is_empty() {
                name.name.clone()
            } else {
                let a: Vec<_> = args.iter().map(show_ty).collect();
                format!("{}[{}]", name.name, a.join(", "))
            }
        }
        TypeExpr::Tuple { items, .. } => {
            let a: Vec<_> = items.iter().map(show_ty).collect();
            format!("({})", a.join(", "))
        }
        TypeExpr::Fn { params, ret, .. } => {
            let a: Vec<_> = params.iter().map(show_ty).collect();
            format!("fn({}) -> {}", a.join(", "), show_ty(ret))
        }
        TypeExpr::Union { items, .. } => {
            let a: Vec<_> = items.iter().map(show_ty).collect();
            format!("<{}>", a.join(" | "))
        }
        TypeExpr::Optional { inner, .. } => format!("{}?", show_ty(inner)),
    }
}

/// The written parameter types of a cell, printed.
fn param_types(c: &CellDecl) -> Vec<String> {
    c.params
        .iter()
        .filter_map(|p| p.ty.as_ref())
        .map(show_ty)
        .collect()
}

fn show_pat(p: &Pattern) -> String {
    match &p.kind {
        PatternKind::Wildcard => "_".into(),
        PatternKind::Bind(n) => n.clone(),
        PatternKind::Literal(e) => show(e),
        PatternKind::Variant { name, args } => {
            let a: Vec<_> = args
                .iter()
                .map(|a| match &a.name {
                    Some(n) => format!("{}: {}", n.name, show_pat(&a.pattern)),
                    None => show_pat(&a.pattern),
                })
                .collect();
            format!("V:{}({})", name.name, a.join(", "))
        }
        PatternKind::Tuple(items) => {
            let a: Vec<_> = items.iter().map(show_pat).collect();
            format!("T({})", a.join(", "))
        }
        PatternKind::List { items, rest } => {
            let mut a: Vec<_> = items.iter().map(show_pat).collect();
            match rest {
                Some(Some(id)) => a.push(format!("...{}", id.name)),
                Some(None) => a.push("...".into()),
                None => {}
            }
            format!("[{}]", a.join(", "))
        }
        PatternKind::Or(items) => {
            let a: Vec<_> = items.iter().map(show_pat).collect();
            format!("<{}>", a.join(" | "))
        }
        PatternKind::Range {
            start,
            end,
            inclusive,
        } => format!(
            "{}{}{}",
            show(start),
            if *inclusive { "..=" } else { ".." },
            show(end)
        ),
    }
}

fn show(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Int(v) => v.to_string(),
        ExprKind::Float(v) => format!("{v:?}"),
        ExprKind::Str(parts) => {
            let p: Vec<_> = parts
                .iter()
                .map(|p| match p {
                    StrPart::Text(t) => format!("{t:?}"),
                    StrPart::Expr(e) => format!("{{{}}}", show(e)),
                })
                .collect();
            format!("str[{}]", p.join(" "))
        }
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Null => "null".into(),
        ExprKind::Name(n) => n.clone(),
        ExprKind::List(items) => {
            let a: Vec<_> = items.iter().map(show).collect();
            format!("[{}]", a.join(", "))
        }
        ExprKind::Map(entries) => {
            let a: Vec<_> = entries
                .iter()
                .map(|(k, v)| format!("{}: {}", show(k), show(v)))
                .collect();
            format!("{{{}}}", a.join(", "))
        }
        ExprKind::Tuple(items) => {
            let a: Vec<_> = items.iter().map(show).collect();
            format!("tuple({})", a.join(", "))
        }
        ExprKind::Call { callee, args } => {
            let a: Vec<_> = args
                .iter()
                .map(|a| match &a.name {
                    Some(n) => format!("{}: {}", n.name, show(&a.value)),
                    None => show(&a.value),
                })
                .collect();
            format!("{}({})", show(callee), a.join(", "))
        }
        ExprKind::Field {
            target,
            name,
            optional,
        } => format!(
            "{}{}{}",
            show(target),
            if *optional { "?." } else { "." },
            name.name
        ),
        ExprKind::Index { target, index } => format!("{}[{}]", show(target), show(index)),
        ExprKind::Unary { op, expr } => format!("({op:?} {})", show(expr)),
        ExprKind::Binary { op, lhs, rhs } => format!("({op:?} {} {})", show(lhs), show(rhs)),
        ExprKind::Is { expr, ty } => format!("(is {} {})", show(expr), show_ty(ty)),
        ExprKind::Try(e) => format!("{}?", show(e)),
        ExprKind::If {
            branches,
            else_block,
        } => {
            let mut s = String::from("(if");
            for (c, b) in branches {
                s.push_str(&format!(" {} {}", show(c), show_block(b)));
            }
            if let Some(b) = else_block {
                s.push_str(&format!(" else {}", show_block(b)));
            }
            s.push(')');
            s
        }
        ExprKind::Match { scrutinee, arms } => {
            let a: Vec<_> = arms
                .iter()
                .map(|a| {
                    let g = a
                        .guard
                        .as_ref()
                        .map(|g| format!(" if {}", show(g)))
                        .unwrap_or_default();
                    format!("{}{} -> {}", show_pat(&a.pattern), g, show_block(&a.body))
                })
                .collect();
            format!("(match {} [{}])", show(scrutinee), a.join("; "))
        }
        ExprKind::When { arms } => {
            let a: Vec<_> = arms
                .iter()
                .map(|a| {
                    format!(
                        "{} -> {}",
                        a.cond.as_ref().map(show).unwrap_or_else(|| "_".into()),
                        show_block(&a.body)
                    )
                })
                .collect();
            format!("(when [{}])", a.join("; "))
        }
        ExprKind::Lambda { params, ret, body } => {
            let p: Vec<_> = params
                .iter()
                .map(|p| match &p.ty {
                    Some(t) => format!("{}: {}", p.name.name, show_ty(t)),
                    None => p.name.name.clone(),
                })
                .collect();
            format!(
                "(fn ({}) {} {})",
                p.join(", "),
                ret.as_ref().map(show_ty).unwrap_or_else(|| "_".into()),
                show_block(body)
            )
        }
        ExprKind::Comprehension {
            expr,
            pattern,
            iter,
            filter,
        } => format!(
            "[{} for {} in {}{}]",
            show(expr),
            show_pat(pattern),
            show(iter),
            filter
                .as_ref()
                .map(|f| format!(" if {}", show(f)))
                .unwrap_or_default()
        ),
    }
}

// ----- whole programs ---------------------------------------------------------------

fn program_files(dir: PathBuf) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.to_string_lossy();
            name.ends_with(".lm") || name.ends_with(".lm.md")
        })
        .collect();
    files.sort();
    files
}

#[test]
fn conformance_programs_parse() {
    let files = program_files(repo_root().join("tests/conformance"));
    assert!(files.len() >= 10, "conformance programs not found");
    for path in files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let bytes = std::fs::read(&path).unwrap_or_default();
        let (module, _code, diags) = parse_file(&name, &bytes);
        if name == "syntax_error.lm" {
            assert!(!diags.is_empty(), "syntax_error.lm must fail");
            assert_eq!(diags[0].line, 2, "{diags:#?}");
            assert_eq!(diags[0].code, codes::UNEXPECTED_TOKEN);
            assert!(diags[0].message.contains("expected expression, found `*`"));
            assert_eq!(diags[0].source_line, "  let x = 1 + * 2");
            continue;
        }
        assert!(diags.is_empty(), "{name}: {diags:#?}");
        assert!(!module.items.is_empty(), "{name}: no items");
    }
}

#[test]
fn benchmark_programs_parse() {
    let files = program_files(repo_root().join("tests/bench/programs"));
    assert!(files.len() >= 7, "benchmark programs not found");
    for path in files {
        let name = path.to_string_lossy().to_string();
        let bytes = std::fs::read(&path).unwrap_or_default();
        let (module, _code, diags) = parse_file(&name, &bytes);
        assert!(diags.is_empty(), "{name}: {diags:#?}");
        assert!(has_cell(&module, "main"), "{name}: no `main` cell");
    }
}

// ----- markdown positions ---------------------------------------------------------

#[test]
fn markdown_positions_are_those_of_the_file() {
    let path = repo_root().join("tests/conformance/hello.lm.md");
    let bytes = std::fs::read(&path).unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes).to_string();
    let (m, code, diags) = parse_file("hello.lm.md", &bytes);
    assert!(diags.is_empty());
    assert_eq!(code.len(), bytes.len());
    let Some(Item::Cell(main)) = m.items.first() else {
        panic!("expected cell main");
    };
    assert_eq!(m.items.len(), 1, "the text block is prose");
    let index = crate::span::LineIndex::new(&text);
    assert_eq!(index.line_col(&text, main.span.start as usize), (6, 1));
    assert_eq!(
        &text[main.name.span.start as usize..main.name.span.end as usize],
        "main"
    );
    // `name` inside the interpolation on line 8.
    let StmtKind::Expr(call) = &main.body.stmts[1].kind else {
        panic!("expected print call");
    };
    let ExprKind::Call { args, .. } = &call.kind else {
        panic!("expected call");
    };
    let ExprKind::Str(parts) = &args[0].value.kind else {
        panic!("expected string");
    };
    let StrPart::Expr(name) = &parts[1] else {
        panic!("expected interpolation");
    };
    assert_eq!(
        &text[name.span.start as usize..name.span.end as usize],
        "name"
    );
    assert_eq!(index.line_col(&text, name.span.start as usize), (8, 18));
}

#[test]
fn markdown_error_lines_are_file_lines() {
    // type_error.lm.md parses fine; its names are at the markdown file's positions.
    let bytes =
        std::fs::read(repo_root().join("tests/conformance/type_error.lm.md")).unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes).to_string();
    let (m, _, diags) = parse_file("type_error.lm.md", &bytes);
    assert!(diags.is_empty());
    let index = crate::span::LineIndex::new(&text);
    let Some(Item::Cell(main)) = m.items.get(1) else {
        panic!("expected main");
    };
    let s0 = &main.body.stmts[0];
    assert_eq!(index.line_col(&text, s0.span.start as usize), (11, 3));
    let s1 = &main.body.stmts[1];
    assert_eq!(index.line_col(&text, s1.span.start as usize), (12, 3));
    // A syntax error inside a markdown block is located in the markdown file.
    let md = "# Title\n\nSome prose.\n\n```lumen\ncell main()\n  let x = )\nend\n```\n";
    let (_, _, diags) = parse_file("bad.lm.md", md.as_bytes());
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!((diags[0].line, diags[0].column), (7, 11));
    assert_eq!(diags[0].file, "bad.lm.md");
    assert_eq!(diags[0].source_line, "  let x = )");
}

#[test]
fn invalid_utf8_is_located() {
    let (m, code, diags) = parse_file("x.lm", b"cell main()\n  \xff\nend\n");
    assert!(m.items.is_empty());
    assert!(code.is_empty());
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].code, codes::INVALID_UTF8);
    assert_eq!((diags[0].line, diags[0].column), (2, 3));
}

// ----- precedence and desugaring -------------------------------------------------------

#[test]
fn precedence_table() {
    assert_sx(&[
        ("1 + 2 * 3", "(Add 1 (Mul 2 3))"),
        ("1 - 2 - 3", "(Sub (Sub 1 2) 3)"),
        ("2 ** 3 ** 2", "(Pow 2 (Pow 3 2))"),
        ("-2 ** 2", "(Pow (Neg 2) 2)"),
        ("a * b // c % d / e", "(Div (Mod (IntDiv (Mul a b) c) d) e)"),
        ("not a == b", "(Not (Eq a b))"),
        ("a and not b or c", "(Or (And a (Not b)) c)"),
        ("a ?? b or c", "(Coalesce a (Or b c))"),
        ("0..n + 1", "(Range 0 (Add n 1))"),
        ("1..=9", "(RangeInclusive 1 9)"),
        ("a ++ b ++ c", "(Concat (Concat a b) c)"),
        ("a ++ 1..2", "(Concat a (Range 1 2))"),
        ("x in xs and y", "(And (In x xs) y)"),
        ("v is Int or v is String?", "(Or (is v Int) (is v String?))"),
        ("a.b?.c(1)[2]?", "a.b?.c(1)[2]?"),
        ("-a.b", "(Neg a.b)"),
        ("x == 1 ?? 2", "(Coalesce (Eq x 1) 2)"),
    ]);
}

#[test]
fn comparisons_do_not_chain() {
    let d = errors("cell t()\n  a < b < c\nend\n");
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0].code, codes::UNEXPECTED_TOKEN);
    assert!(d[0].message.contains("chain"));
}

#[test]
fn pipes_desugar_to_calls() {
    assert_sx(&[
        ("x |> f(a)", "f(x, a)"),
        ("x |> f", "f(x)"),
        ("x |> f |> g(1)", "g(f(x), 1)"),
        ("a + b |> f", "f((Add a b))"),
        ("x == y |> f", "(Eq x f(y))"),
        // A line starting with `|>` continues the previous expression.
        ("xs\n  |> f(1)\n  |> g", "g(f(xs, 1))"),
    ]);
}

#[test]
fn line_continuation() {
    assert_sx(&[
        ("a +\n  b", "(Add a b)"),
        ("f(a,\n  b\n)", "f(a, b)"),
        ("[1,\n 2,\n]", "[1, 2]"),
        (
            "{\n \"a\": 1,\n \"b\": 2\n}",
            "{str[\"a\"]: 1, str[\"b\"]: 2}",
        ),
    ]);
    let s = stmt("let x =\n  1");
    assert!(matches!(s.kind, StmtKind::Let { .. }));
}

#[test]
fn literals_and_collections() {
    assert_sx(&[
        ("{}", "{}"),
        ("[]", "[]"),
        ("(1, \"x\")", "tuple(1, str[\"x\"])"),
        ("(1)", "1"),
        ("(1 + 2) * 3", "(Mul (Add 1 2) 3)"),
        ("\"\"", "str[]"),
        ("r\"a{b}\"", "str[\"a{b}\"]"),
        (
            "\"Hi {name}, {a + b}!\"",
            "str[\"Hi \" {name} \", \" {(Add a b)} \"!\"]",
        ),
        ("\"{m[\"k\"]}\"", "str[{m[str[\"k\"]]}]"),
        ("Point(x: 1, y: 2)", "Point(x: 1, y: 2)"),
        ("f(1, b: 2)", "f(1, b: 2)"),
        (
            "[x * x for x in xs if x > 0]",
            "[(Mul x x) for x in xs if (Gt x 0)]",
        ),
        ("[(k, v) for (k, v) in m]", "[tuple(k, v) for T(k, v) in m]"),
        ("2.5e-3", "0.0025"),
        ("true and false or null", "(Or (And true false) null)"),
    ]);
}

#[test]
fn lambdas() {
    assert_sx(&[
        (
            "fn(x: Int) -> Int => x * 2",
            "(fn (x: Int) Int {(Mul x 2)})",
        ),
        ("fn(a, b) => a + b", "(fn (a, b) _ {(Add a b)})"),
        (
            "fn(x: Int)\n  let y = x\n  y * 2\nend",
            "(fn (x: Int) _ {(let y x); (Mul y 2)})",
        ),
        // A block lambda inside call parentheses keeps its statements.
        (
            "map(xs, fn(x: Int) -> Int\n  return x + 1\nend)",
            "map(xs, (fn (x: Int) Int {(return (Add x 1))}))",
        ),
        (
            "reduce(xs, fn(a: Int, b: Int) -> Int => a + b, 0)",
            "reduce(xs, (fn (a: Int, b: Int) Int {(Add a b)}), 0)",
        ),
    ]);
}

#[test]
fn if_forms() {
    assert_sx(&[
        ("if a then 1 else 2", "(if a {1} else {2})"),
        (
            "if a then 1 else if b then 2 else 3",
            "(if a {1} else {(if b {2} else {3})})",
        ),
        (
            "if a\n  1\nelse if b\n  2\nelse\n  3\nend",
            "(if a {1} b {2} else {3})",
        ),
        ("if a\n  return 1\nend", "(if a {(return 1)})"),
        ("if a then\n  1\nend", "(if a {1})"),
    ]);
    let s = stmt("let label = if total > 0 then \"big\" else \"small\"");
    let StmtKind::Let { value, .. } = s.kind else {
        panic!("expected let");
    };
    assert_eq!(
        show(&value),
        "(if (Gt total 0) {str[\"big\"]} else {str[\"small\"]})"
    );
}

#[test]
fn match_and_when() {
    assert_sx(&[
("match s\n  Circle(r) -> 3.0 * r * r\n  Square(side) -> side * side\n  Empty -> 0.0\nend", "(match s [V:Circle(r) -> {(Mul (Mul 3.0 r) r)}; V:Square(side) -> {(Mul side side)}; V:Empty() -> {0.0}])"),
("match xs\n  [] -> 0\n  [first, ...rest] if first > 100 -> 1\n  [_, ..._] -> 2\n  [a, ...] -> 3\nend", "(match xs [[] -> {0}; [first, ...rest] if (Gt first 100) -> {1}; [_, ...] -> {2}; [a, ...] -> {3}])"),
("match n\n  90..=100 -> \"A\"\n  -5..0 -> \"neg\"\n  0 | 1 -> \"tiny\"\n  -1 -> x\n  _ -> \"C\"\nend", "(match n [90..=100 -> {str[\"A\"]}; -5..0 -> {str[\"neg\"]}; <0 | 1> -> {str[\"tiny\"]}; -1 -> {x}; _ -> {str[\"C\"]}])"),
("match r\n  ok(v) -> print(v)\n  err(e) ->\n    print(e)\n    return 1\n  end\nend", "(match r [V:ok(v) -> {print(v)}; V:err(e) -> {print(e); (return 1)}])"),
("match p\n  (0, y) -> y\n  Circle(radius: r) -> r\n  \"s\" -> 1\n  true -> return\n  null -> break\nend", "(match p [T(0, y) -> {y}; V:Circle(radius: r) -> {r}; str[\"s\"] -> {1}; true -> {(return)}; null -> {break}])"),
("when\n  x > 90 -> \"A\"\n  x > 80 -> \"B\"\n  _ -> \"C\"\nend", "(when [(Gt x 90) -> {str[\"A\"]}; (Gt x 80) -> {str[\"B\"]}; _ -> {str[\"C\"]}])"),
("match x\n  _ -> total += 1\nend", "(match x [_ -> {(setAdd total 1)}])"),
]);
}

#[test]
fn statements() {
    let s = stmt("let mut x: Int = 1");
    let StmtKind::Let {
        mutable,
        pattern,
        ty,
        value,
    } = s.kind
    else {
        panic!("expected let");
    };
    assert!(mutable);
    assert_eq!(show_pat(&pattern), "x");
    assert_eq!(ty.as_ref().map(show_ty).as_deref(), Some("Int"));
    assert_eq!(show(&value), "1");

    let s = stmt("let (a, b) = pair");
    let StmtKind::Let { pattern, .. } = s.kind else {
        panic!("expected let");
    };
    assert_eq!(show_pat(&pattern), "T(a, b)");

    for (src, op) in [
        ("x += 1", Some(BinOp::Add)),
        ("x -= 1", Some(BinOp::Sub)),
        ("x *= 1", Some(BinOp::Mul)),
        ("x /= 1", Some(BinOp::Div)),
        ("x //= 1", Some(BinOp::IntDiv)),
        ("x %= 1", Some(BinOp::Mod)),
        ("x = 1", None),
    ] {
        let StmtKind::Assign { op: got, .. } = stmt(src).kind else {
            panic!("expected assignment for {src}");
        };
        assert_eq!(got, op, "{src}");
    }
    assert!(matches!(stmt("m[\"k\"] = 1").kind, StmtKind::Assign { .. }));
    assert!(matches!(stmt("p.x = 1").kind, StmtKind::Assign { .. }));

    let s = stmt("for x in xs if x > 0\n  print(x)\nend");
    let StmtKind::For {
        pattern,
        iter,
        filter,
        body: for_body,
    } = s.kind
    else {
        panic!("expected for");
    };
    assert_eq!(show_pat(&pattern), "x");
    assert_eq!(show(&iter), "xs");
    assert_eq!(filter.as_ref().map(show).as_deref(), Some("(Gt x 0)"));
    assert_eq!(for_body.stmts.len(), 1);

    let s = stmt("for (k, v) in m\nend");
    assert!(matches!(s.kind, StmtKind::For { .. }));
    assert!(matches!(
        stmt("while i < 10\n  i += 1\nend").kind,
        StmtKind::While { .. }
    ));
    assert!(matches!(
        stmt("loop\n  break\nend").kind,
        StmtKind::Loop { .. }
    ));
    assert!(matches!(stmt("return").kind, StmtKind::Return(None)));
    assert!(matches!(
        stmt("return 1 + 2").kind,
        StmtKind::Return(Some(_))
    ));
    assert!(matches!(stmt("continue").kind, StmtKind::Continue));

    let m = parse_ok("cell t()\n  let a = 1; let b = 2\n  a; b\nend\n");
    assert_eq!(body(&m).stmts.len(), 4);
}

#[test]
fn invalid_assignment_target() {
    let d = errors("cell t()\n  f(x) = 1\n  a + b += 2\n  x = 1\nend\n");
    let codes: Vec<_> = d.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        vec![codes::INVALID_ASSIGN_TARGET, codes::INVALID_ASSIGN_TARGET]
    );
}

#[test]
fn declarations() {
    let m = parse_ok(
        "record Point\n  x: Int\n  y: Int = 0\n  label: String where length(label) > 0\nend\n\n\
         enum Shape\n  Circle(radius: Float)\n  Square(Float)\n  Empty\nend\n\
         const LIMIT = 100\nconst NAME: String = \"x\"\n\
         use tool http.get as Fetch\ngrant Fetch domain \"api.example.com\"\ngrant Fetch timeout_ms 5000\n\
         grant Fetch offset -3\n\
         import a.b.c: X, Y as Z\nimport util: *\n\
         cell f(a: Int, b: Int = 1) -> fn(Int) -> Int\n  fn(x: Int) -> Int => x + a + b\nend\n\
         cell g(xs: list[Int], m: map[String, Int], r: result[Int, String], t: tuple[Int, String])\nend\n\
         cell h(u: Int | String?, p: (Int, String), f: fn(Int, Int), o: list[Int]?) -> Int?\n  null\nend\n",
    );
    assert_eq!(m.items.len(), 13);
    let Item::Record(r) = &m.items[0] else {
        panic!("record");
    };
    assert_eq!(r.fields.len(), 3);
    assert!(r.fields[1].default.is_some());
    assert!(r.fields[2].constraint.is_some());
    let Item::Enum(e) = &m.items[1] else {
        panic!("enum");
    };
    assert_eq!(e.variants.len(), 3);
    assert_eq!(
        e.variants[0].fields[0]
            .name
            .as_ref()
            .map(|n| n.name.as_str()),
        Some("radius")
    );
    assert!(e.variants[1].fields[0].name.is_none());
    assert!(e.variants[2].fields.is_empty());
    let Item::Const(c) = &m.items[3] else {
        panic!("const");
    };
    assert_eq!(c.ty.as_ref().map(show_ty).as_deref(), Some("String"));
    let Item::UseTool(u) = &m.items[4] else {
        panic!("use tool");
    };
    assert_eq!(u.tool, "http.get");
    assert_eq!(u.alias.name, "Fetch");
    let Item::Grant(g) = &m.items[6] else {
        panic!("grant");
    };
    assert_eq!(
        (g.key.name.as_str(), show(&g.value)),
        ("timeout_ms", "5000".to_string())
    );
    let Item::Grant(g) = &m.items[7] else {
        panic!("grant");
    };
    assert_eq!(g.value.kind, ExprKind::Int(-3));
    let Item::Import(i) = &m.items[8] else {
        panic!("import");
    };
    assert_eq!(i.path.len(), 3);
    let ImportNames::List(names) = &i.names else {
        panic!("names");
    };
    assert_eq!(names[1].1.as_ref().map(|a| a.name.as_str()), Some("Z"));
    let Item::Import(i) = &m.items[9] else {
        panic!("import");
    };
    assert!(matches!(i.names, ImportNames::All(_)));
    let Item::Cell(f) = &m.items[10] else {
        panic!("cell");
    };
    assert!(f.params[1].default.is_some());
    assert_eq!(
        f.ret.as_ref().map(show_ty).as_deref(),
        Some("fn(Int) -> Int")
    );
    assert_eq!(f.body.stmts.len(), 1);
    let Item::Cell(g) = &m.items[11] else {
        panic!("cell");
    };
    assert_eq!(
        param_types(g),
        [
            "list[Int]",
            "map[String, Int]",
            "result[Int, String]",
            "tuple[Int, String]"
        ]
    );
    let Item::Cell(h) = &m.items[12] else {
        panic!("cell");
    };
    assert_eq!(
        param_types(h),
        [
            "<Int | String?>",
            "(Int, String)",
            "fn(Int, Int) -> Null",
            "list[Int]?"
        ]
    );
    assert_eq!(h.ret.as_ref().map(show_ty).as_deref(), Some("Int?"));
}

#[test]
fn spans_cover_constructs() {
    let src = "cell main()\n  let x = foo(1, 2)\nend\n";
    let m = parse_ok(src);
    let Item::Cell(c) = &m.items[0] else {
        panic!("cell");
    };
    assert_eq!(
        &src[c.span.start as usize..c.span.end as usize],
        "cell main()\n  let x = foo(1, 2)\nend"
    );
    let s = &c.body.stmts[0];
    assert_eq!(
        &src[s.span.start as usize..s.span.end as usize],
        "let x = foo(1, 2)"
    );
}

// ----- errors and recovery ---------------------------------------------------------------

#[test]
fn reports_every_error() {
    let src = "cell main()\n  let x = 1 + * 2\n  let y = )\n  print(x\n  z = 3 $ 4\nend\n\ncell ok()\n  1\nend\n";
    let (m, d) = parse(src);
    let lines: Vec<usize> = d
        .iter()
        .map(|d| src[..d.span.start as usize].matches('\n').count() + 1)
        .collect();
    assert_eq!(lines, vec![2, 3, 4, 5, 5], "{d:#?}");
    assert_eq!(d[2].message, "expected `)`, found end of line");
    assert_eq!(d[3].code, codes::INVALID_CHARACTER);
    assert!(has_cell(&m, "ok"));
}

#[test]
fn missing_end_points_at_opener() {
    let src = "cell main()\n  if x\n    1\n\ncell other()\n  2\nend\n";
    let d = errors(src);
    assert_eq!(d.len(), 2, "{d:#?}");
    assert!(d.iter().all(|d| d.code == codes::MISSING_END));
    assert_eq!(d[0].span.start, 0);
    assert_eq!(&src[d[1].span.start as usize..d[1].span.end as usize], "if");
    let (m, _) = parse(src);
    assert_eq!(m.items.len(), 2, "the next cell is still parsed");

    let d = errors("cell main()\n  while true\n    x\n");
    assert!(d.iter().any(|d| d.code == codes::MISSING_END));
}

#[test]
fn lexical_and_syntax_errors_together() {
    let d = errors("cell main()\n  let s = \"abc\n  let t = \"\\q\"\n  let n = 99999999999999999999\n  let u = \"{x\"\nend\n");
    let codes: Vec<_> = d.iter().map(|d| d.code).collect();
    assert!(codes.contains(&codes::UNTERMINATED_STRING), "{codes:?}");
    assert!(codes.contains(&codes::INVALID_ESCAPE), "{codes:?}");
    assert!(codes.contains(&codes::INVALID_NUMBER), "{codes:?}");
    assert!(
        codes.contains(&codes::UNTERMINATED_INTERPOLATION),
        "{codes:?}"
    );
}

#[test]
fn top_level_garbage_resyncs() {
    let (m, d) = parse("print(1)\nx = 2\ncell main()\n  1\nend\nend\n");
    assert_eq!(m.items.len(), 1);
    assert_eq!(d.len(), 2, "{d:#?}");
}

#[test]
fn cell_param_without_type() {
    let d = errors("cell f(a)\nend\n");
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, codes::MISSING_ANNOTATION);
}

#[test]
fn deep_nesting_is_a_diagnostic() {
    let cases = [
        ("let x = ", "("),
        ("let x = ", "["),
        ("let x = ", "{\"a\": "),
        ("let x = ", "-"),
        ("let x = ", "not "),
        ("let x = ", "2 ** "),
        ("let x = ", "fn() => "),
        ("let x = ", "f("),
        ("let x = ", "\"{"),
        ("let x = ", "[x for x in "),
        ("", "if x\n"),
        ("", "while x\n"),
        ("", "match x\n _ -> "),
        ("", "when\n _ -> "),
        ("", "fn()\n"),
        ("let ", "("),
        ("let ", "Some("),
        ("let x: ", "list["),
        ("let x: ", "fn() -> "),
    ];
    for (prefix, open) in cases {
        let mut src = format!("cell main()\n  {prefix}");
        for _ in 0..5000 {
            src.push_str(open);
        }
        src.push_str("1\nend\n");
        let handle = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || parse(&src).1);
        let d = handle
            .ok()
            .and_then(|h| h.join().ok())
            .unwrap_or_else(|| panic!("parser crashed on deep {open:?}"));
        assert!(!d.is_empty(), "{open:?}");
    }
    // Nesting within the limit is fine.
    let depth = MAX_DEPTH / 4;
    let src = format!(
        "cell main()\n  {}1{}\nend\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    assert!(parse(&src).1.is_empty());
    let mut blocks = String::from("cell main()\n");
    for _ in 0..20 {
        blocks.push_str("if x\n");
    }
    for _ in 0..20 {
        blocks.push_str("end\n");
    }
    blocks.push_str("end\n");
    assert!(parse(&blocks).1.is_empty());
}

#[test]
fn garbage_and_truncated_input_never_panic() {
    let samples: Vec<String> = std::fs::read_dir(repo_root().join("tests/conformance"))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                .collect()
        })
        .unwrap_or_default();
    assert!(!samples.is_empty());
    // Every prefix of every program.
    for s in &samples {
        let mut cut = 0;
        while cut < s.len() {
            if s.is_char_boundary(cut) {
                let _ = parse(&s[..cut]);
            }
            cut += 7;
        }
    }
    // Random token soup.
    let atoms = [
        "cell", "end", "(", ")", "[", "]", "{", "}", "if", "else", "then", "match", "when", "->",
        "=>", "fn", "let", "=", "x", "1", "\"s{", "}\"", "\n", ",", ":", "|", "|>", "...", "..",
        "?", "?.", "for", "in", "while", "loop", "record", "enum", "use", "tool", "grant",
        "import", "*", "-", "not", "is", "return", "_", "Name", ";", "#", "@", "r\"", "1.5",
    ];
    let mut seed: u64 = 42;
    for _ in 0..3000 {
        let mut src = String::new();
        for _ in 0..40 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            src.push_str(atoms[(seed >> 33) as usize % atoms.len()]);
            src.push(' ');
        }
        let _ = parse(&src);
    }
    // Random bytes.
    for _ in 0..500 {
        let mut bytes = Vec::new();
        for _ in 0..80 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            bytes.push((seed >> 56) as u8);
        }
        let _ = parse_file("x.lm", &bytes);
        let _ = parse_file("x.lm.md", &bytes);
    }
}

#[test]
fn block_constructs_inside_brackets() {
    assert_sx(&[
        ("print(if a then 1 else 2)", "print((if a {1} else {2}))"),
        (
            "print(match x\n  1 -> 2\n  _ -> 3\nend)",
            "print((match x [1 -> {2}; _ -> {3}]))",
        ),
        ("f(x\n  |> g)", "f(g(x))"),
        ("f(a, b,)", "f(a, b)"),
        ("{\"a\": 1,}", "{str[\"a\"]: 1}"),
        ("[x for x in 0..10]", "[x for x in (Range 0 10)]"),
        ("a.end", "a.end"),
    ]);
}

#[test]
fn missing_end_message_names_the_cell() {
    let d = errors("cell main()\n  1\n");
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, codes::MISSING_END);
    assert_eq!(d[0].message, "`cell main` is never closed: missing `end`");
    assert_eq!(d[0].span.start, 0);
}

#[test]
fn empty_and_comment_only_files() {
    assert!(parse_ok("").items.is_empty());
    assert!(parse_ok("# just a comment\n\n").items.is_empty());
    let (m, _, d) = parse_file("x.lm", b"```\nprose only\n```\n");
    assert!(m.items.is_empty() && d.is_empty());
}

#[test]
fn issue11_item3_pub_marks_a_cell() {
    let m = parse_ok("pub cell f() -> Int\n  1\nend\ncell g()\n  f()\nend\n");
    let pubs: Vec<(String, bool)> = m
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Cell(c) => Some((c.name.name.clone(), c.is_pub)),
            _ => None,
        })
        .collect();
    assert_eq!(pubs, [("f".to_string(), true), ("g".to_string(), false)]);
    let Some(Item::Cell(f)) = m.items.first() else {
        panic!("no cell");
    };
    assert_eq!(f.span.start, 0, "the span starts at `pub`");
    let errs = errors("pub const X = 1\ncell main()\n  print(X)\nend\n");
    assert_eq!(errs.len(), 1, "{errs:#?}");
    assert_eq!(errs[0].code, codes::UNEXPECTED_TOKEN);
    assert!(errs[0].message.contains("only cells can be exported"));
    // `pub` is a keyword now: not a name.
    assert!(!errors("cell main()\n  let pub = 1\nend\n").is_empty());
}

#[test]
fn issue11_item4_use_tool_takes_an_optional_signature() {
    let m = parse_ok(
        "use tool llm.chat as Chat(prompt: String, max_tokens: Int = 256) -> String\n\
         use tool a.b as B()\nuse tool c.d as D\n",
    );
    let tools: Vec<&UseTool> = m
        .items
        .iter()
        .filter_map(|i| match i {
            Item::UseTool(t) => Some(t),
            _ => None,
        })
        .collect();
    let Some(sig) = tools.first().and_then(|t| t.sig.as_ref()) else {
        panic!("no signature parsed");
    };
    let names: Vec<&str> = sig.params.iter().map(|p| p.name.name.as_str()).collect();
    assert_eq!(names, ["prompt", "max_tokens"]);
    assert!(sig.params[1].default.is_some());
    assert!(matches!(&sig.ret, Some(TypeExpr::Named { name, .. }) if name.name == "String"));
    let b = tools.get(1).and_then(|t| t.sig.as_ref());
    assert!(matches!(b, Some(s) if s.params.is_empty() && s.ret.is_none()));
    assert!(tools.get(2).is_some_and(|t| t.sig.is_none()));
    // Parameters need types, as a cell's do.
    let errs = errors("use tool a.b as B(x) -> Int\n");
    assert!(
        errs.iter().any(|d| d.code == codes::MISSING_ANNOTATION),
        "{errs:#?}"
    );
    // `-> R` only follows a parameter list.
    let errs = errors("use tool a.b as B -> Int\n");
    assert!(
        errs.iter().any(|d| d.code == codes::UNEXPECTED_TOKEN),
        "{errs:#?}"
    );
}
