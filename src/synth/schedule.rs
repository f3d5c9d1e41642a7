//! Running several bound settings for one goal: shares of work on parallel lanes, with
//! a deterministic answer.
//!
//! Each [`Step`] of the schedule is a *lane*: one search under fixed bounds, on its own
//! thread. A lane's work is counted in units: candidates checked plus the SMT work they
//! asked for (not in seconds, so that the outcome does not depend on the machine's speed
//! or load). A lane may have a *head start*: work done at virtual time 0, before shares
//! count. Past it, a lane's *virtual time* is its work divided by its weight (see
//! [`Shares`]). A lane that exhausts its space drops out.
//!
//! **Determinism.** A lane's work has the position `(virtual time, lane)`. A lane's
//! search is deterministic, so the work after which it finds its program, and hence the
//! position of that program, is fixed. The answer is the solution at the earliest
//! position, and the coordinator waits until no lane can still reach an earlier one:
//! parallel lanes change how fast the answer comes, never which it is.
//!
//! **Slices.** Up to `threads` lanes run at once: those with the earliest positions. A
//! lane runs a *slice* of work at a time, then *pauses* (its thread blocks in the
//! middle of the search) until the coordinator lets it go on, so no work is thrown
//! away. Between slices, the lane furthest ahead in virtual time gives way to one
//! behind: a lane waits for a thread for at most a slice, and once a solution is known,
//! the others work exactly up to its position, not to the end of a round.
//!
//! The schedule used to grant budgets in rounds that doubled, whole: a lane that found
//! its program in round `r` made the others finish their round `r` before it could
//! answer, and a heavy lane waited for a thread while another ran a whole round. On the
//! suite, both take about the same time in all; continuous shares are faster on the
//! goals the smallest setting solves and slower on some that Synquid's defaults solve
//! (`docs/benchmarks.md`, runs 11a/11b).

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::config::Bounds;
use super::context::DeadEnd;
use super::search::SearchStats;

