//! Tests of the interpreter loop's instructions: arithmetic, comparisons and the fused
//! compare-and-branch ops, moves, globals and jumps, type tests, `Fail`.

use std::rc::Rc;

use crate::error::codes;
use crate::lir::{BinOp, FailKind, Instr, TypeTag};
use crate::machine::run_to_end;
use crate::machine::tests::{binop, display, func, int, module, run_main};
use crate::program::Program;
use crate::value::Value;
use Instr::*;

#[test]
fn arithmetic_and_comparison() {
    assert_eq!(binop(BinOp::Add, int(0, 2), int(1, 3)), "5");
    assert_eq!(binop(BinOp::Sub, int(0, 2), int(1, 3)), "-1");
    assert_eq!(binop(BinOp::Mul, int(0, -4), int(1, 3)), "-12");
    assert_eq!(binop(BinOp::Div, int(0, -7), int(1, 2)), "-3");
    assert_eq!(binop(BinOp::IntDiv, int(0, -7), int(1, 2)), "-4");
    assert_eq!(binop(BinOp::Mod, int(0, -7), int(1, 3)), "2");
    assert_eq!(binop(BinOp::Mod, int(0, 7), int(1, 3)), "1");
    assert_eq!(binop(BinOp::Pow, int(0, 2), int(1, 10)), "1024");
    assert_eq!(binop(BinOp::Lt, int(0, 2), int(1, 3)), "true");
    assert_eq!(binop(BinOp::Le, int(0, 3), int(1, 3)), "true");
    assert_eq!(binop(BinOp::Gt, int(0, 2), int(1, 3)), "false");
    assert_eq!(binop(BinOp::Ge, int(0, 2), int(1, 3)), "false");
    assert_eq!(
        binop(BinOp::Eq, int(0, 2), LoadConst { dst: 1, idx: 1 }),
        "false"
    );
    assert_eq!(binop(BinOp::Ne, int(0, 2), int(1, 2)), "false");
    assert_eq!(
        binop(BinOp::Add, int(0, 1), LoadConst { dst: 1, idx: 1 }),
        "3.5"
    );
    assert_eq!(
        binop(
            BinOp::Div,
            LoadConst { dst: 0, idx: 1 },
            LoadConst { dst: 1, idx: 1 }
        ),
        "1.0"
    );
    assert_eq!(
        binop(
            BinOp::Add,
            LoadConst { dst: 0, idx: 0 },
            LoadConst { dst: 1, idx: 2 }
        ),
        "hellox"
    );
    assert_eq!(
        binop(
            BinOp::In,
            LoadConst { dst: 0, idx: 2 },
            LoadConst { dst: 1, idx: 0 }
        ),
        "false"
    );
    assert_eq!(
        display(
            vec![
                int(0, 5),
                AddImm {
                    dst: 1,
                    a: 0,
                    imm: -7
                },
                Neg { dst: 1, src: 1 },
                LoadBool {
                    dst: 2,
                    value: false
                },
                Not { dst: 2, src: 2 },
                MakeTuple {
                    dst: 0,
                    start: 1,
                    count: 2
                },
                Return { src: 0 }
            ],
            3
        ),
        "(2, true)"
    );
}

#[test]
fn arithmetic_errors_carry_lines() {
    assert_eq!(
        binop(BinOp::Div, int(0, 1), int(1, 0)),
        "ERR E0902 line 3: division by zero"
    );
    assert_eq!(
        binop(BinOp::Mod, int(0, 1), int(1, 0)),
        "ERR E0902 line 3: modulo by zero"
    );
    assert_eq!(
        binop(
            BinOp::Div,
            LoadConst { dst: 0, idx: 1 },
            LoadConst { dst: 1, idx: 5 }
        ),
        "ERR E0902 line 3: division by zero"
    );
    assert!(
        binop(BinOp::Add, LoadConst { dst: 0, idx: 3 }, int(1, 1)).starts_with("ERR E0901 line 3")
    );
    assert!(binop(BinOp::Mul, LoadConst { dst: 0, idx: 3 }, int(1, 2)).starts_with("ERR E0901"));
    assert!(binop(BinOp::Pow, int(0, 10), int(1, 40)).starts_with("ERR E0901"));
    assert!(binop(BinOp::Lt, int(0, 1), LoadConst { dst: 1, idx: 0 }).starts_with("ERR E0900"));
    let e = run_main(
        vec![
            LoadConst { dst: 0, idx: 3 },
            AddImm {
                dst: 0,
                a: 0,
                imm: 1,
            },
            Return { src: 0 },
        ],
        1,
    )
    .unwrap_err();
    assert_eq!(
        (e.code, e.line, e.file.as_str(), e.function.as_str()),
        ("E0901", 2, "t.lm", "main")
    );
}

