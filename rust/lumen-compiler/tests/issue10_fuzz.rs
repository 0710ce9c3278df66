//! Issue 10, compile-time blowups found by the fuzzer (`rust/lumen-fuzz`): inputs that did
//! not crash but took quadratic time or memory, and size limits that were reported with the
//! internal-error code. Sizes are chosen so the old quadratic code would take minutes or
//! gigabytes here (debug build), while the linear code finishes in about a second.

use lumen_compiler::{check, compile, CompileOptions, Diagnostic, NoImports};
use std::fmt::Write;

fn compile_diags(src: &str) -> Result<(), Vec<Diagnostic>> {
    compile(
        "t.lm",
        src.as_bytes(),
        &NoImports,
        &CompileOptions::default(),
    )
    .map(|_| ())
}

fn check_codes(src: &str) -> Vec<&'static str> {
    check(
        "t.lm",
        src.as_bytes(),
        &NoImports,
        &CompileOptions::default(),
    )
    .iter()
    .map(|d| d.code)
    .collect()
}

/// A cell with parameter `n` and `lets` locals, each reading `n` (a name looked up past
/// every later local: the old linear scope scan made this quadratic).
fn many_lets(lets: usize) -> String {
    let mut s = String::from("cell deep(n: Int) -> Int\n  if n <= 0\n    return 0\n  end\n");
    for i in 0..lets {
        let _ = writeln!(s, "  let r{i} = n");
    }
    s.push_str("  return deep(n - 1)\nend\n\ncell main()\n  print(deep(3))\nend\n");
    s
}

/// `enum Expr` with `Lit(Int)` and `Add` of `n` `Expr` fields, and a match on it whose
/// `Add` arm is `Add(<arm>)`.
fn wide_enum(n: usize, arm: &str) -> String {
    let fields = vec!["Expr"; n].join(", ");
    format!(
        "enum Expr\n  Lit(Int)\n  Add({fields})\nend\n\ncell ev(e: Expr) -> Int\n  match e\n    \
         Lit(v) -> v\n    Add({arm}) -> 1\n  end\nend\n\ncell main()\n  print(ev(Lit(1)))\nend\n"
    )
}

#[test]
fn issue10_fuzz_60000_lets_reading_a_parameter_compile() {
    // Old code: about 8 s in release (80 s and more in debug) for this size.
    assert!(compile_diags(&many_lets(60_000)).is_ok());
}

#[test]
fn issue10_fuzz_70000_locals_are_e0104_at_the_cell() {
    let d = compile_diags(&many_lets(70_000)).err().unwrap_or_default();
    let got: Vec<(&str, u32, u32)> = d.iter().map(|d| (d.code, d.line, d.column)).collect();
    assert_eq!(got, vec![("E0104", 1, 6)], "{d:?}");
    assert!(d[0].message.contains("65535 registers"), "{}", d[0].message);
}

#[test]
fn issue10_fuzz_call_with_256_arguments_is_e0104() {
    let params: Vec<String> = (0..256).map(|i| format!("p{i}: Int")).collect();
    let args = vec!["1"; 256].join(", ");
    let src = format!(
        "cell f({}) -> Int\n  p0\nend\n\ncell main()\n  print(f({args}))\nend\n",
        params.join(", ")
    );
    let d = compile_diags(&src).err().unwrap_or_default();
    let got: Vec<(&str, u32)> = d.iter().map(|d| (d.code, d.line)).collect();
    assert_eq!(got, vec![("E0104", 6)], "{d:?}");
}

#[test]
fn issue10_fuzz_5000_field_variant_matches_compile_or_report_arity() {
    let n = 5_000;
    // The fuzzer's shape: `Add(a, b)` on a 5,000-field variant is an arity error only.
    assert_eq!(check_codes(&wide_enum(n, "a, b")), vec!["E0310"]);
    // Every field bound, or every field `_`: exhaustive, compiles.
    let binds: Vec<String> = (0..n).map(|i| format!("a{i}")).collect();
    assert!(compile_diags(&wide_enum(n, &binds.join(", "))).is_ok());
    assert!(compile_diags(&wide_enum(n, &vec!["_"; n].join(", "))).is_ok());
}

