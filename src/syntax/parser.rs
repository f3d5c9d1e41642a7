//! Parsing: lexer, then layout, then the LALRPOP grammar; errors become diagnostics.
//!
//! **Parsing never fails.** [`parse`] always returns a module — the declarations that
//! parsed — together with every error found: lexical errors, layout errors and syntax
//! errors, in file order. The grammar recovers at the end of every declaration and at
//! every block item, so one mistake does not hide the rest of the file.

use lalrpop_util::{ErrorRecovery, ParseError, lalrpop_mod};

use super::ast::Module;
use super::layout::{LayoutError, LayoutErrorKind, layout};
use super::lexer::lex;
use super::token::{LexError, LexErrorKind, Token};
use crate::diagnostics::Diagnostic;

lalrpop_mod!(
    #[allow(clippy::all, clippy::pedantic, unused, unreachable_pub)]
    surface,
    "/surface.rs"
);

/// An error raised by a grammar action (a shape the grammar accepts but the language
/// does not, such as `_` used as a variable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub start: usize,
    pub end: usize,
    pub message: String,
    pub hint: Option<String>,
}

/// A parsed file: the declarations that parsed, and every error, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Parsed {
    pub module: Module,
    pub errors: Vec<Diagnostic>,
    /// Byte ranges of the comments, which the formatter keeps.
    pub comments: Vec<(u32, u32)>,
}

impl Parsed {
    pub fn has_errors(&self) -> bool {
        self.errors.iter().any(Diagnostic::is_error)
    }
}

type Recovery<'src> = ErrorRecovery<usize, Token<'src>, SyntaxError>;

/// Parses a whole `.sq` file.
pub fn parse(src: &str) -> Parsed {
    let lexed = lex(src);
    let lex_errors = lexed.errors;
    let (tokens, layout_errors) = layout(src, &lexed.tokens);
    let mut recovered: Vec<Recovery<'_>> = Vec::new();
    let stream = tokens.iter().map(|l| Ok::<_, SyntaxError>((l.start, l.token, l.end)));
    let result = surface::ModuleParser::new().parse(&mut recovered, stream);

    let mut errors: Vec<Diagnostic> = Vec::new();
    errors.extend(lex_errors.iter().map(lex_diagnostic));
    errors.extend(layout_errors.iter().map(layout_diagnostic));
    // Syntax errors at a place already explained by a lexical or layout error are
    // consequences of it; reporting them again would only add noise.
    let explained: Vec<(usize, usize)> = lex_errors
        .iter()
        .map(|e| (e.start, e.end))
        .chain(layout_errors.iter().map(|e| (e.start, e.end)))
        .collect();
    let mut syntax = Vec::new();
    let decls = match result {
        Ok(decls) => decls,
        Err(error) => {
            syntax.push(error);
            Vec::new()
        }
    };
    syntax.extend(recovered.into_iter().map(|r| r.error));
    for error in syntax {
        let diagnostic = syntax_diagnostic(&error, src);
        let start = diagnostic.primary_span().map_or(0, |s| s.start);
        if !explained.iter().any(|&(s, e)| s <= start && start <= e) {
            errors.push(diagnostic);
        }
    }
    errors.sort_by_key(|d| d.primary_span().map_or(0, |s| s.start));
    Parsed { module: Module { decls }, errors, comments: lexed.comments }
}

fn lex_diagnostic(error: &LexError) -> Diagnostic {
    let span = error.start..error.end;
    match error.kind {
        LexErrorKind::UnknownCharacter => {
            Diagnostic::error("unknown-character", "this character is not part of the `.sq` language")
                .with_primary(span, "unknown character")
                .with_hint("names use ASCII letters, digits, `_` and `'`; comments start with `--`")
        }
        LexErrorKind::UnclosedComment => Diagnostic::error("unclosed-comment", "block comment is never closed")
            .with_primary(span, "this `{-` has no matching `-}`")
            .with_hint("block comments do not nest: the first `-}` closes the comment"),
        LexErrorKind::UnknownOperator => Diagnostic::error("unknown-operator", "unknown operator")
            .with_primary(span, "not an operator of the `.sq` language")
            .with_hint(
                "operators are `+ - * == != < <= > >= && || ==> <==> !`; separate adjacent symbols with a space",
            ),
        LexErrorKind::NumberTooLarge => Diagnostic::error("number-too-large", "number does not fit in 64 bits")
            .with_primary(span, "too large"),
    }
}

