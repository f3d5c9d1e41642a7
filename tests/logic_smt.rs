//! End-to-end checks of the SMT layer against the system Z3.

use rsynth::logic::smt::{
    CoreResult, ModelResult, MusEnumeration, Satisfiability, UnknownReason, Validity, Value,
};
use rsynth::logic::{Formula, SmtConfig, SmtError, SmtSolver, Sort};
use std::time::Duration;

fn int(name: &str) -> Formula {
    Formula::var(name, Sort::Int)
}

fn list(elem: Sort) -> Sort {
    Sort::data("List", [elem])
}

fn solver() -> SmtSolver {
    SmtSolver::new(SmtConfig::default())
}

#[test]
fn arithmetic_facts() {
    let smt = solver();
    let x = int("x");
    // x + 1 > x
    assert_eq!(
        smt.check_valid(&Formula::gt(Formula::plus(x.clone(), Formula::int(1)), x.clone())),
        Ok(Validity::Valid)
    );
    // x > 0 ==> 2 * x > x
    let doubled = Formula::implies(
        Formula::gt(x.clone(), Formula::int(0)),
        Formula::gt(Formula::times(Formula::int(2), x.clone()), x.clone()),
    );
    assert_eq!(smt.is_valid(&doubled), Ok(true));
    // x >= 0 is not valid, but satisfiable.
    let nonneg = Formula::ge(x.clone(), Formula::int(0));
    assert_eq!(smt.check_valid(&nonneg), Ok(Validity::Invalid));
    assert_eq!(smt.check_sat(&nonneg), Ok(Satisfiability::Sat));
    // Implication under assumptions: x <= y, y <= z |= x <= z, but not z <= x.
    let (y, z) = (int("y"), int("z"));
    let assumptions = [Formula::le(x.clone(), y.clone()), Formula::le(y.clone(), z.clone())];
    assert_eq!(smt.implies(&assumptions, &Formula::le(x.clone(), z.clone())), Ok(true));
    assert_eq!(smt.implies(&assumptions, &Formula::le(z, x)), Ok(false));
}

#[test]
fn set_facts() {
    let smt = solver();
    let x = int("x");
    let s = Formula::var("s", Sort::set(Sort::Int));
    let t = Formula::var("t", Sort::set(Sort::Int));
    // x in s ==> x in s + t
    let grow = Formula::implies(
        Formula::member(x.clone(), s.clone()),
        Formula::member(x.clone(), Formula::union(s.clone(), t.clone())),
    );
    assert_eq!(smt.is_valid(&grow), Ok(true));
    // elems (Cons x xs) == [x] + elems xs ==> x in elems (Cons x xs)
    let xs = Formula::var("xs", list(Sort::Int));
    let cons = Formula::cons("Cons", list(Sort::Int), vec![x.clone(), xs.clone()]);
    let elems = |l: Formula| Formula::pred("elems", Sort::set(Sort::Int), vec![l]);
    let axiom = Formula::eq(
        elems(cons.clone()),
        Formula::union(Formula::set_lit(Sort::Int, vec![x.clone()]), elems(xs.clone())),
    );
    let goal = Formula::implies(axiom, Formula::member(x.clone(), elems(cons)));
    assert_eq!(smt.is_valid(&goal), Ok(true));
    // [x] - s <= [x], but s <= [x] is not valid.
    let lit = Formula::set_lit(Sort::Int, vec![x.clone()]);
    assert_eq!(smt.is_valid(&Formula::subset(Formula::diff(lit.clone(), s.clone()), lit.clone())), Ok(true));
    assert_eq!(smt.is_valid(&Formula::subset(s, lit)), Ok(false));
}

#[test]
fn uninterpreted_measures() {
    let smt = solver();
    let (xs, ys) = (Formula::var("xs", list(Sort::Int)), Formula::var("ys", list(Sort::Int)));
    let len = |l: Formula| Formula::pred("len", Sort::Int, vec![l]);
    let same = Formula::eq(len(xs.clone()), len(ys.clone()));
    assert_eq!(smt.is_valid(&Formula::implies(same.clone(), same.clone())), Ok(true));
    // Congruence: xs == ys ==> len xs == len ys; the converse does not hold.
    let equal = Formula::eq(xs.clone(), ys.clone());
    assert_eq!(smt.is_valid(&Formula::implies(equal.clone(), same.clone())), Ok(true));
    assert_eq!(smt.is_valid(&Formula::implies(same, equal)), Ok(false));
    // Sort-polymorphic measures are monomorphised: len at List Int and at List a differ,
    // even though both list sorts are encoded as integers.
    let zs = Formula::var("zs", list(Sort::var("a")));
    let differ =
        Formula::and(Formula::eq(len(xs.clone()), Formula::int(0)), Formula::eq(len(zs), Formula::int(1)));
    assert_eq!(smt.is_sat(&differ), Ok(true));
}

