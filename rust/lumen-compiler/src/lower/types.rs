//! Module-wide tables: the constant pool, interned field names, the user types (records
//! and enums with their flattened variants) and the declared tools with their grants.
//!
//! Every table is indexed by the position of its declaration in the [`Program`], so
//! lowering can go from a resolved [`Symbol`] to a LIR index in one map lookup.

use super::R;
use crate::ast;
use crate::check::types::Type;
use crate::check::{DeclId, Signatures};
use crate::diagnostic::{codes, Diagnostic};
use crate::resolve::{FileId, Program, Symbol};
use crate::span::Span;
use lumen_vm::lir::{
    Constant, ResultType, Shape, ToolDef, TypeDef, ValueType, VariantDef, MAX_VALUE_TYPE_DEPTH,
};
use std::collections::HashMap;

/// The module tables built while lowering.
#[derive(Debug, Default)]
pub(super) struct Tables {
    pub constants: Vec<Constant>,
    int_consts: HashMap<i64, u32>,
    float_consts: HashMap<u64, u32>,
    str_consts: HashMap<String, u32>,
    pub names: Vec<String>,
    name_ids: HashMap<String, u16>,
    pub types: Vec<TypeDef>,
    pub variants: Vec<VariantDef>,
    pub tools: Vec<ToolDef>,
    /// (file, item) of a record or enum → index into `types`.
    pub type_ids: HashMap<(FileId, usize), u16>,
    /// (file, item, variant) → index into `variants`.
    pub variant_ids: HashMap<(FileId, usize, usize), u16>,
    /// (file, item) of a `use tool` → index into `tools`.
    pub tool_ids: HashMap<(FileId, usize), u16>,
}

fn too_many(what: &str, span: Span) -> Box<Diagnostic> {
    Box::new(Diagnostic::error(
        codes::TOO_LARGE,
        format!("the program has too many {what} for the LIR format"),
        span,
    ))
}

impl Tables {
    /// Builds the type, variant and tool tables of every file. Grants are attached here
    /// too. Problems (tables too large, bad grant values) are returned as located errors.
    pub fn build(prog: &Program, sigs: &Signatures) -> (Tables, Vec<Diagnostic>) {
        let mut t = Tables::default();
        let mut diags = Vec::new();
        for (fid, file) in prog.files.iter().enumerate() {
            for (iid, item) in file.ast.items.iter().enumerate() {
                if let Err(d) = t.add_item(fid, iid, item) {
                    let mut d = *d;
                    d.locate(&file.name, &file.text, &file.index);
                    diags.push(d);
                }
            }
        }
        for (fid, file) in prog.files.iter().enumerate() {
            for item in &file.ast.items {
                let ast::Item::Grant(g) = item else { continue };
                let tool = match prog.lookup(fid, &g.alias.name) {
                    Some(Symbol::Tool { file, item }) => t.tool_ids.get(&(file, item)).copied(),
                    _ => None,
                };
                let result = match tool {
                    None => Err(format!("`{}` is not a tool alias", g.alias.name)),
                    Some(idx) => grant_value(&g.value).map(|v| (idx, v)),
                };
                match result {
                    Ok((idx, v)) => {
                        if let Some(tool) = t.tools.get_mut(idx as usize) {
                            tool.grants.push((g.key.name.clone(), v));
                        }
                    }
                    Err(msg) => diags.push(file.error(codes::INTERNAL, msg, g.span)),
                }
            }
        }
        for sig in &sigs.tools {
            let (Some(ret), Some(&idx)) = (&sig.ret, t.tool_ids.get(&sig.id)) else {
                continue;
            };
            let result = t.result_type(ret, sigs);
            let too_deep = std::iter::once(&result.ty)
                .chain(result.shapes.iter().flat_map(|s| s.fields.iter().flatten()))
                .any(|v| depth(v) > MAX_VALUE_TYPE_DEPTH);
            if too_deep {
                if let Some(file) = prog.files.get(sig.id.0) {
                    let span = match file.ast.items.get(sig.id.1) {
                        Some(ast::Item::UseTool(u)) => u.span,
                        _ => Span::default(),
                    };
                    diags.push(file.error(
                        codes::TOO_DEEP,
                        format!(
                            "the result type of tool `{}` nests deeper than                              {MAX_VALUE_TYPE_DEPTH} levels",
                            sig.alias
                        ),
                        span,
                    ));
                }
                continue;
            }
            if let Some(tool) = t.tools.get_mut(idx as usize) {
                tool.result = Some(result);
            }
        }
        (t, diags)
    }

