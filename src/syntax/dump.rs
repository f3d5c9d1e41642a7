//! A structural dump of the surface tree as S-expressions, for snapshot tests.
//!
//! Where the pretty-printer hides structure (precedence, associativity, which names are
//! bound), the dump shows it: every operator application is a parenthesised node, so a
//! reviewer can see at a glance that `a && b || c` parsed as `(|| (&& a b) c)`. Nodes
//! that fit in the line width stay on one line; others break one child per line.

use super::ast::*;

const WIDTH: usize = 96;

/// Dumps a module, one declaration per paragraph.
pub fn dump_module(module: &Module) -> String {
    let mut out = String::new();
    for decl in &module.decls {
        let node = decl_node(&decl.kind);
        render(&node, 0, &mut out);
        out.push('\n');
    }
    out
}

enum S {
    Atom(String),
    List(Vec<S>),
}

fn atom(s: impl Into<String>) -> S {
    S::Atom(s.into())
}

fn list(tag: &str, children: impl IntoIterator<Item = S>) -> S {
    let mut items = vec![atom(tag)];
    items.extend(children);
    S::List(items)
}

fn flat(node: &S) -> String {
    match node {
        S::Atom(s) => s.clone(),
        S::List(items) => {
            let parts: Vec<String> = items.iter().map(flat).collect();
            format!("({})", parts.join(" "))
        }
    }
}

fn render(node: &S, indent: usize, out: &mut String) {
    let one_line = flat(node);
    if indent + one_line.len() <= WIDTH {
        out.push_str(&one_line);
        return;
    }
    match node {
        S::Atom(s) => out.push_str(s),
        S::List(items) => {
            out.push('(');
            let mut iter = items.iter();
            if let Some(head) = iter.next() {
                out.push_str(&flat(head));
            }
            for item in iter {
                out.push('\n');
                out.extend(std::iter::repeat_n(' ', indent + 2));
                render(item, indent + 2, out);
            }
            out.push(')');
        }
    }
}

fn names(ns: &[Name]) -> S {
    S::List(ns.iter().map(|n| atom(&n.text)).collect())
}

fn decl_node(decl: &DeclKind) -> S {
    match decl {
        DeclKind::TypeSynonym(d) => list("type", [atom(&d.name.text), names(&d.params), type_node(&d.body)]),
        DeclKind::Data(d) => {
            let mut children = vec![atom(&d.name.text), names(&d.params)];
            for p in &d.pred_params {
                let tag = if p.contravariant { "pred-param!" } else { "pred-param" };
                children.push(list(tag, [pred_sig_node(&p.sig)]));
            }
            for c in &d.constructors {
                children.push(list("ctor", [atom(&c.name.text), type_node(&c.ty)]));
            }
            list("data", children)
        }
        DeclKind::Measure(d) => {
            let mut children = vec![atom(&d.name.text)];
            if d.termination {
                children.push(atom(":termination"));
            }
            for (n, s) in &d.const_args {
                children.push(list("const", [atom(&n.text), sort_node(s)]));
            }
            children.push(list("in", [sort_node(&d.input)]));
            children.push(list("out", [sort_node(&d.output)]));
            if let Some(post) = &d.postcondition {
                children.push(list("post", [formula_node(post)]));
            }
            for c in &d.cases {
                children.push(list(
                    "case",
                    [atom(&c.constructor.text), names(&c.binders), formula_node(&c.body)],
                ));
            }
            list("measure", children)
        }
        DeclKind::Predicate(sig) => list("predicate", [pred_sig_node(sig)]),
        DeclKind::Qualifier(fs) => list("qualifier", fs.iter().map(formula_node)),
        DeclKind::Mutual(ns) => list("mutual", ns.iter().map(|n| atom(&n.text))),
        DeclKind::Import(d) => match &d.items {
            None => list("import", [atom(&d.module.text)]),
            Some(items) => list("import", [atom(&d.module.text), names(items)]),
        },
        DeclKind::Inline(d) => list("inline", [atom(&d.name.text), names(&d.params), formula_node(&d.body)]),
        DeclKind::Signature(d) => {
            let mut children = vec![atom(&d.name.text)];
            for b in &d.schema.pred_binders {
                children.push(list("forall-pred", [pred_sig_node(b)]));
            }
            children.push(type_node(&d.schema.ty));
            list("sig", children)
        }
        DeclKind::Goal(d) => list("goal", [atom(&d.name.text), term_node(&d.body)]),
    }
}

