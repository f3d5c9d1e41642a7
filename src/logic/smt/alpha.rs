//! Keys under which queries that differ only in the names of their variables share one
//! answer.
//!
//! The search asks the same question under different names all the time: a candidate
//! checked in two branches mentions `x7` in one and `x9` in the other, and every
//! instantiation of a component renames its parameters afresh (`xs12'`, `xs15'`). The
//! query cache, keyed by formula, sees different questions; 6–15% of the queries that
//! reached Z3 on the larger problems of the suite had been answered before under other
//! names. Satisfiability does not depend on names, so such a query can take the earlier
//! answer.
//!
//! Renaming a whole query into a canonical form (module `canon`) on every cache miss
//! costs about as much as the answers it would save (tens of microseconds for a query of
//! a few dozen conjuncts). An [`AlphaKey`] is built from the query's conjuncts instead,
//! each renamed on its own and remembered per thread (most conjuncts are facts of an
//! environment that many queries share): the key is the sequence of the conjuncts'
//! canonical forms, and of the positions, in the whole query's order of first occurrence,
//! of the names each of them renamed. Two queries with equal keys are renamings of each
//! other: the names at equal positions correspond one to one, and each conjunct is the
//! other's with its names replaced by the corresponding ones. (The key depends on the
//! order of the conjuncts too, which only means that some renamings go unnoticed.)
//!
//! Only answers that do not depend on names are shared: those of checks that reached Z3
//! as quantifier-free linear arithmetic (where its answers are complete), with their
//! universals instantiated by hand if they had any (module `ground`, which instantiates
//! a renamed query into a renamed result). See `SmtSolver::decide`.
//!
//! MUS enumerations are cached under the same keys (module `mus`), of a query's hard
//! formulas followed by its soft ones: answers there never depend on names.

use std::cell::RefCell;
use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashMap, FxHasher};

use super::canon::{Canonicalizer, Interner};
use crate::logic::{Formula, Symbol};

/// A query's conjuncts up to the names of their variables (see the module documentation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct AlphaKey {
    /// Each conjunct, renamed on its own in order of first occurrence.
    parts: Vec<Formula>,
    /// For each conjunct in turn, for each name it renamed, the position of that name in
    /// the whole query's order of first occurrence.
    positions: Vec<u32>,
    hash: u64,
}

impl Hash for AlphaKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// A conjunct renamed on its own: its canonical form, and the names that `'0`, `'1`, ...
/// stand for.
struct Renamed {
    canonical: Formula,
    names: Box<[Symbol]>,
}

/// How many conjuncts a thread's [`MEMO`] remembers before it starts over. Each holds a
/// conjunct and its canonical form (which share nodes with the others' through the
/// interner); a long search starts over from time to time, which costs only the renaming.
const MEMO_CAPACITY: usize = 20_000;

thread_local! {
    /// The conjuncts renamed on this thread, and the interner their canonical forms share.
    static MEMO: RefCell<(FxHashMap<Formula, Renamed>, Interner)> = RefCell::default();
}

impl AlphaKey {
    /// How many formulas it lists.
    pub fn len(&self) -> usize {
        self.parts.len()
    }
}

/// The key of the sequence `parts` (the conjuncts of a query, or the hard and soft
/// formulas of a MUS question).
pub(super) fn key<'a>(parts: impl Iterator<Item = &'a Formula>) -> AlphaKey {
    MEMO.with_borrow_mut(|(memo, interner)| {
        let expected = parts.size_hint().0;
        if memo.len() + expected > MEMO_CAPACITY {
            memo.clear();
            interner.clear();
        }
        let mut positions_of: FxHashMap<Symbol, u32> = FxHashMap::default();
        let mut key = AlphaKey { parts: Vec::with_capacity(expected), positions: Vec::new(), hash: 0 };
        let mut hasher = FxHasher::default();
        for part in parts {
            let renamed = memo.entry(part.clone()).or_insert_with(|| {
                let mut canon = Canonicalizer::new(interner);
                let canonical = canon.formula(part);
                Renamed { canonical, names: canon.into_order().into_boxed_slice() }
            });
            renamed.canonical.hash(&mut hasher);
            key.parts.push(renamed.canonical.clone());
            for name in &renamed.names {
                let next = u32::try_from(positions_of.len()).unwrap_or(u32::MAX);
                let at = *positions_of.entry(*name).or_insert(next);
                hasher.write_u32(at);
                key.positions.push(at);
            }
        }
        key.hash = hasher.finish();
        key
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::Sort;

    fn list(a: &str) -> Sort {
        Sort::data("List", [Sort::var(a)])
    }

    fn len(x: &str, a: &str) -> Formula {
        Formula::pred("len", Sort::Int, vec![Formula::var(x, list(a))])
    }

    #[test]
    fn renamed_queries_have_one_key() {
        // `len xs < len ys && len ys == 0` under two sets of names.
        let q = |xs: &str, ys: &str, a: &str| {
            vec![Formula::lt(len(xs, a), len(ys, a)), Formula::eq(len(ys, a), Formula::int(0))]
        };
        assert_eq!(key(q("xs", "ys", "a").iter()), key(q("x7", "y9'", "b").iter()));
    }

    #[test]
    fn names_shared_between_conjuncts_must_correspond() {
        // Each conjunct alone is the same up to names, but the first query says the same
        // list is empty, the second another one.
        let first =
            [Formula::lt(len("xs", "a"), len("ys", "a")), Formula::eq(len("ys", "a"), Formula::int(0))];
        let second =
            [Formula::lt(len("xs", "a"), len("ys", "a")), Formula::eq(len("xs", "a"), Formula::int(0))];
        assert_ne!(key(first.iter()), key(second.iter()));
    }

    #[test]
    fn a_renaming_must_be_one_to_one() {
        let two = [Formula::lt(len("xs", "a"), len("ys", "a"))];
        let one = [Formula::lt(len("xs", "a"), len("xs", "a"))];
        assert_ne!(key(two.iter()), key(one.iter()));
    }
}
