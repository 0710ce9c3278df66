//! `cargo xtask bench-build [--runs N] [--release] [--program FILE:TARGET ...]`: how long a
//! program-only rebuild takes (issue 11 item 6), and what a program package weighs.
//!
//! For each program and target (`js` or `wasi`) it copies the program into a scratch
//! directory, builds it once with `lumen build --target wasm --wasm-target T FILE` (this
//! fills the runtime cache, and is reported as "first build"), then `--runs` times edits the
//! program (a new `const` in a new code block, so the compiled LIR changes too) and builds
//! again, reporting the median. Sizes: the runtime's `.wasm` and the program's binary LIR
//! (`lumen emit --format binary`), raw and gzip -9. This is a benchmark, not a test: it
//! prints, it does not judge (the target, < 0.5 s, is in `docs/BENCHMARKS.md`).

use crate::compress::gzip_len;
use crate::lumen_build::{lumen_bin, parse_summary};
use crate::{root, Failure};
use lumen_build_plan::{Status, Summary};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The programs measured by default: the three examples of issue 11 item 8, each on the
/// host it is made for.
const DEFAULT_PROGRAMS: [(&str, &str); 3] = [
    ("examples/summarize/summarize.lm.md", "js"),
    ("examples/signup_form/signup.lm.md", "js"),
    ("examples/csv_clean/clean.lm.md", "wasi"),
];

/// What to measure.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Config {
    runs: usize,
    release: bool,
    programs: Vec<(PathBuf, String)>,
}

fn parse(args: &[String]) -> Result<Config, Failure> {
    let mut config = Config {
        runs: 5,
        release: false,
        programs: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--runs" => {
                config.runs = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n > 0)
                    .ok_or_else(|| Failure::Usage("--runs needs a positive number".into()))?;
            }
            "--release" => config.release = true,
            "--program" => {
                let spec = it
                    .next()
                    .ok_or_else(|| Failure::Usage("--program needs FILE:TARGET".into()))?;
                let (file, target) = spec.rsplit_once(':').ok_or_else(|| {
                    Failure::Usage(format!("--program {spec}: expected FILE:TARGET"))
                })?;
                if !matches!(target, "js" | "wasi") {
                    return Err(Failure::Usage(format!(
                        "--program {spec}: the target is js or wasi"
                    )));
                }
                config
                    .programs
                    .push((PathBuf::from(file), target.to_string()));
            }
            other => {
                return Err(Failure::Usage(format!(
                    "bench-build: unknown option {other}"
                )))
            }
        }
    }
    if config.programs.is_empty() {
        config.programs = DEFAULT_PROGRAMS
            .iter()
            .map(|(f, t)| (PathBuf::from(f), t.to_string()))
            .collect();
    }
    Ok(config)
}

/// One measured program.
struct Row {
    program: String,
    target: String,
    first: Duration,
    rebuild: Duration,
    rebuild_max: Duration,
    runtime: (u64, u64),
    lir: (u64, u64),
    output: (u64, u64),
}

/// Runs the benchmark.
pub fn command(args: &[String]) -> Result<(), Failure> {
    let config = parse(args)?;
    let lumen = lumen_bin()?;
    // Scratch space in the target directory (recreated on each run).
    let scratch = crate::target_dir().join("bench-build");
    let _ = std::fs::remove_dir_all(&scratch);
    let mut rows = Vec::new();
    for (i, (file, target)) in config.programs.iter().enumerate() {
        let source = if file.is_absolute() {
            file.clone()
        } else {
            root().join(file)
        };
        let dir = scratch.join(format!("p{i}"));
        rows.push(measure(&lumen, &source, target, &dir, &config)?);
    }
    print!("{}", table(&rows, config.runs));
    Ok(())
}

fn measure(
    lumen: &Path,
    source: &Path,
    target: &str,
    dir: &Path,
    config: &Config,
) -> Result<Row, Failure> {
    let text = std::fs::read_to_string(source)
        .map_err(|e| format!("cannot read {}: {e}", source.display()))?;
    let name = source
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "app.lm.md".into());
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    // The program's data files (csv_clean's data/) travel with it; the build only needs the
    // program itself.
    let program = dir.join(&name);
    let out = dir.join("out");
    let write = |t: &str| {
        std::fs::write(&program, t).map_err(|e| format!("cannot write {}: {e}", program.display()))
    };
    write(&text)?;
    let (first, summary) = build(lumen, &program, target, &out, config.release)?;
    let mut times = Vec::new();
    let mut last = summary;
    for run in 0..config.runs {
        let fence = if name.ends_with(".lm.md") { "```" } else { "" };
        let lang = if fence.is_empty() { "" } else { "lumen" };
        write(&format!(
            "{text}\n{fence}{lang}\nconst BENCH_EDIT_{run} = {run}\n{fence}\n"
        ))?;
        let (t, s) = build(lumen, &program, target, &out, config.release)?;
        times.push(t);
        last = s;
    }
    times.sort();
    let rebuild = times[times.len() / 2];
    let rebuild_max = times.last().copied().unwrap_or_default();
    write(&text)?;
    let lir = emit_binary(lumen, &program, dir)?;
    let wasm = last.wasm.as_ref();
    let output_total = last.files.iter().fold((0, 0), |(r, g), f| {
        (r + f.bytes.unwrap_or(0), g + f.gzip_bytes.unwrap_or(0))
    });
    let runtime = runtime_wasm_size(&last, target);
    Ok(Row {
        program: name,
        target: target.to_string(),
        first,
        rebuild,
        rebuild_max,
        runtime: runtime.unwrap_or_else(|| {
            wasm.map(|w| (w.bytes.unwrap_or(0), w.gzip_bytes.unwrap_or(0)))
                .unwrap_or((0, 0))
        }),
        lir,
        output: output_total,
    })
}