/// One entry of a schedule: bounds, the share of the work they get (their weight) and
/// their head start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    pub bounds: Bounds,
    pub weight: u64,
    /// Units of work at virtual time 0 (see [`Shares`]).
    pub head_start: u64,
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
    /// The work the lane may do before it pauses: the end of its current slice.
    limit: u64,
    /// The lane's work when it last asked for budget (before each candidate).
    work: u64,
    /// Whether the lane is working on a slice (as opposed to paused or not started).
    running: bool,
    started: bool,
    finished: bool,
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
    /// otherwise pauses until the coordinator lets it go on. `false` means the lane must stop.
    pub fn proceed(&self, work: u64, stats: &SearchStats) -> bool {
        let mut board = self.shared.lock();
        if board.stop {
            return false;
        }
        board.lanes[self.lane].work = work;
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

/// A lane's job: runs its search and reports how it ended.
type Job<'env> = Box<dyn FnOnce() + Send + 'env>;

/// The threads that run lanes 1, 2, ... (lane 0 runs on the calling thread), kept for
/// the goals of a whole file: lane `k` of every goal runs on the same thread, which
/// keeps its Z3 context and its warm solvers from one goal to the next, as lane 0's
/// thread does. A thread and its context made afresh for every goal cost 2-7 ms, and
/// taking them down as much again on a core the next goal wants.
///
/// What a thread keeps cannot change answers (see module `smt::warm`), only the work a
/// check needs; unsat cores could depend on it, so a lane starts on fresh solvers for
/// cores (`SmtSolver::with_meter`).
pub struct LaneThreads<'scope, 'env> {
    scope: &'scope std::thread::Scope<'scope, 'env>,
    /// Where to send lane `k`'s jobs, once its thread is started.
    workers: Mutex<Vec<Option<std::sync::mpsc::Sender<Job<'env>>>>>,
}

impl<'scope, 'env> LaneThreads<'scope, 'env> {
    /// Runs `f` with lane threads that end when it returns.
    pub fn with<R>(f: impl FnOnce(&LaneThreads<'_, 'env>) -> R) -> R {
        std::thread::scope(|scope| {
            let lanes = LaneThreads { scope, workers: Mutex::default() };
            let result = f(&lanes);
            // Closing the channels ends the threads once their last jobs are done.
            lanes.workers.lock().unwrap_or_else(|p| p.into_inner()).clear();
            result
        })
    }

    /// Runs `job` on lane `lane`'s thread (after the job before it there), starting the
    /// thread if need be; `false` if it cannot be started.
    fn run(&self, lane: usize, job: Job<'env>) -> bool {
        let mut workers = self.workers.lock().unwrap_or_else(|p| p.into_inner());
        if workers.len() <= lane {
            workers.resize_with(lane + 1, || None);
        }
        let job = match &workers[lane] {
            Some(worker) => match worker.send(job) {
                Ok(()) => return true,
                // The thread is gone (a job panicked): start another.
                Err(std::sync::mpsc::SendError(job)) => job,
            },
            None => job,
        };
        let (to, jobs) = std::sync::mpsc::channel::<Job<'env>>();
        let spawned = std::thread::Builder::new()
            .name(format!("rsynth-lane-{lane}"))
            .stack_size(SEARCH_STACK)
            .spawn_scoped(self.scope, move || {
                let _on_stack = SearchStack::enter();
                while let Ok(job) = jobs.recv() {
                    job();
                }
            });
        if spawned.is_err() || to.send(job).is_err() {
            return false;
        }
        workers[lane] = Some(to);
        true
    }
}

/// What the lanes report when they end: how, and where the search got stuck.
struct Ends<T> {
    results: Mutex<Vec<Option<LaneEnd<T>>>>,
    dead_ends: Mutex<Vec<DeadEnd>>,
}

/// A lane's search, run to its end, asking its budget before each candidate.
pub(crate) type LaneRun<'env, T> =
    Arc<dyn Fn(usize, Budget) -> (LaneEnd<T>, SearchStats, Option<DeadEnd>) + Send + Sync + 'env>;

/// Records how lane `lane` ended and tells the coordinator.
fn finish<T>(
    shared: &Shared,
    ends: &Ends<T>,
    lane: usize,
    (end, stats, dead_end): (LaneEnd<T>, SearchStats, Option<DeadEnd>),
) {
    ends.results.lock().unwrap_or_else(|p| p.into_inner())[lane] = Some(end);
    if let Some(d) = dead_end {
        ends.dead_ends.lock().unwrap_or_else(|p| p.into_inner()).push(d);
    }
    let mut board = shared.lock();
    let slot = &mut board.lanes[lane];
    slot.finished = true;
    slot.running = false;
    slot.stats = stats;
    shared.changed.notify_all();
}

/// Runs the lanes and returns the solution at the earliest position (or how they all
/// ended), with every lane's statistics. `run(lane, budget)` runs lane `lane`'s search
/// to its end, asking `budget` before each candidate.
///
/// Lane 0 runs on the calling thread, which must have a search-sized stack (see
/// [`on_search_stack`]): a goal that lane 0 solves within [`SECOND_THREAD_AFTER`] never
/// starts another thread, and so never pays for another Z3 context and its start-up
/// work. The coordinator runs on a small thread of its own; the other lanes run on
/// `lane_threads` (at most `threads` lanes at once), when they first get budget, which
/// is not before lane 0 has paused or run that long.
///
/// Once a solution is the answer, the other lanes stop at their next candidate, on
/// their own threads: the next goal need not wait for them. Without an answer, this
/// waits for every lane to end, for the places where their searches got stuck.
pub(crate) fn run_lanes<'env, T: Send + 'env>(
    steps: &[Step],
    slice: u64,
    threads: usize,
    deadline: Instant,
    cancelled: &(dyn Fn() -> bool + Sync),
    run: LaneRun<'env, T>,
    lane_threads: &LaneThreads<'_, 'env>,
) -> (LaneEnd<(T, usize)>, Vec<SearchStats>, Vec<DeadEnd>) {
    let shared = Arc::new(Shared::default());
    let shares = Shares::new(steps, slice);
    {
        let mut board = shared.lock();
        board.lanes = steps.iter().map(|_| LaneSlot::default()).collect();
        // Lane 0's first slice, given before it starts.
        let first = &mut board.lanes[0];
        first.limit = shares.slice_end(0, 0, None);
        first.running = true;
        first.started = true;
    }
    let ends = Arc::new(Ends {
        results: Mutex::new(steps.iter().map(|_| None).collect()),
        dead_ends: Mutex::new(Vec::new()),
    });
    let threads = threads.max(1);
    let start_lane = |lane: usize| {
        let (run, shared, ends) = (Arc::clone(&run), Arc::clone(&shared), Arc::clone(&ends));
        lane_threads.run(
            lane,
            Box::new(move || {
                let budget = Budget { shared: Arc::clone(&shared), lane };
                // A lane that panics has ended too (nothing waits for it in vain); the
                // panic goes on, and ends the scope of the lane threads with it.
                match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(lane, budget))) {
                    Ok(ended) => finish(&shared, &ends, lane, ended),
                    Err(panic) => {
                        finish(&shared, &ends, lane, (LaneEnd::Stopped, SearchStats::default(), None));
                        std::panic::resume_unwind(panic);
                    }
                }
            }),
        )
    };
    let answer = std::thread::scope(|scope| {
        let coordinator =
            std::thread::Builder::new().name("rsynth-schedule".into()).spawn_scoped(scope, || {
                coordinate(&shares, threads, deadline, cancelled, &shared, &ends.results, &start_lane)
            });
        finish(&shared, &ends, 0, run(0, Budget { shared: Arc::clone(&shared), lane: 0 }));
        match coordinator {
            Ok(handle) => handle.join().unwrap_or(LaneEnd::Stopped),
            Err(_) => LaneEnd::Stopped,
        }
    });
    let mut board = shared.lock();
    if !matches!(answer, LaneEnd::Found(..)) {
        while board.lanes.iter().any(|s| s.started && !s.finished) {
            board = shared.changed.wait(board).unwrap_or_else(|p| p.into_inner());
        }
    }
    let stats = board.lanes.iter().map(|s| s.stats).collect();
    drop(board);
    let dead_ends = std::mem::take(&mut *ends.dead_ends.lock().unwrap_or_else(|p| p.into_inner()));
    (answer, stats, dead_ends)
}

