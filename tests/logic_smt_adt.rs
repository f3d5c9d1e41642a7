//! Datatype encodings of the SMT layer against the system Z3.
//!
//! The two encodings differ in power: under `Algebraic`, monomorphic datatypes with
//! constructors are Z3 datatypes, so constructors are distinct (`Red != Black`),
//! injective (`C x == C y ==> x == y`) and exhaustive (every value is built by some
//! constructor). Under `Uninterpreted`, every datatype sort is `Int` and constructors are
//! uninterpreted functions, so none of that is provable; constructors are related only
//! by the measure instances the checker adds. Polymorphic datatypes are uninterpreted in
//! both modes, as in Synquid.

use std::sync::Arc;

use rsynth::logic::smt::{ModelResult, SetValue, Validity, Value};
use rsynth::logic::{DatatypeDecl, DatatypeEncoding, Formula, SmtConfig, SmtSolver, Sort, Symbol};

use DatatypeEncoding::{Algebraic, Uninterpreted};

fn int(name: &str) -> Formula {
    Formula::var(name, Sort::Int)
}

fn data(name: &str) -> Sort {
    Sort::data(name, [])
}

fn cons(name: &str, sort: &Sort, args: Vec<Formula>) -> Formula {
    Formula::cons(name, sort.clone(), args)
}

fn list(elem: Sort) -> Sort {
    Sort::data("List", [elem])
}

/// The datatypes of the tests: an enumeration, a box, Synquid's Evaluator `AST`, a
/// polymorphic list, AddressBook's `Info`/`Address` (declared in the wrong order on
/// purpose), and an abstract datatype.
fn decls() -> Arc<[DatatypeDecl]> {
    let ast = data("AST");
    let a = Sort::var("a");
    vec![
        DatatypeDecl::new("Color", []).constructor("Red", []).constructor("Black", []),
        DatatypeDecl::new("Box", []).constructor("C", [Sort::Int]),
        DatatypeDecl::new("AST", [])
            .constructor("Zero", [])
            .constructor("One", [])
            .constructor("PlusNode", [ast.clone(), ast.clone()])
            .constructor("ValNode", [Sort::Int]),
        DatatypeDecl::new("List", [Symbol::from("a")])
            .constructor("Nil", [])
            .constructor("Cons", [a.clone(), list(a)]),
        DatatypeDecl::new("Address", []).constructor("Address", [data("Info"), Sort::Bool]),
        DatatypeDecl::new("Info", []).constructor("Info", [Sort::Int, Sort::Int, Sort::Bool]),
        DatatypeDecl::new("Opaque", []),
    ]
    .into()
}

fn solver(encoding: DatatypeEncoding) -> SmtSolver {
    SmtSolver::new(SmtConfig::default()).with_datatypes(decls()).with_datatype_encoding(encoding)
}

fn validity(encoding: DatatypeEncoding, f: &Formula) -> Validity {
    solver(encoding).check_valid(f).unwrap_or_else(|err| panic!("{f}: {err}"))
}

/// Asserts the answer in both encodings.
fn assert_valid(f: &Formula, algebraic: Validity, uninterpreted: Validity) {
    assert_eq!(validity(Algebraic, f), algebraic, "algebraic: {f}");
    assert_eq!(validity(Uninterpreted, f), uninterpreted, "uninterpreted: {f}");
}

#[test]
fn constructors_are_distinct_only_when_algebraic() {
    let color = data("Color");
    let (red, black) = (cons("Red", &color, vec![]), cons("Black", &color, vec![]));
    assert_valid(&Formula::neq(red.clone(), black.clone()), Validity::Valid, Validity::Invalid);
    // Exhaustiveness: every color is Red or Black.
    let c = Formula::var("c", color.clone());
    let either = Formula::or(Formula::eq(c.clone(), red.clone()), Formula::eq(c.clone(), black));
    assert_valid(&either, Validity::Valid, Validity::Invalid);
    // Nothing proves `c == Red`, in either encoding.
    assert_valid(&Formula::eq(c, red), Validity::Invalid, Validity::Invalid);
}

#[test]
fn constructors_are_injective_only_when_algebraic() {
    let boxed = data("Box");
    let (x, y) = (int("x"), int("y"));
    let same = Formula::eq(cons("C", &boxed, vec![x.clone()]), cons("C", &boxed, vec![y.clone()]));
    let injective = Formula::implies(same, Formula::eq(x.clone(), y));
    assert_valid(&injective, Validity::Valid, Validity::Invalid);
    // Functionality holds in both: equal arguments give equal values.
    let functional = Formula::eq(cons("C", &boxed, vec![x.clone()]), cons("C", &boxed, vec![x]));
    assert_valid(&functional, Validity::Valid, Validity::Valid);
}

