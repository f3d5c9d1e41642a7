//! The command line: subcommands, file reading, diagnostics on stderr, exit codes.
//!
//! **Architecture invariant:** with `main.rs`, this is the only module that does IO. Every
//! command goes through the salsa [`Database`], as the REPL and the tests do.
//!
//! Exit codes: 0 success; 1 verification or synthesis failed (later commands);
//! 2 input error (unreadable file, syntax error); 3 the command is not implemented yet.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

mod bench;

use crate::db::{self, Database};
use crate::diagnostics::{self, Diagnostic};
use crate::source::read_source;
use crate::syntax::{dump, pretty};

pub const EXIT_OK: u8 = 0;
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_INPUT_ERROR: u8 = 2;
pub const EXIT_NOT_IMPLEMENTED: u8 = 3;

/// How the binary ends the process at once, without winding anything down (set by
/// `main.rs`; unset where the command line runs inside another program, such as tests).
static END_NOW: std::sync::OnceLock<fn(u8) -> !> = std::sync::OnceLock::new();

/// Lets commands end the process with `end` once their output is written: nothing is
/// left to do but freeing memory, which after a long search takes tens of milliseconds
/// (see [`crate::synth::on_search_stack_then`]).
pub fn end_processes_with(end: fn(u8) -> !) {
    let _ = END_NOW.set(end);
}

/// Flushes the output and ends the process with `status`, if the binary allows it;
/// otherwise returns `status`.
fn end_now(status: u8) -> u8 {
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    match END_NOW.get() {
        Some(end) => end(status),
        None => status,
    }
}

/// At most this many diagnostics are printed per file; the rest are counted.
const MAX_DIAGNOSTICS_PER_FILE: usize = 50;

#[derive(Parser, Debug)]
#[command(
    name = "rsynth",
    version,
    about = "Program synthesis from refinement types (a Synquid-compatible synthesizer for .sq files)",
    after_help = "Exit codes: 0 success, 1 verification/synthesis failed, 2 input error, 3 not implemented yet."
)]
pub struct Cli {
    /// When to colour diagnostics.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,

