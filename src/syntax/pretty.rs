//! The canonical printer: a surface tree back to `.sq` text, in Synquid's style.
//!
//! The output re-parses to the same tree (spans aside), and printing is idempotent. To
//! guarantee that under the layout rules (`syntax::layout`), the printer:
//!
//! * keeps every E-term (application and operator chain) on one line, so no argument is
//!   ever subject to an indentation check;
//! * puts `match` at the start of its own line and its cases two columns right of it;
//! * puts `then`/`else`/`in` where the layout pass treats them as continuations;
//! * adds only the parentheses the precedence table requires.
//!
//! Comments are not part of the tree. [`print_module_with_comments`] keeps them: each
//! comment is printed before the declaration that follows it (a comment inside a
//! declaration moves to just before that declaration).

use std::fmt::Write as _;

use super::ast::*;

/// Prints a whole module.
pub fn print_module(module: &Module) -> String {
    print_module_with_comments(module, "", &[])
}

/// Prints a module, keeping the comments found at `comments` (byte ranges of `src`).
pub fn print_module_with_comments(module: &Module, src: &str, comments: &[(u32, u32)]) -> String {
    let mut out = String::new();
    let mut next_comment = 0;
    let mut previous: Option<&Decl> = None;
    for (index, decl) in module.decls.iter().enumerate() {
        let end = decl.offset + decl.len;
        // A goal's signature opens a paragraph of its own, with the goal under it.
        let opens_goal = match (&decl.kind, module.decls.get(index + 1).map(|d| &d.kind)) {
            (DeclKind::Signature(s), Some(DeclKind::Goal(g))) => s.name.text == g.name.text,
            _ => false,
        };
        let mut attached = Vec::new();
        while next_comment < comments.len() && comments[next_comment].0 < end {
            let comment = comments[next_comment];
            let next_start = comments.get(next_comment + 1).map_or(decl.offset, |c| c.0.min(decl.offset));
            // Keep a blank line that separated the comment from what follows it.
            let gap = src.get(comment.1 as usize..next_start as usize).unwrap_or("");
            let blank_after = gap.matches('\n').count() >= 2 && comment.1 <= decl.offset;
            attached.push((comment_text(src, comment), blank_after));
            next_comment += 1;
        }
        let text = print_decl(&decl.kind);
        if let Some(prev) = previous {
            let tight = attached.is_empty() && !opens_goal && belongs_with(&prev.kind, &decl.kind, &text);
            out.push_str(if tight { "\n" } else { "\n\n" });
        }
        for (text, blank_after) in &attached {
            out.push_str(text);
            out.push('\n');
            if *blank_after {
                out.push('\n');
            }
        }
        out.push_str(&text);
        previous = Some(decl);
    }
    let trailing: Vec<String> = comments[next_comment..].iter().map(|&c| comment_text(src, c)).collect();
    if !trailing.is_empty() {
        if previous.is_some() {
            out.push_str("\n\n");
        }
        out.push_str(&trailing.join("\n"));
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

fn comment_text(src: &str, (start, end): (u32, u32)) -> String {
    let text = src.get(start as usize..end as usize).unwrap_or("");
    text.replace("\r\n", "\n").lines().map(str::trim_end).collect::<Vec<_>>().join("\n")
}

/// Whether two adjacent declarations are printed without a blank line between them: a
/// goal right after its own signature, and runs of one-line declarations of one kind.
fn belongs_with(prev: &DeclKind, next: &DeclKind, next_text: &str) -> bool {
    match (prev, next) {
        (DeclKind::Signature(s), DeclKind::Goal(g)) => s.name.text == g.name.text,
        (DeclKind::Signature(_), DeclKind::Signature(_))
        | (DeclKind::Inline(_), DeclKind::Inline(_))
        | (DeclKind::TypeSynonym(_), DeclKind::TypeSynonym(_))
        | (DeclKind::Predicate(_), DeclKind::Predicate(_))
        | (DeclKind::Qualifier(_), DeclKind::Qualifier(_))
        | (DeclKind::Import(_), DeclKind::Import(_)) => {
            !next_text.contains('\n') && !print_decl(prev).contains('\n')
        }
        _ => false,
    }
}

/// Prints one declaration (without a trailing newline).
pub fn print_decl(decl: &DeclKind) -> String {
    let mut p = Printer::default();
    p.decl(decl);
    p.out
}

pub fn print_type(ty: &Type) -> String {
    let mut s = String::new();
    write_type(&mut s, ty);
    s
}

pub fn print_formula(phi: &Formula) -> String {
    let mut s = String::new();
    write_formula(&mut s, phi, Ctx::Top);
    s
}

/// Prints a term as it would appear as a goal body, starting at column 0.
pub fn print_term(term: &Term) -> String {
    let mut p = Printer::default();
    p.term(term, 0);
    p.out
}

// ---------------------------------------------------------------------------------------
// Declarations and terms (layout-aware)

#[derive(Default)]
struct Printer {
    out: String,
    /// Column of the next character (0-based).
    col: usize,
}

impl Printer {
    fn text(&mut self, s: &str) {
        match s.rfind('\n') {
            Some(i) => self.col = s[i + 1..].chars().count(),
            None => self.col += s.chars().count(),
        }
        self.out.push_str(s);
    }

    fn newline(&mut self, indent: usize) {
        // No trailing spaces: drop them before breaking the line.
        let trimmed = self.out.trim_end_matches(' ').len();
        self.out.truncate(trimmed);
        self.out.push('\n');
        self.out.extend(std::iter::repeat_n(' ', indent));
        self.col = indent;
    }

    fn at_line_start(&self) -> bool {
        self.out.rsplit('\n').next().is_none_or(|l| l.trim().is_empty())
    }

    fn decl(&mut self, decl: &DeclKind) {
        match decl {
            DeclKind::TypeSynonym(d) => {
                let mut s = format!("type {}", d.name.text);
                for p in &d.params {
                    let _ = write!(s, " {}", p.text);
                }
                s.push_str(" = ");
                write_type(&mut s, &d.body);
                self.text(&s);
            }
            DeclKind::Data(d) => {
                let mut s = format!("data {}", d.name.text);
                for p in &d.params {
                    let _ = write!(s, " {}", p.text);
                }
                for p in &d.pred_params {
                    s.push_str(" <");
                    write_pred_sig(&mut s, &p.sig);
                    s.push('>');
                    if p.contravariant {
                        s.push('!');
                    }
                }
                if !d.constructors.is_empty() {
                    s.push_str(" where");
                }
                self.text(&s);
                for c in &d.constructors {
                    self.newline(2);
                    let mut line = format!("{} :: ", c.name.text);
                    write_type_broken(&mut line, &c.ty, 2, 6);
                    self.text(&line);
                }
            }
            DeclKind::Measure(d) => {
                let mut s = String::new();
                if d.termination {
                    s.push_str("termination ");
                }
                let _ = write!(s, "measure {} :: ", d.name.text);
                for (name, sort) in &d.const_args {
                    let _ = write!(s, "{}: ", name.text);
                    write_sort(&mut s, sort, false);
                    s.push_str(" -> ");
                }
                write_sort(&mut s, &d.input, false);
                s.push_str(" -> ");
                match &d.postcondition {
                    Some(post) => {
                        s.push('{');
                        write_sort(&mut s, &d.output, false);
                        s.push_str(" | ");
                        write_formula(&mut s, post, Ctx::Top);
                        s.push('}');
                    }
                    None => write_sort(&mut s, &d.output, false),
                }
                if !d.cases.is_empty() {
                    s.push_str(" where");
                }
                self.text(&s);
                for c in &d.cases {
                    self.newline(2);
                    let mut line = c.constructor.text.clone();
                    for b in &c.binders {
                        let _ = write!(line, " {}", b.text);
                    }
                    line.push_str(" -> ");
                    write_formula(&mut line, &c.body, Ctx::Top);
                    self.text(&line);
                }
            }
            DeclKind::Predicate(sig) => {
                let mut s = "predicate ".to_owned();
                write_pred_sig(&mut s, sig);
                self.text(&s);
            }
            DeclKind::Qualifier(fs) => {
                let items: Vec<String> = fs.iter().map(print_formula).collect();
                let mut s = "qualifier {".to_owned();
                s.push_str(&brace_safe(&items.join(", ")));
                s.push('}');
                self.text(&s);
            }
            DeclKind::Mutual(names) => {
                let items: Vec<&str> = names.iter().map(|n| n.text.as_str()).collect();
                self.text(&format!("mutual {{{}}}", items.join(", ")));
            }
            DeclKind::Import(d) => {
                let mut s = format!("import {}", d.module.text);
                if let Some(items) = &d.items {
                    let items: Vec<&str> = items.iter().map(|n| n.text.as_str()).collect();
                    let _ = write!(s, " ({})", items.join(", "));
                }
                self.text(&s);
            }
            DeclKind::Inline(d) => {
                let mut s = format!("inline {}", d.name.text);
                for p in &d.params {
                    let _ = write!(s, " {}", p.text);
                }
                s.push_str(" = ");
                write_formula(&mut s, &d.body, Ctx::Top);
                self.text(&s);
            }
            DeclKind::Signature(d) => {
                let mut s = format!("{} :: ", d.name.text);
                for b in &d.schema.pred_binders {
                    s.push('<');
                    write_pred_sig(&mut s, b);
                    s.push_str("> . ");
                }
                if !d.schema.pred_binders.is_empty() && s.len() + print_type(&d.schema.ty).len() > MAX_LINE {
                    // Binders on the first line, the type below; its first token is not
                    // followed by `::`/`=`, so the layout pass reads it as a continuation.
                    s.truncate(s.trim_end().len());
                    s.push_str("\n    ");
                }
                write_type_broken(&mut s, &d.schema.ty, 0, 4);
                self.text(&s);
            }
            DeclKind::Goal(d) => {
                self.text(&format!("{} = ", d.name.text));
                self.term(&d.body, 2);
            }
        }
    }

    /// Prints a term at the current position; `indent` is the column of continuation
    /// lines that belong to it.
    fn term(&mut self, t: &Term, indent: usize) {
        if is_simple(t) {
            let mut s = String::new();
            write_eterm(&mut s, t, ELevel::Top);
            self.text(&s);
            return;
        }
        match &t.kind {
            TermKind::Lambda { param, body } => {
                self.text(&format!("\\{} . ", param.text));
                if is_simple(body) || matches!(body.kind, TermKind::Lambda { .. }) {
                    self.term(body, indent);
                } else {
                    self.newline(indent + 2);
                    self.term(body, indent + 2);
                }
            }
            TermKind::Let { binder, value, body } => {
                self.text(&format!("let {} = ", binder.text));
                self.term(value, indent + 4);
                if is_simple(value) {
                    self.text(" in");
                } else {
                    self.newline(indent);
                    self.text("in");
                }
                self.newline(indent);
                self.term(body, indent);
            }
            TermKind::If { cond, then_branch, else_branch } => {
                self.text("if ");
                self.eterm_any(cond, indent + 2);
                self.newline(indent + 2);
                self.text("then ");
                self.branch(then_branch, indent + 2);
                self.newline(indent + 2);
                self.text("else ");
                self.branch(else_branch, indent + 2);
            }
            TermKind::Match { scrutinee, cases } => {
                if !self.at_line_start() {
                    self.newline(indent);
                }
                let column = self.col;
                self.text("match ");
                self.eterm_any(scrutinee, column + 2);
                self.text(" with");
                for case in cases {
                    self.newline(column + 2);
                    let mut head = case.constructor.text.clone();
                    for b in &case.binders {
                        let _ = write!(head, " {}", b.text);
                    }
                    head.push_str(" -> ");
                    self.text(&head);
                    if is_simple(&case.body) {
                        self.term(&case.body, column + 4);
                    } else {
                        self.newline(column + 4);
                        self.term(&case.body, column + 4);
                    }
                }
            }
            TermKind::Annot { term, ty } => {
                self.text("(");
                self.term(term, indent + 1);
                let mut s = " :: ".to_owned();
                write_type(&mut s, ty);
                s.push(')');
                self.text(&s);
            }
            // A complex term in an E-term position: parenthesise and print inside.
            TermKind::App { .. } | TermKind::Unary(..) | TermKind::Binary(..) | TermKind::List(_) => {
                // `is_simple` is false, so some operand is an I-term; print it with
                // parentheses on one line and let the I-term break lines itself.
                self.eterm_with_blocks(t, ELevel::Top, indent);
            }
            TermKind::Var(_)
            | TermKind::Ctor(_)
            | TermKind::Int(_)
            | TermKind::Bool(_)
            | TermKind::Hole
            | TermKind::Error => unreachable!("atoms are simple"),
        }
    }

    /// An E-term position (an `if` condition, a `match` scrutinee).
    fn eterm_any(&mut self, t: &Term, indent: usize) {
        if is_simple(t) {
            let mut s = String::new();
            write_eterm(&mut s, t, ELevel::Imp);
            self.text(&s);
        } else {
            self.eterm_with_blocks(t, ELevel::Imp, indent);
        }
    }

    /// A `then`/`else` branch: inline when simple, else on its own indented lines.
    fn branch(&mut self, t: &Term, indent: usize) {
        if is_simple(t) {
            self.term(t, indent);
        } else {
            self.newline(indent + 2);
            self.term(t, indent + 2);
        }
    }

    /// Prints an E-term some of whose operands are I-terms (parenthesised).
    fn eterm_with_blocks(&mut self, t: &Term, ctx: ELevel, indent: usize) {
        let needs_parens = elevel(t) > ctx;
        if needs_parens {
            self.text("(");
        }
        let inner = indent + 2;
        match &t.kind {
            TermKind::App { head, args } => {
                self.eterm_with_blocks(head, ELevel::Atom, inner);
                for a in args {
                    self.text(" ");
                    self.eterm_with_blocks(a, ELevel::Atom, inner);
                }
            }
            TermKind::Unary(op, a) => {
                self.text(op.spelling());
                if glues_to_prefix(a) {
                    self.text(" ");
                }
                self.eterm_with_blocks(a, ELevel::App, inner);
            }
            TermKind::Binary(op, a, b) => {
                let (lc, rc) = operand_levels(*op);
                self.eterm_with_blocks(a, lc, inner);
                self.text(&format!(" {} ", op.spelling()));
                self.eterm_with_blocks(b, rc, inner);
            }
            TermKind::List(items) => {
                self.text("[");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.text(", ");
                    }
                    self.eterm_with_blocks(item, ELevel::Top, inner);
                }
                self.text("]");
            }
            _ if is_simple(t) => {
                let mut s = String::new();
                write_eterm(&mut s, t, ELevel::Top);
                self.text(&s);
            }
            _ => self.term(t, inner),
        }
        if needs_parens {
            self.text(")");
        }
    }
}

