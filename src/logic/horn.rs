//! The Horn-clause solver over liquid unknowns: Synquid's "MUSFix" (synthesis-algorithm.md
//! (d)).
//!
//! Clauses are implications `premise ⇒ conclusion` whose formulas may contain unknowns
//! (`U`, `C`, `P`, ...), each with a [`QualifierSpace`]. A *valuation* of an unknown is a
//! set of its qualifiers, read as their conjunction; the empty set is `true`, the top of
//! the lattice, where every unknown starts. The solver keeps a list of *candidates*
//! (valuations of all unknowns, with the clauses known valid and invalid under them),
//! best first, and computes a **greatest fixpoint**: it only ever *strengthens* unknowns
//! that occur in premises, so the answer is the weakest valuation that makes every clause
//! valid. For a premise unknown the optimal strengthenings are the minimal sets of extra
//! qualifiers that make the clause valid, found as minimal unsatisfiable subsets by MARCO
//! (`strengthen`). Several incomparable answers become several candidates.
//!
//! ```text
//! C ∧ x >= 0 ⇒ x > 0        with C over {x > 0, x != 0, x < 0, x == 0}
//! ```
//! gives `C = x != 0`: `{x > 0}` and `{x != 0}` are both minimal and equivalent under the
//! premise, and `x != 0` is weaker on its own; `{x < 0}` only contradicts the premise.
//!
//! The solver is incremental: [`HornSolver::add_clauses`] evaluates only the new clauses
//! and continues the fixpoint from the current candidates; after a strengthening only the
//! clauses it can affect are re-evaluated (valid ones where a strengthened unknown occurs
//! positively, invalid ones where it occurs negatively). A clause that strengthening
//! could repair is evaluated by first asking whether it can be repaired at all (every
//! qualifier on offer in the premise): for the wrong candidates of a search it mostly
//! cannot, and then one check kills the candidate where two did. Every mutating
//! operation works on a copy and commits only on success, so a failure leaves the solver
//! as it was — which is what a backtracking search wants. `Clone` is cheap enough to
//! snapshot before a choice.

mod clause;
mod strengthen;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use clause::{ClauseInfo, preprocess};

use super::{Formula, QualifierSpace, SmtError, SmtSolver, Symbol};

/// `premise ⇒ conclusion`; unknowns may occur on both sides. `label` identifies where the
/// clause came from (the checker maps it back to a source span).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Clause {
    pub premise: Formula,
    pub conclusion: Formula,
    pub label: u32,
}

impl Clause {
    pub fn new(premise: Formula, conclusion: Formula, label: u32) -> Clause {
        Clause { premise, conclusion, label }
    }
}

/// Why an operation failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// No valuation of the unknowns makes the clauses valid.
    Unsolvable,
    /// `check_candidates`: a formula is not valid under any candidate.
    Invalid,
    /// `check_candidates` in consistency mode: a formula is valid under every candidate
    /// (`E ⇒ ¬F` valid: `E ∧ F` unsatisfiable).
    Inconsistent,
    /// The query itself was malformed (an unknown never added, an ill-sorted formula): a
    /// bug in the caller, not an answer.
    Smt(SmtError),
}

/// The clause that no candidate could satisfy, and the exact formula found invalid (the
/// clause under the last candidate's valuations, with the axioms in the premise), which
/// is a counterexample query as it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HornFailure {
    pub clause: Clause,
    pub instantiated: Formula,
    pub kind: FailureKind,
    /// The valuation of the last candidate that failed the clause, when there was one:
    /// what the unknowns stood for, to explain the failure in the user's terms.
    pub valuation: Option<Valuation>,
}

/// Counters of the solver's own work (the SMT layer keeps its own).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HornStats {
    pub clause_checks: u64,
    pub strengthenings: u64,
    pub candidates_created: u64,
    pub candidates_killed: u64,
}

/// Extra facts to assume for a formula (the measure instances of its constructor terms).
type Axioms<'a> = &'a dyn Fn(&Formula) -> Vec<Formula>;