    /// A folder of libraries for `import` (repeatable; searched in order, before the
    /// bundled standard library). `import SortedList` looks for `sorted-list.sq`.
    #[arg(long = "lib", value_name = "DIR", global = true)]
    pub lib: Vec<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// A language `rsynth emit` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EmitTarget {
    Rust,
    Ocaml,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Parse .sq files and report every syntax error.
    ///
    /// Exits with 0 when all files parse, 2 when any has an error (diagnostics go to
    /// stderr). With --tree, prints the parse tree as S-expressions.
    #[command(
        after_help = "Example:\n  rsynth parse examples/list-replicate.sq\n  rsynth parse --tree examples/*.sq"
    )]
    Parse {
        /// The files to parse.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print each file's parse tree.
        #[arg(long)]
        tree: bool,
    },
    /// Print a .sq file in canonical layout.
    ///
    /// The output parses to the same tree as the input, and formatting it again changes
    /// nothing. Comments are kept; a comment inside a declaration moves to just before it.
    /// A file with syntax errors is never rewritten.
    #[command(after_help = "Example:\n  rsynth fmt examples/list-replicate.sq\n  rsynth fmt --write my.sq")]
    Fmt {
        /// The file to format.
        file: PathBuf,
        /// Rewrite the file in place instead of printing it.
        #[arg(long, conflicts_with = "check")]
        write: bool,
        /// Exit with 1 if the file is not already formatted; print nothing.
        #[arg(long)]
        check: bool,
    },
    /// Verify the functions that have bodies against their refinement types.
    ///
    /// Parses and resolves each file, then checks every goal whose body is a complete
    /// program. Prints one line per goal; failures are reported with the term whose type
    /// could not be proven, the required and found types, and a counterexample. Goals
    /// with holes are listed as not checked (use `rsynth fill`). Exits with 0 when every
    /// complete goal verifies, 1 when one does not, 2 on input errors.
    #[command(
        after_help = "Example:\n  rsynth check examples/list-length.sq\n  rsynth check --resolved --stats my.sq"
    )]
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print the resolved program: every signature with synonyms expanded and
        /// quantifiers explicit.
        #[arg(long)]
        resolved: bool,
        /// Print time, SMT queries and cache hits per file.
        #[arg(long)]
        stats: bool,
    },
    /// Emit a checked program as Rust or OCaml, with its refinements as run-time contracts.
    ///
    /// Parses, resolves and verifies the file first: every goal must have a complete
    /// body (use `rsynth fill` for holes) that verifies. Writes one source file to stdout,
    /// or to the path given with -o. Exits with 0 on success, 1 when a goal does not
    /// verify, 2 on input errors (including goals with holes and constructs the emitter
    /// does not support).
    #[command(
        after_help = "Example:\n  rsynth emit examples/sorted-insert.sq --to rust\n  rsynth emit my.sq --to ocaml -o my.ml"
    )]
    Emit {
        file: PathBuf,
        /// The language to emit.
        #[arg(long, value_enum)]
        to: EmitTarget,
        /// Write to this file instead of stdout.
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
    },
    /// Fill every `??` hole with a program that provably meets its type.
    ///
    /// Goals are solved in file order; each solution is verified by the checker before it
    /// is printed. Prints the whole program with the holes filled. Goals with complete
    /// bodies are verified. Exits with 0 when every goal is filled (or verifies), 1 when
    /// some goal is not solved within its time limit (what was solved is still printed,
    /// and each unsolved goal is explained on stderr), 2 on input errors.
    #[command(
        after_help = "Example:\n  rsynth fill examples/list-replicate.sq\n  rsynth fill --timeout 10 --stats my.sq"
    )]
    Fill(FillArgs),
    /// Explore .sq files interactively: load, check, fill, emit; type declarations.
    ///
    /// Loads the files given (if any) and reads commands and declarations: `:help`
    /// lists the commands. Declarations typed at the prompt extend the session; a name
    /// typed again replaces its declaration. Ctrl-C cancels a running search, Ctrl-D
    /// quits. History is kept in $RSYNTH_HISTORY (default ~/.local/state/rsynth/history).
    #[command(
        after_help = "Example:\n  rsynth repl examples/list-length.sq\n  rsynth repl --lib mylibs --timeout 30"
    )]
    Repl {
        files: Vec<PathBuf>,
        /// Time limit per goal of `:fill`, in seconds.
        #[arg(long, default_value_t = 120.0, value_name = "SECS")]
        timeout: f64,
    },
    /// Run `fill` over folders of problems and print a table.
    ///
    /// Every `.sq` file is filled in its own process, one after the other, and each
    /// solution is verified again. The table gives the status, seconds, SMT queries,
    /// solution size in AST nodes and peak memory of each problem, then the totals and
    /// `N passed, M failed`. Exits with 0 when every problem is solved, 1 otherwise.
    #[command(
        after_help = "Example:\n  rsynth bench ../shared/benchmarks/synquid-pldi16\n  rsynth bench examples --timeout 10 --csv results.csv"
    )]
    Bench {
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Time limit per goal, in seconds.
        #[arg(long, default_value_t = 120.0, value_name = "SECS")]
        timeout: f64,
        /// Also write the table as CSV to this file.
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
    },
}

/// The options of `rsynth fill`.
#[derive(clap::Args, Debug, Clone)]
pub struct FillArgs {
    file: PathBuf,
    /// Time limit per goal, in seconds.
    #[arg(long, default_value_t = 120.0, value_name = "SECS")]
    timeout: f64,
    /// The language to print the program in.
    #[arg(long, value_enum, default_value_t = FillOutput::Sq)]
    emit: FillOutput,
    /// Write the program to this file instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "PATH")]
    output: Option<PathBuf>,
    /// Print time, SMT queries, cache hits and candidates explored per goal (stderr).
    #[arg(long)]
    stats: bool,
    #[command(flatten)]
    bounds: BoundsArgs,
    /// Print every candidate the search checks (for developers; very verbose).
    #[arg(long, hide = true)]
    trace: bool,
    /// Print each lane's work and time as it goes (for developers, to replay schedules).
    #[arg(long, hide = true)]
    trace_work: bool,
    /// End with one machine-readable line on stderr (used by `rsynth bench`).
    #[arg(long, hide = true)]
    machine_report: bool,
}

