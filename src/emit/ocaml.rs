//! The OCaml emitter.
//!
//! Layout of an emitted file: a header; `PSet` (finite sets as sorted lists, when a
//! measure returns a set); the datatypes (variants, in dependency order); the measures
//! (functions); the `satisfies_*` walks checking the refinements inside values; smart
//! constructors (`mk_*`); derived components; the goals. Goals that call components
//! the specification leaves open are inside a functor `Make (C : COMPONENTS)`.
//! Refinements are checked with `assert`. Functions carry explicit polymorphic type
//! annotations (`'a. 'a -> 'a list -> 'a list`), which also allow polymorphic
//! recursion. Definitions are ordered so that each comes after what it uses; mutually
//! recursive ones share one `let rec .. and ..`.

pub(crate) mod harness;
mod syntax;

use std::collections::{BTreeMap, BTreeSet};

use syntax::{OExpr, Stmt, app, atom, bin, not};

use super::ir::{Callee, Expr as IExpr, ExprKind, Function, LocalId};
use super::plan::Plan;
use super::spec::{ComponentPlan, Conjunct, DataCheck, PredCheck, TypeCheck, params_of, type_check};
use super::ty::Ty;
use super::{EmitError, EmitOptions};
use crate::logic::{BinOp as LBinOp, Formula, Kind, Sort, Symbol, UnOp as LUnOp, VALUE_VAR};
use crate::resolve::Program;
use crate::syntax::ast::{BinOp, UnOp};
use crate::types::{BaseType, RType, Schema};

const KEYWORDS: &[&str] = &[
    "and",
    "as",
    "assert",
    "asr",
    "begin",
    "class",
    "constraint",
    "do",
    "done",
    "downto",
    "else",
    "end",
    "exception",
    "external",
    "false",
    "for",
    "fun",
    "function",
    "functor",
    "if",
    "in",
    "include",
    "inherit",
    "initializer",
    "land",
    "lazy",
    "let",
    "lor",
    "lsl",
    "lsr",
    "lxor",
    "match",
    "method",
    "mod",
    "module",
    "mutable",
    "new",
    "nonrec",
    "object",
    "of",
    "open",
    "or",
    "private",
    "rec",
    "sig",
    "struct",
    "then",
    "to",
    "true",
    "try",
    "type",
    "val",
    "virtual",
    "when",
    "while",
    "with",
    "result",
];

/// A value name: kept, unless OCaml reserves it.
fn value_name(s: &str) -> String {
    if KEYWORDS.contains(&s) || s == "_" { format!("{s}_") } else { s.to_string() }
}

/// `List` is `list`, `IList` is `i_list`, `WeakRBT` is `weak_rbt`.
pub fn type_name(s: &str) -> String {
    value_name(&crate::emit::snake_case(s))
}

fn tvar(a: Symbol) -> String {
    format!("'{}", a.as_str().replace('\'', "_"))
}

fn ocaml_type(t: &Ty) -> String {
    match t {
        Ty::Int => "int".to_string(),
        Ty::Bool => "bool".to_string(),
        Ty::Param(a) => tvar(*a),
        Ty::Data(d, args) => match args.as_slice() {
            [] => type_name(d.as_str()),
            [a] => format!("{} {}", atomic_type(a), type_name(d.as_str())),
            _ => format!(
                "({}) {}",
                args.iter().map(ocaml_type).collect::<Vec<_>>().join(", "),
                type_name(d.as_str())
            ),
        },
        Ty::Fun(a, r) => format!("{} -> {}", atomic_type(a), ocaml_type(r)),
        Ty::Meta(_) => "_".to_string(),
    }
}

fn atomic_type(t: &Ty) -> String {
    match t {
        Ty::Fun(..) => format!("({})", ocaml_type(t)),
        _ => ocaml_type(t),
    }
}

fn sort_type(s: &Sort) -> String {
    match s {
        Sort::Set(e) => format!("{} PSet.t", sort_type(e)),
        _ => ocaml_type(&Ty::of_sort(s).unwrap_or(Ty::Int)),
    }
}

/// `'a 'b. t` when there are type variables.
fn poly(tvars: &[Symbol], t: &str) -> String {
    if tvars.is_empty() {
        t.to_string()
    } else {
        format!("{}. {t}", tvars.iter().map(|a| tvar(*a)).collect::<Vec<_>>().join(" "))
    }
}

const PSET: &str = "(* Finite sets as sorted lists without duplicates, for any element type (OCaml's [Set]
   needs a fixed one); ordered by [compare]. *)
module PSet = struct
  type 'a t = 'a list

  let empty : 'a t = []
  let of_list (l : 'a list) : 'a t = List.sort_uniq compare l
  let union (a : 'a t) (b : 'a t) : 'a t = List.sort_uniq compare (a @ b)
  let inter (a : 'a t) (b : 'a t) : 'a t = List.filter (fun x -> List.mem x b) a
  let diff (a : 'a t) (b : 'a t) : 'a t = List.filter (fun x -> not (List.mem x b)) a
  let mem (x : 'a) (s : 'a t) : bool = List.mem x s
  let subset (a : 'a t) (b : 'a t) : bool = List.for_all (fun x -> List.mem x b) a
end
";

/// A top-level function before ordering.
struct Def {
    name: String,
    /// The top-level names it refers to.
    uses: BTreeSet<String>,
    /// `name : type = expr` (without `let`).
    text: String,
    comment: Vec<String>,
}

struct Gen<'p> {
    plan: &'p Plan<'p>,
    program: &'p Program,
    /// Constructors with refined fields (built with `mk_*`).
    smart: BTreeSet<Symbol>,
    /// Top-level value names (locals that would shadow them are renamed).
    globals: BTreeSet<String>,
    /// The user defines a value named `not` (formulas then use `Stdlib.not`).
    not_shadowed: bool,
}

