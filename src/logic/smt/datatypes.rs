//! Datatype sorts in Z3: uninterpreted (encoded as `Int`) or Z3 algebraic datatypes.
//!
//! The layers above describe the program's datatypes with plain [`DatatypeDecl`]s and
//! choose a [`DatatypeEncoding`]; this module turns that description into Z3 sorts.
//!
//! **Which datatypes become algebraic.** As in Synquid (synthesis-algorithm.md (g)),
//! only *monomorphic* datatypes (no type parameters) *with constructors* do. Polymorphic
//! datatypes (`List a`, also at an instance such as `List Int`) and abstract datatypes
//! (no constructors) stay `Int`, with constructors as uninterpreted functions.
//!
//! **Dependencies.** A constructor field may have another algebraic datatype's sort, so
//! datatypes are declared in dependency order: the strongly connected components of the
//! "field mentions datatype" graph, dependencies first. A component of several
//! datatypes (mutual recursion) is declared in one `Z3_mk_datatypes` call. Z3 cannot
//! refer to a datatype under construction from inside another sort, so a component whose
//! field mentions one of its own members inside a set sort (`Set T` in a field of `T`)
//! falls back to the uninterpreted encoding as a whole; so does a component with a member
//! that has no finite value (every constructor needs a value of the component), which Z3
//! rejects. Datatypes that depend on a fallen-back component still become algebraic:
//! their fields of that sort are `Int`.
//!
//! **Threading.** The Z3 sorts are built per thread (Z3 values are not `Send`) and cached
//! per thread, keyed by the datatype description and the thread's Z3 context, so a query
//! only pays for the declarations the first time its thread sees a description.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{BuildHasher, Hash};
use std::rc::Rc;
use std::sync::Arc;

use rustc_hash::{FxBuildHasher, FxHashMap};
use z3::ast::Dynamic;
use z3::{DatatypeAccessor, DatatypeBuilder, DatatypeSort};

use crate::logic::{Formula, Sort, Symbol};

/// How datatype sorts are encoded for Z3.
///
/// The two encodings differ in power, not only in speed: with [`Algebraic`], Z3 knows
/// that constructors are injective (`C x == C y ==> x == y`) and distinct
/// (`Red != Black`) and that every value is built by some constructor; with
/// [`Uninterpreted`], constructors are arbitrary functions into `Int`, and relate to each
/// other only through the measure instances the checker adds. docs/smt.md has the
/// measurements behind the default.
///
/// [`Algebraic`]: DatatypeEncoding::Algebraic
/// [`Uninterpreted`]: DatatypeEncoding::Uninterpreted
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DatatypeEncoding {
    /// Every datatype sort is `Int` and constructors are uninterpreted functions.
    Uninterpreted,
    /// Monomorphic datatypes with constructors are Z3 algebraic datatypes (Synquid's
    /// encoding since 2020); the others are as in `Uninterpreted`.
    #[default]
    Algebraic,
}

/// A constructor of a datatype: its name and the sorts of its scalar arguments, in
/// terms of the datatype's parameters (the arguments of `Cons` formulas).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConstructorDecl {
    pub name: Symbol,
    pub fields: Vec<Sort>,
}

/// A datatype as the SMT layer sees it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DatatypeDecl {
    pub name: Symbol,
    /// Type parameters; a datatype with any is polymorphic and stays uninterpreted.
    pub params: Vec<Symbol>,
    /// Constructors in declaration order; empty for an abstract datatype.
    pub constructors: Vec<ConstructorDecl>,
}

impl DatatypeDecl {
    /// A datatype without constructors (add them with [`DatatypeDecl::constructor`]).
    pub fn new(name: impl Into<Symbol>, params: impl IntoIterator<Item = Symbol>) -> DatatypeDecl {
        DatatypeDecl { name: name.into(), params: params.into_iter().collect(), constructors: Vec::new() }
    }

    /// Adds a constructor with the given field sorts.
    pub fn constructor(
        mut self,
        name: impl Into<Symbol>,
        fields: impl IntoIterator<Item = Sort>,
    ) -> DatatypeDecl {
        self.constructors.push(ConstructorDecl { name: name.into(), fields: fields.into_iter().collect() });
        self
    }

    /// Whether the datatype is a candidate for the algebraic encoding: monomorphic, with
    /// constructors.
    pub fn is_algebraic_candidate(&self) -> bool {
        self.params.is_empty() && !self.constructors.is_empty()
    }
}

