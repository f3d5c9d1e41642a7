//! Models (counterexamples) read back from Z3 as rsynth values.
//!
//! A model assigns a [`Value`] to every free variable of the query and to every ground
//! application in it (`len xs`, `elems xs`), keyed by rsynth's own [`Variable`]s and
//! [`Formula`]s. Elements of abstract sorts (type variables, datatypes) are encoded as
//! integers, so they come back as numbered [`Value::Element`]s: two elements are equal
//! exactly when their numbers are.
//!
//! Z3 describes a set as an array term, which can be a store chain, a constant array, or
//! a lambda. Rather than parsing those shapes, a set is read by asking the model which
//! *relevant* elements it contains: the values of the query's terms of the element sort
//! and the numerals occurring in the set's own description. One more, fresh, element
//! tells whether the set also contains everything else ([`SetValue::others`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use z3::ast::{Ast, Bool, Dynamic, Int};

use super::encode::{Encoder, z3_sort};
use crate::logic::{Formula, Sort, Variable};

/// A value in a model.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Value {
    Bool(bool),
    Int(i64),
    /// An element of an uninterpreted sort (a type variable or a datatype), numbered.
    Element {
        sort: Sort,
        id: i64,
    },
    Set(SetValue),
    /// A value this layer cannot render structurally (say, a set of sets), in Z3's syntax.
    Opaque(String),
}

/// A set in a model: its members among the relevant elements, and whether it also
/// contains every element outside them.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SetValue {
    pub members: BTreeSet<Value>,
    pub others: bool,
}

/// A satisfying assignment, keyed by the variables and ground terms of the query.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Model {
    pub vars: BTreeMap<Variable, Value>,
    pub terms: BTreeMap<Formula, Value>,
}

impl Model {
    /// The value of the (first, in sort order) variable with this name.
    pub fn var(&self, name: &str) -> Option<&Value> {
        self.vars.iter().find(|(var, _)| var.name.as_str() == name).map(|(_, value)| value)
    }

    /// The value of a ground term of the query.
    pub fn term(&self, term: &Formula) -> Option<&Value> {
        self.terms.get(term)
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(true) => f.write_str("True"),
            Value::Bool(false) => f.write_str("False"),
            Value::Int(n) => write!(f, "{n}"),
            Value::Element { sort, id } => match sort {
                Sort::Data(_, args) if !args.is_empty() => write!(f, "({sort})#{id}"),
                _ => write!(f, "{sort}#{id}"),
            },
            Value::Set(set) => {
                f.write_str("[")?;
                for (i, member) in set.members.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{member}")?;
                }
                if set.others {
                    f.write_str(if set.members.is_empty() { ".." } else { ", .." })?;
                }
                f.write_str("]")
            }
            Value::Opaque(text) => f.write_str(text),
        }
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let vars = self.vars.iter().map(|(var, value)| format!("{} = {value}", var.name));
        let terms = self.terms.iter().map(|(term, value)| format!("{term} = {value}"));
        let all: Vec<String> = vars.chain(terms).collect();
        f.write_str(&all.join(", "))
    }
}

/// Reads the values of the encoder's variables and ground terms from a Z3 model.
pub(super) fn read_model(model: &z3::Model, encoder: &Encoder) -> Model {
    let entries: Vec<(Option<&Variable>, Option<&Formula>, &Dynamic, Sort)> = encoder
        .vars
        .iter()
        .map(|(var, term)| (Some(var), None, term, var.sort.clone()))
        .chain(encoder.ground.iter().map(|g| (None, Some(&g.formula), &g.term, g.formula.sort())))
        .collect();

    // First the scalar values, which also give the relevant elements of each sort.
    let mut relevant: BTreeMap<Sort, BTreeSet<i64>> = BTreeMap::new();
    let mut values: Vec<Option<Value>> = Vec::new();
    for (_, _, term, sort) in &entries {
        let value = if sort.is_set() { None } else { Some(scalar(model, term, sort)) };
        if let Some(Value::Int(n) | Value::Element { id: n, .. }) = &value {
            relevant.entry(sort.clone()).or_default().insert(*n);
        }
        values.push(value);
    }

    let mut out = Model::default();
    for ((var, formula, term, sort), value) in entries.into_iter().zip(values) {
        let value = value.unwrap_or_else(|| set_value(model, term, &sort, &relevant));
        match (var, formula) {
            (Some(var), _) => {
                out.vars.insert(var.clone(), value);
            }
            (None, Some(formula)) => {
                out.terms.insert(formula.clone(), value);
            }
            (None, None) => {}
        }
    }
    out
}