/// Emits the planned program as one OCaml source file.
pub fn emit(plan: &Plan<'_>, options: &EmitOptions) -> Result<String, EmitError> {
    emit_parts(plan, options, None)
}

/// Emits the program; with `only`, just those goals and the derived components they
/// use, as definitions for a module that opens the emitted program (models of
/// components in the harness).
pub(crate) fn emit_parts(
    plan: &Plan<'_>,
    options: &EmitOptions,
    only: Option<&BTreeSet<Symbol>>,
) -> Result<String, EmitError> {
    for dt in plan.program.datatypes.values() {
        if dt.constructors.is_empty() {
            return Err(EmitError::new(format!(
                "datatype `{}` has no constructors (abstract datatypes are not supported yet)",
                dt.name
            )));
        }
    }
    let mut g = Gen::new(plan);
    let mut out = header(plan, options);
    let types = g.datatypes();
    let mut defs = Vec::new();
    for m in plan.program.measures.values() {
        defs.push(g.measure(m.name));
    }
    let mut walks = Vec::new();
    for d in plan.program.datatypes.keys() {
        if let Some(w) = g.satisfies(*d) {
            walks.push(w);
        }
    }
    let mut smart = Vec::new();
    for dt in plan.program.datatypes.values() {
        for c in &dt.constructors {
            if let Some(s) = g.smart_constructor(*c) {
                g.smart.insert(*c);
                smart.push(s);
            }
        }
    }
    let mut derived = Vec::new();
    let mut abstracts = Vec::new();
    let selected: Vec<&Function> =
        plan.functions.iter().filter(|f| only.is_none_or(|o| o.contains(&f.name))).collect();
    let used_globals: BTreeSet<Symbol> = selected.iter().flat_map(|f| f.body.globals()).collect();
    for (c, p) in &plan.components {
        if only.is_some() && !used_globals.contains(&c.name) {
            continue;
        }
        match p {
            ComponentPlan::Derived { body, .. } => derived.push(g.derived(c.name, &c.schema, body)),
            ComponentPlan::Abstract { why } => abstracts.push((c.name, &c.schema, why.clone())),
        }
    }
    let mut goals_top = Vec::new();
    let mut goals_functor = Vec::new();
    for f in &selected {
        let d = g.goal(f).map_err(|e| e.in_goal(f.name))?;
        if plan.needs_components.contains(&f.name) {
            goals_functor.push(d);
        } else {
            goals_top.push(d);
        }
    }
    if only.is_some() {
        let mut sections = ordered(derived);
        sections.extend(ordered(goals_top));
        return Ok(sections.join("\n"));
    }
    let mut sections = vec![types];
    sections.extend(ordered(defs));
    sections.extend(ordered(walks));
    sections.extend(ordered(smart));
    sections.extend(ordered(derived));
    sections.extend(ordered(goals_top));
    if !abstracts.is_empty() {
        let mut sig = String::from(
            "(* The components the specification leaves open: the caller supplies them, and each\n   must meet the refinement in its comment. *)\nmodule type COMPONENTS = sig\n",
        );
        for (i, (name, schema, why)) in abstracts.iter().enumerate() {
            if i > 0 {
                sig.push('\n');
            }
            sig.push_str(&format!("  (* {} *)\n", syntax::comment_text(&schema_doc(*name, schema))));
            sig.push_str(&format!("  (* Abstract: {why}. *)\n"));
            sig.push_str(&format!(
                "  val {} : {}\n",
                value_name(name.as_str()),
                ocaml_type(&Ty::erase(&schema.ty))
            ));
        }
        sig.push_str("end\n");
        sections.push(sig);
    }
    if !goals_functor.is_empty() {
        let inner: Vec<String> = ordered(goals_functor)
            .into_iter()
            .map(|s| {
                s.lines()
                    .map(|l| if l.is_empty() { String::new() } else { format!("  {l}") })
                    .collect::<Vec<_>>()
                    .join("\n")
                    + "\n"
            })
            .collect();
        sections.push(format!("module Make (C : COMPONENTS) = struct\n{}end\n", inner.join("\n")));
    }
    let body = sections.join("\n");
    if body.contains("PSet.") {
        out.push_str(PSET);
        out.push('\n');
    }
    out.push_str(&body);
    Ok(out)
}

fn header(plan: &Plan<'_>, options: &EmitOptions) -> String {
    let goals: Vec<String> = plan.functions.iter().map(|f| format!("[{}]", f.name)).collect();
    format!(
        "(* Generated by rsynth from {}{}.\n\n   Each function checks the refinements of its specification with [assert]: preconditions\n   on entry, postconditions on the result, and the refinements inside datatype values with\n   the [satisfies_*] walks. Formulas that cannot be executed are listed in comments instead.\n   Integers are [int]. *)\n\n",
        syntax::comment_text(if options.source_name.is_empty() { "<input>" } else { &options.source_name }),
        if goals.is_empty() { String::new() } else { format!(" (goals {})", goals.join(", ")) }
    )
}

fn schema_doc(name: Symbol, schema: &Schema) -> String {
    let mut s = format!("{name} :: ");
    for p in &schema.pred_params {
        s.push_str(&format!("<{p}> . "));
    }
    s.push_str(&schema.ty.to_string());
    super::spec::doc_text(&s)
}

