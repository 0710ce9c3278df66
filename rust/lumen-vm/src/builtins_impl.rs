//! Native implementations of the builtins listed in `builtins.rs` (spec §8 and
//! docs/LANGUAGE.md). Builtins never call Lumen code.
//!
//! Arguments arrive in the caller's argument registers, which the VM clears after the
//! call; a builtin may therefore *take* an argument (`std::mem::take`) and, when it holds
//! the only reference, update it in place (`append`, `set`, `remove`, `merge`, `sort`).
//!
//! Decisions the spec leaves open (documented here for the checker and the docs):
//! - `print(a, b, ...)` joins the display texts with one space; returns null.
//! - `to_int`: Int as is, Float truncated (null if not finite or out of range), String
//!   parsed as a decimal integer after trimming (null if it is not one), Bool 1/0, else null.
//!   `to_float`: Int/Float as numbers, String parsed (null if not a number), else null.
//! - `parse_json(s)`: the value; invalid JSON is run-time error E0911 with serde's message.
//!   `to_json(v)`: compact JSON text, map keys in insertion order (see `json`).
//! - `len`/`length`: characters of a string, elements of a list/tuple, entries of a map.
//! - `split(s, "")` splits into characters; `join(xs, sep)` joins the display texts.
//! - `index_of(s, sub)`: character index of the first occurrence, or -1; on lists, the
//!   index of the first equal element, or -1.
//! - `slice(x, start, end?)` on lists and strings (by character), Python-style: negative
//!   indices count from the end, out-of-range bounds are clamped, `end` defaults to the
//!   length. `take(xs, n)`/`drop(xs, n)` clamp `n` to `0..=len` (lists and strings).
//! - `pad_left(s, width, fill = " ")`/`pad_right`: pad with `fill` repeated (cut to the
//!   exact width, by characters); an empty fill is an error.
//! - `repeat(s, n)` on strings and lists; n < 0 gives an empty result.
//! - `floor`/`ceil`/`round` return Int (a Float that does not fit is E0901); `round`
//!   rounds half away from zero. `sqrt` and `pow` with a Float operand return Float;
//!   `pow(Int, Int >= 0)` is a checked Int. `abs` is checked on Int.
//! - `min`/`max` take two values or one list (an empty list is an error); `clamp(x, lo, hi)`.
//! - `sort(xs)`: stable, on numbers (Int/Float mixed), strings, or lists/tuples of those;
//!   NaN sorts last. `__sort_by_keys(xs, keys)` sorts xs by the parallel keys list.
//! - `range(n)`, `range(a, b)`, `range(a, b, step)`: `a` up to (excluding) `b`; step 0 is
//!   an error. `first`/`last` of an empty list are null.
//! - `contains(x, y)`: substring, list element, or map key. `sum` of Ints is checked.
//! - `get(m, k, default = null)` on maps (missing key) and lists (index out of range);
//!   `set(m, k, v)` on maps and lists (index must be in range), `remove(m, k)` and
//!   `merge(a, b)` (b wins) on maps — all return a new value.
//! - `type_of(v)`: docs/LANGUAGE.md 23.

use std::cmp::Ordering;
use std::rc::Rc;

use crate::arith::{self, Fault};
use crate::builtins::Builtin;
use crate::error::codes;
use crate::json;
use crate::limits::{check_elements, check_string, text_too_long};
use crate::machine::{get_index, iter_prep, length_of};
use crate::map::{insert_checked as map_insert, KeyRef, MapKey, MapObj};
use crate::value::{compare, Value};

/// A shareable `null` for missing arguments.
struct SharedNull(Value);
// SAFETY: the wrapped value is always `Value::Null`, which holds no `Rc`; a static cannot
// be mutated, so sharing it between threads shares no reference count.
unsafe impl Sync for SharedNull {}
static NULL: SharedNull = SharedNull(Value::Null);

fn arg(args: &[Value], i: usize) -> &Value {
    args.get(i).unwrap_or(&NULL.0)
}

fn take_arg(args: &mut [Value], i: usize) -> Value {
    args.get_mut(i).map(std::mem::take).unwrap_or_default()
}

fn wrong(name: &str, v: &Value, want: &str) -> Fault {
    Fault::runtime(format!("{name} expects {want}, got {}", v.type_name()))
}

