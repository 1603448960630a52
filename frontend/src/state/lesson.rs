//! The lesson slice: the lesson catalogue as loaded, the page's language, the
//! learner's saved progress, the lesson open now, its trace and where its
//! check stands ([`shared::check::evaluate`]), and the check's probe while it
//! runs.
//!
//! The trace is fed by the reducer from the same `Sent` / `Replied` / `Event`
//! actions every slice sees, from the moment a lesson opens (what the learner
//! did before does not count). Items are made by [`shared::trace::TraceBuilder`]
//! one call or event at a time and kept in a [`Log`], so successive states
//! share them instead of copying the trace on every action. The check is
//! evaluated again whenever the trace grows; a met check marks the lesson done
//! in [`Saved`] (which `lessons/store.rs` writes to localStorage: the reducer
//! performs no I/O).
//!
//! What the relay's `progress` op will need is here: [`LessonState::report`].
//!
//! The default build (`/`) has no lesson panel: it keeps the language, the
//! catalogue (titles only) and the saved progress, and none of the trace or
//! the check (`feed` passes it only the lesson actions).
#![cfg_attr(not(any(feature = "learn", test)), allow(dead_code, unused_imports))]

use crate::lessons::catalog::{Listed, Listing};
use crate::log::Log;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::check::{evaluate, Progress, StepStatus, MAX_PROBE_CLIENTS};
use shared::lesson::{Lang, Lesson};
use shared::recording::ProbeResult;
use shared::trace::{TraceBuilder, MAX_TRACE_ITEMS};
use shared::{Addr, Event, OkBody, Op, Outcome};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

/// What the learner has done, as kept in the browser (`socklab.lessons.v1`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Saved {
    /// Lessons whose check was met once (they stay done).
    pub done: BTreeSet<String>,
    /// The lesson open last.
    pub current: Option<String>,
    /// How many hints each lesson has revealed.
    pub hints: BTreeMap<String, usize>,
}

/// The catalogue from `/lessons.json`, fetched when first needed.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Catalog {
    #[default]
    NotAsked,
    Loading,
    Ready(Rc<Listing>),
    /// Why it could not be loaded, in the learner's words.
    Failed(String),
}

/// The check's own clients while they run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeRunning {
    /// Which run this is (the slice counts them), so a result that comes
    /// after the learner restarted or left the lesson is ignored.
    pub run: u32,
    /// The check step that runs them.
    pub step: usize,
    pub clients: u32,
    /// Where they connect.
    pub target: Addr,
}

/// A probe the page should start now (see [`LessonState::probe_to_start`]).
#[derive(Clone, Debug, PartialEq)]
pub struct ProbeOrder {
    pub step: usize,
    pub probe: shared::check::Probe,
    pub target: Addr,
}

/// What the relay's `progress` op reports (`lessons/report.rs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub lesson: Option<String>,
    pub met: usize,
    pub total: usize,
    pub done: Vec<String>,
}

/// The lesson slice of the state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LessonState {
    pub lang: Lang,
    pub catalog: Catalog,
    pub saved: Saved,
    /// The lesson open now (only the `learn` build opens lessons).
    #[cfg(any(feature = "learn", test))]
    pub open: Option<Rc<Lesson>>,
    /// Its check over the trace so far.
    #[cfg(any(feature = "learn", test))]
    pub progress: Option<Rc<Progress>>,
    /// The probe in flight.
    #[cfg(any(feature = "learn", test))]
    pub probe: Option<ProbeRunning>,
    /// The last probe result, for its words.
    #[cfg(any(feature = "learn", test))]
    pub last_probe: Option<ProbeResult>,
    /// Probes started since the page opened.
    #[cfg(any(feature = "learn", test))]
    pub probe_runs: u32,
    /// A lesson was just closed: the landing opens again to offer the next.
    pub closed: bool,
    /// The sockets the check's probes made, in order (their lanes say so).
    #[cfg(any(feature = "learn", test))]
    probe_socks: Vec<String>,
    /// The open lesson's trace.
    #[cfg(any(feature = "learn", test))]
    trace: Log<Value>,
    /// Requests sent since the lesson opened, waiting for their reply (and
    /// whether the check's probe sent them).
    #[cfg(any(feature = "learn", test))]
    waiting: BTreeMap<u64, (Op, bool)>,
}

