//! Issue #4's incremental target: after a one-declaration edit, a long-lived database
//! (the REPL's, an editor's) re-checks the file in under 50 ms.
//!
//! The file has six goals over sorted lists (one with a recursive helper passed to
//! `foldr`). Each iteration edits the body of one goal (its binders renamed, differently
//! each time) and asks for the file's verification report: the file is parsed and
//! resolved again, the edited goal is checked again, and the other goals' results come
//! from the database. `tests/incremental.rs` asserts that only the
//! edited goal is re-checked; this measures how long that takes.
//!
//! Run with `cargo bench --bench recheck -- --quick`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rsynth::db::{Database, verify_file};
use rsynth::verify::Outcome;
use salsa::Setter;

const PROGRAM: &str = include_str!("../tests/corpus/check/pass/fold-insert-helper.sq");

const GOALS: &str = "
leq :: x: a -> y: a -> {Bool | _v == (x <= y)}

insert :: x: a -> xs: IncList a -> {IncList a | elems _v == elems xs + [x] && len _v == len xs + 1}
insert = \\x . \\xs .
  match xs with
    Nil -> Cons x Nil
    Cons h t ->
      if leq x h
        then Cons x (Cons h t)
        else Cons h (insert x t)

append :: xs: List a -> ys: List a -> {List a | len _v == len xs + len ys && elems _v == elems xs + elems ys}
append = \\xs . \\ys .
  match xs with
    Nil -> ys
    Cons z zs -> Cons z (append zs ys)

size :: xs: List a -> {Int | _v == len xs}
size = \\xs .
  match xs with
    Nil -> 0
    Cons y ys -> 1 + size ys

single :: x: a -> {IncList a | len _v == 1 && elems _v == [x]}
single = \\x . Cons x Nil

pairUp :: x: a -> y: a -> {List a | len _v == 2 && elems _v == [x, y]}
pairUp = \\x . \\y . Cons x (Cons y Nil)
";

fn recheck(c: &mut Criterion) {
    let original = format!("{PROGRAM}\n{GOALS}");
    let edit = "Cons y ys -> 1 + size ys";
    assert!(original.contains(edit));
    let mut db = Database::default();
    let file = db.add_file("sorted.sq", original.clone());
    let report = verify_file(&db, file);
    assert_eq!(report.goals.len(), 6);
    assert!(report.goals.iter().all(|g| g.outcome == Outcome::Verified), "{:?}", report.goals);
    // Every edit is new (binders renamed with a counter), so the database's SMT cache
    // cannot answer the edited goal's queries from an earlier iteration.
    let mut n = 0u64;
    c.bench_function("re-check after a one-goal edit", |b| {
        b.iter(|| {
            n += 1;
            let edited = original.replace(edit, &format!("Cons w{n} ws{n} -> 1 + size ws{n}"));
            file.set_text(&mut db).to(edited);
            black_box(verify_file(&db, file))
        })
    });
    // The costliest goal: the sort whose helper calls itself.
    c.bench_function("re-check after an edit of the costliest goal", |b| {
        b.iter(|| {
            n += 1;
            let (head, body) = PROGRAM.split_at(PROGRAM.find("sortByFold = ").expect("the goal's body"));
            let edited = format!("{head}{}\n{GOALS}", body.replace("acc", &format!("acc{n}")));
            file.set_text(&mut db).to(edited);
            black_box(verify_file(&db, file))
        })
    });
    let report = verify_file(&db, file);
    assert!(report.goals.iter().all(|g| g.outcome == Outcome::Verified), "{:?}", report.goals);
    c.bench_function("first check of the whole file", |b| {
        b.iter(|| {
            let db = Database::default();
            let file = db.add_file("sorted.sq", original.clone());
            black_box(verify_file(&db, file))
        })
    });
}

criterion_group!(benches, recheck);
criterion_main!(benches);