/// A valuation of the non-fixed unknowns; an absent unknown is `true`.
type Solution = BTreeMap<Symbol, BTreeSet<Formula>>;

/// A candidate's qualifiers per unknown (see [`HornSolver::apply_valuation`]).
pub type Valuation = Solution;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Candidate {
    solution: Solution,
    valid: BTreeSet<usize>,
    invalid: BTreeSet<usize>,
    /// Invalid clauses that no strengthening can repair (a subset of `invalid`): the
    /// candidate is dead, and is dropped when it is next picked, without a
    /// strengthening step.
    beyond_repair: BTreeSet<usize>,
}

/// What evaluating a clause under a candidate's solution found.
enum Verdict {
    Valid,
    Invalid,
    /// Invalid, and no strengthening can repair it.
    BeyondRepair,
}

impl Candidate {
    fn is_complete(&self) -> bool {
        self.invalid.is_empty()
    }

    /// Forgets what is known about clause `i` (before it is evaluated again).
    fn forget(&mut self, i: usize) {
        self.valid.remove(&i);
        self.invalid.remove(&i);
        self.beyond_repair.remove(&i);
    }
}

/// The solver state. See the module documentation.
#[derive(Clone)]
pub struct HornSolver {
    smt: SmtSolver,
    // Persistent maps: the solver is copied for every tentative step of the search.
    spaces: imbl::OrdMap<Symbol, QualifierSpace>,
    /// The variables each unknown's qualifiers (or fixed valuation) mention, before
    /// pending substitutions: what a clause may come to depend on through it.
    space_vars: imbl::OrdMap<Symbol, Arc<BTreeSet<Symbol>>>,
    fixed: imbl::OrdMap<Symbol, Formula>,
    clauses: imbl::Vector<Arc<ClauseInfo>>,
    /// The clauses above, to find repeats without comparing against each.
    known_clauses: imbl::OrdSet<Clause>,
    candidates: Vec<Candidate>,
    stats: HornStats,
}

impl HornSolver {
    pub fn new(smt: SmtSolver) -> Self {
        HornSolver {
            smt,
            spaces: imbl::OrdMap::new(),
            space_vars: imbl::OrdMap::new(),
            fixed: imbl::OrdMap::new(),
            clauses: imbl::Vector::new(),
            known_clauses: imbl::OrdSet::new(),
            candidates: vec![Candidate::default()],
            stats: HornStats::default(),
        }
    }

    /// A new unknown, at the top of the lattice in every candidate. Adding it again
    /// replaces its space; qualifiers already chosen stay.
    pub fn add_unknown(&mut self, name: Symbol, space: QualifierSpace) {
        let vars: BTreeSet<Symbol> = space.qualifiers.iter().flat_map(Formula::free_var_names).collect();
        self.space_vars.insert(name, Arc::new(vars));
        if self.spaces.insert(name, space).is_some() {
            self.space_changed(name);
        }
    }

    /// After `unknown`'s space changed: a clause found beyond repair with the old space
    /// may be repairable with the new one. It stays invalid, and strengthening judges it
    /// again.
    fn space_changed(&mut self, unknown: Symbol) {
        let clauses = &self.clauses;
        for cand in &mut self.candidates {
            cand.beyond_repair.retain(|&i| !clauses[i].unknowns().contains(&unknown));
        }
    }

    /// An unknown whose valuation is fixed in every candidate.
    pub fn add_fixed_unknown(&mut self, name: Symbol, valuation: Formula) {
        self.space_vars.insert(name, Arc::new(valuation.free_var_names()));
        self.fixed.insert(name, valuation);
    }

    /// Fixes an unknown at its current best valuation in every candidate (an abduced
    /// condition once it has become code must not change under later strengthening).
    /// Candidates that disagree on it are dropped.
    pub fn fix_unknown(&mut self, name: Symbol) -> Formula {
        let valuation = self.valuation(name);
        if self.spaces.contains_key(&name) {
            let best =
                self.candidates.first().and_then(|c| c.solution.get(&name)).cloned().unwrap_or_default();
            self.candidates.retain(|c| c.solution.get(&name).cloned().unwrap_or_default() == best);
            for c in &mut self.candidates {
                c.solution.remove(&name);
            }
            self.spaces.remove(&name);
        }
        self.add_fixed_unknown(name, valuation.clone());
        valuation
    }

