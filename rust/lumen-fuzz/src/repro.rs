//! Re-running one input in a fresh worker process (`lumen-fuzz exec`): the minimiser's
//! predicate, and `cargo xtask fuzz --repro FILE`.

use crate::exec::InputKind;
use crate::minimize::{minimize, Budget};
use crate::supervisor::classify_death;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How to start a fresh process that runs one input (`exe exec [args] --binary?`, input
/// on stdin).
#[derive(Debug, Clone)]
pub struct Runner {
    /// The `lumen-fuzz` executable.
    pub exe: PathBuf,
    /// Extra arguments (limits) for `exec`.
    pub args: Vec<String>,
    /// Wall-clock budget of one run (beyond it: `hang`).
    pub timeout: Duration,
}

impl Runner {
    /// The failure kind of running `input` in a fresh process, `None` when it passes.
    pub fn failure(&self, kind: InputKind, input: &[u8]) -> Option<String> {
        let mut cmd = Command::new(&self.exe);
        cmd.arg("exec").args(&self.args).env("RUST_BACKTRACE", "1");
        if kind == InputKind::Binary {
            cmd.arg("--binary");
        }
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().ok()?;
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(input);
        }
        let mut stdout = child.stdout.take();
        let mut stderr = child.stderr.take();
        let out_t = std::thread::spawn(move || {
            let mut s = String::new();
            if let Some(o) = stdout.as_mut() {
                let _ = o.read_to_string(&mut s);
            }
            s
        });
        let err_t = std::thread::spawn(move || {
            let mut s = Vec::new();
            if let Some(e) = stderr.as_mut() {
                let _ = e.read_to_end(&mut s);
            }
            String::from_utf8_lossy(&s).into_owned()
        });
        let start = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if start.elapsed() > self.timeout => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break None;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(2)),
                Err(_) => break None,
            }
        };
        let out = out_t.join().unwrap_or_default();
        let err = err_t.join().unwrap_or_default();
        let stage = crate::supervisor::phase(kind, out.lines().any(|l| l == "RUN"));
        let Some(status) = status else {
            return Some(format!("hang-{stage}"));
        };
        if status.success() {
            return out
                .lines()
                .find_map(|l| l.strip_prefix("FAIL "))
                .map(|rest| rest.split('\t').next().unwrap_or(rest).to_string());
        }
        Some(format!("{}-{stage}", classify_death(status, &err)))
    }

    /// Minimises `input` (which fails with `kind`), keeping the same failure kind; writes
    /// `<stem>.min.<ext>` next to `path` and returns that path and the minimised bytes.
    pub fn minimize_file(
        &self,
        path: &Path,
        input_kind: InputKind,
        input: &[u8],
        kind: &str,
        budget: Budget,
    ) -> (PathBuf, Vec<u8>) {
        let mut same =
            |candidate: &[u8]| self.failure(input_kind, candidate).as_deref() == Some(kind);
        let min = minimize(input, &mut same, budget);
        let ext = input_kind.extension();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let stem = name.strip_suffix(&format!(".{ext}")).unwrap_or(&name);
        let out = path.with_file_name(format!("{stem}.min.{ext}"));
        let _ = std::fs::write(&out, &min);
        (out, min)
    }
}
