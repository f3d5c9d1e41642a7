//! Qualifier spaces: the candidate conjuncts of liquid unknowns.
//!
//! A *template* is a formula whose free variables are placeholders, such as `x <= y` taken
//! from `leq :: x:a -> y:a -> {Bool | _v == (x <= y)}`, or `_v < x` from a refinement.
//! Instantiating it in a scope replaces the placeholders by in-scope variables (or
//! constants) in every well-sorted way, following Synquid's rules
//! (synthesis-algorithm.md (d)):
//! * distinct placeholders get distinct actuals;
//! * every type variable of a template is *flexible*: it is renamed to a fresh sort
//!   variable, so `x <= y` over `x, y : a` matches any two actuals of one ordered sort.
//!   Sorts of actuals are rigid;
//! * in a *type* qualifier `_v` is not a placeholder but stands for the unknown's value,
//!   and the template must mention `_v`;
//! * instances that are ill-sorted, or trivially true or false (`x == x`, `1 < 0`), are
//!   dropped, and duplicates are removed, keeping the first occurrence.
//!
//! Everything is deterministic: placeholders are taken in variable order, actuals in the
//! order given.

use std::collections::BTreeMap;

use rustc_hash::FxHashSet;

use super::formula::{BinOp, Formula, Kind, UnOp, VALUE_VAR};
use super::sort::{SortVar, SortVarSupply};
use super::{Sort, SortSubst, Symbol, Variable, unify};

/// The search space of one unknown: its qualifiers and the largest number of them a
/// valuation may conjoin.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct QualifierSpace {
    pub qualifiers: Vec<Formula>,
    pub max_count: usize,
}

impl QualifierSpace {
    /// A space over `qualifiers` (deduplicated), allowing any number of them.
    pub fn new(qualifiers: impl IntoIterator<Item = Formula>) -> QualifierSpace {
        let qualifiers = dedup(qualifiers);
        let max_count = qualifiers.len();
        QualifierSpace { qualifiers, max_count }
    }

    /// A space whose valuations conjoin at most `max_count` qualifiers.
    pub fn with_max_count(qualifiers: impl IntoIterator<Item = Formula>, max_count: usize) -> QualifierSpace {
        QualifierSpace { max_count, ..QualifierSpace::new(qualifiers) }
    }

    pub fn len(&self) -> usize {
        self.qualifiers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.qualifiers.is_empty()
    }
}

/// Instances of a *type* qualifier template for an unknown whose value is `value`: `_v`
/// becomes `value`, the other free variables range over `actuals`. A template that does
/// not mention `_v` (at exactly one sort) gives nothing.
pub fn type_qualifiers(template: &Formula, value: &Formula, actuals: &[Formula]) -> Vec<Formula> {
    let (values, formals): (Vec<Variable>, Vec<Variable>) =
        template.free_vars().into_iter().partition(|var| var.name.as_str() == VALUE_VAR);
    match values.as_slice() {
        [value_var] => instantiate(template, &[(value_var.clone(), value.clone())], &formals, actuals),
        _ => Vec::new(),
    }
}

/// Instances of a *condition* qualifier template: every free variable ranges over
/// `actuals`.
pub fn condition_qualifiers(template: &Formula, actuals: &[Formula]) -> Vec<Formula> {
    let formals: Vec<Variable> = template.free_vars().into_iter().collect();
    instantiate(template, &[], &formals, actuals)
}

