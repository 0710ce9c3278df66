//! Delta debugging (ddmin) of a failing input: lines first, then tokens, then characters,
//! keeping every step that still fails the same way.
//!
//! The predicate is given by the caller: the driver re-runs each candidate in a fresh worker
//! process ([`crate::repro`]) and compares the failure kind.

use std::time::{Duration, Instant};

/// How much work a minimisation may do.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Most predicate calls.
    pub tests: usize,
    /// Wall-clock limit.
    pub time: Duration,
}

struct Counter {
    left: usize,
    deadline: Instant,
}

impl Counter {
    fn spent(&self) -> bool {
        self.left == 0 || Instant::now() >= self.deadline
    }
}

fn ddmin<T: Clone>(
    mut items: Vec<T>,
    join: &dyn Fn(&[T]) -> Vec<u8>,
    test: &mut dyn FnMut(&[u8]) -> bool,
    budget: &mut Counter,
) -> Vec<T> {
    let mut n = 2usize;
    while items.len() >= 2 && !budget.spent() {
        let chunk = items.len().div_ceil(n);
        let mut reduced = false;
        let mut start = 0;
        while start < items.len() && !budget.spent() {
            let end = (start + chunk).min(items.len());
            let mut candidate = items[..start].to_vec();
            candidate.extend_from_slice(&items[end..]);
            budget.left = budget.left.saturating_sub(1);
            if test(&join(&candidate)) {
                items = candidate;
                reduced = true;
                n = (n - 1).max(2);
                break;
            }
            start = end;
        }
        if !reduced {
            if n >= items.len() {
                break;
            }
            n = (n * 2).min(items.len());
        }
    }
    items
}

/// The smallest input found that still satisfies `test` (which `input` must satisfy).
pub fn minimize(input: &[u8], test: &mut dyn FnMut(&[u8]) -> bool, budget: Budget) -> Vec<u8> {
    let mut counter = Counter {
        left: budget.tests,
        deadline: Instant::now() + budget.time,
    };
    let join_bytes = |parts: &[Vec<u8>]| parts.concat();
    // lines
    let lines: Vec<Vec<u8>> = input
        .split_inclusive(|b| *b == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    let mut cur = ddmin(lines, &join_bytes, test, &mut counter).concat();
    // tokens (or bytes when not UTF-8)
    let parts: Vec<Vec<u8>> = match std::str::from_utf8(&cur) {
        Ok(text) => crate::mutate::tokens(text)
            .into_iter()
            .map(|t| t.as_bytes().to_vec())
            .collect(),
        Err(_) => cur.iter().map(|b| vec![*b]).collect(),
    };
    cur = ddmin(parts, &join_bytes, test, &mut counter).concat();
    // characters
    if let Ok(text) = std::str::from_utf8(&cur) {
        let chars: Vec<Vec<u8>> = text.chars().map(|c| c.to_string().into_bytes()).collect();
        cur = ddmin(chars, &join_bytes, test, &mut counter).concat();
    }
    cur
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget() -> Budget {
        Budget {
            tests: 10_000,
            time: Duration::from_secs(30),
        }
    }

    #[test]
    fn keeps_only_what_the_failure_needs() {
        // Synthetic failure: the input "crashes" when it holds `boom(` and a later `)`.
        let input = b"cell main()\n  let a = 1\n  print(a)\n  boom(1 + 2)\n  let b = 3\nend\n";
        let mut fails = |s: &[u8]| {
            let t = String::from_utf8_lossy(s);
            t.find("boom(").is_some_and(|i| t[i..].contains(')'))
        };
        let min = minimize(input, &mut fails, budget());
        assert_eq!(min, b"boom()");
    }

    #[test]
    fn a_failure_needing_many_lines_keeps_them() {
        let input: Vec<u8> = (0..40)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        let mut fails = |s: &[u8]| s.iter().filter(|b| **b == b'\n').count() >= 10;
        let min = minimize(&input, &mut fails, budget());
        assert_eq!(min, b"\n\n\n\n\n\n\n\n\n\n");
    }

    #[test]
    fn the_budget_bounds_the_work() {
        let input = vec![b'x'; 1000];
        let mut calls = 0;
        let mut fails = |_: &[u8]| {
            calls += 1;
            false
        };
        let _ = minimize(
            &input,
            &mut fails,
            Budget {
                tests: 25,
                time: Duration::from_secs(30),
            },
        );
        assert!(calls <= 25, "{calls} calls");
    }
}
