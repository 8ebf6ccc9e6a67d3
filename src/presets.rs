//! Provider presets and the models list (see issue 4). Being written.
