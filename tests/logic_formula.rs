//! Formula printing round-trips through a reference parser of the `.sq` formula grammar.
//!
//! The parser below is test-only and follows the precedence table of sq-language.md §6.1
//! literally (prefix operators not repeatable, comparisons non-associative, `&&`/`||` one
//! left-associative level, `==>`/`<==>` one right-associative level, `if` extending to
//! the right). Random well-sorted formulas must come back unchanged after printing and
//! parsing, which checks that the printer's parentheses are sufficient; the unit tests in
//! `display.rs` check that they are minimal.

use rsynth::logic::{BinOp, Formula, Sort, Substitution, Symbol, UnOp};

// ----- a deterministic generator of well-sorted formulas -----

struct Gen(u64);

impl Gen {
    fn next(&mut self, n: u64) -> u64 {
        // SplitMix64: deterministic across platforms and runs.
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n
    }

    fn int_term(&mut self, depth: u32) -> Formula {
        let choice = if depth == 0 { self.next(2) } else { self.next(8) };
        match choice {
            0 => Formula::var(["x", "y", "z"][self.next(3) as usize], Sort::Int),
            1 => Formula::int(self.next(20) as i64),
            2 => Formula::binary(BinOp::Plus, self.int_term(depth - 1), self.int_term(depth - 1)),
            3 => Formula::binary(BinOp::Minus, self.int_term(depth - 1), self.int_term(depth - 1)),
            4 => Formula::binary(BinOp::Times, self.int_term(depth - 1), self.int_term(depth - 1)),
            5 => Formula::unary(UnOp::Neg, self.int_term(depth - 1)),
            6 => Formula::new(rsynth::logic::Kind::Ite(
                self.bool_term(depth - 1),
                self.int_term(depth - 1),
                self.int_term(depth - 1),
            )),
            _ => Formula::pred("f", Sort::Int, vec![self.int_term(depth - 1)]),
        }
    }

    fn bool_term(&mut self, depth: u32) -> Formula {
        let choice = if depth == 0 { self.next(2) } else { self.next(9) };
        let cmp = [BinOp::Eq, BinOp::Neq, BinOp::Lt, BinOp::Le, BinOp::Gt, BinOp::Ge];
        let logic = [BinOp::And, BinOp::Or, BinOp::Implies, BinOp::Iff];
        match choice {
            0 => Formula::var(["p", "q"][self.next(2) as usize], Sort::Bool),
            1 => Formula::bool(self.next(2) == 0),
            2 => Formula::unary(UnOp::Not, self.bool_term(depth - 1)),
            3 | 4 => {
                let op = logic[self.next(4) as usize];
                Formula::binary(op, self.bool_term(depth - 1), self.bool_term(depth - 1))
            }
            5 | 6 => {
                let op = cmp[self.next(6) as usize];
                Formula::binary(op, self.int_term(depth - 1), self.int_term(depth - 1))
            }
            7 => Formula::binary(BinOp::Eq, self.bool_term(depth - 1), self.bool_term(depth - 1)),
            _ => Formula::new(rsynth::logic::Kind::Ite(
                self.bool_term(depth - 1),
                self.bool_term(depth - 1),
                self.bool_term(depth - 1),
            )),
        }
    }
}

// ----- the reference parser -----

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Int(i64),
    Ident(String),
    Sym(&'static str),
}

