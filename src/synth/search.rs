//! The search: I-terms top-down (lambdas, conditionals by liquid abduction, matches),
//! E-terms bottom-up (module `enumerate`), every step checked by the liquid type checker
//! (synthesis-algorithm.md (f)).
//!
//! **Backtracking in continuation-passing style.** Every generator takes the search state
//! by value and a continuation `k` that receives each solution it finds, in order. The
//! continuation answers [`Flow::Continue`] to ask for the next solution (the rest of the
//! program could not be completed from this one) or [`Flow::Break`] to stop the whole
//! search (a complete, verified program was found, or time ran out). A generator that
//! has tried everything returns `Continue`: "no more solutions here". The typing state
//! is persistent where it is large, so handing a copy to each alternative is cheap, and
//! a failed alternative simply drops its copy.
//!
//! Synquid commits to some choices once made (its `once`/`cut`): the body of a
//! conditional's `then` branch, the cases of a match. [`Explorer::once`] does the same:
//! it stops the inner search at its first solution and continues with that one only.
//! The commitments keep the search fast; the schedule of bounds (see `config`) makes up
//! for some of what they lose.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use imbl::{OrdMap, Vector};

use super::config::Bounds;
use super::context::{CaseSite, Context, DeadEnd, Frame};
use super::prog::{Case, Prog};
use super::scope::Scope;
use crate::logic::{Formula, Symbol};
use crate::resolve::{GoalDef, Program};
use crate::types::check::case_bindings;
use crate::types::subtype::TypingState;
use crate::types::{BaseType, RType};

/// Why the search stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    /// A complete program was found and accepted.
    Found,
    /// An inner search committed to its first solution (internal to `once`).
    Cut,
    /// The time limit was reached.
    Timeout,
    /// The user asked to stop.
    Cancelled,
}

pub(crate) type Flow = ControlFlow<Stop>;

/// A continuation receiving programs.
pub(crate) type Then<'a, 'p> = dyn FnMut(&mut Explorer<'p>, State<'p>, Prog) -> Flow + 'a;

/// A continuation receiving a match case and the assumption (or condition) it came with.
pub(crate) type CaseThen<'a, 'p> = dyn FnMut(&mut Explorer<'p>, State<'p>, (Case, Formula)) -> Flow + 'a;

/// The search state: what backtracking must restore.
#[derive(Clone)]
pub(crate) struct State<'p> {
    pub typing: TypingState<'p>,
    /// How often each symbol has been used on this path (rarely used ones are tried
    /// first).
    pub uses: OrdMap<Symbol, u32>,
    /// Auxiliary goals (higher-order arguments) queued by the current E-term.
    pub aux: Vector<AuxGoal>,
}

/// A function-typed argument to be synthesized once its application is complete.
#[derive(Clone, Debug)]
pub(crate) struct AuxGoal {
    pub name: Symbol,
    pub scope: Scope,
    pub ty: RType,
}

/// Counters of the search's work.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SearchStats {
    /// Candidate terms (complete or partial) checked against their goal.
    pub candidates: u64,
    /// Candidates rejected because their shape does not fit (no SMT needed).
    pub shape_rejects: u64,
    /// Candidates rejected because no valuation proves their refinement.
    pub refinement_rejects: u64,
    /// Partial applications rejected because no arguments could make them fit.
    pub consistency_rejects: u64,
    /// Applications skipped as the mirror image of one kept (see `symmetry`).
    pub symmetric_skips: u64,
    /// Consistency checks left out as not worth their cost (see `ledger`).
    pub consistency_skips: u64,
    /// Partial applications handed out again from an enumeration's memory instead of
    /// being built and checked again (see `enumerate`'s `Spine`); not candidates.
    pub heads_reused: u64,
    /// Complete programs rejected by the final verification.
    pub rejected: u64,
}

impl SearchStats {
    pub fn add(&mut self, other: &SearchStats) {
        self.candidates += other.candidates;
        self.shape_rejects += other.shape_rejects;
        self.refinement_rejects += other.refinement_rejects;
        self.consistency_rejects += other.consistency_rejects;
        self.symmetric_skips += other.symmetric_skips;
        self.consistency_skips += other.consistency_skips;
        self.heads_reused += other.heads_reused;
        self.rejected += other.rejected;
    }
}

