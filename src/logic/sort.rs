//! Sorts: the types of the refinement logic.
//!
//! A refinement type `{B | φ}` erases to the sort of `B`: `Bool`, `Int`, a set sort, a
//! rigid type variable `a`, or a datatype sort `D s1 .. sn`. Sort *variables*
//! ([`SortVar`]) are the unknowns of sort inference. They appear while the resolver
//! infers the sorts of sort-polymorphic measures, and while qualifier templates taken
//! from polymorphic components are matched against the variables in scope. Type
//! variables, by contrast, are rigid: they unify only with themselves.
//!
//! Unification works on a [`SortSubst`] (a triangular substitution: a variable's binding
//! may mention other bound variables, and [`Sort::apply`] resolves chains) and performs
//! the occurs check, so `?0 ~ Set ?0` fails instead of building an infinite sort.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use super::Symbol;

/// A sort variable of sort inference, written `?n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SortVar(pub u32);

/// A sort of the logic.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Sort {
    Bool,
    Int,
    /// Finite sets of elements of the given sort.
    Set(Arc<Sort>),
    /// A rigid (bound) type variable. Type-variable sorts are *ordered*: `<` on them is
    /// legal and is interpreted as integer order by the SMT encoding.
    Var(Symbol),
    /// A datatype applied to sort arguments, such as `List Int`.
    Data(Symbol, Arc<[Sort]>),
    /// A sort variable, solved by unification.
    Meta(SortVar),
}

/// A substitution of sort variables, built up by [`unify`].
pub type SortSubst = BTreeMap<SortVar, Sort>;

/// Why two sorts do not unify.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SortError {
    /// The two sorts have different shapes (after applying the substitution).
    Mismatch { left: Sort, right: Sort },
    /// Binding the variable would make the sort infinite.
    Occurs { var: SortVar, sort: Sort },
    /// Two lists of sorts (say, argument sorts) have different lengths.
    Arity { left: usize, right: usize },
}

impl fmt::Display for SortError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SortError::Mismatch { left, right } => {
                write!(f, "sort `{left}` does not match sort `{right}`")
            }
            SortError::Occurs { var, sort } => {
                write!(f, "sort variable `{}` occurs in `{sort}` (infinite sort)", Sort::Meta(*var))
            }
            SortError::Arity { left, right } => {
                write!(f, "{left} sorts do not match {right} sorts")
            }
        }
    }
}

impl std::error::Error for SortError {}

/// A source of fresh sort variables. The resolver owns one per file so that numbering
/// is deterministic.
#[derive(Clone, Debug, Default)]
pub struct SortVarSupply {
    next: u32,
}

impl SortVarSupply {
    /// A supply whose variables are all greater than `var`.
    pub fn after(var: SortVar) -> SortVarSupply {
        SortVarSupply { next: var.0.saturating_add(1) }
    }

    /// A sort variable never returned before by this supply.
    pub fn fresh(&mut self) -> SortVar {
        let var = SortVar(self.next);
        self.next += 1;
        var
    }
}

impl Sort {
    /// `Set elem`.
    pub fn set(elem: Sort) -> Sort {
        Sort::Set(Arc::new(elem))
    }

    /// A datatype sort `name args`.
    pub fn data(name: impl Into<Symbol>, args: impl IntoIterator<Item = Sort>) -> Sort {
        Sort::Data(name.into(), args.into_iter().collect())
    }

    /// A rigid type-variable sort.
    pub fn var(name: impl Into<Symbol>) -> Sort {
        Sort::Var(name.into())
    }

    /// The element sort of a set sort.
    pub fn elem(&self) -> Option<&Sort> {
        match self {
            Sort::Set(elem) => Some(elem),
            _ => None,
        }
    }

    pub fn is_set(&self) -> bool {
        matches!(self, Sort::Set(_))
    }

    /// Whether `<`, `<=`, `>` and `>=` are allowed at this sort: `Int` and type variables.
    pub fn is_ordered(&self) -> bool {
        matches!(self, Sort::Int | Sort::Var(_))
    }

    /// Whether the sort contains no sort variables.
    pub fn is_ground(&self) -> bool {
        match self {
            Sort::Bool | Sort::Int | Sort::Var(_) => true,
            Sort::Set(elem) => elem.is_ground(),
            Sort::Data(_, args) => args.iter().all(Sort::is_ground),
            Sort::Meta(_) => false,
        }
    }

    /// The rigid type variables occurring in the sort.
    pub fn type_vars(&self) -> BTreeSet<Symbol> {
        let mut out = BTreeSet::new();
        self.collect(&mut |sort| {
            if let Sort::Var(name) = sort {
                out.insert(*name);
            }
        });
        out
    }

