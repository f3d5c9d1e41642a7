//! The typing environment Γ, and its embedding into the logic.
//!
//! Γ is persistent (imbl maps and vectors): extending it for a branch or a case is O(log
//! n) and leaves the parent untouched, which is what a backtracking search needs. Every
//! map is ordered, so enumerating "the variables in scope" is deterministic.
//!
//! ```text
//! insert :: x: a -> t: BST a -> {BST a | telems _v == telems t + [x]}
//! ```
//! checked under `\x . \t . match t with Node y l r -> ...` gives, in the `Node` case,
//! `Γ = x: a, t: BST a, y: a, l: BST {a | _v < y}, r: BST {a | y < _v}` with the
//! assumption `t == Node y l r`. Its embedding for a clause mentioning `l` includes
//! `∀ e. e ∈ telems l ⇒ e < y` (an element property) and `size l >= 0` (a measure
//! postcondition).

use std::collections::BTreeSet;

use imbl::{OrdMap, OrdSet, Vector};
use rustc_hash::FxHashSet;

use crate::logic::{Formula, Sort, Substitution, Symbol};
use crate::resolve::Program;
use crate::types::{BaseType, RType, Schema};

/// A typing environment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Env {
    /// Local variables with their types, and the order they were bound in.
    vars: OrdMap<Symbol, Binding>,
    order: Vector<Symbol>,
    /// Global symbols usable as program terms: components, constructors, the goal itself.
    globals: OrdMap<Symbol, Schema>,
    /// Type variables bound by the goal's schema; rigid in its body.
    type_vars: OrdSet<Symbol>,
    /// Predicate variables bound by the goal's schema, with their argument sorts.
    preds: OrdMap<Symbol, Vec<Sort>>,
    /// Path conditions and other facts that hold here.
    assumptions: Vector<Formula>,
    /// Variables whose values are not known yet: the arguments still missing from a
    /// partial application that the synthesizer is checking (Synquid's `AnyT`). A clause
    /// that depends on one of them holds vacuously: its embedding is `false`.
    opaque: OrdSet<Symbol>,
    /// Variables that exist only in the logic: names given to the values of terms that
    /// are not variables (application arguments, match scrutinees). They carry facts but
    /// are never used in programs or as qualifier actuals.
    ghosts: OrdSet<Symbol>,
}

/// A local variable's type, with the facts it contributes to embeddings, computed the
/// first time they are needed. Every clause embeds the variables it mentions, and a
/// variable is embedded in many clauses: its refinement and measure facts are the same
/// each time.
#[derive(Clone, Debug)]
struct Binding {
    ty: RType,
    facts: std::sync::Arc<std::sync::OnceLock<VarFacts>>,
}

/// What a variable contributes to an embedding (see [`Env::embedding`]).
#[derive(Debug)]
struct VarFacts {
    /// Its refinement and the postconditions of its measures (without `true`).
    plain: Vec<Fact>,
    /// The element properties of its set-valued measures, by measure.
    elements: Vec<(Symbol, Fact)>,
}

/// A fact with what an embedding looks up in it, found once: an embedding visits the
/// same facts for every clause of a search.
#[derive(Clone, Debug)]
struct Fact {
    formula: Formula,
    /// Its free variables, when it has no unknowns (otherwise the variables it may
    /// mention depend on the unknowns' qualifiers, which the embedding's caller knows).
    vars: Option<Vec<Symbol>>,
    /// The measures and predicates it applies.
    applied: Vec<Symbol>,
}

impl Fact {
    fn new(formula: Formula) -> Fact {
        let vars = (!formula.has_unknowns()).then(|| formula.free_var_names().into_iter().collect());
        let mut applied = Vec::new();
        formula.collect_applied_functions(&mut applied);
        Fact { formula, vars, applied }
    }
}

impl Binding {
    fn new(ty: RType) -> Binding {
        Binding { ty, facts: std::sync::Arc::default() }
    }

    /// The facts of variable `name` bound here (none if its type has no sort, as a
    /// function's). An environment belongs to the program its globals come from, which
    /// is the `program` every embedding of it is given.
    fn facts(&self, program: &Program, name: Symbol) -> &VarFacts {
        self.facts.get_or_init(|| {
            let Some(sort) = self.ty.sort() else {
                return VarFacts { plain: Vec::new(), elements: Vec::new() };
            };
            let me = Formula::var(name, sort);
            let mut plain = vec![self.ty.refinement().substitute(&Substitution::single("_v", me.clone()))];
            let (measures, elements) = measure_facts(program, &me, &self.ty, true);
            plain.extend(measures);
            plain.retain(|f| !f.is_true());
            VarFacts {
                plain: plain.into_iter().map(Fact::new).collect(),
                elements: elements.into_iter().map(|(measure, f)| (measure, Fact::new(f))).collect(),
            }
        })
    }
}

