//! Formulas of the refinement logic.
//!
//! A [`Formula`] is an immutable tree behind an `Arc`. Each node stores a structural
//! hash computed once, when the node is built, from its own fields and its children's
//! stored hashes. That makes formulas cheap keys for the caches of the solver layer:
//! * hashing is O(1);
//! * two different formulas almost always differ in their stored hash, so inequality is
//!   O(1) in practice;
//! * equal formulas are often the *same* allocation, because every rewriting function
//!   here returns its input unchanged (the same `Arc`) when nothing changes, and equality
//!   checks pointer identity first.
//!
//! A node also stores, computed the same way, whether a quantifier occurs below it.
//!
//! Why not full hash-consing? A hash-consing table is global mutable state: every node
//! construction would take a lock shared by all synthesis threads (the portfolio runs
//! several configurations in parallel), and the table needs weak references and sweeping
//! to give memory back. The precomputed hash buys most of the benefit (cheap hashing, fast
//! inequality, pointer-equal sharing) without either cost.
//!
//! `Ord` is structural and deterministic: it compares variants in declaration order,
//! then fields, with symbols ordered by text. It never looks at addresses, so sets of
//! formulas iterate in the same order on every run.
//!
//! The submodules of the logic add operations: `subst` (substitution, free variables,
//! unknowns), `sorting` (sorts of formulas, well-sortedness) and `display` (printing in
//! `.sq` syntax).

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::{Arc, LazyLock};

use rustc_hash::FxBuildHasher;

use super::{Sort, Symbol};

/// The name of the value variable `_v` of a refinement.
pub const VALUE_VAR: &str = "_v";

/// A formula of the refinement logic. Cheap to clone, compare and hash.
#[derive(Clone)]
pub struct Formula(Arc<Node>);

struct Node {
    hash: u64,
    /// Whether the node or a node below it is a quantifier, computed like `hash`: the
    /// SMT layer asks it of every query (see `smt/ground`).
    quantified: bool,
    /// Whether a product of two non-literal terms occurs (outside the pending
    /// substitutions of unknowns): the SMT layer gives such queries a time limit, since
    /// Z3's nonlinear arithmetic does not stop at its work limit.
    nonlinear: bool,
    /// The type variables of the sorts in and below the node (the pending substitutions
    /// of unknowns included), as a mask of [`Symbol::mask_bit`]s: where it shares no bit
    /// with a set of type variables, none of them occurs, and sort substitutions and
    /// searches for type variables skip the whole node.
    type_vars: u64,
    /// Whether a constructor term occurs (outside the pending substitutions of
    /// unknowns): measure axioms are instances for constructor terms, and most formulas
    /// have none to look for.
    constructors: bool,
    /// Whether an unknown occurs (the node or one below it): the solver's passes over
    /// formulas (applying a solution, collecting unknowns) skip subtrees without one.
    unknowns: bool,
    kind: Kind,
}

/// The shape of a formula node.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Bool(bool),
    Int(i64),
    /// A first-order variable. The same name at two sorts denotes two variables.
    Var {
        name: Symbol,
        sort: Sort,
    },
    /// A liquid unknown (`U0`, `C3`, ...) with a pending substitution, applied to the
    /// unknown's qualifiers when its valuation is read. Unknowns are Boolean.
    Unknown {
        name: Symbol,
        subst: Substitution,
    },
    Unary(UnOp, Formula),
    Binary(BinOp, Formula, Formula),
    Ite(Formula, Formula, Formula),
    /// Application of a measure, a predicate or an uninterpreted function, with its
    /// result sort. Sort-polymorphic measures are distinguished by argument sorts too.
    Pred {
        name: Symbol,
        sort: Sort,
        args: Vec<Formula>,
    },
    /// A constructor term such as `Cons x xs`, with the datatype sort it builds.
    Cons {
        name: Symbol,
        sort: Sort,
        args: Vec<Formula>,
    },
    /// Universal quantification over one sorted variable.
    All {
        var: Symbol,
        sort: Sort,
        body: Formula,
    },
    /// A set literal `[e1, .., en]` with its element sort.
    SetLit {
        elem: Sort,
        elems: Vec<Formula>,
    },
}