    /// The sort variables occurring in the sort.
    pub fn sort_vars(&self) -> BTreeSet<SortVar> {
        let mut out = BTreeSet::new();
        self.collect(&mut |sort| {
            if let Sort::Meta(var) = sort {
                out.insert(*var);
            }
        });
        out
    }

    /// The type variables of the sort, as a mask of their [`Symbol::mask_bit`]s.
    pub fn type_var_mask(&self) -> u64 {
        match self {
            Sort::Var(name) => name.mask_bit(),
            Sort::Set(elem) => elem.type_var_mask(),
            Sort::Data(_, args) => args.iter().fold(0, |mask, arg| mask | arg.type_var_mask()),
            Sort::Bool | Sort::Int | Sort::Meta(_) => 0,
        }
    }

    /// Whether some type variable of the sort satisfies `pred` (without collecting them).
    pub fn mentions_type_var(&self, pred: &impl Fn(Symbol) -> bool) -> bool {
        match self {
            Sort::Var(name) => pred(*name),
            Sort::Set(elem) => elem.mentions_type_var(pred),
            Sort::Data(_, args) => args.iter().any(|arg| arg.mentions_type_var(pred)),
            Sort::Bool | Sort::Int | Sort::Meta(_) => false,
        }
    }

    fn collect(&self, visit: &mut impl FnMut(&Sort)) {
        visit(self);
        match self {
            Sort::Set(elem) => elem.collect(visit),
            Sort::Data(_, args) => args.iter().for_each(|arg| arg.collect(visit)),
            Sort::Bool | Sort::Int | Sort::Var(_) | Sort::Meta(_) => {}
        }
    }

    /// Rebuilds the sort bottom-up, replacing each leaf for which `leaf` answers `Some`.
    pub fn map_leaves(&self, leaf: &impl Fn(&Sort) -> Option<Sort>) -> Sort {
        if let Some(replacement) = leaf(self) {
            return replacement;
        }
        // Unchanged parts are shared, not rebuilt: most sorts mention no variable that
        // a substitution touches, and the checker maps the sorts of every clause.
        match self {
            Sort::Set(elem) => {
                let mapped = elem.map_leaves(leaf);
                if mapped == **elem { self.clone() } else { Sort::set(mapped) }
            }
            Sort::Data(name, args) => {
                let mapped: Vec<Sort> = args.iter().map(|arg| arg.map_leaves(leaf)).collect();
                if mapped[..] == args[..] { self.clone() } else { Sort::Data(*name, mapped.into()) }
            }
            Sort::Bool | Sort::Int | Sort::Var(_) | Sort::Meta(_) => self.clone(),
        }
    }

    /// Applies a sort-variable substitution, following chains of bindings.
    pub fn apply(&self, subst: &SortSubst) -> Sort {
        if subst.is_empty() {
            return self.clone();
        }
        self.map_leaves(&|sort| match sort {
            Sort::Meta(var) => subst.get(var).map(|bound| bound.apply(subst)),
            _ => None,
        })
    }

    /// Replaces rigid type variables, as when a polymorphic signature is instantiated.
    pub fn substitute_type_vars(&self, subst: &BTreeMap<Symbol, Sort>) -> Sort {
        if subst.is_empty() {
            return self.clone();
        }
        self.map_leaves(&|sort| match sort {
            Sort::Var(name) => subst.get(name).cloned(),
            _ => None,
        })
    }
}

/// Unifies two sorts, extending `subst`. On failure `subst` may hold bindings made
/// before the failing point; callers that backtrack should unify on a copy.
pub fn unify(left: &Sort, right: &Sort, subst: &mut SortSubst) -> Result<(), SortError> {
    let left = resolve_head(left, subst);
    let right = resolve_head(right, subst);
    match (&left, &right) {
        (Sort::Meta(a), Sort::Meta(b)) if a == b => Ok(()),
        (Sort::Meta(var), other) | (other, Sort::Meta(var)) => bind(*var, other, subst),
        (Sort::Bool, Sort::Bool) | (Sort::Int, Sort::Int) => Ok(()),
        (Sort::Var(a), Sort::Var(b)) if a == b => Ok(()),
        (Sort::Set(a), Sort::Set(b)) => unify(a, b, subst),
        (Sort::Data(a, args_a), Sort::Data(b, args_b)) if a == b && args_a.len() == args_b.len() => {
            args_a.iter().zip(args_b.iter()).try_for_each(|(x, y)| unify(x, y, subst))
        }
        _ => Err(SortError::Mismatch { left: left.apply(subst), right: right.apply(subst) }),
    }
}

/// Unifies two lists of sorts pointwise (the lists must have equal length).
pub fn unify_all(left: &[Sort], right: &[Sort], subst: &mut SortSubst) -> Result<(), SortError> {
    if left.len() != right.len() {
        return Err(SortError::Arity { left: left.len(), right: right.len() });
    }
    left.iter().zip(right).try_for_each(|(l, r)| unify(l, r, subst))
}

