//! The call path natively: a real program and its real world (lumen-wit), a `Vec<u8>`
//! memory, and a fake dispatcher that plays the host's side of the canonical ABI (lifting
//! the import arguments, lowering its answer). What WebAssembly adds (the glue, linear
//! memory) runs under Wasmtime in lumen-cli's `tests/build_component.rs`.

use crate::{call_export, CallError, Host, Loaded};
use lumen_cabi::{
    flatten, lift_params, lift_result, lower_params, lower_result, store, ImportSig, Memory,
    ProgramBlob, VecMemory,
};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::rc::Rc;

const PROGRAM: &str = r#"# Tools

```lumen
use tool llm.chat as Chat(prompt: String, max_tokens: Int = 16) -> String
use tool kv.get as Get(key: String) -> Json
use tool text.shout as Shout
grant Shout max_calls 1

record Point
  x: Int
  y: Float
end

pub cell ask(q: String) -> String
  Chat(prompt: q)
end

pub cell lookup(key: String) -> Json
  Get(key: key)
end

pub cell loud(s: String) -> Json
  Shout(text: s)
end

pub cell loud_twice(s: String) -> Json
  Shout(text: s)
  Shout(text: s)
end

pub cell shift(p: Point, dx: Int) -> Point
  Point(x: p.x + dx, y: p.y)
end

pub cell fail(n: Int) -> Int
  10 // n
end

pub cell echo(j: Json) -> Json
  j
end

pub cell check(n: Int) -> Null
  let q = 10 // n
  print("{q}")
end
```
"#;

/// The host's answer to a tool call (qualified name, named arguments).
type Answer = Box<dyn Fn(&str, &Value) -> Value>;

/// The host side: memory, the import signatures, the calls seen and the answers to give.
struct Fake {
    mem: VecMemory,
    imports: Vec<ImportSig>,
    calls: Vec<(String, Value)>,
    answer: Answer,
}

impl Memory for Fake {
    fn read(&self, ptr: u32, len: u32) -> Result<&[u8], lumen_cabi::AbiError> {
        self.mem.read(ptr, len)
    }
    fn write(&mut self, ptr: u32, bytes: &[u8]) -> Result<(), lumen_cabi::AbiError> {
        self.mem.write(ptr, bytes)
    }
    fn alloc(&mut self, size: u32, align: u32) -> Result<u32, lumen_cabi::AbiError> {
        self.mem.alloc(size, align)
    }
}

fn slots_at(mem: &VecMemory, buf: u32, n: usize) -> Vec<u64> {
    (0..n as u32)
        .map(|i| {
            let b = mem.read(buf + 8 * i, 8).unwrap();
            u64::from_le_bytes(b.try_into().unwrap())
        })
        .collect()
}

impl Host for Fake {
    fn call_import(&mut self, k: u32, buf: u32, retptr: u32) {
        let sig = self.imports[k as usize].clone();
        let n = crate::call::param_slots(&sig.params);
        let slots = slots_at(&self.mem, buf, n);
        let args = lift_params(&sig.params, &slots, &self.mem).unwrap();
        let named: serde_json::Map<String, Value> = sig
            .params
            .iter()
            .map(|p| p.name.clone())
            .zip(args)
            .collect();
        let name = if k == 0 {
            named["name"].as_str().unwrap().to_string()
        } else {
            sig.qualified.clone()
        };
        let named = Value::Object(named);
        let answer = (self.answer)(&name, &named);
        self.calls.push((name, named));
        let ty = sig.result.as_ref().unwrap();
        if flatten(ty).len() > 1 {
            store(ty, &answer, retptr, &mut self.mem).unwrap();
        } else {
            let slot = lower_result(ty, &answer, &mut self.mem).unwrap();
            self.mem.write(retptr, &slot[0].to_le_bytes()).unwrap();
        }
    }
}

fn loaded() -> Loaded {
    let out = lumen_compiler::compile(
        "app.lm.md",
        PROGRAM.as_bytes(),
        &lumen_compiler::NoImports,
        &Default::default(),
    )
    .unwrap();
    let iface = lumen_compiler::interface_of(
        "app.lm.md",
        PROGRAM.as_bytes(),
        &lumen_compiler::NoImports,
        &Default::default(),
    )
    .unwrap();
    let world = lumen_wit::world(
        &iface,
        &lumen_wit::Options {
            package: "lumen:app".into(),
            world: "app".into(),
        },
    )
    .unwrap();
    let (exports, imports, cli_run) = world.blob_sigs;
    let blob = ProgramBlob {
        exports,
        imports,
        cli_run,
        lir: lumen_vm::binary::encode(&out.module),
    };
    Loaded::decode(&blob.encode()).unwrap()
}

