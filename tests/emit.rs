//! The emitters (issue #6): emitted Rust and OCaml compile without warnings (Rust is
//! also rustfmt-clean), and their contracts hold on random inputs, for our own
//! programs (`corpus/emit`) and for every solution of Synquid's suite; the contracts
//! have teeth (wrong programs, `corpus/emit/mutants`, fail them); snapshots of the
//! emitted code for our own programs.
//!
//! External tools: `rustc` and `rustfmt` (always present with cargo), `ocamlfind` and
//! `ocamlopt` (Debian `ocaml-nox`, `ocaml-findlib`, installed by `.ci/setup`). Tests
//! that need OCaml say so and skip when it is absent.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rsynth::emit::harness::{HarnessOptions, emit_harness};
use rsynth::emit::{EmitOptions, Target, emit_program};
use rsynth::logic::Symbol;
use rsynth::resolve::{self, GoalDef, Program};
use rsynth::syntax;

// ----- helpers -----

fn resolve_text(name: &str, text: &str) -> Program {
    let parsed = syntax::parse(text);
    assert!(parsed.errors.is_empty(), "{name}: parse errors: {:#?}", parsed.errors);
    let resolved = resolve::resolve(&parsed.module);
    assert!(resolved.errors.is_empty(), "{name}: resolution errors: {:#?}", resolved.errors);
    resolved.program
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rsynth-emit-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs a command with a time limit; returns (success, stdout + stderr).
fn run(cmd: &mut Command, limit: Duration) -> (bool, String) {
    let mut child = match cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn() {
        Ok(c) => c,
        Err(e) => return (false, format!("cannot run {cmd:?}: {e}")),
    };
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return (false, format!("{cmd:?} timed out after {limit:?}"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return (false, e.to_string()),
        }
    }
    let out = child.wait_with_output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

fn has_tool(name: &str) -> bool {
    Command::new(name).arg("-version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok()
}

fn ocaml_available() -> bool {
    let ok = has_tool("ocamlfind") && has_tool("ocamlopt");
    if !ok {
        eprintln!(
            "skipping the OCaml part: ocamlfind/ocamlopt not found (apt-get install ocaml-nox ocaml-findlib)"
        );
    }
    ok
}

const COMPILE_LIMIT: Duration = Duration::from_secs(600);
const RUN_LIMIT: Duration = Duration::from_secs(300);

/// The OCaml warnings checked (everything but fragile matches, disambiguation
/// notes, and the missing `.mli`), as errors.
const OCAML_WARNINGS: &str = "+a-4-40-41-42-44-45-70";

/// Models of the components `program` leaves abstract: goals of the same name from
/// other programs (`library`), added as goals, with the signatures their bodies use.
fn with_models(program: &Program, library: &[(String, Program)]) -> Program {
    let mut m = program.clone();
    for _ in 0..8 {
        let plan = match rsynth::emit::plan::Plan::new(&m) {
            Ok(p) => p,
            Err(_) => return m,
        };
        let missing: Vec<Symbol> = plan.abstract_components().map(|c| c.name).collect();
        drop(plan);
        if missing.is_empty() {
            break;
        }
        let mut added = false;
        for c in missing {
            let Some(spec) =
                m.component(c).cloned().or_else(|| library.iter().find_map(|(_, g)| g.component(c).cloned()))
            else {
                continue;
            };
            let want = rsynth::emit::ty::Ty::erase(&spec.schema.ty);
            // Prefer a model with the same specification and the same datatype
            // definitions; any model of the same shape otherwise. A model over a
            // datatype of another name but the same constructors (`List` for `RList`)
            // is checked against the component's specification instead of its own.
            let found = library
                .iter()
                .filter_map(|(_, g)| {
                    let goal = g.goals.iter().find(|x| x.name == c)?;
                    let theirs = rsynth::emit::ty::Ty::erase(&goal.schema.ty);
                    let (score, schema) = if theirs == want && same_datatypes(&m, g, &theirs, false) {
                        let score = 3 * usize::from(goal.schema.to_string() == spec.schema.to_string())
                            + usize::from(same_datatypes(&m, g, &theirs, true))
                            + 1;
                        (score, goal.schema.clone())
                    } else if renamed(&theirs, &m, g) == want {
                        (0, spec.schema.clone())
                    } else {
                        return None;
                    };
                    let mut goal = goal.clone();
                    goal.schema = schema;
                    Some((score, goal, g))
                })
                .max_by_key(|(score, ..)| *score)
                .map(|(_, goal, g)| (goal, g));
            let Some((goal, source)) = found else { continue };
            // Signatures the model's body uses that this program lacks.
            for name in referenced_names(&goal) {
                if m.component(name).is_none()
                    && let Some(comp) = source.component(name)
                {
                    m.components.push(comp.clone());
                }
            }
            // The model keeps its own specification where it can: its recursive calls
            // meet that one (it may have a weaker precondition than the component).
            m.goals.push(GoalDef {
                name: c,
                schema: goal.schema.clone(),
                body: goal.body.clone(),
                decl: usize::MAX,
                offset: 0,
                mutual: Vec::new(),
            });
            added = true;
        }
        if !added {
            break;
        }
    }
    m
}

fn referenced_names(goal: &GoalDef) -> Vec<Symbol> {
    let text = syntax::pretty::print_term(&goal.body);
    text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '\''))
        .filter(|w| w.chars().next().is_some_and(|c| c.is_lowercase()))
        .map(Symbol::intern)
        .collect()
}

/// `t` (of program `b`) with each datatype replaced by the datatype of `a` that has
/// the same constructors.
fn renamed(t: &rsynth::emit::ty::Ty, a: &Program, b: &Program) -> rsynth::emit::ty::Ty {
    use rsynth::emit::ty::Ty;
    match t {
        Ty::Data(d, args) => {
            let target = b
                .datatypes
                .get(d)
                .and_then(|bd| {
                    a.datatypes
                        .values()
                        .find(|ad| ad.constructors == bd.constructors && ad.params.len() == bd.params.len())
                })
                .map_or(*d, |ad| ad.name);
            Ty::Data(target, args.iter().map(|x| renamed(x, a, b)).collect())
        }
        Ty::Fun(x, r) => Ty::fun(renamed(x, a, b), renamed(r, a, b)),
        t => t.clone(),
    }
}

/// Whether the datatypes in `t` have the same constructors in both programs (and,
/// with `exactly`, the same refinements on them).
fn same_datatypes(a: &Program, b: &Program, t: &rsynth::emit::ty::Ty, exactly: bool) -> bool {
    let mut ds = Vec::new();
    t.datatypes(&mut ds);
    ds.iter().all(|d| match (a.datatypes.get(d), b.datatypes.get(d)) {
        (Some(x), Some(y)) => {
            x.constructors == y.constructors
                && x.params.len() == y.params.len()
                && (!exactly
                    || x.constructors.iter().all(|c| {
                        a.constructors.get(c).map(|k| k.schema.to_string())
                            == b.constructors.get(c).map(|k| k.schema.to_string())
                    }))
        }
        _ => false,
    })
}

/// The outcome of emitting one program in one language and running its harness.
/// Rust is compiled twice for warnings: with debug assertions (contracts on) and
/// without (release builds, where `old_*` values and contracts are compiled out).
#[derive(Debug)]
struct Outcome {
    /// Where the files were written (kept when something failed).
    dir: PathBuf,
    /// Compiles without warnings (Rust: also rustfmt-clean).
    clean: Result<(), String>,
    /// The harness ran and every contract held.
    contracts: Result<String, String>,
}

fn rust_outcome(name: &str, program: &Program, models: &Program, options: &HarnessOptions) -> Outcome {
    let dir = scratch(&format!("rs-{name}"));
    let spec = match emit_program(program, Target::Rust, &EmitOptions { source_name: format!("{name}.sq") }) {
        Ok(s) => s,
        Err(e) => {
            return Outcome { dir, clean: Err(format!("emit: {e}")), contracts: Err("not emitted".into()) };
        }
    };
    std::fs::write(dir.join("spec.rs"), &spec).unwrap();
    let mut clean = Ok(());
    let (ok, out) = run(
        Command::new("rustc")
            .args(["--edition", "2021", "--crate-type", "lib", "--emit=metadata", "-D", "warnings", "-o"])
            .arg(dir.join("libspec.rmeta"))
            .arg(dir.join("spec.rs")),
        COMPILE_LIMIT,
    );
    if !ok {
        clean = Err(format!("rustc -D warnings:\n{out}"));
    } else if let (false, out) = run(
        Command::new("rustc")
            .args(["--edition", "2021", "--crate-type", "lib", "--emit=metadata", "-D", "warnings"])
            .args(["-C", "debug-assertions=off", "-o"])
            .arg(dir.join("libspec-release.rmeta"))
            .arg(dir.join("spec.rs")),
        COMPILE_LIMIT,
    ) {
        clean = Err(format!("rustc -D warnings -C debug-assertions=off:\n{out}"));
    } else {
        let (ok, out) = run(
            Command::new("rustfmt").args(["--edition", "2024", "--check"]).arg(dir.join("spec.rs")),
            COMPILE_LIMIT,
        );
        if !ok {
            clean = Err(format!("rustfmt --check:\n{out}"));
        }
    }
    let contracts = match emit_harness(program, Some(models), Target::Rust, options) {
        Err(e) => Err(format!("harness: {e}")),
        Ok(h) => {
            std::fs::write(dir.join("harness.rs"), &h.text).unwrap();
            let (ok, out) = run(
                Command::new("rustc")
                    .args(["--edition", "2021", "-C", "opt-level=0", "-C", "debug-assertions=on", "-o"])
                    .arg(dir.join("harness"))
                    .arg(dir.join("harness.rs")),
                COMPILE_LIMIT,
            );
            if !ok {
                Err(format!("harness does not compile:\n{out}"))
            } else {
                let (ok, out) = run(&mut Command::new(dir.join("harness")), RUN_LIMIT);
                if ok { Ok(out) } else { Err(out) }
            }
        }
    };
    cleanup(&dir, clean.is_ok() && contracts.is_ok());
    Outcome { dir, clean, contracts }
}

fn ocaml_outcome(name: &str, program: &Program, models: &Program, options: &HarnessOptions) -> Outcome {
    let dir = scratch(&format!("ml-{name}"));
    let spec = match emit_program(program, Target::OCaml, &EmitOptions { source_name: format!("{name}.sq") })
    {
        Ok(s) => s,
        Err(e) => {
            return Outcome { dir, clean: Err(format!("emit: {e}")), contracts: Err("not emitted".into()) };
        }
    };
    std::fs::write(dir.join("spec.ml"), &spec).unwrap();
    let (ok, out) = run(
        Command::new("ocamlfind")
            .args(["ocamlopt", "-w", OCAML_WARNINGS, "-warn-error", "+a", "-c", "spec.ml"])
            .current_dir(&dir),
        COMPILE_LIMIT,
    );
    let clean = if ok { Ok(()) } else { Err(format!("ocamlopt:\n{out}")) };
    let contracts = if !ok {
        Err("spec does not compile".to_string())
    } else {
        match emit_harness(program, Some(models), Target::OCaml, options) {
            Err(e) => Err(format!("harness: {e}")),
            Ok(h) => {
                std::fs::write(dir.join("harness.ml"), &h.text).unwrap();
                let (ok, out) = run(
                    Command::new("ocamlfind")
                        .args(["ocamlopt", "-w", "-a", "spec.cmx", "harness.ml", "-o", "harness"])
                        .current_dir(&dir),
                    COMPILE_LIMIT,
                );
                if !ok {
                    Err(format!("harness does not compile:\n{out}"))
                } else {
                    let (ok, out) = run(&mut Command::new(dir.join("harness")), RUN_LIMIT);
                    if ok { Ok(out) } else { Err(out) }
                }
            }
        }
    };
    cleanup(&dir, clean.is_ok() && contracts.is_ok());
    Outcome { dir, clean, contracts }
}

/// Removes a scratch folder after a success (kept on failure, and always with
/// `RSYNTH_EMIT_KEEP=1`, to look at the emitted code).
fn cleanup(dir: &Path, passed: bool) {
    if passed && std::env::var_os("RSYNTH_EMIT_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Runs `f` over the items on two threads, keeping the order of the results.
fn parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: std::sync::Mutex<BTreeMap<usize, R>> = std::sync::Mutex::new(BTreeMap::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if i >= items.len() {
                        break;
                    }
                    let r = f(&items[i]);
                    results.lock().unwrap().insert(i, r);
                }
            });
        }
    });
    results.into_inner().unwrap().into_values().collect()
}

