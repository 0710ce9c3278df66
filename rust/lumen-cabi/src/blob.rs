//! [`ProgramBlob`]: what the builder embeds in the component runtime and the runtime reads
//! back: the export and import signatures, whether `main` is `wasi:cli/run`, and the LIR.
//!
//! Encoding: the magic `LMCB`, a version (`u32` little-endian, [`BLOB_VERSION`]), the `u32`
//! little-endian length of a JSON header (everything but the LIR), the header, then the LIR
//! bytes to the end. Types in the header are flat token lists ([`crate::typecode`]), so
//! the header's JSON nests a fixed few levels for types of any depth up to
//! [`crate::MAX_DEPTH`]. [`ProgramBlob::decode`] never panics: every malformed input is an
//! `Err` (the JSON parser bounds nesting, the type decoder bounds depth).

use crate::typecode;
use crate::types::{CType, ExportSig, ImportSig, Param};
use serde::{Deserialize, Serialize};

/// The first four bytes of an encoded blob.
pub const BLOB_MAGIC: &[u8; 4] = b"LMCB";
/// The encoding version [`ProgramBlob::encode`] writes and [`ProgramBlob::decode`] reads.
pub const BLOB_VERSION: u32 = 1;

/// A program as the component runtime needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgramBlob {
    /// The exported cells, in the order of the component's export functions.
    pub exports: Vec<ExportSig>,
    /// Import 0 is always the generic `call(name: string, args: string) -> result<string, string>`.
    pub imports: Vec<ImportSig>,
    /// True when `main` is also exported as `wasi:cli/run`.
    pub cli_run: bool,
    /// The program's LIR (`lumen_vm` module bytes).
    #[serde(skip)]
    pub lir: Vec<u8>,
}

/// The JSON header: the signatures with each type as a flat token list
/// ([`crate::typecode`]), so the header nests a fixed few levels whatever the types.
#[derive(Serialize, Deserialize)]
struct Header {
    exports: Vec<HExport>,
    imports: Vec<HImport>,
    cli_run: bool,
}

#[derive(Serialize, Deserialize)]
struct HParam {
    name: String,
    ty: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct HExport {
    cell: String,
    wit_name: String,
    params: Vec<HParam>,
    result: Option<Vec<String>>,
}

#[derive(Serialize, Deserialize)]
struct HImport {
    qualified: String,
    wit_interface: String,
    wit_func: String,
    params: Vec<HParam>,
    result: Option<Vec<String>>,
}

fn hparams(ps: &[Param]) -> Vec<HParam> {
    ps.iter()
        .map(|p| HParam {
            name: p.name.clone(),
            ty: typecode::encode(&p.ty),
        })
        .collect()
}

fn params(ps: Vec<HParam>) -> Result<Vec<Param>, String> {
    ps.into_iter()
        .map(|p| {
            Ok(Param {
                ty: typecode::decode(&p.ty).map_err(|e| format!("parameter `{}`: {e}", p.name))?,
                name: p.name,
            })
        })
        .collect()
}

fn result(r: Option<Vec<String>>) -> Result<Option<CType>, String> {
    r.map(|t| typecode::decode(&t).map_err(|e| format!("result: {e}")))
        .transpose()
}

impl ProgramBlob {
    /// The blob's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let header = Header {
            exports: self
                .exports
                .iter()
                .map(|e| HExport {
                    cell: e.cell.clone(),
                    wit_name: e.wit_name.clone(),
                    params: hparams(&e.params),
                    result: e.result.as_ref().map(typecode::encode),
                })
                .collect(),
            imports: self
                .imports
                .iter()
                .map(|i| HImport {
                    qualified: i.qualified.clone(),
                    wit_interface: i.wit_interface.clone(),
                    wit_func: i.wit_func.clone(),
                    params: hparams(&i.params),
                    result: i.result.as_ref().map(typecode::encode),
                })
                .collect(),
            cli_run: self.cli_run,
        };
        // Serialising plain structs of strings, vectors and booleans cannot fail.
        let header = serde_json::to_vec(&header).unwrap_or_default();
        let mut out = Vec::with_capacity(12 + header.len() + self.lir.len());
        out.extend_from_slice(BLOB_MAGIC);
        out.extend_from_slice(&BLOB_VERSION.to_le_bytes());
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(&self.lir);
        out
    }

    /// Reads a blob; `Err` with the reason for anything malformed.
    pub fn decode(bytes: &[u8]) -> Result<ProgramBlob, String> {
        let magic = bytes.get(0..4).ok_or("program blob: too short")?;
        if magic != BLOB_MAGIC {
            return Err("program blob: bad magic (not a Lumen component program)".into());
        }
        let version = u32_at(bytes, 4)?;
        if version != BLOB_VERSION {
            return Err(format!(
                "program blob: version {version}, this runtime reads version {BLOB_VERSION}"
            ));
        }
        let len = u32_at(bytes, 8)? as usize;
        let header = bytes
            .get(12..12usize.saturating_add(len))
            .ok_or("program blob: header runs past the end")?;
        let h: Header =
            serde_json::from_slice(header).map_err(|e| format!("program blob: bad header: {e}"))?;
        let ctx = |what: &str, name: &str, e: String| format!("program blob: {what} `{name}`: {e}");
        let mut exports = Vec::with_capacity(h.exports.len());
        for e in h.exports {
            exports.push(ExportSig {
                params: params(e.params).map_err(|m| ctx("export", &e.cell, m))?,
                result: result(e.result).map_err(|m| ctx("export", &e.cell, m))?,
                cell: e.cell,
                wit_name: e.wit_name,
            });
        }
        let mut imports = Vec::with_capacity(h.imports.len());
        for i in h.imports {
            let name = format!("{}.{}", i.wit_interface, i.wit_func);
            imports.push(ImportSig {
                params: params(i.params).map_err(|m| ctx("import", &name, m))?,
                result: result(i.result).map_err(|m| ctx("import", &name, m))?,
                qualified: i.qualified,
                wit_interface: i.wit_interface,
                wit_func: i.wit_func,
            });
        }
        Ok(ProgramBlob {
            exports,
            imports,
            cli_run: h.cli_run,
            lir: bytes.get(12 + len..).unwrap_or_default().to_vec(),
        })
    }
}

