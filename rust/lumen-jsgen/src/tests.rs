use super::*;
use lumen_compiler::interface::{
    interface_of, CellSig, EnumDef, Param, RecordDef, ToolSig, Ty, VariantDef,
};
use lumen_compiler::{CompileOptions, NoImports};

fn iface(src: &str) -> Interface {
    match interface_of(
        "app.lm",
        src.as_bytes(),
        &NoImports,
        &CompileOptions::default(),
    ) {
        Ok(i) => i,
        Err(d) => panic!("program does not check: {d:?}"),
    }
}

fn gen(src: &str) -> Generated {
    generate(&iface(src), b"LMB\0bytes", &Options::default())
}

/// Asserts that `text` has a line equal to `line` (trimmed).
#[track_caller]
fn has_line(text: &str, line: &str) {
    assert!(
        text.lines().any(|l| l.trim() == line),
        "no line `{line}` in:\n{text}"
    );
}

fn param(name: &str, ty: Ty) -> Param {
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

const PROGRAM: &str = "use tool llm.chat as Chat
use tool http.get as Fetch

record Point
  x: Int
  y: Float
end

enum Shape
  Circle(radius: Float)
  Pair(Int, String)
  Empty
end

# Moves a point.
pub cell shift(p: Point, by: Int) -> Point
  Point(x: p.x + by, y: p.y)
end

pub cell shapes(xs: list[Int?], m: map[String, Float], t: tuple[Int, Bool]) -> list[Shape]
  [Empty]
end

pub cell check(n: Int, j: Json) -> result[Int, String]
  ok(n)
end

cell helper() -> Int
  1
end
";

#[test]
fn issue11_item3_each_exported_cell_is_an_async_function_resolving_to_the_value() {
    let g = gen(PROGRAM);
    has_line(&g.js, "export async function shift(p, by, options) {");
    has_line(&g.js, "return $call(\"shift\", [p, by], options);");
    has_line(&g.js, "export async function shapes(xs, m, t, options) {");
    has_line(&g.js, "return result.value;");
    has_line(
        &g.js,
        "import { run as $run, LumenError, init } from \"./lumen_wasm.js\";",
    );
    has_line(&g.js, "export { LumenError, init };");
    assert!(!g.js.contains("helper"), "helper is not pub");
    // The doc comment and the Lumen signature.
    has_line(&g.js, "* Moves a point.");
    has_line(&g.js, "* Lumen: `cell shift(p: Point, by: Int) -> Point`");
    // Printed lines: onPrint, else console.log.
    has_line(&g.js, "onPrint: o.onPrint ?? $print,");
    has_line(&g.js, "console.log(line);");
    for key in ["tools", "fuel", "maxDepth", "signal", "toolTimeoutMs"] {
        has_line(&g.js, &format!("{key}: o.{key},"));
    }
}

#[test]
fn issue11_item3_the_lir_is_embedded_as_base64_and_decoded_once() {
    let g = generate(&iface(PROGRAM), &[0, 1, 2, 250, 255], &Options::default());
    has_line(&g.js, "const $LIR = \"AAEC+v8=\";");
    has_line(&g.js, "if ($bytes === undefined) {");
    has_line(&g.js, "const text = atob($LIR);");
    has_line(&g.cjs, "const $LIR = \"AAEC+v8=\";");
}

#[test]
fn issue11_item3_the_commonjs_entry_has_the_same_api() {
    let g = gen(PROGRAM);
    has_line(
        &g.cjs,
        "const { run: $run, LumenError, init } = require(\"./lumen_wasm.cjs\");",
    );
    has_line(&g.cjs, "async function shift(p, by, options) {");
    has_line(&g.cjs, "exports.shift = shift;");
    has_line(&g.cjs, "exports.shapes = shapes;");
    has_line(&g.cjs, "exports.LumenError = LumenError;");
    assert!(
        !g.cjs.contains("export "),
        "no ESM syntax in the CommonJS entry"
    );
    assert!(
        !g.cjs.contains("import "),
        "no ESM syntax in the CommonJS entry"
    );
}

#[test]
fn issue11_item3_declarations_map_each_lumen_type() {
    let g = gen(PROGRAM);
    let d = &g.dts;
    has_line(d, "export interface Point {");
    has_line(d, "x: number | bigint;");
    has_line(d, "y: number;");
    has_line(d, "export type Shape =");
    has_line(d, "| { Circle: { radius: number } }");
    has_line(d, "| { Pair: [number | bigint, string] }");
    has_line(d, "| \"Empty\";");
    has_line(
        d,
        "export declare function shift(p: Point, by: number | bigint, options: Options): Promise<Point>;",
    );
    has_line(
        d,
        "export declare function shapes(xs: (number | bigint | null)[], m: { [key: string]: number }, t: [number | bigint, boolean], options: Options): Promise<Shape[]>;",
    );
    has_line(
        d,
        "export declare function check(n: number | bigint, j: JsonValue, options: Options): Promise<{ ok: number | bigint } | { err: string }>;",
    );
    has_line(d, "export type JsonValue =");
    has_line(d, "export { LumenError, init } from \"./lumen_wasm.js\";");
    has_line(
        d,
        "import type { ToolCallContext } from \"./lumen_wasm.js\";",
    );
    // The CommonJS declarations import the CommonJS runtime entry.
    has_line(
        &g.dcts,
        "export { LumenError, init } from \"./lumen_wasm.cjs\";",
    );
    assert_eq!(
        g.dts.replace("./lumen_wasm.js", "X"),
        g.dcts.replace("./lumen_wasm.cjs", "X")
    );
}

#[test]
fn issue11_item3_tools_are_required_keys_typed_by_their_declaration() {
    let g = gen(PROGRAM);
    let d = &g.dts;
    has_line(d, "export interface Tools {");
    has_line(
        d,
        "\"llm.chat\": (args: { [name: string]: JsonValue }, context: ToolCallContext) => JsonValue | Promise<JsonValue>;",
    );
    has_line(
        d,
        "\"http.get\": (args: { [name: string]: JsonValue }, context: ToolCallContext) => JsonValue | Promise<JsonValue>;",
    );
    has_line(d, "tools: Tools;");
    for key in [
        "onPrint?: (line: string) => void;",
        "fuel?: number;",
        "maxDepth?: number;",
        "signal?: AbortSignal;",
        "toolTimeoutMs?: number;",
    ] {
        has_line(d, key);
    }
}

#[test]
fn issue11_item4_typed_tools_get_their_signature() {
    let mut i = iface(PROGRAM);
    i.tools = vec![
        ToolSig {
            qualified: "llm.chat".into(),
            alias: "Chat".into(),
            params: Some(vec![
                param("prompt", Ty::String),
                Param {
                    name: "max_tokens".into(),
                    ty: Ty::Int,
                    has_default: true,
                },
            ]),
            ret: Some(Ty::Record("Point".into())),
        },
        ToolSig {
            qualified: "log.it".into(),
            alias: "Log".into(),
            params: Some(vec![]),
            ret: Some(Ty::Null),
        },
    ];
    let d = generate(&i, b"", &Options::default()).dts;
    // Defaults are filled in at the call site, so the tool always receives them.
    has_line(
        &d,
        "\"llm.chat\": (args: { prompt: string; max_tokens: number | bigint }, context: ToolCallContext) => Point | Promise<Point>;",
    );
    has_line(
        &d,
        "* Lumen: `use tool llm.chat as Chat(prompt: String, max_tokens: Int = ...) -> Point`",
    );
    has_line(
        &d,
        "\"log.it\": (args: {}, context: ToolCallContext) => null | void | Promise<null | void>;",
    );
}

#[test]
fn issue11_item3_without_tools_the_options_are_optional() {
    let g = gen("pub cell f(a: Int) -> Int\n  a\nend\n");
    has_line(&g.dts, "export interface Tools {}");
    has_line(&g.dts, "tools?: Tools;");
    has_line(
        &g.dts,
        "export declare function f(a: number | bigint, options?: Options): Promise<number | bigint>;",
    );
}

#[test]
fn issue11_item3_main_is_exported_when_nothing_is_pub() {
    let g = gen("cell main(name: String)\n  print(name)\nend\n");
    has_line(&g.js, "export async function main(name, options) {");
    has_line(
        &g.dts,
        "export declare function main(name: string, options?: Options): Promise<null>;",
    );
}

#[test]
fn issue11_item3_reserved_and_clashing_names_get_a_safe_spelling() {
    let i = Interface {
        cells: vec![
            cell("delete", vec![param("class", Ty::Int)], Ty::Int),
            cell("delete_", vec![param("options", Ty::Int)], Ty::Int),
            cell("LumenError", vec![param("arguments", Ty::Int)], Ty::Int),
            cell("require", vec![], Ty::Record("Promise".into())),
        ],
        records: vec![
            RecordDef {
                name: "Promise".into(),
                fields: vec![("default".into(), Ty::Int)],
                defaults: vec![],
            },
            RecordDef {
                name: "Options".into(),
                fields: vec![],
                defaults: vec![],
            },
        ],
        enums: vec![EnumDef {
            name: "string".into(),
            variants: vec![VariantDef {
                name: "new".into(),
                fields: vec![],
            }],
        }],
        tools: vec![],
    };
    let g = generate(&i, b"", &Options::default());
    has_line(&g.js, "export async function delete_(class_, options) {");
    has_line(&g.js, "return $call(\"delete\", [class_], options);");
    has_line(&g.js, "export async function delete__(options, options_) {");
    has_line(&g.js, "return $call(\"delete_\", [options], options_);");
    has_line(
        &g.js,
        "export async function LumenError_(arguments_, options) {",
    );
    has_line(&g.js, "export async function require_(options) {");
    has_line(&g.cjs, "exports.require_ = require_;");
    has_line(&g.dts, "export interface Promise_ {");
    has_line(&g.dts, "default: number | bigint;");
    has_line(&g.dts, "export interface Options_ {");
    has_line(&g.dts, "export type string_ =");
    has_line(&g.dts, "| \"new\";");
    has_line(
        &g.dts,
        "export declare function require_(options?: Options): Promise<Promise_>;",
    );
}

#[test]
fn issue11_item3_doc_comments_cannot_end_the_comment_early() {
    let mut i = iface(PROGRAM);
    if let Some(c) = i.cells.first_mut() {
        c.doc = Some("a */ b".into());
    }
    let g = generate(&i, b"", &Options::default());
    has_line(&g.js, "* a *\\/ b");
    assert!(!g.js.contains("a */ b"));
}

#[test]
fn issue11_item3_runtime_specifiers_and_file_name_are_options() {
    let opts = Options {
        runtime: "../rt/index.js".into(),
        runtime_cjs: "../rt/index.cjs".into(),
        filename: "shop \"v2\".lm.md".into(),
        runtime_types: None,
        runtime_cjs_types: Some("../rt/types.cjs".into()),
    };
    let g = generate(&iface(PROGRAM), b"", &opts);
    has_line(
        &g.js,
        "import { run as $run, LumenError, init } from \"../rt/index.js\";",
    );
    has_line(
        &g.cjs,
        "const { run: $run, LumenError, init } = require(\"../rt/index.cjs\");",
    );
    has_line(&g.js, "const $FILE = \"shop \\\"v2\\\".lm.md\";");
    has_line(
        &g.dcts,
        "export { LumenError, init } from \"../rt/types.cjs\";",
    );
    has_line(
        &g.dts,
        "export { LumenError, init } from \"../rt/index.js\";",
    );
}

#[test]
fn issue11_item3_duplicate_type_names_and_tools_are_declared_once() {
    let mut i = iface(PROGRAM);
    i.records.push(i.records[0].clone());
    let chat = i.tools[0].clone();
    i.tools.push(ToolSig {
        alias: "Chat2".into(),
        ..chat.clone()
    });
    i.tools.push(ToolSig {
        alias: "Chat3".into(),
        ret: Some(Ty::String),
        ..chat
    });
    let g = generate(&i, b"", &Options::default());
    assert_eq!(g.dts.matches("export interface Point {").count(), 1);
    assert_eq!(g.warnings.len(), 1, "{:?}", g.warnings);
    assert!(g.warnings[0].contains("`Point`"));
    // Two signatures of one tool: the one function must satisfy both.
    assert_eq!(g.dts.matches("\"llm.chat\":").count(), 1);
    has_line(
        &g.dts,
        "\"llm.chat\": ((args: { [name: string]: JsonValue }, context: ToolCallContext) => JsonValue | Promise<JsonValue>) & ((args: { [name: string]: JsonValue }, context: ToolCallContext) => string | Promise<string>);",
    );
}

#[test]
fn issue11_item3_deep_types_do_not_overflow() {
    let mut ty = Ty::Int;
    for _ in 0..1_000 {
        ty = Ty::List(Box::new(ty));
    }
    let i = Interface {
        cells: vec![cell("deep", vec![param("x", ty.clone())], Ty::Int)],
        records: vec![],
        enums: vec![],
        tools: vec![],
    };
    let g = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || generate(&i, b"", &Options::default()))
        .and_then(|h| h.join().map_err(|_| std::io::Error::other("panicked")));
    let g = match g {
        Ok(g) => g,
        Err(e) => panic!("generate failed: {e}"),
    };
    assert!(g.dts.contains("unknown"));
    // Dropping the deep type recurses in Box's drop; do it on a big stack.
    std::mem::forget(ty);
}

