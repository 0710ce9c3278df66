//! `cargo xtask wasm-size [--check] [--record] [--why] [--target T ...] [--budgets FILE]`: the size of
//! every WebAssembly artifact listed in `wasm-size.toml`, built the way users build it.
//!
//! Each artifact is built with `lumen build --target wasm --release --wasm-target T
//! [--vm-only] --out-dir <target dir>/wasm-size/<name> --message-format json --quiet`; the main
//! `.wasm` named by the JSON summary is measured here (raw, gzip -9, brotli -q 11) and shown
//! against its gzip budget and the sizes last recorded in the file. A failed build is a row
//! saying so; the other artifacts are still built.
//!
//! - `--check`: fail (exit status 1) when an artifact is over its budget or did not build.
//! - `--record`: write the measured sizes into the file's `recorded` tables.
//! - `--why`: after the table, where each artifact's bytes are ([`crate::wasm_why`]): a map
//!   by function and crate path, `twiggy top` and `twiggy dominators`, of a copy built with
//!   names; fails (exit status 1) when a report cannot be made.
//! - `--target`: only the artifacts with that `--wasm-target` (or that name); repeatable,
//!   comma-separated lists too; `all` (the default) is every artifact.
//! - `--budgets FILE`: another budgets file than `<workspace>/wasm-size.toml`.

use crate::budgets::{target_names, Artifact, Budgets};
use crate::compress::{self, Sizes};
use crate::lumen_build::{self, BuildFailure, Request};
use crate::Failure;
use lumen_build_plan::WasmTarget;
use std::path::PathBuf;
use std::time::Instant;

/// Parsed command-line options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// `--check`.
    pub check: bool,
    /// `--record`.
    pub record: bool,
    /// `--why`.
    pub why: bool,
    /// `--target` values (targets or artifact names); empty means all.
    pub filters: Vec<String>,
    /// The budgets file.
    pub budgets: PathBuf,
}

impl Options {
    /// The defaults: no check, no record, every artifact of `<workspace>/wasm-size.toml`.
    pub fn new() -> Options {
        Options {
            check: false,
            record: false,
            why: false,
            filters: Vec::new(),
            budgets: crate::root().join("wasm-size.toml"),
        }
    }
}

/// Parses the arguments after `wasm-size`.
pub fn parse_args(args: &[String]) -> Result<Options, Failure> {
    let mut options = Options::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = |name: &str| -> Result<String, Failure> {
            match inline.clone().or_else(|| iter.next().cloned()) {
                Some(v) if !v.is_empty() => Ok(v),
                _ => Err(Failure::Usage(format!("{name} needs a value"))),
            }
        };
        match flag {
            "--check" if inline.is_none() => options.check = true,
            "--record" if inline.is_none() => options.record = true,
            "--why" if inline.is_none() => options.why = true,
            "--target" => {
                let v = value("--target")?;
                options.filters.extend(
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string),
                );
            }
            "--budgets" => options.budgets = PathBuf::from(value("--budgets")?),
            other => {
                return Err(Failure::Usage(format!(
                    "wasm-size: unknown argument `{other}`"
                )))
            }
        }
    }
    Ok(options)
}

/// The artifacts matching the `--target` filters: each filter is `all`, a wasm target or an
/// artifact name. File order is kept; an unknown filter is an error.
pub fn select<'a>(
    artifacts: &'a [Artifact],
    filters: &[String],
) -> Result<Vec<&'a Artifact>, String> {
    for f in filters {
        let known =
            f == "all" || f.parse::<WasmTarget>().is_ok() || artifacts.iter().any(|a| &a.name == f);
        if !known {
            let names: Vec<&str> = artifacts.iter().map(|a| a.name.as_str()).collect();
            return Err(format!(
                "wasm-size: unknown --target `{f}` (targets: all, {}; artifacts: {})",
                target_names().join(", "),
                names.join(", ")
            ));
        }
    }
    let all = filters.is_empty() || filters.iter().any(|f| f == "all");
    Ok(artifacts
        .iter()
        .filter(|a| {
            all || filters
                .iter()
                .any(|f| f.parse::<WasmTarget>() == Ok(a.target) || *f == a.name)
        })
        .collect())
}

/// What happened to one artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Built and measured.
    Measured(Sizes),
    /// Did not build (or could not be measured).
    Failed(BuildFailure),
}

/// One table row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row<'a> {
    /// The artifact, with its budget and recorded sizes.
    pub artifact: &'a Artifact,
    /// Its sizes or failure.
    pub outcome: Outcome,
}

/// How a row compares with its budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Within budget (a size equal to the budget is within it).
    Ok,
    /// Over the gzip budget by this many bytes.
    Over(u64),
    /// Not built.
    Failed,
}

