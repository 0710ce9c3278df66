//! The file-system [`ModuleLoader`]: `import a.b` loads `a/b.lm.md` (preferred) or `a/b.lm`
//! relative to the directory of the importing file.
//!
//! File names are kept in the form the user gave them (the root file exactly as on the
//! command line, imported files as `importer_dir/a/b.lm`, with `.` components dropped), so
//! diagnostics and run-time errors show familiar paths. The same file reached by two
//! spellings (`./a.lm` and `a.lm`, or through a symbolic link) gets the name it was first
//! loaded under, which is what lets the compiler detect circular imports by name.

use lumen_compiler::ModuleLoader;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// Loads imported modules from the file system.
#[derive(Debug, Default)]
pub struct FsLoader {
    /// Canonical path → the name the file was first loaded under.
    names: RefCell<HashMap<PathBuf, String>>,
}

/// Drops `.` components and folds `dir/..` pairs (leading `..` are kept).
fn clean(path: &Path) -> PathBuf {
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out.iter().collect()
}

/// Whether `segment` is a plain module name (no separators, no `..`).
fn valid_segment(segment: &str) -> bool {
    !segment.is_empty()
        && segment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl FsLoader {
    /// An empty loader.
    pub fn new() -> FsLoader {
        FsLoader::default()
    }

    /// Records the root file (named as the user gave it) so that an import leading back to
    /// it is recognised.
    pub fn register_root(&self, name: &str) {
        if let Ok(canonical) = Path::new(name).canonicalize() {
            self.names
                .borrow_mut()
                .entry(canonical)
                .or_insert_with(|| name.to_string());
        }
    }
}

impl ModuleLoader for FsLoader {
    fn load(&self, importer: &str, path: &[String]) -> Result<(String, Vec<u8>), String> {
        let dotted = path.join(".");
        if path.is_empty() || !path.iter().all(|s| valid_segment(s)) {
            return Err(format!("`{dotted}` is not a valid module path"));
        }
        let dir = Path::new(importer).parent().unwrap_or(Path::new(""));
        let mut base = dir.to_path_buf();
        for segment in path {
            base.push(segment);
        }
        let mut tried = Vec::new();
        for ext in ["lm.md", "lm"] {
            let candidate = clean(&base.with_extension(ext));
            // `with_extension` would replace a dot inside the last segment; segments have none.
            if !candidate.is_file() {
                tried.push(candidate.to_string_lossy().into_owned());
                continue;
            }
            let bytes = std::fs::read(&candidate)
                .map_err(|e| format!("cannot read `{}`: {e}", candidate.display()))?;
            let mut name = candidate.to_string_lossy().into_owned();
            if let Ok(canonical) = candidate.canonicalize() {
                let mut names = self.names.borrow_mut();
                name = names.entry(canonical).or_insert(name).clone();
            }
            return Ok((name, bytes));
        }
        Err(format!(
            "cannot find module `{dotted}` (looked for {})",
            tried.join(" and ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_relative_to_the_importer_preferring_markdown() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("lib")).unwrap();
        std::fs::write(dir.path().join("lib/util.lm"), "plain").unwrap();
        std::fs::write(dir.path().join("lib/util.lm.md"), "markdown").unwrap();
        std::fs::write(dir.path().join("other.lm"), "other").unwrap();
        let root = dir.path().join("main.lm");
        let root_name = root.to_string_lossy().into_owned();
        let loader = FsLoader::new();
        loader.register_root(&root_name);
        let (name, bytes) = loader
            .load(&root_name, &["lib".into(), "util".into()])
            .unwrap();
        assert_eq!(bytes, b"markdown");
        assert!(name.ends_with("lib/util.lm.md"), "{name}");
        // Imports are relative to the importing file: `lib/other.lm` does not exist.
        let e = loader.load(&name, &["other".into()]).unwrap_err();
        assert!(e.contains("cannot find module `other`"), "{e}");
    }

    #[test]
    fn same_file_by_another_spelling_gets_its_first_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.lm"), "a").unwrap();
        std::fs::write(dir.path().join("b.lm"), "b").unwrap();
        let root = format!("{}/./a.lm", dir.path().display());
        let loader = FsLoader::new();
        loader.register_root(&root);
        let (b, _) = loader.load(&root, &["b".into()]).unwrap();
        let (back, _) = loader.load(&b, &["a".into()]).unwrap();
        assert_eq!(back, root);
    }

    #[test]
    fn missing_and_invalid_modules_are_errors() {
        let loader = FsLoader::new();
        let e = loader.load("x/main.lm", &["nope".into()]).unwrap_err();
        assert!(e.contains("nope") && e.contains("x/nope.lm.md"), "{e}");
        assert!(loader.load("main.lm", &["..".into()]).is_err());
        assert!(loader.load("main.lm", &[]).is_err());
        assert!(loader.load("main.lm", &["a/b".into()]).is_err());
    }

    #[test]
    fn clean_paths() {
        assert_eq!(clean(Path::new("./a/./b.lm")), PathBuf::from("a/b.lm"));
        assert_eq!(clean(Path::new("a/../b.lm")), PathBuf::from("b.lm"));
        assert_eq!(clean(Path::new("../x/b.lm")), PathBuf::from("../x/b.lm"));
    }
}
