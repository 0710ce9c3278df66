//! The host-independent core of the JavaScript API, in plain Rust (no wasm-bindgen), so it
//! is unit-tested natively: [`check`], [`compile`], and a [`Session`] that runs one program
//! step by step.
//!
//! A session owns the [`Vm`], the run's [`ToolGate`] (grants and `max_calls`) and the
//! printed lines. [`Session::step`] runs up to one fuel slice and reports a [`Step`]:
//! finished, a tool call for the host to perform, a pause at the end of the slice (the host
//! yields to its event loop, then steps again), or an error. Tool calls are checked before
//! they are reported: a tool the host does not provide (E0908) and a call a grant denies
//! (E0907) become run-time errors inside the program and never reach the host. The host
//! answers a reported call with [`Session::resume_ok`] or [`Session::resume_err`] (E0906).

// An error is built at most once per run and handed straight to the host: boxing it would
// only add noise.
#![allow(clippy::result_large_err)]

use crate::entry;
#[cfg(feature = "compiler")]
use crate::modules::MapLoader;
use lumen_runtime::driver::out_of_fuel;
use lumen_runtime::grants::ToolGate;
use lumen_vm::error::{codes, RuntimeError};
use lumen_vm::lir::Module;
use lumen_vm::machine::{Outcome, Vm, VmConfig};
use lumen_vm::shared::{Grants, SharedStr};
use lumen_vm::value::Value;
use lumen_vm::ToolArgs;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// The default recursion limit (`maxDepth`).
pub const DEFAULT_MAX_DEPTH: usize = lumen_runtime::driver::DEFAULT_MAX_DEPTH;

/// Code of an internal failure: the WebAssembly instance trapped during the call (the same
/// code the compiler gives its internal errors).
pub const INTERNAL: &str = "E0999";

/// Code of a cancelled run.
pub const CANCELLED: &str = codes::CANCELLED;

/// Code of a missing entry cell when the program was compiled from source.
#[cfg(feature = "compiler")]
const NO_ENTRY: &str = lumen_compiler::diagnostic::codes::NO_ENTRY;

/// The class of a [`LumenErrorData`] (the `kind` of the JavaScript `LumenError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A compile diagnostic error.
    Compile,
    /// Any other run-time error.
    Runtime,
    /// E0906 (a tool failed) and E0908 (a tool is not provided).
    Tool,
    /// E0907 (a grant denied a call).
    Grant,
    /// E0909 (recursion), E0910 (fuel), E0914 (memory).
    Limit,
    /// E0915: the host cancelled the run (an aborted `AbortSignal`).
    Cancelled,
    /// E0999: the WebAssembly instance trapped (a bug or an exhausted native stack); the
    /// call was abandoned and the package recovered (see [`LumenErrorData::internal`]).
    Internal,
}

impl ErrorKind {
    /// The kind of a run-time error code.
    pub fn of_runtime_code(code: &str) -> ErrorKind {
        match code {
            codes::TOOL_FAILED | codes::UNKNOWN_TOOL => ErrorKind::Tool,
            codes::GRANT_DENIED => ErrorKind::Grant,
            codes::RECURSION_LIMIT | codes::OUT_OF_FUEL | codes::OUT_OF_MEMORY => ErrorKind::Limit,
            codes::CANCELLED => ErrorKind::Cancelled,
            INTERNAL => ErrorKind::Internal,
            _ => ErrorKind::Runtime,
        }
    }

    /// `compile`, `runtime`, `tool`, `grant`, `limit`, `cancelled` or `internal`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Compile => "compile",
            ErrorKind::Runtime => "runtime",
            ErrorKind::Tool => "tool",
            ErrorKind::Grant => "grant",
            ErrorKind::Limit => "limit",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Internal => "internal",
        }
    }
}

/// One diagnostic as the JavaScript API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiagnosticData {
    /// Stable code, `E0100`.
    pub code: String,
    /// One-line message.
    pub message: String,
    /// File name.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// `true` for errors, `false` for warnings.
    pub is_error: bool,
}

impl DiagnosticData {
    /// `error` or `warning` (the names of the one renderer, `lumen_report`).
    pub fn severity(&self) -> &'static str {
        if self.is_error {
            lumen_report::Severity::Error.name()
        } else {
            lumen_report::Severity::Warning.name()
        }
    }
}

