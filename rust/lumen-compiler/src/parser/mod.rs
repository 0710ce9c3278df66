//! The parser: tokens → AST ([`crate::ast`]), with every syntax error reported.
//!
//! Recursive descent; binary operators use precedence climbing over the levels of spec §2.
//! The submodules hold the grammar: `items` (declarations), `stmts`, `exprs`, `patterns`
//! and `types`.
//!
//! Newlines: the lexer emits a `Newline` token at every line end. The parser keeps a stack of
//! modes: inside `()`, `[]` and `{}` newlines are skipped, inside a block (a cell body, a
//! lambda body, `if`/`match` arms...) they end statements. Lines ending with a binary
//! operator, `=` or `->` continue on the next line, as does a line starting with `|>`.
//!
//! Error recovery: after an error, further errors are suppressed until the parser reaches the
//! next statement or declaration (it skips to the next line at statement level, or to the
//! next declaration keyword at top level). Nesting deeper than [`MAX_DEPTH`] is reported as a
//! diagnostic instead of overflowing the stack. The parser terminates and never panics.

mod exprs;
mod items;
mod patterns;
mod stmts;
mod types;

#[cfg(test)]
mod tests;

use crate::ast::{self, Block, Expr, ExprKind, Ident};
use crate::diagnostic::{codes, Diagnostic};
use crate::lexer;
use crate::source;
use crate::span::{LineIndex, Span};
use crate::token::{Token, TokenKind};

/// How deep the syntax tree may be, in nesting levels: every bracket, block, sub-expression,
/// pattern and type entered counts one level, and so does every link of a chain of binary
/// operators, pipes, calls, fields, indexes and `?` (the tree of `1 + 1 + ... + 1` is as deep
/// as it has terms). Deeper input is E0103. The limit keeps every later pass (resolver,
/// checker, lowering, the tree's own `Drop`) inside a 1 MiB stack in a debug build; see
/// `docs/LANGUAGE.md`.
pub const MAX_DEPTH: usize = 160;

/// Lexes and parses a code text (as produced by [`source::extract`]). Returns the module
/// and every lexical and syntax diagnostic, unlocated, in source order.
pub fn parse(text: &str) -> (ast::Module, Vec<Diagnostic>) {
    let (tokens, mut diags) = lexer::lex(text);
    let mut parser = Parser::new(tokens, 0);
    let module = parser.module();
    diags.extend(parser.diags);
    diags.sort_by_key(|d| d.span.start);
    (module, diags)
}

/// Extracts, lexes and parses one file. Returns the module, the code text and the
/// diagnostics, located in the original file (name, line, column, source line).
pub fn parse_file(name: &str, bytes: &[u8]) -> (ast::Module, String, Vec<Diagnostic>) {
    let original = String::from_utf8_lossy(bytes);
    let index = LineIndex::new(&original);
    match source::extract(name, bytes) {
        Err(mut d) => {
            d.locate(name, &original, &index);
            (ast::Module::default(), String::new(), vec![d])
        }
        Ok(code) => {
            let (module, mut diags) = parse(&code);
            diags.extend(source::no_lumen_block(name, &original));
            for d in &mut diags {
                d.locate(name, &original, &index);
            }
            (module, code, diags)
        }
    }
}

/// An open chain of operators (see [`Parser::chain_start`]).
pub(crate) struct Chain {
    /// The depth the chain started at (its root's level).
    start: usize,
    /// The enclosing chain's peak, restored (merged) at the end.
    saved_peak: usize,
    /// Levels from the chain's root to its deepest node.
    height: usize,
}

/// Parser state over one token list (a file, or one string interpolation).
pub(crate) struct Parser {
    tokens: Vec<Token>,
    /// Index of the next raw token (may be a `Newline`).
    pos: usize,
    /// End offset of the last consumed token.
    last_end: usize,
    diags: Vec<Diagnostic>,
    /// Newline modes: `true` = newlines are skipped (inside brackets).
    nl_stack: Vec<bool>,
    depth: usize,
    /// The deepest level reached since the innermost open chain (or link) started: with
    /// `depth` it measures subtree heights (see [`Parser::chain_start`]).
    peak: usize,
    /// Set after an error; suppresses further errors until the next statement/declaration.
    recovering: bool,
    too_deep: bool,
    /// Code of the last reported error.
    last_code: Option<&'static str>,
}

