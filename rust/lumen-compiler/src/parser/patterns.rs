//! Patterns for `match`, `let` and `for` (docs/LANGUAGE.md rule 2: a bare identifier
//! starting with an uppercase letter is a variant, any other is a binding).

use super::Parser;
use crate::ast::{Expr, ExprKind, Ident, Pattern, PatternArg, PatternKind, StrPart};
use crate::span::Span;
use crate::token::{StrSegment, TokenKind};

impl Parser {
    /// A pattern, including or-patterns `p | q`.
    pub(crate) fn pattern(&mut self) -> Pattern {
        if !self.enter() {
            return self.error_pattern(self.peek_span());
        }
        let first = self.pattern_primary();
        let p = if self.at(&TokenKind::Pipe) {
            let mut alts = vec![first];
            while self.eat(&TokenKind::Pipe).is_some() {
                self.skip_newlines();
                alts.push(self.pattern_primary());
            }
            let span = match (alts.first(), alts.last()) {
                (Some(a), Some(b)) => a.span.to(b.span),
                _ => self.peek_span(),
            };
            Pattern {
                kind: PatternKind::Or(alts),
                span,
            }
        } else {
            first
        };
        self.leave();
        p
    }

    fn error_pattern(&self, span: Span) -> Pattern {
        Pattern {
            kind: PatternKind::Wildcard,
            span,
        }
    }

    /// One pattern without `|`; each kind has a method of its own, so the frame on the
    /// stack once per nesting level stays small.
    fn pattern_primary(&mut self) -> Pattern {
        let start = self.peek_span();
        match self.peek() {
            TokenKind::Ident(_) => self.name_pattern(start),
            TokenKind::Int(_) | TokenKind::Float(_) | TokenKind::Minus => {
                self.number_pattern(start)
            }
            TokenKind::Str(_) => self.str_pattern(start),
            TokenKind::True => {
                self.bump();
                self.literal_pattern(ExprKind::Bool(true), start)
            }
            TokenKind::False => {
                self.bump();
                self.literal_pattern(ExprKind::Bool(false), start)
            }
            TokenKind::Null => {
                self.bump();
                self.literal_pattern(ExprKind::Null, start)
            }
            TokenKind::LParen => self.tuple_pattern(),
            TokenKind::LBracket => self.list_pattern(),
            _ => {
                self.unexpected("a pattern");
                self.error_pattern(start)
            }
        }
    }

    /// `_`, a binding, a payload-less variant or `Variant(args)` (the current token is a
    /// name).
    fn name_pattern(&mut self, start: Span) -> Pattern {
        let name = match self.bump().kind {
            TokenKind::Ident(name) => name,
            _ => return self.error_pattern(start),
        };
        if self.at(&TokenKind::LParen) {
            let args = self.pattern_args();
            return Pattern {
                kind: PatternKind::Variant {
                    name: Ident { name, span: start },
                    args,
                },
                span: self.span_from(start),
            };
        }
        let kind = if name == "_" {
            PatternKind::Wildcard
        } else if name.starts_with(|c: char| c.is_ascii_uppercase()) {
            PatternKind::Variant {
                name: Ident { name, span: start },
                args: Vec::new(),
            }
        } else {
            PatternKind::Bind(name)
        };
        Pattern { kind, span: start }
    }

    /// A number literal or a range `1..=9`.
    fn number_pattern(&mut self, start: Span) -> Pattern {
        let Some(lo) = self.number_literal() else {
            return self.error_pattern(start);
        };
        let inclusive = match self.peek() {
            TokenKind::DotDot => false,
            TokenKind::DotDotEq => true,
            _ => {
                return Pattern {
                    span: lo.span,
                    kind: PatternKind::Literal(Box::new(lo)),
                }
            }
        };
        self.bump();
        let Some(hi) = self.number_literal() else {
            return self.error_pattern(start);
        };
        Pattern {
            span: lo.span.to(hi.span),
            kind: PatternKind::Range {
                start: Box::new(lo),
                end: Box::new(hi),
                inclusive,
            },
        }
    }

