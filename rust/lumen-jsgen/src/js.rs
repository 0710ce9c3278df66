//! The JavaScript entry modules (ESM and CommonJS): the same code, two module syntaxes.

use crate::lumen::{params_text, type_text};
use crate::names::{comment_text, string_literal};
use crate::plan::{Cell, Plan};
use crate::Options;
use base64::Engine as _;

/// Which module syntax to write.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    Esm,
    Cjs,
}

/// The shared part: the embedded program, its decoder and the call helper. Every name the
/// generated code declares for itself starts with `$`, which no Lumen name contains.
fn runtime_part(lir: &[u8], opts: &Options) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(lir);
    format!(
        r#"/** The file name errors mention. */
const $FILE = {file};
/** The program's binary LIR, base64. */
const $LIR = "{b64}";
let $bytes;

/** The program's binary LIR, decoded on first use. */
function $lir() {{
  if ($bytes === undefined) {{
    const text = atob($LIR);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    $bytes = bytes;
  }}
  return $bytes;
}}

/** Where printed lines go when the caller gives no `onPrint`. */
function $print(line) {{
  console.log(line);
}}

/** Runs one cell and resolves to its value. */
async function $call(cell, args, options) {{
  if (options !== undefined && options !== null && typeof options !== "object") {{
    throw new TypeError(`the last argument of ${{cell}}() must be an options object`);
  }}
  const o = options ?? {{}};
  const result = await $run($lir(), {{
    filename: $FILE,
    cell,
    args,
    tools: o.tools,
    onPrint: o.onPrint ?? $print,
    fuel: o.fuel,
    maxDepth: o.maxDepth,
    signal: o.signal,
    toolTimeoutMs: o.toolTimeoutMs,
  }});
  return result.value;
}}
"#,
        file = string_literal(&opts.filename),
    )
}

/// The doc comment of a cell's function.
pub fn cell_doc(cell: &Cell<'_>, indent: &str) -> String {
    let mut lines = Vec::new();
    if let Some(doc) = &cell.sig.doc {
        lines.extend(doc.lines().map(comment_text));
        lines.push(String::new());
    }
    lines.push(comment_text(&format!(
        "Lumen: `cell {}{} -> {}`",
        cell.sig.name,
        params_text(&cell.sig.params),
        type_text(&cell.sig.ret)
    )));
    let mut out = format!("{indent}/**\n");
    for l in lines {
        if l.is_empty() {
            out.push_str(&format!("{indent} *\n"));
        } else {
            out.push_str(&format!("{indent} * {l}\n"));
        }
    }
    out.push_str(&format!("{indent} */\n"));
    out
}

fn cell_function(cell: &Cell<'_>, flavour: Flavour) -> String {
    let export = if flavour == Flavour::Esm {
        "export "
    } else {
        ""
    };
    let mut all = cell.params.clone();
    all.push(cell.options.clone());
    format!(
        "{doc}{export}async function {name}({all}) {{\n  return $call({cell}, [{args}], {options});\n}}\n",
        doc = cell_doc(cell, ""),
        name = cell.js_name,
        all = all.join(", "),
        cell = string_literal(&cell.sig.name),
        args = cell.params.join(", "),
        options = cell.options,
    )
}

/// The entry module in `flavour`'s syntax.
pub fn module(plan: &Plan<'_>, lir: &[u8], opts: &Options, flavour: Flavour) -> String {
    let mut out = String::new();
    out.push_str(&crate::header(opts));
    match flavour {
        Flavour::Esm => {
            out.push_str(&format!(
                "import {{ run as $run, LumenError }} from {};\n\nexport {{ LumenError }};\n\n",
                string_literal(&opts.runtime)
            ));
        }
        Flavour::Cjs => {
            out.push_str(&format!(
                "\"use strict\";\n\nconst {{ run: $run, LumenError }} = require({});\n\n",
                string_literal(&opts.runtime_cjs)
            ));
        }
    }
    out.push_str(&runtime_part(lir, opts));
    for cell in &plan.cells {
        out.push('\n');
        out.push_str(&cell_function(cell, flavour));
    }
    if flavour == Flavour::Cjs {
        out.push_str("\nexports.LumenError = LumenError;\n");
        for cell in &plan.cells {
            out.push_str(&format!("exports.{0} = {0};\n", cell.js_name));
        }
    }
    out
}
