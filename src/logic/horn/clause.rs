//! Clauses as the solver stores them: preprocessing into unknown-free disjunctions
//! (`uDNF`) and the per-clause facts the fixpoint needs (polarity of unknowns, the
//! premise's strengthenable occurrences).

use std::collections::BTreeSet;

use super::Clause;
use crate::logic::Symbol;
use crate::logic::formula::{BinOp, Formula, Kind, Substitution, UnOp};

/// A preprocessed clause with the facts the solver consults on every step.
#[derive(Debug)]
pub(super) struct ClauseInfo {
    pub clause: Clause,
    /// Unknowns occurring positively (in the conclusion, or negated in the premise).
    pub pos: BTreeSet<Symbol>,
    /// Unknowns occurring negatively (as premise assumptions).
    pub neg: BTreeSet<Symbol>,
    /// The premise conjuncts that are bare unknowns, `U σ`, deduplicated in order. These
    /// are the occurrences strengthening may add qualifiers to.
    pub premise_unknowns: Vec<(Symbol, Substitution)>,
    /// The other premise conjuncts (formulas that may still contain unknowns, e.g. `!U`).
    pub other_premise: Vec<Formula>,
}

impl ClauseInfo {
    pub fn new(clause: Clause) -> ClauseInfo {
        // The raw node: the smart constructor would fold a `true` premise away, which
        // changes nothing about polarity but keeps the code below uniform.
        let whole = Formula::binary(BinOp::Implies, clause.premise.clone(), clause.conclusion.clone());
        let (pos, neg) = whole.pos_neg_unknowns();
        let mut premise_unknowns: Vec<(Symbol, Substitution)> = Vec::new();
        let mut other_premise = Vec::new();
        for conjunct in clause.premise.conjuncts() {
            match conjunct.kind() {
                Kind::Unknown { name, subst } => {
                    let occurrence = (*name, subst.clone());
                    if !premise_unknowns.contains(&occurrence) {
                        premise_unknowns.push(occurrence);
                    }
                }
                _ => other_premise.push(conjunct),
            }
        }
        ClauseInfo { clause, pos, neg, premise_unknowns, other_premise }
    }

    /// Every unknown the clause mentions.
    pub fn unknowns(&self) -> BTreeSet<Symbol> {
        self.pos.union(&self.neg).copied().collect()
    }
}

/// Splits a clause whose premise has disjunctions over unknowns into one clause per
/// disjunct of the premise's unknown-DNF, dropping trivially valid results (a `false`
/// premise disjunct, a `true` conclusion).
pub(super) fn preprocess(clause: &Clause) -> Vec<Clause> {
    if clause.conclusion.is_true() {
        return Vec::new();
    }
    let mut out: Vec<Clause> = Vec::new();
    for premise in udnf(&clause.premise) {
        if premise.is_false() {
            continue;
        }
        let split = Clause { premise, conclusion: clause.conclusion.clone(), label: clause.label };
        if !out.contains(&split) {
            out.push(split);
        }
    }
    out
}

