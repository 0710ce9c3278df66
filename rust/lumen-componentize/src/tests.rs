//! The componentizer on a hand-written runtime module with the real contract (imports,
//! entry points), so every step runs natively: the glue's shape, a full component encode,
//! and every error path. The real runtime runs under Wasmtime in lumen-cli's
//! `tests/build_component.rs`.

use super::*;
use lumen_cabi::{CType, ExportSig, ImportSig, Param};
use lumen_vm::lir::{Constant, Function, Instr, Module, LIR_VERSION};
use wasmparser::{Parser, Payload};

/// A module with the component runtime's imports and exports and trivial bodies.
const RUNTIME: &str = r#"
(module
  (import "lumen:program" "len" (func $len (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "lumen:program" "copy" (func $copy (param i32)))
  (import "lumen:glue" "call_import" (func $call (param i32 i32 i32)))
  (memory (export "memory") 1)
  (global $bump (mut i32) (i32.const 4096))
  (func $alloc (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $bump))
    (global.set $bump (i32.add (global.get $bump) (i32.add (local.get 3) (i32.const 8))))
    (local.get $p))
  (func (export "_initialize"))
  (func (export "lumen_export") (param $idx i32) (param $buf i32) (result i32)
    (call $call (i32.const 1) (local.get $buf) (i32.const 512))
    (local.get $buf))
  (func (export "lumen_scratch") (param i32) (result i32) (i32.const 256))
  (func (export "lumen_post"))
  (func (export "lumen_run") (result i32)
    (drop (call $len))
    (call $copy (i32.const 2048))
    (i32.const 0))
  (func (export "_start_helper") (drop (call $fd_write (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))))
)
"#;

fn runtime() -> Vec<u8> {
    wat::parse_str(RUNTIME).unwrap()
}

/// `main` returns 42.
fn lir() -> Vec<u8> {
    lumen_vm::binary::encode(&Module {
        version: LIR_VERSION,
        files: vec!["t.lm".into()],
        constants: vec![Constant::Int(42)],
        functions: vec![Function {
            name: "main".into(),
            file: 0,
            arity: 0,
            params: vec![],
            param_types: vec![],
            captures: 0,
            num_regs: 1,
            exported: true,
            code: vec![
                Instr::LoadConst { dst: 0, idx: 0 },
                Instr::Return { src: 0 },
            ],
            positions: vec![lumen_vm::lir::Pos::new(1, 1); 2],
        }],
        ..Module::default()
    })
}

const WIT: &str = r#"
package lumen:t;

package wasi:cli@0.2.0 {
    interface run {
        run: func() -> result;
    }
}

world t {
    import math: interface {
        twice: func(x: s64) -> s64;
        name: func(n: s64) -> string;
    }
    record point { x: s64, y: f64 }
    export add: func(a: s64, b: f64) -> s64;
    export shift: func(p: point, label: string) -> point;
    export nothing: func();
    export wasi:cli/run@0.2.0;
}
"#;

fn p(name: &str, ty: CType) -> Param {
    Param {
        name: name.into(),
        ty,
    }
}

fn point() -> CType {
    CType::Record {
        name: "Point".into(),
        fields: vec![("x".into(), CType::S64), ("y".into(), CType::F64)],
    }
}

fn blob() -> ProgramBlob {
    ProgramBlob {
        exports: vec![
            ExportSig {
                cell: "add".into(),
                wit_name: "add".into(),
                params: vec![p("a", CType::S64), p("b", CType::F64)],
                result: Some(CType::S64),
                wrapped: false,
            },
            ExportSig {
                cell: "shift".into(),
                wit_name: "shift".into(),
                params: vec![p("p", point()), p("label", CType::String)],
                result: Some(point()),
                wrapped: false,
            },
            ExportSig {
                cell: "nothing".into(),
                wit_name: "nothing".into(),
                params: vec![],
                result: None,
                wrapped: false,
            },
        ],
        imports: vec![
            ImportSig::generic_call(),
            ImportSig {
                qualified: "math.twice".into(),
                wit_interface: "math".into(),
                wit_func: "twice".into(),
                params: vec![p("x", CType::S64)],
                result: Some(CType::S64),
            },
            ImportSig {
                qualified: "math.name".into(),
                wit_interface: "math".into(),
                wit_func: "name".into(),
                params: vec![p("n", CType::S64)],
                result: Some(CType::String),
            },
        ],
        cli_run: true,
        lir: lir(),
    }
}

/// Imports (module, field) and exports (name) of a core module.
fn shape(wasm: &[u8]) -> (Vec<(String, String)>, Vec<String>) {
    let mut imports = Vec::new();
    let mut exports = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.unwrap() {
            Payload::ImportSection(s) => {
                for i in s.into_imports() {
                    let i = i.unwrap();
                    imports.push((i.module.to_string(), i.name.to_string()));
                }
            }
            Payload::ExportSection(s) => {
                for e in s {
                    exports.push(e.unwrap().name.to_string());
                }
            }
            _ => {}
        }
    }
    (imports, exports)
}

