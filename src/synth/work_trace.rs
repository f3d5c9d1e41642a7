//! A developer's record of a search's work over time (`rsynth fill --trace-work`): every
//! [`EVERY`] units of work, as the schedule counts them (candidates plus SMT work, see
//! `schedule`), a line on stderr with the lane, the units and the microseconds since
//! the search began; then how the search ended. Run under each setting alone, such
//! records let schedules be replayed offline, which is how the schedule's shares were
//! chosen (`docs/benchmarks.md`).

use std::time::Instant;

use crate::logic::Symbol;

/// Units of work between two lines.
const EVERY: u64 = 25;

/// The record of one search (one goal, one lane).
#[derive(Debug)]
pub(crate) struct WorkTrace {
    goal: Symbol,
    lane: usize,
    started: Instant,
    /// The work at which the next line is due.
    next: u64,
}

impl WorkTrace {
    pub fn new(goal: Symbol, lane: usize) -> WorkTrace {
        WorkTrace { goal, lane, started: Instant::now(), next: 0 }
    }

    /// Called before each candidate, with the search's work so far.
    pub fn at(&mut self, work: u64) {
        if work >= self.next {
            eprintln!("work {} {} {work} {}", self.goal, self.lane, self.started.elapsed().as_micros());
            self.next = work + EVERY;
        }
    }

    /// The last line: the work and time at the end, and how the search ended.
    pub fn end(&self, work: u64, how: &str) {
        let micros = self.started.elapsed().as_micros();
        eprintln!("work-end {} {} {work} {micros} {how}", self.goal, self.lane);
    }
}
