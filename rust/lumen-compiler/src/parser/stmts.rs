//! Statements and blocks: `let`, assignment, `while`, `for`, `loop`, `break`, `continue`,
//! `return` and expression statements.

use super::Parser;
use crate::ast::{BinOp, Block, Expr, ExprKind, Stmt, StmtKind};
use crate::diagnostic::codes;
use crate::span::Span;
use crate::token::TokenKind;

impl Parser {
    /// Parses statements until `end`, `else` (when `allow_else`), end of input or a
    /// declaration keyword; the caller consumes the closing keyword.
    pub(crate) fn block(&mut self, allow_else: bool) -> Block {
        let start = self.peek_span();
        if !self.enter() {
            return self.empty_block();
        }
        let mut stmts: Vec<Stmt> = Vec::new();
        self.with_newlines(false, |p| loop {
            p.skip_newlines();
            match p.peek() {
                TokenKind::End | TokenKind::Eof => break,
                TokenKind::Else if allow_else => break,
                TokenKind::Else => {
                    p.recovering = false;
                    p.unexpected("a statement");
                    p.skip_line();
                    continue;
                }
                k if Self::is_item_start(k) => break,
                _ => {}
            }
            p.recovering = false;
            let before = p.pos;
            p.stmt_into(&mut stmts);
            p.end_stmt();
            if p.pos == before {
                p.skip_line();
            }
        });
        self.leave();
        let span = match (stmts.first(), stmts.last()) {
            (Some(a), Some(b)) => a.span.to(b.span),
            _ => Span::new(start.start as usize, start.start as usize),
        };
        Block { stmts, span }
    }

    /// A block holding one expression statement (expression lambdas, `then a else b`).
    pub(crate) fn expr_block(e: Expr) -> Block {
        let span = e.span;
        Block {
            stmts: vec![Stmt {
                kind: StmtKind::Expr(e),
                span,
            }],
            span,
        }
    }

    /// One statement (without its line end).
    pub(crate) fn stmt(&mut self) -> Option<Stmt> {
        let mut one = Vec::new();
        self.stmt_into(&mut one);
        one.pop()
    }

    /// Parses one statement (without its line end) and appends it to `out`. Each kind is
    /// parsed by a method of its own that appends the statement itself: this function is on
    /// the stack once per nested block, so it holds no statement-sized temporaries.
    pub(crate) fn stmt_into(&mut self, out: &mut Vec<Stmt>) {
        let start = self.peek_span();
        match self.peek() {
            TokenKind::Let => self.let_stmt(start, out),
            TokenKind::While => self.while_stmt(start, out),
            TokenKind::For => self.for_stmt(start, out),
            TokenKind::Loop => self.loop_stmt(start, out),
            TokenKind::Break => {
                self.bump();
                self.push_stmt(StmtKind::Break, start, out);
            }
            TokenKind::Continue => {
                self.bump();
                self.push_stmt(StmtKind::Continue, start, out);
            }
            TokenKind::Return => self.return_stmt(start, out),
            _ => self.expr_or_assign(start, out),
        }
    }

    /// Appends the statement of `kind` that started at `start`.
    fn push_stmt(&mut self, kind: StmtKind, start: Span, out: &mut Vec<Stmt>) {
        out.push(Stmt {
            kind,
            span: self.span_from(start),
        });
    }

    /// `while cond` newline body `end`
    fn while_stmt(&mut self, start: Span, out: &mut Vec<Stmt>) {
        let kw = self.bump().span;
        let cond = self.expr();
        self.expect_line_end();
        let body = self.block(false);
        self.close_block(kw, "`while`");
        self.push_stmt(StmtKind::While { cond, body }, start, out);
    }

    /// `loop` newline body `end`
    fn loop_stmt(&mut self, start: Span, out: &mut Vec<Stmt>) {
        let kw = self.bump().span;
        self.expect_line_end();
        let body = self.block(false);
        self.close_block(kw, "`loop`");
        self.push_stmt(StmtKind::Loop { body }, start, out);
    }

