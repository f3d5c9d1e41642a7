//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::path::PathBuf;

/// The Synquid PLDI'16 suite beside the project, if it is there. Tests that need it skip
/// (with a message) when it is absent, as on a clone without `../shared`.
pub fn synquid_suite() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/benchmarks/synquid-pldi16");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: {} is absent", dir.display());
        None
    }
}

/// The `.sq` files of a folder, sorted by name.
pub fn sq_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|ext| ext == "sq"))
        .collect();
    files.sort();
    files
}

/// Parses, formats and re-parses `text`, asserting that nothing is lost: no errors, the
/// same tree spans aside, and formatting is idempotent. Returns the formatted text.
pub fn assert_round_trip(name: &str, text: &str) -> String {
    use rsynth::syntax::{parse, pretty, spans};
    let first = parse(text);
    assert!(first.errors.is_empty(), "{name}: parse errors: {:#?}", first.errors);
    let formatted = pretty::print_module_with_comments(&first.module, text, &first.comments);
    let second = parse(&formatted);
    assert!(
        second.errors.is_empty(),
        "{name}: formatted output does not parse: {:#?}\n{formatted}",
        second.errors
    );
    let (mut a, mut b) = (first.module.clone(), second.module.clone());
    spans::erase(&mut a);
    spans::erase(&mut b);
    assert_eq!(a, b, "{name}: formatting changed the tree\n{formatted}");
    let again = pretty::print_module_with_comments(&second.module, &formatted, &second.comments);
    assert_eq!(formatted, again, "{name}: formatting is not idempotent");
    formatted
}
