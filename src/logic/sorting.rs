//! The sort of a formula, and the well-sortedness check.
//!
//! [`Formula::sort`] reads the sort off the outermost operator without looking at the
//! operands' agreement; it is what callers need when they already trust the formula.
//! [`Formula::check_sorts`] checks the whole tree. The SMT encoder runs it before
//! building Z3 terms, because Z3 reports ill-sorted terms by failing, and qualifier
//! instantiation uses it to drop ill-sorted instances.

use std::fmt;

use super::Sort;
use super::formula::{BinOp, Formula, Kind, UnOp};

/// An ill-sorted subformula and what was wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SortCheckError {
    pub at: Formula,
    pub message: String,
}

impl fmt::Display for SortCheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ill-sorted formula `{}`: {}", self.at, self.message)
    }
}

impl std::error::Error for SortCheckError {}

impl Formula {
    /// The sort of the formula, read from its outermost node.
    pub fn sort(&self) -> Sort {
        match self.kind() {
            Kind::Bool(_) | Kind::Unknown { .. } | Kind::All { .. } => Sort::Bool,
            Kind::Int(_) => Sort::Int,
            Kind::Var { sort, .. } | Kind::Pred { sort, .. } | Kind::Cons { sort, .. } => sort.clone(),
            Kind::Unary(UnOp::Not, _) => Sort::Bool,
            Kind::Unary(UnOp::Neg, _) => Sort::Int,
            Kind::Binary(op, l, _) => match op {
                BinOp::Times | BinOp::Plus | BinOp::Minus => Sort::Int,
                BinOp::Union | BinOp::Intersect | BinOp::Diff => l.sort(),
                _ => Sort::Bool,
            },
            Kind::Ite(_, t, _) => t.sort(),
            Kind::SetLit { elem, .. } => Sort::set(elem.clone()),
        }
    }

    /// Checks that every operator is applied to operands of fitting sorts, and returns the
    /// formula's sort. Comparisons `< <= > >=` accept `Int`, type variables, unsolved sort
    /// variables and `Bool` (a type variable instantiated with `Bool` can put them there;
    /// the SMT encoding turns them into implications). Applications are not checked
    /// against signatures, which the logic layer does not know.
    pub fn check_sorts(&self) -> Result<Sort, SortCheckError> {
        let fail = |message: String| Err(SortCheckError { at: self.clone(), message });
        match self.kind() {
            Kind::Bool(_) | Kind::Int(_) | Kind::Var { .. } | Kind::Unknown { .. } => Ok(self.sort()),
            Kind::Unary(op, x) => {
                let (expected, found) = match op {
                    UnOp::Not => (Sort::Bool, x.check_sorts()?),
                    UnOp::Neg => (Sort::Int, x.check_sorts()?),
                };
                if found == expected {
                    Ok(expected)
                } else {
                    fail(format!("operand has sort {found}, expected {expected}"))
                }
            }
            Kind::Binary(op, l, r) => {
                let (ls, rs) = (l.check_sorts()?, r.check_sorts()?);
                let mismatch = || format!("operands have sorts {ls} and {rs}");
                match op {
                    BinOp::Times | BinOp::Plus | BinOp::Minus => {
                        if ls == Sort::Int && rs == Sort::Int {
                            Ok(Sort::Int)
                        } else {
                            fail(mismatch())
                        }
                    }
                    BinOp::Eq | BinOp::Neq => {
                        if ls == rs {
                            Ok(Sort::Bool)
                        } else {
                            fail(mismatch())
                        }
                    }
                    BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                        let ordered = ls.is_ordered() || matches!(ls, Sort::Bool | Sort::Meta(_));
                        if ls == rs && ordered {
                            Ok(Sort::Bool)
                        } else {
                            fail(format!("{} (an ordered sort is needed)", mismatch()))
                        }
                    }
                    BinOp::And | BinOp::Or | BinOp::Implies | BinOp::Iff => {
                        if ls == Sort::Bool && rs == Sort::Bool { Ok(Sort::Bool) } else { fail(mismatch()) }
                    }
                    BinOp::Union | BinOp::Intersect | BinOp::Diff => {
                        if ls.is_set() && ls == rs {
                            Ok(ls)
                        } else {
                            fail(mismatch())
                        }
                    }
                    BinOp::Subset => {
                        if ls.is_set() && ls == rs {
                            Ok(Sort::Bool)
                        } else {
                            fail(mismatch())
                        }
                    }
                    BinOp::Member => {
                        if rs.elem() == Some(&ls) {
                            Ok(Sort::Bool)
                        } else {
                            fail(mismatch())
                        }
                    }
                }
            }
            Kind::Ite(c, t, e) => {
                let (cs, ts, es) = (c.check_sorts()?, t.check_sorts()?, e.check_sorts()?);
                if cs != Sort::Bool {
                    fail(format!("condition has sort {cs}"))
                } else if ts != es {
                    fail(format!("branches have sorts {ts} and {es}"))
                } else {
                    Ok(ts)
                }
            }
            Kind::Pred { sort, args, .. } | Kind::Cons { sort, args, .. } => {
                args.iter().try_for_each(|arg| arg.check_sorts().map(drop))?;
                Ok(sort.clone())
            }
            Kind::All { body, .. } => match body.check_sorts()? {
                Sort::Bool => Ok(Sort::Bool),
                other => fail(format!("quantifier body has sort {other}")),
            },
            Kind::SetLit { elem, elems } => {
                for e in elems {
                    let found = e.check_sorts()?;
                    if found != *elem {
                        return fail(format!("element `{e}` has sort {found}, expected {elem}"));
                    }
                }
                Ok(Sort::set(elem.clone()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_of_formulas() {
        let s = Formula::var("s", Sort::set(Sort::Int));
        let x = Formula::var("x", Sort::Int);
        let union = Formula::union(s.clone(), Formula::set_lit(Sort::Int, vec![x.clone()]));
        assert_eq!(union.check_sorts(), Ok(Sort::set(Sort::Int)));
        assert_eq!(Formula::member(x.clone(), union).check_sorts(), Ok(Sort::Bool));
        let a = Formula::var("y", Sort::var("a"));
        assert_eq!(Formula::le(a.clone(), a.clone()).check_sorts(), Ok(Sort::Bool));
    }

    #[test]
    fn ill_sorted_formulas_are_reported_with_the_culprit() {
        let s = Formula::var("s", Sort::set(Sort::Int));
        let x = Formula::var("x", Sort::Int);
        let bad = Formula::and(Formula::var("p", Sort::Bool), Formula::plus(x.clone(), s.clone()));
        let err = bad.check_sorts().expect_err("Int + Set Int is ill-sorted");
        assert_eq!(err.at, Formula::plus(x.clone(), s.clone()));
        assert!(Formula::lt(s.clone(), s.clone()).check_sorts().is_err(), "sets are not ordered");
        let a = Formula::var("y", Sort::var("a"));
        assert!(Formula::eq(a, x).check_sorts().is_err(), "a and Int are different sorts");
    }
}