fn opaque(model: &z3::Model, term: &Dynamic) -> Value {
    Value::Opaque(model.eval(term, true).map_or_else(|| term.to_string(), |v| v.to_string()))
}

fn scalar(model: &z3::Model, term: &Dynamic, sort: &Sort) -> Value {
    let evaluated = model.eval(term, true);
    match sort {
        Sort::Bool => {
            evaluated.as_ref().and_then(Dynamic::as_bool).and_then(|b| b.as_bool()).map(Value::Bool)
        }
        Sort::Int => evaluated.as_ref().and_then(Dynamic::as_int).and_then(|i| i.as_i64()).map(Value::Int),
        Sort::Var(_) | Sort::Data(..) | Sort::Meta(_) => evaluated
            .as_ref()
            .and_then(Dynamic::as_int)
            .and_then(|i| i.as_i64())
            .map(|id| Value::Element { sort: sort.clone(), id }),
        Sort::Set(_) => None,
    }
    .unwrap_or_else(|| opaque(model, term))
}

fn set_value(
    model: &z3::Model,
    term: &Dynamic,
    sort: &Sort,
    relevant: &BTreeMap<Sort, BTreeSet<i64>>,
) -> Value {
    let Some(elem) = sort.elem() else {
        return opaque(model, term);
    };
    let Some(set) = model.eval(term, true).and_then(|v| v.as_set()) else {
        return opaque(model, term);
    };
    let member = |candidate: &Dynamic| -> Option<bool> {
        model.eval(&set.member(candidate), true).and_then(|b| b.as_bool())
    };
    match elem {
        Sort::Bool => {
            let mut members = BTreeSet::new();
            for b in [false, true] {
                match member(&Dynamic::from_ast(&Bool::from_bool(b))) {
                    Some(true) => {
                        members.insert(Value::Bool(b));
                    }
                    Some(false) => {}
                    None => return opaque(model, term),
                }
            }
            Value::Set(SetValue { members, others: false })
        }
        Sort::Int | Sort::Var(_) | Sort::Data(..) | Sort::Meta(_) => {
            let mut candidates = relevant.get(elem).cloned().unwrap_or_default();
            collect_numerals(&Dynamic::from_ast(&set), &mut candidates, 64);
            let as_value = |n: i64| match elem {
                Sort::Int => Value::Int(n),
                _ => Value::Element { sort: elem.clone(), id: n },
            };
            let mut members = BTreeSet::new();
            for n in &candidates {
                match member(&Dynamic::from_ast(&Int::from_i64(*n))) {
                    Some(true) => {
                        members.insert(as_value(*n));
                    }
                    Some(false) => {}
                    None => return opaque(model, term),
                }
            }
            let fresh = candidates.last().map_or(0, |max| max.saturating_add(1));
            let others = member(&Dynamic::from_ast(&Int::from_i64(fresh))).unwrap_or(false);
            debug_assert_eq!(z3_sort(elem), z3::Sort::int());
            Value::Set(SetValue { members, others })
        }
        Sort::Set(_) => opaque(model, term),
    }
}

/// Collects the integer numerals in a Z3 term (applications only; the walk stops at
/// quantifiers and after `budget` nodes).
fn collect_numerals(term: &Dynamic, out: &mut BTreeSet<i64>, budget: usize) -> usize {
    if budget == 0 || !term.is_app() {
        return budget.saturating_sub(1);
    }
    if let Some(n) = term.as_int().and_then(|i| i.as_i64()) {
        out.insert(n);
    }
    let mut left = budget - 1;
    for child in term.children() {
        left = collect_numerals(&child, out, left);
    }
    left
}
