//! Network access for every stage: small documents (indexes, checksum files) and verified
//! archive streams.
//!
//! An archive is streamed once: a producer thread reads the response, computes its SHA-256
//! while the bytes arrive and keeps them in `cache/downloads/.<sha>.partial`, while the caller's
//! consumer (the unpacker) reads the same bytes from a bounded channel. Only when the digest
//! matches is the partial file renamed to `cache/downloads/<sha>-<name>` and the consumer's
//! result handed back; an archive found there is reused without the network. Connection
//! errors, timeouts, 5xx and cut-off bodies are retried with backoff; 404 is final.
//! `ENVM_OFFLINE=1` forbids every request.

use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::Duration;

use sha2::{Digest, Sha256};

/// How many times a transient failure is tried in all.
const ATTEMPTS: u32 = 4;
const CHUNK: usize = 256 * 1024;
/// Chunks in flight between the download and the unpacker (bounds memory: 4 MiB).
const IN_FLIGHT: usize = 16;

/// A failed request or download, with the URL.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("ENVM_OFFLINE=1: not downloading {url}")]
    Offline { url: String },
    #[error("{url} was not found (HTTP 404)")]
    NotFound { url: String },
    #[error("{url} answered HTTP {status}{}", retried(*attempts))]
    Status {
        url: String,
        status: u16,
        attempts: u32,
    },
    #[error("cannot reach {url}{}: {reason}", retried(*attempts))]
    Unreachable {
        url: String,
        reason: String,
        attempts: u32,
    },
    #[error("the download of {url} broke off after {got} bytes{}: {reason}", retried(*attempts))]
    Body {
        url: String,
        got: u64,
        reason: String,
        attempts: u32,
    },
    #[error(
        "checksum mismatch for {url}\n  expected sha256 {expected}\n  got      sha256 {actual}"
    )]
    ChecksumMismatch {
        url: String,
        expected: String,
        actual: String,
    },
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
}

fn retried(attempts: u32) -> String {
    if attempts > 1 {
        format!(" (tried {attempts} times)")
    } else {
        String::new()
    }
}

impl FetchError {
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            FetchError::Offline { .. } => {
                "unset ENVM_OFFLINE, or install this once while online so it is cached".into()
            }
            FetchError::NotFound { .. } => {
                "check the version with `envm ls-remote TOOL`; a mirror (ENVM_*_MIRROR) may lack it"
                    .into()
            }
            FetchError::Unreachable { .. } | FetchError::Status { .. } => {
                "check the network or the mirror set in ENVM_*_MIRROR; cached indexes and downloads work with ENVM_OFFLINE=1".into()
            }
            FetchError::Body { .. } => "try again; the connection was cut".into(),
            FetchError::ChecksumMismatch { .. } => {
                "the file is not the one upstream published: nothing was installed; if a mirror serves it, check the mirror".into()
            }
            _ => return None,
        })
    }

    /// Worth trying again.
    fn transient(&self) -> bool {
        match self {
            FetchError::Unreachable { .. } | FetchError::Body { .. } => true,
            FetchError::Status { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }

    fn with_attempts(mut self, n: u32) -> FetchError {
        if let FetchError::Status { attempts, .. }
        | FetchError::Unreachable { attempts, .. }
        | FetchError::Body { attempts, .. } = &mut self
        {
            *attempts = n;
        }
        self
    }
}

/// The HTTP client and the network policy of this run.
#[derive(Clone)]
pub struct Net {
    client: reqwest::blocking::Client,
    /// `ENVM_OFFLINE=1`: never touch the network.
    pub offline: bool,
    /// Draw a progress bar (stderr is a terminal and `CI` is unset).
    pub progress: bool,
}

impl Net {
    pub fn from_env() -> Result<Net, FetchError> {
        let client = reqwest::blocking::Client::builder()
            .user_agent(concat!("envm/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            // Per read in the blocking client, so large downloads are not cut.
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| FetchError::Client(e.to_string()))?;
        let offline = std::env::var("ENVM_OFFLINE").is_ok_and(|v| !v.is_empty() && v != "0");
        let progress = io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        Ok(Net {
            client,
            offline,
            progress,
        })
    }

    /// GETs `url` and returns the body as text (indexes, checksum files), with retries.
    pub fn get_text(&self, url: &str) -> Result<String, FetchError> {
        retry(|| {
            let mut resp = self.open(url)?;
            let mut text = String::new();
            resp.read_to_string(&mut text)
                .map_err(|e| FetchError::Body {
                    url: url.to_string(),
                    got: text.len() as u64,
                    reason: e.to_string(),
                    attempts: 1,
                })?;
            Ok(text)
        })
    }

    /// One GET; errors classified, not retried.
    fn open(&self, url: &str) -> Result<reqwest::blocking::Response, FetchError> {
        if self.offline {
            return Err(FetchError::Offline { url: url.into() });
        }
        let resp = self
            .client
            .get(url)
            .send()
            .map_err(|e| FetchError::Unreachable {
                url: url.into(),
                reason: error_chain(&e),
                attempts: 1,
            })?;
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
                    other => return other,
                }
            }
        }
        let partial = partial_path(keep);
        retry(|| {
            let resp = self.open(url)?;
            let total = resp.content_length();
            let file = std::fs::File::create(&partial).map_err(|source| FetchError::Io {
                path: partial.clone(),
                source,
            })?;
            let bar = self.progress.then(|| progress_bar(url, total));
            let result = pump(
                url,
                &expected,
                Source::Http(resp, total),
                Some((file, bar)),
                &mut consume,
            );
            match result {
                Ok(value) => {
                    std::fs::rename(&partial, keep).map_err(|source| FetchError::Io {
                        path: keep.to_path_buf(),
                        source,
                    })?;
                    Ok(value)
                }
                Err(e) => {
                    let _ = std::fs::remove_file(&partial);
                    Err(e)
                }
            }
        })
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
        eprintln!("envm: {e}; retrying in {} ms", delay.as_millis());
    }
}

