//! Lumen signatures as Lumen source text, for the doc comments of the generated code.

use lumen_compiler::interface::{Param, Ty};

/// `list[map[String, Int]]`, as a Lumen program writes it.
pub fn type_text(ty: &Ty) -> String {
    ty.lumen_text()
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
