//! Dropping values without deep recursion.
//!
//! A list nested 200,000 levels deep (`x = [x]` in a loop) would overflow the native stack
//! if each level's drop dropped the next. Each heap object that holds values (the
//! elements of a list or tuple, a map, a record, a variant payload, a result, a closure's
//! captures) has a `Drop` that frees its *uniquely owned* nested containers itself: the
//! first [`NATIVE_LEVELS`] levels by the ordinary recursion (counted per thread), deeper
//! ones by moving them onto an explicit stack on the heap and emptying each before it is
//! freed, so the native stack use is bounded whatever the nesting. [`Value`] itself has no
//! `Drop`: dropping a scalar, a string or a shared reference costs what it always did.

use std::cell::Cell;
use std::rc::Rc;

use crate::map::MapObj;
use crate::value::{Boxed, FuncObj, RecordObj, Seq, Value, VariantObj};

/// Levels freed by (bounded) native recursion before the explicit stack takes over.
const NATIVE_LEVELS: usize = 64;

thread_local! {
    /// How many containers are being freed by native recursion on this thread right now.
    static LEVEL: Cell<usize> = const { Cell::new(0) };
}

/// Whether `v` is the last reference to a container (dropping it frees values below it).
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

/// Calls `f` on every uniquely owned container among the children of `v` (when `v` itself
/// is uniquely owned).
fn each_owned_child(v: &mut Value, f: &mut dyn FnMut(&mut Value)) {
    match v {
        Value::List(r) | Value::Tuple(r) => {
            if let Some(xs) = Rc::get_mut(r) {
                visit(&mut xs.0, f);
            }
        }
        Value::Map(r) => {
            if let Some(m) = Rc::get_mut(r) {
                visit_map(m, f);
            }
        }
        Value::Record(r) => {
            if let Some(o) = Rc::get_mut(r) {
                visit(o.fields.as_mut_slice(), f);
            }
        }
        Value::Variant(r) => {
            if let Some(o) = Rc::get_mut(r) {
                visit(o.payload.as_mut_slice(), f);
            }
        }
        Value::Ok(r) | Value::Err(r) => {
            if let Some(x) = Rc::get_mut(r) {
                visit(std::slice::from_mut(&mut x.0), f);
            }
        }
        Value::Func(r) => {
            if let Some(fo) = Rc::get_mut(r) {
                visit(&mut fo.captures, f);
            }
        }
        _ => {}
    }
}

#[inline]
fn visit(xs: &mut [Value], f: &mut dyn FnMut(&mut Value)) {
    for x in xs {
        if owns_containers(x) {
            f(x);
        }
    }
}

fn visit_map(m: &mut MapObj, f: &mut dyn FnMut(&mut Value)) {
    for x in m.values_mut() {
        if owns_containers(x) {
            f(x);
        }
    }
}

/// Frees the uniquely owned containers among `xs` (the values of a container being
/// freed), leaving `null` in their place; leaves and shared values are left to the drop
/// glue, which does not recurse for them.
#[inline]
fn release(xs: &mut [Value]) {
    if let Some(first) = xs.iter().position(owns_containers) {
        if let Some(rest) = xs.get_mut(first..) {
            release_from(rest.iter_mut());
        }
    }
}

/// [`release`] from the first owned container on.
#[inline(never)]
fn release_from<'a>(xs: impl Iterator<Item = &'a mut Value>) {
    let level = LEVEL.get();
    if level < NATIVE_LEVELS {
        LEVEL.set(level + 1);
        for x in xs {
            if owns_containers(x) {
                drop(std::mem::take(x));
            }
        }
        LEVEL.set(level);
        return;
    }
    // Deep below the value being dropped: move the nested containers to a heap stack and
    // empty each before it is freed (its own drop then finds nothing to free below it).
    let mut stack: Vec<Value> = xs
        .filter(|x| owns_containers(x))
        .map(std::mem::take)
        .collect();
    while let Some(mut x) = stack.pop() {
        each_owned_child(&mut x, &mut |c| stack.push(std::mem::take(c)));
    }
}

impl Drop for Seq {
    fn drop(&mut self) {
        release(&mut self.0);
    }
}

impl Drop for Boxed {
    fn drop(&mut self) {
        release(std::slice::from_mut(&mut self.0));
    }
}

impl Drop for RecordObj {
    fn drop(&mut self) {
        release(self.fields.as_mut_slice());
    }
}

impl Drop for VariantObj {
    fn drop(&mut self) {
        release(self.payload.as_mut_slice());
    }
}

impl Drop for FuncObj {
    fn drop(&mut self) {
        release(&mut self.captures);
    }
}

impl Drop for MapObj {
    fn drop(&mut self) {
        if self.values_mut().any(|x| owns_containers(x)) {
            release_from(self.values_mut());
        }
    }
}
