//! A developer's record of a search's work over time (`rsynth fill --trace-work`): every
//! [`EVERY`] units of work, as the schedule counts them (candidates plus SMT work, see
//! `schedule`), a line on stderr with the lane, the units and the microseconds since
//! the search began; then how the search ended. Run under each setting alone, such
//! records let schedules be replayed offline, which is how the schedule's shares were
//! chosen (`docs/benchmarks.md`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use crate::logic::Symbol;

/// Units of work between two lines.
const EVERY: u64 = 25;

/// The record of one search (one goal, one lane).
#[derive(Debug)]
pub(crate) struct WorkTrace {
    goal: Symbol,
    lane: usize,
    /// The SMT work the search asked for (its lane's meter).
    meter: Arc<AtomicU64>,
    started: Instant,
    /// The work at which the next line is due.
    next: u64,
}

impl WorkTrace {
    pub fn new(goal: Symbol, lane: usize, meter: Arc<AtomicU64>) -> WorkTrace {
        WorkTrace { goal, lane, meter, started: Instant::now(), next: 0 }
    }

    fn work(&self, candidates: u64) -> u64 {
        candidates + self.meter.load(Ordering::Relaxed)
    }

    /// Called before each candidate, with the candidates so far.
    pub fn at(&mut self, candidates: u64) {
        let work = self.work(candidates);
        if work >= self.next {
            eprintln!("work {} {} {work} {}", self.goal, self.lane, self.started.elapsed().as_micros());
            self.next = work + EVERY;
        }
    }

    /// The last line: the work and time at the end, and how the search ended.
    pub fn end(&self, candidates: u64, how: &str) {
        let (work, micros) = (self.work(candidates), self.started.elapsed().as_micros());
        eprintln!("work-end {} {} {work} {micros} {how}", self.goal, self.lane);
    }
}
