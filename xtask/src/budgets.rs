//! `wasm-size.toml`: the WebAssembly artifacts `cargo xtask wasm-size` builds, their gzip
//! budgets and the sizes last recorded with `--record`.
//!
//! ```toml
//! [[artifact]]
//! name = "js"           # table row name; also the build directory <target>/wasm-size/<name>
//! target = "js"         # --wasm-target: js, wasi or wasi-http (web, nodejs, bundler: aliases of js)
//! vm_only = false       # --vm-only (optional, default false)
//! budget_gzip = 298000  # bytes of gzip (level 9) the main .wasm may take
//! [artifact.recorded]   # optional, rewritten by --record
//! raw = 743605
//! gzip = 283971
//! brotli = 230000
//! ```
//!
//! The file is read with `toml_edit` and kept as a document, so `--record` changes only the
//! recorded numbers and leaves comments, order and layout alone. Parsing is strict: unknown
//! keys, duplicate names and non-positive budgets are errors (a typo must not silently
//! disable a budget).

use crate::compress::Sizes;
use lumen_build_plan::WasmTarget;
use std::path::Path;
use toml_edit::{DocumentMut, Item, Table, TableLike, Value};

/// The `--wasm-target` values an artifact may use (every [`WasmTarget`]).
pub fn target_names() -> Vec<&'static str> {
    WasmTarget::all().iter().map(|t| t.name()).collect()
}

const ARTIFACT_KEYS: [&str; 5] = ["name", "target", "vm_only", "budget_gzip", "recorded"];
const RECORDED_KEYS: [&str; 3] = ["raw", "gzip", "brotli"];

/// Sizes recorded by the last `--record` (each may be missing).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recorded {
    /// Raw bytes.
    pub raw: Option<u64>,
    /// gzip bytes.
    pub gzip: Option<u64>,
    /// brotli bytes.
    pub brotli: Option<u64>,
}

/// One `[[artifact]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// Position in the `[[artifact]]` array.
    pub index: usize,
    /// Row name and build directory name (letters, digits, `-`, `_`, `.`).
    pub name: String,
    /// `--wasm-target`.
    pub target: WasmTarget,
    /// `--vm-only`.
    pub vm_only: bool,
    /// Largest allowed gzip size of the main `.wasm`, in bytes.
    pub budget_gzip: u64,
    /// Last recorded sizes.
    pub recorded: Recorded,
}

/// A parsed budgets file: the artifacts, and the document to rewrite on `--record`.
#[derive(Debug, Clone)]
pub struct Budgets {
    doc: DocumentMut,
    /// The artifacts in file order.
    pub artifacts: Vec<Artifact>,
}

impl Budgets {
    /// Reads and parses a budgets file.
    pub fn load(path: &Path) -> Result<Budgets, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Budgets::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses the text of a budgets file.
    pub fn parse(text: &str) -> Result<Budgets, String> {
        let doc: DocumentMut = text.parse().map_err(|e| format!("invalid TOML: {e}"))?;
        for (key, _) in doc.iter() {
            if key != "artifact" {
                return Err(format!("unknown top-level key `{key}`"));
            }
        }
        let tables = doc
            .get("artifact")
            .and_then(Item::as_array_of_tables)
            .ok_or("no [[artifact]] tables")?;
        let mut artifacts: Vec<Artifact> = Vec::new();
        for (index, table) in tables.iter().enumerate() {
            let artifact = parse_artifact(index, table).map_err(|e| {
                match table.get("name").and_then(Item::as_str) {
                    Some(name) => format!("artifact {} ({name}): {e}", index + 1),
                    None => format!("artifact {}: {e}", index + 1),
                }
            })?;
            if artifacts.iter().any(|a| a.name == artifact.name) {
                return Err(format!("artifact name `{}` appears twice", artifact.name));
            }
            artifacts.push(artifact);
        }
        if artifacts.is_empty() {
            return Err("no [[artifact]] tables".to_string());
        }
        Ok(Budgets { doc, artifacts })
    }

