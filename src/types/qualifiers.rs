//! Where the qualifiers of liquid unknowns come from (synthesis-algorithm.md (c)).
//!
//! For a goal, [`QualifierGenerators`] collects *templates* once: the atoms of the goal's
//! specification, the atoms of the argument refinements of the components it may use,
//! the predicate arguments of datatypes in the specification (last parameter read as
//! `_v`), the `qualifier` declarations, and — for branch conditions — the bodies `φ` of
//! Boolean components `{Bool | _v == φ}`. When the checker creates an unknown it asks for
//! a space, and the templates are instantiated over the scalar variables then in scope:
//!
//! ```text
//! leq :: x: a -> y: a -> {Bool | _v == (x <= y)}     gives the condition template x <= y
//! in scope x: a, x7: a                                gives x <= x7 and x7 <= x
//! ```

use crate::logic::qualifier::{atoms, condition_qualifiers, is_data_equality, type_qualifiers};
use crate::logic::{BinOp, Formula, Kind, QualifierSpace, Sort, Substitution, Symbol};
use crate::resolve::{GoalDef, Program};
use crate::types::{BaseType, Env, RType};

/// The qualifier templates of one goal.
#[derive(Debug, Default)]
pub struct QualifierGenerators {
    /// Templates mentioning `_v`, for refinements of instantiated type variables.
    pub type_templates: Vec<Formula>,
    /// Templates offered to holes besides `type_templates`: the atoms of what the
    /// components return. A hole's refinement describes what its filling must provide,
    /// and fillings are made of components (`inc (?? y)` against `_v == y + 2` needs
    /// `_v == x + 1`, which is `inc`'s result).
    pub hole_templates: Vec<Formula>,
    /// Templates for branch conditions.
    pub condition_templates: Vec<Formula>,
    /// Integer constants offered as actuals besides variables (`zero :: {Int | _v == 0}`).
    pub constants: Vec<Formula>,
    /// Type spaces computed before.
    memo: SpaceMemo,
}

/// The type spaces computed so far, by value and actuals. A search asks for the same
/// space over and over (every candidate checked in a scope makes its unknowns there:
/// 93–99% of the requests on the suite's problems repeat one), and instantiating the
/// templates is a good part of a candidate's cost. The templates never change after
/// [`QualifierGenerators::for_goal`].
#[derive(Debug, Default)]
struct SpaceMemo(std::sync::Mutex<rustc_hash::FxHashMap<(Formula, Vec<Formula>), QualifierSpace>>);

/// How many spaces the memo keeps; a full memo starts over.
const MEMO_CAPACITY: usize = 4096;

impl SpaceMemo {
    fn get_or(
        &self,
        key: (Formula, Vec<Formula>),
        compute: impl FnOnce() -> QualifierSpace,
    ) -> QualifierSpace {
        // The memo holds plain values: a panic elsewhere cannot leave it inconsistent.
        let lock = || self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(space) = lock().get(&key) {
            return space.clone();
        }
        let space = compute();
        let mut memo = lock();
        if memo.len() >= MEMO_CAPACITY {
            memo.clear();
        }
        memo.insert(key, space.clone());
        space
    }
}

impl QualifierGenerators {
    pub fn for_goal(program: &Program, goal: &GoalDef) -> QualifierGenerators {
        let mut gens = QualifierGenerators::default();
        // The goal's specification: every refinement, in positive and negative positions.
        let mut spec = Vec::new();
        refinements(&goal.schema.ty, true, &mut spec);
        for phi in &spec {
            gens.type_templates.extend(templates_of(phi));
        }
        for q in &program.qualifiers {
            if mentions_value(q) {
                gens.type_templates.push(q.clone());
            } else {
                gens.condition_templates.push(q.clone());
            }
        }
        for component in program.components_for(goal) {
            // Argument refinements of components (negative positions).
            let mut args = Vec::new();
            refinements(&component.schema.ty, false, &mut args);
            for phi in &args {
                gens.type_templates.extend(templates_of(phi));
            }
            let mut results = Vec::new();
            refinements(component.schema.ty.result(), true, &mut results);
            for phi in &results {
                gens.hole_templates.extend(templates_of(phi));
            }
            if let Some(phi) = boolean_body(component.schema.ty.result()) {
                gens.condition_templates.push(phi);
            }
            if let RType::Scalar { base: BaseType::Int, refinement } = &component.schema.ty
                && let Some(c) = constant_value(refinement)
            {
                gens.constants.push(c);
            }
        }
        // Constructors are symbols of every goal's environment: their argument
        // refinements (`l: BST {a | _v < x}`) are templates too.
        for ctor in program.constructors.values() {
            let mut args = Vec::new();
            refinements(&ctor.schema.ty, false, &mut args);
            for phi in &args {
                gens.type_templates.extend(templates_of(phi));
            }
        }
        // Goal arguments of the form `{Bool | _v == φ}` offer φ as a condition too.
        let mut t = &goal.schema.ty;
        while let RType::Function { arg, result, .. } = t {
            if let Some(phi) = boolean_body(arg) {
                gens.condition_templates.push(phi);
            }
            t = result;
        }
        dedup(&mut gens.type_templates);
        dedup(&mut gens.hole_templates);
        let types: std::collections::BTreeSet<&Formula> = gens.type_templates.iter().collect();
        gens.hole_templates.retain(|t| !types.contains(t));
        dedup(&mut gens.condition_templates);
        dedup(&mut gens.constants);
        gens
    }

