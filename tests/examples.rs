//! Every example fills to its snapshot: `rsynth fill examples/X.sq` through the same
//! database, library loading and printing as the command line. A snapshot holds the
//! problem and the filled program; when the synthesizer finds a different (still
//! verified) solution, review the new snapshot like code.
//!
//! The examples README must list every example, so that the table of what each shows
//! stays complete.

use std::path::Path;

use rsynth::db::{self, Database};
use rsynth::fill::{GoalResult, fill_program, filled_module};
use rsynth::syntax::pretty;
use rsynth::synth::{CancelFlag, SynthConfig};

/// Fills a file as `rsynth fill` does; returns the filled program.
fn fill(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let mut db = Database::default();
    let file = db.add_file(path.file_name().unwrap().to_string_lossy(), text.clone());
    let errors = rsynth::repl::library::load_libraries(&mut db, &[], &[file]);
    assert!(errors.is_empty(), "{errors:?}");
    let parsed = db::parse(&db, file);
    let resolved = db::resolve_file(&db, file);
    assert!(
        parsed.errors.is_empty() && resolved.errors.is_empty(),
        "{}: {:#?}",
        path.display(),
        resolved.errors
    );
    // A generous limit: the examples take well under a second in release builds, and
    // this runs unoptimised on a machine that may be busy.
    let config = SynthConfig { timeout: std::time::Duration::from_secs(300), ..Default::default() };
    let report = fill_program(&resolved.program, &config, &CancelFlag::new(), &mut |_| {});
    for goal in &report.goals {
        assert!(
            matches!(goal.result, GoalResult::Solved(_) | GoalResult::Verified),
            "{}: goal {} not filled: {:?}",
            path.display(),
            goal.name,
            goal.result
        );
    }
    assert!(report.diagnostics.is_empty(), "{}: {:#?}", path.display(), report.diagnostics);
    let module = filled_module(&parsed.module, &report);
    pretty::print_module_with_comments(&module, &text, &parsed.comments)
}

#[test]
fn examples_fill_to_their_snapshots() {
    insta::glob!("../examples", "*.sq", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        insta::assert_snapshot!(format!("----- PROBLEM\n{text}\n----- FILLED\n{}", fill(path)));
    });
}

#[test]
fn the_readme_describes_every_example() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "sq") {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            assert!(readme.contains(&format!("`{name}`")), "examples/README.md does not describe {name}");
            count += 1;
        }
    }
    assert!(count >= 15, "expected at least 15 examples, found {count}");
}
