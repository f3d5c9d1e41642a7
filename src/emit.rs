//! Emitters: a checked `.sq` program as Rust or OCaml that compiles, runs, and checks
//! its own contracts.
//!
//! ```text
//! resolve::Program ──▶ plan (lower goal bodies, classify components) ──▶ rust | ocaml
//! ```
//!
//! [`emit_program`] takes a resolved program whose goals have complete bodies (as
//! checked by `rsynth check`, or as filled by the synthesizer) and returns one source
//! file. What becomes what:
//!
//! * **Datatypes** become Rust enums (generic, `Box` for recursive fields, deriving
//!   `Clone, Debug, PartialEq, Eq`, and `PartialOrd, Ord` when a type parameter that
//!   must be ordered is instantiated with them) and OCaml variants. Constructors whose
//!   fields are refined get a *smart constructor* that checks the refinements.
//! * **Measures** become executable functions (Rust methods, OCaml functions); sets
//!   are `BTreeSet` in Rust and sorted lists (a small polymorphic set module) in OCaml.
//! * **Refinements become contracts**: `debug_assert!` / `assert` on pre- and
//!   postconditions where the formula is executable, and a walk (`satisfies`) checking
//!   the refinements inside datatype values (sortedness, search-tree order, balance).
//!   Quantifiers, uninterpreted predicates and abstract refinements are skipped with a
//!   comment that says so.
//! * **Components** (signatures without bodies) whose refinement determines them
//!   (`inc :: x: Int -> {Int | _v == x + 1}`) get that body; the others become a
//!   trait (Rust) or a functor argument (OCaml) the caller supplies.
//! * **Goals** become functions: generic Rust functions with the trait bounds they use
//!   (`Ord` for comparisons of type parameters, `Clone` where a value is used twice),
//!   moving values where it can and cloning only where a value is used again; OCaml
//!   `let rec` functions. Integers are `i64` in Rust and `int` in OCaml.
//!
//! See `docs/emit.md` for the details and the guarantees tested.

pub mod harness;
pub mod ir;
pub mod ocaml;
pub mod plan;
pub mod rust;
pub mod spec;
pub mod ty;

use crate::diagnostics::Diagnostic;
use crate::logic::Symbol;
use crate::resolve::Program;
use crate::syntax::ast;

/// The language to emit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Rust,
    OCaml,
}

impl Target {
    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Target::Rust => "rs",
            Target::OCaml => "ml",
        }
    }
}

/// What the header of the emitted file says about where it came from.
#[derive(Clone, Debug, Default)]
pub struct EmitOptions {
    /// The `.sq` file's name as the user gave it.
    pub source_name: String,
}

/// Why a program cannot be emitted: a construct the emitter does not support.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmitError {
    pub message: String,
    /// The goal whose body has the construct, and the span inside its declaration.
    pub goal: Option<Symbol>,
    pub span: Option<ast::Span>,
}

impl EmitError {
    pub fn new(message: impl Into<String>) -> EmitError {
        EmitError { message: message.into(), goal: None, span: None }
    }

    pub fn at(span: ast::Span, message: impl Into<String>) -> EmitError {
        EmitError { message: message.into(), goal: None, span: Some(span) }
    }

    pub fn in_goal(mut self, goal: Symbol) -> EmitError {
        self.goal.get_or_insert(goal);
        self
    }

    /// A diagnostic with an absolute span (goal spans are relative to the goal).
    pub fn into_diagnostic(self, program: &Program) -> Diagnostic {
        let mut d = Diagnostic::error("emit-unsupported", self.message);
        if let Some(goal) = self.goal {
            let g = program.goals.iter().find(|g| g.name == goal);
            match (g, self.span) {
                (Some(g), Some(span)) => d = d.with_primary(span.absolute(g.offset), "here"),
                (Some(g), None) => {
                    d = d.with_primary(
                        g.offset as usize..g.offset as usize + goal.as_str().len(),
                        "in this goal",
                    )
                }
                _ => {}
            }
        }
        d.with_hint("this construct has no translation yet; see docs/emit.md for what is supported")
    }
}

impl std::fmt::Display for EmitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.goal {
            Some(g) => write!(f, "in `{g}`: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for EmitError {}

/// Emits a program whose goals all have complete bodies.
pub fn emit_program(program: &Program, target: Target, options: &EmitOptions) -> Result<String, EmitError> {
    let plan = plan::Plan::new(program)?;
    match target {
        Target::Rust => rust::emit(&plan, options),
        Target::OCaml => ocaml::emit(&plan, options),
    }
}

/// Emits a program with the given goal bodies (for instance, the synthesizer's
/// solutions) in place of the bodies in `program`.
pub fn emit_with_bodies(
    program: &Program,
    bodies: &[(Symbol, ast::Term)],
    target: Target,
    options: &EmitOptions,
) -> Result<String, EmitError> {
    let mut program = program.clone();
    for (name, body) in bodies {
        match program.goals.iter_mut().find(|g| g.name == *name) {
            Some(g) => g.body = body.clone(),
            None => return Err(EmitError::new(format!("no goal named `{name}`"))),
        }
    }
    emit_program(&program, target, options)
}

/// The snake-case form of a datatype or constructor name, before either language's
/// keywords are escaped: `List` is `list`, `ICons` is `i_cons`, `WeakRBT` is
/// `weak_rbt`, `MinPair` is `min_pair`.
pub(crate) fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev_lower = i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if i > 0 && (prev_lower || (next_lower && chars[i - 1].is_uppercase())) {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(*c);
        }
    }
    out
}
