//! The VM's public face: [`Vm`], its configuration, the [`Outcome`] of a run, and the
//! host's side of starting, resuming and feeding it.
//!
//! One `Vec<Value>` holds every frame's registers (register windows, see `lir`); frames
//! live in an explicit `Vec<Frame>` (`calls`), so a Lumen call never recurses on the Rust
//! stack and execution can stop at any instruction boundary: at a tool call (the host
//! answers with [`Vm::resume_ok`] / [`Vm::resume_err`]), when the fuel runs out
//! ([`Vm::add_fuel`] continues), or at an error. The loop itself is `dispatch`.
//!
//! Fuel is charged on backward jumps (the length of the jump, i.e. roughly the number of
//! instructions of one loop iteration), on calls (one unit), and on builtin calls by their
//! work ([`Cost`](crate::builtins::Cost), charged before the call; when it exceeds the fuel
//! left the VM stops *at* the call, keeping that fuel, and retries it once more is added);
//! concatenations and the iteration of strings and maps are charged the elements or bytes
//! they copy, after the fact (their size is capped). So any non-terminating program runs
//! out and no builtin runs long on a small budget; other straight-line code is not charged.
//! The register stack is capped at [`MAX_REGISTERS`](crate::limits::MAX_REGISTERS) slots
//! (E0909).

use std::io::Write as _;
use std::rc::Rc;

use crate::arith::Fault;
use crate::calls::Frame;
use crate::error::{codes, RuntimeError};
use crate::faults::{bad_entry, plain_error};
use crate::json;
use crate::lir;
use crate::program::Program;
use crate::shared::{share_tools, Grants, SharedStr, SharedTool};
use crate::tool_args::ToolArgs;
use crate::validate::validate;
use crate::value::Value;

/// Limits of one VM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmConfig {
    /// Maximum number of frames (deeper recursion is error E0909). Default 10,000.
    pub max_depth: usize,
    /// Fuel budget (`None` = unlimited); see the module docs for what costs fuel.
    pub fuel: Option<u64>,
}

impl Default for VmConfig {
    fn default() -> VmConfig {
        VmConfig {
            max_depth: 10_000,
            fuel: None,
        }
    }
}

/// Why [`Vm::run`] returned.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The entry cell returned this value.
    Finished(Value),
    /// The program called a tool; answer with `resume_ok`/`resume_err`, then `run` again.
    ToolCall(ToolRequest),
    /// The fuel ran out; `add_fuel` then `run` continues where it stopped.
    OutOfFuel,
    /// The program stopped with a run-time error.
    Error(RuntimeError),
}

/// A tool call the host must perform.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolRequest {
    /// Index into `Module::tools`.
    pub tool: u16,
    /// Qualified name (`http.get`), shared by every call of the tool.
    pub name: SharedStr,
    /// Alias used in the program (`Fetch`), shared by every call of the tool.
    pub alias: SharedStr,
    /// The named arguments (the program's map, shared, not converted: the gate reads
    /// them in place and a host converts them to JSON with [`ToolArgs::to_json`]).
    pub args: ToolArgs,
    /// The tool's grants, in declaration order, shared by every call of the tool (the same
    /// allocation for every request of one VM, see [`Grants::ptr_eq`]).
    pub grants: Grants,
    /// Source line of the call.
    pub line: u32,
}

/// Where a VM is between calls of [`Vm::run`].
pub(crate) enum State {
    /// No cell started.
    Idle,
    /// Ready to (continue to) execute.
    Ready,
    /// Suspended at a tool call whose result goes to absolute register `dst`.
    AwaitingTool {
        dst: usize,
        func: usize,
        pc: usize,
        tool: u16,
    },
    /// The next `run` reports this error.
    Failed(RuntimeError),
    /// Finished or failed.
    Done,
}

/// The Lumen virtual machine.
///
/// Its parts are spread over the interpreter's modules (`dispatch`, `calls`, `objects`,
/// `faults`), hence the crate-visible fields.
pub struct Vm {
    pub(crate) module: Rc<lir::Module>,
    pub(crate) prog: Rc<Program>,
    /// Each tool's name, alias and grants, made once and shared by its requests.
    pub(crate) tools: Rc<[SharedTool]>,
    pub(crate) config: VmConfig,
    /// The register stack: every frame's registers, each frame's from its `base`.
    pub(crate) regs: Vec<Value>,
    pub(crate) frames: Vec<Frame>,
    pub(crate) globals: Vec<Value>,
    pub(crate) state: State,
    /// Fuel left (`u64::MAX` when unlimited); the loop keeps it in a local while it runs.
    pub(crate) fuel: u64,
    /// Entry cell and arguments, waiting for the global initialiser to finish.
    pub(crate) pending_entry: Option<(usize, Vec<Value>)>,
    /// Where `print` lines go.
    pub(crate) output: Box<dyn FnMut(&str)>,
}

