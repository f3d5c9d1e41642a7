//! The emitter's intermediate representation of function bodies, shared by both
//! targets: names resolved, every node typed (erased types), applications saturated.
//!
//! [`lower_function`] builds it from a goal body (`ast::Term`): variables become
//! [`LocalId`]s or references to globals (goals and components) or constructors,
//! partial applications are eta-expanded into lambdas, list literals become
//! constructor chains, annotations disappear. The shapes are inferred by
//! unification; the body has been checked (or synthesized) already, so inference
//! failing means the emitter met something it does not support, reported as an
//! [`EmitError`].

use std::collections::BTreeMap;

use super::EmitError;
use super::ty::{Ty, Unifier};
use crate::logic::Symbol;
use crate::resolve::Program;
use crate::syntax::ast::{self, BinOp, Term, TermKind, UnOp};
use crate::types::RType;

pub type LocalId = usize;

/// A local variable: a parameter, a `let`, a lambda parameter or a pattern binder.
#[derive(Clone, Debug)]
pub struct Local {
    /// The name as written in the source (targets mangle it).
    pub name: String,
    pub ty: Ty,
    /// Bound to a field of a constructor that refers back to its own datatype (in
    /// Rust such fields are boxed).
    pub recursive_field: bool,
}

/// What an application calls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Callee {
    /// A goal or a component, with the instantiation of its schema's type variables
    /// (in the schema's order).
    Global { name: Symbol, inst: Vec<Ty> },
    /// A constructor, with the instantiation of its datatype's parameters.
    Ctor { name: Symbol, inst: Vec<Ty> },
    /// A local of function type.
    Local(LocalId),
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Local(LocalId),
    Int(i64),
    Bool(bool),
    /// A function-typed global used as a value, not applied.
    Global {
        name: Symbol,
        inst: Vec<Ty>,
    },
    /// A saturated application (no arguments for constants and nullary constructors).
    Call {
        callee: Callee,
        args: Vec<Expr>,
    },
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Lambda {
        params: Vec<LocalId>,
        body: Box<Expr>,
    },
    /// `let local = value in body`; `recursive` when a lambda refers to its own name.
    Let {
        local: LocalId,
        value: Box<Expr>,
        body: Box<Expr>,
        recursive: bool,
    },
    If {
        cond: Box<Expr>,
        then_branch: Box<Expr>,
        else_branch: Box<Expr>,
    },
    Match {
        scrutinee: Box<Expr>,
        datatype: Symbol,
        cases: Vec<Case>,
        exhaustive: bool,
    },
    /// `error`: a branch the refinements rule out.
    Unreachable,
}

#[derive(Clone, Debug)]
pub struct Case {
    pub ctor: Symbol,
    /// `None` for `_`.
    pub binders: Vec<Option<LocalId>>,
    pub body: Expr,
}

#[derive(Clone, Debug)]
pub struct Expr {
    /// Unique within a function.
    pub id: u32,
    pub kind: ExprKind,
    pub ty: Ty,
}

/// A goal (or a model of a component) as a function.
#[derive(Clone, Debug)]
pub struct Function {
    pub name: Symbol,
    /// The schema's type variables.
    pub type_params: Vec<Symbol>,
    /// Parameters in order, with the schema's name for each (contracts use those).
    pub params: Vec<(Symbol, LocalId)>,
    pub result: Ty,
    pub body: Expr,
    pub locals: Vec<Local>,
}

impl Function {
    pub fn local(&self, id: LocalId) -> &Local {
        &self.locals[id]
    }
}

impl Expr {
    /// Calls `f` on every node, parents first.
    pub fn visit<'a>(&'a self, f: &mut impl FnMut(&'a Expr)) {
        f(self);
        match &self.kind {
            ExprKind::Local(_)
            | ExprKind::Int(_)
            | ExprKind::Bool(_)
            | ExprKind::Global { .. }
            | ExprKind::Unreachable => {}
            ExprKind::Call { args, .. } => args.iter().for_each(|a| a.visit(f)),
            ExprKind::Unary(_, a) => a.visit(f),
            ExprKind::Binary(_, a, b) => {
                a.visit(f);
                b.visit(f);
            }
            ExprKind::Lambda { body, .. } => body.visit(f),
            ExprKind::Let { value, body, .. } => {
                value.visit(f);
                body.visit(f);
            }
            ExprKind::If { cond, then_branch, else_branch } => {
                cond.visit(f);
                then_branch.visit(f);
                else_branch.visit(f);
            }
            ExprKind::Match { scrutinee, cases, .. } => {
                scrutinee.visit(f);
                cases.iter().for_each(|c| c.body.visit(f));
            }
        }
    }

