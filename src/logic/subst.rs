//! Substitution and the variable-level queries on formulas.
//!
//! Every rewriting function here returns its input *unchanged* (the same allocation)
//! when nothing changes, so unchanged subtrees stay shared and formula equality stays on
//! its pointer fast path.
//!
//! **Capture avoidance.** Substituting under `forall x. φ` drops any binding for `x`, and
//! if a replacement mentions a free `x`, the bound variable is renamed first to a fresh
//! `x'n` (the first `n` that clashes with nothing). Names are derived from the formula
//! only, so renaming is deterministic.
//!
//! **Unknowns.** A liquid unknown `U` stands for a conjunction of qualifiers that is not
//! known yet. Substituting into it composes the substitution into its pending one: `U σ`
//! under `θ` becomes `U (σ;θ)`, which maps each `x` of `σ` to `σ(x)θ` and keeps the
//! bindings of `θ` for the other variables. Like Synquid, the free-variable queries do not
//! look inside unknowns: their variables are not known until the unknown is solved.

use std::collections::{BTreeMap, BTreeSet};

use super::formula::{BinOp, Formula, Kind, Substitution, UnOp};
use super::{Sort, SortSubst, Symbol};

/// A sorted variable, as returned by [`Formula::free_vars`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Variable {
    pub name: Symbol,
    pub sort: Sort,
}

impl Variable {
    pub fn new(name: impl Into<Symbol>, sort: Sort) -> Variable {
        Variable { name: name.into(), sort }
    }

    /// The variable as a formula.
    pub fn to_formula(&self) -> Formula {
        Formula::var(self.name, self.sort.clone())
    }
}

/// The name of the `i`-th parameter of a predicate body: `_0`, `_1`, ...
pub fn pred_param(i: usize) -> Symbol {
    Symbol::intern(&format!("_{i}"))
}

impl Substitution {
    /// The composition "first `self`, then `then`": applying the result equals applying
    /// `self` and then `then`.
    pub fn then(&self, then: &Substitution) -> Substitution {
        if then.is_empty() {
            return self.clone();
        }
        let mut out: Substitution = self.iter().map(|(name, value)| (name, value.substitute(then))).collect();
        for (name, value) in then.iter() {
            if !self.contains(name) {
                out.insert(name, value.clone());
            }
        }
        out
    }
}

impl Formula {
    /// Rebuilds the node with each child replaced by `f(child)`; returns `self` when every
    /// child comes back pointer-equal. Quantifier bodies are children too, so callers
    /// that care about binding must handle [`Kind::All`] themselves.
    pub fn map_children(&self, mut f: impl FnMut(&Formula) -> Formula) -> Formula {
        let mut changed = false;
        let mut go = |child: &Formula| {
            let new = f(child);
            changed |= !new.ptr_eq(child);
            new
        };
        // Each arm maps the children first and builds a node (cloning its sort) only if
        // one of them changed.
        let kind = match self.kind() {
            Kind::Bool(_) | Kind::Int(_) | Kind::Var { .. } | Kind::Unknown { .. } => None,
            Kind::Unary(op, x) => {
                let x = go(x);
                changed.then_some(Kind::Unary(*op, x))
            }
            Kind::Binary(op, l, r) => {
                let (l, r) = (go(l), go(r));
                changed.then_some(Kind::Binary(*op, l, r))
            }
            Kind::Ite(c, t, e) => {
                let (c, t, e) = (go(c), go(t), go(e));
                changed.then_some(Kind::Ite(c, t, e))
            }
            Kind::Pred { name, sort, args } => {
                let args = args.iter().map(&mut go).collect();
                changed.then(|| Kind::Pred { name: *name, sort: sort.clone(), args })
            }
            Kind::Cons { name, sort, args } => {
                let args = args.iter().map(&mut go).collect();
                changed.then(|| Kind::Cons { name: *name, sort: sort.clone(), args })
            }
            Kind::All { var, sort, body } => {
                let body = go(body);
                changed.then(|| Kind::All { var: *var, sort: sort.clone(), body })
            }
            Kind::SetLit { elem, elems } => {
                let elems = elems.iter().map(&mut go).collect();
                changed.then(|| Kind::SetLit { elem: elem.clone(), elems })
            }
        };
        kind.map_or_else(|| self.clone(), Formula::new)
    }

