//! The interpreter loop: [`Vm::execute`], one function with one `match` over [`Op`].
//!
//! The loop keeps the current function, a pointer to its next op (`ip`; the index a frame
//! saves is derived from it, `pc!`), the register base and a raw pointer to the frame's
//! registers in locals, and nothing else it can derive (the function's index, the depth
//! limit): fewer live locals, fewer spills in the one big function. Register indices are
//! proven in range by `validate` and by the frame set-up (the register stack is at least
//! `base + num_regs` long), which is what makes the unchecked register accesses sound;
//! each is also `debug_assert`ed.
//!
//! A return releases only the registers the translation could not prove scalar (module
//! `scalars`: `ReturnMask`, `ReturnRelease`), and a call whose callee's frame covers heap
//! temporaries of the caller releases them first (`CallClear`, `CallValueClear`).
//!
//! What the arms share is written once, as macros: those that use `execute`'s locals
//! (register access, jumps and fuel, frame push and pop) are local to it; those that need
//! none (operands, stores, comparisons, the compare-and-branch table) are in
//! `dispatch_macros.rs`, and the bodies of the arms that build or take apart values (records,
//! variants, closures, slots, typed field reads, iteration set-up, builtin calls) in
//! `dispatch_values.rs`. Those two files are macros, not functions, so that the split
//! changes no generated code (every out-of-line split tried changed the loop's register
//! allocation; docs/BENCHMARKS.md). The compare-and-branch ops are generated from one table
//! by `with_compare_branches!`: four ordered and two equality operators, each in three shapes
//! (branch when false, branch when true, compare with a small constant and branch when
//! false), so 18 arms from six rows. Cold paths are out of line in `faults` (errors), `calls`
//! (frame limits, builtin and tool calls) and `objects` (everything that allocates or walks
//! a value).

use std::rc::Rc;

use crate::arith::{self, Fault};
use crate::builtins::Builtin;
use crate::calls::Frame;
use crate::faults::{arity_fault, bad_entry, fail_fault, type_fault};
use crate::limits::{too_many_elements, MAX_ELEMENTS};
use crate::lir::{BinOp, Reg};
use crate::machine::{Outcome, State, Vm};
use crate::objects::{
    get_field, get_index, has_type, is_user_type, length_of, make_map, set_field, set_index,
};
use crate::program::{FuncCode, Op, Program};
use crate::value::{FuncObj, Value};

#[macro_use]
#[path = "dispatch_macros.rs"]
mod macros;
#[macro_use]
#[path = "dispatch_values.rs"]
mod values;

