//! The root component: owns the reducer and the relay service, provides the
//! two contexts ([`AppCtx`] to act, [`Session`] for the relay's hello), and
//! lays the page out (workbench on the left; timeline and Python transcript on
//! the right; the HTTP and FTP tabs). Each component gets the slice of the
//! state it renders as props, so a timeline event re-renders the timeline but
//! not the socket cards. What only the `learn` build has (recordings, share,
//! replay, the lesson panel) comes from `learn/` as [`crate::learn::Parts`].

use super::{
    auth_panel::AuthPanel, banner::Banner, first_step::FirstStep, hello_panel::HelloPanel,
    lang_switch::LangSwitch, lazy_panels, new_socket::NewSocket,
    python_transcript::PythonTranscript, select_panel::SelectPanel, socket_card::PendingCall,
    socket_card::SocketCard, timeline::Timeline,
};
use crate::hooks::{AppCtx, Session};
use crate::state::{Conn, State};
use std::rc::Rc;
use yew::prelude::*;

/// The page's tabs: the socket workbench (the default) and the protocol panels.
#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Sockets,
    Http,
    Ftp,
    Mail,
    Python,
}

fn tab_button(tab: &UseStateHandle<Tab>, which: Tab, label: &'static str) -> Html {
    let on = **tab == which;
    let onclick = {
        let tab = tab.clone();
        Callback::from(move |_| tab.set(which))
    };
    html! {
        <button role="tab" class={classes!("tab", on.then_some("on"))} aria-selected={on.to_string()} {onclick}>{label}</button>
    }
}

/// One card per socket, each with the calls waiting on it.
pub fn cards(state: &State) -> Html {
    state
        .socks
        .in_order()
        .into_iter()
        .map(|s| {
            let pending: Vec<PendingCall> = state
                .pending_on(&s.handle)
                .map(|(id, p)| PendingCall {
                    id: *id,
                    python: p.python.clone().into(),
                })
                .collect();
            html! { <SocketCard key={s.handle.clone()} sock={Rc::clone(s)} {pending} /> }
        })
        .collect()
}

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(crate::lessons::store::initial_state);
    crate::lessons::store::use_persist(state.lesson.lang, &state.lesson.saved);
    let tab = use_state(|| Tab::Sockets);
    let parts = crate::learn::use_parts(&state);
    // Opening a lesson opens the tab it uses.
    {
        let tab = tab.clone();
        let wanted = state.lesson.open_tab();
        use_effect_with(wanted, move |wanted| {
            if let Some((_, t)) = wanted {
                tab.set(match t {
                    shared::lesson::Tab::Sockets => Tab::Sockets,
                    shared::lesson::Tab::Http => Tab::Http,
                    shared::lesson::Tab::Ftp => Tab::Ftp,
                    shared::lesson::Tab::Mail => Tab::Mail,
                });
            }
        });
    }
    let exercise = use_state(|| None::<String>);
    let on_started = {
        let exercise = exercise.setter();
        Callback::from(move |h: String| exercise.set(Some(h)))
    };
    let exercise_sock = exercise
        .as_deref()
        .and_then(|h| state.socks.get(h))
        .cloned();
    let wanted = matches!(*tab, Tab::Http | Tab::Ftp | Tab::Mail);
    let (panels, retry) = lazy_panels::use_part(wanted, lazy_panels::load_panels);
    let ctx = parts.ctx;
    let session = Session::of(&state);
    let open: Vec<String> = state
        .socks
        .in_order()
        .into_iter()
        .filter(|s| !s.released)
        .map(|s| s.handle.clone())
        .collect();
    html! {
        <ContextProvider<AppCtx> context={ctx}>
        <ContextProvider<Session> context={session.clone()}>
            <div class="app" data-ready={session.ready.to_string()}>
                <header class="top">
                    <h1>{"socklab"}</h1>
                    <span class="tagline">{"real sockets, Python's API — every byte visible"}</span>
                    <HelloPanel conn={if state.replay.is_some() { Some(Conn::Lost { reason: "replay".into(), retry_ms: 0 }) } else { state.conn.clone() }} />
                    <LangSwitch lang={state.lesson.lang} />
                </header>
                <Banner conn={state.conn.clone()} notice={state.notice.clone().map(AttrValue::from)} />
                <AuthPanel />
                {parts.tools}
                if let Some(lesson) = parts.lesson {
                    {lesson}
                } else if state.replay.is_none() {
                    <FirstStep has_sockets={!state.socks.in_order().is_empty()} exercise={exercise_sock} {on_started}
                        lang={state.lesson.lang} catalog={state.lesson.catalog.clone()} saved={state.lesson.saved.clone()} after_lesson={state.lesson.closed} />
                }
                <nav class="tabs" role="tablist" aria-label="panels">
                    {tab_button(&tab, Tab::Sockets, "Sockets")}
                    {tab_button(&tab, Tab::Http, "HTTP")}
                    {tab_button(&tab, Tab::Ftp, "FTP")}
                    {tab_button(&tab, Tab::Mail, "Mail")}
                    {tab_button(&tab, Tab::Python, "Python")}
                </nav>
                <main class="columns" hidden={*tab != Tab::Sockets}>
                    <section class="workbench" aria-label="socket workbench">
                        <NewSocket />
                        <fieldset class="embed-panel" disabled={state.replay.is_some()} aria-label="sockets"><div class="cards">{cards(&state)}</div></fieldset>
                        <SelectPanel {open} />
                    </section>
                    <section class="side">
                        <Timeline entries={state.timeline.clone()} lanes={state.lanes.clone()} selected={state.selected} />
                        <PythonTranscript entries={state.transcript.clone()} />
                    </section>
                </main>
                <main class="panel-main" hidden={*tab != Tab::Http}>{lazy_panels::panel_or_progress(panels, |p| (p.http)(state.http.clone()), &retry)}</main>
                <main class="panel-main" hidden={*tab != Tab::Ftp}>{lazy_panels::panel_or_progress(panels, |p| (p.ftp)(state.ftp.clone()), &retry)}</main>
                <main class="panel-main" hidden={*tab != Tab::Mail}>{lazy_panels::panel_or_progress(panels, |p| (p.mail)(state.mail.clone()), &retry)}</main>
                <main class="panel-main" hidden={*tab != Tab::Python}><super::python_tab::PythonTab shown={*tab == Tab::Python} /></main>
            </div>
        </ContextProvider<Session>>
        </ContextProvider<AppCtx>>
    }
}