    /// The variables `f` may come to mention once its unknowns are valued: its free
    /// variables, and for each unknown `U σ` the variables of `U`'s qualifiers under `σ`
    /// (Synquid's "potential variables"). An unknown the solver does not know
    /// contributes nothing.
    pub fn potential_vars(&self, f: &Formula) -> Vec<Symbol> {
        let mut out: BTreeSet<Symbol> = f.free_var_names();
        if f.has_unknowns() {
            f.visit_unknowns(&mut |name, subst| {
                if let Some(vars) = self.space_vars.get(&name) {
                    for v in vars.iter() {
                        match subst.get(*v) {
                            Some(value) => out.extend(value.free_var_names()),
                            None => {
                                out.insert(*v);
                            }
                        }
                    }
                }
            });
        }
        out.into_iter().collect()
    }

    /// Changes a fixed unknown's valuation and re-checks every clause that mentions it.
    pub fn set_fixed_unknown(
        &mut self,
        name: Symbol,
        valuation: Formula,
        axioms: &dyn Fn(&Formula) -> Vec<Formula>,
    ) -> Result<(), HornFailure> {
        let mut next = self.clone();
        next.space_vars.insert(name, Arc::new(valuation.free_var_names()));
        next.fixed.insert(name, valuation);
        let affected: Vec<usize> =
            (0..next.clauses.len()).filter(|&i| next.clauses[i].unknowns().contains(&name)).collect();
        for ci in 0..next.candidates.len() {
            for &i in &affected {
                next.candidates[ci].forget(i);
            }
            next.evaluate_into(ci, &affected, axioms)?;
        }
        next.refine(axioms)?;
        *self = next;
        Ok(())
    }

    /// Adds clauses and refines the candidates. Err when no candidate survives.
    pub fn add_clauses(
        &mut self,
        clauses: Vec<Clause>,
        axioms: &dyn Fn(&Formula) -> Vec<Formula>,
    ) -> Result<(), HornFailure> {
        let mut next = self.clone();
        let mut added = Vec::new();
        for clause in &clauses {
            for split in preprocess(clause) {
                if next.known_clauses.insert(split.clone()).is_some() {
                    continue;
                }
                next.clauses.push_back(Arc::new(ClauseInfo::new(split)));
                added.push(next.clauses.len() - 1);
            }
        }
        if added.is_empty() {
            return Ok(());
        }
        for ci in 0..next.candidates.len() {
            next.evaluate_into(ci, &added, axioms)?;
        }
        next.refine(axioms)?;
        *self = next;
        Ok(())
    }

    /// Keeps only the candidates under which every formula is valid (or, with
    /// `consistency`, not valid: a formula `E ⇒ ¬F` says that `E ∧ F` is satisfiable).
    /// If no complete candidate survives, the fixpoint goes on from the survivors, and
    /// its results are checked too.
    pub fn check_candidates(
        &mut self,
        consistency: bool,
        formulas: &[Formula],
        axioms: &dyn Fn(&Formula) -> Vec<Formula>,
    ) -> Result<(), HornFailure> {
        let mut next = self.clone();
        loop {
            let mut first_failure: Option<HornFailure> = None;
            let mut survivors = Vec::new();
            for cand in std::mem::take(&mut next.candidates) {
                match next.passes(&cand.solution, consistency, formulas, axioms) {
                    Ok(None) => survivors.push(cand),
                    Ok(Some(failure)) => {
                        next.stats.candidates_killed += 1;
                        // Only the first failure is reported; only it keeps its
                        // candidate's valuation (moved, not copied).
                        first_failure
                            .get_or_insert(HornFailure { valuation: Some(cand.solution), ..failure });
                    }
                    Err(failure) => return Err(failure),
                }
            }
            next.candidates = survivors;
            if next.candidates.is_empty() {
                return Err(first_failure.expect("a candidate was removed"));
            }
            if next.candidates.iter().any(Candidate::is_complete) {
                next.complete_first();
                *self = next;
                return Ok(());
            }
            next.refine(axioms)?;
        }
    }

