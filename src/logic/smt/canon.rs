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
//!
//! Canonical forms are built node by node, so they share nothing with the formulas they
//! come from; but they share a great deal with each other. Over a whole search, the
//! canonical MUS queries of `IncList-Merge` (Synquid's defaults) ran to 244 000 nodes,
//! of which 1 078 were distinct, and those of `RBT-BalanceR` to 5.5 million, of which
//! 10 000 were distinct: renaming in order of occurrence turns the environments of
//! different branches and candidates into the same formulas. So canonical nodes go
//! through an [`Interner`], and a cache of canonical keys holds each distinct node once.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::logic::{Formula, Kind, Sort, Symbol};

/// One copy of each distinct formula built through it.
///
/// Not a global hash-consing table (see module `formula` for why not): each cache of
/// canonical keys owns one, and starts it over when it starts over itself.
#[derive(Default)]
pub(super) struct Interner {
    nodes: FxHashSet<Formula>,
}

impl Interner {
    /// The copy of `f` already held, or `f`, now held. Children of interned formulas are
    /// interned (or leaves shared with the original), so the equality test on a hit
    /// compares the children by address.
    fn intern(&mut self, f: Formula) -> Formula {
        if let Some(held) = self.nodes.get(&f) {
            return held.clone();
        }
        self.nodes.insert(f.clone());
        f
    }

    /// How many distinct formulas it holds.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn clear(&mut self) {
        self.nodes.clear();
    }
}

/// A renaming being built over one or more formulas (names are consistent across all the
/// formulas it is applied to), with the interner its nodes go through.
pub(super) struct Canonicalizer<'a> {
    names: FxHashMap<Symbol, Symbol>,
    /// The names renamed so far, in order of first occurrence: `'i` stands for `order[i]`.
    order: Vec<Symbol>,
    interner: &'a mut Interner,
}

impl<'a> Canonicalizer<'a> {
    pub fn new(interner: &'a mut Interner) -> Canonicalizer<'a> {
        Canonicalizer { names: FxHashMap::default(), order: Vec::new(), interner }
    }

    /// The names renamed, in order of first occurrence (the original of `'i` at `i`).
    pub fn into_order(self) -> Vec<Symbol> {
        self.order
    }

    fn name(&mut self, name: Symbol) -> Symbol {
        let next = self.names.len();
        *self.names.entry(name).or_insert_with(|| {
            self.order.push(name);
            Symbol::from(format!("'{next}").as_str())
        })
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
        self.interner.intern(Formula::new(kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(f: &Formula) -> Formula {
        Canonicalizer::new(&mut Interner::default()).formula(f)
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

    #[test]
    fn canonical_forms_through_one_interner_share_their_nodes() {
        let list = Sort::data("List", [Sort::var("a")]);
        let len = |x: &str| Formula::pred("len", Sort::Int, vec![Formula::var(x, list.clone())]);
        let mut interner = Interner::default();
        let f = canonical_with(&mut interner, &Formula::lt(len("xs"), len("ys")));
        let g = canonical_with(&mut interner, &Formula::lt(len("x7"), len("y9")));
        assert!(f.ptr_eq(&g), "alpha-equivalent formulas give the very same node");
        // `len '0 < len '0` shares the node `len '0` with them and adds only its root.
        let before = interner.len();
        let h = canonical_with(&mut interner, &Formula::lt(len("zs"), len("zs")));
        assert_eq!(interner.len(), before + 1);
        assert!(h.children().zip(f.children()).next().is_some_and(|(a, b)| a.ptr_eq(b)));
    }

    fn canonical_with(interner: &mut Interner, f: &Formula) -> Formula {
        Canonicalizer::new(interner).formula(f)
    }
}
