//! Resolution: from a parsed module to a well-sorted [`Program`].
//!
//! Names are bound (with "did you mean" suggestions when they are not), type synonyms
//! expanded, datatype and predicate arities checked, formulas sorted by unification,
//! constructors connected to measures (`_v == C x1 .. xn`), measures checked for one
//! case per constructor. Like parsing, resolution never fails: it returns what resolved
//! and every error as a diagnostic.

pub mod axioms;
pub mod bundled;
pub mod error;
mod formula;
pub mod import;
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
    /// The libraries whose declarations precede the file's own (empty without `import`).
    pub libraries: Vec<import::ImportedLibrary>,
    /// How many library declarations precede the file's own: the `decl` indices in
    /// `program` count them, so the file's declaration `i` is `library_decls + i`.
    pub library_decls: usize,
}

/// Resolves a parsed module. Imports are looked for in the bundled standard library
/// (the database resolves them against `--lib` folders too: `db::resolve_file`).
pub fn resolve(module: &Module) -> Resolved {
    resolve_with(module, &bundled::Bundled)
}

/// Resolves a parsed module, finding its imports in `libraries`. A module without
/// `import` resolves exactly as Synquid's files do: libraries are not consulted.
pub fn resolve_with(module: &Module, libraries: &dyn import::Libraries) -> Resolved {
    if !import::has_imports(module) {
        let (program, errors) = resolver::resolve_module(module);
        return Resolved { program, errors: sorted(errors), libraries: Vec::new(), library_decls: 0 };
    }
    let combined = import::combine(module, libraries);
    let (program, errors) = resolver::resolve_module(&combined.module);
    let mut all: Vec<Diagnostic> = combined.errors.clone();
    all.extend(sorted(errors).into_iter().filter_map(|d| combined.localize(d)));
    all.sort_by_key(|d| d.primary_span().map_or(0, |s| s.start));
    Resolved { program, errors: all, libraries: combined.libraries, library_decls: combined.library_decls }
}

fn sorted(errors: Vec<error::ResolveError>) -> Vec<Diagnostic> {
    let mut errors: Vec<Diagnostic> = errors.into_iter().map(error::ResolveError::into_diagnostic).collect();
    errors.sort_by_key(|d| d.primary_span().map_or(0, |s| s.start));
    errors
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
