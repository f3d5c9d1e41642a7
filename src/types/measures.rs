//! Measure definitions are checked against their postconditions, by induction.
//!
//! For `termination measure len :: List a -> {Int | _v >= 0}` and the case
//! `Cons x xs -> 1 + len xs`, the check is
//!
//! ```text
//! len xs >= 0  ⇒  1 + len xs >= 0
//! ```
//!
//! The premise is the embedding of the case binders at the constructor's argument types:
//! their refinements and the postconditions of every measure of their datatype (the
//! measure itself included: that is the induction hypothesis). Constructor terms get
//! their measure instances as usual.

use std::ops::Range;

use crate::diagnostics::Diagnostic;
use crate::logic::{Formula, SmtSolver, Substitution, Symbol};
use crate::resolve::axioms::constructor_axioms;
use crate::resolve::{MeasureCaseDef, MeasureDef, Program};
use crate::types::subtype::rename_var;
use crate::types::{Env, RType};

/// A failed case: the measure's declaration index, the case's span relative to it, and
/// the diagnostic (with relative spans).
pub struct MeasureFailure {
    pub decl: usize,
    pub diagnostic: Diagnostic,
}

/// Checks every case of every measure with a postcondition.
pub fn check_measures(program: &Program, smt: &SmtSolver) -> Vec<MeasureFailure> {
    let mut failures = Vec::new();
    for measure in program.measures.values() {
        if measure.postcondition.is_true() {
            continue;
        }
        for case in &measure.cases {
            if let Some(diagnostic) = check_case(program, smt, measure, case) {
                failures.push(MeasureFailure { decl: measure.decl, diagnostic });
            }
        }
    }
    failures
}

fn check_case(
    program: &Program,
    smt: &SmtSolver,
    measure: &MeasureDef,
    case: &MeasureCaseDef,
) -> Option<Diagnostic> {
    let ctor = program.constructors.get(&case.constructor)?;
    // Bind the case binders at the constructor's argument types, renaming its parameters.
    let mut env = Env::new();
    let mut ty = ctor.schema.ty.clone();
    for binder in &case.binders {
        let RType::Function { param, arg, result } = ty else { break };
        if binder.as_str() != "_" {
            env = env.bind(*binder, (*arg).clone());
        }
        ty = match arg.sort() {
            Some(sort) if binder.as_str() != "_" => rename_var(&result, param, &Formula::var(*binder, sort)),
            _ => *result,
        };
    }
    for (name, sort) in &measure.const_args {
        env = env.bind(*name, RType::plain(crate::types::BaseType::of_sort(sort)));
    }
    let goal = measure.postcondition.substitute(&Substitution::single(Symbol::from("_v"), case.body.clone()));
    let premise = env.embedding(program, &[&goal], true, &env.all_vars());
    let mut facts = vec![premise];
    facts.extend(constructor_axioms(program, &goal));
    let query = Formula::implies(Formula::conjunction(facts), goal.clone());
    match smt.is_valid(&query) {
        Ok(true) => None,
        Ok(false) | Err(_) => Some(failure(smt, measure, case, &query)),
    }
}

fn failure(smt: &SmtSolver, measure: &MeasureDef, case: &MeasureCaseDef, query: &Formula) -> Diagnostic {
    let span: Range<usize> = case.span.absolute(0);
    let mut d = Diagnostic::error(
        "measure-postcondition",
        format!("this case of measure `{}` does not establish its postcondition", measure.name),
    )
    .with_primary(span, format!("must satisfy `{}`", measure.postcondition))
    .with_note("the postcondition may be assumed for the constructor's arguments (induction), and must hold for the case's result");
    if let Some(cex) = crate::types::error::counterexample(smt, query) {
        d = d.with_note(format!("counterexample: {cex}"));
    }
    d.with_hint("fix the case's body, or weaken the postcondition in the measure's result type")
}