fn layout_diagnostic(error: &LayoutError) -> Diagnostic {
    let span = error.start..error.end;
    match &error.kind {
        LayoutErrorKind::MatchCasesNotIndented { match_column, case_column } => {
            Diagnostic::error("layout", "match case is not indented right of its `match`")
                .with_primary(span, format!("this case starts in column {case_column}"))
                .with_note(format!("the `match` keyword is in column {match_column}"))
                .with_hint(format!(
                    "match cases must be indented right of `match`: start them after column {match_column}, \
                     or put `match` at the start of its own line"
                ))
        }
        LayoutErrorKind::EmptyWhere => {
            Diagnostic::error("layout", "`where` is not followed by an indented item")
                .with_primary(span, "expected indented items after this `where`")
                .with_hint("write the constructors (or measure cases) on the following lines, indented")
        }
        LayoutErrorKind::DeclarationColumn { expected, found } => {
            Diagnostic::error("layout", "declaration is indented less than the first one")
                .with_primary(span, format!("this declaration starts in column {found}"))
                .with_hint(format!("top-level declarations must all start in column {expected}"))
        }
    }
}

fn syntax_diagnostic(error: &ParseError<usize, Token<'_>, SyntaxError>, src: &str) -> Diagnostic {
    match error {
        ParseError::InvalidToken { location } => Diagnostic::error("syntax-error", "invalid token")
            .with_primary(*location..*location, "invalid token"),
        ParseError::UnrecognizedEof { location, expected } => {
            let mut d = Diagnostic::error("syntax-error", "unexpected end of file")
                .with_primary(*location..*location, format!("expected {}", describe_expected(expected)));
            if let Some(hint) = hint_for(None, expected) {
                d = d.with_hint(hint);
            }
            d
        }
        ParseError::UnrecognizedToken { token: (start, token, end), expected } => {
            let what = describe_token(token, *start, src);
            let mut d = Diagnostic::error("syntax-error", format!("unexpected {what}"))
                .with_primary(*start..*end, format!("expected {}", describe_expected(expected)));
            if let Some(hint) = hint_for(Some(token), expected) {
                d = d.with_hint(hint);
            }
            d
        }
        ParseError::ExtraToken { token: (start, token, end) } => {
            Diagnostic::error("syntax-error", format!("unexpected {}", describe_token(token, *start, src)))
                .with_primary(*start..*end, "expected the end of the file")
        }
        ParseError::User { error } => {
            let mut d = Diagnostic::error("syntax-error", error.message.clone())
                .with_primary(error.start..error.end, "here");
            if let Some(hint) = &error.hint {
                d = d.with_hint(hint.clone());
            }
            d
        }
    }
}

fn describe_token(token: &Token<'_>, start: usize, src: &str) -> String {
    match token {
        Token::VSemi if start >= src.len() => "end of file".to_owned(),
        Token::VClose if start >= src.len() => "end of file".to_owned(),
        Token::VSemi => "line break".to_owned(),
        Token::VClose => "end of the indented block".to_owned(),
        Token::VOpen => "indented block".to_owned(),
        Token::Ident(s) => format!("identifier `{s}`"),
        Token::TypeName(s) => format!("name `{s}`"),
        Token::Nat(n) => format!("number `{n}`"),
        other => format!("`{other}`"),
    }
}

/// Tokens that can begin a type, a formula and a term. When a parser expects all of one
/// group, the message names the group instead of listing its tokens.
const TYPE_STARTS: &[&str] = &["Bool", "Int", "ident", "TypeName", "(", "[", "{"];
const FORMULA_STARTS: &[&str] = &["True", "False", "if", "ident", "TypeName", "number", "(", "[", "!", "-"];
const TERM_STARTS: &[&str] = &["??", "ident", "TypeName", "number", "True", "False", "(", "["];

