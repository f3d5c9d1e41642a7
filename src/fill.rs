//! `rsynth fill`: synthesize every goal of a program that has holes, in file order.
//!
//! Goals with complete bodies are verified instead (as `rsynth check` does), so that a
//! file mixing finished functions and holes is handled in one run. Later goals may use
//! earlier ones as components whether or not those were solved: a goal only ever sees
//! the *signatures* of the others.

use std::time::Duration;

use crate::diagnostics::Diagnostic;
use crate::logic::{SmtSolver, SmtStats, Symbol};
use crate::resolve::Program;
use crate::syntax::ast::{DeclKind, Module, Term};
use crate::synth::{self, CancelFlag, Failure, Solution, SynthConfig};
use crate::verify::{has_holes, solver_for, verify_goal};

/// What happened to one goal.
#[derive(Debug, Clone)]
pub enum GoalResult {
    /// The body was complete and verifies.
    Verified,
    /// The body was complete and does not verify (diagnostics in the report).
    VerificationFailed,
    Solved(Solution),
    Unsolved(Failure),
}

#[derive(Debug, Clone)]
pub struct GoalOutcome {
    pub name: Symbol,
    pub result: GoalResult,
}

/// The outcome of filling a file.
#[derive(Debug, Clone, Default)]
pub struct FillReport {
    pub goals: Vec<GoalOutcome>,
    pub diagnostics: Vec<Diagnostic>,
    pub smt: SmtStats,
    pub elapsed: Duration,
}

impl FillReport {
    /// Whether every goal was solved or verified.
    pub fn all_done(&self) -> bool {
        self.goals.iter().all(|g| matches!(g.result, GoalResult::Verified | GoalResult::Solved(_)))
    }

    /// The solved bodies, by goal name.
    pub fn solutions(&self) -> impl Iterator<Item = (Symbol, &Solution)> {
        self.goals.iter().filter_map(|g| match &g.result {
            GoalResult::Solved(s) => Some((g.name, s)),
            _ => None,
        })
    }
}

/// Fills (or verifies) every goal of `program`, in file order. `on_goal` is told when
/// each goal starts (for progress displays).
pub fn fill_program(
    program: &Program,
    config: &SynthConfig,
    cancel: &CancelFlag,
    on_goal: &mut (dyn FnMut(Symbol) + Send),
) -> FillReport {
    fill_program_then(program, config, cancel, on_goal, |report| report)
}

/// [`fill_program`], with `then` run on the calling thread as soon as the report is
/// ready, before the search winds down (see [`synth::on_search_stack_then`]).
pub fn fill_program_then<T>(
    program: &Program,
    config: &SynthConfig,
    cancel: &CancelFlag,
    on_goal: &mut (dyn FnMut(Symbol) + Send),
    then: impl FnOnce(FillReport) -> T,
) -> T {
    // One search thread for the whole file: its Z3 context serves every goal.
    synth::on_search_stack_then(
        |deliver| {
            let started = std::time::Instant::now();
            let smt = solver_for(program, &SmtSolver::new(crate::logic::SmtConfig::default()));
            // The lanes' threads serve every goal as well; the report goes out before
            // they end.
            synth::LaneThreads::with(|lanes| {
                deliver.send(fill_here(program, config, cancel, on_goal, &smt, started, lanes));
            });
            // The caches of the search are dropped only now.
            drop(smt);
        },
        then,
    )
}

fn fill_here<'env>(
    program: &'env Program,
    config: &'env SynthConfig,
    cancel: &'env CancelFlag,
    on_goal: &mut (dyn FnMut(Symbol) + Send),
    smt: &'env SmtSolver,
    started: std::time::Instant,
    lanes: &synth::LaneThreads<'_, 'env>,
) -> FillReport {
    let mut report = FillReport::default();
    for failure in crate::types::measures::check_measures(program, smt) {
        report.diagnostics.push(failure.diagnostic);
    }
    for goal in &program.goals {
        on_goal(goal.name);
        let result = if has_holes(&goal.body) {
            match synth::synthesize_on(program, goal, smt, config, cancel, lanes) {
                Ok(solution) => GoalResult::Solved(solution),
                Err(Failure::Template(error)) => {
                    report.diagnostics.push(error.clone().into_diagnostic(smt));
                    GoalResult::Unsolved(Failure::Template(error))
                }
                Err(failure) => GoalResult::Unsolved(failure),
            }
        } else {
            let checked = verify_goal(program, goal, smt);
            report.diagnostics.extend(checked.diagnostics);
            if checked.outcome.is_failure() { GoalResult::VerificationFailed } else { GoalResult::Verified }
        };
        let cancelled = matches!(result, GoalResult::Unsolved(Failure::Cancelled { .. }));
        report.goals.push(GoalOutcome { name: goal.name, result });
        if cancelled {
            break;
        }
    }
    report.smt = smt.stats();
    report.elapsed = started.elapsed();
    report
}

/// The module with each solved goal's body replaced by its solution.
pub fn filled_module(module: &Module, report: &FillReport) -> Module {
    let mut module = module.clone();
    for decl in &mut module.decls {
        if let DeclKind::Goal(goal) = &mut decl.kind
            && let Some((_, solution)) = report.solutions().find(|(name, _)| name.as_str() == goal.name.text)
        {
            goal.body = solution.body.clone();
        }
    }
    module
}

/// The solved body of a goal, if any.
pub fn solution_body<'r>(report: &'r FillReport, name: &str) -> Option<&'r Term> {
    report.solutions().find(|(n, _)| n.as_str() == name).map(|(_, s)| &s.body)
}
