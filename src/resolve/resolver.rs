//! The two resolution passes over a file's declarations (synthesis-algorithm.md (a)).
//!
//! **Pass 1**, in file order, registers what later declarations may refer to: datatypes
//! (with the sorts of their constructors), synonyms (resolved on the spot, so a synonym
//! sees only what is declared above it), measures, predicates and inlines (by sort),
//! signatures, goals and `mutual` groups. **Pass 2** resolves everything whose meaning
//! may depend on declarations further down: constructor types, measure postconditions
//! and cases, qualifiers, signatures and goal bodies.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use super::error::{NameKind, ResolveError};
use super::formula::{FormulaResolver, FunctionSig, LogicGlobals, Scope};
use super::program::*;
use super::suggest::similar;
use super::types::TypeScope;
use crate::logic::{Formula, Sort, Symbol};
use crate::syntax::ast::{self, DeclKind, Module, TermKind, TypeKind};
use crate::types::{BaseType, RType, Schema};

/// Namespaces in which a name may be defined once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Namespace {
    Type,
    Constructor,
    Logic,
    Signature,
    Goal,
}

impl Namespace {
    fn describe(self) -> &'static str {
        match self {
            Namespace::Type => "type",
            Namespace::Constructor => "constructor",
            Namespace::Logic => "measure, predicate or inline",
            Namespace::Signature => "signature",
            Namespace::Goal => "goal",
        }
    }
}

pub struct Resolver {
    pub(super) program: Program,
    pub(super) globals: LogicGlobals,
    pub(super) errors: Vec<ResolveError>,
    /// Every type name declared anywhere in the file, for "declared further down" notes.
    pub(super) declared_types_later: BTreeSet<Symbol>,
    defined: BTreeMap<(Namespace, Symbol), Range<usize>>,
}

/// Resolves a parsed module. Never fails: returns what resolved and every error.
pub fn resolve_module(module: &Module) -> (Program, Vec<ResolveError>) {
    let mut r = Resolver {
        program: Program::default(),
        globals: LogicGlobals::default(),
        errors: Vec::new(),
        declared_types_later: BTreeSet::new(),
        defined: BTreeMap::new(),
    };
    for decl in &module.decls {
        if let DeclKind::Data(d) = &decl.kind {
            r.declared_types_later.insert(sym(&d.name));
        } else if let DeclKind::TypeSynonym(d) = &decl.kind {
            r.declared_types_later.insert(sym(&d.name));
        }
    }
    for (index, decl) in module.decls.iter().enumerate() {
        r.declare(index, decl, module);
    }
    for (index, decl) in module.decls.iter().enumerate() {
        r.define(index, decl);
    }
    (r.program, r.errors)
}

fn sym(name: &ast::Name) -> Symbol {
    Symbol::from(name.text.as_str())
}

impl Resolver {
    /// Records a definition; reports a duplicate and returns false if the name is taken.
    fn define_name(&mut self, ns: Namespace, name: &ast::Name, offset: u32) -> bool {
        let span = name.span.absolute(offset);
        match self.defined.get(&(ns, sym(name))) {
            Some(first) => {
                self.errors.push(ResolveError::Duplicate {
                    span,
                    first: first.clone(),
                    kind: ns.describe(),
                    name: name.text.clone(),
                });
                false
            }
            None => {
                self.defined.insert((ns, sym(name)), span);
                true
            }
        }
    }

    // -----------------------------------------------------------------------------------
    // Pass 1

