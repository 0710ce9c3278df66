//! Tests of the proven-scalar analysis and of what it lets returns and calls skip: the
//! release lists, the releasing calls, and that no heap value outlives its frame.

use std::rc::Rc;

use super::*;
use crate::lir::{BinOp, Function, Instr};
use crate::machine::tests::{fib_module, func, int, module};
use crate::machine::{Outcome, Vm, VmConfig};
use crate::program::Program;
use crate::value::Value;
use Instr::*;

/// The translated ops and release list of function `f` of module `fs`.
fn ops_of(fs: Vec<Function>, f: usize) -> (Vec<Op>, Vec<Reg>) {
    let prog = Program::build(&module(fs));
    let fc = &prog.funcs[f];
    (fc.code.clone(), fc.release.clone())
}

/// The registers a releasing return op releases.
fn released(op: Op, release: &[Reg]) -> Vec<Reg> {
    match op {
        Op::ReturnRelease { at, n, .. } | Op::ReturnNullRelease { at, n } => {
            release[at as usize..(at + n) as usize].to_vec()
        }
        Op::ReturnMask { mask, .. } | Op::ReturnNullMask { mask } => {
            (0..32).filter(|r| mask & (1 << r) != 0).collect()
        }
        other => panic!("not a releasing return: {other:?}"),
    }
}

#[test]
fn returns_release_only_registers_that_may_hold_heap_values() {
    let (ops, release) = ops_of(fib_module().functions, 0);
    // `return n`: only the fused compare ran, which writes nothing; `n` is moved out.
    assert!(released(ops[3], &release).is_empty());
    // After the calls: `n` (a parameter), the calls' results; not the `+` result returned.
    assert_eq!(released(ops[9], &release), vec![0, 2]);
    // Both calls' windows are the top of the frame: nothing to release before them.
    assert!(matches!(ops[5], Op::Call { .. }));
    assert!(matches!(ops[7], Op::Call { .. }));
}

#[test]
fn an_unwritten_fused_bool_keeps_what_its_register_held() {
    // r1 holds a string, then is the (dead, so never written) Bool of a fused compare.
    let f = func(
        "f",
        1,
        2,
        vec![
            LoadConst { dst: 1, idx: 0 },
            Binary {
                op: BinOp::Lt,
                dst: 1,
                a: 0,
                b: 0,
            },
            JumpIfFalse { cond: 1, target: 3 },
            ReturnNull,
        ],
    );
    let (ops, release) = ops_of(vec![f], 0);
    assert!(matches!(ops[0], Op::LoadConst { .. }));
    assert!(matches!(ops[1], Op::LtJf { .. }));
    assert_eq!(released(ops[3], &release), vec![0, 1]);
    // A numeric constant and a comparison written for real leave nothing to release.
    let g = func(
        "g",
        0,
        2,
        vec![
            LoadConst { dst: 0, idx: 1 },
            Binary {
                op: BinOp::Lt,
                dst: 1,
                a: 0,
                b: 0,
            },
            Return { src: 1 },
        ],
    );
    let (ops, release) = ops_of(vec![g], 0);
    assert!(released(ops[2], &release).is_empty());
}

#[test]
fn joins_keep_a_heap_value_from_either_path() {
    let f = func(
        "f",
        1,
        2,
        vec![
            int(1, 0),
            JumpIfNull { src: 0, target: 4 },
            LoadConst { dst: 1, idx: 0 },
            LoadNull { dst: 0 },
            ReturnNull,
        ],
    );
    let (ops, release) = ops_of(vec![f], 0);
    assert_eq!(released(ops[4], &release), vec![0, 1]);
}

#[test]
fn calls_release_heap_temporaries_the_callee_frame_covers() {
    let callee = func("callee", 1, 2, vec![Return { src: 0 }]);
    let caller = |temp: Instr| {
        func(
            "main",
            0,
            4,
            vec![
                temp,
                int(1, 7),
                Call {
                    dst: 0,
                    func: 0,
                    args: 1,
                    argc: 1,
                },
                Return { src: 0 },
            ],
        )
    };
    // A string in r2 (inside the callee's frame, r1..r3, past its argument): released first.
    let (ops, _) = ops_of(
        vec![callee.clone(), caller(LoadConst { dst: 2, idx: 0 })],
        1,
    );
    assert!(matches!(ops[2], Op::CallClear { .. }));
    // An Int there, or a string in r3 (past the callee's frame): a plain call.
    let (ops, _) = ops_of(vec![callee.clone(), caller(int(2, 1))], 1);
    assert!(matches!(ops[2], Op::Call { .. }));
    let (ops, _) = ops_of(vec![callee, caller(LoadConst { dst: 3, idx: 0 })], 1);
    assert!(matches!(ops[2], Op::Call { .. }));
}

