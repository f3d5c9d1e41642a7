//! The OCaml property-test harness (see `emit::harness`): `harness.ml`, compiled
//! after `spec.ml` (the emitted program, opened as `Spec`). Generated test code is
//! compiled and run, not read; it is kept plain.

use std::collections::{BTreeMap, BTreeSet};

use super::syntax::{self as os, OExpr, app, atom, bin};
use super::{FEnv, Gen, ocaml_type, type_name, value_name};
use crate::emit::EmitError;
use crate::emit::EmitOptions;
use crate::emit::harness::{Harness, HarnessOptions, Models, missing_models, result_base, solved, unrefined};
use crate::emit::plan::Plan;
use crate::emit::spec::{Conjunct, TypeCheck, params_of, type_check};
use crate::emit::ty::Ty;
use crate::logic::{Symbol, VALUE_VAR};
use crate::types::{BaseType, RType};

const PRELUDE: &str = "let ( let* ) o f = match o with None -> None | Some x -> f x

let tries = 24

(* A small integer meeting [ok] (integers stand for every type variable). *)
let gen_int (ok : int -> bool) : int option =
  let rec go n = if n = 0 then None else let v = Random.int 14 - 3 in if ok v then Some v else go (n - 1) in
  go tries

let gen_bool (ok : bool -> bool) : bool option =
  let first = Random.bool () in
  if ok first then Some first else if ok (not first) then Some (not first) else None
";