/// What `rsynth fill` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FillOutput {
    /// The `.sq` program with its holes filled.
    Sq,
    Rust,
    Ocaml,
}

/// Expert flags: pin the search bounds instead of letting the schedule grow them.
/// Giving any of them makes the search run once, under exactly these bounds (unset ones
/// take Synquid's defaults).
#[derive(clap::Args, Debug, Default, Clone)]
pub struct BoundsArgs {
    /// Maximum application depth of E-terms (Synquid's -a).
    #[arg(long, value_name = "N", help_heading = "Search bounds (experts)")]
    app_depth: Option<u32>,
    /// Maximum nesting of matches (Synquid's -m); 0 disables them.
    #[arg(long, value_name = "N", help_heading = "Search bounds (experts)")]
    match_depth: Option<u32>,
    /// Maximum application depth of enumerated match scrutinees.
    #[arg(long, value_name = "N", help_heading = "Search bounds (experts)")]
    scrutinee_depth: Option<u32>,
    /// Maximum nesting of auxiliary functions for higher-order arguments (Synquid's -x).
    #[arg(long, value_name = "N", help_heading = "Search bounds (experts)")]
    aux_depth: Option<u32>,
    /// Find matches only by enumerating scrutinees (Synquid's -e).
    #[arg(long, help_heading = "Search bounds (experts)")]
    no_match_abduction: bool,
    /// Let match abduction scrutinize variables bound by cases (Synquid's -u).
    #[arg(long, help_heading = "Search bounds (experts)")]
    unfold_locals: bool,
}

impl BoundsArgs {
    /// The pinned bounds, if any flag was given.
    fn pinned(&self) -> Option<crate::synth::Bounds> {
        let any = self.app_depth.is_some()
            || self.match_depth.is_some()
            || self.scrutinee_depth.is_some()
            || self.aux_depth.is_some()
            || self.no_match_abduction
            || self.unfold_locals;
        if !any {
            return None;
        }
        let d = crate::synth::Bounds::default();
        Some(crate::synth::Bounds {
            app_depth: self.app_depth.unwrap_or(d.app_depth),
            match_depth: self.match_depth.unwrap_or(d.match_depth),
            scrutinee_depth: self.scrutinee_depth.unwrap_or(d.scrutinee_depth),
            aux_depth: self.aux_depth.unwrap_or(d.aux_depth),
            abduce_scrutinees: !self.no_match_abduction,
            unfold_locals: self.unfold_locals,
        })
    }
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout with exit 0, usage errors to stderr.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_INPUT_ERROR } else { EXIT_OK });
        }
    };
    ExitCode::from(run(cli))
}

/// Runs a parsed command line and returns the exit code.
pub fn run(cli: Cli) -> u8 {
    let color = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let mut out = Output { color, lib_dirs: cli.lib.clone() };
    match cli.command {
        Command::Parse { files, tree } => parse_command(&mut out, &files, tree),
        Command::Fmt { file, write, check } => fmt_command(&mut out, &file, write, check),
        Command::Check { files, resolved, stats } => check_command(&mut out, &files, resolved, stats),
        Command::Emit { file, to, output } => emit_command(&mut out, &file, to, output.as_deref()),
        Command::Fill(args) => fill_command(&mut out, &args),
        Command::Repl { files, timeout } => repl_command(&out, &files, timeout),
        Command::Bench { dirs, timeout, csv } => bench_command(&mut out, &dirs, timeout, csv.as_deref()),
    }
}

struct Output {
    color: bool,
    /// The `--lib` folders: where `load` looks for the libraries a file imports.
    lib_dirs: Vec<PathBuf>,
}