/// The link between a search and whoever watches it: a stop signal (Ctrl-C) and a
/// count of the candidates checked so far, over all lanes (for progress displays).
#[derive(Clone, Debug, Default)]
pub struct CancelFlag {
    cancelled: Arc<AtomicBool>,
    candidates: Arc<AtomicU64>,
}

impl CancelFlag {
    pub fn new() -> CancelFlag {
        CancelFlag::default()
    }

    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// Candidates checked by the searches watched through this flag.
    pub fn candidates(&self) -> u64 {
        self.candidates.load(Ordering::Relaxed)
    }
}

/// The search driver: the goal, the bounds, the budget and the counters.
pub(crate) struct Explorer<'p> {
    pub program: &'p Program,
    pub goal: &'p GoalDef,
    pub bounds: Bounds,
    deadline: Instant,
    cancel: CancelFlag,
    pub stats: SearchStats,
    /// The goal's own type, for the shape constraint on recursive calls.
    pub recursive: Option<RType>,
    /// Numbering of the binders the search introduces (`x1`, `x2`, ...).
    binder_count: u32,
    /// Whether to print every candidate to stderr (`--trace`, for developers; the one
    /// place outside the CLI that writes, because a trace is only useful live).
    pub trace: bool,
    /// The program around the hole being filled.
    pub ctx: Context,
    /// The largest partial program met whose open hole admitted no term.
    pub dead_end: Option<DeadEnd>,
    /// The lane's budget when several bound settings share the goal (see `schedule`).
    pub budget: Option<super::schedule::Budget>,
    /// The meter of the SMT work the search asked for, when its work is counted (a
    /// budgeted lane, or `--trace-work`).
    pub meter: Option<Arc<AtomicU64>>,
    /// The symmetric parameter pairs of the symbols used as heads.
    pub symmetry: super::symmetry::SymmetryMemo,
    /// Which consistency checks have paid for themselves so far (see `ledger`).
    pub ledger: super::ledger::Ledger,
    /// The record of the search's work over time (`--trace-work`, for developers).
    pub work_trace: Option<super::work_trace::WorkTrace>,
}