#[cfg(feature = "compiler")]
impl From<&lumen_compiler::Diagnostic> for DiagnosticData {
    fn from(d: &lumen_compiler::Diagnostic) -> DiagnosticData {
        DiagnosticData {
            code: d.code.to_string(),
            message: d.message.clone(),
            file: d.file.clone(),
            line: d.line,
            column: d.column,
            is_error: d.is_error(),
        }
    }
}

/// Everything the JavaScript `LumenError` carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LumenErrorData {
    /// The error class.
    pub kind: ErrorKind,
    /// Stable code (`E0300`, `E0909`, ...).
    pub code: String,
    /// One line.
    pub message: String,
    /// Every diagnostic of a compile error (warnings included); empty otherwise.
    pub diagnostics: Vec<DiagnosticData>,
    /// The file of the error, when known.
    pub file: Option<String>,
    /// The 1-based line of the error, when known.
    pub line: Option<u32>,
    /// The 1-based column of the error, when known.
    pub column: Option<u32>,
    /// The Lumen call stack of a run-time error, innermost first (empty otherwise); of a
    /// deep stack only the innermost and outermost frames ([`lumen_report::kept_frames`]).
    pub frames: Vec<lumen_report::Frame>,
    /// How many frames between the kept ones were left out.
    pub frames_omitted: usize,
    /// What `lumen run` prints on standard error for this error (no colours, no final
    /// newline).
    pub rendered: String,
}

impl LumenErrorData {
    /// From a run-time error (rendered as `error[CODE]: message`,
    /// `  --> file:line:column (in f)` and its trace).
    pub fn from_runtime(e: &RuntimeError) -> LumenErrorData {
        LumenErrorData {
            kind: ErrorKind::of_runtime_code(e.code),
            code: e.code.to_string(),
            message: e.message.clone(),
            diagnostics: Vec::new(),
            file: (!e.file.is_empty()).then(|| e.file.clone()),
            line: (e.line > 0).then_some(e.line),
            column: (e.line > 0 && e.column > 0).then_some(e.column),
            frames: e.frames.to_vec(),
            frames_omitted: e.frames_omitted,
            rendered: e.to_string(),
        }
    }

    /// The JavaScript `stack` of this error: `LumenError: MESSAGE`, its Lumen frames in V8's
    /// form (`    at CELL (FILE:LINE:COLUMN)`, capped like the text trace), then the
    /// JavaScript frames of `js_stack`, the stack the engine captured (V8's header line
    /// `Error: …` or `LumenError: …` is dropped; other engines' stacks have none).
    pub fn stack(&self, js_stack: &str) -> String {
        let js_frames = if js_stack.starts_with("Error") || js_stack.starts_with("LumenError") {
            js_stack.split_once('\n').map_or("", |(_, rest)| rest)
        } else {
            js_stack
        };
        let mut out = format!("LumenError: {}", self.message);
        for line in lumen_report::stack_lines(&self.frames, self.frames_omitted) {
            out.push('\n');
            out.push_str(&line);
        }
        if !js_frames.is_empty() {
            out.push('\n');
            out.push_str(js_frames);
        }
        out
    }

    /// The error of a run the host cancelled (E0915); `reason` is the abort reason, if any.
    pub fn cancelled(reason: Option<&str>) -> LumenErrorData {
        LumenErrorData::plain(
            ErrorKind::Cancelled,
            codes::CANCELLED,
            cancel_message(reason),
        )
    }

    /// The error of a call during which the WebAssembly instance trapped (E0999, kind
    /// `internal`): `what` is the engine's message (`memory access out of bounds`,
    /// `unreachable`, `Maximum call stack size exceeded`, ...). The package has recovered;
    /// the message says so.
    pub fn internal(what: &str) -> LumenErrorData {
        let message = format!(
            "internal error: the WebAssembly instance trapped ({}); the call was abandoned \
             and the engine was reset to a clean stack; later calls work normally",
            one_line(what)
        );
        LumenErrorData::plain(ErrorKind::Internal, INTERNAL, message)
    }

