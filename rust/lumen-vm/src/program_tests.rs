//! Tests of `program`: the op set, fusion of compares and moves, the typed ops.

use super::*;

#[test]
fn every_rewritten_instruction_has_its_own_op() {
    for &opcode in crate::opcodes::OPCODES {
        for v in [0, 1] {
            let ins = Instr::sample(opcode, |_| v).expect("a sample");
            match plain_op(ins) {
                // Same name and fields: the same debug form.
                Some(op) => assert_eq!(format!("{op:?}"), format!("{ins:?}")),
                None => assert_ne!(translate_one(ins), Op::ReturnNull, "{ins:?}"),
            }
        }
    }
}

#[test]
fn ops_stay_small() {
    assert!(std::mem::size_of::<Op>() <= 12);
}

#[test]
fn fuses_compare_and_branch_unless_the_branch_is_a_target() {
    let code = vec![
        Instr::Binary {
            op: BinOp::Lt,
            dst: 2,
            a: 0,
            b: 1,
        },
        Instr::JumpIfFalse { cond: 2, target: 3 },
        Instr::Jump { target: 0 },
        Instr::ReturnNull,
    ];
    let ops = translate(&code, 3, &Shapes::default());
    assert_eq!(
        ops[0],
        Op::LtJf {
            a: 0,
            b: 1,
            target: 3
        }
    );
    let mut code2 = code.clone();
    code2[2] = Instr::Jump { target: 1 };
    assert_eq!(
        translate(&code2, 3, &Shapes::default())[0],
        Op::Lt { dst: 2, a: 0, b: 1 }
    );
}

#[test]
fn typed_instructions_become_float_ops_or_fuse_as_their_generic_form() {
    let code = vec![
        Instr::FloatBinary {
            op: BinOp::Mul,
            dst: 2,
            a: 0,
            b: 1,
        },
        Instr::FloatBinary {
            op: BinOp::Div,
            dst: 2,
            a: 2,
            b: 1,
        },
        Instr::IntBinary {
            op: BinOp::Add,
            dst: 2,
            a: 0,
            b: 1,
        },
        Instr::IntBinary {
            op: BinOp::Lt,
            dst: 2,
            a: 0,
            b: 1,
        },
        Instr::JumpIfFalse { cond: 2, target: 5 },
        Instr::ReturnNull,
    ];
    let ops = translate(&code, 3, &Shapes::default());
    assert_eq!(ops[0], Op::MulFloat { dst: 2, a: 0, b: 1 });
    assert_eq!(ops[1], Op::Div { dst: 2, a: 2, b: 1 });
    assert_eq!(ops[2], Op::Add { dst: 2, a: 0, b: 1 });
    assert_eq!(
        ops[3],
        Op::LtJf {
            a: 0,
            b: 1,
            target: 5
        }
    );
}

#[test]
fn does_not_fuse_when_the_bool_is_read_later() {
    let code = vec![
        Instr::Binary {
            op: BinOp::Lt,
            dst: 2,
            a: 0,
            b: 1,
        },
        Instr::JumpIfTrue { cond: 2, target: 3 },
        Instr::ReturnNull,
        Instr::Return { src: 2 },
    ];
    assert_eq!(
        translate(&code, 3, &Shapes::default())[0],
        Op::Lt { dst: 2, a: 0, b: 1 }
    );
    // Overwritten on every path before any read: fused.
    let mut code2 = code.clone();
    code2[3] = Instr::Return { src: 0 };
    assert_eq!(
        translate(&code2, 3, &Shapes::default())[0],
        Op::LtJt {
            a: 0,
            b: 1,
            target: 3
        }
    );
}

#[test]
fn moves_out_of_dead_registers_only() {
    let code = vec![
        Instr::Move { dst: 1, src: 0 },
        Instr::MakeList {
            dst: 2,
            start: 0,
            count: 2,
        },
        Instr::Move { dst: 0, src: 2 },
        Instr::Return { src: 2 },
    ];
    let ops = translate(&code, 3, &Shapes::default());
    // Register 0 is read again by the list construction: copied, not moved.
    assert_eq!(ops[0], Op::Move { dst: 1, src: 0 });
    assert_eq!(
        ops[1],
        Op::MakeList {
            dst: 2,
            start: 0,
            count: 2,
            take: true
        }
    );
    // Register 2 is returned afterwards: copied.
    assert_eq!(ops[2], Op::Move { dst: 0, src: 2 });
    let mut code2 = code.clone();
    code2[3] = Instr::Return { src: 0 };
    assert_eq!(
        translate(&code2, 3, &Shapes::default())[2],
        Op::Take { dst: 0, src: 2 }
    );
}

#[test]
fn a_call_keeps_its_argument_window_live() {
    let code = vec![
        Instr::Binary {
            op: BinOp::Eq,
            dst: 2,
            a: 0,
            b: 1,
        },
        Instr::JumpIfFalse { cond: 2, target: 2 },
        Instr::Call {
            dst: 0,
            func: 0,
            args: 1,
            argc: 1,
        },
        Instr::Return { src: 0 },
    ];
    assert_eq!(
        translate(&code, 3, &Shapes::default())[0],
        Op::Binary {
            op: BinOp::Eq,
            dst: 2,
            a: 0,
            b: 1
        }
    );
}

#[test]
fn fuses_a_small_constant_compare_and_a_sqrt_argument_move() {
    let code = vec![
        Instr::LoadInt { dst: 1, value: 2 },
        Instr::Binary {
            op: BinOp::Lt,
            dst: 1,
            a: 0,
            b: 1,
        },
        Instr::JumpIfFalse { cond: 1, target: 4 },
        Instr::Return { src: 0 },
        Instr::Move { dst: 2, src: 0 },
        Instr::CallBuiltin {
            dst: 1,
            builtin: Builtin::Sqrt as u16,
            args: 2,
            argc: 1,
        },
        Instr::Return { src: 1 },
    ];
    let ops = translate(&code, 3, &Shapes::default());
    assert_eq!(
        ops[0],
        Op::LtImmJf {
            a: 0,
            imm: 2,
            target: 4
        }
    );
    assert_eq!(
        ops[4],
        Op::Sqrt {
            dst: 1,
            src: 0,
            tmp: 2
        }
    );
    assert_eq!(
        ops[5],
        Op::Sqrt {
            dst: 1,
            src: 2,
            tmp: 2
        }
    );
}
