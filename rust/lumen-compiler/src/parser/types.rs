//! Type expressions: `Int`, `list[T]`, `map[K, V]`, `fn(A, B) -> R`, `(A, B)`, `A | B`, `T?`.

use super::Parser;
use crate::ast::{Ident, TypeExpr};
use crate::span::Span;
use crate::token::TokenKind;

impl Parser {
    /// A type, including unions `A | B`.
    pub(crate) fn ty(&mut self) -> TypeExpr {
        if !self.enter() {
            return self.error_type();
        }
        let first = self.ty_postfix();
        let t = if self.at(&TokenKind::Pipe) {
            let mut items = vec![first];
            while self.eat(&TokenKind::Pipe).is_some() {
                self.skip_newlines();
                items.push(self.ty_postfix());
            }
            let span = match (items.first(), items.last()) {
                (Some(a), Some(b)) => a.span().to(b.span()),
                _ => self.peek_span(),
            };
            TypeExpr::Union { items, span }
        } else {
            first
        };
        self.leave();
        t
    }

    fn error_type(&self) -> TypeExpr {
        let span = self.peek_span();
        TypeExpr::Named {
            name: Ident {
                name: "<error>".to_string(),
                span,
            },
            args: Vec::new(),
            span,
        }
    }

    /// A primary type followed by any number of `?`.
    fn ty_postfix(&mut self) -> TypeExpr {
        let mut chain = self.chain_start();
        let mut t = self.ty_primary();
        self.chain_first(&mut chain);
        while self.at(&TokenKind::Question) && self.link_begin(&chain) {
            let q = self.bump().span;
            self.link_end(&mut chain);
            let span = t.span().to(q);
            t = TypeExpr::Optional {
                inner: Box::new(t),
                span,
            };
        }
        self.chain_end(chain);
        t
    }

    /// A comma-separated list of types up to `close` (the opener is already consumed).
    fn ty_list(&mut self, close: TokenKind) -> (Vec<TypeExpr>, bool) {
        self.delimited(&close, |p| Some(p.ty()))
    }

    fn ty_primary(&mut self) -> TypeExpr {
        let start = self.peek_span();
        match self.peek().clone() {
            TokenKind::Ident(name) => {
                self.bump();
                let args = if self.eat(&TokenKind::LBracket).is_some() {
                    self.ty_list(TokenKind::RBracket).0
                } else {
                    Vec::new()
                };
                TypeExpr::Named {
                    name: Ident { name, span: start },
                    args,
                    span: self.span_from(start),
                }
            }
            TokenKind::Null => {
                self.bump();
                null_type(start)
            }
            TokenKind::Fn => {
                self.bump();
                let params = if self.expect(&TokenKind::LParen).is_some() {
                    self.ty_list(TokenKind::RParen).0
                } else {
                    Vec::new()
                };
                let ret = if self.eat(&TokenKind::Arrow).is_some() {
                    self.skip_newlines();
                    self.ty()
                } else {
                    null_type(start)
                };
                TypeExpr::Fn {
                    params,
                    ret: Box::new(ret),
                    span: self.span_from(start),
                }
            }
            TokenKind::LParen => {
                self.bump();
                let (items, trailing) = self.ty_list(TokenKind::RParen);
                let span = self.span_from(start);
                if items.len() == 1 && !trailing {
                    if let Some(only) = items.into_iter().next() {
                        return only;
                    }
                    return self.error_type();
                }
                TypeExpr::Tuple { items, span }
            }
            _ => {
                self.unexpected("a type");
                self.error_type()
            }
        }
    }
}

/// The type `Null`, written at `span` (also the return type of `fn(...)` without `->`).
fn null_type(span: Span) -> TypeExpr {
    TypeExpr::Named {
        name: Ident {
            name: "Null".to_string(),
            span,
        },
        args: Vec::new(),
        span,
    }
}
