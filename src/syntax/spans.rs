//! A walk over every span in a declaration.
//!
//! The parser produces absolute spans; [`rebase`] makes them relative to the declaration
//! (see the module doc of `ast`). [`erase`] zeroes them, so that two trees can be
//! compared "spans aside", which is how the formatter's round trip is tested.

use super::ast::*;

/// Subtracts `offset` from every span in `kind`.
pub fn rebase(kind: &mut DeclKind, offset: u32) {
    kind.walk_spans(&mut |span: &mut Span| {
        span.start = span.start.saturating_sub(offset);
        span.end = span.end.saturating_sub(offset);
    });
}

/// Sets every span in the module, and every declaration offset and length, to zero.
pub fn erase(module: &mut Module) {
    for decl in &mut module.decls {
        decl.offset = 0;
        decl.len = 0;
        decl.kind.walk_spans(&mut |span: &mut Span| *span = Span::default());
    }
}

/// Implemented by every tree node that contains spans.
pub trait WalkSpans {
    fn walk_spans(&mut self, f: &mut dyn FnMut(&mut Span));
}

impl<T: WalkSpans> WalkSpans for Vec<T> {
    fn walk_spans(&mut self, f: &mut dyn FnMut(&mut Span)) {
        for item in self {
            item.walk_spans(f);
        }
    }
}

impl<T: WalkSpans> WalkSpans for Option<T> {
    fn walk_spans(&mut self, f: &mut dyn FnMut(&mut Span)) {
        if let Some(item) = self {
            item.walk_spans(f);
        }
    }
}

impl<T: WalkSpans> WalkSpans for Box<T> {
    fn walk_spans(&mut self, f: &mut dyn FnMut(&mut Span)) {
        (**self).walk_spans(f);
    }
}

impl WalkSpans for Name {
    fn walk_spans(&mut self, f: &mut dyn FnMut(&mut Span)) {
        f(&mut self.span);
    }
}

impl WalkSpans for DeclKind {
    fn walk_spans(&mut self, f: &mut dyn FnMut(&mut Span)) {
        match self {
            DeclKind::TypeSynonym(d) => {
                d.name.walk_spans(f);
                d.params.walk_spans(f);
                d.body.walk_spans(f);
            }
            DeclKind::Data(d) => {
                d.name.walk_spans(f);
                d.params.walk_spans(f);
                for p in &mut d.pred_params {
                    p.sig.walk_spans(f);
                }
                for c in &mut d.constructors {
                    f(&mut c.span);
                    c.name.walk_spans(f);
                    c.ty.walk_spans(f);
                }
            }
            DeclKind::Measure(d) => {
                d.name.walk_spans(f);
                for (name, sort) in &mut d.const_args {
                    name.walk_spans(f);
                    sort.walk_spans(f);
                }
                d.input.walk_spans(f);
                d.output.walk_spans(f);
                d.postcondition.walk_spans(f);
                for c in &mut d.cases {
                    f(&mut c.span);
                    c.constructor.walk_spans(f);
                    c.binders.walk_spans(f);
                    c.body.walk_spans(f);
                }
            }
            DeclKind::Predicate(sig) => sig.walk_spans(f),
            DeclKind::Qualifier(fs) => fs.walk_spans(f),
            DeclKind::Mutual(names) => names.walk_spans(f),
            DeclKind::Import(d) => {
                d.module.walk_spans(f);
                if let Some(items) = &mut d.items {
                    items.walk_spans(f);
                }
            }
            DeclKind::Inline(d) => {
                d.name.walk_spans(f);
                d.params.walk_spans(f);
                d.body.walk_spans(f);
            }
            DeclKind::Signature(d) => {
                d.name.walk_spans(f);
                d.schema.pred_binders.walk_spans(f);
                d.schema.ty.walk_spans(f);
            }
            DeclKind::Goal(d) => {
                d.name.walk_spans(f);
                d.body.walk_spans(f);
            }
        }
    }
}