/// Turns LALRPOP's list of terminal names into prose in source spelling.
fn describe_expected(expected: &[String]) -> String {
    let names: Vec<&str> = expected.iter().map(|raw| raw.trim_matches('"')).collect();
    let covers = |group: &[&str]| group.iter().all(|t| names.contains(t));
    let (mut items, grouped): (Vec<String>, &[&str]) = if covers(TERM_STARTS) {
        (
            vec!["a term".to_owned()],
            &[
                "??", "ident", "TypeName", "number", "True", "False", "(", "[", "\\\\", "if", "let", "match",
                "error", "!", "-",
            ],
        )
    } else if covers(FORMULA_STARTS) {
        (vec!["a formula".to_owned()], FORMULA_STARTS)
    } else if covers(TYPE_STARTS) {
        (vec!["a type".to_owned()], TYPE_STARTS)
    } else {
        (Vec::new(), &[])
    };
    for name in names {
        if grouped.contains(&name) {
            continue;
        }
        let text = match name {
            "ident" => "an identifier".to_owned(),
            "TypeName" => "a type or constructor name".to_owned(),
            "number" => "a number".to_owned(),
            "{{" => "an indented block".to_owned(),
            ";;" => "the end of the declaration".to_owned(),
            "}}" => "the end of the block".to_owned(),
            "\\\\" => "`\\`".to_owned(),
            other => format!("`{other}`"),
        };
        if !items.contains(&text) {
            items.push(text);
        }
    }
    const SHOWN: usize = 8;
    match items.len() {
        0 => "something else".to_owned(),
        1 => items.remove(0),
        n if n <= SHOWN => {
            let last = items.pop().unwrap_or_default();
            format!("{} or {last}", items.join(", "))
        }
        n => format!("{}, or one of {} other tokens", items[..SHOWN].join(", "), n - SHOWN),
    }
}

fn hint_for(token: Option<&Token<'_>>, expected: &[String]) -> Option<String> {
    let expects = |t: &str| expected.iter().any(|e| e.trim_matches('"') == t);
    let at_line_break = matches!(token, None | Some(Token::VSemi | Token::VClose));
    if at_line_break && (expects(")") || expects("]") || expects("}")) {
        return Some("check that every `(`, `[` and `{` is closed".to_owned());
    }
    if at_line_break {
        return Some(
            "the declaration above is incomplete; a line that continues it must be indented \
             further than the start of the declaration"
                .to_owned(),
        );
    }
    match token {
        Some(Token::Arrow) if expects("=") || expects("::") => {
            Some("a declaration is `name :: type` (a signature) or `name = term` (a goal)".to_owned())
        }
        _ => None,
    }
}

/// Constructors used by the grammar's actions.
pub(crate) mod build {
    use super::{Recovery, SyntaxError};
    use crate::syntax::ast::*;
    use crate::syntax::spans;
    use lalrpop_util::{ErrorRecovery, ParseError};

    pub fn span(l: usize, r: usize) -> Span {
        Span::new(l, r)
    }

    pub fn name(text: &str, l: usize, r: usize) -> Name {
        Name { text: text.to_owned(), span: span(l, r) }
    }

    fn report(errors: &mut Vec<Recovery<'_>>, error: SyntaxError) {
        errors.push(ErrorRecovery { error: ParseError::User { error }, dropped_tokens: Vec::new() });
    }

    /// An identifier in a position that uses it; `_` may only bind.
    pub fn used_name(errors: &mut Vec<Recovery<'_>>, text: &str, l: usize, r: usize) -> Name {
        if text == "_" {
            report(
                errors,
                SyntaxError {
                    start: l,
                    end: r,
                    message: "`_` cannot be used as a value".to_owned(),
                    hint: Some(
                        "`_` is only allowed where a name is bound: lambda, `let`, case and measure-case binders"
                            .to_owned(),
                    ),
                },
            );
        }
        name(text, l, r)
    }

    pub fn decl(mut kind: DeclKind, l: usize, r: usize) -> Decl {
        let offset = span(l, r);
        spans::rebase(&mut kind, offset.start);
        Decl { offset: offset.start, len: offset.end - offset.start, kind }
    }

    pub struct MeasureArg {
        pub name: Option<Name>,
        pub sort: Sort,
    }

    pub struct MeasureOut {
        pub sort: Sort,
        pub post: Option<Formula>,
    }

