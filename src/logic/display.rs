//! Printing formulas in `.sq` syntax with as few parentheses as the grammar allows.
//!
//! The precedence table is the one of `sq-language.md` §6.1, tightest first: prefix `!`
//! and `-` (not repeatable, so `!(!x)` keeps its parentheses); `*`; `+ -`; the
//! non-associative comparisons `== != <= < >= > in`; `&&` and `||` sharing one
//! left-associative level; `==>` and `<==>` sharing one right-associative level.
//! Application binds tighter than any operator and takes atoms as arguments. An `if`
//! extends as far right as possible, so it is left bare only where nothing follows it.
//!
//! Set operators print as their overloaded spelling (`+` union, `*` intersection, `-`
//! difference, `<=` subset); the resolver tells them apart by sort. Two forms have no
//! surface syntax and print in a readable extension: quantifiers as `forall x: S. φ`
//! and unknowns with a pending substitution as `U[x := e]`.

use std::fmt::{self, Write};

use super::formula::{BinOp, Formula, Kind, UnOp};

/// Binding strength: a higher level binds tighter.
mod level {
    pub const OPEN: u8 = 2; // `if`, `forall`: extend to the right.
    pub const IMPLIES: u8 = 3;
    pub const AND_OR: u8 = 4;
    pub const COMPARE: u8 = 5;
    pub const PLUS: u8 = 6;
    pub const TIMES: u8 = 7;
    pub const UNARY: u8 = 8;
    pub const APP: u8 = 9;
    pub const ATOM: u8 = 10;
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Assoc {
    Left,
    Right,
    None,
}

impl BinOp {
    /// How the operator is written in `.sq` (`<=`, `==>`); sets share the arithmetic
    /// spellings (`+` is union, `<=` subset).
    pub fn spelling(self) -> &'static str {
        op_info(self).0
    }
}

fn op_info(op: BinOp) -> (&'static str, u8, Assoc) {
    match op {
        BinOp::Times => ("*", level::TIMES, Assoc::Left),
        BinOp::Intersect => ("*", level::TIMES, Assoc::Left),
        BinOp::Plus => ("+", level::PLUS, Assoc::Left),
        BinOp::Union => ("+", level::PLUS, Assoc::Left),
        BinOp::Minus => ("-", level::PLUS, Assoc::Left),
        BinOp::Diff => ("-", level::PLUS, Assoc::Left),
        BinOp::Eq => ("==", level::COMPARE, Assoc::None),
        BinOp::Neq => ("!=", level::COMPARE, Assoc::None),
        BinOp::Lt => ("<", level::COMPARE, Assoc::None),
        BinOp::Le => ("<=", level::COMPARE, Assoc::None),
        BinOp::Gt => (">", level::COMPARE, Assoc::None),
        BinOp::Ge => (">=", level::COMPARE, Assoc::None),
        BinOp::Member => ("in", level::COMPARE, Assoc::None),
        BinOp::Subset => ("<=", level::COMPARE, Assoc::None),
        BinOp::And => ("&&", level::AND_OR, Assoc::Left),
        BinOp::Or => ("||", level::AND_OR, Assoc::Left),
        BinOp::Implies => ("==>", level::IMPLIES, Assoc::Right),
        BinOp::Iff => ("<==>", level::IMPLIES, Assoc::Right),
    }
}

fn level_of(f: &Formula) -> u8 {
    match f.kind() {
        Kind::Int(value) if *value < 0 => level::UNARY,
        Kind::Bool(_) | Kind::Int(_) | Kind::Var { .. } | Kind::Unknown { .. } | Kind::SetLit { .. } => {
            level::ATOM
        }
        Kind::Pred { args, .. } | Kind::Cons { args, .. } => {
            if args.is_empty() {
                level::ATOM
            } else {
                level::APP
            }
        }
        Kind::Unary(..) => level::UNARY,
        Kind::Binary(op, ..) => op_info(*op).1,
        Kind::Ite(..) | Kind::All { .. } => level::OPEN,
    }
}