/// An E-term without any lambda, `let`, `if` or `match` inside: printable on one line.
fn is_simple(t: &Term) -> bool {
    !matches!(t.kind, TermKind::Let { .. } | TermKind::If { .. } | TermKind::Match { .. })
        && t.children().into_iter().all(is_simple)
}

// ---------------------------------------------------------------------------------------
// E-terms (one line)

/// Precedence contexts for program terms, tightest first.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum ELevel {
    Atom,
    App,
    Unary,
    Times,
    Add,
    Cmp,
    And,
    Imp,
    /// Any term, including `\`, `let`, `if`, `match` and `error`.
    Top,
}

fn elevel(t: &Term) -> ELevel {
    match &t.kind {
        TermKind::Var(_)
        | TermKind::Ctor(_)
        | TermKind::Int(_)
        | TermKind::Bool(_)
        | TermKind::Hole
        | TermKind::List(_)
        | TermKind::Annot { .. } => ELevel::Atom,
        TermKind::App { .. } => ELevel::App,
        TermKind::Unary(..) => ELevel::Unary,
        TermKind::Binary(op, ..) => binop_level(*op),
        TermKind::Error
        | TermKind::Lambda { .. }
        | TermKind::Let { .. }
        | TermKind::If { .. }
        | TermKind::Match { .. } => ELevel::Top,
    }
}

