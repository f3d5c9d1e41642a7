//! Measure instances for constructor terms, added lazily to solver queries.
//!
//! Constructor types carry `_v == C x1 .. xn`, which ties a value to a constructor term;
//! measures reach constructor terms only through the instances built here. For every
//! constructor term `C t1 .. tn` in a formula and every measure `m` of `C`'s datatype,
//! the instance is `m (C t1 .. tn) == body[x1 := t1, ..]`, where `C x1 .. xn -> body` is
//! `m`'s case for `C`; constant arguments of `m` are universally quantified. Doing this
//! per query, rather than refining constructor types eagerly, also covers constructor
//! terms written in specifications (`p (Cons x xs) _v`).

use std::collections::{BTreeMap, BTreeSet};

use super::program::Program;
use crate::logic::{Formula, Kind, Sort, Substitution, Symbol};

/// The measure instances of every constructor term in `formula`, deduplicated, in a
/// deterministic order.
pub fn constructor_axioms(program: &Program, formula: &Formula) -> Vec<Formula> {
    // Only the parts of the formula that hold constructor terms are searched.
    fn collect(f: &Formula, terms: &mut BTreeSet<Formula>) {
        if !f.has_constructors() {
            return;
        }
        if let Kind::Cons { .. } = f.kind() {
            terms.insert(f.clone());
        }
        f.children().for_each(|child| collect(child, terms));
    }
    let mut terms: BTreeSet<Formula> = BTreeSet::new();
    collect(formula, &mut terms);
    let mut axioms = Vec::new();
    for term in &terms {
        let Kind::Cons { name, sort, args } = term.kind() else { continue };
        let Some(ctor) = program.constructors.get(name) else { continue };
        let Some(datatype) = program.datatypes.get(&ctor.datatype) else { continue };
        // The constructor term's sort fixes the datatype's type parameters.
        let type_args: BTreeMap<Symbol, Sort> = match sort {
            Sort::Data(_, sorts) => datatype.params.iter().copied().zip(sorts.iter().cloned()).collect(),
            _ => BTreeMap::new(),
        };
        for measure in program.measures.values() {
            if !matches!(&measure.input, Sort::Data(d, _) if *d == ctor.datatype) {
                continue;
            }
            let Some(case) = measure.cases.iter().find(|c| c.constructor == *name) else { continue };
            if case.binders.len() != args.len() {
                continue;
            }
            let subst: Substitution = case
                .binders
                .iter()
                .zip(args)
                .filter(|(b, _)| b.as_str() != "_")
                .map(|(b, a)| (*b, a.clone()))
                .collect();
            let body = case.body.substitute_type_vars(&type_args).substitute(&subst);
            let result = measure.output.substitute_type_vars(&type_args);
            let consts: Vec<(Symbol, Sort)> =
                measure.const_args.iter().map(|(n, s)| (*n, s.substitute_type_vars(&type_args))).collect();
            let mut call_args: Vec<Formula> =
                consts.iter().map(|(n, s)| Formula::var(*n, s.clone())).collect();
            call_args.push(term.clone());
            let mut instance = Formula::eq(Formula::pred(measure.name, result, call_args), body);
            for (n, s) in consts.into_iter().rev() {
                instance = Formula::all(n, s, instance);
            }
            axioms.push(instance);
        }
    }
    axioms
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::resolved_program as program;

    const LIST: &str = "data List a where\n  Nil :: List a\n  Cons :: x: a -> xs: List a -> List a\n\
        termination measure len :: List a -> {Int | _v >= 0} where\n  Nil -> 0\n  Cons x xs -> 1 + len xs\n\
        measure elems :: List a -> Set a where\n  Nil -> []\n  Cons x xs -> [x] + elems xs\n\
        measure count :: v: a -> List a -> Int where\n  Nil -> 0\n  Cons x xs -> (if x == v then 1 else 0) + count v xs\n";

    #[test]
    fn every_measure_gets_an_instance_per_constructor_term() {
        let p = program(LIST);
        let list_int = Sort::data("List", [Sort::Int]);
        let y = Formula::var("y", Sort::Int);
        let ys = Formula::var("ys", list_int.clone());
        let cons = Formula::cons("Cons", list_int.clone(), vec![y, ys]);
        let nil = Formula::cons("Nil", list_int.clone(), vec![]);
        let f = Formula::eq(Formula::var("zs", list_int), cons);
        let axioms: Vec<String> = constructor_axioms(&p, &Formula::and(f, Formula::neq(nil.clone(), nil)))
            .iter()
            .map(|a| a.to_string())
            .collect();
        assert_eq!(
            axioms,
            [
                "forall v: Int. count v (Cons y ys) == (if y == v then 1 else 0) + count v ys",
                "elems (Cons y ys) == [y] + elems ys",
                "len (Cons y ys) == 1 + len ys",
                "forall v: Int. count v Nil == 0",
                "elems Nil == []",
                "len Nil == 0",
            ]
        );
    }
}
