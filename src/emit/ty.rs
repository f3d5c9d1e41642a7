//! Erased types: what remains of a refinement type at run time.
//!
//! Refinements become contracts; what the target languages see is the shape: `Int`,
//! `Bool`, type parameters, datatypes applied to types, and (curried) functions. Goal
//! bodies carry no type annotations, so the emitter infers the shape of every
//! subterm by unification ([`Unifier`]), starting from the schemas of the goals,
//! components and constructors. The bodies have been checked (or come from the
//! synthesizer), so inference only has to find the types, never to reject.

use std::collections::BTreeMap;

use crate::logic::{Sort, Symbol};
use crate::types::{BaseType, RType};

/// An erased type.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ty {
    Int,
    Bool,
    /// A type parameter of the enclosing function or datatype.
    Param(Symbol),
    Data(Symbol, Vec<Ty>),
    /// A curried function `arg -> result`.
    Fun(Box<Ty>, Box<Ty>),
    /// An inference variable.
    Meta(u32),
}

impl Ty {
    pub fn fun(arg: Ty, result: Ty) -> Ty {
        Ty::Fun(Box::new(arg), Box::new(result))
    }

    /// The erasure of a refinement type.
    pub fn erase(t: &RType) -> Ty {
        match t {
            RType::Function { arg, result, .. } => Ty::fun(Ty::erase(arg), Ty::erase(result)),
            RType::Scalar { base, .. } => Ty::erase_base(base),
        }
    }

    pub fn erase_base(b: &BaseType) -> Ty {
        match b {
            BaseType::Int => Ty::Int,
            BaseType::Bool => Ty::Bool,
            BaseType::Var(a) => Ty::Param(*a),
            BaseType::Data { name, args, .. } => Ty::Data(*name, args.iter().map(Ty::erase).collect()),
        }
    }

    /// The type of values of a sort (sets have no run-time type of their own here).
    pub fn of_sort(s: &Sort) -> Option<Ty> {
        match s {
            Sort::Bool => Some(Ty::Bool),
            Sort::Int => Some(Ty::Int),
            Sort::Var(a) => Some(Ty::Param(*a)),
            Sort::Data(name, args) => {
                Some(Ty::Data(*name, args.iter().map(Ty::of_sort).collect::<Option<Vec<_>>>()?))
            }
            Sort::Set(_) | Sort::Meta(_) => None,
        }
    }

    /// Argument types and final result of a curried function type.
    pub fn uncurry(&self) -> (Vec<&Ty>, &Ty) {
        let mut args = Vec::new();
        let mut t = self;
        while let Ty::Fun(a, r) = t {
            args.push(&**a);
            t = r;
        }
        (args, t)
    }

    pub fn arity(&self) -> usize {
        self.uncurry().0.len()
    }

    pub fn is_fun(&self) -> bool {
        matches!(self, Ty::Fun(..))
    }

    /// Whether values of this type are copied rather than moved (in Rust: `i64`, `bool`,
    /// and functions, which are passed as `&dyn Fn` references).
    pub fn is_copy(&self) -> bool {
        matches!(self, Ty::Int | Ty::Bool | Ty::Fun(..))
    }

    /// Replaces type parameters.
    pub fn subst(&self, s: &BTreeMap<Symbol, Ty>) -> Ty {
        match self {
            Ty::Param(a) => s.get(a).cloned().unwrap_or_else(|| self.clone()),
            Ty::Data(d, args) => Ty::Data(*d, args.iter().map(|a| a.subst(s)).collect()),
            Ty::Fun(a, r) => Ty::fun(a.subst(s), r.subst(s)),
            Ty::Int | Ty::Bool | Ty::Meta(_) => self.clone(),
        }
    }

    /// The type parameters occurring in the type, in order of first occurrence.
    pub fn params(&self, out: &mut Vec<Symbol>) {
        match self {
            Ty::Param(a) => {
                if !out.contains(a) {
                    out.push(*a)
                }
            }
            Ty::Data(_, args) => args.iter().for_each(|a| a.params(out)),
            Ty::Fun(a, r) => {
                a.params(out);
                r.params(out);
            }
            Ty::Int | Ty::Bool | Ty::Meta(_) => {}
        }
    }