/// Compares a row with its budget.
pub fn verdict(row: &Row) -> Verdict {
    match &row.outcome {
        Outcome::Measured(s) if s.gzip > row.artifact.budget_gzip => {
            Verdict::Over(s.gzip - row.artifact.budget_gzip)
        }
        Outcome::Measured(_) => Verdict::Ok,
        Outcome::Failed(_) => Verdict::Failed,
    }
}

/// `1234567` → `"1,234,567"`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A signed difference with separators: `"+1,204"`, `"-512"`, `"0"`.
pub fn signed(delta: i128) -> String {
    let magnitude = thousands(u64::try_from(delta.unsigned_abs()).unwrap_or(u64::MAX));
    match delta.signum() {
        1 => format!("+{magnitude}"),
        -1 => format!("-{magnitude}"),
        _ => magnitude,
    }
}

/// The change from the recorded size, or `new` when nothing was recorded.
fn delta(now: u64, recorded: Option<u64>) -> String {
    match recorded {
        Some(then) => signed(i128::from(now) - i128::from(then)),
        None => "new".to_string(),
    }
}

const HEADER: [&str; 8] = [
    "artifact",
    "raw",
    "gzip",
    "brotli",
    "budget (gzip)",
    "delta raw",
    "delta gzip",
    "status",
];

