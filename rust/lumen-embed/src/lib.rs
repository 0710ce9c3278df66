//! Embeds a program's binary LIR into the prebuilt Lumen WASI runtime
//! (`rust/lumen-wasi-app`), giving one WASI command module that runs that program.
//!
//! The runtime obtains its program through two imported functions,
//! [`IMPORT_MODULE`]` . `[`IMPORT_LEN`]` : () -> i32` (the LIR's length) and
//! [`IMPORT_MODULE`]` . `[`IMPORT_COPY`]` : (dst: i32) -> ()` (copy the LIR to `dst` in
//! memory 0). Imports are never inlined by LLVM or binaryen, so they are a stable hook.
//! [`embed`] rewrites the module (wasmparser + wasm-encoder's `reencode`, never recompiling
//! Rust): the two imports become defined functions, `len` returning the length and `copy`
//! doing `memory.init` from a new passive data segment that holds the LIR. Every function
//! index is renumbered (calls, `ref.func`, exports, elements, start), the `name` section is
//! dropped (its indices would be stale), the DataCount section is added or updated, and
//! the result is validated before it is returned.

mod rewrite;

use std::fmt;

/// The import module of the program hook.
pub const IMPORT_MODULE: &str = "lumen:program";
/// `len() -> i32`: the program's length in bytes.
pub const IMPORT_LEN: &str = "len";
/// `copy(dst: i32)`: copies the program to `dst` in memory 0.
pub const IMPORT_COPY: &str = "copy";

/// Why a program could not be embedded. Its `Display` is the message for the user, on one
/// line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmbedError {
    /// The bytes are WebAssembly, but not a Lumen WASI runtime (a component, or a module
    /// without the two program imports, or with them at the wrong types).
    NotARuntime(String),
    /// The runtime bytes are not a valid WebAssembly module.
    CorruptRuntime(String),
    /// The program is not valid binary LIR for this VM.
    CorruptProgram(String),
    /// The rewritten module failed to encode or validate (a bug in the embedder).
    Internal(String),
}

impl fmt::Display for EmbedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EmbedError::NotARuntime(m) => write!(f, "not a Lumen WASI runtime: {m}"),
            EmbedError::CorruptRuntime(m) => write!(f, "corrupt runtime module: {m}"),
            EmbedError::CorruptProgram(m) => write!(f, "corrupt program: {m}"),
            EmbedError::Internal(m) => {
                write!(
                    f,
                    "internal error: embedding produced an invalid module: {m}"
                )
            }
        }
    }
}

impl std::error::Error for EmbedError {}

/// Checks that `runtime` is a Lumen WASI runtime: a valid core module importing exactly
/// the two program functions at their types, with a 32-bit memory 0.
pub fn check_runtime(runtime: &[u8]) -> Result<(), EmbedError> {
    rewrite::Plan::of(runtime).map(|_| ())
}

/// Checks that `lir` is binary LIR that this VM decodes and validates.
pub fn check_program(lir: &[u8]) -> Result<(), EmbedError> {
    if !lir.starts_with(lumen_vm::binary::MAGIC) {
        return Err(EmbedError::CorruptProgram(
            "not binary LIR (no `LMB\\0` magic); produce it with `lumen emit --format binary`"
                .to_string(),
        ));
    }
    lumen_vm::binary::decode(lir).map(|_| ()).map_err(|e| {
        EmbedError::CorruptProgram(rewrite::one_line(&format!("{}: {}", e.code, e.message)))
    })
}

/// Returns `runtime` with `lir` embedded: a WASI command module that runs the program.
/// The output is validated; on any error nothing is produced.
pub fn embed(runtime: &[u8], lir: &[u8]) -> Result<Vec<u8>, EmbedError> {
    let plan = rewrite::Plan::of(runtime)?;
    check_program(lir)?;
    let out = plan.rewrite(runtime, lir)?;
    wasmparser::Validator::new()
        .validate_all(&out)
        .map_err(|e| EmbedError::Internal(rewrite::one_line(&e.to_string())))?;
    Ok(out)
}

/// Returns `runtime` with `data` (any bytes, not checked as LIR) behind the two
/// `lumen:program` imports: for runtimes whose program is a container around the LIR, like
/// the component runtime's `lumen_cabi::ProgramBlob` (its builder checks the LIR itself).
/// The output is validated; on any error nothing is produced.
pub fn embed_data(runtime: &[u8], data: &[u8]) -> Result<Vec<u8>, EmbedError> {
    let plan = rewrite::Plan::of(runtime)?;
    if data.is_empty() {
        return Err(EmbedError::CorruptProgram(
            "the program is empty".to_string(),
        ));
    }
    let out = plan.rewrite(runtime, data)?;
    wasmparser::Validator::new()
        .validate_all(&out)
        .map_err(|e| EmbedError::Internal(rewrite::one_line(&e.to_string())))?;
    Ok(out)
}

#[cfg(test)]
mod tests;
