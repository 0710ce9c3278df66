//! The lexer: code text → tokens with byte spans, plus every lexical diagnostic.
//!
//! - Comments run from `#` to the end of the line (outside strings).
//! - Line ends (and `;`) become [`TokenKind::Newline`] tokens; consecutive ones are merged.
//!   The lexer emits them everywhere, also inside brackets: the parser ignores them inside
//!   `()`, `[]` and `{}` (so a block lambda inside call parentheses still has statements).
//! - String literals may not span lines. Interpolations `{expr}` are lexed into their own
//!   token list with absolute spans; nested braces and strings inside them work.
//! - Errors never stop lexing: every invalid character, number, escape, unterminated
//!   string or interpolation is reported and the lexer carries on.

use crate::diagnostic::{codes, Diagnostic};
use crate::span::Span;
use crate::token::{StrSegment, Token, TokenKind};

/// How deeply string interpolations may nest inside each other.
const MAX_INTERP_DEPTH: usize = 32;

/// Lexes a whole code text. The returned tokens always end with an `Eof` token.
pub fn lex(text: &str) -> (Vec<Token>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let tokens = Lexer::new(text, 0, text.len(), 0, &mut diags).run();
    (tokens, diags)
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

struct Lexer<'a, 'd> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    end: usize,
    depth: usize,
    tokens: Vec<Token>,
    diags: &'d mut Vec<Diagnostic>,
    /// Set when a search for a closing `}` gave up at [`MAX_INTERP_DEPTH`].
    too_deep: std::cell::Cell<bool>,
}

impl<'a, 'd> Lexer<'a, 'd> {
    fn new(
        text: &'a str,
        start: usize,
        end: usize,
        depth: usize,
        diags: &'d mut Vec<Diagnostic>,
    ) -> Lexer<'a, 'd> {
        Lexer {
            text,
            bytes: text.as_bytes(),
            pos: start,
            end: end.min(text.len()),
            depth,
            tokens: Vec::new(),
            diags,
            too_deep: std::cell::Cell::new(false),
        }
    }

    /// The byte at `pos + n`, or 0 past the end of this lexer's range.
    fn peek(&self, n: usize) -> u8 {
        let i = self.pos + n;
        if i < self.end {
            self.bytes.get(i).copied().unwrap_or(0)
        } else {
            0
        }
    }

    /// The byte at absolute index `i` within this lexer's range, or 0.
    fn byte_at(&self, i: usize) -> u8 {
        if i < self.end {
            self.bytes.get(i).copied().unwrap_or(0)
        } else {
            0
        }
    }

    /// The character starting at absolute offset `i`.
    fn char_at(&self, i: usize) -> Option<char> {
        self.text.get(i..).and_then(|s| s.chars().next())
    }

    fn push(&mut self, kind: TokenKind, start: usize, end: usize) {
        self.tokens.push(Token {
            kind,
            span: Span::new(start, end),
        });
    }

    fn error(&mut self, code: &'static str, message: String, start: usize, end: usize) {
        self.diags
            .push(Diagnostic::error(code, message, Span::new(start, end)));
    }

    fn run(mut self) -> Vec<Token> {
        while self.pos < self.end {
            let b = self.peek(0);
            match b {
                b' ' | b'\t' | b'\r' | 0x0c => self.pos += 1,
                b'\n' | b';' => {
                    if !matches!(
                        self.tokens.last().map(|t| &t.kind),
                        None | Some(TokenKind::Newline)
                    ) {
                        self.push(TokenKind::Newline, self.pos, self.pos + 1);
                    }
                    self.pos += 1;
                }
                b'#' => {
                    while self.pos < self.end && self.peek(0) != b'\n' {
                        self.pos += 1;
                    }
                }
                b'"' => self.string(),
                b'r' if self.peek(1) == b'"' => self.raw_string(),
                _ if is_ident_start(b) => self.ident(),
                _ if b.is_ascii_digit() => self.number(),
                _ => self.operator(),
            }
        }
        let at = self.end;
        self.push(TokenKind::Eof, at, at);
        self.tokens
    }

    fn ident(&mut self) {
        let start = self.pos;
        while is_ident_byte(self.peek(0)) {
            self.pos += 1;
        }
        let word = self.text.get(start..self.pos).unwrap_or("");
        let kind = TokenKind::keyword(word).unwrap_or_else(|| TokenKind::Ident(word.to_string()));
        self.push(kind, start, self.pos);
    }