    /// The globals this expression calls or refers to.
    pub fn globals(&self) -> Vec<Symbol> {
        let mut out = Vec::new();
        self.visit(&mut |e| match &e.kind {
            ExprKind::Global { name, .. } | ExprKind::Call { callee: Callee::Global { name, .. }, .. }
                if !out.contains(name) =>
            {
                out.push(*name)
            }
            _ => {}
        });
        out
    }

    /// The locals referred to (free or bound) in this expression.
    pub fn locals_used(&self) -> Vec<LocalId> {
        let mut out = Vec::new();
        self.visit(&mut |e| match &e.kind {
            ExprKind::Local(l) | ExprKind::Call { callee: Callee::Local(l), .. } if !out.contains(l) => {
                out.push(*l)
            }
            _ => {}
        });
        out
    }
}

/// Lowers a goal's body against its schema.
pub fn lower_function(
    program: &Program,
    name: Symbol,
    schema: &crate::types::Schema,
    body: &Term,
) -> Result<Function, EmitError> {
    let mut lw =
        Lowerer { program, unifier: Unifier::default(), locals: Vec::new(), scope: Vec::new(), next_id: 0 };
    let mut params = Vec::new();
    let mut t = &schema.ty;
    let mut term = body;
    let mut pending: Vec<LocalId> = Vec::new();
    while let RType::Function { param, arg, result } = t {
        let ty = Ty::erase(arg);
        let local = match &term.kind {
            TermKind::Lambda { param: p, body: inner } if pending.is_empty() => {
                term = inner;
                lw.new_local(&p.text, ty)
            }
            _ => {
                // Fewer lambdas than arrows: apply the body to the remaining parameters.
                let id = lw.new_local(param.as_str(), ty);
                pending.push(id);
                id
            }
        };
        lw.scope.push((lw.locals[local].name.clone(), local));
        params.push((*param, local));
        t = result;
    }
    let result = Ty::erase(t);
    let mut body = lw.expr(term)?;
    if !pending.is_empty() {
        let args: Vec<Expr> = pending.iter().map(|l| lw.local_ref(*l)).collect();
        body = lw.apply(body, args, term.span)?;
    }
    lw.unify(&body.ty, &result, term.span)?;
    let mut f = Function {
        name,
        type_params: schema.type_vars.clone(),
        params,
        result,
        body,
        locals: std::mem::take(&mut lw.locals),
    };
    lw.zonk_function(&mut f);
    Ok(f)
}

struct Lowerer<'p> {
    program: &'p Program,
    unifier: Unifier,
    locals: Vec<Local>,
    /// Innermost last.
    scope: Vec<(String, LocalId)>,
    next_id: u32,
}

