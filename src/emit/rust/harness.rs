//! The Rust property-test harness (see `emit::harness`). Generated test code is plain
//! and compact: it is compiled and run, not read.

use std::collections::{BTreeMap, BTreeSet};

use super::formula::{Access, FEnv, FormulaGen, fresh_name};
use super::names;
use super::syntax::{self as rs, Expr, flat};
use crate::emit::harness::{Harness, HarnessOptions, Models, missing_models, result_base, solved, unrefined};
use crate::emit::plan::Plan;
use crate::emit::spec::{Conjunct, params_of, type_check};
use crate::emit::ty::Ty;
use crate::emit::{EmitError, EmitOptions};
use crate::logic::{Symbol, VALUE_VAR};
use crate::types::{BaseType, RType};

const PRELUDE: &str = r#"/// A small deterministic generator (xorshift64*), so that runs are reproducible.
pub struct Rng(u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const TRIES: usize = 24;

/// A small integer meeting `ok` (integers stand for every type variable).
pub fn gen_int(rng: &mut Rng, ok: &dyn Fn(&i64) -> bool) -> Option<i64> {
    for _ in 0..TRIES {
        let v = rng.below(14) as i64 - 3;
        if ok(&v) {
            return Some(v);
        }
    }
    None
}

pub fn gen_bool(rng: &mut Rng, ok: &dyn Fn(&bool) -> bool) -> Option<bool> {
    let first = rng.below(2) == 0;
    [first, !first].into_iter().find(|v| ok(v))
}
"#;

struct HGen<'a> {
    plan: &'a Plan<'a>,
    /// Generator functions wanted (by concrete type) and written.
    wanted: Vec<Ty>,
    written: BTreeSet<Ty>,
    out: String,
}

fn mangle(t: &Ty) -> String {
    match t {
        Ty::Int => "i64".to_string(),
        Ty::Bool => "bool".to_string(),
        Ty::Data(d, args) => {
            let mut s = crate::emit::ocaml::type_name(d.as_str());
            for a in args {
                s.push('_');
                s.push_str(&mangle(a));
            }
            s
        }
        Ty::Param(a) => a.as_str().to_string(),
        Ty::Fun(..) | Ty::Meta(_) => "fn".to_string(),
    }
}

fn concrete(t: &Ty, subst: &BTreeMap<Symbol, Ty>) -> Ty {
    t.subst(subst)
}

/// Type variables are integers in the harness.
fn ints(vars: &[Symbol]) -> BTreeMap<Symbol, Ty> {
    vars.iter().map(|v| (*v, Ty::Int)).collect()
}

fn rust_ty(t: &Ty) -> String {
    names::rust_type(t, &BTreeMap::new())
}

impl<'a> HGen<'a> {
    fn gen_name(&mut self, t: &Ty) -> String {
        match t {
            Ty::Int => "gen_int".to_string(),
            Ty::Bool => "gen_bool".to_string(),
            _ => {
                if !self.written.contains(t) && !self.wanted.contains(t) {
                    self.wanted.push(t.clone());
                }
                format!("gen_{}", mangle(t))
            }
        }
    }

