//! One test per mapping rule and per WitError, on hand-built interfaces (so types the
//! checker would not produce can be tried too). Every world that is produced must parse
//! and resolve with wit-parser.

use lumen_cabi::{CType, Case, Payload};
use lumen_compiler::interface::{
    CellSig, EnumDef, Interface, Param, RecordDef, ToolSig, Ty, VariantDef,
};
use lumen_wit::{world, world_with_main, Options, World};

fn opts() -> Options {
    Options {
        package: "lumen:app".into(),
        world: "app".into(),
    }
}

fn p(name: &str, ty: Ty) -> Param {
    Param {
        name: name.into(),
        ty,
        has_default: false,
    }
}

fn cell(name: &str, params: Vec<Param>, ret: Ty) -> CellSig {
    CellSig {
        name: name.into(),
        params,
        ret,
        doc: None,
    }
}

fn iface(cells: Vec<CellSig>) -> Interface {
    Interface {
        cells,
        records: vec![],
        enums: vec![],
        tools: vec![],
    }
}

fn b(t: Ty) -> Box<Ty> {
    Box::new(t)
}

fn point() -> RecordDef {
    RecordDef {
        name: "Point".into(),
        fields: vec![("x".into(), Ty::Int), ("y".into(), Ty::Float)],
        defaults: vec![],
    }
}

fn resolves(w: &World) {
    let mut r = wit_parser::Resolve::new();
    let res = r
        .push_str("app.wit", &w.wit)
        .and_then(|pkg| r.select_world(&[pkg], Some("app")));
    if let Err(e) = res {
        panic!("wit-parser rejects the world: {e:#}\n{}", w.wit);
    }
}

fn ok(i: &Interface) -> World {
    let w = world(i, &opts()).unwrap_or_else(|e| panic!("{e:?}"));
    resolves(&w);
    w
}

fn errs(i: &Interface) -> Vec<String> {
    match world(i, &opts()) {
        Ok(w) => panic!("expected errors, got\n{}", w.wit),
        Err(es) => es.into_iter().map(|e| e.to_string()).collect(),
    }
}

fn has(es: &[String], needle: &str) {
    assert!(
        es.iter().any(|e| e.contains(needle)),
        "no {needle:?} in {es:?}"
    );
}

#[test]
fn issue12_item1_scalars_lists_maps_tuples_options_and_results_map_to_wit() {
    let i = iface(vec![cell(
        "all",
        vec![
            p("i", Ty::Int),
            p("f", Ty::Float),
            p("s", Ty::String),
            p("b", Ty::Bool),
            p("j", Ty::Json),
            p("l", Ty::List(b(Ty::Int))),
            p("ms", Ty::Map(b(Ty::String), b(Ty::Float))),
            p("mi", Ty::Map(b(Ty::Int), b(Ty::Bool))),
            p("t", Ty::Tuple(vec![Ty::Int, Ty::String])),
            p("o", Ty::Optional(b(Ty::String))),
            p("r", Ty::Result(b(Ty::Int), b(Ty::String))),
            p("rn", Ty::Result(b(Ty::Null), b(Ty::String))),
            p("rk", Ty::Result(b(Ty::Int), b(Ty::Null))),
            p("rb", Ty::Result(b(Ty::Null), b(Ty::Null))),
        ],
        Ty::Json,
    )]);
    let w = ok(&i);
    assert!(
        w.wit.contains(
            "export all: func(i: s64, f: f64, s: string, b: bool, j: string, l: list<s64>, \
             ms: list<tuple<string, f64>>, mi: list<tuple<s64, bool>>, t: tuple<s64, string>, \
             o: option<string>, r: result<s64, string>, rn: result<_, string>, rk: result<s64>, \
             rb: result) -> string;"
        ),
        "{}",
        w.wit
    );
    let sig = &w.blob_sigs.0[0];
    let tys: Vec<&CType> = sig.params.iter().map(|p| &p.ty).collect();
    let bx = |t: CType| Box::new(t);
    assert_eq!(
        tys,
        [
            &CType::S64,
            &CType::F64,
            &CType::String,
            &CType::Bool,
            &CType::Json,
            &CType::List(bx(CType::S64)),
            &CType::Map {
                key: bx(CType::String),
                value: bx(CType::F64)
            },
            &CType::Map {
                key: bx(CType::S64),
                value: bx(CType::Bool)
            },
            &CType::Tuple(vec![CType::S64, CType::String]),
            &CType::Option(bx(CType::String)),
            &CType::Result {
                ok: Some(bx(CType::S64)),
                err: Some(bx(CType::String))
            },
            &CType::Result {
                ok: None,
                err: Some(bx(CType::String))
            },
            &CType::Result {
                ok: Some(bx(CType::S64)),
                err: None
            },
            &CType::Result {
                ok: None,
                err: None
            },
        ]
    );
    assert_eq!(sig.result, Some(CType::Json));
}

