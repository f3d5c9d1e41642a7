//! The standard library shipped inside the binary (`stdlib/*.sq`, through
//! `include_str!`), and the [`Libraries`] that finds imports in it alone.
//!
//! The database registers these texts as high-durability inputs (`db::Database`);
//! [`Bundled`] serves code that resolves a module without a database (tests, tools).

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};

use super::import::{Libraries, Library, module_file_name};
use crate::syntax::{self, Parsed};

/// One library of the standard library.
#[derive(Debug, Clone, Copy)]
pub struct BundledModule {
    /// The module name, as imported.
    pub name: &'static str,
    pub text: &'static str,
}

impl BundledModule {
    /// The path shown in messages: `stdlib/list.sq`.
    pub fn path(&self) -> String {
        format!("stdlib/{}", module_file_name(self.name))
    }
}

/// Every module of the standard library, in the order the documentation lists them.
pub const MODULES: &[BundledModule] = &[
    BundledModule { name: "Prelude", text: include_str!("../../stdlib/prelude.sq") },
    BundledModule { name: "List", text: include_str!("../../stdlib/list.sq") },
    BundledModule { name: "SortedList", text: include_str!("../../stdlib/sorted-list.sq") },
    BundledModule { name: "StrictList", text: include_str!("../../stdlib/strict-list.sq") },
    BundledModule { name: "UniqueList", text: include_str!("../../stdlib/unique-list.sq") },
    BundledModule { name: "Pair", text: include_str!("../../stdlib/pair.sq") },
    BundledModule { name: "Option", text: include_str!("../../stdlib/option.sq") },
    BundledModule { name: "Tree", text: include_str!("../../stdlib/tree.sq") },
    BundledModule { name: "BST", text: include_str!("../../stdlib/bst.sq") },
    BundledModule { name: "Heap", text: include_str!("../../stdlib/heap.sq") },
    BundledModule { name: "AVL", text: include_str!("../../stdlib/avl.sq") },
    BundledModule { name: "RedBlack", text: include_str!("../../stdlib/red-black.sq") },
];

/// What the search path says about the bundled library in hints.
pub const SEARCH_PATH_ENTRY: &str = "the standard library bundled with rsynth (stdlib/)";

/// The bundled module of a name.
pub fn module(name: &str) -> Option<&'static BundledModule> {
    MODULES.iter().find(|m| m.name == name)
}

/// Imports found in the bundled standard library only.
pub struct Bundled;

struct Entry {
    path: String,
    parsed: Parsed,
}

fn parsed() -> &'static [Entry] {
    static PARSED: OnceLock<Vec<Entry>> = OnceLock::new();
    PARSED.get_or_init(|| {
        MODULES.iter().map(|m| Entry { path: m.path(), parsed: syntax::parse(m.text) }).collect()
    })
}

impl Libraries for Bundled {
    fn find(&self, name: &str) -> Option<Library<'_>> {
        let index = MODULES.iter().position(|m| m.name == name)?;
        let entry = &parsed()[index];
        Some(Library { path: &entry.path, text: MODULES[index].text, module: &entry.parsed.module })
    }

    fn error_count(&self, name: &str) -> usize {
        // Counted once per process; the lock is not held while resolving, which may ask
        // for the counts of the library's own imports.
        static COUNTS: Mutex<BTreeMap<String, usize>> = Mutex::new(BTreeMap::new());
        if let Some(count) = COUNTS.lock().ok().and_then(|c| c.get(name).copied()) {
            return count;
        }
        let Some(index) = MODULES.iter().position(|m| m.name == name) else { return 0 };
        let parsed = &parsed()[index].parsed;
        let count = parsed.errors.len() + super::resolve_with(&parsed.module, self).errors.len();
        if let Ok(mut counts) = COUNTS.lock() {
            counts.insert(name.to_owned(), count);
        }
        count
    }

    fn search_path(&self) -> Vec<String> {
        vec![SEARCH_PATH_ENTRY.to_owned()]
    }

    fn available(&self) -> Vec<String> {
        MODULES.iter().map(|m| m.name.to_owned()).collect()
    }
}