    /// An `Option<T>` expression: a value of refinement type `t` (type variables
    /// mapped by `subst`), its formulas read in `env`; `depth` is the size budget.
    fn value(
        &mut self,
        fg: &mut FormulaGen<'_>,
        t: &RType,
        subst: &BTreeMap<Symbol, Ty>,
        env: &FEnv,
        depth: &str,
        preds: &[Symbol],
    ) -> String {
        let RType::Scalar { base, .. } = t else { return "None".to_string() };
        let ty = concrete(&Ty::erase(t), subst);
        let v = fresh_name(env);
        let venv = env.with_var(Symbol::intern(VALUE_VAR), Access::by_ref(&v));
        let check = type_check(&self.plan.exec, t, preds);
        let mut conds: Vec<Expr> = Vec::new();
        if let BaseType::Var(a) = base
            && let Some(ok) = env.elem_ok.get(a)
        {
            conds.push(rs::call(ok.clone(), vec![rs::path(v.clone())]));
        }
        let mut equal_to = None;
        for c in &check.conjuncts {
            if let Conjunct::Exec(f) = c {
                if equal_to.is_none()
                    && matches!(base, BaseType::Int)
                    && let Some(e) = solved(f)
                {
                    equal_to = Some(flat(&fg.owned_value(&e, env)));
                    continue;
                }
                conds.push(fg.cond(f, &venv));
            }
        }
        let ok =
            conds.into_iter().reduce(|a, b| rs::binary("&&", a, b)).map_or("true".to_string(), |e| flat(&e));
        let ok_closure = format!("&|{v}: &{}| {ok}", rust_ty(&ty));
        if let Some(e) = equal_to {
            return format!("Some({e}).filter(|{v}: &i64| {ok})");
        }
        match (&ty, base) {
            (Ty::Int, _) => format!("gen_int(rng, {ok_closure})"),
            (Ty::Bool, _) => format!("gen_bool(rng, {ok_closure})"),
            (Ty::Data(d, _), BaseType::Data { args, .. }) => {
                let name = self.gen_name(&ty);
                let mut call = format!("{name}(rng, {depth}, {ok_closure}");
                let dt = &self.plan.program.datatypes[d];
                if let Some(dc) = &check.structure {
                    for ((rt, ch), a) in dc.args.iter().zip(args) {
                        let aty = concrete(&Ty::erase(a), subst);
                        let (c, _) = fg.element_closure(rt, ch, &aty, env);
                        call.push_str(&format!(", {}", flat(&c)));
                    }
                    let psubst: BTreeMap<Symbol, Ty> = dt
                        .params
                        .iter()
                        .copied()
                        .zip(args.iter().map(|a| concrete(&Ty::erase(a), subst)))
                        .collect();
                    for (p, pc) in dt.pred_params.iter().zip(&dc.preds) {
                        let arg_tys: Vec<(bool, Option<Ty>)> = p
                            .sig
                            .args
                            .iter()
                            .map(|s| {
                                (
                                    matches!(s, crate::logic::Sort::Int | crate::logic::Sort::Bool),
                                    Ty::of_sort(s).map(|t| t.subst(&psubst)),
                                )
                            })
                            .collect();
                        let (c, _) = fg.pred_closure(pc, &arg_tys, env);
                        call.push_str(&format!(", {}", flat(&c)));
                    }
                }
                call.push(')');
                call
            }
            (Ty::Data(d, targs), _) => {
                // A type variable instantiated with a datatype: unconstrained inside.
                let name = self.gen_name(&ty);
                let dt = &self.plan.program.datatypes[d];
                let mut call = format!("{name}(rng, {depth}, {ok_closure}");
                for a in targs {
                    call.push_str(&format!(", &|_: &{}| true", rust_ty(a)));
                }
                let psubst: BTreeMap<Symbol, Ty> =
                    dt.params.iter().copied().zip(targs.iter().cloned()).collect();
                for p in &dt.pred_params {
                    let ps: Vec<String> =
                        p.sig.args.iter().map(|s| format!("_: {}", pred_arg_type(s, &psubst))).collect();
                    call.push_str(&format!(", &|{}| true", ps.join(", ")));
                }
                call.push(')');
                call
            }
            _ => "None".to_string(),
        }
    }

