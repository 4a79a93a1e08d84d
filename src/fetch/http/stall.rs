//! The stall deadline of one transfer (`ENVM_HTTP_TIMEOUT`): at least
//! [`STALL_MIN_BYTES`] must arrive in every window, as with curl's `--speed-limit` and
//! `--speed-time`. One clock read per read call; no thread, no timer.

use std::io;
use std::time::{Duration, Instant};

use super::{FetchError, STALL_MIN_BYTES, error_chain};

/// Fails a transfer that receives less than [`STALL_MIN_BYTES`] in a window: one clock read
/// per read call, no thread.
pub(super) struct StallGuard<'a> {
    url: &'a str,
    window: Duration,
    window_start: Instant,
    in_window: u64,
    got: u64,
}

impl<'a> StallGuard<'a> {
    pub(super) fn new(url: &'a str, window: Duration) -> StallGuard<'a> {
        StallGuard {
            url,
            window,
            window_start: Instant::now(),
            in_window: 0,
            got: 0,
        }
    }

    /// Notes `n` bytes that just arrived.
    pub(super) fn arrived(&mut self, n: usize) -> Result<(), FetchError> {
        self.got += n as u64;
        self.in_window += n as u64;
        if self.window_start.elapsed() >= self.window {
            if self.in_window < STALL_MIN_BYTES {
                return Err(self.stalled());
            }
            self.window_start = Instant::now();
            self.in_window = 0;
        }
        Ok(())
    }

    fn stalled(&self) -> FetchError {
        FetchError::Stalled {
            url: self.url.into(),
            got: self.got,
            window: self.window,
        }
    }

    /// A read error: a read that timed out (nothing arrived for a whole window) is a stall.
    pub(super) fn read_failed(&self, e: &io::Error) -> FetchError {
        let timed_out = e.kind() == io::ErrorKind::TimedOut
            || e.get_ref()
                .and_then(|inner| inner.downcast_ref::<reqwest::Error>())
                .is_some_and(reqwest::Error::is_timeout);
        if timed_out {
            self.stalled()
        } else {
            FetchError::Body {
                url: self.url.into(),
                got: self.got,
                reason: error_chain(e),
                attempts: 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trickle_is_a_stall_and_a_flow_is_not() {
        let window = Duration::from_millis(30);
        let mut flowing = StallGuard::new("http://x/a", window);
        for _ in 0..3 {
            std::thread::sleep(Duration::from_millis(20));
            assert!(flowing.arrived(2000).is_ok());
        }
        let mut trickling = StallGuard::new("http://x/b", window);
        assert!(trickling.arrived(10).is_ok());
        std::thread::sleep(Duration::from_millis(40));
        assert!(matches!(
            trickling.arrived(10),
            Err(FetchError::Stalled { got: 20, .. })
        ));
    }
}