    /// Rewrites the sorts of everything the solver holds (clauses, qualifier spaces,
    /// fixed valuations, candidate valuations) with `sorts`, the sorts of type variables
    /// bound since these formulas were made, and re-evaluates the clauses that changed.
    ///
    /// A clause made while `A3` was free speaks of `len` at `List A3`; once `A3 := a`
    /// it must speak of `len` at `List a`, or the solver sees two unrelated functions.
    /// Only formulas mentioning one of `vars` (the variables just bound) are touched.
    pub fn resort(
        &mut self,
        vars: &BTreeSet<Symbol>,
        sorts: &BTreeMap<Symbol, crate::logic::Sort>,
        axioms: &dyn Fn(&Formula) -> Vec<Formula>,
    ) -> Result<(), HornFailure> {
        // Most formulas here mention none of `vars`: their masks tell at once.
        let mask = Symbol::mask_of(vars);
        let touches = |f: &Formula| f.mentions_type_var_among(mask, &|v| vars.contains(&v));
        let fix = |f: &Formula| if touches(f) { f.substitute_type_vars(sorts) } else { f.clone() };
        let mut next = self.clone();
        for (u, space) in &self.spaces {
            if space.qualifiers.iter().any(touches) {
                let qualifiers = space.qualifiers.iter().map(fix).collect();
                next.spaces.insert(*u, QualifierSpace { qualifiers, ..space.clone() });
                next.space_changed(*u);
            }
        }
        for (u, valuation) in &self.fixed {
            if touches(valuation) {
                next.fixed.insert(*u, fix(valuation));
            }
        }
        for cand in &mut next.candidates {
            for qs in cand.solution.values_mut() {
                if qs.iter().any(touches) {
                    *qs = qs.iter().map(fix).collect();
                }
            }
        }
        let affected: Vec<usize> = (0..next.clauses.len())
            .filter(|&i| {
                let c = &next.clauses[i].clause;
                touches(&c.premise) || touches(&c.conclusion)
            })
            .collect();
        for &i in &affected {
            let c = next.clauses[i].clause.clone();
            let fixed = Clause::new(fix(&c.premise), fix(&c.conclusion), c.label);
            next.known_clauses.remove(&c);
            next.known_clauses.insert(fixed.clone());
            next.clauses.set(i, Arc::new(ClauseInfo::new(fixed)));
        }
        if !affected.is_empty() {
            for ci in 0..next.candidates.len() {
                for i in &affected {
                    next.candidates[ci].forget(*i);
                }
                next.evaluate_into(ci, &affected, axioms)?;
            }
            next.refine(axioms)?;
        }
        *self = next;
        Ok(())
    }

    /// Refines every incomplete candidate until it is complete (possibly splitting it),
    /// dropping those that cannot be. Err when none survives.
    pub fn solve_all(&mut self, axioms: &dyn Fn(&Formula) -> Vec<Formula>) -> Result<(), HornFailure> {
        if self.candidates.iter().all(Candidate::is_complete) {
            return Ok(());
        }
        let mut todo: std::collections::VecDeque<Candidate> = std::mem::take(&mut self.candidates).into();
        let mut done = Vec::new();
        let mut last_failure = None;
        while let Some(cand) = todo.pop_front() {
            if cand.is_complete() {
                done.push(cand);
                continue;
            }
            self.candidates = vec![cand];
            match self.refine(axioms) {
                Ok(()) => {
                    let mut refined = std::mem::take(&mut self.candidates).into_iter();
                    done.extend(refined.next());
                    for rest in refined.rev() {
                        todo.push_front(rest);
                    }
                }
                Err(failure) if matches!(failure.kind, FailureKind::Smt(_)) => return Err(failure),
                Err(failure) => last_failure = Some(failure),
            }
        }
        self.candidates = done;
        match last_failure {
            Some(failure) if self.candidates.is_empty() => Err(failure),
            _ => Ok(()),
        }
    }

