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

/// Runs the `rsynth` binary without colours; returns its exit code, stdout and stderr.
pub fn rsynth(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rsynth"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    (
        out.status.code().expect("exited normally, not by a signal"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A path inside the project, as a string for command lines.
pub fn project(path: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path).display().to_string()
}

/// A test's scratch folder under the system's temporary folder, named
/// `rsynth-{tag}-...`, removed with everything in it when the value is dropped (also
/// when the test fails), so test runs leave nothing behind.
pub struct Scratch(tempfile::TempDir);

impl Scratch {
    pub fn new(tag: &str) -> Scratch {
        Scratch(tempfile::Builder::new().prefix(&format!("rsynth-{tag}-")).tempdir().unwrap())
    }

    pub fn path(&self) -> &std::path::Path {
        self.0.path()
    }

    /// Writes a file into the folder and returns its path.
    pub fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path().join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }
}

/// Runs REPL input in a session; returns what it printed, stdout and stderr interleaved
/// as a terminal would show them.
pub fn run_in_session(session: &mut rsynth::repl::session::Session, input: &str) -> String {
    let screen = Screen::default();
    session.execute(input, &mut screen.clone(), &mut screen.clone());
    let bytes = screen.0.borrow().clone();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A terminal's screen: every writer appends to it.
#[derive(Clone, Default)]
struct Screen(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl std::io::Write for Screen {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
