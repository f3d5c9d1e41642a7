//! Synthesis: filling a goal's holes with programs that provably meet its type.
//!
//! The goal's body (a single `??`, or a template with holes) is first checked by the
//! liquid type checker, which records each hole with its environment and type and
//! returns the typing state reached. The search (`search`, `enumerate`) then fills the
//! holes one after the other from that state, calling the checker's operations on every
//! partial program it builds (round-trip checking). A complete program is verified once
//! more, from scratch, by the checker before it is accepted; if that fails the search
//! simply goes on.
//!
//! Bounds are not a user's problem: [`SynthConfig::schedule`] lists bound settings tried
//! in turn within the goal's time limit (see `config`).

pub mod config;
mod context;
mod enumerate;
mod ledger;
pub mod prog;
mod schedule;
mod scope;
mod search;
mod symmetry;
mod work_trace;

use std::sync::Arc;
use std::time::{Duration, Instant};

pub use config::{Bounds, Step, SynthConfig};
pub use context::DeadEnd;
use prog::Prog;
pub use schedule::{Deliver, LaneThreads, on_search_stack, on_search_stack_then};
use schedule::{LaneEnd, LaneRun};
use scope::Scope;
pub use search::{CancelFlag, SearchStats};
use search::{Explorer, Flow, State, Stop};
use work_trace::WorkTrace;

use crate::logic::SmtSolver;
use crate::resolve::{GoalDef, Program};
use crate::syntax::ast::{Term, TermKind};
use crate::types::check::{Hole, TypeError, check_goal, check_template};

/// A filled goal.
#[derive(Debug, Clone)]
pub struct Solution {
    /// The goal's body with every hole filled; verified by the checker.
    pub body: Term,
    /// Size of the synthesized code in AST nodes.
    pub size: usize,
    /// The bounds under which it was found.
    pub bounds: Bounds,
    pub stats: SearchStats,
    pub elapsed: Duration,
}

/// Why a goal was not filled.
#[derive(Debug, Clone)]
pub enum Failure {
    /// The goal's body (a template) does not type-check, holes aside.
    Template(TypeError),
    /// Every bound setting of the schedule was searched without success; `closest` is
    /// the largest partial program met whose open hole admitted no term.
    Exhausted {
        stats: SearchStats,
        bounds: Vec<Bounds>,
        closest: Option<Box<DeadEnd>>,
    },
    /// The time limit was reached.
    Timeout {
        stats: SearchStats,
        bounds: Bounds,
        closest: Option<Box<DeadEnd>>,
    },
    Cancelled {
        stats: SearchStats,
    },
}

impl Failure {
    /// What to tell the user about goal `name`: one line, then, when the search got
    /// somewhere, the closest partial program and what its open hole required.
    pub fn explain(&self, name: impl std::fmt::Display, timeout: Duration) -> String {
        let (headline, closest) = match self {
            Failure::Template(_) => (format!("{name}: the template does not type-check"), None),
            Failure::Exhausted { stats, closest, .. } => (
                format!(
                    "{name}: no solution: every program within the search bounds was searched ({} candidates)",
                    stats.candidates
                ),
                closest.as_ref(),
            ),
            Failure::Timeout { stats, closest, .. } => (
                format!(
                    "{name}: no solution found in the time limit of {}s ({} candidates searched)",
                    timeout.as_secs_f64(),
                    stats.candidates
                ),
                closest.as_ref(),
            ),
            Failure::Cancelled { .. } => (format!("{name}: cancelled"), None),
        };
        let Some(closest) = closest else { return headline };
        let indent = |text: &str| text.lines().map(|l| format!("      {l}")).collect::<Vec<_>>().join("\n");
        let mut out = format!(
            "{headline}\n  the closest partial program:\n{}\n  no term fits its hole `??` of type\n{}",
            indent(&format!("{name} = {}", closest.program)),
            indent(&closest.goal)
        );
        if !closest.facts.is_empty() {
            out.push_str(&format!("\n  where {}", closest.facts.join(", ")));
        }
        out
    }
}

/// Fills every hole of `goal`. Runs on a search-sized stack (see [`on_search_stack`]).
pub fn synthesize(
    program: &Program,
    goal: &GoalDef,
    smt: &SmtSolver,
    config: &SynthConfig,
    cancel: &CancelFlag,
) -> Result<Solution, Failure> {
    on_search_stack(|| LaneThreads::with(|lanes| synthesize_on(program, goal, smt, config, cancel, lanes)))
}

