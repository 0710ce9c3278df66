//! Tests of the VM's public API on hand-assembled LIR modules: starting cells, fuel, tool
//! calls, the output sink, the global initialiser; and the helpers every VM test module
//! assembles its modules with.

use std::cell::RefCell;
use std::rc::Rc;

use crate::builtins::Builtin;
use crate::error::{codes, RuntimeError};
use crate::lir::{
    BinOp, Constant, Function, Instr, Module, ToolDef, TypeDef, VariantDef, LIR_VERSION,
};
use crate::machine::{run_to_end, Outcome, Vm, VmConfig};
use crate::shared::{Grants, SharedStr};
use crate::value::Value;
use Instr::*;

/// A hand-assembled function ([`Function::numbered`]; shared by the VM's test modules).
pub(crate) fn func(name: &str, arity: u16, num_regs: u16, code: Vec<Instr>) -> Function {
    Function::numbered(name, arity, num_regs, code)
}

/// A module with a record `Point(x, y)`, an enum `Shape { Circle(radius:), Square(_), Empty }`,
/// a tool, string constants and field names.
pub(crate) fn module(functions: Vec<Function>) -> Module {
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

pub(crate) fn run_main(code: Vec<Instr>, num_regs: u16) -> Result<Value, RuntimeError> {
    run_to_end(
        Rc::new(module(vec![func("main", 0, num_regs, code)])),
        "main",
        vec![],
    )
}

pub(crate) fn display(code: Vec<Instr>, num_regs: u16) -> String {
    match run_main(code, num_regs) {
        Ok(v) => v.to_display(),
        Err(e) => format!("ERR {} line {}: {}", e.code, e.line, e.message),
    }
}

pub(crate) fn binop(op: BinOp, a: Instr, b: Instr) -> String {
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

pub(crate) fn int(dst: u16, value: i32) -> Instr {
    LoadInt { dst, value }
}

/// `fib(n) = if n < 2 { n } else { fib(n - 1) + fib(n - 2) }`, as the compiler lowers it
/// (the one hand-assembled fib of the VM's tests).
pub(crate) fn fib_module() -> Module {
    let fib = func(
        "fib",
        1,
        4,
        vec![
            int(1, 2),
            Binary {
                op: BinOp::Lt,
                dst: 1,
                a: 0,
                b: 1,
            },
            JumpIfFalse { cond: 1, target: 4 },
            Return { src: 0 },
            AddImm {
                dst: 2,
                a: 0,
                imm: -1,
            },
            Call {
                dst: 1,
                func: 0,
                args: 2,
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
    assert_eq!(req.args.to_json(), serde_json::json!({"hello": "hello"}));
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

/// Every request of one tool shares the VM's name, alias and grants (no copy per call).
#[test]
fn requests_of_one_tool_share_name_alias_and_grants() {
    let mut vm = Vm::new(Rc::new(tool_module()), VmConfig::default()).unwrap();
    let mut requests = Vec::new();
    for _ in 0..2 {
        vm.start("main", vec![]).unwrap();
        match vm.run() {
            Outcome::ToolCall(r) => requests.push(r),
            other => panic!("unexpected {other:?}"),
        }
        vm.resume_ok(serde_json::json!({"text": "HELLO"}));
        assert_eq!(vm.run(), Outcome::Finished(Value::str("HELLO")));
    }
    let (a, b) = (&requests[0], &requests[1]);
    assert!(SharedStr::ptr_eq(&a.name, &b.name));
    assert!(SharedStr::ptr_eq(&a.alias, &b.alias));
    assert!(Grants::ptr_eq(&a.grants, &b.grants));
    assert_eq!(a, b);
    // Another VM of the same module has its own.
    let mut other = Vm::new(Rc::new(tool_module()), VmConfig::default()).unwrap();
    other.start("main", vec![]).unwrap();
    let Outcome::ToolCall(c) = other.run() else {
        panic!("expected a tool call")
    };
    assert!(!Grants::ptr_eq(&a.grants, &c.grants));
    assert_eq!(a.grants, c.grants);
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