fn binop_level(op: BinOp) -> ELevel {
    match op.level() {
        2 => ELevel::Times,
        3 => ELevel::Add,
        4 => ELevel::Cmp,
        5 => ELevel::And,
        _ => ELevel::Imp,
    }
}

/// The contexts of the left and right operands of a binary operator.
fn operand_levels(op: BinOp) -> (ELevel, ELevel) {
    let level = binop_level(op);
    let tighter = match level {
        ELevel::Times => ELevel::Unary,
        ELevel::Add => ELevel::Times,
        ELevel::Cmp => ELevel::Add,
        ELevel::And => ELevel::Cmp,
        _ => ELevel::And,
    };
    match level {
        ELevel::Cmp => (tighter, tighter),
        ELevel::Imp => (tighter, level),
        _ => (level, tighter),
    }
}

/// Whether an operand printed right after a prefix operator would lex together with it:
/// `!??` is one (unknown) operator token, so a hole operand is set off by a space.
fn glues_to_prefix(operand: &Term) -> bool {
    matches!(operand.kind, TermKind::Hole)
}

fn write_eterm(s: &mut String, t: &Term, ctx: ELevel) {
    let parens = elevel(t) > ctx;
    if parens {
        s.push('(');
    }
    match &t.kind {
        TermKind::Var(n) | TermKind::Ctor(n) => s.push_str(&n.text),
        TermKind::Int(n) => {
            let _ = write!(s, "{n}");
        }
        TermKind::Bool(b) => s.push_str(if *b { "True" } else { "False" }),
        TermKind::Hole => s.push_str("??"),
        TermKind::Error => s.push_str("error"),
        TermKind::App { head, args } => {
            write_eterm(s, head, ELevel::Atom);
            for a in args {
                s.push(' ');
                write_eterm(s, a, ELevel::Atom);
            }
        }
        TermKind::Unary(op, a) => {
            s.push_str(op.spelling());
            if glues_to_prefix(a) {
                s.push(' ');
            }
            write_eterm(s, a, ELevel::App);
        }
        TermKind::Binary(op, a, b) => {
            let (lc, rc) = operand_levels(*op);
            write_eterm(s, a, lc);
            let _ = write!(s, " {} ", op.spelling());
            write_eterm(s, b, rc);
        }
        TermKind::List(items) => {
            s.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                write_eterm(s, item, ELevel::Top);
            }
            s.push(']');
        }
        TermKind::Annot { term, ty } => {
            s.push('(');
            write_eterm(s, term, ELevel::Top);
            s.push_str(" :: ");
            write_type(s, ty);
            s.push(')');
        }
        // Callers only pass terms for which `is_simple` holds; should an I-term arrive
        // anyway, print it with the layout-aware printer rather than lose it.
        TermKind::Lambda { param, body } => {
            let _ = write!(s, "\\{} . ", param.text);
            write_eterm(s, body, ELevel::Top);
        }
        TermKind::Let { .. } | TermKind::If { .. } | TermKind::Match { .. } => {
            let mut p = Printer::default();
            p.term(t, 0);
            s.push_str(&p.out);
        }
    }
    if parens {
        s.push(')');
    }
}

