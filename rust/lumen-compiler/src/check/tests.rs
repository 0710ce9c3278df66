//! Checker tests: one minimal program per diagnostic code, plus acceptance of the
//! conformance and benchmark programs.

use super::check;
use crate::diagnostic::Diagnostic;
use crate::resolve::{self, SourceFile};
use crate::span::LineIndex;

fn parse_source(name: &str, bytes: &[u8]) -> (SourceFile, Vec<Diagnostic>) {
    let (ast, _code, diags) = crate::parser::parse_file(name, bytes);
    let text = String::from_utf8_lossy(bytes).into_owned();
    let index = LineIndex::new(&text);
    (
        SourceFile {
            name: name.to_string(),
            text,
            index,
            ast,
        },
        diags,
    )
}

/// Parses, resolves and checks one file; parse or resolve errors fail the test.
fn check_named(name: &str, src: &str) -> Vec<Diagnostic> {
    let (root, mut diags) = parse_source(name, src.as_bytes());
    assert!(diags.is_empty(), "parse errors in {name}: {diags:#?}");
    let program = resolve::resolve(root, &crate::NoImports, &parse_source, &mut diags);
    assert!(diags.is_empty(), "resolve errors in {name}: {diags:#?}");
    check(&program)
}

fn check_src(src: &str) -> Vec<Diagnostic> {
    check_named("test.lm", src)
}

fn errors(src: &str) -> Vec<Diagnostic> {
    errors_named("test.lm", src)
}

/// The errors (not warnings) of `check_named`.
fn errors_named(name: &str, src: &str) -> Vec<Diagnostic> {
    check_named(name, src)
        .into_iter()
        .filter(|d| d.is_error())
        .collect()
}

/// Asserts that the program gives exactly one error, with `code`, on `line`, whose message
/// contains every fragment.
fn expect_one(src: &str, code: &str, line: u32, fragments: &[&str]) {
    let errs = errors(src);
    assert_eq!(errs.len(), 1, "expected one {code} error, got {errs:#?}");
    let d = &errs[0];
    assert_eq!(d.code, code, "wrong code: {d:#?}");
    assert_eq!(d.line, line, "wrong line: {d:#?}");
    for f in fragments {
        assert!(d.message.contains(f), "message {:?} lacks {f:?}", d.message);
    }
}

fn expect_clean(src: &str) {
    let errs = errors(src);
    assert!(errs.is_empty(), "unexpected errors: {errs:#?}");
}

// ----- one test per code ---------------------------------------------------------------

#[test]
fn e0200_unknown_name() {
    expect_one(
        "cell main() -> Int\n  undefined_name + 1\nend\n",
        "E0200",
        2,
        &["undefined_name"],
    );
}

#[test]
fn e0201_duplicate_parameter() {
    expect_one(
        "cell f(a: Int, a: Int) -> Int\n  a\nend\n",
        "E0201",
        1,
        &["`a`"],
    );
}

#[test]
fn shadowing_locals_is_allowed() {
    expect_clean("cell f() -> String\n  let x = 1\n  let x = \"s\"\n  x\nend\n");
}

#[test]
fn e0202_unknown_type() {
    expect_one("cell f(a: Foo) -> Int\n  1\nend\n", "E0202", 1, &["Foo"]);
}

#[test]
fn e0206_grant_on_non_tool_and_bad_value() {
    expect_one(
        "cell f() -> Int\n  1\nend\ngrant f domain \"x\"\n",
        "E0206",
        4,
        &["`f`"],
    );
    expect_one(
        "use tool http.get as Fetch\ngrant Fetch timeout_ms \"soon\"\n",
        "E0206",
        2,
        &["Int"],
    );
    expect_one(
        "use tool http.get as Fetch\ngrant Fetch domain \"a{1}\"\n",
        "E0206",
        2,
        &["literal"],
    );
    expect_clean("use tool http.get as Fetch\ngrant Fetch domain \"api.x.com\"\ngrant Fetch max_calls 3\ngrant Fetch retries 2\n");
}

#[test]
fn e0300_argument_type() {
    expect_one(
        "cell add(a: Int, b: Int) -> Int\n  a + b\nend\ncell main() -> Int\n  add(1, \"two\")\nend\n",
        "E0300",
        5,
        &["Int", "String"],
    );
}

#[test]
fn e0300_return_type_mismatch() {
    expect_one(
        "cell f() -> Int\n  return \"x\"\nend\n",
        "E0300",
        2,
        &["Int", "String"],
    );
    expect_one(
        "cell f() -> Int\n  \"x\"\nend\n",
        "E0300",
        2,
        &["Int", "String"],
    );
}

