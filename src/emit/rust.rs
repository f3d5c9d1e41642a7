//! The Rust emitter.
//!
//! Layout of an emitted file: a header saying where it came from; the datatypes
//! (enums) with an `impl` holding their smart constructors, measures (methods) and
//! `satisfies` (the walk checking refinements inside a value); the trait `Components`
//! for the components the specification leaves open; the derived components; the
//! goals. Every item is generated as a syntax tree together with what it needs
//! (`bounds`), bounds are solved, and the tree is laid out the way rustfmt would
//! (`layout`).

mod body;
mod bounds;
mod formula;
pub(crate) mod harness;
mod layout;
mod names;
mod syntax;

use std::collections::{BTreeMap, BTreeSet};

use body::BodyGen;
use bounds::{Bounds, Item, Needs, Trait};
use formula::{Access, CheckItem, FEnv, FormulaGen, Olds};
use layout::{Cx, Indent, Shape};
use syntax::{self as rs, Arm, Block, Expr, Stmt};

use super::plan::Plan;
use super::spec::{ComponentPlan, measure_consts, params_of, type_check};
use super::ty::Ty;
use super::{EmitError, EmitOptions};
use crate::logic::{Sort, Symbol, VALUE_VAR};
use crate::resolve::{Component, Program};
use crate::types::Schema;

/// A function of the emitted file, before bounds are known.
struct FnItem {
    doc: Vec<String>,
    key: Item,
    name: String,
    /// Type parameters with their Rust names (bounds come from solving).
    tparams: Vec<(Symbol, String)>,
    /// Generic parameters written before the type parameters (`C: Components`).
    extra_generics: Vec<String>,
    /// `&self` and the parameters, as written.
    params: Vec<String>,
    ret: String,
    body: Block,
    /// A method of an `impl` whose type parameters are the impl's (bounds go in a
    /// `where` clause).
    method: bool,
}

struct Emitter<'p> {
    plan: &'p Plan<'p>,
    program: &'p Program,
    items: BTreeMap<Item, (Vec<Symbol>, Needs)>,
    /// Constructors with refined fields: built through smart constructors.
    smart: BTreeSet<Symbol>,
    /// Every value-level name written (decides `allow(non_snake_case)`).
    value_names: BTreeSet<String>,
}

/// Emits the planned program as one Rust source file.
pub fn emit(plan: &Plan<'_>, options: &EmitOptions) -> Result<String, EmitError> {
    Ok(emit_parts(plan, options, None)?.text)
}

/// What the harness needs besides the text: the signatures of the components trait's
/// methods (an implementation must repeat them exactly).
pub(crate) struct Parts {
    pub text: String,
    /// Per method of the components trait: its name, signature and parameter names.
    pub trait_sigs: Vec<(Symbol, String, Vec<String>)>,
}

/// Emits the program; with `only`, just those goals and the derived components they
/// use, for a module that imports the datatypes from elsewhere (models of components
/// in the harness).
pub(crate) fn emit_parts(
    plan: &Plan<'_>,
    options: &EmitOptions,
    only: Option<&BTreeSet<Symbol>>,
) -> Result<Parts, EmitError> {
    let mut em = Emitter {
        plan,
        program: plan.program,
        items: BTreeMap::new(),
        smart: BTreeSet::new(),
        value_names: BTreeSet::new(),
    };
    for dt in plan.program.datatypes.values() {
        if dt.constructors.is_empty() {
            return Err(EmitError::new(format!(
                "datatype `{}` has no constructors (abstract datatypes are not supported yet)",
                dt.name
            )));
        }
    }
    // Datatype impls.
    let mut impls: Vec<(Symbol, Vec<FnItem>)> = Vec::new();
    for d in plan.program.datatypes.keys() {
        let mut methods = Vec::new();
        for c in &plan.program.datatypes[d].constructors {
            if let Some(f) = em.smart_constructor(*c) {
                em.smart.insert(*c);
                methods.push(f);
            }
        }
        for m in plan.program.measures.values().filter(|m| matches!(&m.input, Sort::Data(x, _) if x == d)) {
            methods.push(em.measure(m.name)?);
        }
        if let Some(f) = em.satisfies(*d) {
            methods.push(f);
        }
        impls.push((*d, methods));
    }
    let selected: Vec<&super::ir::Function> =
        plan.functions.iter().filter(|f| only.is_none_or(|o| o.contains(&f.name))).collect();
    let used_globals: BTreeSet<Symbol> = selected.iter().flat_map(|f| f.body.globals()).collect();
    // Components.
    let mut trait_methods = Vec::new();
    let mut derived = Vec::new();
    for (c, p) in &plan.components {
        if only.is_some() && !used_globals.contains(&c.name) {
            continue;
        }
        match p {
            ComponentPlan::Derived { body, rest } => derived.push(em.derived(c, body, rest)?),
            ComponentPlan::Abstract { why } => trait_methods.push(em.trait_method(c, why)),
        }
    }
    // Goals.
    let mut goals = Vec::new();
    for f in &selected {
        goals.extend(em.goal(f)?);
    }
    let bounds = Bounds::solve(em.program, &em.items, &BTreeMap::new());
    let trait_sigs = trait_methods
        .iter()
        .map(|m| {
            let key = match &m.key {
                Item::TraitMethod(n) => *n,
                _ => Symbol::intern(&m.name),
            };
            let params =
                m.params.iter().map(|p| p.split(':').next().unwrap_or("").trim().to_string()).collect();
            (key, signature(m, &bounds, Indent::new(0), ""), params)
        })
        .collect();

    // Print.
    let cx = Cx::default();
    let mut out = String::new();
    let mut sections: Vec<String> = Vec::new();
    if only.is_none() {
        out.push_str(&header(plan, options));
        for (d, methods) in &impls {
            sections.push(em.datatype(*d, &bounds));
            if !methods.is_empty() {
                sections.push(em.print_impl(*d, methods, &bounds, &cx)?);
            }
        }
        if !trait_methods.is_empty() {
            sections.push(print_trait(&trait_methods, &bounds));
        }
    }
    for f in derived.iter().chain(&goals) {
        sections.push(print_fn(f, &bounds, &cx, Indent::new(0))?);
    }
    let body = sections.join("\n");
    if only.is_none() {
        if em.value_names.iter().any(|n| !names::is_snake(n)) {
            out.push_str("#![allow(non_snake_case)]\n\n");
        }
        if body.contains("BTreeSet") {
            out.push_str("use std::collections::BTreeSet;\n\n");
        }
    }
    out.push_str(&body);
    Ok(Parts { text: out, trait_sigs })
}

