//! `cargo xtask wasm-size --check` with the REAL `lumen build` (the dev `lumen` xtask builds
//! itself): a budget set far too low must fail the check, and the table must show the real
//! size of the release module.

use assert_cmd::Command;
use predicates::prelude::*;

#[test]
fn real_release_build_over_a_tiny_budget_fails_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let budgets = dir.path().join("budgets.toml");
    std::fs::write(
        &budgets,
        "[[artifact]]\nname = \"web\"\ntarget = \"web\"\nbudget_gzip = 1000\n",
    )
    .unwrap();
    let out = Command::cargo_bin("xtask")
        .unwrap()
        .env_remove("LUMEN_BIN")
        .args(["wasm-size", "--check", "--target", "js", "--budgets"])
        .arg(&budgets)
        .timeout(std::time::Duration::from_secs(3000))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("web is over budget"));
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let row = stdout
        .lines()
        .find(|l| l.starts_with("web "))
        .unwrap_or_else(|| panic!("no web row in:\n{stdout}"));
    // raw bytes of a real optimised module: hundreds of kilobytes, not a stub
    let raw: u64 = row
        .split_whitespace()
        .nth(1)
        .unwrap()
        .replace(',', "")
        .parse()
        .unwrap();
    assert!(raw > 100_000, "{row}");
    assert!(row.contains("OVER"), "{row}");
}
