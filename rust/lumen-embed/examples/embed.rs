//! `cargo run -p lumen-embed --example embed -- RUNTIME.wasm PROGRAM.lmb OUT.wasm`
//!
//! Embeds binary LIR (`lumen emit --format binary`) into the prebuilt WASI runtime
//! (`cargo build -p lumen-wasi-app --target wasm32-wasip1 --profile wasm-release`). The output is written
//! to a temporary file next to OUT and renamed, so a failure leaves nothing behind. Prints
//! the time the embedding took on standard error. Exit status: 0 written, 1 embed error,
//! 2 usage or I/O error.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

fn read(path: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read `{path}`: {e}"))
}

/// Writes `bytes` to `out` through a temporary file in the same folder.
fn write_atomic(out: &str, bytes: &[u8]) -> Result<(), String> {
    let out = Path::new(out);
    let file = out.file_name().map(|n| n.to_string_lossy().into_owned());
    let tmp = out.with_file_name(format!(
        ".{}.{}.tmp",
        file.unwrap_or_else(|| "out.wasm".into()),
        std::process::id()
    ));
    let result = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, out));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!("cannot write `{}`: {e}", out.display()));
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [runtime, program, out] = args.as_slice() else {
        eprintln!("usage: embed RUNTIME.wasm PROGRAM.lmb OUT.wasm");
        return ExitCode::from(2);
    };
    let (runtime, program) = match (read(runtime), read(program)) {
        (Ok(r), Ok(p)) => (r, p),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    let app = match lumen_embed::embed(&runtime, &program) {
        Ok(app) => app,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let took = started.elapsed();
    if let Err(e) = write_atomic(out, &app) {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    eprintln!(
        "embedded {} bytes of LIR into {} ({} bytes) in {:.2} ms",
        program.len(),
        out,
        app.len(),
        took.as_secs_f64() * 1000.0
    );
    ExitCode::SUCCESS
}
