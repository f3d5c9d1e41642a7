//! Where the search is in the program it is building, and the best dead end it met.
//!
//! A [`Context`] is the program around the hole being filled, innermost frame first:
//! "the else branch of `if n <= 0 then Nil else ??`, in the body of `\n . \x . ??`".
//! The search keeps the current one as it descends (see `Explorer::in_frame`). When a
//! hole admits no term at all, the program with that hole left open is a *dead end*;
//! the largest one met is the closest the search came, and it is what an unsolved goal
//! reports: users of Synquid only ever see its last type error.

use std::rc::Rc;

use super::prog::{Case, Prog};
use crate::logic::Symbol;

/// The program around a hole.
#[derive(Clone, Debug, Default)]
pub(crate) struct Context(Option<Rc<Node>>);

#[derive(Debug)]
struct Node {
    frame: Frame,
    outer: Context,
}

/// One level of context.
#[derive(Clone, Debug)]
pub(crate) enum Frame {
    /// The body of `\x . ??`.
    Lambda(Symbol),
    /// The else branch of `if cond then then_branch else ??`.
    Else { cond: Prog, then_branch: Prog },
    /// The body of case `ctor binders` of a match: cases before it are done, cases after
    /// it are still holes.
    Case { site: CaseSite, ctor: Symbol, binders: Vec<Symbol> },
}

/// A match being built: its scrutinee, the cases done, the constructors still to come.
#[derive(Clone, Debug)]
pub(crate) struct CaseSite {
    pub scrutinee: Prog,
    pub done: Vec<Case>,
    /// The constructors still to come, with their numbers of arguments.
    pub rest: Vec<(Symbol, usize)>,
}

impl Context {
    #[must_use]
    pub fn push(&self, frame: Frame) -> Context {
        Context(Some(Rc::new(Node { frame, outer: self.clone() })))
    }

    /// The whole program with `inner` in the hole.
    pub fn plug(&self, inner: Prog) -> Prog {
        let mut program = inner;
        let mut at = self;
        while let Some(node) = &at.0 {
            program = match &node.frame {
                Frame::Lambda(x) => Prog::lambda(*x, program),
                Frame::Else { cond, then_branch } => Prog::if_(cond.clone(), then_branch.clone(), program),
                Frame::Case { site, ctor, binders } => {
                    let mut cases = site.done.clone();
                    cases.push(Case { ctor: *ctor, binders: binders.clone(), body: program });
                    cases.extend(site.rest.iter().map(|(c, arity)| Case {
                        ctor: *c,
                        binders: vec![Symbol::from("_"); *arity],
                        body: Prog::Hole,
                    }));
                    Prog::Match(Box::new(site.scrutinee.clone()), cases)
                }
            };
            at = &node.outer;
        }
        program
    }
}

/// The closest the search came to a program: a partial program whose one open hole
/// admits no term within the bounds, with what that hole required.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadEnd {
    /// The partial program, printed, with `??` for the hole (and for cases not reached).
    pub program: String,
    /// The type the hole had to have.
    pub goal: String,
    /// The facts that held at the hole (path conditions, match equations).
    pub facts: Vec<String>,
    /// The size of the partial program: how far the search got.
    pub size: usize,
}