/// Unary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UnOp {
    /// Boolean negation `!`.
    Not,
    /// Integer negation `-`.
    Neg,
}

/// Binary operators. Set operators are separate from their integer look-alikes: the
/// resolver decides by sort (`+` on sets is `Union`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BinOp {
    Times,
    Plus,
    Minus,
    Eq,
    Neq,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    Implies,
    Iff,
    Union,
    Intersect,
    Diff,
    Member,
    Subset,
}

impl BinOp {
    /// Whether the operator builds a Boolean from two non-Boolean operands (or compares
    /// Booleans for equality).
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Eq
                | BinOp::Neq
                | BinOp::Lt
                | BinOp::Le
                | BinOp::Gt
                | BinOp::Ge
                | BinOp::Member
                | BinOp::Subset
        )
    }

    /// Whether the operator is a Boolean connective.
    pub fn is_connective(self) -> bool {
        matches!(self, BinOp::And | BinOp::Or | BinOp::Implies | BinOp::Iff)
    }
}

/// A substitution of variables (by name) with formulas. Ordered, so it hashes and
/// compares deterministically when it is stored inside an unknown.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Substitution(BTreeMap<Symbol, Formula>);

impl Substitution {
    pub fn new() -> Substitution {
        Substitution::default()
    }

    /// The substitution `[name := value]`.
    pub fn single(name: impl Into<Symbol>, value: Formula) -> Substitution {
        Substitution(BTreeMap::from([(name.into(), value)]))
    }

    pub fn insert(&mut self, name: impl Into<Symbol>, value: Formula) {
        self.0.insert(name.into(), value);
    }

    pub fn get(&self, name: Symbol) -> Option<&Formula> {
        self.0.get(&name)
    }

    pub fn contains(&self, name: Symbol) -> bool {
        self.0.contains_key(&name)
    }

    pub fn remove(&mut self, name: Symbol) -> Option<Formula> {
        self.0.remove(&name)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The bindings in name order.
    pub fn iter(&self) -> impl Iterator<Item = (Symbol, &Formula)> {
        self.0.iter().map(|(name, value)| (*name, value))
    }
}

impl FromIterator<(Symbol, Formula)> for Substitution {
    fn from_iter<I: IntoIterator<Item = (Symbol, Formula)>>(iter: I) -> Substitution {
        Substitution(iter.into_iter().collect())
    }
}

/// The direct subformulas of a node (see [`Formula::children`]).
fn children_of(kind: &Kind) -> Children<'_> {
    match kind {
        Kind::Bool(_) | Kind::Int(_) | Kind::Var { .. } | Kind::Unknown { .. } => {
            Children::Fixed([None, None, None], 0)
        }
        Kind::Unary(_, f) | Kind::All { body: f, .. } => Children::Fixed([Some(f), None, None], 0),
        Kind::Binary(_, l, r) => Children::Fixed([Some(l), Some(r), None], 0),
        Kind::Ite(c, t, e) => Children::Fixed([Some(c), Some(t), Some(e)], 0),
        Kind::Pred { args, .. } | Kind::Cons { args, .. } => Children::Many(args.iter()),
        Kind::SetLit { elems, .. } => Children::Many(elems.iter()),
    }
}

static TRUE: LazyLock<Formula> = LazyLock::new(|| Formula::new(Kind::Bool(true)));
static FALSE: LazyLock<Formula> = LazyLock::new(|| Formula::new(Kind::Bool(false)));

