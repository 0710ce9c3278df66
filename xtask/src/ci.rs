//! `cargo xtask ci`: everything CI runs, in order, from the workspace root, stopping at the
//! first failure:
//!
//! 0. the `rustfmt` and `clippy` rustup components (added when `rustup component list
//!    --installed` lacks them; skipped with a note when there is no rustup);
//! 1. `cargo fmt --all -- --check`;
//! 2. `cargo clippy --workspace --all-targets -- -D warnings`;
//! 3. the engines `cargo test` runs real wasm in: Wasmtime (see
//!    [`crate::test_wasm::ensure_engines`]). When it is missing, its install is started in
//!    the background before step 1 and this step waits for it: its ~10-minute compile then
//!    uses the cores that fmt and clippy leave idle;
//! 4. `cargo test --workspace`;
//! 5. `test-wasm`, in this process (builds the wasm packages, runs the Node and Chromium
//!    tests; see [`crate::test_wasm`]);
//! 6. the fuzz smoke (30 s with seed 1, 30 s on a 1 MiB stack with a random seed that it
//!    prints) and the
//!    differential check of 200 generated programs against `pkg/` (see [`crate::fuzz`]);
//! 6. `wasm-size --check`, in this process (see [`crate::wasm_size`]).
//!
//! Each step starts with a `==> [n/8] ...` header; a summary with each step's elapsed time,
//! how busy the cores were meanwhile ([`crate::cpu`]) and the steps not run is printed at the
//! end, whether the run passed or not.

use crate::Failure;
use std::process::Command;
use std::time::{Duration, Instant};

/// The rustup components the steps need.
const COMPONENTS: [&str; 2] = ["rustfmt", "clippy"];

/// What a step does.
enum Action {
    /// Make sure the rustup components are installed.
    Components,
    /// Run a program (`cargo` means `$CARGO`) with arguments in the workspace root.
    Run(&'static str, &'static [&'static str]),
    /// `wasm-size --check`, in-process.
    WasmSize,
    /// The engines `cargo test` needs, in-process: waits for the install `command` started
    /// in the background before the first step, if it started one.
    Engines(Option<crate::test_wasm::BackgroundInstall>),
    /// `test-wasm`, in-process.
    TestWasm,
    /// The fuzz smoke and the differential check ([`crate::fuzz::ci_smoke`]).
    Fuzz,
}

/// The steps, in order, with their header titles.
fn steps() -> Vec<(String, Action)> {
    let run = |program: &'static str, args: &'static [&'static str]| {
        (
            format!("{program} {}", args.join(" ")),
            Action::Run(program, args),
        )
    };
    vec![
        (
            format!("rustup components ({})", COMPONENTS.join(", ")),
            Action::Components,
        ),
        run("cargo", &["fmt", "--all", "--", "--check"]),
        run(
            "cargo",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        ),
        (
            format!(
                "engines for cargo test (wasmtime {})",
                crate::test_wasm::WASMTIME_VERSION
            ),
            Action::Engines(None),
        ),
        run("cargo", &["test", "--workspace"]),
        ("test-wasm".to_string(), Action::TestWasm),
        (
            "fuzz smoke (60 s) + differential (200 programs)".to_string(),
            Action::Fuzz,
        ),
        ("wasm-size --check".to_string(), Action::WasmSize),
    ]
}

/// How a step ended: its time and how busy the cores were meanwhile ([`crate::cpu`], in
/// percent of all cores; `None` where that cannot be read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Succeeded after this long.
    Passed(Duration, Option<u32>),
    /// Failed after this long.
    Failed(Duration, Option<u32>),
    /// Not run (an earlier step failed).
    Skipped,
}

/// The components of `wanted` that are not in `rustup component list --installed` output
/// (lines such as `clippy-x86_64-unknown-linux-gnu`).
pub fn missing_components<'a>(installed: &str, wanted: &[&'a str]) -> Vec<&'a str> {
    wanted
        .iter()
        .copied()
        .filter(|c| {
            !installed.lines().map(str::trim).any(|line| {
                line == *c
                    || line
                        .strip_prefix(c)
                        .is_some_and(|rest| rest.starts_with('-'))
            })
        })
        .collect()
}

