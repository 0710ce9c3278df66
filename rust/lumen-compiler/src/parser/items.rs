//! Top-level declarations: `cell`, `record`, `enum`, `const`, `use tool`, `grant`, `import`.

use super::Parser;
use crate::ast::{
    CellDecl, ConstDecl, EnumDecl, Expr, ExprKind, FieldDecl, Grant, Ident, Import, ImportNames,
    Item, Module, Param, RecordDecl, ToolSignature, TypeExpr, UnOp, UseTool, VariantDecl,
    VariantField,
};
use crate::diagnostic::codes;
use crate::span::Span;
use crate::token::TokenKind;

impl Parser {
    /// Parses a whole file.
    pub(crate) fn module(&mut self) -> Module {
        let mut items = Vec::new();
        loop {
            self.skip_newlines();
            if self.at(&TokenKind::Eof) {
                break;
            }
            self.recovering = false;
            let before = self.pos;
            let item = match self.peek() {
                TokenKind::Cell => self.cell(false).map(Item::Cell),
                TokenKind::Pub => self.pub_item(),
                TokenKind::Record => self.record().map(Item::Record),
                TokenKind::Enum => self.enum_decl().map(Item::Enum),
                TokenKind::Const => self.const_decl().map(Item::Const),
                TokenKind::Use => self.use_tool().map(Item::UseTool),
                TokenKind::Grant => self.grant().map(Item::Grant),
                TokenKind::Import => self.import().map(Item::Import),
                _ => {
                    self.unexpected(
                        "a declaration (`cell`, `record`, `enum`, `const`, `use tool`, `grant` or `import`)",
                    );
                    None
                }
            };
            match item {
                Some(item) => {
                    items.push(item);
                    self.end_item();
                }
                None => self.sync_top(before),
            }
        }
        Module { items }
    }

    /// After a declaration: the line must end.
    fn end_item(&mut self) {
        match self.peek_raw() {
            TokenKind::Newline | TokenKind::Eof => {}
            k if Self::is_item_start(k) => {}
            _ => {
                let before = self.pos;
                self.unexpected("end of line after the declaration");
                self.sync_top(before);
            }
        }
    }

    /// Skips to the next declaration keyword at the start of a line (always moving forward).
    fn sync_top(&mut self, before: usize) {
        if self.pos == before {
            self.pos += 1;
        }
        while self.pos < self.last_index() {
            let line_start = self.pos == 0 || self.kind_at(self.pos - 1) == &TokenKind::Newline;
            if line_start && Self::is_item_start(self.kind_at(self.pos)) {
                break;
            }
            self.pos += 1;
        }
    }

    /// `pub cell ...`: only cells can be `pub` (E0100 otherwise).
    fn pub_item(&mut self) -> Option<Item> {
        let kw = self.bump().span;
        if !self.at(&TokenKind::Cell) {
            self.unexpected("`cell` after `pub` (only cells can be exported)");
            return None;
        }
        let mut cell = self.cell(true)?;
        cell.span = kw.to(cell.span);
        Some(Item::Cell(cell))
    }

    /// `cell name(params) [-> Type]` newline body `end` (after `pub` when `is_pub`).
    fn cell(&mut self, is_pub: bool) -> Option<CellDecl> {
        let kw = self.bump().span;
        let name = self
            .ident("a cell name")
            .unwrap_or_else(|| self.missing_ident());
        let (params, ret) = self.signature(true);
        self.expect_line_end();
        let body = self.block(false);
        let end = self.close_block(kw, &format!("`cell {}`", name.name));
        Some(CellDecl {
            is_pub,
            name,
            params,
            ret,
            body,
            span: kw.to(end),
        })
    }

