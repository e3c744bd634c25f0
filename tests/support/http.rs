//! The loopback HTTP plumbing of the tests' fake LRSs (tests/lrs_faults.rs, tests/lrs_stations.rs): accepting connections until told to stop, reading a request head.
#![allow(dead_code)]

use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// A listener on a free loopback port, and its address.
pub fn loopback() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binds a loopback port");
    let addr = listener.local_addr().expect("local addr");
    (listener, addr)
}

/// Hands every connection `listener` accepts to `serve`, on a thread of its own, until
/// `stop` is set (the next connection, e.g. one made by [`wake`], then ends the loop).
pub fn accept_until(
    listener: TcpListener,
    stop: Arc<AtomicBool>,
    mut serve: impl FnMut(TcpStream) + Send + 'static,
) {
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            let Ok(conn) = conn else { continue };
            serve(conn);
        }
    });
}

/// Sets `stop` and connects once to `addr`, so that [`accept_until`]'s loop sees it.
pub fn wake(stop: &AtomicBool, addr: SocketAddr) {
    stop.store(true, Ordering::Relaxed);
    let _ = TcpStream::connect(addr);
}

/// The head of the request on `conn`, up to and including the blank line (at most 64 KiB,
/// ten seconds); None when the peer closes first or sends more.
pub fn read_head(conn: &mut TcpStream) -> Option<String> {
    conn.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if conn.read(&mut byte).ok()? == 0 {
            return None;
        }
        buf.push(byte[0]);
        if buf.len() > 64 * 1024 {
            return None;
        }
    }
    Some(String::from_utf8_lossy(&buf).into_owned())
}
