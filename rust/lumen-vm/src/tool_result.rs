//! Checking a typed tool's JSON result against its declared type, and converting it.
//!
//! `use tool t as T(...) -> R` gives the tool a result type ([`ResultType`]); the VM
//! converts the provider's JSON by it in [`crate::Vm::resume_ok`], the one place every host
//! hands a result back, so the check is the same on every host. A value that does not fit
//! stops the run with E0906 naming the tool, the expected type, what came back and where
//! (`$[2].age`). The rules (stated for users in docs/LANGUAGE.md, "Typed tool
//! declarations"):
//! - `Int`: an integral JSON number in the i64 range (`3` and `3.0`; not `3.5`, not 2^63);
//!   `Float`: any number; `String`, `Bool`, `Null`: that JSON kind; `Json`: anything, as an
//!   untyped tool's result;
//! - `list[T]`: an array; `tuple[A, B]`: an array of exactly that length; `map[String, V]`:
//!   an object; `map[Int, V]`: an object whose keys are decimal integers;
//! - `result[T, E]`: an object with exactly one key, `ok` or `err`; `T?`: `null` or a `T`;
//! - a record: an object holding every field (a field with a default too: the VM does not
//!   know defaults); other keys are ignored; the record is built with its fields in
//!   declaration order;
//! - an enum: a payload-less variant is its name as a string; a variant with a payload is
//!   an object with one key, the variant's name, whose value is an object of the fields
//!   when every field is named, else an array of exactly the payload's length (the same
//!   shapes a Lumen value takes as JSON);
//! - a union `A | B`: the first member whose outer shape fits (the JSON kind; for a record,
//!   all field names present; for an enum, a variant name; for a result, an `ok`/`err`
//!   key) is chosen, and the value must then fit it; members are not retried, so checking
//!   is linear in the size of the value.
//!
//! The conversion recurses once per level of the JSON value under a typed part, up to
//! [`MAX_NESTING`] levels (the limit of the VM's other recursive JSON walks, sized for a
//! 1 MiB native stack); a deeper value is a mismatch. A part typed `Json` converts
//! iteratively, at any depth.

use crate::json::from_serde;
use crate::limits::MAX_NESTING;
use crate::lir::{Module, ResultType, Shape, TypeDef, ValueType};
use crate::map::{MapKey, MapObj};
use crate::program::Program;
use crate::value::{RecordObj, Slots, Value, VariantObj};
use serde_json::Value as J;
use std::fmt::Write as _;
use std::rc::Rc;

/// Why a result does not fit: what was expected, what was found, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// Path segments from the root, in reverse order (pushed while unwinding).
    rev_path: Vec<Seg>,
    /// A short description of what came back (`a number (3.5)`).
    pub found: String,
    /// The expected type in source syntax (`list[Person]`).
    pub expected: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Index(usize),
    Key(String),
}

impl Mismatch {
    /// The location in the result, `$` for the whole value (`$[2].age`).
    /// Paths longer than 16 segments show their first and last 8 around `...`.
    pub fn path(&self) -> String {
        let mut out = String::from("$");
        let n = self.rev_path.len();
        for (i, s) in self.rev_path.iter().rev().enumerate() {
            if n > 16 && (8..n - 8).contains(&i) {
                if i == 8 {
                    out.push_str("...");
                }
                continue;
            }
            match s {
                Seg::Index(i) => {
                    let _ = write!(out, "[{i}]");
                }
                Seg::Key(k) if is_plain_key(k) => {
                    let _ = write!(out, ".{k}");
                }
                Seg::Key(k) => {
                    let _ = write!(out, "[{}]", serde_json::Value::String(k.clone()));
                }
            }
        }
        out
    }

    /// The E0906 message for tool `name`: `tool llm.chat returned a number (3), expected
    /// String` (with ` at $.path` after what came back when the mismatch is nested).
    pub fn message(&self, name: &str) -> String {
        let at = if self.rev_path.is_empty() {
            String::new()
        } else {
            format!(" at {}", self.path())
        };
        format!(
            "tool {name} returned {}{at}, expected {}",
            self.found, self.expected
        )
    }

    fn at(mut self, seg: Seg) -> Mismatch {
        self.rev_path.push(seg);
        self
    }
}

