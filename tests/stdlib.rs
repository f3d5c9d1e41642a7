//! The standard library and `import`.
//!
//! Every module of `stdlib/` parses, resolves and verifies (its measures and every
//! function with a body), is bundled into the binary, is described in stdlib/README.md,
//! and can be imported together with all the others. What each module offers is
//! snapshot-tested. The import errors (unknown library, cycle, broken library, unknown
//! component, conflicting components, a clash with the file's own declarations) have
//! diagnostic snapshots; `--lib` folders come before the bundled library; and files
//! with imports keep the per-goal incrementality of the database.

use std::path::{Path, PathBuf};

use rsynth::db::{self, Database, SourceFile};
use rsynth::diagnostics;
use rsynth::repl::library::load_libraries;
use rsynth::resolve::bundled::MODULES;
use rsynth::verify::Outcome;
use salsa::Setter;

fn stdlib_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("stdlib")
}

/// A database with `text` as `main.sq` and libraries loaded from `dirs`.
fn load(text: &str, dirs: &[PathBuf]) -> (Database, SourceFile) {
    let mut db = Database::with_execution_log();
    let file = db.add_file("main.sq", text);
    let errors = load_libraries(&mut db, dirs, &[file]);
    assert!(errors.is_empty(), "{errors:?}");
    (db, file)
}

/// Every error of the front end, rendered: the file's and its libraries'.
fn front_end(db: &Database, file: SourceFile) -> String {
    let mut out = String::new();
    for (lib, errors) in db::library_errors(db, file) {
        out.push_str(&diagnostics::render(&errors, lib.path(db), lib.text(db), false));
    }
    let mut errors = db::parse(db, file).errors.clone();
    errors.extend(db::resolve_file(db, file).errors.iter().cloned());
    out.push_str(&diagnostics::render(&errors, file.path(db), file.text(db), false));
    out
}

#[test]
fn every_module_checks() {
    let db = Database::default();
    for module in MODULES {
        let file = db::library_file(&db, db::ModuleName::new(&db, module.name.to_owned())).unwrap();
        assert_eq!(file.path(&db), &module.path());
        let errors = front_end(&db, file);
        assert!(errors.is_empty(), "{}:\n{errors}", module.path());
        let report = db::verify_file(&db, file);
        let rendered = diagnostics::render(&report.diagnostics, file.path(&db), file.text(&db), false);
        assert_eq!(report.measure_failures, 0, "{}:\n{rendered}", module.path());
        for goal in &report.goals {
            assert_eq!(goal.outcome, Outcome::Verified, "{}: {}\n{rendered}", module.path(), goal.name);
        }
    }
}

