//! `rsynth bench`: run `fill` on every problem of a suite and tabulate the results.
//!
//! Each problem runs in its own `rsynth fill` process, one after the other: a crash or
//! a runaway search costs one row, not the run, and the peak memory of each problem is
//! its own (the child reports its resident high-water mark). The child prints the filled
//! program; the bench parses it and verifies it once more, in this process, with the
//! checker, so a row marked `solved` has been proved twice.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::db::Database;

/// The last line a child writes on stderr when asked for a machine report.
pub(super) const REPORT_PREFIX: &str = "rsynth-report:";

/// One problem's outcome.
#[derive(Debug, Clone)]
pub(super) struct Row {
    pub name: String,
    pub status: Status,
    pub seconds: f64,
    pub queries: u64,
    pub size: usize,
    pub peak_mb: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
    Solved,
    Unsolved,
    Timeout,
    /// The child printed a program that does not verify (a bug, and a loud one).
    Unverified,
    /// The child did not finish normally (killed, crashed, bad input).
    Crashed,
}

impl Status {
    fn describe(self) -> &'static str {
        match self {
            Status::Solved => "solved",
            Status::Unsolved => "unsolved",
            Status::Timeout => "timeout",
            Status::Unverified => "UNVERIFIED",
            Status::Crashed => "crashed",
        }
    }
}

/// The problems in the given folders (or files), sorted by name within each folder.
pub(super) fn problems(paths: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(path)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "sq") && p.is_file())
                .collect();
            files.sort();
            out.extend(files);
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

/// Runs one problem in a child process and verifies what it printed.
pub(super) fn run_one(exe: &Path, problem: &Path, timeout: f64) -> Row {
    let name = problem.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let started = Instant::now();
    let child = Command::new(exe)
        .arg("--color=never")
        .arg("fill")
        .arg("--timeout")
        .arg(timeout.to_string())
        .arg("--machine-report")
        .arg(problem)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let crashed = |seconds: f64| Row {
        name: name.clone(),
        status: Status::Crashed,
        seconds,
        queries: 0,
        size: 0,
        peak_mb: 0.0,
    };
    let Ok(child) = child else { return crashed(0.0) };
    // A goal may take its whole time limit, and a file can have several goals; the
    // child honours its own limits, so this only guards against a hung process.
    let output = wait_with_limit(child, Duration::from_secs_f64(timeout * 20.0 + 30.0));
    let seconds = started.elapsed().as_secs_f64();
    let Some(output) = output else { return crashed(seconds) };
    let stderr = String::from_utf8_lossy(&output.stderr);
    let Some(report) = stderr.lines().rev().find_map(|l| l.strip_prefix(REPORT_PREFIX)) else {
        return crashed(seconds);
    };
    let field = |key: &str| {
        report.split_whitespace().find_map(|kv| kv.strip_prefix(key)?.strip_prefix('=')).unwrap_or("")
    };
    let mut row = Row {
        name,
        status: match field("status") {
            "solved" => Status::Solved,
            "timeout" => Status::Timeout,
            _ => Status::Unsolved,
        },
        seconds: field("seconds").parse().unwrap_or(seconds),
        queries: field("queries").parse().unwrap_or(0),
        size: field("size").parse().unwrap_or(0),
        peak_mb: field("peak_kb").parse::<f64>().unwrap_or(0.0) / 1024.0,
    };
    if row.status == Status::Solved && !verifies(&String::from_utf8_lossy(&output.stdout)) {
        row.status = Status::Unverified;
    }
    row
}

/// Parses, resolves and checks a filled program.
fn verifies(text: &str) -> bool {
    let db = Database::default();
    let file = db.add_file("solution.sq", text);
    if crate::db::parse(&db, file).has_errors() || !crate::db::resolve_file(&db, file).errors.is_empty() {
        return false;
    }
    let report = crate::db::verify_file(&db, file);
    report.measure_failures == 0 && report.goals.iter().all(|g| g.outcome == crate::verify::Outcome::Verified)
}

fn wait_with_limit(mut child: std::process::Child, limit: Duration) -> Option<std::process::Output> {
    // Read the pipes on threads so a chatty child never blocks on a full pipe.
    let mut stdout = child.stdout.take()?;
    let mut stderr = child.stderr.take()?;
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stdout, &mut buf);
        buf
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stderr, &mut buf);
        buf
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() < limit => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    };
    Some(std::process::Output { status, stdout: out.join().ok()?, stderr: err.join().ok()? })
}

/// The table, with totals and medians.
pub(super) fn render(rows: &[Row]) -> String {
    let mut out = String::new();
    let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(4).max(4);
    let _ = writeln!(
        out,
        "{:<width$}  {:<10} {:>8} {:>8} {:>5} {:>8}",
        "name", "status", "seconds", "queries", "size", "peak MB"
    );
    for r in rows {
        let _ = writeln!(
            out,
            "{:<width$}  {:<10} {:>8.2} {:>8} {:>5} {:>8.1}",
            r.name,
            r.status.describe(),
            r.seconds,
            r.queries,
            r.size,
            r.peak_mb
        );
    }
    let passed = rows.iter().filter(|r| r.status == Status::Solved).count();
    let mut times: Vec<f64> = rows.iter().map(|r| r.seconds).collect();
    times.sort_by(f64::total_cmp);
    let total: f64 = times.iter().sum();
    let median = match times.len() {
        0 => 0.0,
        n if n % 2 == 1 => times[n / 2],
        n => (times[n / 2 - 1] + times[n / 2]) / 2.0,
    };
    let peak = rows.iter().map(|r| r.peak_mb).fold(0.0, f64::max);
    let _ = writeln!(out, "total {total:.2}s, median {median:.3}s, largest peak memory {peak:.1} MB");
    let _ = writeln!(out, "{passed} passed, {} failed", rows.len() - passed);
    out
}

/// The rows as CSV.
pub(super) fn csv(rows: &[Row]) -> String {
    let mut out = String::from("name,status,seconds,smt_queries,size,peak_mb\n");
    for r in rows {
        let _ = writeln!(
            out,
            "{},{},{:.3},{},{},{:.1}",
            r.name,
            r.status.describe(),
            r.seconds,
            r.queries,
            r.size,
            r.peak_mb
        );
    }
    out
}

/// This process's resident high-water mark in kB (Linux; 0 elsewhere).
pub(super) fn peak_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
