//! Programs as the search builds them, and their conversion to the surface tree.
//!
//! The search assembles terms bottom-up (an E-term grows one argument at a time) and
//! top-down (an I-term wraps the sub-terms its continuations return), so the
//! representation is a plain immutable tree with binary application. [`Prog::to_term`]
//! turns it into an [`ast::Term`] (applications flattened, spans empty) for printing,
//! for the checker's final verification, and for the emitters.

use crate::logic::{BinOp as L, Formula, Kind, Symbol, UnOp as LU};
use crate::syntax::ast::{self, BinOp, Name, Span, Term, TermKind, UnOp};

/// A program term built by the search.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Prog {
    /// A local variable, a component, or the goal itself.
    Var(Symbol),
    Ctor(Symbol),
    Int(i64),
    Bool(bool),
    App(Box<Prog>, Box<Prog>),
    Unary(UnOp, Box<Prog>),
    Binary(BinOp, Box<Prog>, Box<Prog>),
    Lambda(Symbol, Box<Prog>),
    If(Box<Prog>, Box<Prog>, Box<Prog>),
    Match(Box<Prog>, Vec<Case>),
    /// `let f = value in body`: an auxiliary function too large to inline.
    Let(Symbol, Box<Prog>, Box<Prog>),
    Error,
    /// `??`: only in partial programs reported to the user.
    Hole,
}

/// `C x1 .. xn -> body`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Case {
    pub ctor: Symbol,
    pub binders: Vec<Symbol>,
    pub body: Prog,
}

impl Prog {
    pub fn app(head: Prog, arg: Prog) -> Prog {
        Prog::App(Box::new(head), Box::new(arg))
    }

    pub fn lambda(param: Symbol, body: Prog) -> Prog {
        Prog::Lambda(param, Box::new(body))
    }

    pub fn if_(cond: Prog, then_branch: Prog, else_branch: Prog) -> Prog {
        Prog::If(Box::new(cond), Box::new(then_branch), Box::new(else_branch))
    }

    pub fn and(l: Prog, r: Prog) -> Prog {
        Prog::Binary(BinOp::And, Box::new(l), Box::new(r))
    }

    /// The symbol at the head of an application (the term itself if it is a symbol).
    pub fn head(&self) -> &Prog {
        match self {
            Prog::App(head, _) => head.head(),
            other => other,
        }
    }

    /// Every symbol the term uses, in order of first occurrence.
    pub fn symbols(&self) -> Vec<Symbol> {
        let mut out = Vec::new();
        self.collect_symbols(&mut out);
        out
    }

    fn collect_symbols(&self, out: &mut Vec<Symbol>) {
        let mut push = |s: Symbol| {
            if !out.contains(&s) {
                out.push(s);
            }
        };
        match self {
            Prog::Var(x) | Prog::Ctor(x) => push(*x),
            Prog::Int(_) | Prog::Bool(_) | Prog::Error | Prog::Hole => {}
            Prog::App(f, a) => {
                f.collect_symbols(out);
                a.collect_symbols(out);
            }
            Prog::Unary(_, a) | Prog::Lambda(_, a) => a.collect_symbols(out),
            Prog::Binary(_, a, b) | Prog::Let(_, a, b) => {
                a.collect_symbols(out);
                b.collect_symbols(out);
            }
            Prog::If(c, t, e) => {
                c.collect_symbols(out);
                t.collect_symbols(out);
                e.collect_symbols(out);
            }
            Prog::Match(s, cases) => {
                s.collect_symbols(out);
                for case in cases {
                    case.body.collect_symbols(out);
                }
            }
        }
    }

    /// Whether the variable `x` occurs in the term.
    pub fn mentions(&self, x: Symbol) -> bool {
        self.symbols().contains(&x)
    }

    /// The number of AST nodes, counted as Synquid counts them ("code size"): every
    /// symbol, application, lambda, `if`, `match` and `let` is one node (an operator
    /// application `a <= b` is two applications of the symbol `<=`); case patterns are
    /// free.
    pub fn size(&self) -> usize {
        match self {
            Prog::Var(_) | Prog::Ctor(_) | Prog::Int(_) | Prog::Bool(_) | Prog::Error => 1,
            Prog::Hole => 0,
            Prog::App(f, a) => 1 + f.size() + a.size(),
            Prog::Unary(_, a) => 2 + a.size(),
            Prog::Binary(_, a, b) => 3 + a.size() + b.size(),
            Prog::Lambda(_, b) => 1 + b.size(),
            Prog::Let(_, v, b) => 1 + v.size() + b.size(),
            Prog::If(c, t, e) => 1 + c.size() + t.size() + e.size(),
            Prog::Match(s, cases) => 1 + s.size() + cases.iter().map(|c| c.body.size()).sum::<usize>(),
        }
    }