    /// The self-contained LIR type of a cell parameter (for `Module::entry_types`), or
    /// `None` when it nests deeper than the VM checks (the host then converts the
    /// argument by its type text).
    pub(super) fn param_type(&self, ty: &Type, sigs: &Signatures) -> Option<ResultType> {
        let r = self.result_type(ty, sigs);
        let too_deep = std::iter::once(&r.ty)
            .chain(r.shapes.iter().flat_map(|s| s.fields.iter().flatten()))
            .any(|v| depth(v) > MAX_VALUE_TYPE_DEPTH);
        (!too_deep).then_some(r)
    }

    /// The LIR result type of a typed tool: `ret` and the payload types of every record
    /// and enum reachable from it (a work list, so recursive types are fine).
    fn result_type(&self, ret: &Type, sigs: &Signatures) -> ResultType {
        let mut ids: HashMap<DeclId, u16> = HashMap::new();
        let mut pending: Vec<DeclId> = Vec::new();
        let ty = self.value_type(ret, &mut ids, &mut pending);
        let mut shapes: Vec<Option<Shape>> = Vec::new();
        while let Some(id) = pending.pop() {
            let Some(&k) = ids.get(&id) else { continue };
            let mut fields = Vec::new();
            if let Some((_, _, fs)) = sigs.records.iter().find(|r| r.0 == id) {
                let mut tys = Vec::new();
                for (_, t, _) in fs {
                    tys.push(self.value_type(t, &mut ids, &mut pending));
                }
                fields.push(tys);
            } else if let Some((_, _, vs)) = sigs.enums.iter().find(|e| e.0 == id) {
                for (_, fs) in vs {
                    let mut tys = Vec::new();
                    for (_, t) in fs {
                        tys.push(self.value_type(t, &mut ids, &mut pending));
                    }
                    fields.push(tys);
                }
            }
            let k = k as usize;
            if shapes.len() <= k {
                shapes.resize(k + 1, None);
            }
            if let Some(slot) = shapes.get_mut(k) {
                *slot = Some(Shape {
                    ty: self.type_ids.get(&id).copied().unwrap_or(u16::MAX),
                    fields,
                });
            }
        }
        // Every index handed out was queued once, so no slot is empty; an empty one would
        // fail validation (E0912) rather than pass silently.
        let shapes = shapes
            .into_iter()
            .map(|s| {
                s.unwrap_or(Shape {
                    ty: u16::MAX,
                    fields: Vec::new(),
                })
            })
            .collect();
        ResultType { ty, shapes }
    }

