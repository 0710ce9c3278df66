//! Conversion between Lumen values and JSON.
//!
//! Value → JSON (tool arguments, `to_json`):
//! - `null`, `Bool`, `Int` (always an integer number, even beyond 2^53), `Float` (a
//!   number; `inf`/`nan` become `null`), `String`;
//! - lists and tuples → arrays; maps → objects (Int keys become their decimal text);
//! - records → objects of their fields (the type name is not kept);
//! - payload-less variants → the variant name as a string (`"Empty"`); variants with a
//!   payload → `{"Name": {...}}` when every payload field is named, else `{"Name": [...]}`;
//! - `ok(v)` → `{"ok": v}`, `err(e)` → `{"err": e}`; functions → `"<fn name>"`.
//!
//! JSON → Value (tool results, `parse_json`): `null`/bool/string as is, integers that fit
//! in `i64` → `Int`, other numbers → `Float`, arrays → lists, objects → maps with String
//! keys. `parse_json` keeps the object key order of the text.

use std::rc::Rc;

use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};

use crate::arith::Fault;
use crate::limits::{check_string, text_too_long, too_deep, MAX_NESTING, MAX_STRING_BYTES};
use crate::map::{MapKey, MapObj};
use crate::value::Value;

/// Converts a value to a `serde_json::Value` (see the module docs for the mapping), as a
/// tool's arguments: the limits of [`check_serde`], then [`to_serde_checked`].
pub fn to_serde(v: &Value) -> Result<serde_json::Value, Fault> {
    check_serde(v)?;
    Ok(to_serde_checked(v))
}

/// Whether `v` converts to JSON within the limits of a tool's arguments: E0916 when it is
/// nested deeper than [`MAX_NESTING`], E0914 when the converted tree would take more than
/// [`MAX_STRING_BYTES`] (a `serde_json::Value` per node, plus its strings and object keys;
/// shared parts of the value count once per use). Allocates nothing.
pub fn check_serde(v: &Value) -> Result<(), Fault> {
    let mut budget = MAX_STRING_BYTES;
    check_depth(v, 0, &mut budget)
}

/// Takes `n` bytes from the conversion's memory budget.
fn spend(budget: &mut usize, n: usize) -> Result<(), Fault> {
    match budget.checked_sub(n) {
        Some(rest) => {
            *budget = rest;
            Ok(())
        }
        None => Err(text_too_long()),
    }
}

/// [`check_serde`] below `depth`, in the order [`to_serde_checked`] builds.
fn check_depth(v: &Value, depth: usize, budget: &mut usize) -> Result<(), Fault> {
    if depth > MAX_NESTING {
        return Err(too_deep("tool arguments"));
    }
    spend(budget, std::mem::size_of::<serde_json::Value>())?;
    let all = |xs: &[Value], budget: &mut usize| {
        xs.iter()
            .try_for_each(|x| check_depth(x, depth + 1, budget))
    };
    match v {
        Value::Str(s) => spend(budget, s.len()),
        Value::List(xs) | Value::Tuple(xs) => all(xs, budget),
        Value::Map(m) => m.iter().try_for_each(|(k, x)| {
            let key = match k {
                MapKey::Int(i) => itoa::Buffer::new().format(*i).len(),
                MapKey::Str(s) => s.len(),
            };
            spend(budget, key)?;
            check_depth(x, depth + 1, budget)
        }),
        Value::Record(r) => all(r.fields.as_slice(), budget),
        Value::Variant(var) => all(var.payload.as_slice(), budget),
        Value::Ok(x) | Value::Err(x) => check_depth(x, depth + 1, budget),
        Value::Null
        | Value::Bool(_)
        | Value::Int(_)
        | Value::Float(_)
        | Value::Tag(_)
        | Value::Func(_) => Ok(()),
    }
}

/// The conversion of [`to_serde`] of a value [`check_serde`] accepted. (A value nested
/// deeper than [`MAX_NESTING`] converts to `null` below that depth instead of recursing.)
pub fn to_serde_checked(v: &Value) -> serde_json::Value {
    serde_depth(v, 0)
}

