//! Verification of a resolved program: every goal with a complete body is checked
//! against its specification; goals with holes are left to the synthesizer.

use crate::db::GoalCheck;
use crate::diagnostics::Diagnostic;
use crate::logic::{DatatypeDecl, SmtConfig, SmtSolver, SmtStats, Symbol};
use crate::resolve::{GoalDef, Program};
use crate::syntax::ast::{Term, TermKind};
use crate::types::check::check_goal;

/// What happened to one goal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Verified,
    Failed,
    /// The body has holes: nothing to verify until they are filled.
    HasHoles,
}

impl Outcome {
    pub fn describe(&self) -> &'static str {
        match self {
            Outcome::Verified => "verified",
            Outcome::Failed => "FAILED",
            Outcome::HasHoles => "has holes: not checked (use `rsynth fill`)",
        }
    }

    pub fn is_failure(&self) -> bool {
        *self == Outcome::Failed
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoalReport {
    pub name: Symbol,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Default)]
pub struct Report {
    pub goals: Vec<GoalReport>,
    /// Measure cases that do not establish their measure's postcondition.
    pub measure_failures: usize,
    pub diagnostics: Vec<Diagnostic>,
    pub smt: SmtStats,
}

/// A solver that knows the program's datatypes (monomorphic ones become Z3 algebraic
/// datatypes: constructors distinct and injective; see `docs/smt.md`). It shares the
/// cache and statistics of `base`.
pub fn solver_for(program: &Program, base: &SmtSolver) -> SmtSolver {
    let decls: Vec<DatatypeDecl> = program
        .datatypes
        .values()
        .map(|dt| {
            dt.constructors.iter().fold(DatatypeDecl::new(dt.name, dt.params.iter().copied()), |decl, c| {
                let fields = program.constructors.get(c).map(|def| def.arg_sorts.clone()).unwrap_or_default();
                decl.constructor(*c, fields)
            })
        })
        .collect();
    base.with_datatypes(decls)
}

/// Checks every complete goal of the program, in file order, without the database
/// (for tests and tools that hold a `Program` directly).
pub fn verify_program(program: &Program) -> Report {
    let smt = solver_for(program, &SmtSolver::new(SmtConfig::default()));
    let mut report = Report::default();
    for failure in crate::types::measures::check_measures(program, &smt) {
        report.measure_failures += 1;
        report.diagnostics.push(failure.diagnostic);
    }
    for goal in &program.goals {
        let checked = verify_goal(program, goal, &smt);
        report.goals.push(GoalReport { name: goal.name, outcome: checked.outcome });
        report.diagnostics.extend(checked.diagnostics);
    }
    report.smt = smt.stats();
    report
}

/// Checks one goal: verified, failed (with its diagnostic), or left alone if it has holes.
pub fn verify_goal(program: &Program, goal: &GoalDef, smt: &SmtSolver) -> GoalCheck {
    if has_holes(&goal.body) {
        return GoalCheck { outcome: Outcome::HasHoles, diagnostics: Vec::new() };
    }
    match check_goal(program, goal, smt) {
        Ok(_) => GoalCheck { outcome: Outcome::Verified, diagnostics: Vec::new() },
        Err(error) => GoalCheck { outcome: Outcome::Failed, diagnostics: vec![error.into_diagnostic(smt)] },
    }
}

/// Whether a term contains a `??` hole.
pub fn has_holes(t: &Term) -> bool {
    match &t.kind {
        TermKind::Hole => true,
        TermKind::Var(_) | TermKind::Ctor(_) | TermKind::Int(_) | TermKind::Bool(_) | TermKind::Error => {
            false
        }
        TermKind::App { head, args } => has_holes(head) || args.iter().any(has_holes),
        TermKind::Unary(_, a) => has_holes(a),
        TermKind::Binary(_, a, b) => has_holes(a) || has_holes(b),
        TermKind::Lambda { body, .. } => has_holes(body),
        TermKind::Let { value, body, .. } => has_holes(value) || has_holes(body),
        TermKind::If { cond, then_branch, else_branch } => {
            has_holes(cond) || has_holes(then_branch) || has_holes(else_branch)
        }
        TermKind::Match { scrutinee, cases } => {
            has_holes(scrutinee) || cases.iter().any(|c| has_holes(&c.body))
        }
        TermKind::Annot { term, .. } => has_holes(term),
        TermKind::List(items) => items.iter().any(has_holes),
    }
}
