//! Resolution of types and schemas: synonyms expanded, datatype arities checked,
//! predicate arguments resolved over `_0 .. _k`, refinements sorted.

use std::collections::{BTreeMap, BTreeSet};

use super::error::{NameKind, ResolveError};
use super::formula::{FormulaResolver, POISON, Scope};
use super::resolver::Resolver;
use super::suggest::similar;
use crate::logic::{Formula, Sort, Symbol, pred_param};
use crate::syntax::ast::{self, BaseType as SurfaceBase, TypeKind};
use crate::types::{BaseType, PredSig, RType, Schema};

/// What a type being resolved may refer to.
#[derive(Debug, Clone, Default)]
pub struct TypeScope {
    /// Scalar arguments to the left, with their sorts.
    pub vars: BTreeMap<Symbol, Sort>,
    /// Bound predicate variables.
    pub preds: BTreeMap<Symbol, Vec<Sort>>,
    /// Type variables met so far.
    pub type_vars: BTreeSet<Symbol>,
    /// If set, the only type variables allowed (a synonym's or datatype's parameters).
    pub allowed_type_vars: Option<Vec<Symbol>>,
    /// The synonym being defined, to report self-reference.
    pub defining_synonym: Option<Symbol>,
}

impl Resolver {
    /// Resolves a signature: implicit type variables (alphabetical), explicit predicate
    /// binders, the type.
    pub(super) fn resolve_schema(&mut self, schema: &ast::Schema, offset: u32) -> Schema {
        let mut scope = TypeScope::default();
        let mut pred_params = Vec::new();
        for binder in &schema.pred_binders {
            let sig = self.resolve_pred_sig(binder, offset);
            scope.preds.insert(sig.name, sig.args.clone());
            pred_params.push(sig);
        }
        let ty = self.resolve_type(&schema.ty, &mut scope, offset);
        for (binder, sig) in schema.pred_binders.iter().zip(&pred_params) {
            for arg in &sig.args {
                for tv in arg.type_vars() {
                    if !scope.type_vars.contains(&tv) {
                        self.errors.push(ResolveError::Invalid {
                            span: binder.span.absolute(offset),
                            message: format!(
                                "type variable `{tv}` in the sort of `{}` does not occur in the type",
                                sig.name
                            ),
                            hint: Some(
                                "a predicate binder may only mention type variables of the signature".into(),
                            ),
                        });
                    }
                }
            }
        }
        Schema { type_vars: scope.type_vars.into_iter().collect(), pred_params, ty }
    }

    /// `p :: s1 -> .. -> Bool`: the result must be `Bool`.
    pub(super) fn resolve_pred_sig(&mut self, sig: &ast::PredSig, offset: u32) -> PredSig {
        let args = sig.args.iter().map(|s| self.resolve_sort(s, offset)).collect();
        let result = self.resolve_sort(&sig.result, offset);
        if result != Sort::Bool {
            self.errors.push(ResolveError::Invalid {
                span: sig.result.span.absolute(offset),
                message: format!(
                    "predicate parameter `{}` must return `Bool`, not `{result}`",
                    sig.name.text
                ),
                hint: Some(format!("write `<{} :: ... -> Bool>`", sig.name.text)),
            });
        }
        PredSig { name: Symbol::from(sig.name.text.as_str()), args }
    }

    pub(super) fn resolve_sort(&mut self, sort: &ast::Sort, offset: u32) -> Sort {
        match &sort.kind {
            ast::SortKind::Int => Sort::Int,
            ast::SortKind::Bool => Sort::Bool,
            ast::SortKind::Var(n) => Sort::var(n.text.as_str()),
            ast::SortKind::Set(elem) => Sort::set(self.resolve_sort(elem, offset)),
            ast::SortKind::Data { name, args } => {
                let sym = Symbol::from(name.text.as_str());
                let args: Vec<Sort> = args.iter().map(|a| self.resolve_sort(a, offset)).collect();
                match self.program.datatypes.get(&sym) {
                    Some(dt) => {
                        if dt.params.len() != args.len() {
                            self.errors.push(ResolveError::Arity {
                                noun: "argument",
                                span: sort.span.absolute(offset),
                                what: format!("datatype `{}`", name.text),
                                expected: dt.params.len(),
                                found: args.len(),
                            });
                        }
                        Sort::data(sym, args)
                    }
                    None => {
                        self.unknown_type(name, offset, None);
                        Sort::var(POISON)
                    }
                }
            }
        }
    }