    /// The LIR value type of a checker type; a record or enum gets the next shape index
    /// the first time it is seen (and is queued in `pending` for its payload types).
    fn value_type(
        &self,
        t: &Type,
        ids: &mut HashMap<DeclId, u16>,
        pending: &mut Vec<DeclId>,
    ) -> ValueType {
        match t {
            Type::Int => ValueType::Int,
            Type::Float => ValueType::Float,
            Type::Bool => ValueType::Bool,
            Type::Str => ValueType::Str,
            Type::Null => ValueType::Null,
            // Function types are refused by the checker (E0314); the rest are lenient.
            Type::Json | Type::Unknown | Type::Error | Type::Never | Type::Fn(..) => {
                ValueType::Json
            }
            Type::List(a) => ValueType::List(Box::new(self.value_type(a, ids, pending))),
            Type::Map(k, v) => {
                let key = if **k == Type::Int {
                    ValueType::Int
                } else {
                    ValueType::Str
                };
                ValueType::Map(Box::new(key), Box::new(self.value_type(v, ids, pending)))
            }
            Type::Tuple(ts) => ValueType::Tuple(
                ts.iter()
                    .map(|x| self.value_type(x, ids, pending))
                    .collect(),
            ),
            Type::Result(a, b) => {
                let a = self.value_type(a, ids, pending);
                ValueType::Result(Box::new(a), Box::new(self.value_type(b, ids, pending)))
            }
            Type::Union(ms) => {
                let mut rest: Vec<ValueType> = ms
                    .iter()
                    .filter(|m| **m != Type::Null)
                    .map(|x| self.value_type(x, ids, pending))
                    .collect();
                let inner = if rest.len() == 1 {
                    rest.pop().unwrap_or(ValueType::Json)
                } else {
                    ValueType::Union(rest)
                };
                if ms.contains(&Type::Null) {
                    ValueType::Optional(Box::new(inner))
                } else {
                    inner
                }
            }
            Type::Adt { file, item, .. } => {
                let id = (*file, *item);
                let next = u16::try_from(ids.len()).unwrap_or(u16::MAX);
                let k = *ids.entry(id).or_insert_with(|| {
                    pending.push(id);
                    next
                });
                ValueType::User(k)
            }
        }
    }

    fn add_item(&mut self, fid: FileId, iid: usize, item: &ast::Item) -> R<()> {
        match item {
            ast::Item::Record(r) => {
                let id = u16::try_from(self.types.len()).map_err(|_| too_many("types", r.span))?;
                self.types.push(TypeDef::Record {
                    name: r.name.name.clone(),
                    fields: r.fields.iter().map(|f| f.name.name.clone()).collect(),
                });
                self.type_ids.insert((fid, iid), id);
            }
            ast::Item::Enum(e) => {
                let id = u16::try_from(self.types.len()).map_err(|_| too_many("types", e.span))?;
                let mut ids = Vec::new();
                for (vid, v) in e.variants.iter().enumerate() {
                    let vix = u16::try_from(self.variants.len())
                        .map_err(|_| too_many("variants", v.span))?;
                    self.variants.push(VariantDef {
                        name: v.name.name.clone(),
                        enum_type: id,
                        fields: v
                            .fields
                            .iter()
                            .map(|f| f.name.as_ref().map(|n| n.name.clone()))
                            .collect(),
                    });
                    self.variant_ids.insert((fid, iid, vid), vix);
                    ids.push(vix);
                }
                self.types.push(TypeDef::Enum {
                    name: e.name.name.clone(),
                    variants: ids,
                });
                self.type_ids.insert((fid, iid), id);
            }
            ast::Item::UseTool(u) => {
                let id = u16::try_from(self.tools.len()).map_err(|_| too_many("tools", u.span))?;
                self.tools.push(ToolDef {
                    name: u.tool.clone(),
                    alias: u.alias.name.clone(),
                    grants: Vec::new(),
                    result: None,
                });
                self.tool_ids.insert((fid, iid), id);
            }
            _ => {}
        }
        Ok(())
    }

    fn push_const(&mut self, c: Constant, span: Span) -> R<u32> {
        let id = u32::try_from(self.constants.len()).map_err(|_| too_many("constants", span))?;
        self.constants.push(c);
        Ok(id)
    }

    /// Index of an Int constant (deduplicated).
    pub fn int(&mut self, v: i64, span: Span) -> R<u32> {
        if let Some(&i) = self.int_consts.get(&v) {
            return Ok(i);
        }
        let i = self.push_const(Constant::Int(v), span)?;
        self.int_consts.insert(v, i);
        Ok(i)
    }

    /// Index of a Float constant (deduplicated by bit pattern).
    pub fn float(&mut self, v: f64, span: Span) -> R<u32> {
        if let Some(&i) = self.float_consts.get(&v.to_bits()) {
            return Ok(i);
        }
        let i = self.push_const(Constant::Float(v), span)?;
        self.float_consts.insert(v.to_bits(), i);
        Ok(i)
    }

