//! End-to-end checks of the Horn-clause solver (MUSFix) against the system Z3.

use std::collections::BTreeMap;

use rsynth::logic::smt::{ModelResult, Value};
use rsynth::logic::{
    Clause, FailureKind, Formula, HornSolver, QualifierSpace, SmtConfig, SmtError, SmtSolver, Sort,
    Substitution, Symbol,
};

fn int(name: &str) -> Formula {
    Formula::var(name, Sort::Int)
}

fn v() -> Formula {
    Formula::value_var(Sort::Int)
}

fn n(value: i64) -> Formula {
    Formula::int(value)
}

fn sym(name: &str) -> Symbol {
    Symbol::intern(name)
}

fn unknown(name: &str) -> Formula {
    Formula::unknown(name)
}

fn no_axioms(_: &Formula) -> Vec<Formula> {
    Vec::new()
}

fn smt() -> SmtSolver {
    SmtSolver::new(SmtConfig::default())
}

fn solver() -> HornSolver {
    HornSolver::new(smt())
}

/// The candidates as text: one map per candidate, unknown name to valuation.
fn cands(horn: &HornSolver) -> Vec<BTreeMap<String, String>> {
    horn.candidate_valuations()
        .into_iter()
        .map(|cand| cand.into_iter().map(|(u, f)| (u.to_string(), f.to_string())).collect())
        .collect()
}

fn cand(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(u, f)| (u.to_string(), f.to_string())).collect()
}

#[test]
fn single_clause_gets_the_weakest_valuation() {
    // C && x >= 0 ==> x > 0, C in {x > 0, x != 0, x < 0, x == 0}.
    // The minimal sets of qualifiers that, with x >= 0, imply x > 0 and contain the
    // negated conclusion are {x > 0} and {x != 0}. {x < 0} contradicts x >= 0 on its own,
    // so it is a vacuous answer and MARCO does not return it; {x == 0} is consistent
    // with x <= 0. Under the premise x >= 0 the two answers are equivalent and of the
    // same size, so pruning keeps one: `x != 0`, which is weaker without the premise.
    let mut horn = solver();
    let c = sym("C");
    let x = int("x");
    horn.add_unknown(
        c,
        QualifierSpace::new([
            Formula::gt(x.clone(), n(0)),
            Formula::neq(x.clone(), n(0)),
            Formula::lt(x.clone(), n(0)),
            Formula::eq(x.clone(), n(0)),
        ]),
    );
    let premise = Formula::and(unknown("C"), Formula::ge(x.clone(), n(0)));
    horn.add_clauses(vec![Clause::new(premise, Formula::gt(x, n(0)), 1)], &no_axioms).unwrap();
    assert_eq!(cands(&horn), vec![cand(&[("C", "x != 0")])]);
    assert_eq!(horn.valuation(c).to_string(), "x != 0");
    assert_eq!(horn.stats().strengthenings, 1);
}

#[test]
fn incomparable_answers_become_separate_candidates() {
    // C ==> x > 0 || y > 0: {x > 0} and {y > 0} are both minimal and neither implies the
    // other, so the search branches; the earlier in the space comes first.
    let horn = two_candidates();
    assert_eq!(cands(&horn), vec![cand(&[("C", "x > 0")]), cand(&[("C", "y > 0")])]);
    assert_eq!(horn.candidates(), 2);
}

fn two_candidates() -> HornSolver {
    let mut horn = solver();
    let (x, y) = (int("x"), int("y"));
    horn.add_unknown(
        sym("C"),
        QualifierSpace::new([
            Formula::gt(x.clone(), n(0)),
            Formula::gt(y.clone(), n(0)),
            Formula::lt(x.clone(), n(0)),
        ]),
    );
    let goal = Formula::or(Formula::gt(x, n(0)), Formula::gt(y, n(0)));
    horn.add_clauses(vec![Clause::new(unknown("C"), goal, 1)], &no_axioms).unwrap();
    horn
}

