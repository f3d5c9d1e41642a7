//! A small Rust syntax tree: the expressions and statements the emitter writes.
//!
//! Builders insert exactly the parentheses that precedence requires (no more:
//! `rustc -D warnings` rejects unused parentheses in some positions), so the tree the
//! layout module sees is the tree `rustc` and `rustfmt` would parse back.

/// A Rust expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// An integer, Boolean or string literal, written as is.
    Lit(String),
    /// A path: `x`, `List::Nil`, `BTreeSet::new`.
    Path(String),
    Call(Box<Expr>, Vec<Expr>),
    /// `receiver.method(args)`.
    Method(Box<Expr>, String, Vec<Expr>),
    /// `name!(args)` (the name without `!`).
    Macro(String, Vec<Expr>),
    /// `!e`, `-e`, `*e`.
    Unary(&'static str, Box<Expr>),
    /// `&e`.
    AddrOf(Box<Expr>),
    Binary(&'static str, Box<Expr>, Box<Expr>),
    Paren(Box<Expr>),
    /// `if cond { .. } else ..`; the else branch is a `Block` or another `If`.
    If(Box<Expr>, Block, Option<Box<Expr>>),
    Match(Box<Expr>, Vec<Arm>),
    Block(Block),
    /// `|params| body`; parameters as written (`v: &A`).
    Closure(Vec<String>, Box<Expr>),
    /// `[a, b]`.
    Array(Vec<Expr>),
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Block {
    pub stmts: Vec<Stmt>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stmt {
    /// `#[attr] let pat: ty = init;`
    Let { attrs: Vec<String>, pat: String, ty: Option<String>, init: Expr },
    /// `#[attr] expr;`
    Semi { attrs: Vec<String>, expr: Expr },
    /// The block's value (last).
    Tail(Expr),
    /// `// text` (one line per entry).
    Comment(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arm {
    pub pat: String,
    pub body: Expr,
}

/// Binding strength, higher binds tighter (the Rust reference's table).
pub fn precedence(e: &Expr) -> u8 {
    match e {
        Expr::Lit(l) if l.starts_with('-') => 14,
        Expr::Lit(_)
        | Expr::Path(_)
        | Expr::Paren(_)
        | Expr::Call(..)
        | Expr::Method(..)
        | Expr::Macro(..)
        | Expr::Array(_) => 16,
        Expr::Unary(..) | Expr::AddrOf(_) => 14,
        Expr::Binary(op, ..) => binop_precedence(op),
        // Block-like expressions read badly (and sometimes parse differently) as
        // operands: treat them as needing parentheses there.
        Expr::If(..) | Expr::Match(..) | Expr::Block(_) => 1,
        Expr::Closure(..) => 0,
    }
}

pub fn binop_precedence(op: &str) -> u8 {
    match op {
        "*" | "/" | "%" => 12,
        "+" | "-" => 11,
        "<<" | ">>" => 10,
        "&" => 9,
        "^" => 8,
        "|" => 7,
        "==" | "!=" | "<" | ">" | "<=" | ">=" => 6,
        "&&" => 5,
        "||" => 4,
        _ => 3,
    }
}

fn paren_if(e: Expr, needed: bool) -> Expr {
    if needed { Expr::Paren(Box::new(e)) } else { e }
}

pub fn lit(s: impl Into<String>) -> Expr {
    Expr::Lit(s.into())
}

pub fn path(s: impl Into<String>) -> Expr {
    Expr::Path(s.into())
}

pub fn call(callee: impl Into<String>, args: Vec<Expr>) -> Expr {
    Expr::Call(Box::new(path(callee)), args)
}

pub fn method(receiver: Expr, name: impl Into<String>, args: Vec<Expr>) -> Expr {
    let r = precedence(&receiver) < 16;
    Expr::Method(Box::new(paren_if(receiver, r)), name.into(), args)
}

pub fn mac(name: impl Into<String>, args: Vec<Expr>) -> Expr {
    Expr::Macro(name.into(), args)
}

pub fn unary(op: &'static str, e: Expr) -> Expr {
    let p = precedence(&e) < 14;
    Expr::Unary(op, Box::new(paren_if(e, p)))
}

pub fn not(e: Expr) -> Expr {
    unary("!", e)
}

pub fn deref(e: Expr) -> Expr {
    unary("*", e)
}

pub fn addr_of(e: Expr) -> Expr {
    // `&|x| body` borrows the whole closure.
    let p = precedence(&e) < 14 && !matches!(e, Expr::Closure(..));
    Expr::AddrOf(Box::new(paren_if(e, p)))
}

/// `l op r`, parenthesizing operands as precedence and associativity require
/// (comparisons do not chain).
pub fn binary(op: &'static str, l: Expr, r: Expr) -> Expr {
    let p = binop_precedence(op);
    let comparison = p == 6;
    let lp = precedence(&l);
    let rp = precedence(&r);
    let l = paren_if(l, lp < p || (comparison && lp == p) || lp <= 1);
    let r = paren_if(r, rp <= p || rp <= 1);
    Expr::Binary(op, Box::new(l), Box::new(r))
}

pub fn block_of(e: Expr) -> Block {
    Block { stmts: vec![Stmt::Tail(e)] }
}

pub fn if_else(cond: Expr, then: Block, otherwise: Option<Expr>) -> Expr {
    Expr::If(Box::new(cond), then, otherwise.map(Box::new))
}

impl Expr {
    /// `if`, `match` or a block (they end statements where they start them).
    pub fn is_block_like(&self) -> bool {
        matches!(self, Expr::If(..) | Expr::Match(..) | Expr::Block(_))
    }
}

/// The expression on one line (for generated test code, which is not laid out).
pub fn flat(e: &Expr) -> String {
    let list = |xs: &[Expr]| xs.iter().map(flat).collect::<Vec<_>>().join(", ");
    match e {
        Expr::Lit(s) | Expr::Path(s) => s.clone(),
        Expr::Call(c, args) => format!("{}({})", flat(c), list(args)),
        Expr::Method(r, m, args) => format!("{}.{m}({})", flat(r), list(args)),
        Expr::Macro(m, args) => format!("{m}!({})", list(args)),
        Expr::Unary(op, a) => format!("{op}{}", flat(a)),
        Expr::AddrOf(a) => format!("&{}", flat(a)),
        Expr::Binary(op, a, b) => format!("{} {op} {}", flat(a), flat(b)),
        Expr::Paren(a) => format!("({})", flat(a)),
        Expr::If(c, t, e) => {
            let mut s = format!("if {} {{ {} }}", flat(c), flat_block(t));
            if let Some(e) = e {
                s.push_str(&format!(" else {}", flat(e)));
            }
            s
        }
        Expr::Match(s, arms) => {
            let arms: Vec<String> = arms.iter().map(|a| format!("{} => {},", a.pat, flat(&a.body))).collect();
            format!("match {} {{ {} }}", flat(s), arms.join(" "))
        }
        Expr::Block(b) => format!("{{ {} }}", flat_block(b)),
        Expr::Closure(ps, b) => format!("|{}| {}", ps.join(", "), flat(b)),
        Expr::Array(xs) => format!("[{}]", list(xs)),
    }
}

fn flat_block(b: &Block) -> String {
    b.stmts
        .iter()
        .map(|s| match s {
            Stmt::Let { attrs, pat, ty, init } => {
                let ty = ty.as_ref().map(|t| format!(": {t}")).unwrap_or_default();
                format!("{} let {pat}{ty} = {};", attrs.join(" "), flat(init))
            }
            Stmt::Semi { attrs, expr } => format!("{} {};", attrs.join(" "), flat(expr)),
            Stmt::Tail(e) => flat(e),
            Stmt::Comment(_) => String::new(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}