impl Formula {
    /// Builds a node as given, without any simplification.
    pub fn new(kind: Kind) -> Formula {
        let hash = FxBuildHasher.hash_one(&kind);
        // What the node itself is; then whatever its children hold.
        let (quantifier, product) = match &kind {
            Kind::All { .. } => (true, false),
            Kind::Binary(BinOp::Times, l, r) => {
                (false, !matches!(l.kind(), Kind::Int(_)) && !matches!(r.kind(), Kind::Int(_)))
            }
            _ => (false, false),
        };
        let own_type_vars = match &kind {
            Kind::Var { sort, .. }
            | Kind::Pred { sort, .. }
            | Kind::Cons { sort, .. }
            | Kind::All { sort, .. } => sort.type_var_mask(),
            Kind::SetLit { elem, .. } => elem.type_var_mask(),
            Kind::Unknown { subst, .. } => {
                subst.iter().fold(0, |mask, (_, value)| mask | value.type_var_mask())
            }
            _ => 0,
        };
        let constructor = matches!(kind, Kind::Cons { .. });
        let unknown = matches!(kind, Kind::Unknown { .. });
        let (quantified, nonlinear, type_vars, constructors, unknowns) = children_of(&kind).fold(
            (quantifier, product, own_type_vars, constructor, unknown),
            |(q, n, t, c, u), child| {
                (
                    q || child.has_quantifier(),
                    n || child.is_nonlinear(),
                    t | child.type_var_mask(),
                    c || child.has_constructors(),
                    u || child.has_unknowns(),
                )
            },
        );
        Formula(Arc::new(Node { hash, quantified, nonlinear, type_vars, constructors, unknowns, kind }))
    }

    /// Whether a constructor term occurs (outside the pending substitutions of
    /// unknowns). O(1), like `has_quantifier`.
    pub fn has_constructors(&self) -> bool {
        self.0.constructors
    }

    /// Whether the formula contains an unknown. O(1), like `has_quantifier`.
    pub fn has_unknowns(&self) -> bool {
        self.0.unknowns
    }

    /// The type variables of the formula's sorts, as a mask of [`Symbol::mask_bit`]s
    /// (see `Node::type_vars`). O(1), like `has_quantifier`.
    pub fn type_var_mask(&self) -> u64 {
        self.0.type_vars
    }

    /// Whether a quantifier occurs in the formula (outside the pending substitutions of
    /// unknowns). O(1): stored when the node is built.
    pub fn has_quantifier(&self) -> bool {
        self.0.quantified
    }

    /// Whether a product of two terms neither of which is an integer literal occurs
    /// (outside the pending substitutions of unknowns). O(1), like `has_quantifier`.
    pub fn is_nonlinear(&self) -> bool {
        self.0.nonlinear
    }

    pub fn kind(&self) -> &Kind {
        &self.0.kind
    }

    /// Whether the two handles share one allocation (a sufficient test for equality).
    pub fn ptr_eq(&self, other: &Formula) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// One bit of 64 chosen by the formula's hash, for masks of sets of formulas: a set
    /// contains another only if its mask has every bit of the other's.
    pub fn mask_bit(&self) -> u64 {
        1 << (self.0.hash >> 58)
    }

    // ----- leaves -----

    pub fn tt() -> Formula {
        TRUE.clone()
    }

    pub fn ff() -> Formula {
        FALSE.clone()
    }

    pub fn bool(value: bool) -> Formula {
        if value { Formula::tt() } else { Formula::ff() }
    }

    pub fn int(value: i64) -> Formula {
        Formula::new(Kind::Int(value))
    }

    pub fn var(name: impl Into<Symbol>, sort: Sort) -> Formula {
        Formula::new(Kind::Var { name: name.into(), sort })
    }

    /// The value variable `_v` at the given sort.
    pub fn value_var(sort: Sort) -> Formula {
        Formula::var(VALUE_VAR, sort)
    }

    /// An unknown with an empty pending substitution.
    pub fn unknown(name: impl Into<Symbol>) -> Formula {
        Formula::unknown_with(name, Substitution::new())
    }

    pub fn unknown_with(name: impl Into<Symbol>, subst: Substitution) -> Formula {
        Formula::new(Kind::Unknown { name: name.into(), subst })
    }

    pub fn pred(name: impl Into<Symbol>, sort: Sort, args: Vec<Formula>) -> Formula {
        Formula::new(Kind::Pred { name: name.into(), sort, args })
    }

    pub fn cons(name: impl Into<Symbol>, sort: Sort, args: Vec<Formula>) -> Formula {
        Formula::new(Kind::Cons { name: name.into(), sort, args })
    }

    pub fn set_lit(elem: Sort, elems: Vec<Formula>) -> Formula {
        Formula::new(Kind::SetLit { elem, elems })
    }

    // ----- raw nodes (no simplification) -----

    pub fn unary(op: UnOp, operand: Formula) -> Formula {
        Formula::new(Kind::Unary(op, operand))
    }

