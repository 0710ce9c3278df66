//! The program the runtime runs: the [`ProgramBlob`] decoded once, its LIR decoded and
//! validated.

use lumen_cabi::ProgramBlob;
use lumen_vm::lir::Module;
use std::rc::Rc;

/// A decoded program: its signatures and its validated LIR module.
#[derive(Debug)]
pub struct Loaded {
    /// The blob's signatures (its `lir` field is emptied once decoded).
    pub blob: ProgramBlob,
    /// The program.
    pub module: Rc<Module>,
}

impl Loaded {
    /// Decodes a blob and the LIR in it; the message says what is wrong.
    pub fn decode(bytes: &[u8]) -> Result<Loaded, String> {
        let mut blob = ProgramBlob::decode(bytes).map_err(|e| format!("corrupt program: {e}"))?;
        let lir = std::mem::take(&mut blob.lir);
        let module = lumen_vm::binary::decode(&lir).map_err(|e| e.to_string())?;
        Ok(Loaded {
            blob,
            module: Rc::new(module),
        })
    }

    /// The index of the exported cell `cell` in the module's functions.
    pub fn cell_index(&self, cell: &str) -> Result<u32, String> {
        let m = &self.module;
        m.functions
            .iter()
            .position(|f| f.exported && f.name == cell)
            .and_then(|i| u32::try_from(i).ok())
            .ok_or_else(|| lumen_runtime::entry::no_cell_message(m, cell))
    }
}

/// The embedded blob's bytes ([`lumen_runtime::embedded`]).
#[cfg(target_family = "wasm")]
pub fn bytes() -> Result<Vec<u8>, String> {
    lumen_runtime::embedded::bytes()
}

#[cfg(target_family = "wasm")]
thread_local! {
    static LOADED: std::cell::RefCell<Option<Rc<Loaded>>> = const { std::cell::RefCell::new(None) };
}

/// The program, decoded at the first call and kept (the blob never changes).
#[cfg(target_family = "wasm")]
pub fn get() -> Result<Rc<Loaded>, String> {
    if let Some(l) = LOADED.with(|c| c.try_borrow().ok().and_then(|b| b.clone())) {
        return Ok(l);
    }
    let loaded = Rc::new(Loaded::decode(&bytes()?)?);
    LOADED.with(|c| {
        if let Ok(mut slot) = c.try_borrow_mut() {
            *slot = Some(loaded.clone());
        }
    });
    Ok(loaded)
}
