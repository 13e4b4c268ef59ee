//! SWIM membership. (Being written.)
