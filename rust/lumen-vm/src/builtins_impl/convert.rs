//! `print`, the conversions (`to_string`, `to_int`, `to_float`, `type_of`) and JSON text
//! (`parse_json`, `to_json`).

use super::args::{arg, display, take_arg, want_str};
use super::numbers::float_to_int;
use crate::arith::Fault;
use crate::error::codes;
use crate::json;
use crate::limits::text_too_long;
use crate::value::Value;

/// `print(a, b, ...)`: one line to `out`.
pub(super) fn print(args: &[Value], out: &mut dyn FnMut(&str)) -> Result<Value, Fault> {
    let mut line = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            line.push(' ');
        }
        if crate::value::write_display(&mut line, a, 0, false).is_err() {
            return Err(text_too_long());
        }
    }
    out(&line);
    Ok(Value::Null)
}

pub(super) fn to_string(args: &mut [Value]) -> Result<Value, Fault> {
    Ok(match take_arg(args, 0) {
        s @ Value::Str(_) => s,
        Value::Int(i) => Value::str(crate::value::int_text(i)),
        v => Value::str(display(&v)?),
    })
}

pub(super) fn to_int(name: &str, args: &[Value]) -> Value {
    match arg(args, 0) {
        Value::Int(i) => Value::Int(*i),
        Value::Float(f) => float_to_int(name, *f).unwrap_or_default(),
        Value::Str(s) => s.trim().parse::<i64>().map_or(Value::Null, Value::Int),
        Value::Bool(b) => Value::Int(*b as i64),
        _ => Value::Null,
    }
}

pub(super) fn to_float(args: &[Value]) -> Value {
    match arg(args, 0) {
        Value::Int(i) => Value::Float(*i as f64),
        Value::Float(f) => Value::Float(*f),
        Value::Str(s) => s.trim().parse::<f64>().map_or(Value::Null, Value::Float),
        _ => Value::Null,
    }
}

pub(super) fn type_of(args: &[Value]) -> Value {
    Value::str(arg(args, 0).type_name())
}

pub(super) fn parse_json(name: &str, args: &[Value]) -> Result<Value, Fault> {
    let s = want_str(name, arg(args, 0))?;
    json::parse_json(s).map_err(|e| Fault::new(codes::JSON_SHAPE, format!("invalid JSON: {e}")))
}

pub(super) fn to_json(args: &[Value]) -> Result<Value, Fault> {
    Ok(Value::str(json::to_json_string(arg(args, 0))?))
}
