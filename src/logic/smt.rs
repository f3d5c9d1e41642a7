//! The SMT layer: validity, satisfiability, unsat cores and models through Z3.
//!
//! This is the only module of the crate that imports `z3` (together with its private
//! submodules `encode`, `model` and `mus`). Its API speaks rsynth's types only:
//! formulas go in; verdicts, index lists and [`Model`]s come out.
//!
//! **Threading model.** [`SmtSolver`] is a cheap, `Clone + Send + Sync` handle: a
//! configuration plus an `Arc` to a shared query cache and shared statistics. A call does
//! all of its Z3 work on the calling thread, in that thread's implicit Z3 context (the
//! binding keeps one per thread), on solvers kept by that thread; no Z3 value is ever
//! returned or kept in a handle, so the handle can be shared by parallel search threads.
//! Plain satisfiability checks reuse what earlier checks asserted (module `warm`), which
//! cannot change their answers; MUS sessions do too, on solvers of their own whose
//! history is the same on every run, since unsat cores could depend on it; queries that
//! read models start from an empty solver. So runs stay reproducible.
//!
//! **Soundness under work limits.** Each Z3 check runs with the configured work limit
//! (Z3's resource limit, see [`SmtConfig::work_limit`]). When Z3 answers `unknown`, the
//! detailed API says so ([`Validity::Unknown`], [`Satisfiability::Unknown`]) and the
//! Boolean shortcuts answer on the safe side: "not valid" and "satisfiable". Statistics
//! count the checks that reached the limit separately.
//!
//! **Quantifiers** are instantiated by the layer itself (module `ground`): Z3 gets a
//! quantifier-free query whose `unsat` proves the original, and whose `sat` is reported
//! as `unknown` (see `docs/smt.md`).
//!
//! **Datatypes.** A handle knows the program's datatypes ([`DatatypeDecl`]) and how to
//! encode them ([`DatatypeEncoding`]), set with [`SmtSolver::with_datatypes`] and
//! [`SmtSolver::with_datatype_encoding`]. Under the algebraic encoding, monomorphic
//! datatypes with constructors are Z3 datatypes, so constructors are injective and
//! distinct; everything else is uninterpreted, as in Synquid (module `datatypes`).
//!
//! **Cache.** Validity and satisfiability answers are memoised by formula (validity of
//! `φ` is stored as unsatisfiability of `!φ`, so both directions share entries) and by
//! the datatype encoding in force, since that can change answers. An `unknown` answer is
//! stored with the work limit that produced it and is reused only by queries whose limit
//! is no larger. MUS enumerations that no limit cut short are cached too, by query up
//! to the names of its variables (module `alpha`, built on `canon`), so the same
//! strengthening asked about differently named variables is computed once. Plain
//! answers that names cannot change are shared the same way between queries that are
//! renamings of each other.
//! Models and cores are not cached. A query the cache does not know may still follow
//! from an earlier answer with the same conclusion (module `subsume`), for the queries
//! Z3 decides completely.

mod alpha;
mod canon;
mod conflicts;
mod datatypes;
mod encode;
mod ground;
mod model;
mod mus;
mod seeds;
mod slice;
mod subsume;
mod warm;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustc_hash::FxHashMap;
use z3::ast::Bool;

use super::{Formula, SortCheckError, Symbol};
use datatypes::Theory;
pub use datatypes::{ConstructorDecl, DatatypeDecl, DatatypeEncoding};
use encode::Encoder;
pub use model::{Model, SetValue, Value};
pub use mus::{CoreResult, MusEnumeration};

