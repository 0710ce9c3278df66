//! Where the program comes from: what `lumen-embed` put into the module
//! ([`lumen_runtime::embedded`]). The module is decoded
//! and validated at the first request and kept: the embedded program never changes.

use lumen_vm::lir::Module;
use std::rc::Rc;

/// Decodes and validates binary LIR; the message says what is wrong.
pub fn decode(lir: &[u8]) -> Result<Rc<Module>, String> {
    lumen_vm::binary::decode(lir)
        .map(Rc::new)
        .map_err(|e| e.to_string())
}

/// The embedded program's binary LIR ([`lumen_runtime::embedded`]).
#[cfg(target_family = "wasm")]
fn bytes() -> Result<Vec<u8>, String> {
    lumen_runtime::embedded::bytes()
}

#[cfg(target_family = "wasm")]
thread_local! {
    static LOADED: std::cell::RefCell<Option<Rc<Module>>> = const { std::cell::RefCell::new(None) };
}

/// The embedded program, decoded at the first call and kept.
#[cfg(target_family = "wasm")]
pub fn get() -> Result<Rc<Module>, String> {
    if let Some(m) = LOADED.with(|c| c.try_borrow().ok().and_then(|b| b.clone())) {
        return Ok(m);
    }
    let module = decode(&bytes()?)?;
    LOADED.with(|c| {
        if let Ok(mut slot) = c.try_borrow_mut() {
            *slot = Some(module.clone());
        }
    });
    Ok(module)
}
