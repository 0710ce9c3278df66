//! The Lumen virtual machine: LIR definition, values, and the register interpreter.
//!
//! Pipeline position: compiler → **LIR → VM** → host. This crate never depends on the
//! compiler: a precompiled binary LIR file runs on a VM-only build.
//!
//! Modules: `lir` (the module format), `opcodes` (the instruction table every
//! instruction-dependent part is generated from), `validate` (checked before running),
//! `binary` (the compact `.lmb` form, with `positions` its position tables), `value`/`map`/`json` (run-time values; `float_text`
//! writes a float without core::fmt), `program`
//! (the interpreter's executable form of a module, with `liveness` the register analysis
//! it is optimised with), and the interpreter itself: `machine` (the public API: [`Vm`],
//! [`VmConfig`], [`Outcome`]), `dispatch` (the loop), `calls` (frames, builtin and tool
//! calls), `objects` (operations on lists, maps, strings and records), `faults` (its
//! errors); `arith` (operator semantics), `builtins`/`builtins_impl` (native functions),
//! `tool_result` (checking a typed tool's result against its declared type), `shared` (a
//! tool's name, alias and grants, shared by its calls), `tool_args` (a call's arguments,
//! read in place by the grant gate).

pub mod arith;
pub mod binary;
pub mod builtins;
mod builtins_impl;
mod calls;
mod compare;
mod dispatch;
mod drop;
mod entry_args;
pub mod error;
mod faults;
mod float_text;
pub mod json;
pub mod limits;
pub mod lir;
mod liveness;
pub mod machine;
pub mod map;
mod objects;
pub mod opcodes;
mod positions;
mod program;
mod scalars;
pub mod shared;
pub mod tool_args;
pub mod tool_result;
pub mod validate;
pub mod value;

#[cfg(test)]
mod deep_tests;
#[cfg(test)]
mod limit_tests;

pub use error::RuntimeError;
pub use machine::{run_to_end, Outcome, ToolRequest, Vm, VmConfig};
pub use shared::{Grant, Grants, SharedStr};
pub use tool_args::ToolArgs;
pub use value::Value;