/// Settings of an [`SmtSolver`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmtConfig {
    /// The work each Z3 check may do, in Z3's resource units (its `rlimit`); `None`
    /// means no limit. A count of work rather than a time, for two reasons: the same
    /// query gets the same answer however loaded the machine is (under a time limit, an
    /// answer that reaches the limit depends on the load), and Z3 enforces a time limit
    /// with a timer thread that it wakes and stops around every check, which cost about
    /// a quarter of a typical check (0.1 ms of 0.4–0.5 ms). Typical queries do 2–10 units
    /// per microsecond; the costliest query of the benchmark suite does about 80 000.
    pub work_limit: Option<u32>,
    /// The time limit of the checks that the work limit may not stop: Z3 4.8.12 does
    /// not look at its work limit inside nonlinear arithmetic (a check limited to
    /// 100 000 units was seen to run for 38 s), nor, we assume, reliably inside
    /// E-matching. So queries with a product of two variables or a quantifier left to
    /// Z3 (see `ground`) get this time limit as well; `None` means no time limit.
    pub timeout: Option<Duration>,
    /// Whether validity and satisfiability answers are memoised.
    pub cache: bool,
}

impl Default for SmtConfig {
    fn default() -> SmtConfig {
        SmtConfig {
            work_limit: Some(DEFAULT_WORK_LIMIT),
            timeout: Some(Duration::from_secs(10)),
            cache: true,
        }
    }
}

/// The default [`SmtConfig::work_limit`]: a few seconds of Z3's time on our queries
/// (2–13 s at the rates measured), 250 times the costliest query of the benchmark suite.
pub const DEFAULT_WORK_LIMIT: u32 = 20_000_000;

/// Why Z3 could not decide a query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnknownReason {
    /// The check used up its work limit (or was cancelled).
    LimitReached,
    /// Z3's own explanation (incomplete quantifier reasoning, resource limits, ...).
    Other(String),
}

/// The answer to a satisfiability query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Satisfiability {
    Sat,
    Unsat,
    Unknown(UnknownReason),
}

impl Satisfiability {
    /// Satisfiable or undecided: the sound answer when unsatisfiability is what matters.
    pub fn may_be_sat(&self) -> bool {
        !matches!(self, Satisfiability::Unsat)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Satisfiability::Unknown(_))
    }
}

/// The answer to a validity query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Validity {
    Valid,
    Invalid,
    Unknown(UnknownReason),
}

impl Validity {
    /// Only a proved formula counts as valid.
    pub fn is_valid(&self) -> bool {
        matches!(self, Validity::Valid)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Validity::Unknown(_))
    }
}

/// The answer to a model query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelResult {
    Sat(Model),
    Unsat,
    Unknown(UnknownReason),
}

/// A query the solver layer cannot pose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SmtError {
    /// The formula is ill-sorted.
    IllSorted(SortCheckError),
    /// The formula still contains a liquid unknown; solutions must be applied first.
    UnsolvedUnknown(Symbol),
    /// An internal invariant of the encoding failed (a bug in this module).
    Encoding(String),
}

impl fmt::Display for SmtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SmtError::IllSorted(err) => write!(f, "cannot send to the solver: {err}"),
            SmtError::UnsolvedUnknown(name) => {
                write!(f, "cannot send to the solver: unknown `{name}` is not solved")
            }
            SmtError::Encoding(what) => write!(f, "SMT encoding failed: {what}"),
        }
    }
}

impl std::error::Error for SmtError {}

/// A snapshot of the solver statistics.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SmtStats {
    /// Calls to the public query functions.
    pub queries: u64,
    /// Queries answered from the cache.
    pub cache_hits: u64,
    /// Queries not in the cache whose answer an earlier answer implied (a subset of
    /// their conjuncts unsatisfiable, or a superset satisfiable; module `subsume`).
    pub implied: u64,
    /// Individual Z3 `check` calls (a core or MUS query makes several).
    pub solver_calls: u64,
    /// Z3 checks that answered `unknown`, of which `limits_reached` used up their work
    /// limit.
    pub unknowns: u64,
    pub limits_reached: u64,
    /// Wall-clock time spent inside Z3 checks.
    pub time_in_z3: Duration,
}

#[derive(Default)]
struct Counters {
    queries: AtomicU64,
    cache_hits: AtomicU64,
    implied: AtomicU64,
    solver_calls: AtomicU64,
    unknowns: AtomicU64,
    limits_reached: AtomicU64,
    z3_nanos: AtomicU64,
}

#[derive(Clone)]
struct CachedAnswer {
    answer: Satisfiability,
    /// The limits the answer was found under (for `unknown` answers).
    limits: Limits,
}

