//! The documentation's examples are real: every code block of the README and `docs/`
//! is run, and what it shows is checked, so the docs cannot drift from the program.
//!
//! What a block's info string asks for (`tests/README.md` has the table):
//!
//! * `sq` — a `.sq` program: it parses, survives the formatter's round trip, resolves,
//!   and is checked like `rsynth check` (goals with holes are listed). `sq fill` fills
//!   it, `sq emit-rust` / `sq emit-ocaml` fills and emits it, `sq error` expects errors
//!   and shows them, `sq parse` only parses (for fragments). `file=NAME.sq` names the
//!   file in messages. The output of every `sq` block is snapshot-tested (one snapshot
//!   per document), and a block right after it with the info string `output` must
//!   match it.
//! * `console` — `$ rsynth ...` lines run the binary in the repository's root; the lines
//!   after each command are its output (stdout, then stderr).
//! * `repl` — a REPL transcript: lines after the prompt `rsynth> ` (and the continuation
//!   prompt `   ...> `) are typed into a session; the other lines are its output.
//! * Anything else (`text`, `bash`, `rust`, no info string, ...) is not run.
//!
//! Timings and candidate counts vary from run to run and machine to machine: outputs
//! are compared with every `1.23s` made `#s` and every `N candidates` made `# candidates`.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use rsynth::db::{self, Database};
use rsynth::diagnostics;
use rsynth::fill::{fill_program, filled_module};
use rsynth::repl::session::{Options, Session};
use rsynth::syntax::pretty;
use rsynth::synth::{CancelFlag, SynthConfig};

struct Block {
    info: String,
    /// Line of the opening fence (from 1).
    line: usize,
    text: String,
}

