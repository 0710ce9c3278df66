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
//!   reads back.
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
