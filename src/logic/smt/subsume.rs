//! Answers implied by earlier ones, for queries the cache does not know.
//!
//! A query is a set of conjuncts (module `warm`). If a set is unsatisfiable, so is every
//! set that contains it; if a set is satisfiable, so is every set it contains. The
//! search asks many questions that differ from an earlier one only by premises: a
//! clause under a stronger valuation (more qualifiers in its premise: an earlier
//! `unsat` decides it), a consistency check whose facts are a subset of a satisfiable
//! one's, and so on.
//!
//! Only answers that cannot depend on anything but the query are kept and used: those
//! of quantifier-free, linear queries, which Z3 decides completely. (A quantified query
//! is answered by instances, so its `sat` decides nothing; a nonlinear one may be
//! `unknown`.) So an implied answer is the answer Z3 would give, and runs stay
//! reproducible whatever the lanes found first.
//!
//! Sets are filed under their last conjunct, which for a validity question is the
//! negated conclusion, and a query is compared only with the sets filed under its own:
//! the same conclusion under more or fewer premises. That keeps a lookup to one short
//! list; lookups run only on queries about to go to Z3.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::logic::Formula;

/// The most sets kept; a full store starts over, like the query cache.
const CAPACITY: usize = 20_000;

/// Sets of conjuncts whose satisfiability is known, by last conjunct.
#[derive(Default)]
pub(super) struct Subsumption {
    known: FxHashMap<Formula, Vec<Known>>,
    len: usize,
}

struct Known {
    conjuncts: FxHashSet<Formula>,
    sat: bool,
}

impl Subsumption {
    /// `Some(false)` if a known unsatisfiable set is contained in `parts`, `Some(true)`
    /// if a known satisfiable set contains them, else `None`.
    pub(super) fn implied(&self, parts: &[Formula]) -> Option<bool> {
        let known = self.known.get(parts.last()?)?;
        let query: FxHashSet<&Formula> = parts.iter().collect();
        known.iter().find_map(|k| {
            let implied = if k.sat {
                query.len() <= k.conjuncts.len() && query.iter().all(|c| k.conjuncts.contains(*c))
            } else {
                k.conjuncts.len() <= query.len() && k.conjuncts.iter().all(|c| query.contains(c))
            };
            implied.then_some(k.sat)
        })
    }

    /// Remembers that the conjunction of `parts` is satisfiable (`sat`) or not.
    pub(super) fn record(&mut self, parts: &[Formula], sat: bool) {
        let Some(last) = parts.last() else { return };
        if self.len >= CAPACITY {
            *self = Subsumption::default();
        }
        self.len += 1;
        let conjuncts = parts.iter().cloned().collect();
        self.known.entry(last.clone()).or_default().push(Known { conjuncts, sat });
    }
}
