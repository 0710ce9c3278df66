//! A flat encoding of [`CType`] for the program blob: a type is a list of string tokens in
//! prefix order, so its JSON is one array deep however deeply the type nests (serde_json's
//! parser caps nesting at 128 levels, some 4 per record in the derived encoding).
//!
//! Tokens: `b` bool, `i` s64, `f` f64, `s` string, `j` JSON text; `l T` list; `m K V` map;
//! `o T` option; `t N T…` tuple of N; `r NAME N (FIELD T)…` record; `v NAME N (CASE
//! PAYLOAD)…` variant, PAYLOAD `0` (none), `n K (FIELD T)…` (named) or `p K T…`
//! (positional); `R OK ERR [T] [T]` result, OK/ERR `1` when that side has a payload.
//! Decoding is recursive with a depth cap of [`MAX_DEPTH`] and never panics.

use crate::types::{CType, Case, Payload, MAX_DEPTH};

/// The tokens of a type.
pub fn encode(ty: &CType) -> Vec<String> {
    let mut out = Vec::new();
    put(ty, &mut out);
    out
}

fn put(ty: &CType, out: &mut Vec<String>) {
    let tok = |out: &mut Vec<String>, s: &str| out.push(s.to_string());
    match ty {
        CType::Bool => tok(out, "b"),
        CType::S64 => tok(out, "i"),
        CType::F64 => tok(out, "f"),
        CType::String => tok(out, "s"),
        CType::Json => tok(out, "j"),
        CType::List(t) => {
            tok(out, "l");
            put(t, out);
        }
        CType::Map { key, value } => {
            tok(out, "m");
            put(key, out);
            put(value, out);
        }
        CType::Option(t) => {
            tok(out, "o");
            put(t, out);
        }
        CType::Tuple(ts) => {
            tok(out, "t");
            out.push(ts.len().to_string());
            ts.iter().for_each(|t| put(t, out));
        }
        CType::Record { name, fields } => {
            tok(out, "r");
            out.push(name.clone());
            out.push(fields.len().to_string());
            for (f, t) in fields {
                out.push(f.clone());
                put(t, out);
            }
        }
        CType::Variant { name, cases } => {
            tok(out, "v");
            out.push(name.clone());
            out.push(cases.len().to_string());
            for c in cases {
                out.push(c.name.clone());
                match &c.payload {
                    Payload::None => tok(out, "0"),
                    Payload::Named(fs) => {
                        tok(out, "n");
                        out.push(fs.len().to_string());
                        for (f, t) in fs {
                            out.push(f.clone());
                            put(t, out);
                        }
                    }
                    Payload::Positional(ts) => {
                        tok(out, "p");
                        out.push(ts.len().to_string());
                        ts.iter().for_each(|t| put(t, out));
                    }
                }
            }
        }
        CType::Result { ok, err } => {
            tok(out, "R");
            tok(out, if ok.is_some() { "1" } else { "0" });
            tok(out, if err.is_some() { "1" } else { "0" });
            ok.iter().chain(err.iter()).for_each(|t| put(t, out));
        }
    }
}

/// The type of a token list (every token used).
pub fn decode(tokens: &[String]) -> Result<CType, String> {
    let mut r = Reader { tokens, at: 0 };
    let ty = r.ty(1)?;
    if r.at != tokens.len() {
        return Err("type code: trailing tokens".into());
    }
    Ok(ty)
}

struct Reader<'a> {
    tokens: &'a [String],
    at: usize,
}