    pub fn binary(op: BinOp, left: Formula, right: Formula) -> Formula {
        Formula::new(Kind::Binary(op, left, right))
    }

    // ----- smart constructors: trivial simplification only -----

    /// `l && r` with `true` as unit and `false` as zero.
    pub fn and(l: Formula, r: Formula) -> Formula {
        match (l.as_bool(), r.as_bool()) {
            (Some(false), _) | (_, Some(false)) => Formula::ff(),
            (Some(true), _) => r,
            (_, Some(true)) => l,
            _ => Formula::binary(BinOp::And, l, r),
        }
    }

    /// `l || r` with `false` as unit and `true` as zero.
    pub fn or(l: Formula, r: Formula) -> Formula {
        match (l.as_bool(), r.as_bool()) {
            (Some(true), _) | (_, Some(true)) => Formula::tt(),
            (Some(false), _) => r,
            (_, Some(false)) => l,
            _ => Formula::binary(BinOp::Or, l, r),
        }
    }

    /// `l ==> r`, folding Boolean literals on either side.
    pub fn implies(l: Formula, r: Formula) -> Formula {
        match (l.as_bool(), r.as_bool()) {
            (Some(false), _) | (_, Some(true)) => Formula::tt(),
            (Some(true), _) => r,
            (_, Some(false)) => !l,
            _ => Formula::binary(BinOp::Implies, l, r),
        }
    }

    /// `l <==> r`, folding Boolean literals on either side.
    pub fn iff(l: Formula, r: Formula) -> Formula {
        match (l.as_bool(), r.as_bool()) {
            (Some(true), _) => r,
            (_, Some(true)) => l,
            (Some(false), _) => !r,
            (_, Some(false)) => !l,
            _ => Formula::binary(BinOp::Iff, l, r),
        }
    }

    /// `if c then t else e`, folding a literal condition and equal branches.
    pub fn ite(c: Formula, t: Formula, e: Formula) -> Formula {
        match c.as_bool() {
            Some(true) => t,
            Some(false) => e,
            None if t == e => t,
            None => Formula::new(Kind::Ite(c, t, e)),
        }
    }

    /// `forall var: sort. body`; a quantifier whose variable does not occur in the body
    /// is dropped (unless the body holds unknowns, whose solutions might mention it).
    pub fn all(var: impl Into<Symbol>, sort: Sort, body: Formula) -> Formula {
        let var = var.into();
        if !body.has_free_var(var) && !body.has_unknowns() {
            return body;
        }
        Formula::new(Kind::All { var, sort, body })
    }

    pub fn eq(l: Formula, r: Formula) -> Formula {
        Formula::binary(BinOp::Eq, l, r)
    }

    pub fn neq(l: Formula, r: Formula) -> Formula {
        Formula::binary(BinOp::Neq, l, r)
    }

    pub fn lt(l: Formula, r: Formula) -> Formula {
        Formula::binary(BinOp::Lt, l, r)
    }

    pub fn le(l: Formula, r: Formula) -> Formula {
        Formula::binary(BinOp::Le, l, r)
    }

    pub fn gt(l: Formula, r: Formula) -> Formula {
        Formula::binary(BinOp::Gt, l, r)
    }

    pub fn ge(l: Formula, r: Formula) -> Formula {
        Formula::binary(BinOp::Ge, l, r)
    }

    pub fn plus(l: Formula, r: Formula) -> Formula {
        Formula::binary(BinOp::Plus, l, r)
    }

    pub fn minus(l: Formula, r: Formula) -> Formula {
        Formula::binary(BinOp::Minus, l, r)
    }

    pub fn times(l: Formula, r: Formula) -> Formula {
        Formula::binary(BinOp::Times, l, r)
    }

    pub fn union(l: Formula, r: Formula) -> Formula {
        Formula::binary(BinOp::Union, l, r)
    }

    pub fn intersect(l: Formula, r: Formula) -> Formula {
        Formula::binary(BinOp::Intersect, l, r)
    }

    pub fn diff(l: Formula, r: Formula) -> Formula {
        Formula::binary(BinOp::Diff, l, r)
    }

