//! Which registers provably hold a scalar (a forward data-flow fixpoint over one function's
//! LIR), used by `program::translate` so that a return releases only the registers that
//! may hold a heap value, instead of testing every register of the frame.
//!
//! # The frame contract
//! Every frame leaves its registers holding scalars when it returns (the returned value is
//! moved out). The analysis may therefore assume, of a callee, that its registers hold
//! scalars after the call, and each return releases the registers not proven scalar
//! there. In turn, a function assumes that at its entry every register past its
//! parameters and captures holds a scalar. Two things make that true:
//! - the registers beyond the caller's frame: a frame that returned left them scalar (and
//!   the register stack starts and grows with `null`);
//! - the caller's own registers that the callee's frame covers past the arguments: a call
//!   whose analysis proves them scalar is a plain `Call` / `CallValue`, any other becomes
//!   `CallClear` / `CallValueClear`, which releases them before the frame is pushed.
//!
//! So every heap value in a frame is still released when that frame returns (as when
//! every register was cleared), at the latest; a dead temporary of the caller inside the
//! callee's frame is released before the call rather than after it.
//!
//! A fused compare-and-branch does not write its Bool (see `program`): the analysis is
//! told which instructions' writes are skipped.

use crate::lir::{BinOp, Instr, Reg};
use crate::liveness::successors;
use crate::opcodes::Operand;
use crate::program::Op;

/// Above this many bit-words (instructions x register words) the analysis is skipped:
/// every return then clears its whole frame and every call releases its window.
const MAX_WORDS: usize = 1 << 22;

/// What the analysis needs to know of the rest of the module.
pub(crate) struct Context<'a> {
    /// Registers `0..params` are the parameters and captures (anything at entry).
    pub params: usize,
    pub num_regs: usize,
    /// Whether constant `i` is a scalar (an Int or Float).
    pub const_scalar: &'a [bool],
    /// The register count of each function (what a `Call`'s callee frame covers).
    pub func_regs: &'a [usize],
}

/// How an instruction's effect differs from what its LIR says, after translation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Effect {
    /// As the instruction says.
    Plain,
    /// Part of a fused op that does not write its register operands.
    NoWrite,
    /// A `Move` executed as a `Take`: the source is left `null`.
    Take,
    /// A construction that moves its `n` operands from `start` on in (left `null`).
    TakeRange(Reg, usize),
}

/// Proven-scalar register sets before every instruction (bit set = scalar).
pub(crate) struct Scalars {
    words: usize,
    before: Vec<u64>,
}

fn set(cur: &mut [u64], from: usize, to: usize, scalar: bool) {
    for r in from..to {
        if let Some(w) = cur.get_mut(r / 64) {
            if scalar {
                *w |= 1u64 << (r % 64);
            } else {
                *w &= !(1u64 << (r % 64));
            }
        }
    }
}

fn get(cur: &[u64], r: usize) -> bool {
    cur.get(r / 64).is_some_and(|w| w & (1u64 << (r % 64)) != 0)
}

/// Whether a `Binary` with this operator always produces a scalar (only `+` of two
/// strings and `++` make a heap value).
fn scalar_binary(op: BinOp) -> bool {
    !matches!(op, BinOp::Add | BinOp::Concat)
}

