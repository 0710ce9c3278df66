//! The builtins on lists and strings alike (strings by character): `len`, `is_empty`,
//! `contains`, `index_of`, `slice`, `repeat`, `reverse`, `first`/`last`, `take`/`drop`.

use std::rc::Rc;

use super::args::{arg, take_arg, want_count, want_int, want_str, wrong};
use crate::arith::{self, Fault};
use crate::limits::{check_elements, check_string};
use crate::objects::length_of;
use crate::value::Value;

pub(super) fn len(args: &[Value]) -> Result<Value, Fault> {
    Ok(Value::Int(length_of(arg(args, 0))? as i64))
}

pub(super) fn is_empty(args: &[Value]) -> Result<Value, Fault> {
    Ok(Value::Bool(length_of(arg(args, 0))? == 0))
}

pub(super) fn contains(args: &[Value]) -> Result<Value, Fault> {
    arith::contains(arg(args, 0), arg(args, 1)).map(Value::Bool)
}

pub(super) fn index_of(name: &str, args: &[Value]) -> Result<Value, Fault> {
    match arg(args, 0) {
        Value::Str(s) => {
            let sub = want_str(name, arg(args, 1))?;
            Ok(Value::Int(match s.find(sub) {
                Some(byte) => s.get(..byte).map_or(0, |p| p.chars().count()) as i64,
                None => -1,
            }))
        }
        Value::List(xs) => {
            let needle = arg(args, 1);
            Ok(Value::Int(
                xs.iter().position(|x| x == needle).map_or(-1, |i| i as i64),
            ))
        }
        other => Err(wrong(name, other, "a String or a list")),
    }
}

/// Python-style slice bounds on a sequence of length `len`.
fn slice_bounds(len: usize, start: i64, end: Option<i64>) -> (usize, usize) {
    let n = len as i64;
    let norm = |i: i64| -> usize {
        let j = if i < 0 { i.saturating_add(n) } else { i };
        j.clamp(0, n) as usize
    };
    let s = norm(start);
    let e = end.map_or(len, norm);
    (s, e.max(s))
}

pub(super) fn slice(name: &str, args: &[Value]) -> Result<Value, Fault> {
    let start = want_int(name, arg(args, 1))?;
    let end = match args.get(2) {
        Some(Value::Null) | None => None,
        Some(e) => Some(want_int(name, e)?),
    };
    match arg(args, 0) {
        Value::List(xs) => {
            let (s, e) = slice_bounds(xs.len(), start, end);
            Ok(Value::list(xs.get(s..e).unwrap_or(&[]).to_vec()))
        }
        Value::Str(st) => {
            let n = st.chars().count();
            let (s, e) = slice_bounds(n, start, end);
            Ok(Value::str(
                st.chars().skip(s).take(e - s).collect::<String>(),
            ))
        }
        other => Err(wrong(name, other, "a list or a String")),
    }
}

pub(super) fn repeat(name: &str, args: &[Value]) -> Result<Value, Fault> {
    let n = want_count(name, arg(args, 1))?;
    match arg(args, 0) {
        Value::Str(s) if s.is_empty() => Ok(Value::str("")),
        Value::List(xs) if xs.is_empty() => Ok(arg(args, 0).clone()),
        Value::Str(s) => {
            check_string(s.len().saturating_mul(n))?;
            Ok(Value::str(s.repeat(n)))
        }
        Value::List(xs) => {
            check_elements(xs.len().saturating_mul(n))?;
            let mut v = Vec::with_capacity(xs.len() * n);
            for _ in 0..n {
                v.extend(xs.iter().cloned());
            }
            Ok(Value::list(v))
        }
        other => Err(wrong(name, other, "a String or a list")),
    }
}

pub(super) fn reverse(name: &str, args: &mut [Value]) -> Result<Value, Fault> {
    let mut seq = take_arg(args, 0);
    match &mut seq {
        Value::List(xs) => {
            Rc::make_mut(xs).reverse();
            Ok(seq)
        }
        Value::Str(s) => Ok(Value::str(s.chars().rev().collect::<String>())),
        other => Err(wrong(name, other, "a list or a String")),
    }
}

/// `first` (`first`) or `last`: null when empty.
pub(super) fn first_or_last(name: &str, args: &[Value], first: bool) -> Result<Value, Fault> {
    match arg(args, 0) {
        Value::List(xs) => Ok(if first { xs.first() } else { xs.last() }
            .cloned()
            .unwrap_or_default()),
        Value::Str(s) => Ok(if first {
            s.chars().next()
        } else {
            s.chars().next_back()
        }
        .map_or(Value::Null, |c| Value::str(c.to_string()))),
        other => Err(wrong(name, other, "a list")),
    }
}

/// `take` (`take`) or `drop` of the first `n` elements or characters.
pub(super) fn take_or_drop(name: &str, args: &[Value], take: bool) -> Result<Value, Fault> {
    let n = want_int(name, arg(args, 1))?;
    match arg(args, 0) {
        Value::List(xs) => {
            let k = n.clamp(0, xs.len() as i64) as usize;
            let part = if take { xs.get(..k) } else { xs.get(k..) };
            Ok(Value::list(part.unwrap_or(&[]).to_vec()))
        }
        Value::Str(s) => {
            let k = n.max(0) as usize;
            Ok(Value::str(if take {
                s.chars().take(k).collect::<String>()
            } else {
                s.chars().skip(k).collect::<String>()
            }))
        }
        other => Err(wrong(name, other, "a list")),
    }
}
