//! Running several bound settings for one goal: budgets in rounds, on parallel lanes,
//! with a deterministic answer.
//!
//! Each [`Step`] of the schedule is a *lane*: one search under fixed bounds, on its own
//! thread. A lane runs only while it has budget, counted in units of work: candidates
//! checked plus the SMT work they asked for (not in seconds, so that the outcome does
//! not depend on the machine's speed or load). The coordinator hands out budget in
//! rounds: in round `r`, every live lane gets `initial × 2^r × weight` more units, lanes
//! in schedule order. A lane that uses
//! up its budget *pauses* (its thread blocks in the middle of the search) and resumes
//! where it was when it gets more, so no work is thrown away; a lane that exhausts its
//! space drops out. Up to `threads` lanes run at once.
//!
//! **Determinism.** Every grant has a position `(round, lane)`. A lane's search is
//! deterministic, so the number of candidates after which it finds its program, and
//! hence the grant during which it does, is fixed. The answer is the solution found at
//! the earliest position, and the coordinator waits for every earlier grant to finish
//! before it answers: parallel lanes change how fast the answer comes, never which it is.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::config::Bounds;
use super::context::DeadEnd;
use super::search::SearchStats;

/// One entry of a schedule: bounds, and the share of each round's budget they get.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    pub bounds: Bounds,
    pub weight: u64,
}

/// How a lane ended.
#[derive(Debug)]
pub(crate) enum LaneEnd<T> {
    /// A verified solution, found after this many candidates.
    Found(T, u64),
    /// The lane's space is exhausted.
    Exhausted,
    /// Time ran out, or the search was cancelled (by the user or the coordinator).
    Stopped,
}

#[derive(Debug, Default)]
struct LaneSlot {
    /// The work the lane may do before it pauses.
    limit: u64,
    /// Whether the lane is working on a grant (as opposed to paused or not started).
    running: bool,
    started: bool,
    finished: bool,
    /// Rounds granted so far.
    rounds: u32,
    stats: SearchStats,
}

#[derive(Debug, Default)]
struct Board {
    lanes: Vec<LaneSlot>,
    /// Set when the coordinator has its answer: every lane stops.
    stop: bool,
}

/// What the coordinator and the lanes share.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    board: Mutex<Board>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Board> {
        self.board.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A lane's handle on the budget, held by its explorer.
#[derive(Clone, Debug)]
pub(crate) struct Budget {
    shared: Arc<Shared>,
    lane: usize,
}

