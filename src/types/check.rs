//! Bidirectional refinement type checking of goal bodies.
//!
//! I-terms (lambdas, `if`, `match`, `let`, `error`, holes) are *checked* against the type
//! pushed down from the goal; E-terms (variables, applications, operators, literals) have
//! their type *inferred* and are then compared by subtyping. Every comparison is solved
//! immediately (see `subtype`), so the checker can run on partial programs: a hole `??`
//! is accepted and recorded with the type it must have, which is how the synthesizer
//! asks "is this prefix still completable?".
//!
//! A goal's own name is in scope in its body at its **termination-restricted** type: the
//! first argument that is an `Int` or a datatype with a `termination measure` must
//! decrease (`0 <= m(_v) < m(x)`), and the type is generalized over the goal's type
//! variables (polymorphic recursion).

use std::ops::Range;

use crate::logic::{Formula, SmtSolver, Sort, Substitution, Symbol};
use crate::resolve::{ConstructorDef, GoalDef, Program};
use crate::syntax::ast::{self, BinOp, Term, TermKind, UnOp};
use crate::types::qualifiers::QualifierGenerators;
use crate::types::subtype::{SubtypeError, TypingState, map_formulas, mentions_type_var, rename_var};
use crate::types::{BaseType, Env, RType, Schema};

/// A hole met while checking, with the type it must have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hole {
    pub span: Range<usize>,
    pub env: Env,
    pub ty: RType,
}

/// Why a goal does not check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeError {
    Subtype(SubtypeError),
    /// A construct the checker does not handle yet.
    Unsupported {
        span: Range<usize>,
        what: String,
    },
    /// Something is applied that is not a function, or a case names the wrong datatype.
    Misuse {
        span: Range<usize>,
        message: String,
    },
    /// A type annotation in the body does not resolve (its diagnostic, if any).
    Annotation(Option<crate::diagnostics::Diagnostic>),
}

impl From<SubtypeError> for TypeError {
    fn from(e: SubtypeError) -> Self {
        TypeError::Subtype(e)
    }
}

/// The outcome of checking one goal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub holes: Vec<Hole>,
}

/// Checks a goal's body against its specification.
///
/// Function-typed arguments (`foldr f0 seed xs`) can be checked in place, left to right,
/// or after the rest of their application, when the later arguments have fixed the type
/// variables of their types (`sort`'s fold needs that to match on its accumulator). The
/// body is accepted if either order checks it. A body with such arguments is tried in
/// the deferred order first, since programs that need it fail the other order, usually
/// late; if both fail, the error reported is the in-place one, which points nearer to
/// the mistake. (Templates keep the in-place order first: their holes are then met in
/// source order.)
pub fn check_goal(program: &Program, goal: &GoalDef, smt: &SmtSolver) -> Result<Checked, TypeError> {
    check_either_order(program, goal, smt, true).map(|(_, holes)| Checked { holes })
}

/// Checks a goal's body, which may contain holes, and returns the typing state reached
/// together with every hole and the type it must have. The synthesizer fills the holes
/// starting from that state: every constraint of the rest of the body is already in it.
pub fn check_template<'p>(
    program: &'p Program,
    goal: &GoalDef,
    smt: &SmtSolver,
) -> Result<(TypingState<'p>, Vec<Hole>), TypeError> {
    check_either_order(program, goal, smt, false)
}

/// Checks the body with function arguments checked in one order, then (if the body has
/// any and that failed) in the other; `defer_first` chooses which comes first. The
/// error reported is the in-place order's.
fn check_either_order<'p>(
    program: &'p Program,
    goal: &GoalDef,
    smt: &SmtSolver,
    defer_first: bool,
) -> Result<(TypingState<'p>, Vec<Hole>), TypeError> {
    if !mentions_function_argument(&goal.body) {
        return check_goal_with(program, goal, smt, false);
    }
    match check_goal_with(program, goal, smt, defer_first) {
        Ok(checked) => Ok(checked),
        Err(first) => check_goal_with(program, goal, smt, !defer_first)
            .map_err(|second| if defer_first { second } else { first }),
    }
}

/// Where checking or synthesizing a goal starts: a fresh typing state, the environment
/// of the goal's body (components, the goal's type and predicate variables, and the goal
/// itself at its termination-restricted type), and the type the body must have.
pub struct GoalSetup<'p> {
    pub state: TypingState<'p>,
    pub env: Env,
    pub ty: RType,
    pub recursion: Option<Recursion>,
}

/// How a goal may call itself.
pub struct Recursion {
    /// The type of recursive calls (generalized over the goal's type variables).
    pub ty: RType,
    /// The termination metric, as written (`len xs`).
    pub metric: String,
    /// The position of the argument that carries the decrease condition.
    pub decrease_at: usize,
}