#[test]
fn issue12_item1_null_and_never_results_are_functions_without_a_result() {
    let i = iface(vec![
        cell("quiet", vec![], Ty::Null),
        cell("stop", vec![p("code", Ty::Int)], Ty::Never),
    ]);
    let w = ok(&i);
    assert!(w.wit.contains("export quiet: func();"), "{}", w.wit);
    assert!(w.wit.contains("export stop: func(code: s64);"), "{}", w.wit);
    assert_eq!(w.blob_sigs.0[0].result, None);
    assert_eq!(w.blob_sigs.0[1].result, None);
}

#[test]
fn issue12_item1_records_and_enums_become_records_and_variants() {
    let mut i = iface(vec![cell(
        "go",
        vec![
            p("p", Ty::Record("Point".into())),
            p("s", Ty::Enum("Shape".into())),
        ],
        Ty::List(b(Ty::Enum("Shape".into()))),
    )]);
    i.records.push(point());
    i.enums.push(EnumDef {
        name: "Shape".into(),
        variants: vec![
            VariantDef {
                name: "Circle".into(),
                fields: vec![(Some("radius".into()), Ty::Float)],
            },
            VariantDef {
                name: "Pair".into(),
                fields: vec![(None, Ty::Int), (None, Ty::Int)],
            },
            VariantDef {
                name: "At".into(),
                fields: vec![(None, Ty::Record("Point".into()))],
            },
            VariantDef {
                name: "Empty".into(),
                fields: vec![],
            },
        ],
    });
    let w = ok(&i);
    for line in [
        "    record point {\n        x: s64,\n        y: f64,\n    }\n",
        "    record shape-circle {\n        radius: f64,\n    }\n",
        "    variant shape {\n        circle(shape-circle),\n        pair(tuple<s64, s64>),\n        at(point),\n        empty,\n    }\n",
        "export go: func(p: point, s: shape) -> list<shape>;",
    ] {
        assert!(w.wit.contains(line), "{line}\nnot in\n{}", w.wit);
    }
    let s = &w.blob_sigs.0[0].params[1].ty;
    let CType::Variant { name, cases } = s else {
        panic!("{s:?}");
    };
    assert_eq!(name, "Shape");
    assert_eq!(
        cases[0],
        Case {
            name: "Circle".into(),
            payload: Payload::Named(vec![("radius".into(), CType::F64)])
        }
    );
    assert_eq!(
        cases[1],
        Case {
            name: "Pair".into(),
            payload: Payload::Positional(vec![CType::S64, CType::S64])
        }
    );
    assert!(
        matches!(&cases[2].payload, Payload::Positional(v) if matches!(&v[0], CType::Record { name, .. } if name == "Point"))
    );
    assert_eq!(
        cases[3],
        Case {
            name: "Empty".into(),
            payload: Payload::None
        }
    );
}