/// Turns the state before `ins` into the state after it.
fn transfer(ins: &Instr, effect: Effect, cx: &Context, cur: &mut [u64]) {
    let n = cx.num_regs;
    if effect == Effect::NoWrite {
        return;
    }
    match *ins {
        Instr::Move { dst, src } => {
            let s = get(cur, src as usize);
            set(cur, dst as usize, dst as usize + 1, s);
            if effect == Effect::Take && dst != src {
                set(cur, src as usize, src as usize + 1, true);
            }
        }
        Instr::Take { dst, src } => {
            if dst != src {
                let s = get(cur, src as usize);
                set(cur, dst as usize, dst as usize + 1, s);
                set(cur, src as usize, src as usize + 1, true);
            }
        }
        Instr::LoadNull { dst }
        | Instr::LoadBool { dst, .. }
        | Instr::LoadInt { dst, .. }
        | Instr::AddImm { dst, .. }
        | Instr::Neg { dst, .. }
        | Instr::Not { dst, .. }
        | Instr::Len { dst, .. }
        | Instr::IsType { dst, .. }
        | Instr::IsUserType { dst, .. }
        | Instr::IsVariant { dst, .. }
        | Instr::IsOk { dst, .. } => set(cur, dst as usize, dst as usize + 1, true),
        Instr::LoadConst { dst, idx } => {
            let s = cx.const_scalar.get(idx as usize).copied().unwrap_or(false);
            set(cur, dst as usize, dst as usize + 1, s);
        }
        Instr::Binary { op, dst, .. } => {
            set(cur, dst as usize, dst as usize + 1, scalar_binary(op));
        }
        Instr::Call {
            dst, func, args, ..
        } => {
            // The callee's frame comes back scalar; registers past it are untouched.
            let covers = cx.func_regs.get(func as usize).copied().unwrap_or(0);
            let end = (args as usize).saturating_add(covers).min(n);
            set(cur, args as usize, end, true);
            set(cur, dst as usize, dst as usize + 1, false);
        }
        Instr::CallValue {
            dst, args, argc, ..
        } => {
            // The callee is not known: at least its parameters' registers come back scalar.
            set(cur, args as usize, args as usize + argc as usize, true);
            set(cur, dst as usize, dst as usize + 1, false);
        }
        Instr::CallBuiltin {
            dst,
            builtin,
            args,
            argc,
        } => {
            // A builtin call leaves its arguments `null`; `sqrt` and `abs` return numbers.
            set(cur, args as usize, args as usize + argc as usize, true);
            let number = matches!(
                crate::builtins::Builtin::from_id(builtin),
                Some(crate::builtins::Builtin::Sqrt | crate::builtins::Builtin::Abs)
            );
            set(cur, dst as usize, dst as usize + 1, number);
        }
        _ => {
            if let Effect::TakeRange(start, count) = effect {
                set(cur, start as usize, start as usize + count, true);
            }
            for op in ins.operands() {
                if let Operand::Write(r) = op {
                    set(cur, r as usize, r as usize + 1, false);
                }
            }
        }
    }
}

impl Scalars {
    /// Computes the sets, or `None` when the function is too large to analyse. `effect(i)`
    /// says how instruction `i` runs after translation.
    pub(crate) fn compute(
        code: &[Instr],
        cx: &Context,
        effect: &dyn Fn(usize) -> Effect,
    ) -> Option<Scalars> {
        let words = cx.num_regs.div_ceil(64).max(1);
        let len = code.len().checked_mul(words)?;
        if len > MAX_WORDS || code.is_empty() {
            return None;
        }
        // Unvisited instructions start at "everything scalar" (the top of the lattice);
        // a join is the intersection.
        let mut before = vec![u64::MAX; len];
        let mut entry = vec![u64::MAX; words];
        set(&mut entry, 0, cx.params.min(cx.num_regs), false);
        if let Some(b) = before.get_mut(0..words) {
            b.copy_from_slice(&entry);
        }
        let mut cur = vec![0u64; words];
        let mut changed = true;
        while changed {
            changed = false;
            for (i, ins) in code.iter().enumerate() {
                let Some(b) = before.get(i * words..(i + 1) * words) else {
                    continue;
                };
                cur.copy_from_slice(b);
                transfer(ins, effect(i), cx, &mut cur);
                for s in successors(code, i) {
                    if let Some(next) = before.get_mut(s * words..(s + 1) * words) {
                        for (n, c) in next.iter_mut().zip(&cur) {
                            let m = *n & c;
                            if m != *n {
                                *n = m;
                                changed = true;
                            }
                        }
                    }
                }
            }
        }
        Some(Scalars { words, before })
    }

    /// Whether register `r` holds a scalar whenever instruction `i` starts.
    pub(crate) fn scalar_before(&self, i: usize, r: usize) -> bool {
        self.before
            .get(i * self.words..(i + 1) * self.words)
            .is_some_and(|b| get(b, r))
    }
}

/// How instruction `i` runs, from its translated op (`ops[i]`) and the one before it.
fn effect_of(ops: &[Op], i: usize) -> Effect {
    let prev_is_imm_fusion = i.checked_sub(1).and_then(|p| ops.get(p)).is_some_and(|op| {
        matches!(
            op,
            Op::LtImmJf { .. }
                | Op::LeImmJf { .. }
                | Op::GtImmJf { .. }
                | Op::GeImmJf { .. }
                | Op::EqImmJf { .. }
                | Op::NeImmJf { .. }
        )
    });
    if prev_is_imm_fusion {
        // The comparison of `LoadInt` + comparison + `JumpIfFalse` (skipped).
        return Effect::NoWrite;
    }
    match ops.get(i) {
        Some(
            Op::LtJf { .. }
            | Op::LeJf { .. }
            | Op::GtJf { .. }
            | Op::GeJf { .. }
            | Op::EqJf { .. }
            | Op::NeJf { .. }
            | Op::LtJt { .. }
            | Op::LeJt { .. }
            | Op::GtJt { .. }
            | Op::GeJt { .. }
            | Op::EqJt { .. }
            | Op::NeJt { .. }
            | Op::LtImmJf { .. }
            | Op::LeImmJf { .. }
            | Op::GtImmJf { .. }
            | Op::GeImmJf { .. }
            | Op::EqImmJf { .. }
            | Op::NeImmJf { .. }
            | Op::IsVariantJf { .. },
        ) => Effect::NoWrite,
        Some(Op::Take { .. }) => Effect::Take,
        Some(
            Op::MakeList {
                start,
                count,
                take: true,
                ..
            }
            | Op::MakeTuple {
                start,
                count,
                take: true,
                ..
            },
        ) => Effect::TakeRange(*start, *count as usize),
        _ => Effect::Plain,
    }
}