    /// Replaces the variable `x` by `value` (used to insert auxiliary functions).
    pub fn replace_var(&self, x: Symbol, value: &Prog) -> Prog {
        let go = |p: &Prog| Box::new(p.replace_var(x, value));
        match self {
            Prog::Var(y) if *y == x => value.clone(),
            Prog::Var(_) | Prog::Ctor(_) | Prog::Int(_) | Prog::Bool(_) | Prog::Error | Prog::Hole => {
                self.clone()
            }
            Prog::App(f, a) => Prog::App(go(f), go(a)),
            Prog::Unary(op, a) => Prog::Unary(*op, go(a)),
            Prog::Binary(op, a, b) => Prog::Binary(*op, go(a), go(b)),
            Prog::Lambda(y, _) if *y == x => self.clone(),
            Prog::Lambda(y, b) => Prog::Lambda(*y, go(b)),
            Prog::Let(y, v, b) if *y == x => Prog::Let(*y, go(v), b.clone()),
            Prog::Let(y, v, b) => Prog::Let(*y, go(v), go(b)),
            Prog::If(c, t, e) => Prog::If(go(c), go(t), go(e)),
            Prog::Match(s, cases) => Prog::Match(
                go(s),
                cases
                    .iter()
                    .map(|c| Case {
                        ctor: c.ctor,
                        binders: c.binders.clone(),
                        body: if c.binders.contains(&x) {
                            c.body.clone()
                        } else {
                            c.body.replace_var(x, value)
                        },
                    })
                    .collect(),
            ),
        }
    }

    /// `\x . \y . f x y` becomes `f` (when `f` mentions neither binder).
    pub fn eta_contract(&self) -> Prog {
        let mut binders = Vec::new();
        let mut body = self;
        while let Prog::Lambda(x, b) = body {
            binders.push(*x);
            body = b;
        }
        let mut head = body;
        let mut rest = binders.clone();
        while let (Prog::App(f, a), Some(last)) = (head, rest.last()) {
            if **a != Prog::Var(*last) {
                break;
            }
            rest.pop();
            head = f;
        }
        if rest.is_empty() && !binders.is_empty() && binders.iter().all(|x| !head.mentions(*x)) {
            head.clone()
        } else {
            self.clone()
        }
    }

    /// A formula of the executable fragment as a program over the built-in operators:
    /// variables, literals, arithmetic, comparisons and connectives. `None` if the
    /// formula uses measures, predicates, sets, constructors, `ite` or quantifiers.
    pub fn from_formula(f: &Formula) -> Option<Prog> {
        match f.kind() {
            Kind::Bool(b) => Some(Prog::Bool(*b)),
            Kind::Int(n) => Some(Prog::Int(*n)),
            Kind::Var { name, .. } => Some(Prog::Var(*name)),
            Kind::Unary(LU::Not, a) => Some(Prog::Unary(UnOp::Not, Box::new(Prog::from_formula(a)?))),
            Kind::Unary(LU::Neg, a) => Some(Prog::Unary(UnOp::Neg, Box::new(Prog::from_formula(a)?))),
            Kind::Binary(op, a, b) => {
                let op = match op {
                    L::Times => BinOp::Times,
                    L::Plus => BinOp::Plus,
                    L::Minus => BinOp::Minus,
                    L::Eq => BinOp::Eq,
                    L::Neq => BinOp::Neq,
                    L::Lt => BinOp::Lt,
                    L::Le => BinOp::Le,
                    L::Gt => BinOp::Gt,
                    L::Ge => BinOp::Ge,
                    L::And => BinOp::And,
                    L::Or => BinOp::Or,
                    L::Implies => BinOp::Implies,
                    L::Iff => BinOp::Iff,
                    L::Union | L::Intersect | L::Diff | L::Member | L::Subset => return None,
                };
                Some(Prog::Binary(op, Box::new(Prog::from_formula(a)?), Box::new(Prog::from_formula(b)?)))
            }
            _ => None,
        }
    }

