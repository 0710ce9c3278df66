//! Access to a builtin's arguments and the checks of their types, shared by every topic.

use std::rc::Rc;

use crate::arith::Fault;
use crate::limits::text_too_long;
use crate::map::{MapKey, MapObj};
use crate::value::{Seq, Value};

/// A shareable `null` for missing arguments.
struct SharedNull(Value);
// SAFETY: the wrapped value is always `Value::Null`, which holds no `Rc`; a static cannot
// be mutated, so sharing it between threads shares no reference count.
unsafe impl Sync for SharedNull {}
static NULL: SharedNull = SharedNull(Value::Null);

/// Argument `i`, or `null` when there is none.
pub(super) fn arg(args: &[Value], i: usize) -> &Value {
    args.get(i).unwrap_or(&NULL.0)
}

/// Argument `i`, taken out of its register (the VM clears argument registers anyway).
pub(super) fn take_arg(args: &mut [Value], i: usize) -> Value {
    args.get_mut(i).map(std::mem::take).unwrap_or_default()
}

/// `"{name} expects {want}, got {type of v}"`.
pub(super) fn wrong(name: &str, v: &Value, want: &str) -> Fault {
    Fault::runtime(format!("{name} expects {want}, got {}", v.type_name()))
}

/// The display text of `v` (E0914 when it would exceed the string limit).
pub(super) fn display(v: &Value) -> Result<String, Fault> {
    v.try_display().map_err(|_| text_too_long())
}

pub(super) fn want_str<'a>(name: &str, v: &'a Value) -> Result<&'a str, Fault> {
    v.as_str().ok_or_else(|| wrong(name, v, "a String"))
}

pub(super) fn want_int(name: &str, v: &Value) -> Result<i64, Fault> {
    v.as_int().ok_or_else(|| wrong(name, v, "an Int"))
}

/// A count argument (`repeat`'s times, `pad_*`'s width) as a `usize`: a negative count is
/// 0, a count beyond the address space is `usize::MAX` (so the size check that follows
/// reports E0914 on every host; on wasm32 `usize` is 32 bits and must not wrap to 0).
pub(super) fn want_count(name: &str, v: &Value) -> Result<usize, Fault> {
    let n = want_int(name, v)?;
    Ok(if n < 0 {
        0
    } else {
        usize::try_from(n).unwrap_or(usize::MAX)
    })
}

pub(super) fn want_num(name: &str, v: &Value) -> Result<f64, Fault> {
    v.as_f64().ok_or_else(|| wrong(name, v, "a number"))
}

pub(super) fn want_list<'a>(name: &str, v: &'a Value) -> Result<&'a Rc<Seq>, Fault> {
    match v {
        Value::List(xs) => Ok(xs),
        _ => Err(wrong(name, v, "a list")),
    }
}

pub(super) fn want_map<'a>(name: &str, v: &'a Value) -> Result<&'a Rc<MapObj>, Fault> {
    match v {
        Value::Map(m) => Ok(m),
        _ => Err(wrong(name, v, "a map")),
    }
}

pub(super) fn key_of(name: &str, v: &Value) -> Result<MapKey, Fault> {
    MapKey::from_value(v).ok_or_else(|| wrong(name, v, "a String or Int key"))
}
