//! Interned names for the logic.
//!
//! Variables, measures, constructors, unknowns and type variables are compared, hashed
//! and ordered constantly (formula equality, substitution lookups, cache keys). A
//! `Symbol` is a `Copy` handle to a string stored once for the whole process, so equality
//! is a pointer comparison and hashing reads a hash computed once at interning time.
//!
//! Two properties matter for the synthesizer:
//! * **Determinism.** `Ord` compares the *text*, never the address, and the stored hash
//!   is computed from the text with a fixed hasher. Iteration order of ordered maps keyed
//!   by symbols, and of fixed-hasher maps, is therefore the same on every run.
//! * **Thread safety.** The interner is a global table behind a mutex; only interning
//!   takes the lock. Reading a symbol's text is lock-free because interned strings are
//!   leaked and live for the rest of the process. The set of names a run creates is
//!   bounded by the size of the search, so the leak is the usual interner trade-off.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::{LazyLock, Mutex};

use rustc_hash::{FxBuildHasher, FxHashMap};

/// An interned name. Cheap to copy, compare and hash; ordered by its text.
#[derive(Clone, Copy)]
pub struct Symbol(&'static Interned);

struct Interned {
    text: &'static str,
    hash: u64,
}

static INTERNER: LazyLock<Mutex<FxHashMap<&'static str, Symbol>>> =
    LazyLock::new(|| Mutex::new(FxHashMap::default()));

impl Symbol {
    /// Returns the unique symbol for `text`, creating it on first use.
    pub fn intern(text: &str) -> Symbol {
        // A poisoned lock only means another thread panicked while inserting; the map
        // itself is never left half-updated by `entry`, so keep using it.
        let mut table = INTERNER.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(symbol) = table.get(text) {
            return *symbol;
        }
        let text: &'static str = Box::leak(text.to_owned().into_boxed_str());
        let hash = FxBuildHasher.hash_one(text);
        let symbol = Symbol(Box::leak(Box::new(Interned { text, hash })));
        table.insert(text, symbol);
        symbol
    }

    /// The text of the symbol.
    pub fn as_str(self) -> &'static str {
        self.0.text
    }

    /// One of 64 bits, picked by the symbol's hash. A set of symbols summed up as the
    /// `or` of their bits answers "certainly none of these" with one `and`: formulas
    /// carry the mask of the type variables in their sorts (`Formula::type_var_mask`).
    pub fn mask_bit(self) -> u64 {
        // The high bits of an Fx hash are its best mixed.
        1 << (self.0.hash >> 58)
    }

    /// The `or` of the symbols' [`Symbol::mask_bit`]s.
    pub fn mask_of<'a>(symbols: impl IntoIterator<Item = &'a Symbol>) -> u64 {
        symbols.into_iter().fold(0, |mask, symbol| mask | symbol.mask_bit())
    }
}

impl From<&str> for Symbol {
    fn from(text: &str) -> Symbol {
        Symbol::intern(text)
    }
}

impl PartialEq for Symbol {
    fn eq(&self, other: &Symbol) -> bool {
        // Interning makes the address unique per text.
        std::ptr::eq(self.0, other.0)
    }
}

impl Eq for Symbol {}

impl Hash for Symbol {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.0.hash);
    }
}

impl PartialOrd for Symbol {
    fn partial_cmp(&self, other: &Symbol) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Symbol {
    fn cmp(&self, other: &Symbol) -> Ordering {
        if self == other { Ordering::Equal } else { self.as_str().cmp(other.as_str()) }
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_idempotent_and_ordered_by_text() {
        let a = Symbol::intern("zeta");
        let b = Symbol::intern("alpha");
        assert_eq!(a, Symbol::intern("zeta"));
        assert_ne!(a, b);
        assert!(b < a, "order follows the text, not the creation order");
        assert_eq!(a.as_str(), "zeta");
    }

    #[test]
    fn symbols_cross_threads() {
        let here = Symbol::intern("shared-name");
        let there = std::thread::spawn(|| Symbol::intern("shared-name")).join();
        assert_eq!(Some(here), there.ok());
    }
}
