//! Premises that cannot matter to a validity query, left out (the search's handles only:
//! [`SmtSolver::with_slicing`](super::SmtSolver::with_slicing)).
//!
//! A clause of the checker carries every fact of its environment: each variable's
//! refinement, the postconditions of every measure on every datatype term
//! (`size x >= 0`), and each measure's equation on every constructor term
//! (`size (Node x l r) == size l + size r + 1`). A goal usually speaks of one or two
//! measures (`_v == (x in telems t)`), and Z3's cost grows with everything asserted: in a
//! satisfiable check (the clause of a wrong candidate), the linear arithmetic of the
//! unrelated measures is often half of the check.
//!
//! The search's consistency checks are validity questions too ("`E ⇒ ¬F` is not
//! valid", see `TypingState::consistent`), so they are sliced the same way; there a
//! dropped fact can only let a candidate live longer.
//!
//! [`relevant`] keeps, of `P1 ∧ .. ∧ Pn ⇒ G`, the conjuncts that mention no measure
//! (nor any other function symbol) and those that mention a function symbol of `G` or of
//! a kept conjunct, to a fixpoint, and drops the rest.
//!
//! **Sound, not complete.** Dropping premises only weakens a validity query: if what is
//! left is valid, so is the original. The converse can fail: the dropped facts may
//! contradict the kept ones, through arithmetic on the dropped measures alone (a
//! precondition `len xs > 0` against `len Nil == 0` when the goal does not mention `len`),
//! or through what measures say of the datatype terms (constructors of a polymorphic
//! datatype are distinct only through their measures). So slicing is for the search
//! only, where a missed proof is a rejected candidate: the checker's verdicts, and the
//! verification of every solution, use the whole query. A goal that is `false` (an
//! unreachable branch, proved by a contradiction among the premises) is never sliced.
//! On the queries of `Tree-Elem` and `AVL-RotateR` (531 clause checks, replayed with and
//! without slicing), no answer changed and Z3's work fell by a third.

use std::cell::RefCell;

use rustc_hash::FxHashMap;

use crate::logic::{Formula, Symbol};

thread_local! {
    /// What [`relevant`] made of the queries asked on this thread. Most of the search's
    /// queries are asked again (the query cache answers 85–90% of the larger goals'), and
    /// working out the relevant premises of a repeated query took 4–5% of their
    /// instructions; a lookup costs a hash that each formula keeps.
    static MEMO: RefCell<FxHashMap<Formula, Formula>> = RefCell::new(FxHashMap::default());
}

/// How many queries a thread's [`MEMO`] holds before it starts over. Each holds two
/// formulas that little else shares (the query and its slice, a few kilobytes on a long
/// search), and each lane's thread has its own. No goal of the suite asks 5 000
/// different queries on one lane (counted under the default configuration); on a long
/// search the memo starts over from time to time, which costs only the slicing again.
const MEMO_CAPACITY: usize = 5_000;

/// `f` with the premises irrelevant to its conclusion left out, or `f` itself when it is
/// not an implication, its conclusion is `false`, or nothing would be left out.
pub(super) fn relevant(f: &Formula) -> Formula {
    if let Some(known) = MEMO.with_borrow(|memo| memo.get(f).cloned()) {
        return known;
    }
    let sliced = slice(f);
    MEMO.with_borrow_mut(|memo| {
        // A full memo starts over.
        if memo.len() >= MEMO_CAPACITY {
            memo.clear();
        }
        memo.insert(f.clone(), sliced.clone());
    });
    sliced
}

fn slice(f: &Formula) -> Formula {
    let (premises, goal) = f.split_implication();
    if premises.is_empty() || goal.is_false() {
        return f.clone();
    }
    match relevant_to(&premises, std::slice::from_ref(goal)) {
        // The premises are conjuncts already (flat, no literals to fold): joined as they
        // are, without `Formula::conjunction`'s flattening and deduplication.
        Some(kept) => Formula::implies(kept.into_iter().fold(Formula::tt(), Formula::and), goal.clone()),
        None => f.clone(),
    }
}

