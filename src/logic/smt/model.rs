//! Models (counterexamples) read back from Z3 as rsynth values.
//!
//! A model assigns a [`Value`] to every free variable of the query and to every ground
//! application in it (`len xs`, `elems xs`), keyed by rsynth's own [`Variable`]s and
//! [`Formula`]s. Elements of abstract sorts (type variables, uninterpreted datatypes)
//! are encoded as integers, so they come back as numbered [`Value::Element`]s: two
//! elements are equal exactly when their numbers are. Values of algebraic datatypes come
//! back as constructor terms ([`Value::Data`]), read through Z3's recognizers and
//! accessors (never by inspecting declaration kinds, which the binding gets wrong on
//! Z3 4.8.12).
//!
//! Z3 describes a set as an array term, which can be a store chain, a constant array, or
//! a lambda. Rather than parsing those shapes, a set is read by asking the model which
//! *relevant* elements it contains: the values of the query's terms of the element sort
//! and the numerals (or, for an algebraic element sort, the subterms of that sort)
//! occurring in the set's own description. One more, fresh, element tells whether the
//! set also contains everything else ([`SetValue::others`]). For an algebraic element
//! sort the fresh element is a small constructor term distinct from the relevant ones;
//! when the sort has no such term within reach (an enumeration whose every value is
//! relevant), `others` is false.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use z3::ast::{Ast, Bool, Dynamic, Int, Set};

