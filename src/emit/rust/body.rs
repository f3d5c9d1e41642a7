//! Function bodies in Rust: where values move, where they are cloned, where boxed.
//!
//! Goals take their arguments by value. A variable is **moved** at its last use on
//! every path and **cloned** at the uses before (a backward liveness pass over the
//! IR decides which). Comparisons and derived components borrow. Closures borrow what
//! they capture, so inside a closure, and while a closure is alive, captured values
//! are cloned where an owned value is needed.
//!
//! **Reconstruction.** In `match t with Node x l r -> .. t ..`, the use of `t` is
//! replaced by `Node x l r` rebuilt from the pattern's variables (the same value), so
//! `t` can be matched by value instead of cloned; the rebuilt node reuses the boxes.
//!
//! Fields that refer back to their datatype are `Box`ed: a pattern variable bound to
//! one is a `Box`, dereferenced (`*xs`) where a value is needed and passed as it is to
//! a constructor field that is boxed too.

use std::collections::{BTreeMap, BTreeSet};

use super::bounds::{Item, Needs, Trait};
use super::names;
use super::syntax::{self as rs, Arm, Block, Expr, Stmt};
use crate::emit::EmitError;
use crate::emit::ir::{Callee, Expr as IExpr, ExprKind, Function, LocalId};
use crate::emit::plan::Plan;
use crate::emit::spec::ComponentPlan;
use crate::emit::ty::Ty;
use crate::logic::Symbol;
use crate::syntax::ast::{BinOp, UnOp};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    /// An owned value.
    Owned,
    /// An owned value in a `Box`.
    Boxed,
    /// A place to compare (no move).
    Place,
    /// A reference (`&x`).
    Ref,
}

/// A recursive local function, lifted to the top level.
pub struct Helper {
    pub name: String,
    pub local: LocalId,
    pub captured: Vec<LocalId>,
    pub params: Vec<LocalId>,
    pub body: IExpr,
}

pub struct BodyGen<'a> {
    pub plan: &'a Plan<'a>,
    pub f: Function,
    pub names: Vec<String>,
    pub tparams: &'a BTreeMap<Symbol, String>,
    pub needs: Needs,
    /// For each occurrence of a local (by expression id): is it the last use?
    last_use: BTreeMap<u32, bool>,
    /// Constructor applications that rebuild a matched value (no smart constructor).
    raw_ctors: BTreeSet<u32>,
    /// Locals bound to closures (`let f0 = |..| ..`).
    closures: BTreeSet<LocalId>,
    /// Locals that are lifted recursive functions.
    pub helpers: Vec<Helper>,
    /// Constructors whose fields are refined (built through smart constructors).
    pub smart: &'a BTreeSet<Symbol>,
    /// The components type parameter, if this function has one.
    pub components: Option<String>,
}

