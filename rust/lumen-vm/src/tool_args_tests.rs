use std::rc::Rc;

use super::*;
use crate::error::codes;
use crate::limits::{MAX_NESTING, MAX_STRING_BYTES};
use crate::map::MapObj;
use crate::value::{Boxed, FuncObj, RecordObj, RecordType, Seq, Slots, VariantInfo, VariantObj};

fn s(text: &str) -> Value {
    Value::Str(Rc::new(text.to_string()))
}

fn map(entries: Vec<(MapKey, Value)>) -> Value {
    let mut m = MapObj::new();
    for (k, v) in entries {
        m.insert(k, v);
    }
    Value::Map(Rc::new(m))
}

fn key(text: &str) -> MapKey {
    MapKey::Str(Rc::new(text.to_string()))
}

fn record(fields: &[(&str, Value)]) -> Value {
    let ty = RecordType {
        id: 0,
        name: "R".into(),
        fields: fields.iter().map(|(n, _)| n.to_string()).collect(),
        field_ids: vec![u32::MAX; fields.len()],
    };
    Value::Record(Rc::new(RecordObj {
        ty: Rc::new(ty),
        fields: Slots::from_vec(fields.iter().map(|(_, v)| v.clone()).collect()),
    }))
}

fn info(name: &str, fields: Vec<Option<String>>) -> Rc<VariantInfo> {
    Rc::new(VariantInfo {
        id: 0,
        enum_type: 0,
        enum_name: "E".into(),
        name: name.into(),
        field_ids: vec![u32::MAX; fields.len()],
        fields,
    })
}

fn func(name: &str) -> Value {
    Value::Func(Rc::new(FuncObj {
        func: 0,
        name: name.into(),
        arity: 0,
        captures: Vec::new(),
    }))
}

/// Argument values of every kind, with the names a gate could ask for.
fn samples() -> Vec<Value> {
    let tag = Value::Tag(info("Empty", vec![]));
    let variant = Value::Variant(Rc::new(VariantObj {
        info: info("url", vec![Some("url".into())]),
        payload: Slots::from_vec(vec![s("https://a.example")]),
    }));
    vec![
        map(vec![
            (key("url"), s("https://a.example")),
            (key("n"), Value::Int(1)),
        ]),
        map(vec![(key("path"), tag.clone()), (key("name"), func("f"))]),
        map(vec![
            (key("url"), Value::Int(3)),
            (key("name"), Value::Null),
        ]),
        // Int key 1 and String key "1": JSON has one key "1", the last one's value.
        map(vec![(MapKey::Int(1), s("int")), (key("1"), s("str"))]),
        map(vec![(key("1"), s("str")), (MapKey::Int(1), s("int"))]),
        map(vec![(MapKey::Int(-7), s("neg")), (key("07"), s("padded"))]),
        record(&[("url", s("https://r.example")), ("path", Value::Float(1.5))]),
        // A repeated field (only a hand-made module could have one): the last counts.
        record(&[("name", s("first")), ("name", s("second"))]),
        Value::Ok(Rc::new(Boxed(s("fine")))),
        Value::Err(Rc::new(Boxed(s("bad")))),
        variant,
        tag,
        s("url"),
        Value::List(Rc::new(Seq(vec![s("url")]))),
        Value::Null,
    ]
}

#[test]
fn string_is_what_the_json_conversion_gives() {
    let names = [
        "url", "path", "name", "n", "1", "-7", "07", "ok", "err", "Empty", "missing",
    ];
    for v in samples() {
        let args = ToolArgs::new(v).expect("small values are within the limits");
        let json = args.to_json();
        for name in names {
            let expected = json.get(name).and_then(serde_json::Value::as_str);
            assert_eq!(
                args.string(name).as_deref(),
                expected,
                "argument {name} of {json}"
            );
        }
    }
}

#[test]
fn string_reads_the_values_a_gate_checks() {
    let args = ToolArgs::new(map(vec![
        (key("url"), s("https://a.example/x")),
        (key("path"), Value::Tag(info("Empty", vec![]))),
        (key("name"), func("helper")),
        (key("n"), Value::Int(2)),
    ]))
    .expect("within the limits");
    assert_eq!(args.string("url").as_deref(), Some("https://a.example/x"));
    assert_eq!(args.string("path").as_deref(), Some("Empty"));
    assert_eq!(args.string("name").as_deref(), Some("<fn helper>"));
    assert_eq!(args.string("n"), None);
    assert_eq!(args.string("other"), None);
}

#[test]
fn from_json_keeps_the_json() {
    let j = serde_json::json!({"url": "https://a.example", "n": 1, "xs": [1.5, null, {"k": true}]});
    let args = ToolArgs::from_json(&j).expect("within the limits");
    assert_eq!(args.to_json(), j);
    assert_eq!(args.string("url").as_deref(), Some("https://a.example"));
}

#[test]
fn too_deep_arguments_are_e0916() {
    let mut v = Value::Null;
    for _ in 0..=MAX_NESTING {
        v = Value::List(Rc::new(Seq(vec![v])));
    }
    let e = ToolArgs::new(v.clone()).expect_err("one level too deep");
    assert_eq!(e.code, codes::TOO_DEEP, "{e:?}");
    // One level less is accepted, and converts all the way down.
    let Value::List(inner) = v else {
        unreachable!()
    };
    let args = ToolArgs::new(inner.0[0].clone()).expect("at the limit");
    let mut j = &args.to_json();
    let mut depth = 0;
    while let Some(first) = j.as_array().and_then(|a| a.first()) {
        j = first;
        depth += 1;
    }
    assert_eq!(depth, MAX_NESTING);
    assert!(j.is_null());
}

#[test]
fn too_large_arguments_are_e0914() {
    let big = s(&"x".repeat(MAX_STRING_BYTES / 2 + 1));
    let e = ToolArgs::new(map(vec![(key("a"), big.clone()), (key("b"), big.clone())]))
        .expect_err("two halves and the nodes are over the budget");
    assert_eq!(e.code, codes::OUT_OF_MEMORY, "{e:?}");
    assert!(ToolArgs::new(map(vec![(key("a"), big)])).is_ok());
}
