//! Resolution errors, and how they read.

use std::ops::Range;

use crate::diagnostics::Diagnostic;

/// What kind of thing a name was expected to be, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    Type,
    Constructor,
    Variable,
    Function,
    Predicate,
    Goal,
}

impl NameKind {
    fn describe(self) -> &'static str {
        match self {
            NameKind::Type => "type",
            NameKind::Constructor => "constructor",
            NameKind::Variable => "variable",
            NameKind::Function => "measure, predicate or inline",
            NameKind::Predicate => "predicate",
            NameKind::Goal => "goal",
        }
    }
}

/// A problem found while resolving names, sorts and declarations. Spans are absolute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolveError {
    UnknownName {
        span: Range<usize>,
        kind: NameKind,
        name: String,
        suggestions: Vec<String>,
        note: Option<String>,
    },
    Arity {
        span: Range<usize>,
        what: String,
        noun: &'static str,
        expected: usize,
        found: usize,
    },
    IllSorted {
        span: Range<usize>,
        expected: String,
        found: String,
        context: String,
    },
    NotOrdered {
        span: Range<usize>,
        sort: String,
    },
    ValueVar {
        span: Range<usize>,
        reason: &'static str,
    },
    Duplicate {
        span: Range<usize>,
        first: Range<usize>,
        kind: &'static str,
        name: String,
    },
    GoalWithoutSignature {
        span: Range<usize>,
        name: String,
        later: Option<Range<usize>>,
    },
    ConstructorResult {
        span: Range<usize>,
        constructor: String,
        expected: String,
        found: String,
    },
    MeasureCases {
        span: Range<usize>,
        measure: String,
        message: String,
        hint: String,
    },
    MeasureShape {
        span: Range<usize>,
        message: String,
        hint: String,
    },
    SynonymCycle {
        span: Range<usize>,
        name: String,
    },
    Invalid {
        span: Range<usize>,
        message: String,
        hint: Option<String>,
    },
}

impl ResolveError {
    pub fn into_diagnostic(self) -> Diagnostic {
        match self {
            ResolveError::UnknownName { span, kind, name, suggestions, note } => {
                let mut d = Diagnostic::error("unknown-name", format!("unknown {} `{name}`", kind.describe()))
                    .with_primary(span, "not in scope here");
                if !suggestions.is_empty() {
                    let list: Vec<String> = suggestions.iter().map(|s| format!("`{s}`")).collect();
                    d = d.with_hint(format!("did you mean {}?", list.join(" or ")));
                }
                if let Some(note) = note {
                    d = d.with_note(note);
                }
                d
            }
            ResolveError::Arity { span, what, noun, expected, found } => Diagnostic::error(
                "arity-mismatch",
                format!("{what} expects {expected} {noun}{}, but {found} {} given", plural(expected), were(found)),
            )
            .with_primary(span, format!("{found} {noun}{} here", plural(found))),
            ResolveError::IllSorted { span, expected, found, context } => {
                Diagnostic::error("ill-sorted", format!("{context}: expected sort `{expected}`, found `{found}`"))
                    .with_primary(span, format!("this has sort `{found}`"))
                    .with_note(format!("expected sort: {expected}\n   found sort: {found}"))
            }
            ResolveError::NotOrdered { span, sort } => {
                Diagnostic::error("ill-sorted", format!("sort `{sort}` is not ordered"))
                    .with_primary(span, format!("compared with `<`, `<=`, `>` or `>=` at sort `{sort}`"))
                    .with_hint("only `Int` and type variables are ordered; use `==` or `!=` here")
            }
            ResolveError::ValueVar { span, reason } => {
                Diagnostic::error("value-var-misuse", "misuse of the value variable `_v`")
                    .with_primary(span, reason)
                    .with_hint("`_v` stands for the value being refined, inside `{T | ...}` of a scalar type")
            }
            ResolveError::Duplicate { span, first, kind, name } => {
                Diagnostic::error("duplicate-definition", format!("{kind} `{name}` is defined twice"))
                    .with_primary(span, "redefined here")
                    .with_secondary(first, "first defined here")
                    .with_hint("rename one of them or remove the duplicate")
            }
            ResolveError::GoalWithoutSignature { span, name, later } => {
                let mut d = Diagnostic::error("goal-without-signature", format!("goal `{name}` has no signature"))
                    .with_primary(span, "this goal");
                match later {
                    Some(sig) => {
                        d = d
                            .with_secondary(sig, "the signature comes after the goal")
                            .with_hint("move the signature `name :: type` above the goal")
                    }
                    None => d = d.with_hint(format!("declare its type above it: `{name} :: ...`")),
                }
                d
            }
            ResolveError::ConstructorResult { span, constructor, expected, found } => Diagnostic::error(
                "constructor-result",
                format!("constructor `{constructor}` must return `{expected}`"),
            )
            .with_primary(span, format!("this returns `{found}`"))
            .with_hint(format!(
                "a constructor's result is its datatype applied to the declared parameters, unrefined: `{expected}`"
            )),
            ResolveError::MeasureCases { span, measure, message, hint } => {
                Diagnostic::error("measure-cases", format!("measure `{measure}`: {message}"))
                    .with_primary(span, "here")
                    .with_hint(hint)
            }
            ResolveError::MeasureShape { span, message, hint } => {
                Diagnostic::error("measure-signature", message).with_primary(span, "here").with_hint(hint)
            }
            ResolveError::SynonymCycle { span, name } => {
                Diagnostic::error("synonym-cycle", format!("type synonym `{name}` refers to itself"))
                    .with_primary(span, "used in its own definition")
                    .with_hint("a synonym is expanded where it is used; define a datatype for recursive types")
            }
            ResolveError::Invalid { span, message, hint } => {
                let mut d = Diagnostic::error("invalid-declaration", message).with_primary(span, "here");
                if let Some(hint) = hint {
                    d = d.with_hint(hint);
                }
                d
            }
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn were(n: usize) -> &'static str {
    if n == 1 { "was" } else { "were" }
}
