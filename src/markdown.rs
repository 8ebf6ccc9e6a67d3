//! Incremental, safe markdown (see issue 4). Being written.