fn header(plan: &Plan<'_>, options: &EmitOptions) -> String {
    let goals: Vec<String> = plan.functions.iter().map(|f| format!("`{}`", f.name)).collect();
    let mut lines = vec![format!(
        "Generated by rsynth from `{}`{}.",
        if options.source_name.is_empty() { "<input>" } else { &options.source_name },
        if goals.is_empty() { String::new() } else { format!(" (goals {})", goals.join(", ")) }
    )];
    lines.push(String::new());
    lines.push("Each function checks the refinements of its specification in debug builds:".to_string());
    lines
        .push("preconditions with `debug_assert!`, postconditions after the body (values of the".to_string());
    lines.push("arguments on entry are kept in `old_*` variables), and the refinements inside".to_string());
    lines
        .push("datatype values with `satisfies`. Formulas that cannot be executed are listed in".to_string());
    lines.push("comments instead. Integers are `i64`.".to_string());
    let mut s: String =
        lines.iter().map(|l| if l.is_empty() { "//!\n".to_string() } else { format!("//! {l}\n") }).collect();
    s.push('\n');
    s
}

/// `forall a . x: T -> ...` as a one-line doc.
fn schema_doc(name: Symbol, schema: &Schema) -> String {
    super::spec::doc_text(&format!("{name} :: {}", schema_text(schema)))
}

fn schema_text(schema: &Schema) -> String {
    let mut s = String::new();
    for p in &schema.pred_params {
        s.push_str(&format!("<{p}> . "));
    }
    s.push_str(&schema.ty.to_string());
    s
}

fn tparam_map(params: &[Symbol]) -> BTreeMap<Symbol, String> {
    params.iter().map(|p| (*p, names::type_param(p.as_str()))).collect()
}

/// `<T, U>` for a datatype's type parameters, or nothing.
fn generics(params: &[Symbol], tparams: &BTreeMap<Symbol, String>) -> String {
    if params.is_empty() {
        return String::new();
    }
    format!("<{}>", params.iter().map(|p| tparams[p].clone()).collect::<Vec<_>>().join(", "))
}

fn tparam_list(params: &[Symbol]) -> Vec<(Symbol, String)> {
    params.iter().map(|p| (*p, names::type_param(p.as_str()))).collect()
}

fn sort_type(s: &Sort, tparams: &BTreeMap<Symbol, String>) -> String {
    match s {
        Sort::Set(e) => format!("BTreeSet<{}>", sort_type(e, tparams)),
        _ => names::rust_type(&Ty::of_sort(s).unwrap_or(Ty::Int), tparams),
    }
}

/// Statements asserting the checks, each after a comment with its formula.
fn assert_stmts(items: Vec<CheckItem>, what: &str, cfg: bool) -> Vec<Stmt> {
    let mut out = Vec::new();
    for i in items {
        match i {
            CheckItem::Assert { formula, cond } => {
                if !formula.is_empty() {
                    out.push(Stmt::Comment(format!("{what}: {formula}")));
                }
                let (name, attrs) = if cfg {
                    ("assert", vec!["#[cfg(debug_assertions)]".to_string()])
                } else {
                    ("debug_assert", Vec::new())
                };
                out.push(Stmt::Semi { attrs, expr: rs::mac(name, vec![cond]) });
            }
            CheckItem::Skipped { formula, why } => {
                out.push(Stmt::Comment(format!("{what} not checked ({why}): {formula}")));
            }
        }
    }
    out
}

