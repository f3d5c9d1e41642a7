//! The incremental database shared by the CLI, the REPL and the tests.
//!
//! Source files are salsa inputs; every later phase is a tracked query over them, so an
//! edit re-runs only what depends on the edited text. Query results are plain data
//! (`Send + Sync`): z3 values never cross a query boundary.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use salsa::Durability;

use crate::diagnostics::Diagnostic;
use crate::logic::{SmtConfig, SmtSolver};
use crate::resolve::{Program, Resolved};
use crate::syntax::ast::{Span, Term, TermKind};
use crate::syntax::{self, Parsed};
use crate::verify::Outcome;

/// The database trait every query takes.
#[salsa::db]
pub trait Db: salsa::Database {
    /// The SMT solver handle queries use. Its cache and statistics are shared by all
    /// queries of the database; answers never depend on them.
    fn smt(&self) -> &SmtSolver;

    /// Where `import`s are found.
    fn libraries(&self) -> LibraryIndex;
}

/// One `.sq` file: its path (for messages) and its text.
#[salsa::input(debug)]
pub struct SourceFile {
    #[returns(ref)]
    pub path: String,
    #[returns(ref)]
    pub text: String,
}

/// The libraries `import` can name: module name → file, and the search path they were
/// found on (for hints). Library files and this index are inputs of high durability:
/// they rarely change, so salsa need not re-validate what depends only on them when a
/// user's file is edited. The bundled standard library is registered when the database
/// is created; `repl::library::load_libraries` adds the files of `--lib` folders.
#[salsa::input(debug)]
pub struct LibraryIndex {
    #[returns(ref)]
    pub modules: BTreeMap<String, SourceFile>,
    #[returns(ref)]
    pub search_path: Vec<String>,
}

/// A module name, interned so that it can key [`library_file`].
#[salsa::interned(debug)]
pub struct ModuleName<'db> {
    #[returns(ref)]
    pub text: String,
}

/// The file a module name refers to. A query of its own, so that adding a library to
/// the index does not invalidate files that import other ones.
#[salsa::tracked(returns(copy))]
pub fn library_file<'db>(db: &'db dyn Db, name: ModuleName<'db>) -> Option<SourceFile> {
    db.libraries().modules(db).get(name.text(db)).copied()
}

/// Imports found through the database.
struct DbLibraries<'a> {
    db: &'a dyn Db,
}

impl crate::resolve::import::Libraries for DbLibraries<'_> {
    fn find(&self, name: &str) -> Option<crate::resolve::import::Library<'_>> {
        let file = library_file(self.db, ModuleName::new(self.db, name.to_owned()))?;
        Some(crate::resolve::import::Library {
            path: file.path(self.db),
            text: file.text(self.db),
            module: &parse(self.db, file).module,
        })
    }

    fn error_count(&self, name: &str) -> usize {
        let Some(file) = library_file(self.db, ModuleName::new(self.db, name.to_owned())) else { return 0 };
        parse(self.db, file).errors.len() + resolve_file(self.db, file).errors.len()
    }

    fn search_path(&self) -> Vec<String> {
        self.db.libraries().search_path(self.db).clone()
    }

    fn available(&self) -> Vec<String> {
        self.db.libraries().modules(self.db).keys().cloned().collect()
    }
}

/// Parses a file. Never fails: the result holds the declarations that parsed and every
/// error found (see `syntax::parser`).
#[salsa::tracked(returns(ref))]
pub fn parse(db: &dyn Db, file: SourceFile) -> Parsed {
    syntax::parse(file.text(db))
}

/// Resolves a file. Never fails; a file with syntax errors resolves the declarations
/// that parsed. Its imports are found in the [`LibraryIndex`].
#[salsa::tracked(returns(ref))]
pub fn resolve_file(db: &dyn Db, file: SourceFile) -> Resolved {
    crate::resolve::resolve_with(&parse(db, file).module, &DbLibraries { db })
}

