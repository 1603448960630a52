//! Lessons in the page, apart from their state (`state/lesson.rs`) and their
//! view (`components/lesson_panel/`): fetching the catalogue ([`catalog`]),
//! keeping progress and the language in the browser ([`store`]), the page's
//! own words in both languages ([`words`]) and running a check's probe
//! clients over the page's relay connection ([`probe`]) and telling the
//! teacher's `/status` view where the learner is ([`report`]). Probes and
//! reports are the `learn` build's; the default build's front door uses the
//! catalogue (titles only), the store and the words.

pub mod catalog;
#[cfg(any(feature = "learn", test))]
pub mod probe;
#[cfg(any(feature = "learn", test))]
pub mod report;
pub mod store;
pub mod words;
