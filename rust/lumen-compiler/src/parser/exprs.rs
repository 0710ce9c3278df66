//! Expressions: precedence climbing over the levels of spec §2 (loosest first):
//! `??` · `or` · `and` · `not` · comparisons (`== != < <= > >= in is`, non-associative) ·
//! `|>` · `++` · `.. ..=` · `+ -` · `* / // %` · `**` (right) · unary `-` · postfix.

use super::Parser;
use crate::ast::{Arg, BinOp, Block, Expr, ExprKind, MatchArm, StrPart, UnOp, WhenArm};
use crate::diagnostic::codes;
use crate::span::Span;
use crate::token::{StrSegment, TokenKind};

/// Precedence levels, loosest first (spec §2).
mod prec {
    pub const COALESCE: u8 = 1;
    pub const OR: u8 = 2;
    pub const AND: u8 = 3;
    pub const NOT: u8 = 4;
    pub const CMP: u8 = 5;
    pub const PIPE: u8 = 6;
    pub const CONCAT: u8 = 7;
    pub const RANGE: u8 = 8;
    pub const ADD: u8 = 9;
    pub const MUL: u8 = 10;
    pub const POW: u8 = 11;
}

/// What an infix operator builds.
#[derive(Clone, Copy)]
enum Infix {
    /// Left-associative binary operator.
    Bin(BinOp),
    /// Non-associative comparison.
    Cmp(BinOp),
    /// Non-associative range.
    Range(BinOp),
    /// `is Type`
    Is,
    /// `**` (right-associative)
    Pow,
    /// `|>` (desugared to a call)
    Pipe,
}

/// `x |> f(a)` is `f(x, a)`; `x |> f` is `f(x)`.
fn pipe_call(lhs: Expr, rhs: Expr) -> Expr {
    let span = lhs.span.to(rhs.span);
    let first = Arg {
        name: None,
        span: lhs.span,
        value: lhs,
    };
    match rhs.kind {
        ExprKind::Call { callee, mut args } => {
            args.insert(0, first);
            Expr {
                kind: ExprKind::Call { callee, args },
                span,
            }
        }
        other => Expr {
            kind: ExprKind::Call {
                callee: Box::new(Expr {
                    kind: other,
                    span: rhs.span,
                }),
                args: vec![first],
            },
            span,
        },
    }
}

fn binary(op: BinOp, lhs: Expr, rhs: Expr) -> Expr {
    Expr {
        span: lhs.span.to(rhs.span),
        kind: ExprKind::Binary {
            op,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
        },
    }
}

impl Parser {
    /// Any expression.
    pub(crate) fn expr(&mut self) -> Expr {
        if !self.enter() {
            return self.error_expr(self.peek_span());
        }
        let e = self.binary_expr(prec::COALESCE);
        self.leave();
        e
    }

    /// The infix operator at the current token and its precedence level. A line that
    /// starts with `|>` continues the expression of the previous line.
    fn infix(&self) -> Option<(Infix, u8)> {
        use prec::*;
        let op = match self.peek() {
            TokenKind::QuestionQuestion => (Infix::Bin(BinOp::Coalesce), COALESCE),
            TokenKind::Or => (Infix::Bin(BinOp::Or), OR),
            TokenKind::And => (Infix::Bin(BinOp::And), AND),
            TokenKind::EqEq => (Infix::Cmp(BinOp::Eq), CMP),
            TokenKind::NotEq => (Infix::Cmp(BinOp::Ne), CMP),
            TokenKind::Lt => (Infix::Cmp(BinOp::Lt), CMP),
            TokenKind::Le => (Infix::Cmp(BinOp::Le), CMP),
            TokenKind::Gt => (Infix::Cmp(BinOp::Gt), CMP),
            TokenKind::Ge => (Infix::Cmp(BinOp::Ge), CMP),
            TokenKind::In => (Infix::Cmp(BinOp::In), CMP),
            TokenKind::Is => (Infix::Is, CMP),
            TokenKind::PipeGt => (Infix::Pipe, PIPE),
            TokenKind::PlusPlus => (Infix::Bin(BinOp::Concat), CONCAT),
            TokenKind::DotDot => (Infix::Range(BinOp::Range), RANGE),
            TokenKind::DotDotEq => (Infix::Range(BinOp::RangeInclusive), RANGE),
            TokenKind::Plus => (Infix::Bin(BinOp::Add), ADD),
            TokenKind::Minus => (Infix::Bin(BinOp::Sub), ADD),
            TokenKind::Star => (Infix::Bin(BinOp::Mul), MUL),
            TokenKind::Slash => (Infix::Bin(BinOp::Div), MUL),
            TokenKind::SlashSlash => (Infix::Bin(BinOp::IntDiv), MUL),
            TokenKind::Percent => (Infix::Bin(BinOp::Mod), MUL),
            TokenKind::StarStar => (Infix::Pow, POW),
            TokenKind::Newline
                if !self.ignoring_newlines()
                    && self.kind_at(self.pos + 1) == &TokenKind::PipeGt =>
            {
                (Infix::Pipe, PIPE)
            }
            _ => return None,
        };
        Some(op)
    }