/// Sets up a goal whose formal parameters are named as in `ty` (the specification, or
/// the specification renamed to the body's lambda binders).
pub fn goal_setup<'p>(program: &'p Program, goal: &GoalDef, ty: RType, smt: &SmtSolver) -> GoalSetup<'p> {
    let generators = QualifierGenerators::for_goal(program, goal);
    let mut state = TypingState::new(program, generators, smt.clone());
    let mut env = Env::new();
    for component in program.components_for(goal) {
        env = env.with_global(component.name, component.schema.clone());
    }
    for a in &goal.schema.type_vars {
        env = env.with_type_var(*a);
    }
    for p in &goal.schema.pred_params {
        env = env.with_pred(p.name, p.args.clone());
    }
    let recursion = recursive_type(program, &ty, &mut state).map(|(recursive, metric, decrease_at)| {
        let schema = Schema {
            type_vars: goal.schema.type_vars.clone(),
            pred_params: goal.schema.pred_params.clone(),
            ty: recursive.clone(),
        };
        env = env.with_global(goal.name, schema);
        Recursion { ty: recursive, metric, decrease_at }
    });
    GoalSetup { state, env, ty, recursion }
}

/// Whether some application in the term has a lambda or a `let`-bound function as an
/// argument (only then does the order of checking function arguments matter).
fn mentions_function_argument(t: &Term) -> bool {
    let here = match &t.kind {
        TermKind::Let { value, .. } => matches!(value.kind, TermKind::Lambda { .. }),
        TermKind::App { args, .. } => args.iter().any(|a| matches!(a.kind, TermKind::Lambda { .. })),
        _ => false,
    };
    here || t.children().into_iter().any(mentions_function_argument)
}

fn check_goal_with<'p>(
    program: &'p Program,
    goal: &GoalDef,
    smt: &SmtSolver,
    defer: bool,
) -> Result<(TypingState<'p>, Vec<Hole>), TypeError> {
    let ty = rename_to_binders(&goal.schema.ty, &goal.body);
    let setup = goal_setup(program, goal, ty, smt);
    let (metric, decrease_at) = match &setup.recursion {
        Some(r) => (Some(r.metric.clone()), Some(r.decrease_at)),
        None => (None, None),
    };
    let mut checker = Checker {
        state: setup.state,
        goal,
        holes: Vec::new(),
        metric,
        lambdas: Vec::new(),
        defer,
        decrease_at,
        arg_index: 0,
    };
    checker.check(&setup.env, &goal.body, &setup.ty)?;
    Ok((checker.state, checker.holes))
}

struct Checker<'p, 'g> {
    state: TypingState<'p>,
    goal: &'g GoalDef,
    holes: Vec<Hole>,
    /// The termination metric recursive calls must decrease, as written (`len xs`).
    metric: Option<String>,
    /// Auxiliary functions bound by `let`, innermost last.
    lambdas: Vec<(Symbol, Term)>,
    /// Whether function-typed arguments are checked after the rest of their application.
    defer: bool,
    /// The position of the goal's argument that carries the decrease condition.
    decrease_at: Option<usize>,
    /// The position of the argument being applied (for messages).
    arg_index: usize,
}

impl Checker<'_, '_> {
    fn span(&self, t: &Term) -> Range<usize> {
        t.span.absolute(self.goal.offset)
    }

    /// Checks an argument in a function-typed position: a lambda, an auxiliary function
    /// bound by `let`, or a variable of function type.
    fn check_function_argument(&mut self, env: &Env, arg: &Term, formal: &RType) -> Result<(), TypeError> {
        let lambda = match &arg.kind {
            TermKind::Var(x) => {
                let name = Symbol::from(x.text.as_str());
                self.lambdas.iter().rev().find(|(n, _)| *n == name).cloned()
            }
            _ => None,
        };
        match lambda {
            Some((name, term)) => self.check_auxiliary(env, name, &term, formal),
            None => self.check(env, arg, formal),
        }
    }

    /// Checks an auxiliary function (a lambda bound by `let`) against the type of the
    /// argument position it is used in. Inside its body it may call itself, at that type
    /// restricted by the same termination rule as goals.
    ///
    /// Recursive calls are polymorphic in the goal's type variables, as calls of the
    /// goal itself are: the body is checked with them rigid, so it works at every
    /// instance. That is what lets an insertion helper put its recursive result under
    /// `Cons x12 ..`, at the element type `{a | x12 <= _v}`. A type variable is kept
    /// rigid when the body uses an enclosing local whose type mentions it: values taken
    /// from that local would not meet an instance's refinement.
    fn check_auxiliary(
        &mut self,
        env: &Env,
        name: Symbol,
        lambda: &Term,
        ty: &RType,
    ) -> Result<(), TypeError> {
        let ty = rename_to_binders(&self.state.resolve(ty), lambda);
        let captured: Vec<RType> = env
            .locals()
            .filter(|(x, _)| lambda.mentions_var(x.as_str()))
            .map(|(_, t)| self.state.resolve(t))
            .collect();
        let env = match auxiliary_recursion(&mut self.state, env, &ty, &captured) {
            Some(schema) => env.with_global(name, schema),
            None => env.clone(),
        };
        self.check(&env, lambda, &ty)
    }

