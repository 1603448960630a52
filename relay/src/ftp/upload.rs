//! The bytes of an FTP connection's uploads (`storbinary`/`storlines`) waiting
//! for the data connection (docs/protocol.md "FTP operations", "Transfers").
//!
//! Each upload request has a slot, in arrival order: its inline `data` or the
//! binary frames that follow a `size` (a frame addressed to the connection fills
//! the first slot still owed bytes), taken off chunk by chunk as the data phase
//! writes them. Owns the slots and their byte count ([`Uploads::buffered`]),
//! which the session counts in its piped bytes; a slot whose request failed or
//! was cancelled drops what it held and the frames still due. No I/O.

use bytes::Bytes;
use std::collections::VecDeque;

/// One upload's bytes.
struct Slot {
    id: u64,
    /// Bytes the client has yet to send as binary frames.
    left: u64,
    buf: VecDeque<Bytes>,
    /// The request failed or was cancelled: frames still due are dropped.
    discard: bool,
}

/// What the data phase of upload `id` does next.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// Write these bytes.
    Chunk(Bytes),
    /// Wait for the client's frames.
    Wait,
    /// Every byte was written: the upload is complete.
    Done,
}

/// The upload slots of one connection.
#[derive(Default)]
pub struct Uploads {
    slots: VecDeque<Slot>,
    /// Bytes held in all slots.
    buffered: usize,
}

/// A binary frame arrived but no upload waits for bytes.
#[derive(Debug, PartialEq, Eq)]
pub struct Unexpected;

impl Uploads {
    /// Bytes held, not yet written.
    pub fn buffered(&self) -> usize {
        self.buffered
    }

    /// Opens the slot of upload `id`: `inline` bytes now, `left` bytes to come
    /// as binary frames.
    pub fn open(&mut self, id: u64, left: u64, inline: Option<Bytes>) {
        let mut buf = VecDeque::new();
        if let Some(b) = inline.filter(|b| !b.is_empty()) {
            self.buffered += b.len();
            buf.push_back(b);
        }
        self.slots.push_back(Slot {
            id,
            left,
            buf,
            discard: false,
        });
    }

    /// A binary frame's payload: fills the slots still owed bytes, in order.
    /// `Err` when bytes are left over (what fitted is kept).
    pub fn fill(&mut self, mut payload: Bytes) -> Result<(), Unexpected> {
        while !payload.is_empty() {
            let Some(slot) = self.slots.iter_mut().find(|s| s.left > 0) else {
                return Err(Unexpected);
            };
            let take = payload
                .len()
                .min(usize::try_from(slot.left).unwrap_or(usize::MAX));
            let part = payload.split_to(take);
            slot.left -= take as u64;
            if !slot.discard {
                self.buffered += part.len();
                slot.buf.push_back(part);
            }
        }
        self.slots.retain(|s| !(s.discard && s.left == 0));
        Ok(())
    }

    /// Takes the next chunk of upload `id` to write.
    pub fn next(&mut self, id: u64) -> Next {
        let Some(slot) = self.slots.iter_mut().find(|s| s.id == id) else {
            return Next::Wait;
        };
        if let Some(chunk) = slot.buf.pop_front() {
            self.buffered -= chunk.len();
            return Next::Chunk(chunk);
        }
        if slot.left > 0 {
            Next::Wait
        } else {
            Next::Done
        }
    }

    /// Drops what upload `id` holds; frames still due are discarded on arrival.
    pub fn discard(&mut self, id: u64) {
        let Some(i) = self.slots.iter().position(|s| s.id == id) else {
            return;
        };
        let Some(slot) = self.slots.get_mut(i) else {
            return;
        };
        let held: usize = slot.buf.drain(..).map(|b| b.len()).sum();
        self.buffered -= held;
        slot.discard = true;
        if slot.left == 0 {
            self.slots.remove(i);
        }
    }

    /// Drops every slot (the connection is closed).
    pub fn clear(&mut self) {
        self.slots.clear();
        self.buffered = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &'static [u8]) -> Bytes {
        Bytes::from_static(s)
    }

    #[test]
    fn inline_bytes_then_done() {
        let mut u = Uploads::default();
        u.open(1, 0, Some(b(b"abc")));
        assert_eq!(u.buffered(), 3);
        assert_eq!(u.next(1), Next::Chunk(b(b"abc")));
        assert_eq!(u.buffered(), 0);
        assert_eq!(u.next(1), Next::Done);
    }

    #[test]
    fn frames_fill_slots_in_order() {
        let mut u = Uploads::default();
        u.open(1, 2, None);
        u.open(2, 3, None);
        assert_eq!(u.next(1), Next::Wait);
        u.fill(b(b"abcd")).unwrap();
        assert_eq!(u.buffered(), 4);
        assert_eq!(u.next(1), Next::Chunk(b(b"ab")));
        assert_eq!(u.next(1), Next::Done);
        assert_eq!(u.next(2), Next::Chunk(b(b"cd")));
        assert_eq!(u.next(2), Next::Wait, "one byte still to come");
        // More than is owed: what fits is kept.
        assert_eq!(u.fill(b(b"ef")), Err(Unexpected));
        assert_eq!(u.next(2), Next::Chunk(b(b"e")));
        assert_eq!(u.next(2), Next::Done);
    }

    #[test]
    fn a_discarded_slot_drops_its_bytes_and_the_frames_still_due() {
        let mut u = Uploads::default();
        u.open(1, 4, Some(b(b"xy")));
        u.fill(b(b"ab")).unwrap();
        assert_eq!(u.buffered(), 4);
        u.discard(1);
        assert_eq!(u.buffered(), 0);
        u.fill(b(b"cd")).unwrap();
        assert_eq!(u.buffered(), 0, "frames still due are dropped");
        assert_eq!(
            u.next(1),
            Next::Wait,
            "the slot is gone once nothing is due"
        );
        assert_eq!(u.fill(b(b"e")), Err(Unexpected));
    }

    #[test]
    fn clear_forgets_everything() {
        let mut u = Uploads::default();
        u.open(1, 1, Some(b(b"abc")));
        u.clear();
        assert_eq!(u.buffered(), 0);
        assert_eq!(u.fill(b(b"x")), Err(Unexpected));
    }
}
