//! Where the program comes from: the two functions imported from `lumen:program`
//! (`len() -> i32`, `copy(dst: i32)`), which `lumen-embed` replaces by definitions over a
//! data segment holding the LIR (see `lumen-wasi-app`'s `program.rs`). The module is decoded
//! and validated at the first request and kept: the embedded program never changes.

use lumen_vm::lir::Module;
use std::rc::Rc;

/// Decodes and validates binary LIR; the message says what is wrong.
pub fn decode(lir: &[u8]) -> Result<Rc<Module>, String> {
    lumen_vm::binary::decode(lir)
        .map(Rc::new)
        .map_err(|e| e.to_string())
}

/// The embedded program's binary LIR.
#[cfg(target_family = "wasm")]
fn bytes() -> Result<Vec<u8>, String> {
    #[link(wasm_import_module = "lumen:program")]
    extern "C" {
        #[link_name = "len"]
        fn program_len() -> i32;
        #[link_name = "copy"]
        fn program_copy(dst: *mut u8);
    }
    // SAFETY: `len` has no preconditions; `copy` writes exactly `len()` bytes to `dst`,
    // which points at a buffer of that capacity, after which they are initialised.
    unsafe {
        let len = usize::try_from(program_len())
            .map_err(|_| "no program is embedded (negative length)".to_string())?;
        if len == 0 {
            return Err("no program is embedded".to_string());
        }
        let mut buf: Vec<u8> = Vec::with_capacity(len);
        program_copy(buf.as_mut_ptr());
        buf.set_len(len);
        Ok(buf)
    }
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
