//! Finding the libraries that files import: the IO half of `import`.
//!
//! Resolution (`resolve::import`) finds libraries in the database's [`LibraryIndex`]
//! and never touches the disk. Before resolving, the command line and the REPL call
//! [`load_libraries`], which follows the `import`s of the files they loaded and, for
//! each module name, looks for its file in the `--lib` folders, in order. A name no
//! folder has keeps the bundled standard library's module, if there is one; otherwise
//! it is left out, and resolution reports it with the search path as a hint.
//!
//! [`LibraryIndex`]: crate::db::LibraryIndex

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use salsa::{Durability, Setter};

use crate::db::{self, Database, Db, SourceFile};
use crate::resolve::bundled;
use crate::resolve::import::{imports_of, module_file_name};
use crate::source::{SourceError, read_source};

/// A library file that exists but could not be read.
#[derive(Debug)]
pub struct LoadError {
    pub path: String,
    pub error: SourceError,
}

/// The search path as hints show it: the `--lib` folders, then the bundled library.
pub fn search_path(dirs: &[PathBuf]) -> Vec<String> {
    let mut path: Vec<String> = dirs.iter().map(|d| format!("{}/", d.display())).collect();
    path.push(bundled::SEARCH_PATH_ENTRY.to_owned());
    path
}

/// Registers the libraries `roots` import, directly or through other libraries, in the
/// database's library index. A file already registered is re-read, and updated if it
/// changed (so `:reload` sees edited libraries). Returns the files that could not be read.
pub fn load_libraries(db: &mut Database, dirs: &[PathBuf], roots: &[SourceFile]) -> Vec<LoadError> {
    let index = db.libraries();
    let old: BTreeMap<String, SourceFile> = index.modules(db).clone();
    let mut modules = old.clone();
    let mut errors = Vec::new();
    let mut queue: Vec<String> = roots.iter().flat_map(|f| imports_of(&db::parse(db, *f).module)).collect();
    let mut seen = BTreeSet::new();
    while let Some(name) = queue.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let found = dirs.iter().map(|d| d.join(module_file_name(&name))).find(|p| p.is_file());
        let file = match found {
            Some(path) => {
                let shown = path.display().to_string();
                match read_source(&path) {
                    Ok(text) => Some(match old.get(&name) {
                        Some(file) if *file.path(db) == shown => {
                            if *file.text(db) != text {
                                file.set_text(db).to(text);
                            }
                            *file
                        }
                        _ => db.add_library_file(shown, text),
                    }),
                    Err(error) => {
                        errors.push(LoadError { path: shown, error });
                        None
                    }
                }
            }
            None => db.bundled_file(&name),
        };
        match file {
            Some(file) => {
                queue.extend(imports_of(&db::parse(db, file).module));
                modules.insert(name, file);
            }
            None => {
                modules.remove(&name);
            }
        }
    }
    if modules != old {
        index.set_modules(db).with_durability(Durability::HIGH).to(modules);
    }
    let path = search_path(dirs);
    if *index.search_path(db) != path {
        index.set_search_path(db).with_durability(Durability::HIGH).to(path);
    }
    errors
}
