//! Property tests: the front end terminates without panicking on any text, and whatever
//! parses cleanly round-trips through the formatter.

mod common;

use proptest::prelude::*;

/// Fragments of `.sq` text, so that random input reaches deep into the grammar rather
/// than stopping at the first unknown character.
const FRAGMENTS: &[&str] = &[
    "data",
    "measure",
    "termination",
    "where",
    "match",
    "with",
    "if",
    "then",
    "else",
    "let",
    "in",
    "type",
    "inline",
    "qualifier",
    "predicate",
    "mutual",
    "error",
    "??",
    "::",
    ":",
    "->",
    "=",
    "|",
    "\\",
    ".",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "<",
    ">",
    "<{",
    "}>",
    ",",
    "_v",
    "_0",
    "_",
    "x",
    "xs",
    "List",
    "Cons",
    "Nil",
    "Int",
    "Bool",
    "Set",
    "a",
    "1",
    "0",
    "+",
    "-",
    "*",
    "==",
    "!=",
    "<=",
    "&&",
    "||",
    "==>",
    "<==>",
    "!",
    " ",
    " ",
    "\n",
    "\n  ",
    "\n    ",
    "\t",
    "\r\n",
    "-- c\n",
    "{- c -}",
    "{-",
    "-}",
    "True",
    "False",
];

fn fragments() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(FRAGMENTS), 0..60).prop_map(|parts| parts.concat())
}

fn example_texts() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    common::sq_files(&dir).iter().map(|p| std::fs::read_to_string(p).unwrap()).collect()
}

/// Parses and, when there are no errors, checks the formatter round trip.
fn exercise(text: &str) {
    let parsed = rsynth::syntax::parse(text);
    if parsed.errors.is_empty() {
        common::assert_round_trip("generated", text);
    } else {
        // Every error must be renderable against the text.
        let _ = rsynth::diagnostics::render(&parsed.errors, "fuzz.sq", text, false);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        exercise(&text);
    }

    #[test]
    fn token_soup_never_panics(text in fragments()) {
        exercise(&text);
    }

    #[test]
    fn mutated_examples_never_panic(
        which in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..3, prop::sample::select(FRAGMENTS)), 1..6),
    ) {
        let texts = example_texts();
        let mut text = texts[which.index(texts.len())].clone();
        for (at, kind, fragment) in edits {
            let mut pos = at.index(text.len() + 1);
            while !text.is_char_boundary(pos) {
                pos -= 1;
            }
            match kind {
                0 => text.insert_str(pos, fragment),
                1 => {
                    let mut end = (pos + fragment.len()).min(text.len());
                    while !text.is_char_boundary(end) {
                        end += 1;
                    }
                    text.replace_range(pos..end, "");
                }
                _ => text.truncate(pos),
            }
        }
        exercise(&text);
    }
}

/// Found by `mutated_examples_never_panic`: a prefix operator applied to a hole was printed
/// as `!??`, which lexes as one unknown operator, so the formatted text did not parse.
#[test]
fn prefix_operators_on_holes_round_trip() {
    for body in ["! ??", "!(??)", "- ??", "-(??)", "!(! ??)"] {
        let text = format!("f :: x: Bool -> Bool\nf = {body}\n");
        let formatted = common::assert_round_trip("prefix operator on a hole", &text);
        assert!(!formatted.contains("!??") && !formatted.contains("-??"), "{formatted}");
    }
}
