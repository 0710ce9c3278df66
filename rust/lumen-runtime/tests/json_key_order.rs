//! Issue 10 item 8 (native): a tool's JSON object keys keep their order both ways, as
//! `docs/TOOL_PROVIDERS.md` promises (serde_json is built with `preserve_order`).

use std::cell::RefCell;
use std::rc::Rc;

use lumen_runtime::{run_program, FnProvider, ProviderRegistry, RunConfig};
use lumen_vm::builtins::Builtin;
use lumen_vm::lir::{Constant, Function, Instr, Module, ToolDef, LIR_VERSION};

/// `main`: `r = Order(z: 1, a: 2, m: 3)`; prints `r` and `to_json(r)`, returns `r`.
fn module() -> Rc<Module> {
    let mut code = Vec::new();
    for (i, key) in [0u32, 1, 2].into_iter().enumerate() {
        let r = 2 * i as u16;
        code.push(Instr::LoadConst { dst: r, idx: key });
        code.push(Instr::LoadInt {
            dst: r + 1,
            value: i as i32 + 1,
        });
    }
    code.extend([
        Instr::MakeMap {
            dst: 6,
            start: 0,
            count: 3,
        },
        Instr::CallTool {
            dst: 7,
            tool: 0,
            args: 6,
        },
        Instr::Move { dst: 8, src: 7 },
        Instr::CallBuiltin {
            dst: 9,
            builtin: Builtin::Print as u16,
            args: 8,
            argc: 1,
        },
        Instr::Move { dst: 8, src: 7 },
        Instr::CallBuiltin {
            dst: 8,
            builtin: Builtin::ToJson as u16,
            args: 8,
            argc: 1,
        },
        Instr::CallBuiltin {
            dst: 9,
            builtin: Builtin::Print as u16,
            args: 8,
            argc: 1,
        },
        Instr::Return { src: 7 },
    ]);
    let positions = (1..=code.len() as u32)
        .map(|l| lumen_vm::lir::Pos::new(l, 1))
        .collect();
    Rc::new(Module {
        version: LIR_VERSION,
        files: vec!["order.lm".into()],
        constants: vec![
            Constant::Str("z".into()),
            Constant::Str("a".into()),
            Constant::Str("m".into()),
        ],
        functions: vec![Function {
            name: "main".into(),
            file: 0,
            arity: 0,
            params: vec![],
            param_types: vec![],
            captures: 0,
            num_regs: 10,
            exported: true,
            code,
            positions,
        }],
        tools: vec![ToolDef {
            name: "order.keys".into(),
            alias: "Order".into(),
            grants: vec![],
            result: None,
        }],
        ..Module::default()
    })
}

#[test]
fn issue10_item8_tool_json_object_keys_keep_their_order() {
    let seen_args = Rc::new(RefCell::new(String::new()));
    let seen = seen_args.clone();
    let mut registry = ProviderRegistry::new();
    registry.register(FnProvider::new(
        "order.keys",
        move |args: &serde_json::Value, _: &lumen_runtime::CallContext| {
            *seen.borrow_mut() = args.to_string();
            // A result parsed from text, as an HTTP or JS provider produces it.
            Ok(
                serde_json::from_str(r#"{"z":1,"a":2,"m":{"y":true,"b":false}}"#)
                    .expect("valid JSON"),
            )
        },
    ));
    let printed = Rc::new(RefCell::new(Vec::new()));
    let sink = printed.clone();
    let config = RunConfig {
        output: Some(Box::new(move |l: &str| {
            sink.borrow_mut().push(l.to_string())
        })),
        ..RunConfig::default()
    };
    let v = run_program(module(), "main", vec![], &registry, config).expect("runs");
    // Value → JSON: the tool sees its arguments in the order the program wrote them.
    assert_eq!(*seen_args.borrow(), r#"{"z":1,"a":2,"m":3}"#);
    // JSON → Value: the result keeps the provider's order, through display and to_json.
    assert_eq!(
        *printed.borrow(),
        vec![
            r#"{"z": 1, "a": 2, "m": {"y": true, "b": false}}"#.to_string(),
            r#"{"z":1,"a":2,"m":{"y":true,"b":false}}"#.to_string(),
        ]
    );
    assert_eq!(
        lumen_vm::json::to_serde(&v).expect("converts").to_string(),
        r#"{"z":1,"a":2,"m":{"y":true,"b":false}}"#
    );
}
