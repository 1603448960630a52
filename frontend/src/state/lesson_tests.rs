//! Lesson slice tests: the reducer's own actions (requests, replies, events)
//! feed the open lesson's trace and its check; a skipped step does not pass;
//! done stays done; the check's probe runs on scripted replies and its calls
//! are marked as the probe's.

use super::*;
use crate::state::{Action, State};
use serde_json::json;
use shared::probe_run::ProbeRun;
use shared::{Data, EventFrame, OkBody, RecvArgs, SendArgs, SockState};

/// An E2-like lesson: connect to the echo lab, send, receive the same bytes.
fn echo_lesson() -> Lesson {
    serde_json::from_value(json!({
        "id": "e02-echo", "title": {"en": "Echo client", "zh": "回显客户端"},
        "goal": {"en": "g"}, "concept": {"en": "c"},
        "hints": [{"en": "h1"}, {"en": "h2"}],
        "check": [
            {"say": {"en": "connect"}, "expect": {"ev": "state", "sock": "$c", "to": "ESTABLISHED"}},
            {"say": {"en": "send"}, "expect": {"call": "sendall", "args": {"sock": "$c", "data": {"text": "$msg"}}, "ok": {}}},
            {"say": {"en": "recv"}, "expect": {"call": "recv", "args": {"sock": "$c"}, "ok": {"data": {"text": "$msg"}}}}
        ]
    }))
    .unwrap_or_else(|e| panic!("{e}"))
}

/// A server lesson whose last step is a probe of two echo clients.
fn server_lesson() -> Lesson {
    serde_json::from_value(json!({
        "id": "e07-select", "title": {"en": "Select server"},
        "goal": {"en": "g"}, "concept": {"en": "c"},
        "check": [
            {"say": {"en": "listen"}, "expect": {"call": "listen", "args": {"sock": "$srv"}, "ok": {}}},
            {"say": {"en": "address"}, "expect": {"call": "getsockname", "args": {"sock": "$srv"}, "ok": {"addr": "$addr"}}},
            {"say": {"en": "serve"}, "probe": {"connect": "$addr", "clients": 2, "send": ["hi {c}"], "expect": "echo"}}
        ]
    }))
    .unwrap_or_else(|e| panic!("{e}"))
}

struct Page {
    s: State,
    id: u64,
}

impl Page {
    fn with(lessons: Vec<Lesson>) -> Page {
        let mut s = State::default();
        let catalog = Catalog::Ready(Rc::new(shared::lesson::LessonCatalog::new(lessons)));
        s.apply(Action::Lesson(LessonAction::Catalog(catalog)));
        Page { s, id: 0 }
    }
    fn open(&mut self, id: &str) {
        self.s.apply(Action::Lesson(LessonAction::Open(id.into())));
    }
    fn call(&mut self, op: Op, body: OkBody) -> u64 {
        self.id += 1;
        self.s.apply(Action::Sent { id: self.id, op });
        self.s.apply(Action::Replied {
            id: self.id,
            outcome: Outcome::Ok(body),
        });
        self.id
    }
    fn established(&mut self, sock: &str) {
        self.s.apply(Action::Event(EventFrame {
            t: 1,
            event: Event::State {
                sock: sock.into(),
                from: SockState::SynSent,
                to: SockState::Established,
            },
        }));
    }
    fn statuses(&self) -> Vec<StepStatus> {
        self.s
            .lesson
            .progress
            .as_ref()
            .map(|p| p.steps.clone())
            .unwrap_or_default()
    }
    fn done(&self) -> bool {
        self.s.lesson.progress.as_ref().is_some_and(|p| p.done)
    }
}

fn sendall(sock: &str, text: &str) -> Op {
    Op::Sendall(SendArgs {
        sock: sock.into(),
        data: Data::text(text),
    })
}

fn recv(sock: &str) -> Op {
    Op::Recv(RecvArgs {
        sock: sock.into(),
        bufsize: 98,
        flags: vec![],
        encoding: None,
    })
}