    /// The datatypes occurring in the type.
    pub fn datatypes(&self, out: &mut Vec<Symbol>) {
        match self {
            Ty::Data(d, args) => {
                if !out.contains(d) {
                    out.push(*d);
                }
                args.iter().for_each(|a| a.datatypes(out));
            }
            Ty::Fun(a, r) => {
                a.datatypes(out);
                r.datatypes(out);
            }
            Ty::Int | Ty::Bool | Ty::Param(_) | Ty::Meta(_) => {}
        }
    }
}

/// Unification of erased types with inference variables.
#[derive(Default, Debug)]
pub struct Unifier {
    solution: BTreeMap<u32, Ty>,
    next: u32,
}

impl Unifier {
    pub fn fresh(&mut self) -> Ty {
        self.next += 1;
        Ty::Meta(self.next - 1)
    }

    /// Follows solved variables everywhere in `t`.
    pub fn zonk(&self, t: &Ty) -> Ty {
        match t {
            Ty::Meta(m) => match self.solution.get(m) {
                Some(s) => self.zonk(s),
                None => t.clone(),
            },
            Ty::Data(d, args) => Ty::Data(*d, args.iter().map(|a| self.zonk(a)).collect()),
            Ty::Fun(a, r) => Ty::fun(self.zonk(a), self.zonk(r)),
            Ty::Int | Ty::Bool | Ty::Param(_) => t.clone(),
        }
    }

    fn occurs(&self, m: u32, t: &Ty) -> bool {
        match self.zonk(t) {
            Ty::Meta(n) => n == m,
            Ty::Data(_, args) => args.iter().any(|a| self.occurs(m, a)),
            Ty::Fun(a, r) => self.occurs(m, &a) || self.occurs(m, &r),
            Ty::Int | Ty::Bool | Ty::Param(_) => false,
        }
    }

    /// Makes two types equal; `Err` with both (zonked) types when they cannot be.
    pub fn unify(&mut self, a: &Ty, b: &Ty) -> Result<(), (Ty, Ty)> {
        let (a, b) = (self.zonk(a), self.zonk(b));
        match (&a, &b) {
            (Ty::Meta(m), Ty::Meta(n)) if m == n => Ok(()),
            (Ty::Meta(m), t) | (t, Ty::Meta(m)) => {
                if self.occurs(*m, t) {
                    return Err((a.clone(), b.clone()));
                }
                self.solution.insert(*m, t.clone());
                Ok(())
            }
            (Ty::Int, Ty::Int) | (Ty::Bool, Ty::Bool) => Ok(()),
            (Ty::Param(x), Ty::Param(y)) if x == y => Ok(()),
            (Ty::Data(d, xs), Ty::Data(e, ys)) if d == e && xs.len() == ys.len() => {
                for (x, y) in xs.iter().zip(ys) {
                    self.unify(x, y).map_err(|_| (a.clone(), b.clone()))?;
                }
                Ok(())
            }
            (Ty::Fun(a1, r1), Ty::Fun(a2, r2)) => {
                self.unify(a1, a2).map_err(|_| (a.clone(), b.clone()))?;
                self.unify(r1, r2).map_err(|_| (a.clone(), b.clone()))
            }
            _ => Err((a.clone(), b.clone())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unification_solves_and_rejects() {
        let mut u = Unifier::default();
        let m = u.fresh();
        let list = |t: Ty| Ty::Data(Symbol::intern("List"), vec![t]);
        assert!(u.unify(&list(m.clone()), &list(Ty::Int)).is_ok());
        assert_eq!(u.zonk(&m), Ty::Int);
        assert!(u.unify(&m, &Ty::Bool).is_err());
        let n = u.fresh();
        assert!(u.unify(&n, &list(n.clone())).is_err(), "occurs check");
    }
}
