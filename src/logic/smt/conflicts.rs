//! Conflicts among qualifiers: sets of soft formulas that are unsatisfiable, on their
//! own or together with some of the hard formulas, remembered across MUS enumerations.
//!
//! When the strengthening asks for the MUSes that contain `¬r` (module `mus`), MARCO
//! also runs into MUSes without it: qualifiers that contradict each other, such as
//! `x <= y`, `y <= x` and `x != y`, or that contradict the premise (`y <= x` where the
//! premise says `x < y`). Each costs a check of the seed and the checks that shrink
//! it, and they are only obstacles: no answer can contain one. The same qualifiers are
//! on offer again and again during a search, under much the same premises, so the same
//! obstacles come back in almost every enumeration.
//!
//! A conflict is remembered with the hard formulas it *needs*: the premise conjuncts
//! that share a variable with it, if the conflict is unsatisfiable together with those
//! alone (`x1 < x3` for `x3 <= x1`; nothing for `x <= y, y <= x, x != y`). It is then
//! unsatisfiable under any hard formulas that include them, so a later enumeration
//! whose hard formulas do blocks it in the seed map before it starts. A conflict that
//! needs more of the premise than that is remembered with all of it.
//!
//! Blocking them changes which seeds MARCO checks, never the MUSes it finds: a MUS that
//! contains `¬r` contains no conflict without `¬r` (it would not be minimal). It does
//! change the work an enumeration is charged, so each lane keeps its own store (see
//! `SmtSolver::with_meter`): a store shared between lanes would make one lane's meter
//! depend on what another had learned by then.

use std::cell::OnceCell;
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

use super::datatypes::Theory;
use crate::logic::Formula;

/// The conflicts found so far, by theory (as in the query cache's keys).
#[derive(Default)]
pub(super) struct ConflictStore {
    by_first: FxHashMap<Option<Arc<Theory>>, Filed>,
    len: usize,
}

/// Conflicts of one theory, each filed under its first formula.
type Filed = FxHashMap<Formula, Vec<Conflict>>;

/// Soft formulas that are unsatisfiable together with the hard formulas `needs`.
struct Conflict {
    soft: Arc<[Formula]>,
    needs: Arc<[Formula]>,
}

/// Some hard formulas, looked up by conjunct: what a conflict's `needs` are matched
/// against, and what a newly found conflict takes its `needs` from. The conjuncts and
/// their set are made on first use: most lookups find no conflict whose soft formulas
/// are all on offer, and then the hard formulas are never looked at.
pub(super) struct HardFacts<'a> {
    hard: &'a [Formula],
    conjuncts: OnceCell<Vec<Formula>>,
    set: OnceCell<FxHashSet<Formula>>,
}

impl<'a> HardFacts<'a> {
    pub fn new(hard: &'a [Formula]) -> HardFacts<'a> {
        HardFacts { hard, conjuncts: OnceCell::new(), set: OnceCell::new() }
    }

    /// The hard formulas' conjuncts (`Formula::conjuncts` of each), in order.
    pub fn conjuncts(&self) -> &[Formula] {
        self.conjuncts.get_or_init(|| self.hard.iter().flat_map(Formula::conjuncts).collect())
    }

    fn include(&self, needs: &[Formula]) -> bool {
        if needs.is_empty() {
            return true;
        }
        let set = self.set.get_or_init(|| self.conjuncts().iter().cloned().collect());
        needs.iter().all(|f| set.contains(f))
    }
}

impl ConflictStore {
    /// Remembers that `conflict` is unsatisfiable under `theory` together with the hard
    /// formulas `needs` (none: on its own).
    pub fn insert(&mut self, theory: Option<Arc<Theory>>, conflict: Vec<Formula>, mut needs: Vec<Formula>) {
        let Some(first) = conflict.first().cloned() else { return };
        if self.len >= super::CACHE_CAPACITY {
            self.by_first.clear();
            self.len = 0;
        }
        needs.sort();
        needs.dedup();
        let filed = self.by_first.entry(theory).or_default().entry(first).or_default();
        // One that needs a subset of these hard formulas says more; one that needs a
        // superset says less and can go.
        if filed.iter().any(|known| known.soft[..] == conflict[..] && needs_subset(&known.needs, &needs)) {
            return;
        }
        let before = filed.len();
        filed.retain(|known| !(known.soft[..] == conflict[..] && needs_subset(&needs, &known.needs)));
        self.len -= before - filed.len();
        filed.push(Conflict { soft: conflict.into(), needs: needs.into() });
        self.len += 1;
    }

