//! The layout pass: makes indentation visible to the LR grammar.
//!
//! Synquid's parser is indentation-sensitive (Parsec's `indents`; sq-language.md §3). An
//! LR grammar is not, so this pass sits between the lexer and the parser and inserts
//! three virtual tokens:
//!
//! * `VOpen` before the first token after `where` (constructors, measure cases) or
//!   `with` (match cases): the column of that token becomes the block's column;
//! * `VSemi` before a line that starts a new item of the innermost block (and after every
//!   top-level declaration, including the last, so that error recovery always has a token
//!   to synchronise on);
//! * `VClose` when a line starts left of the innermost block's column, or when a token
//!   that can only belong to an enclosing construct (`)`, `,`, `then`, `else`, `in`)
//!   arrives while a `match` block opened inside that construct is still open.
//!
//! Two rules make this agree with Synquid on every file it accepts:
//!
//! 1. Only a line whose first token could *begin* something acts on the layout. Synquid
//!    never checks the position of `then`, `else`, `in`, `->`, `|`, `=` or binary
//!    operators, so a line starting with one of those always continues the construct
//!    above it.
//! 2. A line at a block's column starts a new item only if it looks like one: a top-level
//!    name followed by `::` or `=` (or a declaration keyword), a constructor followed by
//!    `::`, or a case pattern `C x y ->`. Anything else continues the current item, as in
//!    Synquid, where the first token of a type, formula or term is never checked.
//!
//! Synquid also requires match cases to sit strictly right of the `match` keyword; a
//! violation is reported here with a hint, and the block is opened anyway so that the
//! rest of the file still parses.

use super::lexer::Lexeme;
use super::token::Token;

/// A layout problem, with the byte range it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutError {
    pub start: usize,
    pub end: usize,
    pub kind: LayoutErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayoutErrorKind {
    /// A match case at or left of the column of its `match` keyword.
    MatchCasesNotIndented { match_column: u32, case_column: u32 },
    /// `where` followed by nothing indented.
    EmptyWhere,
    /// A top-level declaration left of the column of the first one.
    DeclarationColumn { expected: u32, found: u32 },
}

/// Line and column (both from 1) of every token, with Synquid's column rules: a tab
/// advances to the next multiple of 8 plus one, every other character (`\r` included)
/// by one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Position {
    line: u32,
    column: u32,
}

struct Cursor<'src> {
    src: &'src str,
    offset: usize,
    pos: Position,
}

impl<'src> Cursor<'src> {
    fn new(src: &'src str) -> Self {
        Cursor { src, offset: 0, pos: Position { line: 1, column: 1 } }
    }

    fn advance_to(&mut self, offset: usize) -> Position {
        for ch in self.src[self.offset..offset].chars() {
            match ch {
                '\n' => {
                    self.pos.line += 1;
                    self.pos.column = 1;
                }
                '\t' => self.pos.column += 8 - (self.pos.column - 1) % 8,
                _ => self.pos.column += 1,
            }
        }
        self.offset = offset;
        self.pos
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BlockKind {
    TopLevel,
    Constructors,
    MeasureCases,
    MatchCases,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    Block { column: u32, kind: BlockKind },
    Bracket,
    If,
    Let,
    Match { column: u32 },
}

#[derive(Debug, Clone, Copy)]
enum Pending {
    Where(BlockKind, usize, usize),
    With { match_column: u32 },
}

struct Layout<'a, 'src> {
    source: &'src str,
    input: &'a [Lexeme<'src>],
    out: Vec<Lexeme<'src>>,
    errors: Vec<LayoutError>,
    stack: Vec<Context>,
    /// The first token of the current top-level declaration decides what its `where`
    /// block holds.
    decl_head: Option<Token<'src>>,
}

/// Inserts the virtual layout tokens into a token stream.
pub fn layout<'src>(src: &'src str, input: &[Lexeme<'src>]) -> (Vec<Lexeme<'src>>, Vec<LayoutError>) {
    let mut layout = Layout {
        source: src,
        input,
        out: Vec::with_capacity(input.len() + input.len() / 4),
        errors: Vec::new(),
        stack: Vec::new(),
        decl_head: None,
    };
    layout.run();
    (layout.out, layout.errors)
}

impl<'src> Layout<'_, 'src> {
    fn run(&mut self) {
        let src = self.source;
        let mut cursor = Cursor::new(src);
        let mut pending: Option<Pending> = None;
        let mut last_line = 0;
        for i in 0..self.input.len() {
            let lexeme = self.input[i];
            let pos = cursor.advance_to(lexeme.start);
            let first_on_line = pos.line > last_line;
            last_line = pos.line;

            if self.stack.is_empty() {
                self.stack.push(Context::Block { column: pos.column, kind: BlockKind::TopLevel });
                self.decl_head = Some(lexeme.token);
            } else if let Some(p) = pending.take() {
                self.open_block(p, lexeme, pos);
                if first_on_line && !self.in_block_opened_at(lexeme.start) {
                    self.line_start(i, pos);
                }
            } else if first_on_line {
                self.line_start(i, pos);
            }

            pending = self.track_contexts(lexeme, pos);
            self.out.push(lexeme);
        }
        let end = src.len();
        if let Some(p) = pending {
            // `where` or `with` at the very end: an empty block, for the parser to reject.
            if let Pending::Where(_, start, where_end) = p {
                self.errors.push(LayoutError { start, end: where_end, kind: LayoutErrorKind::EmptyWhere });
            }
            self.virtual_token(Token::VOpen, end);
            self.virtual_token(Token::VClose, end);
        }
        while let Some(ctx) = self.stack.pop() {
            if let Context::Block { kind, .. } = ctx {
                if kind == BlockKind::TopLevel {
                    self.virtual_token(Token::VSemi, end);
                } else {
                    self.virtual_token(Token::VClose, end);
                }
            }
        }
    }

