//! Issue 10 items 3 and 12: the memory cap covers operators, builtins are charged fuel by
//! their work, and the register stack is capped in size.

use std::rc::Rc;

use crate::builtins::Builtin;
use crate::error::codes;
use crate::lir::{BinOp, Constant, Function, Instr, Module, LIR_VERSION};
use crate::machine::{Outcome, Vm, VmConfig};
use crate::value::Value;
use crate::RuntimeError;
use Instr::*;

use crate::machine::tests::func as function;

fn module(functions: Vec<Function>) -> Module {
    Module {
        version: LIR_VERSION,
        files: vec!["limits.lm".into()],
        constants: vec![
            Constant::Str("ab".into()),
            Constant::Str(String::new()),
            Constant::Int(1 << 30),
        ],
        names: vec![],
        functions,
        types: vec![],
        variants: vec![],
        tools: vec![],
        globals: 0,
        init: None,
        entry_types: Vec::new(),
    }
}

fn run(m: Module, config: VmConfig) -> Result<Value, RuntimeError> {
    let mut vm = Vm::new(Rc::new(m), config).expect("valid module");
    vm.set_output(Box::new(|_: &str| {}));
    vm.start("main", vec![]).expect("start");
    match vm.run() {
        Outcome::Finished(v) => Ok(v),
        Outcome::Error(e) => Err(e),
        Outcome::OutOfFuel => Err(RuntimeError::plain(codes::OUT_OF_FUEL, "out of fuel")),
        other => panic!("unexpected {other:?}"),
    }
}

/// `main`: r0 = `init`, then `step` 40 times (r1 counts, r2 = 40); returns r0.
fn doubling(init: Vec<Instr>, step: Vec<Instr>) -> Module {
    let mut code = init;
    code.push(LoadInt { dst: 1, value: 0 });
    code.push(LoadInt { dst: 2, value: 40 });
    let top = code.len() as u32;
    code.extend(step);
    code.push(AddImm {
        dst: 1,
        a: 1,
        imm: 1,
    });
    code.push(Binary {
        op: BinOp::Lt,
        dst: 3,
        a: 1,
        b: 2,
    });
    code.push(JumpIfTrue {
        cond: 3,
        target: top,
    });
    code.push(Return { src: 0 });
    module(vec![function("main", 0, 16, code)])
}

fn string() -> Vec<Instr> {
    vec![LoadConst { dst: 0, idx: 0 }]
}

fn list() -> Vec<Instr> {
    vec![
        LoadInt { dst: 5, value: 1 },
        MakeList {
            dst: 0,
            start: 5,
            count: 1,
        },
    ]
}

fn bin(op: BinOp, dst: u16) -> Vec<Instr> {
    let mut v = vec![Binary {
        op,
        dst,
        a: 0,
        b: 0,
    }];
    if dst != 0 {
        v.push(Move { dst: 0, src: dst });
    }
    v
}

fn builtin(b: Builtin, args: u16, argc: u8) -> Instr {
    CallBuiltin {
        dst: 0,
        builtin: b as u16,
        args,
        argc,
    }
}

/// r8 = [r0, r0]
fn pair() -> Vec<Instr> {
    vec![
        Move { dst: 10, src: 0 },
        Move { dst: 11, src: 0 },
        MakeList {
            dst: 8,
            start: 10,
            count: 2,
        },
    ]
}

#[test]
fn issue10_item3_operators_doubling_past_the_cap_are_e0914() {
    let interp = vec![
        Move { dst: 8, src: 0 },
        CallBuiltin {
            dst: 8,
            builtin: Builtin::ToString as u16,
            args: 8,
            argc: 1,
        },
        Binary {
            op: BinOp::Add,
            dst: 0,
            a: 0,
            b: 8,
        },
    ];
    let repeat = vec![
        Move { dst: 8, src: 0 },
        LoadInt { dst: 9, value: 2 },
        builtin(Builtin::Repeat, 8, 2),
    ];
    let mut join = pair();
    join.push(LoadConst { dst: 9, idx: 1 });
    join.push(builtin(Builtin::Join, 8, 2));
    let mut show = pair();
    show.push(builtin(Builtin::ToString, 8, 1));
    let mut json = pair();
    json.push(builtin(Builtin::ToJson, 8, 1));
    let cases: Vec<(&str, Module)> = vec![
        (
            "s = s + s (in place)",
            doubling(string(), bin(BinOp::Add, 0)),
        ),
        ("t = s + s", doubling(string(), bin(BinOp::Add, 4))),
        (
            "s = s ++ s (in place)",
            doubling(string(), bin(BinOp::Concat, 0)),
        ),
        ("t = s ++ s", doubling(string(), bin(BinOp::Concat, 4))),
        (
            "xs = xs ++ xs (in place)",
            doubling(list(), bin(BinOp::Concat, 0)),
        ),
        ("ys = xs ++ xs", doubling(list(), bin(BinOp::Concat, 4))),
        ("s = \"{s}{s}\"", doubling(string(), interp)),
        ("s = repeat(s, 2)", doubling(string(), repeat.clone())),
        ("xs = repeat(xs, 2)", doubling(list(), repeat)),
        ("s = join([s, s], \"\")", doubling(string(), join)),
        ("s = to_string([s, s])", doubling(string(), show)),
        ("s = to_json([s, s])", doubling(string(), json)),
    ];
    for (what, m) in cases {
        let e = run(m, VmConfig::default()).expect_err(what);
        assert_eq!(e.code, codes::OUT_OF_MEMORY, "{what}: {e}");
        assert!(e.message.contains("exceeds the limit"), "{what}: {e}");
    }

    // Pushing in place, one element at a time, stops at the element limit.
    let push = module(vec![function(
        "main",
        0,
        4,
        vec![
            MakeList {
                dst: 0,
                start: 1,
                count: 0,
            },
            LoadInt { dst: 1, value: 7 },
            Push { list: 0, src: 1 },
            Jump { target: 2 },
        ],
    )]);
    let e = run(push, VmConfig::default()).expect_err("push");
    assert_eq!(e.code, codes::OUT_OF_MEMORY, "{e}");
    assert!(e.message.contains("16777217 elements"), "{e}");

    // A range materialised as a list.
    let range = module(vec![function(
        "main",
        0,
        4,
        vec![
            LoadInt { dst: 1, value: 0 },
            LoadConst { dst: 2, idx: 2 },
            CallBuiltin {
                dst: 0,
                builtin: Builtin::Range as u16,
                args: 1,
                argc: 2,
            },
            Return { src: 0 },
        ],
    )]);
    let e = run(range, VmConfig::default()).expect_err("range");
    assert_eq!(e.code, codes::OUT_OF_MEMORY, "{e}");
}