    /// `(params) [-> Type]` of a cell (`cell == true`) or a lambda.
    pub(crate) fn signature(&mut self, cell: bool) -> (Vec<Param>, Option<TypeExpr>) {
        let params = if self.at(&TokenKind::LParen) {
            self.params(cell)
        } else {
            self.unexpected(if cell {
                "`(` and the cell's parameters"
            } else {
                "`(` and the lambda's parameters"
            });
            Vec::new()
        };
        let ret = if self.eat(&TokenKind::Arrow).is_some() {
            self.skip_newlines();
            Some(self.ty())
        } else {
            None
        };
        (params, ret)
    }

    /// `(name: Type [= default], ...)` for cells (`cell == true`, type required) and lambdas.
    pub(crate) fn params(&mut self, cell: bool) -> Vec<Param> {
        self.bump(); // `(`
        let (params, _) = self.delimited(&TokenKind::RParen, |p| {
            let name = p.ident("a parameter name")?;
            let ty = if p.eat(&TokenKind::Colon).is_some() {
                Some(p.ty())
            } else {
                if cell {
                    p.error(
                        codes::MISSING_ANNOTATION,
                        format!(
                            "parameter `{}` needs a type: `{}: Type`",
                            name.name, name.name
                        ),
                        name.span,
                    );
                }
                None
            };
            let default = if p.eat(&TokenKind::Assign).is_some() {
                Some(p.expr())
            } else {
                None
            };
            let span = p.span_from(name.span);
            Some(Param {
                name,
                ty,
                default,
                span,
            })
        });
        params
    }

    /// `record Name` newline fields `end`
    fn record(&mut self) -> Option<RecordDecl> {
        let (name, fields, span) = self.member_block("record", "a record name", Self::field_decl);
        Some(RecordDecl { name, fields, span })
    }

    /// The shared shape of `record` and `enum`: the keyword, a name, the end of the line, then
    /// one member per line (each parsed by `member`, with recovery to the next line) until
    /// `end`. Returns the name, the members and the span from the keyword to `end`.
    fn member_block<T>(
        &mut self,
        keyword: &str,
        what_name: &str,
        mut member: impl FnMut(&mut Self) -> Option<T>,
    ) -> (Ident, Vec<T>, Span) {
        let kw = self.bump().span;
        let name = self
            .ident(what_name)
            .unwrap_or_else(|| self.missing_ident());
        self.expect_line_end();
        let mut members = Vec::new();
        loop {
            self.skip_newlines();
            if self.at(&TokenKind::End)
                || self.at(&TokenKind::Eof)
                || Self::is_item_start(self.peek())
            {
                break;
            }
            self.recovering = false;
            let before = self.pos;
            if let Some(m) = member(self) {
                members.push(m);
            }
            self.end_stmt();
            if self.pos == before {
                self.skip_line();
            }
        }
        let end = self.close_block(kw, &format!("`{keyword} {}`", name.name));
        (name, members, kw.to(end))
    }

    /// `name: Type [= default] [where constraint]`
    fn field_decl(&mut self) -> Option<FieldDecl> {
        let name = self.ident("a field name")?;
        self.expect(&TokenKind::Colon)?;
        let ty = self.ty();
        let default = if self.eat(&TokenKind::Assign).is_some() {
            self.skip_newlines();
            Some(self.expr())
        } else {
            None
        };
        let constraint = if self.eat(&TokenKind::Where).is_some() {
            self.skip_newlines();
            Some(self.expr())
        } else {
            None
        };
        let span = self.span_from(name.span);
        Some(FieldDecl {
            name,
            ty,
            default,
            constraint,
            span,
        })
    }

    /// `enum Name` newline variants `end`
    fn enum_decl(&mut self) -> Option<EnumDecl> {
        let (name, variants, span) = self.member_block("enum", "an enum name", Self::variant_decl);
        Some(EnumDecl {
            name,
            variants,
            span,
        })
    }

    /// `Name`, `Name(Type, ...)` or `Name(field: Type, ...)`
    fn variant_decl(&mut self) -> Option<VariantDecl> {
        let name = self.ident("a variant name")?;
        let mut fields = Vec::new();
        if self.at(&TokenKind::LParen) {
            self.bump();
            (fields, _) = self.delimited(&TokenKind::RParen, |p| {
                let start = p.peek_span();
                let field_name = p.label("a field name");
                let ty = p.ty();
                let span = p.span_from(start);
                Some(VariantField {
                    name: field_name,
                    ty,
                    span,
                })
            });
        }
        let span = self.span_from(name.span);
        Some(VariantDecl { name, fields, span })
    }

