//! The typed entry module of a Lumen program package: [`generate`] turns a program's
//! [`Interface`] and binary LIR into an ES module, a CommonJS module with the same API, and
//! their TypeScript declarations.
//!
//! # What the entry module is
//! - It imports `run` (and `LumenError`) from the runtime package through a relative
//!   specifier ([`Options::runtime`], [`Options::runtime_cjs`]) and relies on nothing else.
//! - It embeds the program's binary LIR as a base64 string, decoded with `atob` once, on
//!   the first call.
//! - For each exported cell ([`Interface::cells`]: the `pub` cells, or `main`) it exports
//!   `async function <name>(<params>, options?)`, which calls `run(lir, {cell, args, ...})`
//!   and resolves to the cell's **value** (`RunResult.value`, not the `RunResult`).
//! - Printed output: each line goes to `options.onPrint(line)`; without `onPrint` to
//!   `console.log` (what `lumen run` does with it). `options` also passes `tools`, `fuel`,
//!   `maxDepth`, `signal` and `toolTimeoutMs` through to `run`; nothing else of it is read.
//! - It re-exports `LumenError`; every failure of a run rejects with one (argument
//!   mismatches: kind `runtime`, E0913, naming the parameter), except an `options` that is
//!   not an object (a `TypeError`, as `run` itself throws for malformed options).
//!
//! # Names
//! Cells, parameters and record/enum names keep their Lumen spelling unless it is a
//! JavaScript reserved word, a strict-mode restricted name, a CommonJS wrapper name
//! (`require`, `module`, `exports`, ...), `LumenError`, or (for types) a TypeScript type
//! keyword or a name the declarations use (`Options`, `Tools`, `JsonValue`, `Promise`, ...):
//! then `_` is appended until the name is free (`delete` → `delete_`). See [`names`].
//!
//! # Types (the `.d.ts`)
//! One mapping serves arguments and results (each type crosses the boundary the same way
//! both ways, see `lumen_compiler::interface`):
//!
//! | Lumen | TypeScript |
//! |---|---|
//! | `Int` | `number \| bigint` (results are a `number` when \|n\| ≤ 2^53 − 1, else a `bigint`) |
//! | `Float` / `String` / `Bool` / `Null` | `number` / `string` / `boolean` / `null` |
//! | `list[T]` / `tuple[A, B]` | `T[]` / `[A, B]` |
//! | `map[String, V]` / `map[Int, V]` | `{ [key: string]: V }` / `{ [key: number]: V }` |
//! | `T?` / `A \| B` | `T \| null` / `A \| B` |
//! | `result[T, E]` | `{ ok: T } \| { err: E }` |
//! | record `P` | `export interface P { field: T; ... }` |
//! | enum `E` | `export type E = "Unit" \| { Named: { f: T } } \| { Positional: [T, U] }` |
//! | `Json` | the exported `JsonValue` |
//! | `fn(...) -> R` | `string` (a function crosses as its display text) |
//!
//! `Options.tools` has one required key per qualified tool name the program declares
//! (optional `tools` when it declares none). A typed tool is
//! `(args: { p: T, ... }, context: ToolCallContext) => R | Promise<R>`; parameters with a
//! default are *required* keys of `args`, because defaults are filled in at the call site
//! and the tool always receives them (a tool function that declares them optional still
//! type-checks). An untyped tool is
//! `(args: { [name: string]: JsonValue }, context) => JsonValue | Promise<JsonValue>`.
//! A cell's parameters are all required, defaults or not: the entry cell of a run gets
//! exactly its declared arguments.
//!
//! # Files
//! [`Generated`] holds the ES module, the CommonJS module and their declarations (`.d.ts`
//! and `.d.cts`: attw wants CommonJS types for a CommonJS entry). Each imports the runtime
//! through one relative specifier, which does not go through the package's `exports`
//! conditions: a runtime with one entry per host needs one program entry per runtime
//! entry, each generated with its specifier (see the README, "Files").

use lumen_compiler::interface::Interface;

