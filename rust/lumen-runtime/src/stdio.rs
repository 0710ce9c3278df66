//! Running a program from a command line, as `lumen run` and the WASI app do: printed
//! lines stream to standard output, the cell's value follows on its own line when it is
//! not `null`, and a run-time error goes to standard error as `error[CODE]: message` and
//! `  --> FILE:LINE (in CELL)`.

use crate::driver::{run_program, OutputSink, RunConfig};
use crate::provider::ProviderRegistry;
use lumen_vm::lir::Module;
use lumen_vm::value::Value;
use std::io::Write;
use std::rc::Rc;

/// Writes each printed line to standard output as it is produced (standard output is
/// line-buffered, so every line is flushed; a closed pipe is ignored).
pub fn stdout_sink() -> OutputSink {
    Box::new(|line: &str| {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(line.as_bytes());
        let _ = out.write_all(b"\n");
    })
}

/// Runs `cell` of `module` with `args` (`config.output` is replaced by [`stdout_sink`]),
/// prints its value or its error, and says whether it succeeded.
pub fn run_printing(
    module: Rc<Module>,
    cell: &str,
    args: Vec<Value>,
    registry: &ProviderRegistry,
    config: RunConfig,
) -> bool {
    let config = RunConfig {
        output: Some(stdout_sink()),
        ..config
    };
    let outcome = run_program(module, cell, args, registry, config);
    let mut out = std::io::stdout().lock();
    match outcome {
        Ok(value) => {
            if !value.is_null() {
                let _ = writeln!(out, "{value}");
            }
            let _ = out.flush();
            true
        }
        Err(e) => {
            let _ = out.flush();
            drop(out);
            eprintln!("{e}");
            false
        }
    }
}