    fn number(&mut self) {
        let start = self.pos;
        let mut is_float = false;
        while self.peek(0).is_ascii_digit() || self.peek(0) == b'_' {
            self.pos += 1;
        }
        if self.peek(0) == b'.' && self.peek(1).is_ascii_digit() {
            is_float = true;
            self.pos += 1;
            while self.peek(0).is_ascii_digit() || self.peek(0) == b'_' {
                self.pos += 1;
            }
        }
        if matches!(self.peek(0), b'e' | b'E')
            && (self.peek(1).is_ascii_digit()
                || (matches!(self.peek(1), b'+' | b'-') && self.peek(2).is_ascii_digit()))
        {
            is_float = true;
            self.pos += 2;
            while self.peek(0).is_ascii_digit() {
                self.pos += 1;
            }
        }
        let raw = self.text.get(start..self.pos).unwrap_or("").to_string();
        if is_ident_byte(self.peek(0)) {
            while is_ident_byte(self.peek(0)) {
                self.pos += 1;
            }
            let all = self.text.get(start..self.pos).unwrap_or("").to_string();
            self.error(
                codes::INVALID_NUMBER,
                format!("invalid number literal `{all}`"),
                start,
                self.pos,
            );
            self.push(TokenKind::Int(0), start, self.pos);
            return;
        }
        let cleaned: String = raw.chars().filter(|c| *c != '_').collect();
        if is_float {
            match cleaned.parse::<f64>() {
                Ok(v) => self.push(TokenKind::Float(v), start, self.pos),
                Err(_) => {
                    self.error(
                        codes::INVALID_NUMBER,
                        format!("invalid number literal `{raw}`"),
                        start,
                        self.pos,
                    );
                    self.push(TokenKind::Float(0.0), start, self.pos);
                }
            }
        } else {
            match cleaned.parse::<i64>() {
                Ok(v) => self.push(TokenKind::Int(v), start, self.pos),
                Err(_) => {
                    self.error(
                        codes::INVALID_NUMBER,
                        format!("integer literal `{raw}` is out of range for Int (64-bit)"),
                        start,
                        self.pos,
                    );
                    self.push(TokenKind::Int(0), start, self.pos);
                }
            }
        }
    }

    fn operator(&mut self) {
        use TokenKind::*;
        let start = self.pos;
        let (kind, len) = match (self.peek(0), self.peek(1), self.peek(2)) {
            (b'+', b'+', _) => (PlusPlus, 2),
            (b'+', b'=', _) => (PlusEq, 2),
            (b'+', _, _) => (Plus, 1),
            (b'-', b'>', _) => (Arrow, 2),
            (b'-', b'=', _) => (MinusEq, 2),
            (b'-', _, _) => (Minus, 1),
            (b'*', b'*', _) => (StarStar, 2),
            (b'*', b'=', _) => (StarEq, 2),
            (b'*', _, _) => (Star, 1),
            (b'/', b'/', b'=') => (SlashSlashEq, 3),
            (b'/', b'/', _) => (SlashSlash, 2),
            (b'/', b'=', _) => (SlashEq, 2),
            (b'/', _, _) => (Slash, 1),
            (b'%', b'=', _) => (PercentEq, 2),
            (b'%', _, _) => (Percent, 1),
            (b'=', b'=', _) => (EqEq, 2),
            (b'=', b'>', _) => (FatArrow, 2),
            (b'=', _, _) => (Assign, 1),
            (b'!', b'=', _) => (NotEq, 2),
            (b'<', b'=', _) => (Le, 2),
            (b'<', _, _) => (Lt, 1),
            (b'>', b'=', _) => (Ge, 2),
            (b'>', _, _) => (Gt, 1),
            (b'|', b'>', _) => (PipeGt, 2),
            (b'|', _, _) => (Pipe, 1),
            (b'?', b'.', _) => (QuestionDot, 2),
            (b'?', b'?', _) => (QuestionQuestion, 2),
            (b'?', _, _) => (Question, 1),
            (b'.', b'.', b'.') => (DotDotDot, 3),
            (b'.', b'.', b'=') => (DotDotEq, 3),
            (b'.', b'.', _) => (DotDot, 2),
            (b'.', _, _) => (Dot, 1),
            (b',', _, _) => (Comma, 1),
            (b':', _, _) => (Colon, 1),
            (b'(', _, _) => (LParen, 1),
            (b')', _, _) => (RParen, 1),
            (b'[', _, _) => (LBracket, 1),
            (b']', _, _) => (RBracket, 1),
            (b'{', _, _) => (LBrace, 1),
            (b'}', _, _) => (RBrace, 1),
            _ => {
                self.invalid_chars();
                return;
            }
        };
        self.pos += len;
        self.push(kind, start, self.pos);
    }

