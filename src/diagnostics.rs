//! Diagnostics as plain data, and the one place that renders them.
//!
//! Every phase reports problems as [`Diagnostic`] values: a stable kebab-case code, a
//! message that names things in source spelling, labelled byte ranges of the file, notes
//! and an optional hint. Nothing outside this module knows about `ariadne`; the renderer
//! takes the file's path and text and a colour flag, so tests render without colour.

use std::fmt::Write as _;
use std::ops::Range;

use ariadne::{Color, Config, IndexType, Label as AriadneLabel, Report, ReportKind, Source};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
    Note,
}

/// A labelled range of the file. The primary label says where the problem is; secondary
/// labels point at related places ("first defined here").
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Label {
    pub span: Range<usize>,
    pub message: String,
    pub primary: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable identifier, e.g. `syntax-error`, `unknown-character`.
    pub code: &'static str,
    pub message: String,
    pub labels: Vec<Label>,
    pub notes: Vec<String>,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            labels: Vec::new(),
            notes: Vec::new(),
            hint: None,
        }
    }

    /// Adds the primary label.
    pub fn with_primary(mut self, span: Range<usize>, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label { span, message: message.into(), primary: true });
        self
    }

    pub fn with_secondary(mut self, span: Range<usize>, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label { span, message: message.into(), primary: false });
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    /// The same diagnostic with every label moved `delta` bytes right (relative spans of
    /// a declaration made absolute).
    pub fn shifted(&self, delta: usize) -> Diagnostic {
        let mut d = self.clone();
        for label in &mut d.labels {
            label.span = label.span.start + delta..label.span.end + delta;
        }
        d
    }

    /// The span of the primary label, if there is one.
    pub fn primary_span(&self) -> Option<Range<usize>> {
        self.labels.iter().find(|l| l.primary).map(|l| l.span.clone())
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Renders diagnostics about one file, in order, as ariadne reports.
///
/// Spans are byte offsets (logos gives bytes; ariadne's default is characters, which
/// would misplace every label after a non-ASCII character). Empty spans are widened to one
/// character so that ariadne draws them, and spans are clamped to the text.
pub fn render(diagnostics: &[Diagnostic], path: &str, text: &str, color: bool) -> String {
    let text = &printable(text);
    let mut out = String::new();
    for diagnostic in diagnostics {
        out.push_str(&render_one(diagnostic, path, text, color));
    }
    out
}

fn render_one(diagnostic: &Diagnostic, path: &str, text: &str, color: bool) -> String {
    let kind = match diagnostic.severity {
        Severity::Error => ReportKind::Error,
        Severity::Warning => ReportKind::Warning,
        Severity::Note => ReportKind::Advice,
    };
    let config = Config::new().with_color(color).with_index_type(IndexType::Byte);
    let primary = diagnostic.primary_span().map(|s| visible_span(s, text)).unwrap_or(0..0);
    let mut report = Report::build(kind, (path, primary))
        .with_config(config)
        .with_code(diagnostic.code)
        .with_message(&diagnostic.message);
    for label in &diagnostic.labels {
        let mut l = AriadneLabel::new((path, visible_span(label.span.clone(), text)))
            .with_message(&label.message)
            .with_order(if label.primary { 0 } else { 1 });
        if color {
            l = l.with_color(if label.primary { Color::Red } else { Color::Blue });
        }
        report = report.with_label(l);
    }
    for note in &diagnostic.notes {
        report = report.with_note(note);
    }
    if let Some(hint) = &diagnostic.hint {
        report = report.with_help(hint);
    }
    let mut buf = Vec::new();
    match report.finish().write((path, Source::from(text)), &mut buf) {
        Ok(()) => String::from_utf8_lossy(&buf).into_owned(),
        // Writing to a Vec cannot fail; fall back to a plain line rather than panic.
        Err(_) => plain(diagnostic, path),
    }
}

/// Replaces control characters (other than tab and line breaks) by visible characters of
/// the same UTF-8 length, so that byte spans stay valid and a binary file cannot send
/// terminal escape sequences through an error message.
fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let is_bad = |c: char| c.is_control() && !matches!(c, '\n' | '\t' | '\r');
    if !text.chars().any(is_bad) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mapped = text
        .chars()
        .map(|c| match c {
            c if !is_bad(c) => c,
            // U+0000..U+007F are one byte in UTF-8, the C1 controls two.
            c if c.len_utf8() == 1 => '?',
            _ => '¿',
        })
        .collect();
    std::borrow::Cow::Owned(mapped)
}

/// A one-line rendering for places without the source text (e.g. a file that could not
/// be read).
pub fn plain(diagnostic: &Diagnostic, path: &str) -> String {
    let mut out = format!("error[{}]: {}\n", diagnostic.code, diagnostic.message);
    if !path.is_empty() {
        let _ = writeln!(out, "  --> {path}");
    }
    for note in &diagnostic.notes {
        let _ = writeln!(out, "  note: {note}");
    }
    if let Some(hint) = &diagnostic.hint {
        let _ = writeln!(out, "  help: {hint}");
    }
    out
}

/// Clamps a span to the text, moves it onto a character boundary, and widens an empty
/// span to the character it sits on (or the last character at end of input).
fn visible_span(span: Range<usize>, text: &str) -> Range<usize> {
    let len = text.len();
    let mut start = span.start.min(len);
    let mut end = span.end.clamp(start, len);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    if start == end {
        if let Some(ch) = text[start..].chars().next() {
            end = start + ch.len_utf8();
        } else if let Some(ch) = text[..start].chars().next_back() {
            start -= ch.len_utf8();
        }
    }
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_byte_based() {
        // The `é` before the error would shift a character-indexed label by one.
        let text = "-- é\nx = oops\n";
        let d = Diagnostic::error("test", "bad").with_primary(10..14, "here");
        let out = render(&[d], "f.sq", text, false);
        assert!(out.contains("f.sq:2:5"), "{out}");
    }

    #[test]
    fn empty_span_at_end_is_visible() {
        assert_eq!(visible_span(5..5, "abcde"), 4..5);
        assert_eq!(visible_span(0..0, ""), 0..0);
        assert_eq!(visible_span(1..1, "abc"), 1..2);
    }
}
