//! The TypeScript declarations of the entry module (`.d.ts` for the ESM entry, `.d.cts`
//! for the CommonJS one: the same text importing the runtime's matching entry).

use crate::js::cell_doc;
use crate::lumen::{params_text, type_text};
use crate::names::{comment_text, property_key, string_literal};
use crate::plan::{Plan, Tool};
use crate::ts::ts_type;
use crate::Options;
use lumen_compiler::interface::{ToolSig, Ty};

const JSON_VALUE: &str = "/**
 * Any JSON value (a Lumen `Json`). Integers beyond 2^53 - 1 come out of a run as `bigint`
 * and may go in as one.
 */
export type JsonValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };
";

fn records(plan: &Plan<'_>, out: &mut String) {
    for r in &plan.records {
        let name = plan.type_names.get(&r.name).cloned().unwrap_or_default();
        out.push_str(&format!(
            "\n/** Lumen record `{}` (a plain object of its fields). */\nexport interface {name} {{\n",
            comment_text(&r.name)
        ));
        for (field, ty) in &r.fields {
            out.push_str(&format!(
                "  {}: {};\n",
                property_key(field),
                ts_type(ty, &plan.type_names)
            ));
        }
        out.push_str("}\n");
    }
}

fn enums(plan: &Plan<'_>, out: &mut String) {
    for e in &plan.enums {
        let name = plan.type_names.get(&e.name).cloned().unwrap_or_default();
        out.push_str(&format!(
            "\n/**\n * Lumen enum `{}`: a payload-less variant is its name; one with a payload is\n * `{{ Variant: {{ field: value }} }}` (every field named) or `{{ Variant: [values] }}`.\n */\nexport type {name} =\n",
            comment_text(&e.name)
        ));
        if e.variants.is_empty() {
            out.push_str("  never;\n");
            continue;
        }
        let n = e.variants.len();
        for (i, v) in e.variants.iter().enumerate() {
            let end = if i + 1 == n { ";" } else { "" };
            let key = property_key(&v.name);
            let text = if v.fields.is_empty() {
                string_literal(&v.name)
            } else if v.fields.iter().all(|(n, _)| n.is_some()) {
                let fields: Vec<String> = v
                    .fields
                    .iter()
                    .map(|(n, t)| {
                        format!(
                            "{}: {}",
                            property_key(n.as_deref().unwrap_or("")),
                            ts_type(t, &plan.type_names)
                        )
                    })
                    .collect();
                format!("{{ {key}: {{ {} }} }}", fields.join("; "))
            } else {
                let items: Vec<String> = v
                    .fields
                    .iter()
                    .map(|(_, t)| ts_type(t, &plan.type_names))
                    .collect();
                format!("{{ {key}: [{}] }}", items.join(", "))
            };
            out.push_str(&format!("  | {text}{end}\n"));
        }
    }
}

/// The function type of one tool declaration.
fn tool_function(t: &ToolSig, plan: &Plan<'_>) -> String {
    let args = match &t.params {
        None => "{ [name: string]: JsonValue }".to_string(),
        Some(ps) if ps.is_empty() => "{}".to_string(),
        // Defaults are filled in at the call site: the tool always receives every argument.
        Some(ps) => {
            let fields: Vec<String> = ps
                .iter()
                .map(|p| {
                    format!(
                        "{}: {}",
                        property_key(&p.name),
                        ts_type(&p.ty, &plan.type_names)
                    )
                })
                .collect();
            format!("{{ {} }}", fields.join("; "))
        }
    };
    let ret = match &t.ret {
        None => "JsonValue".to_string(),
        // A function that returns nothing gives `undefined`, which becomes null.
        Some(Ty::Null) => "null | void".to_string(),
        Some(ty) => ts_type(ty, &plan.type_names),
    };
    format!("(args: {args}, context: ToolCallContext) => {ret} | Promise<{ret}>")
}

fn declaration_text(t: &ToolSig) -> String {
    let mut text = format!("use tool {} as {}", t.qualified, t.alias);
    if let Some(ps) = &t.params {
        text.push_str(&params_text(ps));
    }
    if let Some(r) = &t.ret {
        text.push_str(&format!(" -> {}", type_text(r)));
    }
    text
}

fn tool_entry(tool: &Tool<'_>, plan: &Plan<'_>) -> String {
    let mut out = String::from("  /**\n");
    for d in &tool.decls {
        out.push_str(&format!(
            "   * Lumen: `{}`\n",
            comment_text(&declaration_text(d))
        ));
    }
    out.push_str("   */\n");
    let fns: Vec<String> = tool.decls.iter().map(|d| tool_function(d, plan)).collect();
    // Declared twice with different signatures: the one function serves both.
    let ty = if fns.len() == 1 {
        fns.concat()
    } else {
        fns.iter()
            .map(|f| format!("({f})"))
            .collect::<Vec<_>>()
            .join(" & ")
    };
    out.push_str(&format!("  {}: {ty};\n", string_literal(tool.qualified)));
    out
}

fn options(plan: &Plan<'_>, out: &mut String) {
    out.push_str(
        "\n/**\n * The JavaScript functions that implement the program's tools, by qualified name:\n * every tool the program declares is required.\n */\n",
    );
    if plan.tools.is_empty() {
        out.push_str("export interface Tools {}\n");
    } else {
        out.push_str("export interface Tools {\n");
        for tool in &plan.tools {
            out.push_str(&tool_entry(tool, plan));
        }
        out.push_str("}\n");
    }
    let tools = if plan.tools.is_empty() {
        "  /** The program declares no tools. */\n  tools?: Tools;\n"
    } else {
        "  /** The program's tools (a missing one is also E0908 when the program calls it). */\n  tools: Tools;\n"
    };
    out.push_str(&format!(
        "\n/** The last argument of every exported function. */\nexport interface Options {{\n{tools}"
    ));
    for o in crate::RUN_OPTIONS {
        out.push_str(&format!("  /** {} */\n  {}?: {};\n", o.doc, o.name, o.ty));
    }
    out.push_str("}\n");
}

fn cells(plan: &Plan<'_>, out: &mut String) {
    let optional = if plan.tools.is_empty() { "?" } else { "" };
    for cell in &plan.cells {
        let mut params: Vec<String> = cell
            .params
            .iter()
            .zip(&cell.sig.params)
            .map(|(name, p)| format!("{name}: {}", ts_type(&p.ty, &plan.type_names)))
            .collect();
        params.push(format!("{}{optional}: Options", cell.options));
        out.push('\n');
        out.push_str(&cell_doc(cell, ""));
        out.push_str(&format!(
            "export declare function {}({}): Promise<{}>;\n",
            cell.js_name,
            params.join(", "),
            ts_type(&cell.sig.ret, &plan.type_names)
        ));
    }
}

/// The declarations, importing the runtime's types from `runtime`.
pub fn declarations(plan: &Plan<'_>, opts: &Options, runtime: &str) -> String {
    let rt = string_literal(runtime);
    let mut out = crate::header(opts);
    out.push_str(&format!(
        "import type {{ ToolCallContext }} from {rt};\n\nexport {{ LumenError, init }} from {rt};\nexport type {{ ToolCallContext, InitInput }} from {rt};\n\n"
    ));
    out.push_str(JSON_VALUE);
    records(plan, &mut out);
    enums(plan, &mut out);
    options(plan, &mut out);
    cells(plan, &mut out);
    out
}
