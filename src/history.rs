//! Conversation history: the saved format and the store (see issue 4). Being written.
