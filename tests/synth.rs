//! The synthesizer as users meet it: problems of Synquid's suite that fill quickly,
//! templates with holes, determinism, and what an unsolved goal reports. The whole suite
//! is a benchmark (`rsynth bench`), not a test: see `docs/benchmarks.md`.

mod common;

use std::path::Path;
use std::time::Duration;

use rsynth::db::{self, Database};
use rsynth::fill::{FillReport, GoalResult, fill_program, filled_module};
use rsynth::syntax::pretty;
use rsynth::synth::{Bounds, CancelFlag, SynthConfig};

/// Fills a text; returns the report and the filled program as printed.
fn fill_text(name: &str, text: &str, timeout: Duration) -> (FillReport, String) {
    fill_text_with(name, text, &SynthConfig { timeout, ..Default::default() })
}

fn fill_text_with(name: &str, text: &str, config: &SynthConfig) -> (FillReport, String) {
    let db = Database::default();
    let file = db.add_file(name, text);
    let parsed = db::parse(&db, file);
    let resolved = db::resolve_file(&db, file);
    assert!(parsed.errors.is_empty() && resolved.errors.is_empty(), "{name}: {:#?}", resolved.errors);
    let report = fill_program(&resolved.program, config, &CancelFlag::new(), &mut |_| {});
    let module = filled_module(&parsed.module, &report);
    let printed = pretty::print_module_with_comments(&module, text, &parsed.comments);
    (report, printed)
}

/// Whether a complete program verifies from scratch.
fn verifies(text: &str) -> bool {
    let db = Database::default();
    let file = db.add_file("filled.sq", text);
    if db::parse(&db, file).has_errors() || !db::resolve_file(&db, file).errors.is_empty() {
        return false;
    }
    let report = db::verify_file(&db, file);
    report.measure_failures == 0
        && report.goals.iter().all(|g| g.outcome == rsynth::verify::Outcome::Verified)
}

fn assert_all_filled(name: &str, report: &FillReport) {
    for goal in &report.goals {
        assert!(
            matches!(goal.result, GoalResult::Solved(_) | GoalResult::Verified),
            "{name}: goal {} not filled: {:?}",
            goal.name,
            goal.result
        );
    }
}

/// Problems of the suite that fill in well under a second (release build); together
/// they cover lists, sorted and unique lists, trees, BSTs, heaps and folds.
const FAST: &[&str] = &[
    "List-Null",
    "List-Replicate",
    "List-Append",
    "List-Concat",
    "List-Map",
    "List-Zip",
    "List-Snoc",
    "List-Reverse",
    "List-Ith",
    "List-InsertSort",
    "List-Fold-Length",
    "UniqueList-Insert",
    "StrictIncList-Delete",
    "Tree-Elem",
    "BST-Member",
    "BinHeap-Singleton",
];

#[test]
fn fast_suite_problems_fill_and_their_solutions_verify() {
    let Some(suite) = common::synquid_suite() else { return };
    for name in FAST {
        let text = std::fs::read_to_string(suite.join(format!("{name}.sq"))).unwrap();
        let (report, filled) = fill_text(name, &text, Duration::from_secs(300));
        assert_all_filled(name, &report);
        assert!(!filled.contains("??"), "{name}: a hole is left:\n{filled}");
        assert!(verifies(&filled), "{name}: the filled program does not verify:\n{filled}");
    }
}

/// A goal that a later lane of the schedule solves (matches nested three deep), filled
/// twice: the same program both times, whatever the threads did.
#[test]
fn synthesis_is_deterministic() {
    let Some(suite) = common::synquid_suite() else { return };
    let text = std::fs::read_to_string(suite.join("List-Split.sq")).unwrap();
    let (first, a) = fill_text("split", &text, Duration::from_secs(300));
    let (_, b) = fill_text("split", &text, Duration::from_secs(300));
    assert_all_filled("List-Split", &first);
    assert_eq!(a, b, "two runs gave different programs");
}

const LIST: &str = "data List a where
  Nil :: List a
  Cons :: x: a -> xs: List a -> List a

termination measure len :: List a -> {Int | _v >= 0} where
  Nil -> 0
  Cons x xs -> 1 + len xs

measure elems :: List a -> Set a where
  Nil -> []
  Cons x xs -> [x] + elems xs
";

#[test]
fn holes_in_a_template_are_filled_around_what_is_written() {
    let text = format!(
        "{LIST}
append :: xs: List a -> ys: List a -> {{List a | len _v == len xs + len ys && elems _v == elems xs + elems ys}}
append = \\xs . \\ys .
  match xs with
    Nil -> ??
    Cons z zs -> Cons z ??
"
    );
    let (report, filled) = fill_text("template.sq", &text, Duration::from_secs(300));
    assert_all_filled("template", &report);
    assert!(filled.contains("Nil -> ys"), "{filled}");
    assert!(filled.contains("Cons z (append zs ys)"), "{filled}");
    assert!(verifies(&filled), "{filled}");
}

