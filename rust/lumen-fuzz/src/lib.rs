//! A fuzzer for Lumen on stable Rust (issue 10): see `docs/FUZZING.md`.
//!
//! - [`gen`]: grammar-aware program generation (plus adversarial shapes);
//! - [`mutate`]: byte- and token-level mutation of source, splicing, binary-LIR mutation;
//! - [`exec`]: the pipeline one input goes through and what counts as a failure;
//! - [`worker`] / [`supervisor`]: worker processes running many inputs in-process, and the
//!   driver that detects deaths (stack overflow, abort, OOM) and hangs and saves the input;
//! - [`minimize`]: delta debugging of a failing input (lines, then tokens, then characters);
//!   [`repro`]: re-running one input in a fresh process (the minimiser's predicate);
//! - [`corpus`]: the seed programs (`tests/`, `examples/`, `--corpus DIR`);
//! - [`differential`]: programs recorded natively for the lumen-wasm comparison.

pub mod corpus;
pub mod differential;
pub mod exec;
pub mod gen;
pub mod minimize;
pub mod mutate;
pub mod protocol;
pub mod repro;
pub mod rng;
pub mod supervisor;
pub mod worker;
