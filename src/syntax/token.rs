//! The tokens of the `.sq` language.
//!
//! The lexical rules are Synquid's (sq-language.md §2): `--` runs and non-nesting `{- -}`
//! comments, case-sensitive roles of names (an upper-case first letter makes a
//! `TypeName`), a fixed set of reserved words, and operators that only match when the
//! next character cannot extend them. The last three variants are never produced by
//! logos: the layout pass (`syntax::layout`) inserts them to make indentation visible to
//! the LR grammar.

use std::fmt;

use logos::Logos;

/// A lexical error, with the byte range it covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LexError {
    pub start: usize,
    pub end: usize,
    pub kind: LexErrorKind,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum LexErrorKind {
    /// A character that starts no token.
    #[default]
    UnknownCharacter,
    /// `{-` without a closing `-}`.
    UnclosedComment,
    /// A run of operator characters that is not an operator (`=>`, `<<`).
    UnknownOperator,
    /// A natural number that does not fit in 64 bits.
    NumberTooLarge,
}

impl LexError {
    fn at<'s>(lex: &mut logos::Lexer<'s, Token<'s>>) -> Self {
        let span = lex.span();
        LexError { start: span.start, end: span.end, kind: LexErrorKind::UnknownCharacter }
    }
}

impl fmt::Display for LexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            LexErrorKind::UnknownCharacter => "unknown character",
            LexErrorKind::UnclosedComment => "unclosed block comment",
            LexErrorKind::UnknownOperator => "unknown operator",
            LexErrorKind::NumberTooLarge => "number too large",
        };
        f.write_str(what)
    }
}

/// Skips a block comment. Comments do not nest: the first `-}` closes.
fn block_comment<'s>(lex: &mut logos::Lexer<'s, Token<'s>>) -> Result<(), LexError> {
    match lex.remainder().find("-}") {
        Some(end) => {
            lex.bump(end + 2);
            Ok(())
        }
        None => {
            let start = lex.span().start;
            let len = lex.remainder().len();
            lex.bump(len);
            Err(LexError { start, end: start + 2, kind: LexErrorKind::UnclosedComment })
        }
    }
}

fn natural<'s>(lex: &mut logos::Lexer<'s, Token<'s>>) -> Result<u64, LexError> {
    let text = lex.slice();
    let parsed = if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        u64::from_str_radix(hex, 16)
    } else if let Some(oct) = text.strip_prefix("0o").or_else(|| text.strip_prefix("0O")) {
        u64::from_str_radix(oct, 8)
    } else {
        text.parse::<u64>()
    };
    parsed.map_err(|_| {
        let span = lex.span();
        LexError { start: span.start, end: span.end, kind: LexErrorKind::NumberTooLarge }
    })
}