fn is_plain_key(k: &str) -> bool {
    let mut chars = k.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// What a JSON value is, for messages: `null`, `a boolean (true)`, `a number (3.5)`,
/// `a string ("abc")` (long strings shortened), `an array of 3 elements`, `an object`.
pub fn describe(j: &J) -> String {
    match j {
        J::Null => "null".into(),
        J::Bool(b) => format!("a boolean ({b})"),
        J::Number(n) => format!("a number ({n})"),
        J::String(s) => {
            let short: String = s.chars().take(40).collect();
            let more = if short.len() < s.len() { "..." } else { "" };
            format!("a string ({}{more})", J::String(short))
        }
        J::Array(xs) => format!(
            "an array of {} element{}",
            xs.len(),
            if xs.len() == 1 { "" } else { "s" }
        ),
        J::Object(_) => "an object".into(),
    }
}

/// The source spelling of a value type (`list[Person]`, `Int?`).
pub fn type_name(t: &ValueType, r: &ResultType, m: &Module) -> String {
    let mut out = String::new();
    write_type(&mut out, t, r, m);
    out
}

fn write_type(out: &mut String, t: &ValueType, r: &ResultType, m: &Module) {
    let list = |out: &mut String, ts: &[ValueType]| {
        for (i, t) in ts.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            write_type(out, t, r, m);
        }
    };
    match t {
        ValueType::Json => out.push_str("Json"),
        ValueType::Null => out.push_str("Null"),
        ValueType::Bool => out.push_str("Bool"),
        ValueType::Int => out.push_str("Int"),
        ValueType::Float => out.push_str("Float"),
        ValueType::Str => out.push_str("String"),
        ValueType::List(a) => {
            out.push_str("list[");
            write_type(out, a, r, m);
            out.push(']');
        }
        ValueType::Map(k, v) => {
            out.push_str("map[");
            write_type(out, k, r, m);
            out.push_str(", ");
            write_type(out, v, r, m);
            out.push(']');
        }
        ValueType::Tuple(ts) => {
            out.push_str("tuple[");
            list(out, ts);
            out.push(']');
        }
        ValueType::Result(a, b) => {
            out.push_str("result[");
            write_type(out, a, r, m);
            out.push_str(", ");
            write_type(out, b, r, m);
            out.push(']');
        }
        ValueType::Optional(a) => {
            let paren = matches!(**a, ValueType::Union(_));
            if paren {
                out.push('(');
            }
            write_type(out, a, r, m);
            if paren {
                out.push(')');
            }
            out.push('?');
        }
        ValueType::Union(ts) => {
            for (i, t) in ts.iter().enumerate() {
                if i > 0 {
                    out.push_str(" | ");
                }
                write_type(out, t, r, m);
            }
        }
        ValueType::User(k) => out.push_str(user_name(*k, r, m)),
    }
}

fn user_name<'m>(k: u16, r: &ResultType, m: &'m Module) -> &'m str {
    match r
        .shapes
        .get(k as usize)
        .and_then(|s| m.types.get(s.ty as usize))
    {
        Some(TypeDef::Record { name, .. } | TypeDef::Enum { name, .. }) => name,
        None => "?",
    }
}

/// The conversion context: the declared type's tables and the running program's types.
pub(crate) struct Converter<'a> {
    pub result: &'a ResultType,
    pub module: &'a Module,
    pub prog: &'a Program,
}

