//! The driver: supervises worker processes, saves what kills or hangs them.
//!
//! Each worker writes every input to its stdout pipe before running it (see
//! [`crate::protocol`]); a reader thread per worker keeps the last one. When a worker dies
//! (stack overflow, abort, the address-space cap), the driver saves that input as a crash,
//! classified from the exit status and the worker's stderr, and starts a new worker with a
//! new seed. A worker that reports no new input within the hang budget is killed and its
//! input saved as a hang. In-process failures (panics, E0999, round trips) arrive as `F`
//! frames. Crashes are de-duplicated by kind and location; the first of each is saved as
//! `<out>/crashes/<kind>-<hash>.lm` (or `.lmb`) with a `.txt` describing it.

use crate::exec::InputKind;
use crate::protocol::{self, read_frame};
use crate::rng::fnv1a;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Settings of a supervised run.
#[derive(Debug, Clone)]
pub struct Config {
    /// Number of worker processes.
    pub jobs: usize,
    /// Wall-clock time of the run.
    pub time: Duration,
    /// Stop after this many executions (whichever of time and count comes first).
    pub max_execs: Option<u64>,
    /// An input running longer than this is a hang.
    pub hang_timeout: Duration,
    /// Where `crashes/` is written.
    pub out_dir: PathBuf,
    /// Print a progress line this often (`None`: quiet).
    pub progress: Option<Duration>,
}

/// One distinct failure.
#[derive(Debug, Clone)]
pub struct Crash {
    /// A death or hang with its stage (`stack-overflow-compile`, `oom-run`, `hang-run`,
    /// `abort-load`, ...), or an in-process failure (`panic`, `ice`, `invalid-lir`,
    /// `roundtrip`).
    pub kind: String,
    /// A detail line (panic message and location, exit status, stderr tail).
    pub detail: String,
    /// The input's kind.
    pub input_kind: InputKind,
    /// The failing input.
    pub input: Vec<u8>,
    /// Where it was saved.
    pub path: PathBuf,
    /// How many inputs failed this way.
    pub count: u64,
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Inputs executed.
    pub execs: u64,
    /// Source inputs that compiled (reported by the workers periodically).
    pub compiled: u64,
    /// Wall-clock time.
    pub elapsed: Duration,
    /// Distinct failures, in the order found.
    pub crashes: Vec<Crash>,
    /// Workers restarted after a death or hang.
    pub restarts: u64,
    /// Distinct diagnostic and run-time codes seen.
    pub codes: BTreeSet<String>,
}