impl Output {
    fn report(&mut self, path: &str, text: &str, diagnostics: &[Diagnostic]) {
        let shown = &diagnostics[..diagnostics.len().min(MAX_DIAGNOSTICS_PER_FILE)];
        let mut rendered = diagnostics::render(shown, path, text, self.color);
        if diagnostics.len() > shown.len() {
            rendered.push_str(&format!(
                "... and {} more errors in {path} not shown\n",
                diagnostics.len() - shown.len()
            ));
        }
        let _ = std::io::stderr().write_all(rendered.as_bytes());
    }

    fn report_plain(&mut self, path: &str, diagnostic: &Diagnostic, text: Option<&str>) {
        match text {
            Some(text) => self.report(path, text, std::slice::from_ref(diagnostic)),
            None => {
                let _ = std::io::stderr().write_all(diagnostics::plain(diagnostic, "").as_bytes());
                let _ = path;
            }
        }
    }
}

/// Loads a file into the database, with the libraries it imports, reporting read
/// errors.
fn load(db: &mut Database, out: &mut Output, path: &Path) -> Option<db::SourceFile> {
    let shown = path.display().to_string();
    match read_source(path) {
        Ok(text) => {
            let file = db.add_file(shown, text);
            for e in crate::repl::library::load_libraries(db, &out.lib_dirs, &[file]) {
                out.report_plain(&e.path, &e.error.diagnostic, e.error.text.as_deref());
            }
            Some(file)
        }
        Err(e) => {
            out.report_plain(&shown, &e.diagnostic, e.text.as_deref());
            None
        }
    }
}

/// The parse and resolution errors of a file, reported; the errors inside the libraries
/// it imports are reported against the library files. Returns whether there were any.
fn report_front_end(db: &Database, out: &mut Output, file: db::SourceFile) -> bool {
    let mut errors = db::parse(db, file).errors.clone();
    errors.extend(db::resolve_file(db, file).errors.iter().cloned());
    for (lib, lib_errors) in db::library_errors(db, file) {
        out.report(lib.path(db), lib.text(db), &lib_errors);
    }
    if !errors.is_empty() {
        out.report(file.path(db), file.text(db), &errors);
    }
    !errors.is_empty()
}

fn parse_command(out: &mut Output, files: &[PathBuf], tree: bool) -> u8 {
    let mut db = Database::default();
    let mut status = EXIT_OK;
    let stdout = std::io::stdout();
    for path in files {
        let Some(file) = load(&mut db, out, path) else {
            status = EXIT_INPUT_ERROR;
            continue;
        };
        let parsed = db::parse(&db, file);
        if parsed.has_errors() {
            out.report(file.path(&db), file.text(&db), &parsed.errors);
            status = EXIT_INPUT_ERROR;
            continue;
        }
        let mut lock = stdout.lock();
        if tree {
            let _ = write!(lock, "{}", dump::dump_module(&parsed.module));
        } else {
            let n = parsed.module.decls.len();
            let _ = writeln!(lock, "{}: {n} declaration{}", file.path(&db), if n == 1 { "" } else { "s" });
        }
    }
    status
}

fn check_command(out: &mut Output, files: &[PathBuf], print_resolved: bool, stats: bool) -> u8 {
    let mut db = Database::default();
    let mut status = EXIT_OK;
    for path in files {
        let Some(file) = load(&mut db, out, path) else {
            status = EXIT_INPUT_ERROR;
            continue;
        };
        let resolved = db::resolve_file(&db, file);
        if report_front_end(&db, out, file) {
            status = EXIT_INPUT_ERROR;
            continue;
        }
        if print_resolved {
            let _ = std::io::stdout().write_all(crate::resolve::describe(&resolved.program).as_bytes());
        }
        let started = std::time::Instant::now();
        let report = db::verify_file(&db, file);
        let mut stdout = std::io::stdout().lock();
        for goal in &report.goals {
            let _ = writeln!(stdout, "{}: {} {}", file.path(&db), goal.name, goal.outcome.describe());
        }
        if !report.diagnostics.is_empty() {
            out.report(file.path(&db), file.text(&db), &report.diagnostics);
        }
        if report.measure_failures > 0 {
            let _ =
                writeln!(stdout, "{}: {} measure case(s) FAILED", file.path(&db), report.measure_failures);
        }
        let failed = report.measure_failures > 0 || report.goals.iter().any(|g| g.outcome.is_failure());
        if failed && status == EXIT_OK {
            status = EXIT_FAILED;
        }
        if stats {
            let s = &report.smt;
            let _ = writeln!(
                stdout,
                "{}: {:.3}s, {} SMT queries ({} cached), {:.3}s in Z3",
                file.path(&db),
                started.elapsed().as_secs_f64(),
                s.queries,
                s.cache_hits,
                s.time_in_z3.as_secs_f64()
            );
        }
    }
    status
}