/// Whether a generated expression mentions a variable.
fn mentions(e: &Expr, name: &str) -> bool {
    match e {
        Expr::Path(p) => p == name,
        Expr::Lit(_) => false,
        Expr::Call(c, args) => mentions(c, name) || args.iter().any(|a| mentions(a, name)),
        Expr::Method(r, _, args) => mentions(r, name) || args.iter().any(|a| mentions(a, name)),
        Expr::Macro(_, args) | Expr::Array(args) => args.iter().any(|a| mentions(a, name)),
        Expr::Unary(_, a) | Expr::AddrOf(a) | Expr::Paren(a) => mentions(a, name),
        Expr::Binary(_, a, b) => mentions(a, name) || mentions(b, name),
        Expr::If(c, t, e) => {
            mentions(c, name) || block_mentions(t, name) || e.as_ref().is_some_and(|e| mentions(e, name))
        }
        Expr::Match(s, arms) => mentions(s, name) || arms.iter().any(|a| mentions(&a.body, name)),
        Expr::Block(b) => block_mentions(b, name),
        Expr::Closure(_, b) => mentions(b, name),
    }
}

fn block_mentions(b: &Block, name: &str) -> bool {
    b.stmts.iter().any(|s| match s {
        Stmt::Let { init, .. } => mentions(init, name),
        Stmt::Semi { expr, .. } | Stmt::Tail(expr) => mentions(expr, name),
        Stmt::Comment(_) => false,
    })
}

impl<'p> Emitter<'p> {
    fn register(&mut self, key: Item, params: Vec<Symbol>, needs: Needs) {
        match self.items.get_mut(&key) {
            Some((_, n)) => n.merge(needs),
            None => {
                self.items.insert(key, (params, needs));
            }
        }
    }