/// Orders definitions so that each follows what it uses; strongly connected ones are
/// grouped in one `let rec .. and ..`; `rec` only where a definition uses itself.
fn ordered(defs: Vec<Def>) -> Vec<String> {
    let names: Vec<String> = defs.iter().map(|d| d.name.clone()).collect();
    let index: BTreeMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
    let edges: Vec<Vec<usize>> =
        defs.iter().map(|d| d.uses.iter().filter_map(|u| index.get(u.as_str()).copied()).collect()).collect();
    let sccs = tarjan(&edges);
    let mut out = Vec::new();
    for scc in sccs {
        let recursive = scc.len() > 1 || edges[scc[0]].contains(&scc[0]);
        let mut s = String::new();
        for (k, i) in scc.iter().enumerate() {
            let d = &defs[*i];
            for c in &d.comment {
                s.push_str(&format!("(* {} *)\n", syntax::comment_text(c)));
            }
            let kw = match (k, recursive) {
                (0, true) => "let rec",
                (0, false) => "let",
                _ => "and",
            };
            s.push_str(&format!("{kw} {}\n", d.text));
            if k + 1 < scc.len() {
                s.push('\n');
            }
        }
        out.push(s);
    }
    out
}

/// Strongly connected components, dependencies first, in input order otherwise.
fn tarjan(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    struct T<'a> {
        edges: &'a [Vec<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    fn visit(t: &mut T<'_>, v: usize) {
        t.index[v] = Some(t.next);
        t.low[v] = t.next;
        t.next += 1;
        t.stack.push(v);
        t.on[v] = true;
        for &w in &t.edges[v] {
            match t.index[w] {
                None => {
                    visit(t, w);
                    t.low[v] = t.low[v].min(t.low[w]);
                }
                Some(i) if t.on[w] => t.low[v] = t.low[v].min(i),
                _ => {}
            }
        }
        if Some(t.low[v]) == t.index[v] {
            let mut scc = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on[w] = false;
                scc.push(w);
                if w == v {
                    break;
                }
            }
            scc.sort();
            t.out.push(scc);
        }
    }
    let n = edges.len();
    let mut t = T {
        edges,
        index: vec![None; n],
        low: vec![0; n],
        on: vec![false; n],
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in 0..n {
        if t.index[v].is_none() {
            visit(&mut t, v);
        }
    }
    t.out
}

/// Atoms used in an expression (to order definitions and to find unused names).
fn atoms(e: &OExpr, out: &mut BTreeSet<String>) {
    match e {
        OExpr::Atom(s) => {
            out.insert(s.clone());
        }
        OExpr::App(f, args) => {
            atoms(f, out);
            args.iter().for_each(|a| atoms(a, out));
        }
        OExpr::Ctor(_, args) | OExpr::List(args) => args.iter().for_each(|a| atoms(a, out)),
        OExpr::Bin(_, l, r) => {
            atoms(l, out);
            atoms(r, out);
        }
        OExpr::Neg(a) | OExpr::Fun(_, a) => atoms(a, out),
        OExpr::If(c, t, f) => {
            atoms(c, out);
            atoms(t, out);
            atoms(f, out);
        }
        OExpr::Match(s, arms) => {
            atoms(s, out);
            arms.iter().for_each(|(_, b)| atoms(b, out));
        }
        OExpr::Let { value, body, .. } => {
            atoms(value, out);
            atoms(body, out);
        }
        OExpr::Seq(stmts, last) => {
            for s in stmts {
                if let Stmt::Expr(e) = s {
                    atoms(e, out);
                }
            }
            atoms(last, out);
        }
    }
}

/// Where formula names lead.
#[derive(Clone, Default)]
struct FEnv {
    vars: BTreeMap<Symbol, String>,
    preds: BTreeMap<Symbol, String>,
    elem_ok: BTreeMap<Symbol, String>,
}

enum Check {
    Assert(String, OExpr),
    Skipped(String, String),
}

fn show(f: &Formula) -> String {
    f.to_string().split_whitespace().collect::<Vec<_>>().join(" ")
}

