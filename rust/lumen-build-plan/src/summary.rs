//! [`Summary`]: the one JSON object `lumen build --message-format json` prints on stdout at
//! the end of a build (built, up to date or failed). `lumen build` serialises it, xtask
//! deserialises it. Fields a build did not get to are left out; readers treat every field
//! but `status` as optional.

use crate::plan::Profile;
use crate::target::WasmTarget;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// `status` of a summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Built now.
    Built,
    /// Nothing to do: the output directory holds the current build.
    UpToDate,
    /// The build failed; `error` says why.
    Failed,
}

/// One finished step (`steps`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepEntry {
    /// `workspace`, `toolchain`, `fingerprint`, `wasm-pack`, `cargo`, `cache`, `wasm-opt`,
    /// `package`, ...
    pub name: String,
    /// How long it took.
    pub elapsed_ms: u64,
}

/// One output file with its sizes (`files`, `wasm`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Relative to the output directory.
    pub path: PathBuf,
    /// Raw size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// Size after gzip -9.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gzip_bytes: Option<u64>,
}

/// The tool versions a build used (`tools`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolVersions {
    /// `rustc` (`1.95.0`).
    #[serde(default)]
    pub rustc: Option<String>,
    /// wasm-pack, when the target needs it.
    #[serde(default)]
    pub wasm_pack: Option<String>,
    /// wasm-bindgen-cli, when the target needs it.
    #[serde(default)]
    pub wasm_bindgen: Option<String>,
}

/// `error` of a failed build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryError {
    /// One line saying what failed.
    pub message: String,
    /// The last lines of the failing tool's output.
    #[serde(default)]
    pub output: Vec<String>,
}

/// The JSON summary of one `lumen build`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Built, up to date or failed.
    pub status: Status,
    /// `--wasm-target`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<WasmTarget>,
    /// `--release`.
    #[serde(default)]
    pub release: bool,
    /// `--profile`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<Profile>,
    /// `--vm-only`.
    #[serde(default)]
    pub vm_only: bool,
    /// The program built into the output (`lumen build ... app.lm.md`); absent for the
    /// runtime package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<PathBuf>,
    /// Wall-clock time of the build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elapsed_ms: Option<u64>,
    /// The steps that ran, in order.
    #[serde(default)]
    pub steps: Vec<StepEntry>,
    /// Absolute path of the output directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_dir: Option<PathBuf>,
    /// The npm package name (absent for WASI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// The package version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The main `.wasm` file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wasm: Option<FileEntry>,
    /// Every output file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileEntry>,
    /// Tool versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<ToolVersions>,
    /// Why the build failed (only when `status` is `failed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<SummaryError>,
}

impl Summary {
    /// A summary with only `status` set.
    pub fn new(status: Status) -> Summary {
        Summary {
            status,
            target: None,
            release: false,
            profile: None,
            vm_only: false,
            program: None,
            elapsed_ms: None,
            steps: Vec::new(),
            out_dir: None,
            package: None,
            version: None,
            wasm: None,
            files: Vec::new(),
            tools: None,
            error: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUILT: &str = r#"{"status":"built","target":"js","release":true,"profile":"size","vm_only":false,"elapsed_ms":1234,"steps":[{"name":"toolchain","elapsed_ms":12}],"out_dir":"/abs/pkg","package":"lumen-wasm","version":"0.1.0","wasm":{"path":"lumen_wasm_bg.wasm","bytes":743605,"gzip_bytes":283971},"files":[{"path":"package.json","bytes":512,"gzip_bytes":300}],"tools":{"rustc":"1.95.0","wasm_pack":"0.15.1","wasm_bindgen":null}}"#;

    #[test]
    fn summary_round_trips_through_json() {
        let s: Summary = serde_json::from_str(BUILT).unwrap();
        assert_eq!(s.status, Status::Built);
        assert_eq!(s.target, Some(WasmTarget::Js));
        assert_eq!(s.profile, Some(Profile::Size));
        assert_eq!(s.steps[0].name, "toolchain");
        assert_eq!(s.wasm.as_ref().and_then(|w| w.gzip_bytes), Some(283971));
        assert_eq!(
            s.tools.as_ref().and_then(|t| t.wasm_pack.as_deref()),
            Some("0.15.1")
        );
        let text = serde_json::to_string(&s).unwrap();
        assert_eq!(text, BUILT, "field names and order are the contract");
        let back: Summary = serde_json::from_str(&text).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn a_failed_summary_leaves_out_what_the_build_did_not_reach() {
        let mut s = Summary::new(Status::Failed);
        s.target = Some(WasmTarget::WasiHttp);
        s.error = Some(SummaryError {
            message: "cargo failed".into(),
            output: vec!["error[E0425]".into()],
        });
        let v: serde_json::Value = serde_json::to_value(&s).unwrap();
        assert_eq!(v["status"], "failed");
        assert_eq!(v["target"], "wasi-http");
        assert_eq!(v["error"]["output"][0], "error[E0425]");
        assert!(v.get("wasm").is_none() && v.get("out_dir").is_none());
        let back: Summary = serde_json::from_value(v).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn minimal_and_bad_summaries() {
        let s: Summary =
            serde_json::from_str(r#"{"status":"up-to-date","wasm":{"path":"lumen.wasm"}}"#)
                .unwrap();
        assert_eq!(s.status, Status::UpToDate);
        assert_eq!(s.wasm.unwrap().bytes, None);
        assert!(serde_json::from_str::<Summary>(r#"{"status":"exploded"}"#).is_err());
        assert!(serde_json::from_str::<Summary>(r#"{"status":"built","target":"deno"}"#).is_err());
    }
}