#[test]
fn type_variable_sorts_are_integer_ordered() {
    let smt = solver();
    let a = Sort::var("a");
    let (x, y, z) =
        (Formula::var("x", a.clone()), Formula::var("y", a.clone()), Formula::var("z", a.clone()));
    // Transitivity and totality of <= on an abstract sort.
    let trans = Formula::implies(
        Formula::and(Formula::le(x.clone(), y.clone()), Formula::le(y.clone(), z.clone())),
        Formula::le(x.clone(), z.clone()),
    );
    assert_eq!(smt.is_valid(&trans), Ok(true));
    let total = Formula::or(Formula::le(x.clone(), y.clone()), Formula::le(y.clone(), x.clone()));
    assert_eq!(smt.is_valid(&total), Ok(true));
    // Quantified element property: all elements of s are below x, y in s ==> y < x.
    let s = Formula::var("s", Sort::set(a.clone()));
    let e = Formula::var("_x", a.clone());
    let bound = Formula::all(
        "_x",
        a.clone(),
        Formula::implies(Formula::member(e.clone(), s.clone()), Formula::lt(e, x.clone())),
    );
    let goal = Formula::implies(Formula::and(bound, Formula::member(y.clone(), s)), Formula::lt(y, x));
    assert_eq!(smt.is_valid(&goal), Ok(true));
    // Comparisons between Booleans are implications.
    let (p, q) = (Formula::var("p", Sort::Bool), Formula::var("q", Sort::Bool));
    let le_is_implies = Formula::iff(Formula::le(p.clone(), q.clone()), Formula::implies(p, q));
    assert_eq!(smt.is_valid(&le_is_implies), Ok(true));
}

#[test]
fn unsat_cores_and_minimal_subsets() {
    let smt = solver();
    let (x, y) = (int("x"), int("y"));
    let hard = [Formula::ge(x.clone(), Formula::int(0))];
    // 0: x > 5   1: y > 3   2: x < 3   3: x < 10   4: x < 1
    let soft = [
        Formula::gt(x.clone(), Formula::int(5)),
        Formula::gt(y.clone(), Formula::int(3)),
        Formula::lt(x.clone(), Formula::int(3)),
        Formula::lt(x.clone(), Formula::int(10)),
        Formula::lt(x.clone(), Formula::int(1)),
    ];
    let CoreResult::Unsat(core) = smt.unsat_core(&hard, &soft).expect("well-sorted") else {
        panic!("x > 5 && x < 3 is unsatisfiable");
    };
    assert!(core.contains(&0) && !core.contains(&1) && !core.contains(&3), "core {core:?}");
    let mus = smt.minimal_unsat_subset(&hard, &soft).expect("well-sorted");
    assert!(mus == CoreResult::Unsat(vec![0, 2]) || mus == CoreResult::Unsat(vec![0, 4]), "{mus:?}");
    // Every MUS: {0, 2} and {0, 4}.
    let all = smt.all_minimal_unsat_subsets(&hard, &soft, None).expect("well-sorted");
    let mut muses = all.muses.clone();
    muses.sort();
    assert_eq!(muses, vec![vec![0, 2], vec![0, 4]]);
    assert!(all.complete);
    // Its work: four seeds (the two MUSes and the two maximal satisfiable subsets,
    // {1, 2, 3, 4} and {0, 1, 3}) and the MUSes' four elements. A metered handle is
    // charged that, and one unit for the query, whether the cache answers or not.
    assert_eq!(all.work, 8);
    // Asked again, the enumeration comes from the cache, without a check.
    let before = smt.stats();
    assert_eq!(smt.all_minimal_unsat_subsets(&hard, &soft, None).expect("well-sorted"), all);
    let after = smt.stats();
    assert_eq!((after.cache_hits, after.solver_calls), (before.cache_hits + 1, before.solver_calls));
    let (metered, meter) = smt.with_meter();
    metered.all_minimal_unsat_subsets(&hard, &soft, None).expect("well-sorted");
    assert_eq!(meter.load(std::sync::atomic::Ordering::Relaxed), 9);
    let fresh = solver();
    let (metered, meter) = fresh.with_meter();
    metered.all_minimal_unsat_subsets(&hard, &soft, None).expect("well-sorted");
    assert_eq!(meter.load(std::sync::atomic::Ordering::Relaxed), 9);
    assert_eq!(fresh.stats().cache_hits, 0);
    // With a must-have element, only MUSes containing it count.
    let with_two = smt.all_minimal_unsat_subsets(&hard, &soft, Some(2)).expect("well-sorted");
    assert_eq!(with_two.muses, vec![vec![0, 2]]);
    // A single soft formula can contradict the hard ones: x >= 0 with x < 0.
    let negative = [Formula::lt(x.clone(), Formula::int(0)), Formula::gt(y, Formula::int(0))];
    assert_eq!(smt.minimal_unsat_subset(&hard, &negative), Ok(CoreResult::Unsat(vec![0])));
    assert_eq!(smt.unsat_core(&hard, &soft[1..2]), Ok(CoreResult::Sat));
}

