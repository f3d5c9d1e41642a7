//! Conflicts among qualifiers: sets of soft formulas that are unsatisfiable on their
//! own, remembered across MUS enumerations.
//!
//! When the strengthening asks for the MUSes that contain `¬r` (module `mus`), MARCO
//! also runs into MUSes without it: qualifiers that contradict each other, such as
//! `x <= y`, `y <= x` and `x != y`. Each costs a check of the seed and the checks that
//! shrink it, and they are only obstacles: no answer can contain one. The same
//! qualifiers are on offer again and again during a search, so the same obstacles come
//! back in almost every enumeration.
//!
//! A conflict that is unsatisfiable without the hard formulas is unsatisfiable under
//! any, so it can be blocked in the seed map before the enumeration starts. Conflicts
//! that need the hard formulas are not remembered: they hold for one query only.
//!
//! Blocking them changes which seeds MARCO checks, never the MUSes it finds: a MUS that
//! contains `¬r` contains no conflict without `¬r` (it would not be minimal). It does
//! change the work an enumeration is charged, so each lane keeps its own store (see
//! `SmtSolver::with_meter`): a store shared between lanes would make one lane's meter
//! depend on what another had learned by then.

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
type Filed = FxHashMap<Formula, Vec<Arc<[Formula]>>>;

impl ConflictStore {
    /// Remembers that `conflict` is unsatisfiable under `theory`.
    pub fn insert(&mut self, theory: Option<Arc<Theory>>, conflict: Vec<Formula>) {
        let Some(first) = conflict.first().cloned() else { return };
        if self.len >= super::CACHE_CAPACITY {
            self.by_first.clear();
            self.len = 0;
        }
        let filed = self.by_first.entry(theory).or_default().entry(first).or_default();
        if !filed.iter().any(|known| known[..] == conflict[..]) {
            filed.push(conflict.into());
            self.len += 1;
        }
    }

    /// Whether some known conflict lies within `formulas`.
    pub fn contains_one(&self, theory: &Option<Arc<Theory>>, formulas: &[Formula]) -> bool {
        let Some(by_first) = self.by_first.get(theory) else { return false };
        let present: FxHashSet<&Formula> = formulas.iter().collect();
        formulas
            .iter()
            .filter_map(|f| by_first.get(f))
            .flatten()
            .any(|c| c.iter().all(|g| present.contains(g)))
    }

    /// The known conflicts among `soft` without element `skip`, as sorted index sets.
    pub fn within(&self, theory: &Option<Arc<Theory>>, soft: &[Formula], skip: usize) -> Vec<Vec<usize>> {
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
                let indices: Option<Vec<usize>> = conflict.iter().map(|g| position.get(g).copied()).collect();
                if let Some(mut indices) = indices {
                    indices.sort_unstable();
                    found.push(indices);
                }
            }
        }
        found
    }
}