fn fill_command(out: &mut Output, args: &FillArgs) -> u8 {
    use crate::fill::GoalResult;
    use crate::synth::Failure;
    let mut db = Database::default();
    let Some(file) = load(&mut db, out, &args.file) else { return EXIT_INPUT_ERROR };
    let parsed = db::parse(&db, file);
    let resolved = db::resolve_file(&db, file);
    if report_front_end(&db, out, file) {
        return EXIT_INPUT_ERROR;
    }
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        eprintln!("rsynth fill: --timeout must be a positive number of seconds");
        return EXIT_INPUT_ERROR;
    }
    // Pinned bounds replace only the schedule; the other settings are the command's.
    let base = args.bounds.pinned().map_or_else(Default::default, crate::synth::SynthConfig::pinned);
    let config = crate::synth::SynthConfig {
        timeout: std::time::Duration::from_secs_f64(args.timeout),
        trace: args.trace,
        trace_work: args.trace_work,
        ..base
    };
    let cancel = crate::synth::CancelFlag::new();
    CtrlC::watch(&cancel);
    let progress = Progress::start(&cancel);
    // The output is written as soon as the report is ready, while the search winds down
    // (see `fill::fill_program_then`), and then the process ends without waiting for it.
    let on_goal = &mut |goal| progress.goal(goal);
    crate::fill::fill_program_then(&resolved.program, &config, &cancel, on_goal, |report| {
        progress.stop();
        if !report.diagnostics.is_empty() {
            out.report(file.path(&db), file.text(&db), &report.diagnostics);
        }
        let mut status =
            if report.all_done() && report.diagnostics.is_empty() { EXIT_OK } else { EXIT_FAILED };

        // The program: as `.sq`, or emitted once every goal is filled.
        let module = crate::fill::filled_module(&parsed.module, &report);
        let sq = pretty::print_module_with_comments(&module, file.text(&db), &parsed.comments) + "\n";
        let target = match args.emit {
            FillOutput::Sq => None,
            FillOutput::Rust => Some(crate::emit::Target::Rust),
            FillOutput::Ocaml => Some(crate::emit::Target::OCaml),
        };
        let text = match target {
            Some(target) if status == EXIT_OK => {
                let bodies: Vec<_> = report.solutions().map(|(name, s)| (name, s.body.clone())).collect();
                let options = crate::emit::EmitOptions { source_name: file.path(&db).clone() };
                match crate::emit::emit_with_bodies(&resolved.program, &bodies, target, &options) {
                    Ok(text) => text,
                    Err(e) => {
                        out.report(file.path(&db), file.text(&db), &[e.into_diagnostic(&resolved.program)]);
                        eprintln!("rsynth fill: the program could not be emitted; here it is as .sq");
                        status = EXIT_INPUT_ERROR;
                        sq
                    }
                }
            }
            Some(_) => {
                eprintln!(
                    "rsynth fill: not every goal was filled, so nothing can be emitted; here is what was found, as .sq"
                );
                sq
            }
            None => sq,
        };
        match &args.output {
            None => {
                let _ = std::io::stdout().write_all(text.as_bytes());
            }
            Some(dest) => {
                if let Err(e) = write_atomically(dest, &text) {
                    let d =
                        Diagnostic::error("output-error", format!("cannot write `{}`: {e}", dest.display()));
                    out.report_plain(&dest.display().to_string(), &d, None);
                    let _ = std::io::stdout().write_all(text.as_bytes());
                    status = EXIT_INPUT_ERROR;
                }
            }
        }

        for goal in &report.goals {
            let line = match &goal.result {
                GoalResult::Verified => format!("{}: verified", goal.name),
                GoalResult::VerificationFailed => format!("{}: FAILED to verify", goal.name),
                GoalResult::Solved(s) => format!(
                    "{}: solved in {:.2}s (size {}; {} candidates: {} wrong shape, {} refinement, {} inconsistent; \
                     {} skipped as symmetric, {} consistency checks skipped, {} heads reused; {})",
                    goal.name,
                    s.elapsed.as_secs_f64(),
                    s.size,
                    s.stats.candidates,
                    s.stats.shape_rejects,
                    s.stats.refinement_rejects,
                    s.stats.consistency_rejects,
                    s.stats.symmetric_skips,
                    s.stats.consistency_skips,
                    s.stats.heads_reused,
                    s.bounds
                ),
                GoalResult::Unsolved(failure) => {
                    failure.explain(goal.name, std::time::Duration::from_secs_f64(args.timeout))
                }
            };
            if args.stats || !matches!(goal.result, GoalResult::Solved(_) | GoalResult::Verified) {
                eprintln!("{line}");
            }
        }
        if args.machine_report {
            let outcome = if status == EXIT_OK {
                "solved"
            } else if report
                .goals
                .iter()
                .any(|g| matches!(g.result, GoalResult::Unsolved(Failure::Timeout { .. })))
            {
                "timeout"
            } else {
                "unsolved"
            };
            let size: usize = report.solutions().map(|(_, s)| s.size).sum();
            eprintln!(
                "{} status={outcome} seconds={:.4} queries={} size={size} peak_kb={}",
                bench::REPORT_PREFIX,
                report.elapsed.as_secs_f64(),
                report.smt.queries,
                bench::peak_kb()
            );
        }
        if args.stats {
            let s = &report.smt;
            eprintln!(
                "{}: {:.3}s, {} SMT queries ({} cached, {} implied by earlier answers, {} Z3 checks, {} undecided), \
                 {:.3}s in Z3",
                file.path(&db),
                report.elapsed.as_secs_f64(),
                s.queries,
                s.cache_hits,
                s.implied,
                s.solver_calls,
                s.unknowns,
                s.time_in_z3.as_secs_f64()
            );
        }
        end_now(status)
    })
}

