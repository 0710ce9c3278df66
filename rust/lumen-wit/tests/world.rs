//! The world of real programs: parsed and resolved by wit-parser, and the types test
//! program's world compared with a snapshot (`LUMEN_UPDATE_SNAPSHOTS=1` rewrites it).

use lumen_cabi::CType;
use lumen_compiler::{interface_of, CompileOptions, Interface, NoImports};
use lumen_wit::{world, Options, World};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn iface_of(name: &str, src: &str) -> Interface {
    match interface_of(name, src.as_bytes(), &NoImports, &CompileOptions::default()) {
        Ok(i) => i,
        Err(d) => panic!("program does not check: {d:?}"),
    }
}

fn opts() -> Options {
    Options {
        package: "lumen:app".into(),
        world: "app".into(),
    }
}

/// Parses and resolves the WIT with wit-parser; the world's name as resolved.
fn resolve(wit: &str) -> (wit_parser::Resolve, wit_parser::WorldId) {
    let mut r = wit_parser::Resolve::new();
    let pkg = match r.push_str("app.wit", wit) {
        Ok(p) => p,
        Err(e) => panic!("wit-parser rejects the world: {e:#}\n{wit}"),
    };
    let w = match r.select_world(&[pkg], Some("app")) {
        Ok(w) => w,
        Err(e) => panic!("no world: {e:#}"),
    };
    (r, w)
}

fn types_world() -> World {
    let path = root().join("tests/wasm/types/app.lm.md");
    let src = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    match world(&iface_of("app.lm.md", &src), &opts()) {
        Ok(w) => w,
        Err(e) => panic!("no world: {e:?}"),
    }
}

#[test]
fn issue12_item1_the_types_program_world_matches_its_snapshot() {
    let w = types_world();
    let snap = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/types_app.wit");
    if std::env::var_os("LUMEN_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&snap, &w.wit).unwrap_or_else(|e| panic!("{snap:?}: {e}"));
    }
    let want = std::fs::read_to_string(&snap).unwrap_or_default();
    assert_eq!(
        w.wit, want,
        "the world changed; rerun with LUMEN_UPDATE_SNAPSHOTS=1 and review the diff"
    );
}

#[test]
fn issue12_item1_the_types_program_world_resolves_with_wit_parser() {
    let w = types_world();
    let (r, id) = resolve(&w.wit);
    let world = &r.worlds[id];
    let exports: Vec<String> = world.exports.keys().map(|k| r.name_world_key(k)).collect();
    for name in [
        "shift",
        "area",
        "shapes",
        "divide",
        "total",
        "pair",
        "summarize",
        "loud",
    ] {
        assert!(
            exports.iter().any(|e| e == name),
            "{name} not in {exports:?}"
        );
    }
    let imports: Vec<String> = world.imports.keys().map(|k| r.name_world_key(k)).collect();
    assert!(imports.iter().any(|i| i == "llm"), "{imports:?}");
    assert!(imports.iter().any(|i| i == "host"), "{imports:?}");
    // The blob signatures: export order is the world's, import 0 the generic call.
    let (ex, im, cli) = &w.blob_sigs;
    assert!(!cli);
    assert!(w.host_call);
    assert_eq!(ex[0].cell, "shift");
    assert_eq!(ex[0].params[0].name, "p");
    assert!(matches!(&ex[0].params[0].ty, CType::Record { name, .. } if name == "Point"));
    assert_eq!(im[0], lumen_cabi::ImportSig::generic_call());
    assert_eq!(im.len(), 2);
    assert_eq!(
        (
            im[1].qualified.as_str(),
            im[1].wit_interface.as_str(),
            im[1].wit_func.as_str()
        ),
        ("llm.chat", "llm", "chat")
    );
    assert_eq!(im[1].params[1].name, "max_tokens");
    assert_eq!(im[1].result, Some(CType::String));
}

#[test]
fn issue12_item1_a_main_program_exports_wasi_cli_run_and_resolves() {
    let src = "record Person\n  full_name: String\n  age: Int?\nend\n\
               use tool db.people as People(min_age: Int) -> list[Person]\n\
               use tool db.count as Count() -> Int\n\
               # Greets.\n\
               cell main(name: String = \"you\")\n  print(\"hi {name} {Count()}\")\nend\n";
    let w = world(&iface_of("app.lm", src), &opts()).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(w.blob_sigs.2);
    assert!(!w.host_call);
    assert!(w.wit.contains("export wasi:cli/run@0.2.0;"), "{}", w.wit);
    assert!(
        w.wit
            .contains("    /// Greets.\n    export main: func(name: string);"),
        "{}",
        w.wit
    );
    assert!(
        w.wit
            .contains("people: func(min-age: s64) -> list<person>;"),
        "{}",
        w.wit
    );
    assert!(w.wit.contains("record person {\n            full-name: string,\n            age: option<s64>,\n        }"), "{}", w.wit);
    let (r, id) = resolve(&w.wit);
    let world = &r.worlds[id];
    let exports: Vec<String> = world.exports.keys().map(|k| r.name_world_key(k)).collect();
    assert!(
        exports.iter().any(|e| e == "wasi:cli/run@0.2.0"),
        "{exports:?}"
    );
    let imports: Vec<String> = world.imports.keys().map(|k| r.name_world_key(k)).collect();
    assert!(!imports.iter().any(|i| i == "host"), "{imports:?}");
}