fn host(l: &Loaded, answer: impl Fn(&str, &Value) -> Value + 'static) -> Rc<RefCell<Fake>> {
    Rc::new(RefCell::new(Fake {
        mem: VecMemory::new(64, 1 << 24),
        imports: l.blob.imports.clone(),
        calls: Vec::new(),
        answer: Box::new(answer),
    }))
}

/// Calls export `cell` with named JSON arguments: the cell's value, or the `lumen-error`
/// record its wrapped result carries.
fn call(l: &Loaded, h: &Rc<RefCell<Fake>>, cell: &str, args: Value) -> Result<Value, Value> {
    let idx = l.blob.exports.iter().position(|e| e.cell == cell).unwrap();
    let sig = l.blob.exports[idx].clone();
    let slots = {
        let mut f = h.borrow_mut();
        lower_params(&sig.params, args.as_object().unwrap(), &mut *f).unwrap()
    };
    call_slots(l, h, idx as u32, &slots)
}

/// Calls export `idx` with raw flat slots and lifts its wrapped result.
fn call_slots(l: &Loaded, h: &Rc<RefCell<Fake>>, idx: u32, slots: &[u64]) -> Result<Value, Value> {
    let sig = l.blob.exports[idx as usize].clone();
    assert!(sig.wrapped, "every generated export is wrapped");
    let out = call_export(h.clone(), l, idx, slots)
        .unwrap_or_else(|e| panic!("a wrapped export failed instead of answering: {e}"));
    let ty = sig.result.as_ref().unwrap();
    let f = h.borrow();
    let v = if flatten(ty).len() > 1 {
        lift_result(ty, None, out[0] as u32, &f.mem).unwrap()
    } else {
        lift_result(ty, out.first().copied(), 0, &f.mem).unwrap()
    };
    match (v.get("ok"), v.get("err")) {
        (Some(ok), None) => Ok(ok.clone()),
        (None, Some(err)) => Err(err.clone()),
        _ => panic!("not a result: {v}"),
    }
}

#[test]
fn issue12_item1_a_typed_tool_is_its_typed_import_with_defaults_filled_in() {
    let l = loaded();
    let h = host(&l, |name, args| {
        assert_eq!(name, "llm.chat");
        json!(format!(
            "{} ({})",
            args["prompt"].as_str().unwrap(),
            args["max_tokens"]
        ))
    });
    let v = call(&l, &h, "ask", json!({"q": "why"}));
    assert_eq!(v, Ok(json!("why (16)")));
    let calls = &h.borrow().calls;
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].1, json!({"prompt": "why", "max_tokens": 16}));
}

#[test]
fn issue12_item1_an_untyped_tool_goes_through_the_generic_host_call() {
    let l = loaded();
    let h = host(&l, |name, args| {
        assert_eq!(name, "text.shout");
        let inner: Value = serde_json::from_str(args["args"].as_str().unwrap()).unwrap();
        json!({"ok": json!({"text": inner["text"].as_str().unwrap().to_uppercase()}).to_string()})
    });
    assert_eq!(
        call(&l, &h, "loud", json!({"s": "hey"})),
        Ok(json!({"text": "HEY"}))
    );
    // Text that is not JSON is the tool's failure.
    let h = host(&l, |_, _| json!({"ok": "{not json"}));
    match call(&l, &h, "loud", json!({"s": "hey"})) {
        Err(e) => {
            assert_eq!(e["code"], "E0906");
            assert!(
                e["message"].as_str().unwrap().contains("not JSON text"),
                "{e}"
            );
        }
        other => panic!("expected E0906, got {other:?}"),
    }
    // The host's error is the tool's failure (E0906).
    let h = host(&l, |_, _| json!({"err": "the service is down"}));
    match call(&l, &h, "loud", json!({"s": "hey"})) {
        Err(e) => {
            assert_eq!(e["code"], "E0906");
            let m = e["message"].as_str().unwrap();
            assert!(m.contains("the service is down"), "{m}");
            assert!(m.contains("Shout"), "{m}");
        }
        other => panic!("expected E0906, got {other:?}"),
    }
}

#[test]
fn issue12_item1_a_denied_grant_never_calls_the_import() {
    let l = loaded();
    let h = host(&l, |_, _| json!({"ok": "1"}));
    match call(&l, &h, "loud_twice", json!({"s": "a"})) {
        Err(e) => {
            assert_eq!(e["code"], "E0907");
            assert!(e["message"].as_str().unwrap().contains("max_calls"), "{e}");
        }
        other => panic!("expected E0907, got {other:?}"),
    }
    assert_eq!(
        h.borrow().calls.len(),
        1,
        "the second call never reached the host"
    );
}