/// The limits of one Z3 check: its work limit, and its time limit if it has one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Limits {
    work: Option<u32>,
    time: Option<Duration>,
}

impl Limits {
    /// Whether a check under `self` may do at least what one under `other` may.
    fn covers(self, other: Limits) -> bool {
        fn at_least<T: Ord>(a: Option<T>, b: Option<T>) -> bool {
            match (a, b) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(a), Some(b)) => a >= b,
            }
        }
        at_least(self.work, other.work) && at_least(self.time, other.time)
    }
}

/// How many answers (and, separately, MUS enumerations and conflicts) the caches hold
/// at most. On a long search a cached query holds a few kilobytes of formulas that
/// nothing else shares (its premise, joined for it): under Synquid's defaults on
/// `AVL-Balance`, the process grew by about 170 MB while the query cache reached 15 000
/// entries, its thread's slice memo 12 000 and the axiom memo 6 000 (those two now have
/// smaller bounds of their own), and at 50 000 each these would hold several hundred
/// megabytes. The suite's goals stay under 10 000 (`IncList-Merge` and `RBT-BalanceR`
/// reach 5 000, all lanes together), so this bound only matters to long searches. (A MUS
/// enumeration's key lists a whole query: that cache is also bounded by the formulas its
/// keys list, see `mus::MusCache`.)
pub(crate) const CACHE_CAPACITY: usize = 20_000;

/// Adds an answer to a cache of answers. Memory stays bounded on long searches: a full
/// cache starts over. Answers never depend on the caches (nor does the metering of work),
/// only speed does.
fn insert_bounded<K: std::hash::Hash + Eq>(
    cache: &mut FxHashMap<K, CachedAnswer>,
    key: K,
    entry: CachedAnswer,
) {
    if cache.len() >= CACHE_CAPACITY {
        cache.clear();
    }
    cache.insert(key, entry);
}

/// A cache key: the formula and, when the encoding is not the uninterpreted one, the
/// datatype theory (under the uninterpreted encoding, the declarations do not matter).
type CacheKey = (Formula, Option<Arc<Theory>>);

/// A key of the answers shared between renamings of one query (module `alpha`), with the
/// theory as in [`CacheKey`].
type RenamedKey = (alpha::AlphaKey, Option<Arc<Theory>>);

/// What MUS enumeration remembers: complete enumerations by query up to names, and
/// conflicts among qualifiers (module `conflicts`).
#[derive(Default)]
struct MusMemory {
    enumerations: Mutex<mus::MusCache>,
    conflicts: Mutex<conflicts::ConflictStore>,
}

#[derive(Default)]
struct Shared {
    cache: Mutex<FxHashMap<CacheKey, CachedAnswer>>,
    /// Answers by query up to the names of its variables (module `alpha`), for the
    /// queries the cache does not know by formula.
    renamed: Mutex<FxHashMap<RenamedKey, CachedAnswer>>,
    /// Answers of decidable queries, by theory, for the answers they imply (module
    /// `subsume`).
    subsumption: Mutex<FxHashMap<Option<Arc<Theory>>, subsume::Subsumption>>,
    /// The MUS memory of the handles without one of their own (see `with_meter`).
    mus: MusMemory,
    counters: Counters,
}

/// A handle to the SMT layer. Clones share the cache and the statistics.
#[derive(Clone)]
pub struct SmtSolver {
    config: SmtConfig,
    theory: Arc<Theory>,
    shared: Arc<Shared>,
    /// A private count of the work asked of this handle and its clones (see
    /// [`SmtSolver::with_meter`]).
    meter: Option<Arc<AtomicU64>>,
    /// Whether validity checks leave out irrelevant premises (see
    /// [`SmtSolver::with_slicing`]).
    slicing: bool,
    /// A metered handle's own MUS memory (see [`SmtSolver::with_meter`]); `None` uses the
    /// shared one.
    own_mus: Option<Arc<MusMemory>>,
}

impl Default for SmtSolver {
    fn default() -> SmtSolver {
        SmtSolver::new(SmtConfig::default())
    }
}

