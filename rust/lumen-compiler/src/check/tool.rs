//! Tool declarations and tool calls.
//!
//! An untyped tool (`use tool http.get as Fetch`) takes named arguments of any type and
//! returns `Json`. A typed tool (`use tool llm.chat as Chat(prompt: String, max_tokens:
//! Int = 256) -> String`) is called like a cell: positional and named arguments are bound
//! to its parameters (unknown names, missing required arguments, too many positional ones
//! and wrong types are the same errors as for a cell call), and the call has the declared
//! result type (`Json` when there is no `-> R`). Checked here too: parameter defaults are
//! constants (E0313), and the result type is one a JSON value can be checked against at run
//! time (E0314).

use super::{Checker, DeclId, Type};
use crate::ast::{self, Arg, ExprKind, StrPart, UnOp};
use crate::diagnostic::codes;
use crate::span::Span;
use std::collections::HashSet;

impl Checker<'_> {
    /// Checks a tool declaration's defaults and result type.
    pub(super) fn check_tool(&mut self, file: usize, item: usize, t: &ast::UseTool) {
        let Some(sig) = &t.sig else { return };
        let Some(info) = self.tools.get(&(file, item)).cloned() else {
            return;
        };
        let saved = self.enter_body(file);
        let slots = info.params.unwrap_or_default();
        for (p, slot) in sig.params.iter().zip(&slots) {
            let Some(d) = &p.default else { continue };
            if !is_constant(d) {
                self.err(
                    codes::TOOL_DEFAULT_NOT_CONSTANT,
                    format!(
                        "the default of tool parameter `{}` must be a constant: a literal, \
                         `null`, or a list, tuple or map of constants",
                        p.name.name
                    ),
                    d.span,
                );
                continue;
            }
            let ty = self.expr(d, Some(&slot.ty));
            self.require(
                &ty,
                &slot.ty,
                &format!("default of parameter `{}`", p.name.name),
                d.span,
            );
        }
        if let (Some(ret), Some(te)) = (&info.ret, &sig.ret) {
            if let Some(why) = self.unconvertible(ret) {
                self.err(
                    codes::BAD_TOOL_RESULT_TYPE,
                    format!("tool `{}` cannot return {ret}: {why}", t.alias.name),
                    te.span(),
                );
            }
        }
        self.leave_body(saved);
    }

    /// Why no JSON value can be checked against `t` (a function type inside it, or a
    /// record with `where` constraints reachable from it), or `None` when one can.
    fn unconvertible(&self, t: &Type) -> Option<String> {
        let mut seen: HashSet<DeclId> = HashSet::new();
        let mut stack = vec![t];
        while let Some(t) = stack.pop() {
            match t {
                Type::Fn(..) => {
                    return Some(format!(
                        "it contains the function type {t}, and no JSON result is a function"
                    ))
                }
                Type::List(a) => stack.push(a),
                Type::Map(k, v) | Type::Result(k, v) => {
                    stack.push(k);
                    stack.push(v);
                }
                Type::Tuple(ts) | Type::Union(ts) => stack.extend(ts.iter()),
                Type::Adt {
                    file, item, name, ..
                } => {
                    if !seen.insert((*file, *item)) {
                        continue;
                    }
                    if let Some(r) = self.records.get(&(*file, *item)) {
                        if let Some(ast::Item::Record(decl)) = self.item((*file, *item)) {
                            if decl.fields.iter().any(|f| f.constraint.is_some()) {
                                return Some(format!(
                                    "record `{name}` has `where` constraints, which are \
                                     checked only when Lumen code constructs it"
                                ));
                            }
                        }
                        stack.extend(r.fields.iter().map(|f| &f.ty));
                    } else if let Some(e) = self.enums.get(&(*file, *item)) {
                        stack.extend(
                            e.variants
                                .iter()
                                .flat_map(|v| v.fields.iter().map(|f| &f.ty)),
                        );
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// A call of the tool declared at `id`, called `n` in the program.
    pub(super) fn tool_call(&mut self, id: DeclId, n: &str, args: &[Arg], span: Span) -> Type {
        let info = self.tools.get(&id).cloned();
        if let Some(params) = info.as_ref().and_then(|i| i.params.as_ref()) {
            self.bind_args(&format!("tool `{n}`"), params, args, span, true, true);
            return info.and_then(|i| i.ret).unwrap_or(Type::Json);
        }
        for a in args {
            if a.name.is_none() {
                self.err(
                    codes::BAD_NAMED_ARG,
                    format!("tool `{n}` takes named arguments only (`name: value`)"),
                    a.span,
                );
            }
            self.expr(&a.value, None);
        }
        self.check_duplicate_names(args, &format!("tool `{n}`"));
        Type::Json
    }
}

/// True for the expressions a tool parameter default may be: a literal (a number, possibly
/// negated, a string without interpolation, a Bool), `null`, or a list, tuple or map whose
/// items are such constants. They mean the same in every file, so lowering can copy them to
/// each call site.
pub(crate) fn is_constant(e: &ast::Expr) -> bool {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Bool(_) | ExprKind::Null => {}
            ExprKind::Str(parts) => {
                if !parts.iter().all(|p| matches!(p, StrPart::Text(_))) {
                    return false;
                }
            }
            ExprKind::Unary {
                op: UnOp::Neg,
                expr,
            } if matches!(expr.kind, ExprKind::Int(_) | ExprKind::Float(_)) => {}
            ExprKind::List(items) | ExprKind::Tuple(items) => stack.extend(items.iter()),
            ExprKind::Map(pairs) => {
                for (k, v) in pairs {
                    stack.push(k);
                    stack.push(v);
                }
            }
            _ => return false,
        }
    }
    true
}
