//! The `rsynth` binary: parse arguments, run the command, exit with its code.

/// mimalloc instead of glibc's malloc for rsynth's own allocations: the search builds
/// and drops many small formulas and types, and glibc's malloc and free took about 12%
/// of a large problem's CPU time (`AVL-RotateR`, perf), half of it for rsynth's own
/// allocations. With mimalloc, `Tree-Elem` runs 6% fewer instructions and the larger
/// problems take 4-9% less wall time; peak memory grows by about 10 MB.
///
/// libz3's allocations go to mimalloc too: the `override` feature defines `malloc`,
/// `free` and the rest of glibc's allocation functions in the executable, and an
/// executable's definitions take the place of glibc's for every shared library. libc
/// had 8% of the suite's CPU time, mostly glibc's malloc and free working for Z3; the
/// suite, timed alternately with glibc's malloc for libz3, both orders: 3-4% less time.
///
/// mimalloc's v2 line rather than v3 (the crate's default): on the costliest problems,
/// timed alternately in both orders, v2 took 0.9% and 2.5% less time, with the same peak
/// memory (docs/benchmarks.md, "Allocator settings").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    allocator::keep_freed_memory();
    rsynth::cli::end_processes_with(end_now);
    rsynth::cli::main()
}

/// Ends the process with `status` at once: no destructors, no `atexit` handlers (such as
/// libz3's, which may not run while another thread is still deleting a Z3 context).
fn end_now(status: u8) -> ! {
    // SAFETY: `_exit` ends the process; the command's output was flushed before.
    unsafe { libc::_exit(i32::from(status)) }
}

/// mimalloc's settings.
mod allocator {
    use std::ffi::{c_int, c_long};

    /// Options in mimalloc's `mi_option_t`, as v2 numbers them (the Rust binding names
    /// only some options).
    const PURGE_DELAY: c_int = 15;
    #[cfg(target_os = "linux")]
    const ALLOW_THP: c_int = 37;

    // Part of mimalloc's C API, in the library the `mimalloc` crate links.
    unsafe extern "C" {
        fn mi_option_set(option: c_int, value: c_long);
    }

    /// Freed memory stays with the process instead of going back to the kernel a
    /// second after it was freed. A search frees and allocates again all the time, and
    /// memory handed back comes back as fresh pages the kernel must zero (then in 2 MB
    /// huge pages, which mimalloc asked for): page clearing was 11-12% of
    /// `IncList-Merge`'s and `AVL-Delete`'s CPU time. Without purging, the suite took
    /// 14.28 s against 14.64 s (alternately, three runs each, this build second, which
    /// accounts for about 2%: `docs/benchmarks.md`), `IncList-Merge` 1.56 → 1.41 s, and
    /// the largest peak memory did not grow (the peak is what the search holds at once;
    /// the memory kept is reused).
    pub fn keep_freed_memory() {
        // SAFETY: `mi_option_set` only stores a number in mimalloc's option table, which
        // it reads whenever it considers purging; any value is allowed for this option.
        unsafe { mi_option_set(PURGE_DELAY, -1) }
    }

    /// All memory of the process in small pages. mimalloc asks for transparent huge
    /// pages for all of its memory, and the kernel clears a whole 2 MB page when a search
    /// first touches any of it; on this kind of machine that is slow, and slower still
    /// after the machine was idle for a second or two (a virtual machine whose host
    /// takes back memory the guest is not using, and backs it again page by page):
    /// `IncList-Merge`'s kernel time fell from 0.21 to 0.09 s without them, its peak
    /// memory from 140 to 121 MB. Z3's start-up tables (17 MB per context, written in
    /// full) were tried in huge pages too: a few milliseconds less per process when runs
    /// follow each other, but after an idle pause 0.1-0.2 s more kernel time for a
    /// problem whose lanes make three contexts (`docs/benchmarks.md`, runs 25a and
    /// 25b). The option also switches huge pages off for the rest of the process
    /// (a `prctl`), which is what is wanted.
    ///
    /// The option is read when mimalloc starts, before `main`, so it is set from the
    /// executable's `.preinit_array`, which runs before every constructor (mimalloc's
    /// included). It touches nothing but mimalloc's table of options.
    #[cfg(target_os = "linux")]
    #[used]
    #[unsafe(link_section = ".preinit_array")]
    static SMALL_PAGES: extern "C" fn() = small_pages;

    #[cfg(target_os = "linux")]
    extern "C" fn small_pages() {
        // SAFETY: as in `keep_freed_memory`: mimalloc's option table is static data,
        // ready before any constructor runs.
        unsafe { mi_option_set(ALLOW_THP, 0) }
    }
}
