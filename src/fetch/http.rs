//! Network access for every stage: small documents (indexes, checksum files) and verified
//! archive streams.
//!
//! An archive is streamed once: a producer thread reads the response, computes its SHA-256
//! while the bytes arrive and keeps them in `cache/downloads/.<sha>-<name>.partial`, while the caller's
//! consumer (the unpacker) reads the same bytes from a bounded channel. Only when the digest
//! matches is the partial file renamed to `cache/downloads/<sha>-<name>` and the consumer's
//! result handed back; an archive found there is reused without the network. Connection
//! errors, 5xx and cut-off bodies are retried with backoff; 404 is final.
//! `ENVM_OFFLINE=1` forbids every request.
//!
//! Limits: a transfer that receives less than [`STALL_MIN_BYTES`] in any window of
//! `ENVM_HTTP_TIMEOUT` seconds (default 30) has stalled and fails without a retry (curl's
//! `--speed-limit`/`--speed-time`; checked per read, no extra thread); a document (index,
//! checksum file) larger than its cap is refused; a full disk is said as such and not retried.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::Duration;

use sha2::{Digest, Sha256};

mod error;
mod stall;
pub use error::{FetchError, is_disk_full};
use stall::StallGuard;

use crate::fetch::progress::{self, Display, Shown};

/// How many times a transient failure is tried in all.
const ATTEMPTS: u32 = 4;
pub(crate) const CHUNK: usize = 256 * 1024;
/// Chunks in flight between the download and the unpacker (bounds memory: 4 MiB).
pub(crate) const IN_FLIGHT: usize = 16;
/// A transfer must receive at least this much in every `ENVM_HTTP_TIMEOUT` window.
pub const STALL_MIN_BYTES: u64 = 1024;
/// The largest `ENVM_HTTP_TIMEOUT` (a day).
pub(crate) const MAX_HTTP_TIMEOUT_SECS: u64 = 86_400;
/// `ENVM_HTTP_TIMEOUT` when unset.
const DEFAULT_HTTP_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest version index envm reads (upstream's biggest, go's full list, is a few MiB).
pub const INDEX_CAP: u64 = 32 * 1024 * 1024;
/// Largest checksum file envm reads (node's SHASUMS256.txt is a few KiB).
pub const CHECKSUMS_CAP: u64 = 4 * 1024 * 1024;
/// What to do about a full disk.
pub const DISK_FULL_HINT: &str = "free some space (or point ENVM_HOME at a larger disk) and run the command again; nothing was installed";

/// The HTTP client and the network policy of this run.
#[derive(Clone)]
pub struct Net {
    client: reqwest::blocking::Client,
    /// `ENVM_OFFLINE=1`: never touch the network.
    pub offline: bool,
    /// Progress bars on a terminal, or one line per event (CI, pipes).
    pub display: Display,
    /// `ENVM_HTTP_TIMEOUT`: the stall window.
    stall_window: Duration,
}

