//! Tests of lifting and lowering over a `Vec<u8>` memory with a bump allocator.

use super::*;
use crate::{Case, Payload, VecMemory};
use serde_json::json;

fn mem() -> VecMemory {
    VecMemory::new(64, 1 << 24)
}

fn b(t: CType) -> Box<CType> {
    Box::new(t)
}

fn point() -> CType {
    CType::Record {
        name: "Point".into(),
        fields: vec![("x".into(), CType::S64), ("y".into(), CType::F64)],
    }
}

fn shape() -> CType {
    CType::Variant {
        name: "Shape".into(),
        cases: vec![
            Case {
                name: "Circle".into(),
                payload: Payload::Named(vec![("radius".into(), CType::F64)]),
            },
            Case {
                name: "Rect".into(),
                payload: Payload::Named(vec![("w".into(), CType::F64), ("h".into(), CType::F64)]),
            },
            Case {
                name: "Square".into(),
                payload: Payload::Positional(vec![CType::F64]),
            },
            Case {
                name: "Label".into(),
                payload: Payload::Positional(vec![CType::String, CType::Bool]),
            },
            Case {
                name: "Empty".into(),
                payload: Payload::None,
            },
        ],
    }
}

fn res(ok: Option<CType>, err: Option<CType>) -> CType {
    CType::Result {
        ok: ok.map(Box::new),
        err: err.map(Box::new),
    }
}

/// A value of every type, and its JSON form.
fn samples() -> Vec<(CType, Value)> {
    vec![
        (CType::Bool, json!(true)),
        (CType::Bool, json!(false)),
        (CType::S64, json!(-42)),
        (CType::S64, json!(i64::MAX)),
        (CType::S64, json!(i64::MIN)),
        (CType::F64, json!(2.5)),
        (CType::F64, json!(-0.0)),
        (CType::String, json!("héllo, wörld")),
        (CType::String, json!("")),
        (
            CType::Json,
            json!({"a": [1, 2.5, null, "x"], "b": {"c": true}}),
        ),
        (CType::Json, json!(null)),
        (CType::List(b(CType::S64)), json!([1, 2, 3])),
        (CType::List(b(CType::String)), json!([])),
        (
            CType::List(b(CType::List(b(CType::Bool)))),
            json!([[true], [], [false, true]]),
        ),
        (
            CType::Map {
                key: b(CType::String),
                value: b(CType::F64),
            },
            json!({"a": 1.5, "b": 2.0}),
        ),
        (
            CType::Map {
                key: b(CType::S64),
                value: b(CType::String),
            },
            json!({"-3": "minus three", "10": "ten"}),
        ),
        (
            CType::Tuple(vec![CType::S64, CType::String]),
            json!([7, "seven"]),
        ),
        (CType::Tuple(vec![]), json!([])),
        (point(), json!({"x": 3, "y": -1.5})),
        (shape(), json!({"Circle": {"radius": 2.0}})),
        (shape(), json!({"Rect": {"w": 1.0, "h": 2.0}})),
        (shape(), json!({"Square": [3.0]})),
        (shape(), json!({"Label": ["hi", true]})),
        (shape(), json!("Empty")),
        (
            CType::List(b(shape())),
            json!(["Empty", {"Square": [1.0]}, {"Label": ["x", false]}]),
        ),
        (CType::Option(b(CType::S64)), json!(5)),
        (CType::Option(b(CType::S64)), json!(null)),
        (CType::Option(b(point())), json!({"x": 1, "y": 2.0})),
        (
            res(Some(CType::S64), Some(CType::String)),
            json!({"ok": 10}),
        ),
        (
            res(Some(CType::S64), Some(CType::String)),
            json!({"err": "division by zero"}),
        ),
        (res(None, Some(CType::String)), json!({"ok": null})),
        (res(None, None), json!({"err": null})),
        (
            CType::Record {
                name: "Nested".into(),
                fields: vec![
                    ("flag".into(), CType::Bool),
                    ("points".into(), CType::List(b(point()))),
                    ("maybe".into(), CType::Option(b(shape()))),
                    (
                        "tags".into(),
                        CType::Map {
                            key: b(CType::String),
                            value: b(CType::List(b(CType::S64))),
                        },
                    ),
                ],
            },
            json!({"flag": true, "points": [{"x": 1, "y": 1.0}], "maybe": {"Circle": {"radius": 1.0}}, "tags": {"t": [1, 2]}}),
        ),
    ]
}