// ---------------------------------------------------------------------------------------
// Types, sorts and formulas (always one line)

/// Lines longer than this are broken before each `->` of a signature.
const MAX_LINE: usize = 100;

/// Writes a function type, one argument per line when it would not fit on one. The
/// continuation lines start with `->`, which the layout pass always treats as a
/// continuation, so the break cannot change the parse.
fn write_type_broken(s: &mut String, ty: &Type, line_indent: usize, arrow_indent: usize) {
    let mut one_line = String::new();
    write_type(&mut one_line, ty);
    let current_line = s.rsplit('\n').next().map_or(0, str::len);
    if line_indent + current_line + one_line.len() <= MAX_LINE {
        s.push_str(&one_line);
        return;
    }
    let mut ty = ty;
    let mut first = true;
    loop {
        if !first {
            s.push('\n');
            s.extend(std::iter::repeat_n(' ', arrow_indent));
            s.push_str("-> ");
        }
        first = false;
        match &ty.kind {
            TypeKind::Function { param, arg, result } => {
                if let Some(p) = param {
                    let _ = write!(s, "{}: ", p.text);
                }
                write_arg_type(s, arg);
                ty = result;
            }
            TypeKind::Scalar { .. } => {
                write_arg_type(s, ty);
                return;
            }
        }
    }
}