/// Fills every hole of `goal`, on the current thread (which must have a search-sized
/// stack, see [`on_search_stack`]) and `lanes`.
pub fn synthesize_on<'env>(
    program: &'env Program,
    goal: &'env GoalDef,
    smt: &'env SmtSolver,
    config: &'env SynthConfig,
    cancel: &'env CancelFlag,
    lanes: &LaneThreads<'_, 'env>,
) -> Result<Solution, Failure> {
    let started = Instant::now();
    let deadline = started + config.timeout;
    // A template that does not check is the user's error, whatever the bounds.
    check_template(program, goal, smt).map_err(Failure::Template)?;
    let solved = |body: Term, bounds: Bounds, stats: SearchStats| {
        let size = term_size(&body);
        Solution { body, size, bounds, stats, elapsed: started.elapsed() }
    };
    if let [step] = config.steps.as_slice() {
        let (result, stats, closest) = search_with(program, goal, smt, config, 0, deadline, cancel, None);
        let closest = closest.map(Box::new);
        return match result {
            Ok(body) => Ok(solved(body, step.bounds, stats)),
            Err(Stop::Cancelled) => Err(Failure::Cancelled { stats }),
            Err(Stop::Timeout) => Err(Failure::Timeout { stats, bounds: step.bounds, closest }),
            Err(Stop::Found | Stop::Cut) => {
                Err(Failure::Exhausted { stats, bounds: vec![step.bounds], closest })
            }
        };
    }
    let run: LaneRun<'env, Term> = Arc::new(move |lane, budget| {
        let (result, stats, closest) =
            search_with(program, goal, smt, config, lane, deadline, cancel, Some(budget));
        let end = match result {
            Ok(body) => LaneEnd::Found(body, stats.candidates),
            Err(Stop::Found | Stop::Cut) => LaneEnd::Exhausted,
            Err(Stop::Timeout | Stop::Cancelled) => LaneEnd::Stopped,
        };
        (end, stats, closest)
    });
    let (end, lane_stats, dead_ends) = schedule::run_lanes(
        &config.steps,
        config.slice,
        config.threads,
        deadline,
        &|| cancel.is_cancelled(),
        run,
        lanes,
    );
    let mut stats = SearchStats::default();
    lane_stats.iter().for_each(|s| stats.add(s));
    // The closest of all lanes: the largest partial program (the earliest lane's among
    // equals).
    let closest =
        dead_ends.into_iter().reduce(|best, d| if d.size > best.size { d } else { best }).map(Box::new);
    match end {
        LaneEnd::Found((body, lane), _) => Ok(solved(body, config.steps[lane].bounds, stats)),
        LaneEnd::Exhausted => Err(Failure::Exhausted {
            stats,
            bounds: config.steps.iter().map(|s| s.bounds).collect(),
            closest,
        }),
        LaneEnd::Stopped if cancel.is_cancelled() => Err(Failure::Cancelled { stats }),
        LaneEnd::Stopped => Err(Failure::Timeout { stats, bounds: config.steps[0].bounds, closest }),
    }
}

/// One search under fixed bounds: the verified body, or why it stopped (`Stop::Cut`
/// for an exhausted space), and the search's statistics.
#[allow(clippy::too_many_arguments)]
fn search_with(
    program: &Program,
    goal: &GoalDef,
    smt: &SmtSolver,
    config: &SynthConfig,
    lane: usize,
    deadline: Instant,
    cancel: &CancelFlag,
    budget: Option<schedule::Budget>,
) -> (Result<Term, Stop>, SearchStats, Option<DeadEnd>) {
    let bounds = config.steps[lane].bounds;
    // A budgeted lane measures its work on its own meter, and so does a search whose
    // work is traced (its own MUS memory too, as a lane's).
    let (metered, meter) = if budget.is_some() || config.trace_work {
        let (smt, meter) = smt.with_meter();
        (smt, Some(meter))
    } else {
        (smt.clone(), None)
    };
    let smt = &metered;
    // The search's own checks leave out premises irrelevant to their conclusions (a
    // missed proof only rejects a candidate); a program found is verified with whole
    // queries below, as every verdict is.
    let searching = metered.with_slicing();
    let (typing, holes) = match check_template(program, goal, &searching) {
        Ok(checked) => checked,
        Err(_) => return (Err(Stop::Cut), SearchStats::default(), None),
    };
    let state = State { typing, uses: Default::default(), aux: Default::default() };
    let recursive = Some(goal.schema.ty.clone());
    let mut explorer = Explorer::new(program, goal, bounds, deadline, cancel.clone(), recursive);
    explorer.trace = config.trace;
    if config.trace_work {
        explorer.work_trace = Some(WorkTrace::new(goal.name, lane));
    }
    explorer.budget = budget;
    explorer.meter = meter;
    let mut found: Option<Term> = None;
    let flow = fill(&mut explorer, state, &holes, Vec::new(), &mut |ex, _, fillings| {
        let body = substitute_holes(&goal.body, &holes, &fillings, goal.offset);
        let candidate = GoalDef { body: body.clone(), ..goal.clone() };
        match check_goal(program, &candidate, smt) {
            Ok(checked) if checked.holes.is_empty() => {
                found = Some(body);
                Flow::Break(Stop::Found)
            }
            _ => {
                ex.stats.rejected += 1;
                Flow::Continue(())
            }
        }
    });
    let result = match (flow, found) {
        (_, Some(body)) => Ok(body),
        (Flow::Break(stop), None) => Err(stop),
        (Flow::Continue(()), None) => Err(Stop::Cut),
    };
    if let (Some(trace), Some(work)) = (&explorer.work_trace, explorer.work()) {
        let end = match &result {
            Ok(_) => "found",
            Err(Stop::Found | Stop::Cut) => "exhausted",
            Err(Stop::Timeout) => "timeout",
            Err(Stop::Cancelled) => "stopped",
        };
        trace.end(work, end);
    }
    (result, explorer.stats, explorer.dead_end)
}

