//! MARCO's map: which subsets of the soft formulas are still unexplored.
//!
//! The map is a propositional formula over one variable per soft formula (true: the
//! formula is in the subset). It only ever receives two kinds of clauses: after a MUS
//! `M`, "not every element of `M`" (no superset of a MUS is worth exploring); after a
//! maximal satisfiable subset `S`, "some element outside `S`" (no subset of it is). A
//! model of the map is the next *seed*.
//!
//! The map used to be a second Z3 solver. Its problems are tiny (one variable per
//! qualifier on offer, one clause per subset explored), and a Z3 check, a model and one
//! evaluation per literal cost about as much as a check of the real query. A small
//! DPLL search is enough. It tries `true` first for every variable, so every seed is
//! *maximal*: a variable left false either was forced false or had no model with it
//! true under the earlier choices, and setting it true in the seed breaks a clause.
//! Only "not every element of `M`" clauses can break that way, so every element outside
//! a seed completes a MUS found before: a satisfiable seed is a maximal satisfiable
//! subset as it is, which spares MARCO its growing step.

/// A literal: a variable, and whether it occurs positively.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Literal {
    var: usize,
    positive: bool,
}

/// The map: clauses over `vars` variables.
#[derive(Clone, Debug, Default)]
pub(super) struct SeedMap {
    vars: usize,
    clauses: Vec<Vec<Literal>>,
}

/// The search for a seed gave up (see [`SeedMap::next_seed`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct OutOfSteps;

/// How many search nodes one seed may take. MARCO's maps are easy (each clause rules out
/// a block of subsets already explored); this only guards against a pathological case.
const STEPS: usize = 200_000;

impl SeedMap {
    pub fn new(vars: usize) -> SeedMap {
        SeedMap { vars, clauses: Vec::new() }
    }

    /// Only subsets containing element `i`.
    pub fn require(&mut self, i: usize) {
        self.clauses.push(vec![Literal { var: i, positive: true }]);
    }

    /// No superset of this (unsatisfiable) subset.
    pub fn block_up(&mut self, subset: &[usize]) {
        self.clauses.push(subset.iter().map(|&var| Literal { var, positive: false }).collect());
    }

    /// No subset of this (satisfiable) subset.
    pub fn block_down(&mut self, subset: &[usize]) {
        let outside = (0..self.vars).filter(|i| !subset.contains(i));
        self.clauses.push(outside.map(|var| Literal { var, positive: true }).collect());
    }

    /// An unexplored subset (sorted), with as many elements as the search finds first
    /// (every open variable is tried `true` first); `None` when every subset has been
    /// explored.
    pub fn next_seed(&self) -> Result<Option<Vec<usize>>, OutOfSteps> {
        let mut assignment: Vec<Option<bool>> = vec![None; self.vars];
        let mut steps = 0;
        if !self.search(&mut assignment, &mut steps)? {
            return Ok(None);
        }
        Ok(Some((0..self.vars).filter(|&i| assignment[i] != Some(false)).collect()))
    }

    /// Depth-first search with unit propagation; on success `assignment` is a model.
    fn search(&self, assignment: &mut Vec<Option<bool>>, steps: &mut usize) -> Result<bool, OutOfSteps> {
        *steps += 1;
        if *steps > STEPS {
            return Err(OutOfSteps);
        }
        let saved = assignment.clone();
        if !self.propagate(assignment) {
            *assignment = saved;
            return Ok(false);
        }
        let Some(open) = assignment.iter().position(Option::is_none) else {
            return Ok(true);
        };
        for value in [true, false] {
            let before = assignment.clone();
            assignment[open] = Some(value);
            if self.search(assignment, steps)? {
                return Ok(true);
            }
            *assignment = before;
        }
        *assignment = saved;
        Ok(false)
    }

    /// Assigns the literals that clauses force; `false` on a violated clause.
    fn propagate(&self, assignment: &mut [Option<bool>]) -> bool {
        loop {
            let mut changed = false;
            for clause in &self.clauses {
                let mut open = None;
                let mut open_count = 0;
                let mut satisfied = false;
                for lit in clause {
                    match assignment[lit.var] {
                        Some(value) if value == lit.positive => {
                            satisfied = true;
                            break;
                        }
                        Some(_) => {}
                        None => {
                            open = Some(*lit);
                            open_count += 1;
                        }
                    }
                }
                if satisfied {
                    continue;
                }
                match (open_count, open) {
                    (0, _) => return false,
                    (1, Some(lit)) => {
                        assignment[lit.var] = Some(lit.positive);
                        changed = true;
                    }
                    _ => {}
                }
            }
            if !changed {
                return true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_start_full_and_respect_every_clause() {
        let mut map = SeedMap::new(3);
        assert_eq!(map.next_seed(), Ok(Some(vec![0, 1, 2])));
        // {0, 1} is a MUS: no superset of it.
        map.block_up(&[0, 1]);
        let seed = map.next_seed().unwrap().unwrap();
        assert!(!(seed.contains(&0) && seed.contains(&1)), "{seed:?}");
        assert_eq!(seed, vec![0, 2], "the largest seed the clauses allow, true first");
        // {0, 2} is satisfiable (and maximal): no subset of it.
        map.block_down(&[0, 2]);
        assert_eq!(map.next_seed(), Ok(Some(vec![1, 2])));
        map.block_down(&[1, 2]);
        // Left: subsets with 0 and 1 (blocked) or with neither 2 ... all explored.
        assert_eq!(map.next_seed(), Ok(None));
    }

    #[test]
    fn every_element_outside_a_seed_completes_a_blocked_subset() {
        let muses: [&[usize]; 3] = [&[0, 1], &[1, 2, 3], &[3, 4]];
        let mut map = SeedMap::new(5);
        for mus in muses {
            map.block_up(mus);
        }
        map.block_down(&[0, 2, 3]);
        while let Some(seed) = map.next_seed().unwrap() {
            for extra in (0..5).filter(|e| !seed.contains(e)) {
                let bigger: Vec<usize> = seed.iter().copied().chain([extra]).collect();
                assert!(
                    muses.iter().any(|mus| mus.iter().all(|i| bigger.contains(i))),
                    "seed {seed:?} is not maximal: {extra} can join it"
                );
            }
            map.block_down(&seed);
        }
    }

    #[test]
    fn a_required_element_is_in_every_seed() {
        let mut map = SeedMap::new(4);
        map.require(2);
        map.block_up(&[2, 3]);
        map.block_up(&[0, 2]);
        let seed = map.next_seed().unwrap().unwrap();
        assert_eq!(seed, vec![1, 2]);
        map.block_down(&seed);
        assert_eq!(map.next_seed(), Ok(None));
    }

    #[test]
    fn the_empty_map_over_no_variables_has_the_empty_seed() {
        let mut map = SeedMap::new(0);
        assert_eq!(map.next_seed(), Ok(Some(vec![])));
        map.block_down(&[]);
        assert_eq!(map.next_seed(), Ok(None));
    }
}
