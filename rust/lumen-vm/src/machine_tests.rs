//! Tests of the interpreter on hand-assembled LIR modules.

use std::cell::RefCell;
use std::rc::Rc;

use super::*;
use crate::lir::{Constant, Function, Instr, Module, ToolDef, TypeDef, VariantDef, LIR_VERSION};
use Instr::*;

/// A function whose instruction `i` is on source line `i + 1` (shared by the VM's test
/// modules).
pub(crate) fn func(name: &str, arity: u16, num_regs: u16, code: Vec<Instr>) -> Function {
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

/// A module with a record `Point(x, y)`, an enum `Shape { Circle(radius:), Square(_), Empty }`,
/// a tool, string constants and field names.
fn module(functions: Vec<Function>) -> Module {
    Module {
        version: LIR_VERSION,
        files: vec!["t.lm".into()],
        constants: vec![
            Constant::Str("hello".into()),
            Constant::Float(2.5),
            Constant::Str("x".into()),
            Constant::Int(i64::MAX),
            Constant::Str("boom".into()),
            Constant::Float(0.0),
        ],
        names: vec!["x".into(), "y".into(), "radius".into(), "text".into()],
        functions,
        types: vec![
            TypeDef::Record {
                name: "Point".into(),
                fields: vec!["x".into(), "y".into()],
            },
            TypeDef::Enum {
                name: "Shape".into(),
                variants: vec![0, 1, 2],
            },
        ],
        variants: vec![
            VariantDef {
                name: "Circle".into(),
                enum_type: 1,
                fields: vec![Some("radius".into())],
            },
            VariantDef {
                name: "Square".into(),
                enum_type: 1,
                fields: vec![None],
            },
            VariantDef {
                name: "Empty".into(),
                enum_type: 1,
                fields: vec![],
            },
        ],
        tools: vec![ToolDef {
            name: "echo.upper".into(),
            alias: "Shout".into(),
            grants: vec![("max_calls".into(), serde_json::json!(2))],
            result: None,
        }],
        globals: 1,
        init: None,
        entry_types: Vec::new(),
    }
}

fn run_main(code: Vec<Instr>, num_regs: u16) -> Result<Value, RuntimeError> {
    run_to_end(
        Rc::new(module(vec![func("main", 0, num_regs, code)])),
        "main",
        vec![],
    )
}

fn display(code: Vec<Instr>, num_regs: u16) -> String {
    match run_main(code, num_regs) {
        Ok(v) => v.to_display(),
        Err(e) => format!("ERR {} line {}: {}", e.code, e.line, e.message),
    }
}

fn binop(op: BinOp, a: Instr, b: Instr) -> String {
    display(
        vec![
            a,
            b,
            Binary {
                op,
                dst: 2,
                a: 0,
                b: 1,
            },
            Return { src: 2 },
        ],
        3,
    )
}

fn int(dst: u16, value: i32) -> Instr {
    LoadInt { dst, value }
}

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

fn fib_module() -> Module {
    let fib = func(
        "fib",
        1,
        4,
        vec![
            int(1, 2),
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
    module(vec![fib])
}

#[test]
fn recursive_calls() {
    let v = run_to_end(Rc::new(fib_module()), "fib", vec![Value::Int(20)]).unwrap();
    assert_eq!(v, Value::Int(6765));
}

#[test]
fn start_checks_the_entry() {
    let mut vm = Vm::new(Rc::new(fib_module()), VmConfig::default()).unwrap();
    assert_eq!(vm.start("nope", vec![]).unwrap_err().code, codes::BAD_ENTRY);
    assert_eq!(vm.start("fib", vec![]).unwrap_err().code, codes::BAD_ENTRY);
    assert!(matches!(vm.run(), Outcome::Error(e) if e.code == codes::BAD_ENTRY));
    vm.start("fib", vec![Value::Int(10)]).unwrap();
    assert_eq!(vm.run(), Outcome::Finished(Value::Int(55)));
    // Runs again after finishing.
    vm.start("fib", vec![Value::Int(11)]).unwrap();
    assert_eq!(vm.run(), Outcome::Finished(Value::Int(89)));
}

#[test]
fn invalid_module_is_rejected() {
    let m = module(vec![func("main", 0, 1, vec![Return { src: 4 }])]);
    assert_eq!(
        Vm::new(Rc::new(m), VmConfig::default())
            .err()
            .map(|e| e.code),
        Some(codes::INVALID_LIR)
    );
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
fn fuel_suspends_and_resumes() {
    let m = Rc::new(fib_module());
    let mut vm = Vm::new(
        m,
        VmConfig {
            max_depth: 10_000,
            fuel: Some(100),
        },
    )
    .unwrap();
    vm.start("fib", vec![Value::Int(15)]).unwrap();
    let mut suspensions = 0;
    let result = loop {
        match vm.run() {
            Outcome::OutOfFuel => {
                suspensions += 1;
                vm.add_fuel(100);
            }
            Outcome::Finished(v) => break v,
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(result, Value::Int(610));
    assert!(suspensions > 5, "{suspensions}");

    // An infinite loop runs out of fuel.
    let spin = module(vec![func(
        "main",
        0,
        1,
        vec![int(0, 1), Jump { target: 0 }],
    )]);
    let mut vm = Vm::new(
        Rc::new(spin),
        VmConfig {
            max_depth: 10,
            fuel: Some(1000),
        },
    )
    .unwrap();
    vm.start("main", vec![]).unwrap();
    assert_eq!(vm.run(), Outcome::OutOfFuel);
    assert_eq!(vm.run(), Outcome::OutOfFuel);
    vm.add_fuel(10);
    assert_eq!(vm.run(), Outcome::OutOfFuel);
}

fn tool_module() -> Module {
    // r = Shout(text: "hello"); return r["text"]  -- via GetField on Json
    module(vec![func(
        "main",
        0,
        4,
        vec![
            LoadConst { dst: 1, idx: 2 }, // "x" (unused key)
            LoadConst { dst: 1, idx: 0 },
            LoadConst { dst: 0, idx: 0 },
            MakeMap {
                dst: 2,
                start: 0,
                count: 1,
            }, // {"hello": "hello"}
            CallTool {
                dst: 3,
                tool: 0,
                args: 2,
            },
            GetField {
                dst: 3,
                obj: 3,
                name: 3,
            },
            Return { src: 3 },
        ],
    )])
}

#[test]
fn tool_calls_suspend_and_resume() {
    let mut vm = Vm::new(Rc::new(tool_module()), VmConfig::default()).unwrap();
    vm.start("main", vec![]).unwrap();
    let req = match vm.run() {
        Outcome::ToolCall(r) => r,
        other => panic!("unexpected {other:?}"),
    };
    assert_eq!(req.name, "echo.upper");
    assert_eq!(req.alias, "Shout");
    assert_eq!(req.args, serde_json::json!({"hello": "hello"}));
    assert_eq!(
        req.grants,
        vec![("max_calls".to_string(), serde_json::json!(2))]
    );
    assert_eq!(req.line, 5);
    // Running again before answering is an error that keeps the suspension.
    assert!(matches!(vm.run(), Outcome::Error(_)));
    vm.resume_ok(serde_json::json!({"text": "HELLO"}));
    assert_eq!(vm.run(), Outcome::Finished(Value::str("HELLO")));

    vm.start("main", vec![]).unwrap();
    assert!(matches!(vm.run(), Outcome::ToolCall(_)));
    vm.resume_err(codes::TOOL_FAILED, "provider exploded".into());
    match vm.run() {
        Outcome::Error(e) => {
            assert_eq!((e.code, e.line), (codes::TOOL_FAILED, 5));
            assert_eq!(e.message, "provider exploded");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        run_to_end(Rc::new(tool_module()), "main", vec![])
            .unwrap_err()
            .code,
        codes::UNKNOWN_TOOL
    );
}

#[test]
fn records_variants_and_fields() {
    let code = vec![
        int(0, 1),
        int(1, 2),
        MakeRecord {
            dst: 2,
            ty: 0,
            start: 0,
        },
        LoadConst { dst: 3, idx: 1 },
        MakeVariant {
            dst: 4,
            variant: 0,
            start: 3,
        },
        MakeVariant {
            dst: 5,
            variant: 1,
            start: 3,
        },
        MakeVariant {
            dst: 6,
            variant: 2,
            start: 0,
        },
        MakeOk { dst: 7, src: 0 },
        LoadConst { dst: 8, idx: 4 },
        MakeErr { dst: 8, src: 8 },
        MakeList {
            dst: 9,
            start: 2,
            count: 7,
        },
        Return { src: 9 },
    ];
    assert_eq!(
        display(code, 10),
        "[Point(x: 1, y: 2), 2.5, Circle(radius: 2.5), Square(2.5), Empty, ok(1), err(\"boom\")]"
    );
    let code = vec![
        int(0, 1),
        int(1, 2),
        MakeRecord {
            dst: 2,
            ty: 0,
            start: 0,
        },
        Move { dst: 3, src: 2 },
        int(4, 10),
        SetField {
            obj: 3,
            name: 1,
            src: 4,
        }, // copy-on-write: r2 unchanged
        GetField {
            dst: 5,
            obj: 2,
            name: 1,
        },
        GetField {
            dst: 6,
            obj: 3,
            name: 1,
        },
        GetSlot {
            dst: 7,
            obj: 3,
            slot: 0,
        },
        LoadConst { dst: 8, idx: 1 },
        MakeVariant {
            dst: 8,
            variant: 0,
            start: 8,
        },
        GetField {
            dst: 9,
            obj: 8,
            name: 2,
        },
        IsUserType {
            dst: 10,
            src: 8,
            ty: 1,
        },
        IsUserType {
            dst: 11,
            src: 2,
            ty: 1,
        },
        IsVariant {
            dst: 12,
            src: 8,
            variant: 0,
        },
        MakeVariant {
            dst: 13,
            variant: 2,
            start: 0,
        },
        IsVariant {
            dst: 13,
            src: 13,
            variant: 1,
        },
        MakeList {
            dst: 0,
            start: 2,
            count: 12,
        },
        Return { src: 0 },
    ];
    assert_eq!(
        display(code, 14),
        "[Point(x: 1, y: 2), Point(x: 1, y: 10), 10, 2, 10, 1, Circle(radius: 2.5), 2.5, true, false, true, false]"
    );
    // A missing field on a record is E0911.
    let r = display(
        vec![
            int(0, 1),
            int(1, 2),
            MakeRecord {
                dst: 2,
                ty: 0,
                start: 0,
            },
            GetField {
                dst: 0,
                obj: 2,
                name: 2,
            },
            Return { src: 0 },
        ],
        3,
    );
    assert!(r.starts_with("ERR E0911 line 4"), "{r}");
}

#[test]
fn lists_maps_and_indexing() {
    let code = vec![
        int(0, 10),
        int(1, 20),
        MakeList {
            dst: 2,
            start: 0,
            count: 2,
        },
        Push { list: 2, src: 0 },
        int(3, 1),
        GetIndex {
            dst: 4,
            obj: 2,
            idx: 3,
        },
        int(5, 99),
        SetIndex {
            obj: 2,
            idx: 3,
            src: 5,
        },
        Len { dst: 6, src: 2 },
        IterGet {
            dst: 7,
            list: 2,
            idx: 3,
        },
        LoadConst { dst: 8, idx: 2 },
        MakeMap {
            dst: 9,
            start: 8,
            count: 1,
        }, // {"x": [..]}
        LoadConst { dst: 10, idx: 0 },
        SetIndex {
            obj: 9,
            idx: 10,
            src: 3,
        },
        GetIndex {
            dst: 11,
            obj: 9,
            idx: 10,
        },
        GetIndex {
            dst: 12,
            obj: 9,
            idx: 5,
        }, // missing key → null
        MakeList {
            dst: 0,
            start: 2,
            count: 1,
        },
        MakeTuple {
            dst: 1,
            start: 4,
            count: 9,
        },
        Return { src: 1 },
    ];
    assert_eq!(
        display(code, 13),
        "(20, 99, 3, 99, \"x\", {\"x\": null, \"hello\": 1}, \"hello\", 1, null)"
    );
    let r = display(
        vec![
            int(0, 1),
            MakeList {
                dst: 1,
                start: 0,
                count: 1,
            },
            int(2, 1),
            GetIndex {
                dst: 0,
                obj: 1,
                idx: 2,
            },
            Return { src: 0 },
        ],
        3,
    );
    assert_eq!(
        r,
        "ERR E0903 line 4: index 1 out of range for list of length 1"
    );
    let r = display(
        vec![
            int(0, 1),
            MakeList {
                dst: 1,
                start: 0,
                count: 1,
            },
            int(2, -1),
            GetIndex {
                dst: 0,
                obj: 1,
                idx: 2,
            },
            Return { src: 0 },
        ],
        3,
    );
    assert!(r.starts_with("ERR E0903"));
    // Strings index by character.
    let r = display(
        vec![
            LoadConst { dst: 0, idx: 0 },
            int(1, 4),
            GetIndex {
                dst: 2,
                obj: 0,
                idx: 1,
            },
            Return { src: 2 },
        ],
        3,
    );
    assert_eq!(r, "o");
}

#[test]
fn iteration_preparation() {
    let code = vec![
        LoadConst { dst: 0, idx: 0 },
        IterPrep { dst: 1, src: 0 },
        LoadConst { dst: 2, idx: 2 },
        int(3, 5),
        MakeMap {
            dst: 4,
            start: 2,
            count: 1,
        },
        IterPrep { dst: 5, src: 4 },
        MakeTuple {
            dst: 0,
            start: 1,
            count: 5,
        },
        Return { src: 0 },
    ];
    assert_eq!(
        display(code, 6),
        "([\"h\", \"e\", \"l\", \"l\", \"o\"], \"x\", 5, {\"x\": 5}, [(\"x\", 5)])"
    );
    assert!(
        display(vec![int(0, 1), IterPrep { dst: 0, src: 0 }, ReturnNull], 1)
            .starts_with("ERR E0900")
    );
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
fn builtins_and_output_sink() {
    let lines = Rc::new(RefCell::new(Vec::<String>::new()));
    let sink = lines.clone();
    let code = vec![
        LoadConst { dst: 0, idx: 0 },
        int(1, 42),
        CallBuiltin {
            dst: 2,
            builtin: Builtin::Print as u16,
            args: 0,
            argc: 2,
        },
        LoadConst { dst: 3, idx: 0 },
        CallBuiltin {
            dst: 3,
            builtin: Builtin::Len as u16,
            args: 3,
            argc: 1,
        },
        Return { src: 3 },
    ];
    let mut vm = Vm::new(
        Rc::new(module(vec![func("main", 0, 4, code)])),
        VmConfig::default(),
    )
    .unwrap();
    vm.set_output(Box::new(move |l| sink.borrow_mut().push(l.to_string())));
    vm.start("main", vec![]).unwrap();
    assert_eq!(vm.run(), Outcome::Finished(Value::Int(5)));
    assert_eq!(*lines.borrow(), vec!["hello 42".to_string()]);
    // A builtin failure carries the line of the call.
    let r = display(
        vec![
            LoadConst { dst: 0, idx: 0 },
            CallBuiltin {
                dst: 0,
                builtin: Builtin::ParseJson as u16,
                args: 0,
                argc: 1,
            },
            Return { src: 0 },
        ],
        1,
    );
    assert!(r.starts_with("ERR E0911 line 2"), "{r}");
}

use crate::builtins::Builtin;

#[test]
fn init_runs_before_the_entry_cell() {
    let init = Function {
        exported: false,
        ..func(
            "<init>",
            0,
            1,
            vec![int(0, 41), StoreGlobal { idx: 0, src: 0 }, ReturnNull],
        )
    };
    let main = func(
        "main",
        1,
        2,
        vec![
            LoadGlobal { dst: 1, idx: 0 },
            Binary {
                op: BinOp::Add,
                dst: 1,
                a: 1,
                b: 0,
            },
            Return { src: 1 },
        ],
    );
    let mut m = module(vec![init, main]);
    m.init = Some(0);
    assert_eq!(
        run_to_end(Rc::new(m.clone()), "main", vec![Value::Int(1)]),
        Ok(Value::Int(42))
    );
    // The initialiser is not an entry cell.
    assert_eq!(
        run_to_end(Rc::new(m), "<init>", vec![]).unwrap_err().code,
        codes::BAD_ENTRY
    );
}

fn list_ptr(v: &Value) -> *const crate::value::Seq {
    match v {
        Value::List(l) => Rc::as_ptr(l),
        _ => std::ptr::null(),
    }
}

fn str_ptr(v: &Value) -> *const String {
    match v {
        Value::Str(s) => Rc::as_ptr(s),
        _ => std::ptr::null(),
    }
}

#[test]
fn pushes_and_appends_are_in_place() {
    // xs = []; s = ""; i = 0; while i < 100000 { Push xs i; s = s + "ab"; xs = append(xs, i) (via Take); i += 1 }
    let code = vec![
        MakeList {
            dst: 0,
            start: 0,
            count: 0,
        },
        LoadConst { dst: 1, idx: 2 }, // "x"
        int(2, 0),
        int(3, 100_000),
        Binary {
            op: BinOp::Lt,
            dst: 4,
            a: 2,
            b: 3,
        }, // 4
        JumpIfFalse {
            cond: 4,
            target: 13,
        },
        Push { list: 0, src: 2 },
        LoadConst { dst: 5, idx: 0 },
        Binary {
            op: BinOp::Add,
            dst: 1,
            a: 1,
            b: 5,
        },
        Take { dst: 6, src: 0 },
        Move { dst: 7, src: 2 },
        CallBuiltin {
            dst: 0,
            builtin: Builtin::Append as u16,
            args: 6,
            argc: 2,
        },
        Jump { target: 14 },
        Jump { target: 16 }, // 13
        AddImm {
            dst: 2,
            a: 2,
            imm: 1,
        }, // 14
        Jump { target: 4 },
        MakeTuple {
            dst: 0,
            start: 0,
            count: 2,
        }, // 16
        Return { src: 0 },
    ];
    let mut vm = Vm::new(
        Rc::new(module(vec![func("main", 0, 8, code)])),
        VmConfig {
            max_depth: 100,
            fuel: Some(50_000),
        },
    )
    .unwrap();
    vm.start("main", vec![]).unwrap();
    let mut ptrs: Option<(*const crate::value::Seq, *const String)> = None;
    let mut checks = 0;
    let v = loop {
        match vm.run() {
            Outcome::OutOfFuel => {
                let now = (list_ptr(&vm.regs[0]), str_ptr(&vm.regs[1]));
                if let Some(before) = ptrs {
                    assert_eq!(before, now, "the list or string was copied");
                    checks += 1;
                }
                ptrs = Some(now);
                vm.add_fuel(50_000);
            }
            Outcome::Finished(v) => break v,
            other => panic!("unexpected {other:?}"),
        }
    };
    assert!(checks > 10);
    match &v {
        Value::Tuple(t) => {
            assert!(matches!(&t[0], Value::List(l) if l.len() == 200_000));
            assert!(matches!(&t[1], Value::Str(s) if s.len() == 1 + 5 * 100_000));
        }
        _ => panic!("not a tuple"),
    }
}

#[test]
fn shared_values_are_copied_on_write() {
    let code = vec![
        int(0, 1),
        MakeList {
            dst: 1,
            start: 0,
            count: 1,
        },
        Move { dst: 2, src: 1 },
        Push { list: 2, src: 0 },
        LoadConst { dst: 3, idx: 0 },
        Move { dst: 4, src: 3 },
        Binary {
            op: BinOp::Add,
            dst: 4,
            a: 4,
            b: 3,
        },
        Binary {
            op: BinOp::Concat,
            dst: 2,
            a: 2,
            b: 1,
        },
        MakeTuple {
            dst: 0,
            start: 1,
            count: 4,
        },
        Return { src: 0 },
    ];
    assert_eq!(
        display(code, 5),
        "([1], [1, 1, 1], \"hello\", \"hellohello\")"
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