impl Budget {
    /// Called with the lane's work so far: returns at once while there is budget,
    /// otherwise pauses until more is granted. `false` means the lane must stop.
    pub fn proceed(&self, work: u64, stats: &SearchStats) -> bool {
        let mut board = self.shared.lock();
        if board.stop {
            return false;
        }
        if work < board.lanes[self.lane].limit {
            return true;
        }
        board.lanes[self.lane].running = false;
        board.lanes[self.lane].stats = *stats;
        self.shared.changed.notify_all();
        loop {
            if board.stop {
                return false;
            }
            if work < board.lanes[self.lane].limit {
                board.lanes[self.lane].running = true;
                return true;
            }
            board = self.shared.changed.wait(board).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }
}

/// Runs the lanes and returns the solution at the earliest position (or how they all
/// ended), with every lane's statistics. `run(lane, budget)` runs lane `lane`'s search
/// to its end, asking `budget` before each candidate.
///
/// Lane 0 runs on the calling thread, which must have a search-sized stack (see
/// [`on_search_stack`]): a goal that lane 0 solves within its first grant never starts
/// another thread, and so never pays for another Z3 context (about 20 ms each). The
/// coordinator runs on a small thread of its own; the other lanes get threads when
/// they first get budget, which is not before lane 0 has paused or run for a while.
pub(crate) fn run_lanes<T: Send>(
    steps: &[Step],
    initial: u64,
    threads: usize,
    deadline: Instant,
    cancelled: &(dyn Fn() -> bool + Sync),
    run: &(dyn Fn(usize, Budget) -> (LaneEnd<T>, SearchStats, Option<DeadEnd>) + Sync),
) -> (LaneEnd<(T, usize)>, Vec<SearchStats>, Vec<DeadEnd>) {
    let shared = Arc::new(Shared::default());
    {
        let mut board = shared.lock();
        board.lanes = steps.iter().map(|_| LaneSlot::default()).collect();
        // Lane 0's first grant, given before it starts.
        let first = &mut board.lanes[0];
        first.limit = initial.saturating_mul(steps[0].weight.max(1));
        first.rounds = 1;
        first.running = true;
        first.started = true;
    }
    let results: Mutex<Vec<Option<LaneEnd<T>>>> = Mutex::new(steps.iter().map(|_| None).collect());
    let dead_ends: Mutex<Vec<DeadEnd>> = Mutex::new(Vec::new());
    let threads = threads.max(1);
    let finish = |lane: usize, end: LaneEnd<T>, stats: SearchStats, dead_end: Option<DeadEnd>| {
        if let Ok(mut r) = results.lock() {
            r[lane] = Some(end);
        }
        if let (Some(d), Ok(mut all)) = (dead_end, dead_ends.lock()) {
            all.push(d);
        }
        let mut board = shared.lock();
        let slot = &mut board.lanes[lane];
        slot.finished = true;
        slot.running = false;
        slot.stats = stats;
        shared.changed.notify_all();
    };
    let answer = std::thread::scope(|scope| {
        let coordinator =
            std::thread::Builder::new().name("rsynth-schedule".into()).spawn_scoped(scope, || {
                coordinate(steps, initial, threads, deadline, cancelled, &shared, &results, &|lane| {
                    let budget = Budget { shared: Arc::clone(&shared), lane };
                    std::thread::Builder::new()
                        .name(format!("rsynth-lane-{lane}"))
                        .stack_size(SEARCH_STACK)
                        .spawn_scoped(scope, move || {
                            let _on_stack = SearchStack::enter();
                            let (end, stats, dead_end) = run(lane, budget);
                            finish(lane, end, stats, dead_end);
                        })
                        .is_ok()
                })
            });
        let (end, stats, dead_end) = run(0, Budget { shared: Arc::clone(&shared), lane: 0 });
        finish(0, end, stats, dead_end);
        match coordinator {
            Ok(handle) => handle.join().unwrap_or(LaneEnd::Stopped),
            Err(_) => LaneEnd::Stopped,
        }
    });
    let stats = shared.lock().lanes.iter().map(|s| s.stats).collect();
    (answer, stats, dead_ends.into_inner().unwrap_or_else(|p| p.into_inner()))
}

/// The coordinator: hands out grants and decides when the answer is known.
#[allow(clippy::too_many_arguments)]
fn coordinate<T>(
    steps: &[Step],
    initial: u64,
    threads: usize,
    deadline: Instant,
    cancelled: &(dyn Fn() -> bool + Sync),
    shared: &Shared,
    results: &Mutex<Vec<Option<LaneEnd<T>>>>,
    start_lane: &dyn Fn(usize) -> bool,
) -> LaneEnd<(T, usize)> {
    let began = Instant::now();
    let mut board = shared.lock();
    loop {
        // The best solution recorded so far, by position.
        let found: Option<(u32, usize)> = {
            let r = results.lock().unwrap_or_else(|p| p.into_inner());
            (0..steps.len())
                .filter(|&i| matches!(r[i], Some(LaneEnd::Found(..))))
                .map(|i| (board.lanes[i].rounds.saturating_sub(1), i))
                .min()
        };
        // Lanes that could still answer earlier than `found`: not finished, and with a
        // grant before that position either running or not yet given.
        let may_precede = |i: usize, board: &Board| {
            let slot = &board.lanes[i];
            if slot.finished {
                return false;
            }
            match found {
                None => true,
                Some(best) => {
                    let current = (slot.rounds.saturating_sub(1), i);
                    let next = (slot.rounds, i);
                    (slot.running && current < best) || next < best
                }
            }
        };
        if let Some(best) = found
            && !(0..steps.len()).any(|i| may_precede(i, &board))
        {
            board.stop = true;
            shared.changed.notify_all();
            drop(board);
            let end = results.lock().unwrap_or_else(|p| p.into_inner())[best.1].take();
            return match end {
                Some(LaneEnd::Found(t, n)) => LaneEnd::Found((t, best.1), n),
                _ => LaneEnd::Stopped,
            };
        }
        if board.lanes.iter().all(|s| s.finished) {
            let r = results.lock().unwrap_or_else(|p| p.into_inner());
            let all_exhausted = r.iter().all(|e| matches!(e, Some(LaneEnd::Exhausted)));
            return if all_exhausted { LaneEnd::Exhausted } else { LaneEnd::Stopped };
        }
        if cancelled() || Instant::now() >= deadline {
            board.stop = true;
            shared.changed.notify_all();
            return LaneEnd::Stopped;
        }
        // Grant: the idle lane with the earliest next position, while threads are free
        // and the grant could still matter. A second thread only once lane 0 has paused
        // or has run for a while: most goals never need one.
        let warm = !board.lanes[0].running || began.elapsed() >= SECOND_THREAD_AFTER;
        loop {
            let running = board.lanes.iter().filter(|s| s.running).count();
            if running >= threads || (running >= 1 && !warm) {
                break;
            }
            let next = (0..steps.len())
                .filter(|&i| !board.lanes[i].finished && !board.lanes[i].running)
                .filter(|&i| found.is_none_or(|best| (board.lanes[i].rounds, i) < best))
                .min_by_key(|&i| (board.lanes[i].rounds, i));
            let Some(i) = next else { break };
            let round = board.lanes[i].rounds;
            let grant = initial.saturating_mul(1u64 << round.min(40)).saturating_mul(steps[i].weight.max(1));
            let slot = &mut board.lanes[i];
            slot.limit = slot.limit.saturating_add(grant);
            slot.rounds += 1;
            slot.running = true;
            if !slot.started {
                slot.started = true;
                if !start_lane(i) {
                    let slot = &mut board.lanes[i];
                    slot.finished = true;
                    slot.running = false;
                    continue;
                }
            }
            shared.changed.notify_all();
        }
        let wait = deadline.saturating_duration_since(Instant::now()).min(POLL);
        board = shared.changed.wait_timeout(board, wait).unwrap_or_else(|p| p.into_inner()).0;
    }
}

/// How long lane 0 runs alone before a second lane may start.
const SECOND_THREAD_AFTER: Duration = Duration::from_millis(40);

/// How often the coordinator looks at the clock and the cancel flag while it waits.
const POLL: Duration = Duration::from_millis(20);

/// The stack of a thread that runs a search: the search recurses (continuations
/// nest), and a thread's stack is only reserved, not committed, until used.
pub(crate) const SEARCH_STACK: usize = 512 * 1024 * 1024;

thread_local! {
    static ON_SEARCH_STACK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Marks the current thread as having a search-sized stack while alive.
struct SearchStack;

impl SearchStack {
    fn enter() -> SearchStack {
        ON_SEARCH_STACK.with(|c| c.set(true));
        SearchStack
    }
}

impl Drop for SearchStack {
    fn drop(&mut self) {
        ON_SEARCH_STACK.with(|c| c.set(false));
    }
}

/// Runs `f` on a thread with a search-sized stack: the current one if it is such a
/// thread, else a new one. Everything that may search (and the SMT work before it, so
/// that it shares the thread's Z3 context) should run inside.
pub fn on_search_stack<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    if ON_SEARCH_STACK.with(|c| c.get()) {
        return f();
    }
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("rsynth-search".into())
            .stack_size(SEARCH_STACK)
            .spawn_scoped(scope, || {
                let _on_stack = SearchStack::enter();
                f()
            });
        match spawned {
            Ok(handle) => handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(e) => panic!("cannot start a search thread: {e}"),
        }
    })
}
