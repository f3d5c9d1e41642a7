//! Translation of formulas into Z3 terms.
//!
//! The encoding follows Synquid's (synthesis-algorithm.md (g)):
//! * `Bool` and `Int` are Z3's; sets are Z3 sets over the encoded element sort;
//! * type-variable sorts are `Int`, so `<` on elements of an abstract type is integer
//!   order, a total order for free; unsolved sort variables are `Int` as well;
//! * datatype sorts depend on the [`DatatypeEncoding`](super::DatatypeEncoding): the
//!   algebraic datatypes of the query's [`AdtTable`] are Z3 datatypes, and a `Cons`
//!   formula of such a sort is a Z3 constructor application (injective, distinct); every
//!   other datatype sort is `Int` and its constructors are uninterpreted functions
//!   (neither injective nor distinct);
//! * a variable is a Z3 constant named by its name *and* sort, so one name used at two
//!   sorts gives two constants;
//! * measures, predicates and constructors are uninterpreted functions named by name,
//!   result sort and argument sorts, which monomorphises sort-polymorphic measures per
//!   use (`len` on `List Int` and on `List a` are different functions);
//! * comparisons between Booleans become implications (`a <= b` is `a ==> b`);
//! * nested quantifiers become one Z3 quantifier; when the body is an implication whose
//!   premise is a membership or an application mentioning every bound variable, that
//!   premise is the trigger, as in Synquid.
//!
//! The encoder never builds an ill-sorted Z3 term: the binding turns Z3 errors into
//! panics, so [`Encoder::encode_bool`] runs the well-sortedness check first and
//! reports problems as [`SmtError`] values.

use std::collections::BTreeMap;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use z3::Pattern;
use z3::ast::{self, Ast, Bool, Dynamic, Int, Set};

use super::SmtError;
use super::datatypes::AdtTable;
use crate::logic::formula::{BinOp, Formula, Kind, UnOp};
use crate::logic::{Sort, Symbol, Variable};

/// A ground function application seen while encoding (kept for model rendering).
pub(super) struct GroundTerm {
    pub formula: Formula,
    pub term: Dynamic,
}

/// Encodes the formulas of one query and remembers their free constants.
pub(super) struct Encoder {
    /// The algebraic datatypes of the query's theory.
    pub adts: Rc<AdtTable>,
    /// Free variables met so far, with their Z3 constants; all of the query's only when
    /// `record_ground` is set (otherwise terms encoded by earlier queries are reused
    /// without a look inside).
    pub vars: BTreeMap<Variable, Dynamic>,
    /// Ground applications (no bound variable inside), in first-seen order; recorded
    /// only when `record_ground` is set, for the queries whose models are read.
    pub ground: Vec<GroundTerm>,
    pub record_ground: bool,
    /// Variables bound by enclosing quantifiers, innermost last.
    bound: Vec<Symbol>,
    /// Function declarations made so far, by kind, name and signature: a query applies
    /// the same measures many times.
    decls: FxHashMap<(&'static str, Symbol, Vec<Sort>, Sort), Rc<z3::FuncDecl>>,
}

fn internal(what: &str, at: &Formula) -> SmtError {
    SmtError::Encoding(format!("{what} in `{at}`"))
}

impl Encoder {
    pub fn new(adts: Rc<AdtTable>) -> Encoder {
        Encoder {
            adts,
            vars: BTreeMap::new(),
            ground: Vec::new(),
            record_ground: false,
            bound: Vec::new(),
            decls: FxHashMap::default(),
        }
    }

    /// Checks and encodes a Boolean formula.
    pub fn encode_bool(&mut self, f: &Formula) -> Result<Bool, SmtError> {
        if let Some(name) = f.unknowns().into_iter().next() {
            return Err(SmtError::UnsolvedUnknown(name));
        }
        match f.check_sorts().map_err(SmtError::IllSorted)? {
            Sort::Bool => self.boolean(f),
            other => Err(SmtError::Encoding(format!("`{f}` has sort {other}, not Bool"))),
        }
    }

    fn boolean(&mut self, f: &Formula) -> Result<Bool, SmtError> {
        self.term(f)?.as_bool().ok_or_else(|| internal("expected a Boolean", f))
    }

    fn integer(&mut self, f: &Formula) -> Result<Int, SmtError> {
        self.term(f)?.as_int().ok_or_else(|| internal("expected an integer", f))
    }

    fn set(&mut self, f: &Formula) -> Result<Set, SmtError> {
        self.term(f)?.as_set().ok_or_else(|| internal("expected a set", f))
    }

    fn term(&mut self, f: &Formula) -> Result<Dynamic, SmtError> {
        // Terms read back for a model must be seen, so those queries encode in full.
        // Leaves are cheap to build, and a variable's constant is cached per query.
        let leaf = matches!(f.kind(), Kind::Bool(_) | Kind::Int(_) | Kind::Var { .. });
        let cacheable = !leaf && self.bound.is_empty() && !self.record_ground;
        if cacheable && let Some(term) = self.adts.encoded(f) {
            return Ok(term);
        }
        let term = self.encode_term(f)?;
        if cacheable {
            self.adts.remember(f, &term);
        }
        Ok(term)
    }

