//! A REPL session: loaded files, declarations typed at the prompt, and the commands that
//! act on them, over one long-lived salsa database. No terminal here: output goes to the
//! writers each command is given, so the session is tested without one.
//!
//! **The session program.** Everything in scope forms one `.sq` program, held by one
//! database input (`<session>`): the loaded files, one after the other, then the
//! declarations typed at the prompt. A typed declaration that redefines a name replaces
//! the earlier one: the file's declaration is blanked out of the session's copy (its
//! bytes become spaces, so every other position stays put) and the typed one follows
//! the files. A [`SourceMap`] takes positions in the session program back to the file or
//! the typed input they came from, so that errors are shown where they were written.
//!
//! Because declarations keep their relative spans, `:reload` after editing one goal
//! re-checks only that goal: the database reuses every other check (`:stats` shows it).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use salsa::Setter;

use crate::db::{self, Database, Db, SourceFile};
use crate::diagnostics::{self, Diagnostic};
use crate::logic::SmtStats;
use crate::resolve::{GoalDef, Program};
use crate::source::read_source;
use crate::syntax::ast::{DeclKind, Goal, Name, Span, Term};
use crate::syntax::{self, pretty};
use crate::synth::{CancelFlag, Failure, Solution, SynthConfig};
use crate::verify::{Outcome, has_holes};

/// The path the session program is known by in the database.
const SESSION_PATH: &str = "<session>";
/// The path that errors in typed declarations are shown against.
pub const INPUT_PATH: &str = "<input>";

/// The commands, with their arguments and what they do (`:help`, completion, hints).
pub const COMMANDS: &[(&str, &str, &str)] = &[
    (":load", "FILE...", "load .sq files (replaces what was loaded and typed)"),
    (":reload", "", "read the loaded files again; re-checks only what changed"),
    (":type", "NAME", "show the type of a component, goal, constructor, measure or datatype"),
    (":check", "[NAME]", "verify the goals with complete bodies (or one goal)"),
    (":fill", "[NAME]", "synthesize the goals with holes (or one goal); Ctrl-C cancels"),
    (":emit", "rust|ocaml NAME", "show a goal's (filled) body as Rust or OCaml"),
    (":env", "", "list what is in scope: libraries, datatypes, measures, components, goals"),
    (":stats", "", "what the last command cost: queries executed and reused, SMT calls"),
    (":help", "", "this list"),
    (":quit", "", "leave (Ctrl-D too)"),
];

/// Lets another thread (the Ctrl-C handler) cancel the search that is running, if any.
#[derive(Clone, Default)]
pub struct Interrupt {
    current: Arc<Mutex<Option<CancelFlag>>>,
}

impl Interrupt {
    /// Cancels the running search; returns whether there was one.
    pub fn cancel_current(&self) -> bool {
        match self.current.lock().ok().and_then(|c| c.clone()) {
            Some(flag) => {
                flag.cancel();
                true
            }
            None => false,
        }
    }

    fn set(&self, flag: Option<CancelFlag>) {
        if let Ok(mut current) = self.current.lock() {
            *current = flag;
        }
    }
}

/// What a line of input asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Quit,
}

/// A loaded file.
struct LoadedFile {
    path: PathBuf,
    shown: String,
    text: String,
}

/// A declaration typed at the prompt.
#[derive(Clone)]
struct Typed {
    key: Option<Key>,
    text: String,
}

/// What a declaration defines, for "redefining a name replaces it".
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Type(String),
    Logic(String),
    Signature(String),
    Goal(String),
    Import(String),
}

fn key_of(kind: &DeclKind) -> Option<Key> {
    Some(match kind {
        DeclKind::TypeSynonym(d) => Key::Type(d.name.text.clone()),
        DeclKind::Data(d) => Key::Type(d.name.text.clone()),
        DeclKind::Measure(d) => Key::Logic(d.name.text.clone()),
        DeclKind::Predicate(d) => Key::Logic(d.name.text.clone()),
        DeclKind::Inline(d) => Key::Logic(d.name.text.clone()),
        DeclKind::Signature(d) => Key::Signature(d.name.text.clone()),
        DeclKind::Goal(d) => Key::Goal(d.name.text.clone()),
        DeclKind::Import(d) => Key::Import(d.module.text.clone()),
        DeclKind::Qualifier(_) | DeclKind::Mutual(_) => return None,
    })
}

fn describe_key(key: &Option<Key>) -> String {
    match key {
        Some(Key::Type(n)) => format!("type {n}"),
        Some(Key::Logic(n)) => format!("logic function {n}"),
        Some(Key::Signature(n)) => format!("signature {n}"),
        Some(Key::Goal(n)) => format!("goal {n}"),
        Some(Key::Import(n)) => format!("import {n}"),
        None => "declaration".into(),
    }
}

/// Where a slice of the session program came from.
#[derive(Debug, Clone)]
struct Segment {
    /// The range in the session program.
    range: Range<usize>,
    /// Index into `SourceMap::origins`.
    origin: usize,
    /// Where the slice starts in the origin's text.
    origin_start: usize,
}

/// Positions of the session program, taken back to the files and the typed input.
#[derive(Default)]
struct SourceMap {
    /// Path and text of each origin: the loaded files, then the typed input.
    origins: Vec<(String, String)>,
    segments: Vec<Segment>,
}

