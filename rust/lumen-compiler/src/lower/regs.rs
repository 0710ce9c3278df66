//! Per-function lowering state: the instruction buffer and its line table, the stack
//! register allocator, the lexical scopes of locals, loop labels, and the cache of literal
//! registers hoisted out of loops.
//!
//! Registers are handed out like a stack: parameters first, then captures, then cached
//! literals, then locals and temporaries. `free_to(mark)` releases everything above a mark
//! (temporaries at the end of a statement, locals at the end of a scope). Call arguments
//! are allocated at the top of the stack so the callee's register window never overlaps a
//! live register of the caller.

use super::R;
use crate::diagnostic::{codes, Diagnostic};
use crate::resolve::FileId;
use crate::span::Span;
use lumen_vm::lir::{BinOp, Function, Instr, Pos, Reg};
use std::collections::HashMap;

/// The largest number of registers a frame may use (register operands are `u16`).
pub(super) const MAX_REGS: u32 = u16::MAX as u32;

/// Placeholder jump target, patched once the label is known.
pub(super) const UNPATCHED: u32 = u32::MAX;

/// A literal value that can be kept in a register for the whole function.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum LitKey {
    Int(i64),
    /// The bit pattern of the float.
    Float(u64),
    Str(String),
    Bool(bool),
    Null,
}

/// Jumps waiting for the labels of the innermost loop.
#[derive(Debug, Default)]
pub(super) struct LoopCx {
    pub breaks: Vec<usize>,
    pub continues: Vec<usize>,
}

/// Lowering state of one function.
#[derive(Debug)]
pub(super) struct FnCx {
    /// File used for name resolution and positions.
    pub file: FileId,
    pub code: Vec<Instr>,
    pub positions: Vec<Pos>,
    /// Position given to the next emitted instruction.
    pub pos: Pos,
    /// While set, `pos` is not changed by nested expressions (defaults and constraints
    /// are reported at the position of the call that evaluates them).
    pub pos_locked: bool,
    top: u32,
    max: u32,
    /// The names declared in each open scope.
    scopes: Vec<Vec<String>>,
    /// The register of every declared local of each name with its scope index, innermost
    /// last: lookups cost O(1) however many locals a cell has.
    by_name: HashMap<String, Vec<(usize, Reg)>>,
    /// Scopes below this index are invisible (defaults and constraints see no locals).
    barrier: usize,
    pub loops: Vec<LoopCx>,
    /// Registers holding literals for the whole function.
    pub lits: HashMap<LitKey, Reg>,
    /// Current expression nesting (bounded, so lowering never overflows the stack).
    pub depth: usize,
}

impl FnCx {
    /// A fresh function context resolving names in `file`.
    pub fn new(file: FileId, pos: Pos) -> FnCx {
        FnCx {
            file,
            code: Vec::new(),
            positions: Vec::new(),
            pos,
            pos_locked: false,
            top: 0,
            max: 0,
            scopes: vec![Vec::new()],
            by_name: HashMap::new(),
            barrier: 0,
            loops: Vec::new(),
            lits: HashMap::new(),
            depth: 0,
        }
    }

    /// Allocates the next register.
    pub fn alloc(&mut self) -> R<Reg> {
        if self.top >= MAX_REGS {
            return Err(Box::new(Diagnostic::error(
                codes::TOO_LARGE,
                "this function needs more than 65535 registers; split it into smaller cells",
                Span::default(),
            )));
        }
        let r = self.top as Reg;
        self.top += 1;
        self.max = self.max.max(self.top);
        Ok(r)
    }

    /// Allocates `n` consecutive registers and returns the first. With `n == 0` it
    /// returns the current top without allocating.
    pub fn alloc_n(&mut self, n: usize) -> R<Reg> {
        let start = self.top;
        if start >= MAX_REGS || start as usize + n > MAX_REGS as usize {
            return Err(Box::new(Diagnostic::error(
                codes::TOO_LARGE,
                "this function needs more than 65535 registers; split it into smaller cells",
                Span::default(),
            )));
        }
        for _ in 0..n {
            self.alloc()?;
        }
        Ok(start as Reg)
    }

    /// The current stack top (a mark for `free_to`).
    pub fn mark(&self) -> u32 {
        self.top
    }

    /// Releases every register at or above `mark`.
    pub fn free_to(&mut self, mark: u32) {
        if mark < self.top {
            self.top = mark;
        }
    }

    /// Whether `reg` is a temporary allocated at or after `mark`.
    pub fn is_temp(&self, reg: Reg, mark: u32) -> bool {
        u32::from(reg) >= mark
    }

    /// Opens a lexical scope; returns the mark to pass to `pop_scope`.
    pub fn push_scope(&mut self) -> u32 {
        self.scopes.push(Vec::new());
        self.top
    }