/// Everything the learner (or the page's lesson machinery) does to the slice.
#[derive(Clone, Debug, PartialEq)]
pub enum LessonAction {
    /// The saved language and progress, read at start-up.
    Restore {
        lang: Lang,
        saved: Saved,
    },
    Lang(Lang),
    Catalog(Catalog),
    /// Opens a lesson of the catalogue (a fresh trace).
    #[cfg(any(feature = "learn", test))]
    Open(String),
    /// Starts the open lesson's trace again.
    #[cfg(any(feature = "learn", test))]
    Restart,
    #[cfg(any(feature = "learn", test))]
    Close,
    /// Reveals the open lesson's next hint.
    #[cfg(any(feature = "learn", test))]
    Hint,
    /// Forgets every done lesson and revealed hint.
    #[cfg(any(feature = "learn", test))]
    Reset,
    /// The check's probe starts (before it sends anything).
    #[cfg(any(feature = "learn", test))]
    ProbeStarted(ProbeRunning),
    /// Request `id` was sent by the probe.
    #[cfg(any(feature = "learn", test))]
    ProbeCall(u64),
    /// Probe run `run` finished.
    #[cfg(any(feature = "learn", test))]
    ProbeDone {
        run: u32,
        result: ProbeResult,
    },
}

impl LessonState {
    /// The catalogue's lessons (empty until loaded).
    pub fn lessons(&self) -> &[Listed] {
        match &self.catalog {
            Catalog::Ready(c) => &c.lessons,
            _ => &[],
        }
    }

    /// The lesson after the open one, in catalogue order.
    #[cfg(any(feature = "learn", test))]
    pub fn next_lesson(&self) -> Option<&Lesson> {
        let open = self.open.as_ref()?;
        let lessons = self.lessons();
        let at = lessons.iter().position(|l| l.id == open.id)?;
        lessons.get(at + 1)
    }

    /// Hints revealed for the open lesson.
    #[cfg(any(feature = "learn", test))]
    pub fn hints_shown(&self) -> usize {
        self.open
            .as_ref()
            .and_then(|l| self.saved.hints.get(&l.id))
            .copied()
            .unwrap_or(0)
    }

    /// Current lesson, steps met of all, done lessons (for `progress`).
    #[cfg(any(feature = "learn", test))]
    pub fn report(&self) -> Report {
        let (met, total) = self.progress.as_ref().map_or((0, 0), |p| {
            let met = p.steps.iter().filter(|s| **s == StepStatus::Met).count();
            (met, p.steps.len())
        });
        Report {
            lesson: self.open.as_ref().map(|l| l.id.clone()),
            met,
            total,
            done: self.saved.done.iter().cloned().collect(),
        }
    }

    /// The probe the page should run now: the check asks for one, none runs,
    /// and its target is known.
    #[cfg(any(feature = "learn", test))]
    pub fn probe_to_start(&self) -> Option<ProbeOrder> {
        if self.probe.is_some() {
            return None;
        }
        let lesson = self.open.as_ref()?;
        let progress = self.progress.as_ref()?;
        let step = progress.run_probe?;
        let probe = lesson.check.get(step)?.probe.clone()?;
        let target = probe.target(&progress.bindings)?;
        Some(ProbeOrder {
            step,
            probe,
            target,
        })
    }

    /// The open lesson's id.
    pub fn open_id(&self) -> Option<String> {
        #[cfg(any(feature = "learn", test))]
        return self.open.as_ref().map(|l| l.id.clone());
        #[cfg(not(any(feature = "learn", test)))]
        None
    }