impl Summary {
    /// Executions per second.
    pub fn exec_per_sec(&self) -> f64 {
        self.execs as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Total failing inputs (all kinds, duplicates included).
    pub fn failures(&self) -> u64 {
        self.crashes.iter().map(|c| c.count).sum()
    }
}

#[derive(Default)]
struct Shared {
    last: Option<(InputKind, Vec<u8>)>,
    /// The last input reached the VM.
    running: bool,
    last_at: Option<Instant>,
    execs: u64,
    compiled: u64,
    codes: Vec<String>,
    fails: Vec<(String, String, InputKind, Vec<u8>)>,
}

struct Slot {
    child: Child,
    shared: Arc<Mutex<Shared>>,
    reader: Option<JoinHandle<()>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    stderr_reader: Option<JoinHandle<()>>,
    started: Instant,
    /// Executions already added to the summary.
    counted: u64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn spawn(mut cmd: Command) -> std::io::Result<Slot> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn()?;
    let shared = Arc::new(Mutex::new(Shared::default()));
    let stderr = Arc::new(Mutex::new(Vec::new()));
    let reader = child.stdout.take().map(|mut out| {
        let shared = Arc::clone(&shared);
        std::thread::spawn(move || {
            while let Ok(Some((tag, payload))) = read_frame(&mut out) {
                let mut s = lock(&shared);
                if let Some(kind) = InputKind::from_tag(tag) {
                    s.last = Some((kind, payload));
                    s.running = false;
                    s.last_at = Some(Instant::now());
                    s.execs += 1;
                } else if tag == protocol::FAIL {
                    let text = String::from_utf8_lossy(&payload).into_owned();
                    let (kind, detail) = text.split_once('\t').unwrap_or((&text, ""));
                    let (ik, input) = s.last.clone().unwrap_or((InputKind::Source, vec![]));
                    s.fails
                        .push((kind.to_string(), detail.to_string(), ik, input));
                } else if tag == protocol::RUN {
                    s.running = true;
                } else if tag == protocol::CODE {
                    s.codes.push(String::from_utf8_lossy(&payload).into_owned());
                } else if tag == protocol::STATS {
                    let mut b = [0u8; 8];
                    let n = payload.len().min(8);
                    b[..n].copy_from_slice(&payload[..n]);
                    s.compiled = u64::from_le_bytes(b);
                }
            }
        })
    });
    let stderr_reader = child.stderr.take().map(|mut err| {
        let stderr = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut s = lock(&stderr);
                s.extend_from_slice(&buf[..n]);
                if s.len() > 16_384 {
                    let cut = s.len() - 8_192;
                    s.drain(..cut);
                }
            }
        })
    });
    Ok(Slot {
        child,
        shared,
        reader,
        stderr,
        stderr_reader,
        started: Instant::now(),
        counted: 0,
    })
}

/// The failure kind of a dead worker, from its exit status and the tail of its stderr.
pub fn classify_death(status: ExitStatus, stderr: &str) -> String {
    if stderr.contains("has overflowed its stack") {
        return "stack-overflow".into();
    }
    if stderr.contains("memory allocation of") || stderr.contains("out of memory") {
        return "oom".into();
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return match sig {
                libc::SIGABRT => "abort".into(),
                libc::SIGSEGV | libc::SIGBUS => "segv".into(),
                libc::SIGKILL => "killed".into(),
                n => format!("signal-{n}"),
            };
        }
    }
    match status.code() {
        Some(c) => format!("exit-{c}"),
        None => "died".into(),
    }
}

/// The stage a worker died in: `compile` (source) or `load` (binary LIR) before the VM
/// ran, `run` after.
pub fn phase(kind: InputKind, running: bool) -> &'static str {
    match (running, kind) {
        (true, _) => "run",
        (false, InputKind::Source) => "compile",
        (false, InputKind::Binary) => "load",
    }
}

/// The de-duplication key of a failure: its kind, plus the `at file:line` location of a
/// panic or the allocating Lumen function of an `oom` (when a backtrace was printed).
fn signature(kind: &str, detail: &str) -> String {
    match detail.rsplit_once(" at ") {
        Some((_, loc)) if kind == "panic" => return format!("{kind}@{loc}"),
        _ => {}
    }
    // An allocation failure's backtrace names the Lumen function that allocated.
    if kind.starts_with("oom") {
        if let Some(frame) = detail.split(" | ").find(|p| p.contains("lumen_")) {
            let name = frame.split_once(": ").map_or(frame, |(_, n)| n);
            return format!("{kind}@{name}");
        }
    }
    kind.to_string()
}

/// Collects distinct failures and saves the first input of each.
pub struct CrashStore {
    dir: PathBuf,
    by_signature: BTreeMap<String, usize>,
    /// The distinct failures.
    pub crashes: Vec<Crash>,
}

impl CrashStore {
    /// A store writing to `<out_dir>/crashes/`.
    pub fn new(out_dir: &Path) -> CrashStore {
        CrashStore {
            dir: out_dir.join("crashes"),
            by_signature: BTreeMap::new(),
            crashes: vec![],
        }
    }

