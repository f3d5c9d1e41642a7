//! Subtyping, type-variable instantiation, and the Horn clauses they produce.
//!
//! [`TypingState`] is the mutable part of checking a goal: which free type variables
//! (`A0`, `A1`, ... from instantiating polymorphic symbols) are bound to which types,
//! the liquid unknowns created so far, and the Horn solver holding their candidate
//! valuations. Checking a subtyping `Γ ⊢ T1 <: T2`:
//!
//! * decomposes function types (arguments contravariant, results covariant under the
//!   argument) and datatypes (type arguments covariant; predicate arguments compared as
//!   implications, reversed for contravariant parameters);
//! * binds a free type variable on first contact with a shape: `A0 := fresh(T)`, the shape
//!   of `T` with a fresh unknown for every refinement, whose qualifiers come from the
//!   goal's [`QualifierGenerators`] over the variables in scope;
//! * turns each scalar comparison `{B | φ} <: {B | ψ}` into the clause
//!   `embedding(Γ) ∧ φ ⇒ ψ` and hands it to the Horn solver at once, so a failure is
//!   reported at the term that caused it.
//!
//! The state is `Clone`: the synthesizer snapshots it before a choice and restores it
//! to backtrack.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use crate::logic::horn::{Clause, HornFailure, HornSolver};
use crate::logic::{Formula, QualifierSpace, SmtSolver, Sort, Substitution, Symbol, pred_param};
use crate::resolve::Program;
use crate::resolve::axioms::constructor_axioms;
use crate::types::qualifiers::QualifierGenerators;
use crate::types::{BaseType, Env, RType, Schema};

/// Where a clause came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// Absolute byte range of the term being checked.
    pub span: Range<usize>,
    /// What the term has and what it was required to have, when these are not types
    /// (`error` against an unreachable branch); see [`Origin::shown`].
    pub found: String,
    pub required: String,
    /// The environment the clause was checked in.
    pub env: Env,
    /// What the check was for, when that needs saying (a recursive call's decrease).
    pub note: Option<String>,
    /// The two types themselves, to show them again with the unknowns valued when the
    /// check fails.
    pub types: Option<(RType, RType)>,
}

impl Origin {
    /// The found and required types as shown to users.
    pub fn shown(&self) -> (String, String) {
        match &self.types {
            Some((found, required)) => (found.to_string(), required.to_string()),
            None => (self.found.clone(), self.required.clone()),
        }
    }
}

/// What an unknown's qualifier space was built from, so it can be built again when a
/// free type variable in its sort is bound.
#[derive(Debug, Clone)]
enum SpaceSource {
    Refinement { env: Env, sort: Sort, hole: bool },
    Predicate { env: Env, sorts: Vec<Sort> },
}

/// Why a subtyping check failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubtypeError {
    /// The shapes differ (`Int` against `List a`, a function against a scalar). The
    /// types are kept, not their text: the search meets thousands of these and shows
    /// none.
    Shape { found: Box<RType>, required: Box<RType>, span: Range<usize> },
    /// No valuation of the unknowns makes the clauses valid.
    Unprovable { origin: Box<Origin>, clause: Formula },
}

#[derive(Clone)]
pub struct TypingState<'p> {
    pub program: &'p Program,
    /// Shared: the search clones states for every candidate, and the templates never
    /// change during a goal.
    pub generators: std::sync::Arc<QualifierGenerators>,
    pub horn: HornSolver,
    pub smt: SmtSolver,
    /// Free type variables bound so far.
    assignment: BTreeMap<Symbol, RType>,
    /// Every free type variable ever created (bound or not).
    free: imbl::OrdSet<Symbol>,
    /// Free type variables that stand for a type not known where they were made (that
    /// of a hole only its uses tell), with that place's scope: the unknowns of the
    /// shape they are bound to range over it, not over the scope of the use that binds
    /// them, which may hold variables the hole cannot see.
    scoped: imbl::OrdMap<Symbol, Env>,
    counter: u32,
    /// Persistent, so that the search's many copies of a state share it; each origin
    /// behind an `Arc`, since a copy's first push copies a chunk of the vector, and an
    /// origin holds strings and types.
    origins: imbl::Vector<std::sync::Arc<Origin>>,
    /// A note attached to the origins created while it is set.
    pub note: Option<String>,
    /// Every liquid unknown created, so that their spaces can follow type bindings.
    unknowns: imbl::Vector<(Symbol, SpaceSource)>,
    /// Type variables bound since the solver last saw the sort assignment: formulas the
    /// solver holds may still mention them (see [`HornSolver::resort`]).
    newly_bound: BTreeSet<Symbol>,
    /// [`TypingState::sort_assignment`], computed once per assignment: every clause
    /// needs it, and the assignment changes far less often.
    sorts: std::cell::OnceCell<std::sync::Arc<BTreeMap<Symbol, Sort>>>,
    /// The measure axioms of each formula asked about (see [`AxiomMemo`]), shared by
    /// every copy of the state.
    axioms: std::sync::Arc<AxiomMemo>,
}