/// The datatype part of a solver's configuration, shared by handles and used as part of
/// the query-cache key.
#[derive(Debug)]
pub(super) struct Theory {
    pub encoding: DatatypeEncoding,
    pub decls: Arc<[DatatypeDecl]>,
    /// Whether the encoding differs from the uninterpreted one at all: the encoding is
    /// algebraic and some datatype is a candidate.
    pub algebraic: bool,
    hash: u64,
}

impl Theory {
    pub fn new(encoding: DatatypeEncoding, decls: Arc<[DatatypeDecl]>) -> Theory {
        let algebraic =
            encoding == DatatypeEncoding::Algebraic && decls.iter().any(DatatypeDecl::is_algebraic_candidate);
        let hash = FxBuildHasher.hash_one((encoding, &*decls));
        Theory { encoding, decls, algebraic, hash }
    }
}

impl PartialEq for Theory {
    fn eq(&self, other: &Theory) -> bool {
        std::ptr::eq(self, other)
            || (self.hash == other.hash && self.encoding == other.encoding && self.decls == other.decls)
    }
}

impl Eq for Theory {}

impl Hash for Theory {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// An algebraic datatype declared in Z3.
pub(super) struct Adt {
    pub decl: DatatypeDecl,
    pub z3: DatatypeSort,
}

impl Adt {
    /// The index of the constructor with this name.
    pub fn constructor_index(&self, name: Symbol) -> Option<usize> {
        self.decl.constructors.iter().position(|c| c.name == name)
    }
}

/// The algebraic datatypes of one [`Theory`] in one thread's Z3 context, and the Z3
/// terms already encoded under them.
pub(super) struct AdtTable {
    adts: BTreeMap<Symbol, Adt>,
    context: z3::Context,
    /// Encoded terms by formula (see [`AdtTable::encoded`]).
    terms: RefCell<FxHashMap<Formula, Dynamic>>,
}

/// How many encoded terms a table keeps; a full table starts over. Queries of one
/// search share most of their conjuncts, so a few thousand cover a search's working set.
const ENCODED_TERMS: usize = 20_000;

impl AdtTable {
    fn empty() -> AdtTable {
        AdtTable { adts: BTreeMap::new(), context: z3::Context::thread_local(), terms: RefCell::default() }
    }

    /// The Z3 term of `f`, if it has been encoded in this table's context before.
    ///
    /// Successive queries of a search repeat most of their conjuncts (the facts of the
    /// environment), and Z3 hash-conses terms: building the same term again yields the
    /// same term, at the cost of a call into Z3 per node. Only terms without bound
    /// variables are kept, since their encoding depends on the formula alone.
    pub fn encoded(&self, f: &Formula) -> Option<Dynamic> {
        self.terms.borrow().get(f).cloned()
    }

    /// Remembers the Z3 term of a formula without bound variables.
    pub fn remember(&self, f: &Formula, term: &Dynamic) {
        let mut terms = self.terms.borrow_mut();
        if terms.len() >= ENCODED_TERMS {
            terms.clear();
        }
        terms.insert(f.clone(), term.clone());
    }

    /// The algebraic datatype that encodes `sort`, if it is one.
    pub fn adt(&self, sort: &Sort) -> Option<&Adt> {
        match sort {
            Sort::Data(name, args) if args.is_empty() => self.adts.get(name),
            _ => None,
        }
    }

    /// The Z3 sort that encodes a logic sort.
    pub fn z3_sort(&self, sort: &Sort) -> z3::Sort {
        match sort {
            Sort::Bool => z3::Sort::bool(),
            Sort::Set(elem) => z3::Sort::set(&self.z3_sort(elem)),
            Sort::Data(..) => self.adt(sort).map_or_else(z3::Sort::int, |adt| adt.z3.sort.clone()),
            Sort::Int | Sort::Var(_) | Sort::Meta(_) => z3::Sort::int(),
        }
    }

