//! Replay: a recording (`shared::Recording`) rebuilt in the workbench without
//! a relay, one step (one recorded request, reply or event) at a time.
//!
//! Every step is applied through the one reducer ([`State::apply`]) as the
//! `Sent`, `Replied` and `Event` actions the live page saw, starting from a
//! fresh [`State`]. Loading a recording applies it once to the end and keeps a
//! checkpoint (a cheap clone) every [`Replay::every`] steps; going back or
//! jumping restores the nearest checkpoint at or before the target, gives it
//! logs of its own ([`fork`]) and applies the few steps after it, so a
//! 10,000-step recording jumps anywhere quickly. Owns the replay position; the
//! controls are `replay/bar.rs`, the timer that plays is the bar's.

//!
//! Only the `learn` build replays; the default build keeps the (always empty)
//! `replay` field of the state.
#![cfg_attr(not(any(feature = "learn", test)), allow(dead_code))]

use super::{Action, State};
use shared::recording::{RecItem, Recording};
use std::rc::Rc;

/// Steps between checkpoints (at least; longer recordings space them out so
/// that they keep at most [`MAX_CHECKPOINTS`]).
pub const CHECKPOINT_EVERY: usize = 250;
const MAX_CHECKPOINTS: usize = 64;
/// The longest pause playing waits between two steps, whatever the recording
/// says (a learner who paused for a minute does not make a minute of nothing).
pub const MAX_GAP_MS: u64 = 1500;

/// What the replay controls ask for.
#[derive(Clone, Debug, PartialEq)]
pub enum ReplayAction {
    /// Open a recording at step `start` (clamped to its length).
    Load(Rc<Recording>, usize),
    Forward,
    Back,
    /// Go to step `n` (0 = nothing applied yet; clamped).
    Jump(usize),
    /// A timeline entry was clicked: go to the step that drew it, select it.
    Pick(Option<usize>),
    /// Leave replay: an empty workbench.
    Exit,
}

/// A loaded recording, its actions and checkpoints.
#[derive(Debug)]
pub struct Replay {
    pub recording: Rc<Recording>,
    /// The action of each step (`None`: a step the workbench does not show,
    /// like a lesson check's probe result).
    actions: Vec<Option<Action>>,
    /// The state after `k * every` steps, for k = 0, 1, …
    checkpoints: Vec<State>,
    every: usize,
    /// The timeline's length after each step (which step drew entry `i`).
    timeline_len: Vec<usize>,
}

/// Where a replay stands: the state's `replay` field.
#[derive(Clone, Debug)]
pub struct ReplayPos {
    pub replay: Rc<Replay>,
    /// Steps applied so far (0 to `len()`).
    pub step: usize,
}

impl PartialEq for ReplayPos {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.replay, &other.replay) && self.step == other.step
    }
}

/// The reducer action a recorded entry stands for.
fn action_of(item: &RecItem) -> Option<Action> {
    match item {
        RecItem::Req(req) => Some(Action::Sent {
            id: req.id,
            op: req.op.clone(),
        }),
        RecItem::Reply(reply) => Some(Action::Replied {
            id: reply.re,
            outcome: reply.outcome.clone(),
        }),
        RecItem::Event(frame) => Some(Action::Event(frame.clone())),
        // Hook for the lesson slice: a probe's result has no workbench view yet.
        RecItem::Probe(_) => None,
    }
}

/// `state` with logs of its own: applying to it never disturbs the entries
/// that checkpoints sharing its vectors see (`Log::fork`).
pub fn fork(state: &State) -> State {
    let mut s = state.clone();
    s.timeline = s.timeline.fork();
    s.transcript = s.transcript.fork();
    s.http = Rc::new(s.http.fork());
    s.ftp = Rc::new(s.ftp.fork());
    s.mail = Rc::new(s.mail.fork());
    s
}

impl Replay {
    /// Applies the whole recording once, keeping checkpoints.
    pub fn new(recording: Rc<Recording>) -> Replay {
        let actions: Vec<Option<Action>> =
            recording.items.iter().map(|e| action_of(&e.item)).collect();
        let every = CHECKPOINT_EVERY.max(actions.len().div_ceil(MAX_CHECKPOINTS));
        let mut state = State::default();
        let mut checkpoints = vec![state.clone()];
        let mut timeline_len = Vec::with_capacity(actions.len());
        for (i, action) in actions.iter().enumerate() {
            if let Some(a) = action {
                state.apply(a.clone());
            }
            timeline_len.push(state.timeline.len());
            if (i + 1) % every == 0 {
                checkpoints.push(state.clone());
            }
        }
        Replay {
            recording,
            actions,
            checkpoints,
            every,
            timeline_len,
        }
    }

