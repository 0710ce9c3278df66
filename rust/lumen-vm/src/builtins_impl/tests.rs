//! Tests of the builtins through `call`, as the VM calls them.

use std::rc::Rc;

use super::args::want_count;
use super::call;
use crate::arith::Fault;
use crate::builtins::Builtin;
use crate::json;
use crate::value::Value;

fn run(b: Builtin, mut args: Vec<Value>) -> Result<Value, Fault> {
    let mut sink = |_: &str| {};
    call(b, &mut args, &mut sink)
}

fn ok(b: Builtin, args: Vec<Value>) -> String {
    run(b, args)
        .map(|v| v.to_repr())
        .unwrap_or_else(|f| format!("ERR {} {}", f.code, f.message))
}

fn ints(v: &[i64]) -> Value {
    Value::list(v.iter().map(|i| Value::Int(*i)).collect())
}

fn s(x: &str) -> Value {
    Value::str(x)
}

#[test]
fn print_joins_with_spaces() {
    let mut lines = Vec::new();
    let mut sink = |l: &str| lines.push(l.to_string());
    let mut args = vec![s("a"), Value::Int(1), ints(&[1]), s("q")];
    call(Builtin::Print, &mut args, &mut sink).unwrap();
    assert_eq!(lines, vec!["a 1 [1] q"]);
}

#[test]
fn conversions() {
    assert_eq!(ok(Builtin::ToString, vec![Value::Float(2.0)]), "\"2.0\"");
    assert_eq!(ok(Builtin::ToInt, vec![s(" 42 ")]), "42");
    assert_eq!(ok(Builtin::ToInt, vec![s("3.5")]), "null");
    assert_eq!(ok(Builtin::ToInt, vec![Value::Float(3.7)]), "3");
    assert_eq!(ok(Builtin::ToInt, vec![Value::Float(f64::NAN)]), "null");
    assert_eq!(ok(Builtin::ToFloat, vec![s("x")]), "null");
    assert_eq!(ok(Builtin::ToFloat, vec![Value::Int(2)]), "2.0");
    assert_eq!(ok(Builtin::TypeOf, vec![ints(&[])]), "\"list\"");
    assert_eq!(ok(Builtin::TypeOf, vec![Value::Float(1.0)]), "\"Float\"");
    assert_eq!(
        ok(Builtin::ParseJson, vec![s("{\"a\": [1]}")]),
        "{\"a\": [1]}"
    );
    assert!(ok(Builtin::ParseJson, vec![s("{")]).starts_with("ERR E0911"));
    assert_eq!(ok(Builtin::ToJson, vec![ints(&[1, 2])]), "\"[1,2]\"");
}

#[test]
fn strings() {
    assert_eq!(ok(Builtin::Len, vec![s("é")]), "1");
    assert_eq!(ok(Builtin::Upper, vec![s("abc")]), "\"ABC\"");
    assert_eq!(ok(Builtin::Trim, vec![s("  a ")]), "\"a\"");
    assert_eq!(ok(Builtin::Split, vec![s("a,b"), s(",")]), "[\"a\", \"b\"]");
    assert_eq!(ok(Builtin::Split, vec![s("ab"), s("")]), "[\"a\", \"b\"]");
    assert_eq!(ok(Builtin::Join, vec![ints(&[1, 2]), s("-")]), "\"1-2\"");
    assert_eq!(
        ok(Builtin::Replace, vec![s("aXbX"), s("X"), s("y")]),
        "\"ayby\""
    );
    assert_eq!(ok(Builtin::Contains, vec![s("haystack"), s("st")]), "true");
    assert_eq!(ok(Builtin::StartsWith, vec![s("abc"), s("ab")]), "true");
    assert_eq!(ok(Builtin::EndsWith, vec![s("abc"), s("ab")]), "false");
    assert_eq!(ok(Builtin::Chars, vec![s("hé")]), "[\"h\", \"é\"]");
    assert_eq!(ok(Builtin::IndexOf, vec![s("héllo"), s("l")]), "2");
    assert_eq!(ok(Builtin::IndexOf, vec![s("abc"), s("z")]), "-1");
    assert_eq!(
        ok(
            Builtin::Slice,
            vec![s("héllo"), Value::Int(1), Value::Int(3)]
        ),
        "\"él\""
    );
    assert_eq!(
        ok(Builtin::Slice, vec![s("hello"), Value::Int(-3)]),
        "\"llo\""
    );
    assert_eq!(
        ok(Builtin::Repeat, vec![s("ab"), Value::Int(3)]),
        "\"ababab\""
    );
    assert_eq!(
        ok(Builtin::PadLeft, vec![s("7"), Value::Int(3), s("0")]),
        "\"007\""
    );
    assert_eq!(
        ok(Builtin::PadRight, vec![s("7"), Value::Int(3)]),
        "\"7  \""
    );
    assert_eq!(ok(Builtin::Reverse, vec![s("abc")]), "\"cba\"");
    assert!(ok(Builtin::Repeat, vec![s("ab"), Value::Int(i64::MAX)]).starts_with("ERR E0914"));
}

