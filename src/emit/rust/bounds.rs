//! Trait bounds: each generic item gets exactly the bounds its code uses.
//!
//! While an item is generated it records what it needs (a [`Needs`]): `Ord` where
//! values of a type parameter are compared with `<`, `Eq` for `==`, `Clone` where a
//! value is cloned, and the items it calls with their type arguments. Bounds then
//! follow calls to a fixpoint: calling `insert::<A>` from `sort` gives `sort` the
//! bounds of `insert` at `A`. A requirement on a datatype (`List<A>: Clone`) becomes
//! one on its arguments, because the datatype's impls are derived; `Ord` on a datatype
//! also makes it derive `PartialOrd, Ord`.

use std::collections::{BTreeMap, BTreeSet};

use crate::emit::ty::Ty;
use crate::logic::Symbol;
use crate::resolve::Program;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Trait {
    Clone,
    Eq,
    Ord,
}

/// A generic item of the emitted file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Item {
    Goal(Symbol),
    Derived(Symbol),
    /// A method of the components trait (its bounds are declared, not inferred).
    TraitMethod(Symbol),
    Measure(Symbol),
    Satisfies(Symbol),
    SmartCtor(Symbol),
    /// A recursive local function of a goal, lifted to the top level.
    Helper(Symbol, String),
}

#[derive(Clone, Debug, Default)]
pub struct Needs {
    direct: BTreeSet<(Symbol, Trait)>,
    calls: Vec<(Item, Vec<Ty>)>,
    ord_data: BTreeSet<Symbol>,
}

impl Needs {
    /// Values of type `t` need the trait.
    pub fn require(&mut self, t: &Ty, tr: Trait) {
        match t {
            Ty::Param(a) => {
                self.direct.insert((*a, tr));
            }
            Ty::Data(d, args) => {
                if tr == Trait::Ord {
                    self.ord_data.insert(*d);
                }
                for a in args {
                    self.require(a, tr);
                }
            }
            Ty::Int | Ty::Bool | Ty::Fun(..) | Ty::Meta(_) => {}
        }
    }

    /// The item calls `callee` with these type arguments (in the callee's order).
    pub fn call(&mut self, callee: Item, inst: Vec<Ty>) {
        if !self.calls.iter().any(|(i, t)| *i == callee && *t == inst) {
            self.calls.push((callee, inst));
        }
    }

    pub fn merge(&mut self, other: Needs) {
        self.direct.extend(other.direct);
        self.ord_data.extend(other.ord_data);
        for (i, t) in other.calls {
            self.call(i, t);
        }
    }
}

/// The solved bounds of every item, and the datatypes that must derive `Ord`.
#[derive(Debug, Default)]
pub struct Bounds {
    of: BTreeMap<Item, BTreeSet<(Symbol, Trait)>>,
    pub ord_data: BTreeSet<Symbol>,
}

impl Bounds {
    /// `items`: every item's type parameters and needs. `fixed`: the declared bounds of
    /// items whose bounds are not inferred (trait methods; also listed in `items`).
    pub fn solve(
        program: &Program,
        items: &BTreeMap<Item, (Vec<Symbol>, Needs)>,
        fixed: &BTreeMap<Item, BTreeSet<(Symbol, Trait)>>,
    ) -> Bounds {
        let mut of: BTreeMap<Item, BTreeSet<(Symbol, Trait)>> = fixed.clone();
        let mut ord_data: BTreeSet<Symbol> = BTreeSet::new();
        loop {
            let mut changed = false;
            for (item, (_, needs)) in items {
                let mut acc = Needs { direct: needs.direct.clone(), ..Needs::default() };
                acc.ord_data.extend(needs.ord_data.iter().copied());
                for (callee, inst) in &needs.calls {
                    let Some((params, _)) = items.get(callee) else { continue };
                    let callee_bounds = of.get(callee).cloned().unwrap_or_default();
                    for (p, tr) in callee_bounds {
                        if let Some(i) = params.iter().position(|q| *q == p)
                            && let Some(t) = inst.get(i)
                        {
                            acc.require(t, tr);
                        }
                    }
                }
                let entry = of.entry(item.clone()).or_default();
                for b in acc.direct {
                    changed |= entry.insert(b);
                }
                for d in acc.ord_data {
                    changed |= ord_data.insert(d);
                }
            }
            // A datatype deriving `Ord` needs its fields' datatypes to derive it too.
            for d in ord_data.clone() {
                for other in field_datatypes(program, d) {
                    changed |= ord_data.insert(other);
                }
            }
            if !changed {
                return Bounds { of, ord_data };
            }
        }
    }

    /// `A: Clone + Ord` for each type parameter with bounds, in parameter order.
    pub fn clauses(&self, item: &Item, params: &[(Symbol, String)]) -> Vec<String> {
        let set = self.of.get(item).cloned().unwrap_or_default();
        params
            .iter()
            .filter_map(|(p, name)| {
                let traits: BTreeSet<Trait> = set.iter().filter(|(q, _)| q == p).map(|(_, t)| *t).collect();
                (!traits.is_empty()).then(|| format!("{name}: {}", traits_str(&traits)))
            })
            .collect()
    }
}

/// `Clone + Ord`; `Eq` is implied by `Ord`.
pub fn traits_str(traits: &BTreeSet<Trait>) -> String {
    let mut out = Vec::new();
    if traits.contains(&Trait::Clone) {
        out.push("Clone");
    }
    if traits.contains(&Trait::Ord) {
        out.push("Ord");
    } else if traits.contains(&Trait::Eq) {
        out.push("Eq");
    }
    out.join(" + ")
}

fn field_datatypes(program: &Program, d: Symbol) -> Vec<Symbol> {
    let mut out = Vec::new();
    let Some(dt) = program.datatypes.get(&d) else { return out };
    for c in &dt.constructors {
        if let Some(def) = program.constructors.get(c) {
            for t in Ty::erase(&def.schema.ty).uncurry().0 {
                t.datatypes(&mut out);
            }
        }
    }
    out.retain(|x| *x != d);
    out
}
