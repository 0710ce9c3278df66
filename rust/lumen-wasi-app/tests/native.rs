//! The app's run path, in a native build of it (the program comes from the file named by
//! `LUMEN_WASI_APP_LIR` instead of the `lumen:program` imports). The real engines run the
//! wasm build in tests/wasm/node/wasi_app.test.mjs.

use lumen_vm::lir::{Function, Instr, Module, LIR_VERSION};
use std::process::{Command, Output};

/// A program whose exported cell `name(n: Int, s: String) -> Int` returns `n`.
fn program(name: &str) -> Vec<u8> {
    lumen_vm::binary::encode(&Module {
        version: LIR_VERSION,
        files: vec!["app.lm.md".into()],
        functions: vec![Function {
            name: name.into(),
            file: 0,
            arity: 2,
            params: vec!["n".into(), "s".into()],
            param_types: vec!["Int".into(), "String".into()],
            captures: 0,
            num_regs: 2,
            exported: true,
            code: vec![Instr::Return { src: 0 }],
            positions: vec![lumen_vm::lir::Pos::new(1, 1)],
        }],
        ..Module::default()
    })
}

fn run(lir: Option<&[u8]>, args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lumen-wasi-app"));
    cmd.args(args).env_remove("LUMEN_WASI_APP_LIR");
    if let Some(lir) = lir {
        let path = dir.path().join("app.lmb");
        std::fs::write(&path, lir).unwrap();
        cmd.env("LUMEN_WASI_APP_LIR", &path);
    }
    cmd.output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn issue11_item5_the_app_runs_main_with_its_arguments_converted() {
    let out = run(Some(&program("main")), &["41", "x"]);
    assert_eq!(text(&out.stdout), "41\n");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn issue11_item5_bad_arguments_are_e0913_with_exit_1() {
    let out = run(Some(&program("main")), &["forty", "x"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.starts_with(
            "error[E0913]: argument 1 (`n: Int`) of cell `main`: expected an Int, got `forty`"
        ),
        "{err}"
    );
    let out = run(Some(&program("main")), &["1"]);
    assert!(text(&out.stderr).contains("takes 2 arguments (n: Int, s: String), got 1"));
}

#[test]
fn issue11_item5_a_program_without_main_is_e0311_against_its_file() {
    let out = run(Some(&program("other")), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error[E0311]: no cell named `main` to run (cells: other)\n  --> app.lm.md\n"
    );
}

#[test]
fn issue11_item5_invalid_lir_is_e0912_and_no_program_is_exit_2() {
    let out = run(Some(b"LMB\0garbage"), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("E0912"), "{}", text(&out.stderr));
    let out = run(None, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no program is embedded"));
}
