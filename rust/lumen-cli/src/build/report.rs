//! What the user sees while a build runs: a step list with elapsed times (an `indicatif`
//! spinner on a terminal, plain lines otherwise, nothing with `--quiet`), tool output with
//! `--verbose`, and the final summary (human table or one JSON line on stdout).

use super::package::FileSize;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How much to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    /// Errors only (and the JSON line with `--message-format json`).
    Quiet,
    /// Steps and the summary.
    Normal,
    /// Also every line the tools print, and their versions.
    Verbose,
}

/// One finished step.
#[derive(Debug, Clone)]
pub struct StepTime {
    /// Its name (`toolchain`, `wasm-pack`, ...).
    pub name: String,
    /// How long it took.
    pub elapsed: Duration,
}

struct Current {
    name: String,
    started: Instant,
    bar: Option<ProgressBar>,
}

/// The progress reporter. Everything goes to standard error; stdout is reserved for the
/// JSON summary.
pub struct Reporter {
    verbosity: Verbosity,
    tty: bool,
    total: usize,
    done: Mutex<Vec<StepTime>>,
    current: Mutex<Option<Current>>,
}

impl Reporter {
    /// A reporter for a build of `total` steps.
    pub fn new(verbosity: Verbosity, total: usize) -> Reporter {
        Reporter {
            verbosity,
            tty: std::io::stderr().is_terminal(),
            total,
            done: Mutex::new(Vec::new()),
            current: Mutex::new(None),
        }
    }

    /// Whether tool output and versions are shown.
    pub fn verbose(&self) -> bool {
        self.verbosity == Verbosity::Verbose
    }

    /// Starts step `name`, described by `what`.
    pub fn start(&self, name: &str, what: &str) {
        self.finish();
        let index = self.done.lock().map(|d| d.len() + 1).unwrap_or(1);
        let bar = if self.verbosity != Verbosity::Quiet && self.tty {
            let bar = ProgressBar::new_spinner();
            let style = ProgressStyle::with_template("{spinner} {prefix} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            bar.set_style(style);
            bar.set_prefix(format!("[{index}/{}]", self.total));
            bar.set_message(what.to_string());
            bar.enable_steady_tick(Duration::from_millis(120));
            Some(bar)
        } else {
            if self.verbosity != Verbosity::Quiet {
                eprintln!("[{index}/{}] {what}", self.total);
            }
            None
        };
        if let Ok(mut c) = self.current.lock() {
            *c = Some(Current {
                name: name.to_string(),
                started: Instant::now(),
                bar,
            });
        }
    }

    /// Ends the current step (if any), recording its time.
    pub fn finish(&self) {
        let Some(cur) = self.current.lock().ok().and_then(|mut c| c.take()) else {
            return;
        };
        let elapsed = cur.started.elapsed();
        if let Some(bar) = &cur.bar {
            bar.finish_and_clear();
        }
        if self.verbosity != Verbosity::Quiet {
            eprintln!("      {:<12} {}", cur.name, seconds(elapsed));
        }
        if let Ok(mut d) = self.done.lock() {
            d.push(StepTime {
                name: cur.name,
                elapsed,
            });
        }
    }

    /// A message the user should see even without `--verbose` (an install, a fix).
    pub fn notice(&self, msg: &str) {
        if self.verbosity == Verbosity::Quiet {
            return;
        }
        self.print(&format!("note: {msg}"));
    }

    /// A line of tool output or detail, shown with `--verbose`.
    pub fn detail(&self, line: &str) {
        if self.verbose() {
            self.print(&format!("  | {line}"));
        }
    }

    fn print(&self, line: &str) {
        let bar = self
            .current
            .lock()
            .ok()
            .and_then(|c| c.as_ref().and_then(|c| c.bar.clone()));
        match bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    /// The finished steps.
    pub fn steps(&self) -> Vec<StepTime> {
        self.finish();
        self.done.lock().map(|d| d.clone()).unwrap_or_default()
    }
}

/// `1.2s` / `350ms`.
pub fn seconds(d: Duration) -> String {
    if d.as_millis() < 1000 {
        format!("{}ms", d.as_millis())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// `743,605`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The human summary: a table of files with raw and gzip sizes, and the total time.
pub fn human_summary(out_dir: &str, files: &[FileSize], elapsed: Duration) -> String {
    let width = files.iter().map(|f| f.path.len()).max().unwrap_or(4).max(4);
    let mut s = format!("built {out_dir} in {}\n", seconds(elapsed));
    s.push_str(&format!(
        "  {:<width$}  {:>10}  {:>10}\n",
        "file", "bytes", "gzip"
    ));
    for f in files {
        s.push_str(&format!(
            "  {:<width$}  {:>10}  {:>10}\n",
            f.path,
            thousands(f.bytes),
            thousands(f.gzip_bytes)
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_and_time_formats() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(743605), "743,605");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(seconds(Duration::from_millis(350)), "350ms");
        assert_eq!(seconds(Duration::from_millis(12_340)), "12.3s");
    }

    #[test]
    fn summary_lists_files() {
        let files = vec![FileSize {
            path: "lumen_wasm_bg.wasm".into(),
            bytes: 743605,
            gzip_bytes: 283971,
        }];
        let s = human_summary("pkg", &files, Duration::from_secs(2));
        assert!(s.contains("built pkg in 2.0s"));
        assert!(s.contains("lumen_wasm_bg.wasm"));
        assert!(s.contains("743,605"));
        assert!(s.contains("283,971"));
    }

    #[test]
    fn quiet_reporter_still_records_steps() {
        let r = Reporter::new(Verbosity::Quiet, 2);
        r.start("one", "first");
        r.start("two", "second");
        let steps = r.steps();
        assert_eq!(
            steps.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
            ["one", "two"]
        );
    }
}
