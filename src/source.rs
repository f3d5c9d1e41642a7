//! Reading `.sq` files from disk, with every failure turned into a diagnostic.
//!
//! A missing file, a directory, unreadable bytes or invalid UTF-8 are input errors, not
//! crashes: each becomes a [`Diagnostic`] (with a located label for invalid UTF-8).

use std::path::Path;

use crate::diagnostics::Diagnostic;

/// Files larger than this are refused: spans are 32-bit, and no `.sq` file is this big.
pub const MAX_SOURCE_BYTES: u64 = 64 * 1024 * 1024;

/// Why a file could not be used as source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    pub diagnostic: Box<Diagnostic>,
    /// Text to render the diagnostic against, when there is any (the file decoded
    /// lossily, for invalid UTF-8).
    pub text: Option<String>,
}

/// Reads a source file as UTF-8 text.
pub fn read_source(path: &Path) -> Result<String, SourceError> {
    let shown = path.display();
    let metadata = std::fs::metadata(path).map_err(|e| plain_error(io_message(&shown.to_string(), &e)))?;
    if metadata.is_dir() {
        return Err(plain_error(
            Diagnostic::error("input-error", format!("`{shown}` is a directory, not a `.sq` file"))
                .with_hint("pass the `.sq` files inside it, e.g. `rsynth parse dir/*.sq`"),
        ));
    }
    if metadata.len() > MAX_SOURCE_BYTES {
        return Err(plain_error(Diagnostic::error(
            "input-error",
            format!("`{shown}` is too large ({} bytes; the limit is {MAX_SOURCE_BYTES})", metadata.len()),
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| plain_error(io_message(&shown.to_string(), &e)))?;
    decode(bytes)
}

/// Decodes bytes as UTF-8, locating the first invalid sequence.
pub fn decode(bytes: Vec<u8>) -> Result<String, SourceError> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bad = e.utf8_error().error_len().unwrap_or(1);
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            // The lossy text agrees with the bytes up to the first error, so `at` is a
            // valid position in it; the replacement character there is 3 bytes long.
            let diagnostic = Diagnostic::error("invalid-utf8", "file is not valid UTF-8")
                .with_primary(at..at + 3, format!("invalid byte sequence ({bad} byte(s)) here"))
                .with_hint("`.sq` files must be UTF-8 text; is this a binary file?");
            Err(SourceError { diagnostic: Box::new(diagnostic), text: Some(text) })
        }
    }
}

fn plain_error(diagnostic: Diagnostic) -> SourceError {
    SourceError { diagnostic: Box::new(diagnostic), text: None }
}

fn io_message(path: &str, error: &std::io::Error) -> Diagnostic {
    match error.kind() {
        std::io::ErrorKind::NotFound => {
            Diagnostic::error("input-error", format!("cannot read `{path}`: no such file"))
                .with_hint("check the path; `rsynth parse --help` shows an example")
        }
        std::io::ErrorKind::PermissionDenied => {
            Diagnostic::error("input-error", format!("cannot read `{path}`: permission denied"))
        }
        _ => Diagnostic::error("input-error", format!("cannot read `{path}`: {error}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_is_located() {
        let err = decode(b"ab\ncd\xff\xfeef".to_vec()).unwrap_err();
        assert_eq!(err.diagnostic.primary_span(), Some(5..8));
        assert!(err.text.unwrap().starts_with("ab\ncd\u{fffd}"));
    }
}