#[test]
fn moves_globals_and_jumps() {
    // sum = 0; i = 0; while i < 10 { sum += i; i += 1 }; global = sum; return global
    let code = vec![
        int(0, 0),
        int(1, 0),
        int(2, 10),
        Binary {
            op: BinOp::Lt,
            dst: 3,
            a: 1,
            b: 2,
        },
        JumpIfFalse { cond: 3, target: 8 },
        Binary {
            op: BinOp::Add,
            dst: 0,
            a: 0,
            b: 1,
        },
        AddImm {
            dst: 1,
            a: 1,
            imm: 1,
        },
        Jump { target: 3 },
        StoreGlobal { idx: 0, src: 0 },
        LoadNull { dst: 0 },
        LoadGlobal { dst: 4, idx: 0 },
        Move { dst: 5, src: 4 },
        Take { dst: 6, src: 5 },
        JumpIfNull { src: 5, target: 15 },
        LoadNull { dst: 6 },
        JumpIfNotNull { src: 6, target: 18 },
        LoadNull { dst: 6 },
        Return { src: 6 },
        LoadBool {
            dst: 7,
            value: true,
        },
        JumpIfTrue {
            cond: 7,
            target: 21,
        },
        LoadNull { dst: 6 },
        Return { src: 6 },
    ];
    assert_eq!(display(code, 8), "45");
}

#[test]
fn condition_must_be_bool() {
    let r = display(
        vec![int(0, 1), JumpIfFalse { cond: 0, target: 2 }, ReturnNull],
        1,
    );
    assert!(r.starts_with("ERR E0900 line 2"), "{r}");
}

#[test]
fn type_tests_and_results() {
    let code = vec![
        int(0, 1),
        IsType {
            dst: 1,
            src: 0,
            tag: TypeTag::Int,
        },
        IsType {
            dst: 2,
            src: 0,
            tag: TypeTag::Float,
        },
        MakeOk { dst: 3, src: 0 },
        IsOk { dst: 4, src: 3 },
        Unwrap { dst: 5, src: 3 },
        IsType {
            dst: 6,
            src: 3,
            tag: TypeTag::Result,
        },
        MakeErr { dst: 7, src: 0 },
        IsOk { dst: 7, src: 7 },
        MakeTuple {
            dst: 0,
            start: 1,
            count: 7,
        },
        Return { src: 0 },
    ];
    assert_eq!(
        display(code, 8),
        "(true, false, ok(1), true, 1, true, false)"
    );
}

#[test]
fn fail_kinds_map_to_codes() {
    for (kind, code) in [
        (FailKind::Halt, codes::HALT),
        (FailKind::Constraint, codes::CONSTRAINT),
        (FailKind::NoMatch, codes::RUNTIME),
        (FailKind::Type, codes::JSON_SHAPE),
    ] {
        let e = run_main(vec![LoadConst { dst: 0, idx: 4 }, Fail { kind, msg: 0 }], 1).unwrap_err();
        assert_eq!((e.code, e.message.as_str(), e.line), (code, "boom", 2));
    }
}

/// An instruction loading a test operand into `dst`, and the value it loads (the constants
/// are `module`'s).
fn operands(dst: u16) -> Vec<(Instr, Value)> {
    vec![
        (int(dst, 2), Value::Int(2)),
        (int(dst, 3), Value::Int(3)),
        (int(dst, -1), Value::Int(-1)),
        (LoadConst { dst, idx: 1 }, Value::Float(2.5)),
        (LoadConst { dst, idx: 5 }, Value::Float(0.0)),
        (LoadConst { dst, idx: 0 }, Value::str("hello")),
        (LoadConst { dst, idx: 2 }, Value::str("x")),
        (LoadNull { dst }, Value::Null),
    ]
}

