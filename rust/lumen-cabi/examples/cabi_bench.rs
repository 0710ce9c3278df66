//! Lowering and lifting throughput: `cargo run --release -p lumen-cabi --example cabi_bench`.
//! A list of 100 000 records `{x: s64, y: f64, name: string, tags: list<string>,
//! shape: variant}` is lowered as an export result and lifted back as an import result.

use lumen_cabi::{lift_result, lower_result, CType, Case, Payload, VecMemory};
use serde_json::{json, Value};
use std::time::Instant;

fn main() {
    let shape = CType::Variant {
        name: "Shape".into(),
        cases: vec![
            Case {
                name: "Circle".into(),
                payload: Payload::Named(vec![("radius".into(), CType::F64)]),
            },
            Case {
                name: "Empty".into(),
                payload: Payload::None,
            },
        ],
    };
    let rec = CType::Record {
        name: "Row".into(),
        fields: vec![
            ("x".into(), CType::S64),
            ("y".into(), CType::F64),
            ("name".into(), CType::String),
            ("tags".into(), CType::List(Box::new(CType::String))),
            ("shape".into(), shape),
        ],
    };
    let ty = CType::List(Box::new(rec));
    let n = 100_000;
    let rows: Vec<Value> = (0..n)
        .map(|i| {
            json!({"x": i, "y": i as f64 * 0.5, "name": format!("row {i}"), "tags": ["a", "b"],
                   "shape": if i % 2 == 0 { json!({"Circle": {"radius": 1.5}}) } else { json!("Empty") }})
        })
        .collect();
    let v = Value::Array(rows);
    for _ in 0..3 {
        let mut m = VecMemory::new(8, u32::MAX);
        let t = Instant::now();
        let out = match lower_result(&ty, &v, &mut m) {
            Ok(o) => o,
            Err(e) => panic!("{e}"),
        };
        let lower = t.elapsed();
        let t = Instant::now();
        let back = lift_result(&ty, None, out[0] as u32, &m);
        let lift = t.elapsed();
        assert!(matches!(&back, Ok(b) if *b == v));
        println!(
            "{n} records: lower {:.1} ms ({:.0} ns/record), lift {:.1} ms ({:.0} ns/record), memory {} KiB",
            lower.as_secs_f64() * 1e3,
            lower.as_nanos() as f64 / n as f64,
            lift.as_secs_f64() * 1e3,
            lift.as_nanos() as f64 / n as f64,
            m.bytes.len() / 1024
        );
    }
}