    /// Steps in the recording.
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// Applies steps `from..to` to `state`.
    fn run(&self, state: &mut State, from: usize, to: usize) {
        for a in self
            .actions
            .get(from..to)
            .unwrap_or_default()
            .iter()
            .flatten()
        {
            state.apply(a.clone());
        }
    }

    /// The state after `n` steps, from the nearest checkpoint.
    pub fn state_at(&self, n: usize) -> State {
        let n = n.min(self.len());
        let k = (n / self.every).min(self.checkpoints.len().saturating_sub(1));
        let mut state = self.checkpoints.get(k).map(fork).unwrap_or_default();
        self.run(&mut state, k * self.every, n);
        state
    }

    /// The step after which timeline entry `i` exists.
    pub fn step_of_entry(&self, i: usize) -> usize {
        self.timeline_len.partition_point(|&len| len <= i) + 1
    }

    /// How long playing waits before step `n` (the recorded gap, bounded).
    pub fn gap_ms(&self, n: usize) -> u64 {
        let t = |i: usize| self.recording.items.get(i).map_or(0, |e| e.t);
        if n == 0 {
            return 0;
        }
        t(n).saturating_sub(t(n - 1)).min(MAX_GAP_MS)
    }
}

/// Applies a replay control to the page's state.
pub fn apply(state: &mut State, action: ReplayAction) {
    match action {
        ReplayAction::Load(recording, start) => {
            let replay = Rc::new(Replay::new(recording));
            go_to(state, replay, start);
        }
        ReplayAction::Exit => *state = State::default(),
        ReplayAction::Forward | ReplayAction::Back | ReplayAction::Jump(_) => {
            let Some(pos) = state.replay.clone() else {
                return;
            };
            let target = match action {
                ReplayAction::Forward => pos.step + 1,
                ReplayAction::Back => pos.step.saturating_sub(1),
                ReplayAction::Jump(n) => n,
                _ => pos.step,
            };
            let target = target.min(pos.replay.len());
            if target >= pos.step {
                // Forward: apply in place (the reducer already cloned the state;
                // while `replay` is set the reducer ignores wire actions).
                state.replay = None;
                pos.replay.run(state, pos.step, target);
                state.replay = Some(ReplayPos {
                    step: target,
                    ..pos
                });
            } else {
                go_to(state, pos.replay, target);
            }
        }
        ReplayAction::Pick(None) => state.selected = None,
        ReplayAction::Pick(Some(i)) => {
            if let Some(pos) = state.replay.clone() {
                let step = pos.replay.step_of_entry(i);
                go_to(state, pos.replay, step);
                state.selected = Some(i);
            }
        }
    }
}