/// Runs `code` (whose comparison branches to instruction 6) as `main`; checks that the op at
/// `at` is the fused op `name`; the value is 1 when the branch fell through, 0 when taken.
fn run_fused(code: Vec<Instr>, at: usize, name: &str) -> Result<i64, (&'static str, String)> {
    let m = module(vec![func("main", 0, 3, code)]);
    let fused = format!("{:?}", Program::build(&m).funcs[0].code[at]);
    assert!(
        fused.starts_with(&format!("{name} ")),
        "{name} not fused: {fused}"
    );
    match run_to_end(Rc::new(m), "main", vec![]) {
        Ok(Value::Int(n)) => Ok(n),
        Ok(other) => panic!("{name}: unexpected {other:?}"),
        Err(e) => Err((e.code, e.message)),
    }
}

/// Each of the 18 compare-and-branch ops `with_compare_branches!` generates takes the branch
/// the operator's semantics (`arith::binary`) give on Ints, Floats, mixed numbers, strings
/// and null, or fails with the same error.
#[test]
fn fused_compare_and_branch_ops_follow_the_operator() {
    let mut runs = 0;
    for op in [
        BinOp::Lt,
        BinOp::Le,
        BinOp::Gt,
        BinOp::Ge,
        BinOp::Eq,
        BinOp::Ne,
    ] {
        let want = |x: &Value, y: &Value, fell_through_if: bool| {
            crate::arith::binary(op, x, y)
                .map(|c| i64::from(c == Value::Bool(fell_through_if)))
                .map_err(|f| (f.code, f.message))
        };
        let tail = |r: u16| [int(r, 1), Return { src: r }, int(r, 0), Return { src: r }];
        for (load_a, a) in operands(0) {
            for (load_b, b) in operands(1) {
                for (jump, shape, fell_through_if) in [
                    (JumpIfFalse { cond: 2, target: 6 }, "Jf", true),
                    (JumpIfTrue { cond: 2, target: 6 }, "Jt", false),
                ] {
                    let mut code = vec![
                        load_a,
                        load_b,
                        Binary {
                            op,
                            dst: 2,
                            a: 0,
                            b: 1,
                        },
                        jump,
                    ];
                    code.extend(tail(2));
                    let got = run_fused(code, 2, &format!("{op:?}{shape}"));
                    assert_eq!(
                        got,
                        want(&a, &b, fell_through_if),
                        "{a:?} {op:?} {b:?} {shape}"
                    );
                    runs += 1;
                }
            }
            for imm in [-1, 2, 3] {
                let mut code = vec![
                    load_a,
                    int(1, imm),
                    Binary {
                        op,
                        dst: 1,
                        a: 0,
                        b: 1,
                    },
                    JumpIfFalse { cond: 1, target: 6 },
                ];
                code.extend(tail(1));
                let got = run_fused(code, 1, &format!("{op:?}ImmJf"));
                let b = Value::Int(imm as i64);
                assert_eq!(got, want(&a, &b, true), "{a:?} {op:?} {imm} (immediate)");
                runs += 1;
            }
        }
    }
    assert_eq!(runs, 6 * (8 * 8 * 2 + 8 * 3));
}

/// Each operand pair of the typed-instruction tests: Ints, Floats, the Int overflow and
/// division by zero cases, and wrong-typed pairs (mixed, strings, a Bool) that a
/// hand-made module could feed a typed instruction.
fn operand_pairs() -> Vec<(Instr, Instr)> {
    let c = |dst, idx| LoadConst { dst, idx };
    vec![
        (int(0, 7), int(1, 3)),
        (int(0, -7), int(1, 3)),
        (int(0, 7), int(1, 0)),
        (c(0, 3), int(1, 2)),
        (c(0, 1), c(1, 1)),
        (c(0, 1), c(1, 5)),
        (int(0, 2), c(1, 1)),
        (c(0, 1), int(1, 2)),
        (c(0, 0), c(1, 2)),
        (
            LoadBool {
                dst: 0,
                value: true,
            },
            int(1, 1),
        ),
    ]
}