/// A lane's place in the order of work: its *virtual time* (see [`Shares`]), then its
/// index. A solution's position is that of the lane's work when it asked for budget
/// before the candidate that was the program.
type Position = (u128, usize);

/// How the lanes share the work. A lane's *head start* is work at virtual time 0: a
/// program lane 0 finds there is the answer without waiting for any other lane, and one
/// that a later lane finds there waits only for the head starts of the lanes before it
/// (ties go to the lower lane). Past its head start (all of a lane's work if it has
/// none), a lane's virtual time is its work past the head start divided by its weight:
/// a lane that finds its program has the others do only as much work as their weights
/// give them up to the same virtual time.
///
/// A head start is a bet that the lane answers soon, paid by every program found past
/// it: such a program waits until all head starts are done (or their lanes exhausted).
/// `SynthConfig::default` says where the default schedule places its bets. Only lane 0
/// used to have a head start, a long one, and the other lanes' answers all waited for
/// it (`docs/benchmarks.md`, runs 23a/23b); before that every lane had one, and lane
/// 0's answers past its own waited for all the others' (runs 17a/17b).
struct Shares<'a> {
    steps: &'a [Step],
    /// The length of a slice, in units.
    slice: u64,
    /// The least common multiple of the weights: virtual time in integers is the work
    /// past the head start times `lcm / weight`.
    lcm: u128,
}