/// The parse and resolution errors of a file's libraries (those it reaches through
/// `import`, directly or not), per library, for reporting against the library's own
/// text. Empty for a file without imports.
pub fn library_errors(db: &dyn Db, file: SourceFile) -> Vec<(SourceFile, Vec<Diagnostic>)> {
    let mut out = Vec::new();
    let resolved = resolve_file(db, file);
    // A library in an import cycle is reported by the cycle error alone.
    if resolved.errors.iter().any(|d| d.code == "import-cycle") {
        return out;
    }
    for lib in &resolved.libraries {
        let Some(lib_file) = library_file(db, ModuleName::new(db, lib.name.clone())) else { continue };
        let mut errors = parse(db, lib_file).errors.clone();
        errors.extend(resolve_file(db, lib_file).errors.iter().cloned());
        if !errors.is_empty() {
            out.push((lib_file, errors));
        }
    }
    out
}

/// What every goal check depends on: the resolved program without goal bodies and
/// without positions. Editing one goal's body, or moving declarations around, leaves it
/// equal, so salsa reuses the checks of the other goals.
#[salsa::tracked(returns(ref))]
pub fn program_skeleton(db: &dyn Db, file: SourceFile) -> Program {
    let mut program = resolve_file(db, file).program.clone();
    for goal in &mut program.goals {
        goal.body = Term { kind: TermKind::Hole, span: Span::default() };
        goal.offset = 0;
    }
    program
}

/// A goal's name, interned so that it can key per-goal queries.
#[salsa::interned(debug)]
pub struct GoalName<'db> {
    #[returns(ref)]
    pub text: String,
}

/// A goal's body, with spans relative to its declaration (so it is unchanged when the
/// declaration merely moves).
#[salsa::tracked(returns(ref))]
pub fn goal_body<'db>(db: &'db dyn Db, file: SourceFile, name: GoalName<'db>) -> Option<Term> {
    let text = name.text(db);
    resolve_file(db, file).program.goals.iter().find(|g| g.name.as_str() == text).map(|g| g.body.clone())
}

/// The result of checking one goal. Diagnostic spans are relative to the goal's
/// declaration; [`verify_file`] makes them absolute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoalCheck {
    pub outcome: Outcome,
    pub diagnostics: Vec<Diagnostic>,
}

/// Checks one goal. Depends only on the program skeleton and this goal's body.
#[salsa::tracked(returns(ref))]
pub fn check_goal<'db>(db: &'db dyn Db, file: SourceFile, name: GoalName<'db>) -> GoalCheck {
    let skeleton = program_skeleton(db, file);
    let text = name.text(db);
    let Some(mut goal) = skeleton.goals.iter().find(|g| g.name.as_str() == text).cloned() else {
        return GoalCheck { outcome: Outcome::Failed, diagnostics: Vec::new() };
    };
    let Some(body) = goal_body(db, file, name).clone() else {
        return GoalCheck { outcome: Outcome::Failed, diagnostics: Vec::new() };
    };
    goal.body = body;
    let smt = crate::verify::solver_for(skeleton, db.smt());
    crate::verify::verify_goal(skeleton, &goal, &smt)
}

/// Checks the measures' postconditions; depends only on the program skeleton. Returns
/// the declaration index and a diagnostic with spans relative to it, per failed case.
#[salsa::tracked(returns(ref))]
pub fn check_measures(db: &dyn Db, file: SourceFile) -> Vec<(usize, Diagnostic)> {
    let skeleton = program_skeleton(db, file);
    crate::types::measures::check_measures(skeleton, &crate::verify::solver_for(skeleton, db.smt()))
        .into_iter()
        .map(|f| (f.decl, f.diagnostic))
        .collect()
}

/// Verifies every goal of a file through the per-goal queries: one line of outcome per
/// goal, and diagnostics with absolute spans.
pub fn verify_file(db: &dyn Db, file: SourceFile) -> crate::verify::Report {
    let resolved = resolve_file(db, file);
    let mut report = crate::verify::Report::default();
    let decls = &parse(db, file).module.decls;
    for failure in check_measures(db, file) {
        // Measures of imported libraries are checked with the library itself.
        let Some(index) = failure.0.checked_sub(resolved.library_decls) else { continue };
        let offset = decls.get(index).map_or(0, |d| d.offset as usize);
        report.measure_failures += 1;
        report.diagnostics.push(failure.1.shifted(offset));
    }
    for goal in &resolved.program.goals {
        let name = GoalName::new(db, goal.name.as_str().to_owned());
        let checked = check_goal(db, file, name);
        report.goals.push(crate::verify::GoalReport { name: goal.name, outcome: checked.outcome.clone() });
        report.diagnostics.extend(checked.diagnostics.iter().map(|d| d.shifted(goal.offset as usize)));
    }
    report.smt = db.smt().stats();
    report
}

