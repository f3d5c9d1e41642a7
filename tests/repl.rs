//! The REPL as a person uses it: `rsynth repl` runs in a pseudo-terminal, a test types
//! at it and reads what the screen shows. Load a file, fill a goal, provoke an error,
//! complete a command and a name with Tab, type a multi-line declaration, redefine a
//! goal, cancel a long search with Ctrl-C, quit with Ctrl-D; the history file keeps the
//! lines typed.
//!
//! Timeouts are generous (the machine may be loaded) and nothing is timed: each step
//! waits for text to appear.

mod common;

use std::process::Command;

use rexpect::reader::Options;
use rexpect::session::{PtySession, spawn_with_options};

/// How long to wait for any one piece of output.
const WAIT_MS: u64 = 60_000;

const FIRST: &str = "\
data List a where
  Nil :: List a
  Cons :: x: a -> xs: List a -> List a

termination measure len :: List a -> {Int | _v >= 0} where
  Nil -> 0
  Cons x xs -> 1 + len xs

zero :: {Int | _v == 0}
inc :: x: Int -> {Int | _v == x + 1}

length :: xs: List a -> {Int | _v == len xs}
length = ??
";

/// A goal no program meets (for an empty `xs`, the result would need one element and
/// none): the search runs until its time limit (10 minutes here), unless cancelled.
const SLOW: &str = "\
import List (append, snoc, reverse)
import Prelude (zero, inc, dec)

square :: xs: List a -> {List a | len _v == len xs + len xs + 1 && elems _v == elems xs}
square = ??
";

fn start(dir: &std::path::Path, args: &[&str]) -> PtySession {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rsynth"));
    cmd.args(["--color", "never", "repl", "--timeout", "600"]).args(args);
    cmd.current_dir(dir).env("RSYNTH_HISTORY", dir.join("history")).env("TERM", "xterm").env("NO_COLOR", "1");
    spawn_with_options(cmd, Options::new().timeout_ms(Some(WAIT_MS)).strip_ansi_escape_codes(true))
        .expect("rsynth repl starts in a pseudo-terminal")
}

/// Waits for `needle`, with what was seen in the failure message.
fn expect(p: &mut PtySession, needle: &str) -> String {
    match p.exp_string(needle) {
        Ok(before) => before,
        Err(e) => panic!("waiting for {needle:?}: {e}"),
    }
}