impl fmt::Debug for SmtSolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtSolver")
            .field("config", &self.config)
            .field("encoding", &self.theory.encoding)
            .field("datatypes", &self.theory.decls.len())
            .field("stats", &self.stats())
            .finish()
    }
}

impl SmtSolver {
    /// A solver with no datatype declarations and the default [`DatatypeEncoding`].
    pub fn new(config: SmtConfig) -> SmtSolver {
        let theory = Arc::new(Theory::new(DatatypeEncoding::default(), Arc::from([])));
        SmtSolver { config, theory, shared: Arc::default(), meter: None, slicing: false, own_mus: None }
    }

    pub fn config(&self) -> &SmtConfig {
        &self.config
    }

    /// The datatypes this handle knows.
    pub fn datatypes(&self) -> &Arc<[DatatypeDecl]> {
        &self.theory.decls
    }

    /// How this handle encodes datatype sorts.
    pub fn datatype_encoding(&self) -> DatatypeEncoding {
        self.theory.encoding
    }

    /// A handle with another work limit that shares this one's cache and statistics.
    pub fn with_work_limit(&self, work_limit: Option<u32>) -> SmtSolver {
        SmtSolver { config: SmtConfig { work_limit, ..self.config.clone() }, ..self.clone() }
    }

    /// A handle that knows these datatypes (replacing any it knew) and shares this one's
    /// cache and statistics; cached answers are keyed by the datatypes where they matter.
    pub fn with_datatypes(&self, datatypes: impl Into<Arc<[DatatypeDecl]>>) -> SmtSolver {
        let theory = Arc::new(Theory::new(self.theory.encoding, datatypes.into()));
        SmtSolver { theory, ..self.clone() }
    }

    /// A handle with another datatype encoding that shares this one's cache and
    /// statistics.
    pub fn with_datatype_encoding(&self, encoding: DatatypeEncoding) -> SmtSolver {
        let theory = Arc::new(Theory::new(encoding, Arc::clone(&self.theory.decls)));
        SmtSolver { theory, ..self.clone() }
    }

    /// The statistics so far (of this handle and all its clones).
    pub fn stats(&self) -> SmtStats {
        let c = &self.shared.counters;
        SmtStats {
            queries: c.queries.load(Ordering::Relaxed),
            cache_hits: c.cache_hits.load(Ordering::Relaxed),
            implied: c.implied.load(Ordering::Relaxed),
            solver_calls: c.solver_calls.load(Ordering::Relaxed),
            unknowns: c.unknowns.load(Ordering::Relaxed),
            limits_reached: c.limits_reached.load(Ordering::Relaxed),
            time_in_z3: Duration::from_nanos(c.z3_nanos.load(Ordering::Relaxed)),
        }
    }

    /// Empties the query cache (statistics are kept).
    pub fn clear_cache(&self) {
        self.lock_cache().clear();
        self.lock_subsumption().clear();
    }

    /// Is `f` satisfiable?
    pub fn check_sat(&self, f: &Formula) -> Result<Satisfiability, SmtError> {
        self.count_query();
        self.decide(f)
    }

