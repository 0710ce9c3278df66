//! Equality and ordering of values, without recursion.
//!
//! Both walk nested values with an explicit stack on the heap, so comparing (or sorting)
//! values nested hundreds of thousands of levels deep cannot overflow the native stack.
//! Leaves (numbers, strings, ...) are compared inline; only pairs of containers that are
//! not the same allocation are pushed.

use std::cell::Cell;
use std::cmp::Ordering;
use std::rc::Rc;

use crate::value::Value;

thread_local! {
    /// Pairs of children visited by deep comparisons since the VM last charged them.
    static WORK: Cell<u64> = const { Cell::new(0) };
}

/// Records `n` units of comparison work (deep paths only).
fn add_work(n: u64) {
    WORK.with(|w| w.set(w.get().saturating_add(n)));
}

/// The comparison work done since the last call (child pairs visited by `==`, `<`, `sort`,
/// `contains`, ...), reset to 0. The VM charges it as fuel after an instruction or builtin
/// that may compare containers, so comparing deep or large values in a loop runs out of
/// fuel like any other work (issue 10: `x == y` on 200,000-deep values in a loop).
pub fn take_work() -> u64 {
    WORK.with(|w| w.replace(0))
}

/// What comparing two values without looking inside containers tells.
enum Shallow {
    Equal,
    Differ,
    /// Two containers of the same kind and shape: their children decide.
    Deep,
}

#[inline]
fn shallow_eq(a: &Value, b: &Value) -> Shallow {
    use Value::*;
    let yes = |c: bool| if c { Shallow::Equal } else { Shallow::Differ };
    let deep_if = |c: bool| if c { Shallow::Deep } else { Shallow::Differ };
    match (a, b) {
        (Null, Null) => Shallow::Equal,
        (Bool(x), Bool(y)) => yes(x == y),
        (Int(x), Int(y)) => yes(x == y),
        (Float(x), Float(y)) => yes(x == y),
        (Int(x), Float(y)) | (Float(y), Int(x)) => {
            yes(int_float_cmp(*x, *y) == Some(Ordering::Equal))
        }
        (Str(x), Str(y)) => yes(x == y),
        (List(x), List(y)) | (Tuple(x), Tuple(y)) => {
            if Rc::ptr_eq(x, y) {
                Shallow::Equal
            } else {
                deep_if(x.len() == y.len())
            }
        }
        (Map(x), Map(y)) => {
            if Rc::ptr_eq(x, y) {
                Shallow::Equal
            } else {
                deep_if(x.len() == y.len())
            }
        }
        (Record(x), Record(y)) => {
            if Rc::ptr_eq(x, y) {
                Shallow::Equal
            } else {
                deep_if(x.ty.id == y.ty.id)
            }
        }
        (Variant(x), Variant(y)) => {
            if Rc::ptr_eq(x, y) {
                Shallow::Equal
            } else {
                deep_if(x.info.id == y.info.id)
            }
        }
        (Tag(x), Tag(y)) => yes(x.id == y.id),
        (Ok(x), Ok(y)) | (Err(x), Err(y)) => {
            if Rc::ptr_eq(x, y) {
                Shallow::Equal
            } else {
                Shallow::Deep
            }
        }
        (Func(x), Func(y)) => {
            if Rc::ptr_eq(x, y) {
                Shallow::Equal
            } else {
                deep_if(x.func == y.func)
            }
        }
        _ => Shallow::Differ,
    }
}

/// Structural equality: `1 == 1.0`; maps compare as sets of entries (order-insensitive).
impl PartialEq for Value {
    #[inline]
    fn eq(&self, other: &Value) -> bool {
        match shallow_eq(self, other) {
            Shallow::Equal => true,
            Shallow::Differ => false,
            Shallow::Deep => deep_eq(self, other),
        }
    }
}

/// The number of direct children of a container (0 for scalars).
fn container_len(v: &Value) -> u64 {
    let n = match v {
        Value::List(x) | Value::Tuple(x) => x.len(),
        Value::Map(m) => m.len(),
        Value::Record(r) => r.fields.as_slice().len(),
        Value::Variant(v) => v.payload.as_slice().len(),
        Value::Func(f) => f.captures.len(),
        _ => 0,
    };
    n as u64
}

/// Pushes the child pairs of `xs`/`ys` that need a deeper look; `false` when a pair or the
/// lengths already differ.
fn push_pairs<'a>(
    xs: &'a [Value],
    ys: &'a [Value],
    stack: &mut Vec<(&'a Value, &'a Value)>,
) -> bool {
    if xs.len() != ys.len() {
        return false;
    }
    for (p, q) in xs.iter().zip(ys) {
        match shallow_eq(p, q) {
            Shallow::Equal => {}
            Shallow::Differ => return false,
            Shallow::Deep => stack.push((p, q)),
        }
    }
    true
}

/// Equality of two containers whose shallow comparison was inconclusive.
#[inline(never)]
fn deep_eq(a: &Value, b: &Value) -> bool {
    let mut work: u64 = 0;
    let equal = deep_eq_counting(a, b, &mut work);
    add_work(work);
    equal
}

