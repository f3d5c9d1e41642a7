//! Refinement types: the type language shared by the resolver, the checker and the
//! synthesizer.

pub mod env;
pub mod qualifiers;
pub mod ty;

pub use env::Env;
pub use ty::{BaseType, PredSig, RType, Schema};