    fn fgen<'a>(&self, tparams: &'a BTreeMap<Symbol, String>) -> FormulaGen<'a>
    where
        'p: 'a,
    {
        FormulaGen::new(self.program, tparams, &self.plan.intrinsic)
    }

    // ----- datatypes -----

    fn datatype(&self, d: Symbol, bounds: &Bounds) -> String {
        let dt = &self.program.datatypes[&d];
        let tparams = tparam_map(&dt.params);
        let generics = generics(&dt.params, &tparams);
        let mut derives = vec!["Clone", "Debug", "PartialEq", "Eq"];
        if bounds.ord_data.contains(&d) {
            derives.extend(["PartialOrd", "Ord"]);
        }
        let mut s = format!("/// `data {}`", data_head(self.program, d));
        s.push('\n');
        s.push_str(&format!("#[derive({})]\n", derives.join(", ")));
        s.push_str(&format!("pub enum {}{generics} {{\n", names::type_name(d.as_str())));
        for c in &dt.constructors {
            let def = &self.program.constructors[c];
            let (params, _) = params_of(&def.schema.ty);
            let boxed = super::ir::recursive_fields(self.program, *c);
            s.push_str(&format!("    /// `{}`\n", super::spec::ctor_doc(*c, &def.schema, d, &dt.params)));
            let fields: Vec<String> = params
                .iter()
                .zip(&boxed)
                .map(|((_, t), b)| {
                    let t = names::rust_type(&Ty::erase(t), &tparams);
                    if *b { format!("Box<{t}>") } else { t }
                })
                .collect();
            let name = names::type_name(c.as_str());
            if fields.is_empty() {
                s.push_str(&format!("    {name},\n"));
            } else {
                let one = format!("    {name}({}),", fields.join(", "));
                if one.len() <= layout::MAX_WIDTH && fields.join(", ").len() <= 60 {
                    s.push_str(&one);
                    s.push('\n');
                } else {
                    s.push_str(&format!("    {name}(\n"));
                    for f in fields {
                        s.push_str(&format!("        {f},\n"));
                    }
                    s.push_str("    ),\n");
                }
            }
        }
        s.push_str("}\n");
        s
    }

    fn print_impl(
        &self,
        d: Symbol,
        methods: &[FnItem],
        bounds: &Bounds,
        cx: &Cx,
    ) -> Result<String, EmitError> {
        let dt = &self.program.datatypes[&d];
        let tparams = tparam_map(&dt.params);
        let generics = generics(&dt.params, &tparams);
        let mut s = format!("impl{generics} {}{generics} {{\n", names::type_name(d.as_str()));
        let mut first = true;
        for m in methods {
            if !first {
                s.push('\n');
            }
            first = false;
            s.push_str(&print_fn(m, bounds, cx, Indent::new(4))?);
        }
        s.push_str("}\n");
        Ok(s)
    }

    /// A constructor with refined fields: a function checking them, then building.
    fn smart_constructor(&mut self, c: Symbol) -> Option<FnItem> {
        let def = &self.program.constructors[&c];
        let d = def.datatype;
        let dt = &self.program.datatypes[&d];
        let tparams = tparam_map(&dt.params);
        let (params, _) = params_of(&def.schema.ty);
        let mut fg = self.fgen(&tparams);
        let mut env = FEnv::default();
        let pnames: Vec<String> = params.iter().map(|(p, _)| names::value(p.as_str())).collect();
        for ((p, _), n) in params.iter().zip(&pnames) {
            env.vars.insert(*p, Access::owned(n));
        }
        let mut stmts = Vec::new();
        let mut any = false;
        for ((p, t), n) in params.iter().zip(&pnames) {
            let check = type_check(&self.plan.exec, t, &[]);
            let items: Vec<CheckItem> = fg
                .check_value(&check, t, &Access::owned(n), &env)
                .into_iter()
                .filter(|i| matches!(i, CheckItem::Assert { .. }))
                .collect();
            any |= !items.is_empty();
            stmts.extend(assert_stmts(items, &format!("`{p}`"), false));
        }
        if !any {
            return None;
        }
        let boxed = super::ir::recursive_fields(self.program, c);
        let args: Vec<Expr> = pnames
            .iter()
            .zip(&boxed)
            .map(
                |(n, b)| {
                    if *b { rs::call("Box::new", vec![rs::path(n.clone())]) } else { rs::path(n.clone()) }
                },
            )
            .collect();
        let ty_name = names::type_name(d.as_str());
        stmts.push(Stmt::Tail(rs::call(format!("{ty_name}::{}", names::type_name(c.as_str())), args)));
        let ps: Vec<String> = params
            .iter()
            .zip(&pnames)
            .map(|((_, t), n)| format!("{n}: {}", names::rust_type(&Ty::erase(t), &tparams)))
            .collect();
        let ret = names::rust_type(&Ty::Data(d, dt.params.iter().map(|p| Ty::Param(*p)).collect()), &tparams);
        let key = Item::SmartCtor(c);
        self.register(key.clone(), dt.params.clone(), fg.needs);
        let name = smart_name(self.program, c);
        self.value_names.insert(name.clone());
        self.value_names.extend(pnames);
        Some(FnItem {
            doc: vec![format!("Builds `{c}`, checking the refinements of its fields.")],
            key,
            name,
            tparams: tparam_list(&dt.params),
            extra_generics: Vec::new(),
            params: ps,
            ret,
            body: Block { stmts },
            method: true,
        })
    }

    fn measure(&mut self, m: Symbol) -> Result<FnItem, EmitError> {
        let def = &self.program.measures[&m];
        let Sort::Data(d, _) = &def.input else { return Err(EmitError::new("measure on a non-datatype")) };
        let d = *d;
        let dt = &self.program.datatypes[&d];
        let tparams = tparam_map(&dt.params);
        let mut fg = self.fgen(&tparams);
        let mut base = FEnv::default();
        let mut params = vec!["&self".to_string()];
        for (c, s) in &def.const_args {
            let n = names::value(c.as_str());
            if matches!(s, Sort::Int | Sort::Bool) {
                base.vars.insert(*c, Access::owned(&n));
                params.push(format!("{n}: {}", sort_type(s, &tparams)));
            } else {
                base.vars.insert(*c, Access::by_ref(&n));
                params.push(format!("{n}: &{}", sort_type(s, &tparams)));
            }
        }
        let mut arms = Vec::new();
        for case in &def.cases {
            let boxed = super::ir::recursive_fields(self.program, case.constructor);
            let mut env = base.clone();
            let bnames: Vec<String> = case.binders.iter().map(|b| names::value(b.as_str())).collect();
            for (i, (b, n)) in case.binders.iter().zip(&bnames).enumerate() {
                let depth = if boxed.get(i).copied().unwrap_or(false) { 2 } else { 1 };
                env.vars.insert(*b, Access { expr: rs::path(n.clone()), depth });
            }
            let body = fg.owned_value(&case.body, &env);
            let pat = pattern(d, case.constructor, &bnames, &body);
            arms.push(Arm { pat, body });
        }
        let body = Block { stmts: vec![Stmt::Tail(Expr::Match(Box::new(rs::path("self")), arms))] };
        let key = Item::Measure(m);
        self.register(key.clone(), dt.params.clone(), fg.needs);
        let name = names::measure(m.as_str());
        self.value_names.insert(name.clone());
        let post = if def.postcondition.is_true() {
            String::new()
        } else {
            format!(" | {}", formula::show(&def.postcondition))
        };
        let out = if post.is_empty() { def.output.to_string() } else { format!("{{{}{post}}}", def.output) };
        Ok(FnItem {
            doc: vec![format!("Measure `{m} :: {}{} -> {out}`.", measure_consts(def), def.input)],
            key,
            name,
            tparams: tparam_list(&dt.params),
            extra_generics: Vec::new(),
            params,
            ret: sort_type(&def.output, &tparams),
            body,
            method: true,
        })
    }

    /// `satisfies`: whether a value meets its constructors' refinements, with the
    /// elements passing the given checks and the predicate parameters as given.
    fn satisfies(&mut self, d: Symbol) -> Option<FnItem> {
        let dt = &self.program.datatypes[&d];
        let trivial = self.plan.intrinsic.get(&d).copied().unwrap_or(true);
        if trivial && dt.params.is_empty() && dt.pred_params.is_empty() {
            return None;
        }
        let tparams = tparam_map(&dt.params);
        let mut fg = self.fgen(&tparams);
        // Closure names that no binder of any constructor shadows.
        let binder_names: BTreeSet<String> = dt
            .constructors
            .iter()
            .flat_map(|c| {
                params_of(&self.program.constructors[c].schema.ty)
                    .0
                    .into_iter()
                    .map(|(p, _)| names::value(p.as_str()))
            })
            .collect();
        let unique = |base: String| {
            let mut n = base.clone();
            while binder_names.contains(&n) {
                n.push('_');
            }
            n
        };
        let mut env = FEnv::default();
        let mut params = vec!["&self".to_string()];
        for p in &dt.params {
            let n = unique(format!("{}_ok", names::value(p.as_str())));
            params.push(format!("{n}: &dyn Fn(&{}) -> bool", tparams[p]));
            env.elem_ok.insert(*p, n);
        }
        let pred_names: Vec<Symbol> = dt.pred_params.iter().map(|p| p.sig.name).collect();
        for p in &dt.pred_params {
            let n = unique(names::value(p.sig.name.as_str()));
            let args: Vec<String> = p
                .sig
                .args
                .iter()
                .map(|s| match s {
                    Sort::Int => "i64".to_string(),
                    Sort::Bool => "bool".to_string(),
                    s => format!("&{}", sort_type(s, &tparams)),
                })
                .collect();
            params.push(format!("{n}: &dyn Fn({}) -> bool", args.join(", ")));
            env.preds.insert(p.sig.name, n);
        }
        let mut arms = Vec::new();
        for c in &dt.constructors {
            let def = &self.program.constructors[c];
            let (fields, _) = params_of(&def.schema.ty);
            let boxed = super::ir::recursive_fields(self.program, *c);
            let mut cenv = env.clone();
            let bnames: Vec<String> = fields.iter().map(|(p, _)| names::value(p.as_str())).collect();
            for (i, ((p, _), n)) in fields.iter().zip(&bnames).enumerate() {
                cenv.vars
                    .insert(*p, Access { expr: rs::path(n.clone()), depth: if boxed[i] { 2 } else { 1 } });
            }
            let mut conds = Vec::new();
            for (i, (_, t)) in fields.iter().enumerate() {
                let check = type_check(&self.plan.exec, t, &pred_names);
                let value = Access { expr: rs::path(bnames[i].clone()), depth: if boxed[i] { 2 } else { 1 } };
                for item in fg.check_value(&check, t, &value, &cenv) {
                    if let CheckItem::Assert { cond, .. } = item {
                        conds.push(cond);
                    }
                }
            }
            let body =
                conds.into_iter().reduce(|a, b| rs::binary("&&", a, b)).unwrap_or_else(|| rs::lit("true"));
            arms.push(Arm { pat: pattern(d, *c, &bnames, &body), body });
        }
        let body = Block { stmts: vec![Stmt::Tail(Expr::Match(Box::new(rs::path("self")), arms))] };
        let key = Item::Satisfies(d);
        self.register(key.clone(), dt.params.clone(), fg.needs);
        Some(FnItem {
            doc: vec![
                "Whether the value meets the refinements of its constructors' fields, with every".to_string(),
                "element passing the check given for its type parameter and the predicate".to_string(),
                "parameters as given.".to_string(),
            ],
            key,
            name: "satisfies".to_string(),
            tparams: tparam_list(&dt.params),
            extra_generics: Vec::new(),
            params,
            ret: "bool".to_string(),
            body,
            method: true,
        })
    }

    // ----- components -----

    fn derived(
        &mut self,
        c: &Component,
        body: &crate::logic::Formula,
        rest: &[crate::logic::Formula],
    ) -> Result<FnItem, EmitError> {
        let tparams = tparam_map(&c.schema.type_vars);
        let mut fg = self.fgen(&tparams);
        let (params, result) = params_of(&c.schema.ty);
        let body_used = body.free_var_names();
        let rest_used: BTreeSet<Symbol> = rest.iter().flat_map(|f| f.free_var_names()).collect();
        let mut env = FEnv::default();
        let mut ps = Vec::new();
        for (p, t) in &params {
            let used = body_used.contains(p) || rest_used.contains(p);
            let n = if used { names::value(p.as_str()) } else { format!("_{}", names::value(p.as_str())) };
            let ty = Ty::erase(t);
            let rty = names::rust_type(&ty, &tparams);
            if ty.is_copy() {
                env.vars.insert(*p, Access::owned(&n));
                ps.push(format!("{n}: {rty}"));
            } else {
                env.vars.insert(*p, Access::by_ref(&n));
                ps.push(format!("{n}: &{rty}"));
            }
            self.value_names.insert(n);
        }
        let value = fg.owned_value(body, &env);
        let mut stmts = Vec::new();
        for (p, t) in &params {
            let check = type_check(&self.plan.exec, t, &[]);
            let access = env.vars[p].clone();
            stmts.extend(assert_stmts(fg.check_value(&check, t, &access, &env), "Precondition", false));
        }
        let rest_check = crate::emit::spec::Conjunct::split(
            &self.plan.exec,
            &crate::logic::Formula::conjunction(rest.iter().cloned()),
            &[],
        );
        if rest_check.iter().any(|c| matches!(c, crate::emit::spec::Conjunct::Exec(_))) {
            let check = crate::emit::spec::TypeCheck { conjuncts: rest_check, structure: None };
            stmts.push(Stmt::Let { attrs: Vec::new(), pat: "result".to_string(), ty: None, init: value });
            let items = fg.check_value(&check, result, &Access::owned("result"), &env);
            stmts.extend(assert_stmts(items, "Postcondition", false));
            stmts.push(Stmt::Tail(rs::path("result")));
        } else {
            stmts.push(Stmt::Tail(value));
        }
        let key = Item::Derived(c.name);
        self.register(key.clone(), c.schema.type_vars.clone(), fg.needs);
        let name = names::value(c.name.as_str());
        self.value_names.insert(name.clone());
        Ok(FnItem {
            doc: vec![format!("`{}`: derived from its refinement.", schema_doc(c.name, &c.schema))],
            key,
            name,
            tparams: tparam_list(&c.schema.type_vars),
            extra_generics: Vec::new(),
            params: ps,
            ret: names::rust_type(&Ty::erase(result), &tparams),
            body: Block { stmts },
            method: false,
        })
    }

    fn trait_method(&mut self, c: &Component, why: &str) -> FnItem {
        let tparams = tparam_map(&c.schema.type_vars);
        let mut fg = self.fgen(&tparams);
        let (params, result) = params_of(&c.schema.ty);
        let mut env = FEnv::default();
        let mut ps = Vec::new();
        for (p, t) in &params {
            let n = names::value(p.as_str());
            env.vars.insert(*p, Access::owned(&n));
            ps.push(format!("{n}: {}", names::rust_type(&Ty::erase(t), &tparams)));
            self.value_names.insert(n);
        }
        // An implementation may need what the component's contract uses (the checks are
        // translated for their requirements only), and `Clone`.
        for (p, t) in &params {
            let check = type_check(&self.plan.exec, t, &[]);
            fg.check_value(&check, t, &env.vars[p].clone(), &env);
        }
        let check = type_check(&self.plan.exec, result, &[]);
        fg.check_value(&check, result, &Access::owned("result"), &env);
        let mut needs = fg.needs;
        for a in &c.schema.type_vars {
            needs.require(&Ty::Param(*a), Trait::Clone);
        }
        let key = Item::TraitMethod(c.name);
        self.register(key.clone(), c.schema.type_vars.clone(), needs);
        let name = names::value(c.name.as_str());
        self.value_names.insert(name.clone());
        FnItem {
            doc: vec![
                format!("`{}`", schema_doc(c.name, &c.schema)),
                String::new(),
                format!("Abstract: {why}."),
            ],
            key,
            name,
            tparams: tparam_list(&c.schema.type_vars),
            extra_generics: Vec::new(),
            params: ps,
            ret: names::rust_type(&Ty::erase(result), &tparams),
            body: Block::default(),
            method: false,
        }
    }

    // ----- goals -----

    fn goal(&mut self, f: &super::ir::Function) -> Result<Vec<FnItem>, EmitError> {
        let goal =
            self.program.goals.iter().find(|g| g.name == f.name).ok_or_else(|| EmitError::new("goal"))?;
        let tparams = tparam_map(&f.type_params);
        // Names the body may not take for its locals.
        let mut reserved: BTreeSet<String> = ["result", "old_0", "C"].iter().map(|s| s.to_string()).collect();
        for g in f.body.globals() {
            reserved.insert(names::value(g.as_str()));
        }
        let smart = self.smart.clone();
        let recursive = self.plan.is_recursive(f.name);
        let mut bg = BodyGen::new(self.plan, f, &tparams, &smart, &reserved);
        if !recursive {
            bg.own_function_params();
        }
        let body_block = bg.block(&bg.f.body.clone()).map_err(|e| e.in_goal(f.name))?;
        let mut items = Vec::new();
        // Helpers (recursive local functions) first: they were found while generating.
        let helpers = std::mem::take(&mut bg.helpers);
        for h in &helpers {
            items.push(self.helper(&mut bg, h, &tparams)?);
        }
        let (schema_params, result) = params_of(&goal.schema.ty);
        let mut fg = self.fgen(&tparams);
        let mut pre_env = FEnv::default();
        let mut ps = Vec::new();
        let mut non_copy = BTreeSet::new();
        for (sname, l) in &f.params {
            let n = bg.name(*l);
            pre_env.vars.insert(*sname, Access::owned(&n));
            let ty = &f.local(*l).ty;
            // A function argument of a goal that does not call itself is `impl Fn`; a
            // recursive goal passes its closures on as `&dyn Fn` (each `impl Fn` call with
            // a new closure type would instantiate the goal again, without end).
            let written = if ty.is_fun() && !recursive {
                names::rust_type(ty, &tparams).replacen("&dyn Fn", "impl Fn", 1)
            } else {
                names::rust_type(ty, &tparams)
            };
            ps.push(format!("{n}: {written}"));
            if !ty.is_copy() {
                non_copy.insert(*sname);
            }
            self.value_names.insert(n);
        }
        for n in &bg.names {
            self.value_names.insert(n.clone());
        }
        let mut stmts = Vec::new();
        for ((sname, _), (_, t)) in f.params.iter().zip(&schema_params) {
            let check = type_check(&self.plan.exec, t, &[]);
            let access = pre_env.vars[sname].clone();
            stmts.extend(assert_stmts(
                fg.check_value(&check, t, &access, &pre_env),
                &format!("Precondition on `{sname}`"),
                false,
            ));
        }
        let result_name = if bg.names.iter().any(|n| n == "result") { "result_" } else { "result" };
        fg.olds = Some(Olds {
            params: non_copy,
            pre_env: pre_env.clone(),
            lets: Vec::new(),
            prefix: "old_".to_string(),
        });
        let post_env = pre_env.with_var(Symbol::intern(VALUE_VAR), Access::owned(result_name));
        let check = type_check(&self.plan.exec, result, &[]);
        let post_items = fg.check_value(&check, result, &Access::owned(result_name), &post_env);
        let olds = fg.olds.take().unwrap_or_default();
        let has_post = post_items.iter().any(|i| matches!(i, CheckItem::Assert { .. }));
        for (name, value) in olds.lets {
            stmts.push(Stmt::Let {
                attrs: vec!["#[cfg(debug_assertions)]".to_string()],
                pat: name,
                ty: None,
                init: value,
            });
        }
        let uses_olds = |e: &Expr| (0..100).any(|k| mentions(e, &format!("old_{k}")));
        if has_post {
            stmts.push(Stmt::Let {
                attrs: Vec::new(),
                pat: result_name.to_string(),
                ty: None,
                init: block_expr(body_block),
            });
            for item in post_items {
                let cfg = matches!(&item, CheckItem::Assert { cond, .. } if uses_olds(cond));
                stmts.extend(assert_stmts(vec![item], "Postcondition", cfg));
            }
            stmts.push(Stmt::Tail(rs::path(result_name)));
        } else {
            stmts.extend(assert_stmts(post_items, "Postcondition", false));
            stmts.extend(body_block.stmts);
        }
        let mut needs = std::mem::take(&mut bg.needs);
        needs.merge(fg.needs);
        let key = Item::Goal(f.name);
        self.register(key.clone(), f.type_params.clone(), needs);
        let name = names::value(f.name.as_str());
        self.value_names.insert(name.clone());
        let extra = bg.components.iter().map(|c| format!("{c}: Components")).collect();
        items.push(FnItem {
            doc: vec![format!("Goal `{}`.", schema_doc(f.name, &goal.schema))],
            key,
            name,
            tparams: tparam_list(&f.type_params),
            extra_generics: extra,
            params: ps,
            ret: names::rust_type(&f.result, &tparams),
            body: Block { stmts },
            method: false,
        });
        Ok(items)
    }

    fn helper(
        &mut self,
        bg: &mut BodyGen<'_>,
        h: &body::Helper,
        tparams: &BTreeMap<Symbol, String>,
    ) -> Result<FnItem, EmitError> {
        let mut f = bg.f.clone();
        f.params =
            h.captured.iter().chain(&h.params).map(|l| (Symbol::intern(&f.locals[*l].name), *l)).collect();
        f.body = h.body.clone();
        f.result = h.body.ty.clone();
        let smart = self.smart.clone();
        let reserved: BTreeSet<String> = ["result", "C"].iter().map(|s| s.to_string()).collect();
        let mut hg = BodyGen::new(self.plan, &f, tparams, &smart, &reserved);
        // The helper calls itself by its lifted name.
        hg.helpers.push(body::Helper {
            name: h.name.clone(),
            local: h.local,
            captured: h.captured.clone(),
            params: h.params.clone(),
            body: h.body.clone(),
        });
        let block = hg.block(&f.body)?;
        let ps: Vec<String> = f
            .params
            .iter()
            .map(|(_, l)| format!("{}: {}", hg.name(*l), names::rust_type(&f.locals[*l].ty, tparams)))
            .collect();
        let key = Item::Helper(bg.f.name, h.name.clone());
        let needs = std::mem::take(&mut hg.needs);
        self.register(key.clone(), f.type_params.clone(), needs);
        for n in &hg.names {
            self.value_names.insert(n.clone());
        }
        self.value_names.insert(h.name.clone());
        let extra = bg.components.iter().map(|c| format!("{c}: Components")).collect();
        Ok(FnItem {
            doc: vec![format!(
                "The recursive local function `{}` of `{}`.",
                f.locals[h.local].name, bg.f.name
            )],
            key,
            name: h.name.clone(),
            tparams: tparam_list(&f.type_params),
            extra_generics: extra,
            params: ps,
            ret: names::rust_type(&f.result, tparams),
            body: block,
            method: false,
        })
    }
}