    /// Sets the recorded sizes of the artifact at `index` (in the document and in
    /// [`Budgets::artifacts`]), keeping the comments around existing values.
    pub fn record(&mut self, index: usize, sizes: &Sizes) -> Result<(), String> {
        let table = self
            .doc
            .get_mut("artifact")
            .and_then(Item::as_array_of_tables_mut)
            .and_then(|tables| tables.get_mut(index))
            .ok_or_else(|| format!("no artifact number {}", index + 1))?;
        let recorded = table
            .entry("recorded")
            .or_insert_with(|| Item::Table(Table::new()))
            .as_table_like_mut()
            .ok_or("`recorded` is not a table")?;
        set_int(recorded, "raw", sizes.raw);
        set_int(recorded, "gzip", sizes.gzip);
        set_int(recorded, "brotli", sizes.brotli);
        if let Some(artifact) = self.artifacts.iter_mut().find(|a| a.index == index) {
            artifact.recorded = Recorded {
                raw: Some(sizes.raw),
                gzip: Some(sizes.gzip),
                brotli: Some(sizes.brotli),
            };
        }
        Ok(())
    }

    /// The document as TOML text (with any recorded changes).
    pub fn to_toml(&self) -> String {
        self.doc.to_string()
    }

    /// Writes the document to `path` (through a temporary file renamed over it).
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        std::fs::write(&tmp, self.to_toml())
            .and_then(|()| std::fs::rename(&tmp, path))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    }
}

fn parse_artifact(index: usize, table: &Table) -> Result<Artifact, String> {
    for (key, _) in table.iter() {
        if !ARTIFACT_KEYS.contains(&key) {
            return Err(format!("unknown key `{key}`"));
        }
    }
    let name = table
        .get("name")
        .and_then(Item::as_str)
        .ok_or("`name` (a string) is missing")?;
    let name_ok = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !name_ok {
        return Err(format!(
            "name `{name}` must be letters, digits, `-`, `_` or `.` (it names a directory)"
        ));
    }
    let target = table
        .get("target")
        .and_then(Item::as_str)
        .ok_or("`target` (a string) is missing")?;
    let Ok(target) = target.parse::<WasmTarget>() else {
        return Err(format!(
            "target `{target}` is not one of {}",
            target_names().join(", ")
        ));
    };
    let vm_only = match table.get("vm_only") {
        None => false,
        Some(item) => item.as_bool().ok_or("`vm_only` must be true or false")?,
    };
    let budget_gzip = match table.get("budget_gzip") {
        None => return Err("`budget_gzip` is missing".to_string()),
        Some(item) => match item.as_integer() {
            Some(n) if n > 0 => n as u64,
            _ => return Err("`budget_gzip` must be a positive integer (bytes)".to_string()),
        },
    };
    let recorded = match table.get("recorded") {
        None => Recorded::default(),
        Some(item) => {
            let t = item.as_table_like().ok_or("`recorded` must be a table")?;
            for (key, _) in t.iter() {
                if !RECORDED_KEYS.contains(&key) {
                    return Err(format!("unknown key `recorded.{key}`"));
                }
            }
            Recorded {
                raw: size(t, "raw")?,
                gzip: size(t, "gzip")?,
                brotli: size(t, "brotli")?,
            }
        }
    };
    Ok(Artifact {
        index,
        name: name.to_string(),
        target,
        vm_only,
        budget_gzip,
        recorded,
    })
}

/// An optional non-negative integer of a `recorded` table.
fn size(table: &dyn TableLike, key: &str) -> Result<Option<u64>, String> {
    match table.get(key) {
        None => Ok(None),
        Some(item) => match item.as_integer() {
            Some(n) if n >= 0 => Ok(Some(n as u64)),
            _ => Err(format!(
                "`recorded.{key}` must be a non-negative integer (bytes)"
            )),
        },
    }
}