#[test]
fn issue12_item1_every_type_round_trips_through_memory() {
    for (ty, v) in samples() {
        let mut m = mem();
        let (size, align) = size_align(&ty);
        let ptr = m.alloc(size.max(1), align).unwrap_or(0);
        store(&ty, &v, ptr, &mut m).unwrap_or_else(|e| panic!("store {ty:?} {v}: {e}"));
        let back = load(&ty, ptr, &m).unwrap_or_else(|e| panic!("load {ty:?}: {e}"));
        assert_eq!(back, v, "{ty:?}");
    }
}

#[test]
fn issue12_item1_every_type_round_trips_through_flat_values() {
    for (ty, v) in samples() {
        assert_eq!(
            crate::layout::flat_count(&ty),
            crate::flatten(&ty).len(),
            "{ty:?}"
        );
        // As an import's argument lowered by the program and an export's parameter lifted.
        let params = vec![
            Param {
                name: "a".into(),
                ty: ty.clone(),
            },
            Param {
                name: "n".into(),
                ty: CType::S64,
            },
        ];
        let mut args = Map::new();
        args.insert("a".into(), v.clone());
        args.insert("n".into(), json!(9));
        let mut m = mem();
        let slots = lower_params(&params, &args, &mut m).unwrap_or_else(|e| panic!("{ty:?}: {e}"));
        let back = lift_params(&params, &slots, &m).unwrap_or_else(|e| panic!("{ty:?}: {e}"));
        assert_eq!(back, vec![v.clone(), json!(9)], "{ty:?}");
        // As an export's result lowered, and an import's result lifted.
        let mut m = mem();
        let out = lower_result(&ty, &v, &mut m).unwrap_or_else(|e| panic!("{ty:?}: {e}"));
        let back = if crate::flatten(&ty).len() > MAX_FLAT_RESULTS {
            assert_eq!(out.len(), 1);
            lift_result(&ty, None, out[0] as u32, &m)
        } else {
            lift_result(&ty, out.first().copied(), 0, &m)
        }
        .unwrap_or_else(|e| panic!("{ty:?}: {e}"));
        assert_eq!(back, v, "{ty:?}");
    }
}

