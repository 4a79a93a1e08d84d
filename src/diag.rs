//! How every stage's error speaks to people: the [`Diagnostic`] trait (an optional hint and
//! an exit code beside the message), [`report`] (`error: …`, its causes, `hint: …` on stderr)
//! and [`printable`] (control characters escaped). Stages return their own `thiserror` enums
//! and implement [`Diagnostic`]; the shim and the CLI turn them into messages here. This
//! module depends on no stage.
//!
//! Exit codes: 0 success, 1 error, 2 usage, 127 command not found (126 found but not runnable).

use std::borrow::Cow;
use std::fmt::Write;

/// An error that can tell the user what to do next and how the process should exit.
pub trait Diagnostic: std::error::Error {
    /// What to do about it, printed as `hint: …` after the message.
    fn hint(&self) -> Option<String> {
        None
    }

    /// The process exit code the error ends with.
    fn exit_code(&self) -> i32 {
        1
    }
}

/// Prints `err` for people (message, its causes, hint) on stderr and returns the exit code.
pub fn report(err: &dyn Diagnostic) -> i32 {
    let mut text = format!("error: {err}");
    let mut source = err.source();
    // Transparent variants forward `source()` to the inner error's own source.
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            let _ = write!(text, "\n  caused by: {cause_text}");
        }
        source = cause.source();
    }
    if let Some(hint) = err.hint() {
        let _ = write!(text, "\nhint: {hint}");
    }
    eprintln!("{}", printable(&text));
    err.exit_code()
}

/// `text` safe to print on a terminal: control characters (C0 but the line break, DEL, C1)
/// and the bidirectional-override marks are written as `\x1b` / `\u{202e}` escapes.
/// Writes `envm: <message>` on stderr when `ENVM_LOG` is set (e.g. `ENVM_LOG=debug`); the
/// message is built only then.
pub fn debug(message: impl FnOnce() -> String) {
    if std::env::var_os("ENVM_LOG").is_some_and(|v| !v.is_empty()) {
        eprintln!("envm: {}", printable(&message()));
    }
}

pub fn printable(text: &str) -> Cow<'_, str> {
    escaped(text, false)
}

/// [`printable`] for one line: line breaks are escaped too (`\x0a`), so a value a file chose
/// cannot start a line of its own in a message.
pub fn printable_line(text: &str) -> String {
    escaped(text, true).into_owned()
}

fn escaped(text: &str, line_breaks: bool) -> Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && (line_breaks || c != '\n'))
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !unsafe_char(c) {
            out.push(c);
        } else if (c as u32) < 0x100 {
            let _ = write!(out, "\\x{:02x}", c as u32);
        } else {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::{printable, printable_line};

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("plain\nlines"), "plain\nlines");
        assert_eq!(printable("1.0+\x1b[31mred"), "1.0+\\x1b[31mred");
        assert_eq!(printable("a\rb\u{9b}c\u{202e}d"), "a\\x0db\\x9bc\\u{202e}d");
        assert_eq!(printable_line("a\u{1b}[31mb\nc"), "a\\x1b[31mb\\x0ac");
    }
}