/// The MUSes of `soft` under `hard` that contain `soft[0]`, and how many Z3 checks the
/// enumeration made.
fn muses_with_first(smt: &SmtSolver, hard: &[Formula], soft: &[Formula]) -> (MusEnumeration, u64) {
    let before = smt.stats().solver_calls;
    let found = smt.all_minimal_unsat_subsets(hard, soft, Some(0)).expect("well-sorted");
    (found, smt.stats().solver_calls - before)
}

/// Qualifiers that contradict each other are obstacles of a MUS enumeration with a
/// required element, never answers. One that contradicts itself without the hard
/// formulas is remembered and blocked from the start in later enumerations: the same
/// MUSes with fewer checks, and less work charged. A metered handle (a lane) remembers
/// only what it learned itself.
#[test]
fn conflicts_among_qualifiers_are_learned() {
    let smt = solver();
    let (x, y, z, w) = (int("x"), int("y"), int("z"), int("w"));
    // Required: not (y < z). Qualifiers: x <= y, y <= x, x != y (a conflict on its own).
    let soft = [
        !Formula::lt(y.clone(), z.clone()),
        Formula::le(x.clone(), y.clone()),
        Formula::le(y.clone(), x.clone()),
        Formula::neq(x.clone(), y.clone()),
    ];
    let hard = [Formula::eq(z.clone(), Formula::plus(x.clone(), Formula::int(1)))];
    assert!(!smt.has_known_conflict(&[], &soft[1..]), "nothing is learned before an enumeration");
    let (first, first_calls) = muses_with_first(&smt, &hard, &soft);
    assert_eq!(first.muses, vec![vec![0, 2]]);
    // The conflict is known now, in any order and among other formulas, under any hard
    // formulas; not in part.
    let reordered = [soft[3].clone(), soft[0].clone(), soft[2].clone(), soft[1].clone()];
    assert!(smt.has_known_conflict(&[], &reordered));
    assert!(smt.has_known_conflict(&[Formula::eq(w.clone(), Formula::int(3))], &reordered));
    assert!(!smt.has_known_conflict(&[], &soft[1..3]));
    // Other hard formulas, so that the enumeration cache cannot answer.
    let other = [hard[0].clone(), Formula::eq(w, Formula::int(0))];
    let (second, second_calls) = muses_with_first(&smt, &other, &soft);
    assert_eq!(second.muses, first.muses);
    assert!(second_calls < first_calls, "{second_calls} checks after learning, {first_calls} before");
    assert!(second.work < first.work, "work {} after learning, {} before", second.work, first.work);
    // A lane starts with nothing learned: it does and is charged what the first did.
    let (lane, meter) = smt.with_meter();
    assert!(!lane.has_known_conflict(&[], &soft[1..]));
    let third = [hard[0].clone(), Formula::eq(int("w"), Formula::int(1))];
    let on_lane = lane.all_minimal_unsat_subsets(&third, &soft, Some(0)).expect("well-sorted");
    assert_eq!((on_lane.muses, on_lane.work), (first.muses, first.work));
    assert_eq!(meter.load(std::sync::atomic::Ordering::Relaxed), 1 + first.work);
}