    /// Records one failing input; saves it when its signature is new. Returns whether it
    /// was new.
    pub fn record(
        &mut self,
        kind: &str,
        detail: &str,
        input_kind: InputKind,
        input: Vec<u8>,
    ) -> bool {
        let sig = signature(kind, detail);
        if let Some(&i) = self.by_signature.get(&sig) {
            self.crashes[i].count += 1;
            return false;
        }
        let _ = std::fs::create_dir_all(&self.dir);
        let name = format!("{kind}-{:016x}", fnv1a(&input));
        let path = self.dir.join(format!("{name}.{}", input_kind.extension()));
        let _ = std::fs::write(&path, &input);
        let _ = std::fs::write(
            self.dir.join(format!("{name}.txt")),
            format!(
                "kind: {kind}\ndetail: {detail}\ninput: {}\n",
                path.display()
            ),
        );
        self.by_signature.insert(sig, self.crashes.len());
        self.crashes.push(Crash {
            kind: kind.to_string(),
            detail: detail.to_string(),
            input_kind,
            input,
            path,
            count: 1,
        });
        true
    }
}

/// Ends a slot: kills it if asked, waits, joins its readers. Returns the exit status,
/// the shared state and the stderr text.
fn reap(mut slot: Slot, kill: bool) -> (Option<ExitStatus>, Shared, String) {
    if kill {
        let _ = slot.child.kill();
    }
    let status = slot.child.wait().ok();
    if let Some(h) = slot.reader.take() {
        let _ = h.join();
    }
    if let Some(h) = slot.stderr_reader.take() {
        let _ = h.join();
    }
    let shared = std::mem::take(&mut *lock(&slot.shared));
    let stderr = String::from_utf8_lossy(&lock(&slot.stderr)).into_owned();
    (status, shared, stderr)
}

/// A one-line account of a death from the worker's stderr: the first line (the runtime's
/// message) and, when a backtrace was printed (`RUST_BACKTRACE`), the innermost Lumen frame.
pub fn death_detail(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut out: Vec<&str> = lines.iter().take(2).copied().collect();
    if let Some(frame) = lines.iter().find(|l| {
        (l.contains("lumen_vm::")
            || l.contains("lumen_compiler::")
            || l.contains("lumen_runtime::"))
            && !l.contains("lumen_fuzz::")
    }) {
        out.push(frame);
    }
    out.join(" | ")
}