/// The measure instances of the constructor terms of formulas (`constructor_axioms`),
/// remembered per formula: the Horn solver asks for those of every fact, qualifier and
/// conclusion of every clause it evaluates or strengthens, and the facts of one
/// environment come back with every candidate. Valid for one program, which a typing
/// state never changes.
#[derive(Debug, Default)]
pub struct AxiomMemo(std::sync::Mutex<rustc_hash::FxHashMap<Formula, std::sync::Arc<[Formula]>>>);

/// How many formulas an [`AxiomMemo`] remembers before it starts over: no goal of the
/// suite reaches 5 000 (counted under the default configuration), while on a long search
/// the memo's formulas and axioms are kilobytes each that nothing else holds.
const AXIOM_MEMO_CAPACITY: usize = 5_000;

impl AxiomMemo {
    fn of(&self, program: &Program, f: &Formula) -> Vec<Formula> {
        if !f.has_constructors() {
            return Vec::new();
        }
        // The memo holds plain values; a panic elsewhere cannot leave it inconsistent.
        let lock = || self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(known) = lock().get(f) {
            return known.to_vec();
        }
        let axioms = constructor_axioms(program, f);
        let mut memo = lock();
        if memo.len() >= AXIOM_MEMO_CAPACITY {
            memo.clear();
        }
        memo.insert(f.clone(), axioms.as_slice().into());
        axioms
    }
}