/// `"0.4s"`, `"59.9s"`, `"2m 05.3s"`.
pub fn format_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 60.0 {
        format!("{secs:.1}s")
    } else {
        let minutes = (secs / 60.0).floor();
        format!("{}m {:04.1}s", minutes as u64, secs - minutes * 60.0)
    }
}

/// The final summary: one line per step, then the total.
pub fn format_summary(results: &[(String, Outcome)]) -> String {
    let mut total = Duration::ZERO;
    let mut rows = Vec::new();
    for (title, outcome) in results {
        let (word, time, cpu) = match outcome {
            Outcome::Passed(d, cpu) => ("ok", Some(*d), *cpu),
            Outcome::Failed(d, cpu) => ("FAILED", Some(*d), *cpu),
            Outcome::Skipped => ("skipped", None, None),
        };
        total += time.unwrap_or_default();
        let cpu = cpu.map(|p| format!("cpu {p:>3}%")).unwrap_or_default();
        rows.push((
            word,
            time.map(format_duration).unwrap_or_default(),
            cpu,
            title.as_str(),
        ));
    }
    let total_text = format_duration(total);
    let width = rows
        .iter()
        .map(|r| r.1.len())
        .chain([total_text.len()])
        .max()
        .unwrap_or(0);
    let mut out = String::from("ci summary:\n");
    for (word, time, cpu, title) in rows {
        out.push_str(&format!("  {word:<7}  {time:>width$}  {cpu:<8}  {title}\n"));
    }
    out.push_str(&format!("  {:<7}  {total_text:>width$}\n", "total"));
    out
}

