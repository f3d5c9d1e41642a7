//! Unsat cores and minimal unsatisfiable subsets (MUSes).
//!
//! These back the MUS-based Horn solver (synthesis-algorithm.md (d)): finding the
//! weakest conjunctions of qualifiers `Q` with `A ∧ Q ⇒ r` valid is finding the MUSes of
//! `{¬r} ∪ quals` under the hard assumption `A` that contain `¬r`.
//!
//! Each *soft* formula `f_i` gets a fresh Boolean literal `b_i` and the solver receives
//! `b_i ⇒ f_i`; checking under the assumptions `b_i` of a subset tests that subset, and
//! Z3's unsat core names a subset that is already unsatisfiable. Answers are indices into
//! the soft list, in increasing order.
//!
//! * [`SmtSolver::unsat_core`] returns Z3's core, which need not be minimal.
//! * [`SmtSolver::minimal_unsat_subset`] shrinks it by deletion: drop one element, and if
//!   the rest is still unsatisfiable, continue from *its* core. An element whose removal
//!   makes the set satisfiable stays necessary in every subset, so one pass suffices.
//! * [`SmtSolver::all_minimal_unsat_subsets`] enumerates every MUS with MARCO (Liffiton
//!   et al.): a Boolean "map" (module `seeds`) proposes unexplored subsets; an
//!   unsatisfiable one is shrunk to a MUS and its supersets are blocked; a satisfiable one
//!   is already maximal, and its subsets are blocked. With a required element, subsets of
//!   qualifiers known to contradict each other are blocked from the start (module
//!   `conflicts`).
//!
//! If a check reaches its work limit during shrinking, the element is kept: the answer is
//! still an unsatisfiable subset, but may not be minimal. MARCO reports the same situation through
//! [`MusEnumeration::complete`].

use std::cell::Cell;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use rustc_hash::FxHashMap;
use z3::ast::Bool;

use super::alpha::{self, AlphaKey};
use super::conflicts::{ConflictStore, HardFacts};
use super::datatypes::Theory;
use super::seeds::{OutOfSteps, SeedMap};
use super::warm::{Purpose, Scoped};
use super::{Satisfiability, Session, SmtError, SmtSolver, UnknownReason, ground};
use crate::logic::{Formula, Symbol};

/// A MUS query up to the names of its variables: its hard formulas followed by its soft
/// ones (module `alpha`), how many are hard, and what is asked.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(super) struct MusKey {
    formulas: AlphaKey,
    hard: usize,
    required: Option<usize>,
    theory: Option<Arc<Theory>>,
}

impl MusKey {
    /// How many formulas it lists (its slots; their canonical forms are shared with the
    /// other keys made on the same thread, see module `alpha`).
    fn slots(&self) -> usize {
        self.formulas.len()
    }
}

/// Complete enumerations by query up to names. A key lists dozens of formulas, in
/// canonical forms that the keys made on one thread share (module `alpha`): on
/// `IncList-Merge` under Synquid's defaults, the keys held 17 MB at the peak when each
/// had nodes of its own. The cache is bounded by its keys' slots as well as by its number
/// of entries.
#[derive(Default)]
pub(super) struct MusCache {
    map: FxHashMap<MusKey, MusEnumeration>,
    /// The formulas listed by the keys in `map`.
    slots: usize,
}

/// How many formulas the keys of a MUS cache may list in all: a few tens of MB at most.
/// Each lane has its own cache; `IncList-Merge`'s keys list some tens of thousands over its
/// whole search under the default configuration. It bounds long searches, which start over
/// from time to time.
const MUS_CACHE_SLOTS: usize = 150_000;

impl MusCache {
    /// The key of a query. A cache near its bound starts over first.
    fn key(
        &mut self,
        hard: &[Formula],
        soft: &[Formula],
        required: Option<usize>,
        theory: Option<Arc<Theory>>,
    ) -> MusKey {
        if self.slots > MUS_CACHE_SLOTS {
            self.clear();
        }
        let formulas = alpha::key(hard.iter().chain(soft));
        MusKey { formulas, hard: hard.len(), required, theory }
    }

    /// The query's key, and the enumeration cached under it if there is one: one lock
    /// of the cache for both, asked by every strengthening.
    fn lookup(
        &mut self,
        hard: &[Formula],
        soft: &[Formula],
        required: Option<usize>,
        theory: Option<Arc<Theory>>,
    ) -> (MusKey, Option<MusEnumeration>) {
        let key = self.key(hard, soft, required, theory);
        let found = self.map.get(&key).cloned();
        (key, found)
    }

