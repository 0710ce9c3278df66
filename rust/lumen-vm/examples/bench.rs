//! Micro-benchmarks of the interpreter on hand-assembled LIR (the shapes the lowering
//! emits for the benchmark programs): `cargo run --release -p lumen-vm --example bench
//! [PREFIX]` (PREFIX selects benchmarks by name).

use std::rc::Rc;
use std::time::Instant;

use lumen_vm::builtins::Builtin;
use lumen_vm::lir::{BinOp, Constant, Function, Instr, Module, TypeDef, VariantDef, LIR_VERSION};
use lumen_vm::{run_to_end, Value};

fn func(name: &str, arity: u16, num_regs: u16, code: Vec<Instr>) -> Function {
    Function::numbered(name, arity, num_regs, code)
}

fn module(functions: Vec<Function>) -> Rc<Module> {
    Rc::new(Module {
        version: LIR_VERSION,
        files: vec!["bench.lm".into()],
        functions,
        ..Module::default()
    })
}

fn fib() -> Rc<Module> {
    use Instr::*;
    let fib = func(
        "fib",
        1,
        4,
        vec![
            LoadInt { dst: 1, value: 2 },
            Binary {
                op: BinOp::Lt,
                dst: 2,
                a: 0,
                b: 1,
            },
            JumpIfFalse { cond: 2, target: 4 },
            Return { src: 0 },
            AddImm {
                dst: 3,
                a: 0,
                imm: -1,
            },
            Call {
                dst: 1,
                func: 0,
                args: 3,
                argc: 1,
            },
            AddImm {
                dst: 3,
                a: 0,
                imm: -2,
            },
            Call {
                dst: 2,
                func: 0,
                args: 3,
                argc: 1,
            },
            Binary {
                op: BinOp::Add,
                dst: 1,
                a: 1,
                b: 2,
            },
            Return { src: 1 },
        ],
    );
    let main = func(
        "main",
        0,
        1,
        vec![
            LoadInt { dst: 0, value: 32 },
            Call {
                dst: 0,
                func: 0,
                args: 0,
                argc: 1,
            },
            Return { src: 0 },
        ],
    );
    module(vec![fib, main])
}

fn loop_mod() -> Rc<Module> {
    use Instr::*;
    let main = func(
        "main",
        0,
        5,
        vec![
            LoadInt { dst: 0, value: 0 },
            LoadInt { dst: 1, value: 0 },
            LoadInt {
                dst: 2,
                value: 10_000_000,
            },
            Binary {
                op: BinOp::Lt,
                dst: 3,
                a: 1,
                b: 2,
            },
            JumpIfFalse {
                cond: 3,
                target: 10,
            },
            LoadInt { dst: 4, value: 7 },
            Binary {
                op: BinOp::Mod,
                dst: 4,
                a: 1,
                b: 4,
            },
            Binary {
                op: BinOp::Add,
                dst: 0,
                a: 0,
                b: 4,
            },
            AddImm {
                dst: 1,
                a: 1,
                imm: 1,
            },
            Jump { target: 2 },
            Return { src: 0 },
        ],
    );
    module(vec![main])
}

fn tree() -> Rc<Module> {
    use Instr::*;
    let build = func(
        "build",
        1,
        4,
        vec![
            LoadInt { dst: 1, value: 0 },
            Binary {
                op: BinOp::Le,
                dst: 2,
                a: 0,
                b: 1,
            },
            JumpIfFalse { cond: 2, target: 6 },
            LoadInt { dst: 3, value: 1 },
            MakeVariant {
                dst: 3,
                variant: 0,
                start: 3,
            },
            Return { src: 3 },
            AddImm {
                dst: 3,
                a: 0,
                imm: -1,
            },
            Call {
                dst: 1,
                func: 0,
                args: 3,
                argc: 1,
            },
            AddImm {
                dst: 3,
                a: 0,
                imm: -1,
            },
            Call {
                dst: 2,
                func: 0,
                args: 3,
                argc: 1,
            },
            MakeVariant {
                dst: 3,
                variant: 1,
                start: 1,
            },
            Return { src: 3 },
        ],
    );
    let total = func(
        "total",
        1,
        3,
        vec![
            IsVariant {
                dst: 1,
                src: 0,
                variant: 0,
            },
            JumpIfFalse { cond: 1, target: 4 },
            GetSlot {
                dst: 1,
                obj: 0,
                slot: 0,
            },
            Return { src: 1 },
            GetSlot {
                dst: 2,
                obj: 0,
                slot: 0,
            },
            Call {
                dst: 1,
                func: 1,
                args: 2,
                argc: 1,
            },
            GetSlot {
                dst: 2,
                obj: 0,
                slot: 1,
            },
            Call {
                dst: 2,
                func: 1,
                args: 2,
                argc: 1,
            },
            Binary {
                op: BinOp::Add,
                dst: 1,
                a: 1,
                b: 2,
            },
            Return { src: 1 },
        ],
    );
    let main = func(
        "main",
        0,
        1,
        vec![
            LoadInt { dst: 0, value: 18 },
            Call {
                dst: 0,
                func: 0,
                args: 0,
                argc: 1,
            },
            Call {
                dst: 0,
                func: 1,
                args: 0,
                argc: 1,
            },
            Return { src: 0 },
        ],
    );
    let mut m = (*module(vec![build, total, main])).clone();
    m.types = vec![TypeDef::Enum {
        name: "Node".into(),
        variants: vec![0, 1],
    }];
    m.variants = vec![
        VariantDef {
            name: "Leaf".into(),
            enum_type: 0,
            fields: vec![Some("value".into())],
        },
        VariantDef {
            name: "Branch".into(),
            enum_type: 0,
            fields: vec![Some("left".into()), Some("right".into())],
        },
    ];
    Rc::new(m)
}