#[test]
fn issue12_item1_a_record_is_stored_at_hand_computed_offsets() {
    let ty = CType::Record {
        name: "R".into(),
        fields: vec![
            ("a".into(), CType::Bool),
            ("b".into(), CType::S64),
            ("c".into(), CType::Option(b(CType::Bool))),
            ("d".into(), CType::String),
        ],
    };
    // a @0, b @8, c @16 (disc) and @17 (payload), d @20 (ptr) @24 (len); size 32.
    assert_eq!(size_align(&ty), (32, 8));
    let mut m = VecMemory::new(32, 1 << 16);
    store(
        &ty,
        &json!({"a": true, "b": -2, "c": false, "d": "hey"}),
        0,
        &mut m,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let bytes = &m.bytes;
    assert_eq!(bytes[0], 1);
    assert_eq!(&bytes[8..16], &(-2i64).to_le_bytes());
    assert_eq!(&bytes[16..18], &[1, 0]);
    // The string went to the first allocation, right after the 32 bytes.
    assert_eq!(&bytes[20..24], &32u32.to_le_bytes());
    assert_eq!(&bytes[24..28], &3u32.to_le_bytes());
    assert_eq!(&bytes[32..35], b"hey");
}

#[test]
fn issue12_item1_variant_payload_sits_after_the_aligned_discriminant() {
    let mut m = VecMemory::new(24, 1 << 16);
    store(&shape(), &json!({"Rect": {"w": 1.5, "h": 2.5}}), 0, &mut m)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.bytes[0], 1);
    assert_eq!(&m.bytes[8..16], &1.5f64.to_le_bytes());
    assert_eq!(&m.bytes[16..24], &2.5f64.to_le_bytes());
    // A list of records: elements at multiples of the record size (16).
    let ty = CType::List(b(point()));
    let mut m = VecMemory::new(8, 1 << 16);
    store(
        &ty,
        &json!([{"x": 1, "y": 0.5}, {"x": 2, "y": 1.5}]),
        0,
        &mut m,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(&m.bytes[0..4], &8u32.to_le_bytes());
    assert_eq!(&m.bytes[4..8], &2u32.to_le_bytes());
    assert_eq!(&m.bytes[8..16], &1i64.to_le_bytes());
    assert_eq!(&m.bytes[24..32], &2i64.to_le_bytes());
    assert_eq!(&m.bytes[32..40], &1.5f64.to_le_bytes());
}

#[test]
fn issue12_item1_more_than_16_flat_params_pass_through_one_pointer() {
    // 9 strings flatten to 18 values.
    let params: Vec<Param> = (0..9)
        .map(|i| Param {
            name: format!("s{i}"),
            ty: CType::String,
        })
        .collect();
    let mut args = Map::new();
    for i in 0..9 {
        args.insert(format!("s{i}"), json!(format!("v{i}")));
    }
    let mut m = mem();
    let slots = lower_params(&params, &args, &mut m).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(slots.len(), 1);
    let ptr = slots[0] as u32;
    assert_eq!(ptr % 4, 0);
    // The tuple at ptr: 9 (ptr, len) pairs.
    let s0 = u32::from_le_bytes(
        m.bytes[ptr as usize..ptr as usize + 4]
            .try_into()
            .unwrap_or_default(),
    );
    assert_eq!(&m.bytes[s0 as usize..s0 as usize + 2], b"v0");
    let back = lift_params(&params, &slots, &m).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back[8], json!("v8"));
    // Exactly 16 flat values stay flat: 16 s64.
    let params: Vec<Param> = (0..16)
        .map(|i| Param {
            name: format!("n{i}"),
            ty: CType::S64,
        })
        .collect();
    let args: Map<String, Value> = (0..16).map(|i| (format!("n{i}"), json!(i))).collect();
    let slots = lower_params(&params, &args, &mut m).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(slots, (0..16).collect::<Vec<u64>>());
    // A misaligned or out-of-bounds params pointer is an error.
    let p9: Vec<Param> = (0..9)
        .map(|i| Param {
            name: format!("s{i}"),
            ty: CType::String,
        })
        .collect();
    let e = lift_params(&p9, &[2], &m)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.contains("not aligned"), "{e}");
    let e = lift_params(&p9, &[1 << 30], &m)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.contains("out of bounds"), "{e}");
}