/// A conflict that needs hard formulas (`x <= y` and `y <= x` under `x != y`) is
/// remembered with the hard facts about its variables (or, when those do not suffice,
/// with all of them): it is blocked from the start under any hard formulas that include
/// them, and nowhere else, since without `x != y` the same qualifiers are part of an
/// answer.
#[test]
fn conflicts_that_need_the_premise_are_learned_with_it() {
    let smt = solver();
    let (x, y, w) = (int("x"), int("y"), int("w"));
    let distinct = Formula::neq(x.clone(), y.clone());
    let soft = [!Formula::eq(x.clone(), y.clone()), Formula::le(x.clone(), y.clone()), Formula::le(y, x)];
    let (first, first_calls) = muses_with_first(&smt, std::slice::from_ref(&distinct), &soft);
    assert_eq!(first.muses, Vec::<Vec<usize>>::new(), "under x != y, the pair is an obstacle");
    assert!(smt.has_known_conflict(std::slice::from_ref(&distinct), &soft[1..]));
    assert!(!smt.has_known_conflict(&[], &soft[1..]), "it needs x != y");
    assert!(!smt.has_known_conflict(&[Formula::eq(w.clone(), Formula::int(0))], &soft[1..]));
    // Hard formulas that include x != y (and more, so that the cache cannot answer):
    // blocked from the start.
    let more = [Formula::and(distinct, Formula::eq(w.clone(), Formula::int(1)))];
    let (second, second_calls) = muses_with_first(&smt, &more, &soft);
    assert_eq!(second.muses, first.muses);
    assert!(second_calls < first_calls, "{second_calls} checks after learning, {first_calls} before");
    assert!(second.work < first.work, "work {} after learning, {} before", second.work, first.work);
    // Without x != y, the same solver still finds the answer that contains the pair.
    let free = smt.all_minimal_unsat_subsets(&[Formula::eq(w, Formula::int(2))], &soft, Some(0));
    assert_eq!(free.expect("well-sorted").muses, vec![vec![0, 1, 2]]);

    // b <= a contradicts b == c, c == d + 1 and d >= a together, not the facts about a
    // and b alone (b == c, d >= a): it is remembered with every hard fact.
    let (a, b, c, d) = (int("a"), int("b"), int("c"), int("d"));
    let (y, z) = (int("y"), int("z"));
    let chain = [
        Formula::eq(b.clone(), c.clone()),
        Formula::eq(c, Formula::plus(d.clone(), Formula::int(1))),
        Formula::ge(d, a.clone()),
    ];
    let soft = [
        !Formula::lt(y.clone(), z.clone()),
        Formula::ge(z, Formula::plus(y, Formula::int(1))),
        Formula::le(b, a),
    ];
    let found = smt.all_minimal_unsat_subsets(&chain, &soft, Some(0)).expect("well-sorted");
    assert_eq!(found.muses, vec![vec![0, 1]]);
    assert!(smt.has_known_conflict(&chain, &soft[2..]));
    let without = [chain[0].clone(), chain[2].clone()];
    assert!(!smt.has_known_conflict(&without, &soft[2..]), "it needs c == d + 1 too");
}

/// Element properties (`forall e. e in elems xs ==> y <= e`), as the checker puts them in
/// premises and, negated, in goals. The SMT layer instantiates them itself: what follows
/// from the instances is proved; what does not is undecided (never "invalid": a model of
/// the instances need not satisfy the quantifiers), in single queries and MUS queries.
#[test]
fn element_properties_are_decided_through_their_instances() {
    let smt = solver();
    let a = Sort::var("a");
    let (xs, ys) = (Formula::var("xs", list(a.clone())), Formula::var("ys", list(a.clone())));
    let (y, z) = (Formula::var("y", a.clone()), Formula::var("z", a.clone()));
    let elems = |l: &Formula| Formula::pred("elems", Sort::set(a.clone()), vec![l.clone()]);
    let e = Formula::var("e", a.clone());
    let bounded = |l: &Formula, b: &Formula| {
        Formula::all(
            "e",
            a.clone(),
            Formula::implies(Formula::member(e.clone(), elems(l)), Formula::le(b.clone(), e.clone())),
        )
    };
    // Every element of xs is at least y, and z <= y: every element of ys = xs + [y] is at least z.
    let premise = Formula::conjunction([
        bounded(&xs, &y),
        Formula::le(z.clone(), y.clone()),
        Formula::eq(elems(&ys), Formula::union(elems(&xs), Formula::set_lit(a.clone(), vec![y.clone()]))),
    ]);
    let proved = Formula::implies(premise.clone(), bounded(&ys, &z));
    assert_eq!(smt.check_valid(&proved), Ok(Validity::Valid));
    // Without `z <= y`, nothing bounds the elements by z: undecided, not invalid.
    let weaker = Formula::and(bounded(&xs, &y), Formula::eq(elems(&ys), elems(&xs)));
    let answer = smt.check_valid(&Formula::implies(weaker, bounded(&ys, &z))).expect("well-sorted");
    assert!(answer.is_unknown(), "{answer:?}");
    // The same question as a MUS query: which qualifiers make the goal follow?
    let soft = [
        Formula::unary(rsynth::logic::UnOp::Not, bounded(&ys, &z)),
        Formula::le(z.clone(), y.clone()),
        Formula::le(y.clone(), z.clone()),
    ];
    let hard =
        [bounded(&xs, &y), Formula::eq(elems(&ys), Formula::union(elems(&xs), Formula::set_lit(a, vec![y])))];
    let all = smt.all_minimal_unsat_subsets(&hard, &soft, Some(0)).expect("well-sorted");
    assert_eq!(all.muses, vec![vec![0, 1]]);
    assert!(!all.complete, "satisfiable subsets are undecided with quantifiers");
}