#[test]
fn e0300_no_implicit_int_to_float() {
    expect_one(
        "cell f(x: Float) -> Float\n  x\nend\ncell g() -> Float\n  f(2)\nend\n",
        "E0300",
        5,
        &["Float", "Int"],
    );
    expect_clean("cell g() -> Float\n  1 + 2.0\nend\n");
}

#[test]
fn e0301_wrong_argument_count() {
    expect_one(
        "cell add(a: Int, b: Int) -> Int\n  a + b\nend\ncell main() -> Int\n  add(1)\nend\n",
        "E0301",
        5,
        &["2"],
    );
    expect_one(
        "cell main() -> Int\n  len(\"a\", \"b\")\nend\n",
        "E0301",
        2,
        &["len"],
    );
}

#[test]
fn e0302_unknown_field() {
    expect_one(
        "record Point\n  x: Int\nend\ncell f(p: Point) -> Int\n  p.z\nend\n",
        "E0302",
        5,
        &["z", "Point"],
    );
}

#[test]
fn e0303_assign_to_immutable() {
    expect_one(
        "cell f() -> Int\n  let x = 1\n  x = 2\n  x\nend\n",
        "E0303",
        3,
        &["`x`"],
    );
    expect_clean("cell f() -> Int\n  let mut x = 1\n  x = 2\n  x\nend\n");
}

#[test]
fn e0304_non_exhaustive_enum_match() {
    let src = "enum Shape\n  Circle(radius: Float)\n  Square(Float)\n  Empty\nend\n\
               cell f(s: Shape) -> Float\n  match s\n    Circle(r) -> r\n    Empty -> 0.0\n  end\nend\n";
    expect_one(src, "E0304", 7, &["Square"]);
}

#[test]
fn e0304_non_exhaustive_bool_result_and_int() {
    expect_one(
        "cell f(b: Bool) -> Int\n  match b\n    true -> 1\n  end\nend\n",
        "E0304",
        2,
        &["false"],
    );
    expect_one(
        "cell f(r: result[Int, String]) -> Int\n  match r\n    ok(v) -> v\n  end\nend\n",
        "E0304",
        2,
        &["err"],
    );
    expect_one(
        "cell f(n: Int) -> Int\n  match n\n    1 -> 1\n  end\nend\n",
        "E0304",
        2,
        &["_"],
    );
    // Guarded arms do not count.
    expect_one(
        "cell f(b: Bool) -> Int\n  match b\n    true -> 1\n    false if 1 > 0 -> 2\n  end\nend\n",
        "E0304",
        2,
        &["false"],
    );
}

#[test]
fn e0305_bad_named_arguments() {
    let rec = "record Point\n  x: Int\n  y: Int = 0\nend\n";
    expect_one(
        &format!("{rec}cell f() -> Point\n  Point(x: 1, z: 2)\nend\n"),
        "E0305",
        6,
        &["z"],
    );
    expect_one(
        &format!("{rec}cell f() -> Point\n  Point(y: 2)\nend\n"),
        "E0305",
        6,
        &["x"],
    );
    expect_one(
        &format!("{rec}cell f() -> Point\n  Point(x: 1, x: 2)\nend\n"),
        "E0305",
        6,
        &["x"],
    );
    expect_one(
        &format!("{rec}cell f() -> Point\n  Point(1)\nend\n"),
        "E0305",
        6,
        &["named"],
    );
    expect_clean(&format!("{rec}cell f() -> Point\n  Point(x: 1)\nend\n"));
}

#[test]
fn e0305_a_positional_argument_on_a_slot_a_named_one_filled() {
    // Found by the fuzz smoke: the checker accepted it and lowering failed (an ICE).
    let greet = "cell greet(name: String, t: String = \"\") -> String\n  name ++ t\nend\n";
    expect_one(
        &format!("{greet}cell f() -> String\n  greet(name: \"a\", \"b\")\nend\n"),
        "E0305",
        5,
        &["name", "more than once"],
    );
    expect_clean(&format!(
        "{greet}cell f() -> String\n  greet(\"a\", t: \"b\")\nend\n"
    ));
}

#[test]
fn e0305_tool_positional_argument() {
    expect_one(
        "use tool http.get as Fetch\ncell f() -> Json\n  Fetch(\"u\")\nend\n",
        "E0305",
        3,
        &["named"],
    );
}

#[test]
fn e0306_calling_a_non_function() {
    expect_one(
        "cell f() -> Int\n  let x = 1\n  x(2)\nend\n",
        "E0306",
        3,
        &["Int"],
    );
}