fn u32_at(bytes: &[u8], at: usize) -> Result<u32, String> {
    let b: [u8; 4] = bytes
        .get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .ok_or("program blob: too short")?;
    Ok(u32::from_le_bytes(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{CType, Case, Param, Payload};

    fn sample() -> ProgramBlob {
        let point = CType::Record {
            name: "Point".into(),
            fields: vec![("x".into(), CType::S64), ("y".into(), CType::F64)],
        };
        ProgramBlob {
            exports: vec![ExportSig {
                cell: "shift".into(),
                wit_name: "shift".into(),
                params: vec![
                    Param {
                        name: "p".into(),
                        ty: point.clone(),
                    },
                    Param {
                        name: "dx".into(),
                        ty: CType::Variant {
                            name: "Shape".into(),
                            cases: vec![Case {
                                name: "Empty".into(),
                                payload: Payload::None,
                            }],
                        },
                    },
                ],
                result: Some(point),
            }],
            imports: vec![ImportSig::generic_call()],
            cli_run: true,
            lir: (0..=255u8).collect(),
        }
    }

    #[test]
    fn issue12_item1_program_blob_round_trips() {
        let b = sample();
        let bytes = b.encode();
        assert_eq!(&bytes[0..4], b"LMCB");
        assert_eq!(ProgramBlob::decode(&bytes), Ok(b));
    }

    #[test]
    fn issue12_item1_program_blob_carries_types_as_deep_as_max_depth() {
        let mut t = CType::S64;
        for i in 1..crate::MAX_DEPTH {
            t = if i % 2 == 0 {
                CType::List(Box::new(t))
            } else {
                CType::Record {
                    name: format!("R{i}"),
                    fields: vec![("f".into(), t)],
                }
            };
        }
        let mut b = sample();
        b.exports[0].result = Some(t);
        let r = std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(move || ProgramBlob::decode(&b.encode()) == Ok(b))
            .map(|h| h.join());
        assert!(matches!(r, Ok(Ok(true))), "{r:?}");
    }

    #[test]
    fn issue12_item1_program_blob_decode_never_panics_on_damaged_input() {
        let bytes = sample().encode();
        let mut errors = 0;
        for n in 0..bytes.len() {
            if ProgramBlob::decode(&bytes[..n]).is_err() {
                errors += 1;
            }
        }
        // Every truncation inside the header is an error (cuts in the LIR are not ours).
        let header_end = 12 + u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
        assert!(errors >= header_end as usize, "{errors}");
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut m = bytes.clone();
            let at = (seed as usize) % m.len();
            m[at] ^= 1 << ((seed >> 32) % 8);
            if seed.is_multiple_of(3) {
                let at2 = ((seed >> 16) as usize) % m.len();
                m[at2] = (seed >> 40) as u8;
            }
            let _ = ProgramBlob::decode(&m);
        }
        assert!(ProgramBlob::decode(b"LMCB").is_err());
        assert!(ProgramBlob::decode(b"LMCB\x01\0\0\0\xff\xff\xff\xff").is_err());
        assert!(ProgramBlob::decode(b"XXXX\x01\0\0\0\0\0\0\0").is_err());
        // A header nested far too deeply is an error, not a stack overflow.
        let deep = format!("{}{}", "{\"List\":".repeat(100_000), "}".repeat(100_000));
        let mut d = b"LMCB\x01\0\0\0".to_vec();
        let h = format!(
            "{{\"exports\":[{{\"cell\":\"a\",\"wit_name\":\"a\",\"params\":[],\"result\":{deep}}}],\"imports\":[],\"cli_run\":false}}"
        );
        d.extend_from_slice(&(h.len() as u32).to_le_bytes());
        d.extend_from_slice(h.as_bytes());
        let r = std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(move || ProgramBlob::decode(&d).is_err())
            .map(|t| t.join());
        assert!(matches!(r, Ok(Ok(true))), "{r:?}");
    }
}
