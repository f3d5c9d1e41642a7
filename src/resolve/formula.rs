//! Formula resolution: names bound, inlines expanded, operators disambiguated, and sorts
//! inferred by unification.
//!
//! Inference runs in two steps. [`FormulaResolver::infer`] walks the surface formula and
//! builds a sorted tree whose sorts may still contain sort variables, recording equations
//! in a substitution; [`FormulaResolver::finish`] applies the final substitution and builds
//! the logic [`Formula`]. Global measures, predicates and constructors are polymorphic:
//! each use gets fresh sort variables. Type variables of the enclosing signature and the
//! sorts of bound predicates are rigid.
//!
//! `+ - * <=` mean union, difference, intersection and subset when the *left* operand is
//! already known to be a set (Synquid's left-biased rule); `< <= > >=` need an ordered
//! sort (`Int` or a type variable), checked once all equations are in.

use std::collections::BTreeMap;
use std::ops::Range;

use super::error::{NameKind, ResolveError};
use super::suggest::similar;
use crate::logic::{BinOp, Formula, Sort, SortSubst, SortVarSupply, Symbol, UnOp, unify};
use crate::syntax::ast::{self, FormulaKind, Span};
use crate::syntax::spans::WalkSpans;

/// The sort signature of a polymorphic logic function: its type parameters are
/// instantiated afresh at every use.
#[derive(Debug, Clone)]
pub struct FunctionSig {
    pub type_params: Vec<Symbol>,
    pub args: Vec<Sort>,
    pub result: Sort,
}

/// What formulas may refer to besides local variables.
#[derive(Debug, Default)]
pub struct LogicGlobals {
    pub measures: BTreeMap<Symbol, FunctionSig>,
    pub predicates: BTreeMap<Symbol, FunctionSig>,
    pub constructors: BTreeMap<Symbol, FunctionSig>,
    pub inlines: BTreeMap<Symbol, (Vec<Symbol>, ast::Formula)>,
}

/// Variables in scope for a formula.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub vars: BTreeMap<Symbol, Sort>,
    /// Bound predicate variables, with their (rigid) argument sorts.
    pub preds: BTreeMap<Symbol, Vec<Sort>>,
    /// Why `_v` is not available, when it is not in `vars`.
    pub no_value_var: &'static str,
    /// Qualifier templates: unknown identifiers become placeholders of fresh sorts.
    pub placeholders: bool,
}

impl Scope {
    pub fn with_var(mut self, name: Symbol, sort: Sort) -> Scope {
        self.vars.insert(name, sort);
        self
    }
}

/// A sorted formula tree whose sorts may still contain sort variables.
#[derive(Debug, Clone)]
enum Typed {
    Bool(bool),
    Int(i64),
    Var(Symbol, Sort),
    SetLit(Sort, Vec<Typed>),
    Pred(Symbol, Sort, Vec<Typed>),
    Cons(Symbol, Sort, Vec<Typed>),
    Unary(UnOp, Box<Typed>),
    Binary(BinOp, Box<Typed>, Box<Typed>),
    Ite(Box<Typed>, Box<Typed>, Box<Typed>),
}

pub struct FormulaResolver<'g> {
    globals: &'g LogicGlobals,
    /// Absolute offset of the declaration whose spans are being resolved.
    offset: u32,
    supply: SortVarSupply,
    subst: SortSubst,
    ordered: Vec<(Range<usize>, Sort)>,
    placeholders: BTreeMap<Symbol, Sort>,
    pub errors: Vec<ResolveError>,
}

const VALUE_VAR: &str = "_v";

impl<'g> FormulaResolver<'g> {
    pub fn new(globals: &'g LogicGlobals, offset: u32) -> Self {
        FormulaResolver {
            globals,
            offset,
            supply: SortVarSupply::default(),
            subst: SortSubst::new(),
            ordered: Vec::new(),
            placeholders: BTreeMap::new(),
            errors: Vec::new(),
        }
    }

    fn span(&self, span: Span) -> Range<usize> {
        span.absolute(self.offset)
    }