/// `main(xs)`: returns `sort(xs)`.
fn sort_module() -> Module {
    module(vec![function(
        "main",
        1,
        4,
        vec![
            Move { dst: 1, src: 0 },
            CallBuiltin {
                dst: 2,
                builtin: Builtin::Sort as u16,
                args: 1,
                argc: 1,
            },
            Return { src: 2 },
        ],
    )])
}

fn reversed(n: i64) -> Value {
    Value::list((0..n).rev().map(Value::Int).collect())
}

#[test]
fn issue10_item12_sort_under_small_fuel_stops_before_sorting() {
    // sort of 10^6 elements costs n·log2 n = 2·10^7 units: far beyond a 10^5 budget, so the
    // VM stops at the call instead of doing the work.
    let mut vm = Vm::new(
        Rc::new(sort_module()),
        VmConfig {
            max_depth: 100,
            fuel: Some(100_000),
        },
    )
    .expect("valid");
    vm.start("main", vec![reversed(1_000_000)]).expect("start");
    assert_eq!(vm.run(), Outcome::OutOfFuel);
    // The budget is kept, not lost: with enough fuel added the same call runs.
    assert_eq!(vm.run(), Outcome::OutOfFuel);
    vm.add_fuel(30_000_000);
    match vm.run() {
        Outcome::Finished(v) => match &v {
            Value::List(xs) => {
                assert_eq!(xs.len(), 1_000_000);
                assert_eq!(xs.first(), Some(&Value::Int(0)));
            }
            other => panic!("not a list: {other:?}"),
        },
        other => panic!("unexpected {other:?}"),
    }

    // A host adding fuel in slices gets there too, one slice at a time.
    let mut vm = Vm::new(
        Rc::new(sort_module()),
        VmConfig {
            max_depth: 100,
            fuel: Some(1_000),
        },
    )
    .expect("valid");
    vm.start("main", vec![reversed(10_000)]).expect("start");
    let mut slices = 0;
    let sorted = loop {
        match vm.run() {
            Outcome::OutOfFuel => {
                slices += 1;
                vm.add_fuel(1_000);
            }
            Outcome::Finished(v) => break v,
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(sorted, Value::list((0..10_000).map(Value::Int).collect()));
    // 10,000 · 14 = 140,000 units in slices of 1,000.
    assert!((130..=150).contains(&slices), "{slices}");
}

#[test]
fn issue10_item12_builtin_costs_follow_their_work() {
    use crate::builtins::Cost;
    let s = Value::str("x".repeat(1000));
    assert_eq!(Builtin::Len.cost().of(std::slice::from_ref(&s)), 1000);
    assert_eq!(Builtin::Abs.cost().of(&[Value::Int(-1)]), 0);
    assert_eq!(
        Builtin::Repeat.cost().of(&[s.clone(), Value::Int(1000)]),
        1_000_000
    );
    assert_eq!(
        Builtin::Range
            .cost()
            .of(&[Value::Int(0), Value::Int(100), Value::Int(10)]),
        10
    );
    assert_eq!(Builtin::Range.cost().of(&[Value::Int(5), Value::Int(0)]), 0);
    assert_eq!(Builtin::Sort.cost().of(&[reversed(1024)]), 1024 * 11);
    assert_eq!(Builtin::Sort.cost(), Cost::Sort);
    // Appending to a uniquely held list is O(1); to a shared one it copies.
    let xs = reversed(100);
    assert_eq!(
        Builtin::Append.cost().of(&[reversed(100), Value::Int(1)]),
        1
    );
    let shared = xs.clone();
    assert_eq!(Builtin::Append.cost().of(&[xs, Value::Int(1)]), 101);
    drop(shared);
}

/// `main(n)`: `r(n)` where `r` has `regs` registers and recurses `n` levels, its callee's
/// window starting at its last register (so every frame adds `regs - 1` slots).
fn recursion(regs: u16) -> Module {
    let last = regs - 1;
    module(vec![
        function(
            "main",
            1,
            2,
            vec![
                Call {
                    dst: 1,
                    func: 1,
                    args: 0,
                    argc: 1,
                },
                Return { src: 1 },
            ],
        ),
        Function {
            exported: false,
            ..function(
                "r",
                1,
                regs,
                vec![
                    // if n <= 0 return 0 else return r(n - 1)
                    LoadInt { dst: 1, value: 0 },
                    Binary {
                        op: BinOp::Le,
                        dst: 2,
                        a: 0,
                        b: 1,
                    },
                    JumpIfFalse { cond: 2, target: 4 },
                    Return { src: 1 },
                    AddImm {
                        dst: last,
                        a: 0,
                        imm: -1,
                    },
                    Call {
                        dst: 1,
                        func: 1,
                        args: last,
                        argc: 1,
                    },
                    Return { src: 1 },
                ],
            )
        },
    ])
}

fn recurse(regs: u16, n: i64) -> Result<Value, RuntimeError> {
    let mut vm = Vm::new(Rc::new(recursion(regs)), VmConfig::default()).expect("valid");
    vm.start("main", vec![Value::Int(n)]).expect("start");
    match vm.run() {
        Outcome::Finished(v) => Ok(v),
        Outcome::Error(e) => Err(e),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn issue10_item12_register_stack_is_capped() {
    // 30,000 registers per frame, 9,990 frames (inside the default depth of 10,000) would
    // be 4.8 GB of registers: the cap stops it at about 140 frames.
    let e = recurse(30_000, 9_990).expect_err("capped");
    assert_eq!(e.code, codes::RECURSION_LIMIT, "{e}");
    assert!(e.message.contains("call stack too large"), "{e}");
    assert!(e.message.contains("4194304 slots"), "{e}");
    // Within the cap the same function recurses fine.
    assert_eq!(recurse(30_000, 100), Ok(Value::Int(0)));
    // Ordinary deep recursion is untouched by the cap: only the depth limit applies.
    assert_eq!(recurse(8, 9_990), Ok(Value::Int(0)));
    let e = recurse(8, 20_000).expect_err("depth");
    assert_eq!(e.code, codes::RECURSION_LIMIT);
    assert!(e.message.contains("maximum recursion depth"), "{e}");
}

#[test]
fn issue10_item12_concatenation_is_charged_by_its_size() {
    // main(s): 1,000 times t = s + s (a fresh copy each time). The loop itself costs about
    // 5 units per iteration, well inside 100,000; the copies (2 MB each) are not.
    let mut code = vec![
        LoadInt { dst: 1, value: 0 },
        LoadInt {
            dst: 2,
            value: 1000,
        },
    ];
    let top = code.len() as u32;
    code.extend([
        Binary {
            op: BinOp::Add,
            dst: 4,
            a: 0,
            b: 0,
        },
        AddImm {
            dst: 1,
            a: 1,
            imm: 1,
        },
        Binary {
            op: BinOp::Lt,
            dst: 3,
            a: 1,
            b: 2,
        },
        JumpIfTrue {
            cond: 3,
            target: top,
        },
        Return { src: 1 },
    ]);
    let m = Rc::new(module(vec![function("main", 1, 8, code)]));
    let run_with = |fuel: u64, s: Value| {
        let mut vm = Vm::new(
            m.clone(),
            VmConfig {
                max_depth: 10,
                fuel: Some(fuel),
            },
        )
        .expect("valid");
        vm.start("main", vec![s]).expect("start");
        vm.run()
    };
    assert_eq!(
        run_with(100_000, Value::str("x".repeat(1 << 20))),
        Outcome::OutOfFuel
    );
    // Short strings: the same loop finishes within the same budget.
    assert_eq!(
        run_with(100_000, Value::str("x")),
        Outcome::Finished(Value::Int(1000))
    );
}

#[test]
fn issue10_item3_tool_arguments_are_capped_in_size() {
    // A list holding the same 1 Mi-element list 1,000 times is small as a value but a
    // billion JSON nodes as tool arguments: E0914 before building them.
    let inner = Value::list((0..1 << 20).map(Value::Int).collect());
    let outer = Value::list(vec![inner; 1000]);
    let e = crate::json::to_serde(&outer).expect_err("too large");
    assert_eq!(e.code, codes::OUT_OF_MEMORY);
    let e = crate::json::to_json_string(&outer).expect_err("too large");
    assert_eq!(e.code, codes::OUT_OF_MEMORY);
}
