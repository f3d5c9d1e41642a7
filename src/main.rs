//! The `rsynth` binary: parse arguments, run the command, exit with its code.

/// mimalloc instead of glibc's malloc for rsynth's own allocations: the search builds
/// and drops many small formulas and types, and glibc's malloc and free took about 12%
/// of a large problem's CPU time (`AVL-RotateR`, perf), half of it for rsynth's own
/// allocations. With mimalloc, `Tree-Elem` runs 6% fewer instructions and the larger
/// problems take 4-9% less wall time; peak memory grows by about 10 MB. libz3 keeps
/// glibc's malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    huge_pages::restart_with_huge_pages();
    rsynth::cli::main()
}

/// Transparent huge pages for Z3's start-up tables.
///
/// libz3 4.8.12 fills two tables of 8.5 MB whenever it makes a context (once for every
/// thread that asks it something), writing one word in every 16 bytes: about 4 200
/// page faults and 10 ms of kernel time per context, more than the whole search of an
/// easy goal. With glibc's `glibc.malloc.hugetlb=1` tunable, malloc asks the kernel for
/// transparent huge pages for such blocks, and the same tables cost a few dozen faults
/// (about 3 ms). glibc reads its tunables only when a process starts, so the binary
/// starts itself once more, with the tunable added (an `exec`: same process, arguments,
/// streams and exit code; about 2 ms). Setting the tunable (to anything) or
/// `RSYNTH_NO_REEXEC` beforehand skips the restart; where `exec` fails, rsynth simply
/// goes on without huge pages.
mod huge_pages {
    /// The tunable, as glibc spells it.
    const TUNABLE: &str = "glibc.malloc.hugetlb";
    /// Set in the restarted process, so that it never restarts again.
    const SKIP: &str = "RSYNTH_NO_REEXEC";

    #[cfg(target_os = "linux")]
    pub fn restart_with_huge_pages() {
        use std::os::unix::process::CommandExt;
        let current = std::env::var_os("GLIBC_TUNABLES").unwrap_or_default();
        if std::env::var_os(SKIP).is_some() || current.to_string_lossy().contains(TUNABLE) {
            return;
        }
        let Ok(exe) = std::env::current_exe() else { return };
        let mut tunables = current;
        if !tunables.is_empty() {
            tunables.push(":");
        }
        tunables.push(format!("{TUNABLE}=1"));
        let mut args = std::env::args_os();
        let arg0 = args.next().unwrap_or_else(|| exe.clone().into_os_string());
        // `exec` returns only if it failed; then this process carries on as it is.
        let _failed = std::process::Command::new(&exe)
            .arg0(arg0)
            .args(args)
            .env("GLIBC_TUNABLES", tunables)
            .env(SKIP, "1")
            .exec();
    }

    #[cfg(not(target_os = "linux"))]
    pub fn restart_with_huge_pages() {}
}
