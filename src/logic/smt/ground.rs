//! Quantifier instantiation by hand: a quantifier-free formula that is unsatisfiable
//! only if the original is.
//!
//! The checker's quantifiers are element properties, `∀e. e ∈ elems x ⇒ ψ(e)`, in the
//! premises of clauses, and the same shape negated in their conclusions. Z3 handles them
//! by E-matching (MBQI is off, as in Synquid), so a query with a quantifier is never
//! answered `sat`: when the instances E-matching finds are not contradictory, Z3 gives up
//! with `unknown`, after saturating, which costs several times a quantifier-free check.
//! Most such queries are of that kind (clauses of wrong candidates).
//!
//! [`instantiate`] makes the quantifier-free version of a query:
//! - a quantifier in negative position (an existential) gets a fresh constant, which
//!   keeps satisfiability;
//! - a quantifier in positive position becomes the conjunction of its instances at every
//!   ground term of its sort in the formula (the variables, the fresh constants, the
//!   measure applications), which the quantifier implies.
//!
//! So the result follows from the original: if it is unsatisfiable, so is the original.
//! If it is satisfiable, nothing is known (the original may need an instance at a term
//! that only Z3's own reasoning would create); callers answer `unknown`, as Z3 would.

use rustc_hash::FxHashSet;

use super::super::{BinOp, Formula, Kind, Sort, Symbol, UnOp};

/// The most instances one query may get; past it, the query goes to Z3 as it is.
const MAX_INSTANCES: usize = 256;

/// Formulas asserted together, made quantifier-free (see the module documentation).
pub(crate) struct Grounded {
    pub formulas: Vec<Formula>,
    /// Whether the result is equisatisfiable with the original: true when only
    /// existentials were replaced, no universal.
    pub exact: bool,
}

/// `formulas` made quantifier-free where [`instantiate`] can, and whether universals were
/// replaced by instances (so that `sat` no longer decides anything).
pub(crate) fn instantiated(formulas: Vec<Formula>) -> (Vec<Formula>, bool) {
    match instantiate(&formulas) {
        Some(grounded) => (grounded.formulas, !grounded.exact),
        None => (formulas, false),
    }
}

/// The quantifier-free versions of `formulas`, asserted together (one set of fresh
/// constants, one set of ground terms), or `None` when no formula has a quantifier or
/// one has a quantifier this cannot handle (under `<==>`, in a condition, or an
/// existential inside a universal, which would need a Skolem function).
pub(crate) fn instantiate(formulas: &[Formula]) -> Option<Grounded> {
    if !formulas.iter().any(Formula::has_quantifier) {
        return None;
    }
    let mut skolems = Skolems::default();
    let opened: Vec<Formula> =
        formulas.iter().map(|f| skolems.open(f, true, false)).collect::<Option<_>>()?;
    let exact = !opened.iter().any(Formula::has_quantifier);
    let mut found = FxHashSet::default();
    for f in &opened {
        collect_ground_terms(f, &mut found);
    }
    // In a fixed order, so that the instances (and the query) are the same every run.
    let mut terms: Vec<Formula> = found.into_iter().collect();
    terms.sort_unstable();
    let mut budget = MAX_INSTANCES;
    let formulas = opened.iter().map(|f| expand(f, &terms, &mut budget)).collect::<Option<_>>()?;
    Some(Grounded { formulas, exact })
}

/// Fresh constants for existentials.
#[derive(Default)]
struct Skolems {
    count: usize,
}

impl Skolems {
    /// Replaces every quantifier in negative position by its body at a fresh constant;
    /// quantifiers in positive position stay. `positive` is the polarity of `f`;
    /// `under_universal` says whether a positive quantifier encloses it.
    fn open(&mut self, f: &Formula, positive: bool, under_universal: bool) -> Option<Formula> {
        if !f.has_quantifier() {
            return Some(f.clone());
        }
        match f.kind() {
            Kind::All { var, sort, body } => {
                if positive {
                    let body = self.open(body, true, true)?;
                    Some(Formula::new(Kind::All { var: *var, sort: sort.clone(), body }))
                } else if under_universal {
                    None
                } else {
                    // The name cannot clash with a source name: `!` is not an identifier
                    // character.
                    let constant =
                        Formula::var(Symbol::intern(&format!("{var}!{}", self.count)), sort.clone());
                    self.count += 1;
                    self.open(&body.substitute_var(*var, constant), false, under_universal)
                }
            }
            Kind::Unary(UnOp::Not, a) => {
                Some(Formula::unary(UnOp::Not, self.open(a, !positive, under_universal)?))
            }
            Kind::Binary(op @ (BinOp::And | BinOp::Or), a, b) => {
                let a = self.open(a, positive, under_universal)?;
                Some(Formula::binary(*op, a, self.open(b, positive, under_universal)?))
            }
            Kind::Binary(BinOp::Implies, a, b) => {
                let a = self.open(a, !positive, under_universal)?;
                Some(Formula::binary(BinOp::Implies, a, self.open(b, positive, under_universal)?))
            }
            // Both polarities at once (`<==>`, Boolean `==`, conditions): not handled.
            _ => None,
        }
    }
}

