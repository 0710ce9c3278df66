//! Runs the `main` cell of a precompiled binary LIR file on the VM alone and prints its
//! value and the time it took: `lumen emit prog.lm -o prog.lmb`, then
//! `cargo run --release -p lumen-vm --example run_lmb -- prog.lmb` (for comparing VM
//! builds on the benchmark programs without rebuilding the compiler).

use std::rc::Rc;
use std::time::Instant;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: run_lmb FILE.lmb");
        std::process::exit(2);
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    };
    let module = match lumen_vm::binary::decode(&bytes) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let t = Instant::now();
    match lumen_vm::run_to_end(Rc::new(module), "main", vec![]) {
        Ok(v) => println!("{path} {:.3} s -> {v}", t.elapsed().as_secs_f64()),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