    /// Resolves a formula expected to have sort `expected`.
    pub fn resolve(&mut self, f: &ast::Formula, scope: &Scope, expected: &Sort) -> Formula {
        let (typed, sort) = self.infer(f, scope);
        self.expect(&sort, expected, f.span, "in this formula");
        self.finish(&typed)
    }

    fn current(&self, sort: &Sort) -> Sort {
        // Apply until stable: the substitution may map a variable to a sort that
        // mentions further variables.
        let mut s = sort.apply(&self.subst);
        loop {
            let next = s.apply(&self.subst);
            if next == s {
                return s;
            }
            s = next;
        }
    }

    fn fresh(&mut self) -> Sort {
        Sort::Meta(self.supply.fresh())
    }

    fn expect(&mut self, found: &Sort, expected: &Sort, span: Span, context: &str) {
        if unify(found, expected, &mut self.subst).is_err() {
            let (found, expected) = (self.current(found), self.current(expected));
            // A sort built from a type that was already reported unknown explains
            // itself; a second error about it would only be noise.
            if mentions_poison(&found) || mentions_poison(&expected) {
                return;
            }
            let error = ResolveError::IllSorted {
                span: self.span(span),
                expected: user_sort(&expected),
                found: user_sort(&found),
                context: context.to_owned(),
            };
            self.errors.push(error);
        }
    }

    fn instantiate(&mut self, sig: &FunctionSig) -> (Vec<Sort>, Sort) {
        let map: BTreeMap<Symbol, Sort> = sig.type_params.iter().map(|p| (*p, self.fresh())).collect();
        let args = sig.args.iter().map(|s| s.substitute_type_vars(&map)).collect();
        (args, sig.result.substitute_type_vars(&map))
    }

    fn infer(&mut self, f: &ast::Formula, scope: &Scope) -> (Typed, Sort) {
        match &f.kind {
            FormulaKind::Bool(b) => (Typed::Bool(*b), Sort::Bool),
            FormulaKind::Int(n) => match i64::try_from(*n) {
                Ok(n) => (Typed::Int(n), Sort::Int),
                Err(_) => {
                    self.errors.push(ResolveError::Invalid {
                        span: self.span(f.span),
                        message: "integer literal does not fit in 64 bits".to_owned(),
                        hint: None,
                    });
                    (Typed::Int(0), Sort::Int)
                }
            },
            FormulaKind::Var(name) => self.infer_var(name, f.span, scope),
            FormulaKind::SetLit(items) => {
                let elem = self.fresh();
                let mut typed = Vec::new();
                for item in items {
                    let (t, s) = self.infer(item, scope);
                    self.expect(&s, &elem, item.span, "set elements must all have one sort");
                    typed.push(t);
                }
                let set = Sort::set(elem.clone());
                (Typed::SetLit(elem, typed), set)
            }
            FormulaKind::App { head, args } => self.infer_app(head, args, f.span, scope),
            FormulaKind::Ctor { name, args } => {
                let sym = Symbol::from(name.text.as_str());
                let Some(sig) = self.globals.constructors.get(&sym) else {
                    self.unknown(
                        name,
                        NameKind::Constructor,
                        self.globals.constructors.keys().copied(),
                        None,
                    );
                    return self.poison();
                };
                let (arg_sorts, result) = self.instantiate(sig);
                let typed = self.infer_args(&name.text, &arg_sorts, args, f.span, scope);
                (Typed::Cons(sym, result.clone(), typed), result)
            }
            FormulaKind::Unary(op, a) => {
                let (t, s) = self.infer(a, scope);
                let (op, sort) = match op {
                    ast::UnOp::Not => (UnOp::Not, Sort::Bool),
                    ast::UnOp::Neg => (UnOp::Neg, Sort::Int),
                };
                self.expect(&s, &sort, a.span, &format!("the operand of `{}`", unop_spelling(op)));
                (Typed::Unary(op, Box::new(t)), sort)
            }
            FormulaKind::Binary(op, a, b) => self.infer_binary(*op, a, b, scope),
            FormulaKind::Ite(c, a, b) => {
                let (tc, sc) = self.infer(c, scope);
                self.expect(&sc, &Sort::Bool, c.span, "the condition of `if`");
                let (ta, sa) = self.infer(a, scope);
                let (tb, sb) = self.infer(b, scope);
                self.expect(&sb, &sa, b.span, "both branches of `if` must have one sort");
                (Typed::Ite(Box::new(tc), Box::new(ta), Box::new(tb)), sa)
            }
        }
    }

