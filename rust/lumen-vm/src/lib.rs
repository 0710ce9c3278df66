//! The Lumen virtual machine: LIR definition, values, and the register interpreter.
//!
//! Pipeline position: compiler → **LIR → VM** → host. This crate never depends on the
//! compiler: a precompiled binary LIR file runs on a VM-only build.

pub mod builtins;
pub mod error;
pub mod lir;