    /// Closes the innermost scope and frees its registers.
    pub fn pop_scope(&mut self, mark: u32) {
        self.drop_scope();
        if self.scopes.is_empty() {
            self.scopes.push(Vec::new());
        }
        self.free_to(mark);
    }

    /// Hides every visible local (until `unhide`); returns the previous barrier.
    pub fn hide_locals(&mut self) -> usize {
        let old = self.barrier;
        self.scopes.push(Vec::new());
        self.barrier = self.scopes.len() - 1;
        old
    }

    /// Undoes `hide_locals`.
    pub fn unhide(&mut self, old: usize) {
        self.drop_scope();
        if self.scopes.is_empty() {
            self.scopes.push(Vec::new());
        }
        self.barrier = old.min(self.scopes.len() - 1);
    }

    /// Removes the innermost scope and its names from the index.
    fn drop_scope(&mut self) {
        for name in self.scopes.pop().unwrap_or_default() {
            if let Some(regs) = self.by_name.get_mut(&name) {
                regs.pop();
                if regs.is_empty() {
                    self.by_name.remove(&name);
                }
            }
        }
    }

    /// Binds `name` to `reg` in the innermost scope.
    pub fn declare(&mut self, name: &str, reg: Reg) {
        let si = self.scopes.len().saturating_sub(1);
        if let Some(scope) = self.scopes.last_mut() {
            self.by_name
                .entry(name.to_string())
                .or_default()
                .push((si, reg));
            scope.push(name.to_string());
        }
    }

    /// The register of the visible local `name`, innermost first.
    pub fn lookup(&self, name: &str) -> Option<Reg> {
        // Bindings of a name are in scope order, so only the innermost can be visible.
        let &(scope, reg) = self.by_name.get(name)?.last()?;
        (scope >= self.barrier).then_some(reg)
    }

    /// Appends an instruction at the current position; returns its index.
    pub fn emit(&mut self, instr: Instr) -> usize {
        self.code.push(instr);
        self.positions.push(self.pos);
        self.code.len() - 1
    }

    /// Index of the next instruction (a label).
    pub fn here(&self) -> u32 {
        self.code.len() as u32
    }

    /// Emits `Jump` to a label that is patched later.
    pub fn jump_fwd(&mut self) -> usize {
        self.emit(Instr::Jump { target: UNPATCHED })
    }

    /// Sets the target of the jump at `at`.
    pub fn patch(&mut self, at: usize, target: u32) {
        if let Some(
            Instr::Jump { target: t }
            | Instr::JumpIfFalse { target: t, .. }
            | Instr::JumpIfTrue { target: t, .. }
            | Instr::JumpIfNull { target: t, .. }
            | Instr::JumpIfNotNull { target: t, .. },
        ) = self.code.get_mut(at)
        {
            *t = target;
        }
    }

    /// Points every jump in `list` at the next instruction.
    pub fn patch_here(&mut self, list: &[usize]) {
        let here = self.here();
        for &at in list {
            self.patch(at, here);
        }
    }

    /// Emits the increment of a loop counting up to an inclusive bound (`counter += 1`),
    /// placed before the loop's top and returning its label: the back edge of
    /// [`FnCx::count_up_and_loop`] jumps here only while `counter < bound`, so the counter
    /// never steps past `bound` (a range ending at `Int` max ends cleanly).
    pub fn loop_increment(&mut self, counter: Reg) -> u32 {
        let step = self.here();
        self.emit(Instr::AddImm {
            dst: counter,
            a: counter,
            imm: 1,
        });
        step
    }

    /// Closes a loop that counts `counter` up to `bound`, patching `to_test` (the forward
    /// jump over the body) to the entry test.
    /// - Exclusive bound (`step` is `None`): emits `counter += 1`, then the test, which
    ///   jumps back to `top` while `counter < bound` (the counter stays `<= bound`).
    /// - Inclusive bound (`step` is the label of [`FnCx::loop_increment`], just before
    ///   `top`): jumps back to `step` while `counter < bound`, else leaves; the entry test
    ///   enters at `top` when `counter <= bound`. The counter is never incremented past
    ///   `bound`. Both loops run one fused compare-and-branch and one increment per turn.
    pub fn count_up_and_loop(
        &mut self,
        counter: Reg,
        bound: Reg,
        step: Option<u32>,
        to_test: usize,
        top: u32,
    ) -> R<()> {
        let c = self.alloc()?;
        let mut exit = None;
        match step {
            None => {
                self.emit(Instr::AddImm {
                    dst: counter,
                    a: counter,
                    imm: 1,
                });
            }
            Some(step) => {
                // Int counter: `not (i >= n)` is exactly `i < n`, and a compare followed by
                // `JumpIfFalse` is one fused op in the VM.
                self.emit(Instr::Binary {
                    op: BinOp::Ge,
                    dst: c,
                    a: counter,
                    b: bound,
                });
                self.emit(Instr::JumpIfFalse {
                    cond: c,
                    target: step,
                });
                exit = Some(self.jump_fwd());
            }
        }
        self.patch_here(&[to_test]);
        self.emit(Instr::Binary {
            op: if step.is_some() { BinOp::Gt } else { BinOp::Ge },
            dst: c,
            a: counter,
            b: bound,
        });
        self.emit(Instr::JumpIfFalse {
            cond: c,
            target: top,
        });
        if let Some(exit) = exit {
            self.patch_here(&[exit]);
        }
        Ok(())
    }

