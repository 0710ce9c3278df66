//! Finding the Lumen workspace: the `lumen-wasm` crate, the workspace version, the target
//! directory and the wasm-bindgen version the crate resolved to, through `cargo metadata`.

use cargo_metadata::{DependencyKind, MetadataCommand, Package};
use std::path::{Path, PathBuf};

/// What the build needs to know about the workspace.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The workspace root (holds `Cargo.toml` and `Cargo.lock`).
    pub root: PathBuf,
    /// The cargo target directory.
    pub target_dir: PathBuf,
    /// The folder of `rust/lumen-wasm` (its `Cargo.toml`).
    pub wasm_crate: PathBuf,
    /// The names of the workspace-local packages.
    pub packages: Vec<String>,
    /// The version of `lumen-wasm` (the workspace version).
    pub version: String,
    /// The resolved version of the `wasm-bindgen` crate (wasm-bindgen-cli must match it).
    pub wasm_bindgen: Option<String>,
    /// Every workspace-local package but xtask: its name, folder and the local packages it
    /// depends on (normal and build dependencies).
    local: Vec<(String, PathBuf, Vec<String>)>,
}

impl Workspace {
    /// The folders of `krate` and of every workspace-local package it depends on,
    /// transitively: the sources a build of `krate` compiles, which its fingerprint and
    /// runtime cache key cover (a change elsewhere, e.g. in lumen-cli, keeps the cached
    /// runtimes).
    pub fn source_dirs(&self, krate: &str) -> Vec<PathBuf> {
        let mut wanted = vec![krate.to_string()];
        let mut seen: Vec<&str> = Vec::new();
        let mut dirs = Vec::new();
        while let Some(name) = wanted.pop() {
            let Some((n, dir, deps)) = self.local.iter().find(|(n, _, _)| *n == name) else {
                continue;
            };
            if seen.contains(&n.as_str()) {
                continue;
            }
            seen.push(n);
            dirs.push(dir.clone());
            wanted.extend(deps.iter().cloned());
        }
        dirs.sort();
        dirs.dedup();
        dirs
    }

    /// Whether the workspace has a local package `name`.
    pub fn has_package(&self, name: &str) -> bool {
        self.packages.iter().any(|p| p == name)
    }
}

/// The variable naming the Lumen checkout `lumen build` takes the runtime's sources from
/// when it is run outside one (empty: no fallback).
pub const SOURCE_VAR: &str = "LUMEN_SOURCE";

/// Locates the workspace: from `manifest` (a `Cargo.toml`) when given; else the Lumen
/// workspace around the current directory; else, so that `lumen build` works in a user's
/// own project, the checkout named by `$LUMEN_SOURCE`, or when that is unset the checkout
/// this `lumen` was built from (if it is still there).
pub fn locate(manifest: Option<&Path>, cargo: &Path) -> Result<Workspace, String> {
    if manifest.is_some() {
        return locate_at(manifest, cargo);
    }
    match locate_at(None, cargo) {
        Ok(ws) => Ok(ws),
        Err(e) if e.starts_with("not in a Lumen workspace") => match fallback_manifest() {
            Some(m) => locate_at(Some(&m), cargo).map_err(|f| {
                format!(
                    "{e}; the Lumen sources at {} do not work either: {f}",
                    m.display()
                )
            }),
            None => Err(e),
        },
        Err(e) => Err(e),
    }
}

/// The `Cargo.toml` of the fallback checkout, if there is one.
fn fallback_manifest() -> Option<PathBuf> {
    let dir = match std::env::var_os(SOURCE_VAR) {
        Some(v) if v.is_empty() => return None,
        Some(v) => PathBuf::from(v),
        // rust/lumen-cli → the workspace root.
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."),
    };
    let manifest = dir.join("Cargo.toml");
    manifest.is_file().then_some(manifest)
}