/// The runtime's `.wasm` among the output files: `lumen_wasm_bg.wasm` in a JS package; for
/// a WASI app the app itself (runtime + program, there is no separate runtime file).
fn runtime_wasm_size(summary: &Summary, target: &str) -> Option<(u64, u64)> {
    if target != "js" {
        return None;
    }
    summary
        .files
        .iter()
        .find(|f| f.path.extension().is_some_and(|e| e == "wasm"))
        .map(|f| (f.bytes.unwrap_or(0), f.gzip_bytes.unwrap_or(0)))
}

/// One `lumen build` of `program`; its wall time and summary.
fn build(
    lumen: &Path,
    program: &Path,
    target: &str,
    out: &Path,
    release: bool,
) -> Result<(Duration, Summary), Failure> {
    let mut cmd = Command::new(lumen);
    cmd.current_dir(root())
        .args(["build", "--target", "wasm", "--wasm-target", target])
        .args(["--message-format", "json", "--quiet", "--out-dir"])
        .arg(out)
        .arg(program)
        .stdin(Stdio::null());
    if release {
        cmd.arg("--release");
    }
    let started = Instant::now();
    let output = cmd
        .output()
        .map_err(|e| format!("cannot run {}: {e}", lumen.display()))?;
    let elapsed = started.elapsed();
    let summary = parse_summary(&String::from_utf8_lossy(&output.stdout)).map_err(|e| {
        format!(
            "{e}\n{}",
            String::from_utf8_lossy(&output.stderr).trim_end()
        )
    })?;
    if summary.status == Status::Failed || !output.status.success() {
        let why = summary
            .error
            .as_ref()
            .map(|e| e.message.clone())
            .unwrap_or_else(|| String::from_utf8_lossy(&output.stderr).trim().to_string());
        return Err(Failure::Failed(format!(
            "lumen build {} ({target}) failed: {why}",
            program.display()
        )));
    }
    Ok((elapsed, summary))
}

/// The program's binary LIR size, raw and gzip.
fn emit_binary(lumen: &Path, program: &Path, dir: &Path) -> Result<(u64, u64), Failure> {
    let lir = dir.join("program.lir");
    let status = Command::new(lumen)
        .args(["emit", "--format", "binary", "-o"])
        .arg(&lir)
        .arg(program)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run {}: {e}", lumen.display()))?;
    if !status.success() {
        return Err(Failure::Failed(format!(
            "lumen emit {} failed with {status}",
            program.display()
        )));
    }
    let bytes = std::fs::read(&lir).map_err(|e| format!("cannot read {}: {e}", lir.display()))?;
    Ok((bytes.len() as u64, gzip_len(&bytes)?))
}

fn seconds(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

fn table(rows: &[Row], runs: usize) -> String {
    let mut s = format!(
        "| program | target | first build s | program-only rebuild s (median of {runs}) | max s | runtime .wasm raw / gzip | program LIR raw / gzip | whole output raw / gzip |\n|---|---|---|---|---|---|---|---|\n"
    );
    for r in rows {
        s += &format!(
            "| {} | {} | {} | {} | {} | {} / {} | {} / {} | {} / {} |\n",
            r.program,
            r.target,
            seconds(r.first),
            seconds(r.rebuild),
            seconds(r.rebuild_max),
            r.runtime.0,
            r.runtime.1,
            r.lir.0,
            r.lir.1,
            r.output.0,
            r.output.1
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn issue11_item6_defaults_measure_the_three_examples() {
        let c = parse(&[]).unwrap();
        assert_eq!(c.runs, 5);
        assert!(!c.release);
        assert_eq!(c.programs.len(), 3);
        assert!(c.programs.iter().any(|(_, t)| t == "wasi"));
    }

    #[test]
    fn issue11_item6_options_parse_and_bad_ones_are_usage_errors() {
        let c = parse(&args(&[
            "--runs",
            "3",
            "--release",
            "--program",
            "a.lm:wasi",
        ]))
        .unwrap();
        assert_eq!(c.runs, 3);
        assert!(c.release);
        assert_eq!(
            c.programs,
            vec![(PathBuf::from("a.lm"), "wasi".to_string())]
        );
        for bad in [
            &["--runs", "0"][..],
            &["--runs"],
            &["--program", "a.lm"],
            &["--program", "a.lm:web"],
            &["--what"],
        ] {
            assert!(
                matches!(parse(&args(bad)), Err(Failure::Usage(_))),
                "{bad:?}"
            );
        }
    }
}
