//! The runtime cache: a runtime build's compiled (and optimised) files, before packaging,
//! stored under `<target dir>/lumen-runtime-cache/<key>/`, where the key is the SHA-256 of
//! a [`RuntimeKey`]'s material (runtime version, plan options, rustc and tool versions,
//! source fingerprint). A later build with the same key copies them instead of running
//! cargo — into another output directory, or as the runtime a program is embedded into.
//!
//! Entries are written into a temporary directory and renamed into place, so an entry that
//! exists is complete. Writing is best effort: a cache that cannot be written only costs a
//! rebuild.

use super::fingerprint::sha256_hex;
use lumen_build_plan::RuntimeKey;
use std::path::{Path, PathBuf};

/// The folder of the cache in `target_dir`.
pub fn root(target_dir: &Path) -> PathBuf {
    target_dir.join("lumen-runtime-cache")
}

/// The cache key of `key`: 32 hex digits.
pub fn key(key: &RuntimeKey) -> String {
    let mut hex = sha256_hex(key.material().as_bytes());
    hex.truncate(32);
    hex
}

/// The entry for `key` when it exists and holds `wasm_file`.
pub fn lookup(target_dir: &Path, key: &str, wasm_file: &str) -> Option<PathBuf> {
    let dir = root(target_dir).join(key);
    dir.join(wasm_file).is_file().then_some(dir)
}

/// Stores a copy of `built` as the entry for `key` (best effort).
pub fn store(target_dir: &Path, key: &str, built: &Path) {
    let root = root(target_dir);
    let done = root.join(key);
    if done.is_dir() || std::fs::create_dir_all(&root).is_err() {
        return;
    }
    let Ok(tmp) = tempfile::Builder::new()
        .prefix(&format!(".{key}-"))
        .tempdir_in(&root)
    else {
        return;
    };
    let staged = tmp.path().join("entry");
    if copy_dir(built, &staged).is_ok() {
        // Another build may have stored the same entry meanwhile: theirs is as good.
        let _ = std::fs::rename(&staged, &done);
    }
}

/// Copies the entry `from` into `to` (created).
pub fn restore(from: &Path, to: &Path) -> Result<(), String> {
    copy_dir(from, to).map_err(|e| {
        format!(
            "cannot copy the cached runtime {} to {}: {e}",
            from.display(),
            to.display()
        )
    })
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let dest = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_dir(&e.path(), &dest)?;
        } else {
            std::fs::copy(e.path(), &dest)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lumen_build_plan::{Plan, WasmTarget, DEFAULT_OPTIONS};

    #[test]
    fn issue11_item0_runtime_cache_stores_and_restores_an_entry_by_key() {
        let dir = tempfile::tempdir().unwrap();
        let plan = Plan::for_target(WasmTarget::Wasi, &DEFAULT_OPTIONS).unwrap();
        let k = RuntimeKey {
            runtime_version: "0.1.0",
            plan: &plan,
            rustc: "1.95.0",
            tools: &[],
            sources: "s1",
        };
        let a = key(&k);
        assert_eq!(a.len(), 32);
        assert_eq!(a, key(&k.clone()));
        assert_ne!(
            a,
            key(&RuntimeKey {
                sources: "s2",
                ..k.clone()
            })
        );

        let target = dir.path().join("target");
        assert_eq!(lookup(&target, &a, "lumen.wasm"), None);
        let built = dir.path().join("built");
        std::fs::create_dir_all(built.join("snippets")).unwrap();
        std::fs::write(built.join("lumen.wasm"), b"\0asm").unwrap();
        std::fs::write(built.join("snippets/x.js"), b"x").unwrap();
        store(&target, &a, &built);
        let entry = lookup(&target, &a, "lumen.wasm").expect("stored");
        let out = dir.path().join("out");
        restore(&entry, &out).unwrap();
        assert_eq!(std::fs::read(out.join("lumen.wasm")).unwrap(), b"\0asm");
        assert_eq!(std::fs::read(out.join("snippets/x.js")).unwrap(), b"x");
        // No temporary directories are left next to the entry.
        let names: Vec<_> = std::fs::read_dir(root(&target))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, [a]);
    }
}
