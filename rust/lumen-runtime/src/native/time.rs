//! `time.now {}`: the current time as `{"unix_ms": Int, "iso": "YYYY-MM-DDTHH:MM:SS.mmmZ"}`.

use crate::provider::{CallContext, ToolError, ToolProvider};
use serde_json::{json, Value};
use std::time::{SystemTime, UNIX_EPOCH};

/// The `time.now` provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct TimeNow;

impl ToolProvider for TimeNow {
    fn name(&self) -> &str {
        "time.now"
    }

    fn schema(&self) -> Option<Value> {
        Some(json!({"type": "object", "properties": {}}))
    }

    fn call(&self, _args: &Value, ctx: &CallContext) -> Result<Value, ToolError> {
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(|_| {
                ToolError::failed(format!("{}: the clock is before 1970", ctx.describe()))
            })?
            .as_millis();
        let ms = i64::try_from(ms).map_err(|_| ToolError::failed("the clock is out of range"))?;
        Ok(json!({ "unix_ms": ms, "iso": iso8601(ms) }))
    }
}

/// Days since 1970-01-01 to a civil (year, month, day) date (proleptic Gregorian).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Formats Unix milliseconds as an ISO 8601 UTC timestamp with milliseconds.
pub fn iso8601(unix_ms: i64) -> String {
    let secs = unix_ms.div_euclid(1000);
    let millis = unix_ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(iso8601(1_700_000_000_000), "2023-11-14T22:13:20.000Z");
        assert_eq!(iso8601(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn now_is_consistent() {
        let v = TimeNow.call(&json!({}), &CallContext::default()).unwrap();
        let ms = v["unix_ms"].as_i64().unwrap();
        assert!(ms > 1_600_000_000_000);
        assert_eq!(v["iso"].as_str().map(str::len), Some(24));
        assert_eq!(v["iso"], json!(iso8601(ms)));
    }
}
