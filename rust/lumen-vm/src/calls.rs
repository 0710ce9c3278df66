//! Calls and frames: the explicit frame stack (no Rust recursion per Lumen call), its
//! limits, and the out-of-line halves of builtin and tool calls.
//!
//! The interpreter loop pushes and pops frames itself (the hot path, `push_frame!` and the
//! `Return` arms in `dispatch`); what is here runs once per run or on a rare path.

use crate::arith::Fault;
use crate::builtins::{Builtin, Cost};
use crate::faults::{depth_fault, register_fault};
use crate::limits::MAX_REGISTERS;
use crate::machine::{ToolRequest, Vm};
use crate::tool_args::ToolArgs;
use crate::value::Value;

/// One activation: which function, where it resumes, and where its registers start.
///
/// The interpreter keeps the *current* frame's `pc` in a local and writes it back here
/// only when it calls, suspends or fails; `pc` of a frame below the top is the
/// instruction after its pending call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Frame {
    /// Index into `Module::functions`.
    pub func: u32,
    /// Next instruction to execute when this frame is resumed.
    pub pc: u32,
    /// Absolute index of register 0 in the VM's register stack.
    pub base: u32,
    /// Register of the *caller* (relative to the caller's base) receiving the result.
    pub ret: u16,
}

impl Vm {
    /// Pushes the bottom frame for function `fi` with `args` in its first registers.
    pub(crate) fn enter(&mut self, fi: usize, args: Vec<Value>) {
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

    /// Drops every frame, the registers' values and a pending entry cell.
    pub(crate) fn clear_stacks(&mut self) {
        self.frames.clear();
        for r in self.regs.iter_mut() {
            *r = Value::Null;
        }
        self.pending_entry = None;
    }

    /// The slow path of pushing a frame whose registers end at `need`: the depth limit
    /// (E0909), then growing the register stack, up to [`MAX_REGISTERS`] slots (E0909).
    #[cold]
    #[inline(never)]
    pub(crate) fn frame_limits(&mut self, need: usize, max_depth: usize) -> Option<Fault> {
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

    /// Releases the heap values in the absolute registers `from..to`: a caller's registers
    /// past a call's arguments that the callee's frame is about to cover (`CallClear`).
    #[inline(never)]
    pub(crate) fn release_window(&mut self, from: usize, to: usize) {
        if let Some(regs) = self.regs.get_mut(from..to) {
            for r in regs {
                if !r.is_scalar() {
                    *r = Value::Null;
                }
            }
        }
    }

    /// Calls builtin `b` on the absolute registers `start..start+argc`, then clears them
    /// (the callers re-derive their register pointer afterwards).
    #[inline(never)]
    pub(crate) fn call_builtin(
        &mut self,
        b: Builtin,
        start: usize,
        argc: usize,
    ) -> Result<Value, Fault> {
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

    /// The request of a `CallTool` of tool `tool` with the argument record `args`, at
    /// instruction `pc` of function `func`: the tool's name, alias and grants are the VM's
    /// shared ones (no copy per call).
    #[inline(never)]
    pub(crate) fn tool_request(
        &self,
        tool: u16,
        args: &Value,
        func: usize,
        pc: usize,
    ) -> Result<ToolRequest, Fault> {
        let Some(shared) = self.tools.get(tool as usize) else {
            return Err(Fault::runtime("call of a missing tool"));
        };
        Ok(ToolRequest {
            tool,
            name: shared.name.clone(),
            alias: shared.alias.clone(),
            args: ToolArgs::new(args.clone())?,
            grants: shared.grants.clone(),
            line: self.position(func, pc).line,
        })
    }
}

/// The fuel of a builtin call (out of line: only non-constant builtins get here).
#[inline(never)]
pub(crate) fn builtin_fuel(cost: Cost, args: &[Value]) -> u64 {
    cost.of(args)
}

#[cfg(test)]
#[path = "calls_tests.rs"]
mod tests;
