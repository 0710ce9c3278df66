//! Builds a Lumen program's WebAssembly component from the prebuilt component runtime
//! (`rust/lumen-component-runtime`), without compiling Rust:
//!
//! 1. checks the runtime (a core module with the `lumen:glue` import and the `lumen_*`
//!    entry points) and the program's LIR;
//! 2. resolves the world with wit-parser and generates the glue (`glue.rs`): the import
//!    dispatcher, one core function per export with its WIT-flattened signature, the
//!    `cabi_post_*` functions, `wasi:cli/run` when the program has `main`;
//! 3. embeds the [`ProgramBlob`] (signatures + LIR) behind the runtime's `lumen:program`
//!    imports ([`lumen_embed::embed_data`], which validates the result);
//! 4. embeds the world as component metadata and encodes the component with
//!    wit-component and the WASI preview1 reactor adapter (Wasmtime 48's), validating it.
//!
//! [`componentize`] returns the component's bytes or an [`Error`]; nothing is written here.

mod glue;
mod world;

use lumen_cabi::ProgramBlob;
use std::fmt;

pub use glue::{GLUE_CALL_IMPORT, GLUE_MODULE};

/// Why a component could not be built. Its `Display` is the message for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Valid WebAssembly that is not the component runtime.
    NotARuntime(String),
    /// The runtime bytes are not valid WebAssembly.
    CorruptRuntime(String),
    /// The program is not valid binary LIR for this VM.
    CorruptProgram(String),
    /// The WIT world does not parse, or does not match the program's signatures.
    World(String),
    /// A step produced something invalid (a bug here or in a crate we use).
    Internal(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotARuntime(m) => write!(f, "not a Lumen component runtime: {m}"),
            Error::CorruptRuntime(m) => write!(f, "corrupt runtime module: {m}"),
            Error::CorruptProgram(m) => write!(f, "corrupt program: {m}"),
            Error::World(m) => write!(f, "the program's WIT world: {m}"),
            Error::Internal(m) => write!(f, "internal error: building the component: {m}"),
        }
    }
}

impl std::error::Error for Error {}

/// `text` with every run of whitespace (newlines included) made one space.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn from_embed(e: lumen_embed::EmbedError) -> Error {
    use lumen_embed::EmbedError as E;
    match e {
        E::NotARuntime(m) => Error::NotARuntime(m),
        E::CorruptRuntime(m) => Error::CorruptRuntime(m),
        E::CorruptProgram(m) => Error::CorruptProgram(m),
        E::Internal(m) => Error::Internal(m),
    }
}

/// Checks that `runtime` is a component runtime (its glue import, entry points and program
/// hooks).
pub fn check_runtime(runtime: &[u8]) -> Result<(), Error> {
    glue::Scan::of(runtime)?;
    lumen_embed::check_runtime(runtime).map_err(|e| match e {
        lumen_embed::EmbedError::NotARuntime(m) => Error::NotARuntime(m),
        other => from_embed(other),
    })
}

/// The component of `blob`'s program: `runtime` (the core module of
/// lumen-component-runtime) with the blob embedded and the glue for the world `world` of
/// the WIT text `wit`, encoded as a validated component.
pub fn componentize(
    runtime: &[u8],
    wit: &str,
    world: &str,
    blob: &ProgramBlob,
) -> Result<Vec<u8>, Error> {
    let scan = glue::Scan::of(runtime)?;
    lumen_embed::check_program(&blob.lir).map_err(from_embed)?;
    let (resolve, world_id) = world::resolve(wit, world)?;
    let glue_plan = world::glue(&resolve, world_id, blob)?;
    // The glue first, then the blob: lumen-embed renumbers around the program imports
    // wherever they are, and validates its output (so the glue is validated too).
    let glued = glue::generate(scan, runtime, &glue_plan)?;
    let mut core = lumen_embed::embed_data(&glued, &blob.encode()).map_err(|e| match e {
        lumen_embed::EmbedError::Internal(m) => {
            Error::Internal(format!("the glued core module: {m}"))
        }
        other => from_embed(other),
    })?;
    wit_component::embed_component_metadata(
        &mut core,
        &resolve,
        world_id,
        wit_component::StringEncoding::UTF8,
    )
    .map_err(|e| Error::Internal(one_line(&format!("{e:#}"))))?;
    let component = wit_component::ComponentEncoder::default()
        .module(&core)
        .and_then(|enc| {
            enc.adapter(
                wasi_preview1_component_adapter_provider::WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME,
                wasi_preview1_component_adapter_provider::WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
            )
        })
        .and_then(|enc| enc.validate(true).encode())
        .map_err(|e| Error::Internal(one_line(&format!("{e:#}"))))?;
    Ok(component)
}

#[cfg(test)]
mod tests;