/// Writes `f` where the context requires at least binding level `min`; `tail` says
/// whether nothing follows `f` in its context (so an `if` may stay bare).
fn write_at(out: &mut fmt::Formatter<'_>, f: &Formula, min: u8, tail: bool) -> fmt::Result {
    let lvl = level_of(f);
    // An `if` or `forall` is an operand of any binary operator as long as nothing follows
    // it; application arguments and prefix operands take it in parentheses.
    let bare = if lvl == level::OPEN { tail && min <= level::UNARY } else { lvl >= min };
    if !bare {
        out.write_char('(')?;
        write_bare(out, f, true)?;
        return out.write_char(')');
    }
    write_bare(out, f, tail)
}

fn write_bare(out: &mut fmt::Formatter<'_>, f: &Formula, tail: bool) -> fmt::Result {
    match f.kind() {
        Kind::Bool(true) => out.write_str("True"),
        Kind::Bool(false) => out.write_str("False"),
        Kind::Int(value) => write!(out, "{value}"),
        Kind::Var { name, .. } => write!(out, "{name}"),
        Kind::Unknown { name, subst } => {
            write!(out, "{name}")?;
            if !subst.is_empty() {
                out.write_char('[')?;
                for (i, (x, value)) in subst.iter().enumerate() {
                    if i > 0 {
                        out.write_str(", ")?;
                    }
                    write!(out, "{x} := ")?;
                    write_at(out, value, 0, true)?;
                }
                out.write_char(']')?;
            }
            Ok(())
        }
        Kind::Unary(op, x) => {
            out.write_str(match op {
                UnOp::Not => "!",
                UnOp::Neg => "-",
            })?;
            write_at(out, x, level::APP, tail)
        }
        Kind::Binary(op, l, r) => {
            let (symbol, lvl, assoc) = op_info(*op);
            let left_min = if assoc == Assoc::Left { lvl } else { lvl + 1 };
            let right_min = if assoc == Assoc::Right { lvl } else { lvl + 1 };
            write_at(out, l, left_min, false)?;
            write!(out, " {symbol} ")?;
            write_at(out, r, right_min, tail)
        }
        Kind::Ite(c, t, e) => {
            out.write_str("if ")?;
            write_at(out, c, level::IMPLIES, false)?;
            out.write_str(" then ")?;
            write_at(out, t, level::IMPLIES, false)?;
            out.write_str(" else ")?;
            write_at(out, e, level::OPEN, tail)
        }
        Kind::Pred { name, args, .. } | Kind::Cons { name, args, .. } => {
            write!(out, "{name}")?;
            for arg in args {
                out.write_char(' ')?;
                write_at(out, arg, level::ATOM, false)?;
            }
            Ok(())
        }
        Kind::All { var, sort, body } => {
            write!(out, "forall {var}: {sort}. ")?;
            write_at(out, body, level::OPEN, tail)
        }
        Kind::SetLit { elems, .. } => {
            out.write_char('[')?;
            for (i, e) in elems.iter().enumerate() {
                if i > 0 {
                    out.write_str(", ")?;
                }
                write_at(out, e, 0, true)?;
            }
            out.write_char(']')
        }
    }
}

impl fmt::Display for Formula {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_at(f, self, 0, true)
    }
}

#[cfg(test)]
mod tests {
    use super::super::Sort;
    use super::*;

    fn b(name: &str) -> Formula {
        Formula::var(name, Sort::Bool)
    }

    fn i(name: &str) -> Formula {
        Formula::var(name, Sort::Int)
    }

    fn bin(op: BinOp, l: Formula, r: Formula) -> Formula {
        Formula::binary(op, l, r)
    }

    #[test]
    fn and_or_share_a_left_associative_level() {
        assert_eq!(bin(BinOp::Or, bin(BinOp::And, b("a"), b("b")), b("c")).to_string(), "a && b || c");
        assert_eq!(bin(BinOp::And, bin(BinOp::Or, b("a"), b("b")), b("c")).to_string(), "a || b && c");
        assert_eq!(bin(BinOp::And, b("a"), bin(BinOp::Or, b("b"), b("c"))).to_string(), "a && (b || c)");
    }