fn strings() -> Rc<Module> {
    use Instr::*;
    let main = func(
        "main",
        0,
        6,
        vec![
            LoadConst { dst: 0, idx: 0 },
            LoadInt { dst: 1, value: 0 },
            LoadInt {
                dst: 2,
                value: 200_000,
            },
            Binary {
                op: BinOp::Lt,
                dst: 3,
                a: 1,
                b: 2,
            },
            JumpIfFalse {
                cond: 3,
                target: 13,
            },
            LoadInt { dst: 4, value: 10 },
            Binary {
                op: BinOp::Mod,
                dst: 4,
                a: 1,
                b: 4,
            },
            CallBuiltin {
                dst: 4,
                builtin: Builtin::ToString as u16,
                args: 4,
                argc: 1,
            },
            Binary {
                op: BinOp::Add,
                dst: 0,
                a: 0,
                b: 4,
            },
            LoadConst { dst: 5, idx: 1 },
            Binary {
                op: BinOp::Add,
                dst: 0,
                a: 0,
                b: 5,
            },
            AddImm {
                dst: 1,
                a: 1,
                imm: 1,
            },
            Jump { target: 2 },
            CallBuiltin {
                dst: 0,
                builtin: Builtin::Len as u16,
                args: 0,
                argc: 1,
            },
            Return { src: 0 },
        ],
    );
    let mut m = (*module(vec![main])).clone();
    m.constants = vec![Constant::Str(String::new()), Constant::Str("ab".into())];
    Rc::new(m)
}

fn sort() -> Rc<Module> {
    use Instr::*;
    let main = func(
        "main",
        0,
        6,
        vec![
            MakeList {
                dst: 0,
                start: 0,
                count: 0,
            },
            LoadInt { dst: 1, value: 42 },
            LoadInt { dst: 2, value: 0 },
            LoadInt {
                dst: 3,
                value: 200_000,
            },
            Binary {
                op: BinOp::Lt,
                dst: 4,
                a: 2,
                b: 3,
            },
            JumpIfFalse {
                cond: 4,
                target: 17,
            },
            LoadConst { dst: 5, idx: 0 },
            Binary {
                op: BinOp::Mul,
                dst: 1,
                a: 1,
                b: 5,
            },
            LoadInt {
                dst: 5,
                value: 12345,
            },
            Binary {
                op: BinOp::Add,
                dst: 1,
                a: 1,
                b: 5,
            },
            LoadConst { dst: 5, idx: 1 },
            Binary {
                op: BinOp::Mod,
                dst: 1,
                a: 1,
                b: 5,
            },
            LoadInt {
                dst: 5,
                value: 100_000,
            },
            Binary {
                op: BinOp::Mod,
                dst: 5,
                a: 1,
                b: 5,
            },
            Push { list: 0, src: 5 },
            AddImm {
                dst: 2,
                a: 2,
                imm: 1,
            },
            Jump { target: 4 },
            CallBuiltin {
                dst: 0,
                builtin: Builtin::Sort as u16,
                args: 0,
                argc: 1,
            },
            LoadInt {
                dst: 1,
                value: 100_000,
            },
            GetIndex {
                dst: 0,
                obj: 0,
                idx: 1,
            },
            Return { src: 0 },
        ],
    );
    let mut m = (*module(vec![main])).clone();
    m.constants = vec![Constant::Int(1_103_515_245), Constant::Int(2_147_483_648)];
    Rc::new(m)
}