fn write_pred_sig(s: &mut String, sig: &PredSig) {
    let _ = write!(s, "{} :: ", sig.name.text);
    for a in &sig.args {
        write_sort(s, a, false);
        s.push_str(" -> ");
    }
    write_sort(s, &sig.result, false);
}

fn write_type(s: &mut String, ty: &Type) {
    match &ty.kind {
        TypeKind::Function { param, arg, result } => {
            if let Some(p) = param {
                let _ = write!(s, "{}: ", p.text);
            }
            write_arg_type(s, arg);
            s.push_str(" -> ");
            write_type(s, result);
        }
        TypeKind::Scalar { .. } => write_arg_type(s, ty),
    }
}

/// A type in argument position: functions need parentheses.
fn write_arg_type(s: &mut String, ty: &Type) {
    match &ty.kind {
        TypeKind::Function { .. } => {
            s.push('(');
            write_type(s, ty);
            s.push(')');
        }
        TypeKind::Scalar { base, refinement: Some(phi) } => {
            s.push('{');
            write_base(s, base);
            s.push_str(" | ");
            write_formula(s, phi, Ctx::Top);
            s.push('}');
        }
        TypeKind::Scalar { base, refinement: None } => write_base(s, base),
    }
}

/// A type as an argument of a type application: only atoms go bare.
fn write_type_atom(s: &mut String, ty: &Type) {
    let atomic = match &ty.kind {
        TypeKind::Function { .. } => false,
        TypeKind::Scalar { refinement: Some(_), .. } => true,
        TypeKind::Scalar { base: BaseType::Named { args, pred_args, .. }, .. } => {
            args.is_empty() && pred_args.is_empty()
        }
        TypeKind::Scalar { .. } => true,
    };
    if atomic {
        write_arg_type(s, ty);
    } else {
        s.push('(');
        write_type(s, ty);
        s.push(')');
    }
}