    /// An error with no file or line, rendered `error[CODE]: message`.
    fn plain(kind: ErrorKind, code: &str, message: String) -> LumenErrorData {
        LumenErrorData {
            kind,
            code: code.to_string(),
            rendered: lumen_report::runtime_text(
                &lumen_report::RuntimeReport::plain(code, &message),
                lumen_report::Painter::PLAIN,
            ),
            message,
            diagnostics: Vec::new(),
            file: None,
            line: None,
            column: None,
            frames: Vec::new(),
            frames_omitted: 0,
        }
    }

    /// A run-time error reported against a whole file (`  --> file`, no line).
    fn runtime_in_file(e: &RuntimeError, file: &str) -> LumenErrorData {
        let mut data = LumenErrorData::from_runtime(e);
        data.rendered =
            lumen_report::runtime_text(&e.report_in(file), lumen_report::Painter::PLAIN);
        data.file = Some(file.to_string());
        data
    }

    /// From the diagnostics of a failed compilation of the root file `name`.
    #[cfg(feature = "compiler")]
    pub fn from_diagnostics(name: &str, diags: &[lumen_compiler::Diagnostic]) -> LumenErrorData {
        let first = diags.iter().find(|d| d.is_error()).or(diags.first());
        LumenErrorData {
            kind: ErrorKind::Compile,
            code: first
                .map_or(lumen_compiler::diagnostic::codes::INTERNAL, |d| d.code)
                .to_string(),
            message: first.map_or_else(
                || format!("could not compile `{name}`"),
                |d| d.message.clone(),
            ),
            diagnostics: diags.iter().map(DiagnosticData::from).collect(),
            file: Some(first.map_or_else(|| name.to_string(), |d| d.file.clone())),
            line: first.map(|d| d.line).filter(|&l| l > 0),
            column: first.map(|d| d.column).filter(|&c| c > 0),
            frames: Vec::new(),
            frames_omitted: 0,
            rendered: crate::render::render_compile_failure(name, diags),
        }
    }
}

/// The message of a cancelled run (E0915), naming the abort `reason` when there is one.
fn cancel_message(reason: Option<&str>) -> String {
    match reason {
        Some(r) if !r.is_empty() => format!("the run was cancelled: {}", one_line(r)),
        _ => "the run was cancelled".to_string(),
    }
}

/// `text` on one line (line breaks become spaces), at most 300 characters.
fn one_line(text: &str) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    let flat = flat.trim();
    if flat.chars().count() > 300 {
        let short: String = flat.chars().take(300).collect();
        format!("{short}...")
    } else {
        flat.to_string()
    }
}

fn runtime_error(code: &'static str, message: String) -> RuntimeError {
    RuntimeError::plain(code, message)
}

/// The program a session runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Source text (`.lm` or `.lm.md`).
    Source(String),
    /// Binary LIR (`lumen emit -o x.lmb`).
    Binary(Vec<u8>),
}

/// The options of one run (the JavaScript `RunOptions`, minus the callbacks).
#[derive(Debug, Clone, PartialEq)]
pub struct RunOptions {
    /// File name: decides `.lm` / `.lm.md` and names the file in messages.
    pub filename: Option<String>,
    /// The entry cell.
    pub cell: String,
    /// The entry cell's arguments (converted by the parameter types, see [`entry`]).
    pub args: Vec<serde_json::Value>,
    /// Arguments the host could not express as JSON (a `Map`, a function, a cycle), by
    /// index into `args` (which holds `null` there), with the reason: E0913 naming the
    /// parameter, like any other argument that does not fit.
    pub unconvertible: Vec<(usize, String)>,
    /// Qualified names of the tools the host provides.
    pub tools: Vec<String>,
    /// Total instruction budget (`None`: unlimited).
    pub fuel: Option<u64>,
    /// Maximum call depth.
    pub max_depth: usize,
    /// Sources of importable modules by dotted path.
    pub modules: BTreeMap<String, String>,
}

impl Default for RunOptions {
    fn default() -> RunOptions {
        RunOptions {
            filename: None,
            cell: "main".to_string(),
            args: Vec::new(),
            unconvertible: Vec::new(),
            tools: Vec::new(),
            fuel: None,
            max_depth: DEFAULT_MAX_DEPTH,
            modules: BTreeMap::new(),
        }
    }
}

