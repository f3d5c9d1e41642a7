//! Tab completion, hints and hint colouring for the REPL's line editor.
//!
//! Completion: command names after `:`, files after `:load`, goal names after `:fill`,
//! `:check` and `:emit rust|ocaml`, and otherwise every name in scope. Hints (grey text
//! after the cursor; → accepts them): a command's arguments, ` = ??` after the name of a
//! signature that has no goal yet, a name's type after `:type NAME`, `where` after
//! `data D a `, `with` after `match e `.

use std::borrow::Cow;
use std::sync::{Arc, Mutex};

use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};

use super::session::{COMMANDS, Session, resolve_command};

/// What completion and hints know of the session, refreshed before each prompt.
#[derive(Default)]
pub struct Names {
    names: Vec<String>,
    goals: Vec<String>,
    /// Signatures without a goal yet: `f` hints ` = ??`.
    open_signatures: Vec<String>,
    signatures: Vec<(String, String)>,
}

/// Copies what the helper needs from the session.
pub fn refresh(names: &Arc<Mutex<Names>>, session: &Session) {
    let goals = session.goal_names();
    let all = session.names();
    let signatures: Vec<(String, String)> =
        all.iter().filter_map(|n| session.signature_of(n).map(|s| (n.clone(), s))).collect();
    let open_signatures = signatures.iter().map(|(n, _)| n.clone()).filter(|n| !goals.contains(n)).collect();
    if let Ok(mut n) = names.lock() {
        *n = Names { names: all, goals, open_signatures, signatures };
    }
}

pub struct ReplHelper {
    names: Arc<Mutex<Names>>,
    files: FilenameCompleter,
    color: bool,
}

impl ReplHelper {
    pub fn new(names: Arc<Mutex<Names>>, color: bool) -> ReplHelper {
        ReplHelper { names, files: FilenameCompleter::new(), color }
    }
}

impl Helper for ReplHelper {}
impl Validator for ReplHelper {}

fn word_start(line: &str, pos: usize) -> usize {
    line[..pos]
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '\'' || c == ':'))
        .map_or(0, |i| i + 1)
}

fn pairs<'a>(candidates: impl IntoIterator<Item = &'a String>, prefix: &str) -> Vec<Pair> {
    candidates
        .into_iter()
        .filter(|c| c.starts_with(prefix))
        .map(|c| Pair { display: c.clone(), replacement: c.clone() })
        .collect()
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(&self, line: &str, pos: usize, ctx: &Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let words: Vec<&str> = before.split_whitespace().collect();
        let start = word_start(line, pos);
        let prefix = &line[start..pos];
        let Ok(names) = self.names.lock() else { return Ok((start, Vec::new())) };
        if before.trim_start().starts_with(':') {
            let at_command = words.len() <= 1 && !before.ends_with(' ');
            if at_command {
                let commands: Vec<String> = COMMANDS.iter().map(|(n, _, _)| (*n).to_owned()).collect();
                return Ok((start, pairs(&commands, prefix)));
            }
            let command = words.first().and_then(|w| resolve_command(w));
            let arg_index =
                if before.ends_with(' ') { words.len() - 1 } else { words.len().saturating_sub(2) };
            return match command {
                Some(":load") => self.files.complete(line, pos, ctx),
                Some(":emit") if arg_index == 0 => {
                    let targets = vec!["rust".to_owned(), "ocaml".to_owned()];
                    Ok((start, pairs(&targets, prefix)))
                }
                Some(":fill" | ":check" | ":emit") => Ok((start, pairs(&names.goals, prefix))),
                Some(":type") => Ok((start, pairs(&names.names, prefix))),
                _ => Ok((start, Vec::new())),
            };
        }
        if prefix.is_empty() {
            return Ok((start, Vec::new()));
        }
        Ok((start, pairs(&names.names, prefix)))
    }
}

impl Hinter for ReplHelper {
    type Hint = String;