impl Parser {
    /// A parser over `tokens` (which should end with `Eof`) at nesting depth `depth`.
    pub(crate) fn new(mut tokens: Vec<Token>, depth: usize) -> Parser {
        if !matches!(tokens.last().map(|t| &t.kind), Some(TokenKind::Eof)) {
            let at = tokens.last().map(|t| t.span.end as usize).unwrap_or(0);
            tokens.push(Token {
                kind: TokenKind::Eof,
                span: Span::new(at, at),
            });
        }
        Parser {
            tokens,
            pos: 0,
            last_end: 0,
            diags: Vec::new(),
            nl_stack: vec![false],
            depth,
            peak: depth,
            recovering: false,
            too_deep: false,
            last_code: None,
        }
    }

    // ----- token access -------------------------------------------------------------

    fn ignoring_newlines(&self) -> bool {
        self.nl_stack.last().copied().unwrap_or(false)
    }

    fn last_index(&self) -> usize {
        self.tokens.len().saturating_sub(1)
    }

    /// Index of the current significant token.
    fn idx(&self) -> usize {
        let mut i = self.pos.min(self.last_index());
        if self.ignoring_newlines() {
            while i < self.last_index() && self.kind_at(i) == &TokenKind::Newline {
                i += 1;
            }
        }
        i
    }

    fn kind_at(&self, i: usize) -> &TokenKind {
        self.tokens
            .get(i)
            .map(|t| &t.kind)
            .unwrap_or(&TokenKind::Eof)
    }

    fn span_at(&self, i: usize) -> Span {
        self.tokens
            .get(i)
            .map(|t| t.span)
            .unwrap_or_else(|| Span::new(self.last_end, self.last_end))
    }

    /// The current token kind (newlines skipped inside brackets).
    fn peek(&self) -> &TokenKind {
        self.kind_at(self.idx())
    }

    /// The span of the current token.
    fn peek_span(&self) -> Span {
        self.span_at(self.idx())
    }

    /// The token `n` significant tokens after the current one.
    fn peek_nth(&self, n: usize) -> &TokenKind {
        let mut i = self.idx();
        for _ in 0..n {
            if i < self.last_index() {
                i += 1;
            }
            if self.ignoring_newlines() {
                while i < self.last_index() && self.kind_at(i) == &TokenKind::Newline {
                    i += 1;
                }
            }
        }
        self.kind_at(i)
    }

    /// The next raw token, newlines included.
    fn peek_raw(&self) -> &TokenKind {
        self.kind_at(self.pos)
    }

    fn at(&self, kind: &TokenKind) -> bool {
        self.peek() == kind
    }

    /// Consumes the current token and returns it.
    fn bump(&mut self) -> Token {
        let i = self.idx();
        let tok = self.tokens.get(i).cloned().unwrap_or(Token {
            kind: TokenKind::Eof,
            span: Span::new(self.last_end, self.last_end),
        });
        if tok.kind != TokenKind::Eof {
            self.pos = i + 1;
            self.last_end = tok.span.end as usize;
        } else {
            self.pos = i;
        }
        tok
    }

    /// Consumes the current token when it is `kind`.
    fn eat(&mut self, kind: &TokenKind) -> Option<Span> {
        if self.at(kind) {
            Some(self.bump().span)
        } else {
            None
        }
    }

    /// Consumes `kind` or reports "expected `kind`, found ...".
    fn expect(&mut self, kind: &TokenKind) -> Option<Span> {
        if let Some(span) = self.eat(kind) {
            return Some(span);
        }
        self.unexpected(&kind.describe());
        None
    }

    /// Skips raw newline tokens (line continuation).
    fn skip_newlines(&mut self) {
        while self.pos < self.last_index() && self.kind_at(self.pos) == &TokenKind::Newline {
            self.pos += 1;
        }
    }

    /// Skips to just after the next newline (or to the end of input).
    fn skip_line(&mut self) {
        while self.pos < self.last_index() && self.kind_at(self.pos) != &TokenKind::Newline {
            self.pos += 1;
        }
        if self.kind_at(self.pos) == &TokenKind::Newline {
            self.pos += 1;
        }
    }

    /// Runs `f` with newlines skipped (`true`) or significant (`false`).
    fn with_newlines<T>(&mut self, ignore: bool, f: impl FnOnce(&mut Parser) -> T) -> T {
        self.nl_stack.push(ignore);
        let out = f(self);
        self.nl_stack.pop();
        out
    }