impl<'p> Gen<'p> {
    /// A generator for `plan`'s program, with its global names collected.
    fn new(plan: &'p Plan<'p>) -> Gen<'p> {
        let mut g = Gen {
            plan,
            program: plan.program,
            smart: BTreeSet::new(),
            globals: BTreeSet::new(),
            not_shadowed: false,
        };
        g.collect_globals();
        g
    }

    fn collect_globals(&mut self) {
        let p = self.program;
        for m in p.measures.keys() {
            self.globals.insert(value_name(m.as_str()));
        }
        for d in p.datatypes.keys() {
            self.globals.insert(format!("satisfies_{}", type_name(d.as_str())));
            for c in &p.datatypes[d].constructors {
                self.globals.insert(format!("mk_{}", type_name(c.as_str())));
            }
        }
        for (c, _) in &self.plan.components {
            self.globals.insert(value_name(c.name.as_str()));
        }
        for f in &self.plan.functions {
            self.globals.insert(value_name(f.name.as_str()));
        }
        self.not_shadowed = self.globals.contains("not");
    }

    fn not_(&self, e: OExpr) -> OExpr {
        if self.not_shadowed { app("Stdlib.not", vec![e]) } else { not(e) }
    }

    fn measure_name(&self, m: Symbol) -> String {
        value_name(m.as_str())
    }

    // ----- datatypes -----

    fn datatypes(&self) -> String {
        let ds: Vec<Symbol> = self.program.datatypes.keys().copied().collect();
        let index: BTreeMap<Symbol, usize> = ds.iter().enumerate().map(|(i, d)| (*d, i)).collect();
        let edges: Vec<Vec<usize>> = ds
            .iter()
            .map(|d| {
                let mut used = Vec::new();
                for c in &self.program.datatypes[d].constructors {
                    for t in Ty::erase(&self.program.constructors[c].schema.ty).uncurry().0 {
                        t.datatypes(&mut used);
                    }
                }
                used.iter().filter_map(|u| index.get(u).copied()).collect()
            })
            .collect();
        let mut out = Vec::new();
        for scc in tarjan(&edges) {
            let mut s = String::new();
            for (k, i) in scc.iter().enumerate() {
                let d = ds[*i];
                let dt = &self.program.datatypes[&d];
                let params = match dt.params.as_slice() {
                    [] => String::new(),
                    [a] => format!("{} ", tvar(*a)),
                    ps => format!("({}) ", ps.iter().map(|a| tvar(*a)).collect::<Vec<_>>().join(", ")),
                };
                let mut head = format!("data {d}");
                for p in &dt.params {
                    head.push(' ');
                    head.push_str(p.as_str());
                }
                for p in &dt.pred_params {
                    head.push_str(&format!(" <{}>", p.sig));
                }
                s.push_str(&format!("(* {} *)\n", syntax::comment_text(&head)));
                let kw = if k == 0 { "type" } else { "and" };
                s.push_str(&format!("{kw} {params}{} =\n", type_name(d.as_str())));
                for c in &dt.constructors {
                    let def = &self.program.constructors[c];
                    let (fields, _) = params_of(&def.schema.ty);
                    let tys: Vec<String> = fields.iter().map(|(_, t)| atomic_type(&Ty::erase(t))).collect();
                    let doc = syntax::comment_text(&super::spec::ctor_doc(*c, &def.schema, d, &dt.params));
                    if tys.is_empty() {
                        s.push_str(&format!("  | {c}  (* {doc} *)\n"));
                    } else {
                        s.push_str(&format!("  | {c} of {}  (* {doc} *)\n", tys.join(" * ")));
                    }
                }
            }
            out.push(s);
        }
        out.join("\n")
    }

    // ----- formulas -----

    fn tr(&self, f: &Formula, env: &FEnv) -> OExpr {
        match f.kind() {
            Kind::Bool(b) => atom(b.to_string()),
            Kind::Int(n) if *n < 0 => OExpr::Neg(Box::new(atom((-(*n as i128)).to_string()))),
            Kind::Int(n) => atom(n.to_string()),
            Kind::Var { name, .. } => {
                atom(env.vars.get(name).cloned().unwrap_or_else(|| value_name(name.as_str())))
            }
            Kind::Unary(LUnOp::Not, a) => self.not_(self.tr(a, env)),
            Kind::Unary(LUnOp::Neg, a) => OExpr::Neg(Box::new(self.tr(a, env))),
            Kind::Binary(op, l, r) => self.binary(*op, l, r, env),
            Kind::Ite(c, t, e) => {
                OExpr::If(Box::new(self.tr(c, env)), Box::new(self.tr(t, env)), Box::new(self.tr(e, env)))
            }
            Kind::Pred { name, args, .. } => {
                let args: Vec<OExpr> = args.iter().map(|a| self.tr(a, env)).collect();
                match env.preds.get(name) {
                    Some(closure) => app(closure.clone(), args),
                    None => app(self.measure_name(*name), args),
                }
            }
            Kind::Cons { name, args, .. } => {
                OExpr::Ctor(name.to_string(), args.iter().map(|a| self.tr(a, env)).collect())
            }
            Kind::SetLit { elems, .. } => {
                if elems.is_empty() {
                    atom("PSet.empty")
                } else {
                    app("PSet.of_list", vec![OExpr::List(elems.iter().map(|e| self.tr(e, env)).collect())])
                }
            }
            Kind::All { .. } | Kind::Unknown { .. } => atom("true"),
        }
    }

    fn binary(&self, op: LBinOp, l: &Formula, r: &Formula, env: &FEnv) -> OExpr {
        let (a, b) = (self.tr(l, env), self.tr(r, env));
        match op {
            LBinOp::Times => bin("*", a, b),
            LBinOp::Plus => bin("+", a, b),
            LBinOp::Minus => bin("-", a, b),
            LBinOp::Eq | LBinOp::Iff => bin("=", a, b),
            LBinOp::Neq => bin("<>", a, b),
            LBinOp::Lt => bin("<", a, b),
            LBinOp::Le => bin("<=", a, b),
            LBinOp::Gt => bin(">", a, b),
            LBinOp::Ge => bin(">=", a, b),
            LBinOp::And => bin("&&", a, b),
            LBinOp::Or => bin("||", a, b),
            LBinOp::Implies => bin("||", self.not_(a), b),
            LBinOp::Union => app("PSet.union", vec![a, b]),
            LBinOp::Intersect => app("PSet.inter", vec![a, b]),
            LBinOp::Diff => app("PSet.diff", vec![a, b]),
            LBinOp::Member => app("PSet.mem", vec![a, b]),
            LBinOp::Subset => app("PSet.subset", vec![a, b]),
        }
    }

    // ----- checks -----

    fn check_value(&self, check: &TypeCheck, t: &RType, value: &str, env: &FEnv) -> Vec<Check> {
        let mut env = env.clone();
        env.vars.insert(Symbol::intern(VALUE_VAR), value.to_string());
        let mut out = Vec::new();
        if let RType::Scalar { base: BaseType::Var(a), .. } = t
            && let Some(ok) = env.elem_ok.get(a)
        {
            out.push(Check::Assert(String::new(), app(ok.clone(), vec![atom(value)])));
        }
        for c in &check.conjuncts {
            match c {
                Conjunct::Exec(f) => out.push(Check::Assert(show(f), self.tr(f, &env))),
                Conjunct::Skipped(f, why) => out.push(Check::Skipped(show(f), why.clone())),
            }
        }
        if let (Some(dc), RType::Scalar { base: base @ BaseType::Data { args, .. }, .. }) =
            (&check.structure, t)
        {
            if let Some(call) = self.satisfies_call(value, dc, args, &env) {
                out.push(Check::Assert(
                    super::spec::doc_text(&format!("the refinements inside `{base}`")),
                    call,
                ));
            }
            let mut skipped = Vec::new();
            for (_, a) in &dc.args {
                a.skipped(&mut skipped);
            }
            for (f, why) in skipped {
                out.push(Check::Skipped(show(&f), why));
            }
            for p in &dc.preds {
                if let PredCheck::Erased(f, why) = p
                    && !f.is_true()
                {
                    let arg = super::spec::doc_text(&format!("<{{{}}}>", show(f)));
                    out.push(Check::Skipped(
                        super::spec::doc_text(&format!("the predicate argument {arg} of `{base}`")),
                        why.clone(),
                    ));
                }
            }
        }
        out
    }

    fn satisfies_call(&self, value: &str, dc: &DataCheck, targs: &[RType], env: &FEnv) -> Option<OExpr> {
        let dt = self.program.datatypes.get(&dc.datatype)?;
        let mut trivial = self.plan.intrinsic.get(&dc.datatype).copied().unwrap_or(false);
        let mut closures = Vec::new();
        for ((rt, check), _) in dc.args.iter().zip(targs) {
            let (c, t) = self.element_closure(rt, check, env);
            trivial &= t;
            closures.push(c);
        }
        for (p, pc) in dt.pred_params.iter().zip(&dc.preds) {
            let (c, t) = self.pred_closure(pc, p.sig.args.len(), env);
            trivial &= t;
            closures.push(c);
        }
        if trivial {
            return None;
        }
        closures.push(atom(value));
        Some(app(format!("satisfies_{}", type_name(dc.datatype.as_str())), closures))
    }

    fn element_closure(&self, rt: &RType, check: &TypeCheck, env: &FEnv) -> (OExpr, bool) {
        if let RType::Scalar { base: BaseType::Var(a), .. } = rt
            && check.conjuncts.is_empty()
            && let Some(ok) = env.elem_ok.get(a)
        {
            return (atom(ok.clone()), false);
        }
        let v = fresh(env);
        let conds: Vec<OExpr> = self
            .check_value(check, rt, &v, env)
            .into_iter()
            .filter_map(|c| match c {
                Check::Assert(_, e) => Some(e),
                Check::Skipped(..) => None,
            })
            .collect();
        match conds.into_iter().reduce(|a, b| bin("&&", a, b)) {
            None => (OExpr::Fun(vec!["_".to_string()], Box::new(atom("true"))), true),
            Some(body) => (OExpr::Fun(vec![v], Box::new(body)), false),
        }
    }

    fn pred_closure(&self, pc: &PredCheck, arity: usize, env: &FEnv) -> (OExpr, bool) {
        let formula = match pc {
            PredCheck::Exec(f) if !f.is_true() => f,
            _ => return (OExpr::Fun(vec!["_".to_string(); arity.max(1)], Box::new(atom("true"))), true),
        };
        if let Kind::Pred { name, args, .. } = formula.kind()
            && let Some(closure) = env.preds.get(name)
            && args.iter().enumerate().all(|(i, a)| a.var_name() == Some(crate::logic::pred_param(i)))
        {
            return (atom(closure.clone()), false);
        }
        let used = formula.free_var_names();
        let mut inner = env.clone();
        let mut params = Vec::new();
        for i in 0..arity {
            let sym = crate::logic::pred_param(i);
            if used.contains(&sym) {
                let n = format!("v{i}");
                inner.vars.insert(sym, n.clone());
                params.push(n);
            } else {
                params.push("_".to_string());
            }
        }
        (OExpr::Fun(params, Box::new(self.tr(formula, &inner))), false)
    }

    // ----- definitions -----

    fn measure(&self, m: Symbol) -> Def {
        let def = &self.program.measures[&m];
        let mut env = FEnv::default();
        let mut params = Vec::new();
        let mut arg_tys = Vec::new();
        for (c, s) in &def.const_args {
            let n = value_name(c.as_str());
            env.vars.insert(*c, n.clone());
            params.push(n);
            arg_tys.push(sort_type(s));
        }
        let Sort::Data(d, _) = &def.input else { unreachable_measure() };
        let d = *d;
        let dt = &self.program.datatypes[&d];
        arg_tys.push(sort_type(&def.input));
        let mut arms = Vec::new();
        for case in &def.cases {
            let mut cenv = env.clone();
            let names: Vec<String> = case.binders.iter().map(|b| value_name(b.as_str())).collect();
            for (b, n) in case.binders.iter().zip(&names) {
                cenv.vars.insert(*b, n.clone());
            }
            let body = self.tr(&case.body, &cenv);
            arms.push((pattern(case.constructor, &names, &body), body));
        }
        let scrut = fresh_name("t", &params);
        params.push(scrut.clone());
        let body = OExpr::Match(Box::new(atom(scrut)), arms);
        let ty = format!("{} -> {}", arg_tys.join(" -> "), sort_type(&def.output));
        let name = self.measure_name(m);
        let post = if def.postcondition.is_true() {
            String::new()
        } else {
            format!(" | {}", show(&def.postcondition))
        };
        let out = if post.is_empty() { def.output.to_string() } else { format!("{{{}{post}}}", def.output) };
        self.def(
            name,
            &dt.params,
            &ty,
            &params,
            body,
            vec![format!("Measure [{m} :: {}{} -> {out}].", super::spec::measure_consts(def), def.input)],
        )
    }

    fn def(
        &self,
        name: String,
        tvars: &[Symbol],
        ty: &str,
        params: &[String],
        body: OExpr,
        comment: Vec<String>,
    ) -> Def {
        let mut uses = BTreeSet::new();
        atoms(&body, &mut uses);
        let head = format!("{name} : {} =", poly(tvars, ty));
        let text = if params.is_empty() {
            let b = syntax::print(&body, 2);
            if !b.contains('\n') && head.len() + b.len() + 5 <= syntax::WIDTH {
                format!("{head} {b}")
            } else {
                format!("{head}\n  {b}")
            }
        } else {
            let one = format!("{head} fun {} -> {}", params.join(" "), syntax::print(&body, 2));
            if !one.contains('\n') && one.len() + 4 <= syntax::WIDTH {
                one
            } else {
                format!("{head}\n fun {} ->\n  {}", params.join(" "), syntax::print(&body, 2))
            }
        };
        Def { name, uses, text, comment }
    }

    fn satisfies(&self, d: Symbol) -> Option<Def> {
        let dt = &self.program.datatypes[&d];
        let trivial = self.plan.intrinsic.get(&d).copied().unwrap_or(true);
        if trivial && dt.params.is_empty() && dt.pred_params.is_empty() {
            return None;
        }
        let binder_names: BTreeSet<String> = dt
            .constructors
            .iter()
            .flat_map(|c| {
                params_of(&self.program.constructors[c].schema.ty)
                    .0
                    .into_iter()
                    .map(|(p, _)| value_name(p.as_str()))
            })
            .collect();
        let unique = |base: String| {
            let mut n = base;
            while binder_names.contains(&n) {
                n.push('_');
            }
            n
        };
        let mut env = FEnv::default();
        let mut params = Vec::new();
        let mut tys = Vec::new();
        for p in &dt.params {
            let n = unique(format!("{}_ok", value_name(p.as_str())));
            params.push(n.clone());
            tys.push(format!("({} -> bool)", tvar(*p)));
            env.elem_ok.insert(*p, n);
        }
        let pred_names: Vec<Symbol> = dt.pred_params.iter().map(|p| p.sig.name).collect();
        for p in &dt.pred_params {
            let n = unique(value_name(p.sig.name.as_str()));
            params.push(n.clone());
            let args: Vec<String> = p.sig.args.iter().map(sort_type).collect();
            tys.push(format!("({} -> bool)", args.join(" -> ")));
            env.preds.insert(p.sig.name, n);
        }
        let mut arms = Vec::new();
        for c in &dt.constructors {
            let def = &self.program.constructors[c];
            let (fields, _) = params_of(&def.schema.ty);
            let mut cenv = env.clone();
            let names: Vec<String> = fields.iter().map(|(p, _)| value_name(p.as_str())).collect();
            for ((p, _), n) in fields.iter().zip(&names) {
                cenv.vars.insert(*p, n.clone());
            }
            let mut conds = Vec::new();
            for ((_, t), n) in fields.iter().zip(&names) {
                let check = type_check(&self.plan.exec, t, &pred_names);
                for item in self.check_value(&check, t, n, &cenv) {
                    if let Check::Assert(_, e) = item {
                        conds.push(e);
                    }
                }
            }
            let body = conds.into_iter().reduce(|a, b| bin("&&", a, b)).unwrap_or_else(|| atom("true"));
            arms.push((pattern(*c, &names, &body), body));
        }
        let all_params: Vec<String> = params.clone();
        let scrut = fresh_name("t", &all_params);
        let mut ps = params;
        ps.push(scrut.clone());
        let dty = ocaml_type(&Ty::Data(d, dt.params.iter().map(|p| Ty::Param(*p)).collect()));
        tys.push(dty);
        let ty = format!("{} -> bool", tys.join(" -> "));
        let body = OExpr::Match(Box::new(atom(scrut)), arms);
        Some(self.def(
            format!("satisfies_{}", type_name(d.as_str())),
            &dt.params,
            &ty,
            &ps,
            body,
            vec![format!(
                "Whether a [{d}] meets the refinements of its constructors' fields, with every element passing the check given for its type parameter and the predicate parameters as given."
            )],
        ))
    }

    fn smart_constructor(&self, c: Symbol) -> Option<Def> {
        let def = &self.program.constructors[&c];
        let d = def.datatype;
        let dt = &self.program.datatypes[&d];
        let (fields, _) = params_of(&def.schema.ty);
        let names: Vec<String> = fields.iter().map(|(p, _)| value_name(p.as_str())).collect();
        let mut env = FEnv::default();
        for ((p, _), n) in fields.iter().zip(&names) {
            env.vars.insert(*p, n.clone());
        }
        let mut stmts = Vec::new();
        for ((p, t), n) in fields.iter().zip(&names) {
            let check = type_check(&self.plan.exec, t, &[]);
            for item in self.check_value(&check, t, n, &env) {
                if let Check::Assert(f, e) = item {
                    if !f.is_empty() {
                        stmts.push(Stmt::Comment(format!("[{p}]: {f}")));
                    }
                    stmts.push(Stmt::Expr(app("assert", vec![e])));
                }
            }
        }
        if stmts.is_empty() {
            return None;
        }
        let value = OExpr::Ctor(c.to_string(), names.iter().map(|n| atom(n.clone())).collect());
        let tys: Vec<String> = fields.iter().map(|(_, t)| atomic_type(&Ty::erase(t))).collect();
        let dty = ocaml_type(&Ty::Data(d, dt.params.iter().map(|p| Ty::Param(*p)).collect()));
        let ty = format!("{} -> {dty}", tys.join(" -> "));
        Some(self.def(
            format!("mk_{}", type_name(c.as_str())),
            &dt.params,
            &ty,
            &names,
            OExpr::Seq(stmts, Box::new(value)),
            vec![format!("Builds [{c}], checking the refinements of its fields.")],
        ))
    }

    fn derived(&self, name: Symbol, schema: &Schema, body: &Formula) -> Def {
        let (params, _) = params_of(&schema.ty);
        let used = body.free_var_names();
        let mut env = FEnv::default();
        let mut ps = Vec::new();
        for (p, _) in &params {
            let n = value_name(p.as_str());
            let n = if used.contains(p) { n } else { format!("_{n}") };
            env.vars.insert(*p, n.clone());
            ps.push(n);
        }
        let value = self.tr(body, &env);
        self.def(
            value_name(name.as_str()),
            &schema.type_vars,
            &ocaml_type(&Ty::erase(&schema.ty)),
            &ps,
            value,
            vec![format!("[{}]: derived from its refinement.", schema_doc(name, schema))],
        )
    }

    fn goal(&self, f: &Function) -> Result<Def, EmitError> {
        let goal =
            self.program.goals.iter().find(|g| g.name == f.name).ok_or_else(|| EmitError::new("goal"))?;
        let (schema_params, result) = params_of(&goal.schema.ty);
        let mut bg = BodyGen { g: self, f, names: Vec::new() };
        bg.names = bg.local_names();
        let body = bg.expr(&f.body)?;
        let mut env = FEnv::default();
        for (s, l) in &f.params {
            env.vars.insert(*s, bg.names[*l].clone());
        }
        let mut stmts = Vec::new();
        for ((s, _), (_, t)) in f.params.iter().zip(&schema_params) {
            let check = type_check(&self.plan.exec, t, &[]);
            let name = env.vars[s].clone();
            stmts.extend(check_stmts(
                self.check_value(&check, t, &name, &env),
                &format!("Precondition on [{s}]"),
            ));
        }
        let result_name = fresh_name("result", &bg.names);
        let check = type_check(&self.plan.exec, result, &[]);
        let post = check_stmts(self.check_value(&check, result, &result_name, &env), "Postcondition");
        let has_post = post.iter().any(|s| matches!(s, Stmt::Expr(_)));
        let body = if has_post {
            OExpr::Let {
                rec_: false,
                name: result_name.clone(),
                value: Box::new(body),
                body: Box::new(OExpr::Seq(post, Box::new(atom(result_name)))),
            }
        } else {
            let mut stmts2 = post;
            if stmts2.is_empty() { body } else { OExpr::Seq(std::mem::take(&mut stmts2), Box::new(body)) }
        };
        let body = if stmts.is_empty() { body } else { flatten_seq(stmts, body) };
        // Parameters the function does not use at all get a leading `_`.
        let mut used = BTreeSet::new();
        atoms(&body, &mut used);
        let ps: Vec<String> = f
            .params
            .iter()
            .map(|(_, l)| {
                let n = bg.names[*l].clone();
                if used.contains(&n) { n } else { format!("_{n}") }
            })
            .collect();
        let ty = ocaml_type(&Ty::erase(&goal.schema.ty));
        let mut d = self.def(
            value_name(f.name.as_str()),
            &f.type_params,
            &ty,
            &ps,
            body,
            vec![format!("Goal [{}].", schema_doc(f.name, &goal.schema))],
        );
        d.uses.retain(|u| !bg.names.contains(u) || self.globals.contains(u));
        Ok(d)
    }
}