    /// Emits a virtual token. Closing and separating tokens sit at the end of the last
    /// real token, so that a declaration's span ends where its text does (comments after
    /// it are not inside it) and "expected `)`" points just after what was written.
    fn virtual_token(&mut self, token: Token<'src>, at: usize) {
        let at = match token {
            Token::VOpen => at,
            _ => self.out.iter().rev().find(|l| !l.token.is_virtual()).map_or(at, |l| l.end),
        };
        self.out.push(Lexeme { start: at, token, end: at });
    }

    /// Whether the innermost block was opened by the token at `start` (the first token
    /// after `where`/`with` must not also be treated as a new line of that block).
    fn in_block_opened_at(&self, start: usize) -> bool {
        self.out.last().is_some_and(|l| l.token == Token::VOpen && l.start == start)
    }

    fn open_block(&mut self, pending: Pending, lexeme: Lexeme<'src>, pos: Position) {
        match pending {
            Pending::Where(kind, where_start, where_end) => {
                if pos.column <= self.top_column() {
                    self.errors.push(LayoutError {
                        start: where_start,
                        end: where_end,
                        kind: LayoutErrorKind::EmptyWhere,
                    });
                    self.virtual_token(Token::VOpen, where_end);
                    self.virtual_token(Token::VClose, where_end);
                    return;
                }
                self.stack.push(Context::Block { column: pos.column, kind });
            }
            Pending::With { match_column } => {
                if pos.column <= match_column {
                    self.errors.push(LayoutError {
                        start: lexeme.start,
                        end: lexeme.end,
                        kind: LayoutErrorKind::MatchCasesNotIndented {
                            match_column,
                            case_column: pos.column,
                        },
                    });
                }
                self.stack.push(Context::Block { column: pos.column, kind: BlockKind::MatchCases });
            }
        }
        self.virtual_token(Token::VOpen, lexeme.start);
    }

    fn top_column(&self) -> u32 {
        match self.stack.first() {
            Some(Context::Block { column, .. }) => *column,
            _ => 1,
        }
    }

    /// The token at `i` is the first on its line: close blocks it lies left of, and start a
    /// new item if it sits at the column of the innermost block and looks like one.
    fn line_start(&mut self, i: usize, pos: Position) {
        let token = self.input[i].token;
        if continues_construct(token) {
            return;
        }
        let at = self.input[i].start;
        // Close every block the line lies left of (the top level never closes).
        loop {
            let Some((depth, column, kind)) = self.innermost_block() else { return };
            if kind == BlockKind::TopLevel || pos.column >= column {
                break;
            }
            self.pop_to(depth, at);
            self.stack.pop();
            self.virtual_token(Token::VClose, at);
        }
        let Some((depth, column, kind)) = self.innermost_block() else { return };
        let new_item = self.starts_item(kind, i);
        if kind == BlockKind::TopLevel && new_item && pos.column < column {
            self.errors.push(LayoutError {
                start: at,
                end: self.input[i].end,
                kind: LayoutErrorKind::DeclarationColumn { expected: column, found: pos.column },
            });
        } else if pos.column != column || !new_item {
            return;
        }
        self.pop_to(depth, at);
        self.virtual_token(Token::VSemi, at);
        if kind == BlockKind::TopLevel {
            self.decl_head = Some(token);
        }
    }

