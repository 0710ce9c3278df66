//! The interpreter's errors: the constructors of its [`Fault`]s and [`RuntimeError`]s, and
//! how a fault gets its source position when it leaves the loop.
//!
//! Everything here is out of line and mostly `#[cold]`: keeping error paths out of the
//! interpreter loop keeps the loop small, which matters most for WebAssembly engines
//! compiling it.

use crate::arith::Fault;
use crate::error::{codes, Frame, RuntimeError};
use crate::limits::MAX_REGISTERS;
use crate::lir::{FailKind, Pos};
use crate::machine::{Outcome, State, Vm};
use crate::value::{FuncObj, Value};

impl Vm {
    /// Leaves the loop with a run-time error at the instruction before `pc`, saving `pc`
    /// and the fuel left.
    #[cold]
    #[inline(never)]
    pub(crate) fn raise(&mut self, fidx: usize, pc: usize, fuel: u64, fault: Fault) -> Outcome {
        if let Some(fr) = self.frames.last_mut() {
            fr.pc = pc as u32;
        }
        self.fuel = fuel;
        Outcome::Error(self.error_at(fidx, pc - 1, fault))
    }

    /// A run-time error at instruction `pc` of function `func`, the function of the top
    /// frame, with the Lumen call stack: that instruction, then each frame below at its
    /// pending call.
    pub(crate) fn error_at(&self, func: usize, pc: usize, fault: Fault) -> RuntimeError {
        let here = self.frame_at(func, pc);
        // The frames below the failing one, outermost first.
        let below = &self.frames[..self.frames.len().saturating_sub(1)];
        let (kept, frames_omitted) = lumen_report::kept_frames(1 + below.len());
        let frames = kept
            .map(|i| match i {
                0 => here.clone(),
                // `pc` of a frame below the top is the instruction after its call.
                i => {
                    let fr = below[below.len() - i];
                    self.frame_at(fr.func as usize, (fr.pc as usize).saturating_sub(1))
                }
            })
            .collect();
        RuntimeError {
            code: fault.code,
            message: fault.message,
            file: here.file.clone(),
            line: here.line,
            column: here.column,
            function: here.cell,
            frames,
            frames_omitted,
        }
    }

    /// The source position of instruction `pc` of function `func`, from the module's
    /// position table (0:0 when stripped). Only error and tool-call paths ask, so the
    /// executable form keeps no copy of the table.
    pub(crate) fn position(&self, func: usize, pc: usize) -> Pos {
        self.module
            .functions
            .get(func)
            .and_then(|f| f.positions.get(pc))
            .copied()
            .unwrap_or_default()
    }

    /// The stack frame of instruction `pc` of function `func`.
    fn frame_at(&self, func: usize, pc: usize) -> Frame {
        let Some(f) = self.prog.funcs.get(func) else {
            return Frame::default();
        };
        let pos = self.position(func, pc);
        Frame {
            cell: f.name.to_string(),
            file: f.file.clone(),
            line: pos.line,
            column: pos.column,
        }
    }

    /// An error the host raises where the VM stopped — at the pending tool call, or at the
    /// next instruction after [`Outcome::OutOfFuel`] (out of fuel for good, a cancelled run)
    /// — with the Lumen call stack; a plain error when no cell is running.
    pub fn error_here(&self, code: &'static str, message: impl Into<String>) -> RuntimeError {
        let fault = Fault::new(code, message);
        match (&self.state, self.frames.last()) {
            (State::AwaitingTool { func, pc, .. }, _) => self.error_at(*func, *pc, fault),
            (State::Ready, Some(fr)) => self.error_at(fr.func as usize, fr.pc as usize, fault),
            _ => RuntimeError::plain(fault.code, fault.message),
        }
    }
}

/// E0913: no such entry cell, wrong arguments, or nothing to run.
pub(crate) fn bad_entry(message: String) -> RuntimeError {
    plain_error(codes::BAD_ENTRY, message)
}

/// An error outside Lumen code (no file, line or function).
pub(crate) fn plain_error(code: &'static str, message: impl Into<String>) -> RuntimeError {
    RuntimeError::plain(code, message)
}

/// `"{prefix}{type of v}"`, the message of most type faults.
#[cold]
#[inline(never)]
pub(crate) fn type_fault(prefix: &str, v: &Value) -> Fault {
    Fault::runtime(format!("{prefix}{}", v.type_name()))
}

/// E0909: more than `max_depth` frames.
#[cold]
#[inline(never)]
pub(crate) fn depth_fault(max_depth: usize) -> Fault {
    Fault::new(
        codes::RECURSION_LIMIT,
        format!("maximum recursion depth exceeded ({max_depth} frames)"),
    )
}

/// E0909: the register stack would exceed [`MAX_REGISTERS`] slots.
#[cold]
#[inline(never)]
pub(crate) fn register_fault(need: usize, frames: usize) -> Fault {
    Fault::new(
        codes::RECURSION_LIMIT,
        format!(
            "call stack too large: {need} register slots needed at {frames} frames deep, the limit is {MAX_REGISTERS} slots ({} MiB)",
            (MAX_REGISTERS * std::mem::size_of::<Value>()) >> 20
        ),
    )
}

/// A closure called with the wrong number of arguments.
#[cold]
#[inline(never)]
pub(crate) fn arity_fault(f: &FuncObj, argc: u8) -> Fault {
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
pub(crate) fn fail_fault(kind: FailKind, msg: &Value) -> Fault {
    let code = match kind {
        FailKind::Halt => codes::HALT,
        FailKind::Constraint => codes::CONSTRAINT,
        FailKind::NoMatch => codes::RUNTIME,
        FailKind::Type => codes::JSON_SHAPE,
    };
    Fault::new(code, msg.to_display())
}

/// E0911: a value lacks a field or element, or is not the shape an access needs.
pub(crate) fn shape(msg: String) -> Fault {
    Fault::new(codes::JSON_SHAPE, msg)
}

/// E0903: index `i` outside a `what` of length `len`.
pub(crate) fn index_error(i: i64, len: usize, what: &str) -> Fault {
    Fault::new(
        codes::INDEX_OUT_OF_RANGE,
        format!("index {i} out of range for {what} of length {len}"),
    )
}