impl<'p> Explorer<'p> {
    pub fn new(
        program: &'p Program,
        goal: &'p GoalDef,
        bounds: Bounds,
        deadline: Instant,
        cancel: CancelFlag,
        recursive: Option<RType>,
    ) -> Explorer<'p> {
        Explorer {
            program,
            goal,
            bounds,
            deadline,
            cancel,
            stats: SearchStats::default(),
            recursive,
            binder_count: 0,
            trace: false,
            ctx: Context::default(),
            dead_end: None,
            budget: None,
            meter: None,
            symmetry: Default::default(),
            ledger: Default::default(),
            work_trace: None,
        }
    }

    /// Runs `inner` with `frame` added to the context; its solutions reach `k` in the
    /// context as it was.
    pub fn in_frame<T>(
        &mut self,
        frame: Frame,
        inner: impl FnOnce(&mut Self, &mut dyn FnMut(&mut Self, State<'p>, T) -> Flow) -> Flow,
        k: &mut dyn FnMut(&mut Self, State<'p>, T) -> Flow,
    ) -> Flow {
        let outer = self.ctx.clone();
        let inside = outer.push(frame);
        self.ctx = inside.clone();
        let flow = inner(self, &mut |ex, st, x| {
            ex.ctx = outer.clone();
            let flow = k(ex, st, x);
            ex.ctx = inside.clone();
            flow
        });
        self.ctx = outer;
        flow
    }

    /// Notes that the hole of `partial` (the current context, plugged with a hole)
    /// admits no term of type `ty`.
    fn dead_end(&mut self, partial: Prog, st: &State<'p>, scope: &Scope, ty: &RType) {
        let size = partial.size();
        if self.dead_end.as_ref().is_some_and(|d| d.size >= size) {
            return;
        }
        let solved = |f: &Formula| st.typing.horn.apply(f);
        let goal = crate::types::subtype::map_formulas(&st.typing.resolve(ty), &solved).to_string();
        let mut facts: Vec<String> = Vec::new();
        for fact in scope.env.assumptions() {
            for conjunct in solved(fact).conjuncts() {
                let shown = conjunct.to_string();
                let internal = conjunct.free_var_names().iter().any(|x| x.as_str().ends_with('\''));
                if !conjunct.is_true() && !internal && !facts.contains(&shown) {
                    facts.push(shown);
                }
            }
        }
        let program = crate::syntax::pretty::print_term(&partial.to_term());
        self.dead_end = Some(DeadEnd { program, goal, facts, size });
    }

    /// Counts a candidate; in a budgeted lane, checks the lane's work (candidates plus
    /// SMT work) against its budget, pausing the lane when the budget is used up until
    /// the schedule grants more (or stops it).
    pub fn count_candidate(&mut self) -> Flow {
        self.stats.candidates += 1;
        self.cancel.candidates.fetch_add(1, Ordering::Relaxed);
        if let Some(work) = self.work() {
            if let Some(trace) = &mut self.work_trace {
                trace.at(work);
            }
            if let Some(budget) = &self.budget
                && !budget.proceed(work, &self.stats)
            {
                return Flow::Break(Stop::Cancelled);
            }
        }
        self.tick()
    }

    /// The search's work so far in the schedule's units (candidates plus SMT work), if
    /// it is counted.
    pub fn work(&self) -> Option<u64> {
        self.meter.as_ref().map(|meter| self.stats.candidates + meter.load(Ordering::Relaxed))
    }

    /// Stops the search when time is up or it was cancelled.
    pub fn tick(&self) -> Flow {
        if self.cancel.is_cancelled() {
            return Flow::Break(Stop::Cancelled);
        }
        if Instant::now() >= self.deadline {
            return Flow::Break(Stop::Timeout);
        }
        Flow::Continue(())
    }

    /// Runs `inner` until its first solution and continues with that one only.
    pub fn once<T>(
        &mut self,
        inner: impl FnOnce(&mut Self, &mut dyn FnMut(&mut Self, State<'p>, T) -> Flow) -> Flow,
        k: &mut dyn FnMut(&mut Self, State<'p>, T) -> Flow,
    ) -> Flow {
        let mut first: Option<(State<'p>, T)> = None;
        let flow = inner(self, &mut |_, st, x| {
            first = Some((st, x));
            Flow::Break(Stop::Cut)
        });
        match (flow, first) {
            (Flow::Break(Stop::Cut), Some((st, x))) => k(self, st, x),
            (Flow::Break(Stop::Cut), None) | (Flow::Continue(()), _) => Flow::Continue(()),
            (other, _) => other,
        }
    }

    /// A fresh binder name that no variable in scope and no global name uses.
    pub fn fresh_binder(&mut self, scope: &Scope, base: &str) -> Symbol {
        loop {
            self.binder_count += 1;
            let name = Symbol::from(format!("{base}{}", self.binder_count).as_str());
            if !self.is_taken(scope, name) {
                return name;
            }
        }
    }

    /// A user-facing name for a parameter: its own name when that is a valid identifier
    /// not bound yet, otherwise a fresh one based on it.
    pub fn binder_for(&mut self, scope: &Scope, param: Symbol) -> Symbol {
        let text = param.as_str();
        if !text.ends_with('\'') && !self.is_taken(scope, param) {
            return param;
        }
        let base: String = text.trim_end_matches('\'').trim_end_matches(|c: char| c.is_ascii_digit()).into();
        let base = if base.is_empty() || !base.starts_with(|c: char| c.is_ascii_lowercase()) {
            "x".into()
        } else {
            base
        };
        self.fresh_binder(scope, &base)
    }

    fn is_taken(&self, scope: &Scope, name: Symbol) -> bool {
        scope.env.local(name).is_some()
            || scope.env.global(name).is_some()
            || self.program.measures.contains_key(&name)
            || self.program.predicates.contains_key(&name)
            || self.program.inlines.contains_key(&name)
            || self.program.component(name).is_some()
    }

    // ----------------------------------------------------------------------------------
    // I-terms
    // ----------------------------------------------------------------------------------

    /// A hole at the top of a goal or in a template: `error` if the point is
    /// unreachable, otherwise any term of the type.
    pub fn generate_hole(&mut self, st: State<'p>, scope: &Scope, ty: &RType, k: &mut Then<'_, 'p>) -> Flow {
        if let Some(st) = self.generate_error(st.clone(), scope) {
            k(self, st, Prog::Error)?;
        }
        self.generate_i(st, scope, ty, k)
    }

    /// Every term of type `ty` (top-down).
    pub fn generate_i(&mut self, st: State<'p>, scope: &Scope, ty: &RType, k: &mut Then<'_, 'p>) -> Flow {
        self.tick()?;
        let ty = st.typing.resolve(ty);
        match &ty {
            RType::Function { param, arg, result } => {
                let x = self.binder_for(scope, *param);
                let result = match arg.sort() {
                    Some(sort) if x != *param => {
                        crate::types::subtype::rename_var(result, *param, &Formula::var(x, sort))
                    }
                    _ => (**result).clone(),
                };
                // Every argument of the function being built is a potential scrutinee.
                let mut inner = scope.bind(x, (**arg).clone(), true);
                inner.unfolded =
                    inner.env.locals().map(|(n, _)| n).filter(|n| !inner.env.is_ghost(*n)).collect();
                self.in_frame(
                    Frame::Lambda(x),
                    |ex, k| ex.generate_i(st, &inner, &result, k),
                    &mut |ex, st, body| k(ex, st, Prog::lambda(x, body)),
                )
            }
            RType::Scalar { .. } => {
                let abduce = self.bounds.abduce_scrutinees
                    && scope.matches_left > 0
                    && !self.potential_scrutinees(&st, scope).is_empty();
                let mut produced = false;
                // The state is kept for an explanation only if this hole would be the
                // largest dead end yet.
                let partial = self.ctx.plug(Prog::Hole);
                let at = self.dead_end.as_ref().is_none_or(|d| d.size < partial.size()).then(|| st.clone());
                let mut counted = |ex: &mut Self, st: State<'p>, p: Prog| {
                    produced = true;
                    k(ex, st, p)
                };
                let flow = if abduce {
                    self.generate_maybe_match_if(st, scope, &ty, &mut counted)
                } else {
                    self.generate_maybe_if(st, scope, &ty, &mut counted)
                };
                if let Some(at) = at
                    && flow.is_continue()
                    && !produced
                {
                    self.dead_end(partial, &at, scope, &ty);
                }
                flow
            }
        }
    }

    /// `error` if the environment is inconsistent (the point cannot be reached).
    pub fn generate_error(&mut self, mut st: State<'p>, scope: &Scope) -> Option<State<'p>> {
        if self.count_candidate().is_break() {
            return None;
        }
        st.typing.unreachable(&scope.env, 0..0).ok().map(|()| st)
    }

    /// Potential scrutinees as logic variables: unfolded, not yet matched, of a datatype
    /// with constructors.
    fn potential_scrutinees(&self, st: &State<'p>, scope: &Scope) -> Vec<Formula> {
        scope
            .potential_scrutinees(|t| st.typing.resolve(t))
            .into_iter()
            .filter(|(_, ty)| self.has_constructors(ty))
            .filter_map(|(x, ty)| Some(Formula::var(x, ty.sort()?)))
            .collect()
    }

    fn has_constructors(&self, ty: &RType) -> bool {
        match ty {
            RType::Scalar { base: BaseType::Data { name, .. }, .. } => {
                self.program.datatypes.get(name).is_some_and(|d| !d.constructors.is_empty())
            }
            _ => false,
        }
    }

    /// An E-term under an abduced condition, then the rest of the inputs; if no E-term
    /// works under any condition, a match.
    fn generate_maybe_if(&mut self, st: State<'p>, scope: &Scope, ty: &RType, k: &mut Then<'_, 'p>) -> Flow {
        let mut then_st = st.clone();
        let c = then_st.typing.fresh_condition(&scope.env);
        let under_c = scope.assume(c.clone());
        let mut found = None;
        match self.generate_e(then_st, &under_c, ty, &mut |_, st, e| {
            found = Some((st, e));
            Flow::Break(Stop::Cut)
        }) {
            Flow::Break(Stop::Cut) => {}
            Flow::Continue(()) => return self.generate_match(st, scope, ty, k),
            other => return other,
        }
        let (then_st, then_branch) = found.expect("a solution was recorded");
        let Ok(valuations) = then_st.typing.valuations(&c) else {
            return self.generate_match(st, scope, ty, k);
        };
        for (cond, typing) in valuations {
            let st = State { typing, ..then_st.clone() };
            self.finish_if(st, scope, ty, &cond, then_branch.clone(), k)?;
        }
        Flow::Continue(())
    }

    /// `then_branch` is correct when `cond` holds: done if `cond` is `true`, otherwise
    /// `if cond then then_branch else e` for some `e` correct when it does not — or just
    /// `e`, if `e` turns out to be correct without that assumption.
    fn finish_if(
        &mut self,
        st: State<'p>,
        scope: &Scope,
        ty: &RType,
        cond: &Formula,
        then_branch: Prog,
        k: &mut Then<'_, 'p>,
    ) -> Flow {
        if cond.is_true() {
            return k(self, st, then_branch);
        }
        self.generate_condition(st, scope, cond, &mut |ex, mut st, guard| {
            let negated = st.typing.fixed_unknown(!cond.clone());
            let otherwise = scope.assume(negated.clone());
            let frame = Frame::Else { cond: guard.clone(), then_branch: then_branch.clone() };
            ex.in_frame(frame, |ex, k| ex.generate_i(st, &otherwise, ty, k), &mut |ex, st, else_branch| {
                let mut without = st.clone();
                if without.typing.recheck_fixed(&negated, Formula::tt()).is_ok() {
                    return k(ex, without, else_branch);
                }
                k(ex, st, Prog::if_(guard.clone(), then_branch.clone(), else_branch))
            })
        })
    }

    /// Code for an abduced condition: executable conjuncts with the built-in operators,
    /// the others (measures, predicates) as E-terms of type `{Bool | _v == q}`.
    fn generate_condition(
        &mut self,
        st: State<'p>,
        scope: &Scope,
        cond: &Formula,
        k: &mut Then<'_, 'p>,
    ) -> Flow {
        let conjuncts = cond.conjuncts();
        self.conjuncts_code(st, scope, &conjuncts, None, k)
    }

    fn conjuncts_code(
        &mut self,
        st: State<'p>,
        scope: &Scope,
        rest: &[Formula],
        acc: Option<Prog>,
        k: &mut Then<'_, 'p>,
    ) -> Flow {
        let Some((first, rest)) = rest.split_first() else {
            return k(self, st, acc.unwrap_or(Prog::Bool(true)));
        };
        let join = |acc: &Option<Prog>, p: Prog| match acc {
            Some(a) => Prog::and(a.clone(), p),
            None => p,
        };
        let executable = Prog::from_formula(first)
            .filter(|p| p.symbols().iter().all(|x| scope.env.local(*x).is_some() && !scope.env.is_ghost(*x)));
        if let Some(p) = executable {
            let acc = Some(join(&acc, p));
            return self.conjuncts_code(st, scope, rest, acc, k);
        }
        let bool_ty = RType::scalar(
            BaseType::Bool,
            Formula::iff(Formula::value_var(crate::logic::Sort::Bool), first.clone()),
        );
        self.once(|ex, k| ex.generate_e(st, scope, &bool_ty, k), &mut |ex, st, p| {
            let acc = Some(join(&acc, p));
            ex.conjuncts_code(st, scope, rest, acc, k)
        })
    }

    // ----------------------------------------------------------------------------------
    // Matches
    // ----------------------------------------------------------------------------------

    /// Match abduction: an E-term (or `error`) under a fresh match condition `x == K`
    /// and a fresh branch condition; if the match condition names a scrutinee, the
    /// E-term is the `K` case of a match on `x`, whose other cases are then generated.
    /// Falls back to scrutinee enumeration.
    fn generate_maybe_match_if(
        &mut self,
        st: State<'p>,
        scope: &Scope,
        ty: &RType,
        k: &mut Then<'_, 'p>,
    ) -> Flow {
        self.match_if_branch(st.clone(), scope, ty, k)?;
        self.generate_match(st, scope, ty, k)
    }

    fn match_if_branch(
        &mut self,
        mut st: State<'p>,
        scope: &Scope,
        ty: &RType,
        k: &mut Then<'_, 'p>,
    ) -> Flow {
        let scrutinees = self.potential_scrutinees(&st, scope);
        let m = st.typing.fresh_match_condition(&scrutinees);
        let c = st.typing.fresh_condition(&scope.env);
        let under = scope.assume(m.clone()).assume(c.clone());
        let matches_left = scope.matches_left;
        // The first E-term (or `error`) whose conditions are usable.
        let accept = |_: &mut Self, st: State<'p>, p0: Prog, found: &mut Option<Abduced<'p>>| -> Flow {
            let Ok(match_vals) = st.typing.valuations(&m) else { return Flow::Continue(()) };
            for (match_val, typing) in match_vals {
                let st = State { typing, ..st.clone() };
                let equations =
                    match_val.conjuncts().into_iter().filter(|f| !f.is_true()).collect::<Vec<_>>();
                let vars: Vec<Symbol> = equations.iter().flat_map(|e| e.free_var_names()).collect();
                if p0 == Prog::Error && vars.len() != 1 {
                    // A vacuous `error` that is not a base case gains nothing.
                    continue;
                }
                if equations.len() > matches_left as usize {
                    continue;
                }
                let Ok(conds) = st.typing.valuations(&c) else { continue };
                if let Some((cond, typing)) = conds.into_iter().next() {
                    *found = Some(Abduced { st: State { typing, ..st }, equations, cond, p0 });
                    return Flow::Break(Stop::Cut);
                }
            }
            Flow::Continue(())
        };
        let mut found: Option<Abduced<'p>> = None;
        let mut flow = Flow::Continue(());
        if let Some(st_err) = self.generate_error(st.clone(), &under) {
            flow = accept(self, st_err, Prog::Error, &mut found);
        }
        if flow.is_continue() {
            flow = self.generate_e(st, &under, ty, &mut |ex, st, p0| accept(ex, st, p0, &mut found));
        }
        match flow {
            Flow::Break(Stop::Cut) => {}
            Flow::Continue(()) => return Flow::Continue(()),
            other => return other,
        }
        let Abduced { st, equations, cond, p0 } = found.expect("a solution was recorded");
        let then_scope = scope.assume(cond.clone());
        self.once(
            |ex, k| ex.matches_for(st, &then_scope, &equations, p0, ty, k),
            &mut |ex, st, then_branch| ex.finish_if(st, scope, ty, &cond, then_branch, k),
        )
    }

    /// `match x with K -> p0 | ...` for the abduced equation `x == K` (nothing when
    /// there is no equation).
    fn matches_for(
        &mut self,
        st: State<'p>,
        scope: &Scope,
        equations: &[Formula],
        p0: Prog,
        ty: &RType,
        k: &mut Then<'_, 'p>,
    ) -> Flow {
        let Some((equation, rest)) = equations.split_first() else { return k(self, st, p0) };
        let crate::logic::Kind::Binary(crate::logic::BinOp::Eq, x, base) = equation.kind() else {
            return Flow::Continue(());
        };
        let (Some(x), crate::logic::Kind::Cons { name: base_ctor, .. }) = (x.var_name(), base.kind()) else {
            return Flow::Continue(());
        };
        let base_ctor = *base_ctor;
        let Some(scrutinee_ty) = scope.env.local(x).map(|t| st.typing.resolve(t)) else {
            return Flow::Continue(());
        };
        let scrutinee = Prog::Var(x);
        let inner = scope.scrutinize(scrutinee.clone());
        let value = Formula::var(x, scrutinee_ty.sort().unwrap_or(crate::logic::Sort::Int));
        let ctors = self.constructors_of(&scrutinee_ty);
        let base_scope = inner.assume(equation.clone());
        self.once(|ex, k| ex.matches_for(st, &base_scope, rest, p0, ty, k), &mut |ex, st, base_body| {
            let first = Case { ctor: base_ctor, binders: Vec::new(), body: base_body };
            let others: Vec<Symbol> = ctors.iter().copied().filter(|c| *c != base_ctor).collect();
            ex.other_cases(st, &inner, &scrutinee, &value, &scrutinee_ty, ty, vec![first], &others, true, k)
        })
    }

    /// The remaining cases of a match, each committed to once found; the match goes to
    /// `k`. With `collapse` (abduced matches), a case whose body uses none of its
    /// binders and holds without the case's assumption replaces the whole match.
    #[allow(clippy::too_many_arguments)]
    fn other_cases(
        &mut self,
        st: State<'p>,
        scope: &Scope,
        scrutinee: &Prog,
        value: &Formula,
        scrutinee_ty: &RType,
        ty: &RType,
        done: Vec<Case>,
        ctors: &[Symbol],
        collapse: bool,
        k: &mut Then<'_, 'p>,
    ) -> Flow {
        let Some((ctor, rest)) = ctors.split_first() else {
            return k(self, st, Prog::Match(Box::new(scrutinee.clone()), done));
        };
        let site = self.case_site(scrutinee, &done, rest);
        self.once(
            |ex, k| ex.generate_case(st, scope, value, scrutinee_ty, ty, *ctor, site, k),
            &mut |ex, st, (case, assumption): (Case, Formula)| {
                if collapse && !case.binders.iter().any(|b| case.body.mentions(*b)) {
                    let mut without = st.clone();
                    if without.typing.recheck_fixed(&assumption, Formula::tt()).is_ok() {
                        return k(ex, without, case.body);
                    }
                }
                let mut done = done.clone();
                done.push(case);
                ex.other_cases(st, scope, scrutinee, value, scrutinee_ty, ty, done, rest, collapse, k)
            },
        )
    }

    /// One case of a match on `value`: its binders, and a body (`error` or a term) under
    /// the case's assumption, held by a fixed unknown so it can be retracted.
    #[allow(clippy::too_many_arguments)]
    fn generate_case(
        &mut self,
        mut st: State<'p>,
        scope: &Scope,
        value: &Formula,
        scrutinee_ty: &RType,
        ty: &RType,
        ctor: Symbol,
        site: CaseSite,
        k: &mut CaseThen<'_, 'p>,
    ) -> Flow {
        let Some((binders, bindings, equation)) = self.case_parts(scope, scrutinee_ty, ctor, value) else {
            return Flow::Continue(());
        };
        let assumption = st.typing.fixed_unknown(equation);
        let case_scope = self.case_scope(scope, bindings, assumption.clone());
        let mut done = |ex: &mut Self, st: State<'p>, body: Prog| {
            let case = Case { ctor, binders: binders.clone(), body };
            k(ex, st, (case, assumption.clone()))
        };
        if let Some(st) = self.generate_error(st.clone(), &case_scope) {
            done(self, st, Prog::Error)?;
        }
        let frame = Frame::Case { site, ctor, binders: binders.clone() };
        self.in_frame(frame, |ex, k| ex.generate_i(st, &case_scope, ty, k), &mut done)
    }

    /// Fresh binders for a constructor's arguments, their types at the scrutinee's type,
    /// and the case's equation.
    #[allow(clippy::type_complexity)]
    fn case_parts(
        &mut self,
        scope: &Scope,
        scrutinee_ty: &RType,
        ctor: Symbol,
        value: &Formula,
    ) -> Option<(Vec<Symbol>, Vec<(Symbol, RType)>, Formula)> {
        let RType::Scalar { base: BaseType::Data { args, preds, .. }, .. } = scrutinee_ty else {
            return None;
        };
        let def = self.program.constructors.get(&ctor)?;
        let binders: Vec<Symbol> =
            (0..def.schema.ty.arity()).map(|_| self.fresh_binder(scope, "x")).collect();
        let (bindings, equation) = case_bindings(def, args, preds, &binders, value);
        Some((binders, bindings, equation))
    }

    pub fn constructors_of(&self, ty: &RType) -> Vec<Symbol> {
        match ty {
            RType::Scalar { base: BaseType::Data { name, .. }, .. } => {
                self.program.datatypes.get(name).map(|d| d.constructors.clone()).unwrap_or_default()
            }
            _ => Vec::new(),
        }
    }

    /// Match by scrutinee enumeration: an E-term of any datatype (application depth at
    /// most the scrutinee bound), matched on. The first case may instead be found
    /// unreachable under an abduced condition, which then guards the match.
    fn generate_match(&mut self, st: State<'p>, scope: &Scope, ty: &RType, k: &mut Then<'_, 'p>) -> Flow {
        if scope.matches_left == 0 {
            return Flow::Continue(());
        }
        let depth = self.bounds.scrutinee_depth;
        self.generate_scrutinee(st, scope, depth, &mut |ex, st, (scrutinee, scr_ty, ghosts)| {
            if !ex.good_scrutinee(scope, &scrutinee, &scr_ty) {
                return Flow::Continue(());
            }
            let sort = scr_ty.sort().unwrap_or(crate::logic::Sort::Int);
            let mut st = st;
            let (env_scope, value) = match &scrutinee {
                Prog::Var(x) => (scope.with_ghosts(&ghosts), Formula::var(*x, sort)),
                _ => {
                    let g = st.typing.fresh("G");
                    let mut all = ghosts.clone();
                    all.push((g, scr_ty.clone()));
                    (scope.with_ghosts(&all), Formula::var(g, sort))
                }
            };
            let inner = env_scope.scrutinize(scrutinee.clone());
            let ctors = ex.constructors_of(&scr_ty);
            let Some((first, others)) = ctors.split_first() else { return Flow::Continue(()) };
            let (first, others) = (*first, others.to_vec());
            let scrutinee = scrutinee.clone();
            ex.once(
                |ex, k| {
                    let site = ex.case_site(&scrutinee, &[], &others);
                    ex.first_case(st, &inner, &value, &scr_ty, ty, first, site, k)
                },
                &mut |ex, st, (case, cond): (Case, Formula)| {
                    let guarded = inner.assume(cond.clone());
                    let first = vec![case];
                    let mut then =
                        |ex: &mut Self, st, then_branch| ex.finish_if(st, scope, ty, &cond, then_branch, k);
                    ex.other_cases(
                        st, &guarded, &scrutinee, &value, &scr_ty, ty, first, &others, false, &mut then,
                    )
                },
            )
        })
    }

    /// The first case of an enumerated match: `error` under an abduced condition that
    /// makes only this case unreachable, or else a body (with condition `true`).
    #[allow(clippy::too_many_arguments)]
    fn first_case(
        &mut self,
        st: State<'p>,
        scope: &Scope,
        value: &Formula,
        scrutinee_ty: &RType,
        ty: &RType,
        ctor: Symbol,
        site: CaseSite,
        k: &mut CaseThen<'_, 'p>,
    ) -> Flow {
        let Some((binders, bindings, equation)) = self.case_parts(scope, scrutinee_ty, ctor, value) else {
            return Flow::Continue(());
        };
        let case_scope = self.case_scope(scope, bindings, equation);
        // A condition under which this case cannot happen (and the others can).
        let mut dead_st = st.clone();
        let dead = dead_st.typing.fresh_condition(&scope.env);
        if let Some(err_st) = self.generate_error(dead_st, &case_scope.assume(dead.clone()))
            && let Ok(valuations) = err_st.typing.valuations(&dead)
        {
            let mut any = false;
            for (cond, typing) in valuations {
                let st = State { typing, ..err_st.clone() };
                if self.generate_error(st.clone(), &scope.assume(cond.clone())).is_some() {
                    continue;
                }
                any = true;
                let case = Case { ctor, binders: binders.clone(), body: Prog::Error };
                k(self, st, (case, cond))?;
            }
            if any {
                return Flow::Continue(());
            }
        }
        let frame = Frame::Case { site, ctor, binders: binders.clone() };
        self.in_frame(frame, |ex, k| ex.generate_i(st, &case_scope, ty, k), &mut |ex, st, body| {
            k(ex, st, (Case { ctor, binders: binders.clone(), body }, Formula::tt()))
        })
    }

    /// The scope of a case's body: the case's binders bound, its assumption made, one
    /// match level used.
    fn case_scope(&self, scope: &Scope, bindings: Vec<(Symbol, RType)>, assumption: Formula) -> Scope {
        let unfold = self.bounds.unfold_locals;
        let mut case_scope =
            bindings.into_iter().fold(scope.assume(assumption), |s, (x, t)| s.bind(x, t, unfold));
        case_scope.matches_left = scope.matches_left.saturating_sub(1);
        case_scope
    }

    /// Where a case is generated: the match so far and the constructors after it.
    fn case_site(&self, scrutinee: &Prog, done: &[Case], rest: &[Symbol]) -> CaseSite {
        let arity = |c: &Symbol| self.program.constructors.get(c).map_or(0, |d| d.schema.ty.arity());
        CaseSite {
            scrutinee: scrutinee.clone(),
            done: done.to_vec(),
            rest: rest.iter().map(|c| (*c, arity(c))).collect(),
        }
    }

    /// Whether an enumerated scrutinee is worth matching on: of a datatype with
    /// constructors, not matched on yet on this path, not a constructor value, and
    /// mentioning some variable.
    fn good_scrutinee(&self, scope: &Scope, scrutinee: &Prog, ty: &RType) -> bool {
        if !self.has_constructors(ty) || scope.scrutinized.contains(scrutinee) {
            return false;
        }
        if matches!(scrutinee.head(), Prog::Ctor(_)) {
            return false;
        }
        scrutinee.symbols().iter().any(|x| scope.env.local(*x).is_some())
    }
}

/// What match abduction found: the state, the match equations, the branch condition
/// and the E-term (or `error`) for the abduced case.
struct Abduced<'p> {
    st: State<'p>,
    equations: Vec<Formula>,
    cond: Formula,
    p0: Prog,
}
