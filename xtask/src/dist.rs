//! `cargo xtask dist`: the npm tarballs of a release.
//!
//! For the one JavaScript package, full (`lumen-wasm`) and VM-only (`lumen-wasm-vm`):
//! `lumen build --target wasm --release --wasm-target js [--vm-only] --out-dir <target
//! dir>/dist/pkg-js[-vm] --message-format json --quiet`, then `npm pack --json
//! --pack-destination <target dir>/dist` in that directory. Tarballs of an earlier run (and its
//! `SHA256SUMS`) are removed first, so the directory holds exactly this release; at the end
//! `<target dir>/dist/SHA256SUMS` lists the tarballs in `sha256sum` format, sorted by name
//! (`sha256sum -c SHA256SUMS` verifies them). The first failure stops the command.

use crate::lumen_build::{self, Request};
use crate::Failure;
use lumen_build_plan::WasmTarget;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The builds that become npm packages: every JavaScript target, full and VM-only.
pub fn dist_targets() -> Vec<(WasmTarget, bool)> {
    WasmTarget::all()
        .iter()
        .copied()
        .filter(|t| !t.is_wasi() && !t.is_program_only())
        .flat_map(|t| [(t, false), (t, true)])
        .collect()
}

/// The name of a build in messages and directories (`js`, `js-vm`).
fn build_name(target: WasmTarget, vm_only: bool) -> String {
    if vm_only {
        format!("{target}-vm")
    } else {
        target.to_string()
    }
}

/// The checksum file's name.
pub const SUMS_FILE: &str = "SHA256SUMS";

/// Prefix of the per-target directories `npm pack` writes into before the tarball is moved.
const STAGING_PREFIX: &str = ".npm-pack-";

/// The part of one `npm pack --json` entry that we use.
#[derive(Debug, Deserialize)]
struct PackEntry {
    filename: String,
}

/// The tarball file names in `npm pack --json` output (a JSON array of objects with a
/// `filename`). Lines before the array (lifecycle-script chatter) are skipped.
pub fn parse_npm_pack(stdout: &str) -> Result<Vec<String>, String> {
    let trimmed = stdout.trim_start();
    let json = if trimmed.starts_with('[') {
        trimmed
    } else {
        match stdout.find("\n[") {
            Some(at) => stdout.get(at + 1..).unwrap_or(""),
            None => return Err(format!("npm pack printed no JSON: {}", stdout.trim())),
        }
    };
    let entries: Vec<PackEntry> = serde_json::from_str(json)
        .map_err(|e| format!("cannot parse npm pack's JSON ({e}): {}", stdout.trim()))?;
    if entries.is_empty() {
        return Err("npm pack made no tarball".to_string());
    }
    entries
        .into_iter()
        .map(|e| {
            let plain = Path::new(&e.filename)
                .file_name()
                .is_some_and(|n| n == e.filename.as_str());
            if plain && e.filename.ends_with(".tgz") {
                Ok(e.filename)
            } else {
                Err(format!(
                    "unexpected tarball name from npm pack: {:?}",
                    e.filename
                ))
            }
        })
        .collect()
}

/// Lowercase hex SHA-256 of some bytes.
pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `SHA256SUMS` text: `"<hex>  <name>\n"` per file, sorted by name.
pub fn format_sums(entries: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = entries.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    sorted
        .iter()
        .map(|(name, hex)| format!("{hex}  {name}\n"))
        .collect()
}

/// Removes the tarballs, checksum file and staging directories of an earlier run; returns
/// what it removed.
pub fn remove_stale(dist: &Path) -> Result<Vec<String>, String> {
    let entries = match std::fs::read_dir(dist) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot list {}: {e}", dist.display())),
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir && name.starts_with(STAGING_PREFIX) {
            std::fs::remove_dir_all(entry.path())
                .map_err(|e| format!("cannot remove {}: {e}", entry.path().display()))?;
            removed.push(name);
            continue;
        }
        let stale = name == SUMS_FILE || name.ends_with(".tgz");
        if stale && entry.file_type().is_ok_and(|t| t.is_file()) {
            std::fs::remove_file(entry.path())
                .map_err(|e| format!("cannot remove {}: {e}", entry.path().display()))?;
            removed.push(name);
        }
    }
    removed.sort();
    Ok(removed)
}

