use super::*;
use lumen_vm::lir::{Constant, Function, Instr, Module, LIR_VERSION};
use wasm_encoder::{
    CodeSection, ConstExpr, DataSection, ElementSection, Elements, EntityType, ExportKind,
    ExportSection, FunctionSection, ImportSection, Instruction, MemorySection, MemoryType, RefType,
    StartSection, TableSection, TableType, TypeSection, ValType,
};
use wasmparser::{Operator, Parser, Payload};

/// A small valid program: `main` returns 42.
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

/// What the fake runtime imports from the program module (name, type index).
type Hooks<'a> = &'a [(&'a str, u32)];

/// A module shaped like the runtime: types `() -> i32`, `(i32) -> ()`, `() -> ()`; an
/// import `env.exit` before and `env.log` after the `hooks`; a memory, a table with an
/// element segment (`ref.func`), an active data segment, a start function, exports, and a
/// `name` section. `_start` calls `len`, `copy` and `env.log`.
fn runtime(hooks: Hooks) -> Vec<u8> {
    let mut m = wasm_encoder::Module::new();
    let mut types = TypeSection::new();
    types.ty().function([], [ValType::I32]);
    types.ty().function([ValType::I32], []);
    types.ty().function([], []);
    m.section(&types);
    let mut imports = ImportSection::new();
    imports.import("env", "exit", EntityType::Function(1));
    for (name, ty) in hooks {
        imports.import(IMPORT_MODULE, name, EntityType::Function(*ty));
    }
    imports.import("env", "log", EntityType::Function(1));
    m.section(&imports);
    let n = 2 + hooks.len() as u32; // imported functions
    let (start, helper) = (n, n + 1);
    let mut funcs = FunctionSection::new();
    funcs.function(2);
    funcs.function(2);
    m.section(&funcs);
    let mut tables = TableSection::new();
    tables.table(TableType {
        element_type: RefType::FUNCREF,
        table64: false,
        minimum: 2,
        maximum: None,
        shared: false,
    });
    m.section(&tables);
    let mut mems = MemorySection::new();
    mems.memory(MemoryType {
        minimum: 1,
        maximum: None,
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    m.section(&mems);
    let mut exports = ExportSection::new();
    exports.export("_start", ExportKind::Func, start);
    exports.export("helper", ExportKind::Func, helper);
    exports.export("memory", ExportKind::Memory, 0);
    m.section(&exports);
    m.section(&StartSection {
        function_index: helper,
    });
    let mut elems = ElementSection::new();
    elems.active(
        Some(0),
        &ConstExpr::i32_const(0),
        Elements::Functions(vec![helper, 0].into()),
    );
    m.section(&elems);
    let mut code = CodeSection::new();
    let mut f = wasm_encoder::Function::new([]);
    for (i, (_, ty)) in hooks.iter().enumerate() {
        let index = 1 + i as u32;
        match ty {
            0 => {
                f.instruction(&Instruction::Call(index));
                f.instruction(&Instruction::Drop);
            }
            1 => {
                f.instruction(&Instruction::I32Const(64));
                f.instruction(&Instruction::Call(index));
            }
            _ => {
                f.instruction(&Instruction::Call(index));
            }
        }
    }
    f.instruction(&Instruction::I32Const(7));
    f.instruction(&Instruction::Call(n - 1)); // env.log
    f.instruction(&Instruction::Call(helper));
    f.instruction(&Instruction::End);
    code.function(&f);
    let mut h = wasm_encoder::Function::new([]);
    h.instruction(&Instruction::RefFunc(start));
    h.instruction(&Instruction::Drop);
    h.instruction(&Instruction::End);
    code.function(&h);
    m.section(&code);
    let mut data = DataSection::new();
    data.active(0, &ConstExpr::i32_const(8), b"hello".iter().copied());
    m.section(&data);
    let mut names = wasm_encoder::NameSection::new();
    let mut fnames = wasm_encoder::NameMap::new();
    fnames.append(start, "_start");
    names.functions(&fnames);
    m.section(&names);
    m.finish()
}

fn good_runtime() -> Vec<u8> {
    runtime(&[(IMPORT_LEN, 0), (IMPORT_COPY, 1)])
}

/// Everything the tests look at in an embedded module.
#[derive(Debug, Default)]
struct Shape {
    imports: Vec<(String, String)>,
    exports: Vec<(String, u32)>,
    start: Option<u32>,
    elements: Vec<u32>,
    data_count: Option<u32>,
    passive: Vec<Vec<u8>>,
    bodies: Vec<Vec<String>>,
    custom: Vec<String>,
}

fn shape(wasm: &[u8]) -> Shape {
    let mut s = Shape::default();
    for p in Parser::new(0).parse_all(wasm) {
        match p.unwrap() {
            Payload::ImportSection(r) => {
                for i in r.into_imports() {
                    let i = i.unwrap();
                    s.imports.push((i.module.into(), i.name.into()));
                }
            }
            Payload::ExportSection(r) => {
                for e in r {
                    let e = e.unwrap();
                    s.exports.push((e.name.into(), e.index));
                }
            }
            Payload::StartSection { func, .. } => s.start = Some(func),
            Payload::ElementSection(r) => {
                for e in r {
                    if let wasmparser::ElementItems::Functions(fs) = e.unwrap().items {
                        s.elements.extend(fs.into_iter().map(|f| f.unwrap()));
                    }
                }
            }
            Payload::DataCountSection { count, .. } => s.data_count = Some(count),
            Payload::DataSection(r) => {
                for d in r {
                    let d = d.unwrap();
                    if matches!(d.kind, wasmparser::DataKind::Passive) {
                        s.passive.push(d.data.to_vec());
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                let ops = body
                    .get_operators_reader()
                    .unwrap()
                    .into_iter()
                    .map(|o| match o.unwrap() {
                        Operator::Call { function_index } => format!("call {function_index}"),
                        Operator::RefFunc { function_index } => {
                            format!("ref.func {function_index}")
                        }
                        Operator::I32Const { value } => format!("i32.const {value}"),
                        Operator::MemoryInit { data_index, mem } => {
                            format!("memory.init {data_index} {mem}")
                        }
                        other => format!("{other:?}"),
                    })
                    .collect();
                s.bodies.push(ops);
            }
            Payload::CustomSection(c) => s.custom.push(c.name().into()),
            _ => {}
        }
    }
    s
}

#[test]
fn issue11_item5_a_good_embed_validates_and_defines_the_hooks() {
    let program = lir();
    let out = embed(&good_runtime(), &program).unwrap();
    wasmparser::Validator::new().validate_all(&out).unwrap();
    let s = shape(&out);
    // The program imports are gone; the others keep their order.
    assert_eq!(
        s.imports,
        [("env".into(), "exit".into()), ("env".into(), "log".into())]
    );
    // Functions: 0 exit, 1 log, 2 _start, 3 helper, 4 len, 5 copy.
    assert_eq!(
        s.exports,
        [
            ("_start".into(), 2),
            ("helper".into(), 3),
            ("memory".into(), 0)
        ]
    );
    assert_eq!(s.start, Some(3));
    assert_eq!(s.elements, [3, 0]);
    assert_eq!(s.data_count, Some(2));
    assert_eq!(s.passive, std::slice::from_ref(&program));
    let n = program.len();
    assert_eq!(
        s.bodies[0][..6],
        [
            "call 4".to_string(),
            "Drop".into(),
            "i32.const 64".into(),
            "call 5".into(),
            "i32.const 7".into(),
            "call 1".into(),
        ]
    );
    assert_eq!(s.bodies[0][6], "call 3");
    assert_eq!(s.bodies[1][0], "ref.func 2");
    assert_eq!(s.bodies[2], [format!("i32.const {n}"), "End".into()]);
    assert_eq!(
        s.bodies[3],
        [
            "LocalGet { local_index: 0 }".to_string(),
            "i32.const 0".into(),
            format!("i32.const {n}"),
            "memory.init 1 0".into(),
            "End".into(),
        ]
    );
    // The stale name section is dropped.
    assert!(!s.custom.iter().any(|c| c == "name"), "{:?}", s.custom);
}

#[test]
fn issue11_item5_hooks_in_either_order_are_renumbered() {
    // `copy` imported before `len`.
    let out = embed(&runtime(&[(IMPORT_COPY, 1), (IMPORT_LEN, 0)]), &lir()).unwrap();
    let s = shape(&out);
    // 0 exit, 1 log, 2 _start, 3 helper, 4 len, 5 copy; _start calls copy (was 1), then
    // len (was 2).
    assert_eq!(
        s.bodies[0][..4],
        ["i32.const 64", "call 5", "call 4", "Drop"]
    );
    assert_eq!(s.start, Some(3));
}

#[test]
fn issue11_item7_embedding_twice_is_rejected() {
    let once = embed(&good_runtime(), &lir()).unwrap();
    let e = embed(&once, &lir()).unwrap_err();
    assert!(matches!(e, EmbedError::NotARuntime(_)), "{e}");
    assert!(
        e.to_string().starts_with("not a Lumen WASI runtime: "),
        "{e}"
    );
    assert!(e.to_string().contains("already be embedded"), "{e}");
}

#[test]
fn issue11_item7_a_foreign_module_is_not_a_runtime() {
    let e = embed(&runtime(&[]), &lir()).unwrap_err();
    assert!(
        e.to_string().starts_with("not a Lumen WASI runtime: "),
        "{e}"
    );
    let e = embed(&runtime(&[(IMPORT_LEN, 0)]), &lir()).unwrap_err();
    assert!(e.to_string().contains("`copy`"), "{e}");
    // Wrong types: `len` taking an i32.
    let e = embed(&runtime(&[(IMPORT_LEN, 1), (IMPORT_COPY, 1)]), &lir()).unwrap_err();
    assert!(e.to_string().contains("() -> i32"), "{e}");
    // An unknown function of the program module.
    let e = embed(
        &runtime(&[(IMPORT_LEN, 0), (IMPORT_COPY, 1), ("extra", 2)]),
        &lir(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("unknown program function"), "{e}");
    // A component.
    // An empty component: magic, version 0x0d, layer 1.
    let component = b"\0asm\x0d\0\x01\0".to_vec();
    let e = embed(&component, &lir()).unwrap_err();
    assert!(e.to_string().contains("component"), "{e}");
}

#[test]
fn issue11_item7_corrupt_runtime_bytes_are_reported() {
    for bytes in [
        b"".to_vec(),
        b"not wasm at all".to_vec(),
        good_runtime()[..40].to_vec(),
    ] {
        let e = embed(&bytes, &lir()).unwrap_err();
        assert!(matches!(e, EmbedError::CorruptRuntime(_)), "{e}");
        assert!(e.to_string().starts_with("corrupt runtime module: "), "{e}");
        assert!(!e.to_string().contains('\n'), "{e}");
    }
}

#[test]
fn issue11_item7_corrupt_lir_is_reported() {
    let mut truncated = lir();
    truncated.truncate(truncated.len() - 3);
    for bad in [b"".to_vec(), b"cell main() {}".to_vec(), truncated] {
        let e = embed(&good_runtime(), &bad).unwrap_err();
        assert!(matches!(e, EmbedError::CorruptProgram(_)), "{e}");
        assert!(e.to_string().starts_with("corrupt program: "), "{e}");
    }
    // Decodes but does not validate: a jump out of range.
    let mut m = lumen_vm::binary::decode(&lir()).unwrap();
    m.functions[0].code[0] = Instr::Jump { target: 99 };
    let e = embed(&good_runtime(), &lumen_vm::binary::encode(&m)).unwrap_err();
    assert!(e.to_string().starts_with("corrupt program: E0912"), "{e}");
}

#[test]
fn issue11_item5_a_runtime_without_data_gets_a_data_count_and_a_data_section() {
    // Strip the data section from the fake runtime by re-encoding without it.
    let full = good_runtime();
    let mut m = wasm_encoder::Module::new();
    for p in Parser::new(0).parse_all(&full) {
        let p = p.unwrap();
        if matches!(p, Payload::DataSection(_)) {
            continue;
        }
        if let Some((id, range)) = p.as_section() {
            m.section(&wasm_encoder::RawSection {
                id,
                data: &full[range],
            });
        }
    }
    let bare = m.finish();
    let out = embed(&bare, &lir()).unwrap();
    let s = shape(&out);
    assert_eq!(s.data_count, Some(1));
    assert_eq!(s.passive, [lir()]);
    assert_eq!(s.bodies[3][3], "memory.init 0 0");
}

#[test]
fn issue12_item1_embed_data_puts_any_bytes_behind_the_hooks() {
    let blob = b"LMCB any container".to_vec();
    // `embed` insists on binary LIR; `embed_data` takes the bytes as they are.
    assert!(matches!(
        embed(&good_runtime(), &blob),
        Err(EmbedError::CorruptProgram(_))
    ));
    let out = embed_data(&good_runtime(), &blob).unwrap();
    let s = shape(&out);
    assert_eq!(s.passive, std::slice::from_ref(&blob));
    assert_eq!(
        s.bodies[2],
        [format!("i32.const {}", blob.len()), "End".into()]
    );
    assert!(matches!(
        embed_data(&good_runtime(), &[]),
        Err(EmbedError::CorruptProgram(_))
    ));
    assert!(matches!(
        embed_data(b"\0asm\x01\0\0\0", &blob),
        Err(EmbedError::NotARuntime(_))
    ));
}
