//! One strengthening step of the greatest fixpoint: all optimal ways to add premise
//! qualifiers so that one invalid clause becomes valid.
//!
//! For a clause `U1 σ1 ∧ .. ∧ Uk σk ∧ K ⇒ r` (conclusion unknowns already replaced by
//! their valuations, `K` the other premise conjuncts with the solution applied):
//! 1. the *offered* qualifiers are the qualifiers of each `Ui`'s space with `σi` applied,
//!    minus those the current valuation already has;
//! 2. the *fixed* premise `A` is `K`, the current valuations (with `σi`), and the axiom
//!    instances of every formula involved;
//! 3. MARCO enumerates the minimal unsatisfiable subsets of `{¬r} ∪ offered` under the
//!    hard assumption `A` that contain `¬r`: each is a minimal `Q` with `A ∧ Q ⇒ r`
//!    (a `Q` that contradicts `A` on its own is vacuous and is not returned). Offered
//!    qualifiers that are, or whose negation is, a conjunct of `A` are left out first.
//!    Before the enumeration, one check asks whether all of them together make the
//!    clause valid; if not, no subset does, and the clause is beyond repair.
//!    When `r` is `false` the premise itself is the required element and the hard part
//!    is empty, so inconsistent premises are exactly what is looked for;
//! 4. the `Q`s are pruned: one that implies another under `A` is dropped unless the
//!    other implies it back and is larger (Synquid's "aggressive" pruning). Between
//!    equivalent sets of the same size, one that is strictly stronger *without* `A` is
//!    dropped (the other stays correct in more contexts) and of two fully equivalent
//!    ones the later is dropped; incomparable ones both stay;
//! 5. each surviving `Q` is split among the occurrences: each qualifier goes to an
//!    occurrence whose substituted space contains it, mapped back to the unsubstituted
//!    qualifier, such that no unknown exceeds its `max_count`. Every split is one diff.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashSet;

use super::clause::ClauseInfo;
use super::{Axioms, HornSolver, Solution};
use crate::logic::{Formula, SmtError, Symbol};

/// Qualifiers to add, per unknown (unsubstituted, as they appear in the space).
pub(super) type Diff = BTreeMap<Symbol, BTreeSet<Formula>>;

/// The result of [`HornSolver::strengthen`].
pub(super) struct Strengthening {
    pub diffs: Vec<Diff>,
}

/// What strengthening one clause under one solution works with (steps 1 and 2 of the
/// module documentation).
pub(super) struct Setup {
    /// The conclusion, under the solution.
    rhs: Formula,
    /// The qualifiers on offer, with where each comes from.
    offered: Vec<Formula>,
    origins: Vec<Vec<(Symbol, Formula)>>,
    /// The fixed premise `A`, as conjuncts and as one formula.
    assumptions: Vec<Formula>,
    premise: Formula,
    /// The offered qualifiers that could add something to the premise.
    soft_quals: Vec<usize>,
}

impl Setup {
    /// Whether nothing is on offer that could strengthen the premise.
    pub(super) fn nothing_on_offer(&self) -> bool {
        self.soft_quals.is_empty()
    }

    /// The clause as it stands: the fixed premise implies the conclusion.
    pub(super) fn as_it_stands(&self) -> Formula {
        Formula::implies(self.premise.clone(), self.rhs.clone())
    }
}

impl HornSolver {
    /// All optimal strengthenings of `sol` that make clause `info` valid (empty when
    /// there is none: the candidate cannot be repaired for this clause).
    pub(super) fn strengthen(
        &mut self,
        sol: &Solution,
        info: &ClauseInfo,
        axioms: Axioms<'_>,
    ) -> Result<Strengthening, SmtError> {
        self.stats.strengthenings += 1;
        let setup = self.setup(sol, info, self.apply_solution(sol, &info.clause.conclusion), axioms);
        if self.beyond_repair(&setup)? {
            return Ok(Strengthening { diffs: Vec::new() });
        }
        let Setup { rhs, offered, origins, assumptions, premise, soft_quals } = setup;
        let muses: Vec<Vec<usize>> = if soft_quals.is_empty() {
            // Nothing to add, and the clause is not beyond repair: it is valid as it
            // stands, thanks to the extra axioms.
            vec![Vec::new()]
        } else {
            let (hard, required) = if rhs.is_false() {
                (Vec::new(), premise.clone())
            } else {
                (assumptions.clone(), !rhs.clone())
            };
            // `C ⇒ false` with nothing else in the premise: `true` can never be part of a
            // MUS, so any inconsistent set of qualifiers is an answer.
            let must_have = (!required.is_true()).then_some(0);
            let mut soft = vec![required];
            soft.extend(soft_quals.iter().map(|&i| offered[i].clone()));
            let found = self.smt.all_minimal_unsat_subsets(&hard, &soft, must_have)?;
            let mut muses: Vec<Vec<usize>> = found
                .muses
                .into_iter()
                .filter(|mus| must_have.is_none_or(|r| mus.contains(&r)))
                .map(|mus| mus.into_iter().filter(|&i| i != 0).map(|i| soft_quals[i - 1]).collect())
                .collect();
            muses.iter_mut().for_each(|mus: &mut Vec<usize>| mus.sort_unstable());
            // Discovery order is Z3's business; the result should not be.
            muses.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
            muses.dedup();
            muses
        };

        let context = if rhs.is_false() { Formula::tt() } else { premise };
        let kept = self.prune_valuations(&context, &offered, muses)?;

        let mut diffs: Vec<Diff> = Vec::new();
        for mus in &kept {
            self.split(sol, mus, &origins, &mut Diff::new(), &mut diffs);
        }
        Ok(Strengthening { diffs })
    }

