//! `lumen`: the native command-line host of the Lumen language.
//!
//! Subcommands: `run` (compile and run a program with the native tools), `check` (report
//! every diagnostic), `emit` (write the compiled LIR as JSON or binary), `build` (the
//! runtime as a WebAssembly package, or a program as a typed npm package or a WASI app;
//! feature `build`, see `build/mod.rs`).
//!
//! Exit status:
//! - `0` success;
//! - `1` compile error, run-time error, or failed check;
//! - `2` usage or I/O error (bad flags, unreadable file, unwritable output);
//! - `3` internal error: a bug in Lumen. It is reported on one line,
//!   `internal error: ... (please report this bug)`, without a backtrace.

#[cfg(feature = "build")]
mod build;
mod check;
mod emit;
mod loader;
mod program;
mod render;
mod run;

use clap::{Parser, Subcommand};
use std::process::ExitCode;
use std::sync::Mutex;

/// Exit status of a bug (a panic that reached the top).
pub const EXIT_INTERNAL: u8 = 3;

/// The Lumen language: run, check and compile `.lm` / `.lm.md` programs.
#[derive(Debug, Parser)]
#[command(name = "lumen", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a program (its `main` cell, or `--cell NAME`).
    Run(run::RunArgs),
    /// Report the errors and warnings of source files without running them.
    Check(check::CheckArgs),
    /// Write a program's compiled LIR (JSON or binary).
    Emit(emit::EmitArgs),
    /// Build the Lumen runtime as an npm package or a WASI module, or a program as a typed npm
    /// package or a WASI app (`--target wasm`).
    #[cfg(feature = "build")]
    Build(build::BuildArgs),
}

/// Why a command did not succeed.
#[derive(Debug)]
pub enum Failure {
    /// Bad usage (exit 2); the message is printed as `error: ...`.
    Usage(String),
    /// An I/O problem (exit 2); the message is printed as `error: ...`.
    Io(String),
    /// The program or check failed and the details are already printed (exit 1).
    Reported,
    /// An I/O or usage failure whose message is already printed (exit 2).
    ReportedIo,
}

impl Failure {
    /// Prints the message of a usage or I/O failure to standard error.
    pub fn print(&self) {
        if let Failure::Usage(m) | Failure::Io(m) = self {
            eprintln!(
                "{}",
                lumen_report::runtime::host_error(m, crate::render::stderr_painter())
            );
        }
    }

    /// The same failure, marked as already printed.
    pub fn reported(self) -> Failure {
        match self {
            Failure::Usage(_) | Failure::Io(_) | Failure::ReportedIo => Failure::ReportedIo,
            Failure::Reported => Failure::Reported,
        }
    }

    /// The exit status.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Reported => 1,
            Failure::Usage(_) | Failure::Io(_) | Failure::ReportedIo => 2,
        }
    }
}

/// The message of the last panic, recorded by the hook for the top-level handler.
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Replaces the default panic output (message and backtrace) by silent recording: panics
/// that a stage catches itself (the compiler turns them into E0999) stay quiet, and one
/// that reaches [`main`] is reported there on one line.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        if let Ok(mut slot) = LAST_PANIC.lock() {
            *slot = Some(lumen_runtime::bug::panic_text(info));
        }
    }));
}

fn dispatch(cli: &Cli) -> Result<(), Failure> {
    match &cli.command {
        Command::Run(a) => run::run(a),
        Command::Check(a) => check::run(a),
        Command::Emit(a) => emit::run(a),
        #[cfg(feature = "build")]
        Command::Build(a) => build::run(a),
    }
}

fn main() -> ExitCode {
    install_panic_hook();
    let result = std::panic::catch_unwind(|| {
        let cli = match Cli::try_parse() {
            Ok(cli) => cli,
            Err(e) => {
                // --help and --version are "errors" that print to stdout and exit 0.
                let _ = e.print();
                return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
            }
        };
        match dispatch(&cli) {
            Ok(()) => ExitCode::SUCCESS,
            Err(f) => {
                f.print();
                ExitCode::from(f.exit_code())
            }
        }
    });
    match result {
        Ok(code) => code,
        Err(_) => {
            let msg = LAST_PANIC
                .lock()
                .ok()
                .and_then(|mut slot| slot.take())
                .unwrap_or_else(|| "unknown panic".to_string());
            eprintln!("{}", lumen_report::runtime::internal_error(&msg));
            ExitCode::from(EXIT_INTERNAL)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn run_arguments_after_double_dash() {
        let cli = Cli::try_parse_from([
            "lumen", "run", "a.lm", "--cell", "go", "--fuel", "10", "--", "1", "--x",
        ])
        .unwrap();
        let Command::Run(a) = cli.command else {
            panic!("not run")
        };
        assert_eq!(a.cell, "go");
        assert_eq!(a.fuel, Some(10));
        assert_eq!(a.max_depth, 10_000);
        assert_eq!(a.args, ["1", "--x"]);
    }

    #[test]
    fn failure_exit_codes() {
        assert_eq!(Failure::Reported.exit_code(), 1);
        assert_eq!(Failure::Usage("x".into()).exit_code(), 2);
        assert_eq!(Failure::Io("x".into()).exit_code(), 2);
        assert_eq!(Failure::Io("x".into()).reported().exit_code(), 2);
    }
}