fn serde_depth(v: &Value, depth: usize) -> serde_json::Value {
    use serde_json::Value as J;
    if depth > MAX_NESTING {
        return J::Null;
    }
    let arr = |xs: &[Value]| J::Array(xs.iter().map(|x| serde_depth(x, depth + 1)).collect());
    let object = |n: usize, fields: &mut dyn Iterator<Item = (String, &Value)>| {
        let mut o = serde_json::Map::with_capacity(n);
        for (k, x) in fields {
            o.insert(k, serde_depth(x, depth + 1));
        }
        J::Object(o)
    };
    match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        Value::Str(s) => J::String(String::from(s.as_str())),
        Value::List(xs) | Value::Tuple(xs) => arr(xs),
        Value::Map(m) => object(m.len(), &mut m.iter().map(|(k, x)| (key_text(k), x))),
        Value::Record(r) => object(
            r.fields.as_slice().len(),
            &mut r
                .ty
                .fields
                .iter()
                .zip(r.fields.as_slice())
                .map(|(name, x)| (name.clone(), x)),
        ),
        Value::Variant(var) => {
            let payload = var.payload.as_slice();
            let inner = if var.info.fields.iter().all(Option::is_some) {
                let mut o = serde_json::Map::new();
                for (name, x) in var.info.fields.iter().zip(payload) {
                    o.insert(name.clone().unwrap_or_default(), serde_depth(x, depth + 1));
                }
                J::Object(o)
            } else {
                arr(payload)
            };
            let mut o = serde_json::Map::new();
            o.insert(var.info.name.clone(), inner);
            J::Object(o)
        }
        Value::Tag(t) => J::String(t.name.clone()),
        Value::Ok(x) | Value::Err(x) => {
            let k = if matches!(v, Value::Ok(_)) {
                "ok"
            } else {
                "err"
            };
            let mut o = serde_json::Map::new();
            o.insert(k.to_string(), serde_depth(x, depth + 1));
            J::Object(o)
        }
        Value::Func(f) => J::String(format!("<fn {}>", f.name)),
    }
}

/// The text of a map key as a JSON object key (Int keys: their decimal text).
fn key_text(k: &MapKey) -> String {
    match k {
        MapKey::Int(i) => crate::value::int_text(*i),
        MapKey::Str(s) => String::from(s.as_str()),
    }
}

/// A JSON array or object being converted by [`from_serde`].
enum Building<'a> {
    Array(std::slice::Iter<'a, serde_json::Value>, Vec<Value>),
    Object(serde_json::map::Iter<'a>, MapObj, Option<&'a String>),
}

/// Converts a `serde_json::Value` to a value (see the module docs). Iterative, so a tool
/// result of any depth converts without touching the native stack.
pub fn from_serde(j: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    let mut stack: Vec<Building<'_>> = Vec::new();
    let mut next = j;
    loop {
        // Descend into `next`: a leaf is done at once, a container waits for its children.
        let mut done = match next {
            J::Null => Some(Value::Null),
            J::Bool(b) => Some(Value::Bool(*b)),
            J::Number(n) => Some(match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            }),
            J::String(s) => Some(Value::str(s.as_str())),
            J::Array(xs) => {
                stack.push(Building::Array(xs.iter(), Vec::with_capacity(xs.len())));
                None
            }
            J::Object(o) => {
                stack.push(Building::Object(
                    o.iter(),
                    MapObj::with_capacity(o.len()),
                    None,
                ));
                None
            }
        };
        // Hand finished values to their parents until one has another child to convert.
        loop {
            let child = match stack.last_mut() {
                None => return done.unwrap_or_default(),
                Some(Building::Array(it, out)) => {
                    if let Some(v) = done.take() {
                        out.push(v);
                    }
                    it.next()
                }
                Some(Building::Object(it, m, key)) => {
                    if let (Some(v), Some(k)) = (done.take(), key.take()) {
                        m.insert(MapKey::from(k.as_str()), v);
                    }
                    it.next().map(|(k, x)| {
                        *key = Some(k);
                        x
                    })
                }
            };
            if let Some(x) = child {
                next = x;
                break;
            }
            done = match stack.pop() {
                Some(Building::Array(_, out)) => Some(Value::list(out)),
                Some(Building::Object(_, m, _)) => Some(Value::Map(Rc::new(m))),
                None => None,
            };
        }
    }
}

