//! Refinement formulas as Rust expressions, and refinement types as checks.
//!
//! A formula variable is reached through an [`Access`]: a Rust expression and how many
//! references stand between it and the value (`x: A` is 0, a pattern binder `x: &A` is
//! 1, a boxed field `xs: &Box<List<A>>` is 2). Translation never moves: measures are
//! methods (auto-referencing any depth), comparisons compare places, and a value that
//! must be owned (a set element, a constructor argument) is cloned.
//!
//! **Old values.** A postcondition may mention the arguments (`elems _v == elems xs +
//! [x]`), but the body has consumed them. Each maximal subformula that mentions an
//! argument that is not `Copy`, and nothing else bound after entry, is evaluated before
//! the body into `old_0`, `old_1`, ... (in debug builds only) and the postcondition
//! reads those.

use std::collections::{BTreeMap, BTreeSet};

use super::bounds::{Item, Needs, Trait};
use super::names;
use super::syntax::{self as rs, Expr};
use crate::emit::spec::{Conjunct, DataCheck, PredCheck, TypeCheck};
use crate::emit::ty::Ty;
use crate::logic::{BinOp, Formula, Kind, Sort, Symbol, UnOp, VALUE_VAR};
use crate::resolve::Program;
use crate::types::{BaseType, RType};

/// How a formula variable is reached.
#[derive(Clone, Debug)]
pub struct Access {
    pub expr: Expr,
    /// References between the expression and the value.
    pub depth: u8,
}

impl Access {
    pub fn owned(name: &str) -> Access {
        Access { expr: rs::path(name), depth: 0 }
    }

    pub fn by_ref(name: &str) -> Access {
        Access { expr: rs::path(name), depth: 1 }
    }
}

/// What formula names mean where a formula is translated.
#[derive(Clone, Debug, Default)]
pub struct FEnv {
    pub vars: BTreeMap<Symbol, Access>,
    /// Predicates that are closures in scope (a datatype walk's predicate parameters).
    pub preds: BTreeMap<Symbol, String>,
    /// Per type variable, the closure every element must satisfy (datatype walks).
    pub elem_ok: BTreeMap<Symbol, String>,
}

impl FEnv {
    pub fn with_var(&self, name: Symbol, access: Access) -> FEnv {
        let mut env = self.clone();
        env.vars.insert(name, access);
        env
    }
}

/// Old values of a postcondition: computed from the arguments before the body.
#[derive(Debug, Default)]
pub struct Olds {
    /// The arguments that are not `Copy` (the body may consume them).
    pub params: BTreeSet<Symbol>,
    /// How the arguments are reached before the body.
    pub pre_env: FEnv,
    /// `let old_k = expr;`, in order.
    pub lets: Vec<(String, Expr)>,
    pub prefix: String,
}

/// A translated formula: the expression, its reference depth, and whether it names a
/// place (a variable) rather than a temporary.
struct Val {
    expr: Expr,
    depth: u8,
    place: bool,
}

/// One check of a contract.
#[derive(Clone, Debug)]
pub enum CheckItem {
    Assert { formula: String, cond: Expr },
    Skipped { formula: String, why: String },
}

pub struct FormulaGen<'a> {
    pub program: &'a Program,
    pub needs: Needs,
    /// Rust names of the type parameters in scope.
    pub tparams: &'a BTreeMap<Symbol, String>,
    pub olds: Option<Olds>,
    /// Datatypes whose walk is trivially true with trivial arguments.
    pub intrinsic: &'a BTreeMap<Symbol, bool>,
}

fn is_copy_sort(s: &Sort) -> bool {
    matches!(s, Sort::Int | Sort::Bool)
}

fn deref_to(e: Expr, depth: u8) -> Expr {
    (0..depth).fold(e, |acc, _| rs::deref(acc))
}

impl<'a> FormulaGen<'a> {
    pub fn new(
        program: &'a Program,
        tparams: &'a BTreeMap<Symbol, String>,
        intrinsic: &'a BTreeMap<Symbol, bool>,
    ) -> Self {
        FormulaGen { program, needs: Needs::default(), tparams, olds: None, intrinsic }
    }

    /// A Boolean formula as a condition.
    pub fn cond(&mut self, f: &Formula, env: &FEnv) -> Expr {
        let v = self.tr(f, env);
        deref_to(v.expr, v.depth)
    }

