//! The `.sq` front end: text in, surface tree and diagnostics out.
//!
//! Pipeline: [`lexer`] (logos) → [`layout`] (indentation to virtual block tokens) →
//! [`parser`] (LALRPOP grammar in `grammar/surface.lalrpop`) → [`ast`]. [`pretty`] prints a
//! tree back in canonical `.sq` layout.
//!
//! **Architecture invariant:** this module knows nothing of salsa, z3 or types. It takes
//! `&str` and returns plain data, so that it can be tested, fuzzed and reused on its own.

pub mod ast;
pub mod dump;
pub mod layout;
pub mod lexer;
pub mod parser;
pub mod pretty;
pub mod spans;
pub mod token;

pub use parser::{Parsed, parse};