    /// `gen_<type>`: builds values constructor by constructor.
    fn datatype_gen(&mut self, t: &Ty) {
        let Ty::Data(d, targs) = t else { return };
        let dt = &self.plan.program.datatypes[d];
        let subst: BTreeMap<Symbol, Ty> = dt.params.iter().copied().zip(targs.iter().cloned()).collect();
        let tparams: BTreeMap<Symbol, String> = subst.iter().map(|(k, v)| (*k, rust_ty(v))).collect();
        let mut fg = FormulaGen::new(self.plan.program, &tparams, &self.plan.intrinsic);
        let mut env = FEnv::default();
        let mut params = vec![
            "rng: &mut Rng".to_string(),
            "depth: u32".to_string(),
            format!("ok: &dyn Fn(&{}) -> bool", rust_ty(t)),
        ];
        let binder_names: BTreeSet<String> = dt
            .constructors
            .iter()
            .flat_map(|c| {
                params_of(&self.plan.program.constructors[c].schema.ty)
                    .0
                    .into_iter()
                    .map(|(p, _)| names::value(p.as_str()))
            })
            .collect();
        let unique = |base: String| {
            let mut n = base;
            while binder_names.contains(&n) || ["rng", "depth", "ok", "value"].contains(&n.as_str()) {
                n.push('_');
            }
            n
        };
        for (p, a) in dt.params.iter().zip(targs) {
            let n = unique(format!("{}_ok", names::value(p.as_str())));
            params.push(format!("{n}: &dyn Fn(&{}) -> bool", rust_ty(a)));
            env.elem_ok.insert(*p, n);
        }
        let pred_names: Vec<Symbol> = dt.pred_params.iter().map(|p| p.sig.name).collect();
        for p in &dt.pred_params {
            let n = unique(names::value(p.sig.name.as_str()));
            let args: Vec<String> = p.sig.args.iter().map(|s| pred_arg_type(s, &subst)).collect();
            params.push(format!("{n}: &dyn Fn({}) -> bool", args.join(", ")));
            env.preds.insert(p.sig.name, n);
        }
        let ty_name = names::type_name(d.as_str());
        let mut arms_grow = Vec::new();
        let mut arms_leaf = Vec::new();
        for c in &dt.constructors {
            let def = &self.plan.program.constructors[c];
            let (fields, _) = params_of(&def.schema.ty);
            let boxed = crate::emit::ir::recursive_fields(self.plan.program, *c);
            let mut cenv = env.clone();
            let mut body = String::new();
            let mut args = Vec::new();
            for (i, (p, ft)) in fields.iter().enumerate() {
                let local = unique(names::value(p.as_str()));
                let depth = if boxed[i] { "depth.saturating_sub(1)" } else { "depth" };
                let e = self.value(&mut fg, ft, &subst, &cenv, depth, &pred_names);
                body.push_str(&format!("                let Some({local}) = {e} else {{ continue }};\n"));
                cenv.vars.insert(*p, Access::owned(&local));
                args.push(if boxed[i] { format!("Box::new({local})") } else { local });
            }
            let build = if args.is_empty() {
                format!("{ty_name}::{}", names::type_name(c.as_str()))
            } else {
                format!("{ty_name}::{}({})", names::type_name(c.as_str()), args.join(", "))
            };
            let arm = format!("{body}                {build}\n");
            if boxed.iter().any(|b| *b) { arms_grow.push(arm) } else { arms_leaf.push(arm) }
        }
        let choose = |arms: &[String]| -> String {
            let mut s = format!("            match rng.below({}) {{\n", arms.len());
            for (i, a) in arms.iter().enumerate() {
                let pat = if i + 1 == arms.len() { "_".to_string() } else { i.to_string() };
                s.push_str(&format!("            {pat} => {{\n{a}            }}\n"));
            }
            s.push_str("            }\n");
            s
        };
        let pick = if arms_grow.is_empty() || arms_leaf.is_empty() {
            let all: Vec<String> = arms_leaf.iter().chain(&arms_grow).cloned().collect();
            format!("        let value = {{\n{}        }};\n", choose(&all))
        } else {
            format!(
                "        let value = if depth > 0 && rng.below(4) != 0 {{\n{}        }} else {{\n{}        }};\n",
                choose(&arms_grow),
                choose(&arms_leaf)
            )
        };
        self.out.push_str(&format!(
            "/// Values of `{}` built constructor by constructor.\npub fn gen_{}({}) -> Option<{}> {{\n    for _ in 0..TRIES {{\n{pick}        if ok(&value) {{\n            return Some(value);\n        }}\n    }}\n    None\n}}\n\n",
            rust_ty(t),
            mangle(t),
            params.join(", "),
            rust_ty(t)
        ));
    }
}

fn pred_arg_type(s: &crate::logic::Sort, subst: &BTreeMap<Symbol, Ty>) -> String {
    let t = Ty::of_sort(s).map(|t| t.subst(subst)).unwrap_or(Ty::Int);
    match s {
        crate::logic::Sort::Int | crate::logic::Sort::Bool => rust_ty(&t),
        _ => format!("&{}", rust_ty(&t)),
    }
}