    fn declare(&mut self, index: usize, decl: &ast::Decl, module: &Module) {
        let offset = decl.offset;
        match &decl.kind {
            DeclKind::TypeSynonym(d) => {
                if !self.define_name(Namespace::Type, &d.name, offset) {
                    return;
                }
                let params: Vec<Symbol> = d.params.iter().map(sym).collect();
                let mut scope = TypeScope {
                    allowed_type_vars: Some(params.clone()),
                    defining_synonym: Some(sym(&d.name)),
                    ..TypeScope::default()
                };
                let body = self.resolve_type(&d.body, &mut scope, offset);
                self.program.synonyms.insert(sym(&d.name), SynonymDef { name: sym(&d.name), params, body });
            }
            DeclKind::Data(d) => self.declare_datatype(d, offset),
            DeclKind::Measure(d) => self.declare_measure(d, offset, index),
            DeclKind::Predicate(sig) => {
                if !self.define_name(Namespace::Logic, &sig.name, offset) {
                    return;
                }
                let args: Vec<Sort> = sig.args.iter().map(|s| self.resolve_sort(s, offset)).collect();
                let result = self.resolve_sort(&sig.result, offset);
                let type_params: BTreeSet<Symbol> =
                    args.iter().chain(std::iter::once(&result)).flat_map(|s| s.type_vars()).collect();
                let name = sym(&sig.name);
                self.globals.predicates.insert(
                    name,
                    FunctionSig {
                        type_params: type_params.into_iter().collect(),
                        args: args.clone(),
                        result: result.clone(),
                    },
                );
                self.program.predicates.insert(name, PredicateDef { name, args, result });
            }
            DeclKind::Inline(d) => {
                if !self.define_name(Namespace::Logic, &d.name, offset) {
                    return;
                }
                let params: Vec<Symbol> = d.params.iter().map(sym).collect();
                // Spans in the body stay relative to the inline's own declaration; uses
                // replace them by the span of the call (see `formula::expand_inline`).
                self.globals.inlines.insert(sym(&d.name), (params.clone(), d.body.clone()));
                self.program
                    .inlines
                    .insert(sym(&d.name), InlineDef { name: sym(&d.name), params, body: d.body.clone() });
            }
            DeclKind::Signature(d) => {
                self.define_name(Namespace::Signature, &d.name, offset);
            }
            DeclKind::Goal(d) => {
                if !self.define_name(Namespace::Goal, &d.name, offset) {
                    return;
                }
                if !self.defined.contains_key(&(Namespace::Signature, sym(&d.name))) {
                    let later = module.decls.iter().skip(index + 1).find_map(|later| match &later.kind {
                        DeclKind::Signature(s) if s.name.text == d.name.text => {
                            Some(s.name.span.absolute(later.offset))
                        }
                        _ => None,
                    });
                    self.errors.push(ResolveError::GoalWithoutSignature {
                        span: d.name.span.absolute(offset),
                        name: d.name.text.clone(),
                        later,
                    });
                }
            }
            DeclKind::Mutual(names) => {
                for n in names {
                    if !self.defined.contains_key(&(Namespace::Goal, sym(n))) {
                        self.errors.push(ResolveError::UnknownName {
                            span: n.span.absolute(offset),
                            kind: NameKind::Goal,
                            name: n.text.clone(),
                            suggestions: Vec::new(),
                            note: Some("`mutual` names goals declared above it".into()),
                        });
                    }
                }
            }
            // Imports were resolved before these passes (`import.rs`): the library's
            // declarations precede the file's own in the module resolved here.
            DeclKind::Qualifier(_) | DeclKind::Import(_) => {}
        }
    }

    fn declare_datatype(&mut self, d: &ast::DataDecl, offset: u32) {
        if !self.define_name(Namespace::Type, &d.name, offset) {
            return;
        }
        let name = sym(&d.name);
        let params: Vec<Symbol> = d.params.iter().map(sym).collect();
        // Register first: predicate parameter sorts may mention the datatype itself.
        self.program.datatypes.insert(
            name,
            DatatypeDef {
                name,
                params: params.clone(),
                pred_params: Vec::new(),
                constructors: Vec::new(),
                termination: None,
            },
        );
        let pred_params: Vec<PredParamDef> = d
            .pred_params
            .iter()
            .map(|p| PredParamDef {
                sig: self.resolve_pred_sig(&p.sig, offset),
                contravariant: p.contravariant,
            })
            .collect();
        let mut constructors = Vec::new();
        for c in &d.constructors {
            if !self.define_name(Namespace::Constructor, &c.name, offset) {
                continue;
            }
            constructors.push(sym(&c.name));
            let args = scalar_arg_sorts(&c.ty, &self.program);
            self.globals.constructors.insert(
                sym(&c.name),
                FunctionSig {
                    type_params: params.clone(),
                    args,
                    result: Sort::data(name, params.iter().map(|p| Sort::Var(*p))),
                },
            );
        }
        if let Some(dt) = self.program.datatypes.get_mut(&name) {
            dt.pred_params = pred_params;
            dt.constructors = constructors;
        }
    }

