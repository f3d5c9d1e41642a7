//! Generates the `.sq` parser from `grammar/surface.lalrpop` into `$OUT_DIR/surface.rs`.
//!
//! lalrpop's `process_src` only looks in `src/`; the design keeps grammars in `grammar/`,
//! so point it there explicitly. The folder-level rerun directive makes a *new* grammar
//! file trigger a rebuild too.

fn main() {
    println!("cargo:rerun-if-changed=grammar");
    lalrpop::Configuration::new()
        .set_in_dir("grammar")
        .emit_rerun_directives(true)
        .process()
        .expect("lalrpop failed to process grammar/");
}
