//! Seed programs for mutation: every `.lm` / `.lm.md` file under the given folders.

use std::path::{Path, PathBuf};

/// Every program file under `dir` (recursively), sorted by path.
pub fn program_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path.to_string_lossy();
                if name.ends_with(".lm") || name.ends_with(".lm.md") {
                    out.push(path);
                }
            }
        }
    }
    out.sort();
    out
}

/// The text of every program under `dirs` (files that are not UTF-8 are skipped: the
/// byte-level mutations make such inputs anyway).
pub fn load(dirs: &[PathBuf]) -> Vec<String> {
    dirs.iter()
        .flat_map(|d| program_files(d))
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect()
}

/// Binary LIR of every program of `sources` that compiles (for binary mutation).
pub fn binaries(sources: &[String]) -> Vec<Vec<u8>> {
    sources
        .iter()
        .filter_map(|s| {
            lumen_compiler::compile(
                "seed.lm",
                s.as_bytes(),
                &lumen_compiler::NoImports,
                &Default::default(),
            )
            .ok()
        })
        .map(|out| lumen_vm::binary::encode(&out.module))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_the_repository_programs() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let sources = load(&[root.join("tests/programs"), root.join("tests/conformance")]);
        assert!(sources.len() > 100, "only {} programs", sources.len());
        let bins = binaries(&sources);
        assert!(bins.len() > 50, "only {} compiled", bins.len());
    }
}