    /// A placeholder result after an error, of a fresh sort so that it causes no more.
    fn poison(&mut self) -> (Typed, Sort) {
        let sort = self.fresh();
        (Typed::Var(Symbol::from("?"), sort.clone()), sort)
    }

    fn unknown(
        &mut self,
        name: &ast::Name,
        kind: NameKind,
        candidates: impl Iterator<Item = Symbol>,
        note: Option<String>,
    ) {
        let names: Vec<&'static str> = candidates.map(|s| s.as_str()).collect();
        let suggestions = similar(&name.text, names.iter().copied());
        self.errors.push(ResolveError::UnknownName {
            span: self.span(name.span),
            kind,
            name: name.text.clone(),
            suggestions,
            note,
        });
    }

    fn infer_var(&mut self, name: &ast::Name, span: Span, scope: &Scope) -> (Typed, Sort) {
        let sym = Symbol::from(name.text.as_str());
        if let Some(sort) = scope.vars.get(&sym) {
            return (Typed::Var(sym, sort.clone()), sort.clone());
        }
        // A bare name that is no variable may be a 0-ary predicate, measure or inline.
        let nullary = self.globals.inlines.get(&sym).is_some_and(|(ps, _)| ps.is_empty())
            || self.globals.predicates.get(&sym).is_some_and(|s| s.args.is_empty());
        if nullary {
            return self.infer_app(name, &[], span, scope);
        }
        if scope.placeholders {
            let sort = match self.placeholders.get(&sym) {
                Some(s) => s.clone(),
                None => {
                    let s = self.fresh();
                    self.placeholders.insert(sym, s.clone());
                    s
                }
            };
            return (Typed::Var(sym, sort.clone()), sort);
        }
        if name.text == VALUE_VAR {
            self.errors.push(ResolveError::ValueVar { span: self.span(span), reason: scope.no_value_var });
            return self.poison();
        }
        let note = self
            .globals
            .measures
            .contains_key(&sym)
            .then(|| format!("`{}` is a measure; apply it to an argument: `{} x`", name.text, name.text));
        self.unknown(name, NameKind::Variable, scope.vars.keys().copied(), note);
        self.poison()
    }

    fn infer_app(
        &mut self,
        head: &ast::Name,
        args: &[ast::Formula],
        span: Span,
        scope: &Scope,
    ) -> (Typed, Sort) {
        let sym = Symbol::from(head.text.as_str());
        if let Some(sorts) = scope.preds.get(&sym) {
            let sorts = sorts.clone();
            let typed = self.infer_args(&head.text, &sorts, args, span, scope);
            return (Typed::Pred(sym, Sort::Bool, typed), Sort::Bool);
        }
        if let Some((params, body)) = self.globals.inlines.get(&sym) {
            if params.len() != args.len() {
                self.errors.push(ResolveError::Arity {
                    noun: "argument",
                    span: self.span(span),
                    what: format!("inline `{}`", head.text),
                    expected: params.len(),
                    found: args.len(),
                });
                return self.poison();
            }
            let expanded = expand_inline(params, body, args, span);
            return self.infer(&expanded, scope);
        }
        let sig = self.globals.measures.get(&sym).or_else(|| self.globals.predicates.get(&sym));
        let Some(sig) = sig.cloned() else {
            let candidates: Vec<Symbol> = self
                .globals
                .measures
                .keys()
                .chain(self.globals.predicates.keys())
                .chain(self.globals.inlines.keys())
                .chain(scope.preds.keys())
                .copied()
                .collect();
            let note = scope
                .vars
                .contains_key(&sym)
                .then(|| format!("`{}` is a variable, not a function; it cannot be applied", head.text));
            self.unknown(head, NameKind::Function, candidates.into_iter(), note);
            for a in args {
                let _ = self.infer(a, scope);
            }
            return self.poison();
        };
        let (arg_sorts, result) = self.instantiate(&sig);
        let typed = self.infer_args(&head.text, &arg_sorts, args, span, scope);
        (Typed::Pred(sym, result.clone(), typed), result)
    }

