//! Refinement types: the type language shared by the resolver, the checker and the
//! synthesizer.

pub mod check;
pub mod env;
pub mod error;
pub mod measures;
pub mod qualifiers;
pub mod subtype;
pub mod ty;

pub use env::Env;
pub use ty::{BaseType, PredSig, RType, Schema};
