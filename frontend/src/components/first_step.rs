//! The first step, the page's front door: the lessons (in order, done ones
//! marked, "Continue" for a returning learner: `lesson_panel/list.rs`), the
//! relay's lab servers (from `hello.labs`) with their addresses and what each
//! is for, one suggested first exercise — the echo exchange — that a click
//! starts, and the free workbench. It is open while the session has no
//! sockets (and while the exercise's socket lives) and can be folded away
//! afterwards. Headings and buttons follow the page's language.
//!
//! Starting the exercise creates a TCP socket; its card's host and port
//! already hold the echo lab's address, and the section says what to click
//! next until the echoed bytes arrive.

use super::lesson_list::LessonList;
use crate::bytes::py_bytes;
use crate::hooks::{use_app, use_session};
use crate::lessons::words::words;
use crate::state::lesson::{Catalog, Saved};
use crate::state::Sock;
use shared::lesson::Lang;
use shared::{Addr, Family, OkBody, Op, Outcome, SockType};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// Whether the session has any socket yet.
    pub has_sockets: bool,
    /// The socket the exercise created, while it exists.
    pub exercise: Option<Rc<Sock>>,
    /// The exercise created socket `handle`.
    pub on_started: Callback<String>,
    /// The page's language, the lesson catalogue and the saved progress.
    pub lang: Lang,
    pub catalog: Catalog,
    pub saved: Saved,
    /// A lesson was just closed: open, to offer the next one.
    pub after_lesson: bool,
}

/// A lab's transport and what it is for, by its `hello.labs` name, in `lang`.
pub fn lab_purpose(name: &str, lang: Lang) -> (&'static str, &'static str) {
    let (en, zh) = match name {
        "tcp_echo" => (
            ("TCP echo", "sends back every byte you send"),
            ("TCP 回显", "把你发送的每个字节原样发回"),
        ),
        "udp_echo" => (
            ("UDP echo", "sends each datagram back to whoever sent it"),
            ("UDP 回显", "把每个数据报发回给发送它的人"),
        ),
        "chat" => (
            (
                "Chat",
                "a line-based chat room: each line you send goes to everyone connected",
            ),
            (
                "聊天",
                "按行聊天的聊天室：你发送的每一行都会发给所有已连接的人",
            ),
        ),
        "http" => (
            (
                "HTTP",
                "an httpbin-like web server for http.client (the HTTP tab)",
            ),
            (
                "HTTP",
                "类似 httpbin 的 Web 服务器，供 http.client 使用（HTTP 标签页）",
            ),
        ),
        "ftp" => (
            (
                "FTP",
                "an FTP server for ftplib (the FTP tab): log in as learner / learner",
            ),
            (
                "FTP",
                "供 ftplib 使用的 FTP 服务器（FTP 标签页）：用 learner / learner 登录",
            ),
        ),
        "smtp" => (
            (
                "SMTP",
                "a mail server for smtplib (the Mail tab): mail to learner@socklab.test",
            ),
            (
                "SMTP",
                "供 smtplib 使用的邮件服务器（Mail 标签页）：发信给 learner@socklab.test",
            ),
        ),
        "pop3" => (
            (
                "POP3",
                "the mailbox for poplib (the Mail tab): log in as learner / learner",
            ),
            (
                "POP3",
                "供 poplib 使用的邮箱（Mail 标签页）：用 learner / learner 登录",
            ),
        ),
        _ => (
            ("Lab", "a server the relay runs for the exercises"),
            ("实验", "中继为练习运行的服务器"),
        ),
    };
    if lang == Lang::Zh {
        zh
    } else {
        en
    }
}

/// `127.0.0.1:20007`, `[::1]:20007`.
pub fn host_port(a: &Addr) -> String {
    if a.host().contains(':') {
        format!("[{}]:{}", a.host(), a.port())
    } else {
        format!("{}:{}", a.host(), a.port())
    }
}

/// What the learner should click next in the echo exercise.
pub fn next_step(exercise: Option<&Sock>, echo: &Addr) -> String {
    let Some(s) = exercise else {
        return "Click \"start the echo exercise\": it creates a TCP socket whose card \
                already holds the echo lab's address."
            .to_owned();
    };
    let h = &s.handle;
    if let Some(chunk) = s.received.first() {
        return format!(
            "Done: {h}.recv() returned {} — the echo lab sent back what you sent. \
             Next, try the UDP echo lab with a SOCK_DGRAM socket, or the chat lab.",
            py_bytes(&chunk.bytes)
        );
    }
    if s.peer.is_some() {
        return format!(
            "Connected. Now type a message in {h}'s data field, click send, then click recv."
        );
    }
    format!(
        "Socket {h} is ready. On its card, click connect (host {} and port {} are filled in).",
        echo.host(),
        echo.port()
    )
}

/// Where a lab comes in a learner's path: echo first, then chat, HTTP, FTP.
pub fn lab_rank(name: &str) -> usize {
    const PATH: [&str; 5] = ["tcp_echo", "udp_echo", "chat", "http", "ftp"];
    PATH.iter().position(|n| *n == name).unwrap_or(PATH.len())
}

