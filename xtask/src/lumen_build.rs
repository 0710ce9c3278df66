//! Drives `lumen build --target wasm --release --message-format json --quiet`, the same code
//! path users run, and reads its one-line JSON summary (see the build contract: exactly one
//! JSON object on stdout, printed at the end; exit status 0 built or up to date, 1 failed,
//! 2 usage).
//!
//! The `lumen` binary is `LUMEN_BIN` when that variable is set (and not empty), else the
//! dev `lumen` built here with cargo.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

/// How many lines of `lumen`'s stderr a failure keeps when there is no JSON summary.
const STDERR_TAIL: usize = 12;

use lumen_build_plan::WasmTarget;
/// The summary and its parts: declared once, in lumen-build-plan, which `lumen build`
/// serialises.
pub use lumen_build_plan::{Status, Summary};

/// Parses the summary from `lumen build`'s stdout: the last non-empty line must be the JSON
/// object (anything before it is ignored, in case a tool wrote to stdout anyway).
pub fn parse_summary(stdout: &str) -> Result<Summary, String> {
    let line = stdout
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .ok_or("lumen printed no JSON summary")?;
    serde_json::from_str(line)
        .map_err(|e| format!("cannot parse lumen's JSON summary ({e}): {line}"))
}

/// One `lumen build` run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `--wasm-target`.
    pub target: WasmTarget,
    /// `--vm-only`.
    pub vm_only: bool,
    /// `--keep-names` (hidden): keep the `name` section, the code as without it.
    pub keep_names: bool,
    /// `--out-dir`.
    pub out_dir: PathBuf,
}

impl Request {
    /// The arguments after the `lumen` binary.
    pub fn args(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> = ["build", "--target", "wasm", "--release", "--wasm-target"]
            .iter()
            .map(OsString::from)
            .collect();
        args.push(OsString::from(self.target.name()));
        if self.vm_only {
            args.push("--vm-only".into());
        }
        if self.keep_names {
            args.push("--keep-names".into());
        }
        args.push("--out-dir".into());
        args.push(self.out_dir.clone().into_os_string());
        for a in ["--message-format", "json", "--quiet"] {
            args.push(a.into());
        }
        args
    }
}

/// A successful build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    /// The parsed summary.
    pub summary: Summary,
    /// The output directory (the summary's `out_dir`, else the requested one).
    pub out_dir: PathBuf,
    /// Absolute path of the main `.wasm` file, which exists.
    pub wasm: PathBuf,
}

/// A failed build: what to show in a table row, and the tool output behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildFailure {
    /// One line.
    pub message: String,
    /// The last lines of the failing tool's output (may be empty).
    pub output: Vec<String>,
}

impl BuildFailure {
    fn new(message: impl Into<String>) -> Self {
        BuildFailure {
            message: message.into(),
            output: Vec::new(),
        }
    }
}

/// The `lumen` to drive: `LUMEN_BIN`, else the dev build from this workspace.
pub fn lumen_bin() -> Result<PathBuf, String> {
    match std::env::var_os("LUMEN_BIN") {
        Some(bin) if !bin.is_empty() => Ok(PathBuf::from(bin)),
        _ => crate::dev_lumen(),
    }
}

/// Removes `out` (relative to the workspace root) when it is a directory without the
/// output marker. xtask's out dirs are its own build products (`pkg*/`, and under the
/// target dir, which CI keeps between runs); one written before `lumen build` marked its
/// outputs would otherwise be refused.
pub fn clear_unmarked(out: &Path) -> Result<(), String> {
    let out = crate::root().join(out);
    if out.is_dir() && !out.join(lumen_build_plan::OUTPUT_MARKER).exists() {
        std::fs::remove_dir_all(&out)
            .map_err(|e| format!("cannot remove {}: {e}", out.display()))?;
    }
    Ok(())
}

/// Runs one build in the workspace root and interprets its outcome.
pub fn build(lumen: &Path, request: &Request) -> Result<Built, BuildFailure> {
    clear_unmarked(&request.out_dir).map_err(BuildFailure::new)?;
    let output = Command::new(lumen)
        .args(request.args())
        .current_dir(crate::root())
        .stdin(Stdio::null())
        .output()
        .map_err(|e| BuildFailure::new(format!("cannot run {}: {e}", lumen.display())))?;
    interpret(
        request,
        output.status,
        &String::from_utf8_lossy(&output.stdout),
        &String::from_utf8_lossy(&output.stderr),
    )
}

