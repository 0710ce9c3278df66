//! Tests of `tool_result`.

use crate::error::codes;
use crate::lir::{
    Function, Instr, Module, ResultType, Shape, ToolDef, TypeDef, ValueType, VariantDef,
    LIR_VERSION,
};
use crate::machine::{Outcome, Vm, VmConfig};
use crate::RuntimeError;
use serde_json::json;
use std::rc::Rc;
use ValueType as T;

fn main_calling_the_tool() -> Function {
    crate::machine::tests::func(
        "main",
        0,
        2,
        vec![
            Instr::MakeMap {
                dst: 0,
                start: 0,
                count: 0,
            },
            Instr::CallTool {
                dst: 1,
                tool: 0,
                args: 0,
            },
            Instr::Return { src: 1 },
        ],
    )
}

/// A module whose `main` calls tool `db.rows` (typed `ty`) and returns its result.
/// Types: 0 = record `Person(name: String, age: Int)`, 1 = enum
/// `Shape { Circle(radius: Float), Pair(Int, Int), Empty }`.
fn module(ty: ValueType) -> Module {
    Module {
        version: LIR_VERSION,
        files: vec!["t.lm".into()],
        functions: vec![main_calling_the_tool()],
        types: vec![
            TypeDef::Record {
                name: "Person".into(),
                fields: vec!["name".into(), "age".into()],
            },
            TypeDef::Enum {
                name: "Shape".into(),
                variants: vec![0, 1, 2],
            },
        ],
        variants: vec![
            VariantDef {
                name: "Circle".into(),
                enum_type: 1,
                fields: vec![Some("radius".into())],
            },
            VariantDef {
                name: "Pair".into(),
                enum_type: 1,
                fields: vec![None, None],
            },
            VariantDef {
                name: "Empty".into(),
                enum_type: 1,
                fields: vec![],
            },
        ],
        tools: vec![ToolDef {
            name: "db.rows".into(),
            alias: "Rows".into(),
            grants: vec![],
            result: Some(ResultType {
                ty,
                shapes: vec![
                    Shape {
                        ty: 0,
                        fields: vec![vec![T::Str, T::Int]],
                    },
                    Shape {
                        ty: 1,
                        fields: vec![vec![T::Float], vec![T::Int, T::Int], vec![]],
                    },
                ],
            }),
        }],
        ..Module::default()
    }
}

/// Runs `main` with the tool answering `answer`: the displayed result or the error.
fn run(ty: ValueType, answer: serde_json::Value) -> Result<String, RuntimeError> {
    let mut vm = Vm::new(Rc::new(module(ty)), VmConfig::default())?;
    vm.start("main", vec![])?;
    let mut answer = Some(answer);
    loop {
        match vm.run() {
            Outcome::ToolCall(_) => match answer.take() {
                Some(a) => vm.resume_ok(a),
                None => panic!("the tool was called twice"),
            },
            Outcome::Finished(v) => return Ok(v.to_display()),
            Outcome::Error(e) => return Err(e),
            Outcome::OutOfFuel => panic!("out of fuel with no fuel limit"),
        }
    }
}

fn ok(ty: ValueType, answer: serde_json::Value) -> String {
    match run(ty, answer) {
        Ok(s) => s,
        Err(e) => panic!("unexpected error {}: {}", e.code, e.message),
    }
}

fn mismatch(ty: ValueType, answer: serde_json::Value) -> String {
    match run(ty, answer) {
        Ok(s) => panic!("expected a mismatch, got {s}"),
        Err(e) => {
            assert_eq!(e.code, "E0906", "{}", e.message);
            assert_eq!(e.line, 2, "the error is at the tool call's line");
            e.message
        }
    }
}

fn list(t: ValueType) -> ValueType {
    T::List(Box::new(t))
}

#[test]
fn issue11_item4_tool_result_of_the_wrong_type_is_a_tool_error() {
    assert_eq!(
        mismatch(T::Str, json!(42)),
        "tool db.rows returned a number (42), expected String"
    );
    assert_eq!(
        mismatch(T::Int, json!(3.5)),
        "tool db.rows returned a number (3.5), expected Int"
    );
    assert_eq!(
        mismatch(T::Bool, json!(null)),
        "tool db.rows returned null, expected Bool"
    );
    assert_eq!(
        mismatch(T::Optional(Box::new(T::Int)), json!("7")),
        "tool db.rows returned a string (\"7\"), expected Int?"
    );
}