pub(crate) fn emit(
    plan: &Plan<'_>,
    models: &Models<'_>,
    options: &HarnessOptions,
) -> Result<Harness, EmitError> {
    let modelled = &models.modelled();
    let mut h = HGen { plan, wanted: Vec::new(), written: BTreeSet::new(), out: String::new() };
    let mut text = String::new();
    text.push_str("//! Property tests of the emitted code in `spec.rs` (generated by rsynth).\n\n");
    text.push_str("#![allow(dead_code, unused, non_snake_case, clippy::all)]\n\nmod spec;\nuse spec::*;\n\n");
    let parts = super::emit_parts(plan, &EmitOptions::default(), None)?;
    let has_trait = !parts.trait_sigs.is_empty();
    if has_trait {
        let mut model_text = String::new();
        if let Some(mp) = models.plan
            && !models.goals.is_empty()
        {
            model_text = super::emit_parts(mp, &EmitOptions::default(), Some(models.goals))?.text;
        }
        text.push_str("/// Implementations of the abstract components (from model programs).\nmod model {\n    use super::spec::*;\n    use std::collections::BTreeSet;\n\n");
        text.push_str(&model_text);
        text.push_str("}\n\npub struct Model;\n\nimpl Components for Model {\n");
        for (name, sig, params) in &parts.trait_sigs {
            let call = if modelled.contains(name) {
                format!("model::{}({})", names::value(name.as_str()), params.join(", "))
            } else {
                format!("unreachable!(\"no model of `{name}`\")")
            };
            text.push_str(&format!("    {sig} {{\n        {call}\n    }}\n"));
        }
        text.push_str("}\n\n");
    }
    text.push_str(PRELUDE);
    text.push('\n');
    let missing = missing_models(plan, modelled);
    let mut tested = Vec::new();
    let mut untested = Vec::new();
    let mut samples = String::new();
    for f in &plan.functions {
        if let Some((_, c)) = missing.iter().find(|(g, _)| *g == f.name) {
            untested.push((f.name, format!("no model of the abstract component `{c}`")));
            continue;
        }
        let goal =
            plan.program.goals.iter().find(|g| g.name == f.name).ok_or_else(|| EmitError::new("goal"))?;
        let subst = ints(&f.type_params);
        let tparams: BTreeMap<Symbol, String> = subst.iter().map(|(k, v)| (*k, rust_ty(v))).collect();
        let mut fg = FormulaGen::new(plan.program, &tparams, &plan.intrinsic);
        let (params, _) = params_of(&goal.schema.ty);
        let mut env = FEnv::default();
        let mut body = String::new();
        let mut args = Vec::new();
        let mut reason = None;
        for (i, (p, t)) in params.iter().enumerate() {
            let local = format!("arg{i}");
            if let RType::Function { .. } = t {
                let ty = concrete(&Ty::erase(t), &subst);
                let (arg_tys, result) = ty.uncurry();
                if result.is_fun() || arg_tys.iter().any(|a| a.is_fun()) || !unrefined(plan, t) {
                    reason =
                        Some(format!("argument `{p}` is a function with refinements or of higher order"));
                    break;
                }
                let r = h.value(&mut fg, &RType::plain(result_base(result)), &subst, &env, "depth", &[]);
                let ps: Vec<String> = arg_tys.iter().map(|a| format!("_: {}", rust_ty(a))).collect();
                body.push_str(&format!("    let Some(out{i}) = {r} else {{ return false }};\n"));
                body.push_str(&format!("    let {local} = move |{}| out{i}.clone();\n", ps.join(", ")));
                args.push(format!("&{local}"));
                continue;
            }
            let e = h.value(&mut fg, t, &subst, &env, "depth", &[]);
            body.push_str(&format!("    let Some({local}) = {e} else {{ return false }};\n"));
            env.vars.insert(*p, Access::owned(&local));
            args.push(local);
        }
        if let Some(r) = reason {
            untested.push((f.name, r));
            continue;
        }
        let needs_c = plan.needs_components.contains(&f.name);
        let turbofish = if needs_c {
            let mut ts = vec!["Model".to_string()];
            ts.extend(f.type_params.iter().map(|_| "_".to_string()));
            format!("::<{}>", ts.join(", "))
        } else {
            String::new()
        };
        samples.push_str(&format!(
            "/// One call of `{}` on inputs meeting its preconditions; false if none were found.\nfn sample_{}(rng: &mut Rng, depth: u32) -> bool {{\n{body}    let _ = spec::{}{turbofish}({});\n    true\n}}\n\n",
            f.name,
            names::value(f.name.as_str()),
            names::value(f.name.as_str()),
            args.join(", ")
        ));
        tested.push(f.name);
    }
    while let Some(t) = h.wanted.pop() {
        if h.written.insert(t.clone()) {
            h.datatype_gen(&t);
        }
    }
    text.push_str(&h.out);
    text.push_str(&samples);
    text.push_str("fn main() {\n");
    text.push_str(&format!("    let mut rng = Rng({:#x});\n", options.seed | 1));
    for g in &tested {
        text.push_str(&format!(
            "    let mut ran = 0;\n    for i in 0..{n} {{\n        if sample_{name}(&mut rng, i % {d}) {{\n            ran += 1;\n        }}\n    }}\n    println!(\"goal {g}: {{ran}} of {n} samples ran\");\n",
            n = options.samples,
            name = names::value(g.as_str()),
            d = options.max_depth + 1,
        ));
    }
    for (g, why) in &untested {
        text.push_str(&format!(
            "    println!(\"goal {g}: not tested ({})\");\n",
            why.replace('"', "'").replace('{', "{{").replace('}', "}}")
        ));
    }
    text.push_str("}\n");
    Ok(Harness { text, tested, untested })
}
