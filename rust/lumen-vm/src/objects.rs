//! Operations on lists, maps, strings, records and variants for the interpreter loop:
//! construction of maps and closures, field, index and slot access, `len`, the list a
//! `for` loop walks, the general path of binary operators (with in-place concatenation),
//! and the type tests of `is`.
//!
//! The loop inlines the common case of an access (a list element by an in-range Int, a
//! record or variant slot) and calls these, out of line, for the rest; the type tests are
//! inlined. Builtins share `get_index`, `length_of` and `iter_prep`.

use std::rc::Rc;

use crate::arith::{self, Fault};
use crate::faults::{index_error, shape, type_fault};
use crate::limits::{check_elements, check_string};
use crate::lir::{BinOp, TypeTag};
use crate::machine::Vm;
use crate::map::{insert_checked, KeyRef, MapKey, MapObj};
use crate::program::{FuncCode, Program};
use crate::value::{FuncObj, Value};

impl Vm {
    /// The general path of a binary operator, including in-place `Add`/`Concat` when the
    /// destination is the left operand and holds the only reference. Returns the fuel of
    /// the work done: the elements or bytes copied by a concatenation, else 0.
    #[inline(never)]
    pub(crate) fn binary_slow(
        &mut self,
        op: BinOp,
        base: usize,
        dst: u16,
        a: u16,
        b: u16,
    ) -> Result<u64, Fault> {
        let (ai, bi, di) = (base + a as usize, base + b as usize, base + dst as usize);
        if dst == a && matches!(op, BinOp::Add | BinOp::Concat) {
            let rhs = self.regs.get(bi).cloned().unwrap_or_default();
            if let Some(lhs) = self.regs.get_mut(ai) {
                match (lhs, &rhs) {
                    (Value::Str(s), Value::Str(t)) => {
                        check_string(s.len() + t.len())?;
                        let copied = if Rc::strong_count(s) > 1 { s.len() } else { 0 };
                        Rc::make_mut(s).push_str(t);
                        return Ok((copied + t.len()) as u64);
                    }
                    (Value::List(l), Value::List(t)) if op == BinOp::Concat => {
                        check_elements(l.len() + t.len())?;
                        let copied = if Rc::strong_count(l) > 1 { l.len() } else { 0 };
                        Rc::make_mut(l).extend(t.iter().cloned());
                        return Ok((copied + t.len()) as u64);
                    }
                    _ => {}
                }
            }
        }
        let v = {
            let null = Value::Null;
            let x = self.regs.get(ai).unwrap_or(&null);
            let y = self.regs.get(bi).unwrap_or(&null);
            arith::binary(op, x, y)?
        };
        let units = match &v {
            Value::Str(s) => s.len() as u64,
            Value::List(l) => l.len() as u64,
            _ => 0,
        } + crate::compare::take_work();
        if let Some(d) = self.regs.get_mut(di) {
            *d = v;
        }
        Ok(units)
    }
}

/// A map from `[k0, v0, k1, v1, ...]` (out of line: allocation dominates anyway).
#[inline(never)]
pub(crate) fn make_map(pairs: &[Value]) -> Result<Value, Fault> {
    let mut m = MapObj::with_capacity(pairs.len() / 2);
    for kv in pairs.chunks_exact(2) {
        let Some(key) = MapKey::from_value(&kv[0]) else {
            return Err(type_fault("map keys must be String or Int, got ", &kv[0]));
        };
        m.insert(key, kv[1].clone());
    }
    Ok(Value::Map(Rc::new(m)))
}

/// A closure of function `f` capturing `captured`.
#[inline(never)]
pub(crate) fn make_closure(f: u16, cf: &FuncCode, captured: &[Value]) -> Value {
    Value::Func(Rc::new(FuncObj {
        func: f as u32,
        name: cf.name.clone(),
        arity: cf.arity,
        captures: captured.to_vec(),
    }))
}

/// `obj.name`: record field, named variant field, or map key (missing key: null).
#[inline(never)]
pub(crate) fn get_field(prog: &Program, obj: &Value, name: u16) -> Result<Value, Fault> {
    let id = name as u32;
    let field_name = || prog.names.get(name as usize).map_or("?", |s| s.as_str());
    match obj {
        Value::Record(r) => {
            r.ty.field_ids
                .iter()
                .position(|&f| f == id)
                .and_then(|i| r.fields.as_slice().get(i))
                .cloned()
                .ok_or_else(|| shape(format!("{} has no field `{}`", r.ty.name, field_name())))
        }
        Value::Variant(v) => v
            .info
            .field_ids
            .iter()
            .position(|&f| f == id)
            .and_then(|i| v.payload.as_slice().get(i))
            .cloned()
            .ok_or_else(|| shape(format!("{} has no field `{}`", v.info.name, field_name()))),
        Value::Map(m) => Ok(m
            .get(KeyRef::Str(field_name()))
            .cloned()
            .unwrap_or_default()),
        other => Err(shape(format!(
            "cannot read field `{}` of {}",
            field_name(),
            other.type_name()
        ))),
    }
}

/// `obj.name = v` (copy-on-write).
#[inline(never)]
pub(crate) fn set_field(prog: &Program, obj: &mut Value, name: u16, v: Value) -> Result<(), Fault> {
    let id = name as u32;
    let field_name = prog.names.get(name as usize).cloned().unwrap_or_default();
    match obj {
        Value::Record(r) => {
            let Some(i) = r.ty.field_ids.iter().position(|&f| f == id) else {
                return Err(shape(format!(
                    "{} has no field `{}`",
                    r.ty.name, field_name
                )));
            };
            if let Some(slot) = Rc::make_mut(r).fields.as_mut_slice().get_mut(i) {
                *slot = v;
            }
            Ok(())
        }
        Value::Map(m) => insert_checked(m, MapKey::Str(field_name), v),
        other => Err(shape(format!(
            "cannot set field `{}` of {}",
            field_name,
            other.type_name()
        ))),
    }
}

