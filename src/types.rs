//! Refinement types: the type language shared by the resolver, the checker and the
//! synthesizer.

pub mod ty;

pub use ty::{BaseType, PredSig, RType, Schema};
