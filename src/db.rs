//! The incremental database shared by the CLI, the REPL and the tests.
//!
//! Source files are salsa inputs; every later phase is a tracked query over them, so an
//! edit re-runs only what depends on the edited text. Query results are plain data
//! (`Send + Sync`): z3 values never cross a query boundary.

use std::sync::{Arc, Mutex};

use crate::resolve::Resolved;
use crate::syntax::{self, Parsed};

/// The database trait every query takes. Later phases add their queries here.
#[salsa::db]
pub trait Db: salsa::Database {}

/// One `.sq` file: its path (for messages) and its text.
#[salsa::input(debug)]
pub struct SourceFile {
    #[returns(ref)]
    pub path: String,
    #[returns(ref)]
    pub text: String,
}

/// Parses a file. Never fails: the result holds the declarations that parsed and every
/// error found (see `syntax::parser`).
#[salsa::tracked(returns(ref))]
pub fn parse(db: &dyn Db, file: SourceFile) -> Parsed {
    syntax::parse(file.text(db))
}

/// Resolves a file. Never fails; a file with syntax errors resolves the declarations
/// that parsed.
#[salsa::tracked(returns(ref))]
pub fn resolve_file(db: &dyn Db, file: SourceFile) -> Resolved {
    crate::resolve::resolve(&parse(db, file).module)
}

/// The concrete database.
#[salsa::db]
#[derive(Clone)]
pub struct Database {
    storage: salsa::Storage<Self>,
    log: Option<Arc<Mutex<Vec<String>>>>,
}

impl Default for Database {
    fn default() -> Self {
        Database { storage: salsa::Storage::new(None), log: None }
    }
}

impl Database {
    /// A database that records which queries execute, for incrementality tests.
    pub fn with_execution_log() -> Self {
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = Arc::clone(&log);
        let storage = salsa::Storage::new(Some(Box::new(move |event: salsa::Event| {
            if let salsa::EventKind::WillExecute { database_key } = event.kind
                && let Ok(mut entries) = sink.lock()
            {
                entries.push(format!("{database_key:?}"));
            }
        })));
        Database { storage, log: Some(log) }
    }

    /// The queries executed since the last call (empty without a log).
    pub fn take_execution_log(&self) -> Vec<String> {
        match &self.log {
            Some(log) => log.lock().map(|mut l| std::mem::take(&mut *l)).unwrap_or_default(),
            None => Vec::new(),
        }
    }

    /// Adds a file to the database.
    pub fn add_file(&self, path: impl Into<String>, text: impl Into<String>) -> SourceFile {
        SourceFile::new(self, path.into(), text.into())
    }
}

#[salsa::db]
impl salsa::Database for Database {}

#[salsa::db]
impl Db for Database {}

#[cfg(test)]
mod tests {
    use salsa::Setter;

    use super::*;

    #[test]
    fn parse_is_reused_until_the_text_changes() {
        let mut db = Database::with_execution_log();
        let file = db.add_file("a.sq", "f :: Int");
        assert!(!parse(&db, file).has_errors());
        assert_eq!(db.take_execution_log().len(), 1);
        let _ = parse(&db, file);
        assert!(db.take_execution_log().is_empty(), "second call must be cached");
        file.set_text(&mut db).to("f :: Bool".to_owned());
        let _ = parse(&db, file);
        assert_eq!(db.take_execution_log().len(), 1);
    }
}
