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
    /// The conjuncts' [`Formula::mask_bit`]s: most comparisons are settled by the masks
    /// alone, without a lookup.
    mask: u64,
    sat: bool,
}

/// The `or` of the conjuncts' [`Formula::mask_bit`]s.
fn mask<'a>(conjuncts: impl Iterator<Item = &'a Formula>) -> u64 {
    conjuncts.fold(0, |bits, c| bits | c.mask_bit())
}

impl Subsumption {
    /// `Some(false)` if a known unsatisfiable set is contained in `parts`, `Some(true)`
    /// if a known satisfiable set contains them, else `None`.
    pub(super) fn implied(&self, parts: &[Formula]) -> Option<bool> {
        let known = self.known.get(parts.last()?)?;
        let bits = mask(parts.iter());
        let mut query: Option<FxHashSet<&Formula>> = None;
        known.iter().find_map(|k| {
            let implied = if k.sat {
                bits & !k.mask == 0 && parts.iter().all(|c| k.conjuncts.contains(c))
            } else {
                k.mask & !bits == 0 && k.conjuncts.len() <= parts.len() && {
                    let query = query.get_or_insert_with(|| parts.iter().collect());
                    k.conjuncts.iter().all(|c| query.contains(c))
                }
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
        let mask = mask(parts.iter());
        self.known.entry(last.clone()).or_default().push(Known { conjuncts, mask, sat });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::Sort;

    fn atoms(names: &[&str]) -> Vec<Formula> {
        names.iter().map(|n| Formula::gt(Formula::var(*n, Sort::Int), Formula::int(0))).collect()
    }

    #[test]
    fn satisfiable_sets_decide_their_subsets_and_unsatisfiable_ones_their_supersets() {
        let mut store = Subsumption::default();
        // Filed under the last conjunct, "goal".
        store.record(&atoms(&["a", "b", "c", "goal"]), true);
        store.record(&atoms(&["x", "goal"]), false);
        assert_eq!(store.implied(&atoms(&["b", "goal"])), Some(true));
        assert_eq!(store.implied(&atoms(&["c", "a", "b", "goal"])), Some(true));
        assert_eq!(store.implied(&atoms(&["a", "x", "y", "goal"])), Some(false));
        // Neither: a premise the satisfiable set lacks, without the unsatisfiable set.
        assert_eq!(store.implied(&atoms(&["a", "d", "goal"])), None);
        // Another last conjunct is another list.
        assert_eq!(store.implied(&atoms(&["x", "other"])), None);
        // Many sets under one conjunct: only the one that decides answers.
        for i in 0..100 {
            store.record(&atoms(&[&format!("p{i}"), &format!("q{i}"), "goal"]), true);
        }
        assert_eq!(store.implied(&atoms(&["q57", "goal"])), Some(true));
        assert_eq!(store.implied(&atoms(&["q57", "p58", "goal"])), None);
    }
}
