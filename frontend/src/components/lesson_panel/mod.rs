//! The lesson view beside the workbench: the open lesson's title and goal,
//! its concept with its picture, the check as a live checklist (with the
//! article's errata at the steps where they bite), hints revealed one at a
//! time, and "Lesson complete" with the next lesson once every step is met.
//! It starts the check's probe clients when the check asks for them.
//!
//! Subcomponents, one file each: [`checklist`], [`hints`], [`erratum`],
//! [`complete`]. The landing's lesson list (`components/lesson_list.rs`)
//! and the language switch (`components/lang_switch.rs`) are in both builds;
//! this panel only in the `learn` one.

mod checklist;
mod complete;
mod erratum;
mod hints;
mod rich;

use super::pictures::Picture;
use crate::hooks::use_app;
use crate::lessons::{probe, words::words};
use crate::state::lesson::{LessonAction, LessonState};
use crate::state::Action;
use checklist::Checklist;
use complete::Complete;
use erratum::erratum;
use hints::Hints;
use rich::paragraphs;
use shared::lesson::Tab;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lesson: Rc<LessonState>,
}

/// The tab's name as the tab bar shows it.
fn tab_name(tab: Tab) -> &'static str {
    match tab {
        Tab::Sockets => "Sockets",
        Tab::Http => "HTTP",
        Tab::Ftp => "FTP",
        Tab::Mail => "Mail",
    }
}

#[function_component(LessonPanel)]
pub fn lesson_panel(props: &Props) -> Html {
    let ctx = use_app();
    let state = &props.lesson;
    // The check asked for its probe clients: run them once.
    {
        let ctx = ctx.clone();
        let order = state.probe_to_start();
        let run = state.probe_runs + 1;
        use_effect_with(order, move |order| {
            if let Some(order) = order.clone() {
                probe::start(ctx, order, run);
            }
        });
    }
    let (Some(lesson), Some(progress)) = (state.open.clone(), state.progress.clone()) else {
        return html! {};
    };
    let lang = state.lang;
    let w = words(lang);
    let act = |a: LessonAction| {
        let ctx = ctx.clone();
        Callback::from(move |_: MouseEvent| ctx.dispatch(Action::Lesson(a.clone())))
    };
    let general: Html = lesson
        .errata
        .iter()
        .filter(|e| e.step.is_none())
        .map(|e| erratum(e, lang))
        .collect();
    let next = state
        .next_lesson()
        .map(|l| (l.id.clone(), l.title.get(lang).to_owned()));
    html! {
        <section class="lesson" aria-labelledby="lesson-title" data-testid="lesson" data-lesson={lesson.id.clone()} data-done={progress.done.to_string()}>
            <div class="lesson-head">
                <h2 id="lesson-title"><span class="lesson-kicker">{w.lesson}{" · "}</span>{lesson.title.get(lang)}</h2>
                <div class="lesson-tools">
                    <span class="lesson-tab">{w.uses_tab}{" "}<b>{tab_name(lesson.tab)}</b></span>
                    <button onclick={act(LessonAction::Restart)}>{w.restart}</button>
                    <button onclick={act(LessonAction::Close)}>{w.close}</button>
                </div>
            </div>
            <div class="lesson-body">
                <div class="lesson-text">
                    <p class="lesson-goal"><b>{w.goal}{": "}</b>{lesson.goal.get(lang)}</p>
                    <h3>{w.concept}</h3>
                    {paragraphs(lesson.concept.get(lang), "lesson-concept")}
                    if let Some(picture) = lesson.picture {
                        <Picture {picture} {lang} />
                    }
                    {general}
                </div>
                <div class="lesson-check">
                    if progress.done {
                        <Complete {lang} {next} />
                    }
                    <Checklist lesson={lesson.clone()} {progress} {lang} probe={state.probe.clone()} last_probe={state.last_probe.clone()} />
                    <Hints lesson={lesson.clone()} shown={state.hints_shown()} {lang} />
                </div>
            </div>
        </section>
    }
}
