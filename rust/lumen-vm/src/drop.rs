//! Dropping values without recursion.
//!
//! A list nested 200,000 levels deep (`x = [x]` in a loop) would overflow the native stack
//! if each level's drop dropped the next. [`Value`]'s `Drop` hands every value that owns
//! other heap values to [`drop_deep`], which frees the children of each *uniquely owned*
//! container before the container itself: the first [`NATIVE_LEVELS`] levels by bounded
//! recursion (no allocation for ordinary values), deeper ones from an explicit stack on
//! the heap, so the native stack use is bounded whatever the nesting. Scalars, strings and payload-less variants own no
//! values and never leave the inline fast path; a shared container (reference count above
//! one) only loses a reference, which frees nothing below it.

use std::rc::Rc;

use crate::value::Value;

impl Drop for Value {
    #[inline(always)]
    fn drop(&mut self) {
        match self {
            Value::Null
            | Value::Bool(_)
            | Value::Int(_)
            | Value::Float(_)
            | Value::Str(_)
            | Value::Tag(_) => {}
            _ => drop_deep(self),
        }
    }
}

/// Whether `v` may own values that own values (a container that is not shared).
#[inline(always)]
fn owns_containers(v: &Value) -> bool {
    match v {
        Value::List(r) | Value::Tuple(r) => Rc::strong_count(r) == 1,
        Value::Map(r) => Rc::strong_count(r) == 1,
        Value::Record(r) => Rc::strong_count(r) == 1,
        Value::Variant(r) => Rc::strong_count(r) == 1,
        Value::Ok(r) | Value::Err(r) => Rc::strong_count(r) == 1,
        Value::Func(r) => Rc::strong_count(r) == 1,
        _ => false,
    }
}

/// Calls `f` on every uniquely owned container among `v`'s children (when `v` itself is
/// uniquely owned). Leaves and shared children are left to be dropped with `v`, which
/// does not recurse.
fn each_owned_child(v: &mut Value, f: &mut dyn FnMut(&mut Value)) {
    let mut visit = |xs: &mut [Value]| {
        for x in xs {
            if owns_containers(x) {
                f(x);
            }
        }
    };
    match v {
        Value::List(r) | Value::Tuple(r) => {
            if let Some(xs) = Rc::get_mut(r) {
                visit(xs);
            }
        }
        Value::Map(r) => {
            if let Some(m) = Rc::get_mut(r) {
                for x in m.values_mut() {
                    if owns_containers(x) {
                        f(x);
                    }
                }
            }
        }
        Value::Record(r) => {
            if let Some(o) = Rc::get_mut(r) {
                visit(o.fields.as_mut_slice());
            }
        }
        Value::Variant(r) => {
            if let Some(o) = Rc::get_mut(r) {
                visit(o.payload.as_mut_slice());
            }
        }
        Value::Ok(r) | Value::Err(r) => {
            if let Some(x) = Rc::get_mut(r) {
                visit(std::slice::from_mut(x));
            }
        }
        Value::Func(r) => {
            if let Some(fo) = Rc::get_mut(r) {
                visit(&mut fo.captures);
            }
        }
        _ => {}
    }
}

/// Levels freed by (bounded) native recursion before the explicit stack takes over: most
/// values are shallow, and freeing them needs no allocation.
const NATIVE_LEVELS: usize = 32;

/// Empties `v` of its nested containers before it is freed (out of line: only heap
/// containers get here).
#[inline(never)]
fn drop_deep(v: &mut Value) {
    if owns_containers(v) {
        empty(v, 0);
    }
}

/// Frees the containers below `v`, `level` levels below the value being dropped.
fn empty(v: &mut Value, level: usize) {
    if level < NATIVE_LEVELS {
        each_owned_child(v, &mut |child| {
            let mut c = std::mem::take(child);
            empty(&mut c, level + 1);
            // `c` now holds no uniquely owned container: its drop ends here.
        });
        return;
    }
    let mut stack = Vec::new();
    each_owned_child(v, &mut |child| stack.push(std::mem::take(child)));
    while let Some(mut x) = stack.pop() {
        each_owned_child(&mut x, &mut |child| stack.push(std::mem::take(child)));
    }
}