#[test]
fn issue12_item1_variant_flats_join_case_types() {
    // Cases f64 / string / bool: flat [i32, i64, i32].
    let ty = CType::Variant {
        name: "V".into(),
        cases: vec![
            Case {
                name: "F".into(),
                payload: Payload::Positional(vec![CType::F64]),
            },
            Case {
                name: "S".into(),
                payload: Payload::Positional(vec![CType::String]),
            },
            Case {
                name: "B".into(),
                payload: Payload::Positional(vec![CType::Bool]),
            },
        ],
    };
    assert_eq!(crate::flatten(&ty), vec![Flat::I32, Flat::I64, Flat::I32]);
    let params = vec![Param {
        name: "v".into(),
        ty: ty.clone(),
    }];
    let mut m = mem();
    let lower = |v: Value, m: &mut VecMemory| {
        let args: Map<String, Value> = [("v".to_string(), v)].into_iter().collect();
        lower_params(&params, &args, m).unwrap_or_else(|e| panic!("{e}"))
    };
    assert_eq!(
        lower(json!({"F": [1.25]}), &mut m),
        vec![0, 1.25f64.to_bits(), 0]
    );
    let s = lower(json!({"S": ["ab"]}), &mut m);
    assert_eq!((s[0], s[2]), (1, 2));
    assert_eq!(&m.bytes[s[1] as usize..s[1] as usize + 2], b"ab");
    assert_eq!(lower(json!({"B": [true]}), &mut m), vec![2, 1, 0]);
    // Lifting: an i32 case reads the low 32 bits of the joined i64 slot.
    let back =
        lift_params(&params, &[2, 0xffff_ffff_0000_0000, 0], &m).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, vec![json!({"B": [false]})]);
    let back =
        lift_params(&params, &[0, (-3.5f64).to_bits(), 0], &m).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, vec![json!({"F": [-3.5]})]);
    // result<f64, s64>: f64 joined with i64 is i64, the bits are kept.
    let r = res(Some(CType::F64), Some(CType::S64));
    assert_eq!(crate::flatten(&r), vec![Flat::I32, Flat::I64]);
    let slots = lower_result(&CType::Option(b(CType::F64)), &json!(0.5), &mut m);
    // option<f64> flattens to 2 values > MAX_FLAT_RESULTS: returned through memory.
    let ptr = slots.unwrap_or_default()[0] as u32;
    assert_eq!(m.bytes[ptr as usize], 1);
    assert_eq!(
        &m.bytes[ptr as usize + 8..ptr as usize + 16],
        &0.5f64.to_bits().to_le_bytes()
    );
}

#[test]
fn issue12_item1_a_single_flat_result_is_returned_as_a_value() {
    let mut m = mem();
    assert_eq!(
        lower_result(&CType::S64, &json!(-1), &mut m),
        Ok(vec![u64::MAX])
    );
    assert_eq!(
        lower_result(&CType::Bool, &json!(true), &mut m),
        Ok(vec![1])
    );
    assert_eq!(
        lower_result(&res(None, None), &json!({"err": null}), &mut m),
        Ok(vec![1])
    );
    assert_eq!(
        lift_result(&CType::F64, Some(2.0f64.to_bits()), 0, &m),
        Ok(json!(2.0))
    );
    // NaN has no JSON number: it becomes null, as in the VM's JSON.
    assert_eq!(
        lift_result(&CType::F64, Some(f64::NAN.to_bits()), 0, &m),
        Ok(json!(null))
    );
    assert_eq!(
        lift_result(&res(None, None), Some(0), 0, &m),
        Ok(json!({"ok": null}))
    );
    // A string result comes through the return area.
    let mut m = VecMemory::new(16, 1 << 16);
    m.bytes[8..16].copy_from_slice(&[0, 0, 0, 0, 3, 0, 0, 0]);
    m.bytes[0..3].copy_from_slice(b"abc");
    assert_eq!(lift_result(&CType::String, None, 8, &m), Ok(json!("abc")));
}

fn err_of<T: std::fmt::Debug>(r: Result<T, AbiError>) -> String {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.to_string(),
    }
}

fn lower_one(ty: CType, v: Value) -> String {
    let params = vec![Param {
        name: "p".into(),
        ty,
    }];
    let args: Map<String, Value> = [("p".to_string(), v)].into_iter().collect();
    err_of(lower_params(&params, &args, &mut mem()))
}

