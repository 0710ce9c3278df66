//! `lumen check FILE... [--format human|json]`: every error and warning of every file.
//!
//! Human format: each diagnostic rendered on standard error (code, message,
//! `--> file:line:col`, the source line with a caret), then a summary line. JSON format: one
//! array of `{code, message, file, line, column, severity}` objects on standard output for
//! all files. Exit status 1 when any file has an error, 2 when a file cannot be read.

use crate::loader::FsLoader;
use crate::render::{count, plural, to_json};
use crate::{program, Failure};
use lumen_compiler::Diagnostic;
use std::io::Write;
use std::path::PathBuf;

/// Output format of `lumen check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    Human,
    Json,
}

/// Options of `lumen check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Source files (`.lm`, `.lm.md`).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// How to print the diagnostics.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
}

/// Runs `lumen check`.
pub fn run(a: &CheckArgs) -> Result<(), Failure> {
    let options = program::options();
    let mut all: Vec<Diagnostic> = Vec::new();
    let mut io_failure: Option<Failure> = None;
    for path in &a.files {
        let name = program::file_name(path);
        let bytes = match program::read_file(path) {
            Ok(b) => b,
            Err(e) => {
                e.print();
                io_failure = Some(e);
                continue;
            }
        };
        if program::is_binary(&bytes) {
            let e = Failure::Usage(format!(
                "`{name}` is a binary LIR file; `lumen check` takes source files"
            ));
            e.print();
            io_failure = Some(e);
            continue;
        }
        let loader = FsLoader::new();
        loader.register_root(&name);
        let diags = lumen_compiler::check(&name, &bytes, &loader, &options);
        if a.format == CheckFormat::Human {
            program::report(&diags);
        }
        all.extend(diags);
    }
    let (errors, warnings) = count(&all);
    match a.format {
        CheckFormat::Json => {
            let array: Vec<serde_json::Value> = all.iter().map(to_json).collect();
            let text = serde_json::to_string_pretty(&array).unwrap_or_else(|_| "[]".to_string());
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{text}");
            let _ = out.flush();
        }
        CheckFormat::Human => {
            eprintln!(
                "checked {}: {}, {}",
                plural(a.files.len(), "file"),
                plural(errors, "error"),
                plural(warnings, "warning")
            );
        }
    }
    if let Some(e) = io_failure {
        return Err(e.reported());
    }
    if errors > 0 {
        return Err(Failure::Reported);
    }
    Ok(())
}
