//! Lumen stack traces from `lumen run` (issue 14 items 1, 2 and 6): an error three cells
//! deep and across an import, a recursion-depth error's capped trace, and binary LIR with
//! and without its position tables. The expected text is `tests/traces/*.stderr`, which
//! the JavaScript and WASI tests compare against too (`tests/traces/README.md`);
//! `BLESS=1 cargo test -p lumen-cli --test traces` rewrites it (review the diff).

use std::path::{Path, PathBuf};

#[path = "support/tools.rs"]
#[allow(dead_code)] // only `lumen()` is used here
mod tools;
use tools::lumen;

fn traces() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/traces")
}

/// `lumen ARGS` in `dir`: (exit code, stdout, stderr).
fn run_in(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = lumen()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("lumen runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Asserts `actual` is `tests/traces/{name}` (or rewrites it under `BLESS=1`).
fn expect_file(name: &str, actual: &str) {
    let path = traces().join(name);
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&path, actual).expect("bless");
        return;
    }
    let expected =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(actual, expected, "{name} differs");
}

#[test]
fn issue14_an_error_three_cells_deep_and_across_an_import_prints_every_frame() {
    let (code, out, err) = run_in(&traces(), &["run", "app.lm.md"]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(out, "before\n", "what was printed before the error stays");
    // Innermost first: the failing expression in the imported file, then each pending
    // call, with the lines of the original markdown file.
    assert!(
        err.contains("\n  = at pick (lib/checks.lm:3:3)\n  = at middle (app.lm.md:11:19)\n  = at main (app.lm.md:17:3)\n"),
        "{err}"
    );
    expect_file("app.stderr", &err);
}

#[test]
fn issue14_a_recursion_depth_error_has_a_capped_trace() {
    let (code, _, err) = run_in(&traces(), &["run", "deep.lm"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.starts_with("error[E0909]: "), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    // Header, location, 10 inner frames, the gap, 3 outer frames.
    assert_eq!(lines.len(), 2 + 10 + 1 + 3, "{err}");
    assert_eq!(lines[12], "  = \u{2026} 9,987 more frames");
    assert_eq!(lines[15], "  = at main (deep.lm:7:3)");
    expect_file("deep.stderr", &err);
}

#[test]
fn issue14_binary_lir_keeps_positions_and_strip_falls_back_to_cell_names() {
    let work = tempfile::tempdir().unwrap();
    let full = work.path().join("app.lmb");
    let stripped = work.path().join("stripped.lmb");
    // Emitted from its folder, so the files are named as `lumen run app.lm.md` names them.
    let app = "app.lm.md";
    let (code, _, err) = run_in(&traces(), &["emit", app, "-o", full.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    let (code, _, err) = run_in(
        &traces(),
        &["emit", app, "--strip", "-o", stripped.to_str().unwrap()],
    );
    assert_eq!(code, Some(0), "{err}");
    let (full_len, stripped_len) = (
        std::fs::metadata(&full).unwrap().len(),
        std::fs::metadata(&stripped).unwrap().len(),
    );
    assert!(stripped_len < full_len, "{stripped_len} vs {full_len}");

    // With positions, binary LIR reports exactly what the source does.
    let (code, out, err) = run_in(work.path(), &["run", "app.lmb"]);
    assert_eq!((code, out.as_str()), (Some(1), "before\n"), "{err}");
    expect_file("app.stderr", &err);
    // Stripped, it still runs and names the cells and files of the stack.
    let (code, out, err) = run_in(work.path(), &["run", "stripped.lmb"]);
    assert_eq!((code, out.as_str()), (Some(1), "before\n"), "{err}");
    assert!(err.contains("\n  --> lib/checks.lm (in pick)\n"), "{err}");
    expect_file("app.stripped.stderr", &err);
    // The JSON form has the table too, and --strip empties it.
    let (_, json, _) = run_in(&traces(), &["emit", app]);
    assert!(json.contains("\"positions\": [\n"), "positions in JSON LIR");
    let (_, json, _) = run_in(&traces(), &["emit", app, "--strip"]);
    assert!(json.contains("\"positions\": []"), "stripped JSON LIR");
}
