//! The kernel's own TCP state of a socket, as the relay's `kernel` events
//! report it (docs/protocol.md "### `kernel`"): the line a card shows
//! ("kernel: TIME_WAIT, 58 s left", counted down from `expires_ms`) and the
//! label of the mark on the socket's timeline lane ("kernel: TIME_WAIT (60 s)").
//!
//! Pure data and text; the reducer stores a [`KernelLine`] on the socket and
//! the card counts down with the page's clock.

use shared::KernelState;

/// The last kernel state reported for one socket.
#[derive(Clone, Debug, PartialEq)]
pub struct KernelLine {
    /// Linux's name (`TIME_WAIT`, `FIN_WAIT2`, …; `CLOSED` once forgotten).
    pub state: String,
    /// Time left on the kernel's timer when it was reported, in ms.
    pub expires_ms: Option<u64>,
    /// Relay time of the report (ms since the session started).
    pub t: u64,
    /// The session still holds the socket.
    pub held: bool,
}

impl KernelLine {
    pub fn of(t: u64, k: &KernelState) -> KernelLine {
        KernelLine {
            state: k.state.clone(),
            expires_ms: k.expires_ms,
            t,
            held: k.held,
        }
    }

    /// The card's line, `elapsed_ms` after the report:
    /// `kernel: TIME_WAIT, 58 s left`.
    pub fn text(&self, elapsed_ms: u64) -> String {
        match self.expires_ms {
            Some(ms) => {
                let left = ms.saturating_sub(elapsed_ms).div_ceil(1000);
                format!("kernel: {}, {left} s left", self.state)
            }
            None if self.state == "CLOSED" => {
                "kernel: CLOSED — the kernel forgot the connection; its port is free".to_owned()
            }
            None => format!("kernel: {}", self.state),
        }
    }

    /// The mark on the socket's lane: `kernel: TIME_WAIT (60 s)`, saying
    /// when the session no longer holds the socket.
    pub fn mark(&self) -> String {
        let after_close = if self.held { "" } else { " after close()" };
        match self.expires_ms {
            Some(ms) => format!(
                "kernel: {} ({} s){after_close}",
                self.state,
                ms.div_ceil(1000)
            ),
            None => format!("kernel: {}{after_close}", self.state),
        }
    }
}

/// Whether a kernel report says something the relay's own `state` events do not:
/// every report after `close()`, and the states the model has no name for
/// (`FIN_WAIT1/2`, `CLOSING`, `LAST_ACK`, `TIME_WAIT`, `CLOSE`, …). A held socket's
/// `ESTABLISHED`, `LISTEN`, `SYN_SENT` or `CLOSE_WAIT` only confirms the `state`
/// mark already on its lane, so the timeline does not repeat it (the card's kernel
/// line still shows it).
pub fn adds_to_the_model(k: &KernelState) -> bool {
    !k.held
        || !matches!(
            k.state.as_str(),
            "ESTABLISHED" | "LISTEN" | "SYN_SENT" | "CLOSE_WAIT"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn time_wait() -> KernelLine {
        KernelLine {
            state: "TIME_WAIT".into(),
            expires_ms: Some(59_985),
            t: 925,
            held: false,
        }
    }

    #[test]
    fn time_wait_counts_down() {
        let k = time_wait();
        assert_eq!(k.text(0), "kernel: TIME_WAIT, 60 s left");
        assert_eq!(k.text(2_000), "kernel: TIME_WAIT, 58 s left");
        assert_eq!(k.text(90_000), "kernel: TIME_WAIT, 0 s left");
        assert_eq!(k.mark(), "kernel: TIME_WAIT (60 s) after close()");
    }
}
