//! Resolution: the whole Synquid suite resolves without errors; resolved signatures of
//! our own examples are snapshot-tested; every kind of resolution error has a
//! diagnostic snapshot.

mod common;

use rsynth::{diagnostics, resolve, syntax};

fn resolve_text(text: &str) -> resolve::Resolved {
    let parsed = syntax::parse(text);
    assert!(parsed.errors.is_empty(), "parse errors: {:#?}", parsed.errors);
    resolve::resolve(&parsed.module)
}

#[test]
fn every_suite_file_resolves() {
    let Some(suite) = common::synquid_suite() else { return };
    let mut files = common::sq_files(&suite);
    files.extend(common::sq_files(&suite.join("solution")));
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let resolved = resolve_text(&text);
        if !resolved.errors.is_empty() {
            let name = path.display().to_string();
            failures.push(diagnostics::render(&resolved.errors, &name, &text, false));
        }
    }
    assert!(failures.is_empty(), "{} files failed to resolve:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn examples_resolve_to_these_signatures() {
    insta::glob!("../examples", "*.sq", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let resolved = resolve_text(&text);
        assert!(resolved.errors.is_empty(), "{}: {:#?}", path.display(), resolved.errors);
        insta::assert_snapshot!(format!(
            "----- SOURCE\n{text}\n----- RESOLVED\n{}",
            resolve::describe(&resolved.program)
        ));
    });
}

#[test]
fn parse_corpus_resolves_to_these_signatures() {
    insta::glob!("corpus/parse/*.sq", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let resolved = resolve_text(&text);
        let errors = diagnostics::render(&resolved.errors, "tour.sq", &text, false);
        insta::assert_snapshot!(format!(
            "----- RESOLVED\n{}\n----- DIAGNOSTICS\n{errors}",
            resolve::describe(&resolved.program)
        ));
    });
}

#[test]
fn resolution_errors_are_explained() {
    insta::glob!("corpus/resolve-errors/*.sq", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let resolved = resolve_text(&text);
        assert!(!resolved.errors.is_empty(), "{name}: expected resolution errors");
        let rendered = diagnostics::render(&resolved.errors, &name, &text, false);
        insta::assert_snapshot!(format!("----- SOURCE\n{text}\n----- DIAGNOSTICS\n{rendered}"));
    });
}
