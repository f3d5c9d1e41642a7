//! Datatype encodings compared: the same batch of validity queries under
//! `DatatypeEncoding::Uninterpreted` and `DatatypeEncoding::Algebraic`.
//!
//! The queries are shaped like the ones the checker sends for Synquid's monomorphic
//! benchmarks: implications whose premises are path conditions (constructor equations),
//! measure instances for the constructor terms in scope, and refinements of the
//! variables in scope, and whose goals are refinements or qualifier instances, valid or
//! not (most qualifier candidates are not). `Evaluator` has the recursive `AST` and
//! `PAST` with the `result`/`result2`/`size` measures; `AddressBook` has `Info` inside
//! `Address`, the polymorphic `List` (uninterpreted in both encodings) and an element set.
//!
//! The query cache is off, so every iteration runs Z3 on every query. Run with
//! `cargo bench --bench smt -- --quick` (docs/smt.md has the numbers and the decision).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use rsynth::logic::smt::Validity;
use rsynth::logic::{DatatypeDecl, DatatypeEncoding, Formula, SmtConfig, SmtSolver, Sort, Symbol};

fn data(name: &str) -> Sort {
    Sort::data(name, [])
}

fn int(name: &str) -> Formula {
    Formula::var(name, Sort::Int)
}

fn var(name: &str, sort: &Sort) -> Formula {
    Formula::var(name, sort.clone())
}

fn cons(name: &str, sort: &Sort, args: Vec<Formula>) -> Formula {
    Formula::cons(name, sort.clone(), args)
}

fn app(name: &str, sort: Sort, args: Vec<Formula>) -> Formula {
    Formula::pred(name, sort, args)
}

fn lit(n: i64) -> Formula {
    Formula::int(n)
}

/// An implication query `premises ==> goal`.
fn query(premises: Vec<Formula>, goal: Formula) -> Formula {
    Formula::implies(Formula::conjunction(premises), goal)
}

fn list(elem: Sort) -> Sort {
    Sort::data("List", [elem])
}

/// The datatypes of both workloads, as the resolver would describe them.
fn decls() -> Arc<[DatatypeDecl]> {
    let (ast, past) = (data("AST"), data("PAST"));
    let a = Sort::var("a");
    let binary = |d: DatatypeDecl, name: &str| d.constructor(name, [ast.clone(), ast.clone()]);
    let ast_decl =
        DatatypeDecl::new("AST", []).constructor("Zero", []).constructor("One", []).constructor("Two", []);
    let ast_decl = binary(binary(binary(ast_decl, "PlusNode"), "MinusNode"), "ProductNode");
    vec![
        ast_decl,
        DatatypeDecl::new("PAST", [])
            .constructor("IntNode", [Sort::Int])
            .constructor("OpNode", [Sort::Int, past.clone(), past]),
        DatatypeDecl::new("List", [Symbol::from("a")])
            .constructor("Nil", [])
            .constructor("Cons", [a.clone(), list(a)]),
        DatatypeDecl::new("Info", []).constructor("Info", [Sort::Int, Sort::Int, Sort::Bool]),
        DatatypeDecl::new("Address", []).constructor("Address", [data("Info"), Sort::Bool]),
        DatatypeDecl::new("AddressBook", [])
            .constructor("AddressBook", [list(data("Address")), list(data("Address"))]),
    ]
    .into()
}

/// A binary arithmetic operator on formulas.
type BinaryOp = fn(Formula, Formula) -> Formula;