impl Lowerer<'_> {
    fn new_local(&mut self, name: &str, ty: Ty) -> LocalId {
        self.locals.push(Local { name: name.to_string(), ty, recursive_field: false });
        self.locals.len() - 1
    }

    fn mk(&mut self, kind: ExprKind, ty: Ty) -> Expr {
        self.next_id += 1;
        Expr { id: self.next_id, kind, ty }
    }

    fn local_ref(&mut self, l: LocalId) -> Expr {
        let ty = self.locals[l].ty.clone();
        self.mk(ExprKind::Local(l), ty)
    }

    fn lookup(&self, name: &str) -> Option<LocalId> {
        self.scope.iter().rev().find(|(n, _)| n == name).map(|(_, l)| *l)
    }

    fn unify(&mut self, a: &Ty, b: &Ty, span: ast::Span) -> Result<(), EmitError> {
        self.unifier.unify(a, b).map_err(|(x, y)| {
            EmitError::at(span, format!("cannot infer the shape of this term: `{x:?}` against `{y:?}`"))
        })
    }

    /// The type of a global with fresh variables for its type variables.
    fn instantiate(&mut self, vars: &[Symbol], ty: &Ty) -> (Vec<Ty>, Ty) {
        let inst: Vec<Ty> = vars.iter().map(|_| self.unifier.fresh()).collect();
        let s: BTreeMap<Symbol, Ty> = vars.iter().copied().zip(inst.iter().cloned()).collect();
        (inst, ty.subst(&s))
    }

    fn expr(&mut self, t: &Term) -> Result<Expr, EmitError> {
        match &t.kind {
            TermKind::Var(_) | TermKind::Ctor(_) | TermKind::App { .. } => {
                let (head, args) = match &t.kind {
                    TermKind::App { head, args } => (&**head, args.as_slice()),
                    _ => (t, &[][..]),
                };
                let mut lowered = Vec::new();
                for a in args {
                    lowered.push(self.expr(a)?);
                }
                self.application(head, lowered, t.span)
            }
            TermKind::Int(n) => {
                let n = i64::try_from(*n)
                    .map_err(|_| EmitError::at(t.span, "integer literal too large for i64"))?;
                Ok(self.mk(ExprKind::Int(n), Ty::Int))
            }
            TermKind::Bool(b) => Ok(self.mk(ExprKind::Bool(*b), Ty::Bool)),
            TermKind::Hole => {
                Err(EmitError::at(t.span, "a hole `??` cannot be emitted; fill it first (`rsynth fill`)"))
            }
            TermKind::Error => {
                let ty = self.unifier.fresh();
                Ok(self.mk(ExprKind::Unreachable, ty))
            }
            TermKind::Unary(op, a) => {
                let a = self.expr(a)?;
                let ty = if *op == UnOp::Not { Ty::Bool } else { Ty::Int };
                self.unify(&a.ty, &ty, t.span)?;
                Ok(self.mk(ExprKind::Unary(*op, Box::new(a)), ty))
            }
            TermKind::Binary(op, a, b) => {
                let (a, b) = (self.expr(a)?, self.expr(b)?);
                let ty = match op {
                    BinOp::Times | BinOp::Plus | BinOp::Minus => {
                        self.unify(&a.ty, &Ty::Int, t.span)?;
                        self.unify(&b.ty, &Ty::Int, t.span)?;
                        Ty::Int
                    }
                    BinOp::Eq | BinOp::Neq | BinOp::Le | BinOp::Lt | BinOp::Ge | BinOp::Gt => {
                        self.unify(&a.ty, &b.ty, t.span)?;
                        Ty::Bool
                    }
                    BinOp::And | BinOp::Or | BinOp::Implies | BinOp::Iff => {
                        self.unify(&a.ty, &Ty::Bool, t.span)?;
                        self.unify(&b.ty, &Ty::Bool, t.span)?;
                        Ty::Bool
                    }
                    BinOp::In => return Err(EmitError::at(t.span, "`in` is not an operator of programs")),
                };
                Ok(self.mk(ExprKind::Binary(*op, Box::new(a), Box::new(b)), ty))
            }
            TermKind::Lambda { .. } => {
                let mut params = Vec::new();
                let mut term = t;
                let depth = self.scope.len();
                while let TermKind::Lambda { param, body } = &term.kind {
                    let ty = self.unifier.fresh();
                    let l = self.new_local(&param.text, ty);
                    self.scope.push((param.text.clone(), l));
                    params.push(l);
                    term = body;
                }
                let body = self.expr(term)?;
                self.scope.truncate(depth);
                let ty = params
                    .iter()
                    .rev()
                    .fold(body.ty.clone(), |acc, p| Ty::fun(self.locals[*p].ty.clone(), acc));
                Ok(self.mk(ExprKind::Lambda { params, body: Box::new(body) }, ty))
            }
            TermKind::Let { binder, value, body } => {
                let is_lambda = matches!(value.kind, TermKind::Lambda { .. });
                let recursive =
                    is_lambda && self.lookup(&binder.text).is_none() && mentions(value, &binder.text);
                let ty = self.unifier.fresh();
                let l = self.new_local(&binder.text, ty.clone());
                let value = if recursive {
                    self.scope.push((binder.text.clone(), l));
                    let v = self.expr(value)?;
                    self.scope.pop();
                    v
                } else {
                    self.expr(value)?
                };
                self.unify(&ty, &value.ty, t.span)?;
                self.scope.push((binder.text.clone(), l));
                let body = self.expr(body)?;
                self.scope.pop();
                let ty = body.ty.clone();
                Ok(self.mk(
                    ExprKind::Let { local: l, value: Box::new(value), body: Box::new(body), recursive },
                    ty,
                ))
            }
            TermKind::If { cond, then_branch, else_branch } => {
                let cond = self.expr(cond)?;
                self.unify(&cond.ty, &Ty::Bool, t.span)?;
                let (a, b) = (self.expr(then_branch)?, self.expr(else_branch)?);
                self.unify(&a.ty, &b.ty, t.span)?;
                let ty = a.ty.clone();
                Ok(self.mk(
                    ExprKind::If { cond: Box::new(cond), then_branch: Box::new(a), else_branch: Box::new(b) },
                    ty,
                ))
            }
            TermKind::Match { scrutinee, cases } => self.match_expr(t, scrutinee, cases),
            TermKind::Annot { term, .. } => self.expr(term),
            TermKind::List(items) => {
                let (nil, cons) = self.list_constructors(t.span)?;
                let mut acc = self.application_of_ctor(nil, Vec::new(), t.span)?;
                for item in items.iter().rev() {
                    let item = self.expr(item)?;
                    acc = self.application_of_ctor(cons, vec![item, acc], t.span)?;
                }
                Ok(acc)
            }
        }
    }

    fn list_constructors(&self, span: ast::Span) -> Result<(Symbol, Symbol), EmitError> {
        let (nil, cons) = (Symbol::intern("Nil"), Symbol::intern("Cons"));
        if self.program.constructors.contains_key(&nil) && self.program.constructors.contains_key(&cons) {
            Ok((nil, cons))
        } else {
            Err(EmitError::at(span, "a list literal needs constructors `Nil` and `Cons`"))
        }
    }

    fn application(&mut self, head: &Term, args: Vec<Expr>, span: ast::Span) -> Result<Expr, EmitError> {
        match &head.kind {
            TermKind::Var(name) => {
                if let Some(l) = self.lookup(&name.text) {
                    let f = self.local_ref(l);
                    return self.apply(f, args, span);
                }
                let sym = Symbol::intern(&name.text);
                let Some(c) = self.program.component(sym) else {
                    return Err(EmitError::at(name.span, format!("unknown name `{}`", name.text)));
                };
                let schema = c.schema.clone();
                let (inst, ty) = self.instantiate(&schema.type_vars, &Ty::erase(&schema.ty));
                self.saturate(Callee::Global { name: sym, inst }, ty, args, span)
            }
            TermKind::Ctor(name) => {
                let sym = Symbol::intern(&name.text);
                self.application_of_ctor(sym, args, span)
            }
            _ => {
                let f = self.expr(head)?;
                self.apply(f, args, span)
            }
        }
    }

    fn application_of_ctor(
        &mut self,
        ctor: Symbol,
        args: Vec<Expr>,
        span: ast::Span,
    ) -> Result<Expr, EmitError> {
        let Some(def) = self.program.constructors.get(&ctor) else {
            return Err(EmitError::at(span, format!("unknown constructor `{ctor}`")));
        };
        let schema = def.schema.clone();
        let (inst, ty) = self.instantiate(&schema.type_vars, &Ty::erase(&schema.ty));
        self.saturate(Callee::Ctor { name: ctor, inst }, ty, args, span)
    }

    /// Applies a callee of type `ty` to `args`: exactly saturated becomes a call; fewer
    /// arguments are eta-expanded; an unapplied global stays a reference.
    fn saturate(
        &mut self,
        callee: Callee,
        ty: Ty,
        args: Vec<Expr>,
        span: ast::Span,
    ) -> Result<Expr, EmitError> {
        let arity = ty.arity();
        if args.len() > arity {
            let n = args.len();
            return Err(EmitError::at(span, format!("applied to {n} arguments but takes {arity}")));
        }
        let (arg_tys, result) = {
            let (a, r) = ty.uncurry();
            (a.into_iter().cloned().collect::<Vec<_>>(), r.clone())
        };
        for (a, t) in args.iter().zip(&arg_tys) {
            self.unify(&a.ty, t, span)?;
        }
        if args.len() == arity {
            return Ok(self.mk(ExprKind::Call { callee, args }, result));
        }
        if args.is_empty()
            && let Callee::Global { name, inst } = &callee
        {
            return Ok(self.mk(ExprKind::Global { name: *name, inst: inst.clone() }, ty));
        }
        // Partial application: \y1 .. yk . callee args y1 .. yk
        let mut params = Vec::new();
        let mut all = args;
        for (i, t) in arg_tys[all.len()..].iter().cloned().enumerate() {
            let l = self.new_local(&format!("arg{}", i + 1), t);
            params.push(l);
        }
        for p in &params {
            let r = self.local_ref(*p);
            all.push(r);
        }
        let call = self.mk(ExprKind::Call { callee, args: all }, result);
        let lam_ty =
            params.iter().rev().fold(call.ty.clone(), |acc, p| Ty::fun(self.locals[*p].ty.clone(), acc));
        Ok(self.mk(ExprKind::Lambda { params, body: Box::new(call) }, lam_ty))
    }

    /// Applies an expression of function type (a local, or a lambda) to arguments.
    fn apply(&mut self, f: Expr, args: Vec<Expr>, span: ast::Span) -> Result<Expr, EmitError> {
        if args.is_empty() {
            return Ok(f);
        }
        // Make the function's type as long as the arguments need.
        let result = self.unifier.fresh();
        let wanted = args.iter().rev().fold(result.clone(), |acc, a| Ty::fun(a.ty.clone(), acc));
        self.unify(&f.ty, &wanted, span)?;
        match f.kind {
            ExprKind::Local(l) => {
                let ty = self.unifier.zonk(&self.locals[l].ty);
                let arity = ty.arity();
                if arity == args.len() {
                    return Ok(self.mk(ExprKind::Call { callee: Callee::Local(l), args }, result));
                }
                self.saturate(Callee::Local(l), ty, args, span)
            }
            _ => {
                Err(EmitError::at(span, "only named functions can be applied (bind the function with `let`)"))
            }
        }
    }

    fn match_expr(&mut self, t: &Term, scrutinee: &Term, cases: &[ast::Case]) -> Result<Expr, EmitError> {
        let scrutinee = self.expr(scrutinee)?;
        let first = cases.first().ok_or_else(|| EmitError::at(t.span, "a `match` without cases"))?;
        let ctor0 = Symbol::intern(&first.constructor.text);
        let datatype =
            self.program.constructors.get(&ctor0).map(|c| c.datatype).ok_or_else(|| {
                EmitError::at(first.constructor.span, format!("unknown constructor `{ctor0}`"))
            })?;
        let dt = &self.program.datatypes[&datatype];
        let dt_params = dt.params.clone();
        let all_ctors = dt.constructors.clone();
        let inst: Vec<Ty> = dt_params.iter().map(|_| self.unifier.fresh()).collect();
        self.unify(&scrutinee.ty, &Ty::Data(datatype, inst.clone()), t.span)?;
        let s: BTreeMap<Symbol, Ty> = dt_params.iter().copied().zip(inst.iter().cloned()).collect();
        let result = self.unifier.fresh();
        let mut out = Vec::new();
        for case in cases {
            let ctor = Symbol::intern(&case.constructor.text);
            let Some(def) = self.program.constructors.get(&ctor) else {
                return Err(EmitError::at(case.constructor.span, format!("unknown constructor `{ctor}`")));
            };
            if def.datatype != datatype {
                return Err(EmitError::at(case.span, "the cases of a `match` must be of one datatype"));
            }
            let ctor_ty = Ty::erase(&def.schema.ty).subst(&s);
            let field_tys: Vec<Ty> = ctor_ty.uncurry().0.into_iter().cloned().collect();
            let recursive = recursive_fields(self.program, ctor);
            if field_tys.len() != case.binders.len() {
                return Err(EmitError::at(case.span, "wrong number of binders"));
            }
            let depth = self.scope.len();
            let mut binders = Vec::new();
            for (i, (b, fty)) in case.binders.iter().zip(field_tys).enumerate() {
                if b.is_blank() {
                    binders.push(None);
                    continue;
                }
                let l = self.new_local(&b.text, fty);
                self.locals[l].recursive_field = recursive[i];
                self.scope.push((b.text.clone(), l));
                binders.push(Some(l));
            }
            let body = self.expr(&case.body)?;
            self.scope.truncate(depth);
            self.unify(&body.ty, &result, case.span)?;
            out.push(Case { ctor, binders, body });
        }
        let exhaustive = all_ctors.iter().all(|c| out.iter().any(|k| k.ctor == *c));
        Ok(self
            .mk(ExprKind::Match { scrutinee: Box::new(scrutinee), datatype, cases: out, exhaustive }, result))
    }

    fn zonk_function(&mut self, f: &mut Function) {
        for l in &mut f.locals {
            l.ty = default_metas(self.unifier.zonk(&l.ty));
        }
        f.result = self.unifier.zonk(&f.result);
        self.zonk_expr(&mut f.body);
    }

    fn zonk_expr(&mut self, e: &mut Expr) {
        e.ty = default_metas(self.unifier.zonk(&e.ty));
        let zonk_inst = |u: &Unifier, inst: &mut Vec<Ty>| {
            for t in inst.iter_mut() {
                *t = u.zonk(t);
            }
        };
        match &mut e.kind {
            ExprKind::Global { inst, .. } => zonk_inst(&self.unifier, inst),
            ExprKind::Call { callee, args } => {
                if let Callee::Global { inst, .. } | Callee::Ctor { inst, .. } = callee {
                    zonk_inst(&self.unifier, inst);
                }
                args.iter_mut().for_each(|a| self.zonk_expr(a));
            }
            ExprKind::Unary(_, a) => self.zonk_expr(a),
            ExprKind::Binary(_, a, b) => {
                self.zonk_expr(a);
                self.zonk_expr(b);
            }
            ExprKind::Lambda { body, .. } => self.zonk_expr(body),
            ExprKind::Let { value, body, .. } => {
                self.zonk_expr(value);
                self.zonk_expr(body);
            }
            ExprKind::If { cond, then_branch, else_branch } => {
                self.zonk_expr(cond);
                self.zonk_expr(then_branch);
                self.zonk_expr(else_branch);
            }
            ExprKind::Match { scrutinee, cases, .. } => {
                self.zonk_expr(scrutinee);
                cases.iter_mut().for_each(|c| self.zonk_expr(&mut c.body));
            }
            ExprKind::Local(_) | ExprKind::Int(_) | ExprKind::Bool(_) | ExprKind::Unreachable => {}
        }
    }
}