#[test]
fn e0307_bad_operands() {
    expect_one(
        "cell f() -> Int\n  1 + \"a\"\nend\n",
        "E0307",
        2,
        &["Int", "String"],
    );
    expect_one(
        "cell f() -> Bool\n  1 and true\nend\n",
        "E0307",
        2,
        &["and"],
    );
}

#[test]
fn e0308_break_outside_loop() {
    expect_one("cell f() -> Null\n  break\nend\n", "E0308", 2, &["break"]);
    expect_one(
        "cell f() -> Null\n  continue\n  return null\nend\n",
        "E0308",
        2,
        &["continue"],
    );
}

#[test]
fn e0309_try_misuse() {
    expect_one(
        "cell g() -> result[Int, String]\n  ok(1)\nend\ncell f() -> Int\n  g()?\nend\n",
        "E0309",
        5,
        &["result"],
    );
    expect_one(
        "cell f() -> result[Int, String]\n  let x = 3\n  ok(x?)\nend\n",
        "E0309",
        3,
        &["Int"],
    );
}

#[test]
fn e0310_pattern_cannot_match() {
    expect_one(
        "cell f(n: Int) -> Int\n  match n\n    \"a\" -> 1\n    _ -> 2\n  end\nend\n",
        "E0310",
        3,
        &["String", "Int"],
    );
    expect_one(
        "enum E\n  A\n  B\nend\ncell f(n: Int) -> Int\n  match n\n    A -> 1\n    _ -> 2\n  end\nend\n",
        "E0310",
        7,
        &["A"],
    );
}

#[test]
fn e0312_missing_annotation() {
    // (The parser itself rejects an unannotated cell parameter with E0312.)
    expect_one(
        "cell f() -> Int\n  let g = fn(x) => x\n  1\nend\n",
        "E0312",
        2,
        &["`x`"],
    );
    expect_clean("cell f() -> list[Int]\n  map([1, 2], fn(x) => x * 2)\nend\n");
}

#[test]
fn w0002_unreachable_arm_after_catch_all() {
    let ds = check_src("cell f(n: Int) -> Int\n  match n\n    _ -> 1\n    2 -> 2\n  end\nend\n");
    assert!(ds.iter().all(|d| !d.is_error()), "{ds:#?}");
    assert!(
        ds.iter().any(|d| d.code == "W0002" && d.line == 4),
        "{ds:#?}"
    );
}

// ----- inference, narrowing, builtins ---------------------------------------------------

#[test]
fn null_narrowing_after_early_return_and_inside_if() {
    expect_clean(
        "cell f(s: String) -> Int\n  let n = to_int(s)\n  if n == null\n    return 0\n  end\n  n + 1\nend\n",
    );
    expect_clean("cell f(s: String) -> Int\n  let n = to_int(s)\n  if n != null\n    return n + 1\n  end\n  0\nend\n");
    expect_clean(
        "cell f(s: String) -> Int\n  let n = to_int(s)\n  if n == null then 0 else n\nend\n",
    );
    expect_one(
        "cell f(s: String) -> Int\n  let n = to_int(s)\n  n + 1\nend\n",
        "E0307",
        3,
        &["Int?"],
    );
}

#[test]
fn narrowing_ends_with_the_block() {
    let src = "cell f(s: String, c: Bool) -> Int\n  let n = to_int(s)\n  if c\n    if n == null\n      return 0\n    end\n  end\n  n + 1\nend\n";
    expect_one(src, "E0307", 8, &["Int?"]);
}

#[test]
fn assignment_narrows_until_the_block_ends() {
    expect_clean("cell f() -> Int\n  let mut c: Int? = null\n  c = 5\n  c + 1\nend\n");
    expect_clean("cell f() -> Int\n  let mut best = null\n  best = 2\n  best ?? 0\nend\n");
    let src = "cell f(b: Bool) -> Int\n  let mut c: Int? = null\n  if b\n    c = 5\n  end\n  c + 1\nend\n";
    expect_one(src, "E0307", 6, &["Int?"]);
}

#[test]
fn loops_undo_narrowing_of_bindings_they_assign() {
    let src = "cell f(s: String) -> Int\n  let mut c = to_int(s)\n  if c == null\n    return 0\n  end\n  let mut t = 0\n  while t < 3\n    t += c\n    c = to_int(s)\n  end\n  t\nend\n";
    expect_one(src, "E0307", 8, &["Int?"]);
    let ok = "cell f(s: String) -> Int\n  let c = to_int(s)\n  if c == null\n    return 0\n  end\n  let mut t = 0\n  while t < 3\n    t += c\n  end\n  t\nend\n";
    expect_clean(ok);
}

