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
        // One pass over the chunks; a removed chunk's successor slides into its place.
        while start < items.len() && !budget.spent() {
            let end = (start + chunk).min(items.len());
            let mut candidate = items[..start].to_vec();
            candidate.extend_from_slice(&items[end..]);
            budget.left = budget.left.saturating_sub(1);
            if !candidate.is_empty() && test(&join(&candidate)) {
                items = candidate;
                reduced = true;
            } else {
                start = end;
            }
        }
        if reduced {
            n = (n - 1).max(2).min(items.len().max(2));
        } else {
            if n >= items.len() {
                break;
            }
            n = (n * 2).min(items.len());
        }
    }
    items
}

/// Shrinks long repetitions (`1 + 1 + …`, `(1)(1)…`, a line repeated 300 times): for each
/// run of one block of 1–8 items repeated at least 8 times, binary-searches the fewest
/// repetitions that still fail. Chains need a minimum length to fail, which plain ddmin only
/// approaches in many small steps.
fn shrink_runs(
    mut items: Vec<Vec<u8>>,
    test: &mut dyn FnMut(&[u8]) -> bool,
    budget: &mut Counter,
) -> Vec<Vec<u8>> {
    let mut start = 0;
    while start < items.len() && !budget.spent() {
        let mut best: Option<(usize, usize)> = None; // (period, repetitions)
        for period in 1..=8usize {
            if start + 2 * period > items.len() {
                break;
            }
            let mut reps = 1;
            while start + (reps + 1) * period <= items.len()
                && items[start + reps * period..start + (reps + 1) * period]
                    == items[start..start + period]
            {
                reps += 1;
            }
            if reps >= 8 && best.is_none_or(|(p, r)| reps * period > p * r) {
                best = Some((period, reps));
            }
        }
        let Some((period, reps)) = best else {
            start += 1;
            continue;
        };
        // Fewest repetitions that still fail, assuming more repetitions fail too.
        let with = |n: usize, items: &[Vec<u8>]| -> Vec<u8> {
            let mut v = items[..start].concat();
            for _ in 0..n {
                v.extend(items[start..start + period].concat());
            }
            v.extend(items[start + reps * period..].concat());
            v
        };
        let (mut lo, mut hi) = (0usize, reps);
        while lo < hi && !budget.spent() {
            let mid = lo + (hi - lo) / 2;
            budget.left = budget.left.saturating_sub(1);
            if test(&with(mid, &items)) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        if hi < reps {
            let block: Vec<Vec<u8>> = items[start..start + period].to_vec();
            let tail = items.split_off(start + reps * period);
            items.truncate(start);
            for _ in 0..hi {
                items.extend(block.iter().cloned());
            }
            items.extend(tail);
        }
        start += (hi * period).max(1);
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
    let lines = shrink_runs(lines, test, &mut counter);
    let mut cur = ddmin(lines, &join_bytes, test, &mut counter).concat();
    // tokens (or bytes when not UTF-8)
    let parts: Vec<Vec<u8>> = match std::str::from_utf8(&cur) {
        Ok(text) => crate::mutate::tokens(text)
            .into_iter()
            .map(|t| t.as_bytes().to_vec())
            .collect(),
        Err(_) => cur.iter().map(|b| vec![*b]).collect(),
    };
    let parts = shrink_runs(parts, test, &mut counter);
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
    fn long_chains_shrink_to_the_length_that_fails() {
        // Synthetic stack overflow: fails when the chain has at least 300 terms.
        let mut input = b"cell main()\n  let x = 1".to_vec();
        for _ in 0..5_000 {
            input.extend_from_slice(b" + 1");
        }
        input.extend_from_slice(b"\n  print(x)\nend\n");
        let mut fails = |s: &[u8]| String::from_utf8_lossy(s).matches("+ 1").count() >= 300;
        // A small budget is enough: the repetition is binary-searched, not nibbled at.
        let small = Budget {
            tests: 100,
            time: Duration::from_secs(30),
        };
        let min = minimize(&input, &mut fails, small);
        let text = String::from_utf8_lossy(&min);
        assert_eq!(text.matches("+ 1").count(), 300);
        assert!(min.len() < 1_300, "{} bytes", min.len());
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
