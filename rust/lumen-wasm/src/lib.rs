//! The Lumen toolchain for JavaScript hosts (Node.js, browsers, bundlers), compiled to
//! WebAssembly with wasm-bindgen. The JavaScript API is `version`, `check`, `compile`, `run`
//! and the `LumenError` class (see `README.md` and the generated `lumen_wasm.d.ts`).
//!
//! Layout:
//! - [`core`]: plain Rust, no wasm-bindgen: `check`, `compile` and the step-wise run
//!   [`core::Session`] (VM + grant gate + collected output). Unit-tested natively.
//! - [`args_text`]: a tool call's arguments as JSON text for `JSON.parse`, when that reads
//!   them back as the general conversion would.
//! - [`entry`]: entry-cell arguments from JSON values, by parameter type.
//! - [`modules`] (feature `compiler`): the in-memory module loader for `import`.
//! - [`render`] (feature `compiler`): plain-text diagnostics like the CLI's.
//! - `bindings`, `guard`, `js`, `tools` and `plain` (only on `wasm32`): the wasm-bindgen
//!   exports and the async driver, trap containment (a trap never poisons the instance),
//!   the JavaScript value conversions, calling JavaScript tools (the synchronous fast path
//!   and the bounded wait for a promise), and moving plain tool data as JSON text.
//!
//! Feature `compiler` (default) includes the compiler; without it only binary LIR runs.

pub mod args_text;
pub mod core;
pub mod entry;
#[cfg(feature = "compiler")]
pub mod modules;
#[cfg(feature = "compiler")]
pub mod render;

#[cfg(target_arch = "wasm32")]
mod bindings;
#[cfg(target_arch = "wasm32")]
mod guard;
#[cfg(target_arch = "wasm32")]
mod js;
#[cfg(target_arch = "wasm32")]
mod plain;
#[cfg(target_arch = "wasm32")]
mod tools;

/// The Lumen version (the workspace version).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
