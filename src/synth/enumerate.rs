//! E-terms: variables, constants, constructors and applications, enumerated bottom-up
//! by application depth and checked *round-trip* (synthesis-algorithm.md (e), f.5).
//!
//! An application `f a1 .. an` is built head first: `f` is found as a symbol whose type
//! has exactly the number of arguments still missing, and is checked against the goal at
//! once, with the missing arguments *opaque* (a refinement that depends on them cannot
//! be judged yet) and, for consistency, at their declared types (could some arguments
//! make `f`'s result fit the goal at all?). Each argument is then enumerated against its
//! now instantiated formal type, and every prefix is checked again. Wrong heads and wrong
//! early arguments are pruned before anything is built on them.
//!
//! Depth: a symbol has depth 0, and `depth(f a) = max(depth f, depth a + 1)`. Depth `d`
//! is enumerated as (head below `d`, last argument at `d - 1`) then (head at `d`, last
//! argument below `d`), so no term is produced twice.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use super::prog::Prog;
use super::scope::Scope;
use super::search::{AuxGoal, Explorer, Flow, State, Then};
use super::symmetry;
use crate::logic::{Formula, Symbol};
use crate::types::check::{auxiliary_recursion, singleton};
use crate::types::subtype::{SubtypeError, mentions_type_var, rename_var};
use crate::types::{BaseType, RType, Schema};

/// An E-term: the program, its type, and the ghosts (values of its non-variable
/// arguments) that the type may mention.
#[derive(Clone, Debug)]
pub(crate) struct ETerm {
    pub prog: Prog,
    pub ty: RType,
    pub ghosts: Vec<(Symbol, RType)>,
}

/// What an E-term must be: a value of a type, or (for match scrutinees) any value of a
/// datatype.
#[derive(Clone, Debug)]
enum Target {
    Type(RType),
    AnyData,
}

/// An E-term goal: `missing` arguments still to be supplied, then the target.
#[derive(Clone, Debug)]
struct EGoal {
    missing: usize,
    target: Target,
}

#[derive(Clone, Copy, Debug)]
enum Depth {
    At(u32),
    UpTo(u32),
}

/// Where an enumerated symbol comes from, which decides its order and its type.
#[derive(Clone, Debug)]
enum Source {
    Local(RType),
    Global(Schema),
    Ctor(Schema),
}

/// The heads found from the state one enumeration of E-terms started in, by missing
/// arguments and depth.
///
/// Depth `d` is enumerated as heads up to `d - 1` with arguments at `d - 1`, then heads at
/// `d` with arguments up to `d - 1`: every deeper round asks for all the shallower heads
/// again, from the same state, and would check each again (a head of depth 1 is met
/// three times with an application depth of 3). Those heads and the states they leave
/// are the same each time (the checks depend on the state alone; only the ledger's
/// choice of which optional consistency checks to make may differ), so the first
/// complete list of each is kept with the state each left behind and handed out again.
/// Arguments start from the state their head left, which differs from head to head:
/// they are not kept.
#[derive(Default)]
struct Spine<'p> {
    found: RefCell<BTreeMap<(usize, u32), Heads<'p>>>,
}

/// Heads found, each with the state it left, in the order they were found.
type Heads<'p> = Rc<Vec<(State<'p>, ETerm)>>;

type ETermThen<'a, 'p> = dyn FnMut(&mut Explorer<'p>, State<'p>, ETerm) -> Flow + 'a;

/// A scrutinee found by enumeration: the program, its datatype, its ghosts.
pub(crate) type Scrutinee = (Prog, RType, Vec<(Symbol, RType)>);

impl<'p> Explorer<'p> {
    /// Every E-term of type `ty`, by increasing application depth up to the bound, each
    /// with the auxiliary goals it queued solved.
    pub fn generate_e(&mut self, st: State<'p>, scope: &Scope, ty: &RType, k: &mut Then<'_, 'p>) -> Flow {
        let goal = EGoal { missing: 0, target: Target::Type(ty.clone()) };
        let spine = Spine::default();
        for d in 0..=self.bounds.app_depth {
            let k = &mut |ex: &mut Self, st, e: ETerm| ex.solve_aux(st, e.prog, k);
            self.generate_e_at(st.clone(), scope, &goal, d, Some(&spine), k)?;
        }
        Flow::Continue(())
    }

