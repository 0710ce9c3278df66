//! Register liveness over one function's LIR (a backward data-flow fixpoint), used by
//! `program::translate` to decide whether a fused compare-and-branch may skip writing its
//! Bool result, whether a `Move` may become a `Take` and a construction may move its
//! operands in.
//!
//! What an instruction reads and writes, and where control goes next, come from its
//! operand kinds in the instruction table (`opcodes`): `dst` is written, `reg` and the
//! counted ranges (`range`, `pairs`) are read exactly. The analysis stays conservative
//! where the table leaves the count to the module or the callee: a call's argument window
//! (the callee's frame starts there and runs past it) and the `fields`, `payload` and
//! `captures` ranges count as reading every register from their start to the end of the
//! frame. Registers written only as a side effect (the source of a `Take`, a callee's
//! window, a builtin's cleared arguments) are not counted as writes.

use crate::lir::{Instr, Reg};
use crate::opcodes::{Count, Operand};

/// Above this many bit-words (instructions x register words) the analysis is skipped and
/// nothing is fused that needs it.
const MAX_WORDS: usize = 1 << 22;

/// Live-out register sets of every instruction.
pub(crate) struct Liveness {
    words: usize,
    out: Vec<u64>,
}

/// The instructions control may reach after instruction `i`: the next one unless it ends
/// the flow, and its jump targets.
pub(crate) fn successors(code: &[Instr], i: usize) -> impl Iterator<Item = usize> + '_ {
    let ins = code.get(i);
    let next = ins
        .filter(|ins| ins.falls_through() && i + 1 < code.len())
        .map(|_| i + 1);
    let targets = ins.into_iter().flat_map(Instr::targets).map(|t| t as usize);
    next.into_iter().chain(targets)
}

/// Sets (or clears) the bits of registers `from..to` in one instruction's set.
fn mark(set: &mut [u64], from: usize, to: usize, live: bool) {
    for r in from..to {
        if let Some(w) = set.get_mut(r / 64) {
            if live {
                *w |= 1u64 << (r % 64);
            } else {
                *w &= !(1u64 << (r % 64));
            }
        }
    }
}

/// Turns the live-out set `cur` of `ins` into its live-in set: kills what it writes, then
/// adds what it reads. Calls write `dst` only after reading their arguments, which may
/// include it; adding the reads after the kill keeps this exact.
fn transfer(ins: &Instr, num_regs: usize, cur: &mut [u64]) {
    for op in ins.operands() {
        if let Operand::Write(r) = op {
            mark(cur, r as usize, r as usize + 1, false);
        }
    }
    for op in ins.operands() {
        match op {
            Operand::Read(r) => mark(cur, r as usize, r as usize + 1, true),
            Operand::ReadRange {
                start,
                count: Count::Exactly(n),
            } => {
                let end = (start as usize).saturating_add(n as usize).min(num_regs);
                mark(cur, start as usize, end, true);
            }
            Operand::ReadRange { start, .. } => mark(cur, start as usize, num_regs, true),
            Operand::Write(_) | Operand::Target(_) | Operand::Index(..) | Operand::Imm => {}
        }
    }
}

impl Liveness {
    /// Computes live-out sets, or `None` when the function is too large to analyse.
    pub(crate) fn compute(code: &[Instr], num_regs: usize) -> Option<Liveness> {
        let words = num_regs.div_ceil(64).max(1);
        if code.len().checked_mul(words)? > MAX_WORDS {
            return None;
        }
        let n = code.len();
        let mut live_in = vec![0u64; n * words];
        let mut out = vec![0u64; n * words];
        let mut cur = vec![0u64; words];
        let mut changed = true;
        while changed {
            changed = false;
            for i in (0..n).rev() {
                cur.iter_mut().for_each(|w| *w = 0);
                for s in successors(code, i) {
                    if let Some(src) = live_in.get(s * words..(s + 1) * words) {
                        cur.iter_mut().zip(src).for_each(|(c, x)| *c |= x);
                    }
                }
                if let Some(o) = out.get_mut(i * words..(i + 1) * words) {
                    o.copy_from_slice(&cur);
                }
                let Some(ins) = code.get(i) else { continue };
                transfer(ins, num_regs, &mut cur);
                if let Some(li) = live_in.get_mut(i * words..(i + 1) * words) {
                    if li != cur.as_slice() {
                        li.copy_from_slice(&cur);
                        changed = true;
                    }
                }
            }
        }
        Some(Liveness { words, out })
    }

