//! Rust spellings of `.sq` names and erased types.
//!
//! Names are kept: `realHeight` stays `realHeight` (the file allows
//! `non_snake_case`), so the code can be read beside its specification. Only what
//! Rust cannot accept changes: keywords get a trailing `_` (`true_`, `match_`), a
//! prime becomes `_p` (`t'` is `t_p`), type variables are capitalized (`a` is `A`).

use std::collections::BTreeMap;

use crate::emit::ty::Ty;
use crate::logic::Symbol;

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "abstract", "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized",
    "virtual", "yield", "try", "union",
];

/// Names the emitted code itself uses at the top level.
const RESERVED_TYPES: &[&str] = &[
    "Box",
    "BTreeSet",
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "Vec",
    "String",
    "Fn",
    "Components",
];

/// A value-level name (function, measure, variable).
pub fn value(name: &str) -> String {
    let s = name.replace('\'', "_p");
    if KEYWORDS.contains(&s.as_str()) || s == "_" { format!("{s}_") } else { s }
}

/// A type-level name (datatype, constructor).
pub fn type_name(name: &str) -> String {
    let s = value(name);
    if RESERVED_TYPES.contains(&s.as_str()) { format!("{s}_") } else { s }
}

/// A type variable: `a` is `A`, `elem` is `Elem`.
pub fn type_param(name: &str) -> String {
    let s = value(name);
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => "T".to_string(),
    }
}

/// Whether the name is snake case as rustc's lint wants it (else the file allows
/// `non_snake_case`).
pub fn is_snake(name: &str) -> bool {
    !name.chars().any(|c| c.is_uppercase())
}

/// Methods the emitted code calls on datatype values (derived or its own), which a
/// measure of the same name would shadow.
const RESERVED_METHODS: &[&str] = &["clone", "eq", "ne", "cmp", "partial_cmp", "fmt", "hash", "satisfies"];

/// A measure's method name.
pub fn measure(name: &str) -> String {
    let s = value(name);
    if RESERVED_METHODS.contains(&s.as_str()) { format!("{s}_") } else { s }
}

/// The smart constructor of `ctor` in an `impl` whose measures are `measures`:
/// `Node` is `node`, or `new_node` when a measure is called `node`.
pub fn smart_constructor(ctor: &str, measures: &[String]) -> String {
    let s = snake(ctor);
    if measures.contains(&s) || RESERVED_METHODS.contains(&s.as_str()) { format!("new_{s}") } else { s }
}

/// The snake-case form of a constructor name, for its smart constructor:
/// `ICons` is `i_cons`, `MinPair` is `min_pair`.
pub fn snake(name: &str) -> String {
    value(&crate::emit::snake_case(name))
}

/// Prints an erased type. `params` maps type variables to their Rust names.
pub fn rust_type(t: &Ty, params: &BTreeMap<Symbol, String>) -> String {
    match t {
        Ty::Int => "i64".to_string(),
        Ty::Bool => "bool".to_string(),
        Ty::Param(a) => params.get(a).cloned().unwrap_or_else(|| type_param(a.as_str())),
        Ty::Data(d, args) => {
            if args.is_empty() {
                type_name(d.as_str())
            } else {
                let args: Vec<String> = args.iter().map(|a| rust_type(a, params)).collect();
                format!("{}<{}>", type_name(d.as_str()), args.join(", "))
            }
        }
        Ty::Fun(..) => {
            let (args, result) = t.uncurry();
            let args: Vec<String> = args.iter().map(|a| rust_type(a, params)).collect();
            format!("&dyn Fn({}) -> {}", args.join(", "), rust_type(result, params))
        }
        Ty::Meta(_) => "_".to_string(),
    }
}

/// The name of the type parameter standing for the components: `C`, unless a type
/// variable already is `C`.
pub fn components_param(tparams: &BTreeMap<Symbol, String>) -> String {
    let mut name = "C".to_string();
    while tparams.values().any(|t| *t == name) {
        name.push('s');
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_kept_unless_rust_rejects_them() {
        assert_eq!(value("realHeight"), "realHeight");
        assert_eq!(value("true"), "true_");
        assert_eq!(value("t'"), "t_p");
        assert_eq!(type_param("a"), "A");
        assert_eq!(snake("ICons"), "i_cons");
        assert_eq!(snake("MinPair"), "min_pair");
        assert_eq!(snake("RBTNode"), "rbt_node");
        assert_eq!(type_name("Option"), "Option_");
    }
}
