//! How busy the machine's cores were during a step: the share of CPU time (all cores) spent
//! outside the idle and I/O-wait states between two readings of `/proc/stat`. `cargo xtask
//! ci` prints it per step, so that a slow step shows whether it kept the cores busy (more
//! parallel work would not help) or left them idle (it would). Linux only; elsewhere there
//! is no reading and the summary leaves the column empty.

/// One reading of the machine-wide counters of `/proc/stat`, in clock ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    busy: u64,
    total: u64,
}

impl Reading {
    /// The counters now, or `None` when `/proc/stat` cannot be read or parsed.
    pub fn now() -> Option<Reading> {
        parse(&std::fs::read_to_string("/proc/stat").ok()?)
    }

    /// The busy share of the time from `self` to `later`, in percent (of all cores).
    pub fn busy_percent(self, later: Reading) -> Option<u32> {
        let total = later.total.checked_sub(self.total)?;
        let busy = later.busy.checked_sub(self.busy)?;
        (total > 0).then(|| ((busy * 100 + total / 2) / total) as u32)
    }
}

/// Parses the first line of `/proc/stat`: `cpu user nice system idle iowait irq softirq
/// steal …`. Busy is everything but idle and iowait.
pub fn parse(stat: &str) -> Option<Reading> {
    let line = stat.lines().next()?;
    let mut fields = line.split_whitespace();
    if fields.next()? != "cpu" {
        return None;
    }
    let values: Vec<u64> = fields
        .take(8)
        .map(|f| f.parse().ok())
        .collect::<Option<_>>()?;
    if values.len() < 5 {
        return None;
    }
    let total: u64 = values.iter().sum();
    let idle = values[3] + values[4];
    Some(Reading {
        busy: total - idle,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_cpu_line_and_the_busy_share() {
        let a = parse("cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 1 2 3\n").unwrap();
        let b = parse("cpu  250 0 150 850 150 0 0 0 0 0\n").unwrap();
        // 200 busy ticks of 400.
        assert_eq!(a.busy_percent(b), Some(50));
        assert_eq!(a.busy_percent(a), None, "no time passed");
        assert_eq!(b.busy_percent(a), None, "counters went backwards");
        assert_eq!(parse("intr 1 2 3\n"), None);
        assert_eq!(parse("cpu 1 2 x 4 5\n"), None);
        assert_eq!(parse("cpu 1 2 3\n"), None);
    }
}