/// Runs `npm pack` in `package` with the tarball going to `dest`; returns its file name.
fn npm_pack(package: &Path, dest: &Path) -> Result<String, String> {
    let output = Command::new("npm")
        .args(["pack", "--json", "--pack-destination"])
        .arg(dest)
        .current_dir(package)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run npm (is Node.js installed?): {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "npm pack in {} failed with {}: {}",
            package.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let mut names = parse_npm_pack(&stdout)?;
    match (names.pop(), names.is_empty()) {
        (Some(name), true) => Ok(name),
        _ => Err("npm pack made more than one tarball".to_string()),
    }
}

/// Entry point of `cargo xtask dist`.
pub fn command(args: &[String]) -> Result<(), Failure> {
    if let Some(arg) = args.first() {
        return Err(Failure::Usage(format!(
            "dist takes no arguments (got `{arg}`)"
        )));
    }
    let dist = crate::target_dir().join("dist");
    std::fs::create_dir_all(&dist).map_err(|e| format!("cannot create {}: {e}", dist.display()))?;
    for name in remove_stale(&dist)? {
        println!("removed stale {}", dist.join(name).display());
    }
    let lumen = lumen_build::lumen_bin()?;
    let mut sums = Vec::new();
    let mut packed: Vec<(String, String)> = Vec::new();
    for (t, vm_only) in dist_targets() {
        let target = build_name(t, vm_only);
        let request = Request {
            target: t,
            vm_only,
            keep_names: false,
            out_dir: dist.join(format!("pkg-{target}")),
        };
        eprintln!("dist: building {target} ...");
        let built = lumen_build::build(&lumen, &request).map_err(|f| {
            let mut message = format!("dist: building {target} failed: {}", f.message);
            for line in &f.output {
                message.push_str("\n    ");
                message.push_str(line);
            }
            message
        })?;
        // Packed into a staging directory first, so that a name clash cannot overwrite
        // the tarball of an earlier target.
        let staging = dist.join(format!("{STAGING_PREFIX}{target}"));
        if staging.exists() {
            std::fs::remove_dir_all(&staging)
                .map_err(|e| format!("cannot remove {}: {e}", staging.display()))?;
        }
        std::fs::create_dir_all(&staging)
            .map_err(|e| format!("cannot create {}: {e}", staging.display()))?;
        let tarball = npm_pack(&built.out_dir, &staging)?;
        if let Some((_, earlier)) = packed.iter().find(|(name, _)| *name == tarball) {
            return Err(Failure::Failed(format!(
                "dist: the {earlier} and {target} packages both pack to {tarball} \
                 (each target needs its own npm package name)"
            )));
        }
        packed.push((tarball.clone(), target));
        let path: PathBuf = dist.join(&tarball);
        std::fs::rename(staging.join(&tarball), &path)
            .and_then(|()| std::fs::remove_dir(&staging))
            .map_err(|e| format!("cannot move {tarball} into {}: {e}", dist.display()))?;
        let bytes =
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let hex = sha256_hex(&bytes);
        println!(
            "wrote {} ({} bytes, sha256 {hex})",
            path.display(),
            crate::wasm_size::thousands(bytes.len() as u64)
        );
        sums.push((tarball, hex));
    }
    let sums_path = dist.join(SUMS_FILE);
    std::fs::write(&sums_path, format_sums(&sums))
        .map_err(|e| format!("cannot write {}: {e}", sums_path.display()))?;
    println!("wrote {}", sums_path.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue11_item2_dist_packs_the_js_package_full_and_vm_only() {
        let builds: Vec<String> = dist_targets()
            .into_iter()
            .map(|(t, vm)| build_name(t, vm))
            .collect();
        assert_eq!(builds, ["js", "js-vm"]);
    }

    #[test]
    fn sha256_of_known_inputs() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn sums_are_sorted_and_in_sha256sum_format() {
        let entries = vec![
            ("lumen-wasm-web-0.1.0.tgz".to_string(), "cc".repeat(32)),
            ("lumen-wasm-bundler-0.1.0.tgz".to_string(), "aa".repeat(32)),
            ("lumen-wasm-nodejs-0.1.0.tgz".to_string(), "bb".repeat(32)),
        ];
        let text = format_sums(&entries);
        let want = format!(
            "{}  lumen-wasm-bundler-0.1.0.tgz\n{}  lumen-wasm-nodejs-0.1.0.tgz\n{}  lumen-wasm-web-0.1.0.tgz\n",
            "aa".repeat(32),
            "bb".repeat(32),
            "cc".repeat(32)
        );
        assert_eq!(text, want);
        assert_eq!(format_sums(&[]), "");
    }

    #[test]
    fn parses_npm_pack_json() {
        let out = r#"[
  {
    "id": "lumen-wasm-web@0.1.0",
    "name": "lumen-wasm-web",
    "version": "0.1.0",
    "size": 290000,
    "unpackedSize": 800000,
    "filename": "lumen-wasm-web-0.1.0.tgz",
    "files": [{"path": "package.json", "size": 500, "mode": 420}],
    "entryCount": 7,
    "bundled": []
  }
]
"#;
        assert_eq!(parse_npm_pack(out).unwrap(), ["lumen-wasm-web-0.1.0.tgz"]);
        let chatter = format!("> prepack\n> echo hi\nhi\n{out}");
        assert_eq!(
            parse_npm_pack(&chatter).unwrap(),
            ["lumen-wasm-web-0.1.0.tgz"]
        );
    }

    #[test]
    fn rejects_bad_npm_pack_output() {
        assert!(parse_npm_pack("").unwrap_err().contains("no JSON"));
        assert!(parse_npm_pack("[]").unwrap_err().contains("no tarball"));
        assert!(parse_npm_pack("[{\"id\": 1}]")
            .unwrap_err()
            .contains("cannot parse"));
        assert!(parse_npm_pack(r#"[{"filename": "../evil.tgz"}]"#)
            .unwrap_err()
            .contains("unexpected tarball name"));
        assert!(parse_npm_pack(r#"[{"filename": "x.zip"}]"#)
            .unwrap_err()
            .contains("unexpected tarball name"));
    }

    #[test]
    fn remove_stale_takes_only_tarballs_and_sums() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["a-0.1.0.tgz", "b-0.1.0.tgz", SUMS_FILE, "keep.txt"] {
            std::fs::write(dir.path().join(f), b"x").unwrap();
        }
        std::fs::create_dir(dir.path().join("pkg-web.tgz")).unwrap();
        std::fs::create_dir(dir.path().join(".npm-pack-web")).unwrap();
        std::fs::write(dir.path().join(".npm-pack-web/x.tgz"), b"x").unwrap();
        let removed = remove_stale(dir.path()).unwrap();
        assert_eq!(
            removed,
            [".npm-pack-web", SUMS_FILE, "a-0.1.0.tgz", "b-0.1.0.tgz"]
        );
        assert!(!dir.path().join(".npm-pack-web").exists());
        assert!(dir.path().join("keep.txt").exists());
        assert!(dir.path().join("pkg-web.tgz").is_dir());
        assert!(remove_stale(&dir.path().join("missing"))
            .unwrap()
            .is_empty());
    }
}
