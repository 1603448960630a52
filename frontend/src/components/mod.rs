//! The page's components, one per file (a big one as a folder of
//! subcomponents), each with its own `Props`: the slice of the state it
//! renders, so it renders again only when that slice changes. They act through
//! the hooks of `hooks.rs` (the relay service and the reducer's dispatcher)
//! and never talk to the WebSocket directly. The lesson panel and its
//! pictures are the `learn` build's only (`main.rs`).

pub mod app;
pub mod auth_panel;
pub mod banner;
pub mod data_entry;
pub mod error_line;
pub mod first_step;
pub mod ftp_panel;
pub mod hello_panel;
pub mod http_panel;
pub mod lang_switch;
pub mod lazy_panels;
pub mod lesson_list;
#[cfg(any(feature = "learn", test))]
pub mod lesson_panel;
pub mod mail_panel;
pub mod new_socket;
#[cfg(any(feature = "learn", test))]
pub mod pictures;
pub mod python_tab;
pub mod python_transcript;
pub mod received;
pub mod select_panel;
pub mod socket_card;
pub mod timeline;
pub mod transcript;