    #[test]
    fn implication_is_right_associative() {
        let (a, bb, c) = (b("a"), b("b"), b("c"));
        assert_eq!(
            bin(BinOp::Implies, a.clone(), bin(BinOp::Iff, bb.clone(), c.clone())).to_string(),
            "a ==> b <==> c"
        );
        assert_eq!(bin(BinOp::Implies, bin(BinOp::Implies, a, bb), c).to_string(), "(a ==> b) ==> c");
    }

    #[test]
    fn comparisons_are_not_associative() {
        let lt = bin(BinOp::Lt, i("x"), i("y"));
        assert_eq!(bin(BinOp::Eq, lt.clone(), b("p")).to_string(), "(x < y) == p");
        assert_eq!(bin(BinOp::Eq, b("p"), lt).to_string(), "p == (x < y)");
    }

    #[test]
    fn arithmetic_and_unary_operators() {
        let (x, y, z) = (i("x"), i("y"), i("z"));
        assert_eq!(
            bin(BinOp::Minus, x.clone(), bin(BinOp::Minus, y.clone(), z.clone())).to_string(),
            "x - (y - z)"
        );
        assert_eq!(
            bin(BinOp::Minus, bin(BinOp::Minus, x.clone(), y.clone()), z.clone()).to_string(),
            "x - y - z"
        );
        assert_eq!(
            bin(BinOp::Times, bin(BinOp::Plus, x.clone(), y.clone()), z.clone()).to_string(),
            "(x + y) * z"
        );
        assert_eq!(bin(BinOp::Times, Formula::unary(UnOp::Neg, x.clone()), y.clone()).to_string(), "-x * y");
        assert_eq!(Formula::unary(UnOp::Neg, Formula::unary(UnOp::Neg, x.clone())).to_string(), "-(-x)");
        assert_eq!(Formula::unary(UnOp::Not, bin(BinOp::And, b("p"), b("q"))).to_string(), "!(p && q)");
        assert_eq!(bin(BinOp::Minus, x, Formula::int(-1)).to_string(), "x - -1");
    }

    #[test]
    fn applications_take_atoms() {
        let xs = Formula::var("xs", Sort::data("List", [Sort::Int]));
        let len = Formula::pred("len", Sort::Int, vec![xs.clone()]);
        assert_eq!(bin(BinOp::Minus, len.clone(), Formula::int(1)).to_string(), "len xs - 1");
        let f = Formula::pred(
            "f",
            Sort::Int,
            vec![Formula::int(-1), bin(BinOp::Plus, i("x"), Formula::int(1)), len],
        );
        assert_eq!(f.to_string(), "f (-1) (x + 1) (len xs)");
        let cons = Formula::cons("Cons", xs.sort(), vec![i("x"), xs]);
        let nil = Formula::cons("Nil", cons.sort(), vec![]);
        assert_eq!(Formula::pred("p", Sort::Bool, vec![cons, nil]).to_string(), "p (Cons x xs) Nil");
    }

    #[test]
    fn conditionals_are_bare_only_at_the_tail() {
        let ite = Formula::new(Kind::Ite(b("c"), i("x"), i("y")));
        assert_eq!(bin(BinOp::Plus, Formula::int(1), ite.clone()).to_string(), "1 + if c then x else y");
        assert_eq!(bin(BinOp::Plus, ite.clone(), Formula::int(1)).to_string(), "(if c then x else y) + 1");
        assert_eq!(
            bin(BinOp::Lt, bin(BinOp::Plus, Formula::int(1), ite), i("z")).to_string(),
            "1 + (if c then x else y) < z"
        );
    }

    #[test]
    fn sets_and_literals() {
        let s = Formula::var("s", Sort::set(Sort::Int));
        let lit = Formula::set_lit(Sort::Int, vec![i("x"), Formula::int(2)]);
        assert_eq!(Formula::member(i("x"), bin(BinOp::Union, lit, s.clone())).to_string(), "x in [x, 2] + s");
        assert_eq!(Formula::set_lit(Sort::Int, vec![]).to_string(), "[]");
        assert_eq!(bin(BinOp::And, Formula::tt(), Formula::ff()).to_string(), "True && False");
    }
}