/// The general instantiation: each `fixed` formal is replaced by its given formula, and
/// the `formals` by distinct `actuals` of unifiable sorts, in every possible way.
pub fn instantiate(
    template: &Formula,
    fixed: &[(Variable, Formula)],
    formals: &[Variable],
    actuals: &[Formula],
) -> Vec<Formula> {
    if template.is_true() {
        return Vec::new();
    }
    // Make the template's type variables flexible, numbering the fresh sort variables
    // above every sort variable already present.
    let mut supply = SortVarSupply::after(max_sort_var(template, actuals));
    let mut flexible: BTreeMap<Symbol, Sort> = BTreeMap::new();
    let mut flex = |sort: &Sort| {
        for tv in sort.type_vars() {
            flexible.entry(tv).or_insert_with(|| Sort::Meta(supply.fresh()));
        }
    };
    fixed.iter().for_each(|(formal, _)| flex(&formal.sort));
    formals.iter().for_each(|formal| flex(&formal.sort));
    template.visit(&mut |node| sorts_of_node(node).into_iter().for_each(&mut flex));
    let template = template.substitute_type_vars(&flexible);

    let mut sorts = SortSubst::new();
    for (formal, actual) in fixed {
        if unify(&formal.sort.substitute_type_vars(&flexible), &actual.sort(), &mut sorts).is_err() {
            return Vec::new();
        }
    }
    let fixed_subst = fixed.iter().map(|(formal, actual)| (formal.name, actual.clone())).collect();
    let template = template.substitute(&fixed_subst);
    let formal_sorts: Vec<(Symbol, Sort)> =
        formals.iter().map(|formal| (formal.name, formal.sort.substitute_type_vars(&flexible))).collect();

    let mut out = Vec::new();
    let mut chosen: Vec<usize> = Vec::new();
    assign(&template, &formal_sorts, actuals, &mut chosen, sorts, &mut out);
    dedup(out)
}

/// Backtracking over the choice of an actual for each formal, in order.
fn assign(
    template: &Formula,
    formals: &[(Symbol, Sort)],
    actuals: &[Formula],
    chosen: &mut Vec<usize>,
    sorts: SortSubst,
    out: &mut Vec<Formula>,
) {
    let Some((_, formal_sort)) = formals.get(chosen.len()) else {
        let subst =
            formals.iter().zip(chosen.iter()).map(|((name, _), &i)| (*name, actuals[i].clone())).collect();
        let instance = template.apply_sort_subst(&sorts).substitute(&subst);
        if instance.check_sorts() == Ok(Sort::Bool) && !is_trivial(&instance) {
            out.push(instance);
        }
        return;
    };
    for (i, actual) in actuals.iter().enumerate() {
        if chosen.contains(&i) {
            continue;
        }
        let mut extended = sorts.clone();
        if unify(formal_sort, &actual.sort(), &mut extended).is_ok() {
            chosen.push(i);
            assign(template, formals, actuals, chosen, extended, out);
            chosen.pop();
        }
    }
}

/// Whether a formula is trivially true or false: a Boolean literal, a comparison of a
/// term with itself, or a comparison of two integer literals.
pub fn is_trivial(f: &Formula) -> bool {
    match f.kind() {
        Kind::Bool(_) => true,
        Kind::Binary(op, l, r) if op.is_comparison() && *op != BinOp::Member && *op != BinOp::Subset => {
            l == r || matches!((l.kind(), r.kind()), (Kind::Int(_), Kind::Int(_)))
        }
        Kind::Binary(BinOp::Subset, l, r) => l == r,
        _ => false,
    }
}

/// Whether `f` is an equality or disequality between datatype values (Synquid keeps
/// these out of condition qualifiers).
pub fn is_data_equality(f: &Formula) -> bool {
    match f.kind() {
        Kind::Binary(BinOp::Eq | BinOp::Neq, l, _) => matches!(l.sort(), Sort::Data(..)),
        _ => false,
    }
}

/// The atoms of a formula: its maximal Boolean subformulas that are not built by a
/// logical connective (comparisons, memberships, Boolean variables and applications),
/// without Boolean literals and unknowns, deduplicated in order of appearance. These are
/// the templates a specification contributes.
pub fn atoms(f: &Formula) -> Vec<Formula> {
    let mut out = Vec::new();
    collect_atoms(f, &mut out);
    dedup(out)
}