impl SourceMap {
    fn locate(&self, span: &Range<usize>) -> Option<(usize, Range<usize>)> {
        let seg = self.segments.iter().find(|s| s.range.start <= span.start && span.start <= s.range.end)?;
        let start = span.start - seg.range.start + seg.origin_start;
        let end = span.end.min(seg.range.end) - seg.range.start + seg.origin_start;
        Some((seg.origin, start..end.max(start)))
    }
}

/// Counters of one command, for `:stats`.
#[derive(Default, Clone)]
struct CommandStats {
    command: String,
    elapsed: Duration,
    executed: BTreeMap<String, usize>,
    complete_goals: usize,
    smt_before: SmtStats,
    smt_after: SmtStats,
}

/// Options of a session.
#[derive(Clone, Debug)]
pub struct Options {
    pub lib_dirs: Vec<PathBuf>,
    /// Time limit per goal of `:fill`.
    pub timeout: Duration,
    pub color: bool,
}

/// The state of a REPL session.
pub struct Session {
    db: Database,
    program_file: SourceFile,
    files: Vec<LoadedFile>,
    typed: Vec<Typed>,
    map: SourceMap,
    options: Options,
    solutions: BTreeMap<String, Solution>,
    interrupt: Interrupt,
    last: Option<CommandStats>,
    commands_run: usize,
}

impl Session {
    pub fn new(options: Options) -> Session {
        let db = Database::with_execution_log();
        let program_file = db.add_file(SESSION_PATH, "");
        let mut session = Session {
            db,
            program_file,
            files: Vec::new(),
            typed: Vec::new(),
            map: SourceMap::default(),
            options,
            solutions: BTreeMap::new(),
            interrupt: Interrupt::default(),
            last: None,
            commands_run: 0,
        };
        session.rebuild();
        session
    }

    /// The handle a Ctrl-C handler uses to cancel a running search.
    pub fn interrupt(&self) -> Interrupt {
        self.interrupt.clone()
    }

    /// Every name in scope, for completion: components, goals, constructors, datatypes,
    /// measures, synonyms.
    pub fn names(&self) -> Vec<String> {
        let program = &self.resolved().program;
        let mut names: BTreeSet<String> = BTreeSet::new();
        names.extend(program.components.iter().map(|c| c.name.as_str().to_owned()));
        names.extend(program.constructors.keys().map(|n| n.as_str().to_owned()));
        names.extend(program.datatypes.keys().map(|n| n.as_str().to_owned()));
        names.extend(program.measures.keys().map(|n| n.as_str().to_owned()));
        names.extend(program.predicates.keys().map(|n| n.as_str().to_owned()));
        names.extend(program.synonyms.keys().map(|n| n.as_str().to_owned()));
        names.into_iter().collect()
    }

    /// The goals, for completion after `:fill`, `:check` and `:emit`.
    pub fn goal_names(&self) -> Vec<String> {
        self.resolved().program.goals.iter().map(|g| g.name.as_str().to_owned()).collect()
    }

    /// The signature of a component or goal, if there is one (for hints).
    pub fn signature_of(&self, name: &str) -> Option<String> {
        let program = &self.resolved().program;
        let c = program.components.iter().find(|c| c.name.as_str() == name)?;
        Some(format!("{}", c.schema))
    }

    /// Loads files, replacing what was loaded and typed before.
    pub fn load(&mut self, paths: &[PathBuf], out: &mut dyn Write, err: &mut dyn Write) {
        let started = self.begin(":load");
        let mut files = Vec::new();
        for path in paths {
            let shown = path.display().to_string();
            match read_source(path) {
                Ok(text) => files.push(LoadedFile { path: path.clone(), shown, text }),
                Err(e) => {
                    self.render_plain(err, &shown, &e.diagnostic, e.text.as_deref());
                }
            }
        }
        self.files = files;
        self.typed.clear();
        self.solutions.clear();
        self.rebuild();
        self.load_libraries(err);
        self.summary(out, err);
        self.end(started);
    }

    /// Reads the loaded files (and libraries) again.
    pub fn reload(&mut self, out: &mut dyn Write, err: &mut dyn Write) {
        let started = self.begin(":reload");
        let before = self.goal_types();
        for file in &mut self.files {
            match read_source(&file.path) {
                Ok(text) => file.text = text,
                Err(e) => {
                    let _ = err.write_all(diagnostics::plain(&e.diagnostic, &file.shown).as_bytes());
                }
            }
        }
        self.rebuild();
        self.load_libraries(err);
        // A solution stays only while its goal's type and template are what they were.
        let after = self.goal_types();
        self.solutions.retain(|name, _| before.get(name).is_some_and(|t| after.get(name) == Some(t)));
        self.summary(out, err);
        self.end(started);
    }

    /// Every goal's name, with its type and body (spans are relative: moving the goal
    /// changes neither).
    fn goal_types(&self) -> BTreeMap<String, String> {
        self.resolved()
            .program
            .goals
            .iter()
            .map(|g| (g.name.as_str().to_owned(), format!("{} = {:?}", g.schema, g.body)))
            .collect()
    }