/// Adds the missing rustup components.
fn ensure_components() -> Result<(), String> {
    let listed = match Command::new("rustup")
        .args(["component", "list", "--installed"])
        .output()
    {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).into_owned(),
        Ok(out) => {
            return Err(format!(
                "rustup component list --installed failed with {}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
        Err(e) => {
            println!("no rustup ({e}): assuming the toolchain has rustfmt and clippy");
            return Ok(());
        }
    };
    let missing = missing_components(&listed, &COMPONENTS);
    if missing.is_empty() {
        println!("installed: {}", COMPONENTS.join(", "));
        return Ok(());
    }
    println!("adding: {}", missing.join(", "));
    crate::run(
        Command::new("rustup")
            .args(["component", "add"])
            .args(&missing),
    )
}

fn perform(action: &mut Action) -> Result<(), String> {
    match action {
        Action::Components => ensure_components(),
        Action::Run(program, args) => {
            let program = if *program == "cargo" {
                crate::cargo()
            } else {
                program.to_string()
            };
            let status = Command::new(&program)
                .args(*args)
                .current_dir(crate::root())
                .status()
                .map_err(|e| format!("cannot start {program}: {e}"))?;
            if status.success() {
                Ok(())
            } else {
                Err(status.to_string())
            }
        }
        Action::Fuzz => crate::fuzz::ci_smoke(),
        Action::Engines(background) => match background.take() {
            Some(install) => {
                println!(
                    "waiting for the install started in the background (log: {})",
                    install.log().display()
                );
                install.finish()
            }
            None => crate::test_wasm::ensure_engines(),
        },
        Action::TestWasm => crate::test_wasm::run(&crate::test_wasm::Options::default()),
        Action::WasmSize => {
            let mut options = crate::wasm_size::Options::new();
            options.check = true;
            crate::wasm_size::run(&options).map_err(|f| match f {
                Failure::Usage(m) | Failure::Failed(m) => m,
            })
        }
    }
}

/// Entry point of `cargo xtask ci`.
pub fn command(args: &[String]) -> Result<(), Failure> {
    if let Some(arg) = args.first() {
        return Err(Failure::Usage(format!(
            "ci takes no arguments (got `{arg}`)"
        )));
    }
    let mut steps = steps();
    let count = steps.len();
    // Wasmtime takes ~10 minutes to compile and nothing needs it before `cargo test`: its
    // install starts now and runs beside fmt and clippy, and the engines step waits for it.
    let log = crate::target_dir().join("ci/wasmtime-install.log");
    for (_, action) in steps.iter_mut() {
        if let Action::Engines(background) = action {
            *background = crate::test_wasm::start_engines_install(&log).map_err(Failure::Failed)?;
            if background.is_some() {
                println!(
                    "wasmtime {} is missing: installing it in the background (log: {})",
                    crate::test_wasm::WASMTIME_VERSION,
                    log.display()
                );
            }
        }
    }
    let mut results: Vec<(String, Outcome)> = steps
        .iter()
        .map(|(title, _)| (title.clone(), Outcome::Skipped))
        .collect();
    let mut failure = None;
    for (n, ((title, action), result)) in steps.iter_mut().zip(results.iter_mut()).enumerate() {
        println!("\n==> [{}/{count}] {title}", n + 1);
        let t0 = Instant::now();
        let cpu0 = crate::cpu::Reading::now();
        let outcome = perform(action);
        let elapsed = t0.elapsed();
        let cpu = cpu0
            .zip(crate::cpu::Reading::now())
            .and_then(|(a, b)| a.busy_percent(b));
        match outcome {
            Ok(()) => result.1 = Outcome::Passed(elapsed, cpu),
            Err(e) => {
                result.1 = Outcome::Failed(elapsed, cpu);
                failure = Some(format!(
                    "ci failed at step {}/{count} ({title}): {e}",
                    n + 1
                ));
                break;
            }
        }
    }
    println!("\n{}", format_summary(&results).trim_end());
    match failure {
        Some(message) => Err(Failure::Failed(message)),
        None => {
            println!("ci passed");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_steps_are_the_ci_contract() {
        let titles: Vec<String> = steps().into_iter().map(|s| s.0).collect();
        assert_eq!(
            titles,
            [
                "rustup components (rustfmt, clippy)",
                "cargo fmt --all -- --check",
                "cargo clippy --workspace --all-targets -- -D warnings",
                "engines for cargo test (wasmtime 48.0.8)",
                "cargo test --workspace",
                "test-wasm",
                "fuzz smoke (60 s) + differential (200 programs)",
                "wasm-size --check",
            ]
        );
    }

    #[test]
    fn finds_missing_components() {
        let listed = "cargo-x86_64-unknown-linux-gnu\nclippy-x86_64-unknown-linux-gnu\nrust-std-wasm32-unknown-unknown\n";
        assert_eq!(missing_components(listed, &COMPONENTS), ["rustfmt"]);
        let all = format!("{listed}rustfmt-x86_64-unknown-linux-gnu\n");
        assert!(missing_components(&all, &COMPONENTS).is_empty());
        assert_eq!(missing_components("", &COMPONENTS), ["rustfmt", "clippy"]);
        // A component whose name only starts with a wanted one does not count.
        assert_eq!(
            missing_components("clippyish-x86_64\nrustfmt\n", &COMPONENTS),
            ["clippy"]
        );
    }

    #[test]
    fn durations() {
        assert_eq!(format_duration(Duration::from_millis(400)), "0.4s");
        assert_eq!(format_duration(Duration::from_millis(59_900)), "59.9s");
        assert_eq!(format_duration(Duration::from_millis(125_300)), "2m 05.3s");
    }

    #[test]
    fn summary_lists_every_step() {
        let results = vec![
            (
                "fmt".to_string(),
                Outcome::Passed(Duration::from_millis(1_200), Some(7)),
            ),
            (
                "clippy".to_string(),
                Outcome::Failed(Duration::from_millis(95_000), None),
            ),
            ("test".to_string(), Outcome::Skipped),
        ];
        let want = "\
ci summary:
  ok           1.2s  cpu   7%  fmt
  FAILED   1m 35.0s            clippy
  skipped                      test
  total    1m 36.2s
";
        assert_eq!(format_summary(&results), want);
    }
}
