//! Canonical forms of queries, for the cache.
//!
//! The synthesizer asks the same question many times under different names: the same
//! candidate checked in two branches mentions `x7` in one and `x9` in the other, and
//! every instantiation of a component renames its parameters afresh (`xs12'`, `xs15'`).
//! Satisfiability does not depend on the names of variables or of type-variable sorts,
//! so a query is cached under a canonical form in which they are renamed, injectively,
//! in order of first occurrence (`'0`, `'1`, ...; no user name can look like that).
//! Measures, predicates, constructors and datatypes keep their names: they are
//! interpreted, or shared across queries through their axioms.

use rustc_hash::FxHashMap;

use crate::logic::{Formula, Kind, Sort, Symbol};

/// A renaming being built over one or more formulas (names are consistent across all the
/// formulas it is applied to).
#[derive(Default)]
pub(super) struct Canonicalizer {
    names: FxHashMap<Symbol, Symbol>,
}

impl Canonicalizer {
    fn name(&mut self, name: Symbol) -> Symbol {
        let next = self.names.len();
        *self.names.entry(name).or_insert_with(|| Symbol::from(format!("'{next}").as_str()))
    }

    fn sort(&mut self, sort: &Sort) -> Sort {
        match sort {
            Sort::Bool | Sort::Int | Sort::Meta(_) => sort.clone(),
            Sort::Var(a) => Sort::Var(self.name(*a)),
            Sort::Set(elem) => Sort::set(self.sort(elem)),
            Sort::Data(name, args) => {
                Sort::data(*name, args.iter().map(|s| self.sort(s)).collect::<Vec<_>>())
            }
        }
    }

    /// The formula with its variables and type-variable sorts renamed.
    pub fn formula(&mut self, f: &Formula) -> Formula {
        let kind = match f.kind() {
            Kind::Bool(_) | Kind::Int(_) | Kind::Unknown { .. } => return f.clone(),
            Kind::Var { name, sort } => Kind::Var { name: self.name(*name), sort: self.sort(sort) },
            Kind::Unary(op, a) => Kind::Unary(*op, self.formula(a)),
            Kind::Binary(op, a, b) => {
                let a = self.formula(a);
                Kind::Binary(*op, a, self.formula(b))
            }
            Kind::Ite(c, t, e) => {
                let c = self.formula(c);
                let t = self.formula(t);
                Kind::Ite(c, t, self.formula(e))
            }
            Kind::Pred { name, sort, args } => Kind::Pred {
                name: *name,
                sort: self.sort(sort),
                args: args.iter().map(|a| self.formula(a)).collect(),
            },
            Kind::Cons { name, sort, args } => Kind::Cons {
                name: *name,
                sort: self.sort(sort),
                args: args.iter().map(|a| self.formula(a)).collect(),
            },
            Kind::All { var, sort, body } => {
                Kind::All { var: self.name(*var), sort: self.sort(sort), body: self.formula(body) }
            }
            Kind::SetLit { elem, elems } => {
                Kind::SetLit { elem: self.sort(elem), elems: elems.iter().map(|e| self.formula(e)).collect() }
            }
        };
        Formula::new(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(f: &Formula) -> Formula {
        Canonicalizer::default().formula(f)
    }

    #[test]
    fn alpha_equivalent_formulas_have_one_canonical_form() {
        let list = |a: &str| Sort::data("List", [Sort::var(a)]);
        let len = |x: &str, a: &str| Formula::pred("len", Sort::Int, vec![Formula::var(x, list(a))]);
        let f = Formula::lt(len("xs12'", "A3'"), len("ys", "A3'"));
        let g = Formula::lt(len("zs", "b"), len("x7", "b"));
        let h = Formula::lt(len("zs", "b"), len("zs", "b"));
        assert_eq!(canonical(&f), canonical(&g));
        assert_ne!(canonical(&f), canonical(&h), "renaming is injective");
        assert_eq!(canonical(&f).to_string(), "len '0 < len '2");
    }
}
