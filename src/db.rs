//! The incremental database shared by the CLI, the REPL and the tests.
//!
//! Source files are salsa inputs; every later phase is a tracked query over them, so an
//! edit re-runs only what depends on the edited text. Query results are plain data
//! (`Send + Sync`): z3 values never cross a query boundary.

use std::sync::{Arc, Mutex};

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
}

/// One `.sq` file: its path (for messages) and its text.
#[salsa::input(debug)]
pub struct SourceFile {
    #[returns(ref)]
    pub path: String,
    #[returns(ref)]
    pub text: String,
}

/// Parses a file. Never fails: the result holds the declarations that parsed and every
/// error found (see `syntax::parser`).
#[salsa::tracked(returns(ref))]
pub fn parse(db: &dyn Db, file: SourceFile) -> Parsed {
    syntax::parse(file.text(db))
}

/// Resolves a file. Never fails; a file with syntax errors resolves the declarations
/// that parsed.
#[salsa::tracked(returns(ref))]
pub fn resolve_file(db: &dyn Db, file: SourceFile) -> Resolved {
    crate::resolve::resolve(&parse(db, file).module)
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
        let offset = decls.get(failure.0).map_or(0, |d| d.offset as usize);
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
}

impl Default for Database {
    fn default() -> Self {
        Database { storage: salsa::Storage::new(None), log: None, smt: SmtSolver::new(SmtConfig::default()) }
    }
}

impl Database {
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
        Database { storage, log: Some(log), smt: SmtSolver::new(SmtConfig::default()) }
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
}

#[salsa::db]
impl salsa::Database for Database {}

#[salsa::db]
impl Db for Database {
    fn smt(&self) -> &SmtSolver {
        &self.smt
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