    /// Runs one complete input: a command or declarations.
    pub fn execute(&mut self, input: &str, out: &mut dyn Write, err: &mut dyn Write) -> Flow {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Flow::Continue;
        }
        if !trimmed.starts_with(':') {
            let started = self.begin("declaration");
            self.declare(input, out, err);
            self.end(started);
            return Flow::Continue;
        }
        let mut words = trimmed.split_whitespace();
        let command = words.next().unwrap_or("");
        let args: Vec<&str> = words.collect();
        let Some(full) = resolve_command(command) else {
            let _ = writeln!(err, "unknown command `{command}`; `:help` lists the commands");
            return Flow::Continue;
        };
        match full {
            ":quit" => return Flow::Quit,
            ":help" => self.help(out),
            ":load" => {
                if args.is_empty() {
                    let _ = writeln!(err, "usage: :load FILE...");
                } else {
                    let paths: Vec<PathBuf> = args.iter().map(PathBuf::from).collect();
                    self.load(&paths, out, err);
                }
            }
            ":reload" => self.reload(out, err),
            ":stats" => self.stats(out),
            other => {
                let started = self.begin(other);
                match other {
                    ":type" => self.type_of(&args, out, err),
                    ":check" => self.check(args.first().copied(), out, err),
                    ":fill" => self.fill(args.first().copied(), out, err),
                    ":emit" => self.emit(&args, out, err),
                    _ => self.env(out),
                }
                self.end(started);
            }
        }
        Flow::Continue
    }

    // ---------------------------------------------------------------------------------
    // The session program

    fn resolved(&self) -> &crate::resolve::Resolved {
        db::resolve_file(&self.db, self.program_file)
    }

    /// Builds the session program from the files and the typed declarations.
    fn build(files: &[LoadedFile], typed: &[Typed]) -> (String, SourceMap) {
        let overridden: BTreeSet<&Key> = typed.iter().filter_map(|t| t.key.as_ref()).collect();
        let mut text = String::new();
        let mut map = SourceMap::default();
        // Goals whose signature was redefined at the prompt move after the new signature
        // (a goal must follow its signature).
        let mut moved: BTreeMap<String, (usize, Range<usize>)> = BTreeMap::new();
        for (index, file) in files.iter().enumerate() {
            let parsed = syntax::parse(&file.text);
            let mut bytes = file.text.clone().into_bytes();
            for decl in &parsed.module.decls {
                let key = key_of(&decl.kind);
                let range = decl.offset as usize..(decl.offset + decl.len) as usize;
                let mut blank = key.as_ref().is_some_and(|k| overridden.contains(k));
                if let DeclKind::Goal(g) = &decl.kind
                    && !blank
                    && overridden.contains(&Key::Signature(g.name.text.clone()))
                {
                    moved.insert(g.name.text.clone(), (index, range.clone()));
                    blank = true;
                }
                if blank {
                    for b in &mut bytes[range] {
                        if *b != b'\n' && *b != b'\r' {
                            *b = b' ';
                        }
                    }
                }
            }
            let blanked = String::from_utf8(bytes).unwrap_or_else(|_| file.text.clone());
            let start = text.len();
            text.push_str(&blanked);
            map.segments.push(Segment { range: start..text.len(), origin: index, origin_start: 0 });
            if !text.ends_with('\n') {
                text.push('\n');
            }
            map.origins.push((file.shown.clone(), file.text.clone()));
        }
        let input_origin = files.len();
        let mut input = String::new();
        for t in typed {
            let start = text.len();
            map.segments.push(Segment {
                range: start..start + t.text.len(),
                origin: input_origin,
                origin_start: input.len(),
            });
            text.push_str(&t.text);
            text.push('\n');
            input.push_str(&t.text);
            input.push('\n');
            if let Some(Key::Signature(name)) = &t.key
                && let Some((origin, range)) = moved.get(name)
            {
                let start = text.len();
                let goal = &files[*origin].text[range.clone()];
                map.segments.push(Segment {
                    range: start..start + goal.len(),
                    origin: *origin,
                    origin_start: range.start,
                });
                text.push_str(goal);
                text.push('\n');
            }
        }
        map.origins.push((INPUT_PATH.to_owned(), input));
        (text, map)
    }

    fn rebuild(&mut self) {
        let (text, map) = Session::build(&self.files, &self.typed);
        self.map = map;
        if *self.program_file.text(&self.db) != text {
            self.program_file.set_text(&mut self.db).to(text);
        }
    }

    fn load_libraries(&mut self, err: &mut dyn Write) {
        let dirs = self.options.lib_dirs.clone();
        for e in super::library::load_libraries(&mut self.db, &dirs, &[self.program_file]) {
            self.render_plain(err, &e.path, &e.error.diagnostic, e.error.text.as_deref());
        }
    }

    /// The front end's errors (syntax, resolution, libraries), rendered.
    fn front_end_errors(&self) -> Vec<Diagnostic> {
        let mut errors = db::parse(&self.db, self.program_file).errors.clone();
        errors.extend(self.resolved().errors.iter().cloned());
        errors
    }

    fn report_front_end(&self, err: &mut dyn Write) -> bool {
        for (lib, lib_errors) in db::library_errors(&self.db, self.program_file) {
            let _ = err.write_all(
                diagnostics::render(&lib_errors, lib.path(&self.db), lib.text(&self.db), self.options.color)
                    .as_bytes(),
            );
        }
        let errors = self.front_end_errors();
        self.report(err, &errors);
        !errors.is_empty()
    }

    /// Renders diagnostics of the session program against the files and input they
    /// point into.
    fn report(&self, err: &mut dyn Write, diagnostics: &[Diagnostic]) {
        for d in diagnostics {
            let located = d.primary_span().and_then(|s| self.map.locate(&s));
            match located {
                Some((origin, _)) => {
                    let mut local = d.clone();
                    local.labels.clear();
                    for label in &d.labels {
                        match self.map.locate(&label.span) {
                            Some((o, span)) if o == origin => {
                                local.labels.push(crate::diagnostics::Label { span, ..label.clone() })
                            }
                            Some((o, span)) => {
                                let (path, text) = &self.map.origins[o];
                                local.notes.push(format!(
                                    "{}: {}",
                                    place(path, text, span.start),
                                    label.message
                                ));
                            }
                            None => {}
                        }
                    }
                    let (path, text) = &self.map.origins[origin];
                    let _ = err
                        .write_all(diagnostics::render(&[local], path, text, self.options.color).as_bytes());
                }
                None => {
                    let _ = err.write_all(diagnostics::plain(d, "").as_bytes());
                }
            }
        }
    }

    fn render_plain(&self, err: &mut dyn Write, path: &str, d: &Diagnostic, text: Option<&str>) {
        let rendered = match text {
            Some(text) => diagnostics::render(std::slice::from_ref(d), path, text, self.options.color),
            None => diagnostics::plain(d, path),
        };
        let _ = err.write_all(rendered.as_bytes());
    }

    // ---------------------------------------------------------------------------------
    // Declarations typed at the prompt

    fn declare(&mut self, input: &str, out: &mut dyn Write, err: &mut dyn Write) {
        let parsed = syntax::parse(input);
        if parsed.has_errors() {
            let _ = err.write_all(
                diagnostics::render(&parsed.errors, INPUT_PATH, input, self.options.color).as_bytes(),
            );
            return;
        }
        let before_errors = self.front_end_errors().len();
        let saved = self.typed.clone();
        let mut messages = Vec::new();
        let mut new_ranges = Vec::new();
        for decl in &parsed.module.decls {
            let text = input[decl.offset as usize..(decl.offset + decl.len) as usize].to_owned();
            let key = key_of(&decl.kind);
            let replaced_typed =
                key.as_ref().and_then(|k| self.typed.iter().position(|t| t.key.as_ref() == Some(k)));
            let in_file = key.as_ref().is_some_and(|k| self.file_keys().contains(k));
            let verb = if replaced_typed.is_some() || in_file { "replaced" } else { "defined" };
            messages.push(format!("{verb} {}", describe_key(&key)));
            match replaced_typed {
                Some(i) => self.typed[i] = Typed { key, text },
                None => self.typed.push(Typed { key, text }),
            }
        }
        let previous_solutions = self.solutions.clone();
        for decl in &parsed.module.decls {
            if let Some(Key::Goal(n) | Key::Signature(n)) = key_of(&decl.kind) {
                self.solutions.remove(&n);
            }
        }
        self.rebuild();
        self.load_libraries(err);
        // The typed declarations' place in the session program, to tell new errors.
        let input_origin = self.map.origins.len() - 1;
        for seg in &self.map.segments {
            if seg.origin == input_origin {
                new_ranges.push(seg.range.clone());
            }
        }
        let errors = self.front_end_errors();
        let new_errors: Vec<Diagnostic> = errors
            .iter()
            .filter(|d| {
                d.primary_span()
                    .is_none_or(|s| new_ranges.iter().any(|r| r.start <= s.start && s.start <= r.end))
            })
            .cloned()
            .collect();
        if errors.len() > before_errors || !new_errors.is_empty() {
            for (lib, lib_errors) in db::library_errors(&self.db, self.program_file) {
                let _ = err.write_all(
                    diagnostics::render(
                        &lib_errors,
                        lib.path(&self.db),
                        lib.text(&self.db),
                        self.options.color,
                    )
                    .as_bytes(),
                );
            }
            self.report(err, if new_errors.is_empty() { &errors } else { &new_errors });
            let _ = writeln!(err, "not added: the session is unchanged");
            self.typed = saved;
            self.solutions = previous_solutions;
            self.rebuild();
            return;
        }
        for m in &messages {
            let _ = writeln!(out, "{m}");
        }
        // Goals with complete bodies are checked at once.
        for decl in &parsed.module.decls {
            if let DeclKind::Goal(g) = &decl.kind {
                self.check_one(&g.name.text, out, err, true);
            }
        }
    }

    fn file_keys(&self) -> BTreeSet<Key> {
        self.files
            .iter()
            .flat_map(|f| syntax::parse(&f.text).module.decls.into_iter().filter_map(|d| key_of(&d.kind)))
            .collect()
    }

    // ---------------------------------------------------------------------------------
    // Commands

    fn help(&self, out: &mut dyn Write) {
        let _ =
            writeln!(out, "Type declarations to add them to the session (a name typed again replaces its");
        let _ =
            writeln!(out, "declaration; finish a multi-line declaration with an empty line), or a command:");
        for (name, args, what) in COMMANDS {
            let usage = if args.is_empty() { name.to_string() } else { format!("{name} {args}") };
            let _ = writeln!(out, "  {usage:<26} {what}");
        }
        let _ = writeln!(out, "Commands may be shortened (`:t`, `:f`). Tab completes commands and names.");
    }

    /// After loading: what is there, and how its goals stand.
    fn summary(&mut self, out: &mut dyn Write, err: &mut dyn Write) {
        if self.report_front_end(err) {
            let _ = writeln!(out, "the session has errors (above); fix them and `:reload`");
            return;
        }
        let report = db::verify_file(&self.db, self.program_file);
        let names: Vec<&str> = self.files.iter().map(|f| f.shown.as_str()).collect();
        let (mut verified, mut holes, mut failed) = (0, 0, 0);
        for g in &report.goals {
            match g.outcome {
                Outcome::Verified => verified += 1,
                Outcome::HasHoles => holes += 1,
                Outcome::Failed => failed += 1,
            }
        }
        self.report(err, &report.diagnostics);
        let _ = writeln!(
            out,
            "{}: {} goal{} ({verified} verified, {holes} with holes{})",
            if names.is_empty() {
                "no files loaded".to_owned()
            } else {
                format!("loaded {}", names.join(", "))
            },
            report.goals.len(),
            if report.goals.len() == 1 { "" } else { "s" },
            if failed > 0 { format!(", {failed} FAILED") } else { String::new() }
        );
    }

    fn type_of(&self, args: &[&str], out: &mut dyn Write, err: &mut dyn Write) {
        let Some(name) = args.first() else {
            let _ = writeln!(err, "usage: :type NAME");
            return;
        };
        let mut modules = vec![db::parse(&self.db, self.program_file).module.clone()];
        for lib in &self.resolved().libraries {
            if let Some(file) = db::library_file(&self.db, db::ModuleName::new(&self.db, lib.name.clone())) {
                modules.push(db::parse(&self.db, file).module.clone());
            }
        }
        for module in &modules {
            for decl in &module.decls {
                if let Some(text) = type_in_decl(&decl.kind, name) {
                    let _ = writeln!(out, "{text}");
                    if let Some(s) = self.solutions.get(*name) {
                        let _ = writeln!(out, "-- filled: {}", one_line(&s.body));
                    }
                    return;
                }
            }
        }
        let candidates = self.names();
        let suggestion = candidates
            .iter()
            .filter(|c| c.starts_with(&name[..name.len().min(2)]))
            .take(3)
            .cloned()
            .collect::<Vec<_>>();
        let _ = writeln!(
            err,
            "`{name}` is not in scope{}",
            if suggestion.is_empty() {
                String::new()
            } else {
                format!(" (in scope: {})", suggestion.join(", "))
            }
        );
    }

    fn goal(&self, name: &str) -> Option<GoalDef> {
        self.resolved().program.goals.iter().find(|g| g.name.as_str() == name).cloned()
    }

    fn check(&mut self, name: Option<&str>, out: &mut dyn Write, err: &mut dyn Write) {
        if self.report_front_end(err) {
            return;
        }
        match name {
            Some(name) => {
                if self.goal(name).is_none() {
                    let _ = writeln!(err, "no goal `{name}` (goals: {})", self.goal_names().join(", "));
                    return;
                }
                self.check_one(name, out, err, false);
            }
            None => {
                let report = db::verify_file(&self.db, self.program_file);
                self.report(err, &report.diagnostics);
                for g in &report.goals {
                    let _ = writeln!(out, "{}: {}", g.name, describe_outcome(&g.outcome));
                }
                if report.goals.is_empty() {
                    let _ = writeln!(out, "no goals");
                }
            }
        }
    }

    fn check_one(&mut self, name: &str, out: &mut dyn Write, err: &mut dyn Write, quiet_holes: bool) {
        let Some(goal) = self.goal(name) else { return };
        let checked =
            db::check_goal(&self.db, self.program_file, db::GoalName::new(&self.db, name.to_owned()));
        let shifted: Vec<Diagnostic> =
            checked.diagnostics.iter().map(|d| d.shifted(goal.offset as usize)).collect();
        self.report(err, &shifted);
        if checked.outcome == Outcome::HasHoles && quiet_holes {
            let _ = writeln!(out, "{name} has holes: `:fill {name}` synthesizes them");
        } else {
            let _ = writeln!(out, "{name}: {}", describe_outcome(&checked.outcome));
        }
    }

    fn fill(&mut self, name: Option<&str>, out: &mut dyn Write, err: &mut dyn Write) {
        if self.report_front_end(err) {
            return;
        }
        let program: Program = self.resolved().program.clone();
        let goals: Vec<GoalDef> = match name {
            Some(name) => match program.goals.iter().find(|g| g.name.as_str() == name) {
                Some(g) if has_holes(&g.body) => vec![g.clone()],
                Some(_) => {
                    let _ = writeln!(out, "{name} has no holes; checking it instead");
                    self.check_one(name, out, err, false);
                    return;
                }
                None => {
                    let _ = writeln!(err, "no goal `{name}` (goals: {})", self.goal_names().join(", "));
                    return;
                }
            },
            None => program.goals.iter().filter(|g| has_holes(&g.body)).cloned().collect(),
        };
        if goals.is_empty() {
            let _ = writeln!(out, "no goals with holes");
            return;
        }
        let smt = crate::verify::solver_for(&program, self.db.smt());
        let config = SynthConfig { timeout: self.options.timeout, ..Default::default() };
        for goal in goals {
            // Cancellable before anything is printed, so that a Ctrl-C right after the
            // message always reaches the search.
            let flag = CancelFlag::new();
            self.interrupt.set(Some(flag.clone()));
            let _ = writeln!(out, "filling {} ... (Ctrl-C cancels)", goal.name);
            let _ = out.flush();
            let result = run_search(&program, &goal, &smt, &config, &flag);
            self.interrupt.set(None);
            let name = goal.name.as_str().to_owned();
            match result {
                Ok(Ok(solution)) => {
                    let decl = DeclKind::Goal(Goal {
                        name: Name { text: name.clone(), span: Span::default() },
                        body: solution.body.clone(),
                    });
                    let _ = writeln!(out, "{}", pretty::print_decl(&decl));
                    let _ = writeln!(
                        out,
                        "-- solved in {:.2}s (size {}, {} candidates)",
                        solution.elapsed.as_secs_f64(),
                        solution.size,
                        solution.stats.candidates
                    );
                    self.solutions.insert(name, solution);
                }
                Ok(Err(Failure::Cancelled { .. })) | Err(Stopped::Cancelled) => {
                    let _ = writeln!(out, "{name}: cancelled");
                    return;
                }
                Ok(Err(failure @ Failure::Timeout { .. })) => {
                    let explained = failure.explain(&name, self.options.timeout);
                    let _ = writeln!(out, "{explained}\n  (`rsynth repl --timeout SECS` allows more time)");
                }
                Ok(Err(failure @ Failure::Exhausted { .. })) => {
                    let _ = writeln!(out, "{}", failure.explain(&name, self.options.timeout));
                }
                Ok(Err(Failure::Template(e))) => {
                    let d = e.into_diagnostic(&smt);
                    self.report(err, &[d]);
                    let _ = writeln!(out, "{name}: the template does not type-check");
                }
                Err(Stopped::Panicked) => {
                    let _ = writeln!(err, "{name}: the search stopped unexpectedly");
                }
            }
        }
    }

    fn emit(&mut self, args: &[&str], out: &mut dyn Write, err: &mut dyn Write) {
        let (target, name) = match args {
            [t, n] if *t == "rust" => (crate::emit::Target::Rust, *n),
            [t, n] if *t == "ocaml" => (crate::emit::Target::OCaml, *n),
            _ => {
                let _ = writeln!(err, "usage: :emit rust|ocaml NAME");
                return;
            }
        };
        if self.report_front_end(err) {
            return;
        }
        let mut program = self.resolved().program.clone();
        let Some(goal) = program.goals.iter().find(|g| g.name.as_str() == name).cloned() else {
            let what = if program.components.iter().any(|c| c.name.as_str() == name) {
                "is a component without a body"
            } else {
                "is not a goal in scope"
            };
            let _ = writeln!(err, "`{name}` {what}: only goals are emitted");
            return;
        };
        let body: Term = if has_holes(&goal.body) {
            match self.solutions.get(name) {
                Some(s) => s.body.clone(),
                None => {
                    let _ = writeln!(err, "`{name}` has holes: fill it first with `:fill {name}`");
                    return;
                }
            }
        } else {
            let checked =
                db::check_goal(&self.db, self.program_file, db::GoalName::new(&self.db, name.to_owned()));
            if checked.outcome != Outcome::Verified {
                let _ =
                    writeln!(err, "`{name}` does not verify (`:check {name}` shows why): nothing emitted");
                return;
            }
            goal.body.clone()
        };
        // The other goals stay in scope as components: the emitted code takes them as
        // given, like any component without a body.
        program.goals.retain(|g| g.name == goal.name);
        let options = crate::emit::EmitOptions { source_name: "the REPL session".to_owned() };
        match crate::emit::emit_with_bodies(&program, &[(goal.name, body)], target, &options) {
            Ok(code) => {
                let _ = out.write_all(code.as_bytes());
            }
            Err(e) => {
                let d = e.into_diagnostic(&program);
                self.report(err, &[d]);
            }
        }
    }

    fn env(&self, out: &mut dyn Write) {
        let resolved = self.resolved();
        let program = &resolved.program;
        if !resolved.libraries.is_empty() {
            let libs: Vec<String> =
                resolved.libraries.iter().map(|l| format!("{} ({})", l.name, l.path)).collect();
            let _ = writeln!(out, "libraries:  {}", libs.join(", "));
        }
        let datatypes: Vec<String> = program
            .datatypes
            .values()
            .map(|d| {
                let ctors: Vec<&str> = d.constructors.iter().map(|c| c.as_str()).collect();
                let params: String = d.params.iter().map(|p| format!(" {p}")).collect();
                format!("{}{params} ({})", d.name, ctors.join(", "))
            })
            .collect();
        let _ = writeln!(out, "datatypes:  {}", or_none(&datatypes));
        let measures: Vec<String> = program.measures.keys().map(|m| m.as_str().to_owned()).collect();
        let _ = writeln!(out, "measures:   {}", or_none(&measures));
        let goal_names: BTreeSet<&str> = program.goals.iter().map(|g| g.name.as_str()).collect();
        let components: Vec<String> = program
            .components
            .iter()
            .filter(|c| !goal_names.contains(c.name.as_str()))
            .map(|c| c.name.as_str().to_owned())
            .collect();
        let _ = writeln!(out, "components: {}", or_none(&components));
        let goals: Vec<String> = program
            .goals
            .iter()
            .map(|g| {
                let name = g.name.as_str();
                let status = if !has_holes(&g.body) {
                    "complete"
                } else if self.solutions.contains_key(name) {
                    "filled"
                } else {
                    "has holes"
                };
                format!("{name} ({status})")
            })
            .collect();
        let _ = writeln!(out, "goals:      {}", or_none(&goals));
    }

    fn stats(&self, out: &mut dyn Write) {
        let Some(last) = &self.last else {
            let _ = writeln!(out, "no command run yet");
            return;
        };
        let _ = writeln!(out, "last command: {} ({:.3}s)", last.command, last.elapsed.as_secs_f64());
        let executed: Vec<String> = last.executed.iter().map(|(q, n)| format!("{q} {n}")).collect();
        let _ = writeln!(
            out,
            "  queries executed: {}",
            if executed.is_empty() { "none (everything reused)".to_owned() } else { executed.join(", ") }
        );
        let rechecked = last.executed.get("check_goal").copied().unwrap_or(0);
        let _ = writeln!(
            out,
            "  goal checks: {rechecked} re-run, {} reused (of {} goals)",
            last.complete_goals.saturating_sub(rechecked),
            last.complete_goals
        );
        let (a, b) = (&last.smt_before, &last.smt_after);
        let _ = writeln!(
            out,
            "  SMT: {} queries ({} answered from the cache), {:.3}s in Z3",
            b.queries.saturating_sub(a.queries),
            b.cache_hits.saturating_sub(a.cache_hits),
            b.time_in_z3.saturating_sub(a.time_in_z3).as_secs_f64()
        );
        let _ = writeln!(out, "session: {} commands, {} SMT queries in all", self.commands_run, b.queries);
    }

    fn begin(&mut self, command: &str) -> (String, Instant, SmtStats) {
        let _ = self.db.take_execution_log();
        (command.to_owned(), Instant::now(), self.db.smt().stats())
    }

    fn end(&mut self, (command, started, smt_before): (String, Instant, SmtStats)) {
        let mut executed: BTreeMap<String, usize> = BTreeMap::new();
        for entry in self.db.take_execution_log() {
            let query = entry.split('(').next().unwrap_or("").to_owned();
            *executed.entry(query).or_default() += 1;
        }
        let complete_goals = self.resolved().program.goals.len();
        self.commands_run += 1;
        self.last = Some(CommandStats {
            command,
            elapsed: started.elapsed(),
            executed,
            complete_goals,
            smt_before,
            smt_after: self.db.smt().stats(),
        });
    }
}