fn lex(src: &str) -> Vec<Tok> {
    const SYMS: [&str; 16] =
        ["<==>", "==>", "==", "!=", "<=", ">=", "&&", "||", "<", ">", "+", "-", "*", "!", "(", ")"];
    let mut out = Vec::new();
    let mut rest = src.trim_start();
    while !rest.is_empty() {
        if let Some(sym) = SYMS.iter().find(|s| rest.starts_with(**s)) {
            out.push(Tok::Sym(sym));
            rest = &rest[sym.len()..];
        } else {
            let end = rest.find(|c: char| !c.is_ascii_alphanumeric() && c != '_').unwrap_or(rest.len());
            assert!(end > 0, "unexpected character in {rest:?}");
            let word = &rest[..end];
            out.push(match word.parse::<i64>() {
                Ok(n) => Tok::Int(n),
                Err(_) => Tok::Ident(word.to_owned()),
            });
            rest = &rest[end..];
        }
        rest = rest.trim_start();
    }
    out
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek_sym(&self) -> Option<&'static str> {
        match self.toks.get(self.pos) {
            Some(Tok::Sym(s)) => Some(s),
            _ => None,
        }
    }

    fn peek_word(&self, word: &str) -> bool {
        matches!(self.toks.get(self.pos), Some(Tok::Ident(w)) if w == word)
    }

    fn expect_word(&mut self, word: &str) {
        assert!(self.peek_word(word), "expected {word} at {}", self.pos);
        self.pos += 1;
    }

    fn formula(&mut self) -> Formula {
        let lhs = self.and_or();
        match self.peek_sym() {
            Some(s @ ("==>" | "<==>")) => {
                self.pos += 1;
                let op = if s == "==>" { BinOp::Implies } else { BinOp::Iff };
                Formula::binary(op, lhs, self.formula())
            }
            _ => lhs,
        }
    }

    fn and_or(&mut self) -> Formula {
        let mut lhs = self.comparison();
        while let Some(s @ ("&&" | "||")) = self.peek_sym() {
            self.pos += 1;
            let op = if s == "&&" { BinOp::And } else { BinOp::Or };
            lhs = Formula::binary(op, lhs, self.comparison());
        }
        lhs
    }

    fn comparison(&mut self) -> Formula {
        let lhs = self.sum();
        let op = match self.peek_sym() {
            Some("==") => BinOp::Eq,
            Some("!=") => BinOp::Neq,
            Some("<") => BinOp::Lt,
            Some("<=") => BinOp::Le,
            Some(">") => BinOp::Gt,
            Some(">=") => BinOp::Ge,
            _ => return lhs,
        };
        self.pos += 1;
        let rhs = self.sum();
        let again = matches!(self.peek_sym(), Some("==" | "!=" | "<" | "<=" | ">" | ">="));
        assert!(!again, "comparisons are not associative");
        Formula::binary(op, lhs, rhs)
    }

    fn sum(&mut self) -> Formula {
        let mut lhs = self.product();
        while let Some(s @ ("+" | "-")) = self.peek_sym() {
            self.pos += 1;
            let op = if s == "+" { BinOp::Plus } else { BinOp::Minus };
            lhs = Formula::binary(op, lhs, self.product());
        }
        lhs
    }

    fn product(&mut self) -> Formula {
        let mut lhs = self.unary();
        while self.peek_sym() == Some("*") {
            self.pos += 1;
            lhs = Formula::binary(BinOp::Times, lhs, self.unary());
        }
        lhs
    }

    fn unary(&mut self) -> Formula {
        let op = match self.peek_sym() {
            Some("!") => UnOp::Not,
            Some("-") => UnOp::Neg,
            _ => return self.term(),
        };
        self.pos += 1;
        assert!(!matches!(self.peek_sym(), Some("!" | "-")), "prefix operators are not repeatable");
        Formula::unary(op, self.term())
    }

    fn term(&mut self) -> Formula {
        if self.peek_word("if") {
            self.pos += 1;
            let c = self.formula();
            self.expect_word("then");
            let t = self.formula();
            self.expect_word("else");
            let e = self.formula();
            return Formula::new(rsynth::logic::Kind::Ite(c, t, e));
        }
        if self.peek_word("f") {
            self.pos += 1;
            return Formula::pred("f", Sort::Int, vec![self.atom()]);
        }
        self.atom()
    }

    fn atom(&mut self) -> Formula {
        let tok = self.toks.get(self.pos).cloned();
        self.pos += 1;
        match tok {
            Some(Tok::Sym("(")) => {
                let inner = self.formula();
                assert_eq!(self.toks.get(self.pos), Some(&Tok::Sym(")")));
                self.pos += 1;
                inner
            }
            Some(Tok::Int(n)) => Formula::int(n),
            Some(Tok::Ident(w)) if w == "True" => Formula::tt(),
            Some(Tok::Ident(w)) if w == "False" => Formula::ff(),
            Some(Tok::Ident(w)) if w == "p" || w == "q" => Formula::var(w.as_str(), Sort::Bool),
            Some(Tok::Ident(w)) if !["if", "then", "else", "f"].contains(&w.as_str()) => {
                Formula::var(w.as_str(), Sort::Int)
            }
            other => panic!("unexpected token {other:?}"),
        }
    }
}

fn parse(src: &str) -> Formula {
    let mut parser = Parser { toks: lex(src), pos: 0 };
    let f = parser.formula();
    assert_eq!(parser.pos, parser.toks.len(), "trailing input in {src:?}");
    f
}