use super::datatypes::{Adt, AdtTable};
use super::encode::Encoder;
use crate::logic::{Formula, Sort, Symbol, Variable};

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
    /// A value of an algebraic datatype: a constructor applied to its fields' values.
    Data {
        sort: Sort,
        constructor: Symbol,
        args: Vec<Value>,
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
            Value::Data { constructor, args, .. } => {
                write!(f, "{constructor}")?;
                for arg in args {
                    match arg {
                        Value::Data { args: inner, .. } if !inner.is_empty() => write!(f, " ({arg})")?,
                        Value::Int(n) if *n < 0 => write!(f, " ({n})")?,
                        _ => write!(f, " {arg}")?,
                    }
                }
                Ok(())
            }
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

/// How deep constructor terms are rendered before the rest is shown in Z3's syntax.
const MAX_DATA_DEPTH: usize = 32;
/// How many subterms of a set's description are visited for relevant elements.
const DESCRIPTION_BUDGET: usize = 64;

/// Reads the values of the encoder's variables and ground terms from a Z3 model.
pub(super) fn read_model(model: &z3::Model, encoder: &Encoder) -> Model {
    let entries: Vec<(Option<&Variable>, Option<&Formula>, &Dynamic, Sort)> = encoder
        .vars
        .iter()
        .map(|(var, term)| (Some(var), None, term, var.sort.clone()))
        .chain(encoder.ground.iter().map(|g| (None, Some(&g.formula), &g.term, g.formula.sort())))
        .collect();

    // First the scalar values, which also give the relevant elements of each sort.
    let mut reader = Reader { model, adts: &encoder.adts, numbers: BTreeMap::new(), terms: BTreeMap::new() };
    let mut values: Vec<Option<Value>> = Vec::new();
    for (_, _, term, sort) in &entries {
        let value = if sort.is_set() { None } else { Some(reader.value(term, sort, MAX_DATA_DEPTH)) };
        match &value {
            Some(Value::Int(n) | Value::Element { id: n, .. }) => {
                reader.numbers.entry(sort.clone()).or_default().insert(*n);
            }
            Some(Value::Data { .. }) => reader.terms.entry(sort.clone()).or_default().push((*term).clone()),
            _ => {}
        }
        values.push(value);
    }

    let mut out = Model::default();
    for ((var, formula, term, sort), value) in entries.into_iter().zip(values) {
        let value = value.unwrap_or_else(|| reader.set_value(term, &sort));
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

/// A model, the query's datatypes, and the relevant elements found so far.
struct Reader<'a> {
    model: &'a z3::Model,
    adts: &'a AdtTable,
    /// Values of the query's terms of integer-encoded sorts, by sort.
    numbers: BTreeMap<Sort, BTreeSet<i64>>,
    /// The query's terms of algebraic sorts, by sort.
    terms: BTreeMap<Sort, Vec<Dynamic>>,
}

impl Reader<'_> {
    fn eval_bool(&self, b: &Bool) -> Option<bool> {
        self.model.eval(b, true).and_then(|b| b.as_bool())
    }

    fn opaque(&self, term: &Dynamic) -> Value {
        Value::Opaque(self.model.eval(term, true).map_or_else(|| term.to_string(), |v| v.to_string()))
    }

    /// The value of a term of the given sort.
    fn value(&self, term: &Dynamic, sort: &Sort, depth: usize) -> Value {
        if let Some(adt) = self.adts.adt(sort) {
            return self.data(term, adt, sort, depth);
        }
        let evaluated = self.model.eval(term, true);
        match sort {
            Sort::Bool => {
                evaluated.as_ref().and_then(Dynamic::as_bool).and_then(|b| b.as_bool()).map(Value::Bool)
            }
            Sort::Int => {
                evaluated.as_ref().and_then(Dynamic::as_int).and_then(|i| i.as_i64()).map(Value::Int)
            }
            Sort::Var(_) | Sort::Data(..) | Sort::Meta(_) => evaluated
                .as_ref()
                .and_then(Dynamic::as_int)
                .and_then(|i| i.as_i64())
                .map(|id| Value::Element { sort: sort.clone(), id }),
            Sort::Set(_) => Some(self.set_value(term, sort)),
        }
        .unwrap_or_else(|| self.opaque(term))
    }

    /// A value of an algebraic datatype as a constructor term: the constructor whose
    /// recognizer holds, applied to the values of its accessors.
    fn data(&self, term: &Dynamic, adt: &Adt, sort: &Sort, depth: usize) -> Value {
        let Some(value) = self.model.eval(term, true) else {
            return self.opaque(term);
        };
        if depth == 0 {
            return Value::Opaque(value.to_string());
        }
        for (ctor, variant) in adt.decl.constructors.iter().zip(&adt.z3.variants) {
            let Some(is_ctor) = variant.tester.apply(&[&value as &dyn Ast]).as_bool() else {
                return Value::Opaque(value.to_string());
            };
            match self.eval_bool(&is_ctor) {
                Some(true) => {
                    let args = ctor
                        .fields
                        .iter()
                        .zip(&variant.accessors)
                        .map(|(field, accessor)| {
                            self.value(&accessor.apply(&[&value as &dyn Ast]), field, depth - 1)
                        })
                        .collect();
                    return Value::Data { sort: sort.clone(), constructor: ctor.name, args };
                }
                Some(false) => {}
                None => return Value::Opaque(value.to_string()),
            }
        }
        Value::Opaque(value.to_string())
    }

    fn set_value(&self, term: &Dynamic, sort: &Sort) -> Value {
        let Some(elem) = sort.elem() else {
            return self.opaque(term);
        };
        let Some(set) = self.model.eval(term, true).and_then(|v| v.as_set()) else {
            return self.opaque(term);
        };
        let member = |candidate: &Dynamic| -> Option<bool> { self.eval_bool(&set.member(candidate)) };
        if let Some(adt) = self.adts.adt(elem) {
            return self.data_set_value(&set, adt, elem).unwrap_or_else(|| self.opaque(term));
        }
        match elem {
            Sort::Bool => {
                let mut members = BTreeSet::new();
                for b in [false, true] {
                    match member(&Dynamic::from_ast(&Bool::from_bool(b))) {
                        Some(true) => {
                            members.insert(Value::Bool(b));
                        }
                        Some(false) => {}
                        None => return self.opaque(term),
                    }
                }
                Value::Set(SetValue { members, others: false })
            }
            Sort::Int | Sort::Var(_) | Sort::Data(..) | Sort::Meta(_) => {
                let mut candidates = self.numbers.get(elem).cloned().unwrap_or_default();
                collect_numerals(&Dynamic::from_ast(&set), &mut candidates, DESCRIPTION_BUDGET);
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
                        None => return self.opaque(term),
                    }
                }
                let fresh = candidates.last().map_or(0, |max| max.saturating_add(1));
                let others = member(&Dynamic::from_ast(&Int::from_i64(fresh))).unwrap_or(false);
                Value::Set(SetValue { members, others })
            }
            Sort::Set(_) => self.opaque(term),
        }
    }

    /// A set of algebraic values; `None` when the model does not decide a membership.
    fn data_set_value(&self, set: &Set, adt: &Adt, elem: &Sort) -> Option<Value> {
        let mut candidates: Vec<Dynamic> = self.terms.get(elem).cloned().unwrap_or_default();
        collect_of_sort(&Dynamic::from_ast(set), &adt.z3.sort, &mut candidates, DESCRIPTION_BUDGET);
        let mut seen = BTreeSet::new();
        let mut members = BTreeSet::new();
        for candidate in &candidates {
            let value = self.data(candidate, adt, elem, MAX_DATA_DEPTH);
            if seen.insert(value.clone()) && self.eval_bool(&set.member(candidate))? {
                members.insert(value);
            }
        }
        let fresh = self.numbers.values().flatten().max().map_or(0, |max| max.saturating_add(1));
        let others = match self.fresh_witness(adt, elem, fresh, &seen) {
            Some(witness) => self.eval_bool(&set.member(&witness))?,
            None => false,
        };
        Some(Value::Set(SetValue { members, others }))
    }

    /// A small value of the datatype whose rendering is not in `seen`, if one is found.
    fn fresh_witness(&self, adt: &Adt, sort: &Sort, fresh: i64, seen: &BTreeSet<Value>) -> Option<Dynamic> {
        (0..4).find_map(|k| {
            (0..adt.decl.constructors.len()).find_map(|ctor| {
                let witness = self.witness(adt, ctor, fresh.saturating_add(k), 4)?;
                let value = self.data(&witness, adt, sort, MAX_DATA_DEPTH);
                (!seen.contains(&value)).then_some(witness)
            })
        })
    }

    /// A value built with constructor `ctor`: integers are `fresh`, Booleans false, sets
    /// empty, and datatype fields the first value found within `depth` more levels.
    fn witness(&self, adt: &Adt, ctor: usize, fresh: i64, depth: usize) -> Option<Dynamic> {
        let fields = &adt.decl.constructors[ctor].fields;
        let mut args: Vec<Dynamic> = Vec::with_capacity(fields.len());
        for field in fields {
            args.push(match field {
                _ if self.adts.adt(field).is_some() => {
                    let inner = self.adts.adt(field)?;
                    let depth = depth.checked_sub(1)?;
                    (0..inner.decl.constructors.len()).find_map(|c| self.witness(inner, c, fresh, depth))?
                }
                Sort::Bool => Dynamic::from_ast(&Bool::from_bool(false)),
                Sort::Set(inner) => Dynamic::from_ast(&Set::empty(&self.adts.z3_sort(inner))),
                Sort::Int | Sort::Var(_) | Sort::Data(..) | Sort::Meta(_) => {
                    Dynamic::from_ast(&Int::from_i64(fresh))
                }
            });
        }
        let refs: Vec<&dyn Ast> = args.iter().map(|a| a as &dyn Ast).collect();
        Some(adt.z3.variants[ctor].constructor.apply(&refs))
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

/// Collects the subterms of a Z3 term that have the given sort (applications only; the
/// walk stops at quantifiers and after `budget` nodes).
fn collect_of_sort(term: &Dynamic, sort: &z3::Sort, out: &mut Vec<Dynamic>, budget: usize) -> usize {
    if budget == 0 || !term.is_app() {
        return budget.saturating_sub(1);
    }
    if term.get_sort() == *sort {
        out.push(term.clone());
    }
    let mut left = budget - 1;
    for child in term.children() {
        left = collect_of_sort(&child, sort, out, left);
    }
    left
}