#[test]
fn issue11_item4_nested_mismatch_in_list_of_records_names_the_place() {
    let rows = json!([{"name": "a", "age": 1}, {"name": "b", "age": "old"}]);
    assert_eq!(
        mismatch(list(T::User(0)), rows),
        "tool db.rows returned a string (\"old\") at $[1].age, expected Int"
    );
    assert_eq!(
        mismatch(list(T::User(0)), json!([{"name": "a"}])),
        "tool db.rows returned an object without field `age` at $[0], expected Person"
    );
}

#[test]
fn issue11_item4_typed_results_are_converted() {
    assert_eq!(ok(T::Int, json!(3.0)), "3");
    assert_eq!(ok(T::Float, json!(3)), "3.0");
    assert_eq!(
        ok(
            list(T::User(0)),
            json!([{"age": 30, "name": "Ann", "extra": true}])
        ),
        "[Person(name: \"Ann\", age: 30)]"
    );
    assert_eq!(
        ok(
            list(T::User(1)),
            json!(["Empty", {"Circle": {"radius": 2}}, {"Pair": [1, 2]}])
        ),
        "[Empty, Circle(radius: 2.0), Pair(1, 2)]"
    );
    assert_eq!(
        ok(T::Tuple(vec![T::Int, T::Str]), json!([1, "a"])),
        "(1, \"a\")"
    );
    assert_eq!(
        ok(
            T::Map(Box::new(T::Int), Box::new(T::Bool)),
            json!({"1": true, "-2": false})
        ),
        "{1: true, -2: false}"
    );
    assert_eq!(
        ok(
            T::Result(Box::new(T::Int), Box::new(T::Str)),
            json!({"err": "no"})
        ),
        "err(\"no\")"
    );
    assert_eq!(
        ok(list(T::Union(vec![T::Int, T::Str])), json!([1, "s"])),
        "[1, \"s\"]"
    );
    assert_eq!(ok(T::Json, json!({"a": [1]})), "{\"a\": [1]}");
}

#[test]
fn issue11_item4_shapes_that_do_not_fit_are_mismatches() {
    let cases = [
        (
            T::Tuple(vec![T::Int, T::Int]),
            json!([1]),
            "an array of 1 element, expected tuple[Int, Int]",
        ),
        (
            T::Map(Box::new(T::Int), Box::new(T::Int)),
            json!({"x": 1}),
            "the key \"x\" at $.x, expected Int",
        ),
        (
            T::Result(Box::new(T::Int), Box::new(T::Str)),
            json!({"value": 1}),
            "an object without an `ok` or `err` key, expected result[Int, String]",
        ),
        (
            T::User(1),
            json!("Circle"),
            "a string (\"Circle\") (a variant that needs a payload), expected Shape",
        ),
        (
            T::User(1),
            json!({"Pair": [1, "x"]}),
            "a string (\"x\") at $.Pair[1], expected Int",
        ),
        (
            T::User(1),
            json!({"Square": 1}),
            "an object with key \"Square\", expected Shape",
        ),
        (T::Int, json!(1e19), "a number (1e+19), expected Int"),
    ];
    for (ty, answer, want) in cases {
        let msg = mismatch(ty, answer);
        assert_eq!(msg, format!("tool db.rows returned {want}"));
    }
}

#[test]
fn issue11_item4_a_deep_result_is_a_mismatch_not_a_crash() {
    // A recursive type (`Person.age: list[Person]` here) lets a result nest as deep as
    // the provider likes; the typed part recurses, so beyond the nesting limit it is a
    // mismatch. Checked at 1 MiB, the WebAssembly default stack.
    let person = |levels: usize| {
        let mut j = json!({"name": "leaf", "age": []});
        for _ in 0..levels {
            j = json!({"name": "n", "age": [j]});
        }
        j
    };
    let recursive = |mut m: Module| {
        if let Some(r) = m.tools.first_mut().and_then(|t| t.result.as_mut()) {
            if let Some(sh) = r.shapes.first_mut() {
                sh.fields = vec![vec![T::Str, list(T::User(0))]];
            }
        }
        m
    };
    let outcome = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || {
            let mut results = Vec::new();
            for levels in [200, 300] {
                let m = recursive(module(T::User(0)));
                let mut vm = Vm::new(Rc::new(m), VmConfig::default()).expect("valid");
                vm.start("main", vec![]).expect("starts");
                assert!(matches!(vm.run(), Outcome::ToolCall(_)));
                vm.resume_ok(person(levels));
                results.push(match vm.run() {
                    Outcome::Finished(_) => Ok(()),
                    Outcome::Error(e) => Err(e.message),
                    _ => Err("no result".into()),
                });
            }
            results
        })
        .map(|h| h.join());
    let Ok(Ok(results)) = outcome else {
        panic!("the check overflowed a 1 MiB stack");
    };
    assert_eq!(
        results.first(),
        Some(&Ok(())),
        "200 levels (400 JSON levels) convert"
    );
    let deep = results.get(1).cloned().unwrap_or(Ok(()));
    assert!(
        matches!(&deep, Err(m) if m.contains("nested deeper than 512 levels")),
        "{deep:?}"
    );
}