#[test]
fn printing_round_trips_through_the_grammar() {
    let mut rng = Gen(0x5EED);
    for case in 0..3000 {
        let f = rng.bool_term(1 + case % 5);
        let printed = f.to_string();
        let parsed = parse(&printed);
        assert_eq!(parsed, f, "case {case}: {printed}");
        assert_eq!(parsed.to_string(), printed);
    }
}

#[test]
fn examples_of_minimal_parentheses() {
    // (input, how it prints): redundant parentheses disappear, needed ones stay.
    for (src, expected) in [
        ("p && q || p ==> q <==> p", "p && q || p ==> q <==> p"),
        ("(p ==> q) ==> p", "(p ==> q) ==> p"),
        ("(x - (y - z)) < (x * (y + z))", "x - (y - z) < x * (y + z)"),
        ("(-x) * (-y) == (f (-x)) + f (x * y)", "-x * -y == f (-x) + f (x * y)"),
        ("!(x < y) || (p == (x < y))", "!(x < y) || p == (x < y)"),
        ("x + (if p then y else z) == z", "x + (if p then y else z) == z"),
        ("((p && q) || p) && q", "p && q || p && q"),
        ("!(!p)", "!(!p)"),
    ] {
        assert_eq!(parse(src).to_string(), expected, "{src}");
    }
}

#[test]
fn substitution_under_quantifiers_avoids_capture() {
    // forall y. y > x && q, with x := y * 2 and q := y < 0: both replacements mention the
    // bound y, so it is renamed once and both free occurrences stay free.
    let (x, y) = (Formula::var("x", Sort::Int), Formula::var("y", Sort::Int));
    let body = Formula::and(Formula::gt(y.clone(), x.clone()), Formula::var("q", Sort::Bool));
    let all = Formula::all("y", Sort::Int, body);
    let subst: Substitution = [
        (Symbol::intern("x"), Formula::times(y.clone(), Formula::int(2))),
        (Symbol::intern("q"), Formula::lt(y.clone(), Formula::int(0))),
    ]
    .into_iter()
    .collect();
    let result = all.substitute(&subst);
    assert_eq!(result.to_string(), "forall y'1: Int. y'1 > y * 2 && y < 0");
    assert_eq!(result.free_var_names(), [Symbol::intern("y")].into_iter().collect());
    // A name already used as y'1 is avoided too.
    let taken = Formula::all("y", Sort::Int, Formula::lt(Formula::var("y'1", Sort::Int), y.clone()));
    let renamed = taken.substitute(&Substitution::single("y'1", y.clone()));
    assert_eq!(renamed.to_string(), "forall y'2: Int. y < y'2");
}

/// Formulas carry a mask of the type variables in their sorts, and sort substitutions
/// skip the nodes whose masks say a variable cannot occur: the substitution must still
/// reach every sort that mentions one, however deep (here inside an unknown's pending
/// substitution), and leave the rest as it was.
#[test]
fn sort_substitutions_reach_every_mention_and_keep_the_rest() {
    use std::collections::BTreeMap;
    let (a1, a2) = (Symbol::intern("A1'"), Symbol::intern("A2'"));
    let list = |a: Symbol| Sort::Data(Symbol::intern("List"), vec![Sort::Var(a)].into());
    let left =
        Formula::gt(Formula::pred("len", Sort::Int, vec![Formula::var("xs", list(a1))]), Formula::int(0));
    let plain = Formula::lt(Formula::var("n", Sort::Int), Formula::int(1));
    let pending = Formula::unknown_with("U0", Substitution::single("ys", Formula::var("zs", list(a2))));
    let f = Formula::and(left.clone(), Formula::and(plain.clone(), pending));

    assert_eq!(plain.type_var_mask(), 0);
    assert_eq!(f.type_var_mask(), a1.mask_bit() | a2.mask_bit());
    assert!(f.mentions_type_var(&|a| a == a2));
    assert!(!f.mentions_type_var_among(0, &|a| a == a2), "a mask without bits admits nothing");

    let to_int: BTreeMap<Symbol, Sort> = [(a2, Sort::Int)].into_iter().collect();
    let g = f.substitute_type_vars(&to_int);
    assert!(!g.mentions_type_var(&|a| a == a2), "{g:?}");
    assert!(g.mentions_type_var(&|a| a == a1));
    assert_eq!(g.type_var_mask(), a1.mask_bit());
    let conjuncts = g.conjuncts();
    assert!(conjuncts.iter().any(|c| c.ptr_eq(&left)) && conjuncts.iter().any(|c| c.ptr_eq(&plain)));
}
