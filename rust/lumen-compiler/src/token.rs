//! Tokens produced by the lexer: kinds, spans and how they are named in diagnostics.
//!
//! A string literal token carries its parts: plain text segments and interpolated
//! expressions, the latter already lexed into tokens whose spans are absolute byte offsets
//! into the file, like every other token.

use crate::span::Span;

/// One token with its byte span in the code text (equal to the original file's offsets).
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

/// A part of a string literal.
#[derive(Debug, Clone, PartialEq)]
pub enum StrSegment {
    /// Literal text with escapes already decoded.
    Text(String),
    /// `{expr}`: the tokens of the expression (ending with an `Eof` token placed at the
    /// closing brace) and the span of the braces and their contents.
    Interp(Vec<Token>, Span),
}

/// Every kind of token.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind {
    // Atoms
    /// An identifier (`[A-Za-z_][A-Za-z0-9_]*`) that is not a keyword.
    Ident(String),
    /// An integer literal (already range-checked; `0` after an error).
    Int(i64),
    /// A float literal.
    Float(f64),
    /// A string literal: text and interpolation parts. Raw strings have one text part.
    Str(Vec<StrSegment>),

    // Keywords
    Cell,
    /// `pub` (before `cell`: the cell is exported).
    Pub,
    Record,
    Enum,
    End,
    Let,
    Mut,
    If,
    Then,
    Else,
    While,
    For,
    In,
    Loop,
    Break,
    Continue,
    Return,
    Match,
    When,
    Fn,
    Use,
    Tool,
    As,
    Grant,
    Import,
    Const,
    Where,
    And,
    Or,
    Not,
    Is,
    True,
    False,
    Null,

    // Operators and punctuation
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Star,
    /// `/`
    Slash,
    /// `//`
    SlashSlash,
    /// `%`
    Percent,
    /// `**`
    StarStar,
    /// `++`
    PlusPlus,
    /// `=`
    Assign,
    /// `==`
    EqEq,
    /// `!=`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `->`
    Arrow,
    /// `=>`
    FatArrow,
    /// `|>`
    PipeGt,
    /// `|`
    Pipe,
    /// `?`
    Question,
    /// `?.`
    QuestionDot,
    /// `??`
    QuestionQuestion,
    /// `.`
    Dot,
    /// `..`
    DotDot,
    /// `..=`
    DotDotEq,
    /// `...`
    DotDotDot,
    /// `,`
    Comma,
    /// `:`
    Colon,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// `+=`
    PlusEq,
    /// `-=`
    MinusEq,
    /// `*=`
    StarEq,
    /// `/=`
    SlashEq,
    /// `//=`
    SlashSlashEq,
    /// `%=`
    PercentEq,

    /// End of a line (or `;`). Consecutive line ends are merged into one token.
    Newline,
    /// End of input (always the last token).
    Eof,
}

/// Keyword spellings and their token kinds.
const KEYWORDS: &[(&str, TokenKind)] = &[
    ("cell", TokenKind::Cell),
    ("pub", TokenKind::Pub),
    ("record", TokenKind::Record),
    ("enum", TokenKind::Enum),
    ("end", TokenKind::End),
    ("let", TokenKind::Let),
    ("mut", TokenKind::Mut),
    ("if", TokenKind::If),
    ("then", TokenKind::Then),
    ("else", TokenKind::Else),
    ("while", TokenKind::While),
    ("for", TokenKind::For),
    ("in", TokenKind::In),
    ("loop", TokenKind::Loop),
    ("break", TokenKind::Break),
    ("continue", TokenKind::Continue),
    ("return", TokenKind::Return),
    ("match", TokenKind::Match),
    ("when", TokenKind::When),
    ("fn", TokenKind::Fn),
    ("use", TokenKind::Use),
    ("tool", TokenKind::Tool),
    ("as", TokenKind::As),
    ("grant", TokenKind::Grant),
    ("import", TokenKind::Import),
    ("const", TokenKind::Const),
    ("where", TokenKind::Where),
    ("and", TokenKind::And),
    ("or", TokenKind::Or),
    ("not", TokenKind::Not),
    ("is", TokenKind::Is),
    ("true", TokenKind::True),
    ("false", TokenKind::False),
    ("null", TokenKind::Null),
];

