//! The prebuilt Lumen component runtime: a VM-only `wasm32-wasip1` core module (a
//! `cdylib`, no compiler) that `lumen-componentize` turns into a WebAssembly component for
//! one program, without compiling Rust per program.
//!
//! The runtime implements the Component Model's canonical ABI *by interpretation*: the
//! program blob ([`lumen_cabi::ProgramBlob`]: the WIT signatures of the exports and
//! imports, plus the binary LIR) arrives through the two `lumen:program` imports that
//! `lumen-embed` defines, and [`lumen_cabi`] lifts and lowers values between flat core
//! values / linear memory and JSON, which the VM converts to and from typed Lumen values.
//!
//! The core module's interface with the per-program glue that `lumen-componentize`
//! generates (see the crate README for the whole contract):
//!
//! - import `lumen:program` `len() -> i32`, `copy(dst: i32)`: the blob;
//! - import `lumen:glue` `call_import(k: i32, buf: i32, retptr: i32)`: calls the `k`-th
//!   WIT import with the flat arguments in the 8-byte slots at `buf`; its one flat result
//!   is stored at `retptr` (8 bytes), or it writes a result that flattens to more than one
//!   value at `retptr` in canonical layout;
//! - export `lumen_export(idx: i32, buf: i32) -> i32`: runs export `idx` with the flat
//!   parameters in the 8-byte slots at `buf` and returns a pointer to 8 bytes holding the
//!   one flat result (a pointer to the result in memory when it flattens to more than one);
//! - export `lumen_scratch(slots: i32) -> i32`: a buffer for that many slots;
//! - export `lumen_post()`: frees everything the last call allocated (the glue's
//!   `cabi_post_*` functions call it);
//! - export `lumen_run() -> i32`: `main` as `wasi:cli/run`'s `run` (0 ok, 1 error);
//! - exports `cabi_realloc` (general purpose), `cabi_export_realloc` and
//!   `cabi_import_realloc` (tracked: freed by `lumen_post`), `memory`.
//!
//! A run-time error in an exported cell is printed to standard error as `lumen run` prints
//! it (`error[E0906]: …` / `  --> FILE:LINE (in CELL)`) and the call traps: WIT has no
//! exceptions, and every host reports a trap as an error of that call. Every call starts
//! from fresh VM state and resets the runtime's own state, so a host that keeps a core
//! instance after a trap is not affected by it (the component model itself forbids
//! entering an instance again after a trap: component hosts instantiate anew).

mod call;
mod host;
mod program;
#[cfg(target_family = "wasm")]
mod wasm;

pub use call::{call_export, param_slots, read_slot, run_main, CallError};
pub use host::Host;
pub use program::Loaded;

#[cfg(test)]
mod tests;
