//! Verification: our own correct programs verify; broken ones are rejected with a
//! located refinement error; the suite's solutions are checked as far as the checker
//! goes today (the test records how many verify, and never lets that number drop).

mod common;

use rsynth::verify::{Outcome, verify_program};
use rsynth::{diagnostics, resolve, syntax};

fn verify_text(name: &str, text: &str) -> (rsynth::verify::Report, String) {
    let parsed = syntax::parse(text);
    assert!(parsed.errors.is_empty(), "{name}: parse errors: {:#?}", parsed.errors);
    let resolved = resolve::resolve(&parsed.module);
    assert!(resolved.errors.is_empty(), "{name}: resolution errors: {:#?}", resolved.errors);
    let report = verify_program(&resolved.program);
    let rendered = diagnostics::render(&report.diagnostics, name, text, false);
    (report, rendered)
}

#[test]
fn correct_programs_verify() {
    insta::glob!("corpus/check/pass/*.sq", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let (report, rendered) = verify_text(&path.display().to_string(), &text);
        assert!(!report.goals.is_empty());
        assert_eq!(report.measure_failures, 0, "{}: {rendered}", path.display());
        for goal in &report.goals {
            assert_eq!(goal.outcome, Outcome::Verified, "{}: {}\n{rendered}", path.display(), goal.name);
        }
    });
}

#[test]
fn broken_programs_are_rejected_with_a_located_error() {
    insta::glob!("corpus/check/fail/*.sq", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let (report, rendered) = verify_text(&name, &text);
        let failed = report.measure_failures > 0 || report.goals.iter().any(|g| g.outcome == Outcome::Failed);
        assert!(failed, "{name} was accepted");
        insta::assert_snapshot!(format!("----- SOURCE\n{text}\n----- DIAGNOSTICS\n{rendered}"));
    });
}

/// Solutions of the Synquid suite that the checker cannot verify yet, with the reason
/// class (see the note on issue #4). Any other solution must verify; a solution on this
/// list that starts verifying makes the test fail too, so the list only ever shrinks.
const NOT_YET_VERIFIED: &[&str] = &[];

#[test]
fn suite_solutions_verify_except_the_known_gaps() {
    let Some(suite) = common::synquid_suite() else { return };
    let mut unexpected_failures = Vec::new();
    let mut newly_verified = Vec::new();
    for path in common::sq_files(&suite.join("solution")) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let (report, rendered) = verify_text(&name, &text);
        let verified =
            report.measure_failures == 0 && report.goals.iter().all(|g| g.outcome == Outcome::Verified);
        match (verified, NOT_YET_VERIFIED.contains(&name.as_str())) {
            (false, false) => unexpected_failures.push(rendered),
            (true, true) => newly_verified.push(name),
            _ => {}
        }
    }
    assert!(unexpected_failures.is_empty(), "regressions:\n{}", unexpected_failures.join("\n"));
    assert!(newly_verified.is_empty(), "now verified, remove from NOT_YET_VERIFIED: {newly_verified:?}");
}

/// The search's quick shape test (`TypingState::may_have_shape`, made before a symbol
/// is instantiated) may only reject what unification rejects: every pair of a pool of
/// types (scalars, datatypes, rigid, free, bound and schema type variables, functions)
/// is tried both ways.
#[test]
fn the_quick_shape_test_never_rejects_what_unification_accepts() {
    use rsynth::logic::{SmtConfig, SmtSolver, Symbol};
    use rsynth::types::{BaseType, RType};

    let text = "data List a where\n  Nil :: List a\n  Cons :: x: a -> xs: List a -> List a\n\n\
                data Pair a b where\n  P :: x: a -> y: b -> Pair a b\n\n\
                first :: p: Pair a b -> a\nsingle :: x: a -> List a\n\n\
                goal :: xs: List a -> n: Int -> List a\ngoal = ??\n";
    let parsed = syntax::parse(text);
    assert!(parsed.errors.is_empty(), "{:#?}", parsed.errors);
    let resolved = resolve::resolve(&parsed.module);
    assert!(resolved.errors.is_empty(), "{:#?}", resolved.errors);
    let program = &resolved.program;
    let goal = &program.goals[0];
    let smt = SmtSolver::new(SmtConfig::default());
    let setup = rsynth::types::check::goal_setup(program, goal, goal.schema.ty.clone(), &smt);
    let (mut state, env) = (setup.state, setup.env);

    let data = |name: &str, args: Vec<RType>| {
        RType::plain(BaseType::Data { name: Symbol::from(name), args, preds: Vec::new() })
    };
    let fun = |arg: RType, result: RType| RType::Function {
        param: Symbol::from("z"),
        arg: Box::new(arg),
        result: Box::new(result),
    };
    let (int, boolean) = (RType::plain(BaseType::Int), RType::plain(BaseType::Bool));
    let rigid = RType::plain(BaseType::Var(Symbol::from("a")));
    // Free variables from instantiating `single` twice; the second one bound to `Int`.
    let schema = |name: &str| {
        program.components.iter().find(|c| c.name == Symbol::from(name)).expect(name).schema.clone()
    };
    let result = |t: RType| match t {
        RType::Function { result, .. } => *result,
        other => other,
    };
    let free_list = result(state.instantiate(&env, &schema("single")));
    let bound_list = result(state.instantiate(&env, &schema("single")));
    state.unify_shapes(&env, &bound_list, &data("List", vec![int.clone()])).expect("binds");
    let element = |t: &RType| match t {
        RType::Scalar { base: BaseType::Data { args, .. }, .. } => args[0].clone(),
        other => other.clone(),
    };
    let (free, bound) = (element(&free_list), element(&bound_list));
    let mut pool = vec![int.clone(), boolean.clone(), rigid.clone(), free.clone(), bound.clone()];
    for t in [int.clone(), rigid.clone(), free.clone(), bound.clone(), data("List", vec![int.clone()])] {
        pool.push(data("List", vec![t]));
    }
    pool.push(data("Pair", vec![int.clone(), rigid.clone()]));
    pool.push(data("Pair", vec![free.clone(), bound.clone()]));
    pool.push(fun(int.clone(), int.clone()));
    pool.push(fun(free.clone(), data("List", vec![bound.clone()])));
    pool.push(fun(rigid.clone(), boolean.clone()));

    let (mut rejected, mut unified) = (0, 0);
    for ty in &pool {
        for target in &pool {
            let unifies = state.clone().unify_shapes(&env, ty, target).is_ok();
            let may = state.may_have_shape(ty, &[], target);
            assert!(may || !unifies, "`{ty}` was rejected against `{target}`, which it unifies with");
            rejected += usize::from(!may);
            unified += usize::from(unifies);
        }
    }
    // Schemas, before instantiation: their own type variables stand for any type.
    for name in ["first", "single"] {
        let schema = schema(name);
        for target in &pool {
            let mut fresh = state.clone();
            let instance = fresh.instantiate(&env, &schema);
            let unifies = fresh.unify_shapes(&env, &instance, target).is_ok();
            let may = state.may_have_shape(&schema.ty, &schema.type_vars, target);
            assert!(may || !unifies, "`{name}` was rejected against `{target}`, which it unifies with");
            rejected += usize::from(!may);
            unified += usize::from(unifies);
        }
    }
    // Both outcomes are met, and it is a filter: most pairs of this pool have different
    // shapes.
    assert!(unified > pool.len(), "only {unified} pairs unify");
    assert!(rejected > pool.len() * pool.len() / 2, "only {rejected} pairs rejected");
}