    /// The open lesson's id and the tab it uses (the app opens that tab).
    pub fn open_tab(&self) -> Option<(String, shared::lesson::Tab)> {
        #[cfg(any(feature = "learn", test))]
        return self.open.as_ref().map(|l| (l.id.clone(), l.tab));
        #[cfg(not(any(feature = "learn", test)))]
        None
    }

    pub fn apply(&mut self, action: LessonAction) {
        match action {
            LessonAction::Restore { lang, saved } => {
                self.lang = lang;
                self.saved = saved;
            }
            LessonAction::Lang(lang) => self.lang = lang,
            LessonAction::Catalog(catalog) => self.catalog = catalog,
            #[cfg(any(feature = "learn", test))]
            LessonAction::Open(id) => {
                let lesson = self.lessons().iter().find(|l| l.id == id).cloned();
                if let Some(lesson) = lesson {
                    self.closed = false;
                    self.saved.current = Some(lesson.id.clone());
                    self.open = Some(Rc::new(lesson));
                    self.restart();
                }
            }
            #[cfg(any(feature = "learn", test))]
            LessonAction::Restart => self.restart(),
            #[cfg(any(feature = "learn", test))]
            LessonAction::Close => {
                self.closed = self.open.is_some();
                self.open = None;
                self.clear_run();
            }
            #[cfg(any(feature = "learn", test))]
            LessonAction::Hint => {
                if let Some(lesson) = &self.open {
                    let shown = self.saved.hints.entry(lesson.id.clone()).or_insert(0);
                    *shown = (*shown + 1).min(lesson.hints.len());
                }
            }
            #[cfg(any(feature = "learn", test))]
            LessonAction::Reset => {
                self.saved = Saved {
                    current: self.open_id(),
                    ..Saved::default()
                };
            }
            #[cfg(any(feature = "learn", test))]
            LessonAction::ProbeStarted(running) => {
                self.probe_runs = self.probe_runs.max(running.run);
                self.probe = Some(running);
            }
            #[cfg(any(feature = "learn", test))]
            LessonAction::ProbeCall(id) => {
                if let Some((_, by_probe)) = self.waiting.get_mut(&id) {
                    *by_probe = true;
                }
            }
            #[cfg(any(feature = "learn", test))]
            LessonAction::ProbeDone { run, result } => {
                if self.probe.as_ref().is_none_or(|p| p.run != run) {
                    return;
                }
                self.probe = None;
                let mut t = TraceBuilder::new();
                t.probe(&result);
                self.last_probe = Some(result);
                self.extend(t);
            }
        }
    }

    /// A request left the page.
    #[cfg(any(feature = "learn", test))]
    pub fn sent(&mut self, id: u64, op: &Op) {
        if self.open.is_some() && self.waiting.len() < MAX_TRACE_ITEMS {
            self.waiting.insert(id, (op.clone(), false));
        }
    }

    /// Which of the probe's clients socket `handle` is (none without probes).
    #[cfg(not(any(feature = "learn", test)))]
    pub fn probe_client(&self, _: &str) -> Option<usize> {
        None
    }

    /// Which of the probe's clients socket `handle` is (from 1), if it is one.
    #[cfg(any(feature = "learn", test))]
    pub fn probe_client(&self, handle: &str) -> Option<usize> {
        self.probe_socks
            .iter()
            .rposition(|h| h == handle)
            .map(|i| i + 1)
    }

    /// Whether request `id` is one the open lesson's trace waits for.
    #[cfg(any(feature = "learn", test))]
    pub fn awaits(&self, id: u64) -> bool {
        self.waiting.contains_key(&id)
    }

