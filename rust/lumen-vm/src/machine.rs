//! The register interpreter: [`Vm`], its configuration and the [`Outcome`] of a run.
//!
//! One `Vec<Value>` holds every frame's registers (register windows, see `lir`); frames
//! live in an explicit `Vec<Frame>`, so a Lumen call never recurses on the Rust stack and
//! execution can stop at any instruction boundary: at a tool call (the host answers with
//! [`Vm::resume_ok`] / [`Vm::resume_err`]), when the fuel runs out ([`Vm::add_fuel`]
//! continues), or at an error.
//!
//! Fuel is charged on backward jumps (the length of the jump, i.e. roughly the number of
//! instructions of one loop iteration), on calls (one unit), and on builtin calls by their
//! work ([`Cost`], charged before the call; when it exceeds the fuel left the VM stops *at*
//! the call, keeping that fuel, and retries it once more is added); concatenations and the
//! iteration of strings and maps are charged the elements or bytes they copy, after the
//! fact (their size is capped). So any non-terminating program runs out and no builtin runs
//! long on a small budget; other straight-line code is not charged. The register stack is capped at [`MAX_REGISTERS`] slots (E0909).
//!
//! The hot loop keeps the current function's code, `pc`, register base and a raw pointer
//! to the frame's registers in locals. Register indices are proven in range by `validate`
//! and by the frame set-up (the register stack is at least `base + num_regs` long), which
//! is what makes the unchecked register accesses sound; each is also `debug_assert`ed.

use std::io::Write as _;
use std::rc::Rc;

use crate::arith::{self, Fault};
use crate::builtins::{Builtin, Cost};
use crate::error::{codes, RuntimeError};
use crate::frame::Frame;
use crate::json;
use crate::limits::{check_elements, check_string, too_many_elements, MAX_ELEMENTS, MAX_REGISTERS};
use crate::lir::{self, BinOp, FailKind, TypeTag};
use crate::map::{insert_checked, KeyRef, MapKey, MapObj};
use crate::program::{FuncCode, Op, Program};
use crate::validate::validate;
use crate::value::{release, FuncObj, RecordObj, Slots, Value, VariantObj};

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
    /// Qualified name (`http.get`).
    pub name: String,
    /// Alias used in the program (`Fetch`).
    pub alias: String,
    /// The named arguments, as a JSON object.
    pub args: serde_json::Value,
    /// The tool's grants, in declaration order.
    pub grants: Vec<(String, serde_json::Value)>,
    /// Source line of the call.
    pub line: u32,
}