    /// Checks an I-term against a type.
    fn check(&mut self, env: &Env, t: &Term, ty: &RType) -> Result<(), TypeError> {
        let ty = self.state.resolve(ty);
        match (&t.kind, &ty) {
            (TermKind::Lambda { param, body }, RType::Function { param: x, arg, result }) => {
                let y = Symbol::from(param.text.as_str());
                let env = env.bind(y, (**arg).clone());
                let result = match arg.sort() {
                    Some(sort) if *x != y => rename_var(result, *x, &Formula::var(y, sort)),
                    _ => (**result).clone(),
                };
                self.check(&env, body, &result)
            }
            (TermKind::Lambda { .. }, _) => Err(TypeError::Misuse {
                span: self.span(t),
                message: format!("a function is not a value of type `{ty}`"),
            }),
            (TermKind::If { cond, then_branch, else_branch }, _) => {
                let (env, cond_ty) = self.infer(env, cond)?;
                let bool_ty = RType::plain(BaseType::Bool);
                self.state.subtype(&env, &cond_ty, &bool_ty, self.span(cond))?;
                let psi = self.state.resolve(&cond_ty).refinement();
                let holds = |b: bool| branch_fact(&psi, b);
                self.check(&env.assume(holds(true)), then_branch, &ty)?;
                self.check(&env.assume(holds(false)), else_branch, &ty)
            }
            (TermKind::Match { scrutinee, cases }, _) => self.check_match(env, scrutinee, cases, &ty),
            (TermKind::Let { binder, value, body }, _) => {
                if matches!(value.kind, TermKind::Lambda { .. }) {
                    // An auxiliary function: checked where it is used, at the type the use
                    // requires (uses may only be higher-order arguments, as in Synquid).
                    self.lambdas.push((Symbol::from(binder.text.as_str()), (**value).clone()));
                    let checked = self.check(env, body, &ty);
                    self.lambdas.pop();
                    return checked;
                }
                let (env, value_ty) = self.infer(env, value)?;
                let env = env.bind(Symbol::from(binder.text.as_str()), value_ty);
                self.check(&env, body, &ty)
            }
            (TermKind::Error, _) => Ok(self.state.unreachable(env, self.span(t))?),
            (TermKind::Hole, _) => {
                self.holes.push(Hole { span: self.span(t), env: env.clone(), ty: ty.clone() });
                Ok(())
            }
            (TermKind::Annot { term, ty: annotation }, _) => {
                let vars: Vec<(Symbol, Sort)> =
                    env.locals().filter_map(|(n, t)| t.sort().map(|s| (n, s))).collect();
                let declared = crate::resolve::resolve_annotation(self.state.program, annotation, &vars)
                    .map_err(|errors| {
                        let first = errors.into_iter().next().map(|e| e.into_diagnostic());
                        TypeError::Annotation(first.map(|d| d.shifted(self.goal.offset as usize)))
                    })?;
                self.check(env, term, &declared)?;
                Ok(self.state.subtype(env, &declared, &ty, self.span(t))?)
            }
            (TermKind::App { head, args }, _) => {
                self.infer_app(env, t, head, args, Some(&ty))?;
                Ok(())
            }
            _ => {
                let (env, found) = self.infer(env, t)?;
                Ok(self.state.subtype(&env, &found, &ty, self.span(t))?)
            }
        }
    }

    /// A hole applied to arguments (`?? y`, `?? (tail xs)`, `?? f`): a function from
    /// the arguments' types to the expected type. A first-order argument's parameter
    /// is refined by a fresh unknown, and so is a first-order result, over the
    /// parameters too (`expected` is a shape still unknown where nothing says what the
    /// application returns): the solver values the result's unknown with what the
    /// context needs of it, said of the parameters (`_v == x + 1`), and the hole is
    /// filled at that type. A function-typed argument's parameter has the argument's
    /// own type (refinements never mention a function, so nothing is renamed), and
    /// where a function is expected (`map (?? x) xs`) the hole returns exactly that
    /// type. Returns the application's type, with the environment naming the arguments
    /// that are not variables.
    fn apply_hole_function(
        &mut self,
        env: &Env,
        hole: &Term,
        args: &[Term],
        expected: &RType,
    ) -> Result<(Env, RType), TypeError> {
        let expected = self.state.resolve(expected);
        let result_shape = match (&expected, expected.sort()) {
            (RType::Scalar { base, .. }, Some(sort)) => Some((base.clone(), sort)),
            (RType::Function { .. }, _) => None,
            (RType::Scalar { .. }, None) => {
                return Err(TypeError::Unsupported {
                    span: self.span(hole),
                    what: "a hole applied where the result's type is not known".into(),
                });
            }
        };
        let mut applied_env = env.clone();
        let mut scope = env.clone();
        let mut params = Vec::new();
        // The logic term each first-order parameter stands for in the result.
        let mut values = Vec::new();
        for arg in args {
            if let TermKind::Lambda { .. } = arg.kind {
                // Filling substitutes the arguments into the hole's body, which would
                // put this lambda where the checker takes no lambda: in function position.
                return Err(TypeError::Unsupported {
                    span: self.span(arg),
                    what: "a lambda as the argument of a hole".into(),
                });
            }
            let (next, actual) = self.infer(&applied_env, arg)?;
            let actual = self.state.resolve(&actual);
            match (&actual, actual.sort()) {
                (RType::Scalar { base, .. }, Some(sort)) => {
                    let param = self.state.fresh("x");
                    let formal = RType::scalar(base.clone(), self.state.fresh_refinement(&scope, &sort));
                    self.state.subtype(&next, &actual, &formal, self.span(arg))?;
                    let value;
                    (applied_env, value) = self.name_argument(next, arg, &actual, sort);
                    scope = scope.bind(param, formal.clone());
                    params.push((param, formal));
                    values.push(Some(value));
                }
                (RType::Function { .. }, _) => {
                    let param = self.state.fresh("f");
                    applied_env = next;
                    scope = scope.bind(param, actual.clone());
                    params.push((param, actual));
                    values.push(None);
                }
                (RType::Scalar { .. }, None) => {
                    return Err(TypeError::Unsupported {
                        span: self.span(arg),
                        what: "an argument of a hole whose type is not known".into(),
                    });
                }
            }
        }
        let result = match result_shape {
            Some((base, sort)) => RType::scalar(base, self.state.fresh_hole_refinement(&scope, &sort)),
            None => expected,
        };
        let applied = params
            .iter()
            .zip(&values)
            .filter_map(|((x, _), v)| Some((x, v.as_ref()?)))
            .fold(result.clone(), |r, (x, v)| rename_var(&r, *x, v));
        let f = params.into_iter().rev().fold(result, |r, (param, formal)| RType::Function {
            param,
            arg: Box::new(formal),
            result: Box::new(r),
        });
        self.holes.push(Hole { span: self.span(hole), env: env.clone(), ty: f });
        Ok((applied_env, applied))
    }

