//! Source extraction: raw file bytes → the *code text* the lexer reads.
//!
//! The code text has exactly the same byte length and the same line breaks as the original
//! file; everything that is not code is replaced by spaces. Byte offsets, lines and columns
//! in the code text are therefore those of the original file, and no position map exists.
//!
//! - `.lm.md` (any name ending in `.md`): only fenced blocks whose info string's first word
//!   is `lumen` are code (fences of 3+ backticks or tildes). An unclosed `lumen` fence runs
//!   to the end of the file.
//! - Any other file (`.lm`): fenced blocks opened by three backticks are documentation and
//!   are blanked; everything else is code.

use crate::diagnostic::{codes, Diagnostic};
use crate::span::Span;

/// Validates UTF-8 and returns the code text of a file (see the module documentation).
/// Invalid UTF-8 gives an unlocated E0001 diagnostic whose span is the first bad byte.
#[allow(clippy::result_large_err)] // the error is the diagnostic itself, built once per file
pub fn extract(name: &str, bytes: &[u8]) -> Result<String, Diagnostic> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let offset = e.valid_up_to();
            return Err(Diagnostic::error(
                codes::INVALID_UTF8,
                format!("the file is not valid UTF-8 (invalid byte at offset {offset})"),
                Span::new(offset, offset + 1),
            ));
        }
    };
    // A leading byte-order mark is not code: blank it (3 bytes → 3 spaces).
    let (bom, text) = match text.strip_prefix('\u{feff}') {
        Some(rest) => ("   ", rest),
        None => ("", text),
    };
    let code = if is_markdown_name(name) {
        extract_markdown(text)
    } else {
        extract_plain(text)
    };
    Ok(format!("{bom}{code}"))
}

/// True for file names handled as markdown (`.lm.md`, or any `.md`).
pub fn is_markdown_name(name: &str) -> bool {
    name.ends_with(".md")
}

/// True when the text contains a line opening a `lumen` fenced block; for hosts that get
/// source text without a file name.
pub fn looks_like_markdown(text: &str) -> bool {
    text.lines().filter_map(fence).any(|f| f.is_lumen())
}

/// Warning W0004 for a markdown file without a single `lumen` block: it defines nothing,
/// which is almost always a misnamed fence (```` ```lm ````, ```` ```Lumen ````). The
/// message names the fences the file has; the span is the first one (or the file start).
/// `None` for other files and for markdown with a `lumen` block.
pub fn no_lumen_block(name: &str, text: &str) -> Option<Diagnostic> {
    if !is_markdown_name(name) {
        return None;
    }
    // The opening fences (a fence inside a block is its content, not an opening).
    let mut opened: Vec<(usize, String)> = Vec::new();
    let mut open: Option<Fence<'_>> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        match &open {
            None => {
                if let Some(f) = fence(line) {
                    if f.is_lumen() {
                        return None;
                    }
                    let word = f.info.split_whitespace().next().unwrap_or("").to_string();
                    opened.push((offset, word));
                    open = Some(f);
                }
            }
            Some(f) => {
                if f.closed_by(line) {
                    open = None;
                }
            }
        }
        offset += line.len();
    }
    let looks_lumen = |w: &str| {
        let w = w.to_lowercase();
        w == "lumen" || w == "lm" || w == "lm.md" || w.starts_with("lumen") || w == "lum"
    };
    let mut seen: Vec<&str> = Vec::new();
    for (_, w) in &opened {
        if !seen.contains(&w.as_str()) {
            seen.push(w);
        }
    }
    let shown: Vec<String> = seen.iter().take(8).map(|w| format!("```{w}")).collect();
    let message = match seen.iter().find(|w| looks_lumen(w)) {
        Some(w) => format!(
            "this markdown file has no ```lumen code block, so it defines nothing (found ```{w}: did you mean ```lumen?)"
        ),
        None if seen.is_empty() => {
            "this markdown file has no ```lumen code block, so it defines nothing (only fenced blocks whose info string is `lumen` are code)".to_string()
        }
        None => format!(
            "this markdown file has no ```lumen code block, so it defines nothing (found {}; only ```lumen blocks are code)",
            shown.join(", ")
        ),
    };
    let at = opened
        .iter()
        .find(|(_, w)| looks_lumen(w))
        .or(opened.first())
        .map_or(0, |(o, _)| *o);
    let end = text[at..].find(['\n', '\r']).map_or(text.len(), |e| at + e);
    Some(Diagnostic::warning(
        codes::NO_LUMEN_BLOCK,
        message,
        Span::new(at, end.max(at)),
    ))
}