    fn declare_measure(&mut self, d: &ast::MeasureDecl, offset: u32, decl: usize) {
        if !self.define_name(Namespace::Logic, &d.name, offset) {
            return;
        }
        let name = sym(&d.name);
        let const_args: Vec<(Symbol, Sort)> =
            d.const_args.iter().map(|(n, s)| (sym(n), self.resolve_sort(s, offset))).collect();
        let input = self.resolve_sort(&d.input, offset);
        let output = self.resolve_sort(&d.output, offset);
        let datatype = match &input {
            Sort::Data(dt_name, args) => match self.program.datatypes.get(dt_name) {
                Some(dt) => {
                    let own_params = args.len() == dt.params.len()
                        && args.iter().zip(&dt.params).all(|(a, p)| *a == Sort::Var(*p));
                    if !own_params {
                        let expected = Sort::data(*dt_name, dt.params.iter().map(|p| Sort::Var(*p)));
                        self.errors.push(ResolveError::MeasureShape {
                            span: d.input.span.absolute(offset),
                            message: format!(
                                "the datatype argument of measure `{}` must be `{expected}`",
                                d.name.text
                            ),
                            hint: "use the datatype's own parameter names, as in its `data` declaration"
                                .into(),
                        });
                    }
                    Some(*dt_name)
                }
                // An unknown datatype was already reported by `resolve_sort`.
                None => None,
            },
            other => {
                self.errors.push(ResolveError::MeasureShape {
                    span: d.input.span.absolute(offset),
                    message: format!(
                        "measure `{}` must be defined on a datatype, not on `{other}`",
                        d.name.text
                    ),
                    hint: "the last argument before the result is the datatype the measure inspects".into(),
                });
                None
            }
        };
        if d.termination {
            if output != Sort::Int {
                self.errors.push(ResolveError::MeasureShape {
                    span: d.output.span.absolute(offset),
                    message: format!(
                        "termination measure `{}` must return `Int`, not `{output}`",
                        d.name.text
                    ),
                    hint: "a termination metric is a non-negative integer that recursive calls decrease"
                        .into(),
                });
            }
            if let Some(dt) = datatype.and_then(|n| self.program.datatypes.get_mut(&n)) {
                match dt.termination {
                    Some(previous) => self.errors.push(ResolveError::MeasureShape {
                        span: d.name.span.absolute(offset),
                        message: format!(
                            "datatype `{}` already has the termination measure `{previous}`",
                            dt.name
                        ),
                        hint: "declare at most one `termination measure` per datatype".into(),
                    }),
                    None => dt.termination = Some(name),
                }
            }
        }
        let type_params: Vec<Symbol> = datatype
            .and_then(|n| self.program.datatypes.get(&n))
            .map(|dt| dt.params.clone())
            .unwrap_or_else(|| input.type_vars().into_iter().collect());
        let mut args: Vec<Sort> = const_args.iter().map(|(_, s)| s.clone()).collect();
        args.push(input.clone());
        self.globals.measures.insert(name, FunctionSig { type_params, args, result: output.clone() });
        self.program.measures.insert(
            name,
            MeasureDef {
                name,
                termination: d.termination,
                const_args,
                input,
                output,
                postcondition: Formula::tt(),
                cases: Vec::new(),
                decl,
            },
        );
    }

    // -----------------------------------------------------------------------------------
    // Pass 2