#[test]
fn bst_branch_abduction_needs_a_two_element_mus() {
    // The `then t` branch of BST insert: under C, returning the tree unchanged needs
    // x == y, which takes both x <= y and y <= x. Elements have a type-variable sort.
    let a = Sort::var("a");
    let (x, y) = (Formula::var("x", a.clone()), Formula::var("y", a));
    let mut horn = solver();
    let c = sym("C1");
    horn.add_unknown(
        c,
        QualifierSpace::new([
            Formula::le(x.clone(), y.clone()),
            Formula::le(y.clone(), x.clone()),
            Formula::lt(x.clone(), y.clone()),
            Formula::neq(x.clone(), y.clone()),
        ]),
    );
    horn.add_clauses(vec![Clause::new(unknown("C1"), Formula::eq(x, y), 3)], &no_axioms).unwrap();
    assert_eq!(cands(&horn), vec![cand(&[("C1", "x <= y && y <= x")])]);
}

/// `id :: a -> a` instantiated at `{Int | U}` and applied to `x`. `positive` says whether
/// the environment knows `x > 0` or only `x >= 0`.
fn id_application(positive: bool) -> (HornSolver, Clause, Clause) {
    let mut horn = solver();
    let u = sym("U");
    horn.add_unknown(
        u,
        QualifierSpace::new([
            Formula::gt(v(), n(0)),
            Formula::ge(v(), n(0)),
            Formula::neq(v(), n(0)),
            Formula::lt(v(), n(0)),
        ]),
    );
    let x = int("x");
    let fact = if positive { Formula::gt(x.clone(), n(0)) } else { Formula::ge(x.clone(), n(0)) };
    // The argument: x > 0 |- {Int | _v == x} <: {Int | U}, where U occurs positively.
    let argument = Clause::new(Formula::and(fact, Formula::eq(v(), x)), unknown("U"), 10);
    // The result must be positive: {Int | U} <: {Int | _v > 0}, where U occurs negatively.
    let result = Clause::new(unknown("U"), Formula::gt(v(), n(0)), 20);
    (horn, argument, result)
}

#[test]
fn type_variable_refinement_is_strengthened_after_positive_use() {
    let (mut horn, argument, result) = id_application(true);
    horn.add_clauses(vec![argument], &no_axioms).unwrap();
    // Only a conclusion so far: the top valuation satisfies it.
    assert_eq!(horn.valuation(sym("U")), Formula::tt());
    let before = horn.stats().clause_checks;
    horn.add_clauses(vec![result], &no_axioms).unwrap();
    // {_v > 0} and {_v >= 0, _v != 0} are equivalent; the smaller one is kept.
    assert_eq!(cands(&horn), vec![cand(&[("U", "_v > 0")])]);
    // The new clause was checked, and the argument clause, where U occurs positively,
    // was re-checked after U was strengthened.
    assert_eq!(horn.stats().clause_checks - before, 2);
    assert_eq!(horn.apply(&unknown("U")).to_string(), "_v > 0");
}

#[test]
fn unsatisfiable_system_names_the_clause() {
    // With only x >= 0 known, U must hold for x (clause 10) but imply _v > 0 (clause 20).
    let (mut horn, argument, result) = id_application(false);
    horn.add_clauses(vec![argument], &no_axioms).unwrap();
    let err = horn.add_clauses(vec![result], &no_axioms).unwrap_err();
    assert_eq!(err.kind, FailureKind::Unsolvable);
    assert_eq!(err.clause.label, 10);
    assert_eq!(err.instantiated.to_string(), "x >= 0 && _v == x ==> _v > 0");
    // The instantiated clause is a real counterexample query: x = 0.
    match horn.smt().counterexample(&err.instantiated).unwrap() {
        ModelResult::Sat(model) => assert_eq!(model.var("x"), Some(&Value::Int(0))),
        other => panic!("expected a counterexample, got {other:?}"),
    }
    // A failed operation leaves the solver as it was.
    assert_eq!(horn.clause_count(), 1);
    assert_eq!(horn.valuation(sym("U")), Formula::tt());
    assert!(horn.is_solved());
}

#[test]
fn invalid_clause_without_unknowns_fails() {
    let mut horn = solver();
    let x = int("x");
    let err = horn
        .add_clauses(vec![Clause::new(Formula::gt(x.clone(), n(0)), Formula::gt(x, n(1)), 3)], &no_axioms)
        .unwrap_err();
    assert_eq!((err.kind, err.clause.label), (FailureKind::Unsolvable, 3));
}

#[test]
fn an_unknown_never_added_is_a_caller_error() {
    let mut horn = solver();
    let err = horn.add_clauses(vec![Clause::new(unknown("Q9"), Formula::gt(int("x"), n(0)), 5)], &no_axioms);
    let err = err.unwrap_err();
    assert_eq!(err.kind, FailureKind::Smt(SmtError::UnsolvedUnknown(sym("Q9"))));
    assert_eq!(err.clause.label, 5);
}