/// The display text of `v` (E0914 when it would exceed the string limit).
fn display(v: &Value) -> Result<String, Fault> {
    v.try_display().map_err(|_| text_too_long())
}

fn want_str<'a>(name: &str, v: &'a Value) -> Result<&'a str, Fault> {
    v.as_str().ok_or_else(|| wrong(name, v, "a String"))
}

fn want_int(name: &str, v: &Value) -> Result<i64, Fault> {
    v.as_int().ok_or_else(|| wrong(name, v, "an Int"))
}

/// A count argument (`repeat`'s times, `pad_*`'s width) as a `usize`: a negative count is
/// 0, a count beyond the address space is `usize::MAX` (so the size check that follows
/// reports E0914 on every host; on wasm32 `usize` is 32 bits and must not wrap to 0).
fn want_count(name: &str, v: &Value) -> Result<usize, Fault> {
    let n = want_int(name, v)?;
    Ok(if n < 0 {
        0
    } else {
        usize::try_from(n).unwrap_or(usize::MAX)
    })
}

fn want_num(name: &str, v: &Value) -> Result<f64, Fault> {
    v.as_f64().ok_or_else(|| wrong(name, v, "a number"))
}

fn want_list<'a>(name: &str, v: &'a Value) -> Result<&'a Rc<crate::value::Seq>, Fault> {
    match v {
        Value::List(xs) => Ok(xs),
        _ => Err(wrong(name, v, "a list")),
    }
}

fn want_map<'a>(name: &str, v: &'a Value) -> Result<&'a Rc<MapObj>, Fault> {
    match v {
        Value::Map(m) => Ok(m),
        _ => Err(wrong(name, v, "a map")),
    }
}