    fn define(&mut self, index: usize, decl: &ast::Decl) {
        let offset = decl.offset;
        match &decl.kind {
            DeclKind::Data(d) => {
                for c in &d.constructors {
                    self.define_constructor(d, c, offset);
                }
            }
            DeclKind::Measure(d) => self.define_measure(d, offset),
            DeclKind::Qualifier(qs) => {
                for q in qs {
                    let mut fr = FormulaResolver::new(&self.globals, offset);
                    let scope = Scope { placeholders: true, ..Scope::default() };
                    let formula = fr.resolve(q, &scope, &Sort::Bool);
                    // Placeholders whose sort the template leaves open become type
                    // variables, which qualifier instantiation treats as flexible.
                    let open: BTreeMap<_, _> = formula
                        .free_vars()
                        .into_iter()
                        .flat_map(|v| v.sort.sort_vars())
                        .map(|sv| (sv, Sort::var(format!("q{}", sv.0).as_str())))
                        .collect();
                    self.errors.append(&mut fr.errors);
                    self.program.qualifiers.push(formula.apply_sort_subst(&open));
                }
            }
            DeclKind::Inline(d) => self.check_inline(d, offset),
            DeclKind::Signature(d) => {
                let schema = self.resolve_schema(&d.schema, offset);
                if self.program.component(sym(&d.name)).is_none() {
                    self.program.components.push(Component { name: sym(&d.name), schema, decl: index });
                }
            }
            DeclKind::Goal(g) => {
                let Some(component) = self.program.component(sym(&g.name)).cloned() else { return };
                if self.program.goals.iter().any(|other| other.name == component.name) {
                    return;
                }
                self.check_term_names(&g.body, &g.name, offset);
                self.program.goals.push(GoalDef {
                    name: component.name,
                    schema: component.schema,
                    body: g.body.clone(),
                    decl: index,
                    offset,
                    mutual: Vec::new(),
                });
            }
            DeclKind::Mutual(names) => {
                let group: Vec<Symbol> = names.iter().map(sym).collect();
                for goal in &mut self.program.goals {
                    if group.contains(&goal.name) {
                        goal.mutual = group.iter().copied().filter(|n| *n != goal.name).collect();
                    }
                }
            }
            DeclKind::TypeSynonym(_) | DeclKind::Predicate(_) | DeclKind::Import(_) => {}
        }
    }

    fn define_constructor(&mut self, d: &ast::DataDecl, c: &ast::ConstructorSig, offset: u32) {
        let name = sym(&d.name);
        let Some(dt) = self.program.datatypes.get(&name).cloned() else { return };
        let mut scope = TypeScope {
            allowed_type_vars: Some(dt.params.clone()),
            preds: dt.pred_params.iter().map(|p| (p.sig.name, p.sig.args.clone())).collect(),
            ..TypeScope::default()
        };
        let ty = self.resolve_type(&c.ty, &mut scope, offset);
        // The final result must be the nominal type `D a1 .. an <p1> .. <pk>`, unrefined.
        let nominal_preds: Vec<Formula> = dt
            .pred_params
            .iter()
            .map(|p| {
                let params = p
                    .sig
                    .args
                    .iter()
                    .enumerate()
                    .map(|(i, s)| Formula::var(crate::logic::pred_param(i), s.clone()))
                    .collect();
                Formula::pred(p.sig.name, Sort::Bool, params)
            })
            .collect();
        let nominal = RType::plain(BaseType::Data {
            name,
            args: dt.params.iter().map(|p| RType::plain(BaseType::Var(*p))).collect(),
            preds: nominal_preds,
        });
        if *ty.result() != nominal {
            let span = result_span(&c.ty).absolute(offset);
            self.errors.push(ResolveError::ConstructorResult {
                span,
                constructor: c.name.text.clone(),
                expected: nominal.to_string(),
                found: ty.result().to_string(),
            });
        }
        // Connect the constructor to its measures: `_v == C x1 .. xn`.
        let mut scalar_args = Vec::new();
        let mut t = &ty;
        while let RType::Function { param, arg, result } = t {
            if let Some(sort) = arg.sort() {
                scalar_args.push(Formula::var(*param, sort));
            }
            t = result;
        }
        let sort = nominal.sort().unwrap_or(Sort::Int);
        let equation =
            Formula::eq(Formula::value_var(sort.clone()), Formula::cons(sym(&c.name), sort, scalar_args));
        let ty = map_result(ty, |r| r.strengthen(equation.clone()));
        let pred_params = dt.pred_params.iter().map(|p| p.sig.clone()).collect();
        let schema = Schema { type_vars: dt.params.clone(), pred_params, ty };
        let arg_sorts =
            self.globals.constructors.get(&sym(&c.name)).map(|s| s.args.clone()).unwrap_or_default();
        self.program
            .constructors
            .insert(sym(&c.name), ConstructorDef { name: sym(&c.name), datatype: name, schema, arg_sorts });
    }