    /// The answer to "is `f` satisfiable?", from the cache or from Z3, not counted as a
    /// query (nor charged to a meter): for the layer's own bookkeeping questions.
    fn decide(&self, f: &Formula) -> Result<Satisfiability, SmtError> {
        // `true` and `false` (a premise folded away, an empty conjunction) need no solver;
        // on an easy goal the first of them would otherwise make the thread's first one.
        match f.as_bool() {
            Some(true) => return Ok(Satisfiability::Sat),
            Some(false) => return Ok(Satisfiability::Unsat),
            None => {}
        }
        if let Some(answer) = self.cached(f) {
            return Ok(answer);
        }
        let parts = warm::conjuncts(f);
        // The same question under other names (module `alpha`).
        let renamed = self.config.cache.then(|| (alpha::key(parts.iter()), self.theory_key()));
        if let Some(key) = &renamed {
            let entry = self.lock_renamed().get(key).cloned();
            if let Some(answer) = self.usable(entry, f) {
                self.store(f, &answer);
                return Ok(answer);
            }
        }
        // Only answers that Z3 gives whatever it did before are used to imply others
        // (see `subsume`): quantifier-free, linear queries.
        let decidable = self.config.cache && !parts.iter().any(Session::needs_time_limit);
        if decidable && let Some(sat) = self.implied(&parts) {
            self.shared.counters.implied.fetch_add(1, Ordering::Relaxed);
            let answer = if sat { Satisfiability::Sat } else { Satisfiability::Unsat };
            self.store(f, &answer);
            return Ok(answer);
        }
        let checked = warm::check(self, parts.clone())?;
        let answer = checked.answer;
        if decidable && !answer.is_unknown() {
            let sat = answer == Satisfiability::Sat;
            self.lock_subsumption().entry(self.theory_key()).or_default().record(&parts, sat);
        }
        self.store(f, &answer);
        // Shared with renamings only where names cannot matter: Z3 was asked a
        // quantifier-free linear question (with universals instantiated by hand,
        // which a renaming of the query would instantiate into a renaming of it).
        if let Some(key) = renamed
            && checked.complete
        {
            insert_bounded(&mut self.lock_renamed(), key, self.entry(f, &answer));
        }
        Ok(answer)
    }

    /// Is `f` valid (true under every assignment)? On a handle
    /// [`with_slicing`](SmtSolver::with_slicing), `Invalid` may also mean "not proved
    /// without the irrelevant premises".
    pub fn check_valid(&self, f: &Formula) -> Result<Validity, SmtError> {
        let sliced;
        let f = if self.slicing {
            sliced = slice::relevant(f);
            &sliced
        } else {
            f
        };
        Ok(match self.check_sat(&!f.clone())? {
            Satisfiability::Unsat => Validity::Valid,
            Satisfiability::Sat => Validity::Invalid,
            Satisfiability::Unknown(reason) => Validity::Unknown(reason),
        })
    }

    /// Does the conjunction of `assumptions` imply `goal`?
    pub fn check_implication(&self, assumptions: &[Formula], goal: &Formula) -> Result<Validity, SmtError> {
        let premise = Formula::conjunction(assumptions.iter().cloned());
        self.check_valid(&Formula::implies(premise, goal.clone()))
    }

    /// Whether `f` is proved valid; `false` when it is invalid or undecided.
    pub fn is_valid(&self, f: &Formula) -> Result<bool, SmtError> {
        Ok(self.check_valid(f)?.is_valid())
    }

    /// Whether `f` may be satisfiable; `true` when it is satisfiable or undecided.
    pub fn is_sat(&self, f: &Formula) -> Result<bool, SmtError> {
        Ok(self.check_sat(f)?.may_be_sat())
    }

    /// Whether `assumptions` are proved to imply `goal`.
    pub fn implies(&self, assumptions: &[Formula], goal: &Formula) -> Result<bool, SmtError> {
        Ok(self.check_implication(assumptions, goal)?.is_valid())
    }

    /// A model of `f`, if it is satisfiable.
    pub fn model(&self, f: &Formula) -> Result<ModelResult, SmtError> {
        self.count_query();
        let mut session = Session::new(self);
        session.encoder.record_ground = true;
        session.timed = Session::needs_time_limit(f);
        let assertion = session.encoder.encode_bool(f)?;
        session.solver().assert(&assertion);
        Ok(match session.check() {
            Satisfiability::Sat => match session.solver().get_model() {
                Some(z3_model) => ModelResult::Sat(model::read_model(&z3_model, &session.encoder)),
                None => ModelResult::Unknown(UnknownReason::Other("Z3 gave no model".to_owned())),
            },
            Satisfiability::Unsat => ModelResult::Unsat,
            Satisfiability::Unknown(reason) => ModelResult::Unknown(reason),
        })
    }

    /// A counterexample to the validity of `f`: a model of `!f`. `Unsat` means valid.
    pub fn counterexample(&self, f: &Formula) -> Result<ModelResult, SmtError> {
        self.model(&!f.clone())
    }

    fn count_query(&self) {
        self.shared.counters.queries.fetch_add(1, Ordering::Relaxed);
        self.meter_add(1);
    }