    /// The space of a refinement unknown whose value variable is `value` (a `_v` of the
    /// refined sort), over the scalars of `env`.
    pub fn type_space(&self, env: &Env, value: &Formula) -> QualifierSpace {
        let actuals = env.scalar_vars();
        self.memo.get_or((value.clone(), actuals.clone()), || {
            QualifierSpace::new(self.type_templates.iter().flat_map(|t| type_qualifiers(t, value, &actuals)))
        })
    }

    /// The space of a hole's refinement unknown: [`Self::type_space`] and the
    /// components' result templates; a Boolean hole (a condition) may also be any
    /// condition qualifier `φ`, as `_v <==> φ`.
    pub fn hole_space(&self, env: &Env, value: &Formula) -> QualifierSpace {
        let actuals = env.scalar_vars();
        let templates = self.type_templates.iter().chain(&self.hole_templates);
        let mut qualifiers: Vec<Formula> =
            templates.flat_map(|t| type_qualifiers(t, value, &actuals)).collect();
        if value.sort() == Sort::Bool {
            let conditions = self.condition_space(env).qualifiers;
            qualifiers.extend(conditions.into_iter().map(|phi| Formula::iff(value.clone(), phi)));
        }
        QualifierSpace::new(qualifiers)
    }

    /// The space of a branch-condition unknown over the scalars of `env` and the
    /// constants. Equalities between datatype values are left out.
    pub fn condition_space(&self, env: &Env) -> QualifierSpace {
        let mut actuals = env.scalar_vars();
        actuals.extend(self.constants.iter().cloned());
        let qualifiers = self
            .condition_templates
            .iter()
            .flat_map(|t| condition_qualifiers(t, &actuals))
            .filter(|q| !is_data_equality(q));
        QualifierSpace::new(qualifiers)
    }

    /// Match qualifiers: `x == C` for every nullary constructor `C` of the datatype of
    /// each potential scrutinee `x`; at most one per valuation.
    pub fn match_space(program: &Program, scrutinees: &[Formula]) -> QualifierSpace {
        let mut qualifiers = Vec::new();
        for x in scrutinees {
            let sort = x.sort();
            let Sort::Data(name, _) = &sort else { continue };
            let Some(dt) = program.datatypes.get(name) else { continue };
            for c in &dt.constructors {
                if program.constructors.get(c).is_some_and(|def| def.arg_sorts.is_empty()) {
                    qualifiers.push(Formula::eq(x.clone(), Formula::cons(*c, sort.clone(), Vec::new())));
                }
            }
        }
        QualifierSpace::with_max_count(qualifiers, 1)
    }
}

/// Collects the refinements of a type: with `all`, every one; otherwise only those of
/// argument positions. Predicate arguments of datatypes contribute their formula with
/// the last parameter read as `_v`.
fn refinements(ty: &RType, all: bool, out: &mut Vec<Formula>) {
    match ty {
        RType::Function { arg, result, .. } => {
            refinements(arg, true, out);
            refinements(result, all, out);
        }
        RType::Scalar { base, refinement } => {
            if all {
                out.push(refinement.clone());
            }
            if let BaseType::Data { args, preds, .. } = base {
                for a in args {
                    refinements(a, all, out);
                }
                if all {
                    // Predicate arguments are kept whole as well as split into atoms: a
                    // negation such as `!(_0 in elems _1)` is itself the qualifier needed.
                    for p in preds {
                        let p = last_param_as_value(p);
                        out.extend(p.conjuncts());
                        out.push(p);
                    }
                }
            }
        }
    }
}

/// `φ(_0, .., _k)` with `_k` renamed to `_v`, so that a predicate argument such as
/// `_0 <= _1` yields the type template `_0 <= _v`.
fn last_param_as_value(phi: &Formula) -> Formula {
    let params: Vec<(Symbol, Sort)> = phi
        .free_vars()
        .into_iter()
        .filter(|v| v.name.as_str().starts_with('_') && v.name.as_str()[1..].parse::<usize>().is_ok())
        .map(|v| (v.name, v.sort))
        .collect();
    let Some((last, sort)) = params.iter().max_by_key(|(n, _)| n.as_str()[1..].parse::<usize>().unwrap_or(0))
    else {
        return phi.clone();
    };
    phi.substitute(&Substitution::single(*last, Formula::value_var(sort.clone())))
}