/// A type left undetermined by the program (say, the element type of a `Nil` that is
/// only compared by length) can be anything; `Int` is as good as any.
fn default_metas(t: Ty) -> Ty {
    match t {
        Ty::Meta(_) => Ty::Int,
        Ty::Data(d, args) => Ty::Data(d, args.into_iter().map(default_metas).collect()),
        Ty::Fun(a, r) => Ty::fun(default_metas(*a), default_metas(*r)),
        t => t,
    }
}

fn mentions(t: &Term, name: &str) -> bool {
    match &t.kind {
        TermKind::Var(n) => n.text == name,
        TermKind::Ctor(_) | TermKind::Int(_) | TermKind::Bool(_) | TermKind::Hole | TermKind::Error => false,
        TermKind::App { head, args } => mentions(head, name) || args.iter().any(|a| mentions(a, name)),
        TermKind::Unary(_, a) => mentions(a, name),
        TermKind::Binary(_, a, b) => mentions(a, name) || mentions(b, name),
        TermKind::Lambda { param, body } => param.text != name && mentions(body, name),
        TermKind::Let { binder, value, body } => {
            mentions(value, name) || (binder.text != name && mentions(body, name))
        }
        TermKind::If { cond, then_branch, else_branch } => {
            mentions(cond, name) || mentions(then_branch, name) || mentions(else_branch, name)
        }
        TermKind::Match { scrutinee, cases } => {
            mentions(scrutinee, name)
                || cases.iter().any(|c| c.binders.iter().all(|b| b.text != name) && mentions(&c.body, name))
        }
        TermKind::Annot { term, .. } => mentions(term, name),
        TermKind::List(items) => items.iter().any(|i| mentions(i, name)),
    }
}