#[test]
fn counterexamples_are_rendered_as_values() {
    let smt = solver();
    let x = int("x");
    let s = Formula::var("s", Sort::set(Sort::Int));
    let t = Formula::var("t", Sort::set(Sort::Int));
    // x in s ==> x in t is not valid; in any counterexample x is in s but not in t.
    let claim =
        Formula::implies(Formula::member(x.clone(), s.clone()), Formula::member(x.clone(), t.clone()));
    let ModelResult::Sat(model) = smt.counterexample(&claim).expect("well-sorted") else {
        panic!("the claim is not valid");
    };
    let Some(Value::Int(x_value)) = model.var("x").cloned() else { panic!("x is an integer in {model}") };
    let Some(Value::Set(s_value)) = model.var("s").cloned() else { panic!("s is a set in {model}") };
    let Some(Value::Set(t_value)) = model.var("t").cloned() else { panic!("t is a set in {model}") };
    assert!(s_value.members.contains(&Value::Int(x_value)), "{model}");
    assert!(!t_value.members.contains(&Value::Int(x_value)), "{model}");
    // Ground measure applications and uninterpreted elements are in the model too.
    let a = Sort::var("a");
    let xs = Formula::var("xs", list(a.clone()));
    let len = Formula::pred("len", Sort::Int, vec![xs]);
    let (u, v) = (Formula::var("u", a.clone()), Formula::var("v", a));
    let claim = Formula::or(Formula::lt(len.clone(), Formula::int(0)), Formula::eq(u, v));
    let ModelResult::Sat(model) = smt.counterexample(&claim).expect("well-sorted") else {
        panic!("the claim is not valid");
    };
    assert!(matches!(model.term(&len), Some(Value::Int(n)) if *n >= 0), "{model}");
    let (Some(Value::Element { id: u_id, .. }), Some(Value::Element { id: v_id, .. })) =
        (model.var("u"), model.var("v"))
    else {
        panic!("u and v are elements of sort a in {model}");
    };
    assert_ne!(u_id, v_id);
    // A valid formula has no counterexample.
    assert_eq!(smt.counterexample(&Formula::implies(claim.clone(), claim)), Ok(ModelResult::Unsat));
}

#[test]
fn repeated_queries_hit_the_cache() {
    let smt = solver();
    let f = Formula::gt(Formula::plus(int("x"), Formula::int(2)), int("x"));
    assert_eq!(smt.is_valid(&f), Ok(true));
    let before = smt.stats();
    // A structurally equal formula built separately is the same key, and clones with
    // another work limit share the cache.
    let again = Formula::gt(Formula::plus(int("x"), Formula::int(2)), int("x"));
    assert_eq!(smt.with_work_limit(Some(1_000_000)).is_valid(&again), Ok(true));
    let after = smt.stats();
    assert_eq!(after.queries, before.queries + 1);
    assert_eq!(after.cache_hits, before.cache_hits + 1);
    assert_eq!(after.solver_calls, before.solver_calls, "no new Z3 check");
    // Validity and satisfiability share entries: valid(f) was stored as unsat(!f).
    assert_eq!(smt.check_sat(&!f), Ok(Satisfiability::Unsat));
    assert_eq!(smt.stats().cache_hits, after.cache_hits + 1);
    // `true` and `false` are answered without the cache or Z3, and counted as queries.
    let before = smt.stats();
    assert_eq!(smt.check_sat(&Formula::tt()), Ok(Satisfiability::Sat));
    assert_eq!(smt.check_sat(&Formula::ff()), Ok(Satisfiability::Unsat));
    assert_eq!(smt.is_valid(&Formula::tt()), Ok(true));
    let after = smt.stats();
    assert_eq!(after.queries, before.queries + 3);
    assert_eq!((after.cache_hits, after.solver_calls), (before.cache_hits, before.solver_calls));
    // Without the cache every query goes to Z3.
    let uncached = SmtSolver::new(SmtConfig { cache: false, ..SmtConfig::default() });
    let g = Formula::ge(int("y"), int("y"));
    assert_eq!(uncached.is_valid(&g), Ok(true));
    assert_eq!(uncached.is_valid(&g), Ok(true));
    assert_eq!((uncached.stats().cache_hits, uncached.stats().solver_calls), (0, 2));
}

#[test]
fn renamed_queries_share_answers() {
    let smt = solver();
    let len = |x: &str| Formula::pred("len", Sort::Int, vec![Formula::var(x, list(Sort::var("a")))]);
    // len xs > 0 && len ys == len xs + 1 ==> len ys > 1, then the same about other lists.
    let claim = |xs: &str, ys: &str| {
        Formula::implies(
            Formula::and(
                Formula::gt(len(xs), Formula::int(0)),
                Formula::eq(len(ys), Formula::plus(len(xs), Formula::int(1))),
            ),
            Formula::gt(len(ys), Formula::int(1)),
        )
    };
    assert_eq!(smt.is_valid(&claim("xs", "ys")), Ok(true));
    let before = smt.stats();
    assert_eq!(smt.is_valid(&claim("x7", "ys12'")), Ok(true));
    let after = smt.stats();
    assert_eq!(after.cache_hits, before.cache_hits + 1, "answered as a renaming");
    assert_eq!(after.solver_calls, before.solver_calls, "no new Z3 check");
    // The same shape with the lists swapped in one place is another question.
    let swapped = Formula::implies(
        Formula::and(
            Formula::gt(len("xs"), Formula::int(0)),
            Formula::eq(len("ys"), Formula::plus(len("xs"), Formula::int(1))),
        ),
        Formula::gt(len("xs"), Formula::int(1)),
    );
    assert_eq!(smt.is_valid(&swapped), Ok(false));
    assert_eq!(smt.stats().solver_calls, after.solver_calls + 1);
}