/// Follows variable bindings at the head of `sort` only.
fn resolve_head(sort: &Sort, subst: &SortSubst) -> Sort {
    let mut current = sort.clone();
    while let Sort::Meta(var) = current {
        match subst.get(&var) {
            Some(bound) => current = bound.clone(),
            None => break,
        }
    }
    current
}

fn bind(var: SortVar, sort: &Sort, subst: &mut SortSubst) -> Result<(), SortError> {
    let sort = sort.apply(subst);
    if sort.sort_vars().contains(&var) {
        return Err(SortError::Occurs { var, sort });
    }
    subst.insert(var, sort);
    Ok(())
}

impl fmt::Display for Sort {
    /// Prints in `.sq` spelling: `Int`, `Set a`, `List (Set Int)`; sort variables as `?n`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Sort::Bool => f.write_str("Bool"),
            Sort::Int => f.write_str("Int"),
            Sort::Var(name) => write!(f, "{name}"),
            Sort::Meta(var) => write!(f, "?{}", var.0),
            Sort::Set(elem) => write!(f, "Set {}", Atom(elem)),
            Sort::Data(name, args) => {
                write!(f, "{name}")?;
                args.iter().try_for_each(|arg| write!(f, " {}", Atom(arg)))
            }
        }
    }
}

/// A sort in argument position: parenthesised when it is an application.
struct Atom<'a>(&'a Sort);

impl fmt::Display for Atom<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Sort::Set(_) => write!(f, "({})", self.0),
            Sort::Data(_, args) if !args.is_empty() => write!(f, "({})", self.0),
            _ => write!(f, "{}", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(elem: Sort) -> Sort {
        Sort::data("List", [elem])
    }

    #[test]
    fn display_uses_sq_spelling() {
        assert_eq!(Sort::set(Sort::var("a")).to_string(), "Set a");
        assert_eq!(list(Sort::Int).to_string(), "List Int");
        assert_eq!(list(Sort::set(Sort::Int)).to_string(), "List (Set Int)");
        assert_eq!(Sort::set(list(Sort::var("a"))).to_string(), "Set (List a)");
        assert_eq!(Sort::data("Nat", []).to_string(), "Nat");
        assert_eq!(Sort::set(Sort::data("Nat", [])).to_string(), "Set Nat");
    }

    #[test]
    fn unification_solves_variables_through_chains() {
        let mut supply = SortVarSupply::default();
        let (a, b) = (supply.fresh(), supply.fresh());
        let mut subst = SortSubst::new();
        unify(&Sort::Meta(a), &Sort::Meta(b), &mut subst).expect("two variables unify");
        unify(&Sort::set(Sort::Meta(b)), &Sort::set(list(Sort::Int)), &mut subst).expect("b := List Int");
        assert_eq!(Sort::Meta(a).apply(&subst), list(Sort::Int));
    }

    #[test]
    fn rigid_type_variables_only_unify_with_themselves() {
        let mut subst = SortSubst::new();
        assert!(unify(&Sort::var("a"), &Sort::var("a"), &mut subst).is_ok());
        assert!(matches!(unify(&Sort::var("a"), &Sort::Int, &mut subst), Err(SortError::Mismatch { .. })));
        assert!(unify(&list(Sort::Int), &Sort::data("List", []), &mut subst).is_err());
    }

    #[test]
    fn occurs_check_rejects_infinite_sorts() {
        let var = SortVar(7);
        let mut subst = SortSubst::new();
        let err = unify(&Sort::Meta(var), &Sort::set(Sort::Meta(var)), &mut subst);
        assert_eq!(err, Err(SortError::Occurs { var, sort: Sort::set(Sort::Meta(var)) }));
        assert!(subst.is_empty());
    }

    #[test]
    fn lists_of_sorts_unify_pointwise() {
        let mut supply = SortVarSupply::after(SortVar(4));
        let var = supply.fresh();
        assert_eq!(var, SortVar(5));
        let mut subst = SortSubst::new();
        unify_all(&[Sort::Meta(var), Sort::Int], &[Sort::Bool, Sort::Int], &mut subst)
            .expect("pointwise unifiable");
        assert_eq!(Sort::Meta(var).apply(&subst), Sort::Bool);
        assert_eq!(unify_all(&[Sort::Int], &[], &mut subst), Err(SortError::Arity { left: 1, right: 0 }));
    }

    #[test]
    fn ordered_sorts_are_int_and_type_variables() {
        assert!(Sort::Int.is_ordered());
        assert!(Sort::var("a").is_ordered());
        assert!(!Sort::Bool.is_ordered());
        assert!(!Sort::set(Sort::Int).is_ordered());
    }
}