#[test]
fn issue12_item1_tools_become_imports_grouped_by_prefix() {
    let mut i = iface(vec![cell("main", vec![], Ty::Null)]);
    i.records.push(point());
    let tool = |q: &str, params: Option<Vec<Param>>, ret: Option<Ty>| ToolSig {
        qualified: q.into(),
        alias: "T".into(),
        params,
        ret,
    };
    i.tools = vec![
        tool(
            "llm.chat",
            Some(vec![p("prompt", Ty::String), p("max_tokens", Ty::Int)]),
            Some(Ty::String),
        ),
        tool(
            "llm.embed",
            Some(vec![p("text", Ty::String)]),
            Some(Ty::List(b(Ty::Float))),
        ),
        tool(
            "geo.move",
            Some(vec![p("p", Ty::Record("Point".into()))]),
            Some(Ty::Record("Point".into())),
        ),
        tool("my_org.kv.get", Some(vec![p("key", Ty::String)]), None),
        tool("log", Some(vec![p("line", Ty::String)]), Some(Ty::Null)),
        tool("http.get", None, None),
        // The same tool again under another alias, same signature: one import.
        tool(
            "llm.chat",
            Some(vec![p("prompt", Ty::String), p("max_tokens", Ty::Int)]),
            Some(Ty::String),
        ),
    ];
    let w = ok(&i);
    for line in [
        "    import llm: interface {\n        chat: func(prompt: string, max-tokens: s64) -> string;\n        embed: func(text: string) -> list<f64>;\n    }\n",
        "    import geo: interface {\n        record point {\n            x: s64,\n            y: f64,\n        }\n\n        move: func(p: point) -> point;\n    }\n",
        "    import my-org-kv: interface {\n        get: func(key: string) -> string;\n    }\n",
        "    import tools: interface {\n        log: func(line: string);\n    }\n",
        "call: func(name: string, args: string) -> result<string, string>;",
        "    export main: func();\n",
        "    export wasi:cli/run@0.2.0;\n",
    ] {
        assert!(w.wit.contains(line), "{line}\nnot in\n{}", w.wit);
    }
    // The world itself has no `point`: only the import uses it.
    assert!(!w.wit.contains("\n    record point"), "{}", w.wit);
    let (_, imports, cli) = &w.blob_sigs;
    assert!(*cli && w.host_call);
    let names: Vec<(&str, &str)> = imports
        .iter()
        .map(|i| (i.wit_interface.as_str(), i.wit_func.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("host", "call"),
            ("llm", "chat"),
            ("llm", "embed"),
            ("geo", "move"),
            ("my-org-kv", "get"),
            ("tools", "log")
        ]
    );
    assert_eq!(
        imports[4].result,
        Some(CType::Json),
        "no declared result: JSON text"
    );
    assert_eq!(imports[5].result, None);
    assert_eq!(
        imports[1].params[1].name, "max_tokens",
        "Lumen names for the VM's argument object"
    );
}

#[test]
fn issue12_item1_a_program_without_tools_imports_nothing() {
    let w = ok(&iface(vec![cell(
        "add",
        vec![p("a", Ty::Int), p("b", Ty::Int)],
        Ty::Int,
    )]));
    assert!(!w.wit.contains("import"), "{}", w.wit);
    assert!(!w.host_call);
    assert!(!w.blob_sigs.2);
    assert!(!w.wit.contains("wasi:cli"), "{}", w.wit);
    // The blob still has the generic call as import 0.
    assert_eq!(w.blob_sigs.1.len(), 1);
    // main exported when it is not among the cells (other cells are pub).
    let w = world_with_main(&iface(vec![cell("add", vec![], Ty::Int)]), &opts(), true)
        .unwrap_or_else(|e| panic!("{e:?}"));
    resolves(&w);
    assert!(w.blob_sigs.2 && w.wit.contains("export wasi:cli/run@0.2.0;"));
}