/// The subterms of `f` that are not Boolean and mention no bound variable: the terms
/// universals are instantiated at.
fn collect_ground_terms(f: &Formula, out: &mut FxHashSet<Formula>) {
    fn go(f: &Formula, bound: &mut Vec<Symbol>, out: &mut FxHashSet<Formula>) -> bool {
        // Returns whether `f` mentions a bound variable.
        let mentions_bound = match f.kind() {
            Kind::Var { name, .. } => bound.contains(name),
            Kind::All { var, body, .. } => {
                bound.push(*var);
                go(body, bound, out);
                bound.pop();
                true
            }
            Kind::Unknown { .. } => true,
            _ => {
                let mut any = false;
                for child in f.children() {
                    any |= go(child, bound, out);
                }
                any
            }
        };
        if !mentions_bound && instance_sort(f).is_some() && !out.contains(f) {
            out.insert(f.clone());
        }
        mentions_bound
    }
    go(f, &mut Vec::new(), out);
}

/// The sort of a term worth instantiating at, or `None` for any other formula. Such
/// terms are variables, constants and applications, not of sort `Bool`. Arithmetic and
/// set operations are left out: they would multiply the instances, and what they
/// denote is mostly named by a variable or an application as well. The sort is
/// borrowed, not copied: this runs on every node of every quantified query.
fn instance_sort(f: &Formula) -> Option<&Sort> {
    const INT: &Sort = &Sort::Int;
    match f.kind() {
        Kind::Int(_) => Some(INT),
        Kind::Var { sort, .. } | Kind::Pred { sort, .. } | Kind::Cons { sort, .. } => {
            (*sort != Sort::Bool).then_some(sort)
        }
        _ => None,
    }
}

/// Replaces each remaining (positive) quantifier by its instances at `terms` of its sort.
fn expand(f: &Formula, terms: &[Formula], budget: &mut usize) -> Option<Formula> {
    match f.kind() {
        Kind::All { var, sort, body } => {
            let body = expand(body, terms, budget)?;
            let mut instances = Vec::new();
            for t in terms.iter().filter(|t| instance_sort(t) == Some(sort)) {
                *budget = budget.checked_sub(1)?;
                instances.push(body.substitute_var(*var, t.clone()));
            }
            Some(Formula::conjunction(instances))
        }
        _ if !f.has_quantifier() => Some(f.clone()),
        _ => {
            let mut failed = false;
            let out = f.map_children(|child| {
                expand(child, terms, budget).unwrap_or_else(|| {
                    failed = true;
                    child.clone()
                })
            });
            (!failed).then_some(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set_of(x: &str) -> Formula {
        Formula::pred("elems", Sort::set(Sort::Int), vec![Formula::var(x, Sort::Int)])
    }

    fn property(x: &str, bound: &str) -> Formula {
        let e = Formula::var("e", Sort::Int);
        Formula::all(
            "e",
            Sort::Int,
            Formula::implies(
                Formula::member(e.clone(), set_of(x)),
                Formula::le(Formula::var(bound, Sort::Int), e),
            ),
        )
    }

    #[test]
    fn universals_become_instances_and_existentials_constants() {
        // premise ∧ ¬conclusion, as a validity query poses it.
        let f = Formula::and(property("xs", "y"), Formula::unary(UnOp::Not, property("xs", "z")));
        let grounded = instantiate(std::slice::from_ref(&f)).expect("handled");
        assert!(!grounded.exact, "a universal was instantiated");
        let g = &grounded.formulas[0];
        assert!(!g.has_quantifier(), "{g}");
        // The existential's constant, then every ground term of the sort, in order.
        assert_eq!(
            g.to_string(),
            "(e!0 in elems xs ==> y <= e!0) && (xs in elems xs ==> y <= xs) && (y in elems xs ==> y <= y) \
             && (z in elems xs ==> y <= z) && !(e!0 in elems xs ==> z <= e!0)"
        );
    }

    #[test]
    fn quantifier_free_formulas_and_unsupported_positions_are_left_alone() {
        let x = Formula::var("x", Sort::Int);
        assert!(instantiate(&[Formula::le(x.clone(), x)]).is_none());
        let under_iff = Formula::binary(BinOp::Iff, property("xs", "y"), Formula::tt());
        assert!(instantiate(&[under_iff]).is_none());
    }
}