    /// `const NAME [: T] = expr`
    fn const_decl(&mut self) -> Option<ConstDecl> {
        let kw = self.bump().span;
        let name = self.ident("a constant name")?;
        let (ty, value) = self.typed_value()?;
        Some(ConstDecl {
            name,
            ty,
            value,
            span: self.span_from(kw),
        })
    }

    /// `a.b.c`: dotted words (keywords allowed as segments).
    fn dotted_path(&mut self, what: &str) -> Option<Vec<Ident>> {
        let mut path = vec![self.word(what)?];
        while self.eat(&TokenKind::Dot).is_some() {
            path.push(self.word("a name after `.`")?);
        }
        Some(path)
    }

    /// `use tool a.b as Alias [(params) [-> Type]]`
    fn use_tool(&mut self) -> Option<UseTool> {
        let kw = self.bump().span;
        self.expect(&TokenKind::Tool)?;
        let path = self.dotted_path("a tool name")?;
        let tool = path
            .iter()
            .map(|i| i.name.as_str())
            .collect::<Vec<_>>()
            .join(".");
        let tool_span = match (path.first(), path.last()) {
            (Some(a), Some(b)) => a.span.to(b.span),
            _ => kw,
        };
        self.expect(&TokenKind::As)?;
        let alias = self.ident("the tool's alias")?;
        let sig = if self.at(&TokenKind::LParen) {
            let start = self.peek_span();
            let params = self.params(true);
            let ret = if self.eat(&TokenKind::Arrow).is_some() {
                Some(self.ty())
            } else {
                None
            };
            Some(ToolSignature {
                params,
                ret,
                span: self.span_from(start),
            })
        } else {
            None
        };
        Some(UseTool {
            tool,
            tool_span,
            alias,
            sig,
            span: self.span_from(kw),
        })
    }

    /// `grant Alias key value`
    fn grant(&mut self) -> Option<Grant> {
        let kw = self.bump().span;
        let alias = self.ident("a tool alias")?;
        let key = self.word("a grant key")?;
        let value = fold_negative_literal(self.expr());
        Some(Grant {
            alias,
            key,
            value,
            span: self.span_from(kw),
        })
    }

    /// `import a.b: X, Y as Z` or `import a.b: *`
    fn import(&mut self) -> Option<Import> {
        let kw = self.bump().span;
        let path = self.dotted_path("a module path")?;
        self.expect(&TokenKind::Colon)?;
        let names = if let Some(star) = self.eat(&TokenKind::Star) {
            ImportNames::All(star)
        } else {
            let mut list = Vec::new();
            loop {
                let name = self.ident("a name to import")?;
                let alias = if self.eat(&TokenKind::As).is_some() {
                    Some(self.ident("an alias")?)
                } else {
                    None
                };
                list.push((name, alias));
                if self.eat(&TokenKind::Comma).is_none() {
                    break;
                }
                self.skip_newlines();
            }
            ImportNames::List(list)
        };
        Some(Import {
            path,
            names,
            span: self.span_from(kw),
        })
    }
}

/// Turns `-(literal)` into a negative literal (grant values and patterns are literals).
pub(crate) fn fold_negative_literal(e: Expr) -> Expr {
    if let ExprKind::Unary {
        op: UnOp::Neg,
        expr,
    } = &e.kind
    {
        match expr.kind {
            ExprKind::Int(v) => {
                return Expr {
                    kind: ExprKind::Int(v.wrapping_neg()),
                    span: e.span,
                }
            }
            ExprKind::Float(v) => {
                return Expr {
                    kind: ExprKind::Float(-v),
                    span: e.span,
                }
            }
            _ => {}
        }
    }
    e
}