enum Source {
    Http(reqwest::blocking::Response, Option<u64>),
    File(std::fs::File),
}

type Sink = (std::fs::File, Option<indicatif::ProgressBar>);

/// Reads `source` on a producer thread (hash, keep, forward), runs `consume` here.
fn pump<T, E>(
    url: &str,
    expected: &str,
    source: Source,
    sink: Option<Sink>,
    consume: &mut impl FnMut(&mut dyn Read) -> Result<T, E>,
) -> Result<Result<T, E>, FetchError> {
    let (tx, rx) = sync_channel::<Vec<u8>>(IN_FLIGHT);
    std::thread::scope(|scope| {
        let producer = scope.spawn(move || produce(url, source, sink, tx));
        let mut reader = ChannelReader {
            rx,
            buf: Vec::new(),
            pos: 0,
        };
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
    mut sink: Option<Sink>,
    tx: SyncSender<Vec<u8>>,
) -> Result<String, FetchError> {
    let (mut reader, total): (Box<dyn Read>, Option<u64>) = match source {
        Source::Http(resp, total) => (Box::new(resp), total),
        Source::File(file) => (Box::new(file), None),
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
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(body_error(got + filled as u64, error_chain(&e))),
            }
        }
        if filled == 0 {
            break;
        }
        chunk.truncate(filled);
        got += filled as u64;
        hasher.update(&chunk);
        if let Some((file, bar)) = &mut sink {
            file.write_all(&chunk)
                .map_err(|e| body_error(got, format!("cannot keep the download: {e}")))?;
            if let Some(bar) = bar {
                bar.set_position(got);
            }
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
    if let Some((_, Some(bar))) = &sink {
        bar.finish_and_clear();
    }
    Ok(hex(&hasher.finalize()))
}

struct ChannelReader {
    rx: Receiver<Vec<u8>>,
    buf: Vec<u8>,
    pos: usize,
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

fn progress_bar(url: &str, total: Option<u64>) -> indicatif::ProgressBar {
    let name = url.rsplit('/').next().unwrap_or(url).to_string();
    let bar = match total {
        Some(n) => indicatif::ProgressBar::new(n),
        None => indicatif::ProgressBar::new_spinner(),
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(name);
    bar
}

/// Lowercase hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
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