    /// Reports a run of characters that start no token as one diagnostic.
    fn invalid_chars(&mut self) {
        let start = self.pos;
        let mut shown = String::new();
        while self.pos < self.end {
            let b = self.peek(0);
            let starts_token = b.is_ascii_alphanumeric()
                || b"_ \t\r\n;#\"+-*/%=<>|?.,:()[]{}".contains(&b)
                || (b == b'!' && self.peek(1) == b'=');
            if starts_token && self.pos > start {
                break;
            }
            let c = self.char_at(self.pos).unwrap_or('\u{fffd}');
            if shown.chars().count() < 16 {
                shown.push(c);
            }
            self.pos += c.len_utf8().max(1);
            if starts_token {
                break;
            }
        }
        let plural = if self.pos - start > 1 && shown.chars().count() > 1 {
            "characters"
        } else {
            "character"
        };
        let shown = shown.escape_debug().to_string();
        self.error(
            codes::INVALID_CHARACTER,
            format!("invalid {plural} `{shown}`"),
            start,
            self.pos,
        );
    }

    fn raw_string(&mut self) {
        let start = self.pos;
        self.pos += 2;
        let content_start = self.pos;
        while self.pos < self.end && !matches!(self.peek(0), b'"' | b'\n') {
            self.pos += 1;
        }
        let content = self.text.get(content_start..self.pos).unwrap_or("");
        let parts = if content.is_empty() {
            Vec::new()
        } else {
            vec![StrSegment::Text(content.to_string())]
        };
        if self.peek(0) == b'"' {
            self.pos += 1;
        } else {
            self.error(
                codes::UNTERMINATED_STRING,
                "unterminated string: missing closing `\"`".to_string(),
                start,
                self.pos,
            );
        }
        self.push(TokenKind::Str(parts), start, self.pos);
    }