/// Evaluator: `transform :: x: AST -> {PAST | result2 _v == result x}`.
fn evaluator() -> Vec<Formula> {
    let (ast, past) = (data("AST"), data("PAST"));
    let result = |t: Formula| app("result", Sort::Int, vec![t]);
    let result2 = |t: Formula| app("result2", Sort::Int, vec![t]);
    let size = |t: Formula| app("size", Sort::Int, vec![t]);
    let size2 = |t: Formula| app("size2", Sort::Int, vec![t]);
    let (x, l, r) = (var("x", &ast), var("l", &ast), var("r", &ast));
    let (v, p1, p2) = (var("_v", &past), var("p1", &past), var("p2", &past));
    let mut out = Vec::new();

    // Leaf cases: x == K, v == IntNode n; goal result2 v == result x (valid iff n == K's value).
    for (k, value) in [("Zero", 0), ("One", 1), ("Two", 2)] {
        let leaf = cons(k, &ast, vec![]);
        for n in [value, value + 1] {
            let node = cons("IntNode", &past, vec![lit(n)]);
            let premises = vec![
                Formula::eq(x.clone(), leaf.clone()),
                Formula::eq(result(leaf.clone()), lit(value)),
                Formula::eq(size(leaf.clone()), lit(1)),
                Formula::ge(size(x.clone()), lit(0)),
                Formula::eq(v.clone(), node.clone()),
                Formula::eq(result2(node.clone()), lit(n)),
                Formula::eq(size2(node), lit(1)),
            ];
            out.push(query(premises, Formula::eq(result2(v.clone()), result(x.clone()))));
        }
    }

    // Binary cases: x == K l r, v == OpNode op p1 p2 with recursive results for l and r.
    let ops: [(&str, BinaryOp); 3] =
        [("PlusNode", Formula::plus), ("MinusNode", Formula::minus), ("ProductNode", Formula::times)];
    for (name, combine) in ops {
        let node = cons(name, &ast, vec![l.clone(), r.clone()]);
        let case = vec![
            Formula::eq(x.clone(), node.clone()),
            Formula::eq(result(node.clone()), combine(result(l.clone()), result(r.clone()))),
            Formula::eq(
                size(node.clone()),
                Formula::plus(Formula::plus(Formula::plus(lit(1), size(l.clone())), size(r.clone())), lit(1)),
            ),
            Formula::ge(size(l.clone()), lit(0)),
            Formula::ge(size(r.clone()), lit(0)),
            Formula::ge(size(x.clone()), lit(0)),
        ];
        // Termination of the recursive calls, and a qualifier that does not hold.
        out.push(query(case.clone(), Formula::lt(size(l.clone()), size(x.clone()))));
        out.push(query(case.clone(), Formula::lt(size(r.clone()), size(x.clone()))));
        out.push(query(case.clone(), Formula::le(size(x.clone()), size(l.clone()))));
        for op in 0..3 {
            let op_node = cons("OpNode", &past, vec![lit(op), p1.clone(), p2.clone()]);
            let (r1, r2) = (result2(p1.clone()), result2(p2.clone()));
            let semantics = Formula::ite(
                Formula::eq(lit(op), lit(0)),
                Formula::plus(r1.clone(), r2.clone()),
                Formula::ite(
                    Formula::eq(lit(op), lit(1)),
                    Formula::minus(r1.clone(), r2.clone()),
                    Formula::times(r1.clone(), r2.clone()),
                ),
            );
            let mut premises = case.clone();
            premises.extend([
                Formula::eq(r1.clone(), result(l.clone())),
                Formula::eq(r2.clone(), result(r.clone())),
                Formula::eq(v.clone(), op_node.clone()),
                Formula::eq(result2(op_node.clone()), semantics),
                Formula::eq(
                    size2(op_node),
                    Formula::plus(Formula::plus(lit(1), size2(p1.clone())), size2(p2.clone())),
                ),
            ]);
            // Valid exactly when the opcode matches the node.
            out.push(query(premises, Formula::eq(result2(v.clone()), result(x.clone()))));
        }
    }

    // Path conditions of a match on x inside a match on x: infeasible branches and the
    // qualifier candidates the checker tries on them.
    let zero = cons("Zero", &ast, vec![]);
    let plus = cons("PlusNode", &ast, vec![l.clone(), r.clone()]);
    let both = vec![
        Formula::eq(x.clone(), zero.clone()),
        Formula::eq(x.clone(), plus.clone()),
        Formula::eq(result(zero), lit(0)),
        Formula::eq(result(plus), Formula::plus(result(l.clone()), result(r.clone()))),
    ];
    out.push(query(both.clone(), Formula::ff()));
    out.push(query(both, Formula::eq(result(l.clone()), lit(0))));
    let n = int("n");
    for (k, n_value) in [(0, 3), (1, 4)] {
        let premises = vec![
            Formula::eq(v.clone(), cons("IntNode", &past, vec![n.clone()])),
            Formula::eq(v.clone(), cons("IntNode", &past, vec![lit(n_value)])),
            Formula::eq(result2(v.clone()), n.clone()),
        ];
        out.push(query(premises.clone(), Formula::eq(n.clone(), lit(3 + k))));
        out.push(query(premises, Formula::gt(result2(v.clone()), lit(3))));
    }
    out
}