    /// Index of a String constant (deduplicated).
    pub fn string(&mut self, v: &str, span: Span) -> R<u32> {
        if let Some(&i) = self.str_consts.get(v) {
            return Ok(i);
        }
        let i = self.push_const(Constant::Str(v.to_string()), span)?;
        self.str_consts.insert(v.to_string(), i);
        Ok(i)
    }

    /// Index of an interned field name.
    pub fn name(&mut self, v: &str, span: Span) -> R<u16> {
        if let Some(&i) = self.name_ids.get(v) {
            return Ok(i);
        }
        let i = u16::try_from(self.names.len()).map_err(|_| too_many("field names", span))?;
        self.names.push(v.to_string());
        self.name_ids.insert(v.to_string(), i);
        Ok(i)
    }
}

/// How deeply a value type nests (iterative).
fn depth(t: &ValueType) -> usize {
    let mut max = 0;
    let mut stack = vec![(t, 1usize)];
    while let Some((t, d)) = stack.pop() {
        max = max.max(d);
        match t {
            ValueType::List(a) | ValueType::Optional(a) => stack.push((a, d + 1)),
            ValueType::Map(a, b) | ValueType::Result(a, b) => {
                stack.push((a, d + 1));
                stack.push((b, d + 1));
            }
            ValueType::Tuple(ts) | ValueType::Union(ts) => {
                stack.extend(ts.iter().map(|x| (x, d + 1)));
            }
            _ => {}
        }
    }
    max
}

/// The JSON value of a grant's literal.
fn grant_value(e: &ast::Expr) -> Result<serde_json::Value, String> {
    use serde_json::Value;
    match &e.kind {
        ast::ExprKind::Int(i) => Ok(Value::from(*i)),
        ast::ExprKind::Float(f) => Ok(serde_json::Number::from_f64(*f)
            .map(Value::Number)
            .unwrap_or(Value::Null)),
        ast::ExprKind::Bool(b) => Ok(Value::Bool(*b)),
        ast::ExprKind::Null => Ok(Value::Null),
        ast::ExprKind::Str(parts) => {
            let mut s = String::new();
            for p in parts {
                match p {
                    ast::StrPart::Text(t) => s.push_str(t),
                    ast::StrPart::Expr(_) => {
                        return Err(
                            "a grant value must be a literal, not an interpolated string".into(),
                        )
                    }
                }
            }
            Ok(Value::String(s))
        }
        ast::ExprKind::Unary {
            op: ast::UnOp::Neg,
            expr,
        } => match expr.kind {
            ast::ExprKind::Int(i) => Ok(Value::from(i.wrapping_neg())),
            ast::ExprKind::Float(f) => Ok(serde_json::Number::from_f64(-f)
                .map(Value::Number)
                .unwrap_or(Value::Null)),
            _ => Err("a grant value must be a literal".into()),
        },
        _ => Err("a grant value must be a literal".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_are_deduplicated() {
        let mut t = Tables::default();
        let s = Span::default();
        assert_eq!(t.int(5, s).ok(), Some(0));
        assert_eq!(t.string("a", s).ok(), Some(1));
        assert_eq!(t.int(5, s).ok(), Some(0));
        assert_eq!(t.float(0.5, s).ok(), Some(2));
        assert_eq!(t.float(0.5, s).ok(), Some(2));
        assert_eq!(t.name("x", s).ok(), Some(0));
        assert_eq!(t.name("x", s).ok(), Some(0));
        assert_eq!(t.constants.len(), 3);
    }

    #[test]
    fn grant_literals_become_json() {
        let e = |kind| ast::Expr {
            kind,
            span: Span::default(),
        };
        assert_eq!(
            grant_value(&e(ast::ExprKind::Int(2))),
            Ok(serde_json::json!(2))
        );
        assert_eq!(
            grant_value(&e(ast::ExprKind::Str(vec![ast::StrPart::Text(
                "*.a.com".into()
            )]))),
            Ok(serde_json::json!("*.a.com"))
        );
        assert!(grant_value(&e(ast::ExprKind::Name("x".into()))).is_err());
    }
}