    /// Splits the solver by the valuation of `unknown`: one solver per distinct
    /// valuation among the candidates, holding the candidates that agree on it, weakest
    /// (fewest qualifiers) first and in candidate order among equals.
    pub fn split_on(&self, unknown: Symbol) -> Vec<HornSolver> {
        let mut groups: Vec<(BTreeSet<Formula>, Vec<Candidate>)> = Vec::new();
        for cand in &self.candidates {
            let val = cand.solution.get(&unknown).cloned().unwrap_or_default();
            match groups.iter_mut().find(|(v, _)| *v == val) {
                Some((_, members)) => members.push(cand.clone()),
                None => groups.push((val, vec![cand.clone()])),
            }
        }
        groups.sort_by_key(|(val, _)| val.len());
        groups
            .into_iter()
            .map(|(_, members)| {
                let mut solver = self.clone();
                solver.candidates = members;
                solver
            })
            .collect()
    }

    /// The current best valuation of an unknown, in the order of its space (`true` if it
    /// is unconstrained).
    pub fn valuation(&self, unknown: Symbol) -> Formula {
        if let Some(fixed) = self.fixed.get(&unknown) {
            return fixed.clone();
        }
        match self.candidates.first() {
            Some(cand) => self.conjunction(unknown, cand.solution.get(&unknown)),
            None => Formula::tt(),
        }
    }

    /// Substitutes the best candidate's valuations for every unknown in `f`.
    pub fn apply(&self, f: &Formula) -> Formula {
        let empty = Solution::new();
        let sol = self.candidates.first().map_or(&empty, |c| &c.solution);
        self.apply_solution(sol, f)
    }

    pub fn candidates(&self) -> usize {
        self.candidates.len()
    }

    /// Whether the best candidate satisfies every clause.
    pub fn is_solved(&self) -> bool {
        self.candidates.first().is_some_and(Candidate::is_complete)
    }

    /// Every candidate's non-trivial valuations (only the first is guaranteed complete).
    pub fn candidate_valuations(&self) -> Vec<BTreeMap<Symbol, Formula>> {
        self.candidates
            .iter()
            .map(|c| {
                c.solution
                    .iter()
                    .filter(|(_, qs)| !qs.is_empty())
                    .map(|(u, qs)| (*u, self.conjunction(*u, Some(qs))))
                    .collect()
            })
            .collect()
    }

    pub fn space(&self, unknown: Symbol) -> Option<&QualifierSpace> {
        self.spaces.get(&unknown)
    }

    pub fn clause_count(&self) -> usize {
        self.clauses.len()
    }

    pub fn smt(&self) -> &SmtSolver {
        &self.smt
    }

    pub fn stats(&self) -> HornStats {
        self.stats
    }

    // -----------------------------------------------------------------------------------

    /// The conjunction of a valuation, in the order of the unknown's space.
    fn conjunction(&self, unknown: Symbol, qs: Option<&BTreeSet<Formula>>) -> Formula {
        let Some(qs) = qs.filter(|qs| !qs.is_empty()) else { return Formula::tt() };
        match self.spaces.get(&unknown) {
            // In the order of the space; a chosen qualifier the space no longer lists
            // (it was rebuilt since) still counts, after the others.
            Some(space) => Formula::conjunction(
                space
                    .qualifiers
                    .iter()
                    .filter(|q| qs.contains(*q))
                    .chain(qs.iter().filter(|q| !space.qualifiers.contains(q)))
                    .cloned(),
            ),
            None => Formula::conjunction(qs.iter().cloned()),
        }
    }

    /// `f` with every unknown replaced by what `valuation` makes it (fixed unknowns by
    /// their fixed values).
    pub fn apply_valuation(&self, valuation: &Valuation, f: &Formula) -> Formula {
        self.apply_solution(valuation, f)
    }