    fn string(&mut self) {
        let start = self.pos;
        self.pos += 1;
        let mut parts: Vec<StrSegment> = Vec::new();
        let mut buf = String::new();
        loop {
            if self.pos >= self.end || self.peek(0) == b'\n' {
                self.error(
                    codes::UNTERMINATED_STRING,
                    "unterminated string: missing closing `\"`".to_string(),
                    start,
                    self.pos,
                );
                break;
            }
            match self.peek(0) {
                b'"' => {
                    self.pos += 1;
                    break;
                }
                b'\\' => {
                    let esc_start = self.pos;
                    self.pos += 1;
                    if self.pos >= self.end || self.peek(0) == b'\n' {
                        continue;
                    }
                    let c = self.char_at(self.pos).unwrap_or('\u{fffd}');
                    self.pos += c.len_utf8();
                    let decoded = match c {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        '\\' => '\\',
                        '"' => '"',
                        '{' => '{',
                        '}' => '}',
                        other => {
                            self.error(
                                codes::INVALID_ESCAPE,
                                format!(
                                    "unknown escape `\\{}` (valid: \\n \\t \\r \\\\ \\\" \\{{ \\}})",
                                    other.escape_debug()
                                ),
                                esc_start,
                                self.pos,
                            );
                            other
                        }
                    };
                    buf.push(decoded);
                }
                b'{' => {
                    let open = self.pos;
                    match self.find_close(open + 1, self.depth + 1) {
                        Some(close) if self.depth < MAX_INTERP_DEPTH => {
                            if !buf.is_empty() {
                                parts.push(StrSegment::Text(std::mem::take(&mut buf)));
                            }
                            let tokens =
                                Lexer::new(self.text, open + 1, close, self.depth + 1, self.diags)
                                    .run();
                            parts.push(StrSegment::Interp(tokens, Span::new(open, close + 1)));
                            self.pos = close + 1;
                        }
                        _ => {
                            let (code, message) =
                                if self.depth + 1 > MAX_INTERP_DEPTH || self.too_deep.get() {
                                    (
                                        codes::TOO_DEEP,
                                        format!(
                                            "string interpolations are nested too deeply \
                                             (more than {MAX_INTERP_DEPTH} levels)"
                                        ),
                                    )
                                } else {
                                    (
                                        codes::UNTERMINATED_INTERPOLATION,
                                        "unterminated interpolation: missing `}`".to_string(),
                                    )
                                };
                            self.error(code, message, open, open + 1);
                            // Skip the rest of the line: the string cannot be recovered.
                            while self.pos < self.end && self.peek(0) != b'\n' {
                                self.pos += 1;
                            }
                            break;
                        }
                    }
                }
                _ => {
                    let c = self.char_at(self.pos).unwrap_or('\u{fffd}');
                    buf.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
        if !buf.is_empty() {
            parts.push(StrSegment::Text(buf));
        }
        self.push(TokenKind::Str(parts), start, self.pos);
    }

    /// Finds the `}` closing an interpolation whose contents start at `from`, skipping
    /// nested braces and strings. `None` when the line or input ends first.
    fn find_close(&self, from: usize, depth: usize) -> Option<usize> {
        if depth > MAX_INTERP_DEPTH + 1 {
            self.too_deep.set(true);
            return None;
        }
        let mut i = from;
        let mut nest = 0usize;
        while i < self.end {
            match self.byte_at(i) {
                b'\n' => return None,
                b'{' => nest += 1,
                b'}' => {
                    if nest == 0 {
                        return Some(i);
                    }
                    nest -= 1;
                }
                b'"' => {
                    let raw = i > from && self.byte_at(i - 1) == b'r' && {
                        // `r"` starts a raw string only when the `r` is not part of a word.
                        i < from + 2 || !is_ident_byte(self.byte_at(i - 2))
                    };
                    i = if raw {
                        self.skip_raw(i)?
                    } else {
                        self.skip_string(i, depth + 1)?
                    };
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        None
    }

    /// Index just after the string starting with the quote at `i`.
    fn skip_string(&self, i: usize, depth: usize) -> Option<usize> {
        if depth > MAX_INTERP_DEPTH + 1 {
            self.too_deep.set(true);
            return None;
        }
        let mut j = i + 1;
        while j < self.end {
            match self.byte_at(j) {
                b'\n' => return None,
                b'\\' => {
                    if self.byte_at(j + 1) == b'\n' {
                        return None;
                    }
                    j += 2;
                    continue;
                }
                b'"' => return Some(j + 1),
                b'{' => {
                    let close = self.find_close(j + 1, depth + 1)?;
                    j = close + 1;
                    continue;
                }
                _ => {}
            }
            j += 1;
        }
        None
    }

    /// Index just after the raw string whose opening quote is at `i`.
    fn skip_raw(&self, i: usize) -> Option<usize> {
        let mut j = i + 1;
        while j < self.end {
            match self.byte_at(j) {
                b'\n' => return None,
                b'"' => return Some(j + 1),
                _ => j += 1,
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TokenKind::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        let (toks, diags) = lex(src);
        assert!(diags.is_empty(), "unexpected diagnostics: {diags:?}");
        toks.into_iter().map(|t| t.kind).collect()
    }

    fn codes_of(src: &str) -> Vec<&'static str> {
        lex(src).1.into_iter().map(|d| d.code).collect()
    }

    fn ident(s: &str) -> TokenKind {
        Ident(s.to_string())
    }

    #[test]
    fn numbers_and_ranges() {
        assert_eq!(kinds("1..5"), vec![Int(1), DotDot, Int(5), Eof]);
        assert_eq!(kinds("1..=5"), vec![Int(1), DotDotEq, Int(5), Eof]);
        assert_eq!(kinds("2.75"), vec![Float(2.75), Eof]);
        assert_eq!(kinds("2.5e-3 1e3"), vec![Float(2.5e-3), Float(1000.0), Eof]);
        assert_eq!(kinds("1_000_000"), vec![Int(1_000_000), Eof]);
        assert_eq!(kinds("1.0"), vec![Float(1.0), Eof]);
    }

    #[test]
    fn number_errors() {
        assert_eq!(
            codes_of("99999999999999999999"),
            vec![codes::INVALID_NUMBER]
        );
        assert_eq!(codes_of("12abc"), vec![codes::INVALID_NUMBER]);
        assert_eq!(codes_of("9223372036854775807"), Vec::<&str>::new());
    }

    #[test]
    fn operators() {
        assert_eq!(
            kinds("?. ?? ? |> | ++ + ... ..= .. . ** * // / //= -> => == = != <= >="),
            vec![
                QuestionDot,
                QuestionQuestion,
                Question,
                PipeGt,
                Pipe,
                PlusPlus,
                Plus,
                DotDotDot,
                DotDotEq,
                DotDot,
                Dot,
                StarStar,
                Star,
                SlashSlash,
                Slash,
                SlashSlashEq,
                Arrow,
                FatArrow,
                EqEq,
                Assign,
                NotEq,
                Le,
                Ge,
                Eof
            ]
        );
        assert_eq!(
            kinds("+= -= *= /= %="),
            vec![PlusEq, MinusEq, StarEq, SlashEq, PercentEq, Eof]
        );
    }

    #[test]
    fn keywords_idents_comments_newlines() {
        assert_eq!(
            kinds("let x = 1 # comment\n\n\nend; y"),
            vec![
                Let,
                ident("x"),
                Assign,
                Int(1),
                Newline,
                End,
                Newline,
                ident("y"),
                Eof
            ]
        );
        assert_eq!(kinds("\n\n  x"), vec![ident("x"), Eof]);
    }

    #[test]
    fn newlines_inside_brackets_are_still_tokens() {
        assert_eq!(
            kinds("f(\n1)"),
            vec![ident("f"), LParen, Newline, Int(1), RParen, Eof]
        );
    }

    #[test]
    fn string_escapes() {
        assert_eq!(
            kinds(r#""a\n\t\"\\\{\}""#),
            vec![Str(vec![StrSegment::Text("a\n\t\"\\{}".into())]), Eof]
        );
        assert_eq!(kinds(r#""""#), vec![Str(vec![]), Eof]);
        assert_eq!(codes_of(r#""\q""#), vec![codes::INVALID_ESCAPE]);
    }

    #[test]
    fn raw_strings() {
        assert_eq!(
            kinds(r#"r"a\n{b}""#),
            vec![Str(vec![StrSegment::Text("a\\n{b}".into())]), Eof]
        );
        assert_eq!(codes_of("r\"abc"), vec![codes::UNTERMINATED_STRING]);
    }

    #[test]
    fn interpolation_has_absolute_spans() {
        let src = r#"x = "Hi {name}!""#;
        let (toks, diags) = lex(src);
        assert!(diags.is_empty());
        let Str(parts) = &toks[2].kind else {
            panic!("expected string, got {:?}", toks[2]);
        };
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0], StrSegment::Text("Hi ".into()));
        let StrSegment::Interp(inner, span) = &parts[1] else {
            panic!("expected interpolation");
        };
        assert_eq!(*span, Span::new(8, 14));
        assert_eq!(inner[0].kind, ident("name"));
        assert_eq!(inner[0].span, Span::new(9, 13));
        assert_eq!(&src[9..13], "name");
        assert_eq!(inner[1].kind, Eof);
        assert_eq!(parts[2], StrSegment::Text("!".into()));
    }

    #[test]
    fn nested_interpolation() {
        let src = r#""a {f({"k": 1}["k"], "x{y}z")} b""#;
        let (toks, diags) = lex(src);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(toks.len(), 2);
        let Str(parts) = &toks[0].kind else {
            panic!("expected string");
        };
        assert_eq!(parts.len(), 3);
        let StrSegment::Interp(inner, _) = &parts[1] else {
            panic!("expected interpolation");
        };
        assert!(inner
            .iter()
            .any(|t| matches!(&t.kind, Str(p) if p.len() == 3)));
    }

    #[test]
    fn string_errors() {
        assert_eq!(codes_of("\"abc\nx"), vec![codes::UNTERMINATED_STRING]);
        assert_eq!(
            codes_of("\"abc {x\"\ny"),
            vec![codes::UNTERMINATED_INTERPOLATION]
        );
        assert_eq!(codes_of("\"abc"), vec![codes::UNTERMINATED_STRING]);
    }

    #[test]
    fn all_errors_are_reported() {
        let (toks, diags) = lex("let a = 1 @ 2 $ \"\\q\" 99999999999999999999 é");
        let codes: Vec<_> = diags.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            vec![
                codes::INVALID_CHARACTER,
                codes::INVALID_CHARACTER,
                codes::INVALID_ESCAPE,
                codes::INVALID_NUMBER,
                codes::INVALID_CHARACTER
            ]
        );
        assert_eq!(toks.last().map(|t| &t.kind), Some(&Eof));
        assert_eq!(diags[0].span, Span::new(10, 11));
    }

    #[test]
    fn deep_interpolation_does_not_overflow() {
        let mut src = String::new();
        for _ in 0..200 {
            src.push_str("\"{");
        }
        let (_, diags) = lex(&src);
        assert!(!diags.is_empty());
        let ok = "\"{\"{\"{1}\"}\"}\"";
        assert!(lex(ok).1.is_empty());
    }

    #[test]
    fn garbage_never_panics() {
        let mut seed: u64 = 0x1234_5678;
        for _ in 0..500 {
            let mut bytes = Vec::new();
            for _ in 0..64 {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let alphabet = b"\"{}()[]r\\\n#abc1_.=-<>|?!@\xc3\xa9 \t;,:";
                bytes.push(alphabet[(seed >> 33) as usize % alphabet.len()]);
            }
            let text = String::from_utf8_lossy(&bytes);
            let (toks, _) = lex(&text);
            assert_eq!(toks.last().map(|t| &t.kind), Some(&Eof));
        }
    }
}