    /// Replaces free variables by formulas (by name, whatever their sort), composing into
    /// the pending substitutions of unknowns and avoiding capture under quantifiers.
    pub fn substitute(&self, subst: &Substitution) -> Formula {
        if subst.is_empty() {
            return self.clone();
        }
        match self.kind() {
            Kind::Var { name, .. } => subst.get(*name).cloned().unwrap_or_else(|| self.clone()),
            Kind::Unknown { name, subst: pending } => Formula::unknown_with(*name, pending.then(subst)),
            Kind::All { var, sort, body } => {
                substitute_under_binder(*var, sort, body, subst).unwrap_or_else(|| self.clone())
            }
            _ => self.map_children(|child| child.substitute(subst)),
        }
    }

    /// Replaces one variable, by name.
    pub fn substitute_var(&self, name: impl Into<Symbol>, value: Formula) -> Formula {
        self.substitute(&Substitution::single(name, value))
    }

    /// Whether a variable of this name occurs free (outside unknowns).
    pub fn has_free_var(&self, name: Symbol) -> bool {
        match self.kind() {
            Kind::Var { name: n, .. } => *n == name,
            Kind::All { var, body, .. } => *var != name && body.has_free_var(name),
            _ => self.children().any(|child| child.has_free_var(name)),
        }
    }

    /// The free variables with their sorts (outside unknowns).
    pub fn free_vars(&self) -> BTreeSet<Variable> {
        let mut out = BTreeSet::new();
        self.each_free_var(&mut Vec::new(), &mut |name, sort| {
            out.insert(Variable::new(name, sort.clone()));
        });
        out
    }

    /// The names of the free variables. Collected as names, without the sorts that
    /// [`Formula::free_vars`] clones and compares: embeddings ask this of most formulas
    /// of every clause.
    pub fn free_var_names(&self) -> BTreeSet<Symbol> {
        let mut out = BTreeSet::new();
        self.each_free_var(&mut Vec::new(), &mut |name, _| {
            out.insert(name);
        });
        out
    }

    /// Calls `f` with each occurrence of a variable not bound by `bound` or a quantifier
    /// around it (outside unknowns).
    fn each_free_var(&self, bound: &mut Vec<Symbol>, f: &mut impl FnMut(Symbol, &Sort)) {
        match self.kind() {
            Kind::Var { name, sort } => {
                if !bound.contains(name) {
                    f(*name, sort);
                }
            }
            Kind::All { var, body, .. } => {
                bound.push(*var);
                body.each_free_var(bound, f);
                bound.pop();
            }
            _ => self.children().for_each(|child| child.each_free_var(bound, f)),
        }
    }

    /// Adds the function symbols (measures, predicates, uninterpreted functions) applied
    /// in the formula to `out`, each once, in order of first occurrence.
    pub fn collect_applied_functions(&self, out: &mut Vec<Symbol>) {
        self.visit(&mut |node| {
            if let Kind::Pred { name, .. } = node.kind()
                && !out.contains(name)
            {
                out.push(*name);
            }
        });
    }

    /// The premises, as conjuncts, and the final conclusion of a chain
    /// `p1 ==> (p2 ==> .. ==> goal)`; no premises when the formula is not an implication.
    pub fn split_implication(&self) -> (Vec<Formula>, &Formula) {
        let mut premises = Vec::new();
        let mut goal = self;
        while let Kind::Binary(BinOp::Implies, premise, conclusion) = goal.kind() {
            premises.extend(premise.conjuncts());
            goal = conclusion;
        }
        (premises, goal)
    }

    /// The names of the unknowns occurring in the formula.
    pub fn unknowns(&self) -> BTreeSet<Symbol> {
        let mut out = BTreeSet::new();
        self.visit_unknowns(&mut |name, _| {
            out.insert(name);
        });
        out
    }