/// An opening or closing fence line.
struct Fence<'a> {
    ch: u8,
    count: usize,
    info: &'a str,
}

impl Fence<'_> {
    fn is_lumen(&self) -> bool {
        self.info.split_whitespace().next() == Some("lumen")
    }

    /// True when `line` closes a block opened by this fence.
    fn closed_by(&self, line: &str) -> bool {
        match fence(line) {
            Some(f) => f.ch == self.ch && f.count >= self.count && f.info.is_empty(),
            None => false,
        }
    }
}

/// Parses a fence line: optional indentation, then 3+ backticks or tildes, then the info
/// string. A backtick fence's info string may not contain a backtick.
fn fence(line: &str) -> Option<Fence<'_>> {
    let line = line.trim_end_matches(['\n', '\r']);
    let rest = line.trim_start_matches([' ', '\t']);
    let ch = *rest.as_bytes().first()?;
    if ch != b'`' && ch != b'~' {
        return None;
    }
    let count = rest.bytes().take_while(|b| *b == ch).count();
    if count < 3 {
        return None;
    }
    let info = rest.get(count..)?.trim();
    if ch == b'`' && info.contains('`') {
        return None;
    }
    Some(Fence { ch, count, info })
}

/// Appends `line` with every byte except `\n` and `\r` replaced by a space.
fn push_blank(out: &mut String, line: &str) {
    for b in line.bytes() {
        out.push(match b {
            b'\n' => '\n',
            b'\r' => '\r',
            _ => ' ',
        });
    }
}

fn extract_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // The fence of the block we are in, and whether it is a `lumen` block.
    let mut open: Option<(Fence<'_>, bool)> = None;
    for line in text.split_inclusive('\n') {
        match &open {
            None => {
                if let Some(f) = fence(line) {
                    let lumen = f.is_lumen();
                    open = Some((f, lumen));
                }
                push_blank(&mut out, line);
            }
            Some((f, lumen)) => {
                if f.closed_by(line) {
                    open = None;
                    push_blank(&mut out, line);
                } else if *lumen {
                    out.push_str(line);
                } else {
                    push_blank(&mut out, line);
                }
            }
        }
    }
    out
}