    /// A formula as an owned value.
    pub fn owned_value(&mut self, f: &Formula, env: &FEnv) -> Expr {
        let v = self.tr(f, env);
        self.owned(v, &f.sort())
    }

    fn owned(&mut self, v: Val, sort: &Sort) -> Expr {
        if is_copy_sort(sort) {
            return deref_to(v.expr, v.depth);
        }
        if !v.place && v.depth == 0 {
            return v.expr;
        }
        if let Some(t) = Ty::of_sort(sort) {
            self.needs.require(&t, Trait::Clone);
        } else if let Some(e) = sort.elem().and_then(Ty::of_sort) {
            self.needs.require(&e, Trait::Clone);
        }
        match v.depth {
            0 | 1 => rs::method(v.expr, "clone", Vec::new()),
            d => rs::method(deref_to(v.expr, d), "clone", Vec::new()),
        }
    }

    /// `&T` for a closure argument.
    fn as_ref(v: Val) -> Expr {
        match v.depth {
            0 => rs::addr_of(v.expr),
            1 => v.expr,
            d => rs::addr_of(deref_to(v.expr, d)),
        }
    }

    fn pre_state(&self, f: &Formula) -> bool {
        let Some(olds) = &self.olds else { return false };
        let free = f.free_var_names();
        !free.is_empty()
            && free.iter().all(|x| olds.pre_env.vars.contains_key(x) && x.as_str() != VALUE_VAR)
            && free.iter().any(|x| olds.params.contains(x))
    }

    fn tr(&mut self, f: &Formula, env: &FEnv) -> Val {
        if self.pre_state(f) {
            let olds = self.olds.take().unwrap_or_default();
            let pre_env = olds.pre_env.clone();
            let value = self.owned_value(f, &pre_env);
            let mut olds = olds;
            let name = format!("{}{}", olds.prefix, olds.lets.len());
            olds.lets.push((name.clone(), value));
            self.olds = Some(olds);
            return Val { expr: rs::path(name), depth: 0, place: true };
        }
        let temp = |expr: Expr| Val { expr, depth: 0, place: false };
        match f.kind() {
            Kind::Bool(b) => temp(rs::lit(b.to_string())),
            Kind::Int(n) => temp(rs::lit(n.to_string())),
            Kind::Var { name, .. } => match env.vars.get(name) {
                Some(a) => Val { expr: a.expr.clone(), depth: a.depth, place: true },
                None => temp(rs::path(names::value(name.as_str()))),
            },
            Kind::Unary(UnOp::Not, a) => temp(rs::not(self.cond(a, env))),
            Kind::Unary(UnOp::Neg, a) => {
                let a = self.cond(a, env);
                temp(rs::unary("-", a))
            }
            Kind::Binary(op, l, r) => temp(self.binary(*op, l, r, env)),
            Kind::Ite(c, t, e) => {
                let c = self.cond(c, env);
                let t = self.owned_value(t, env);
                let e = self.owned_value(e, env);
                temp(rs::if_else(c, rs::block_of(t), Some(Expr::Block(rs::block_of(e)))))
            }
            Kind::Pred { name, args, .. } => {
                if let Some(closure) = env.preds.get(name) {
                    let args: Vec<Expr> = args
                        .iter()
                        .map(|a| {
                            let v = self.tr(a, env);
                            if is_copy_sort(&a.sort()) { deref_to(v.expr, v.depth) } else { Self::as_ref(v) }
                        })
                        .collect();
                    return temp(rs::call(closure.clone(), args));
                }
                self.measure_app(*name, args, env)
            }
            Kind::Cons { name, args, .. } => temp(self.constructor(*name, args, env)),
            Kind::SetLit { elem, elems } => {
                if let Some(t) = Ty::of_sort(elem) {
                    self.needs.require(&t, Trait::Ord);
                }
                if elems.is_empty() {
                    return temp(rs::call("BTreeSet::new", Vec::new()));
                }
                let items: Vec<Expr> = elems.iter().map(|e| self.owned_value(e, env)).collect();
                temp(rs::call("BTreeSet::from", vec![Expr::Array(items)]))
            }
            Kind::All { .. } | Kind::Unknown { .. } => temp(rs::lit("true")),
        }
    }