fn write_base(s: &mut String, base: &BaseType) {
    match base {
        BaseType::Int => s.push_str("Int"),
        BaseType::Bool => s.push_str("Bool"),
        BaseType::Var(n) => s.push_str(&n.text),
        BaseType::Named { name, args, pred_args } => {
            s.push_str(&name.text);
            for a in args {
                s.push(' ');
                write_type_atom(s, a);
            }
            for p in pred_args {
                match p {
                    PredArg::Name(n) => {
                        let _ = write!(s, " <{}>", n.text);
                    }
                    PredArg::Formula(phi) => {
                        s.push_str(" <{");
                        s.push_str(&brace_safe(&print_formula(phi)));
                        s.push_str("}>");
                    }
                }
            }
        }
        BaseType::List(elem) => {
            s.push('[');
            write_type(s, elem);
            s.push(']');
        }
    }
}

/// `{-` opens a comment, so a brace followed by a formula starting with `-` needs a space.
fn brace_safe(text: &str) -> String {
    if text.starts_with('-') { format!(" {text}") } else { text.to_owned() }
}

fn write_sort(s: &mut String, sort: &Sort, atom: bool) {
    let compound = match &sort.kind {
        SortKind::Set(_) => true,
        SortKind::Data { args, .. } => !args.is_empty(),
        SortKind::Int | SortKind::Bool | SortKind::Var(_) => false,
    };
    if atom && compound {
        s.push('(');
    }
    match &sort.kind {
        SortKind::Int => s.push_str("Int"),
        SortKind::Bool => s.push_str("Bool"),
        SortKind::Var(n) => s.push_str(&n.text),
        SortKind::Set(elem) => {
            s.push_str("Set ");
            write_sort(s, elem, true);
        }
        SortKind::Data { name, args } => {
            s.push_str(&name.text);
            for a in args {
                s.push(' ');
                write_sort(s, a, true);
            }
        }
    }
    if atom && compound {
        s.push(')');
    }
}