fn extract_plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut open: Option<Fence<'_>> = None;
    for line in text.split_inclusive('\n') {
        match &open {
            None => match fence(line) {
                Some(f) if f.ch == b'`' => {
                    open = Some(f);
                    push_blank(&mut out, line);
                }
                _ => out.push_str(line),
            },
            Some(f) => {
                if f.closed_by(line) {
                    open = None;
                }
                push_blank(&mut out, line);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue11_newuser_item3_markdown_without_a_lumen_block_warns_naming_its_fences() {
        for (fence, named) in [("lm", "```lm"), ("Lumen", "```Lumen")] {
            let md = format!("# App\n\n```{fence}\ncell main()\nend\n```\n");
            let d = no_lumen_block("app.lm.md", &md).expect("a warning");
            assert_eq!(d.code, "W0004");
            assert!(!d.is_error());
            assert!(
                d.message
                    .contains(&format!("found {named}: did you mean ```lumen?")),
                "{}",
                d.message
            );
            assert_eq!(d.span.start, 7, "points at the fence");
        }
        let d = no_lumen_block("a.md", "```python\nx\n```\n```text\n```\n").expect("warns");
        assert!(
            d.message.contains("found ```python, ```text"),
            "{}",
            d.message
        );
        assert!(no_lumen_block("a.md", "just prose\n").is_some());
        // A ```lumen block anywhere, or a plain file, is fine; a fence inside another
        // block is its content.
        assert!(no_lumen_block("a.md", "```lm\n```\n~~~lumen\ncell main()\nend\n~~~\n").is_none());
        assert!(no_lumen_block("a.lm", "```lm\n```\n").is_none());
        assert!(no_lumen_block("a.md", "````text\n```lumen\n````\n").is_some());
    }

    #[test]
    fn markdown_keeps_only_lumen_blocks() {
        let md = "# Title\n\nprose\n```lumen\ncell main()\nend\n```\n```text\nnope\n```\n";
        let code = extract("a.lm.md", md.as_bytes()).unwrap_or_default();
        assert_eq!(code.len(), md.len());
        assert_eq!(code.lines().count(), md.lines().count());
        let lines: Vec<&str> = code.lines().collect();
        assert_eq!(lines[4], "cell main()");
        assert_eq!(lines[5], "end");
        assert_eq!(lines[0].trim(), "");
        assert_eq!(lines[3].trim(), "");
        assert_eq!(lines[8].trim(), "");
        assert_eq!(code.find("cell"), md.find("cell"));
    }

    #[test]
    fn markdown_fence_variants() {
        let md = "~~~~ lumen extra\nlet a = 1\n~~~\nlet b = 2\n~~~~\n````lumen\nx\n";
        let code = extract("m.md", md.as_bytes()).unwrap_or_default();
        let lines: Vec<&str> = code.lines().collect();
        assert_eq!(lines[1], "let a = 1");
        assert_eq!(lines[2], "~~~", "a shorter fence does not close");
        assert_eq!(lines[3], "let b = 2");
        assert_eq!(lines[4].trim(), "");
        // Unclosed lumen fence runs to the end of the file.
        assert_eq!(lines[6], "x");
    }

    #[test]
    fn multibyte_prose_keeps_length_and_crlf() {
        let md = "héllo wörld\r\n```lumen\r\nlet é = 1\r\n```\r\n";
        let code = extract("x.lm.md", md.as_bytes()).unwrap_or_default();
        assert_eq!(code.len(), md.len());
        assert!(code.contains("\r\nlet é = 1\r\n"));
        assert!(code.starts_with(&format!("{}\r\n", " ".repeat("héllo wörld".len()))));
    }

    #[test]
    fn plain_files_blank_fenced_docs() {
        let src = "cell a()\nend\n```\ncell doc(\n```\ncell b()\nend\n";
        let code = extract("x.lm", src.as_bytes()).unwrap_or_default();
        let lines: Vec<&str> = code.lines().collect();
        assert_eq!(lines[0], "cell a()");
        assert_eq!(lines[3].trim(), "");
        assert_eq!(lines[5], "cell b()");
        assert_eq!(code.len(), src.len());
    }

    #[test]
    fn invalid_utf8_is_a_diagnostic() {
        let bytes = b"cell main()\n\xff\xfe end";
        let Err(d) = extract("x.lm", bytes) else {
            panic!("expected an error");
        };
        assert_eq!(d.code, codes::INVALID_UTF8);
        assert_eq!(d.span, Span::new(12, 13));
        assert!(d.message.contains("offset 12"));
    }

    #[test]
    fn byte_order_mark_is_blanked() {
        let src = "\u{feff}cell main()\nend\n";
        let code = extract("x.lm", src.as_bytes()).unwrap_or_default();
        assert_eq!(code.len(), src.len());
        assert!(code.starts_with("   cell main()"));
    }

    #[test]
    fn markdown_detection() {
        assert!(is_markdown_name("a.lm.md"));
        assert!(!is_markdown_name("a.lm"));
        assert!(looks_like_markdown(
            "# x\n```lumen\ncell main()\nend\n```\n"
        ));
        assert!(!looks_like_markdown("cell main()\nend\n"));
        assert!(!looks_like_markdown("```python\n```\n"));
    }
}