/// AddressBook: `mkAddressBook :: adds: List Address -> {AddressBook | size _v == len adds}`.
fn address_book() -> Vec<Formula> {
    let (info, address, book) = (data("Info"), data("Address"), data("AddressBook"));
    let addresses = list(address.clone());
    let is_priv = |t: Formula| app("isPriv", Sort::Bool, vec![t]);
    let len = |t: Formula| app("len", Sort::Int, vec![t]);
    let size = |t: Formula| app("size", Sort::Int, vec![t]);
    let elems = |t: Formula| app("elems", Sort::set(address.clone()), vec![t]);
    let (adds, rest, bs, ps) =
        (var("adds", &addresses), var("rest", &addresses), var("bs", &addresses), var("ps", &addresses));
    let (a, i, p) = (var("a", &address), var("i", &info), var("p", &Sort::Bool));
    let (v, rec) = (var("_v", &book), var("rec", &book));
    let cons_a = |tail: &Formula| cons("Cons", &addresses, vec![a.clone(), tail.clone()]);
    let nil = cons("Nil", &addresses, vec![]);
    let mut out = Vec::new();

    // The match on adds, with the len and elems instances.
    let cases = |tail: &Formula| {
        vec![
            Formula::eq(adds.clone(), cons_a(tail)),
            Formula::eq(len(cons_a(tail)), Formula::plus(lit(1), len(tail.clone()))),
            Formula::ge(len(tail.clone()), lit(0)),
            Formula::eq(
                elems(cons_a(tail)),
                Formula::union(Formula::set_lit(address.clone(), vec![a.clone()]), elems(tail.clone())),
            ),
        ]
    };
    let ab = |business: Formula, personal: Formula| cons("AddressBook", &book, vec![business, personal]);
    let address_of = |i: &Formula, p: &Formula| cons("Address", &address, vec![i.clone(), p.clone()]);
    let priv_case = |a: &Formula| {
        vec![Formula::eq(a.clone(), address_of(&i, &p)), Formula::iff(is_priv(address_of(&i, &p)), p.clone())]
    };

    // Nil case: size (AddressBook Nil Nil) == len adds.
    let empty = ab(nil.clone(), nil.clone());
    let nil_case = vec![
        Formula::eq(adds.clone(), nil.clone()),
        Formula::eq(len(nil.clone()), lit(0)),
        Formula::eq(v.clone(), empty.clone()),
        Formula::eq(size(empty), Formula::plus(len(nil.clone()), len(nil.clone()))),
    ];
    out.push(query(nil_case.clone(), Formula::eq(size(v.clone()), len(adds.clone()))));
    out.push(query(nil_case, Formula::gt(size(v.clone()), lit(0))));

    // Cons case: the recursive call gives rec == AddressBook bs ps with size rec == len rest;
    // a goes to the personal list when isPriv a, to the business list otherwise.
    for private in [true, false] {
        let (new_bs, new_ps) = if private { (bs.clone(), cons_a(&ps)) } else { (cons_a(&bs), ps.clone()) };
        let built = ab(new_bs.clone(), new_ps.clone());
        let mut premises = cases(&rest);
        premises.extend(priv_case(&a));
        premises.extend([
            if private { p.clone() } else { !p.clone() },
            Formula::eq(rec.clone(), ab(bs.clone(), ps.clone())),
            Formula::eq(size(ab(bs.clone(), ps.clone())), Formula::plus(len(bs.clone()), len(ps.clone()))),
            Formula::eq(size(rec.clone()), len(rest.clone())),
            Formula::ge(len(bs.clone()), lit(0)),
            Formula::ge(len(ps.clone()), lit(0)),
            Formula::eq(len(cons_a(&bs)), Formula::plus(lit(1), len(bs.clone()))),
            Formula::eq(len(cons_a(&ps)), Formula::plus(lit(1), len(ps.clone()))),
            Formula::eq(v.clone(), built.clone()),
            Formula::eq(size(built), Formula::plus(len(new_bs), len(new_ps))),
        ]);
        out.push(query(premises.clone(), Formula::eq(size(v.clone()), len(adds.clone()))));
        // The element refinements of the two lists, and qualifier candidates.
        out.push(query(premises.clone(), if private { is_priv(a.clone()) } else { !is_priv(a.clone()) }));
        out.push(query(premises.clone(), is_priv(a.clone())));
        out.push(query(premises.clone(), Formula::eq(size(v.clone()), len(rest.clone()))));
        out.push(query(premises.clone(), Formula::member(a.clone(), elems(adds.clone()))));
        out.push(query(premises.clone(), Formula::ge(len(bs.clone()), len(ps.clone()))));
        out.push(query(premises, Formula::le(size(rec.clone()), size(v.clone()))));
    }

    // Field reasoning: two addresses built from the same info with the same privacy.
    let (i2, p2, a2) = (var("i2", &info), var("p2", &Sort::Bool), var("a2", &address));
    let (street, zip) = (int("street"), int("zip"));
    let info_of = |s: &Formula| cons("Info", &info, vec![s.clone(), zip.clone(), Formula::tt()]);
    let premises = vec![
        Formula::eq(a.clone(), address_of(&i, &p)),
        Formula::eq(a2.clone(), address_of(&i2, &p2)),
        Formula::iff(is_priv(address_of(&i, &p)), p.clone()),
        Formula::iff(is_priv(address_of(&i2, &p2)), p2.clone()),
        Formula::eq(i.clone(), info_of(&street)),
        Formula::eq(a.clone(), a2.clone()),
    ];
    out.push(query(premises.clone(), Formula::iff(is_priv(a.clone()), is_priv(a2.clone()))));
    out.push(query(premises.clone(), Formula::eq(i2.clone(), info_of(&street))));
    out.push(query(premises.clone(), Formula::iff(p.clone(), p2.clone())));
    out.push(query(premises, Formula::eq(street, zip)));
    out
}