/// A JSON array or object being taken apart by [`from_serde_owned`].
enum Taking {
    Array(std::vec::IntoIter<serde_json::Value>, Vec<Value>),
    Object(serde_json::map::IntoIter, MapObj, Option<String>),
}

/// The value of a JSON number (see the module docs).
fn number(n: &serde_json::Number) -> Value {
    match n.as_i64() {
        Some(i) => Value::Int(i),
        None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
    }
}

/// A JSON leaf's value, or the container back.
fn leaf(j: serde_json::Value) -> Result<Value, serde_json::Value> {
    use serde_json::Value as J;
    Ok(match j {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(b),
        J::Number(n) => number(&n),
        J::String(s) => Value::Str(Rc::new(s)),
        container => return Err(container),
    })
}

/// [`from_serde`] of a value the caller gives up (a tool's result): the same value, but its
/// strings and object keys are moved instead of copied, and the JSON tree is taken apart
/// as it converts, so dropping it never recurses either. A flat object or array (no
/// container inside) is converted without a work stack.
pub fn from_serde_owned(j: serde_json::Value) -> Value {
    use serde_json::Value as J;
    let is_leaf = |x: &J| !matches!(x, J::Array(_) | J::Object(_));
    let mut next = match j {
        J::Object(o) if o.values().all(is_leaf) => {
            let mut m = MapObj::with_capacity(o.len());
            for (k, x) in o {
                m.insert(MapKey::Str(Rc::new(k)), leaf(x).unwrap_or_default());
            }
            return Value::Map(Rc::new(m));
        }
        J::Array(xs) if xs.iter().all(is_leaf) => {
            return Value::list(
                xs.into_iter()
                    .map(|x| leaf(x).unwrap_or_default())
                    .collect(),
            );
        }
        other => other,
    };
    let mut stack: Vec<Taking> = Vec::new();
    loop {
        // Descend into `next`: a leaf is done at once, a container waits for its children.
        let mut done = match leaf(next) {
            Ok(v) => Some(v),
            Err(J::Array(xs)) => {
                let n = xs.len();
                stack.push(Taking::Array(xs.into_iter(), Vec::with_capacity(n)));
                None
            }
            Err(J::Object(o)) => {
                let n = o.len();
                stack.push(Taking::Object(
                    o.into_iter(),
                    MapObj::with_capacity(n),
                    None,
                ));
                None
            }
            Err(_) => Some(Value::Null),
        };
        // Hand finished values to their parents until one has another child to convert.
        loop {
            let child = match stack.last_mut() {
                None => return done.unwrap_or_default(),
                Some(Taking::Array(it, out)) => {
                    if let Some(v) = done.take() {
                        out.push(v);
                    }
                    it.next()
                }
                Some(Taking::Object(it, m, key)) => {
                    if let (Some(v), Some(k)) = (done.take(), key.take()) {
                        m.insert(MapKey::Str(Rc::new(k)), v);
                    }
                    it.next().map(|(k, x)| {
                        *key = Some(k);
                        x
                    })
                }
            };
            if let Some(x) = child {
                next = x;
                break;
            }
            done = match stack.pop() {
                Some(Taking::Array(_, out)) => Some(Value::list(out)),
                Some(Taking::Object(_, m, _)) => Some(Value::Map(Rc::new(m))),
                None => None,
            };
        }
    }
}

/// The JSON text of a value (compact, keys in map insertion order), as `to_json` returns:
/// E0916 when it is nested deeper than [`MAX_NESTING`], E0914 when the text would exceed
/// [`MAX_STRING_BYTES`].
pub fn to_json_string(v: &Value) -> Result<String, Fault> {
    let mut out = String::with_capacity(64);
    write_json(&mut out, v, 0)?;
    Ok(out)
}