/// Found by the fuzzer's differential check: on wasm32 a count beyond `u32::MAX` used to
/// wrap to 0 (`repeat` gave "", `pad_left` the string unchanged) where native said
/// E0914. Counts now saturate, so every host reports the same error; empty inputs stay
/// empty at any count without looping.
#[test]
fn issue10_fuzz_huge_counts_are_e0914_on_every_host() {
    // Saturating, never wrapping: on wasm32 this is usize::MAX, on 64 bits i64::MAX.
    assert_eq!(
        want_count("repeat", &Value::Int(i64::MAX)).ok(),
        Some(usize::try_from(i64::MAX).unwrap_or(usize::MAX))
    );
    assert_eq!(want_count("repeat", &Value::Int(-5)).ok(), Some(0));
    assert_eq!(
        want_count("repeat", &Value::Int(1 << 40)).ok(),
        usize::try_from(1_i64 << 40).ok().or(Some(usize::MAX))
    );
    for (b, x) in [
        (Builtin::PadLeft, s("a")),
        (Builtin::PadRight, s("a")),
        (Builtin::Repeat, s("ab")),
        (Builtin::Repeat, ints(&[1])),
    ] {
        for n in [i64::MAX, 1 << 33] {
            let got = ok(b, vec![x.clone(), Value::Int(n)]);
            assert!(got.starts_with("ERR E0914"), "{b:?} {n}: {got}");
        }
    }
    assert_eq!(
        ok(Builtin::Repeat, vec![s(""), Value::Int(i64::MAX)]),
        "\"\""
    );
    assert_eq!(
        ok(Builtin::Repeat, vec![ints(&[]), Value::Int(i64::MAX)]),
        "[]"
    );
    assert_eq!(ok(Builtin::Repeat, vec![s("ab"), Value::Int(-1)]), "\"\"");
}

#[test]
fn math() {
    assert_eq!(ok(Builtin::Abs, vec![Value::Int(-4)]), "4");
    assert!(ok(Builtin::Abs, vec![Value::Int(i64::MIN)]).starts_with("ERR E0901"));
    assert_eq!(
        ok(Builtin::Min, vec![Value::Int(3), Value::Float(2.5)]),
        "2.5"
    );
    assert_eq!(ok(Builtin::Max, vec![ints(&[3, 9, 1])]), "9");
    assert!(ok(Builtin::Max, vec![ints(&[])]).starts_with("ERR"));
    assert_eq!(ok(Builtin::Floor, vec![Value::Float(2.7)]), "2");
    assert_eq!(ok(Builtin::Floor, vec![Value::Float(-2.5)]), "-3");
    assert_eq!(ok(Builtin::Ceil, vec![Value::Float(2.1)]), "3");
    assert_eq!(ok(Builtin::Round, vec![Value::Float(2.5)]), "3");
    assert!(ok(Builtin::Round, vec![Value::Float(1e300)]).starts_with("ERR E0901"));
    assert_eq!(ok(Builtin::Sqrt, vec![Value::Int(16)]), "4.0");
    assert_eq!(
        ok(Builtin::Pow, vec![Value::Int(2), Value::Int(10)]),
        "1024"
    );
    assert_eq!(
        ok(
            Builtin::Clamp,
            vec![Value::Int(15), Value::Int(0), Value::Int(10)]
        ),
        "10"
    );
}

