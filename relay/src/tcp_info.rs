//! Reads the kernel's `TCP_INFO` for a socket (Linux), for the `tcp_info` op
//! and the `kernel` event.
//!
//! Owns the one `unsafe` system call of the relay and the translation of the
//! kernel's state numbers into names; nothing else.

use shared::TcpInfo;
use std::io;

/// The socket's `TCP_INFO`, the fields a learner can read something from.
#[cfg(target_os = "linux")]
pub fn read(sock: &socket2::SockRef<'_>) -> io::Result<TcpInfo> {
    let info = raw(sock)?;
    Ok(TcpInfo {
        state: state_name(info.tcpi_state).to_owned(),
        rtt_us: info.tcpi_rtt,
        rttvar_us: info.tcpi_rttvar,
        snd_cwnd: info.tcpi_snd_cwnd,
        snd_mss: info.tcpi_snd_mss,
        rcv_mss: info.tcpi_rcv_mss,
        retransmits: u32::from(info.tcpi_retransmits),
        total_retrans: info.tcpi_total_retrans,
        unacked: info.tcpi_unacked,
        lost: info.tcpi_lost,
    })
}

/// The kernel's state name of the socket (for the `kernel` event).
#[cfg(target_os = "linux")]
pub fn state(sock: &socket2::SockRef<'_>) -> io::Result<&'static str> {
    raw(sock).map(|info| state_name(info.tcpi_state))
}

#[cfg(target_os = "linux")]
fn raw(sock: &socket2::SockRef<'_>) -> io::Result<libc::tcp_info> {
    use std::os::fd::AsRawFd;
    let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
    // SAFETY: `info` is a properly sized, writable tcp_info and `len` holds its size;
    // the kernel writes at most `len` bytes and updates `len`.
    let rc = unsafe {
        libc::getsockopt(
            sock.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            (&mut info as *mut libc::tcp_info).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(info)
}

#[cfg(not(target_os = "linux"))]
pub fn read(_sock: &socket2::SockRef<'_>) -> io::Result<TcpInfo> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

#[cfg(not(target_os = "linux"))]
pub fn state(_sock: &socket2::SockRef<'_>) -> io::Result<&'static str> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// Linux `tcp_states.h` numbering.
pub fn state_name(n: u8) -> &'static str {
    match n {
        1 => "ESTABLISHED",
        2 => "SYN_SENT",
        3 => "SYN_RECV",
        4 => "FIN_WAIT1",
        5 => "FIN_WAIT2",
        6 => "TIME_WAIT",
        7 => "CLOSE",
        8 => "CLOSE_WAIT",
        9 => "LAST_ACK",
        10 => "LISTEN",
        11 => "CLOSING",
        12 => "NEW_SYN_RECV",
        _ => "UNKNOWN",
    }
}
