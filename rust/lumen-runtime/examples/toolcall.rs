//! Native tool-call benchmark: the loop of `../shared/bench/toolcall.mjs` (a guest calls
//! the trivial `echo.upper` tool N times) through [`run_program`] with the in-process
//! provider, so that `valgrind --tool=callgrind` counts the instructions of one call of the
//! VM, the grant gate and the conversions (the difference of two counts, N and 0, over N).
//!
//! ```text
//! cargo build --release -p lumen-runtime --example toolcall
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/toolcall 20000
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/toolcall 0
//! ```

use std::rc::Rc;
use std::time::Instant;

use lumen_compiler::{compile, CompileOptions, NoImports};
use lumen_runtime::{run_program, ProviderRegistry, RunConfig};

/// The program of `toolcall.mjs` with `n` calls (its `max_calls` grant included):
/// `tests/bench/toolcall.lm`, shared with the other native tool-call harness.
fn program(n: usize) -> String {
    include_str!("../../../tests/bench/toolcall.lm")
        .replace("MAX_CALLS", &(n + 1).to_string())
        .replace("N_CALLS", &n.to_string())
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let src = program(n);
    let module = match compile(
        "toolcall.lm",
        src.as_bytes(),
        &NoImports,
        &CompileOptions::default(),
    ) {
        Ok(out) => Rc::new(out.module),
        Err(d) => {
            eprintln!("toolcall.lm does not compile: {d:?}");
            std::process::exit(1);
        }
    };
    let mut registry = ProviderRegistry::new();
    registry.register(lumen_runtime::echo::EchoUpper);
    let t0 = Instant::now();
    let result = run_program(module, "main", vec![], &registry, RunConfig::default());
    let elapsed = t0.elapsed();
    match result {
        Ok(v) => {
            let per_call = elapsed.as_secs_f64() * 1e6 / n.max(1) as f64;
            println!("{n} calls -> {v}: {per_call:.3} us per call");
        }
        Err(e) => {
            eprintln!("error: {} {}", e.code, e.message);
            std::process::exit(1);
        }
    }
}