/// The disjuncts of `f` in a disjunctive normal form that only splits connectives over
/// subformulas containing unknowns. Unknown-free subformulas are kept as they are (the
/// same allocation), so clauses without unknowns are never rewritten.
pub(super) fn udnf(f: &Formula) -> Vec<Formula> {
    if !f.has_unknowns() {
        return vec![f.clone()];
    }
    match f.kind() {
        Kind::Binary(BinOp::And, ..) => {
            // A premise is a long conjunction with few unknowns: choose one disjunct per
            // conjunct and join each choice once (joining pairwise would flatten the
            // growing conjunction again at every level).
            let mut choices: Vec<Vec<Formula>> = vec![Vec::new()];
            for conjunct in f.conjuncts() {
                let alternatives = udnf(&conjunct);
                if alternatives.len() == 1 {
                    choices.iter_mut().for_each(|c| c.push(alternatives[0].clone()));
                    continue;
                }
                choices = choices
                    .iter()
                    .flat_map(|c| {
                        alternatives.iter().map(move |a| {
                            let mut next = c.clone();
                            next.push(a.clone());
                            next
                        })
                    })
                    .collect();
            }
            let mut out: Vec<Formula> = Vec::new();
            for choice in choices {
                let both = Formula::conjunction(choice);
                if !out.contains(&both) {
                    out.push(both);
                }
            }
            out
        }
        Kind::Binary(BinOp::Or, l, r) => concat(udnf(l), udnf(r)),
        Kind::Binary(BinOp::Implies, l, r) => concat(udnf(&!l.clone()), udnf(r)),
        Kind::Binary(BinOp::Iff, l, r) => {
            concat(product(&udnf(l), &udnf(r)), product(&udnf(&!l.clone()), &udnf(&!r.clone())))
        }
        Kind::Ite(c, t, e) if is_bool_valued(t) => {
            concat(product(&udnf(c), &udnf(t)), product(&udnf(&!c.clone()), &udnf(e)))
        }
        Kind::Unary(UnOp::Not, inner) => match inner.kind() {
            Kind::Binary(BinOp::And, l, r) => concat(udnf(&!l.clone()), udnf(&!r.clone())),
            Kind::Binary(BinOp::Or, l, r) => product(&udnf(&!l.clone()), &udnf(&!r.clone())),
            Kind::Binary(BinOp::Implies, l, r) => product(&udnf(l), &udnf(&!r.clone())),
            Kind::Binary(BinOp::Iff, l, r) => {
                concat(product(&udnf(l), &udnf(&!r.clone())), product(&udnf(&!l.clone()), &udnf(r)))
            }
            Kind::Ite(c, t, e) if is_bool_valued(t) => {
                concat(product(&udnf(c), &udnf(&!t.clone())), product(&udnf(&!c.clone()), &udnf(&!e.clone())))
            }
            _ => vec![f.clone()],
        },
        _ => vec![f.clone()],
    }
}

fn concat(mut l: Vec<Formula>, r: Vec<Formula>) -> Vec<Formula> {
    for f in r {
        if !l.contains(&f) {
            l.push(f);
        }
    }
    l
}

fn product(l: &[Formula], r: &[Formula]) -> Vec<Formula> {
    let mut out = Vec::new();
    for a in l {
        for b in r {
            let both = Formula::conjunction([a.clone(), b.clone()]);
            if !out.contains(&both) {
                out.push(both);
            }
        }
    }
    out
}

/// Whether an `ite` branch is Boolean (a branch containing an unknown always is).
fn is_bool_valued(f: &Formula) -> bool {
    f.has_unknowns() || f.sort() == crate::logic::Sort::Bool
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::Sort;

    fn x() -> Formula {
        Formula::var("x", Sort::Int)
    }

    fn strings(fmls: &[Formula]) -> Vec<String> {
        fmls.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn unknown_free_formulas_are_untouched() {
        let f = Formula::or(Formula::gt(x(), Formula::int(0)), Formula::lt(x(), Formula::int(-3)));
        let split = udnf(&f);
        assert_eq!(split.len(), 1);
        assert!(split[0].ptr_eq(&f));
    }

    #[test]
    fn disjunctions_over_unknowns_split() {
        // (C0 || x > 0) && (U1 || !(x > 1 && C2))
        let c0 = Formula::unknown("C0");
        let f = Formula::and(
            Formula::or(c0, Formula::gt(x(), Formula::int(0))),
            Formula::or(
                Formula::unknown("U1"),
                !Formula::and(Formula::gt(x(), Formula::int(1)), Formula::unknown("C2")),
            ),
        );
        assert_eq!(
            strings(&udnf(&f)),
            vec![
                "C0 && U1",
                "C0 && !(x > 1)",
                "C0 && !C2",
                "x > 0 && U1",
                "x > 0 && !(x > 1)",
                "x > 0 && !C2"
            ]
        );
    }

    #[test]
    fn implications_and_iffs_in_premises_split() {
        let f = Formula::implies(Formula::unknown("C0"), Formula::gt(x(), Formula::int(0)));
        assert_eq!(strings(&udnf(&f)), vec!["!C0", "x > 0"]);
        let g = Formula::iff(Formula::unknown("C0"), Formula::unknown("C1"));
        assert_eq!(strings(&udnf(&g)), vec!["C0 && C1", "!C0 && !C1"]);
    }

    #[test]
    fn preprocessing_drops_trivial_clauses() {
        let premise = Formula::or(Formula::unknown("C0"), Formula::ff());
        let clause = Clause { premise, conclusion: Formula::gt(x(), Formula::int(0)), label: 4 };
        let out = preprocess(&clause);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].premise, Formula::unknown("C0"));
        assert_eq!(out[0].label, 4);
        let trivial = Clause { premise: Formula::unknown("C0"), conclusion: Formula::tt(), label: 0 };
        assert!(preprocess(&trivial).is_empty());
    }
}
