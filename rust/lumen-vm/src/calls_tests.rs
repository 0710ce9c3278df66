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
    // 10,000 frames, each at its call on line 2: the innermost and outermost are kept.
    let (inner, outer) = (
        lumen_report::trace::KEPT_INNER,
        lumen_report::trace::KEPT_OUTER,
    );
    assert_eq!(e.frames.len(), inner + outer);
    assert_eq!(e.frames_omitted, 10_000 - inner - outer);
    assert!(e
        .frames
        .iter()
        .all(|f| f.cell == "depth" && f.line == 2 && f.column == 1 && f.file == "t.lm"));
    let text = e.to_string();
    assert!(
        text.ends_with("  = \u{2026} 9,987 more frames\n  = at depth (t.lm:2:1)\n  = at depth (t.lm:2:1)\n  = at depth (t.lm:2:1)"),
        "{text}"
    );
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

/// `main` calls `f` (instruction 2), `f` calls `g` (instruction 3), `g` divides by zero
/// (instruction 3).
fn three_deep() -> crate::lir::Module {
    let call = |dst, func, args| Call {
        dst,
        func,
        args,
        argc: 0,
    };
    let main = func(
        "main",
        0,
        1,
        vec![int(0, 1), call(0, 1, 1), Return { src: 0 }],
    );
    let f = func(
        "f",
        0,
        1,
        vec![int(0, 1), int(0, 2), call(0, 2, 1), Return { src: 0 }],
    );
    let mut g = func(
        "g",
        0,
        2,
        vec![
            int(0, 1),
            int(1, 0),
            Binary {
                op: BinOp::Div,
                dst: 0,
                a: 0,
                b: 1,
            },
            Return { src: 0 },
        ],
    );
    g.positions[2].column = 14;
    g.file = 1;
    let mut m = module(vec![main, f, g]);
    m.files.push("lib.lm".into());
    m
}

#[test]
fn errors_carry_the_call_stack_innermost_first() {
    let e = run_to_end(Rc::new(three_deep()), "main", vec![]).unwrap_err();
    assert_eq!(e.code, codes::DIV_BY_ZERO);
    let at: Vec<(&str, &str, u32, u32)> = e
        .frames
        .iter()
        .map(|f| (f.cell.as_str(), f.file.as_str(), f.line, f.column))
        .collect();
    assert_eq!(
        at,
        [
            ("g", "lib.lm", 3, 14),
            ("f", "t.lm", 3, 1),
            ("main", "t.lm", 2, 1)
        ]
    );
    assert_eq!((e.line, e.column, e.function.as_str()), (3, 14, "g"));
    assert_eq!(e.frames_omitted, 0);
    assert_eq!(
        e.to_string(),
        "error[E0902]: division by zero\n  --> lib.lm:3:14 (in g)\n  = at g (lib.lm:3:14)\n  = at f (t.lm:3:1)\n  = at main (t.lm:2:1)"
    );
}

#[test]
fn a_stripped_module_reports_cell_names() {
    let mut m = three_deep();
    for f in &mut m.functions {
        f.positions.clear();
    }
    let e = run_to_end(Rc::new(m), "main", vec![]).unwrap_err();
    let cells: Vec<&str> = e.frames.iter().map(|f| f.cell.as_str()).collect();
    assert_eq!(cells, ["g", "f", "main"]);
    assert!(e.frames.iter().all(|f| f.line == 0 && f.column == 0));
    assert_eq!(e.line, 0);
    assert_eq!(
        e.to_string(),
        "error[E0902]: division by zero\n  --> lib.lm (in g)\n  = at g (lib.lm)\n  = at f (t.lm)\n  = at main (t.lm)"
    );
}

#[test]
fn errors_the_host_raises_carry_the_stack_where_the_vm_stopped() {
    let mut vm = Vm::new(
        Rc::new(three_deep()),
        VmConfig {
            max_depth: 100,
            fuel: Some(2),
        },
    )
    .unwrap();
    vm.start("main", vec![]).unwrap();
    // Two calls cost the two units: the VM stops in `g` before its first instruction.
    assert!(matches!(vm.run(), Outcome::OutOfFuel));
    let e = vm.error_here(codes::OUT_OF_FUEL, "out of fuel");
    let cells: Vec<(&str, u32)> = e.frames.iter().map(|f| (f.cell.as_str(), f.line)).collect();
    assert_eq!(cells, [("g", 1), ("f", 3), ("main", 2)]);
    let idle = Vm::new(Rc::new(three_deep()), VmConfig::default()).unwrap();
    let plain = idle.error_here(codes::CANCELLED, "stopped");
    assert!(plain.frames.is_empty() && plain.line == 0);
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