    /// The surface term (applications flattened, empty spans).
    pub fn to_term(&self) -> Term {
        let kind = match self {
            Prog::Var(x) => TermKind::Var(name(*x)),
            Prog::Ctor(c) => TermKind::Ctor(name(*c)),
            Prog::Int(n) if *n < 0 => {
                TermKind::Unary(UnOp::Neg, Box::new(term(TermKind::Int(n.unsigned_abs()))))
            }
            Prog::Int(n) => TermKind::Int(n.unsigned_abs()),
            Prog::Bool(b) => TermKind::Bool(*b),
            Prog::App(..) => {
                let mut args = Vec::new();
                let mut head = self;
                while let Prog::App(f, a) = head {
                    args.push(a.to_term());
                    head = f;
                }
                args.reverse();
                TermKind::App { head: Box::new(head.to_term()), args }
            }
            Prog::Unary(op, a) => TermKind::Unary(*op, Box::new(a.to_term())),
            Prog::Binary(op, a, b) => TermKind::Binary(*op, Box::new(a.to_term()), Box::new(b.to_term())),
            Prog::Lambda(x, b) => TermKind::Lambda { param: name(*x), body: Box::new(b.to_term()) },
            Prog::If(c, t, e) => TermKind::If {
                cond: Box::new(c.to_term()),
                then_branch: Box::new(t.to_term()),
                else_branch: Box::new(e.to_term()),
            },
            Prog::Match(s, cases) => TermKind::Match {
                scrutinee: Box::new(s.to_term()),
                cases: cases
                    .iter()
                    .map(|c| ast::Case {
                        constructor: name(c.ctor),
                        binders: c.binders.iter().map(|b| name(*b)).collect(),
                        body: c.body.to_term(),
                        span: Span::default(),
                    })
                    .collect(),
            },
            Prog::Let(x, v, b) => {
                TermKind::Let { binder: name(*x), value: Box::new(v.to_term()), body: Box::new(b.to_term()) }
            }
            Prog::Error => TermKind::Error,
            Prog::Hole => TermKind::Hole,
        };
        term(kind)
    }
}

fn name(x: Symbol) -> Name {
    Name { text: x.as_str().to_owned(), span: Span::default() }
}

fn term(kind: TermKind) -> Term {
    Term { kind, span: Span::default() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::Sort;
    use crate::syntax::pretty::print_term;

    fn var(x: &str) -> Prog {
        Prog::Var(Symbol::from(x))
    }

    #[test]
    fn applications_flatten_when_printed() {
        let p =
            Prog::app(Prog::app(Prog::Ctor(Symbol::from("Cons")), var("x")), Prog::app(var("f"), var("xs")));
        assert_eq!(print_term(&p.to_term()), "Cons x (f xs)");
        assert_eq!(p.size(), 7);
    }

    #[test]
    fn eta_contraction_removes_forwarding_lambdas() {
        let x = Symbol::from("x");
        let y = Symbol::from("y");
        let forwarding = Prog::lambda(x, Prog::lambda(y, Prog::app(Prog::app(var("f"), var("x")), var("y"))));
        assert_eq!(forwarding.eta_contract(), var("f"));
        let swapped = Prog::lambda(x, Prog::lambda(y, Prog::app(Prog::app(var("f"), var("y")), var("x"))));
        assert_eq!(swapped.eta_contract(), swapped);
        let capturing = Prog::lambda(x, Prog::app(Prog::app(var("f"), var("x")), var("x")));
        assert_eq!(capturing.eta_contract(), capturing);
    }

    #[test]
    fn executable_formulas_become_programs() {
        let n = Formula::var("n", Sort::Int);
        let cond =
            Formula::and(Formula::le(n.clone(), Formula::int(0)), !Formula::eq(n.clone(), Formula::int(-1)));
        let p = Prog::from_formula(&cond).expect("executable");
        assert_eq!(print_term(&p.to_term()), "n <= 0 && !(n == -1)");
        let measure = Formula::pred("len", Sort::Int, vec![n]);
        assert_eq!(Prog::from_formula(&measure), None);
    }
}