#[test]
fn empty_list_element_type_is_fixed_by_later_use() {
    expect_clean("cell f() -> list[Int]\n  let mut xs = []\n  xs = append(xs, 1)\n  xs\nend\n");
    expect_one(
        "cell f() -> Null\n  let mut xs = []\n  xs = append(xs, 1)\n  xs = append(xs, \"a\")\n  return null\nend\n",
        "E0300",
        4,
        &["Int", "String"],
    );
    expect_clean("cell f() -> map[String, Int]\n  let mut m = {}\n  m[\"a\"] = 1\n  m\nend\n");
}

#[test]
fn inferred_return_types_and_recursion() {
    expect_clean(
        "cell main() -> Int\n  double(later(2))\nend\ncell double(x: Int)\n  x * 2\nend\ncell later(x: Int)\n  if x > 0\n    return x\n  end\n  0\nend\n",
    );
    expect_clean(
        "cell even(n: Int)\n  if n == 0\n    return true\n  end\n  odd(n - 1)\nend\ncell odd(n: Int)\n  if n == 0\n    return false\n  end\n  even(n - 1)\nend\ncell main() -> Bool\n  even(4)\nend\n",
    );
    expect_one(
        "cell name()\n  \"x\"\nend\ncell main() -> Int\n  name()\nend\n",
        "E0300",
        5,
        &["Int", "String"],
    );
}

#[test]
fn inferred_result_return() {
    expect_clean(
        "cell parse(s: String)\n  let n = to_int(s)\n  if n == null\n    return err(\"bad\")\n  end\n  return ok(n)\nend\ncell main() -> result[Int, String]\n  parse(\"1\")\nend\n",
    );
}

#[test]
fn builtins_are_not_values() {
    expect_one(
        "cell f() -> list[Int]\n  map([1], abs)\nend\n",
        "E0300",
        2,
        &["abs"],
    );
}

#[test]
fn builtin_signatures() {
    expect_clean(
        "cell f() -> Null\n  let xs = [3, 1, 2]\n  let s: list[Int] = sort(xs)\n  let f: Int? = first(xs)\n  let e: list[tuple[Int, Int]] = enumerate(xs)\n  let t: Int = reduce(xs, fn(a, b) => a + b, 0)\n  let m = {\"a\": 1}\n  let v: Int? = get(m, \"a\")\n  let k: list[String] = keys(m)\n  let w: list[String] = split(\"a,b\", \",\")\n  let n: Int = floor(2.5)\n  let ok1: Bool = any(xs, fn(x) => x > 1)\n  let z: list[tuple[Int, String]] = zip(xs, w)\n  let fl: list[Int] = flatten([[1], [2]])\n  return null\nend\n",
    );
    expect_one(
        "cell f() -> String\n  upper(3)\nend\n",
        "E0300",
        2,
        &["String", "Int"],
    );
    expect_one(
        "cell f() -> list[Int]\n  filter([1], fn(x: Int) -> Int => x)\nend\n",
        "E0300",
        2,
        &["Bool"],
    );
}

#[test]
fn json_is_accepted_everywhere() {
    expect_clean(
        "use tool http.get as Fetch\ncell f() -> Int\n  let r = Fetch(url: \"u\")\n  let n: Int = r[\"count\"]\n  let s: String = r.name\n  n + r.x\nend\n",
    );
}

#[test]
fn records_variants_and_constraints() {
    expect_clean(
        "record Account\n  owner: String\n  balance: Int where balance >= 0\nend\nenum Shape\n  Circle(radius: Float)\n  Square(Float)\n  Empty\nend\ncell f() -> list[Shape]\n  let a = Account(owner: \"a\", balance: 1)\n  [Circle(radius: 1.0), Square(2.0), Empty, Circle(2.0)]\nend\n",
    );
    expect_one(
        "record A\n  n: Int where n\nend\n",
        "E0300",
        2,
        &["Bool", "Int"],
    );
}

#[test]
fn match_patterns_bind_typed_variables() {
    expect_clean(
        "cell f(xs: list[Int]) -> Int\n  match xs\n    [] -> 0\n    [a, ...rest] -> a + len(rest)\n  end\nend\n",
    );
    expect_clean(
        "cell f(p: tuple[Int, String]) -> String\n  match p\n    (0, s) -> s\n    (n, s) -> s ++ to_string(n)\n  end\nend\n",
    );
    expect_clean(
        "enum T\n  Leaf(value: Int)\n  Node(left: T, right: T)\nend\ncell f(t: T) -> Int\n  match t\n    Leaf(value: v) -> v\n    Node(l, r) -> f(l) + f(r)\n  end\nend\n",
    );
    expect_one(
        "cell f(xs: list[Int]) -> Int\n  match xs\n    [a, ...rest] -> a\n  end\nend\n",
        "E0304",
        2,
        &["[]"],
    );
}