#[test]
fn issue12_item1_names_are_kebab_case_and_keywords_escaped() {
    let mut i = iface(vec![cell(
        "list",
        vec![p("type", Ty::Int), p("user_id", Ty::Int)],
        Ty::Record("UserProfile".into()),
    )]);
    i.records.push(RecordDef {
        name: "UserProfile".into(),
        fields: vec![
            ("displayName".into(), Ty::String),
            ("record".into(), Ty::Bool),
        ],
        defaults: vec![],
    });
    i.cells[0].doc = Some("Lists.\nTwo lines.".into());
    let w = ok(&i);
    assert!(
        w.wit.contains("    /// Lists.\n    /// Two lines.\n    export %list: func(%type: s64, user-id: s64) -> user-profile;"),
        "{}",
        w.wit
    );
    assert!(
        w.wit
            .contains("        display-name: string,\n        %record: bool,"),
        "{}",
        w.wit
    );
    let e = &w.blob_sigs.0[0];
    assert_eq!((e.cell.as_str(), e.wit_name.as_str()), ("list", "list"));
    assert_eq!(e.params[1].name, "user_id");
}

#[test]
fn issue12_item1_inexpressible_types_are_errors_naming_the_cell_or_tool_and_parameter() {
    let mut i = iface(vec![
        cell(
            "u",
            vec![p("x", Ty::Union(vec![Ty::Int, Ty::String]))],
            Ty::Int,
        ),
        cell(
            "f",
            vec![p("cb", Ty::Fn(vec![Ty::Int], b(Ty::Int)))],
            Ty::Int,
        ),
        cell("n", vec![p("nothing", Ty::Null)], Ty::Int),
        cell("nv", vec![p("never", Ty::Never)], Ty::Int),
        cell("nested", vec![p("xs", Ty::List(b(Ty::Null)))], Ty::Int),
        cell("r", vec![], Ty::Union(vec![Ty::Int, Ty::Bool])),
        cell("k", vec![p("m", Ty::Map(b(Ty::Bool), b(Ty::Int)))], Ty::Int),
        cell("t", vec![p("unit", Ty::Tuple(vec![]))], Ty::Int),
        cell("missing", vec![p("g", Ty::Record("Ghost".into()))], Ty::Int),
    ]);
    i.tools.push(ToolSig {
        qualified: "a.b".into(),
        alias: "B".into(),
        params: Some(vec![p("h", Ty::Fn(vec![], b(Ty::Null)))]),
        ret: None,
    });
    let es = errs(&i);
    has(
        &es,
        "cell `u` parameter `x`: the union type `Int | String` has no WIT type",
    );
    has(
        &es,
        "cell `f` parameter `cb`: the function type `fn(Int) -> Int` cannot cross",
    );
    has(
        &es,
        "cell `n` parameter `nothing`: `Null` has no WIT type here",
    );
    has(
        &es,
        "cell `nv` parameter `never`: `Never` has no WIT type here",
    );
    has(
        &es,
        "cell `nested` parameter `xs`: `Null` has no WIT type here",
    );
    has(&es, "cell `r` result: the union type `Int | Bool`");
    has(
        &es,
        "cell `k` parameter `m`: map keys must be String or Int, not `Bool`",
    );
    has(
        &es,
        "cell `t` parameter `unit`: the empty tuple has no WIT type",
    );
    has(
        &es,
        "cell `missing` parameter `g`: type `Ghost` has no definition",
    );
    has(&es, "tool `a.b` parameter `h`: the function type");
    assert_eq!(es.len(), 10, "{es:?}");
}

