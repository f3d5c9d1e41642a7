//! The binary as users run it: exit codes, stdout and stderr.

use std::path::Path;

mod common;

use common::{Scratch, project, rsynth};

#[test]
fn parse_succeeds_on_examples() {
    let (code, stdout, stderr) =
        rsynth(&["parse", &project("examples/max.sq"), &project("examples/list-length.sq")]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("max.sq: 3 declarations"), "{stdout}");
    assert!(stderr.is_empty());
}

#[test]
fn parse_tree_prints_s_expressions() {
    let (code, stdout, _) = rsynth(&["parse", "--tree", &project("examples/max.sq")]);
    assert_eq!(code, 0);
    assert!(stdout.contains("(goal max ??)") && stdout.starts_with("(sig"), "{stdout}");
}

#[test]
fn every_malformed_input_exits_with_2_and_a_located_diagnostic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/malformed");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let (code, _, stderr) = rsynth(&["parse", &path.display().to_string()]);
        if std::fs::metadata(&path).unwrap().len() == 0 {
            assert_eq!(code, 0, "the empty file is a valid, empty program");
            continue;
        }
        assert_eq!(code, 2, "{}", path.display());
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(stderr.contains(&format!("{name}:")), "no file:line:column in {stderr}");
        assert!(stderr.contains("Error"), "{stderr}");
    }
}

