//! Snapshot tests of what users see from the front end: parse trees and formatted output
//! of the project's own `.sq` files, and diagnostics for malformed input.
//!
//! Each snapshot holds the source and the output under headings, so it can be reviewed
//! on its own. Bless changes with `cargo insta test --accept` (see tests/README.md).

mod common;

use rsynth::diagnostics;
use rsynth::syntax::{dump, parse};

fn tree_and_format(path: &std::path::Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let formatted = common::assert_round_trip(&path.display().to_string(), &text);
    let parsed = parse(&text);
    format!(
        "----- SOURCE\n{text}\n----- TREE\n{}\n----- FORMATTED\n{formatted}",
        dump::dump_module(&parsed.module)
    )
}

#[test]
fn examples_parse_and_format() {
    insta::glob!("../examples", "*.sq", |path| {
        insta::assert_snapshot!(tree_and_format(path));
    });
}

#[test]
fn parse_corpus() {
    insta::glob!("corpus/parse/*.sq", |path| {
        insta::assert_snapshot!(tree_and_format(path));
    });
}

fn diagnostics_of(name: &str, text: &str) -> String {
    let parsed = parse(text);
    let rendered = diagnostics::render(&parsed.errors, name, text, false);
    let summary = if parsed.errors.is_empty() {
        format!("no errors; {} declarations", parsed.module.decls.len())
    } else {
        format!("{} error(s); {} declarations recovered", parsed.errors.len(), parsed.module.decls.len())
    };
    format!("----- SOURCE\n{text}\n----- DIAGNOSTICS ({summary})\n{rendered}")
}

#[test]
fn malformed_input_is_located() {
    insta::glob!("corpus/malformed/*.sq", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        insta::assert_snapshot!(diagnostics_of(&name, &text));
    });
}

#[test]
fn every_malformed_file_but_the_empty_one_has_an_error_with_a_span() {
    for path in
        common::sq_files(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/malformed"))
    {
        let text = std::fs::read_to_string(&path).unwrap();
        let parsed = parse(&text);
        if text.is_empty() {
            assert!(parsed.errors.is_empty() && parsed.module.decls.is_empty());
            continue;
        }
        assert!(!parsed.errors.is_empty(), "{}: no error reported", path.display());
        for d in &parsed.errors {
            let span = d.primary_span().expect("every syntax error is located");
            assert!(span.start <= text.len(), "{}: span out of range", path.display());
        }
    }
}

#[test]
fn binary_garbage_is_reported_not_panicked() {
    // Bytes that are valid UTF-8 but no `.sq` text, including control characters.
    let text: String = (0u8..=127).map(char::from).chain("ÿ€𝄞".chars()).collect();
    let parsed = parse(&text);
    assert!(parsed.errors.iter().any(|d| d.code == "unknown-character"));
    insta::assert_snapshot!(diagnostics::render(&parsed.errors[..1], "garbage.sq", &text, false));
}

#[test]
fn invalid_utf8_is_reported_with_its_position() {
    let err = rsynth::source::decode(b"f :: Int\ng :: \xc3\x28 Int\n".to_vec()).unwrap_err();
    let text = err.text.unwrap();
    insta::assert_snapshot!(diagnostics::render(&[*err.diagnostic], "bad.sq", &text, false));
}

#[test]
fn precedence_follows_synquids_table() {
    let cases = [
        ("a && b || c", "(|| (&& a b) c)"),
        ("a || b && c", "(&& (|| a b) c)"),
        ("a ==> b <==> c", "(==> a (<==> b c))"),
        ("x + y * z - w", "(- (+ x (* y z)) w)"),
        ("len xs - 1", "(- (len xs) 1)"),
        ("f -1", "(- f 1)"),
        ("1 + if c then a else b + 1", "(+ 1 (if c a (+ b 1)))"),
        ("!p x && y", "(&& (! (p x)) y)"),
        ("x in s == b", "error"),
        ("a < b < c", "error"),
        ("!!x", "error"),
    ];
    for (formula, expected) in cases {
        let text = format!("qualifier {{{formula}}}\n");
        let parsed = parse(&text);
        let got = if parsed.has_errors() {
            "error".to_owned()
        } else {
            let dumped = dump::dump_module(&parsed.module);
            let inner = dumped.trim().strip_prefix("(qualifier ").and_then(|s| s.strip_suffix(')'));
            inner.expect("a one-formula qualifier").to_owned()
        };
        assert_eq!(got, expected, "{formula}");
    }
}
