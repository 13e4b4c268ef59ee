//! Anti-entropy. (Being written.)
