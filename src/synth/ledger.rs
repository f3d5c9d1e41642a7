//! Which consistency checks pay for themselves.
//!
//! A partial application `f a1 .. ak` (arguments still missing) is checked for
//! consistency with its goal: could some arguments still make its result fit? A check
//! that fails prunes every completion of the prefix; one that passes has cost an SMT
//! query and saved nothing. Whether checks pay depends on the head and on how many
//! arguments are missing: in `AVL-Delete`, `balance` with one argument missing was
//! checked 234 times and never pruned, while `Node` with one missing pruned 15% of the
//! time.
//!
//! So the search keeps, per lane and per (head, arguments missing), the checks made, the
//! prunes, and the candidates examined below each prefix that went on (its subtree). A
//! check is made when its expected saving is at least its cost, counted in candidates:
//! the chance of a prune, estimated as `(prunes + 1) / (checks + 2)` (Laplace's rule,
//! so a kind of prefix never seen is checked), times the average subtree, against
//! [`CHECK_COST`]. Skipping a check never loses a program: every completion is still
//! checked in full. The ledger counts candidates, not time, so the search stays
//! deterministic.

use rustc_hash::FxHashMap;

use crate::logic::Symbol;

/// What a consistency check costs, in candidates. A check solves the Horn constraints
/// of the prefix once more, for consistency (a satisfiable query when the prefix is
/// consistent, which Z3 needs a model for), which took about 1.0M instructions on
/// `AVL-RotateR` under Synquid's defaults when checks were counted as one candidate
/// (1 602 checks), against about 0.3M for a candidate (everything else the search did,
/// over its 17 374 candidates, most of them rejected for their shape without a
/// question). Counted as one, checks were made where they cost more than they saved.
const CHECK_COST: u128 = 3;

/// A kind of partial application: its head symbol and the number of arguments missing.
pub(crate) type PrefixKind = (Symbol, usize);

/// The consistency checks of one search, by kind of partial application.
#[derive(Default)]
pub(crate) struct Ledger(FxHashMap<PrefixKind, Entry>);

#[derive(Default, Clone, Copy, Debug)]
struct Entry {
    checks: u64,
    prunes: u64,
    /// Prefixes that went on (checked and consistent, or not checked).
    went_on: u64,
    /// Candidates examined below them, in all.
    below: u64,
}

impl Ledger {
    /// Whether a prefix of this kind is worth a consistency check.
    pub fn worth_checking(&self, kind: PrefixKind) -> bool {
        let e = self.0.get(&kind).copied().unwrap_or_default();
        // (prunes + 1) / (checks + 2) * (below / went_on) >= CHECK_COST, in integers; true
        // while no prefix of the kind has gone on (both sides are 0).
        u128::from(e.prunes + 1) * u128::from(e.below)
            >= CHECK_COST * u128::from(e.checks + 2) * u128::from(e.went_on)
    }

    /// A check of a prefix of this kind, and whether it pruned.
    pub fn checked(&mut self, kind: PrefixKind, pruned: bool) {
        let e = self.0.entry(kind).or_default();
        e.checks += 1;
        e.prunes += u64::from(pruned);
    }

    /// A prefix of this kind went on, and `below` candidates were examined below it.
    pub fn went_on(&mut self, kind: PrefixKind, below: u64) {
        let e = self.0.entry(kind).or_default();
        e.went_on += 1;
        e.below += below;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind() -> PrefixKind {
        (Symbol::from("balance"), 1)
    }

    #[test]
    fn a_kind_never_seen_is_checked() {
        assert!(Ledger::default().worth_checking(kind()));
    }

    #[test]
    fn checks_that_never_prune_stop_once_they_cost_more_than_their_subtrees() {
        let mut ledger = Ledger::default();
        // Each prefix has 10 candidates below it: with no prune in n checks, a check is
        // worth 10 / (n + 2) candidates, less than the 3 it costs from n = 2 on.
        let mut checks = 0;
        while ledger.worth_checking(kind()) {
            ledger.checked(kind(), false);
            ledger.went_on(kind(), 10);
            checks += 1;
            assert!(checks < 100, "never stopped");
        }
        assert_eq!(checks, 2);
    }

    #[test]
    fn checks_that_prune_often_go_on() {
        // Half the checks prune a 10-candidate subtree: each saves 5 candidates for 3.
        let mut ledger = Ledger::default();
        for i in 0..1000 {
            assert!(ledger.worth_checking(kind()), "stopped after {i} checks");
            let pruned = i % 2 == 0;
            ledger.checked(kind(), pruned);
            if !pruned {
                ledger.went_on(kind(), 10);
            }
        }
    }
}