/// Turns `lumen`'s exit status and output into a build or a failure.
pub fn interpret(
    request: &Request,
    status: ExitStatus,
    stdout: &str,
    stderr: &str,
) -> Result<Built, BuildFailure> {
    let summary = match parse_summary(stdout) {
        Ok(summary) => summary,
        Err(parse_error) => {
            let message = if status.success() {
                parse_error
            } else {
                format!("lumen build exited with {status}")
            };
            return Err(BuildFailure {
                message,
                output: tail(stderr, STDERR_TAIL),
            });
        }
    };
    if summary.status == Status::Failed {
        return Err(match summary.error {
            Some(error) => BuildFailure {
                message: error.message,
                output: error.output,
            },
            None => BuildFailure {
                message: format!("lumen build failed ({status}) without an error message"),
                output: tail(stderr, STDERR_TAIL),
            },
        });
    }
    if !status.success() {
        return Err(BuildFailure {
            message: format!("lumen build exited with {status} but reported success"),
            output: tail(stderr, STDERR_TAIL),
        });
    }
    let out_dir = match &summary.out_dir {
        Some(dir) if dir.is_absolute() => dir.clone(),
        Some(dir) => crate::root().join(dir),
        None => request.out_dir.clone(),
    };
    let wasm_rel = summary
        .wasm
        .as_ref()
        .map(|w| w.path.clone())
        .ok_or_else(|| BuildFailure::new("lumen's summary names no .wasm file"))?;
    let wasm = out_dir.join(&wasm_rel);
    if !wasm.is_file() {
        return Err(BuildFailure::new(format!(
            "the summary's wasm file {} does not exist",
            wasm.display()
        )));
    }
    Ok(Built {
        summary,
        out_dir,
        wasm,
    })
}

/// The last `n` non-empty lines of `text`.
fn tail(text: &str, n: usize) -> Vec<String> {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(n);
    lines
        .get(start..)
        .unwrap_or(&[])
        .iter()
        .map(|l| l.to_string())
        .collect()
}

