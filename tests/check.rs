//! Verification: our own correct programs verify; broken ones are rejected with a
//! located refinement error; the suite's solutions are checked as far as the checker
//! goes today (the test records how many verify, and never lets that number drop).

mod common;

use rsynth::verify::{Outcome, verify_program};
use rsynth::{diagnostics, resolve, syntax};

fn verify_text(name: &str, text: &str) -> (rsynth::verify::Report, String) {
    let parsed = syntax::parse(text);
    assert!(parsed.errors.is_empty(), "{name}: parse errors: {:#?}", parsed.errors);
    let resolved = resolve::resolve(&parsed.module);
    assert!(resolved.errors.is_empty(), "{name}: resolution errors: {:#?}", resolved.errors);
    let report = verify_program(&resolved.program);
    let rendered = diagnostics::render(&report.diagnostics, name, text, false);
    (report, rendered)
}

#[test]
fn correct_programs_verify() {
    insta::glob!("corpus/check/pass/*.sq", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let (report, rendered) = verify_text(&path.display().to_string(), &text);
        assert!(!report.goals.is_empty());
        assert_eq!(report.measure_failures, 0, "{}: {rendered}", path.display());
        for goal in &report.goals {
            assert_eq!(goal.outcome, Outcome::Verified, "{}: {}\n{rendered}", path.display(), goal.name);
        }
    });
}

#[test]
fn broken_programs_are_rejected_with_a_located_error() {
    insta::glob!("corpus/check/fail/*.sq", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let (report, rendered) = verify_text(&name, &text);
        let failed = report.measure_failures > 0 || report.goals.iter().any(|g| g.outcome == Outcome::Failed);
        assert!(failed, "{name} was accepted");
        insta::assert_snapshot!(format!("----- SOURCE\n{text}\n----- DIAGNOSTICS\n{rendered}"));
    });
}

/// Solutions of the Synquid suite that the checker cannot verify yet, with the reason
/// class (see the note on issue #4). Any other solution must verify; a solution on this
/// list that starts verifying makes the test fail too, so the list only ever shrinks.
const NOT_YET_VERIFIED: &[&str] = &[];

#[test]
fn suite_solutions_verify_except_the_known_gaps() {
    let Some(suite) = common::synquid_suite() else { return };
    let mut unexpected_failures = Vec::new();
    let mut newly_verified = Vec::new();
    for path in common::sq_files(&suite.join("solution")) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let (report, rendered) = verify_text(&name, &text);
        let verified =
            report.measure_failures == 0 && report.goals.iter().all(|g| g.outcome == Outcome::Verified);
        match (verified, NOT_YET_VERIFIED.contains(&name.as_str())) {
            (false, false) => unexpected_failures.push(rendered),
            (true, true) => newly_verified.push(name),
            _ => {}
        }
    }
    assert!(unexpected_failures.is_empty(), "regressions:\n{}", unexpected_failures.join("\n"));
    assert!(newly_verified.is_empty(), "now verified, remove from NOT_YET_VERIFIED: {newly_verified:?}");
}