/// Runs `config.jobs` workers made by `worker(index, generation)` until the time or the
/// execution budget is spent, restarting dead or hung ones.
pub fn supervise(config: &Config, worker: &dyn Fn(usize, u64) -> Command) -> Summary {
    let start = Instant::now();
    let mut summary = Summary::default();
    let mut store = CrashStore::new(&config.out_dir);
    let mut generation: u64 = 0;
    let mut slots: Vec<Option<Slot>> = Vec::new();
    let mut compiled_done: u64 = 0;
    for i in 0..config.jobs.max(1) {
        slots.push(spawn(worker(i, generation)).ok());
        generation += 1;
    }
    let mut last_progress = Instant::now();
    let startup_budget = Duration::from_secs(30).max(config.hang_timeout);
    let mut spawn_failures = 0usize;
    loop {
        let done_time = start.elapsed() >= config.time;
        let done_count = config.max_execs.is_some_and(|m| summary.execs >= m);
        let all_down = slots.iter().all(Option::is_none);
        if done_time || done_count || (all_down && spawn_failures >= 3 * config.jobs.max(1)) {
            if !(done_time || done_count) {
                eprintln!("fuzz: cannot start the workers; stopping");
            }
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
        for (i, entry) in slots.iter_mut().enumerate() {
            let Some(slot) = entry.as_mut() else {
                *entry = spawn(worker(i, generation)).ok();
                spawn_failures += usize::from(entry.is_none());
                generation += 1;
                continue;
            };
            let (fails, hung) = {
                let mut s = lock(&slot.shared);
                summary.execs += s.execs - slot.counted;
                slot.counted = s.execs;
                for c in s.codes.drain(..) {
                    summary.codes.insert(c);
                }
                let hung = match s.last_at {
                    Some(t) => t.elapsed() > config.hang_timeout,
                    None => slot.started.elapsed() > startup_budget,
                };
                (std::mem::take(&mut s.fails), hung)
            };
            for (kind, detail, ik, input) in fails {
                store.record(&kind, &detail, ik, input);
            }
            let exited = matches!(slot.child.try_wait(), Ok(Some(_)));
            if !(exited || hung) {
                continue;
            }
            let Some(slot) = entry.take() else { continue };
            let counted = slot.counted;
            let (status, shared, stderr) = reap(slot, hung && !exited);
            summary.execs += shared.execs.saturating_sub(counted);
            compiled_done += shared.compiled;
            for c in shared.codes {
                summary.codes.insert(c);
            }
            for (kind, detail, ik, input) in shared.fails {
                store.record(&kind, &detail, ik, input);
            }
            let (ik, input) = shared.last.unwrap_or((InputKind::Source, vec![]));
            let stage = phase(ik, shared.running);
            if hung && !exited {
                let detail = format!("no progress in {:?}", config.hang_timeout);
                store.record(&format!("hang-{stage}"), &detail, ik, input);
            } else if let Some(status) = status {
                let kind = format!("{}-{stage}", classify_death(status, &stderr));
                store.record(
                    &kind,
                    &format!("{status}: {}", death_detail(&stderr)),
                    ik,
                    input,
                );
            }
            summary.restarts += 1;
            *entry = spawn(worker(i, generation)).ok();
            generation += 1;
        }
        if let Some(every) = config.progress {
            if last_progress.elapsed() >= every {
                last_progress = Instant::now();
                let secs = start.elapsed().as_secs_f64().max(1e-9);
                eprintln!(
                    "fuzz: {:>6.0}s  {} execs  {:.0} exec/s  {} distinct failures ({} inputs)  {} codes",
                    secs,
                    summary.execs,
                    summary.execs as f64 / secs,
                    store.crashes.len(),
                    store.crashes.iter().map(|c| c.count).sum::<u64>(),
                    summary.codes.len()
                );
            }
        }
    }
    for slot in slots.into_iter().flatten() {
        let counted = slot.counted;
        let (_, shared, _) = reap(slot, true);
        summary.execs += shared.execs.saturating_sub(counted);
        compiled_done += shared.compiled;
        for c in shared.codes {
            summary.codes.insert(c);
        }
        for (kind, detail, ik, input) in shared.fails {
            store.record(&kind, &detail, ik, input);
        }
    }
    summary.compiled = compiled_done;
    summary.elapsed = start.elapsed();
    summary.crashes = store.crashes;
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_keep_panic_locations_apart() {
        assert_eq!(signature("panic", "boom at a.rs:1"), "panic@a.rs:1");
        assert_ne!(
            signature("panic", "x at a.rs:1"),
            signature("panic", "x at b.rs:2")
        );
        assert_eq!(
            signature("stack-overflow", "signal 6 at x"),
            "stack-overflow"
        );
    }

    #[test]
    fn the_store_saves_each_signature_once() {
        let dir = std::env::temp_dir().join(format!("lumen-fuzz-store-{}", std::process::id()));
        let mut store = CrashStore::new(&dir);
        assert!(store.record("abort", "d", InputKind::Source, b"one".to_vec()));
        assert!(!store.record("abort", "d", InputKind::Source, b"two".to_vec()));
        assert!(store.record("hang", "d", InputKind::Binary, b"three".to_vec()));
        assert_eq!(store.crashes.len(), 2);
        assert_eq!(store.crashes[0].count, 2);
        assert_eq!(std::fs::read(&store.crashes[0].path).unwrap(), b"one");
        assert!(store.crashes[1].path.to_string_lossy().ends_with(".lmb"));
        let _ = std::fs::remove_dir_all(dir);
    }
}
