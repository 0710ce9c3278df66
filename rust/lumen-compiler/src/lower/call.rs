//! Calls: cells (direct `Call`, named arguments reordered and defaults filled), function
//! values (`CallValue`), builtins (`CallBuiltin`, `len` as `Len`), `ok`/`err`, `halt`,
//! record construction (with `where` constraints checked inline, at the line of the
//! call), variant construction and tool calls (a map of the named arguments).
//!
//! Arguments are evaluated, in source order, straight into a window of consecutive
//! registers at the top of the stack (the register-window calling convention of
//! `lir.rs`); the result lands in the first window register unless a destination is
//! given.

use super::expr::dest;
use super::regs::FnCx;
use super::{fail, too_large, visit, Lowerer, NameRef, R};
use crate::ast::{self, Arg, Expr, ExprKind};
use crate::resolve::{FileId, Symbol};
use crate::span::Span;
use lumen_vm::builtins::Builtin;
use lumen_vm::lir::{FailKind, Instr, Reg};
use std::collections::HashMap;

/// The window size as the `argc` operand.
fn argc(n: usize, span: Span) -> R<u8> {
    match u8::try_from(n) {
        Ok(n) => Ok(n),
        Err(_) => too_large(span, "a call may pass at most 255 arguments"),
    }
}