/// [`deep_eq`], adding the pairs it visits to `work`.
fn deep_eq_counting(a: &Value, b: &Value, work: &mut u64) -> bool {
    let mut stack: Vec<(&Value, &Value)> = vec![(a, b)];
    while let Some((a, b)) = stack.pop() {
        *work += 1 + container_len(a);
        let same = match (a, b) {
            (Value::List(x), Value::List(y)) | (Value::Tuple(x), Value::Tuple(y)) => {
                push_pairs(x, y, &mut stack)
            }
            (Value::Map(x), Value::Map(y)) => {
                x.len() == y.len()
                    && x.iter().all(|(k, v)| match y.get(k.as_ref()) {
                        None => false,
                        Some(w) => match shallow_eq(v, w) {
                            Shallow::Equal => true,
                            Shallow::Differ => false,
                            Shallow::Deep => {
                                stack.push((v, w));
                                true
                            }
                        },
                    })
            }
            (Value::Record(x), Value::Record(y)) => {
                x.ty.id == y.ty.id
                    && push_pairs(x.fields.as_slice(), y.fields.as_slice(), &mut stack)
            }
            (Value::Variant(x), Value::Variant(y)) => {
                x.info.id == y.info.id
                    && push_pairs(x.payload.as_slice(), y.payload.as_slice(), &mut stack)
            }
            (Value::Ok(x), Value::Ok(y)) | (Value::Err(x), Value::Err(y)) => push_pairs(
                std::slice::from_ref(&**x),
                std::slice::from_ref(&**y),
                &mut stack,
            ),
            (Value::Func(x), Value::Func(y)) => {
                x.func == y.func && push_pairs(&x.captures, &y.captures, &mut stack)
            }
            _ => matches!(shallow_eq(a, b), Shallow::Equal),
        };
        if !same {
            return false;
        }
    }
    true
}

/// Exact comparison of an Int with a Float (no precision loss for large Ints).
pub fn int_float_cmp(i: i64, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    // 2^63 as f64; every i64 lies in [-2^63, 2^63).
    const TWO63: f64 = 9_223_372_036_854_775_808.0;
    if f >= TWO63 {
        return Some(Ordering::Less);
    }
    if f < -TWO63 {
        return Some(Ordering::Greater);
    }
    let t = f.trunc();
    let ti = t as i64; // exact: t is integral and in range
    match i.cmp(&ti) {
        Ordering::Equal => {
            let frac = f - t;
            if frac > 0.0 {
                Some(Ordering::Less)
            } else if frac < 0.0 {
                Some(Ordering::Greater)
            } else {
                Some(Ordering::Equal)
            }
        }
        o => Some(o),
    }
}

/// One step of an ordering comparison.
enum Step<'a> {
    /// The pair decides (or is equal); `None` is unordered (NaN).
    Done(Option<Ordering>),
    /// Two lists (or two tuples): compare their elements in order.
    Descend(&'a [Value], &'a [Value]),
}

#[inline]
fn step<'a>(a: &'a Value, b: &'a Value) -> Result<Step<'a>, String> {
    use Value::{Bool, Float, Int, List, Str, Tuple};
    Ok(Step::Done(match (a, b) {
        (Int(x), Int(y)) => Some(x.cmp(y)),
        (Float(x), Float(y)) => x.partial_cmp(y),
        (Int(x), Float(y)) => int_float_cmp(*x, *y),
        (Float(x), Int(y)) => int_float_cmp(*y, *x).map(Ordering::reverse),
        (Str(x), Str(y)) => Some(x.as_str().cmp(y.as_str())),
        (Bool(x), Bool(y)) => Some(x.cmp(y)),
        (List(x), List(y)) | (Tuple(x), Tuple(y)) => return Ok(Step::Descend(x, y)),
        _ => {
            return Err(format!(
                "cannot compare {} with {}",
                a.type_name(),
                b.type_name()
            ))
        }
    }))
}

/// Ordering used by `<`, `sort` and friends: numbers (Int/Float mixed), strings, booleans,
/// and lists/tuples lexicographically. `Ok(None)` means unordered (NaN); `Err` names the
/// kinds that cannot be compared.
pub fn compare(a: &Value, b: &Value) -> Result<Option<Ordering>, String> {
    match step(a, b)? {
        Step::Done(o) => Ok(o),
        Step::Descend(x, y) => compare_seqs(x, y),
    }
}

/// Lexicographic comparison of two sequences, with an explicit stack of positions.
#[inline(never)]
fn compare_seqs(x: &[Value], y: &[Value]) -> Result<Option<Ordering>, String> {
    let mut work: u64 = 0;
    let result = compare_seqs_counting(x, y, &mut work);
    add_work(work);
    result
}

/// [`compare_seqs`], adding the positions it visits to `work`.
fn compare_seqs_counting(
    x: &[Value],
    y: &[Value],
    work: &mut u64,
) -> Result<Option<Ordering>, String> {
    let mut stack: Vec<(&[Value], &[Value], usize)> = vec![(x, y, 0)];
    while let Some(top) = stack.last_mut() {
        *work += 1;
        let (xs, ys, i) = *top;
        match (xs.get(i), ys.get(i)) {
            (Some(p), Some(q)) => {
                top.2 += 1;
                match step(p, q)? {
                    Step::Done(Some(Ordering::Equal)) => {}
                    Step::Done(o) => return Ok(o),
                    Step::Descend(ps, qs) => stack.push((ps, qs, 0)),
                }
            }
            _ => {
                let o = xs.len().cmp(&ys.len());
                if o != Ordering::Equal {
                    return Ok(Some(o));
                }
                stack.pop();
            }
        }
    }
    Ok(Some(Ordering::Equal))
}
