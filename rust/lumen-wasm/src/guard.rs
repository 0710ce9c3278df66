//! Trap containment (wasm32 only): a trap or panic inside the engine never poisons the
//! instance.
//!
//! With `panic = "abort"` (the only strategy of `wasm32-unknown-unknown`) a panic is an
//! `unreachable` trap, and an exhausted shadow stack is `memory access out of bounds` (or
//! V8's `RangeError` when its native stack runs out first). A trap unwinds the wasm frames
//! without running their epilogues, so the shadow-stack pointer (the `__stack_pointer`
//! global) stays wherever the trap left it, and every later call traps again.
//!
//! [`guarded`] runs engine work one wasm call deeper, through a small JavaScript trampoline
//! (built once with `Function`): it remembers `__stack_pointer` (exported by `build.rs`),
//! calls back into wasm, and on any exception restores the pointer and returns the
//! exception instead of letting it unwind further. The caller gets `Err(exception)`, turns
//! it into a `LumenError` (kind `internal`, E0999) and abandons — leaks, never drops or
//! touches again — whatever the trapped work was using (a `Session` may be half-updated).
//! The frames below the trampoline are intact, so the instance carries on with a clean
//! stack. Heap memory the trapped work owned stays allocated.
//!
//! If the trampoline cannot be built (a Content-Security-Policy without `unsafe-eval`),
//! work runs unguarded, as before this module existed.
//!
//! `__lumenTestFault(kind)` (not in the TypeScript types) arms a fault for the next guarded
//! call: `trap` (an `unreachable` instruction), `panic`, or `overflow` (a runaway
//! recursion that exhausts the stack). The Node and Chromium tests use it to prove the
//! recovery without depending on a particular compiler bug.

use js_sys::{Array, Function, Reflect};
use std::cell::Cell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    /// The trampoline: `(f) => undefined | thrown`.
    #[wasm_bindgen(extends = Function)]
    type Trampoline;

    /// `trampoline.call(this_arg, f)`.
    #[wasm_bindgen(method, structural, js_name = call)]
    fn call_with(this: &Trampoline, this_arg: &JsValue, f: &mut dyn FnMut()) -> JsValue;
}

/// Builds the trampoline around the stack-pointer global `sp` (a `WebAssembly.Global`), or
/// around `__wbindgen_add_to_stack_pointer` when only that is exported.
const FACTORY: &str = r#"
const get = sp ? () => sp.value : add ? () => add(0) : () => 0;
const put = sp ? (v) => { sp.value = v; } : add ? (v) => { add(v - add(0)); } : () => {};
return function lumenGuard(f) {
  const saved = get();
  try {
    f();
    return undefined;
  } catch (e) {
    put(saved);
    return e === undefined ? null : e;
  }
};
"#;

thread_local! {
    static TRAMPOLINE: Option<Trampoline> = make_trampoline();
    /// The fault armed by `__lumenTestFault` (0: none, 1: trap, 2: panic, 3: overflow).
    static ARMED: Cell<u8> = const { Cell::new(0) };
}

fn make_trampoline() -> Option<Trampoline> {
    let exports = wasm_bindgen::exports();
    let sp = Reflect::get(&exports, &JsValue::from_str("__stack_pointer"))
        .ok()
        .filter(|v| v.is_object())
        .unwrap_or(JsValue::NULL);
    let add = Reflect::get(
        &exports,
        &JsValue::from_str("__wbindgen_add_to_stack_pointer"),
    )
    .ok()
    .filter(|v| v.is_function())
    .unwrap_or(JsValue::NULL);
    let ctor = Reflect::get(&js_sys::global(), &JsValue::from_str("Function")).ok()?;
    let ctor: Function = ctor.dyn_into().ok()?;
    let args = Array::of3(
        &JsValue::from_str("sp"),
        &JsValue::from_str("add"),
        &JsValue::from_str(FACTORY),
    );
    // Throws under a CSP without 'unsafe-eval': then there is no trampoline.
    let factory: Function = Reflect::construct(&ctor, &args).ok()?.dyn_into().ok()?;
    let guard = factory.call2(&JsValue::NULL, &sp, &add).ok()?;
    // `Trampoline` is a structural view of a plain function: no `instanceof` check.
    guard
        .is_function()
        .then(|| guard.unchecked_into::<Trampoline>())
}

/// Runs `f` so that a trap inside it cannot poison the instance: `Ok(result)`, or
/// `Err(the exception)` after the stack was restored. After `Err`, everything `f` borrowed
/// mutably may be inconsistent: the caller must never use or drop it again
/// (`std::mem::forget`).
pub fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, JsValue> {
    let mut f = Some(f);
    let mut out: Option<T> = None;
    let thrown = {
        let mut body = || {
            if let Some(f) = f.take() {
                fire_armed_fault();
                out = Some(f());
            }
        };
        TRAMPOLINE.with(|t| match t {
            Some(t) => t.call_with(&JsValue::UNDEFINED, &mut body),
            None => {
                body();
                JsValue::UNDEFINED
            }
        })
    };
    match out {
        Some(v) => Ok(v),
        None if thrown.is_undefined() => Err(JsValue::from_str("the call did not complete")),
        None => Err(thrown),
    }
}

/// `name: message` of a caught exception (`RuntimeError: unreachable`).
pub fn describe_fault(e: &JsValue) -> String {
    let message = crate::js::error_message(e);
    let name = if e.is_object() {
        Reflect::get(e, &JsValue::from_str("name"))
            .ok()
            .and_then(|n| n.as_string())
    } else {
        None
    };
    match name {
        Some(n) if !n.is_empty() && !message.starts_with(&n) => format!("{n}: {message}"),
        _ => message,
    }
}

/// Test hook: the next guarded call traps (`"trap"`), panics (`"panic"`) or exhausts the
/// stack (`"overflow"`); anything else disarms. Returns whether a fault is armed.
#[wasm_bindgen(js_name = "__lumenTestFault", skip_typescript)]
pub fn test_fault(kind: &str) -> bool {
    let code = match kind {
        "trap" => 1,
        "panic" => 2,
        "overflow" => 3,
        _ => 0,
    };
    ARMED.with(|a| a.set(code));
    code != 0
}

fn fire_armed_fault() {
    match ARMED.with(|a| a.replace(0)) {
        1 => core::arch::wasm32::unreachable(),
        2 => panic!("fault injected by __lumenTestFault"),
        3 => {
            let depth = burn_stack(0);
            // Never reached in practice: the recursion only ends by trapping.
            std::hint::black_box(depth);
        }
        _ => {}
    }
}

/// Recursion that only ends when the stack is gone (each frame pins 4 KiB of shadow stack).
#[inline(never)]
fn burn_stack(depth: u64) -> u64 {
    let mut frame = [0u8; 4096];
    frame[(depth % 4096) as usize] = 1;
    let frame = std::hint::black_box(frame);
    if std::hint::black_box(depth) == u64::MAX {
        return u64::from(frame[0]);
    }
    burn_stack(depth + 1) + u64::from(frame[1])
}
