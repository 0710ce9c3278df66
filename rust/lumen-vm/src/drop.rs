//! Dropping values without recursion.
//!
//! A list nested 200,000 levels deep (`x = [x]` in a loop) would overflow the native stack
//! if each level's drop dropped the next. [`Value`]'s `Drop` hands every value that owns
//! other heap values to [`drop_deep`], which moves the children of each *uniquely owned*
//! container onto an explicit stack before the container itself is freed, so the native
//! stack stays flat whatever the nesting. Scalars, strings and payload-less variants own no
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

/// Moves every uniquely owned container among `v`'s children (when `v` itself is uniquely
/// owned) onto `stack`, leaving `null` behind; leaves and shared children stay and are
/// dropped with `v` without recursing.
fn take_children(v: &mut Value, stack: &mut Vec<Value>) {
    let mut take_from = |xs: &mut [Value]| {
        for x in xs {
            if owns_containers(x) {
                stack.push(std::mem::take(x));
            }
        }
    };
    match v {
        Value::List(r) | Value::Tuple(r) => {
            if let Some(xs) = Rc::get_mut(r) {
                take_from(xs);
            }
        }
        Value::Map(r) => {
            if let Some(m) = Rc::get_mut(r) {
                for x in m.values_mut() {
                    if owns_containers(x) {
                        stack.push(std::mem::take(x));
                    }
                }
            }
        }
        Value::Record(r) => {
            if let Some(o) = Rc::get_mut(r) {
                take_from(o.fields.as_mut_slice());
            }
        }
        Value::Variant(r) => {
            if let Some(o) = Rc::get_mut(r) {
                take_from(o.payload.as_mut_slice());
            }
        }
        Value::Ok(r) | Value::Err(r) => {
            if let Some(x) = Rc::get_mut(r) {
                take_from(std::slice::from_mut(x));
            }
        }
        Value::Func(r) => {
            if let Some(f) = Rc::get_mut(r) {
                take_from(&mut f.captures);
            }
        }
        _ => {}
    }
}

/// Empties `v` of its nested containers, freeing them one at a time from an explicit stack
/// (out of line: only heap containers get here).
#[inline(never)]
fn drop_deep(v: &mut Value) {
    if !owns_containers(v) {
        return;
    }
    let mut stack = Vec::new();
    take_children(v, &mut stack);
    while let Some(mut x) = stack.pop() {
        take_children(&mut x, &mut stack);
        // `x` now holds no uniquely owned container: its drop ends here.
    }
}