    fn define_measure(&mut self, d: &ast::MeasureDecl, offset: u32) {
        let name = sym(&d.name);
        let Some(def) = self.program.measures.get(&name).cloned() else { return };
        let mut scope = Scope::default();
        for (n, s) in &def.const_args {
            scope.vars.insert(*n, s.clone());
        }
        let postcondition = match &d.postcondition {
            Some(post) => {
                let post_scope = scope.clone().with_var(Symbol::from("_v"), def.output.clone());
                self.resolve_formula(post, &post_scope, &Sort::Bool, offset)
            }
            None => Formula::tt(),
        };
        scope.no_value_var =
            "`_v` is not in scope in a measure case; name the constructor's arguments instead";
        let datatype = match &def.input {
            Sort::Data(n, _) => self.program.datatypes.get(n).cloned(),
            _ => None,
        };
        let mut cases = Vec::new();
        let mut seen: BTreeMap<Symbol, Range<usize>> = BTreeMap::new();
        for case in &d.cases {
            let ctor = sym(&case.constructor);
            let span = case.constructor.span.absolute(offset);
            let Some(sig) = self.globals.constructors.get(&ctor).cloned() else {
                let candidates: Vec<&str> =
                    datatype.iter().flat_map(|dt| dt.constructors.iter().map(|c| c.as_str())).collect();
                self.errors.push(ResolveError::UnknownName {
                    span,
                    kind: NameKind::Constructor,
                    name: case.constructor.text.clone(),
                    suggestions: similar(&case.constructor.text, candidates),
                    note: None,
                });
                continue;
            };
            if let Some(dt) = &datatype
                && !dt.constructors.contains(&ctor)
            {
                self.errors.push(ResolveError::MeasureCases {
                    span,
                    measure: d.name.text.clone(),
                    message: format!("`{}` is not a constructor of `{}`", case.constructor.text, dt.name),
                    hint: format!(
                        "the cases of `{}` match on the constructors of `{}`",
                        d.name.text, dt.name
                    ),
                });
                continue;
            }
            if seen.contains_key(&ctor) {
                self.errors.push(ResolveError::MeasureCases {
                    span,
                    measure: d.name.text.clone(),
                    message: format!("constructor `{}` has two cases", case.constructor.text),
                    hint: "write exactly one case per constructor".into(),
                });
                continue;
            }
            seen.insert(ctor, span.clone());
            if case.binders.len() != sig.args.len() {
                self.errors.push(ResolveError::Arity {
                    noun: "binder",
                    span: case.span.absolute(offset),
                    what: format!("the case of constructor `{}`", case.constructor.text),
                    expected: sig.args.len(),
                    found: case.binders.len(),
                });
                continue;
            }
            let mut case_scope = scope.clone();
            let mut binders = Vec::new();
            for (b, s) in case.binders.iter().zip(&sig.args) {
                let b = sym(b);
                if b.as_str() != "_" {
                    case_scope.vars.insert(b, s.clone());
                }
                binders.push(b);
            }
            let body = self.resolve_formula(&case.body, &case_scope, &def.output, offset);
            cases.push(MeasureCaseDef { constructor: ctor, binders, body, span: case.span });
        }
        if let Some(dt) = &datatype {
            let missing: Vec<&str> =
                dt.constructors.iter().filter(|c| !seen.contains_key(c)).map(|c| c.as_str()).collect();
            // A measure on an abstract datatype (no constructors) has no cases at all.
            if !missing.is_empty() {
                self.errors.push(ResolveError::MeasureCases {
                    span: d.name.span.absolute(offset),
                    measure: d.name.text.clone(),
                    message: format!(
                        "no case for constructor{} {}",
                        if missing.len() == 1 { "" } else { "s" },
                        {
                            let quoted: Vec<String> = missing.iter().map(|c| format!("`{c}`")).collect();
                            quoted.join(", ")
                        }
                    ),
                    hint: format!("add a case `{} ... -> ...` for each constructor", missing[0]),
                });
            }
        }
        if let Some(m) = self.program.measures.get_mut(&name) {
            m.postcondition = postcondition;
            m.cases = cases;
        }
    }