/// The nbody loop body: float arithmetic and `sqrt`, 1,000,000 steps.
fn nbody() -> Rc<Module> {
    use Instr::*;
    // r0 px r1 py r2 vx r3 vy r4 dt r5 i r6 n r7 r2 r8 r r9 f r10..r12 temps
    let b = |op, dst, a, b| Binary { op, dst, a, b };
    let main = func(
        "main",
        0,
        13,
        vec![
            LoadConst { dst: 0, idx: 0 },
            LoadConst { dst: 1, idx: 1 },
            LoadConst { dst: 2, idx: 1 },
            LoadConst { dst: 3, idx: 0 },
            LoadConst { dst: 4, idx: 2 },
            LoadInt { dst: 5, value: 0 },
            LoadInt {
                dst: 6,
                value: 1_000_000,
            },
            b(BinOp::Lt, 10, 5, 6), // 7
            JumpIfFalse {
                cond: 10,
                target: 36,
            },
            b(BinOp::Mul, 7, 0, 0),
            b(BinOp::Mul, 10, 1, 1),
            b(BinOp::Add, 7, 7, 10),
            Move { dst: 12, src: 7 },
            CallBuiltin {
                dst: 8,
                builtin: Builtin::Sqrt as u16,
                args: 12,
                argc: 1,
            },
            LoadConst { dst: 10, idx: 0 },
            b(BinOp::Div, 10, 10, 7),
            LoadConst { dst: 9, idx: 1 },
            b(BinOp::Sub, 9, 9, 10),
            b(BinOp::Mul, 10, 9, 0), // vx += f*px/r*dt
            b(BinOp::Div, 10, 10, 8),
            b(BinOp::Mul, 10, 10, 4),
            b(BinOp::Add, 2, 2, 10),
            b(BinOp::Mul, 10, 9, 1), // vy
            b(BinOp::Div, 10, 10, 8),
            b(BinOp::Mul, 10, 10, 4),
            b(BinOp::Add, 3, 3, 10),
            b(BinOp::Mul, 10, 2, 4), // px += vx*dt
            b(BinOp::Add, 0, 0, 10),
            b(BinOp::Mul, 10, 3, 4),
            b(BinOp::Add, 1, 1, 10),
            AddImm {
                dst: 5,
                a: 5,
                imm: 1,
            },
            Jump { target: 7 },
            ReturnNull,
            ReturnNull,
            ReturnNull,
            ReturnNull,
            b(BinOp::Mul, 7, 0, 0), // 36
            b(BinOp::Mul, 10, 1, 1),
            b(BinOp::Add, 7, 7, 10),
            CallBuiltin {
                dst: 7,
                builtin: Builtin::Sqrt as u16,
                args: 7,
                argc: 1,
            },
            Return { src: 7 },
        ],
    );
    let mut m = (*module(vec![main])).clone();
    m.constants = vec![
        Constant::Float(1.0),
        Constant::Float(0.0),
        Constant::Float(0.001),
    ];
    Rc::new(m)
}

/// Whether `name` is selected by the command line (`bench [PREFIX]`: only the benchmarks
/// whose name starts with PREFIX, e.g. for instruction counts under valgrind).
fn selected(name: &str) -> bool {
    std::env::args()
        .nth(1)
        .is_none_or(|prefix| name.starts_with(&prefix))
}

fn time(name: &str, m: Rc<Module>, expect: Value) {
    if !selected(name) {
        return;
    }
    let t = Instant::now();
    let v = run_to_end(m, "main", vec![]).expect("runs");
    let dt = t.elapsed();
    assert_eq!(v, expect);
    println!("{name:<10} {:>8.3} s   -> {v}", dt.as_secs_f64());
}

fn main() {
    time("fib(32)", fib(), Value::Int(2_178_309));
    time("loop 10M", loop_mod(), Value::Int(29_999_994));
    time("tree(18)", tree(), Value::Int(262_144));
    time("strings", strings(), Value::Int(600_000));
    time("sort 200k", sort(), Value::Int(50_161));
    if !selected("nbody 1M") {
        return;
    }
    let t = Instant::now();
    let v = run_to_end(nbody(), "main", vec![]).expect("runs");
    println!(
        "{:<10} {:>8.3} s   -> {v}",
        "nbody 1M",
        t.elapsed().as_secs_f64()
    );
}
