//! `lumen run FILE [--cell NAME] [--fuel N] [--max-depth N] [-- ARGS]`.
//!
//! Compiles (or decodes) the program, converts ARGS for the entry cell, runs it with the
//! native tool registry while streaming its output to standard output, then prints the
//! cell's value on its own line when it is not `null`. A run-time error goes to standard
//! error as `error[CODE]: message` and `  --> FILE:LINE (in CELL)`.

use crate::{args, program, Failure};
use lumen_compiler::diagnostic::codes::NO_ENTRY;
use lumen_runtime::driver::{run_program, RunConfig};
use lumen_vm::error::{codes, RuntimeError};
use lumen_vm::lir::Module;
use std::io::Write;
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

/// An E0913 error (bad entry cell or arguments), not tied to a source line.
fn bad_entry(message: String) -> RuntimeError {
    RuntimeError {
        code: codes::BAD_ENTRY,
        message,
        file: String::new(),
        line: 0,
        function: String::new(),
    }
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
    let Some(func) = module
        .functions
        .iter()
        .find(|f| f.exported && f.name == cell)
    else {
        return Err(EntryError::NoCell(lumen_runtime::entry::no_cell_message(
            module, cell,
        )));
    };
    args::convert_all(func, raw).map_err(|m| EntryError::BadArgs(bad_entry(m)))
}

/// Writes each printed line to standard output as it is produced (standard output is
/// line-buffered, so every line is flushed; a closed pipe is ignored).
fn stdout_sink() -> Box<dyn FnMut(&str)> {
    Box::new(|line: &str| {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(line.as_bytes());
        let _ = out.write_all(b"\n");
    })
}

/// Runs `lumen run`.
pub fn run(a: &RunArgs) -> Result<(), Failure> {
    let module = program::load(&a.file)?;
    let values = match entry_args(&module, &a.cell, &a.args) {
        Ok(values) => values,
        Err(EntryError::NoCell(message)) => {
            eprintln!("error[{NO_ENTRY}]: {message}");
            eprintln!("  --> {}", program::file_name(&a.file));
            return Err(Failure::Reported);
        }
        Err(EntryError::BadArgs(e)) => {
            eprintln!("{e}");
            return Err(Failure::Reported);
        }
    };
    let outcome = {
        let registry = crate::program::host_registry();
        let config = RunConfig {
            fuel: a.fuel,
            max_depth: a.max_depth,
            output: Some(stdout_sink()),
            gate: None,
        };
        run_program(Rc::new(module), &a.cell, values, &registry, config)
    };
    let mut out = std::io::stdout().lock();
    match outcome {
        Ok(value) => {
            if !value.is_null() {
                let _ = writeln!(out, "{value}");
            }
            let _ = out.flush();
            Ok(())
        }
        Err(e) => {
            let _ = out.flush();
            drop(out);
            eprintln!("{e}");
            Err(Failure::Reported)
        }
    }
}