fn pred_sig_node(sig: &PredSig) -> S {
    let mut children = vec![atom(&sig.name.text)];
    children.extend(sig.args.iter().map(sort_node));
    children.push(list("->", [sort_node(&sig.result)]));
    list("pred", children)
}

fn sort_node(sort: &Sort) -> S {
    match &sort.kind {
        SortKind::Int => atom("Int"),
        SortKind::Bool => atom("Bool"),
        SortKind::Var(n) => atom(format!("'{}", n.text)),
        SortKind::Set(e) => list("Set", [sort_node(e)]),
        SortKind::Data { name, args } if args.is_empty() => atom(&name.text),
        SortKind::Data { name, args } => list(&name.text, args.iter().map(sort_node)),
    }
}

fn type_node(ty: &Type) -> S {
    match &ty.kind {
        TypeKind::Function { param, arg, result } => {
            let p = param.as_ref().map_or("_".to_owned(), |n| n.text.clone());
            list("fun", [atom(p), type_node(arg), type_node(result)])
        }
        TypeKind::Scalar { base, refinement } => {
            let b = base_node(base);
            match refinement {
                Some(phi) => list("refined", [b, formula_node(phi)]),
                None => b,
            }
        }
    }
}

fn base_node(base: &BaseType) -> S {
    match base {
        BaseType::Int => atom("Int"),
        BaseType::Bool => atom("Bool"),
        BaseType::Var(n) => atom(format!("'{}", n.text)),
        BaseType::List(t) => list("list", [type_node(t)]),
        BaseType::Named { name, args, pred_args } if args.is_empty() && pred_args.is_empty() => {
            atom(&name.text)
        }
        BaseType::Named { name, args, pred_args } => {
            let mut children: Vec<S> = args.iter().map(type_node).collect();
            for p in pred_args {
                children.push(match p {
                    PredArg::Name(n) => list("pred-arg", [atom(&n.text)]),
                    PredArg::Formula(phi) => list("pred-arg", [formula_node(phi)]),
                });
            }
            list(&name.text, children)
        }
    }
}

fn formula_node(phi: &Formula) -> S {
    match &phi.kind {
        FormulaKind::Bool(b) => atom(if *b { "True" } else { "False" }),
        FormulaKind::Int(n) => atom(n.to_string()),
        FormulaKind::Var(n) => atom(&n.text),
        FormulaKind::SetLit(items) => list("set", items.iter().map(formula_node)),
        FormulaKind::App { head, args } => list(&head.text, args.iter().map(formula_node)),
        FormulaKind::Ctor { name, args } if args.is_empty() => atom(&name.text),
        FormulaKind::Ctor { name, args } => list(&name.text, args.iter().map(formula_node)),
        FormulaKind::Unary(op, a) => list(op.spelling(), [formula_node(a)]),
        FormulaKind::Binary(op, a, b) => list(op.spelling(), [formula_node(a), formula_node(b)]),
        FormulaKind::Ite(c, a, b) => list("if", [formula_node(c), formula_node(a), formula_node(b)]),
    }
}

fn term_node(t: &Term) -> S {
    match &t.kind {
        TermKind::Var(n) | TermKind::Ctor(n) => atom(&n.text),
        TermKind::Int(n) => atom(n.to_string()),
        TermKind::Bool(b) => atom(if *b { "True" } else { "False" }),
        TermKind::Hole => atom("??"),
        TermKind::Error => atom("error"),
        TermKind::App { head, args } => {
            let mut children = vec![term_node(head)];
            children.extend(args.iter().map(term_node));
            list("app", children)
        }
        TermKind::Unary(op, a) => list(op.spelling(), [term_node(a)]),
        TermKind::Binary(op, a, b) => list(op.spelling(), [term_node(a), term_node(b)]),
        TermKind::Lambda { param, body } => list("\\", [atom(&param.text), term_node(body)]),
        TermKind::Let { binder, value, body } => {
            list("let", [atom(&binder.text), term_node(value), term_node(body)])
        }
        TermKind::If { cond, then_branch, else_branch } => {
            list("if", [term_node(cond), term_node(then_branch), term_node(else_branch)])
        }
        TermKind::Match { scrutinee, cases } => {
            let mut children = vec![term_node(scrutinee)];
            for c in cases {
                children
                    .push(list("case", [atom(&c.constructor.text), names(&c.binders), term_node(&c.body)]));
            }
            list("match", children)
        }
        TermKind::Annot { term, ty } => list("::", [term_node(term), type_node(ty)]),
        TermKind::List(items) => list("list", items.iter().map(term_node)),
    }
}