/// The name of the root file: the given one, else `main.lm` / `main.lm.md` by content.
#[cfg(feature = "compiler")]
pub fn root_name(source: &str, filename: Option<&str>) -> String {
    match filename {
        Some(name) if !name.is_empty() => name.to_string(),
        _ if lumen_compiler::source::looks_like_markdown(source) => "main.lm.md".to_string(),
        _ => "main.lm".to_string(),
    }
}

/// Every diagnostic (errors and warnings) of a source file; imports fail (E0203).
#[cfg(feature = "compiler")]
pub fn check(source: &str, filename: Option<&str>) -> Vec<DiagnosticData> {
    let name = root_name(source, filename);
    let loader = MapLoader::default();
    let options = lumen_compiler::CompileOptions::default();
    lumen_compiler::check(&name, source.as_bytes(), &loader, &options)
        .iter()
        .map(DiagnosticData::from)
        .collect()
}

/// Compiles source to a LIR module (`known_tools`: the host's tools, for warning W0001).
#[cfg(feature = "compiler")]
pub fn compile_module(
    source: &str,
    filename: Option<&str>,
    modules: BTreeMap<String, String>,
    known_tools: Option<Vec<String>>,
) -> Result<(Module, String), LumenErrorData> {
    let name = root_name(source, filename);
    let loader = MapLoader::new(modules);
    loader.register_root(&name, source);
    let options = lumen_compiler::CompileOptions {
        known_tools,
        ..Default::default()
    };
    match lumen_compiler::compile(&name, source.as_bytes(), &loader, &options) {
        Ok(out) => Ok((out.module, name)),
        Err(diags) => Err(LumenErrorData::from_diagnostics(&name, &diags)),
    }
}

/// Compiles source to binary LIR (the bytes of `lumen emit -o x.lmb`).
#[cfg(feature = "compiler")]
pub fn compile(source: &str, filename: Option<&str>) -> Result<Vec<u8>, LumenErrorData> {
    compile_module(source, filename, BTreeMap::new(), None)
        .map(|(module, _)| lumen_vm::binary::encode(&module))
}

/// What one [`Session::step`] ended with.
#[derive(Debug, Clone)]
pub enum Step {
    /// The entry cell returned: its value and what `lumen run` prints for it (`""` for null).
    Done { value: Value, display: String },
    /// The program called a provided tool and its grants allow it: perform it, then
    /// [`Session::resume_ok`] / [`Session::resume_err`] and step again.
    ToolCall(ToolCall),
    /// The fuel slice is used up: yield to the event loop, then step again.
    Yield,
    /// The program stopped with an error.
    Error(LumenErrorData),
}

/// A tool call to perform. Its name, alias and grants are shared with every other call of
/// the tool in the run (the VM's, see [`lumen_vm::shared`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCall {
    /// Qualified tool name (`echo.upper`).
    pub name: SharedStr,
    /// The alias the program called it through.
    pub alias: SharedStr,
    /// The named arguments (the VM's, as the gate read them; `to_json` for JSON).
    pub args: ToolArgs,
    /// The tool's grants, in declaration order (the JS tool's call context).
    pub grants: Grants,
    /// The smallest `timeout_ms` grant, if any: the call fails with E0906 when the host's
    /// promise has not settled by then.
    pub timeout_ms: Option<u64>,
    /// Source line of the call.
    pub line: u32,
}

/// The most fuel handed to the VM per `Vm::run` call within one step. Returning to the
/// driver loop every `CHUNK` instructions costs next to nothing, and matters in WebAssembly
/// engines: they compile the optimised interpreter loop in the background but, without
/// on-stack replacement, only use it from its next call — so short runs let the fast code
/// take over within a fraction of a millisecond instead of at the end of a slice.
pub const CHUNK: u64 = 1 << 16;

