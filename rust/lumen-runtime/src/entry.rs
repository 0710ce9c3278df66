//! Entry-cell arguments, shared by every host: finding the cell, the arity check and
//! per-argument error messages (E0913 texts). Each host converts one raw argument its own
//! way: JavaScript hosts from JSON values, command-line hosts (`lumen run FILE -- ARGS`
//! and the WASI app) from text with [`convert_cli_args`], by the declared types
//! (docs/LANGUAGE.md, decision 26):
//!
//! - `Int`, `Float`, `Bool` (`true`/`false`), `String`: parsed as such (`Float` accepts
//!   integers: `2` is `2.0`);
//! - `Json`: parsed as JSON when it is valid JSON, otherwise taken as a string;
//! - `T?`: the text `null` is null, anything else converts as `T`;
//! - other types (`list[Int]`, `map[String, Int]`, ...): the argument must be JSON;
//! - a cell whose only parameter is `list[String]` receives all arguments as a list.

use lumen_vm::error::{codes, RuntimeError};
use lumen_vm::json::from_serde;
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

/// `names` sorted, each once. Every cold list of names (cells, tools) is sorted here, so
/// the runtime holds one instantiation of the sort for them (size, issue 13 point 5).
pub fn sort_names(mut names: Vec<String>) -> Vec<String> {
    names.sort_unstable();
    names.dedup();
    names
}

/// The message for a missing entry cell, listing the cells the module exports.
pub fn no_cell_message(module: &Module, cell: &str) -> String {
    let cells = sort_names(
        module
            .functions
            .iter()
            .filter(|f| f.exported)
            .map(|f| f.name.clone())
            .collect(),
    );
    let list = if cells.is_empty() {
        "none".to_string()
    } else {
        cells.join(", ")
    };
    format!("no cell named `{cell}` to run (cells: {list})")
}

/// The exported cell `cell` of `module`, or the message for a missing one
/// ([`no_cell_message`]).
pub fn find_cell<'m>(module: &'m Module, cell: &str) -> Result<&'m Function, String> {
    module
        .functions
        .iter()
        .find(|f| f.exported && f.name == cell)
        .ok_or_else(|| no_cell_message(module, cell))
}

/// An E0913 error (bad entry cell arguments), not tied to a source line.
pub fn bad_entry(message: String) -> RuntimeError {
    RuntimeError::plain(codes::BAD_ENTRY, message)
}

/// Converts one command-line argument for a parameter of type `ty` (as written in the
/// source).
pub fn convert_cli_arg(raw: &str, ty: &str) -> Result<Value, String> {
    let ty: String = ty.chars().filter(|c| !c.is_whitespace()).collect();
    if let Some(inner) = ty.strip_suffix('?') {
        if raw == "null" {
            return Ok(Value::Null);
        }
        return convert_cli_arg(raw, inner);
    }
    match ty.as_str() {
        "Int" => raw
            .trim()
            .parse::<i64>()
            .map(Value::Int)
            .map_err(|_| format!("expected an Int, got `{raw}`")),
        "Float" => raw
            .trim()
            .parse::<f64>()
            .map(Value::Float)
            .map_err(|_| format!("expected a Float, got `{raw}`")),
        "Bool" => match raw.trim() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("expected `true` or `false`, got `{raw}`")),
        },
        "String" | "" => Ok(Value::str(raw)),
        "Null" if raw == "null" => Ok(Value::Null),
        "Json" => Ok(serde_json::from_str::<serde_json::Value>(raw)
            .map(|j| from_serde(&j))
            .unwrap_or_else(|_| Value::str(raw))),
        other => serde_json::from_str::<serde_json::Value>(raw)
            .map(|j| from_serde(&j))
            .map_err(|_| format!("a `{other}` parameter takes a JSON argument, got `{raw}`")),
    }
}

/// Converts all command-line arguments for the cell `func`.
pub fn convert_cli_args(func: &Function, raw: &[String]) -> Result<Vec<Value>, String> {
    let single_list = func.arity == 1 && {
        let first = func.param_types.first().map(String::as_str).unwrap_or("");
        let t: String = first.chars().filter(|c| !c.is_whitespace()).collect();
        t == "list[String]"
    };
    if single_list {
        return Ok(vec![Value::list(
            raw.iter().map(|s| Value::str(s.as_str())).collect(),
        )]);
    }
    convert_args(func, raw, |r: &String, t| convert_cli_arg(r, t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn func(params: &[(&str, &str)]) -> Function {
        Function {
            name: "main".into(),
            file: 0,
            arity: params.len() as u16,
            params: params.iter().map(|(n, _)| n.to_string()).collect(),
            param_types: params.iter().map(|(_, t)| t.to_string()).collect(),
            captures: 0,
            num_regs: params.len() as u16,
            exported: true,
            code: Vec::new(),
            positions: Vec::new(),
        }
    }

    fn show(v: &[Value]) -> Vec<String> {
        v.iter().map(|x| x.to_repr()).collect()
    }

    #[test]
    fn scalars() {
        let f = func(&[("n", "Int"), ("x", "Float"), ("b", "Bool"), ("s", "String")]);
        let raw: Vec<String> = ["42", "2", "true", "hi there"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let v = convert_cli_args(&f, &raw).unwrap();
        assert_eq!(show(&v), ["42", "2.0", "true", "\"hi there\""]);
    }

    #[test]
    fn json_optional_and_structured() {
        assert_eq!(
            convert_cli_arg("[1, 2]", "Json").unwrap().to_repr(),
            "[1, 2]"
        );
        assert_eq!(
            convert_cli_arg("plain text", "Json").unwrap().to_repr(),
            "\"plain text\""
        );
        assert!(convert_cli_arg("null", "Int?").unwrap().is_null());
        assert_eq!(convert_cli_arg("3", "Int?").unwrap().to_repr(), "3");
        assert_eq!(
            convert_cli_arg("[1,2]", "list[Int]").unwrap().to_repr(),
            "[1, 2]"
        );
        assert!(convert_cli_arg("nope", "list[Int]").is_err());
    }

    #[test]
    fn single_list_of_strings_takes_everything() {
        let f = func(&[("args", "list[ String ]")]);
        let raw: Vec<String> = vec!["a".into(), "b".into()];
        assert_eq!(
            show(&convert_cli_args(&f, &raw).unwrap()),
            ["[\"a\", \"b\"]"]
        );
        assert_eq!(show(&convert_cli_args(&f, &[]).unwrap()), ["[]"]);
    }

    #[test]
    fn errors_name_the_parameter() {
        let f = func(&[("n", "Int")]);
        let e = convert_cli_args(&f, &["x".into()]).unwrap_err();
        assert!(e.contains("`n: Int`") && e.contains("`x`"), "{e}");
        let e = convert_cli_args(&f, &[]).unwrap_err();
        assert!(e.contains("takes 1 argument (n: Int), got 0"), "{e}");
        assert!(convert_cli_arg("maybe", "Bool").is_err());
        assert!(convert_cli_arg("1.5", "Int").is_err());
    }
}
