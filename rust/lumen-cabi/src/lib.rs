//! The Component Model canonical ABI for Lumen programs, by interpretation.
//!
//! A Lumen program built as a component runs in a prebuilt runtime that cannot be compiled
//! per program, so the runtime gets each export's and import's WIT type as data
//! ([`CType`], in the [`ProgramBlob`] the builder embeds) and lifts and lowers values
//! between their canonical-ABI form (flat core values and linear memory) and
//! `serde_json::Value`, the form the VM converts to and from typed Lumen values.
//!
//! - [`types`]: [`CType`] and the signatures [`ExportSig`], [`ImportSig`];
//! - [`layout`]: [`flatten`], [`size_align`] by the canonical ABI;
//! - [`memory`]: the [`Memory`] trait and a `Vec<u8>` memory for tests;
//! - [`abi`]: [`load`], [`store`], and the function-boundary entry points
//!   [`lift_params`], [`lower_result`], [`lower_params`], [`lift_result`];
//! - [`blob`]: [`ProgramBlob`] and its byte encoding.
//!
//! The README has the mapping table (Lumen type → CType → WIT → JSON side).

pub mod abi;
pub mod blob;
pub mod error;
pub mod layout;
pub mod memory;
pub mod typecode;
pub mod types;

pub use abi::{
    lift_params, lift_result, load, lower_params, lower_result, store, MAX_LIST_ELEMENTS,
    MAX_STRING_BYTES,
};
pub use blob::{ProgramBlob, BLOB_MAGIC, BLOB_VERSION};
pub use error::AbiError;
pub use layout::{
    align_to, discriminant_size, flatten, size_align, Flat, MAX_FLAT_PARAMS, MAX_FLAT_RESULTS,
};
pub use memory::{Memory, VecMemory};
pub use types::{check_depth, CType, Case, ExportSig, ImportSig, Param, Payload, MAX_DEPTH};