    /// An application. With an `expected` type (checking mode), the result is checked
    /// against it *before* the deferred function arguments: that binds the type
    /// variables only the context fixes (the accumulator type `b` of `foldr f Nil xs`
    /// against `IncList a`, with its abstract refinement), so that the function
    /// argument is checked at a type that is known.
    fn infer_app(
        &mut self,
        env: &Env,
        t: &Term,
        head: &Term,
        args: &[Term],
        expected: Option<&RType>,
    ) -> Result<(Env, RType), TypeError> {
        if let TermKind::Hole = head.kind {
            // Applied where nothing says what it returns (`let z = ?? y in ..`), the
            // hole returns a value of a shape still unknown, fixed by the uses.
            let shape = match expected {
                Some(expected) => expected.clone(),
                None => RType::plain(self.state.unknown_shape(env)),
            };
            let (env, ty) = self.apply_hole_function(env, head, args, &shape)?;
            if let Some(expected) = expected {
                self.state.subtype(&env, &ty, expected, self.span(t))?;
            }
            return Ok((env, ty));
        }
        let (mut env, mut f) = self.infer(env, head)?;
        let mut deferred = Vec::new();
        for (index, arg) in args.iter().enumerate() {
            self.arg_index = index;
            (env, f) = self.apply(&env, f, arg, t, &mut deferred)?;
        }
        if let Some(expected) = expected {
            self.state.subtype(&env, &f, expected, self.span(t))?;
        }
        // Function arguments are checked once the whole application is known, so that
        // the later arguments have fixed the type variables in their types (`foldr f0
        // Nil xs` instantiates `f0`'s type only through `Nil` and `xs`).
        for (arg_env, arg, formal) in deferred {
            let formal = self.state.resolve(&formal);
            self.check_function_argument(&arg_env, &arg, &formal)?;
        }
        Ok((env, f))
    }

    fn check_match(
        &mut self,
        env: &Env,
        scrutinee: &Term,
        cases: &[ast::Case],
        ty: &RType,
    ) -> Result<(), TypeError> {
        let (env, scrutinee_ty) = self.infer(env, scrutinee)?;
        let mut scrutinee_ty = self.state.resolve(&scrutinee_ty);
        let mut shape_from_cases = false;
        // A scrutinee whose type is still a free type variable (a helper's argument,
        // checked before the application that fixes it) is a value of the datatype its
        // cases name.
        if let RType::Scalar { base: BaseType::Var(a), .. } = &scrutinee_ty
            && self.state.is_free_type_var(*a)
            && let Some(def) = cases
                .first()
                .and_then(|c| self.state.program.constructors.get(&Symbol::from(c.constructor.text.as_str())))
        {
            let instance = self.state.instantiate(&env, &def.schema.clone());
            let datatype = RType::plain(match instance.result() {
                RType::Scalar { base, .. } => base.clone(),
                RType::Function { .. } => BaseType::Int,
            });
            self.state.unify_shapes(&env, &scrutinee_ty, &datatype)?;
            scrutinee_ty = self.state.resolve(&scrutinee_ty);
            shape_from_cases = true;
        }
        let RType::Scalar { base: BaseType::Data { name, args, preds }, .. } = &scrutinee_ty else {
            return Err(TypeError::Misuse {
                span: self.span(scrutinee),
                message: format!("cannot match on a value of type `{scrutinee_ty}`"),
            });
        };
        let sort = scrutinee_ty.sort().unwrap_or(Sort::Int);
        // The scrutinee as a logic term: itself if it is a variable, else a ghost.
        let (env, value) = match &scrutinee.kind {
            TermKind::Var(x) => (env, Formula::var(Symbol::from(x.text.as_str()), sort.clone())),
            _ => {
                let ghost = self.state.fresh("g");
                (env.bind_ghost(ghost, scrutinee_ty.clone()), Formula::var(ghost, sort.clone()))
            }
        };
        let program = self.state.program;
        // When the cases gave the scrutinee its shape, its type arguments are still
        // free until the bodies that use them are checked, and an `error` case checked
        // first would find no qualifiers of their sorts: those cases go last.
        let mut order: Vec<&ast::Case> = cases.iter().collect();
        if shape_from_cases {
            order.sort_by_key(|c| matches!(c.body.kind, TermKind::Error));
        }
        for case in order {
            let ctor = Symbol::from(case.constructor.text.as_str());
            let Some(def) = program.constructors.get(&ctor) else {
                return Err(TypeError::Misuse {
                    span: case.span.absolute(self.goal.offset),
                    message: format!("unknown constructor `{ctor}`"),
                });
            };
            if def.datatype != *name {
                return Err(TypeError::Misuse {
                    span: case.constructor.span.absolute(self.goal.offset),
                    message: format!(
                        "`{ctor}` is a constructor of `{}`, but the scrutinee has type `{scrutinee_ty}`",
                        def.datatype
                    ),
                });
            }
            let arity = def.schema.ty.arity();
            if arity != case.binders.len() {
                return Err(TypeError::Misuse {
                    span: case.span.absolute(self.goal.offset),
                    message: format!(
                        "constructor `{ctor}` has {arity} arguments, but the case binds {}",
                        case.binders.len()
                    ),
                });
            }
            let binders: Vec<Symbol> = case
                .binders
                .iter()
                .map(|b| if b.is_blank() { self.state.fresh("_") } else { Symbol::from(b.text.as_str()) })
                .collect();
            let (bindings, equation) = case_bindings(def, args, preds, &binders, &value);
            let case_env = bindings.into_iter().fold(env.clone(), |e, (x, t)| e.bind(x, t));
            self.check(&case_env.assume(equation), &case.body, ty)?;
        }
        Ok(())
    }