/// Rewrites the returns and calls of one translated function (`ops`, translated from
/// `code`) by the analysis, and returns the release lists the new returns index: a
/// `Return` becomes a `ReturnRelease` of the registers not proven scalar there (its own
/// source left out: it is moved out), a call whose callee's frame covers registers past
/// the arguments not proven scalar becomes `CallClear` / `CallValueClear`. Without the
/// analysis (too large), every call becomes the releasing kind and returns stay as they
/// are (clearing the whole frame).
pub(crate) fn release_exits(code: &[Instr], ops: &mut [Op], cx: &Context) -> Vec<Reg> {
    let scalars = Scalars::compute(code, cx, &|i| effect_of(ops, i));
    let scalar = |i: usize, r: usize| scalars.as_ref().is_some_and(|s| s.scalar_before(i, r));
    let mut release: Vec<Reg> = Vec::new();
    let n = cx.num_regs;
    for (i, ins) in code.iter().enumerate() {
        // The registers to release at a return at `i`, as an index range of `release`.
        let mut list = |keep: Option<Reg>| -> Option<(u16, u16)> {
            scalars.as_ref()?;
            let at = release.len();
            release.extend(
                (0..n)
                    .filter(|&r| Some(r as Reg) != keep && !scalar(i, r))
                    .map(|r| r as Reg),
            );
            let pair = (
                u16::try_from(at).ok(),
                u16::try_from(release.len() - at).ok(),
            );
            match pair {
                (Some(at), Some(len)) if release.len() <= u16::MAX as usize => Some((at, len)),
                _ => {
                    release.truncate(at);
                    None
                }
            }
        };
        // The same set as a mask, when every register in it is below 32.
        let mask = |keep: Option<Reg>| -> Option<u32> {
            let s = scalars.as_ref()?;
            let mut m = 0u32;
            for r in (0..n).filter(|&r| Some(r as Reg) != keep && !s.scalar_before(i, r)) {
                if r >= 32 {
                    return None;
                }
                m |= 1 << r;
            }
            Some(m)
        };
        let Some(op) = ops.get_mut(i) else { break };
        match (*ins, *op) {
            (Instr::Return { .. }, Op::Return { src }) => {
                if let Some(mask) = mask(Some(src)) {
                    *op = Op::ReturnMask { src, mask };
                } else if let Some((at, n)) = list(Some(src)) {
                    *op = Op::ReturnRelease { src, at, n };
                }
            }
            (Instr::ReturnNull, Op::ReturnNull) => {
                if let Some(mask) = mask(None) {
                    *op = Op::ReturnNullMask { mask };
                } else if let Some((at, n)) = list(None) {
                    *op = Op::ReturnNullRelease { at, n };
                }
            }
            (
                Instr::Call { .. },
                Op::Call {
                    dst,
                    func,
                    args,
                    argc,
                },
            ) => {
                let covers = cx.func_regs.get(func as usize).copied().unwrap_or(n);
                let end = (args as usize).saturating_add(covers).min(n);
                if !(args as usize + argc as usize..end).all(|r| scalar(i, r)) {
                    *op = Op::CallClear {
                        dst,
                        func,
                        args,
                        argc,
                    };
                }
            }
            (
                Instr::CallValue { .. },
                Op::CallValue {
                    dst,
                    callee,
                    args,
                    argc,
                },
            ) if !(args as usize + argc as usize..n).all(|r| scalar(i, r)) => {
                *op = Op::CallValueClear {
                    dst,
                    callee,
                    args,
                    argc,
                };
            }
            _ => {}
        }
    }
    release
}

#[cfg(test)]
#[path = "scalars_tests.rs"]
mod tests;