/// For each field of a constructor: whether its type mentions a datatype that
/// (directly or through others) contains the constructor's own datatype. Such fields
/// make the datatype recursive; Rust boxes them.
pub fn recursive_fields(program: &Program, ctor: Symbol) -> Vec<bool> {
    let Some(def) = program.constructors.get(&ctor) else { return Vec::new() };
    let own = def.datatype;
    let ty = Ty::erase(&def.schema.ty);
    ty.uncurry()
        .0
        .into_iter()
        .map(|t| {
            let mut ds = Vec::new();
            t.datatypes(&mut ds);
            ds.iter().any(|d| reaches(program, *d, own))
        })
        .collect()
}

/// Whether datatype `from` (through its constructors' fields) contains datatype `to`.
pub fn reaches(program: &Program, from: Symbol, to: Symbol) -> bool {
    let mut seen = vec![from];
    let mut todo = vec![from];
    while let Some(d) = todo.pop() {
        if d == to {
            return true;
        }
        let Some(dt) = program.datatypes.get(&d) else { continue };
        for c in &dt.constructors {
            let Some(def) = program.constructors.get(c) else { continue };
            let mut ds = Vec::new();
            Ty::erase(&def.schema.ty).uncurry().0.into_iter().for_each(|t| t.datatypes(&mut ds));
            for next in ds {
                if !seen.contains(&next) {
                    seen.push(next);
                    todo.push(next);
                }
            }
        }
    }
    false
}