    fn innermost_block(&self) -> Option<(usize, u32, BlockKind)> {
        self.stack.iter().enumerate().rev().find_map(|(depth, ctx)| match ctx {
            Context::Block { column, kind } => Some((depth, *column, *kind)),
            _ => None,
        })
    }

    /// Pops every context above `depth`, closing the blocks among them.
    fn pop_to(&mut self, depth: usize, at: usize) {
        while self.stack.len() > depth + 1 {
            if let Some(Context::Block { .. }) = self.stack.pop() {
                self.virtual_token(Token::VClose, at);
            }
        }
    }

    /// Does the token at `i` begin a new item of a block of this kind?
    fn starts_item(&self, kind: BlockKind, i: usize) -> bool {
        let token = self.input[i].token;
        let next = |k: usize| self.input.get(i + k).map(|l| l.token);
        match kind {
            BlockKind::TopLevel => match token {
                Token::KwType
                | Token::KwData
                | Token::KwTermination
                | Token::KwMeasure
                | Token::KwPredicate
                | Token::KwQualifier
                | Token::KwInline => true,
                Token::Ident(name) => match next(1) {
                    Some(Token::ColonColon | Token::Eq) => true,
                    Some(Token::LBrace) => name == "mutual",
                    // `import List`: rsynth's extension. No Synquid declaration starts
                    // with an identifier followed by a type name.
                    Some(Token::TypeName(_)) => name == "import",
                    _ => false,
                },
                _ => false,
            },
            BlockKind::Constructors => {
                matches!(token, Token::TypeName(_)) && next(1) == Some(Token::ColonColon)
            }
            BlockKind::MeasureCases | BlockKind::MatchCases => {
                if !matches!(token, Token::TypeName(_)) {
                    return false;
                }
                let mut k = 1;
                while let Some(Token::Ident(_)) = next(k) {
                    k += 1;
                }
                next(k) == Some(Token::Arrow)
            }
        }
    }

    /// Updates the bracket/keyword contexts for a token and closes `match` blocks that the
    /// token shows to be finished. Returns a pending block opening for `where`/`with`.
    fn track_contexts(&mut self, lexeme: Lexeme<'src>, pos: Position) -> Option<Pending> {
        let at = lexeme.start;
        match lexeme.token {
            Token::LParen | Token::LBracket | Token::LBrace => self.stack.push(Context::Bracket),
            Token::RParen | Token::RBracket | Token::RBrace => {
                if let Some(depth) = self.find_enclosing(|c| c == Context::Bracket) {
                    self.pop_to(depth, at);
                    self.stack.pop();
                }
            }
            Token::Comma | Token::ColonColon => {
                if let Some(depth) = self.find_enclosing(|c| c == Context::Bracket) {
                    self.pop_to(depth, at);
                }
            }
            Token::KwIf => self.stack.push(Context::If),
            Token::KwThen => {
                if let Some(depth) = self.find_enclosing(|c| c == Context::If) {
                    self.pop_to(depth, at);
                }
            }
            Token::KwElse => {
                if let Some(depth) = self.find_enclosing(|c| c == Context::If) {
                    self.pop_to(depth, at);
                    self.stack.pop();
                }
            }
            Token::KwLet => self.stack.push(Context::Let),
            Token::KwIn => {
                // `in` ends a `let`, unless it is set membership inside a refinement.
                if let Some(depth) = self.find_enclosing(|c| matches!(c, Context::Let | Context::Bracket))
                    && self.stack[depth] == Context::Let
                {
                    self.pop_to(depth, at);
                    self.stack.pop();
                }
            }
            Token::KwMatch => {
                self.stack.push(Context::Match { column: pos.column });
            }
            Token::KwWith => {
                if let Some(depth) = self.find_enclosing(|c| matches!(c, Context::Match { .. })) {
                    let Context::Match { column } = self.stack[depth] else { unreachable!() };
                    self.stack.truncate(depth);
                    return Some(Pending::With { match_column: column });
                }
            }
            Token::KwWhere => {
                let kind = match self.decl_head {
                    Some(Token::KwMeasure | Token::KwTermination) => BlockKind::MeasureCases,
                    _ => BlockKind::Constructors,
                };
                return Some(Pending::Where(kind, lexeme.start, lexeme.end));
            }
            _ => {}
        }
        None
    }

