//! Satisfiability checks on solvers that keep the conjuncts of earlier queries.
//!
//! The search asks thousands of questions in a row that share most of their premises:
//! the facts of one environment, with a different candidate and conclusion each time.
//! Z3 spends most of a check on taking in its assertions (internalizing terms, setting
//! up the theories), not on deciding them: a typical query of the AVL problems costs
//! about 1.1 million instructions on an empty solver, and about 80 thousand when its
//! environment is already asserted and only the candidate's conjuncts are new.
//!
//! So each thread keeps a few *warm* solvers per kind of limits and datatype table,
//! whose assertion stacks hold the conjuncts of earlier queries in scopes. A query goes
//! to the solver whose bottom scopes hold most of its conjuncts and nothing else; the
//! scopes above those are popped, and the query's other conjuncts pushed (see
//! [`assert_exactly`]). The solver then holds exactly the query's conjuncts (in another
//! order, which a conjunction does not care about), so the answer is the query's own.
//!
//! Sound and complete answers (`sat`, `unsat`) cannot depend on what a solver did
//! before; only the work a check needs can, which matters only to a check cut short by
//! its work limit, and the default limit is far above any query of the suite (see
//! [`DEFAULT_WORK_LIMIT`](super::DEFAULT_WORK_LIMIT)). Unsat cores could depend on it,
//! so the sessions that read cores (module `mus`) have warm solvers of their own (see
//! [`Purpose`]). Queries whose models are read still start from an empty solver.

use std::cell::RefCell;
use std::rc::Rc;

use rustc_hash::FxHashSet;

use super::datatypes::AdtTable;
use super::encode::Encoder;
use super::{Limits, Satisfiability, Session, SmtError, SmtSolver, ground};
use crate::logic::Formula;
use crate::logic::formula::{Kind, UnOp};

/// A solver of this thread's Z3 context and the conjuncts asserted on it.
struct WarmSolver {
    purpose: Purpose,
    limits: Limits,
    adts: Rc<AdtTable>,
    solver: z3::Solver,
    /// The conjuncts asserted in each scope, bottom first.
    levels: Vec<Vec<Formula>>,
    /// The conjuncts of the last query asked of this solver.
    previous: FxHashSet<Formula>,
    /// How many queries it has answered.
    uses: u64,
}

/// Which sessions a warm solver serves.
///
/// Sessions that read unsat cores (MUS enumeration) get solvers of their own. A core,
/// unlike an answer, may depend on what the solver did before, so those solvers must
/// see a history that is the same on every run: the core sessions of one lane of the
/// search, which come in the same order on every run, since each lane keeps its own MUS
/// memory (`SmtSolver::with_meter`). A lane's thread may have run a lane of the goal
/// before, stopped wherever that goal's answer found it, so a lane starts by dropping
/// the thread's solvers for cores ([`forget_core_solvers`]). Which plain checks reach Z3
/// depends on the query cache, which parallel lanes share.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Purpose {
    Plain,
    Cores,
}

/// How many warm solvers a thread keeps for one kind of limits and datatype table. The
/// search interleaves families of queries (a candidate's check, the smaller questions of
/// the Horn solver, another branch's): a query goes to the solver that already holds
/// most of it, so one family does not wipe out another's environment.
const WARM_PER_KIND: usize = 6;

/// A new solver costs about as much as three checks (0.7 ms), so a kind gets another
/// only after its solvers have answered this many queries each: a goal solved in a few
/// dozen queries makes one.
const USES_PER_SOLVER: u64 = 64;

/// How many warm solvers a thread keeps in all.
const WARM_PER_THREAD: usize = 12;

thread_local! {
    /// Idle warm solvers, least recently used first.
    static WARM: RefCell<Vec<WarmSolver>> = const { RefCell::new(Vec::new()) };
}

/// The conjuncts whose conjunction is `f`: a validity question arrives as
/// `!(premises ==> conclusion)`, whose conjuncts are the premises and those of the
/// negated conclusion. (A consistency question's negated conclusion is a conjunction of
/// the candidate's refinement and the goal's: the goal's conjuncts then stay asserted
/// while the candidates change, and Z3 took 1.5–3% less time.)
pub(super) fn conjuncts(f: &Formula) -> Vec<Formula> {
    if let Kind::Unary(UnOp::Not, inner) = f.kind() {
        let (mut parts, conclusion) = inner.split_implication();
        if !parts.is_empty() {
            parts.extend((!conclusion.clone()).conjuncts());
            return parts;
        }
    }
    f.conjuncts()
}