/// Ctrl-C during `fill`: the first stops the search (what was found is still printed),
/// a second one quits at once.
///
/// SIGINT is blocked in this thread, and so in every thread started after it, and a
/// thread of its own waits for it. The alternative, a handler, loses most presses: Z3
/// swaps in a handler of its own for the length of every check, from several threads at
/// once, so whichever handler is installed when the signal comes is a matter of luck.
struct CtrlC;

impl CtrlC {
    fn watch(cancel: &crate::synth::CancelFlag) {
        use nix::sys::signal::{SigSet, Signal};
        let mut set = SigSet::empty();
        set.add(Signal::SIGINT);
        if set.thread_block().is_err() {
            return;
        }
        let cancel = cancel.clone();
        // The thread waits for the rest of the process's life: `fill` is the last thing
        // the process does.
        let _ = std::thread::Builder::new().name("rsynth-ctrl-c".into()).spawn(move || {
            while let Ok(Signal::SIGINT) = set.wait() {
                if cancel.is_cancelled() {
                    std::process::exit(130);
                }
                cancel.cancel();
                eprintln!("\nrsynth: stopping the search (Ctrl-C again to quit at once)");
            }
        });
    }
}

/// A one-line progress display on stderr for searches that take more than a second
/// (only when stderr is a terminal): the goal, the time, the candidates checked.
struct Progress {
    state: Option<std::sync::Arc<(std::sync::Mutex<ProgressState>, std::sync::Condvar)>>,
    thread: std::sync::Mutex<Option<std::thread::JoinHandle<()>>>,
    cancel: crate::synth::CancelFlag,
}

struct ProgressState {
    goal: Option<(String, std::time::Instant, u64)>,
    done: bool,
}