    /// An inline's body may mention only its parameters (and logic functions).
    fn check_inline(&mut self, d: &ast::InlineDecl, offset: u32) {
        let params: BTreeSet<&str> = d.params.iter().map(|p| p.text.as_str()).collect();
        let mut free = Vec::new();
        free_formula_vars(&d.body, &mut free);
        for name in free {
            let s = sym(name);
            let nullary = self.globals.predicates.get(&s).is_some_and(|p| p.args.is_empty())
                || self.globals.inlines.get(&s).is_some_and(|(ps, _)| ps.is_empty());
            if !params.contains(name.text.as_str()) && !nullary {
                self.errors.push(ResolveError::UnknownName {
                    span: name.span.absolute(offset),
                    kind: NameKind::Variable,
                    name: name.text.clone(),
                    suggestions: similar(&name.text, params.iter().copied()),
                    note: Some(format!(
                        "the body of inline `{}` may only mention its parameters",
                        d.name.text
                    )),
                });
            }
        }
    }

    /// Reports names in a goal body that are bound nowhere: not a binder around them, not
    /// a visible component, not a constructor.
    fn check_term_names(&mut self, body: &ast::Term, goal: &ast::Name, offset: u32) {
        let goal_sym = sym(goal);
        let mut visible: BTreeSet<Symbol> = self.program.components.iter().map(|c| c.name).collect();
        visible.insert(goal_sym);
        let mut bound = Vec::new();
        self.walk_term(body, &visible, &mut bound, offset);
    }

