//! The VM-only Lumen WASI runtime: a `wasm32-wasip1` command module with no compiler that
//! runs the program [`lumen-embed`](../../lumen-embed) put into it.
//!
//! At start it obtains the program's binary LIR through the two `lumen:program` imports
//! ([`program`]), decodes and validates it, converts the command-line arguments (all of
//! them: they are `main`'s) by `main`'s parameter types, and runs `main` with the WASI
//! tools (files under the preopened directories, environment, clock) exactly as
//! `lumen run app.lm.md -- ARGS` does, with the same output, error rendering and exit
//! status:
//!
//! - `0` success;
//! - `1` run-time error, bad arguments (E0913), no `main` (E0311), invalid program (E0912);
//! - `2` an argument that is not UTF-8, or no program embedded;
//! - `3` internal error: a bug in Lumen, reported on one line.

mod program;

use lumen_report::runtime::{host_error, internal_error};
use lumen_report::{runtime_text, Painter, RuntimeReport};
use lumen_runtime::driver::{RunConfig, DEFAULT_MAX_DEPTH};
use lumen_runtime::entry;
use lumen_runtime::stdio::run_printing;
use std::process::ExitCode;
use std::rc::Rc;

/// The cell the app runs.
const ENTRY: &str = "main";
/// The compiler's code for a missing entry cell (`lumen_compiler::diagnostic::codes::
/// NO_ENTRY`; the app has no compiler to take it from).
const NO_ENTRY: &str = "E0311";
/// Exit status of a bug.
const EXIT_INTERNAL: i32 = 3;

/// A panic is a bug: report it on one line, as `lumen` does, and exit with status 3 (on
/// WebAssembly a panic aborts, so the hook is the last chance to say something).
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("{}", internal_error(&lumen_runtime::bug::panic_text(info)));
        std::process::exit(EXIT_INTERNAL);
    }));
}

/// The command-line arguments after the program name, all of them `main`'s.
fn arguments() -> Result<Vec<String>, String> {
    std::env::args_os()
        .skip(1)
        .enumerate()
        .map(|(i, a)| {
            a.into_string()
                .map_err(|_| format!("argument {} is not valid UTF-8", i + 1))
        })
        .collect()
}

fn main() -> ExitCode {
    install_panic_hook();
    let raw = match arguments() {
        Ok(raw) => raw,
        Err(m) => {
            eprintln!("{}", host_error(&m, Painter::PLAIN));
            return ExitCode::from(2);
        }
    };
    let lir = match program::bytes() {
        Ok(lir) => lir,
        Err(m) => {
            eprintln!("{}", host_error(&m, Painter::PLAIN));
            return ExitCode::from(2);
        }
    };
    let module = match lumen_vm::binary::decode(&lir) {
        Ok(module) => module,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    let values = match entry::find_cell(&module, ENTRY) {
        Err(message) => {
            let report = match module.files.first() {
                Some(file) => RuntimeReport::in_file(NO_ENTRY, &message, file),
                None => RuntimeReport::plain(NO_ENTRY, &message),
            };
            eprintln!("{}", runtime_text(&report, Painter::PLAIN));
            return ExitCode::from(1);
        }
        Ok(func) => match entry::convert_cli_args(func, &raw) {
            Ok(values) => values,
            Err(m) => {
                eprintln!("{}", entry::bad_entry(m));
                return ExitCode::from(1);
            }
        },
    };
    let registry = lumen_runtime::native_registry();
    let config = RunConfig {
        fuel: None,
        max_depth: DEFAULT_MAX_DEPTH,
        output: None,
        gate: None,
    };
    if run_printing(Rc::new(module), ENTRY, values, &registry, config) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
