//! Lumen signatures as Lumen source text, for the doc comments of the generated code.

use lumen_compiler::interface::{Param, Ty};

/// Nesting beyond which a type is written `...`.
const MAX_DEPTH: usize = 128;

/// `list[map[String, Int]]`, as a Lumen program writes it.
pub fn type_text(ty: &Ty) -> String {
    write(ty, 0)
}

fn write(ty: &Ty, depth: usize) -> String {
    if depth > MAX_DEPTH {
        return "...".to_string();
    }
    let inner = |t: &Ty| write(t, depth + 1);
    let list = |ts: &[Ty]| ts.iter().map(inner).collect::<Vec<_>>().join(", ");
    match ty {
        Ty::Int => "Int".into(),
        Ty::Float => "Float".into(),
        Ty::String => "String".into(),
        Ty::Bool => "Bool".into(),
        Ty::Json => "Json".into(),
        Ty::Null => "Null".into(),
        Ty::Never => "Never".into(),
        Ty::List(t) => format!("list[{}]", inner(t)),
        Ty::Map(k, v) => format!("map[{}, {}]", inner(k), inner(v)),
        Ty::Tuple(ts) => format!("tuple[{}]", list(ts)),
        Ty::Optional(t) => match **t {
            Ty::Union(_) | Ty::Fn(..) => format!("({})?", inner(t)),
            _ => format!("{}?", inner(t)),
        },
        Ty::Union(ts) => ts.iter().map(inner).collect::<Vec<_>>().join(" | "),
        Ty::Result(t, e) => format!("result[{}, {}]", inner(t), inner(e)),
        Ty::Record(n) | Ty::Enum(n) => n.clone(),
        Ty::Fn(ps, r) => format!("fn({}) -> {}", list(ps), inner(r)),
    }
}

/// `(a: Int, b: String = ...)`.
pub fn params_text(params: &[Param]) -> String {
    let items: Vec<String> = params
        .iter()
        .map(|p| {
            let default = if p.has_default { " = ..." } else { "" };
            format!("{}: {}{default}", p.name, type_text(&p.ty))
        })
        .collect();
    format!("({})", items.join(", "))
}