// The tests build exit statuses from raw wait codes, which is Unix-only.
#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;

    const BUILT: &str = r#"{"status":"built","target":"js","release":true,"profile":"size","vm_only":false,"out_dir":"/abs/pkg","package":"lumen-wasm","version":"0.1.0","elapsed_ms":1234,"wasm":{"path":"lumen_wasm_bg.wasm","bytes":743605,"gzip_bytes":283971},"files":[{"path":"package.json","bytes":512,"gzip_bytes":300}],"steps":[{"name":"toolchain","elapsed_ms":12}],"tools":{"rustc":"1.95.0"}}"#;

    const FAILED: &str = r#"{"status":"failed","target":"wasi","release":true,"profile":"size","vm_only":false,"out_dir":"/abs/pkg","elapsed_ms":10,"steps":[],"error":{"message":"wasm-pack failed (exit status 1)","output":["error[E0425]: cannot find value","aborting"]}}"#;

    fn exit(code: i32) -> ExitStatus {
        ExitStatus::from_raw(code << 8)
    }

    fn request(out_dir: &Path) -> Request {
        Request {
            target: WasmTarget::Js,
            vm_only: false,
            keep_names: false,
            out_dir: out_dir.to_path_buf(),
        }
    }

    #[test]
    fn parses_a_built_summary() {
        let s = parse_summary(BUILT).unwrap();
        assert_eq!(s.status, Status::Built);
        assert_eq!(s.target, Some(WasmTarget::Js));
        assert_eq!(s.package.as_deref(), Some("lumen-wasm"));
        assert_eq!(s.version.as_deref(), Some("0.1.0"));
        assert_eq!(s.out_dir, Some(PathBuf::from("/abs/pkg")));
        assert_eq!(s.elapsed_ms, Some(1234));
        let wasm = s.wasm.unwrap();
        assert_eq!(wasm.path, PathBuf::from("lumen_wasm_bg.wasm"));
        assert_eq!(wasm.bytes, Some(743605));
        assert_eq!(s.error, None);
    }

    #[test]
    fn parses_a_failed_summary() {
        let s = parse_summary(FAILED).unwrap();
        assert_eq!(s.status, Status::Failed);
        assert_eq!(s.wasm, None);
        let e = s.error.unwrap();
        assert_eq!(e.message, "wasm-pack failed (exit status 1)");
        assert_eq!(e.output.len(), 2);
    }

    #[test]
    fn parses_up_to_date_and_takes_the_last_line() {
        let text = "stray line\n{\"status\":\"up-to-date\",\"wasm\":{\"path\":\"lumen.wasm\"}}\n\n";
        let s = parse_summary(text).unwrap();
        assert_eq!(s.status, Status::UpToDate);
        assert_eq!(s.wasm.unwrap().bytes, None);
    }

    #[test]
    fn rejects_missing_or_bad_summaries() {
        assert_eq!(
            parse_summary("").unwrap_err(),
            "lumen printed no JSON summary"
        );
        assert_eq!(
            parse_summary(" \n\n").unwrap_err(),
            "lumen printed no JSON summary"
        );
        let e = parse_summary("error: unknown subcommand").unwrap_err();
        assert!(e.starts_with("cannot parse lumen's JSON summary"), "{e}");
        let e = parse_summary(r#"{"status":"exploded"}"#).unwrap_err();
        assert!(e.contains("exploded"), "{e}");
    }

    #[test]
    fn request_arguments_follow_the_contract() {
        let joined = |r: &Request| {
            r.args()
                .into_iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut r = request(Path::new("/t/wasm-size/vm-js"));
        r.vm_only = true;
        assert_eq!(
            joined(&r),
            "build --target wasm --release --wasm-target js --vm-only --out-dir /t/wasm-size/vm-js --message-format json --quiet"
        );
        r.vm_only = false;
        assert!(!r.args().iter().any(|a| a == "--vm-only"));
        assert!(!r.args().iter().any(|a| a == "--keep-names"));
        r.keep_names = true;
        assert_eq!(
            joined(&r),
            "build --target wasm --release --wasm-target js --keep-names --out-dir /t/wasm-size/vm-js --message-format json --quiet"
        );
    }

    #[test]
    fn a_failed_summary_becomes_a_failure_with_its_message() {
        let f = interpret(&request(Path::new("/x")), exit(1), FAILED, "").unwrap_err();
        assert_eq!(f.message, "wasm-pack failed (exit status 1)");
        assert_eq!(
            f.output,
            vec!["error[E0425]: cannot find value", "aborting"]
        );
    }

    #[test]
    fn no_summary_and_a_bad_exit_keeps_the_stderr_tail() {
        let stderr = (1..=20).map(|i| format!("line {i}\n")).collect::<String>();
        let f = interpret(&request(Path::new("/x")), exit(2), "", &stderr).unwrap_err();
        assert!(
            f.message.starts_with("lumen build exited with"),
            "{}",
            f.message
        );
        assert!(f.message.contains('2'), "{}", f.message);
        assert_eq!(f.output.len(), STDERR_TAIL);
        assert_eq!(f.output.last().map(String::as_str), Some("line 20"));
    }

    #[test]
    fn success_needs_an_existing_wasm_file() {
        let dir = tempfile::tempdir().unwrap();
        let stdout = format!(
            r#"{{"status":"built","out_dir":{},"wasm":{{"path":"lumen_wasm_bg.wasm"}}}}"#,
            serde_json::to_string(&dir.path().to_string_lossy()).unwrap()
        );
        let f = interpret(&request(Path::new("/elsewhere")), exit(0), &stdout, "").unwrap_err();
        assert!(f.message.contains("does not exist"), "{}", f.message);

        std::fs::write(dir.path().join("lumen_wasm_bg.wasm"), b"\0asm").unwrap();
        let built = interpret(&request(Path::new("/elsewhere")), exit(0), &stdout, "").unwrap();
        assert_eq!(built.out_dir, dir.path());
        assert_eq!(built.wasm, dir.path().join("lumen_wasm_bg.wasm"));
    }

    #[test]
    fn the_requested_out_dir_is_used_when_the_summary_has_none() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("lumen.wasm"), b"\0asm").unwrap();
        let stdout = r#"{"status":"up-to-date","wasm":{"path":"lumen.wasm"}}"#;
        let built = interpret(&request(dir.path()), exit(0), stdout, "").unwrap();
        assert_eq!(built.wasm, dir.path().join("lumen.wasm"));
    }

    #[test]
    fn success_without_a_wasm_entry_or_with_a_bad_exit_fails() {
        let f = interpret(
            &request(Path::new("/x")),
            exit(0),
            r#"{"status":"built"}"#,
            "",
        )
        .unwrap_err();
        assert_eq!(f.message, "lumen's summary names no .wasm file");
        let f = interpret(&request(Path::new("/x")), exit(1), BUILT, "boom").unwrap_err();
        assert!(f.message.contains("reported success"), "{}", f.message);
        assert_eq!(f.output, vec!["boom"]);
    }
}
