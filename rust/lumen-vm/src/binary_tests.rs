//! Tests of `binary`.

use super::*;
use crate::error::codes;
use crate::lir::{BinOp, FailKind, Instr, TypeTag};
use instr::{binop_code, binop_of, fail_code, tag_code, FAILS, TAGS};

/// A module exercising every section and every instruction encoding.
fn sample() -> Module {
    use Instr::*;
    let code = vec![
        LoadNull { dst: 0 },
        LoadBool {
            dst: 1,
            value: true,
        },
        LoadInt {
            dst: 2,
            value: -70000,
        },
        LoadConst { dst: 3, idx: 2 },
        Move { dst: 4, src: 3 },
        Take { dst: 5, src: 4 },
        LoadGlobal { dst: 0, idx: 0 },
        StoreGlobal { idx: 0, src: 0 },
        LoadFunc { dst: 0, func: 0 },
        Binary {
            op: BinOp::Ge,
            dst: 0,
            a: 1,
            b: 2,
        },
        AddImm {
            dst: 0,
            a: 2,
            imm: -300,
        },
        Neg { dst: 0, src: 2 },
        Not { dst: 0, src: 1 },
        Jump { target: 14 },
        JumpIfFalse {
            cond: 1,
            target: 15,
        },
        JumpIfTrue {
            cond: 1,
            target: 16,
        },
        JumpIfNull { src: 0, target: 17 },
        JumpIfNotNull { src: 0, target: 18 },
        Call {
            dst: 0,
            func: 1,
            args: 6,
            argc: 0,
        },
        CallValue {
            dst: 0,
            callee: 1,
            args: 2,
            argc: 2,
        },
        CallBuiltin {
            dst: 0,
            builtin: 0,
            args: 1,
            argc: 3,
        },
        CallTool {
            dst: 0,
            tool: 0,
            args: 1,
        },
        MakeList {
            dst: 0,
            start: 1,
            count: 3,
        },
        MakeMap {
            dst: 0,
            start: 1,
            count: 2,
        },
        MakeTuple {
            dst: 0,
            start: 1,
            count: 2,
        },
        MakeRecord {
            dst: 0,
            ty: 0,
            start: 1,
        },
        MakeVariant {
            dst: 0,
            variant: 0,
            start: 1,
        },
        MakeOk { dst: 0, src: 1 },
        MakeErr { dst: 0, src: 1 },
        MakeClosure {
            dst: 0,
            func: 0,
            start: 1,
        },
        GetField {
            dst: 0,
            obj: 1,
            name: 0,
        },
        SetField {
            obj: 0,
            name: 0,
            src: 1,
        },
        GetIndex {
            dst: 0,
            obj: 1,
            idx: 2,
        },
        SetIndex {
            obj: 0,
            idx: 1,
            src: 2,
        },
        GetSlot {
            dst: 0,
            obj: 1,
            slot: 3,
        },
        Unwrap { dst: 0, src: 1 },
        Push { list: 0, src: 1 },
        Len { dst: 0, src: 1 },
        IterPrep { dst: 0, src: 1 },
        IterGet {
            dst: 0,
            list: 1,
            idx: 2,
        },
        IsType {
            dst: 0,
            src: 1,
            tag: TypeTag::Function,
        },
        IsUserType {
            dst: 0,
            src: 1,
            ty: 1,
        },
        IsVariant {
            dst: 0,
            src: 1,
            variant: 0,
        },
        IsOk { dst: 0, src: 1 },
        Return { src: 0 },
        ReturnNull,
        Fail {
            kind: FailKind::Constraint,
            msg: 0,
        },
    ];
    // Two instructions per line, at varying columns: runs of one and two.
    let positions = (0..code.len() as u32)
        .map(|i| crate::lir::Pos::new(1 + i / 2, 1 + i % 3))
        .collect();
    Module {
        version: LIR_VERSION,
        files: vec!["main.lm".into(), "ünï.lm.md".into()],
        constants: vec![
            Constant::Int(i64::MIN),
            Constant::Float(-0.1),
            Constant::Str("héllo\n".into()),
        ],
        names: vec!["x".into(), "y".into()],
        functions: vec![
            Function {
                name: "main".into(),
                file: 1,
                arity: 1,
                params: vec!["a".into()],
                param_types: vec!["Int".into()],
                captures: 0,
                num_regs: 6,
                exported: true,
                code,
                positions,
            },
            Function {
                name: "<init>".into(),
                file: 0,
                arity: 0,
                params: vec![],
                param_types: vec![],
                captures: 0,
                num_regs: 1,
                exported: false,
                code: vec![ReturnNull],
                positions: vec![crate::lir::Pos::new(1, 1)],
            },
        ],
        types: vec![
            TypeDef::Record {
                name: "P".into(),
                fields: vec!["x".into(), "y".into()],
            },
            TypeDef::Enum {
                name: "E".into(),
                variants: vec![0, 1],
            },
        ],
        variants: vec![
            VariantDef {
                name: "A".into(),
                enum_type: 1,
                fields: vec![Some("x".into()), None],
            },
            VariantDef {
                name: "B".into(),
                enum_type: 1,
                fields: vec![],
            },
        ],
        tools: vec![ToolDef {
            name: "http.get".into(),
            alias: "Fetch".into(),
            grants: vec![
                ("domain".into(), serde_json::json!("*.example.com")),
                ("timeout_ms".into(), serde_json::json!(5000)),
            ],
            result: Some(ResultType {
                ty: ValueType::List(Box::new(ValueType::Union(vec![
                    ValueType::User(0),
                    ValueType::Result(
                        Box::new(ValueType::Tuple(vec![ValueType::Int, ValueType::Float])),
                        Box::new(ValueType::Map(
                            Box::new(ValueType::Str),
                            Box::new(ValueType::Optional(Box::new(ValueType::Bool))),
                        )),
                    ),
                ]))),
                shapes: vec![
                    Shape {
                        ty: 0,
                        fields: vec![vec![ValueType::Int, ValueType::User(1)]],
                    },
                    Shape {
                        ty: 1,
                        fields: vec![vec![ValueType::Str, ValueType::Json], vec![]],
                    },
                ],
            }),
        }],
        globals: 1,
        init: Some(1),
        entry_types: vec![EntryTypes {
            func: 0,
            params: vec![ResultType {
                ty: ValueType::List(Box::new(ValueType::User(0))),
                shapes: vec![Shape {
                    ty: 0,
                    fields: vec![vec![ValueType::Int, ValueType::Float]],
                }],
            }],
        }],
    }
}