fn mangle(t: &Ty) -> String {
    match t {
        Ty::Int => "int".to_string(),
        Ty::Bool => "bool".to_string(),
        Ty::Data(d, args) => {
            let mut s = type_name(d.as_str());
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

fn flat(e: &OExpr) -> String {
    os::print(e, 0).split_whitespace().collect::<Vec<_>>().join(" ")
}

struct HGen<'a, 'p> {
    g: &'a Gen<'p>,
    wanted: Vec<Ty>,
    written: BTreeSet<Ty>,
    out: Vec<String>,
}

fn fresh(env: &FEnv) -> String {
    super::fresh(env)
}

impl HGen<'_, '_> {
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

    /// An option-valued expression drawing a value of refinement type `t`.
    fn value(
        &mut self,
        t: &RType,
        subst: &BTreeMap<Symbol, Ty>,
        env: &FEnv,
        depth: &str,
        preds: &[Symbol],
    ) -> String {
        let RType::Scalar { base, .. } = t else { return "None".to_string() };
        let ty = Ty::erase(t).subst(subst);
        let v = fresh(env);
        let mut venv = env.clone();
        venv.vars.insert(Symbol::intern(VALUE_VAR), v.clone());
        let check: TypeCheck = type_check(&self.g.plan.exec, t, preds);
        let mut conds: Vec<OExpr> = Vec::new();
        if let BaseType::Var(a) = base
            && let Some(ok) = env.elem_ok.get(a)
        {
            conds.push(app(ok.clone(), vec![atom(v.clone())]));
        }
        let mut equal_to = None;
        for c in &check.conjuncts {
            if let Conjunct::Exec(f) = c {
                if equal_to.is_none()
                    && matches!(base, BaseType::Int)
                    && let Some(e) = solved(f)
                {
                    equal_to = Some(flat(&self.g.tr(&e, env)));
                    continue;
                }
                conds.push(self.g.tr(f, &venv));
            }
        }
        let ok = conds.into_iter().reduce(|a, b| bin("&&", a, b)).map_or("true".to_string(), |e| flat(&e));
        if let Some(e) = equal_to {
            return format!("(let {v} = {e} in if {ok} then Some {v} else None)");
        }
        let ok_fun = format!("(fun {v} -> {ok})");
        match (&ty, base) {
            (Ty::Int, _) => format!("gen_int {ok_fun}"),
            (Ty::Bool, _) => format!("gen_bool {ok_fun}"),
            (Ty::Data(d, _), BaseType::Data { args, .. }) => {
                let name = self.gen_name(&ty);
                let mut call = format!("{name} ({depth}) {ok_fun}");
                let dt = &self.g.program.datatypes[d];
                if let Some(dc) = &check.structure {
                    for ((rt, ch), _) in dc.args.iter().zip(args) {
                        let (c, _) = self.g.element_closure(rt, ch, env);
                        call.push_str(&format!(" ({})", flat(&c)));
                    }
                    for (p, pc) in dt.pred_params.iter().zip(&dc.preds) {
                        let (c, _) = self.g.pred_closure(pc, p.sig.args.len(), env);
                        call.push_str(&format!(" ({})", flat(&c)));
                    }
                }
                call
            }
            (Ty::Data(d, targs), _) => {
                let name = self.gen_name(&ty);
                let dt = &self.g.program.datatypes[d];
                let mut call = format!("{name} ({depth}) {ok_fun}");
                for _ in targs {
                    call.push_str(" (fun _ -> true)");
                }
                for p in &dt.pred_params {
                    call.push_str(&format!(
                        " (fun {} -> true)",
                        vec!["_"; p.sig.args.len().max(1)].join(" ")
                    ));
                }
                call
            }
            _ => "None".to_string(),
        }
    }

    fn datatype_gen(&mut self, t: &Ty) {
        let Ty::Data(d, targs) = t else { return };
        let dt = &self.g.program.datatypes[d];
        let subst: BTreeMap<Symbol, Ty> = dt.params.iter().copied().zip(targs.iter().cloned()).collect();
        let binder_names: BTreeSet<String> = dt
            .constructors
            .iter()
            .flat_map(|c| {
                params_of(&self.g.program.constructors[c].schema.ty)
                    .0
                    .into_iter()
                    .map(|(p, _)| value_name(p.as_str()))
            })
            .collect();
        let unique = |base: String| {
            let mut n = base;
            while binder_names.contains(&n) || ["depth", "ok", "value", "attempt", "n"].contains(&n.as_str())
            {
                n.push('_');
            }
            n
        };
        let mut env = FEnv::default();
        let mut params = vec!["depth".to_string(), "ok".to_string()];
        for p in &dt.params {
            let n = unique(format!("{}_ok", value_name(p.as_str())));
            params.push(n.clone());
            env.elem_ok.insert(*p, n);
        }
        let pred_names: Vec<Symbol> = dt.pred_params.iter().map(|p| p.sig.name).collect();
        for p in &dt.pred_params {
            let n = unique(value_name(p.sig.name.as_str()));
            params.push(n.clone());
            env.preds.insert(p.sig.name, n);
        }
        let mut grow = Vec::new();
        let mut leaf = Vec::new();
        for c in &dt.constructors {
            let def = &self.g.program.constructors[c];
            let (fields, _) = params_of(&def.schema.ty);
            let boxed = crate::emit::ir::recursive_fields(self.g.program, *c);
            let mut cenv = env.clone();
            let mut s = String::new();
            let mut args = Vec::new();
            for (i, (p, ft)) in fields.iter().enumerate() {
                let local = unique(value_name(p.as_str()));
                let depth = if boxed[i] { "depth - 1" } else { "depth" };
                let e = self.value(ft, &subst, &cenv, depth, &pred_names);
                s.push_str(&format!("let* {local} = {e} in "));
                cenv.vars.insert(*p, local.clone());
                args.push(local);
            }
            let build = match args.as_slice() {
                [] => c.to_string(),
                [a] => format!("{c} {a}"),
                _ => format!("{c} ({})", args.join(", ")),
            };
            let arm = format!("{s}Some ({build})");
            if boxed.iter().any(|b| *b) { grow.push(arm) } else { leaf.push(arm) }
        }
        let choose = |arms: &[String]| -> String {
            let mut s = format!("(match Random.int {} with", arms.len());
            for (i, a) in arms.iter().enumerate() {
                let pat = if i + 1 == arms.len() { "_".to_string() } else { i.to_string() };
                s.push_str(&format!("\n        | {pat} -> {a}"));
            }
            s.push(')');
            s
        };
        let pick = if grow.is_empty() || leaf.is_empty() {
            let all: Vec<String> = leaf.iter().chain(&grow).cloned().collect();
            choose(&all)
        } else {
            format!("if depth > 0 && Random.int 4 <> 0 then {}\n      else {}", choose(&grow), choose(&leaf))
        };
        self.out.push(format!(
            "gen_{} {} : {} option =\n  let rec attempt n =\n    if n = 0 then None\n    else\n      let value =\n        {pick}\n      in\n      match value with Some v when ok v -> Some v | _ -> attempt (n - 1)\n  in\n  attempt tries\n",
            mangle(t),
            params.join(" "),
            ocaml_type(t)
        ));
    }
}

pub(crate) fn emit(
    plan: &Plan<'_>,
    models: &Models<'_>,
    options: &HarnessOptions,
) -> Result<Harness, EmitError> {
    let modelled = models.modelled();
    let g = Gen::new(plan);
    let mut text = String::from(
        "(* Property tests of the emitted code in spec.ml (generated by rsynth). *)\n\nopen Spec\n\n",
    );
    let abstract_comps: Vec<_> = plan.abstract_components().collect();
    if !abstract_comps.is_empty() {
        let mut model_text = String::new();
        if let Some(mp) = models.plan
            && !models.goals.is_empty()
        {
            model_text = super::emit_parts(mp, &EmitOptions::default(), Some(models.goals))?;
        }
        text.push_str("module Model = struct\n");
        text.push_str(&model_text);
        for c in &abstract_comps {
            if !modelled.contains(&c.name) {
                text.push_str(&format!(
                    "  let {} = fun _ -> failwith \"no model of {}\"\n",
                    value_name(c.name.as_str()),
                    c.name
                ));
            }
        }
        text.push_str("end\n\nmodule S = Make (Model)\n\n");
    }
    text.push_str(PRELUDE);
    text.push('\n');
    let mut h = HGen { g: &g, wanted: Vec::new(), written: BTreeSet::new(), out: Vec::new() };
    let missing = missing_models(plan, &modelled);
    let mut tested = Vec::new();
    let mut untested = Vec::new();
    let mut samples = String::new();
    for f in &plan.functions {
        if let Some((_, c)) = missing.iter().find(|(x, _)| *x == f.name) {
            untested.push((f.name, format!("no model of the abstract component `{c}`")));
            continue;
        }
        let goal =
            plan.program.goals.iter().find(|x| x.name == f.name).ok_or_else(|| EmitError::new("goal"))?;
        let subst: BTreeMap<Symbol, Ty> = f.type_params.iter().map(|v| (*v, Ty::Int)).collect();
        let (params, _) = params_of(&goal.schema.ty);
        let mut env = FEnv::default();
        let mut body = String::new();
        let mut args = Vec::new();
        let mut reason = None;
        for (i, (p, t)) in params.iter().enumerate() {
            let local = format!("arg{i}");
            if let RType::Function { .. } = t {
                let ty = Ty::erase(t).subst(&subst);
                let (arg_tys, result) = ty.uncurry();
                if result.is_fun() || arg_tys.iter().any(|a| a.is_fun()) || !unrefined(plan, t) {
                    reason =
                        Some(format!("argument `{p}` is a function with refinements or of higher order"));
                    break;
                }
                let r = h.value(&RType::plain(result_base(result)), &subst, &env, "depth", &[]);
                body.push_str(&format!("  let* out{i} = {r} in\n"));
                body.push_str(&format!(
                    "  let {local} = fun {} -> out{i} in\n",
                    vec!["_"; arg_tys.len()].join(" ")
                ));
                args.push(local);
                continue;
            }
            let e = h.value(t, &subst, &env, "depth", &[]);
            body.push_str(&format!("  let* {local} = {e} in\n"));
            env.vars.insert(*p, local.clone());
            args.push(local);
        }
        if let Some(r) = reason {
            untested.push((f.name, r));
            continue;
        }
        let callee = if plan.needs_components.contains(&f.name) {
            format!("S.{}", value_name(f.name.as_str()))
        } else {
            value_name(f.name.as_str())
        };
        let call = if args.is_empty() { callee } else { format!("{callee} {}", args.join(" ")) };
        samples.push_str(&format!(
            "(* One call of [{}] on inputs meeting its preconditions; false if none were found. *)\nlet sample_{} depth =\n  Option.is_some (\n{body}  ignore ({call});\n  Some ())\n\n",
            f.name,
            value_name(f.name.as_str()),
        ));
        tested.push(f.name);
    }
    while let Some(t) = h.wanted.pop() {
        if h.written.insert(t.clone()) {
            h.datatype_gen(&t);
        }
    }
    if !h.out.is_empty() {
        text.push_str("let rec ");
        text.push_str(&h.out.join("\nand "));
        text.push('\n');
    }
    text.push_str(&samples);
    text.push_str(&format!(
        "let run name sample =\n  let ran = ref 0 in\n  for i = 0 to {} do\n    if sample (i mod {}) then incr ran\n  done;\n  Printf.printf \"goal %s: %d of {} samples ran\\n\" name !ran\n\nlet () =\n  Random.init {};\n",
        options.samples.saturating_sub(1),
        options.max_depth + 1,
        options.samples,
        options.seed % (1 << 30)
    ));
    for t in &tested {
        text.push_str(&format!("  run \"{t}\" sample_{};\n", value_name(t.as_str())));
    }
    for (t, why) in &untested {
        text.push_str(&format!("  print_endline \"goal {t}: not tested ({})\";\n", why.replace('"', "'")));
    }
    text.push_str("  ()\n");
    Ok(Harness { text, tested, untested })
}