    /// Whether register `r` may be read after instruction `i` (true when unknown).
    pub(crate) fn live_out(&self, i: usize, r: Reg) -> bool {
        self.out
            .get(i * self.words + r as usize / 64)
            .is_none_or(|w| w & (1u64 << (r % 64)) != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The live-in set of `ins` when every one of `regs` registers is live after it.
    fn live_in_all_live(ins: Instr, regs: usize) -> Vec<usize> {
        let mut cur = vec![u64::MAX; regs.div_ceil(64)];
        let bits = 64 * cur.len();
        mark(&mut cur, regs, bits, false);
        transfer(&ins, regs, &mut cur);
        (0..regs)
            .filter(|&r| cur[r / 64] & (1 << (r % 64)) != 0)
            .collect()
    }

    /// The live-in set of `ins` when nothing is live after it: exactly what it reads.
    fn reads(ins: Instr, regs: usize) -> Vec<usize> {
        let mut cur = vec![0u64; regs.div_ceil(64)];
        transfer(&ins, regs, &mut cur);
        (0..regs)
            .filter(|&r| cur[r / 64] & (1 << (r % 64)) != 0)
            .collect()
    }

    #[test]
    fn counted_ranges_are_read_exactly_and_windows_to_the_frame_end() {
        let list = Instr::MakeList {
            dst: 0,
            start: 2,
            count: 2,
        };
        assert_eq!(reads(list, 8), vec![2, 3]);
        let map = Instr::MakeMap {
            dst: 0,
            start: 2,
            count: 2,
        };
        assert_eq!(reads(map, 8), vec![2, 3, 4, 5]);
        let call = Instr::Call {
            dst: 0,
            func: 0,
            args: 5,
            argc: 1,
        };
        assert_eq!(reads(call, 8), vec![5, 6, 7]);
        let closure = Instr::MakeClosure {
            dst: 0,
            func: 0,
            start: 6,
        };
        assert_eq!(reads(closure, 8), vec![6, 7]);
        let call_value = Instr::CallValue {
            dst: 0,
            callee: 1,
            args: 6,
            argc: 0,
        };
        assert_eq!(reads(call_value, 8), vec![1, 6, 7]);
    }

    #[test]
    fn a_write_kills_unless_the_instruction_also_reads_it() {
        let add = |dst, a| Instr::AddImm { dst, a, imm: 1 };
        assert_eq!(live_in_all_live(add(1, 0), 3), vec![0, 2]);
        assert_eq!(live_in_all_live(add(1, 1), 3), vec![0, 1, 2]);
        let call = Instr::Call {
            dst: 2,
            func: 0,
            args: 2,
            argc: 1,
        };
        assert_eq!(live_in_all_live(call, 3), vec![0, 1, 2]);
        let push = Instr::Push { list: 1, src: 2 };
        assert_eq!(live_in_all_live(push, 3), vec![0, 1, 2]);
    }

    #[test]
    fn successors_follow_jumps_and_stop_at_the_end_of_the_flow() {
        let code = [
            Instr::JumpIfFalse { cond: 0, target: 3 },
            Instr::Jump { target: 0 },
            Instr::Return { src: 0 },
            Instr::LoadNull { dst: 0 },
        ];
        let succ = |i| successors(&code, i).collect::<Vec<_>>();
        assert_eq!(succ(0), vec![1, 3]);
        assert_eq!(succ(1), vec![0]);
        assert!(succ(2).is_empty());
        // The last instruction has no next one.
        assert!(succ(3).is_empty());
    }
}
