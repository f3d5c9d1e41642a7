//! Line breaking for emitted Rust, following rustfmt's algorithm.
//!
//! The emitted code must be rustfmt-clean as emitted (`rustfmt --check --edition 2024`
//! with the default configuration), without running rustfmt. This module ports the
//! parts of rustfmt (1.9) that apply to the constructs the emitter writes: shapes
//! (a width budget and an indent), calls and macro calls with the "overflow the last
//! argument" rule, method chains, binary operator chains, `if`/`else`, `match` arms,
//! closures, blocks, `let` statements with rustfmt's choice between keeping the right
//! side on the same line or moving it to the next. Function names mirror rustfmt's
//! (`rewrite_pair`, `choose_rhs`, `try_overflow_last_item`, ...) so that a difference
//! can be traced to its source. Every function returns `None` when the construct
//! does not fit its shape, as rustfmt's do, and callers try their alternatives.

use std::cell::Cell;

use super::syntax::{Arm, Block, Expr, Stmt};

pub const MAX_WIDTH: usize = 100;
const TAB: usize = 4;
const FN_CALL_WIDTH: usize = 60;
const CHAIN_WIDTH: usize = 60;
const ARRAY_WIDTH: usize = 60;
const SINGLE_LINE_IF_ELSE_MAX_WIDTH: usize = 50;
const SHORT_ARRAY_ELEMENT_WIDTH_THRESHOLD: usize = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Indent {
    pub block: usize,
    pub align: usize,
}

impl Indent {
    pub fn new(block: usize) -> Indent {
        Indent { block, align: 0 }
    }

    fn width(self) -> usize {
        self.block + self.align
    }

    fn block_indent(self) -> Indent {
        Indent { block: self.block + TAB, align: self.align }
    }

    fn block_only(self) -> Indent {
        Indent { block: self.block, align: 0 }
    }

    pub fn string(self) -> String {
        " ".repeat(self.width())
    }