#[test]
fn issue12_item1_recursive_and_duplicate_types_are_errors() {
    let mut i = iface(vec![
        cell("tree", vec![p("t", Ty::Record("Tree".into()))], Ty::Int),
        cell("expr", vec![], Ty::Enum("Expr".into())),
        cell("dup", vec![p("d", Ty::Record("Dup".into()))], Ty::Int),
        cell("empty", vec![p("e", Ty::Record("Nothing".into()))], Ty::Int),
    ]);
    i.records.push(RecordDef {
        name: "Tree".into(),
        fields: vec![("kids".into(), Ty::List(b(Ty::Record("Tree".into()))))],
        defaults: vec![],
    });
    i.enums.push(EnumDef {
        name: "Expr".into(),
        variants: vec![
            VariantDef {
                name: "Lit".into(),
                fields: vec![(None, Ty::Int)],
            },
            VariantDef {
                name: "Neg".into(),
                fields: vec![(None, Ty::Enum("Expr".into()))],
            },
        ],
    });
    for _ in 0..2 {
        i.records.push(RecordDef {
            name: "Dup".into(),
            fields: vec![("a".into(), Ty::Int)],
            defaults: vec![],
        });
    }
    i.records.push(RecordDef {
        name: "Nothing".into(),
        fields: vec![],
        defaults: vec![],
    });
    let es = errs(&i);
    has(
        &es,
        "cell `tree` parameter `t`: type `Tree` is recursive (Tree → Tree)",
    );
    has(&es, "cell `expr` result: type `Expr` is recursive");
    has(
        &es,
        "cell `dup` parameter `d`: type `Dup` is declared more than once",
    );
    has(
        &es,
        "cell `empty` parameter `e`: record `Nothing` has no fields",
    );
}

#[test]
fn issue12_item1_name_clashes_after_kebab_case_are_errors() {
    let mut i = iface(vec![
        cell("get_x", vec![], Ty::Int),
        cell("getX", vec![], Ty::Int),
        cell("two", vec![p("a_b", Ty::Int), p("aB", Ty::Int)], Ty::Int),
        cell(
            "rec",
            vec![
                p("r", Ty::Record("R".into())),
                p("s", Ty::Enum("Shape".into())),
                p("c", Ty::Record("ShapeCircle".into())),
            ],
            Ty::Int,
        ),
    ]);
    i.records.push(RecordDef {
        name: "R".into(),
        fields: vec![("my_field".into(), Ty::Int), ("myField".into(), Ty::Int)],
        defaults: vec![],
    });
    i.records.push(RecordDef {
        name: "ShapeCircle".into(),
        fields: vec![("r".into(), Ty::Float)],
        defaults: vec![],
    });
    i.records.push(RecordDef {
        name: "Llm".into(),
        fields: vec![("x".into(), Ty::Int)],
        defaults: vec![],
    });
    i.enums.push(EnumDef {
        name: "Shape".into(),
        variants: vec![
            VariantDef {
                name: "Circle".into(),
                fields: vec![(Some("r".into()), Ty::Float)],
            },
            VariantDef {
                name: "circle".into(),
                fields: vec![],
            },
        ],
    });
    i.cells
        .push(cell("llm", vec![p("l", Ty::Record("Llm".into()))], Ty::Int));
    i.tools.push(ToolSig {
        qualified: "llm.chat".into(),
        alias: "Chat".into(),
        params: Some(vec![]),
        ret: Some(Ty::String),
    });
    i.tools.push(ToolSig {
        qualified: "kv.get_x".into(),
        alias: "A".into(),
        params: Some(vec![]),
        ret: None,
    });
    i.tools.push(ToolSig {
        qualified: "kv.getX".into(),
        alias: "B".into(),
        params: Some(vec![]),
        ret: None,
    });
    i.tools.push(ToolSig {
        qualified: "llm.chat".into(),
        alias: "Chat2".into(),
        params: Some(vec![p("x", Ty::Int)]),
        ret: Some(Ty::String),
    });
    let es = errs(&i);
    has(
        &es,
        "cell `getX` and cell `get_x` both become the WIT name `get-x`",
    );
    has(
        &es,
        "parameter `aB` and parameter `a_b` both become the WIT name `a-b`",
    );
    has(
        &es,
        "record `R`: field `myField` and field `my_field` both become the WIT name `my-field`",
    );
    has(&es, "the payload of Shape.Circle and record `ShapeCircle` both become the WIT name `shape-circle`");
    has(
        &es,
        "enum `Shape`: variant `circle` and variant `Circle` both become the WIT name `circle`",
    );
    has(
        &es,
        "world `app`: record `Llm` and the import `llm` both become the WIT name `llm`",
    );
    has(
        &es,
        "interface `kv`: tool `kv.getX` and tool `kv.get_x` both become the WIT name `get-x`",
    );
    has(
        &es,
        "tool `llm.chat` is declared twice with different signatures (as Chat and Chat2)",
    );
}