#[test]
fn issue12_item1_a_value_of_the_wrong_shape_names_what_was_expected_and_what_came() {
    let e = lower_one(CType::S64, json!("7"));
    assert_eq!(e, "parameter `p`: expected s64 (Int), got the string \"7\"");
    assert!(lower_one(CType::S64, json!(1.5)).contains("got the number 1.5"));
    assert!(lower_one(CType::S64, json!(u64::MAX)).contains("out of range"));
    assert!(lower_one(CType::S64, json!(1e300)).contains("out of range"));
    assert!(lower_one(CType::Bool, json!(1)).contains("expected bool"));
    assert!(lower_one(CType::String, json!(null)).contains("expected string, got null"));
    assert!(lower_one(CType::List(b(CType::S64)), json!({})).contains("expected list"));
    let e = lower_one(CType::List(b(CType::S64)), json!([1, "x"]));
    assert!(e.contains("element 1: expected s64"), "{e}");
    assert!(lower_one(CType::Tuple(vec![CType::S64]), json!([1, 2])).contains("tuple of 1"));
    let e = lower_one(point(), json!({"x": 1}));
    assert!(e.contains("record Point: missing field `y`"), "{e}");
    let e = lower_one(point(), json!({"x": 1, "y": 2.0, "z": 3}));
    assert!(e.contains("unexpected field `z`"), "{e}");
    let e = lower_one(point(), json!({"x": "a", "y": 2.0}));
    assert!(e.contains("field `x`: expected s64"), "{e}");
    let e = lower_one(shape(), json!("Triangle"));
    assert!(e.contains("enum Shape has no variant \"Triangle\""), "{e}");
    let e = lower_one(shape(), json!("Circle"));
    assert!(e.contains("has a payload"), "{e}");
    let e = lower_one(shape(), json!({"Empty": [1]}));
    assert!(e.contains("has no payload"), "{e}");
    let e = lower_one(shape(), json!({"Square": 3.0}));
    assert!(e.contains("Shape.Square: expected an array of 1"), "{e}");
    let e = lower_one(shape(), json!({"Circle": {"r": 1.0}}));
    assert!(e.contains("unexpected field `r`"), "{e}");
    let e = lower_one(res(Some(CType::S64), None), json!({"value": 1}));
    assert!(e.contains("expected result"), "{e}");
    let e = lower_one(res(Some(CType::S64), None), json!({"ok": 1, "err": 2}));
    assert!(e.contains("expected result"), "{e}");
    let e = lower_one(
        CType::Map {
            key: b(CType::S64),
            value: b(CType::S64),
        },
        json!({"one": 1}),
    );
    assert!(e.contains("map key \"one\" is not an Int"), "{e}");
    let e = lower_one(
        CType::Map {
            key: b(CType::String),
            value: b(CType::S64),
        },
        json!([]),
    );
    assert!(e.contains("expected map"), "{e}");
}

#[test]
fn issue12_item1_missing_and_unexpected_arguments_are_errors() {
    let params = vec![Param {
        name: "a".into(),
        ty: CType::S64,
    }];
    let e = err_of(lower_params(&params, &Map::new(), &mut mem()));
    assert_eq!(e, "missing argument `a`");
    let args: Map<String, Value> = [("a".to_string(), json!(1)), ("b".to_string(), json!(2))]
        .into_iter()
        .collect();
    assert_eq!(
        err_of(lower_params(&params, &args, &mut mem())),
        "unexpected argument `b`"
    );
    // Slot counts must match the flat signature.
    let e = err_of(lift_params(&params, &[1, 2], &mem()));
    assert!(e.contains("expected 1 flat parameter values, got 2"), "{e}");
    let e = err_of(lift_result(&CType::S64, None, 0, &mem()));
    assert!(e.contains("expected 1 flat values, got 0"), "{e}");
}

#[test]
fn issue12_item1_invalid_utf8_from_the_host_names_the_parameter() {
    let mut m = VecMemory::new(16, 1 << 16);
    m.bytes[0..2].copy_from_slice(&[0xff, 0xfe]);
    let params = vec![
        Param {
            name: "ok".into(),
            ty: CType::S64,
        },
        Param {
            name: "text".into(),
            ty: CType::String,
        },
    ];
    let e = err_of(lift_params(&params, &[1, 0, 2], &m));
    assert!(e.starts_with("parameter `text`: invalid UTF-8"), "{e}");
    // JSON text that is not JSON.
    m.bytes[0..2].copy_from_slice(b"{x");
    let jp = vec![Param {
        name: "j".into(),
        ty: CType::Json,
    }];
    let e = err_of(lift_params(&jp, &[0, 2], &m));
    assert!(e.starts_with("parameter `j`: invalid JSON text"), "{e}");
    // Invalid UTF-8 inside a list of records in a result.
    let ty = CType::List(b(CType::Record {
        name: "R".into(),
        fields: vec![("s".into(), CType::String)],
    }));
    let mut m = VecMemory::new(32, 1 << 16);
    m.bytes[0..4].copy_from_slice(&16u32.to_le_bytes());
    m.bytes[4..8].copy_from_slice(&1u32.to_le_bytes());
    m.bytes[16..20].copy_from_slice(&24u32.to_le_bytes());
    m.bytes[20..24].copy_from_slice(&1u32.to_le_bytes());
    m.bytes[24] = 0x80;
    let e = err_of(lift_result(&ty, None, 0, &m));
    assert!(
        e.contains("result: element 0: field `s`: invalid UTF-8"),
        "{e}"
    );
}

