//! CPU time read from the OS clocks: the whole process's and the calling thread's (for `--measure-frames` and the software presenter's timings).

use std::time::Duration;

/// CPU time used by the whole process so far.
pub(crate) fn process_cpu() -> Option<Duration> {
    #[cfg(unix)]
    return cpu_clock(libc::CLOCK_PROCESS_CPUTIME_ID);
    #[cfg(not(unix))]
    None
}

/// CPU time used by the calling thread so far (none where the platform gives none).
pub(crate) fn calling_thread_cpu() -> Option<Duration> {
    #[cfg(unix)]
    return cpu_clock(libc::CLOCK_THREAD_CPUTIME_ID);
    #[cfg(not(unix))]
    None
}

#[cfg(unix)]
fn cpu_clock(clock: libc::clockid_t) -> Option<Duration> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is one of libc's constants.
    let rc = unsafe { libc::clock_gettime(clock, &mut ts) };
    (rc == 0).then(|| Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}