#[test]
fn lists() {
    assert_eq!(
        ok(Builtin::Append, vec![ints(&[1]), Value::Int(2)]),
        "[1, 2]"
    );
    assert_eq!(ok(Builtin::Sort, vec![ints(&[3, 1, 2])]), "[1, 2, 3]");
    assert_eq!(
        ok(
            Builtin::Sort,
            vec![Value::list(vec![
                Value::Float(2.5),
                Value::Int(1),
                Value::Float(f64::NAN),
                Value::Int(3)
            ])]
        ),
        "[1, 2.5, 3, nan]"
    );
    assert!(ok(
        Builtin::Sort,
        vec![Value::list(vec![Value::Int(1), s("a")])]
    )
    .starts_with("ERR"));
    assert_eq!(
        ok(
            Builtin::SortByKeys,
            vec![Value::list(vec![s("b"), s("a"), s("c")]), ints(&[2, 1, 2])]
        ),
        "[\"a\", \"b\", \"c\"]"
    );
    assert_eq!(ok(Builtin::Reverse, vec![ints(&[1, 2])]), "[2, 1]");
    assert_eq!(ok(Builtin::Range, vec![Value::Int(3)]), "[0, 1, 2]");
    assert_eq!(
        ok(Builtin::Range, vec![Value::Int(2), Value::Int(4)]),
        "[2, 3]"
    );
    assert_eq!(
        ok(
            Builtin::Range,
            vec![Value::Int(5), Value::Int(0), Value::Int(-2)]
        ),
        "[5, 3, 1]"
    );
    assert!(ok(
        Builtin::Range,
        vec![Value::Int(0), Value::Int(1), Value::Int(0)]
    )
    .starts_with("ERR"));
    assert!(ok(
        Builtin::Range,
        vec![Value::Int(i64::MIN), Value::Int(i64::MAX)]
    )
    .starts_with("ERR E0914"));
    assert_eq!(ok(Builtin::First, vec![ints(&[])]), "null");
    assert_eq!(ok(Builtin::Last, vec![ints(&[1, 2])]), "2");
    assert_eq!(ok(Builtin::IsEmpty, vec![ints(&[])]), "true");
    assert_eq!(
        ok(Builtin::Contains, vec![ints(&[1, 2]), Value::Float(2.0)]),
        "true"
    );
    assert_eq!(
        ok(Builtin::Take, vec![ints(&[1, 2, 3]), Value::Int(2)]),
        "[1, 2]"
    );
    assert_eq!(
        ok(Builtin::Drop, vec![ints(&[1, 2, 3]), Value::Int(5)]),
        "[]"
    );
    assert_eq!(ok(Builtin::Enumerate, vec![ints(&[7])]), "[(0, 7)]");
    assert_eq!(
        ok(Builtin::Zip, vec![ints(&[1, 2]), ints(&[3])]),
        "[(1, 3)]"
    );
    assert_eq!(
        ok(
            Builtin::Flatten,
            vec![Value::list(vec![ints(&[1]), ints(&[2, 3])])]
        ),
        "[1, 2, 3]"
    );
    assert_eq!(
        ok(Builtin::Unique, vec![ints(&[1, 2, 1, 3, 2])]),
        "[1, 2, 3]"
    );
    assert_eq!(ok(Builtin::Sum, vec![ints(&[1, 2, 3])]), "6");
    assert_eq!(
        ok(
            Builtin::Sum,
            vec![Value::list(vec![Value::Int(1), Value::Float(0.5)])]
        ),
        "1.5"
    );
    assert!(ok(Builtin::Sum, vec![ints(&[i64::MAX, 1])]).starts_with("ERR E0901"));
    assert_eq!(
        ok(Builtin::IndexOf, vec![ints(&[5, 6]), Value::Int(6)]),
        "1"
    );
    assert_eq!(
        ok(Builtin::Slice, vec![ints(&[1, 2, 3]), Value::Int(1)]),
        "[2, 3]"
    );
}

