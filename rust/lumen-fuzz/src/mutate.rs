//! Mutation of source (byte- and token-level, line edits, splicing) and of binary LIR.

use crate::rng::Rng;

/// Tokens and values a token-level mutation inserts.
const DICTIONARY: &[&str] = &[
    "cell",
    "end",
    "let",
    "mut",
    "if",
    "else",
    "then",
    "while",
    "for",
    "in",
    "loop",
    "break",
    "continue",
    "return",
    "match",
    "when",
    "record",
    "enum",
    "use",
    "tool",
    "grant",
    "const",
    "import",
    "fn",
    "=>",
    "->",
    "and",
    "or",
    "not",
    "is",
    "true",
    "false",
    "null",
    "halt",
    "+",
    "-",
    "*",
    "/",
    "//",
    "%",
    "**",
    "++",
    "..",
    "..=",
    "|>",
    "??",
    "?.",
    "?",
    "==",
    "!=",
    "<",
    "<=",
    "=",
    "+=",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    ";",
    ".",
    "...",
    "\"",
    "\\",
    "\n",
    "#",
    "_",
    "0",
    "-1",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "1e309",
    "0.0",
    "nan",
    "\"{x}\"",
    "\"\\{\"",
    "r\"raw\"",
    "é",
    "\u{0}",
    "x",
    "Int",
    "String",
    "Json",
    "list[Int]",
    "map[String, Int]",
    "Int?",
    "ok(1)",
    "err(\"e\")",
    "print",
    "to_json",
    "sort",
    "len",
    "append",
    "repeat",
    "range",
];

/// Byte sequences a byte-level mutation inserts.
const INTERESTING: &[&[u8]] = &[
    b"\xff",
    b"\x00",
    b"\xc3",
    b"\xe2\x9c",
    b"\r",
    b"\t",
    b"\n\n",
    b"```",
    b"```lumen\n",
    b"{",
    b"}",
    b"\"",
    b"\\",
];

/// Splits source into tokens: identifier/number runs, strings, whitespace runs, and single
/// other characters. Concatenating the tokens gives the text back.
pub fn tokens(text: &str) -> Vec<&str> {
    let mut out = vec![];
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let c = bytes[i];
        if c.is_ascii_alphanumeric() || c == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
        } else if c == b' ' || c == b'\t' {
            while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t') {
                i += 1;
            }
        } else if c == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                if bytes[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(bytes.len());
        } else {
            i += 1;
            while i < bytes.len() && !text.is_char_boundary(i) {
                i += 1;
            }
        }
        while i < bytes.len() && !text.is_char_boundary(i) {
            i += 1;
        }
        out.push(&text[start..i]);
    }
    out
}

fn lines_mutation(rng: &mut Rng, text: &str) -> String {
    let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
    if lines.is_empty() {
        return text.to_string();
    }
    let i = rng.below(lines.len());
    let j = rng.below(lines.len());
    match rng.below(5) {
        0 => {
            lines.remove(i);
        }
        1 => {
            let l = lines[i];
            lines.insert(j, l);
        }
        2 => lines.swap(i, j),
        3 => {
            let l = lines.remove(i);
            let j = j.min(lines.len());
            lines.insert(j, l);
        }
        _ => {
            // repeat a line many times (long bodies, deep nesting when it opens a block)
            let l = lines[i];
            let n = *rng.pick(&[2, 10, 300]);
            for _ in 0..n {
                lines.insert(i, l);
            }
        }
    }
    lines.concat()
}

fn tokens_mutation(rng: &mut Rng, text: &str) -> String {
    let mut toks: Vec<String> = tokens(text).into_iter().map(str::to_string).collect();
    if toks.is_empty() {
        return rng.pick(DICTIONARY).to_string();
    }
    let i = rng.below(toks.len());
    let j = rng.below(toks.len());
    match rng.below(6) {
        0 => {
            toks.remove(i);
        }
        1 => {
            let t = toks[i].clone();
            toks.insert(j, t);
        }
        2 => toks.swap(i, j),
        3 => toks[i] = rng.pick(DICTIONARY).to_string(),
        4 => toks.insert(i, format!(" {} ", rng.pick(DICTIONARY))),
        _ => {
            // repeat a token pair: operator chains, call chains
            let a = toks[i].clone();
            let b = toks.get(i + 1).cloned().unwrap_or_default();
            let n = *rng.pick(&[10, 100, 3_000]);
            let rep = format!("{a}{b}").repeat(n);
            toks.insert(i, rep);
        }
    }
    toks.concat()
}

fn bytes_mutation(rng: &mut Rng, data: &mut Vec<u8>) {
    if data.is_empty() {
        let s: &[u8] = rng.pick::<&[u8]>(INTERESTING);
        data.extend_from_slice(s);
        return;
    }
    let i = rng.below(data.len());
    match rng.below(5) {
        0 => data[i] ^= 1 << rng.below(8),
        1 => {
            let b = rng.below(256) as u8;
            data.insert(i, b);
        }
        2 => {
            let n = rng.range(1, 8).min(data.len() - i);
            data.drain(i..i + n);
        }
        3 => {
            let s: &[u8] = rng.pick::<&[u8]>(INTERESTING);
            data.splice(i..i, s.iter().copied());
        }
        _ => data[i] = rng.below(128) as u8,
    }
}