#[test]
fn issue12_item1_out_of_bounds_and_misaligned_memory_is_an_error() {
    let m = VecMemory::new(64, 64);
    let e = err_of(lift_result(&CType::String, None, 60, &m));
    assert!(e.contains("out of bounds"), "{e}");
    // A string pointing past the end.
    let sp = vec![Param {
        name: "s".into(),
        ty: CType::String,
    }];
    let e = err_of(lift_params(&sp, &[60, 10], &m));
    assert!(
        e.contains("parameter `s`: out of bounds: 10 bytes at 60"),
        "{e}"
    );
    // Wrapping around the address space.
    let e = err_of(lift_params(&sp, &[u32::MAX as u64, 2], &m));
    assert!(e.contains("out of bounds"), "{e}");
    // A list of s64 at a pointer not aligned to 8.
    let lp = vec![Param {
        name: "l".into(),
        ty: CType::List(b(CType::S64)),
    }];
    let e = err_of(lift_params(&lp, &[4, 1], &m));
    assert!(e.contains("pointer 4 is not aligned to 8"), "{e}");
    // A list whose byte size overflows u32.
    let e = err_of(lift_params(&lp, &[8, (1 << 24) - 1], &m));
    assert!(e.contains("out of bounds"), "{e}");
    assert!(err_of(load(&CType::S64, 3, &m)).contains("not aligned"));
    assert!(err_of(load(&CType::S64, 64, &m)).contains("out of bounds"));
    let mut m2 = m.clone();
    assert!(err_of(store(&CType::S64, &json!(1), 4, &mut m2)).contains("not aligned"));
    assert!(err_of(store(&CType::S64, &json!(1), 64, &mut m2)).contains("out of bounds"));
    // A bad discriminant.
    let e = err_of(lift_params(
        &[Param {
            name: "s".into(),
            ty: shape(),
        }],
        &[5, 0, 0, 0],
        &m,
    ));
    assert!(e.contains("case index 5 is out of range"), "{e}");
    let mut m3 = VecMemory::new(16, 16);
    m3.bytes[0] = 2;
    assert!(err_of(load(&CType::Option(b(CType::S64)), 0, &m3)).contains("case index 2"));
    // Allocation failure (the memory may not grow) is an error.
    let mut full = VecMemory::new(16, 16);
    let e = err_of(lower_result(
        &CType::String,
        &json!("does not fit"),
        &mut full,
    ));
    assert!(e.contains("out of memory"), "{e}");
}

#[test]
fn issue12_item1_lengths_over_the_caps_are_refused_before_reading_or_allocating() {
    let m = VecMemory::new(64, 64);
    let sp = vec![Param {
        name: "s".into(),
        ty: CType::String,
    }];
    let e = err_of(lift_params(&sp, &[0, (MAX_STRING_BYTES + 1) as u64], &m));
    assert!(e.contains("over the limit"), "{e}");
    let lp = vec![Param {
        name: "l".into(),
        ty: CType::List(b(CType::Tuple(vec![]))),
    }];
    // A list of zero-size elements would not touch memory: the element cap stops it.
    let e = err_of(lift_params(&lp, &[0, (MAX_LIST_ELEMENTS + 1) as u64], &m));
    assert!(e.contains("a list of 16777217 is over the limit"), "{e}");
    let ok = lift_params(&lp, &[0, 3], &m);
    assert_eq!(ok, Ok(vec![json!([[], [], []])]));
}

