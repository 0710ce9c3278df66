//! Where the program comes from.
//!
//! On WebAssembly: the two functions imported from `lumen:program` (`len() -> i32`,
//! `copy(dst: i32)`), which `lumen-embed` replaces by definitions over a data segment
//! holding the LIR. An import is never inlined by LLVM or binaryen, so the hook survives
//! every optimisation. Un-embedded, the imports stay unresolved and the module does not
//! instantiate: engines name the missing `lumen:program` import.
//!
//! Elsewhere (a native build, for tests of the run path): the file named by the
//! environment variable `LUMEN_WASI_APP_LIR`.

/// The embedded program's binary LIR.
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

/// The program's binary LIR, from the file named by `LUMEN_WASI_APP_LIR`.
#[cfg(not(target_family = "wasm"))]
pub fn bytes() -> Result<Vec<u8>, String> {
    let path = std::env::var_os("LUMEN_WASI_APP_LIR").ok_or_else(|| {
        "no program is embedded: this native build reads it from the file named by \
         LUMEN_WASI_APP_LIR"
            .to_string()
    })?;
    std::fs::read(&path).map_err(|e| {
        format!(
            "cannot read `{}`: {e}",
            std::path::Path::new(&path).display()
        )
    })
}
