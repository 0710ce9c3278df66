//! [`ProgramBlob`]: what the builder embeds in the component runtime and the runtime reads
//! back: the export and import signatures, whether `main` is `wasi:cli/run`, and the LIR.
//!
//! Encoding: the magic `LMCB`, a version (`u32` little-endian, [`BLOB_VERSION`]), the `u32`
//! little-endian length of a JSON header (everything but the LIR), the header, then the LIR
//! bytes to the end. [`ProgramBlob::decode`] never panics: every malformed input is an `Err`
//! (and the JSON parser bounds nesting, so a hostile header cannot exhaust the stack).

use crate::types::{ExportSig, ImportSig};
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

#[derive(Serialize)]
struct HeaderRef<'a> {
    exports: &'a [ExportSig],
    imports: &'a [ImportSig],
    cli_run: bool,
}

#[derive(Deserialize)]
struct Header {
    exports: Vec<ExportSig>,
    imports: Vec<ImportSig>,
    cli_run: bool,
}

impl ProgramBlob {
    /// The blob's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let header = serde_json::to_vec(&HeaderRef {
            exports: &self.exports,
            imports: &self.imports,
            cli_run: self.cli_run,
        })
        // Serialising plain structs of strings, vectors and enums cannot fail.
        .unwrap_or_default();
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
        for t in h
            .exports
            .iter()
            .flat_map(|e| e.params.iter().map(|p| &p.ty).chain(e.result.iter()))
            .chain(
                h.imports
                    .iter()
                    .flat_map(|i| i.params.iter().map(|p| &p.ty).chain(i.result.iter())),
            )
        {
            crate::check_depth(t).map_err(|e| format!("program blob: {e}"))?;
        }
        Ok(ProgramBlob {
            exports: h.exports,
            imports: h.imports,
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
