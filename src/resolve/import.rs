//! `import`: rsynth's extension for libraries of components (docs/language.md, "Imports").
//!
//! `import List` brings in the declarations of the library `List`, found on a search path
//! as `list.sq` (the module name in kebab case: `SortedList` is `sorted-list.sq`).
//! `import Prelude (zero, inc)` brings in the library's types, measures, predicates,
//! synonyms and qualifiers, but of its components only the ones listed: the components
//! in scope are the synthesizer's search space, so an import list keeps it small.
//!
//! Resolution of a file with imports resolves one *combined* module: the declarations of
//! every library reached (dependencies first, each library once), then the file's own.
//! A library contributes its types and logic always, its signatures only when the file
//! imports it directly, and never its goals: a library function with a body is verified
//! when the library itself is checked, and an importer sees only its signature. A
//! signature in the file replaces an imported one of the same name.
//!
//! **Spans.** Library declarations keep their own relative spans; their offsets are moved
//! to a virtual range starting at [`LIBRARY_BASE`], one slice per library, so that
//! nothing in the combined module collides with the file's own positions. Diagnostics
//! never leave that range unexplained: a label inside a library becomes a note naming the
//! library file, line and column; an error located in a library is re-anchored at the
//! `import` that brought the library in. A library's own errors are reported against
//! the library (`rsynth check stdlib/list.sq`); the importer gets one `import-error`.
//!
//! Files without `import` do not come here: they resolve exactly as Synquid's do.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use super::suggest::similar;
use crate::diagnostics::{Diagnostic, Label};
use crate::syntax::ast::{Decl, DeclKind, Import, Module};

/// Where the declarations of libraries start in the offsets of a combined module.
/// Source files are far smaller than 2 GiB, so no file position reaches it.
pub const LIBRARY_BASE: u32 = 0x8000_0000;

/// A library as an importer sees it.
#[derive(Debug, Clone, Copy)]
pub struct Library<'a> {
    /// The path shown in messages, e.g. `stdlib/list.sq`.
    pub path: &'a str,
    pub text: &'a str,
    pub module: &'a Module,
}

/// Where imports are found: the database (files from `--lib` folders and the bundled
/// standard library) or, without a database, the bundled standard library alone.
pub trait Libraries {
    /// The library a module name refers to.
    fn find(&self, name: &str) -> Option<Library<'_>>;
    /// The number of syntax and resolution errors of the library on its own. Asked only
    /// of libraries whose imports form no cycle.
    fn error_count(&self, name: &str) -> usize;
    /// Where libraries are looked for, in order (for the hint of an unknown import).
    fn search_path(&self) -> Vec<String>;
    /// Every module name that can be imported (for "did you mean").
    fn available(&self) -> Vec<String>;
}

/// A library whose declarations were placed in a combined module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedLibrary {
    /// The module name, as imported.
    pub name: String,
    pub path: String,
    /// The library's text occupies `base..base + len` of the combined module's offsets.
    pub base: u32,
    pub len: u32,
}

/// The file name of a module: its name in kebab case, `.sq` appended.
/// `List` is `list.sq`, `SortedList` is `sorted-list.sq`, `BST` is `bst.sq`, `AVLTree` is
/// `avl-tree.sq`.
pub fn module_file_name(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase() || prev.is_ascii_digit() || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push('-');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out.push_str(".sq");
    out
}

/// The module names a file imports, in order (duplicates removed).
pub fn imports_of(module: &Module) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for decl in &module.decls {
        if let DeclKind::Import(import) = &decl.kind
            && !names.contains(&import.module.text)
        {
            names.push(import.module.text.clone());
        }
    }
    names
}

/// Whether a module has any `import`.
pub fn has_imports(module: &Module) -> bool {
    module.decls.iter().any(|d| matches!(d.kind, DeclKind::Import(_)))
}