fn block_expr(b: Block) -> Expr {
    match b.stmts.as_slice() {
        [Stmt::Tail(_)] => match b.stmts.into_iter().next() {
            Some(Stmt::Tail(e)) => e,
            _ => Expr::Block(Block::default()),
        },
        _ => Expr::Block(b),
    }
}

/// The smart constructor's name of a constructor (avoiding its datatype's measures).
pub(crate) fn smart_name(program: &Program, c: Symbol) -> String {
    let d = program.constructors.get(&c).map(|k| k.datatype);
    let measures: Vec<String> = program
        .measures
        .values()
        .filter(|m| matches!(&m.input, Sort::Data(x, _) if Some(*x) == d))
        .map(|m| names::measure(m.name.as_str()))
        .collect();
    names::smart_constructor(c.as_str(), &measures)
}

/// `D::C(x, _, r)` with the binders the body does not use as `_`.
fn pattern(d: Symbol, c: Symbol, binders: &[String], body: &Expr) -> String {
    let path = format!("{}::{}", names::type_name(d.as_str()), names::type_name(c.as_str()));
    if binders.is_empty() {
        return path;
    }
    let bs: Vec<String> =
        binders.iter().map(|b| if mentions(body, b) { b.clone() } else { "_".to_string() }).collect();
    if bs.iter().all(|b| b == "_") {
        return format!("{path}(..)");
    }
    format!("{path}({})", bs.join(", "))
}

