//! Dropping values without recursion.
//!
//! A list nested 200,000 levels deep (`x = [x]` in a loop) would overflow the native stack
//! if each level's drop dropped the next. [`Value`]'s `Drop` hands every value that owns
//! other heap values to [`drop_deep`], which frees the children of each *uniquely owned*
//! container: the first [`NATIVE_LEVELS`] levels by the ordinary drop recursion (counted
//! per thread, so ordinary values cost what they always did), deeper ones by moving the
//! nested containers onto an explicit stack on the heap before freeing them, so the
//! native stack use is bounded whatever the nesting. Scalars, strings and payload-less variants own no
//! values and never leave the inline fast path; a shared container (reference count above
//! one) only loses a reference, which frees nothing below it.

use std::cell::Cell;
use std::mem::ManuallyDrop;
use std::rc::Rc;

use crate::value::Value;

impl Drop for Value {
    #[inline(always)]
    fn drop(&mut self) {
        // Only the last reference to a container frees anything below it; every other
        // value is left to the drop glue (a shared one just loses a reference).
        if owns_containers(self) {
            drop_deep(self);
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
/// values are shallow, and freeing them this way costs no more than the plain drop glue.
const NATIVE_LEVELS: usize = 64;

thread_local! {
    /// How many containers are being freed by native recursion on this thread right now.
    static LEVEL: Cell<usize> = const { Cell::new(0) };
}

/// Frees the contents of `v`, the last reference to a container (out of line: only those
/// get here).
#[inline(never)]
fn drop_deep(v: &mut Value) {
    let level = LEVEL.get();
    if level < NATIVE_LEVELS {
        LEVEL.set(level + 1);
        free_now(v);
        LEVEL.set(level);
        return;
    }
    // Deep below the value being dropped: move the nested containers to a heap stack, so
    // each is freed after its children were taken out of it.
    let mut stack = Vec::new();
    each_owned_child(v, &mut |child| stack.push(std::mem::take(child)));
    while let Some(mut x) = stack.pop() {
        each_owned_child(&mut x, &mut |child| stack.push(std::mem::take(child)));
        // `x` now holds no uniquely owned container: its drop ends here.
    }
}

/// Drops the reference `v` holds (its children are dropped by their own `Drop`, one level
/// further down), leaving `null`.
fn free_now(v: &mut Value) {
    let old = ManuallyDrop::new(std::mem::take(v));
    // SAFETY: `old` is never used or dropped again, and each arm moves its one field out
    // exactly once, so every reference count is released exactly once.
    unsafe {
        match &*old {
            Value::List(r) | Value::Tuple(r) => drop(std::ptr::read(r)),
            Value::Map(r) => drop(std::ptr::read(r)),
            Value::Record(r) => drop(std::ptr::read(r)),
            Value::Variant(r) => drop(std::ptr::read(r)),
            Value::Ok(r) | Value::Err(r) => drop(std::ptr::read(r)),
            Value::Func(r) => drop(std::ptr::read(r)),
            Value::Str(r) => drop(std::ptr::read(r)),
            Value::Tag(r) => drop(std::ptr::read(r)),
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => {}
        }
    }
}