#[test]
fn issue12_item1_the_glue_imports_the_wit_functions_and_exports_the_wrappers() {
    let (resolve, world) = world::resolve(WIT, "t").unwrap();
    let b = blob();
    let plan = world::glue(&resolve, world, &b).unwrap();
    assert!(plan.imports[0].is_none(), "no host.call in this world");
    assert_eq!(plan.run.as_deref(), Some("wasi:cli/run@0.2.0#run"));
    let scan = glue::Scan::of(&runtime()).unwrap();
    let glued = glue::generate(scan, &runtime(), &plan).unwrap();
    let core = lumen_embed::embed_data(&glued, &b.encode()).unwrap();
    wasmparser::Validator::new().validate_all(&core).unwrap();
    let (imports, exports) = shape(&core);
    assert_eq!(
        imports,
        [
            ("wasi_snapshot_preview1".to_string(), "fd_write".to_string()),
            ("math".into(), "twice".into()),
            ("math".into(), "name".into()),
        ]
    );
    assert_eq!(
        exports,
        [
            "memory",
            "cabi_realloc",
            "_initialize",
            "add",
            "cabi_post_add",
            "shift",
            "cabi_post_shift",
            "nothing",
            "cabi_post_nothing",
            "wasi:cli/run@0.2.0#run",
        ]
    );
    // `_initialize` stays: wit-component runs it at instantiation (a start shim).
    // The runtime's own entry points are not exported any more.
    assert!(!exports.iter().any(|e| e.starts_with("lumen_")));
}

#[test]
fn issue12_item1_a_program_becomes_a_valid_component() {
    let wasm = componentize(&runtime(), WIT, "t", &blob()).unwrap();
    assert!(Parser::is_component(&wasm));
    wasmparser::Validator::new().validate_all(&wasm).unwrap();
    // Without `main`: no `wasi:cli/run`.
    let mut b = blob();
    b.cli_run = false;
    let wit = WIT.replace("    export wasi:cli/run@0.2.0;\n", "");
    let (resolve, world) = world::resolve(&wit, "t").unwrap();
    let plan = world::glue(&resolve, world, &b).unwrap();
    assert_eq!(plan.run, None);
    let wasm = componentize(&runtime(), &wit, "t", &b).unwrap();
    wasmparser::Validator::new().validate_all(&wasm).unwrap();
}

#[test]
fn issue12_item1_foreign_and_corrupt_runtimes_are_reported() {
    let b = blob();
    let e = componentize(b"\0asm\x01\0\0\0\x99", WIT, "t", &b).unwrap_err();
    assert!(matches!(e, Error::CorruptRuntime(_)), "{e}");
    assert!(e.to_string().starts_with("corrupt runtime module: "), "{e}");
    let e = componentize(b"not wasm at all", WIT, "t", &b).unwrap_err();
    assert!(matches!(e, Error::CorruptRuntime(_)), "{e}");
    // A valid module that is not the runtime.
    let e = componentize(&wat::parse_str("(module)").unwrap(), WIT, "t", &b).unwrap_err();
    assert!(matches!(e, Error::NotARuntime(_)), "{e}");
    assert!(e.to_string().contains("lumen:glue"), "{e}");
    // The WASI app runtime: program hooks, no glue.
    let wasi_app = r#"(module
        (import "lumen:program" "len" (func (result i32)))
        (import "lumen:program" "copy" (func (param i32)))
        (memory (export "memory") 1)
        (func (export "_start")))"#;
    let e = componentize(&wat::parse_str(wasi_app).unwrap(), WIT, "t", &b).unwrap_err();
    assert!(
        e.to_string().starts_with("not a Lumen component runtime: "),
        "{e}"
    );
    // A glue import of the wrong type, a missing entry point.
    let bad_glue = RUNTIME.replace(
        r#"(func $call (param i32 i32 i32))"#,
        r#"(func $call (param i32 i32))"#,
    );
    let bad_glue = bad_glue.replace(
        "(call $call (i32.const 1) (local.get $buf) (i32.const 512))",
        "(call $call (i32.const 1) (local.get $buf))",
    );
    let e = componentize(&wat::parse_str(&bad_glue).unwrap(), WIT, "t", &b).unwrap_err();
    assert!(e.to_string().contains("(i32, i32, i32) -> ()"), "{e}");
    let no_post = RUNTIME.replace(r#"(func (export "lumen_post"))"#, "");
    let e = componentize(&wat::parse_str(&no_post).unwrap(), WIT, "t", &b).unwrap_err();
    assert!(e.to_string().contains("`lumen_post`"), "{e}");
    // Already a component.
    let component = componentize(&runtime(), WIT, "t", &b).unwrap();
    let e = componentize(&component, WIT, "t", &b).unwrap_err();
    assert!(matches!(e, Error::NotARuntime(_)), "{e}");
    // Already componentized core module: the glue import is gone.
    let embedded = lumen_embed::embed_data(&runtime(), &b.encode()).unwrap();
    let e = componentize(&embedded, WIT, "t", &b).unwrap_err();
    assert!(matches!(e, Error::NotARuntime(_)), "{e}");
}

