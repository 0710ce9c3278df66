//! Lambdas: each becomes its own function (`<lambda:LINE>`) whose captured values follow
//! its parameters. Captures are found by a free-variable walk: every name the body refers
//! to that is a visible local of the enclosing function where the lambda is created (and
//! not a parameter). Capture is by value: `MakeClosure` copies the captured registers,
//! which are first moved into consecutive registers.

use super::expr::dest;
use super::regs::{FnCx, FnHead};
use super::{too_large, visit, Lowerer, R};
use crate::ast::{Block, Param};
use crate::span::Span;
use lumen_vm::lir::{Instr, Reg};

impl Lowerer<'_> {
    /// Lowers a lambda expression to a closure value.
    pub(super) fn lambda(
        &mut self,
        f: &mut FnCx,
        params: &[Param],
        body: &Block,
        span: Span,
        dst: Option<Reg>,
    ) -> R<Reg> {
        let mut names = visit::names_in_block(body);
        for p in params {
            if let Some(d) = &p.default {
                names.extend(visit::names_in_expr(d));
            }
        }
        let mut captures: Vec<(String, Reg)> = Vec::new();
        for n in names {
            if params.iter().any(|p| p.name.name == n) || captures.iter().any(|(c, _)| *c == n) {
                continue;
            }
            if let Some(r) = f.lookup(&n) {
                captures.push((n, r));
            }
        }
        let (Ok(arity), Ok(ncap)) = (u16::try_from(params.len()), u16::try_from(captures.len()))
        else {
            return too_large(span, "this lambda has too many parameters or captures");
        };
        let pos = self.pos_of(f.file, span);
        let mut g = FnCx::new(f.file, pos);
        // Nesting continues across the lambda boundary (the Rust stack does too).
        g.depth = f.depth;
        for p in params {
            let r = g.alloc()?;
            g.declare(&p.name.name, r);
        }
        for (n, _) in &captures {
            let r = g.alloc()?;
            g.declare(n, r);
        }
        self.hoist_literals(&mut g, body)?;
        self.function_body(&mut g, body)?;
        let func = g.into_function(FnHead {
            name: format!("<lambda:{}>", pos.line),
            file: u16::try_from(f.file).unwrap_or(u16::MAX),
            arity,
            params: params.iter().map(|p| p.name.name.clone()).collect(),
            param_types: params
                .iter()
                .map(|p| {
                    p.ty.as_ref()
                        .map(|t| self.text(f.file, t.span()).to_string())
                        .unwrap_or_default()
                })
                .collect(),
            captures: ncap,
            exported: false,
        });
        let idx = self.push_function(func, span)?;
        if captures.is_empty() {
            let d = dest(f, dst)?;
            f.emit(Instr::LoadFunc {
                dst: d,
                func: u32::from(idx),
            });
            return Ok(d);
        }
        let mark = f.mark();
        let start = f.alloc_n(captures.len())?;
        for (k, (_, r)) in captures.iter().enumerate() {
            f.emit(Instr::Move {
                dst: start + k as Reg,
                src: *r,
            });
        }
        let d = dst.unwrap_or(start);
        f.emit(Instr::MakeClosure {
            dst: d,
            func: idx,
            start,
        });
        f.free_to(mark);
        if dst.is_none() {
            f.alloc()?;
        }
        Ok(d)
    }
}
