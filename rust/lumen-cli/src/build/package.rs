//! The output directory: writing files, file sizes for the summary, and the atomic
//! replacement of the old output (the npm package itself is assembled by [`super::npm`]).

use lumen_build_plan::OUTPUT_MARKER as MARKER;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One output file and its sizes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSize {
    /// Path relative to the output directory.
    pub path: String,
    /// Bytes.
    pub bytes: u64,
    /// Bytes after gzip -9.
    pub gzip_bytes: u64,
}

/// Writes `text` to `path`.
pub fn write(path: &Path, text: &str) -> Result<(), String> {
    let mut f =
        std::fs::File::create(path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    f.write_all(text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Gzip -9 size of `bytes`.
pub fn gzip_size(bytes: &[u8]) -> u64 {
    use flate2::{write::GzEncoder, Compression};
    let mut enc = GzEncoder::new(Vec::new(), Compression::best());
    if enc.write_all(bytes).is_err() {
        return 0;
    }
    enc.finish().map(|v| v.len() as u64).unwrap_or(0)
}

/// Every file under `dir` with its sizes, sorted by path.
pub fn sizes(dir: &Path) -> Result<Vec<FileSize>, String> {
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<FileSize>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for e in entries.flatten() {
        let path = e.path();
        if dir == root && e.file_name() == MARKER {
            continue;
        }
        if path.is_dir() {
            walk(root, &path, out)?;
        } else {
            let bytes =
                std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            out.push(FileSize {
                path: path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/"),
                bytes: bytes.len() as u64,
                gzip_bytes: gzip_size(&bytes),
            });
        }
    }
    Ok(())
}

const MARKER_TEXT: &str =
    "This directory was written by `lumen build`; the next build into it replaces it as a whole.\n";

/// Why `out_dir` must not be replaced, if it must not: it is a file, cannot be read, or is
/// a non-empty directory without the [`MARKER`] of an earlier build.
fn refuse_to_replace(out_dir: &Path) -> Option<String> {
    let meta = std::fs::symlink_metadata(out_dir).ok()?;
    let shown = out_dir.display();
    if !meta.is_dir() {
        let what = if meta.file_type().is_symlink() {
            "a symbolic link"
        } else {
            "a file"
        };
        return Some(format!(
            "the output directory {shown} is {what}; choose another --out-dir"
        ));
    }
    let mut entries = match std::fs::read_dir(out_dir) {
        Ok(entries) => entries,
        Err(e) => return Some(format!("cannot read the output directory {shown}: {e}")),
    };
    if entries.next().is_none() || out_dir.join(MARKER).is_file() {
        return None;
    }
    Some(format!(
        "{shown} exists and is not the output of a lumen build (it has no {MARKER} file): a build replaces its output directory as a whole, so it leaves this one alone; remove it or choose another --out-dir"
    ))
}

/// Replaces `out_dir` by `staged` (a directory on the same file system), after writing the
/// [`MARKER`] into `staged`. An `out_dir` that is not an earlier build's output is refused
/// and left as it is. The old output is moved aside into `scratch` first and deleted only
/// after the new one is in place, so a failure at any point leaves a complete directory at
/// `out_dir` or restores the old one.
pub fn replace_dir(staged: &Path, out_dir: &Path, scratch: &Path) -> Result<(), String> {
    if let Some(why) = refuse_to_replace(out_dir) {
        return Err(why);
    }
    write(&staged.join(MARKER), MARKER_TEXT)?;
    let aside: Option<PathBuf> = if out_dir.exists() {
        let aside = scratch.join("previous");
        std::fs::rename(out_dir, &aside)
            .map_err(|e| format!("cannot move the previous {} aside: {e}", out_dir.display()))?;
        Some(aside)
    } else {
        None
    };
    if let Err(e) = std::fs::rename(staged, out_dir) {
        if let Some(aside) = &aside {
            let _ = std::fs::rename(aside, out_dir);
        }
        return Err(format!(
            "cannot move the new output to {}: {e}",
            out_dir.display()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_dir_swaps_and_sizes_list_files() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("pkg");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("old.txt"), "old").unwrap();
        std::fs::write(out.join(MARKER), "").unwrap();
        let scratch = dir.path().join("scratch");
        std::fs::create_dir_all(scratch.join("new")).unwrap();
        std::fs::write(scratch.join("new/a.wasm"), vec![7u8; 1000]).unwrap();
        replace_dir(&scratch.join("new"), &out, &scratch).unwrap();
        let s = sizes(&out).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].path, "a.wasm");
        assert_eq!(s[0].bytes, 1000);
        assert!(s[0].gzip_bytes > 0 && s[0].gzip_bytes < 100);
        assert!(scratch.join("previous/old.txt").is_file());
        // The new output is marked for the next build (and the sizes leave the marker out).
        assert!(out.join(MARKER).is_file());
        std::fs::create_dir_all(scratch.join("newer")).unwrap();
        std::fs::create_dir_all(scratch.join("x")).unwrap();
        replace_dir(&scratch.join("newer"), &out, &scratch.join("x")).unwrap_or_else(|e| {
            panic!("an earlier build's output is replaced: {e}");
        });
    }

    #[test]
    fn a_directory_that_is_not_a_build_output_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let scratch = dir.path().join("scratch");
        std::fs::create_dir_all(scratch.join("new")).unwrap();
        // The user's own folder: refused, and every file stays.
        let mine = dir.path().join("pkg");
        std::fs::create_dir_all(&mine).unwrap();
        std::fs::write(mine.join("important.txt"), "keep").unwrap();
        let e = replace_dir(&scratch.join("new"), &mine, &scratch).unwrap_err();
        assert!(e.contains("is not the output of a lumen build"), "{e}");
        assert!(e.contains("remove it or choose another --out-dir"), "{e}");
        assert_eq!(
            std::fs::read_to_string(mine.join("important.txt")).unwrap(),
            "keep"
        );
        assert!(!mine.join(MARKER).exists());
        // A file where the directory would go: refused, kept.
        let file = dir.path().join("out");
        std::fs::write(&file, "data").unwrap();
        let e = replace_dir(&scratch.join("new"), &file, &scratch).unwrap_err();
        assert!(e.contains("is a file"), "{e}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "data");
        // An empty directory is taken.
        let empty = dir.path().join("empty");
        std::fs::create_dir_all(&empty).unwrap();
        replace_dir(&scratch.join("new"), &empty, &scratch).unwrap();
        assert!(empty.join(MARKER).is_file());
    }
}