    /// The reply to request `id` arrived: the call enters the trace.
    #[cfg(any(feature = "learn", test))]
    pub fn replied(&mut self, id: u64, outcome: &Outcome) {
        if let Some((op, by_probe)) = self.waiting.remove(&id) {
            if let (true, Op::Socket { .. }, Outcome::Ok(OkBody::Sock { sock })) =
                (by_probe, &op, outcome)
            {
                if self.probe_socks.len() >= MAX_PROBE_CLIENTS as usize {
                    self.probe_socks.clear();
                }
                self.probe_socks.push(sock.clone());
            }
            let mut t = TraceBuilder::new();
            t.sent(id, &op, by_probe);
            t.replied(id, outcome);
            self.extend(t);
        }
    }

    /// An event arrived. A new session (`hello`) ends the old one's requests.
    #[cfg(any(feature = "learn", test))]
    pub fn event(&mut self, event: &Event) {
        if matches!(event, Event::Hello(_)) {
            self.waiting.clear();
            self.probe_socks.clear();
        }
        if self.open.is_some() {
            let mut t = TraceBuilder::new();
            t.event(event);
            self.extend(t);
        }
    }

    #[cfg(any(feature = "learn", test))]
    fn restart(&mut self) {
        self.clear_run();
        self.evaluate();
    }

    /// Forgets the trace, the calls it waits for, the probe and the check.
    #[cfg(any(feature = "learn", test))]
    fn clear_run(&mut self) {
        self.progress = None;
        self.trace = Log::default();
        self.waiting.clear();
        self.probe = None;
        self.last_probe = None;
    }

    /// Appends the items `t` made and evaluates the check again.
    #[cfg(any(feature = "learn", test))]
    fn extend(&mut self, t: TraceBuilder) {
        let mut grew = false;
        for item in t.items() {
            if self.trace.len() < MAX_TRACE_ITEMS {
                self.trace.push(item.clone());
                grew = true;
            }
        }
        // A met check stays met (the lesson is done once): no need to search
        // a longer trace again.
        if grew && !self.progress.as_ref().is_some_and(|p| p.done) {
            self.evaluate();
        }
    }

    /// The check over the trace (the default build has no check: no progress).
    #[cfg(any(feature = "learn", test))]
    fn evaluate(&mut self) {
        let Some(lesson) = &self.open else {
            self.progress = None;
            return;
        };
        let progress = evaluate(&lesson.check, &self.trace.items());
        if progress.done {
            self.saved.done.insert(lesson.id.clone());
        }
        self.progress = Some(Rc::new(progress));
    }
}

#[cfg(test)]
#[path = "lesson_tests.rs"]
mod tests;

/// The lesson a returning learner continues with: the one open last unless
/// done, else the first lesson not done; none before any progress.
pub fn continue_with<'a>(lessons: &'a [Listed], saved: &Saved) -> Option<&'a Listed> {
    if saved.done.is_empty() && saved.current.is_none() {
        return None;
    }
    let current = saved
        .current
        .as_ref()
        .filter(|id| !saved.done.contains(*id))
        .and_then(|id| lessons.iter().find(|l| &l.id == id));
    current.or_else(|| lessons.iter().find(|l| !saved.done.contains(&l.id)))
}

/// Hands the reducer's action to the slice when it concerns the open lesson
/// (so the slice's `Rc` is replaced only then).
pub fn feed(slice: &mut Rc<LessonState>, action: &super::Action) {
    use super::Action;
    match action {
        #[cfg(any(feature = "learn", test))]
        Action::Sent { id, op } if slice.open.is_some() => Rc::make_mut(slice).sent(*id, op),
        #[cfg(any(feature = "learn", test))]
        Action::Replied { id, outcome } if slice.awaits(*id) => {
            Rc::make_mut(slice).replied(*id, outcome);
        }
        #[cfg(any(feature = "learn", test))]
        Action::Event(frame) if slice.open.is_some() || !slice.waiting.is_empty() => {
            Rc::make_mut(slice).event(&frame.event);
        }
        Action::Lesson(a) => Rc::make_mut(slice).apply(a.clone()),
        _ => {}
    }
}