    /// Every E-term of some datatype with application depth at most `depth`.
    pub fn generate_scrutinee(
        &mut self,
        st: State<'p>,
        scope: &Scope,
        depth: u32,
        k: &mut dyn FnMut(&mut Self, State<'p>, Scrutinee) -> Flow,
    ) -> Flow {
        let goal = EGoal { missing: 0, target: Target::AnyData };
        let spine = Spine::default();
        for d in 0..=depth {
            self.generate_e_at(st.clone(), scope, &goal, d, Some(&spine), &mut |ex, st, e| {
                let ty = st.typing.resolve(&e.ty);
                let ghosts = e.ghosts;
                ex.solve_aux(st, e.prog, &mut |ex, st, prog| k(ex, st, (prog, ty.clone(), ghosts.clone())))
            })?;
        }
        Flow::Continue(())
    }

    /// Solves the queued auxiliary goals (function-typed arguments of `prog`), each as
    /// a term of its type, and puts the solutions in: inlined when small, else bound by
    /// a `let` around the E-term.
    ///
    /// Helpers that do not call themselves come first, built in the full scope. Then
    /// recursive ones: such a helper calls itself polymorphically in the goal's type
    /// variables (see `auxiliary_recursion`), so it may not use the enclosing locals
    /// whose types mention them.
    fn solve_aux(&mut self, mut st: State<'p>, prog: Prog, k: &mut Then<'_, 'p>) -> Flow {
        let Some(goal) = st.aux.pop_front() else { return k(self, st, prog) };
        let mut scope = goal.scope.clone();
        scope.aux_left = scope.aux_left.saturating_sub(1);
        scope.matches_left = self.bounds.match_depth;
        let name = goal.name;
        let mut insert = |ex: &mut Self, st: State<'p>, f: Prog| {
            let f = f.eta_contract();
            let prog = if f.size() > 5 || f.mentions(name) {
                Prog::Let(name, Box::new(f), Box::new(prog.clone()))
            } else {
                prog.replace_var(name, &f)
            };
            ex.solve_aux(st, prog, k)
        };
        self.generate_i(st.clone(), &scope, &goal.ty, &mut insert)?;
        let Some((scope, ty)) = self.recursive_aux_scope(&mut st, &scope, name, &goal.ty) else {
            return Flow::Continue(());
        };
        self.generate_i(st, &scope, &ty, &mut |ex, st, f| {
            if f.mentions(name) { insert(ex, st, f) } else { Flow::Continue(()) }
        })
    }

    /// The scope and type for a recursive helper `name` of type `ty`: its parameters
    /// named as its lambdas will be (the termination condition mentions them), the
    /// locals whose types mention a type variable hidden, and `name` bound to its
    /// recursive type. `None` if the helper has no argument that can decrease.
    fn recursive_aux_scope(
        &mut self,
        st: &mut State<'p>,
        scope: &Scope,
        name: Symbol,
        ty: &RType,
    ) -> Option<(Scope, RType)> {
        let ty = self.name_params(scope, &st.typing.resolve(ty));
        let mut env = scope.env.clone();
        for (x, t) in scope.env.locals() {
            let t = st.typing.resolve(t);
            if scope.env.type_vars().any(|a| mentions_type_var(&t, a)) {
                env = env.hide(x);
            }
        }
        let schema = auxiliary_recursion(&mut st.typing, &env, &ty, &[])?;
        let env = env.with_global(name, schema);
        let unfolded = scope.unfolded.iter().copied().filter(|x| !env.is_ghost(*x)).collect();
        Some((Scope { env, unfolded, ..scope.clone() }, ty))
    }

    /// `ty` with its parameters renamed to the binders the search's lambdas will get.
    fn name_params(&mut self, scope: &Scope, ty: &RType) -> RType {
        match ty {
            RType::Function { param, arg, result } => {
                let x = self.binder_for(scope, *param);
                let result = match arg.sort() {
                    Some(sort) if x != *param => rename_var(result, *param, &Formula::var(x, sort)),
                    _ => (**result).clone(),
                };
                let inner = scope.bind(x, (**arg).clone(), false);
                RType::Function {
                    param: x,
                    arg: arg.clone(),
                    result: Box::new(self.name_params(&inner, &result)),
                }
            }
            scalar => scalar.clone(),
        }
    }