    fn infer_args(
        &mut self,
        what: &str,
        sorts: &[Sort],
        args: &[ast::Formula],
        span: Span,
        scope: &Scope,
    ) -> Vec<Typed> {
        if sorts.len() != args.len() {
            self.errors.push(ResolveError::Arity {
                noun: "argument",
                span: self.span(span),
                what: format!("`{what}`"),
                expected: sorts.len(),
                found: args.len(),
            });
        }
        let mut typed = Vec::new();
        for (i, a) in args.iter().enumerate() {
            let (t, s) = self.infer(a, scope);
            if let Some(expected) = sorts.get(i) {
                self.expect(&s, expected, a.span, &format!("argument {} of `{what}`", i + 1));
            }
            typed.push(t);
        }
        typed
    }

    fn infer_binary(
        &mut self,
        op: ast::BinOp,
        a: &ast::Formula,
        b: &ast::Formula,
        scope: &Scope,
    ) -> (Typed, Sort) {
        use ast::BinOp as A;
        let (ta, sa) = self.infer(a, scope);
        let left_is_set = self.current(&sa).is_set();
        let (tb, sb) = self.infer(b, scope);
        let spelled = op.spelling();
        let operand = |side: &str| format!("the {side} operand of `{spelled}`");
        let (op, sort) = match op {
            A::Plus | A::Minus | A::Times if left_is_set => {
                self.expect(&sb, &sa, b.span, &operand("right"));
                let set_op = match op {
                    A::Plus => BinOp::Union,
                    A::Minus => BinOp::Diff,
                    _ => BinOp::Intersect,
                };
                (set_op, sa.clone())
            }
            A::Plus | A::Minus | A::Times => {
                self.expect(&sa, &Sort::Int, a.span, &operand("left"));
                self.expect(&sb, &Sort::Int, b.span, &operand("right"));
                let int_op = match op {
                    A::Plus => BinOp::Plus,
                    A::Minus => BinOp::Minus,
                    _ => BinOp::Times,
                };
                (int_op, Sort::Int)
            }
            A::Le if left_is_set => {
                self.expect(&sb, &sa, b.span, &operand("right"));
                (BinOp::Subset, Sort::Bool)
            }
            A::Eq | A::Neq => {
                self.expect(&sb, &sa, b.span, "both sides of an equation must have one sort");
                (if op == A::Eq { BinOp::Eq } else { BinOp::Neq }, Sort::Bool)
            }
            A::Lt | A::Le | A::Gt | A::Ge => {
                self.expect(&sb, &sa, b.span, "both sides of a comparison must have one sort");
                let span = self.span(Span { start: a.span.start, end: b.span.end });
                self.ordered.push((span, sa.clone()));
                let cmp = match op {
                    A::Lt => BinOp::Lt,
                    A::Le => BinOp::Le,
                    A::Gt => BinOp::Gt,
                    _ => BinOp::Ge,
                };
                (cmp, Sort::Bool)
            }
            A::In => {
                self.expect(
                    &sb,
                    &Sort::set(sa.clone()),
                    b.span,
                    "the right operand of `in` must be a set of the left's sort",
                );
                (BinOp::Member, Sort::Bool)
            }
            A::And | A::Or | A::Implies | A::Iff => {
                self.expect(&sa, &Sort::Bool, a.span, &operand("left"));
                self.expect(&sb, &Sort::Bool, b.span, &operand("right"));
                let conn = match op {
                    A::And => BinOp::And,
                    A::Or => BinOp::Or,
                    A::Implies => BinOp::Implies,
                    _ => BinOp::Iff,
                };
                (conn, Sort::Bool)
            }
        };
        (Typed::Binary(op, Box::new(ta), Box::new(tb)), sort)
    }

