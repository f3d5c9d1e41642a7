//! The `rsynth` binary: parse arguments, run the command, exit with its code.

/// mimalloc instead of glibc's malloc for rsynth's own allocations: the search builds
/// and drops many small formulas and types, and glibc's malloc and free took about 12%
/// of a large problem's CPU time (`AVL-RotateR`, perf), half of it for rsynth's own
/// allocations. With mimalloc, `Tree-Elem` runs 6% fewer instructions and the larger
/// problems take 4-9% less wall time; peak memory grows by about 10 MB. libz3 keeps
/// glibc's malloc.
///
/// mimalloc's v2 line rather than v3 (the crate's default): on the costliest problems,
/// timed alternately in both orders, v2 took 0.9% and 2.5% less time, with the same peak
/// memory (docs/benchmarks.md, "Allocator settings").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    allocator::keep_freed_memory();
    allocator::huge_pages_for_the_rest();
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
    /// memory handed back comes back as fresh pages the kernel must zero (in 2 MB huge
    /// pages: mimalloc asks for them): page clearing was 11-12% of `IncList-Merge`'s and
    /// `AVL-Delete`'s CPU time. Without purging, the suite took 14.28 s against 14.64 s
    /// (alternately, three runs each, this build second, which accounts for about 2%:
    /// `docs/benchmarks.md`), `IncList-Merge` 1.56 → 1.41 s, and the largest peak memory
    /// did not grow (the peak is what the search holds at once; the memory kept is
    /// reused).
    pub fn keep_freed_memory() {
        // SAFETY: `mi_option_set` only stores a number in mimalloc's option table, which
        // it reads whenever it considers purging; any value is allowed for this option.
        unsafe { mi_option_set(PURGE_DELAY, -1) }
    }

    /// mimalloc's memory in small pages. mimalloc asks for transparent huge pages for
    /// all of its memory, and the kernel clears a whole 2 MB page when a search first
    /// touches any of it; on this kind of machine clearing memory the first time is slow
    /// (a virtual machine whose host backs pages lazily). On `IncList-Merge` that kernel time fell from 0.21 to
    /// 0.09 s, peak memory from 140 to 121 MB; on the costliest problems and some
    /// small ones, timed alternately in both orders, 1.0% and 2.8% less time.
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
        // SAFETY: `PR_GET_THP_DISABLE` only reads a flag of this process. Then as in
        // `keep_freed_memory`: mimalloc's option table is static data, ready before any
        // constructor runs.
        unsafe {
            let inherited = libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) == 1;
            THP_OFF_ALREADY.store(inherited, std::sync::atomic::Ordering::Relaxed);
            mi_option_set(ALLOW_THP, 0);
        }
    }

    /// Whether huge pages were off for this process when it started (set by whoever
    /// started it): then they stay off.
    #[cfg(target_os = "linux")]
    static THP_OFF_ALREADY: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

    /// Transparent huge pages for the rest of the process again. mimalloc's option
    /// switches them off for the whole process, not only for its own memory (a
    /// `prctl`), but glibc's blocks for Z3's start-up tables want them (see
    /// `huge_pages`): without, a small problem took 3-4 ms longer. Where THP are on
    /// only for memory that asks for them (`madvise`, as here), mimalloc's, which no
    /// longer asks, stays in small pages.
    pub fn huge_pages_for_the_rest() {
        #[cfg(target_os = "linux")]
        if !THP_OFF_ALREADY.load(std::sync::atomic::Ordering::Relaxed) {
            // SAFETY: `PR_SET_THP_DISABLE` with 0 clears one flag of this process; the
            // call reads no memory. An error (an old kernel) leaves things as they are.
            unsafe {
                libc::prctl(libc::PR_SET_THP_DISABLE, 0, 0, 0, 0);
            }
        }
    }
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
/// streams and exit code). Setting the tunable (to anything) or `RSYNTH_NO_REEXEC`
/// beforehand skips the restart; where `exec` fails, rsynth simply goes on without huge
/// pages.
///
/// The restart happens in a function of the executable's `.preinit_array`, which the
/// dynamic loader runs before the constructors of any shared library: libz3's static
/// initialisation takes a few milliseconds, and a restart from `main` paid it twice
/// (`rsynth --version`, 40 runs each: 7.4 ms with the restart from `main`, 5.8 ms with
/// this one, 4.8 ms without a restart). So it may use nothing that needs initialising:
/// it reads the environment it is handed, builds the new one with libc's allocator and
/// `execve`s `/proc/self/exe`.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod huge_pages {
    use std::ffi::{CStr, c_char, c_int};

    /// The variable and the tunable, as glibc spells them.
    const VARIABLE: &[u8] = b"GLIBC_TUNABLES=";
    const TUNABLE: &[u8] = b"glibc.malloc.hugetlb";
    /// Set in the restarted process, so that it never restarts again.
    const SKIP: &[u8] = b"RSYNTH_NO_REEXEC=";
    const SKIP_SET: &CStr = c"RSYNTH_NO_REEXEC=1";
    /// The longest `GLIBC_TUNABLES` this extends; a longer one is left alone.
    const ROOM: usize = 4096;

    #[used]
    #[unsafe(link_section = ".preinit_array")]
    static RESTART: extern "C" fn(c_int, *const *const c_char, *const *const c_char) = restart;

    extern "C" fn restart(_argc: c_int, argv: *const *const c_char, envp: *const *const c_char) {
        if argv.is_null() || envp.is_null() {
            return;
        }
        // SAFETY: glibc hands preinit functions the process's argument and environment
        // vectors, null-terminated arrays of NUL-terminated strings, which nothing has
        // touched yet; this reads them, and builds the new environment in memory of its
        // own (leaked when `execve` succeeds, freed if it fails).
        unsafe {
            let mut count = 0;
            let mut tunables: Option<&[u8]> = None;
            while !(*envp.add(count)).is_null() {
                let entry = CStr::from_ptr(*envp.add(count)).to_bytes();
                if entry.starts_with(SKIP) {
                    return;
                }
                if let Some(value) = entry.strip_prefix(VARIABLE) {
                    if value.windows(TUNABLE.len()).any(|w| w == TUNABLE) || value.len() > ROOM {
                        return;
                    }
                    tunables = Some(value);
                }
                count += 1;
            }
            // "GLIBC_TUNABLES=" + old value + ":" + tunable + "=1" + NUL.
            let mut setting = [0u8; VARIABLE.len() + ROOM + 1 + TUNABLE.len() + 3];
            let mut len = 0;
            let mut put = |bytes: &[u8]| {
                setting[len..len + bytes.len()].copy_from_slice(bytes);
                len += bytes.len();
            };
            put(VARIABLE);
            if let Some(old) = tunables.filter(|old| !old.is_empty()) {
                put(old);
                put(b":");
            }
            put(TUNABLE);
            put(b"=1");
            let env = libc::calloc(count + 3, size_of::<*const c_char>()).cast::<*const c_char>();
            if env.is_null() {
                return;
            }
            let mut at = 0;
            for i in 0..count {
                let entry = *envp.add(i);
                if !CStr::from_ptr(entry).to_bytes().starts_with(VARIABLE) {
                    *env.add(at) = entry;
                    at += 1;
                }
            }
            *env.add(at) = setting.as_ptr().cast();
            *env.add(at + 1) = SKIP_SET.as_ptr();
            // `execve` returns only if it failed; then this process carries on as it is.
            libc::execve(c"/proc/self/exe".as_ptr(), argv, env);
            libc::free(env.cast());
        }
    }
}