#[derive(Logos, Debug, Clone, Copy, PartialEq, Eq)]
#[logos(error(LexError, LexError::at))]
#[logos(skip r"[ \t\r\n\f\v]+")]
pub enum Token<'src> {
    /// `--` to the end of the line (any run of dashes). Comments never reach the parser;
    /// the lexer keeps their spans for the formatter.
    #[regex(r"--[^\n]*", allow_greedy = true)]
    LineComment,
    /// `{- ... -}`, skipped by the callback.
    #[token("{-", block_comment)]
    BlockComment,

    #[token("Bool")]
    KwBool,
    #[token("data")]
    KwData,
    #[token("else")]
    KwElse,
    #[token("error")]
    KwError,
    #[token("False")]
    KwFalse,
    #[token("if")]
    KwIf,
    #[token("in")]
    KwIn,
    #[token("inline")]
    KwInline,
    #[token("Int")]
    KwInt,
    #[token("let")]
    KwLet,
    #[token("match")]
    KwMatch,
    #[token("measure")]
    KwMeasure,
    #[token("predicate")]
    KwPredicate,
    #[token("qualifier")]
    KwQualifier,
    #[token("Set")]
    KwSet,
    #[token("termination")]
    KwTermination,
    #[token("then")]
    KwThen,
    #[token("True")]
    KwTrue,
    #[token("type")]
    KwType,
    #[token("with")]
    KwWith,
    #[token("where")]
    KwWhere,

    /// Variables, functions, measures, predicates, type variables: anything whose first
    /// character is not upper-case. `_`, `_v` and `_0` are identifiers to the lexer.
    #[regex(r"[a-z_'][A-Za-z0-9_']*")]
    Ident(&'src str),
    /// Datatypes, constructors and type synonyms.
    #[regex(r"[A-Z][A-Za-z0-9_']*")]
    TypeName(&'src str),
    #[regex(r"[0-9]+|0[xX][0-9a-fA-F]+|0[oO][0-7]+", natural)]
    Nat(u64),

    #[token("-")]
    Minus,
    #[token("!")]
    Bang,
    #[token("*")]
    Star,
    #[token("+")]
    Plus,
    #[token("==")]
    EqEq,
    #[token("!=")]
    NotEq,
    #[token("<")]
    Lt,
    #[token("<=")]
    Le,
    #[token(">")]
    Gt,
    #[token(">=")]
    Ge,
    #[token("&&")]
    AndAnd,
    #[token("||")]
    OrOr,
    #[token("==>")]
    Implies,
    #[token("<==>")]
    Iff,
    #[token("::")]
    ColonColon,
    #[token(":")]
    Colon,
    #[token("->")]
    Arrow,
    #[token("|")]
    Bar,
    #[token("=")]
    Eq,
    #[token("??")]
    Hole,
    #[token(",")]
    Comma,
    #[token(".")]
    Dot,
    #[token("\\")]
    Backslash,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,

    /// Opens an indentation block (after `where` or `with`).
    VOpen,
    /// Separates the items of a block, and terminates every top-level declaration.
    VSemi,
    /// Closes an indentation block.
    VClose,
}

impl Token<'_> {
    /// Operators obey Synquid's longest-match rule: an operator is only an operator if the
    /// character after it is not one of these (sq-language.md §2.5).
    pub const OPERATOR_EXTENDERS: &'static [u8] = b"=&|>:?";

    /// Is this token one of the operator symbols the longest-match rule applies to?
    /// Punctuation (`,`, `.`, `\\`) is matched as a plain symbol and is exempt.
    pub fn is_operator(&self) -> bool {
        use Token::*;
        matches!(
            self,
            Minus
                | Bang
                | Star
                | Plus
                | EqEq
                | NotEq
                | Lt
                | Le
                | Gt
                | Ge
                | AndAnd
                | OrOr
                | Implies
                | Iff
                | ColonColon
                | Colon
                | Arrow
                | Bar
                | Eq
                | Hole
        )
    }

    /// Is this token inserted by the layout pass rather than written by the user?
    pub fn is_virtual(&self) -> bool {
        matches!(self, Token::VOpen | Token::VSemi | Token::VClose)
    }
}

/// Tokens print as they are spelled in source, so messages read "unexpected `&&`".
impl fmt::Display for Token<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Token::*;
        let text = match self {
            LineComment => "--",
            BlockComment => "{-",
            KwBool => "Bool",
            KwData => "data",
            KwElse => "else",
            KwError => "error",
            KwFalse => "False",
            KwIf => "if",
            KwIn => "in",
            KwInline => "inline",
            KwInt => "Int",
            KwLet => "let",
            KwMatch => "match",
            KwMeasure => "measure",
            KwPredicate => "predicate",
            KwQualifier => "qualifier",
            KwSet => "Set",
            KwTermination => "termination",
            KwThen => "then",
            KwTrue => "True",
            KwType => "type",
            KwWith => "with",
            KwWhere => "where",
            Ident(s) | TypeName(s) => s,
            Nat(n) => return write!(f, "{n}"),
            Minus => "-",
            Bang => "!",
            Star => "*",
            Plus => "+",
            EqEq => "==",
            NotEq => "!=",
            Lt => "<",
            Le => "<=",
            Gt => ">",
            Ge => ">=",
            AndAnd => "&&",
            OrOr => "||",
            Implies => "==>",
            Iff => "<==>",
            ColonColon => "::",
            Colon => ":",
            Arrow => "->",
            Bar => "|",
            Eq => "=",
            Hole => "??",
            Comma => ",",
            Dot => ".",
            Backslash => "\\",
            LParen => "(",
            RParen => ")",
            LBracket => "[",
            RBracket => "]",
            LBrace => "{",
            RBrace => "}",
            VOpen => "<start of block>",
            VSemi => "<new line>",
            VClose => "<end of block>",
        };
        f.write_str(text)
    }
}
