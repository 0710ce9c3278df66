//! The WIT world of a Lumen program (issue 12 item 1): from the program's
//! [`Interface`](lumen_compiler::Interface), the WIT text a component host reads and the
//! canonical-ABI signatures ([`lumen_cabi::ExportSig`], [`lumen_cabi::ImportSig`]) the
//! component runtime interprets.
//!
//! - every exported cell (`pub` cells, or `main` when none is pub) is a world-level export
//!   function with WIT types;
//! - every typed tool is a function of an imported inline interface named by the qualified
//!   name's prefix (`llm.chat` → `import llm: interface { chat: func(...) }`); untyped tools
//!   go through the one generic `import host: interface { call: func(name: string, args:
//!   string) -> result<string, string>; }`, present only when the program has an untyped
//!   tool;
//! - `main`, when the program has one, is also `export wasi:cli/run@0.2.0;` (the file then
//!   carries a nested `package wasi:cli@0.2.0 { interface run { ... } }`, the real
//!   interface, so it resolves on its own);
//! - records, enums and the `<enum>-<case>` payload records are defined at world level for
//!   the exports, and again inside each imported interface that uses them (an inline
//!   interface cannot name world-level types; copies keep every import self-contained and
//!   spare hosts a type-only `types` instance import). The runtime works by structure, so
//!   the copies are the same type to it.
//!
//! See the README for the type mapping table and naming rules.

pub mod names;
pub mod render;
pub mod types;

use lumen_cabi::{ExportSig, ImportSig};
use lumen_compiler::Interface;
use std::fmt;

/// The WASI version of the `wasi:cli/run` export.
pub const WASI_CLI_VERSION: &str = "0.2.0";

/// The world of a program.
#[derive(Debug, Clone, PartialEq)]
pub struct World {
    /// The WIT text (`app.wit`): `package <pkg>;`, the world, and when `main` is exported
    /// the nested `wasi:cli` package with its `run` interface.
    pub wit: String,
    /// What the program blob carries: exports in the order of the world's export
    /// functions, imports (import 0 is always [`ImportSig::generic_call`], then each typed
    /// tool once, in declaration order), and whether `main` is `wasi:cli/run`.
    pub blob_sigs: (Vec<ExportSig>, Vec<ImportSig>, bool /*cli_run*/),
    /// The package name (`lumen:app`).
    pub package: String,
    /// The world name (`app`).
    pub world: String,
    /// True when the world imports `host` with the generic `call` (the program has an
    /// untyped tool). When false, import 0 is in the blob but not in the world: the
    /// runtime never calls it (no untyped tool), and the glue must not import it.
    pub host_call: bool,
}

/// Names for the world.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// `namespace:name`, e.g. "lumen:app" (from the file stem); an optional `@version`.
    pub package: String,
    /// The world name, a WIT identifier (e.g. "app").
    pub world: String,
}

/// Why a program has no WIT world: a type WIT cannot express, a name with no WIT form or
/// that clashes after the conversion, bad options. The message names the cell or tool and
/// the parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitError {
    message: String,
}

impl WitError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> WitError {
        WitError {
            message: message.into(),
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for WitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for WitError {}

/// The world of a program; `main` is `wasi:cli/run` when it is one of the exported cells.
/// Every error found, not just the first, when there is no world.
pub fn world(iface: &Interface, opts: &Options) -> Result<World, Vec<WitError>> {
    let has_main = iface.cells.iter().any(|c| c.name == "main");
    world_with_main(iface, opts, has_main)
}

/// [`world`], saying whether the program has a `main` cell (it may have one that is not
/// exported, when other cells are `pub`: [`Interface::cells`] does not list it). `main` is
/// then exported as `wasi:cli/run` (it takes its arguments from the command line).
pub fn world_with_main(
    iface: &Interface,
    opts: &Options,
    has_main: bool,
) -> Result<World, Vec<WitError>> {
    render::world(iface, opts, has_main)
}