#[test]
fn a_hole_with_an_annotation_is_filled_at_that_type() {
    let text = format!(
        "{LIST}
inc :: x: Int -> {{Int | _v == x + 1}}

map :: f: (a -> b) -> xs: List a -> {{List b | len _v == len xs}}

incAll :: xs: List Int -> {{List Int | len _v == len xs}}
incAll = \\xs . map (?? :: x: Int -> {{Int | _v == x + 1}}) xs
"
    );
    let (report, filled) = fill_text("annotated.sq", &text, Duration::from_secs(300));
    assert_all_filled("annotated", &report);
    // The annotation the user wrote stays; the hole inside it is filled.
    assert!(filled.contains("map (\\x . inc x :: x: Int -> {Int | _v == x + 1}) xs"), "{filled}");
    assert!(verifies(&filled), "{filled}");
}

#[test]
fn an_unsolvable_goal_is_explained_and_the_rest_is_still_printed() {
    let text = format!(
        "{LIST}
zero :: {{Int | _v == 0}}
inc :: x: Int -> {{Int | _v == x + 1}}

length :: xs: List a -> {{Int | _v == len xs}}
length = ??

-- No program returns a list longer than its argument with the same elements and
-- fewer of them.
shrink :: xs: List a -> {{List a | len _v > len xs && len _v < len xs}}
shrink = ??
"
    );
    let scratch = common::Scratch::new("synth-test");
    let path = scratch.file("unsolvable.sq", &text).display().to_string();
    let (code, stdout, stderr) = common::rsynth(&["fill", "--timeout", "60", &path]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.contains("length = \\xs ."), "the solved goal is printed:\n{stdout}");
    assert!(stdout.contains("shrink = ??"), "the unsolved goal keeps its hole:\n{stdout}");
    assert!(stderr.contains("shrink: no solution"), "{stderr}");
    assert!(stderr.contains("searched"), "the explanation says what was searched:\n{stderr}");
}

#[test]
fn the_time_limit_is_honoured() {
    let Some(suite) = common::synquid_suite() else { return };
    let path = Path::new(&suite).join("RBT-Insert.sq").display().to_string();
    let (code, _, stderr) = common::rsynth(&["fill", "--timeout", "0.5", &path]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("time limit of 0.5s"), "{stderr}");
}

/// The only component takes a function that doubles a list's length, which no
/// component does: the search must build a helper that calls itself. (Bounds pinned to
/// one match level so that the debug build finds it quickly; the default schedule finds
/// the same program.)
#[test]
fn a_helper_that_calls_itself_is_built_for_a_higher_order_argument() {
    let text = format!(
        "{LIST}
twice :: f: (xs: List a -> {{List a | len _v == 2 * len xs}}) -> ys: List a -> {{List a | len _v == 2 * len ys}}

stutter :: ys: List a -> {{List a | len _v == 2 * len ys}}
stutter = ??
"
    );
    let bounds = Bounds { match_depth: 1, ..Bounds::default() };
    let config = SynthConfig { timeout: Duration::from_secs(300), ..SynthConfig::pinned(bounds) };
    let (report, filled) = fill_text_with("helper.sq", &text, &config);
    assert_all_filled("helper", &report);
    assert!(filled.contains("let f"), "a helper is bound by `let`:\n{filled}");
    insta::assert_snapshot!(filled);
    assert!(verifies(&filled), "{filled}");
}

/// A hole applied to a variable where the application's type is known: the hole is a
/// function whose result is what the context needs of its parameter, and the filled
/// program has the lambda's body with the parameter replaced by the variable.
#[test]
fn a_hole_applied_to_a_variable_is_filled_as_a_function() {
    let text = "inc :: x: Int -> {Int | _v == x + 1}

plus1 :: y: Int -> {Int | _v == y + 1}
plus1 = \\y . ?? y
";
    let (report, filled) = fill_text("applied.sq", text, Duration::from_secs(300));
    assert_all_filled("applied", &report);
    assert!(filled.contains("plus1 = \\y . inc y"), "{filled}");
    assert!(verifies(&filled), "{filled}");
}

/// A hole applied to a function (a parameter, a partial application) and a hole
/// applied where a function is expected: the hole's parameter has the argument's own
/// function type, and where the context expects a function, the hole returns exactly
/// that. Filling substitutes the arguments into the lambda's body, an application of a
/// partial application becoming one application.
#[test]
fn holes_applied_to_functions_or_returning_them_are_filled() {
    let text = "plus :: x: Int -> y: Int -> {Int | _v == x + y}
apply :: f: (x: Int -> {Int | _v > x}) -> y: Int -> {Int | _v > y}

twice :: f: (x: Int -> {Int | _v == x + 1}) -> y: Int -> {Int | _v == y + 2}
twice = \\f . \\y . ?? f y

addPartial :: n: {Int | _v > 0} -> y: Int -> {Int | _v > y}
addPartial = \\n . \\y . ?? (plus n) y

addVia :: n: {Int | _v > 0} -> y: Int -> {Int | _v > y}
addVia = \\n . \\y . apply (?? n) y
";
    let (report, filled) = fill_text("functions.sq", text, Duration::from_secs(300));
    assert_all_filled("functions", &report);
    assert!(filled.contains("twice = \\f . \\y . f (f y)"), "{filled}");
    assert!(filled.contains("addPartial = \\n . \\y . plus n y"), "{filled}");
    assert!(filled.contains("addVia = \\n . \\y . apply (\\"), "the hole returns a function:\n{filled}");
    assert!(verifies(&filled), "{filled}");
}