    fn with_newline(self) -> String {
        format!("\n{}", self.string())
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Shape {
    pub width: usize,
    pub indent: Indent,
    pub offset: usize,
}

impl Shape {
    pub fn indented(indent: Indent) -> Shape {
        Shape { width: MAX_WIDTH.saturating_sub(indent.width()), indent, offset: indent.align }
    }

    fn with_max_width(self) -> Shape {
        Shape { width: MAX_WIDTH.saturating_sub(self.indent.width()), ..self }
    }

    fn block_indent(self, delta: usize) -> Shape {
        if self.indent.align == 0 {
            Shape { width: self.width, indent: Indent::new(self.indent.block + delta), offset: 0 }
        } else {
            Shape {
                width: self.width,
                indent: Indent { block: self.indent.block, align: self.indent.align + delta },
                offset: self.indent.align + delta,
            }
        }
    }

    fn block(self) -> Shape {
        Shape { indent: self.indent.block_only(), ..self }
    }

    fn sub_width(self, delta: usize) -> Option<Shape> {
        self.width.checked_sub(delta).map(|width| Shape { width, ..self })
    }

    fn shrink_left(self, delta: usize) -> Option<Shape> {
        self.width.checked_sub(delta).map(|width| Shape {
            width,
            indent: Indent { block: self.indent.block, align: self.indent.align + delta },
            offset: self.offset + delta,
        })
    }

    fn offset_left(self, delta: usize) -> Option<Shape> {
        Shape { offset: self.offset + delta, ..self }.sub_width(delta)
    }

    fn used_width(self) -> usize {
        self.indent.block + self.offset
    }

    fn rhs_overhead(self) -> usize {
        MAX_WIDTH.saturating_sub(self.used_width() + self.width)
    }

    fn to_string_with_newline(self) -> String {
        let indent = Indent { block: self.indent.block, align: self.offset };
        indent.with_newline()
    }
}

fn budget(used: usize) -> usize {
    MAX_WIDTH.saturating_sub(used)
}

fn first_line_width(s: &str) -> usize {
    s.split('\n').next().map_or(0, |l| l.chars().count())
}

fn last_line_width(s: &str) -> usize {
    s.rsplit('\n').next().map_or(0, |l| l.chars().count())
}

fn trimmed_last_line_width(s: &str) -> usize {
    s.rsplit('\n').next().map_or(0, |l| l.trim().chars().count())
}

fn count_newlines(s: &str) -> usize {
    s.matches('\n').count()
}

fn first_line_ends_with(s: &str, c: char) -> bool {
    s.split('\n').next().is_some_and(|l| l.ends_with(c))
}

fn extra_offset(text: &str, shape: Shape) -> usize {
    match text.rfind('\n') {
        Some(idx) => text.len().saturating_sub(idx + 1 + shape.used_width()),
        None => text.len(),
    }
}

fn last_line_extendable(s: &str) -> bool {
    if s.ends_with("\"#") {
        return true;
    }
    for c in s.chars().rev() {
        match c {
            '(' | ')' | ']' | '}' | '?' | '>' => continue,
            '\n' => break,
            _ if c.is_whitespace() => continue,
            _ => return false,
        }
    }
    true
}

fn filtered_str_fits(s: &str, shape: Shape) -> bool {
    if s.is_empty() {
        return true;
    }
    if first_line_width(s) > shape.width {
        return false;
    }
    if !s.contains('\n') {
        return true;
    }
    if s.split('\n').skip(1).any(|l| l.chars().count() > MAX_WIDTH) {
        return false;
    }
    last_line_width(s) <= shape.used_width() + shape.width
}

fn wrap_str(s: String, shape: Shape) -> Option<String> {
    filtered_str_fits(&s, shape).then_some(s)
}

/// Whether expressions are being formatted as macro arguments.
#[derive(Default)]
pub struct Cx {
    inside_macro: Cell<bool>,
    /// The list being formatted is an array (`[..]`) rather than arguments.
    brackets: Cell<bool>,
    force_one_line_chain: Cell<bool>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ExprType {
    Statement,
    SubExpression,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tactic {
    Horizontal,
    Vertical,
    Mixed,
    SpecialMacro(usize),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SepTactic {
    Never,
    Vertical,
}

impl Cx {
    pub fn rewrite(&self, e: &Expr, shape: Shape) -> Option<String> {
        self.format_expr(e, ExprType::SubExpression, shape)
    }

    fn format_expr(&self, e: &Expr, expr_type: ExprType, shape: Shape) -> Option<String> {
        match e {
            Expr::Lit(s) | Expr::Path(s) => wrap_str(s.clone(), shape),
            Expr::Call(callee, args) => {
                let callee_str = self.rewrite(callee, shape)?;
                self.rewrite_with_parens(&callee_str, args, shape, FN_CALL_WIDTH, None, false)
            }
            Expr::Array(items) => {
                let old = self.brackets.replace(true);
                let r = self.rewrite_with_parens("", items, shape, ARRAY_WIDTH, None, false);
                self.brackets.set(old);
                r
            }
            Expr::Macro(name, args) => {
                let name = format!("{name}!");
                if args.is_empty() {
                    return Some(format!("{name}()"));
                }
                let old = self.inside_macro.replace(true);
                let r =
                    self.rewrite_with_parens(&name, args, shape, FN_CALL_WIDTH, Some(SepTactic::Never), true);
                self.inside_macro.set(old);
                r
            }
            Expr::Method(..) => self.rewrite_chain(e, shape),
            Expr::Unary(op, inner) => self.rewrite_unary_prefix(op, inner, shape),
            Expr::AddrOf(inner) => self.rewrite_unary_prefix("&", inner, shape),
            Expr::Binary(op, l, r) => self
                .rewrite_all_pairs(e, shape)
                .or_else(|| self.rewrite_pair(l, r, &format!(" {op} "), shape)),
            Expr::Paren(inner) => {
                let sub = shape.offset_left(1)?.sub_width(1)?;
                Some(format!("({})", self.rewrite(inner, sub)?))
            }
            Expr::If(cond, then, els) => {
                let cf = ControlFlow {
                    cond,
                    block: then,
                    else_block: els.as_deref(),
                    allow_single_line: expr_type == ExprType::SubExpression,
                    nested_if: false,
                };
                self.rewrite_control_flow(&cf, shape)
            }
            Expr::Match(scrutinee, arms) => self.rewrite_match(scrutinee, arms, shape),
            Expr::Block(b) => match expr_type {
                ExprType::Statement => self.rewrite_block_with_visitor("", b, shape),
                ExprType::SubExpression => self.rewrite_block(b, shape),
            },
            Expr::Closure(params, body) => self.rewrite_closure(params, body, shape),
        }
    }

    fn rewrite_unary_prefix(&self, prefix: &str, e: &Expr, shape: Shape) -> Option<String> {
        let shape = shape.offset_left(prefix.len())?;
        Some(format!("{prefix}{}", self.rewrite(e, shape)?))
    }

    // ----- calls (overflow.rs) -----

    #[allow(clippy::too_many_arguments)]
    fn rewrite_with_parens(
        &self,
        ident: &str,
        items: &[Expr],
        shape: Shape,
        item_max_width: usize,
        force_sep: Option<SepTactic>,
        macro_args: bool,
    ) -> Option<String> {
        let used_width = extra_offset(ident, shape);
        let one_line_width = shape.width.saturating_sub(used_width + 2);
        let one_line_shape = shape
            .offset_left(last_line_width(ident) + 1)
            .and_then(|s| s.sub_width(1))
            .unwrap_or(Shape { width: 0, ..shape });
        let nested_shape = {
            let s = shape.block().block_indent(TAB).with_max_width();
            Shape { width: s.width.saturating_sub(1), ..s }
        };
        let brackets = self.brackets.replace(false);
        let ctx = OverflowCx {
            ident,
            items,
            one_line_shape,
            nested_shape,
            item_max_width,
            one_line_width,
            macro_args,
            brackets,
        };
        let mut list: Vec<Option<String>> = items.iter().map(|i| self.rewrite(i, nested_shape)).collect();
        let tactic = self.try_overflow_last_item(&ctx, &mut list);
        let trailing = force_sep.unwrap_or(SepTactic::Vertical);
        let items_str = write_list(&list, tactic, trailing, nested_shape)?;
        let extendable = tactic == Tactic::Horizontal;
        Some(wrap_items(&ctx, &items_str, shape, extendable))
    }

    fn try_overflow_last_item(&self, ctx: &OverflowCx<'_>, list: &mut [Option<String>]) -> Tactic {
        let n = ctx.items.len();
        let combine_arg_with_callee = n == 1 && ctx.ident.len() < TAB;
        let overflow_last =
            combine_arg_with_callee || ctx.items.last().is_some_and(|l| can_be_overflowed_expr(l, n));
        let placeholder = if overflow_last {
            let old = self.force_one_line_chain.get();
            if let Some(last) = ctx.items.last()
                && !combine_arg_with_callee
                && is_method_call(last)
            {
                // In style edition 2024, macro arguments too.
                self.force_one_line_chain.set(true);
            }
            let result = last_item_shape(ctx.items, list, ctx.one_line_shape, ctx.item_max_width)
                .and_then(|s| self.rewrite_last_item_with_overflow(ctx, list, s));
            self.force_one_line_chain.set(old);
            result
        } else {
            None
        };
        let mut tactic = definitive_tactic(list, Some(ctx.item_max_width), ctx.one_line_width);
        match (overflow_last, tactic, placeholder) {
            (true, Tactic::Horizontal, Some(overflowed)) if n == 1 => {
                if count_newlines(&overflowed) == 1 {
                    let rw = ctx.items.last().and_then(|l| self.rewrite(l, ctx.nested_shape));
                    let no_newline = rw.as_ref().is_some_and(|s| !s.contains('\n'));
                    list[n - 1] = if no_newline { rw } else { Some(overflowed) };
                } else {
                    list[n - 1] = Some(overflowed);
                }
            }
            (true, Tactic::Horizontal, placeholder @ Some(_)) => {
                list[n - 1] = placeholder;
            }
            _ if n > 0 => {
                list[n - 1] = ctx.items.last().and_then(|l| self.rewrite(l, ctx.nested_shape));
                if n == 1
                    && ctx.one_line_width != 0
                    && list[0].as_ref().is_some_and(|s| !s.contains('\n'))
                    && list[0].as_ref().map_or(0, |s| s.chars().count()) <= ctx.one_line_width
                {
                    tactic = Tactic::Horizontal;
                } else {
                    tactic = definitive_tactic(list, Some(ctx.item_max_width), ctx.one_line_width);
                    if tactic == Tactic::Vertical {
                        if let Some((all_simple, before)) = special_macro(ctx) {
                            let one_line = all_simple
                                && definitive_tactic(&list[..before], None, ctx.nested_shape.width)
                                    == Tactic::Horizontal
                                && definitive_tactic(&list[before + 1..], None, ctx.nested_shape.width)
                                    == Tactic::Horizontal;
                            if one_line {
                                tactic = Tactic::SpecialMacro(before);
                            }
                        } else if ctx.items.iter().all(is_simple_expr)
                            && list.iter().all(|i| {
                                i.as_ref().map_or(0, |s| s.len()) <= SHORT_ARRAY_ELEMENT_WIDTH_THRESHOLD
                            })
                        {
                            tactic = Tactic::Mixed;
                        }
                    }
                }
            }
            _ => {}
        }
        tactic
    }

    fn rewrite_last_item_with_overflow(
        &self,
        ctx: &OverflowCx<'_>,
        list: &mut [Option<String>],
        shape: Shape,
    ) -> Option<String> {
        let last = ctx.items.last()?;
        // Macro arguments are rewritten as they are (rustfmt's `MacroArg` items).
        let rewrite = match last {
            _ if ctx.macro_args => self.rewrite(last, shape),
            Expr::Closure(params, body) => {
                if ctx.items.iter().filter(|i| matches!(i, Expr::Closure(..))).count() > 1 {
                    None
                } else {
                    self.rewrite_last_closure(params, body, last, shape)
                }
            }
            Expr::If(..) | Expr::Match(..) => {
                let multi_line = self.rewrite_cond(last, shape).is_some_and(|c| c.contains('\n'));
                if multi_line { None } else { self.rewrite(last, shape) }
            }
            _ => self.rewrite(last, shape),
        }?;
        let n = list.len();
        list[n - 1] = Some(rewrite.split('\n').next().unwrap_or("").to_string());
        Some(rewrite)
    }

    // ----- method chains (chains.rs, block indent style) -----

    fn rewrite_chain(&self, e: &Expr, shape: Shape) -> Option<String> {
        // Collect `parent.c1(..).c2(..)`.
        let mut children: Vec<(&str, &[Expr])> = Vec::new();
        let mut node = e;
        while let Expr::Method(recv, name, args) = node {
            children.push((name, args));
            node = recv;
        }
        children.reverse();
        let parent = node;
        let rewrite_child = |c: &(&str, &[Expr]), s: Shape| -> Option<String> {
            self.rewrite_with_parens(&format!(".{}", c.0), c.1, s, FN_CALL_WIDTH, None, false)
        };
        // format_root
        let mut root = self.rewrite(parent, shape)?;
        let mut root_ends_with_block = is_block_expr(parent, &root);
        let tab_width = TAB.saturating_sub(shape.offset);
        let mut rest: &[(&str, &[Expr])] = &children;
        while root.len() <= tab_width && !root.contains('\n') {
            let item = &rest[0];
            let s = shape.offset_left(root.len())?;
            match rewrite_child(item, s) {
                Some(r) => root.push_str(&r),
                None => break,
            }
            root_ends_with_block = last_line_extendable(&root);
            rest = &rest[1..];
            if rest.is_empty() {
                break;
            }
        }
        if rest.is_empty() {
            return wrap_str(root, shape);
        }
        let child_count = children.len();
        let child_shape = if root_ends_with_block { shape.block_indent(0) } else { shape.block_indent(TAB) }
            .with_max_width();
        let mut rewrites = vec![root];
        for c in &rest[..rest.len() - 1] {
            rewrites.push(rewrite_child(c, child_shape)?);
        }
        // format_last_child
        let last = rest.last()?;
        let extendable = last_line_extendable(&rewrites[0]);
        let almost_total = if extendable {
            last_line_width(&rewrites[0])
        } else {
            rewrites.iter().map(|r| r.chars().count()).sum()
        };
        let one_line_budget = if child_count == 1 { shape.width } else { shape.width.min(CHAIN_WIDTH) }
            .saturating_sub(almost_total);
        let all_in_one_line = rewrites.iter().all(|s| !s.contains('\n')) && one_line_budget > 0;
        let last_shape = if all_in_one_line {
            shape
        } else if extendable {
            child_shape
        } else {
            child_shape.sub_width(shape.rhs_overhead())?
        };
        let mut fits_single_line = false;
        let mut last_str = None;
        if (all_in_one_line || extendable)
            && let Some(one_line_shape) = last_shape.offset_left(almost_total)
            && let Some(rw) = rewrite_child(last, one_line_shape)
        {
            let line_count = rw.lines().count();
            let could_fit_single_line = first_line_width(&rw) <= one_line_budget;
            if could_fit_single_line && line_count >= 5 {
                last_str = Some(rw);
                fits_single_line = all_in_one_line;
            } else {
                let s = child_shape.sub_width(shape.rhs_overhead())?;
                match rewrite_child(last, s) {
                    Some(new_rw) if !could_fit_single_line => last_str = Some(new_rw),
                    Some(new_rw) if new_rw.lines().count() >= line_count => {
                        last_str = Some(rw);
                        fits_single_line = could_fit_single_line && all_in_one_line;
                    }
                    Some(new_rw) => last_str = Some(new_rw),
                    None => {
                        last_str = Some(rw);
                        fits_single_line = could_fit_single_line && all_in_one_line;
                    }
                }
            }
        }
        let last_str = match last_str {
            Some(s) => s,
            None => rewrite_child(last, last_shape)?,
        };
        rewrites.push(last_str);
        // join_rewrites
        let connector = if fits_single_line {
            String::new()
        } else {
            if self.force_one_line_chain.get() {
                return None;
            }
            child_shape.to_string_with_newline()
        };
        let mut result = rewrites[0].clone();
        for r in &rewrites[1..] {
            result.push_str(&connector);
            result.push_str(r);
        }
        wrap_str(result, shape)
    }

    // ----- binary operators (pairs.rs) -----

    fn rewrite_all_pairs(&self, e: &Expr, shape: Shape) -> Option<String> {
        let Expr::Binary(top, ..) = e else { return None };
        // Flatten the left-nested chain of `top`.
        let mut operands: Vec<&Expr> = Vec::new();
        let mut seps: Vec<&str> = Vec::new();
        collect_pairs(e, top, &mut operands, &mut seps);
        let mut rewrites: Vec<Option<String>> = Vec::new();
        for (i, node) in operands.iter().enumerate() {
            if i == 0 {
                rewrites.push(self.rewrite(node, shape));
                continue;
            }
            let op_len = seps[i - 1].len();
            let rhs_offset = shape.rhs_overhead();
            let nested = shape.block_indent(TAB).with_max_width().sub_width(rhs_offset);
            let default_shape = nested.and_then(|s| s.offset_left(op_len + 1));
            rewrites.push(default_shape.and_then(|s| self.rewrite(node, s)));
        }
        self.rewrite_pairs_one_line(&operands, &rewrites, &seps, shape)
            .or_else(|| self.rewrite_pairs_multiline(&rewrites, &operands, &seps, shape))
    }

    fn rewrite_pairs_one_line(
        &self,
        operands: &[&Expr],
        rewrites: &[Option<String>],
        seps: &[&str],
        shape: Shape,
    ) -> Option<String> {
        let mut result = String::new();
        let base_shape = shape.block();
        for (rw, s) in rewrites.iter().zip(seps) {
            let rw = rw.as_ref()?;
            if rw.contains('\n') || result.len() > shape.width {
                return None;
            }
            result.push_str(rw);
            result.push(' ');
            result.push_str(s);
            result.push(' ');
        }
        let prefix_len = result.len();
        let last = operands.last()?;
        let cur_shape = base_shape.offset_left(last_line_width(&result))?;
        let last_rewrite = self.rewrite(last, cur_shape)?;
        result.push_str(&last_rewrite);
        if first_line_width(&result) > shape.width {
            return None;
        }
        // rustfmt: a multi-line last operand only after a short prefix, and not `(`.
        if result.contains('\n')
            && !last_rewrite.starts_with('{')
            && (last_rewrite.starts_with('(') || prefix_len > TAB)
        {
            return None;
        }
        wrap_str(result, shape)
    }

    fn rewrite_pairs_multiline(
        &self,
        rewrites: &[Option<String>],
        operands: &[&Expr],
        seps: &[&str],
        shape: Shape,
    ) -> Option<String> {
        let rhs_offset = shape.rhs_overhead();
        let nested_shape = shape.block_indent(TAB).with_max_width().sub_width(rhs_offset)?;
        let indent_str = nested_shape.indent.with_newline();
        let mut result = rewrites[0].clone()?;
        for ((e, default_rw), s) in operands[1..].iter().zip(&rewrites[1..]).zip(seps) {
            let offset = if result.contains('\n') { 0 } else { shape.used_width() };
            if last_line_width(&result) + offset <= nested_shape.used_width()
                && let Some(line_shape) = shape.offset_left(s.len() + 2 + trimmed_last_line_width(&result))
                && let Some(rw) = self.rewrite(e, line_shape)
            {
                result.push(' ');
                result.push_str(s);
                result.push(' ');
                result.push_str(&rw);
                continue;
            }
            result.push_str(&indent_str);
            result.push_str(s);
            result.push(' ');
            result.push_str(default_rw.as_ref()?);
        }
        Some(result)
    }

    fn rewrite_pair(&self, lhs: &Expr, rhs: &Expr, infix: &str, shape: Shape) -> Option<String> {
        let lhs_overhead = shape.used_width();
        let lhs_shape = Shape { width: budget(lhs_overhead), ..shape };
        let lhs_result = self.rewrite(lhs, lhs_shape)?;
        let rhs_orig =
            shape.offset_left(last_line_width(&lhs_result) + infix.len()).and_then(|s| self.rewrite(rhs, s));
        if let Some(rhs_result) = &rhs_orig {
            let allow_same_line =
                lhs_result.len() <= TAB || rhs_result.split('\n').next().is_some_and(|l| l.ends_with('{'));
            if !rhs_result.contains('\n') || allow_same_line {
                let one_line_width =
                    last_line_width(&lhs_result) + infix.len() + first_line_width(rhs_result);
                if one_line_width <= shape.width {
                    return Some(format!("{lhs_result}{infix}{rhs_result}"));
                }
            }
        }
        let rhs_overhead = shape.rhs_overhead();
        let infix = infix.trim_start();
        let rhs_shape =
            Shape::indented(shape.indent.block_indent()).sub_width(rhs_overhead)?.offset_left(infix.len())?;
        let rhs_result = self.rewrite(rhs, rhs_shape)?;
        let indent_str = rhs_shape.indent.with_newline();
        Some(format!("{lhs_result}{indent_str}{infix}{rhs_result}"))
    }

    // ----- if / else (expr.rs ControlFlow) -----

    fn rewrite_cond(&self, e: &Expr, shape: Shape) -> Option<String> {
        match e {
            Expr::Match(scrutinee, _) => self.rewrite(scrutinee, shape.offset_left(8)?),
            Expr::If(cond, then, els) => {
                let cf = ControlFlow {
                    cond,
                    block: then,
                    else_block: els.as_deref(),
                    allow_single_line: true,
                    nested_if: false,
                };
                let alt = format!("\n{}", shape.indent.block_only().string());
                self.control_flow_cond(&cf, shape, &alt).map(|r| r.0)
            }
            _ => None,
        }
    }

    fn control_flow_cond(
        &self,
        cf: &ControlFlow<'_>,
        shape: Shape,
        alt_block_sep: &str,
    ) -> Option<(String, usize)> {
        let fresh = Shape { width: budget(shape.used_width()), ..shape };
        let constr = if cf.nested_if { fresh.offset_left(7)? } else { fresh };
        let offset = "if".len() + 1;
        let cond_str = self.rewrite(cf.cond, constr.offset_left(offset)?)?;
        let one_line_budget = MAX_WIDTH.saturating_sub(constr.used_width() + offset + 2);
        let first_line_indent = shape.used_width();
        let force_newline_brace = (cond_str.contains('\n') || cond_str.len() > one_line_budget)
            && (!last_line_extendable(&cond_str) || last_line_offsetted(first_line_indent, &cond_str));
        if cf.allow_single_line
            && let Some(s) = self.control_flow_single_line(cf, &cond_str, shape.width)
            && s.len() <= SINGLE_LINE_IF_ELSE_MAX_WIDTH
        {
            return Some((s, 0));
        }
        let block_sep = if force_newline_brace { alt_block_sep } else { " " };
        let used_width =
            if cond_str.contains('\n') { last_line_width(&cond_str) } else { 2 + cond_str.len() + 2 };
        Some((format!("if {cond_str}{block_sep}"), used_width))
    }

    fn control_flow_single_line(&self, cf: &ControlFlow<'_>, cond_str: &str, width: usize) -> Option<String> {
        let else_block = cf.else_block?;
        let Expr::Block(else_node) = else_block else { return None };
        let (if_expr, else_expr) = match (simple_block_expr(cf.block), simple_block_expr(else_node)) {
            (Some(a), Some(b)) if !cond_str.contains('\n') => (a, b),
            _ => return None,
        };
        let fixed_cost = "if".len() + "  {  } else {  }".len();
        let new_width = width.checked_sub(cond_str.len() + fixed_cost)?;
        let if_str = self.rewrite(if_expr, Shape { width: new_width, indent: Indent::new(0), offset: 0 })?;
        let new_width = new_width.checked_sub(if_str.len())?;
        let else_str =
            self.rewrite(else_expr, Shape { width: new_width, indent: Indent::new(0), offset: 0 })?;
        if if_str.contains('\n') || else_str.contains('\n') {
            return None;
        }
        let result = format!("if {cond_str} {{ {if_str} }} else {{ {else_str} }}");
        (result.len() <= width).then_some(result)
    }

    fn rewrite_control_flow(&self, cf: &ControlFlow<'_>, shape: Shape) -> Option<String> {
        let alt_block_sep = shape.indent.with_newline();
        let (cond_str, used_width) = self.control_flow_cond(cf, shape, &alt_block_sep)?;
        if used_width == 0 {
            return Some(cond_str);
        }
        let block_width = shape.width.saturating_sub(used_width);
        let block_width =
            if cf.else_block.is_some() || cf.nested_if { block_width.min(1) } else { block_width };
        let block_shape = Shape { width: block_width, ..shape };
        let block_str = self.rewrite_block_with_visitor("", cf.block, block_shape)?;
        let mut result = format!("{cond_str}{block_str}");
        if let Some(else_block) = cf.else_block {
            let shape = Shape::indented(shape.indent);
            let rewrite = match else_block {
                Expr::If(cond, then, els) => {
                    let nested = ControlFlow {
                        cond,
                        block: then,
                        else_block: els.as_deref(),
                        allow_single_line: false,
                        nested_if: true,
                    };
                    self.rewrite_control_flow(&nested, shape)
                }
                _ => {
                    let else_shape = Shape { width: shape.width.min(1), ..shape };
                    self.format_expr(else_block, ExprType::Statement, else_shape)
                }
            };
            result.push_str(" else ");
            result.push_str(&rewrite?);
        }
        Some(result)
    }

    // ----- blocks and statements -----

    fn rewrite_block(&self, b: &Block, shape: Shape) -> Option<String> {
        let result = self.rewrite_block_with_visitor("", b, shape)?;
        if result.lines().count() <= 3
            && let Some(e) = simple_block_expr(b)
        {
            let expr_shape = shape.offset_left(0)?;
            if let Some(s) = self.rewrite(e, expr_shape) {
                let single = format!("{{ {s} }}");
                if single.len() <= shape.width && !single.contains('\n') {
                    return Some(single);
                }
            }
        }
        Some(result)
    }

    /// `{`, the statements one per line at the block's indent plus one step, `}`.
    pub fn rewrite_block_with_visitor(&self, prefix: &str, b: &Block, shape: Shape) -> Option<String> {
        // rustfmt formats a block's statements with a fresh context: not inside a macro,
        // chains not forced onto one line.
        let macro_before = self.inside_macro.replace(false);
        let chain_before = self.force_one_line_chain.replace(false);
        let r = self.block_statements(prefix, b, shape);
        self.inside_macro.set(macro_before);
        self.force_one_line_chain.set(chain_before);
        r
    }

    fn block_statements(&self, prefix: &str, b: &Block, shape: Shape) -> Option<String> {
        let inner = shape.indent.block_indent();
        let mut out = format!("{prefix}{{");
        let n = b.stmts.len();
        for (i, s) in b.stmts.iter().enumerate() {
            out.push_str(&inner.with_newline());
            out.push_str(&self.rewrite_stmt(s, Shape::indented(inner), i + 1 == n)?);
        }
        out.push_str(&shape.indent.block_only().with_newline());
        out.push('}');
        Some(out)
    }

    pub fn rewrite_stmt(&self, s: &Stmt, shape: Shape, _is_last: bool) -> Option<String> {
        let attrs_prefix = |attrs: &[String]| -> String {
            attrs.iter().map(|a| format!("{a}{}", shape.indent.with_newline())).collect()
        };
        match s {
            Stmt::Comment(text) => {
                Some(if text.is_empty() { "//".to_string() } else { format!("// {text}") })
            }
            Stmt::Tail(e) => self.format_expr(e, ExprType::SubExpression, shape),
            Stmt::Semi { attrs, expr } => {
                let shape = shape.sub_width(1)?;
                let s = self.format_expr(expr, ExprType::Statement, shape)?;
                Some(format!("{}{s};", attrs_prefix(attrs)))
            }
            Stmt::Let { attrs, pat, ty, init } => {
                let mut lhs = format!("let {pat}");
                if let Some(t) = ty {
                    lhs.push_str(": ");
                    lhs.push_str(t);
                }
                lhs.push_str(" =");
                let nested = shape.sub_width(1)?;
                let rhs = self.rewrite_assign_rhs(&lhs, init, nested)?;
                Some(format!("{}{lhs}{rhs};", attrs_prefix(attrs)))
            }
        }
    }

    /// The right side of `lhs = rhs` (with its leading space or line break).
    fn rewrite_assign_rhs(&self, lhs: &str, ex: &Expr, shape: Shape) -> Option<String> {
        let last = last_line_width(lhs);
        let orig_shape = shape.offset_left(last + 1).unwrap_or(Shape {
            width: 0,
            offset: shape.offset + last + 1,
            ..shape
        });
        let orig = self.rewrite(ex, orig_shape);
        self.choose_rhs(ex, orig_shape, orig)
    }

    fn choose_rhs(&self, ex: &Expr, shape: Shape, orig: Option<String>) -> Option<String> {
        match orig {
            Some(s) if s.is_empty() => Some(String::new()),
            Some(s) if !s.contains('\n') && s.chars().count() <= shape.width => Some(format!(" {s}")),
            orig => {
                let new_shape =
                    Shape::indented(shape.indent.block_indent()).sub_width(shape.rhs_overhead())?;
                let new_rhs = self.rewrite(ex, new_shape);
                let new_indent_str = shape.indent.block_indent().with_newline();
                match (orig, new_rhs) {
                    (Some(o), Some(n)) if !filtered_str_fits(&n, new_shape) => Some(format!(" {o}")),
                    (Some(o), Some(n)) if prefer_next_line(&o, &n) => Some(format!("{new_indent_str}{n}")),
                    (None, Some(n)) => Some(format!("{new_indent_str}{n}")),
                    (None, None) => None,
                    (Some(o), _) => Some(format!(" {o}")),
                }
            }
        }
    }

    // ----- match (matches.rs) -----

    fn rewrite_match(&self, scrutinee: &Expr, arms: &[Arm], shape: Shape) -> Option<String> {
        let cond_shape = Shape { width: budget(shape.used_width()), ..shape }.offset_left(6)?;
        let cond_str = self.rewrite(scrutinee, cond_shape)?;
        let alt_block_sep = shape.indent.with_newline();
        let block_sep = if last_line_extendable(&cond_str) {
            " ".to_string()
        } else if cond_str.contains('\n') || cond_str.len() + 2 > cond_shape.width {
            alt_block_sep
        } else {
            " ".to_string()
        };
        let nested_indent = shape.indent.block_indent();
        let arm_shape = shape.block_indent(TAB).with_max_width();
        let mut arms_str = Vec::new();
        for (i, arm) in arms.iter().enumerate() {
            arms_str.push(self.rewrite_match_arm(arm, arm_shape, i + 1 == arms.len())?);
        }
        Some(format!(
            "match {cond_str}{block_sep}{{\n{}{}\n{}}}",
            nested_indent.string(),
            arms_str.join(&nested_indent.with_newline()),
            shape.indent.string()
        ))
    }

    fn rewrite_match_arm(&self, arm: &Arm, shape: Shape, is_last: bool) -> Option<String> {
        let pats = &arm.pat;
        let (extend, body) = flatten_arm_body(&arm.body);
        let is_block = matches!(body, Expr::Block(_));
        let comma = if is_last {
            ","
        } else if is_block {
            ""
        } else {
            ","
        };
        let comma = if is_block { "" } else { comma };
        let next_line_indent = if !is_block { shape.indent.block_indent() } else { shape.indent };
        let combine_orig_body = |body_str: &str| format!("{pats} => {body_str}{comma}");
        let combine_next_line_body = |body_str: &str| {
            let nested_indent_str = next_line_indent.with_newline();
            if is_block {
                return format!("{pats} =>{nested_indent_str}{body_str}{comma}");
            }
            let indent_str = shape.indent.with_newline();
            format!("{pats} => {{{nested_indent_str}{body_str}{indent_str}}}")
        };
        let orig_body_shape =
            shape.offset_left(extra_offset(pats, shape) + 4).and_then(|s| s.sub_width(comma.len()));
        let orig_body = match orig_body_shape {
            Some(body_shape) => {
                let rewrite = nop_block_collapse(
                    self.format_expr(body, ExprType::Statement, body_shape),
                    body_shape.width,
                );
                match rewrite {
                    Some(ref s)
                        if is_block || (!s.contains('\n') && s.chars().count() <= body_shape.width) =>
                    {
                        return Some(combine_orig_body(s));
                    }
                    r => r,
                }
            }
            None => None,
        };
        let orig_budget = orig_body_shape.map_or(0, |s| s.width);
        let next_line_body_shape = Shape::indented(next_line_indent);
        let next_line_body = nop_block_collapse(
            self.format_expr(body, ExprType::Statement, next_line_body_shape),
            next_line_body_shape.width,
        );
        match (orig_body, next_line_body) {
            (Some(ref o), Some(ref n)) if prefer_next_line(o, n) => Some(combine_next_line_body(n)),
            (Some(ref o), _) if extend && first_line_width(o) <= orig_budget => Some(combine_orig_body(o)),
            (Some(ref o), Some(ref n)) if o.contains('\n') => Some(combine_next_line_body(n)),
            (None, Some(ref n)) => Some(combine_next_line_body(n)),
            (None, None) => None,
            (Some(ref o), _) => Some(combine_orig_body(o)),
        }
    }

    // ----- closures (closures.rs) -----

    fn closure_prefix(&self, params: &[String], shape: Shape) -> Option<(String, usize)> {
        let nested = shape.shrink_left(0)?.sub_width(4)?;
        let list = params.join(", ");
        if list.chars().count() > nested.width.saturating_sub(1) {
            return None;
        }
        let prefix = format!("|{list}|");
        let extra = last_line_width(&prefix) + 1;
        Some((prefix, extra))
    }

    fn rewrite_closure(&self, params: &[String], body: &Expr, shape: Shape) -> Option<String> {
        let (prefix, extra) = self.closure_prefix(params, shape)?;
        let body_shape = shape.offset_left(extra)?;
        if let Expr::Block(b) = body {
            return self.try_rewrite_without_block(body, b, &prefix, shape, body_shape);
        }
        self.rewrite_closure_expr(body, &prefix, body_shape)
            .or_else(|| self.rewrite_closure_with_block(body, &prefix, body_shape))
    }

    fn try_rewrite_without_block(
        &self,
        body: &Expr,
        b: &Block,
        prefix: &str,
        shape: Shape,
        body_shape: Shape,
    ) -> Option<String> {
        let inner = if b.stmts.len() == 1 && !self.inside_macro.get() {
            match &b.stmts[0] {
                Stmt::Tail(e) => e,
                _ => body,
            }
        } else {
            body
        };
        if std::ptr::eq(inner, body) {
            return Some(format!("{prefix} {}", self.rewrite(body, body_shape)?));
        }
        if is_block_closure_forced(inner) {
            self.rewrite_closure_with_block(inner, prefix, shape)
        } else {
            self.rewrite_closure_expr(inner, prefix, body_shape)
        }
        .or_else(|| Some(format!("{prefix} {}", self.rewrite(body, body_shape)?)))
    }

    fn rewrite_closure_expr(&self, e: &Expr, prefix: &str, shape: Shape) -> Option<String> {
        fn allow_multi_line(e: &Expr) -> bool {
            match e {
                Expr::Match(..) | Expr::Block(_) => true,
                Expr::AddrOf(inner) | Expr::Unary(_, inner) => allow_multi_line(inner),
                _ => false,
            }
        }
        let veto_multiline = !allow_multi_line(e) && !self.inside_macro.get();
        let rw = self.rewrite(e, shape)?;
        if veto_multiline && rw.contains('\n') {
            return None;
        }
        Some(format!("{prefix} {rw}"))
    }

    fn rewrite_closure_with_block(&self, body: &Expr, prefix: &str, shape: Shape) -> Option<String> {
        // rustfmt vetoes the block only where removing it later would change the parse:
        // when the leftmost operand is block-like.
        let veto =
            matches!(body, Expr::Call(..) | Expr::Binary(..)) && left_most_sub_expr(body).is_block_like();
        if veto {
            return None;
        }
        let block = Block { stmts: vec![Stmt::Tail(body.clone())] };
        let b = self.rewrite_block_with_visitor("", &block, shape)?;
        Some(format!("{prefix} {b}"))
    }

    fn rewrite_last_closure(
        &self,
        params: &[String],
        body: &Expr,
        whole: &Expr,
        shape: Shape,
    ) -> Option<String> {
        let body = match body {
            Expr::Block(b) if !self.inside_macro.get() => simple_block_expr(b).unwrap_or(body),
            _ => body,
        };
        let (prefix, extra) = self.closure_prefix(params, shape)?;
        let body_shape = shape.offset_left(extra)?;
        if is_block_closure_forced_ctx(self, body) {
            let body_str = self.rewrite_closure_with_block(body, &prefix, body_shape)?;
            if body_str.lines().count() <= 7
                && let Some(single) = self.rewrite_closure_expr(body, &prefix, shape)
                && !single.contains('\n')
            {
                return Some(single);
            }
            return Some(body_str);
        }
        let multi_lined_cond = self
            .rewrite_cond(body, body_shape)
            .is_some_and(|c| c.contains('\n') || c.len() > body_shape.width);
        if multi_lined_cond {
            return self.rewrite_closure_with_block(body, &prefix, body_shape);
        }
        self.rewrite(whole, shape)
    }
}

struct ControlFlow<'a> {
    cond: &'a Expr,
    block: &'a Block,
    else_block: Option<&'a Expr>,
    allow_single_line: bool,
    nested_if: bool,
}

struct OverflowCx<'a> {
    ident: &'a str,
    items: &'a [Expr],
    one_line_shape: Shape,
    nested_shape: Shape,
    item_max_width: usize,
    one_line_width: usize,
    macro_args: bool,
    brackets: bool,
}

fn collect_pairs<'a>(e: &'a Expr, top: &'a str, operands: &mut Vec<&'a Expr>, seps: &mut Vec<&'a str>) {
    match e {
        Expr::Binary(op, l, r) if *op == top => {
            collect_pairs(l, top, operands, seps);
            seps.push(op);
            operands.push(r);
        }
        _ => operands.push(e),
    }
}

fn left_most_sub_expr(e: &Expr) -> &Expr {
    match e {
        Expr::Call(c, _) | Expr::Binary(_, c, _) => left_most_sub_expr(c),
        _ => e,
    }
}

fn last_line_offsetted(start_column: usize, s: &str) -> bool {
    let mut leading = 0;
    for c in s.chars().rev() {
        match c {
            '\n' => break,
            _ if c.is_whitespace() => leading += 1,
            _ => leading = 0,
        }
    }
    leading > start_column
}

fn prefer_next_line(orig: &str, next: &str) -> bool {
    !next.contains('\n')
        || count_newlines(orig) > count_newlines(next) + 1
        || first_line_ends_with(orig, '(') && !first_line_ends_with(next, '(')
        || first_line_ends_with(orig, '{') && !first_line_ends_with(next, '{')
        || first_line_ends_with(orig, '[') && !first_line_ends_with(next, '[')
}

fn nop_block_collapse(s: Option<String>, budget: usize) -> Option<String> {
    s.map(|s| {
        if s.starts_with('{') && budget >= 2 && s[1..].find(|c: char| !c.is_whitespace()) == Some(s.len() - 2)
        {
            "{}".to_string()
        } else {
            s
        }
    })
}

/// The single expression of a block without statements.
fn simple_block_expr(b: &Block) -> Option<&Expr> {
    match b.stmts.as_slice() {
        [Stmt::Tail(e)] => Some(e),
        _ => None,
    }
}

/// `(extend, body)`: whether the arm body may stay beside `=>`, and the body with a
/// block around a single expression removed.
fn flatten_arm_body(body: &Expr) -> (bool, &Expr) {
    if let Expr::Block(b) = body
        && let Some(inner) = simple_block_expr(b)
        && !matches!(inner, Expr::Macro(..))
    {
        if let Expr::Block(_) = inner {
            return flatten_arm_body(inner);
        }
        return (can_flatten_block_around_this(inner), inner);
    }
    (can_flatten_block_around_this(body), body)
}

fn can_flatten_block_around_this(e: &Expr) -> bool {
    match e {
        Expr::If(..) => false,
        Expr::Match(..)
        | Expr::Block(_)
        | Expr::Closure(..)
        | Expr::Call(..)
        | Expr::Method(..)
        | Expr::Macro(..)
        | Expr::Array(_) => true,
        Expr::AddrOf(inner) | Expr::Unary(_, inner) => can_flatten_block_around_this(inner),
        _ => false,
    }
}

fn can_be_overflowed_expr(e: &Expr, args_len: usize) -> bool {
    match e {
        Expr::Match(..) | Expr::If(..) => args_len == 1,
        Expr::Block(_) | Expr::Closure(..) => true,
        Expr::Call(..) | Expr::Method(..) | Expr::Array(_) => args_len == 1,
        Expr::AddrOf(inner) | Expr::Unary(_, inner) => can_be_overflowed_expr(inner, args_len),
        _ => false,
    }
}

fn is_method_call(e: &Expr) -> bool {
    match e {
        Expr::Method(..) => true,
        Expr::AddrOf(inner) | Expr::Unary(_, inner) => is_method_call(inner),
        _ => false,
    }
}

fn is_nested_call(e: &Expr) -> bool {
    match e {
        Expr::Call(..) | Expr::Macro(..) => true,
        Expr::AddrOf(inner) | Expr::Unary(_, inner) => is_nested_call(inner),
        _ => false,
    }
}

fn is_simple_expr(e: &Expr) -> bool {
    match e {
        Expr::Lit(_) => true,
        Expr::Path(p) => !p.contains("::"),
        Expr::AddrOf(inner) | Expr::Unary(_, inner) => is_simple_expr(inner),
        _ => false,
    }
}

fn is_block_expr(e: &Expr, repr: &str) -> bool {
    match e {
        Expr::Macro(..)
        | Expr::Call(..)
        | Expr::Method(..)
        | Expr::Array(_)
        | Expr::If(..)
        | Expr::Block(_)
        | Expr::Match(..) => repr.contains('\n'),
        Expr::Paren(inner) | Expr::Binary(_, _, inner) | Expr::Unary(_, inner) => is_block_expr(inner, repr),
        Expr::Closure(_, body) => is_block_expr(body, repr),
        Expr::Lit(_) => repr.contains('\n') && trimmed_last_line_width(repr) <= TAB,
        Expr::AddrOf(_) | Expr::Path(_) => false,
    }
}

fn is_block_closure_forced(e: &Expr) -> bool {
    match e {
        Expr::If(..) => true,
        Expr::AddrOf(inner) | Expr::Unary(_, inner) => is_block_closure_forced(inner),
        _ => false,
    }
}

fn is_block_closure_forced_ctx(cx: &Cx, e: &Expr) -> bool {
    !cx.inside_macro.get() && is_block_closure_forced(e)
}

fn special_macro(ctx: &OverflowCx<'_>) -> Option<(bool, usize)> {
    if !ctx.macro_args {
        return None;
    }
    const CASES: &[(&str, usize)] = &[
        ("eprint!", 0),
        ("eprintln!", 0),
        ("format!", 0),
        ("format_args!", 0),
        ("print!", 0),
        ("println!", 0),
        ("panic!", 0),
        ("unreachable!", 0),
        ("assert!", 1),
        ("debug_assert!", 1),
        ("write!", 1),
        ("writeln!", 1),
        ("assert_eq!", 2),
        ("assert_ne!", 2),
        ("debug_assert_eq!", 2),
        ("debug_assert_ne!", 2),
    ];
    let (_, before) = CASES.iter().find(|(name, _)| *name == ctx.ident)?;
    let before = *before;
    let all_simple = ctx.items.len() > before
        && ctx.items[..before].iter().all(is_simple_expr)
        && ctx.items[before + 1..].iter().all(is_simple_expr);
    Some((all_simple, before))
}

fn last_item_shape(
    items: &[Expr],
    list: &[Option<String>],
    shape: Shape,
    args_max_width: usize,
) -> Option<Shape> {
    if list.len() == 1 && !is_nested_call(items.first()?) {
        return Some(shape);
    }
    let offset: usize = list[..list.len() - 1].iter().map(|i| 2 + i.as_ref().map_or(0, |s| s.len())).sum();
    Shape { width: args_max_width.min(shape.width), ..shape }.offset_left(offset)
}

/// rustfmt's `definitive_tactic` for comma-separated items; `limit` is the
/// `LimitedHorizontalVertical` bound.
fn definitive_tactic(list: &[Option<String>], limit: Option<usize>, width: usize) -> Tactic {
    let limit = limit.map_or(width, |l| l.min(width));
    let total: usize = list.iter().map(|i| i.as_ref().map_or(0, |s| s.chars().count())).sum::<usize>()
        + 2 * list.len().saturating_sub(1);
    if total <= limit && !list.iter().any(|i| i.as_ref().is_some_and(|s| s.contains('\n'))) {
        Tactic::Horizontal
    } else {
        Tactic::Vertical
    }
}

fn write_list(list: &[Option<String>], tactic: Tactic, trailing: SepTactic, shape: Shape) -> Option<String> {
    let trailing_separator = match trailing {
        SepTactic::Vertical => tactic == Tactic::Vertical,
        SepTactic::Never => false,
    };
    let indent_str = shape.indent.string();
    let mut result = String::new();
    let mut line_len = 0;
    let n = list.len();
    let mut trailing_separator = trailing_separator;
    for (i, item) in list.iter().enumerate() {
        let item = item.as_ref()?;
        let first = i == 0;
        let last = i + 1 == n;
        let mut separate = !last || trailing_separator;
        match tactic {
            Tactic::Horizontal if !first => result.push(' '),
            Tactic::SpecialMacro(before) => {
                if i == 0 {
                } else if i < before {
                    result.push(' ');
                } else if i <= before + 1 {
                    result.push('\n');
                    result.push_str(&indent_str);
                } else {
                    result.push(' ');
                }
            }
            Tactic::Vertical if !first && !item.is_empty() && !result.is_empty() => {
                result.push('\n');
                result.push_str(&indent_str);
            }
            Tactic::Mixed => {
                let total_width = item.chars().count() + if separate { 1 } else { 0 };
                if line_len > 0 && line_len + 1 + total_width > shape.width {
                    result.push('\n');
                    result.push_str(&indent_str);
                    line_len = 0;
                    trailing_separator = trailing != SepTactic::Never;
                } else if line_len > 0 {
                    result.push(' ');
                    line_len += 1;
                }
                if last {
                    separate = trailing != SepTactic::Never;
                }
                line_len += total_width;
            }
            _ => {}
        }
        result.push_str(item);
        if separate {
            result.push(',');
        }
    }
    Some(result)
}

fn wrap_items(ctx: &OverflowCx<'_>, items_str: &str, shape: Shape, is_extendable: bool) -> String {
    let shape = Shape { width: shape.width.saturating_sub(last_line_width(ctx.ident)), ..shape };
    let extend_width = if items_str.is_empty() { 2 } else { first_line_width(items_str) + 1 };
    let nested_indent_str = ctx.nested_shape.indent.with_newline();
    let indent_str = shape.block().indent.with_newline();
    let (open, close) = if ctx.brackets { ('[', ']') } else { ('(', ')') };
    let mut result = format!("{}{open}", ctx.ident);
    let force_single_line = is_extendable && extend_width <= shape.width;
    if force_single_line {
        result.push_str(items_str);
    } else {
        if !items_str.is_empty() {
            result.push_str(&nested_indent_str);
            result.push_str(items_str);
        }
        result.push_str(&indent_str);
    }
    result.push(close);
    result
}

#[cfg(test)]
mod fuzz {
    //! Random expressions laid out here and by rustfmt must agree.

    use super::super::syntax::{self as rs, Arm, Block, Expr, Stmt};
    use super::*;

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    const NAMES: &[&str] =
        &["x", "xs", "result", "left_subtree", "realHeight", "old_0", "a_very_long_variable_name"];

    fn name(r: &mut Rng) -> &'static str {
        NAMES[r.below(NAMES.len() as u64) as usize]
    }

    fn leaf(r: &mut Rng) -> Expr {
        if r.below(3) == 0 { rs::lit(r.below(100).to_string()) } else { rs::path(name(r)) }
    }

    /// What contracts look like: measures, arithmetic, comparisons, sets, `if`, closures.
    fn formula(r: &mut Rng, depth: u32) -> Expr {
        if depth == 0 {
            return leaf(r);
        }
        let d = depth - 1;
        match r.below(9) {
            0 => leaf(r),
            1 => rs::method(formula(r, d), name(r), (0..r.below(2)).map(|_| formula(r, d)).collect()),
            2 | 3 => rs::binary(
                ["&&", "||", "+", "-", "*", "==", "<=", "|"][r.below(8) as usize],
                formula(r, d),
                formula(r, d),
            ),
            4 => rs::not(formula(r, d)),
            5 => rs::method(
                leaf(r),
                "satisfies",
                (0..1 + r.below(2))
                    .map(|_| rs::addr_of(Expr::Closure(vec!["v: &A".to_string()], Box::new(formula(r, d)))))
                    .collect(),
            ),
            6 => rs::if_else(
                condition(r, d),
                rs::block_of(formula(r, d)),
                Some(Expr::Block(rs::block_of(formula(r, d)))),
            ),
            7 => rs::deref(rs::path(name(r))),
            _ => rs::call(
                "BTreeSet::from",
                vec![Expr::Array((0..1 + r.below(3)).map(|_| formula(r, d)).collect())],
            ),
        }
    }

    /// A formula that is not itself an `if` (the emitter never writes `if if`).
    fn condition(r: &mut Rng, depth: u32) -> Expr {
        loop {
            let e = formula(r, depth);
            if !matches!(e, Expr::If(..)) {
                return e;
            }
        }
    }

    /// What goal bodies look like: calls, constructors, boxes, `match`, `if`, closures.
    fn expr(r: &mut Rng, depth: u32) -> Expr {
        if depth == 0 {
            return leaf(r);
        }
        let d = depth - 1;
        match r.below(9) {
            0 => leaf(r),
            1 | 2 => rs::call(name(r), (0..r.below(4)).map(|_| expr(r, d)).collect()),
            3 => rs::call(format!("List::{}", name(r)), (0..1 + r.below(2)).map(|_| expr(r, d)).collect()),
            4 => rs::call("Box::new", vec![expr(r, d)]),
            5 => rs::if_else(
                formula(r, 1),
                rs::block_of(expr(r, d)),
                Some(Expr::Block(rs::block_of(expr(r, d)))),
            ),
            6 => Expr::Match(
                Box::new(leaf(r)),
                (0..1 + r.below(3))
                    .map(|i| Arm { pat: format!("List::C{i}(x, xs)"), body: expr(r, d) })
                    .collect(),
            ),
            7 => rs::addr_of(Expr::Closure(vec!["x9: A".to_string()], Box::new(expr(r, d)))),
            _ => rs::method(rs::deref(rs::path(name(r))), "clone", Vec::new()),
        }
    }

    fn program(r: &mut Rng) -> String {
        let mut stmts = Vec::new();
        for i in 0..4 {
            stmts.push(match i % 4 {
                0 => Stmt::Semi { attrs: Vec::new(), expr: rs::mac("debug_assert", vec![formula(r, 4)]) },
                1 => Stmt::Let {
                    attrs: vec!["#[cfg(debug_assertions)]".to_string()],
                    pat: format!("old_{i}"),
                    ty: None,
                    init: formula(r, 4),
                },
                2 => Stmt::Let { attrs: Vec::new(), pat: "result".to_string(), ty: None, init: expr(r, 4) },
                _ => Stmt::Semi {
                    attrs: vec!["#[cfg(debug_assertions)]".to_string()],
                    expr: rs::mac("assert", vec![formula(r, 4)]),
                },
            });
        }
        stmts.push(Stmt::Tail(expr(r, 4)));
        let cx = Cx::default();
        let body = cx
            .rewrite_block_with_visitor("", &Block { stmts }, Shape::indented(Indent::new(0)))
            .unwrap_or_default();
        format!("fn f() {body}\n")
    }

    /// 150 random programs by default (a few seconds); `RSYNTH_LAYOUT_CASES=2000` for a
    /// deeper run. Skipped when rustfmt is not installed.
    #[test]
    fn layout_agrees_with_rustfmt_on_random_expressions() {
        if std::process::Command::new("rustfmt").arg("--version").output().is_err() {
            eprintln!("skipping: rustfmt not found");
            return;
        }
        let mut r = Rng(0x9e37_79b9_7f4a_7c15);
        let dir = std::env::temp_dir().join(format!("rsynth-layout-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let n: usize = std::env::var("RSYNTH_LAYOUT_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(150);
        let mut failures = Vec::new();
        for i in 0..n {
            let text = program(&mut r);
            let path = dir.join("f.rs");
            std::fs::write(&path, &text).unwrap();
            let out = std::process::Command::new("rustfmt")
                .args(["--edition", "2024", "--emit", "stdout", "-q"])
                .arg(&path)
                .output()
                .unwrap();
            let formatted = String::from_utf8_lossy(&out.stdout).into_owned();
            if out.status.success() && formatted != text {
                failures.push(format!("case {i}:\n--- ours\n{text}\n--- rustfmt\n{formatted}"));
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        if let Ok(path) = std::env::var("RSYNTH_LAYOUT_DUMP") {
            std::fs::write(path, failures.join("\n=====\n")).unwrap();
        }
        assert!(failures.is_empty(), "{} of {n} differ; first:\n{}", failures.len(), failures[0]);
    }
}
