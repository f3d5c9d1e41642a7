//! The refinement logic and its SMT back end.
//!
//! This layer knows formulas, sorts and solvers, and nothing else in the crate: no
//! syntax, no types, no programs. Everything above it (the resolver, the type checker,
//! the Horn solver, the synthesizer) talks about logic through the types re-exported
//! here.
//!
//! **Representation.** Names are [`Symbol`]s, interned once per process: `Copy`,
//! compared by pointer, ordered by text. A [`Formula`] is an immutable `Arc` tree whose
//! nodes carry a structural hash computed at construction, so formulas are cheap keys
//! for the caches that dominate synthesis (qualifier sets, clause sets, SMT results).
//! `Ord` is structural and hashing uses a fixed hasher, so nothing here depends on
//! addresses or random seeds: the same input gives the same iteration orders, the same
//! fresh names and the same queries on every run. Formulas are `Send + Sync` and can
//! live in salsa query results. (Why this and not a global hash-consing table: see the
//! module docs of `formula`.)
//!
//! **Only `logic::smt` imports `z3`.** Z3 values hold an `Rc` to a thread-local
//! context, so they are neither `Send` nor `Sync`, and the binding (z3 0.22 against the
//! system libz3 4.8.12) must be used within a known-good subset. Confining it to one
//! module keeps both problems in one place: the rest of the crate passes formulas in and
//! gets verdicts, unsat cores and models back as plain rsynth values.
//!
//! **Threading model.** [`SmtSolver`] is a `Send + Sync` handle holding configuration,
//! a query cache and statistics behind `Arc`s; clones share them. Each call does its Z3
//! work on the calling thread, in that thread's own Z3 context, with a solver created
//! for that query, and drops every Z3 value before returning. Several threads (a
//! portfolio of search configurations) can therefore share one handle, and its cache,
//! without ever sharing a Z3 object.
//!
//! Module map: `symbol` (interning), `sort` (sorts and unification), `formula` (the
//! formula type and smart constructors), `subst` (substitution, free variables,
//! unknowns), `sorting` (sorts of formulas), `display` (`.sq` printing), `qualifier`
//! (qualifier spaces), `smt` (Z3), `horn` (the Horn-clause solver over liquid unknowns).

mod display;
pub mod formula;
pub mod horn;
pub mod qualifier;
pub mod smt;
pub mod sort;
mod sorting;
mod subst;
mod symbol;

pub use formula::{BinOp, Formula, Kind, Substitution, UnOp, VALUE_VAR};
pub use horn::{Clause, FailureKind, HornFailure, HornSolver, HornStats, Valuation};
pub use qualifier::QualifierSpace;
pub use smt::{ConstructorDecl, DatatypeDecl, DatatypeEncoding, SmtConfig, SmtError, SmtSolver, SmtStats};
pub use sort::{Sort, SortError, SortSubst, SortVar, SortVarSupply, unify};
pub use sorting::SortCheckError;
pub use subst::{Variable, pred_param};
pub use symbol::Symbol;