/// The answer of a check, and how it was asked.
pub(super) struct Checked {
    pub answer: Satisfiability,
    /// Whether Z3 was asked a quantifier-free linear question (after universals were
    /// instantiated), which it decides completely unless the work limit stops it.
    pub complete: bool,
}

/// Whether the conjunction of `parts` is satisfiable, asked of a warm solver of this thread.
pub(super) fn check(owner: &SmtSolver, parts: Vec<Formula>) -> Result<Checked, SmtError> {
    let (parts, inexact) = ground::instantiated(parts);
    let timed = parts.iter().any(Session::needs_time_limit);
    let warm = holding(owner, &parts, owner.limits(timed), Purpose::Plain)?;
    let answer = super::run_check(owner, &warm.solver, inexact, &[]);
    give_back(warm);
    Ok(Checked { answer, complete: !timed })
}

/// A warm solver of this thread that holds exactly `parts` (see [`assert_exactly`]).
fn holding(
    owner: &SmtSolver,
    parts: &[Formula],
    limits: Limits,
    purpose: Purpose,
) -> Result<WarmSolver, SmtError> {
    let adts = super::datatypes::table_for(&owner.theory);
    let wanted: FxHashSet<&Formula> = parts.iter().collect();
    let (mut warm, keep) = take(purpose, limits, &adts, &wanted);
    match assert_exactly(&mut warm, keep, parts) {
        Ok(()) => Ok(warm),
        Err(error) => {
            give_back(warm);
            Err(error)
        }
    }
}

impl WarmSolver {
    fn new(purpose: Purpose, limits: Limits, adts: &Rc<AdtTable>) -> WarmSolver {
        let solver = Session::new_solver(limits);
        // A scope below the conjuncts' own, so that the solver is in incremental mode
        // even for a query without conjuncts (see `Session::take_solver`).
        solver.push();
        WarmSolver {
            purpose,
            limits,
            adts: Rc::clone(adts),
            solver,
            levels: Vec::new(),
            previous: FxHashSet::default(),
            uses: 0,
        }
    }

    fn is_kind(&self, purpose: Purpose, limits: Limits, adts: &Rc<AdtTable>) -> bool {
        self.purpose == purpose && self.limits == limits && Rc::ptr_eq(&self.adts, adts)
    }

    /// How many of its scopes, from the bottom, hold only conjuncts in `wanted`, and how
    /// many conjuncts those scopes hold.
    fn reusable(&self, wanted: &FxHashSet<&Formula>) -> (usize, usize) {
        let levels = self.levels.iter().take_while(|level| level.iter().all(|f| wanted.contains(f)));
        levels.fold((0, 0), |(scopes, conjuncts), level| (scopes + 1, conjuncts + level.len()))
    }
}

/// Makes the solver's assertions exactly `parts`, reusing its bottom `keep` scopes, which
/// hold only conjuncts of `parts`.
///
/// Each scope of Z3's costs a preprocessing pass of its own (about as much as taking in
/// a small conjunct), so conjuncts are not pushed one scope each. A query pushes at
/// most two: first its new conjuncts that the previous query had too (likely facts of
/// the environment, which the next query will want again), then the others (likely its
/// candidate and conclusion, which the next query will replace).
fn assert_exactly(warm: &mut WarmSolver, keep: usize, parts: &[Formula]) -> Result<(), SmtError> {
    // Sized at once: a set grown conjunct by conjunct rehashed several times per query.
    let held = warm.levels[..keep].iter().map(Vec::len).sum::<usize>();
    let mut present: FxHashSet<&Formula> =
        FxHashSet::with_capacity_and_hasher(held + parts.len(), Default::default());
    present.extend(warm.levels[..keep].iter().flatten());
    let mut encoder = Encoder::new(Rc::clone(&warm.adts));
    let (mut recurring, mut fresh) = (Vec::new(), Vec::new());
    for part in parts {
        if present.insert(part) {
            // Encoded before any scope changes, so that an error leaves the solver as it was.
            let assertion = encoder.encode_bool(part)?;
            let level = if warm.previous.contains(part) { &mut recurring } else { &mut fresh };
            level.push((part.clone(), assertion));
        }
    }
    if keep < warm.levels.len() {
        warm.solver.pop(u32::try_from(warm.levels.len() - keep).unwrap_or(u32::MAX));
        warm.levels.truncate(keep);
    }
    for level in [recurring, fresh] {
        if level.is_empty() {
            continue;
        }
        warm.solver.push();
        for (_, assertion) in &level {
            warm.solver.assert(assertion);
        }
        warm.levels.push(level.into_iter().map(|(part, _)| part).collect());
    }
    warm.previous = parts.iter().cloned().collect();
    Ok(())
}

