//! Worker mode: runs inputs in-process, forever, reporting each to the driver before it
//! runs (see [`crate::protocol`]).
//!
//! Each input is one of: an adversarial shape (`--adversarial` percent, default 3), a
//! generated program (up to 45% in all), a mutated seed or corpus program (40%, corpus = the
//! seed programs plus inputs that showed a new code: a cheap coverage-ish feedback), a
//! mutated binary LIR (15%: of a seed program, or of a freshly generated one).

use crate::exec::{Executor, InputKind, Limits, Verdict};
use crate::protocol::{self, write_frame};
use crate::rng::Rng;
use crate::{corpus, gen, mutate};
use std::collections::BTreeSet;
use std::io::{self, Write};
use std::path::PathBuf;

/// Settings of a worker process.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Seed of this worker's input stream.
    pub seed: u64,
    /// Folders of seed programs.
    pub corpus: Vec<PathBuf>,
    /// Execution limits.
    pub limits: Limits,
    /// Test mode: inputs are the corpus files in order, and an input containing
    /// `ABORT_MARKER` aborts the process, `HANG_MARKER` hangs, `PANIC_MARKER` fails
    /// in-process. Used to test the supervisor.
    pub fake_faults: bool,
    /// Percent of inputs that are [`gen::adversarial`] shapes.
    pub adversarial: usize,
}

/// The largest mutated source kept (bigger ones are replaced by a generated program).
const MAX_MUTANT: usize = 256 * 1024;

/// The most programs kept in the in-memory corpus.
const MAX_CORPUS: usize = 4_000;

fn send(out: &mut impl Write, tag: u8, payload: &[u8]) -> io::Result<()> {
    // One write per frame: the input is in the pipe before it runs.
    let mut buf = Vec::with_capacity(payload.len() + 5);
    write_frame(&mut buf, tag, payload)?;
    out.write_all(&buf)?;
    out.flush()
}

fn next_input(
    rng: &mut Rng,
    adversarial: usize,
    sources: &[String],
    binaries: &[Vec<u8>],
) -> (InputKind, Vec<u8>) {
    let roll = rng.below(100);
    if roll < adversarial {
        (InputKind::Source, gen::adversarial(rng).into_bytes())
    } else if roll < 45 || sources.is_empty() {
        (InputKind::Source, gen::program(rng).into_bytes())
    } else if roll < 85 || binaries.is_empty() {
        let a = &sources[rng.below(sources.len())];
        let b = &sources[rng.below(sources.len())];
        let m = mutate::mutate_source(rng, a, b);
        if m.len() > MAX_MUTANT {
            // Stacked repetitions can explode; huge inputs are the adversarial shapes' job.
            (InputKind::Source, gen::program(rng).into_bytes())
        } else {
            (InputKind::Source, m)
        }
    } else {
        // A third from a freshly generated program, the rest from the seed programs.
        let fresh = if rng.below(3) == 0 {
            let p = gen::program(rng);
            lumen_compiler::compile(
                "gen.lm",
                p.as_bytes(),
                &lumen_compiler::NoImports,
                &Default::default(),
            )
            .ok()
            .map(|out| lumen_vm::binary::encode(&out.module))
        } else {
            None
        };
        let b = fresh
            .as_ref()
            .unwrap_or_else(|| &binaries[rng.below(binaries.len())]);
        (InputKind::Binary, mutate::mutate_binary(rng, b))
    }
}

/// Runs the worker loop until `out` is closed (the driver stopped or killed us).
pub fn run(options: &WorkerOptions, out: &mut impl Write) -> io::Result<()> {
    crate::exec::quiet_panics();
    let mut sources = corpus::load(&options.corpus);
    if options.fake_faults {
        return fake(&sources, out);
    }
    let binaries = corpus::binaries(&sources);
    let seeds = sources.len();
    let executor = Executor::new(options.limits);
    let mut rng = Rng::new(options.seed);
    let mut seen: BTreeSet<&'static str> = BTreeSet::new();
    let mut compiled: u64 = 0;
    for n in 0u64.. {
        let (kind, input) = next_input(&mut rng, options.adversarial, &sources, &binaries);
        send(out, kind.tag(), &input)?;
        let mut run_err = Ok(());
        let verdict = executor.execute_with(kind, &input, &mut || {
            run_err = send(out, protocol::RUN, &[]);
        });
        run_err?;
        match verdict {
            Verdict::Pass { codes, compiled: c } => {
                compiled += u64::from(c);
                let mut new = false;
                for code in codes {
                    if seen.insert(code) {
                        new = true;
                        send(out, protocol::CODE, code.as_bytes())?;
                    }
                }
                if new && kind == InputKind::Source && input.len() < 20_000 {
                    if let Ok(text) = String::from_utf8(input) {
                        if sources.len() >= MAX_CORPUS {
                            if seeds < MAX_CORPUS {
                                let i = seeds + rng.below(MAX_CORPUS - seeds);
                                sources[i] = text;
                            }
                        } else {
                            sources.push(text);
                        }
                    }
                }
            }
            Verdict::Fail { kind, detail } => {
                send(out, protocol::FAIL, format!("{kind}\t{detail}").as_bytes())?;
            }
        }
        if n % 64 == 63 {
            send(out, protocol::STATS, &compiled.to_le_bytes())?;
        }
    }
    Ok(())
}

/// The fault-injecting worker of [`WorkerOptions::fake_faults`].
fn fake(sources: &[String], out: &mut impl Write) -> io::Result<()> {
    if sources.is_empty() {
        return Ok(());
    }
    for i in 0usize.. {
        let input = &sources[i % sources.len()];
        send(out, b'S', input.as_bytes())?;
        if input.contains("ABORT_MARKER") {
            std::process::abort();
        }
        if input.contains("HANG_MARKER") {
            loop {
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
        }
        if input.contains("PANIC_MARKER") {
            send(out, protocol::FAIL, b"panic\tfake panic at fake.rs:1")?;
        }
        std::thread::sleep(std::time::Duration::from_micros(200));
    }
    Ok(())
}