    fn hint(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> Option<String> {
        if pos < line.len() {
            return None;
        }
        let names = self.names.lock().ok()?;
        let trimmed = line.trim_start();
        if trimmed.starts_with(':') {
            let words: Vec<&str> = trimmed.split_whitespace().collect();
            // A unique command prefix: the rest of its name and its arguments.
            if words.len() == 1 && !line.ends_with(' ') {
                let matches: Vec<_> = COMMANDS.iter().filter(|(n, _, _)| n.starts_with(words[0])).collect();
                if let [(name, args, _)] = matches.as_slice() {
                    let rest = &name[words[0].len()..];
                    return Some(if args.is_empty() { rest.to_owned() } else { format!("{rest} {args}") });
                }
            }
            if words.len() == 2 && resolve_command(words[0]) == Some(":type") && !line.ends_with(' ') {
                return names.signatures.iter().find(|(n, _)| n == words[1]).map(|(_, s)| format!(" :: {s}"));
            }
            return None;
        }
        // `f` alone, for a signature without a goal: `f = ??`.
        if !trimmed.contains(' ') && names.open_signatures.iter().any(|n| n == trimmed) {
            return Some(" = ??".to_owned());
        }
        if let Some(name) = trimmed.strip_suffix(" =")
            && names.open_signatures.iter().any(|n| n == name.trim())
        {
            return Some(" ??".to_owned());
        }
        // What the syntax requires next.
        let words: Vec<&str> = trimmed.split_whitespace().collect();
        if words.first() == Some(&"data")
            && words.len() >= 2
            && !words.contains(&"where")
            && line.ends_with(' ')
        {
            return Some("where".to_owned());
        }
        if let Some(at) = words.iter().rposition(|w| *w == "match")
            && at + 1 < words.len()
            && !words[at..].contains(&"with")
            && line.ends_with(' ')
        {
            return Some("with".to_owned());
        }
        None
    }
}

impl Highlighter for ReplHelper {
    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        if self.color { Cow::Owned(format!("\x1b[2m{hint}\x1b[0m")) } else { Cow::Borrowed(hint) }
    }
}

#[cfg(test)]
mod tests {
    use rustyline::history::DefaultHistory;

    use super::*;

    fn helper() -> ReplHelper {
        let names = Names {
            names: vec!["inc".into(), "insert".into(), "len".into(), "zero".into()],
            goals: vec!["insert".into()],
            open_signatures: vec!["inc".into()],
            signatures: vec![("inc".into(), "x: Int -> {Int | _v == x + 1}".into())],
        };
        ReplHelper::new(Arc::new(Mutex::new(names)), false)
    }

    fn hint(line: &str) -> Option<String> {
        let history = DefaultHistory::new();
        helper().hint(line, line.len(), &Context::new(&history))
    }

    fn complete(line: &str) -> Vec<String> {
        let history = DefaultHistory::new();
        let (_, pairs) = helper().complete(line, line.len(), &Context::new(&history)).unwrap();
        pairs.into_iter().map(|p| p.replacement).collect()
    }

    #[test]
    fn hints_follow_the_syntax() {
        assert_eq!(hint(":em").as_deref(), Some("it rust|ocaml NAME"));
        assert_eq!(hint(":rel").as_deref(), Some("oad"));
        assert_eq!(hint(":type inc").as_deref(), Some(" :: x: Int -> {Int | _v == x + 1}"));
        assert_eq!(hint("inc").as_deref(), Some(" = ??"));
        assert_eq!(hint("inc =").as_deref(), Some(" ??"));
        assert_eq!(hint("insert"), None, "insert already has a goal");
        assert_eq!(hint("data Shape a ").as_deref(), Some("where"));
        assert_eq!(hint("f = \\xs . match xs ").as_deref(), Some("with"));
        assert_eq!(hint("f = \\xs . match xs with"), None);
    }

    #[test]
    fn completion_knows_commands_goals_and_names() {
        assert_eq!(complete(":ty"), [":type"]);
        assert_eq!(complete(":re"), [":reload"]);
        assert_eq!(complete(":fill "), ["insert"]);
        assert_eq!(complete(":emit "), ["rust", "ocaml"]);
        assert_eq!(complete(":emit rust i"), ["insert"]);
        assert_eq!(complete(":type l"), ["len"]);
        assert_eq!(complete("f = in"), ["inc", "insert"]);
        assert!(complete("f = ").is_empty());
    }
}