    /// The qualifiers on offer and the fixed premise for strengthening clause `info`
    /// under `sol`; `rhs` is the clause's conclusion under `sol`.
    pub(super) fn setup(&self, sol: &Solution, info: &ClauseInfo, rhs: Formula, axioms: Axioms<'_>) -> Setup {
        let occurrences: Vec<&(Symbol, _)> =
            info.premise_unknowns.iter().filter(|(u, _)| self.strengthenable(*u)).collect();
        let mut known: Vec<Formula> = Vec::new();
        for conjunct in &info.other_premise {
            known.extend(self.apply_solution(sol, conjunct).conjuncts());
        }
        for (u, subst) in &info.premise_unknowns {
            if !occurrences.iter().any(|(v, s)| v == u && s == subst) {
                let occurrence = Formula::unknown_with(*u, subst.clone());
                known.extend(self.apply_solution(sol, &occurrence).conjuncts());
            }
        }

        // The qualifiers in use and on offer, with where each offered one comes from.
        let mut used: Vec<Formula> = Vec::new();
        let mut offered: Vec<Formula> = Vec::new();
        let mut origins: Vec<Vec<(Symbol, Formula)>> = Vec::new();
        for (u, subst) in &occurrences {
            let current = sol.get(u);
            for q in &self.spaces[u].qualifiers {
                let instance = q.substitute(subst);
                if current.is_some_and(|val| val.contains(q)) {
                    continue;
                }
                let at = match offered.iter().position(|o| *o == instance) {
                    Some(at) => at,
                    None => {
                        offered.push(instance);
                        origins.push(Vec::new());
                        offered.len() - 1
                    }
                };
                if !origins[at].contains(&(*u, q.clone())) {
                    origins[at].push((*u, q.clone()));
                }
            }
        }
        for (u, subst) in &occurrences {
            if let Some(val) = sol.get(u) {
                val.iter().for_each(|q| push_new(&mut used, q.substitute(subst)));
            }
        }

        // The assumptions in order, and as a set for the membership tests below (a
        // clause's premise and the qualifiers on offer run to dozens each).
        let mut assumptions: Vec<Formula> = Vec::new();
        // Sized for the facts and about as many axiom instances: grown as they came, the
        // set rehashed several times per clause.
        let expected = 2 * (known.len() + used.len()) + offered.len();
        let mut assumed: FxHashSet<Formula> =
            FxHashSet::with_capacity_and_hasher(expected, Default::default());
        let mut assume = |f: Formula| {
            if !f.is_true() && assumed.insert(f.clone()) {
                assumptions.push(f);
            }
        };
        for f in known.iter().chain(used.iter()) {
            assume(f.clone());
        }
        let mut axiom_sources: Vec<&Formula> =
            offered.iter().chain(used.iter()).chain(known.iter()).collect();
        axiom_sources.push(&rhs);
        for source in axiom_sources {
            for fact in axioms(source) {
                assume(fact);
            }
        }
        let premise = Formula::conjunction(assumptions.iter().cloned());
        // Qualifiers already in the premise (or whose negation is) add nothing. One that
        // contradicts the premise on its own is left in: the enumeration below finds it as
        // a MUS without the conclusion and blocks it in one step (and later enumerations
        // under the same facts from the start, module `smt::conflicts`), which costs less
        // than checking every qualifier against the premise first (that filter made up
        // 29% of `List-Fold-Sort`'s work and removed 2% of its qualifiers).
        let soft_quals: Vec<usize> = (0..offered.len())
            .filter(|&i| !assumed.contains(&offered[i]) && !assumed.contains(&!offered[i].clone()))
            .collect();
        Setup { rhs, offered, origins, assumptions, premise, soft_quals }
    }