#[test]
fn adding_clauses_resolves_from_the_current_state() {
    let mut horn = solver();
    let (x, y) = (int("x"), int("y"));
    horn.add_unknown(
        sym("C0"),
        QualifierSpace::new([Formula::ge(x.clone(), n(0)), Formula::lt(x.clone(), n(0))]),
    );
    horn.add_unknown(
        sym("C1"),
        QualifierSpace::new([Formula::ge(y.clone(), n(0)), Formula::lt(y.clone(), n(0))]),
    );
    let first = vec![
        Clause::new(unknown("C0"), Formula::ge(Formula::plus(x.clone(), n(1)), n(1)), 1),
        Clause::new(Formula::gt(x.clone(), n(2)), Formula::gt(x.clone(), n(1)), 2),
    ];
    horn.add_clauses(first, &no_axioms).unwrap();
    assert_eq!(cands(&horn), vec![cand(&[("C0", "x >= 0")])]);

    // A clause over another unknown: the old clauses are neither re-checked by the Horn
    // solver nor sent to the SMT solver again.
    let (checks, queries, hits) =
        (horn.stats().clause_checks, horn.smt().stats().queries, horn.smt().stats().cache_hits);
    horn.add_clauses(vec![Clause::new(unknown("C1"), Formula::lt(y.clone(), n(0)), 3)], &no_axioms).unwrap();
    assert_eq!(cands(&horn), vec![cand(&[("C0", "x >= 0"), ("C1", "y < 0")])]);
    assert_eq!(horn.stats().clause_checks - checks, 1, "only the new clause is evaluated");
    // One query to see that all of C1's qualifiers together would make the new clause
    // valid (asked again, from the cache, when C1 is strengthened), one for the clause
    // as it stands, one MUS enumeration to strengthen C1.
    assert_eq!(horn.smt().stats().queries - queries, 4);
    assert_eq!(horn.smt().stats().cache_hits - hits, 1);

    // Re-adding a known clause does nothing at all.
    let queries = horn.smt().stats().queries;
    horn.add_clauses(vec![Clause::new(unknown("C1"), Formula::lt(y, n(0)), 3)], &no_axioms).unwrap();
    assert_eq!(horn.smt().stats().queries, queries);
    assert_eq!(horn.clause_count(), 3);
}

#[test]
fn fixed_unknowns_and_rechecking() {
    let mut horn = solver();
    let x = int("x");
    let (m, c) = (sym("M0"), sym("C0"));
    horn.add_fixed_unknown(m, Formula::eq(x.clone(), n(0)));
    horn.add_unknown(
        c,
        QualifierSpace::new([
            Formula::ge(x.clone(), n(0)),
            Formula::lt(x.clone(), n(0)),
            Formula::gt(x.clone(), n(5)),
        ]),
    );
    let goal = Formula::gt(Formula::plus(x.clone(), n(1)), n(0));
    horn.add_clauses(vec![Clause::new(Formula::and(unknown("M0"), unknown("C0")), goal, 1)], &no_axioms)
        .unwrap();
    // x == 0 alone proves x + 1 > 0: C0 stays at the top.
    assert_eq!(horn.valuation(c), Formula::tt());
    assert_eq!(horn.valuation(m).to_string(), "x == 0");

    // Branch elimination style: the case assumption is dropped, so C0 must do the work.
    horn.set_fixed_unknown(m, Formula::tt(), &no_axioms).unwrap();
    assert_eq!(cands(&horn), vec![cand(&[("C0", "x >= 0")])]);

    // A fixed unknown in a conclusion that a new valuation breaks: no premise unknown
    // can repair it, so the change is refused and nothing changes.
    horn.add_fixed_unknown(sym("M1"), Formula::gt(x.clone(), n(0)));
    horn.add_clauses(vec![Clause::new(Formula::gt(x.clone(), n(5)), unknown("M1"), 2)], &no_axioms).unwrap();
    let err = horn.set_fixed_unknown(sym("M1"), Formula::gt(x.clone(), n(10)), &no_axioms).unwrap_err();
    assert_eq!(err.clause.label, 2);
    assert_eq!(horn.valuation(sym("M1")).to_string(), "x > 0");
    assert_eq!(horn.apply(&unknown("M1")).to_string(), "x > 0");
}