fn default_output(line: &str) {
    let out = std::io::stdout();
    let mut lock = out.lock();
    let _ = lock.write_all(line.as_bytes());
    let _ = lock.write_all(b"\n");
}

impl Vm {
    /// Validates `module` (E0912 when invalid) and prepares a VM for it.
    pub fn new(module: Rc<lir::Module>, config: VmConfig) -> Result<Vm, RuntimeError> {
        validate(&module)?;
        let prog = Rc::new(Program::build(&module));
        let fuel = config.fuel.unwrap_or(u64::MAX);
        Ok(Vm {
            globals: vec![Value::Null; module.globals as usize],
            tools: share_tools(&module.tools),
            module,
            prog,
            config,
            regs: Vec::with_capacity(1024),
            frames: Vec::with_capacity(64),
            state: State::Idle,
            fuel,
            pending_entry: None,
            output: Box::new(default_output),
        })
    }

    /// The module this VM runs.
    pub fn module(&self) -> &lir::Module {
        &self.module
    }

    /// Sends each `print` line (without its newline) to `sink` instead of stdout.
    pub fn set_output(&mut self, sink: Box<dyn FnMut(&str)>) {
        self.output = sink;
    }

    /// Adds fuel (after `Outcome::OutOfFuel`, `run` then continues).
    pub fn add_fuel(&mut self, fuel: u64) {
        self.fuel = self.fuel.saturating_add(fuel);
    }

    /// Prepares a run of the exported cell `cell` with `args` (E0913 if there is no such
    /// cell or the argument count is wrong). The module's global initialiser runs first.
    pub fn start(&mut self, cell: &str, args: Vec<Value>) -> Result<(), RuntimeError> {
        let Some(fi) = self
            .module
            .functions
            .iter()
            .position(|f| f.exported && f.name == cell)
        else {
            let cells: Vec<&str> = self
                .module
                .functions
                .iter()
                .filter(|f| f.exported)
                .map(|f| f.name.as_str())
                .collect();
            return Err(bad_entry(format!(
                "no cell named `{cell}` (cells: {})",
                cells.join(", ")
            )));
        };
        let arity = self.prog.funcs.get(fi).map_or(0, |f| f.arity as usize);
        if args.len() != arity {
            return Err(bad_entry(format!(
                "cell `{cell}` takes {arity} argument{}, got {}",
                if arity == 1 { "" } else { "s" },
                args.len()
            )));
        }
        self.clear_stacks();
        self.globals = vec![Value::Null; self.module.globals as usize];
        match self.module.init {
            Some(init) => {
                self.pending_entry = Some((fi, args));
                self.enter(init as usize, Vec::new());
            }
            None => self.enter(fi, args),
        }
        self.state = State::Ready;
        Ok(())
    }

    /// Converts a host's JSON argument for parameter `param` (0-based) of the exported
    /// cell `func` (an index into the module's functions) by the cell's declared parameter
    /// type (`Module::entry_types`, see `entry_args`): `None` when the module does not
    /// declare it (the host then converts by `Function::param_types`), else the value or
    /// why the argument does not fit.
    pub fn convert_entry_arg(
        &self,
        func: u32,
        param: usize,
        arg: &serde_json::Value,
    ) -> Option<Result<Value, String>> {
        crate::entry_args::convert(&self.module, &self.prog, func, param, arg)
    }