/// The concrete database.
#[salsa::db]
#[derive(Clone)]
pub struct Database {
    storage: salsa::Storage<Self>,
    log: Option<Arc<Mutex<Vec<String>>>>,
    smt: SmtSolver,
    libraries: Option<LibraryIndex>,
    /// The bundled standard library's files, by module name.
    bundled: BTreeMap<String, SourceFile>,
}

impl Default for Database {
    fn default() -> Self {
        Database::new(salsa::Storage::new(None), None)
    }
}

impl Database {
    fn new(storage: salsa::Storage<Self>, log: Option<Arc<Mutex<Vec<String>>>>) -> Self {
        let mut db = Database {
            storage,
            log,
            smt: SmtSolver::new(SmtConfig::default()),
            libraries: None,
            bundled: BTreeMap::new(),
        };
        let modules: BTreeMap<String, SourceFile> = crate::resolve::bundled::MODULES
            .iter()
            .map(|m| {
                let file =
                    SourceFile::builder(m.path(), m.text.to_owned()).durability(Durability::HIGH).new(&db);
                (m.name.to_owned(), file)
            })
            .collect();
        let search_path = vec![crate::resolve::bundled::SEARCH_PATH_ENTRY.to_owned()];
        db.bundled = modules.clone();
        db.libraries =
            Some(LibraryIndex::builder(modules, search_path).durability(Durability::HIGH).new(&db));
        db
    }

    /// A database that records which queries execute, for incrementality tests.
    pub fn with_execution_log() -> Self {
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = Arc::clone(&log);
        let storage = salsa::Storage::new(Some(Box::new(move |event: salsa::Event| {
            if let salsa::EventKind::WillExecute { database_key } = event.kind
                && let Ok(mut entries) = sink.lock()
            {
                entries.push(format!("{database_key:?}"));
            }
        })));
        Database::new(storage, Some(log))
    }

    /// The queries executed since the last call (empty without a log).
    pub fn take_execution_log(&self) -> Vec<String> {
        match &self.log {
            Some(log) => log.lock().map(|mut l| std::mem::take(&mut *l)).unwrap_or_default(),
            None => Vec::new(),
        }
    }

    /// Adds a file to the database.
    pub fn add_file(&self, path: impl Into<String>, text: impl Into<String>) -> SourceFile {
        SourceFile::new(self, path.into(), text.into())
    }

    /// The bundled standard library's file of a module.
    pub fn bundled_file(&self, name: &str) -> Option<SourceFile> {
        self.bundled.get(name).copied()
    }

    /// Adds a library file: an input of high durability (libraries rarely change).
    pub fn add_library_file(&self, path: impl Into<String>, text: impl Into<String>) -> SourceFile {
        SourceFile::builder(path.into(), text.into()).durability(Durability::HIGH).new(self)
    }
}

#[salsa::db]
impl salsa::Database for Database {}

#[salsa::db]
impl Db for Database {
    fn smt(&self) -> &SmtSolver {
        &self.smt
    }

    fn libraries(&self) -> LibraryIndex {
        self.libraries.expect("Database::new registers the library index")
    }
}

#[cfg(test)]
mod tests {
    use salsa::Setter;

    use super::*;

    #[test]
    fn parse_is_reused_until_the_text_changes() {
        let mut db = Database::with_execution_log();
        let file = db.add_file("a.sq", "f :: Int");
        assert!(!parse(&db, file).has_errors());
        assert_eq!(db.take_execution_log().len(), 1);
        let _ = parse(&db, file);
        assert!(db.take_execution_log().is_empty(), "second call must be cached");
        file.set_text(&mut db).to("f :: Bool".to_owned());
        let _ = parse(&db, file);
        assert_eq!(db.take_execution_log().len(), 1);
    }
}
