//! The map builtins: `keys`, `values`, `entries`, `has_key`, `remove`, `merge`; and `get` and
//! `set`, which also take lists.

use std::rc::Rc;

use super::args::{arg, key_of, take_arg, want_int, want_map, wrong};
use crate::arith::Fault;
use crate::faults::index_error;
use crate::limits::check_elements;
use crate::map::{insert_checked, KeyRef};
use crate::objects::get_index;
use crate::value::Value;

pub(super) fn keys(name: &str, args: &[Value]) -> Result<Value, Fault> {
    let m = want_map(name, arg(args, 0))?;
    Ok(Value::list(m.iter().map(|(k, _)| k.to_value()).collect()))
}

pub(super) fn values(name: &str, args: &[Value]) -> Result<Value, Fault> {
    let m = want_map(name, arg(args, 0))?;
    Ok(Value::list(m.iter().map(|(_, v)| v.clone()).collect()))
}

pub(super) fn entries(name: &str, args: &[Value]) -> Result<Value, Fault> {
    let m = want_map(name, arg(args, 0))?;
    Ok(Value::list(
        m.iter()
            .map(|(k, v)| Value::tuple(vec![k.to_value(), v.clone()]))
            .collect(),
    ))
}

pub(super) fn has_key(name: &str, args: &[Value]) -> Result<Value, Fault> {
    let m = want_map(name, arg(args, 0))?;
    Ok(Value::Bool(
        KeyRef::from_value(arg(args, 1)).is_some_and(|k| m.contains_key(k)),
    ))
}

pub(super) fn get(name: &str, args: &[Value]) -> Result<Value, Fault> {
    let default = args.get(2).cloned().unwrap_or_default();
    match arg(args, 0) {
        Value::Map(m) => Ok(KeyRef::from_value(arg(args, 1))
            .and_then(|k| m.get(k))
            .cloned()
            .unwrap_or(default)),
        Value::List(_) | Value::Tuple(_) | Value::Str(_) => {
            Ok(get_index(arg(args, 0), arg(args, 1)).unwrap_or(default))
        }
        other => Err(wrong(name, other, "a map or a list")),
    }
}

pub(super) fn set(name: &str, args: &mut [Value]) -> Result<Value, Fault> {
    let v = take_arg(args, 2);
    let mut target = take_arg(args, 0);
    match &mut target {
        Value::Map(m) => {
            let k = key_of(name, arg(args, 1))?;
            insert_checked(m, k, v)?;
            Ok(target)
        }
        Value::List(xs) => {
            let i = want_int(name, arg(args, 1))?;
            let len = xs.len();
            match usize::try_from(i).ok().filter(|u| *u < len) {
                Some(u) => {
                    if let Some(slot) = Rc::make_mut(xs).get_mut(u) {
                        *slot = v;
                    }
                    Ok(target)
                }
                None => Err(index_error(i, len, "list")),
            }
        }
        other => Err(wrong(name, other, "a map or a list")),
    }
}

pub(super) fn remove(name: &str, args: &mut [Value]) -> Result<Value, Fault> {
    let mut target = take_arg(args, 0);
    match &mut target {
        Value::Map(m) => {
            if let Some(k) = KeyRef::from_value(arg(args, 1)) {
                if m.contains_key(k) {
                    Rc::make_mut(m).remove(k);
                }
            }
            Ok(target)
        }
        other => Err(wrong(name, other, "a map")),
    }
}

pub(super) fn merge(name: &str, args: &mut [Value]) -> Result<Value, Fault> {
    let extra = take_arg(args, 1);
    let extra = want_map(name, &extra)?;
    let mut target = take_arg(args, 0);
    match &mut target {
        Value::Map(m) => {
            check_elements(m.len().saturating_add(extra.len()))?;
            let into = Rc::make_mut(m);
            for (k, v) in extra.iter() {
                into.insert(k.clone(), v.clone());
            }
            Ok(target)
        }
        other => Err(wrong(name, other, "a map")),
    }
}