    /// Checks the deferred ordering constraints and builds the final formula.
    fn finish(&mut self, typed: &Typed) -> Formula {
        for (span, sort) in std::mem::take(&mut self.ordered) {
            let sort = self.current(&sort);
            if !(sort.is_ordered() || matches!(sort, Sort::Meta(_))) {
                self.errors.push(ResolveError::NotOrdered { span, sort: sort.to_string() });
            }
        }
        self.build(typed)
    }

    fn build(&self, t: &Typed) -> Formula {
        match t {
            Typed::Bool(b) => Formula::bool(*b),
            Typed::Int(n) => Formula::int(*n),
            Typed::Var(name, sort) => Formula::var(*name, self.current(sort)),
            Typed::SetLit(elem, items) => {
                Formula::set_lit(self.current(elem), items.iter().map(|i| self.build(i)).collect())
            }
            Typed::Pred(name, sort, args) => {
                Formula::pred(*name, self.current(sort), args.iter().map(|a| self.build(a)).collect())
            }
            Typed::Cons(name, sort, args) => {
                Formula::cons(*name, self.current(sort), args.iter().map(|a| self.build(a)).collect())
            }
            Typed::Unary(op, a) => Formula::unary(*op, self.build(a)),
            Typed::Binary(op, a, b) => Formula::binary(*op, self.build(a), self.build(b)),
            Typed::Ite(c, a, b) => Formula::ite(self.build(c), self.build(a), self.build(b)),
        }
    }
}

/// The type variable that stands for a type already reported as unknown.
pub const POISON: &str = "?";

fn mentions_poison(sort: &Sort) -> bool {
    sort.type_vars().contains(&Symbol::from(POISON))
}

/// A sort as users should read it: unsolved sort variables print as `_`.
fn user_sort(sort: &Sort) -> String {
    sort.map_leaves(&|leaf| matches!(leaf, Sort::Meta(_)).then(|| Sort::var("_"))).to_string()
}

fn unop_spelling(op: UnOp) -> &'static str {
    match op {
        UnOp::Not => "!",
        UnOp::Neg => "-",
    }
}

/// Substitutes the arguments for an inline's parameters. The body's own spans are
/// replaced by the span of the use, so that errors inside the expansion point at the
/// call that produced it.
fn expand_inline(params: &[Symbol], body: &ast::Formula, args: &[ast::Formula], call: Span) -> ast::Formula {
    let mut body = body.clone();
    body.walk_spans(&mut |s: &mut Span| *s = call);
    let map: BTreeMap<&str, &ast::Formula> = params.iter().map(|p| p.as_str()).zip(args).collect();
    substitute_ast(&body, &map)
}

fn substitute_ast(f: &ast::Formula, map: &BTreeMap<&str, &ast::Formula>) -> ast::Formula {
    let sub = |g: &ast::Formula| Box::new(substitute_ast(g, map));
    let kind = match &f.kind {
        FormulaKind::Var(n) => match map.get(n.text.as_str()) {
            Some(arg) => return (*arg).clone(),
            None => f.kind.clone(),
        },
        FormulaKind::Bool(_) | FormulaKind::Int(_) => f.kind.clone(),
        FormulaKind::SetLit(items) => {
            FormulaKind::SetLit(items.iter().map(|i| substitute_ast(i, map)).collect())
        }
        FormulaKind::App { head, args } => FormulaKind::App {
            head: head.clone(),
            args: args.iter().map(|a| substitute_ast(a, map)).collect(),
        },
        FormulaKind::Ctor { name, args } => FormulaKind::Ctor {
            name: name.clone(),
            args: args.iter().map(|a| substitute_ast(a, map)).collect(),
        },
        FormulaKind::Unary(op, a) => FormulaKind::Unary(*op, sub(a)),
        FormulaKind::Binary(op, a, b) => FormulaKind::Binary(*op, sub(a), sub(b)),
        FormulaKind::Ite(c, a, b) => FormulaKind::Ite(sub(c), sub(a), sub(b)),
    };
    ast::Formula { kind, span: f.span }
}
