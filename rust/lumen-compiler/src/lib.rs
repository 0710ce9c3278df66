//! The Lumen compiler: source → markdown → lexer → parser → resolver → checker → lowering → LIR.
//!
//! The compiler does no I/O: imported files come through the [`ModuleLoader`] trait, so the
//! same core runs in the CLI and in WebAssembly. Every stage reports all the errors it
//! finds as [`Diagnostic`]s; none panics on any input.

pub mod ast;
pub mod check;
pub mod diagnostic;
mod driver;
pub mod grant_keys;
pub mod interface;
pub mod lexer;
pub mod lower;
pub mod parser;
pub mod render;
pub mod resolve;
pub mod source;
pub mod span;
pub mod stdlib;
pub mod token;

pub use diagnostic::{Diagnostic, Severity};
pub use driver::{check, compile, parse_source, CompileOptions, CompileOutput};
pub use interface::{interface_of, Interface};
pub use lumen_vm::lir;

/// Supplies the text of imported modules. The compiler core never touches the file system.
pub trait ModuleLoader {
    /// Loads the module `path` (`["a", "b"]` for `import a.b: ...`) imported by the file
    /// named `importer`. Returns the loaded file's name (used in diagnostics, and passed as
    /// `importer` for its own imports) and its raw bytes, or a one-line error message.
    fn load(&self, importer: &str, path: &[String]) -> Result<(String, Vec<u8>), String>;
}

/// A loader for hosts without modules: every import fails with a clear message.
pub struct NoImports;

impl ModuleLoader for NoImports {
    fn load(&self, _importer: &str, path: &[String]) -> Result<(String, Vec<u8>), String> {
        Err(format!(
            "module `{}` is not available: this host provides no modules",
            path.join(".")
        ))
    }
}