    fn generate_depth(
        &mut self,
        st: State<'p>,
        scope: &Scope,
        goal: &EGoal,
        depth: Depth,
        spine: Option<&Spine<'p>>,
        k: &mut ETermThen<'_, 'p>,
    ) -> Flow {
        match depth {
            Depth::At(d) => self.generate_e_at(st, scope, goal, d, spine, k),
            Depth::UpTo(d) => {
                for i in 0..=d {
                    self.generate_e_at(st.clone(), scope, goal, i, spine, k)?;
                }
                Flow::Continue(())
            }
        }
    }

    /// Every E-term for `goal` of application depth exactly `d`. With a `spine`, `st`
    /// is the state its enumeration started from, and the heads found from it are
    /// remembered there (see [`Spine`]).
    fn generate_e_at(
        &mut self,
        st: State<'p>,
        scope: &Scope,
        goal: &EGoal,
        d: u32,
        spine: Option<&Spine<'p>>,
        k: &mut ETermThen<'_, 'p>,
    ) -> Flow {
        self.tick()?;
        // The goal itself (no argument missing) is asked for once per depth; only heads
        // are asked for again.
        let Some(spine) = spine.filter(|_| goal.missing > 0) else {
            return self.generate_e_at_afresh(st, scope, goal, d, spine, k);
        };
        let key = (goal.missing, d);
        let known = spine.found.borrow().get(&key).cloned();
        if let Some(found) = known {
            self.stats.heads_reused += found.len() as u64;
            for (st, term) in found.iter() {
                self.tick()?;
                k(self, st.clone(), term.clone())?;
            }
            return Flow::Continue(());
        }
        let mut found = Vec::new();
        self.generate_e_at_afresh(st, scope, goal, d, Some(spine), &mut |ex, st, term| {
            found.push((st.clone(), term.clone()));
            k(ex, st, term)
        })?;
        // Only a complete list is remembered: a search that stopped early has returned.
        spine.found.borrow_mut().insert(key, Rc::new(found));
        Flow::Continue(())
    }

    /// [`Explorer::generate_e_at`], enumerated.
    fn generate_e_at_afresh(
        &mut self,
        st: State<'p>,
        scope: &Scope,
        goal: &EGoal,
        d: u32,
        spine: Option<&Spine<'p>>,
        k: &mut ETermThen<'_, 'p>,
    ) -> Flow {
        if d == 0 {
            return self.enumerate_symbols(st, scope, goal, k);
        }
        if goal.missing >= self.max_arity(scope) {
            return Flow::Continue(());
        }
        self.generate_app(st.clone(), scope, goal, (Depth::UpTo(d - 1), Depth::At(d - 1)), spine, k)?;
        self.generate_app(st, scope, goal, (Depth::At(d), Depth::UpTo(d - 1)), spine, k)
    }

    /// The largest number of arguments any symbol in scope takes.
    fn max_arity(&self, scope: &Scope) -> usize {
        let locals = scope.env.locals().map(|(_, t)| t.arity());
        let globals = scope.env.globals().map(|(_, s)| s.ty.arity());
        let ctors = self.program.constructors.values().map(|c| c.schema.ty.arity());
        locals.chain(globals).chain(ctors).max().unwrap_or(0)
    }

    /// `head arg`: a head with one more argument missing, then the argument against the
    /// head's formal type.
    fn generate_app(
        &mut self,
        st: State<'p>,
        scope: &Scope,
        goal: &EGoal,
        (head_depth, arg_depth): (Depth, Depth),
        spine: Option<&Spine<'p>>,
        k: &mut ETermThen<'_, 'p>,
    ) -> Flow {
        let head_goal = EGoal { missing: goal.missing + 1, target: goal.target.clone() };
        // Heads start from this call's state; arguments from the head's.
        self.generate_depth(st, scope, &head_goal, head_depth, spine, &mut |ex, st, head| {
            let RType::Function { param, arg, result } = st.typing.resolve(&head.ty) else {
                return Flow::Continue(());
            };
            let head_scope = scope.with_ghosts(&head.ghosts);
            if arg.is_function() {
                // A higher-order argument: synthesized as an auxiliary goal once the
                // application is complete and its type variables are known.
                if scope.aux_left == 0 {
                    return Flow::Continue(());
                }
                let name = ex.fresh_binder(&head_scope, "f");
                let mut st = st;
                st.aux.push_back(AuxGoal { name, scope: head_scope, ty: *arg });
                let term = ETerm {
                    prog: Prog::app(head.prog.clone(), Prog::Var(name)),
                    ty: *result,
                    ghosts: head.ghosts.clone(),
                };
                return ex.check_e(st, scope, goal, term, k);
            }
            let arg_goal = EGoal { missing: 0, target: Target::Type((*arg).clone()) };
            // Arguments already applied that the new one must not precede (symmetry).
            let partners = ex.symmetric_partners(scope, &head.prog);
            ex.generate_depth(st, &head_scope, &arg_goal, arg_depth, None, &mut |ex, st, a| {
                if !partners.iter().all(|p| symmetry::in_order(p, &a.prog)) {
                    ex.stats.symmetric_skips += 1;
                    return Flow::Continue(());
                }
                let mut ghosts = head.ghosts.clone();
                ghosts.extend(a.ghosts.iter().cloned());
                let sort = arg.sort().unwrap_or(crate::logic::Sort::Int);
                let ty = match &a.prog {
                    Prog::Var(x) if head_scope.env.local(*x).is_some() => {
                        rename_var(&result, param, &Formula::var(*x, sort))
                    }
                    _ => {
                        // The argument's value is named by the formal parameter itself
                        // (fresh for this instantiation), bound as a ghost.
                        ghosts.push((param, st.typing.resolve(&a.ty)));
                        (*result).clone()
                    }
                };
                let term = ETerm { prog: Prog::app(head.prog.clone(), a.prog), ty, ghosts };
                ex.check_e(st, scope, goal, term, k)
            })
        })
    }