#[test]
fn a_session_at_the_terminal() {
    let scratch = common::Scratch::new("repl-test");
    let dir = scratch.path();
    std::fs::write(dir.join("first.sq"), FIRST).unwrap();
    std::fs::write(dir.join("slow.sq"), SLOW).unwrap();
    let mut p = start(dir, &["first.sq"]);

    // Loading a file says what is in it.
    expect(&mut p, "loaded first.sq: 1 goal (0 verified, 1 with holes)");
    expect(&mut p, "rsynth> ");

    // Fill the goal.
    p.send_line(":fill length").unwrap();
    expect(&mut p, "filling length");
    expect(&mut p, "length = \\xs .");
    expect(&mut p, "Cons x1 x2 -> inc (length x2)");
    expect(&mut p, "-- solved in");
    expect(&mut p, "rsynth> ");

    // An error is reported, and the session goes on without the declaration.
    p.send_line("broken :: {Intt | _v == 0}").unwrap();
    expect(&mut p, "unknown type `Intt`");
    expect(&mut p, "not in scope here");
    expect(&mut p, "not added: the session is unchanged");
    expect(&mut p, "rsynth> ");

    // Tab completes a command, then a name in scope.
    p.send(":ty\t").unwrap();
    p.flush().unwrap();
    expect(&mut p, ":type");
    p.send(" in\t").unwrap();
    p.flush().unwrap();
    expect(&mut p, "inc");
    p.send_line("").unwrap();
    expect(&mut p, "inc :: x: Int -> {Int | _v == x + 1}");
    expect(&mut p, "rsynth> ");

    // A multi-line declaration: a continuation prompt until an empty line.
    p.send_line("double :: xs: List a ->").unwrap();
    expect(&mut p, "...> ");
    p.send_line("  {List a | len _v == len xs + len xs}").unwrap();
    expect(&mut p, "...> ");
    p.send_line("").unwrap();
    expect(&mut p, "defined signature double");
    p.send_line("double = ??").unwrap();
    expect(&mut p, "double has holes");
    p.send_line(":fill double").unwrap();
    expect(&mut p, "double = \\xs .");
    expect(&mut p, "-- solved in");

    // Redefining a goal replaces it; its check runs at once.
    p.send_line("length = \\xs . zero").unwrap();
    expect(&mut p, "replaced goal length");
    expect(&mut p, "cannot prove that this term has type");
    expect(&mut p, "length: FAILED");

    // Ctrl-C cancels a search that would run for ten minutes.
    p.send_line(":load slow.sq").unwrap();
    expect(&mut p, "loaded slow.sq");
    expect(&mut p, "rsynth> ");
    p.send_line(":fill square").unwrap();
    expect(&mut p, "filling square");
    std::thread::sleep(std::time::Duration::from_millis(500));
    p.send_control('c').unwrap();
    expect(&mut p, "square: cancelled");
    expect(&mut p, "rsynth> ");
    p.send_line(":env").unwrap();
    expect(&mut p, "libraries:  List (stdlib/list.sq)");
    expect(&mut p, "goals:      square (has holes)");

    // Ctrl-D quits.
    p.send_control('d').unwrap();
    p.exp_eof().expect("the REPL exits on Ctrl-D");

    let history = std::fs::read_to_string(dir.join("history")).expect("a history file");
    assert!(history.contains(":fill length"), "{history}");
    assert!(history.contains("double :: xs: List a ->"), "{history}");
}

#[test]
fn piped_input_works_without_a_terminal() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rsynth"))
        .args(["--color", "never", "repl"])
        .env("RSYNTH_HISTORY", "")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let stdin = child.stdin.as_mut().unwrap();
        stdin
            .write_all(b"zero :: {Int | _v == 0}\ninc :: x: Int -> {Int | _v == x + 1}\none :: {Int | _v == 1}\none = ??\n:fill one\n:stats\n:quit\n")
            .unwrap();
    }
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("one = inc zero"), "{stdout}");
    assert!(stdout.contains("last command: :fill"), "{stdout}");
}

/// A session driven directly (no terminal): what one command printed, stdout and
/// stderr interleaved as a screen shows them.
mod direct {
    use std::time::Duration;

    use rsynth::repl::session::{Options, Session};

    fn session() -> Session {
        Session::new(Options { lib_dirs: Vec::new(), timeout: Duration::from_secs(300), color: false })
    }

    fn run(s: &mut Session, input: &str) -> String {
        crate::common::run_in_session(s, input)
    }

    const TWO_GOALS: &str = "\
zero :: {Int | _v == 0}
inc :: x: Int -> {Int | _v == x + 1}

one :: {Int | _v == 1}
one = inc zero

two :: {Int | _v == 2}
two = inc (inc zero)

three :: {Int | _v == 3}
three = ??
";

    /// A file in a scratch folder that lives as long as the returned guard.
    fn file(name: &str, text: &str) -> (crate::common::Scratch, std::path::PathBuf) {
        let scratch = crate::common::Scratch::new("repl-direct");
        let path = scratch.file(name, text);
        (scratch, path)
    }

    #[test]
    fn reload_rechecks_only_the_edited_goal() {
        let (_scratch, path) = file("reload.sq", TWO_GOALS);
        let mut s = session();
        let out = run(&mut s, &format!(":load {}", path.display()));
        assert!(out.contains("3 goals (2 verified, 1 with holes)"), "{out}");
        // Edit one goal's body: only its check runs again.
        std::fs::write(&path, TWO_GOALS.replace("two = inc (inc zero)", "two = inc zero")).unwrap();
        let out = run(&mut s, ":reload");
        assert!(out.contains("3 goals (1 verified, 1 with holes, 1 FAILED)"), "{out}");
        assert!(out.contains("cannot prove that this term has type"), "{out}");
        let stats = run(&mut s, ":stats");
        assert!(stats.contains("last command: :reload"), "{stats}");
        assert!(stats.contains("goal checks: 1 re-run, 2 reused (of 3 goals)"), "{stats}");
        // Nothing changed: nothing re-runs.
        run(&mut s, ":reload");
        let stats = run(&mut s, ":stats");
        assert!(stats.contains("goal checks: 0 re-run, 3 reused"), "{stats}");
    }