#[test]
fn issue12_item1_bad_options_are_errors() {
    let i = iface(vec![]);
    for (pkg, wld, needle) in [
        ("app", "app", "package name `app` is not a WIT package name"),
        ("Lumen:App", "app", "package name `Lumen:App`"),
        ("lumen:my_app", "app", "package name `lumen:my_app`"),
        ("lumen:app@", "app", "package name `lumen:app@`"),
        (
            "lumen:app",
            "my app",
            "world name `my app` is not a WIT identifier",
        ),
        ("lumen:app", "", "world name `` is not"),
    ] {
        let r = world(
            &i,
            &Options {
                package: pkg.into(),
                world: wld.into(),
            },
        );
        let es: Vec<String> = r
            .err()
            .unwrap_or_default()
            .iter()
            .map(|e| e.to_string())
            .collect();
        has(&es, needle);
    }
    let w = world(
        &i,
        &Options {
            package: "lumen:app@1.2.0".into(),
            world: "app".into(),
        },
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(w.wit.contains("package lumen:app@1.2.0;"), "{}", w.wit);
}

#[test]
fn issue12_item1_deep_and_exploding_types_are_errors_not_crashes() {
    // A chain of records deeper than lumen-cabi's MAX_DEPTH.
    let n = lumen_cabi::MAX_DEPTH + 10;
    let mut i = iface(vec![cell(
        "deep",
        vec![p("r", Ty::Record("R0".into()))],
        Ty::Int,
    )]);
    for k in 0..n {
        let next = if k + 1 < n {
            Ty::Record(format!("R{}", k + 1))
        } else {
            Ty::Int
        };
        i.records.push(RecordDef {
            name: format!("R{k}"),
            fields: vec![("f".into(), next)],
            defaults: vec![],
        });
    }
    let r = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || errs(&i))
        .map(|h| h.join());
    let es = match r {
        Ok(Ok(es)) => es,
        other => panic!("{other:?}"),
    };
    has(
        &es,
        "cell `deep` parameter `r`: the type nests deeper than 256 levels",
    );
    // 200 nested records are within MAX_DEPTH, and the program blob carries them.
    let mut i = iface(vec![cell(
        "deep",
        vec![p("r", Ty::Record("R0".into()))],
        Ty::Int,
    )]);
    for k in 0..200 {
        let next = if k + 1 < 200 {
            Ty::Record(format!("R{}", k + 1))
        } else {
            Ty::Int
        };
        i.records.push(RecordDef {
            name: format!("R{k}"),
            fields: vec![("f".into(), next)],
            defaults: vec![],
        });
    }
    let w = ok(&i);
    assert_eq!(w.wit.matches("record r").count(), 200);
    // 40 levels of records with two fields each would expand to 2^40 parts.
    let mut i = iface(vec![cell(
        "wide",
        vec![p("r", Ty::Record("W0".into()))],
        Ty::Int,
    )]);
    for k in 0..40 {
        let next = if k + 1 < 40 {
            Ty::Record(format!("W{}", k + 1))
        } else {
            Ty::Int
        };
        i.records.push(RecordDef {
            name: format!("W{k}"),
            fields: vec![("a".into(), next.clone()), ("b".into(), next)],
            defaults: vec![],
        });
    }
    let es = errs(&i);
    has(
        &es,
        "cell `wide` parameter `r`: the types expand to more than 1048576 parts",
    );
}