impl<'a> BodyGen<'a> {
    pub fn new(
        plan: &'a Plan<'a>,
        f: &Function,
        tparams: &'a BTreeMap<Symbol, String>,
        smart: &'a BTreeSet<Symbol>,
        reserved: &BTreeSet<String>,
    ) -> BodyGen<'a> {
        let mut f = f.clone();
        let raw_ctors = reconstruct(&mut f);
        let names = local_names(&f, reserved);
        let components = plan.needs_components.contains(&f.name).then(|| names::components_param(tparams));
        let mut g = BodyGen {
            plan,
            f,
            names,
            tparams,
            needs: Needs::default(),
            last_use: BTreeMap::new(),
            raw_ctors,
            closures: BTreeSet::new(),
            helpers: Vec::new(),
            smart,
            components,
        };
        let body = g.f.body.clone();
        g.liveness(&body, &BTreeSet::new());
        g
    }

    /// The function-typed parameters are owned closures (`impl Fn`), passed on by
    /// reference like local closures.
    pub fn own_function_params(&mut self) {
        let ps: Vec<LocalId> =
            self.f.params.iter().map(|(_, l)| *l).filter(|l| self.f.local(*l).ty.is_fun()).collect();
        self.closures.extend(ps);
    }

    pub fn name(&self, l: LocalId) -> String {
        self.names[l].clone()
    }

    pub fn rust_type(&self, t: &Ty) -> String {
        names::rust_type(t, self.tparams)
    }

    // ----- liveness -----

    /// Returns the locals live before `e`, given those live after it; records for each
    /// occurrence whether it is the last use.
    fn liveness(&mut self, e: &IExpr, after: &BTreeSet<LocalId>) -> BTreeSet<LocalId> {
        match &e.kind {
            ExprKind::Local(l) => {
                self.last_use.insert(e.id, !after.contains(l));
                let mut live = after.clone();
                live.insert(*l);
                live
            }
            ExprKind::Int(_) | ExprKind::Bool(_) | ExprKind::Global { .. } | ExprKind::Unreachable => {
                after.clone()
            }
            ExprKind::Call { callee, args } => {
                let mut pinned = after.clone();
                for a in args {
                    if matches!(a.kind, ExprKind::Lambda { .. }) {
                        pinned.extend(free_locals(a));
                    }
                }
                let mut live = pinned;
                for a in args.iter().rev() {
                    live = self.liveness(a, &live);
                }
                if let Callee::Local(l) = callee {
                    live.insert(*l);
                }
                live
            }
            ExprKind::Unary(_, a) => self.liveness(a, after),
            ExprKind::Binary(_, a, b) => {
                let live = self.liveness(b, after);
                self.liveness(a, &live)
            }
            ExprKind::Lambda { .. } => {
                let captured = free_locals(e);
                if let ExprKind::Lambda { body, .. } = &e.kind {
                    self.liveness(body, &captured);
                }
                let mut live = after.clone();
                live.extend(captured);
                live
            }
            ExprKind::Let { local, value, body, .. } => {
                let mut body_after = after.clone();
                if matches!(value.kind, ExprKind::Lambda { .. }) {
                    body_after.extend(free_locals(value));
                }
                let mut live = self.liveness(body, &body_after);
                live.remove(local);
                self.liveness(value, &live)
            }
            ExprKind::If { cond, then_branch, else_branch } => {
                let mut live = self.liveness(then_branch, after);
                live.extend(self.liveness(else_branch, after));
                self.liveness(cond, &live)
            }
            ExprKind::Match { scrutinee, cases, .. } => {
                let mut live = BTreeSet::new();
                for c in cases {
                    let mut l = self.liveness(&c.body, after);
                    for b in c.binders.iter().flatten() {
                        l.remove(b);
                    }
                    live.extend(l);
                }
                self.liveness(scrutinee, &live)
            }
        }
    }

    fn last(&self, e: &IExpr) -> bool {
        self.last_use.get(&e.id).copied().unwrap_or(false)
    }

    // ----- expressions -----

    /// The body as a block (lets become statements).
    pub fn block(&mut self, e: &IExpr) -> Result<Block, EmitError> {
        Ok(into_block(self.expr(e, Mode::Owned)?))
    }

    fn expr(&mut self, e: &IExpr, mode: Mode) -> Result<Expr, EmitError> {
        let wrap = |x: Expr, mode: Mode| match mode {
            Mode::Boxed => rs::call("Box::new", vec![x]),
            Mode::Ref => rs::addr_of(x),
            Mode::Owned | Mode::Place => x,
        };
        match &e.kind {
            ExprKind::Local(l) => Ok(self.local(e, *l, mode)),
            ExprKind::Int(n) => Ok(rs::lit(n.to_string())),
            ExprKind::Bool(b) => Ok(rs::lit(b.to_string())),
            ExprKind::Global { .. } => self.function_value(e),
            ExprKind::Call { callee, args } => {
                let call = self.call(e, callee, args)?;
                Ok(match (callee, mode) {
                    // A boxed constructor field gets a fresh box.
                    (_, Mode::Boxed) => rs::call("Box::new", vec![call]),
                    (_, m) => wrap(call, m),
                })
            }
            ExprKind::Unary(op, a) => {
                let a = self.expr(a, Mode::Owned)?;
                let x = match op {
                    UnOp::Not => rs::not(a),
                    UnOp::Neg => rs::unary("-", a),
                };
                Ok(wrap(x, mode))
            }
            ExprKind::Binary(op, a, b) => {
                let x = self.binary(*op, a, b)?;
                Ok(wrap(x, mode))
            }
            ExprKind::Lambda { params, body } => {
                let c = self.closure(params, body)?;
                Ok(match mode {
                    Mode::Ref => rs::addr_of(c),
                    _ => c,
                })
            }
            ExprKind::Let { local, value, body, recursive } => {
                let mut stmts = Vec::new();
                if *recursive {
                    self.lift(*local, value)?;
                } else if let ExprKind::Lambda { params, body: lbody } = &value.kind {
                    self.closures.insert(*local);
                    let c = self.closure(params, lbody)?;
                    stmts.push(Stmt::Let { attrs: Vec::new(), pat: self.name(*local), ty: None, init: c });
                } else {
                    let v = self.expr(value, Mode::Owned)?;
                    stmts.push(Stmt::Let { attrs: Vec::new(), pat: self.name(*local), ty: None, init: v });
                }
                let rest = self.expr(body, if mode == Mode::Boxed { Mode::Owned } else { mode })?;
                stmts.extend(into_block(rest).stmts);
                let b = Expr::Block(Block { stmts });
                Ok(if mode == Mode::Boxed { rs::call("Box::new", vec![b]) } else { b })
            }
            ExprKind::If { cond, then_branch, else_branch } => {
                let inner = if mode == Mode::Boxed || mode == Mode::Ref { Mode::Owned } else { mode };
                let c = self.expr(cond, Mode::Owned)?;
                let t = into_block(self.expr(then_branch, inner)?);
                let el = into_block(self.expr(else_branch, inner)?);
                let x = rs::if_else(c, t, Some(else_expr(el)));
                Ok(wrap(x, mode))
            }
            ExprKind::Match { scrutinee, datatype, cases, exhaustive } => {
                let inner = if mode == Mode::Boxed || mode == Mode::Ref { Mode::Owned } else { mode };
                let s = self.expr(scrutinee, Mode::Owned)?;
                let mut arms = Vec::new();
                for c in cases {
                    let pat = self.pattern(*datatype, c.ctor, &c.binders);
                    let body = self.expr(&c.body, inner)?;
                    arms.push(Arm { pat, body });
                }
                if !exhaustive {
                    arms.push(Arm { pat: "_".to_string(), body: rs::mac("unreachable", Vec::new()) });
                }
                Ok(wrap(Expr::Match(Box::new(s), arms), mode))
            }
            ExprKind::Unreachable => Ok(rs::mac("unreachable", Vec::new())),
        }
    }

    fn local(&mut self, e: &IExpr, l: LocalId, mode: Mode) -> Expr {
        let local = self.f.local(l).clone();
        let name = rs::path(self.name(l));
        if local.ty.is_fun() {
            return self.local_function_value(l);
        }
        if local.ty.is_copy() {
            return match mode {
                Mode::Boxed => rs::call("Box::new", vec![name]),
                Mode::Ref => rs::addr_of(name),
                Mode::Owned | Mode::Place => name,
            };
        }
        let last = self.last(e);
        let boxed = local.recursive_field;
        let clone = |g: &mut Self, x: Expr| {
            g.needs.require(&local.ty, Trait::Clone);
            rs::method(x, "clone", Vec::new())
        };
        match (mode, boxed) {
            (Mode::Place, false) => name,
            (Mode::Place, true) => rs::deref(name),
            (Mode::Ref, _) => rs::addr_of(name),
            (Mode::Owned, false) | (Mode::Boxed, true) => {
                let x = if last { name } else { clone(self, name) };
                if mode == Mode::Boxed && !boxed { rs::call("Box::new", vec![x]) } else { x }
            }
            (Mode::Boxed, false) => {
                let x = if last { name } else { clone(self, name) };
                rs::call("Box::new", vec![x])
            }
            (Mode::Owned, true) => {
                if last {
                    rs::deref(name)
                } else {
                    clone(self, rs::deref(name))
                }
            }
        }
    }

    /// A function-typed local passed as a value.
    /// A lifted helper's path (with the components parameter when there is one).
    fn helper_path(&self, name: &str) -> String {
        match &self.components {
            Some(c) => {
                let mut tys = vec![c.clone()];
                tys.extend(
                    self.f
                        .type_params
                        .iter()
                        .map(|p| self.tparams.get(p).cloned().unwrap_or_else(|| "_".into())),
                );
                format!("{name}::<{}>", tys.join(", "))
            }
            None => name.to_string(),
        }
    }

    fn local_function_value(&mut self, l: LocalId) -> Expr {
        if let Some(h) = self.helpers.iter().find(|h| h.local == l) {
            let name = self.helper_path(&h.name.clone());
            let captured = h.captured.clone();
            let ty = self.f.local(l).ty.clone();
            let (arg_tys, _) = ty.uncurry();
            let arg_tys: Vec<Ty> = arg_tys.into_iter().cloned().collect();
            let params: Vec<String> =
                arg_tys.iter().enumerate().map(|(i, t)| format!("a{i}: {}", self.rust_type(t))).collect();
            let mut args: Vec<Expr> = captured.iter().map(|c| self.captured_arg(*c)).collect();
            args.extend((0..arg_tys.len()).map(|i| rs::path(format!("a{i}"))));
            return rs::addr_of(Expr::Closure(params, Box::new(rs::call(name, args))));
        }
        let name = rs::path(self.name(l));
        if self.closures.contains(&l) { rs::addr_of(name) } else { name }
    }

    fn captured_arg(&mut self, c: LocalId) -> Expr {
        let local = self.f.local(c).clone();
        let name = rs::path(self.name(c));
        if local.ty.is_copy() {
            return name;
        }
        self.needs.require(&local.ty, Trait::Clone);
        let x = if local.recursive_field { rs::deref(name) } else { name };
        rs::method(x, "clone", Vec::new())
    }

    /// A global function passed as a value: a closure that calls it.
    fn function_value(&mut self, e: &IExpr) -> Result<Expr, EmitError> {
        let ExprKind::Global { name, inst } = &e.kind else { return Err(EmitError::new("not a function")) };
        let (arg_tys, _) = e.ty.uncurry();
        let arg_tys: Vec<Ty> = arg_tys.into_iter().cloned().collect();
        // Build `|a0, a1| f(a0, a1)` as an IR call on fresh locals.
        let mut params = Vec::new();
        let mut args = Vec::new();
        for (i, t) in arg_tys.iter().enumerate() {
            let id = self.f.locals.len();
            self.f.locals.push(crate::emit::ir::Local {
                name: format!("a{i}"),
                ty: t.clone(),
                recursive_field: false,
            });
            self.names.push(format!("a{i}"));
            params.push(id);
            args.push(IExpr { id: u32::MAX - i as u32, kind: ExprKind::Local(id), ty: t.clone() });
            self.last_use.insert(u32::MAX - i as u32, true);
        }
        let call = IExpr {
            id: u32::MAX - 100,
            kind: ExprKind::Call { callee: Callee::Global { name: *name, inst: inst.clone() }, args },
            ty: e.ty.uncurry().1.clone(),
        };
        let c = self.closure(&params, &call)?;
        Ok(rs::addr_of(c))
    }

    fn closure(&mut self, params: &[LocalId], body: &IExpr) -> Result<Expr, EmitError> {
        let ps: Vec<String> = params
            .iter()
            .map(|p| format!("{}: {}", self.name(*p), self.rust_type(&self.f.local(*p).ty)))
            .collect();
        let b = self.expr(body, Mode::Owned)?;
        Ok(Expr::Closure(ps, Box::new(b)))
    }

    fn lift(&mut self, local: LocalId, value: &IExpr) -> Result<(), EmitError> {
        let ExprKind::Lambda { params, body } = &value.kind else {
            return Err(EmitError::new("a recursive `let` must bind a function"));
        };
        let mut captured: Vec<LocalId> = free_locals(value).into_iter().filter(|l| *l != local).collect();
        captured.sort();
        let name = format!("{}_{}", names::value(self.f.name.as_str()), self.name(local));
        self.helpers.push(Helper { name, local, captured, params: params.clone(), body: (**body).clone() });
        Ok(())
    }

    fn pattern(&self, datatype: Symbol, ctor: Symbol, binders: &[Option<LocalId>]) -> String {
        let path = format!("{}::{}", names::type_name(datatype.as_str()), names::type_name(ctor.as_str()));
        if binders.is_empty() {
            return path;
        }
        if binders.iter().all(|b| b.is_none_or(|l| self.names[l] == "_")) {
            return format!("{path}(..)");
        }
        let bs: Vec<String> = binders.iter().map(|b| b.map_or("_".to_string(), |l| self.name(l))).collect();
        format!("{path}({})", bs.join(", "))
    }

    fn binary(&mut self, op: BinOp, a: &IExpr, b: &IExpr) -> Result<Expr, EmitError> {
        let owned2 = |g: &mut Self, s: &'static str| -> Result<Expr, EmitError> {
            Ok(rs::binary(s, g.expr(a, Mode::Owned)?, g.expr(b, Mode::Owned)?))
        };
        match op {
            BinOp::Plus => owned2(self, "+"),
            BinOp::Minus => owned2(self, "-"),
            BinOp::Times => owned2(self, "*"),
            BinOp::And => owned2(self, "&&"),
            BinOp::Or => owned2(self, "||"),
            BinOp::Iff => owned2(self, "=="),
            BinOp::Implies => {
                Ok(rs::binary("||", rs::not(self.expr(a, Mode::Owned)?), self.expr(b, Mode::Owned)?))
            }
            BinOp::Eq | BinOp::Neq | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                // Comparisons are spelled in Rust as in `.sq`.
                let s = op.spelling();
                let tr = if matches!(op, BinOp::Eq | BinOp::Neq) { Trait::Eq } else { Trait::Ord };
                self.needs.require(&a.ty, tr);
                let mode = if a.ty.is_copy() { Mode::Owned } else { Mode::Place };
                Ok(rs::binary(s, self.expr(a, mode)?, self.expr(b, mode)?))
            }
            BinOp::In => Err(EmitError::new("`in` in a program")),
        }
    }

    fn call(&mut self, e: &IExpr, callee: &Callee, args: &[IExpr]) -> Result<Expr, EmitError> {
        match callee {
            Callee::Ctor { name, inst } => {
                let def = &self.plan.program.constructors[name];
                let dt = names::type_name(def.datatype.as_str());
                if args.is_empty() {
                    return Ok(rs::path(format!("{dt}::{}", names::type_name(name.as_str()))));
                }
                if self.smart.contains(name) && !self.raw_ctors.contains(&e.id) {
                    self.needs.call(Item::SmartCtor(*name), inst.clone());
                    let xs = self.args(args, &vec![Mode::Owned; args.len()])?;
                    return Ok(rs::call(
                        format!("{dt}::{}", super::smart_name(self.plan.program, *name)),
                        xs,
                    ));
                }
                let boxed = crate::emit::ir::recursive_fields(self.plan.program, *name);
                let modes: Vec<Mode> =
                    (0..args.len()).map(|i| if boxed[i] { Mode::Boxed } else { Mode::Owned }).collect();
                let xs = self.args(args, &modes)?;
                Ok(rs::call(format!("{dt}::{}", names::type_name(name.as_str())), xs))
            }
            Callee::Local(l) => {
                if let Some(h) = self.helpers.iter().find(|h| h.local == *l) {
                    let name = h.name.clone();
                    let captured = h.captured.clone();
                    let mut xs: Vec<Expr> = captured.iter().map(|c| self.captured_arg(*c)).collect();
                    xs.extend(self.args(args, &vec![Mode::Owned; args.len()])?);
                    self.needs.call(
                        Item::Helper(self.f.name, name.clone()),
                        self.f.type_params.iter().map(|p| Ty::Param(*p)).collect(),
                    );
                    return Ok(rs::call(self.helper_path(&name), xs));
                }
                let xs = self.args(args, &vec![Mode::Owned; args.len()])?;
                Ok(Expr::Call(Box::new(rs::path(self.name(*l))), xs))
            }
            Callee::Global { name, inst } => {
                if self.plan.is_goal(*name) {
                    self.needs.call(Item::Goal(*name), inst.clone());
                    let xs = self.args(args, &vec![Mode::Owned; args.len()])?;
                    let mut path = names::value(name.as_str());
                    if self.plan.needs_components.contains(name) {
                        let mut tys = vec![self.components.clone().unwrap_or_else(|| "C".to_string())];
                        tys.extend(inst.iter().map(|t| self.rust_type(t)));
                        path = format!("{path}::<{}>", tys.join(", "));
                    }
                    return Ok(rs::call(path, xs));
                }
                match self.plan.component_plan(*name) {
                    Some(ComponentPlan::Derived { .. }) => {
                        self.needs.call(Item::Derived(*name), inst.clone());
                        let modes: Vec<Mode> = args
                            .iter()
                            .map(|a| if a.ty.is_copy() { Mode::Owned } else { Mode::Ref })
                            .collect();
                        let xs = self.args(args, &modes)?;
                        Ok(rs::call(names::value(name.as_str()), xs))
                    }
                    Some(ComponentPlan::Abstract { .. }) => {
                        self.needs.call(Item::TraitMethod(*name), inst.clone());
                        let xs = self.args(args, &vec![Mode::Owned; args.len()])?;
                        let c = self.components.clone().unwrap_or_else(|| "C".to_string());
                        Ok(rs::call(format!("{c}::{}", names::value(name.as_str())), xs))
                    }
                    None => Err(EmitError::new(format!("`{name}` is neither a goal nor a component"))),
                }
            }
        }
    }

    fn args(&mut self, args: &[IExpr], modes: &[Mode]) -> Result<Vec<Expr>, EmitError> {
        let mut out = Vec::new();
        for (a, m) in args.iter().zip(modes) {
            if a.ty.is_fun() {
                out.push(match &a.kind {
                    ExprKind::Lambda { .. } => self.expr(a, Mode::Ref)?,
                    _ => self.expr(a, Mode::Owned)?,
                });
            } else {
                out.push(self.expr(a, *m)?);
            }
        }
        Ok(out)
    }
}

