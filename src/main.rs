//! The `rsynth` binary: parse arguments, run the command, exit with its code.

/// mimalloc instead of glibc's malloc for rsynth's own allocations: the search builds
/// and drops many small formulas and types, and glibc's malloc and free took about 12%
/// of a large problem's CPU time (`AVL-RotateR`, perf), half of it for rsynth's own
/// allocations. With mimalloc, `Tree-Elem` runs 6% fewer instructions and the larger
/// problems take 4-9% less wall time; peak memory grows by about 10 MB. libz3's
/// allocations go to mimalloc too (see `c_allocator`).
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
    /// `prctl`), but Z3's start-up tables want them (see `c_allocator`). Where THP are
    /// on only for memory that asks for them (`madvise`, as here), mimalloc's, which no
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

/// The C allocation functions (`malloc`, `free`, ...) of the whole process, libz3's
/// included, served by mimalloc.
///
/// An executable's definitions of these symbols take the place of glibc's for every
/// shared library (glibc supports replacing its malloc this way), so Z3's many small
/// allocations go to mimalloc too (libc had 8% of the suite's CPU time, mostly glibc's
/// malloc and free working for Z3). Blocks of [`HUGE_FROM`] bytes or more get transparent
/// huge pages: libz3 4.8.12 fills two tables of 8.5 MB whenever it makes a context (once
/// for every thread that asks it something), writing every page of them, which costs
/// about 4 200 page faults in small pages and a few dozen in huge ones. The suite,
/// timed alternately with glibc's malloc for libz3 (and a restart that gave those
/// tables huge pages through a glibc tunable), in both orders: 3-4% less time, small
/// problems 2-3 ms less; peak memory up to 28 MB more, since the memory Z3 frees now
/// stays with the process as rsynth's does (`keep_freed_memory`).
///
/// Every allocation entry point glibc exports is defined here, so that no block is
/// allocated by one allocator and freed by the other.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod c_allocator {
    use std::ffi::{c_int, c_void};

    /// The least size of a block that gets huge pages.
    const HUGE_FROM: usize = 4 << 20;
    const HUGE_PAGE: usize = 2 << 20;

    // Part of mimalloc's C API, in the library the `mimalloc` crate links.
    unsafe extern "C" {
        fn mi_malloc(size: usize) -> *mut c_void;
        fn mi_calloc(count: usize, size: usize) -> *mut c_void;
        fn mi_realloc(p: *mut c_void, size: usize) -> *mut c_void;
        fn mi_reallocarray(p: *mut c_void, count: usize, size: usize) -> *mut c_void;
        fn mi_free(p: *mut c_void);
        fn mi_usable_size(p: *const c_void) -> usize;
        fn mi_posix_memalign(p: *mut *mut c_void, alignment: usize, size: usize) -> c_int;
        fn mi_aligned_alloc(alignment: usize, size: usize) -> *mut c_void;
        fn mi_memalign(alignment: usize, size: usize) -> *mut c_void;
        fn mi_valloc(size: usize) -> *mut c_void;
        fn mi_pvalloc(size: usize) -> *mut c_void;
    }

    /// Asks for huge pages for the whole 2 MB pages inside a new block of `size` bytes.
    fn huge_pages_for(p: *mut c_void, size: usize) {
        let start = (p as usize).next_multiple_of(HUGE_PAGE);
        let end = (p as usize + size) & !(HUGE_PAGE - 1);
        if !p.is_null() && start < end {
            // SAFETY: the range lies inside the block just allocated; the advice changes
            // only how the kernel backs its pages, never their contents.
            unsafe { libc::madvise(start as *mut c_void, end - start, libc::MADV_HUGEPAGE) };
        }
    }

    // SAFETY (for all of these): each forwards to mimalloc's function of the same
    // contract, whose blocks only these functions free or resize.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn malloc(size: usize) -> *mut c_void {
        let p = unsafe { mi_malloc(size) };
        if size >= HUGE_FROM {
            huge_pages_for(p, size);
        }
        p
    }

    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn calloc(count: usize, size: usize) -> *mut c_void {
        unsafe { mi_calloc(count, size) }
    }

    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn realloc(p: *mut c_void, size: usize) -> *mut c_void {
        unsafe { mi_realloc(p, size) }
    }

    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn reallocarray(p: *mut c_void, count: usize, size: usize) -> *mut c_void {
        unsafe { mi_reallocarray(p, count, size) }
    }

    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn free(p: *mut c_void) {
        unsafe { mi_free(p) }
    }

    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn malloc_usable_size(p: *mut c_void) -> usize {
        unsafe { mi_usable_size(p) }
    }

    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn posix_memalign(p: *mut *mut c_void, alignment: usize, size: usize) -> c_int {
        unsafe { mi_posix_memalign(p, alignment, size) }
    }

    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn aligned_alloc(alignment: usize, size: usize) -> *mut c_void {
        unsafe { mi_aligned_alloc(alignment, size) }
    }

    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn memalign(alignment: usize, size: usize) -> *mut c_void {
        unsafe { mi_memalign(alignment, size) }
    }

    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn valloc(size: usize) -> *mut c_void {
        unsafe { mi_valloc(size) }
    }

    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn pvalloc(size: usize) -> *mut c_void {
        unsafe { mi_pvalloc(size) }
    }

    // glibc's own names for its functions, which a library may call directly.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn __libc_malloc(size: usize) -> *mut c_void {
        unsafe { malloc(size) }
    }

    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn __libc_calloc(count: usize, size: usize) -> *mut c_void {
        unsafe { mi_calloc(count, size) }
    }

    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn __libc_realloc(p: *mut c_void, size: usize) -> *mut c_void {
        unsafe { mi_realloc(p, size) }
    }

    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn __libc_free(p: *mut c_void) {
        unsafe { mi_free(p) }
    }

    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn __libc_memalign(alignment: usize, size: usize) -> *mut c_void {
        unsafe { mi_memalign(alignment, size) }
    }

    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn __libc_valloc(size: usize) -> *mut c_void {
        unsafe { mi_valloc(size) }
    }

    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn __libc_pvalloc(size: usize) -> *mut c_void {
        unsafe { mi_pvalloc(size) }
    }
}