    fn walk_term(&mut self, t: &ast::Term, visible: &BTreeSet<Symbol>, bound: &mut Vec<Symbol>, offset: u32) {
        match &t.kind {
            TermKind::Var(n) => {
                let s = sym(n);
                if !bound.contains(&s) && !visible.contains(&s) {
                    let candidates: Vec<&str> =
                        bound.iter().chain(visible.iter()).map(|s| s.as_str()).collect();
                    let note = (self.program.measures.contains_key(&s)
                        || self.program.inlines.contains_key(&s))
                    .then(|| format!("`{}` is a logic function; programs cannot call it", n.text));
                    self.errors.push(ResolveError::UnknownName {
                        span: n.span.absolute(offset),
                        kind: NameKind::Variable,
                        name: n.text.clone(),
                        suggestions: similar(&n.text, candidates),
                        note,
                    });
                }
            }
            TermKind::Ctor(n) => {
                if !self.program.constructors.contains_key(&sym(n)) {
                    let candidates: Vec<&str> =
                        self.program.constructors.keys().map(|s| s.as_str()).collect();
                    self.errors.push(ResolveError::UnknownName {
                        span: n.span.absolute(offset),
                        kind: NameKind::Constructor,
                        name: n.text.clone(),
                        suggestions: similar(&n.text, candidates),
                        note: None,
                    });
                }
            }
            TermKind::Int(_) | TermKind::Bool(_) | TermKind::Hole | TermKind::Error => {}
            TermKind::App { head, args } => {
                self.walk_term(head, visible, bound, offset);
                for a in args {
                    self.walk_term(a, visible, bound, offset);
                }
            }
            TermKind::Unary(_, a) => self.walk_term(a, visible, bound, offset),
            TermKind::Binary(_, a, b) => {
                self.walk_term(a, visible, bound, offset);
                self.walk_term(b, visible, bound, offset);
            }
            TermKind::Lambda { param, body } => {
                bound.push(sym(param));
                self.walk_term(body, visible, bound, offset);
                bound.pop();
            }
            TermKind::Let { binder, value, body } => {
                // A lambda-let is an auxiliary function and may call itself (Synquid
                // emits such recursive helpers, e.g. the folded function of a sort).
                let recursive = matches!(value.kind, TermKind::Lambda { .. });
                if recursive {
                    bound.push(sym(binder));
                }
                self.walk_term(value, visible, bound, offset);
                if !recursive {
                    bound.push(sym(binder));
                }
                self.walk_term(body, visible, bound, offset);
                bound.pop();
            }
            TermKind::If { cond, then_branch, else_branch } => {
                self.walk_term(cond, visible, bound, offset);
                self.walk_term(then_branch, visible, bound, offset);
                self.walk_term(else_branch, visible, bound, offset);
            }
            TermKind::Match { scrutinee, cases } => {
                self.walk_term(scrutinee, visible, bound, offset);
                for case in cases {
                    let ctor = sym(&case.constructor);
                    match self.program.constructors.get(&ctor) {
                        None => {
                            let candidates: Vec<&str> =
                                self.program.constructors.keys().map(|s| s.as_str()).collect();
                            self.errors.push(ResolveError::UnknownName {
                                span: case.constructor.span.absolute(offset),
                                kind: NameKind::Constructor,
                                name: case.constructor.text.clone(),
                                suggestions: similar(&case.constructor.text, candidates),
                                note: None,
                            });
                        }
                        Some(def) => {
                            let arity = def.schema.ty.arity();
                            if arity != case.binders.len() {
                                self.errors.push(ResolveError::Arity {
                                    noun: "binder",
                                    span: case.span.absolute(offset),
                                    what: format!("constructor `{}`", case.constructor.text),
                                    expected: arity,
                                    found: case.binders.len(),
                                });
                            }
                        }
                    }
                    let n = case.binders.len();
                    bound.extend(case.binders.iter().map(sym));
                    self.walk_term(&case.body, visible, bound, offset);
                    bound.truncate(bound.len() - n);
                }
            }
            // The annotation's type is resolved by the checker, which knows the sorts of
            // the variables in scope there.
            TermKind::Annot { term, .. } => self.walk_term(term, visible, bound, offset),
            TermKind::List(items) => {
                for i in items {
                    self.walk_term(i, visible, bound, offset);
                }
            }
        }
    }
}

/// The sorts of a constructor's scalar arguments, read off its surface type. Used to
/// sort constructor terms in formulas before the constructor's type is fully resolved.
fn scalar_arg_sorts(ty: &ast::Type, program: &Program) -> Vec<Sort> {
    let mut sorts = Vec::new();
    let mut t = ty;
    while let TypeKind::Function { arg, result, .. } = &t.kind {
        if let Some(s) = surface_sort(arg, program) {
            sorts.push(s);
        }
        t = result;
    }
    sorts
}

fn surface_sort(ty: &ast::Type, program: &Program) -> Option<Sort> {
    match &ty.kind {
        TypeKind::Function { .. } => None,
        TypeKind::Scalar { base, .. } => Some(match base {
            ast::BaseType::Int => Sort::Int,
            ast::BaseType::Bool => Sort::Bool,
            ast::BaseType::Var(n) => Sort::var(n.text.as_str()),
            ast::BaseType::List(elem) => {
                Sort::data("List", [surface_sort(elem, program).unwrap_or(Sort::Int)])
            }
            ast::BaseType::Named { name, args, .. } => {
                let s = sym(name);
                let arg_sorts: Vec<Sort> =
                    args.iter().map(|a| surface_sort(a, program).unwrap_or(Sort::Int)).collect();
                match program.synonyms.get(&s) {
                    Some(syn) => {
                        let map: BTreeMap<Symbol, Sort> = syn.params.iter().copied().zip(arg_sorts).collect();
                        syn.body.sort()?.substitute_type_vars(&map)
                    }
                    None => Sort::data(s, arg_sorts),
                }
            }
        }),
    }
}