/// Fills `holes` in order, each from the state the previous filling left.
fn fill<'p>(
    ex: &mut Explorer<'p>,
    st: State<'p>,
    holes: &[Hole],
    done: Vec<Prog>,
    k: &mut dyn FnMut(&mut Explorer<'p>, State<'p>, Vec<Prog>) -> Flow,
) -> Flow {
    let Some((hole, rest)) = holes.split_first() else { return k(ex, st, done) };
    let mut scope = Scope::new(hole.env.clone(), ex.bounds.match_depth, ex.bounds.aux_depth);
    // In a template, the variables bound so far are the ones match abduction may use.
    scope.unfolded = hole.env.locals().map(|(n, _)| n).filter(|n| !hole.env.is_ghost(*n)).collect();
    ex.generate_hole(st, &scope, &hole.ty, &mut |ex, st, p| {
        let mut done = done.clone();
        done.push(p);
        fill(ex, st, rest, done, k)
    })
}

/// The body with each hole replaced by its filling (holes are identified by their
/// absolute spans, as the checker recorded them).
fn substitute_holes(body: &Term, holes: &[Hole], fillings: &[Prog], offset: u32) -> Term {
    let mut out = body.clone();
    replace_holes(&mut out, holes, fillings, offset);
    out
}

fn replace_holes(t: &mut Term, holes: &[Hole], fillings: &[Prog], offset: u32) {
    let filling = |hole: &Term| {
        let span = hole.span.absolute(offset);
        holes.iter().position(|h| h.span == span).and_then(|i| fillings.get(i))
    };
    if let TermKind::Hole = t.kind {
        if let Some(p) = filling(t) {
            *t = p.to_term();
        }
        return;
    }
    let go = |child: &mut Term| replace_holes(child, holes, fillings, offset);
    match &mut t.kind {
        TermKind::App { head, args } => {
            args.iter_mut().for_each(go);
            // A hole applied to arguments, filled by a lambda: the lambda's body with
            // its parameters replaced by the arguments (`?? y` filled by
            // `\x1 . inc x1` is `inc y`), since the checker takes no lambda in
            // function position. The parameters' names are fresh in the hole's scope,
            // where the arguments' variables live, so nothing is captured.
            if let TermKind::Hole = head.kind
                && let Some(filling) = filling(head)
            {
                let mut p = filling;
                let mut params = Vec::new();
                while let (Prog::Lambda(x, body), true) = (p, params.len() < args.len()) {
                    params.push(*x);
                    p = body;
                }
                if params.len() == args.len() {
                    let span = t.span;
                    let mut body = p.to_term();
                    for (x, arg) in params.iter().zip(args.iter()) {
                        body.replace_var(x.as_str(), arg);
                    }
                    *t = body;
                    t.span = span;
                    return;
                }
            }
            go(head);
        }
        _ => t.children_mut().into_iter().for_each(go),
    }
}

/// The size of a term in AST nodes, counted as [`Prog::size`] counts them.
pub fn term_size(t: &Term) -> usize {
    match &t.kind {
        TermKind::Var(_) | TermKind::Ctor(_) | TermKind::Int(_) | TermKind::Bool(_) | TermKind::Error => 1,
        TermKind::Hole => 0,
        TermKind::App { head, args } => {
            term_size(head) + args.iter().map(|a| 1 + term_size(a)).sum::<usize>()
        }
        TermKind::Unary(_, a) => 2 + term_size(a),
        TermKind::Annot { term, .. } => term_size(term),
        TermKind::Lambda { body, .. } => 1 + term_size(body),
        TermKind::Binary(_, a, b) => 3 + term_size(a) + term_size(b),
        TermKind::Let { value, body, .. } => 1 + term_size(value) + term_size(body),
        TermKind::If { cond, then_branch, else_branch } => {
            1 + term_size(cond) + term_size(then_branch) + term_size(else_branch)
        }
        TermKind::Match { scrutinee, cases } => {
            1 + term_size(scrutinee) + cases.iter().map(|c| term_size(&c.body)).sum::<usize>()
        }
        TermKind::List(items) => 1 + items.iter().map(|i| 2 + term_size(i)).sum::<usize>(),
    }
}
