//! `lumen run FILE [--cell NAME] [--fuel N] [--max-depth N] [-- ARGS]`.
//!
//! Compiles (or decodes) the program, converts ARGS for the entry cell, runs it with the
//! native tool registry while streaming its output to standard output, then prints the
//! cell's value on its own line when it is not `null`. A run-time error goes to standard
//! error as `error[CODE]: message` and `  --> FILE:LINE (in CELL)`.

use crate::{program, Failure};
use lumen_compiler::diagnostic::codes::NO_ENTRY;
use lumen_report::Painter;
use lumen_runtime::driver::RunConfig;
use lumen_runtime::entry;
use lumen_runtime::stdio::run_printing;
use lumen_vm::error::RuntimeError;
use lumen_vm::lir::Module;
use std::path::PathBuf;
use std::rc::Rc;

/// Options of `lumen run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The program: `.lm`, `.lm.md`, or binary LIR (`.lmb`).
    pub file: PathBuf,
    /// The cell to run.
    #[arg(long, default_value = "main", value_name = "NAME")]
    pub cell: String,
    /// Stop with error E0910 after this many VM instructions.
    #[arg(long, value_name = "N")]
    pub fuel: Option<u64>,
    /// Maximum call depth (error E0909 beyond it).
    #[arg(long, value_name = "N", default_value_t = lumen_runtime::driver::DEFAULT_MAX_DEPTH)]
    pub max_depth: usize,
    /// Arguments for the cell, converted by its parameter types.
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<String>,
}

/// Why the program could not be started.
enum EntryError {
    /// No exported cell of that name: E0311, reported against the file.
    NoCell(String),
    /// The arguments do not fit the cell: E0913.
    BadArgs(RuntimeError),
}

/// Finds the entry cell and converts the arguments for it.
fn entry_args(
    module: &Module,
    cell: &str,
    raw: &[String],
) -> Result<Vec<lumen_vm::value::Value>, EntryError> {
    let func = entry::find_cell(module, cell).map_err(EntryError::NoCell)?;
    entry::convert_cli_args(func, raw).map_err(|m| EntryError::BadArgs(entry::bad_entry(m)))
}

/// Runs `lumen run`.
pub fn run(a: &RunArgs) -> Result<(), Failure> {
    let module = program::load(&a.file)?;
    let values = match entry_args(&module, &a.cell, &a.args) {
        Ok(values) => values,
        Err(EntryError::NoCell(message)) => {
            let file = program::file_name(&a.file);
            let report = lumen_report::RuntimeReport::in_file(NO_ENTRY, &message, &file);
            eprintln!("{}", lumen_report::runtime_text(&report, Painter::PLAIN));
            return Err(Failure::Reported);
        }
        Err(EntryError::BadArgs(e)) => {
            eprintln!("{e}");
            return Err(Failure::Reported);
        }
    };
    let registry = crate::program::host_registry();
    let config = RunConfig {
        fuel: a.fuel,
        max_depth: a.max_depth,
        output: None,
        gate: None,
    };
    if run_printing(Rc::new(module), &a.cell, values, &registry, config) {
        Ok(())
    } else {
        Err(Failure::Reported)
    }
}