    pub fn member(elem: Formula, set: Formula) -> Formula {
        Formula::binary(BinOp::Member, elem, set)
    }

    pub fn subset(l: Formula, r: Formula) -> Formula {
        Formula::binary(BinOp::Subset, l, r)
    }

    /// The conjunction of `fmls`: nested conjunctions are flattened, `true` conjuncts and
    /// repeated conjuncts are dropped (the first occurrence is kept), a `false` conjunct
    /// makes the result `false`, and the rest is joined left-associatively.
    pub fn conjunction(fmls: impl IntoIterator<Item = Formula>) -> Formula {
        Formula::join(fmls, BinOp::And)
    }

    /// The disjunction of `fmls`, dual to [`Formula::conjunction`].
    pub fn disjunction(fmls: impl IntoIterator<Item = Formula>) -> Formula {
        Formula::join(fmls, BinOp::Or)
    }

    fn join(fmls: impl IntoIterator<Item = Formula>, op: BinOp) -> Formula {
        let unit = op == BinOp::And;
        let mut parts: Vec<Formula> = Vec::new();
        let mut absorbed = false;
        for fml in fmls {
            fml.each_operand(op, &mut |part| match part.as_bool() {
                Some(value) if value == unit => {}
                Some(_) => absorbed = true,
                None => parts.push(part.clone()),
            });
            if absorbed {
                return Formula::bool(!unit);
            }
        }
        let mut parts = without_repeats(parts).into_iter();
        match parts.next() {
            None => Formula::bool(unit),
            Some(first) => parts.fold(first, |acc, part| Formula::binary(op, acc, part)),
        }
    }

    /// The operands of a nested `op` chain, left to right.
    fn flatten(&self, op: BinOp) -> Vec<Formula> {
        let mut out = Vec::new();
        self.each_operand(op, &mut |part| out.push(part.clone()));
        out
    }

    /// Calls `f` on the operands of a nested `op` chain, left to right, without
    /// collecting them: joins visit hundreds of thousands of single facts.
    fn each_operand(&self, op: BinOp, f: &mut impl FnMut(&Formula)) {
        match self.kind() {
            Kind::Binary(o, l, r) if *o == op => {
                l.each_operand(op, f);
                r.each_operand(op, f);
            }
            _ => f(self),
        }
    }

    /// The conjuncts of a formula (`true` has none).
    pub fn conjuncts(&self) -> Vec<Formula> {
        if self.is_true() {
            return Vec::new();
        }
        self.flatten(BinOp::And)
    }

    /// The disjuncts of a formula (`false` has none).
    pub fn disjuncts(&self) -> Vec<Formula> {
        if self.is_false() {
            return Vec::new();
        }
        self.flatten(BinOp::Or)
    }

    // ----- inspection -----

    pub fn as_bool(&self) -> Option<bool> {
        match self.kind() {
            Kind::Bool(value) => Some(*value),
            _ => None,
        }
    }

    pub fn is_true(&self) -> bool {
        self.as_bool() == Some(true)
    }

    pub fn is_false(&self) -> bool {
        self.as_bool() == Some(false)
    }

    /// The name of a variable node.
    pub fn var_name(&self) -> Option<Symbol> {
        match self.kind() {
            Kind::Var { name, .. } => Some(*name),
            _ => None,
        }
    }

    /// The name of an unknown (`U3` for `U3 σ`).
    pub fn unknown_name(&self) -> Option<Symbol> {
        match self.kind() {
            Kind::Unknown { name, .. } => Some(*name),
            _ => None,
        }
    }

    /// The direct subformulas, left to right. The pending substitution of an unknown is
    /// not a child. (An iterator, not a vector: traversals call this on every node.)
    pub fn children(&self) -> Children<'_> {
        children_of(self.kind())
    }

    /// The number of nodes in the formula.
    pub fn size(&self) -> usize {
        1 + self.children().map(|child| child.size()).sum::<usize>()
    }
}

