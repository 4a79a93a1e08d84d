//! Wall-clock time as calendar fields (UTC), for receipts and messages: no time-zone data,
//! no dependency.

/// A Unix time split into UTC calendar fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Utc {
    pub year: i64,
    pub month: i64,
    pub day: i64,
    pub hour: u64,
    pub minute: u64,
    pub second: u64,
}

impl Utc {
    /// The calendar fields of `unix_secs` (civil-from-days, Howard Hinnant's algorithm).
    pub fn from_unix(unix_secs: u64) -> Utc {
        let days = (unix_secs / 86_400) as i64;
        let secs_of_day = unix_secs % 86_400;
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        Utc {
            year: yoe + era * 400 + i64::from(month <= 2),
            month,
            day,
            hour: secs_of_day / 3600,
            minute: secs_of_day % 3600 / 60,
            second: secs_of_day % 60,
        }
    }

    /// Now (the Unix epoch if the clock is before it).
    pub fn now() -> Utc {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Utc::from_unix(secs)
    }

    /// RFC 3339: `2026-11-27T11:15:26Z`.
    pub fn rfc3339(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// For people: `2026-11-27 11:15:26 UTC`.
    pub fn readable(&self) -> String {
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(Utc::from_unix(0).rfc3339(), "1970-01-01T00:00:00Z");
        assert_eq!(
            Utc::from_unix(1_700_000_000).readable(),
            "2023-11-14 22:13:20 UTC"
        );
        // A leap day.
        assert_eq!(
            Utc::from_unix(951_782_400).rfc3339(),
            "2000-02-29T00:00:00Z"
        );
    }
}
