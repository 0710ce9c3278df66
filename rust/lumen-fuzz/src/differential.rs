//! The differential check's native half: generated programs that compile and finish within
//! the fuel, with what the native pipeline printed, displayed and failed with. The Node
//! script `tests/wasm/differential.mjs` runs the same programs through lumen-wasm and
//! compares.

use crate::exec::{Executor, Limits};
use crate::gen;
use crate::rng::Rng;
use serde_json::{json, Value};

/// Up to `count` recorded programs from seeds `seed, seed+1, ...` (at most `count * 20`
/// tried). Programs that run out of fuel or print more than the output cap are skipped.
pub fn record(count: usize, seed: u64, fuel: u64) -> Vec<Value> {
    let limits = Limits {
        fuel,
        max_output: 1 << 20,
        ..Limits::default()
    };
    let executor = Executor::new(limits);
    let mut out = vec![];
    for n in 0..(count as u64).saturating_mul(20) {
        if out.len() >= count {
            break;
        }
        let s = seed.wrapping_add(n);
        let mut rng = Rng::new(s);
        // One in ten: an Int/Float edge case (where a 32-bit host could differ).
        let source = if rng.below(10) == 0 {
            gen::int_edge(&mut rng)
        } else {
            gen::program(&mut rng)
        };
        let Some(rec) = executor.record(source.as_bytes(), fuel) else {
            continue;
        };
        let bytes: usize = rec.output.iter().map(|l| l.len() + 1).sum();
        if rec.error == Some("E0910") || bytes >= (1 << 20) - 4096 {
            continue;
        }
        out.push(json!({
            "name": format!("gen-{s}"),
            "seed": s,
            "source": source,
            "fuel": fuel,
            "output": rec.output,
            "display": rec.display,
            "error": rec.error,
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_programs_that_compile_and_finish() {
        let recs = record(20, 1, 100_000);
        assert_eq!(recs.len(), 20);
        for r in &recs {
            assert!(r["source"]
                .as_str()
                .is_some_and(|s| s.contains("cell main")));
            assert_ne!(r["error"], "E0910");
        }
    }
}