fn locate_at(manifest: Option<&Path>, cargo: &Path) -> Result<Workspace, String> {
    let mut cmd = MetadataCommand::new();
    cmd.cargo_path(cargo);
    if let Some(m) = manifest {
        if !m.is_file() {
            return Err(format!("no such manifest: {}", m.display()));
        }
        cmd.manifest_path(m);
    }
    let meta = cmd.exec().map_err(|e| {
        let detail = e.to_string();
        if detail.contains("could not find `Cargo.toml`") {
            format!(
                "not in a Lumen workspace: no Cargo.toml here or in any parent directory \
                 (run `lumen build` inside the Lumen repository, pass --manifest-path, or set \
                 {SOURCE_VAR} to a Lumen checkout)"
            )
        } else {
            format!(
                "cargo metadata failed: {}",
                detail.lines().last().unwrap_or("")
            )
        }
    })?;
    let Some(wasm) = meta
        .packages
        .iter()
        .find(|p| p.name.as_str() == "lumen-wasm")
    else {
        return Err(format!(
            "not in a Lumen workspace: the workspace at {} has no `lumen-wasm` crate",
            meta.workspace_root
        ));
    };
    let dir_of = |p: &Package| -> PathBuf {
        p.manifest_path
            .parent()
            .map(|d| d.as_std_path().to_path_buf())
            .unwrap_or_else(|| meta.workspace_root.as_std_path().to_path_buf())
    };
    let wasm_bindgen = meta
        .packages
        .iter()
        .find(|p| p.name.as_str() == "wasm-bindgen")
        .map(|p| p.version.to_string());
    // Workspace-local (path) packages are the ones without a registry source.
    let local: Vec<(String, PathBuf, Vec<String>)> = meta
        .packages
        .iter()
        .filter(|p| p.source.is_none())
        .filter(|p| p.name.as_str() != "xtask")
        .map(|p| {
            let deps = p
                .dependencies
                .iter()
                .filter(|d| d.path.is_some() && d.kind != DependencyKind::Development)
                .map(|d| d.name.clone())
                .collect();
            (p.name.to_string(), dir_of(p), deps)
        })
        .collect();
    let mut packages: Vec<String> = meta
        .packages
        .iter()
        .filter(|p| p.source.is_none())
        .map(|p| p.name.to_string())
        .collect();
    packages.sort();
    Ok(Workspace {
        root: meta.workspace_root.as_std_path().to_path_buf(),
        target_dir: meta.target_directory.as_std_path().to_path_buf(),
        wasm_crate: dir_of(wasm),
        packages,
        version: wasm.version.to_string(),
        wasm_bindgen,
        local,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue11_item0_a_runtime_fingerprint_covers_its_crate_and_local_dependencies_only() {
        // The real workspace: lumen-wasm compiles the VM, the compiler and the runtime, not
        // lumen-cli; the WASI app template compiles the VM and the runtime.
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml");
        let ws = locate(Some(&manifest), &super::super::toolchain::cargo_path()).unwrap();
        let names = |krate: &str| -> Vec<String> {
            ws.source_dirs(krate)
                .iter()
                .map(|d| d.file_name().unwrap().to_string_lossy().into_owned())
                .collect()
        };
        let wasm = names("lumen-wasm");
        assert!(wasm.contains(&"lumen-wasm".to_string()), "{wasm:?}");
        assert!(wasm.contains(&"lumen-vm".to_string()), "{wasm:?}");
        assert!(wasm.contains(&"lumen-compiler".to_string()), "{wasm:?}");
        assert!(!wasm.contains(&"lumen-cli".to_string()), "{wasm:?}");
        let app = names("lumen-wasi-app");
        assert!(app.contains(&"lumen-vm".to_string()), "{app:?}");
        assert!(!app.contains(&"lumen-cli".to_string()), "{app:?}");
        assert!(names("lumen-cli").contains(&"lumen-cli".to_string()));
        assert!(ws.source_dirs("no-such-crate").is_empty());
    }
}