/// The module to resolve in place of a file with imports.
pub struct Combined {
    pub module: Module,
    /// How many library declarations precede the file's own: the file's declaration `i`
    /// is the combined module's declaration `i + library_decls`.
    pub library_decls: usize,
    pub libraries: Vec<ImportedLibrary>,
    /// Errors about the imports themselves (unknown, cyclic, broken libraries, unknown
    /// items, conflicting components), with spans in the file.
    pub errors: Vec<Diagnostic>,
    /// Library texts by base offset, to place labels that point into them.
    texts: Vec<(u32, String, String)>,
    /// For every library reached, the file's `import` declaration that reached it.
    reached_by: BTreeMap<String, Range<usize>>,
    /// Libraries with errors of their own, or in an import cycle: errors located in them
    /// are already reported by an `import-error` or `import-cycle`.
    broken: BTreeSet<String>,
}

/// One of the file's own imports: its declaration and the module name's span.
struct ImportSite<'m> {
    import: &'m Import,
    /// The declaration's offset (the import's spans are relative to it).
    offset: u32,
    span: Range<usize>,
}

/// Builds the combined module of a file with imports.
pub fn combine(module: &Module, libraries: &dyn Libraries) -> Combined {
    let sites: Vec<ImportSite> = module
        .decls
        .iter()
        .filter_map(|d| match &d.kind {
            DeclKind::Import(import) => {
                Some(ImportSite { import, offset: d.offset, span: import.module.span.absolute(d.offset) })
            }
            _ => None,
        })
        .collect();
    let mut walk =
        Walk { libraries, order: Vec::new(), visited: BTreeSet::new(), stack: Vec::new(), cycle: None };
    let mut errors = Vec::new();
    let mut reached_by: BTreeMap<String, Range<usize>> = BTreeMap::new();
    let mut checked_sites: BTreeSet<String> = BTreeSet::new();
    let mut broken: BTreeSet<String> = BTreeSet::new();
    for site in &sites {
        let name = &site.import.module.text;
        if !checked_sites.insert(name.clone()) {
            continue;
        }
        if libraries.find(name).is_none() {
            errors.push(unknown_import(name, site.span.clone(), libraries));
            continue;
        }
        let before = walk.order.len();
        walk.cycle = None;
        walk.visit(name);
        for reached in &walk.order[before..] {
            reached_by.entry(reached.clone()).or_insert_with(|| site.span.clone());
        }
        if let Some(cycle) = walk.cycle.take() {
            broken.extend(walk.order[before..].iter().cloned());
            broken.extend(cycle.iter().cloned());
            errors.push(
                Diagnostic::error("import-cycle", format!("the imports of `{name}` form a cycle: {}", cycle.join(" → ")))
                    .with_primary(site.span.clone(), "imported here")
                    .with_hint("a library cannot import itself, directly or through others: move what they share into a library both import"),
            );
            continue;
        }
        // A library's own errors are reported against the library; here they are counted.
        for reached in &walk.order[before..] {
            let count = libraries.error_count(reached);
            if count > 0 {
                broken.insert(reached.clone());
            }
            if count > 0
                && let Some(lib) = libraries.find(reached)
            {
                let via = if reached == name { String::new() } else { format!(" (imported by `{name}`)") };
                errors.push(
                    Diagnostic::error(
                        "import-error",
                        format!(
                            "library `{reached}`{via} has {count} error{} of its own",
                            if count == 1 { "" } else { "s" }
                        ),
                    )
                    .with_primary(site.span.clone(), "imported here")
                    .with_hint(format!("see them with `rsynth check {}`", lib.path)),
                );
            }
        }
    }

    // Which components each directly imported library contributes.
    let own_signatures: BTreeSet<&str> = module
        .decls
        .iter()
        .filter_map(|d| match &d.kind {
            DeclKind::Signature(s) => Some(s.name.text.as_str()),
            _ => None,
        })
        .collect();
    let mut selected: BTreeMap<&str, Option<BTreeSet<String>>> = BTreeMap::new();
    for site in &sites {
        let name = site.import.module.text.as_str();
        let Some(lib) = libraries.find(name) else { continue };
        let exported = signatures_of(lib.module);
        let entry = selected.entry(name).or_insert_with(|| Some(BTreeSet::new()));
        match &site.import.items {
            None => *entry = None,
            Some(items) => {
                for item in items {
                    let span = item.span.absolute(site.offset);
                    if exported.iter().any(|e| *e == item.text) {
                        if let Some(set) = entry {
                            set.insert(item.text.clone());
                        }
                    } else {
                        let suggestions = similar(&item.text, exported.iter().copied());
                        let mut d = Diagnostic::error(
                            "unknown-name",
                            format!("library `{name}` has no component `{}`", item.text),
                        )
                        .with_primary(span, "not declared in the library");
                        d = match suggestions.first() {
                            Some(s) => d.with_hint(format!("did you mean `{s}`?")),
                            None if exported.is_empty() => {
                                d.with_hint(format!("`{name}` declares no components ({})", lib.path))
                            }
                            None => d.with_hint(format!("its components are: {}", exported.join(", "))),
                        };
                        errors.push(d);
                    }
                }
            }
        }
    }

    // Lay the libraries out and collect their declarations.
    let mut combined = Vec::new();
    let mut imported = Vec::new();
    let mut texts = Vec::new();
    let mut taken: BTreeMap<String, String> = BTreeMap::new();
    let mut base = LIBRARY_BASE;
    for name in &walk.order {
        let Some(lib) = libraries.find(name) else { continue };
        let len = u32::try_from(lib.text.len()).unwrap_or(u32::MAX);
        let wanted = selected.get(name.as_str());
        for decl in &lib.module.decls {
            let keep = match &decl.kind {
                DeclKind::Import(_) | DeclKind::Goal(_) | DeclKind::Mutual(_) => false,
                DeclKind::Signature(s) => {
                    let chosen = match wanted {
                        None => false,
                        Some(None) => true,
                        Some(Some(items)) => items.contains(&s.name.text),
                    };
                    chosen && !own_signatures.contains(s.name.text.as_str()) && {
                        match taken.get(&s.name.text) {
                            Some(first) => {
                                if let Some(span) = reached_by.get(name) {
                                    errors.push(conflict(&s.name.text, first, name, span.clone()));
                                }
                                false
                            }
                            None => {
                                taken.insert(s.name.text.clone(), name.clone());
                                true
                            }
                        }
                    }
                }
                _ => true,
            };
            if keep {
                combined.push(Decl { offset: decl.offset.saturating_add(base), ..decl.clone() });
            }
        }
        imported.push(ImportedLibrary { name: name.clone(), path: lib.path.to_owned(), base, len });
        texts.push((base, lib.path.to_owned(), lib.text.to_owned()));
        base = base.saturating_add(len).saturating_add(1);
    }
    let library_decls = combined.len();
    combined.extend(module.decls.iter().cloned());
    Combined {
        module: Module { decls: combined },
        library_decls,
        libraries: imported,
        errors,
        texts,
        reached_by,
        broken,
    }
}

