//! How a download shows itself on stderr. On a terminal (and `CI` unset, `TERM` not `dumb`):
//! one progress line per download, all parallel downloads of the process stacked in one
//! [`indicatif::MultiProgress`], each bar as wide as the terminal allows. Anywhere else (CI
//! logs, pipes, files): no frames, no colour, no carriage returns — one plain line per event
//! (`downloading`, `verified`, `from the download cache`), so a log reads top to bottom.

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use crate::diag::printable;

/// How often a bar redraws on its own (so a slow download still shows its speed).
const TICK: Duration = Duration::from_millis(120);

/// Which of the two displays this process uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Display {
    /// Live progress bars (stderr is an interactive terminal).
    Bars,
    /// One line per event.
    Lines,
}

impl Display {
    /// Bars only when stderr is a terminal, `CI` is unset and `TERM` is not `dumb`.
    pub fn detect() -> Display {
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        if std::io::stderr().is_terminal() && std::env::var_os("CI").is_none() && !dumb {
            Display::Bars
        } else {
            Display::Lines
        }
    }
}

/// The bars of every download of this process, stacked one per line.
fn stack() -> &'static MultiProgress {
    static STACK: OnceLock<MultiProgress> = OnceLock::new();
    STACK.get_or_init(MultiProgress::new)
}

/// One download as shown to the user.
pub struct Shown {
    name: String,
    bar: Option<ProgressBar>,
}

impl Shown {
    /// A download of `url` (`total` bytes, when announced) starts.
    pub fn start(display: Display, url: &str, total: Option<u64>) -> Shown {
        let name = printable(file_name(url)).into_owned();
        let bar = match display {
            Display::Bars => Some(bar(&name, total)),
            Display::Lines => {
                match total {
                    Some(n) => eprintln!("envm: downloading {name} ({})", size(n)),
                    None => eprintln!("envm: downloading {name}"),
                }
                None
            }
        };
        Shown { name, bar }
    }

    /// `got` bytes have arrived.
    pub fn advance(&self, got: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(got);
        }
    }

    /// The whole file arrived and its SHA-256 matched.
    pub fn verified(self, got: u64) {
        match self.bar {
            Some(bar) => bar.finish_and_clear(),
            None => eprintln!("envm: verified {} ({}, sha256 ok)", self.name, size(got)),
        }
    }

    /// The attempt failed (the error is reported by the caller).
    pub fn abandon(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

/// A verified copy in the download cache is used instead of downloading (lines only: there
/// is no progress to show).
pub fn from_cache(display: Display, url: &str) {
    if display == Display::Lines {
        eprintln!(
            "envm: verified {} (from the download cache, sha256 ok)",
            printable(file_name(url))
        );
    }
}

fn file_name(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or(url)
}

fn bar(name: &str, total: Option<u64>) -> ProgressBar {
    let bar = match total {
        Some(n) => ProgressBar::new(n),
        None => ProgressBar::new_spinner(),
    };
    // `wide_bar` takes what the terminal width leaves; a long name is cut, never wrapped.
    let template = match total {
        Some(_) => "{msg:40!} [{wide_bar}] {bytes}/{total_bytes} {bytes_per_sec:>11}",
        None => "{msg:40!} {spinner} {bytes} {bytes_per_sec:>11}",
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(name.to_string());
    let bar = stack().add(bar);
    bar.enable_steady_tick(TICK);
    bar
}

/// `n` bytes for a log line.
fn size(n: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if n >= MIB {
        format!("{:.1} MiB", n as f64 / MIB as f64)
    } else if n >= 1024 {
        format!("{:.1} KiB", n as f64 / 1024.0)
    } else {
        format!("{n} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_well() {
        assert_eq!(size(512), "512 bytes");
        assert_eq!(size(2048), "2.0 KiB");
        assert_eq!(size(5 * 1024 * 1024 + 100), "5.0 MiB");
    }
}
