//! The build cache: a SHA-256 fingerprint of everything a build's output depends on — the
//! sources of the workspace crates it compiles, `Cargo.toml`/`Cargo.lock`, the options and
//! the tool versions — stored with a digest of the output it produced. A build whose
//! fingerprint matches and whose output is intact is "up to date".
//!
//! Records live in `<target dir>/lumen-build/<digest of the output path>.json`, not in the
//! output directory, so `pkg/` holds only what is published.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The fingerprint of the inputs: `settings` (options and tool versions, one per line) and
/// every file under `dirs` (skipping `target/`, hidden entries, `node_modules`) plus `extra`
/// files, each as its path relative to `root` and its content.
pub fn inputs(root: &Path, dirs: &[PathBuf], extra: &[PathBuf], settings: &[String]) -> String {
    let mut files = Vec::new();
    for d in dirs {
        collect(d, &mut files);
    }
    files.extend(extra.iter().filter(|p| p.is_file()).cloned());
    files.sort();
    files.dedup();
    let mut h = Sha256::new();
    for s in settings {
        h.update(s.as_bytes());
        h.update(b"\n");
    }
    for f in &files {
        let rel = f.strip_prefix(root).unwrap_or(f);
        h.update(rel.to_string_lossy().as_bytes());
        h.update(b"\0");
        match std::fs::read(f) {
            Ok(bytes) => h.update(sha256_hex(&bytes).as_bytes()),
            Err(_) => h.update(b"<unreadable>"),
        }
        h.update(b"\n");
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name == "target" || name == "node_modules" {
            continue;
        }
        let path = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() => collect(&path, out),
            Ok(t) if t.is_file() => out.push(path),
            _ => {}
        }
    }
}

/// A digest of the output directory: every file's relative path and content.
pub fn output(dir: &Path) -> Option<String> {
    let mut files = Vec::new();
    collect(dir, &mut files);
    if files.is_empty() {
        return None;
    }
    files.sort();
    let mut h = Sha256::new();
    for f in &files {
        let rel = f.strip_prefix(dir).unwrap_or(f);
        h.update(rel.to_string_lossy().as_bytes());
        h.update(b"\0");
        h.update(sha256_hex(&std::fs::read(f).ok()?).as_bytes());
    }
    Some(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Where the record of the build writing to `out_dir` lives.
pub fn record_path(target_dir: &Path, out_dir: &Path) -> PathBuf {
    let key = sha256_hex(out_dir.to_string_lossy().as_bytes());
    target_dir
        .join("lumen-build")
        .join(format!("{}.json", &key[..16]))
}

/// The stored record: the input fingerprint and the output digest, or `None`.
pub fn load(record: &Path) -> Option<(String, String)> {
    let text = std::fs::read_to_string(record).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    Some((
        v.get("inputs")?.as_str()?.to_string(),
        v.get("output")?.as_str()?.to_string(),
    ))
}

/// Stores the record (best effort: a cache that cannot be written only costs a rebuild).
pub fn store(record: &Path, inputs: &str, output: &str) {
    if let Some(parent) = record.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let v = serde_json::json!({ "inputs": inputs, "output": output });
    let _ = std::fs::write(record, v.to_string());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_changes_with_content_and_settings() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        std::fs::create_dir_all(src.join("target")).unwrap();
        std::fs::write(src.join("a.rs"), "fn a() {}").unwrap();
        std::fs::write(src.join("target/junk"), "x").unwrap();
        let dirs = vec![src.clone()];
        let s1 = vec!["release".to_string()];
        let a = inputs(dir.path(), &dirs, &[], &s1);
        assert_eq!(a, inputs(dir.path(), &dirs, &[], &s1));
        // target/ is not an input
        std::fs::write(src.join("target/junk"), "y").unwrap();
        assert_eq!(a, inputs(dir.path(), &dirs, &[], &s1));
        std::fs::write(src.join("a.rs"), "fn a() { }").unwrap();
        let b = inputs(dir.path(), &dirs, &[], &s1);
        assert_ne!(a, b);
        assert_ne!(b, inputs(dir.path(), &dirs, &[], &["dev".to_string()]));
    }

    #[test]
    fn records_round_trip_and_output_digest_tracks_files() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("pkg");
        assert_eq!(output(&out), None);
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("x.wasm"), "abc").unwrap();
        let d1 = output(&out).unwrap();
        let rec = record_path(dir.path(), &out);
        store(&rec, "in", &d1);
        assert_eq!(load(&rec), Some(("in".to_string(), d1.clone())));
        std::fs::write(out.join("x.wasm"), "abd").unwrap();
        assert_ne!(output(&out).unwrap(), d1);
    }
}