    /// Precedence climbing over the binary operators of level `min` and tighter.
    fn binary_expr(&mut self, min: u8) -> Expr {
        let mut chain = self.chain_start();
        let e = self.binary_chain(min, &mut chain);
        self.chain_end(chain);
        e
    }

    /// The operands and operators of [`Parser::binary_expr`]; every operator applied is one
    /// chain link.
    fn binary_chain(&mut self, min: u8, chain: &mut super::Chain) -> Expr {
        let mut lhs = if min <= prec::NOT && self.at(&TokenKind::Not) {
            self.not_expr()
        } else {
            self.unary()
        };
        self.chain_first(chain);
        // The level of the last comparison/range operator applied at this level: they
        // do not associate.
        let mut last_nonassoc: Option<u8> = None;
        while let Some((op, level)) = self.infix() {
            if level < min {
                break;
            }
            if last_nonassoc == Some(level) {
                self.chained_nonassoc(level);
            }
            if !self.link_begin(chain) {
                return lhs;
            }
            if matches!(op, Infix::Cmp(_) | Infix::Range(_) | Infix::Is) {
                last_nonassoc = Some(level);
            }
            lhs = self.infix_link(op, level, lhs);
            self.link_end(chain);
        }
        lhs
    }

    /// Reports a comparison or range operator applied to the result of another.
    fn chained_nonassoc(&mut self, level: u8) {
        let message = if level == prec::CMP {
            "comparison operators do not chain: use `and` to combine comparisons"
        } else {
            "ranges do not chain: use parentheses"
        };
        let span = self.peek_span();
        self.error(codes::UNEXPECTED_TOKEN, message, span);
    }

    /// The infix operator `op` (of precedence `level`, the current token) applied to `lhs`
    /// and the operand that follows it.
    fn infix_link(&mut self, op: Infix, level: u8, lhs: Expr) -> Expr {
        self.skip_newlines();
        self.bump();
        self.skip_newlines();
        match op {
            Infix::Bin(op) | Infix::Cmp(op) | Infix::Range(op) => {
                let rhs = self.binary_expr(level + 1);
                binary(op, lhs, rhs)
            }
            Infix::Is => {
                let ty = self.ty();
                Expr {
                    span: lhs.span.to(ty.span()),
                    kind: ExprKind::Is {
                        expr: Box::new(lhs),
                        ty,
                    },
                }
            }
            // Right-associative.
            Infix::Pow => {
                let rhs = self.binary_expr(level);
                binary(BinOp::Pow, lhs, rhs)
            }
            Infix::Pipe => {
                let rhs = self.binary_expr(level + 1);
                pipe_call(lhs, rhs)
            }
        }
    }

    /// Prefix `not`: `not a == b` is `not (a == b)`.
    pub(crate) fn not_expr(&mut self) -> Expr {
        let kw = self.bump().span;
        self.skip_newlines();
        if !self.enter() {
            return self.error_expr(kw);
        }
        let inner = self.binary_expr(prec::NOT);
        self.leave();
        Expr {
            span: kw.to(inner.span),
            kind: ExprKind::Unary {
                op: UnOp::Not,
                expr: Box::new(inner),
            },
        }
    }

    fn unary(&mut self) -> Expr {
        if self.at(&TokenKind::Minus) {
            let op = self.bump().span;
            if !self.enter() {
                return self.error_expr(op);
            }
            let inner = self.unary();
            self.leave();
            return Expr {
                span: op.to(inner.span),
                kind: ExprKind::Unary {
                    op: UnOp::Neg,
                    expr: Box::new(inner),
                },
            };
        }
        let mut chain = self.chain_start();
        let e = self.primary();
        self.chain_first(&mut chain);
        let e = self.postfix(e, &mut chain);
        self.chain_end(chain);
        e
    }