    /// Checks a (possibly partial) E-term against its goal: the subtyping of its result
    /// with the missing arguments opaque, and, when arguments are missing, the
    /// consistency of its result with the goal.
    fn check_e(
        &mut self,
        st: State<'p>,
        scope: &Scope,
        goal: &EGoal,
        term: ETerm,
        k: &mut ETermThen<'_, 'p>,
    ) -> Flow {
        self.count_candidate()?;
        let env = scope.with_ghosts(&term.ghosts).env;
        let mut opaque = env.clone();
        let mut declared = env;
        let mut t = st.typing.resolve(&term.ty);
        for _ in 0..goal.missing {
            let RType::Function { param, arg, result } = t else { return Flow::Continue(()) };
            if arg.sort().is_some() {
                opaque = opaque.bind_opaque(param, (*arg).clone());
                declared = declared.bind(param, *arg);
            }
            t = *result;
        }
        if self.trace {
            let shown = crate::syntax::pretty::print_term(&term.prog.to_term());
            eprintln!(
                "[{}] {shown} :: {} (missing {})",
                self.stats.candidates,
                st.typing.resolve(&term.ty),
                goal.missing
            );
        }
        match &goal.target {
            Target::AnyData => {
                if !matches!(t, RType::Scalar { base: BaseType::Data { .. }, .. }) {
                    return Flow::Continue(());
                }
                k(self, st, term)
            }
            Target::Type(required) => {
                let mut st = st;
                match st.typing.subtype(&opaque, &t, required, 0..0) {
                    Err(SubtypeError::Shape { .. }) => {
                        self.stats.shape_rejects += 1;
                        return Flow::Continue(());
                    }
                    Err(_) => {
                        self.stats.refinement_rejects += 1;
                        return Flow::Continue(());
                    }
                    Ok(()) => {}
                }
                if goal.missing == 0 {
                    return k(self, st, term);
                }
                // Heads that are not symbols (none are built today) are always checked.
                let kind = match term.prog.head() {
                    Prog::Var(name) | Prog::Ctor(name) => Some((*name, goal.missing)),
                    _ => None,
                };
                if kind.is_none_or(|kind| self.ledger.worth_checking(kind)) {
                    let pruned = st.typing.consistent(&declared, &t, required).is_err();
                    if let Some(kind) = kind {
                        self.ledger.checked(kind, pruned);
                    }
                    if pruned {
                        self.stats.consistency_rejects += 1;
                        return Flow::Continue(());
                    }
                } else {
                    self.stats.consistency_skips += 1;
                }
                let before = self.stats.candidates;
                let flow = k(self, st, term);
                if let Some(kind) = kind {
                    self.ledger.went_on(kind, self.stats.candidates - before);
                }
                flow
            }
        }
    }

    /// Whether the symbol's result, once its missing arguments are supplied, may have
    /// the goal's shape (`false` only where `check_e` would reject it for its shape).
    /// Symbols are enumerated with exactly the missing number of arguments, so that
    /// result is their type's final one.
    fn may_fit(&self, st: &State<'p>, source: &Source, goal: &EGoal) -> bool {
        let (ty, wild): (&RType, &[Symbol]) = match source {
            Source::Local(ty) => (ty, &[]),
            Source::Global(schema) | Source::Ctor(schema) => (&schema.ty, &schema.type_vars),
        };
        let result = ty.result();
        match &goal.target {
            Target::Type(required) => st.typing.may_have_shape(result, wild, required),
            Target::AnyData => st.typing.may_be_data(result, wild),
        }
    }