fn write_json(out: &mut String, v: &Value, depth: usize) -> Result<(), Fault> {
    if depth > MAX_NESTING {
        return Err(too_deep("to_json"));
    }
    if out.len() > MAX_STRING_BYTES {
        return Err(text_too_long());
    }
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => crate::value::push_int(out, *i),
        Value::Float(f) => {
            if f.is_finite() {
                crate::float_text::push_finite(out, *f);
            } else {
                out.push_str("null");
            }
        }
        Value::Str(s) => {
            check_string(out.len() + s.len())?;
            write_json_str(out, s)
        }
        Value::List(xs) | Value::Tuple(xs) => write_json_arr(out, xs, depth)?,
        Value::Map(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                match k {
                    MapKey::Str(k) => write_json_str(out, k),
                    MapKey::Int(i) => {
                        out.push('"');
                        crate::value::push_int(out, *i);
                        out.push('"');
                    }
                }
                out.push(':');
                write_json(out, x, depth + 1)?;
            }
            out.push('}');
        }
        Value::Record(r) => {
            out.push('{');
            for (i, (name, x)) in r.ty.fields.iter().zip(r.fields.as_slice()).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_str(out, name);
                out.push(':');
                write_json(out, x, depth + 1)?;
            }
            out.push('}');
        }
        Value::Variant(var) => {
            out.push('{');
            write_json_str(out, &var.info.name);
            out.push(':');
            let payload = var.payload.as_slice();
            if var.info.fields.iter().all(Option::is_some) {
                out.push('{');
                for (i, (name, x)) in var.info.fields.iter().zip(payload).enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_json_str(out, name.as_deref().unwrap_or(""));
                    out.push(':');
                    write_json(out, x, depth + 1)?;
                }
                out.push('}');
            } else {
                write_json_arr(out, payload, depth)?;
            }
            out.push('}');
        }
        Value::Tag(t) => write_json_str(out, &t.name),
        Value::Ok(x) | Value::Err(x) => {
            out.push_str(if matches!(v, Value::Ok(_)) {
                "{\"ok\":"
            } else {
                "{\"err\":"
            });
            write_json(out, x, depth + 1)?;
            out.push('}');
        }
        Value::Func(f) => write_json_str(out, &format!("<fn {}>", f.name)),
    }
    Ok(())
}

fn write_json_arr(out: &mut String, xs: &[Value], depth: usize) -> Result<(), Fault> {
    out.push('[');
    for (i, x) in xs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_json(out, x, depth + 1)?;
    }
    out.push(']');
    Ok(())
}

fn write_json_str(out: &mut String, s: &str) {
    out.push('"');
    // Unescaped runs are copied whole; only `"`, `\\` and control characters are escaped
    // (JSON spells those without a short form `\u00XX`). Every escaped byte is ASCII, so
    // each run starts and ends on a char boundary.
    let mut run = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\t' => "\\t",
            b'\r' => "\\r",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[run..i]);
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        } else {
            out.push_str(escape);
        }
        run = i + 1;
    }
    out.push_str(&s[run..]);
    out.push('"');
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Parses JSON text into a value, keeping object key order. Errors carry serde_json's
/// message (line and column of the problem).
pub fn parse_json(text: &str) -> Result<Value, String> {
    let mut de = serde_json::Deserializer::from_str(text);
    let v = ValueSeed.deserialize(&mut de).map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(v)
}

