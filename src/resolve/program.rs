//! The resolved program: every declaration of a file with names bound, synonyms
//! expanded, formulas sorted, and types in the refinement type language.
//!
//! Maps are `BTreeMap`s keyed by interned names, so iterating them is deterministic;
//! components and goals also keep their file order, which decides what a goal may use.

use std::collections::BTreeMap;

use crate::logic::{Formula, Sort, Symbol};
use crate::syntax::ast;
use crate::types::{PredSig, RType, Schema};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Program {
    pub datatypes: BTreeMap<Symbol, DatatypeDef>,
    pub constructors: BTreeMap<Symbol, ConstructorDef>,
    pub measures: BTreeMap<Symbol, MeasureDef>,
    pub predicates: BTreeMap<Symbol, PredicateDef>,
    pub inlines: BTreeMap<Symbol, InlineDef>,
    pub synonyms: BTreeMap<Symbol, SynonymDef>,
    /// Qualifier templates: their free variables are placeholders, sorted as far as the
    /// template determines (type variables where it does not).
    pub qualifiers: Vec<Formula>,
    /// Signatures in file order, including those of goals.
    pub components: Vec<Component>,
    /// Goals in file order.
    pub goals: Vec<GoalDef>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatatypeDef {
    pub name: Symbol,
    pub params: Vec<Symbol>,
    pub pred_params: Vec<PredParamDef>,
    /// Constructor names in declaration order; empty for an abstract datatype.
    pub constructors: Vec<Symbol>,
    /// The measure declared `termination` for this datatype.
    pub termination: Option<Symbol>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PredParamDef {
    pub sig: PredSig,
    pub contravariant: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConstructorDef {
    pub name: Symbol,
    pub datatype: Symbol,
    /// Quantified over the datatype's parameters and predicate parameters; the result
    /// refinement includes `_v == C x1 .. xn` over the scalar arguments.
    pub schema: Schema,
    /// Sorts of the scalar arguments, in terms of the datatype's parameters.
    pub arg_sorts: Vec<Sort>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureDef {
    pub name: Symbol,
    pub termination: bool,
    pub const_args: Vec<(Symbol, Sort)>,
    /// The datatype sort `D a1 .. an`, with the datatype's own parameter names.
    pub input: Sort,
    pub output: Sort,
    /// Assumed for every application: a formula over `_v` (of sort `output`).
    pub postcondition: Formula,
    /// One case per constructor, in declaration order of the measure.
    pub cases: Vec<MeasureCaseDef>,
    /// Index of the declaration in the file (case spans are relative to it).
    pub decl: usize,
}

/// `C x1 .. xn -> body`: the measure of `C x1 .. xn` is `body`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureCaseDef {
    pub constructor: Symbol,
    pub binders: Vec<Symbol>,
    pub body: Formula,
    /// The case's span, relative to the measure's declaration.
    pub span: ast::Span,
}

/// An uninterpreted logic function (`predicate p :: s1 -> S`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PredicateDef {
    pub name: Symbol,
    pub args: Vec<Sort>,
    pub result: Sort,
}

/// A formula macro, expanded at every use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineDef {
    pub name: Symbol,
    pub params: Vec<Symbol>,
    pub body: ast::Formula,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynonymDef {
    pub name: Symbol,
    pub params: Vec<Symbol>,
    pub body: RType,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    pub name: Symbol,
    pub schema: Schema,
    /// Index of the declaration in the file.
    pub decl: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoalDef {
    pub name: Symbol,
    pub schema: Schema,
    /// The body as written: `??`, a template with holes, or a complete program.
    pub body: ast::Term,
    /// Index of the declaration in the file, and its offset (spans in `body` are
    /// relative to it).
    pub decl: usize,
    pub offset: u32,
    /// Goals declared together with this one in a `mutual` block.
    pub mutual: Vec<Symbol>,
}

impl Program {
    /// The components a goal may use: every signature declared before it that is not a
    /// later goal, minus the goal itself, plus its mutual partners (Synquid's rule: a
    /// goal sees earlier goals, not itself or later ones).
    pub fn components_for(&self, goal: &GoalDef) -> Vec<&Component> {
        let later_goals: Vec<Symbol> =
            self.goals.iter().filter(|g| g.decl > goal.decl).map(|g| g.name).collect();
        self.components
            .iter()
            .filter(|c| c.name != goal.name || goal.mutual.contains(&c.name))
            .filter(|c| !later_goals.contains(&c.name) || goal.mutual.contains(&c.name))
            .collect()
    }

    pub fn component(&self, name: Symbol) -> Option<&Component> {
        self.components.iter().find(|c| c.name == name)
    }
}