#[test]
fn lambdas_and_closures() {
    expect_clean(
        "cell make(n: Int) -> fn(Int) -> Int\n  fn(x: Int) -> Int => x + n\nend\ncell main() -> Int\n  let f = make(1)\n  f(2)\nend\n",
    );
    expect_one(
        "cell main() -> Null\n  let mut t = 0\n  let f = fn(x: Int)\n    t = x\n  end\n  return null\nend\n",
        "E0303",
        4,
        &["closure"],
    );
}

#[test]
fn for_loops_over_maps_strings_and_ranges() {
    expect_clean(
        "cell f(m: map[String, Int]) -> Int\n  let mut t = 0\n  for (k, v) in m\n    t += v + len(k)\n  end\n  for c in \"abc\"\n    t += len(c)\n  end\n  for i in 0..3\n    t += i\n  end\n  t\nend\n",
    );
    expect_one(
        "cell f() -> Null\n  for x in 3\n    print(x)\n  end\n  return null\nend\n",
        "E0300",
        2,
        &["Int"],
    );
}

#[test]
fn reports_all_errors() {
    let errs = errors("cell f() -> Int\n  let a = nope1\n  let b = nope2\n  a + b\nend\n");
    assert_eq!(errs.len(), 2, "{errs:#?}");
}

// ----- acceptance of the shipped programs ----------------------------------------------

fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Asserts that every program in `dir` whose file name passes `accept` checks without
/// errors; returns how many it checked, or `None` when `dir` cannot be read.
fn assert_dir_checks_cleanly(
    dir: &std::path::Path,
    accept: impl Fn(&str) -> bool,
) -> Option<usize> {
    let entries = std::fs::read_dir(dir).ok()?;
    let mut seen = 0;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !accept(&name) {
            continue;
        }
        let src = std::fs::read_to_string(e.path()).unwrap_or_default();
        let errs = errors_named(&name, &src);
        assert!(errs.is_empty(), "{name}: {errs:#?}");
        seen += 1;
    }
    Some(seen)
}

/// Whether a file name is that of a Lumen program (`.lm` or `.lm.md`).
fn is_program(name: &str) -> bool {
    name.ends_with(".lm") || name.ends_with(".lm.md")
}

#[test]
fn conformance_programs_check_cleanly() {
    let seen = assert_dir_checks_cleanly(&repo_root().join("tests/conformance"), |name| {
        is_program(name) && !name.starts_with("syntax_error") && !name.starts_with("type_error")
    });
    if let Some(seen) = seen {
        assert!(seen >= 10, "found only {seen} conformance programs");
    }
}

#[test]
fn examples_check_cleanly() {
    assert_dir_checks_cleanly(&repo_root().join("examples"), is_program);
}

#[test]
fn type_error_program_reports_both_errors() {
    let path = repo_root().join("tests/conformance/type_error.lm.md");
    let Ok(src) = std::fs::read_to_string(path) else {
        return;
    };
    let errs = check_named("type_error.lm.md", &src);
    assert!(
        errs.iter()
            .any(|d| d.code == "E0300" && d.line == 11 && d.message.contains("String")),
        "{errs:#?}"
    );
    assert!(
        errs.iter()
            .any(|d| d.code == "E0200" && d.line == 12 && d.message.contains("undefined_name")),
        "{errs:#?}"
    );
}

#[test]
fn bench_programs_check_cleanly() {
    let dir =
        std::path::Path::new(option_env!("BENCH_DIR").unwrap_or("/work/shared/bench/programs"));
    assert_dir_checks_cleanly(dir, |name| name.ends_with(".lm"));
}

/// Loads modules from the directory of the importing file (tests only).
struct DirLoader;

impl crate::ModuleLoader for DirLoader {
    fn load(&self, importer: &str, path: &[String]) -> Result<(String, Vec<u8>), String> {
        let base = std::path::Path::new(importer)
            .parent()
            .map(|p| p.to_path_buf())
            .unwrap_or_default();
        let rel = path.join("/");
        for ext in [".lm.md", ".lm"] {
            let p = base.join(format!("{rel}{ext}"));
            if let Ok(bytes) = std::fs::read(&p) {
                return Ok((p.to_string_lossy().into_owned(), bytes));
            }
        }
        Err("not found".into())
    }
}