#[test]
fn clicking_through_the_lesson_meets_each_step_and_marks_it_done() {
    let mut p = Page::with(vec![echo_lesson(), server_lesson()]);
    p.open("e02-echo");
    assert_eq!(p.statuses(), vec![StepStatus::Waiting; 3]);
    p.established("s1");
    assert_eq!(p.statuses().first(), Some(&StepStatus::Met));
    p.call(sendall("s1", "hello"), OkBody::Empty {});
    p.call(
        recv("s1"),
        OkBody::Data {
            data: Data::text("hello"),
        },
    );
    assert!(p.done());
    assert!(p.s.lesson.saved.done.contains("e02-echo"));
    assert_eq!(
        p.s.lesson.next_lesson().map(|l| l.id.as_str()),
        Some("e07-select")
    );
    let report = p.s.lesson.report();
    assert_eq!((report.met, report.total), (3, 3));
    assert_eq!(report.done, vec!["e02-echo".to_owned()]);
    // Done stays done: starting again clears the trace, not the progress.
    p.s.apply(Action::Lesson(LessonAction::Restart));
    assert!(!p.done());
    assert!(p.s.lesson.saved.done.contains("e02-echo"));
}

#[test]
fn a_skipped_step_or_what_came_before_the_lesson_does_not_pass() {
    let mut p = Page::with(vec![echo_lesson()]);
    // Connected before the lesson opened: not in its trace.
    p.established("s1");
    p.open("e02-echo");
    p.call(sendall("s1", "hello"), OkBody::Empty {});
    p.call(
        recv("s1"),
        OkBody::Data {
            data: Data::text("hello"),
        },
    );
    assert!(!p.done());
    assert_eq!(p.statuses(), vec![StepStatus::Waiting; 3]);
    // Received something else than was sent: the last step waits.
    p.s.apply(Action::Lesson(LessonAction::Restart));
    p.established("s1");
    p.call(sendall("s1", "hello"), OkBody::Empty {});
    p.call(
        recv("s1"),
        OkBody::Data {
            data: Data::text("other"),
        },
    );
    assert_eq!(
        p.statuses(),
        vec![StepStatus::Met, StepStatus::Met, StepStatus::Waiting]
    );
    assert!(p.s.lesson.saved.done.is_empty());
}

#[test]
fn hints_are_revealed_one_at_a_time_and_reset_forgets_them() {
    let mut p = Page::with(vec![echo_lesson()]);
    p.open("e02-echo");
    for _ in 0..3 {
        p.s.apply(Action::Lesson(LessonAction::Hint));
    }
    assert_eq!(
        p.s.lesson.hints_shown(),
        2,
        "never more than the lesson has"
    );
    p.s.apply(Action::Lesson(LessonAction::Reset));
    assert_eq!(p.s.lesson.hints_shown(), 0);
    assert_eq!(p.s.lesson.saved.current.as_deref(), Some("e02-echo"));
    p.s.apply(Action::Lesson(LessonAction::Close));
    assert!(p.s.lesson.open.is_none() && p.s.lesson.progress.is_none());
}

#[test]
fn a_returning_learner_continues_with_the_lesson_left_open() {
    let lessons = vec![echo_lesson(), server_lesson()];
    let mut saved = Saved::default();
    assert!(
        continue_with(&lessons, &saved).is_none(),
        "a new learner gets no Continue"
    );
    saved.current = Some("e07-select".into());
    assert_eq!(
        continue_with(&lessons, &saved).map(|l| l.id.as_str()),
        Some("e07-select")
    );
    saved.done.insert("e07-select".into());
    assert_eq!(
        continue_with(&lessons, &saved).map(|l| l.id.as_str()),
        Some("e02-echo")
    );
    saved.done.insert("e02-echo".into());
    assert!(continue_with(&lessons, &saved).is_none(), "everything done");
}

/// The reply a scripted echo server gives each probe call.
fn scripted(op: &Op, sockets: &mut u32, last_sent: &mut String) -> OkBody {
    match op {
        Op::Socket { .. } => {
            *sockets += 1;
            OkBody::Sock {
                sock: format!("s{}", 10 + *sockets),
            }
        }
        Op::Sendall(a) => {
            *last_sent = String::from_utf8_lossy(&a.data.clone().into_bytes()).into_owned();
            OkBody::Empty {}
        }
        Op::Recv(_) => OkBody::Data {
            data: Data::text(last_sent.clone()),
        },
        _ => OkBody::Empty {},
    }
}