    /// Replaces unknowns by their valuations under `sol` (fixed ones by their values);
    /// unknowns the solver does not know are left in place, for the SMT layer to reject.
    fn apply_solution(&self, sol: &Solution, f: &Formula) -> Formula {
        f.substitute_unknowns(&|u| {
            if let Some(fixed) = self.fixed.get(&u) {
                return Some(fixed.clone());
            }
            self.spaces.contains_key(&u).then(|| self.conjunction(u, sol.get(&u)))
        })
    }

    /// The clause under a solution, with the axioms of both sides in the premise.
    fn instantiate(&self, sol: &Solution, info: &ClauseInfo, axioms: Axioms<'_>) -> Formula {
        self.instantiate_with(sol, info, self.apply_solution(sol, &info.clause.conclusion), axioms)
    }

    /// [`HornSolver::instantiate`], with the conclusion under the solution given.
    fn instantiate_with(
        &self,
        sol: &Solution,
        info: &ClauseInfo,
        conclusion: Formula,
        axioms: Axioms<'_>,
    ) -> Formula {
        let premise = self.apply_solution(sol, &info.clause.premise);
        let mut facts = vec![premise.clone()];
        for fact in axioms(&premise).into_iter().chain(axioms(&conclusion)) {
            if !facts.contains(&fact) {
                facts.push(fact);
            }
        }
        Formula::implies(Formula::conjunction(facts), conclusion)
    }

    /// Evaluates clauses `indices` for candidate `ci`, sorting them into valid/invalid.
    fn evaluate_into(&mut self, ci: usize, indices: &[usize], axioms: Axioms<'_>) -> Result<(), HornFailure> {
        for &i in indices {
            let info = Arc::clone(&self.clauses[i]);
            self.stats.clause_checks += 1;
            let sol = &self.candidates[ci].solution;
            let verdict =
                self.judge(sol, &info, axioms).map_err(|e| self.smt_failure(sol, &info, axioms, e))?;
            let cand = &mut self.candidates[ci];
            match verdict {
                Verdict::Valid => {
                    cand.valid.insert(i);
                }
                Verdict::Invalid => {
                    cand.invalid.insert(i);
                }
                Verdict::BeyondRepair => {
                    cand.invalid.insert(i);
                    cand.beyond_repair.insert(i);
                }
            }
        }
        Ok(())
    }

    /// Whether clause `info` holds under `sol`.
    ///
    /// A clause that strengthening could repair is first asked whether it can be
    /// repaired at all (with every qualifier on offer in its premise): most invalid
    /// clauses of a search's wrong candidates cannot, and the answer is the question
    /// strengthening would ask first anyway, so one check says "invalid, and the
    /// candidate is dead" where two did. A clause that can be repaired is then checked
    /// as it stands, with the premise strengthening works with.
    fn judge(&self, sol: &Solution, info: &ClauseInfo, axioms: Axioms<'_>) -> Result<Verdict, SmtError> {
        // A conclusion that the solution makes `true` (an unknown valued with nothing
        // yet) holds whatever the premise: no premise to build, no question to ask.
        let conclusion = self.apply_solution(sol, &info.clause.conclusion);
        if conclusion.is_true() {
            return Ok(Verdict::Valid);
        }
        let holds = if self.repairable(info) {
            let setup = self.setup(sol, info, conclusion, axioms);
            if self.beyond_repair(&setup)? {
                return Ok(Verdict::BeyondRepair);
            }
            // With nothing on offer, "not beyond repair" already means valid.
            setup.nothing_on_offer() || self.smt.is_valid(&setup.as_it_stands())?
        } else {
            self.smt.is_valid(&self.instantiate_with(sol, info, conclusion, axioms))?
        };
        Ok(if holds { Verdict::Valid } else { Verdict::Invalid })
    }

    /// The failure for an SMT error while working on clause `info` under `sol`.
    fn smt_failure(&self, sol: &Solution, info: &ClauseInfo, axioms: Axioms<'_>, e: SmtError) -> HornFailure {
        HornFailure {
            clause: info.clause.clone(),
            instantiated: self.instantiate(sol, info, axioms),
            kind: FailureKind::Smt(e),
            valuation: None,
        }
    }