    /// A handle that also counts, on its own meter, the work asked of it and of its
    /// clones: one unit per query, plus a MUS enumeration's work (its seeds and the
    /// sizes of its MUSes: about the checks it makes, see [`MusEnumeration::work`]).
    /// The count depends only on the questions asked (answers from the cache count too),
    /// so it measures a search's work deterministically, whatever the machine and
    /// whatever other searches share the cache.
    ///
    /// The handle keeps its own MUS memory (enumerations and conflicts): how much an
    /// enumeration costs depends on the conflicts known before it, and with a memory
    /// shared between lanes that would depend on which lane learned one first. For the
    /// same reason, making one drops the calling thread's warm solvers for cores, which
    /// another lane may have used before: the lane that runs here with the handle reads
    /// cores from solvers that have seen its own sessions only (module `warm`).
    pub fn with_meter(&self) -> (SmtSolver, Arc<AtomicU64>) {
        warm::forget_core_solvers();
        let meter = Arc::new(AtomicU64::new(0));
        let own_mus = Some(Arc::default());
        (SmtSolver { meter: Some(Arc::clone(&meter)), own_mus, ..self.clone() }, meter)
    }

    fn mus_memory(&self) -> &MusMemory {
        self.own_mus.as_deref().unwrap_or(&self.shared.mus)
    }

    /// A handle whose validity checks leave out the premises that mention only
    /// functions (measures) unrelated to the conclusion (module `slice`). Sound, and
    /// much cheaper for Z3, but not complete: for the search, where a missed proof only
    /// rejects a candidate, never for verdicts. Shares cache and statistics (the cache
    /// stores the answer of the query actually asked).
    pub fn with_slicing(&self) -> SmtSolver {
        SmtSolver { slicing: true, ..self.clone() }
    }