/// The table: one line per row, numbers right-aligned, no trailing spaces.
pub fn format_table(rows: &[Row]) -> String {
    let mut cells: Vec<[String; 8]> = vec![HEADER.map(str::to_string)];
    for row in rows {
        let a = row.artifact;
        let status = match (verdict(row), &row.outcome) {
            (Verdict::Ok, _) => "ok".to_string(),
            (Verdict::Over(by), _) => format!("OVER (+{})", thousands(by)),
            (Verdict::Failed, Outcome::Failed(f)) => format!("build failed: {}", f.message),
            (Verdict::Failed, Outcome::Measured(_)) => "build failed".to_string(),
        };
        let line = match &row.outcome {
            Outcome::Measured(s) => [
                a.name.clone(),
                thousands(s.raw),
                thousands(s.gzip),
                thousands(s.brotli),
                thousands(a.budget_gzip),
                delta(s.raw, a.recorded.raw),
                delta(s.gzip, a.recorded.gzip),
                status,
            ],
            Outcome::Failed(_) => [
                a.name.clone(),
                "-".into(),
                "-".into(),
                "-".into(),
                thousands(a.budget_gzip),
                "-".into(),
                "-".into(),
                status,
            ],
        };
        cells.push(line);
    }
    let mut widths = [0usize; 8];
    for line in &cells {
        for (w, cell) in widths.iter_mut().zip(line) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for (n, line) in cells.iter().enumerate() {
        let mut text = String::new();
        for (i, (cell, w)) in line.iter().zip(widths).enumerate() {
            if i > 0 {
                text.push_str("  ");
            }
            match i {
                0 | 7 => text.push_str(&format!("{cell:<w$}")),
                _ => text.push_str(&format!("{cell:>w$}")),
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
        if n == 0 {
            let total = widths.iter().sum::<usize>() + 2 * (widths.len() - 1);
            out.push_str(&"-".repeat(total));
            out.push('\n');
        }
    }
    out
}

/// One line per artifact that fails `--check`.
pub fn problems(rows: &[Row]) -> Vec<String> {
    rows.iter()
        .filter_map(|row| {
            let a = row.artifact;
            match (&row.outcome, verdict(row)) {
                (Outcome::Measured(s), Verdict::Over(by)) => Some(format!(
                    "{} is over budget: {} gzip bytes > budget {} (+{})",
                    a.name,
                    thousands(s.gzip),
                    thousands(a.budget_gzip),
                    thousands(by)
                )),
                (Outcome::Failed(f), _) => Some(format!("{}: build failed: {}", a.name, f.message)),
                _ => None,
            }
        })
        .collect()
}

/// Builds and measures one artifact; the `.wasm` measured, when it built.
fn measure(lumen: &std::path::Path, artifact: &Artifact) -> (Outcome, Option<PathBuf>) {
    let request = Request {
        target: artifact.target,
        vm_only: artifact.vm_only,
        keep_names: false,
        out_dir: crate::target_dir().join("wasm-size").join(&artifact.name),
    };
    let built = match lumen_build::build(lumen, &request) {
        Ok(built) => built,
        Err(failure) => return (Outcome::Failed(failure), None),
    };
    match compress::measure(&built.wasm) {
        Ok(sizes) => (Outcome::Measured(sizes), Some(built.wasm)),
        Err(message) => (
            Outcome::Failed(BuildFailure {
                message,
                output: Vec::new(),
            }),
            None,
        ),
    }
}

/// Entry point of `cargo xtask wasm-size`.
pub fn command(args: &[String]) -> Result<(), Failure> {
    run(&parse_args(args)?)
}

/// Builds, measures, prints, records and checks (also called in-process by `ci`).
pub fn run(options: &Options) -> Result<(), Failure> {
    let mut budgets = Budgets::load(&options.budgets)?;
    let artifacts = budgets.artifacts.clone();
    let selected = select(&artifacts, &options.filters).map_err(Failure::Usage)?;
    let lumen = lumen_build::lumen_bin()?;
    let mut rows = Vec::new();
    let mut shipped = Vec::new();
    for artifact in selected {
        eprintln!(
            "wasm-size: building {} (--wasm-target {}{}) ...",
            artifact.name,
            artifact.target,
            if artifact.vm_only { " --vm-only" } else { "" }
        );
        let t0 = Instant::now();
        let (outcome, wasm) = measure(&lumen, artifact);
        shipped.push(wasm);
        let what = match &outcome {
            Outcome::Measured(_) => "done",
            Outcome::Failed(_) => "FAILED",
        };
        eprintln!(
            "wasm-size: {} {what} in {:.1}s",
            artifact.name,
            t0.elapsed().as_secs_f64()
        );
        rows.push(Row { artifact, outcome });
    }

    println!("{}", format_table(&rows).trim_end());
    for row in &rows {
        if let Outcome::Failed(f) = &row.outcome {
            if !f.output.is_empty() {
                println!("\n{} (build failed: {}):", row.artifact.name, f.message);
                for line in &f.output {
                    println!("    {line}");
                }
            }
        }
    }

    let mut failures = Vec::new();
    if options.why {
        for (row, wasm) in rows.iter().zip(&shipped) {
            let Some(wasm) = wasm else { continue };
            eprintln!("wasm-size: mapping {} ...", row.artifact.name);
            match crate::wasm_why::report(&lumen, row.artifact, wasm) {
                Ok(text) => println!("\n{}", text.trim_end()),
                Err(e) => {
                    println!("\n== {}: no report: {e}", row.artifact.name);
                    failures.push(format!("{}: no --why report: {e}", row.artifact.name));
                }
            }
        }
    }

    if options.record {
        let mut recorded = 0;
        for row in &rows {
            if let Outcome::Measured(sizes) = &row.outcome {
                budgets.record(row.artifact.index, sizes)?;
                recorded += 1;
            }
        }
        if recorded > 0 {
            budgets.save(&options.budgets)?;
        }
        println!(
            "\nrecorded the sizes of {recorded} artifact(s) in {}",
            options.budgets.display()
        );
    }

    let problems = problems(&rows);
    if problems.is_empty() {
        if options.check {
            println!(
                "\nwasm-size check passed: {} artifact(s) within budget",
                rows.len()
            );
        }
    } else if options.check {
        failures.insert(
            0,
            format!("wasm-size check failed:\n  {}", problems.join("\n  ")),
        );
    } else {
        println!("\nwarning (use --check to fail on this):");
        for p in &problems {
            println!("  {p}");
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Failure::Failed(failures.join("\n")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budgets::Recorded;

    fn artifact(name: &str, target: &str, budget: u64, recorded: Recorded) -> Artifact {
        Artifact {
            index: 0,
            name: name.into(),
            target: target.parse().unwrap(),
            vm_only: false,
            budget_gzip: budget,
            recorded,
        }
    }

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(7), "7");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(283971), "283,971");
        assert_eq!(thousands(743605), "743,605");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn signed_deltas() {
        assert_eq!(signed(1204), "+1,204");
        assert_eq!(signed(-512), "-512");
        assert_eq!(signed(-1_000_000), "-1,000,000");
        assert_eq!(signed(0), "0");
        assert_eq!(delta(10, None), "new");
        assert_eq!(delta(744809, Some(743605)), "+1,204");
        assert_eq!(delta(5, Some(10)), "-5");
    }

    #[test]
    fn budget_comparison() {
        let a = artifact("web", "web", 1000, Recorded::default());
        let row = |gzip| Row {
            artifact: &a,
            outcome: Outcome::Measured(Sizes {
                raw: 5000,
                gzip,
                brotli: 900,
            }),
        };
        assert_eq!(verdict(&row(999)), Verdict::Ok);
        assert_eq!(verdict(&row(1000)), Verdict::Ok);
        assert_eq!(verdict(&row(1001)), Verdict::Over(1));
        assert_eq!(verdict(&row(4000)), Verdict::Over(3000));
        assert!(problems(&[row(1000)]).is_empty());
        assert_eq!(
            problems(&[row(4000)]),
            ["web is over budget: 4,000 gzip bytes > budget 1,000 (+3,000)"]
        );
        let failed = Row {
            artifact: &a,
            outcome: Outcome::Failed(BuildFailure {
                message: "wasm-pack failed".into(),
                output: vec![],
            }),
        };
        assert_eq!(verdict(&failed), Verdict::Failed);
        assert_eq!(problems(&[failed]), ["web: build failed: wasm-pack failed"]);
    }

    #[test]
    fn table_layout() {
        let web = artifact(
            "web",
            "web",
            298_000,
            Recorded {
                raw: Some(743_605),
                gzip: Some(283_971),
                brotli: None,
            },
        );
        let vm = artifact("vm-web", "web", 1_000, Recorded::default());
        let wasi = artifact("wasi", "wasi", 400_000, Recorded::default());
        let rows = [
            Row {
                artifact: &web,
                outcome: Outcome::Measured(Sizes {
                    raw: 744_809,
                    gzip: 283_900,
                    brotli: 230_001,
                }),
            },
            Row {
                artifact: &vm,
                outcome: Outcome::Measured(Sizes {
                    raw: 463_169,
                    gzip: 183_118,
                    brotli: 150_000,
                }),
            },
            Row {
                artifact: &wasi,
                outcome: Outcome::Failed(BuildFailure {
                    message: "unknown --wasm-target wasi".into(),
                    output: vec![],
                }),
            },
        ];
        let want = format!(
            "\
artifact      raw     gzip   brotli  budget (gzip)  delta raw  delta gzip  status
{}
web       744,809  283,900  230,001        298,000     +1,204         -71  ok
vm-web    463,169  183,118  150,000          1,000        new         new  OVER (+182,118)
wasi            -        -        -        400,000          -           -  build failed: unknown --wasm-target wasi
",
            "-".repeat(115)
        );
        assert_eq!(format_table(&rows), want);
    }

    #[test]
    fn empty_table_is_just_the_header() {
        let t = format_table(&[]);
        assert_eq!(t.lines().count(), 2);
        assert!(t.starts_with("artifact  raw  gzip"), "{t}");
    }

    #[test]
    fn argument_parsing() {
        let o = parse_args(&[]).unwrap();
        assert_eq!(o, Options::new());
        assert!(o.budgets.ends_with("wasm-size.toml"));
        let o = parse_args(&strings(&[
            "--check",
            "--record",
            "--why",
            "--target",
            "web,wasi",
            "--target=nodejs",
            "--budgets",
            "/tmp/b.toml",
        ]))
        .unwrap();
        assert!(o.check && o.record && o.why);
        assert_eq!(o.filters, ["web", "wasi", "nodejs"]);
        assert_eq!(o.budgets, PathBuf::from("/tmp/b.toml"));
        let o = parse_args(&strings(&["--budgets=x.toml"])).unwrap();
        assert_eq!(o.budgets, PathBuf::from("x.toml"));

        for bad in [
            &["--target"][..],
            &["--budgets"],
            &["--budgets="],
            &["--frobnicate"],
            &["--check=yes"],
            &["--why=1"],
            &["web"],
        ] {
            match parse_args(&strings(bad)) {
                Err(Failure::Usage(_)) => {}
                other => panic!("{bad:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn selection_by_target_or_name() {
        let list = vec![
            artifact("js", "js", 1, Recorded::default()),
            artifact("vm-js", "js", 1, Recorded::default()),
            artifact("wasi", "wasi", 1, Recorded::default()),
        ];
        let names = |filters: &[&str]| -> Vec<String> {
            select(&list, &strings(filters))
                .unwrap()
                .iter()
                .map(|a| a.name.clone())
                .collect()
        };
        assert_eq!(names(&[]), ["js", "vm-js", "wasi"]);
        assert_eq!(names(&["all"]), ["js", "vm-js", "wasi"]);
        assert_eq!(names(&["js"]), ["js", "vm-js"]);
        // The deprecated names of `js` select its artifacts.
        assert_eq!(names(&["web"]), ["js", "vm-js"]);
        assert_eq!(names(&["wasi", "vm-js"]), ["vm-js", "wasi"]);
        assert_eq!(names(&["vm-js"]), ["vm-js"]);
        assert!(
            names(&["wasi-http"]).is_empty(),
            "a known target without artifacts"
        );
        let err = select(&list, &strings(&["deno"])).unwrap_err();
        assert!(err.contains("unknown --target `deno`"), "{err}");
    }
}