/// One run of one program.
pub struct Session {
    vm: Vm,
    gate: ToolGate,
    tools: Vec<String>,
    output: Rc<RefCell<Vec<String>>>,
    delivered: usize,
    /// Fuel not yet handed to the VM (`None`: unlimited).
    budget: Option<u64>,
    total_fuel: Option<u64>,
    needs_fuel: bool,
    /// Fuel of the current slice not yet handed to the VM (see [`CHUNK`]).
    slice_left: u64,
    /// The alias and qualified name of the call awaiting its result.
    pending: Option<(SharedStr, SharedStr)>,
    finished: bool,
}

/// The index of the exported cell `cell`.
fn find_cell(module: &Module, cell: &str) -> Option<usize> {
    module
        .functions
        .iter()
        .position(|f| f.exported && f.name == cell)
}

impl Session {
    /// Compiles (or decodes) the program, converts the arguments and starts the entry cell.
    pub fn new(input: Input, options: RunOptions) -> Result<Session, LumenErrorData> {
        let RunOptions {
            filename,
            cell,
            args,
            unconvertible,
            tools,
            fuel,
            max_depth,
            modules,
        } = options;
        let (module, name, from_source) = match input {
            Input::Binary(bytes) => {
                let name = filename.unwrap_or_else(|| "main.lmb".to_string());
                let module = lumen_vm::binary::decode(&bytes)
                    .map_err(|e| LumenErrorData::runtime_in_file(&e, &name))?;
                (module, name, false)
            }
            #[cfg(feature = "compiler")]
            Input::Source(text) => {
                let (module, name) =
                    compile_module(&text, filename.as_deref(), modules, Some(tools.clone()))?;
                (module, name, true)
            }
            #[cfg(not(feature = "compiler"))]
            Input::Source(_) => {
                let _ = modules;
                let e = runtime_error(
                    codes::INVALID_LIR,
                    "this build has no compiler: run binary LIR (a Uint8Array from `lumen emit -o x.lmb`)"
                        .to_string(),
                );
                return Err(LumenErrorData::from_runtime(&e));
            }
        };
        let Some(func_index) = find_cell(&module, &cell) else {
            return Err(no_cell_error(&module, &cell, &name, from_source));
        };
        let module = Rc::new(module);
        let mut vm = Vm::new(
            module.clone(),
            VmConfig {
                max_depth,
                fuel: Some(0),
            },
        )
        .map_err(|e| LumenErrorData::runtime_in_file(&e, &name))?;
        let values = match module.functions.get(func_index) {
            Some(func) => entry::convert_all(func, &args, &unconvertible, |i, j| {
                vm.convert_entry_arg(func_index as u32, i, j)
            })
            .map_err(|m| LumenErrorData::from_runtime(&runtime_error(codes::BAD_ENTRY, m)))?,
            None => return Err(no_cell_error(&module, &cell, &name, from_source)),
        };
        let output = Rc::new(RefCell::new(Vec::new()));
        let sink = output.clone();
        vm.set_output(Box::new(move |line: &str| {
            sink.borrow_mut().push(line.to_string());
        }));
        vm.start(&cell, values)
            .map_err(|e| LumenErrorData::from_runtime(&e))?;
        let tools = lumen_runtime::entry::sort_names(tools);
        Ok(Session {
            vm,
            gate: ToolGate::with_base(None),
            tools,
            output,
            delivered: 0,
            budget: fuel,
            total_fuel: fuel,
            needs_fuel: true,
            slice_left: 0,
            pending: None,
            finished: false,
        })
    }