/// A lambda passed to a hole is refused with a located diagnostic: filling would put
/// the lambda in function position, where the checker takes none.
#[test]
fn a_lambda_passed_to_a_hole_is_refused_at_the_lambda() {
    let text = "inc :: x: Int -> {Int | _v == x + 1}

bump :: y: Int -> {Int | _v > y}
bump = \\y . ?? (\\z . inc z) y
";
    let (report, _) = fill_text("lambda.sq", text, Duration::from_secs(60));
    assert!(matches!(report.goals[0].result, GoalResult::Unsolved(_)), "{:?}", report.goals[0].result);
    let diagnostic =
        report.diagnostics.iter().find(|d| d.code == "unsupported").expect("an unsupported diagnostic");
    let start = text.find("(\\z").unwrap() + 1;
    assert_eq!(diagnostic.primary_span().map(|s| s.start), Some(start), "{diagnostic:?}");
    assert!(diagnostic.message.contains("a lambda as the argument of a hole"), "{}", diagnostic.message);
}

/// Holes whose type only their context tells: a `let` value (its shape from the use,
/// its refinement from what the use needs), a hole applied inside an argument, a
/// condition, a scrutinee, a hole applied where nothing says what it returns, and one
/// applied to a term that is not a variable.
#[test]
fn holes_typed_by_how_they_are_used_are_filled() {
    let text = format!(
        "{LIST}
inc :: x: Int -> {{Int | _v == x + 1}}
leq :: x: Int -> y: Int -> {{Bool | _v == (x <= y)}}
tail :: xs: {{List a | len _v > 0}} -> {{List a | len _v == len xs - 1}}

plus2 :: x: Int -> {{Int | _v == x + 2}}
plus2 = \\x . let y = ?? in inc y

plus3 :: x: Int -> {{Int | _v == x + 3}}
plus3 = \\x . inc (inc (?? x))

max :: x: Int -> y: Int -> {{Int | _v >= x && _v >= y}}
max = \\x . \\y . if ?? then x else y

first :: xs: {{List Int | len _v > 1}} -> Int
first = \\xs .
  match ?? with
    Nil -> error
    Cons z zs -> z

plus1 :: y: Int -> {{Int | _v == y + 1}}
plus1 = \\y . let z = ?? y in z

length :: xs: List a -> {{Int | _v == len xs}}

lenTail :: xs: {{List a | len _v > 0}} -> {{Int | _v == len xs}}
lenTail = \\xs . inc (?? (tail xs))
"
    );
    let (report, filled) = fill_text("used.sq", &text, Duration::from_secs(300));
    assert_all_filled("used", &report);
    insta::assert_snapshot!(filled);
    assert!(verifies(&filled), "{filled}");
}

/// `plus a b` and `plus b a` have the same type, so only one of them is checked; the
/// goal is still filled, with a program that verifies.
#[test]
fn applications_that_differ_only_by_swapping_symmetric_arguments_are_checked_once() {
    let text = "plus :: x: Int -> y: Int -> {Int | _v == x + y}

sum3 :: a: Int -> b: Int -> c: Int -> {Int | _v == a + b + c}
sum3 = ??
";
    let (report, filled) = fill_text("sum3.sq", text, Duration::from_secs(300));
    assert_all_filled("sum3", &report);
    let GoalResult::Solved(solution) = &report.goals[0].result else { unreachable!() };
    assert!(solution.stats.symmetric_skips > 0, "{:?}", solution.stats);
    insta::assert_snapshot!(filled);
    assert!(verifies(&filled), "{filled}");
}

/// Each round of the E-term enumeration (application depth 1, 2, 3) asks again for the
/// partial applications of the rounds before it, from the same state; they are handed
/// out from memory rather than built and checked again. The goal is still filled, with
/// a program that verifies.
#[test]
fn partial_applications_met_again_in_deeper_rounds_are_reused() {
    let text = "plus :: x: Int -> y: Int -> {Int | _v == x + y}
inc :: x: Int -> {Int | _v == x + 1}

add2 :: a: Int -> b: Int -> {Int | _v == a + b + 2}
add2 = ??
";
    let config = SynthConfig::pinned(Bounds::default());
    let (report, filled) = fill_text_with("add2.sq", text, &config);
    assert_all_filled("add2", &report);
    let GoalResult::Solved(solution) = &report.goals[0].result else { unreachable!() };
    assert!(solution.stats.heads_reused > 0, "{:?}", solution.stats);
    insta::assert_snapshot!(filled);
    assert!(verifies(&filled), "{filled}");
}