impl Progress {
    fn start(cancel: &crate::synth::CancelFlag) -> Progress {
        if !std::io::stderr().is_terminal() {
            return Progress { state: None, thread: std::sync::Mutex::new(None), cancel: cancel.clone() };
        }
        let state = std::sync::Arc::new((
            std::sync::Mutex::new(ProgressState { goal: None, done: false }),
            std::sync::Condvar::new(),
        ));
        let shared = std::sync::Arc::clone(&state);
        let counter = cancel.clone();
        let thread = std::thread::spawn(move || {
            let (lock, wake) = &*shared;
            let mut shown = false;
            let Ok(mut st) = lock.lock() else { return };
            while !st.done {
                if let Some((goal, since, base)) = &st.goal
                    && since.elapsed() >= std::time::Duration::from_secs(1)
                {
                    eprint!(
                        "\r\x1b[2K  synthesizing {goal}: {:.1}s, {} candidates",
                        since.elapsed().as_secs_f64(),
                        counter.candidates().saturating_sub(*base)
                    );
                    shown = true;
                }
                st = match wake.wait_timeout(st, std::time::Duration::from_millis(200)) {
                    Ok((st, _)) => st,
                    Err(_) => return,
                };
            }
            if shown {
                eprint!("\r\x1b[2K");
            }
        });
        Progress { state: Some(state), thread: std::sync::Mutex::new(Some(thread)), cancel: cancel.clone() }
    }

    fn goal(&self, name: crate::logic::Symbol) {
        if let Some(state) = &self.state
            && let Ok(mut st) = state.0.lock()
        {
            st.goal = Some((name.to_string(), std::time::Instant::now(), self.cancel.candidates()));
        }
    }

    /// Stops the display and clears its line (at once: output follows).
    fn stop(&self) {
        if let Some(state) = &self.state
            && let Ok(mut st) = state.0.lock()
        {
            st.done = true;
            state.1.notify_all();
        }
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop();
    }
}

fn emit_command(out: &mut Output, path: &Path, to: EmitTarget, output: Option<&Path>) -> u8 {
    use crate::emit::{EmitOptions, Target, emit_program};
    let mut db = Database::default();
    let Some(file) = load(&mut db, out, path) else { return EXIT_INPUT_ERROR };
    let resolved = db::resolve_file(&db, file);
    if report_front_end(&db, out, file) {
        return EXIT_INPUT_ERROR;
    }
    let program = &resolved.program;
    let holes: Vec<Diagnostic> = program
        .goals
        .iter()
        .filter(|g| crate::verify::has_holes(&g.body))
        .map(|g| {
            let start = g.offset as usize;
            Diagnostic::error(
                "goal-has-holes",
                format!("goal `{}` has holes `??`: there is nothing to emit yet", g.name),
            )
            .with_primary(start..start + g.name.as_str().len(), "this goal")
            .with_hint(format!("fill the holes first: `rsynth fill {} --emit rust`", path.display()))
        })
        .collect();
    if !holes.is_empty() {
        out.report(file.path(&db), file.text(&db), &holes);
        return EXIT_INPUT_ERROR;
    }
    let report = db::verify_file(&db, file);
    if !report.diagnostics.is_empty() {
        out.report(file.path(&db), file.text(&db), &report.diagnostics);
    }
    if report.measure_failures > 0 || report.goals.iter().any(|g| g.outcome.is_failure()) {
        eprintln!("rsynth emit: {} does not verify; nothing emitted", file.path(&db));
        return EXIT_FAILED;
    }
    let target = match to {
        EmitTarget::Rust => Target::Rust,
        EmitTarget::Ocaml => Target::OCaml,
    };
    let options = EmitOptions { source_name: file.path(&db).clone() };
    let text = match emit_program(program, target, &options) {
        Ok(text) => text,
        Err(e) => {
            out.report(file.path(&db), file.text(&db), &[e.into_diagnostic(program)]);
            return EXIT_INPUT_ERROR;
        }
    };
    match output {
        None => {
            let _ = std::io::stdout().write_all(text.as_bytes());
            EXIT_OK
        }
        Some(dest) => match std::fs::write(dest, &text) {
            Ok(()) => EXIT_OK,
            Err(e) => {
                let d = Diagnostic::error("output-error", format!("cannot write `{}`: {e}", dest.display()));
                out.report_plain(&dest.display().to_string(), &d, None);
                EXIT_INPUT_ERROR
            }
        },
    }
}