/// Precedence contexts for formulas, tightest first.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ctx {
    Atom,
    Term,
    Unary,
    Times,
    Add,
    Cmp,
    And,
    Imp,
    Top,
}

fn flevel(phi: &Formula) -> Ctx {
    match &phi.kind {
        FormulaKind::Bool(_) | FormulaKind::Int(_) | FormulaKind::Var(_) | FormulaKind::SetLit(_) => {
            Ctx::Atom
        }
        FormulaKind::Ctor { args, .. } if args.is_empty() => Ctx::Atom,
        FormulaKind::App { .. } | FormulaKind::Ctor { .. } => Ctx::Term,
        FormulaKind::Unary(..) => Ctx::Unary,
        FormulaKind::Binary(op, ..) => match op.level() {
            2 => Ctx::Times,
            3 => Ctx::Add,
            4 => Ctx::Cmp,
            5 => Ctx::And,
            _ => Ctx::Imp,
        },
        FormulaKind::Ite(..) => Ctx::Top,
    }
}

fn formula_operand_levels(op: BinOp) -> (Ctx, Ctx) {
    match op.level() {
        2 => (Ctx::Times, Ctx::Unary),
        3 => (Ctx::Add, Ctx::Times),
        4 => (Ctx::Add, Ctx::Add),
        5 => (Ctx::And, Ctx::Cmp),
        _ => (Ctx::And, Ctx::Imp),
    }
}

fn write_formula(s: &mut String, phi: &Formula, ctx: Ctx) {
    // A formula `if` extends as far right as it can; parenthesise it everywhere but at
    // the top, which is always correct and reads better.
    let parens = flevel(phi) > ctx || (matches!(phi.kind, FormulaKind::Ite(..)) && ctx != Ctx::Top);
    if parens {
        s.push('(');
    }
    match &phi.kind {
        FormulaKind::Bool(b) => s.push_str(if *b { "True" } else { "False" }),
        FormulaKind::Int(n) => {
            let _ = write!(s, "{n}");
        }
        FormulaKind::Var(n) => s.push_str(&n.text),
        FormulaKind::SetLit(items) => {
            s.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                write_formula(s, item, Ctx::Top);
            }
            s.push(']');
        }
        FormulaKind::App { head: name, args } | FormulaKind::Ctor { name, args } => {
            s.push_str(&name.text);
            for a in args {
                s.push(' ');
                write_formula(s, a, Ctx::Atom);
            }
        }
        FormulaKind::Unary(op, a) => {
            s.push_str(op.spelling());
            write_formula(s, a, Ctx::Term);
        }
        FormulaKind::Binary(op, a, b) => {
            let (lc, rc) = formula_operand_levels(*op);
            write_formula(s, a, lc);
            let _ = write!(s, " {} ", op.spelling());
            write_formula(s, b, rc);
        }
        FormulaKind::Ite(c, a, b) => {
            s.push_str("if ");
            write_formula(s, c, Ctx::Top);
            s.push_str(" then ");
            write_formula(s, a, Ctx::Top);
            s.push_str(" else ");
            write_formula(s, b, Ctx::Top);
        }
    }
    if parens {
        s.push(')');
    }
}