    /// The Z3 constructor to apply for a `Cons` formula, when its sort is algebraic and
    /// the formula matches the declaration (name, arity and argument sorts). Otherwise
    /// the encoder falls back to an uninterpreted function of the same sort.
    pub fn constructor(&self, sort: &Sort, name: Symbol, args: &[Formula]) -> Option<&z3::FuncDecl> {
        let adt = self.adt(sort)?;
        let index = adt.constructor_index(name)?;
        let fields = &adt.decl.constructors[index].fields;
        let fits = fields.len() == args.len()
            && fields.iter().zip(args).all(|(field, arg)| self.z3_sort(field) == self.z3_sort(&arg.sort()));
        fits.then(|| &adt.z3.variants[index].constructor)
    }

    /// Declares the algebraic datatypes of `theory` in this thread's context.
    fn build(theory: &Theory) -> AdtTable {
        let mut table = AdtTable::empty();
        if !theory.algebraic {
            return table;
        }
        // Candidates by name; the first declaration of a name wins.
        let mut candidates: BTreeMap<Symbol, &DatatypeDecl> = BTreeMap::new();
        for decl in theory.decls.iter().filter(|d| d.is_algebraic_candidate()) {
            candidates.entry(decl.name).or_insert(decl);
        }
        let deps: BTreeMap<Symbol, BTreeSet<Symbol>> = candidates
            .iter()
            .map(|(name, decl)| {
                let mut out = BTreeSet::new();
                for field in decl.constructors.iter().flat_map(|c| &c.fields) {
                    mentions(field, &|n| candidates.contains_key(&n), &mut out);
                }
                (*name, out)
            })
            .collect();
        for group in components(&deps) {
            if encodable(&group, &candidates) {
                table.declare(&group, &candidates);
            }
        }
        table
    }