/// Replaces the state with the replay's state after `n` steps.
fn go_to(state: &mut State, replay: Rc<Replay>, n: usize) {
    let step = n.min(replay.len());
    *state = replay.state_at(step);
    state.replay = Some(ReplayPos { replay, step });
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::recording::RecEntry;
    use shared::{EventFrame, Family, OkBody, Op, Outcome, Reply, Request, SockType};

    fn rec(entries: usize) -> Recording {
        let mut rec = Recording::new("udp");
        let mut t = 0;
        let mut id = 0;
        let mut push = |item: RecItem| {
            t += 7;
            rec.push(RecEntry { t, by: None, item });
        };
        while id < entries as u64 / 2 {
            id += 1;
            push(RecItem::Req(Request {
                id,
                op: Op::Socket {
                    family: Family::AfInet,
                    kind: SockType::Dgram,
                    proto: 0,
                },
            }));
            push(RecItem::Reply(Reply::ok(
                id,
                OkBody::Sock {
                    sock: format!("s{id}"),
                },
            )));
        }
        rec
    }

    fn fresh_at(rec: &Recording, n: usize) -> State {
        let mut s = State::default();
        for e in rec.items.iter().take(n) {
            if let Some(a) = action_of(&e.item) {
                s.apply(a);
            }
        }
        s
    }

    fn summary(s: &State) -> (usize, usize, usize) {
        (
            s.socks.in_order().len(),
            s.timeline.len(),
            s.transcript.len(),
        )
    }

    #[test]
    fn every_step_matches_a_fresh_replay_forward_back_and_jumping() {
        let rec = Rc::new(rec(1200));
        let mut state = State::default();
        apply(&mut state, ReplayAction::Load(rec.clone(), 0));
        assert_eq!(summary(&state), (0, 0, 0));
        for target in [600, 599, 1200, 3, 251, 250, 249, 1199, 0, 1000] {
            apply(&mut state, ReplayAction::Jump(target));
            assert_eq!(
                summary(&state),
                summary(&fresh_at(&rec, target)),
                "{target}"
            );
            let step = state.replay.as_ref().map(|p| p.step);
            assert_eq!(step, Some(target));
        }
        apply(&mut state, ReplayAction::Back);
        apply(&mut state, ReplayAction::Back);
        apply(&mut state, ReplayAction::Forward);
        assert_eq!(summary(&state), summary(&fresh_at(&rec, 999)));
        // The timeline's entries themselves are those of a fresh replay.
        let fresh = fresh_at(&rec, 999);
        assert_eq!(&*state.timeline.items(), &*fresh.timeline.items());
        apply(&mut state, ReplayAction::Jump(5000));
        assert_eq!(state.replay.as_ref().map(|p| p.step), Some(1200));
    }

    #[test]
    fn a_replayed_state_cannot_act() {
        let mut r = Recording::new("");
        r.push(RecEntry {
            t: 0,
            by: None,
            item: RecItem::Event(EventFrame {
                t: 0,
                event: shared::Event::Error {
                    code: "x".into(),
                    message: "y".into(),
                },
            }),
        });
        let mut state = State::default();
        apply(&mut state, ReplayAction::Load(Rc::new(r), 1));
        assert!(!state.ready());
        assert!(state.notice.is_some());
        state.apply(Action::Sent {
            id: 99,
            op: shared::Op::Ping,
        });
        assert!(
            state.pending.is_empty(),
            "a live send does not reach a replay"
        );
        apply(&mut state, ReplayAction::Exit);
        assert!(state.replay.is_none() && state.notice.is_none());
    }

    #[test]
    fn clicking_an_entry_goes_to_the_step_that_drew_it() {
        let rec = Rc::new(rec(40));
        let mut state = State::default();
        apply(&mut state, ReplayAction::Load(rec.clone(), 40));
        let replay = state.replay.clone().map(|p| p.replay);
        let step = replay.map(|r| r.step_of_entry(3)).unwrap_or_default();
        apply(&mut state, ReplayAction::Pick(Some(3)));
        assert_eq!(state.replay.as_ref().map(|p| p.step), Some(step));
        assert_eq!(state.timeline.len(), 4);
        assert_eq!(state.selected, Some(3));
        assert_eq!(fresh_at(&rec, step - 1).timeline.len(), 3);
    }

    /// 10,000 steps: loading applies each once; any jump applies at most one
    /// checkpoint interval (the timings are printed, not asserted).
    #[test]
    fn ten_thousand_steps_load_once_and_jump_anywhere() {
        // One UDP socket that receives 9,998 datagrams (like the timeline test).
        let mut r = rec(2);
        for t in 0..9_998u64 {
            r.push(RecEntry {
                t: 20 + t,
                by: None,
                item: RecItem::Event(EventFrame {
                    t,
                    event: shared::Event::Data {
                        sock: "s1".into(),
                        dir: shared::event::Dir::In,
                        n: 3,
                        preview: None,
                        data: None,
                    },
                }),
            });
        }
        let rec = Rc::new(r);
        let started = std::time::Instant::now();
        let mut state = State::default();
        apply(&mut state, ReplayAction::Load(rec.clone(), 0));
        let loaded = started.elapsed();
        let started = std::time::Instant::now();
        for target in [9_999, 10, 5_000, 9_000, 1] {
            apply(&mut state, ReplayAction::Jump(target));
        }
        let jumps = started.elapsed() / 5;
        eprintln!("10,000 steps: load {loaded:?}, a jump {jumps:?} on average");
        assert_eq!(summary(&state), summary(&fresh_at(&rec, 1)));
        apply(&mut state, ReplayAction::Jump(10_000));
        assert_eq!(summary(&state), summary(&fresh_at(&rec, 10_000)));
        assert!(state.timeline.len() > 9_998, "{}", state.timeline.len());
    }

    #[test]
    fn gaps_are_bounded() {
        let mut r = Recording::new("");
        for t in [0, 10, 100_000] {
            r.push(RecEntry {
                t,
                by: None,
                item: RecItem::Req(Request {
                    id: t,
                    op: Op::Ping,
                }),
            });
        }
        let replay = Replay::new(Rc::new(r));
        assert_eq!(
            (replay.gap_ms(0), replay.gap_ms(1), replay.gap_ms(2)),
            (0, 10, MAX_GAP_MS)
        );
        let _ = Outcome::Ok(OkBody::Empty {});
    }
}