impl<'p> TypingState<'p> {
    /// The measure axioms of a formula, remembered (see [`AxiomMemo`]). The closure owns
    /// what it reads, so the Horn solver can be borrowed mutably beside it.
    fn axioms(&self) -> impl Fn(&Formula) -> Vec<Formula> + 'p {
        let (program, memo) = (self.program, std::sync::Arc::clone(&self.axioms));
        move |f: &Formula| memo.of(program, f)
    }

    pub fn new(program: &'p Program, generators: QualifierGenerators, smt: SmtSolver) -> Self {
        TypingState {
            program,
            generators: std::sync::Arc::new(generators),
            horn: HornSolver::new(smt.clone()),
            smt,
            assignment: BTreeMap::new(),
            free: imbl::OrdSet::new(),
            scoped: imbl::OrdMap::new(),
            counter: 0,
            origins: imbl::Vector::new(),
            note: None,
            unknowns: imbl::Vector::new(),
            newly_bound: BTreeSet::new(),
            sorts: std::cell::OnceCell::new(),
            axioms: std::sync::Arc::default(),
        }
    }

    /// A fresh name with the given prefix (`A3`, `U7`, `x12`): the prefixes are not
    /// valid user identifiers in their upper-case forms, and lower-case ones are numbered
    /// apart from anything a user writes by the `'` suffix.
    pub fn fresh(&mut self, prefix: &str) -> Symbol {
        self.counter += 1;
        Symbol::from(format!("{prefix}{}'", self.counter).as_str())
    }

    fn is_free(&self, name: Symbol) -> bool {
        self.free.contains(&name)
    }

    /// Applies the current type-variable assignment, repeatedly, to a type.
    pub fn resolve(&self, ty: &RType) -> RType {
        // Most types mention no bound variable: they are returned without a rebuild.
        let bound = |a: Symbol| self.assignment.contains_key(&a);
        let mask = Symbol::mask_of(self.assignment.keys());
        let mut t = ty.clone();
        for _ in 0..64 {
            if !t.mentions_type_var_among(mask, &bound) {
                return t;
            }
            let next = t.substitute_type_vars(&self.assignment);
            if next == t {
                return t;
            }
            t = next;
        }
        t
    }

    /// Instantiates a schema: fresh free type variables (refined by `bottom` when the
    /// symbol is a constant such as `Nil`, so that it fits any element type), fresh
    /// unknowns for predicate parameters, fresh argument names.
    pub fn instantiate(&mut self, env: &Env, schema: &Schema) -> RType {
        let nullary = !schema.ty.is_function();
        let mut types = BTreeMap::new();
        for a in &schema.type_vars {
            let var = self.fresh("A");
            self.free.insert(var);
            let refinement = if nullary { Formula::ff() } else { Formula::tt() };
            types.insert(*a, RType::scalar(BaseType::Var(var), refinement));
        }
        let mut ty = schema.ty.substitute_type_vars(&types);
        if !schema.pred_params.is_empty() {
            let mut preds = BTreeMap::new();
            for p in &schema.pred_params {
                let sorts: Vec<Sort> = p.args.iter().map(|s| self.instantiate_sort(s, &types)).collect();
                let value = if nullary { Formula::ff() } else { self.fresh_predicate(env, &sorts) };
                preds.insert(p.name, value);
            }
            ty = map_formulas(&ty, &|f| f.substitute_predicates(&preds));
        }
        self.rename_params(&ty)
    }

    fn instantiate_sort(&self, sort: &Sort, types: &BTreeMap<Symbol, RType>) -> Sort {
        let map: BTreeMap<Symbol, Sort> =
            types.iter().filter_map(|(a, t)| t.sort().map(|s| (*a, s))).collect();
        sort.substitute_type_vars(&map)
    }

    /// A fresh unknown standing for a predicate over `_0 .. _k`.
    fn fresh_predicate(&mut self, env: &Env, sorts: &[Sort]) -> Formula {
        let name = self.fresh("P");
        let params: Vec<Formula> =
            sorts.iter().enumerate().map(|(i, s)| Formula::var(pred_param(i), s.clone())).collect();
        let space = self.predicate_space(env, &params);
        self.horn.add_unknown(name, space);
        self.unknowns.push_back((name, SpaceSource::Predicate { env: env.clone(), sorts: sorts.to_vec() }));
        Formula::unknown(name)
    }

    /// Qualifiers for a predicate unknown: type templates with `_v` read as the last
    /// parameter and the other free variables ranging over the earlier parameters and
    /// the scalars in scope, keeping those that mention every parameter.
    fn predicate_space(&self, env: &Env, params: &[Formula]) -> QualifierSpace {
        let Some((last, rest)) = params.split_last() else {
            return self.generators.condition_space(env);
        };
        let scoped = rest.iter().fold(env.clone(), |e, p| match p.kind() {
            crate::logic::Kind::Var { name, sort } => e.bind(*name, RType::plain(BaseType::of_sort(sort))),
            _ => e,
        });
        let space = self.generators.type_space(&scoped, last);
        let needed: Vec<Symbol> = params.iter().filter_map(|p| p.var_name()).collect();
        QualifierSpace::new(
            space.qualifiers.into_iter().filter(|q| needed.iter().all(|n| q.free_var_names().contains(n))),
        )
    }

    /// Renames the parameters of a function type to fresh names.
    fn rename_params(&mut self, ty: &RType) -> RType {
        match ty {
            RType::Function { param, arg, result } => {
                let fresh = self.fresh(param.as_str().trim_end_matches('\''));
                let result = match arg.sort() {
                    Some(sort) => rename_var(result, *param, &Formula::var(fresh, sort)),
                    None => (**result).clone(),
                };
                RType::Function {
                    param: fresh,
                    arg: arg.clone(),
                    result: Box::new(self.rename_params(&result)),
                }
            }
            scalar => scalar.clone(),
        }
    }

    /// The shape of `ty` with a fresh unknown for every refinement (and predicate
    /// argument); free type variables in it are kept.
    fn fresh_shape(&mut self, env: &Env, ty: &RType) -> RType {
        match ty {
            RType::Function { param, arg, result } => RType::Function {
                param: *param,
                arg: Box::new(self.fresh_shape(env, arg)),
                result: Box::new(self.fresh_shape(env, result)),
            },
            RType::Scalar { base, .. } => {
                let base = match base {
                    BaseType::Data { name, args, preds } => {
                        let args: Vec<RType> = args.iter().map(|a| self.fresh_shape(env, a)).collect();
                        let sorts = self.pred_param_sorts(*name, &args, preds);
                        let preds = sorts.iter().map(|s| self.fresh_predicate(env, s)).collect();
                        BaseType::Data { name: *name, args, preds }
                    }
                    other => other.clone(),
                };
                let refinement = self.fresh_refinement(env, &base.sort());
                RType::Scalar { base, refinement }
            }
        }
    }

    /// The parameter sorts of a datatype's predicate parameters at the given type
    /// arguments (`RList a <r>` with `r :: a -> a -> Bool` at `Int` gives `[Int, Int]`).
    /// They come from the datatype's declaration: a predicate argument such as `{False}`
    /// does not show them.
    fn pred_param_sorts(&self, name: Symbol, args: &[RType], preds: &[Formula]) -> Vec<Vec<Sort>> {
        let Some(dt) = self.program.datatypes.get(&name) else {
            return preds.iter().map(pred_sorts).collect();
        };
        let types: BTreeMap<Symbol, Sort> =
            dt.params.iter().copied().zip(args.iter().map(|a| a.sort().unwrap_or(Sort::Int))).collect();
        dt.pred_params
            .iter()
            .map(|p| p.sig.args.iter().map(|s| s.substitute_type_vars(&types)).collect())
            .collect()
    }

    /// A fresh unknown refining a value of `sort` in `env`.
    pub fn fresh_refinement(&mut self, env: &Env, sort: &Sort) -> Formula {
        self.refinement_unknown(env, sort, false)
    }

    /// A fresh unknown refining a hole's type: what its filling must provide, so its
    /// space has the components' results too (see [`QualifierGenerators::hole_space`]).
    pub fn fresh_hole_refinement(&mut self, env: &Env, sort: &Sort) -> Formula {
        self.refinement_unknown(env, sort, true)
    }

    fn refinement_unknown(&mut self, env: &Env, sort: &Sort, hole: bool) -> Formula {
        let name = self.fresh("U");
        let space = self.refinement_space(env, sort, hole);
        self.horn.add_unknown(name, space);
        self.unknowns
            .push_back((name, SpaceSource::Refinement { env: env.clone(), sort: sort.clone(), hole }));
        Formula::unknown(name)
    }

    fn refinement_space(&self, env: &Env, sort: &Sort, hole: bool) -> QualifierSpace {
        let value = Formula::value_var(sort.clone());
        if hole { self.generators.hole_space(env, &value) } else { self.generators.type_space(env, &value) }
    }

    /// Binds a free type variable. Qualifier spaces built while it was free were
    /// instantiated at its (then unknown) sort, which matches nothing; they are built
    /// again at the bound sort, so that, for instance, a predicate over `Int` elements
    /// gets its `_0 != _1`.
    fn bind(&mut self, var: Symbol, ty: RType) {
        self.assignment.insert(var, ty);
        self.sorts = std::cell::OnceCell::new();
        self.newly_bound.insert(var);
        let sorts = self.sort_assignment();
        for (u, source) in self.unknowns.clone() {
            let space = match &source {
                SpaceSource::Refinement { env, sort, hole } => {
                    let bound = sort.substitute_type_vars(&sorts);
                    if bound == *sort {
                        continue;
                    }
                    self.refinement_space(env, &bound, *hole)
                }
                SpaceSource::Predicate { env, sorts: params } => {
                    let bound: Vec<Sort> = params.iter().map(|s| s.substitute_type_vars(&sorts)).collect();
                    if bound == *params {
                        continue;
                    }
                    let formals: Vec<Formula> = bound
                        .iter()
                        .enumerate()
                        .map(|(i, s)| Formula::var(pred_param(i), s.clone()))
                        .collect();
                    self.predicate_space(env, &formals)
                }
            };
            let max_count = self.horn.space(u).map_or(space.max_count, |old| old.max_count.max(space.len()));
            self.horn.add_unknown(u, QualifierSpace::with_max_count(space.qualifiers, max_count));
        }
    }

    /// A free type variable cannot stand for a type that contains it (`A` against
    /// `List A`): binding it would make an infinite type.
    fn occurs_check(
        &self,
        var: Symbol,
        other: &BaseType,
        sub: &RType,
        required: &RType,
        span: &Range<usize>,
    ) -> Result<(), SubtypeError> {
        if mentions_type_var(&RType::plain(other.clone()), var) {
            return Err(SubtypeError::Shape {
                found: Box::new(sub.clone()),
                required: Box::new(required.clone()),
                span: span.clone(),
            });
        }
        Ok(())
    }

    /// Checks `env ⊢ sub <: required`.
    pub fn subtype(
        &mut self,
        env: &Env,
        sub: &RType,
        required: &RType,
        span: Range<usize>,
    ) -> Result<(), SubtypeError> {
        let mut clauses = Vec::new();
        self.decompose(env, sub, required, &span, Some(&mut clauses))?;
        self.solve(clauses)
    }

    /// Checks that `env` is inconsistent: the point it describes can never be reached
    /// (`error`). Every variable is relevant: the contradiction may lie in any of their
    /// refinements, so each contributes a trivial `x == x` (the raw node, which the smart
    /// constructors would fold away).
    pub fn unreachable(&mut self, env: &Env, span: Range<usize>) -> Result<(), SubtypeError> {
        let label = self.origin(Origin {
            span,
            found: "error".into(),
            required: "an unreachable branch".into(),
            env: env.clone(),
            note: Some(
                "`error` marks a branch that can never run: the facts here must be contradictory".into(),
            ),
            types: None,
        });
        let everything = Formula::conjunction(env.locals().filter_map(|(name, ty)| {
            let x = Formula::var(name, ty.sort()?);
            Some(Formula::binary(crate::logic::BinOp::Eq, x.clone(), x))
        }));
        let clause = self.clause(env, &everything, &Formula::ff(), label);
        self.solve(vec![clause])
    }

    /// Checks that a value of type `sub` *may* have type `required` in `env`: that some
    /// valuation of the variables satisfies both refinements (Synquid's consistency
    /// check). Candidates under which the two contradict are dropped; free type
    /// variables are unified as by [`TypingState::subtype`].
    pub fn consistent(&mut self, env: &Env, sub: &RType, required: &RType) -> Result<(), SubtypeError> {
        self.unify_shapes(env, sub, required)?;
        self.sync_sorts()?;
        let (sub, required) = (self.resolve(sub), self.resolve(required));
        let (l, r) = (sub.refinement(), required.refinement());
        if l.is_true() || r.is_true() {
            return Ok(());
        }
        let vars = |f: &Formula| self.horn.potential_vars(f);
        let embedding = env.embedding(self.program, &[&l, &r], false, &vars);
        let sorts = self.sort_assignment();
        // Consistent means "not `embedding ⇒ ¬(l ∧ r)`": posed as a validity question,
        // the search's slicing handle leaves out the facts unrelated to `l` and `r` (a
        // dropped fact can only make a candidate look consistent, never lose one).
        let formula = Formula::implies(embedding, !Formula::and(l, r)).substitute_type_vars(&sorts);
        let axioms = self.axioms();
        self.horn.check_candidates(true, &[formula], &axioms).map_err(|_| SubtypeError::Shape {
            found: Box::new(sub),
            required: Box::new(required),
            span: 0..0,
        })
    }

    /// Whether a type may have the shape of `target`, judged without binding anything:
    /// `false` only where [`TypingState::unify_shapes`] would fail. `wild` are type
    /// variables of `ty` that stand for any type (a schema's, before instantiation).
    ///
    /// The search asks this before it instantiates and checks a symbol: most symbols in
    /// scope have the wrong shape for a given goal, and finding that out by instantiating
    /// and decomposing costs as much as a refinement check's setup.
    pub fn may_have_shape(&self, ty: &RType, wild: &[Symbol], target: &RType) -> bool {
        match (ty, target) {
            (RType::Function { arg: a1, result: r1, .. }, RType::Function { arg: a2, result: r2, .. }) => {
                self.may_have_shape(a1, wild, a2) && self.may_have_shape(r1, wild, r2)
            }
            (RType::Scalar { base: b1, .. }, RType::Scalar { base: b2, .. }) => {
                self.base_may_have_shape(b1, wild, b2)
            }
            // A scalar against a function: only a variable that is, or may become, one.
            (RType::Scalar { base: BaseType::Var(v), .. }, RType::Function { .. }) => {
                wild.contains(v)
                    || match self.assignment.get(v) {
                        Some(bound) => self.may_have_shape(bound, wild, target),
                        None => self.is_free(*v),
                    }
            }
            (RType::Function { .. }, RType::Scalar { base: BaseType::Var(v), .. }) => {
                match self.assignment.get(v) {
                    Some(bound) => self.may_have_shape(ty, wild, bound),
                    None => self.is_free(*v),
                }
            }
            _ => false,
        }
    }

    /// [`TypingState::may_have_shape`] on scalar bases. A variable of `b1` in `wild`, or
    /// an unbound free variable on either side, may stand for anything; a bound one is
    /// looked through; rigid ones match only themselves.
    fn base_may_have_shape(&self, b1: &BaseType, wild: &[Symbol], b2: &BaseType) -> bool {
        // The base a bound variable stands for (`None`: it is bound to a function).
        fn base_of(bound: &RType) -> Option<&BaseType> {
            match bound {
                RType::Scalar { base, .. } => Some(base),
                RType::Function { .. } => None,
            }
        }
        if let BaseType::Var(v) = b1 {
            if wild.contains(v) {
                return true;
            }
            if let Some(bound) = self.assignment.get(v) {
                return base_of(bound).is_some_and(|base| self.base_may_have_shape(base, wild, b2));
            }
            if self.is_free(*v) {
                return true;
            }
        }
        if let BaseType::Var(v) = b2 {
            if let Some(bound) = self.assignment.get(v) {
                return base_of(bound).is_some_and(|base| self.base_may_have_shape(b1, wild, base));
            }
            if self.is_free(*v) {
                return true;
            }
        }
        match (b1, b2) {
            (BaseType::Int, BaseType::Int) | (BaseType::Bool, BaseType::Bool) => true,
            (BaseType::Var(a), BaseType::Var(b)) => a == b,
            (
                BaseType::Data { name: d1, args: args1, preds: preds1 },
                BaseType::Data { name: d2, args: args2, preds: preds2 },
            ) => {
                d1 == d2
                    && args1.len() == args2.len()
                    && preds1.len() == preds2.len()
                    && args1.iter().zip(args2).all(|(x, y)| self.may_have_shape(x, wild, y))
            }
            _ => false,
        }
    }

    /// Whether a type may be a datatype (a match scrutinee), judged without binding
    /// anything, as the search's check of scrutinees judges it: its type variables in
    /// `wild` and unbound free ones are not (yet) datatypes.
    pub fn may_be_data(&self, ty: &RType, wild: &[Symbol]) -> bool {
        match ty {
            RType::Scalar { base: BaseType::Data { .. }, .. } => true,
            RType::Scalar { base: BaseType::Var(v), .. } if !wild.contains(v) => {
                self.assignment.get(v).is_some_and(|bound| self.may_be_data(bound, &[]))
            }
            _ => false,
        }
    }

    /// Unifies the shapes of two types (binding free type variables), ignoring their
    /// refinements.
    pub fn unify_shapes(&mut self, env: &Env, a: &RType, b: &RType) -> Result<(), SubtypeError> {
        self.decompose(env, a, b, &(0..0), None)
    }

    /// A value type not known yet, in scope `env`: a fresh free type variable (bound by
    /// the first use that fixes its shape) refined by a fresh unknown over `env`.
    pub fn unknown_type(&mut self, env: &Env) -> RType {
        let shape = self.unknown_shape(env);
        let refinement = self.fresh_hole_refinement(env, &shape.sort());
        RType::scalar(shape, refinement)
    }

    /// A value shape not known yet, in scope `env`: a fresh free type variable.
    pub fn unknown_shape(&mut self, env: &Env) -> BaseType {
        let var = self.fresh("A");
        self.free.insert(var);
        self.scoped.insert(var, env.clone());
        BaseType::Var(var)
    }

    /// Whether `name` is a free type variable (created by instantiation, not yet bound).
    pub fn is_free_type_var(&self, name: Symbol) -> bool {
        self.is_free(name) && !self.assignment.contains_key(&name)
    }

    /// A fresh branch-condition unknown, valued by conjunctions of condition qualifiers
    /// over the scalars of `env`.
    pub fn fresh_condition(&mut self, env: &Env) -> Formula {
        let name = self.fresh("C");
        let space = self.generators.condition_space(env);
        self.horn.add_unknown(name, space);
        Formula::unknown(name)
    }

    /// A fresh match-condition unknown: at most one equation `x == C` between a
    /// potential scrutinee and a nullary constructor of its datatype.
    pub fn fresh_match_condition(&mut self, scrutinees: &[Formula]) -> Formula {
        let name = self.fresh("M");
        self.horn.add_unknown(name, QualifierGenerators::match_space(self.program, scrutinees));
        Formula::unknown(name)
    }

    /// A fresh unknown whose valuation is fixed (an assumption that can be retracted
    /// later with [`TypingState::recheck_fixed`]).
    pub fn fixed_unknown(&mut self, valuation: Formula) -> Formula {
        let name = self.fresh("F");
        self.horn.add_fixed_unknown(name, valuation);
        Formula::unknown(name)
    }

    /// Changes a fixed unknown's valuation and re-checks what depends on it.
    pub fn recheck_fixed(&mut self, unknown: &Formula, valuation: Formula) -> Result<(), SubtypeError> {
        let Some(name) = unknown.unknown_name() else { return Ok(()) };
        self.sync_sorts()?;
        let axioms = self.axioms();
        self.horn.set_fixed_unknown(name, valuation, &axioms).map_err(|failure| self.explain(failure))
    }

    /// The valuations an unknown takes in the solver's candidates, weakest first, each
    /// with the state restricted to the candidates that agree on it. The valuation
    /// becomes fixed in that state: once read (and turned into code) it must not change.
    pub fn valuations(&self, unknown: &Formula) -> Result<Vec<(Formula, TypingState<'p>)>, SubtypeError> {
        let Some(name) = unknown.unknown_name() else { return Ok(vec![(unknown.clone(), self.clone())]) };
        let axioms = self.axioms();
        let mut solved = self.clone();
        solved.sync_sorts()?;
        solved.horn.solve_all(&axioms).map_err(|failure| self.explain(failure))?;
        Ok(solved
            .horn
            .split_on(name)
            .into_iter()
            .map(|horn| {
                let mut state = solved.clone();
                state.horn = horn;
                let valuation = state.horn.fix_unknown(name);
                (valuation, state)
            })
            .collect())
    }

    /// Hands clauses to the Horn solver; on failure, explains the clause that failed.
    ///
    /// First, if type variables were bound since the last call, the formulas the solver
    /// already holds get their sorts updated (see [`HornSolver::resort`]).
    pub fn solve(&mut self, clauses: Vec<Clause>) -> Result<(), SubtypeError> {
        self.sync_sorts()?;
        if clauses.is_empty() {
            return Ok(());
        }
        let axioms = self.axioms();
        self.horn.add_clauses(clauses, &axioms).map_err(|failure| self.explain(failure))
    }

    /// Brings the sorts of everything the solver holds up to date with the type
    /// variables bound since it last looked.
    fn sync_sorts(&mut self) -> Result<(), SubtypeError> {
        if self.newly_bound.is_empty() {
            return Ok(());
        }
        let axioms = self.axioms();
        let vars = std::mem::take(&mut self.newly_bound);
        let sorts = self.sort_assignment();
        self.horn.resort(&vars, &sorts, &axioms).map_err(|failure| self.explain(failure))
    }

    fn explain(&self, failure: HornFailure) -> SubtypeError {
        let origin =
            self.origins.get(failure.clause.label as usize).map(|o| (**o).clone()).unwrap_or(Origin {
                span: 0..0,
                found: String::new(),
                required: String::new(),
                env: Env::new(),
                note: None,
                types: None,
            });
        let mut origin = origin;
        if let Some((found, required)) = &origin.types {
            // Shown as the last candidate valued the unknowns, when there was one:
            // `{a | x12 <= _v}` rather than `{A24' | P25'[_0 := x12, ..]}`. (Printed
            // only if the error is reported; the search drops most of them.)
            let valued = |ty: &RType| {
                let ty = self.resolve(ty);
                let Some(valuation) = &failure.valuation else { return ty };
                let value = |f: &Formula| {
                    let conjuncts = self.horn.apply_valuation(valuation, f).conjuncts();
                    Formula::conjunction(conjuncts.into_iter().filter(|c| !c.is_true()))
                };
                map_formulas(&ty, &value)
            };
            origin.types = Some((valued(found), valued(required)));
        }
        SubtypeError::Unprovable { origin: Box::new(origin), clause: failure.instantiated }
    }

    /// Records an origin and returns its label.
    pub fn origin(&mut self, mut origin: Origin) -> u32 {
        if origin.note.is_none() {
            origin.note.clone_from(&self.note);
        }
        self.origins.push_back(std::sync::Arc::new(origin));
        u32::try_from(self.origins.len() - 1).unwrap_or(u32::MAX)
    }

    /// Adds a clause `embedding(env) ∧ premise ⇒ conclusion`. Sorts mentioning free type
    /// variables that are bound by now are updated, so that `len xs` at `List A3` and at
    /// `List a` (with `A3 := a`) are the same function for the solver.
    pub fn clause(&self, env: &Env, premise: &Formula, conclusion: &Formula, label: u32) -> Clause {
        let vars = |f: &Formula| self.horn.potential_vars(f);
        let embedding = env.embedding(self.program, &[premise, conclusion], true, &vars);
        let sorts = self.sort_assignment();
        let fix = |f: Formula| if sorts.is_empty() { f } else { f.substitute_type_vars(&sorts) };
        Clause {
            premise: fix(Formula::and(embedding, premise.clone())),
            conclusion: fix(conclusion.clone()),
            label,
        }
    }

    /// The sorts of the bound free type variables, fully resolved.
    fn sort_assignment(&self) -> std::sync::Arc<BTreeMap<Symbol, Sort>> {
        let sorts = self.sorts.get_or_init(|| {
            std::sync::Arc::new(
                self.assignment
                    .keys()
                    .filter_map(|a| self.resolve(&RType::plain(BaseType::Var(*a))).sort().map(|s| (*a, s)))
                    .collect(),
            )
        });
        std::sync::Arc::clone(sorts)
    }

    /// Decomposes `env ⊢ sub <: required` into clauses over refinements, binding free
    /// type variables on the way. With `clauses` `None` (shapes only) no clause is built:
    /// a clause embeds its environment, the costly part (7% of a run under Synquid's
    /// defaults went into clauses that were then dropped). Their origins are still
    /// recorded, so that labels are numbered as with clauses.
    fn decompose(
        &mut self,
        env: &Env,
        sub: &RType,
        required: &RType,
        span: &Range<usize>,
        mut clauses: Option<&mut Vec<Clause>>,
    ) -> Result<(), SubtypeError> {
        let sub = self.resolve(sub);
        let required = self.resolve(required);
        match (&sub, &required) {
            (
                RType::Function { param: x, arg: a1, result: r1 },
                RType::Function { param: y, arg: a2, result: r2 },
            ) => {
                self.decompose(env, a2, a1, span, clauses.as_deref_mut())?;
                let env = env.bind(*y, (**a2).clone());
                let r1 = match a2.sort() {
                    Some(sort) => rename_var(r1, *x, &Formula::var(*y, sort)),
                    None => (**r1).clone(),
                };
                self.decompose(&env, &r1, r2, span, clauses)
            }
            (RType::Scalar { base: b1, .. }, RType::Scalar { base: b2, .. }) => {
                // A free type variable takes the shape of the other side.
                let free = |b: &BaseType| matches!(b, BaseType::Var(v) if self.is_free(*v));
                let binding = match (b1, b2) {
                    (BaseType::Var(a), other) | (other, BaseType::Var(a))
                        if self.is_free(*a) && !free(other) =>
                    {
                        Some((*a, other.clone()))
                    }
                    _ => None,
                };
                if let Some((var, other)) = binding {
                    self.occurs_check(var, &other, &sub, &required, span)?;
                    let scope = self.scoped.get(&var).cloned().unwrap_or_else(|| env.clone());
                    let shape = self.fresh_shape(&scope, &RType::plain(other));
                    self.bind(var, shape);
                    return self.decompose(env, &sub, &required, span, clauses);
                }
                match (b1, b2) {
                    (BaseType::Int, BaseType::Int) | (BaseType::Bool, BaseType::Bool) => {}
                    (BaseType::Var(a), BaseType::Var(b)) if a == b => {}
                    (BaseType::Var(a), BaseType::Var(b)) if self.is_free(*a) && self.is_free(*b) => {
                        // Two unbound variables: unify them (the first becomes the second,
                        // unless only the first has a scope to keep).
                        let (from, to) = if self.scoped.contains_key(a) && !self.scoped.contains_key(b) {
                            (b, a)
                        } else {
                            (a, b)
                        };
                        self.bind(*from, RType::plain(BaseType::Var(*to)));
                        return self.decompose(env, &sub, &required, span, clauses);
                    }
                    (
                        BaseType::Data { name: d1, args: args1, preds: preds1 },
                        BaseType::Data { name: d2, args: args2, preds: preds2 },
                    ) if d1 == d2 && args1.len() == args2.len() && preds1.len() == preds2.len() => {
                        for (x, y) in args1.iter().zip(args2) {
                            self.decompose(env, x, y, span, clauses.as_deref_mut())?;
                        }
                        let variances: Vec<bool> = self
                            .program
                            .datatypes
                            .get(d1)
                            .map(|dt| dt.pred_params.iter().map(|p| p.contravariant).collect())
                            .unwrap_or_default();
                        for (i, (p, q)) in preds1.iter().zip(preds2).enumerate() {
                            let (from, to) =
                                if variances.get(i).copied().unwrap_or(false) { (q, p) } else { (p, q) };
                            if to.is_true() || from == to {
                                continue;
                            }
                            let label = self.origin(Origin {
                                span: span.clone(),
                                found: String::new(),
                                required: String::new(),
                                env: env.clone(),
                                note: None,
                                types: Some((sub.clone(), required.clone())),
                            });
                            if let Some(clauses) = clauses.as_deref_mut() {
                                clauses.push(self.clause(env, from, to, label));
                            }
                        }
                    }
                    _ => {
                        return Err(SubtypeError::Shape {
                            found: Box::new(sub.clone()),
                            required: Box::new(required.clone()),
                            span: span.clone(),
                        });
                    }
                }
                // Decomposing the type arguments may have bound free type variables;
                // read the refinements again so that they (and their sorts) reflect that.
                let (sub, required) = (self.resolve(&sub), self.resolve(&required));
                let (phi, psi) = (&sub.refinement(), &required.refinement());
                if psi.is_true() || phi.is_false() || phi == psi {
                    return Ok(());
                }
                let label = self.origin(Origin {
                    span: span.clone(),
                    found: String::new(),
                    required: String::new(),
                    env: env.clone(),
                    note: None,
                    types: Some((sub.clone(), required.clone())),
                });
                if let Some(clauses) = clauses {
                    clauses.push(self.clause(env, phi, psi, label));
                }
                Ok(())
            }
            _ => Err(SubtypeError::Shape {
                found: Box::new(sub.clone()),
                required: Box::new(required.clone()),
                span: span.clone(),
            }),
        }
    }
}

