//! "Lesson complete" once every step of the check is met, with the next
//! lesson (or the free workbench after the last one).

use crate::hooks::use_app;
use crate::lessons::words::words;
use crate::state::lesson::LessonAction;
use crate::state::Action;
use shared::lesson::Lang;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    /// The next lesson's id and title.
    pub next: Option<(String, String)>,
}

#[function_component(Complete)]
pub fn complete(props: &Props) -> Html {
    let ctx = use_app();
    let w = words(props.lang);
    let next = props.next.clone().map(|(id, title)| {
        let onclick = Callback::from(move |_: MouseEvent| {
            ctx.dispatch(Action::Lesson(LessonAction::Open(id.clone())));
        });
        html! { <button class="primary" {onclick}>{w.next_lesson}{": "}{title}</button> }
    });
    html! {
        <div class="lesson-complete" role="status" data-testid="lesson-complete">
            <p><b>{"✓ "}{w.complete}</b>{" — "}{w.complete_text}</p>
            {next.unwrap_or_else(|| html! { <p>{w.last_lesson}</p> })}
        </div>
    }
}
