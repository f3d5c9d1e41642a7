//! `rsynth repl`: an interactive session over one long-lived database.
//!
//! The loop reads a line with rustyline (history file, tab completion of commands and
//! names in scope, hints), gathers the lines of a multi-line declaration under a
//! continuation prompt, and hands each complete input to the [`Session`], which holds
//! the state and runs the commands. A search runs on a worker thread. While a command
//! runs, [`CtrlC`] keeps the terminal from turning Ctrl-C into a signal and reads the
//! key itself: Ctrl-C cancels the search and the prompt comes back. (A SIGINT handler
//! would not do: Z3 installs its own during every check, and swallows the signal.)
//! Ctrl-C at the prompt clears the line; Ctrl-D quits.
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
    let (mut stdout, mut stderr) = (std::io::stdout(), std::io::stderr());
    let _ = writeln!(
        stdout,
        "rsynth {} REPL; :help lists the commands, :quit or Ctrl-D leaves",
        env!("CARGO_PKG_VERSION")
    );
    let mut early = String::new();
    if !files.is_empty() {
        let watch = CtrlC::watch(&interrupt);
        session.load(files, &mut stdout, &mut stderr);
        early = watch.finish();
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

    // Keys typed while a command ran: the start of the next input.
    let mut typeahead = early;
    loop {
        helper::refresh(&names, &session);
        let mut buffer = match next_line(&mut editor, PROMPT, &mut typeahead) {
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
                match next_line(&mut editor, CONTINUATION, &mut typeahead) {
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
        let watch = CtrlC::watch(&interrupt);
        let flow = session.execute(&buffer, &mut stdout, &mut stderr);
        typeahead.push_str(&watch.finish());
        if flow == Flow::Quit {
            break;
        }
        let _ = stdout.flush();
    }
    crate::cli::EXIT_OK
}

/// Reads Ctrl-C from the terminal while a command runs, and cancels the running search.
///
/// The terminal is put in non-canonical mode without signals (`ISIG` off) and without
/// echo, so Ctrl-C arrives as the byte 3 instead of a SIGINT; a thread polls for it.
/// [`CtrlC::finish`] (or dropping the watch) stops the thread and restores the terminal;
/// the other keys typed meanwhile are returned, to start the next input with. Without a
/// terminal, nothing is watched.
struct CtrlC {
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    saved: Option<nix::sys::termios::Termios>,
    typed: Arc<Mutex<Vec<u8>>>,
}

impl CtrlC {
    fn watch(interrupt: &session::Interrupt) -> CtrlC {
        use nix::sys::termios::{LocalFlags, SetArg, tcgetattr, tcsetattr};
        use std::io::IsTerminal;
        use std::sync::atomic::{AtomicBool, Ordering};

        let stop = Arc::new(AtomicBool::new(false));
        let typed: Arc<Mutex<Vec<u8>>> = Arc::default();
        let mut watch =
            CtrlC { stop: Arc::clone(&stop), thread: None, saved: None, typed: Arc::clone(&typed) };
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            return watch;
        }
        let Ok(saved) = tcgetattr(&stdin) else { return watch };
        let mut quiet = saved.clone();
        quiet.local_flags.remove(LocalFlags::ICANON | LocalFlags::ISIG | LocalFlags::ECHO);
        if tcsetattr(&stdin, SetArg::TCSANOW, &quiet).is_err() {
            return watch;
        }
        watch.saved = Some(saved);
        let interrupt = interrupt.clone();
        watch.thread = std::thread::Builder::new()
            .name("rsynth-ctrl-c".into())
            .spawn(move || {
                use nix::poll::{PollFd, PollFlags, poll};
                use std::os::fd::AsFd;
                let stdin = std::io::stdin();
                while !stop.load(Ordering::Relaxed) {
                    let mut fds = [PollFd::new(stdin.as_fd(), PollFlags::POLLIN)];
                    if !matches!(poll(&mut fds, 50u16), Ok(n) if n > 0) {
                        continue;
                    }
                    let mut byte = [0u8; 1];
                    match nix::unistd::read(stdin.as_fd(), &mut byte) {
                        Ok(1) if byte[0] == 3 => {
                            if !interrupt.cancel_current() {
                                eprintln!("(Ctrl-C: no search is running; the command finishes on its own)");
                            }
                        }
                        Ok(0) | Err(_) => std::thread::sleep(std::time::Duration::from_millis(50)),
                        Ok(_) => {
                            if let Ok(mut typed) = typed.lock() {
                                typed.push(byte[0]);
                            }
                        }
                    }
                }
            })
            .ok();
        watch
    }
}

impl CtrlC {
    /// Stops watching; returns the text typed meanwhile (editing keys applied, escape
    /// sequences such as arrow keys left out).
    fn finish(mut self) -> String {
        self.stop_watching();
        let bytes = self.typed.lock().map(|t| t.clone()).unwrap_or_default();
        typed_text(&bytes)
    }

    fn stop_watching(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        if let Some(saved) = self.saved.take() {
            let _ =
                nix::sys::termios::tcsetattr(std::io::stdin(), nix::sys::termios::SetArg::TCSANOW, &saved);
        }
    }
}

impl Drop for CtrlC {
    fn drop(&mut self) {
        self.stop_watching();
    }
}

/// The text of keys typed without a line editor: printable characters, tabs and line
/// ends kept, backspace applied, escape sequences and other control keys dropped.
fn typed_text(bytes: &[u8]) -> String {
    let mut kept: Vec<u8> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            0x1b => {
                // ESC [ params final, or ESC and one more byte.
                i += 1;
                if bytes.get(i) == Some(&b'[') {
                    i += 1;
                    while i < bytes.len() && !(0x40..=0x7e).contains(&bytes[i]) {
                        i += 1;
                    }
                }
            }
            0x7f | 0x08 => {
                // Backspace: drop the last character (and its UTF-8 continuation bytes).
                while kept.last().is_some_and(|b| (b & 0xc0) == 0x80) {
                    kept.pop();
                }
                kept.pop();
            }
            b'\r' => kept.push(b'\n'),
            b'\n' | b'\t' => kept.push(bytes[i]),
            b if b < 0x20 => {}
            b => kept.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&kept).into_owned()
}

/// The next line of input: a line typed ahead while a command ran, shown after the
/// prompt as if typed there; otherwise the line editor, with any unfinished text typed
/// ahead already in its buffer.
fn next_line(
    editor: &mut Editor<helper::ReplHelper, FileHistory>,
    prompt: &str,
    typeahead: &mut String,
) -> rustyline::Result<String> {
    if let Some(end) = typeahead.find('\n') {
        let line = typeahead[..end].to_owned();
        typeahead.replace_range(..=end, "");
        println!("{prompt}{line}");
        return Ok(line);
    }
    let start = std::mem::take(typeahead);
    editor.readline_with_initial(prompt, (&start, ""))
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

#[cfg(test)]
mod tests {
    use super::typed_text;

    #[test]
    fn keys_typed_ahead_become_text() {
        assert_eq!(typed_text(b":fill one\r:ty"), ":fill one\n:ty");
        assert_eq!(typed_text(b"lenx\x7fgth"), "length");
        assert_eq!(typed_text(b"a\x1b[Ab\x1bOc"), "abc", "arrow keys are left out");
        assert_eq!(typed_text("é\x7f!".as_bytes()), "!");
        assert_eq!(typed_text(b"\x01\x02x\ty"), "x\ty");
    }
}