#[test]
fn issue12_item1_a_failed_call_leaves_the_next_one_unaffected() {
    let l = loaded();
    let h = host(&l, |_, _| json!(null));
    match call(&l, &h, "fail", json!({"n": 0})) {
        Err(e) => {
            assert_eq!(e["code"], "E0902");
            assert_eq!(e["message"], "division by zero");
            let trace = e["trace"].as_array().unwrap();
            assert_eq!(trace.len(), 1, "{e}");
            let at = trace[0].as_str().unwrap();
            assert!(at.starts_with("fail (app.lm.md:"), "{at}");
        }
        other => panic!("expected E0902, got {other:?}"),
    }
    assert_eq!(call(&l, &h, "fail", json!({"n": 5})), Ok(json!(2)));
    assert_eq!(
        call(&l, &h, "shift", json!({"p": {"x": 1, "y": 0.5}, "dx": 2})),
        Ok(json!({"x": 3, "y": 0.5}))
    );
    // A typed tool returning Json: any JSON value crosses as JSON text.
    let h = host(&l, |name, args| {
        assert_eq!(name, "kv.get");
        json!({"key": args["key"], "hits": [1, 2]})
    });
    assert_eq!(
        call(&l, &h, "lookup", json!({"key": "k"})),
        Ok(json!({"key": "k", "hits": [1, 2]}))
    );
}

#[test]
fn issue12_item1_bad_export_calls_are_errors_not_panics() {
    let l = loaded();
    let h = host(&l, |_, _| json!(null));
    assert!(matches!(
        call_export(h.clone(), &l, 99, &[]),
        Err(CallError::Internal(_))
    ));
    // Too few slots for `shift`, and a string pointer out of bounds for `ask`.
    let shift = l
        .blob
        .exports
        .iter()
        .position(|e| e.cell == "shift")
        .unwrap() as u32;
    match call_slots(&l, &h, shift, &[1]) {
        Err(e) => assert_eq!(e["code"], "E0913"),
        other => panic!("expected E0913, got {other:?}"),
    }
    let ask = l.blob.exports.iter().position(|e| e.cell == "ask").unwrap() as u32;
    match call_slots(&l, &h, ask, &[1 << 30, 5]) {
        Err(e) => {
            assert_eq!(e["code"], "E0913");
            assert!(e["message"].as_str().unwrap().contains("`q`"), "{e}");
        }
        other => panic!("expected E0913, got {other:?}"),
    }
    // A corrupt blob.
    assert!(Loaded::decode(b"LMCB\x01\0\0\0garbage").is_err());
    assert!(Loaded::decode(b"").is_err());
}

#[test]
fn issue12_item1_deeply_nested_json_is_an_error_at_a_small_stack() {
    // 1 MiB: the stack a wasm32-wasip1 module gets.
    let r = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(|| {
            let l = loaded();
            let h = host(&l, |_, _| json!(null));
            let ok = call(&l, &h, "echo", json!({"j": {"a": [[1], {"b": null}]}}));
            // The JSON text as a host would pass it: a pointer and a length.
            let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
            let ptr = {
                let mut f = h.borrow_mut();
                let ptr = f.mem.alloc(deep.len() as u32, 1).unwrap();
                f.mem.write(ptr, deep.as_bytes()).unwrap();
                ptr
            };
            let echo = l
                .blob
                .exports
                .iter()
                .position(|e| e.cell == "echo")
                .unwrap() as u32;
            let deep = call_slots(&l, &h, echo, &[ptr.into(), deep.len() as u64]);
            (ok, deep)
        })
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(r.0, Ok(json!({"a": [[1], {"b": null}]})));
    match r.1 {
        Err(e) => assert_eq!(e["code"], "E0913", "{e}"),
        Ok(v) => panic!("a 100 000-deep argument was accepted: {v:?}"),
    }
}

#[test]
fn issue12_item1_a_cell_without_a_value_answers_ok_or_a_lumen_error() {
    let l = loaded();
    let h = host(&l, |_, _| json!(null));
    let sig = l.blob.exports.iter().find(|e| e.cell == "check").unwrap();
    assert_eq!(sig.cell_result(), None);
    assert_eq!(call(&l, &h, "check", json!({"n": 2})), Ok(Value::Null));
    match call(&l, &h, "check", json!({"n": 0})) {
        Err(e) => {
            assert_eq!(e["code"], "E0902");
            assert!(
                e["trace"][0]
                    .as_str()
                    .unwrap()
                    .starts_with("check (app.lm.md:"),
                "{e}"
            );
        }
        other => panic!("expected E0902, got {other:?}"),
    }
    assert_eq!(call(&l, &h, "check", json!({"n": 5})), Ok(Value::Null));
}