#[test]
fn work_limits_are_reported_and_answered_soundly() {
    // No positive cubes with a^3 + b^3 = c^3: far beyond Z3's nonlinear arithmetic.
    let cube = |v: &str| Formula::times(Formula::times(int(v), int(v)), int(v));
    let positive = |v: &str| Formula::gt(int(v), Formula::int(0));
    let no_solution = Formula::implies(
        Formula::conjunction([positive("a"), positive("b"), positive("c")]),
        Formula::neq(Formula::plus(cube("a"), cube("b")), cube("c")),
    );
    // A nonlinear query gets the time limit too: Z3 does not stop nonlinear arithmetic
    // at its work limit.
    let smt = SmtSolver::new(SmtConfig {
        work_limit: Some(200_000),
        timeout: Some(Duration::from_millis(50)),
        cache: true,
    });
    // Z3 can neither prove nor refute this theorem, so the answer is "unknown" whatever
    // the work limit; the point is that the query returns at all, and how it is reported.
    let verdict = smt.check_valid(&no_solution).expect("well-sorted");
    assert!(verdict.is_unknown(), "{verdict:?}");
    assert_eq!(smt.is_valid(&no_solution), Ok(false), "undecided is never valid");
    assert_eq!(smt.is_sat(&!no_solution.clone()), Ok(true), "undecided may be sat");
    let stats = smt.stats();
    assert_eq!(stats.unknowns, 1);
    assert_eq!(stats.cache_hits, 2, "the unknown answer is reused at the same limit");
    // ... but not by a query allowed to work longer.
    let verdict = smt.with_work_limit(Some(800_000)).check_valid(&no_solution);
    assert!(verdict.is_ok_and(|v| v.is_unknown()));
    assert_eq!(smt.stats().solver_calls, stats.solver_calls + 1);
}

#[test]
fn linear_queries_stop_at_the_work_limit_whatever_the_time() {
    // Four pigeons in three holes: unsatisfiable, but not without some search.
    let pigeons = ["p1", "p2", "p3", "p4"];
    let mut facts = Vec::new();
    for p in pigeons {
        facts.push(Formula::ge(int(p), Formula::int(1)));
        facts.push(Formula::le(int(p), Formula::int(3)));
    }
    for (i, p) in pigeons.iter().enumerate() {
        for q in &pigeons[i + 1..] {
            facts.push(Formula::neq(int(p), int(q)));
        }
    }
    let crowded = Formula::conjunction(facts);
    // No time limit at all: only the work limit can stop the check, and it does, with
    // the same answer every time.
    let starved = SmtSolver::new(SmtConfig { work_limit: Some(10), timeout: None, cache: false });
    for _ in 0..3 {
        assert_eq!(starved.check_sat(&crowded), Ok(Satisfiability::Unknown(UnknownReason::LimitReached)));
    }
    assert_eq!(starved.stats().limits_reached, 3);
    assert_eq!(solver().check_sat(&crowded), Ok(Satisfiability::Unsat));
}

#[test]
fn malformed_queries_are_errors_not_panics() {
    let smt = solver();
    let bad = Formula::plus(int("x"), Formula::var("s", Sort::set(Sort::Int)));
    assert!(matches!(smt.is_valid(&Formula::eq(bad, int("x"))), Err(SmtError::IllSorted(_))));
    let with_unknown = Formula::implies(Formula::unknown("U0"), Formula::var("p", Sort::Bool));
    assert!(matches!(smt.is_valid(&with_unknown), Err(SmtError::UnsolvedUnknown(_))));
    assert!(matches!(smt.check_sat(&int("x")), Err(SmtError::Encoding(_))));
    assert!(smt.all_minimal_unsat_subsets(&[], &[], Some(0)).is_err());
}

#[test]
fn the_handle_is_shared_across_threads() {
    fn check<T: Send + Sync>(_: &T) {}
    let smt = solver();
    check(&smt);
    let f = Formula::ge(Formula::times(int("x"), int("x")), Formula::int(0));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let smt = smt.clone();
            let f = f.clone();
            std::thread::spawn(move || smt.is_valid(&f))
        })
        .collect();
    for worker in workers {
        assert_eq!(worker.join().ok(), Some(Ok(true)));
    }
    assert_eq!(smt.stats().queries, 2);
}