/// Why a search gave no result.
enum Stopped {
    /// Cancelled, and the search did not return within the grace period.
    Cancelled,
    Panicked,
}

/// How long a cancelled search may take to notice before the prompt comes back anyway.
const CANCEL_GRACE: Duration = Duration::from_secs(2);

/// Runs a search on a worker thread. Once `flag` is cancelled, the prompt does not wait
/// for more than [`CANCEL_GRACE`]: a search inside one long SMT query notices the flag
/// only when the query returns, and is left to finish on its own (its result dropped).
fn run_search(
    program: &Program,
    goal: &GoalDef,
    smt: &crate::logic::SmtSolver,
    config: &SynthConfig,
    flag: &CancelFlag,
) -> Result<Result<Solution, Failure>, Stopped> {
    let (send, receive) = std::sync::mpsc::channel();
    let (program, goal, smt, config, worker_flag) =
        (program.clone(), goal.clone(), smt.clone(), config.clone(), flag.clone());
    let spawned = std::thread::Builder::new().name("rsynth-search".into()).spawn(move || {
        let _ = send.send(crate::synth::synthesize(&program, &goal, &smt, &config, &worker_flag));
    });
    if spawned.is_err() {
        return Err(Stopped::Panicked);
    }
    let mut cancelled_at: Option<Instant> = None;
    loop {
        match receive.recv_timeout(Duration::from_millis(50)) {
            Ok(result) => return Ok(result),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return Err(Stopped::Panicked),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
        }
        if flag.is_cancelled() {
            let since = *cancelled_at.get_or_insert_with(Instant::now);
            if since.elapsed() >= CANCEL_GRACE {
                return Err(Stopped::Cancelled);
            }
        }
    }
}

