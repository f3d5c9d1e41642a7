//! A readable listing of a resolved program, for `rsynth check --resolved` and
//! snapshot tests: every signature with its quantifiers and expanded synonyms.

use std::fmt::Write as _;

use super::program::Program;

/// Lists datatypes, constructors, measures, predicates, qualifiers, components and goals.
pub fn describe(program: &Program) -> String {
    let mut out = String::new();
    for dt in program.datatypes.values() {
        let _ = write!(out, "data {}", dt.name);
        for p in &dt.params {
            let _ = write!(out, " {p}");
        }
        for p in &dt.pred_params {
            let _ = write!(out, " <{}>{}", p.sig, if p.contravariant { "!" } else { "" });
        }
        if let Some(t) = dt.termination {
            let _ = write!(out, "  -- termination: {t}");
        }
        out.push('\n');
        for c in &dt.constructors {
            if let Some(def) = program.constructors.get(c) {
                let _ = writeln!(out, "  {c} :: {}", def.schema);
            }
        }
    }
    for m in program.measures.values() {
        let _ = write!(out, "measure {} :: ", m.name);
        for (n, s) in &m.const_args {
            let _ = write!(out, "{n}: {s} -> ");
        }
        let _ = write!(out, "{} -> {}", m.input, m.output);
        if !m.postcondition.is_true() {
            let _ = write!(out, "  -- post: {}", m.postcondition);
        }
        out.push('\n');
        for case in &m.cases {
            let binders: Vec<&str> = case.binders.iter().map(|b| b.as_str()).collect();
            let sep = if binders.is_empty() { "" } else { " " };
            let _ = writeln!(out, "  {}{sep}{} -> {}", case.constructor, binders.join(" "), case.body);
        }
    }
    for p in program.predicates.values() {
        let args: Vec<String> = p.args.iter().map(|s| s.to_string()).collect();
        let _ = writeln!(out, "predicate {} :: {} -> {}", p.name, args.join(" -> "), p.result);
    }
    for q in &program.qualifiers {
        let _ = writeln!(out, "qualifier {q}");
    }
    for c in &program.components {
        let kind = if program.goals.iter().any(|g| g.name == c.name) { "goal" } else { "component" };
        let _ = writeln!(out, "{kind} {} :: {}", c.name, c.schema);
    }
    out
}
