//! A stream that is polled again only after it asked to be.
//!
//! A session's `select!` loop polls every branch each time its task wakes,
//! whatever woke it. For the WebSocket that means a full read attempt through
//! tokio-tungstenite (waker proxies, a zero-filled read buffer, a `WouldBlock`
//! error turned into `Pending`) for every socket event, though nothing new can
//! have arrived. [`WakeGated`] remembers that its stream returned `Pending` and
//! answers `Pending` itself until the stream's own waker fires — the way
//! `FuturesUnordered` polls only the futures that were woken. A `piped`
//! socket's round trip wakes the session twice; this takes about half of the
//! WebSocket's read attempts off that path (docs/benchmarks.md, "Class size").
//!
//! Owns the gate and the waker it gives the stream; nothing else.

use futures::task::{waker_ref, ArcWake, AtomicWaker};
use futures::Stream;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

/// Wraps `S`; see the module doc.
pub struct WakeGated<S> {
    inner: S,
    signal: Arc<Signal>,
    /// The stream returned `Pending` and has not been woken since.
    waiting: bool,
}

/// The waker the inner stream gets: it records the wake, then wakes the task
/// that polls the gate.
struct Signal {
    woken: AtomicBool,
    task: AtomicWaker,
}

impl ArcWake for Signal {
    fn wake_by_ref(signal: &Arc<Self>) {
        signal.woken.store(true, Ordering::Release);
        signal.task.wake();
    }
}

impl<S> WakeGated<S> {
    pub fn new(inner: S) -> WakeGated<S> {
        WakeGated {
            inner,
            signal: Arc::new(Signal {
                woken: AtomicBool::new(false),
                task: AtomicWaker::new(),
            }),
            waiting: false,
        }
    }
}

impl<S: Stream + Unpin> Stream for WakeGated<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = &mut *self;
        this.signal.task.register(cx.waker());
        // Cleared before the stream is polled: a wake during the poll is kept
        // for the next one.
        let woken = this.signal.woken.swap(false, Ordering::AcqRel);
        if this.waiting && !woken {
            return Poll::Pending;
        }
        let waker = waker_ref(&this.signal);
        let mut inner_cx = Context::from_waker(&waker);
        let polled = Pin::new(&mut this.inner).poll_next(&mut inner_cx);
        this.waiting = polled.is_pending();
        polled
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;
    use std::sync::atomic::AtomicUsize;
    use std::task::Waker;

    /// A stream that counts its polls and yields what is pushed into it.
    #[derive(Default)]
    struct Probe {
        polls: Arc<AtomicUsize>,
        items: Arc<std::sync::Mutex<(Vec<u32>, Option<Waker>)>>,
    }

    impl Stream for Probe {
        type Item = u32;
        fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u32>> {
            self.polls.fetch_add(1, Ordering::SeqCst);
            let Ok(mut items) = self.items.lock() else {
                return Poll::Ready(None);
            };
            match items.0.pop() {
                Some(v) => Poll::Ready(Some(v)),
                None => {
                    items.1 = Some(cx.waker().clone());
                    Poll::Pending
                }
            }
        }
    }

    fn push(items: &std::sync::Mutex<(Vec<u32>, Option<Waker>)>, v: u32) {
        let waker = {
            let mut g = items.lock().unwrap_or_else(|e| e.into_inner());
            g.0.push(v);
            g.1.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    #[test]
    fn a_pending_stream_is_not_polled_again_until_it_wakes() {
        let probe = Probe::default();
        let (polls, items) = (Arc::clone(&probe.polls), Arc::clone(&probe.items));
        let mut gated = WakeGated::new(probe);
        let waker = futures::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(gated.poll_next_unpin(&mut cx).is_pending());
        assert!(gated.poll_next_unpin(&mut cx).is_pending());
        assert!(gated.poll_next_unpin(&mut cx).is_pending());
        assert_eq!(
            polls.load(Ordering::SeqCst),
            1,
            "polled once, not on every call"
        );
        push(&items, 7);
        assert_eq!(gated.poll_next_unpin(&mut cx), Poll::Ready(Some(7)));
        // After an item, the stream is polled again (it may have more).
        assert!(gated.poll_next_unpin(&mut cx).is_pending());
        assert_eq!(polls.load(Ordering::SeqCst), 3);
    }

    proptest::proptest! {
        /// Any order of pushes and polls: an item pushed is the answer of the
        /// very next poll (its wake opened the gate), every item comes out
        /// once, and the stream is never polled more often than the gate.
        #[test]
        fn no_item_waits_behind_the_gate(actions in proptest::collection::vec(proptest::bool::ANY, 0..200)) {
            let probe = Probe::default();
            let (polls, items) = (Arc::clone(&probe.polls), Arc::clone(&probe.items));
            let mut gated = WakeGated::new(probe);
            let waker = futures::task::noop_waker();
            let mut cx = Context::from_waker(&waker);
            let (mut pushed, mut got, mut gate_polls) = (0u32, Vec::new(), 0usize);
            let mut just_pushed = false;
            for push_next in actions {
                if push_next {
                    push(&items, pushed);
                    pushed += 1;
                    just_pushed = true;
                    continue;
                }
                gate_polls += 1;
                match gated.poll_next_unpin(&mut cx) {
                    Poll::Ready(Some(v)) => got.push(v),
                    Poll::Ready(None) => proptest::prop_assert!(false, "the probe never ends"),
                    Poll::Pending => proptest::prop_assert!(!just_pushed, "an item waited behind the gate"),
                }
                just_pushed = false;
            }
            while let Poll::Ready(Some(v)) = gated.poll_next_unpin(&mut cx) {
                gate_polls += 1;
                got.push(v);
            }
            gate_polls += 1;
            got.sort_unstable();
            proptest::prop_assert_eq!(got, (0..pushed).collect::<Vec<_>>());
            proptest::prop_assert!(polls.load(Ordering::SeqCst) <= gate_polls);
        }
    }

    #[test]
    fn the_polling_task_is_woken_and_gets_every_item() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap_or_else(|e| panic!("runtime: {e}"));
        let probe = Probe::default();
        let items = Arc::clone(&probe.items);
        let mut gated = WakeGated::new(probe);
        let got = rt.block_on(async move {
            let producer = std::thread::spawn(move || {
                for v in 0..1000 {
                    push(&items, v);
                    if v % 64 == 0 {
                        std::thread::yield_now();
                    }
                }
            });
            let mut got = Vec::new();
            while got.len() < 1000 {
                match gated.next().await {
                    Some(v) => got.push(v),
                    None => break,
                }
            }
            let _ = producer.join();
            got
        });
        let mut sorted = got.clone();
        sorted.sort_unstable();
        assert_eq!(
            sorted,
            (0..1000).collect::<Vec<_>>(),
            "no item and no wake lost"
        );
    }
}