    /// Runs until the program finishes, calls an allowed tool, fails, or has used about
    /// `fuel_slice` units of fuel (then [`Step::Yield`]).
    pub fn step(&mut self, fuel_slice: u64) -> Step {
        if self.finished {
            let e = runtime_error(codes::BAD_ENTRY, "the program has finished".to_string());
            return Step::Error(LumenErrorData::from_runtime(&e));
        }
        if self.pending.is_some() {
            let e = runtime_error(
                codes::RUNTIME,
                "step() called while a tool call waits for resume_ok/resume_err".to_string(),
            );
            return Step::Error(LumenErrorData::from_runtime(&e));
        }
        loop {
            if self.needs_fuel {
                let grant = match self.budget {
                    None => fuel_slice.max(1),
                    Some(left) => fuel_slice.max(1).min(left),
                };
                if grant == 0 {
                    return self.fail(&out_of_fuel(&self.vm, self.total_fuel));
                }
                if let Some(left) = self.budget.as_mut() {
                    *left -= grant;
                }
                let first = grant.min(CHUNK);
                self.slice_left = grant - first;
                self.vm.add_fuel(first);
                self.needs_fuel = false;
            }
            match self.vm.run() {
                Outcome::Finished(value) => {
                    self.finished = true;
                    let display = if value.is_null() {
                        String::new()
                    } else {
                        value.to_string()
                    };
                    return Step::Done { value, display };
                }
                Outcome::Error(e) => return self.fail(&e),
                Outcome::OutOfFuel if self.slice_left > 0 => {
                    let next = self.slice_left.min(CHUNK);
                    self.slice_left -= next;
                    self.vm.add_fuel(next);
                }
                Outcome::OutOfFuel => {
                    self.needs_fuel = true;
                    if self.budget == Some(0) {
                        return self.fail(&out_of_fuel(&self.vm, self.total_fuel));
                    }
                    return Step::Yield;
                }
                Outcome::ToolCall(req) => {
                    let provided = self
                        .tools
                        .binary_search_by(|t| t.as_str().cmp(&*req.name))
                        .is_ok();
                    if !provided {
                        let provided: Vec<&str> = self.tools.iter().map(String::as_str).collect();
                        let message =
                            lumen_report::tools::unknown_tool(&req.alias, &req.name, &provided);
                        self.vm.resume_err(codes::UNKNOWN_TOOL, message);
                        continue;
                    }
                    match self.gate.authorize_request(&req, &[]) {
                        Err(denied) => {
                            self.vm.resume_err(denied.code(), denied.message);
                            continue;
                        }
                        Ok(ctx) => {
                            let timeout_ms = ctx
                                .timeout
                                .map(|t| u64::try_from(t.as_millis()).unwrap_or(u64::MAX));
                            let call = ToolCall {
                                name: req.name,
                                alias: req.alias,
                                args: req.args,
                                grants: req.grants,
                                timeout_ms,
                                line: req.line,
                            };
                            self.pending = Some((call.alias.clone(), call.name.clone()));
                            return Step::ToolCall(call);
                        }
                    }
                }
            }
        }
    }

    fn fail(&mut self, e: &RuntimeError) -> Step {
        self.finished = true;
        Step::Error(LumenErrorData::from_runtime(e))
    }

    /// Answers the pending tool call with its JSON result.
    pub fn resume_ok(&mut self, result: serde_json::Value) {
        if self.pending.take().is_some() {
            self.vm.resume_ok(result);
        }
    }

    /// [`Session::resume_ok`] with the result as JSON text ([`Vm::resume_text`]: an untyped
    /// result is parsed straight into a Lumen value). `Err` when the text is not JSON; the
    /// call is then still pending, for `resume_err`.
    pub fn resume_text(&mut self, text: &str) -> Result<(), String> {
        if self.pending.is_some() {
            self.vm.resume_text(text)?;
            self.pending = None;
        }
        Ok(())
    }

    /// Fails the pending tool call (E0906) with the host's error message.
    pub fn resume_err(&mut self, message: &str) {
        if let Some((alias, name)) = self.pending.take() {
            let message = format!("tool {alias} ({name}) failed: {message}");
            self.vm.resume_err(codes::TOOL_FAILED, message);
        }
    }

    /// Fails the pending tool call (E0906) because the host's promise did not settle
    /// within `ms` milliseconds.
    pub fn resume_timeout(&mut self, ms: u64) {
        self.resume_err(&format!("timed out after {ms} ms"));
    }

    /// Ends the run as cancelled by the host (E0915), located where the VM stopped (with
    /// its Lumen call stack): a pending tool call is dropped and later steps report the
    /// run as finished.
    pub fn cancel(&mut self, reason: Option<&str>) -> LumenErrorData {
        // Where the VM stopped; a plain error when it is not running (`Vm::error_here`).
        let stopped = self.vm.error_here(codes::CANCELLED, cancel_message(reason));
        let data = LumenErrorData::from_runtime(&stopped);
        self.pending = None;
        self.finished = true;
        data
    }