enum State {
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
pub struct Vm {
    module: Rc<lir::Module>,
    prog: Rc<Program>,
    config: VmConfig,
    regs: Vec<Value>,
    frames: Vec<Frame>,
    globals: Vec<Value>,
    state: State,
    fuel: u64,
    /// Entry cell and arguments, waiting for the global initialiser to finish.
    pending_entry: Option<(usize, Vec<Value>)>,
    output: Box<dyn FnMut(&str)>,
}

fn bad_entry(message: String) -> RuntimeError {
    RuntimeError {
        code: codes::BAD_ENTRY,
        message,
        file: String::new(),
        line: 0,
        function: String::new(),
    }
}

fn plain_error(code: &'static str, message: &str) -> RuntimeError {
    RuntimeError {
        code,
        message: message.to_string(),
        file: String::new(),
        line: 0,
        function: String::new(),
    }
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

    /// Pushes the bottom frame for function `fi` with `args` in its first registers.
    fn enter(&mut self, fi: usize, args: Vec<Value>) {
        let need = self
            .prog
            .funcs
            .get(fi)
            .map_or(0, |f| f.num_regs)
            .max(args.len());
        if self.regs.len() < need {
            self.regs.resize(need, Value::Null);
        }
        for (slot, a) in self.regs.iter_mut().zip(args) {
            *slot = a;
        }
        self.frames.push(Frame {
            func: fi as u32,
            pc: 0,
            base: 0,
            ret: 0,
        });
    }

    fn clear_stacks(&mut self) {
        self.frames.clear();
        for r in self.regs.iter_mut() {
            *r = Value::Null;
        }
        self.pending_entry = None;
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
                None => Ok(json::from_serde(&result)),
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

    /// The request of a `CallTool` of tool `tool` with the argument record `args`.
    #[inline(never)]
    fn tool_request(&self, tool: u16, args: &Value, line: u32) -> Result<ToolRequest, Fault> {
        let Some(def) = self.module.tools.get(tool as usize) else {
            return Err(Fault::runtime("call of a missing tool"));
        };
        Ok(ToolRequest {
            tool,
            name: def.name.clone(),
            alias: def.alias.clone(),
            args: json::to_serde(args)?,
            grants: def.grants.clone(),
            line,
        })
    }

    /// Leaves the loop with a run-time error at the instruction before `pc` (out of line:
    /// keeping error paths out of `execute` keeps the hot loop small, which matters most
    /// for WebAssembly engines compiling it).
    #[cold]
    #[inline(never)]
    fn raise(&mut self, fidx: usize, pc: usize, fuel: u64, fault: Fault) -> Outcome {
        if let Some(fr) = self.frames.last_mut() {
            fr.pc = pc as u32;
        }
        self.fuel = fuel;
        Outcome::Error(self.error_at(fidx, pc - 1, fault))
    }

    /// A run-time error at instruction `pc` of function `func`.
    fn error_at(&self, func: usize, pc: usize, fault: Fault) -> RuntimeError {
        let (file, line, name) = match self.prog.funcs.get(func) {
            Some(f) => (
                f.file.clone(),
                f.lines.get(pc).copied().unwrap_or(0),
                f.name.to_string(),
            ),
            None => (String::new(), 0, String::new()),
        };
        RuntimeError {
            code: fault.code,
            message: fault.message,
            file,
            line,
            function: name,
        }
    }

    /// The slow path of pushing a frame whose registers end at `need`: the depth limit
    /// (E0909), then growing the register stack, up to [`MAX_REGISTERS`] slots (E0909).
    #[cold]
    #[inline(never)]
    fn frame_limits(&mut self, need: usize, max_depth: usize) -> Option<Fault> {
        if self.frames.len() >= max_depth {
            return Some(depth_fault(max_depth));
        }
        if need > self.regs.len() {
            if need > MAX_REGISTERS {
                return Some(register_fault(need, self.frames.len()));
            }
            let new_len = need.max(self.regs.len() * 2).min(MAX_REGISTERS);
            self.regs.resize(new_len, Value::Null);
        }
        None
    }

    /// Calls builtin `b` on the absolute registers `start..start+argc`, then clears them
    /// (the callers re-derive their register pointer afterwards).
    #[inline(never)]
    fn call_builtin(&mut self, b: Builtin, start: usize, argc: usize) -> Result<Value, Fault> {
        let end = start + argc;
        let res = match self.regs.get_mut(start..end) {
            Some(argv) => crate::builtins_impl::call(b, argv, &mut *self.output),
            None => Err(Fault::runtime("builtin arguments out of range")),
        };
        if let Some(argv) = self.regs.get_mut(start..end) {
            for v in argv {
                *v = Value::Null;
            }
        }
        res
    }

    /// The general path of a binary operator, including in-place `Add`/`Concat` when the
    /// destination is the left operand and holds the only reference. Returns the fuel of
    /// the work done: the elements or bytes copied by a concatenation, else 0.
    #[inline(never)]
    fn binary_slow(
        &mut self,
        op: BinOp,
        base: usize,
        dst: u16,
        a: u16,
        b: u16,
    ) -> Result<u64, Fault> {
        let (ai, bi, di) = (base + a as usize, base + b as usize, base + dst as usize);
        if dst == a && matches!(op, BinOp::Add | BinOp::Concat) {
            let rhs = self.regs.get(bi).cloned().unwrap_or_default();
            if let Some(lhs) = self.regs.get_mut(ai) {
                match (lhs, &rhs) {
                    (Value::Str(s), Value::Str(t)) => {
                        check_string(s.len() + t.len())?;
                        let copied = if Rc::strong_count(s) > 1 { s.len() } else { 0 };
                        Rc::make_mut(s).push_str(t);
                        return Ok((copied + t.len()) as u64);
                    }
                    (Value::List(l), Value::List(t)) if op == BinOp::Concat => {
                        check_elements(l.len() + t.len())?;
                        let copied = if Rc::strong_count(l) > 1 { l.len() } else { 0 };
                        Rc::make_mut(l).extend(t.iter().cloned());
                        return Ok((copied + t.len()) as u64);
                    }
                    _ => {}
                }
            }
        }
        let v = {
            let null = Value::Null;
            let x = self.regs.get(ai).unwrap_or(&null);
            let y = self.regs.get(bi).unwrap_or(&null);
            arith::binary(op, x, y)?
        };
        let units = match &v {
            Value::Str(s) => s.len() as u64,
            Value::List(l) => l.len() as u64,
            _ => 0,
        } + crate::compare::take_work();
        if let Some(d) = self.regs.get_mut(di) {
            *d = v;
        }
        Ok(units)
    }

    /// The interpreter loop.
    fn execute(&mut self, prog: &Program) -> Outcome {
        let Some(top) = self.frames.last().copied() else {
            return Outcome::Error(bad_entry("no frame to run".into()));
        };
        let Some(mut func): Option<&FuncCode> = prog.funcs.get(top.func as usize) else {
            return Outcome::Error(bad_entry("bad frame".into()));
        };
        let mut fidx = top.func as usize;
        let mut code: &[Op] = &func.code;
        let mut pc = top.pc as usize;
        let mut base = top.base as usize;
        // SAFETY: `base + num_regs <= regs.len()` for every frame (established when the
        // frame is pushed; the register stack never shrinks while frames exist).
        let mut regs: *mut Value = unsafe { self.regs.as_mut_ptr().add(base) };
        let mut fuel = self.fuel;
        let max_depth = self.config.max_depth;

        macro_rules! reg {
            ($r:expr) => {{
                let r = $r as usize;
                debug_assert!(r < func.num_regs && base + r < self.regs.len());
                // SAFETY: validated register index within the current frame (see above).
                unsafe { &*regs.add(r) }
            }};
        }
        macro_rules! reg_mut {
            ($r:expr) => {{
                let r = $r as usize;
                debug_assert!(r < func.num_regs && base + r < self.regs.len());
                // SAFETY: as for `reg!`; no other reference into the registers is live.
                unsafe { &mut *regs.add(r) }
            }};
        }
        macro_rules! reg_slice {
            ($start:expr, $n:expr) => {{
                let (start, n) = ($start as usize, $n);
                if n > 0 {
                    let _ = (reg!(start), reg!(start + n - 1)); // (debug bounds checks)
                }
                // SAFETY: validation keeps the register ranges of instructions inside the
                // frame (see `reg!`).
                unsafe { std::slice::from_raw_parts(regs.add(start), n) }
            }};
        }
        macro_rules! set {
            ($r:expr, $v:expr) => {{
                let v = $v;
                let slot: &mut Value = reg_mut!($r);
                if slot.is_scalar() {
                    // SAFETY: a scalar holds no resources, so skipping its drop is exact;
                    // `slot` is a valid, aligned, initialised register.
                    unsafe { std::ptr::write(slot, v) }
                } else {
                    // Store the new value before releasing the old one, so `v` never has
                    // to survive the (out-of-line) drop.
                    let old = std::mem::replace(slot, v);
                    release(old);
                }
            }};
        }
        macro_rules! operand {
            ($r:expr, $take:expr) => {{
                if $take {
                    reg_mut!($r).fast_take()
                } else {
                    reg!($r).fast_clone()
                }
            }};
        }
        macro_rules! refresh {
            () => {
                // SAFETY: see the initialisation of `regs`.
                regs = unsafe { self.regs.as_mut_ptr().add(base) };
            };
        }
        macro_rules! save_pc {
            () => {
                if let Some(fr) = self.frames.last_mut() {
                    fr.pc = pc as u32;
                }
            };
        }
        macro_rules! fail {
            ($fault:expr) => {{
                let fault: Fault = $fault;
                return self.raise(fidx, pc, fuel, fault);
            }};
        }
        macro_rules! try_fault {
            ($e:expr) => {
                match $e {
                    Ok(v) => v,
                    Err(f) => fail!(f),
                }
            };
        }
        macro_rules! load_top {
            () => {{
                let Some(fr) = self.frames.last().copied() else {
                    return Outcome::Error(bad_entry("no frame to run".into()));
                };
                fidx = fr.func as usize;
                func = match prog.funcs.get(fidx) {
                    Some(f) => f,
                    None => return Outcome::Error(bad_entry("bad frame".into())),
                };
                code = &func.code;
                pc = fr.pc as usize;
                base = fr.base as usize;
                refresh!();
            }};
        }
        macro_rules! jump {
            ($target:expr) => {{
                let t = $target as usize;
                if t < pc {
                    let cost = (pc - t) as u64;
                    pc = t;
                    if fuel > cost {
                        fuel -= cost;
                    } else {
                        save_pc!();
                        self.fuel = 0;
                        return Outcome::OutOfFuel;
                    }
                } else {
                    pc = t;
                }
            }};
        }
        macro_rules! branch {
            ($cond:expr, $target:expr) => {{
                let c: bool = $cond;
                if c {
                    pc += 1;
                } else {
                    jump!($target);
                }
            }};
        }
        macro_rules! builtin1 {
            ($b:expr, $src:expr, $tmp:expr) => {{
                // SAFETY: validated registers of the current frame (see `reg!`).
                unsafe { Value::assign_clone(regs.add($tmp as usize), regs.add($src as usize)) };
                let res = self.call_builtin($b, base + $tmp as usize, 1);
                refresh!();
                try_fault!(res)
            }};
        }
        macro_rules! branch_true {
            ($cond:expr, $target:expr) => {{
                let c: bool = $cond;
                if c {
                    jump!($target);
                } else {
                    pc += 1;
                }
            }};
        }
        macro_rules! branch_imm {
            ($cond:expr, $target:expr) => {{
                let c: bool = $cond;
                if c {
                    pc += 2;
                } else {
                    jump!($target);
                }
            }};
        }
        macro_rules! push_frame {
            ($callee:expr, $cf:expr, $dst:expr, $args:expr) => {{
                let cf: &FuncCode = $cf;
                let new_base = base + $args as usize;
                let need = new_base + cf.num_regs;
                // One rarely taken branch (and one exit) for both limits and the growth of
                // the register stack keeps the call path as short as it was.
                if self.frames.len() >= max_depth || need > self.regs.len() {
                    if let Some(fault) = self.frame_limits(need, max_depth) {
                        fail!(fault);
                    }
                }
                save_pc!();
                self.frames.push(Frame {
                    func: $callee as u32,
                    pc: 0,
                    base: new_base as u32,
                    ret: $dst,
                });
                fidx = $callee as usize;
                func = cf;
                code = &cf.code;
                pc = 0;
                base = new_base;
                refresh!();
            }};
        }
        macro_rules! charge_work {
            ($units:expr) => {{
                // Work already done (bounded by the size limits) is charged after the fact;
                // the next jump or call stops when the budget is spent. `fuel` stays >= 1.
                let units: u64 = $units;
                if units > 0 {
                    fuel = fuel.saturating_sub(units).max(1);
                }
            }};
        }
        macro_rules! charged {
            // The slow path of a comparison: evaluate, then charge the comparison work
            // (containers compared element by element; see `compare::take_work`).
            ($e:expr) => {{
                let r = $e;
                charge_work!(crate::compare::take_work());
                r
            }};
        }
        macro_rules! charge_call {
            () => {{
                if fuel > 1 {
                    fuel -= 1;
                } else {
                    save_pc!();
                    self.fuel = 0;
                    return Outcome::OutOfFuel;
                }
            }};
        }

        loop {
            debug_assert!(pc < code.len());
            // SAFETY: validation guarantees every jump target is in range and that the last
            // instruction of every function leaves it, so `pc` never runs past the end;
            // fused compare-branches skip only a following instruction that exists.
            let op = unsafe { *code.get_unchecked(pc) };
            pc += 1;
            match op {
                Op::LoadNull { dst } => set!(dst, Value::Null),
                Op::LoadBool { dst, value } => set!(dst, Value::Bool(value)),
                Op::LoadInt { dst, value } => set!(dst, Value::Int(value as i64)),
                Op::LoadConst { dst, idx } => {
                    let v = prog.consts.get(idx as usize).cloned().unwrap_or_default();
                    set!(dst, v)
                }
                Op::Move { dst, src } => {
                    let _ = (reg!(dst), reg!(src)); // (debug bounds checks)
                                                    // SAFETY: validated registers of the current frame (see `reg!`).
                    unsafe { Value::assign_clone(regs.add(dst as usize), regs.add(src as usize)) }
                }
                Op::Take { dst, src } => {
                    let _ = (reg!(dst), reg!(src)); // (debug bounds checks)
                                                    // SAFETY: validated registers of the current frame (see `reg!`).
                    unsafe { Value::assign_take(regs.add(dst as usize), regs.add(src as usize)) }
                }
                Op::LoadGlobal { dst, idx } => {
                    let v = self.globals.get(idx as usize).cloned().unwrap_or_default();
                    set!(dst, v)
                }
                Op::StoreGlobal { idx, src } => {
                    let v = reg!(src).clone();
                    if let Some(g) = self.globals.get_mut(idx as usize) {
                        *g = v;
                    }
                }
                Op::LoadFunc { dst, func: f } => {
                    let v = prog
                        .func_values
                        .get(f as usize)
                        .cloned()
                        .unwrap_or_default();
                    set!(dst, v)
                }
                Op::Add { dst, a, b } => match (reg!(a), reg!(b)) {
                    (Value::Int(x), Value::Int(y)) => match x.checked_add(*y) {
                        Some(z) => set!(dst, Value::Int(z)),
                        None => fail!(Fault::overflow("`+`")),
                    },
                    (Value::Float(x), Value::Float(y)) => set!(dst, Value::Float(x + y)),
                    _ => {
                        let r = self.binary_slow(BinOp::Add, base, dst, a, b);
                        refresh!();
                        charge_work!(try_fault!(r))
                    }
                },
                Op::Sub { dst, a, b } => match (reg!(a), reg!(b)) {
                    (Value::Int(x), Value::Int(y)) => match x.checked_sub(*y) {
                        Some(z) => set!(dst, Value::Int(z)),
                        None => fail!(Fault::overflow("`-`")),
                    },
                    (Value::Float(x), Value::Float(y)) => set!(dst, Value::Float(x - y)),
                    (x, y) => {
                        let v = try_fault!(arith::binary(BinOp::Sub, x, y));
                        set!(dst, v)
                    }
                },
                Op::Mul { dst, a, b } => match (reg!(a), reg!(b)) {
                    (Value::Int(x), Value::Int(y)) => match mul_int(*x, *y) {
                        Some(z) => set!(dst, Value::Int(z)),
                        None => fail!(Fault::overflow("`*`")),
                    },
                    (Value::Float(x), Value::Float(y)) => set!(dst, Value::Float(x * y)),
                    (x, y) => {
                        let v = try_fault!(arith::binary(BinOp::Mul, x, y));
                        set!(dst, v)
                    }
                },
                Op::Div { dst, a, b } => match (reg!(a), reg!(b)) {
                    (Value::Float(x), Value::Float(y)) if *y != 0.0 => {
                        set!(dst, Value::Float(x / y))
                    }
                    (x, y) => {
                        let v = try_fault!(arith::binary(BinOp::Div, x, y));
                        set!(dst, v)
                    }
                },
                Op::Mod { dst, a, b } => match (reg!(a), reg!(b)) {
                    (Value::Int(x), Value::Int(y)) if *y > 0 && *x >= 0 => {
                        set!(dst, Value::Int(x % y))
                    }
                    (x, y) => {
                        let v = try_fault!(arith::binary(BinOp::Mod, x, y));
                        set!(dst, v)
                    }
                },
                Op::Lt { dst, a, b } => {
                    let c = match (reg!(a), reg!(b)) {
                        (Value::Int(x), Value::Int(y)) => x < y,
                        (Value::Float(x), Value::Float(y)) => x < y,
                        (x, y) => charged!(try_fault!(arith::compare_op(BinOp::Lt, x, y))),
                    };
                    set!(dst, Value::Bool(c))
                }
                Op::Le { dst, a, b } => {
                    let c = match (reg!(a), reg!(b)) {
                        (Value::Int(x), Value::Int(y)) => x <= y,
                        (Value::Float(x), Value::Float(y)) => x <= y,
                        (x, y) => charged!(try_fault!(arith::compare_op(BinOp::Le, x, y))),
                    };
                    set!(dst, Value::Bool(c))
                }
                Op::Binary { op, dst, a, b } => {
                    let r = self.binary_slow(op, base, dst, a, b);
                    refresh!();
                    charge_work!(try_fault!(r))
                }
                Op::AddImm { dst, a, imm } => match reg!(a) {
                    Value::Int(x) => match x.checked_add(imm as i64) {
                        Some(z) => set!(dst, Value::Int(z)),
                        None => fail!(Fault::overflow("`+`")),
                    },
                    Value::Float(x) => set!(dst, Value::Float(x + imm as f64)),
                    other => fail!(type_fault("cannot add a number to ", other)),
                },
                Op::Neg { dst, src } => {
                    let v = try_fault!(arith::negate(reg!(src)));
                    set!(dst, v)
                }
                Op::Not { dst, src } => match reg!(src) {
                    Value::Bool(b) => set!(dst, Value::Bool(!*b)),
                    other => fail!(type_fault("`not` needs a Bool, got ", other)),
                },
                Op::Jump { target } => jump!(target),
                Op::JumpIfFalse { cond, target } => match reg!(cond) {
                    Value::Bool(false) => jump!(target),
                    Value::Bool(true) => {}
                    other => fail!(type_fault("a condition must be a Bool, got ", other)),
                },
                Op::JumpIfTrue { cond, target } => match reg!(cond) {
                    Value::Bool(true) => jump!(target),
                    Value::Bool(false) => {}
                    other => fail!(type_fault("a condition must be a Bool, got ", other)),
                },
                Op::JumpIfNull { src, target } => {
                    if reg!(src).is_null() {
                        jump!(target)
                    }
                }
                Op::JumpIfNotNull { src, target } => {
                    if !reg!(src).is_null() {
                        jump!(target)
                    }
                }
                Op::LtJf { a, b, target } => branch!(
                    match (reg!(a), reg!(b)) {
                        (Value::Int(x), Value::Int(y)) => x < y,
                        (Value::Float(x), Value::Float(y)) => x < y,
                        (x, y) => charged!(try_fault!(arith::compare_op(BinOp::Lt, x, y))),
                    },
                    target
                ),
                Op::LeJf { a, b, target } => branch!(
                    match (reg!(a), reg!(b)) {
                        (Value::Int(x), Value::Int(y)) => x <= y,
                        (Value::Float(x), Value::Float(y)) => x <= y,
                        (x, y) => charged!(try_fault!(arith::compare_op(BinOp::Le, x, y))),
                    },
                    target
                ),
                Op::GtJf { a, b, target } => branch!(
                    match (reg!(a), reg!(b)) {
                        (Value::Int(x), Value::Int(y)) => x > y,
                        (Value::Float(x), Value::Float(y)) => x > y,
                        (x, y) => charged!(try_fault!(arith::compare_op(BinOp::Gt, x, y))),
                    },
                    target
                ),
                Op::GeJf { a, b, target } => branch!(
                    match (reg!(a), reg!(b)) {
                        (Value::Int(x), Value::Int(y)) => x >= y,
                        (Value::Float(x), Value::Float(y)) => x >= y,
                        (x, y) => charged!(try_fault!(arith::compare_op(BinOp::Ge, x, y))),
                    },
                    target
                ),
                Op::EqJf { a, b, target } => branch!(
                    match (reg!(a), reg!(b)) {
                        (Value::Int(x), Value::Int(y)) => x == y,
                        (x, y) => charged!(x == y),
                    },
                    target
                ),
                Op::NeJf { a, b, target } => branch!(
                    match (reg!(a), reg!(b)) {
                        (Value::Int(x), Value::Int(y)) => x != y,
                        (x, y) => charged!(x != y),
                    },
                    target
                ),
                Op::LtJt { a, b, target } => branch_true!(
                    match (reg!(a), reg!(b)) {
                        (Value::Int(x), Value::Int(y)) => x < y,
                        (Value::Float(x), Value::Float(y)) => x < y,
                        (x, y) => charged!(try_fault!(arith::compare_op(BinOp::Lt, x, y))),
                    },
                    target
                ),
                Op::LeJt { a, b, target } => branch_true!(
                    match (reg!(a), reg!(b)) {
                        (Value::Int(x), Value::Int(y)) => x <= y,
                        (Value::Float(x), Value::Float(y)) => x <= y,
                        (x, y) => charged!(try_fault!(arith::compare_op(BinOp::Le, x, y))),
                    },
                    target
                ),
                Op::GtJt { a, b, target } => branch_true!(
                    match (reg!(a), reg!(b)) {
                        (Value::Int(x), Value::Int(y)) => x > y,
                        (Value::Float(x), Value::Float(y)) => x > y,
                        (x, y) => charged!(try_fault!(arith::compare_op(BinOp::Gt, x, y))),
                    },
                    target
                ),
                Op::GeJt { a, b, target } => branch_true!(
                    match (reg!(a), reg!(b)) {
                        (Value::Int(x), Value::Int(y)) => x >= y,
                        (Value::Float(x), Value::Float(y)) => x >= y,
                        (x, y) => charged!(try_fault!(arith::compare_op(BinOp::Ge, x, y))),
                    },
                    target
                ),
                Op::EqJt { a, b, target } => branch_true!(
                    match (reg!(a), reg!(b)) {
                        (Value::Int(x), Value::Int(y)) => x == y,
                        (x, y) => charged!(x == y),
                    },
                    target
                ),
                Op::NeJt { a, b, target } => branch_true!(
                    match (reg!(a), reg!(b)) {
                        (Value::Int(x), Value::Int(y)) => x != y,
                        (x, y) => charged!(x != y),
                    },
                    target
                ),
                Op::LtImmJf { a, imm, target } => branch_imm!(
                    match reg!(a) {
                        Value::Int(x) => *x < imm as i64,
                        Value::Float(x) => *x < imm as f64,
                        x => try_fault!(arith::compare_op(BinOp::Lt, x, &Value::Int(imm as i64))),
                    },
                    target
                ),
                Op::LeImmJf { a, imm, target } => branch_imm!(
                    match reg!(a) {
                        Value::Int(x) => *x <= imm as i64,
                        Value::Float(x) => *x <= imm as f64,
                        x => try_fault!(arith::compare_op(BinOp::Le, x, &Value::Int(imm as i64))),
                    },
                    target
                ),
                Op::GtImmJf { a, imm, target } => branch_imm!(
                    match reg!(a) {
                        Value::Int(x) => *x > imm as i64,
                        Value::Float(x) => *x > imm as f64,
                        x => try_fault!(arith::compare_op(BinOp::Gt, x, &Value::Int(imm as i64))),
                    },
                    target
                ),
                Op::GeImmJf { a, imm, target } => branch_imm!(
                    match reg!(a) {
                        Value::Int(x) => *x >= imm as i64,
                        Value::Float(x) => *x >= imm as f64,
                        x => try_fault!(arith::compare_op(BinOp::Ge, x, &Value::Int(imm as i64))),
                    },
                    target
                ),
                Op::EqImmJf { a, imm, target } => branch_imm!(
                    match reg!(a) {
                        Value::Int(x) => *x == imm as i64,
                        x => *x == Value::Int(imm as i64),
                    },
                    target
                ),
                Op::NeImmJf { a, imm, target } => branch_imm!(
                    match reg!(a) {
                        Value::Int(x) => *x != imm as i64,
                        x => *x != Value::Int(imm as i64),
                    },
                    target
                ),
                Op::Call {
                    dst,
                    func: callee,
                    args,
                    ..
                } => {
                    let Some(cf) = prog.funcs.get(callee as usize) else {
                        fail!(Fault::runtime("call of a missing function"));
                    };
                    push_frame!(callee, cf, dst, args);
                    charge_call!();
                }
                Op::CallValue {
                    dst,
                    callee,
                    args,
                    argc,
                } => {
                    let fobj: Rc<FuncObj> = match reg!(callee) {
                        Value::Func(f) => f.clone(),
                        other => fail!(type_fault("cannot call a value of type ", other)),
                    };
                    if fobj.arity != argc as u16 {
                        fail!(arity_fault(&fobj, argc));
                    }
                    let Some(cf) = prog.funcs.get(fobj.func as usize) else {
                        fail!(Fault::runtime("call of a missing function"));
                    };
                    push_frame!(fobj.func, cf, dst, args);
                    let first = cf.arity as usize;
                    for (i, c) in fobj.captures.iter().take(cf.captures as usize).enumerate() {
                        *reg_mut!(first + i) = c.clone();
                    }
                    charge_call!();
                }
                Op::CallBuiltin {
                    dst,
                    builtin,
                    args,
                    argc,
                } => {
                    let cost = builtin.cost();
                    // A scalar first argument means constant work for every cost but
                    // `range` (whose arguments are all Ints): skip the computation.
                    if cost != Cost::Unit
                        && (cost == Cost::Range || argc == 0 || !reg!(args).is_scalar())
                    {
                        let units = builtin_fuel(cost, reg_slice!(args, argc as usize));
                        if units < fuel {
                            fuel -= units;
                        } else {
                            // Stop *at* the call: with more fuel, `run` retries it.
                            pc -= 1;
                            save_pc!();
                            self.fuel = fuel;
                            return Outcome::OutOfFuel;
                        }
                    }
                    let res = self.call_builtin(builtin, base + args as usize, argc as usize);
                    refresh!();
                    charge_work!(crate::compare::take_work());
                    let v = try_fault!(res);
                    set!(dst, v)
                }
                Op::Sqrt { dst, src, tmp } => {
                    let v = match reg!(src) {
                        Value::Float(x) => Value::Float(x.sqrt()),
                        Value::Int(i) => Value::Float((*i as f64).sqrt()),
                        _ => builtin1!(Builtin::Sqrt, src, tmp),
                    };
                    // The argument register ends up cleared, as after any builtin call.
                    set!(tmp, Value::Null);
                    set!(dst, v);
                    if src != tmp {
                        pc += 1;
                    }
                }
                Op::Abs { dst, src, tmp } => {
                    let v = match reg!(src) {
                        Value::Float(x) => Value::Float(x.abs()),
                        Value::Int(i) if *i != i64::MIN => Value::Int(i.abs()),
                        _ => builtin1!(Builtin::Abs, src, tmp),
                    };
                    // The argument register ends up cleared, as after any builtin call.
                    set!(tmp, Value::Null);
                    set!(dst, v);
                    if src != tmp {
                        pc += 1;
                    }
                }
                Op::IsVariantJf {
                    src,
                    variant,
                    target,
                } => branch!(
                    match reg!(src) {
                        Value::Variant(v) => v.info.id == variant,
                        Value::Tag(t) => t.id == variant,
                        _ => false,
                    },
                    target
                ),
                Op::CallTool { dst, tool, args } => {
                    let line = func.lines.get(pc - 1).copied().unwrap_or(0);
                    let req = try_fault!(self.tool_request(tool, reg!(args), line));
                    save_pc!();
                    self.fuel = fuel;
                    self.state = State::AwaitingTool {
                        dst: base + dst as usize,
                        func: fidx,
                        pc: pc - 1,
                        tool,
                    };
                    return Outcome::ToolCall(req);
                }
                Op::Return { src } => {
                    for i in 0..func.num_regs {
                        // Scalars own nothing: only heap values need releasing.
                        let slot: &mut Value = reg_mut!(i);
                        if i != src as usize && !slot.is_scalar() {
                            *slot = Value::Null;
                        }
                    }
                    let n = self.frames.len();
                    if n >= 2 {
                        // The common case: return into the calling frame.
                        // SAFETY: `n >= 2`.
                        let (done, caller) = unsafe {
                            (
                                *self.frames.get_unchecked(n - 1),
                                *self.frames.get_unchecked(n - 2),
                            )
                        };
                        let dst_abs = caller.base as usize + done.ret as usize;
                        debug_assert!(dst_abs < self.regs.len());
                        // SAFETY: the caller's result register lies in its frame, inside the
                        // register stack; `src` is a validated register of this frame.
                        unsafe {
                            Value::assign_move(
                                self.regs.as_mut_ptr().add(dst_abs),
                                regs.add(src as usize),
                            )
                        };
                        self.frames.truncate(n - 1);
                        fidx = caller.func as usize;
                        func = match prog.funcs.get(fidx) {
                            Some(f) => f,
                            None => return Outcome::Error(bad_entry("bad frame".into())),
                        };
                        code = &func.code;
                        pc = caller.pc as usize;
                        base = caller.base as usize;
                        refresh!();
                        continue;
                    }
                    let v = reg_mut!(src).fast_take();
                    let Some(done) = self.frames.pop() else {
                        return Outcome::Error(bad_entry("frame stack underflow".into()));
                    };
                    if self.frames.is_empty() {
                        match self.pending_entry.take() {
                            Some((entry, args)) => {
                                self.enter(entry, args);
                                load_top!();
                            }
                            None => {
                                self.fuel = fuel;
                                return Outcome::Finished(v);
                            }
                        }
                    } else {
                        load_top!();
                        set!(done.ret, v);
                    }
                }
                Op::ReturnNull => {
                    for i in 0..func.num_regs {
                        // Scalars own nothing: only heap values need releasing.
                        let slot: &mut Value = reg_mut!(i);
                        if !slot.is_scalar() {
                            *slot = Value::Null;
                        }
                    }
                    let Some(done) = self.frames.pop() else {
                        return Outcome::Error(bad_entry("frame stack underflow".into()));
                    };
                    if self.frames.is_empty() {
                        match self.pending_entry.take() {
                            Some((entry, args)) => {
                                self.enter(entry, args);
                                load_top!();
                            }
                            None => {
                                self.fuel = fuel;
                                return Outcome::Finished(Value::Null);
                            }
                        }
                    } else {
                        load_top!();
                        set!(done.ret, Value::Null);
                    }
                }
                Op::MakeList {
                    dst,
                    start,
                    count,
                    take,
                } => {
                    let v: Vec<Value> = (0..count as usize)
                        .map(|i| operand!(start as usize + i, take))
                        .collect();
                    set!(dst, Value::list(v))
                }
                Op::MakeTuple {
                    dst,
                    start,
                    count,
                    take,
                } => {
                    let v: Vec<Value> = (0..count as usize)
                        .map(|i| operand!(start as usize + i, take))
                        .collect();
                    set!(dst, Value::tuple(v))
                }
                Op::MakeMap { dst, start, count } => {
                    let v = try_fault!(make_map(reg_slice!(start, 2 * count as usize)));
                    set!(dst, v)
                }
                Op::MakeRecord {
                    dst,
                    ty,
                    start,
                    take,
                } => {
                    let Some(Some(rt)) = prog.records.get(ty as usize) else {
                        fail!(Fault::runtime("construction of a missing record type"));
                    };
                    let n = rt.fields.len();
                    let s = start as usize;
                    let fields = match n {
                        0 => Slots::from_vec(Vec::new()),
                        1 => Slots::Inline(1, [operand!(s, take), Value::Null]),
                        2 => Slots::Inline(2, [operand!(s, take), operand!(s + 1, take)]),
                        _ => Slots::Heap((0..n).map(|i| operand!(s + i, take)).collect()),
                    };
                    set!(
                        dst,
                        Value::Record(Rc::new(RecordObj {
                            ty: rt.clone(),
                            fields
                        }))
                    )
                }
                Op::MakeVariant {
                    dst,
                    variant,
                    start,
                    take,
                } => {
                    let Some(info) = prog.variants.get(variant as usize) else {
                        fail!(Fault::runtime("construction of a missing variant"));
                    };
                    let n = info.fields.len();
                    let s = start as usize;
                    let payload = match n {
                        0 => None,
                        1 => Some(Slots::Inline(1, [operand!(s, take), Value::Null])),
                        2 => Some(Slots::Inline(2, [operand!(s, take), operand!(s + 1, take)])),
                        _ => Some(Slots::Heap((0..n).map(|i| operand!(s + i, take)).collect())),
                    };
                    let v = match payload {
                        None => Value::Tag(info.clone()),
                        Some(payload) => Value::Variant(Rc::new(VariantObj {
                            info: info.clone(),
                            payload,
                        })),
                    };
                    set!(dst, v)
                }
                Op::MakeOk { dst, src } => {
                    let v = reg!(src).clone();
                    set!(dst, Value::ok(v))
                }
                Op::MakeErr { dst, src } => {
                    let v = reg!(src).clone();
                    set!(dst, Value::err(v))
                }
                Op::MakeClosure {
                    dst,
                    func: f,
                    start,
                } => {
                    let Some(cf) = prog.funcs.get(f as usize) else {
                        fail!(Fault::runtime("closure of a missing function"));
                    };
                    set!(
                        dst,
                        make_closure(f, cf, reg_slice!(start, cf.captures as usize))
                    )
                }
                Op::GetField { dst, obj, name } => {
                    let v = try_fault!(get_field(prog, reg!(obj), name));
                    set!(dst, v)
                }
                Op::SetField { obj, name, src } => {
                    let v = reg!(src).clone();
                    try_fault!(set_field(prog, reg_mut!(obj), name, v))
                }
                Op::GetIndex { dst, obj, idx } => {
                    let v = match (reg!(obj), reg!(idx)) {
                        (Value::List(xs), Value::Int(i)) if (*i as u64) < xs.len() as u64 => {
                            xs[*i as usize].clone()
                        }
                        (o, i) => try_fault!(get_index(o, i)),
                    };
                    set!(dst, v)
                }
                Op::SetIndex { obj, idx, src } => {
                    let k = reg!(idx).clone();
                    let v = reg!(src).clone();
                    try_fault!(set_index(reg_mut!(obj), k, v))
                }
                Op::GetSlot { dst, obj, slot } => {
                    let v = match reg!(obj) {
                        Value::Variant(o) => match o.payload.as_slice().get(slot as usize) {
                            Some(x) => x.fast_clone(),
                            None => try_fault!(get_slot(reg!(obj), slot)),
                        },
                        Value::Record(o) => match o.fields.as_slice().get(slot as usize) {
                            Some(x) => x.fast_clone(),
                            None => try_fault!(get_slot(reg!(obj), slot)),
                        },
                        other => try_fault!(get_slot(other, slot)),
                    };
                    set!(dst, v)
                }
                Op::Unwrap { dst, src } => {
                    let v = match reg!(src) {
                        Value::Ok(x) | Value::Err(x) => x.0.clone(),
                        other => fail!(type_fault("expected a result, got ", other)),
                    };
                    set!(dst, v)
                }
                Op::Push { list, src } => {
                    let v = reg!(src).clone();
                    match reg_mut!(list) {
                        Value::List(xs) if xs.len() < MAX_ELEMENTS => Rc::make_mut(xs).push(v),
                        Value::List(xs) => fail!(too_many_elements(xs.len() + 1)),
                        other => fail!(type_fault("cannot append to ", other)),
                    }
                }
                Op::Len { dst, src } => {
                    let n = match reg!(src) {
                        Value::List(xs) | Value::Tuple(xs) => xs.len(),
                        other => try_fault!(length_of(other)),
                    };
                    set!(dst, Value::Int(n as i64))
                }
                Op::IterPrep { dst, src } => {
                    let v = try_fault!(iter_prep(reg!(src)));
                    if !matches!(reg!(src), Value::List(_) | Value::Tuple(_)) {
                        // A string or map is converted to a list of its characters or entries.
                        charge_work!(match &v {
                            Value::List(l) => l.len() as u64,
                            _ => 0,
                        });
                    }
                    set!(dst, v)
                }
                Op::IterGet { dst, list, idx } => {
                    let v = match (reg!(list), reg!(idx)) {
                        (Value::List(xs), Value::Int(i)) if (*i as u64) < xs.len() as u64 => {
                            xs[*i as usize].clone()
                        }
                        (o, i) => try_fault!(get_index(o, i)),
                    };
                    set!(dst, v)
                }
                Op::IsType { dst, src, tag } => {
                    let v = reg!(src);
                    let b = match tag {
                        TypeTag::Null => matches!(v, Value::Null),
                        TypeTag::Bool => matches!(v, Value::Bool(_)),
                        TypeTag::Int => matches!(v, Value::Int(_)),
                        TypeTag::Float => matches!(v, Value::Float(_)),
                        TypeTag::String => matches!(v, Value::Str(_)),
                        TypeTag::List => matches!(v, Value::List(_)),
                        TypeTag::Map => matches!(v, Value::Map(_)),
                        TypeTag::Tuple => matches!(v, Value::Tuple(_)),
                        TypeTag::Result => matches!(v, Value::Ok(_) | Value::Err(_)),
                        TypeTag::Function => matches!(v, Value::Func(_)),
                    };
                    set!(dst, Value::Bool(b))
                }
                Op::IsUserType { dst, src, ty } => {
                    let b = match reg!(src) {
                        Value::Record(r) => r.ty.id == ty,
                        Value::Variant(v) => v.info.enum_type == ty,
                        Value::Tag(t) => t.enum_type == ty,
                        _ => false,
                    };
                    set!(dst, Value::Bool(b))
                }
                Op::IsVariant { dst, src, variant } => {
                    let b = match reg!(src) {
                        Value::Variant(v) => v.info.id == variant,
                        Value::Tag(t) => t.id == variant,
                        _ => false,
                    };
                    set!(dst, Value::Bool(b))
                }
                Op::IsOk { dst, src } => {
                    let b = match reg!(src) {
                        Value::Ok(_) => true,
                        Value::Err(_) => false,
                        other => fail!(type_fault("expected a result, got ", other)),
                    };
                    set!(dst, Value::Bool(b))
                }
                Op::Fail { kind, msg } => fail!(fail_fault(kind, reg!(msg))),
            }
        }
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
        Outcome::ToolCall(req) => Err(RuntimeError {
            code: codes::UNKNOWN_TOOL,
            message: format!(
                "tool `{}` is not provided (no tools in run_to_end)",
                req.name
            ),
            file: String::new(),
            line: req.line,
            function: String::new(),
        }),
        Outcome::OutOfFuel => Err(plain_error(codes::OUT_OF_FUEL, "out of fuel")),
    }
}

/// The fuel of a builtin call (out of line: only non-constant builtins get here).
#[inline(never)]
fn builtin_fuel(cost: Cost, args: &[Value]) -> u64 {
    cost.of(args)
}

/// Checked `Int` multiplication. Operands that fit in 32 bits cannot overflow 64, and
/// checking that first avoids the 128-bit multiply that `checked_mul` is on wasm32.
#[inline(always)]
fn mul_int(x: i64, y: i64) -> Option<i64> {
    if x as i32 as i64 == x && y as i32 as i64 == y {
        Some(x * y)
    } else {
        x.checked_mul(y)
    }
}

/// A map from `[k0, v0, k1, v1, ...]` (out of line: allocation dominates anyway).
#[inline(never)]
fn make_map(pairs: &[Value]) -> Result<Value, Fault> {
    let mut m = MapObj::with_capacity(pairs.len() / 2);
    for kv in pairs.chunks_exact(2) {
        let Some(key) = MapKey::from_value(&kv[0]) else {
            return Err(type_fault("map keys must be String or Int, got ", &kv[0]));
        };
        m.insert(key, kv[1].clone());
    }
    Ok(Value::Map(Rc::new(m)))
}

/// A closure of function `f` capturing `captured`.
#[inline(never)]
fn make_closure(f: u16, cf: &FuncCode, captured: &[Value]) -> Value {
    Value::Func(Rc::new(FuncObj {
        func: f as u32,
        name: cf.name.clone(),
        arity: cf.arity,
        captures: captured.to_vec(),
    }))
}

/// `"{prefix}{type of v}"`, the message of most type faults (out of line, see `raise`).
#[cold]
#[inline(never)]
fn type_fault(prefix: &str, v: &Value) -> Fault {
    Fault::runtime(format!("{prefix}{}", v.type_name()))
}

#[cold]
#[inline(never)]
fn depth_fault(max_depth: usize) -> Fault {
    Fault::new(
        codes::RECURSION_LIMIT,
        format!("maximum recursion depth exceeded ({max_depth} frames)"),
    )
}

#[cold]
#[inline(never)]
fn register_fault(need: usize, frames: usize) -> Fault {
    Fault::new(
        codes::RECURSION_LIMIT,
        format!(
            "call stack too large: {need} register slots needed at {frames} frames deep, the limit is {MAX_REGISTERS} slots ({} MiB)",
            (MAX_REGISTERS * std::mem::size_of::<Value>()) >> 20
        ),
    )
}

#[cold]
#[inline(never)]
fn arity_fault(f: &FuncObj, argc: u8) -> Fault {
    Fault::runtime(format!(
        "{} takes {} argument{}, got {argc}",
        f.name,
        f.arity,
        if f.arity == 1 { "" } else { "s" }
    ))
}

/// The fault of a `Fail` instruction (`halt`, a failed constraint, no match, bad JSON shape).
#[cold]
#[inline(never)]
fn fail_fault(kind: FailKind, msg: &Value) -> Fault {
    let code = match kind {
        FailKind::Halt => codes::HALT,
        FailKind::Constraint => codes::CONSTRAINT,
        FailKind::NoMatch => codes::RUNTIME,
        FailKind::Type => codes::JSON_SHAPE,
    };
    Fault::new(code, msg.to_display())
}

fn shape(msg: String) -> Fault {
    Fault::new(codes::JSON_SHAPE, msg)
}

/// `obj.name`: record field, named variant field, or map key (missing key: null).
#[inline(never)]
fn get_field(prog: &Program, obj: &Value, name: u16) -> Result<Value, Fault> {
    let id = name as u32;
    let field_name = || prog.names.get(name as usize).map_or("?", |s| s.as_str());
    match obj {
        Value::Record(r) => {
            r.ty.field_ids
                .iter()
                .position(|&f| f == id)
                .and_then(|i| r.fields.as_slice().get(i))
                .cloned()
                .ok_or_else(|| shape(format!("{} has no field `{}`", r.ty.name, field_name())))
        }
        Value::Variant(v) => v
            .info
            .field_ids
            .iter()
            .position(|&f| f == id)
            .and_then(|i| v.payload.as_slice().get(i))
            .cloned()
            .ok_or_else(|| shape(format!("{} has no field `{}`", v.info.name, field_name()))),
        Value::Map(m) => Ok(m
            .get(KeyRef::Str(field_name()))
            .cloned()
            .unwrap_or_default()),
        other => Err(shape(format!(
            "cannot read field `{}` of {}",
            field_name(),
            other.type_name()
        ))),
    }
}

/// `obj.name = v` (copy-on-write).
#[inline(never)]
fn set_field(prog: &Program, obj: &mut Value, name: u16, v: Value) -> Result<(), Fault> {
    let id = name as u32;
    let field_name = prog.names.get(name as usize).cloned().unwrap_or_default();
    match obj {
        Value::Record(r) => {
            let Some(i) = r.ty.field_ids.iter().position(|&f| f == id) else {
                return Err(shape(format!(
                    "{} has no field `{}`",
                    r.ty.name, field_name
                )));
            };
            if let Some(slot) = Rc::make_mut(r).fields.as_mut_slice().get_mut(i) {
                *slot = v;
            }
            Ok(())
        }
        Value::Map(m) => insert_checked(m, MapKey::Str(field_name), v),
        other => Err(shape(format!(
            "cannot set field `{}` of {}",
            field_name,
            other.type_name()
        ))),
    }
}

fn index_error(i: i64, len: usize, what: &str) -> Fault {
    Fault::new(
        codes::INDEX_OUT_OF_RANGE,
        format!("index {i} out of range for {what} of length {len}"),
    )
}

/// `obj[idx]`: list/tuple/string by position (checked), map by key (missing: null).
#[inline(never)]
pub(crate) fn get_index(obj: &Value, idx: &Value) -> Result<Value, Fault> {
    match (obj, idx) {
        (Value::List(xs), Value::Int(i)) | (Value::Tuple(xs), Value::Int(i)) => usize::try_from(*i)
            .ok()
            .and_then(|u| xs.get(u))
            .cloned()
            .ok_or_else(|| {
                index_error(
                    *i,
                    xs.len(),
                    if matches!(obj, Value::List(_)) {
                        "list"
                    } else {
                        "tuple"
                    },
                )
            }),
        (Value::Str(s), Value::Int(i)) => usize::try_from(*i)
            .ok()
            .and_then(|u| s.chars().nth(u))
            .map(|c| Value::str(c.to_string()))
            .ok_or_else(|| index_error(*i, s.chars().count(), "string")),
        (Value::Map(m), k) => Ok(KeyRef::from_value(k)
            .and_then(|k| m.get(k))
            .cloned()
            .unwrap_or_default()),
        _ => Err(Fault::runtime(format!(
            "cannot index {} with {}",
            obj.type_name(),
            idx.type_name()
        ))),
    }
}

/// `obj[idx] = v` (copy-on-write).
#[inline(never)]
fn set_index(obj: &mut Value, idx: Value, v: Value) -> Result<(), Fault> {
    match (obj, &idx) {
        (Value::List(xs), Value::Int(i)) => {
            let len = xs.len();
            match usize::try_from(*i).ok().filter(|u| *u < len) {
                Some(u) => {
                    if let Some(slot) = Rc::make_mut(xs).get_mut(u) {
                        *slot = v;
                    }
                    Ok(())
                }
                None => Err(index_error(*i, len, "list")),
            }
        }
        (Value::Map(m), k) => match MapKey::from_value(k) {
            Some(key) => insert_checked(m, key, v),
            None => Err(type_fault("map keys must be String or Int, got ", k)),
        },
        (o, k) => Err(Fault::runtime(format!(
            "cannot assign to an index of {} with {}",
            o.type_name(),
            k.type_name()
        ))),
    }
}

/// Slot `slot` of a record, variant payload, tuple or list.
#[inline(never)]
fn get_slot(obj: &Value, slot: u16) -> Result<Value, Fault> {
    let s = slot as usize;
    let found = match obj {
        Value::Record(r) => r.fields.as_slice().get(s),
        Value::Variant(v) => v.payload.as_slice().get(s),
        Value::Tuple(xs) | Value::List(xs) => xs.get(s),
        _ => None,
    };
    found
        .cloned()
        .ok_or_else(|| shape(format!("{} has no element {slot}", obj.type_name())))
}

/// `len(v)` for strings (characters), lists, tuples and maps.
#[inline(never)]
pub(crate) fn length_of(v: &Value) -> Result<usize, Fault> {
    match v {
        Value::Str(s) => Ok(if s.is_ascii() {
            s.len()
        } else {
            s.chars().count()
        }),
        Value::List(xs) | Value::Tuple(xs) => Ok(xs.len()),
        Value::Map(m) => Ok(m.len()),
        other => Err(Fault::runtime(format!(
            "{} has no length",
            other.type_name()
        ))),
    }
}

/// The list a `for` loop walks: lists as they are, strings as characters, maps as
/// `(key, value)` tuples.
#[inline(never)]
pub(crate) fn iter_prep(v: &Value) -> Result<Value, Fault> {
    match v {
        Value::List(_) => Ok(v.clone()),
        Value::Tuple(xs) => Ok(Value::List(xs.clone())),
        Value::Str(s) => {
            check_elements(s.chars().count())?;
            Ok(Value::list(
                s.chars().map(|c| Value::str(c.to_string())).collect(),
            ))
        }
        Value::Map(m) => Ok(Value::list(
            m.iter()
                .map(|(k, x)| Value::tuple(vec![k.to_value(), x.clone()]))
                .collect(),
        )),
        other => Err(type_fault("cannot iterate over ", other)),
    }
}

#[cfg(test)]
#[path = "machine_tests.rs"]
pub(crate) mod tests;
