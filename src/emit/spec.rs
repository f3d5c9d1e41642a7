//! What the specification means at run time: executable formulas, components whose
//! refinement determines them, and the checks a refinement type asks of a value.
//!
//! A formula is **executable** when it is built from literals, variables, arithmetic,
//! comparisons, connectives, `if`, set operations and literals, constructor terms, and
//! applications of measures whose own cases are executable. Quantifiers, liquid
//! unknowns, uninterpreted `predicate`s and abstract refinements (predicate
//! parameters of a schema) are not; contracts skip them and say so.
//!
//! A refinement type `{B | φ}` is checked on a value by its executable conjuncts and,
//! when `B` is a datatype `D T1 .. Tn <ψ1 .. ψk>`, by a walk over the value
//! ([`TypeCheck::structure`]): every constructor's field refinements hold, every
//! element at a type parameter `ai` passes the check of `Ti`, and the predicate
//! parameters are the formulas `ψj` (erased, that is always true, where abstract).

use std::collections::{BTreeMap, BTreeSet};

use crate::logic::{BinOp, Formula, Kind, Sort, Symbol, VALUE_VAR};
use crate::resolve::{Component, Program};
use crate::types::{BaseType, RType};

/// Which names in formulas can be evaluated.
#[derive(Clone, Debug)]
pub struct Executable {
    /// Measures whose cases are executable.
    pub measures: BTreeSet<Symbol>,
    /// Uninterpreted functions (`predicate` declarations).
    pub predicates: BTreeSet<Symbol>,
}

impl Executable {
    pub fn of(program: &Program) -> Executable {
        let mut ok: BTreeSet<Symbol> = program.measures.keys().copied().collect();
        let predicates: BTreeSet<Symbol> = program.predicates.keys().copied().collect();
        // A measure is executable if every case only uses executable measures.
        loop {
            let before = ok.len();
            let snapshot = ok.clone();
            ok.retain(|m| {
                program.measures[m].cases.iter().all(|c| {
                    let this = Executable { measures: snapshot.clone(), predicates: predicates.clone() };
                    this.why_not(&c.body, &[]).is_none()
                })
            });
            if ok.len() == before {
                break;
            }
        }
        Executable { measures: ok, predicates }
    }

    /// `None` when `f` is executable with the given predicate names callable; else the
    /// reason it is not.
    pub fn why_not(&self, f: &Formula, callable: &[Symbol]) -> Option<String> {
        let mut reason = None;
        f.visit(&mut |g| {
            if reason.is_some() {
                return;
            }
            match g.kind() {
                Kind::All { .. } => reason = Some("a quantifier is not executable".to_string()),
                Kind::Unknown { .. } => reason = Some("a liquid unknown is not executable".to_string()),
                Kind::Pred { name, .. } if !self.measures.contains(name) && !callable.contains(name) => {
                    reason = Some(if self.predicates.contains(name) {
                        format!("`{name}` is an uninterpreted predicate")
                    } else {
                        format!("`{name}` is an abstract refinement")
                    });
                }
                _ => {}
            }
        });
        reason
    }
}

/// One conjunct of a refinement, as the contract will treat it.
#[derive(Clone, Debug)]
pub enum Conjunct {
    Exec(Formula),
    /// Not executable: kept as a comment, with the reason.
    Skipped(Formula, String),
}

impl Conjunct {
    pub fn split(exec: &Executable, refinement: &Formula, callable: &[Symbol]) -> Vec<Conjunct> {
        refinement
            .conjuncts()
            .into_iter()
            .map(|c| match exec.why_not(&c, callable) {
                None => Conjunct::Exec(c),
                Some(reason) => Conjunct::Skipped(c, reason),
            })
            .collect()
    }
}

/// The checks a refinement type asks of a value (`_v` in the formulas).
#[derive(Clone, Debug)]
pub struct TypeCheck {
    pub conjuncts: Vec<Conjunct>,
    pub structure: Option<DataCheck>,
}

/// The walk over a datatype value.
#[derive(Clone, Debug)]
pub struct DataCheck {
    pub datatype: Symbol,
    /// The element type at each of the datatype's parameters (erased) and its check.
    pub args: Vec<(RType, TypeCheck)>,
    /// One per predicate parameter: a formula over `_0 .. _k`, or erased.
    pub preds: Vec<PredCheck>,
}

#[derive(Clone, Debug)]
pub enum PredCheck {
    Exec(Formula),
    /// Always true at run time, with the reason.
    Erased(Formula, String),
}

impl PredCheck {
    pub fn is_trivial(&self) -> bool {
        match self {
            PredCheck::Exec(f) => f.is_true(),
            PredCheck::Erased(..) => true,
        }
    }
}

impl TypeCheck {
    /// Whether the check can never fail (nothing to emit).
    pub fn is_trivial(&self, intrinsic: &BTreeMap<Symbol, bool>) -> bool {
        self.conjuncts.iter().all(|c| matches!(c, Conjunct::Skipped(..)))
            && self.structure.as_ref().is_none_or(|d| d.is_trivial(intrinsic))
    }