fn else_expr(b: Block) -> Expr {
    match b.stmts.as_slice() {
        [Stmt::Tail(Expr::If(..))] => match b.stmts.into_iter().next() {
            Some(Stmt::Tail(e)) => e,
            _ => Expr::Block(Block::default()),
        },
        _ => Expr::Block(b),
    }
}

/// An expression as the statements of a block (a block expression is unwrapped).
pub fn into_block(e: Expr) -> Block {
    match e {
        Expr::Block(b) => b,
        e => rs::block_of(e),
    }
}

/// Locals used in `e` but bound outside it.
pub fn free_locals(e: &IExpr) -> BTreeSet<LocalId> {
    let mut bound = BTreeSet::new();
    e.visit(&mut |x| match &x.kind {
        ExprKind::Lambda { params, .. } => bound.extend(params.iter().copied()),
        ExprKind::Let { local, .. } => {
            bound.insert(*local);
        }
        ExprKind::Match { cases, .. } => {
            for c in cases {
                bound.extend(c.binders.iter().flatten().copied());
            }
        }
        _ => {}
    });
    e.locals_used().into_iter().filter(|l| !bound.contains(l)).collect()
}

/// Replaces, in each case of a `match` on a variable, the variable by the constructor
/// rebuilt from the case's binders. Returns the ids of the rebuilt applications.
fn reconstruct(f: &mut Function) -> BTreeSet<u32> {
    let mut next = 0;
    f.body.visit(&mut |e| next = next.max(e.id));
    let mut raw = BTreeSet::new();
    let mut body = f.body.clone();
    let types: Vec<Ty> = f.locals.iter().map(|l| l.ty.clone()).collect();
    rebuild(&mut body, &types, &mut next, &mut raw);
    f.body = body;
    raw
}

