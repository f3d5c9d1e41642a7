//! The Synquid PLDI'16 suite (problems and solutions, 128 files) parses and round-trips
//! through the formatter. Skips when `../shared` is absent.

mod common;

#[test]
fn every_suite_file_parses_and_round_trips() {
    let Some(suite) = common::synquid_suite() else { return };
    let mut files = common::sq_files(&suite);
    files.extend(common::sq_files(&suite.join("solution")));
    assert_eq!(files.len(), 128, "the suite has 64 problems and 64 solutions");
    for path in &files {
        let text = std::fs::read_to_string(path).expect("suite files are UTF-8");
        common::assert_round_trip(&path.display().to_string(), &text);
    }
}

#[test]
fn suite_goals_are_holes_and_solutions_are_programs() {
    use rsynth::syntax::ast::{DeclKind, TermKind};
    let Some(suite) = common::synquid_suite() else { return };
    for path in common::sq_files(&suite) {
        let parsed = rsynth::syntax::parse(&std::fs::read_to_string(&path).unwrap());
        let goals: Vec<_> = parsed
            .module
            .decls
            .iter()
            .filter_map(|d| match &d.kind {
                DeclKind::Goal(g) => Some(g),
                _ => None,
            })
            .collect();
        assert!(!goals.is_empty(), "{}: no goal", path.display());
        assert!(goals.iter().all(|g| g.body.kind == TermKind::Hole), "{}: goal is not `??`", path.display());
    }
}