#[test]
fn the_bundle_is_the_stdlib_folder() {
    let mut on_disk: Vec<String> = std::fs::read_dir(stdlib_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sq"))
        .collect();
    on_disk.sort();
    let mut bundled: Vec<String> =
        MODULES.iter().map(|m| m.path().trim_start_matches("stdlib/").to_owned()).collect();
    bundled.sort();
    assert_eq!(on_disk, bundled, "every stdlib/*.sq file must be listed in resolve::bundled::MODULES");
    let readme = std::fs::read_to_string(stdlib_dir().join("README.md")).unwrap();
    for module in MODULES {
        let text =
            std::fs::read_to_string(stdlib_dir().join(module.path().trim_start_matches("stdlib/"))).unwrap();
        assert_eq!(text, module.text, "{} differs from its bundled text", module.path());
        assert!(
            readme.contains(&format!("`{}`", module.name)),
            "stdlib/README.md does not describe {}",
            module.name
        );
    }
}

#[test]
fn all_modules_can_be_imported_together() {
    // Types, constructors and measures are distinct across modules; components too.
    let all: String = MODULES.iter().map(|m| format!("import {}\n", m.name)).collect();
    let (db, file) = load(&all, &[]);
    assert_eq!(front_end(&db, file), "");
    assert_eq!(db::resolve_file(&db, file).libraries.len(), MODULES.len());
}

#[test]
fn what_each_module_offers() {
    let mut out = String::new();
    for module in MODULES {
        let (db, file) = load(&format!("import {}\n", module.name), &[]);
        let program = &db::resolve_file(&db, file).program;
        let own = |name: &str| {
            let own_text = module.text;
            own_text.contains(&format!("\n{name} ::"))
                || own_text.contains(&format!("data {name}"))
                || own_text.contains(&format!("measure {name} "))
                || own_text.contains(&format!("type {name}"))
                || own_text.contains(&format!("inline {name} "))
        };
        out.push_str(&format!("{} ({})\n", module.name, module.path()));
        let list = |items: Vec<String>| if items.is_empty() { "-".to_owned() } else { items.join(", ") };
        let types: Vec<String> = program
            .datatypes
            .values()
            .filter(|d| own(d.name.as_str()))
            .map(|d| {
                let ctors: Vec<&str> = d.constructors.iter().map(|c| c.as_str()).collect();
                format!("{} ({})", d.name, ctors.join(", "))
            })
            .chain(program.synonyms.keys().filter(|s| own(s.as_str())).map(|s| s.as_str().to_owned()))
            .collect();
        out.push_str(&format!("  types:      {}\n", list(types)));
        let logic: Vec<String> = program
            .measures
            .keys()
            .chain(program.inlines.keys())
            .filter(|m| own(m.as_str()))
            .map(|m| m.as_str().to_owned())
            .collect();
        out.push_str(&format!("  logic:      {}\n", list(logic)));
        let components: Vec<String> = program.components.iter().map(|c| c.name.as_str().to_owned()).collect();
        out.push_str(&format!("  components: {}\n", list(components)));
    }
    insta::assert_snapshot!(out);
}

/// Writes library files into a scratch folder.
fn lib_dir(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rsynth-stdlib-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    dir
}

/// Renders the errors, with the scratch folder's path made stable.
fn errors_of(text: &str, dirs: &[PathBuf]) -> String {
    let (db, file) = load(text, dirs);
    let mut rendered = front_end(&db, file);
    for dir in dirs {
        rendered = rendered.replace(&dir.display().to_string(), "LIB");
    }
    format!("----- SOURCE\n{text}\n----- DIAGNOSTICS\n{rendered}")
}

#[test]
fn import_errors_are_explained() {
    let dir = lib_dir(
        "errors",
        &[
            ("ping.sq", "import Pong\n\nping :: Int\n"),
            ("pong.sq", "import Ping\n\npong :: Int\n"),
            ("broken.sq", "data Shape where\n  Circle :: r: Int -> Shape\n\narea :: s: Shape -> Intt\n"),
            ("shapes.sq", "data Shape where\n  Square :: s: Int -> Shape\n\nsides :: s: Shape -> Int\n"),
            ("circles.sq", "data Shape where\n  Circle :: r: Int -> Shape\n"),
            ("area.sq", "area :: Int\nunit :: Int\n"),
            ("volume.sq", "area :: Int\nvolume :: Int\n"),
        ],
    );
    let dirs = [dir.clone()];
    insta::assert_snapshot!("unknown_import", errors_of("import Lists\n\nf :: Int\n", &dirs));
    insta::assert_snapshot!("import_cycle", errors_of("import Ping\n\nf :: Int\n", &dirs));
    insta::assert_snapshot!("broken_library", errors_of("import Broken\n\nf :: Int\n", &dirs));
    insta::assert_snapshot!("unknown_component", errors_of("import Prelude (zero, incc)\n", &dirs));
    insta::assert_snapshot!("conflicting_components", errors_of("import Area\nimport Volume\n", &dirs));
    // An import list avoids the conflict.
    assert!(errors_of("import Area\nimport Volume (volume)\n", &dirs).ends_with("DIAGNOSTICS\n"));
    insta::assert_snapshot!(
        "types_clash_between_libraries",
        errors_of("import Circles\nimport Shapes\n", &dirs)
    );
    insta::assert_snapshot!(
        "clash_with_the_file",
        errors_of("import List ()\n\ndata List a where\n  Nil :: List a\n", &dirs)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_signature_in_the_file_replaces_an_imported_one() {
    let (db, file) = load(
        "import List (append, snoc)\n\nappend :: xs: List a -> ys: List a -> List a\nappend = ??\n",
        &[],
    );
    assert_eq!(front_end(&db, file), "");
    let program = &db::resolve_file(&db, file).program;
    let names: Vec<&str> = program.components.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["snoc", "append"], "the library's append is replaced, snoc imported");
}

#[test]
fn lib_folders_come_before_the_bundled_library() {
    let dir = lib_dir("override", &[("list.sq", "data List a where\n  Empty :: List a\n\nmine :: Int\n")]);
    let (db, file) = load("import List\n", std::slice::from_ref(&dir));
    let resolved = db::resolve_file(&db, file);
    assert_eq!(front_end(&db, file), "");
    assert!(
        resolved.libraries[0].path.ends_with("list.sq") && resolved.libraries[0].path.contains("override")
    );
    assert!(resolved.program.components.iter().any(|c| c.name.as_str() == "mine"));
    // Without the folder, the bundled List.
    let (db, file) = load("import List\n", &[]);
    assert_eq!(db::resolve_file(&db, file).libraries[0].path, "stdlib/list.sq");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn files_without_imports_ignore_the_libraries() {
    // A file that declares what a library also declares is unaffected by it.
    let text = "data List a where\n  Nil :: List a\n\nimport_ :: Int\n";
    let (db, file) = load(text, &[]);
    assert_eq!(front_end(&db, file), "");
    let resolved = db::resolve_file(&db, file);
    assert!(resolved.libraries.is_empty() && resolved.library_decls == 0);
    assert_eq!(resolved, &rsynth::resolve::resolve(&rsynth::syntax::parse(text).module));
}

const WITH_IMPORTS: &str = "\
import List ()
import Prelude (zero, inc)

length :: xs: List a -> {Int | _v == len xs}
length = \\xs .
  match xs with
    Nil -> zero
    Cons y ys -> inc (length ys)

single :: x: a -> {List a | len _v == 1}
single = \\x . Cons x Nil
";

fn checks_run(db: &Database) -> Vec<String> {
    db.take_execution_log()
        .into_iter()
        .filter(|e| e.starts_with("check_goal") || e.starts_with("parse"))
        .collect()
}

#[test]
fn editing_one_goal_of_a_file_with_imports_rechecks_only_that_goal() {
    let (mut db, file) = load(WITH_IMPORTS, &[]);
    let outcomes: Vec<Outcome> = db::verify_file(&db, file).goals.into_iter().map(|g| g.outcome).collect();
    assert_eq!(outcomes, [Outcome::Verified, Outcome::Verified]);
    let _ = db.take_execution_log();
    file.set_text(&mut db).to(WITH_IMPORTS.replace("Cons x Nil", "Cons x (Cons x Nil)"));
    let outcomes: Vec<Outcome> = db::verify_file(&db, file).goals.into_iter().map(|g| g.outcome).collect();
    assert_eq!(outcomes, [Outcome::Verified, Outcome::Failed]);
    let run = checks_run(&db);
    assert_eq!(run.iter().filter(|e| e.starts_with("check_goal")).count(), 1, "{run:?}");
    // The libraries (high-durability inputs) are not parsed again: only the edited file.
    assert_eq!(run.iter().filter(|e| e.starts_with("parse")).count(), 1, "{run:?}");
}

#[test]
fn diagnostics_of_a_file_with_imports_point_into_it() {
    let broken = WITH_IMPORTS.replace("Cons x Nil", "Nil");
    let (db, file) = load(&broken, &[]);
    let report = db::verify_file(&db, file);
    assert_eq!(report.diagnostics.len(), 1);
    let at = report.diagnostics[0].primary_span().unwrap();
    assert_eq!(&broken[at], "Nil");
}