/// The templates a refinement offers: its atoms, and its negated conjuncts whole
/// (`!isPriv _v` is itself the qualifier a valuation may need, not just `isPriv _v`).
fn templates_of(phi: &Formula) -> Vec<Formula> {
    let mut out = atoms(phi);
    out.extend(phi.conjuncts().into_iter().filter(is_negation));
    out
}

fn is_negation(f: &Formula) -> bool {
    matches!(f.kind(), Kind::Unary(crate::logic::UnOp::Not, _))
}

fn mentions_value(f: &Formula) -> bool {
    f.free_var_names().iter().any(|n| n.as_str() == "_v")
}

/// `{Bool | _v == φ}` (or `φ == _v`, or `_v <==> φ`): φ.
fn boolean_body(ty: &RType) -> Option<Formula> {
    let RType::Scalar { base: BaseType::Bool, refinement } = ty else { return None };
    let Kind::Binary(BinOp::Eq | BinOp::Iff, l, r) = refinement.kind() else { return None };
    let is_value = |f: &Formula| matches!(f.kind(), Kind::Var { name, .. } if name.as_str() == "_v");
    match (is_value(l), is_value(r)) {
        (true, false) if !mentions_value(r) => Some(r.clone()),
        (false, true) if !mentions_value(l) => Some(l.clone()),
        _ => None,
    }
}

/// `_v == n` for a literal n: the constant n.
fn constant_value(refinement: &Formula) -> Option<Formula> {
    let Kind::Binary(BinOp::Eq, l, r) = refinement.kind() else { return None };
    match (l.kind(), r.kind()) {
        (Kind::Var { name, .. }, Kind::Int(_)) if name.as_str() == "_v" => Some(r.clone()),
        (Kind::Int(_), Kind::Var { name, .. }) if name.as_str() == "_v" => Some(l.clone()),
        _ => None,
    }
}

fn dedup(items: &mut Vec<Formula>) {
    let mut seen = std::collections::BTreeSet::new();
    items.retain(|f| !f.is_true() && seen.insert(f.clone()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::resolve;
    use crate::syntax::parse;

    const REPLICATE: &str = "data List a where\n  Nil :: List a\n  Cons :: x: a -> xs: List a -> List a\n\
        termination measure len :: List a -> {Int | _v >= 0} where\n  Nil -> 0\n  Cons x xs -> 1 + len xs\n\
        type Nat = {Int | _v >= 0}\n\
        zero :: {Int | _v == 0}\ninc :: x: Int -> {Int | _v == x + 1}\ndec :: x: Int -> {Int | _v == x - 1}\n\
        leq :: x: Int -> y: Int -> {Bool | _v == (x <= y)}\nneq :: x: Int -> y: Int -> {Bool | _v == (x != y)}\n\
        replicate :: n: Nat -> x: a -> {List a | len _v == n}\nreplicate = ??\n";

    #[test]
    fn replicate_gets_synquids_condition_qualifiers() {
        let parsed = parse(REPLICATE);
        let resolved = resolve(&parsed.module);
        assert!(resolved.errors.is_empty(), "{:#?}", resolved.errors);
        let program = resolved.program;
        let goal = &program.goals[0];
        let gens = QualifierGenerators::for_goal(&program, goal);
        let conds: Vec<String> = gens.condition_templates.iter().map(|f| f.to_string()).collect();
        assert_eq!(conds, ["x <= y", "x != y"], "in component order");
        assert_eq!(gens.constants, [Formula::int(0)]);
        // In the body of replicate: n: Nat, x: a. Conditions over n and the constant 0:
        let env = Env::new()
            .bind(Symbol::from("n"), RType::scalar(BaseType::Int, Formula::tt()))
            .bind(Symbol::from("x"), RType::plain(BaseType::Var(Symbol::from("a"))));
        let space: Vec<String> =
            gens.condition_space(&env).qualifiers.iter().map(|f| f.to_string()).collect();
        assert!(space.contains(&"n <= 0".to_owned()), "{space:?}");
        assert!(space.contains(&"0 <= n".to_owned()), "{space:?}");
        assert!(space.contains(&"n != 0".to_owned()), "{space:?}");
        assert!(!space.iter().any(|q| q.contains('x')), "x: a cannot compare with Int: {space:?}");
        // Type qualifiers for a refinement of an Int value:
        let types: Vec<String> = gens
            .type_space(&env, &Formula::value_var(Sort::Int))
            .qualifiers
            .iter()
            .map(|f| f.to_string())
            .collect();
        // Result refinements of components are positive positions and give no templates.
        assert_eq!(types, ["_v >= 0"]);
        let list = Sort::data("List", [Sort::var("a")]);
        let types: Vec<String> = gens
            .type_space(&env, &Formula::value_var(list))
            .qualifiers
            .iter()
            .map(|f| f.to_string())
            .collect();
        assert_eq!(types, ["len _v == n"]);
    }
}