    /// Calls `f` with every unknown occurrence `U σ`, skipping subtrees without one.
    pub fn visit_unknowns(&self, f: &mut impl FnMut(Symbol, &Substitution)) {
        match self.kind() {
            Kind::Unknown { name, subst } => f(*name, subst),
            _ if self.has_unknowns() => self.children().for_each(|child| child.visit_unknowns(f)),
            _ => {}
        }
    }

    /// The unknowns occurring positively and negatively. Negation and the premise of an
    /// implication flip polarity; `<==>`, `==`/`!=` between Booleans and the condition of
    /// an `if` count both ways.
    pub fn pos_neg_unknowns(&self) -> (BTreeSet<Symbol>, BTreeSet<Symbol>) {
        let mut pos = BTreeSet::new();
        let mut neg = BTreeSet::new();
        self.polarity(true, false, &mut pos, &mut neg);
        (pos, neg)
    }

    fn polarity(&self, positive: bool, both: bool, pos: &mut BTreeSet<Symbol>, neg: &mut BTreeSet<Symbol>) {
        if !self.has_unknowns() {
            return;
        }
        match self.kind() {
            Kind::Unknown { name, .. } => {
                if positive || both {
                    pos.insert(*name);
                }
                if !positive || both {
                    neg.insert(*name);
                }
            }
            Kind::Unary(UnOp::Not, x) => x.polarity(!positive, both, pos, neg),
            Kind::Binary(BinOp::Implies, l, r) => {
                l.polarity(!positive, both, pos, neg);
                r.polarity(positive, both, pos, neg);
            }
            Kind::Binary(BinOp::And | BinOp::Or, l, r) => {
                l.polarity(positive, both, pos, neg);
                r.polarity(positive, both, pos, neg);
            }
            Kind::Ite(c, t, e) => {
                c.polarity(positive, true, pos, neg);
                t.polarity(positive, both, pos, neg);
                e.polarity(positive, both, pos, neg);
            }
            Kind::All { body, .. } => body.polarity(positive, both, pos, neg),
            _ => self.children().for_each(|child| child.polarity(positive, true, pos, neg)),
        }
    }

    /// Replaces each application `p t0 .. tk` of a predicate in `preds` by the predicate's
    /// body with its parameters `_0 .. _k` replaced by the arguments.
    pub fn substitute_predicates(&self, preds: &BTreeMap<Symbol, Formula>) -> Formula {
        if preds.is_empty() {
            return self.clone();
        }
        match self.kind() {
            Kind::Pred { name, args, .. } if preds.contains_key(name) => {
                let args: Vec<Formula> = args.iter().map(|arg| arg.substitute_predicates(preds)).collect();
                let params: Substitution =
                    args.into_iter().enumerate().map(|(i, arg)| (pred_param(i), arg)).collect();
                preds.get(name).map_or_else(|| self.clone(), |body| body.substitute(&params))
            }
            _ => self.map_children(|child| child.substitute_predicates(preds)),
        }
    }

    /// Replaces each unknown `U σ` for which `valuation(U)` answers `Some(φ)` by `φσ`.
    pub fn substitute_unknowns(&self, valuation: &impl Fn(Symbol) -> Option<Formula>) -> Formula {
        if !self.has_unknowns() {
            return self.clone();
        }
        match self.kind() {
            Kind::Unknown { name, subst } => {
                valuation(*name).map_or_else(|| self.clone(), |value| value.substitute(subst))
            }
            _ => self.map_children(|child| child.substitute_unknowns(valuation)),
        }
    }

    /// Rewrites every sort annotation in the formula (variables, applications,
    /// quantifiers, set literals, pending substitutions).
    pub fn map_sorts(&self, f: &impl Fn(&Sort) -> Sort) -> Formula {
        self.map_sorts_within(None, f)
    }