impl TokenKind {
    /// The keyword token for `word`, if it is a keyword.
    pub fn keyword(word: &str) -> Option<TokenKind> {
        KEYWORDS
            .iter()
            .find(|(w, _)| *w == word)
            .map(|(_, k)| k.clone())
    }

    /// The spelling of a keyword token (`None` for other tokens).
    pub fn keyword_text(&self) -> Option<&'static str> {
        KEYWORDS.iter().find(|(_, k)| k == self).map(|(w, _)| *w)
    }

    /// The fixed spelling of an operator or punctuation token.
    pub fn symbol_text(&self) -> Option<&'static str> {
        use TokenKind::*;
        Some(match self {
            Plus => "+",
            Minus => "-",
            Star => "*",
            Slash => "/",
            SlashSlash => "//",
            Percent => "%",
            StarStar => "**",
            PlusPlus => "++",
            Assign => "=",
            EqEq => "==",
            NotEq => "!=",
            Lt => "<",
            Le => "<=",
            Gt => ">",
            Ge => ">=",
            Arrow => "->",
            FatArrow => "=>",
            PipeGt => "|>",
            Pipe => "|",
            Question => "?",
            QuestionDot => "?.",
            QuestionQuestion => "??",
            Dot => ".",
            DotDot => "..",
            DotDotEq => "..=",
            DotDotDot => "...",
            Comma => ",",
            Colon => ":",
            LParen => "(",
            RParen => ")",
            LBracket => "[",
            RBracket => "]",
            LBrace => "{",
            RBrace => "}",
            PlusEq => "+=",
            MinusEq => "-=",
            StarEq => "*=",
            SlashEq => "/=",
            SlashSlashEq => "//=",
            PercentEq => "%=",
            _ => return None,
        })
    }

    /// How the token is named in a diagnostic: "`*`", "`end`", "identifier `x`", ...
    pub fn describe(&self) -> String {
        if let Some(k) = self.keyword_text() {
            return format!("`{k}`");
        }
        if let Some(s) = self.symbol_text() {
            return format!("`{s}`");
        }
        match self {
            TokenKind::Ident(name) => format!("identifier `{name}`"),
            TokenKind::Int(v) => format!("number `{v}`"),
            TokenKind::Float(v) => format!("number `{v}`"),
            TokenKind::Str(_) => "a string".to_string(),
            TokenKind::Newline => "end of line".to_string(),
            TokenKind::Eof => "end of file".to_string(),
            _ => "a token".to_string(),
        }
    }

    /// The identifier or keyword spelling of a word-like token (used where keywords are
    /// allowed as names, such as tool paths and field names).
    pub fn word(&self) -> Option<&str> {
        match self {
            TokenKind::Ident(name) => Some(name),
            other => other.keyword_text(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_round_trip() {
        for (word, kind) in KEYWORDS {
            assert_eq!(TokenKind::keyword(word).as_ref(), Some(kind));
            assert_eq!(kind.keyword_text(), Some(*word));
        }
        assert_eq!(TokenKind::keyword("cellx"), None);
    }

    #[test]
    fn describe_names_tokens() {
        assert_eq!(TokenKind::Star.describe(), "`*`");
        assert_eq!(TokenKind::End.describe(), "`end`");
        assert_eq!(TokenKind::Ident("x".into()).describe(), "identifier `x`");
        assert_eq!(TokenKind::Newline.describe(), "end of line");
        assert_eq!(TokenKind::Ident("ab".into()).word(), Some("ab"));
        assert_eq!(TokenKind::Match.word(), Some("match"));
    }
}