#[test]
fn issue12_item1_deep_types_are_refused_and_the_deepest_allowed_fits_a_small_stack() {
    let nest = |n: usize| {
        let mut t = CType::S64;
        for _ in 1..n {
            t = CType::List(b(t));
        }
        t
    };
    let too_deep = nest(crate::MAX_DEPTH + 1);
    let e = err_of(lower_result(&too_deep, &json!(1), &mut mem()));
    assert!(e.contains("deeper than 256"), "{e}");
    let e = err_of(load(&too_deep, 0, &mem()));
    assert!(e.contains("deeper than 256"), "{e}");
    // The deepest allowed type, through memory and flat values, on a 1 MiB stack (the
    // wasm32 default).
    let r = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || {
            let ty = nest(crate::MAX_DEPTH);
            let mut v = json!(7);
            for _ in 1..crate::MAX_DEPTH {
                v = Value::Array(vec![v]);
            }
            let mut m = mem();
            let out = lower_result(&ty, &v, &mut m).map_err(|e| e.to_string())?;
            let back = lift_result(&ty, None, out[0] as u32, &m).map_err(|e| e.to_string())?;
            let slots = lower_params(
                &[Param {
                    name: "x".into(),
                    ty: ty.clone(),
                }],
                &[("x".to_string(), v.clone())].into_iter().collect(),
                &mut m,
            )
            .map_err(|e| e.to_string())?;
            let lifted = lift_params(
                &[Param {
                    name: "x".into(),
                    ty,
                }],
                &slots,
                &m,
            )
            .map_err(|e| e.to_string())?;
            Ok::<_, String>(back == v && lifted == vec![v])
        })
        .map(|h| h.join());
    assert!(matches!(r, Ok(Ok(Ok(true)))), "{r:?}");
}

#[test]
fn issue12_item1_lifting_random_memory_and_slots_never_panics() {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut lifted = 0;
    for (ty, _) in samples() {
        let params = vec![Param {
            name: "p".into(),
            ty: ty.clone(),
        }];
        let n = crate::flatten(&ty).len();
        for _ in 0..500 {
            let mut m = VecMemory::new(256, 256);
            for b in m.bytes.iter_mut() {
                // Mostly small bytes so pointers and lengths often land in bounds.
                let r = next();
                *b = if r % 4 == 0 { r as u8 } else { (r % 8) as u8 };
            }
            let slots: Vec<u64> = (0..n).map(|_| next() % 300).collect();
            if lift_params(&params, &slots, &m).is_ok() {
                lifted += 1;
            }
            let _ = lift_result(&ty, slots.first().copied(), (next() % 260) as u32, &m);
            let _ = load(&ty, (next() % 260) as u32, &m);
        }
    }
    // Some random inputs are valid values (so the test reaches deep into the lifting).
    assert!(lifted > 100, "{lifted}");
}

#[test]
fn issue12_item1_a_map_is_a_list_of_key_value_tuples_in_memory() {
    // map[Int, Bool] = list<tuple<s64, bool>>: elements of 16 bytes (s64 @0, bool @8).
    let ty = CType::Map {
        key: b(CType::S64),
        value: b(CType::Bool),
    };
    let mut m = VecMemory::new(8, 1 << 16);
    store(&ty, &json!({"7": true, "-1": false}), 0, &mut m).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(&m.bytes[0..4], &8u32.to_le_bytes());
    assert_eq!(&m.bytes[4..8], &2u32.to_le_bytes());
    assert_eq!(&m.bytes[8..16], &7i64.to_le_bytes());
    assert_eq!(m.bytes[16], 1);
    assert_eq!(&m.bytes[24..32], &(-1i64).to_le_bytes());
    assert_eq!(m.bytes[32], 0);
    assert_eq!(m.bytes.len(), 40);
}
