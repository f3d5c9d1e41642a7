//! `rsynth repl`: an interactive session over one long-lived database.
//!
//! The loop reads a line with rustyline (history file, tab completion of commands and
//! names in scope, hints), gathers the lines of a multi-line declaration under a
//! continuation prompt, and hands each complete input to the [`Session`], which holds
//! the state and runs the commands. A search runs on a worker thread; Ctrl-C (a SIGINT,
//! since the terminal is not in raw mode while a command runs) cancels it and the prompt
//! comes back. Ctrl-C at the prompt clears the line; Ctrl-D quits.
//!
//! **Architecture invariant:** with `cli`, this is the only module that does IO (the
//! terminal, the history file, and reading the files it loads, in `session` and
//! `library`). Only this module imports rustyline.

pub mod library;
pub mod session;

mod helper;

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::{CompletionType, Config, Editor};

pub use session::{Flow, Options, Session};

/// The prompt, and the prompt of a continuation line (as wide, so text lines up).
pub const PROMPT: &str = "rsynth> ";
pub const CONTINUATION: &str = "   ...> ";

/// Runs the REPL until `:quit` or Ctrl-D; returns the exit code.
pub fn run(files: &[PathBuf], options: Options) -> u8 {
    let mut session = Session::new(options.clone());
    let interrupt = session.interrupt();
    // Ctrl-C while a command runs: cancel the search, if one is running.
    let _ = ctrlc::set_handler(move || {
        if !interrupt.cancel_current() {
            eprintln!("\n(Ctrl-C: nothing to cancel; the command finishes on its own)");
        }
    });
    let (mut stdout, mut stderr) = (std::io::stdout(), std::io::stderr());
    let _ = writeln!(
        stdout,
        "rsynth {} REPL; :help lists the commands, :quit or Ctrl-D leaves",
        env!("CARGO_PKG_VERSION")
    );
    if !files.is_empty() {
        session.load(files, &mut stdout, &mut stderr);
    }

    let names = Arc::new(Mutex::new(helper::Names::default()));
    let config = Config::builder()
        .auto_add_history(false)
        .completion_type(CompletionType::List)
        .history_ignore_dups(true)
        .map(|b| b.build());
    let mut editor: Editor<helper::ReplHelper, FileHistory> = match config.and_then(Editor::with_config) {
        Ok(editor) => editor,
        Err(e) => {
            let _ = writeln!(stderr, "rsynth repl: cannot start the line editor: {e}");
            return crate::cli::EXIT_INPUT_ERROR;
        }
    };
    editor.set_helper(Some(helper::ReplHelper::new(Arc::clone(&names), options.color)));
    let history = history_path();
    if let Some(path) = &history {
        let _ = editor.load_history(path);
    }

    loop {
        helper::refresh(&names, &session);
        let mut buffer = match editor.readline(PROMPT) {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                let _ = writeln!(stderr, "rsynth repl: {e}");
                break;
            }
        };
        if !buffer.trim_start().starts_with(':') {
            let mut cancelled = false;
            while session::needs_more(&buffer) {
                match editor.readline(CONTINUATION) {
                    Ok(line) => {
                        buffer.push('\n');
                        buffer.push_str(&line);
                    }
                    Err(ReadlineError::Interrupted) => {
                        cancelled = true;
                        break;
                    }
                    Err(_) => break,
                }
            }
            if cancelled {
                continue;
            }
        }
        let entry = buffer.trim_end();
        if !entry.trim().is_empty() {
            let _ = editor.add_history_entry(entry);
            if let Some(path) = &history {
                save_history(&mut editor, path);
            }
        }
        if session.execute(&buffer, &mut stdout, &mut stderr) == Flow::Quit {
            break;
        }
        let _ = stdout.flush();
    }
    crate::cli::EXIT_OK
}

/// Where the history is kept: `$RSYNTH_HISTORY`, else `$XDG_STATE_HOME/rsynth/history`,
/// else `~/.local/state/rsynth/history`. `RSYNTH_HISTORY=` (empty) keeps none.
pub fn history_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("RSYNTH_HISTORY") {
        return if path.is_empty() { None } else { Some(PathBuf::from(path)) };
    }
    let state = std::env::var_os("XDG_STATE_HOME")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(state.join("rsynth").join("history"))
}

fn save_history(editor: &mut Editor<helper::ReplHelper, FileHistory>, path: &std::path::Path) {
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = editor.save_history(path);
}
