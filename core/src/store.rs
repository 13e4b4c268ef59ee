//! The versioned key/value store. (Being written.)