impl Lowerer<'_> {
    /// Lowers `callee(args)`. `take` names the variable being assigned the result
    /// (`xs = f(xs)`): its value is moved into the argument window instead of copied, so
    /// the callee holds the only reference and can update it in place.
    pub(super) fn call(
        &mut self,
        f: &mut FnCx,
        callee: &Expr,
        args: &[Arg],
        span: Span,
        dst: Option<Reg>,
        take: Option<&str>,
    ) -> R<Reg> {
        if let ExprKind::Name(n) = &callee.kind {
            match self.resolve_name(f, n) {
                NameRef::Local(r) => return self.call_value(f, r, args, span, dst),
                NameRef::Top(Symbol::Cell { file, item }) => {
                    return self.call_cell(f, file, item, args, span, dst, take)
                }
                NameRef::Top(Symbol::Record { file, item }) => {
                    return self.construct_record(f, file, item, args, span, dst)
                }
                NameRef::Top(Symbol::Variant {
                    file,
                    item,
                    variant,
                }) => return self.construct_variant(f, file, item, variant, args, span, dst),
                NameRef::Top(Symbol::Tool { file, item }) => {
                    return self.call_tool(f, file, item, args, span, dst)
                }
                NameRef::Top(Symbol::Const { .. }) => {}
                NameRef::Top(Symbol::Enum { .. }) => {
                    return fail(
                        callee.span,
                        format!("enum `{n}` cannot be called; call one of its variants"),
                    )
                }
                NameRef::Ok | NameRef::Err => {
                    let [arg] = args else {
                        return fail(span, format!("`{n}` takes one argument"));
                    };
                    let mark = f.mark();
                    let src = self.expr(f, &arg.value, None)?;
                    f.free_to(mark);
                    let d = dest(f, dst)?;
                    f.emit(if n == "ok" {
                        Instr::MakeOk { dst: d, src }
                    } else {
                        Instr::MakeErr { dst: d, src }
                    });
                    return Ok(d);
                }
                NameRef::Halt => {
                    self.halt(f, args, span)?;
                    return dest(f, dst);
                }
                NameRef::Hof(h) => return self.hof(f, h, args, span, dst),
                NameRef::Builtin(b) => return self.call_builtin(f, b, args, span, dst, take),
                NameRef::Unknown => return fail(callee.span, format!("unknown function `{n}`")),
            }
        }
        let c = self.expr(f, callee, None)?;
        self.call_value(f, c, args, span, dst)
    }

    /// Places the arguments into the window at `start`: positional ones by position,
    /// named ones at the slot whose name matches. Returns which slots were filled.
    fn place_args(
        &mut self,
        f: &mut FnCx,
        slots: &[Option<&str>],
        args: &[Arg],
        start: Reg,
        ignore_names: bool,
        take: Option<&str>,
    ) -> R<Vec<bool>> {
        let mut filled = vec![false; slots.len()];
        // The one argument that is exactly the assigned variable, when no other mentions it.
        let take_at = take.and_then(|name| {
            f.lookup(name)?;
            let mut hits = args
                .iter()
                .enumerate()
                .filter(|(_, a)| visit::mentions(&a.value, name));
            let (i, a) = hits.next()?;
            if hits.next().is_some() {
                return None;
            }
            matches!(&a.value.kind, ExprKind::Name(x) if x == name).then_some(i)
        });
        let mut pos = 0;
        // Many slots (a record of thousands of fields built by name): look names up in an
        // index, so the call is linear in its arguments.
        let index: Option<HashMap<&str, usize>> = (slots.len() > 16
            && !ignore_names
            && args.iter().any(|a| a.name.is_some()))
        .then(|| {
            let mut m = HashMap::new();
            for (k, s) in slots.iter().enumerate() {
                if let Some(n) = s {
                    m.entry(*n).or_insert(k);
                }
            }
            m
        });
        let found = |id: &ast::Ident| match &index {
            Some(m) => m.get(id.name.as_str()).copied(),
            None => slots.iter().position(|s| *s == Some(id.name.as_str())),
        };
        for (i, a) in args.iter().enumerate() {
            let name = if ignore_names { None } else { a.name.as_ref() };
            let slot = match name {
                Some(id) => match found(id) {
                    Some(s) => s,
                    None => return fail(id.span, format!("no parameter named `{}`", id.name)),
                },
                None => {
                    pos += 1;
                    pos - 1
                }
            };
            let Some(done) = filled.get_mut(slot) else {
                return fail(a.span, "too many arguments");
            };
            if *done {
                return fail(a.span, "this argument is given twice");
            }
            *done = true;
            let r = start + slot as Reg;
            match (take_at == Some(i), &a.value.kind) {
                (true, ExprKind::Name(n)) => match f.lookup(n) {
                    Some(src) => {
                        f.emit(Instr::Take { dst: r, src });
                    }
                    None => return fail(a.span, format!("unknown name `{n}`")),
                },
                _ => {
                    let m = f.mark();
                    self.expr(f, &a.value, Some(r))?;
                    f.free_to(m);
                }
            }
        }
        Ok(filled)
    }

    /// Emits the call instruction built by `make(dst)` and releases the window. The
    /// result goes to `dst`, or to the window's first register.
    fn finish_call(
        &mut self,
        f: &mut FnCx,
        dst: Option<Reg>,
        start: Reg,
        make: impl FnOnce(Reg) -> Instr,
    ) -> R<Reg> {
        let d = dst.unwrap_or(start);
        f.emit(make(d));
        f.free_to(u32::from(start));
        if dst.is_none() {
            f.alloc()?;
        }
        Ok(d)
    }

    /// Evaluates an expression of another declaration (a default value or a constraint)
    /// into `dst`: names resolve in `file`, no local is visible, and the instructions
    /// get the line of the call being lowered.
    fn eval_foreign(&mut self, f: &mut FnCx, file: FileId, e: &Expr, dst: Reg) -> R<()> {
        self.in_foreign(f, file, |this, f| {
            let mark = f.mark();
            let r = this.expr(f, e, Some(dst));
            f.free_to(mark);
            r.map(|_| ())
        })
    }

    /// Runs `body` in the context of another declaration in `file`: names resolve there,
    /// the caller's locals are hidden, and the line stays that of the call being lowered.
    /// The context is restored whether or not `body` fails.
    fn in_foreign<T>(
        &mut self,
        f: &mut FnCx,
        file: FileId,
        body: impl FnOnce(&mut Self, &mut FnCx) -> R<T>,
    ) -> R<T> {
        let old_file = f.file;
        let old_lock = f.pos_locked;
        f.file = file;
        f.pos_locked = true;
        let barrier = f.hide_locals();
        let r = body(self, f);
        f.unhide(barrier);
        f.file = old_file;
        f.pos_locked = old_lock;
        r
    }

    /// Evaluates, into `start + i`, the default of every slot `i` that `filled` says the
    /// call left empty (names resolve in `file`); an empty slot without a default fails
    /// with `missing(name)`.
    #[allow(clippy::too_many_arguments)]
    fn fill_defaults<'e>(
        &mut self,
        f: &mut FnCx,
        file: FileId,
        start: Reg,
        filled: &[bool],
        slots: impl Iterator<Item = (&'e str, Option<&'e Expr>)>,
        span: Span,
        missing: impl Fn(&str) -> String,
    ) -> R<()> {
        for (i, (name, default)) in slots.enumerate() {
            if filled.get(i).copied().unwrap_or(false) {
                continue;
            }
            match default {
                Some(d) => self.eval_foreign(f, file, d, start + i as Reg)?,
                None => return fail(span, missing(name)),
            }
        }
        Ok(())
    }

    /// A call of a function value in register `c`.
    fn call_value(
        &mut self,
        f: &mut FnCx,
        c: Reg,
        args: &[Arg],
        span: Span,
        dst: Option<Reg>,
    ) -> R<Reg> {
        let n = argc(args.len(), span)?;
        let start = f.alloc_n(args.len())?;
        let slots = vec![None; args.len()];
        // Function values have no parameter names: every argument is positional.
        self.place_args(f, &slots, args, start, true, None)?;
        self.finish_call(f, dst, start, |d| Instr::CallValue {
            dst: d,
            callee: c,
            args: start,
            argc: n,
        })
    }

    /// A direct call of a cell.
    #[allow(clippy::too_many_arguments)]
    fn call_cell(
        &mut self,
        f: &mut FnCx,
        file: FileId,
        item: usize,
        args: &[Arg],
        span: Span,
        dst: Option<Reg>,
        take: Option<&str>,
    ) -> R<Reg> {
        let Some(&func) = self.cells.get(&(file, item)) else {
            return fail(span, "call of a cell that was not declared");
        };
        let Some(ast::Item::Cell(decl)) = self.item(file, item) else {
            return fail(span, "call of a cell that was not declared");
        };
        let slots: Vec<Option<&str>> = decl
            .params
            .iter()
            .map(|p| Some(p.name.name.as_str()))
            .collect();
        let n = argc(slots.len(), span)?;
        let start = f.alloc_n(slots.len())?;
        let filled = self.place_args(f, &slots, args, start, false, take)?;
        let defaults = decl
            .params
            .iter()
            .map(|p| (p.name.name.as_str(), p.default.as_ref()));
        self.fill_defaults(f, file, start, &filled, defaults, span, |name| {
            format!("missing argument `{name}` of `{}`", decl.name.name)
        })?;
        self.finish_call(f, dst, start, |d| Instr::Call {
            dst: d,
            func,
            args: start,
            argc: n,
        })
    }

    /// A builtin call (`len`/`length` become the `Len` instruction).
    fn call_builtin(
        &mut self,
        f: &mut FnCx,
        b: Builtin,
        args: &[Arg],
        span: Span,
        dst: Option<Reg>,
        take: Option<&str>,
    ) -> R<Reg> {
        if let Some(a) = args.iter().find(|a| a.name.is_some()) {
            return fail(
                a.span,
                format!("`{}` takes positional arguments only", b.name()),
            );
        }
        let (min, max) = b.arity();
        if args.len() < usize::from(min) || args.len() > usize::from(max) {
            return fail(
                span,
                format!(
                    "`{}` takes {min} to {max} arguments, not {}",
                    b.name(),
                    args.len()
                ),
            );
        }
        if let (Builtin::Len, [a]) = (b, args) {
            let mark = f.mark();
            let src = self.expr(f, &a.value, None)?;
            f.free_to(mark);
            let d = dest(f, dst)?;
            f.emit(Instr::Len { dst: d, src });
            return Ok(d);
        }
        let n = argc(args.len(), span)?;
        let start = f.alloc_n(args.len())?;
        let slots = vec![None; args.len()];
        self.place_args(f, &slots, args, start, false, take)?;
        self.finish_call(f, dst, start, |d| Instr::CallBuiltin {
            dst: d,
            builtin: b as u16,
            args: start,
            argc: n,
        })
    }

    /// `Record(field: value, ...)`: fields in declaration order, defaults filled, each
    /// `where` constraint checked before the record is built.
    fn construct_record(
        &mut self,
        f: &mut FnCx,
        file: FileId,
        item: usize,
        args: &[Arg],
        span: Span,
        dst: Option<Reg>,
    ) -> R<Reg> {
        let Some(&ty) = self.t.type_ids.get(&(file, item)) else {
            return fail(span, "unknown record");
        };
        let Some(ast::Item::Record(decl)) = self.item(file, item) else {
            return fail(span, "unknown record");
        };
        let slots: Vec<Option<&str>> = decl
            .fields
            .iter()
            .map(|x| Some(x.name.name.as_str()))
            .collect();
        let start = f.alloc_n(slots.len().max(1))?;
        let filled = self.place_args(f, &slots, args, start, false, None)?;
        let defaults = decl
            .fields
            .iter()
            .map(|x| (x.name.name.as_str(), x.default.as_ref()));
        self.fill_defaults(f, file, start, &filled, defaults, span, |name| {
            format!("missing field `{name}` of `{}`", decl.name.name)
        })?;
        if decl.fields.iter().any(|x| x.constraint.is_some()) {
            self.in_foreign(f, file, |this, f| {
                for (i, field) in decl.fields.iter().enumerate() {
                    f.declare(&field.name.name, start + i as Reg);
                }
                for field in &decl.fields {
                    let Some(c) = &field.constraint else { continue };
                    let msg = format!(
                        "constraint failed: {}.{} ({})",
                        decl.name.name,
                        field.name.name,
                        this.text(file, c.span).trim()
                    );
                    this.check_constraint(f, c, &msg)?;
                }
                Ok(())
            })?;
        }
        self.finish_call(f, dst, start, |d| Instr::MakeRecord { dst: d, ty, start })
    }

    /// Emits: if `cond` is false, fail with `msg`.
    fn check_constraint(&mut self, f: &mut FnCx, cond: &Expr, msg: &str) -> R<()> {
        let mark = f.mark();
        let ok = self.cond_jump(f, cond, true)?;
        self.fail_with(f, FailKind::Constraint, msg, cond.span)?;
        f.patch_here(&ok);
        f.free_to(mark);
        Ok(())
    }

    /// `Variant(payload...)` with positional or named payload fields.
    #[allow(clippy::too_many_arguments)]
    fn construct_variant(
        &mut self,
        f: &mut FnCx,
        file: FileId,
        item: usize,
        variant: usize,
        args: &[Arg],
        span: Span,
        dst: Option<Reg>,
    ) -> R<Reg> {
        let Some(&id) = self.t.variant_ids.get(&(file, item, variant)) else {
            return fail(span, "unknown variant");
        };
        let Some(ast::Item::Enum(e)) = self.item(file, item) else {
            return fail(span, "unknown variant");
        };
        let Some(decl) = e.variants.get(variant) else {
            return fail(span, "unknown variant");
        };
        if decl.fields.is_empty() {
            if !args.is_empty() {
                return fail(
                    span,
                    format!("variant `{}` takes no payload", decl.name.name),
                );
            }
            let d = dest(f, dst)?;
            f.emit(Instr::MakeVariant {
                dst: d,
                variant: id,
                start: 0,
            });
            return Ok(d);
        }
        let slots: Vec<Option<&str>> = decl
            .fields
            .iter()
            .map(|x| x.name.as_ref().map(|n| n.name.as_str()))
            .collect();
        let start = f.alloc_n(slots.len())?;
        let filled = self.place_args(f, &slots, args, start, false, None)?;
        if filled.iter().any(|x| !x) {
            return fail(
                span,
                format!(
                    "variant `{}` needs {} payload values",
                    decl.name.name,
                    slots.len()
                ),
            );
        }
        self.finish_call(f, dst, start, |d| Instr::MakeVariant {
            dst: d,
            variant: id,
            start,
        })
    }

    /// `Tool(name: value, ...)`: the named arguments become a map passed to `CallTool`.
    fn call_tool(
        &mut self,
        f: &mut FnCx,
        file: FileId,
        item: usize,
        args: &[Arg],
        span: Span,
        dst: Option<Reg>,
    ) -> R<Reg> {
        let Some(&tool) = self.t.tool_ids.get(&(file, item)) else {
            return fail(span, "unknown tool");
        };
        if let Some(ast::Item::UseTool(ast::UseTool { sig: Some(sig), .. })) = self.item(file, item)
        {
            return self.call_typed_tool(f, file, tool, &sig.params, args, span, dst);
        }
        let Ok(count) = u16::try_from(args.len()) else {
            return too_large(span, "too many tool arguments");
        };
        let m = f.alloc()?;
        let start = f.alloc_n(args.len() * 2)?;
        for (i, a) in args.iter().enumerate() {
            let Some(name) = &a.name else {
                return fail(a.span, "tool arguments must be named: `Tool(name: value)`");
            };
            let k = start + 2 * i as Reg;
            self.load_str(f, &name.name, k, name.span)?;
            let mark = f.mark();
            self.expr(f, &a.value, Some(k + 1))?;
            f.free_to(mark);
        }
        Ok(finish_tool_call(f, m, start, count, tool, dst))
    }

    /// A call of a typed tool: every parameter becomes a key of the argument map, in
    /// declaration order, from its argument (positional or named, evaluated in the order
    /// written) or else its constant default.
    #[allow(clippy::too_many_arguments)]
    fn call_typed_tool(
        &mut self,
        f: &mut FnCx,
        file: FileId,
        tool: u16,
        params: &[ast::Param],
        args: &[Arg],
        span: Span,
        dst: Option<Reg>,
    ) -> R<Reg> {
        let Ok(count) = u16::try_from(params.len()) else {
            return too_large(span, "too many tool parameters");
        };
        let m = f.alloc()?;
        let start = f.alloc_n(params.len() * 2)?;
        let mut filled = vec![false; params.len()];
        let mut positional = 0;
        for a in args {
            let i = match &a.name {
                None => {
                    positional += 1;
                    positional - 1
                }
                Some(n) => match params.iter().position(|p| p.name.name == n.name) {
                    Some(i) => i,
                    None => return fail(n.span, format!("tool has no parameter `{}`", n.name)),
                },
            };
            let Some(p) = params.get(i) else {
                return fail(a.span, "too many tool arguments");
            };
            if let Some(done) = filled.get_mut(i) {
                *done = true;
            }
            let k = start + 2 * i as Reg;
            self.load_str(f, &p.name.name, k, p.name.span)?;
            let mark = f.mark();
            self.expr(f, &a.value, Some(k + 1))?;
            f.free_to(mark);
        }
        for (i, p) in params.iter().enumerate() {
            if filled.get(i).copied().unwrap_or(true) {
                continue;
            }
            let Some(d) = &p.default else {
                return fail(span, format!("missing tool argument `{}`", p.name.name));
            };
            let k = start + 2 * i as Reg;
            self.load_str(f, &p.name.name, k, p.name.span)?;
            self.eval_foreign(f, file, d, k + 1)?;
        }
        Ok(finish_tool_call(f, m, start, count, tool, dst))
    }
}

/// The end of every tool call: the `count` name/value register pairs from `start` become the
/// argument map in `m` (the registers above it are freed), and the call's result goes to
/// `dst` (else `m`), which is returned.
fn finish_tool_call(
    f: &mut FnCx,
    m: Reg,
    start: Reg,
    count: u16,
    tool: u16,
    dst: Option<Reg>,
) -> Reg {
    f.emit(Instr::MakeMap {
        dst: m,
        start: if count == 0 { m } else { start },
        count,
    });
    f.free_to(u32::from(m) + 1);
    let d = dst.unwrap_or(m);
    f.emit(Instr::CallTool {
        dst: d,
        tool,
        args: m,
    });
    d
}
