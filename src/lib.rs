//! rsynth: program synthesis from refinement types.
//!
//! A user writes a `.sq` file (datatypes, measures, component signatures, and goals whose
//! bodies are `??` holes, each with a refinement type as specification); rsynth finds
//! programs that provably meet those types. The modules follow the pipeline:
//!
//! | stage | module | what it does |
//! |---|---|---|
//! | syntax | [`syntax`] | lexer, layout pass, LALRPOP parser, surface tree, printer |
//! | resolution | [`resolve`] | names, synonyms, sorts: a parsed module becomes a well-sorted [`resolve::Program`] |
//! | logic | [`logic`] | sorts, interned formulas, qualifier spaces; `logic::smt` is the only user of z3 |
//! | types | [`types`] | refinement types and schemas |
//! | incremental database | [`db`] | salsa inputs and queries shared by CLI, REPL and tests |
//! | diagnostics | [`diagnostics`] | plain-data diagnostics; the only module that renders them |
//! | emitters | [`emit`] | checked programs as Rust and OCaml with executable contracts |
//! | command line | [`cli`] | subcommands; with `repl`, the only module (and `main`) that does IO |
//! | REPL | [`repl`] | `rsynth repl`: an interactive session over one database; finding libraries on disk |
//!
//! The liquid type checker, the synthesizer and the emitters are added in that order
//! (see `docs/architecture.md`).

#![deny(unsafe_code)]

pub mod cli;
pub mod db;
pub mod diagnostics;
pub mod emit;
pub mod fill;
pub mod logic;
pub mod repl;
pub mod resolve;
pub mod source;
pub mod syntax;
pub mod synth;
pub mod types;
pub mod verify;
