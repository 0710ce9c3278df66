//! The list builtins: `append`, `sort` and the sort by keys, `range`, `enumerate`, `zip`,
//! `flatten`, `unique`, `sum`.

use std::cmp::Ordering;
use std::rc::Rc;

use super::args::{arg, take_arg, want_int, want_list, wrong};
use crate::arith::{self, Fault};
use crate::limits::check_elements;
use crate::lir::BinOp;
use crate::map::{KeyRef, MapKey, MapObj};
use crate::objects::iter_prep;
use crate::value::{compare, Value};

/// The order of `sort`: `compare`, with NaN after every number; the first comparison that
/// fails is kept in `failure` (and the pair compares equal).
fn sort_cmp(a: &Value, b: &Value, failure: &mut Option<Fault>) -> Ordering {
    match compare(a, b) {
        Ok(Some(o)) => o,
        // NaN sorts after every number (and equal to another NaN).
        Ok(None) => {
            let an = matches!(a, Value::Float(f) if f.is_nan());
            let bn = matches!(b, Value::Float(f) if f.is_nan());
            an.cmp(&bn)
        }
        Err(m) => {
            if failure.is_none() {
                *failure = Some(Fault::runtime(m));
            }
            Ordering::Equal
        }
    }
}

pub(super) fn append(name: &str, args: &mut [Value]) -> Result<Value, Fault> {
    let v = take_arg(args, 1);
    let mut list = take_arg(args, 0);
    match &mut list {
        Value::List(xs) => {
            check_elements(xs.len() + 1)?;
            Rc::make_mut(xs).push(v);
            Ok(list)
        }
        other => Err(wrong(name, other, "a list")),
    }
}

pub(super) fn sort(name: &str, args: &mut [Value]) -> Result<Value, Fault> {
    let mut list = take_arg(args, 0);
    match &mut list {
        Value::List(xs) => {
            let mut failure: Option<Fault> = None;
            Rc::make_mut(xs)
                .as_mut_slice()
                .sort_by(|a, b| sort_cmp(a, b, &mut failure));
            match failure {
                Some(f) => Err(Fault::runtime(format!("{name}: {}", f.message))),
                None => Ok(list),
            }
        }
        other => Err(wrong(name, other, "a list")),
    }
}

/// `__sort_by_keys(xs, keys)`: xs in the order of the parallel `keys` (what `sort_by`
/// is lowered to).
pub(super) fn sort_by_keys(name: &str, args: &[Value]) -> Result<Value, Fault> {
    let xs = want_list(name, arg(args, 0))?;
    let keys = want_list(name, arg(args, 1))?;
    if xs.len() != keys.len() {
        return Err(Fault::runtime(format!(
            "{name}: {} values but {} keys",
            xs.len(),
            keys.len()
        )));
    }
    let mut order: Vec<usize> = (0..xs.len()).collect();
    let mut failure = None;
    order.sort_by(|&i, &j| match (keys.get(i), keys.get(j)) {
        (Some(a), Some(b)) => sort_cmp(a, b, &mut failure),
        _ => Ordering::Equal,
    });
    if let Some(f) = failure {
        return Err(Fault::runtime(format!("sort_by: {}", f.message)));
    }
    Ok(Value::list(
        order
            .into_iter()
            .filter_map(|i| xs.get(i).cloned())
            .collect(),
    ))
}

pub(super) fn range(name: &str, args: &[Value]) -> Result<Value, Fault> {
    let (start, end, step) = match args.len() {
        1 => (0, want_int(name, arg(args, 0))?, 1),
        2 => (
            want_int(name, arg(args, 0))?,
            want_int(name, arg(args, 1))?,
            1,
        ),
        _ => (
            want_int(name, arg(args, 0))?,
            want_int(name, arg(args, 1))?,
            want_int(name, arg(args, 2))?,
        ),
    };
    if step == 0 {
        return Err(Fault::runtime("range: step must not be 0"));
    }
    let span = if step > 0 {
        (end as i128 - start as i128).max(0)
    } else {
        (start as i128 - end as i128).max(0)
    };
    let count = (span + step.unsigned_abs() as i128 - 1) / step.unsigned_abs() as i128;
    check_elements(usize::try_from(count).unwrap_or(usize::MAX))?;
    let v = (0..count as i64)
        .map(|k| Value::Int((start as i128 + k as i128 * step as i128) as i64))
        .collect();
    Ok(Value::list(v))
}

pub(super) fn enumerate(name: &str, args: &[Value]) -> Result<Value, Fault> {
    let xs = iter_prep(arg(args, 0))?;
    let xs = want_list(name, &xs)?;
    Ok(Value::list(
        xs.iter()
            .enumerate()
            .map(|(i, x)| Value::tuple(vec![Value::Int(i as i64), x.clone()]))
            .collect(),
    ))
}

pub(super) fn zip(name: &str, args: &[Value]) -> Result<Value, Fault> {
    let a = want_list(name, arg(args, 0))?;
    let c = want_list(name, arg(args, 1))?;
    Ok(Value::list(
        a.iter()
            .zip(c.iter())
            .map(|(x, y)| Value::tuple(vec![x.clone(), y.clone()]))
            .collect(),
    ))
}

pub(super) fn flatten(name: &str, args: &[Value]) -> Result<Value, Fault> {
    let xs = want_list(name, arg(args, 0))?;
    check_elements(xs.iter().fold(0usize, |n, x| {
        n.saturating_add(match x {
            Value::List(inner) => inner.len(),
            _ => 1,
        })
    }))?;
    let mut v = Vec::new();
    for x in xs.iter() {
        match x {
            Value::List(inner) => v.extend(inner.iter().cloned()),
            other => v.push(other.clone()),
        }
    }
    Ok(Value::list(v))
}

pub(super) fn unique(name: &str, args: &[Value]) -> Result<Value, Fault> {
    let xs = want_list(name, arg(args, 0))?;
    let mut seen = MapObj::new();
    let mut others: Vec<Value> = Vec::new();
    let mut v = Vec::new();
    for x in xs.iter() {
        match x {
            Value::Int(_) | Value::Str(_) => {
                if let Some(k) = MapKey::from_value(x) {
                    if seen.insert(k, Value::Null).is_none() {
                        v.push(x.clone());
                    }
                }
            }
            _ => {
                // Floats equal to an Int already seen count as duplicates too.
                let dup_int = matches!(x, Value::Float(f) if f.fract() == 0.0
                    && *f >= -9.0e18 && *f <= 9.0e18
                    && seen.contains_key(KeyRef::Int(*f as i64)));
                if !dup_int && !others.contains(x) {
                    others.push(x.clone());
                    v.push(x.clone());
                }
            }
        }
    }
    Ok(Value::list(v))
}

pub(super) fn sum(name: &str, args: &[Value]) -> Result<Value, Fault> {
    let xs = want_list(name, arg(args, 0))?;
    let mut acc = Value::Int(0);
    for x in xs.iter() {
        acc = match (&acc, x) {
            (Value::Int(a), Value::Int(c)) => {
                Value::Int(a.checked_add(*c).ok_or_else(|| Fault::overflow("sum"))?)
            }
            _ => arith::binary(BinOp::Add, &acc, x).map_err(|_| wrong(name, x, "numbers"))?,
        };
    }
    Ok(acc)
}