fn key_of(name: &str, v: &Value) -> Result<MapKey, Fault> {
    MapKey::from_value(v).ok_or_else(|| wrong(name, v, "a String or Int key"))
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

fn float_to_int(name: &str, f: f64) -> Result<Value, Fault> {
    // i64::MIN as f64 is exact; i64::MAX as f64 rounds up to 2^63, which does not fit.
    if (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) {
        Ok(Value::Int(f as i64))
    } else {
        Err(Fault::new(
            codes::INT_OVERFLOW,
            format!("{name}: {f} does not fit in an Int"),
        ))
    }
}

fn sort_values(name: &str, xs: &mut [Value]) -> Result<(), Fault> {
    let mut failure: Option<Fault> = None;
    xs.sort_by(|a, b| sort_cmp(a, b, &mut failure));
    match failure {
        Some(f) => Err(Fault::runtime(format!("{name}: {}", f.message))),
        None => Ok(()),
    }
}

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

fn pad(name: &str, args: &[Value], left: bool) -> Result<Value, Fault> {
    let s = want_str(name, arg(args, 0))?;
    let width = want_count(name, arg(args, 1))?;
    let fill = match args.get(2) {
        Some(f) => want_str(name, f)?,
        None => " ",
    };
    let len = s.chars().count();
    if width <= len {
        return Ok(Value::str(s));
    }
    if fill.is_empty() {
        return Err(Fault::runtime(format!("{name}: the fill string is empty")));
    }
    // Bytes of the result: the padding repeats `fill`, whose characters may be wider.
    let fill_chars = fill.chars().count().max(1);
    check_string(
        (width - len)
            .saturating_mul(fill.len())
            .div_ceil(fill_chars)
            .saturating_add(s.len()),
    )?;
    let padding: String = fill.chars().cycle().take(width - len).collect();
    Ok(Value::str(if left {
        padding + s
    } else {
        s.to_string() + &padding
    }))
}

fn min_max(name: &str, args: &[Value], want: Ordering) -> Result<Value, Fault> {
    let pick = |best: &Value, x: &Value| -> Result<bool, Fault> {
        match compare(x, best) {
            Ok(Some(o)) => Ok(o == want),
            Ok(None) => Ok(false),
            Err(m) => Err(Fault::runtime(format!("{name}: {m}"))),
        }
    };
    if args.len() == 2 {
        let (a, b) = (arg(args, 0), arg(args, 1));
        return Ok(if pick(a, b)? { b.clone() } else { a.clone() });
    }
    let xs = want_list(name, arg(args, 0))?;
    let mut it = xs.iter();
    let Some(mut best) = it.next() else {
        return Err(Fault::runtime(format!("{name} of an empty list")));
    };
    for x in it {
        if pick(best, x)? {
            best = x;
        }
    }
    Ok(best.clone())
}

/// Calls builtin `b` with `args`; `out` receives `print` lines.
pub(crate) fn call(
    b: Builtin,
    args: &mut [Value],
    out: &mut dyn FnMut(&str),
) -> Result<Value, Fault> {
    let name = b.name();
    match b {
        Builtin::Print => {
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
        Builtin::ToString => Ok(match take_arg(args, 0) {
            s @ Value::Str(_) => s,
            v => Value::str(display(&v)?),
        }),
        Builtin::ToInt => Ok(match arg(args, 0) {
            Value::Int(i) => Value::Int(*i),
            Value::Float(f) => float_to_int(name, *f).unwrap_or_default(),
            Value::Str(s) => s.trim().parse::<i64>().map_or(Value::Null, Value::Int),
            Value::Bool(b) => Value::Int(*b as i64),
            _ => Value::Null,
        }),
        Builtin::ToFloat => Ok(match arg(args, 0) {
            Value::Int(i) => Value::Float(*i as f64),
            Value::Float(f) => Value::Float(*f),
            Value::Str(s) => s.trim().parse::<f64>().map_or(Value::Null, Value::Float),
            _ => Value::Null,
        }),
        Builtin::TypeOf => Ok(Value::str(arg(args, 0).type_name())),
        Builtin::ParseJson => {
            let s = want_str(name, arg(args, 0))?;
            json::parse_json(s)
                .map_err(|e| Fault::new(codes::JSON_SHAPE, format!("invalid JSON: {e}")))
        }
        Builtin::ToJson => Ok(Value::str(json::to_json_string(arg(args, 0))?)),
        Builtin::Len => Ok(Value::Int(length_of(arg(args, 0))? as i64)),
        Builtin::Upper => Ok(Value::str(want_str(name, arg(args, 0))?.to_uppercase())),
        Builtin::Lower => Ok(Value::str(want_str(name, arg(args, 0))?.to_lowercase())),
        Builtin::Trim => Ok(Value::str(want_str(name, arg(args, 0))?.trim())),
        Builtin::Split => {
            let s = want_str(name, arg(args, 0))?;
            let sep = want_str(name, arg(args, 1))?;
            check_elements(if sep.is_empty() {
                s.chars().count()
            } else {
                s.matches(sep).count() + 1
            })?;
            let parts: Vec<Value> = if sep.is_empty() {
                s.chars().map(|c| Value::str(c.to_string())).collect()
            } else {
                s.split(sep).map(Value::str).collect()
            };
            Ok(Value::list(parts))
        }
        Builtin::Join => {
            let xs = want_list(name, arg(args, 0))?;
            let sep = want_str(name, arg(args, 1))?;
            let mut s = String::new();
            for (i, x) in xs.iter().enumerate() {
                if i > 0 {
                    s.push_str(sep);
                }
                if crate::value::write_display(&mut s, x, 0, false).is_err() {
                    return Err(text_too_long());
                }
                check_string(s.len())?;
            }
            Ok(Value::str(s))
        }
        Builtin::Replace => {
            let s = want_str(name, arg(args, 0))?;
            let from = want_str(name, arg(args, 1))?;
            let to = want_str(name, arg(args, 2))?;
            if from.is_empty() {
                return Ok(Value::str(s));
            }
            let count = s.matches(from).count();
            if to.len() > from.len() {
                check_string(
                    count
                        .saturating_mul(to.len() - from.len())
                        .saturating_add(s.len()),
                )?;
            }
            Ok(Value::str(s.replace(from, to)))
        }
        Builtin::Contains => arith::contains(arg(args, 0), arg(args, 1)).map(Value::Bool),
        Builtin::StartsWith => Ok(Value::Bool(
            want_str(name, arg(args, 0))?.starts_with(want_str(name, arg(args, 1))?),
        )),
        Builtin::EndsWith => Ok(Value::Bool(
            want_str(name, arg(args, 0))?.ends_with(want_str(name, arg(args, 1))?),
        )),
        Builtin::Chars => {
            let s = want_str(name, arg(args, 0))?;
            check_elements(s.chars().count())?;
            Ok(Value::list(
                s.chars().map(|c| Value::str(c.to_string())).collect(),
            ))
        }
        Builtin::IndexOf => match arg(args, 0) {
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
        },
        Builtin::Slice => {
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
        Builtin::Repeat => {
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
        Builtin::PadLeft => pad(name, args, true),
        Builtin::PadRight => pad(name, args, false),
        Builtin::Abs => match arg(args, 0) {
            Value::Int(i) => i
                .checked_abs()
                .map(Value::Int)
                .ok_or_else(|| Fault::overflow("abs")),
            Value::Float(f) => Ok(Value::Float(f.abs())),
            other => Err(wrong(name, other, "a number")),
        },
        Builtin::Min => min_max(name, args, Ordering::Less),
        Builtin::Max => min_max(name, args, Ordering::Greater),
        Builtin::Floor | Builtin::Ceil | Builtin::Round => match arg(args, 0) {
            Value::Int(i) => Ok(Value::Int(*i)),
            Value::Float(f) => float_to_int(
                name,
                match b {
                    Builtin::Floor => f.floor(),
                    Builtin::Ceil => f.ceil(),
                    _ => f.round(),
                },
            ),
            other => Err(wrong(name, other, "a number")),
        },
        Builtin::Sqrt => Ok(Value::Float(want_num(name, arg(args, 0))?.sqrt())),
        Builtin::Pow => arith::binary(crate::lir::BinOp::Pow, arg(args, 0), arg(args, 1)),
        Builtin::Clamp => {
            let (x, lo, hi) = (arg(args, 0), arg(args, 1), arg(args, 2));
            let lt = |a: &Value, b: &Value| -> Result<bool, Fault> {
                compare(a, b)
                    .map(|o| o == Some(Ordering::Less))
                    .map_err(|m| Fault::runtime(format!("{name}: {m}")))
            };
            Ok(if lt(x, lo)? {
                lo.clone()
            } else if lt(hi, x)? {
                hi.clone()
            } else {
                x.clone()
            })
        }
        Builtin::Append => {
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
        Builtin::Sort => {
            let mut list = take_arg(args, 0);
            match &mut list {
                Value::List(xs) => {
                    sort_values(name, Rc::make_mut(xs).as_mut_slice())?;
                    Ok(list)
                }
                other => Err(wrong(name, other, "a list")),
            }
        }
        Builtin::SortByKeys => {
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
        Builtin::Reverse => {
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
        Builtin::Range => {
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
        Builtin::First | Builtin::Last => match arg(args, 0) {
            Value::List(xs) => Ok(if b == Builtin::First {
                xs.first()
            } else {
                xs.last()
            }
            .cloned()
            .unwrap_or_default()),
            Value::Str(s) => Ok(if b == Builtin::First {
                s.chars().next()
            } else {
                s.chars().next_back()
            }
            .map_or(Value::Null, |c| Value::str(c.to_string()))),
            other => Err(wrong(name, other, "a list")),
        },
        Builtin::IsEmpty => Ok(Value::Bool(length_of(arg(args, 0))? == 0)),
        Builtin::Take | Builtin::Drop => {
            let n = want_int(name, arg(args, 1))?;
            match arg(args, 0) {
                Value::List(xs) => {
                    let k = n.clamp(0, xs.len() as i64) as usize;
                    let part = if b == Builtin::Take {
                        xs.get(..k)
                    } else {
                        xs.get(k..)
                    };
                    Ok(Value::list(part.unwrap_or(&[]).to_vec()))
                }
                Value::Str(s) => {
                    let k = n.max(0) as usize;
                    Ok(Value::str(if b == Builtin::Take {
                        s.chars().take(k).collect::<String>()
                    } else {
                        s.chars().skip(k).collect::<String>()
                    }))
                }
                other => Err(wrong(name, other, "a list")),
            }
        }
        Builtin::Enumerate => {
            let xs = iter_prep(arg(args, 0))?;
            let xs = want_list(name, &xs)?;
            Ok(Value::list(
                xs.iter()
                    .enumerate()
                    .map(|(i, x)| Value::tuple(vec![Value::Int(i as i64), x.clone()]))
                    .collect(),
            ))
        }
        Builtin::Zip => {
            let a = want_list(name, arg(args, 0))?;
            let c = want_list(name, arg(args, 1))?;
            Ok(Value::list(
                a.iter()
                    .zip(c.iter())
                    .map(|(x, y)| Value::tuple(vec![x.clone(), y.clone()]))
                    .collect(),
            ))
        }
        Builtin::Flatten => {
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
        Builtin::Unique => {
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
        Builtin::Sum => {
            let xs = want_list(name, arg(args, 0))?;
            let mut acc = Value::Int(0);
            for x in xs.iter() {
                acc = match (&acc, x) {
                    (Value::Int(a), Value::Int(c)) => {
                        Value::Int(a.checked_add(*c).ok_or_else(|| Fault::overflow("sum"))?)
                    }
                    _ => arith::binary(crate::lir::BinOp::Add, &acc, x)
                        .map_err(|_| wrong(name, x, "numbers"))?,
                };
            }
            Ok(acc)
        }
        Builtin::Keys => {
            let m = want_map(name, arg(args, 0))?;
            Ok(Value::list(m.iter().map(|(k, _)| k.to_value()).collect()))
        }
        Builtin::Values => {
            let m = want_map(name, arg(args, 0))?;
            Ok(Value::list(m.iter().map(|(_, v)| v.clone()).collect()))
        }
        Builtin::Entries => {
            let m = want_map(name, arg(args, 0))?;
            Ok(Value::list(
                m.iter()
                    .map(|(k, v)| Value::tuple(vec![k.to_value(), v.clone()]))
                    .collect(),
            ))
        }
        Builtin::HasKey => {
            let m = want_map(name, arg(args, 0))?;
            Ok(Value::Bool(
                KeyRef::from_value(arg(args, 1)).is_some_and(|k| m.contains_key(k)),
            ))
        }
        Builtin::Get => {
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
        Builtin::Set => {
            let v = take_arg(args, 2);
            let mut target = take_arg(args, 0);
            match &mut target {
                Value::Map(m) => {
                    let k = key_of(name, arg(args, 1))?;
                    map_insert(m, k, v)?;
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
                        None => Err(Fault::new(
                            codes::INDEX_OUT_OF_RANGE,
                            format!("index {i} out of range for list of length {len}"),
                        )),
                    }
                }
                other => Err(wrong(name, other, "a map or a list")),
            }
        }
        Builtin::Remove => {
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
        Builtin::Merge => {
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(b: Builtin, mut args: Vec<Value>) -> Result<Value, Fault> {
        let mut sink = |_: &str| {};
        call(b, &mut args, &mut sink)
    }

    fn ok(b: Builtin, args: Vec<Value>) -> String {
        run(b, args)
            .map(|v| v.to_repr())
            .unwrap_or_else(|f| format!("ERR {} {}", f.code, f.message))
    }

    fn ints(v: &[i64]) -> Value {
        Value::list(v.iter().map(|i| Value::Int(*i)).collect())
    }

    fn s(x: &str) -> Value {
        Value::str(x)
    }

    #[test]
    fn print_joins_with_spaces() {
        let mut lines = Vec::new();
        let mut sink = |l: &str| lines.push(l.to_string());
        let mut args = vec![s("a"), Value::Int(1), ints(&[1]), s("q")];
        call(Builtin::Print, &mut args, &mut sink).unwrap();
        assert_eq!(lines, vec!["a 1 [1] q"]);
    }

    #[test]
    fn conversions() {
        assert_eq!(ok(Builtin::ToString, vec![Value::Float(2.0)]), "\"2.0\"");
        assert_eq!(ok(Builtin::ToInt, vec![s(" 42 ")]), "42");
        assert_eq!(ok(Builtin::ToInt, vec![s("3.5")]), "null");
        assert_eq!(ok(Builtin::ToInt, vec![Value::Float(3.7)]), "3");
        assert_eq!(ok(Builtin::ToInt, vec![Value::Float(f64::NAN)]), "null");
        assert_eq!(ok(Builtin::ToFloat, vec![s("x")]), "null");
        assert_eq!(ok(Builtin::ToFloat, vec![Value::Int(2)]), "2.0");
        assert_eq!(ok(Builtin::TypeOf, vec![ints(&[])]), "\"list\"");
        assert_eq!(ok(Builtin::TypeOf, vec![Value::Float(1.0)]), "\"Float\"");
        assert_eq!(
            ok(Builtin::ParseJson, vec![s("{\"a\": [1]}")]),
            "{\"a\": [1]}"
        );
        assert!(ok(Builtin::ParseJson, vec![s("{")]).starts_with("ERR E0911"));
        assert_eq!(ok(Builtin::ToJson, vec![ints(&[1, 2])]), "\"[1,2]\"");
    }

    #[test]
    fn strings() {
        assert_eq!(ok(Builtin::Len, vec![s("é")]), "1");
        assert_eq!(ok(Builtin::Upper, vec![s("abc")]), "\"ABC\"");
        assert_eq!(ok(Builtin::Trim, vec![s("  a ")]), "\"a\"");
        assert_eq!(ok(Builtin::Split, vec![s("a,b"), s(",")]), "[\"a\", \"b\"]");
        assert_eq!(ok(Builtin::Split, vec![s("ab"), s("")]), "[\"a\", \"b\"]");
        assert_eq!(ok(Builtin::Join, vec![ints(&[1, 2]), s("-")]), "\"1-2\"");
        assert_eq!(
            ok(Builtin::Replace, vec![s("aXbX"), s("X"), s("y")]),
            "\"ayby\""
        );
        assert_eq!(ok(Builtin::Contains, vec![s("haystack"), s("st")]), "true");
        assert_eq!(ok(Builtin::StartsWith, vec![s("abc"), s("ab")]), "true");
        assert_eq!(ok(Builtin::EndsWith, vec![s("abc"), s("ab")]), "false");
        assert_eq!(ok(Builtin::Chars, vec![s("hé")]), "[\"h\", \"é\"]");
        assert_eq!(ok(Builtin::IndexOf, vec![s("héllo"), s("l")]), "2");
        assert_eq!(ok(Builtin::IndexOf, vec![s("abc"), s("z")]), "-1");
        assert_eq!(
            ok(
                Builtin::Slice,
                vec![s("héllo"), Value::Int(1), Value::Int(3)]
            ),
            "\"él\""
        );
        assert_eq!(
            ok(Builtin::Slice, vec![s("hello"), Value::Int(-3)]),
            "\"llo\""
        );
        assert_eq!(
            ok(Builtin::Repeat, vec![s("ab"), Value::Int(3)]),
            "\"ababab\""
        );
        assert_eq!(
            ok(Builtin::PadLeft, vec![s("7"), Value::Int(3), s("0")]),
            "\"007\""
        );
        assert_eq!(
            ok(Builtin::PadRight, vec![s("7"), Value::Int(3)]),
            "\"7  \""
        );
        assert_eq!(ok(Builtin::Reverse, vec![s("abc")]), "\"cba\"");
        assert!(ok(Builtin::Repeat, vec![s("ab"), Value::Int(i64::MAX)]).starts_with("ERR E0914"));
    }

    /// Found by the fuzzer's differential check: on wasm32 a count beyond `u32::MAX` used to
    /// wrap to 0 (`repeat` gave "", `pad_left` the string unchanged) where native said
    /// E0914. Counts now saturate, so every host reports the same error; empty inputs stay
    /// empty at any count without looping.
    #[test]
    fn issue10_fuzz_huge_counts_are_e0914_on_every_host() {
        // Saturating, never wrapping: on wasm32 this is usize::MAX, on 64 bits i64::MAX.
        assert_eq!(
            want_count("repeat", &Value::Int(i64::MAX)).ok(),
            Some(usize::try_from(i64::MAX).unwrap_or(usize::MAX))
        );
        assert_eq!(want_count("repeat", &Value::Int(-5)).ok(), Some(0));
        assert_eq!(
            want_count("repeat", &Value::Int(1 << 40)).ok(),
            usize::try_from(1_i64 << 40).ok().or(Some(usize::MAX))
        );
        for (b, x) in [
            (Builtin::PadLeft, s("a")),
            (Builtin::PadRight, s("a")),
            (Builtin::Repeat, s("ab")),
            (Builtin::Repeat, ints(&[1])),
        ] {
            for n in [i64::MAX, 1 << 33] {
                let got = ok(b, vec![x.clone(), Value::Int(n)]);
                assert!(got.starts_with("ERR E0914"), "{b:?} {n}: {got}");
            }
        }
        assert_eq!(
            ok(Builtin::Repeat, vec![s(""), Value::Int(i64::MAX)]),
            "\"\""
        );
        assert_eq!(
            ok(Builtin::Repeat, vec![ints(&[]), Value::Int(i64::MAX)]),
            "[]"
        );
        assert_eq!(ok(Builtin::Repeat, vec![s("ab"), Value::Int(-1)]), "\"\"");
    }

    #[test]
    fn math() {
        assert_eq!(ok(Builtin::Abs, vec![Value::Int(-4)]), "4");
        assert!(ok(Builtin::Abs, vec![Value::Int(i64::MIN)]).starts_with("ERR E0901"));
        assert_eq!(
            ok(Builtin::Min, vec![Value::Int(3), Value::Float(2.5)]),
            "2.5"
        );
        assert_eq!(ok(Builtin::Max, vec![ints(&[3, 9, 1])]), "9");
        assert!(ok(Builtin::Max, vec![ints(&[])]).starts_with("ERR"));
        assert_eq!(ok(Builtin::Floor, vec![Value::Float(2.7)]), "2");
        assert_eq!(ok(Builtin::Floor, vec![Value::Float(-2.5)]), "-3");
        assert_eq!(ok(Builtin::Ceil, vec![Value::Float(2.1)]), "3");
        assert_eq!(ok(Builtin::Round, vec![Value::Float(2.5)]), "3");
        assert!(ok(Builtin::Round, vec![Value::Float(1e300)]).starts_with("ERR E0901"));
        assert_eq!(ok(Builtin::Sqrt, vec![Value::Int(16)]), "4.0");
        assert_eq!(
            ok(Builtin::Pow, vec![Value::Int(2), Value::Int(10)]),
            "1024"
        );
        assert_eq!(
            ok(
                Builtin::Clamp,
                vec![Value::Int(15), Value::Int(0), Value::Int(10)]
            ),
            "10"
        );
    }

    #[test]
    fn lists() {
        assert_eq!(
            ok(Builtin::Append, vec![ints(&[1]), Value::Int(2)]),
            "[1, 2]"
        );
        assert_eq!(ok(Builtin::Sort, vec![ints(&[3, 1, 2])]), "[1, 2, 3]");
        assert_eq!(
            ok(
                Builtin::Sort,
                vec![Value::list(vec![
                    Value::Float(2.5),
                    Value::Int(1),
                    Value::Float(f64::NAN),
                    Value::Int(3)
                ])]
            ),
            "[1, 2.5, 3, nan]"
        );
        assert!(ok(
            Builtin::Sort,
            vec![Value::list(vec![Value::Int(1), s("a")])]
        )
        .starts_with("ERR"));
        assert_eq!(
            ok(
                Builtin::SortByKeys,
                vec![Value::list(vec![s("b"), s("a"), s("c")]), ints(&[2, 1, 2])]
            ),
            "[\"a\", \"b\", \"c\"]"
        );
        assert_eq!(ok(Builtin::Reverse, vec![ints(&[1, 2])]), "[2, 1]");
        assert_eq!(ok(Builtin::Range, vec![Value::Int(3)]), "[0, 1, 2]");
        assert_eq!(
            ok(Builtin::Range, vec![Value::Int(2), Value::Int(4)]),
            "[2, 3]"
        );
        assert_eq!(
            ok(
                Builtin::Range,
                vec![Value::Int(5), Value::Int(0), Value::Int(-2)]
            ),
            "[5, 3, 1]"
        );
        assert!(ok(
            Builtin::Range,
            vec![Value::Int(0), Value::Int(1), Value::Int(0)]
        )
        .starts_with("ERR"));
        assert!(ok(
            Builtin::Range,
            vec![Value::Int(i64::MIN), Value::Int(i64::MAX)]
        )
        .starts_with("ERR E0914"));
        assert_eq!(ok(Builtin::First, vec![ints(&[])]), "null");
        assert_eq!(ok(Builtin::Last, vec![ints(&[1, 2])]), "2");
        assert_eq!(ok(Builtin::IsEmpty, vec![ints(&[])]), "true");
        assert_eq!(
            ok(Builtin::Contains, vec![ints(&[1, 2]), Value::Float(2.0)]),
            "true"
        );
        assert_eq!(
            ok(Builtin::Take, vec![ints(&[1, 2, 3]), Value::Int(2)]),
            "[1, 2]"
        );
        assert_eq!(
            ok(Builtin::Drop, vec![ints(&[1, 2, 3]), Value::Int(5)]),
            "[]"
        );
        assert_eq!(ok(Builtin::Enumerate, vec![ints(&[7])]), "[(0, 7)]");
        assert_eq!(
            ok(Builtin::Zip, vec![ints(&[1, 2]), ints(&[3])]),
            "[(1, 3)]"
        );
        assert_eq!(
            ok(
                Builtin::Flatten,
                vec![Value::list(vec![ints(&[1]), ints(&[2, 3])])]
            ),
            "[1, 2, 3]"
        );
        assert_eq!(
            ok(Builtin::Unique, vec![ints(&[1, 2, 1, 3, 2])]),
            "[1, 2, 3]"
        );
        assert_eq!(ok(Builtin::Sum, vec![ints(&[1, 2, 3])]), "6");
        assert_eq!(
            ok(
                Builtin::Sum,
                vec![Value::list(vec![Value::Int(1), Value::Float(0.5)])]
            ),
            "1.5"
        );
        assert!(ok(Builtin::Sum, vec![ints(&[i64::MAX, 1])]).starts_with("ERR E0901"));
        assert_eq!(
            ok(Builtin::IndexOf, vec![ints(&[5, 6]), Value::Int(6)]),
            "1"
        );
        assert_eq!(
            ok(Builtin::Slice, vec![ints(&[1, 2, 3]), Value::Int(1)]),
            "[2, 3]"
        );
    }

    #[test]
    fn maps() {
        let m = json::parse_json(r#"{"a": 1, "b": 2}"#).unwrap();
        assert_eq!(ok(Builtin::Keys, vec![m.clone()]), "[\"a\", \"b\"]");
        assert_eq!(ok(Builtin::Values, vec![m.clone()]), "[1, 2]");
        assert_eq!(
            ok(Builtin::Entries, vec![m.clone()]),
            "[(\"a\", 1), (\"b\", 2)]"
        );
        assert_eq!(ok(Builtin::HasKey, vec![m.clone(), s("b")]), "true");
        assert_eq!(
            ok(Builtin::Get, vec![m.clone(), s("z"), Value::Int(0)]),
            "0"
        );
        assert_eq!(ok(Builtin::Get, vec![m.clone(), s("a")]), "1");
        assert_eq!(
            ok(
                Builtin::Get,
                vec![ints(&[1]), Value::Int(5), Value::Int(-1)]
            ),
            "-1"
        );
        assert_eq!(
            ok(Builtin::Set, vec![m.clone(), s("c"), Value::Int(3)]),
            "{\"a\": 1, \"b\": 2, \"c\": 3}"
        );
        assert_eq!(ok(Builtin::Remove, vec![m.clone(), s("a")]), "{\"b\": 2}");
        let m2 = json::parse_json(r#"{"b": 20, "z": 0}"#).unwrap();
        assert_eq!(
            ok(Builtin::Merge, vec![m.clone(), m2]),
            "{\"a\": 1, \"b\": 20, \"z\": 0}"
        );
        // The original is untouched (copy-on-write).
        assert_eq!(m.to_repr(), "{\"a\": 1, \"b\": 2}");
    }

    #[test]
    fn append_in_place_when_unique() {
        let xs = Value::list(Vec::with_capacity(4));
        let ptr = match &xs {
            Value::List(l) => Rc::as_ptr(l),
            _ => std::ptr::null(),
        };
        let out = run(Builtin::Append, vec![xs, Value::Int(1)]).unwrap();
        match &out {
            Value::List(l) => assert_eq!(Rc::as_ptr(l), ptr),
            _ => panic!("not a list"),
        }
    }
}
