//! `cargo xtask wasm-packages [--release] [--vm-only]`: the Lumen runtime as the one npm
//! package for every JavaScript host, at the workspace root — `pkg/` (`pkg-vm/` with
//! `--vm-only`) — through `lumen build --target wasm --wasm-target js` run by the dev
//! `lumen` (what the Node, Chromium and host tests and the example pages load).
//!
//! `lumen build` installs what is missing (the wasm32 target, wasm-pack, a matching
//! wasm-bindgen-cli, all from crates.io), builds in a temporary directory, swaps the folder
//! into place and skips a folder that is up to date. Respects `CARGO_TARGET_DIR`.

use crate::Failure;
use lumen_build_plan::WasmTarget;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Parsed options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// `--release`.
    pub release: bool,
    /// `--vm-only`.
    pub vm_only: bool,
}

/// Parses the arguments after `wasm-packages`.
pub fn parse_args(args: &[String]) -> Result<Options, Failure> {
    let mut o = Options::default();
    for a in args {
        match a.as_str() {
            "--release" => o.release = true,
            "--vm-only" => o.vm_only = true,
            other => {
                return Err(Failure::Usage(format!(
                    "wasm-packages: unknown argument `{other}`"
                )))
            }
        }
    }
    Ok(o)
}

/// The folder (relative to the workspace root) a target's package is built into: `pkg/`
/// (`pkg-vm/`) for the JavaScript package, `pkg-<target>/` for the WASI ones.
pub fn out_dir(target: WasmTarget, vm_only: bool) -> String {
    let base = match target {
        WasmTarget::Js => "pkg".to_string(),
        other => format!("pkg-{}", other.name()),
    };
    if vm_only {
        base.replacen("pkg", "pkg-vm", 1)
    } else {
        base
    }
}

/// The JavaScript targets, in build order.
pub fn js_targets() -> Vec<WasmTarget> {
    WasmTarget::all()
        .iter()
        .copied()
        .filter(|t| !t.is_wasi() && !t.is_program_only())
        .collect()
}

/// The `lumen build` arguments that build `target` into `dir`.
pub fn build_args(target: WasmTarget, dir: &str, release: bool, vm_only: bool) -> Vec<String> {
    let mut args: Vec<String> = ["build", "--target", "wasm", "--wasm-target", target.name()]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push("--out-dir".into());
    args.push(dir.into());
    if release {
        args.push("--release".into());
    }
    if vm_only {
        args.push("--vm-only".into());
    }
    args
}

/// Runs `lumen build` for `target` into `<root>/dir` with the dev `lumen`.
pub fn build_one(
    lumen: &Path,
    target: WasmTarget,
    dir: &str,
    release: bool,
    vm_only: bool,
) -> Result<PathBuf, String> {
    println!("\n==> lumen build --wasm-target {target} -> {dir}/");
    crate::lumen_build::clear_unmarked(Path::new(dir))?;
    crate::run(
        Command::new(lumen)
            .args(build_args(target, dir, release, vm_only))
            .current_dir(crate::root()),
    )?;
    Ok(crate::root().join(dir))
}

/// Builds every JavaScript package.
pub fn run(o: &Options) -> Result<(), String> {
    let lumen = crate::dev_lumen()?;
    for target in js_targets() {
        build_one(
            &lumen,
            target,
            &out_dir(target, o.vm_only),
            o.release,
            o.vm_only,
        )?;
    }
    Ok(())
}

/// Entry point of `cargo xtask wasm-packages`.
pub fn command(args: &[String]) -> Result<(), Failure> {
    run(&parse_args(args)?).map_err(Failure::Failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_and_arguments() {
        let dirs: Vec<String> = js_targets()
            .into_iter()
            .map(|t| out_dir(t, false))
            .collect();
        assert_eq!(dirs, ["pkg"]);
        let vm: Vec<String> = js_targets().into_iter().map(|t| out_dir(t, true)).collect();
        assert_eq!(vm, ["pkg-vm"]);
        assert_eq!(out_dir(WasmTarget::Wasi, false), "pkg-wasi");
        assert_eq!(out_dir(WasmTarget::WasiHttp, false), "pkg-wasi-http");
        assert_eq!(
            build_args(WasmTarget::Js, "pkg-vm", true, true).join(" "),
            "build --target wasm --wasm-target js --out-dir pkg-vm --release --vm-only"
        );
        assert_eq!(
            build_args(WasmTarget::Wasi, "pkg-wasi", false, false).join(" "),
            "build --target wasm --wasm-target wasi --out-dir pkg-wasi"
        );
    }

    #[test]
    fn arguments_parse() {
        assert_eq!(parse_args(&[]).unwrap(), Options::default());
        let o = parse_args(&["--vm-only".into(), "--release".into()]).unwrap();
        assert!(o.release && o.vm_only);
        assert!(matches!(
            parse_args(&["--fast".into()]),
            Err(Failure::Usage(m)) if m.contains("--fast")
        ));
    }
}
