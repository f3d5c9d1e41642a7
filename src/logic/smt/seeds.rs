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
//!
//! Sets of variables are bit sets and the search undoes its assignments from a trail:
//! the seeds are those of a search over literal lists that copied its assignment at
//! every node (the same search tree, node for node), which took a quarter of the time
//! of Synquid's default setting on `AVL-Balance` (41 qualifiers, 100 clauses, up to 767
//! nodes a seed).

/// A set of variables, one bit each.
type Bits = Vec<u64>;

fn words(vars: usize) -> usize {
    vars.div_ceil(64)
}

fn bit(var: usize) -> (usize, u64) {
    (var / 64, 1 << (var % 64))
}

/// A clause of the map. Each kind of clause MARCO adds has literals of one polarity only.
#[derive(Clone, Debug)]
enum Clause {
    /// Some variable of the set is true ("some element outside a satisfiable subset",
    /// or a required element).
    SomeIn(Bits),
    /// Some variable of the set is false ("not every element of a MUS").
    NotAllOf(Bits),
}

/// The map: clauses over `vars` variables.
#[derive(Clone, Debug, Default)]
pub(super) struct SeedMap {
    vars: usize,
    clauses: Vec<Clause>,
    /// The decisions (variable, value) on the way to the last seed found, in order.
    last: Vec<(usize, bool)>,
}

/// The search for a seed gave up (see [`SeedMap::next_seed`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct OutOfSteps;

/// How many search nodes one seed may take. MARCO's maps are easy (each clause rules out
/// a block of subsets already explored); this only guards against a pathological case.
const STEPS: usize = 200_000;

/// A partial assignment: the variables set true and those set false, and the order in
/// which they were set (to undo them when the search backtracks).
struct Assignment {
    truths: Bits,
    falsehoods: Bits,
    trail: Vec<usize>,
}

impl Assignment {
    fn set(&mut self, var: usize, value: bool) {
        let (w, b) = bit(var);
        if value {
            self.truths[w] |= b;
        } else {
            self.falsehoods[w] |= b;
        }
        self.trail.push(var);
    }

    /// Unsets every variable set after the trail had `len` entries.
    fn undo(&mut self, len: usize) {
        for var in self.trail.drain(len..) {
            let (w, b) = bit(var);
            self.truths[w] &= !b;
            self.falsehoods[w] &= !b;
        }
    }

    /// The lowest variable below `vars` not set yet.
    fn first_open(&self, vars: usize) -> Option<usize> {
        self.truths.iter().zip(&self.falsehoods).enumerate().find_map(|(w, (t, f))| {
            let open = !(t | f);
            (open != 0).then(|| w * 64 + open.trailing_zeros() as usize).filter(|&var| var < vars)
        })
    }
}

/// What a clause says under a partial assignment.
enum Status {
    Satisfied,
    Violated,
    /// Exactly one variable is open and the clause needs it (set to the polarity).
    Unit(usize),
    Open,
}

impl Clause {
    fn status(&self, a: &Assignment) -> Status {
        let (set, satisfying, other) = match self {
            Clause::SomeIn(set) => (set, &a.truths, &a.falsehoods),
            Clause::NotAllOf(set) => (set, &a.falsehoods, &a.truths),
        };
        if set.iter().zip(satisfying).any(|(s, v)| s & v != 0) {
            return Status::Satisfied;
        }
        // Nothing in the set satisfies the clause: its open variables are those not set
        // the other way.
        let mut unit = None;
        for (w, (s, o)) in set.iter().zip(other).enumerate() {
            let open = s & !o;
            match (open.count_ones(), unit) {
                (0, _) => {}
                (1, None) => unit = Some(w * 64 + open.trailing_zeros() as usize),
                _ => return Status::Open,
            }
        }
        match unit {
            Some(var) => Status::Unit(var),
            None => Status::Violated,
        }
    }

    fn needs(&self) -> bool {
        matches!(self, Clause::SomeIn(_))
    }
}

impl SeedMap {
    pub fn new(vars: usize) -> SeedMap {
        SeedMap { vars, clauses: Vec::new(), last: Vec::new() }
    }