#[test]
fn recursive_datatype_with_measures() {
    let ast = data("AST");
    let result = |e: Formula| Formula::pred("result", Sort::Int, vec![e]);
    let (l, r, e) =
        (Formula::var("l", ast.clone()), Formula::var("r", ast.clone()), Formula::var("e", ast.clone()));
    let plus = cons("PlusNode", &ast, vec![l.clone(), r.clone()]);
    // A measure instance, as the checker adds them: result (PlusNode l r) == result l + result r.
    let instance = Formula::eq(result(plus.clone()), Formula::plus(result(l.clone()), result(r.clone())));
    let goal = Formula::implies(
        Formula::conjunction([
            instance.clone(),
            Formula::eq(e.clone(), plus.clone()),
            Formula::eq(result(l.clone()), Formula::int(1)),
            Formula::eq(result(r.clone()), Formula::int(2)),
        ]),
        Formula::eq(result(e.clone()), Formula::int(3)),
    );
    assert_valid(&goal, Validity::Valid, Validity::Valid);
    // Injectivity through a recursive constructor: PlusNode l r == PlusNode r l ==> l == r.
    let swapped = cons("PlusNode", &ast, vec![r.clone(), l.clone()]);
    let injective = Formula::implies(Formula::eq(plus.clone(), swapped), Formula::eq(l.clone(), r.clone()));
    assert_valid(&injective, Validity::Valid, Validity::Invalid);
    // Acyclicity: a tree is never its own subtree (Z3 datatypes are well-founded).
    assert_valid(&Formula::neq(plus, l), Validity::Valid, Validity::Invalid);
    // Mixed with arithmetic: ValNode n == ValNode 3 ==> n + 1 == 4.
    let n = int("n");
    let val = |v: Formula| cons("ValNode", &ast, vec![v]);
    let arith = Formula::implies(
        Formula::eq(val(n.clone()), val(Formula::int(3))),
        Formula::eq(Formula::plus(n, Formula::int(1)), Formula::int(4)),
    );
    assert_valid(&arith, Validity::Valid, Validity::Invalid);
    // A quantified axiom whose trigger contains a constructor application:
    // (forall x. pos (ValNode x) ==> result (ValNode x) == x) && pos (ValNode 5)
    //   ==> result (ValNode 5) == 5
    let pos = |t: Formula| Formula::pred("pos", Sort::Bool, vec![t]);
    let x = int("x");
    let axiom = Formula::all(
        "x",
        Sort::Int,
        Formula::implies(pos(val(x.clone())), Formula::eq(result(val(x.clone())), x)),
    );
    let five = val(Formula::int(5));
    let goal =
        Formula::implies(Formula::and(axiom, pos(five.clone())), Formula::eq(result(five), Formula::int(5)));
    assert_valid(&goal, Validity::Valid, Validity::Valid);
}

#[test]
fn polymorphic_datatypes_stay_uninterpreted() {
    // List is polymorphic: uninterpreted in both modes, at a type variable or at Int.
    for elem in [Sort::var("a"), Sort::Int] {
        let l = list(elem.clone());
        let (x, y) = (Formula::var("x", elem.clone()), Formula::var("y", elem.clone()));
        let xs = Formula::var("xs", l.clone());
        let (cx, cy) =
            (cons("Cons", &l, vec![x.clone(), xs.clone()]), cons("Cons", &l, vec![y.clone(), xs.clone()]));
        let injective = Formula::implies(Formula::eq(cx.clone(), cy), Formula::eq(x.clone(), y));
        assert_valid(&injective, Validity::Invalid, Validity::Invalid);
        let nil = cons("Nil", &l, vec![]);
        assert_valid(&Formula::neq(nil.clone(), cx.clone()), Validity::Invalid, Validity::Invalid);
        // With measure instances, the usual facts go through in both modes.
        let len = |t: Formula| Formula::pred("len", Sort::Int, vec![t]);
        let facts = Formula::conjunction([
            Formula::eq(len(nil.clone()), Formula::int(0)),
            Formula::eq(len(cx.clone()), Formula::plus(len(xs.clone()), Formula::int(1))),
            Formula::ge(len(xs.clone()), Formula::int(0)),
        ]);
        let goal = Formula::implies(facts.clone(), Formula::neq(nil, cx));
        assert_valid(&goal, Validity::Valid, Validity::Valid);
    }
}

