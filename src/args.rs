//! The process's command-line arguments. The binary's C entry point (`no_main`, see
//! `src/main.rs`) hands over the `argc`/`argv` it received: std's own `args_os()` is filled
//! only on glibc (which passes them to initialisers) and is empty on musl without std's `main`.
//! Everything in envm reads its arguments here; without a hand-over (unit tests, other
//! embedders) this falls back to std's.

use std::ffi::OsString;
use std::sync::OnceLock;

static ARGS: OnceLock<Vec<OsString>> = OnceLock::new();

/// Records the arguments the entry point received (the first call wins).
pub fn set(args: Vec<OsString>) {
    let _ = ARGS.set(args);
}

/// The process's arguments, `argv[0]` first.
pub fn os() -> Vec<OsString> {
    match ARGS.get() {
        Some(args) => args.clone(),
        None => std::env::args_os().collect(),
    }
}

/// Records the C entry point's `argc`/`argv` (see [`set`]) and returns the file name the
/// process was started under (`node` for `/…/shims/node`): what decides between the command
/// line and a shim.
///
/// # Safety
/// As [`from_c`].
pub unsafe fn init_from_c(
    argc: std::os::raw::c_int,
    argv: *const *const std::os::raw::c_char,
) -> OsString {
    // SAFETY: forwarded from the caller.
    let args = unsafe { from_c(argc, argv) };
    let arg0 = args.first().cloned().unwrap_or_default();
    set(args);
    let path = std::path::Path::new(&arg0);
    path.file_name().unwrap_or(arg0.as_os_str()).to_os_string()
}

/// Copies a C `argv` of `argc` entries (null entries end it early).
///
/// # Safety
/// `argv` must point to `argc` pointers, each null or a NUL-terminated string, as `main`
/// receives them.
pub unsafe fn from_c(
    argc: std::os::raw::c_int,
    argv: *const *const std::os::raw::c_char,
) -> Vec<OsString> {
    use std::os::unix::ffi::OsStrExt;
    let mut out = Vec::new();
    if argv.is_null() {
        return out;
    }
    for i in 0..usize::try_from(argc).unwrap_or(0) {
        // SAFETY: the caller guarantees `argc` readable entries.
        let entry = unsafe { *argv.add(i) };
        if entry.is_null() {
            break;
        }
        // SAFETY: each non-null entry is a NUL-terminated string.
        let bytes = unsafe { std::ffi::CStr::from_ptr(entry) }.to_bytes();
        out.push(std::ffi::OsStr::from_bytes(bytes).to_os_string());
    }
    out
}