    /// A string literal pattern (no interpolation).
    fn str_pattern(&mut self, start: Span) -> Pattern {
        let segments = match self.bump().kind {
            TokenKind::Str(segments) => segments,
            _ => return self.error_pattern(start),
        };
        let mut parts = Vec::new();
        for seg in segments {
            match seg {
                StrSegment::Text(t) => parts.push(StrPart::Text(t)),
                StrSegment::Interp(_, span) => {
                    self.error(
                        crate::diagnostic::codes::UNEXPECTED_TOKEN,
                        "a string pattern cannot contain an interpolation",
                        span,
                    );
                }
            }
        }
        self.literal_pattern(ExprKind::Str(parts), start)
    }

    fn literal_pattern(&self, kind: ExprKind, span: Span) -> Pattern {
        Pattern {
            kind: PatternKind::Literal(Box::new(Expr { kind, span })),
            span,
        }
    }

    /// An Int or Float literal with an optional leading `-` (folded into the value).
    fn number_literal(&mut self) -> Option<Expr> {
        let start = self.peek_span();
        let negative = self.eat(&TokenKind::Minus).is_some();
        let kind = match self.peek() {
            TokenKind::Int(v) => ExprKind::Int(if negative { v.wrapping_neg() } else { *v }),
            TokenKind::Float(v) => ExprKind::Float(if negative { -v } else { *v }),
            _ => {
                self.unexpected("a number");
                return None;
            }
        };
        let end = self.bump().span;
        Some(Expr {
            kind,
            span: start.to(end),
        })
    }

    /// `(p, q: r, ...)` after a variant name.
    fn pattern_args(&mut self) -> Vec<PatternArg> {
        self.bump();
        let (args, _) = self.delimited(&TokenKind::RParen, |p| {
            let name = p.label("a field name");
            let pattern = p.pattern();
            Some(PatternArg { name, pattern })
        });
        args
    }

    /// `(p)` (grouping) or `(p, q, ...)`.
    fn tuple_pattern(&mut self) -> Pattern {
        let open = self.bump().span;
        let (items, trailing) = self.delimited(&TokenKind::RParen, |p| Some(p.pattern()));
        let span = self.span_from(open);
        if items.len() == 1 && !trailing {
            if let Some(mut only) = items.into_iter().next() {
                only.span = span;
                return only;
            }
            return self.error_pattern(span);
        }
        Pattern {
            kind: PatternKind::Tuple(items),
            span,
        }
    }

    /// `[p, q]`, `[p, ...rest]`, `[p, ..._]`, `[p, ...]`.
    fn list_pattern(&mut self) -> Pattern {
        let open = self.bump().span;
        let (items, rest) = self.with_newlines(true, |p| {
            let mut items = Vec::new();
            let mut rest = None;
            loop {
                if p.at(&TokenKind::RBracket) || p.at(&TokenKind::Eof) {
                    break;
                }
                if p.eat(&TokenKind::DotDotDot).is_some() {
                    rest = Some(match p.peek().clone() {
                        TokenKind::Ident(name) => {
                            let span = p.bump().span;
                            if name == "_" {
                                None
                            } else {
                                Some(Ident { name, span })
                            }
                        }
                        _ => None,
                    });
                    p.eat(&TokenKind::Comma);
                    if !p.at(&TokenKind::RBracket) {
                        p.unexpected("`]`: the rest pattern `...` must come last");
                    }
                    break;
                }
                items.push(p.pattern());
                if p.eat(&TokenKind::Comma).is_none() {
                    break;
                }
            }
            p.expect(&TokenKind::RBracket);
            (items, rest)
        });
        Pattern {
            kind: PatternKind::List { items, rest },
            span: self.span_from(open),
        }
    }
}