struct ValueSeed;

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = Value;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, i: i64) -> Result<Value, E> {
        Ok(Value::Int(i))
    }
    fn visit_u64<E>(self, u: u64) -> Result<Value, E> {
        Ok(i64::try_from(u).map_or(Value::Float(u as f64), Value::Int))
    }
    fn visit_f64<E>(self, f: f64) -> Result<Value, E> {
        Ok(Value::Float(f))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::str(s))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::str(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut v = Vec::new();
        while let Some(x) = seq.next_element_seed(ValueSeed)? {
            v.push(x);
        }
        Ok(Value::list(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut m = MapObj::new();
        while let Some(k) = map.next_key::<String>()? {
            let x = map.next_value_seed(ValueSeed)?;
            m.insert(MapKey::Str(Rc::new(k)), x);
        }
        Ok(Value::Map(Rc::new(m)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_keeps_order_and_kinds() {
        let v = parse_json(r#"{"b": 1, "a": [true, null, 2.5, "x"], "big": 18446744073709551615}"#)
            .unwrap();
        assert_eq!(
            v.to_display(),
            "{\"b\": 1, \"a\": [true, null, 2.5, \"x\"], \"big\": 1.8446744073709552e19}"
        );
        assert!(parse_json("{").is_err());
        assert!(parse_json("1 2").is_err());
    }

    #[test]
    fn to_json_string_round_trips() {
        let text = r#"{"z":[1,2.5,"a\"b\n"],"a":{"k":null},"t":true}"#;
        let v = parse_json(text).unwrap();
        assert_eq!(to_json_string(&v).unwrap(), text);
        assert_eq!(to_json_string(&Value::Float(f64::NAN)).unwrap(), "null");
        assert_eq!(
            to_json_string(&Value::ok(Value::Int(1))).unwrap(),
            "{\"ok\":1}"
        );
        assert_eq!(to_json_string(&Value::str("\u{1}")).unwrap(), "\"\\u0001\"");
    }

    #[test]
    fn issue10_item8_object_key_order_is_kept_every_way() {
        let text = r#"{"z":1,"a":2,"m":3}"#;
        // parse_json / to_json
        let v = parse_json(text).unwrap();
        assert_eq!(to_json_string(&v).unwrap(), text);
        // serde_json::Value (tool results) → Value → serde_json::Value (tool arguments)
        let j: serde_json::Value = serde_json::from_str(text).unwrap();
        let v = from_serde(&j);
        assert_eq!(v.to_display(), r#"{"z": 1, "a": 2, "m": 3}"#);
        let back = to_serde(&v).unwrap();
        assert_eq!(back.to_string(), text);
        let keys: Vec<&String> = back.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["z", "a", "m"]);
    }

    #[test]
    fn owned_conversion_is_the_borrowed_one() {
        let cases = [
            serde_json::json!({"text": "A"}),
            serde_json::json!({"z": 1, "a": [2.5, {"k": null}], "m": {"n": true}, "": ""}),
            serde_json::json!([1, "two", null, false, 1e300, u64::MAX]),
            serde_json::json!([[], {}, [[{"deep": ["x"]}]]]),
            serde_json::json!("just a string"),
            serde_json::json!(-7),
            serde_json::json!({}),
        ];
        for j in cases {
            let borrowed = from_serde(&j);
            let owned = from_serde_owned(j.clone());
            assert_eq!(owned, borrowed, "{j}");
            // Same key order too (map equality ignores it).
            assert_eq!(owned.to_display(), borrowed.to_display(), "{j}");
        }
    }

    #[test]
    fn owned_conversion_takes_a_deep_tree_apart_without_recursion() {
        const DEPTH: usize = 1_000_000;
        let mut j = serde_json::json!(0);
        for _ in 0..DEPTH {
            j = serde_json::Value::Array(vec![j]);
        }
        // serde_json's own drop of this tree would recurse a million frames deep.
        let v = from_serde_owned(j);
        let mut depth = 0;
        let mut at = &v;
        while let Value::List(xs) = at {
            depth += 1;
            match xs.as_slice().first() {
                Some(x) => at = x,
                None => break,
            }
        }
        assert_eq!((depth, at), (DEPTH, &Value::Int(0)));
    }

    #[test]
    fn serde_conversion_both_ways() {
        let j = serde_json::json!({"a": [1, 2.0, "s"], "n": null, "big": i64::MAX});
        let v = from_serde(&j);
        assert_eq!(to_serde(&v).unwrap(), j);
        let t = Value::tuple(vec![Value::Int(1), Value::Float(f64::INFINITY)]);
        assert_eq!(to_serde(&t).unwrap(), serde_json::json!([1, null]));
    }
}