fn rebuild(e: &mut IExpr, types: &[Ty], next: &mut u32, raw: &mut BTreeSet<u32>) {
    if let ExprKind::Match { scrutinee, cases, .. } = &mut e.kind
        && let ExprKind::Local(s) = scrutinee.kind
        && let Ty::Data(_, targs) = &scrutinee.ty
    {
        let targs = targs.clone();
        let sty = scrutinee.ty.clone();
        for c in cases.iter_mut() {
            if c.binders.iter().any(Option::is_none) {
                continue;
            }
            let binders: Vec<LocalId> = c.binders.iter().flatten().copied().collect();
            let ctor = c.ctor;
            replace_local(
                &mut c.body,
                s,
                &mut |next_id: &mut u32| {
                    let args = binders
                        .iter()
                        .map(|b| {
                            *next_id += 1;
                            IExpr { id: *next_id, kind: ExprKind::Local(*b), ty: types[*b].clone() }
                        })
                        .collect();
                    *next_id += 1;
                    IExpr {
                        id: *next_id,
                        kind: ExprKind::Call {
                            callee: Callee::Ctor { name: ctor, inst: targs.clone() },
                            args,
                        },
                        ty: sty.clone(),
                    }
                },
                next,
                raw,
            );
        }
    }
    match &mut e.kind {
        ExprKind::Call { args, .. } => args.iter_mut().for_each(|a| rebuild(a, types, next, raw)),
        ExprKind::Unary(_, a) => rebuild(a, types, next, raw),
        ExprKind::Binary(_, a, b) => {
            rebuild(a, types, next, raw);
            rebuild(b, types, next, raw);
        }
        ExprKind::Lambda { body, .. } => rebuild(body, types, next, raw),
        ExprKind::Let { value, body, .. } => {
            rebuild(value, types, next, raw);
            rebuild(body, types, next, raw);
        }
        ExprKind::If { cond, then_branch, else_branch } => {
            rebuild(cond, types, next, raw);
            rebuild(then_branch, types, next, raw);
            rebuild(else_branch, types, next, raw);
        }
        ExprKind::Match { scrutinee, cases, .. } => {
            rebuild(scrutinee, types, next, raw);
            cases.iter_mut().for_each(|c| rebuild(&mut c.body, types, next, raw));
        }
        ExprKind::Local(_)
        | ExprKind::Int(_)
        | ExprKind::Bool(_)
        | ExprKind::Global { .. }
        | ExprKind::Unreachable => {}
    }
}