impl Combined {
    /// Makes a diagnostic of the combined module about the file alone: labels inside a
    /// library become notes naming the place; an error located in a library moves to the
    /// `import` that reached it. An error inside a library that has errors of its own is
    /// dropped: the `import-error` already says so.
    pub fn localize(&self, mut d: Diagnostic) -> Option<Diagnostic> {
        let in_library = |span: &Range<usize>| span.start >= LIBRARY_BASE as usize;
        let primary = d.primary_span();
        let primary_in_library = primary.as_ref().is_some_and(in_library);
        if let Some(span) = primary.filter(in_library)
            && self.library_at(span.start).is_some_and(|name| self.broken.contains(name))
        {
            return None;
        }
        let mut labels: Vec<Label> = Vec::new();
        let mut notes = Vec::new();
        for label in std::mem::take(&mut d.labels) {
            if !in_library(&label.span) {
                labels.push(label);
                continue;
            }
            let place = self.place(label.span.start);
            notes.push(if label.message.is_empty() { place } else { format!("{place}: {}", label.message) });
            if label.primary
                && let Some(site) = self.library_at(label.span.start).and_then(|n| self.reached_by.get(n))
            {
                labels.push(Label {
                    span: site.clone(),
                    message: "in a library imported here".into(),
                    primary: true,
                });
            }
        }
        if primary_in_library && !labels.iter().any(|l| l.primary) {
            // Nothing in the file to point at: keep the message, say where it is.
            notes.insert(0, "the problem is inside an imported library".into());
        }
        d.labels = labels;
        d.notes.splice(0..0, notes);
        Some(d)
    }

