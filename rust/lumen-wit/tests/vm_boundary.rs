//! The signatures lumen-wit produces, used with lumen-cabi against the real VM (no wasm):
//! host slots → `lift_params` → `Vm::convert_entry_arg` → run → `json::to_serde` →
//! `lower_result`, and a typed tool call's VM arguments → `lower_params` → host result →
//! `lift_result` → `Vm::resume_ok`.

use lumen_cabi::{lift_params, lift_result, lower_params, lower_result, Memory, VecMemory};
use lumen_compiler::{compile, interface_of, CompileOptions, NoImports};
use lumen_vm::{Outcome, Vm, VmConfig};
use lumen_wit::{world, Options, World};
use serde_json::json;
use std::rc::Rc;

const SRC: &str = "record Point\n  x: Int\n  y: Float\nend\n\
use tool llm.chat as Chat(prompt: String, max_tokens: Int = 16) -> String\n\
pub cell shift(p: Point, dx: Int) -> Point\n  Point(x: p.x + dx, y: p.y)\nend\n\
pub cell ask(q: String) -> String\n  Chat(prompt: q)\nend\n";

fn setup() -> (World, Vm) {
    let opts = CompileOptions::default();
    let iface = interface_of("app.lm", SRC.as_bytes(), &NoImports, &opts)
        .unwrap_or_else(|d| panic!("{d:?}"));
    let w = world(
        &iface,
        &Options {
            package: "lumen:app".into(),
            world: "app".into(),
        },
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    let out =
        compile("app.lm", SRC.as_bytes(), &NoImports, &opts).unwrap_or_else(|d| panic!("{d:?}"));
    let vm = Vm::new(Rc::new(out.module), VmConfig::default()).unwrap_or_else(|e| panic!("{e:?}"));
    (w, vm)
}

fn func_index(vm: &Vm, cell: &str) -> u32 {
    vm.module()
        .functions
        .iter()
        .position(|f| f.exported && f.name == cell)
        .unwrap_or_else(|| panic!("no cell {cell}")) as u32
}

#[test]
fn issue12_item1_a_record_argument_crosses_the_component_boundary() {
    let (w, mut vm) = setup();
    let sig = &w.blob_sigs.0[0];
    assert_eq!(sig.cell, "shift");
    // The host's flat arguments: point {x: 1, y: 2.5} and dx = 3.
    let mut mem = VecMemory::new(64, 1 << 16);
    let slots = [1u64, 2.5f64.to_bits(), 3];
    let args = lift_params(&sig.params, &slots, &mem).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(args, vec![json!({"x": 1, "y": 2.5}), json!(3)]);
    let f = func_index(&vm, "shift");
    let values: Vec<lumen_vm::Value> = args
        .iter()
        .enumerate()
        .map(|(i, a)| match vm.convert_entry_arg(f, i, a) {
            Some(Ok(v)) => v,
            other => panic!("argument {i}: {other:?}"),
        })
        .collect();
    vm.start("shift", values)
        .unwrap_or_else(|e| panic!("{e:?}"));
    let Outcome::Finished(v) = vm.run() else {
        panic!("did not finish");
    };
    let out = lumen_vm::json::to_serde(&v).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(out, json!({"x": 4, "y": 2.5}));
    let result_ty = sig.result.as_ref().unwrap_or_else(|| panic!("no result"));
    // `result<point, lumen-error>` is returned through memory: a pointer to the
    // discriminant (0: ok) and, at offset 8, {x: s64, y: f64}.
    let ret =
        lower_result(result_ty, &json!({"ok": out}), &mut mem).unwrap_or_else(|e| panic!("{e}"));
    let at = ret[0] as u32;
    let bytes = mem.read(at, 24).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(bytes[0], 0);
    assert_eq!(&bytes[8..16], &4i64.to_le_bytes());
    assert_eq!(&bytes[16..24], &2.5f64.to_le_bytes());
}

#[test]
fn issue12_item1_a_typed_tool_gets_every_argument_defaults_filled_in() {
    let (w, mut vm) = setup();
    let chat = &w.blob_sigs.1[1];
    assert_eq!(chat.qualified, "llm.chat");
    let mut mem = VecMemory::new(64, 1 << 16);
    let f = func_index(&vm, "ask");
    let q = match vm.convert_entry_arg(f, 0, &json!("hello")) {
        Some(Ok(v)) => v,
        other => panic!("{other:?}"),
    };
    vm.start("ask", vec![q]).unwrap_or_else(|e| panic!("{e:?}"));
    let Outcome::ToolCall(req) = vm.run() else {
        panic!("expected a tool call");
    };
    // The compiler filled `max_tokens` from its default: the VM passes every parameter.
    let args = req.args.to_json();
    assert_eq!(args, json!({"prompt": "hello", "max_tokens": 16}));
    let args = args.as_object().unwrap_or_else(|| panic!("not an object"));
    let slots = lower_params(&chat.params, args, &mut mem).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(slots.len(), 3);
    assert_eq!(slots[2], 16);
    let prompt = mem
        .read(slots[0] as u32, slots[1] as u32)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(prompt, b"hello");
    // The host writes its string result at the return area the program passed.
    let text = mem.alloc(5, 1).unwrap_or_else(|e| panic!("{e}"));
    let _ = mem.write(text, b"world");
    let retptr = mem.alloc(8, 4).unwrap_or_else(|e| panic!("{e}"));
    let mut pair = text.to_le_bytes().to_vec();
    pair.extend_from_slice(&5u32.to_le_bytes());
    let _ = mem.write(retptr, &pair);
    let result_ty = chat.result.as_ref().unwrap_or_else(|| panic!("no result"));
    let result = lift_result(result_ty, None, retptr, &mem).unwrap_or_else(|e| panic!("{e}"));
    vm.resume_ok(result);
    let Outcome::Finished(v) = vm.run() else {
        panic!("did not finish");
    };
    assert_eq!(lumen_vm::json::to_serde(&v).ok(), Some(json!("world")));
}