/// `List a <p>` for a datatype's documentation.
fn data_head(program: &Program, d: Symbol) -> String {
    let dt = &program.datatypes[&d];
    let mut s = d.to_string();
    for p in &dt.params {
        s.push(' ');
        s.push_str(p.as_str());
    }
    for p in &dt.pred_params {
        s.push_str(&format!(" <{}>", p.sig));
    }
    s
}

fn print_trait(methods: &[FnItem], bounds: &Bounds) -> String {
    let mut s = String::new();
    s.push_str("/// The components the specification leaves open: the caller implements them, and\n");
    s.push_str("/// each implementation must meet the refinement in its documentation.\n");
    s.push_str("pub trait Components {\n");
    let mut first = true;
    for m in methods {
        if !first {
            s.push('\n');
        }
        first = false;
        for d in &m.doc {
            if d.is_empty() {
                s.push_str("    ///\n");
            } else {
                s.push_str(&format!("    /// {d}\n"));
            }
        }
        let sig = signature(m, bounds, Indent::new(4), "");
        s.push_str(&sig);
        s.push_str(";\n");
    }
    s.push_str("}\n");
    s
}

/// The signature (without ` {` or `;`), laid out as rustfmt does.
fn signature(f: &FnItem, bounds: &Bounds, indent: Indent, vis: &str) -> String {
    let clauses = bounds.clauses(&f.key, &f.tparams);
    let mut generics: Vec<String> = f.extra_generics.clone();
    let mut where_clauses = Vec::new();
    if f.method {
        where_clauses = clauses;
    } else {
        let with_bounds: BTreeMap<String, String> = clauses
            .iter()
            .filter_map(|c| c.split_once(": ").map(|(a, b)| (a.to_string(), b.to_string())))
            .collect();
        for (_, n) in &f.tparams {
            match with_bounds.get(n) {
                Some(b) => generics.push(format!("{n}: {b}")),
                None => generics.push(n.clone()),
            }
        }
    }
    let g = if generics.is_empty() { String::new() } else { format!("<{}>", generics.join(", ")) };
    let ind = indent.string();
    let ret = if f.ret.is_empty() { String::new() } else { format!(" -> {}", f.ret) };
    let head = format!("{ind}{vis}fn {}{g}(", f.name);
    let one = format!("{head}{}){ret}", f.params.join(", "));
    // `{` or `;` follows on the same line when there is no where clause.
    let mut s = if one.len() + 2 <= layout::MAX_WIDTH {
        one
    } else {
        let mut s = head;
        s.push('\n');
        for p in &f.params {
            s.push_str(&format!("{ind}    {p},\n"));
        }
        s.push_str(&format!("{ind}){ret}"));
        s
    };
    if !where_clauses.is_empty() {
        s.push_str(&format!("\n{ind}where\n"));
        for c in &where_clauses {
            s.push_str(&format!("{ind}    {c},\n"));
        }
        s.push_str(&ind);
    }
    s
}

fn print_fn(f: &FnItem, bounds: &Bounds, cx: &Cx, indent: Indent) -> Result<String, EmitError> {
    let mut s = String::new();
    for d in &f.doc {
        if d.is_empty() {
            s.push_str(&format!("{}///\n", indent.string()));
        } else {
            s.push_str(&format!("{}/// {d}\n", indent.string()));
        }
    }
    let sig = signature(f, bounds, indent, "pub ");
    let sep = if sig.ends_with(' ') { "" } else { " " };
    s.push_str(&sig);
    s.push_str(sep);
    let body = cx
        .rewrite_block_with_visitor("", &f.body, Shape::indented(indent))
        .ok_or_else(|| EmitError::new(format!("`{}` does not fit the line width", f.name)))?;
    s.push_str(&body);
    s.push('\n');
    Ok(s)
}
