//! The one renderer of Lumen's reports: compile diagnostics ([`diagnostic`], [`summary`]),
//! run-time errors ([`runtime`]) and Lumen stack traces ([`trace`]), as plain text or with
//! ANSI colours for a terminal ([`style`]), plus the wording defined once for every host
//! (severity names, [`tools`]' unknown-tool messages, location-less errors).
//!
//! Every host renders through this crate — the CLI (`lumen check`, `lumen run`), the VM's
//! `RuntimeError` display (and so the WASI app and the component runtime), the compiler's
//! `render` module and the JavaScript package (`lumen-wasm`) — so their bytes cannot drift
//! apart. It does no I/O and has no dependencies: it is in the VM-only WebAssembly build.
//! Inputs are borrowed views ([`Diagnostic`], [`RuntimeReport`]) that each host fills from
//! its own types; a stack [`Frame`] is owned, so that an error can carry its trace.

pub mod diagnostic;
pub mod line;
pub mod runtime;
mod severity;
pub mod style;
pub mod summary;
pub mod tools;
pub mod trace;

pub use diagnostic::{render_diagnostic, Diagnostic};
pub use line::LineCut;
pub use runtime::{render_runtime, runtime_text, Location, RuntimeReport};
pub use severity::Severity;
pub use style::Painter;
pub use summary::{plural, render_compile_failure, render_diagnostics, MAX_SHOWN};
pub use trace::{frame_texts, kept_frames, stack_lines, trace_lines, Frame};