impl Converter<'_> {
    /// Converts the whole result.
    pub fn convert(&self, j: &J) -> Result<Value, Mismatch> {
        self.value(j, &self.result.ty, 0)
    }

    fn mismatch(&self, j: &J, t: &ValueType) -> Mismatch {
        self.mismatch_found(describe(j), t)
    }

    fn mismatch_found(&self, found: String, t: &ValueType) -> Mismatch {
        Mismatch {
            rev_path: Vec::new(),
            found,
            expected: type_name(t, self.result, self.module),
        }
    }

    fn value(&self, j: &J, t: &ValueType, depth: usize) -> Result<Value, Mismatch> {
        if depth >= MAX_NESTING && matches!(j, J::Array(_) | J::Object(_)) {
            return Err(self.mismatch_found(
                format!("a value nested deeper than {MAX_NESTING} levels"),
                t,
            ));
        }
        let d = depth + 1;
        match (t, j) {
            (ValueType::Json, _) => Ok(from_serde(j)),
            (ValueType::Null, J::Null) | (ValueType::Optional(_), J::Null) => Ok(Value::Null),
            (ValueType::Optional(inner), _) => self.value(j, inner, depth).map_err(|mut e| {
                if e.rev_path.is_empty() {
                    e.expected = type_name(t, self.result, self.module);
                }
                e
            }),
            (ValueType::Bool, J::Bool(b)) => Ok(Value::Bool(*b)),
            (ValueType::Str, J::String(s)) => Ok(Value::str(s.as_str())),
            (ValueType::Int, J::Number(n)) => integer(n)
                .map(Value::Int)
                .ok_or_else(|| self.mismatch(j, t)),
            (ValueType::Float, J::Number(n)) => Ok(Value::Float(n.as_f64().unwrap_or(f64::NAN))),
            (ValueType::List(elem), J::Array(xs)) => {
                let mut out = Vec::with_capacity(xs.len());
                for (i, x) in xs.iter().enumerate() {
                    out.push(self.value(x, elem, d).map_err(|e| e.at(Seg::Index(i)))?);
                }
                Ok(Value::list(out))
            }
            (ValueType::Tuple(ts), J::Array(xs)) if ts.len() == xs.len() => {
                let mut out = Vec::with_capacity(xs.len());
                for (i, (x, et)) in xs.iter().zip(ts).enumerate() {
                    out.push(self.value(x, et, d).map_err(|e| e.at(Seg::Index(i)))?);
                }
                Ok(Value::tuple(out))
            }
            (ValueType::Map(k, v), J::Object(o)) => {
                let int_keys = matches!(**k, ValueType::Int);
                let mut out = MapObj::with_capacity(o.len());
                for (key, x) in o {
                    let mk = if int_keys {
                        match key.parse::<i64>() {
                            Ok(i) => MapKey::Int(i),
                            Err(_) => {
                                return Err(self
                                    .mismatch_found(
                                        format!("the key {}", J::String(key.clone())),
                                        k,
                                    )
                                    .at(Seg::Key(key.clone())))
                            }
                        }
                    } else {
                        MapKey::from(key.as_str())
                    };
                    let val = self
                        .value(x, v, d)
                        .map_err(|e| e.at(Seg::Key(key.clone())))?;
                    out.insert(mk, val);
                }
                Ok(Value::Map(Rc::new(out)))
            }
            (ValueType::Result(a, b), J::Object(o)) if o.len() == 1 => {
                if let Some(x) = o.get("ok") {
                    let v = self
                        .value(x, a, d)
                        .map_err(|e| e.at(Seg::Key("ok".into())))?;
                    Ok(Value::ok(v))
                } else if let Some(x) = o.get("err") {
                    let v = self
                        .value(x, b, d)
                        .map_err(|e| e.at(Seg::Key("err".into())))?;
                    Ok(Value::err(v))
                } else {
                    Err(self.mismatch_found("an object without an `ok` or `err` key".into(), t))
                }
            }
            (ValueType::Union(ms), _) => match ms.iter().find(|m| self.shallow_fit(j, m)) {
                Some(m) => self.value(j, m, depth),
                None => Err(self.mismatch(j, t)),
            },
            (ValueType::User(k), _) => self.user(j, t, *k, d),
            _ => Err(self.mismatch(j, t)),
        }
    }

    fn shape(&self, k: u16) -> Option<(&Shape, &TypeDef)> {
        let sh = self.result.shapes.get(k as usize)?;
        Some((sh, self.module.types.get(sh.ty as usize)?))
    }

    /// A record or an enum value.
    fn user(&self, j: &J, t: &ValueType, k: u16, d: usize) -> Result<Value, Mismatch> {
        let Some((sh, def)) = self.shape(k) else {
            return Err(self.mismatch(j, t));
        };
        match def {
            TypeDef::Record { fields, .. } => {
                let J::Object(o) = j else {
                    return Err(self.mismatch(j, t));
                };
                let Some(Some(rt)) = self.prog.records.get(sh.ty as usize) else {
                    return Err(self.mismatch(j, t));
                };
                let types = sh.fields.first().map_or(&[][..], Vec::as_slice);
                let mut out = Vec::with_capacity(fields.len());
                for (name, ft) in fields.iter().zip(types) {
                    let Some(x) = o.get(name) else {
                        return Err(
                            self.mismatch_found(format!("an object without field `{name}`"), t)
                        );
                    };
                    out.push(
                        self.value(x, ft, d)
                            .map_err(|e| e.at(Seg::Key(name.clone())))?,
                    );
                }
                Ok(Value::Record(Rc::new(RecordObj {
                    ty: rt.clone(),
                    fields: Slots::from_vec(out),
                })))
            }
            TypeDef::Enum { variants, .. } => {
                let found = |name: &str| {
                    variants.iter().zip(&sh.fields).find_map(|(&v, tys)| {
                        let info = self.prog.variants.get(v as usize)?;
                        (info.name == name).then_some((info, tys))
                    })
                };
                match j {
                    J::String(s) => match found(s) {
                        Some((info, _)) if info.fields.is_empty() => Ok(Value::Tag(info.clone())),
                        Some(_) => Err(self.mismatch_found(
                            format!("{} (a variant that needs a payload)", describe(j)),
                            t,
                        )),
                        None => Err(self.mismatch(j, t)),
                    },
                    J::Object(o) if o.len() == 1 => {
                        let Some((key, x)) = o.iter().next() else {
                            return Err(self.mismatch(j, t));
                        };
                        let Some((info, tys)) = found(key) else {
                            return Err(self.mismatch_found(
                                format!("an object with key {}", J::String(key.clone())),
                                t,
                            ));
                        };
                        if info.fields.is_empty() {
                            return Err(self.mismatch_found(
                                format!("a payload for `{key}`, which has none"),
                                t,
                            ));
                        }
                        let payload = self
                            .payload(x, t, &info.fields, tys, d)
                            .map_err(|e| e.at(Seg::Key(key.clone())))?;
                        Ok(Value::Variant(Rc::new(VariantObj {
                            info: info.clone(),
                            payload: Slots::from_vec(payload),
                        })))
                    }
                    _ => Err(self.mismatch(j, t)),
                }
            }
        }
    }

    /// A variant's payload: an object of the fields when all are named, else an array.
    fn payload(
        &self,
        j: &J,
        t: &ValueType,
        names: &[Option<String>],
        tys: &[ValueType],
        d: usize,
    ) -> Result<Vec<Value>, Mismatch> {
        let mut out = Vec::with_capacity(names.len());
        if names.iter().all(Option::is_some) {
            let J::Object(o) = j else {
                return Err(self.mismatch_found(format!("{} as the payload", describe(j)), t));
            };
            for (name, ft) in names.iter().flatten().zip(tys) {
                let Some(x) = o.get(name) else {
                    return Err(self.mismatch_found(format!("a payload without `{name}`"), t));
                };
                out.push(
                    self.value(x, ft, d)
                        .map_err(|e| e.at(Seg::Key(name.clone())))?,
                );
            }
        } else {
            match j {
                J::Array(xs) if xs.len() == tys.len() => {
                    for (i, (x, ft)) in xs.iter().zip(tys).enumerate() {
                        out.push(self.value(x, ft, d).map_err(|e| e.at(Seg::Index(i)))?);
                    }
                }
                _ => return Err(self.mismatch_found(format!("{} as the payload", describe(j)), t)),
            }
        }
        Ok(out)
    }

    /// Whether `j`'s outer shape fits `t` (how a union member is chosen; never recurses
    /// more than through `Optional`/`Union`, which are at most the type's depth).
    fn shallow_fit(&self, j: &J, t: &ValueType) -> bool {
        match (t, j) {
            (ValueType::Json, _)
            | (ValueType::Null | ValueType::Optional(_), J::Null)
            | (ValueType::Bool, J::Bool(_))
            | (ValueType::Float, J::Number(_))
            | (ValueType::Str, J::String(_))
            | (ValueType::List(_), J::Array(_))
            | (ValueType::Map(..), J::Object(_)) => true,
            (ValueType::Int, J::Number(n)) => integer(n).is_some(),
            (ValueType::Tuple(ts), J::Array(xs)) => ts.len() == xs.len(),
            (ValueType::Result(..), J::Object(o)) => {
                o.len() == 1 && (o.contains_key("ok") || o.contains_key("err"))
            }
            (ValueType::Optional(inner), _) => self.shallow_fit(j, inner),
            (ValueType::Union(ms), _) => ms.iter().any(|m| self.shallow_fit(j, m)),
            (ValueType::User(k), _) => match self.shape(*k) {
                Some((_, TypeDef::Record { fields, .. })) => {
                    matches!(j, J::Object(o) if fields.iter().all(|f| o.contains_key(f)))
                }
                Some((_, TypeDef::Enum { variants, .. })) => {
                    let name = match j {
                        J::String(s) => s.as_str(),
                        J::Object(o) if o.len() == 1 => o.keys().next().map_or("", |k| k),
                        _ => return false,
                    };
                    variants.iter().any(|&v| {
                        self.module
                            .variants
                            .get(v as usize)
                            .is_some_and(|vd| vd.name == name)
                    })
                }
                None => false,
            },
            _ => false,
        }
    }
}

/// The i64 value of an integral JSON number (`3`, `3.0`), if it is one in range.
fn integer(n: &serde_json::Number) -> Option<i64> {
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    let f = n.as_f64()?;
    // -2^63 ≤ f < 2^63, integral (2^63 is exact as an f64).
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if f.fract() == 0.0 && (-TWO_63..TWO_63).contains(&f) {
        Some(f as i64)
    } else {
        None
    }
}

#[cfg(test)]
#[path = "tool_result_tests.rs"]
mod tests;
