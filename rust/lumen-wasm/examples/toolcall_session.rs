//! Native tool-call benchmark of the JavaScript package's Rust side: the loop of
//! `../shared/bench/toolcall.mjs` (a guest calls `echo.upper` N times) driven through
//! [`Session`] as `bindings.rs` drives it, with the JavaScript tool left out: each call's
//! arguments become JSON text (as for the `plain` helper) and the tool's JSON text answer
//! `{"text":"A"}` is parsed and resumed. `valgrind --tool=callgrind` then counts the
//! instructions of one call natively (the difference of two counts, N and 0, over N).
//!
//! ```text
//! cargo build --release -p lumen-wasm --example toolcall_session
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/toolcall_session 20000
//! ```

use std::hint::black_box;
use std::time::Instant;

use lumen_wasm::core::{Input, RunOptions, Session, Step};

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
    let options = RunOptions {
        filename: Some("toolcall.lm".into()),
        tools: vec!["echo.upper".into()],
        ..RunOptions::default()
    };
    let mut session = match Session::new(Input::Source(program(n)), options) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {} {}", e.code, e.message);
            std::process::exit(1);
        }
    };
    let t0 = Instant::now();
    let display = loop {
        match session.step(1 << 20) {
            Step::Done { display, .. } => break display,
            Step::Error(e) => {
                eprintln!("error: {} {}", e.code, e.message);
                std::process::exit(1);
            }
            Step::Yield => {}
            Step::ToolCall(call) => {
                black_box(lumen_wasm::args_text::args_text(&call.args));
                drop(call);
                if let Err(e) = session.resume_text(black_box("{\"text\":\"A\"}")) {
                    session.resume_err(&e);
                }
            }
        }
    };
    let per_call = t0.elapsed().as_secs_f64() * 1e6 / n.max(1) as f64;
    println!("{n} calls -> {display}: {per_call:.3} us per call");
}