fn replace_local(
    e: &mut IExpr,
    target: LocalId,
    make: &mut dyn FnMut(&mut u32) -> IExpr,
    next: &mut u32,
    raw: &mut BTreeSet<u32>,
) {
    if let ExprKind::Local(l) = e.kind
        && l == target
    {
        let mut new = make(next);
        // Binder types: taken from the locals when printed; keep the node's type.
        new.ty = e.ty.clone();
        raw.insert(new.id);
        *e = new;
        return;
    }
    match &mut e.kind {
        ExprKind::Call { args, .. } => {
            args.iter_mut().for_each(|a| replace_local(a, target, make, next, raw))
        }
        ExprKind::Unary(_, a) => replace_local(a, target, make, next, raw),
        ExprKind::Binary(_, a, b) => {
            replace_local(a, target, make, next, raw);
            replace_local(b, target, make, next, raw);
        }
        ExprKind::Lambda { body, .. } => replace_local(body, target, make, next, raw),
        ExprKind::Let { value, body, .. } => {
            replace_local(value, target, make, next, raw);
            replace_local(body, target, make, next, raw);
        }
        ExprKind::If { cond, then_branch, else_branch } => {
            replace_local(cond, target, make, next, raw);
            replace_local(then_branch, target, make, next, raw);
            replace_local(else_branch, target, make, next, raw);
        }
        ExprKind::Match { scrutinee, cases, .. } => {
            replace_local(scrutinee, target, make, next, raw);
            cases.iter_mut().for_each(|c| replace_local(&mut c.body, target, make, next, raw));
        }
        ExprKind::Local(_)
        | ExprKind::Int(_)
        | ExprKind::Bool(_)
        | ExprKind::Global { .. }
        | ExprKind::Unreachable => {}
    }
}