fn collect_atoms(f: &Formula, out: &mut Vec<Formula>) {
    match f.kind() {
        Kind::Bool(_) | Kind::Unknown { .. } => {}
        Kind::Unary(UnOp::Not, x) => collect_atoms(x, out),
        Kind::Binary(op, l, r) if op.is_connective() => {
            collect_atoms(l, out);
            collect_atoms(r, out);
        }
        Kind::Binary(BinOp::Eq | BinOp::Neq, l, r) if l.sort() == Sort::Bool => {
            collect_atoms(l, out);
            collect_atoms(r, out);
        }
        Kind::Ite(c, t, e) if t.sort() == Sort::Bool => {
            collect_atoms(c, out);
            collect_atoms(t, out);
            collect_atoms(e, out);
        }
        Kind::All { body, .. } => collect_atoms(body, out),
        _ => out.push(f.clone()),
    }
}

/// Removes duplicates, keeping first occurrences. Comparisons that differ only in the
/// order of their operands (`x != y` and `y != x`, `x < y` and `y > x`) are duplicates:
/// instantiating a template in every order gives both, and a second copy of a qualifier
/// doubles the valuations the strengthening has to go through for nothing.
fn dedup(fmls: impl IntoIterator<Item = Formula>) -> Vec<Formula> {
    let mut seen = FxHashSet::default();
    fmls.into_iter().filter(|f| seen.insert(oriented(f))).collect()
}

/// One representative of the formulas that differ from `f` only by the operand order of
/// its top comparison: `==` and `!=` with ordered operands, `>` and `>=` flipped.
fn oriented(f: &Formula) -> Formula {
    match f.kind() {
        Kind::Binary(op @ (BinOp::Eq | BinOp::Neq), l, r) if r < l => {
            Formula::binary(*op, r.clone(), l.clone())
        }
        Kind::Binary(BinOp::Gt, l, r) => Formula::binary(BinOp::Lt, r.clone(), l.clone()),
        Kind::Binary(BinOp::Ge, l, r) => Formula::binary(BinOp::Le, r.clone(), l.clone()),
        _ => f.clone(),
    }
}

/// The sorts annotating one node.
fn sorts_of_node(node: &Formula) -> Vec<&Sort> {
    match node.kind() {
        Kind::Var { sort, .. }
        | Kind::Pred { sort, .. }
        | Kind::Cons { sort, .. }
        | Kind::All { sort, .. } => {
            vec![sort]
        }
        Kind::SetLit { elem, .. } => vec![elem],
        _ => Vec::new(),
    }
}