    /// After `Outcome::ToolCall`: the tool's JSON result becomes the call's value. A tool
    /// with a declared result type gets its result checked and converted first (see
    /// `tool_result`); a result that does not fit makes the next `run` return E0906 at the
    /// call's line. Every host hands results back through here, so the check is shared.
    /// Ignored when the VM is not waiting for a tool.
    pub fn resume_ok(&mut self, result: serde_json::Value) {
        if let State::AwaitingTool {
            dst,
            func,
            pc,
            tool,
        } = self.state
        {
            let def = self.module.tools.get(tool as usize);
            let value = match def.and_then(|d| d.result.as_ref().map(|r| (d, r))) {
                None => Ok(json::from_serde_owned(result)),
                Some((def, r)) => crate::tool_result::Converter {
                    result: r,
                    module: &self.module,
                    prog: &self.prog,
                }
                .convert(&result)
                .map_err(|m| m.message(&def.name)),
            };
            match value {
                Ok(v) => {
                    if let Some(slot) = self.regs.get_mut(dst) {
                        *slot = v;
                    }
                    self.state = State::Ready;
                }
                Err(message) => {
                    let err = self.error_at(func, pc, Fault::new(codes::TOOL_FAILED, message));
                    self.state = State::Failed(err);
                }
            }
        }
    }

    /// [`Vm::resume_ok`] with the result as JSON text (how the JavaScript host hands plain
    /// results back): a tool without a declared result type gets the text parsed straight
    /// into a Lumen value ([`json::parse_json`]: no `serde_json::Value` in between), a typed
    /// one parsed and checked as `resume_ok` does. `Err` (serde_json's message) when the
    /// text is not JSON; the VM is then still waiting, for `resume_err`. Ignored (`Ok`) when
    /// the VM is not waiting for a tool.
    pub fn resume_text(&mut self, text: &str) -> Result<(), String> {
        let State::AwaitingTool { dst, tool, .. } = self.state else {
            return Ok(());
        };
        let untyped = self
            .module
            .tools
            .get(tool as usize)
            .is_none_or(|d| d.result.is_none());
        if untyped {
            let value = json::parse_json(text)?;
            if let Some(slot) = self.regs.get_mut(dst) {
                *slot = value;
            }
            self.state = State::Ready;
        } else {
            let result = serde_json::from_str(text).map_err(|e| e.to_string())?;
            self.resume_ok(result);
        }
        Ok(())
    }

    /// After `Outcome::ToolCall`: the tool failed; the next `run` returns this error at the
    /// tool call's line. Ignored when the VM is not waiting for a tool.
    pub fn resume_err(&mut self, code: &'static str, message: String) {
        if let State::AwaitingTool { func, pc, .. } = self.state {
            let err = self.error_at(func, pc, Fault::new(code, message));
            self.state = State::Failed(err);
        }
    }

    /// Runs until the entry cell returns, a tool is called, the fuel runs out, or an error.
    pub fn run(&mut self) -> Outcome {
        match std::mem::replace(&mut self.state, State::Done) {
            State::Ready => {}
            State::Failed(e) => {
                self.clear_stacks();
                return Outcome::Error(e);
            }
            s @ State::AwaitingTool { .. } => {
                self.state = s;
                return Outcome::Error(plain_error(
                    codes::RUNTIME,
                    "run() called while a tool call is waiting for resume_ok/resume_err",
                ));
            }
            State::Idle => {
                return Outcome::Error(bad_entry("no cell was started".into()));
            }
            State::Done => {
                return Outcome::Error(bad_entry(
                    "the program has finished; start a cell again".into(),
                ));
            }
        }
        if self.fuel == 0 {
            self.state = State::Ready;
            return Outcome::OutOfFuel;
        }
        self.state = State::Ready;
        let prog = self.prog.clone();
        let out = self.execute(&prog);
        match out {
            Outcome::Finished(_) | Outcome::Error(_) => {
                self.state = State::Done;
                self.clear_stacks();
            }
            Outcome::ToolCall(_) | Outcome::OutOfFuel => {}
        }
        out
    }
}

/// Runs `cell` of `module` to completion without tools, fuel limits or custom output
/// (a convenience for tests). A tool call is an `E0908` error.
pub fn run_to_end(
    module: Rc<lir::Module>,
    cell: &str,
    args: Vec<Value>,
) -> Result<Value, RuntimeError> {
    let mut vm = Vm::new(module, VmConfig::default())?;
    vm.start(cell, args)?;
    match vm.run() {
        Outcome::Finished(v) => Ok(v),
        Outcome::Error(e) => Err(e),
        Outcome::ToolCall(req) => Err(vm.error_here(
            codes::UNKNOWN_TOOL,
            lumen_report::tools::unknown_tool(&req.alias, &req.name, &[]),
        )),
        Outcome::OutOfFuel => Err(vm.error_here(codes::OUT_OF_FUEL, "out of fuel")),
    }
}

#[cfg(test)]
#[path = "machine_tests.rs"]
pub(crate) mod tests;
