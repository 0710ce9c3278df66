//! The position table of a function: which source line and column each instruction
//! evaluates, stored compactly in binary LIR and looked up when an error is reported.
//!
//! In memory it is one [`Pos`] per instruction (`Function::positions`; looked up only on
//! an error, so a plain index). In a `.lmb` file it is run-length and delta encoded:
//! consecutive instructions of one expression share a position, so the table is a count
//! of [`Run`]s, each `instructions` (≥ 1), the line as a difference from the previous
//! run's (zig-zag) and the column, all varints. An empty table (no runs) is a stripped one
//! (`lumen emit --strip`); otherwise the runs cover every instruction exactly.

use crate::lir::Pos;

/// Consecutive instructions at one position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Run {
    /// How many instructions (at least one).
    pub instructions: u32,
    /// The line minus the previous run's line (the first run's minus 0).
    pub line_delta: i64,
    /// The column.
    pub column: u32,
}

/// The runs of `positions`, in order.
pub(crate) fn runs(positions: &[Pos]) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    let mut prev_line = 0u32;
    let mut last: Option<Pos> = None;
    for &p in positions {
        match runs.last_mut() {
            Some(run) if last == Some(p) => run.instructions += 1,
            _ => {
                runs.push(Run {
                    instructions: 1,
                    line_delta: i64::from(p.line) - i64::from(prev_line),
                    column: p.column,
                });
                prev_line = p.line;
                last = Some(p);
            }
        }
    }
    runs
}

/// Rebuilds a table of `code_len` positions from its runs, fed one at a time; every
/// error names what is wrong with the table.
pub(crate) struct Expander {
    positions: Vec<Pos>,
    code_len: usize,
    line: u32,
}

impl Expander {
    /// A table for a function of `code_len` instructions.
    pub fn new(code_len: usize) -> Expander {
        Expander {
            positions: Vec::new(),
            code_len,
            line: 0,
        }
    }

    /// Appends one run.
    pub fn push(&mut self, run: Run) -> Result<(), &'static str> {
        let n = run.instructions as usize;
        if n == 0 {
            return Err("empty position run");
        }
        if n > self.code_len - self.positions.len() {
            return Err("position table longer than the code");
        }
        self.line = i64::from(self.line)
            .checked_add(run.line_delta)
            .and_then(|l| u32::try_from(l).ok())
            .ok_or("position line out of range")?;
        if self.positions.is_empty() {
            self.positions.reserve_exact(self.code_len);
        }
        let p = Pos::new(self.line, run.column);
        self.positions.extend(std::iter::repeat_n(p, n));
        Ok(())
    }

    /// The table, once every run is in: empty (stripped) or one position per instruction.
    pub fn finish(self) -> Result<Vec<Pos>, &'static str> {
        if self.positions.is_empty() || self.positions.len() == self.code_len {
            Ok(self.positions)
        } else {
            Err("position table shorter than the code")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(runs: &[Run], len: usize) -> Result<Vec<Pos>, &'static str> {
        let mut e = Expander::new(len);
        for &r in runs {
            e.push(r)?;
        }
        e.finish()
    }

    #[test]
    fn runs_round_trip() {
        let table = [
            Pos::new(3, 5),
            Pos::new(3, 5),
            Pos::new(3, 9),
            Pos::new(2, 1),
            Pos::new(2, 1),
            Pos::new(40, 17),
        ];
        let r = runs(&table);
        assert_eq!(r.len(), 4);
        assert_eq!(
            r[2],
            Run {
                instructions: 2,
                line_delta: -1,
                column: 1
            }
        );
        assert_eq!(expand(&r, table.len()).unwrap(), table);
        assert!(runs(&[]).is_empty());
        assert_eq!(expand(&[], 7).unwrap(), [], "no runs: stripped");
    }

    #[test]
    fn bad_tables_are_errors() {
        let run = |instructions, line_delta| Run {
            instructions,
            line_delta,
            column: 1,
        };
        assert_eq!(expand(&[run(0, 1)], 3), Err("empty position run"));
        assert_eq!(
            expand(&[run(2, 1), run(2, 0)], 3),
            Err("position table longer than the code")
        );
        assert_eq!(
            expand(&[run(2, 1)], 3),
            Err("position table shorter than the code")
        );
        assert_eq!(expand(&[run(1, -1)], 3), Err("position line out of range"));
        assert_eq!(
            expand(&[run(1, i64::from(u32::MAX) + 1)], 3),
            Err("position line out of range")
        );
        // A delta whose sum with the line overflows i64 (found by the fuzzer) is the same
        // error, not a panic; so is the most negative delta.
        assert_eq!(
            expand(&[run(1, 5), run(1, i64::MAX)], 3),
            Err("position line out of range")
        );
        assert_eq!(
            expand(&[run(1, i64::MIN)], 3),
            Err("position line out of range")
        );
    }
}