    /// The lines printed since the last call (for streaming them to the host).
    pub fn take_new_output(&mut self) -> Vec<String> {
        let all = self.output.borrow();
        let new = all.get(self.delivered..).unwrap_or(&[]).to_vec();
        self.delivered = all.len();
        new
    }

    /// Every line printed so far.
    pub fn output(&self) -> Vec<String> {
        self.output.borrow().clone()
    }
}

/// The error for a missing entry cell: E0311 against the file when compiled from source,
/// E0913 for binary LIR (docs/LANGUAGE.md).
fn no_cell_error(module: &Module, cell: &str, name: &str, from_source: bool) -> LumenErrorData {
    let message = lumen_runtime::entry::no_cell_message(module, cell);
    #[cfg(feature = "compiler")]
    if from_source {
        return LumenErrorData {
            kind: ErrorKind::Compile,
            code: NO_ENTRY.to_string(),
            message: message.clone(),
            diagnostics: vec![DiagnosticData {
                code: NO_ENTRY.to_string(),
                message: message.clone(),
                file: name.to_string(),
                line: 1,
                column: 1,
                is_error: true,
            }],
            file: Some(name.to_string()),
            line: None,
            column: None,
            frames: Vec::new(),
            frames_omitted: 0,
            rendered: lumen_report::runtime_text(
                &lumen_report::RuntimeReport::in_file(NO_ENTRY, &message, name),
                lumen_report::Painter::PLAIN,
            ),
        };
    }
    let _ = from_source;
    LumenErrorData::runtime_in_file(&runtime_error(codes::BAD_ENTRY, message), name)
}

#[cfg(all(test, feature = "compiler"))]
#[path = "core_tests.rs"]
mod tests;

/// Tests that need no compiler (they also run in the vm-only build).
#[cfg(test)]
mod vm_tests {
    use super::*;
    use lumen_vm::lir::{Constant, Function, Instr, LIR_VERSION};

    /// Binary LIR of `cell main(n: Int) -> Int` returning 42.
    fn answer_lmb() -> Vec<u8> {
        let module = Module {
            version: LIR_VERSION,
            files: vec!["answer.lm".into()],
            constants: vec![Constant::Int(42)],
            functions: vec![Function {
                name: "main".into(),
                file: 0,
                arity: 1,
                params: vec!["n".into()],
                param_types: vec!["Int".into()],
                captures: 0,
                num_regs: 2,
                exported: true,
                code: vec![
                    Instr::LoadConst { dst: 1, idx: 0 },
                    Instr::Return { src: 1 },
                ],
                positions: vec![lumen_vm::lir::Pos::new(1, 1); 2],
            }],
            ..Module::default()
        };
        lumen_vm::binary::encode(&module)
    }

    fn start(input: Input, args: Vec<serde_json::Value>) -> Result<Session, LumenErrorData> {
        Session::new(
            input,
            RunOptions {
                args,
                ..RunOptions::default()
            },
        )
    }