    /// Infers the type of an E-term. Arguments that are not variables are named by
    /// ghosts bound in the returned environment, so that types can mention them.
    fn infer(&mut self, env: &Env, t: &Term) -> Result<(Env, RType), TypeError> {
        match &t.kind {
            TermKind::Var(x) => {
                let name = Symbol::from(x.text.as_str());
                if let Some(ty) = env.local(name) {
                    let ty = self.state.resolve(ty);
                    return Ok((
                        env.clone(),
                        match ty.sort() {
                            Some(sort) => singleton(&ty, Formula::var(name, sort)),
                            None => ty,
                        },
                    ));
                }
                match env.global(name).cloned() {
                    Some(schema) => Ok((env.clone(), self.state.instantiate(env, &schema))),
                    None => Err(TypeError::Misuse {
                        span: self.span(t),
                        message: format!("`{name}` is not in scope here"),
                    }),
                }
            }
            TermKind::Ctor(c) => {
                let name = Symbol::from(c.text.as_str());
                match self.state.program.constructors.get(&name) {
                    Some(def) => {
                        let schema = def.schema.clone();
                        Ok((env.clone(), self.state.instantiate(env, &schema)))
                    }
                    None => Err(TypeError::Misuse {
                        span: self.span(t),
                        message: format!("unknown constructor `{name}`"),
                    }),
                }
            }
            TermKind::Int(n) => {
                let n = i64::try_from(*n).unwrap_or(i64::MAX);
                Ok((
                    env.clone(),
                    RType::scalar(BaseType::Int, Formula::eq(Formula::value_var(Sort::Int), Formula::int(n))),
                ))
            }
            TermKind::Bool(b) => {
                let v = Formula::value_var(Sort::Bool);
                let refinement = if *b { v } else { !v };
                Ok((env.clone(), RType::scalar(BaseType::Bool, refinement)))
            }
            TermKind::App { head, args } => self.infer_app(env, t, head, args, None),
            TermKind::Unary(op, a) => {
                let ty = builtin_unary(*op);
                self.apply(env, ty, a, t, &mut Vec::new())
            }
            TermKind::Binary(op, a, b) => {
                let schema = builtin_binary(*op);
                let f = self.state.instantiate(env, &schema);
                let (env, f) = self.apply(env, f, a, t, &mut Vec::new())?;
                self.apply(&env, f, b, t, &mut Vec::new())
            }
            TermKind::Hole => {
                // A hole whose type only its context can tell (a `let` value, a
                // scrutinee, a condition): a value of a type still unknown, refined by an
                // unknown over the scope here. The uses fix the shape; the solver values
                // the refinement with what they need of it, and the hole is filled at
                // that type.
                let ty = self.state.unknown_type(env);
                self.holes.push(Hole { span: self.span(t), env: env.clone(), ty: ty.clone() });
                Ok((env.clone(), ty))
            }
            TermKind::List(_) => {
                Err(TypeError::Unsupported { span: self.span(t), what: "list literals".into() })
            }
            TermKind::Lambda { .. }
            | TermKind::Let { .. }
            | TermKind::If { .. }
            | TermKind::Match { .. }
            | TermKind::Error
            | TermKind::Annot { .. } => Err(TypeError::Unsupported {
                span: self.span(t),
                what: "a lambda, `let`, `if`, `match` or `error` in argument position".into(),
            }),
        }
    }

