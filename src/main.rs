//! The `courtesy` binary: a thin shell over the library's command line, and the one place its errors are printed and turned into exit codes.

use std::process::ExitCode;

fn main() -> ExitCode {
    restore_sigpipe();
    match courtesy::cli::run() {
        Ok(code) => code,
        Err(e) => {
            e.print();
            e.exit_code()
        }
    }
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