    /// Moves the first complete candidate to the front, keeping the others in order.
    fn complete_first(&mut self) {
        if let Some(at) = self.candidates.iter().position(Candidate::is_complete)
            && at > 0
        {
            let cand = self.candidates.remove(at);
            self.candidates.insert(0, cand);
        }
    }

    /// The greatest fixpoint: strengthen candidates until one satisfies every clause.
    fn refine(&mut self, axioms: Axioms<'_>) -> Result<(), HornFailure> {
        let mut last_failure: Option<HornFailure> = None;
        loop {
            if self.candidates.iter().any(Candidate::is_complete) {
                self.complete_first();
                return Ok(());
            }
            let Some(ci) = self.pick_candidate() else {
                return Err(last_failure.unwrap_or_else(|| HornFailure {
                    clause: Clause::new(Formula::tt(), Formula::ff(), u32::MAX),
                    instantiated: Formula::ff(),
                    kind: FailureKind::Unsolvable,
                    valuation: None,
                }));
            };
            // A candidate with a clause beyond repair is dropped as its strengthening
            // would drop it, without the work.
            let dead = self.candidates[ci].beyond_repair.first().copied();
            let clause_index = dead.unwrap_or_else(|| self.pick_clause(ci));
            let info = Arc::clone(&self.clauses[clause_index]);
            let cand = self.candidates.remove(ci);
            let diffs = match dead {
                Some(_) => Vec::new(),
                None => {
                    let strengthening = self.strengthen(&cand.solution, &info, axioms);
                    strengthening.map_err(|e| self.smt_failure(&cand.solution, &info, axioms, e))?.diffs
                }
            };
            if diffs.is_empty() {
                self.stats.candidates_killed += 1;
                last_failure = Some(HornFailure {
                    clause: info.clause.clone(),
                    instantiated: self.instantiate(&cand.solution, &info, axioms),
                    kind: FailureKind::Unsolvable,
                    valuation: Some(cand.solution),
                });
                continue;
            }
            // A single repair also applies to other candidates that agree on the clause's
            // unknowns and have the same clause invalid.
            if let [diff] = diffs.as_slice() {
                let unknowns = info.unknowns();
                for other in 0..self.candidates.len() {
                    let agrees = self.candidates[other].invalid.contains(&clause_index)
                        && unknowns
                            .iter()
                            .all(|u| self.candidates[other].solution.get(u) == cand.solution.get(u));
                    if agrees {
                        let old = self.candidates[other].clone();
                        let updated = self.strengthened(&old, diff, clause_index, axioms)?;
                        self.candidates[other] = updated;
                    }
                }
            }
            let mut fresh = Vec::new();
            for diff in &diffs {
                let new = self.strengthened(&cand, diff, clause_index, axioms)?;
                let duplicate = self
                    .candidates
                    .iter()
                    .chain(fresh.iter())
                    .any(|c: &Candidate| c.solution == new.solution);
                if !duplicate {
                    self.stats.candidates_created += 1;
                    fresh.push(new);
                }
            }
            let at = ci.min(self.candidates.len());
            for (k, new) in fresh.into_iter().enumerate() {
                self.candidates.insert(at + k, new);
            }
        }
    }

    /// A candidate with `diff` added, and the clauses it may affect re-evaluated.
    fn strengthened(
        &mut self,
        cand: &Candidate,
        diff: &strengthen::Diff,
        repaired: usize,
        axioms: Axioms<'_>,
    ) -> Result<Candidate, HornFailure> {
        let mut new = cand.clone();
        for (u, qs) in diff {
            new.solution.entry(*u).or_default().extend(qs.iter().cloned());
        }
        let changed: BTreeSet<Symbol> = diff.keys().copied().collect();
        // The repaired clause is valid by construction (its strengthening was found as
        // exactly what makes it valid), unless the diff also touched an unknown in its
        // conclusion.
        let mut recheck: Vec<usize> = Vec::new();
        if self.clauses[repaired].pos.iter().any(|u| changed.contains(u)) {
            recheck.push(repaired);
        } else {
            new.forget(repaired);
            new.valid.insert(repaired);
        }
        for &i in &cand.valid {
            if self.clauses[i].pos.iter().any(|u| changed.contains(u)) {
                recheck.push(i);
            }
        }
        for &i in &cand.invalid {
            if i != repaired && self.clauses[i].neg.iter().any(|u| changed.contains(u)) {
                recheck.push(i);
            }
        }
        recheck.sort_unstable();
        recheck.dedup();
        for i in &recheck {
            new.forget(*i);
        }
        self.candidates.push(new);
        let at = self.candidates.len() - 1;
        let result = self.evaluate_into(at, &recheck, axioms);
        let new = self.candidates.pop().expect("pushed above");
        result.map(|()| new)
    }

