//! Finding the Lumen workspace: the `lumen-wasm` crate, the workspace version, the target
//! directory and the wasm-bindgen version the crate resolved to, through `cargo metadata`.

use cargo_metadata::{MetadataCommand, Package};
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
    /// The folders of every workspace-local package `lumen-wasm` depends on, itself
    /// included: the sources the fingerprint covers.
    pub source_dirs: Vec<PathBuf>,
}

impl Workspace {
    /// Whether the workspace has a local package `name`.
    pub fn has_package(&self, name: &str) -> bool {
        self.packages.iter().any(|p| p == name)
    }
}

/// Locates the workspace from `manifest` (a `Cargo.toml`) or from the current directory.
pub fn locate(manifest: Option<&Path>, cargo: &Path) -> Result<Workspace, String> {
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
            "not in a Lumen workspace: no Cargo.toml here or in any parent directory \
             (run `lumen build` inside the Lumen repository, or pass --manifest-path)"
                .to_string()
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
    let mut source_dirs: Vec<PathBuf> = meta
        .packages
        .iter()
        .filter(|p| p.source.is_none())
        .filter(|p| p.name.as_str() != "xtask")
        .map(dir_of)
        .collect();
    source_dirs.sort();
    source_dirs.dedup();
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
        source_dirs,
    })
}
