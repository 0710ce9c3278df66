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

fn function(name: &str, arity: u16, num_regs: u16, code: Vec<Instr>) -> Function {
    Function {
        name: name.into(),
        file: 0,
        arity,
        params: (0..arity).map(|i| format!("p{i}")).collect(),
        param_types: vec![String::new(); arity as usize],
        captures: 0,
        num_regs,
        exported: true,
        lines: (1..=code.len() as u32).collect(),
        code,
    }
}

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
    }
}

fn run(m: Module, config: VmConfig) -> Result<Value, RuntimeError> {
    let mut vm = Vm::new(Rc::new(m), config).expect("valid module");
    vm.set_output(Box::new(|_: &str| {}));
    vm.start("main", vec![]).expect("start");
    match vm.run() {
        Outcome::Finished(v) => Ok(v),
        Outcome::Error(e) => Err(e),
        Outcome::OutOfFuel => Err(RuntimeError {
            code: codes::OUT_OF_FUEL,
            message: "out of fuel".into(),
            file: String::new(),
            line: 0,
            function: String::new(),
        }),
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