#[test]
fn check_candidates_for_validity() {
    let mut horn = two_candidates();
    let wants_y = Formula::implies(unknown("C"), Formula::gt(int("y"), n(0)));
    horn.check_candidates(false, &[wants_y], &no_axioms).unwrap();
    assert_eq!(cands(&horn), vec![cand(&[("C", "y > 0")])]);

    // Nothing passes: Err names the formula, and the solver is unchanged.
    let mut horn = two_candidates();
    let err = horn.check_candidates(
        false,
        &[Formula::tt(), Formula::implies(unknown("C"), Formula::ff())],
        &no_axioms,
    );
    let err = err.unwrap_err();
    assert_eq!((err.kind, err.clause.label), (FailureKind::Invalid, 1));
    assert_eq!(err.instantiated.to_string(), "!(x > 0)");
    assert_eq!(horn.candidates(), 2);
}

#[test]
fn check_candidates_for_consistency() {
    let mut horn = two_candidates();
    // `C ∧ x <= 0` must be satisfiable: posed as "`!(C ∧ x <= 0)` is not valid".
    let x_nonpositive = Formula::and(unknown("C"), Formula::le(int("x"), n(0)));
    horn.check_candidates(true, &[!x_nonpositive.clone()], &no_axioms).unwrap();
    assert_eq!(cands(&horn), vec![cand(&[("C", "y > 0")])]);
    // In validity mode the conjunction itself fails for both candidates.
    let mut horn = two_candidates();
    let err = horn.check_candidates(false, &[x_nonpositive], &no_axioms).unwrap_err();
    assert_eq!(err.kind, FailureKind::Invalid);
}

#[test]
fn check_candidates_resumes_the_fixpoint_when_no_complete_candidate_survives() {
    let mut horn = two_candidates();
    // This branch is unreachable when x > 0 and y <= 0: now only {C: y > 0} is
    // complete, and {C: x > 0} has an invalid clause.
    let (x, y) = (int("x"), int("y"));
    let context = Formula::and(Formula::gt(x.clone(), n(0)), Formula::le(y, n(0)));
    let unreachable = Clause::new(Formula::and(unknown("C"), context), Formula::ff(), 2);
    horn.add_clauses(vec![unreachable], &no_axioms).unwrap();
    assert_eq!(cands(&horn), vec![cand(&[("C", "y > 0")]), cand(&[("C", "x > 0")])]);
    // Requiring C ==> x > 0 removes the complete candidate. The other one passes, and
    // strengthening it until the premise of clause 2 is inconsistent completes it, in
    // two incomparable ways; both pass the check.
    let wants_x = Formula::implies(unknown("C"), Formula::gt(x, n(0)));
    horn.check_candidates(false, &[wants_x], &no_axioms).unwrap();
    assert_eq!(cands(&horn), vec![cand(&[("C", "x > 0 && y > 0")]), cand(&[("C", "x > 0 && x < 0")])]);
    assert!(horn.is_solved());
}

#[test]
fn unreachable_branch_abduces_an_inconsistent_condition() {
    // C && x > 0 ==> false: C must contradict x > 0; x > 5 does not.
    let mut horn = solver();
    let x = int("x");
    horn.add_unknown(
        sym("C"),
        QualifierSpace::new([Formula::gt(x.clone(), n(5)), Formula::lt(x.clone(), n(0))]),
    );
    let clause = Clause::new(Formula::and(unknown("C"), Formula::gt(x, n(0))), Formula::ff(), 1);
    horn.add_clauses(vec![clause], &no_axioms).unwrap();
    assert_eq!(cands(&horn), vec![cand(&[("C", "x < 0")])]);
}

#[test]
fn pending_substitutions_on_occurrences() {
    let mut horn = solver();
    let (y, z) = (int("y"), int("z"));
    horn.add_unknown(sym("U"), QualifierSpace::new([Formula::gt(v(), n(0)), Formula::lt(v(), n(0))]));
    let occurrence = Formula::unknown_with("U", Substitution::single("_v", y.clone()));
    horn.add_clauses(vec![Clause::new(occurrence, Formula::gt(y, n(0)), 1)], &no_axioms).unwrap();
    assert_eq!(horn.valuation(sym("U")).to_string(), "_v > 0");
    let elsewhere = Formula::unknown_with("U", Substitution::single("_v", z));
    assert_eq!(horn.apply(&elsewhere).to_string(), "z > 0");
}

