//! Entry-cell arguments, shared by every host: the arity check and per-argument error
//! messages (E0913 texts). Each host converts one raw argument its own way (the CLI from
//! command-line text, JavaScript hosts from JSON values).

use lumen_vm::lir::{Function, Module};
use lumen_vm::value::Value;

/// Converts `raw` to the arguments of the cell `func` with `convert(raw, parameter type)`:
/// a count that does not match the cell's arity, or an argument that does not convert, is
/// an error naming the cell's parameters.
pub fn convert_args<R>(
    func: &Function,
    raw: &[R],
    convert: impl Fn(&R, &str) -> Result<Value, String>,
) -> Result<Vec<Value>, String> {
    let ty = |i: usize| func.param_types.get(i).map(String::as_str).unwrap_or("");
    let name = |i: usize| func.params.get(i).map(String::as_str).unwrap_or("?");
    let arity = usize::from(func.arity);
    if raw.len() != arity {
        let params: Vec<String> = (0..arity)
            .map(|i| format!("{}: {}", name(i), ty(i)))
            .collect();
        return Err(format!(
            "cell `{}` takes {} argument{} ({}), got {}",
            func.name,
            arity,
            if arity == 1 { "" } else { "s" },
            params.join(", "),
            raw.len()
        ));
    }
    raw.iter()
        .enumerate()
        .map(|(i, r)| {
            convert(r, ty(i)).map_err(|e| {
                format!(
                    "argument {} (`{}: {}`) of cell `{}`: {e}",
                    i + 1,
                    name(i),
                    ty(i),
                    func.name
                )
            })
        })
        .collect()
}

/// The message for a missing entry cell, listing the cells the module exports.
pub fn no_cell_message(module: &Module, cell: &str) -> String {
    let mut cells: Vec<&str> = module
        .functions
        .iter()
        .filter(|f| f.exported)
        .map(|f| f.name.as_str())
        .collect();
    cells.sort_unstable();
    cells.dedup();
    let list = if cells.is_empty() {
        "none".to_string()
    } else {
        cells.join(", ")
    };
    format!("no cell named `{cell}` to run (cells: {list})")
}
