//! rsynth: program synthesis from refinement types.
