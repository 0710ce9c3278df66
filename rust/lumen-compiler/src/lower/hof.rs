//! Higher-order list functions lowered to loops: `map`, `filter`, `reduce`, `any`,
//! `all`, `find` and `sort_by` (keys computed by a loop, then `__sort_by_keys`).
//!
//! The function argument is called with `Call` when it names a cell, with `CallValue`
//! for other function values, and a lambda literal whose body cannot escape (no
//! `return`, `break`, `continue`, `?` or assignment) is inlined into the loop: its
//! parameters are bound to the loop's registers and no call happens at all.

use super::regs::{FnCx, Target, UNPATCHED};
use super::{fail, visit, Hof, Lowerer, NameRef, R};
use crate::ast::{Arg, Block, Expr, ExprKind, Param};
use crate::resolve::Symbol;
use crate::span::Span;
use lumen_vm::builtins::Builtin;
use lumen_vm::lir::{Instr, Reg};

/// How the loop calls the function argument.
enum Fun<'a> {
    Cell(u16),
    Value(Reg),
    Inline(&'a [Param], &'a Block),
}

impl Lowerer<'_> {
    /// Lowers `h(args)` to a loop; the result goes to `dst` or the returned register.
    pub(super) fn hof(
        &mut self,
        f: &mut FnCx,
        h: Hof,
        args: &[Arg],
        span: Span,
        dst: Option<Reg>,
    ) -> R<Reg> {
        let argc: u8 = if h == Hof::Reduce { 2 } else { 1 };
        let want = usize::from(argc) + 1;
        if args.len() != want || args.iter().any(|a| a.name.is_some()) {
            return fail(
                span,
                format!("this higher-order function takes {want} positional arguments"),
            );
        }
        let (Some(xs), Some(func)) = (args.first(), args.get(1)) else {
            return fail(span, "missing arguments");
        };
        let result = f.alloc()?;
        let list = f.alloc()?;
        let m = f.mark();
        let src = self.expr(f, &xs.value, None)?;
        f.emit(Instr::IterPrep { dst: list, src });
        f.free_to(m);
        let fun = self.fun_arg(f, &func.value, usize::from(argc))?;
        match h {
            Hof::Map | Hof::Filter | Hof::SortBy => {
                f.emit(Instr::MakeList {
                    dst: result,
                    start: result,
                    count: 0,
                });
            }
            Hof::Reduce => {
                let Some(init) = args.get(2) else {
                    return fail(span, "reduce needs an initial value");
                };
                let m = f.mark();
                self.expr(f, &init.value, Some(result))?;
                f.free_to(m);
            }
            Hof::Any | Hof::All => {
                f.emit(Instr::LoadBool {
                    dst: result,
                    value: h == Hof::All,
                });
            }
            Hof::Find => {
                f.emit(Instr::LoadNull { dst: result });
            }
        }
        let n = f.alloc()?;
        f.emit(Instr::Len { dst: n, src: list });
        let i = f.alloc()?;
        f.emit(Instr::LoadInt { dst: i, value: 0 });
        let item = if matches!(h, Hof::Filter | Hof::Find) {
            Some(f.alloc()?)
        } else {
            None
        };
        let v = f.alloc()?;
        let p = f.alloc_n(usize::from(argc))?;
        let to_test = f.jump_fwd();
        let top = f.here();
        match (h, item) {
            (Hof::Reduce, _) => {
                f.emit(Instr::Take {
                    dst: p,
                    src: result,
                });
                f.emit(Instr::IterGet {
                    dst: p + 1,
                    list,
                    idx: i,
                });
            }
            (_, Some(it)) => {
                f.emit(Instr::IterGet {
                    dst: it,
                    list,
                    idx: i,
                });
                f.emit(Instr::Move { dst: p, src: it });
            }
            _ => {
                f.emit(Instr::IterGet {
                    dst: p,
                    list,
                    idx: i,
                });
            }
        }
        self.invoke(f, &fun, v, p, argc)?;
        let mut exits = Vec::new();
        let jump_if = |f: &mut FnCx, on: bool| {
            f.emit(if on {
                Instr::JumpIfTrue {
                    cond: v,
                    target: UNPATCHED,
                }
            } else {
                Instr::JumpIfFalse {
                    cond: v,
                    target: UNPATCHED,
                }
            })
        };
        match (h, item) {
            (Hof::Map | Hof::SortBy, _) => {
                f.emit(Instr::Push {
                    list: result,
                    src: v,
                });
            }
            (Hof::Filter, Some(it)) => {
                let j = jump_if(f, false);
                f.emit(Instr::Push {
                    list: result,
                    src: it,
                });
                f.patch_here(&[j]);
            }
            (Hof::Reduce, _) => {
                f.emit(Instr::Take {
                    dst: result,
                    src: v,
                });
            }
            (Hof::Any | Hof::All, _) => {
                let any = h == Hof::Any;
                let j = jump_if(f, !any);
                f.emit(Instr::LoadBool {
                    dst: result,
                    value: any,
                });
                exits.push(f.jump_fwd());
                f.patch_here(&[j]);
            }
            (Hof::Find, Some(it)) => {
                let j = jump_if(f, false);
                f.emit(Instr::Move {
                    dst: result,
                    src: it,
                });
                exits.push(f.jump_fwd());
                f.patch_here(&[j]);
            }
            _ => return fail(span, "internal: bad higher-order lowering"),
        }
        // Releases `v` and the call window, so the loop test reuses `v`'s register.
        f.free_to(u32::from(v));
        f.count_up_and_loop(i, n, None, to_test, top)?;
        f.patch_here(&exits);
        if h == Hof::SortBy {
            let w = f.alloc_n(2)?;
            f.emit(Instr::Take { dst: w, src: list });
            f.emit(Instr::Take {
                dst: w + 1,
                src: result,
            });
            f.emit(Instr::CallBuiltin {
                dst: result,
                builtin: Builtin::SortByKeys as u16,
                args: w,
                argc: 2,
            });
        } else {
            f.emit(Instr::LoadNull { dst: list });
        }
        if let Some(it) = item {
            f.emit(Instr::LoadNull { dst: it });
        }
        f.free_to(u32::from(result) + 1);
        match dst {
            Some(d) => {
                f.emit(Instr::Take {
                    dst: d,
                    src: result,
                });
                Ok(d)
            }
            None => Ok(result),
        }
    }

    /// Decides how to call the function argument of a higher-order builtin.
    fn fun_arg<'a>(&mut self, f: &mut FnCx, e: &'a Expr, argc: usize) -> R<Fun<'a>> {
        match &e.kind {
            ExprKind::Lambda { params, body, .. }
                if params.len() == argc
                    && params.iter().all(|p| p.default.is_none())
                    && !visit::returns_early(body)
                    && !visit::has_assign(body) =>
            {
                return Ok(Fun::Inline(params, body));
            }
            ExprKind::Name(n) => {
                if let NameRef::Top(Symbol::Cell { file, item }) = self.resolve_name(f, n) {
                    let arity = match self.item(file, item) {
                        Some(crate::ast::Item::Cell(c)) => c.params.len(),
                        _ => usize::MAX,
                    };
                    if let (Some(&func), true) = (self.cells.get(&(file, item)), arity == argc) {
                        return Ok(Fun::Cell(func));
                    }
                }
            }
            _ => {}
        }
        Ok(Fun::Value(self.expr(f, e, None)?))
    }

    /// Calls (or inlines) the function with the arguments in `p..`, result in `v`.
    fn invoke(&mut self, f: &mut FnCx, fun: &Fun<'_>, v: Reg, p: Reg, argc: u8) -> R<()> {
        match fun {
            Fun::Cell(func) => {
                f.emit(Instr::Call {
                    dst: v,
                    func: *func,
                    args: p,
                    argc,
                });
            }
            Fun::Value(c) => {
                f.emit(Instr::CallValue {
                    dst: v,
                    callee: *c,
                    args: p,
                    argc,
                });
            }
            Fun::Inline(params, body) => {
                let scope = f.push_scope();
                for (k, prm) in params.iter().enumerate() {
                    f.declare(&prm.name.name, p + k as Reg);
                }
                self.block(f, body, Target::Reg(v))?;
                f.pop_scope(scope);
            }
        }
        Ok(())
    }
}