#[test]
fn without_the_analysis_returns_clear_whole_frames_and_calls_release() {
    // Too many register words to analyse.
    let cx = Context {
        params: 0,
        num_regs: 64 * (MAX_WORDS / 2 + 1),
        const_scalar: &[],
        func_regs: &[1],
    };
    let call = Call {
        dst: 0,
        func: 0,
        args: 0,
        argc: 0,
    };
    let code = vec![call, ReturnNull];
    assert!(Scalars::compute(&code, &cx, &|_| Effect::Plain).is_none());
    let mut ops = vec![
        Op::Call {
            dst: 0,
            func: 0,
            args: 0,
            argc: 0,
        },
        Op::ReturnNull,
    ];
    assert!(release_exits(&code, &mut ops, &cx).is_empty());
    assert!(matches!(ops[0], Op::CallClear { .. }));
    assert_eq!(ops[1], Op::ReturnNull);
}

/// Runs `main` of `fs` to its tool call (the module's tool 0) and returns the VM there.
fn suspended(fs: Vec<Function>) -> Vm {
    let mut vm = Vm::new(Rc::new(module(fs)), VmConfig::default()).unwrap();
    vm.start("main", vec![]).unwrap();
    assert!(matches!(vm.run(), Outcome::ToolCall(_)));
    vm
}

#[test]
fn no_heap_value_outlives_its_frame() {
    // keep(xs): copies its list into two temporaries and builds a string, returns an Int.
    let keep = func(
        "keep",
        1,
        4,
        vec![
            Move { dst: 1, src: 0 },
            Move { dst: 2, src: 1 },
            LoadConst { dst: 3, idx: 0 },
            int(0, 1),
            Return { src: 0 },
        ],
    );
    let main = func(
        "main",
        0,
        4,
        vec![
            int(0, 1),
            MakeList {
                dst: 0,
                start: 0,
                count: 1,
            },
            LoadConst { dst: 3, idx: 0 }, // a dead string in the callee's frame
            Move { dst: 2, src: 0 },
            Call {
                dst: 1,
                func: 0,
                args: 2,
                argc: 1,
            },
            MakeMap {
                dst: 2,
                start: 2,
                count: 0,
            },
            CallTool {
                dst: 2,
                tool: 0,
                args: 2,
            },
            Len { dst: 1, src: 0 },
            Return { src: 1 },
        ],
    );
    let vm = suspended(vec![keep, main]);
    // main's list has one owner again: in-place updates stay possible.
    match &vm.regs[0] {
        Value::List(xs) => assert_eq!(Rc::strong_count(xs), 1),
        other => panic!("not the list: {other:?}"),
    }
    assert_eq!(vm.regs[1], Value::Int(1));
    // The dead string, and everything the callee's frame held: released.
    assert!(
        vm.regs[3..].iter().all(Value::is_scalar),
        "{:?}",
        &vm.regs[..8]
    );
}

#[test]
fn closure_calls_release_the_caller_temporaries_too() {
    // id(x) = x, called as a value with a dead string past the argument.
    let id = func("id", 1, 3, vec![Return { src: 0 }]);
    let main = func(
        "main",
        0,
        5,
        vec![
            LoadFunc { dst: 0, func: 0 },
            LoadConst { dst: 3, idx: 0 },
            int(2, 5),
            CallValue {
                dst: 1,
                callee: 0,
                args: 2,
                argc: 1,
            },
            MakeMap {
                dst: 2,
                start: 2,
                count: 0,
            },
            CallTool {
                dst: 2,
                tool: 0,
                args: 2,
            },
            Return { src: 1 },
        ],
    );
    let (ops, _) = ops_of(vec![id.clone(), main.clone()], 1);
    assert!(matches!(ops[3], Op::CallValueClear { .. }));
    let vm = suspended(vec![id, main]);
    assert_eq!(vm.regs[1], Value::Int(5));
    assert!(vm.regs[3..].iter().all(Value::is_scalar));
}

#[test]
fn returns_past_register_31_use_a_list() {
    // r40 holds a string at the return: not expressible as a 32-bit mask.
    let f = func(
        "f",
        0,
        41,
        vec![LoadConst { dst: 40, idx: 0 }, int(0, 1), Return { src: 0 }],
    );
    let (ops, release) = ops_of(vec![f], 0);
    assert!(matches!(ops[2], Op::ReturnRelease { .. }));
    assert_eq!(released(ops[2], &release), vec![40]);
    let vm_result = crate::machine::run_to_end(
        Rc::new(module(vec![func(
            "main",
            0,
            41,
            vec![LoadConst { dst: 40, idx: 0 }, int(0, 1), Return { src: 0 }],
        )])),
        "main",
        vec![],
    );
    assert_eq!(vm_result, Ok(Value::Int(1)));
}