impl Vm {
    /// Runs from the top frame until the bottom frame returns, a tool is called, the fuel
    /// runs out, or an error.
    pub(crate) fn execute(&mut self, prog: &Program) -> Outcome {
        let Some(top) = self.frames.last().copied() else {
            return Outcome::Error(bad_entry("no frame to run".into()));
        };
        let Some(mut func): Option<&FuncCode> = prog.funcs.get(top.func as usize) else {
            return Outcome::Error(bad_entry("bad frame".into()));
        };
        // The next op, as a pointer into `func.code` (one live value instead of a slice and
        // an index: the loop keeps fewer locals, see `pc!`).
        // SAFETY: `top.pc` is an instruction index of the function (it starts at 0 and is
        // saved from `pc!` only).
        let mut ip: *const Op = unsafe { func.code.as_ptr().add(top.pc as usize) };
        let mut base = top.base as usize;
        // SAFETY: `base + num_regs <= regs.len()` for every frame (established when the
        // frame is pushed; the register stack never shrinks while frames exist).
        let mut regs: *mut Value = unsafe { self.regs.as_mut_ptr().add(base) };
        let mut fuel = self.fuel;

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
        macro_rules! refresh {
            () => {
                // SAFETY: see the initialisation of `regs`.
                regs = unsafe { self.regs.as_mut_ptr().add(base) };
            };
        }
        macro_rules! pc {
            // The index of the next op (what a frame saves).
            () => {{
                // SAFETY: `ip` points into (or one past) `func.code`.
                unsafe { ip.offset_from(func.code.as_ptr()) as usize }
            }};
        }
        macro_rules! fidx {
            // The index of the current function.
            () => {{
                // SAFETY: `func` is an element of `prog.funcs`.
                unsafe { (func as *const FuncCode).offset_from(prog.funcs.as_ptr()) as usize }
            }};
        }
        macro_rules! save_pc {
            () => {
                if let Some(fr) = self.frames.last_mut() {
                    fr.pc = pc!() as u32;
                }
            };
        }
        macro_rules! fail {
            ($fault:expr) => {{
                let fault: Fault = $fault;
                return self.raise(fidx!(), pc!(), fuel, fault);
            }};
        }
        macro_rules! resume {
            // Continues in frame `$fr`, the new top frame.
            ($fr:expr) => {{
                let fr: Frame = $fr;
                func = match prog.funcs.get(fr.func as usize) {
                    Some(f) => f,
                    None => return Outcome::Error(bad_entry("bad frame".into())),
                };
                // SAFETY: a saved `pc` is an instruction index of its function.
                ip = unsafe { func.code.as_ptr().add(fr.pc as usize) };
                base = fr.base as usize;
                refresh!();
            }};
        }
        macro_rules! load_top {
            () => {{
                let Some(fr) = self.frames.last().copied() else {
                    return Outcome::Error(bad_entry("no frame to run".into()));
                };
                resume!(fr);
            }};
        }
        macro_rules! jump {
            ($target:expr) => {{
                // SAFETY: validated jump targets are instruction indices of the function.
                let t: *const Op = unsafe { func.code.as_ptr().add($target as usize) };
                if t < ip {
                    // SAFETY: both point into `func.code`.
                    let cost = unsafe { ip.offset_from(t) } as u64;
                    ip = t;
                    if fuel > cost {
                        fuel -= cost;
                    } else {
                        save_pc!();
                        self.fuel = 0;
                        return Outcome::OutOfFuel;
                    }
                } else {
                    ip = t;
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
        macro_rules! builtin1_done {
            // The end of `Sqrt`/`Abs`: the argument register ends up cleared, as after any
            // builtin call, and a fused `Move` of the argument skips the call instruction.
            ($dst:expr, $src:expr, $tmp:expr, $v:expr) => {{
                let v = $v;
                set!($tmp, Value::Null);
                set!($dst, v);
                if $src != $tmp {
                    // SAFETY: the fused call instruction follows.
                    ip = unsafe { ip.add(1) };
                }
            }};
        }
        macro_rules! branch {
            // A fused compare-and-branch on `$c`: jumps to `$target` when `$c` is false
            // (`if_false`) or true (`if_true`), else skips the fused jump (one instruction,
            // or two with the `LoadInt` of an immediate).
            (if_false $c:expr, $target:expr, skip $n:expr) => {{
                let c: bool = $c;
                if c {
                    // SAFETY: the fused instructions follow.
                    ip = unsafe { ip.add($n) };
                } else {
                    jump!($target);
                }
            }};
            (if_true $c:expr, $target:expr) => {{
                let c: bool = $c;
                if c {
                    jump!($target);
                } else {
                    // SAFETY: the fused jump follows.
                    ip = unsafe { ip.add(1) };
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
                let depth = self.frames.len();
                if depth >= self.config.max_depth || need > self.regs.len() {
                    if let Some(fault) = self.frame_limits(need, self.config.max_depth) {
                        fail!(fault);
                    }
                }
                debug_assert!(depth >= 1);
                // SAFETY: the running frame is on the frame stack (`depth >= 1`) whenever
                // the loop runs: `execute` starts from it, and a return pops only after
                // which it resumes the caller or leaves.
                let saved = pc!() as u32;
                unsafe { self.frames.get_unchecked_mut(depth - 1).pc = saved };
                self.frames.push(Frame {
                    func: $callee as u32,
                    pc: 0,
                    base: new_base as u32,
                    ret: $dst,
                });
                func = cf;
                ip = cf.code.as_ptr();
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

        macro_rules! clear_registers {
            // Releases the heap values in the current frame's registers (scalars own
            // nothing), except register `$keep`.
            ($($keep:expr)?) => {
                for i in 0..func.num_regs {
                    let slot: &mut Value = reg_mut!(i);
                    if $(i != $keep as usize &&)? !slot.is_scalar() {
                        *slot = Value::Null;
                    }
                }
            };
        }
        macro_rules! pop_frame {
            // Pops the finished frame and hands `$v` to the caller; after the bottom frame,
            // starts the pending entry cell (the global initialiser has run) or finishes.
            ($v:expr) => {{
                let v: Value = $v;
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
            }};
        }
        macro_rules! release_list {
            // Releases the heap values in registers `func.release[at..at + n]` (the ones a
            // `ReturnRelease` may find a heap value in; the others hold scalars).
            ($at:expr, $n:expr) => {{
                let (at, n) = ($at as usize, $n as usize);
                if n > 0 {
                    for &r in func.release.get(at..at + n).unwrap_or_default() {
                        let slot: &mut Value = reg_mut!(r);
                        if !slot.is_scalar() {
                            *slot = Value::Null;
                        }
                    }
                }
            }};
        }
        macro_rules! return_value {
            // Hands register `$src` (moved out) to the caller and continues there.
            ($src:expr) => {{
                let src: Reg = $src;
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
                    resume!(caller);
                    continue;
                }
                pop_frame!(reg_mut!(src).fast_take())
            }};
        }
        macro_rules! release_window {
            // `release`: releases the caller's registers from `$from` to where the callee's
            // frame (`$cf`, starting at `$args`) ends, before it is pushed (see `scalars`);
            // `keep`: the translation proved they hold scalars.
            // (`push_frame!` re-derives the register pointer afterwards.)
            (keep, $cf:expr, $args:expr, $from:expr) => {{
                let _ = $from;
            }};
            (release, $cf:expr, $args:expr, $from:expr) => {{
                let end = ($args as usize + $cf.num_regs).min(func.num_regs);
                self.release_window(base + $from, base + end);
            }};
        }
        macro_rules! call {
            // `Call`, releasing the registers past the arguments or not (`$how`).
            ($dst:expr, $callee:expr, $args:expr, $argc:expr, $how:ident) => {{
                let Some(cf) = prog.funcs.get($callee as usize) else {
                    fail!(Fault::runtime("call of a missing function"));
                };
                release_window!($how, cf, $args, $args as usize + $argc as usize);
                push_frame!($callee, cf, $dst, $args);
                charge_call!();
            }};
        }
        macro_rules! call_value {
            // `CallValue`, releasing the registers past the arguments or not (`$how`).
            ($dst:expr, $callee:expr, $args:expr, $argc:expr, $how:ident) => {{
                let fobj: Rc<FuncObj> = match reg!($callee) {
                    Value::Func(f) => f.clone(),
                    other => fail!(type_fault("cannot call a value of type ", other)),
                };
                if fobj.arity != $argc as u16 {
                    fail!(arity_fault(&fobj, $argc));
                }
                let Some(cf) = prog.funcs.get(fobj.func as usize) else {
                    fail!(Fault::runtime("call of a missing function"));
                };
                release_window!($how, cf, $args, $args as usize + $argc as usize);
                push_frame!(fobj.func, cf, $dst, $args);
                let first = cf.arity as usize;
                for (i, c) in fobj.captures.iter().take(cf.captures as usize).enumerate() {
                    *reg_mut!(first + i) = c.clone();
                }
                charge_call!();
            }};
        }

        loop {
            debug_assert!(pc!() < func.code.len());
            // SAFETY: validation guarantees every jump target is in range and that the last
            // instruction of every function leaves it, so `pc` never runs past the end;
            // fused compare-branches skip only a following instruction that exists.
            let op = unsafe { *ip };
            // SAFETY: as above (`ip` stays inside `func.code`).
            ip = unsafe { ip.add(1) };
            with_compare_branches!(match op {
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
                    let c = ordered!(<, Lt, a, b);
                    set!(dst, Value::Bool(c))
                }
                Op::Le { dst, a, b } => {
                    let c = ordered!(<=, Le, a, b);
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
                Op::Call {
                    dst,
                    func: callee,
                    args,
                    argc,
                } => call!(dst, callee, args, argc, keep),
                Op::CallClear {
                    dst,
                    func: callee,
                    args,
                    argc,
                } => call!(dst, callee, args, argc, release),
                Op::CallValue {
                    dst,
                    callee,
                    args,
                    argc,
                } => call_value!(dst, callee, args, argc, keep),
                Op::CallValueClear {
                    dst,
                    callee,
                    args,
                    argc,
                } => call_value!(dst, callee, args, argc, release),
                Op::CallBuiltin {
                    dst,
                    builtin,
                    args,
                    argc,
                } => call_builtin_op!(self, fuel, ip, base, dst, builtin, args, argc),
                Op::Sqrt { dst, src, tmp } => {
                    let v = match reg!(src) {
                        Value::Float(x) => Value::Float(x.sqrt()),
                        Value::Int(i) => Value::Float((*i as f64).sqrt()),
                        _ => builtin1!(Builtin::Sqrt, src, tmp),
                    };
                    builtin1_done!(dst, src, tmp, v)
                }
                Op::Abs { dst, src, tmp } => {
                    let v = match reg!(src) {
                        Value::Float(x) => Value::Float(x.abs()),
                        Value::Int(i) if *i != i64::MIN => Value::Int(i.abs()),
                        _ => builtin1!(Builtin::Abs, src, tmp),
                    };
                    builtin1_done!(dst, src, tmp, v)
                }
                Op::IsVariantJf {
                    src,
                    variant,
                    target,
                } => branch!(if_false is_variant!(src, variant), target, skip 1),
                Op::CallTool { dst, tool, args } => {
                    let req = try_fault!(self.tool_request(tool, reg!(args), fidx!(), pc!() - 1));
                    save_pc!();
                    self.fuel = fuel;
                    self.state = State::AwaitingTool {
                        dst: base + dst as usize,
                        func: fidx!(),
                        pc: pc!() - 1,
                        tool,
                    };
                    return Outcome::ToolCall(req);
                }
                Op::Return { src } => {
                    clear_registers!(src);
                    return_value!(src)
                }
                Op::ReturnMask { src, mask } => {
                    release_mask!(mask);
                    return_value!(src)
                }
                Op::ReturnNullMask { mask } => {
                    release_mask!(mask);
                    pop_frame!(Value::Null)
                }
                Op::ReturnRelease { src, at, n } => {
                    release_list!(at, n);
                    return_value!(src)
                }
                Op::ReturnNull => {
                    clear_registers!();
                    pop_frame!(Value::Null)
                }
                Op::ReturnNullRelease { at, n } => {
                    release_list!(at, n);
                    pop_frame!(Value::Null)
                }
                Op::MakeList {
                    dst,
                    start,
                    count,
                    take,
                } => {
                    let v = (0..count as usize).map(|i| operand!(start as usize + i, take));
                    set!(dst, Value::list(v.collect()))
                }
                Op::MakeTuple {
                    dst,
                    start,
                    count,
                    take,
                } => {
                    let v = (0..count as usize).map(|i| operand!(start as usize + i, take));
                    set!(dst, Value::tuple(v.collect()))
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
                } => make_record!(prog, dst, ty, start, take),
                Op::MakeVariant {
                    dst,
                    variant,
                    start,
                    take,
                } => make_variant!(prog, dst, variant, start, take),
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
                } => make_closure_op!(prog, dst, f, start),
                Op::GetField { dst, obj, name } => {
                    let v = try_fault!(get_field(prog, reg!(obj), name));
                    set!(dst, v)
                }
                Op::SetField { obj, name, src } => {
                    let v = reg!(src).clone();
                    try_fault!(set_field(prog, reg_mut!(obj), name, v))
                }
                Op::GetIndex { dst, obj, idx }
                | Op::IterGet {
                    dst,
                    list: obj,
                    idx,
                } => {
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
                Op::GetSlot { dst, obj, slot } => get_slot_op!(dst, obj, slot),
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
                Op::IterPrep { dst, src } => iter_prep_op!(dst, src),
                Op::IsType { dst, src, tag } => set!(dst, Value::Bool(has_type(reg!(src), tag))),
                Op::IsUserType { dst, src, ty } => {
                    set!(dst, Value::Bool(is_user_type(reg!(src), ty)))
                }
                Op::IsVariant { dst, src, variant } => {
                    let b = is_variant!(src, variant);
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
                Op::GetFieldSlot {
                    dst,
                    obj,
                    name,
                    slot,
                } => get_field_slot!(prog, dst, obj, name, slot),
                Op::AddFloat { dst, a, b } => match (reg!(a), reg!(b)) {
                    (Value::Float(x), Value::Float(y)) => set!(dst, Value::Float(x + y)),
                    _ => {
                        let r = self.binary_slow(BinOp::Add, base, dst, a, b);
                        refresh!();
                        charge_work!(try_fault!(r))
                    }
                },
                Op::SubFloat { dst, a, b } => match (reg!(a), reg!(b)) {
                    (Value::Float(x), Value::Float(y)) => set!(dst, Value::Float(x - y)),
                    (x, y) => {
                        let v = try_fault!(arith::binary(BinOp::Sub, x, y));
                        set!(dst, v)
                    }
                },
                Op::MulFloat { dst, a, b } => match (reg!(a), reg!(b)) {
                    (Value::Float(x), Value::Float(y)) => set!(dst, Value::Float(x * y)),
                    (x, y) => {
                        let v = try_fault!(arith::binary(BinOp::Mul, x, y));
                        set!(dst, v)
                    }
                },
            })
        }
    }
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

#[cfg(test)]
#[path = "dispatch_tests.rs"]
mod tests;
