//! A small OCaml expression tree and its printer.
//!
//! The printer puts an expression on one line when it fits (90 columns) and otherwise
//! breaks it in the usual OCaml way: `match` arms one per line, `if`/`then`/`else`
//! branches indented, `let .. in` followed by its body on the next line, long
//! applications with one argument per line. Parentheses follow precedence; block
//! expressions (`match`, `if`, `let`, `fun`, sequences) are parenthesized whenever they
//! are not in tail position.

pub const WIDTH: usize = 90;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OExpr {
    /// An identifier, literal, or anything printed as is.
    Atom(String),
    /// `f a b`.
    App(Box<OExpr>, Vec<OExpr>),
    /// `C`, `C x`, `C (x, y)`.
    Ctor(String, Vec<OExpr>),
    Bin(&'static str, Box<OExpr>, Box<OExpr>),
    /// `-e`.
    Neg(Box<OExpr>),
    If(Box<OExpr>, Box<OExpr>, Box<OExpr>),
    Match(Box<OExpr>, Vec<(String, OExpr)>),
    Let {
        rec_: bool,
        name: String,
        value: Box<OExpr>,
        body: Box<OExpr>,
    },
    Fun(Vec<String>, Box<OExpr>),
    /// `e1; e2; e` (the statements are assertions, each with optional comments).
    Seq(Vec<Stmt>, Box<OExpr>),
    /// `[a; b]`.
    List(Vec<OExpr>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stmt {
    Comment(String),
    Expr(OExpr),
}

pub fn atom(s: impl Into<String>) -> OExpr {
    OExpr::Atom(s.into())
}

pub fn app(f: impl Into<String>, args: Vec<OExpr>) -> OExpr {
    if args.is_empty() { atom(f) } else { OExpr::App(Box::new(atom(f)), args) }
}

pub fn bin(op: &'static str, l: OExpr, r: OExpr) -> OExpr {
    OExpr::Bin(op, Box::new(l), Box::new(r))
}

pub fn not(e: OExpr) -> OExpr {
    app("not", vec![e])
}

fn level(e: &OExpr) -> u8 {
    match e {
        OExpr::Atom(s) if s.starts_with('-') => 8,
        OExpr::Atom(_) | OExpr::List(_) => 10,
        OExpr::Ctor(_, args) if args.is_empty() => 10,
        OExpr::App(..) | OExpr::Ctor(..) => 9,
        OExpr::Neg(_) => 8,
        OExpr::Bin(op, ..) => op_level(op),
        OExpr::If(..) | OExpr::Match(..) | OExpr::Let { .. } | OExpr::Fun(..) | OExpr::Seq(..) => 0,
    }
}

fn op_level(op: &str) -> u8 {
    match op {
        "*" => 7,
        "+" | "-" => 6,
        "=" | "<>" | "<" | "<=" | ">" | ">=" => 5,
        "&&" => 4,
        "||" => 3,
        _ => 2,
    }
}

fn paren(s: String) -> String {
    format!("({s})")
}

/// Prints `e` starting at column `indent` (continuation lines are indented from there).
pub fn print(e: &OExpr, indent: usize) -> String {
    if let Some(flat) = flat(e)
        && indent + flat.len() <= WIDTH
    {
        return flat;
    }
    broken(e, indent)
}

/// An operand needing at least `min` binding strength.
fn operand(e: &OExpr, min: u8, indent: usize) -> String {
    if level(e) < min { paren_block(e, indent) } else { print(e, indent) }
}

fn paren_block(e: &OExpr, indent: usize) -> String {
    let inner = print(e, indent + 1);
    paren(inner)
}

/// The one-line form, if the expression has one.
fn flat(e: &OExpr) -> Option<String> {
    Some(match e {
        OExpr::Atom(s) => s.clone(),
        OExpr::List(items) => {
            let items: Option<Vec<String>> = items.iter().map(flat).collect();
            format!("[{}]", items?.join("; "))
        }
        OExpr::App(f, args) => {
            let mut parts = vec![flat_operand(f, 9)?];
            for a in args {
                parts.push(flat_operand(a, 10)?);
            }
            parts.join(" ")
        }
        OExpr::Ctor(c, args) => match args.as_slice() {
            [] => c.clone(),
            [a] => format!("{c} {}", flat_operand(a, 10)?),
            _ => {
                let items: Option<Vec<String>> = args.iter().map(|a| flat_operand(a, 1)).collect();
                format!("{c} ({})", items?.join(", "))
            }
        },
        OExpr::Bin(op, l, r) => {
            let (lmin, rmin) = bin_mins(op);
            format!("{} {op} {}", flat_operand(l, lmin)?, flat_operand(r, rmin)?)
        }
        OExpr::Neg(a) => format!("-{}", flat_operand(a, 9)?),
        OExpr::If(c, t, f) => format!("if {} then {} else {}", flat(c)?, flat_operand(t, 1)?, flat(f)?),
        OExpr::Fun(ps, b) => format!("fun {} -> {}", ps.join(" "), flat(b)?),
        OExpr::Match(..) | OExpr::Let { .. } | OExpr::Seq(..) => return None,
    })
}

fn flat_operand(e: &OExpr, min: u8) -> Option<String> {
    let s = flat(e)?;
    Some(if level(e) < min { paren(s) } else { s })
}

/// Minimum levels of the operands: `+ - *` associate left, `&&` and `||` either way
/// (they are associative), comparisons do not chain.
fn bin_mins(op: &str) -> (u8, u8) {
    let l = op_level(op);
    match op {
        "&&" | "||" => (l, l),
        "=" | "<>" | "<" | "<=" | ">" | ">=" => (l + 1, l + 1),
        _ => (l, l + 1),
    }
}

fn ind(n: usize) -> String {
    " ".repeat(n)
}

fn broken(e: &OExpr, indent: usize) -> String {
    match e {
        OExpr::Atom(s) => s.clone(),
        OExpr::List(_) | OExpr::Neg(_) => flat(e).unwrap_or_default(),
        OExpr::App(f, args) => {
            let mut s = operand(f, 9, indent);
            for a in args {
                s.push('\n');
                s.push_str(&ind(indent + 2));
                s.push_str(&operand(a, 10, indent + 2));
            }
            s
        }
        OExpr::Ctor(c, args) => match args.as_slice() {
            [] => c.clone(),
            [a] => format!("{c} {}", operand(a, 10, indent + c.len() + 1)),
            _ => {
                let mut s = format!("{c}\n{}( ", ind(indent + 2));
                let items: Vec<String> = args.iter().map(|a| operand(a, 1, indent + 4)).collect();
                s.push_str(&items.join(&format!(",\n{}  ", ind(indent + 2))));
                s.push_str(" )");
                s
            }
        },
        OExpr::Bin(op, l, r) => {
            let (lmin, rmin) = bin_mins(op);
            format!(
                "{}\n{}{op} {}",
                operand(l, lmin, indent),
                ind(indent),
                operand(r, rmin, indent + op.len() + 1)
            )
        }
        OExpr::If(c, t, f) => {
            let mut s =
                format!("if {} then\n{}{}", print(c, indent + 3), ind(indent + 2), branch(t, indent + 2));
            match &**f {
                OExpr::If(..) => {
                    s.push_str(&format!("\n{}else {}", ind(indent), print(f, indent)));
                }
                _ => s.push_str(&format!(
                    "\n{}else\n{}{}",
                    ind(indent),
                    ind(indent + 2),
                    branch(f, indent + 2)
                )),
            }
            s
        }
        OExpr::Match(scrutinee, arms) => {
            let mut s = format!("match {} with", print(scrutinee, indent + 6));
            let n = arms.len();
            for (i, (pat, body)) in arms.iter().enumerate() {
                let head = format!("| {pat} ->");
                // A nested match would capture the following arms.
                let needs_paren = i + 1 < n && matches!(body, OExpr::Match(..) | OExpr::Seq(..));
                let b = if needs_paren { paren_block(body, indent + 4) } else { print(body, indent + 4) };
                let one = format!("{head} {b}");
                if !b.contains('\n') && indent + one.len() <= WIDTH {
                    s.push_str(&format!("\n{}{one}", ind(indent)));
                } else {
                    s.push_str(&format!("\n{}{head}\n{}{}", ind(indent), ind(indent + 4), b));
                }
            }
            s
        }
        OExpr::Let { rec_, name, value, body } => {
            let kw = if *rec_ { "let rec" } else { "let" };
            let head = format!("{kw} {name} =");
            let v = print(value, indent + 2);
            let first = if !v.contains('\n') && indent + head.len() + 1 + v.len() + 3 <= WIDTH {
                format!("{head} {v} in")
            } else {
                format!("{head}\n{}{}\n{}in", ind(indent + 2), v, ind(indent))
            };
            format!("{first}\n{}{}", ind(indent), print(body, indent))
        }
        OExpr::Fun(ps, b) => format!("fun {} ->\n{}{}", ps.join(" "), ind(indent + 2), print(b, indent + 2)),
        OExpr::Seq(stmts, last) => {
            let mut s = String::new();
            for st in stmts {
                match st {
                    Stmt::Comment(c) => s.push_str(&format!("(* {} *)\n{}", comment_text(c), ind(indent))),
                    Stmt::Expr(e) => s.push_str(&format!("{};\n{}", print(e, indent), ind(indent))),
                }
            }
            s.push_str(&print(last, indent));
            s
        }
    }
}

/// A branch of `if`: sequences and lets need parentheses there.
fn branch(e: &OExpr, indent: usize) -> String {
    match e {
        OExpr::Seq(..) | OExpr::Let { .. } | OExpr::Match(..) => paren_block(e, indent),
        _ => print(e, indent),
    }
}

/// Comment text that cannot close the comment early.
pub fn comment_text(s: &str) -> String {
    s.replace("*)", "* )").replace("(*", "( *")
}
