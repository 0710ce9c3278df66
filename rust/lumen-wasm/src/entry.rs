//! Converting host arguments (JSON values, from JavaScript) to the entry cell's parameters.
//! When the LIR declares the cell's parameter types (`Module::entry_types`, every cell of
//! the root file) the VM converts by them (`lumen_vm::Vm::convert_entry_arg`: records,
//! enums and results too, with a typed tool result's rules). Otherwise the parameter types
//! as written in the source direct the conversion here:
//!
//! - `Int`: an integer number (a float with no fractional part counts); `Float`: any number;
//!   `Bool`, `String`: as such; `Null`: null; `T?`: null, or converted as `T`;
//! - `list[T]`, `tuple[A, B]`, `map[K, V]`: arrays / objects converted element by element
//!   (`map[Int, V]` keys must be decimal integers);
//! - `Json`, records, enums and anything else: the JSON value as is (integers become `Int`,
//!   other numbers `Float`, objects maps).

use lumen_vm::json::from_serde;
use lumen_vm::lir::Function;
use lumen_vm::value::{MapKey, MapObj, Value};
use serde_json::Value as J;
use std::rc::Rc;

/// Splits `a, map[b, c], d` at its top-level commas.
fn split_top(list: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in list.char_indices() {
        match c {
            '[' | '(' => depth += 1,
            ']' | ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(list.get(start..i).unwrap_or(""));
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(list.get(start..).unwrap_or(""));
    parts
}

/// `list[T]` → `Some(("list", "T"))`.
fn generic<'a>(ty: &'a str, name: &str) -> Option<&'a str> {
    ty.strip_prefix(name)?.strip_prefix('[')?.strip_suffix(']')
}

fn describe(j: &J) -> String {
    let text = j.to_string();
    if text.chars().count() > 40 {
        let short: String = text.chars().take(40).collect();
        format!("{short}...")
    } else {
        text
    }
}

/// The integer a JSON number stands for, when it is one.
fn as_integer(j: &J) -> Option<i64> {
    if let Some(i) = j.as_i64() {
        return Some(i);
    }
    let f = j.as_f64()?;
    // 2^63 is exactly representable; anything at or beyond it does not fit.
    if f.fract() == 0.0 && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
        Some(f as i64)
    } else {
        None
    }
}

/// Converts one value for a parameter of type `ty`.
pub fn convert(j: &J, ty: &str) -> Result<Value, String> {
    let ty: String = ty.chars().filter(|c| !c.is_whitespace()).collect();
    convert_typed(j, &ty, 0)
}

fn convert_typed(j: &J, ty: &str, depth: usize) -> Result<Value, String> {
    if depth > 64 {
        return Ok(from_serde(j));
    }
    if let Some(inner) = ty.strip_suffix('?') {
        if j.is_null() {
            return Ok(Value::Null);
        }
        return convert_typed(j, inner, depth + 1);
    }
    let wrong = |what: &str| Err(format!("expected {what}, got {}", describe(j)));
    match ty {
        "Int" => match as_integer(j) {
            Some(i) => Ok(Value::Int(i)),
            None => wrong("an Int"),
        },
        "Float" => match j.as_f64() {
            Some(f) => Ok(Value::Float(f)),
            None => wrong("a Float"),
        },
        "Bool" => match j.as_bool() {
            Some(b) => Ok(Value::Bool(b)),
            None => wrong("a Bool"),
        },
        "String" => match j.as_str() {
            Some(s) => Ok(Value::str(s)),
            None => wrong("a String"),
        },
        "Null" => match j {
            J::Null => Ok(Value::Null),
            _ => wrong("null"),
        },
        _ => {
            if let Some(elem) = generic(ty, "list") {
                let Some(items) = j.as_array() else {
                    return wrong("an array");
                };
                let values = items
                    .iter()
                    .map(|x| convert_typed(x, elem, depth + 1))
                    .collect::<Result<Vec<_>, _>>()?;
                return Ok(Value::list(values));
            }
            if let Some(list) = generic(ty, "tuple") {
                let types = split_top(list);
                let Some(items) = j.as_array().filter(|a| a.len() == types.len()) else {
                    return wrong(&format!("an array of {} elements", types.len()));
                };
                let values = items
                    .iter()
                    .zip(types)
                    .map(|(x, t)| convert_typed(x, t, depth + 1))
                    .collect::<Result<Vec<_>, _>>()?;
                return Ok(Value::tuple(values));
            }
            if let Some(list) = generic(ty, "map") {
                let types = split_top(list);
                let (Some(key_ty), Some(val_ty)) = (types.first(), types.get(1)) else {
                    return Ok(from_serde(j));
                };
                let Some(obj) = j.as_object() else {
                    return wrong("an object");
                };
                let mut m = MapObj::with_capacity(obj.len());
                for (k, x) in obj {
                    let key = if *key_ty == "Int" {
                        match k.trim().parse::<i64>() {
                            Ok(i) => MapKey::Int(i),
                            Err(_) => return Err(format!("expected an Int map key, got `{k}`")),
                        }
                    } else {
                        MapKey::from(k.as_str())
                    };
                    m.insert(key, convert_typed(x, val_ty, depth + 1)?);
                }
                return Ok(Value::Map(Rc::new(m)));
            }
            Ok(from_serde(j))
        }
    }
}