    #[test]
    fn binary_lir_runs_without_the_compiler() {
        let mut s = start(Input::Binary(answer_lmb()), vec![serde_json::json!(1)]).unwrap();
        match s.step(1000) {
            Step::Done { display, value } => {
                assert_eq!(display, "42");
                assert_eq!(value.as_int(), Some(42));
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(s.step(1000), Step::Error(_)));
    }

    #[test]
    fn bad_binaries_cells_and_arguments_are_errors() {
        let e = start(Input::Binary(b"nope".to_vec()), vec![])
            .err()
            .unwrap();
        assert_eq!((e.kind, e.code.as_str()), (ErrorKind::Runtime, "E0912"));
        let e = start(Input::Binary(answer_lmb()), vec![]).err().unwrap();
        assert_eq!(e.code, "E0913");
        assert!(e.message.contains("takes 1 argument"), "{}", e.message);
        let e = Session::new(
            Input::Binary(answer_lmb()),
            RunOptions {
                cell: "other".into(),
                ..RunOptions::default()
            },
        )
        .err()
        .unwrap();
        assert_eq!(e.code, "E0913");
        assert_eq!(
            e.rendered,
            "error[E0913]: no cell named `other` to run (cells: main)\n  --> main.lmb"
        );
    }

    /// Binary LIR of `record Point(x: Int, y: Float)` and `cell main(p: Point) -> Point`
    /// returning `p`, with (or without) the cell's declared parameter types.
    fn point_lmb(typed: bool) -> Vec<u8> {
        use lumen_vm::lir::{EntryTypes, ResultType, Shape, TypeDef, ValueType};
        let module = Module {
            version: LIR_VERSION,
            files: vec!["point.lm".into()],
            types: vec![TypeDef::Record {
                name: "Point".into(),
                fields: vec!["x".into(), "y".into()],
            }],
            functions: vec![Function {
                name: "main".into(),
                file: 0,
                arity: 1,
                params: vec!["p".into()],
                param_types: vec!["Point".into()],
                captures: 0,
                num_regs: 1,
                exported: true,
                code: vec![Instr::Return { src: 0 }],
                positions: vec![lumen_vm::lir::Pos::new(1, 1)],
            }],
            entry_types: if typed {
                vec![EntryTypes {
                    func: 0,
                    params: vec![ResultType {
                        ty: ValueType::User(0),
                        shapes: vec![Shape {
                            ty: 0,
                            fields: vec![vec![ValueType::Int, ValueType::Float]],
                        }],
                    }],
                }]
            } else {
                Vec::new()
            },
            ..Module::default()
        };
        lumen_vm::binary::encode(&module)
    }

    fn run_point(typed: bool, arg: serde_json::Value) -> Result<String, LumenErrorData> {
        let mut s = start(Input::Binary(point_lmb(typed)), vec![arg])?;
        match s.step(1000) {
            Step::Done { display, .. } => Ok(display),
            Step::Error(e) => Err(e),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn issue11_item3_arguments_convert_by_the_declared_parameter_types() {
        use serde_json::json;
        // A record from an object, its Float field from an integral number.
        assert_eq!(
            run_point(true, json!({"x": 1, "y": 2, "extra": true}))
                .ok()
                .as_deref(),
            Some("Point(x: 1, y: 2.0)")
        );
        let e = run_point(true, json!({"x": 1})).err().unwrap();
        assert_eq!((e.kind, e.code.as_str()), (ErrorKind::Runtime, "E0913"));
        assert_eq!(
            e.message,
            "argument 1 (`p: Point`) of cell `main`: expected Point, got an object without field `y`"
        );
        let e = run_point(true, json!({"x": 1.5, "y": 0})).err().unwrap();
        assert_eq!(
            e.message,
            "argument 1 (`p: Point`) of cell `main`: expected Int at `$.x`, got a number (1.5)"
        );
        // Without declared types (older compilers' LIR) the type text decides: a map.
        assert_eq!(
            run_point(false, json!({"x": 1, "y": 2})).ok().as_deref(),
            Some("{\"x\": 1, \"y\": 2}")
        );
    }

    #[test]
    fn issue11_item3_entry_types_that_do_not_fit_the_cell_are_invalid_lir() {
        use lumen_vm::lir::{EntryTypes, ResultType, ValueType};
        let mut module = lumen_vm::binary::decode(&point_lmb(true)).unwrap();
        module.entry_types.push(EntryTypes {
            func: 0,
            params: vec![],
        });
        let e = start(Input::Binary(lumen_vm::binary::encode(&module)), vec![])
            .err()
            .unwrap();
        assert_eq!(e.code, "E0912");
        assert!(
            e.message.contains("0 parameter types for 1"),
            "{}",
            e.message
        );
        module.entry_types = vec![EntryTypes {
            func: 7,
            params: vec![ResultType {
                ty: ValueType::Int,
                shapes: vec![],
            }],
        }];
        let e = start(Input::Binary(lumen_vm::binary::encode(&module)), vec![])
            .err()
            .unwrap();
        assert_eq!(e.code, "E0912");
        assert!(e.message.contains("not an exported cell"), "{}", e.message);
    }

    #[cfg(not(feature = "compiler"))]
    #[test]
    fn source_needs_the_compiler() {
        let e = start(Input::Source("cell main()\nend\n".into()), vec![])
            .err()
            .unwrap();
        assert_eq!(e.code, "E0912");
        assert!(e.message.contains("no compiler"), "{}", e.message);
    }
}
