//! Search bounds and the schedule that grows them.
//!
//! Synquid fixes its bounds per run (`-a`, `-m`, `--scrutinee-max`, `-x`, `-e`, `-u`)
//! and needs hand-set values for 29 of its 64 benchmarks. rsynth instead runs a
//! *schedule*: a list of bound settings tried in order, small and cheap first, each with
//! a share of the goal's time. Cheap settings solve the easy goals at once; a setting
//! that exhausts its space quickly hands over to the next. Experts can still pin the
//! bounds (`--bounds`), which makes the schedule a single step.

use std::fmt;
use std::time::Duration;

pub use super::schedule::Step;

/// The bounds of one search.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Bounds {
    /// Maximum application depth of E-terms (Synquid's `-a`).
    pub app_depth: u32,
    /// Maximum application depth of an enumerated match scrutinee.
    pub scrutinee_depth: u32,
    /// Maximum nesting of `match` (Synquid's `-m`); 0 disables matches.
    pub match_depth: u32,
    /// Maximum nesting of auxiliary goals for higher-order arguments (`-x`).
    pub aux_depth: u32,
    /// Whether matches are abduced from the base case of an argument (off is Synquid's
    /// `-e`: matches only by scrutinee enumeration).
    pub abduce_scrutinees: bool,
    /// Whether variables bound by a case can be scrutinized by match abduction (`-u`).
    pub unfold_locals: bool,
}

impl Default for Bounds {
    /// Synquid's defaults.
    fn default() -> Bounds {
        Bounds {
            app_depth: 3,
            scrutinee_depth: 1,
            match_depth: 2,
            aux_depth: 1,
            abduce_scrutinees: true,
            unfold_locals: false,
        }
    }
}

impl fmt::Display for Bounds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "app depth {}, match depth {}, scrutinee depth {}, aux depth {}{}{}",
            self.app_depth,
            self.match_depth,
            self.scrutinee_depth,
            self.aux_depth,
            if self.abduce_scrutinees { "" } else { ", no match abduction" },
            if self.unfold_locals { ", case binders unfolded" } else { "" },
        )
    }
}

/// How to search for one goal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynthConfig {
    /// The bound settings to run (see `schedule`); one step runs alone, unbudgeted.
    pub steps: Vec<Step>,
    /// The units of work a lane runs at a time past its head start (see `schedule`):
    /// short enough that a lane waits little for a thread and stops soon after it gets
    /// past a solution, long enough that pausing (two thread switches) costs nothing
    /// noticeable.
    pub slice: u64,
    /// How many steps may run at once.
    pub threads: usize,
    /// The time limit of the whole goal.
    pub timeout: Duration,
    /// Print every candidate checked to stderr (a developer's trace: `--trace`).
    pub trace: bool,
    /// Print each lane's work (units, as the schedule counts them) and time to stderr
    /// as it goes (a developer's trace: `--trace-work`, see `work_trace`).
    pub trace_work: bool,
}

impl SynthConfig {
    /// A configuration that runs exactly these bounds (the experts' flags).
    pub fn pinned(bounds: Bounds) -> SynthConfig {
        SynthConfig { steps: vec![Step { bounds, weight: 1, head_start: 0 }], ..SynthConfig::default() }
    }
}

impl Default for SynthConfig {
    /// The one configuration: three settings, as a portfolio around Synquid's defaults,
    /// on two threads, in this order: Synquid's default bounds; the smallest setting
    /// (`app depth 2, match depth 1`, matches by scrutinee enumeration only); and
    /// deeper matches with smaller applications (`app depth 2, match depth 3`), the
    /// settings of Synquid's per-problem flags.
    ///
    /// The weights and head starts favour the smallest setting: its space is small, so
    /// it either finds a program soon or is exhausted soon (within 1.5 s on every suite
    /// problem), the goals only it solves (or solves fastest) are among the costliest,
    /// and its units of work are the cheapest (mostly cached queries: 13–25 a
    /// millisecond, against 5–10 under Synquid's defaults), so a weight of 8 (four
    /// times lane 0's units) gives it about one and a half times lane 0's time.
    /// Synquid's defaults come first, with a head start of 2 000 units (up to a few
    /// hundred milliseconds), so that the many goals they solve there are answered
    /// without waiting for another lane; the smallest setting comes second, with a head
    /// start of 8 000 units (its weight's worth of the same), so that a program it
    /// finds there waits only for lane 0's. The deeper matches come last, with none:
    /// they answer few goals first, and a head start would hold up every answer found
    /// past the others'. Chosen from the suite run setting by setting, and the weights
    /// and head starts by replaying each setting's recorded progress on every goal
    /// under candidate schedules, then timing the best; see `docs/benchmarks.md`.
    fn default() -> SynthConfig {
        let synquid = Bounds::default();
        let step = |bounds: Bounds, weight: u64, head_start: u64| Step { bounds, weight, head_start };
        SynthConfig {
            steps: vec![
                step(synquid, 2, 2_000),
                step(Bounds { app_depth: 2, match_depth: 1, abduce_scrutinees: false, ..synquid }, 8, 8_000),
                step(Bounds { app_depth: 2, match_depth: 3, ..synquid }, 1, 0),
            ],
            slice: 500,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()).min(2),
            timeout: Duration::from_secs(120),
            trace: false,
            trace_work: false,
        }
    }
}