    /// Adds an enumeration; a full cache starts over.
    fn insert(&mut self, key: MusKey, found: MusEnumeration) {
        if self.map.len() >= super::CACHE_CAPACITY {
            self.clear();
        }
        self.slots += key.slots();
        self.map.insert(key, found);
    }

    fn clear(&mut self) {
        self.map.clear();
        self.slots = 0;
    }
}

/// The answer to a core query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CoreResult {
    /// The hard and soft formulas together are satisfiable.
    Sat,
    /// The hard formulas with these soft formulas (indices) are unsatisfiable.
    Unsat(Vec<usize>),
    Unknown(UnknownReason),
}

/// All minimal unsatisfiable subsets found, as sorted index lists in discovery order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MusEnumeration {
    pub muses: Vec<Vec<usize>>,
    /// False when some check was undecided, so some MUS may be missing or non-minimal.
    pub complete: bool,
    /// Whether an undecided check used up its work limit (rather than being beyond what
    /// the solver decides at all, such as a satisfiable query with quantifiers): only
    /// then could asking again, with a larger limit, give another answer, so only then is
    /// the answer not cached.
    pub limit_reached: bool,
    /// The work of the enumeration, for a lane's meter: one unit per seed checked (a
    /// MUS, a conflict or a maximal satisfiable subset) and one per element of each MUS
    /// and conflict found (about what shrinking it took). It depends on the query and on
    /// the conflicts known beforehand (module `conflicts`), which spare seeds; a lane
    /// learns these from its own queries only (see [`SmtSolver::with_meter`]). Stored
    /// with a cached enumeration and charged again when the cache answers.
    pub work: u64,
}

/// A session with the hard formulas asserted and one control literal per soft formula.
struct Tracked<'a> {
    owner: &'a SmtSolver,
    session: Scoped,
    /// Whether universals were instantiated, so that `sat` decides nothing.
    inexact: bool,
    lits: Vec<Bool>,
    /// Whether a check used up its work limit.
    limit_reached: Cell<bool>,
}

impl Tracked<'_> {
    fn check(&self, subset: &[usize]) -> Satisfiability {
        let assumptions: Vec<Bool> = subset.iter().map(|&i| self.lits[i].clone()).collect();
        let answer = super::run_check(self.owner, self.session.solver(), self.inexact, &assumptions);
        if answer == Satisfiability::Unknown(UnknownReason::LimitReached) {
            self.limit_reached.set(true);
        }
        answer
    }

    /// The core of the last unsatisfiable check, as sorted soft indices.
    fn core(&self) -> Vec<usize> {
        let core = self.session.solver().get_unsat_core();
        let mut indices: Vec<usize> =
            (0..self.lits.len()).filter(|&i| core.iter().any(|c| *c == self.lits[i])).collect();
        indices.sort_unstable();
        indices
    }

    /// Shrinks an unsatisfiable subset by deletion. Returns the subset and whether it is
    /// known to be minimal.
    fn shrink(&self, mut kept: Vec<usize>) -> (Vec<usize>, bool) {
        let mut minimal = true;
        let mut i = 0;
        while i < kept.len() {
            let candidate: Vec<usize> =
                kept.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, &k)| k).collect();
            match self.check(&candidate) {
                Satisfiability::Unsat => {
                    // Necessary elements (the first `i`) are in every unsatisfiable
                    // subset, so the core keeps them in place.
                    let core = self.core();
                    kept = candidate.into_iter().filter(|k| core.contains(k)).collect();
                }
                Satisfiability::Sat => i += 1,
                Satisfiability::Unknown(_) => {
                    minimal = false;
                    i += 1;
                }
            }
        }
        (kept, minimal)
    }
}