#[test]
fn terms_encoded_before_are_reused_without_hiding_anything() {
    // The encoder keeps the Z3 terms it built on this thread; later queries that repeat
    // them must still be sort-checked where they differ, and model queries must still
    // see every variable of theirs.
    let smt = solver();
    let xs = Formula::var("xs", list(Sort::Int));
    let len = Formula::pred("len", Sort::Int, vec![xs]);
    let positive = Formula::gt(len.clone(), Formula::plus(int("n"), Formula::int(1)));
    assert_eq!(smt.check_sat(&positive), Ok(Satisfiability::Sat));
    // The same conjunct inside a larger query: the answer accounts for the new part.
    let contradiction = Formula::and(positive.clone(), Formula::lt(len.clone(), int("n")));
    assert_eq!(smt.check_sat(&contradiction), Ok(Satisfiability::Unsat));
    // A model of a query whose terms were all encoded before still has its variables.
    let ModelResult::Sat(model) = smt.model(&positive).expect("well-sorted") else {
        panic!("satisfiable");
    };
    let (Some(Value::Int(n)), Some(Value::Int(l))) = (model.var("n"), model.term(&len)) else {
        panic!("n and len xs are in {model}");
    };
    assert!(l > &(n + 1), "{model}");
    // An ill-sorted use of a cached term is still an error.
    let bad = Formula::eq(positive, int("n"));
    assert!(matches!(smt.check_sat(&bad), Err(SmtError::IllSorted(_))));
}

/// A slicing handle leaves out premises about measures the conclusion does not mention:
/// what it proves holds, but a proof that needs those premises (here a contradiction
/// among them) is missed, which is why only the search uses it. The plain handle sharing
/// its cache still answers exactly.
#[test]
fn slicing_drops_premises_about_unrelated_measures_and_only_the_slicing_handle_misses_what_they_prove() {
    let smt = solver();
    let sliced = smt.with_slicing();
    let xs = Formula::var("xs", list(Sort::Int));
    let len = || Formula::pred("len", Sort::Int, vec![xs.clone()]);
    let (x, y) = (int("x"), int("y"));
    // Proved without the measure facts: sliced and plain agree.
    let facts =
        Formula::conjunction([Formula::ge(len(), Formula::int(0)), Formula::gt(x.clone(), y.clone())]);
    let query = Formula::implies(facts, Formula::ge(x.clone(), y.clone()));
    assert_eq!(sliced.check_valid(&query), Ok(Validity::Valid));
    assert_eq!(smt.check_valid(&query), Ok(Validity::Valid));
    // Valid only because `len xs > 0 && len xs < 0` is contradictory, which the goal
    // does not mention: the slicing handle misses it, the plain one proves it.
    let contradiction =
        Formula::conjunction([Formula::gt(len(), Formula::int(0)), Formula::lt(len(), Formula::int(0))]);
    let vacuous = Formula::implies(contradiction.clone(), Formula::gt(x, y));
    assert_eq!(sliced.check_valid(&vacuous), Ok(Validity::Invalid));
    assert_eq!(smt.check_valid(&vacuous), Ok(Validity::Valid));
    // Asked again, in either order: the slicing handle remembers what it sliced, and
    // what it remembers is for it only.
    assert_eq!(smt.check_valid(&vacuous), Ok(Validity::Valid));
    assert_eq!(sliced.check_valid(&vacuous), Ok(Validity::Invalid));
    // A conclusion `false` keeps every premise, so an unreachable branch is still proved.
    let unreachable = Formula::implies(contradiction, Formula::ff());
    assert_eq!(sliced.check_valid(&unreachable), Ok(Validity::Valid));
}

/// Plain checks reuse the conjuncts that earlier checks left asserted (module `warm`):
/// every answer must still be the query's own, whatever came before it, including a
/// query that fails to encode half-way.
#[test]
fn queries_that_share_premises_get_their_own_answers_in_any_order() {
    let smt = SmtSolver::new(SmtConfig { cache: false, ..SmtConfig::default() });
    let (x, y, z, w) = (int("x"), int("y"), int("z"), int("w"));
    let chain = [
        Formula::le(x.clone(), y.clone()),
        Formula::le(y.clone(), z.clone()),
        Formula::le(z.clone(), w.clone()),
    ];
    let x_le_w = Formula::le(x.clone(), w.clone());
    assert_eq!(smt.implies(&chain, &x_le_w), Ok(true));
    // A premise dropped: what the last query asserted must be gone.
    assert_eq!(smt.implies(&chain[..2], &x_le_w), Ok(false));
    // The same premises in another order, a different conclusion.
    assert_eq!(
        smt.implies(&[chain[1].clone(), chain[0].clone()], &Formula::le(x.clone(), z.clone())),
        Ok(true)
    );
    // A contradiction on top, then the plain chain again.
    let contradiction = [&chain[..], &[Formula::lt(w.clone(), x.clone())]].concat();
    assert_eq!(smt.implies(&contradiction, &Formula::ff()), Ok(true));
    assert_eq!(smt.implies(&chain, &Formula::le(w.clone(), x.clone())), Ok(false));
    // A conjunct that cannot be encoded leaves the solver as it was.
    let bad = Formula::eq(Formula::plus(x.clone(), Formula::var("s", Sort::set(Sort::Int))), x.clone());
    let with_bad = [&chain[..], &[bad]].concat();
    assert!(smt.implies(&with_bad, &x_le_w).is_err());
    assert_eq!(smt.implies(&chain[1..], &x_le_w), Ok(false));
    assert_eq!(smt.implies(&chain, &x_le_w), Ok(true));
    assert_eq!(smt.stats().cache_hits, 0);
}

