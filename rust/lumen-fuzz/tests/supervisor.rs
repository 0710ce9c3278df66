//! The supervisor and the fresh-process minimiser against fault-injecting fake workers
//! (`--fake-faults`: an input containing ABORT_MARKER aborts the process, HANG_MARKER
//! hangs, PANIC_MARKER fails in-process).

use lumen_fuzz::exec::InputKind;
use lumen_fuzz::minimize::Budget;
use lumen_fuzz::repro::Runner;
use lumen_fuzz::supervisor::{supervise, Config};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const EXE: &str = env!("CARGO_BIN_EXE_lumen-fuzz");

fn corpus(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lumen-fuzz-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("corpus")).unwrap();
    for (f, text) in files {
        std::fs::write(dir.join("corpus").join(f), text).unwrap();
    }
    dir
}

fn run(dir: &Path, time: u64) -> lumen_fuzz::supervisor::Summary {
    let config = Config {
        jobs: 1,
        time: Duration::from_secs(time),
        max_execs: None,
        hang_timeout: Duration::from_millis(700),
        out_dir: dir.join("out"),
        progress: None,
    };
    let corpus = dir.join("corpus");
    let make = |_: usize, _: u64| {
        let mut c = Command::new(EXE);
        c.arg("worker")
            .arg("--fake-faults")
            .arg("--corpus")
            .arg(&corpus);
        c
    };
    supervise(&config, &make)
}

#[test]
fn issue10_fuzzer_supervisor_saves_the_input_that_killed_the_worker() {
    let dir = corpus(
        "abort",
        &[
            ("a.lm", "cell main()\nend\n"),
            ("b.lm", "cell main()\n  print(1) # ABORT_MARKER\nend\n"),
        ],
    );
    let summary = run(&dir, 2);
    let abort = summary
        .crashes
        .iter()
        .find(|c| c.kind == "abort-compile")
        .unwrap_or_else(|| panic!("no abort recorded: {:?}", summary.crashes));
    assert_eq!(
        abort.input,
        b"cell main()\n  print(1) # ABORT_MARKER\nend\n"
    );
    assert_eq!(std::fs::read(&abort.path).unwrap(), abort.input);
    assert!(abort.path.starts_with(dir.join("out").join("crashes")));
    assert!(
        abort.count >= 2,
        "the worker was restarted and hit it again"
    );
    assert!(summary.restarts >= 2);
    assert!(summary.execs >= 3);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn issue10_fuzzer_supervisor_kills_and_saves_a_hang() {
    let dir = corpus("hang", &[("a.lm", "ok\n"), ("b.lm", "x HANG_MARKER y\n")]);
    let summary = run(&dir, 2);
    let hang = summary
        .crashes
        .iter()
        .find(|c| c.kind == "hang-compile")
        .unwrap_or_else(|| panic!("no hang recorded: {:?}", summary.crashes));
    assert_eq!(hang.input, b"x HANG_MARKER y\n");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn issue10_fuzzer_supervisor_records_in_process_failures() {
    let dir = corpus("panic", &[("a.lm", "ok\n"), ("b.lm", "PANIC_MARKER\n")]);
    let summary = run(&dir, 1);
    let p = summary
        .crashes
        .iter()
        .find(|c| c.kind == "panic")
        .unwrap_or_else(|| panic!("no panic recorded: {:?}", summary.crashes));
    assert_eq!(p.input, b"PANIC_MARKER\n");
    assert!(p.detail.contains("fake.rs:1"));
    assert_eq!(
        summary.restarts, 0,
        "an in-process failure does not kill the worker"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn issue10_fuzzer_minimiser_reruns_candidates_in_fresh_processes() {
    let dir = corpus("min", &[]);
    let runner = Runner {
        exe: PathBuf::from(EXE),
        args: vec!["--fake-faults".into()],
        timeout: Duration::from_secs(5),
    };
    let input = b"cell main()\n  let a = 1\n  print(a) ABORT_MARKER more\n  a\nend\n";
    assert_eq!(
        runner.failure(InputKind::Source, input).as_deref(),
        Some("abort-compile")
    );
    assert_eq!(
        runner.failure(InputKind::Source, b"cell main()\nend\n"),
        None
    );
    let path = dir.join("abort-1.lm");
    std::fs::write(&path, input).unwrap();
    let budget = Budget {
        tests: 500,
        time: Duration::from_secs(60),
    };
    let (min_path, min) =
        runner.minimize_file(&path, InputKind::Source, input, "abort-compile", budget);
    assert_eq!(min, b"ABORT_MARKER");
    assert_eq!(min_path, dir.join("abort-1.min.lm"));
    assert_eq!(std::fs::read(&min_path).unwrap(), b"ABORT_MARKER");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn exec_mode_runs_one_real_input() {
    let runner = Runner {
        exe: PathBuf::from(EXE),
        args: vec![],
        timeout: Duration::from_secs(20),
    };
    let ok = b"cell main() -> Int\n  print(\"hi\")\n  1 / 0\nend\n";
    assert_eq!(runner.failure(InputKind::Source, ok), None);
    assert_eq!(runner.failure(InputKind::Binary, b"not lir"), None);
}

#[test]
fn a_worker_that_cannot_start_stops_the_run_instead_of_spinning() {
    let dir = corpus("nostart", &[]);
    let config = Config {
        jobs: 2,
        time: Duration::from_secs(60),
        max_execs: None,
        hang_timeout: Duration::from_millis(500),
        out_dir: dir.join("out"),
        progress: None,
    };
    let make = |_: usize, _: u64| Command::new(dir.join("no-such-program"));
    let t0 = std::time::Instant::now();
    let summary = supervise(&config, &make);
    assert!(t0.elapsed() < Duration::from_secs(10));
    assert_eq!(summary.execs, 0);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn real_workers_run_the_pipeline_and_report_codes() {
    let dir = corpus("real", &[]);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let config = Config {
        jobs: 1,
        time: Duration::from_secs(3),
        max_execs: None,
        hang_timeout: Duration::from_secs(20),
        out_dir: dir.join("out"),
        progress: None,
    };
    let programs = root.join("tests/conformance");
    let make = |_: usize, generation: u64| {
        let mut c = Command::new(EXE);
        c.args(["worker", "--adversarial", "0", "--seed"])
            .arg(generation.to_string())
            .arg("--corpus")
            .arg(&programs);
        c
    };
    let summary = supervise(&config, &make);
    assert!(summary.execs >= 50, "only {} executions", summary.execs);
    assert!(
        summary.codes.contains("E0100"),
        "codes: {:?}",
        summary.codes
    );
    let _ = std::fs::remove_dir_all(dir);
}
