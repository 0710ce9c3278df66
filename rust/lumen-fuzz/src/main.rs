//! `lumen-fuzz`: the fuzzer's executable (normally started by `cargo xtask fuzz`).
//!
//! ```text
//! lumen-fuzz fuzz [--time S] [--seed N] [--jobs J] [--corpus DIR]... [--out DIR]
//!                 [--max-execs N] [--hang-ms MS] [--min-time S] [--no-minimize]
//!                 [--adversarial PCT] [LIMITS]
//! lumen-fuzz worker --seed N [--corpus DIR]... [--fake-faults] [--adversarial PCT] [LIMITS]
//! lumen-fuzz exec [--binary] [--fake-faults] [FILE] [LIMITS]   one input (stdin without FILE)
//! lumen-fuzz minimize FILE --kind KIND [--binary] [--min-time S] [LIMITS]
//! lumen-fuzz differential --count K [--seed N] [--fuel F] FILE.json
//! lumen-fuzz gen --count K [--seed N] [--adversarial PCT] FOLDER   programs to look at
//! LIMITS: [--fuel N] [--max-depth N] [--mem-mb MB] [--stack-kb KB]
//! ```
//! Exit status: 0 no failure, 1 failures found, 2 usage.

use lumen_fuzz::exec::{Executor, InputKind, Limits, Verdict};
use lumen_fuzz::minimize::Budget;
use lumen_fuzz::repro::Runner;
use lumen_fuzz::supervisor::{self, Config};
use lumen_fuzz::worker::{self, WorkerOptions};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::Duration;

/// Parsed command-line options (every command takes the subset it needs).
#[derive(Debug, Clone)]
struct Opts {
    time: u64,
    seed: Option<u64>,
    jobs: usize,
    corpus: Vec<PathBuf>,
    out: PathBuf,
    max_execs: Option<u64>,
    hang_ms: u64,
    min_time: u64,
    minimize: bool,
    fuel: Option<u64>,
    max_depth: Option<usize>,
    mem_mb: u64,
    stack_kb: usize,
    binary: bool,
    fake_faults: bool,
    kind: Option<String>,
    count: usize,
    adversarial: usize,
    file: Option<PathBuf>,
}

impl Default for Opts {
    fn default() -> Opts {
        Opts {
            time: 60,
            seed: None,
            jobs: 2,
            corpus: vec![],
            out: PathBuf::from("target/fuzz"),
            max_execs: None,
            hang_ms: 2_000,
            min_time: 30,
            minimize: true,
            fuel: None,
            max_depth: None,
            mem_mb: 1_024,
            stack_kb: 8_192,
            binary: false,
            fake_faults: false,
            kind: None,
            count: 200,
            adversarial: 3,
            file: None,
        }
    }
}

fn parse(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts::default();
    let mut it = args.iter();
    fn num<T: std::str::FromStr>(flag: &str, v: Option<&String>) -> Result<T, String> {
        v.ok_or(format!("{flag} needs a value"))?
            .parse()
            .map_err(|_| format!("{flag}: not a number"))
    }
    while let Some(a) = it.next() {
        match a.as_str() {
            "--time" => o.time = num(a, it.next())?,
            "--seed" => o.seed = Some(num(a, it.next())?),
            "--jobs" => o.jobs = num(a, it.next())?,
            "--corpus" => o
                .corpus
                .push(PathBuf::from(it.next().ok_or("--corpus needs a folder")?)),
            "--out" => o.out = PathBuf::from(it.next().ok_or("--out needs a path")?),
            "--max-execs" => o.max_execs = Some(num(a, it.next())?),
            "--hang-ms" => o.hang_ms = num(a, it.next())?,
            "--min-time" => o.min_time = num(a, it.next())?,
            "--no-minimize" => o.minimize = false,
            "--fuel" => o.fuel = Some(num(a, it.next())?),
            "--max-depth" => o.max_depth = Some(num(a, it.next())?),
            "--mem-mb" => o.mem_mb = num(a, it.next())?,
            "--stack-kb" => o.stack_kb = num(a, it.next())?,
            "--binary" => o.binary = true,
            "--fake-faults" => o.fake_faults = true,
            "--kind" => o.kind = Some(it.next().ok_or("--kind needs a value")?.clone()),
            "--count" => o.count = num(a, it.next())?,
            "--adversarial" => o.adversarial = num(a, it.next())?,
            f if f.starts_with("--") => return Err(format!("unknown option {f}")),
            f => o.file = Some(PathBuf::from(f)),
        }
    }
    Ok(o)
}

impl Opts {
    fn limits(&self) -> Limits {
        let d = Limits::default();
        Limits {
            fuel: self.fuel.unwrap_or(d.fuel),
            max_depth: self.max_depth.unwrap_or(d.max_depth),
            ..d
        }
    }

    /// The LIMITS options, to pass on to a worker or `exec` process.
    fn limit_args(&self) -> Vec<String> {
        let mut v = vec![
            "--mem-mb".to_string(),
            self.mem_mb.to_string(),
            "--stack-kb".to_string(),
            self.stack_kb.to_string(),
        ];
        if let Some(f) = self.fuel {
            v.extend(["--fuel".to_string(), f.to_string()]);
        }
        if let Some(d) = self.max_depth {
            v.extend(["--max-depth".to_string(), d.to_string()]);
        }
        v
    }