#[test]
fn typed_binary_instructions_behave_exactly_like_the_generic_one() {
    use BinOp::*;
    for op in [Add, Sub, Mul, Div, IntDiv, Mod, Pow, Eq, Ne, Lt, Le, Gt, Ge] {
        for (a, b) in operand_pairs() {
            let run = |typed: fn(BinOp, u16, u16, u16) -> Instr| {
                display(vec![a, b, typed(op, 2, 0, 1), Return { src: 2 }], 3)
            };
            let generic = run(|op, dst, a, b| Binary { op, dst, a, b });
            let int = run(|op, dst, a, b| IntBinary { op, dst, a, b });
            let float = run(|op, dst, a, b| FloatBinary { op, dst, a, b });
            assert_eq!(int, generic, "IntBinary {op:?} on {a:?}, {b:?}");
            assert_eq!(float, generic, "FloatBinary {op:?} on {a:?}, {b:?}");
        }
    }
    // The typed ops' fast paths give the expected values.
    let f = |op| {
        display(
            vec![
                LoadConst { dst: 0, idx: 1 },
                FloatBinary {
                    op,
                    dst: 1,
                    a: 0,
                    b: 0,
                },
                Return { src: 1 },
            ],
            2,
        )
    };
    assert_eq!(
        [f(BinOp::Add), f(BinOp::Sub), f(BinOp::Mul)],
        ["5.0", "0.0", "6.25"]
    );
    // In place on the accumulator, and mixed Int/Float through the generic path.
    assert_eq!(
        display(
            vec![
                LoadConst { dst: 0, idx: 1 },
                int(1, 2),
                FloatBinary {
                    op: BinOp::Mul,
                    dst: 0,
                    a: 0,
                    b: 1,
                },
                Return { src: 0 },
            ],
            2,
        ),
        "5.0"
    );
}

#[test]
fn typed_compares_fuse_with_their_branch() {
    // while i < 5: i = i + 1, as IntBinary; and a FloatBinary compare on a wrong-typed
    // (String) register raises the generic comparison's error.
    let count = |cmp: Instr| {
        display(
            vec![
                int(0, 0),
                int(1, 5),
                Jump { target: 4 },
                AddImm {
                    dst: 0,
                    a: 0,
                    imm: 1,
                },
                cmp,
                JumpIfTrue { cond: 2, target: 3 },
                Return { src: 0 },
            ],
            3,
        )
    };
    let lt = |typed: bool| {
        let (op, dst, a, b) = (BinOp::Lt, 2, 0, 1);
        if typed {
            IntBinary { op, dst, a, b }
        } else {
            Binary { op, dst, a, b }
        }
    };
    assert_eq!(count(lt(true)), "5");
    assert_eq!(count(lt(true)), count(lt(false)));
    let bad = display(
        vec![
            LoadConst { dst: 0, idx: 0 },
            int(1, 5),
            FloatBinary {
                op: BinOp::Lt,
                dst: 2,
                a: 0,
                b: 1,
            },
            JumpIfFalse { cond: 2, target: 4 },
            Return { src: 0 },
            Return { src: 1 },
        ],
        3,
    );
    assert!(bad.starts_with("ERR "), "{bad}");
}

#[test]
fn get_field_slot_reads_the_slot_or_does_what_get_field_does() {
    // Point(x: 1, y: 2) in register 0; `name` 0 is "x", 1 is "y".
    let point = |read: Instr| {
        display(
            vec![
                int(1, 1),
                int(2, 2),
                MakeRecord {
                    dst: 0,
                    ty: 0,
                    start: 1,
                },
                read,
                Return { src: 3 },
            ],
            4,
        )
    };
    let slot = |name, slot| GetFieldSlot {
        dst: 3,
        obj: 0,
        name,
        slot,
    };
    assert_eq!(point(slot(1, 1)), "2");
    assert_eq!(point(slot(0, 0)), "1");
    // A wrong hint (slot of another field, or past the end) reads the field by name.
    assert_eq!(point(slot(0, 1)), "1");
    assert_eq!(point(slot(1, 200)), "2");
    // A field the record does not have: GetField's error.
    assert_eq!(
        point(slot(2, 0)),
        point(GetField {
            dst: 3,
            obj: 0,
            name: 2
        })
    );
    // Not a record: a map (Json) is read by key, anything else is GetField's error.
    let on = |obj: Vec<Instr>, read: Instr| {
        let mut code = obj;
        code.extend([read, Return { src: 3 }]);
        display(code, 4)
    };
    let map = vec![
        LoadConst { dst: 1, idx: 2 },
        int(2, 9),
        MakeMap {
            dst: 0,
            start: 1,
            count: 1,
        },
    ];
    assert_eq!(on(map.clone(), slot(0, 0)), "9");
    assert_eq!(on(map, slot(1, 0)), "null");
    let by_name = GetField {
        dst: 3,
        obj: 0,
        name: 0,
    };
    let not_a_record = on(vec![int(0, 4)], slot(0, 0));
    assert!(not_a_record.starts_with("ERR "), "{not_a_record}");
    assert_eq!(not_a_record, on(vec![int(0, 4)], by_name));
}
