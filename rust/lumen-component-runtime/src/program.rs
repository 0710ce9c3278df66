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

/// The embedded blob's bytes, from the two `lumen:program` imports.
#[cfg(target_family = "wasm")]
pub fn bytes() -> Result<Vec<u8>, String> {
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
