//! Type errors as diagnostics: where, what was required, what was found, the facts in
//! scope, and a counterexample read from the solver.

use crate::diagnostics::Diagnostic;
use crate::logic::smt::{ModelResult, Value};
use crate::logic::{Formula, SmtSolver};
use crate::types::check::TypeError;
use crate::types::subtype::SubtypeError;

/// Facts and counterexample lines are capped so a report stays readable.
const MAX_FACTS: usize = 8;

impl TypeError {
    /// Renders the error; `smt` is asked for a counterexample to the failed clause.
    pub fn into_diagnostic(self, smt: &SmtSolver) -> Diagnostic {
        match self {
            TypeError::Subtype(SubtypeError::Shape { found, required, span }) => {
                Diagnostic::error("type-mismatch", format!("expected a value of type `{required}`"))
                    .with_primary(span, format!("this has type `{found}`"))
                    .with_note(format!("required: {required}\n   found: {found}"))
            }
            TypeError::Subtype(SubtypeError::Unprovable { origin, clause }) => {
                let (found, required) = origin.shown();
                let mut d = Diagnostic::error(
                    "refinement-failure",
                    format!("cannot prove that this term has type `{required}`"),
                )
                .with_primary(origin.span.clone(), format!("its type is `{found}`"))
                .with_note(format!("required: {required}\n   found: {found}"));
                let facts: Vec<String> =
                    origin.env.assumptions().take(MAX_FACTS).map(|f| f.to_string()).collect();
                if !facts.is_empty() {
                    d = d.with_note(format!("facts in scope: {}", facts.join(", ")));
                }
                if let Some(cex) = counterexample(smt, &clause) {
                    d = d.with_note(format!("counterexample: {cex}"));
                }
                match &origin.note {
                    Some(note) if note.contains("recursive call") => {
                        d.code = "termination";
                        d.message = "cannot prove that this recursive call terminates".into();
                        d.with_note(note.clone())
                            .with_hint("pass an argument that is smaller in the termination metric")
                    }
                    Some(note) => d
                        .with_note(note.clone())
                        .with_hint("the refinement above does not follow from what is known at this point"),
                    None => {
                        d.with_hint("the refinement above does not follow from what is known at this point")
                    }
                }
            }
            TypeError::Unsupported { span, what } => {
                Diagnostic::error("unsupported", format!("the checker does not support {what} yet"))
                    .with_primary(span, "not supported yet")
            }
            TypeError::Misuse { span, message } => {
                Diagnostic::error("type-error", message).with_primary(span, "here")
            }
            TypeError::Annotation(Some(d)) => d,
            TypeError::Annotation(None) => {
                Diagnostic::error("type-error", "a type annotation does not resolve")
            }
        }
    }
}

/// A model of the negated clause, rendered with the user's names only (internal names
/// end with `'`), e.g. `when n = 0, len _v = 1`.
pub(crate) fn counterexample(smt: &SmtSolver, clause: &Formula) -> Option<String> {
    // Z3's choice of model depends on the history of its context, and contexts are per
    // thread. A fresh thread gives a fresh context, so the same failure always shows the
    // same counterexample, whichever queries ran before it.
    let answer = std::thread::scope(|scope| scope.spawn(|| smt.counterexample(clause)).join());
    let ModelResult::Sat(model) = answer.ok()?.ok()? else { return None };
    // Elements of abstract sorts print as numbered tokens, which say nothing to a
    // reader; integers, Booleans, sets and measure values do.
    let shown = |value: &Value| !matches!(value, Value::Element { .. } | Value::Opaque(_));
    let mut parts: Vec<String> = model
        .vars
        .iter()
        .filter(|(v, value)| !v.name.as_str().ends_with('\'') && shown(value))
        .map(|(v, value)| format!("{} = {value}", v.name))
        .collect();
    parts.extend(
        model
            .terms
            .iter()
            .filter(|(t, value)| {
                !t.free_var_names().iter().any(|n| n.as_str().ends_with('\'')) && shown(value)
            })
            .map(|(t, value)| format!("{t} = {value}")),
    );
    parts.dedup();
    parts.truncate(MAX_FACTS * 2);
    (!parts.is_empty()).then(|| format!("when {}", parts.join(", ")))
}