/// The direct subformulas of a node (see [`Formula::children`]).
pub enum Children<'a> {
    /// Up to three children, and how many have been returned.
    Fixed([Option<&'a Formula>; 3], usize),
    Many(std::slice::Iter<'a, Formula>),
}

/// `parts` with repeated formulas dropped (the first occurrence kept). Conjunctions of
/// a clause's premise run to dozens of operands and are joined all the time; a set sized
/// for them at once costs less than one grown as they come.
fn without_repeats(mut parts: Vec<Formula>) -> Vec<Formula> {
    if parts.len() <= 8 {
        // A few comparisons of stored hashes are cheaper than any set.
        let mut kept = 0;
        for i in 0..parts.len() {
            if !parts[..kept].contains(&parts[i]) {
                parts.swap(kept, i);
                kept += 1;
            }
        }
        parts.truncate(kept);
        return parts;
    }
    let mut seen: rustc_hash::FxHashSet<&Formula> =
        rustc_hash::FxHashSet::with_capacity_and_hasher(parts.len(), Default::default());
    let first: Vec<bool> = parts.iter().map(|part| seen.insert(part)).collect();
    drop(seen);
    parts.into_iter().zip(first).filter_map(|(part, first)| first.then_some(part)).collect()
}

impl<'a> Iterator for Children<'a> {
    type Item = &'a Formula;

    fn next(&mut self) -> Option<&'a Formula> {
        match self {
            Children::Fixed(slots, at) => {
                let next = slots.get(*at).copied().flatten();
                *at += 1;
                next
            }
            Children::Many(rest) => rest.next(),
        }
    }
}

/// `!f`, folding literals and double negation.
impl std::ops::Not for Formula {
    type Output = Formula;

    fn not(self) -> Formula {
        match self.kind() {
            Kind::Bool(value) => Formula::bool(!value),
            Kind::Unary(UnOp::Not, inner) => inner.clone(),
            _ => Formula::unary(UnOp::Not, self),
        }
    }
}

/// `-f`, folding integer literals (when the negation does not overflow) and double
/// negation.
impl std::ops::Neg for Formula {
    type Output = Formula;

    fn neg(self) -> Formula {
        match self.kind() {
            Kind::Int(value) => match value.checked_neg() {
                Some(negated) => Formula::int(negated),
                None => Formula::unary(UnOp::Neg, self),
            },
            Kind::Unary(UnOp::Neg, inner) => inner.clone(),
            _ => Formula::unary(UnOp::Neg, self),
        }
    }
}

impl PartialEq for Formula {
    fn eq(&self, other: &Formula) -> bool {
        self.ptr_eq(other) || (self.0.hash == other.0.hash && self.0.kind == other.0.kind)
    }
}

impl Eq for Formula {}

impl Hash for Formula {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.0.hash);
    }
}

impl PartialOrd for Formula {
    fn partial_cmp(&self, other: &Formula) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Formula {
    fn cmp(&self, other: &Formula) -> Ordering {
        if self.ptr_eq(other) { Ordering::Equal } else { self.0.kind.cmp(&other.0.kind) }
    }
}

impl fmt::Debug for Formula {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The `.sq` rendering is far easier to read in test failures than the node tree.
        write!(f, "`{self}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x() -> Formula {
        Formula::var("x", Sort::Int)
    }

    #[test]
    fn products_of_two_terms_are_nonlinear_wherever_they_occur() {
        let y = Formula::var("y", Sort::Int);
        let scaled = Formula::binary(BinOp::Times, Formula::int(2), x());
        assert!(!scaled.is_nonlinear());
        assert!(!Formula::ge(scaled, y.clone()).is_nonlinear());
        let product = Formula::binary(BinOp::Times, x(), y);
        assert!(product.is_nonlinear());
        assert!(Formula::ge(product.clone(), Formula::int(0)).is_nonlinear());
        assert!(!product.has_quantifier());
    }

    fn p() -> Formula {
        Formula::var("p", Sort::Bool)
    }

    fn q() -> Formula {
        Formula::var("q", Sort::Bool)
    }

    #[test]
    fn formulas_are_send_and_sync() {
        fn check<T: Send + Sync + 'static>() {}
        check::<Formula>();
        check::<Substitution>();
    }