/// `obj[idx]`: list/tuple/string by position (checked), map by key (missing: null).
#[inline(never)]
pub(crate) fn get_index(obj: &Value, idx: &Value) -> Result<Value, Fault> {
    match (obj, idx) {
        (Value::List(xs), Value::Int(i)) | (Value::Tuple(xs), Value::Int(i)) => usize::try_from(*i)
            .ok()
            .and_then(|u| xs.get(u))
            .cloned()
            .ok_or_else(|| {
                index_error(
                    *i,
                    xs.len(),
                    if matches!(obj, Value::List(_)) {
                        "list"
                    } else {
                        "tuple"
                    },
                )
            }),
        (Value::Str(s), Value::Int(i)) => usize::try_from(*i)
            .ok()
            .and_then(|u| s.chars().nth(u))
            .map(|c| Value::str(c.to_string()))
            .ok_or_else(|| index_error(*i, s.chars().count(), "string")),
        (Value::Map(m), k) => Ok(KeyRef::from_value(k)
            .and_then(|k| m.get(k))
            .cloned()
            .unwrap_or_default()),
        _ => Err(Fault::runtime(format!(
            "cannot index {} with {}",
            obj.type_name(),
            idx.type_name()
        ))),
    }
}

/// `obj[idx] = v` (copy-on-write).
#[inline(never)]
pub(crate) fn set_index(obj: &mut Value, idx: Value, v: Value) -> Result<(), Fault> {
    match (obj, &idx) {
        (Value::List(xs), Value::Int(i)) => {
            let len = xs.len();
            match usize::try_from(*i).ok().filter(|u| *u < len) {
                Some(u) => {
                    if let Some(slot) = Rc::make_mut(xs).get_mut(u) {
                        *slot = v;
                    }
                    Ok(())
                }
                None => Err(index_error(*i, len, "list")),
            }
        }
        (Value::Map(m), k) => match MapKey::from_value(k) {
            Some(key) => insert_checked(m, key, v),
            None => Err(type_fault("map keys must be String or Int, got ", k)),
        },
        (o, k) => Err(Fault::runtime(format!(
            "cannot assign to an index of {} with {}",
            o.type_name(),
            k.type_name()
        ))),
    }
}

/// Slot `slot` of a record, variant payload, tuple or list.
#[inline(never)]
pub(crate) fn get_slot(obj: &Value, slot: u16) -> Result<Value, Fault> {
    let s = slot as usize;
    let found = match obj {
        Value::Record(r) => r.fields.as_slice().get(s),
        Value::Variant(v) => v.payload.as_slice().get(s),
        Value::Tuple(xs) | Value::List(xs) => xs.get(s),
        _ => None,
    };
    found
        .cloned()
        .ok_or_else(|| shape(format!("{} has no element {slot}", obj.type_name())))
}

/// `len(v)` for strings (characters), lists, tuples and maps.
#[inline(never)]
pub(crate) fn length_of(v: &Value) -> Result<usize, Fault> {
    match v {
        Value::Str(s) => Ok(if s.is_ascii() {
            s.len()
        } else {
            s.chars().count()
        }),
        Value::List(xs) | Value::Tuple(xs) => Ok(xs.len()),
        Value::Map(m) => Ok(m.len()),
        other => Err(Fault::runtime(format!(
            "{} has no length",
            other.type_name()
        ))),
    }
}

/// The list a `for` loop walks: lists as they are, strings as characters, maps as
/// `(key, value)` tuples.
#[inline(never)]
pub(crate) fn iter_prep(v: &Value) -> Result<Value, Fault> {
    match v {
        Value::List(_) => Ok(v.clone()),
        Value::Tuple(xs) => Ok(Value::List(xs.clone())),
        Value::Str(s) => {
            check_elements(s.chars().count())?;
            Ok(Value::list(
                s.chars().map(|c| Value::str(c.to_string())).collect(),
            ))
        }
        Value::Map(m) => Ok(Value::list(
            m.iter()
                .map(|(k, x)| Value::tuple(vec![k.to_value(), x.clone()]))
                .collect(),
        )),
        other => Err(type_fault("cannot iterate over ", other)),
    }
}

/// `v is tag`: whether `v` is of the built-in type `tag`.
#[inline(always)]
pub(crate) fn has_type(v: &Value, tag: TypeTag) -> bool {
    match tag {
        TypeTag::Null => matches!(v, Value::Null),
        TypeTag::Bool => matches!(v, Value::Bool(_)),
        TypeTag::Int => matches!(v, Value::Int(_)),
        TypeTag::Float => matches!(v, Value::Float(_)),
        TypeTag::String => matches!(v, Value::Str(_)),
        TypeTag::List => matches!(v, Value::List(_)),
        TypeTag::Map => matches!(v, Value::Map(_)),
        TypeTag::Tuple => matches!(v, Value::Tuple(_)),
        TypeTag::Result => matches!(v, Value::Ok(_) | Value::Err(_)),
        TypeTag::Function => matches!(v, Value::Func(_)),
    }
}

/// `v is T` for the record or enum type `ty`.
#[inline(always)]
pub(crate) fn is_user_type(v: &Value, ty: u16) -> bool {
    match v {
        Value::Record(r) => r.ty.id == ty,
        Value::Variant(v) => v.info.enum_type == ty,
        Value::Tag(t) => t.enum_type == ty,
        _ => false,
    }
}

#[cfg(test)]
#[path = "objects_tests.rs"]
mod tests;
