//! Resolution: from a parsed module to a well-sorted [`Program`].
//!
//! Names are bound (with "did you mean" suggestions when they are not), type synonyms
//! expanded, datatype and predicate arities checked, formulas sorted by unification,
//! constructors connected to measures (`_v == C x1 .. xn`), measures checked for one
//! case per constructor. Like parsing, resolution never fails: it returns what resolved
//! and every error as a diagnostic.

pub mod axioms;
pub mod error;
mod formula;
mod print;
pub mod program;
mod resolver;
mod suggest;
mod types;

pub use print::describe;
pub use program::*;
pub use resolver::resolve_annotation;

use crate::diagnostics::Diagnostic;
use crate::syntax::ast::Module;

/// A resolved file: the program and the resolution errors, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Resolved {
    pub program: Program,
    pub errors: Vec<Diagnostic>,
}

/// Resolves a parsed module.
pub fn resolve(module: &Module) -> Resolved {
    let (program, errors) = resolver::resolve_module(module);
    let mut errors: Vec<Diagnostic> = errors.into_iter().map(error::ResolveError::into_diagnostic).collect();
    errors.sort_by_key(|d| d.primary_span().map_or(0, |s| s.start));
    Resolved { program, errors }
}

/// Parses and resolves a text that must be free of errors (for unit tests).
#[cfg(test)]
pub(crate) fn resolved_program(src: &str) -> Program {
    let parsed = crate::syntax::parse(src);
    assert!(parsed.errors.is_empty(), "{:#?}", parsed.errors);
    let resolved = resolve(&parsed.module);
    assert!(resolved.errors.is_empty(), "{:#?}", resolved.errors);
    resolved.program
}