    fn measure_app(&mut self, name: Symbol, args: &[Formula], env: &FEnv) -> Val {
        let Some((recv, consts)) = args.split_last() else {
            return Val { expr: rs::lit("true"), depth: 0, place: false };
        };
        if let Sort::Data(d, targs) = recv.sort()
            && self.program.datatypes.contains_key(&d)
        {
            let inst: Vec<Ty> = targs.iter().map(|s| Ty::of_sort(s).unwrap_or(Ty::Int)).collect();
            self.needs.call(Item::Measure(name), inst);
        }
        let r = self.tr(recv, env);
        // Constant arguments: `Int` and `Bool` by value, others by reference (the
        // method's signature).
        let consts: Vec<Expr> = consts
            .iter()
            .map(|c| {
                let v = self.tr(c, env);
                if is_copy_sort(&c.sort()) { deref_to(v.expr, v.depth) } else { Self::as_ref(v) }
            })
            .collect();
        Val { expr: rs::method(r.expr, names::measure(name.as_str()), consts), depth: 0, place: false }
    }

    fn constructor(&mut self, name: Symbol, args: &[Formula], env: &FEnv) -> Expr {
        let datatype = self.program.constructors.get(&name).map(|c| c.datatype);
        let path = format!(
            "{}::{}",
            names::type_name(datatype.map_or("?", |d| d.as_str())),
            names::type_name(name.as_str())
        );
        if args.is_empty() {
            return rs::path(path);
        }
        let boxed = crate::emit::ir::recursive_fields(self.program, name);
        let items: Vec<Expr> = args
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let v = self.owned_value(a, env);
                if boxed.get(i).copied().unwrap_or(false) { rs::call("Box::new", vec![v]) } else { v }
            })
            .collect();
        rs::call(path, items)
    }

    fn binary(&mut self, op: BinOp, l: &Formula, r: &Formula, env: &FEnv) -> Expr {
        match op {
            BinOp::And => rs::binary("&&", self.cond(l, env), self.cond(r, env)),
            BinOp::Or => rs::binary("||", self.cond(l, env), self.cond(r, env)),
            BinOp::Implies => rs::binary("||", rs::not(self.cond(l, env)), self.cond(r, env)),
            BinOp::Iff => rs::binary("==", self.cond(l, env), self.cond(r, env)),
            BinOp::Plus | BinOp::Minus | BinOp::Times => {
                let s = match op {
                    BinOp::Plus => "+",
                    BinOp::Minus => "-",
                    _ => "*",
                };
                rs::binary(s, self.cond(l, env), self.cond(r, env))
            }
            BinOp::Eq | BinOp::Neq | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                // Comparisons are spelled in Rust as in `.sq`.
                let s = op.spelling();
                let sort = l.sort();
                if let Some(t) = Ty::of_sort(&sort) {
                    let tr = if matches!(op, BinOp::Eq | BinOp::Neq) { Trait::Eq } else { Trait::Ord };
                    self.needs.require(&t, tr);
                } else if let Some(e) = sort.elem().and_then(Ty::of_sort) {
                    self.needs.require(&e, Trait::Ord);
                }
                let (a, b) = (self.tr(l, env), self.tr(r, env));
                if is_copy_sort(&sort) || a.depth != b.depth {
                    rs::binary(s, deref_to(a.expr, a.depth), deref_to(b.expr, b.depth))
                } else {
                    rs::binary(s, a.expr, b.expr)
                }
            }
            BinOp::Union | BinOp::Intersect | BinOp::Diff => {
                if let Some(e) = l.sort().elem().and_then(Ty::of_sort) {
                    self.needs.require(&e, Trait::Ord);
                    self.needs.require(&e, Trait::Clone);
                }
                let s = match op {
                    BinOp::Union => "|",
                    BinOp::Intersect => "&",
                    _ => "-",
                };
                let (a, b) = (self.tr(l, env), self.tr(r, env));
                let a = if a.depth == 0 { rs::addr_of(a.expr) } else { deref_to(a.expr, a.depth - 1) };
                let b = if b.depth == 0 { rs::addr_of(b.expr) } else { deref_to(b.expr, b.depth - 1) };
                rs::binary(s, a, b)
            }
            BinOp::Member => {
                if let Some(t) = Ty::of_sort(&l.sort()) {
                    self.needs.require(&t, Trait::Ord);
                }
                let e = self.tr(l, env);
                let e = if is_copy_sort(&l.sort()) {
                    rs::addr_of(deref_to(e.expr, e.depth))
                } else {
                    Self::as_ref(e)
                };
                let s = self.tr(r, env);
                rs::method(s.expr, "contains", vec![e])
            }
            BinOp::Subset => {
                if let Some(e) = l.sort().elem().and_then(Ty::of_sort) {
                    self.needs.require(&e, Trait::Ord);
                }
                let a = self.tr(l, env);
                let b = self.tr(r, env);
                rs::method(a.expr, "is_subset", vec![Self::as_ref(b)])
            }
        }
    }

    // ----- refinement types as checks -----

    /// The checks of refinement type `t` on the value `value` (`_v`).
    pub fn check_value(
        &mut self,
        check: &TypeCheck,
        t: &RType,
        value: &Access,
        env: &FEnv,
    ) -> Vec<CheckItem> {
        let env = env.with_var(Symbol::intern(VALUE_VAR), value.clone());
        let mut out = Vec::new();
        if let RType::Scalar { base: BaseType::Var(a), .. } = t
            && let Some(ok) = env.elem_ok.get(a)
        {
            let v = Val { expr: value.expr.clone(), depth: value.depth, place: true };
            out.push(CheckItem::Assert {
                formula: String::new(),
                cond: rs::call(ok.clone(), vec![Self::as_ref(v)]),
            });
        }
        for c in &check.conjuncts {
            match c {
                Conjunct::Exec(f) => {
                    out.push(CheckItem::Assert { formula: show(f), cond: self.cond(f, &env) });
                }
                Conjunct::Skipped(f, why) => {
                    out.push(CheckItem::Skipped { formula: show(f), why: why.clone() })
                }
            }
        }
        if let (Some(dc), RType::Scalar { base: base @ BaseType::Data { args, .. }, .. }) =
            (&check.structure, t)
        {
            let recv = Val { expr: value.expr.clone(), depth: value.depth, place: true };
            if let Some(call) = self.satisfies_call(recv, dc, args, &env) {
                out.push(CheckItem::Assert {
                    formula: crate::emit::spec::doc_text(&format!("the refinements inside `{base}`")),
                    cond: call,
                });
            }
            let mut skipped = Vec::new();
            for (_, a) in &dc.args {
                a.skipped(&mut skipped);
            }
            for (f, why) in skipped {
                out.push(CheckItem::Skipped { formula: show(&f), why });
            }
            for p in &dc.preds {
                if let PredCheck::Erased(f, why) = p
                    && !f.is_true()
                {
                    let arg = crate::emit::spec::doc_text(&format!("<{{{}}}>", show(f)));
                    out.push(CheckItem::Skipped {
                        formula: crate::emit::spec::doc_text(&format!(
                            "the predicate argument {arg} of `{base}`"
                        )),
                        why: why.clone(),
                    });
                }
            }
        }
        out
    }

    /// `recv.satisfies(closures)`, or `None` when it cannot fail.
    fn satisfies_call(&mut self, recv: Val, dc: &DataCheck, targs: &[RType], env: &FEnv) -> Option<Expr> {
        let dt = self.program.datatypes.get(&dc.datatype)?;
        let inst: Vec<Ty> = targs.iter().map(Ty::erase).collect();
        let mut closures = Vec::new();
        let mut trivial = self.intrinsic.get(&dc.datatype).copied().unwrap_or(false);
        // Predicate arguments are passed by reference unless their declared sort is
        // `Int` or `Bool` (the signature of `satisfies` is generic).
        for ((rt, check), ty) in dc.args.iter().zip(&inst) {
            let (c, t) = self.element_closure(rt, check, ty, env);
            trivial &= t;
            closures.push(c);
        }
        let subst: BTreeMap<Symbol, Ty> = dt.params.iter().copied().zip(inst.iter().cloned()).collect();
        for (p, pc) in dt.pred_params.iter().zip(&dc.preds) {
            let arg_tys: Vec<(bool, Option<Ty>)> = p
                .sig
                .args
                .iter()
                .map(|s| (matches!(s, Sort::Int | Sort::Bool), Ty::of_sort(s).map(|t| t.subst(&subst))))
                .collect();
            let (c, t) = self.pred_closure(pc, &arg_tys, env);
            trivial &= t;
            closures.push(c);
        }
        if trivial {
            return None;
        }
        self.needs.call(Item::Satisfies(dc.datatype), inst);
        Some(rs::method(recv.expr, "satisfies", closures))
    }

    /// `&|v: &T| ...` checking an element of type `rt`; also whether it is `true`.
    pub fn element_closure(&mut self, rt: &RType, check: &TypeCheck, ty: &Ty, env: &FEnv) -> (Expr, bool) {
        // An element check that is exactly an outer closure is passed as it is.
        if let RType::Scalar { base: BaseType::Var(a), .. } = rt
            && check.conjuncts.is_empty()
            && let Some(ok) = env.elem_ok.get(a)
        {
            return (rs::path(ok.clone()), false);
        }
        let v = fresh_name(env);
        let access = Access::by_ref(&v);
        let items = self.check_value(check, rt, &access, env);
        let conds: Vec<Expr> = items
            .into_iter()
            .filter_map(|i| match i {
                CheckItem::Assert { cond, .. } => Some(cond),
                CheckItem::Skipped { .. } => None,
            })
            .collect();
        let t = names::rust_type(ty, self.tparams);
        if conds.is_empty() {
            return (rs::addr_of(Expr::Closure(vec![format!("_: &{t}")], Box::new(rs::lit("true")))), true);
        }
        let body = conds.into_iter().reduce(|a, b| rs::binary("&&", a, b)).unwrap_or_else(|| rs::lit("true"));
        (rs::addr_of(Expr::Closure(vec![format!("{v}: &{t}")], Box::new(body))), false)
    }

    pub fn pred_closure(
        &mut self,
        pc: &PredCheck,
        arg_tys: &[(bool, Option<Ty>)],
        env: &FEnv,
    ) -> (Expr, bool) {
        let param_ty = |(by_value, t): &(bool, Option<Ty>), tparams: &BTreeMap<Symbol, String>| match t {
            Some(t) if *by_value => names::rust_type(t, tparams),
            Some(t) => format!("&{}", names::rust_type(t, tparams)),
            None => "_".to_string(),
        };
        let formula = match pc {
            PredCheck::Exec(f) if !f.is_true() => f,
            _ => {
                let params = arg_tys.iter().map(|t| format!("_: {}", param_ty(t, self.tparams))).collect();
                return (rs::addr_of(Expr::Closure(params, Box::new(rs::lit("true")))), true);
            }
        };
        // `<p>` passed on unchanged: `p _0 _1` is the closure `p` itself.
        if let Kind::Pred { name, args, .. } = formula.kind()
            && let Some(closure) = env.preds.get(name)
            && args.iter().enumerate().all(|(i, a)| a.var_name() == Some(crate::logic::pred_param(i)))
        {
            return (rs::path(closure.clone()), false);
        }
        let mut inner = env.clone();
        let mut params = Vec::new();
        let used = formula.free_var_names();
        for (i, t) in arg_tys.iter().enumerate() {
            let sym = crate::logic::pred_param(i);
            if !used.contains(&sym) {
                params.push(format!("_: {}", param_ty(t, self.tparams)));
                continue;
            }
            let name = format!("v{i}");
            let depth = if t.0 { 0 } else { 1 };
            inner.vars.insert(sym, Access { expr: rs::path(name.clone()), depth });
            params.push(format!("{name}: {}", param_ty(t, self.tparams)));
        }
        let body = self.cond(formula, &inner);
        (rs::addr_of(Expr::Closure(params, Box::new(body))), false)
    }
}

/// A closure parameter name not used by the variables in scope.
pub fn fresh_name(env: &FEnv) -> String {
    let taken: BTreeSet<String> = env
        .vars
        .values()
        .filter_map(|a| match &a.expr {
            Expr::Path(p) => Some(p.clone()),
            _ => None,
        })
        .chain(env.elem_ok.values().cloned())
        .chain(env.preds.values().cloned())
        .collect();
    let mut i = 0;
    loop {
        let name = if i == 0 { "v".to_string() } else { format!("v{i}") };
        if !taken.contains(&name) {
            return name;
        }
        i += 1;
    }
}

/// A formula in `.sq` syntax on one line.
pub fn show(f: &Formula) -> String {
    f.to_string().split_whitespace().collect::<Vec<_>>().join(" ")
}
