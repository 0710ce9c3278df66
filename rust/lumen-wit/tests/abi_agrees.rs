//! lumen-cabi's layout of every signature agrees with wit-parser's (the Bytecode
//! Alliance's canonical-ABI implementation), and wit-component encodes each world into a
//! valid component (with a dummy core module).

use lumen_cabi::{flatten, size_align, CType, Flat, MAX_FLAT_PARAMS, MAX_FLAT_RESULTS};
use lumen_compiler::{interface_of, CompileOptions, NoImports};
use lumen_wit::{world, Options, World};
use wit_parser::abi::{AbiVariant, WasmType};
use wit_parser::{Function, Resolve, SizeAlign, WorldItem, WorldKey};

const STRESS: &str = "record Inner\n  flag: Bool\n  label: String?\nend\n\
record Big\n  a: Int\n  b: Float\n  c: list[Inner]\n  d: map[Int, String]\n  e: tuple[Bool, Float, String]\n  f: result[Int, String]\nend\n\
enum Mixed\n  F(Float)\n  S(String)\n  B(Bool)\n  P(x: Int, y: Float)\n  N\nend\n\
use tool svc.echo as Echo(m: Mixed, big: Big, o: Inner?) -> result[Big, Mixed]\n\
use tool svc.many as Many(a: String, b: String, c: String, d: String, e: String, f: String, g: String, h: String, i: String) -> tuple[Float, Mixed]\n\
use tool other.flag as Flag(x: Bool) -> Bool\n\
pub cell many(a: String, b: String, c: String, d: String, e: String, f: String, g: String, h: String, i: String) -> Mixed\n  N\nend\n\
pub cell wide(b: Big, m: Mixed, o: Mixed?) -> result[Mixed, String]\n  ok(m)\nend\n\
pub cell flags(x: Bool) -> Bool\n  Flag(x: x)\nend\n\
pub cell nothing()\n  print(\"x\")\nend\n\
pub cell inner(i: Inner) -> list[Inner]\n  [i]\nend\n";

fn world_of(name: &str, src: &str) -> World {
    let iface = match interface_of(name, src.as_bytes(), &NoImports, &CompileOptions::default()) {
        Ok(i) => i,
        Err(d) => panic!("program does not check: {d:?}"),
    };
    let opts = Options {
        package: "lumen:app".into(),
        world: "app".into(),
    };
    world(&iface, &opts).unwrap_or_else(|e| panic!("{e:?}"))
}

fn worlds() -> Vec<World> {
    let types = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/wasm/types/app.lm.md"),
    )
    .unwrap_or_default();
    vec![world_of("app.lm.md", &types), world_of("stress.lm", STRESS)]
}

fn flat_of(t: WasmType) -> Flat {
    match t {
        WasmType::I32 | WasmType::Pointer | WasmType::Length => Flat::I32,
        WasmType::I64 | WasmType::PointerOrI64 => Flat::I64,
        WasmType::F32 => Flat::F32,
        WasmType::F64 => Flat::F64,
    }
}