fn unreachable_measure() -> ! {
    panic!("resolution guarantees measures are on datatypes")
}

fn flatten_seq(mut stmts: Vec<Stmt>, body: OExpr) -> OExpr {
    match body {
        OExpr::Seq(more, last) => {
            stmts.extend(more);
            OExpr::Seq(stmts, last)
        }
        b => OExpr::Seq(stmts, Box::new(b)),
    }
}

fn check_stmts(items: Vec<Check>, what: &str) -> Vec<Stmt> {
    let mut out = Vec::new();
    for i in items {
        match i {
            Check::Assert(f, e) => {
                if !f.is_empty() {
                    out.push(Stmt::Comment(format!("{what}: {f}")));
                }
                out.push(Stmt::Expr(app("assert", vec![e])));
            }
            Check::Skipped(f, why) => out.push(Stmt::Comment(format!("{what} not checked ({why}): {f}"))),
        }
    }
    out
}

fn fresh(env: &FEnv) -> String {
    let taken: Vec<String> =
        env.vars.values().chain(env.elem_ok.values()).chain(env.preds.values()).cloned().collect();
    fresh_name("v", &taken)
}

fn fresh_name(base: &str, taken: &[String]) -> String {
    let mut n = base.to_string();
    while taken.contains(&n) {
        n.push('_');
    }
    n
}

