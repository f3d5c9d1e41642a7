//! `rsynth repl`: an interactive session over one long-lived database.

pub mod library;