#[test]
fn sample_is_valid() {
    assert_eq!(validate(&sample()), Ok(()));
}

#[test]
fn round_trips() {
    let m = sample();
    let bytes = encode(&m);
    assert_eq!(&bytes[..4], MAGIC);
    assert_eq!(decode(&bytes), Ok(m));
}

/// One instruction of every opcode in the table, for each of several operand values
/// (0, small, several varint bytes, and the maximum: negative for the signed ones).
fn every_instruction() -> Vec<Instr> {
    let mut out = Vec::new();
    for v in [0, 1, 300, 70_000, u32::MAX] {
        out.extend(
            crate::opcodes::OPCODES
                .iter()
                .filter_map(|&op| Instr::sample(op, |_| v)),
        );
    }
    out
}

#[test]
fn every_instruction_round_trips_with_its_opcode_first() {
    let all = every_instruction();
    assert_eq!(all.len(), 5 * crate::opcodes::OPCODES.len());
    for ins in all {
        let mut w = Writer { out: Vec::new() };
        encode_instr(&mut w, &ins);
        assert_eq!(w.out.first(), Some(&ins.opcode()), "{ins:?}");
        let mut r = Reader {
            bytes: &w.out,
            pos: 0,
        };
        assert_eq!(r.instr(), Ok(ins));
        assert_eq!(r.remaining(), 0, "{ins:?}");
        // Every strict prefix is an error, never a different instruction.
        for len in 0..w.out.len() {
            let mut r = Reader {
                bytes: &w.out[..len],
                pos: 0,
            };
            assert_eq!(r.instr().unwrap_err().code, codes::INVALID_LIR, "{ins:?}");
        }
    }
}

#[test]
fn an_unknown_opcode_is_corrupt() {
    let mut unknown = 0;
    for op in 0..=u8::MAX {
        if crate::opcodes::OPCODES.contains(&op) {
            continue;
        }
        unknown += 1;
        let bytes = [op, 0, 0, 0, 0, 0, 0, 0];
        let e = Reader {
            bytes: &bytes,
            pos: 0,
        }
        .instr()
        .unwrap_err();
        assert_eq!(e.code, codes::INVALID_LIR);
        assert!(
            e.message.contains(&format!("unknown opcode {op}")),
            "{}",
            e.message
        );
    }
    assert_eq!(unknown, 256 - crate::opcodes::OPCODES.len());
    // Through `decode`: the last instruction of the sample's `main` (`Fail`, followed
    // by the position table's run count and first run) gets an unused opcode.
    let m = sample();
    let mut bytes = encode(&m);
    let mut w = Writer { out: Vec::new() };
    encode_instr(&mut w, m.functions[0].code.last().expect("code"));
    assert_eq!(w.out, [46, 1, 0]);
    let runs = crate::positions::runs(&m.functions[0].positions);
    w.uv(runs.len() as u64);
    w.uv(runs[0].instructions.into());
    w.sv(runs[0].line_delta);
    w.uv(runs[0].column.into());
    let at = bytes
        .windows(w.out.len())
        .position(|x| x == w.out.as_slice())
        .expect("the encoded Fail");
    bytes[at] = u8::MAX;
    let e = decode(&bytes).unwrap_err();
    assert_eq!(e.code, codes::INVALID_LIR);
    assert!(e.message.contains("unknown opcode 255"), "{}", e.message);
}