    /// [`Formula::map_sorts`], where `f` changes only sorts that mention one of the type
    /// variables of `mask` (if given): nodes whose sorts mention none are kept whole.
    fn map_sorts_within(&self, mask: Option<u64>, f: &impl Fn(&Sort) -> Sort) -> Formula {
        if mask.is_some_and(|mask| self.type_var_mask() & mask == 0) {
            return self.clone();
        }
        // Nodes whose sorts and children come back unchanged are shared, not rebuilt.
        let same = |a: &[Formula], b: &[Formula]| a.iter().zip(b).all(|(x, y)| x.ptr_eq(y));
        let kind = match self.kind() {
            Kind::Var { name, sort } => {
                let mapped = f(sort);
                if mapped == *sort {
                    return self.clone();
                }
                Kind::Var { name: *name, sort: mapped }
            }
            Kind::Unknown { name, subst } => {
                let mapped: Vec<(Symbol, Formula)> =
                    subst.iter().map(|(x, v)| (x, v.map_sorts_within(mask, f))).collect();
                if mapped.iter().zip(subst.iter()).all(|((_, new), (_, old))| new.ptr_eq(old)) {
                    return self.clone();
                }
                Kind::Unknown { name: *name, subst: mapped.into_iter().collect() }
            }
            Kind::Pred { name, sort, args } | Kind::Cons { name, sort, args } => {
                let mapped_sort = f(sort);
                let mapped: Vec<Formula> = args.iter().map(|arg| arg.map_sorts_within(mask, f)).collect();
                if mapped_sort == *sort && same(&mapped, args) {
                    return self.clone();
                }
                if matches!(self.kind(), Kind::Pred { .. }) {
                    Kind::Pred { name: *name, sort: mapped_sort, args: mapped }
                } else {
                    Kind::Cons { name: *name, sort: mapped_sort, args: mapped }
                }
            }
            Kind::All { var, sort, body } => {
                let (mapped_sort, mapped) = (f(sort), body.map_sorts_within(mask, f));
                if mapped_sort == *sort && mapped.ptr_eq(body) {
                    return self.clone();
                }
                Kind::All { var: *var, sort: mapped_sort, body: mapped }
            }
            Kind::SetLit { elem, elems } => {
                let mapped_elem = f(elem);
                let mapped: Vec<Formula> = elems.iter().map(|e| e.map_sorts_within(mask, f)).collect();
                if mapped_elem == *elem && same(&mapped, elems) {
                    return self.clone();
                }
                Kind::SetLit { elem: mapped_elem, elems: mapped }
            }
            _ => return self.map_children(|child| child.map_sorts_within(mask, f)),
        };
        Formula::new(kind)
    }

    /// Applies a sort-variable substitution to every sort in the formula.
    pub fn apply_sort_subst(&self, subst: &SortSubst) -> Formula {
        if subst.is_empty() {
            return self.clone();
        }
        self.map_sorts(&|sort| sort.apply(subst))
    }

    /// Replaces rigid type variables in every sort of the formula.
    pub fn substitute_type_vars(&self, subst: &BTreeMap<Symbol, Sort>) -> Formula {
        if subst.is_empty() {
            return self.clone();
        }
        let mask = Symbol::mask_of(subst.keys());
        self.map_sorts_within(Some(mask), &|sort| sort.substitute_type_vars(subst))
    }

    /// Whether some type variable mentioned by the sorts in the formula satisfies `pred`
    /// (stopping at the first).
    pub fn mentions_type_var(&self, pred: &impl Fn(Symbol) -> bool) -> bool {
        self.mentions_type_var_among(u64::MAX, pred)
    }

    /// [`Formula::mentions_type_var`], where `pred` holds only of type variables whose
    /// bits are in `mask` (see [`Symbol::mask_bit`]): nodes that mention none of those
    /// are skipped whole.
    pub fn mentions_type_var_among(&self, mask: u64, pred: &impl Fn(Symbol) -> bool) -> bool {
        if self.type_var_mask() & mask == 0 {
            return false;
        }
        let here = match self.kind() {
            Kind::Var { sort, .. }
            | Kind::Pred { sort, .. }
            | Kind::Cons { sort, .. }
            | Kind::All { sort, .. } => sort.mentions_type_var(pred),
            Kind::SetLit { elem, .. } => elem.mentions_type_var(pred),
            Kind::Unknown { subst, .. } => {
                subst.iter().any(|(_, value)| value.mentions_type_var_among(mask, pred))
            }
            _ => false,
        };
        here || self.children().any(|child| child.mentions_type_var_among(mask, pred))
    }