    /// `.field`, `?.field`, `(args)`, `[index]`, `?`
    /// Each postfix operator is one link of `chain`.
    fn postfix(&mut self, mut e: Expr, chain: &mut super::Chain) -> Expr {
        loop {
            let link = matches!(
                self.peek(),
                TokenKind::Dot
                    | TokenKind::QuestionDot
                    | TokenKind::LParen
                    | TokenKind::LBracket
                    | TokenKind::Question
            );
            if !link {
                return e;
            }
            if !self.link_begin(chain) {
                return e;
            }
            e = self.postfix_link(e);
            self.link_end(chain);
        }
    }

    /// One postfix operator applied to `e` (the current token starts it).
    fn postfix_link(&mut self, e: Expr) -> Expr {
        match self.peek() {
            TokenKind::Dot | TokenKind::QuestionDot => {
                let optional = self.peek() == &TokenKind::QuestionDot;
                self.bump();
                let Some(name) = self.word("a field name") else {
                    return e;
                };
                Expr {
                    span: e.span.to(name.span),
                    kind: ExprKind::Field {
                        target: Box::new(e),
                        name,
                        optional,
                    },
                }
            }
            TokenKind::LParen => {
                let args = self.call_args();
                Expr {
                    span: self.span_from(e.span),
                    kind: ExprKind::Call {
                        callee: Box::new(e),
                        args,
                    },
                }
            }
            TokenKind::LBracket => {
                self.bump();
                let index = self.with_newlines(true, |p| {
                    let index = p.expr();
                    p.expect(&TokenKind::RBracket);
                    index
                });
                Expr {
                    span: self.span_from(e.span),
                    kind: ExprKind::Index {
                        target: Box::new(e),
                        index: Box::new(index),
                    },
                }
            }
            TokenKind::Question => {
                let q = self.bump().span;
                Expr {
                    span: e.span.to(q),
                    kind: ExprKind::Try(Box::new(e)),
                }
            }
            _ => e,
        }
    }

    /// `(a, name: b, ...)` (the current token is `(`).
    fn call_args(&mut self) -> Vec<Arg> {
        self.bump();
        let (args, _) = self.delimited(&TokenKind::RParen, |p| {
            let start = p.peek_span();
            let name = p.label("an argument name");
            let value = p.expr();
            Some(Arg {
                name,
                value,
                span: p.span_from(start),
            })
        });
        args
    }

    fn primary(&mut self) -> Expr {
        let span = self.peek_span();
        let kind = match self.peek() {
            TokenKind::Int(v) => ExprKind::Int(*v),
            TokenKind::Float(v) => ExprKind::Float(*v),
            TokenKind::True => ExprKind::Bool(true),
            TokenKind::False => ExprKind::Bool(false),
            TokenKind::Null => ExprKind::Null,
            TokenKind::Ident(name) => ExprKind::Name(name.clone()),
            TokenKind::Str(segments) => {
                let segments = segments.clone();
                self.bump();
                return Expr {
                    kind: ExprKind::Str(self.string_parts(segments)),
                    span,
                };
            }
            TokenKind::LParen => return self.paren(),
            TokenKind::LBracket => return self.list(),
            TokenKind::LBrace => return self.map(),
            TokenKind::Fn => return self.lambda(),
            TokenKind::If => return self.if_expr(),
            TokenKind::Match => return self.match_expr(),
            TokenKind::When => return self.when_expr(),
            TokenKind::Not => return self.not_expr(),
            _ => {
                self.unexpected("expression");
                return self.error_expr(span);
            }
        };
        self.bump();
        Expr { kind, span }
    }

    /// Converts string segments to AST parts, parsing each interpolation.
    fn string_parts(&mut self, segments: Vec<StrSegment>) -> Vec<StrPart> {
        let mut parts = Vec::new();
        for seg in segments {
            match seg {
                StrSegment::Text(t) => parts.push(StrPart::Text(t)),
                StrSegment::Interp(tokens, span) => {
                    let mut sub = Parser::new(tokens, self.depth);
                    sub.peak = self.peak.max(self.depth);
                    sub.nl_stack = vec![true];
                    let e = if sub.at(&TokenKind::Eof) {
                        sub.error(
                            codes::UNEXPECTED_TOKEN,
                            "empty interpolation: expected an expression inside `{}`",
                            span,
                        );
                        sub.error_expr(span)
                    } else {
                        let e = sub.expr();
                        if !sub.at(&TokenKind::Eof) {
                            sub.unexpected("`}` closing the interpolation");
                        }
                        e
                    };
                    for d in sub.diags {
                        if !self.recovering {
                            self.diags.push(d);
                        }
                    }
                    self.peak = self.peak.max(sub.peak);
                    if sub.too_deep {
                        // Like `enter` at the limit: reported once, the rest is skipped.
                        self.too_deep = true;
                        self.recovering = true;
                        self.pos = self.last_index();
                    }
                    parts.push(StrPart::Expr(e));
                }
            }
        }
        parts
    }