    /// Parses `item, item, ...` (a trailing comma allowed) until `close` or the end of
    /// input, without consuming `close`; stops early when `item` returns `None`. Returns
    /// the items and whether the list ended with a comma.
    fn comma_items<T>(
        &mut self,
        close: &TokenKind,
        mut item: impl FnMut(&mut Parser) -> Option<T>,
    ) -> (Vec<T>, bool) {
        let mut items = Vec::new();
        let mut trailing = false;
        loop {
            if self.at(close) || self.at(&TokenKind::Eof) {
                break;
            }
            let Some(x) = item(self) else {
                break;
            };
            items.push(x);
            trailing = false;
            if self.eat(&TokenKind::Comma).is_none() {
                break;
            }
            trailing = true;
        }
        (items, trailing)
    }

    /// A comma-separated list after its (already consumed) opener: `comma_items` with
    /// newlines ignored, then the closing `close`.
    fn delimited<T>(
        &mut self,
        close: &TokenKind,
        item: impl FnMut(&mut Parser) -> Option<T>,
    ) -> (Vec<T>, bool) {
        self.with_newlines(true, |p| {
            let list = p.comma_items(close, item);
            p.expect(close);
            list
        })
    }

    /// `[: Type] = value` after the name of a `let` or a `const` (the value may start on
    /// the next line); `None` when `=` is missing.
    fn typed_value(&mut self) -> Option<(Option<ast::TypeExpr>, Expr)> {
        let ty = if self.eat(&TokenKind::Colon).is_some() {
            Some(self.ty())
        } else {
            None
        };
        self.expect(&TokenKind::Assign)?;
        self.skip_newlines();
        Some((ty, self.expr()))
    }

    /// An optional `name:` label before an argument or a field (`what` names it in the
    /// error when the label is not a valid name).
    fn label(&mut self, what: &str) -> Option<Ident> {
        if matches!(self.peek(), TokenKind::Ident(_)) && self.peek_nth(1) == &TokenKind::Colon {
            let name = self.ident(what);
            self.bump();
            name
        } else {
            None
        }
    }

    /// Span from `start` to the end of the last consumed token.
    fn span_from(&self, start: Span) -> Span {
        Span::new(
            start.start as usize,
            self.last_end.max(start.start as usize),
        )
    }

    // ----- diagnostics --------------------------------------------------------------

    /// Reports an error unless the parser is recovering from an earlier one.
    fn error(&mut self, code: &'static str, message: impl Into<String>, span: Span) {
        if !self.recovering {
            self.diags.push(Diagnostic::error(code, message, span));
            self.last_code = Some(code);
        }
        self.recovering = true;
    }

    /// Reports "expected `what`, found <current token>" at the current token.
    /// When newlines were skipped to reach the current token (inside brackets), the
    /// error is reported at the line end: "expected `)`, found end of line".
    fn unexpected(&mut self, what: &str) {
        let i = self.idx();
        let (found, span) = if i > self.pos && self.kind_at(self.pos) == &TokenKind::Newline {
            (TokenKind::Newline.describe(), self.span_at(self.pos))
        } else {
            (self.peek().describe(), self.peek_span())
        };
        self.error(
            codes::UNEXPECTED_TOKEN,
            format!("expected {what}, found {found}"),
            span,
        );
    }