impl Reader<'_> {
    fn next(&mut self) -> Result<&str, String> {
        let t = self
            .tokens
            .get(self.at)
            .ok_or_else(|| "type code: unexpected end".to_string())?;
        self.at += 1;
        Ok(t)
    }

    fn name(&mut self) -> Result<String, String> {
        self.next().map(str::to_string)
    }

    /// A count; never more than the tokens left, so a hostile count cannot make us
    /// reserve memory.
    fn count(&mut self) -> Result<usize, String> {
        let n: usize = self
            .next()?
            .parse()
            .map_err(|_| "type code: bad count".to_string())?;
        if n > self.tokens.len() - self.at {
            return Err("type code: count past the end".into());
        }
        Ok(n)
    }

    fn ty(&mut self, depth: usize) -> Result<CType, String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "type code: type nests deeper than {MAX_DEPTH} levels"
            ));
        }
        let d = depth + 1;
        Ok(match self.next()? {
            "b" => CType::Bool,
            "i" => CType::S64,
            "f" => CType::F64,
            "s" => CType::String,
            "j" => CType::Json,
            "l" => CType::List(Box::new(self.ty(d)?)),
            "o" => CType::Option(Box::new(self.ty(d)?)),
            "m" => {
                let key = Box::new(self.ty(d)?);
                CType::Map {
                    key,
                    value: Box::new(self.ty(d)?),
                }
            }
            "t" => {
                let n = self.count()?;
                let mut ts = Vec::with_capacity(n);
                for _ in 0..n {
                    ts.push(self.ty(d)?);
                }
                CType::Tuple(ts)
            }
            "r" => {
                let name = self.name()?;
                let n = self.count()?;
                let mut fields = Vec::with_capacity(n);
                for _ in 0..n {
                    let f = self.name()?;
                    fields.push((f, self.ty(d)?));
                }
                CType::Record { name, fields }
            }
            "v" => {
                let name = self.name()?;
                let n = self.count()?;
                let mut cases = Vec::with_capacity(n);
                for _ in 0..n {
                    let cname = self.name()?;
                    let payload = match self.next()? {
                        "0" => Payload::None,
                        "n" => {
                            let k = self.count()?;
                            let mut fs = Vec::with_capacity(k);
                            for _ in 0..k {
                                let f = self.name()?;
                                fs.push((f, self.ty(d + 1)?));
                            }
                            Payload::Named(fs)
                        }
                        "p" => {
                            let k = self.count()?;
                            let mut ts = Vec::with_capacity(k);
                            for _ in 0..k {
                                ts.push(self.ty(d + 1)?);
                            }
                            Payload::Positional(ts)
                        }
                        other => return Err(format!("type code: bad payload kind {other:?}")),
                    };
                    cases.push(Case {
                        name: cname,
                        payload,
                    });
                }
                CType::Variant { name, cases }
            }
            "R" => {
                let has_ok = self.next()? == "1";
                let has_err = self.next()? == "1";
                let ok = if has_ok {
                    Some(Box::new(self.ty(d)?))
                } else {
                    None
                };
                let err = if has_err {
                    Some(Box::new(self.ty(d)?))
                } else {
                    None
                };
                CType::Result { ok, err }
            }
            other => return Err(format!("type code: unknown token {other:?}")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue12_item1_type_codes_round_trip_and_reject_damage() {
        let ty = CType::Record {
            name: "R".into(),
            fields: vec![
                ("a".into(), CType::List(Box::new(CType::S64))),
                (
                    "b".into(),
                    CType::Map {
                        key: Box::new(CType::String),
                        value: Box::new(CType::Option(Box::new(CType::F64))),
                    },
                ),
                ("c".into(), CType::Tuple(vec![CType::Bool, CType::Json])),
                (
                    "d".into(),
                    CType::Variant {
                        name: "V".into(),
                        cases: vec![
                            Case {
                                name: "A".into(),
                                payload: Payload::None,
                            },
                            Case {
                                name: "B".into(),
                                payload: Payload::Named(vec![("x".into(), CType::S64)]),
                            },
                            Case {
                                name: "C".into(),
                                payload: Payload::Positional(vec![CType::String, CType::F64]),
                            },
                        ],
                    },
                ),
                (
                    "e".into(),
                    CType::Result {
                        ok: None,
                        err: Some(Box::new(CType::String)),
                    },
                ),
            ],
        };
        let toks = encode(&ty);
        assert_eq!(decode(&toks), Ok(ty));
        for n in 0..toks.len() {
            assert!(decode(&toks[..n]).is_err(), "{n}");
        }
        let mut bad = toks.clone();
        bad[2] = "99999999999".into();
        assert!(decode(&bad).is_err());
        let mut extra = toks;
        extra.push("i".into());
        assert!(decode(&extra).is_err());
        // MAX_DEPTH levels decode; one more is an error, not a stack overflow.
        let deep = |n: usize| {
            let mut t: Vec<String> = vec!["l".to_string(); n - 1];
            t.push("i".into());
            t
        };
        let r = std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(move || {
                let ok = decode(&deep(MAX_DEPTH)).is_ok();
                let too = decode(&deep(MAX_DEPTH + 1)).is_err();
                let huge = decode(&deep(1_000_000)).is_err();
                ok && too && huge
            })
            .map(|h| h.join());
        assert!(matches!(r, Ok(Ok(true))), "{r:?}");
    }
}