/// The span of the final result type of a (function) type.
fn result_span(ty: &ast::Type) -> ast::Span {
    match &ty.kind {
        TypeKind::Function { result, .. } => result_span(result),
        TypeKind::Scalar { .. } => ty.span,
    }
}

fn map_result(ty: RType, f: impl FnOnce(RType) -> RType) -> RType {
    match ty {
        RType::Function { param, arg, result } => {
            RType::Function { param, arg, result: Box::new(map_result(*result, f)) }
        }
        scalar => f(scalar),
    }
}

fn free_formula_vars<'a>(f: &'a ast::Formula, out: &mut Vec<&'a ast::Name>) {
    use ast::FormulaKind as K;
    match &f.kind {
        K::Var(n) => out.push(n),
        K::Bool(_) | K::Int(_) => {}
        K::SetLit(items) => items.iter().for_each(|i| free_formula_vars(i, out)),
        K::App { args, .. } | K::Ctor { args, .. } => args.iter().for_each(|a| free_formula_vars(a, out)),
        K::Unary(_, a) => free_formula_vars(a, out),
        K::Binary(_, a, b) => {
            free_formula_vars(a, out);
            free_formula_vars(b, out);
        }
        K::Ite(c, a, b) => {
            free_formula_vars(c, out);
            free_formula_vars(a, out);
            free_formula_vars(b, out);
        }
    }
}

/// Resolves a type annotation written inside a goal body (`(?? :: x: Int -> {Int | ..})`)
/// against a resolved program, with `vars` (the scalar variables in scope there) usable
/// in its refinements. Spans in errors are relative to the goal's declaration.
pub fn resolve_annotation(
    program: &Program,
    ty: &ast::Type,
    vars: &[(Symbol, Sort)],
) -> Result<RType, Vec<ResolveError>> {
    let mut globals = LogicGlobals::default();
    for m in program.measures.values() {
        let type_params = match &m.input {
            Sort::Data(d, _) => program.datatypes.get(d).map(|dt| dt.params.clone()).unwrap_or_default(),
            _ => Vec::new(),
        };
        let mut args: Vec<Sort> = m.const_args.iter().map(|(_, s)| s.clone()).collect();
        args.push(m.input.clone());
        globals.measures.insert(m.name, FunctionSig { type_params, args, result: m.output.clone() });
    }
    for p in program.predicates.values() {
        let type_params: BTreeSet<Symbol> =
            p.args.iter().chain(std::iter::once(&p.result)).flat_map(|s| s.type_vars()).collect();
        globals.predicates.insert(
            p.name,
            FunctionSig {
                type_params: type_params.into_iter().collect(),
                args: p.args.clone(),
                result: p.result.clone(),
            },
        );
    }
    for c in program.constructors.values() {
        let params = program.datatypes.get(&c.datatype).map(|dt| dt.params.clone()).unwrap_or_default();
        let result = Sort::data(c.datatype, params.iter().map(|p| Sort::Var(*p)));
        globals
            .constructors
            .insert(c.name, FunctionSig { type_params: params, args: c.arg_sorts.clone(), result });
    }
    for i in program.inlines.values() {
        globals.inlines.insert(i.name, (i.params.clone(), i.body.clone()));
    }
    let mut r = Resolver {
        program: program.clone(),
        globals,
        errors: Vec::new(),
        declared_types_later: BTreeSet::new(),
        defined: BTreeMap::new(),
    };
    let mut scope = TypeScope::default();
    for (name, sort) in vars {
        scope.vars.insert(*name, sort.clone());
    }
    let resolved = r.resolve_type(ty, &mut scope, 0);
    if r.errors.is_empty() { Ok(resolved) } else { Err(r.errors) }
}