fn labs_list(labs: &std::collections::BTreeMap<String, Addr>, lang: Lang) -> Html {
    let mut labs: Vec<(&String, &Addr)> = labs.iter().collect();
    labs.sort_by_key(|(name, _)| lab_rank(name));
    labs.into_iter()
        .map(|(name, a)| {
            let (title, purpose) = lab_purpose(name, lang);
            html! {
                <li data-lab={name.clone()}>
                    <code class="lab-addr">{host_port(a)}</code>
                    <span class="lab-text"><b>{title}</b>{" — "}{purpose}</span>
                </li>
            }
        })
        .collect()
}

#[function_component(FirstStep)]
pub fn first_step(props: &Props) -> Html {
    let ctx = use_app();
    let session = use_session();
    let chosen = use_state(|| None::<bool>);
    let Some(hello) = session.hello.clone() else {
        return html! {};
    };
    let echo = hello
        .labs
        .get("tcp_echo")
        .cloned()
        .unwrap_or_else(|| Addr::new("127.0.0.1", 20007));
    let exercise = props.exercise.as_deref();
    let under_way = exercise.is_some_and(|s| s.received.is_empty());
    // Open until the session has sockets, and while the exercise's socket lives
    // (so its next step, and its result, stay in view), and after a lesson
    // closes (to offer the next) — unless folded by hand.
    let open = (*chosen).unwrap_or(!props.has_sockets || exercise.is_some() || props.after_lesson);
    let toggle = {
        let chosen = chosen.clone();
        Callback::from(move |_: MouseEvent| chosen.set(Some(!open)))
    };
    let w = words(props.lang);
    if !open {
        return html! {
            <section class="first-step folded" aria-label="first step">
                <button class="first-toggle" aria-expanded="false" onclick={toggle}>{w.unfold}</button>
            </section>
        };
    }
    let fold = {
        let chosen = chosen.clone();
        Callback::from(move |_: MouseEvent| chosen.set(Some(false)))
    };
    let start = {
        let on_started = props.on_started.clone();
        ctx.on_click(move |ctx| {
            let on_started = on_started.clone();
            async move {
                let op = Op::Socket {
                    family: Family::AfInet,
                    kind: SockType::Stream,
                    proto: 0,
                };
                if let Outcome::Ok(OkBody::Sock { sock }) = ctx.call(op).await {
                    on_started.emit(sock);
                }
            }
        })
    };
    let disabled = !session.ready || under_way;
    html! {
        <section class="first-step" aria-labelledby="first-step-title" data-testid="first-step">
            <div class="first-head">
                <h2 id="first-step-title">{w.start_here}</h2>
                if props.has_sockets {
                    <button class="first-toggle" aria-expanded="true" onclick={toggle}>{w.hide}</button>
                }
            </div>
            <LessonList lang={props.lang} catalog={props.catalog.clone()} saved={props.saved.clone()} />
            <div class="first-body">
                <div class="first-labs">
                    <h3>{w.labs}</h3>
                    <ul class="lab-list">{labs_list(&hello.labs, props.lang)}</ul>
                </div>
                <div class="first-exercise">
                    <h3>{w.first_exercise}</h3>
                    <ol class="first-plan">
                        <li><code>{"s = socket.socket()"}</code></li>
                        <li><code>{format!("s.connect((\"{}\", {}))", echo.host(), echo.port())}</code></li>
                        <li><code>{"s.send(b'hello')"}</code></li>
                        <li><code>{"s.recv(1024)"}</code></li>
                    </ol>
                    <button class="primary" onclick={start} {disabled}>{w.start_echo}</button>
                    <p class="first-next" data-testid="first-next" aria-live="polite">{next_step(exercise, &echo)}</p>
                    <h3>{w.workbench}</h3>
                    <p class="free-text">{w.workbench_text}{" "}<button onclick={fold}>{w.open_workbench}</button></p>
                </div>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Chunk;

    #[test]
    fn every_lab_says_what_it_is_for() {
        for name in ["tcp_echo", "udp_echo", "chat", "http", "ftp"] {
            let (title, purpose) = lab_purpose(name, Lang::En);
            assert_ne!(title, "Lab", "{name}");
            assert!(!purpose.is_empty());
            assert_ne!(lab_purpose(name, Lang::Zh).1, purpose, "{name} in Chinese");
        }
        assert!(lab_purpose("ftp", Lang::En).1.contains("learner / learner"));
        assert!(lab_purpose("ftp", Lang::Zh).1.contains("learner / learner"));
        assert!(lab_rank("tcp_echo") < lab_rank("chat") && lab_rank("http") < lab_rank("ftp"));
        assert_eq!(lab_rank("other"), 5);
        assert_eq!(host_port(&Addr::new("::1", 20007)), "[::1]:20007");
        assert_eq!(host_port(&Addr::new("127.0.0.1", 20007)), "127.0.0.1:20007");
    }

    #[test]
    fn the_next_step_follows_the_socket() {
        let echo = Addr::new("127.0.0.1", 20007);
        assert!(next_step(None, &echo).contains("start the echo exercise"));
        let mut socks = crate::state::sockets::Socks::default();
        socks.add("s1", Family::AfInet, SockType::Stream);
        let mut s = (*socks["s1"]).clone();
        assert!(next_step(Some(&s), &echo).contains("click connect"));
        s.peer = Some(echo.clone());
        assert!(next_step(Some(&s), &echo).contains("click send, then click recv"));
        s.received.push(Chunk {
            bytes: b"hi".to_vec(),
            from: None,
        });
        assert!(next_step(Some(&s), &echo).contains("returned b'hi'"));
    }
}