    /// `(e)` grouping or `(a, b, ...)` tuple.
    fn paren(&mut self) -> Expr {
        let open = self.bump().span;
        if !self.enter() {
            return self.error_expr(open);
        }
        let (items, trailing_comma) = self.with_newlines(true, |p| {
            let list = p.comma_items(&TokenKind::RParen, |p| Some(p.expr()));
            if list.0.is_empty() {
                p.unexpected("expression");
            }
            p.expect(&TokenKind::RParen);
            list
        });
        self.leave();
        let span = self.span_from(open);
        let _ = trailing_comma;
        if items.len() == 1 {
            let mut inner = items
                .into_iter()
                .next()
                .unwrap_or_else(|| self.error_expr(span));
            inner.span = span;
            return inner;
        }
        if items.is_empty() {
            return self.error_expr(span);
        }
        Expr {
            kind: ExprKind::Tuple(items),
            span,
        }
    }

    /// `[a, b]`, `[]` or `[e for p in xs if c]`.
    fn list(&mut self) -> Expr {
        let open = self.bump().span;
        if !self.enter() {
            return self.error_expr(open);
        }
        let kind = self.with_newlines(true, |p| {
            if p.eat(&TokenKind::RBracket).is_some() {
                return ExprKind::List(Vec::new());
            }
            let first = p.expr();
            if p.eat(&TokenKind::For).is_some() {
                let pattern = p.pattern();
                p.expect(&TokenKind::In);
                let iter = p.expr();
                let filter = if p.eat(&TokenKind::If).is_some() {
                    Some(Box::new(p.expr()))
                } else {
                    None
                };
                p.expect(&TokenKind::RBracket);
                return ExprKind::Comprehension {
                    expr: Box::new(first),
                    pattern,
                    iter: Box::new(iter),
                    filter,
                };
            }
            let mut items = vec![first];
            while p.eat(&TokenKind::Comma).is_some() {
                if p.at(&TokenKind::RBracket) {
                    break;
                }
                items.push(p.expr());
            }
            p.expect(&TokenKind::RBracket);
            ExprKind::List(items)
        });
        self.leave();
        Expr {
            kind,
            span: self.span_from(open),
        }
    }

    /// `{k: v, ...}` or `{}` (an empty map).
    fn map(&mut self) -> Expr {
        let open = self.bump().span;
        if !self.enter() {
            return self.error_expr(open);
        }
        let (entries, _) = self.delimited(&TokenKind::RBrace, |p| {
            let key = p.expr();
            p.expect(&TokenKind::Colon)?;
            let value = p.expr();
            Some((key, value))
        });
        self.leave();
        Expr {
            kind: ExprKind::Map(entries),
            span: self.span_from(open),
        }
    }

    /// `fn(params) [-> T] => expr` or `fn(params) [-> T]` newline block `end`.
    fn lambda(&mut self) -> Expr {
        let kw = self.bump().span;
        if !self.enter() {
            return self.error_expr(kw);
        }
        let (params, ret) = self.signature(false);
        let body = if self.eat(&TokenKind::FatArrow).is_some() {
            self.skip_newlines();
            let e = self.expr();
            Self::expr_block(e)
        } else if self.peek_raw() == &TokenKind::Newline {
            self.pos += 1;
            let body = self.block(false);
            self.close_block(kw, "`fn`");
            body
        } else {
            self.unexpected("`=>` or a new line after the lambda's parameters");
            self.empty_block()
        };
        self.leave();
        Expr {
            kind: ExprKind::Lambda { params, ret, body },
            span: self.span_from(kw),
        }
    }

    /// Block `if c ... else if d ... else ... end` or expression `if c then a else b`.
    fn if_expr(&mut self) -> Expr {
        let kw = self.bump().span;
        if !self.enter() {
            return self.error_expr(kw);
        }
        let cond = self.expr();
        let e = if self.eat(&TokenKind::Then).is_some() && self.peek_raw() != &TokenKind::Newline {
            // Expression form: the whole `if` lives on one line.
            let then_e = self.expr();
            let else_block = if self.eat(&TokenKind::Else).is_some() {
                self.skip_newlines();
                Some(Self::expr_block(self.expr()))
            } else {
                None
            };
            ExprKind::If {
                branches: vec![(cond, Self::expr_block(then_e))],
                else_block,
            }
        } else {
            self.if_block_form(kw, cond)
        };
        self.leave();
        Expr {
            kind: e,
            span: self.span_from(kw),
        }
    }