#[test]
fn issue10_fuzz_missing_case_after_5000_wildcard_fields_is_found() {
    // `Add(_, …, _, Lit(_))` misses `Add(_, …, _, Add(…))`. The old search copied the
    // matrix for every wildcard column, ran out of budget and took the match as exhaustive.
    let n = 5_000;
    let mut arm = vec!["_"; n - 1].join(", ");
    arm.push_str(", Lit(_)");
    let src = wide_enum(n, &arm);
    let d = check(
        "t.lm",
        src.as_bytes(),
        &NoImports,
        &CompileOptions::default(),
    );
    assert_eq!(d.len(), 1, "{:?}", d.first().map(|d| &d.code));
    assert_eq!(d[0].code, "E0304");
    assert!(d[0].message.contains(", Add("), "{}", &d[0].message[..200]);
}

#[test]
fn issue10_fuzz_20000_narrowings_and_assignments_in_one_scope_check() {
    // Each `if x == null return` narrows `x` in the cell's scope and each assignment widens
    // it again; the restore list used to grow by one per narrowing and be scanned by every
    // assignment (4 s in release for this size).
    let mut s =
        String::from("cell g() -> Int?\n  1\nend\n\ncell f() -> Int\n  let mut x: Int? = g()\n");
    for _ in 0..20_000 {
        s.push_str("  if x == null\n    return 0\n  end\n  x = g()\n");
    }
    // After the last check `x` is `Int`, so `x + 1` type-checks; after a widening it would not.
    s.push_str(
        "  if x == null\n    return 0\n  end\n  x + 1\nend\n\ncell main()\n  print(f())\nend\n",
    );
    assert_eq!(check_codes(&s), Vec::<&str>::new());
    let widened = s.replace("  x + 1\nend", "  x = g()\n  x + 1\nend");
    assert_eq!(check_codes(&widened), vec!["E0307"]);
}

#[test]
fn issue10_fuzz_50000_field_record_built_by_name_compiles() {
    // Named arguments and field access found their field by a linear scan: quadratic in the
    // fields for one constructor call naming them all.
    let n = 50_000;
    let mut s = String::from("record R\n");
    for i in 0..n {
        let _ = writeln!(s, "  f{i}: Int");
    }
    let args: Vec<String> = (0..n).map(|i| format!("f{i}: {i}")).collect();
    let _ = write!(
        s,
        "end\n\ncell main()\n  let r = R({})\n  print(r.f{} + r.f0)\nend\n",
        args.join(", "),
        n - 1
    );
    assert!(compile_diags(&s).is_ok());
    // A misspelt name is still found missing.
    let bad = s
        .replace("print(r.f0 ", "print(r.g0 ")
        .replace("+ r.f0)", "+ r.g0)");
    assert_eq!(check_codes(&bad), vec!["E0302"]);
}

#[test]
fn issue10_fuzz_missing_variant_of_30000_is_named() {
    // Each variant used to scan every arm (30,000 × 30,000 cells), which ran out of the
    // search budget and took the match as exhaustive.
    let n = 30_000;
    let mut s = String::from("enum E\n");
    for i in 0..n {
        let _ = writeln!(s, "  V{i}");
    }
    s.push_str("end\n\ncell f(e: E) -> Int\n  match e\n");
    for i in 0..n - 1 {
        let _ = writeln!(s, "    V{i} -> {i}");
    }
    s.push_str("  end\nend\n\ncell main()\n  print(f(V5))\nend\n");
    let d = check("t.lm", s.as_bytes(), &NoImports, &CompileOptions::default());
    let got: Vec<(&str, &str)> = d.iter().map(|d| (d.code, d.message.as_str())).collect();
    assert_eq!(
        got,
        vec![("E0304", "non-exhaustive match on E: missing `V29999`")]
    );
    // All 30,000 arms: exhaustive, and it compiles.
    let all = s.replace(
        "  end\nend\n\ncell main",
        &format!("    V{} -> 0\n  end\nend\n\ncell main", n - 1),
    );
    assert!(compile_diags(&all).is_ok());
}