impl Shares<'_> {
    fn new(steps: &[Step], slice: u64) -> Shares<'_> {
        fn gcd(a: u128, b: u128) -> u128 {
            if b == 0 { a } else { gcd(b, a % b) }
        }
        let lcm = steps.iter().map(|s| u128::from(s.weight.max(1))).fold(1, |l, w| l / gcd(l, w) * w);
        Shares { steps, slice: slice.max(1), lcm }
    }

    fn weight(&self, lane: usize) -> u64 {
        self.steps[lane].weight.max(1)
    }

    fn head_start(&self, lane: usize) -> u64 {
        self.steps[lane].head_start
    }

    fn scale(&self, lane: usize) -> u128 {
        self.lcm / u128::from(self.weight(lane))
    }

    /// The position of lane `lane` after `work` units.
    fn position(&self, lane: usize, work: u64) -> Position {
        (u128::from(work.saturating_sub(self.head_start(lane))) * self.scale(lane), lane)
    }

    /// The least work after which lane `lane` is past position `best`.
    fn past(&self, lane: usize, best: Position) -> u64 {
        let (time, best_lane) = best;
        let scale = self.scale(lane);
        // Past means a later virtual time, or the same one and a later lane.
        let excess = if lane > best_lane { time.div_ceil(scale) } else { time / scale + 1 };
        if excess == 0 {
            // Past already at virtual time 0, i.e. from the start.
            return 0;
        }
        self.head_start(lane).saturating_add(u64::try_from(excess).unwrap_or(u64::MAX))
    }

    /// Where the slice that starts at `work` ends: at the end of the lane's head start (a
    /// head start is one slice: the answers of the lanes after it wait for all of it),
    /// after a fixed amount of work past it, or where the lane gets past `best`,
    /// whichever is first.
    fn slice_end(&self, lane: usize, work: u64, best: Option<Position>) -> u64 {
        let mut end = if work < self.head_start(lane) {
            self.head_start(lane)
        } else {
            work.saturating_add(self.slice)
        };
        if let Some(best) = best {
            end = end.min(self.past(lane, best));
        }
        end
    }
}

/// The coordinator: hands out slices and decides when the answer is known.
fn coordinate<T>(
    shares: &Shares<'_>,
    threads: usize,
    deadline: Instant,
    cancelled: &(dyn Fn() -> bool + Sync),
    shared: &Shared,
    results: &Mutex<Vec<Option<LaneEnd<T>>>>,
    start_lane: &dyn Fn(usize) -> bool,
) -> LaneEnd<(T, usize)> {
    let lanes = shares.steps.len();
    let began = Instant::now();
    let mut board = shared.lock();
    loop {
        // The best solution recorded so far, by position: a lane that finished with a
        // solution asked for budget last before the candidate that was its program.
        let found: Option<Position> = {
            let r = results.lock().unwrap_or_else(|p| p.into_inner());
            (0..lanes)
                .filter(|&i| matches!(r[i], Some(LaneEnd::Found(..))))
                .map(|i| shares.position(i, board.lanes[i].work))
                .min()
        };
        // A running lane given its slice before `found` was known pauses (and so tells
        // the coordinator) where it gets past it, not at the end of the slice.
        if let Some(best) = found {
            for (i, slot) in board.lanes.iter_mut().enumerate() {
                slot.limit = slot.limit.min(shares.past(i, best));
            }
        }
        // A lane's work only grows, so a lane that has not finished can still reach a
        // position before `found` only if it is before it now.
        let may_precede = |i: usize, board: &Board| {
            let slot = &board.lanes[i];
            !slot.finished && found.is_none_or(|best| shares.position(i, slot.work) < best)
        };
        if let Some(best) = found
            && !(0..lanes).any(|i| may_precede(i, &board))
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
        // Slices: to the paused lane with the earliest position, while threads are free
        // and its work could still matter. A second thread only once lane 0 has paused
        // or has run for a while: most goals never need one.
        let warm = !board.lanes[0].running || began.elapsed() >= SECOND_THREAD_AFTER;
        loop {
            let running = board.lanes.iter().filter(|s| s.running).count();
            if running >= threads || (running >= 1 && !warm) {
                break;
            }
            let next = (0..lanes)
                .filter(|&i| !board.lanes[i].running && may_precede(i, &board))
                .min_by_key(|&i| shares.position(i, board.lanes[i].work));
            let Some(i) = next else { break };
            let slot = &mut board.lanes[i];
            slot.limit = shares.slice_end(i, slot.work, found);
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
        let mut wait = deadline.saturating_duration_since(Instant::now()).min(POLL);
        if !warm {
            wait = wait.min(SECOND_THREAD_AFTER.saturating_sub(began.elapsed()));
        }
        board = shared.changed.wait_timeout(board, wait).unwrap_or_else(|p| p.into_inner()).0;
    }
}

/// How long lane 0 runs alone before a second lane may start: most easy goals are
/// answered by then, without a second thread, and the others lose little. (It was
/// 40 ms while only lane 0 had a head start, since no other lane's answer could count
/// before that head start was done.)
const SECOND_THREAD_AFTER: Duration = Duration::from_millis(10);

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
    on_search_stack_then(|deliver: Deliver<R>| deliver.send(f()), |r| r)
}