/// The idle warm solver of this kind that holds most of `wanted` (the most recently
/// used among equals), or a new one while the kind has fewer than [`WARM_PER_KIND`] and
/// none holds any of it; with the number of its scopes that can be kept.
fn take(
    purpose: Purpose,
    limits: Limits,
    adts: &Rc<AdtTable>,
    wanted: &FxHashSet<&Formula>,
) -> (WarmSolver, usize) {
    let idle = WARM.with(|pool| {
        let mut pool = pool.borrow_mut();
        let (mut kind, mut uses) = (0, 0);
        // (index, scopes kept, conjuncts kept)
        let mut best: Option<(usize, usize, usize)> = None;
        for (at, warm) in pool.iter().enumerate() {
            if !warm.is_kind(purpose, limits, adts) {
                continue;
            }
            kind += 1;
            uses += warm.uses;
            let (scopes, conjuncts) = warm.reusable(wanted);
            // The least recently used is the one to reuse when none holds anything.
            let better = match best {
                None => true,
                Some((_, _, most)) => conjuncts >= most && (conjuncts > 0 || most > 0),
            };
            if better {
                best = Some((at, scopes, conjuncts));
            }
        }
        match best {
            Some((_, _, 0)) if kind < WARM_PER_KIND && uses >= USES_PER_SOLVER * kind as u64 => None,
            Some((at, scopes, _)) => Some((pool.remove(at), scopes)),
            None => None,
        }
    });
    let (mut warm, keep) = idle.unwrap_or_else(|| (WarmSolver::new(purpose, limits, adts), 0));
    warm.uses += 1;
    (warm, keep)
}

/// Drops this thread's warm solvers for cores (see [`Purpose`]).
pub(super) fn forget_core_solvers() {
    let _ = WARM.try_with(|pool| pool.borrow_mut().retain(|w| w.purpose != Purpose::Cores));
}

fn give_back(warm: WarmSolver) {
    // A thread that is shutting down has no pool any more; the solver just goes.
    let _ = WARM.try_with(|pool| {
        let mut pool = pool.borrow_mut();
        if pool.len() >= WARM_PER_THREAD {
            // Of the kind just used if it is full, so that other kinds keep theirs.
            let same_kind = |w: &WarmSolver| w.is_kind(warm.purpose, warm.limits, &warm.adts);
            let at = if pool.iter().filter(|w| same_kind(w)).count() >= WARM_PER_KIND {
                pool.iter().position(same_kind).unwrap_or(0)
            } else {
                0
            };
            pool.remove(at);
        }
        pool.push(warm);
    });
}

/// A warm solver holding exactly some conjuncts, with a scope of the session's own on
/// top for the rest of its assertions; dropping it pops that scope and gives the solver
/// back.
pub(super) struct Scoped {
    warm: Option<WarmSolver>,
}

impl Scoped {
    pub fn new(
        owner: &SmtSolver,
        parts: &[Formula],
        limits: Limits,
        purpose: Purpose,
    ) -> Result<Scoped, SmtError> {
        let warm = holding(owner, parts, limits, purpose)?;
        warm.solver.push();
        Ok(Scoped { warm: Some(warm) })
    }

    fn warm(&self) -> &WarmSolver {
        self.warm.as_ref().expect("a scoped solver is held until it is dropped")
    }

    pub fn solver(&self) -> &z3::Solver {
        &self.warm().solver
    }

    /// An encoder for the session's own assertions.
    pub fn encoder(&self) -> Encoder {
        Encoder::new(Rc::clone(&self.warm().adts))
    }
}

impl Drop for Scoped {
    fn drop(&mut self) {
        if let Some(warm) = self.warm.take() {
            warm.solver.pop(1);
            give_back(warm);
        }
    }
}
