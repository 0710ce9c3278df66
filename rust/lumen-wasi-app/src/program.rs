//! Where the program comes from.
//!
//! On WebAssembly: what `lumen-embed` put into the module ([`lumen_runtime::embedded`]).
//!
//! Elsewhere (a native build, for tests of the run path): the file named by the
//! environment variable `LUMEN_WASI_APP_LIR`.

/// The embedded program's binary LIR.
#[cfg(target_family = "wasm")]
pub fn bytes() -> Result<Vec<u8>, String> {
    lumen_runtime::embedded::bytes()
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