    fn set_of(&self, members: impl IntoIterator<Item = usize>) -> Bits {
        let mut set = vec![0; words(self.vars)];
        for var in members {
            let (w, b) = bit(var);
            set[w] |= b;
        }
        set
    }

    /// Only subsets containing element `i`.
    pub fn require(&mut self, i: usize) {
        let set = self.set_of([i]);
        self.clauses.push(Clause::SomeIn(set));
    }

    /// No superset of this (unsatisfiable) subset.
    pub fn block_up(&mut self, subset: &[usize]) {
        let set = self.set_of(subset.iter().copied());
        self.clauses.push(Clause::NotAllOf(set));
    }

    /// No subset of this (satisfiable) subset.
    pub fn block_down(&mut self, subset: &[usize]) {
        let inside = self.set_of(subset.iter().copied());
        let outside = (0..self.vars).filter(|&i| {
            let (w, b) = bit(i);
            inside[w] & b == 0
        });
        let set = self.set_of(outside);
        self.clauses.push(Clause::SomeIn(set));
    }

    /// An unexplored subset (sorted), with as many elements as the search finds first
    /// (every open variable is tried `true` first); `None` when every subset has been
    /// explored.
    ///
    /// The search resumes where the last one ended. Clauses are only ever added, so a
    /// branch that the last search refuted before it reached its seed (a `true` it had
    /// to give up for `false` on its way) has no model now either: the search follows
    /// the last seed's decisions and skips those branches. It finds the seed a search
    /// from scratch would (the first model in the same order), in a fraction of the
    /// nodes: MARCO asks for seed after seed of one map.
    pub fn next_seed(&mut self) -> Result<Option<Vec<usize>>, OutOfSteps> {
        let empty = vec![0; words(self.vars)];
        let mut assignment = Assignment { truths: empty.clone(), falsehoods: empty, trail: Vec::new() };
        let mut steps = 0;
        let mut path = Vec::new();
        if !self.search(&mut assignment, &mut steps, Some(0), &mut path)? {
            return Ok(None);
        }
        self.last = path;
        let chosen = |&i: &usize| {
            let (w, b) = bit(i);
            assignment.falsehoods[w] & b == 0
        };
        Ok(Some((0..self.vars).filter(chosen).collect()))
    }

    /// Depth-first search with unit propagation, branching on the lowest open variable,
    /// `true` first; on success `assignment` is a model and `path` holds the decisions
    /// that led to it. `on_last` is the depth while every decision so far is the last
    /// seed's (see [`SeedMap::next_seed`]).
    fn search(
        &self,
        assignment: &mut Assignment,
        steps: &mut usize,
        on_last: Option<usize>,
        path: &mut Vec<(usize, bool)>,
    ) -> Result<bool, OutOfSteps> {
        *steps += 1;
        if *steps > STEPS {
            return Err(OutOfSteps);
        }
        let saved = assignment.trail.len();
        if !self.propagate(assignment) {
            assignment.undo(saved);
            return Ok(false);
        }
        let Some(open) = assignment.first_open(self.vars) else {
            return Ok(true);
        };
        // The last search's decision here, if it made the same ones so far.
        let last =
            on_last.and_then(|depth| self.last.get(depth)).filter(|(var, _)| *var == open).map(|d| d.1);
        for value in [true, false] {
            if value && last == Some(false) {
                // Refuted by the last search, and clauses were only added since.
                continue;
            }
            let before = assignment.trail.len();
            assignment.set(open, value);
            path.push((open, value));
            let depth = on_last.filter(|_| last == Some(value)).map(|d| d + 1);
            if self.search(assignment, steps, depth, path)? {
                return Ok(true);
            }
            path.pop();
            assignment.undo(before);
        }
        assignment.undo(saved);
        Ok(false)
    }