    /// The depth of the innermost context satisfying `wanted`, looking through `match`
    /// blocks and keyword contexts but not through `where` blocks or the top level (a
    /// bracket never encloses those).
    fn find_enclosing(&self, wanted: impl Fn(Context) -> bool) -> Option<usize> {
        for (depth, ctx) in self.stack.iter().enumerate().rev() {
            if wanted(*ctx) {
                return Some(depth);
            }
            if let Context::Block { kind, .. } = ctx
                && *kind != BlockKind::MatchCases
            {
                return None;
            }
        }
        None
    }
}

/// Tokens that never begin a term, type, formula or item: a line starting with one of
/// them continues whatever is above it, wherever it is indented.
fn continues_construct(token: Token<'_>) -> bool {
    use Token::*;
    (token.is_operator() && token != Hole)
        || matches!(
            token,
            KwThen | KwElse | KwIn | KwWith | KwWhere | RParen | RBracket | RBrace | Comma | Dot
        )
}

#[cfg(test)]
mod tests {
    use crate::syntax::{dump, parse};

    /// Parses a goal body and returns its tree, asserting there are no errors.
    fn tree(src: &str) -> String {
        let parsed = parse(src);
        assert!(parsed.errors.is_empty(), "{src}\n{:#?}", parsed.errors);
        dump::dump_module(&parsed.module)
    }

    #[test]
    fn tabs_advance_to_multiples_of_eight() {
        // The constructor lines are aligned only if a tab counts as 8 columns.
        let src = "data D where\n\tA :: D\n        B :: D\n";
        assert_eq!(tree(src), "(data D () (ctor A D) (ctor B D))\n");
    }

    #[test]
    fn lines_starting_with_continuation_tokens_continue() {
        let src = "f :: x: Int\n-> Int\ng = \\x . if x\nthen 1\nelse 2\n";
        assert_eq!(tree(src), "(sig f (fun x Int Int))\n(goal g (\\ x (if x 1 2)))\n");
    }

    #[test]
    fn closing_tokens_end_match_blocks() {
        let src = "f = \\x . g (match x with\n             A -> 1\n             B -> 2) x\n";
        assert_eq!(tree(src), "(goal f (\\ x (app g (match x (case A () 1) (case B () 2)) x)))\n");
        let src = "f = if c then match x with A -> 1 else 2\n";
        assert_eq!(tree(src), "(goal f (if c (match x (case A () 1)) 2))\n");
        let src = "f = let y = match x with A -> 1 in y\n";
        assert_eq!(tree(src), "(goal f (let y (match x (case A () 1)) y))\n");
    }

    #[test]
    fn a_line_at_block_column_continues_unless_it_starts_an_item() {
        // `Cons x Nil` at the case column is the body of `Nil ->`, as in Synquid.
        let src =
            "f = \\x . match x with\n           Nil ->\n           Cons x Nil\n           Cons y ys -> ys\n";
        assert_eq!(
            tree(src),
            "(goal f (\\ x (match x (case Nil () (app Cons x Nil)) (case Cons (y ys) ys))))\n"
        );
    }

    #[test]
    fn membership_in_a_refinement_is_not_a_let() {
        let src = "f = let y = (x :: {Int | x in s}) in y\n";
        assert_eq!(tree(src), "(goal f (let y (:: x (refined Int (in x s))) y))\n");
    }

    #[test]
    fn match_cases_left_of_match_are_reported_but_parsed() {
        let parsed = parse("f = \\l . match l with\n  N -> N\n  C t -> t\n");
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(parsed.errors[0].code, "layout");
        assert_eq!(parsed.module.decls.len(), 1);
    }

    #[test]
    fn an_unclosed_bracket_does_not_swallow_the_next_declaration() {
        let parsed = parse("f :: (Int\ng :: Int\n");
        assert_eq!(parsed.errors.len(), 1, "{:#?}", parsed.errors);
        assert_eq!(parsed.module.decls.len(), 1);
    }
}