    fn encode_term(&mut self, f: &Formula) -> Result<Dynamic, SmtError> {
        Ok(match f.kind() {
            Kind::Bool(value) => Dynamic::from_ast(&Bool::from_bool(*value)),
            Kind::Int(value) => Dynamic::from_ast(&Int::from_i64(*value)),
            Kind::Var { name, sort } => self.variable(*name, sort),
            Kind::Unknown { name, .. } => return Err(SmtError::UnsolvedUnknown(*name)),
            Kind::Unary(UnOp::Not, x) => Dynamic::from_ast(&self.boolean(x)?.not()),
            Kind::Unary(UnOp::Neg, x) => Dynamic::from_ast(&self.integer(x)?.unary_minus()),
            Kind::Binary(op, l, r) => self.binary(f, *op, l, r)?,
            Kind::Ite(c, t, e) => {
                let c = self.boolean(c)?;
                let (t, e) = (self.term(t)?, self.term(e)?);
                c.ite(&t, &e)
            }
            Kind::Pred { name, sort, args } => self.application("fn", *name, sort, args, f)?,
            Kind::Cons { name, sort, args } => {
                let adts = Rc::clone(&self.adts);
                match adts.constructor(sort, *name, args) {
                    // Not recorded for models: the value follows from the arguments.
                    Some(constructor) => self.apply(constructor, args, f, false)?,
                    None => self.application("ctor", *name, sort, args, f)?,
                }
            }
            Kind::All { .. } => Dynamic::from_ast(&self.quantifier(f)?),
            Kind::SetLit { elem, elems } => {
                let mut set = Set::empty(&self.adts.z3_sort(elem));
                for e in elems {
                    set = set.add(&self.term(e)?);
                }
                Dynamic::from_ast(&set)
            }
        })
    }

    fn variable(&mut self, name: Symbol, sort: &Sort) -> Dynamic {
        let make = |adts: &AdtTable| Dynamic::new_const(format!("{name}:{sort}"), &adts.z3_sort(sort));
        if self.bound.contains(&name) {
            return make(&self.adts);
        }
        // A free variable's constant is made once per query (its name is formatted and
        // interned by Z3 each time otherwise).
        let adts = Rc::clone(&self.adts);
        self.vars.entry(Variable::new(name, sort.clone())).or_insert_with(|| make(&adts)).clone()
    }

    fn application(
        &mut self,
        kind: &'static str,
        name: Symbol,
        sort: &Sort,
        args: &[Formula],
        f: &Formula,
    ) -> Result<Dynamic, SmtError> {
        let arg_sorts: Vec<Sort> = args.iter().map(Formula::sort).collect();
        let key = (kind, name, arg_sorts, sort.clone());
        let decl = match self.decls.get(&key) {
            Some(decl) => Rc::clone(decl),
            None => {
                let signature: Vec<String> = key.2.iter().map(|s| format!("({s})")).collect();
                let decl_name = format!("{kind}:{name}:{}->({sort})", signature.join(""));
                let domain: Vec<z3::Sort> = key.2.iter().map(|s| self.adts.z3_sort(s)).collect();
                let domain_refs: Vec<&z3::Sort> = domain.iter().collect();
                let decl = Rc::new(z3::FuncDecl::new(decl_name, &domain_refs, &self.adts.z3_sort(sort)));
                self.decls.insert(key, Rc::clone(&decl));
                decl
            }
        };
        self.apply(&decl, args, f, true)
    }

    /// Applies a function declaration to the encoded arguments; with `record`, a ground
    /// application is remembered for model rendering.
    fn apply(
        &mut self,
        decl: &z3::FuncDecl,
        args: &[Formula],
        f: &Formula,
        record: bool,
    ) -> Result<Dynamic, SmtError> {
        let encoded = args.iter().map(|arg| self.term(arg)).collect::<Result<Vec<_>, _>>()?;
        let encoded_refs: Vec<&dyn Ast> = encoded.iter().map(|a| a as &dyn Ast).collect();
        let term = decl.apply(&encoded_refs);
        let is_ground = record && self.record_ground && self.bound.iter().all(|var| !f.has_free_var(*var));
        if is_ground && !self.ground.iter().any(|g| g.formula == *f) {
            self.ground.push(GroundTerm { formula: f.clone(), term: term.clone() });
        }
        Ok(term)
    }

