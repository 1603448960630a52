//! A lesson's hints, revealed one at a time (how many is saved per lesson).

use super::rich::inline;
use crate::hooks::use_app;
use crate::lessons::words::words;
use crate::state::lesson::LessonAction;
use crate::state::Action;
use shared::lesson::{Lang, Lesson};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lesson: Rc<Lesson>,
    pub shown: usize,
    pub lang: Lang,
}

#[function_component(Hints)]
pub fn hints(props: &Props) -> Html {
    let ctx = use_app();
    let lang = props.lang;
    let w = words(lang);
    let total = props.lesson.hints.len();
    if total == 0 {
        return html! {};
    }
    let reveal =
        Callback::from(move |_: MouseEvent| ctx.dispatch(Action::Lesson(LessonAction::Hint)));
    let shown: Html = props
        .lesson
        .hints
        .iter()
        .take(props.shown)
        .map(|h| html! { <li>{inline(h.get(lang))}</li> })
        .collect();
    let label = if props.shown == 0 {
        w.show_hint
    } else {
        w.show_next_hint
    };
    html! {
        <div class="hints">
            <h3>{w.hints}{" "}<span class="count">{format!("{}/{total}", props.shown.min(total))}</span></h3>
            <ol class="hint-list" aria-live="polite">{shown}</ol>
            if props.shown < total {
                <button onclick={reveal}>{label}</button>
            } else {
                <p class="hint">{w.no_more_hints}</p>
            }
        </div>
    }
}