#[test]
fn abstract_and_undeclared_datatypes_stay_uninterpreted() {
    for name in ["Opaque", "Undeclared"] {
        let sort = data(name);
        let (u, v) = (Formula::var("u", sort.clone()), Formula::var("v", sort.clone()));
        assert_valid(&Formula::eq(u.clone(), v.clone()), Validity::Invalid, Validity::Invalid);
        assert_valid(
            &Formula::implies(Formula::eq(u.clone(), v.clone()), Formula::eq(v, u)),
            Validity::Valid,
            Validity::Valid,
        );
    }
}

#[test]
fn sets_of_algebraic_values() {
    let ast = data("AST");
    let (zero, one) = (cons("Zero", &ast, vec![]), cons("One", &ast, vec![]));
    let s = Formula::var("s", Sort::set(ast.clone()));
    let lit = |elems: Vec<Formula>| Formula::set_lit(ast.clone(), elems);
    // s == [Zero, One] ==> One in s: both.
    let member = Formula::implies(
        Formula::eq(s.clone(), lit(vec![zero.clone(), one.clone()])),
        Formula::member(one.clone(), s.clone()),
    );
    assert_valid(&member, Validity::Valid, Validity::Valid);
    // [Zero] != [One] needs distinctness.
    assert_valid(
        &Formula::neq(lit(vec![zero.clone()]), lit(vec![one.clone()])),
        Validity::Valid,
        Validity::Invalid,
    );
    // A set-valued measure with an element quantifier (as the checker writes them).
    let elems = |t: Formula| Formula::pred("nodes", Sort::set(ast.clone()), vec![t]);
    let e = Formula::var("e", ast.clone());
    let all_zero = Formula::all("_x", ast.clone(), {
        let x = Formula::var("_x", ast.clone());
        Formula::implies(Formula::member(x.clone(), elems(e.clone())), Formula::eq(x, zero.clone()))
    });
    let goal =
        Formula::implies(Formula::and(all_zero, Formula::member(one.clone(), elems(e))), Formula::ff());
    assert_eq!(validity(Algebraic, &goal), Validity::Valid);
    // Uninterpreted, Z3 finds no proof; with MBQI off it cannot refute either.
    assert!(!validity(Uninterpreted, &goal).is_valid());
}

#[test]
fn datatypes_depending_on_datatypes() {
    // Address has an Info field; Info is declared after Address, so the encoder must
    // declare it first.
    let (info_sort, address_sort) = (data("Info"), data("Address"));
    let info = |street: Formula| cons("Info", &info_sort, vec![street, Formula::int(0), Formula::tt()]);
    let address = |i: Formula, private: Formula| cons("Address", &address_sort, vec![i, private]);
    let (s1, s2) = (int("s1"), int("s2"));
    let p = Formula::var("p", Sort::Bool);
    let same = Formula::eq(address(info(s1.clone()), p.clone()), address(info(s2.clone()), Formula::tt()));
    let goal = Formula::implies(same, Formula::and(Formula::eq(s1, s2), p.clone()));
    assert_valid(&goal, Validity::Valid, Validity::Invalid);
    // A measure over the outer datatype, as in AddressBook: isPriv (Address i q) == q.
    let is_priv = |a: Formula| Formula::pred("isPriv", Sort::Bool, vec![a]);
    let (i, q) = (Formula::var("i", info_sort.clone()), Formula::var("q", Sort::Bool));
    let a = Formula::var("a", address_sort.clone());
    let instance = Formula::iff(is_priv(address(i.clone(), q.clone())), q.clone());
    let goal = Formula::implies(
        Formula::conjunction([instance, Formula::eq(a.clone(), address(i, q.clone())), q]),
        is_priv(a),
    );
    assert_valid(&goal, Validity::Valid, Validity::Valid);
}

#[test]
fn mutually_recursive_datatypes() {
    // data Tree = Leaf | Node Forest;  data Forest = Empty | More Tree Forest
    let (tree, forest) = (data("Tree"), data("Forest"));
    let decls: Vec<DatatypeDecl> = vec![
        DatatypeDecl::new("Tree", []).constructor("Leaf", []).constructor("Node", [forest.clone()]),
        DatatypeDecl::new("Forest", [])
            .constructor("Empty", [])
            .constructor("More", [tree.clone(), forest.clone()]),
    ];
    let smt = SmtSolver::default().with_datatypes(decls).with_datatype_encoding(Algebraic);
    let f = Formula::var("f", forest.clone());
    let node = cons("Node", &tree, vec![f.clone()]);
    let more = cons("More", &forest, vec![node.clone(), f.clone()]);
    assert_eq!(smt.check_valid(&Formula::neq(more, f.clone())), Ok(Validity::Valid));
    assert_eq!(smt.check_valid(&Formula::neq(node, cons("Leaf", &tree, vec![]))), Ok(Validity::Valid));
}