    /// Calls `f` on every node, parents before children.
    pub fn visit(&self, f: &mut impl FnMut(&Formula)) {
        f(self);
        self.children().for_each(|child| child.visit(f));
    }
}

/// Substitutes under `forall var: sort. body`. Returns `None` when nothing changes.
fn substitute_under_binder(
    var: Symbol,
    sort: &Sort,
    body: &Formula,
    subst: &Substitution,
) -> Option<Formula> {
    // Bindings for the bound variable do not apply inside. Bindings for variables that
    // do not occur in the body are irrelevant, unless the body holds unknowns, whose
    // pending substitutions must see every binding.
    let keep_all = body.has_unknowns();
    let relevant: Substitution = subst
        .iter()
        .filter(|(name, _)| *name != var && (keep_all || body.has_free_var(*name)))
        .map(|(name, value)| (name, value.clone()))
        .collect();
    if relevant.is_empty() {
        return None;
    }
    let captures = relevant.iter().any(|(_, value)| value.has_free_var(var));
    let (var, body) = if captures {
        let mut avoid = body.free_var_names();
        for (name, value) in relevant.iter() {
            avoid.insert(name);
            avoid.extend(value.free_var_names());
        }
        let fresh = fresh_name(var, &avoid);
        (fresh, body.substitute_var(var, Formula::var(fresh, sort.clone())))
    } else {
        (var, body.clone())
    };
    Some(Formula::new(Kind::All { var, sort: sort.clone(), body: body.substitute(&relevant) }))
}