#[test]
fn the_probe_runs_when_the_check_asks_and_its_calls_are_marked() {
    let mut p = Page::with(vec![server_lesson()]);
    p.open("e07-select");
    assert!(p.s.lesson.probe_to_start().is_none(), "no server yet");
    p.call(
        Op::Listen {
            sock: "s1".into(),
            backlog: Some(5),
        },
        OkBody::Empty {},
    );
    p.call(
        Op::Getsockname { sock: "s1".into() },
        OkBody::Addr {
            addr: Addr::new("127.0.0.1", 20178),
        },
    );
    let order =
        p.s.lesson
            .probe_to_start()
            .unwrap_or_else(|| panic!("a probe is due"));
    assert_eq!((order.step, order.target.port()), (2, 20178));
    p.s.apply(Action::Lesson(LessonAction::ProbeStarted(ProbeRunning {
        run: 1,
        step: order.step,
        clients: order.probe.clients,
        target: order.target.clone(),
    })));
    assert!(p.s.lesson.probe_to_start().is_none(), "started once");
    let mut machine = ProbeRun::new(order.step, &order.probe, order.target);
    let (mut sockets, mut last_sent) = (0, String::new());
    for _ in 0..100 {
        let calls = machine.next_calls();
        if calls.is_empty() {
            break;
        }
        for (tag, op) in calls {
            p.id += 1;
            let id = p.id;
            p.s.apply(Action::Sent { id, op: op.clone() });
            p.s.apply(Action::Lesson(LessonAction::ProbeCall(id)));
            let outcome = Outcome::Ok(scripted(&op, &mut sockets, &mut last_sent));
            p.s.apply(Action::Replied {
                id,
                outcome: outcome.clone(),
            });
            machine.on_outcome(tag, &outcome);
        }
    }
    let result = machine
        .result()
        .unwrap_or_else(|| panic!("the probe finished"));
    assert!(result.passed, "{}", result.detail);
    // A result from an older run (the learner started again) is ignored.
    p.s.apply(Action::Lesson(LessonAction::ProbeDone {
        run: 7,
        result: result.clone(),
    }));
    assert!(!p.done());
    p.s.apply(Action::Lesson(LessonAction::ProbeDone { run: 1, result }));
    assert!(p.done(), "{:?}", p.statuses());
    assert!(p.s.lesson.probe.is_none());
    assert_eq!(sockets, 2, "one socket per client");
    let trace = p.s.lesson.trace.items();
    let by_probe = trace
        .iter()
        .filter(|i| i.get("by") == Some(&json!("probe")))
        .count();
    let learner = trace
        .iter()
        .filter(|i| i.get("call").is_some() && i.get("by").is_none())
        .count();
    assert!(
        by_probe >= 8,
        "socket, settimeout, connect, sendall, recv, close per client: {by_probe}"
    );
    assert_eq!(learner, 2, "listen and getsockname are the learner's");
    drop(trace);
    let lanes: Vec<&str> = p.s.lanes.iter().map(|l| l.label.as_str()).collect();
    assert!(lanes.contains(&"lesson's client 1 (s11)"), "{lanes:?}");
    assert!(lanes.contains(&"lesson's client 2 (s12)"), "{lanes:?}");
}

#[test]
fn a_failing_probe_breaks_its_step_and_says_why() {
    let mut p = Page::with(vec![server_lesson()]);
    p.open("e07-select");
    p.call(
        Op::Listen {
            sock: "s1".into(),
            backlog: None,
        },
        OkBody::Empty {},
    );
    p.call(
        Op::Getsockname { sock: "s1".into() },
        OkBody::Addr {
            addr: Addr::new("127.0.0.1", 20178),
        },
    );
    let running = ProbeRunning {
        run: 1,
        step: 2,
        clients: 2,
        target: Addr::new("127.0.0.1", 20178),
    };
    p.s.apply(Action::Lesson(LessonAction::ProbeStarted(running)));
    let result = ProbeResult {
        step: 2,
        passed: false,
        detail: "client 1 got no reply".into(),
    };
    p.s.apply(Action::Lesson(LessonAction::ProbeDone { run: 1, result }));
    assert_eq!(p.statuses().get(2), Some(&StepStatus::Broken));
    assert!(p.s.lesson.probe_to_start().is_none(), "not again by itself");
    assert_eq!(
        p.s.lesson.last_probe.as_ref().map(|r| r.detail.as_str()),
        Some("client 1 got no reply")
    );
}