/// An answer implies the answers of questions with the same conclusion and more premises
/// (when it was "valid") or fewer (when it was "not valid"); those are not asked of Z3.
#[test]
fn answers_implied_by_earlier_ones_take_no_check() {
    let smt = solver();
    let (x, y, z) = (int("x"), int("y"), int("z"));
    let conclusion = Formula::gt(x.clone(), Formula::int(0));
    let positive_y = Formula::gt(y.clone(), Formula::int(0));
    let x_above_y = Formula::ge(x.clone(), y.clone());
    let small_z = Formula::lt(z.clone(), Formula::int(5));
    let question = |premises: &[&Formula]| {
        Formula::implies(Formula::conjunction(premises.iter().map(|p| (*p).clone())), conclusion.clone())
    };
    // Valid: `y > 0 && x >= y ==> x > 0`.
    assert_eq!(smt.check_valid(&question(&[&positive_y, &x_above_y])), Ok(Validity::Valid));
    let before = smt.stats();
    // One premise more, in another order: still valid, and known without Z3.
    assert_eq!(smt.check_valid(&question(&[&small_z, &x_above_y, &positive_y])), Ok(Validity::Valid));
    let after = smt.stats();
    assert_eq!((after.implied, after.solver_calls), (before.implied + 1, before.solver_calls));
    // Invalid: `z < 5 && x >= y ==> x > 0`; with a premise less it is invalid too.
    assert_eq!(smt.check_valid(&question(&[&small_z, &x_above_y])), Ok(Validity::Invalid));
    let before = smt.stats();
    assert_eq!(smt.check_valid(&question(&[&x_above_y])), Ok(Validity::Invalid));
    let after = smt.stats();
    assert_eq!((after.implied, after.solver_calls), (before.implied + 1, before.solver_calls));
    // Neither way round: `y > 0 ==> x > 0` has fewer premises than the valid question
    // and more than no invalid one, so Z3 is asked (and says invalid).
    assert_eq!(smt.check_valid(&question(&[&positive_y])), Ok(Validity::Invalid));
    assert_eq!(smt.stats().solver_calls, after.solver_calls + 1);
    // Another conclusion under the same premises is another question.
    let other =
        Formula::implies(Formula::and(positive_y.clone(), x_above_y.clone()), Formula::ge(x.clone(), y));
    assert_eq!(smt.check_valid(&other), Ok(Validity::Valid));
    assert_eq!(smt.stats().implied, after.implied);
}

/// Only answers that Z3 gives whatever it did before imply others: not those of
/// quantified or nonlinear questions, nor anything on a handle without the cache.
#[test]
fn only_decidable_answers_imply_others() {
    let (x, y) = (int("x"), int("y"));
    let square = Formula::times(x.clone(), x.clone());
    // Nonlinear and valid: `y > 0 && x * x >= 0 ==> x * x + y > 0`.
    let nonlinear = |extra: Option<Formula>| {
        let mut premises =
            vec![Formula::gt(y.clone(), Formula::int(0)), Formula::ge(square.clone(), Formula::int(0))];
        premises.extend(extra);
        Formula::implies(
            Formula::conjunction(premises),
            Formula::gt(Formula::plus(square.clone(), y.clone()), Formula::int(0)),
        )
    };
    let smt = solver();
    assert_eq!(smt.check_valid(&nonlinear(None)), Ok(Validity::Valid));
    assert_eq!(
        smt.check_valid(&nonlinear(Some(Formula::lt(x.clone(), Formula::int(3))))),
        Ok(Validity::Valid)
    );
    assert_eq!(smt.stats().implied, 0);
    // Without the cache, nothing is remembered either.
    let uncached = SmtSolver::new(SmtConfig { cache: false, ..SmtConfig::default() });
    let premise = Formula::gt(x.clone(), Formula::int(1));
    let conclusion = Formula::gt(x.clone(), Formula::int(0));
    assert_eq!(uncached.is_valid(&Formula::implies(premise.clone(), conclusion.clone())), Ok(true));
    let more = Formula::and(premise, Formula::gt(y, Formula::int(0)));
    assert_eq!(uncached.is_valid(&Formula::implies(more, conclusion)), Ok(true));
    assert_eq!((uncached.stats().implied, uncached.stats().solver_calls), (0, 2));
}
