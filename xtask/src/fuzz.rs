//! `cargo xtask fuzz`: builds `lumen-fuzz` with the `fuzz` profile (optimised, debug
//! assertions and overflow checks on, unwinding panics) and runs it (see `docs/FUZZING.md`).
//!
//! - `fuzz [--time S] [--seed N] [--jobs J] [--corpus DIR]... [--max-execs N]
//!   [--adversarial PCT] [--no-minimize] [--stack-kb KB] [--mem-mb MB]`: the supervised
//!   fuzz run; crashes go to `<target dir>/fuzz/crashes/` with minimised reproducers;
//!   fails when any input crashed or hung. The seed programs are `tests/programs`,
//!   `tests/conformance` and `examples` (plus `--corpus`).
//! - `fuzz --differential K [--seed N] [--pkg DIR]`: K generated programs run natively,
//!   then through the lumen-wasm Node package (`pkg/` unless `--pkg`) by
//!   `tests/wasm/differential.mjs`; fails on any difference.
//! - `fuzz --repro FILE`: runs one saved input in a fresh process and prints its verdict.
//!
//! [`ci_smoke`] is the CI step: 30 s with seed 1, 30 s with a random seed (printed) on a
//! 1 MiB stack (wasm's), then a differential run of 200 programs against `pkg/`.

use crate::{cargo, root, run, target_dir, Failure};
use std::path::PathBuf;
use std::process::Command;

/// The options of `cargo xtask fuzz`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// Arguments passed on to `lumen-fuzz fuzz` as they are.
    pub pass: Vec<String>,
    /// `--seed N`, also passed on.
    pub seed: Option<u64>,
    /// `--differential K`.
    pub differential: Option<usize>,
    /// `--pkg DIR` (the Node package of the differential check).
    pub pkg: Option<PathBuf>,
    /// `--repro FILE`.
    pub repro: Option<PathBuf>,
}

const PASSED: &[&str] = &[
    "--time",
    "--jobs",
    "--corpus",
    "--max-execs",
    "--adversarial",
    "--stack-kb",
    "--mem-mb",
    "--hang-ms",
    "--min-time",
    "--fuel",
];

/// Parses the arguments of `cargo xtask fuzz`.
pub fn parse(args: &[String]) -> Result<Options, Failure> {
    let mut o = Options::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| Failure::Usage(format!("{a} needs a value")))
        };
        match a.as_str() {
            "--seed" => {
                let v = value()?;
                o.seed = Some(
                    v.parse()
                        .map_err(|_| Failure::Usage(format!("--seed: `{v}` is not a number")))?,
                );
            }
            "--differential" => {
                let v = value()?;
                o.differential = Some(v.parse().map_err(|_| {
                    Failure::Usage(format!("--differential: `{v}` is not a number"))
                })?);
            }
            "--pkg" => o.pkg = Some(PathBuf::from(value()?)),
            "--repro" => o.repro = Some(PathBuf::from(value()?)),
            "--no-minimize" => o.pass.push(a.clone()),
            flag if PASSED.contains(&flag) => {
                let v = value()?;
                o.pass.push(a.clone());
                o.pass.push(v);
            }
            other => return Err(Failure::Usage(format!("fuzz: unknown option `{other}`"))),
        }
    }
    Ok(o)
}

/// Builds `lumen-fuzz` (profile `fuzz`) and returns its path.
pub fn build() -> Result<PathBuf, String> {
    run(Command::new(cargo()).current_dir(root()).args([
        "build",
        "--quiet",
        "--profile",
        "fuzz",
        "-p",
        "lumen-fuzz",
    ]))?;
    let exe = target_dir()
        .join("fuzz")
        .join(format!("lumen-fuzz{}", std::env::consts::EXE_SUFFIX));
    if exe.exists() {
        Ok(exe)
    } else {
        Err(format!("cargo build did not produce {}", exe.display()))
    }
}