    /// Enters one nesting level. At [`MAX_DEPTH`] it reports the problem once, skips the
    /// rest of the input and returns false.
    fn enter(&mut self) -> bool {
        if self.depth >= MAX_DEPTH {
            self.too_deep_here();
            return false;
        }
        self.depth += 1;
        self.peak = self.peak.max(self.depth);
        true
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Reports E0103 once at the current token and skips the rest of the input.
    fn too_deep_here(&mut self) {
        if !self.too_deep {
            self.too_deep = true;
            let span = self.peek_span();
            self.recovering = false;
            self.error(
                codes::TOO_DEEP,
                format!(
                    "nesting is too deep (more than {MAX_DEPTH} levels, counting each operator, \
                     call, field or index of a chain as one level): split the expression up"
                ),
                span,
            );
        }
        self.recovering = true;
        self.pos = self.last_index();
    }

    /// Starts a chain: an operand followed by links (infix operators, `|>`, `.f`, `(args)`,
    /// `[i]`, `?`, a type's `?`). Each link builds a node above the chain so far, so the tree
    /// of `1 + 1 + ... + 1` is as deep as it has terms: the chain tracks its height and
    /// counts it against [`MAX_DEPTH`] like nesting.
    fn chain_start(&mut self) -> Chain {
        let chain = Chain {
            start: self.depth,
            saved_peak: self.peak,
            height: 0,
        };
        self.peak = self.depth;
        chain
    }

    /// After the chain's first operand: records its height.
    fn chain_first(&mut self, chain: &mut Chain) {
        chain.height = self.peak.saturating_sub(chain.start);
    }

    /// Before one more link: false (E0103 reported) when the chain would be too deep.
    /// The link's own operands (a right-hand side, call arguments, an index) are parsed one
    /// level below the link node.
    fn link_begin(&mut self, chain: &Chain) -> bool {
        if chain.start + chain.height >= MAX_DEPTH {
            self.too_deep_here();
            return false;
        }
        self.depth = chain.start + 1;
        self.peak = self.depth;
        true
    }

    /// After a link: the chain's height is one more than before, or that of the link's
    /// operands, whichever is more.
    fn link_end(&mut self, chain: &mut Chain) {
        chain.height = (chain.height + 1).max(self.peak.saturating_sub(chain.start));
        self.depth = chain.start;
    }

    /// Ends a chain: the enclosing one sees how deep it reached.
    fn chain_end(&mut self, chain: Chain) {
        self.depth = chain.start;
        self.peak = chain.saved_peak.max(chain.start + chain.height);
    }

    // ----- shared helpers -----------------------------------------------------------

    /// A placeholder expression used after a syntax error.
    fn error_expr(&self, span: Span) -> Expr {
        Expr {
            kind: ExprKind::Null,
            span,
        }
    }

    /// An identifier, or an error naming `what` was expected.
    fn ident(&mut self, what: &str) -> Option<Ident> {
        if let TokenKind::Ident(name) = self.peek() {
            let name = name.clone();
            let span = self.bump().span;
            Some(Ident { name, span })
        } else {
            self.unexpected(what);
            None
        }
    }

    /// An identifier or a keyword used as a name (tool paths, field names, grant keys).
    fn word(&mut self, what: &str) -> Option<Ident> {
        if let Some(word) = self.peek().word() {
            let name = word.to_string();
            let span = self.bump().span;
            Some(Ident { name, span })
        } else {
            self.unexpected(what);
            None
        }
    }

    /// An identifier placeholder after an error.
    fn missing_ident(&self) -> Ident {
        Ident {
            name: String::from("<missing>"),
            span: self.peek_span(),
        }
    }

    /// After a block header (`if c`, `cell f()`, `match x`...): the line must end here.
    fn expect_line_end(&mut self) {
        match self.peek_raw() {
            TokenKind::Newline => self.pos += 1,
            TokenKind::Eof => {}
            _ => {
                self.unexpected("end of line");
                self.skip_line();
            }
        }
    }

    /// After a statement: a newline, or `end`/`else`/end of input without consuming them.
    fn end_stmt(&mut self) {
        match self.peek_raw() {
            TokenKind::Newline => self.pos += 1,
            TokenKind::Eof | TokenKind::End | TokenKind::Else => {}
            // A declaration keyword right after an unclosed block: the block ends here.
            k if Self::is_item_start(k) && self.last_code == Some(codes::MISSING_END) => {}
            _ => {
                self.unexpected("end of line");
                self.skip_line();
            }
        }
    }

    /// Consumes the `end` closing a block opened by `opener`; `what` names it ("`cell`"),
    /// or reports E0101 at the opener. Returns the end of the construct.
    fn close_block(&mut self, opener: Span, what: &str) -> Span {
        if let Some(span) = self.eat(&TokenKind::End) {
            return span;
        }
        // A chain of unclosed blocks is reported in full: each one is missing its `end`.
        if self.last_code == Some(codes::MISSING_END) {
            self.recovering = false;
        }
        self.error(
            codes::MISSING_END,
            format!("{what} is never closed: missing `end`"),
            opener,
        );
        Span::new(self.last_end, self.last_end)
    }

    /// True for tokens that start a top-level declaration.
    fn is_item_start(kind: &TokenKind) -> bool {
        matches!(
            kind,
            TokenKind::Cell
                | TokenKind::Pub
                | TokenKind::Record
                | TokenKind::Enum
                | TokenKind::Const
                | TokenKind::Use
                | TokenKind::Grant
                | TokenKind::Import
        )
    }

    /// An empty block at the current position.
    fn empty_block(&self) -> Block {
        let at = self.last_end;
        Block {
            stmts: Vec::new(),
            span: Span::new(at, at),
        }
    }
}
