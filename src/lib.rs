//! rsynth: program synthesis from refinement types.

pub mod logic;
