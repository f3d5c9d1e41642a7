//! Refinement types and type schemas.
//!
//! A scalar type `{B | φ}` pairs a base type with a refinement over the value variable
//! `_v`; a function type `x: T1 -> T2` is dependent (`x` may occur in the refinements of
//! `T2` when `T1` is scalar). Datatypes carry their (refined) type arguments and their
//! predicate arguments, which are formulas over `_0 .. _k`:
//!
//! ```text
//! insert :: x: a -> xs: IncList a -> {IncList a | elems _v == elems xs + [x]}
//! ```
//!
//! resolves, with the synonym `IncList a = RList a <{_0 <= _1}>` expanded, to a function
//! whose argument `xs` has base type `RList a <{_0 <= _1}>` and refinement `True`.
//! A [`Schema`] quantifies over type variables (implicitly, in alphabetical order) and
//! predicate variables (explicitly, `<p :: a -> Bool> .`).

use std::collections::BTreeMap;
use std::fmt;

use crate::logic::{Formula, Sort, Symbol};

/// The base of a scalar type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum BaseType {
    Bool,
    Int,
    /// A datatype applied to type arguments and predicate arguments.
    Data {
        name: Symbol,
        args: Vec<RType>,
        preds: Vec<Formula>,
    },
    /// A type variable.
    Var(Symbol),
}

impl BaseType {
    /// The unrefined base of a logic sort (`Set` and other non-program sorts have none
    /// and read as `Int`; callers only ask for scalars).
    pub fn of_sort(sort: &Sort) -> BaseType {
        match sort {
            Sort::Bool => BaseType::Bool,
            Sort::Var(a) => BaseType::Var(*a),
            Sort::Data(name, args) => BaseType::Data {
                name: *name,
                args: args.iter().map(|s| RType::plain(BaseType::of_sort(s))).collect(),
                preds: Vec::new(),
            },
            _ => BaseType::Int,
        }
    }
}

/// A refinement type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RType {
    Scalar { base: BaseType, refinement: Formula },
    Function { param: Symbol, arg: Box<RType>, result: Box<RType> },
}

/// The signature of a predicate variable: its argument sorts (the result is `Bool`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PredSig {
    pub name: Symbol,
    pub args: Vec<Sort>,
}

/// A type quantified over type variables and predicate variables.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Schema {
    pub type_vars: Vec<Symbol>,
    pub pred_params: Vec<PredSig>,
    pub ty: RType,
}

impl Schema {
    /// A type with no quantifiers.
    pub fn mono(ty: RType) -> Schema {
        Schema { type_vars: Vec::new(), pred_params: Vec::new(), ty }
    }
}

impl BaseType {
    /// The sort of values of this base type.
    pub fn sort(&self) -> Sort {
        match self {
            BaseType::Bool => Sort::Bool,
            BaseType::Int => Sort::Int,
            BaseType::Var(a) => Sort::Var(*a),
            BaseType::Data { name, args, .. } => {
                Sort::data(*name, args.iter().map(|a| a.sort().unwrap_or(Sort::Int)))
            }
        }
    }
}

impl RType {
    pub fn scalar(base: BaseType, refinement: Formula) -> RType {
        RType::Scalar { base, refinement }
    }

    /// An unrefined scalar.
    pub fn plain(base: BaseType) -> RType {
        RType::Scalar { base, refinement: Formula::tt() }
    }

    /// The sort of a scalar type; `None` for functions, which do not enter the logic.
    pub fn sort(&self) -> Option<Sort> {
        match self {
            RType::Scalar { base, .. } => Some(base.sort()),
            RType::Function { .. } => None,
        }
    }

    pub fn is_function(&self) -> bool {
        matches!(self, RType::Function { .. })
    }

    /// The number of arguments of a function type.
    pub fn arity(&self) -> usize {
        match self {
            RType::Function { result, .. } => 1 + result.arity(),
            RType::Scalar { .. } => 0,
        }
    }

    /// The refinement of a scalar type (`True` for functions).
    pub fn refinement(&self) -> Formula {
        match self {
            RType::Scalar { refinement, .. } => refinement.clone(),
            RType::Function { .. } => Formula::tt(),
        }
    }

    /// Conjoins `extra` (a formula over `_v`) to the refinement of a scalar type.
    pub fn strengthen(self, extra: Formula) -> RType {
        match self {
            RType::Scalar { base, refinement } => {
                RType::Scalar { base, refinement: Formula::and(refinement, extra) }
            }
            f @ RType::Function { .. } => f,
        }
    }

    /// The final result type of a function type (the type itself for scalars).
    pub fn result(&self) -> &RType {
        match self {
            RType::Function { result, .. } => result.result(),
            RType::Scalar { .. } => self,
        }
    }

    /// Whether some type variable of the type (in its bases or in the sorts of its
    /// refinements) satisfies `pred`.
    pub fn mentions_type_var(&self, pred: &impl Fn(Symbol) -> bool) -> bool {
        self.mentions_type_var_among(u64::MAX, pred)
    }