fn solver(encoding: DatatypeEncoding) -> SmtSolver {
    SmtSolver::new(SmtConfig { cache: false, ..SmtConfig::default() })
        .with_datatypes(decls())
        .with_datatype_encoding(encoding)
}

fn run(smt: &SmtSolver, queries: &[Formula]) -> (usize, usize, usize) {
    let mut counts = (0, 0, 0);
    for q in queries {
        match smt.check_valid(black_box(q)).expect("well-sorted query") {
            Validity::Valid => counts.0 += 1,
            Validity::Invalid => counts.1 += 1,
            Validity::Unknown(_) => counts.2 += 1,
        }
    }
    counts
}

/// Interleaved, paired timings: each query runs under both encodings in turn, `REPS`
/// times, which cancels most of the drift of a loaded machine. Reports the sums over the
/// queries of the per-query medians, end to end and inside Z3's `check` alone.
fn paired_report(name: &str, queries: &[Formula]) {
    const REPS: usize = 9;
    let solvers = [solver(DatatypeEncoding::Uninterpreted), solver(DatatypeEncoding::Algebraic)];
    // samples[encoding][query] = [(total, in_check)]
    let mut samples = vec![vec![Vec::with_capacity(REPS); queries.len()]; 2];
    for _ in 0..REPS {
        for (i, q) in queries.iter().enumerate() {
            for (e, smt) in solvers.iter().enumerate() {
                let before = smt.stats().time_in_z3;
                let start = Instant::now();
                let _ = smt.check_valid(black_box(q));
                let total = start.elapsed();
                samples[e][i].push((total, smt.stats().time_in_z3 - before));
            }
        }
    }
    let median = |mut xs: Vec<Duration>| {
        xs.sort();
        xs[xs.len() / 2]
    };
    for (e, smt) in solvers.iter().enumerate() {
        let (valid, invalid, unknown) = run(smt, queries);
        let total: Duration = samples[e].iter().map(|s| median(s.iter().map(|x| x.0).collect())).sum();
        let check: Duration = samples[e].iter().map(|s| median(s.iter().map(|x| x.1).collect())).sum();
        eprintln!(
            "{name}/{:?}: {} queries ({valid} valid, {invalid} invalid, {unknown} unknown): \
             sum of per-query medians {total:.1?} end to end, {check:.2?} in Z3 check",
            smt.datatype_encoding(),
            queries.len(),
        );
    }
}

fn encodings(c: &mut Criterion) {
    let workloads = [("evaluator", evaluator()), ("addressbook", address_book())];
    for (name, queries) in &workloads {
        paired_report(name, queries);
    }
    for (name, queries) in &workloads {
        let mut group = c.benchmark_group(*name);
        for encoding in [DatatypeEncoding::Uninterpreted, DatatypeEncoding::Algebraic] {
            let smt = solver(encoding);
            group.bench_function(format!("{encoding:?}"), |b| b.iter(|| run(&smt, queries)));
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = encodings
}
criterion_main!(benches);
