//! Symmetry reduction: arguments that a symbol takes in either order.
//!
//! The search judges an application only by its type. If swapping two parameters of a
//! symbol's type gives the same type, then `f .. a .. b ..` and `f .. b .. a ..` have
//! the same type, so every check the search makes answers the same for both: one of
//! them is enough. `neq :: x: a -> y: a -> {Bool | _v == (x != y)}`, `plus` and
//! `append :: xs: List a -> ys: List a -> {List a | len _v == len xs + len ys}` are
//! such symbols. The search keeps the application whose two arguments are in
//! [`in_order`], and skips the other before checking it.
//!
//! Sound by construction, not complete: parameters count as symmetric only when the
//! swap leaves every parameter type unchanged (no parameter type mentions either of the
//! two) and the result type equal up to the order of operands of commutative and
//! associative operators ([`normalize`]). Types that are equivalent only by reasoning
//! (`x <= y && y >= x`) are not recognized, which costs only the saving.

use std::rc::Rc;

use rustc_hash::FxHashMap;

use crate::logic::{BinOp, Formula, Kind, Substitution, Symbol};
use crate::types::RType;
use crate::types::subtype::map_formulas;

use super::prog::Prog;

/// The symmetric pairs of each head symbol met, with the type they were found in (the
/// goal's own type, for recursive calls, may differ between scopes).
#[derive(Default)]
pub(crate) struct SymmetryMemo(FxHashMap<Symbol, (RType, Rc<Pairs>)>);

/// Pairs of parameter positions, from 0.
pub(crate) type Pairs = Vec<(usize, usize)>;

impl SymmetryMemo {
    /// [`symmetric_pairs`] of `ty`, the type of the symbol `name`.
    pub fn pairs(&mut self, name: Symbol, ty: &RType) -> Rc<Pairs> {
        match self.0.get(&name) {
            Some((known, pairs)) if known == ty => Rc::clone(pairs),
            _ => {
                let pairs = Rc::new(symmetric_pairs(ty));
                self.0.insert(name, (ty.clone(), Rc::clone(&pairs)));
                pairs
            }
        }
    }
}

/// The pairs `(i, j)`, `i < j`, of parameter positions (from 0) of `ty` that can be
/// swapped without changing the type.
pub(crate) fn symmetric_pairs(ty: &RType) -> Pairs {
    let mut params: Vec<(Symbol, &RType)> = Vec::new();
    let mut result = ty;
    while let RType::Function { param, arg, result: rest } = result {
        params.push((*param, arg));
        result = rest;
    }
    let mut pairs = Vec::new();
    for (i, &(xi, ti)) in params.iter().enumerate() {
        let Some(sort) = ti.sort() else { continue };
        for (j, &(xj, tj)) in params.iter().enumerate().skip(i + 1) {
            if ti != tj || params.iter().any(|(_, t)| mentions(t, xi) || mentions(t, xj)) {
                continue;
            }
            let mut swap = Substitution::new();
            swap.insert(xi, Formula::var(xj, sort.clone()));
            swap.insert(xj, Formula::var(xi, sort.clone()));
            let swapped = map_formulas(result, &|f| f.substitute(&swap));
            if map_formulas(result, &normalize) == map_formulas(&swapped, &normalize) {
                pairs.push((i, j));
            }
        }
    }
    pairs
}

/// Whether the application that puts `first` at the earlier and `second` at the later
/// position of a symmetric pair is the one the search keeps. A total order on
/// programs, so exactly one of two different orders is kept (and `f a a` is).
pub(crate) fn in_order(first: &Prog, second: &Prog) -> bool {
    first <= second
}

/// Whether some formula of `ty` mentions the variable `x`.
fn mentions(ty: &RType, x: Symbol) -> bool {
    let found = std::cell::Cell::new(false);
    map_formulas(ty, &|f| {
        if f.has_free_var(x) {
            found.set(true);
        }
        f.clone()
    });
    found.get()
}