/// Sets `key` to `n`, keeping the old value's decoration (spacing and trailing comment).
fn set_int(table: &mut dyn TableLike, key: &str, n: u64) {
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    match table.get_mut(key).and_then(Item::as_value_mut) {
        Some(old) => {
            let decor = old.decor().clone();
            *old = Value::from(n);
            *old.decor_mut() = decor;
        }
        None => {
            table.insert(key, toml_edit::value(n));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"# Budgets for the wasm artifacts.

[[artifact]]
name = "js"           # row name
target = "js"
budget_gzip = 298000  # bytes
[artifact.recorded]   # written by --record
raw = 743605    # raw comment
gzip = 283971
brotli = 0

# The VM alone.
[[artifact]]
name = "vm-js"
target = "js"
vm_only = true
budget_gzip = 192000
"#;

    fn sizes(raw: u64, gzip: u64, brotli: u64) -> Sizes {
        Sizes { raw, gzip, brotli }
    }

    #[test]
    fn parses_artifacts_with_defaults() {
        let b = Budgets::parse(SAMPLE).unwrap();
        assert_eq!(b.artifacts.len(), 2);
        let web = &b.artifacts[0];
        assert_eq!(
            (
                web.index,
                web.name.as_str(),
                web.target.name(),
                web.vm_only,
                web.budget_gzip
            ),
            (0, "js", "js", false, 298000)
        );
        assert_eq!(
            web.recorded,
            Recorded {
                raw: Some(743605),
                gzip: Some(283971),
                brotli: Some(0)
            }
        );
        let vm = &b.artifacts[1];
        assert_eq!((vm.index, vm.vm_only, vm.budget_gzip), (1, true, 192000));
        assert_eq!(vm.recorded, Recorded::default());
    }

    #[test]
    fn the_checked_in_file_parses() {
        let path = crate::root().join("wasm-size.toml");
        let b = Budgets::load(&path).unwrap();
        let names: Vec<&str> = b.artifacts.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["js", "vm-js", "wasi", "wasi-http"]);
    }

    #[test]
    fn rejects_malformed_files() {
        let cases = [
            ("", "no [[artifact]] tables"),
            ("x = 1", "unknown top-level key `x`"),
            ("[[artifact]\n", "invalid TOML"),
            (
                "[[artifact]]\ntarget = \"js\"\nbudget_gzip = 1",
                "artifact 1: `name` (a string) is missing",
            ),
            (
                "[[artifact]]\nname = \"a/b\"\ntarget = \"js\"\nbudget_gzip = 1",
                "must be letters",
            ),
            (
                "[[artifact]]\nname = \"..\"\ntarget = \"js\"\nbudget_gzip = 1",
                "must be letters",
            ),
            (
                "[[artifact]]\nname = \"a\"\ntarget = \"deno\"\nbudget_gzip = 1",
                "artifact 1 (a): target `deno` is not one of js, wasi, wasi-http",
            ),
            (
                "[[artifact]]\nname = \"a\"\ntarget = \"js\"",
                "`budget_gzip` is missing",
            ),
            (
                "[[artifact]]\nname = \"a\"\ntarget = \"js\"\nbudget_gzip = 0",
                "positive integer",
            ),
            (
                "[[artifact]]\nname = \"a\"\ntarget = \"js\"\nbudget_gzip = \"300k\"",
                "positive integer",
            ),
            (
                "[[artifact]]\nname = \"a\"\ntarget = \"js\"\nbudget_gz = 1",
                "unknown key `budget_gz`",
            ),
            (
                "[[artifact]]\nname = \"a\"\ntarget = \"js\"\nvm_only = 1\nbudget_gzip = 1",
                "`vm_only` must be true or false",
            ),
            (
                "[[artifact]]\nname = \"a\"\ntarget = \"js\"\nbudget_gzip = 1\nrecorded = { raw = -1 }",
                "`recorded.raw` must be a non-negative integer",
            ),
            (
                "[[artifact]]\nname = \"a\"\ntarget = \"js\"\nbudget_gzip = 1\nrecorded = { zopfli = 1 }",
                "unknown key `recorded.zopfli`",
            ),
            (
                "[[artifact]]\nname = \"a\"\ntarget = \"js\"\nbudget_gzip = 1\n[[artifact]]\nname = \"a\"\ntarget = \"wasi\"\nbudget_gzip = 1",
                "artifact name `a` appears twice",
            ),
        ];
        for (text, want) in cases {
            let err = Budgets::parse(text).unwrap_err();
            assert!(err.contains(want), "{text:?}: got {err:?}, want {want:?}");
        }
    }

    #[test]
    fn record_rewrites_numbers_and_keeps_comments() {
        let mut b = Budgets::parse(SAMPLE).unwrap();
        b.record(0, &sizes(744809, 284012, 231000)).unwrap();
        let text = b.to_toml();
        let want = SAMPLE
            .replace(
                "raw = 743605    # raw comment",
                "raw = 744809    # raw comment",
            )
            .replace("gzip = 283971", "gzip = 284012")
            .replace("brotli = 0", "brotli = 231000");
        assert_eq!(text, want);
        assert_eq!(b.artifacts[0].recorded.gzip, Some(284012));
        // The rewritten text parses back to the same numbers.
        let again = Budgets::parse(&text).unwrap();
        assert_eq!(again.artifacts[0].recorded, b.artifacts[0].recorded);
    }

    #[test]
    fn record_adds_a_recorded_table_where_there_was_none() {
        let mut b = Budgets::parse(SAMPLE).unwrap();
        b.record(1, &sizes(463169, 183118, 150000)).unwrap();
        let text = b.to_toml();
        assert!(text.starts_with(SAMPLE), "the rest is unchanged:\n{text}");
        let again = Budgets::parse(&text).unwrap();
        assert_eq!(
            again.artifacts[1].recorded,
            Recorded {
                raw: Some(463169),
                gzip: Some(183118),
                brotli: Some(150000)
            }
        );
        assert_eq!(again.artifacts[0], b.artifacts[0]);
    }

    #[test]
    fn record_fills_an_inline_recorded_table() {
        let text = "[[artifact]]\nname = \"a\"\ntarget = \"wasi\"\nbudget_gzip = 5\nrecorded = { raw = 1 } # inline\n";
        let mut b = Budgets::parse(text).unwrap();
        b.record(0, &sizes(10, 7, 6)).unwrap();
        let out = b.to_toml();
        assert!(out.contains("# inline"), "{out}");
        let again = Budgets::parse(&out).unwrap();
        assert_eq!(again.artifacts[0].recorded.raw, Some(10));
        assert_eq!(again.artifacts[0].recorded.brotli, Some(6));
    }

    #[test]
    fn record_of_an_unknown_index_fails() {
        let mut b = Budgets::parse(SAMPLE).unwrap();
        assert_eq!(
            b.record(7, &sizes(1, 1, 1)).unwrap_err(),
            "no artifact number 8"
        );
    }

    #[test]
    fn save_writes_the_document() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.toml");
        std::fs::write(&path, SAMPLE).unwrap();
        let mut b = Budgets::load(&path).unwrap();
        b.record(1, &sizes(3, 2, 1)).unwrap();
        b.save(&path).unwrap();
        let reloaded = Budgets::load(&path).unwrap();
        assert_eq!(reloaded.artifacts[1].recorded.raw, Some(3));
        assert!(!dir.path().join("b.toml.tmp").exists());
        let missing = Budgets::load(&dir.path().join("none.toml")).unwrap_err();
        assert!(missing.contains("cannot read"), "{missing}");
    }
}
