//! What the search knows at a program point besides the typing environment.

use imbl::{OrdSet, Vector};

use super::prog::Prog;
use crate::logic::{Formula, Symbol};
use crate::types::{BaseType, Env, RType};

/// The environment of a hole being filled, with the search's bookkeeping: which
/// variables match abduction may scrutinize, which scrutinees this path has already
/// matched on, and how many more matches and auxiliary goals it may nest.
#[derive(Clone, Debug)]
pub(crate) struct Scope {
    pub env: Env,
    /// Datatype variables that match abduction may scrutinize: the goal's arguments
    /// (Synquid's "unfolded" variables), and case binders when the bounds say so.
    pub unfolded: OrdSet<Symbol>,
    /// Scrutinees matched on along this path.
    pub scrutinized: Vector<Prog>,
    pub matches_left: u32,
    pub aux_left: u32,
}

impl Scope {
    pub fn new(env: Env, matches_left: u32, aux_left: u32) -> Scope {
        Scope { env, unfolded: OrdSet::new(), scrutinized: Vector::new(), matches_left, aux_left }
    }

    /// Adds a fact that holds here.
    #[must_use]
    pub fn assume(&self, fact: Formula) -> Scope {
        Scope { env: self.env.assume(fact), ..self.clone() }
    }

    /// Binds a variable; `unfold` makes it a potential scrutinee.
    #[must_use]
    pub fn bind(&self, name: Symbol, ty: RType, unfold: bool) -> Scope {
        let mut scope = Scope { env: self.env.bind(name, ty), ..self.clone() };
        if unfold {
            scope.unfolded.insert(name);
        }
        scope
    }

    /// Binds ghosts (values of non-variable terms, named only in the logic).
    #[must_use]
    pub fn with_ghosts(&self, ghosts: &[(Symbol, RType)]) -> Scope {
        if ghosts.is_empty() {
            return self.clone();
        }
        let env = ghosts.iter().fold(self.env.clone(), |env, (g, t)| env.bind_ghost(*g, t.clone()));
        Scope { env, ..self.clone() }
    }

    #[must_use]
    pub fn scrutinize(&self, scrutinee: Prog) -> Scope {
        let mut scope = self.clone();
        scope.scrutinized.push_back(scrutinee);
        scope
    }

    /// The unfolded datatype variables not matched on yet, with their (resolved) types.
    pub fn potential_scrutinees(&self, resolve: impl Fn(&RType) -> RType) -> Vec<(Symbol, RType)> {
        self.unfolded
            .iter()
            .filter(|x| !self.scrutinized.contains(&Prog::Var(**x)))
            .filter_map(|x| {
                let ty = resolve(self.env.local(*x)?);
                matches!(ty, RType::Scalar { base: BaseType::Data { .. }, .. }).then_some((*x, ty))
            })
            .collect()
    }
}