#[test]
fn self_reference_inside_a_set_falls_back() {
    // data Rose = Rose (Set Rose): Z3 cannot declare it, so it stays uninterpreted;
    // a datatype depending on it is still algebraic.
    let rose = data("Rose");
    let wrap = data("Wrap");
    let decls: Vec<DatatypeDecl> = vec![
        DatatypeDecl::new("Rose", []).constructor("Rose", [Sort::set(rose.clone())]),
        DatatypeDecl::new("Wrap", []).constructor("W", [rose.clone()]).constructor("V", []),
    ];
    let smt = SmtSolver::default().with_datatypes(decls).with_datatype_encoding(Algebraic);
    let s = Formula::var("s", Sort::set(rose.clone()));
    let t = Formula::var("t", Sort::set(rose.clone()));
    let injective = Formula::implies(
        Formula::eq(cons("Rose", &rose, vec![s.clone()]), cons("Rose", &rose, vec![t.clone()])),
        Formula::eq(s, t),
    );
    assert_eq!(smt.check_valid(&injective), Ok(Validity::Invalid));
    let r = Formula::var("r", rose);
    assert_eq!(
        smt.check_valid(&Formula::neq(cons("W", &wrap, vec![r]), cons("V", &wrap, vec![]))),
        Ok(Validity::Valid)
    );
}

#[test]
fn models_render_constructor_terms() {
    let smt = solver(Algebraic);
    let ast = data("AST");
    let e = Formula::var("e", ast.clone());
    let n = int("n");
    let val = cons("ValNode", &ast, vec![n.clone()]);
    // e == PlusNode One (ValNode n) && n > 5 && n < 7
    let f = Formula::conjunction([
        Formula::eq(e.clone(), cons("PlusNode", &ast, vec![cons("One", &ast, vec![]), val.clone()])),
        Formula::gt(n.clone(), Formula::int(5)),
        Formula::lt(n, Formula::int(7)),
    ]);
    let ModelResult::Sat(model) = smt.model(&f).unwrap() else { panic!("satisfiable") };
    let expected = Value::Data {
        sort: ast.clone(),
        constructor: Symbol::from("PlusNode"),
        args: vec![
            Value::Data { sort: ast.clone(), constructor: Symbol::from("One"), args: vec![] },
            Value::Data {
                sort: ast.clone(),
                constructor: Symbol::from("ValNode"),
                args: vec![Value::Int(6)],
            },
        ],
    };
    assert_eq!(model.var("e"), Some(&expected), "{model}");
    assert_eq!(expected.to_string(), "PlusNode One (ValNode 6)");

    // A set of algebraic values: s == [Zero, One] && !(e in s) && e == Zero is unsat;
    // with e == Two-free, `others` says whether the set holds more.
    let s = Formula::var("s", Sort::set(ast.clone()));
    let zero = cons("Zero", &ast, vec![]);
    let f = Formula::and(
        Formula::eq(s.clone(), Formula::set_lit(ast.clone(), vec![zero.clone()])),
        Formula::eq(e.clone(), zero),
    );
    let ModelResult::Sat(model) = smt.model(&f).unwrap() else { panic!("satisfiable") };
    let zero_value = Value::Data { sort: ast.clone(), constructor: Symbol::from("Zero"), args: vec![] };
    let expected = Value::Set(SetValue { members: [zero_value].into(), others: false });
    assert_eq!(model.var("s"), Some(&expected), "{model}");

    // Uninterpreted: the same datatype comes back as numbered elements.
    let smt = solver(Uninterpreted);
    let f = Formula::neq(e.clone(), Formula::var("d", ast.clone()));
    let ModelResult::Sat(model) = smt.model(&f).unwrap() else { panic!("satisfiable") };
    assert!(matches!(model.var("e"), Some(Value::Element { .. })), "{model}");
}

#[test]
fn cache_is_keyed_by_encoding() {
    let color = data("Color");
    let distinct = Formula::neq(cons("Red", &color, vec![]), cons("Black", &color, vec![]));
    let algebraic = solver(Algebraic);
    // Handles derived from one another share the cache; answers must not leak between
    // encodings or datatype sets.
    let uninterpreted = algebraic.with_datatype_encoding(Uninterpreted);
    let undeclared = algebraic.with_datatypes(Vec::new());
    for _ in 0..2 {
        assert_eq!(algebraic.check_valid(&distinct), Ok(Validity::Valid));
        assert_eq!(uninterpreted.check_valid(&distinct), Ok(Validity::Invalid));
        assert_eq!(undeclared.check_valid(&distinct), Ok(Validity::Invalid));
    }
    // Without algebraic datatypes the declarations do not matter, so `undeclared` reuses
    // the answers of `uninterpreted` from the start: 1 hit in the first round, 3 in the
    // second.
    let stats = algebraic.stats();
    assert_eq!((stats.queries, stats.cache_hits), (6, 4));
    assert_eq!(algebraic.datatype_encoding(), Algebraic);
    assert_eq!(uninterpreted.datatypes().len(), decls().len());
}