    fn binary(&mut self, f: &Formula, op: BinOp, l: &Formula, r: &Formula) -> Result<Dynamic, SmtError> {
        let boolean = |b: Bool| Dynamic::from_ast(&b);
        Ok(match op {
            BinOp::Times | BinOp::Plus | BinOp::Minus => {
                let (a, b) = (self.integer(l)?, self.integer(r)?);
                let result = match op {
                    BinOp::Times => Int::mul(&[a, b]),
                    BinOp::Plus => Int::add(&[a, b]),
                    _ => Int::sub(&[a, b]),
                };
                Dynamic::from_ast(&result)
            }
            BinOp::Eq | BinOp::Neq => {
                let (a, b) = (self.term(l)?, self.term(r)?);
                let eq = a.safe_eq(&b).map_err(|_| internal("operands of different Z3 sorts", f))?;
                boolean(if op == BinOp::Eq { eq } else { eq.not() })
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge if l.sort() == Sort::Bool => {
                // Booleans ordered false < true: `a <= b` is `a ==> b`.
                let (a, b) = (self.boolean(l)?, self.boolean(r)?);
                boolean(match op {
                    BinOp::Le => a.implies(&b),
                    BinOp::Ge => b.implies(&a),
                    BinOp::Lt => Bool::and(&[a.not(), b]),
                    _ => Bool::and(&[a, b.not()]),
                })
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let (a, b) = (self.integer(l)?, self.integer(r)?);
                boolean(match op {
                    BinOp::Lt => a.lt(&b),
                    BinOp::Le => a.le(&b),
                    BinOp::Gt => a.gt(&b),
                    _ => a.ge(&b),
                })
            }
            BinOp::And | BinOp::Or | BinOp::Implies | BinOp::Iff => {
                let (a, b) = (self.boolean(l)?, self.boolean(r)?);
                boolean(match op {
                    BinOp::And => Bool::and(&[a, b]),
                    BinOp::Or => Bool::or(&[a, b]),
                    BinOp::Implies => a.implies(&b),
                    _ => a.iff(&b),
                })
            }
            BinOp::Union | BinOp::Intersect | BinOp::Diff | BinOp::Subset => {
                let (a, b) = (self.set(l)?, self.set(r)?);
                match op {
                    BinOp::Union => Dynamic::from_ast(&Set::set_union(&[a, b])),
                    BinOp::Intersect => Dynamic::from_ast(&Set::intersect(&[a, b])),
                    BinOp::Diff => Dynamic::from_ast(&a.difference(&b)),
                    _ => boolean(a.set_subset(&b)),
                }
            }
            BinOp::Member => {
                let elem = self.term(l)?;
                boolean(self.set(r)?.member(&elem))
            }
        })
    }

    /// Encodes a block of nested quantifiers as one Z3 quantifier.
    fn quantifier(&mut self, f: &Formula) -> Result<Bool, SmtError> {
        let mut binders: Vec<(Symbol, Sort)> = Vec::new();
        let mut body = f;
        while let Kind::All { var, sort, body: inner } = body.kind() {
            binders.push((*var, sort.clone()));
            body = inner;
        }
        let constants: Vec<Dynamic> = binders
            .iter()
            .map(|(var, sort)| Dynamic::new_const(format!("{var}:{sort}"), &self.adts.z3_sort(sort)))
            .collect();
        let depth = self.bound.len();
        self.bound.extend(binders.iter().map(|(var, _)| *var));
        let encoded = self.boolean(body);
        let trigger = match (&encoded, body.kind()) {
            (Ok(_), Kind::Binary(BinOp::Implies, premise, _)) if is_trigger(premise, &binders) => {
                Some(self.term(premise))
            }
            _ => None,
        };
        self.bound.truncate(depth);
        let encoded = encoded?;
        let trigger = trigger.transpose()?;
        let bounds: Vec<&dyn Ast> = constants.iter().map(|c| c as &dyn Ast).collect();
        Ok(match trigger {
            Some(trigger) => {
                let pattern = Pattern::new(&[&trigger as &dyn Ast]);
                ast::forall_const(&bounds, &[&pattern], &encoded)
            }
            None => ast::forall_const(&bounds, &[], &encoded),
        })
    }
}

/// Whether `premise` is a usable trigger: a membership in, or an application of, an
/// uninterpreted term (Z3 rejects interpreted operators such as `+` or set union in
/// patterns), mentioning every bound variable.
fn is_trigger(premise: &Formula, binders: &[(Symbol, Sort)]) -> bool {
    let shape_ok = match premise.kind() {
        Kind::Binary(BinOp::Member, elem, set) => is_uninterpreted(elem) && is_uninterpreted(set),
        Kind::Pred { .. } => is_uninterpreted(premise),
        _ => false,
    };
    shape_ok && binders.iter().all(|(var, _)| premise.has_free_var(*var))
}

/// Variables and applications of uninterpreted functions to such terms.
fn is_uninterpreted(term: &Formula) -> bool {
    match term.kind() {
        Kind::Var { .. } => true,
        Kind::Pred { args, .. } | Kind::Cons { args, .. } => args.iter().all(is_uninterpreted),
        _ => false,
    }
}