fn blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut current: Option<Block> = None;
    for (i, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        match &mut current {
            None if trimmed.starts_with("```") => {
                current = Some(Block {
                    info: trimmed.trim_start_matches('`').trim().to_owned(),
                    line: i + 1,
                    text: String::new(),
                })
            }
            Some(_) if trimmed.starts_with("```") => blocks.extend(current.take()),
            Some(block) => {
                block.text.push_str(line);
                block.text.push('\n');
            }
            None => {}
        }
    }
    blocks
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn documents() -> Vec<PathBuf> {
    let mut files = vec![root().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// Makes timings and search counters comparable.
fn normalize(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let words: Vec<String> = line
            .split(' ')
            .map(|w| {
                let core = w.trim_end_matches([',', ')', ';']);
                let tail = &w[core.len()..];
                let number = core.strip_suffix('s').filter(|n| {
                    !n.is_empty() && n.chars().all(|c| c.is_ascii_digit() || c == '.') && n.contains('.')
                });
                if number.is_some() { format!("#s{tail}") } else { w.to_owned() }
            })
            .collect();
        let mut line = words.join(" ");
        // `123 candidates` → `# candidates`
        while let Some(at) = line.find(" candidates") {
            let start = line[..at].rfind(|c: char| !c.is_ascii_digit()).map_or(0, |i| i + 1);
            if start == at {
                break;
            }
            line.replace_range(start..at, "#");
            if !line[at..].contains(" candidates") {
                break;
            }
        }
        // Statistics lines count SMT queries, which depend on the search's order.
        if line.contains("SMT") {
            line = line.chars().map(|c| if c.is_ascii_digit() { '#' } else { c }).collect();
            while line.contains("##") {
                line = line.replace("##", "#");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.trim_end().to_owned()
}

/// Runs an `sq` block; returns what a user would see.
fn run_sq(info: &[&str], text: &str) -> String {
    let file_name = info
        .iter()
        .find_map(|w| w.strip_prefix("file="))
        .map(str::to_owned)
        .unwrap_or_else(|| "block.sq".into());
    let mode = info.iter().copied().find(|w| !w.contains('=')).unwrap_or("check");
    if mode != "error" {
        common::assert_round_trip(&file_name, text);
    }
    if mode == "parse" {
        return String::new();
    }
    let mut db = Database::default();
    let file = db.add_file(file_name.clone(), text);
    let _ = rsynth::repl::library::load_libraries(&mut db, &[], &[file]);
    let mut out = String::new();
    let mut errors = db::parse(&db, file).errors.clone();
    errors.extend(db::resolve_file(&db, file).errors.iter().cloned());
    for (lib, lib_errors) in db::library_errors(&db, file) {
        out.push_str(&diagnostics::render(&lib_errors, lib.path(&db), lib.text(&db), false));
    }
    out.push_str(&diagnostics::render(&errors, &file_name, text, false));
    if !errors.is_empty() {
        assert_eq!(mode, "error", "{file_name}: unexpected errors:\n{out}");
        return out;
    }
    let program = &db::resolve_file(&db, file).program;
    match mode {
        "check" | "error" => {
            let report = db::verify_file(&db, file);
            for goal in &report.goals {
                out.push_str(&format!("{file_name}: {} {}\n", goal.name, goal.outcome.describe()));
            }
            out.push_str(&diagnostics::render(&report.diagnostics, &file_name, text, false));
            let failed = report.measure_failures > 0 || report.goals.iter().any(|g| g.outcome.is_failure());
            assert_eq!(failed, mode == "error", "{file_name}: expected {mode}:\n{out}");
        }
        "fill" | "emit-rust" | "emit-ocaml" => {
            let config = SynthConfig { timeout: Duration::from_secs(300), ..Default::default() };
            let report = fill_program(program, &config, &CancelFlag::new(), &mut |_| {});
            assert!(
                report.all_done() && report.diagnostics.is_empty(),
                "{file_name}: not filled: {report:?}"
            );
            if mode == "fill" {
                let parsed = db::parse(&db, file);
                let module = filled_module(&parsed.module, &report);
                out.push_str(&pretty::print_module_with_comments(&module, text, &parsed.comments));
            } else {
                let target = if mode == "emit-rust" {
                    rsynth::emit::Target::Rust
                } else {
                    rsynth::emit::Target::OCaml
                };
                let bodies: Vec<_> = report.solutions().map(|(n, s)| (n, s.body.clone())).collect();
                let options = rsynth::emit::EmitOptions { source_name: file_name.clone() };
                out.push_str(&rsynth::emit::emit_with_bodies(program, &bodies, target, &options).unwrap());
            }
        }
        other => panic!(
            "{file_name}: unknown sq block mode `{other}` (check, fill, emit-rust, emit-ocaml, error, parse)"
        ),
    }
    out
}

/// Runs a `console` block; returns the commands with their output, as the block shows.
fn run_console(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let Some(command) = line.strip_prefix("$ ") else { continue };
        let words: Vec<&str> = command.split_whitespace().collect();
        assert_eq!(words.first(), Some(&"rsynth"), "console blocks run rsynth only: {command}");
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_rsynth"))
            .args(&words[1..])
            .current_dir(root())
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        out.push_str(line);
        out.push('\n');
        out.push_str(&String::from_utf8_lossy(&output.stdout));
        out.push_str(&String::from_utf8_lossy(&output.stderr));
    }
    out
}

/// Runs a `repl` transcript; returns the transcript of what the session printed.
fn run_repl(text: &str) -> String {
    let mut session =
        Session::new(Options { lib_dirs: Vec::new(), timeout: Duration::from_secs(300), color: false });
    let mut out = String::new();
    let mut pending: Option<String> = None;
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(input) = line.strip_prefix("rsynth> ") {
            out.push_str(line);
            out.push('\n');
            let mut buffer = input.to_owned();
            while rsynth::repl::session::needs_more(&buffer) && i + 1 < lines.len() {
                let Some(more) = lines[i + 1].strip_prefix(rsynth::repl::CONTINUATION.trim_end()) else {
                    break;
                };
                i += 1;
                out.push_str(lines[i]);
                out.push('\n');
                buffer.push('\n');
                buffer.push_str(more.strip_prefix(' ').unwrap_or(more));
            }
            pending = Some(buffer);
        }
        if let Some(buffer) = pending.take() {
            out.push_str(&common::run_in_session(&mut session, &buffer));
        }
        i += 1;
    }
    out
}

#[test]
fn documentation_examples_run() {
    let mut checked = 0;
    for path in documents() {
        let markdown = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let blocks = blocks(&markdown);
        let mut snapshot = String::new();
        for (i, block) in blocks.iter().enumerate() {
            let info: Vec<&str> = block.info.split_whitespace().collect();
            let place = format!("{name}:{}", block.line);
            let shown = match info.first().copied() {
                Some("sq") => {
                    let output = run_sq(&info[1..], &block.text);
                    snapshot.push_str(&format!("----- {place} ({})\n{}\n", block.info, output.trim_end()));
                    Some(output)
                }
                Some("console") => Some(run_console(&block.text)),
                Some("repl") => Some(run_repl(&block.text)),
                _ => None,
            };
            let Some(shown) = shown else { continue };
            checked += 1;
            let expected = match info.first().copied() {
                Some("sq") => match blocks.get(i + 1) {
                    Some(next) if next.info == "output" => &next.text,
                    _ => continue,
                },
                _ => &block.text,
            };
            assert_eq!(
                normalize(expected),
                normalize(&shown),
                "{place}: the documentation shows something else than what rsynth does (left: the docs)"
            );
        }
        if !snapshot.is_empty() {
            insta::assert_snapshot!(format!("docs_{}", name.trim_end_matches(".md")), snapshot);
        }
    }
    assert!(checked >= 10, "expected code examples in the README and docs/, found {checked}");
}

#[test]
fn normalizing_ignores_timings_and_counters() {
    assert_eq!(
        normalize("-- solved in 0.04s (size 5, 10 candidates)"),
        "-- solved in #s (size 5, # candidates)"
    );
    assert_eq!(normalize("took 1.5s, 3 SMT queries"), "took #s, # SMT queries");
    assert_eq!(normalize("list is 10 long"), "list is 10 long");
}

#[test]
fn every_document_is_found() {
    let names: Vec<String> =
        documents().iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert!(
        names.contains(&"tutorial.md".to_owned()) && names.contains(&"language.md".to_owned()),
        "{names:?}"
    );
}

#[test]
fn emit_blocks_fill_then_emit() {
    let program =
        "zero :: {Int | _v == 0}\ninc :: x: Int -> {Int | _v == x + 1}\n\none :: {Int | _v == 1}\none = ??\n";
    let rust = run_sq(&["emit-rust"], program);
    assert!(rust.contains("pub fn one() -> i64") && rust.contains("inc(zero())"), "{rust}");
    let ocaml = run_sq(&["emit-ocaml", "file=one.sq"], program);
    assert!(ocaml.contains("let one") && ocaml.contains("one.sq"), "{ocaml}");
}
