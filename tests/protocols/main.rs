//! Host tests of the protocol layer: the OpenAI Responses and Anthropic Messages mappers (every
//! event type), request bodies and headers, non-streaming bodies, error envelopes, real
//! llama-server captures, and re-chunking properties.
#![cfg(not(target_arch = "wasm32"))]

mod anthropic;
mod common;
mod fixtures;
mod rechunk;
mod requests;
mod responses;
