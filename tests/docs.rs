//! Every `sq` code block in the README and in `docs/` parses without errors and survives
//! the formatter's round trip, so the documentation cannot drift from the language.

mod common;

use std::path::Path;

fn sq_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```sq") => current = Some(String::new()),
            (Some(_), l) if l.starts_with("```") => blocks.extend(current.take()),
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

#[test]
fn documentation_examples_parse_and_round_trip() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    files.extend(
        std::fs::read_dir(root.join("docs"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "md")),
    );
    let mut checked = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (i, block) in sq_blocks(&text).iter().enumerate() {
            common::assert_round_trip(&format!("{} block {}", file.display(), i + 1), block);
            checked += 1;
        }
    }
    assert!(checked >= 4, "expected the README and docs/language.md to hold sq examples, found {checked}");
}
