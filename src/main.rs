//! The `courtesy` binary: a thin shell over the library's command line.
fn main() -> std::process::ExitCode {
    restore_sigpipe();
    courtesy::cli::main()
}

/// Rust ignores SIGPIPE, so printing into a closed pipe (`courtesy check | head -1`)
/// would panic. Restore the default action: the process ends quietly, like other
/// command-line tools.
#[cfg(unix)]
fn restore_sigpipe() {
    // SAFETY: called first thing in main, before any thread starts; SIG_DFL is a valid action.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn restore_sigpipe() {}