/// `C (x, _, r)` with unused binders as `_`.
fn pattern(c: Symbol, names: &[String], body: &OExpr) -> String {
    let mut used = BTreeSet::new();
    atoms(body, &mut used);
    let bs: Vec<String> =
        names.iter().map(|n| if used.contains(n) { n.clone() } else { "_".to_string() }).collect();
    match bs.as_slice() {
        [] => c.to_string(),
        [b] => format!("{c} {b}"),
        _ if bs.iter().all(|b| b == "_") => format!("{c} _"),
        _ => format!("{c} ({})", bs.join(", ")),
    }
}

/// Goal bodies in OCaml.
struct BodyGen<'a, 'p> {
    g: &'a Gen<'p>,
    f: &'a Function,
    names: Vec<String>,
}

impl BodyGen<'_, '_> {
    fn local_names(&self) -> Vec<String> {
        let used: BTreeSet<LocalId> = self.f.body.locals_used().into_iter().collect();
        let mut binders = BTreeSet::new();
        self.f.body.visit(&mut |e| {
            if let ExprKind::Match { cases, .. } = &e.kind {
                for c in cases {
                    binders.extend(c.binders.iter().flatten().copied());
                }
            }
        });
        let params: BTreeSet<LocalId> = self.f.params.iter().map(|(_, l)| *l).collect();
        let mut taken: BTreeSet<String> = self.g.globals.clone();
        taken.insert("result".to_string());
        let mut out = Vec::new();
        for (i, l) in self.f.locals.iter().enumerate() {
            let base = value_name(&l.name);
            if !used.contains(&i) && binders.contains(&i) {
                out.push("_".to_string());
                continue;
            }
            // Parameters stay named (contracts may use them); others get `_` if unused.
            let base = if used.contains(&i) || params.contains(&i) { base } else { format!("_{base}") };
            let mut name = base.clone();
            while taken.contains(&name) {
                name.push('_');
            }
            taken.insert(name.clone());
            out.push(name);
        }
        out
    }

