//! Lumen's host runtime: tool providers, grant policies and the synchronous driver.
//!
//! Pipeline position: compiler → LIR → VM → **runtime** → host. When the VM suspends at a
//! tool call, the host (this crate for native hosts) checks the alias' grants
//! ([`grants`]), looks the tool up in a [`ProviderRegistry`], calls the [`ToolProvider`] and
//! resumes the VM with the result or an error:
//!
//! - E0908 — the tool is not provided (the message lists the provided tools);
//! - E0907 — a grant denies the call (the provider is not called);
//! - E0906 — the provider failed (its message is carried).
//!
//! [`driver::run_program`] does this synchronously until the program finishes. Hosts with an
//! event loop (the browser) use [`ToolGate`] and the registry themselves around their own
//! asynchronous resumption. The native providers (`fs`, `http`, `env`, `time`) are behind
//! the default `native` feature; `echo.upper`, the conformance test tool, is always built.
//! Without `native` the crate builds for `wasm32-unknown-unknown` and `domain` grants use
//! the small, strict [`urlhost`] extractor instead of the `url` crate.

pub mod bug;
pub mod driver;
pub mod echo;
pub mod embedded;
pub mod entry;
pub mod grants;
#[cfg(feature = "std-tools")]
pub mod native;
pub mod provider;
pub mod standard;
pub mod stdio;
pub mod urlhost;

pub use driver::{answer_tool_call, run_program, OutputSink, RunConfig};
pub use grants::ToolGate;
#[cfg(feature = "std-tools")]
pub use native::native_registry;
pub use provider::{
    CallContext, FnProvider, ProviderRegistry, ToolError, ToolErrorKind, ToolProvider,
};