#[test]
fn issue12_item1_corrupt_lir_and_mismatched_worlds_are_reported() {
    let mut b = blob();
    b.lir = b"LMB\0 but nothing after".to_vec();
    let e = componentize(&runtime(), WIT, "t", &b).unwrap_err();
    assert!(matches!(e, Error::CorruptProgram(_)), "{e}");
    b.lir = b"plain text".to_vec();
    let e = componentize(&runtime(), WIT, "t", &b).unwrap_err();
    assert!(e.to_string().starts_with("corrupt program: "), "{e}");

    let e = componentize(&runtime(), "package lumen:t; world t {", "t", &blob()).unwrap_err();
    assert!(matches!(e, Error::World(_)), "{e}");
    let e = componentize(&runtime(), WIT, "other", &blob()).unwrap_err();
    assert!(matches!(e, Error::World(_)), "{e}");
    // An export the world does not have; a typed import it does not have; `main` as
    // `wasi:cli/run` on one side only.
    let mut b = blob();
    b.exports[0].wit_name = "sub".into();
    let e = componentize(&runtime(), WIT, "t", &b).unwrap_err();
    assert!(e.to_string().contains("`sub`"), "{e}");
    let mut b = blob();
    b.imports[1].wit_func = "thrice".into();
    let e = componentize(&runtime(), WIT, "t", &b).unwrap_err();
    assert!(e.to_string().contains("math.thrice"), "{e}");
    let mut b = blob();
    b.cli_run = false;
    let e = componentize(&runtime(), WIT, "t", &b).unwrap_err();
    assert!(e.to_string().contains("wasi:cli/run"), "{e}");
    // Signatures that disagree with the world's types.
    let mut b = blob();
    b.exports[0].params[1].ty = CType::S64;
    let e = componentize(&runtime(), WIT, "t", &b).unwrap_err();
    assert!(matches!(e, Error::Internal(_)), "{e}");
}

#[test]
fn issue12_item1_an_export_named_memory_does_not_collide_with_the_memory() {
    let wit = WIT.replace(
        "    export nothing: func();\n",
        "    export nothing: func();\n    export memory: func(n: s64) -> s64;\n",
    );
    let mut b = blob();
    b.exports.push(ExportSig {
        cell: "memory".into(),
        wit_name: "memory".into(),
        params: vec![p("n", CType::S64)],
        result: Some(CType::S64),
        wrapped: false,
    });
    let (resolve, world) = world::resolve(&wit, "t").unwrap();
    let plan = world::glue(&resolve, world, &b).unwrap();
    let last = plan.exports.last().unwrap();
    assert_eq!(last.name, "cm32p2||memory");
    assert_eq!(last.post, "cm32p2||memory_post");
    let wasm = componentize(&runtime(), &wit, "t", &b).unwrap();
    wasmparser::Validator::new().validate_all(&wasm).unwrap();
}

#[test]
fn issue12_item1_truncated_and_bit_flipped_runtimes_never_panic() {
    let good = runtime();
    let b = blob();
    let mut outcomes = (0usize, 0usize);
    let mut check = |bytes: &[u8]| match componentize(bytes, WIT, "t", &b) {
        Ok(wasm) => {
            wasmparser::Validator::new().validate_all(&wasm).unwrap();
            outcomes.0 += 1;
        }
        Err(e) => {
            assert!(!e.to_string().is_empty());
            outcomes.1 += 1;
        }
    };
    for len in 0..good.len() {
        check(&good[..len]);
    }
    for i in 0..good.len() {
        for bit in [0x01u8, 0x10, 0x80] {
            let mut bytes = good.clone();
            bytes[i] ^= bit;
            check(&bytes);
        }
    }
    assert!(outcomes.1 > good.len(), "{outcomes:?}");
}
