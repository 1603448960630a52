//! Drawing primitives the pictures share: the frame of a two-sided sequence
//! picture, a labelled arrow between two points, a text label, a lifeline,
//! a box, and the arrowhead marker.

use yew::prelude::*;

/// The arrowhead every picture's arrows end with (`marker-end`).
pub fn defs(id: &'static str) -> Html {
    html! {
        <defs>
            <marker id={id} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                <path d="M 0 0 L 10 5 L 0 10 z" class="pic-head" />
            </marker>
        </defs>
    }
}

/// An arrow from (x1, y1) to (x2, y2) with `label` above its middle.
pub fn arrow(
    marker: &'static str,
    (x1, y1): (i32, i32),
    (x2, y2): (i32, i32),
    label: &str,
    class: &'static str,
) -> Html {
    let (mx, my) = ((x1 + x2) / 2, (y1 + y2) / 2 - 6);
    html! {
        <g class={classes!("pic-arrow", class)}>
            <line x1={x1.to_string()} y1={y1.to_string()} x2={x2.to_string()} y2={y2.to_string()} marker-end={format!("url(#{marker})")} />
            <text x={mx.to_string()} y={my.to_string()} text-anchor="middle">{label.to_owned()}</text>
        </g>
    }
}

/// A text label anchored `start`, `middle` or `end` at (x, y).
pub fn label(x: i32, y: i32, anchor: &'static str, text: &str, class: &'static str) -> Html {
    html! {
        <text x={x.to_string()} y={y.to_string()} text-anchor={anchor} class={class}>{text.to_owned()}</text>
    }
}

/// A vertical lifeline at `x` from `y1` to `y2`.
pub fn lifeline(x: i32, y1: i32, y2: i32) -> Html {
    html! { <line class="pic-life" x1={x.to_string()} y1={y1.to_string()} x2={x.to_string()} y2={y2.to_string()} /> }
}

/// A box with centred text.
pub fn boxed(x: i32, y: i32, w: i32, h: i32, text: &str) -> Html {
    html! {
        <g class="pic-box">
            <rect x={x.to_string()} y={y.to_string()} width={w.to_string()} height={h.to_string()} rx="4" />
            <text x={(x + w / 2).to_string()} y={(y + h / 2 + 4).to_string()} text-anchor="middle">{text.to_owned()}</text>
        </g>
    }
}

/// A two-sided sequence picture `height` high: the arrowhead `marker`, the
/// two sides named at x = `left.0` and `right.0` with their lifelines, then
/// `body`.
pub fn sequence(
    marker: &'static str,
    label_text: &'static str,
    height: i32,
    (left, right): ((i32, &str), (i32, &str)),
    body: Html,
) -> Html {
    html! {
        <svg viewBox={format!("0 0 440 {height}")} role="img" aria-label={label_text} class="pic">
            {defs(marker)}
            {label(left.0, 16, "middle", left.1, "pic-who")}
            {label(right.0, 16, "middle", right.1, "pic-who")}
            {lifeline(left.0, 24, height - 10)}
            {lifeline(right.0, 24, height - 10)}
            {body}
        </svg>
    }
}