/// The full name of a command given by a prefix (`:t` is `:type`).
pub fn resolve_command(word: &str) -> Option<&'static str> {
    if let Some((name, _, _)) = COMMANDS.iter().find(|(n, _, _)| *n == word) {
        return Some(name);
    }
    if word == ":q" {
        return Some(":quit");
    }
    let matches: Vec<&'static str> =
        COMMANDS.iter().map(|(n, _, _)| *n).filter(|n| word.len() > 1 && n.starts_with(word)).collect();
    match matches.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

fn describe_outcome(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Verified => "verified",
        Outcome::Failed => "FAILED",
        Outcome::HasHoles => "has holes (`:fill` synthesizes them)",
    }
}

fn or_none(items: &[String]) -> String {
    if items.is_empty() { "(none)".to_owned() } else { items.join(", ") }
}

fn one_line(body: &Term) -> String {
    let decl =
        DeclKind::Goal(Goal { name: Name { text: "_".into(), span: Span::default() }, body: body.clone() });
    let text = pretty::print_decl(&decl);
    let text = text.strip_prefix("_ = ").unwrap_or(&text);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `path:line:column` of a byte offset.
fn place(path: &str, text: &str, offset: usize) -> String {
    let before = text.get(..offset.min(text.len())).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("{path}:{line}:{column}")
}

/// What `:type NAME` shows for a declaration that defines `name`, if it does.
fn type_in_decl(kind: &DeclKind, name: &str) -> Option<String> {
    match kind {
        DeclKind::Signature(s) if s.name.text == name => Some(pretty::print_decl(kind)),
        DeclKind::Data(d) => {
            if d.name.text == name {
                return Some(pretty::print_decl(kind));
            }
            d.constructors
                .iter()
                .find(|c| c.name.text == name)
                .map(|c| format!("{} :: {}", c.name.text, pretty::print_type(&c.ty)))
        }
        DeclKind::Measure(d) if d.name.text == name => Some(pretty::print_decl(kind)),
        DeclKind::Predicate(d) if d.name.text == name => Some(pretty::print_decl(kind)),
        DeclKind::Inline(d) if d.name.text == name => Some(pretty::print_decl(kind)),
        DeclKind::TypeSynonym(d) if d.name.text == name => Some(pretty::print_decl(kind)),
        _ => None,
    }
}

/// Whether a declaration typed so far needs more lines: the parser stopped at the end
/// of the input, or the last line ends with something that must be followed (`where`,
/// `->`, `=`, an operator, an open bracket...). Multi-line input ends with an empty line.
pub fn needs_more(buffer: &str) -> bool {
    let lines: Vec<&str> = buffer.split('\n').collect();
    let Some(last) = lines.last() else { return false };
    if last.trim().is_empty() {
        return false;
    }
    if lines.len() > 1 {
        return true;
    }
    let trimmed = last.trim_end();
    const OPENERS: &[&str] = &[
        "where", "with", "->", "=", "::", ".", "in", "then", "else", "(", "[", "{", ",", "|", "+", "-", "*",
        "&&", "||", "==>", "<==>", "==", "!=", "<", "<=", ">", ">=", "\\", "let", "if", "match",
    ];
    if OPENERS.iter().any(|o| {
        trimmed.ends_with(o)
            && (!o.chars().all(|c| c.is_ascii_alphabetic())
                || trimmed.len() == o.len()
                || !trimmed.as_bytes()[trimmed.len() - o.len() - 1].is_ascii_alphanumeric())
    }) {
        return true;
    }
    let parsed = syntax::parse(buffer);
    let end = buffer.trim_end().len();
    parsed.errors.iter().any(|d| d.primary_span().is_some_and(|s| s.start >= end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Session {
        Session::new(Options { lib_dirs: Vec::new(), timeout: Duration::from_secs(20), color: false })
    }

    fn run(s: &mut Session, input: &str) -> (String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        s.execute(input, &mut out, &mut err);
        (String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
    }

    #[test]
    fn commands_are_found_by_prefix() {
        assert_eq!(resolve_command(":t"), Some(":type"));
        assert_eq!(resolve_command(":q"), Some(":quit"));
        assert_eq!(resolve_command(":re"), Some(":reload"));
        assert_eq!(resolve_command(":e"), None, "ambiguous: :emit, :env");
        assert_eq!(resolve_command(":nope"), None);
    }

    #[test]
    fn incomplete_declarations_ask_for_more() {
        assert!(needs_more("data List a where"));
        assert!(needs_more("f :: x: Int ->"));
        assert!(needs_more("data L where\n  N :: L"));
        assert!(!needs_more("data L where\n  N :: L\n"));
        assert!(!needs_more("f :: Int"));
        assert!(!needs_more("inc :: x: Int -> {Int | _v == x + 1}"));
        assert!(needs_more("f :: {Int | _v >= 0"));
    }

    #[test]
    fn typed_declarations_extend_and_replace() {
        let mut s = session();
        let (out, err) = run(&mut s, "zero :: {Int | _v == 0}");
        assert_eq!(out, "defined signature zero\n", "{err}");
        run(&mut s, "inc :: x: Int -> {Int | _v == x + 1}");
        run(&mut s, "one :: {Int | _v == 1}");
        let (out, err) = run(&mut s, "one = inc zero");
        assert!(out.contains("one: verified"), "{out}{err}");
        let (out, _) = run(&mut s, "one :: {Int | _v == 2}");
        assert!(out.contains("replaced signature one"), "{out}");
        let (out, err) = run(&mut s, ":check one");
        assert!(out.contains("one: FAILED") && err.contains("refinement"), "{out}{err}");
        // A declaration with errors is not added.
        let (_, err) = run(&mut s, "two :: {Intt | _v == 2}");
        assert!(err.contains("unknown type `Intt`") && err.contains("not added"), "{err}");
        assert!(!s.names().contains(&"two".to_owned()));
    }
}