impl WalkSpans for PredSig {
    fn walk_spans(&mut self, f: &mut dyn FnMut(&mut Span)) {
        f(&mut self.span);
        self.name.walk_spans(f);
        self.args.walk_spans(f);
        self.result.walk_spans(f);
    }
}

impl WalkSpans for Sort {
    fn walk_spans(&mut self, f: &mut dyn FnMut(&mut Span)) {
        f(&mut self.span);
        match &mut self.kind {
            SortKind::Int | SortKind::Bool => {}
            SortKind::Set(s) => s.walk_spans(f),
            SortKind::Var(n) => n.walk_spans(f),
            SortKind::Data { name, args } => {
                name.walk_spans(f);
                args.walk_spans(f);
            }
        }
    }
}

impl WalkSpans for Type {
    fn walk_spans(&mut self, f: &mut dyn FnMut(&mut Span)) {
        f(&mut self.span);
        match &mut self.kind {
            TypeKind::Function { param, arg, result } => {
                param.walk_spans(f);
                arg.walk_spans(f);
                result.walk_spans(f);
            }
            TypeKind::Scalar { base, refinement } => {
                match base {
                    BaseType::Int | BaseType::Bool => {}
                    BaseType::Var(n) => n.walk_spans(f),
                    BaseType::Named { name, args, pred_args } => {
                        name.walk_spans(f);
                        args.walk_spans(f);
                        for p in pred_args {
                            match p {
                                PredArg::Formula(phi) => phi.walk_spans(f),
                                PredArg::Name(n) => n.walk_spans(f),
                            }
                        }
                    }
                    BaseType::List(t) => t.walk_spans(f),
                }
                refinement.walk_spans(f);
            }
        }
    }
}

impl WalkSpans for Formula {
    fn walk_spans(&mut self, f: &mut dyn FnMut(&mut Span)) {
        f(&mut self.span);
        match &mut self.kind {
            FormulaKind::Bool(_) | FormulaKind::Int(_) => {}
            FormulaKind::Var(n) => n.walk_spans(f),
            FormulaKind::SetLit(items) => items.walk_spans(f),
            FormulaKind::App { head: name, args } | FormulaKind::Ctor { name, args } => {
                name.walk_spans(f);
                args.walk_spans(f);
            }
            FormulaKind::Unary(_, a) => a.walk_spans(f),
            FormulaKind::Binary(_, a, b) => {
                a.walk_spans(f);
                b.walk_spans(f);
            }
            FormulaKind::Ite(c, a, b) => {
                c.walk_spans(f);
                a.walk_spans(f);
                b.walk_spans(f);
            }
        }
    }
}

impl WalkSpans for Term {
    fn walk_spans(&mut self, f: &mut dyn FnMut(&mut Span)) {
        f(&mut self.span);
        match &mut self.kind {
            TermKind::Int(_) | TermKind::Bool(_) | TermKind::Hole | TermKind::Error => {}
            TermKind::Var(n) | TermKind::Ctor(n) => n.walk_spans(f),
            TermKind::App { head, args } => {
                head.walk_spans(f);
                args.walk_spans(f);
            }
            TermKind::Unary(_, a) => a.walk_spans(f),
            TermKind::Binary(_, a, b) => {
                a.walk_spans(f);
                b.walk_spans(f);
            }
            TermKind::Lambda { param, body } => {
                param.walk_spans(f);
                body.walk_spans(f);
            }
            TermKind::Let { binder, value, body } => {
                binder.walk_spans(f);
                value.walk_spans(f);
                body.walk_spans(f);
            }
            TermKind::If { cond, then_branch, else_branch } => {
                cond.walk_spans(f);
                then_branch.walk_spans(f);
                else_branch.walk_spans(f);
            }
            TermKind::Match { scrutinee, cases } => {
                scrutinee.walk_spans(f);
                for c in cases {
                    f(&mut c.span);
                    c.constructor.walk_spans(f);
                    c.binders.walk_spans(f);
                    c.body.walk_spans(f);
                }
            }
            TermKind::Annot { term, ty } => {
                term.walk_spans(f);
                ty.walk_spans(f);
            }
            TermKind::List(items) => items.walk_spans(f),
        }
    }
}