#[test]
fn missing_file_directory_and_invalid_utf8_are_input_errors() {
    let (code, _, stderr) = rsynth(&["parse", "/nonexistent/file.sq"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no such file"), "{stderr}");

    let (code, _, stderr) = rsynth(&["parse", &project("examples")]);
    assert_eq!(code, 2);
    assert!(stderr.contains("is a directory"), "{stderr}");

    let scratch = Scratch::new("cli-test");
    let bad = scratch.file("bad-utf8.sq", b"f :: Int\n\xff\xfe\n");
    let (code, _, stderr) = rsynth(&["parse", &bad.display().to_string()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("not valid UTF-8") && stderr.contains(":2:1"), "{stderr}");
}

#[test]
fn binary_garbage_exits_with_2() {
    let bytes: Vec<u8> = (0u8..=255).cycle().take(2048).collect();
    let scratch = Scratch::new("cli-test");
    let garbage = scratch.file("garbage.sq", &bytes);
    let (code, _, stderr) = rsynth(&["parse", &garbage.display().to_string()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("not valid UTF-8"), "{stderr}");
    let text: String = (1u8..=127).map(char::from).collect();
    let controls = scratch.file("controls.sq", text.as_bytes());
    let (code, _, stderr) = rsynth(&["parse", &controls.display().to_string()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown-character"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "no raw escape characters reach the terminal");
}

#[test]
fn fmt_prints_canonical_text_and_check_reports_differences() {
    let scratch = Scratch::new("cli-test");
    let messy = scratch.file("messy.sq", b"f   ::   x:Int->{Int|_v==x+1}\r\nf = \\x .   x+1\r\n");
    let path = messy.display().to_string();
    let (code, stdout, _) = rsynth(&["fmt", &path]);
    assert_eq!(code, 0);
    assert_eq!(stdout, "f :: x: Int -> {Int | _v == x + 1}\nf = \\x . x + 1\n");
    let (code, _, _) = rsynth(&["fmt", "--check", &path]);
    assert_eq!(code, 1, "a messy file is not formatted");
    let (code, _, _) = rsynth(&["fmt", "--write", &path]);
    assert_eq!(code, 0);
    assert_eq!(std::fs::read_to_string(&messy).unwrap(), stdout);
    let (code, _, _) = rsynth(&["fmt", "--check", &path]);
    assert_eq!(code, 0, "formatting is idempotent");
}

#[test]
fn fmt_never_rewrites_a_file_with_errors() {
    let scratch = Scratch::new("cli-test");
    let broken = scratch.file("broken.sq", b"f :: (Int\n");
    let (code, stdout, stderr) = rsynth(&["fmt", "--write", &broken.display().to_string()]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty() && stderr.contains("Error"));
    assert_eq!(std::fs::read(&broken).unwrap(), b"f :: (Int\n");
}

#[test]
fn fill_prints_the_program_with_its_holes_filled() {
    let (code, stdout, stderr) = rsynth(&["fill", &project("examples/list-length.sq")]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("length = \\xs ."), "{stdout}");
    assert!(!stdout.contains("??"), "{stdout}");
    let (code, _, stderr) = rsynth(&["fill", "does-not-exist.sq"]);
    assert_eq!(code, 2, "{stderr}");
}

/// `--trace-work` (for developers who replay schedules): each lane's work and time,
/// growing, then how its search ended.
#[test]
fn fill_traces_each_lanes_work_when_asked() {
    let example = project("examples/list-length.sq");
    let (code, stdout, stderr) = rsynth(&["fill", "--trace-work", "--app-depth", "2", &example]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("length = \\xs ."), "{stdout}");
    let mut last = (0u64, 0u64);
    let mut lines = stderr.lines().filter(|l| l.starts_with("work"));
    for line in lines.by_ref() {
        let fields: Vec<&str> = line.split(' ').collect();
        let units: u64 = fields[3].parse().unwrap();
        let micros: u64 = fields[4].parse().unwrap();
        assert_eq!(&fields[1..3], ["length", "0"], "{line}");
        assert!(units >= last.0 && micros >= last.1, "{line} after {last:?}");
        last = (units, micros);
        if fields[0] == "work-end" {
            assert_eq!(fields[5], "found", "{line}");
            break;
        }
        assert_eq!(fields[0], "work", "{line}");
    }
    assert!(last.0 > 0 && lines.next().is_none(), "{stderr}");
    // Without it, nothing of the kind.
    let (_, _, stderr) = rsynth(&["fill", "--app-depth", "2", &example]);
    assert!(!stderr.lines().any(|l| l.starts_with("work")), "{stderr}");
}

#[test]
fn bench_tabulates_a_folder_and_counts_failures() {
    let scratch = Scratch::new("bench-test");
    let dir = scratch.path();
    std::fs::copy(project("examples/list-length.sq"), dir.join("length.sq")).unwrap();
    // A specification no program meets: `_v == x && _v != x`.
    std::fs::write(dir.join("impossible.sq"), "f :: x: Int -> {Int | _v == x && _v != x}\nf = ??\n").unwrap();
    let csv = dir.join("out.csv");
    let (code, stdout, stderr) = rsynth(&[
        "bench",
        &dir.display().to_string(),
        "--timeout",
        "20",
        "--csv",
        &csv.display().to_string(),
    ]);
    assert_eq!(code, 1, "one problem fails: {stdout}{stderr}");
    assert!(stdout.contains("length ") && stdout.contains("solved"), "{stdout}");
    assert!(stdout.contains("impossible") && stdout.contains("unsolved"), "{stdout}");
    assert!(stdout.contains("1 passed, 1 failed"), "{stdout}");
    let csv = std::fs::read_to_string(csv).unwrap();
    assert!(csv.starts_with("name,status,seconds,smt_queries,size,peak_mb\n"), "{csv}");
    assert_eq!(csv.lines().count(), 3, "{csv}");
}

#[test]
fn check_verifies_complete_goals_and_lists_goals_with_holes() {
    let (code, stdout, stderr) = rsynth(&["check", "--resolved", &project("examples/sorted-insert.sq")]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("goal insert :: forall a ."), "{stdout}");
    assert!(stdout.contains("insert has holes: not checked"), "{stdout}");

    let (code, stdout, stderr) = rsynth(&["check", &project("tests/corpus/check/pass/length.sq")]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("length verified"), "{stdout}");

    let (code, stdout, stderr) = rsynth(&["check", &project("tests/corpus/check/fail/max-swapped.sq")]);
    assert_eq!(code, 1, "a verification failure exits with 1");
    assert!(stdout.contains("max FAILED"), "{stdout}");
    assert!(stderr.contains("counterexample"), "{stderr}");

    let scratch = Scratch::new("cli-test");
    let bad = scratch.file("unknown.sq", b"f :: xs: Lst Int -> Int\n");
    let (code, _, stderr) = rsynth(&["check", &bad.display().to_string()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown type `Lst`"), "{stderr}");
}

#[test]
fn help_explains_each_command_with_an_example() {
    for cmd in ["parse", "fmt", "check", "fill", "repl", "bench"] {
        let (code, stdout, _) = rsynth(&[cmd, "--help"]);
        assert_eq!(code, 0);
        assert!(stdout.contains("Example:"), "{cmd} --help has no example:\n{stdout}");
    }
    let (code, _, stderr) = rsynth(&["frobnicate"]);
    assert_eq!(code, 2, "usage errors are input errors: {stderr}");
}

/// The binary's `malloc` and friends (mimalloc's, see `src/main.rs`) serve every C
/// allocation of the process, libz3's included: glibc's heap is never set up. Seen from
/// outside, in the memory map of a running process, held up by a named pipe that
/// `parse` waits on (libz3 has initialised by then) until the test writes the program.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn c_allocations_do_not_use_glibcs_heap() {
    use std::io::Write;
    let scratch = Scratch::new("cli-test");
    let pipe = scratch.path().join("program.sq");
    let made = std::process::Command::new("mkfifo").arg(&pipe).status();
    if !made.is_ok_and(|status| status.success()) {
        eprintln!("skipped: mkfifo is not available");
        return;
    }
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rsynth"))
        .arg("parse")
        .arg(&pipe)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("the binary runs");
    let maps = format!("/proc/{}/maps", child.id());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    // Polls `f` until it gives a value or the deadline passes.
    fn until<T>(deadline: std::time::Instant, mut f: impl FnMut() -> Option<T>) -> Option<T> {
        loop {
            if let Some(value) = f() {
                return Some(value);
            }
            if std::time::Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
    // The child waits on the pipe once it has opened it (its start-up, libz3's static
    // initialisation included, is behind it); the map is read then.
    let writer = until(deadline, || {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new().write(true).custom_flags(libc::O_NONBLOCK).open(&pipe).ok()
    })
    .expect("the child opens the pipe");
    let map = std::fs::read_to_string(&maps).unwrap_or_default();
    // Writing the program lets `parse` go on, whatever was seen. The child is waited
    // for with a deadline, so that a child that died early fails the test instead of
    // hanging it.
    (&writer).write_all(b"one :: {Int | _v == 1}\n").unwrap();
    drop(writer);
    let status = until(deadline, || child.try_wait().unwrap());
    if status.is_none() {
        let _ = child.kill();
    }
    assert!(status.expect("the child finishes").success());
    assert!(map.contains("libz3"), "libz3 is loaded: {map}");
    assert!(!map.contains("[heap]"), "glibc's heap was used: {map}");
}
