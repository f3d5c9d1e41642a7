//! The surface syntax tree of a `.sq` file.
//!
//! The tree mirrors what the user wrote (no desugaring beyond dropping parentheses), so
//! that the pretty-printer can give it back in canonical form.
//!
//! **Spans are relative to their declaration.** A [`Decl`] records its absolute offset in
//! the file; every span inside [`DeclKind`] counts bytes from that offset. Editing one
//! declaration therefore leaves the `DeclKind` of every other declaration equal to what
//! it was, which is what lets per-declaration queries be reused after an edit
//! (crate-notes.md §4). Convert with [`Span::absolute`] when reporting.

use std::fmt;

/// A byte range, relative to the enclosing declaration's offset.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start: to_u32(start), end: to_u32(end) }
    }

    /// The absolute byte range of this span inside a declaration starting at `offset`.
    pub fn absolute(self, offset: u32) -> std::ops::Range<usize> {
        (offset + self.start) as usize..(offset + self.end) as usize
    }
}

fn to_u32(n: usize) -> u32 {
    // Files are read through `source::read_source`, which rejects anything over 4 GiB.
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// A name as written: an identifier or a type/constructor name.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Name {
    pub text: String,
    pub span: Span,
}

impl Name {
    /// `_`: a binder that binds nothing.
    pub fn is_blank(&self) -> bool {
        self.text == "_"
    }
}

/// A parsed file: its declarations in order.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Module {
    pub decls: Vec<Decl>,
}

/// A top-level declaration and where it sits in the file.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Decl {
    /// Absolute byte offset of the declaration's first token.
    pub offset: u32,
    /// Length in bytes, up to the end of its last token.
    pub len: u32,
    /// The declaration itself; all spans inside are relative to `offset`.
    pub kind: DeclKind,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub enum DeclKind {
    /// `type Name a b = T`
    TypeSynonym(TypeSynonym),
    /// `data D a <p :: a -> Bool> where C :: T ...`
    Data(DataDecl),
    /// `termination measure m :: c: s -> D a -> {S | post} where C x -> e ...`
    Measure(MeasureDecl),
    /// `predicate p :: s -> Bool`
    Predicate(PredSig),
    /// `qualifier {x <= y, x != y}`
    Qualifier(Vec<Formula>),
    /// `mutual {f, g}`
    Mutual(Vec<Name>),
    /// `inline f x y = formula`
    Inline(InlineDecl),
    /// `f :: schema`
    Signature(Signature),
    /// `f = term`
    Goal(Goal),
    /// `import List` or `import Prelude (zero, inc)`: rsynth's extension, not Synquid's
    /// (see docs/language.md, "Imports").
    Import(Import),
}