    /// [`RType::mentions_type_var`], where `pred` holds only of type variables whose
    /// bits are in `mask` (see [`Symbol::mask_bit`]): refinements that mention none of
    /// those are not searched.
    pub fn mentions_type_var_among(&self, mask: u64, pred: &impl Fn(Symbol) -> bool) -> bool {
        match self {
            RType::Function { arg, result, .. } => {
                arg.mentions_type_var_among(mask, pred) || result.mentions_type_var_among(mask, pred)
            }
            RType::Scalar { base, refinement } => {
                refinement.mentions_type_var_among(mask, pred)
                    || match base {
                        BaseType::Var(a) => pred(*a),
                        BaseType::Data { args, preds, .. } => {
                            args.iter().any(|arg| arg.mentions_type_var_among(mask, pred))
                                || preds.iter().any(|p| p.mentions_type_var_among(mask, pred))
                        }
                        BaseType::Bool | BaseType::Int => false,
                    }
            }
        }
    }

    /// Substitutes types for type variables. `{a | φ}` with `a := {B | ψ}` becomes
    /// `{B | ψ ∧ φ}`; the sorts inside every formula follow the substitution.
    pub fn substitute_type_vars(&self, subst: &BTreeMap<Symbol, RType>) -> RType {
        if subst.is_empty() {
            return self.clone();
        }
        let sorts: BTreeMap<Symbol, Sort> =
            subst.iter().filter_map(|(a, t)| t.sort().map(|s| (*a, s))).collect();
        self.substitute_inner(subst, &sorts)
    }

    fn substitute_inner(&self, subst: &BTreeMap<Symbol, RType>, sorts: &BTreeMap<Symbol, Sort>) -> RType {
        match self {
            RType::Function { param, arg, result } => RType::Function {
                param: *param,
                arg: Box::new(arg.substitute_inner(subst, sorts)),
                result: Box::new(result.substitute_inner(subst, sorts)),
            },
            RType::Scalar { base, refinement } => {
                let refinement = refinement.substitute_type_vars(sorts);
                match base {
                    BaseType::Var(a) => match subst.get(a) {
                        Some(RType::Scalar { base, refinement: inner }) => RType::Scalar {
                            base: base.clone(),
                            refinement: Formula::and(inner.clone(), refinement),
                        },
                        // A function type cannot be refined; substitute it as it is.
                        Some(f @ RType::Function { .. }) => f.clone(),
                        None => RType::Scalar { base: base.clone(), refinement },
                    },
                    BaseType::Data { name, args, preds } => RType::Scalar {
                        base: BaseType::Data {
                            name: *name,
                            args: args.iter().map(|a| a.substitute_inner(subst, sorts)).collect(),
                            preds: preds.iter().map(|p| p.substitute_type_vars(sorts)).collect(),
                        },
                        refinement,
                    },
                    BaseType::Bool | BaseType::Int => RType::Scalar { base: base.clone(), refinement },
                }
            }
        }
    }
}

/// Prints in `.sq` syntax: `x: Int -> {List a | len _v == x}`.
impl fmt::Display for RType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RType::Function { param, arg, result } => {
                if arg.is_function() {
                    write!(f, "{param}: ({arg}) -> {result}")
                } else {
                    write!(f, "{param}: {arg} -> {result}")
                }
            }
            RType::Scalar { base, refinement } if refinement.is_true() => write!(f, "{base}"),
            RType::Scalar { base, refinement } => write!(f, "{{{base} | {refinement}}}"),
        }
    }
}

impl fmt::Display for BaseType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BaseType::Bool => f.write_str("Bool"),
            BaseType::Int => f.write_str("Int"),
            BaseType::Var(a) => write!(f, "{a}"),
            BaseType::Data { name, args, preds } => {
                write!(f, "{name}")?;
                for a in args {
                    match a {
                        RType::Scalar { base: BaseType::Data { args, preds, .. }, refinement }
                            if refinement.is_true() && !(args.is_empty() && preds.is_empty()) =>
                        {
                            write!(f, " ({a})")?
                        }
                        RType::Function { .. } => write!(f, " ({a})")?,
                        _ => write!(f, " {a}")?,
                    }
                }
                for p in preds {
                    write!(f, " <{{{p}}}>")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for PredSig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} :: ", self.name)?;
        for s in &self.args {
            write!(f, "{s} -> ")?;
        }
        f.write_str("Bool")
    }
}

/// Prints the schema with its quantifiers explicit: `forall a b . <p :: a -> Bool> . T`.
impl fmt::Display for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.type_vars.is_empty() {
            f.write_str("forall")?;
            for a in &self.type_vars {
                write!(f, " {a}")?;
            }
            f.write_str(" . ")?;
        }
        for p in &self.pred_params {
            write!(f, "<{p}> . ")?;
        }
        write!(f, "{}", self.ty)
    }
}