#[test]
fn issue11_newuser_item2_program_entries_re_export_the_runtimes_init() {
    let g = gen("pub cell f() -> Int\n  1\nend\n");
    has_line(&g.js, "export { LumenError, init };");
    has_line(&g.cjs, "exports.init = init;");
    has_line(
        &g.dts,
        "export { LumenError, init } from \"./lumen_wasm.js\";",
    );
    has_line(
        &g.dts,
        "export type { ToolCallContext, InitInput } from \"./lumen_wasm.js\";",
    );
    has_line(
        &g.dcts,
        "export { LumenError, init } from \"./lumen_wasm.cjs\";",
    );
    // A cell named `init` gets another spelling instead of clashing.
    let g = gen("pub cell init() -> Int\n  1\nend\n");
    has_line(&g.js, "export async function init_(options) {");
}

#[test]
fn issue11_newuser_item7_the_wrapper_checks_for_an_options_object_in_an_arguments_place() {
    let g = gen("record P\n  x: Int\nend\npub cell greet(p: P, style: String = \"x\") -> String\n  style\nend\npub cell zero() -> Int\n  0\nend\n");
    for js in [&g.js, &g.cjs] {
        has_line(
            js,
            "$arity(\"greet\", [[\"p\", false], [\"style\", true]], arguments);",
        );
        has_line(
            js,
            "const $OPTIONS = [\"tools\", \"onPrint\", \"fuel\", \"maxDepth\", \"signal\", \"toolTimeoutMs\"];",
        );
        assert!(js.contains("has a default in Lumen but must be passed from JavaScript"));
        // A cell without parameters has nothing to check.
        assert!(!js.contains("$arity(\"zero\""), "{js}");
    }
}