    /// The skipped conjuncts anywhere in the check, and erased predicates, for comments.
    pub fn skipped(&self, out: &mut Vec<(Formula, String)>) {
        for c in &self.conjuncts {
            if let Conjunct::Skipped(f, why) = c {
                out.push((f.clone(), why.clone()));
            }
        }
        if let Some(d) = &self.structure {
            for (_, a) in &d.args {
                a.skipped(out);
            }
            for p in &d.preds {
                if let PredCheck::Erased(f, why) = p
                    && !f.is_true()
                {
                    out.push((f.clone(), why.clone()));
                }
            }
        }
    }
}

impl DataCheck {
    pub fn is_trivial(&self, intrinsic: &BTreeMap<Symbol, bool>) -> bool {
        intrinsic.get(&self.datatype).copied().unwrap_or(false)
            && self.args.iter().all(|(_, a)| a.is_trivial(intrinsic))
            && self.preds.iter().all(PredCheck::is_trivial)
    }
}

/// Builds the check of a refinement type. `callable` names the predicates that are
/// closures in scope (inside a datatype walk: the datatype's predicate parameters).
pub fn type_check(exec: &Executable, t: &RType, callable: &[Symbol]) -> TypeCheck {
    match t {
        RType::Function { .. } => TypeCheck { conjuncts: Vec::new(), structure: None },
        RType::Scalar { base, refinement } => {
            let conjuncts = Conjunct::split(exec, refinement, callable);
            let structure = match base {
                BaseType::Data { name, args, preds } => Some(DataCheck {
                    datatype: *name,
                    args: args.iter().map(|a| (a.clone(), type_check(exec, a, callable))).collect(),
                    preds: preds
                        .iter()
                        .map(|p| match exec.why_not(p, callable) {
                            None => PredCheck::Exec(p.clone()),
                            Some(why) => PredCheck::Erased(p.clone(), why),
                        })
                        .collect(),
                }),
                _ => None,
            };
            TypeCheck { conjuncts, structure }
        }
    }
}

/// For every datatype: whether its walk is trivially true when every element check and
/// predicate is (no executable refinement on any constructor field, at any depth).
pub fn intrinsic_triviality(program: &Program, exec: &Executable) -> BTreeMap<Symbol, bool> {
    let mut trivial: BTreeMap<Symbol, bool> = program.datatypes.keys().map(|d| (*d, true)).collect();
    loop {
        let mut changed = false;
        for (d, dt) in &program.datatypes {
            if !trivial[d] {
                continue;
            }
            let preds: Vec<Symbol> = dt.pred_params.iter().map(|p| p.sig.name).collect();
            let nontrivial = dt.constructors.iter().any(|c| {
                let Some(def) = program.constructors.get(c) else { return false };
                let mut t = &def.schema.ty;
                let mut any = false;
                while let RType::Function { arg, result, .. } = t {
                    any |= !trivial_modulo(&type_check(exec, arg, &preds), &preds, &trivial);
                    t = result;
                }
                any
            });
            if nontrivial {
                trivial.insert(*d, false);
                changed = true;
            }
        }
        if !changed {
            return trivial;
        }
    }
}

/// Whether a check is trivially true when the predicates `preds` are.
fn trivial_modulo(check: &TypeCheck, preds: &[Symbol], trivial: &BTreeMap<Symbol, bool>) -> bool {
    let conjuncts_ok = check.conjuncts.iter().all(|c| match c {
        Conjunct::Exec(f) => only_pred_apps(f, preds),
        Conjunct::Skipped(..) => true,
    });
    conjuncts_ok
        && check.structure.as_ref().is_none_or(|s| {
            trivial.get(&s.datatype).copied().unwrap_or(true)
                && s.args.iter().all(|(_, a)| trivial_modulo(a, preds, trivial))
                && s.preds.iter().all(|p| match p {
                    PredCheck::Exec(f) => f.is_true() || only_pred_apps(f, preds),
                    PredCheck::Erased(..) => true,
                })
        })
}

/// Whether a formula is a conjunction of applications of the given predicates (so it
/// is true when they are).
fn only_pred_apps(f: &Formula, preds: &[Symbol]) -> bool {
    f.conjuncts().iter().all(|c| matches!(c.kind(), Kind::Pred { name, .. } if preds.contains(name)))
}

/// How a component (a signature without a body) becomes code.
#[derive(Clone, Debug)]
pub enum ComponentPlan {
    /// The refinement of the result says `_v == body`: `body` over the parameters is
    /// the implementation. `rest` are the other conjuncts (checked as postconditions).
    Derived { body: Formula, rest: Vec<Formula> },
    /// Not determined by its refinement: the caller supplies it.
    Abstract { why: String },
}