fn suite_programs(dir: &Path) -> Vec<(String, Program)> {
    common::sq_files(dir)
        .into_iter()
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&p).unwrap();
            let program = resolve_text(&name, &text);
            (name, program)
        })
        .collect()
}

/// "ran" counts from harness output: every tested goal ran at least one sample.
fn check_samples(name: &str, output: &str) -> Result<(), String> {
    for line in output.lines().filter(|l| l.starts_with("goal ")) {
        if line.contains(": 0 of ") {
            return Err(format!("{name}: no input met the preconditions: {line}"));
        }
    }
    Ok(())
}

// ----- tests -----

#[test]
fn suite_solutions_emit_compile_and_keep_their_contracts_in_rust() {
    let Some(suite) = common::synquid_suite() else { return };
    let programs = suite_programs(&suite.join("solution"));
    let options = HarnessOptions { samples: 60, ..HarnessOptions::default() };
    let results = parallel(&programs, |(name, p)| {
        let models = with_models(p, &programs);
        (name.clone(), rust_outcome(name, p, &models, &options))
    });
    report(&results, "Rust");
}

fn report(results: &[(String, Outcome)], lang: &str) {
    let mut failures = Vec::new();
    let mut passed = 0;
    let mut untested = Vec::new();
    for (name, o) in results {
        if let Err(e) = &o.clean {
            failures.push(format!("{name}: {e}"));
        }
        match &o.contracts {
            Err(e) => failures.push(format!("{name}: contracts: {e}")),
            Ok(out) => {
                if let Err(e) = check_samples(name, out) {
                    failures.push(e);
                }
                for l in out.lines().filter(|l| l.contains("not tested")) {
                    untested.push(format!("{name}: {l}"));
                }
                if o.clean.is_ok() {
                    passed += 1;
                }
            }
        }
    }
    eprintln!(
        "{lang}: {passed} of {} programs emit, compile cleanly and keep their contracts",
        results.len()
    );
    for u in &untested {
        eprintln!("  {u}");
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn suite_solutions_emit_compile_and_keep_their_contracts_in_ocaml() {
    let Some(suite) = common::synquid_suite() else { return };
    if !ocaml_available() {
        return;
    }
    let programs = suite_programs(&suite.join("solution"));
    let options = HarnessOptions { samples: 60, ..HarnessOptions::default() };
    let results = parallel(&programs, |(name, p)| {
        let models = with_models(p, &programs);
        (name.clone(), ocaml_outcome(name, p, &models, &options))
    });
    report(&results, "OCaml");
}

fn own_corpus() -> Vec<(String, Program)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/emit");
    suite_programs(&dir)
}

#[test]
fn own_programs_emit_compile_and_keep_their_contracts() {
    let programs = own_corpus();
    let options = HarnessOptions::default();
    let ocaml = ocaml_available();
    let results = parallel(&programs, |(name, p)| {
        let models = with_models(p, &programs);
        let rust = rust_outcome(&format!("own-{name}"), p, &models, &options);
        let ml = ocaml.then(|| ocaml_outcome(&format!("own-{name}"), p, &models, &options));
        (name.clone(), rust, ml)
    });
    let mut rust = Vec::new();
    let mut ml = Vec::new();
    for (name, r, o) in results {
        rust.push((name.clone(), r));
        if let Some(o) = o {
            ml.push((name, o));
        }
    }
    report(&rust, "Rust (own programs)");
    if ocaml {
        report(&ml, "OCaml (own programs)");
    }
}

/// Which contract a failed run violated: Rust's assertion message, or the `assert`
/// at the line OCaml's `Assert_failure` names, on one line.
fn violation(output: &str, dir: &Path) -> String {
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let lines: Vec<&str> = output.lines().collect();
    if let Some(i) = lines.iter().position(|l| l.starts_with("assertion failed")) {
        let end = lines[i..]
            .iter()
            .position(|l| l.starts_with("stack backtrace") || l.starts_with("note:"))
            .map_or(lines.len(), |k| i + k);
        return squash(&lines[i..end].join(" "));
    }
    if let Some(l) = lines.iter().find(|l| l.contains("Assert_failure(\"spec.ml\"")) {
        let n: usize = l.split(", ").nth(1).and_then(|x| x.parse().ok()).unwrap_or(0);
        let spec = std::fs::read_to_string(dir.join("spec.ml")).unwrap_or_default();
        let mut text = String::new();
        for line in spec.lines().skip(n.saturating_sub(1)) {
            text.push_str(line);
            text.push(' ');
            if line.trim_end().ends_with(';') {
                break;
            }
        }
        return format!("Assert_failure: {}", squash(&text));
    }
    squash(
        lines
            .iter()
            .find(|l| l.contains("unreachable") || l.contains("xception"))
            .copied()
            .unwrap_or("(no contract violation reported)"),
    )
}

/// Wrong programs (mutants of our own programs, rejected by the checker) compile, and
/// running them on random inputs violates a contract: the contracts have teeth.
#[test]
fn mutants_violate_their_contracts() {
    let library = own_corpus();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/emit/mutants");
    let mutants = suite_programs(&dir);
    let options = HarnessOptions::default();
    let ocaml = ocaml_available();
    let results = parallel(&mutants, |(name, p)| {
        let report = rsynth::verify::verify_program(p);
        let rejected = report.goals.iter().any(|g| g.outcome.is_failure()) || report.measure_failures > 0;
        let models = with_models(p, &library);
        let rust = rust_outcome(&format!("mutant-{name}"), p, &models, &options);
        let ml = ocaml.then(|| ocaml_outcome(&format!("mutant-{name}"), p, &models, &options));
        (name.clone(), rejected, rust, ml)
    });
    let mut summary = String::new();
    let mut problems = Vec::new();
    for (name, rejected, rust, ml) in &results {
        if !rejected {
            problems.push(format!("{name}: the checker accepts it; not a wrong program"));
        }
        if let Err(e) = &rust.clean {
            problems.push(format!("{name}: Rust does not compile cleanly: {e}"));
        }
        match &rust.contracts {
            Ok(out) => problems.push(format!("{name}: Rust contracts did not catch it:\n{out}")),
            Err(e) => {
                summary.push_str(&format!("{name}\n  Rust:  {}\n", violation(e, &rust.dir)));
                let _ = std::fs::remove_dir_all(&rust.dir);
            }
        }
        if let Some(ml) = ml {
            if let Err(e) = &ml.clean {
                problems.push(format!("{name}: OCaml does not compile cleanly: {e}"));
            }
            match &ml.contracts {
                Ok(out) => problems.push(format!("{name}: OCaml contracts did not catch it:\n{out}")),
                Err(e) => {
                    summary.push_str(&format!("  OCaml: {}\n", violation(e, &ml.dir)));
                    let _ = std::fs::remove_dir_all(&ml.dir);
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    if ocaml {
        insta::assert_snapshot!(summary);
    }
}

/// The emitted Rust and OCaml for our own programs, reviewed like code.
#[test]
fn emitted_code() {
    insta::glob!("corpus/emit/*.sq", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let program = resolve_text(&name, &text);
        let options = EmitOptions { source_name: name.clone() };
        let rust = emit_program(&program, Target::Rust, &options).unwrap();
        let ocaml = emit_program(&program, Target::OCaml, &options).unwrap();
        insta::assert_snapshot!(format!("----- SOURCE\n{text}\n----- RUST\n{rust}\n----- OCAML\n{ocaml}"));
    });
}

/// Swaps the branches of the first `if` (in evaluation order) of a term.
fn swap_first_if(t: &mut syntax::ast::Term) -> bool {
    use syntax::ast::TermKind;
    match &mut t.kind {
        TermKind::If { then_branch, else_branch, .. } => {
            std::mem::swap(then_branch, else_branch);
            true
        }
        TermKind::App { head, args } => swap_first_if(head) || args.iter_mut().any(swap_first_if),
        TermKind::Unary(_, a) | TermKind::Lambda { body: a, .. } | TermKind::Annot { term: a, .. } => {
            swap_first_if(a)
        }
        TermKind::Binary(_, a, b) | TermKind::Let { value: a, body: b, .. } => {
            swap_first_if(a) || swap_first_if(b)
        }
        TermKind::Match { scrutinee, cases } => {
            swap_first_if(scrutinee) || cases.iter_mut().any(|c| swap_first_if(&mut c.body))
        }
        TermKind::List(items) => items.iter_mut().any(swap_first_if),
        _ => false,
    }
}

/// Mutants of the suite's solutions that verify (the branches of the first `if`
/// swapped): for each one the checker rejects, whether running the emitted Rust on random inputs violates
/// a contract. The snapshot records the outcome per solution.
#[test]
fn suite_mutants_are_caught_by_the_contracts() {
    let Some(suite) = common::synquid_suite() else { return };
    let programs = suite_programs(&suite.join("solution"));
    let mut mutants = Vec::new();
    for path in common::sq_files(&suite.join("solution")) {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let mut parsed = syntax::parse(&std::fs::read_to_string(&path).unwrap());
        let swapped = parsed.module.decls.iter_mut().any(|d| match &mut d.kind {
            syntax::ast::DeclKind::Goal(g) => swap_first_if(&mut g.body),
            _ => false,
        });
        let original = &programs.iter().find(|(n, _)| *n == name).unwrap().1;
        let report = rsynth::verify::verify_program(original);
        let verified = report.measure_failures == 0 && report.goals.iter().all(|g| !g.outcome.is_failure());
        if swapped && verified {
            let text = syntax::pretty::print_module(&parsed.module);
            mutants.push((name, resolve_text("mutant", &text)));
        }
    }
    let options = HarnessOptions { samples: 60, ..HarnessOptions::default() };
    let results = parallel(&mutants, |(name, p)| {
        let report = rsynth::verify::verify_program(p);
        let rejected = report.goals.iter().any(|g| g.outcome.is_failure()) || report.measure_failures > 0;
        if !rejected {
            return (name.clone(), "accepted by the checker (the swap meets the specification)".to_string());
        }
        let models = with_models(p, &programs);
        let o = rust_outcome(&format!("suite-mutant-{name}"), p, &models, &options);
        let verdict = match (&o.clean, &o.contracts) {
            (Err(e), _) => format!("does not compile cleanly: {}", e.lines().next().unwrap_or("")),
            (Ok(()), Ok(_)) => "MISSED: every contract held".to_string(),
            (Ok(()), Err(e)) => format!("caught: {}", violation(e, &o.dir)),
        };
        let _ = std::fs::remove_dir_all(&o.dir);
        (name.clone(), verdict)
    });
    let caught = results.iter().filter(|(_, v)| v.starts_with("caught")).count();
    let rejected = results.iter().filter(|(_, v)| !v.starts_with("accepted")).count();
    let mut table = format!("{caught} of {rejected} mutants the checker rejects violate a contract\n\n");
    for (name, verdict) in &results {
        table.push_str(&format!("{name}: {verdict}\n"));
    }
    eprintln!("{table}");
    assert!(results.iter().all(|(_, v)| !v.starts_with("does not compile")), "{table}");
    insta::assert_snapshot!(table);
}