impl SmtSolver {
    /// The hard formulas go to a warm solver for cores (module `warm`), which often
    /// holds most of them already: the clauses of one search share their environment.
    fn tracked(&self, hard: &[Formula], soft: &[Formula]) -> Result<Tracked<'_>, SmtError> {
        let together: Vec<Formula> = hard.iter().chain(soft).cloned().collect();
        let (together, inexact) = ground::instantiated(together);
        let limits = self.limits(together.iter().any(Session::needs_time_limit));
        let (hard, soft) = together.split_at(hard.len());
        let hard_parts: Vec<Formula> = hard.iter().flat_map(Formula::conjuncts).collect();
        let session = Scoped::new(self, &hard_parts, limits, Purpose::Cores)?;
        let mut encoder = session.encoder();
        let soft = soft.iter().map(|f| encoder.encode_bool(f)).collect::<Result<Vec<_>, _>>()?;
        let mut lits = Vec::with_capacity(soft.len());
        for (i, assertion) in soft.iter().enumerate() {
            let lit = Bool::new_const(format!("!soft{i}"));
            session.solver().assert(lit.implies(assertion));
            lits.push(lit);
        }
        Ok(Tracked { owner: self, session, inexact, lits, limit_reached: Cell::new(false) })
    }

    /// Is `hard ∧ soft` unsatisfiable, and if so, which soft formulas suffice (together
    /// with all hard ones)? The core need not be minimal.
    pub fn unsat_core(&self, hard: &[Formula], soft: &[Formula]) -> Result<CoreResult, SmtError> {
        self.count_query();
        let tracked = self.tracked(hard, soft)?;
        let all: Vec<usize> = (0..soft.len()).collect();
        Ok(match tracked.check(&all) {
            Satisfiability::Sat => CoreResult::Sat,
            Satisfiability::Unsat => CoreResult::Unsat(tracked.core()),
            Satisfiability::Unknown(reason) => CoreResult::Unknown(reason),
        })
    }

    /// Like [`SmtSolver::unsat_core`], with the core shrunk to a minimal unsatisfiable
    /// subset (minimal unless a shrinking check was undecided).
    pub fn minimal_unsat_subset(&self, hard: &[Formula], soft: &[Formula]) -> Result<CoreResult, SmtError> {
        self.count_query();
        let tracked = self.tracked(hard, soft)?;
        let all: Vec<usize> = (0..soft.len()).collect();
        Ok(match tracked.check(&all) {
            Satisfiability::Sat => CoreResult::Sat,
            Satisfiability::Unsat => CoreResult::Unsat(tracked.shrink(tracked.core()).0),
            Satisfiability::Unknown(reason) => CoreResult::Unknown(reason),
        })
    }

    /// Every minimal subset of `soft` that is unsatisfiable together with `hard`. With
    /// `required = Some(i)`, only the MUSes containing soft formula `i` are returned (and
    /// only subsets containing it are explored).
    pub fn all_minimal_unsat_subsets(
        &self,
        hard: &[Formula],
        soft: &[Formula],
        required: Option<usize>,
    ) -> Result<MusEnumeration, SmtError> {
        if let Some(index) = required.filter(|&i| i >= soft.len()) {
            return Err(SmtError::Encoding(format!("required soft formula {index} of only {}", soft.len())));
        }
        self.count_query();
        let mut key = None;
        if self.config.cache {
            let (asked, found) = self.lock_mus_cache().lookup(hard, soft, required, self.theory_key());
            if let Some(found) = found {
                self.shared.counters.cache_hits.fetch_add(1, Ordering::Relaxed);
                self.meter_add(found.work);
                return Ok(found);
            }
            key = Some(asked);
        }
        let out = self.enumerate_muses(hard, soft, required)?;
        self.meter_add(out.work);
        if let Some(key) = key
            && !out.limit_reached
        {
            self.lock_mus_cache().insert(key, out.clone());
        }
        Ok(out)
    }

    /// Whether `formulas` include a conflict learned by an earlier MUS enumeration of
    /// this handle's memory, given the hard formulas `hard` (module `conflicts`): a
    /// subset unsatisfiable on its own or with hard formulas among these, so that
    /// `hard ∧ formulas` is known to be unsatisfiable without asking. Neither counted
    /// nor charged: it asks no question.
    pub fn has_known_conflict(&self, hard: &[Formula], formulas: &[Formula]) -> bool {
        self.lock_conflicts().contains_one(&self.theory_key(), &HardFacts::new(hard), formulas)
    }

    fn lock_conflicts(&self) -> std::sync::MutexGuard<'_, ConflictStore> {
        self.mus_memory().conflicts.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Remembers the unsatisfiable subset `subset` of `soft` with the hard formulas it
    /// needs: none if it is unsatisfiable on its own, else the conjuncts of the hard
    /// formulas that share a variable with it if those suffice, else all of them
    /// (module `conflicts`). Those checks are the enumeration's own bookkeeping, not
    /// questions of the search, so they are neither counted nor charged.
    fn learn_conflict(
        &self,
        hard: &HardFacts<'_>,
        soft: &[Formula],
        subset: &[usize],
    ) -> Result<(), SmtError> {
        let conflict: Vec<Formula> = subset.iter().map(|&i| soft[i].clone()).collect();
        let unsat = |fs: Vec<Formula>| {
            Ok::<_, SmtError>(self.decide(&Formula::conjunction(fs))? == Satisfiability::Unsat)
        };
        let hard_parts = hard.conjuncts();
        if hard_parts.is_empty() || unsat(conflict.clone())? {
            self.lock_conflicts().insert(self.theory_key(), conflict, Vec::new());
            return Ok(());
        }
        let names: BTreeSet<Symbol> = conflict.iter().flat_map(Formula::free_var_names).collect();
        let needs: Vec<Formula> =
            hard_parts.iter().filter(|h| names.iter().any(|&n| h.has_free_var(n))).cloned().collect();
        // Where those do not suffice, it holds with all of them (the enumeration found it
        // unsatisfiable with them), and is blocked where they all come back.
        let needs = if !needs.is_empty() && unsat(needs.iter().chain(&conflict).cloned().collect())? {
            needs
        } else {
            hard_parts.to_vec()
        };
        self.lock_conflicts().insert(self.theory_key(), conflict, needs);
        Ok(())
    }

    fn lock_mus_cache(&self) -> std::sync::MutexGuard<'_, MusCache> {
        self.mus_memory().enumerations.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn enumerate_muses(
        &self,
        hard: &[Formula],
        soft: &[Formula],
        required: Option<usize>,
    ) -> Result<MusEnumeration, SmtError> {
        let tracked = self.tracked(hard, soft)?;
        let hard_facts = HardFacts::new(hard);
        let mut map = SeedMap::new(soft.len());
        if let Some(index) = required {
            map.require(index);
            let known = self.lock_conflicts().within(&self.theory_key(), &hard_facts, soft, index);
            for conflict in known {
                map.block_up(&conflict);
            }
        }
        let mut out = MusEnumeration { muses: Vec::new(), complete: true, limit_reached: false, work: 0 };
        loop {
            let seed = match map.next_seed() {
                Ok(Some(seed)) => seed,
                Ok(None) => break,
                Err(OutOfSteps) => {
                    // Like a reached work limit: some subsets were not explored.
                    out.complete = false;
                    out.limit_reached = true;
                    break;
                }
            };
            out.work += 1;
            match tracked.check(&seed) {
                Satisfiability::Unsat => {
                    let (mus, minimal) = tracked.shrink(tracked.core());
                    out.work += mus.len() as u64;
                    map.block_up(&mus);
                    match required {
                        // An obstacle, not an answer.
                        Some(r) if !mus.contains(&r) => self.learn_conflict(&hard_facts, soft, &mus)?,
                        _ => {
                            out.complete &= minimal;
                            out.muses.push(mus);
                        }
                    }
                }
                // Seeds are maximal (see `seeds`): every element outside one completes a
                // MUS or a conflict found before, so a satisfiable seed is already a
                // maximal satisfiable subset and needs no growing.
                result => {
                    out.complete &= result == Satisfiability::Sat;
                    map.block_down(&seed);
                }
            }
        }
        out.limit_reached |= tracked.limit_reached.get();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::Sort;

    /// The soft formulas `x_i + tag == i` for `i < n`: under each tag the same
    /// variables (after renaming), but `n` sums and `n` equations of their own.
    fn tagged(tag: i64, n: i64, name: &str) -> Vec<Formula> {
        (0..n)
            .map(|i| {
                let x = Formula::var(format!("{name}{i}").as_str(), Sort::Int);
                Formula::eq(Formula::plus(x, Formula::int(tag)), Formula::int(i))
            })
            .collect()
    }

    #[test]
    fn keys_of_alpha_equivalent_queries_are_one_key() {
        let mut cache = MusCache::default();
        let first = cache.key(&[], &tagged(7, 4, "x"), Some(0), None);
        let second = cache.key(&[], &tagged(7, 4, "renamed"), Some(0), None);
        assert!(first == second);
        assert_eq!(first.formulas.len(), 4);
        assert!(first != cache.key(&[], &tagged(8, 4, "x"), Some(0), None));
        assert!(first != cache.key(&[], &tagged(7, 4, "x"), Some(1), None), "another formula is required");
        // The same formulas with the first one hard are another question.
        let formulas = tagged(7, 4, "x");
        let (hard, soft) = formulas.split_at(1);
        assert!(first != cache.key(hard, soft, Some(0), None));
    }

    #[test]
    fn the_mus_cache_is_bounded_by_its_slots() {
        let mut cache = MusCache::default();
        let found = MusEnumeration { muses: vec![vec![0]], complete: true, limit_reached: false, work: 1 };
        // Each key lists 32 formulas: 6 000 of them are more than the bound.
        let keys = 6_000;
        for tag in 0..keys {
            let key = cache.key(&[], &tagged(tag, 32, "x"), Some(0), None);
            cache.insert(key, found.clone());
            assert!(cache.slots <= MUS_CACHE_SLOTS + 64, "{} slots held", cache.slots);
        }
        assert!(cache.map.len() < keys as usize, "the cache started over");
        assert_eq!(cache.slots, cache.map.keys().map(MusKey::slots).sum::<usize>());
    }
}
