//! Turns source text into positioned tokens, collecting lexical errors on the side.
//!
//! Lexing never fails: an unknown character is reported and skipped, so that the parser
//! still sees the rest of the file and can report its errors too.

use logos::Logos;

use super::token::{LexError, LexErrorKind, Token};

/// A token with its byte range in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lexeme<'src> {
    pub start: usize,
    pub token: Token<'src>,
    pub end: usize,
}

/// The result of lexing: tokens, errors, and the byte ranges of comments.
#[derive(Debug, Clone, Default)]
pub struct Lexed<'src> {
    pub tokens: Vec<Lexeme<'src>>,
    pub errors: Vec<LexError>,
    pub comments: Vec<(u32, u32)>,
}

/// Lexes the whole text. Adjacent unknown characters are merged into one error so that
/// binary garbage gives one message per run, not one per byte.
pub fn lex(src: &str) -> Lexed<'_> {
    let mut tokens = Vec::new();
    let mut errors: Vec<LexError> = Vec::new();
    let mut comments = Vec::new();
    let mut lexer = Token::lexer(src);
    while let Some(result) = lexer.next() {
        let span = lexer.span();
        match result {
            Ok(Token::BlockComment | Token::LineComment) => {
                let (start, end) = (span.start as u32, span.end as u32);
                comments.push((start, end));
            }
            Ok(token) => {
                if token.is_operator() && extends_operator(src, span.end) {
                    let end = operator_run_end(src, span.end);
                    push_error(
                        &mut errors,
                        LexError { start: span.start, end, kind: LexErrorKind::UnknownOperator },
                    );
                    // Resume after the whole run, so `=>` gives one error, not two.
                    lexer.bump(end - span.end);
                    continue;
                }
                tokens.push(Lexeme { start: span.start, token, end: span.end });
            }
            Err(error) => push_error(&mut errors, error),
        }
    }
    Lexed { tokens, errors, comments }
}

fn extends_operator(src: &str, at: usize) -> bool {
    src.as_bytes().get(at).is_some_and(|b| Token::OPERATOR_EXTENDERS.contains(b))
}

fn operator_run_end(src: &str, mut at: usize) -> usize {
    const OPERATOR_CHARS: &[u8] = b"-!*+=<>&|:?,.\\";
    let bytes = src.as_bytes();
    while bytes.get(at).is_some_and(|b| OPERATOR_CHARS.contains(b)) {
        at += 1;
    }
    at
}

fn push_error(errors: &mut Vec<LexError>, error: LexError) {
    if let Some(last) = errors.last_mut()
        && last.kind == LexErrorKind::UnknownCharacter
        && error.kind == LexErrorKind::UnknownCharacter
        && last.end == error.start
    {
        last.end = error.end;
        return;
    }
    errors.push(error);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex_pair(src: &str) -> (Vec<Lexeme<'_>>, Vec<LexError>) {
        let lexed = lex(src);
        (lexed.tokens, lexed.errors)
    }

    fn tokens(src: &str) -> Vec<String> {
        let (toks, errs) = lex_pair(src);
        assert!(errs.is_empty(), "unexpected errors {errs:?}");
        toks.iter().map(|l| l.token.to_string()).collect()
    }

    #[test]
    fn operators_take_the_longest_match() {
        assert_eq!(tokens("a<=b ==> c <==> d->e"), ["a", "<=", "b", "==>", "c", "<==>", "d", "->", "e"]);
        assert_eq!(
            tokens("!_v |_v \\x.\\y. -x"),
            ["!", "_v", "|", "_v", "\\", "x", ".", "\\", "y", ".", "-", "x"]
        );
    }

    #[test]
    fn dash_runs_are_comments() {
        assert_eq!(tokens("x--1\ny -----\nz --> w"), ["x", "y", "z"]);
    }

    #[test]
    fn block_comments_do_not_nest() {
        assert_eq!(tokens("a {- b {- c -} d"), ["a", "d"]);
    }

    #[test]
    fn reserved_words_are_whole_words() {
        let (toks, _) = lex_pair("inline in Integer Set Setx mutual");
        let kinds: Vec<_> = toks.iter().map(|l| l.token).collect();
        assert_eq!(
            kinds,
            [
                Token::KwInline,
                Token::KwIn,
                Token::TypeName("Integer"),
                Token::KwSet,
                Token::TypeName("Setx"),
                Token::Ident("mutual"),
            ]
        );
    }

    #[test]
    fn unknown_operator_is_one_error() {
        let (toks, errs) = lex_pair("a => b");
        assert_eq!(toks.len(), 2);
        assert_eq!(errs, [LexError { start: 2, end: 4, kind: LexErrorKind::UnknownOperator }]);
    }

    #[test]
    fn garbage_runs_merge() {
        let (_, errs) = lex_pair("a %%%$ b");
        assert_eq!(errs.len(), 1);
        assert_eq!((errs[0].start, errs[0].end), (2, 6));
    }

    #[test]
    fn unclosed_comment_is_reported() {
        let (toks, errs) = lex_pair("a {- never closed");
        assert_eq!(toks.len(), 1);
        assert_eq!(errs[0].kind, LexErrorKind::UnclosedComment);
    }
}
