//! Tests of calls and frames: recursion, the depth limit, closures, and the clearing of a
//! returning frame's registers.

use std::rc::Rc;

use crate::error::codes;
use crate::lir::{BinOp, Instr};
use crate::machine::tests::{fib_module, func, int, module};
use crate::machine::{run_to_end, Outcome, Vm, VmConfig};
use crate::value::Value;
use Instr::*;

#[test]
fn recursive_calls() {
    let v = run_to_end(Rc::new(fib_module()), "fib", vec![Value::Int(20)]).unwrap();
    assert_eq!(v, Value::Int(6765));
}

#[test]
fn recursion_depth_is_limited() {
    // cell depth(n) = depth(n + 1) + 1
    let depth = func(
        "depth",
        1,
        2,
        vec![
            AddImm {
                dst: 1,
                a: 0,
                imm: 1,
            },
            Call {
                dst: 0,
                func: 0,
                args: 1,
                argc: 1,
            },
            AddImm {
                dst: 0,
                a: 0,
                imm: 1,
            },
            Return { src: 0 },
        ],
    );
    let e = run_to_end(
        Rc::new(module(vec![depth.clone()])),
        "depth",
        vec![Value::Int(0)],
    )
    .unwrap_err();
    assert_eq!(e.code, codes::RECURSION_LIMIT);
    assert!(e.message.contains("recursion depth"));
    assert_eq!(e.line, 2);
    let mut vm = Vm::new(
        Rc::new(module(vec![depth])),
        VmConfig {
            max_depth: 50,
            fuel: None,
        },
    )
    .unwrap();
    vm.start("depth", vec![Value::Int(0)]).unwrap();
    assert!(matches!(vm.run(), Outcome::Error(e) if e.message.contains("50")));
}

#[test]
fn closures_capture_by_value() {
    // adder(x) = x + captured n
    let mut adder = func(
        "<lambda:1>",
        1,
        3,
        vec![
            Binary {
                op: BinOp::Add,
                dst: 2,
                a: 0,
                b: 1,
            },
            Return { src: 2 },
        ],
    );
    adder.captures = 1;
    adder.exported = false;
    let main = func(
        "main",
        0,
        5,
        vec![
            int(0, 5),
            MakeClosure {
                dst: 1,
                func: 0,
                start: 0,
            },
            int(0, 100), // changing the captured variable afterwards has no effect
            int(3, 1),
            CallValue {
                dst: 2,
                callee: 1,
                args: 3,
                argc: 1,
            },
            int(3, 2),
            MakeTuple {
                dst: 3,
                start: 1,
                count: 2,
            },
            Return { src: 3 },
        ],
    );
    let v = run_to_end(Rc::new(module(vec![adder, main])), "main", vec![]).unwrap();
    assert_eq!(v.to_display(), "(<fn <lambda:1>>, 6)");
    // LoadFunc + CallValue, and a wrong argument count.
    let double = func(
        "double",
        1,
        2,
        vec![
            Binary {
                op: BinOp::Mul,
                dst: 1,
                a: 0,
                b: 0,
            },
            Return { src: 1 },
        ],
    );
    let main = func(
        "main",
        0,
        3,
        vec![
            LoadFunc { dst: 0, func: 0 },
            int(1, 7),
            CallValue {
                dst: 1,
                callee: 0,
                args: 1,
                argc: 1,
            },
            Return { src: 1 },
        ],
    );
    assert_eq!(
        run_to_end(Rc::new(module(vec![double.clone(), main])), "main", vec![]),
        Ok(Value::Int(49))
    );
    let bad = func(
        "main",
        0,
        3,
        vec![
            LoadFunc { dst: 0, func: 0 },
            CallValue {
                dst: 1,
                callee: 0,
                args: 1,
                argc: 2,
            },
            Return { src: 1 },
        ],
    );
    assert_eq!(
        run_to_end(Rc::new(module(vec![double, bad])), "main", vec![])
            .unwrap_err()
            .line,
        2
    );
}

#[test]
fn registers_of_returning_frames_are_cleared() {
    let m = Rc::new(fib_module());
    let mut vm = Vm::new(m, VmConfig::default()).unwrap();
    vm.start("fib", vec![Value::Int(12)]).unwrap();
    assert_eq!(vm.run(), Outcome::Finished(Value::Int(144)));
    assert!(vm.regs.iter().all(Value::is_scalar));
    assert!(vm.frames.is_empty());
}