/// Bindings compare by type: the facts are derived from it.
impl PartialEq for Binding {
    fn eq(&self, other: &Binding) -> bool {
        self.ty == other.ty
    }
}

impl Eq for Binding {}

impl Env {
    pub fn new() -> Env {
        Env::default()
    }

    /// Binds a local variable (shadowing any earlier one of the same name).
    #[must_use]
    pub fn bind(&self, name: Symbol, ty: RType) -> Env {
        let mut env = self.clone();
        env.vars.insert(name, Binding::new(ty));
        env.order.retain(|n| *n != name);
        env.order.push_back(name);
        env
    }

    /// Binds a variable whose value is not known yet (see the `opaque` field).
    #[must_use]
    pub fn bind_opaque(&self, name: Symbol, ty: RType) -> Env {
        let mut env = self.bind(name, ty);
        env.opaque.insert(name);
        env
    }

    /// Binds a ghost (see the `ghosts` field).
    #[must_use]
    pub fn bind_ghost(&self, name: Symbol, ty: RType) -> Env {
        let mut env = self.bind(name, ty);
        env.ghosts.insert(name);
        env
    }

    /// Makes a local a ghost: its value and the facts about it stay known, but programs
    /// below may no longer use it.
    #[must_use]
    pub fn hide(&self, name: Symbol) -> Env {
        let mut env = self.clone();
        if env.vars.contains_key(&name) {
            env.ghosts.insert(name);
        }
        env
    }

    pub fn is_ghost(&self, name: Symbol) -> bool {
        self.ghosts.contains(&name)
    }

    #[must_use]
    pub fn with_global(&self, name: Symbol, schema: Schema) -> Env {
        let mut env = self.clone();
        env.globals.insert(name, schema);
        env
    }

    #[must_use]
    pub fn with_type_var(&self, name: Symbol) -> Env {
        let mut env = self.clone();
        env.type_vars.insert(name);
        env
    }

    #[must_use]
    pub fn with_pred(&self, name: Symbol, sorts: Vec<Sort>) -> Env {
        let mut env = self.clone();
        env.preds.insert(name, sorts);
        env
    }

    /// Adds a fact that holds at this point (trivial facts are dropped).
    #[must_use]
    pub fn assume(&self, fact: Formula) -> Env {
        if fact.is_true() {
            return self.clone();
        }
        let mut env = self.clone();
        env.assumptions.push_back(fact);
        env
    }

    pub fn local(&self, name: Symbol) -> Option<&RType> {
        self.vars.get(&name).map(|b| &b.ty)
    }

    pub fn global(&self, name: Symbol) -> Option<&Schema> {
        self.globals.get(&name)
    }

    /// Local variables in binding order.
    pub fn locals(&self) -> impl Iterator<Item = (Symbol, &RType)> {
        self.order.iter().filter_map(|n| self.vars.get(n).map(|b| (*n, &b.ty)))
    }

    pub fn globals(&self) -> impl Iterator<Item = (Symbol, &Schema)> {
        self.globals.iter().map(|(n, s)| (*n, s))
    }