#[test]
fn maps() {
    let m = json::parse_json(r#"{"a": 1, "b": 2}"#).unwrap();
    assert_eq!(ok(Builtin::Keys, vec![m.clone()]), "[\"a\", \"b\"]");
    assert_eq!(ok(Builtin::Values, vec![m.clone()]), "[1, 2]");
    assert_eq!(
        ok(Builtin::Entries, vec![m.clone()]),
        "[(\"a\", 1), (\"b\", 2)]"
    );
    assert_eq!(ok(Builtin::HasKey, vec![m.clone(), s("b")]), "true");
    assert_eq!(
        ok(Builtin::Get, vec![m.clone(), s("z"), Value::Int(0)]),
        "0"
    );
    assert_eq!(ok(Builtin::Get, vec![m.clone(), s("a")]), "1");
    assert_eq!(
        ok(
            Builtin::Get,
            vec![ints(&[1]), Value::Int(5), Value::Int(-1)]
        ),
        "-1"
    );
    assert_eq!(
        ok(Builtin::Set, vec![m.clone(), s("c"), Value::Int(3)]),
        "{\"a\": 1, \"b\": 2, \"c\": 3}"
    );
    assert_eq!(ok(Builtin::Remove, vec![m.clone(), s("a")]), "{\"b\": 2}");
    let m2 = json::parse_json(r#"{"b": 20, "z": 0}"#).unwrap();
    assert_eq!(
        ok(Builtin::Merge, vec![m.clone(), m2]),
        "{\"a\": 1, \"b\": 20, \"z\": 0}"
    );
    // The original is untouched (copy-on-write).
    assert_eq!(m.to_repr(), "{\"a\": 1, \"b\": 2}");
}

#[test]
fn append_in_place_when_unique() {
    let xs = Value::list(Vec::with_capacity(4));
    let ptr = match &xs {
        Value::List(l) => Rc::as_ptr(l),
        _ => std::ptr::null(),
    };
    let out = run(Builtin::Append, vec![xs, Value::Int(1)]).unwrap();
    match &out {
        Value::List(l) => assert_eq!(Rc::as_ptr(l), ptr),
        _ => panic!("not a list"),
    }
}

#[test]
fn sort_and_sort_by_keys_share_one_stable_order() {
    // Equal keys keep their order; NaN sorts after every number; the sorted list is a new
    // order of the same values.
    let floats = Value::list(vec![
        Value::Float(2.0),
        Value::Float(f64::NAN),
        Value::Int(1),
        Value::Float(-0.5),
    ]);
    assert_eq!(ok(Builtin::Sort, vec![floats]), "[-0.5, 1, 2.0, nan]");
    assert_eq!(ok(Builtin::Sort, vec![ints(&[3, 1, 2, 1])]), "[1, 1, 2, 3]");
    let xs = Value::list(vec![s("b1"), s("a"), s("b2"), s("c")]);
    let keys = ints(&[2, 1, 2, 0]);
    assert_eq!(
        ok(Builtin::SortByKeys, vec![xs, keys]),
        "[\"c\", \"a\", \"b1\", \"b2\"]"
    );
    let mixed = Value::list(vec![Value::Int(1), s("a")]);
    assert!(ok(Builtin::Sort, vec![mixed]).starts_with("ERR E0900 sort: "));
}

/// Ints edge values and neighbours, plus a pseudo-random spread over the whole range.
fn int_samples() -> Vec<i64> {
    let mut v = vec![
        0,
        1,
        -1,
        9,
        10,
        -10,
        99,
        100,
        i64::MAX,
        i64::MIN,
        i64::MIN + 1,
    ];
    let mut p: i64 = 1;
    while let Some(q) = p.checked_mul(10) {
        v.extend([p - 1, p, p + 1, -p, -p - 1, q - 1]);
        p = q;
    }
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..2000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.push(x as i64);
        v.push((x >> (x % 64)) as i64);
    }
    v
}

#[test]
fn ints_are_written_as_rust_writes_them_in_to_string_display_and_json() {
    for i in int_samples() {
        let want = format!("{i}");
        let got = run(Builtin::ToString, vec![Value::Int(i)]).unwrap();
        assert_eq!(got.as_str(), Some(want.as_str()));
        assert_eq!(Value::Int(i).to_display(), want);
        assert_eq!(json::to_json_string(&Value::Int(i)).unwrap(), want);
        let mut out = String::from("x");
        crate::value::push_int(&mut out, i);
        assert_eq!(out, format!("x{i}"));
    }
    // Inside collections and as map keys too.
    let list = ints(&[-3, 0, i64::MAX]);
    assert_eq!(list.to_display(), format!("[-3, 0, {}]", i64::MAX));
    assert_eq!(
        ok(Builtin::ToJson, vec![list]),
        format!("\"[-3,0,{}]\"", i64::MAX)
    );
    let mut m = crate::map::MapObj::new();
    m.insert(crate::map::MapKey::Int(-42), Value::Int(7));
    assert_eq!(Value::Map(Rc::new(m)).to_display(), "{-42: 7}");
}