    fn runner(&self) -> Result<Runner, String> {
        Ok(Runner {
            exe: std::env::current_exe().map_err(|e| format!("cannot find myself: {e}"))?,
            args: self.limit_args(),
            timeout: Duration::from_millis(self.hang_ms),
        })
    }
}

/// Caps this process' address space (a runaway allocation then fails fast and is reported
/// as `oom` instead of exhausting the machine).
fn cap_memory(mb: u64) {
    #[cfg(unix)]
    if mb > 0 {
        let bytes = mb.saturating_mul(1 << 20) as libc::rlim_t;
        let lim = libc::rlimit {
            rlim_cur: bytes,
            rlim_max: bytes,
        };
        // SAFETY: setrlimit only reads the struct we pass.
        unsafe {
            libc::setrlimit(libc::RLIMIT_AS, &lim);
        }
    }
}

/// Runs `f` on a thread with a `kb` KiB stack (the stack size the inputs get).
fn with_stack<R: Send + 'static>(kb: usize, f: impl FnOnce() -> R + Send + 'static) -> R {
    let handle = std::thread::Builder::new()
        .stack_size(kb.max(64) * 1024)
        .spawn(f);
    match handle.map(|h| h.join()) {
        Ok(Ok(r)) => r,
        _ => std::process::exit(3),
    }
}

fn worker_mode(o: Opts) -> ExitCode {
    cap_memory(o.mem_mb);
    let options = WorkerOptions {
        seed: o.seed.unwrap_or(0),
        corpus: o.corpus.clone(),
        limits: o.limits(),
        fake_faults: o.fake_faults,
        adversarial: o.adversarial,
    };
    with_stack(o.stack_kb, move || {
        let stdout = std::io::stdout();
        let mut lock = stdout.lock();
        let _ = worker::run(&options, &mut lock);
    });
    ExitCode::SUCCESS
}

fn read_input(o: &Opts) -> Result<Vec<u8>, String> {
    match &o.file {
        Some(f) => std::fs::read(f).map_err(|e| format!("cannot read {}: {e}", f.display())),
        None => {
            let mut v = vec![];
            std::io::stdin()
                .read_to_end(&mut v)
                .map_err(|e| format!("cannot read stdin: {e}"))?;
            Ok(v)
        }
    }
}

fn input_kind(o: &Opts) -> InputKind {
    let lmb = o
        .file
        .as_ref()
        .is_some_and(|f| f.extension().is_some_and(|e| e == "lmb"));
    if o.binary || lmb {
        InputKind::Binary
    } else {
        InputKind::Source
    }
}

fn exec_mode(o: Opts) -> Result<ExitCode, String> {
    let input = read_input(&o)?;
    let kind = input_kind(&o);
    cap_memory(o.mem_mb);
    if o.fake_faults {
        let text = String::from_utf8_lossy(&input);
        if text.contains("ABORT_MARKER") {
            std::process::abort();
        }
        if text.contains("HANG_MARKER") {
            loop {
                std::thread::sleep(Duration::from_secs(1));
            }
        }
        if text.contains("PANIC_MARKER") {
            println!("FAIL panic\tfake panic at fake.rs:1");
            return Ok(ExitCode::SUCCESS);
        }
    }
    let limits = o.limits();
    let verdict = with_stack(o.stack_kb, move || {
        lumen_fuzz::exec::quiet_panics();
        Executor::new(limits).execute_with(kind, &input, &mut || {
            println!("RUN");
            let _ = std::io::stdout().flush();
        })
    });
    match verdict {
        Verdict::Pass { codes, compiled } => {
            println!("PASS compiled={compiled} codes={}", codes.join(","));
        }
        Verdict::Fail { kind, detail } => println!("FAIL {kind}\t{detail}"),
    }
    Ok(ExitCode::SUCCESS)
}

