//! What a program becomes, decided once for both targets: the goals lowered to the
//! IR, the components each goal uses and whether each is derived from its refinement
//! or left to the caller, and which goals need the caller's components.

use std::collections::{BTreeMap, BTreeSet};

use super::EmitError;
use super::ir::{Function, lower_function};
use super::spec::{ComponentPlan, Executable, intrinsic_triviality, plan_component};
use crate::logic::Symbol;
use crate::resolve::{Component, Program};

pub struct Plan<'p> {
    pub program: &'p Program,
    pub exec: Executable,
    /// Datatypes whose walk is trivially true when its arguments are.
    pub intrinsic: BTreeMap<Symbol, bool>,
    /// The goals, lowered, in file order.
    pub functions: Vec<Function>,
    /// The components the goals use (transitively), in file order, with their plan.
    pub components: Vec<(&'p Component, ComponentPlan)>,
    /// Goals that call an abstract component, directly or through other goals.
    pub needs_components: BTreeSet<Symbol>,
}

impl<'p> Plan<'p> {
    pub fn new(program: &'p Program) -> Result<Plan<'p>, EmitError> {
        let exec = Executable::of(program);
        let intrinsic = intrinsic_triviality(program, &exec);
        let mut functions = Vec::new();
        for goal in &program.goals {
            let f = lower_function(program, goal.name, &goal.schema, &goal.body)
                .map_err(|e| e.in_goal(goal.name))?;
            functions.push(f);
        }
        let goal_names: BTreeSet<Symbol> = program.goals.iter().map(|g| g.name).collect();
        let mut used: BTreeSet<Symbol> = BTreeSet::new();
        for f in &functions {
            for g in f.body.globals() {
                if !goal_names.contains(&g) {
                    used.insert(g);
                }
            }
        }
        let components: Vec<(&Component, ComponentPlan)> = program
            .components
            .iter()
            .filter(|c| used.contains(&c.name) && !goal_names.contains(&c.name))
            .map(|c| (c, plan_component(&exec, c)))
            .collect();
        let abstract_names: BTreeSet<Symbol> = components
            .iter()
            .filter(|(_, p)| matches!(p, ComponentPlan::Abstract { .. }))
            .map(|(c, _)| c.name)
            .collect();
        let mut needs_components: BTreeSet<Symbol> = BTreeSet::new();
        loop {
            let before = needs_components.len();
            for f in &functions {
                if f.body.globals().iter().any(|g| abstract_names.contains(g) || needs_components.contains(g))
                {
                    needs_components.insert(f.name);
                }
            }
            if needs_components.len() == before {
                break;
            }
        }
        Ok(Plan { program, exec, intrinsic, functions, components, needs_components })
    }

    pub fn component_plan(&self, name: Symbol) -> Option<&ComponentPlan> {
        self.components.iter().find(|(c, _)| c.name == name).map(|(_, p)| p)
    }

    pub fn is_goal(&self, name: Symbol) -> bool {
        self.functions.iter().any(|f| f.name == name)
    }

    /// Whether a goal calls itself, directly or through other goals.
    pub fn is_recursive(&self, goal: Symbol) -> bool {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<Symbol> = self.callees(goal);
        while let Some(g) = todo.pop() {
            if g == goal {
                return true;
            }
            if seen.insert(g) {
                todo.extend(self.callees(g));
            }
        }
        false
    }

    fn callees(&self, goal: Symbol) -> Vec<Symbol> {
        self.functions
            .iter()
            .find(|f| f.name == goal)
            .map(|f| f.body.globals().into_iter().filter(|g| self.is_goal(*g)).collect())
            .unwrap_or_default()
    }

    pub fn abstract_components(&self) -> impl Iterator<Item = &'p Component> + '_ {
        self.components.iter().filter(|(_, p)| matches!(p, ComponentPlan::Abstract { .. })).map(|(c, _)| *c)
    }
}