    fn meter_add(&self, units: u64) {
        if let Some(meter) = &self.meter {
            meter.fetch_add(units, Ordering::Relaxed);
        }
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, FxHashMap<CacheKey, CachedAnswer>> {
        // The cache holds plain answers; a panic elsewhere cannot leave it inconsistent.
        self.shared.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lock_subsumption(
        &self,
    ) -> std::sync::MutexGuard<'_, FxHashMap<Option<Arc<Theory>>, subsume::Subsumption>> {
        // Plain sets of answers too: a panic elsewhere cannot leave them inconsistent.
        self.shared.subsumption.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The satisfiability of the conjunction of `parts` if an earlier answer implies it.
    fn implied(&self, parts: &[Formula]) -> Option<bool> {
        self.lock_subsumption().get(&self.theory_key())?.implied(parts)
    }

    fn cached(&self, f: &Formula) -> Option<Satisfiability> {
        if !self.config.cache {
            return None;
        }
        let entry = self.lock_cache().get(&self.cache_key(f)).cloned();
        self.usable(entry, f)
    }

    /// The answer of a cache entry for `f`, counted as a cache hit, if `f` may take it:
    /// an undecided answer stands for a check that may do no more than its own did.
    fn usable(&self, entry: Option<CachedAnswer>, f: &Formula) -> Option<Satisfiability> {
        let entry = entry?;
        let usable = match entry.answer {
            Satisfiability::Unknown(_) => entry.limits.covers(self.limits(Session::needs_time_limit(f))),
            _ => true,
        };
        if usable {
            self.shared.counters.cache_hits.fetch_add(1, Ordering::Relaxed);
            Some(entry.answer)
        } else {
            None
        }
    }

    fn lock_renamed(&self) -> std::sync::MutexGuard<'_, FxHashMap<RenamedKey, CachedAnswer>> {
        // Plain answers, as in the cache.
        self.shared.renamed.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn store(&self, f: &Formula, answer: &Satisfiability) {
        if self.config.cache {
            insert_bounded(&mut self.lock_cache(), self.cache_key(f), self.entry(f, answer));
        }
    }

    /// The cache entry of `answer` to `f`, with the limits of the check that gave it.
    fn entry(&self, f: &Formula, answer: &Satisfiability) -> CachedAnswer {
        CachedAnswer { answer: answer.clone(), limits: self.limits(Session::needs_time_limit(f)) }
    }

    /// The limits of a check by this handle, with or without a time limit.
    fn limits(&self, timed: bool) -> Limits {
        Limits { work: self.config.work_limit, time: self.config.timeout.filter(|_| timed) }
    }

    fn cache_key(&self, f: &Formula) -> CacheKey {
        (f.clone(), self.theory_key())
    }

    /// The theory as far as it matters to answers: not at all under the uninterpreted
    /// encoding.
    fn theory_key(&self) -> Option<Arc<Theory>> {
        self.theory.algebraic.then(|| Arc::clone(&self.theory))
    }
}

thread_local! {
    /// Idle solvers of this thread's Z3 context, by limits. Creating a solver and
    /// putting it in incremental mode costs milliseconds on libz3 4.8.12, far more than a
    /// typical check; a session borrows an idle solver, works inside a `push`, and gives
    /// it back after the matching `pop`, so each query still starts from an empty
    /// assertion stack. Only queries whose models are read use these (the others use
    /// warm solvers, module `warm`).
    static IDLE_SOLVERS: std::cell::RefCell<Vec<(Limits, z3::Solver)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Sets Z3's global parameters, once per process, before the first solver is made.
///
/// A Z3 solver of the default kind is a *combined* solver: an incremental SMT core for
/// queries posed in scopes (all of ours, see [`Session::new`]) and a tactic for the
/// others, which our queries never reach. Z3 builds that tactic when the solver is first
/// used, and its default tactic (one strategy per logic, chosen by probes) takes about
/// 34 million instructions to build, 6–9 ms: more than the whole search of an easy goal,
/// which makes a handful of solvers (one per kind of limits and per thread, two at once
/// for MUS enumeration). With `smt` as the default tactic, a solver costs about 0.7 ms, and
/// queries are answered by the same SMT core as before.
fn configure_z3() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    // Every Z3 object of the crate is made after a session has started, so this runs
    // before any of them, and `Once` makes other threads wait until it has.
    ONCE.call_once(|| z3::set_global_param("tactic.default_tactic", "smt"));
}

/// The Z3 side of a query whose model is read: a solver of this thread's context, inside
/// a fresh scope, and an encoder. (Plain checks and MUS sessions use warm solvers, see
/// module `warm`.)
struct Session<'a> {
    owner: &'a SmtSolver,
    /// Whether the assertions need a time limit (see [`SmtConfig::timeout`]): set while
    /// they are encoded, before the solver is taken.
    timed: bool,
    /// The solver and its limits, taken from the idle pool when first needed (after the
    /// assertions are encoded) and given back when the session is dropped.
    slot: std::cell::OnceCell<(Limits, z3::Solver)>,
    encoder: Encoder,
}

/// Why a query whose universals were instantiated by hand is undecided.
const INSTANTIATED: &str = "satisfiable with the quantifiers instantiated, which decides nothing";

impl Drop for Session<'_> {
    fn drop(&mut self) {
        let Some((limits, solver)) = self.slot.take() else { return };
        solver.pop(1);
        // A thread that is shutting down has no pool any more; the solver just goes.
        let _ = IDLE_SOLVERS.try_with(|pool| pool.borrow_mut().push((limits, solver)));
    }
}