/// The premises that mention no function symbol, or one that `focus` or a premise kept
/// mentions (to a fixpoint); `None` when that is all of them.
fn relevant_to(premises: &[Formula], focus: &[Formula]) -> Option<Vec<Formula>> {
    // Runs on every validity check of the search, cached answers included: the symbol
    // sets are short vectors (a premise mentions one or two measures).
    let mut wanted = Vec::new();
    for f in focus {
        f.collect_applied_functions(&mut wanted);
    }
    let symbols: Vec<Vec<Symbol>> = premises
        .iter()
        .map(|p| {
            let mut out = Vec::new();
            p.collect_applied_functions(&mut out);
            out
        })
        .collect();
    let mut kept: Vec<bool> = symbols.iter().map(Vec::is_empty).collect();
    // Each pass keeps at least one more premise or stops.
    loop {
        let mut grew = false;
        for (i, mentioned) in symbols.iter().enumerate() {
            if !kept[i] && mentioned.iter().any(|f| wanted.contains(f)) {
                kept[i] = true;
                for f in mentioned {
                    if !wanted.contains(f) {
                        wanted.push(*f);
                    }
                }
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    if kept.iter().all(|k| *k) {
        return None;
    }
    Some(premises.iter().zip(kept).filter(|(_, k)| *k).map(|(p, _)| p.clone()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::{BinOp, Sort};

    fn tree() -> Sort {
        Sort::Data(Symbol::from("Tree"), std::sync::Arc::from([]))
    }

    fn var(name: &str, sort: Sort) -> Formula {
        Formula::var(Symbol::from(name), sort)
    }

    fn size(t: Formula) -> Formula {
        Formula::pred("size", Sort::Int, vec![t])
    }

    fn elems(t: Formula) -> Formula {
        Formula::pred("elems", Sort::Set(std::sync::Arc::new(Sort::Int)), vec![t])
    }

    #[test]
    fn facts_of_measures_the_goal_does_not_mention_are_left_out() {
        let (t, x) = (var("t", tree()), var("x", Sort::Int));
        let size_fact = Formula::ge(size(t.clone()), Formula::int(0));
        let plain = Formula::gt(x.clone(), Formula::int(1));
        let goal = Formula::member(x.clone(), elems(t.clone()));
        let query = Formula::implies(Formula::conjunction([size_fact, plain.clone()]), goal.clone());
        assert_eq!(relevant(&query), Formula::implies(plain, goal));
    }

    #[test]
    fn a_kept_fact_makes_its_measures_relevant() {
        let (t, x) = (var("t", tree()), var("x", Sort::Int));
        // `elems` is wanted; the fact linking it to `size` brings `size`'s fact along.
        let link = Formula::implies(
            Formula::member(x.clone(), elems(t.clone())),
            Formula::gt(size(t.clone()), Formula::int(0)),
        );
        let size_fact = Formula::ge(size(t.clone()), Formula::int(0));
        let goal = Formula::member(x, elems(t));
        let query = Formula::implies(Formula::conjunction([size_fact, link]), goal);
        assert_eq!(relevant(&query), query);
    }

    #[test]
    fn a_false_goal_keeps_every_premise() {
        let (t, x) = (var("t", tree()), var("x", Sort::Int));
        let premise =
            Formula::conjunction([Formula::gt(size(t), Formula::int(0)), Formula::gt(x, Formula::int(0))]);
        // `Formula::implies` would fold `P ⇒ false` to `!P`, which is no implication and
        // is left alone as well; an implication built as such is kept whole.
        let query = Formula::binary(BinOp::Implies, premise.clone(), Formula::ff());
        assert_eq!(relevant(&query), query);
        assert_eq!(relevant(&Formula::implies(premise.clone(), Formula::ff())), !premise);
    }
}