/// The arguments of the supervised run.
pub fn fuzz_args(o: &Options) -> Vec<String> {
    let r = root();
    let mut args = vec!["fuzz".to_string()];
    for dir in ["tests/programs", "tests/conformance", "examples"] {
        args.push("--corpus".into());
        args.push(r.join(dir).to_string_lossy().into_owned());
    }
    args.push("--out".into());
    args.push(target_dir().join("fuzz").to_string_lossy().into_owned());
    if let Some(s) = o.seed {
        args.push("--seed".into());
        args.push(s.to_string());
    }
    args.extend(o.pass.iter().cloned());
    args
}

fn differential(
    exe: &PathBuf,
    count: usize,
    seed: u64,
    pkg: Option<&PathBuf>,
) -> Result<(), String> {
    let programs = target_dir().join("fuzz").join("differential.json");
    run(Command::new(exe).args([
        "differential".to_string(),
        "--count".into(),
        count.to_string(),
        "--seed".into(),
        seed.to_string(),
        programs.to_string_lossy().into_owned(),
    ]))?;
    let pkg = pkg.cloned().unwrap_or_else(|| root().join("pkg"));
    run(Command::new("node")
        .current_dir(root())
        .arg("tests/wasm/differential.mjs")
        .arg("--programs")
        .arg(&programs)
        .arg("--pkg")
        .arg(&pkg))
}

/// Entry point of `cargo xtask fuzz`.
pub fn command(args: &[String]) -> Result<(), Failure> {
    let o = parse(args)?;
    let exe = build()?;
    if let Some(file) = &o.repro {
        return run(Command::new(&exe).arg("exec").arg(file)).map_err(Failure::from);
    }
    if let Some(k) = o.differential {
        return differential(&exe, k, o.seed.unwrap_or(1), o.pkg.as_ref()).map_err(Failure::from);
    }
    run(Command::new(&exe).args(fuzz_args(&o)))
        .map_err(|e| Failure::Failed(format!("the fuzzer found failures (see above): {e}")))
}

/// The CI step: a fixed-seed smoke run and a random-seed one on a 1 MiB stack (30 s each),
/// then 200 programs of the differential check against `pkg/`. Fails on any crash,
/// hang or difference.
pub fn ci_smoke() -> Result<(), String> {
    let exe = build()?;
    let random = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(2);
    // The second run gives the inputs wasm's 1 MiB stack (the browser and Node hosts).
    for (seed, stack_kb) in [(1, "8192"), (random, "1024")] {
        println!(
            "fuzz smoke: seed {seed}, {stack_kb} KiB stack (reproduce: cargo xtask fuzz --seed {seed} --stack-kb {stack_kb} --time 30)"
        );
        let o = Options {
            seed: Some(seed),
            pass: ["--time", "30", "--min-time", "20", "--stack-kb", stack_kb]
                .map(String::from)
                .to_vec(),
            ..Options::default()
        };
        run(Command::new(&exe).args(fuzz_args(&o)))?;
    }
    differential(&exe, 200, 1, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_and_passes_options_on() {
        let o = parse(&strings(&[
            "--time",
            "5",
            "--seed",
            "9",
            "--jobs",
            "2",
            "--no-minimize",
        ]))
        .unwrap();
        assert_eq!(o.seed, Some(9));
        assert_eq!(
            o.pass,
            strings(&["--time", "5", "--jobs", "2", "--no-minimize"])
        );
        let args = fuzz_args(&o);
        assert_eq!(args[0], "fuzz");
        assert!(args.windows(2).any(|w| w[0] == "--seed" && w[1] == "9"));
        assert_eq!(args.iter().filter(|a| *a == "--corpus").count(), 3);
        let d = parse(&strings(&["--differential", "200", "--pkg", "pkg-x"])).unwrap();
        assert_eq!(d.differential, Some(200));
        assert_eq!(d.pkg, Some(PathBuf::from("pkg-x")));
    }

    #[test]
    fn rejects_bad_options() {
        assert!(matches!(
            parse(&strings(&["--bogus"])),
            Err(Failure::Usage(_))
        ));
        assert!(matches!(
            parse(&strings(&["--seed", "x"])),
            Err(Failure::Usage(_))
        ));
        assert!(matches!(
            parse(&strings(&["--time"])),
            Err(Failure::Usage(_))
        ));
    }
}