fn minimize_mode(o: Opts) -> Result<ExitCode, String> {
    let path = o.file.clone().ok_or("minimize needs a FILE")?;
    let input = read_input(&o)?;
    let ik = input_kind(&o);
    let runner = o.runner()?;
    let kind = match &o.kind {
        Some(k) => k.clone(),
        None => runner
            .failure(ik, &input)
            .ok_or("the input does not fail: nothing to minimise")?,
    };
    let (out, min) = runner.minimize_file(&path, ik, &input, &kind, budget(&o));
    println!(
        "{kind}: {} bytes -> {} bytes: {}",
        input.len(),
        min.len(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn budget(o: &Opts) -> Budget {
    Budget {
        tests: 2_000,
        time: Duration::from_secs(o.min_time),
    }
}

fn differential_mode(o: Opts) -> Result<ExitCode, String> {
    let out = o.file.clone().ok_or("differential needs an output FILE")?;
    let fuel = o.fuel.unwrap_or(100_000);
    let recs = lumen_fuzz::differential::record(o.count, o.seed.unwrap_or(1), fuel);
    let text = serde_json::to_string_pretty(&recs).map_err(|e| e.to_string())?;
    if let Some(dir) = out.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    std::fs::write(&out, text).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!(
        "differential: {} programs recorded in {}",
        recs.len(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn gen_mode(o: Opts) -> Result<ExitCode, String> {
    let dir = o.file.clone().ok_or("gen needs an output FOLDER")?;
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let seed = o.seed.unwrap_or(1);
    for n in 0..o.count as u64 {
        let mut rng = lumen_fuzz::rng::Rng::new(seed.wrapping_add(n));
        let text = if rng.below(100) < o.adversarial {
            lumen_fuzz::gen::adversarial(&mut rng)
        } else {
            lumen_fuzz::gen::program(&mut rng)
        };
        let path = dir.join(format!("gen-{}.lm", seed.wrapping_add(n)));
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    println!("gen: {} programs in {}", o.count, dir.display());
    Ok(ExitCode::SUCCESS)
}

fn show(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    if text.len() <= max {
        text.into_owned()
    } else {
        let mut cut = max;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        format!("{}… ({} bytes in all)", &text[..cut], bytes.len())
    }
}

fn fuzz_mode(o: Opts) -> Result<ExitCode, String> {
    let seed = o.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
    });
    let exe = std::env::current_exe().map_err(|e| format!("cannot find myself: {e}"))?;
    eprintln!(
        "fuzz: seed {seed}, {} jobs, {} s{} (reproduce: --seed {seed})",
        o.jobs,
        o.time,
        o.max_execs
            .map(|m| format!(", at most {m} execs"))
            .unwrap_or_default()
    );
    let config = Config {
        jobs: o.jobs,
        time: Duration::from_secs(o.time),
        max_execs: o.max_execs,
        hang_timeout: Duration::from_millis(o.hang_ms),
        out_dir: o.out.clone(),
        progress: Some(Duration::from_secs(10)),
    };
    let worker_args = |generation: u64| {
        let mut args = vec![
            "worker".to_string(),
            "--seed".to_string(),
            seed.wrapping_add(generation.wrapping_mul(0x9E37_79B9_7F4A_7C15))
                .to_string(),
        ];
        for c in &o.corpus {
            args.push("--corpus".into());
            args.push(c.to_string_lossy().into_owned());
        }
        if o.fake_faults {
            args.push("--fake-faults".into());
        }
        args.extend(["--adversarial".to_string(), o.adversarial.to_string()]);
        args.extend(o.limit_args());
        args
    };
    let make = |_index: usize, generation: u64| {
        let mut cmd = Command::new(&exe);
        // An allocation failure then prints a backtrace: its Lumen frame tells OOMs apart.
        cmd.args(worker_args(generation)).env("RUST_BACKTRACE", "1");
        cmd
    };
    let summary = supervisor::supervise(&config, &make);
    let runner = o.runner()?;
    println!("== lumen-fuzz summary (seed {seed})");
    println!(
        "executions: {}  time: {:.1} s  exec/s: {:.0}  ({:.0} per job)",
        summary.execs,
        summary.elapsed.as_secs_f64(),
        summary.exec_per_sec(),
        summary.exec_per_sec() / o.jobs.max(1) as f64
    );
    println!(
        "compiled sources: {}  worker restarts: {}",
        summary.compiled, summary.restarts
    );
    println!(
        "codes seen ({}): {}",
        summary.codes.len(),
        summary.codes.iter().cloned().collect::<Vec<_>>().join(" ")
    );
    let hangs: u64 = summary
        .crashes
        .iter()
        .filter(|c| c.kind.starts_with("hang"))
        .map(|c| c.count)
        .sum();
    println!(
        "crashes: {}  hangs: {}  distinct: {}",
        summary.failures() - hangs,
        hangs,
        summary.crashes.len()
    );
    for c in &summary.crashes {
        println!(
            "-- {} ×{}: {}\n   saved: {}",
            c.kind,
            c.count,
            show(c.detail.as_bytes(), 300),
            c.path.display()
        );
        if o.minimize {
            let (path, min) =
                runner.minimize_file(&c.path, c.input_kind, &c.input, &c.kind, budget(&o));
            println!(
                "   minimised ({} -> {} bytes): {}\n{}",
                c.input.len(),
                min.len(),
                path.display(),
                show(&min, 600)
                    .lines()
                    .map(|l| format!("   | {l}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
    let _ = std::io::stdout().flush();
    Ok(if summary.crashes.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else {
        eprintln!("usage: lumen-fuzz fuzz|worker|exec|minimize|differential [options] (see the crate docs)");
        return ExitCode::from(2);
    };
    let opts = match parse(&args[1..]) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("lumen-fuzz: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match cmd.as_str() {
        "fuzz" => fuzz_mode(opts),
        "worker" => Ok(worker_mode(opts)),
        "exec" => exec_mode(opts),
        "minimize" => minimize_mode(opts),
        "differential" => differential_mode(opts),
        "gen" => gen_mode(opts),
        other => Err(format!("unknown command `{other}`")),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("lumen-fuzz: {e}");
            ExitCode::from(2)
        }
    }
}