/// Converts all arguments for the cell `func` (an E0913 message when they do not fit).
/// `typed(i, arg)` converts argument `i` by the cell's declared parameter type when the
/// module has it (`lumen_vm::Vm::convert_entry_arg`: records, enums and results too), and
/// returns `None` otherwise, when [`convert`] goes by the parameter's type text.
/// `unconvertible` lists the arguments the host could not express as JSON (index, reason);
/// they are reported like any other argument that does not fit its parameter.
pub fn convert_all(
    func: &Function,
    raw: &[J],
    unconvertible: &[(usize, String)],
    typed: impl Fn(usize, &J) -> Option<Result<Value, String>>,
) -> Result<Vec<Value>, String> {
    let raw: Vec<(usize, &J)> = raw.iter().enumerate().collect();
    lumen_runtime::entry::convert_args(func, &raw, |(i, j), ty| {
        match unconvertible.iter().find(|(k, _)| k == i) {
            Some((_, why)) => Err(format!("got {why}")),
            None => typed(*i, j).unwrap_or_else(|| convert(j, ty)),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn repr(j: J, ty: &str) -> String {
        convert(&j, ty)
            .map(|v| v.to_repr())
            .unwrap_or_else(|e| format!("error: {e}"))
    }

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

    #[test]
    fn scalars_follow_the_parameter_type() {
        assert_eq!(repr(json!(3), "Int"), "3");
        assert_eq!(repr(json!(3.0), "Int"), "3");
        assert_eq!(repr(json!(3), "Float"), "3.0");
        assert_eq!(repr(json!(2.5), "Float"), "2.5");
        assert_eq!(repr(json!(true), "Bool"), "true");
        assert_eq!(repr(json!("hi"), "String"), "\"hi\"");
        assert_eq!(repr(json!(null), "Int?"), "null");
        assert_eq!(repr(json!(4), " Int ?"), "4");
        assert!(repr(json!(2.5), "Int").starts_with("error: expected an Int"));
        assert!(repr(json!(1e300), "Int").starts_with("error"));
        assert!(repr(json!("x"), "Bool").starts_with("error"));
        assert!(repr(json!(1), "String").starts_with("error"));
    }

    #[test]
    fn structured_types_convert_elements() {
        assert_eq!(repr(json!([1, 2]), "list[Float]"), "[1.0, 2.0]");
        assert_eq!(repr(json!([1, null]), "list[Int?]"), "[1, null]");
        assert_eq!(
            repr(json!([1, "a"]), "tuple[Float, String]"),
            "(1.0, \"a\")"
        );
        assert_eq!(repr(json!({"1": 2}), "map[Int, Float]"), "{1: 2.0}");
        assert_eq!(
            repr(json!({"a": [1]}), "map[String, list[Int]]"),
            "{\"a\": [1]}"
        );
        assert!(repr(json!({"x": 2}), "map[Int, Int]").contains("map key"));
        assert!(repr(json!([1]), "tuple[Int, Int]").contains("2 elements"));
        assert_eq!(repr(json!({"k": [1, 2.5]}), "Json"), "{\"k\": [1, 2.5]}");
    }

    /// No declared entry types: convert by the type text.
    fn untyped(_: usize, _: &J) -> Option<Result<Value, String>> {
        None
    }

    #[test]
    fn arity_and_errors_name_the_parameter() {
        let f = func(&[("n", "Int")]);
        let e = convert_all(&f, &[], &[], untyped).unwrap_err();
        assert_eq!(e, "cell `main` takes 1 argument (n: Int), got 0");
        let e = convert_all(&f, &[json!("x")], &[], untyped).unwrap_err();
        assert_eq!(
            e,
            "argument 1 (`n: Int`) of cell `main`: expected an Int, got \"x\""
        );
        let e =
            convert_all(&f, &[json!(null)], &[(0, "a Map at `$`".into())], untyped).unwrap_err();
        assert_eq!(e, "argument 1 (`n: Int`) of cell `main`: got a Map at `$`");
        let v = convert_all(&f, &[json!(7)], &[], untyped).unwrap();
        assert_eq!(v.first().map(Value::to_repr).as_deref(), Some("7"));
        assert_eq!(split_top("a, map[b, c], d"), vec!["a", " map[b, c]", " d"]);
    }
}