    pub fn type_vars(&self) -> impl Iterator<Item = Symbol> + '_ {
        self.type_vars.iter().copied()
    }

    pub fn preds(&self) -> impl Iterator<Item = (Symbol, &Vec<Sort>)> {
        self.preds.iter().map(|(n, s)| (*n, s))
    }

    pub fn assumptions(&self) -> impl Iterator<Item = &Formula> {
        self.assumptions.iter()
    }

    /// The scalar local variables as logic variables, in binding order, ghosts and
    /// opaque variables excepted: what qualifiers are instantiated over.
    pub fn scalar_vars(&self) -> Vec<Formula> {
        self.locals()
            .filter(|(n, _)| !self.ghosts.contains(n) && !self.opaque.contains(n))
            .filter_map(|(n, t)| t.sort().map(|s| Formula::var(n, s)))
            .collect()
    }

    /// The logical content of Γ relevant to `formulas`: the assumptions, and for every
    /// variable the formulas mention (closed transitively through the refinements added)
    /// its refinement, the postconditions of the measures of its datatype, and, when
    /// `element_properties` is set, the properties its datatype's type arguments give to
    /// the elements of its set-valued measures.
    ///
    /// Which variables a formula mentions is `vars(f)`: its free variables plus, for each
    /// unknown in it, the variables its valuations may mention (see [`Env::all_vars`] for the
    /// coarsest answer). For the variables' own facts without unknowns, the free
    /// variables are known in advance and `vars` is not asked. If an opaque variable is
    /// relevant, the embedding is `false`.
    pub fn embedding(
        &self,
        program: &Program,
        formulas: &[&Formula],
        element_properties: bool,
        vars: &dyn Fn(&Formula) -> Vec<Symbol>,
    ) -> Formula {
        let mut facts: Vec<Formula> = self.assumptions.iter().cloned().collect();
        let mut pending: Vec<Symbol> = Vec::new();
        let mut relevant: FxHashSet<Symbol> = FxHashSet::default();
        // Element properties wait until their measure is mentioned: a quantified fact
        // about `elems x` says nothing to a clause about lengths, and quantifiers are
        // what makes a query slow or undecided.
        let mut waiting: Vec<(Symbol, Fact)> = Vec::new();
        let mut mentioned: BTreeSet<Symbol> = BTreeSet::new();
        let mut applied = Vec::new();
        for f in formulas.iter().copied().chain(self.assumptions.iter()) {
            pending.extend(vars(f));
            f.collect_applied_functions(&mut applied);
        }
        mentioned.extend(applied);
        let note = |fact: &Fact, pending: &mut Vec<Symbol>, mentioned: &mut BTreeSet<Symbol>| {
            match &fact.vars {
                Some(known) => pending.extend(known.iter().copied()),
                None => pending.extend(vars(&fact.formula)),
            }
            mentioned.extend(fact.applied.iter().copied());
        };
        loop {
            while let Some(name) = pending.pop() {
                if !relevant.insert(name) {
                    continue;
                }
                if self.opaque.contains(&name) {
                    return Formula::ff();
                }
                let Some(binding) = self.vars.get(&name) else { continue };
                let known = binding.facts(program, name);
                if element_properties {
                    waiting.extend(known.elements.iter().cloned());
                }
                for fact in &known.plain {
                    note(fact, &mut pending, &mut mentioned);
                    facts.push(fact.formula.clone());
                }
            }
            let (ready, still): (Vec<_>, Vec<_>) =
                waiting.into_iter().partition(|(m, _)| mentioned.contains(m));
            waiting = still;
            if ready.is_empty() {
                break;
            }
            for (_, fact) in ready {
                note(&fact, &mut pending, &mut mentioned);
                facts.push(fact.formula);
            }
        }
        Formula::conjunction(facts)
    }
}

impl Env {
    /// The coarsest answer to "which variables may this formula mention": its free
    /// variables, and every local variable if it contains an unknown.
    pub fn all_vars(&self) -> impl Fn(&Formula) -> Vec<Symbol> + '_ {
        move |f: &Formula| {
            let mut out: Vec<Symbol> = f.free_var_names().into_iter().collect();
            if f.has_unknowns() {
                out.extend(self.order.iter().copied());
            }
            out
        }
    }
}