    /// The library whose slice holds `offset`.
    fn library_at(&self, offset: usize) -> Option<&String> {
        self.libraries.iter().rev().find(|l| l.base as usize <= offset).map(|l| &l.name)
    }

    /// `path:line:column` of a combined offset inside a library.
    fn place(&self, offset: usize) -> String {
        let Some((base, path, text)) = self.texts.iter().rev().find(|(b, _, _)| *b as usize <= offset) else {
            return "an imported library".into();
        };
        let local = (offset - *base as usize).min(text.len());
        let before = text.get(..local).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        format!("{path}:{line}:{column}")
    }
}

fn signatures_of(module: &Module) -> Vec<&str> {
    module
        .decls
        .iter()
        .filter_map(|d| match &d.kind {
            DeclKind::Signature(s) => Some(s.name.text.as_str()),
            _ => None,
        })
        .collect()
}

fn unknown_import(name: &str, span: Range<usize>, libraries: &dyn Libraries) -> Diagnostic {
    let available = libraries.available();
    let suggestions = similar(name, available.iter().map(String::as_str));
    let mut d = Diagnostic::error("unknown-import", format!("no library `{name}` on the search path"))
        .with_primary(span, format!("looked for `{}`", module_file_name(name)));
    d = d.with_note(format!("libraries are looked for in: {}", libraries.search_path().join(", then ")));
    match suggestions.first() {
        Some(s) => d.with_hint(format!("did you mean `import {s}`?")),
        None => d.with_hint(format!(
            "the libraries available are {}; add a folder of your own with `--lib DIR`",
            available.join(", ")
        )),
    }
}

fn conflict(component: &str, first: &str, second: &str, span: Range<usize>) -> Diagnostic {
    Diagnostic::error(
        "import-conflict",
        format!("component `{component}` is declared by both `{first}` and `{second}`"),
    )
    .with_primary(span, format!("`{second}` is imported here"))
    .with_note(format!("the one from `{first}` is kept"))
    .with_hint(format!(
        "list the components you want: `import {second} (...)`, or declare your own `{component}`"
    ))
}

/// Depth-first walk over imports: dependencies before dependents, each library once.
struct Walk<'l> {
    libraries: &'l dyn Libraries,
    order: Vec<String>,
    visited: BTreeSet<String>,
    stack: Vec<String>,
    cycle: Option<Vec<String>>,
}

impl Walk<'_> {
    fn visit(&mut self, name: &str) {
        if let Some(at) = self.stack.iter().position(|s| s == name) {
            if self.cycle.is_none() {
                let mut cycle: Vec<String> = self.stack[at..].to_vec();
                cycle.push(name.to_owned());
                self.cycle = Some(cycle);
            }
            return;
        }
        if !self.visited.insert(name.to_owned()) {
            return;
        }
        let Some(lib) = self.libraries.find(name) else { return };
        self.stack.push(name.to_owned());
        for import in imports_of(lib.module) {
            self.visit(&import);
        }
        self.stack.pop();
        self.order.push(name.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_names_map_to_kebab_case_files() {
        assert_eq!(module_file_name("List"), "list.sq");
        assert_eq!(module_file_name("SortedList"), "sorted-list.sq");
        assert_eq!(module_file_name("BST"), "bst.sq");
        assert_eq!(module_file_name("AVLTree"), "avl-tree.sq");
        assert_eq!(module_file_name("RedBlack"), "red-black.sq");
        assert_eq!(module_file_name("List2"), "list2.sq");
    }
}