/// Printed names of the locals: the source name, `_` (or `_name`) when unused, with a
/// suffix when two locals of the function would print the same, or when the name is
/// reserved (a function the body calls, `result`, `old_0`, ...).
fn local_names(f: &Function, reserved: &BTreeSet<String>) -> Vec<String> {
    let used: BTreeSet<LocalId> = f.body.locals_used().into_iter().collect();
    let binders: BTreeSet<LocalId> = {
        let mut b = BTreeSet::new();
        f.body.visit(&mut |e| {
            if let ExprKind::Match { cases, .. } = &e.kind {
                for c in cases {
                    b.extend(c.binders.iter().flatten().copied());
                }
            }
        });
        b
    };
    let mut taken: BTreeSet<String> = reserved.clone();
    let mut out = Vec::new();
    for (i, l) in f.locals.iter().enumerate() {
        let base = names::value(&l.name);
        if !used.contains(&i) && binders.contains(&i) {
            out.push("_".to_string());
            continue;
        }
        let base = if used.contains(&i) { base } else { format!("_{base}") };
        let mut name = base.clone();
        let mut k = 2;
        while taken.contains(&name) {
            name = format!("{base}_{k}");
            k += 1;
        }
        taken.insert(name.clone());
        out.push(name);
    }
    out
}