    /// Builds a measure from `c1: s1 -> .. -> D a -> out`, reporting wrong shapes.
    pub fn measure(
        errors: &mut Vec<Recovery<'_>>,
        termination: bool,
        name: Name,
        (mut args, out): (Vec<MeasureArg>, MeasureOut),
        cases: Vec<MeasureCase>,
        _l: usize,
        _r: usize,
    ) -> DeclKind {
        // The grammar guarantees at least one argument.
        let input = args.pop().expect("measure signature has an argument");
        if let Some(n) = &input.name {
            report(
                errors,
                SyntaxError {
                    start: n.span.start as usize,
                    end: n.span.end as usize,
                    message: "the datatype argument of a measure cannot be named".to_owned(),
                    hint: Some(
                        "write `measure m :: D a -> S`; only constant arguments before it are named"
                            .to_owned(),
                    ),
                },
            );
        }
        let mut const_args = Vec::new();
        for arg in args {
            match arg.name {
                Some(n) => const_args.push((n, arg.sort)),
                None => report(
                    errors,
                    SyntaxError {
                        start: arg.sort.span.start as usize,
                        end: arg.sort.span.end as usize,
                        message: "a measure has exactly one datatype argument".to_owned(),
                        hint: Some(
                            "constant arguments before the datatype must be named: `measure m :: x: Int -> D a -> S`"
                                .to_owned(),
                        ),
                    },
                ),
            }
        }
        DeclKind::Measure(MeasureDecl {
            termination,
            name,
            const_args,
            input: input.sort,
            output: out.sort,
            postcondition: out.post,
            cases,
        })
    }

    /// `mutual {f, g}`: `mutual` is not reserved, so the grammar sees an identifier.
    pub fn mutual(errors: &mut Vec<Recovery<'_>>, keyword: Name, names: Vec<Name>) -> DeclKind {
        if keyword.text != "mutual" {
            report(
                errors,
                SyntaxError {
                    start: keyword.span.start as usize,
                    end: keyword.span.end as usize,
                    message: format!("unexpected `{{` after `{}`", keyword.text),
                    hint: Some(
                        "a declaration is `name :: type`, `name = term` or `mutual {f, g}`".to_owned(),
                    ),
                },
            );
        }
        DeclKind::Mutual(names)
    }

    /// `import M (f, g)`: `import` is not reserved either (Synquid files may use it as a
    /// name), so it is recognised here, after an identifier and a type name.
    pub fn import(
        errors: &mut Vec<Recovery<'_>>,
        keyword: Name,
        module: Name,
        items: Option<Vec<Name>>,
    ) -> DeclKind {
        if keyword.text != "import" {
            report(
                errors,
                SyntaxError {
                    start: keyword.span.start as usize,
                    end: module.span.end as usize,
                    message: format!("unexpected type `{}` after `{}`", module.text, keyword.text),
                    hint: Some(
                        "a declaration is `name :: type`, `name = term` or `import Module`".to_owned(),
                    ),
                },
            );
        }
        DeclKind::Import(Import { module, items })
    }

    pub fn pred_sig(name: Name, first: Sort, rest: Vec<Sort>, l: usize, r: usize) -> PredSig {
        let mut sorts = vec![first];
        sorts.extend(rest);
        let result = sorts.pop().expect("at least one sort");
        PredSig { name, args: sorts, result, span: span(l, r) }
    }

    pub fn function(param: Option<Name>, arg: Type, result: Type, l: usize, r: usize) -> Type {
        Type {
            kind: TypeKind::Function { param, arg: Box::new(arg), result: Box::new(result) },
            span: span(l, r),
        }
    }

    pub fn scalar(base: BaseType, refinement: Option<Formula>, l: usize, r: usize) -> Type {
        Type { kind: TypeKind::Scalar { base, refinement }, span: span(l, r) }
    }

    pub fn sort(kind: SortKind, l: usize, r: usize) -> Sort {
        Sort { kind, span: span(l, r) }
    }

    pub fn formula(kind: FormulaKind, l: usize, r: usize) -> Formula {
        Formula { kind, span: span(l, r) }
    }

    pub fn binary(op: BinOp, a: Formula, b: Formula, l: usize, r: usize) -> Formula {
        formula(FormulaKind::Binary(op, Box::new(a), Box::new(b)), l, r)
    }

    pub fn unary(op: UnOp, a: Formula, l: usize, r: usize) -> Formula {
        formula(FormulaKind::Unary(op, Box::new(a)), l, r)
    }

    pub fn term(kind: TermKind, l: usize, r: usize) -> Term {
        Term { kind, span: span(l, r) }
    }

    pub fn term_binary(op: BinOp, a: Term, b: Term, l: usize, r: usize) -> Term {
        term(TermKind::Binary(op, Box::new(a), Box::new(b)), l, r)
    }
}