/// Decides whether a component's refinement determines it.
pub fn plan_component(exec: &Executable, c: &Component) -> ComponentPlan {
    let mut t = &c.schema.ty;
    while let RType::Function { result, .. } = t {
        t = result;
    }
    let RType::Scalar { base, refinement } = t else {
        return ComponentPlan::Abstract { why: "it returns a function".to_string() };
    };
    let value = |f: &Formula| f.var_name().is_some_and(|n| n.as_str() == VALUE_VAR);
    let conjuncts = refinement.conjuncts();
    let sort = base.sort();
    for (i, c) in conjuncts.iter().enumerate() {
        let candidate = match c.kind() {
            Kind::Binary(BinOp::Eq | BinOp::Iff, l, r) if value(l) && !mentions_value(r) => Some(r.clone()),
            Kind::Binary(BinOp::Eq | BinOp::Iff, l, r) if value(r) && !mentions_value(l) => Some(l.clone()),
            _ if value(c) && sort == Sort::Bool => Some(Formula::tt()),
            Kind::Unary(crate::logic::UnOp::Not, inner) if value(inner) && sort == Sort::Bool => {
                Some(Formula::ff())
            }
            _ => None,
        };
        if let Some(body) = candidate
            && exec.why_not(&body, &[]).is_none()
        {
            let rest =
                conjuncts.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, f)| f.clone()).collect();
            return ComponentPlan::Derived { body, rest };
        }
    }
    ComponentPlan::Abstract { why: "its refinement does not determine its result".to_string() }
}

pub fn mentions_value(f: &Formula) -> bool {
    f.has_free_var(Symbol::intern(VALUE_VAR))
}

/// `v: a -> ` for a measure's constant arguments (its documentation).
pub fn measure_consts(def: &crate::resolve::MeasureDef) -> String {
    def.const_args.iter().map(|(c, s)| format!("{c}: {s} -> ")).collect()
}

/// The parameters of a function type: names and types, and the result type.
pub fn params_of(t: &RType) -> (Vec<(Symbol, &RType)>, &RType) {
    let mut out = Vec::new();
    let mut t = t;
    while let RType::Function { param, arg, result } = t {
        out.push((*param, &**arg));
        t = result;
    }
    (out, t)
}

/// A type or schema as documentation: on one line, with the resolver's names for
/// unnamed arguments dropped (`(arg0: a -> b)` is `(a -> b)`) and a predicate argument
/// that only passes a predicate parameter on written as the parameter (`<{p _0 _1}>`
/// is `<p>`).
pub fn doc_text(text: &str) -> String {
    let squashed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::new();
    let chars: Vec<char> = squashed.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        // `(argN: ` after an opening parenthesis or an arrow.
        if (chars[i] == '(' || (i >= 3 && chars[i - 3..i].iter().collect::<String>() == "-> "))
            && let Some(end) = unnamed_arg(&chars, if chars[i] == '(' { i + 1 } else { i })
        {
            if chars[i] == '(' {
                out.push('(');
            }
            i = end;
            continue;
        }
        // `<{p _0 .. _k}>`.
        if chars[i] == '<'
            && chars.get(i + 1) == Some(&'{')
            && let Some(close) = (i..chars.len()).find(|&j| chars[j] == '}' && chars.get(j + 1) == Some(&'>'))
        {
            let inner: String = chars[i + 2..close].iter().collect();
            let words: Vec<&str> = inner.split(' ').collect();
            if words.len() >= 2
                && words[1..].iter().enumerate().all(|(k, w)| *w == format!("_{k}"))
                && !words[0].starts_with('_')
                && words[0].chars().all(|c| c.is_alphanumeric() || c == '_')
            {
                out.push_str(&format!("<{}>", words[0]));
                i = close + 2;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// The index after `argN: ` starting at `at`, if there is one.
fn unnamed_arg(chars: &[char], at: usize) -> Option<usize> {
    let rest: String = chars.get(at..)?.iter().take(12).collect();
    let digits = rest.strip_prefix("arg")?;
    let n = digits.chars().take_while(|c| c.is_ascii_digit()).count();
    (n > 0 && digits[n..].starts_with(": ")).then_some(at + 3 + n + 2)
}

/// `Cons :: x: a -> xs: List a -> List a`.
pub(crate) fn ctor_doc(c: Symbol, schema: &crate::types::Schema, d: Symbol, params: &[Symbol]) -> String {
    let (fields, _) = params_of(&schema.ty);
    let mut s = format!("{c} :: ");
    for (p, t) in fields {
        let t = if t.is_function() { format!("({t})") } else { t.to_string() };
        s.push_str(&format!("{p}: {t} -> "));
    }
    s.push_str(d.as_str());
    for p in params {
        s.push(' ');
        s.push_str(p.as_str());
    }
    doc_text(&s)
}

#[cfg(test)]
mod tests {
    use super::doc_text;

    #[test]
    fn docs_drop_resolver_names() {
        assert_eq!(doc_text("f: (arg0: a -> b) -> xs: List a"), "f: (a -> b) -> xs: List a");
        assert_eq!(doc_text("xs: {PList a <{p _0 _1}> | p x _v}"), "xs: {PList a <p> | p x _v}");
        assert_eq!(doc_text("PList a <{!(_0 in elems _1)}>"), "PList a <{!(_0 in elems _1)}>");
    }
}