#[test]
fn issue11_item4_an_untyped_tool_result_is_json_as_before() {
    let mut m = module(T::Int);
    if let Some(t) = m.tools.first_mut() {
        t.result = None;
    }
    let mut vm = Vm::new(Rc::new(m), VmConfig::default()).expect("valid module");
    vm.start("main", vec![]).expect("starts");
    assert!(matches!(vm.run(), Outcome::ToolCall(_)));
    vm.resume_ok(json!("not an int"));
    match vm.run() {
        Outcome::Finished(v) => assert_eq!(v.to_display(), "not an int"),
        _ => panic!("expected the untyped result"),
    }
}

#[test]
fn issue11_item4_bad_result_types_are_invalid_lir() {
    let e = run(T::User(7), json!(1)).expect_err("shape out of range");
    assert_eq!(e.code, "E0912");
    let mut deep = T::Int;
    for _ in 0..200 {
        deep = list(deep);
    }
    let e = run(deep, json!(1)).expect_err("too deep");
    assert!(e.message.contains("deeper"), "{}", e.message);
    let e = run(T::Map(Box::new(T::Float), Box::new(T::Int)), json!({})).expect_err("float keys");
    assert_eq!(e.code, "E0912");
}

/// Runs `main` with the tool answering the JSON text `answer` through `resume_text`.
fn run_text(ty: Option<ValueType>, answer: &str) -> Result<String, String> {
    let untyped = ty.is_none();
    let mut m = module(ty.unwrap_or(T::Int));
    if untyped {
        if let Some(t) = m.tools.first_mut() {
            t.result = None;
        }
    }
    let mut vm = Vm::new(Rc::new(m), VmConfig::default()).map_err(|e| e.message)?;
    vm.start("main", vec![]).map_err(|e| e.message)?;
    assert!(matches!(vm.run(), Outcome::ToolCall(_)));
    vm.resume_text(answer)?;
    match vm.run() {
        Outcome::Finished(v) => Ok(v.to_display()),
        Outcome::Error(e) => Err(format!("{}: {}", e.code, e.message)),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn results_as_json_text_convert_as_json_values_do() {
    // Untyped: parsed straight into a value, key order and number kinds as `resume_ok`.
    let text = r#"{"b":1,"a":[true,null,2.5,"x"],"big":18446744073709551615}"#;
    let direct = run_text(None, text).expect("untyped text");
    let mut m = module(T::Int);
    m.tools[0].result = None;
    let mut vm = Vm::new(Rc::new(m), VmConfig::default()).expect("valid module");
    vm.start("main", vec![]).expect("starts");
    assert!(matches!(vm.run(), Outcome::ToolCall(_)));
    vm.resume_ok(serde_json::from_str(text).expect("JSON"));
    let Outcome::Finished(v) = vm.run() else {
        panic!("expected a result")
    };
    assert_eq!(direct, v.to_display());
    // Typed: checked as `resume_ok` checks.
    assert_eq!(run_text(Some(T::Int), "7"), Ok(ok(T::Int, json!(7))));
    let bad = run_text(Some(T::Int), "\"seven\"").expect_err("not an Int");
    assert!(bad.starts_with("E0906"), "{bad}");
    // Not JSON: an error, and the VM still waits for the tool (resume_err ends the call).
    let mut vm = Vm::new(Rc::new(module(T::Int)), VmConfig::default()).expect("valid module");
    vm.start("main", vec![]).expect("starts");
    assert!(matches!(vm.run(), Outcome::ToolCall(_)));
    assert!(vm.resume_text("{").is_err());
    assert!(matches!(vm.run(), Outcome::Error(e) if e.message.contains("waiting")));
    vm.resume_err(codes::TOOL_FAILED, "not JSON".into());
    assert!(matches!(vm.run(), Outcome::Error(e) if e.code == codes::TOOL_FAILED));
}