#[test]
fn a_substituted_qualifier_maps_back_to_every_original() {
    // U[_v := a, x := y]: both `_v > x` and `_v > y` become `a > y`, so either one is a
    // valid answer for U, as two candidates.
    let mut horn = solver();
    let (a, x, y) = (int("a"), int("x"), int("y"));
    horn.add_unknown(sym("U"), QualifierSpace::new([Formula::gt(v(), x), Formula::gt(v(), y.clone())]));
    let subst: Substitution = [(sym("_v"), a.clone()), (sym("x"), y.clone())].into_iter().collect();
    let occurrence = Formula::unknown_with("U", subst);
    horn.add_clauses(vec![Clause::new(occurrence, Formula::gt(a, y), 1)], &no_axioms).unwrap();
    assert_eq!(cands(&horn), vec![cand(&[("U", "_v > x")]), cand(&[("U", "_v > y")])]);
}

#[test]
fn disjunctive_premises_are_split() {
    let mut horn = solver();
    let x = int("x");
    horn.add_unknown(
        sym("C0"),
        QualifierSpace::new([Formula::gt(x.clone(), n(5)), Formula::gt(x.clone(), n(1))]),
    );
    horn.add_unknown(
        sym("C1"),
        QualifierSpace::new([Formula::lt(x.clone(), n(0)), Formula::gt(x.clone(), n(1))]),
    );
    let premise = Formula::or(unknown("C0"), unknown("C1"));
    horn.add_clauses(vec![Clause::new(premise, Formula::gt(x, n(1)), 1)], &no_axioms).unwrap();
    assert_eq!(horn.clause_count(), 2);
    // x > 5 is stronger than x > 1, so it is pruned.
    assert_eq!(cands(&horn), vec![cand(&[("C0", "x > 1"), ("C1", "x > 1")])]);
}

#[test]
fn axioms_are_assumed_in_checks_and_in_strengthening() {
    let list = Sort::data("List", [Sort::Int]);
    let nil = Formula::cons("Nil", list.clone(), vec![]);
    let len = |t: Formula| Formula::pred("len", Sort::Int, vec![t]);
    let nil_axioms = {
        let nil = nil.clone();
        move |f: &Formula| -> Vec<Formula> {
            let mut has_nil = false;
            f.visit(&mut |node| has_nil |= *node == nil);
            if has_nil { vec![Formula::eq(len(nil.clone()), n(0))] } else { Vec::new() }
        }
    };
    let xs = Formula::var("xs", list);
    let goal = Formula::eq(len(xs.clone()), n(0));
    let direct = Clause::new(Formula::eq(xs.clone(), nil.clone()), goal.clone(), 1);
    // Without the measure instance the clause is not valid.
    assert!(solver().add_clauses(vec![direct.clone()], &no_axioms).is_err());
    let mut horn = solver();
    horn.add_clauses(vec![direct], &nil_axioms).unwrap();
    // Match abduction: the qualifier xs == Nil only helps with its axiom.
    horn.add_unknown(
        sym("M0"),
        QualifierSpace::with_max_count([Formula::eq(xs.clone(), nil), Formula::gt(len(xs), n(3))], 1),
    );
    horn.add_clauses(vec![Clause::new(unknown("M0"), goal, 2)], &nil_axioms).unwrap();
    assert_eq!(cands(&horn), vec![cand(&[("M0", "xs == Nil")])]);
}

/// A system with branching, re-checks and a dead candidate.
fn busy_system() -> Vec<BTreeMap<String, String>> {
    let mut horn = solver();
    let (x, y) = (int("x"), int("y"));
    let quals = || {
        QualifierSpace::new([
            Formula::le(x.clone(), y.clone()),
            Formula::le(y.clone(), x.clone()),
            Formula::lt(x.clone(), y.clone()),
            Formula::neq(x.clone(), y.clone()),
            Formula::gt(x.clone(), n(0)),
            Formula::gt(y.clone(), n(0)),
        ])
    };
    horn.add_unknown(sym("C0"), quals());
    horn.add_unknown(sym("C1"), quals());
    horn.add_unknown(sym("U"), QualifierSpace::new([Formula::gt(v(), n(0)), Formula::ge(v(), x.clone())]));
    let clauses = vec![
        Clause::new(
            unknown("C0"),
            Formula::or(Formula::gt(x.clone(), n(0)), Formula::lt(x.clone(), y.clone())),
            1,
        ),
        Clause::new(Formula::and(unknown("C1"), Formula::eq(v(), y.clone())), unknown("U"), 2),
        Clause::new(unknown("U"), Formula::ge(v(), x.clone()), 3),
        Clause::new(Formula::and(unknown("C0"), unknown("C1")), Formula::neq(x.clone(), y.clone()), 4),
    ];
    horn.add_clauses(clauses, &no_axioms).unwrap();
    cands(&horn)
}