    fn if_block_form(&mut self, kw: Span, cond: Expr) -> ExprKind {
        self.expect_line_end();
        let mut branches: Vec<(Expr, Block)> = vec![(cond, self.block(true))];
        let mut else_block = None;
        while self.at(&TokenKind::Else) {
            self.bump();
            if self.eat(&TokenKind::If).is_some() {
                let cond = self.expr();
                self.eat(&TokenKind::Then);
                self.expect_line_end();
                branches.push((cond, self.block(true)));
            } else {
                self.expect_line_end();
                else_block = Some(self.block(false));
                break;
            }
        }
        self.close_block(kw, "`if`");
        ExprKind::If {
            branches,
            else_block,
        }
    }

    /// `match e` newline arms `end`.
    fn match_expr(&mut self) -> Expr {
        let kw = self.bump().span;
        if !self.enter() {
            return self.error_expr(kw);
        }
        let scrutinee = self.expr();
        self.expect_line_end();
        let arms = self.arms(Self::match_arm);
        self.close_block(kw, "`match`");
        self.leave();
        Expr {
            kind: ExprKind::Match {
                scrutinee: Box::new(scrutinee),
                arms,
            },
            span: self.span_from(kw),
        }
    }

    /// The arms of a `match` or `when`, one per line (newlines significant) until `end`:
    /// an arm that `arm` cannot parse skips the rest of its line.
    fn arms<T>(&mut self, mut arm: impl FnMut(&mut Parser) -> Option<T>) -> Vec<T> {
        self.with_newlines(false, |p| {
            let mut arms = Vec::new();
            loop {
                p.skip_newlines();
                if p.at(&TokenKind::End) || p.at(&TokenKind::Eof) || Self::is_item_start(p.peek()) {
                    break;
                }
                p.recovering = false;
                let before = p.pos;
                if let Some(a) = arm(p) {
                    arms.push(a);
                } else {
                    p.skip_line();
                }
                if p.pos == before {
                    p.skip_line();
                }
            }
            arms
        })
    }

    /// `cond -> body` or `_ -> body` (one arm of `when`).
    fn when_arm(&mut self) -> Option<WhenArm> {
        let start = self.peek_span();
        let cond = if self.peek() == &TokenKind::Ident("_".to_string())
            && self.peek_nth(1) == &TokenKind::Arrow
        {
            self.bump();
            None
        } else {
            Some(self.expr())
        };
        let arrow = self.expect(&TokenKind::Arrow)?;
        let body = self.arm_body(arrow);
        Some(WhenArm {
            cond,
            body,
            span: self.span_from(start),
        })
    }

    /// `pattern [if guard] -> body` (one arm of `match`).
    fn match_arm(&mut self) -> Option<MatchArm> {
        let pattern = self.pattern();
        let guard = if self.eat(&TokenKind::If).is_some() {
            Some(self.expr())
        } else {
            None
        };
        let arrow = self.expect(&TokenKind::Arrow)?;
        let body = self.arm_body(arrow);
        Some(MatchArm {
            span: self.span_from(pattern.span),
            pattern,
            guard,
            body,
        })
    }

    /// An arm body: one statement on the same line, or a block closed by `end` when `->`
    /// ends the line (docs/LANGUAGE.md rule 5). Consumes the line end.
    fn arm_body(&mut self, arrow: Span) -> Block {
        if self.peek_raw() == &TokenKind::Newline {
            self.pos += 1;
            let body = self.block(false);
            self.close_block(arrow, "the block of this arm");
            self.end_stmt();
            return body;
        }
        let body = match self.stmt() {
            Some(stmt) => Block {
                span: stmt.span,
                stmts: vec![stmt],
            },
            None => self.empty_block(),
        };
        self.end_stmt();
        body
    }

    /// `when` newline `cond -> value` / `_ -> value` arms `end`.
    fn when_expr(&mut self) -> Expr {
        let kw = self.bump().span;
        if !self.enter() {
            return self.error_expr(kw);
        }
        self.expect_line_end();
        let arms = self.arms(Self::when_arm);
        self.close_block(kw, "`when`");
        self.leave();
        Expr {
            kind: ExprKind::When { arms },
            span: self.span_from(kw),
        }
    }
}
