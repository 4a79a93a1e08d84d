//! Pin files envm has worked with (`data/tracked-pins`, one path a line), so that
//! `envm prune` keeps what other projects pin, not only what the current directory sees.
//!
//! `envm use` records the file it wrote and `envm install` (no arguments) the files it read.
//! Records are appended (one `write` of a short line, so concurrent recorders do not lose
//! each other's); reading drops duplicates and files that no longer exist. A recorded file
//! that no longer parses (any cloned repository can ship one) is skipped and named, never
//! allowed to stop the caller.

use std::io::Write;
use std::path::PathBuf;

use super::{Pin, PinError, parse_file};
use crate::layout::Layout;

fn list_path(layout: &Layout) -> PathBuf {
    layout.data.join("tracked-pins")
}

/// Remembers `files`. Best effort: a pin file that cannot be recorded only means a later
/// `envm prune` run elsewhere will not know it, which the warning says.
pub fn record(layout: &Layout, files: &[PathBuf]) {
    if files.is_empty() {
        return;
    }
    let path = list_path(layout);
    let mut lines = String::new();
    for file in files {
        let file = file.canonicalize().unwrap_or_else(|_| file.clone());
        if let Some(text) = file.to_str().filter(|t| !t.contains('\n')) {
            lines.push_str(text);
            lines.push('\n');
        }
    }
    let appended = std::fs::create_dir_all(&layout.data).and_then(|()| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)?
            .write_all(lines.as_bytes())
    });
    if let Err(e) = appended {
        eprintln!(
            "warning: {}",
            crate::diag::printable(&format!(
                "cannot record the pin file in {}: {e}",
                path.display()
            ))
        );
    }
}

/// The recorded pin files that still exist, each once.
pub fn files(layout: &Layout) -> Vec<PathBuf> {
    let text = std::fs::read_to_string(list_path(layout)).unwrap_or_default();
    let mut files: Vec<PathBuf> = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        let file = PathBuf::from(line);
        if !files.contains(&file) && file.is_file() {
            files.push(file);
        }
    }
    files
}

/// What the recorded pin files pin.
#[derive(Debug, Default)]
pub struct TrackedPins {
    pub pins: Vec<Pin>,
    /// Files that no longer parse: their pins are unknown, and the caller says so.
    pub unreadable: Vec<PinError>,
}

/// The pins of every recorded pin file that still exists; files that do not parse are
/// listed in [`TrackedPins::unreadable`] instead.
pub fn pins(layout: &Layout) -> TrackedPins {
    let mut tracked = TrackedPins::default();
    for file in files(layout) {
        let Ok(bytes) = std::fs::read(&file) else {
            continue;
        };
        match parse_file(&file, &String::from_utf8_lossy(&bytes)) {
            Ok(pins) => tracked.pins.extend(pins),
            Err(e) => tracked.unreadable.push(e),
        }
    }
    tracked
}

/// Rewrites the list without duplicates and vanished files.
pub fn compact(layout: &Layout) -> Result<(), super::write::PinWriteError> {
    let mut text = String::new();
    for file in files(layout) {
        text.push_str(&file.to_string_lossy());
        text.push('\n');
    }
    let path = list_path(layout);
    if text.is_empty() && !path.exists() {
        return Ok(());
    }
    Ok(crate::files::write_atomically(&path, text.as_bytes())?)
}