    /// Applies a function of type `f` to `arg`: checks the argument against the formal,
    /// then substitutes it (or a ghost naming it) into the result.
    fn apply(
        &mut self,
        env: &Env,
        f: RType,
        arg: &Term,
        whole: &Term,
        deferred: &mut Vec<(Env, Term, RType)>,
    ) -> Result<(Env, RType), TypeError> {
        let f = self.state.resolve(&f);
        let RType::Function { param, arg: formal, result } = f else {
            return Err(TypeError::Misuse {
                span: self.span(whole),
                message: format!("a value of type `{f}` is applied to too many arguments"),
            });
        };
        if formal.is_function() {
            if self.defer {
                deferred.push((env.clone(), arg.clone(), *formal));
            } else {
                self.check_function_argument(env, arg, &formal)?;
            }
            return Ok((env.clone(), *result));
        }
        if let TermKind::Hole = arg.kind {
            return Ok(self.apply_hole(env, arg, &formal, param, *result));
        }
        let (env, actual) = self.infer(env, arg)?;
        // Only the argument that carries the decrease condition can fail for termination.
        let recursive = matches!(&head_name(whole), Some(n) if *n == self.goal.name.as_str())
            && self.decrease_at == Some(self.arg_index);
        self.state.note = recursive.then(|| {
            format!(
                "this argument of the recursive call to `{}` must make the termination metric `{}` decrease",
                self.goal.name,
                self.metric.as_deref().unwrap_or("?")
            )
        });
        let checked = self.state.subtype(&env, &actual, &formal, self.span(arg));
        self.state.note = None;
        checked?;
        let formal = self.state.resolve(&formal);
        let sort = formal.sort().unwrap_or(Sort::Int);
        let (env, value) = self.name_argument(env, arg, &actual, sort);
        Ok((env, rename_var(&result, param, &value)))
    }

    /// An argument as a logic term: itself if it is a local variable or a literal, else
    /// a ghost of its type, bound in the returned environment.
    fn name_argument(&mut self, env: Env, arg: &Term, actual: &RType, sort: Sort) -> (Env, Formula) {
        match &arg.kind {
            TermKind::Var(x) if env.local(Symbol::from(x.text.as_str())).is_some() => {
                (env, Formula::var(Symbol::from(x.text.as_str()), sort))
            }
            TermKind::Int(n) => (env, Formula::int(i64::try_from(*n).unwrap_or(i64::MAX))),
            TermKind::Bool(b) => (env, Formula::bool(*b)),
            _ => {
                let ghost = self.state.fresh("g");
                (env.bind_ghost(ghost, self.state.resolve(actual)), Formula::var(ghost, sort))
            }
        }
    }
}

impl Checker<'_, '_> {
    /// A hole as the argument of a first-order parameter. What it must be is unknown
    /// until the rest of the program has been checked: the hole's type is the formal
    /// strengthened by a fresh refinement unknown, which the solver values with the
    /// weakest qualifiers under which the application meets what its context requires
    /// (`Cons z ??` against `len _v == len xs + len ys` makes the hole's type
    /// `{List a | len _v == len zs + len ys}`). The hole is filled later, at that type.
    fn apply_hole(
        &mut self,
        env: &Env,
        hole: &Term,
        formal: &RType,
        param: Symbol,
        result: RType,
    ) -> (Env, RType) {
        let formal = self.state.resolve(formal);
        let sort = formal.sort().unwrap_or(Sort::Int);
        let unknown = self.state.fresh_refinement(env, &sort);
        let hole_ty = formal.strengthen(unknown);
        self.holes.push(Hole { span: self.span(hole), env: env.clone(), ty: hole_ty.clone() });
        let ghost = self.state.fresh("g");
        let env = env.bind_ghost(ghost, hole_ty);
        (env, rename_var(&result, param, &Formula::var(ghost, sort)))
    }
}

/// What the condition's refinement `ψ` says when the condition is `b`: `ψ[_v := b]`,
/// read directly as `φ` or `!φ` when `ψ` is `_v <==> φ` or `_v == φ`.
fn branch_fact(psi: &Formula, b: bool) -> Formula {
    use crate::logic::{BinOp as L, Kind};
    if let Kind::Binary(L::Iff | L::Eq, l, r) = psi.kind()
        && matches!(l.kind(), Kind::Var { name, .. } if name.as_str() == "_v")
        && !r.free_var_names().iter().any(|n| n.as_str() == "_v")
    {
        return if b { r.clone() } else { !r.clone() };
    }
    psi.substitute(&Substitution::single("_v", Formula::bool(b)))
}

/// Renames the parameter `from` of a function type (the first one with that name) to
/// `to`, in the parameter position and in the types after it.
fn rename_param(ty: &RType, from: Symbol, to: Symbol, sort: Option<Sort>) -> RType {
    match ty {
        RType::Function { param, arg, result } if *param == from => {
            let result = match sort {
                Some(s) => rename_var(result, from, &Formula::var(to, s)),
                None => (**result).clone(),
            };
            RType::Function { param: to, arg: arg.clone(), result: Box::new(result) }
        }
        RType::Function { param, arg, result } => RType::Function {
            param: *param,
            arg: arg.clone(),
            result: Box::new(rename_param(result, from, to, sort)),
        },
        scalar => scalar.clone(),
    }
}

/// The name at the head of an application, if it is a variable.
fn head_name(t: &Term) -> Option<&str> {
    match &t.kind {
        TermKind::App { head, .. } => head_name(head),
        TermKind::Var(n) => Some(n.text.as_str()),
        _ => None,
    }
}

/// `{B | _v == x}` for a scalar, keeping the base with its refined type arguments.
pub(crate) fn singleton(ty: &RType, x: Formula) -> RType {
    match ty {
        RType::Scalar { base, .. } => {
            RType::scalar(base.clone(), Formula::eq(Formula::value_var(base.sort()), x))
        }
        f => f.clone(),
    }
}