    fn unknown_type(&mut self, name: &ast::Name, offset: u32, defining: Option<Symbol>) {
        let sym = Symbol::from(name.text.as_str());
        if defining == Some(sym) {
            self.errors.push(ResolveError::SynonymCycle {
                span: name.span.absolute(offset),
                name: name.text.clone(),
            });
            return;
        }
        let candidates: Vec<&str> =
            self.program.datatypes.keys().chain(self.program.synonyms.keys()).map(|s| s.as_str()).collect();
        let note = self
            .declared_types_later
            .contains(&sym)
            .then(|| format!("`{}` is declared further down; declare it before its first use", name.text));
        self.errors.push(ResolveError::UnknownName {
            span: name.span.absolute(offset),
            kind: NameKind::Type,
            name: name.text.clone(),
            suggestions: similar(&name.text, candidates),
            note,
        });
    }

    /// Resolves a type. Scalar arguments enter `scope.vars` for the rest of the type.
    pub(super) fn resolve_type(&mut self, ty: &ast::Type, scope: &mut TypeScope, offset: u32) -> RType {
        match &ty.kind {
            TypeKind::Function { param, arg, result } => {
                let arg_ty = self.resolve_type(arg, scope, offset);
                let name = match param {
                    Some(p) => {
                        if p.text == "_v" {
                            self.errors.push(ResolveError::ValueVar {
                                span: p.span.absolute(offset),
                                reason: "`_v` cannot name an argument",
                            });
                        }
                        Symbol::from(p.text.as_str())
                    }
                    // Synquid's naming of unnamed arguments: `argN`, N the arity of the rest.
                    None => Symbol::from(format!("arg{}", arity(result)).as_str()),
                };
                let saved = scope.vars.clone();
                if let Some(sort) = arg_ty.sort() {
                    scope.vars.insert(name, sort);
                }
                let result_ty = self.resolve_type(result, scope, offset);
                scope.vars = saved;
                RType::Function { param: name, arg: Box::new(arg_ty), result: Box::new(result_ty) }
            }
            TypeKind::Scalar { base, refinement } => {
                let resolved = self.resolve_base(base, ty, scope, offset);
                let Some(phi) = refinement else { return resolved };
                let Some(sort) = resolved.sort() else { return resolved };
                let fscope =
                    Scope { vars: scope.vars.clone(), preds: scope.preds.clone(), ..Scope::default() }
                        .with_var(Symbol::from("_v"), sort);
                let formula = self.resolve_formula(phi, &fscope, &Sort::Bool, offset);
                resolved.strengthen(formula)
            }
        }
    }

    fn resolve_base(
        &mut self,
        base: &SurfaceBase,
        ty: &ast::Type,
        scope: &mut TypeScope,
        offset: u32,
    ) -> RType {
        match base {
            SurfaceBase::Int => RType::plain(BaseType::Int),
            SurfaceBase::Bool => RType::plain(BaseType::Bool),
            SurfaceBase::Var(name) => {
                let sym = Symbol::from(name.text.as_str());
                if let Some(allowed) = &scope.allowed_type_vars
                    && !allowed.contains(&sym)
                {
                    self.errors.push(ResolveError::Invalid {
                        span: name.span.absolute(offset),
                        message: format!("type variable `{}` is not a parameter here", name.text),
                        hint: Some(
                            "only the declared parameters may occur in a synonym or constructor".into(),
                        ),
                    });
                }
                scope.type_vars.insert(sym);
                RType::plain(BaseType::Var(sym))
            }
            SurfaceBase::List(elem) => {
                let list = ast::Name { text: "List".to_owned(), span: ty.span };
                self.resolve_named(&list, std::slice::from_ref(elem), &[], scope, offset)
            }
            SurfaceBase::Named { name, args, pred_args } => {
                self.resolve_named(name, args, pred_args, scope, offset)
            }
        }
    }

