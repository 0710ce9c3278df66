//! `cargo xtask wasm-size --why`: where the bytes of each artifact are.
//!
//! The shipped release files carry no names (binaryen drops the `name` section), so for each
//! artifact a second copy is built the same way plus the hidden `--keep-names`
//! (`<target dir>/wasm-size/<name>.names/`; not `--debug-info`, which compiles with DWARF
//! and skips binaryen): cargo's output is reused, only wasm-bindgen and binaryen run again. The copy is checked to hold the same code as the shipped file (equal
//! once both lose their custom sections); the sizes in the table stay the shipped file's.
//! On the named copy the report prints:
//!
//! - our own map ([`crate::wasm_map`]): sections, function bodies grouped by crate path,
//!   the largest bodies and the data segments;
//! - `twiggy top -n 30` and `twiggy dominators -d 3 -r 40` (twiggy [`TWIGGY_VERSION`],
//!   installed with `cargo install --locked` when `twiggy --version` says another or none).
//!   twiggy reads core modules only: for a component it is given the largest core module,
//!   extracted next to the copy. When twiggy cannot read the module, its error is printed
//!   and the map above is the report.
//!
//! Everything printed is also written to `<target dir>/wasm-size/<name>.why.txt`.

use crate::budgets::Artifact;
use crate::lumen_build::{self, Request};
use crate::wasm_map;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The twiggy installed when missing.
pub const TWIGGY_VERSION: &str = "0.8.0";

/// How many groups and functions our map lists.
const GROUPS: usize = 40;
const TOP: usize = 30;

/// Whether `twiggy --version` output names `want` (`twiggy-opt 0.8.0`).
pub fn twiggy_matches(version_output: &str, want: &str) -> bool {
    version_output.split_whitespace().any(|w| w == want)
}

/// Installs twiggy [`TWIGGY_VERSION`] when the one on PATH (with `$CARGO_HOME/bin` first)
/// is another or none; returns that PATH.
fn ensure_twiggy() -> Result<std::ffi::OsString, String> {
    let path = crate::test_wasm::path_with_cargo_bin();
    let have = crate::test_wasm::output_of(&"twiggy".into(), &["--version"], &path);
    if !have.is_some_and(|v| twiggy_matches(&v, TWIGGY_VERSION)) {
        crate::run(Command::new(crate::cargo()).args([
            "install",
            "twiggy",
            "--version",
            TWIGGY_VERSION,
            "--locked",
            "--force",
        ]))?;
    }
    Ok(path)
}

/// Runs twiggy with `args` on `wasm` and returns what it printed (or why it could not).
fn twiggy(path: &std::ffi::OsString, args: &[&str], wasm: &Path) -> String {
    let output = Command::new("twiggy")
        .args(args)
        .arg(wasm)
        .env("PATH", path)
        .output();
    match output {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
        Ok(o) => format!(
            "twiggy cannot read this module ({}): {}\n",
            o.status,
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => format!("cannot run twiggy: {e}\n"),
    }
}

/// Builds the named copy of `artifact` and returns its `.wasm`.
fn named_copy(lumen: &Path, artifact: &Artifact) -> Result<PathBuf, String> {
    let request = Request {
        target: artifact.target,
        vm_only: artifact.vm_only,
        keep_names: true,
        out_dir: crate::target_dir()
            .join("wasm-size")
            .join(format!("{}.names", artifact.name)),
    };
    lumen_build::build(lumen, &request)
        .map(|built| built.wasm)
        .map_err(|f| format!("the named copy did not build: {}", f.message))
}

/// One line saying whether `named` holds the same code as `shipped`.
pub fn same_code_line(shipped: &[u8], named: &[u8]) -> Result<String, String> {
    let a = wasm_map::without_custom_sections(shipped)?;
    let b = wasm_map::without_custom_sections(named)?;
    Ok(if a == b {
        "the named copy holds the same code as the shipped file (equal without custom sections)"
            .to_string()
    } else {
        format!(
            "WARNING: the named copy differs from the shipped file beyond its custom sections \
             ({} vs {} bytes without them): the map is of the named copy",
            a.len(),
            b.len()
        )
    })
}

/// The report of one artifact whose shipped file is `shipped`, or why there is none.
pub fn report(lumen: &Path, artifact: &Artifact, shipped: &Path) -> Result<String, String> {
    let named_path = named_copy(lumen, artifact)?;
    let read = |p: &Path| std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()));
    let shipped_bytes = read(shipped)?;
    let named = read(&named_path)?;
    let map = wasm_map::map(&named)?;

    let mut out = format!(
        "== {}: {} ({} bytes); named copy {}\n{}\n\n",
        artifact.name,
        shipped.display(),
        crate::wasm_size::thousands(shipped_bytes.len() as u64),
        named_path.display(),
        same_code_line(&shipped_bytes, &named)?
    );
    out.push_str(&wasm_map::format_report(
        &map,
        &named,
        shipped_bytes.len(),
        GROUPS,
        TOP,
    ));

    // twiggy reads core modules: a component's largest one is written out for it.
    let twiggy_input = if map.modules.len() == 1 && map.modules[0].start == 0 {
        named_path.clone()
    } else {
        let largest = map
            .modules
            .iter()
            .max_by_key(|r| r.len())
            .ok_or("the component has no core module")?;
        let core = named_path.with_extension("core.wasm");
        std::fs::write(&core, &named[largest.clone()])
            .map_err(|e| format!("cannot write {}: {e}", core.display()))?;
        out.push_str(&format!(
            "\ntwiggy reads core modules: the largest one ({} bytes) is {}\n",
            crate::wasm_size::thousands(largest.len() as u64),
            core.display()
        ));
        core
    };
    let path = ensure_twiggy()?;
    out.push_str("\n-- twiggy top -n 30\n");
    out.push_str(&twiggy(&path, &["top", "-n", "30"], &twiggy_input));
    out.push_str("\n-- twiggy dominators -d 3 -r 40\n");
    out.push_str(&twiggy(
        &path,
        &["dominators", "-d", "3", "-r", "40"],
        &twiggy_input,
    ));

    let file = crate::target_dir()
        .join("wasm-size")
        .join(format!("{}.why.txt", artifact.name));
    std::fs::write(&file, &out).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    out.push_str(&format!("\n(written to {})\n", file.display()));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twiggy_versions() {
        assert!(twiggy_matches("twiggy-opt 0.8.0\n", "0.8.0"));
        assert!(!twiggy_matches("twiggy-opt 0.7.0", "0.8.0"));
        assert!(!twiggy_matches("", "0.8.0"));
    }

    #[test]
    fn the_same_code_check_looks_past_custom_sections_only() {
        let mut module = wasm_encoder::Module::new();
        let mut types = wasm_encoder::TypeSection::new();
        types.ty().function([], []);
        module.section(&types);
        let plain = module.clone().finish();
        let mut names = wasm_encoder::NameSection::new();
        names.module("named");
        module.section(&names);
        let named = module.finish();
        let line = same_code_line(&plain, &named).unwrap();
        assert!(
            line.starts_with("the named copy holds the same code"),
            "{line}"
        );

        let mut other = wasm_encoder::Module::new();
        let mut types = wasm_encoder::TypeSection::new();
        types.ty().function([wasm_encoder::ValType::I32], []);
        other.section(&types);
        let line = same_code_line(&plain, &other.finish()).unwrap();
        assert!(line.starts_with("WARNING"), "{line}");
    }
}