impl Net {
    pub fn from_env() -> Result<Net, FetchError> {
        let stall_window = match std::env::var("ENVM_HTTP_TIMEOUT") {
            Ok(text) if !text.trim().is_empty() => match text.trim().parse::<u64>() {
                Ok(secs) if (1..=MAX_HTTP_TIMEOUT_SECS).contains(&secs) => {
                    Duration::from_secs(secs)
                }
                _ => return Err(FetchError::BadTimeout(text)),
            },
            _ => DEFAULT_HTTP_TIMEOUT,
        };
        let client = reqwest::blocking::Client::builder()
            .user_agent(concat!("envm/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(stall_window.min(Duration::from_secs(10)))
            // Per read in the blocking client: a silent server; a trickle is caught by
            // `StallGuard`.
            .timeout(stall_window)
            .build()
            .map_err(|e| FetchError::Client(e.to_string()))?;
        let offline = std::env::var("ENVM_OFFLINE").is_ok_and(|v| !v.is_empty() && v != "0");
        Ok(Net {
            client,
            offline,
            display: Display::detect(),
            stall_window,
        })
    }

    /// GETs `url` and returns the body as text (indexes, checksum files), with retries. A
    /// body over `cap` bytes is refused.
    pub fn get_text(&self, url: &str, cap: u64) -> Result<String, FetchError> {
        let body = self.get_bytes(url, cap, None)?;
        Ok(String::from_utf8_lossy(&body).into_owned())
    }

    /// GETs `url` (with `accept` as the Accept header, if given) and returns the body, with
    /// retries. A body over `cap` bytes is refused.
    pub fn get_bytes(
        &self,
        url: &str,
        cap: u64,
        accept: Option<&str>,
    ) -> Result<Vec<u8>, FetchError> {
        retry(|| {
            let resp = self.open_with(url, accept)?;
            let mut body = Vec::new();
            self.copy_capped(resp, &mut body, url, cap, Path::new(""))?;
            Ok(body)
        })
    }

    /// Downloads `url` to `dest` through a partial file next to it, with retries and the
    /// stall deadline, refusing more than `cap` bytes. `check` judges the complete partial
    /// file before it becomes `dest`; when it refuses, nothing is left. Returns the size.
    pub fn download_checked<E>(
        &self,
        url: &str,
        dest: &Path,
        cap: u64,
        check: impl Fn(&Path) -> Result<(), E>,
    ) -> Result<Result<u64, E>, FetchError> {
        let partial = partial_path(dest);
        let result = retry(|| {
            let resp = self.open(url)?;
            let file = std::fs::File::create(&partial).map_err(|e| write_error(&partial, e))?;
            let mut file = io::BufWriter::new(file);
            let got = self.copy_capped(resp, &mut file, url, cap, &partial)?;
            let file = file
                .into_inner()
                .map_err(|e| write_error(&partial, e.into_error()))?;
            file.sync_all().map_err(|e| write_error(&partial, e))?;
            Ok(got)
        })
        .and_then(|got| match check(&partial) {
            Ok(()) => {
                std::fs::rename(&partial, dest).map_err(|e| write_error(dest, e))?;
                Ok(Ok(got))
            }
            Err(refused) => Ok(Err(refused)),
        });
        if !matches!(result, Ok(Ok(_))) {
            let _ = std::fs::remove_file(&partial);
        }
        result
    }

    /// Copies a response body into `to` under the stall deadline, refusing more than `cap`
    /// bytes or fewer than announced. Write errors name `written_to`.
    fn copy_capped(
        &self,
        resp: reqwest::blocking::Response,
        to: &mut impl Write,
        url: &str,
        cap: u64,
        written_to: &Path,
    ) -> Result<u64, FetchError> {
        let too_large = || FetchError::TooLarge {
            url: url.into(),
            cap,
        };
        let total = resp.content_length();
        if total.is_some_and(|n| n > cap) {
            return Err(too_large());
        }
        let mut guard = StallGuard::new(url, self.stall_window);
        let mut limited = resp.take(cap + 1);
        let mut buf = vec![0u8; CHUNK];
        let mut got: u64 = 0;
        loop {
            match limited.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    got += n as u64;
                    if got > cap {
                        return Err(too_large());
                    }
                    to.write_all(&buf[..n])
                        .map_err(|e| write_error(written_to, e))?;
                    guard.arrived(n)?;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(guard.read_failed(&e)),
            }
        }
        if total.is_some_and(|total| got < total) {
            return Err(FetchError::Body {
                url: url.into(),
                got,
                reason: format!("expected {} bytes", total.unwrap_or(got)),
                attempts: 1,
            });
        }
        Ok(got)
    }

    /// One GET; errors classified, not retried.
    pub fn open(&self, url: &str) -> Result<reqwest::blocking::Response, FetchError> {
        self.open_with(url, None)
    }

    /// One GET with an Accept header; errors classified, not retried.
    fn open_with(
        &self,
        url: &str,
        accept: Option<&str>,
    ) -> Result<reqwest::blocking::Response, FetchError> {
        if self.offline {
            return Err(FetchError::Offline { url: url.into() });
        }
        let mut request = self.client.get(url);
        if let Some(accept) = accept {
            request = request.header(reqwest::header::ACCEPT, accept);
        }
        let resp = request.send().map_err(|e| {
            if e.is_timeout() && !e.is_connect() {
                // Connected, but no answer within the window.
                FetchError::Stalled {
                    url: url.into(),
                    got: 0,
                    window: self.stall_window,
                }
            } else {
                FetchError::Unreachable {
                    url: url.into(),
                    reason: error_chain(&e),
                    attempts: 1,
                }
            }
        })?;
        checked_status(url, resp)
    }

    /// Streams the archive at `url` into `consume`, verifying it against `expected` (hex
    /// sha256). A verified copy is kept at `keep` and read from there next time. `consume` may
    /// be called once per attempt; it must start from scratch each time. The consumer's result
    /// is returned only once the digest matched; a mismatch wins over the consumer's error.
    pub fn stream_verified<T, E>(
        &self,
        url: &str,
        expected: &str,
        keep: &Path,
        mut consume: impl FnMut(&mut dyn Read) -> Result<T, E>,
    ) -> Result<Result<T, E>, FetchError> {
        let expected = expected.to_ascii_lowercase();
        if keep.is_file()
            && let Ok(file) = std::fs::File::open(keep)
        {
            {
                match pump(url, &expected, Source::File(file), None, &mut consume) {
                    // A damaged cached copy is dropped and downloaded again.
                    Err(FetchError::ChecksumMismatch { .. }) => {
                        let _ = std::fs::remove_file(keep);
                    }
                    other => {
                        if other.is_ok() {
                            progress::from_cache(self.display, url);
                        }
                        return other;
                    }
                }
            }
        }
        let partial = partial_path(keep);
        retry(|| {
            let resp = self.open(url)?;
            let total = resp.content_length();
            let file = std::fs::File::create(&partial).map_err(|e| write_error(&partial, e))?;
            let shown = Shown::start(self.display, url, total);
            let result = pump(
                url,
                &expected,
                Source::Http(Box::new(resp), total, self.stall_window),
                Some(Keep {
                    file,
                    path: &partial,
                    shown: &shown,
                }),
                &mut consume,
            );
            match result {
                Ok(value) => {
                    std::fs::rename(&partial, keep).map_err(|e| write_error(keep, e))?;
                    let size = std::fs::metadata(keep).map_or(0, |m| m.len());
                    shown.verified(size);
                    Ok(value)
                }
                Err(e) => {
                    let _ = std::fs::remove_file(&partial);
                    shown.abandon();
                    Err(e)
                }
            }
        })
    }
}

/// A failed write: a full disk is said as such (and never retried).
fn write_error(path: &Path, source: io::Error) -> FetchError {
    if is_disk_full(&source) {
        FetchError::DiskFull {
            path: path.to_path_buf(),
        }
    } else {
        FetchError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Where a download is written until its digest is checked.
pub fn partial_path(keep: &Path) -> PathBuf {
    let name = keep
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    keep.with_file_name(format!(".{name}.partial"))
}

/// Runs `attempt` until it succeeds, fails for good, or the attempts run out.
fn retry<T>(mut attempt: impl FnMut() -> Result<T, FetchError>) -> Result<T, FetchError> {
    let mut delay = Duration::from_millis(250);
    for n in 1..=ATTEMPTS {
        match attempt() {
            Err(e) if e.transient() && n < ATTEMPTS => {
                tracing_note(&e, delay);
                std::thread::sleep(delay);
                delay *= 2;
            }
            Err(e) => return Err(e.with_attempts(n)),
            ok => return ok,
        }
    }
    unreachable!("the last attempt returns")
}

fn tracing_note(e: &FetchError, delay: Duration) {
    if std::env::var_os("ENVM_LOG").is_some() {
        eprintln!(
            "envm: {}; retrying in {} ms",
            crate::diag::printable(&e.to_string()),
            delay.as_millis()
        );
    }
}

enum Source {
    /// A response, its announced length and the stall window.
    Http(Box<reqwest::blocking::Response>, Option<u64>, Duration),
    File(std::fs::File),
}

/// Where downloaded bytes are kept, and how the download is shown.
struct Keep<'a> {
    file: std::fs::File,
    path: &'a Path,
    shown: &'a Shown,
}

/// Reads `source` on a producer thread (hash, keep, forward), runs `consume` here.
fn pump<T, E>(
    url: &str,
    expected: &str,
    source: Source,
    sink: Option<Keep>,
    consume: &mut impl FnMut(&mut dyn Read) -> Result<T, E>,
) -> Result<Result<T, E>, FetchError> {
    let (tx, rx) = sync_channel::<Vec<u8>>(IN_FLIGHT);
    std::thread::scope(|scope| {
        let producer = scope.spawn(move || produce(url, source, sink, tx));
        let mut reader = ChannelReader::new(rx);
        let consumed = consume(&mut reader);
        drop(reader);
        let digest = match producer.join() {
            Ok(result) => result?,
            Err(_) => {
                return Err(FetchError::Client("the download thread panicked".into()));
            }
        };
        if digest != expected {
            return Err(FetchError::ChecksumMismatch {
                url: url.into(),
                expected: expected.into(),
                actual: digest,
            });
        }
        Ok(consumed)
    })
}

/// The producer: every byte is hashed and kept; forwarding stops quietly when the consumer
/// gave up, but reading goes on so the digest can still be compared.
fn produce(
    url: &str,
    source: Source,
    mut sink: Option<Keep>,
    tx: SyncSender<Vec<u8>>,
) -> Result<String, FetchError> {
    let (mut reader, total, mut guard): (Box<dyn Read>, Option<u64>, _) = match source {
        Source::Http(resp, total, window) => (
            resp as Box<dyn Read>,
            total,
            Some(StallGuard::new(url, window)),
        ),
        Source::File(file) => (Box::new(file), None, None),
    };
    let mut hasher = Sha256::new();
    let mut got: u64 = 0;
    let mut forwarding = true;
    let body_error = |got: u64, reason: String| FetchError::Body {
        url: url.into(),
        got,
        reason,
        attempts: 1,
    };
    loop {
        let mut chunk = vec![0u8; CHUNK];
        let mut filled = 0;
        // Fill the chunk (fewer, larger messages), stopping at end of stream.
        while filled < CHUNK {
            match reader.read(&mut chunk[filled..]) {
                Ok(0) => break,
                Ok(n) => {
                    filled += n;
                    if let Some(guard) = &mut guard {
                        guard.arrived(n)?;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(match &guard {
                        Some(guard) => guard.read_failed(&e),
                        None => body_error(got + filled as u64, error_chain(&e)),
                    });
                }
            }
        }
        if filled == 0 {
            break;
        }
        chunk.truncate(filled);
        got += filled as u64;
        hasher.update(&chunk);
        if let Some(keep) = &mut sink {
            keep.file
                .write_all(&chunk)
                .map_err(|e| write_error(keep.path, e))?;
            keep.shown.advance(got);
        }
        if forwarding && tx.send(chunk).is_err() {
            forwarding = false;
        }
    }
    if let Some(total) = total
        && got < total
    {
        return Err(body_error(got, format!("expected {total} bytes")));
    }
    Ok(crate::digest::hex(&hasher.finalize()))
}

/// Reads the chunks a producer thread sends, in order; the end of the stream is the sender
/// hanging up.
pub(crate) struct ChannelReader {
    rx: Receiver<Vec<u8>>,
    buf: Vec<u8>,
    pos: usize,
}

impl ChannelReader {
    pub(crate) fn new(rx: Receiver<Vec<u8>>) -> ChannelReader {
        ChannelReader {
            rx,
            buf: Vec::new(),
            pos: 0,
        }
    }
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.buf.len() {
            match self.rx.recv() {
                Ok(chunk) => {
                    self.buf = chunk;
                    self.pos = 0;
                }
                Err(_) => return Ok(0),
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// An error with its causes, on one line (reqwest hides the useful part in `source()`).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// `resp` when its status is a success; 404 and 410 are [`FetchError::NotFound`] (final), any
/// other status [`FetchError::Status`].
pub fn checked_status(
    url: &str,
    resp: reqwest::blocking::Response,
) -> Result<reqwest::blocking::Response, FetchError> {
    let status = resp.status().as_u16();
    match status {
        200..=299 => Ok(resp),
        404 | 410 => Err(FetchError::NotFound { url: url.into() }),
        _ => Err(FetchError::Status {
            url: url.into(),
            status,
            attempts: 1,
        }),
    }
}