impl DeclKind {
    /// The name the declaration introduces, if any.
    pub fn name(&self) -> Option<&Name> {
        match self {
            DeclKind::TypeSynonym(d) => Some(&d.name),
            DeclKind::Data(d) => Some(&d.name),
            DeclKind::Measure(d) => Some(&d.name),
            DeclKind::Predicate(d) => Some(&d.name),
            DeclKind::Inline(d) => Some(&d.name),
            DeclKind::Signature(d) => Some(&d.name),
            DeclKind::Goal(d) => Some(&d.name),
            DeclKind::Qualifier(_) | DeclKind::Mutual(_) | DeclKind::Import(_) => None,
        }
    }
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TypeSynonym {
    pub name: Name,
    pub params: Vec<Name>,
    pub body: Type,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DataDecl {
    pub name: Name,
    pub params: Vec<Name>,
    pub pred_params: Vec<PredParam>,
    /// Empty for an abstract datatype (`data D` without `where`).
    pub constructors: Vec<ConstructorSig>,
}

/// `<r :: a -> a -> Bool>` after a datatype name; `!` marks it contravariant.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PredParam {
    pub sig: PredSig,
    pub contravariant: bool,
}

/// `p :: s1 -> .. -> sn -> S`: a predicate's name, argument sorts and result sort.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PredSig {
    pub name: Name,
    pub args: Vec<Sort>,
    pub result: Sort,
    pub span: Span,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ConstructorSig {
    pub name: Name,
    pub ty: Type,
    pub span: Span,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct MeasureDecl {
    pub termination: bool,
    pub name: Name,
    /// Named constant arguments before the datatype argument.
    pub const_args: Vec<(Name, Sort)>,
    /// The datatype the measure is defined on.
    pub input: Sort,
    pub output: Sort,
    /// The refinement of a refined result sort `{Int | _v >= 0}`.
    pub postcondition: Option<Formula>,
    /// Empty when the measure has no `where`.
    pub cases: Vec<MeasureCase>,
}

/// `C x y -> formula`
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct MeasureCase {
    pub constructor: Name,
    pub binders: Vec<Name>,
    pub body: Formula,
    pub span: Span,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct InlineDecl {
    pub name: Name,
    pub params: Vec<Name>,
    pub body: Formula,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Signature {
    pub name: Name,
    pub schema: Schema,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Goal {
    pub name: Name,
    pub body: Term,
}

/// `import M` brings in the declarations of library `M`; `import M (f, g)` brings its
/// types and measures but only the listed components.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Import {
    pub module: Name,
    /// The components listed in parentheses; `None` imports all of them.
    pub items: Option<Vec<Name>>,
}

/// A type with its predicate binders: `<p :: a -> Bool> . T`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Schema {
    pub pred_binders: Vec<PredSig>,
    pub ty: Type,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Type {
    pub kind: TypeKind,
    pub span: Span,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub enum TypeKind {
    /// `x: T1 -> T2`, or `T1 -> T2` when the argument is unnamed.
    Function { param: Option<Name>, arg: Box<Type>, result: Box<Type> },
    /// A base type, refined (`{B | φ}`) or not.
    Scalar { base: BaseType, refinement: Option<Formula> },
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub enum BaseType {
    Int,
    Bool,
    /// A type variable.
    Var(Name),
    /// A datatype or synonym applied to type and predicate arguments.
    Named {
        name: Name,
        args: Vec<Type>,
        pred_args: Vec<PredArg>,
    },
    /// `[T]`, sugar for `List T`.
    List(Box<Type>),
}

/// A predicate argument of a datatype: `<{_0 <= _1}>` or `<p>`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum PredArg {
    Formula(Formula),
    Name(Name),
}

/// Sorts of the refinement logic, as written in measure and predicate signatures.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Sort {
    pub kind: SortKind,
    pub span: Span,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub enum SortKind {
    Int,
    Bool,
    Set(Box<Sort>),
    Var(Name),
    Data { name: Name, args: Vec<Sort> },
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum UnOp {
    Not,
    Neg,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum BinOp {
    Times,
    Plus,
    Minus,
    Eq,
    Neq,
    Le,
    Lt,
    Ge,
    Gt,
    In,
    And,
    Or,
    Implies,
    Iff,
}

impl BinOp {
    /// The operator's precedence level (sq-language.md §6.1): higher binds looser.
    pub fn level(self) -> u8 {
        match self {
            BinOp::Times => 2,
            BinOp::Plus | BinOp::Minus => 3,
            BinOp::Eq | BinOp::Neq | BinOp::Le | BinOp::Lt | BinOp::Ge | BinOp::Gt | BinOp::In => 4,
            BinOp::And | BinOp::Or => 5,
            BinOp::Implies | BinOp::Iff => 6,
        }
    }

    pub fn spelling(self) -> &'static str {
        match self {
            BinOp::Times => "*",
            BinOp::Plus => "+",
            BinOp::Minus => "-",
            BinOp::Eq => "==",
            BinOp::Neq => "!=",
            BinOp::Le => "<=",
            BinOp::Lt => "<",
            BinOp::Ge => ">=",
            BinOp::Gt => ">",
            BinOp::In => "in",
            BinOp::And => "&&",
            BinOp::Or => "||",
            BinOp::Implies => "==>",
            BinOp::Iff => "<==>",
        }
    }
}

impl UnOp {
    pub fn spelling(self) -> &'static str {
        match self {
            UnOp::Not => "!",
            UnOp::Neg => "-",
        }
    }
}

/// A refinement formula.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Formula {
    pub kind: FormulaKind,
    pub span: Span,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub enum FormulaKind {
    Bool(bool),
    Int(u64),
    /// A variable (`x`, `_v`, `_0`) or a 0-ary predicate or inline.
    Var(Name),
    /// `[e1, .., en]`: a set literal.
    SetLit(Vec<Formula>),
    /// `m e1 .. en` (n ≥ 1): a measure, predicate, inline or bound predicate applied.
    App {
        head: Name,
        args: Vec<Formula>,
    },
    /// `C e1 .. en` (n ≥ 0): a constructor term.
    Ctor {
        name: Name,
        args: Vec<Formula>,
    },
    Unary(UnOp, Box<Formula>),
    Binary(BinOp, Box<Formula>, Box<Formula>),
    Ite(Box<Formula>, Box<Formula>, Box<Formula>),
}

/// A program term: a goal body, checked solution or template with holes.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Term {
    pub kind: TermKind,
    pub span: Span,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub enum TermKind {
    Var(Name),
    Ctor(Name),
    Int(u64),
    Bool(bool),
    /// `??`
    Hole,
    /// `error`: an unreachable branch.
    Error,
    /// `f a1 .. an` (n ≥ 1).
    App {
        head: Box<Term>,
        args: Vec<Term>,
    },
    Unary(UnOp, Box<Term>),
    Binary(BinOp, Box<Term>, Box<Term>),
    /// `\x . body`
    Lambda {
        param: Name,
        body: Box<Term>,
    },
    /// `let x = value in body`
    Let {
        binder: Name,
        value: Box<Term>,
        body: Box<Term>,
    },
    If {
        cond: Box<Term>,
        then_branch: Box<Term>,
        else_branch: Box<Term>,
    },
    Match {
        scrutinee: Box<Term>,
        cases: Vec<Case>,
    },
    /// `(e :: T)`
    Annot {
        term: Box<Term>,
        ty: Box<Type>,
    },
    /// `[e1, .., en]`: a list literal, `Cons e1 (.. Nil)`.
    List(Vec<Term>),
}

/// `C x y -> body` in a `match`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Case {
    pub constructor: Name,
    pub binders: Vec<Name>,
    pub body: Term,
    pub span: Span,
}

impl Term {
    /// The immediate sub-terms, in source order.
    pub fn children(&self) -> Vec<&Term> {
        match &self.kind {
            TermKind::Var(_)
            | TermKind::Ctor(_)
            | TermKind::Int(_)
            | TermKind::Bool(_)
            | TermKind::Hole
            | TermKind::Error => vec![],
            TermKind::App { head, args } => std::iter::once(&**head).chain(args).collect(),
            TermKind::Unary(_, a) => vec![a],
            TermKind::Binary(_, a, b) => vec![a, b],
            TermKind::Lambda { body, .. } => vec![body],
            TermKind::Let { value, body, .. } => vec![value, body],
            TermKind::If { cond, then_branch, else_branch } => vec![cond, then_branch, else_branch],
            TermKind::Match { scrutinee, cases } => {
                std::iter::once(&**scrutinee).chain(cases.iter().map(|c| &c.body)).collect()
            }
            TermKind::Annot { term, .. } => vec![term],
            TermKind::List(items) => items.iter().collect(),
        }
    }

    /// The immediate sub-terms, in source order, to change in place.
    pub fn children_mut(&mut self) -> Vec<&mut Term> {
        match &mut self.kind {
            TermKind::Var(_)
            | TermKind::Ctor(_)
            | TermKind::Int(_)
            | TermKind::Bool(_)
            | TermKind::Hole
            | TermKind::Error => vec![],
            TermKind::App { head, args } => std::iter::once(&mut **head).chain(args).collect(),
            TermKind::Unary(_, a) => vec![a],
            TermKind::Binary(_, a, b) => vec![a, b],
            TermKind::Lambda { body, .. } => vec![body],
            TermKind::Let { value, body, .. } => vec![value, body],
            TermKind::If { cond, then_branch, else_branch } => vec![cond, then_branch, else_branch],
            TermKind::Match { scrutinee, cases } => {
                std::iter::once(&mut **scrutinee).chain(cases.iter_mut().map(|c| &mut c.body)).collect()
            }
            TermKind::Annot { term, .. } => vec![term],
            TermKind::List(items) => items.iter_mut().collect(),
        }
    }

    /// Replaces the free occurrences of the variable `name` by `value`. The caller
    /// makes sure no binder in the term captures a variable of `value`.
    pub fn replace_var(&mut self, name: &str, value: &Term) {
        match &mut self.kind {
            TermKind::Var(x) if x.text == name => *self = value.clone(),
            // An application whose head is replaced by an application is one application
            // (`f z` with `f := g y` is `g y z`), the form the parser gives it.
            TermKind::App { head, args } if matches!(&head.kind, TermKind::Var(x) if x.text == name) => {
                args.iter_mut().for_each(|a| a.replace_var(name, value));
                match &value.kind {
                    TermKind::App { head: inner, args: first } => {
                        **head = (**inner).clone();
                        args.splice(0..0, first.iter().cloned());
                    }
                    _ => **head = value.clone(),
                }
            }
            // Binders of `name` shadow it in their scope.
            TermKind::Lambda { param, .. } if param.text == name => {}
            TermKind::Let { binder, value: bound, .. } if binder.text == name => {
                bound.replace_var(name, value)
            }
            TermKind::Match { scrutinee, cases } => {
                scrutinee.replace_var(name, value);
                for case in cases.iter_mut().filter(|c| c.binders.iter().all(|b| b.text != name)) {
                    case.body.replace_var(name, value);
                }
            }
            _ => self.children_mut().into_iter().for_each(|c| c.replace_var(name, value)),
        }
    }

    /// Whether a variable named `name` occurs in the term. Binders are not consulted,
    /// so a shadowed occurrence also counts: callers use this where "maybe" must be
    /// read as "yes".
    pub fn mentions_var(&self, name: &str) -> bool {
        match &self.kind {
            TermKind::Var(x) => x.text == name,
            _ => self.children().into_iter().any(|c| c.mentions_var(name)),
        }
    }
}