mod dts;
mod js;
mod lumen;
pub mod names;
mod plan;
mod ts;

#[cfg(test)]
mod tests;

/// How to write the entry module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Specifier of the runtime's ES module entry, relative to the generated module
    /// (default `./lumen_wasm.js`).
    pub runtime: String,
    /// Specifier of the runtime's CommonJS entry (default `./lumen_wasm.cjs`).
    pub runtime_cjs: String,
    /// The program's file name, as run-time errors show it (default `main.lm`).
    pub filename: String,
    /// Specifier the `.d.ts` imports the runtime's types from, when it is not
    /// [`Options::runtime`] (e.g. `./index.js` for its `index.d.ts` while the code imports
    /// `./index.node.js`).
    pub runtime_types: Option<String>,
    /// The same for the `.d.cts` ([`Options::runtime_cjs`] when `None`).
    pub runtime_cjs_types: Option<String>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            runtime: "./lumen_wasm.js".to_string(),
            runtime_cjs: "./lumen_wasm.cjs".to_string(),
            filename: "main.lm".to_string(),
            runtime_types: None,
            runtime_cjs_types: None,
        }
    }
}

/// The generated texts (see the crate docs for the file names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// The ES module entry.
    pub js: String,
    /// The CommonJS entry, same API.
    pub cjs: String,
    /// Declarations of the ES module entry.
    pub dts: String,
    /// Declarations of the CommonJS entry.
    pub dcts: String,
    /// What the declarations could not describe exactly (two records or enums of the same
    /// name in different files: the first is declared). Empty for almost every program.
    pub warnings: Vec<String>,
}

/// Generates the entry modules and declarations of the program `lir` (its binary LIR, as
/// `lumen emit -o x.lmb` writes it) whose interface is `iface`.
pub fn generate(iface: &Interface, lir: &[u8], opts: &Options) -> Generated {
    let plan = plan::Plan::new(iface);
    Generated {
        js: js::module(&plan, lir, opts, js::Flavour::Esm),
        cjs: js::module(&plan, lir, opts, js::Flavour::Cjs),
        dts: dts::declarations(
            &plan,
            opts,
            opts.runtime_types.as_ref().unwrap_or(&opts.runtime),
        ),
        dcts: dts::declarations(
            &plan,
            opts,
            opts.runtime_cjs_types.as_ref().unwrap_or(&opts.runtime_cjs),
        ),
        warnings: plan.warnings,
    }
}

/// One property of the options object every exported function takes last (its `.d.ts`
/// `Options` interface, besides `tools`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOption {
    /// The property name.
    pub name: &'static str,
    /// Its TypeScript type.
    pub ty: &'static str,
    /// One sentence for the `.d.ts` and the package README.
    pub doc: &'static str,
}

/// The optional properties of the options object, after `tools` (which is required when
/// the program declares a tool): the one list the `.d.ts`, the README and the wrapper's
/// options-object check use.
pub const RUN_OPTIONS: &[RunOption] = &[
    RunOption {
        name: "onPrint",
        ty: "(line: string) => void",
        doc: "Called with each printed line; without it lines go to `console.log`.",
    },
    RunOption {
        name: "fuel",
        ty: "number",
        doc: "Total instruction budget; exceeding it rejects with kind 'limit' (E0910).",
    },
    RunOption {
        name: "maxDepth",
        ty: "number",
        doc: "Maximum call depth (default 10000).",
    },
    RunOption {
        name: "signal",
        ty: "AbortSignal",
        doc: "Cancels the run: it rejects with kind 'cancelled' (E0915).",
    },
    RunOption {
        name: "toolTimeoutMs",
        ty: "number",
        doc: "Longest time in ms one tool call may take (default 30000; 0: unbounded).",
    },
];

/// The first lines of every generated file.
fn header(opts: &Options) -> String {
    format!(
        "// Generated by lumen-jsgen {} from {}: do not edit (rebuild with `lumen build`).\n\n",
        env!("CARGO_PKG_VERSION"),
        names::comment_text(&opts.filename).replace(['\n', '\r'], " ")
    )
}