/// The first of `x'1`, `x'2`, ... not in `avoid`.
fn fresh_name(base: Symbol, avoid: &BTreeSet<Symbol>) -> Symbol {
    (1u32..)
        .map(|n| Symbol::intern(&format!("{base}'{n}")))
        .find(|candidate| !avoid.contains(candidate))
        .expect("an unbounded sequence of distinct names always has one outside a finite set")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(name: &str) -> Formula {
        Formula::var(name, Sort::Int)
    }

    #[test]
    fn substitution_replaces_free_variables_and_keeps_sharing() {
        let f = Formula::lt(int("x"), Formula::plus(int("y"), Formula::int(1)));
        let g = f.substitute_var("x", int("z"));
        assert_eq!(g.to_string(), "z < y + 1");
        let untouched = f.substitute_var("w", int("z"));
        assert!(untouched.ptr_eq(&f), "no change keeps the same allocation");
    }

    #[test]
    fn substitution_avoids_capture() {
        // forall y. x < y, with x := y + 1: the bound y must be renamed.
        let f = Formula::all("y", Sort::Int, Formula::lt(int("x"), int("y")));
        let g = f.substitute_var("x", Formula::plus(int("y"), Formula::int(1)));
        assert_eq!(g.to_string(), "forall y'1: Int. y + 1 < y'1");
        // The bound variable itself is never replaced.
        let h = f.substitute_var("y", Formula::int(0));
        assert!(h.ptr_eq(&f));
        assert_eq!(g.free_var_names(), BTreeSet::from([Symbol::intern("y")]));
    }

    #[test]
    fn substitution_composes_into_unknowns() {
        let u = Formula::unknown_with("U0", Substitution::single("x", int("y")));
        let theta: Substitution =
            [(Symbol::intern("y"), int("z")), (Symbol::intern("w"), int("v"))].into_iter().collect();
        let Kind::Unknown { subst, .. } = u.substitute(&theta).kind().clone() else {
            panic!("substitution keeps an unknown an unknown");
        };
        assert_eq!(subst.get(Symbol::intern("x")), Some(&int("z")));
        assert_eq!(subst.get(Symbol::intern("w")), Some(&int("v")));
        assert_eq!(subst.get(Symbol::intern("y")), Some(&int("z")));
        // Reading the valuation applies the composed substitution.
        let valuation = |_: Symbol| Some(Formula::le(int("x"), int("w")));
        assert_eq!(u.substitute(&theta).substitute_unknowns(&valuation).to_string(), "z <= v");
    }

    #[test]
    fn free_variables_respect_binders_and_sorts() {
        let xs = Formula::var("xs", Sort::data("List", [Sort::Int]));
        let elems = Formula::pred("elems", Sort::set(Sort::Int), vec![xs.clone()]);
        let body = Formula::implies(Formula::member(int("e"), elems), Formula::lt(int("e"), int("n")));
        let f = Formula::all("e", Sort::Int, body);
        let vars: Vec<String> = f.free_vars().iter().map(|v| format!("{}:{}", v.name, v.sort)).collect();
        assert_eq!(vars, vec!["n:Int", "xs:List Int"]);
    }

    #[test]
    fn unknown_polarity() {
        let f = Formula::implies(
            Formula::and(Formula::unknown("C0"), !Formula::unknown("U1")),
            Formula::unknown("U2"),
        );
        let (pos, neg) = f.pos_neg_unknowns();
        let names = |set: BTreeSet<Symbol>| set.into_iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(names(pos), vec!["U1", "U2"]);
        assert_eq!(names(neg), vec!["C0"]);
        assert_eq!(f.unknowns().len(), 3);
    }

    #[test]
    fn unknowns_are_found_where_they_occur_and_nothing_else_is_rebuilt() {
        let xs = Formula::var("xs", Sort::data("List", [Sort::Int]));
        let len = Formula::pred("len", Sort::Int, vec![xs]);
        let known = Formula::le(Formula::int(0), len.clone());
        let deep =
            Formula::and(known.clone(), Formula::implies(Formula::lt(int("x"), len), Formula::unknown("U0")));
        assert!(deep.has_unknowns() && !known.has_unknowns());
        assert_eq!(deep.unknowns(), BTreeSet::from([Symbol::intern("U0")]));
        let valuation = |_: Symbol| Some(Formula::le(int("x"), int("y")));
        let solved = deep.substitute_unknowns(&valuation);
        assert!(!solved.has_unknowns());
        assert_eq!(solved.to_string(), "0 <= len xs && (x < len xs ==> x <= y)");
        // Unknown-free parts come back as the same allocations.
        let Kind::Binary(BinOp::And, left, _) = solved.kind() else { panic!("{solved}") };
        assert!(left.ptr_eq(&known));
        assert!(known.substitute_unknowns(&valuation).ptr_eq(&known));
        assert!(known.substitute_var("z", int("w")).ptr_eq(&known));
    }

    #[test]
    fn predicate_substitution_instantiates_parameters() {
        // p :: Int -> Int -> Bool := _0 <= _1, applied as p x (y + 1).
        let body = Formula::le(int("_0"), int("_1"));
        let app = Formula::pred("p", Sort::Bool, vec![int("x"), Formula::plus(int("y"), Formula::int(1))]);
        let preds = BTreeMap::from([(Symbol::intern("p"), body)]);
        let f = Formula::and(app, Formula::var("q", Sort::Bool));
        assert_eq!(f.substitute_predicates(&preds).to_string(), "x <= y + 1 && q");
    }

    #[test]
    fn sort_rewriting_reaches_every_annotation() {
        let a = Sort::var("a");
        let f = Formula::member(Formula::var("x", a.clone()), Formula::set_lit(a.clone(), vec![]));
        let g = f.substitute_type_vars(&BTreeMap::from([(Symbol::intern("a"), Sort::Int)]));
        assert_eq!(g, Formula::member(int("x"), Formula::set_lit(Sort::Int, vec![])));
        let same = f.substitute_type_vars(&BTreeMap::from([(Symbol::intern("b"), Sort::Int)]));
        assert!(same.ptr_eq(&f));
    }
}
