//! What `lumen build --target wasm` does, stated once, shared by `lumen build`
//! (rust/lumen-cli/src/build/) and xtask:
//!
//! - [`WasmTarget`]: the hosts a build is for, with their command-line names;
//! - [`Plan`]: for one target and [`Options`], what to compile (crate, rust target, features,
//!   cargo profile, tool), how to post-process it (binaryen or nothing), what to package and
//!   which file is the main `.wasm`. `lumen build` executes a plan; it does not re-decide;
//! - [`RuntimeKey`]: what a built runtime depends on, the key of the runtime cache
//!   (`<target dir>/lumen-runtime-cache/<key>/`);
//! - [`Summary`]: the one JSON line `lumen build --message-format json` prints, which xtask
//!   reads back;
//! - [`OUTPUT_MARKER`]: the file that marks a directory as a build's output.
//!
//! The crate depends on serde only (and on clap with the `clap` feature, for
//! `clap::ValueEnum`).

mod key;
mod plan;
mod summary;
mod target;

pub use key::RuntimeKey;
pub use plan::{
    Compile, Optimize, Options, Package, Plan, PlanError, Profile, Tool, DEFAULT_OPTIONS,
};
pub use summary::{FileEntry, Status, StepEntry, Summary, SummaryError, ToolVersions};
pub use target::{Host, UnknownTarget, WasmTarget};

/// The file every build writes into its output directory. A build replaces an existing
/// output directory only when it holds this file or is empty, so a folder that is not a
/// build's output (a `pkg/` of the user's) is never deleted.
pub const OUTPUT_MARKER: &str = ".lumen-build";
