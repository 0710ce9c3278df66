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

/** The properties of the options object. */
const $OPTIONS = {option_names};

/**
 * Throws a LumenError (E0913) when a call left out arguments and passed the options
 * object in their place (`greet(p, {{ tools }})` for `greet(p: Person, style: String = "x")`):
 * a Lumen default does not make a JavaScript argument optional, so every argument must be
 * passed. `params` lists each parameter's Lumen name and whether it has a default.
 */
function $arity(cell, params, given) {{
  const n = params.length;
  if (given.length === 0 || given.length > n) return;
  const last = given[given.length - 1];
  if (last === null || typeof last !== "object" || Array.isArray(last)) return;
  const proto = Object.getPrototypeOf(last);
  if (proto !== Object.prototype && proto !== null) return;
  const keys = Object.keys(last);
  if (keys.length === 0 || !keys.every((k) => $OPTIONS.includes(k))) return;
  const got = given.length - 1;
  const names = params.map((p) => p[0]);
  const defaulted = params.slice(got).filter((p) => p[1]).map((p) => "`" + p[0] + "`");
  const why =
    defaulted.length === 0
      ? ""
      : defaulted.length === 1
        ? `: parameter ${{defaulted[0]}} has a default in Lumen but must be passed from JavaScript`
        : `: parameters ${{defaulted.join(", ")}} have defaults in Lumen but must be passed from JavaScript`;
  const message =
    `${{cell}}() takes ${{n}} argument${{n === 1 ? "" : "s"}} (${{names.join(", ")}}) before the options ` +
    `object, got ${{got}}${{why}}`;
  const e = new Error(message);
  Object.setPrototypeOf(e, LumenError.prototype);
  Object.defineProperty(e, "name", {{ value: "LumenError", configurable: true, writable: true }});
  e.kind = "runtime";
  e.code = "E0913";
  e.file = $FILE;
  e.rendered = {bad_entry_rendered};
  throw e;
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
        option_names = option_names(),
        bad_entry_rendered = bad_entry_rendered(),
    )
}

/// A JavaScript template literal rendering the E0913 error of a call with the wrong
/// arguments (`message`) as `lumen run` does, about the whole file (`$FILE`): made by the
/// one renderer (`lumen_report`) with placeholders, so the generated code prints the same
/// bytes as every other host.
fn bad_entry_rendered() -> String {
    const MESSAGE: &str = "\u{1}";
    const FILE: &str = "\u{2}";
    let text = lumen_report::runtime_text(
        &lumen_report::RuntimeReport::in_file("E0913", MESSAGE, FILE),
        lumen_report::Painter::PLAIN,
    );
    let mut out = String::from("`");
    for c in text.chars() {
        match c {
            '\u{1}' => out.push_str("${message}"),
            '\u{2}' => out.push_str("${$FILE}"),
            '`' | '\\' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('`');
    out
}

/// `["tools", "onPrint", ...]`: the options object's properties, as a JS array literal.
fn option_names() -> String {
    let names: Vec<String> = std::iter::once("tools")
        .chain(crate::RUN_OPTIONS.iter().map(|o| o.name))
        .map(string_literal)
        .collect();
    format!("[{}]", names.join(", "))
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
    // The options object passed where an argument was left out (see `$arity`).
    let arity = if cell.sig.params.is_empty() {
        String::new()
    } else {
        let params: Vec<String> = cell
            .sig
            .params
            .iter()
            .map(|p| format!("[{}, {}]", string_literal(&p.name), p.has_default))
            .collect();
        format!(
            "  $arity({}, [{}], arguments);\n",
            string_literal(&cell.js_name),
            params.join(", ")
        )
    };
    format!(
        "{doc}{export}async function {name}({all}) {{\n{arity}  return $call({cell}, [{args}], {options});\n}}\n",
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
                "import {{ run as $run, LumenError, init }} from {};\n\nexport {{ LumenError, init }};\n\n",
                string_literal(&opts.runtime)
            ));
        }
        Flavour::Cjs => {
            out.push_str(&format!(
                "\"use strict\";\n\nconst {{ run: $run, LumenError, init }} = require({});\n\n",
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
        out.push_str("\nexports.LumenError = LumenError;\nexports.init = init;\n");
        for cell in &plan.cells {
            out.push_str(&format!("exports.{0} = {0};\n", cell.js_name));
        }
    }
    out
}

#[cfg(test)]
mod rendered_tests {
    #[test]
    fn bad_entry_template_is_the_renderers_text_with_placeholders() {
        assert_eq!(
            super::bad_entry_rendered(),
            "`error[E0913]: ${message}\\n  --> ${$FILE}`"
        );
    }
}