    /// Declares one component in one `Z3_mk_datatypes` call.
    fn declare(&mut self, group: &[Symbol], candidates: &BTreeMap<Symbol, &DatatypeDecl>) {
        // Z3 4.8.12 keeps datatype definitions by name per context, and declaring a
        // second datatype of the same name (another program's `T`, on the same thread)
        // corrupts the first: it crashed with SIGBUS. So every declaration gets a name of
        // its own. The counter is per thread, like the context, so that a fresh thread
        // names (and so solves) the same way whatever other threads did.
        let serial = NEXT_SERIAL.with(|next| next.replace(next.get() + 1));
        let z3_name = |name: Symbol| format!("{name}!{serial}");
        let builders: Vec<DatatypeBuilder> = group
            .iter()
            .map(|name| {
                let decl = candidates[name];
                decl.constructors.iter().fold(DatatypeBuilder::new(z3_name(*name)), |builder, ctor| {
                    let accessor_names: Vec<String> =
                        (0..ctor.fields.len()).map(|i| format!("{}.{}.{i}", decl.name, ctor.name)).collect();
                    let fields: Vec<(&str, DatatypeAccessor)> = ctor
                        .fields
                        .iter()
                        .zip(&accessor_names)
                        .map(|(field, accessor)| {
                            let target = match field {
                                Sort::Data(name, args) if args.is_empty() && group.contains(name) => {
                                    DatatypeAccessor::datatype(z3_name(*name))
                                }
                                _ => DatatypeAccessor::sort(self.z3_sort(field)),
                            };
                            (accessor.as_str(), target)
                        })
                        .collect();
                    builder.variant(ctor.name.as_str(), fields)
                })
            })
            .collect();
        let sorts = z3::datatype_builder::create_datatypes(builders);
        for (name, z3) in group.iter().zip(sorts) {
            self.adts.insert(*name, Adt { decl: candidates[name].clone(), z3 });
        }
    }
}

/// Adds to `out` the datatypes accepted by `keep` whose Z3 sort the encoding of `sort`
/// mentions: the sort itself or a set element sort. Arguments of an applied (polymorphic)
/// datatype do not count: `List T` is `Int` whatever `T` is.
fn mentions(sort: &Sort, keep: &impl Fn(Symbol) -> bool, out: &mut BTreeSet<Symbol>) {
    match sort {
        Sort::Data(name, args) if args.is_empty() && keep(*name) => {
            out.insert(*name);
        }
        Sort::Set(elem) => mentions(elem, keep, out),
        Sort::Data(..) | Sort::Bool | Sort::Int | Sort::Var(_) | Sort::Meta(_) => {}
    }
}

/// Whether Z3 can declare the component: members occur in fields only directly (not
/// inside a set), and every member has a finite value.
fn encodable(group: &[Symbol], candidates: &BTreeMap<Symbol, &DatatypeDecl>) -> bool {
    let in_group = |name: Symbol| group.contains(&name);
    let direct = group.iter().all(|name| {
        candidates[name].constructors.iter().flat_map(|c| &c.fields).all(|field| match field {
            Sort::Data(_, args) if args.is_empty() => true,
            _ => {
                let mut out = BTreeSet::new();
                mentions(field, &in_group, &mut out);
                out.is_empty()
            }
        })
    });
    // Inhabitation: the least fixpoint of "has a constructor whose group fields are all
    // inhabited"; fields outside the group (Int, sets, earlier sorts) always are.
    let mut inhabited: BTreeSet<Symbol> = BTreeSet::new();
    loop {
        let before = inhabited.len();
        for name in group {
            let has_value = candidates[name].constructors.iter().any(|c| {
                c.fields.iter().all(|field| match field {
                    Sort::Data(n, args) if args.is_empty() && in_group(*n) => inhabited.contains(n),
                    _ => true,
                })
            });
            if has_value {
                inhabited.insert(*name);
            }
        }
        if inhabited.len() == before {
            break;
        }
    }
    direct && inhabited.len() == group.len()
}

/// The strongly connected components of the dependency graph, dependencies first
/// (Tarjan's algorithm emits a component after every component it reaches). Within a
/// component, names are in sort order; the graph is tiny, so recursion depth is no issue.
fn components(deps: &BTreeMap<Symbol, BTreeSet<Symbol>>) -> Vec<Vec<Symbol>> {
    struct Tarjan<'a> {
        deps: &'a BTreeMap<Symbol, BTreeSet<Symbol>>,
        index: BTreeMap<Symbol, usize>,
        low: BTreeMap<Symbol, usize>,
        stack: Vec<Symbol>,
        on_stack: BTreeSet<Symbol>,
        out: Vec<Vec<Symbol>>,
    }
    impl Tarjan<'_> {
        fn visit(&mut self, v: Symbol) {
            let i = self.index.len();
            self.index.insert(v, i);
            self.low.insert(v, i);
            self.stack.push(v);
            self.on_stack.insert(v);
            for &w in &self.deps[&v] {
                if !self.index.contains_key(&w) {
                    self.visit(w);
                    let low = self.low[&v].min(self.low[&w]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(&w) {
                    let low = self.low[&v].min(self.index[&w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[&v] == self.index[&v] {
                let mut group = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(&w);
                    group.push(w);
                    if w == v {
                        break;
                    }
                }
                group.sort();
                self.out.push(group);
            }
        }
    }
    let mut tarjan = Tarjan {
        deps,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for &v in deps.keys() {
        if !tarjan.index.contains_key(&v) {
            tarjan.visit(v);
        }
    }
    tarjan.out
}

/// How many theories each thread keeps declared (a run uses one; tests use a few).
const TABLES_PER_THREAD: usize = 8;

thread_local! {
    /// Numbers this thread's datatype declarations, to make their Z3 names unique.
    static NEXT_SERIAL: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    static TABLES: RefCell<Vec<(Arc<Theory>, Rc<AdtTable>)>> = const { RefCell::new(Vec::new()) };
    static PLAIN: RefCell<Option<Rc<AdtTable>>> = const { RefCell::new(None) };
}

/// The algebraic datatypes of `theory` in this thread's current Z3 context.
pub(super) fn table_for(theory: &Arc<Theory>) -> Rc<AdtTable> {
    let context = z3::Context::thread_local();
    if !theory.algebraic {
        // Without algebraic datatypes every theory encodes alike: one table per context.
        return PLAIN.with(|plain| {
            let mut plain = plain.borrow_mut();
            match &*plain {
                Some(table) if table.context == context => Rc::clone(table),
                _ => Rc::clone(plain.insert(Rc::new(AdtTable::empty()))),
            }
        });
    }
    TABLES.with(|tables| {
        let mut tables = tables.borrow_mut();
        // A table from another context (after `with_z3_config`) cannot be used here.
        tables.retain(|(_, table)| table.context == context);
        if let Some((_, table)) = tables.iter().find(|(t, table)| **t == **theory && table.context == context)
        {
            return Rc::clone(table);
        }
        let table = Rc::new(AdtTable::build(theory));
        if tables.len() >= TABLES_PER_THREAD {
            tables.remove(0);
        }
        tables.push((Arc::clone(theory), Rc::clone(&table)));
        table
    })
}