/// The largest sort variable in the template and the actuals (or 0).
fn max_sort_var(template: &Formula, actuals: &[Formula]) -> SortVar {
    let mut max = SortVar(0);
    let mut note = |node: &Formula| {
        for sort in sorts_of_node(node) {
            if let Some(var) = sort.sort_vars().into_iter().next_back() {
                max = max.max(var);
            }
        }
    };
    template.visit(&mut note);
    actuals.iter().for_each(|actual| actual.visit(&mut note));
    max
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(name: &str, sort: Sort) -> Formula {
        Formula::var(name, sort)
    }

    fn strings(fmls: &[Formula]) -> Vec<String> {
        fmls.iter().map(ToString::to_string).collect()
    }

    fn scope() -> Vec<Formula> {
        vec![
            var("x", Sort::Int),
            var("y", Sort::Int),
            var("s", Sort::set(Sort::Int)),
            var("b", Sort::var("a")),
            var("c", Sort::var("a")),
        ]
    }

    #[test]
    fn condition_template_over_a_type_variable_matches_each_ordered_sort() {
        // From leq :: x:a -> y:a -> {Bool | _v == (x <= y)}.
        let a = Sort::var("a");
        let template = Formula::le(var("p", a.clone()), var("q", a));
        let quals = condition_qualifiers(&template, &scope());
        assert_eq!(strings(&quals), vec!["x <= y", "y <= x", "b <= c", "c <= b"]);
    }

    #[test]
    fn type_template_fixes_the_value_variable() {
        let template = Formula::lt(Formula::value_var(Sort::Int), var("n", Sort::Int));
        let value = Formula::value_var(Sort::Int);
        let quals = type_qualifiers(&template, &value, &scope());
        assert_eq!(strings(&quals), vec!["_v < x", "_v < y"]);
        // A template without `_v` is not a type qualifier.
        assert!(
            type_qualifiers(&Formula::lt(var("m", Sort::Int), var("n", Sort::Int)), &value, &scope())
                .is_empty()
        );
        // The value's sort constrains the flexible type variable of the template.
        let generic = Formula::lt(Formula::value_var(Sort::var("t")), var("n", Sort::var("t")));
        let at_a = type_qualifiers(&generic, &Formula::value_var(Sort::var("a")), &scope());
        assert_eq!(strings(&at_a), vec!["_v < b", "_v < c"]);
    }

    #[test]
    fn ill_sorted_and_trivial_instances_are_dropped() {
        let template = Formula::member(var("e", Sort::Int), var("t", Sort::set(Sort::Int)));
        assert_eq!(strings(&condition_qualifiers(&template, &scope())), vec!["x in s", "y in s"]);
        // Actuals with the same text as a literal comparison are trivial.
        let constants = vec![Formula::int(0), Formula::int(1)];
        let cmp = Formula::le(var("m", Sort::Int), var("n", Sort::Int));
        assert!(condition_qualifiers(&cmp, &constants).is_empty());
        assert!(is_trivial(&Formula::eq(var("x", Sort::Int), var("x", Sort::Int))));
        assert!(!is_trivial(&Formula::eq(var("x", Sort::Int), var("y", Sort::Int))));
    }

    #[test]
    fn instantiation_count_on_a_small_scope() {
        // Three placeholders over five actuals: only Int-sorted, distinct choices survive.
        let template =
            Formula::eq(var("m", Sort::Int), Formula::plus(var("n", Sort::Int), var("k", Sort::Int)));
        let mut actuals = scope();
        actuals.push(var("z", Sort::Int));
        // Three Int actuals for three distinct placeholders: 3! instances.
        assert_eq!(condition_qualifiers(&template, &actuals).len(), 6);
        let space = QualifierSpace::new(
            condition_qualifiers(&template, &actuals)
                .into_iter()
                .chain(condition_qualifiers(&template, &actuals)),
        );
        assert_eq!((space.len(), space.max_count), (6, 6));
    }

    #[test]
    fn comparisons_in_either_order_are_one_qualifier() {
        // From neq :: x:a -> y:a -> {Bool | _v == (x != y)}: both orders, one qualifier.
        let a = Sort::var("a");
        let template = Formula::neq(var("p", a.clone()), var("q", a));
        assert_eq!(strings(&condition_qualifiers(&template, &scope())), vec!["x != y", "b != c"]);
        let (x, y) = (var("x", Sort::Int), var("y", Sort::Int));
        let space = QualifierSpace::new([
            Formula::lt(x.clone(), y.clone()),
            Formula::gt(y.clone(), x.clone()),
            Formula::ge(x.clone(), y.clone()),
            Formula::le(y.clone(), x.clone()),
            Formula::eq(y.clone(), x.clone()),
            Formula::eq(x.clone(), y.clone()),
            Formula::lt(y, x),
        ]);
        assert_eq!(strings(&space.qualifiers), vec!["x < y", "x >= y", "y == x", "y < x"]);
    }

    #[test]
    fn atoms_of_a_specification() {
        let xs = var("xs", Sort::data("List", [Sort::Int]));
        let len = Formula::pred("len", Sort::Int, vec![xs]);
        let spec = Formula::and(
            Formula::implies(Formula::ge(len.clone(), Formula::int(0)), var("p", Sort::Bool)),
            !(Formula::lt(len.clone(), var("n", Sort::Int))),
        );
        assert_eq!(strings(&atoms(&spec)), vec!["len xs >= 0", "p", "len xs < n"]);
        assert!(is_data_equality(&Formula::eq(
            var("l", Sort::data("List", [])),
            var("m", Sort::data("List", []))
        ),));
    }
}
