//! Per-frame timestamps through the relay, in a measurement build only (cargo feature
//! `frame-trace`; never in a normal build, since it reads the bench's payloads).
//!
//! The load bench (`benches/relay_load.rs`) puts its sender, a sequence number and the wall-clock
//! send time in every payload; the relay stamps each frame when its reader has it, when its
//! recipients are looked up, when it is queued for a recipient, when that recipient's writer
//! takes it and when the write that carried it returns, and `/trace` hands the records over (and
//! forgets them). The bench joins them with its receive times, so a frame's time splits into
//! stages on one clock (the wall clock: both processes read the same one).

use std::cell::Cell;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, Ordering};

/// Nanoseconds on the wall clock, the clock the bench's payloads carry.
pub(super) fn now_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

/// A small number naming the current thread, to tell whether a frame changed threads.
pub(super) fn thread_number() -> u8 {
    static NEXT: AtomicU8 = AtomicU8::new(1);
    thread_local! {
        static NUMBER: Cell<u8> = const { Cell::new(0) };
    }
    NUMBER.with(|number| {
        if number.get() == 0 {
            number.set(NEXT.fetch_add(1, Ordering::Relaxed));
        }
        number.get()
    })
}

/// One frame's way through the relay to one recipient.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Stamp {
    sender: u32,
    seq: u32,
    sent_ns: u64,
    read_ns: u64,
    read_thread: u8,
    /// When the recipients had been looked up.
    pub(super) looked_up_ns: u64,
    /// When the frame went into the recipient's queue.
    pub(super) queued_ns: u64,
    /// When the recipient's writer took it from the queue.
    pub(super) dequeued_ns: u64,
}

impl Stamp {
    /// The bench's key and send time from a payload (`[sent µs: u64][sender: u32][seq: u32]
    /// [sent wall-clock ns: u64]`), stamped as read now; `None` for any other payload.
    pub(super) fn read(payload: &[u8]) -> Option<Stamp> {
        let field = |at: usize, len: usize| payload.get(at..at + len);
        let sender = u32::from_le_bytes(field(8, 4)?.try_into().ok()?);
        let seq = u32::from_le_bytes(field(12, 4)?.try_into().ok()?);
        let sent_ns = u64::from_le_bytes(field(16, 8)?.try_into().ok()?);
        Some(Stamp {
            sender,
            seq,
            sent_ns,
            read_ns: now_ns(),
            read_thread: thread_number(),
            ..Stamp::default()
        })
    }
}

/// The records since the last `/trace`.
#[derive(Default)]
pub(super) struct Trace {
    records: Mutex<Vec<(Stamp, u64, u8)>>,
}

impl Trace {
    /// Keeps a frame's stamps with the time its write returned.
    pub(super) fn written(&self, stamps: &[Stamp], flushed_ns: u64) {
        let thread = thread_number();
        let mut records = self.records.lock().unwrap();
        records.extend(stamps.iter().map(|stamp| (*stamp, flushed_ns, thread)));
    }

    /// The records as lines `sender seq sent read looked_up queued dequeued flushed read_thread
    /// write_thread` (ns), forgotten here.
    pub(super) fn take_text(&self) -> String {
        let records = std::mem::take(&mut *self.records.lock().unwrap());
        let mut text = String::with_capacity(records.len() * 120);
        for (s, flushed_ns, write_thread) in records {
            let _ = writeln!(
                text,
                "{} {} {} {} {} {} {} {} {} {}",
                s.sender,
                s.seq,
                s.sent_ns,
                s.read_ns,
                s.looked_up_ns,
                s.queued_ns,
                s.dequeued_ns,
                flushed_ns,
                s.read_thread,
                write_thread
            );
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bench_payload_is_read_and_its_record_handed_over_once() {
        let mut payload = Vec::new();
        payload.extend(123u64.to_le_bytes());
        payload.extend(7u32.to_le_bytes());
        payload.extend(42u32.to_le_bytes());
        payload.extend(1_000u64.to_le_bytes());
        payload.resize(64, 0);
        let mut stamp = Stamp::read(&payload).expect("a bench payload");
        assert_eq!((stamp.sender, stamp.seq, stamp.sent_ns), (7, 42, 1_000));
        assert!(stamp.read_ns > 1_000, "read on the wall clock");
        assert!(Stamp::read(&payload[..20]).is_none(), "too short");
        stamp.looked_up_ns = 2;
        stamp.queued_ns = 3;
        stamp.dequeued_ns = 4;
        let trace = Trace::default();
        trace.written(&[stamp], 5);
        let thread = thread_number();
        assert_eq!(
            trace.take_text(),
            format!("7 42 1000 {} 2 3 4 5 {thread} {thread}\n", stamp.read_ns)
        );
        assert_eq!(trace.take_text(), "", "handed over once");
    }
}