    /// Whether any jump targets `label`.
    fn jumps_to(&self, label: u32) -> bool {
        self.code.iter().any(|i| {
            matches!(i,
                Instr::Jump { target }
                | Instr::JumpIfFalse { target, .. }
                | Instr::JumpIfTrue { target, .. }
                | Instr::JumpIfNull { target, .. }
                | Instr::JumpIfNotNull { target, .. } if *target == label)
        })
    }

    /// Makes sure execution never falls off the end: appends `ReturnNull` unless the last
    /// instruction already ends the function and nothing jumps past it.
    pub fn terminate(&mut self) {
        let ends = matches!(
            self.code.last(),
            Some(
                Instr::Return { .. } | Instr::ReturnNull | Instr::Jump { .. } | Instr::Fail { .. }
            )
        );
        if !ends || self.jumps_to(self.here()) {
            self.emit(Instr::ReturnNull);
        }
    }

    /// Number of registers the frame needs.
    pub fn num_regs(&self) -> u16 {
        self.max.min(MAX_REGS) as u16
    }

    /// Builds the finished function.
    pub fn into_function(mut self, head: FnHead) -> Function {
        self.terminate();
        let num_regs = self
            .num_regs()
            .max(head.arity.saturating_add(head.captures));
        Function {
            name: head.name,
            file: head.file,
            arity: head.arity,
            params: head.params,
            param_types: head.param_types,
            captures: head.captures,
            num_regs,
            exported: head.exported,
            code: self.code,
            positions: self.positions,
        }
    }
}

/// Where the value of a block (or `if`/`match`/`when`) goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    /// The value is not used.
    Discard,
    /// The value goes to this register.
    Reg(Reg),
    /// The construct is in tail position: each branch returns its value.
    Return,
}

/// The non-code parts of a [`Function`].
#[derive(Debug, Clone)]
pub(super) struct FnHead {
    pub name: String,
    pub file: u16,
    pub arity: u16,
    pub params: Vec<String>,
    pub param_types: Vec<String>,
    pub captures: u16,
    pub exported: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_allocation_and_marks() {
        let mut f = FnCx::new(0, Pos::new(1, 1));
        let a = f.alloc().unwrap_or(99);
        let b = f.alloc().unwrap_or(99);
        assert_eq!((a, b), (0, 1));
        let m = f.mark();
        let w = f.alloc_n(3).unwrap_or(99);
        assert_eq!(w, 2);
        f.free_to(m);
        assert_eq!(f.alloc().unwrap_or(99), 2);
        assert_eq!(f.num_regs(), 5);
        assert!(f.is_temp(3, m));
        assert!(!f.is_temp(1, m));
    }

    #[test]
    fn scopes_shadow_and_hide() {
        let mut f = FnCx::new(0, Pos::new(1, 1));
        let r0 = f.alloc().unwrap_or(99);
        f.declare("x", r0);
        let m = f.push_scope();
        let r1 = f.alloc().unwrap_or(99);
        f.declare("x", r1);
        assert_eq!(f.lookup("x"), Some(r1));
        let old = f.hide_locals();
        assert_eq!(f.lookup("x"), None);
        f.unhide(old);
        assert_eq!(f.lookup("x"), Some(r1));
        f.pop_scope(m);
        assert_eq!(f.lookup("x"), Some(r0));
        assert_eq!(f.mark(), 1);
    }

    #[test]
    fn register_limit_is_a_diagnostic() {
        let mut f = FnCx::new(0, Pos::new(1, 1));
        assert!(f.alloc_n(MAX_REGS as usize).is_ok());
        let e = f.alloc().err().map(|d| d.code);
        assert_eq!(e, Some(codes::TOO_LARGE));
    }

    #[test]
    fn terminate_adds_return_when_needed() {
        let mut f = FnCx::new(0, Pos::new(1, 1));
        let j = f.jump_fwd();
        f.emit(Instr::ReturnNull);
        f.patch_here(&[j]);
        f.terminate();
        assert_eq!(f.code.len(), 3);
        assert_eq!(f.code[0], Instr::Jump { target: 2 });
        let mut g = FnCx::new(0, Pos::new(1, 1));
        g.emit(Instr::Return { src: 0 });
        g.terminate();
        assert_eq!(g.code.len(), 1);
    }
}
