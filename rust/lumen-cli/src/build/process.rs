//! Running the external tools of a build (wasm-pack, cargo, rustup): output streamed to the
//! user with `--verbose`, and the last lines kept for the error message when a tool fails.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

/// How many of a tool's last output lines a failure message shows.
pub const TAIL_LINES: usize = 25;

/// A finished tool run.
#[derive(Debug)]
pub struct Finished {
    /// Whether it exited with status 0.
    pub success: bool,
    /// `exit status: N` or `killed by a signal`.
    pub status: String,
    /// The last [`TAIL_LINES`] lines of its standard output and error, interleaved.
    pub tail: Vec<String>,
}

/// Runs `cmd` to completion. Each output line goes to `echo` (which prints it with
/// `--verbose`) and into the kept tail.
pub fn run_streaming(cmd: &mut Command, echo: &(dyn Fn(&str) + Sync)) -> Result<Finished, String> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start `{program}`: {e}"))?;
    let tail: Arc<Mutex<VecDeque<String>>> = Arc::new(Mutex::new(VecDeque::new()));
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    std::thread::scope(|scope| {
        for stream in [
            stdout.map(|s| Box::new(s) as Box<dyn Read + Send>),
            stderr.map(|s| Box::new(s) as Box<dyn Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let tail = Arc::clone(&tail);
            scope.spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    echo(&line);
                    if let Ok(mut t) = tail.lock() {
                        if t.len() == TAIL_LINES {
                            t.pop_front();
                        }
                        t.push_back(line);
                    }
                }
            });
        }
    });
    let status = child
        .wait()
        .map_err(|e| format!("cannot wait for `{program}`: {e}"))?;
    let tail = tail
        .lock()
        .map(|t| t.iter().cloned().collect())
        .unwrap_or_default();
    Ok(Finished {
        success: status.success(),
        status: match status.code() {
            Some(c) => format!("exit status {c}"),
            None => "killed by a signal".to_string(),
        },
        tail,
    })
}

/// The first line of `program args` standard output, if it runs and succeeds.
pub fn first_line(program: &std::path::Path, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .map(|l| l.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_last_lines() {
        let mut cmd = Command::new("sh");
        cmd.args([
            "-c",
            "i=0; while [ $i -lt 40 ]; do echo out$i; i=$((i+1)); done; exit 3",
        ]);
        let seen = Mutex::new(0usize);
        let done = run_streaming(&mut cmd, &|_| *seen.lock().unwrap() += 1).unwrap();
        assert!(!done.success);
        assert_eq!(done.status, "exit status 3");
        assert_eq!(done.tail.len(), TAIL_LINES);
        assert_eq!(done.tail.last().map(String::as_str), Some("out39"));
        assert!(!done.tail.contains(&"out0".to_string()));
        assert_eq!(*seen.lock().unwrap(), 40);
    }

    #[test]
    fn standard_error_is_kept_too() {
        // (The two pipes are read by two threads: their lines interleave in no fixed order.)
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo out; echo boom >&2"]);
        let done = run_streaming(&mut cmd, &|_| {}).unwrap();
        assert!(done.success);
        let mut tail = done.tail.clone();
        tail.sort();
        assert_eq!(tail, ["boom", "out"]);
    }

    #[test]
    fn missing_program_is_an_error() {
        let mut cmd = Command::new("/nonexistent/tool");
        let err = run_streaming(&mut cmd, &|_| {}).unwrap_err();
        assert!(err.contains("cannot start"), "{err}");
    }
}