    /// Whether strengthening may add qualifiers to the clause's premise: whether an
    /// unknown occurs there that it may strengthen.
    fn repairable(&self, info: &ClauseInfo) -> bool {
        info.premise_unknowns.iter().any(|(u, _)| self.strengthenable(*u))
    }

    /// Whether strengthening may add qualifiers to `u`: it has a space and is not fixed.
    fn strengthenable(&self, u: Symbol) -> bool {
        !self.fixed.contains_key(&u) && self.spaces.contains_key(&u)
    }

    /// The candidate to strengthen: most unknowns with a non-trivial valuation, then the
    /// fewest qualifiers, then the earliest.
    fn pick_candidate(&self) -> Option<usize> {
        let key = |c: &Candidate| {
            let nonempty = c.solution.values().filter(|qs| !qs.is_empty()).count();
            let total: usize = c.solution.values().map(BTreeSet::len).sum();
            (std::cmp::Reverse(nonempty), total)
        };
        (0..self.candidates.len()).min_by_key(|&i| (key(&self.candidates[i]), i))
    }

    /// The invalid clause to repair: the one whose premise unknowns have the smallest
    /// remaining qualifier budget, then the earliest.
    fn pick_clause(&self, ci: usize) -> usize {
        let cand = &self.candidates[ci];
        let budget = |i: usize| -> usize {
            self.clauses[i]
                .premise_unknowns
                .iter()
                .filter(|(u, _)| !self.fixed.contains_key(u))
                .filter_map(|(u, _)| {
                    let space = self.spaces.get(u)?;
                    let used = cand.solution.get(u).map_or(0, BTreeSet::len);
                    Some(space.max_count.min(space.len()).saturating_sub(used))
                })
                .sum()
        };
        *cand
            .invalid
            .iter()
            .min_by_key(|&&i| (budget(i), i))
            .expect("an incomplete candidate has an invalid clause")
    }

    /// Checks the formulas under a solution: `None` if all pass, else the first failure.
    fn passes(
        &self,
        sol: &Solution,
        consistency: bool,
        formulas: &[Formula],
        axioms: Axioms<'_>,
    ) -> Result<Option<HornFailure>, HornFailure> {
        for (i, f) in formulas.iter().enumerate() {
            let applied = self.apply_solution(sol, f);
            let facts = Formula::conjunction(axioms(&applied));
            let label = u32::try_from(i).unwrap_or(u32::MAX);
            let clause = Clause::new(Formula::tt(), f.clone(), label);
            // A consistency formula `E ⇒ ¬F` passes when it is not valid, i.e. `E ∧ F` is
            // satisfiable (or undecided); posed this way, a slicing handle can leave out
            // the facts of `E` unrelated to `F`.
            let valid = self.smt.is_valid(&Formula::implies(facts, applied.clone()));
            let answer = if consistency { valid.map(|v| !v) } else { valid };
            match answer {
                Ok(true) => {}
                Ok(false) => {
                    let kind = if consistency { FailureKind::Inconsistent } else { FailureKind::Invalid };
                    return Ok(Some(HornFailure { clause, instantiated: applied, kind, valuation: None }));
                }
                Err(e) => {
                    return Err(HornFailure {
                        clause,
                        instantiated: applied,
                        kind: FailureKind::Smt(e),
                        valuation: None,
                    });
                }
            }
        }
        Ok(None)
    }
}