/// The variables a `match` case binds and the fact it assumes: each binder gets the
/// type of the constructor's argument at the scrutinee's type and predicate arguments,
/// and the fact is the constructor's result refinement about the scrutinee's value
/// (`xs == Cons y ys`).
///
/// The constructor's parameters are named after the binders first, and only then are
/// the scrutinee's type arguments substituted: those may mention variables that share a
/// name with a constructor parameter (a goal argument `x` and `Cons :: x: a -> ...`),
/// which must not be captured.
pub fn case_bindings(
    def: &ConstructorDef,
    type_args: &[RType],
    pred_args: &[Formula],
    binders: &[Symbol],
    scrutinee: &Formula,
) -> (Vec<(Symbol, RType)>, Formula) {
    let mut renamed = def.schema.ty.clone();
    let mut params = Vec::new();
    let mut t = &def.schema.ty;
    while let RType::Function { param, arg, result } = t {
        params.push((*param, arg.sort()));
        t = result;
    }
    for ((param, sort), bound) in params.iter().zip(binders) {
        renamed = rename_param(&renamed, *param, *bound, sort.clone());
    }
    let types = def.schema.type_vars.iter().copied().zip(type_args.iter().cloned()).collect();
    let mut ctor_ty = renamed.substitute_type_vars(&types);
    if !def.schema.pred_params.is_empty() {
        let pmap = def.schema.pred_params.iter().map(|p| p.name).zip(pred_args.iter().cloned()).collect();
        ctor_ty = map_formulas(&ctor_ty, &|f| f.substitute_predicates(&pmap));
    }
    let mut bindings = Vec::new();
    let mut t = ctor_ty;
    for bound in binders {
        let RType::Function { arg, result, .. } = t else { break };
        bindings.push((*bound, *arg));
        t = *result;
    }
    let equation = t.refinement().substitute(&Substitution::single("_v", scrutinee.clone()));
    (bindings, equation)
}

/// Renames the formal parameters of a goal's type to its lambda binders, so that the
/// body's variables and the type's refinements speak of the same names.
fn rename_to_binders(ty: &RType, body: &Term) -> RType {
    match (ty, &body.kind) {
        (RType::Function { param, arg, result }, TermKind::Lambda { param: binder, body }) => {
            let y = Symbol::from(binder.text.as_str());
            let result = match arg.sort() {
                Some(sort) if *param != y => rename_var(result, *param, &Formula::var(y, sort)),
                _ => (**result).clone(),
            };
            RType::Function { param: y, arg: arg.clone(), result: Box::new(rename_to_binders(&result, body)) }
        }
        _ => ty.clone(),
    }
}

/// The type at which a goal may call itself: its own type with fresh parameter names,
/// where the arguments that have a termination metric (an `Int`, or a datatype with a
/// `termination measure`) must decrease **lexicographically**, in declaration order: some
/// metric decreases (staying non-negative) while all metrics before it are unchanged.
/// The condition is put on the last such argument, whose type may mention the earlier
/// ones. `None` without such an argument. Also returns the metric, as written, and the
/// position of the argument that carries the condition.
///
/// Lexicographic order accepts every call that Synquid's default (the first metric
/// decreases) accepts, and also calls such as `merge xs (tail ys)`, for which Synquid
/// needs a flag.
fn recursive_type(
    program: &Program,
    ty: &RType,
    state: &mut TypingState<'_>,
) -> Option<(RType, String, usize)> {
    let mut params = Vec::new();
    let mut t = ty;
    while let RType::Function { param, arg, result } = t {
        params.push((*param, (**arg).clone()));
        t = result;
    }
    let recursible: Vec<usize> = (0..params.len())
        .filter(|&i| {
            params[i]
                .1
                .sort()
                .is_some_and(|s| metric(program, &params[i].1, &Formula::var(params[i].0, s)).is_some())
        })
        .collect();
    let last = *recursible.last()?;
    let renamed: Vec<Symbol> = params.iter().map(|(p, _)| state.fresh(p.as_str())).collect();
    // The metric of argument i, applied to its old value and to its new one (the fresh
    // parameter, or `_v` for the last recursible argument).
    let metric_of = |i: usize, x: Formula| metric(program, &params[i].1, &x).expect("recursible");
    let old = |i: usize| metric_of(i, Formula::var(params[i].0, params[i].1.sort().expect("scalar")));
    let new = |i: usize| {
        let sort = params[i].1.sort().expect("scalar");
        if i == last {
            metric_of(i, Formula::value_var(sort))
        } else {
            metric_of(i, Formula::var(renamed[i], sort))
        }
    };
    let mut disjuncts = Vec::new();
    for (k, &i) in recursible.iter().enumerate() {
        let mut conj: Vec<Formula> = recursible[..k].iter().map(|&j| Formula::eq(new(j), old(j))).collect();
        conj.push(Formula::le(Formula::int(0), new(i)));
        conj.push(Formula::lt(new(i), old(i)));
        disjuncts.push(Formula::conjunction(conj));
    }
    let decrease = Formula::disjunction(disjuncts);
    // First give every parameter its fresh name (in the types after it); then the
    // original names, which the decrease mentions, can only mean the goal's own
    // arguments.
    let mut result = ty.clone();
    for (i, (param, arg)) in params.iter().enumerate() {
        result = rename_param(&result, *param, renamed[i], arg.sort());
    }
    let result = strengthen_arg(&result, last, &decrease);
    let written: Vec<String> = recursible.iter().map(|&i| old(i).to_string()).collect();
    let description = if written.len() == 1 {
        written[0].clone()
    } else {
        format!("({}) lexicographically", written.join(", "))
    };
    Some((result, description, last))
}

