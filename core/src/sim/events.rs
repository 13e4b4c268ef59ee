//! The event-driven engine. (Being written.)