    /// The arguments of the partial application `head` that are symmetric (see
    /// `symmetry`) with the next one: applications whose next argument would come before
    /// one of them are the same as one kept, with the two swapped.
    fn symmetric_partners(&mut self, scope: &Scope, head: &Prog) -> Vec<Prog> {
        let mut args = Vec::new();
        let mut f = head;
        while let Prog::App(inner, arg) = f {
            args.push(&**arg);
            f = inner;
        }
        // The first argument has no earlier one to be swapped with.
        if args.is_empty() {
            return Vec::new();
        }
        args.reverse();
        let (name, schema) = match f {
            Prog::Var(name) if scope.env.local(*name).is_none() => (*name, scope.env.global(*name)),
            Prog::Ctor(name) => (*name, self.program.constructors.get(name).map(|c| &c.schema)),
            _ => return Vec::new(),
        };
        let Some(schema) = schema else { return Vec::new() };
        let pairs = self.symmetry.pairs(name, &schema.ty);
        let next = args.len();
        pairs.iter().filter(|(_, j)| *j == next).map(|(i, _)| args[*i].clone()).collect()
    }

    /// Every symbol whose type takes exactly the missing number of arguments. For value
    /// targets, variables come before constants; for heads, components and constructors
    /// before variables; then the less used first, then by name (Synquid's order).
    fn enumerate_symbols(
        &mut self,
        st: State<'p>,
        scope: &Scope,
        goal: &EGoal,
        k: &mut ETermThen<'_, 'p>,
    ) -> Flow {
        let arity = goal.missing;
        let mut symbols: Vec<(u8, Symbol, Source)> = Vec::new();
        let variable_rank = if arity == 0 { 0 } else { 1 };
        let constant_rank = 1 - variable_rank;
        for (name, ty) in scope.env.locals() {
            if ty.arity() == arity && !scope.env.is_ghost(name) {
                symbols.push((variable_rank, name, Source::Local(ty.clone())));
            }
        }
        for (name, schema) in scope.env.globals() {
            if schema.ty.arity() == arity {
                let rank = if name == self.goal.name { variable_rank } else { constant_rank };
                symbols.push((rank, name, Source::Global(schema.clone())));
            }
        }
        for (name, def) in &self.program.constructors {
            if def.schema.ty.arity() == arity {
                symbols.push((constant_rank, *name, Source::Ctor(def.schema.clone())));
            }
        }
        let uses = |name: &Symbol| st.uses.get(name).copied().unwrap_or(0);
        symbols.sort_by_key(|a| (a.0, uses(&a.1), a.1));
        for (_, name, source) in symbols {
            if name != self.goal.name && !self.may_fit(&st, &source, goal) {
                // Rejected for its shape before it is instantiated, and counted as the
                // candidate it would have been, so a lane's work is what it was.
                self.count_candidate()?;
                if let Target::Type(_) = goal.target {
                    self.stats.shape_rejects += 1;
                }
                continue;
            }
            let mut st = st.clone();
            let (prog, ty) = match source {
                Source::Local(ty) => {
                    let ty = st.typing.resolve(&ty);
                    let ty = match ty.sort() {
                        Some(sort) => singleton(&ty, Formula::var(name, sort)),
                        // Fresh parameter names for each use of a function variable.
                        None => st.typing.instantiate(&scope.env, &Schema::mono(ty)),
                    };
                    (Prog::Var(name), ty)
                }
                Source::Global(schema) => (Prog::Var(name), st.typing.instantiate(&scope.env, &schema)),
                Source::Ctor(schema) => (Prog::Ctor(name), st.typing.instantiate(&scope.env, &schema)),
            };
            if name == self.goal.name
                && let Some(spec) = &self.recursive
                && st.typing.unify_shapes(&scope.env, &ty, spec).is_err()
            {
                continue;
            }
            let count = st.uses.get(&name).copied().unwrap_or(0);
            st.uses.insert(name, count + 1);
            self.check_e(st, scope, goal, ETerm { prog, ty, ghosts: Vec::new() }, k)?;
        }
        Flow::Continue(())
    }
}
