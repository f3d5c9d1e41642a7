//! Property tests of emitted code: a program that calls every goal on random inputs
//! meeting its preconditions, with the emitted contracts checking the results.
//!
//! The harness is a second source file next to the emitted one (`spec.rs` / `spec.ml`):
//! a deterministic random generator (no external crates or libraries), a generator for
//! every datatype that builds values **by construction** (constructor by constructor,
//! each field drawn so that it meets its refinement given the fields before it, with
//! a bounded number of tries and a depth bound), goal arguments drawn in order with
//! their refinements (later arguments may depend on earlier ones), and for the
//! components the specification leaves open, an implementation taken from a *model*
//! program. Type variables are instantiated with integers (which is how the logic
//! treats them); function arguments are constant functions.
//!
//! The harness exits normally when every sample passed its contracts and prints one
//! line per goal (`goal insert: 120 of 120 samples ran`); a contract violation panics
//! (Rust) or raises `Assert_failure` (OCaml), so the process fails.

use std::collections::BTreeSet;

use super::plan::Plan;
use super::spec::{Conjunct, mentions_value, type_check};
use super::ty::Ty;
use super::{EmitError, Target};
use crate::logic::{BinOp, Formula, Kind, Symbol, VALUE_VAR};
use crate::resolve::Program;
use crate::types::{BaseType, RType};

#[derive(Clone, Debug)]
pub struct HarnessOptions {
    /// Samples per goal.
    pub samples: u32,
    pub seed: u64,
    /// Datatype values are at most this deep; samples cycle through depths 0..=max.
    pub max_depth: u32,
}

impl Default for HarnessOptions {
    fn default() -> Self {
        HarnessOptions { samples: 100, seed: 0x5eed_2016, max_depth: 5 }
    }
}

/// A generated harness and what it covers.
#[derive(Clone, Debug)]
pub struct Harness {
    pub text: String,
    /// Goals the harness calls.
    pub tested: Vec<Symbol>,
    /// Goals it cannot call, with the reason.
    pub untested: Vec<(Symbol, String)>,
}

/// Emits the harness for `program` (whose emitted code the harness imports as `spec`).
/// `models` is the same program with bodies for (some of) the components it leaves
/// abstract; goals needing an abstract component without a model are not tested.
pub fn emit_harness(
    program: &Program,
    models: Option<&Program>,
    target: Target,
    options: &HarnessOptions,
) -> Result<Harness, EmitError> {
    let plan = Plan::new(program)?;
    let model_plan = match models {
        Some(m) => Some(Plan::new(m)?),
        None => None,
    };
    let abstract_names: BTreeSet<Symbol> = plan.abstract_components().map(|c| c.name).collect();
    // The model goals (not goals of the program itself) that need nothing abstract.
    let model_goals: BTreeSet<Symbol> = match &model_plan {
        Some(mp) => mp
            .functions
            .iter()
            .map(|f| f.name)
            .filter(|n| !plan.is_goal(*n) && !mp.needs_components.contains(n))
            .collect(),
        None => BTreeSet::new(),
    };
    let models = Models { plan: model_plan.as_ref(), goals: &model_goals, abstract_names: &abstract_names };
    match target {
        Target::Rust => super::rust::harness::emit(&plan, &models, options),
        Target::OCaml => super::ocaml::harness::emit(&plan, &models, options),
    }
}

/// Implementations of abstract components for the harness.
pub(crate) struct Models<'a> {
    /// The program with model goals added.
    pub plan: Option<&'a Plan<'a>>,
    /// The goals of `plan` that implement components (and what they call).
    pub goals: &'a BTreeSet<Symbol>,
    /// The abstract components of the program under test.
    pub abstract_names: &'a BTreeSet<Symbol>,
}

impl Models<'_> {
    /// The abstract components that have a model.
    pub fn modelled(&self) -> BTreeSet<Symbol> {
        self.abstract_names.intersection(self.goals).copied().collect()
    }
}

/// Goals that call an abstract component (directly or through other goals) that has
/// no model, with the component's name.
pub(crate) fn missing_models(plan: &Plan<'_>, modelled: &BTreeSet<Symbol>) -> Vec<(Symbol, Symbol)> {
    let abstract_names: Vec<Symbol> =
        plan.abstract_components().map(|c| c.name).filter(|n| !modelled.contains(n)).collect();
    let mut out: Vec<(Symbol, Symbol)> = Vec::new();
    loop {
        let before = out.len();
        for f in &plan.functions {
            if out.iter().any(|(g, _)| *g == f.name) {
                continue;
            }
            for g in f.body.globals() {
                if abstract_names.contains(&g) {
                    out.push((f.name, g));
                    break;
                }
                if let Some((_, c)) = out.iter().find(|(x, _)| *x == g) {
                    out.push((f.name, *c));
                    break;
                }
            }
        }
        if out.len() == before {
            return out;
        }
    }
}

/// The value a refinement `_v == e` (or `e == _v`) fixes, if that is what it says.
pub(crate) fn solved(f: &Formula) -> Option<Formula> {
    let is_v = |g: &Formula| g.var_name().is_some_and(|n| n.as_str() == VALUE_VAR);
    match f.kind() {
        Kind::Binary(BinOp::Eq, l, r) if is_v(l) && !mentions_value(r) => Some(r.clone()),
        Kind::Binary(BinOp::Eq, l, r) if is_v(r) && !mentions_value(l) => Some(l.clone()),
        _ => None,
    }
}

/// The unrefined type of a goal's result, for drawing values of it.
pub(crate) fn result_base(t: &Ty) -> BaseType {
    match t {
        Ty::Int => BaseType::Int,
        Ty::Bool => BaseType::Bool,
        Ty::Param(a) => BaseType::Var(*a),
        Ty::Data(d, args) => BaseType::Data {
            name: *d,
            args: args.iter().map(|a| RType::plain(result_base(a))).collect(),
            preds: Vec::new(),
        },
        Ty::Fun(..) | Ty::Meta(_) => BaseType::Int,
    }
}

/// Whether a function type's refinements are all non-executable or true (a constant
/// function then meets them).
pub(crate) fn unrefined(plan: &Plan<'_>, t: &RType) -> bool {
    match t {
        RType::Function { arg, result, .. } => unrefined(plan, arg) && unrefined(plan, result),
        RType::Scalar { .. } => {
            let check = type_check(&plan.exec, t, &[]);
            check.conjuncts.iter().all(|c| matches!(c, Conjunct::Skipped(..)))
                && check.is_trivial(&plan.intrinsic)
        }
    }
}