    fn expr(&self, e: &IExpr) -> Result<OExpr, EmitError> {
        Ok(match &e.kind {
            ExprKind::Local(l) => atom(self.names[*l].clone()),
            ExprKind::Int(n) if *n < 0 => OExpr::Neg(Box::new(atom((-(*n as i128)).to_string()))),
            ExprKind::Int(n) => atom(n.to_string()),
            ExprKind::Bool(b) => atom(b.to_string()),
            ExprKind::Global { name, .. } => atom(self.global(*name)),
            ExprKind::Call { callee, args } => {
                let xs: Vec<OExpr> = args.iter().map(|a| self.expr(a)).collect::<Result<_, _>>()?;
                match callee {
                    Callee::Global { name, .. } => app(self.global(*name), xs),
                    Callee::Local(l) => app(self.names[*l].clone(), xs),
                    Callee::Ctor { name, .. } => {
                        if self.g.smart.contains(name) {
                            app(format!("mk_{}", type_name(name.as_str())), xs)
                        } else {
                            OExpr::Ctor(name.to_string(), xs)
                        }
                    }
                }
            }
            ExprKind::Unary(op, a) => {
                let a = self.expr(a)?;
                match op {
                    UnOp::Not => self.g.not_(a),
                    UnOp::Neg => OExpr::Neg(Box::new(a)),
                }
            }
            ExprKind::Binary(op, a, b) => {
                let (x, y) = (self.expr(a)?, self.expr(b)?);
                let s = match op {
                    BinOp::Plus => "+",
                    BinOp::Minus => "-",
                    BinOp::Times => "*",
                    BinOp::Eq | BinOp::Iff => "=",
                    BinOp::Neq => "<>",
                    BinOp::Lt => "<",
                    BinOp::Le => "<=",
                    BinOp::Gt => ">",
                    BinOp::Ge => ">=",
                    BinOp::And => "&&",
                    BinOp::Or => "||",
                    BinOp::Implies => return Ok(bin("||", self.g.not_(x), y)),
                    BinOp::In => return Err(EmitError::new("`in` in a program")),
                };
                bin(s, x, y)
            }
            ExprKind::Lambda { params, body } => OExpr::Fun(
                params.iter().map(|p| self.names[*p].clone()).collect(),
                Box::new(self.expr(body)?),
            ),
            ExprKind::Let { local, value, body, recursive } => OExpr::Let {
                rec_: *recursive,
                name: self.names[*local].clone(),
                value: Box::new(self.expr(value)?),
                body: Box::new(self.expr(body)?),
            },
            ExprKind::If { cond, then_branch, else_branch } => OExpr::If(
                Box::new(self.expr(cond)?),
                Box::new(self.expr(then_branch)?),
                Box::new(self.expr(else_branch)?),
            ),
            ExprKind::Match { scrutinee, cases, exhaustive, .. } => {
                let mut arms = Vec::new();
                for c in cases {
                    let names: Vec<String> = c
                        .binders
                        .iter()
                        .map(|b| b.map_or("_".to_string(), |l| self.names[l].clone()))
                        .collect();
                    let pat = match names.as_slice() {
                        [] => c.ctor.to_string(),
                        [b] => format!("{} {b}", c.ctor),
                        _ if names.iter().all(|n| n == "_") => format!("{} _", c.ctor),
                        _ => format!("{} ({})", c.ctor, names.join(", ")),
                    };
                    arms.push((pat, self.expr(&c.body)?));
                }
                if !exhaustive {
                    arms.push(("_".to_string(), atom("assert false")));
                }
                OExpr::Match(Box::new(self.expr(scrutinee)?), arms)
            }
            ExprKind::Unreachable => atom("assert false"),
        })
    }

    fn global(&self, name: Symbol) -> String {
        match self.g.plan.component_plan(name) {
            Some(ComponentPlan::Abstract { .. }) => format!("C.{}", value_name(name.as_str())),
            _ => value_name(name.as_str()),
        }
    }
}