    #[test]
    fn equal_structure_means_equal_hash_and_order() {
        let a = Formula::plus(x(), Formula::int(1));
        let b = Formula::plus(x(), Formula::int(1));
        assert!(!a.ptr_eq(&b));
        assert_eq!(a, b);
        assert_eq!(a.cmp(&b), Ordering::Equal);
        let hash = |f: &Formula| FxBuildHasher.hash_one(f);
        assert_eq!(hash(&a), hash(&b));
        assert_ne!(a, Formula::plus(Formula::int(1), x()));
    }

    #[test]
    fn order_is_structural() {
        // Variants compare in declaration order: literals before variables.
        assert!(Formula::tt() < Formula::int(0));
        assert!(Formula::var("a", Sort::Int) < Formula::var("b", Sort::Int));
        assert!(Formula::int(-3) < Formula::int(2));
    }

    #[test]
    fn smart_constructors_simplify_trivially() {
        assert_eq!(Formula::and(Formula::tt(), p()), p());
        assert_eq!(Formula::and(p(), Formula::ff()), Formula::ff());
        assert_eq!(Formula::or(Formula::ff(), p()), p());
        assert_eq!(Formula::or(p(), Formula::tt()), Formula::tt());
        assert_eq!(!(!p()), p());
        assert_eq!(!Formula::tt(), Formula::ff());
        assert_eq!(Formula::implies(Formula::tt(), p()), p());
        assert_eq!(Formula::implies(p(), Formula::ff()), !p());
        assert_eq!(-Formula::int(3), Formula::int(-3));
        assert_eq!((-Formula::int(i64::MIN)).to_string(), "-(-9223372036854775808)");
        assert_eq!(Formula::ite(p(), x(), x()), x());
        assert_eq!(Formula::all("y", Sort::Int, p()), p(), "vacuous quantifier dropped");
    }

    #[test]
    fn quantifiers_are_flagged_up_the_tree() {
        let y = Formula::var("y", Sort::Int);
        let all = Formula::all("y", Sort::Int, Formula::lt(x(), y));
        assert!(all.has_quantifier());
        assert!(Formula::and(p(), Formula::unary(UnOp::Not, all)).has_quantifier());
        assert!(!Formula::and(p(), Formula::lt(x(), x())).has_quantifier());
    }

    #[test]
    fn constructor_terms_are_flagged_up_the_tree_but_not_from_pending_substitutions() {
        let list = Sort::Data(Symbol::from("List"), Arc::from([]));
        let nil = Formula::cons("Nil", list.clone(), Vec::new());
        let len = |t: Formula| Formula::pred("len", Sort::Int, vec![t]);
        assert!(nil.has_constructors());
        assert!(Formula::and(p(), Formula::eq(len(nil.clone()), x())).has_constructors());
        assert!(!Formula::and(p(), Formula::eq(len(Formula::var("xs", list)), x())).has_constructors());
        let pending = Formula::unknown_with("U0", Substitution::single("ys", nil));
        assert!(!pending.has_constructors(), "pending substitutions are not part of the formula yet");
    }

    #[test]
    fn conjunction_flattens_dedups_and_short_circuits() {
        let nested = Formula::and(p(), Formula::and(q(), p()));
        let conj = Formula::conjunction([nested, Formula::tt(), q()]);
        assert_eq!(conj, Formula::binary(BinOp::And, p(), q()));
        assert_eq!(conj.conjuncts(), vec![p(), q()]);
        assert_eq!(Formula::conjunction([p(), Formula::ff()]), Formula::ff());
        assert_eq!(Formula::conjunction(Vec::new()), Formula::tt());
        assert_eq!(Formula::disjunction(Vec::new()), Formula::ff());
        assert!(Formula::tt().conjuncts().is_empty());
        let three = Formula::disjunction([p(), q(), !p()]);
        assert_eq!(three.disjuncts().len(), 3);
    }

    #[test]
    fn long_conjunctions_keep_first_occurrences_in_order() {
        // Few conjuncts are compared pairwise, many go through a set: the same result.
        for n in [5, 40] {
            let atom = |i: i64| Formula::gt(x(), Formula::int(i % n));
            let conj = Formula::conjunction((0..3 * n).map(atom));
            assert_eq!(conj.conjuncts(), (0..n).map(atom).collect::<Vec<_>>(), "{n} distinct conjuncts");
        }
    }
}