    fn resolve_named(
        &mut self,
        name: &ast::Name,
        args: &[ast::Type],
        pred_args: &[ast::PredArg],
        scope: &mut TypeScope,
        offset: u32,
    ) -> RType {
        let sym = Symbol::from(name.text.as_str());
        let resolved_args: Vec<RType> = args.iter().map(|a| self.resolve_type(a, scope, offset)).collect();
        if let Some(syn) = self.program.synonyms.get(&sym).cloned() {
            if syn.params.len() != args.len() || !pred_args.is_empty() {
                self.errors.push(ResolveError::Arity {
                    noun: "argument",
                    span: name.span.absolute(offset),
                    what: format!("type synonym `{}`", name.text),
                    expected: syn.params.len(),
                    found: args.len() + pred_args.len(),
                });
                return poison();
            }
            let map: BTreeMap<Symbol, RType> = syn.params.iter().copied().zip(resolved_args).collect();
            return syn.body.substitute_type_vars(&map);
        }
        let Some(dt) = self.program.datatypes.get(&sym).cloned() else {
            self.unknown_type(name, offset, scope.defining_synonym);
            return poison();
        };
        let mut resolved_args = resolved_args;
        if dt.params.len() != args.len() {
            self.errors.push(ResolveError::Arity {
                noun: "argument",
                span: name.span.absolute(offset),
                what: format!("datatype `{}`", name.text),
                expected: dt.params.len(),
                found: args.len(),
            });
            // Carry on with the declared arity, so that sorts built from this type do
            // not report the same mistake again.
            resolved_args.resize_with(dt.params.len(), poison);
        }
        if dt.pred_params.len() != pred_args.len() {
            self.errors.push(ResolveError::Arity {
                noun: "predicate argument",
                span: name.span.absolute(offset),
                what: format!("datatype `{}`", name.text),
                expected: dt.pred_params.len(),
                found: pred_args.len(),
            });
        }
        // Sorts of the predicate parameters, with the actual type arguments substituted.
        let sort_map: BTreeMap<Symbol, Sort> = dt
            .params
            .iter()
            .copied()
            .zip(resolved_args.iter().map(|a| a.sort().unwrap_or(Sort::Int)))
            .collect();
        let mut preds = Vec::new();
        for (param, arg) in dt.pred_params.iter().zip(pred_args) {
            let sorts: Vec<Sort> = param.sig.args.iter().map(|s| s.substitute_type_vars(&sort_map)).collect();
            preds.push(self.resolve_pred_arg(arg, &sorts, scope, offset));
        }
        RType::plain(BaseType::Data { name: sym, args: resolved_args, preds })
    }

    /// `<{φ}>` over `_0 .. _k`, or `<p>` as `p _0 .. _k`.
    fn resolve_pred_arg(
        &mut self,
        arg: &ast::PredArg,
        sorts: &[Sort],
        scope: &TypeScope,
        offset: u32,
    ) -> Formula {
        let params: Vec<Formula> =
            sorts.iter().enumerate().map(|(i, s)| Formula::var(pred_param(i), s.clone())).collect();
        match arg {
            ast::PredArg::Name(p) => {
                let sym = Symbol::from(p.text.as_str());
                match scope.preds.get(&sym) {
                    Some(bound) if bound.len() == sorts.len() => Formula::pred(sym, Sort::Bool, params),
                    Some(bound) => {
                        self.errors.push(ResolveError::Arity {
                            noun: "argument",
                            span: p.span.absolute(offset),
                            what: format!("predicate `{}`", p.text),
                            expected: bound.len(),
                            found: sorts.len(),
                        });
                        Formula::tt()
                    }
                    None => {
                        let candidates: Vec<&str> = scope.preds.keys().map(|s| s.as_str()).collect();
                        self.errors.push(ResolveError::UnknownName {
                            span: p.span.absolute(offset),
                            kind: NameKind::Predicate,
                            name: p.text.clone(),
                            suggestions: similar(&p.text, candidates),
                            note: Some(
                                "`<p>` passes a predicate bound by `<p :: ...> .` or by the datatype".into(),
                            ),
                        });
                        Formula::tt()
                    }
                }
            }
            ast::PredArg::Formula(phi) => {
                let mut fscope =
                    Scope { vars: scope.vars.clone(), preds: scope.preds.clone(), ..Scope::default() };
                fscope.no_value_var = "`_v` is not in scope in a predicate argument; use `_0`, `_1`, ...";
                for (i, s) in sorts.iter().enumerate() {
                    fscope.vars.insert(pred_param(i), s.clone());
                }
                self.resolve_formula(phi, &fscope, &Sort::Bool, offset)
            }
        }
    }

    /// Resolves a formula with this resolver's globals, collecting its errors.
    pub(super) fn resolve_formula(
        &mut self,
        phi: &ast::Formula,
        scope: &Scope,
        expected: &Sort,
        offset: u32,
    ) -> Formula {
        let mut fr = FormulaResolver::new(&self.globals, offset);
        let mut scope = scope.clone();
        if scope.no_value_var.is_empty() {
            scope.no_value_var = "`_v` is only in scope inside the refinement of a scalar type";
        }
        let formula = fr.resolve(phi, &scope, expected);
        self.errors.append(&mut fr.errors);
        formula
    }
}

/// The type given to something already reported as unknown or malformed.
fn poison() -> RType {
    RType::plain(BaseType::Var(Symbol::from(POISON)))
}

fn arity(ty: &ast::Type) -> usize {
    match &ty.kind {
        TypeKind::Function { result, .. } => 1 + arity(result),
        TypeKind::Scalar { .. } => 0,
    }
}