fn repl_command(out: &Output, files: &[PathBuf], timeout: f64) -> u8 {
    if !(timeout.is_finite() && timeout > 0.0) {
        eprintln!("rsynth repl: --timeout must be a positive number of seconds");
        return EXIT_INPUT_ERROR;
    }
    let options = crate::repl::Options {
        lib_dirs: out.lib_dirs.clone(),
        timeout: std::time::Duration::from_secs_f64(timeout),
        color: out.color,
    };
    crate::repl::run(files, options)
}

fn bench_command(out: &mut Output, dirs: &[PathBuf], timeout: f64, csv: Option<&Path>) -> u8 {
    if !(timeout.is_finite() && timeout > 0.0) {
        eprintln!("rsynth bench: --timeout must be a positive number of seconds");
        return EXIT_INPUT_ERROR;
    }
    let problems = match bench::problems(dirs) {
        Ok(p) if !p.is_empty() => p,
        Ok(_) => {
            eprintln!("rsynth bench: no .sq files found");
            return EXIT_INPUT_ERROR;
        }
        Err(e) => {
            let d = Diagnostic::error("input-error", format!("cannot list the problems: {e}"));
            out.report_plain("", &d, None);
            return EXIT_INPUT_ERROR;
        }
    };
    let Ok(exe) = std::env::current_exe() else {
        eprintln!("rsynth bench: cannot find the rsynth executable to run the problems with");
        return EXIT_INPUT_ERROR;
    };
    let mut rows = Vec::new();
    for problem in &problems {
        let row = bench::run_one(&exe, problem, timeout);
        eprintln!("{:<28} {:?} {:.2}s", row.name, row.status, row.seconds);
        rows.push(row);
    }
    let table = bench::render(&rows);
    let _ = std::io::stdout().write_all(table.as_bytes());
    if let Some(path) = csv
        && let Err(e) = write_atomically(path, &bench::csv(&rows))
    {
        let d = Diagnostic::error("output-error", format!("cannot write `{}`: {e}", path.display()));
        out.report_plain(&path.display().to_string(), &d, None);
        return EXIT_INPUT_ERROR;
    }
    if rows.iter().all(|r| r.status == bench::Status::Solved) { EXIT_OK } else { EXIT_FAILED }
}

fn fmt_command(out: &mut Output, path: &Path, write: bool, check: bool) -> u8 {
    let mut db = Database::default();
    let Some(file) = load(&mut db, out, path) else { return EXIT_INPUT_ERROR };
    let parsed = db::parse(&db, file);
    if parsed.has_errors() {
        out.report(file.path(&db), file.text(&db), &parsed.errors);
        return EXIT_INPUT_ERROR;
    }
    let formatted = pretty::print_module_with_comments(&parsed.module, file.text(&db), &parsed.comments);
    if check {
        return if formatted == *file.text(&db) { EXIT_OK } else { EXIT_FAILED };
    }
    if write {
        if formatted == *file.text(&db) {
            return EXIT_OK;
        }
        return match write_atomically(path, &formatted) {
            Ok(()) => EXIT_OK,
            Err(e) => {
                let d = Diagnostic::error("output-error", format!("cannot write `{}`: {e}", path.display()))
                    .with_note("the original file was left unchanged");
                out.report_plain(&path.display().to_string(), &d, None);
                EXIT_INPUT_ERROR
            }
        };
    }
    let _ = std::io::stdout().write_all(formatted.as_bytes());
    EXIT_OK
}

/// Writes through a temporary file in the same folder and renames it over the target,
/// so that an interrupted write never leaves a truncated source file.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.rsynth-fmt.tmp"));
    std::fs::write(&tmp, text)?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
