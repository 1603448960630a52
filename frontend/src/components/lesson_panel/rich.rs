//! Lesson text as the page shows it: paragraphs split at blank lines and
//! `backquoted` code set in the code font. Nothing else is interpreted (a
//! lesson file never injects markup).

use yew::prelude::*;

/// One line of text with its `code` spans.
pub fn inline(text: &str) -> Html {
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                html! { <code>{part}</code> }
            } else {
                html! { {part} }
            }
        })
        .collect()
}

/// Paragraphs (blank-line separated), each with its `code` spans.
pub fn paragraphs(text: &str, class: &'static str) -> Html {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| html! { <p {class}>{inline(p)}</p> })
        .collect()
}