    /// Whether no strengthening can make the clause valid: not even every qualifier on
    /// offer at once. Adding qualifiers only strengthens the premise, so then no subset
    /// does either, and one (cached) validity check spares the MUS enumeration. Since
    /// valuations only ever grow, a clause beyond repair stays so: its candidate is dead.
    /// With nothing on offer, this asks whether the clause is valid as it stands (with
    /// the axioms of every formula involved).
    ///
    /// When the qualifiers on offer include a conflict that an earlier MUS enumeration
    /// learned (such as `x <= y`, `y <= x` and `x != y`), all of them together are
    /// unsatisfiable, so the check could only say "valid": the clause is not beyond
    /// repair by this test, and Z3 is not asked. Conditions are where this happens: their
    /// qualifiers come in such families (docs/smt.md).
    pub(super) fn beyond_repair(&self, setup: &Setup) -> Result<bool, SmtError> {
        let soft: Vec<Formula> = setup.soft_quals.iter().map(|&i| setup.offered[i].clone()).collect();
        if self.smt.has_known_conflict(&setup.assumptions, &soft) {
            return Ok(false);
        }
        let strongest = Formula::conjunction(soft);
        let query = Formula::implies(Formula::and(setup.premise.clone(), strongest), setup.rhs.clone());
        Ok(!self.smt.is_valid(&query)?)
    }

    /// Drops every valuation that is subsumed by another surviving one (see the module
    /// documentation for the order of tie-breaks).
    fn prune_valuations(
        &mut self,
        context: &Formula,
        offered: &[Formula],
        vals: Vec<Vec<usize>>,
    ) -> Result<Vec<Vec<usize>>, SmtError> {
        if vals.len() <= 1 {
            return Ok(vals);
        }
        let conj = |val: &[usize]| Formula::conjunction(val.iter().map(|&i| offered[i].clone()));
        let mut removed = vec![false; vals.len()];
        for i in 0..vals.len() {
            for j in 0..vals.len() {
                if i == j || removed[j] {
                    continue;
                }
                let (x, y) = (conj(&vals[i]), conj(&vals[j]));
                if !self.smt.implies(&[context.clone(), x.clone()], &y)? {
                    continue;
                }
                let subsumed = if !self.smt.implies(&[context.clone(), y.clone()], &x)? {
                    true
                } else if vals[i].len() != vals[j].len() {
                    vals[i].len() > vals[j].len()
                } else {
                    let x_stronger = self.smt.implies(std::slice::from_ref(&x), &y)?;
                    let y_stronger = self.smt.implies(std::slice::from_ref(&y), &x)?;
                    // Equal size and equivalent under the premise: drop one only if it is
                    // also no more general without the premise. Incomparable ones (such as
                    // `_1 == len _0` and `_1 == len xs` where `_0` is `xs`) both stay: a
                    // later clause may need either.
                    match (x_stronger, y_stronger) {
                        (true, false) => true,
                        (false, true) | (false, false) => false,
                        (true, true) => j < i,
                    }
                };
                if subsumed {
                    removed[i] = true;
                    break;
                }
            }
        }
        Ok(vals.into_iter().zip(removed).filter(|(_, gone)| !gone).map(|(val, _)| val).collect())
    }

    /// All ways to give each qualifier of `rest` to one of its origins, within budgets.
    fn split(
        &self,
        sol: &Solution,
        rest: &[usize],
        origins: &[Vec<(Symbol, Formula)>],
        diff: &mut Diff,
        out: &mut Vec<Diff>,
    ) {
        let Some((&first, rest)) = rest.split_first() else {
            if !out.contains(diff) {
                out.push(diff.clone());
            }
            return;
        };
        for (u, q) in &origins[first] {
            let current = sol.get(u).map_or(0, |val| val.len());
            let added = diff.get(u).map_or(0, BTreeSet::len);
            if diff.get(u).is_some_and(|qs| qs.contains(q)) || current + added + 1 > self.spaces[u].max_count
            {
                continue;
            }
            diff.entry(*u).or_default().insert(q.clone());
            self.split(sol, rest, origins, diff, out);
            let qs = diff.get_mut(u).expect("inserted above");
            qs.remove(q);
            if qs.is_empty() {
                diff.remove(u);
            }
        }
    }
}

fn push_new(v: &mut Vec<Formula>, f: Formula) {
    if !f.is_true() && !v.contains(&f) {
        v.push(f);
    }
}