/// Facts about a datatype-typed variable `x` that its type implies through measures:
/// `post_m[_v := m x]` for every measure `m` of its datatype, and, separately and with
/// their measure, element properties.
fn measure_facts(
    program: &Program,
    x: &Formula,
    ty: &RType,
    element_properties: bool,
) -> (Vec<Formula>, Vec<(Symbol, Formula)>) {
    let mut facts = Vec::new();
    let mut elements = Vec::new();
    let RType::Scalar { base: BaseType::Data { name, args, .. }, .. } = ty else { return (facts, elements) };
    let Some(datatype) = program.datatypes.get(name) else { return (facts, elements) };
    let Sort::Data(_, sort_args) = x.sort() else { return (facts, elements) };
    let type_args: std::collections::BTreeMap<Symbol, Sort> =
        datatype.params.iter().copied().zip(sort_args.iter().cloned()).collect();
    for m in program.measures.values() {
        if !matches!(&m.input, Sort::Data(d, _) if d == name) || !m.const_args.is_empty() {
            continue;
        }
        let output = m.output.substitute_type_vars(&type_args);
        let app = Formula::pred(m.name, output.clone(), vec![x.clone()]);
        if !m.postcondition.is_true() {
            let post = m.postcondition.substitute_type_vars(&type_args);
            facts.push(post.substitute(&Substitution::single("_v", app.clone())));
        }
        if !element_properties {
            continue;
        }
        // `m : D a1 .. an -> Set ai` with the i-th type argument refined by a concrete ψ
        // gives `∀ e. e ∈ m x ⇒ ψ[_v := e]`; with ψ = false, simply `m x == []`.
        let Sort::Set(elem) = &m.output else { continue };
        let Sort::Var(param) = elem.as_ref() else { continue };
        let Some(index) = datatype.params.iter().position(|p| p == param) else { continue };
        let Some(arg) = args.get(index) else { continue };
        let psi = arg.refinement();
        if psi.is_true() || psi.has_unknowns() {
            continue;
        }
        let Some(elem_sort) = arg.sort() else { continue };
        if psi.is_false() {
            elements.push((m.name, Formula::eq(app.clone(), Formula::set_lit(elem_sort, Vec::new()))));
            continue;
        }
        let e = Symbol::from("_e");
        let e_var = Formula::var(e, elem_sort.clone());
        let body = Formula::implies(
            Formula::member(e_var.clone(), app.clone()),
            psi.substitute(&Substitution::single("_v", e_var)),
        );
        elements.push((m.name, Formula::all(e, elem_sort, body)));
    }
    (facts, elements)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::resolved_program as program;

    const BST: &str = "data BST a where\n  Empty :: BST a\n  Node :: x: a -> l: BST {a | _v < x} -> r: BST {a | x < _v} -> BST a\n\
        termination measure size :: BST a -> {Int | _v >= 0} where\n  Empty -> 0\n  Node x l r -> size l + size r + 1\n\
        measure telems :: BST a -> Set a where\n  Empty -> []\n  Node x l r -> telems l + telems r + [x]\n";

    #[test]
    fn embedding_adds_refinements_postconditions_and_element_properties() {
        let p = program(BST);
        let a = Sort::var("a");
        let y = Symbol::from("y");
        let l = Symbol::from("l");
        let bst_lt_y = RType::plain(BaseType::Data {
            name: Symbol::from("BST"),
            args: vec![RType::scalar(
                BaseType::Var(Symbol::from("a")),
                Formula::lt(Formula::value_var(a.clone()), Formula::var(y, a.clone())),
            )],
            preds: vec![],
        });
        let env = Env::new()
            .bind(y, RType::plain(BaseType::Var(Symbol::from("a"))))
            .bind(l, bst_lt_y)
            .bind(Symbol::from("unrelated"), RType::scalar(BaseType::Int, Formula::ff()));
        let bst = Sort::data("BST", [a.clone()]);
        let about_size = Formula::ge(
            Formula::pred("size", Sort::Int, vec![Formula::var(l, bst.clone())]),
            Formula::int(0),
        );
        let embedded = env.embedding(&p, &[&about_size], true, &env.all_vars()).to_string();
        assert!(embedded.contains("size l >= 0"), "{embedded}");
        assert!(
            !embedded.contains("telems"),
            "element properties wait until their measure is mentioned: {embedded}"
        );
        assert!(!embedded.contains("False"), "an irrelevant variable's refinement leaked in: {embedded}");
        let elements = Formula::pred("telems", Sort::set(a.clone()), vec![Formula::var(l, bst)]);
        let about_elements = Formula::eq(elements.clone(), elements);
        let embedded = env.embedding(&p, &[&about_elements], true, &env.all_vars()).to_string();
        assert!(embedded.contains("_e in telems l ==> _e < y"), "{embedded}");
        let without = env.embedding(&p, &[&about_elements], false, &env.all_vars()).to_string();
        assert!(!without.contains("_e in telems"), "{without}");
    }

    #[test]
    fn binding_is_persistent_and_ordered() {
        let x = Symbol::from("x");
        let y = Symbol::from("y");
        let base = Env::new().bind(y, RType::plain(BaseType::Int));
        let extended = base.bind(x, RType::plain(BaseType::Bool));
        assert_eq!(base.locals().count(), 1);
        let names: Vec<&str> = extended.locals().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["y", "x"]);
        let rebound = extended.bind(y, RType::plain(BaseType::Bool));
        let names: Vec<&str> = rebound.locals().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["x", "y"], "rebinding moves a name to the end");
    }
}