/// Hands the result of work on a search thread to the thread that asked for it.
pub struct Deliver<R> {
    to: std::sync::mpsc::Sender<R>,
}

impl<R> Deliver<R> {
    pub fn send(self, result: R) {
        // The receiver waits until this is sent or the sender is gone.
        let _ = self.to.send(result);
    }
}

/// Like [`on_search_stack`], for work that cleans up after itself: `f` hands its
/// result to `deliver` when it has one, and `then` runs with it on the calling thread at
/// once, while the search thread winds down. After a long search that takes tens of
/// milliseconds: dropping the caches of the search, then the thread's Z3 context
/// (`RBT-BalanceR`: 19 and 23 ms). `then` may end the process without waiting for it
/// (the command line does, once its output is written); otherwise the search thread is
/// joined before this returns. If `f` panics without delivering, the panic goes on
/// here, before `then` runs.
pub fn on_search_stack_then<R: Send, T>(f: impl FnOnce(Deliver<R>) + Send, then: impl FnOnce(R) -> T) -> T {
    let (to, from) = std::sync::mpsc::channel();
    let deliver = Deliver { to };
    if ON_SEARCH_STACK.with(|c| c.get()) {
        f(deliver);
        let result = from.recv().expect("the work delivers its result before it returns");
        return then(result);
    }
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("rsynth-search".into())
            .stack_size(SEARCH_STACK)
            .spawn_scoped(scope, || {
                let _on_stack = SearchStack::enter();
                f(deliver);
            });
        let handle = match spawned {
            Ok(handle) => handle,
            Err(e) => panic!("cannot start a search thread: {e}"),
        };
        match from.recv() {
            Ok(result) => {
                let out = then(result);
                if let Err(panic) = handle.join() {
                    std::panic::resume_unwind(panic);
                }
                out
            }
            // The work ended without a result: it panicked.
            Err(_) => match handle.join() {
                Err(panic) => std::panic::resume_unwind(panic),
                Ok(()) => panic!("the search thread ended without a result"),
            },
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Steps of the given weights and head starts.
    fn steps(lanes: &[(u64, u64)]) -> Vec<Step> {
        lanes
            .iter()
            .map(|&(weight, head_start)| Step { bounds: Bounds::default(), weight, head_start })
            .collect()
    }

    #[test]
    fn positions_are_virtual_times_past_the_head_starts() {
        let steps = steps(&[(2, 200), (1, 0), (4, 0)]);
        let shares = Shares::new(&steps, 25);
        // Lane 0's head start of 200 units is at virtual time 0; the other lanes have
        // none, and the lane order decides ties.
        assert_eq!(shares.position(0, 199), (0, 0));
        assert_eq!(shares.position(1, 0), (0, 1));
        assert_eq!(shares.position(2, 0), (0, 2));
        // Then work divided by weight (in units of 1/4, the weights' lcm).
        assert_eq!(shares.position(0, 210), (20, 0));
        assert_eq!(shares.position(1, 5), (20, 1));
        assert_eq!(shares.position(2, 20), (20, 2));
        // `past` is the least work whose position is after the given one.
        for lane in 0..3 {
            for best in [(0, 0), (0, 1), (0, 2), (20, 1), (37, 0), (37, 2)] {
                let w = shares.past(lane, best);
                assert!(shares.position(lane, w) > best, "lane {lane} past {best:?} at {w}");
                assert!(
                    w == 0 || shares.position(lane, w - 1) <= best,
                    "lane {lane}, {best:?}: {w} is not the least"
                );
            }
        }
        // Lane 0's head start is one slice; past it, and for the other lanes, slices of
        // 25 units, cut where the lane gets past a known solution.
        assert_eq!(shares.slice_end(0, 0, None), 200);
        assert_eq!(shares.slice_end(0, 200, None), 225);
        assert_eq!(shares.slice_end(2, 0, None), 25);
        assert_eq!(shares.slice_end(2, 400, None), 425);
        assert_eq!(shares.slice_end(2, 0, Some((8, 0))), 8);
    }

    #[test]
    fn a_later_lanes_head_start_comes_after_the_earlier_ones() {
        let steps = steps(&[(2, 200), (8, 800), (1, 0)]);
        let shares = Shares::new(&steps, 25);
        // Both head starts are at virtual time 0, lane 0's first.
        assert_eq!(shares.position(1, 799), (0, 1));
        assert!(shares.position(0, 199) < shares.position(1, 0));
        // A program lane 1 finds in its head start waits for lane 0's whole head start
        // (and one unit more), but for no work of lane 2.
        assert_eq!(shares.past(0, (0, 1)), 201);
        assert_eq!(shares.past(2, (0, 1)), 0);
        // One that lane 0 finds past its head start waits for lane 1's whole head start,
        // and then for four times lane 0's work past its own (their weights are 2 and 8).
        let found = shares.position(0, 210);
        assert_eq!(found, (40, 0));
        assert_eq!(shares.past(1, found), 840);
        assert!(shares.position(1, 839) <= found && shares.position(1, 840) > found);
        // A head start is one slice, whatever the slice length.
        assert_eq!(shares.slice_end(1, 0, None), 800);
        assert_eq!(shares.slice_end(1, 800, None), 825);
    }

    /// Fake lanes that find a "program" after a fixed amount of work, on two threads, in
    /// any interleaving: the answer is always the one at the earliest position.
    #[test]
    fn the_answer_is_the_earliest_position_whatever_the_threads_do() {
        for (steps, finds) in [
            (steps(&[(2, 200), (1, 0), (4, 0)]), [Some(700), Some(260), None]),
            (steps(&[(2, 200), (8, 800), (1, 0)]), [Some(150), Some(500), Some(20)]),
            (steps(&[(2, 200), (8, 800), (1, 0)]), [Some(420), Some(1_300), None]),
        ] {
            the_earliest_position_answers(&steps, finds);
        }
    }

    fn the_earliest_position_answers(steps: &[Step], finds: [Option<u64>; 3]) {
        let shares = Shares::new(steps, 25);
        let expected = (0..3).filter_map(|i| finds[i].map(|w| shares.position(i, w))).min().unwrap().1;
        // The rounds share lane threads, as the goals of a file do.
        LaneThreads::with(|threads| {
            for round in 0..5u64 {
                the_earliest_position_answers_on(steps, finds, expected, round, threads);
            }
        });
    }

    fn the_earliest_position_answers_on(
        steps: &[Step],
        finds: [Option<u64>; 3],
        expected: usize,
        round: u64,
        threads: &LaneThreads<'_, '_>,
    ) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let run: LaneRun<'_, usize> = Arc::new(move |lane, budget: Budget| {
            let stats = SearchStats::default();
            for work in 0.. {
                if !budget.proceed(work, &stats) {
                    return (LaneEnd::Stopped, stats, None);
                }
                if finds[lane] == Some(work) {
                    return (LaneEnd::Found(lane, work), stats, None);
                }
                if finds[lane].is_none() && work == 3_000 {
                    return (LaneEnd::Exhausted, stats, None);
                }
                // Lanes run at different speeds, differently in every repetition.
                if (work + round * 7 + lane as u64 * 13).is_multiple_of(97) {
                    std::thread::sleep(Duration::from_micros(200 * (lane as u64 + 1)));
                }
            }
            unreachable!()
        });
        let (end, _, _) = run_lanes(steps, 25, 2, deadline, &|| false, run, threads);
        match end {
            LaneEnd::Found((found, lane), _) => assert_eq!((found, lane), (expected, expected)),
            other => panic!("no answer: {other:?}"),
        }
    }

    #[test]
    fn a_lane_that_panics_ends_the_goal_and_then_the_lane_threads() {
        let steps = steps(&[(2, 200), (1, 0), (4, 0)]);
        let outcome = std::panic::catch_unwind(|| {
            LaneThreads::with(|threads| {
                let deadline = Instant::now() + Duration::from_secs(600);
                let run: LaneRun<'_, ()> = Arc::new(|lane, budget: Budget| {
                    let stats = SearchStats::default();
                    for work in 0..1_000 {
                        assert!(lane != 1 || work < 30, "lane 1 fails");
                        if !budget.proceed(work, &stats) {
                            return (LaneEnd::Stopped, stats, None);
                        }
                    }
                    (LaneEnd::Exhausted, stats, None)
                });
                // Not an answer, and not a wait for lane 1 until the deadline.
                let (end, _, _) = run_lanes(&steps, 25, 2, deadline, &|| false, run, threads);
                assert!(matches!(end, LaneEnd::Stopped), "{end:?}");
            })
        });
        assert!(outcome.is_err(), "the panic reaches the caller");
    }

    #[test]
    fn the_result_is_used_while_the_search_thread_winds_down() {
        let (to_work, from_then) = std::sync::mpsc::channel::<()>();
        let answer = on_search_stack_then(
            move |deliver: Deliver<u32>| {
                deliver.send(7);
                // Winding down waits for `then`: had `then` waited for this thread, the
                // wait would time out.
                let heard = from_then.recv_timeout(std::time::Duration::from_secs(60));
                assert!(heard.is_ok(), "then ran only after the search thread ended");
            },
            |result| {
                to_work.send(()).expect("the search thread is still there");
                result + 1
            },
        );
        assert_eq!(answer, 8);
    }

    #[test]
    fn work_already_on_a_search_stack_delivers_in_place() {
        let nested =
            on_search_stack(|| on_search_stack_then(|deliver: Deliver<&str>| deliver.send("here"), |r| r));
        assert_eq!(nested, "here");
    }

    #[test]
    fn a_panic_before_delivery_reaches_the_caller_and_then_does_not_run() {
        let ran = std::sync::atomic::AtomicBool::new(false);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            on_search_stack_then(
                |_: Deliver<u32>| panic!("the search broke"),
                |r| {
                    ran.store(true, std::sync::atomic::Ordering::Relaxed);
                    r
                },
            )
        }));
        assert!(outcome.is_err());
        assert!(!ran.load(std::sync::atomic::Ordering::Relaxed));
    }
}