/// Checks one function: flat params and results as wit-parser computes them for `abi`,
/// and the size and alignment of every parameter and the result.
fn check(
    r: &Resolve,
    sa: &SizeAlign,
    f: &Function,
    params: &[CType],
    result: Option<&CType>,
    abi: AbiVariant,
) {
    let sig = r.wasm_signature(abi, f);
    let got: Vec<Flat> = sig.params.iter().copied().map(flat_of).collect();
    let mine: Vec<Flat> = params.iter().flat_map(flatten).collect();
    if mine.len() > MAX_FLAT_PARAMS {
        assert!(sig.indirect_params, "{}: expected indirect params", f.name);
        assert_eq!(got[0], Flat::I32, "{}", f.name);
    } else {
        assert!(!sig.indirect_params, "{}", f.name);
        assert_eq!(&got[..mine.len()], &mine[..], "{}: params", f.name);
    }
    let mine_r: Vec<Flat> = result.map(flatten).unwrap_or_default();
    let got_r: Vec<Flat> = sig.results.iter().copied().map(flat_of).collect();
    if mine_r.len() > MAX_FLAT_RESULTS {
        match abi {
            AbiVariant::GuestExport => assert_eq!(got_r, vec![Flat::I32], "{}", f.name),
            _ => {
                assert!(
                    sig.retptr && got_r.is_empty(),
                    "{}: expected a retptr",
                    f.name
                );
            }
        }
    } else {
        assert_eq!(got_r, mine_r, "{}: results", f.name);
    }
    for (p, c) in f.params.iter().zip(params) {
        let want = (
            sa.size(&p.ty).size_wasm32() as u32,
            sa.align(&p.ty).align_wasm32() as u32,
        );
        assert_eq!(size_align(c), want, "{}: parameter {}", f.name, p.name);
    }
    if let (Some(t), Some(c)) = (&f.result, result) {
        let want = (
            sa.size(t).size_wasm32() as u32,
            sa.align(t).align_wasm32() as u32,
        );
        assert_eq!(size_align(c), want, "{}: result", f.name);
    }
}

#[test]
fn issue12_item1_cabi_layout_agrees_with_wit_parser_for_every_signature() {
    for w in worlds() {
        let mut r = Resolve::new();
        let pkg = r
            .push_str("app.wit", &w.wit)
            .unwrap_or_else(|e| panic!("{e:#}\n{}", w.wit));
        let id = r
            .select_world(&[pkg], Some("app"))
            .unwrap_or_else(|e| panic!("{e:#}"));
        let mut sa = SizeAlign::default();
        sa.fill(&r);
        let world = &r.worlds[id];
        let (exports, imports, _) = &w.blob_sigs;
        let mut checked = 0;
        for e in exports {
            let Some(WorldItem::Function(f)) =
                world.exports.get(&WorldKey::Name(e.wit_name.clone()))
            else {
                panic!("export {} not in the world", e.wit_name);
            };
            let ps: Vec<CType> = e.params.iter().map(|p| p.ty.clone()).collect();
            check(&r, &sa, f, &ps, e.result.as_ref(), AbiVariant::GuestExport);
            checked += 1;
        }
        for i in imports.iter().skip(usize::from(!w.host_call)) {
            let Some(WorldItem::Interface { id, .. }) =
                world.imports.get(&WorldKey::Name(i.wit_interface.clone()))
            else {
                panic!("import {} not in the world", i.wit_interface);
            };
            let Some(f) = r.interfaces[*id].functions.get(&i.wit_func) else {
                panic!("{}.{} not in the world", i.wit_interface, i.wit_func);
            };
            let ps: Vec<CType> = i.params.iter().map(|p| p.ty.clone()).collect();
            check(&r, &sa, f, &ps, i.result.as_ref(), AbiVariant::GuestImport);
            checked += 1;
        }
        assert!(checked >= 5, "{checked}");
    }
}

#[test]
fn issue12_item1_each_world_encodes_into_a_valid_component() {
    for w in worlds() {
        let mut r = Resolve::new();
        let pkg = r
            .push_str("app.wit", &w.wit)
            .unwrap_or_else(|e| panic!("{e:#}"));
        let id = r
            .select_world(&[pkg], Some("app"))
            .unwrap_or_else(|e| panic!("{e:#}"));
        let mut module = wit_component::dummy_module(
            &r,
            id,
            wit_parser::ManglingAndAbi::Legacy(wit_parser::LiftLowerAbi::Sync),
        );
        wit_component::embed_component_metadata(
            &mut module,
            &r,
            id,
            wit_component::StringEncoding::UTF8,
        )
        .unwrap_or_else(|e| panic!("{e:#}"));
        let component = wit_component::ComponentEncoder::default()
            .module(&module)
            .and_then(|e| e.validate(true).encode())
            .unwrap_or_else(|e| panic!("{e:#}\n{}", w.wit));
        assert!(component.len() > 100);
    }
}