#[test]
fn encoding_is_usable_from_several_threads() {
    let smt = solver(Algebraic);
    let color = data("Color");
    let distinct = Formula::neq(cons("Red", &color, vec![]), cons("Black", &color, vec![]));
    std::thread::scope(|scope| {
        for _ in 0..3 {
            let smt = smt.with_work_limit(Some(40_000_000));
            let distinct = distinct.clone();
            scope.spawn(move || {
                for _ in 0..3 {
                    smt.clear_cache();
                    assert_eq!(smt.check_valid(&distinct), Ok(Validity::Valid));
                }
            });
        }
    });
}

#[test]
fn default_encoding_is_documented() {
    // docs/smt.md records the measurement behind this choice.
    assert_eq!(DatatypeEncoding::default(), Algebraic);
    assert_eq!(SmtSolver::default().datatype_encoding(), DatatypeEncoding::default());
}

#[test]
fn two_theories_with_the_same_datatype_name_in_one_thread() {
    // Two programs that both declare a datatype `T`, checked on one thread (so in one Z3
    // context): each handle must see its own `T`.
    let t = data("T");
    let first = SmtSolver::default()
        .with_datatypes(vec![DatatypeDecl::new("T", []).constructor("A", []).constructor("B", [])]);
    let second = SmtSolver::default().with_datatypes(vec![
        DatatypeDecl::new("T", []).constructor("A", [Sort::Int]).constructor("B", [t.clone()]),
    ]);
    let (a1, b1) = (cons("A", &t, vec![]), cons("B", &t, vec![]));
    let x = int("x");
    let a2 = cons("A", &t, vec![x.clone()]);
    let b2 = cons("B", &t, vec![a2.clone()]);
    let v = Formula::var("v", t.clone());
    for _ in 0..2 {
        first.clear_cache();
        second.clear_cache();
        assert_eq!(first.check_valid(&Formula::neq(a1.clone(), b1.clone())), Ok(Validity::Valid));
        let either = Formula::or(Formula::eq(v.clone(), a1.clone()), Formula::eq(v.clone(), b1.clone()));
        assert_eq!(first.check_valid(&either), Ok(Validity::Valid));
        assert_eq!(second.check_valid(&Formula::neq(a2.clone(), b2.clone())), Ok(Validity::Valid));
        // In the second program `T` has infinitely many values.
        let three = Formula::or(either.clone(), Formula::eq(v.clone(), a2.clone()));
        assert_eq!(second.check_valid(&three), Ok(Validity::Invalid));
        let ModelResult::Sat(model) = second.model(&Formula::eq(v.clone(), b2.clone())).unwrap() else {
            panic!("satisfiable")
        };
        assert!(model.var("v").is_some_and(|value| value.to_string().starts_with("B (A ")), "{model}");
    }
}

#[test]
fn models_on_fresh_threads_are_reproducible() {
    // The checker computes counterexamples on a fresh thread (a fresh Z3 context) so that
    // they do not depend on earlier queries; the datatype declarations must not break that.
    let ast = data("AST");
    let e = Formula::var("e", ast.clone());
    let n = int("n");
    let f = Formula::and(
        Formula::neq(e.clone(), cons("ValNode", &ast, vec![n.clone()])),
        Formula::gt(n, Formula::int(2)),
    );
    let model_on_fresh_thread = |noise: bool| {
        let f = f.clone();
        std::thread::spawn(move || {
            if noise {
                // Other theories declared first on this thread.
                let other = SmtSolver::default()
                    .with_datatypes(vec![DatatypeDecl::new("AST", []).constructor("X", [])]);
                let _ = other.check_valid(&Formula::var("b", Sort::Bool));
            }
            let ModelResult::Sat(model) = solver(Algebraic).model(&f).unwrap() else { panic!("satisfiable") };
            model
        })
        .join()
        .unwrap()
    };
    let first = model_on_fresh_thread(false);
    assert_eq!(first, model_on_fresh_thread(false));
    assert!(matches!(first.var("e"), Some(Value::Data { .. })), "{first}");
    let _ = model_on_fresh_thread(true);
}