    #[test]
    fn redefining_a_signature_of_a_file_keeps_its_goal() {
        let (_scratch, path) = file("redefine.sq", TWO_GOALS);
        let mut s = session();
        run(&mut s, &format!(":load {}", path.display()));
        // The file's `one = inc zero` now has to meet the new type, and does not.
        let out = run(&mut s, "one :: {Int | _v == 5}");
        assert!(out.contains("replaced signature one"), "{out}");
        let out = run(&mut s, ":check one");
        assert!(out.contains("one: FAILED"), "{out}");
        // The error points into the file, where the body is.
        assert!(out.contains("redefine.sq:5:"), "{out}");
        let out = run(&mut s, ":type one");
        assert_eq!(out.trim(), "one :: {Int | _v == 5}");
        // The file on disk is unchanged.
        assert_eq!(std::fs::read_to_string(&path).unwrap(), TWO_GOALS);
    }

    #[test]
    fn imports_typed_at_the_prompt() {
        let mut s = session();
        let out = run(&mut s, "import Lists");
        assert!(out.contains("no library `Lists`") && out.contains("did you mean `import List`?"), "{out}");
        assert!(out.contains("not added"), "{out}");
        let out = run(&mut s, "import List ()");
        assert_eq!(out, "defined import List\n");
        let out = run(&mut s, "import Prelude (zero, inc)");
        assert_eq!(out, "defined import Prelude\n");
        run(&mut s, "size :: xs: List a -> {Int | _v == len xs}");
        run(&mut s, "size = ??");
        let out = run(&mut s, ":fill size");
        assert!(out.contains("Cons x1 x2 -> inc (size x2)"), "{out}");
        let out = run(&mut s, ":env");
        assert!(out.contains("libraries:  List (stdlib/list.sq), Prelude (stdlib/prelude.sq)"), "{out}");
        assert!(out.contains("components: zero, inc"), "{out}");
        // Importing again with another list replaces the import.
        let out = run(&mut s, "import Prelude (zero, inc, dec)");
        assert_eq!(out, "replaced import Prelude\n");
        assert!(run(&mut s, ":env").contains("components: zero, inc, dec"));
        let out = run(&mut s, ":type len");
        assert!(out.starts_with("termination measure len :: List a"), "{out}");
        let out = run(&mut s, ":emit rust size");
        assert!(out.contains("pub fn size<A>(xs: List<A>) -> i64"), "{out}");
    }

    #[test]
    fn commands_explain_their_mistakes() {
        let mut s = session();
        assert!(run(&mut s, ":frobnicate").contains("unknown command `:frobnicate`"));
        assert!(run(&mut s, ":emit").contains("usage: :emit rust|ocaml NAME"));
        assert!(run(&mut s, ":type nothing").contains("`nothing` is not in scope"));
        run(&mut s, "zero :: {Int | _v == 0}");
        assert!(run(&mut s, ":emit rust zero").contains("`zero` is a component without a body"));
        run(&mut s, "z :: {Int | _v == 0}");
        run(&mut s, "z = ??");
        assert!(run(&mut s, ":emit rust z").contains("fill it first with `:fill z`"));
        assert!(run(&mut s, ":fill nope").contains("no goal `nope` (goals: z)"));
        let out = run(&mut s, "f :: (Int");
        assert!(out.contains("syntax-error") || out.contains("Error"), "{out}");
        assert!(run(&mut s, ":load /nonexistent/file.sq").contains("cannot read"));
    }
}
