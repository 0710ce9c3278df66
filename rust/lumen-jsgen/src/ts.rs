//! Lumen types as TypeScript type expressions.
//!
//! One mapping serves arguments, results and tool signatures alike, because each type
//! crosses the boundary the same way in both directions (see the crate docs): `Int` is
//! `number | bigint` everywhere (a result is a `number` when |n| ≤ 2^53 − 1 and a `bigint`
//! beyond, which no static type can tell apart), records are the exported interfaces,
//! enums the exported unions.

use lumen_compiler::interface::Ty;
use std::collections::BTreeMap;

/// Nesting beyond which a type is written `unknown` (checked types nest at most 100 deep).
const MAX_DEPTH: usize = 128;

/// The TypeScript spelling of each record and enum name (see [`crate::names`]).
pub type TypeNames = BTreeMap<String, String>;

/// The TypeScript type of `ty`.
pub fn ts_type(ty: &Ty, names: &TypeNames) -> String {
    write(ty, names, 0)
}

fn write(ty: &Ty, names: &TypeNames, depth: usize) -> String {
    if depth > MAX_DEPTH {
        return "unknown".to_string();
    }
    let inner = |t: &Ty| write(t, names, depth + 1);
    match ty {
        Ty::Int => "number | bigint".to_string(),
        Ty::Float => "number".to_string(),
        Ty::String => "string".to_string(),
        Ty::Bool => "boolean".to_string(),
        Ty::Json => "JsonValue".to_string(),
        Ty::Null => "null".to_string(),
        Ty::Never => "never".to_string(),
        Ty::List(t) => {
            let elem = inner(t);
            if elem.contains(' ') {
                format!("({elem})[]")
            } else {
                format!("{elem}[]")
            }
        }
        Ty::Map(k, v) => {
            // Int keys arrive as their decimal text; a number index signature says so and
            // still accepts `{ 1: x }` literals.
            let key = if **k == Ty::Int { "number" } else { "string" };
            format!("{{ [key: {key}]: {} }}", inner(v))
        }
        Ty::Tuple(ts) => {
            let items: Vec<String> = ts.iter().map(inner).collect();
            format!("[{}]", items.join(", "))
        }
        Ty::Optional(t) => format!("{} | null", inner(t)),
        Ty::Union(ts) => {
            let items: Vec<String> = ts.iter().map(inner).collect();
            items.join(" | ")
        }
        Ty::Result(t, e) => format!("{{ ok: {} }} | {{ err: {} }}", inner(t), inner(e)),
        Ty::Record(name) | Ty::Enum(name) => match names.get(name) {
            Some(ts) => ts.clone(),
            // Every name an interface uses has a definition; this is only defensive.
            None => "JsonValue".to_string(),
        },
        // A function crosses as its display text (`"<fn name>"`); it cannot be passed in.
        Ty::Fn(..) => "string".to_string(),
    }
}
