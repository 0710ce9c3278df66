//! The program a prebuilt runtime carries (the WASI app, the component runtime, the HTTP
//! runtime): the contract with `lumen-embed`, stated once.
//!
//! The runtime imports two functions from `lumen:program` (`len() -> i32`, `copy(dst: i32)`)
//! and `lumen-embed` replaces them with definitions over a data segment holding the bytes.
//! An import is never inlined by LLVM or binaryen, so the hook survives every optimisation.
//! Un-embedded, the imports stay unresolved and the module does not instantiate: engines
//! name the missing `lumen:program` import. A runtime that never calls [`bytes`] has no
//! such imports.

/// The embedded bytes (binary LIR, or a component runtime's program blob).
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