/// Whether a type mentions the type variable `var` anywhere.
pub(crate) fn mentions_type_var(ty: &RType, var: Symbol) -> bool {
    match ty {
        RType::Function { arg, result, .. } => mentions_type_var(arg, var) || mentions_type_var(result, var),
        RType::Scalar { base: BaseType::Var(a), .. } => *a == var,
        RType::Scalar { base: BaseType::Data { args, .. }, .. } => {
            args.iter().any(|a| mentions_type_var(a, var))
        }
        RType::Scalar { .. } => false,
    }
}

/// The sorts of the parameters `_0 .. _k` of a predicate argument.
fn pred_sorts(phi: &Formula) -> Vec<Sort> {
    let mut params: Vec<(usize, Sort)> = phi
        .free_vars()
        .into_iter()
        .filter_map(|v| v.name.as_str().strip_prefix('_')?.parse::<usize>().ok().map(|i| (i, v.sort)))
        .collect();
    params.sort_by_key(|(i, _)| *i);
    params.dedup_by_key(|(i, _)| *i);
    params.into_iter().map(|(_, s)| s).collect()
}

/// Applies `f` to every formula in a type (refinements and predicate arguments).
pub fn map_formulas(ty: &RType, f: &dyn Fn(&Formula) -> Formula) -> RType {
    match ty {
        RType::Function { param, arg, result } => RType::Function {
            param: *param,
            arg: Box::new(map_formulas(arg, f)),
            result: Box::new(map_formulas(result, f)),
        },
        RType::Scalar { base, refinement } => {
            let base = match base {
                BaseType::Data { name, args, preds } => BaseType::Data {
                    name: *name,
                    args: args.iter().map(|a| map_formulas(a, f)).collect(),
                    preds: preds.iter().map(f).collect(),
                },
                other => other.clone(),
            };
            RType::Scalar { base, refinement: f(refinement) }
        }
    }
}

/// Substitutes `value` for the variable `name` throughout a type.
pub fn rename_var(ty: &RType, name: Symbol, value: &Formula) -> RType {
    let subst = Substitution::single(name, value.clone());
    map_formulas(ty, &|f| f.substitute(&subst))
}
