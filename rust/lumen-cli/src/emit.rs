//! `lumen emit FILE [--format json|binary] [-o OUT] [--strip]`: the compiled LIR.
//!
//! Without `--format`, the format follows OUT's extension: `-o x.lmb` writes binary, anything
//! else (and standard output) JSON. JSON goes to standard output unless `-o` is given. Binary LIR needs `-o OUT`, or a
//! standard output that is not a terminal (a pipe or a redirect); writing binary to a
//! terminal is refused (exit 2). An output file is written atomically: a temporary file in
//! the same directory, renamed over OUT once complete, so a failed emit never leaves a
//! half-written file. FILE may itself be binary LIR (to convert it to JSON). `--strip` drops
//! the position tables: a smaller file whose run-time errors name only the cells.

use crate::{program, Failure};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Output format of `lumen emit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EmitFormat {
    Json,
    Binary,
}

/// Options of `lumen emit`.
#[derive(Debug, clap::Args)]
pub struct EmitArgs {
    /// The program: `.lm`, `.lm.md`, or binary LIR.
    pub file: PathBuf,
    /// LIR as JSON or in the binary `.lmb` form [default: binary for `-o *.lmb`, else json].
    #[arg(long, value_enum)]
    pub format: Option<EmitFormat>,
    /// Write to this file instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Drop the source positions (smaller; run-time errors then name only the cells).
    #[arg(long)]
    pub strip: bool,
}

/// Writes `bytes` to `path` atomically (temporary file + rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let fail =
        |e: &dyn std::fmt::Display| Failure::Io(format!("cannot write `{}`: {e}", path.display()));
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".lumen-emit-")
        .tempfile_in(dir)
        .map_err(|e| fail(&e))?;
    tmp.write_all(bytes).map_err(|e| fail(&e))?;
    tmp.as_file().sync_all().map_err(|e| fail(&e))?;
    tmp.persist(path).map_err(|e| fail(&e.error))?;
    Ok(())
}

/// Runs `lumen emit`.
pub fn run(a: &EmitArgs) -> Result<(), Failure> {
    let format = a.format.unwrap_or(match &a.output {
        Some(out) if out.extension().is_some_and(|e| e == "lmb") => EmitFormat::Binary,
        _ => EmitFormat::Json,
    });
    if format == EmitFormat::Binary && a.output.is_none() && std::io::stdout().is_terminal() {
        return Err(Failure::Usage(
            "refusing to write binary LIR to a terminal; use `-o FILE` or redirect standard output"
                .to_string(),
        ));
    }
    let mut module = program::load(&a.file)?;
    if a.strip {
        module.strip_positions();
    }
    let bytes = match format {
        EmitFormat::Json => {
            let mut text = serde_json::to_string_pretty(&module)
                .map_err(|e| Failure::Io(format!("cannot serialise the LIR: {e}")))?;
            text.push('\n');
            text.into_bytes()
        }
        EmitFormat::Binary => lumen_vm::binary::encode(&module),
    };
    match &a.output {
        Some(path) => write_atomic(path, &bytes),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes)
                .and_then(|()| out.flush())
                .map_err(|e| Failure::Io(format!("cannot write to standard output: {e}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("x.lmb");
        std::fs::write(&out, b"old").unwrap();
        write_atomic(&out, b"new contents").unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"new contents");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn atomic_write_into_a_missing_directory_fails_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("missing/x.lmb");
        assert!(matches!(write_atomic(&out, b"x"), Err(Failure::Io(_))));
        assert!(!out.exists());
    }
}