/// Joins the first lines of `a` with the last lines of `b`.
pub fn splice(rng: &mut Rng, a: &str, b: &str) -> String {
    let la: Vec<&str> = a.split_inclusive('\n').collect();
    let lb: Vec<&str> = b.split_inclusive('\n').collect();
    let cut_a = rng.below(la.len() + 1);
    let cut_b = rng.below(lb.len() + 1);
    let mut out = la[..cut_a].concat();
    out.push_str(&lb[cut_b..].concat());
    out
}

/// One to four stacked mutations of a source program; `other` is a second program for
/// splicing. The result may be invalid UTF-8 (byte-level mutations).
pub fn mutate_source(rng: &mut Rng, text: &str, other: &str) -> Vec<u8> {
    let mut cur = text.to_string();
    let rounds = rng.range(1, 4);
    for _ in 0..rounds {
        cur = match rng.below(10) {
            0..=2 => lines_mutation(rng, &cur),
            3..=6 => tokens_mutation(rng, &cur),
            7 => splice(rng, &cur, other),
            _ => {
                let mut bytes = cur.into_bytes();
                bytes_mutation(rng, &mut bytes);
                match String::from_utf8(bytes) {
                    Ok(s) => s,
                    Err(e) => return e.into_bytes(),
                }
            }
        };
    }
    cur.into_bytes()
}

/// One to four stacked mutations of binary LIR: bit flips, inserted and deleted bytes,
/// boundary values written over 1, 2 or 4 bytes (lengths, counts, indexes), truncation.
pub fn mutate_binary(rng: &mut Rng, data: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    let rounds = rng.range(1, 4);
    for _ in 0..rounds {
        if out.is_empty() {
            out.push(0);
        }
        let i = rng.below(out.len());
        match rng.below(7) {
            0 => out[i] ^= 1 << rng.below(8),
            1 => {
                let b = rng.below(256) as u8;
                out.insert(i, b);
            }
            2 => {
                let n = rng.range(1, 16).min(out.len() - i);
                out.drain(i..i + n);
            }
            3 => {
                let v: u32 = *rng.pick(&[
                    0,
                    1,
                    0x7f,
                    0x80,
                    0xff,
                    0x7fff,
                    0xffff,
                    0x7fff_ffff,
                    u32::MAX,
                ]);
                let width = *rng.pick(&[1usize, 2, 4]);
                for (k, b) in v.to_le_bytes().iter().take(width).enumerate() {
                    if let Some(slot) = out.get_mut(i + k) {
                        *slot = *b;
                    }
                }
            }
            4 => {
                let delta = *rng.pick(&[1i16, -1, 2, -2, 16, -16]);
                out[i] = (i16::from(out[i]) + delta) as u8;
            }
            5 => out.truncate(i),
            _ => {
                let n = rng.range(1, 32).min(out.len() - i);
                let chunk: Vec<u8> = out[i..i + n].to_vec();
                let j = rng.below(out.len());
                out.splice(j..j, chunk);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROGRAM: &str =
        "cell main() -> Int\n  let x = [1, 2]\n  print(\"a {x}\")\n  x[0] + 1\nend\n";

    #[test]
    fn tokens_cover_the_text() {
        let toks = tokens(PROGRAM);
        assert_eq!(toks.concat(), PROGRAM);
        assert!(toks.contains(&"main"));
        assert!(toks.contains(&"\"a {x}\""));
        let uni = "let é = \"✓\"";
        assert_eq!(tokens(uni).concat(), uni);
    }

    #[test]
    fn source_mutations_change_the_program_and_are_deterministic() {
        let mut changed = 0;
        for seed in 0..200 {
            let a = mutate_source(&mut Rng::new(seed), PROGRAM, "cell f()\nend\n");
            let b = mutate_source(&mut Rng::new(seed), PROGRAM, "cell f()\nend\n");
            assert_eq!(a, b);
            if a != PROGRAM.as_bytes() {
                changed += 1;
            }
        }
        assert!(
            changed > 150,
            "only {changed} of 200 mutations changed the program"
        );
    }

    #[test]
    fn splice_joins_a_prefix_and_a_suffix() {
        let mut rng = Rng::new(5);
        for _ in 0..50 {
            let s = splice(&mut rng, "a\nb\nc\n", "x\ny\n");
            let ok = ["", "a\n", "a\nb\n", "a\nb\nc\n"]
                .iter()
                .any(|p| s.starts_with(p) && ["", "y\n", "x\ny\n"].contains(&&s[p.len()..]));
            assert!(ok, "{s:?}");
        }
    }

    #[test]
    fn binary_mutations_change_bytes() {
        let data: Vec<u8> = (0..=255u8).collect();
        let mut changed = 0;
        for seed in 0..100 {
            if mutate_binary(&mut Rng::new(seed), &data) != data {
                changed += 1;
            }
        }
        assert!(changed > 90);
        let _ = mutate_binary(&mut Rng::new(1), &[]);
    }
}