/// Every program of `tests/programs`: compile-time error programs of the checker's codes
/// (E02xx from the checker, E03xx) give their code on their line; every program that is
/// expected to compile checks without errors.
#[test]
fn test_programs_give_the_expected_diagnostics() {
    let dir = repo_root().join("tests/programs");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    let mut failures = Vec::new();
    let mut count = 0;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !is_program(&name) {
            continue;
        }
        let path = e.path();
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let full = path.to_string_lossy().into_owned();
        let (root, mut diags) = parse_source(&full, &bytes);
        let program = resolve::resolve(root, &DirLoader, &parse_source, &mut diags);
        if diags.iter().any(|d| d.is_error()) {
            continue; // a lexical, syntax or import error program: not the checker's
        }
        count += 1;
        // Grant keys are checked by the driver, next to the checker.
        let errs: Vec<Diagnostic> = check(&program)
            .into_iter()
            .chain(crate::grant_keys::check(&program, &[]))
            .filter(|d| d.is_error())
            .collect();
        let stem = name.trim_end_matches(".md").trim_end_matches(".lm");
        let err_file = std::fs::read_to_string(dir.join(format!("{stem}.err"))).unwrap_or_default();
        let compile_error = name.starts_with("err_E02") || name.starts_with("err_E03");
        if compile_error && !name.starts_with("err_E0311") {
            let code = err_file.lines().next().unwrap_or("").trim().to_string();
            let line: Option<u32> = err_file
                .lines()
                .find_map(|l| l.rsplit_once(':').and_then(|(_, n)| n.trim().parse().ok()));
            if !errs.iter().any(|d| d.code == code && Some(d.line) == line) {
                failures.push(format!(
                    "{name}: expected {code} on line {line:?}, got {errs:#?}"
                ));
            }
        } else if !errs.is_empty() && !name.starts_with("err_E0311") {
            failures.push(format!("{name}: {errs:#?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} programs failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Robustness: checking every program of the test folders with one line deleted, or one
/// `end` swapped for another word, never panics (whatever the parser recovered).
#[test]
fn mutated_programs_never_panic() {
    let mut sources = Vec::new();
    for sub in ["tests/programs", "tests/conformance"] {
        let Ok(entries) = std::fs::read_dir(repo_root().join(sub)) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if is_program(&name) {
                if let Ok(src) = std::fs::read_to_string(e.path()) {
                    sources.push((name, src));
                }
            }
        }
    }
    let mut runs = 0;
    for (name, src) in &sources {
        let lines: Vec<&str> = src.lines().collect();
        for i in 0..lines.len() {
            let mut variants = Vec::new();
            let mut without = lines.clone();
            without.remove(i);
            variants.push(without.join("\n"));
            let swapped: Vec<String> = lines
                .iter()
                .enumerate()
                .map(|(j, l)| {
                    if j == i {
                        l.replace("Int", "Float").replace('"', "")
                    } else {
                        l.to_string()
                    }
                })
                .collect();
            variants.push(swapped.join("\n"));
            for v in variants {
                let (root, mut diags) = parse_source(name, v.as_bytes());
                let program = resolve::resolve(root, &crate::NoImports, &parse_source, &mut diags);
                let _ = check(&program);
                runs += 1;
            }
        }
    }
    assert!(runs > 100, "only {runs} runs");
}

// ----- issue 10 item 15: exhaustiveness over nested patterns ------------------------------

const TREE: &str = "enum Tree\n  Leaf(Int)\n  Branch((Tree, Tree))\nend\n";

#[test]
fn issue10_item15_tuple_payload_of_bindings_is_irrefutable() {
    expect_clean(&format!(
        "{TREE}cell sum(node: Tree) -> Int\n  match node\n    Leaf(v) -> v\n    Branch((left, right)) -> sum(left) + sum(right)\n  end\nend\n"
    ));
}

#[test]
fn issue10_item15_wrong_arity_payload_pattern_is_not_also_non_exhaustive() {
    // `Branch((l, r))` against a two-field variant is E0310; the match is not reported as
    // non-exhaustive on top of it.
    let src = "enum Tree\n  Leaf(Int)\n  Branch(left: Tree, right: Tree)\nend\n\
               cell sum(node: Tree) -> Int\n  match node\n    Leaf(v) -> v\n    Branch((l, r)) -> 0\n  end\nend\n";
    let errs = errors(src);
    assert!(errs.iter().all(|d| d.code != "E0304"), "{errs:#?}");
    assert!(errs.iter().any(|d| d.code == "E0310"), "{errs:#?}");
}

#[test]
fn issue10_item15_nested_patterns_that_cover_everything_are_exhaustive() {
    let shape = "enum Shape\n  Circle(Float)\n  Square(Float)\nend\n";
    for (ty, arms) in [
        // Tuples of Bools, split on both positions.
        (
            "(Bool, Bool)",
            "(true, _) -> 1\n    (false, true) -> 2\n    (false, false) -> 3",
        ),
        // A variant inside a tuple inside a variant.
        (
            "Tree",
            "Leaf(_) -> 1\n    Branch((Leaf(_), _)) -> 2\n    Branch((Branch(_), Leaf(_))) -> 3\n    Branch((Branch(_), Branch(_))) -> 4",
        ),
        // Results of tuples, optionals and or-patterns inside a tuple.
        (
            "result[(Bool, Int), String]",
            "ok((true | false, n)) -> n\n    err(_) -> 0",
        ),
        ("(Bool?, Int)", "(null, _) -> 1\n    (true, _) -> 2\n    (false, n) -> n"),
        // Lists inside tuples.
        (
            "(list[Int], Bool)",
            "([], _) -> 1\n    ([x, ...rest], true) -> x\n    ([_, ..._], false) -> 3",
        ),
        // A union of two enums, every variant covered.
        ("Tree | Shape", "Leaf(_) -> 1\n    Branch(_) -> 2\n    Circle(_) -> 3\n    Square(_) -> 4"),
        // Named payload sub-patterns in any order.
        ("Named", "Pair(b: true, a: _) -> 1\n    Pair(a: _, b: false) -> 2"),
    ] {
        let src = format!(
            "{TREE}{shape}enum Named\n  Pair(a: Int, b: Bool)\nend\n\
             cell f(x: {ty}) -> Int\n  match x\n    {arms}\n  end\nend\n"
        );
        let errs = errors(&src);
        assert!(errs.is_empty(), "{ty}: unexpected errors: {errs:#?}");
    }
}

#[test]
fn issue10_item15_nested_gaps_are_still_non_exhaustive() {
    // The message names a value no arm matches, nested patterns included.
    let shape = "enum Shape\n  Circle(Float)\n  Square(Float)\nend\n";
    for (ty, arms, missing) in [
        (
            "(Bool, Bool)",
            "(true, _) -> 1\n    (false, true) -> 2",
            "(false, false)",
        ),
        (
            "Tree",
            "Leaf(_) -> 1\n    Branch((Leaf(_), _)) -> 2\n    Branch((_, Leaf(_))) -> 3",
            "Branch((Branch(_), Branch(_)))",
        ),
        (
            "result[(Bool, Int), String]",
            "ok((true, n)) -> n\n    err(_) -> 0",
            "ok((false, _))",
        ),
        (
            "(Bool?, Int)",
            "(true, _) -> 2\n    (false, n) -> n",
            "(null, _)",
        ),
        (
            "(list[Int], Bool)",
            "([], _) -> 1\n    ([x, ...rest], true) -> x",
            "([_], false)",
        ),
        (
            "Tree | Shape",
            "Leaf(_) -> 1\n    Branch(_) -> 2\n    Circle(_) -> 3",
            "Square(_)",
        ),
        ("Named", "Pair(b: true, a: _) -> 1", "Pair(_, false)"),
        // A guarded arm never counts, even when its pattern is irrefutable.
        (
            "Tree",
            "Leaf(_) -> 1\n    Branch((l, r)) if 1 > 2 -> 2",
            "Branch(_)",
        ),
    ] {
        let src = format!(
            "{TREE}{shape}enum Named\n  Pair(a: Int, b: Bool)\nend\n\
             cell f(x: {ty}) -> Int\n  match x\n    {arms}\n  end\nend\n"
        );
        let errs = errors(&src);
        assert_eq!(errs.len(), 1, "{ty}: {errs:#?}");
        assert_eq!(errs[0].code, "E0304", "{ty}: {errs:#?}");
        assert!(
            errs[0].message.contains(&format!("`{missing}`")),
            "{ty}: {}",
            errs[0].message
        );
    }
}

#[test]
fn issue10_item15_wide_or_patterns_stay_within_the_work_budget() {
    // 2,000 columns of `true | false`: the search for a missing case is bounded by the work
    // it does (it ran for minutes when only its steps were counted), and covering everything
    // is clean. Up to 128 columns that need a split, a gap is still found and named (beyond,
    // the match is taken as exhaustive; a value no arm matches fails at run time).
    let case = |n: usize, last: &str| {
        format!(
            "cell f() -> Int\n  match ({}true)\n    ({}{last}) -> 1\n  end\nend\n",
            "true, ".repeat(n),
            "true | false, ".repeat(n)
        )
    };
    expect_clean(&case(2000, "true | false"));
    let errs = errors(&case(100, "true"));
    assert_eq!(errs.len(), 1, "{errs:#?}");
    assert!(
        errs[0].message.ends_with(", false)`"),
        "{}",
        errs[0].message
    );
}

const CHAT: &str = "use tool llm.chat as Chat(prompt: String, max_tokens: Int = 256) -> String\n";

#[test]
fn issue11_item4_typed_tool_calls_are_checked_against_the_signature() {
    // Accepted: positional, named, defaulted; the call has the declared result type.
    let ok = format!(
        "{CHAT}cell main()\n  let a: String = Chat(\"hi\")\n  let b = Chat(prompt: \"x\", max_tokens: 3)\n  print(a ++ b)\nend\n"
    );
    assert!(errors(&ok).is_empty(), "{:#?}", errors(&ok));
    expect_one(
        &format!("{CHAT}cell main()\n  print(Chat(\"hi\", tokens: 3))\nend\n"),
        "E0305",
        3,
        &["tool `Chat` has no parameter or field named `tokens`"],
    );
    expect_one(
        &format!("{CHAT}cell main()\n  print(Chat(max_tokens: 1))\nend\n"),
        "E0305",
        3,
        &["tool `Chat` is missing argument `prompt`"],
    );
    expect_one(
        &format!("{CHAT}cell main()\n  print(Chat(1))\nend\n"),
        "E0300",
        3,
        &["argument `prompt` of tool `Chat`: expected String, found Int"],
    );
    expect_one(
        &format!("{CHAT}cell main()\n  print(Chat(\"a\", 1, 2))\nend\n"),
        "E0301",
        3,
        &["tool `Chat` takes 2 arguments, but 3 were given"],
    );
    expect_one(
        &format!("{CHAT}cell main()\n  let n: Int = Chat(\"a\")\nend\n"),
        "E0300",
        3,
        &["expected Int, found String"],
    );
    // A typed tool without `-> R` returns Json.
    let json = "use tool a.b as B(x: Int)\ncell main()\n  let n: Int = B(1)\n  print(n)\nend\n";
    assert!(errors(json).is_empty(), "{:#?}", errors(json));
}

#[test]
fn issue11_item4_untyped_tools_work_as_before() {
    expect_one(
        "use tool a.b as B\ncell main()\n  print(B(1))\nend\n",
        "E0305",
        3,
        &["tool `B` takes named arguments only"],
    );
    let ok =
        "use tool a.b as B\ncell main()\n  let n: Int = B(x: [1], y: \"s\")\n  print(n)\nend\n";
    assert!(errors(ok).is_empty(), "{:#?}", errors(ok));
}

#[test]
fn issue11_item4_tool_defaults_are_typed_constants() {
    let ok = "use tool a.b as B(xs: list[Int] = [1, -2], m: map[String, Float?] = {\"a\": null}, t: tuple[Int, String] = (1, \"s\"), s: String = \"plain\") -> Int\ncell main()\n  print(B())\nend\n";
    assert!(errors(ok).is_empty(), "{:#?}", errors(ok));
    expect_one(
        "use tool a.b as B(n: Int = 1 + 2) -> Int\ncell main()\n  print(B())\nend\n",
        "E0313",
        1,
        &["default of tool parameter `n` must be a constant"],
    );
    expect_one(
        "use tool a.b as B(s: String = \"{1}\") -> Int\ncell main()\n  print(B())\nend\n",
        "E0313",
        1,
        &["must be a constant"],
    );
    expect_one(
        "use tool a.b as B(n: Int = \"one\") -> Int\ncell main()\n  print(B())\nend\n",
        "E0300",
        1,
        &["default of parameter `n`: expected Int, found String"],
    );
}

#[test]
fn issue11_item4_tool_result_types_must_be_checkable() {
    expect_one(
        "use tool a.b as B() -> list[fn(Int) -> Int]\ncell main()\n  print(B())\nend\n",
        "E0314",
        1,
        &[
            "tool `B` cannot return list[fn(Int) -> Int]",
            "function type",
        ],
    );
    // Reached through an enum payload and a recursive record.
    expect_one(
        "record Pos\n  n: Int where n > 0\nend\nenum E\n  A(Pos)\nend\nrecord Tree\n  kids: list[Tree]\n  e: E?\nend\nuse tool a.b as B() -> Tree\ncell main()\n  print(B())\nend\n",
        "E0314",
        11,
        &["record `Pos` has `where` constraints"],
    );
    let ok = "record Tree\n  kids: list[Tree]\n  label: String = \"\"\nend\nuse tool a.b as B() -> result[Tree, String]\ncell main()\n  print(B())\nend\n";
    assert!(errors(ok).is_empty(), "{:#?}", errors(ok));
}