#[test]
fn solving_is_deterministic() {
    let first = busy_system();
    assert!(first.len() > 1, "the system should branch: {first:?}");
    for _ in 0..3 {
        assert_eq!(busy_system(), first);
    }
}

#[test]
fn a_clause_no_qualifier_can_repair_costs_one_check() {
    let mut horn = solver();
    let x = int("x");
    horn.add_unknown(
        sym("C0"),
        QualifierSpace::new([Formula::ge(x.clone(), n(0)), Formula::neq(x.clone(), n(5))]),
    );
    // Even with both qualifiers, x = 0 is a counterexample.
    let err =
        horn.add_clauses(vec![Clause::new(unknown("C0"), Formula::gt(x, n(0)), 7)], &no_axioms).unwrap_err();
    assert_eq!((err.kind, err.clause.label), (FailureKind::Unsolvable, 7));
    // The check with every qualifier in the premise says it all: no check of the clause
    // as it stands, no strengthening.
    assert_eq!(horn.smt().stats().solver_calls, 1);
}

#[test]
fn a_clause_beyond_repair_is_judged_again_when_its_unknown_gets_a_larger_space() {
    let mut horn = solver();
    let (x, y, z) = (int("x"), int("y"), int("z"));
    horn.add_unknown(
        sym("C"),
        QualifierSpace::new([Formula::gt(x.clone(), n(0)), Formula::gt(y.clone(), n(0))]),
    );
    horn.add_unknown(sym("D"), QualifierSpace::new([Formula::gt(z.clone(), n(0))]));
    let either =
        Clause::new(unknown("C"), Formula::or(Formula::gt(x.clone(), n(0)), Formula::gt(y.clone(), n(0))), 1);
    horn.add_clauses(vec![either], &no_axioms).unwrap();
    assert_eq!(horn.candidates(), 2);
    // D && x > 5 ==> C: valid where C is x > 0; where C is y > 0, no qualifier of D's
    // space helps, but the other candidate is complete, so this one stays.
    let d_implies_c = Clause::new(Formula::and(unknown("D"), Formula::gt(x, n(5))), unknown("C"), 2);
    horn.add_clauses(vec![d_implies_c], &no_axioms).unwrap();
    assert_eq!(horn.candidates(), 2);
    // D's space grows (as when a type variable is bound): y > 0 now repairs clause 2.
    horn.add_unknown(sym("D"), QualifierSpace::new([Formula::gt(z, n(0)), Formula::gt(y.clone(), n(0))]));
    // Requiring C ==> y > 0 removes the complete candidate; the other one must be
    // strengthened with the new space, not dropped for what the old one could not do.
    horn.check_candidates(false, &[Formula::implies(unknown("C"), Formula::gt(y, n(0)))], &no_axioms)
        .unwrap();
    assert_eq!(cands(&horn), vec![cand(&[("C", "y > 0"), ("D", "y > 0")])]);
}

/// A clause whose conclusion is an unknown not strengthened yet holds whatever its
/// premise (the unknown stands for `true`): it is evaluated, but no SMT question is
/// asked, neither of Z3 nor of the cache.
#[test]
fn a_conclusion_that_is_still_true_needs_no_question() {
    let mut horn = solver();
    let x = int("x");
    horn.add_unknown(
        sym("K"),
        QualifierSpace::new([Formula::ge(x.clone(), n(0)), Formula::lt(x.clone(), n(0))]),
    );
    let (checks, queries) = (horn.stats().clause_checks, horn.smt().stats().queries);
    horn.add_clauses(vec![Clause::new(Formula::gt(x, n(0)), unknown("K"), 1)], &no_axioms).unwrap();
    assert_eq!(horn.stats().clause_checks - checks, 1);
    assert_eq!(horn.smt().stats().queries, queries);
    assert_eq!(horn.valuation(sym("K")).to_string(), "True");
}
