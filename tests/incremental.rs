//! Incremental checking through the salsa database: after an edit, only the goals whose
//! inputs changed are checked again. Asserted on the queries salsa reports executing.

use rsynth::db::{Database, verify_file};
use rsynth::verify::Outcome;
use salsa::Setter;

const TWO_GOALS: &str = "\
data List a where
  Nil :: List a
  Cons :: x: a -> xs: List a -> List a

termination measure len :: List a -> {Int | _v >= 0} where
  Nil -> 0
  Cons x xs -> 1 + len xs

zero :: {Int | _v == 0}
inc :: x: Int -> {Int | _v == x + 1}

length :: xs: List a -> {Int | _v == len xs}
length = \\xs .
  match xs with
    Nil -> zero
    Cons y ys -> inc (length ys)

single :: x: a -> {List a | len _v == 1}
single = \\x . Cons x Nil
";

fn checks_run(db: &Database) -> usize {
    db.take_execution_log().iter().filter(|entry| entry.starts_with("check_goal")).count()
}

fn outcomes(db: &Database, file: rsynth::db::SourceFile) -> Vec<Outcome> {
    verify_file(db, file).goals.into_iter().map(|g| g.outcome).collect()
}

#[test]
fn editing_one_body_rechecks_only_that_goal() {
    let mut db = Database::with_execution_log();
    let file = db.add_file("two.sq", TWO_GOALS);
    assert_eq!(outcomes(&db, file), [Outcome::Verified, Outcome::Verified]);
    assert_eq!(checks_run(&db), 2);

    // Break `single`'s body: only `single` is checked again.
    let edited = TWO_GOALS.replace("Cons x Nil", "Cons x (Cons x Nil)");
    file.set_text(&mut db).to(edited);
    assert_eq!(outcomes(&db, file), [Outcome::Verified, Outcome::Failed]);
    assert_eq!(checks_run(&db), 1);
}

#[test]
fn moving_declarations_rechecks_nothing() {
    let mut db = Database::with_execution_log();
    let file = db.add_file("two.sq", TWO_GOALS);
    let _ = outcomes(&db, file);
    let _ = checks_run(&db);
    // A comment and blank lines at the top shift every declaration.
    file.set_text(&mut db).to(format!("-- a new comment\n\n\n{TWO_GOALS}"));
    assert_eq!(outcomes(&db, file), [Outcome::Verified, Outcome::Verified]);
    assert_eq!(checks_run(&db), 0, "spans are relative: moved goals are not re-checked");
}

#[test]
fn editing_a_component_rechecks_every_goal() {
    let mut db = Database::with_execution_log();
    let file = db.add_file("two.sq", TWO_GOALS);
    let _ = outcomes(&db, file);
    let _ = checks_run(&db);
    file.set_text(&mut db).to(TWO_GOALS.replace("{Int | _v == x + 1}", "{Int | _v == x + 2}"));
    assert_eq!(outcomes(&db, file), [Outcome::Failed, Outcome::Verified]);
    assert_eq!(checks_run(&db), 2);
}

#[test]
fn diagnostics_point_at_the_current_position() {
    let mut db = Database::with_execution_log();
    let broken = TWO_GOALS.replace("Cons x Nil", "Nil");
    let file = db.add_file("two.sq", broken.clone());
    let first = verify_file(&db, file).diagnostics;
    assert_eq!(first.len(), 1);
    let at = first[0].primary_span().unwrap();
    assert_eq!(&broken[at.clone()], "Nil");
    let _ = checks_run(&db);
    // Shift everything by 11 bytes: the cached diagnostic is re-based, not stale.
    let shifted = format!("-- 3456789\n{broken}");
    file.set_text(&mut db).to(shifted.clone());
    let second = verify_file(&db, file).diagnostics;
    assert_eq!(checks_run(&db), 0, "the failed check is reused");
    let moved = second[0].primary_span().unwrap();
    assert_eq!(moved.start, at.start + 11);
    assert_eq!(&shifted[moved], "Nil");
}