#[test]
fn enum_operand_codes_round_trip_and_bad_codes_are_corrupt() {
    let mut ops = 0;
    for c in 0..=u8::MAX {
        if let Some(op) = binop_of(c) {
            assert_eq!(binop_code(op), c);
            ops += 1;
        }
    }
    assert_eq!(ops, 15);
    for (i, t) in TAGS.iter().enumerate() {
        assert_eq!(tag_code(*t) as usize, i);
    }
    for (i, k) in FAILS.iter().enumerate() {
        assert_eq!(fail_code(*k) as usize, i);
    }
    for (bytes, what) in [
        (&[9u8, 15, 0, 0, 0][..], "bad operator"),
        (&[42, 0, 0, 10][..], "bad type tag"),
        (&[46, 4, 0][..], "bad failure kind"),
        (&[1, 0, 2][..], "bad boolean"),
        (
            &[2, 0, 0x80, 0x80, 0x80, 0x80, 0x10][..],
            "LoadInt.value out of range",
        ),
        (&[10, 0, 0, 0x80, 0x80, 0x04][..], "AddImm.imm out of range"),
        (&[0, 0x80, 0x80, 0x04][..], "LoadNull.dst out of range"),
    ] {
        let e = Reader { bytes, pos: 0 }.instr().unwrap_err();
        assert_eq!(e.code, codes::INVALID_LIR);
        assert!(e.message.contains(what), "{what}: {}", e.message);
    }
}

#[test]
fn json_form_round_trips() {
    let m = sample();
    let text = serde_json::to_string_pretty(&m).unwrap();
    let back: Module = serde_json::from_str(&text).unwrap();
    assert_eq!(back, m);
}

#[test]
fn rejects_bad_headers_and_trailing_bytes() {
    let mut bytes = encode(&sample());
    assert_eq!(
        decode(b"XYZ\0\x01\0\0\0").unwrap_err().code,
        codes::INVALID_LIR
    );
    let mut v2 = bytes.clone();
    v2[4] = 99;
    assert!(decode(&v2).unwrap_err().message.contains("version"));
    bytes.push(0);
    assert!(decode(&bytes).unwrap_err().message.contains("trailing"));
}

#[test]
fn issue11_item4_lir_of_the_previous_version_is_rejected_clearly() {
    // Version 1 had no tool result types; such a file is refused, never misread.
    let mut bytes = encode(&sample());
    bytes[4..8].copy_from_slice(&1u32.to_le_bytes());
    let e = decode(&bytes).unwrap_err();
    assert_eq!(e.code, codes::INVALID_LIR);
    assert!(
        e.message.contains("version 1 is not supported")
            && e.message.contains(&format!("version {LIR_VERSION}")),
        "{}",
        e.message
    );
}

#[test]
fn issue11_item4_hostile_value_type_nesting_is_corrupt_not_a_crash() {
    let mut m = sample();
    let mut ty = ValueType::Int;
    for _ in 0..100 {
        ty = ValueType::List(Box::new(ty));
    }
    if let Some(r) = m.tools.first_mut().and_then(|t| t.result.as_mut()) {
        r.ty = ty;
    }
    // 101 levels: one more than allowed, refused by the decoder before validation.
    let bytes = encode(&m);
    let e = decode(&bytes).unwrap_err();
    assert!(
        e.message.contains("value type nested too deep"),
        "{}",
        e.message
    );
}

#[test]
fn every_truncation_fails_cleanly() {
    let bytes = encode(&sample());
    for len in 0..bytes.len() {
        let e = decode(&bytes[..len]).unwrap_err();
        assert_eq!(e.code, codes::INVALID_LIR);
    }
}

#[test]
fn random_byte_flips_never_panic() {
    let bytes = encode(&sample());
    // A small deterministic xorshift generator.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..20_000 {
        let mut b = bytes.clone();
        let flips = 1 + (next() % 4) as usize;
        for _ in 0..flips {
            let i = (next() as usize) % b.len();
            b[i] ^= (next() % 255 + 1) as u8;
        }
        if let Err(e) = decode(&b) {
            assert_eq!(e.code, codes::INVALID_LIR);
        }
    }
    // Huge declared lengths do not allocate.
    let mut huge = bytes[..8].to_vec();
    huge.push(SEC_FILES);
    huge.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
    assert!(decode(&huge).is_err());
}