impl<'a> Session<'a> {
    fn new(owner: &'a SmtSolver) -> Session<'a> {
        Session {
            owner,
            timed: false,
            slot: std::cell::OnceCell::new(),
            encoder: Encoder::new(datatypes::table_for(&owner.theory)),
        }
    }

    /// Whether an assertion, as it goes to Z3, needs a time limit besides the work limit
    /// (see [`SmtConfig::timeout`]).
    fn needs_time_limit(f: &Formula) -> bool {
        f.has_quantifier() || f.is_nonlinear()
    }

    /// The session's solver, taken on first use: every assertion must have been
    /// encoded (so that `timed` is known) before this is first called.
    fn solver(&self) -> &z3::Solver {
        &self.slot.get_or_init(|| Session::take_solver(self.owner.limits(self.timed))).1
    }

    /// An idle solver of this thread with these limits, or a new one, inside a new scope.
    fn take_solver(limits: Limits) -> (Limits, z3::Solver) {
        configure_z3();
        let idle = IDLE_SOLVERS.with(|pool| {
            let mut pool = pool.borrow_mut();
            let at = pool.iter().position(|(l, _)| *l == limits)?;
            Some(pool.swap_remove(at).1)
        });
        let solver = idle.unwrap_or_else(|| Session::new_solver(limits));
        // Every query runs in its own scope. The scope also puts Z3's combined solver in
        // incremental mode, i.e. on the SMT core, as Synquid's push/pop queries were;
        // without it, Z3 4.8.12 may hand a nonlinear query to a tactic that ignores the
        // limits and runs for minutes.
        solver.push();
        (limits, solver)
    }

    /// A new solver of this thread's context with our parameters and these limits.
    fn new_solver(limits: Limits) -> z3::Solver {
        configure_z3();
        let solver = z3::Solver::new();
        let mut params = z3::Params::new();
        // Synquid's setting: quantifiers are handled by E-matching only.
        params.set_bool("mbqi", false);
        // Z3 would otherwise install its own SIGINT handler around every check and
        // restore the old one after it (two system calls per check). rsynth handles
        // Ctrl-C itself (a thread waits for SIGINT, see `cli`).
        params.set_bool("ctrl_c", false);
        // Z3's older arithmetic solver. On our queries (linear arithmetic over
        // measures, with `if`s from measure definitions such as `max`) it does 3-10%
        // fewer instructions per check than the default one of 4.8.12, with the same
        // answers on the suite; suite time -10% (docs/smt.md). Nonlinear queries keep
        // their time limit (see `SmtConfig::timeout`).
        params.set_u32("arith.solver", 2);
        // Z3 counts the work limit from where each check starts.
        if let Some(work) = limits.work {
            params.set_u32("rlimit", work.max(1));
        }
        if let Some(time) = limits.time {
            let millis = u32::try_from(time.as_millis()).unwrap_or(u32::MAX).max(1);
            params.set_u32("timeout", millis);
        }
        solver.set_params(&params);
        solver
    }

    /// One Z3 check, counted and timed. Its assertions are exact (a model is read).
    fn check(&self) -> Satisfiability {
        run_check(self.owner, self.solver(), false, &[])
    }
}

/// One Z3 check of `solver` under the given assumption literals, counted and timed for
/// `owner`. `inexact` says that universals were instantiated, so that `sat` decides nothing.
fn run_check(owner: &SmtSolver, solver: &z3::Solver, inexact: bool, assumptions: &[Bool]) -> Satisfiability {
    let counters = &owner.shared.counters;
    let start = Instant::now();
    let result = if assumptions.is_empty() { solver.check() } else { solver.check_assumptions(assumptions) };
    let nanos = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
    counters.z3_nanos.fetch_add(nanos, Ordering::Relaxed);
    counters.solver_calls.fetch_add(1, Ordering::Relaxed);
    match result {
        z3::SatResult::Sat if inexact => {
            counters.unknowns.fetch_add(1, Ordering::Relaxed);
            Satisfiability::Unknown(UnknownReason::Other(INSTANTIATED.to_owned()))
        }
        z3::SatResult::Sat => Satisfiability::Sat,
        z3::SatResult::Unsat => Satisfiability::Unsat,
        z3::SatResult::Unknown => {
            counters.unknowns.fetch_add(1, Ordering::Relaxed);
            let reason = solver.get_reason_unknown().unwrap_or_default();
            // Z3 4.8.12 gives no reason ("unknown") when the resource limit stops a
            // check; an incomplete theory or quantifier gives its own.
            if reason == "unknown" || ["resource", "canceled", "timeout"].iter().any(|r| reason.contains(r)) {
                counters.limits_reached.fetch_add(1, Ordering::Relaxed);
                Satisfiability::Unknown(UnknownReason::LimitReached)
            } else {
                Satisfiability::Unknown(UnknownReason::Other(reason))
            }
        }
    }
}