    /// Whether some known conflict lies within `formulas`, given the hard formulas `hard`.
    pub fn contains_one(
        &self,
        theory: &Option<Arc<Theory>>,
        hard: &HardFacts<'_>,
        formulas: &[Formula],
    ) -> bool {
        let Some(by_first) = self.by_first.get(theory) else { return false };
        let mut filed = formulas.iter().filter_map(|f| by_first.get(f)).flatten().peekable();
        // Asked by every strengthening: most find no conflict filed under any of their
        // formulas, and need no set of them.
        if filed.peek().is_none() {
            return false;
        }
        let present: FxHashSet<&Formula> = formulas.iter().collect();
        filed.any(|c| c.soft.iter().all(|g| present.contains(g)) && hard.include(&c.needs))
    }

    /// The known conflicts among `soft` without element `skip`, given the hard formulas
    /// `hard`, as sorted index sets.
    pub fn within(
        &self,
        theory: &Option<Arc<Theory>>,
        hard: &HardFacts<'_>,
        soft: &[Formula],
        skip: usize,
    ) -> Vec<Vec<usize>> {
        let Some(by_first) = self.by_first.get(theory) else { return Vec::new() };
        let position: FxHashMap<&Formula, usize> =
            soft.iter().enumerate().filter(|&(i, _)| i != skip).map(|(i, f)| (f, i)).collect();
        let mut found = Vec::new();
        for (i, f) in soft.iter().enumerate() {
            if i == skip {
                continue;
            }
            let Some(filed) = by_first.get(f) else { continue };
            for conflict in filed {
                let indices: Option<Vec<usize>> =
                    conflict.soft.iter().map(|g| position.get(g).copied()).collect();
                if let Some(mut indices) = indices
                    && hard.include(&conflict.needs)
                {
                    indices.sort_unstable();
                    found.push(indices);
                }
            }
        }
        // The same soft formulas may be on record with different (incomparable) needs.
        found.sort_unstable();
        found.dedup();
        found
    }
}

/// Whether every formula of the sorted list `small` is in the sorted list `large`.
fn needs_subset(small: &[Formula], large: &[Formula]) -> bool {
    small.iter().all(|f| large.binary_search(f).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::Sort;

    fn var(name: &str) -> Formula {
        Formula::var(name, Sort::Int)
    }

    /// Of two records of one conflict, the one that needs fewer hard formulas is kept:
    /// it holds wherever the other does.
    #[test]
    fn a_conflict_is_kept_with_the_fewest_hard_formulas_it_needs() {
        let (x, y, z) = (var("x"), var("y"), var("z"));
        let conflict = vec![Formula::le(x.clone(), y.clone()), Formula::le(y.clone(), x.clone())];
        let (a, b, c) = (Formula::neq(x.clone(), y.clone()), Formula::lt(x, z.clone()), Formula::lt(y, z));
        let soft = vec![Formula::tt(), conflict[0].clone(), conflict[1].clone()];
        let mut store = ConflictStore::default();
        store.insert(None, conflict.clone(), vec![a.clone(), b.clone()]);
        let found =
            |store: &ConflictStore, hard: &[Formula]| store.within(&None, &HardFacts::new(hard), &soft, 0);
        assert_eq!(found(&store, &[b.clone(), a.clone(), c.clone()]), vec![vec![1, 2]]);
        assert!(found(&store, std::slice::from_ref(&a)).is_empty(), "it needs b too");
        // Needing only `a`: replaces the record that needs `a` and `b`.
        store.insert(None, conflict.clone(), vec![a.clone()]);
        assert_eq!(store.len, 1);
        assert_eq!(found(&store, std::slice::from_ref(&a)), vec![vec![1, 2]]);
        // Needing more than that adds nothing.
        store.insert(None, conflict.clone(), vec![a.clone(), c.clone()]);
        assert_eq!(store.len, 1);
        assert!(store.contains_one(&None, &HardFacts::new(std::slice::from_ref(&a)), &conflict));
        assert!(!store.contains_one(&None, &HardFacts::new(&[b, c]), &conflict));
    }
}