/// `f` with the operands of every commutative operator in a fixed order, chains of an
/// associative one (`a + b + c`) flattened first, and set literals' elements sorted: two
/// formulas equal after this are equivalent.
pub(crate) fn normalize(f: &Formula) -> Formula {
    match f.kind() {
        Kind::Binary(op, _, _) if associative(*op) => {
            let mut operands = Vec::new();
            flatten(*op, f, &mut operands);
            let mut operands: Vec<Formula> = operands.into_iter().map(normalize).collect();
            operands.sort();
            let mut iter = operands.into_iter();
            let first = iter.next().expect("a binary chain has operands");
            iter.fold(first, |acc, x| Formula::new(Kind::Binary(*op, acc, x)))
        }
        Kind::Binary(op @ (BinOp::Eq | BinOp::Neq | BinOp::Iff), l, r) => {
            let (mut l, mut r) = (normalize(l), normalize(r));
            if r < l {
                std::mem::swap(&mut l, &mut r);
            }
            Formula::new(Kind::Binary(*op, l, r))
        }
        Kind::SetLit { elem, elems } => {
            let mut elems: Vec<Formula> = elems.iter().map(normalize).collect();
            elems.sort();
            Formula::new(Kind::SetLit { elem: elem.clone(), elems })
        }
        _ => f.map_children(normalize),
    }
}

/// Operators that are both commutative and associative.
fn associative(op: BinOp) -> bool {
    matches!(op, BinOp::Plus | BinOp::Times | BinOp::And | BinOp::Or | BinOp::Union | BinOp::Intersect)
}

fn flatten<'f>(op: BinOp, f: &'f Formula, out: &mut Vec<&'f Formula>) {
    match f.kind() {
        Kind::Binary(o, l, r) if *o == op => {
            flatten(op, l, out);
            flatten(op, r, out);
        }
        _ => out.push(f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::Sort;
    use crate::types::BaseType;

    fn var(name: &str, sort: Sort) -> Formula {
        Formula::var(Symbol::from(name), sort)
    }

    fn bin(op: BinOp, l: Formula, r: Formula) -> Formula {
        Formula::new(Kind::Binary(op, l, r))
    }

    /// `x: {Int | px} -> y: {Int | py} -> {Int | body}`.
    fn two_ints(px: Formula, py: Formula, body: Formula) -> RType {
        RType::Function {
            param: Symbol::from("x"),
            arg: Box::new(RType::scalar(BaseType::Int, px)),
            result: Box::new(RType::Function {
                param: Symbol::from("y"),
                arg: Box::new(RType::scalar(BaseType::Int, py)),
                result: Box::new(RType::scalar(BaseType::Int, body)),
            }),
        }
    }

    #[test]
    fn commutative_results_make_symmetric_parameters() {
        let (x, y, v) = (var("x", Sort::Int), var("y", Sort::Int), var("_v", Sort::Int));
        let plus = two_ints(Formula::tt(), Formula::tt(), bin(BinOp::Eq, v.clone(), bin(BinOp::Plus, x, y)));
        assert_eq!(symmetric_pairs(&plus), vec![(0, 1)]);
    }

    #[test]
    fn order_sensitive_results_or_dependent_parameters_are_not_symmetric() {
        let (x, y, v) = (var("x", Sort::Int), var("y", Sort::Int), var("_v", Sort::Int));
        let minus = two_ints(
            Formula::tt(),
            Formula::tt(),
            bin(BinOp::Eq, v.clone(), bin(BinOp::Minus, x.clone(), y.clone())),
        );
        assert!(symmetric_pairs(&minus).is_empty());
        // `y: {Int | _v != x}`: the swap would change the parameter types.
        let plus_distinct = two_ints(
            Formula::tt(),
            bin(BinOp::Neq, var("_v", Sort::Int), x.clone()),
            bin(BinOp::Eq, v, bin(BinOp::Plus, x, y)),
        );
        assert!(symmetric_pairs(&plus_distinct).is_empty());
    }

    #[test]
    fn normalizing_sorts_operands_of_chains_and_set_literals() {
        let (a, b, c) = (var("a", Sort::Int), var("b", Sort::Int), var("c", Sort::Int));
        let left = bin(BinOp::Plus, bin(BinOp::Plus, a.clone(), b.clone()), c.clone());
        let right = bin(BinOp::Plus, c.clone(), bin(BinOp::Plus, b.clone(), a.clone()));
        assert_eq!(normalize(&left), normalize(&right));
        let set = |xs: Vec<Formula>| Formula::new(Kind::SetLit { elem: Sort::Int, elems: xs });
        assert_eq!(normalize(&set(vec![a.clone(), b.clone()])), normalize(&set(vec![b.clone(), a.clone()])));
        let minus = |l: Formula, r: Formula| bin(BinOp::Minus, l, r);
        assert_ne!(normalize(&minus(a.clone(), b.clone())), normalize(&minus(b, a)));
    }
}