    /// `return [value]`
    fn return_stmt(&mut self, start: Span, out: &mut Vec<Stmt>) {
        self.bump();
        let value = if Self::can_start_expr(self.peek_raw()) {
            Some(self.expr())
        } else {
            None
        };
        self.push_stmt(StmtKind::Return(value), start, out);
    }

    /// True for tokens that can begin an expression.
    pub(crate) fn can_start_expr(kind: &TokenKind) -> bool {
        matches!(
            kind,
            TokenKind::Ident(_)
                | TokenKind::Int(_)
                | TokenKind::Float(_)
                | TokenKind::Str(_)
                | TokenKind::True
                | TokenKind::False
                | TokenKind::Null
                | TokenKind::LParen
                | TokenKind::LBracket
                | TokenKind::LBrace
                | TokenKind::Minus
                | TokenKind::Not
                | TokenKind::Fn
                | TokenKind::If
                | TokenKind::Match
                | TokenKind::When
        )
    }

    /// `let [mut] pattern [: T] = value`
    fn let_stmt(&mut self, start: Span, out: &mut Vec<Stmt>) {
        self.bump();
        let mutable = self.eat(&TokenKind::Mut).is_some();
        let pattern = self.pattern();
        let Some((ty, value)) = self.typed_value() else {
            return;
        };
        let kind = StmtKind::Let {
            mutable,
            pattern,
            ty,
            value,
        };
        self.push_stmt(kind, start, out);
    }

    /// `for pattern in iter [if filter]` newline body `end`
    fn for_stmt(&mut self, start: Span, out: &mut Vec<Stmt>) {
        let kw = self.bump().span;
        let pattern = self.pattern();
        if self.expect(&TokenKind::In).is_none() {
            self.skip_line();
            self.block(false);
            self.close_block(kw, "`for`");
            return;
        }
        self.skip_newlines();
        let iter = self.expr();
        let filter = if self.eat(&TokenKind::If).is_some() {
            Some(self.expr())
        } else {
            None
        };
        self.expect_line_end();
        let body = self.block(false);
        self.close_block(kw, "`for`");
        let kind = StmtKind::For {
            pattern,
            iter,
            filter,
            body,
        };
        self.push_stmt(kind, start, out);
    }

    /// An expression statement, or an assignment when `=` / `op=` follows the expression.
    fn expr_or_assign(&mut self, start: Span, out: &mut Vec<Stmt>) {
        let target = self.expr();
        self.assign_rest(target, start, out);
    }

    /// After the expression of an expression statement: `= value`, `op= value` or nothing.
    fn assign_rest(&mut self, target: Expr, start: Span, out: &mut Vec<Stmt>) {
        let op = match self.peek() {
            TokenKind::Assign => None,
            TokenKind::PlusEq => Some(BinOp::Add),
            TokenKind::MinusEq => Some(BinOp::Sub),
            TokenKind::StarEq => Some(BinOp::Mul),
            TokenKind::SlashEq => Some(BinOp::Div),
            TokenKind::SlashSlashEq => Some(BinOp::IntDiv),
            TokenKind::PercentEq => Some(BinOp::Mod),
            _ => return self.push_stmt(StmtKind::Expr(target), start, out),
        };
        self.bump();
        let assignable = matches!(
            target.kind,
            ExprKind::Name(_)
                | ExprKind::Index { .. }
                | ExprKind::Field {
                    optional: false,
                    ..
                }
        );
        if !assignable {
            self.error(
                codes::INVALID_ASSIGN_TARGET,
                "cannot assign to this expression: only a name, an index `a[i]` or a field `a.f` can be assigned",
                target.span,
            );
        }
        self.skip_newlines();
        let value = self.expr();
        self.push_stmt(StmtKind::Assign { target, op, value }, start, out);
    }
}