    /// Assigns the literals that clauses force; `false` on a violated clause.
    fn propagate(&self, assignment: &mut Assignment) -> bool {
        loop {
            let mut changed = false;
            for clause in &self.clauses {
                match clause.status(assignment) {
                    Status::Satisfied | Status::Open => {}
                    Status::Violated => return false,
                    Status::Unit(var) => {
                        assignment.set(var, clause.needs());
                        changed = true;
                    }
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

    /// The seed is the map's greatest model when subsets are compared as bit strings,
    /// element 0 first and "in" above "out": MARCO's results depend on it, so any
    /// faster search must find the same one.
    fn greatest_model(vars: usize, clauses: &[(bool, Vec<usize>)]) -> Option<Vec<usize>> {
        (0..1u32 << vars)
            .rev()
            .map(|bits| (0..vars).filter(|&i| bits >> (vars - 1 - i) & 1 == 1).collect())
            .find(|model: &Vec<usize>| {
                clauses.iter().all(|(some_in, set)| {
                    if *some_in {
                        set.iter().any(|v| model.contains(v))
                    } else {
                        set.iter().any(|v| !model.contains(v))
                    }
                })
            })
    }

    /// Adds a clause of kind `kind` (0: block up, 1: block down, 2: require the first
    /// member) over `members` (those below the map's size) to the map, and to
    /// `clauses` in `greatest_model`'s terms.
    fn add_clause(map: &mut SeedMap, clauses: &mut Vec<(bool, Vec<usize>)>, kind: u8, members: Vec<usize>) {
        let vars = map.vars;
        let mut set: Vec<usize> = members.into_iter().filter(|&m| m < vars).collect();
        set.sort_unstable();
        set.dedup();
        match kind {
            0 => {
                map.block_up(&set);
                clauses.push((false, set));
            }
            1 => {
                map.block_down(&set);
                clauses.push((true, (0..vars).filter(|i| !set.contains(i)).collect()));
            }
            _ => {
                if let Some(&i) = set.first() {
                    map.require(i);
                    clauses.push((true, vec![i]));
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn the_seed_is_the_greatest_model(
            vars in 0usize..9,
            raw in proptest::collection::vec((0u8..3, proptest::collection::vec(0usize..9, 0..5)), 0..12),
        ) {
            let mut map = SeedMap::new(vars);
            let mut clauses = Vec::new();
            for (kind, members) in raw {
                add_clause(&mut map, &mut clauses, kind, members);
            }
            proptest::prop_assert_eq!(map.next_seed(), Ok(greatest_model(vars, &clauses)));
        }
    }

    proptest::proptest! {
        /// MARCO's use: seed after seed of one map, with clauses added in between (the
        /// search resumes from the last seed's decisions).
        #[test]
        fn each_seed_of_a_growing_map_is_its_greatest_model(
            vars in 0usize..9,
            rounds in proptest::collection::vec(
                proptest::collection::vec((0u8..3, proptest::collection::vec(0usize..9, 0..5)), 0..4),
                1..8,
            ),
        ) {
            let mut map = SeedMap::new(vars);
            let mut clauses = Vec::new();
            for raw in rounds {
                for (kind, members) in raw {
                    add_clause(&mut map, &mut clauses, kind, members);
                }
                let expected = greatest_model(vars, &clauses);
                proptest::prop_assert_eq!(map.next_seed(), Ok(expected.clone()));
                // As MARCO does: the seed is blocked one way or the other.
                if let Some(seed) = expected {
                    let kind = if seed.len() % 2 == 0 { 1 } else { 0 };
                    add_clause(&mut map, &mut clauses, kind, seed);
                }
            }
        }
    }

    #[test]
    fn maps_over_more_than_64_elements_work_across_words() {
        let mut map = SeedMap::new(130);
        map.block_up(&[3, 70, 129]);
        map.block_up(&[64, 65]);
        let seed = map.next_seed().unwrap().unwrap();
        assert_eq!(seed.len(), 128);
        assert!(!seed.contains(&129) && !seed.contains(&65), "the last of each blocked set goes: {seed:?}");
        map.block_down(&seed);
        let next = map.next_seed().unwrap().unwrap();
        assert!(next.contains(&129) || next.contains(&65), "{next:?}");
    }

    #[test]
    fn the_empty_map_over_no_variables_has_the_empty_seed() {
        let mut map = SeedMap::new(0);
        assert_eq!(map.next_seed(), Ok(Some(vec![])));
        map.block_down(&[]);
        assert_eq!(map.next_seed(), Ok(None));
    }
}
