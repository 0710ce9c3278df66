//! The wasm-bindgen runs of a `js` build besides wasm-pack's own: the CommonJS glue
//! (`--target nodejs` on the same cargo output), and, for a `--debug-info` build, the web
//! glue again with `--keep-debug`. wasm-pack passes `--keep-debug` only when the crate's
//! `[package.metadata.wasm-pack.profile.*]` says `dwarf-debug-info = true`, and wasm-bindgen
//! drops every `.debug_*` section without it; the plan decides per build, so the CLI runs
//! wasm-bindgen itself.

use std::path::{Path, PathBuf};
use std::process::Command;

/// One cargo output and how wasm-bindgen treats it.
pub struct Bindgen<'a> {
    /// The checked wasm-bindgen-cli.
    pub bindgen: &'a Path,
    /// cargo's module (`<target dir>/wasm32-unknown-unknown/<profile>/lumen_wasm.wasm`).
    pub raw: &'a Path,
    /// `--debug` (the dev profile's glue, as wasm-pack's `--dev` makes it).
    pub debug: bool,
    /// `--keep-debug`: keep the DWARF sections (`--debug-info`).
    pub keep_debug: bool,
    /// `--out-name`.
    pub out_name: &'a str,
}

/// A failure: the message and the tail of wasm-bindgen's output.
pub type Failed = (String, Vec<String>);

impl Bindgen<'_> {
    /// Runs wasm-bindgen for `target` into `out`.
    fn run(&self, target: &str, typescript: bool, out: &Path) -> Result<(), Failed> {
        let mut cmd = Command::new(self.bindgen);
        cmd.arg(self.raw)
            .args(["--target", target, "--out-name", self.out_name])
            .arg(if typescript {
                "--typescript"
            } else {
                "--no-typescript"
            })
            .arg("--out-dir")
            .arg(out);
        if self.debug {
            cmd.arg("--debug");
        }
        if self.keep_debug {
            cmd.arg("--keep-debug");
        }
        let done = cmd.output().map_err(|e| {
            (
                format!("cannot run {}: {e}", self.bindgen.display()),
                Vec::new(),
            )
        })?;
        if done.status.success() {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&done.stderr);
        let tail: Vec<String> = text.lines().rev().take(20).map(str::to_string).collect();
        Err((
            format!("wasm-bindgen --target {target} failed ({})", done.status),
            tail.into_iter().rev().collect(),
        ))
    }

    fn wasm_name(&self) -> String {
        format!("{}_bg.wasm", self.out_name)
    }

    /// The web glue made again as wasm-pack made it, plus `--keep-debug`, over wasm-pack's
    /// files in `staged` (a `--debug-info` build).
    pub fn web_glue(&self, scratch: &Path, staged: &Path) -> Result<(), Failed> {
        let out = scratch.join("web-glue");
        self.run("web", true, &out)?;
        for name in files(&out)? {
            std::fs::copy(out.join(&name), staged.join(&name)).map_err(|e| {
                (
                    format!("cannot copy {}: {e}", out.join(&name).display()),
                    Vec::new(),
                )
            })?;
        }
        Ok(())
    }

    /// `--target nodejs` on the same cargo output, into `staged/<out_name>.cjs`; fails
    /// unless its `.wasm` is byte for byte the one in `staged`.
    pub fn node_glue(&self, scratch: &Path, staged: &Path) -> Result<(), Failed> {
        let out = scratch.join("nodejs-glue");
        self.run("nodejs", false, &out)?;
        let read = |p: &Path| {
            std::fs::read(p).map_err(|e| (format!("cannot read {}: {e}", p.display()), Vec::new()))
        };
        let wasm = self.wasm_name();
        if read(&out.join(&wasm))? != read(&staged.join(&wasm))? {
            return Err((
                "wasm-bindgen's nodejs and web outputs have different .wasm files".into(),
                Vec::new(),
            ));
        }
        let js = format!("{}.js", self.out_name);
        std::fs::copy(out.join(js), staged.join(format!("{}.cjs", self.out_name)))
            .map_err(|e| (format!("cannot copy the nodejs glue: {e}"), Vec::new()))?;
        Ok(())
    }
}

/// The names of the files (not directories) directly in `dir`.
fn files(dir: &Path) -> Result<Vec<PathBuf>, Failed> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| (format!("cannot read {}: {e}", dir.display()), Vec::new()))?;
    let mut names = Vec::new();
    for entry in entries.flatten() {
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            names.push(PathBuf::from(entry.file_name()));
        }
    }
    names.sort();
    Ok(names)
}