/// How an auxiliary function of type `ty` (its parameters named as its binders) may
/// call itself in its body: at `ty` restricted by the termination rule, polymorphic in
/// the type variables of `env` that no type in `captured` (the enclosing locals its
/// body uses) mentions. `None` when no argument has a termination metric.
pub(crate) fn auxiliary_recursion(
    state: &mut TypingState<'_>,
    env: &Env,
    ty: &RType,
    captured: &[RType],
) -> Option<Schema> {
    let (recursive, _, _) = recursive_type(state.program, ty, state)?;
    let type_vars = env.type_vars().filter(|a| !captured.iter().any(|t| mentions_type_var(t, *a))).collect();
    Some(Schema { type_vars, pred_params: Vec::new(), ty: recursive })
}

/// Conjoins `extra` to the refinement of the `index`-th argument of a function type.
fn strengthen_arg(ty: &RType, index: usize, extra: &Formula) -> RType {
    match ty {
        RType::Function { param, arg, result } => {
            let (arg, result) = if index == 0 {
                ((**arg).clone().strengthen(extra.clone()), (**result).clone())
            } else {
                ((**arg).clone(), strengthen_arg(result, index - 1, extra))
            };
            RType::Function { param: *param, arg: Box::new(arg), result: Box::new(result) }
        }
        scalar => scalar.clone(),
    }
}

/// The termination metric of a value `x` of type `ty`: `x` itself for `Int`, `m x` for a
/// datatype with a termination measure `m`.
fn metric(program: &Program, ty: &RType, x: &Formula) -> Option<Formula> {
    match ty {
        RType::Scalar { base: BaseType::Int, .. } => Some(x.clone()),
        RType::Scalar { base: BaseType::Data { name, .. }, .. } => {
            let m = program.datatypes.get(name)?.termination?;
            Some(Formula::pred(m, Sort::Int, vec![x.clone()]))
        }
        _ => None,
    }
}

fn builtin_unary(op: UnOp) -> RType {
    let (base, result) = match op {
        UnOp::Not => {
            let x = Formula::var("x", Sort::Bool);
            (BaseType::Bool, Formula::iff(Formula::value_var(Sort::Bool), !x))
        }
        UnOp::Neg => {
            let x = Formula::var("x", Sort::Int);
            (BaseType::Int, Formula::eq(Formula::value_var(Sort::Int), -x))
        }
    };
    RType::Function {
        param: Symbol::from("x"),
        arg: Box::new(RType::plain(base.clone())),
        result: Box::new(RType::scalar(base, result)),
    }
}

/// The built-in operators as polymorphic symbols: `x: a -> y: a -> {Bool | _v == (x == y)}`.
fn builtin_binary(op: BinOp) -> Schema {
    use crate::logic::BinOp as L;
    let a = Symbol::from("a");
    let (arg, result_base, logic_op, polymorphic) = match op {
        BinOp::Plus => (BaseType::Int, BaseType::Int, L::Plus, false),
        BinOp::Minus => (BaseType::Int, BaseType::Int, L::Minus, false),
        BinOp::Times => (BaseType::Int, BaseType::Int, L::Times, false),
        BinOp::Eq => (BaseType::Var(a), BaseType::Bool, L::Eq, true),
        BinOp::Neq => (BaseType::Var(a), BaseType::Bool, L::Neq, true),
        BinOp::Lt => (BaseType::Var(a), BaseType::Bool, L::Lt, true),
        BinOp::Le => (BaseType::Var(a), BaseType::Bool, L::Le, true),
        BinOp::Gt => (BaseType::Var(a), BaseType::Bool, L::Gt, true),
        BinOp::Ge => (BaseType::Var(a), BaseType::Bool, L::Ge, true),
        BinOp::And => (BaseType::Bool, BaseType::Bool, L::And, false),
        BinOp::Or => (BaseType::Bool, BaseType::Bool, L::Or, false),
        BinOp::Implies => (BaseType::Bool, BaseType::Bool, L::Implies, false),
        BinOp::Iff | BinOp::In => (BaseType::Bool, BaseType::Bool, L::Iff, false),
    };
    let sort = arg.sort();
    let x = Formula::var("x", sort.clone());
    let y = Formula::var("y", sort);
    let value = Formula::value_var(result_base.sort());
    let body = Formula::binary(logic_op, x, y);
    let refinement =
        if result_base == BaseType::Bool { Formula::iff(value, body) } else { Formula::eq(value, body) };
    let ty = RType::Function {
        param: Symbol::from("x"),
        arg: Box::new(RType::plain(arg.clone())),
        result: Box::new(RType::Function {
            param: Symbol::from("y"),
            arg: Box::new(RType::plain(arg)),
            result: Box::new(RType::scalar(result_base, refinement)),
        }),
    };
    Schema { type_vars: if polymorphic { vec![a] } else { Vec::new() }, pred_params: Vec::new(), ty }
}
